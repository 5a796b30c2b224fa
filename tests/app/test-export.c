/* test-export.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "troupe-export-dialog.h"
#include "troupe-app-test-util.h"

/* This file builds two programs. test-app-export-chooser runs only the
 * tests that open the file chooser: GTK's fallback chooser registers so
 * many types that GLib's quark table outgrows its first block, which
 * GLib then leaks on purpose (gquark.c: the old array stays for lockless
 * readers). A GLib constructor allocated that block, and ASan's fast
 * unwinder sees no frame above g_malloc there, so no suppression can tell
 * it from a real leak. That program alone records full stacks, ten times
 * slower, and ignores what library constructors allocate. */
#ifdef TEST_FILE_CHOOSER
static const gboolean file_chooser_program = TRUE;

const char *__asan_default_options (void);
const char *__lsan_default_suppressions (void);

const char *
__asan_default_options (void)
{
  return "fast_unwind_on_malloc=0";
}

const char *
__lsan_default_suppressions (void)
{
  return "leak:_dl_init\n";
}
#else
static const gboolean file_chooser_program = FALSE;
#endif

/* The first GtkLabel under @widget that shows @text, or NULL. */
static GtkWidget *
find_label (GtkWidget  *widget,
            const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_idle_cb (gpointer data)
{
  return !troupe_export_dialog_get_busy (data);
}

/* Runs the main loop until the dialog's preview or export is done. */
static void
wait_until_idle (TroupeExportDialog *dialog)
{
  troupe_app_test_wait_until (is_idle_cb, dialog, 60);
  g_assert_false (troupe_export_dialog_get_busy (dialog));
}

static gboolean
is_null_cb (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Drops the test's reference to @dialog, which must be closed, and waits
 * until it is finalized: work still running on a thread holds it until
 * its result comes back. */
static void
wait_for_finalize (TroupeExportDialog *dialog)
{
  gpointer weak = dialog;

  g_object_add_weak_pointer (G_OBJECT (dialog), &weak);
  g_object_unref (dialog);
  troupe_app_test_wait_until (is_null_cb, &weak, 60);
  g_assert_null (weak);
}

static TroupeExportDialog *
new_dialog (TroupeWindow *window)
{
  TroupeExportDialog *dialog = troupe_export_dialog_new (GTK_WINDOW (window),
                                                         troupe_window_get_document (window));

  g_object_ref_sink (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

static GBytes *
engine_export (TroupeWindow     *window,
               TroupeFileFormat  format)
{
  TroupeWorkflow *workflow = troupe_document_get_workflow (troupe_window_get_document (window));
  g_autoptr(GError) error = NULL;
  GBytes *bytes = troupe_workflow_export (workflow, format, &error);

  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  return bytes;
}

static GBytes *
read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &data, &length, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (data, length);
}

static void
assert_bytes_equal (GBytes *a,
                    GBytes *b)
{
  gsize la, lb;
  const guchar *da = g_bytes_get_data (a, &la);
  const guchar *db = g_bytes_get_data (b, &lb);

  g_assert_cmpmem (da, la, db, lb);
}

static gboolean
is_png (GBytes *bytes)
{
  gsize length;
  const guchar *data = g_bytes_get_data (bytes, &length);

  return length > 8 && memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The names in @dir, sorted, joined by spaces. */
static char *
list_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

/* The template builds (it uses nothing newer than GTK 4.8 and libadwaita
 * 1.2), the first preview is the engine's DOT, and the suggested name is
 * the workflow's with the format's extension. */
static void
test_dialog (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeExportDialog *dialog = new_dialog (window);
  g_autoptr(GBytes) dot = engine_export (window, TROUPE_FILE_FORMAT_DOT);
  g_autofree char *name = NULL;
  guint notified = 0;

  g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
  g_assert_true (troupe_export_dialog_get_document (dialog) == troupe_window_get_document (window));
  g_assert_cmpint (troupe_export_dialog_get_format (dialog), ==, TROUPE_FILE_FORMAT_DOT);

  /* The preview renders on a thread: busy until it is there. */
  g_assert_true (troupe_export_dialog_get_busy (dialog));
  wait_until_idle (dialog);
  g_assert_nonnull (troupe_export_dialog_get_preview (dialog));
  assert_bytes_equal (troupe_export_dialog_get_preview (dialog), dot);
  g_assert_null (troupe_export_dialog_get_error (dialog));

  name = troupe_export_dialog_dup_suggested_name (dialog);
  g_assert_cmpstr (name, ==, "architect-engineer-qa.dot");
  g_clear_pointer (&name, g_free);

  /* The format is a property that notifies only on change. */
  g_signal_connect_swapped (dialog, "notify::format", G_CALLBACK (troupe_app_test_count_cb), &notified);
  troupe_export_dialog_set_format (dialog, TROUPE_FILE_FORMAT_MERMAID);
  troupe_export_dialog_set_format (dialog, TROUPE_FILE_FORMAT_MERMAID);
  g_assert_cmpuint (notified, ==, 1);
  name = troupe_export_dialog_dup_suggested_name (dialog);
  g_assert_cmpstr (name, ==, "architect-engineer-qa.mmd");
  wait_until_idle (dialog);

  /* An edit shows in the preview. */
  g_assert_true (troupe_document_rename_step (troupe_window_get_document (window), "review", "qa-review", NULL));
  wait_until_idle (dialog);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (troupe_export_dialog_get_preview (dialog), NULL),
                                  g_bytes_get_size (troupe_export_dialog_get_preview (dialog)),
                                  "qa-review"));

  gtk_window_destroy (GTK_WINDOW (dialog));
  wait_for_finalize (dialog);
  troupe_app_test_close_window (GTK_WINDOW (window));
}

/* A text export too long to show shows its beginning, cut between two
 * characters, and says so; the bytes behind it are all there. */
static void
test_long_preview (void)
{
  g_autofree char *tmpdir = troupe_app_test_make_tmp_dir ("troupe-export-XXXXXX");
  g_autofree char *path = g_build_filename (tmpdir, "long.yaml", NULL);
  g_autoptr(GString) yaml = g_string_new ("troupe: 1\nsteps:\n");
  TroupeWindow *window;
  TroupeExportDialog *dialog;
  g_autoptr(GBytes) expected = NULL;
  GtkWidget *view;
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  g_autofree char *shown = NULL;

  /* Two-byte characters where the preview is cut (checked below), with
   * an odd number of bytes before them so that the cut falls inside one. */
  for (guint i = 0; i < 4; i++)
    {
      g_string_append_printf (yaml, "  s%u:\n    command: [echo]\n    description: \"", i);
      for (guint j = 0; j < 50000; j++)
        g_string_append (yaml, i % 2 == 0 ? "é" : "ab");
      g_string_append (yaml, i % 2 == 0 ? "\"\n" : "c\"\n");
    }
  /* Positions, so that opening it needs no layout. */
  g_string_append (yaml, "layout:\n  positions:\n");
  for (guint i = 0; i < 4; i++)
    g_string_append_printf (yaml, "    s%u: [0, %u]\n", i, i * 100);
  g_assert_true (g_file_set_contents (path, yaml->str, (gssize) yaml->len, NULL));

  window = troupe_app_test_open_window (path);
  dialog = new_dialog (window);
  expected = engine_export (window, TROUPE_FILE_FORMAT_JSON);
  g_assert_cmpuint (g_bytes_get_size (expected), >, 256 * 1024);
  /* A UTF-8 continuation byte: a cut at 256 KiB would split "é". */
  g_assert_cmphex (((const guchar *) g_bytes_get_data (expected, NULL))[256 * 1024] & 0xc0, ==, 0x80);
  troupe_export_dialog_set_format (dialog, TROUPE_FILE_FORMAT_JSON);
  wait_until_idle (dialog);
  assert_bytes_equal (troupe_export_dialog_get_preview (dialog), expected);

  view = troupe_app_test_find_descendant (GTK_WIDGET (dialog), GTK_TYPE_TEXT_VIEW);
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  shown = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_assert_true (g_utf8_validate (shown, -1, NULL));
  g_assert_cmpuint (strlen (shown), <, g_bytes_get_size (expected));
  g_assert_cmpuint (strlen (shown), >, 256 * 1024 - 2);
  g_assert_true (g_str_has_suffix (shown, "the file gets everything.)\n"));
  g_assert_true (memcmp (shown, g_bytes_get_data (expected, NULL), 1024) == 0);

  gtk_window_destroy (GTK_WINDOW (dialog));
  wait_for_finalize (dialog);
  troupe_app_test_close_window (GTK_WINDOW (window));
  troupe_app_test_remove_tree (tmpdir);
}

static void
test_untitled_name (void)
{
  TroupeWindow *window = troupe_window_new (NULL);
  TroupeExportDialog *dialog;
  g_autofree char *name = NULL;

  g_object_ref_sink (window);
  dialog = new_dialog (window);
  troupe_export_dialog_set_format (dialog, TROUPE_FILE_FORMAT_PNG);
  name = troupe_export_dialog_dup_suggested_name (dialog);
  g_assert_cmpstr (name, ==, "workflow.png");
  wait_until_idle (dialog);

  gtk_window_destroy (GTK_WINDOW (dialog));
  wait_for_finalize (dialog);
  troupe_app_test_close_window (GTK_WINDOW (window));
}

/* Each format writes exactly the engine's bytes; a dialog that exports
 * closes. */
static void
test_formats (void)
{
  static const struct {
    TroupeFileFormat format;
    const char *name;
    gboolean wait_for_preview;
  } cases[] = {
    { TROUPE_FILE_FORMAT_DOT, "out.dot", TRUE },
    { TROUPE_FILE_FORMAT_MERMAID, "out.mmd", TRUE },
    { TROUPE_FILE_FORMAT_JSON, "out.json", TRUE },
    { TROUPE_FILE_FORMAT_YAML, "out.yaml", FALSE },
    { TROUPE_FILE_FORMAT_SVG, "out.svg", TRUE },
    { TROUPE_FILE_FORMAT_PNG, "out.png", TRUE },
    { TROUPE_FILE_FORMAT_PNG, "again.png", FALSE },
  };
  TroupeWindow *window = troupe_app_test_open_example ();
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = troupe_app_test_make_tmp_dir ("troupe-export-XXXXXX");
  g_autofree char *listing = NULL;

  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TroupeExportDialog *dialog = new_dialog (window);
      g_autoptr(GBytes) expected = engine_export (window, cases[i].format);
      g_autoptr(GBytes) written = NULL;
      g_autofree char *path = g_build_filename (tmpdir, cases[i].name, NULL);
      g_autoptr(GFile) file = g_file_new_for_path (path);
      guint exported = 0;

      g_test_message ("exporting %s", cases[i].name);
      troupe_export_dialog_set_format (dialog, cases[i].format);

      if (cases[i].wait_for_preview)
        {
          GBytes *preview;

          wait_until_idle (dialog);
          preview = troupe_export_dialog_get_preview (dialog);
          g_assert_nonnull (preview);
          /* Text formats preview the export itself; images as the PNG. */
          if (cases[i].format == TROUPE_FILE_FORMAT_SVG)
            g_assert_true (is_png (preview));
          else
            assert_bytes_equal (preview, expected);
        }

      /* Exporting while the preview may still render is fine too. */
      g_signal_connect_swapped (dialog, "exported", G_CALLBACK (troupe_app_test_count_cb), &exported);
      troupe_export_dialog_export_to_file (dialog, file);
      g_assert_true (troupe_export_dialog_get_busy (dialog));
      wait_until_idle (dialog);
      g_assert_cmpuint (exported, ==, 1);
      g_assert_null (troupe_export_dialog_get_error (dialog));

      written = read_bytes (path);
      assert_bytes_equal (written, expected);
      if (cases[i].format == TROUPE_FILE_FORMAT_PNG)
        g_assert_true (is_png (written));

      /* Done: the main window says so (the first time: the later toasts
       * wait in line behind it), and the dialog closed itself. */
      if (i == 0)
        g_assert_nonnull (find_label (GTK_WIDGET (window), "Exported to out.dot"));
      g_assert_false (gtk_widget_get_visible (GTK_WIDGET (dialog)));
      wait_for_finalize (dialog);
    }

  /* Written atomically: no temporary file is left beside the exports. */
  listing = list_dir (tmpdir);
  g_assert_cmpstr (listing, ==, "again.png out.dot out.json out.mmd out.png out.svg out.yaml");

  troupe_app_test_remove_tree (tmpdir);
  troupe_app_test_close_window (GTK_WINDOW (window));
}

/* A write that fails shows the engine's message in the dialog, which stays
 * open with its choices; what was on disk is untouched, the document too,
 * and the next try can succeed. */
static void
test_write_fails (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeDocument *document = troupe_window_get_document (window);
  TroupeExportDialog *dialog = new_dialog (window);
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = troupe_app_test_make_tmp_dir ("troupe-export-XXXXXX");
  g_autofree char *folder = g_build_filename (tmpdir, "taken", NULL);
  g_autofree char *inside = g_build_filename (folder, "keep.txt", NULL);
  g_autofree char *plain = g_build_filename (tmpdir, "plain.txt", NULL);
  g_autofree char *under_plain = g_build_filename (plain, "out.svg", NULL);
  g_autofree char *good = g_build_filename (tmpdir, "good.svg", NULL);
  g_autofree char *content = NULL;
  g_autofree char *listing = NULL;
  g_autoptr(GFile) folder_file = g_file_new_for_path (folder);
  g_autoptr(GFile) under_plain_file = g_file_new_for_path (under_plain);
  g_autoptr(GFile) good_file = g_file_new_for_path (good);
  g_autoptr(GBytes) expected = NULL;
  g_autoptr(GBytes) written = NULL;
  guint exported = 0;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  g_assert_true (g_file_set_contents (inside, "keep me", -1, NULL));
  g_assert_true (g_file_set_contents (plain, "plain", -1, NULL));
  g_signal_connect_swapped (dialog, "exported", G_CALLBACK (troupe_app_test_count_cb), &exported);
  troupe_export_dialog_set_format (dialog, TROUPE_FILE_FORMAT_SVG);
  wait_until_idle (dialog);

  /* A folder where the file would go: renaming over it fails, and the
   * folder keeps what it holds. */
  troupe_export_dialog_export_to_file (dialog, folder_file);
  wait_until_idle (dialog);
  g_assert_cmpuint (exported, ==, 0);
  g_assert_nonnull (troupe_export_dialog_get_error (dialog));
  g_assert_nonnull (strstr (troupe_export_dialog_get_error (dialog), folder));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_cmpint (troupe_export_dialog_get_format (dialog), ==, TROUPE_FILE_FORMAT_SVG);
  g_assert_true (g_file_get_contents (inside, &content, NULL, NULL));
  g_assert_cmpstr (content, ==, "keep me");
  g_clear_pointer (&content, g_free);

  /* A "folder" that is a file: the folder does not exist. Unlike a
   * read-only folder, this fails for root as well. */
  troupe_export_dialog_export_to_file (dialog, under_plain_file);
  wait_until_idle (dialog);
  g_assert_cmpuint (exported, ==, 0);
  g_assert_nonnull (strstr (troupe_export_dialog_get_error (dialog), under_plain));
  g_assert_true (g_file_get_contents (plain, &content, NULL, NULL));
  g_assert_cmpstr (content, ==, "plain");

  /* Nothing was lost: no stray temporary file, the document unchanged. */
  listing = list_dir (tmpdir);
  g_assert_cmpstr (listing, ==, "plain.txt taken");
  g_clear_pointer (&listing, g_free);
  listing = list_dir (folder);
  g_assert_cmpstr (listing, ==, "keep.txt");
  g_assert_false (troupe_document_get_dirty (document));

  /* The next try, somewhere else, works and clears the message. */
  expected = engine_export (window, TROUPE_FILE_FORMAT_SVG);
  troupe_export_dialog_export_to_file (dialog, good_file);
  g_assert_null (troupe_export_dialog_get_error (dialog));
  wait_until_idle (dialog);
  g_assert_cmpuint (exported, ==, 1);
  written = read_bytes (good);
  assert_bytes_equal (written, expected);
  wait_for_finalize (dialog);

  troupe_app_test_remove_tree (tmpdir);
  troupe_app_test_close_window (GTK_WINDOW (window));
}

static gboolean
has_text_cb (gpointer data)
{
  char **text = data;

  return *text != NULL;
}

static void
read_text_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **text = user_data;
  g_autoptr(GError) error = NULL;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*text);
}

static char *
read_clipboard (GtkWidget *widget)
{
  char *text = NULL;

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL, read_text_cb, &text);
  troupe_app_test_wait_until (has_text_cb, &text, 10);
  g_assert_nonnull (text);
  return text;
}

static void
test_copy_mermaid (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeWorkflow *workflow = troupe_document_get_workflow (troupe_window_get_document (window));
  g_autofree char *expected = troupe_workflow_to_mermaid (workflow);
  g_autofree char *text = NULL;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (window)), "something else");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.copy-mermaid", NULL));
  text = read_clipboard (GTK_WIDGET (window));
  g_assert_cmpstr (text, ==, expected);
  g_assert_nonnull (find_label (GTK_WIDGET (window), "Copied as Mermaid"));
  g_assert_true (g_str_has_prefix (text, "flowchart TB\n"));

  troupe_app_test_close_window (GTK_WINDOW (window));
}

/* win.export opens the dialog, modal over the window, on its document. */
static void
test_export_action (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeExportDialog *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.export", NULL));
  dialog = TROUPE_EXPORT_DIALOG (troupe_app_test_find_toplevel (TROUPE_TYPE_EXPORT_DIALOG));
  g_assert_nonnull (dialog);
  g_object_ref (dialog);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));
  g_assert_true (troupe_export_dialog_get_document (dialog) == troupe_window_get_document (window));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));

  /* Escape closes it (window.close), even while the preview renders. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "window.close", NULL));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  wait_for_finalize (dialog);

  troupe_app_test_close_window (GTK_WINDOW (window));
}

typedef struct
{
  GtkWidget *chooser;
  GFile     *folder;
} ChooserWait;

static gboolean
chooser_ready_cb (gpointer data)
{
  ChooserWait *wait = data;

  if (!gtk_widget_get_mapped (wait->chooser))
    return FALSE;
  wait->folder = gtk_file_chooser_get_current_folder (GTK_FILE_CHOOSER (wait->chooser));
  return wait->folder != NULL;
}

/* Runs the main loop until @chooser is on screen and has read its
 * folder, as it is when a person answers it; returns the folder. */
static GFile *
wait_for_chooser (GtkWidget *chooser)
{
  ChooserWait wait = { chooser, NULL };

  troupe_app_test_wait_until (chooser_ready_cb, &wait, 10);
  g_assert_true (gtk_widget_get_mapped (chooser));
  g_assert_nonnull (wait.folder);
  return wait.folder;
}

/* Export… asks for a file, suggesting the workflow's name and folder, and
 * exports to the file chosen. With no portal (no session bus here), the
 * native chooser is GTK's own dialog, which the test answers. */
static void
test_file_chooser (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeExportDialog *dialog = new_dialog (window);
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = troupe_app_test_make_tmp_dir ("troupe-export-XXXXXX");
  g_autofree char *chosen = g_build_filename (tmpdir, "chosen.mmd", NULL);
  g_autofree char *examples = g_build_filename (g_getenv ("TROUPE_SOURCE_ROOT"), "examples", NULL);
  g_autofree char *name = NULL;
  g_autofree char *folder_path = NULL;
  g_autoptr(GFile) tmp_folder = g_file_new_for_path (tmpdir);
  g_autoptr(GFile) folder = NULL;
  g_autoptr(GBytes) expected = engine_export (window, TROUPE_FILE_FORMAT_MERMAID);
  g_autoptr(GBytes) written = NULL;
  GtkWidget *chooser;
  guint exported = 0;

  g_assert_no_error (error);
  troupe_export_dialog_set_format (dialog, TROUPE_FILE_FORMAT_MERMAID);
  wait_until_idle (dialog);
  g_signal_connect_swapped (dialog, "exported", G_CALLBACK (troupe_app_test_count_cb), &exported);

  g_assert_null (troupe_app_test_find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "export.choose-file", NULL));
  chooser = troupe_app_test_find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG);
  g_assert_nonnull (chooser);
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (chooser)));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (chooser)) == GTK_WINDOW (dialog));

  name = gtk_file_chooser_get_current_name (GTK_FILE_CHOOSER (chooser));
  g_assert_cmpstr (name, ==, "architect-engineer-qa.mmd");
  folder = wait_for_chooser (chooser);
  folder_path = g_file_get_path (folder);
  g_assert_cmpstr (folder_path, ==, examples);

  /* Somewhere else, under another name. */
  g_assert_true (gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), tmp_folder, NULL));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "chosen.mmd");
  /* The chooser checks the name in the background before it answers. */
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
  troupe_app_test_wait_for_count (&exported, 1, 30);
  g_assert_cmpuint (exported, ==, 1);
  written = read_bytes (chosen);
  assert_bytes_equal (written, expected);
  wait_for_finalize (dialog);

  troupe_app_test_remove_tree (tmpdir);
  troupe_app_test_close_window (GTK_WINDOW (window));
}

/* Cancelling the chooser writes nothing and leaves the dialog open. */
static void
test_file_chooser_cancel (void)
{
  TroupeWindow *window = troupe_app_test_open_example ();
  TroupeExportDialog *dialog = new_dialog (window);
  g_autoptr(GFile) folder = NULL;
  GtkWidget *chooser;
  guint exported = 0;

  wait_until_idle (dialog);
  g_signal_connect_swapped (dialog, "exported", G_CALLBACK (troupe_app_test_count_cb), &exported);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "export.choose-file", NULL));
  chooser = troupe_app_test_find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG);
  g_assert_nonnull (chooser);
  folder = wait_for_chooser (chooser);
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_CANCEL);
  g_assert_null (troupe_app_test_find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG));
  g_assert_false (troupe_export_dialog_get_busy (dialog));
  g_assert_cmpuint (exported, ==, 0);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));

  gtk_window_destroy (GTK_WINDOW (dialog));
  wait_for_finalize (dialog);
  troupe_app_test_close_window (GTK_WINDOW (window));
}

/* A workflow of @n steps in layers of 10, each step needing two of the
 * layer before: big enough that graphviz takes a while. */
static char *
write_big_workflow (const char *dir,
                    guint       n)
{
  g_autoptr(GString) yaml = g_string_new ("troupe: 1\nname: Big\nsteps:\n");
  char *path = g_build_filename (dir, "big.yaml", NULL);

  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (yaml, "  s%u:\n    command: [\"true\"]\n", i);
      if (i >= 10)
        g_string_append_printf (yaml, "    needs: [s%u, s%u]\n", i - 10, (i / 10 - 1) * 10 + (i + 3) % 10);
    }
  g_assert_true (g_file_set_contents (path, yaml->str, (gssize) yaml->len, NULL));
  return path;
}

typedef struct
{
  gint64 last;
  gint64 max_gap;
  guint  count;
} Ticks;

static gboolean
tick_cb (gpointer data)
{
  Ticks *ticks = data;
  gint64 now = g_get_monotonic_time ();

  ticks->max_gap = MAX (ticks->max_gap, now - ticks->last);
  ticks->last = now;
  ticks->count++;
  return G_SOURCE_CONTINUE;
}

/* Rendering a big graph runs on a thread: the calls that start it return
 * at once, and the main loop keeps turning until it is done. (Timings are
 * compared with each other, not with fixed limits, so that a loaded
 * machine or ASan does not make the test fail.) */
static void
test_off_main_thread (void)
{
  g_autofree char *tmpdir = troupe_app_test_make_tmp_dir ("troupe-export-XXXXXX");
  g_autofree char *path = write_big_workflow (tmpdir, 1000);
  g_autofree char *out = g_build_filename (tmpdir, "big.svg", NULL);
  g_autoptr(GFile) out_file = g_file_new_for_path (out);
  TroupeWindow *window = troupe_app_test_open_window (path);
  TroupeExportDialog *dialog = new_dialog (window);
  Ticks ticks = { 0, 0, 0 };
  gint64 start, calls = 0, t;
  guint id;

  wait_until_idle (dialog);

  /* The SVG preview renders a PNG, the export an SVG: two layouts. */
  ticks.last = start = g_get_monotonic_time ();
  id = g_timeout_add (5, tick_cb, &ticks);
  t = g_get_monotonic_time ();
  troupe_export_dialog_set_format (dialog, TROUPE_FILE_FORMAT_SVG);
  calls += g_get_monotonic_time () - t;
  g_assert_true (troupe_export_dialog_get_busy (dialog));
  wait_until_idle (dialog);
  g_assert_nonnull (troupe_export_dialog_get_preview (dialog));
  t = g_get_monotonic_time ();
  troupe_export_dialog_export_to_file (dialog, out_file);
  calls += g_get_monotonic_time () - t;
  g_assert_true (troupe_export_dialog_get_busy (dialog));
  wait_until_idle (dialog);
  t = g_get_monotonic_time () - start;
  g_source_remove (id);
  g_assert_true (g_file_test (out, G_FILE_TEST_IS_REGULAR));

  g_test_message ("1,000 steps: SVG preview and export took %.2f s, of which %.1f ms in the calls "
                  "that start them; the main loop turned %u times, the longest wait %.1f ms",
                  t / 1e6, calls / 1e3, ticks.count, ticks.max_gap / 1e3);
  /* Serialising the copy is the only work on the main thread. */
  g_assert_cmpint (calls, <, t / 4);
  g_assert_cmpuint (ticks.count, >=, 10);
  wait_for_finalize (dialog);

  troupe_app_test_remove_tree (tmpdir);
  troupe_app_test_close_window (GTK_WINDOW (window));
}

static void
assert_needs (TroupeWorkflow *workflow,
              const char     *id,
              const char     *needs)
{
  TroupeStep *step = troupe_workflow_lookup_step (workflow, id);
  g_autofree char *joined = NULL;

  g_assert_nonnull (step);
  joined = troupe_step_get_needs (step) != NULL
           ? g_strjoinv (",", (char **) troupe_step_get_needs (step)) : g_strdup ("");
  g_assert_cmpstr (joined, ==, needs);
}

static const char paste_yaml[] =
  "troupe: 1\n"
  "name: Paste\n"
  "steps:\n"
  "  a:\n"
  "    command: [printf, \"x\\n\"]\n"
  "  b:\n"
  "    prompt: \"Use ${steps.a.output}\"\n"
  "    needs: [a]\n"
  "    for_each: a\n"
  "    when: {equals: [\"${steps.a.output}\", \"yes\"]}\n"
  "  c:\n"
  "    command: [echo, \"${steps.b.output}\", \"${steps.a.output}\"]\n"
  "    needs: [b]\n";

/* Pasted steps that get fresh ids are followed by the other pasted steps:
 * needs, for_each and ${steps.ID...} templates name the pasted copies. */
static void
test_paste_rewrites_references (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = troupe_app_test_make_tmp_dir ("troupe-export-XXXXXX");
  g_autofree char *path = g_build_filename (tmpdir, "paste.yaml", NULL);
  TroupeWindow *window;
  TroupeDocument *document;
  TroupeWorkflow *workflow;
  TroupeCanvas *canvas;
  TroupeCanvasView *view;
  TroupeStep *step;
  const char * const *command;

  g_assert_true (g_file_set_contents (path, paste_yaml, -1, NULL));
  window = troupe_app_test_open_window (path);
  document = troupe_window_get_document (window);
  workflow = troupe_document_get_workflow (document);
  canvas = troupe_window_get_canvas (window);
  view = troupe_canvas_get_view (canvas);

  /* Copy a and b, paste them into the same workflow. */
  troupe_canvas_view_set_selection (view, "a");
  troupe_canvas_view_add_to_selection (view, "b");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (canvas), "canvas.copy", NULL));
  troupe_app_test_paste_and_wait (canvas);
  g_assert_cmpuint (troupe_workflow_get_n_steps (workflow), ==, 5);
  step = troupe_workflow_lookup_step (workflow, "b-2");
  g_assert_nonnull (step);
  assert_needs (workflow, "b-2", "a-2");
  g_assert_cmpstr (troupe_step_get_prompt (step), ==, "Use ${steps.a-2.output}");
  g_assert_cmpstr (troupe_step_get_for_each (step), ==, "a-2");
  g_assert_cmpstr (troupe_step_get_when_left (step), ==, "${steps.a-2.output}");
  /* The originals are as they were. */
  step = troupe_workflow_lookup_step (workflow, "b");
  assert_needs (workflow, "b", "a");
  g_assert_cmpstr (troupe_step_get_prompt (step), ==, "Use ${steps.a.output}");
  g_assert_cmpstr (troupe_step_get_for_each (step), ==, "a");

  /* b and c without a: c's copy follows b's copy, and both keep naming
   * the a that is not pasted, the original. */
  troupe_canvas_view_set_selection (view, "b");
  troupe_canvas_view_add_to_selection (view, "c");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (canvas), "canvas.copy", NULL));
  troupe_app_test_paste_and_wait (canvas);
  assert_needs (workflow, "b-3", "a");
  assert_needs (workflow, "c-2", "b-3");
  command = troupe_step_get_command (troupe_workflow_lookup_step (workflow, "c-2"));
  g_assert_cmpstrv (command, ((const char *[]) { "echo", "${steps.b-3.output}", "${steps.a.output}", NULL }));
  g_assert_cmpstr (troupe_step_get_prompt (troupe_workflow_lookup_step (workflow, "b-3")), ==,
                   "Use ${steps.a.output}");

  /* One command: undo removes both copies. */
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_no_error (error);
  g_assert_null (troupe_workflow_lookup_step (workflow, "b-3"));
  g_assert_null (troupe_workflow_lookup_step (workflow, "c-2"));

  /* From another window: "x" is taken here but "x-2" is not. x-2 keeps
   * its id, x becomes x-3 (never x-2), and x-2 names x-3. */
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (troupe_workflow_get_n_steps (workflow), ==, 3);
  troupe_canvas_view_set_selection (view, "a");
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (canvas)),
                          "troupe: 1\n"
                          "steps:\n"
                          "  a:\n"
                          "    command: [\"true\"]\n"
                          "  a-2:\n"
                          "    prompt: \"${steps.a.output} ${steps.a.outputs}\"\n"
                          "    needs: [a]\n");
  troupe_app_test_paste_and_wait (canvas);
  g_assert_cmpuint (troupe_workflow_get_n_steps (workflow), ==, 5);
  assert_needs (workflow, "a-2", "a-3");
  g_assert_cmpstr (troupe_step_get_prompt (troupe_workflow_lookup_step (workflow, "a-2")), ==,
                   "${steps.a-3.output} ${steps.a-3.outputs}");
  g_assert_nonnull (troupe_workflow_lookup_step (workflow, "a-3"));
  g_assert_cmpuint (troupe_canvas_view_get_n_selected (view), ==, 2);
  g_assert_true (troupe_canvas_view_is_selected (view, "a-3"));
  g_assert_true (troupe_canvas_view_is_selected (view, "a-2"));

  troupe_app_test_close_window (GTK_WINDOW (window));
  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (tmpdir), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  troupe_app_test_init (&argc, &argv);

  if (file_chooser_program)
    {
      g_test_add_func ("/troupe/app/export/file-chooser", test_file_chooser);
      g_test_add_func ("/troupe/app/export/file-chooser-cancel", test_file_chooser_cancel);
    }
  else
    {
      g_test_add_func ("/troupe/app/export/dialog", test_dialog);
      g_test_add_func ("/troupe/app/export/untitled-name", test_untitled_name);
      g_test_add_func ("/troupe/app/export/long-preview", test_long_preview);
      g_test_add_func ("/troupe/app/export/formats", test_formats);
      g_test_add_func ("/troupe/app/export/write-fails", test_write_fails);
      g_test_add_func ("/troupe/app/export/copy-mermaid", test_copy_mermaid);
      g_test_add_func ("/troupe/app/export/export-action", test_export_action);
      g_test_add_func ("/troupe/app/export/off-main-thread", test_off_main_thread);
      g_test_add_func ("/troupe/app/export/paste-rewrites-references", test_paste_rewrites_references);
    }

  return g_test_run ();
}
