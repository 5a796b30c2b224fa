/* test-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "troupe-app-test-util.h"
#include "troupe-application.h"
#include "troupe-window.h"

typedef struct
{
  TroupeApplication *app;
  const char        *path;
  gboolean           checked;
} Fixture;

/* Runs inside g_application_run(), once the files of the command line are
 * open. */
static gboolean
check_cb (gpointer data)
{
  Fixture *f = data;
  GtkApplication *app = GTK_APPLICATION (f->app);
  g_auto(GStrv) save_accels = NULL;
  g_auto(GStrv) redo_accels = NULL;
  g_autofree char *opened = NULL;
  TroupeDocument *document;
  GList *windows;
  guint key;
  GdkModifierType mods;

  for (guint i = 0; i < 4; i++)
    {
      static const char *names[] = { "quit", "about", "new-window", "open" };

      g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), names[i]));
    }

  save_accels = gtk_application_get_accels_for_action (app, "win.save");
  g_assert_cmpstrv (save_accels, ((const char *[]) { "<Control>s", NULL }));
  /* GTK normalises the order of the modifiers; compare what they mean. */
  redo_accels = gtk_application_get_accels_for_action (app, "win.redo");
  g_assert_true (gtk_accelerator_parse (redo_accels[0], &key, &mods));
  g_assert_cmpuint (key, ==, GDK_KEY_z);
  g_assert_cmpuint (mods, ==, GDK_CONTROL_MASK | GDK_SHIFT_MASK);

  /* The file of the command line is open in the one window. */
  windows = gtk_application_get_windows (app);
  g_assert_cmpuint (g_list_length (windows), ==, 1);
  g_assert_true (TROUPE_IS_WINDOW (windows->data));
  document = troupe_window_get_document (windows->data);
  g_assert_nonnull (troupe_document_get_file (document));
  opened = g_file_get_path (troupe_document_get_file (document));
  g_assert_cmpstr (opened, ==, f->path);
  g_assert_cmpuint (troupe_workflow_get_n_steps (troupe_document_get_workflow (document)), ==, 8);

  /* The shortcuts window (gtk/help-overlay.ui) came with the window. */
  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (gtk_application_window_get_help_overlay (windows->data)));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (windows->data), "show-help-overlay"));

  /* New window, then quit: unchanged windows close without asking, and
   * the application ends with its last window. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "new-window", NULL);
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (app)), ==, 2);
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  g_assert_null (gtk_application_get_windows (app));

  f->checked = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_actions_and_open (void)
{
  g_autofree char *path = troupe_app_test_example_path ();
  char *argv[] = { (char *) "troupe-app", path, NULL };
  Fixture f = { troupe_application_new (), path, FALSE };
  int status;

  /* A private instance, so that a running Troupe does not take the files. */
  g_application_set_flags (G_APPLICATION (f.app),
                           g_application_get_flags (G_APPLICATION (f.app)) | G_APPLICATION_NON_UNIQUE);
  g_idle_add (check_cb, &f);
  status = g_application_run (G_APPLICATION (f.app), 2, argv);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (f.checked);

  g_assert_finalize_object (f.app);
}

int
main (int   argc,
      char *argv[])
{
  troupe_app_test_init (&argc, &argv);

  g_test_add_func ("/troupe/app/application/actions-and-open", test_actions_and_open);

  return g_test_run ();
}
