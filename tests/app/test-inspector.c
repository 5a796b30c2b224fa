/* test-inspector.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "troupe-app-test-util.h"

/* The inspector and the workflow panel, driven through their widgets in a
 * real window: each edit must reach the model as one command, undo and
 * redo, show in the saved file, and invalid values must be marked in place
 * with the engine's own message. */

/* How many distinct colours the texture has: a blank panel has one or
 * two, rows of text many. */
static guint
count_colours (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guint32 *data = g_new (guint32, (gsize) width * height);
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

  gdk_texture_download (texture, (guchar *) data, (gsize) width * 4);
  for (gsize i = 0; i < (gsize) width * height; i++)
    g_hash_table_add (seen, GUINT_TO_POINTER (data[i]));
  return g_hash_table_size (seen);
}

static gpointer
child (TroupeInspector *inspector,
       const char      *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (inspector), TROUPE_TYPE_INSPECTOR, name);

  g_assert_nonnull (object);
  return object;
}

static gpointer
panel_child (TroupeWorkflowPanel *panel,
             const char          *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (panel), TROUPE_TYPE_WORKFLOW_PANEL, name);

  g_assert_nonnull (object);
  return object;
}

/* The first widget of type @type in row @index of @list. */
static GtkWidget *
row_child (GtkListBox *list,
           int         index,
           GType       type)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (list, index);
  GtkWidget *found;

  g_assert_nonnull (row);
  found = troupe_app_test_find_descendant (GTK_WIDGET (row), type);
  g_assert_nonnull (found);
  return found;
}

/* The first descendant of @widget of type @type with the style class
 * @css_class, depth first. */
static GtkWidget *
find_styled (GtkWidget  *widget,
             GType       type,
             const char *css_class)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && gtk_widget_has_css_class (widget, css_class))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_styled (c, type, css_class);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static char *
yaml_of (TroupeDocument *document)
{
  return troupe_workflow_to_data (troupe_document_get_workflow (document), TROUPE_FILE_FORMAT_YAML, NULL);
}

static TroupeStep *
step_of (TroupeDocument *document,
         const char     *id)
{
  TroupeStep *step = troupe_workflow_lookup_step (troupe_document_get_workflow (document), id);

  g_assert_nonnull (step);
  return step;
}

static void
undo (TroupeDocument *document)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (troupe_document_get_can_undo (document));
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_no_error (error);
}

static void
redo (TroupeDocument *document)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (troupe_document_get_can_redo (document));
  g_assert_true (troupe_document_redo (document, &error));
  g_assert_no_error (error);
}

/* Types @text at the end of @editable, one character at a time, as a
 * person would. */
static void
type_into (GtkEditable *editable,
           const char  *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      int position = (int) g_utf8_strlen (gtk_editable_get_text (editable), -1);

      gtk_editable_insert_text (editable, p, 1, &position);
    }
}

static void
type_into_view (GtkTextView *view,
                const char  *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);

  for (const char *p = text; *p != '\0'; p++)
    {
      GtkTextIter end;

      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_insert (buffer, &end, p, 1);
    }
}

static char *
view_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
set_view_text (GtkTextView *view,
               const char  *text)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text, -1);
}

/* Selects the item of @combo (an AdwComboRow over a GtkStringList) whose
 * label is @label. */
static void
select_label (AdwComboRow *combo,
              const char  *label)
{
  GListModel *model = adw_combo_row_get_model (combo);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (model), i), label))
      {
        adw_combo_row_set_selected (combo, i);
        return;
      }
  g_error ("no item “%s” in the combo", label);
}

static const char *
selected_label (AdwComboRow *combo)
{
  return gtk_string_list_get_string (GTK_STRING_LIST (adw_combo_row_get_model (combo)),
                                     adw_combo_row_get_selected (combo));
}

static void
assert_marked (GtkWidget  *widget,
               const char *message)
{
  g_assert_true (gtk_widget_has_css_class (widget, "error"));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (widget), ==, message);
}

static void
assert_not_marked (GtkWidget *widget)
{
  g_assert_false (gtk_widget_has_css_class (widget, "error"));
}

/* The message of the diagnostic of step @id with @code. */
static const char *
diagnostic_message (TroupeDocument *document,
                    const char     *id,
                    const char     *code)
{
  GPtrArray *diagnostics;

  troupe_document_validate (document);
  diagnostics = troupe_document_get_diagnostics (document);
  for (guint i = 0; i < diagnostics->len; i++)
    {
      const TroupeDiagnostic *d = g_ptr_array_index (diagnostics, i);

      if (g_strcmp0 (d->step_id, id) == 0 && g_str_equal (d->code, code))
        return d->message;
    }
  g_error ("no diagnostic %s for step %s", code, id);
}

static void
test_follows_selection (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeInspector *inspector = troupe_window_get_inspector (window);
  TroupeDocument *document = troupe_window_get_document (window);
  TroupeCanvasView *view = troupe_canvas_get_view (troupe_window_get_canvas (window));
  GtkStack *stack = child (inspector, "stack");
  GtkStack *side_stack = GTK_STACK (gtk_widget_get_template_child (GTK_WIDGET (window), TROUPE_TYPE_WINDOW, "side_stack"));
  AdwFlap *flap = ADW_FLAP (gtk_widget_get_template_child (GTK_WIDGET (window), TROUPE_TYPE_WINDOW, "flap"));
  g_autofree char *prompt = NULL;
  gboolean shown;

  /* Nothing selected: the workflow's settings. */
  g_assert_null (troupe_inspector_get_step (inspector));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "workflow");
  g_assert_cmpstr (gtk_editable_get_text (panel_child (troupe_inspector_get_workflow_panel (inspector), "name_row")),
                   ==, "Architect, engineer, QA");

  /* One step: its fields, as the model holds them. */
  troupe_canvas_view_set_selection (view, "review");
  g_assert_true (troupe_inspector_get_step (inspector) == step_of (document, "review"));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "step");
  g_assert_cmpstr (gtk_editable_get_text (child (inspector, "id_row")), ==, "review");
  g_assert_cmpuint (adw_combo_row_get_selected (child (inspector, "kind_row")), ==, TROUPE_STEP_KIND_AGENT);
  g_assert_cmpstr (selected_label (child (inspector, "agent_row")), ==, "qa");
  g_assert_cmpstr (gtk_editable_get_text (child (inspector, "description_row")), ==,
                   "QA reviews the implementation against the design.");
  prompt = view_text (child (inspector, "prompt_view"));
  g_assert_cmpstr (prompt, ==, troupe_step_get_prompt (step_of (document, "review")));
  g_assert_true (gtk_widget_get_visible (child (inspector, "prompt_group")));
  g_assert_false (gtk_widget_get_visible (child (inspector, "wait_group")));

  /* The fields follow the kind. */
  troupe_canvas_view_set_selection (view, "wait-for-feedback");
  g_assert_true (gtk_widget_get_visible (child (inspector, "wait_group")));
  g_assert_false (gtk_widget_get_visible (child (inspector, "prompt_group")));
  g_assert_cmpstr (gtk_editable_get_text (child (inspector, "wait_glob_row")), ==, "inbox/engineer/feedback-*.task");
  g_assert_cmpstr (gtk_editable_get_text (child (inspector, "wait_timeout_row")), ==, "15m");
  g_assert_cmpstr (gtk_editable_get_text (child (inspector, "wait_poll_row")), ==, "1s");
  troupe_canvas_view_set_selection (view, "assign-implementation");
  g_assert_true (gtk_widget_get_visible (child (inspector, "send_group")));
  g_assert_cmpstr (gtk_editable_get_text (child (inspector, "send_to_row")), ==, "engineer");
  g_assert_cmpstr (gtk_editable_get_text (child (inspector, "send_file_row")), ==, "implement-design");

  /* Several: how many. */
  troupe_canvas_view_add_to_selection (view, "implement");
  g_assert_null (troupe_inspector_get_step (inspector));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "several");
  g_assert_cmpstr (adw_status_page_get_title (child (inspector, "several_page")), ==, "2 Steps Selected");
  troupe_canvas_view_set_selection (view, NULL);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "workflow");

  /* F9's action opens the side panel on the inspector, and closes it. */
  g_assert_false (adw_flap_get_reveal_flap (flap));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-inspector", NULL));
  g_assert_true (adw_flap_get_reveal_flap (flap));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (side_stack), ==, "inspector");
  g_object_get (window, "show-inspector", &shown, NULL);
  g_assert_true (shown);

  /* The problems toggle turns the same panel to its other page. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-problems", NULL));
  g_assert_true (adw_flap_get_reveal_flap (flap));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (side_stack), ==, "problems");
  g_object_get (window, "show-inspector", &shown, NULL);
  g_assert_false (shown);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-problems", NULL));
  g_assert_false (adw_flap_get_reveal_flap (flap));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-inspector", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-inspector", NULL));
  g_assert_false (adw_flap_get_reveal_flap (flap));

  troupe_app_test_close_window (GTK_WINDOW (window));
}

static void
test_edit_fields (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeInspector *inspector = troupe_window_get_inspector (window);
  TroupeDocument *document = troupe_window_get_document (window);
  TroupeCanvasView *view = troupe_canvas_get_view (troupe_window_get_canvas (window));
  TroupeStep *review = step_of (document, "review");
  g_autofree char *original = yaml_of (document);
  g_autofree char *original_prompt = g_strdup (troupe_step_get_prompt (review));
  g_autofree char *expected_prompt = g_strconcat (original_prompt, "Be brief.", NULL);
  g_autofree char *why = NULL;
  g_autofree char *edited = NULL;
  g_autofree char *tmpdir = NULL;
  g_autofree char *saved_path = NULL;
  g_autofree char *saved = NULL;
  g_autoptr(GFile) saved_file = NULL;
  g_autoptr(GError) error = NULL;
  gint64 ms;
  guint commands = 0;

  troupe_canvas_view_set_selection (view, "review");

  /* An entry: the description. */
  gtk_editable_set_text (child (inspector, "description_row"), "QA reads the code.");
  g_assert_cmpstr (troupe_step_get_description (review), ==, "QA reads the code.");
  commands++;
  undo (document);
  g_assert_cmpstr (troupe_step_get_description (review), ==, "QA reviews the implementation against the design.");
  g_assert_cmpstr (gtk_editable_get_text (child (inspector, "description_row")), ==,
                   "QA reviews the implementation against the design.");
  redo (document);
  g_assert_cmpstr (troupe_step_get_description (review), ==, "QA reads the code.");

  /* Typing nine characters in the prompt is one command, not nine. */
  troupe_document_end_merge (document);
  type_into_view (child (inspector, "prompt_view"), "Be brief.");
  commands++;
  g_assert_cmpstr (troupe_step_get_prompt (review), ==, expected_prompt);
  undo (document);
  g_assert_cmpstr (troupe_step_get_prompt (review), ==, original_prompt);
  {
    g_autofree char *shown = view_text (child (inspector, "prompt_view"));

    g_assert_cmpstr (shown, ==, original_prompt);
  }
  undo (document);
  g_assert_cmpstr (troupe_step_get_description (review), ==, "QA reviews the implementation against the design.");
  redo (document);
  redo (document);
  g_assert_cmpstr (troupe_step_get_prompt (review), ==, expected_prompt);
  g_assert_false (troupe_document_get_can_redo (document));

  /* Combos: agent, provider, failure policy. */
  select_label (child (inspector, "agent_row"), "engineer");
  g_assert_cmpstr (troupe_step_get_agent (review), ==, "engineer");
  commands++;
  undo (document);
  g_assert_cmpstr (troupe_step_get_agent (review), ==, "qa");
  g_assert_cmpstr (selected_label (child (inspector, "agent_row")), ==, "qa");
  redo (document);
  g_assert_cmpstr (selected_label (child (inspector, "agent_row")), ==, "engineer");

  select_label (child (inspector, "provider_row"), "claude");
  g_assert_cmpstr (troupe_step_get_provider (review), ==, "claude");
  commands++;
  adw_combo_row_set_selected (child (inspector, "on_failure_row"), TROUPE_FAILURE_POLICY_CONTINUE);
  g_assert_cmpint (troupe_step_get_on_failure (review), ==, TROUPE_FAILURE_POLICY_CONTINUE);
  commands++;
  undo (document);
  g_assert_cmpint (troupe_step_get_on_failure (review), ==, TROUPE_FAILURE_POLICY_INHERIT);
  redo (document);

  /* A duration, as text the engine reads. */
  troupe_document_end_merge (document);
  gtk_editable_set_text (child (inspector, "timeout_row"), "90s");
  g_assert_cmpint (troupe_step_get_timeout (review), ==, 90000);
  commands++;
  assert_not_marked (child (inspector, "timeout_row"));

  /* A duration the engine cannot read is marked in place with its words,
   * and the model keeps what it had. */
  g_assert_false (troupe_duration_parse ("5 parsecs", &ms, &why));
  troupe_document_end_merge (document);
  gtk_editable_set_text (child (inspector, "timeout_row"), "5 parsecs");
  g_assert_cmpint (troupe_step_get_timeout (review), ==, 90000);
  assert_marked (child (inspector, "timeout_row"), why);
  g_assert_true (gtk_widget_get_visible (child (inspector, "failure_message")));
  g_assert_nonnull (strstr (gtk_label_get_text (child (inspector, "failure_message")), why));
  gtk_editable_set_text (child (inspector, "timeout_row"), "2m");
  g_assert_cmpint (troupe_step_get_timeout (review), ==, 120000);
  assert_not_marked (child (inspector, "timeout_row"));
  g_assert_false (gtk_widget_get_visible (child (inspector, "failure_message")));
  commands++;
  undo (document);
  g_assert_cmpint (troupe_step_get_timeout (review), ==, 90000);
  g_assert_cmpstr (gtk_editable_get_text (child (inspector, "timeout_row")), ==, "90s");
  redo (document);

  /* Its own retry policy: on, then three retries, doubling. */
  adw_expander_row_set_enable_expansion (child (inspector, "retries_row"), TRUE);
  g_assert_nonnull (troupe_step_get_retries (review));
  g_assert_cmpuint (troupe_step_get_retries (review)->max_retries, ==, 1);
  commands++;
  troupe_document_end_merge (document);
  gtk_spin_button_set_value (child (inspector, "retries_max_spin"), 3);
  g_assert_cmpuint (troupe_step_get_retries (review)->max_retries, ==, 3);
  commands++;
  adw_combo_row_set_selected (child (inspector, "retries_backoff_row"), 1);
  g_assert_cmpint (troupe_step_get_retries (review)->backoff, ==, TROUPE_BACKOFF_EXPONENTIAL);
  commands++;

  /* A condition. */
  adw_combo_row_set_selected (child (inspector, "when_op_row"), TROUPE_CONDITION_OP_CONTAINS);
  commands++;
  troupe_document_end_merge (document);
  type_into (child (inspector, "when_left_row"), "${steps.implement.output}");
  commands++;
  troupe_document_end_merge (document);
  type_into (child (inspector, "when_right_row"), "def ");
  commands++;
  g_assert_cmpint (troupe_step_get_when_op (review), ==, TROUPE_CONDITION_OP_CONTAINS);
  g_assert_cmpstr (troupe_step_get_when_left (review), ==, "${steps.implement.output}");
  g_assert_cmpstr (troupe_step_get_when_right (review), ==, "def ");

  /* The saved file has every change. */
  tmpdir = troupe_app_test_make_tmp_dir ("troupe-inspector-XXXXXX");
  saved_path = g_build_filename (tmpdir, "edited.yaml", NULL);
  saved_file = g_file_new_for_path (saved_path);
  g_assert_true (troupe_document_save (document, saved_file, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (saved_path, &saved, NULL, NULL));
  g_assert_nonnull (strstr (saved, "    description: QA reads the code.\n"));
  g_assert_nonnull (strstr (saved, "    agent: engineer\n    provider: claude\n"));
  g_assert_nonnull (strstr (saved, "      Be brief.\n"));
  g_assert_nonnull (strstr (saved, "    retries:\n      max: 3\n      backoff: exponential\n"));
  g_assert_nonnull (strstr (saved, "    timeout: 2m\n    on_failure: continue\n"));
  g_assert_nonnull (strstr (saved, "    when:\n      contains: [\"${steps.implement.output}\", \"def \"]\n"));

  /* Undoing each command, one by one, gives back the file as it was. */
  edited = yaml_of (document);
  for (guint i = 0; i < commands; i++)
    undo (document);
  g_assert_false (troupe_document_get_can_undo (document));
  {
    g_autofree char *back = yaml_of (document);

    g_assert_cmpstr (back, ==, original);
  }
  for (guint i = 0; i < commands; i++)
    redo (document);
  {
    g_autofree char *again = yaml_of (document);

    g_assert_cmpstr (again, ==, edited);
  }
  g_assert_false (troupe_document_get_dirty (document));

  g_assert_cmpint (g_unlink (saved_path), ==, 0);
  g_assert_cmpint (g_rmdir (tmpdir), ==, 0);
  troupe_app_test_close_window (GTK_WINDOW (window));
}

static void
test_kinds (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeInspector *inspector = troupe_window_get_inspector (window);
  TroupeDocument *document = troupe_window_get_document (window);
  TroupeCanvasView *view = troupe_canvas_get_view (troupe_window_get_canvas (window));
  TroupeStep *step = step_of (document, "implement");
  g_autofree char *original = yaml_of (document);
  const char * const *argv;

  /* Agent -> command: the agent step's fields go with the kind, in the
   * same command. */
  troupe_canvas_view_set_selection (view, "implement");
  adw_combo_row_set_selected (child (inspector, "kind_row"), TROUPE_STEP_KIND_COMMAND);
  g_assert_cmpint (troupe_step_get_kind (step), ==, TROUPE_STEP_KIND_COMMAND);
  g_assert_null (troupe_step_get_prompt (step));
  g_assert_true (gtk_widget_get_visible (child (inspector, "command_group")));
  g_assert_false (gtk_widget_get_visible (child (inspector, "prompt_group")));

  /* With no command yet, the engine says so, at the command. */
  assert_marked (child (inspector, "command_frame"), diagnostic_message (document, "implement", "empty-command"));

  /* One argument per line, never a shell line; the newline just typed
   * stays in the view. */
  set_view_text (child (inspector, "command_view"), "python3\n-m\npytest -q\n");
  argv = troupe_step_get_command (step);
  g_assert_cmpuint (g_strv_length ((char **) argv), ==, 3);
  g_assert_cmpstr (argv[2], ==, "pytest -q");
  {
    g_autofree char *shown = view_text (child (inspector, "command_view"));

    g_assert_cmpstr (shown, ==, "python3\n-m\npytest -q\n");
  }
  troupe_document_validate (document);
  assert_not_marked (child (inspector, "command_frame"));
  {
    g_autofree char *yaml = yaml_of (document);

    g_assert_nonnull (strstr (yaml, "    command: [python3, -m, pytest -q]\n"));
  }

  /* -> wait: the engine wants a glob and a timeout. */
  adw_combo_row_set_selected (child (inspector, "kind_row"), TROUPE_STEP_KIND_WAIT);
  g_assert_null (troupe_step_get_command (step));
  assert_marked (child (inspector, "wait_glob_row"), diagnostic_message (document, "implement", "wait-incomplete"));
  assert_marked (child (inspector, "wait_timeout_row"),
                 diagnostic_message (document, "implement", "wait-timeout-missing"));
  gtk_editable_set_text (child (inspector, "wait_glob_row"), "inbox/engineer/*.task");
  gtk_editable_set_text (child (inspector, "wait_timeout_row"), "5m");
  gtk_editable_set_text (child (inspector, "wait_poll_row"), "2s");
  gtk_spin_button_set_value (child (inspector, "wait_min_count_spin"), 2);
  g_assert_cmpstr (troupe_step_get_wait_glob (step), ==, "inbox/engineer/*.task");
  g_assert_cmpint (troupe_step_get_wait_timeout (step), ==, 5 * 60 * 1000);
  g_assert_cmpint (troupe_step_get_wait_poll (step), ==, 2000);
  g_assert_cmpuint (troupe_step_get_wait_min_count (step), ==, 2);
  troupe_document_validate (document);
  assert_not_marked (child (inspector, "wait_glob_row"));
  assert_not_marked (child (inspector, "wait_timeout_row"));

  /* -> send. */
  adw_combo_row_set_selected (child (inspector, "kind_row"), TROUPE_STEP_KIND_SEND);
  g_assert_null (troupe_step_get_wait_glob (step));
  gtk_editable_set_text (child (inspector, "send_to_row"), "qa");
  gtk_editable_set_text (child (inspector, "send_file_row"), "please-review");
  set_view_text (child (inspector, "send_content_view"), "Look at src/todo.py");
  g_assert_cmpstr (troupe_step_get_send_to (step), ==, "qa");
  g_assert_cmpstr (troupe_step_get_send_file (step), ==, "please-review");
  g_assert_cmpstr (troupe_step_get_send_content (step), ==, "Look at src/todo.py");

  /* An unknown recipient is the engine's unknown-agent, at send.to. */
  gtk_editable_set_text (child (inspector, "send_to_row"), "nobody");
  assert_marked (child (inspector, "send_to_row"), diagnostic_message (document, "implement", "unknown-agent"));

  /* -> approval. */
  adw_combo_row_set_selected (child (inspector, "kind_row"), TROUPE_STEP_KIND_APPROVAL);
  gtk_editable_set_text (child (inspector, "approval_row"), "Ship it?");
  g_assert_cmpstr (troupe_step_get_approval (step), ==, "Ship it?");
  g_assert_null (troupe_step_get_send_to (step));
  g_assert_true (gtk_widget_get_visible (child (inspector, "approval_group")));

  /* Every change undoes, back to the file as loaded. */
  while (troupe_document_get_can_undo (document))
    undo (document);
  {
    g_autofree char *back = yaml_of (document);

    g_assert_cmpstr (back, ==, original);
  }
  g_assert_cmpint (adw_combo_row_get_selected (child (inspector, "kind_row")), ==, TROUPE_STEP_KIND_AGENT);
  g_assert_true (gtk_widget_get_visible (child (inspector, "prompt_group")));

  troupe_app_test_close_window (GTK_WINDOW (window));
}

static void
test_rename (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeInspector *inspector = troupe_window_get_inspector (window);
  TroupeDocument *document = troupe_window_get_document (window);
  TroupeCanvasView *view = troupe_canvas_get_view (troupe_window_get_canvas (window));
  AdwEntryRow *id_row;
  TroupeStep *review = step_of (document, "review");
  g_autofree char *original = yaml_of (document);
  g_autoptr(GError) error = NULL;

  troupe_canvas_view_set_selection (view, "review");
  id_row = child (inspector, "id_row");

  /* An invalid id is marked as it is typed, in the engine's words, and
   * Enter renames nothing. */
  gtk_editable_set_text (GTK_EDITABLE (id_row), "qa review");
  g_assert_false (troupe_workflow_rename_step (troupe_document_get_workflow (document), "review", "qa review", &error));
  assert_marked (GTK_WIDGET (id_row), error->message);
  g_clear_error (&error);
  g_signal_emit_by_name (id_row, "apply");
  g_assert_cmpstr (troupe_step_get_id (review), ==, "review");
  g_assert_false (troupe_document_get_can_undo (document));

  /* So is a taken one. */
  gtk_editable_set_text (GTK_EDITABLE (id_row), "design");
  g_assert_false (troupe_workflow_rename_step (troupe_document_get_workflow (document), "review", "design", &error));
  assert_marked (GTK_WIDGET (id_row), error->message);
  g_clear_error (&error);

  /* A good one renames on Enter, and the edges and templates follow. */
  gtk_editable_set_text (GTK_EDITABLE (id_row), "qa-review");
  assert_not_marked (GTK_WIDGET (id_row));
  g_assert_cmpstr (troupe_step_get_id (review), ==, "review");
  g_signal_emit_by_name (id_row, "apply");
  g_assert_cmpstr (troupe_step_get_id (review), ==, "qa-review");
  g_assert_true (troupe_step_has_need (step_of (document, "send-feedback"), "qa-review"));
  g_assert_cmpstr (troupe_step_get_send_content (step_of (document, "send-feedback")), ==,
                   "${steps.qa-review.output}");
  g_assert_true (troupe_step_has_need (review, "request-review"));
  /* The selection and the inspector follow the new name. */
  g_assert_cmpstr (troupe_canvas_view_get_selection (view), ==, "qa-review");
  g_assert_true (troupe_inspector_get_step (inspector) == review);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (id_row)), ==, "qa-review");

  /* One undo takes it all back. */
  undo (document);
  g_assert_cmpstr (troupe_step_get_id (review), ==, "review");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (id_row)), ==, "review");
  {
    g_autofree char *back = yaml_of (document);

    g_assert_cmpstr (back, ==, original);
  }
  redo (document);
  g_assert_true (troupe_step_has_need (step_of (document, "send-feedback"), "qa-review"));

  troupe_app_test_close_window (GTK_WINDOW (window));
}

static guint
candidate_index (TroupeInspector *inspector,
                 const char      *id)
{
  GtkStringList *candidates = child (inspector, "need_candidates");

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (candidates)); i++)
    if (g_str_equal (gtk_string_list_get_string (candidates, i), id))
      return i;
  g_error ("%s is not offered as a need", id);
}

static void
test_needs (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeInspector *inspector = troupe_window_get_inspector (window);
  TroupeDocument *document = troupe_window_get_document (window);
  TroupeCanvasView *view = troupe_canvas_get_view (troupe_window_get_canvas (window));
  TroupeStep *design = step_of (document, "design");
  TroupeStep *address = step_of (document, "address-feedback");
  g_autofree char *original = yaml_of (document);
  GtkListBox *needs_list;
  GtkWidget *remove;
  g_autoptr(GError) error = NULL;

  /* design needs review would close a cycle: refused, with the engine's
   * message, and nothing changes. */
  troupe_canvas_view_set_selection (view, "design");
  gtk_drop_down_set_selected (child (inspector, "add_need_dropdown"), candidate_index (inspector, "review"));
  g_signal_emit_by_name (child (inspector, "add_need_button"), "clicked");
  g_assert_null (troupe_step_get_needs (design));
  g_assert_false (troupe_document_get_can_undo (document));
  g_assert_false (troupe_workflow_connect (troupe_document_get_workflow (document), "review", "design", &error));
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_CYCLE);
  assert_marked (child (inspector, "needs_list"), error->message);
  g_assert_cmpstr (gtk_label_get_text (child (inspector, "needs_message")), ==, error->message);
  {
    g_autofree char *same = yaml_of (document);

    g_assert_cmpstr (same, ==, original);
  }

  /* address-feedback may need review: added, then removed. */
  troupe_canvas_view_set_selection (view, "address-feedback");
  assert_not_marked (child (inspector, "needs_list"));
  gtk_drop_down_set_selected (child (inspector, "add_need_dropdown"), candidate_index (inspector, "review"));
  g_signal_emit_by_name (child (inspector, "add_need_button"), "clicked");
  g_assert_true (troupe_step_has_need (address, "review"));
  g_assert_true (troupe_step_has_need (address, "wait-for-feedback"));
  needs_list = child (inspector, "needs_list");
  g_assert_nonnull (gtk_list_box_get_row_at_index (needs_list, 1));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (gtk_list_box_get_row_at_index (needs_list, 1))),
                   ==, "review");

  remove = row_child (needs_list, 0, GTK_TYPE_BUTTON);
  g_signal_emit_by_name (remove, "clicked");
  g_assert_false (troupe_step_has_need (address, "wait-for-feedback"));
  g_assert_true (troupe_step_has_need (address, "review"));

  undo (document);
  g_assert_true (troupe_step_has_need (address, "wait-for-feedback"));
  undo (document);
  g_assert_false (troupe_step_has_need (address, "review"));
  g_assert_null (gtk_list_box_get_row_at_index (needs_list, 1));
  redo (document);
  g_assert_true (troupe_step_has_need (address, "review"));

  troupe_app_test_close_window (GTK_WINDOW (window));
}

static void
test_diagnostics_in_place (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeInspector *inspector = troupe_window_get_inspector (window);
  TroupeDocument *document = troupe_window_get_document (window);
  TroupeCanvasView *view = troupe_canvas_get_view (troupe_window_get_canvas (window));
  g_autoptr(TroupeStep) edited = troupe_step_copy (step_of (document, "review"));
  g_autoptr(GError) error = NULL;
  const char *message;

  troupe_canvas_view_set_selection (view, "review");

  /* An agent no one defined (as a file may have): the agent combo shows
   * it, marked with the validator's message, and the group says why. */
  troupe_step_set_agent (edited, "critic");
  g_assert_true (troupe_document_edit_step (document, "review", edited, NULL, &error));
  g_assert_no_error (error);
  message = diagnostic_message (document, "review", "unknown-agent");
  g_assert_cmpstr (selected_label (child (inspector, "agent_row")), ==, "critic");
  assert_marked (child (inspector, "agent_row"), message);
  g_assert_cmpstr (gtk_label_get_text (child (inspector, "step_message")), ==, message);

  /* Choosing a real agent clears it. */
  select_label (child (inspector, "agent_row"), "qa");
  troupe_document_validate (document);
  assert_not_marked (child (inspector, "agent_row"));
  g_assert_false (gtk_widget_get_visible (child (inspector, "step_message")));

  /* A template that uses a step it does not depend on: at the prompt. */
  set_view_text (child (inspector, "prompt_view"), "Summarise ${steps.address-feedback.output}");
  assert_marked (child (inspector, "prompt_frame"), diagnostic_message (document, "review", "not-upstream"));

  /* Both prompt and prompt_file: the prompt file, which the chooser sets
   * relative to the workspace. */
  {
    g_autofree char *example = troupe_app_test_example_path ();
    g_autofree char *folder = g_path_get_dirname (example);
    g_autofree char *path = g_build_filename (folder, "prompts", "review.md", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (path);

    troupe_inspector_choose_prompt_file (inspector, file);
    g_assert_cmpstr (troupe_step_get_prompt_file (step_of (document, "review")), ==, "prompts/review.md");
    g_assert_cmpstr (gtk_editable_get_text (child (inspector, "prompt_file_row")), ==, "prompts/review.md");
    assert_marked (child (inspector, "prompt_file_row"), diagnostic_message (document, "review", "prompt-conflict"));
  }

  /* Another step has none of these marks. */
  troupe_canvas_view_set_selection (view, "design");
  assert_not_marked (child (inspector, "agent_row"));
  assert_not_marked (child (inspector, "prompt_frame"));
  assert_not_marked (child (inspector, "prompt_file_row"));

  /* The key a diagnostic names picks the field, whatever its words: the
   * right side of a condition (not the left), ... */
  {
    g_autoptr(TroupeStep) design = troupe_step_copy (step_of (document, "design"));

    troupe_step_set_when (design, TROUPE_CONDITION_OP_EQUALS, "approve", "${context.nope}");
    g_assert_true (troupe_document_edit_step (document, "design", design, NULL, &error));
    g_assert_no_error (error);
    assert_marked (child (inspector, "when_right_row"), diagnostic_message (document, "design", "unknown-variable"));
    assert_not_marked (child (inspector, "when_left_row"));
  }

  /* ... and, of two out-of-range-like problems of a wait, the poll and
   * the glob, leaving its timeout alone. */
  {
    g_autoptr(TroupeStep) wait = troupe_step_copy (step_of (document, "wait-for-feedback"));

    troupe_step_set_wait_poll (wait, 20 * 60 * 1000);
    troupe_step_set_wait_glob (wait, "inbox/**/feedback.task");
    g_assert_true (troupe_document_edit_step (document, "wait-for-feedback", wait, NULL, &error));
    g_assert_no_error (error);
    troupe_canvas_view_set_selection (view, "wait-for-feedback");
    assert_marked (child (inspector, "wait_poll_row"),
                   diagnostic_message (document, "wait-for-feedback", "out-of-range"));
    assert_marked (child (inspector, "wait_glob_row"), diagnostic_message (document, "wait-for-feedback", "bad-glob"));
    assert_not_marked (child (inspector, "wait_timeout_row"));
  }

  troupe_app_test_close_window (GTK_WINDOW (window));
}

static void
test_workflow_panel (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeInspector *inspector = troupe_window_get_inspector (window);
  TroupeDocument *document = troupe_window_get_document (window);
  TroupeWorkflow *workflow = troupe_document_get_workflow (document);
  TroupeWorkflowPanel *panel = troupe_inspector_get_workflow_panel (inspector);
  g_autofree char *original = yaml_of (document);
  g_autofree char *why = NULL;
  GtkListBox *agents_list = panel_child (panel, "agents_list");
  AdwEntryRow *new_agent = panel_child (panel, "new_agent_row");
  GtkColorButton *color;
  TroupeAgent *agent;
  GdkRGBA red = { 1, 0, 0, 1 };
  GdkRGBA blue = { 0, 0, 1, 1 };
  gint64 ms;

  /* Renaming the workflow, typed, is one command. */
  troupe_document_end_merge (document);
  type_into (panel_child (panel, "name_row"), " (v2)");
  g_assert_cmpstr (troupe_workflow_get_name (workflow), ==, "Architect, engineer, QA (v2)");
  undo (document);
  g_assert_cmpstr (troupe_workflow_get_name (workflow), ==, "Architect, engineer, QA");
  g_assert_cmpstr (gtk_editable_get_text (panel_child (panel, "name_row")), ==, "Architect, engineer, QA");
  redo (document);
  g_assert_cmpstr (troupe_workflow_get_name (workflow), ==, "Architect, engineer, QA (v2)");

  /* The default timeout; a bad one is marked and changes nothing. */
  g_assert_cmpstr (gtk_editable_get_text (panel_child (panel, "default_timeout_row")), ==, "10m");
  troupe_document_end_merge (document);
  gtk_editable_set_text (panel_child (panel, "default_timeout_row"), "20m");
  g_assert_cmpint (troupe_workflow_get_default_timeout (workflow), ==, 20 * 60 * 1000);
  g_assert_false (troupe_duration_parse ("soon", &ms, &why));
  troupe_document_end_merge (document);
  gtk_editable_set_text (panel_child (panel, "default_timeout_row"), "soon");
  g_assert_cmpint (troupe_workflow_get_default_timeout (workflow), ==, 20 * 60 * 1000);
  assert_marked (panel_child (panel, "default_timeout_row"), why);
  undo (document);
  g_assert_cmpint (troupe_workflow_get_default_timeout (workflow), ==, 10 * 60 * 1000);
  g_assert_cmpstr (gtk_editable_get_text (panel_child (panel, "default_timeout_row")), ==, "10m");
  assert_not_marked (panel_child (panel, "default_timeout_row"));
  redo (document);
  g_assert_cmpstr (gtk_editable_get_text (panel_child (panel, "default_timeout_row")), ==, "20m");

  /* Defaults through combos and spin buttons. */
  select_label (panel_child (panel, "default_provider_row"), "claude");
  g_assert_cmpstr (troupe_workflow_get_default_provider (workflow), ==, "claude");
  gtk_spin_button_set_value (panel_child (panel, "max_parallel_spin"), 4);
  g_assert_cmpuint (troupe_workflow_get_max_parallel (workflow), ==, 4);
  gtk_spin_button_set_value (panel_child (panel, "default_retries_spin"), 2);
  g_assert_cmpuint (troupe_workflow_get_default_retries (workflow)->max_retries, ==, 2);
  adw_combo_row_set_selected (panel_child (panel, "default_on_failure_row"), TROUPE_FAILURE_POLICY_SKIP_DEPENDENTS);
  g_assert_cmpint (troupe_workflow_get_default_on_failure (workflow), ==, TROUPE_FAILURE_POLICY_SKIP_DEPENDENTS);

  /* An agent with a colour of its own. */
  g_assert_nonnull (gtk_list_box_get_row_at_index (agents_list, 2));
  g_assert_null (gtk_list_box_get_row_at_index (agents_list, 3));
  gtk_editable_set_text (GTK_EDITABLE (new_agent), "reviewer");
  gtk_color_chooser_set_rgba (GTK_COLOR_CHOOSER (panel_child (panel, "new_agent_color")), &red);
  g_signal_emit_by_name (new_agent, "apply");
  agent = troupe_workflow_lookup_agent (workflow, "reviewer");
  g_assert_nonnull (agent);
  g_assert_cmpstr (troupe_agent_get_color (agent), ==, "#ff0000");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (new_agent)), ==, "");
  g_assert_nonnull (gtk_list_box_get_row_at_index (agents_list, 3));
  undo (document);
  g_assert_null (troupe_workflow_lookup_agent (workflow, "reviewer"));
  g_assert_null (gtk_list_box_get_row_at_index (agents_list, 3));
  redo (document);
  g_assert_cmpstr (troupe_agent_get_color (troupe_workflow_lookup_agent (workflow, "reviewer")), ==, "#ff0000");

  /* A name taken is refused, and said so. */
  gtk_editable_set_text (GTK_EDITABLE (new_agent), "qa");
  g_signal_emit_by_name (new_agent, "apply");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (new_agent), "error"));
  g_assert_true (gtk_widget_get_visible (panel_child (panel, "agents_message")));
  g_assert_cmpuint (troupe_workflow_get_agents (workflow)->len, ==, 4);

  /* An existing agent's colour, from its row. */
  color = GTK_COLOR_BUTTON (row_child (agents_list, 0, GTK_TYPE_COLOR_BUTTON));
  gtk_color_chooser_set_rgba (GTK_COLOR_CHOOSER (color), &blue);
  g_signal_emit_by_name (color, "color-set");
  g_assert_cmpstr (troupe_agent_get_color (troupe_workflow_lookup_agent (workflow, "architect")), ==, "#0000ff");
  undo (document);
  g_assert_cmpstr (troupe_agent_get_color (troupe_workflow_lookup_agent (workflow, "architect")), ==, "#3584e4");
  {
    GdkRGBA shown;

    color = GTK_COLOR_BUTTON (row_child (agents_list, 0, GTK_TYPE_COLOR_BUTTON));
    gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (color), &shown);
    g_assert_cmpfloat_with_epsilon (shown.blue, 0xe4 / 255.0, 1e-6);
  }

  /* A provider of the workflow's own; its argv, one argument per line. */
  gtk_editable_set_text (panel_child (panel, "new_provider_row"), "my-llm");
  g_signal_emit_by_name (panel_child (panel, "new_provider_row"), "apply");
  g_assert_nonnull (troupe_workflow_lookup_provider (workflow, "my-llm"));
  {
    GtkListBox *providers_list = panel_child (panel, "providers_list");
    GtkTextView *command = GTK_TEXT_VIEW (row_child (providers_list, 0, GTK_TYPE_TEXT_VIEW));
    const char * const *argv;

    set_view_text (command, "my-llm\n--quiet\n${prompt}");
    argv = troupe_provider_get_command (troupe_workflow_lookup_provider (workflow, "my-llm"));
    g_assert_cmpuint (g_strv_length ((char **) argv), ==, 3);
    g_assert_cmpstr (argv[1], ==, "--quiet");
  }

  /* Its input mode, from its row's combo. */
  {
    GtkListBox *providers_list = panel_child (panel, "providers_list");
    GtkWidget *row = GTK_WIDGET (gtk_list_box_get_row_at_index (providers_list, 0));
    AdwComboRow *input = ADW_COMBO_ROW (troupe_app_test_find_descendant (row, ADW_TYPE_COMBO_ROW));

    adw_combo_row_set_selected (input, TROUPE_INPUT_MODE_STDIN);
    g_assert_cmpint (troupe_provider_get_input_mode (troupe_workflow_lookup_provider (workflow, "my-llm")), ==,
                     TROUPE_INPUT_MODE_STDIN);
  }

  /* The description, typed in its text view. */
  troupe_document_end_merge (document);
  type_into_view (panel_child (panel, "description_view"), " More.");
  g_assert_true (g_str_has_suffix (troupe_workflow_get_description (workflow), "addresses it.\n\nIt runs with "
                                   "the built-in mock provider, so it needs no API key. To use\nClaude, set "
                                   "defaults.provider to claude (or give each agent a provider).\n More."));
  undo (document);
  g_assert_true (g_str_has_suffix (troupe_workflow_get_description (workflow), "provider).\n"));

  /* Removing an agent, from its row; its steps' agent is then unknown,
   * which validation reports on them. */
  {
    GtkWidget *row = GTK_WIDGET (gtk_list_box_get_row_at_index (agents_list, 2));
    GtkWidget *remove = find_styled (row, GTK_TYPE_BUTTON, "destructive-action");

    g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "qa");
    g_assert_nonnull (remove);
    g_signal_emit_by_name (remove, "clicked");
    g_assert_null (troupe_workflow_lookup_agent (workflow, "qa"));
    g_assert_nonnull (diagnostic_message (document, "review", "unknown-agent"));
    undo (document);
    g_assert_nonnull (troupe_workflow_lookup_agent (workflow, "qa"));
    g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (gtk_list_box_get_row_at_index (agents_list, 2))),
                     ==, "qa");
  }

  /* Every change undoes, back to the file as loaded. */
  while (troupe_document_get_can_undo (document))
    undo (document);
  {
    g_autofree char *back = yaml_of (document);

    g_assert_cmpstr (back, ==, original);
  }

  troupe_app_test_close_window (GTK_WINDOW (window));
}

/* A workflow of 10,000 steps: selecting a step and typing in it stay
 * quick (nothing walks the graph per keystroke but the model's own
 * setters), and typing is still one command. */
static void
test_large_workflow (void)
{
  g_autoptr(TroupeDocument) document = troupe_document_new ();
  g_autoptr(TroupeCanvasView) view = troupe_canvas_view_new ();
  g_autoptr(GString) yaml = g_string_new ("troupe: 1\nname: large\ndefaults:\n  provider: mock\nsteps:\n");
  g_autoptr(GString) positions = g_string_new ("layout:\n  positions:\n");
  g_autofree char *tmpdir = troupe_app_test_make_tmp_dir ("troupe-inspector-XXXXXX");
  g_autofree char *path = g_build_filename (tmpdir, "large.yaml", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  TroupeInspector *inspector = TROUPE_INSPECTOR (g_object_ref_sink (troupe_inspector_new ()));
  const guint n = 10000;
  gint64 start;
  double select_ms, type_ms;

  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (yaml, "  s%u:\n    prompt: Step %u.\n", i, i);
      if (i > 0)
        g_string_append_printf (yaml, "    needs: [s%u]\n", i - 1);
      g_string_append_printf (positions, "    s%u: [0, %u]\n", i, i * 100);
    }
  g_string_append (yaml, positions->str);
  g_assert_true (g_file_set_contents (path, yaml->str, -1, NULL));
  g_assert_true (troupe_document_load (document, file, &error));
  g_assert_no_error (error);

  troupe_inspector_set_document (inspector, document);
  troupe_inspector_set_view (inspector, view);

  start = g_get_monotonic_time ();
  troupe_canvas_view_set_selection (view, "s5000");
  select_ms = (g_get_monotonic_time () - start) / 1000.0;
  g_assert_true (troupe_inspector_get_step (inspector) == step_of (document, "s5000"));

  start = g_get_monotonic_time ();
  type_into_view (child (inspector, "prompt_view"), " Twenty more letters");
  type_ms = (g_get_monotonic_time () - start) / 1000.0 / 20;
  g_assert_cmpstr (troupe_step_get_prompt (step_of (document, "s5000")), ==, "Step 5000. Twenty more letters");
  undo (document);
  g_assert_false (troupe_document_get_can_undo (document));
  g_test_message ("10,000 steps: selecting a step %.1f ms, a keystroke in its prompt %.2f ms", select_ms, type_ms);

  g_assert_finalize_object (inspector);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (tmpdir), ==, 0);
}

/* The merge rule, on the document alone. */
static void
test_merge_rule (void)
{
  g_autoptr(TroupeDocument) document = troupe_document_new ();
  g_autofree char *path = troupe_app_test_example_path ();
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeStep) edited = NULL;
  TroupeStep *step;

  g_assert_true (troupe_document_load (document, file, &error));
  g_assert_no_error (error);
  step = step_of (document, "design");
  edited = troupe_step_copy (step);

  /* Same step, same key, at once: one command. */
  troupe_step_set_description (edited, "a");
  g_assert_true (troupe_document_edit_step (document, "design", edited, "description", &error));
  troupe_step_set_description (edited, "ab");
  g_assert_true (troupe_document_edit_step (document, "design", edited, "description", &error));
  g_assert_no_error (error);
  undo (document);
  g_assert_cmpstr (troupe_step_get_description (step), ==, "The architect writes the system design.");
  g_assert_false (troupe_document_get_can_undo (document));
  redo (document);
  g_assert_cmpstr (troupe_step_get_description (step), ==, "ab");

  /* After a redo, an edit does not merge into the redone command. */
  troupe_step_set_description (edited, "abc");
  g_assert_true (troupe_document_edit_step (document, "design", edited, "description", &error));
  undo (document);
  g_assert_cmpstr (troupe_step_get_description (step), ==, "ab");

  /* Another key, or end_merge(), starts a new command. */
  troupe_step_set_description (edited, "abcd");
  g_assert_true (troupe_document_edit_step (document, "design", edited, "description", &error));
  troupe_document_end_merge (document);
  troupe_step_set_description (edited, "abcde");
  g_assert_true (troupe_document_edit_step (document, "design", edited, "description", &error));
  troupe_step_set_prompt (edited, "Design it.");
  g_assert_true (troupe_document_edit_step (document, "design", edited, "prompt", &error));
  undo (document);
  g_assert_cmpstr (troupe_step_get_prompt (step), !=, "Design it.");
  undo (document);
  g_assert_cmpstr (troupe_step_get_description (step), ==, "abcd");
  undo (document);
  g_assert_cmpstr (troupe_step_get_description (step), ==, "ab");

  /* No key: never merged. An edit that changes nothing is no command. */
  troupe_step_set_description (edited, "x");
  troupe_step_set_prompt (edited, troupe_step_get_prompt (step));
  g_assert_true (troupe_document_edit_step (document, "design", edited, NULL, &error));
  troupe_step_set_description (edited, "xy");
  g_assert_true (troupe_document_edit_step (document, "design", edited, NULL, &error));
  g_assert_true (troupe_document_edit_step (document, "design", edited, NULL, &error));
  undo (document);
  g_assert_cmpstr (troupe_step_get_description (step), ==, "x");

  /* Saving ends a merge: undo then goes back to what was saved, which is
   * clean. */
  {
    g_autofree char *tmpdir = troupe_app_test_make_tmp_dir ("troupe-inspector-XXXXXX");
    g_autofree char *saved = g_build_filename (tmpdir, "flow.yaml", NULL);
    g_autoptr(GFile) saved_file = g_file_new_for_path (saved);

    troupe_step_set_description (edited, "s");
    g_assert_true (troupe_document_edit_step (document, "design", edited, "description", &error));
    g_assert_true (troupe_document_save (document, saved_file, &error));
    g_assert_no_error (error);
    troupe_step_set_description (edited, "st");
    g_assert_true (troupe_document_edit_step (document, "design", edited, "description", &error));
    g_assert_true (troupe_document_get_dirty (document));
    undo (document);
    g_assert_cmpstr (troupe_step_get_description (step), ==, "s");
    g_assert_false (troupe_document_get_dirty (document));
    g_assert_cmpint (g_unlink (saved), ==, 0);
    g_assert_cmpint (g_rmdir (tmpdir), ==, 0);
  }

  /* Positions are not the edit's: a moved step stays where it is. */
  {
    double x, y;

    troupe_step_set_position (edited, 1, 1);
    troupe_step_set_description (edited, "moved?");
    g_assert_true (troupe_document_edit_step (document, "design", edited, NULL, &error));
    g_assert_true (troupe_step_get_position (step, &x, &y));
    g_assert_cmpfloat (x, ==, 158);
    g_assert_cmpfloat (y, ==, 40);
  }
}

static gboolean
fail_after_change_cb (TroupeWorkflow  *workflow,
                      gpointer         data,
                      GError         **error)
{
  troupe_workflow_set_name (workflow, "half done");
  troupe_workflow_remove_agent (workflow, "qa");
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "refused");
  return FALSE;
}

/* A workflow edit that fails leaves nothing behind. */
static void
test_failed_workflow_edit (void)
{
  g_autoptr(TroupeDocument) document = troupe_document_new ();
  g_autofree char *path = troupe_app_test_example_path ();
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  g_assert_true (troupe_document_load (document, file, &error));
  before = yaml_of (document);
  g_assert_false (troupe_document_edit_workflow (document, NULL, fail_after_change_cb, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  after = yaml_of (document);
  g_assert_cmpstr (after, ==, before);
  g_assert_false (troupe_document_get_can_undo (document));
}

/* An inspector bound to a document and a view, with no window: both
 * templates build and are freed. */
static void
test_standalone (void)
{
  g_autoptr(TroupeDocument) document = troupe_document_new ();
  g_autoptr(TroupeCanvasView) view = troupe_canvas_view_new ();
  g_autofree char *path = troupe_app_test_example_path ();
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  TroupeInspector *inspector = TROUPE_INSPECTOR (g_object_ref_sink (troupe_inspector_new ()));
  TroupeWorkflowPanel *panel = TROUPE_WORKFLOW_PANEL (g_object_ref_sink (troupe_workflow_panel_new ()));
  TroupeStep *old_design;

  troupe_inspector_set_document (inspector, document);
  troupe_inspector_set_view (inspector, view);
  troupe_workflow_panel_set_document (panel, document);
  g_assert_true (troupe_document_load (document, file, &error));
  g_assert_no_error (error);

  troupe_canvas_view_set_selection (view, "implement");
  g_assert_true (troupe_inspector_get_step (inspector) == step_of (document, "implement"));
  g_assert_true (troupe_inspector_get_field_widget (inspector, "prompt") == child (inspector, "prompt_frame"));
  g_assert_null (troupe_inspector_get_field_widget (inspector, "x"));

  /* A step removed under the inspector: back to the workflow, even
   * before the view lets go of it. */
  g_assert_true (troupe_document_delete_step (document, "implement", &error));
  g_assert_null (troupe_inspector_get_step (inspector));
  troupe_canvas_view_unselect (view, "implement");
  g_assert_null (troupe_inspector_get_step (inspector));

  /* Another file: the inspector and panel follow the new workflow. */
  troupe_canvas_view_set_selection (view, "design");
  old_design = step_of (document, "design");
  troupe_workflow_set_name (troupe_document_get_workflow (document), "renamed");
  g_assert_cmpstr (gtk_editable_get_text (panel_child (panel, "name_row")), ==, "renamed");
  g_assert_true (troupe_document_load (document, file, &error));
  g_assert_true (troupe_inspector_get_step (inspector) == step_of (document, "design"));
  g_assert_true (troupe_inspector_get_step (inspector) != old_design);
  g_assert_cmpstr (gtk_editable_get_text (panel_child (panel, "name_row")), ==, "Architect, engineer, QA");

  g_assert_finalize_object (inspector);
  g_assert_finalize_object (panel);
}

/* The window with the inspector open on a step, drawn: the panel is there
 * and has content. Kept in the temporary folder for a person to look at. */
static void
test_rendered (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeInspector *inspector = troupe_window_get_inspector (window);
  TroupeCanvasView *view = troupe_canvas_get_view (troupe_window_get_canvas (window));
  g_autoptr(GdkTexture) shot = NULL;
  g_autoptr(GdkTexture) panel = NULL;

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  troupe_canvas_view_set_selection (view, "review");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-inspector", NULL));
  troupe_app_test_wait_for_frames (GTK_WIDGET (inspector), 300);
  g_assert_true (gtk_widget_get_mapped (child (inspector, "prompt_view")));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (inspector)), >=, 300);

  shot = troupe_app_test_render (GTK_WIDGET (window));
  troupe_app_test_save_png (shot, "troupe-inspector.png");
  panel = troupe_app_test_render (GTK_WIDGET (inspector));
  g_assert_cmpuint (count_colours (panel), >, 20);

  troupe_app_test_close_window (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  troupe_app_test_init (&argc, &argv);

  g_test_add_func ("/troupe/inspector/follows-selection", test_follows_selection);
  g_test_add_func ("/troupe/inspector/edit-fields", test_edit_fields);
  g_test_add_func ("/troupe/inspector/kinds", test_kinds);
  g_test_add_func ("/troupe/inspector/rename", test_rename);
  g_test_add_func ("/troupe/inspector/needs", test_needs);
  g_test_add_func ("/troupe/inspector/diagnostics-in-place", test_diagnostics_in_place);
  g_test_add_func ("/troupe/inspector/workflow-panel", test_workflow_panel);
  g_test_add_func ("/troupe/inspector/large-workflow", test_large_workflow);
  g_test_add_func ("/troupe/inspector/merge-rule", test_merge_rule);
  g_test_add_func ("/troupe/inspector/failed-workflow-edit", test_failed_workflow_edit);
  g_test_add_func ("/troupe/inspector/standalone", test_standalone);
  g_test_add_func ("/troupe/inspector/rendered", test_rendered);

  return g_test_run ();
}
