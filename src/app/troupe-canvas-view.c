/* troupe-canvas-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include "troupe-canvas-view.h"

/* The view state of a canvas: zoom, offset and selection. It is not a
 * widget so that several widgets (the canvas, later the inspector and the
 * problems list) can share it, and so that its geometry is testable
 * without a display. */
struct _TroupeCanvasView
{
  GObject  parent_instance;

  /* The selected step ids, in the order they were selected; the last one is
   * the primary selection ("selection"). */
  GPtrArray *selected;
  char    *edge_from;
  char    *edge_to;

  double   zoom;
  double   offset_x;
  double   offset_y;
};

G_DEFINE_FINAL_TYPE (TroupeCanvasView, troupe_canvas_view, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ZOOM,
  PROP_OFFSET_X,
  PROP_OFFSET_Y,
  PROP_SELECTION,
  PROP_SELECTED_EDGE,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static void
troupe_canvas_view_finalize (GObject *object)
{
  TroupeCanvasView *self = (TroupeCanvasView *)object;

  g_clear_pointer (&self->selected, g_ptr_array_unref);
  g_clear_pointer (&self->edge_from, g_free);
  g_clear_pointer (&self->edge_to, g_free);

  G_OBJECT_CLASS (troupe_canvas_view_parent_class)->finalize (object);
}

static void
troupe_canvas_view_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  TroupeCanvasView *self = TROUPE_CANVAS_VIEW (object);

  switch (prop_id)
    {
    case PROP_ZOOM: g_value_set_double (value, self->zoom); break;
    case PROP_OFFSET_X: g_value_set_double (value, self->offset_x); break;
    case PROP_OFFSET_Y: g_value_set_double (value, self->offset_y); break;
    case PROP_SELECTION: g_value_set_string (value, troupe_canvas_view_get_selection (self)); break;
    case PROP_SELECTED_EDGE:
      if (self->edge_from != NULL)
        g_value_take_boxed (value, g_strdupv ((char *[]) { self->edge_from, self->edge_to, NULL }));
      else
        g_value_set_boxed (value, NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_canvas_view_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  TroupeCanvasView *self = TROUPE_CANVAS_VIEW (object);

  switch (prop_id)
    {
    case PROP_ZOOM: troupe_canvas_view_set_zoom (self, g_value_get_double (value)); break;
    case PROP_OFFSET_X: troupe_canvas_view_set_offset (self, g_value_get_double (value), self->offset_y); break;
    case PROP_OFFSET_Y: troupe_canvas_view_set_offset (self, self->offset_x, g_value_get_double (value)); break;
    case PROP_SELECTION: troupe_canvas_view_set_selection (self, g_value_get_string (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_canvas_view_class_init (TroupeCanvasViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = troupe_canvas_view_finalize;
  object_class->get_property = troupe_canvas_view_get_property;
  object_class->set_property = troupe_canvas_view_set_property;

  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL,
                         TROUPE_CANVAS_MIN_ZOOM, TROUPE_CANVAS_MAX_ZOOM, 1.0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_OFFSET_X] =
    g_param_spec_double ("offset-x", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_OFFSET_Y] =
    g_param_spec_double ("offset-y", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SELECTION] =
    g_param_spec_string ("selection", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* A pair of step ids, [from, to], or NULL. */
  properties[PROP_SELECTED_EDGE] =
    g_param_spec_boxed ("selected-edge", NULL, NULL, G_TYPE_STRV,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
troupe_canvas_view_init (TroupeCanvasView *self)
{
  self->zoom = 1.0;
  self->selected = g_ptr_array_new_with_free_func (g_free);
}

TroupeCanvasView *
troupe_canvas_view_new (void)
{
  return g_object_new (TROUPE_TYPE_CANVAS_VIEW, NULL);
}

double
troupe_canvas_view_get_zoom (TroupeCanvasView *self)
{
  g_return_val_if_fail (TROUPE_IS_CANVAS_VIEW (self), 1.0);

  return self->zoom;
}

void
troupe_canvas_view_set_zoom (TroupeCanvasView *self,
                             double            zoom)
{
  g_return_if_fail (TROUPE_IS_CANVAS_VIEW (self));

  zoom = CLAMP (zoom, TROUPE_CANVAS_MIN_ZOOM, TROUPE_CANVAS_MAX_ZOOM);
  if (zoom != self->zoom)
    {
      self->zoom = zoom;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
    }
}

double
troupe_canvas_view_get_offset_x (TroupeCanvasView *self)
{
  g_return_val_if_fail (TROUPE_IS_CANVAS_VIEW (self), 0.0);

  return self->offset_x;
}

double
troupe_canvas_view_get_offset_y (TroupeCanvasView *self)
{
  g_return_val_if_fail (TROUPE_IS_CANVAS_VIEW (self), 0.0);

  return self->offset_y;
}

void
troupe_canvas_view_set_offset (TroupeCanvasView *self,
                               double            offset_x,
                               double            offset_y)
{
  g_return_if_fail (TROUPE_IS_CANVAS_VIEW (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (offset_x != self->offset_x)
    {
      self->offset_x = offset_x;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFSET_X]);
    }
  if (offset_y != self->offset_y)
    {
      self->offset_y = offset_y;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFSET_Y]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
troupe_canvas_view_get_selection (TroupeCanvasView *self)
{
  g_return_val_if_fail (TROUPE_IS_CANVAS_VIEW (self), NULL);

  if (self->selected->len == 0)
    return NULL;
  return g_ptr_array_index (self->selected, self->selected->len - 1);
}

static int
find_selected (TroupeCanvasView *self,
               const char       *step_id)
{
  for (guint i = 0; i < self->selected->len; i++)
    if (g_str_equal (g_ptr_array_index (self->selected, i), step_id))
      return (int) i;
  return -1;
}

void
troupe_canvas_view_set_selection (TroupeCanvasView *self,
                                  const char       *step_id)
{
  g_return_if_fail (TROUPE_IS_CANVAS_VIEW (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (step_id != NULL)
    troupe_canvas_view_select_edge (self, NULL, NULL);
  if (!(step_id == NULL && self->selected->len == 0) &&
      !(step_id != NULL && self->selected->len == 1 &&
        g_str_equal (g_ptr_array_index (self->selected, 0), step_id)))
    {
      g_ptr_array_set_size (self->selected, 0);
      if (step_id != NULL)
        g_ptr_array_add (self->selected, g_strdup (step_id));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTION]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

guint
troupe_canvas_view_get_n_selected (TroupeCanvasView *self)
{
  g_return_val_if_fail (TROUPE_IS_CANVAS_VIEW (self), 0);

  return self->selected->len;
}

const char *
troupe_canvas_view_get_nth_selected (TroupeCanvasView *self,
                                     guint             n)
{
  g_return_val_if_fail (TROUPE_IS_CANVAS_VIEW (self), NULL);
  g_return_val_if_fail (n < self->selected->len, NULL);

  return g_ptr_array_index (self->selected, n);
}

gboolean
troupe_canvas_view_is_selected (TroupeCanvasView *self,
                                const char       *step_id)
{
  g_return_val_if_fail (TROUPE_IS_CANVAS_VIEW (self), FALSE);
  g_return_val_if_fail (step_id != NULL, FALSE);

  return find_selected (self, step_id) >= 0;
}

void
troupe_canvas_view_add_to_selection (TroupeCanvasView *self,
                                     const char       *step_id)
{
  int index;

  g_return_if_fail (TROUPE_IS_CANVAS_VIEW (self));
  g_return_if_fail (step_id != NULL);

  index = find_selected (self, step_id);
  /* Already the primary selection: nothing changes. */
  if (index >= 0 && (guint) index == self->selected->len - 1)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  troupe_canvas_view_select_edge (self, NULL, NULL);
  if (index >= 0)
    g_ptr_array_remove_index (self->selected, (guint) index);
  g_ptr_array_add (self->selected, g_strdup (step_id));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTION]);
  g_object_thaw_notify (G_OBJECT (self));
}

void
troupe_canvas_view_unselect (TroupeCanvasView *self,
                             const char       *step_id)
{
  int index;

  g_return_if_fail (TROUPE_IS_CANVAS_VIEW (self));
  g_return_if_fail (step_id != NULL);

  index = find_selected (self, step_id);
  if (index < 0)
    return;

  g_ptr_array_remove_index (self->selected, (guint) index);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTION]);
}

void
troupe_canvas_view_toggle_selected (TroupeCanvasView *self,
                                    const char       *step_id)
{
  g_return_if_fail (TROUPE_IS_CANVAS_VIEW (self));
  g_return_if_fail (step_id != NULL);

  if (troupe_canvas_view_is_selected (self, step_id))
    troupe_canvas_view_unselect (self, step_id);
  else
    troupe_canvas_view_add_to_selection (self, step_id);
}

void
troupe_canvas_view_rename_selected (TroupeCanvasView *self,
                                    const char       *old_id,
                                    const char       *new_id)
{
  int index;

  g_return_if_fail (TROUPE_IS_CANVAS_VIEW (self));
  g_return_if_fail (old_id != NULL && new_id != NULL);

  index = find_selected (self, old_id);
  if (index < 0)
    return;

  g_free (g_ptr_array_index (self->selected, index));
  g_ptr_array_index (self->selected, index) = g_strdup (new_id);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTION]);
}

guint
troupe_canvas_view_select_rect (TroupeCanvasView *self,
                                TroupeWorkflow   *workflow,
                                double            x1,
                                double            y1,
                                double            x2,
                                double            y2,
                                gboolean          extend)
{
  GPtrArray *steps;
  graphene_rect_t band;
  double gx1, gy1, gx2, gy2;
  guint n = 0;

  g_return_val_if_fail (TROUPE_IS_CANVAS_VIEW (self), 0);
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (workflow), 0);

  troupe_canvas_view_widget_to_graph (self, MIN (x1, x2), MIN (y1, y2), &gx1, &gy1);
  troupe_canvas_view_widget_to_graph (self, MAX (x1, x2), MAX (y1, y2), &gx2, &gy2);
  graphene_rect_init (&band, gx1, gy1, gx2 - gx1, gy2 - gy1);

  g_object_freeze_notify (G_OBJECT (self));
  if (!extend)
    troupe_canvas_view_set_selection (self, NULL);

  /* Every card the band touches, in file order. */
  steps = troupe_workflow_get_steps (workflow);
  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      graphene_rect_t card;

      if (troupe_canvas_step_bounds (step, &card) && graphene_rect_intersection (&band, &card, NULL))
        {
          if (!troupe_canvas_view_is_selected (self, troupe_step_get_id (step)))
            troupe_canvas_view_add_to_selection (self, troupe_step_get_id (step));
          n++;
        }
    }
  g_object_thaw_notify (G_OBJECT (self));

  return n;
}

gboolean
troupe_canvas_view_get_selected_edge (TroupeCanvasView  *self,
                                      const char       **from,
                                      const char       **to)
{
  g_return_val_if_fail (TROUPE_IS_CANVAS_VIEW (self), FALSE);

  if (from != NULL)
    *from = self->edge_from;
  if (to != NULL)
    *to = self->edge_to;
  return self->edge_from != NULL;
}

void
troupe_canvas_view_select_edge (TroupeCanvasView *self,
                                const char       *from,
                                const char       *to)
{
  g_return_if_fail (TROUPE_IS_CANVAS_VIEW (self));
  g_return_if_fail ((from == NULL) == (to == NULL));

  g_object_freeze_notify (G_OBJECT (self));
  if (from != NULL)
    troupe_canvas_view_set_selection (self, NULL);
  if (g_strcmp0 (from, self->edge_from) != 0 || g_strcmp0 (to, self->edge_to) != 0)
    {
      g_free (self->edge_from);
      g_free (self->edge_to);
      self->edge_from = g_strdup (from);
      self->edge_to = g_strdup (to);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_EDGE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
troupe_canvas_view_graph_to_widget (TroupeCanvasView *self,
                                    double            gx,
                                    double            gy,
                                    double           *wx,
                                    double           *wy)
{
  g_return_if_fail (TROUPE_IS_CANVAS_VIEW (self));

  if (wx != NULL)
    *wx = gx * self->zoom + self->offset_x;
  if (wy != NULL)
    *wy = gy * self->zoom + self->offset_y;
}

void
troupe_canvas_view_widget_to_graph (TroupeCanvasView *self,
                                    double            wx,
                                    double            wy,
                                    double           *gx,
                                    double           *gy)
{
  g_return_if_fail (TROUPE_IS_CANVAS_VIEW (self));

  /* The zoom is clamped away from 0, so the transform is invertible. */
  if (gx != NULL)
    *gx = (wx - self->offset_x) / self->zoom;
  if (gy != NULL)
    *gy = (wy - self->offset_y) / self->zoom;
}

void
troupe_canvas_view_zoom_at (TroupeCanvasView *self,
                            double            zoom,
                            double            wx,
                            double            wy)
{
  double gx, gy;

  g_return_if_fail (TROUPE_IS_CANVAS_VIEW (self));

  troupe_canvas_view_widget_to_graph (self, wx, wy, &gx, &gy);
  g_object_freeze_notify (G_OBJECT (self));
  troupe_canvas_view_set_zoom (self, zoom);
  troupe_canvas_view_set_offset (self, wx - gx * self->zoom, wy - gy * self->zoom);
  g_object_thaw_notify (G_OBJECT (self));
}

gboolean
troupe_canvas_step_bounds (TroupeStep      *step,
                           graphene_rect_t *bounds)
{
  double x, y;

  g_return_val_if_fail (TROUPE_IS_STEP (step), FALSE);
  g_return_val_if_fail (bounds != NULL, FALSE);

  if (!troupe_step_get_position (step, &x, &y))
    return FALSE;

  graphene_rect_init (bounds, x, y, TROUPE_CARD_WIDTH, TROUPE_CARD_HEIGHT);
  return TRUE;
}

/* Edges run top to bottom, as the engine's layout ranks them: a step's
 * input is the middle of its top side, its output the middle of its
 * bottom side. */
void
troupe_canvas_step_input_port (TroupeStep *step,
                               double     *x,
                               double     *y)
{
  double sx = 0, sy = 0;

  g_return_if_fail (TROUPE_IS_STEP (step));

  troupe_step_get_position (step, &sx, &sy);
  *x = sx + TROUPE_CARD_WIDTH / 2;
  *y = sy;
}

void
troupe_canvas_step_output_port (TroupeStep *step,
                                double     *x,
                                double     *y)
{
  double sx = 0, sy = 0;

  g_return_if_fail (TROUPE_IS_STEP (step));

  troupe_step_get_position (step, &sx, &sy);
  *x = sx + TROUPE_CARD_WIDTH / 2;
  *y = sy + TROUPE_CARD_HEIGHT;
}

gboolean
troupe_canvas_workflow_bounds (TroupeWorkflow  *workflow,
                               graphene_rect_t *bounds)
{
  GPtrArray *steps;
  gboolean found = FALSE;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (workflow), FALSE);
  g_return_val_if_fail (bounds != NULL, FALSE);

  steps = troupe_workflow_get_steps (workflow);
  for (guint i = 0; i < steps->len; i++)
    {
      graphene_rect_t card;

      if (!troupe_canvas_step_bounds (g_ptr_array_index (steps, i), &card))
        continue;

      if (found)
        graphene_rect_union (bounds, &card, bounds);
      else
        *bounds = card;
      found = TRUE;
    }

  return found;
}

gboolean
troupe_canvas_view_fit (TroupeCanvasView *self,
                        TroupeWorkflow   *workflow,
                        double            width,
                        double            height,
                        double            margin)
{
  graphene_rect_t bounds;
  double avail_w, avail_h, zoom;

  g_return_val_if_fail (TROUPE_IS_CANVAS_VIEW (self), FALSE);
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (workflow), FALSE);

  g_object_freeze_notify (G_OBJECT (self));

  if (!troupe_canvas_workflow_bounds (workflow, &bounds))
    {
      troupe_canvas_view_set_zoom (self, 1.0);
      troupe_canvas_view_set_offset (self, margin, margin);
      g_object_thaw_notify (G_OBJECT (self));
      return FALSE;
    }

  avail_w = MAX (width - 2 * margin, 1.0);
  avail_h = MAX (height - 2 * margin, 1.0);
  /* Cards stay readable: fitting a small graph does not blow it up. */
  zoom = MIN (1.0, MIN (avail_w / bounds.size.width, avail_h / bounds.size.height));
  troupe_canvas_view_set_zoom (self, zoom);
  zoom = self->zoom;

  /* Centre the graph in the widget. */
  troupe_canvas_view_set_offset (self,
                                 width / 2 - (bounds.origin.x + bounds.size.width / 2) * zoom,
                                 height / 2 - (bounds.origin.y + bounds.size.height / 2) * zoom);
  g_object_thaw_notify (G_OBJECT (self));

  return TRUE;
}

static gboolean
near_point (double px,
            double py,
            double x,
            double y,
            double radius)
{
  return (px - x) * (px - x) + (py - y) * (py - y) <= radius * radius;
}

TroupeCanvasHit
troupe_canvas_view_hit_test (TroupeCanvasView *self,
                             TroupeWorkflow   *workflow,
                             double            wx,
                             double            wy,
                             TroupeStep      **step)
{
  GPtrArray *steps;
  double gx, gy;
  /* A port is easier to grab when zoomed out: never smaller than 5
   * widget pixels. */
  double radius;

  g_return_val_if_fail (TROUPE_IS_CANVAS_VIEW (self), TROUPE_CANVAS_HIT_NONE);
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (workflow), TROUPE_CANVAS_HIT_NONE);

  if (step != NULL)
    *step = NULL;

  troupe_canvas_view_widget_to_graph (self, wx, wy, &gx, &gy);
  radius = MAX (TROUPE_CANVAS_PORT_RADIUS, 5.0 / self->zoom);

  /* Later cards are drawn on top, so they are tested first. */
  steps = troupe_workflow_get_steps (workflow);
  for (guint i = steps->len; i > 0; i--)
    {
      TroupeStep *s = g_ptr_array_index (steps, i - 1);
      graphene_rect_t card;
      double px, py;
      TroupeCanvasHit hit = TROUPE_CANVAS_HIT_NONE;

      if (!troupe_canvas_step_bounds (s, &card))
        continue;

      troupe_canvas_step_output_port (s, &px, &py);
      if (near_point (gx, gy, px, py, radius))
        hit = TROUPE_CANVAS_HIT_OUTPUT_PORT;
      else
        {
          troupe_canvas_step_input_port (s, &px, &py);
          if (near_point (gx, gy, px, py, radius))
            hit = TROUPE_CANVAS_HIT_INPUT_PORT;
          else if (graphene_rect_contains_point (&card, &GRAPHENE_POINT_INIT (gx, gy)))
            hit = TROUPE_CANVAS_HIT_CARD;
        }

      if (hit != TROUPE_CANVAS_HIT_NONE)
        {
          if (step != NULL)
            *step = s;
          return hit;
        }
    }

  return TROUPE_CANVAS_HIT_NONE;
}

void
troupe_canvas_edge_curve (double            x1,
                          double            y1,
                          double            x2,
                          double            y2,
                          graphene_point_t  curve[4],
                          graphene_point_t *tip)
{
  /* Edges leave downwards and arrive from above, bending more the further
   * apart the ports are, so that an edge to a card beside or above still
   * reads as leaving the bottom and entering the top. */
  double dy = MAX (40.0, fabs (y2 - y1) / 2);
  /* The arrow's tip touches the input port's dot instead of hiding under it. */
  double tip_y = y2 - (TROUPE_CANVAS_PORT_RADIUS - 2);

  graphene_point_init (&curve[0], x1, y1);
  graphene_point_init (&curve[1], x1, y1 + dy);
  graphene_point_init (&curve[2], x2, tip_y - 8 - dy);
  graphene_point_init (&curve[3], x2, tip_y - 8);
  if (tip != NULL)
    graphene_point_init (tip, x2, tip_y);
}

static double
distance_to_segment (double px,
                     double py,
                     double ax,
                     double ay,
                     double bx,
                     double by)
{
  double dx = bx - ax, dy = by - ay;
  double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;

  t = CLAMP (t, 0.0, 1.0);
  return hypot (px - (ax + t * dx), py - (ay + t * dy));
}

static void
bezier_point (const graphene_point_t c[4],
              double                 t,
              double                *x,
              double                *y)
{
  double u = 1 - t;
  double a = u * u * u, b = 3 * u * u * t, d = 3 * u * t * t, e = t * t * t;

  *x = a * c[0].x + b * c[1].x + d * c[2].x + e * c[3].x;
  *y = a * c[0].y + b * c[1].y + d * c[2].y + e * c[3].y;
}

gboolean
troupe_canvas_view_hit_test_edge (TroupeCanvasView *self,
                                  TroupeWorkflow   *workflow,
                                  double            wx,
                                  double            wy,
                                  TroupeStep      **from,
                                  TroupeStep      **to)
{
  GPtrArray *steps;
  double gx, gy;
  /* As easy to hit zoomed out as at 100%: 5 widget pixels. */
  double tolerance;

  g_return_val_if_fail (TROUPE_IS_CANVAS_VIEW (self), FALSE);
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (workflow), FALSE);

  if (from != NULL)
    *from = NULL;
  if (to != NULL)
    *to = NULL;

  troupe_canvas_view_widget_to_graph (self, wx, wy, &gx, &gy);
  tolerance = 5.0 / self->zoom;

  steps = troupe_workflow_get_steps (workflow);
  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *target = g_ptr_array_index (steps, i);
      const char * const *needs = troupe_step_get_needs (target);
      double x2, y2;

      if (needs == NULL || !troupe_step_get_position (target, NULL, NULL))
        continue;

      troupe_canvas_step_input_port (target, &x2, &y2);
      for (guint j = 0; needs[j] != NULL; j++)
        {
          TroupeStep *source = troupe_workflow_lookup_step (workflow, needs[j]);
          graphene_point_t curve[4], tip;
          double x1, y1, px, py;
          graphene_rect_t box;

          if (source == NULL || !troupe_step_get_position (source, NULL, NULL))
            continue;

          troupe_canvas_step_output_port (source, &x1, &y1);
          troupe_canvas_edge_curve (x1, y1, x2, y2, curve, &tip);

          /* The curve lies inside the box of its control points: most
           * edges are far from the point and cost only this test. */
          graphene_rect_init (&box, tip.x, tip.y, 0, 0);
          for (guint k = 0; k < 4; k++)
            graphene_rect_union (&box, &GRAPHENE_RECT_INIT (curve[k].x, curve[k].y, 0, 0), &box);
          graphene_rect_inset (&box, -tolerance, -tolerance);
          if (!graphene_rect_contains_point (&box, &GRAPHENE_POINT_INIT (gx, gy)))
            continue;

          px = curve[0].x;
          py = curve[0].y;
          for (guint k = 1; k <= 32; k++)
            {
              double qx, qy;

              bezier_point (curve, k / 32.0, &qx, &qy);
              if (distance_to_segment (gx, gy, px, py, qx, qy) <= tolerance)
                {
                  if (from != NULL)
                    *from = source;
                  if (to != NULL)
                    *to = target;
                  return TRUE;
                }
              px = qx;
              py = qy;
            }
          if (distance_to_segment (gx, gy, px, py, tip.x, tip.y) <= tolerance)
            {
              if (from != NULL)
                *from = source;
              if (to != NULL)
                *to = target;
              return TRUE;
            }
        }
    }

  return FALSE;
}
