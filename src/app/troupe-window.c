/* troupe-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "troupe-app-resources.h"
#include "troupe-export-dialog.h"
#include "troupe-inspector.h"
#include "troupe-training-page.h"
#include "troupe-window.h"

struct _TroupeWindow
{
  AdwApplicationWindow  parent_instance;

  /* template widgets */
  AdwToastOverlay      *toast_overlay;
  AdwViewStack         *stack;
  AdwViewSwitcherTitle *switcher_title;
  TroupeCanvas         *canvas;
  AdwFlap              *flap;
  GtkListBox           *problems_list;
  GtkLabel             *problems_title;
  GtkStack             *side_stack;
  TroupeInspector      *inspector;
  TroupeTrainingPage   *training_page;
  GtkLabel             *file_label;
  GMenu                *recent_section;

  /* owned */
  TroupeDocument       *document;
  GtkNativeDialog      *file_chooser;
  /* NULL when the schema is not installed (running from a build folder
   * without GSETTINGS_SCHEMA_DIR): recent files and the window size are
   * then not remembered. */
  GSettings            *settings;

  guint                 close_after_save : 1;
  guint                 closing : 1;
  /* What "show-inspector" and "show-problems" last said. */
  guint                 showing_inspector : 1;
  guint                 showing_problems : 1;
};

G_DEFINE_FINAL_TYPE (TroupeWindow, troupe_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SNAP_TO_GRID,
  PROP_SHOW_INSPECTOR,
  PROP_SHOW_PROBLEMS,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static void
update_title (TroupeWindow *self)
{
  g_autofree char *name = troupe_document_dup_title (self->document);
  g_autofree char *title = NULL;
  GFile *file = troupe_document_get_file (self->document);
  g_autofree char *folder = NULL;

  /* The unsaved mark comes first, where it survives ellipsizing. */
  if (troupe_document_get_dirty (self->document))
    title = g_strdup_printf ("• %s", name);
  else
    title = g_steal_pointer (&name);

  if (file != NULL)
    {
      g_autoptr(GFile) parent = g_file_get_parent (file);

      if (parent != NULL)
        folder = g_file_get_parse_name (parent);
    }

  gtk_window_set_title (GTK_WINDOW (self), title);
  /* The view switcher takes the title's place when the window is wide, so
   * the name is also shown beside the Save button. */
  gtk_label_set_label (self->file_label, title);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->file_label), folder);
  adw_view_switcher_title_set_title (self->switcher_title, title);
  adw_view_switcher_title_set_subtitle (self->switcher_title, folder != NULL ? folder : "");
}

static void
update_actions (TroupeWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo",
                                 troupe_document_get_can_undo (self->document));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.redo",
                                 troupe_document_get_can_redo (self->document));
}

static GtkWidget *
problem_row_new (const TroupeDiagnostic *d,
                 guint                   line)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *icon, *message, *where;
  g_autofree char *location = NULL;

  icon = gtk_image_new_from_icon_name (d->severity == TROUPE_SEVERITY_ERROR
                                       ? "dialog-error-symbolic" : "dialog-warning-symbolic");
  gtk_widget_add_css_class (icon, d->severity == TROUPE_SEVERITY_ERROR ? "error" : "warning");
  gtk_widget_set_valign (icon, GTK_ALIGN_START);

  message = gtk_label_new (d->message);
  gtk_label_set_wrap (GTK_LABEL (message), TRUE);
  gtk_label_set_xalign (GTK_LABEL (message), 0);

  /* Lines are where things were in the file as loaded; after an edit they
   * may point elsewhere, so they are shown only for the saved file. */
  if (d->step_id != NULL && line > 0)
    location = g_strdup_printf (_("%s, line %u"), d->step_id, line);
  else if (d->step_id != NULL)
    location = g_strdup (d->step_id);
  else if (line > 0)
    location = g_strdup_printf (_("Line %u"), line);
  else
    location = g_strdup (_("Workflow"));
  where = gtk_label_new (location);
  gtk_label_set_xalign (GTK_LABEL (where), 0);
  gtk_widget_add_css_class (where, "dim-label");
  gtk_widget_add_css_class (where, "caption");

  gtk_box_append (GTK_BOX (text), message);
  gtk_box_append (GTK_BOX (text), where);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), text);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), d->step_id != NULL);
  g_object_set_data_full (G_OBJECT (row), "troupe-step-id", g_strdup (d->step_id), g_free);

  return row;
}

/* The list is rebuilt from the document's diagnostics, which are rebuilt
 * after each change settles: both are short. */
static void
update_problems (TroupeWindow *self)
{
  GPtrArray *diagnostics = troupe_document_get_diagnostics (self->document);
  GtkWidget *child;
  g_autofree char *title = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->problems_list))) != NULL)
    gtk_list_box_remove (self->problems_list, child);

  for (guint i = 0; i < diagnostics->len; i++)
    {
      const TroupeDiagnostic *d = g_ptr_array_index (diagnostics, i);

      gtk_list_box_append (self->problems_list,
                           problem_row_new (d, troupe_document_get_dirty (self->document) ? 0 : d->line));
    }

  if (diagnostics->len == 0)
    title = g_strdup (_("No Problems"));
  else
    title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u Problem", "%u Problems", diagnostics->len),
                             diagnostics->len);
  gtk_label_set_label (self->problems_title, title);
}

static void
problem_activated_cb (TroupeWindow  *self,
                      GtkListBoxRow *row)
{
  const char *id = g_object_get_data (G_OBJECT (row), "troupe-step-id");

  if (id == NULL)
    return;

  troupe_canvas_center_on_step (self->canvas, id);
  /* A folded flap covers the canvas; get out of the way. */
  if (adw_flap_get_folded (self->flap))
    adw_flap_set_reveal_flap (self->flap, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
}

static GSettings *
settings_new_if_installed (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source == NULL)
    return NULL;
  schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    return NULL;
  return g_settings_new_full (schema, NULL, NULL);
}

static void
update_recent_menu (TroupeWindow *self)
{
  g_auto(GStrv) paths = NULL;
  guint max;

  g_menu_remove_all (self->recent_section);
  if (self->settings == NULL)
    return;

  paths = g_settings_get_strv (self->settings, "recent-files");
  max = g_settings_get_uint (self->settings, "max-recent-files");
  for (guint i = 0; paths[i] != NULL && i < max; i++)
    {
      g_autofree char *name = g_path_get_basename (paths[i]);
      g_auto(GStrv) parts = g_strsplit (name, "_", -1);
      /* Menu labels take "_" as a mnemonic. */
      g_autofree char *label = g_strjoinv ("__", parts);
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target_value (item, "win.open-recent", g_variant_new_string (paths[i]));
      g_menu_append_item (self->recent_section, item);
    }
}

static void
remember_file (TroupeWindow *self)
{
  GFile *file = troupe_document_get_file (self->document);
  g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
  g_auto(GStrv) old = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) paths = NULL;
  guint max, n = 1;

  if (self->settings == NULL || path == NULL)
    return;

  old = g_settings_get_strv (self->settings, "recent-files");
  max = g_settings_get_uint (self->settings, "max-recent-files");
  if (max == 0)
    return;

  builder = g_strv_builder_new ();
  g_strv_builder_add (builder, path);
  for (guint i = 0; old[i] != NULL && n < max; i++)
    if (!g_str_equal (old[i], path))
      {
        g_strv_builder_add (builder, old[i]);
        n++;
      }
  paths = g_strv_builder_end (builder);

  g_settings_set_strv (self->settings, "recent-files", (const char * const *) paths);
}

static void
open_recent_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  TroupeWindow *self = TROUPE_WINDOW (widget);
  g_autoptr(GFile) file = g_file_new_for_path (g_variant_get_string (param, NULL));
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  GFile *current = troupe_document_get_file (self->document);

  if (app == NULL || troupe_window_is_blank (self) || (current != NULL && g_file_equal (current, file)))
    troupe_window_open_file (self, file);
  else
    g_application_open (G_APPLICATION (app), &file, 1, "");
}

static void
show_error (TroupeWindow *self,
            const GError *error)
{
  troupe_window_add_toast (self, error->message);
}

static void save_as (TroupeWindow *self);

static gboolean
save (TroupeWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (troupe_document_get_file (self->document) == NULL)
    {
      save_as (self);
      return FALSE;
    }

  if (!troupe_document_save (self->document, NULL, &error))
    {
      show_error (self, error);
      return FALSE;
    }

  remember_file (self);
  return TRUE;
}

static void
finish_close (TroupeWindow *self)
{
  self->closing = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

static void
open_response_cb (TroupeWindow         *self,
                  int                   response,
                  GtkFileChooserNative *native)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));

      troupe_window_open_file (self, file);
    }

  g_clear_object (&self->file_chooser);
}

static void
save_as_response_cb (TroupeWindow         *self,
                     int                   response,
                     GtkFileChooserNative *native)
{
  gboolean close_after_save = self->close_after_save;

  self->close_after_save = FALSE;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autoptr(GError) error = NULL;

      if (!troupe_document_save (self->document, file, &error))
        show_error (self, error);
      else
        {
          remember_file (self);
          if (close_after_save)
            finish_close (self);
        }
    }

  g_clear_object (&self->file_chooser);
}

static void
add_filters (GtkFileChooser *chooser,
             gboolean        with_dot)
{
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) yaml = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) json = gtk_file_filter_new ();

  gtk_file_filter_set_name (all, with_dot ? _("Workflows and Graphviz files") : _("Workflows"));
  gtk_file_filter_add_suffix (all, "yaml");
  gtk_file_filter_add_suffix (all, "yml");
  gtk_file_filter_add_suffix (all, "json");
  if (with_dot)
    {
      gtk_file_filter_add_suffix (all, "dot");
      gtk_file_filter_add_suffix (all, "gv");
    }
  gtk_file_chooser_add_filter (chooser, all);

  gtk_file_filter_set_name (yaml, _("YAML workflows"));
  gtk_file_filter_add_suffix (yaml, "yaml");
  gtk_file_filter_add_suffix (yaml, "yml");
  gtk_file_chooser_add_filter (chooser, yaml);

  gtk_file_filter_set_name (json, _("JSON workflows"));
  gtk_file_filter_add_suffix (json, "json");
  gtk_file_chooser_add_filter (chooser, json);
}

static void
save_as (TroupeWindow *self)
{
  GtkFileChooserNative *native;

  if (self->file_chooser != NULL)
    return;

  native = gtk_file_chooser_native_new (_("Save Workflow"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  add_filters (GTK_FILE_CHOOSER (native), FALSE);
  if (troupe_document_get_file (self->document) != NULL)
    gtk_file_chooser_set_file (GTK_FILE_CHOOSER (native), troupe_document_get_file (self->document), NULL);
  else
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), "workflow.yaml");

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect_swapped (native, "response", G_CALLBACK (save_as_response_cb), self);
  self->file_chooser = GTK_NATIVE_DIALOG (native);
  gtk_native_dialog_show (self->file_chooser);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TroupeWindow *self = TROUPE_WINDOW (widget);
  GtkFileChooserNative *native;

  if (self->file_chooser != NULL)
    return;

  native = gtk_file_chooser_native_new (_("Open Workflow"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  add_filters (GTK_FILE_CHOOSER (native), TRUE);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect_swapped (native, "response", G_CALLBACK (open_response_cb), self);
  self->file_chooser = GTK_NATIVE_DIALOG (native);
  gtk_native_dialog_show (self->file_chooser);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  save (TROUPE_WINDOW (widget));
}

static void
save_as_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  save_as (TROUPE_WINDOW (widget));
}

static void
undo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TroupeWindow *self = TROUPE_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_str_equal (action_name, "win.undo"))
    ok = troupe_document_undo (self->document, &error);
  else
    ok = troupe_document_redo (self->document, &error);

  if (!ok)
    show_error (self, error);
}

static void
zoom_fit_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  troupe_canvas_zoom_to_fit (TROUPE_WINDOW (widget)->canvas);
}

static void
layout_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  TroupeWindow *self = TROUPE_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (!troupe_document_layout (self->document, &error))
    show_error (self, error);
  else
    troupe_canvas_zoom_to_fit (self->canvas);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  TroupeWindow *self = TROUPE_WINDOW (widget);

  gtk_window_present (GTK_WINDOW (troupe_export_dialog_new (GTK_WINDOW (self), self->document)));
}

static void
copy_mermaid_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  TroupeWindow *self = TROUPE_WINDOW (widget);
  g_autofree char *mermaid = troupe_workflow_to_mermaid (troupe_document_get_workflow (self->document));

  /* As plain text, which Markdown editors and issue trackers paste. */
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), mermaid);
  troupe_window_add_toast (self, _("Copied as Mermaid"));
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  TroupeWindow *self = TROUPE_WINDOW (widget);
  GFile *file = troupe_document_get_file (self->document);
  g_autoptr(GFile) reloaded = file != NULL ? g_object_ref (file) : NULL;

  if (reloaded != NULL)
    troupe_window_open_file (self, reloaded);
}

static void
changed_on_disk_cb (TroupeWindow *self)
{
  g_autofree char *name = troupe_document_dup_title (self->document);
  g_autofree char *title = NULL;
  AdwToast *toast;

  /* Reloading drops this window's edits, so the user decides. */
  if (troupe_document_get_dirty (self->document))
    title = g_strdup_printf (_("“%s” was changed by another program; reloading drops your changes"), name);
  else
    title = g_strdup_printf (_("“%s” was changed by another program"), name);

  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Reload"));
  adw_toast_set_action_name (toast, "win.reload");
  adw_toast_set_timeout (toast, 0);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
add_step_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  TroupeWindow *self = TROUPE_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->stack, "editor");
  troupe_canvas_add_step (self->canvas, FALSE, 0, 0);
}

static gboolean
drop_cb (TroupeWindow  *self,
         const GValue  *value,
         double         x,
         double         y,
         GtkDropTarget *target)
{
  GSList *files = g_value_get_boxed (value);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  g_autoptr(GPtrArray) array = g_ptr_array_new ();

  if (files == NULL)
    return FALSE;

  /* The application opens them as it opens files from the command line:
   * in this window when it is blank, else in new windows. */
  for (GSList *l = files; l != NULL; l = l->next)
    g_ptr_array_add (array, l->data);

  if (app != NULL)
    g_application_open (G_APPLICATION (app), (GFile **) array->pdata, (int) array->len, "");
  else
    troupe_window_open_file (self, files->data);

  return TRUE;
}

static void
close_response_cb (TroupeWindow     *self,
                   const char       *response,
                   AdwMessageDialog *dialog)
{
  if (g_str_equal (response, "discard"))
    finish_close (self);
  else if (g_str_equal (response, "save"))
    {
      /* Without a file, Save As asks for one and closes once saved. */
      self->close_after_save = troupe_document_get_file (self->document) == NULL;
      if (save (self))
        finish_close (self);
    }
}

static void
save_window_state (TroupeWindow *self)
{
  int width, height;

  if (self->settings == NULL)
    return;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
  if (!gtk_window_is_maximized (GTK_WINDOW (self)) && width >= 360 && height >= 294)
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
}

static gboolean
troupe_window_close_request (GtkWindow *window)
{
  TroupeWindow *self = TROUPE_WINDOW (window);
  g_autofree char *name = NULL;
  GtkWidget *dialog;

  if (self->closing || !troupe_document_get_dirty (self->document))
    {
      save_window_state (self);
      return GTK_WINDOW_CLASS (troupe_window_parent_class)->close_request (window);
    }

  name = troupe_document_dup_title (self->document);
  dialog = adw_message_dialog_new (window, _("Save Changes?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("“%s” has unsaved changes. Changes that are not saved are lost."),
                                  name);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (close_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));

  return TRUE;
}

static void
troupe_window_dispose (GObject *object)
{
  TroupeWindow *self = (TroupeWindow *)object;

  if (self->file_chooser != NULL)
    gtk_native_dialog_destroy (self->file_chooser);
  g_clear_object (&self->file_chooser);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), TROUPE_TYPE_WINDOW);

  g_clear_object (&self->document);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (troupe_window_parent_class)->dispose (object);
}

static void
troupe_window_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TroupeWindow *self = TROUPE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SNAP_TO_GRID:
      /* Asked before the template is built and after it is gone, too. */
      if (self->canvas != NULL)
        g_object_get_property (G_OBJECT (self->canvas), "snap-to-grid", value);
      else
        g_value_set_boolean (value, TRUE);
      break;
    case PROP_SHOW_INSPECTOR:
      g_value_set_boolean (value, self->showing_inspector);
      break;
    case PROP_SHOW_PROBLEMS:
      g_value_set_boolean (value, self->showing_problems);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* The side panel shows the inspector or the problems; each has a toggle
 * (a property action) that is on when the panel is open on its page. */
static void
update_side_state (TroupeWindow *self)
{
  gboolean revealed = adw_flap_get_reveal_flap (self->flap);
  const char *page = gtk_stack_get_visible_child_name (self->side_stack);
  gboolean inspector = revealed && g_strcmp0 (page, "inspector") == 0;
  gboolean problems = revealed && g_strcmp0 (page, "problems") == 0;

  if (self->showing_inspector != inspector)
    {
      self->showing_inspector = inspector;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_INSPECTOR]);
    }
  if (self->showing_problems != problems)
    {
      self->showing_problems = problems;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_PROBLEMS]);
    }
}

static void
show_side_page (TroupeWindow *self,
                const char   *page,
                gboolean      show)
{
  if (self->flap == NULL)
    return;

  if (show)
    {
      gtk_stack_set_visible_child_name (self->side_stack, page);
      adw_flap_set_reveal_flap (self->flap, TRUE);
    }
  else if (g_strcmp0 (gtk_stack_get_visible_child_name (self->side_stack), page) == 0)
    adw_flap_set_reveal_flap (self->flap, FALSE);
}

static void
troupe_window_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  TroupeWindow *self = TROUPE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SNAP_TO_GRID:
      if (self->canvas != NULL)
        g_object_set_property (G_OBJECT (self->canvas), "snap-to-grid", value);
      break;
    case PROP_SHOW_INSPECTOR:
      show_side_page (self, "inspector", g_value_get_boolean (value));
      break;
    case PROP_SHOW_PROBLEMS:
      show_side_page (self, "problems", g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
snap_changed_cb (TroupeWindow *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SNAP_TO_GRID]);
}

static void
troupe_window_class_init (TroupeWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = troupe_window_dispose;
  object_class->get_property = troupe_window_get_property;
  object_class->set_property = troupe_window_set_property;
  window_class->close_request = troupe_window_close_request;

  troupe_app_ensure_resources ();

  g_type_ensure (TROUPE_TYPE_CANVAS);
  g_type_ensure (TROUPE_TYPE_INSPECTOR);
  g_type_ensure (TROUPE_TYPE_TRAINING_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/troupe/Troupe/ui/troupe-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TroupeWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TroupeWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, TroupeWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, TroupeWindow, canvas);
  gtk_widget_class_bind_template_child (widget_class, TroupeWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, TroupeWindow, problems_list);
  gtk_widget_class_bind_template_child (widget_class, TroupeWindow, problems_title);
  gtk_widget_class_bind_template_child (widget_class, TroupeWindow, side_stack);
  gtk_widget_class_bind_template_child (widget_class, TroupeWindow, inspector);
  gtk_widget_class_bind_template_child (widget_class, TroupeWindow, training_page);
  gtk_widget_class_bind_template_child (widget_class, TroupeWindow, file_label);
  gtk_widget_class_bind_template_child (widget_class, TroupeWindow, recent_section);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, save_as_action);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-fit", NULL, zoom_fit_action);
  gtk_widget_class_install_action (widget_class, "win.add-step", NULL, add_step_action);
  gtk_widget_class_install_action (widget_class, "win.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "win.layout", NULL, layout_action);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "win.copy-mermaid", NULL, copy_mermaid_action);

  /* The canvas's setting, so that the main menu can show it as a check. */
  properties[PROP_SNAP_TO_GRID] =
    g_param_spec_boolean ("snap-to-grid", NULL, NULL, TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* The side panel open on the inspector, or on the problems. */
  properties[PROP_SHOW_INSPECTOR] =
    g_param_spec_boolean ("show-inspector", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SHOW_PROBLEMS] =
    g_param_spec_boolean ("show-problems", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_install_property_action (widget_class, "win.snap-to-grid", "snap-to-grid");
  gtk_widget_class_install_property_action (widget_class, "win.show-inspector", "show-inspector");
  gtk_widget_class_install_property_action (widget_class, "win.show-problems", "show-problems");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "win.show-inspector", NULL);
}

static void
troupe_window_init (TroupeWindow *self)
{
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = settings_new_if_installed ();
  if (self->settings != NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (self->settings, "window-width"),
                                   g_settings_get_int (self->settings, "window-height"));
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
      g_signal_connect_swapped (self->settings, "changed::recent-files", G_CALLBACK (update_recent_menu), self);
      g_signal_connect_swapped (self->settings, "changed::max-recent-files", G_CALLBACK (update_recent_menu), self);
    }
  update_recent_menu (self);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect_swapped (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  self->document = troupe_document_new ();
  g_signal_connect_swapped (self->document, "notify::dirty", G_CALLBACK (update_title), self);
  g_signal_connect_swapped (self->document, "notify::file", G_CALLBACK (update_title), self);
  g_signal_connect_swapped (self->document, "notify::can-undo", G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (self->document, "notify::can-redo", G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (self->document, "changed-on-disk", G_CALLBACK (changed_on_disk_cb), self);
  g_signal_connect_swapped (self->document, "notify::diagnostics", G_CALLBACK (update_problems), self);
  g_signal_connect_swapped (self->problems_list, "row-activated", G_CALLBACK (problem_activated_cb), self);
  troupe_canvas_set_document (self->canvas, self->document);
  g_signal_connect_swapped (self->canvas, "notify::snap-to-grid", G_CALLBACK (snap_changed_cb), self);
  troupe_inspector_set_document (self->inspector, self->document);
  troupe_inspector_set_view (self->inspector, troupe_canvas_get_view (self->canvas));
  troupe_training_page_set_document (self->training_page, self->document);
  g_signal_connect_swapped (self->flap, "notify::reveal-flap", G_CALLBACK (update_side_state), self);
  g_signal_connect_swapped (self->side_stack, "notify::visible-child-name", G_CALLBACK (update_side_state), self);

  update_title (self);
  update_actions (self);
  update_problems (self);
}

TroupeWindow *
troupe_window_new (GtkApplication *application)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);

  return g_object_new (TROUPE_TYPE_WINDOW, "application", application, NULL);
}

TroupeDocument *
troupe_window_get_document (TroupeWindow *self)
{
  g_return_val_if_fail (TROUPE_IS_WINDOW (self), NULL);

  return self->document;
}

TroupeCanvas *
troupe_window_get_canvas (TroupeWindow *self)
{
  g_return_val_if_fail (TROUPE_IS_WINDOW (self), NULL);

  return self->canvas;
}

gboolean
troupe_window_open_file (TroupeWindow *self,
                         GFile        *file)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (TROUPE_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (!troupe_document_load (self->document, file, &error))
    {
      show_error (self, error);
      return FALSE;
    }

  update_title (self);
  remember_file (self);
  adw_view_stack_set_visible_child_name (self->stack, "editor");
  return TRUE;
}

gboolean
troupe_window_is_blank (TroupeWindow *self)
{
  g_return_val_if_fail (TROUPE_IS_WINDOW (self), FALSE);

  return troupe_document_get_file (self->document) == NULL &&
         !troupe_document_get_dirty (self->document) &&
         troupe_workflow_get_n_steps (troupe_document_get_workflow (self->document)) == 0;
}

void
troupe_window_add_toast (TroupeWindow *self,
                         const char   *message)
{
  AdwToast *toast;

  g_return_if_fail (TROUPE_IS_WINDOW (self));
  g_return_if_fail (message != NULL);

  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 8);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

GtkListBox *
troupe_window_get_problems_list (TroupeWindow *self)
{
  g_return_val_if_fail (TROUPE_IS_WINDOW (self), NULL);

  return self->problems_list;
}

TroupeInspector *
troupe_window_get_inspector (TroupeWindow *self)
{
  g_return_val_if_fail (TROUPE_IS_WINDOW (self), NULL);

  return self->inspector;
}
