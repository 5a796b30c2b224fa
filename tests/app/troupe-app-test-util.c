/* troupe-app-test-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <glib/gstdio.h>

#include "troupe-app-test-util.h"

/* How long a widget may take to be mapped with a size before the test
 * fails: far more than it ever needs, but a failure rather than a hang
 * until meson's timeout. */
#define MAP_TIMEOUT_SECONDS 30

typedef struct
{
  guint *count;
  guint  want;
} CountWait;

static gboolean
timeout_cb (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
is_drawn_cb (gpointer data)
{
  GtkWidget *widget = data;

  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

static gboolean
count_reached_cb (gpointer data)
{
  CountWait *wait = data;

  return *wait->count >= wait->want;
}

/* Renders @node as @widget's window would, at @widget's size. */
static GdkTexture *
render_node (GtkWidget     *widget,
             GskRenderNode *node)
{
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  g_assert_nonnull (node);
  g_assert_nonnull (renderer);
  return gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

/* Sets up GTK and libadwaita for a test program: call it first in main().
 * The suite renders with cairo (GSK_RENDERER=cairo); without gl-disable
 * GDK still loads the GL driver under Xvfb, whose allocations the leak
 * checker then reports from an unloaded module. A GDK_DEBUG the caller
 * set stays. */
void
troupe_app_test_init (int    *argc,
                      char ***argv)
{
  g_setenv ("GDK_DEBUG", "gl-disable", FALSE);
  gtk_test_init (argc, argv, NULL);
  adw_init ();
}

/* The path of a file in the source tree (TROUPE_SOURCE_ROOT, which the
 * suite sets), from its NULL-terminated path elements. */
char *
troupe_app_test_source_path (const char *first_element,
                             ...)
{
  const char *root = g_getenv ("TROUPE_SOURCE_ROOT");
  g_autofree char *relative = NULL;
  va_list args;

  g_assert_nonnull (root);
  va_start (args, first_element);
  relative = g_build_filename_valist (first_element, &args);
  va_end (args);
  return g_build_filename (root, relative, NULL);
}

/* The path of the example most tests open: examples/architect-engineer-qa.yaml. */
char *
troupe_app_test_example_path (void)
{
  return troupe_app_test_source_path ("examples", "architect-engineer-qa.yaml", NULL);
}

/* A new empty folder in the temporary folder, named after @tmpl (which
 * ends in XXXXXX); the caller removes it. */
char *
troupe_app_test_make_tmp_dir (const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  char *path = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  g_assert_nonnull (path);
  return path;
}

/* Removes @path and, if it is a folder, all it holds; every removal must
 * succeed. */
void
troupe_app_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          troupe_app_test_remove_tree (child);
        }
    }
  g_assert_cmpint (g_remove (path), ==, 0);
}

/* Runs the main loop for @ms milliseconds, for a test that checks that
 * something does NOT happen meanwhile. */
void
troupe_app_test_run_for (guint ms)
{
  gboolean timed_out = FALSE;

  g_timeout_add (ms, timeout_cb, &timed_out);
  while (!timed_out)
    g_main_context_iteration (NULL, TRUE);
}

/* Runs the main loop for @ms milliseconds, and then until @widget is
 * mapped with a width: by then it has drawn a few frames at its size. */
void
troupe_app_test_wait_for_frames (GtkWidget *widget,
                                 guint      ms)
{
  g_assert_true (GTK_IS_WIDGET (widget));

  troupe_app_test_run_for (ms);
  troupe_app_test_wait_until (is_drawn_cb, widget, MAP_TIMEOUT_SECONDS);
}

/* Runs the main loop until @condition holds, and fails the test if it
 * still does not after @seconds. @condition is called before each
 * iteration of the default main context and once after the last, so that
 * the time between two calls is one iteration's. */
void
troupe_app_test_wait_until (TroupeAppTestCondition condition,
                            gpointer               data,
                            guint                  seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (seconds * 1000, timeout_cb, &timed_out);
  gboolean holds;

  while (!(holds = condition (data)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_true (holds);
}

/* A signal handler (connect it swapped, with a guint as data) that counts
 * emissions. */
void
troupe_app_test_count_cb (guint *count)
{
  (*count)++;
}

/* Runs the main loop until *@count reaches @want, and fails the test if it
 * does not within @seconds. */
void
troupe_app_test_wait_for_count (guint *count,
                                guint  want,
                                guint  seconds)
{
  CountWait wait = { count, want };

  troupe_app_test_wait_until (count_reached_cb, &wait, seconds);
  g_assert_cmpuint (*count, >=, want);
}

/* A real TroupeWindow, presented, with @path open. The caller holds a
 * reference of its own, so that troupe_app_test_close_window() can check
 * the window is finalized. */
TroupeWindow *
troupe_app_test_open_window (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  TroupeWindow *window = troupe_window_new (NULL);

  g_object_ref_sink (window);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (troupe_window_open_file (window, file));
  return window;
}

/* troupe_app_test_open_window() on troupe_app_test_example_path(). */
TroupeWindow *
troupe_app_test_open_example (void)
{
  g_autofree char *path = troupe_app_test_example_path ();

  return troupe_app_test_open_window (path);
}

/* Destroys @window, whose last reference the caller holds, and checks it
 * is finalized: nothing leaked a reference to it. */
void
troupe_app_test_close_window (GtkWindow *window)
{
  g_assert_true (GTK_IS_WINDOW (window));

  gtk_window_destroy (window);
  g_assert_finalize_object (window);
}

/* The first descendant of @widget (or @widget itself) of type @type,
 * depth first, or NULL. */
GtkWidget *
troupe_app_test_find_descendant (GtkWidget *widget,
                                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = troupe_app_test_find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The one toplevel window of @type, or NULL; fails the test if there are
 * several (one left over from an earlier step). */
GtkWidget *
troupe_app_test_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkWidget *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (item, type))
        {
          g_assert_null (found);
          found = GTK_WIDGET (item);
        }
    }
  return found;
}

/* Activates canvas.paste on @canvas and waits (ten seconds at most) until
 * the clipboard has been read and pasted, once. */
void
troupe_app_test_paste_and_wait (TroupeCanvas *canvas)
{
  guint pasted = 0;
  gulong id = g_signal_connect_swapped (canvas, "pasted", G_CALLBACK (troupe_app_test_count_cb), &pasted);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (canvas), "canvas.paste", NULL));
  troupe_app_test_wait_for_count (&pasted, 1, 10);
  g_assert_cmpuint (pasted, ==, 1);
  g_signal_handler_disconnect (canvas, id);
}

/* The last frame @widget drew, at its size, through a GtkWidgetPaintable
 * (what is on screen, children and all). */
GdkTexture *
troupe_app_test_render (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;

  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (widget), gtk_widget_get_height (widget));
  node = gtk_snapshot_free_to_node (snapshot);
  return render_node (widget, node);
}

/* What @widget would draw now, at its size: its own snapshot function,
 * called directly (a GtkWidgetPaintable shows the last frame drawn, and
 * the frame clock may not have drawn one since the last change). */
GdkTexture *
troupe_app_test_render_now (GtkWidget *widget)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;

  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  return render_node (widget, node);
}

/* The pixels of @texture in GDK_MEMORY_DEFAULT: B, G, R, A bytes,
 * premultiplied, 4 × width bytes a row. Free with g_free(). */
guchar *
troupe_app_test_download (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  guchar *data = g_malloc ((gsize) width * height * 4);

  gdk_texture_download (texture, data, (gsize) width * 4);
  return data;
}

/* The pixel that covers (@x, @y) as 0xAARRGGBB, from @data as
 * troupe_app_test_download() gave it for @texture; the point must be
 * inside the texture. */
guint32
troupe_app_test_pixel_in (GdkTexture   *texture,
                          const guchar *data,
                          double        x,
                          double        y)
{
  int width = gdk_texture_get_width (texture);
  int px = (int) floor (x), py = (int) floor (y);
  const guchar *p;

  g_assert_cmpint (px, >=, 0);
  g_assert_cmpint (py, >=, 0);
  g_assert_cmpint (px, <, width);
  g_assert_cmpint (py, <, gdk_texture_get_height (texture));

  p = data + ((gsize) py * width + px) * 4;
  return ((guint32) p[3] << 24) | ((guint32) p[2] << 16) | ((guint32) p[1] << 8) | p[0];
}

/* The pixel of @texture that covers (@x, @y) as 0xAARRGGBB; the point
 * must be inside the texture. */
guint32
troupe_app_test_pixel_at (GdkTexture *texture,
                          double      x,
                          double      y)
{
  g_autofree guchar *data = troupe_app_test_download (texture);

  return troupe_app_test_pixel_in (texture, data, x, y);
}

/* Saves @texture as @name in the temporary folder, for a person to look
 * at, and says where in the test's log. */
void
troupe_app_test_save_png (GdkTexture *texture,
                          const char *name)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), name, NULL);

  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("rendered %s", path);
}
