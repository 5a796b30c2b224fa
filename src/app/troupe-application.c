/* troupe-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "troupe-app-resources.h"
#include "troupe-application.h"
#include "troupe-window.h"

struct _TroupeApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (TroupeApplication, troupe_application, ADW_TYPE_APPLICATION)

static TroupeWindow *
new_window (TroupeApplication *self)
{
  TroupeWindow *window = troupe_window_new (GTK_APPLICATION (self));

  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
troupe_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (new_window (TROUPE_APPLICATION (app)));
  gtk_window_present (window);
}

static void
troupe_application_open (GApplication  *app,
                         GFile        **files,
                         int            n_files,
                         const char    *hint)
{
  TroupeApplication *self = TROUPE_APPLICATION (app);

  for (int i = 0; i < n_files; i++)
    {
      GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (app));
      TroupeWindow *window;

      /* A blank window is reused rather than left behind empty. */
      if (TROUPE_IS_WINDOW (active) && troupe_window_is_blank (TROUPE_WINDOW (active)))
        window = TROUPE_WINDOW (active);
      else
        window = new_window (self);

      troupe_window_open_file (window, files[i]);
      gtk_window_present (GTK_WINDOW (window));
    }
}

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  GtkApplication *app = user_data;
  g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (app));

  /* Closing each window, rather than quitting, lets every window with
   * unsaved changes ask first. */
  for (const GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
}

static void
new_window_action (GSimpleAction *action,
                   GVariant      *param,
                   gpointer       user_data)
{
  new_window (TROUPE_APPLICATION (user_data));
}

static void
open_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  if (window == NULL)
    window = GTK_WINDOW (new_window (TROUPE_APPLICATION (user_data)));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.open", NULL);
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  static const char *developers[] = { "The Troupe authors", NULL };
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  adw_show_about_window (window,
                         "application-name", _("Troupe"),
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Design, run and train teams of AI agents"),
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
  { "new-window", new_window_action },
  { "open", open_action },
  { "about", about_action },
};

static void
troupe_application_startup (GApplication *app)
{
  static const struct {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.new-window", { "<Control>n", NULL } },
    { "win.open", { "<Control>o", NULL } },
    { "win.save", { "<Control>s", NULL } },
    { "win.save-as", { "<Control><Shift>s", NULL } },
    { "win.undo", { "<Control>z", NULL } },
    { "win.redo", { "<Control><Shift>z", "<Control>y", NULL } },
    { "win.zoom-fit", { "<Control>0", NULL } },
    { "win.add-step", { "<Control><Shift>a", NULL } },
    { "win.layout", { "<Control><Shift>l", NULL } },
    { "win.export", { "<Control>e", NULL } },
    { "win.copy-mermaid", { "<Control><Shift>m", NULL } },
  };

  /* AdwApplication loads style.css from the resources in its startup. */
  troupe_app_ensure_resources ();

  G_APPLICATION_CLASS (troupe_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, accels[i].accels);
}

static void
troupe_application_class_init (TroupeApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = troupe_application_activate;
  app_class->open = troupe_application_open;
  app_class->startup = troupe_application_startup;
}

static void
troupe_application_init (TroupeApplication *self)
{
}

TroupeApplication *
troupe_application_new (void)
{
  return g_object_new (TROUPE_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/troupe/Troupe",
                       NULL);
}
