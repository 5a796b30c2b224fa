/* troupe-canvas-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "troupe-canvas.h"
#include "troupe-canvas-index.h"

G_BEGIN_DECLS

#define CARD_RADIUS   10.0
#define STRIPE_WIDTH   8.0
#define FIT_MARGIN    24.0
#define ZOOM_STEP      1.2
#define GRID           8.0
/* The side of a cell of the spatial indexes, in graph pixels: about two
 * cards wide, so that a cell's cached edges stay small enough for a GL
 * renderer's texture even at the largest zoom. Zoomed out, edges come
 * from cells four times as wide: fewer cells, and fewer edges drawn twice
 * because they cross a cell border. */
#define CELL_SIZE    512.0
#define LOW_CELL_SIZE (4 * CELL_SIZE)
/* How far an edge's drawing reaches beyond the box of its curve: half the
 * arrowhead and the line. */
#define EDGE_MARGIN    8.0
/* Text smaller than this many widget pixels is not drawn: the cards become
 * plain rounded rectangles in their agent's colour. */
#define LOD_TEXT_PX    5.0
/* How long cards take to glide to where a layout (or its undo) puts them. */
#define MOTION_MS    250

typedef enum
{
  DRAG_NONE,
  DRAG_PAN,
  DRAG_MOVE,
  DRAG_CONNECT,
  DRAG_RUBBER_BAND,
} DragMode;

/* The two levels of detail a card or a cell of edges is drawn at. */
typedef enum
{
  DETAIL_FULL,
  DETAIL_LOW,
  N_DETAILS,
} Detail;

typedef struct _CanvasCard CanvasCard;
typedef struct _CanvasEdge CanvasEdge;

/* What the canvas knows about one step, derived from the model and kept
 * in step with it by the model's signals: where it is indexed and drawn,
 * its edges, and its render nodes. It holds no field of the step. */
struct _CanvasCard
{
  /* Borrowed: the workflow holds the step for as long as the card lives. */
  TroupeStep    *step;
  /* The card drawn at the origin, per level of detail; NULL until drawn,
   * and again when the step, the agents or the theme change. */
  GskRenderNode *content[N_DETAILS];
  /* content[] moved to where the card is: dropped when it moves. */
  GskRenderNode *placed[N_DETAILS];
  /* CanvasEdge*, into and out of the card (borrowed; see CanvasEdge). */
  GPtrArray     *edges;
  /* The step's position as the index has it. */
  double         x;
  double         y;
  /* A glide: from (ax, ay) to (tx, ty), at the canvas's motion_progress. */
  double         ax;
  double         ay;
  double         tx;
  double         ty;
  /* Index in the workflow's steps: later cards are drawn on top. */
  guint          order;
  guint          positioned : 1;
  guint          moving : 1;
};

/* An edge between two cards, listed in both cards' edges; it belongs to
 * them together, and goes when either card goes or the target no longer
 * needs the source. */
struct _CanvasEdge
{
  CanvasCard *from;
  CanvasCard *to;
};

/* The canvas draws the document's workflow and edits it through the
 * document's commands. It keeps no copy of the graph's data: a card per
 * step with its cached render nodes, two spatial indexes (cards, and
 * edges with a cached node of the edges in each cell), all kept up to date
 * by the model's signals, so that a frame visits only what is visible and
 * re-draws only what changed. */
struct _TroupeCanvas
{
  GtkWidget          parent_instance;

  TroupeDocument    *document;
  TroupeWorkflow    *workflow;
  TroupeCanvasView  *view;
  char              *drag_step;
  /* While connecting: the step under the pointer, and whether it refuses
   * the edge (connect_refused). */
  char              *connect_target;
  /* The steps a drag moves, and where each started. */
  GStrv              drag_ids;
  double            *drag_xs;
  double            *drag_ys;
  /* Step id -> the worst TroupeSeverity + 1 of its diagnostics. */
  GHashTable        *problems;

  /* The scene: TroupeStep* -> CanvasCard* (owned). */
  GHashTable        *cards;
  TroupeCanvasIndex *card_index;
  /* The edges, per level of detail: the same edges in cells of CELL_SIZE
   * and LOW_CELL_SIZE, each cell with its cached node. */
  TroupeCanvasIndex *edge_index[N_DETAILS];
  /* Scratch arrays that snapshot reuses, so that it allocates nothing. */
  GPtrArray         *visible_cards;
  GPtrArray         *visible_cells;
  GPtrArray         *visible_edges;
  /* CanvasCard* gliding to a new position. */
  GPtrArray         *moving;
  AdwAnimation      *motion;
  /* The eased progress of the glide, from 0 to 1. */
  double             motion_progress;
  guint              motion_restart_id;
  /* A fingerprint of what the cards show of the workflow beyond their own
   * step (agents' colours and providers, the default provider). */
  guint64            workflow_fingerprint;

  GdkRGBA            bg_color;
  GdkRGBA            card_color;
  GdkRGBA            fg_color;
  GdkRGBA            dim_color;
  GdkRGBA            border_color;
  GdkRGBA            accent_color;
  GdkRGBA            edge_color;
  /* edge_color over bg_color, opaque. */
  GdkRGBA            line_color;
  GdkRGBA            error_color;
  GdkRGBA            warning_color;

  DragMode           drag_mode;
  double             drag_start_x;
  double             drag_start_y;
  double             drag_origin_x;
  double             drag_origin_y;
  double             pointer_x;
  double             pointer_y;
  double             pinch_zoom;
  /* Below this zoom the cards are drawn without text (see LOD_TEXT_PX). */
  double             lod_zoom;
  int                last_width;
  int                last_height;

  /* What the last snapshot drew, for the tests and the benchmark. */
  guint              n_drawn_cards;
  guint              n_drawn_cells;
  Detail             drawn_detail;
  /* How many times a card's content was drawn anew, ever. */
  guint              n_recorded_cards;

  guint              fit_pending : 1;
  /* The view is as the last fit left it: a resize fits again. */
  guint              fitted : 1;
  guint              fitting : 1;
  guint              snap_to_grid : 1;
  guint              space_held : 1;
  /* Moves made now are the user's own (arrow keys): they do not glide. */
  guint              nudging : 1;
  guint              connect_refused : 1;
  guint              order_dirty : 1;
  guint              workflow_maybe_changed : 1;
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

/* The scene (troupe-canvas-scene.c). */
void         _troupe_canvas_scene_init       (TroupeCanvas *self);
void         _troupe_canvas_scene_finalize   (TroupeCanvas *self);
/* Builds the cards and edges of self->workflow from scratch. */
void         _troupe_canvas_scene_rebuild    (TroupeCanvas *self);
void         _troupe_canvas_scene_connect    (TroupeCanvas *self);
CanvasCard  *_troupe_canvas_lookup_card      (TroupeCanvas *self,
                                              TroupeStep   *step);
/* Drops the card's render nodes (its look changed). */
void         _troupe_canvas_card_invalidate  (CanvasCard   *card);
/* Drops every render node (the theme or the agents changed). */
void         _troupe_canvas_scene_invalidate (TroupeCanvas *self);
/* Brings what the scene derives lazily up to date: the drawing order and
 * the workflow's fingerprint. */
void         _troupe_canvas_scene_update     (TroupeCanvas *self);
/* Where the card is drawn now: its position, or on its way there. */
void         _troupe_canvas_card_origin      (TroupeCanvas *self,
                                              CanvasCard   *card,
                                              double       *x,
                                              double       *y);
/* Bounds of an edge's drawing, from its ends' positions. */
void         _troupe_canvas_edge_bounds      (double           x1,
                                              double           y1,
                                              double           x2,
                                              double           y2,
                                              graphene_rect_t *bounds);

/* Gliding (troupe-canvas-motion.c). */
void         _troupe_canvas_motion_add       (TroupeCanvas *self,
                                              CanvasCard   *card);
void         _troupe_canvas_motion_forget    (TroupeCanvas *self,
                                              CanvasCard   *card);
void         _troupe_canvas_motion_stop      (TroupeCanvas *self);
gboolean     _troupe_canvas_is_moving        (TroupeCanvas *self);

/* For the tests: where the card of @step is drawn now. */
gboolean     _troupe_canvas_get_drawn_position (TroupeCanvas *self,
                                                TroupeStep   *step,
                                                double       *x,
                                                double       *y);
/* For the tests: the edges the scene holds. */
guint        _troupe_canvas_get_n_edges      (TroupeCanvas *self);

G_END_DECLS
