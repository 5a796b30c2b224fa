/* troupe-canvas-draw.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "troupe-canvas.h"
#include "troupe-canvas-private.h"

/* Drawing. A frame asks the spatial indexes what the visible rectangle
 * shows and appends, in graph coordinates under one transform, the cached
 * node of the edges of each visible cell and the cached node of each
 * visible card; only what changed since the last frame is drawn anew, and
 * a steady frame allocates nothing of its own. Zoomed out so far that the
 * text would be unreadable, cards are plain rounded rectangles in their
 * agent's colour (DETAIL_LOW), cached apart from the full ones. */

/* The GNOME palette, for agents that name no colour. */
static const char * const agent_palette[] = {
  "#3584e4", "#33d17a", "#f6d32d", "#ff7800", "#e01b24", "#9141ac", "#986a44", "#2ec27e",
};

/* Line widths of the edges, in graph pixels: zoomed out, thicker, so that
 * they still show. */
static const double edge_width[N_DETAILS] = { 2.0, 6.0 };

static const char *
kind_label (TroupeStepKind kind)
{
  switch (kind)
    {
    case TROUPE_STEP_KIND_AGENT: return _("Agent");
    case TROUPE_STEP_KIND_COMMAND: return _("Command");
    case TROUPE_STEP_KIND_SEND: return _("Send");
    case TROUPE_STEP_KIND_WAIT: return _("Wait");
    case TROUPE_STEP_KIND_APPROVAL: return _("Approval");
    default: return "";
    }
}

static void
agent_color (TroupeCanvas *self,
             const char   *agent,
             GdkRGBA      *color)
{
  TroupeAgent *a;

  if (agent == NULL)
    {
      *color = self->dim_color;
      return;
    }

  a = troupe_workflow_lookup_agent (self->workflow, agent);
  if (a != NULL && troupe_agent_get_color (a) != NULL &&
      gdk_rgba_parse (color, troupe_agent_get_color (a)))
    return;

  gdk_rgba_parse (color, agent_palette[g_str_hash (agent) % G_N_ELEMENTS (agent_palette)]);
}

void
_troupe_canvas_invalidate (TroupeCanvas *self)
{
  _troupe_canvas_scene_invalidate (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Adds the curve of the edge from the output port (@x1, @y1) to the
 * input port (@x2, @y2) to the path; zoomed out, a straight line, which
 * cairo strokes two to three times faster and which looks the same at a
 * tenth of the size. */
static void
curve_path (cairo_t *cr,
            double   x1,
            double   y1,
            double   x2,
            double   y2,
            Detail   detail)
{
  graphene_point_t c[4];

  if (detail == DETAIL_LOW)
    {
      cairo_move_to (cr, x1, y1);
      cairo_line_to (cr, x2, y2);
      return;
    }

  troupe_canvas_edge_curve (x1, y1, x2, y2, c, NULL);
  cairo_move_to (cr, c[0].x, c[0].y);
  cairo_curve_to (cr, c[1].x, c[1].y, c[2].x, c[2].y, c[3].x, c[3].y);
}

/* Adds the edge's arrowhead to the path: the curve ends going straight
 * down, so the arrowhead points down. */
static void
arrow_path (cairo_t *cr,
            double   x1,
            double   y1,
            double   x2,
            double   y2)
{
  graphene_point_t c[4], tip;

  troupe_canvas_edge_curve (x1, y1, x2, y2, c, &tip);
  cairo_move_to (cr, tip.x, tip.y);
  cairo_line_to (cr, tip.x - 5, tip.y - 9);
  cairo_line_to (cr, tip.x + 5, tip.y - 9);
  cairo_close_path (cr);
}

/* One edge on its own (the overlays: a selected edge, an edge being
 * dragged). */
static void
stroke_edge (cairo_t *cr,
             double   x1,
             double   y1,
             double   x2,
             double   y2)
{
  curve_path (cr, x1, y1, x2, y2, DETAIL_FULL);
  cairo_stroke (cr);
  arrow_path (cr, x1, y1, x2, y2);
  cairo_fill (cr);
}

static GskRenderNode *
place (GskRenderNode *content,
       double         x,
       double         y)
{
  g_autoptr(GskTransform) transform = gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT (x, y));

  /* At the origin there is no transform at all. */
  if (transform == NULL)
    return gsk_render_node_ref (content);
  return gsk_transform_node_new (content, transform);
}

/* Cairo and pixman rasterise in 16.16 fixed point: coordinates past
 * 32767 (the lower rows of a big graph) would come out blank. So cairo
 * nodes are recorded relative to the corner of their @bounds and moved
 * there by a transform; the context returned draws in graph coordinates
 * all the same. */
static cairo_t *
local_cairo_node (const graphene_rect_t  *bounds,
                  GskRenderNode         **node)
{
  g_autoptr(GskRenderNode) local = gsk_cairo_node_new (&GRAPHENE_RECT_INIT (0, 0, bounds->size.width,
                                                                           bounds->size.height));
  cairo_t *cr = gsk_cairo_node_get_draw_context (local);

  cairo_translate (cr, -bounds->origin.x, -bounds->origin.y);
  *node = place (local, bounds->origin.x, bounds->origin.y);
  return cr;
}

/* The same, appended to @snapshot. */
static cairo_t *
append_local_cairo (GtkSnapshot           *snapshot,
                    const graphene_rect_t *bounds)
{
  cairo_t *cr;

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &bounds->origin);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, bounds->size.width, bounds->size.height));
  gtk_snapshot_restore (snapshot);
  cairo_translate (cr, -bounds->origin.x, -bounds->origin.y);
  return cr;
}

static void
edge_ends (TroupeCanvas *self,
           CanvasEdge   *edge,
           double       *x1,
           double       *y1,
           double       *x2,
           double       *y2)
{
  _troupe_canvas_card_origin (self, edge->from, x1, y1);
  _troupe_canvas_card_origin (self, edge->to, x2, y2);
  *x1 += TROUPE_CARD_WIDTH / 2;
  *y1 += TROUPE_CARD_HEIGHT;
  *x2 += TROUPE_CARD_WIDTH / 2;
}

static void
begin_edges (TroupeCanvas *self,
             cairo_t      *cr,
             Detail        detail)
{
  gdk_cairo_set_source_rgba (cr, &self->line_color);
  cairo_set_line_width (cr, edge_width[detail]);
  /* Zoomed out, the lines are a pixel or less: the cheaper antialiasing
   * does not show. */
  if (detail == DETAIL_LOW)
    cairo_set_antialias (cr, CAIRO_ANTIALIAS_FAST);
}

/* One stroke per edge: cairo strokes many small paths faster than one big
 * one. Zoomed out, the arrowheads would be specks. */
static void
draw_edge (TroupeCanvas *self,
           cairo_t      *cr,
           CanvasEdge   *edge,
           Detail        detail)
{
  double x1, y1, x2, y2;

  edge_ends (self, edge, &x1, &y1, &x2, &y2);
  curve_path (cr, x1, y1, x2, y2, detail);
  cairo_stroke (cr);
  if (detail == DETAIL_FULL)
    {
      arrow_path (cr, x1, y1, x2, y2);
      cairo_fill (cr);
    }
}

/* A cairo node of the edges of @cell, clipped to where they are in it. */
static GskRenderNode *
record_edges (TroupeCanvas     *self,
              TroupeCanvasCell *cell,
              Detail            detail)
{
  guint n = troupe_canvas_cell_get_n_items (cell);
  graphene_rect_t extents;
  GskRenderNode *node = NULL;
  cairo_t *cr;

  troupe_canvas_cell_get_extents (cell, &extents);
  if (extents.size.width <= 0 || extents.size.height <= 0)
    return NULL;

  cr = local_cairo_node (&extents, &node);
  begin_edges (self, cr, detail);
  for (guint i = 0; i < n; i++)
    draw_edge (self, cr, troupe_canvas_cell_get_item (cell, i), detail);
  cairo_destroy (cr);

  return node;
}

/* The cached node of the edges of one cell; the index drops it when an
 * edge enters, leaves or moves in the cell. */
static GskRenderNode *
cell_edges_node (TroupeCanvas     *self,
                 TroupeCanvasCell *cell,
                 Detail            detail)
{
  GskRenderNode *node = troupe_canvas_cell_get_data (cell);

  if (node == NULL)
    {
      node = record_edges (self, cell, detail);
      if (node != NULL)
        troupe_canvas_cell_set_data (cell, node, (GDestroyNotify) gsk_render_node_unref);
    }

  return node;
}

static void
draw_port (GtkSnapshot   *snapshot,
           double         x,
           double         y,
           const GdkRGBA *color)
{
  GskRoundedRect dot;
  double r = TROUPE_CANVAS_PORT_RADIUS - 2;

  gsk_rounded_rect_init_from_rect (&dot, &GRAPHENE_RECT_INIT (x - r, y - r, 2 * r, 2 * r), r);
  gtk_snapshot_push_rounded_clip (snapshot, &dot);
  gtk_snapshot_append_color (snapshot, color, &dot.bounds);
  gtk_snapshot_pop (snapshot);
}

/* The card of @step at the origin, in full: the text is laid out here,
 * once, and kept as text nodes inside the card's node. */
static GskRenderNode *
record_card (TroupeCanvas *self,
             TroupeStep   *step)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(PangoLayout) title = NULL;
  g_autoptr(PangoLayout) detail = NULL;
  g_autofree char *detail_text = NULL;
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, TROUPE_CARD_WIDTH, TROUPE_CARD_HEIGHT);
  GskRoundedRect card;
  GdkRGBA stripe;
  const char *agent, *provider;
  float border_width[4] = { 1, 1, 1, 1 };
  GdkRGBA border_colors[4];
  guint problem;

  self->n_recorded_cards++;

  agent = troupe_step_get_agent (step);
  provider = troupe_workflow_get_step_provider_name (self->workflow, step);
  agent_color (self, agent, &stripe);

  gsk_rounded_rect_init_from_rect (&card, &bounds, CARD_RADIUS);
  gtk_snapshot_push_rounded_clip (snapshot, &card);
  gtk_snapshot_append_color (snapshot, &self->card_color, &bounds);
  gtk_snapshot_append_color (snapshot, &stripe, &GRAPHENE_RECT_INIT (0, 0, STRIPE_WIDTH, bounds.size.height));
  gtk_snapshot_pop (snapshot);

  for (guint i = 0; i < 4; i++)
    border_colors[i] = self->border_color;
  gtk_snapshot_append_border (snapshot, &card, border_width, border_colors);

  title = gtk_widget_create_pango_layout (GTK_WIDGET (self), troupe_step_get_id (step));
  pango_layout_set_width (title, (int) ((TROUPE_CARD_WIDTH - STRIPE_WIDTH - 40) * PANGO_SCALE));
  pango_layout_set_ellipsize (title, PANGO_ELLIPSIZE_END);
  {
    g_autoptr(PangoAttrList) attrs = pango_attr_list_new ();

    pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
    pango_layout_set_attributes (title, attrs);
  }

  detail_text = g_strjoin (" · ", kind_label (troupe_step_get_kind (step)),
                           agent != NULL ? agent : _("no agent"),
                           provider, NULL);
  detail = gtk_widget_create_pango_layout (GTK_WIDGET (self), detail_text);
  pango_layout_set_width (detail, (int) ((TROUPE_CARD_WIDTH - STRIPE_WIDTH - 20) * PANGO_SCALE));
  pango_layout_set_ellipsize (detail, PANGO_ELLIPSIZE_END);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (STRIPE_WIDTH + 10, 12));
  gtk_snapshot_append_layout (snapshot, title, &self->fg_color);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, 26));
  gtk_snapshot_append_layout (snapshot, detail, &self->dim_color);
  gtk_snapshot_restore (snapshot);

  draw_port (snapshot, TROUPE_CARD_WIDTH / 2, 0, &self->edge_color);
  draw_port (snapshot, TROUPE_CARD_WIDTH / 2, TROUPE_CARD_HEIGHT, &self->accent_color);

  /* A problem badge in the top-right corner: red for an error, yellow for
   * a warning; the problems list will say what it is. */
  problem = GPOINTER_TO_UINT (g_hash_table_lookup (self->problems, troupe_step_get_id (step)));
  if (problem != 0)
    {
      const GdkRGBA *color = problem - 1 == TROUPE_SEVERITY_ERROR ? &self->error_color : &self->warning_color;
      GskRoundedRect dot;
      double r = 7;
      double cx = TROUPE_CARD_WIDTH - 12;
      double cy = 12;

      gsk_rounded_rect_init_from_rect (&dot, &GRAPHENE_RECT_INIT (cx - r, cy - r, 2 * r, 2 * r), r);
      gtk_snapshot_push_rounded_clip (snapshot, &dot);
      gtk_snapshot_append_color (snapshot, color, &dot.bounds);
      gtk_snapshot_pop (snapshot);
    }

  return gtk_snapshot_free_to_node (snapshot);
}

/* The card of @step at the origin, zoomed far out: a rounded rectangle in
 * its agent's colour, no text, no ports. */
static GskRenderNode *
record_card_low (TroupeCanvas *self,
                 TroupeStep   *step)
{
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, TROUPE_CARD_WIDTH, TROUPE_CARD_HEIGHT);
  g_autoptr(GskRenderNode) fill = NULL;
  GskRoundedRect card;
  GdkRGBA color;

  agent_color (self, troupe_step_get_agent (step), &color);
  fill = gsk_color_node_new (&color, &bounds);
  gsk_rounded_rect_init_from_rect (&card, &bounds, CARD_RADIUS);
  return gsk_rounded_clip_node_new (fill, &card);
}

/* Appends the card's node, drawn and placed if it was not cached. */
static void
append_card (TroupeCanvas *self,
             GtkSnapshot  *snapshot,
             CanvasCard   *card,
             Detail        detail)
{
  if (card->content[detail] == NULL)
    card->content[detail] = detail == DETAIL_FULL ? record_card (self, card->step)
                                                  : record_card_low (self, card->step);

  /* A gliding card is somewhere new every frame. */
  if (card->moving)
    {
      g_autoptr(GskRenderNode) placed = NULL;
      double x, y;

      _troupe_canvas_card_origin (self, card, &x, &y);
      placed = place (card->content[detail], x, y);
      gtk_snapshot_append_node (snapshot, placed);
      return;
    }

  if (card->placed[detail] == NULL)
    card->placed[detail] = place (card->content[detail], card->x, card->y);
  gtk_snapshot_append_node (snapshot, card->placed[detail]);
}

static gboolean
card_before (CanvasCard *a,
             CanvasCard *b)
{
  return a->order < b->order;
}

static void
sift_down (CanvasCard **cards,
           guint        root,
           guint        n)
{
  for (;;)
    {
      guint child = 2 * root + 1;
      CanvasCard *swap;

      if (child >= n)
        return;
      if (child + 1 < n && card_before (cards[child], cards[child + 1]))
        child++;
      if (!card_before (cards[root], cards[child]))
        return;
      swap = cards[root];
      cards[root] = cards[child];
      cards[child] = swap;
      root = child;
    }
}

/* Sorts the cards into drawing order (the workflow's), in place: a heap
 * sort, because g_ptr_array_sort() may allocate. */
static void
sort_cards (GPtrArray *array)
{
  CanvasCard **cards = (CanvasCard **) array->pdata;
  guint n = array->len;

  for (guint i = n / 2; i > 0; i--)
    sift_down (cards, i - 1, n);
  for (guint end = n; end > 1; end--)
    {
      CanvasCard *swap = cards[0];

      cards[0] = cards[end - 1];
      cards[end - 1] = swap;
      sift_down (cards, 0, end - 1);
    }
}

/* Edges and cards, from the indexes and the caches. */
static void
draw_scene (TroupeCanvas          *self,
            GtkSnapshot           *snapshot,
            const graphene_rect_t *visible,
            Detail                 detail)
{
  g_ptr_array_set_size (self->visible_cells, 0);
  troupe_canvas_index_query_cells (self->edge_index[detail], visible, self->visible_cells);
  for (guint i = 0; i < self->visible_cells->len; i++)
    {
      GskRenderNode *node = cell_edges_node (self, g_ptr_array_index (self->visible_cells, i), detail);

      if (node != NULL)
        {
          gtk_snapshot_append_node (snapshot, node);
          self->n_drawn_cells++;
        }
    }
  g_ptr_array_set_size (self->visible_cells, 0);

  /* Edges too big for the cells: drawn every frame, there are few if any. */
  g_ptr_array_set_size (self->visible_edges, 0);
  troupe_canvas_index_query_huge (self->edge_index[detail], visible, self->visible_edges);
  if (self->visible_edges->len > 0)
    {
      cairo_t *cr = append_local_cairo (snapshot, visible);

      begin_edges (self, cr, detail);
      for (guint i = 0; i < self->visible_edges->len; i++)
        draw_edge (self, cr, g_ptr_array_index (self->visible_edges, i), detail);
      cairo_destroy (cr);
      g_ptr_array_set_size (self->visible_edges, 0);
    }

  g_ptr_array_set_size (self->visible_cards, 0);
  troupe_canvas_index_query (self->card_index, visible, self->visible_cards);
  sort_cards (self->visible_cards);
  for (guint i = 0; i < self->visible_cards->len; i++)
    append_card (self, snapshot, g_ptr_array_index (self->visible_cards, i), detail);
  self->n_drawn_cards = self->visible_cards->len;
  g_ptr_array_set_size (self->visible_cards, 0);
}

/* While cards glide, the indexes (which hold the model's positions) do
 * not say where they are drawn: every card and edge is placed and culled
 * here, and the visible edges drawn afresh each frame. */
static void
draw_scene_moving (TroupeCanvas          *self,
                   GtkSnapshot           *snapshot,
                   const graphene_rect_t *visible,
                   Detail                 detail)
{
  GHashTableIter iter;
  gpointer value;
  cairo_t *cr = NULL;

  g_ptr_array_set_size (self->visible_cards, 0);
  g_hash_table_iter_init (&iter, self->cards);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      CanvasCard *card = value;
      graphene_rect_t bounds;
      double x, y;

      if (!card->positioned)
        continue;

      for (guint i = 0; i < card->edges->len; i++)
        {
          CanvasEdge *edge = g_ptr_array_index (card->edges, i);
          double x1, y1, x2, y2;

          if (edge->to != card || !edge->from->positioned)
            continue;
          edge_ends (self, edge, &x1, &y1, &x2, &y2);
          _troupe_canvas_edge_bounds (x1, y1, x2, y2, &bounds);
          if (!graphene_rect_intersection (&bounds, visible, NULL))
            continue;
          if (cr == NULL)
            {
              cr = append_local_cairo (snapshot, visible);
              begin_edges (self, cr, detail);
            }
          draw_edge (self, cr, edge, detail);
        }

      _troupe_canvas_card_origin (self, card, &x, &y);
      graphene_rect_init (&bounds, x, y - TROUPE_CANVAS_PORT_RADIUS,
                          TROUPE_CARD_WIDTH, TROUPE_CARD_HEIGHT + 2 * TROUPE_CANVAS_PORT_RADIUS);
      if (graphene_rect_intersection (&bounds, visible, NULL))
        g_ptr_array_add (self->visible_cards, card);
    }

  if (cr != NULL)
    cairo_destroy (cr);

  sort_cards (self->visible_cards);
  for (guint i = 0; i < self->visible_cards->len; i++)
    append_card (self, snapshot, g_ptr_array_index (self->visible_cards, i), detail);
  self->n_drawn_cards = self->visible_cards->len;
  g_ptr_array_set_size (self->visible_cards, 0);
}

static void
append_ring (GtkSnapshot   *snapshot,
             double         x,
             double         y,
             const GdkRGBA *color)
{
  GskRoundedRect ring;
  float w[4] = { 3, 3, 3, 3 };
  GdkRGBA colors[4] = { *color, *color, *color, *color };

  gsk_rounded_rect_init_from_rect (&ring, &GRAPHENE_RECT_INIT (x - 2, y - 2,
                                                               TROUPE_CARD_WIDTH + 4, TROUPE_CARD_HEIGHT + 4),
                                   CARD_RADIUS + 2);
  gtk_snapshot_append_border (snapshot, &ring, w, colors);
}

static gboolean
drawn_port (TroupeCanvas *self,
            TroupeStep   *step,
            gboolean      output,
            double       *x,
            double       *y)
{
  CanvasCard *card = _troupe_canvas_lookup_card (self, step);

  if (card == NULL || !card->positioned)
    return FALSE;
  _troupe_canvas_card_origin (self, card, x, y);
  *x += TROUPE_CARD_WIDTH / 2;
  if (output)
    *y += TROUPE_CARD_HEIGHT;
  return TRUE;
}

/* The live overlay, in graph coordinates: the selection and the edges
 * being selected or dragged. */
static void
draw_overlay (TroupeCanvas *self,
              GtkSnapshot  *snapshot)
{
  const char *from_id, *to_id;
  TroupeStep *from, *to;
  double x1, y1, x2, y2;

  for (guint i = 0; i < troupe_canvas_view_get_n_selected (self->view); i++)
    {
      TroupeStep *selected = troupe_workflow_lookup_step (self->workflow,
                                                          troupe_canvas_view_get_nth_selected (self->view, i));
      CanvasCard *card = _troupe_canvas_lookup_card (self, selected);
      double x, y;

      if (card != NULL && card->positioned)
        {
          _troupe_canvas_card_origin (self, card, &x, &y);
          append_ring (snapshot, x, y, &self->accent_color);
        }
    }

  if (troupe_canvas_view_get_selected_edge (self->view, &from_id, &to_id) &&
      (from = troupe_workflow_lookup_step (self->workflow, from_id)) != NULL &&
      (to = troupe_workflow_lookup_step (self->workflow, to_id)) != NULL &&
      troupe_step_has_need (to, from_id) &&
      drawn_port (self, from, TRUE, &x1, &y1) && drawn_port (self, to, FALSE, &x2, &y2))
    {
      graphene_rect_t area;
      cairo_t *cr;

      _troupe_canvas_edge_bounds (x1, y1, x2, y2, &area);
      cr = append_local_cairo (snapshot, &area);
      gdk_cairo_set_source_rgba (cr, &self->accent_color);
      cairo_set_line_width (cr, 3.5);
      stroke_edge (cr, x1, y1, x2, y2);
      cairo_destroy (cr);
    }

  if (self->drag_mode == DRAG_CONNECT && self->drag_step != NULL &&
      (from = troupe_workflow_lookup_step (self->workflow, self->drag_step)) != NULL &&
      drawn_port (self, from, TRUE, &x1, &y1))
    {
      const GdkRGBA *color = &self->accent_color;
      graphene_rect_t area;
      cairo_t *cr;

      /* Over a card it may not connect to, the edge turns red and the card
       * is ringed in red: dropping there is refused. The input facet
       * decides that as the pointer moves, not here every frame. */
      if (self->connect_refused && self->connect_target != NULL)
        {
          TroupeStep *step = troupe_workflow_lookup_step (self->workflow, self->connect_target);
          CanvasCard *refused = _troupe_canvas_lookup_card (self, step);
          double x, y;

          color = &self->error_color;
          if (refused != NULL && refused->positioned)
            {
              _troupe_canvas_card_origin (self, refused, &x, &y);
              append_ring (snapshot, x, y, &self->error_color);
            }
        }

      troupe_canvas_view_widget_to_graph (self->view, self->pointer_x, self->pointer_y, &x2, &y2);
      _troupe_canvas_edge_bounds (x1, y1, x2, y2, &area);
      cr = append_local_cairo (snapshot, &area);
      gdk_cairo_set_source_rgba (cr, color);
      cairo_set_line_width (cr, 2.0);
      stroke_edge (cr, x1, y1, x2, y2);
      cairo_destroy (cr);
    }
}

void
_troupe_canvas_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  TroupeCanvas *self = TROUPE_CANVAS (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  double zoom = troupe_canvas_view_get_zoom (self->view);
  double offset_x = troupe_canvas_view_get_offset_x (self->view);
  double offset_y = troupe_canvas_view_get_offset_y (self->view);
  graphene_rect_t visible;
  Detail detail;

  self->n_drawn_cards = 0;
  self->n_drawn_cells = 0;

  gtk_snapshot_append_color (snapshot, &self->bg_color, &GRAPHENE_RECT_INIT (0, 0, width, height));

  if (self->workflow == NULL)
    return;

  _troupe_canvas_scene_update (self);

  /* The widget's rectangle in graph coordinates. */
  graphene_rect_init (&visible, -offset_x / zoom, -offset_y / zoom, width / zoom, height / zoom);
  detail = zoom < self->lod_zoom ? DETAIL_LOW : DETAIL_FULL;
  self->drawn_detail = detail;

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (offset_x, offset_y));
  gtk_snapshot_scale (snapshot, zoom, zoom);

  if (_troupe_canvas_is_moving (self))
    draw_scene_moving (self, snapshot, &visible, detail);
  else
    draw_scene (self, snapshot, &visible, detail);
  draw_overlay (self, snapshot);

  gtk_snapshot_restore (snapshot);

  if (self->drag_mode == DRAG_RUBBER_BAND)
    {
      graphene_rect_t band;
      GskRoundedRect rounded;
      GdkRGBA fill = self->accent_color;
      float w[4] = { 1, 1, 1, 1 };
      GdkRGBA colors[4] = { self->accent_color, self->accent_color, self->accent_color, self->accent_color };

      graphene_rect_init (&band,
                          MIN (self->drag_start_x, self->pointer_x), MIN (self->drag_start_y, self->pointer_y),
                          fabs (self->pointer_x - self->drag_start_x), fabs (self->pointer_y - self->drag_start_y));
      fill.alpha *= 0.15f;
      gtk_snapshot_append_color (snapshot, &fill, &band);
      gsk_rounded_rect_init_from_rect (&rounded, &band, 0);
      gtk_snapshot_append_border (snapshot, &rounded, w, colors);
    }

  gtk_snapshot_pop (snapshot);
}
