/* troupe-export-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "troupe-app-resources.h"
#include "troupe-export-dialog.h"
#include "troupe-window.h"

/* A text preview longer than this shows its beginning only: a text view
 * lays out all of its text, and the export of a 10,000-step workflow is
 * megabytes long. The file gets everything. */
#define PREVIEW_MAX_BYTES (256 * 1024)

/* An image preview is shrunk to fit this many pixels a side: graphviz
 * draws a big graph many thousands of pixels long, and scaling such a
 * texture down on every frame would make the dialog crawl. */
#define PREVIEW_MAX_SIDE 2048

typedef struct
{
  TroupeFileFormat  format;
  const char       *label;
  const char       *extension;
  const char       *filter_name;
  const char       *description;
  guint             is_text : 1;
} ExportFormat;

/* In the order of the format list. */
static const ExportFormat export_formats[] = {
  { TROUPE_FILE_FORMAT_DOT, N_("DOT (Graphviz)"), "dot", N_("Graphviz files"),
    N_("For Graphviz and the tools that read it"), TRUE },
  { TROUPE_FILE_FORMAT_MERMAID, N_("Mermaid"), "mmd", N_("Mermaid flowcharts"),
    N_("A flowchart that GitHub, GitLab and many wikis draw in Markdown"), TRUE },
  { TROUPE_FILE_FORMAT_JSON, N_("JSON"), "json", N_("JSON workflows"),
    N_("The workflow file as JSON; Troupe opens it"), TRUE },
  { TROUPE_FILE_FORMAT_YAML, N_("YAML"), "yaml", N_("YAML workflows"),
    N_("The workflow file as YAML; Troupe opens it"), TRUE },
  { TROUPE_FILE_FORMAT_SVG, N_("SVG Image"), "svg", N_("SVG images"),
    N_("A drawing that scales, laid out by Graphviz"), FALSE },
  { TROUPE_FILE_FORMAT_PNG, N_("PNG Image"), "png", N_("PNG images"),
    N_("A picture, laid out by Graphviz"), FALSE },
};

struct _TroupeExportDialog
{
  AdwWindow          parent_instance;

  /* template widgets */
  AdwWindowTitle    *window_title;
  AdwComboRow       *format_row;
  GtkStack          *preview_stack;
  GtkTextView       *preview_text;
  GtkPicture        *preview_picture;
  AdwStatusPage     *preview_status;
  GtkSpinner        *preview_spinner;
  GtkSpinner        *spinner;
  GtkRevealer       *error_revealer;
  GtkLabel          *error_label;

  /* owned */
  TroupeDocument    *document;
  /* The document's workflow, followed so that the preview stays true. */
  TroupeWorkflow    *workflow;
  GCancellable      *preview_cancellable;
  GCancellable      *export_cancellable;
  /* What the preview shows, rendered in preview_format. */
  GBytes            *preview;
  GtkNativeDialog   *file_chooser;
  char              *error_message;

  TroupeFileFormat   format;
  TroupeFileFormat   preview_format;

  guint              previewing : 1;
  guint              exporting : 1;
  guint              busy : 1;
};

G_DEFINE_FINAL_TYPE (TroupeExportDialog, troupe_export_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_DOCUMENT,
  PROP_FORMAT,
  PROP_BUSY,
  N_PROPS,
};

enum {
  EXPORTED,
  N_SIGNALS,
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The work a thread does: render the copy of the workflow in @format, or
 * take @bytes already rendered, and write them to @path when it is set;
 * for an image preview, decode it into @texture. It holds no object of
 * the model: the model is not thread-safe, so the thread builds its own
 * workflow from the document tree.
 *
 * The tasks have no source object and get the dialog as their callback's
 * data instead, which the callback releases: the thread may drop the last
 * reference to a task, and a task's source object would then be released
 * on that thread, possibly disposing the dialog there. For the same
 * reason the callback takes @texture out of the job. */
typedef struct
{
  TroupeNode       *root;
  char             *filename;
  GBytes           *bytes;
  char             *path;
  GdkTexture       *texture;
  GFile            *file;
  TroupeFileFormat  format;
  guint             decode : 1;
} Job;

static void
job_free (Job *job)
{
  g_clear_pointer (&job->root, troupe_node_free);
  g_clear_pointer (&job->bytes, g_bytes_unref);
  g_clear_object (&job->texture);
  g_clear_object (&job->file);
  g_free (job->filename);
  g_free (job->path);
  g_free (job);
}

/* @texture shrunk by a whole factor, each pixel the mean of a square of
 * the original's, to fit PREVIEW_MAX_SIDE; the texture itself when it
 * fits. */
static GdkTexture *
shrink_texture (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  int factor = (MAX (width, height) + PREVIEW_MAX_SIDE - 1) / PREVIEW_MAX_SIDE;
  int small_width, small_height;
  gsize stride, small_stride;
  g_autofree guchar *pixels = NULL;
  guchar *small;

  if (factor <= 1)
    return g_object_ref (texture);

  small_width = MAX (1, width / factor);
  small_height = MAX (1, height / factor);
  stride = (gsize) width * 4;
  small_stride = (gsize) small_width * 4;
  pixels = g_malloc (stride * height);
  small = g_malloc (small_stride * small_height);

  /* Premultiplied, so averaging each channel is right. */
  gdk_texture_download (texture, pixels, stride);
  for (int y = 0; y < small_height; y++)
    for (int x = 0; x < small_width; x++)
      for (int c = 0; c < 4; c++)
        {
          guint sum = 0;

          for (int dy = 0; dy < factor; dy++)
            for (int dx = 0; dx < factor; dx++)
              sum += pixels[(gsize) (y * factor + dy) * stride + (gsize) (x * factor + dx) * 4 + c];
          small[(gsize) y * small_stride + (gsize) x * 4 + c] = (guchar) (sum / (guint) (factor * factor));
        }

  {
    g_autoptr(GBytes) bytes = g_bytes_new_take (small, small_stride * small_height);

    return gdk_memory_texture_new (small_width, small_height, GDK_MEMORY_DEFAULT, bytes, small_stride);
  }
}

static void
job_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  /* A preview replaced before its turn came is not drawn at all: the
   * renderings take turns on graphviz's lock. */
  if (g_task_return_error_if_cancelled (task))
    return;

  if (job->bytes != NULL)
    bytes = g_bytes_ref (job->bytes);
  else
    {
      g_autoptr(TroupeWorkflow) copy = troupe_workflow_build (job->root, job->filename);

      bytes = troupe_workflow_export (copy, job->format, &error);
      if (bytes == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  /* Past this point the file changes: not once the user has gone. */
  if (g_task_return_error_if_cancelled (task))
    return;

  if (job->path != NULL)
    {
      gsize length;
      const char *data = g_bytes_get_data (bytes, &length);

      if (!troupe_write_file_atomically (job->path, data, length, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  /* Decoding a big PNG takes long enough to be felt, so not on the main
   * thread either. */
  if (job->decode)
    {
      g_autoptr(GdkTexture) texture = gdk_texture_new_from_bytes (bytes, &error);

      if (texture == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      job->texture = shrink_texture (texture);
    }

  g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
}

static const ExportFormat *
lookup_format (TroupeFileFormat format)
{
  for (guint i = 0; i < G_N_ELEMENTS (export_formats); i++)
    if (export_formats[i].format == format)
      return &export_formats[i];

  return NULL;
}

static guint
format_index (TroupeFileFormat format)
{
  const ExportFormat *row = lookup_format (format);

  g_assert (row != NULL);
  return (guint) (row - export_formats);
}

/* A copy of the workflow as a document tree, which a thread may build its
 * own workflow from. */
static Job *
job_new (TroupeExportDialog *self,
         TroupeFileFormat    format)
{
  Job *job = g_new0 (Job, 1);

  job->root = troupe_workflow_serialize (self->workflow);
  job->filename = g_strdup (troupe_workflow_get_file (self->workflow));
  job->format = format;
  return job;
}

static void
update_busy (TroupeExportDialog *self)
{
  gboolean busy = self->previewing || self->exporting;

  gtk_spinner_set_spinning (self->spinner, self->exporting);
  gtk_spinner_set_spinning (self->preview_spinner, self->previewing);
  gtk_widget_set_sensitive (GTK_WIDGET (self->format_row), !self->exporting);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "export.choose-file",
                                 !self->exporting && self->file_chooser == NULL);

  if (busy != self->busy)
    {
      self->busy = busy;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
    }
}

static void
show_error (TroupeExportDialog *self,
            const char         *message)
{
  g_free (self->error_message);
  self->error_message = g_strdup (message);
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

static void
show_text_preview (TroupeExportDialog *self,
                   GBytes             *bytes)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->preview_text);
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);
  const char *end;

  /* Cut at a character, never inside one. */
  g_utf8_validate (data, (gssize) MIN (length, PREVIEW_MAX_BYTES), &end);
  gtk_text_buffer_set_text (buffer, data, (int) (end - data));
  if ((gsize) (end - data) < length)
    {
      GtkTextIter iter;

      gtk_text_buffer_get_end_iter (buffer, &iter);
      gtk_text_buffer_insert (buffer, &iter, _("\n…\n(The preview shows the beginning; the file gets everything.)\n"), -1);
    }
  gtk_stack_set_visible_child_name (self->preview_stack, "text");
}

static void
preview_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(TroupeExportDialog) self = user_data;
  Job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GdkTexture) texture = g_steal_pointer (&job->texture);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bytes = g_task_propagate_pointer (G_TASK (result), &error);

  /* A newer preview replaced this one, or the dialog is gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->previewing = FALSE;
  g_clear_object (&self->preview_cancellable);

  if (bytes == NULL)
    {
      adw_status_page_set_description (self->preview_status, error->message);
      gtk_stack_set_visible_child_name (self->preview_stack, "error");
    }
  else if (lookup_format (self->preview_format)->is_text)
    {
      self->preview = g_steal_pointer (&bytes);
      show_text_preview (self, self->preview);
    }
  else
    {
      self->preview = g_steal_pointer (&bytes);
      gtk_picture_set_paintable (self->preview_picture, GDK_PAINTABLE (texture));
      gtk_stack_set_visible_child_name (self->preview_stack, "image");
    }

  update_busy (self);
}

static void
update_preview (TroupeExportDialog *self)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_cancellable_cancel (self->preview_cancellable);
  g_clear_object (&self->preview_cancellable);
  g_clear_pointer (&self->preview, g_bytes_unref);
  self->previewing = FALSE;

  if (self->workflow == NULL)
    {
      update_busy (self);
      return;
    }

  /* SVG is previewed as the PNG graphviz draws of the same layout: GTK
   * 4.8 shows SVG only through a loader that may not be installed. */
  self->preview_format = self->format == TROUPE_FILE_FORMAT_SVG ? TROUPE_FILE_FORMAT_PNG : self->format;
  self->previewing = TRUE;
  self->preview_cancellable = g_cancellable_new ();
  gtk_stack_set_visible_child_name (self->preview_stack, "busy");

  job = job_new (self, self->preview_format);
  job->decode = !lookup_format (self->preview_format)->is_text;
  task = g_task_new (NULL, self->preview_cancellable, preview_cb, g_object_ref (self));
  g_task_set_source_tag (task, update_preview);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, job_thread);

  update_busy (self);
}

static void
workflow_changed_cb (TroupeExportDialog *self)
{
  update_preview (self);
}

static void
set_workflow (TroupeExportDialog *self,
              TroupeWorkflow     *workflow)
{
  if (self->workflow == workflow)
    return;

  if (self->workflow != NULL)
    g_signal_handlers_disconnect_by_data (self->workflow, self);
  g_set_object (&self->workflow, workflow);
  if (self->workflow != NULL)
    g_signal_connect_swapped (self->workflow, "changed", G_CALLBACK (workflow_changed_cb), self);
}

static void
document_workflow_cb (TroupeExportDialog *self)
{
  set_workflow (self, troupe_document_get_workflow (self->document));
  update_preview (self);
}

static void
update_title (TroupeExportDialog *self)
{
  g_autofree char *title = troupe_document_dup_title (self->document);

  adw_window_title_set_subtitle (self->window_title, title);
}

static void
export_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TroupeExportDialog) self = user_data;
  Job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GFile) file = g_steal_pointer (&job->file);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *message = NULL;
  GtkWindow *parent;

  bytes = g_task_propagate_pointer (G_TASK (result), &error);

  /* The dialog was closed: nothing to report to. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->exporting = FALSE;
  g_clear_object (&self->export_cancellable);
  update_busy (self);

  if (bytes == NULL)
    {
      /* The dialog stays, with its choices, so the user can pick another
       * place or format. */
      show_error (self, error->message);
      return;
    }

  g_signal_emit (self, signals[EXPORTED], 0, file);

  name = g_file_get_basename (file);
  message = g_strdup_printf (_("Exported to %s"), name);
  parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  if (TROUPE_IS_WINDOW (parent))
    troupe_window_add_toast (TROUPE_WINDOW (parent), message);

  gtk_window_destroy (GTK_WINDOW (self));
}

static void
file_chooser_response_cb (TroupeExportDialog   *self,
                          int                   response,
                          GtkFileChooserNative *native)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));

  g_clear_object (&self->file_chooser);
  update_busy (self);

  if (file != NULL)
    troupe_export_dialog_export_to_file (self, file);
}

static void
choose_file_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  TroupeExportDialog *self = TROUPE_EXPORT_DIALOG (widget);
  const ExportFormat *format = lookup_format (self->format);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *name = troupe_export_dialog_dup_suggested_name (self);
  GFile *file = troupe_document_get_file (self->document);
  GtkFileChooserNative *native;

  if (self->file_chooser != NULL || self->exporting)
    return;

  native = gtk_file_chooser_native_new (_("Export Workflow"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _(format->filter_name));
  gtk_file_filter_add_suffix (filter, format->extension);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);

  /* Beside the workflow, where its other files are. */
  if (file != NULL)
    {
      g_autoptr(GFile) folder = g_file_get_parent (file);

      if (folder != NULL)
        gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (native), folder, NULL);
    }
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect_swapped (native, "response", G_CALLBACK (file_chooser_response_cb), self);
  self->file_chooser = GTK_NATIVE_DIALOG (native);
  update_busy (self);
  gtk_native_dialog_show (self->file_chooser);
}

static void
format_selected_cb (TroupeExportDialog *self)
{
  guint i = adw_combo_row_get_selected (self->format_row);

  if (i < G_N_ELEMENTS (export_formats))
    troupe_export_dialog_set_format (self, export_formats[i].format);
}

static void
troupe_export_dialog_dispose (GObject *object)
{
  TroupeExportDialog *self = (TroupeExportDialog *)object;

  /* Work in flight finishes on its thread; its result is dropped. */
  g_cancellable_cancel (self->preview_cancellable);
  g_cancellable_cancel (self->export_cancellable);
  g_clear_object (&self->preview_cancellable);
  g_clear_object (&self->export_cancellable);

  if (self->file_chooser != NULL)
    gtk_native_dialog_destroy (self->file_chooser);
  g_clear_object (&self->file_chooser);

  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  set_workflow (self, NULL);

  gtk_widget_dispose_template (GTK_WIDGET (self), TROUPE_TYPE_EXPORT_DIALOG);

  g_clear_object (&self->document);
  g_clear_pointer (&self->preview, g_bytes_unref);

  G_OBJECT_CLASS (troupe_export_dialog_parent_class)->dispose (object);
}

static void
troupe_export_dialog_finalize (GObject *object)
{
  TroupeExportDialog *self = (TroupeExportDialog *)object;

  g_free (self->error_message);

  G_OBJECT_CLASS (troupe_export_dialog_parent_class)->finalize (object);
}

static void
troupe_export_dialog_constructed (GObject *object)
{
  TroupeExportDialog *self = (TroupeExportDialog *)object;

  G_OBJECT_CLASS (troupe_export_dialog_parent_class)->constructed (object);

  g_assert (TROUPE_IS_DOCUMENT (self->document));

  g_signal_connect_swapped (self->document, "notify::workflow", G_CALLBACK (document_workflow_cb), self);
  g_signal_connect_swapped (self->document, "notify::file", G_CALLBACK (update_title), self);
  set_workflow (self, troupe_document_get_workflow (self->document));
  update_title (self);
  update_preview (self);
}

static void
troupe_export_dialog_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TroupeExportDialog *self = TROUPE_EXPORT_DIALOG (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, self->document);
      break;
    case PROP_FORMAT:
      g_value_set_enum (value, self->format);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_export_dialog_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  TroupeExportDialog *self = TROUPE_EXPORT_DIALOG (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      self->document = g_value_dup_object (value);
      break;
    case PROP_FORMAT:
      troupe_export_dialog_set_format (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_export_dialog_class_init (TroupeExportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = troupe_export_dialog_dispose;
  object_class->finalize = troupe_export_dialog_finalize;
  object_class->constructed = troupe_export_dialog_constructed;
  object_class->get_property = troupe_export_dialog_get_property;
  object_class->set_property = troupe_export_dialog_set_property;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, TROUPE_TYPE_DOCUMENT,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_FORMAT] =
    g_param_spec_enum ("format", NULL, NULL, TROUPE_TYPE_FILE_FORMAT, TROUPE_FILE_FORMAT_DOT,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* An export was written to the file; the dialog closes next. */
  signals[EXPORTED] =
    g_signal_new ("exported", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_FILE);

  troupe_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/troupe/Troupe/ui/troupe-export-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TroupeExportDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, TroupeExportDialog, format_row);
  gtk_widget_class_bind_template_child (widget_class, TroupeExportDialog, preview_stack);
  gtk_widget_class_bind_template_child (widget_class, TroupeExportDialog, preview_text);
  gtk_widget_class_bind_template_child (widget_class, TroupeExportDialog, preview_picture);
  gtk_widget_class_bind_template_child (widget_class, TroupeExportDialog, preview_status);
  gtk_widget_class_bind_template_child (widget_class, TroupeExportDialog, preview_spinner);
  gtk_widget_class_bind_template_child (widget_class, TroupeExportDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, TroupeExportDialog, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, TroupeExportDialog, error_label);

  gtk_widget_class_install_action (widget_class, "export.choose-file", NULL, choose_file_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
troupe_export_dialog_init (TroupeExportDialog *self)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < G_N_ELEMENTS (export_formats); i++)
    gtk_string_list_append (labels, _(export_formats[i].label));
  adw_combo_row_set_model (self->format_row, G_LIST_MODEL (labels));

  self->format = TROUPE_FILE_FORMAT_DOT;
  adw_combo_row_set_selected (self->format_row, format_index (self->format));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->format_row), _(lookup_format (self->format)->description));
  g_signal_connect_swapped (self->format_row, "notify::selected", G_CALLBACK (format_selected_cb), self);
}

TroupeExportDialog *
troupe_export_dialog_new (GtkWindow      *parent,
                          TroupeDocument *document)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (TROUPE_IS_DOCUMENT (document), NULL);

  return g_object_new (TROUPE_TYPE_EXPORT_DIALOG,
                       "transient-for", parent,
                       "document", document,
                       NULL);
}

TroupeDocument *
troupe_export_dialog_get_document (TroupeExportDialog *self)
{
  g_return_val_if_fail (TROUPE_IS_EXPORT_DIALOG (self), NULL);

  return self->document;
}

TroupeFileFormat
troupe_export_dialog_get_format (TroupeExportDialog *self)
{
  g_return_val_if_fail (TROUPE_IS_EXPORT_DIALOG (self), TROUPE_FILE_FORMAT_DOT);

  return self->format;
}

void
troupe_export_dialog_set_format (TroupeExportDialog *self,
                                 TroupeFileFormat    format)
{
  const ExportFormat *row;

  g_return_if_fail (TROUPE_IS_EXPORT_DIALOG (self));
  g_return_if_fail (lookup_format (format) != NULL);

  if (format == self->format)
    return;

  row = lookup_format (format);
  self->format = format;
  adw_combo_row_set_selected (self->format_row, format_index (format));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->format_row), _(row->description));
  /* The message was about the other format. */
  show_error (self, NULL);
  update_preview (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FORMAT]);
}

gboolean
troupe_export_dialog_get_busy (TroupeExportDialog *self)
{
  g_return_val_if_fail (TROUPE_IS_EXPORT_DIALOG (self), FALSE);

  return self->busy;
}

GBytes *
troupe_export_dialog_get_preview (TroupeExportDialog *self)
{
  g_return_val_if_fail (TROUPE_IS_EXPORT_DIALOG (self), NULL);

  return self->preview;
}

const char *
troupe_export_dialog_get_error (TroupeExportDialog *self)
{
  g_return_val_if_fail (TROUPE_IS_EXPORT_DIALOG (self), NULL);

  return self->error_message;
}

char *
troupe_export_dialog_dup_suggested_name (TroupeExportDialog *self)
{
  GFile *file;
  g_autofree char *basename = NULL;
  char *dot;

  g_return_val_if_fail (TROUPE_IS_EXPORT_DIALOG (self), NULL);

  file = troupe_document_get_file (self->document);
  basename = file != NULL ? g_file_get_basename (file) : g_strdup ("workflow");
  dot = strrchr (basename, '.');
  if (dot != NULL && dot != basename)
    *dot = '\0';

  return g_strconcat (basename, ".", lookup_format (self->format)->extension, NULL);
}

void
troupe_export_dialog_export_to_file (TroupeExportDialog *self,
                                     GFile              *file)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;
  Job *job;

  g_return_if_fail (TROUPE_IS_EXPORT_DIALOG (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->exporting || self->workflow == NULL)
    return;

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);
      g_autofree char *message = g_strdup_printf (_("Cannot export to %s: choose a folder on this computer"), uri);

      show_error (self, message);
      return;
    }

  show_error (self, NULL);

  /* What the preview shows is the export itself when it is in the same
   * format (SVG is previewed as PNG): it is written as it is rather than
   * rendered again. */
  if (self->preview != NULL && self->preview_format == self->format)
    {
      job = g_new0 (Job, 1);
      job->bytes = g_bytes_ref (self->preview);
      job->format = self->format;
    }
  else
    job = job_new (self, self->format);
  job->path = g_steal_pointer (&path);
  job->file = g_object_ref (file);

  self->exporting = TRUE;
  self->export_cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->export_cancellable, export_cb, g_object_ref (self));
  g_task_set_source_tag (task, troupe_export_dialog_export_to_file);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, job_thread);

  update_busy (self);
}
