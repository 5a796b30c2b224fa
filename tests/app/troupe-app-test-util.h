/* troupe-app-test-util.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "troupe-canvas.h"
#include "troupe-window.h"

G_BEGIN_DECLS

/* What every app test needs once, written once: setting up GTK for a test
 * under Xvfb, turning the main loop until something happens (never a bare
 * sleep), opening workflows in a real TroupeWindow, reading the pixels a
 * widget draws, and temporary folders. Each function fails the test
 * (g_assert) rather than return an error: a caller need not check. */

/* Whether what a test waits for has happened; @data is the caller's. */
typedef gboolean (*TroupeAppTestCondition) (gpointer data);

void          troupe_app_test_init            (int                     *argc,
                                               char                  ***argv);

char         *troupe_app_test_source_path     (const char              *first_element,
                                               ...) G_GNUC_NULL_TERMINATED;
char         *troupe_app_test_example_path    (void);
char         *troupe_app_test_make_tmp_dir    (const char              *tmpl);
void          troupe_app_test_remove_tree     (const char              *path);

void          troupe_app_test_run_for         (guint                    ms);
void          troupe_app_test_wait_for_frames (GtkWidget               *widget,
                                               guint                    ms);
void          troupe_app_test_wait_until      (TroupeAppTestCondition   condition,
                                               gpointer                 data,
                                               guint                    seconds);
void          troupe_app_test_count_cb        (guint                   *count);
void          troupe_app_test_wait_for_count  (guint                   *count,
                                               guint                    want,
                                               guint                    seconds);

TroupeWindow *troupe_app_test_open_window     (const char              *path);
TroupeWindow *troupe_app_test_open_example    (void);
void          troupe_app_test_close_window    (GtkWindow               *window);
GtkWidget    *troupe_app_test_find_descendant (GtkWidget               *widget,
                                               GType                    type);
GtkWidget    *troupe_app_test_find_toplevel   (GType                    type);
void          troupe_app_test_paste_and_wait  (TroupeCanvas            *canvas);

GdkTexture   *troupe_app_test_render          (GtkWidget               *widget);
GdkTexture   *troupe_app_test_render_now      (GtkWidget               *widget);
guchar       *troupe_app_test_download        (GdkTexture              *texture);
guint32       troupe_app_test_pixel_in        (GdkTexture              *texture,
                                               const guchar            *data,
                                               double                   x,
                                               double                   y);
guint32       troupe_app_test_pixel_at        (GdkTexture              *texture,
                                               double                   x,
                                               double                   y);
void          troupe_app_test_save_png        (GdkTexture              *texture,
                                               const char              *name);

G_END_DECLS
