/* troupe-canvas-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "troupe-canvas.h"

G_BEGIN_DECLS

#define CARD_RADIUS   10.0
#define STRIPE_WIDTH   8.0
#define FIT_MARGIN    24.0
#define ZOOM_STEP      1.2
#define GRID           8.0

typedef enum
{
  DRAG_NONE,
  DRAG_PAN,
  DRAG_MOVE,
  DRAG_CONNECT,
  DRAG_RUBBER_BAND,
} DragMode;

/* The canvas draws the document's workflow and edits it through the
 * document's commands. It keeps no copy of the graph: every frame reads
 * the model, and a cached render node of the cards and edges (in graph
 * coordinates) is dropped whenever the model or the theme changes. */
struct _TroupeCanvas
{
  GtkWidget         parent_instance;

  TroupeDocument   *document;
  TroupeWorkflow   *workflow;
  TroupeCanvasView *view;
  GskRenderNode    *graph_node;
  char             *drag_step;
  /* The steps a drag moves, and where each started. */
  GStrv             drag_ids;
  double           *drag_xs;
  double           *drag_ys;
  /* Step id -> the worst TroupeSeverity + 1 of its diagnostics. */
  GHashTable       *problems;

  GdkRGBA           bg_color;
  GdkRGBA           card_color;
  GdkRGBA           fg_color;
  GdkRGBA           dim_color;
  GdkRGBA           border_color;
  GdkRGBA           accent_color;
  GdkRGBA           edge_color;
  GdkRGBA           error_color;
  GdkRGBA           warning_color;

  DragMode          drag_mode;
  double            drag_start_x;
  double            drag_start_y;
  double            drag_origin_x;
  double            drag_origin_y;
  double            pointer_x;
  double            pointer_y;
  double            pinch_zoom;

  guint             fit_pending : 1;
  guint             snap_to_grid : 1;
  guint             space_held : 1;
};

void _troupe_canvas_invalidate (TroupeCanvas *self);

void _troupe_canvas_snapshot (GtkWidget   *widget,
                              GtkSnapshot *snapshot);

void _troupe_canvas_fit_now (TroupeCanvas *self);

void _troupe_canvas_show_error (TroupeCanvas *self,
                                const GError *error);

void _troupe_canvas_clear_drag (TroupeCanvas *self);

void _troupe_canvas_init_input (TroupeCanvas *self);

void _troupe_canvas_class_init_actions (TroupeCanvasClass *klass);

G_END_DECLS
