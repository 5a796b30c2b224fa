/* troupe-canvas.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "troupe-canvas-view.h"
#include "troupe-document.h"

G_BEGIN_DECLS

#define TROUPE_TYPE_CANVAS (troupe_canvas_get_type ())

G_DECLARE_FINAL_TYPE (TroupeCanvas, troupe_canvas, TROUPE, CANVAS, GtkWidget)

GtkWidget        *troupe_canvas_new          (void);
TroupeDocument   *troupe_canvas_get_document (TroupeCanvas   *self);
void              troupe_canvas_set_document (TroupeCanvas   *self,
                                              TroupeDocument *document);
TroupeCanvasView *troupe_canvas_get_view     (TroupeCanvas   *self);
/* Fits the whole graph into the widget now, or as soon as it has a size. */
void              troupe_canvas_zoom_to_fit  (TroupeCanvas   *self);
/* Adds a new agent step, centred on the graph point (@gx, @gy) when
 * @at_point, else placed by the engine next to the others, and selects it;
 * one undoable command. */
gboolean          troupe_canvas_add_step     (TroupeCanvas   *self,
                                              gboolean        at_point,
                                              double          gx,
                                              double          gy);

/* Selects the step and pans so that it is in the middle of the canvas. */
void              troupe_canvas_center_on_step (TroupeCanvas *self,
                                                const char   *id);

G_END_DECLS
