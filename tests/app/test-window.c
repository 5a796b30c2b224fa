/* test-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "troupe-app-test-util.h"

static void
assert_position (TroupeWorkflow *workflow,
                 const char     *id,
                 double          x,
                 double          y)
{
  TroupeStep *step = troupe_workflow_lookup_step (workflow, id);
  double sx, sy;

  g_assert_nonnull (step);
  g_assert_true (troupe_step_get_position (step, &sx, &sy));
  g_assert_cmpfloat (sx, ==, x);
  g_assert_cmpfloat (sy, ==, y);
}

static void
test_edit_undo_save (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeDocument *document = troupe_window_get_document (window);
  TroupeWorkflow *workflow = troupe_document_get_workflow (document);
  g_autoptr(TroupeStep) summary = troupe_step_new ("summary", TROUPE_STEP_KIND_AGENT);
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = NULL;
  g_autofree char *saved_path = NULL;
  g_autofree char *expected_path = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GFile) saved_file = NULL;
  TroupeStep *step;
  double placed_x, placed_y;

  g_assert_cmpuint (troupe_workflow_get_n_steps (workflow), ==, 8);
  g_assert_false (troupe_document_get_dirty (document));
  g_assert_false (troupe_document_get_can_undo (document));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "architect-engineer-qa.yaml");

  /* Add: a new step is placed without moving the others. */
  troupe_step_set_agent (summary, "qa");
  troupe_step_set_prompt (summary, "Summarise the review in three lines.");
  g_assert_true (troupe_document_add_step (document, summary, &error));
  g_assert_no_error (error);
  step = troupe_workflow_lookup_step (workflow, "summary");
  g_assert_nonnull (step);
  g_assert_true (step != summary);
  g_assert_true (troupe_step_get_position (step, &placed_x, &placed_y));
  assert_position (workflow, "design", 158, 40);
  g_assert_true (troupe_document_get_dirty (document));
  g_assert_true (troupe_document_get_can_undo (document));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "• architect-engineer-qa.yaml");

  /* Connect, and refuse a cycle with a message that names it. */
  g_assert_true (troupe_document_connect (document, "review", "summary", &error));
  g_assert_no_error (error);
  g_assert_true (troupe_step_has_need (step, "review"));
  g_assert_false (troupe_document_connect (document, "summary", "design", &error));
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_CYCLE);
  g_assert_nonnull (strstr (error->message, "summary"));
  g_assert_nonnull (strstr (error->message, "design"));
  g_clear_error (&error);
  g_assert_false (troupe_step_has_need (troupe_workflow_lookup_step (workflow, "design"), "summary"));

  /* Move. */
  g_assert_true (troupe_document_move_step (document, "summary", 40, 730, &error));
  g_assert_no_error (error);
  assert_position (workflow, "summary", 40, 730);

  /* Undo each, newest first; the refused cycle left nothing to undo. */
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_no_error (error);
  assert_position (workflow, "summary", placed_x, placed_y);
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_no_error (error);
  g_assert_false (troupe_step_has_need (step, "review"));
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_no_error (error);
  g_assert_null (troupe_workflow_lookup_step (workflow, "summary"));
  g_assert_cmpuint (troupe_workflow_get_n_steps (workflow), ==, 8);
  g_assert_false (troupe_document_get_can_undo (document));
  g_assert_true (troupe_document_get_can_redo (document));

  /* Redo each. */
  g_assert_true (troupe_document_redo (document, &error));
  g_assert_no_error (error);
  step = troupe_workflow_lookup_step (workflow, "summary");
  g_assert_nonnull (step);
  assert_position (workflow, "summary", placed_x, placed_y);
  g_assert_true (troupe_document_redo (document, &error));
  g_assert_no_error (error);
  g_assert_true (troupe_step_has_need (step, "review"));
  g_assert_true (troupe_document_redo (document, &error));
  g_assert_no_error (error);
  assert_position (workflow, "summary", 40, 730);
  g_assert_false (troupe_document_get_can_redo (document));

  /* Rename keeps the edges, and undoes. */
  g_assert_true (troupe_document_rename_step (document, "review", "qa-review", &error));
  g_assert_no_error (error);
  g_assert_true (troupe_step_has_need (step, "qa-review"));
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_no_error (error);
  g_assert_true (troupe_step_has_need (step, "review"));
  g_assert_true (troupe_document_redo (document, &error));
  g_assert_no_error (error);
  g_assert_true (troupe_step_has_need (step, "qa-review"));

  /* Disconnect is undoable too. */
  g_assert_true (troupe_document_disconnect (document, "request-review", "wait-for-feedback", &error));
  g_assert_no_error (error);
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_no_error (error);
  g_assert_true (troupe_step_has_need (troupe_workflow_lookup_step (workflow, "wait-for-feedback"),
                                       "request-review"));

  /* Save to a new file: the mark goes, and the file is the expected YAML. */
  tmpdir = troupe_app_test_make_tmp_dir ("troupe-app-XXXXXX");
  saved_path = g_build_filename (tmpdir, "edited.yaml", NULL);
  saved_file = g_file_new_for_path (saved_path);
  g_assert_true (troupe_document_save (document, saved_file, &error));
  g_assert_no_error (error);
  g_assert_false (troupe_document_get_dirty (document));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "edited.yaml");

  g_assert_true (g_file_get_contents (saved_path, &saved, NULL, &error));
  g_assert_no_error (error);
  expected_path = g_test_build_filename (G_TEST_DIST, "app", "data", "expected-edit.yaml", NULL);
  g_assert_true (g_file_get_contents (expected_path, &expected, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (saved, ==, expected);

  /* Open Recent in a window showing that file reloads it there... */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-recent", "s", saved_path));
  g_assert_cmpuint (troupe_workflow_get_n_steps (troupe_document_get_workflow (document)), ==, 9);
  g_assert_false (troupe_document_get_can_undo (document));

  /* ...and files opened in a window are in the recent list, newest first. */
  {
    g_autoptr(GSettings) settings = g_settings_new (APP_ID);
    g_auto(GStrv) recent = g_settings_get_strv (settings, "recent-files");
    g_autofree char *example = troupe_app_test_example_path ();

    g_assert_cmpuint (g_strv_length (recent), >=, 2);
    g_assert_cmpstr (recent[0], ==, saved_path);
    g_assert_cmpstr (recent[1], ==, example);
  }

  g_assert_cmpint (g_unlink (saved_path), ==, 0);
  g_assert_cmpint (g_rmdir (tmpdir), ==, 0);

  troupe_app_test_close_window (GTK_WINDOW (window));
}

static void
test_delete_action (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeDocument *document = troupe_window_get_document (window);
  TroupeWorkflow *workflow = troupe_document_get_workflow (document);
  TroupeCanvas *canvas = troupe_window_get_canvas (window);
  TroupeCanvasView *view = troupe_canvas_get_view (canvas);
  g_autoptr(GError) error = NULL;
  g_autofree char *before_text = NULL;
  g_autofree char *after_text = NULL;

  before_text = troupe_workflow_to_data (workflow, TROUPE_FILE_FORMAT_YAML, NULL);

  /* The Delete key's action deletes the selected step and its edges. */
  troupe_canvas_view_set_selection (view, "request-review");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (canvas), "canvas.delete-selection", NULL));
  g_assert_null (troupe_workflow_lookup_step (workflow, "request-review"));
  g_assert_null (troupe_canvas_view_get_selection (view));
  g_assert_false (troupe_step_has_need (troupe_workflow_lookup_step (workflow, "review"), "request-review"));

  /* One undo brings back the step and both edges out of it. */
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_no_error (error);
  g_assert_true (troupe_step_has_need (troupe_workflow_lookup_step (workflow, "review"), "request-review"));
  g_assert_true (troupe_step_has_need (troupe_workflow_lookup_step (workflow, "wait-for-feedback"), "request-review"));
  after_text = troupe_workflow_to_data (workflow, TROUPE_FILE_FORMAT_YAML, NULL);
  g_assert_cmpstr (after_text, ==, before_text);

  troupe_app_test_close_window (GTK_WINDOW (window));
}

static void
test_canvas_edits (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeDocument *document = troupe_window_get_document (window);
  TroupeWorkflow *workflow = troupe_document_get_workflow (document);
  TroupeCanvas *canvas = troupe_window_get_canvas (window);
  TroupeCanvasView *view = troupe_canvas_get_view (canvas);
  g_autoptr(GError) error = NULL;
  GPtrArray *diagnostics;
  gboolean found = FALSE;
  TroupeStep *copy;

  /* Duplicate (Ctrl+D): a fresh id, the same needs, a little offset. */
  troupe_canvas_view_set_selection (view, "implement");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (canvas), "canvas.duplicate-selection", NULL));
  copy = troupe_workflow_lookup_step (workflow, "implement-2");
  g_assert_nonnull (copy);
  g_assert_true (troupe_step_has_need (copy, "assign-implementation"));
  g_assert_cmpstr (troupe_step_get_agent (copy), ==, "engineer");
  assert_position (workflow, "implement-2", 158 + 24, 270 + 24);
  g_assert_cmpstr (troupe_canvas_view_get_selection (view), ==, "implement-2");
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_no_error (error);
  g_assert_null (troupe_workflow_lookup_step (workflow, "implement-2"));

  /* Arrow keys: one command per press. */
  troupe_canvas_view_set_selection (view, "design");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (canvas), "canvas.move-selection", "(ii)", 10, 0));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (canvas), "canvas.move-selection", "(ii)", 0, -1));
  assert_position (workflow, "design", 168, 39);
  g_assert_true (troupe_document_undo (document, &error));
  assert_position (workflow, "design", 168, 40);
  g_assert_true (troupe_document_undo (document, &error));
  assert_position (workflow, "design", 158, 40);

  /* Select an edge and delete it; undo brings it back. */
  troupe_canvas_view_select_edge (view, "design", "assign-implementation");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (canvas), "canvas.delete-selection", NULL));
  g_assert_false (troupe_step_has_need (troupe_workflow_lookup_step (workflow, "assign-implementation"), "design"));
  g_assert_nonnull (troupe_workflow_lookup_step (workflow, "design"));
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_no_error (error);
  g_assert_true (troupe_step_has_need (troupe_workflow_lookup_step (workflow, "assign-implementation"), "design"));

  /* Add a step where the user double-clicked: it is centred there, and,
   * with no prompt yet, validation finds a problem with it. */
  g_assert_true (troupe_canvas_add_step (canvas, TRUE, 700, 100));
  assert_position (workflow, "step", 700 - TROUPE_CARD_WIDTH / 2, 100 - TROUPE_CARD_HEIGHT / 2);
  g_assert_cmpstr (troupe_canvas_view_get_selection (view), ==, "step");
  troupe_document_validate (document);
  diagnostics = troupe_document_get_diagnostics (document);
  for (guint i = 0; i < diagnostics->len; i++)
    {
      const TroupeDiagnostic *d = g_ptr_array_index (diagnostics, i);

      if (g_strcmp0 (d->step_id, "step") == 0 && d->severity == TROUPE_SEVERITY_ERROR)
        found = TRUE;
    }
  g_assert_true (found);

  /* The menu's Add Step places the step next to the others. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.add-step", NULL));
  g_assert_nonnull (troupe_workflow_lookup_step (workflow, "step-2"));
  g_assert_true (troupe_step_get_position (troupe_workflow_lookup_step (workflow, "step-2"), NULL, NULL));
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (troupe_workflow_get_n_steps (workflow), ==, 8);

  troupe_app_test_close_window (GTK_WINDOW (window));
}

static void
test_copy_paste (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeDocument *document = troupe_window_get_document (window);
  TroupeWorkflow *workflow = troupe_document_get_workflow (document);
  TroupeCanvas *canvas = troupe_window_get_canvas (window);
  TroupeCanvasView *view = troupe_canvas_get_view (canvas);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (canvas));
  g_autoptr(GError) error = NULL;
  TroupeStep *step;

  /* Copy puts the step on the clipboard as YAML... */
  troupe_canvas_view_set_selection (view, "implement");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (canvas), "canvas.copy", NULL));
  g_assert_true (GDK_IS_CONTENT_PROVIDER (gdk_clipboard_get_content (clipboard)));

  /* ...and paste adds a copy with a fresh id, beside the original, still
   * needing what the original needs. */
  troupe_app_test_paste_and_wait (canvas);
  step = troupe_workflow_lookup_step (workflow, "implement-2");
  g_assert_nonnull (step);
  g_assert_cmpstr (troupe_step_get_agent (step), ==, "engineer");
  g_assert_true (troupe_step_has_need (step, "assign-implementation"));
  assert_position (workflow, "implement-2", 158 + 24, 270 + 24);
  g_assert_cmpstr (troupe_canvas_view_get_selection (view), ==, "implement-2");
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_null (troupe_workflow_lookup_step (workflow, "implement-2"));

  /* Cut removes it; pasting puts it back where it was, with its id. */
  troupe_canvas_view_set_selection (view, "address-feedback");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (canvas), "canvas.cut", NULL));
  g_assert_null (troupe_workflow_lookup_step (workflow, "address-feedback"));
  troupe_app_test_paste_and_wait (canvas);
  step = troupe_workflow_lookup_step (workflow, "address-feedback");
  g_assert_nonnull (step);
  g_assert_true (troupe_step_has_need (step, "wait-for-feedback"));
  assert_position (workflow, "address-feedback", 276, 615);

  /* Several steps copy and paste together, as one command; the edge
   * between them follows their new ids. */
  troupe_canvas_view_set_selection (view, "review");
  troupe_canvas_view_add_to_selection (view, "send-feedback");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (canvas), "canvas.copy", NULL));
  troupe_app_test_paste_and_wait (canvas);
  g_assert_cmpuint (troupe_workflow_get_n_steps (workflow), ==, 10);
  g_assert_true (troupe_step_has_need (troupe_workflow_lookup_step (workflow, "send-feedback-2"), "review-2"));
  g_assert_true (troupe_step_has_need (troupe_workflow_lookup_step (workflow, "review-2"), "request-review"));
  g_assert_cmpuint (troupe_canvas_view_get_n_selected (view), ==, 2);
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (troupe_workflow_get_n_steps (workflow), ==, 8);

  /* Text that is no workflow is refused, and nothing changes. */
  gdk_clipboard_set_text (clipboard, "just some words: [");
  troupe_app_test_paste_and_wait (canvas);
  g_assert_cmpuint (troupe_workflow_get_n_steps (workflow), ==, 8);

  troupe_app_test_close_window (GTK_WINDOW (window));
}

static void
test_multi_edit (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeDocument *document = troupe_window_get_document (window);
  TroupeWorkflow *workflow = troupe_document_get_workflow (document);
  TroupeCanvas *canvas = troupe_window_get_canvas (window);
  TroupeCanvasView *view = troupe_canvas_get_view (canvas);
  g_autofree char *before = troupe_workflow_to_data (workflow, TROUPE_FILE_FORMAT_YAML, NULL);
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;

  troupe_canvas_view_set_selection (view, "review");
  troupe_canvas_view_add_to_selection (view, "send-feedback");
  troupe_canvas_view_add_to_selection (view, "implement");

  /* An arrow key moves all of them, as one command. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (canvas), "canvas.move-selection", "(ii)", 0, 10));
  assert_position (workflow, "review", 40, 510);
  assert_position (workflow, "send-feedback", 40, 625);
  assert_position (workflow, "implement", 158, 280);
  g_assert_true (troupe_document_undo (document, &error));
  assert_position (workflow, "review", 40, 500);
  assert_position (workflow, "implement", 158, 270);

  /* A drag of several cards is one command too. */
  troupe_step_set_position (troupe_workflow_lookup_step (workflow, "review"), 48, 520);
  troupe_step_set_position (troupe_workflow_lookup_step (workflow, "implement"), 166, 290);
  troupe_document_record_moves (document, (const char *[]) { "review", "implement", "send-feedback", NULL },
                                (double []) { 40, 158, 40 }, (double []) { 500, 270, 615 });
  g_assert_true (troupe_document_undo (document, &error));
  assert_position (workflow, "review", 40, 500);
  assert_position (workflow, "implement", 158, 270);

  /* Delete removes all three and their edges; one undo restores the lot. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (canvas), "canvas.delete-selection", NULL));
  g_assert_cmpuint (troupe_workflow_get_n_steps (workflow), ==, 5);
  g_assert_cmpuint (troupe_canvas_view_get_n_selected (view), ==, 0);
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_no_error (error);
  after = troupe_workflow_to_data (workflow, TROUPE_FILE_FORMAT_YAML, NULL);
  g_assert_cmpstr (after, ==, before);
  g_assert_false (troupe_document_get_can_undo (document));
  g_assert_false (troupe_document_get_dirty (document));

  troupe_app_test_close_window (GTK_WINDOW (window));
}

static void
test_layout_command (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeDocument *document = troupe_window_get_document (window);
  TroupeWorkflow *workflow = troupe_document_get_workflow (document);
  g_autoptr(GError) error = NULL;
  g_autofree char *moved = NULL;
  g_autofree char *laid_out = NULL;
  g_autofree char *undone = NULL;
  g_autofree char *redone = NULL;
  double x, y;

  g_assert_true (troupe_document_move_step (document, "design", 900, 900, &error));
  g_assert_no_error (error);
  moved = troupe_workflow_to_data (workflow, TROUPE_FILE_FORMAT_YAML, NULL);

  /* Lay Out Again moves the stray card back among the others... */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.layout", NULL));
  g_assert_true (troupe_step_get_position (troupe_workflow_lookup_step (workflow, "design"), &x, &y));
  g_assert_false (x == 900 && y == 900);
  laid_out = troupe_workflow_to_data (workflow, TROUPE_FILE_FORMAT_YAML, NULL);

  /* ...as one command. */
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_no_error (error);
  undone = troupe_workflow_to_data (workflow, TROUPE_FILE_FORMAT_YAML, NULL);
  g_assert_cmpstr (undone, ==, moved);
  g_assert_true (troupe_document_redo (document, &error));
  redone = troupe_workflow_to_data (workflow, TROUPE_FILE_FORMAT_YAML, NULL);
  g_assert_cmpstr (redone, ==, laid_out);

  troupe_app_test_close_window (GTK_WINDOW (window));
}

static void
test_problems_list (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeDocument *document = troupe_window_get_document (window);
  TroupeCanvas *canvas = troupe_window_get_canvas (window);
  TroupeCanvasView *view = troupe_canvas_get_view (canvas);
  GtkListBox *list = troupe_window_get_problems_list (window);
  GtkListBoxRow *row = NULL;
  double cx, cy;

  troupe_app_test_wait_for_frames (GTK_WIDGET (canvas), 300);

  /* The example has no problems. */
  g_assert_null (gtk_list_box_get_row_at_index (list, 0));

  /* A step far off screen with nothing to do is a problem, listed live. */
  g_assert_true (troupe_canvas_add_step (canvas, TRUE, 3000, 3000));
  troupe_canvas_view_set_selection (view, NULL);
  troupe_document_validate (document);
  for (int i = 0; gtk_list_box_get_row_at_index (list, i) != NULL; i++)
    {
      GtkListBoxRow *r = gtk_list_box_get_row_at_index (list, i);

      if (g_strcmp0 (g_object_get_data (G_OBJECT (r), "troupe-step-id"), "step") == 0)
        row = r;
    }
  g_assert_nonnull (row);

  /* Clicking it selects the step and brings it to the middle. */
  g_signal_emit_by_name (row, "activate");
  g_assert_cmpstr (troupe_canvas_view_get_selection (view), ==, "step");
  troupe_canvas_view_graph_to_widget (view, 3000, 3000, &cx, &cy);
  g_assert_cmpfloat_with_epsilon (cx, gtk_widget_get_width (GTK_WIDGET (canvas)) / 2.0, 1.0);
  g_assert_cmpfloat_with_epsilon (cy, gtk_widget_get_height (GTK_WIDGET (canvas)) / 2.0, 1.0);

  /* The whole window, with the problems panel open, for a person to see. */
  {
    g_autoptr(GdkTexture) shot = NULL;

    gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-fit", NULL);
    adw_flap_set_reveal_flap (ADW_FLAP (gtk_widget_get_ancestor (GTK_WIDGET (canvas), ADW_TYPE_FLAP)), TRUE);
    troupe_app_test_wait_for_frames (GTK_WIDGET (window), 300);
    shot = troupe_app_test_render (GTK_WIDGET (window));
    troupe_app_test_save_png (shot, "troupe-window.png");
  }

  /* Undo the add: the problem goes with it. */
  g_assert_true (troupe_document_undo (document, NULL));
  troupe_document_validate (document);
  g_assert_null (gtk_list_box_get_row_at_index (list, 0));

  troupe_app_test_close_window (GTK_WINDOW (window));
}

static void
test_drag_is_one_command (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeDocument *document = troupe_window_get_document (window);
  TroupeWorkflow *workflow = troupe_document_get_workflow (document);
  TroupeStep *step = troupe_workflow_lookup_step (workflow, "implement");
  g_autoptr(GError) error = NULL;

  /* A drag moves the card live, many times, and records one command when
   * it ends, as the canvas does. */
  for (int i = 1; i <= 50; i++)
    troupe_step_set_position (step, 158 + i, 270 + 2 * i);
  troupe_document_record_move (document, "implement", 158, 270);
  assert_position (workflow, "implement", 208, 370);

  g_assert_true (troupe_document_undo (document, &error));
  g_assert_no_error (error);
  assert_position (workflow, "implement", 158, 270);
  g_assert_false (troupe_document_get_can_undo (document));
  g_assert_true (troupe_document_redo (document, &error));
  g_assert_no_error (error);
  assert_position (workflow, "implement", 208, 370);

  /* A click without motion is no edit. */
  troupe_document_record_move (document, "implement", 208, 370);
  g_assert_true (troupe_document_undo (document, &error));
  assert_position (workflow, "implement", 158, 270);
  g_assert_false (troupe_document_get_can_undo (document));

  troupe_app_test_close_window (GTK_WINDOW (window));
}

static void
test_zoom_actions (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeCanvas *canvas = troupe_window_get_canvas (window);
  TroupeCanvasView *view = troupe_canvas_get_view (canvas);
  double fitted, cx, cy, gx0, gy0, gx1, gy1;

  troupe_app_test_wait_for_frames (GTK_WIDGET (canvas), 300);
  fitted = troupe_canvas_view_get_zoom (view);
  cx = gtk_widget_get_width (GTK_WIDGET (canvas)) / 2.0;
  cy = gtk_widget_get_height (GTK_WIDGET (canvas)) / 2.0;
  troupe_canvas_view_widget_to_graph (view, cx, cy, &gx0, &gy0);

  /* Ctrl+plus zooms in about the middle of the canvas. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (canvas), "canvas.zoom-in", NULL));
  g_assert_cmpfloat (troupe_canvas_view_get_zoom (view), >, fitted);
  troupe_canvas_view_widget_to_graph (view, cx, cy, &gx1, &gy1);
  g_assert_cmpfloat_with_epsilon (gx0, gx1, 1e-6);
  g_assert_cmpfloat_with_epsilon (gy0, gy1, 1e-6);

  /* Snap to Grid is on by default, and the menu's check turns it off. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.snap-to-grid", NULL));
  {
    gboolean snap = TRUE;

    g_object_get (canvas, "snap-to-grid", &snap, NULL);
    g_assert_false (snap);
  }

  /* Zoom to fit (Ctrl+0) goes back to the fitted view. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-fit", NULL));
  g_assert_cmpfloat_with_epsilon (troupe_canvas_view_get_zoom (view), fitted, 1e-9);

  troupe_app_test_close_window (GTK_WINDOW (window));
}

static void
test_saved_state_and_disk (void)
{
  g_autoptr(TroupeDocument) document = troupe_document_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *example = troupe_app_test_example_path ();
  g_autofree char *tmpdir = troupe_app_test_make_tmp_dir ("troupe-app-XXXXXX");
  g_autofree char *path = g_build_filename (tmpdir, "flow.yaml", NULL);
  g_autofree char *text = NULL;
  g_autofree char *edited = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  guint on_disk = 0;

  g_assert_true (g_file_get_contents (example, &text, NULL, NULL));
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_true (troupe_document_load (document, file, &error));
  g_assert_no_error (error);
  g_signal_connect_swapped (document, "changed-on-disk", G_CALLBACK (troupe_app_test_count_cb), &on_disk);

  /* Undoing back to what is saved is clean again; redoing is not. */
  g_assert_true (troupe_document_move_step (document, "design", 10, 10, &error));
  g_assert_true (troupe_document_get_dirty (document));
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_false (troupe_document_get_dirty (document));
  g_assert_true (troupe_document_redo (document, &error));
  g_assert_true (troupe_document_get_dirty (document));

  /* After a save, the saved point moves. */
  g_assert_true (troupe_document_save (document, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (troupe_document_get_dirty (document));
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_true (troupe_document_get_dirty (document));
  g_assert_true (troupe_document_redo (document, &error));
  g_assert_false (troupe_document_get_dirty (document));

  /* Our own save is no news; give the monitor time to say otherwise. */
  troupe_app_test_run_for (500);
  g_assert_cmpuint (on_disk, ==, 0);

  /* Someone else's is, once. */
  edited = g_strconcat (text, "# edited elsewhere\n", NULL);
  g_assert_true (g_file_set_contents (path, edited, -1, NULL));
  troupe_app_test_wait_for_count (&on_disk, 1, 10);
  g_assert_cmpuint (on_disk, ==, 1);

  /* Reloading reads the new file and starts clean. */
  g_assert_true (troupe_document_load (document, file, &error));
  g_assert_no_error (error);
  assert_position (troupe_document_get_workflow (document), "design", 158, 40);
  g_assert_false (troupe_document_get_dirty (document));
  g_assert_false (troupe_document_get_can_undo (document));

  /* Saving as DOT is refused with a hint; the file stays as it was. */
  {
    g_autofree char *dot_path = g_build_filename (tmpdir, "flow.dot", NULL);
    g_autoptr(GFile) dot = g_file_new_for_path (dot_path);

    g_assert_false (troupe_document_save (document, dot, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME);
    g_assert_nonnull (strstr (error->message, ".yaml"));
    g_clear_error (&error);
    g_assert_false (g_file_test (dot_path, G_FILE_TEST_EXISTS));
  }

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (tmpdir), ==, 0);
  g_assert_finalize_object (g_steal_pointer (&document));
}

static void
test_open_error (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeDocument *document = troupe_window_get_document (window);
  TroupeWorkflow *workflow = troupe_document_get_workflow (document);
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = troupe_app_test_make_tmp_dir ("troupe-app-XXXXXX");
  g_autofree char *bad_path = g_build_filename (tmpdir, "bad.yaml", NULL);
  g_autoptr(GFile) bad = g_file_new_for_path (bad_path);

  g_assert_true (g_file_set_contents (bad_path, "troupe: 1\nsteps: [\n", -1, NULL));

  /* The document reports FILE:LINE:COL, and the window keeps what was open. */
  g_assert_false (troupe_document_load (document, bad, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "bad.yaml:"));
  g_assert_false (troupe_window_open_file (window, bad));
  g_assert_true (troupe_document_get_workflow (document) == workflow);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "architect-engineer-qa.yaml");

  g_assert_cmpint (g_unlink (bad_path), ==, 0);
  g_assert_cmpint (g_rmdir (tmpdir), ==, 0);
  troupe_app_test_close_window (GTK_WINDOW (window));
}

static void
test_rename_dialog (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeDocument *document = troupe_window_get_document (window);
  TroupeWorkflow *workflow = troupe_document_get_workflow (document);
  TroupeCanvas *canvas = troupe_window_get_canvas (window);
  AdwMessageDialog *dialog;
  GtkEditable *entry;

  /* F2 asks for the new id; an invalid one cannot be confirmed. */
  troupe_canvas_view_set_selection (troupe_canvas_get_view (canvas), "review");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (canvas), "canvas.rename-selection", NULL));
  dialog = ADW_MESSAGE_DIALOG (troupe_app_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_nonnull (dialog);
  entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "review");
  gtk_editable_set_text (entry, "no spaces allowed");
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "rename"));
  gtk_editable_set_text (entry, "qa-review");
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "rename"));
  adw_message_dialog_response (dialog, "rename");
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* The edges and templates follow, as one undoable command. */
  g_assert_nonnull (troupe_workflow_lookup_step (workflow, "qa-review"));
  g_assert_true (troupe_step_has_need (troupe_workflow_lookup_step (workflow, "send-feedback"), "qa-review"));
  g_assert_cmpstr (troupe_canvas_view_get_selection (troupe_canvas_get_view (canvas)), ==, "qa-review");
  g_assert_true (troupe_document_undo (document, NULL));
  g_assert_nonnull (troupe_workflow_lookup_step (workflow, "review"));

  troupe_app_test_close_window (GTK_WINDOW (window));
}

static void
test_close_guard (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeDocument *document = troupe_window_get_document (window);
  AdwMessageDialog *dialog;
  g_autoptr(GError) error = NULL;

  /* Unchanged: closing asks nothing. */
  g_assert_null (troupe_app_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));

  g_assert_true (troupe_document_move_step (document, "design", 0, 0, &error));
  g_assert_no_error (error);

  /* Changed: closing asks, and Cancel keeps the window. */
  gtk_window_close (GTK_WINDOW (window));
  dialog = ADW_MESSAGE_DIALOG (troupe_app_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_nonnull (dialog);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  adw_message_dialog_response (dialog, "cancel");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));

  /* Discard closes it. */
  gtk_window_close (GTK_WINDOW (window));
  dialog = ADW_MESSAGE_DIALOG (troupe_app_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "discard");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (window)));

  g_assert_finalize_object (window);
}

static void
test_render (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeCanvas *canvas = troupe_window_get_canvas (window);
  TroupeCanvasView *view = troupe_canvas_get_view (canvas);
  TroupeWorkflow *workflow = troupe_document_get_workflow (troupe_window_get_document (window));
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autoptr(GdkTexture) light = NULL;
  g_autoptr(GdkTexture) dark = NULL;
  double card_x, card_y, stripe_x, stripe_y;
  guint32 light_bg, light_card, light_stripe, dark_bg, dark_card;

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  troupe_app_test_wait_for_frames (GTK_WIDGET (canvas), 300);

  /* Fitted on open: the whole graph is inside the widget. */
  {
    graphene_rect_t bounds;
    double x0, y0, x1, y1;

    g_assert_true (troupe_canvas_workflow_bounds (workflow, &bounds));
    troupe_canvas_view_graph_to_widget (view, bounds.origin.x, bounds.origin.y, &x0, &y0);
    troupe_canvas_view_graph_to_widget (view, bounds.origin.x + bounds.size.width,
                                        bounds.origin.y + bounds.size.height, &x1, &y1);
    g_assert_cmpfloat (x0, >=, 0);
    g_assert_cmpfloat (y0, >=, 0);
    g_assert_cmpfloat (x1, <=, gtk_widget_get_width (GTK_WIDGET (canvas)));
    g_assert_cmpfloat (y1, <=, gtk_widget_get_height (GTK_WIDGET (canvas)));
  }

  /* Inside the "design" card, clear of its text and ports; and its agent
   * stripe (the architect is #3584e4). */
  troupe_canvas_view_graph_to_widget (view, 158 + TROUPE_CARD_WIDTH - 20, 40 + TROUPE_CARD_HEIGHT - 8,
                                      &card_x, &card_y);
  troupe_canvas_view_graph_to_widget (view, 158 + 4, 40 + TROUPE_CARD_HEIGHT / 2, &stripe_x, &stripe_y);
  g_assert_cmpint (troupe_canvas_view_hit_test (view, workflow, 4, 4, NULL), ==, TROUPE_CANVAS_HIT_NONE);

  light = troupe_app_test_render (GTK_WIDGET (canvas));
  troupe_app_test_save_png (light, "troupe-canvas-light.png");
  light_bg = troupe_app_test_pixel_at (light, 4, 4);
  light_card = troupe_app_test_pixel_at (light, (int) card_x, (int) card_y);
  light_stripe = troupe_app_test_pixel_at (light, (int) stripe_x, (int) stripe_y);
  g_assert_cmphex (light_card, !=, light_bg);
  g_assert_cmphex (light_stripe, ==, 0xff3584e4);

  /* A step with a problem wears a red badge in its top-right corner. */
  {
    g_autoptr(GdkTexture) badged = NULL;
    double bx, by;
    guint32 badge;

    g_assert_true (troupe_canvas_add_step (canvas, TRUE, 600, 76));
    troupe_document_validate (troupe_window_get_document (window));
    troupe_app_test_wait_for_frames (GTK_WIDGET (canvas), 300);
    troupe_canvas_view_graph_to_widget (view, 500 + TROUPE_CARD_WIDTH - 12, 40 + 12, &bx, &by);
    badged = troupe_app_test_render (GTK_WIDGET (canvas));
    troupe_app_test_save_png (badged, "troupe-canvas-badge.png");
    badge = troupe_app_test_pixel_at (badged, (int) bx, (int) by);
    g_assert_cmpuint ((badge >> 16) & 0xff, >, 150);
    g_assert_cmpuint ((badge >> 8) & 0xff, <, 100);
    g_assert_cmpuint (badge & 0xff, <, 100);
    g_assert_true (troupe_document_undo (troupe_window_get_document (window), NULL));
  }

  /* Dark mode: the canvas looks its colours up again. */
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  troupe_app_test_wait_for_frames (GTK_WIDGET (canvas), 300);
  dark = troupe_app_test_render (GTK_WIDGET (canvas));
  troupe_app_test_save_png (dark, "troupe-canvas-dark.png");
  dark_bg = troupe_app_test_pixel_at (dark, 4, 4);
  dark_card = troupe_app_test_pixel_at (dark, (int) card_x, (int) card_y);
  g_assert_cmphex (dark_card, !=, dark_bg);
  g_assert_cmphex (dark_bg, !=, light_bg);
  g_assert_cmphex (dark_card, !=, light_card);
  /* The agent's own colour does not follow the theme. */
  g_assert_cmphex (troupe_app_test_pixel_at (dark, (int) stripe_x, (int) stripe_y), ==, 0xff3584e4);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  troupe_app_test_close_window (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  troupe_app_test_init (&argc, &argv);

  g_test_add_func ("/troupe/app/window/edit-undo-save", test_edit_undo_save);
  g_test_add_func ("/troupe/app/window/delete-action", test_delete_action);
  g_test_add_func ("/troupe/app/window/canvas-edits", test_canvas_edits);
  g_test_add_func ("/troupe/app/window/copy-paste", test_copy_paste);
  g_test_add_func ("/troupe/app/window/multi-edit", test_multi_edit);
  g_test_add_func ("/troupe/app/window/layout-command", test_layout_command);
  g_test_add_func ("/troupe/app/window/problems-list", test_problems_list);
  g_test_add_func ("/troupe/app/window/drag-is-one-command", test_drag_is_one_command);
  g_test_add_func ("/troupe/app/window/zoom-actions", test_zoom_actions);
  g_test_add_func ("/troupe/app/window/saved-state-and-disk", test_saved_state_and_disk);
  g_test_add_func ("/troupe/app/window/open-error", test_open_error);
  g_test_add_func ("/troupe/app/window/rename-dialog", test_rename_dialog);
  g_test_add_func ("/troupe/app/window/close-guard", test_close_guard);
  g_test_add_func ("/troupe/app/window/render", test_render);

  return g_test_run ();
}
