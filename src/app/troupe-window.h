/* troupe-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "troupe-canvas.h"
#include "troupe-document.h"
#include "troupe-inspector.h"

G_BEGIN_DECLS

#define TROUPE_TYPE_WINDOW (troupe_window_get_type ())

G_DECLARE_FINAL_TYPE (TroupeWindow, troupe_window, TROUPE, WINDOW, AdwApplicationWindow)

/* @application may be NULL (tests). */
TroupeWindow   *troupe_window_new          (GtkApplication *application);
TroupeDocument *troupe_window_get_document (TroupeWindow   *self);
TroupeCanvas   *troupe_window_get_canvas   (TroupeWindow   *self);
/* Opens @file in this window; a failure shows a toast with the engine's
 * FILE:LINE:COL message and keeps what was open. */
gboolean        troupe_window_open_file    (TroupeWindow   *self,
                                            GFile          *file);
/* TRUE when the window shows nothing the user could lose: an untitled,
 * unchanged document. */
gboolean        troupe_window_is_blank     (TroupeWindow   *self);
void            troupe_window_add_toast    (TroupeWindow   *self,
                                            const char     *message);

/* The problems list (for tests): a row per diagnostic. */
GtkListBox     *troupe_window_get_problems_list (TroupeWindow *self);
/* The side panel's inspector, which follows the canvas's selection. */
TroupeInspector *troupe_window_get_inspector   (TroupeWindow *self);

G_END_DECLS
