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

/* Drawing: the cards, ports and edges, recorded once into a render node
 * in graph coordinates that is kept until the model or the theme changes. */

/* The GNOME palette, for agents that name no colour. */
static const char * const agent_palette[] = {
  "#3584e4", "#33d17a", "#f6d32d", "#ff7800", "#e01b24", "#9141ac", "#986a44", "#2ec27e",
};

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
  g_clear_pointer (&self->graph_node, gsk_render_node_unref);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
edge_path (cairo_t *cr,
           double   x1,
           double   y1,
           double   x2,
           double   y2)
{
  graphene_point_t c[4], tip;

  troupe_canvas_edge_curve (x1, y1, x2, y2, c, &tip);
  cairo_move_to (cr, c[0].x, c[0].y);
  cairo_curve_to (cr, c[1].x, c[1].y, c[2].x, c[2].y, c[3].x, c[3].y);
  cairo_stroke (cr);

  /* The curve ends going straight down, so the arrowhead points down. */
  cairo_move_to (cr, tip.x, tip.y);
  cairo_line_to (cr, tip.x - 5, tip.y - 9);
  cairo_line_to (cr, tip.x + 5, tip.y - 9);
  cairo_close_path (cr);
  cairo_fill (cr);
}

static void
draw_edges (TroupeCanvas    *self,
            GtkSnapshot     *snapshot,
            graphene_rect_t *bounds)
{
  GPtrArray *steps = troupe_workflow_get_steps (self->workflow);
  cairo_t *cr;

  cr = gtk_snapshot_append_cairo (snapshot, bounds);
  gdk_cairo_set_source_rgba (cr, &self->edge_color);
  cairo_set_line_width (cr, 2.0);

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *to = g_ptr_array_index (steps, i);
      const char * const *needs = troupe_step_get_needs (to);
      double x2, y2;

      if (needs == NULL || !troupe_step_get_position (to, NULL, NULL))
        continue;

      troupe_canvas_step_input_port (to, &x2, &y2);
      for (guint j = 0; needs[j] != NULL; j++)
        {
          TroupeStep *from = troupe_workflow_lookup_step (self->workflow, needs[j]);
          double x1, y1;

          if (from == NULL || !troupe_step_get_position (from, NULL, NULL))
            continue;

          troupe_canvas_step_output_port (from, &x1, &y1);
          edge_path (cr, x1, y1, x2, y2);
        }
    }

  cairo_destroy (cr);
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

static void
draw_card (TroupeCanvas *self,
           GtkSnapshot  *snapshot,
           TroupeStep   *step)
{
  g_autoptr(PangoLayout) title = NULL;
  g_autoptr(PangoLayout) detail = NULL;
  g_autofree char *detail_text = NULL;
  graphene_rect_t bounds;
  GskRoundedRect card;
  GdkRGBA stripe;
  const char *agent, *provider;
  double px, py;
  float border_width[4] = { 1, 1, 1, 1 };
  GdkRGBA border_colors[4];

  if (!troupe_canvas_step_bounds (step, &bounds))
    return;

  agent = troupe_step_get_agent (step);
  provider = troupe_workflow_get_step_provider_name (self->workflow, step);
  agent_color (self, agent, &stripe);

  gsk_rounded_rect_init_from_rect (&card, &bounds, CARD_RADIUS);
  gtk_snapshot_push_rounded_clip (snapshot, &card);
  gtk_snapshot_append_color (snapshot, &self->card_color, &bounds);
  gtk_snapshot_append_color (snapshot, &stripe,
                             &GRAPHENE_RECT_INIT (bounds.origin.x, bounds.origin.y,
                                                  STRIPE_WIDTH, bounds.size.height));
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
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (bounds.origin.x + STRIPE_WIDTH + 10,
                                                          bounds.origin.y + 12));
  gtk_snapshot_append_layout (snapshot, title, &self->fg_color);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, 26));
  gtk_snapshot_append_layout (snapshot, detail, &self->dim_color);
  gtk_snapshot_restore (snapshot);

  troupe_canvas_step_input_port (step, &px, &py);
  draw_port (snapshot, px, py, &self->edge_color);
  troupe_canvas_step_output_port (step, &px, &py);
  draw_port (snapshot, px, py, &self->accent_color);

  /* A problem badge in the top-right corner: red for an error, yellow for
   * a warning; the problems list will say what it is. */
  {
    guint problem = GPOINTER_TO_UINT (g_hash_table_lookup (self->problems, troupe_step_get_id (step)));

    if (problem != 0)
      {
        const GdkRGBA *color = problem - 1 == TROUPE_SEVERITY_ERROR ? &self->error_color : &self->warning_color;
        GskRoundedRect dot;
        double r = 7;
        double cx = bounds.origin.x + bounds.size.width - 12;
        double cy = bounds.origin.y + 12;

        gsk_rounded_rect_init_from_rect (&dot, &GRAPHENE_RECT_INIT (cx - r, cy - r, 2 * r, 2 * r), r);
        gtk_snapshot_push_rounded_clip (snapshot, &dot);
        gtk_snapshot_append_color (snapshot, color, &dot.bounds);
        gtk_snapshot_pop (snapshot);
      }
  }
}

/* Records the cards and edges once, in graph coordinates; panning and
 * zooming only change the transform it is drawn with. */
static GskRenderNode *
record_graph (TroupeCanvas *self)
{
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  GPtrArray *steps = troupe_workflow_get_steps (self->workflow);
  graphene_rect_t bounds;

  if (!troupe_canvas_workflow_bounds (self->workflow, &bounds))
    return NULL;

  graphene_rect_inset (&bounds, -TROUPE_CANVAS_PORT_RADIUS, -TROUPE_CANVAS_PORT_RADIUS);
  draw_edges (self, snapshot, &bounds);
  for (guint i = 0; i < steps->len; i++)
    draw_card (self, snapshot, g_ptr_array_index (steps, i));

  return gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
}

void
_troupe_canvas_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  TroupeCanvas *self = TROUPE_CANVAS (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  double zoom = troupe_canvas_view_get_zoom (self->view);
  const char *selection;
  TroupeStep *selected;

  gtk_snapshot_append_color (snapshot, &self->bg_color, &GRAPHENE_RECT_INIT (0, 0, width, height));

  if (self->workflow == NULL)
    return;

  if (self->graph_node == NULL)
    self->graph_node = record_graph (self);
  if (self->graph_node == NULL)
    return;

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (troupe_canvas_view_get_offset_x (self->view),
                                                          troupe_canvas_view_get_offset_y (self->view)));
  gtk_snapshot_scale (snapshot, zoom, zoom);
  gtk_snapshot_append_node (snapshot, self->graph_node);

  /* The live overlay: the selection and an edge being dragged. */
  for (guint i = 0; i < troupe_canvas_view_get_n_selected (self->view); i++)
    {
      graphene_rect_t bounds;
      GskRoundedRect ring;
      float w[4] = { 3, 3, 3, 3 };
      GdkRGBA colors[4] = { self->accent_color, self->accent_color, self->accent_color, self->accent_color };

      selection = troupe_canvas_view_get_nth_selected (self->view, i);
      selected = troupe_workflow_lookup_step (self->workflow, selection);
      if (selected != NULL && troupe_canvas_step_bounds (selected, &bounds))
        {
          graphene_rect_inset (&bounds, -2, -2);
          gsk_rounded_rect_init_from_rect (&ring, &bounds, CARD_RADIUS + 2);
          gtk_snapshot_append_border (snapshot, &ring, w, colors);
        }
    }

  {
    const char *from_id, *to_id;
    TroupeStep *from, *to;

    if (troupe_canvas_view_get_selected_edge (self->view, &from_id, &to_id) &&
        (from = troupe_workflow_lookup_step (self->workflow, from_id)) != NULL &&
        (to = troupe_workflow_lookup_step (self->workflow, to_id)) != NULL &&
        troupe_step_has_need (to, from_id) &&
        troupe_step_get_position (from, NULL, NULL) && troupe_step_get_position (to, NULL, NULL))
      {
        double x1, y1, x2, y2;
        graphene_rect_t area;
        cairo_t *cr;

        troupe_canvas_step_output_port (from, &x1, &y1);
        troupe_canvas_step_input_port (to, &x2, &y2);
        graphene_rect_init (&area, MIN (x1, x2) - 20, MIN (y1, y2) - 80,
                            fabs (x2 - x1) + 40, fabs (y2 - y1) + 160);
        cr = gtk_snapshot_append_cairo (snapshot, &area);
        gdk_cairo_set_source_rgba (cr, &self->accent_color);
        cairo_set_line_width (cr, 3.5);
        edge_path (cr, x1, y1, x2, y2);
        cairo_destroy (cr);
      }
  }

  if (self->drag_mode == DRAG_CONNECT && self->drag_step != NULL)
    {
      TroupeStep *from = troupe_workflow_lookup_step (self->workflow, self->drag_step);
      double x1, y1, x2, y2;

      if (from != NULL)
        {
          cairo_t *cr;
          graphene_rect_t area;

          TroupeStep *target = NULL;
          const GdkRGBA *color = &self->accent_color;

          troupe_canvas_step_output_port (from, &x1, &y1);
          troupe_canvas_view_widget_to_graph (self->view, self->pointer_x, self->pointer_y, &x2, &y2);

          /* Over a card it may not connect to, the edge turns red and the
           * card is ringed in red: dropping there is refused. */
          if (troupe_canvas_view_hit_test (self->view, self->workflow, self->pointer_x, self->pointer_y,
                                           &target) != TROUPE_CANVAS_HIT_NONE &&
              (target == from ||
               troupe_workflow_would_cycle (self->workflow, self->drag_step, troupe_step_get_id (target), NULL)))
            {
              graphene_rect_t bounds;
              GskRoundedRect ring;
              float w[4] = { 3, 3, 3, 3 };
              GdkRGBA colors[4] = { self->error_color, self->error_color, self->error_color, self->error_color };

              color = &self->error_color;
              troupe_canvas_step_bounds (target, &bounds);
              graphene_rect_inset (&bounds, -2, -2);
              gsk_rounded_rect_init_from_rect (&ring, &bounds, CARD_RADIUS + 2);
              gtk_snapshot_append_border (snapshot, &ring, w, colors);
            }

          graphene_rect_init (&area, MIN (x1, x2) - 60, MIN (y1, y2) - 60,
                              fabs (x2 - x1) + 120, fabs (y2 - y1) + 120);
          cr = gtk_snapshot_append_cairo (snapshot, &area);
          gdk_cairo_set_source_rgba (cr, color);
          cairo_set_line_width (cr, 2.0);
          edge_path (cr, x1, y1, x2, y2);
          cairo_destroy (cr);
        }
    }

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
