/* troupe-canvas-actions.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "troupe-canvas.h"
#include "troupe-canvas-private.h"

/* The actions (delete, duplicate, move, rename, copy, paste, zoom) and
 * their keyboard shortcuts. */

enum {
  PASTED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

static GStrv
selected_ids (TroupeCanvas *self)
{
  guint n = troupe_canvas_view_get_n_selected (self->view);
  GStrv ids = g_new0 (char *, n + 1);

  for (guint i = 0; i < n; i++)
    ids[i] = g_strdup (troupe_canvas_view_get_nth_selected (self->view, i));
  return ids;
}

static void
delete_selection_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *param)
{
  TroupeCanvas *self = TROUPE_CANVAS (widget);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_strdup (troupe_canvas_view_get_selection (self->view));
  const char *from, *to;

  if (self->document == NULL)
    return;

  if (troupe_canvas_view_get_selected_edge (self->view, &from, &to))
    {
      g_autofree char *from_id = g_strdup (from);
      g_autofree char *to_id = g_strdup (to);

      troupe_canvas_view_select_edge (self->view, NULL, NULL);
      if (!troupe_document_disconnect (self->document, from_id, to_id, &error))
        _troupe_canvas_show_error (self, error);
      return;
    }

  if (troupe_canvas_view_get_n_selected (self->view) > 1)
    {
      g_auto(GStrv) ids = selected_ids (self);

      if (!troupe_document_delete_steps (self->document, (const char * const *) ids, &error))
        _troupe_canvas_show_error (self, error);
    }
  else if (id != NULL && !troupe_document_delete_step (self->document, id, &error))
    _troupe_canvas_show_error (self, error);
}

static void
duplicate_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  TroupeCanvas *self = TROUPE_CANVAS (widget);
  const char *id = troupe_canvas_view_get_selection (self->view);
  g_autoptr(TroupeStep) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *new_id = NULL;
  TroupeStep *step;
  double x, y;

  if (id == NULL || self->document == NULL ||
      (step = troupe_workflow_lookup_step (self->workflow, id)) == NULL)
    return;

  /* The copy keeps the original's fields and what it needs, so it slots
   * in beside it; it gets a fresh id, and nothing needs it yet. */
  new_id = troupe_workflow_make_unique_id (self->workflow, id);
  copy = troupe_step_copy (step);
  troupe_step_set_id (copy, new_id);
  if (troupe_step_get_position (step, &x, &y))
    troupe_step_set_position (copy, x + 24, y + 24);

  if (!troupe_document_add_step (self->document, copy, &error))
    _troupe_canvas_show_error (self, error);
  else
    troupe_canvas_view_set_selection (self->view, new_id);
}

static void
move_selection_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  TroupeCanvas *self = TROUPE_CANVAS (widget);
  g_auto(GStrv) ids = selected_ids (self);
  g_autoptr(GError) error = NULL;
  int dx, dy;

  if (ids[0] == NULL || self->document == NULL)
    return;

  g_variant_get (param, "(ii)", &dx, &dy);

  /* The user's own nudge: the cards follow the keys at once. */
  self->nudging = TRUE;
  if (!troupe_document_move_steps (self->document, (const char * const *) ids, dx, dy, &error))
    _troupe_canvas_show_error (self, error);
  self->nudging = FALSE;
}

/* The selected steps as a workflow file of their own, so that they paste
 * into another window, a text editor, or back. */
static char *
selection_to_yaml (TroupeCanvas *self)
{
  g_autoptr(TroupeWorkflow) clip = NULL;
  GPtrArray *steps;

  if (self->workflow == NULL || troupe_canvas_view_get_n_selected (self->view) == 0)
    return NULL;

  /* In file order, so that the text reads like the file. */
  clip = troupe_workflow_new ();
  steps = troupe_workflow_get_steps (self->workflow);
  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      g_autoptr(TroupeStep) copy = NULL;

      if (!troupe_canvas_view_is_selected (self->view, troupe_step_get_id (step)))
        continue;
      copy = troupe_step_copy (step);
      if (!troupe_workflow_add_step (clip, copy, NULL))
        return NULL;
    }

  return troupe_workflow_to_data (clip, TROUPE_FILE_FORMAT_YAML, NULL);
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TroupeCanvas *self = TROUPE_CANVAS (widget);
  g_autofree char *yaml = selection_to_yaml (self);
  g_autoptr(GError) error = NULL;

  if (yaml == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), yaml);

  if (g_str_equal (action_name, "canvas.cut"))
    {
      g_auto(GStrv) ids = selected_ids (self);

      if (!troupe_document_delete_steps (self->document, (const char * const *) ids, &error))
        _troupe_canvas_show_error (self, error);
    }
}

/* @id if neither the workflow nor the paste uses it, else the first of
 * @id-2, @id-3, ... that is free; the stem is shortened when needed so that
 * the result stays a valid id (64 characters at most). */
static char *
free_id (TroupeWorkflow *workflow,
         GHashTable     *taken,
         const char     *id)
{
  char *candidate = g_strdup (id);

  for (guint n = 2; troupe_workflow_lookup_step (workflow, candidate) != NULL ||
                    g_hash_table_contains (taken, candidate); n++)
    {
      g_autofree char *suffix = g_strdup_printf ("-%u", n);
      int stem = (int) MIN (strlen (id), 64 - strlen (suffix));

      g_free (candidate);
      candidate = g_strdup_printf ("%.*s%s", stem, id, suffix);
    }
  return candidate;
}

/* Gives every step of @clip whose id @workflow already uses a fresh id,
 * through the engine's rename, so that the other pasted steps follow it:
 * their needs, for_each and ${steps.ID...} templates name the pasted copy,
 * not the original. @renamed receives the steps that were renamed. */
static gboolean
rename_taken_ids (TroupeWorkflow  *workflow,
                  TroupeWorkflow  *clip,
                  GPtrArray       *order,
                  GHashTable      *renamed,
                  GError         **error)
{
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) old_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) new_ids = g_ptr_array_new ();

  /* The ids that stay are reserved first, and every new id is free in both
   * workflows, so no rename lands on an id another pasted step still has:
   * renaming one at a time then gives the same result as renaming all at
   * once. */
  for (guint i = 0; i < order->len; i++)
    {
      const char *id = troupe_step_get_id (g_ptr_array_index (order, i));

      if (troupe_workflow_lookup_step (workflow, id) == NULL)
        g_hash_table_add (taken, g_strdup (id));
    }
  for (guint i = 0; i < order->len; i++)
    {
      const char *id = troupe_step_get_id (g_ptr_array_index (order, i));
      char *new_id;

      if (troupe_workflow_lookup_step (workflow, id) == NULL)
        continue;
      new_id = free_id (workflow, taken, id);
      g_hash_table_add (taken, new_id);
      g_ptr_array_add (old_ids, g_strdup (id));
      g_ptr_array_add (new_ids, new_id);
    }

  for (guint i = 0; i < old_ids->len; i++)
    {
      const char *old_id = g_ptr_array_index (old_ids, i);

      g_hash_table_add (renamed, troupe_workflow_lookup_step (clip, old_id));
      if (!troupe_workflow_rename_step (clip, old_id, g_ptr_array_index (new_ids, i), error))
        return FALSE;
    }

  return TRUE;
}

static void
paste_text (TroupeCanvas *self,
            const char   *text)
{
  g_autoptr(TroupeWorkflow) clip = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) order = NULL;
  g_autoptr(GPtrArray) pasted = NULL;
  g_autoptr(GHashTable) renamed = NULL;

  clip = troupe_workflow_new_from_data (text, -1, TROUPE_FILE_FORMAT_YAML, _("the clipboard"), NULL, &error);
  if (clip == NULL || troupe_workflow_get_n_steps (clip) == 0)
    {
      g_autoptr(GError) no_steps = NULL;

      if (error == NULL)
        g_set_error (&no_steps, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE,
                     _("The clipboard holds no workflow steps; copy a step first"));
      _troupe_canvas_show_error (self, error != NULL ? error : no_steps);
      return;
    }

  /* Dependencies first, so that every edge among the pasted steps is made
   * when its second end arrives. */
  order = troupe_workflow_topological_order (clip, NULL);
  if (order == NULL)
    order = g_ptr_array_ref (troupe_workflow_get_steps (clip));

  /* A pasted step whose id is taken gets a fresh one, and the pasted steps
   * that name it follow; it then sits a little below and to the right of
   * the original, so both can be seen. */
  renamed = g_hash_table_new (NULL, NULL);
  if (!rename_taken_ids (self->workflow, clip, order, renamed, &error))
    {
      _troupe_canvas_show_error (self, error);
      return;
    }

  pasted = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < order->len; i++)
    {
      TroupeStep *original = g_ptr_array_index (order, i);
      TroupeStep *step = troupe_step_copy (original);
      const char * const *old_needs = troupe_step_get_needs (original);
      g_autoptr(GStrvBuilder) needs = g_strv_builder_new ();
      g_auto(GStrv) kept = NULL;
      double x, y;

      if (g_hash_table_contains (renamed, original) && troupe_step_get_position (step, &x, &y))
        troupe_step_set_position (step, x + 24, y + 24);

      /* Edges among the pasted steps already follow their new ids; edges
       * from other steps stay when this workflow has those steps. */
      for (guint j = 0; old_needs != NULL && old_needs[j] != NULL; j++)
        if (troupe_workflow_lookup_step (clip, old_needs[j]) != NULL ||
            troupe_workflow_lookup_step (self->workflow, old_needs[j]) != NULL)
          g_strv_builder_add (needs, old_needs[j]);
      kept = g_strv_builder_end (needs);
      troupe_step_set_needs (step, (const char * const *) kept);
      g_ptr_array_add (pasted, step);
    }

  if (!troupe_document_add_steps (self->document, pasted, &error))
    {
      _troupe_canvas_show_error (self, error);
      return;
    }

  troupe_canvas_view_set_selection (self->view, NULL);
  for (guint i = 0; i < pasted->len; i++)
    troupe_canvas_view_add_to_selection (self->view, troupe_step_get_id (g_ptr_array_index (pasted, i)));
}

static void
paste_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TroupeCanvas) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, &error);

  if (text == NULL)
    {
      if (error != NULL)
        _troupe_canvas_show_error (self, error);
    }
  /* The canvas may have lost its document while the clipboard answered. */
  else if (self->document != NULL)
    paste_text (self, text);

  g_signal_emit (self, signals[PASTED], 0);
}

static void
paste_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL, paste_cb, g_object_ref (widget));
}

static void
rename_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    TroupeCanvas     *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  const char *old_id = g_object_get_data (G_OBJECT (dialog), "troupe-step-id");
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (response, "rename") || self->document == NULL)
    return;

  if (!troupe_document_rename_step (self->document, old_id, gtk_editable_get_text (entry), &error))
    _troupe_canvas_show_error (self, error);
}

static void
rename_entry_changed_cb (GtkEditable      *entry,
                         AdwMessageDialog *dialog)
{
  /* The engine's rule for ids, checked as the user types. */
  adw_message_dialog_set_response_enabled (dialog, "rename",
                                           troupe_step_id_is_valid (gtk_editable_get_text (entry)));
}

static void
rename_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  TroupeCanvas *self = TROUPE_CANVAS (widget);
  const char *id = troupe_canvas_view_get_selection (self->view);
  GtkWidget *dialog, *entry;

  if (id == NULL || self->document == NULL)
    return;

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)), _("Rename Step"),
                                   _("Every step that needs it, and every template that names it, follows."));
  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), id);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "rename", _("_Rename"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "rename", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "rename");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "troupe-step-id", g_strdup (id), g_free);
  g_signal_connect (entry, "changed", G_CALLBACK (rename_entry_changed_cb), dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (rename_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
zoom_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TroupeCanvas *self = TROUPE_CANVAS (widget);
  double zoom = troupe_canvas_view_get_zoom (self->view);
  double cx = gtk_widget_get_width (widget) / 2.0;
  double cy = gtk_widget_get_height (widget) / 2.0;

  if (g_str_equal (action_name, "canvas.zoom-in"))
    troupe_canvas_view_zoom_at (self->view, zoom * ZOOM_STEP, cx, cy);
  else if (g_str_equal (action_name, "canvas.zoom-out"))
    troupe_canvas_view_zoom_at (self->view, zoom / ZOOM_STEP, cx, cy);
  else
    _troupe_canvas_fit_now (self);
}

/* Installs the actions, their shortcuts, and the signal that the paste
 * action emits. */
void
_troupe_canvas_class_init_actions (TroupeCanvasClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  /* A paste finished (the clipboard answers asynchronously). */
  signals[PASTED] =
    g_signal_new ("pasted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "canvas.delete-selection", NULL, delete_selection_action);
  gtk_widget_class_install_action (widget_class, "canvas.duplicate-selection", NULL, duplicate_action);
  gtk_widget_class_install_action (widget_class, "canvas.move-selection", "(ii)", move_selection_action);
  gtk_widget_class_install_action (widget_class, "canvas.rename-selection", NULL, rename_action);
  gtk_widget_class_install_action (widget_class, "canvas.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "canvas.cut", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "canvas.paste", NULL, paste_action);
  gtk_widget_class_install_action (widget_class, "canvas.zoom-in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "canvas.zoom-out", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "canvas.zoom-fit", NULL, zoom_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "canvas.delete-selection", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, 0, "canvas.delete-selection", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "canvas.duplicate-selection", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F2, 0, "canvas.rename-selection", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK, "canvas.copy", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_x, GDK_CONTROL_MASK, "canvas.cut", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "canvas.paste", NULL);
  {
    static const struct { guint key; int dx, dy; } arrows[] = {
      { GDK_KEY_Left, -1, 0 }, { GDK_KEY_Right, 1, 0 }, { GDK_KEY_Up, 0, -1 }, { GDK_KEY_Down, 0, 1 },
    };

    /* Arrows move the selected card by 10 pixels, Shift+arrows by 1. */
    for (guint i = 0; i < G_N_ELEMENTS (arrows); i++)
      {
        gtk_widget_class_add_binding_action (widget_class, arrows[i].key, 0, "canvas.move-selection",
                                             "(ii)", arrows[i].dx * 10, arrows[i].dy * 10);
        gtk_widget_class_add_binding_action (widget_class, arrows[i].key, GDK_SHIFT_MASK, "canvas.move-selection",
                                             "(ii)", arrows[i].dx, arrows[i].dy);
      }
  }
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, "canvas.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, "canvas.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, "canvas.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "canvas.zoom-fit", NULL);
}
