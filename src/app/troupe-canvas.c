/* troupe-canvas.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "troupe-canvas.h"

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

G_DEFINE_FINAL_TYPE (TroupeCanvas, troupe_canvas, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_DOCUMENT,
  PROP_VIEW,
  PROP_SNAP_TO_GRID,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

enum {
  PASTED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

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

static void
invalidate (TroupeCanvas *self)
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

static void
troupe_canvas_snapshot (GtkWidget   *widget,
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

static void
lookup_color (GtkWidget  *widget,
              const char *name,
              const char *fallback,
              GdkRGBA    *color)
{
  /* GTK 4.8 has no other way to read a named colour of the theme. */
  GtkStyleContext *context = gtk_widget_get_style_context (widget);

  if (!gtk_style_context_lookup_color (context, name, color))
    gdk_rgba_parse (color, fallback);
}

static void
troupe_canvas_css_changed (GtkWidget         *widget,
                           GtkCssStyleChange *change)
{
  TroupeCanvas *self = TROUPE_CANVAS (widget);

  GTK_WIDGET_CLASS (troupe_canvas_parent_class)->css_changed (widget, change);

  lookup_color (widget, "card_bg_color", "#ffffff", &self->card_color);
  lookup_color (widget, "view_fg_color", "#000000", &self->fg_color);
  lookup_color (widget, "accent_color", "#1c71d8", &self->accent_color);
  lookup_color (widget, "borders", "rgba(0,0,0,0.15)", &self->border_color);
  lookup_color (widget, "error_color", "#c01c28", &self->error_color);
  lookup_color (widget, "warning_color", "#9c6e03", &self->warning_color);
  self->dim_color = self->fg_color;
  self->dim_color.alpha *= 0.6f;
  self->edge_color = self->fg_color;
  self->edge_color.alpha *= 0.5f;

  /* A card on a card-coloured background would vanish: in light mode
   * libadwaita's view and card backgrounds are both white, so the canvas
   * uses the window background behind its cards. */
  lookup_color (widget, "window_bg_color", "#fafafa", &self->bg_color);

  invalidate (self);
}

static void
fit_now (TroupeCanvas *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->workflow == NULL || width <= 0 || height <= 0)
    {
      self->fit_pending = TRUE;
      return;
    }

  troupe_canvas_view_fit (self->view, self->workflow, width, height, FIT_MARGIN);
  self->fit_pending = FALSE;
}

static void
troupe_canvas_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  TroupeCanvas *self = TROUPE_CANVAS (widget);

  if (self->fit_pending)
    fit_now (self);
}

static void
on_model_changed_cb (TroupeCanvas *self)
{
  invalidate (self);
}

static void
on_step_removed_cb (TroupeWorkflow *workflow,
                    TroupeStep     *step,
                    guint           position,
                    TroupeCanvas   *self)
{
  troupe_canvas_view_unselect (self->view, troupe_step_get_id (step));
  invalidate (self);
}

static void
on_step_renamed_cb (TroupeWorkflow *workflow,
                    TroupeStep     *step,
                    const char     *old_id,
                    TroupeCanvas   *self)
{
  troupe_canvas_view_rename_selected (self->view, old_id, troupe_step_get_id (step));
  invalidate (self);
}

static void
on_diagnostics_cb (TroupeCanvas *self)
{
  GPtrArray *diagnostics = troupe_document_get_diagnostics (self->document);

  g_hash_table_remove_all (self->problems);
  for (guint i = 0; diagnostics != NULL && i < diagnostics->len; i++)
    {
      const TroupeDiagnostic *d = g_ptr_array_index (diagnostics, i);
      guint worst;

      if (d->step_id == NULL)
        continue;

      /* Errors sort before warnings in TroupeSeverity. */
      worst = GPOINTER_TO_UINT (g_hash_table_lookup (self->problems, d->step_id));
      if (worst == 0 || (guint) d->severity + 1 < worst)
        g_hash_table_insert (self->problems, g_strdup (d->step_id),
                             GUINT_TO_POINTER ((guint) d->severity + 1));
    }

  invalidate (self);
}

static void
disconnect_workflow (TroupeCanvas *self)
{
  if (self->workflow != NULL)
    g_signal_handlers_disconnect_by_data (self->workflow, self);
  g_clear_object (&self->workflow);
}

static void
on_document_workflow_cb (TroupeCanvas *self)
{
  TroupeWorkflow *workflow = troupe_document_get_workflow (self->document);

  disconnect_workflow (self);
  self->workflow = g_object_ref (workflow);
  g_signal_connect_swapped (workflow, "step-added", G_CALLBACK (on_model_changed_cb), self);
  g_signal_connect_swapped (workflow, "step-changed", G_CALLBACK (on_model_changed_cb), self);
  g_signal_connect_swapped (workflow, "edge-added", G_CALLBACK (on_model_changed_cb), self);
  g_signal_connect_swapped (workflow, "edge-removed", G_CALLBACK (on_model_changed_cb), self);
  /* Agents' colours and the default provider show on the cards. */
  g_signal_connect_swapped (workflow, "changed", G_CALLBACK (on_model_changed_cb), self);
  g_signal_connect (workflow, "step-removed", G_CALLBACK (on_step_removed_cb), self);
  g_signal_connect (workflow, "step-renamed", G_CALLBACK (on_step_renamed_cb), self);

  troupe_canvas_view_set_selection (self->view, NULL);
  invalidate (self);
  fit_now (self);
}

static void
show_error (TroupeCanvas *self,
            const GError *error)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  AdwToast *toast;

  /* Outside a window (in tests) there is nobody to tell but the log. */
  if (overlay == NULL)
    {
      g_debug ("%s", error->message);
      return;
    }

  toast = adw_toast_new (error->message);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
}

static void
clear_drag (TroupeCanvas *self)
{
  g_clear_pointer (&self->drag_step, g_free);
  g_clear_pointer (&self->drag_ids, g_strfreev);
  g_clear_pointer (&self->drag_xs, g_free);
  g_clear_pointer (&self->drag_ys, g_free);
}

static void
drag_begin_cb (TroupeCanvas   *self,
               double          x,
               double          y,
               GtkGestureDrag *gesture)
{
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));
  TroupeStep *step = NULL;
  TroupeCanvasHit hit;
  gboolean extend;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  clear_drag (self);
  self->drag_start_x = x;
  self->drag_start_y = y;
  self->pointer_x = x;
  self->pointer_y = y;
  self->drag_mode = DRAG_PAN;
  self->drag_origin_x = troupe_canvas_view_get_offset_x (self->view);
  self->drag_origin_y = troupe_canvas_view_get_offset_y (self->view);

  /* The middle button, or any drag with Space held, pans. */
  if (self->workflow == NULL || button != GDK_BUTTON_PRIMARY || self->space_held)
    return;

  extend = (gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture)) &
            (GDK_SHIFT_MASK | GDK_CONTROL_MASK)) != 0;
  hit = troupe_canvas_view_hit_test (self->view, self->workflow, x, y, &step);

  /* Shift or Ctrl: a click on a card adds it to the selection or takes it
   * out, a drag on the background draws a rubber band. */
  if (extend)
    {
      if (hit == TROUPE_CANVAS_HIT_CARD || hit == TROUPE_CANVAS_HIT_INPUT_PORT)
        {
          troupe_canvas_view_toggle_selected (self->view, troupe_step_get_id (step));
          self->drag_mode = DRAG_NONE;
          return;
        }
      if (hit == TROUPE_CANVAS_HIT_NONE)
        {
          self->drag_mode = DRAG_RUBBER_BAND;
          return;
        }
    }

  switch (hit)
    {
    case TROUPE_CANVAS_HIT_NONE:
      {
        TroupeStep *from = NULL, *to = NULL;

        if (troupe_canvas_view_hit_test_edge (self->view, self->workflow, x, y, &from, &to))
          {
            troupe_canvas_view_select_edge (self->view, troupe_step_get_id (from), troupe_step_get_id (to));
            self->drag_mode = DRAG_NONE;
          }
        else
          {
            troupe_canvas_view_set_selection (self->view, NULL);
            troupe_canvas_view_select_edge (self->view, NULL, NULL);
          }
      }
      break;

    case TROUPE_CANVAS_HIT_OUTPUT_PORT:
      self->drag_mode = DRAG_CONNECT;
      self->drag_step = g_strdup (troupe_step_get_id (step));
      break;

    case TROUPE_CANVAS_HIT_CARD:
    case TROUPE_CANVAS_HIT_INPUT_PORT:
    default:
      {
        guint n;

        self->drag_mode = DRAG_MOVE;
        self->drag_step = g_strdup (troupe_step_get_id (step));
        troupe_step_get_position (step, &self->drag_origin_x, &self->drag_origin_y);

        /* Dragging a selected card moves the whole selection. */
        if (troupe_canvas_view_is_selected (self->view, self->drag_step))
          troupe_canvas_view_add_to_selection (self->view, self->drag_step);
        else
          troupe_canvas_view_set_selection (self->view, self->drag_step);

        n = troupe_canvas_view_get_n_selected (self->view);
        self->drag_ids = g_new0 (char *, n + 1);
        self->drag_xs = g_new0 (double, n);
        self->drag_ys = g_new0 (double, n);
        for (guint i = 0; i < n; i++)
          {
            const char *id = troupe_canvas_view_get_nth_selected (self->view, i);
            TroupeStep *s = troupe_workflow_lookup_step (self->workflow, id);

            self->drag_ids[i] = g_strdup (id);
            if (s != NULL)
              troupe_step_get_position (s, &self->drag_xs[i], &self->drag_ys[i]);
          }
      }
      break;
    }
}

static void
drag_update_cb (TroupeCanvas   *self,
                double          dx,
                double          dy,
                GtkGestureDrag *gesture)
{
  TroupeStep *step;
  double zoom = troupe_canvas_view_get_zoom (self->view);

  self->pointer_x = self->drag_start_x + dx;
  self->pointer_y = self->drag_start_y + dy;

  switch (self->drag_mode)
    {
    case DRAG_PAN:
      troupe_canvas_view_set_offset (self->view, self->drag_origin_x + dx, self->drag_origin_y + dy);
      break;

    case DRAG_MOVE:
      /* The card follows the pointer in the model itself; the drag is
       * recorded as one command when it ends. */
      {
        double grid = self->snap_to_grid ? GRID : 1.0;
        /* The grabbed card snaps to the grid; the others keep their
         * distance to it. */
        double x = round ((self->drag_origin_x + dx / zoom) / grid) * grid;
        double y = round ((self->drag_origin_y + dy / zoom) / grid) * grid;

        for (guint i = 0; self->drag_ids != NULL && self->drag_ids[i] != NULL; i++)
          {
            step = troupe_workflow_lookup_step (self->workflow, self->drag_ids[i]);
            if (step != NULL)
              troupe_step_set_position (step,
                                        self->drag_xs[i] + (x - self->drag_origin_x),
                                        self->drag_ys[i] + (y - self->drag_origin_y));
          }
      }
      break;

    case DRAG_CONNECT:
    case DRAG_RUBBER_BAND:
      gtk_widget_queue_draw (GTK_WIDGET (self));
      break;

    case DRAG_NONE:
    default:
      break;
    }
}

static void
drag_end_cb (TroupeCanvas   *self,
             double          dx,
             double          dy,
             GtkGestureDrag *gesture)
{
  g_autoptr(GError) error = NULL;
  TroupeStep *target = NULL;

  switch (self->drag_mode)
    {
    case DRAG_MOVE:
      if (self->drag_ids != NULL)
        troupe_document_record_moves (self->document, (const char * const *) self->drag_ids,
                                      self->drag_xs, self->drag_ys);
      break;

    case DRAG_RUBBER_BAND:
      troupe_canvas_view_select_rect (self->view, self->workflow,
                                      self->drag_start_x, self->drag_start_y,
                                      self->drag_start_x + dx, self->drag_start_y + dy, TRUE);
      break;

    case DRAG_CONNECT:
      if (troupe_canvas_view_hit_test (self->view, self->workflow,
                                       self->drag_start_x + dx, self->drag_start_y + dy,
                                       &target) != TROUPE_CANVAS_HIT_NONE &&
          g_strcmp0 (troupe_step_get_id (target), self->drag_step) != 0 &&
          !troupe_document_connect (self->document, self->drag_step,
                                    troupe_step_get_id (target), &error))
        show_error (self, error);
      break;

    case DRAG_PAN:
    case DRAG_NONE:
    default:
      break;
    }

  self->drag_mode = DRAG_NONE;
  clear_drag (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
pinch_begin_cb (TroupeCanvas     *self,
                GdkEventSequence *sequence,
                GtkGestureZoom   *gesture)
{
  self->pinch_zoom = troupe_canvas_view_get_zoom (self->view);
}

static void
pinch_scale_cb (TroupeCanvas   *self,
                double          scale,
                GtkGestureZoom *gesture)
{
  double cx, cy;

  /* Zoom about the middle of the fingers. */
  if (!gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &cx, &cy))
    return;
  troupe_canvas_view_zoom_at (self->view, self->pinch_zoom * scale, cx, cy);
}

static gboolean
key_pressed_cb (TroupeCanvas          *self,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                GtkEventControllerKey *controller)
{
  if (keyval != GDK_KEY_space)
    return FALSE;

  self->space_held = TRUE;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grab");
  return TRUE;
}

static void
key_released_cb (TroupeCanvas          *self,
                 guint                  keyval,
                 guint                  keycode,
                 GdkModifierType        state,
                 GtkEventControllerKey *controller)
{
  if (keyval != GDK_KEY_space)
    return;

  self->space_held = FALSE;
  gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
}

static void
motion_cb (TroupeCanvas *self,
           double        x,
           double        y)
{
  self->pointer_x = x;
  self->pointer_y = y;
}

static gboolean
scroll_cb (TroupeCanvas             *self,
           double                    dx,
           double                    dy,
           GtkEventControllerScroll *controller)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  if (state & GDK_CONTROL_MASK)
    {
      double zoom = troupe_canvas_view_get_zoom (self->view);

      troupe_canvas_view_zoom_at (self->view, zoom * pow (ZOOM_STEP, -dy),
                                  self->pointer_x, self->pointer_y);
    }
  else
    {
      troupe_canvas_view_set_offset (self->view,
                                     troupe_canvas_view_get_offset_x (self->view) - dx * 30,
                                     troupe_canvas_view_get_offset_y (self->view) - dy * 30);
    }

  return TRUE;
}

static GStrv
selected_ids (TroupeCanvas *self)
{
  guint n = troupe_canvas_view_get_n_selected (self->view);
  GStrv ids = g_new0 (char *, n + 1);

  for (guint i = 0; i < n; i++)
    ids[i] = g_strdup (troupe_canvas_view_get_nth_selected (self->view, i));
  return ids;
}

static void
delete_selection_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *param)
{
  TroupeCanvas *self = TROUPE_CANVAS (widget);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_strdup (troupe_canvas_view_get_selection (self->view));
  const char *from, *to;

  if (self->document == NULL)
    return;

  if (troupe_canvas_view_get_selected_edge (self->view, &from, &to))
    {
      g_autofree char *from_id = g_strdup (from);
      g_autofree char *to_id = g_strdup (to);

      troupe_canvas_view_select_edge (self->view, NULL, NULL);
      if (!troupe_document_disconnect (self->document, from_id, to_id, &error))
        show_error (self, error);
      return;
    }

  if (troupe_canvas_view_get_n_selected (self->view) > 1)
    {
      g_auto(GStrv) ids = selected_ids (self);

      if (!troupe_document_delete_steps (self->document, (const char * const *) ids, &error))
        show_error (self, error);
    }
  else if (id != NULL && !troupe_document_delete_step (self->document, id, &error))
    show_error (self, error);
}

static void
duplicate_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  TroupeCanvas *self = TROUPE_CANVAS (widget);
  const char *id = troupe_canvas_view_get_selection (self->view);
  g_autoptr(TroupeStep) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *new_id = NULL;
  TroupeStep *step;
  double x, y;

  if (id == NULL || self->document == NULL ||
      (step = troupe_workflow_lookup_step (self->workflow, id)) == NULL)
    return;

  /* The copy keeps the original's fields and what it needs, so it slots
   * in beside it; it gets a fresh id, and nothing needs it yet. */
  new_id = troupe_workflow_make_unique_id (self->workflow, id);
  copy = troupe_step_copy (step);
  troupe_step_set_id (copy, new_id);
  if (troupe_step_get_position (step, &x, &y))
    troupe_step_set_position (copy, x + 24, y + 24);

  if (!troupe_document_add_step (self->document, copy, &error))
    show_error (self, error);
  else
    troupe_canvas_view_set_selection (self->view, new_id);
}

static void
move_selection_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  TroupeCanvas *self = TROUPE_CANVAS (widget);
  g_auto(GStrv) ids = selected_ids (self);
  g_autoptr(GError) error = NULL;
  int dx, dy;

  if (ids[0] == NULL || self->document == NULL)
    return;

  g_variant_get (param, "(ii)", &dx, &dy);
  if (!troupe_document_move_steps (self->document, (const char * const *) ids, dx, dy, &error))
    show_error (self, error);
}

static void
click_pressed_cb (TroupeCanvas    *self,
                  int              n_press,
                  double           x,
                  double           y,
                  GtkGestureClick *gesture)
{
  double gx, gy;
  TroupeStep *step = NULL;

  if (n_press != 2 || self->workflow == NULL)
    return;

  /* A double click on a card renames it. */
  if (troupe_canvas_view_hit_test (self->view, self->workflow, x, y, &step) == TROUPE_CANVAS_HIT_CARD)
    {
      troupe_canvas_view_set_selection (self->view, troupe_step_get_id (step));
      gtk_widget_activate_action (GTK_WIDGET (self), "canvas.rename-selection", NULL);
      return;
    }

  if (step != NULL || troupe_canvas_view_hit_test_edge (self->view, self->workflow, x, y, NULL, NULL))
    return;

  /* A double click on the background adds a step centred where it was. */
  troupe_canvas_view_widget_to_graph (self->view, x, y, &gx, &gy);
  troupe_canvas_add_step (self, TRUE, gx, gy);
}

/* The selected steps as a workflow file of their own, so that they paste
 * into another window, a text editor, or back. */
static char *
selection_to_yaml (TroupeCanvas *self)
{
  g_autoptr(TroupeWorkflow) clip = NULL;
  GPtrArray *steps;

  if (self->workflow == NULL || troupe_canvas_view_get_n_selected (self->view) == 0)
    return NULL;

  /* In file order, so that the text reads like the file. */
  clip = troupe_workflow_new ();
  steps = troupe_workflow_get_steps (self->workflow);
  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      g_autoptr(TroupeStep) copy = NULL;

      if (!troupe_canvas_view_is_selected (self->view, troupe_step_get_id (step)))
        continue;
      copy = troupe_step_copy (step);
      if (!troupe_workflow_add_step (clip, copy, NULL))
        return NULL;
    }

  return troupe_workflow_to_data (clip, TROUPE_FILE_FORMAT_YAML, NULL);
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TroupeCanvas *self = TROUPE_CANVAS (widget);
  g_autofree char *yaml = selection_to_yaml (self);
  g_autoptr(GError) error = NULL;

  if (yaml == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), yaml);

  if (g_str_equal (action_name, "canvas.cut"))
    {
      g_auto(GStrv) ids = selected_ids (self);

      if (!troupe_document_delete_steps (self->document, (const char * const *) ids, &error))
        show_error (self, error);
    }
}

/* @id if neither the workflow nor the paste uses it, else the first of
 * @id-2, @id-3, ... that is free. */
static char *
free_id (TroupeWorkflow *workflow,
         GHashTable     *taken,
         const char     *id)
{
  char *candidate = g_strdup (id);

  for (guint n = 2; troupe_workflow_lookup_step (workflow, candidate) != NULL ||
                    g_hash_table_contains (taken, candidate); n++)
    {
      g_free (candidate);
      candidate = g_strdup_printf ("%s-%u", id, n);
    }
  return candidate;
}

static void
paste_text (TroupeCanvas *self,
            const char   *text)
{
  g_autoptr(TroupeWorkflow) clip = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) order = NULL;
  g_autoptr(GPtrArray) pasted = NULL;
  g_autoptr(GHashTable) new_ids = NULL;
  g_autoptr(GHashTable) taken = NULL;

  clip = troupe_workflow_new_from_data (text, -1, TROUPE_FILE_FORMAT_YAML, _("the clipboard"), NULL, &error);
  if (clip == NULL || troupe_workflow_get_n_steps (clip) == 0)
    {
      g_autoptr(GError) no_steps = NULL;

      if (error == NULL)
        g_set_error (&no_steps, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE,
                     _("The clipboard holds no workflow steps; copy a step first"));
      show_error (self, error != NULL ? error : no_steps);
      return;
    }

  /* Dependencies first, so that every edge among the pasted steps is made
   * when its second end arrives. */
  order = troupe_workflow_topological_order (clip, NULL);
  if (order == NULL)
    order = g_ptr_array_ref (troupe_workflow_get_steps (clip));

  /* A pasted step whose id is taken gets a fresh one, and the pasted steps
   * that need it follow; it then sits a little below and to the right of
   * the original, so both can be seen. */
  new_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  taken = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < order->len; i++)
    {
      const char *id = troupe_step_get_id (g_ptr_array_index (order, i));
      char *new_id = free_id (self->workflow, taken, id);

      g_hash_table_insert (new_ids, g_strdup (id), new_id);
      g_hash_table_add (taken, new_id);
    }

  pasted = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < order->len; i++)
    {
      TroupeStep *original = g_ptr_array_index (order, i);
      TroupeStep *step = troupe_step_copy (original);
      const char *new_id = g_hash_table_lookup (new_ids, troupe_step_get_id (original));
      const char * const *old_needs = troupe_step_get_needs (original);
      g_autoptr(GStrvBuilder) needs = g_strv_builder_new ();
      g_auto(GStrv) kept = NULL;
      double x, y;

      if (!g_str_equal (new_id, troupe_step_get_id (original)))
        {
          troupe_step_set_id (step, new_id);
          if (troupe_step_get_position (step, &x, &y))
            troupe_step_set_position (step, x + 24, y + 24);
        }

      /* Edges among the pasted steps follow their new ids; edges from
       * other steps stay when this workflow has those steps. */
      for (guint j = 0; old_needs != NULL && old_needs[j] != NULL; j++)
        {
          const char *mapped = g_hash_table_lookup (new_ids, old_needs[j]);

          if (mapped != NULL)
            g_strv_builder_add (needs, mapped);
          else if (troupe_workflow_lookup_step (self->workflow, old_needs[j]) != NULL)
            g_strv_builder_add (needs, old_needs[j]);
        }
      kept = g_strv_builder_end (needs);
      troupe_step_set_needs (step, (const char * const *) kept);
      g_ptr_array_add (pasted, step);
    }

  if (!troupe_document_add_steps (self->document, pasted, &error))
    {
      show_error (self, error);
      return;
    }

  troupe_canvas_view_set_selection (self->view, NULL);
  for (guint i = 0; i < pasted->len; i++)
    troupe_canvas_view_add_to_selection (self->view, troupe_step_get_id (g_ptr_array_index (pasted, i)));
}

static void
paste_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TroupeCanvas) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, &error);

  if (text == NULL)
    {
      if (error != NULL)
        show_error (self, error);
    }
  /* The canvas may have lost its document while the clipboard answered. */
  else if (self->document != NULL)
    paste_text (self, text);

  g_signal_emit (self, signals[PASTED], 0);
}

static void
paste_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL, paste_cb, g_object_ref (widget));
}

static void
rename_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    TroupeCanvas     *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  const char *old_id = g_object_get_data (G_OBJECT (dialog), "troupe-step-id");
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (response, "rename") || self->document == NULL)
    return;

  if (!troupe_document_rename_step (self->document, old_id, gtk_editable_get_text (entry), &error))
    show_error (self, error);
}

static void
rename_entry_changed_cb (GtkEditable      *entry,
                         AdwMessageDialog *dialog)
{
  /* The engine's rule for ids, checked as the user types. */
  adw_message_dialog_set_response_enabled (dialog, "rename",
                                           troupe_step_id_is_valid (gtk_editable_get_text (entry)));
}

static void
rename_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  TroupeCanvas *self = TROUPE_CANVAS (widget);
  const char *id = troupe_canvas_view_get_selection (self->view);
  GtkWidget *dialog, *entry;

  if (id == NULL || self->document == NULL)
    return;

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)), _("Rename Step"),
                                   _("Every step that needs it, and every template that names it, follows."));
  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), id);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "rename", _("_Rename"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "rename", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "rename");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "troupe-step-id", g_strdup (id), g_free);
  g_signal_connect (entry, "changed", G_CALLBACK (rename_entry_changed_cb), dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (rename_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
zoom_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TroupeCanvas *self = TROUPE_CANVAS (widget);
  double zoom = troupe_canvas_view_get_zoom (self->view);
  double cx = gtk_widget_get_width (widget) / 2.0;
  double cy = gtk_widget_get_height (widget) / 2.0;

  if (g_str_equal (action_name, "canvas.zoom-in"))
    troupe_canvas_view_zoom_at (self->view, zoom * ZOOM_STEP, cx, cy);
  else if (g_str_equal (action_name, "canvas.zoom-out"))
    troupe_canvas_view_zoom_at (self->view, zoom / ZOOM_STEP, cx, cy);
  else
    fit_now (self);
}

static void
troupe_canvas_dispose (GObject *object)
{
  TroupeCanvas *self = (TroupeCanvas *)object;

  disconnect_workflow (self);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);
  if (self->view != NULL)
    g_signal_handlers_disconnect_by_data (self->view, self);
  g_clear_object (&self->view);
  g_clear_pointer (&self->graph_node, gsk_render_node_unref);
  clear_drag (self);
  g_clear_pointer (&self->problems, g_hash_table_unref);

  G_OBJECT_CLASS (troupe_canvas_parent_class)->dispose (object);
}

static void
troupe_canvas_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TroupeCanvas *self = TROUPE_CANVAS (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT: g_value_set_object (value, self->document); break;
    case PROP_VIEW: g_value_set_object (value, self->view); break;
    case PROP_SNAP_TO_GRID: g_value_set_boolean (value, self->snap_to_grid); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_canvas_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  TroupeCanvas *self = TROUPE_CANVAS (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT: troupe_canvas_set_document (self, g_value_get_object (value)); break;
    case PROP_SNAP_TO_GRID:
      if (self->snap_to_grid != g_value_get_boolean (value))
        {
          self->snap_to_grid = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_canvas_class_init (TroupeCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = troupe_canvas_dispose;
  object_class->get_property = troupe_canvas_get_property;
  object_class->set_property = troupe_canvas_set_property;

  widget_class->snapshot = troupe_canvas_snapshot;
  widget_class->css_changed = troupe_canvas_css_changed;
  widget_class->size_allocate = troupe_canvas_size_allocate;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, TROUPE_TYPE_DOCUMENT,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* Dragged cards land on an 8-pixel grid, so that they line up. */
  properties[PROP_SNAP_TO_GRID] =
    g_param_spec_boolean ("snap-to-grid", NULL, NULL, TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_VIEW] =
    g_param_spec_object ("view", NULL, NULL, TROUPE_TYPE_CANVAS_VIEW,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A paste finished (the clipboard answers asynchronously). */
  signals[PASTED] =
    g_signal_new ("pasted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "canvas.delete-selection", NULL, delete_selection_action);
  gtk_widget_class_install_action (widget_class, "canvas.duplicate-selection", NULL, duplicate_action);
  gtk_widget_class_install_action (widget_class, "canvas.move-selection", "(ii)", move_selection_action);
  gtk_widget_class_install_action (widget_class, "canvas.rename-selection", NULL, rename_action);
  gtk_widget_class_install_action (widget_class, "canvas.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "canvas.cut", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "canvas.paste", NULL, paste_action);
  gtk_widget_class_install_action (widget_class, "canvas.zoom-in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "canvas.zoom-out", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "canvas.zoom-fit", NULL, zoom_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "canvas.delete-selection", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, 0, "canvas.delete-selection", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "canvas.duplicate-selection", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F2, 0, "canvas.rename-selection", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK, "canvas.copy", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_x, GDK_CONTROL_MASK, "canvas.cut", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "canvas.paste", NULL);
  {
    static const struct { guint key; int dx, dy; } arrows[] = {
      { GDK_KEY_Left, -1, 0 }, { GDK_KEY_Right, 1, 0 }, { GDK_KEY_Up, 0, -1 }, { GDK_KEY_Down, 0, 1 },
    };

    /* Arrows move the selected card by 10 pixels, Shift+arrows by 1. */
    for (guint i = 0; i < G_N_ELEMENTS (arrows); i++)
      {
        gtk_widget_class_add_binding_action (widget_class, arrows[i].key, 0, "canvas.move-selection",
                                             "(ii)", arrows[i].dx * 10, arrows[i].dy * 10);
        gtk_widget_class_add_binding_action (widget_class, arrows[i].key, GDK_SHIFT_MASK, "canvas.move-selection",
                                             "(ii)", arrows[i].dx, arrows[i].dy);
      }
  }
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, "canvas.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, "canvas.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, "canvas.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "canvas.zoom-fit", NULL);

  gtk_widget_class_set_css_name (widget_class, "troupe-canvas");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
troupe_canvas_init (TroupeCanvas *self)
{
  GtkGesture *drag;
  GtkEventController *controller;

  self->view = troupe_canvas_view_new ();
  self->problems = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->snap_to_grid = TRUE;
  g_signal_connect_swapped (self->view, "notify", G_CALLBACK (gtk_widget_queue_draw), self);

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_focus_on_click (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), 0);
  g_signal_connect_swapped (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect_swapped (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect_swapped (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  controller = GTK_EVENT_CONTROLLER (gtk_gesture_click_new ());
  g_signal_connect_swapped (controller, "pressed", G_CALLBACK (click_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = GTK_EVENT_CONTROLLER (gtk_gesture_zoom_new ());
  g_signal_connect_swapped (controller, "begin", G_CALLBACK (pinch_begin_cb), self);
  g_signal_connect_swapped (controller, "scale-changed", G_CALLBACK (pinch_scale_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_key_new ();
  g_signal_connect_swapped (controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  g_signal_connect_swapped (controller, "key-released", G_CALLBACK (key_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect_swapped (controller, "motion", G_CALLBACK (motion_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect_swapped (controller, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

GtkWidget *
troupe_canvas_new (void)
{
  return g_object_new (TROUPE_TYPE_CANVAS, NULL);
}

TroupeDocument *
troupe_canvas_get_document (TroupeCanvas *self)
{
  g_return_val_if_fail (TROUPE_IS_CANVAS (self), NULL);

  return self->document;
}

void
troupe_canvas_set_document (TroupeCanvas   *self,
                            TroupeDocument *document)
{
  g_return_if_fail (TROUPE_IS_CANVAS (self));
  g_return_if_fail (document == NULL || TROUPE_IS_DOCUMENT (document));

  if (self->document == document)
    return;

  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  disconnect_workflow (self);
  g_set_object (&self->document, document);

  if (document != NULL)
    {
      g_signal_connect_swapped (document, "notify::workflow", G_CALLBACK (on_document_workflow_cb), self);
      g_signal_connect_swapped (document, "notify::diagnostics", G_CALLBACK (on_diagnostics_cb), self);
      on_document_workflow_cb (self);
      on_diagnostics_cb (self);
    }
  else
    invalidate (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}

TroupeCanvasView *
troupe_canvas_get_view (TroupeCanvas *self)
{
  g_return_val_if_fail (TROUPE_IS_CANVAS (self), NULL);

  return self->view;
}

void
troupe_canvas_zoom_to_fit (TroupeCanvas *self)
{
  g_return_if_fail (TROUPE_IS_CANVAS (self));

  fit_now (self);
}

gboolean
troupe_canvas_add_step (TroupeCanvas *self,
                        gboolean      at_point,
                        double        gx,
                        double        gy)
{
  g_autoptr(TroupeStep) step = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  g_return_val_if_fail (TROUPE_IS_CANVAS (self), FALSE);

  if (self->document == NULL)
    return FALSE;

  id = troupe_workflow_make_unique_id (self->workflow, "step");
  step = troupe_step_new (id, TROUPE_STEP_KIND_AGENT);
  if (at_point)
    troupe_step_set_position (step,
                              round (gx - TROUPE_CARD_WIDTH / 2),
                              round (gy - TROUPE_CARD_HEIGHT / 2));

  if (!troupe_document_add_step (self->document, step, &error))
    {
      show_error (self, error);
      return FALSE;
    }

  troupe_canvas_view_set_selection (self->view, id);
  gtk_widget_grab_focus (GTK_WIDGET (self));
  return TRUE;
}

void
troupe_canvas_center_on_step (TroupeCanvas *self,
                              const char   *id)
{
  graphene_rect_t bounds;
  TroupeStep *step;
  double zoom;

  g_return_if_fail (TROUPE_IS_CANVAS (self));
  g_return_if_fail (id != NULL);

  if (self->workflow == NULL ||
      (step = troupe_workflow_lookup_step (self->workflow, id)) == NULL)
    return;

  troupe_canvas_view_set_selection (self->view, id);
  if (!troupe_canvas_step_bounds (step, &bounds))
    return;

  zoom = troupe_canvas_view_get_zoom (self->view);
  troupe_canvas_view_set_offset (self->view,
                                 gtk_widget_get_width (GTK_WIDGET (self)) / 2.0 -
                                 (bounds.origin.x + bounds.size.width / 2) * zoom,
                                 gtk_widget_get_height (GTK_WIDGET (self)) / 2.0 -
                                 (bounds.origin.y + bounds.size.height / 2) * zoom);
}
