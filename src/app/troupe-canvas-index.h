/* troupe-canvas-index.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <graphene.h>

G_BEGIN_DECLS

/* A spatial index of rectangles in graph coordinates: a uniform grid of
 * square cells, each listing the items whose bounds touch it, so that the
 * canvas finds what a visible rectangle shows without looking at every
 * card and edge of a big graph. Items are opaque pointers that the caller
 * owns. A cell can also hold data of the caller's (the canvas keeps a
 * cached render node of the edges in each cell there); the index drops it
 * whenever an item enters, leaves or moves within the cell. */
typedef struct _TroupeCanvasIndex TroupeCanvasIndex;
typedef struct _TroupeCanvasCell  TroupeCanvasCell;

TroupeCanvasIndex *troupe_canvas_index_new          (double                 cell_size);
void               troupe_canvas_index_free         (TroupeCanvasIndex     *self);
/* Forgets every item and every cell. */
void               troupe_canvas_index_remove_all   (TroupeCanvasIndex     *self);
/* Adds @item with @bounds, or moves it there if it is already in. */
void               troupe_canvas_index_set          (TroupeCanvasIndex     *self,
                                                     gpointer               item,
                                                     const graphene_rect_t *bounds);
/* FALSE if @item was not in. */
gboolean           troupe_canvas_index_remove       (TroupeCanvasIndex     *self,
                                                     gpointer               item);
gboolean           troupe_canvas_index_get_bounds   (TroupeCanvasIndex     *self,
                                                     gpointer               item,
                                                     graphene_rect_t       *bounds);
guint              troupe_canvas_index_get_n_items  (TroupeCanvasIndex     *self);
/* Cells that hold at least one item. */
guint              troupe_canvas_index_get_n_cells  (TroupeCanvasIndex     *self);
/* Appends to @items every item whose bounds intersect @rect, each once, in
 * no particular order. Allocates nothing once @items has grown to the size
 * a query needs. */
void               troupe_canvas_index_query        (TroupeCanvasIndex     *self,
                                                     const graphene_rect_t *rect,
                                                     GPtrArray             *items);
/* Appends to @items the items that intersect @rect but are in no cell:
 * those whose bounds span more cells than is reasonable (an edge between
 * cards far apart on both axes). troupe_canvas_index_query() returns them
 * too; troupe_canvas_index_query_cells() cannot. */
void               troupe_canvas_index_query_huge   (TroupeCanvasIndex     *self,
                                                     const graphene_rect_t *rect,
                                                     GPtrArray             *items);
/* Appends to @cells every non-empty cell that touches @rect. A cell
 * (borrowed) lives for as long as some item touches it. */
void               troupe_canvas_index_query_cells  (TroupeCanvasIndex     *self,
                                                     const graphene_rect_t *rect,
                                                     GPtrArray             *cells);
/* Drops the data of every cell (after a theme change, say). */
void               troupe_canvas_index_clear_data   (TroupeCanvasIndex     *self);

void               troupe_canvas_cell_get_bounds    (TroupeCanvasCell      *cell,
                                                     graphene_rect_t       *bounds);
/* The items touching the cell (borrowed), and the union of their bounds
 * clipped to the cell. */
guint              troupe_canvas_cell_get_n_items   (TroupeCanvasCell      *cell);
gpointer           troupe_canvas_cell_get_item      (TroupeCanvasCell      *cell,
                                                     guint                  i);
void               troupe_canvas_cell_get_extents   (TroupeCanvasCell      *cell,
                                                     graphene_rect_t       *extents);
gpointer           troupe_canvas_cell_get_data      (TroupeCanvasCell      *cell);
void               troupe_canvas_cell_set_data      (TroupeCanvasCell      *cell,
                                                     gpointer               data,
                                                     GDestroyNotify         destroy);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TroupeCanvasIndex, troupe_canvas_index_free)

G_END_DECLS
