/* troupe-canvas-view.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>
#include <graphene.h>

#include "troupe.h"

G_BEGIN_DECLS

#define TROUPE_TYPE_CANVAS_VIEW (troupe_canvas_view_get_type ())

G_DECLARE_FINAL_TYPE (TroupeCanvasView, troupe_canvas_view, TROUPE, CANVAS_VIEW, GObject)

/* What a point of the canvas is over. */
typedef enum
{
  TROUPE_CANVAS_HIT_NONE,
  TROUPE_CANVAS_HIT_CARD,
  TROUPE_CANVAS_HIT_INPUT_PORT,
  TROUPE_CANVAS_HIT_OUTPUT_PORT,
  TROUPE_CANVAS_HIT_EDGE,
} TroupeCanvasHit;

/* Radius of a port, in graph pixels. */
#define TROUPE_CANVAS_PORT_RADIUS 7.0
#define TROUPE_CANVAS_MIN_ZOOM    0.1
#define TROUPE_CANVAS_MAX_ZOOM    4.0

TroupeCanvasView *troupe_canvas_view_new              (void);

double            troupe_canvas_view_get_zoom         (TroupeCanvasView *self);
void              troupe_canvas_view_set_zoom         (TroupeCanvasView *self,
                                                       double            zoom);
double            troupe_canvas_view_get_offset_x     (TroupeCanvasView *self);
double            troupe_canvas_view_get_offset_y     (TroupeCanvasView *self);
void              troupe_canvas_view_set_offset       (TroupeCanvasView *self,
                                                       double            offset_x,
                                                       double            offset_y);
const char       *troupe_canvas_view_get_selection    (TroupeCanvasView *self);
/* Selecting a step clears the selected edge, and the other way round. */
void              troupe_canvas_view_set_selection    (TroupeCanvasView *self,
                                                       const char       *step_id);
/* Several steps can be selected; the last one selected is the primary
 * selection, the one troupe_canvas_view_get_selection() returns. */
guint             troupe_canvas_view_get_n_selected   (TroupeCanvasView *self);
const char       *troupe_canvas_view_get_nth_selected (TroupeCanvasView *self,
                                                       guint             n);
gboolean          troupe_canvas_view_is_selected      (TroupeCanvasView *self,
                                                       const char       *step_id);
void              troupe_canvas_view_add_to_selection (TroupeCanvasView *self,
                                                       const char       *step_id);
void              troupe_canvas_view_unselect         (TroupeCanvasView *self,
                                                       const char       *step_id);
void              troupe_canvas_view_toggle_selected  (TroupeCanvasView *self,
                                                       const char       *step_id);
/* Follows a rename in the model. */
void              troupe_canvas_view_rename_selected  (TroupeCanvasView *self,
                                                       const char       *old_id,
                                                       const char       *new_id);
/* Rubber band: selects every card that the widget rectangle between
 * (@x1, @y1) and (@x2, @y2) touches, added to the selection when @extend;
 * returns how many cards it touches. */
guint             troupe_canvas_view_select_rect      (TroupeCanvasView *self,
                                                       TroupeWorkflow   *workflow,
                                                       double            x1,
                                                       double            y1,
                                                       double            x2,
                                                       double            y2,
                                                       gboolean          extend);
/* The selected edge @from -> @to, or NULL and NULL. */
gboolean          troupe_canvas_view_get_selected_edge (TroupeCanvasView *self,
                                                        const char      **from,
                                                        const char      **to);
void              troupe_canvas_view_select_edge      (TroupeCanvasView *self,
                                                       const char       *from,
                                                       const char       *to);

/* widget = graph * zoom + offset */
void              troupe_canvas_view_graph_to_widget  (TroupeCanvasView *self,
                                                       double            gx,
                                                       double            gy,
                                                       double           *wx,
                                                       double           *wy);
void              troupe_canvas_view_widget_to_graph  (TroupeCanvasView *self,
                                                       double            wx,
                                                       double            wy,
                                                       double           *gx,
                                                       double           *gy);
/* Zooms to @zoom (clamped) keeping the graph point under (@wx, @wy) there. */
void              troupe_canvas_view_zoom_at          (TroupeCanvasView *self,
                                                       double            zoom,
                                                       double            wx,
                                                       double            wy);
/* Zooms and pans so every positioned card fits in @width x @height with
 * @margin widget pixels around; never zooms in past 100%. FALSE when the
 * workflow has no positioned step (the view is then reset). */
gboolean          troupe_canvas_view_fit              (TroupeCanvasView *self,
                                                       TroupeWorkflow   *workflow,
                                                       double            width,
                                                       double            height,
                                                       double            margin);

/* Card and port geometry, in graph coordinates. */
gboolean          troupe_canvas_step_bounds           (TroupeStep       *step,
                                                       graphene_rect_t  *bounds);
void              troupe_canvas_step_input_port       (TroupeStep       *step,
                                                       double           *x,
                                                       double           *y);
void              troupe_canvas_step_output_port      (TroupeStep       *step,
                                                       double           *x,
                                                       double           *y);
/* The edge from an output port (@x1, @y1) to an input port (@x2, @y2): a
 * cubic Bézier curve (@curve: start, two control points, end) that stops
 * short of the port for the arrowhead, whose tip is @tip. */
void              troupe_canvas_edge_curve            (double            x1,
                                                       double            y1,
                                                       double            x2,
                                                       double            y2,
                                                       graphene_point_t  curve[4],
                                                       graphene_point_t *tip);
gboolean          troupe_canvas_workflow_bounds       (TroupeWorkflow   *workflow,
                                                       graphene_rect_t  *bounds);

/* What the widget point (@wx, @wy) is over, through the inverse view
 * transform; the topmost card (last in file order) wins. @step (borrowed)
 * receives the step that was hit. Edges are not tested here, see
 * troupe_canvas_view_hit_test_edge(). */
TroupeCanvasHit   troupe_canvas_view_hit_test         (TroupeCanvasView *self,
                                                       TroupeWorkflow   *workflow,
                                                       double            wx,
                                                       double            wy,
                                                       TroupeStep      **step);

/* The edge within a few pixels of (@wx, @wy), if any: @from and @to
 * (borrowed) receive its ends. Cards are on top of edges, so test cards
 * first. */
gboolean          troupe_canvas_view_hit_test_edge    (TroupeCanvasView *self,
                                                       TroupeWorkflow   *workflow,
                                                       double            wx,
                                                       double            wy,
                                                       TroupeStep      **from,
                                                       TroupeStep      **to);

G_END_DECLS
