/* troupe-chart.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "troupe-chart.h"

#define PADDING        12.0
#define TICK_GAP        6.0
#define LEGEND_SWATCH  12.0
#define LEGEND_GAP     14.0
#define HOVER_PADDING   6.0
/* The accessible summary is brought up to date at most this often while
 * points arrive, so a screen reader is not flooded during training. */
#define SUMMARY_DELAY_MS 300

typedef struct
{
  double x;
  double y;
  double spread;
} Point;

typedef struct
{
  char    *name;
  GdkRGBA  color;
  GArray  *points;             /* Point */
  guint    has_band : 1;
} Series;

/* One pixel column of a decimated line: the first, last, lowest and highest
 * pixel y of the points that fall in it, and the band's extent. */
typedef struct
{
  double px;
  double first;
  double last;
  double top;
  double bottom;
  double band_top;
  double band_bottom;
  guint  n;
} Bucket;

/* Everything measured for one size: the axes, the plot area and the text
 * layouts. The frame (title, legend, axis label) is kept until the size,
 * the text or the style change; the ticks' labels until the ticks do, so
 * that points arriving within the same ticks measure no text at all. */
typedef struct
{
  int              width;
  int              height;
  graphene_rect_t  area;
  double           x_min, x_max, x_step;
  double           y_min, y_max, y_step;
  /* The frame: where the plot may go, between title and axis label. */
  double           plot_top;
  double           plot_bottom;
  double           widest_y_tick;
  PangoLayout     *title;
  PangoLayout     *x_label;
  GPtrArray       *x_ticks;    /* PangoLayout, one per tick */
  GPtrArray       *y_ticks;
  GPtrArray       *legend;     /* PangoLayout, one per series */
  GArray          *legend_pos; /* graphene_point_t, the swatch of each */
  guint            frame_valid : 1;
  guint            valid : 1;
} Geometry;

struct _TroupeChart
{
  GtkWidget        parent_instance;

  /* owned */
  GPtrArray       *series;     /* Series */
  GArray          *totals;     /* double: the stacked total at each index */
  GArray          *buckets;    /* Bucket: scratch, reused between draws */
  GArray          *cumulative; /* double: scratch for stacked layers */
  GskRenderNode   *node;
  PangoLayout     *hover_layout;
  char            *title;
  char            *x_label;
  Geometry         geometry;

  /* scalars */
  TroupeChartMode  mode;
  GdkRGBA          fg_color;
  GdkRGBA          bg_color;
  GdkRGBA          grid_color;
  GdkRGBA          axis_color;
  GdkRGBA          text_color;
  double           data_x_min, data_x_max;
  double           data_y_min, data_y_max;
  double           max_total;
  double           fixed_y_min, fixed_y_max;
  double           hover_x;
  double           hover_pointer_y;
  guint            next_palette;
  guint            summary_source;

  /* bitfields */
  guint            has_data : 1;
  guint            fixed_y : 1;
  guint            hovering : 1;
  guint            high_contrast : 1;
};

G_DEFINE_ENUM_TYPE (TroupeChartMode, troupe_chart_mode,
                    G_DEFINE_ENUM_VALUE (TROUPE_CHART_MODE_LINES, "lines"),
                    G_DEFINE_ENUM_VALUE (TROUPE_CHART_MODE_STACKED, "stacked"),
                    G_DEFINE_ENUM_VALUE (TROUPE_CHART_MODE_STACKED_SHARES, "stacked-shares"))

G_DEFINE_FINAL_TYPE (TroupeChart, troupe_chart, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_X_LABEL,
  PROP_MODE,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static char *hover_text (TroupeChart *self,
                         double       x);

/* The GNOME palette's middle shades, which read on light and dark. */
static const char * const palette[] = {
  "#3584e4", "#2ec27e", "#ff7800", "#9141ac", "#e01b24", "#986a44", "#f5c211", "#1c71d8",
};

static void
series_free (gpointer data)
{
  Series *series = data;

  g_free (series->name);
  g_array_unref (series->points);
  g_free (series);
}

static gboolean
is_stacked (TroupeChart *self)
{
  return self->mode != TROUPE_CHART_MODE_LINES;
}

static Series *
get_series (TroupeChart *self,
            guint        index)
{
  return g_ptr_array_index (self->series, index);
}

static const Point *
point_at (const Series *series,
          guint         index)
{
  return &g_array_index (series->points, Point, index);
}

/* The number of points every layer has: a stacked chart draws only the
 * indices all its layers reached. */
static guint
stacked_length (TroupeChart *self)
{
  guint n = G_MAXUINT;

  if (self->series->len == 0)
    return 0;
  for (guint i = 0; i < self->series->len; i++)
    n = MIN (n, get_series (self, i)->points->len);
  return n;
}

static void
geometry_clear (Geometry *g)
{
  g_clear_object (&g->title);
  g_clear_object (&g->x_label);
  g_clear_pointer (&g->x_ticks, g_ptr_array_unref);
  g_clear_pointer (&g->y_ticks, g_ptr_array_unref);
  g_clear_pointer (&g->legend, g_ptr_array_unref);
  g_clear_pointer (&g->legend_pos, g_array_unref);
  g->frame_valid = FALSE;
  g->valid = FALSE;
}

/* The drawing must be recorded again; the measurements stay. */
static void
invalidate_node (TroupeChart *self)
{
  g_clear_pointer (&self->node, gsk_render_node_unref);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The data changed: the ticks may have, the frame has not. */
static void
invalidate_ticks (TroupeChart *self)
{
  self->geometry.valid = FALSE;
  invalidate_node (self);
}

/* The text, the series or the style changed: measure everything again. */
static void
invalidate_all (TroupeChart *self)
{
  self->geometry.frame_valid = FALSE;
  invalidate_ticks (self);
}

static gboolean
update_summary_cb (gpointer data)
{
  TroupeChart *self = data;
  g_autofree char *summary = troupe_chart_dup_summary (self);

  self->summary_source = 0;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, self->title != NULL ? self->title : "",
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, summary,
                                  -1);
  return G_SOURCE_REMOVE;
}

static void
queue_summary (TroupeChart *self)
{
  /* Nothing may outlive dispose(), which removes the source. */
  if (self->summary_source == 0 && !gtk_widget_in_destruction (GTK_WIDGET (self)))
    self->summary_source = g_timeout_add (SUMMARY_DELAY_MS, update_summary_cb, self);
}

static void
data_changed (TroupeChart *self)
{
  invalidate_ticks (self);
  queue_summary (self);
}

static void
format_value (char   *buffer,
              gsize   size,
              double  value)
{
  /* Four significant digits: enough to read a curve, short enough for a
   * label; %g switches to an exponent for very large or small values. */
  g_snprintf (buffer, size, "%.4g", value);
}

static void
format_tick (char   *buffer,
             gsize   size,
             double  value,
             double  step)
{
  int decimals = 0;

  /* A value that is zero but for rounding is printed as 0, not -0. */
  if (fabs (value) < step * 1e-6)
    value = 0.0;

  if (fabs (value) >= 1e6 || (value != 0.0 && fabs (value) < 1e-4))
    {
      g_snprintf (buffer, size, "%.3g", value);
      return;
    }

  if (step < 1.0)
    decimals = (int) ceil (-log10 (step) - 1e-9);
  g_snprintf (buffer, size, "%.*f", CLAMP (decimals, 0, 9), value);
}

static double
nice_number (double   value,
             gboolean round_it)
{
  double exponent = floor (log10 (value));
  double fraction = value / pow (10.0, exponent);
  double nice;

  if (round_it)
    nice = fraction < 1.5 ? 1.0 : fraction < 3.0 ? 2.0 : fraction < 7.0 ? 5.0 : 10.0;
  else
    nice = fraction <= 1.0 ? 1.0 : fraction <= 2.0 ? 2.0 : fraction <= 5.0 ? 5.0 : 10.0;

  return nice * pow (10.0, exponent);
}

void
troupe_chart_nice_ticks (double  min,
                         double  max,
                         guint   max_ticks,
                         double *nice_min,
                         double *nice_max,
                         double *step)
{
  double range, s;

  g_return_if_fail (nice_min != NULL && nice_max != NULL && step != NULL);

  if (!isfinite (min) || !isfinite (max))
    {
      min = 0.0;
      max = 1.0;
    }
  if (min > max)
    {
      double t = min;

      min = max;
      max = t;
    }
  /* One value, or none: show it in the middle of a small range. */
  if (max - min < 1e-12 * MAX (fabs (min), fabs (max)) || max == min)
    {
      double delta = fabs (min) > 0.0 ? fabs (min) * 0.1 : 1.0;

      min -= delta;
      max += delta;
    }

  max_ticks = MAX (max_ticks, 2);
  range = nice_number (max - min, FALSE);
  s = nice_number (range / (max_ticks - 1), TRUE);
  *step = s;
  /* The tolerance keeps 1.0 / 0.2 = 4.999… from adding a tick. */
  *nice_min = floor (min / s + 1e-9) * s;
  *nice_max = ceil (max / s - 1e-9) * s;
}

static guint
n_ticks (double min,
         double max,
         double step)
{
  return (guint) floor ((max - min) / step + 0.5) + 1;
}

static PangoLayout *
make_layout (TroupeChart *self,
             const char  *text,
             double       scale,
             gboolean     bold)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  PangoAttrList *attrs = pango_attr_list_new ();

  if (scale != 1.0)
    pango_attr_list_insert (attrs, pango_attr_scale_new (scale));
  if (bold)
    pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  /* Tabular figures keep tick labels from jittering as they change. */
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  return layout;
}

static void
layout_size (PangoLayout *layout,
             double      *width,
             double      *height)
{
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  if (width != NULL)
    *width = w;
  if (height != NULL)
    *height = h;
}

/* The data's range on each axis, before nice ticks. */
static void
data_ranges (TroupeChart *self,
             double      *x_min,
             double      *x_max,
             double      *y_min,
             double      *y_max)
{
  if (!self->has_data)
    {
      *x_min = 0.0;
      *x_max = 1.0;
      *y_min = 0.0;
      *y_max = 1.0;
    }
  else
    {
      *x_min = self->data_x_min;
      *x_max = self->data_x_max;
      *y_min = self->data_y_min;
      *y_max = self->data_y_max;
    }

  if (self->mode == TROUPE_CHART_MODE_STACKED_SHARES)
    {
      *y_min = 0.0;
      *y_max = 1.0;
    }
  else if (self->mode == TROUPE_CHART_MODE_STACKED)
    {
      *y_min = 0.0;
      *y_max = self->max_total > 0.0 ? self->max_total : 1.0;
    }
}

/* The title, the legend and the axis label, and so where the plot goes. */
static void
compute_frame (TroupeChart *self,
               Geometry    *g)
{
  double top = PADDING, bottom = g->height - PADDING, tick_height;

  g_clear_object (&g->title);
  g_clear_object (&g->x_label);
  g_clear_pointer (&g->legend, g_ptr_array_unref);
  g_clear_pointer (&g->legend_pos, g_array_unref);
  g->legend = g_ptr_array_new_with_free_func (g_object_unref);
  g->legend_pos = g_array_new (FALSE, FALSE, sizeof (graphene_point_t));

  if (self->title != NULL && self->title[0] != '\0')
    {
      double h;

      g->title = make_layout (self, self->title, 1.0, TRUE);
      layout_size (g->title, NULL, &h);
      top += h + 4.0;
    }

  /* The legend: one row of swatches and names, wrapped to the width.
   * A single line chart needs none; its title names it. */
  if (self->series->len > 1 || (is_stacked (self) && self->series->len > 0))
    {
      double x = PADDING, row_height = 0.0;

      for (guint i = 0; i < self->series->len; i++)
        {
          PangoLayout *layout = make_layout (self, get_series (self, i)->name, 0.85, FALSE);
          graphene_point_t pos;
          double w, h;

          layout_size (layout, &w, &h);
          row_height = MAX (row_height, h);
          if (x > PADDING && x + LEGEND_SWATCH + 4.0 + w > g->width - PADDING)
            {
              x = PADDING;
              top += row_height + 2.0;
            }
          pos = GRAPHENE_POINT_INIT (x, top);
          g_array_append_val (g->legend_pos, pos);
          g_ptr_array_add (g->legend, layout);
          x += LEGEND_SWATCH + 4.0 + w + LEGEND_GAP;
        }
      top += row_height + 6.0;
    }

  if (self->x_label != NULL && self->x_label[0] != '\0')
    {
      double h;

      g->x_label = make_layout (self, self->x_label, 0.85, FALSE);
      layout_size (g->x_label, NULL, &h);
      bottom -= h + 2.0;
    }

  {
    g_autoptr(PangoLayout) probe = make_layout (self, "0", 0.85, FALSE);

    layout_size (probe, NULL, &tick_height);
  }
  bottom -= tick_height + TICK_GAP;
  /* Room for the top tick's label, which is centred on the top line. */
  top += tick_height / 2.0;

  g->plot_top = top;
  g->plot_bottom = bottom;
  g->frame_valid = TRUE;
}

static void
compute_geometry (TroupeChart *self,
                  int          width,
                  int          height,
                  Geometry    *g)
{
  double x_min, x_max, y_min, y_max;
  double new_min, new_max, new_step;
  double left, right, top, bottom;
  guint max_ticks;

  if (!g->frame_valid || g->width != width || g->height != height)
    {
      geometry_clear (g);
      g->width = width;
      g->height = height;
      compute_frame (self, g);
    }
  top = g->plot_top;
  bottom = g->plot_bottom;

  data_ranges (self, &x_min, &x_max, &y_min, &y_max);

  max_ticks = (guint) CLAMP ((bottom - top) / 40.0, 2.0, 8.0);
  if (self->fixed_y)
    {
      troupe_chart_nice_ticks (self->fixed_y_min, self->fixed_y_max, max_ticks, &new_min, &new_max, &new_step);
      new_min = self->fixed_y_min;
      new_max = self->fixed_y_max;
    }
  else
    troupe_chart_nice_ticks (y_min, y_max, max_ticks, &new_min, &new_max, &new_step);

  if (g->y_ticks == NULL || new_min != g->y_min || new_max != g->y_max || new_step != g->y_step)
    {
      g->y_min = new_min;
      g->y_max = new_max;
      g->y_step = new_step;
      g->widest_y_tick = 0.0;
      g_clear_pointer (&g->y_ticks, g_ptr_array_unref);
      g->y_ticks = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0, n = n_ticks (g->y_min, g->y_max, g->y_step); i < n; i++)
        {
          char text[64];
          double value = g->y_min + i * g->y_step;
          PangoLayout *layout;
          double w;

          if (value > g->y_max + g->y_step * 1e-6)
            break;
          format_tick (text, sizeof text, value, g->y_step);
          layout = make_layout (self, text, 0.85, FALSE);
          layout_size (layout, &w, NULL);
          g->widest_y_tick = MAX (g->widest_y_tick, w);
          g_ptr_array_add (g->y_ticks, layout);
        }
    }

  left = PADDING + g->widest_y_tick + TICK_GAP;
  right = width - PADDING - 8.0;

  max_ticks = (guint) CLAMP ((right - left) / 80.0, 2.0, 10.0);
  troupe_chart_nice_ticks (x_min, x_max, max_ticks, &new_min, &new_max, &new_step);
  if (g->x_ticks == NULL || new_min != g->x_min || new_max != g->x_max || new_step != g->x_step)
    {
      g->x_min = new_min;
      g->x_max = new_max;
      g->x_step = new_step;
      g_clear_pointer (&g->x_ticks, g_ptr_array_unref);
      g->x_ticks = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0, n = n_ticks (g->x_min, g->x_max, g->x_step); i < n; i++)
        {
          char text[64];

          format_tick (text, sizeof text, g->x_min + i * g->x_step, g->x_step);
          g_ptr_array_add (g->x_ticks, make_layout (self, text, 0.85, FALSE));
        }
    }

  g->area = GRAPHENE_RECT_INIT (left, top, MAX (right - left, 1.0), MAX (bottom - top, 1.0));
  g->valid = TRUE;
}

static void
ensure_geometry (TroupeChart *self)
{
  int width = MAX (gtk_widget_get_width (GTK_WIDGET (self)), 1);
  int height = MAX (gtk_widget_get_height (GTK_WIDGET (self)), 1);

  if (self->geometry.valid && self->geometry.width == width && self->geometry.height == height)
    return;

  compute_geometry (self, width, height, &self->geometry);
  g_clear_pointer (&self->node, gsk_render_node_unref);
}

static double
map_x (const Geometry *g,
       double          x)
{
  return g->area.origin.x + (x - g->x_min) / (g->x_max - g->x_min) * g->area.size.width;
}

static double
map_y (const Geometry *g,
       double          y)
{
  return g->area.origin.y + g->area.size.height
         - (y - g->y_min) / (g->y_max - g->y_min) * g->area.size.height;
}

static void
append_rect (GtkSnapshot   *snapshot,
             const GdkRGBA *color,
             double         x,
             double         y,
             double         width,
             double         height)
{
  gtk_snapshot_append_color (snapshot, color, &GRAPHENE_RECT_INIT (x, y, width, height));
}

static void
append_layout_at (GtkSnapshot   *snapshot,
                  PangoLayout   *layout,
                  const GdkRGBA *color,
                  double         x,
                  double         y)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((float) x, (float) y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
append_round_rect (GtkSnapshot   *snapshot,
                   const GdkRGBA *color,
                   double         x,
                   double         y,
                   double         width,
                   double         height,
                   double         radius)
{
  GskRoundedRect rounded;

  gsk_rounded_rect_init_from_rect (&rounded, &GRAPHENE_RECT_INIT (x, y, width, height), radius);
  gtk_snapshot_push_rounded_clip (snapshot, &rounded);
  append_rect (snapshot, color, x, y, width, height);
  gtk_snapshot_pop (snapshot);
}

static void
draw_frame (TroupeChart    *self,
            GtkSnapshot    *snapshot,
            const Geometry *g)
{
  const graphene_rect_t *a = &g->area;
  double line = self->high_contrast ? 2.0 : 1.0;

  append_rect (snapshot, &self->bg_color, 0, 0, g->width, g->height);

  if (g->title != NULL)
    append_layout_at (snapshot, g->title, &self->fg_color, PADDING, PADDING);

  for (guint i = 0; i < g->legend->len; i++)
    {
      const graphene_point_t *pos = &g_array_index (g->legend_pos, graphene_point_t, i);
      Series *series = get_series (self, i);
      double h;

      layout_size (g_ptr_array_index (g->legend, i), NULL, &h);
      append_round_rect (snapshot, &series->color, pos->x, pos->y + (h - LEGEND_SWATCH) / 2.0,
                         LEGEND_SWATCH, LEGEND_SWATCH, 3.0);
      append_layout_at (snapshot, g_ptr_array_index (g->legend, i), &self->text_color,
                        pos->x + LEGEND_SWATCH + 4.0, pos->y);
    }

  for (guint i = 0; i < g->y_ticks->len; i++)
    {
      PangoLayout *layout = g_ptr_array_index (g->y_ticks, i);
      double y = map_y (g, g->y_min + i * g->y_step);
      double w, h;

      layout_size (layout, &w, &h);
      append_rect (snapshot, &self->grid_color, a->origin.x, round (y) - line / 2.0, a->size.width, line);
      append_layout_at (snapshot, layout, &self->text_color, a->origin.x - TICK_GAP - w, y - h / 2.0);
    }

  for (guint i = 0; i < g->x_ticks->len; i++)
    {
      PangoLayout *layout = g_ptr_array_index (g->x_ticks, i);
      double x = map_x (g, g->x_min + i * g->x_step);
      double w;

      layout_size (layout, &w, NULL);
      append_rect (snapshot, &self->grid_color, round (x) - line / 2.0, a->origin.y, line, a->size.height);
      append_layout_at (snapshot, layout, &self->text_color,
                        CLAMP (x - w / 2.0, 0.0, g->width - w), a->origin.y + a->size.height + TICK_GAP);
    }

  /* The axes themselves, over the grid. */
  append_rect (snapshot, &self->axis_color, a->origin.x, a->origin.y + a->size.height - line / 2.0,
               a->size.width, line);
  append_rect (snapshot, &self->axis_color, a->origin.x - line / 2.0, a->origin.y, line, a->size.height);

  if (g->x_label != NULL)
    {
      double w, h;

      layout_size (g->x_label, &w, &h);
      append_layout_at (snapshot, g->x_label, &self->text_color,
                        a->origin.x + (a->size.width - w) / 2.0, g->height - PADDING - h);
    }
}

/* Groups the points of @series by pixel column, so that drawing costs the
 * width of the chart, not the number of points. */
static void
bucket_series (TroupeChart    *self,
               const Geometry *g,
               const Series   *series)
{
  Bucket *current = NULL;
  int column = G_MININT;

  g_array_set_size (self->buckets, 0);
  for (guint i = 0; i < series->points->len; i++)
    {
      const Point *p = point_at (series, i);
      double px = map_x (g, p->x);
      double py = map_y (g, p->y);
      double band_top = map_y (g, p->y + p->spread);
      double band_bottom = map_y (g, p->y - p->spread);
      int c = (int) floor (px);

      if (current == NULL || c != column)
        {
          Bucket b = { px, py, py, py, py, band_top, band_bottom, 1 };

          g_array_append_val (self->buckets, b);
          current = &g_array_index (self->buckets, Bucket, self->buckets->len - 1);
          column = c;
          continue;
        }

      current->last = py;
      current->top = MIN (current->top, py);
      current->bottom = MAX (current->bottom, py);
      current->band_top = MIN (current->band_top, band_top);
      current->band_bottom = MAX (current->band_bottom, band_bottom);
      current->n++;
    }
}

static void
draw_lines (TroupeChart    *self,
            cairo_t        *cr,
            const Geometry *g)
{
  double width = self->high_contrast ? 3.0 : 2.0;

  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);

  for (guint s = 0; s < self->series->len; s++)
    {
      Series *series = get_series (self, s);
      guint n;

      if (series->points->len == 0)
        continue;

      bucket_series (self, g, series);
      n = self->buckets->len;

      if (series->has_band)
        {
          GdkRGBA band = series->color;

          band.alpha *= self->high_contrast ? 0.35f : 0.22f;
          gdk_cairo_set_source_rgba (cr, &band);
          cairo_new_path (cr);
          for (guint i = 0; i < n; i++)
            {
              const Bucket *b = &g_array_index (self->buckets, Bucket, i);

              cairo_line_to (cr, b->px, b->band_top);
            }
          for (guint i = n; i-- > 0;)
            {
              const Bucket *b = &g_array_index (self->buckets, Bucket, i);

              cairo_line_to (cr, b->px, b->band_bottom);
            }
          cairo_close_path (cr);
          cairo_fill (cr);
        }

      gdk_cairo_set_source_rgba (cr, &series->color);
      if (series->points->len == 1)
        {
          const Bucket *b = &g_array_index (self->buckets, Bucket, 0);

          cairo_new_path (cr);
          cairo_arc (cr, b->px, b->first, width + 1.0, 0, 2 * G_PI);
          cairo_fill (cr);
          continue;
        }

      cairo_set_line_width (cr, width);
      cairo_new_path (cr);
      for (guint i = 0; i < n; i++)
        {
          const Bucket *b = &g_array_index (self->buckets, Bucket, i);

          cairo_line_to (cr, b->px, b->first);
          if (b->n > 1)
            {
              cairo_line_to (cr, b->px, b->top);
              cairo_line_to (cr, b->px, b->bottom);
              cairo_line_to (cr, b->px, b->last);
            }
        }
      cairo_stroke (cr);
    }
}

/* The value of layer @s at @index as drawn: a share in STACKED_SHARES. */
static double
layer_value (TroupeChart *self,
             guint        s,
             guint        index)
{
  double v = point_at (get_series (self, s), index)->y;

  if (self->mode == TROUPE_CHART_MODE_STACKED_SHARES)
    {
      double total = g_array_index (self->totals, double, index);

      return total > 0.0 ? v / total : 0.0;
    }
  return v;
}

static void
draw_stacked (TroupeChart    *self,
              cairo_t        *cr,
              const Geometry *g)
{
  guint n = stacked_length (self);
  guint stride, n_samples;
  const Series *first;

  if (n == 0)
    return;

  /* At most about one sample per pixel column. */
  stride = MAX (1u, n / MAX (1u, (guint) g->area.size.width));
  n_samples = (n - 1) / stride + 1 + ((n - 1) % stride != 0 ? 1 : 0);
  g_array_set_size (self->cumulative, n_samples);
  memset (self->cumulative->data, 0, sizeof (double) * n_samples);
  first = get_series (self, 0);

#define SAMPLE(k) (MIN ((k) * stride, n - 1))

  for (guint s = 0; s < self->series->len; s++)
    {
      Series *series = get_series (self, s);
      GdkRGBA fill = series->color;

      fill.alpha *= 0.85f;
      gdk_cairo_set_source_rgba (cr, &fill);
      cairo_new_path (cr);

      if (n == 1)
        {
          double px = map_x (g, point_at (first, 0)->x);
          double lower = g_array_index (self->cumulative, double, 0);
          double upper = lower + layer_value (self, s, 0);
          double half = MAX (2.0, g->area.size.width / 60.0);

          cairo_rectangle (cr, px - half, map_y (g, upper), 2 * half, map_y (g, lower) - map_y (g, upper));
          cairo_fill (cr);
          g_array_index (self->cumulative, double, 0) = upper;
          continue;
        }

      /* The upper edge forwards, then the lower edge (the layers below)
       * backwards, so the polygon closes on itself. */
      for (guint k = 0; k < n_samples; k++)
        {
          guint i = SAMPLE (k);
          double upper = g_array_index (self->cumulative, double, k) + layer_value (self, s, i);

          cairo_line_to (cr, map_x (g, point_at (first, i)->x), map_y (g, upper));
        }
      for (guint k = n_samples; k-- > 0;)
        {
          guint i = SAMPLE (k);

          cairo_line_to (cr, map_x (g, point_at (first, i)->x),
                         map_y (g, g_array_index (self->cumulative, double, k)));
        }
      cairo_close_path (cr);
      cairo_fill (cr);

      for (guint k = 0; k < n_samples; k++)
        g_array_index (self->cumulative, double, k) += layer_value (self, s, SAMPLE (k));
    }

#undef SAMPLE
}

static void
draw_chart (TroupeChart    *self,
            GtkSnapshot    *snapshot,
            const Geometry *g)
{
  cairo_t *cr;

  draw_frame (self, snapshot, g);

  if (!self->has_data)
    return;

  gtk_snapshot_push_clip (snapshot, &g->area);
  cr = gtk_snapshot_append_cairo (snapshot, &g->area);
  if (is_stacked (self))
    draw_stacked (self, cr, g);
  else
    draw_lines (self, cr, g);
  cairo_destroy (cr);
  gtk_snapshot_pop (snapshot);
}

/* The index of the point of @series whose x is nearest to @x, or -1. */
static int
nearest_index (const Series *series,
               double        x)
{
  guint lo = 0, hi = series->points->len;

  if (hi == 0)
    return -1;

  /* The first point at or after x (the x never decrease). */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (point_at (series, mid)->x < x)
        lo = mid + 1;
      else
        hi = mid;
    }

  if (lo == series->points->len)
    return (int) lo - 1;
  if (lo > 0 && x - point_at (series, lo - 1)->x <= point_at (series, lo)->x - x)
    return (int) lo - 1;
  return (int) lo;
}

static void
draw_hover (TroupeChart *self,
            GtkSnapshot *snapshot)
{
  const Geometry *g = &self->geometry;
  const graphene_rect_t *a = &g->area;
  double px, w, h, box_x, box_y;
  GdkRGBA guide = self->fg_color, box = self->bg_color, border = self->fg_color;
  guint n_stacked = stacked_length (self);

  if (!self->hovering || self->hover_layout == NULL || !g->valid)
    return;

  px = map_x (g, self->hover_x);
  guide.alpha *= self->high_contrast ? 0.8f : 0.45f;
  append_rect (snapshot, &guide, round (px) - 0.5, a->origin.y, 1.0, a->size.height);

  /* A dot where each series is at that x. */
  for (guint s = 0; s < self->series->len; s++)
    {
      Series *series = get_series (self, s);
      int index = nearest_index (is_stacked (self) ? get_series (self, 0) : series, self->hover_x);
      double value;

      if (index < 0 || (is_stacked (self) && (guint) index >= n_stacked))
        continue;

      if (is_stacked (self))
        {
          value = 0.0;
          for (guint k = 0; k <= s; k++)
            value += layer_value (self, k, index);
        }
      else
        value = point_at (series, index)->y;

      append_round_rect (snapshot, &self->bg_color, map_x (g, point_at (series, index)->x) - 5.0,
                         map_y (g, value) - 5.0, 10.0, 10.0, 5.0);
      append_round_rect (snapshot, &series->color, map_x (g, point_at (series, index)->x) - 3.5,
                         map_y (g, value) - 3.5, 7.0, 7.0, 3.5);
    }

  layout_size (self->hover_layout, &w, &h);
  w += 2 * HOVER_PADDING;
  h += 2 * HOVER_PADDING;
  /* Beside the guide, on the side with room, near the pointer. */
  box_x = px + 10.0;
  if (box_x + w > g->width - 2.0)
    box_x = MAX (2.0, px - 10.0 - w);
  box_y = CLAMP (self->hover_pointer_y - h / 2.0, a->origin.y, MAX (a->origin.y, g->height - h - 2.0));

  box.alpha = 0.95f;
  border.alpha *= self->high_contrast ? 0.9f : 0.25f;
  {
    GskRoundedRect rounded;
    const float widths[4] = { 1, 1, 1, 1 };
    const GdkRGBA colors[4] = { border, border, border, border };

    gsk_rounded_rect_init_from_rect (&rounded, &GRAPHENE_RECT_INIT (box_x, box_y, w, h), 6.0f);
    gtk_snapshot_push_rounded_clip (snapshot, &rounded);
    append_rect (snapshot, &box, box_x, box_y, w, h);
    gtk_snapshot_pop (snapshot);
    gtk_snapshot_append_border (snapshot, &rounded, widths, colors);
  }
  append_layout_at (snapshot, self->hover_layout, &self->fg_color,
                    box_x + HOVER_PADDING, box_y + HOVER_PADDING);
}

static void
troupe_chart_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  TroupeChart *self = TROUPE_CHART (widget);

  ensure_geometry (self);
  if (self->node == NULL)
    {
      GtkSnapshot *recorder = gtk_snapshot_new ();

      draw_chart (self, recorder, &self->geometry);
      self->node = gtk_snapshot_free_to_node (recorder);
    }

  if (self->node != NULL)
    gtk_snapshot_append_node (snapshot, self->node);
  draw_hover (self, snapshot);
}

static void
troupe_chart_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 200;
      *natural = 340;
    }
  else
    {
      *minimum = 160;
      *natural = 240;
    }
}

static void
troupe_chart_size_allocate (GtkWidget *widget,
                            int        width,
                            int        height,
                            int        baseline)
{
  /* ensure_geometry() notices the new size on the next frame. */
  gtk_widget_queue_draw (widget);
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
update_colors (TroupeChart *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  self->high_contrast = adw_is_initialized ()
                        && adw_style_manager_get_high_contrast (adw_style_manager_get_default ());

  lookup_color (widget, "view_fg_color", "rgba(0,0,0,0.8)", &self->fg_color);
  lookup_color (widget, "view_bg_color", "#ffffff", &self->bg_color);
  /* The plot sits on an opaque background, so an exported PNG looks as
   * it does on screen. */
  self->bg_color.alpha = 1.0f;

  self->grid_color = self->fg_color;
  self->grid_color.alpha *= self->high_contrast ? 0.3f : 0.1f;
  self->axis_color = self->fg_color;
  self->axis_color.alpha *= self->high_contrast ? 1.0f : 0.45f;
  self->text_color = self->fg_color;
  self->text_color.alpha *= self->high_contrast ? 1.0f : 0.75f;
}

static void
troupe_chart_css_changed (GtkWidget         *widget,
                          GtkCssStyleChange *change)
{
  TroupeChart *self = TROUPE_CHART (widget);

  GTK_WIDGET_CLASS (troupe_chart_parent_class)->css_changed (widget, change);

  update_colors (self);
  /* Fonts may have changed with the style, so the text is measured again. */
  g_clear_object (&self->hover_layout);
  if (self->hovering)
    {
      g_autofree char *text = hover_text (self, self->hover_x);

      self->hover_layout = make_layout (self, text, 0.9, FALSE);
    }
  invalidate_all (self);
}

static void
high_contrast_changed_cb (TroupeChart *self)
{
  update_colors (self);
  invalidate_all (self);
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           TroupeChart              *self)
{
  graphene_rect_t area;

  /* Over the plot, give or take a few pixels; not over the title. */
  ensure_geometry (self);
  graphene_rect_inset_r (&self->geometry.area, -8.0f, -8.0f, &area);
  if (graphene_rect_contains_point (&area, &GRAPHENE_POINT_INIT ((float) x, (float) y)))
    troupe_chart_hover (self, x, y);
  else
    troupe_chart_unhover (self);
}

static void
leave_cb (GtkEventControllerMotion *controller,
          TroupeChart              *self)
{
  troupe_chart_unhover (self);
}

static void
troupe_chart_dispose (GObject *object)
{
  TroupeChart *self = TROUPE_CHART (object);

  g_clear_handle_id (&self->summary_source, g_source_remove);
  if (adw_is_initialized ())
    g_signal_handlers_disconnect_by_data (adw_style_manager_get_default (), self);

  G_OBJECT_CLASS (troupe_chart_parent_class)->dispose (object);
}

static void
troupe_chart_finalize (GObject *object)
{
  TroupeChart *self = TROUPE_CHART (object);

  g_clear_pointer (&self->series, g_ptr_array_unref);
  g_clear_pointer (&self->totals, g_array_unref);
  g_clear_pointer (&self->buckets, g_array_unref);
  g_clear_pointer (&self->cumulative, g_array_unref);
  g_clear_pointer (&self->node, gsk_render_node_unref);
  g_clear_object (&self->hover_layout);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->x_label, g_free);
  geometry_clear (&self->geometry);

  G_OBJECT_CLASS (troupe_chart_parent_class)->finalize (object);
}

static void
troupe_chart_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TroupeChart *self = TROUPE_CHART (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_X_LABEL:
      g_value_set_string (value, self->x_label);
      break;
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_chart_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  TroupeChart *self = TROUPE_CHART (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      troupe_chart_set_title (self, g_value_get_string (value));
      break;
    case PROP_X_LABEL:
      troupe_chart_set_x_label (self, g_value_get_string (value));
      break;
    case PROP_MODE:
      troupe_chart_set_mode (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_chart_class_init (TroupeChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = troupe_chart_dispose;
  object_class->finalize = troupe_chart_finalize;
  object_class->get_property = troupe_chart_get_property;
  object_class->set_property = troupe_chart_set_property;

  widget_class->snapshot = troupe_chart_snapshot;
  widget_class->measure = troupe_chart_measure;
  widget_class->size_allocate = troupe_chart_size_allocate;
  widget_class->css_changed = troupe_chart_css_changed;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_X_LABEL] =
    g_param_spec_string ("x-label", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_MODE] =
    g_param_spec_enum ("mode", NULL, NULL, TROUPE_TYPE_CHART_MODE, TROUPE_CHART_MODE_LINES,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "troupe-chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
troupe_chart_init (TroupeChart *self)
{
  GtkEventController *motion;

  self->series = g_ptr_array_new_with_free_func (series_free);
  self->totals = g_array_new (FALSE, TRUE, sizeof (double));
  self->buckets = g_array_new (FALSE, FALSE, sizeof (Bucket));
  self->cumulative = g_array_new (FALSE, TRUE, sizeof (double));
  update_colors (self);

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  if (adw_is_initialized ())
    g_signal_connect_swapped (adw_style_manager_get_default (), "notify::high-contrast",
                              G_CALLBACK (high_contrast_changed_cb), self);

  queue_summary (self);
}

GtkWidget *
troupe_chart_new (void)
{
  return g_object_new (TROUPE_TYPE_CHART, NULL);
}

const char *
troupe_chart_get_title (TroupeChart *self)
{
  g_return_val_if_fail (TROUPE_IS_CHART (self), NULL);
  return self->title;
}

void
troupe_chart_set_title (TroupeChart *self,
                        const char  *title)
{
  g_return_if_fail (TROUPE_IS_CHART (self));

  if (g_strcmp0 (self->title, title) == 0)
    return;

  g_free (self->title);
  self->title = g_strdup (title);
  invalidate_all (self);
  queue_summary (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

const char *
troupe_chart_get_x_label (TroupeChart *self)
{
  g_return_val_if_fail (TROUPE_IS_CHART (self), NULL);
  return self->x_label;
}

void
troupe_chart_set_x_label (TroupeChart *self,
                          const char  *x_label)
{
  g_return_if_fail (TROUPE_IS_CHART (self));

  if (g_strcmp0 (self->x_label, x_label) == 0)
    return;

  g_free (self->x_label);
  self->x_label = g_strdup (x_label);
  invalidate_all (self);
  queue_summary (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_X_LABEL]);
}

TroupeChartMode
troupe_chart_get_mode (TroupeChart *self)
{
  g_return_val_if_fail (TROUPE_IS_CHART (self), TROUPE_CHART_MODE_LINES);
  return self->mode;
}

void
troupe_chart_set_mode (TroupeChart     *self,
                       TroupeChartMode  mode)
{
  g_return_if_fail (TROUPE_IS_CHART (self));
  g_return_if_fail (mode <= TROUPE_CHART_MODE_STACKED_SHARES);

  if (self->mode == mode)
    return;

  self->mode = mode;
  g_clear_object (&self->hover_layout);
  self->hovering = FALSE;
  invalidate_all (self);
  queue_summary (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
}

void
troupe_chart_set_y_range (TroupeChart *self,
                          double       min,
                          double       max)
{
  g_return_if_fail (TROUPE_IS_CHART (self));
  g_return_if_fail (min < max);

  self->fixed_y = TRUE;
  self->fixed_y_min = min;
  self->fixed_y_max = max;
  invalidate_all (self);
}

void
troupe_chart_unset_y_range (TroupeChart *self)
{
  g_return_if_fail (TROUPE_IS_CHART (self));

  self->fixed_y = FALSE;
  invalidate_all (self);
}

guint
troupe_chart_add_series (TroupeChart   *self,
                         const char    *name,
                         const GdkRGBA *color)
{
  Series *series;

  g_return_val_if_fail (TROUPE_IS_CHART (self), 0);
  g_return_val_if_fail (name != NULL, 0);

  series = g_new0 (Series, 1);
  series->name = g_strdup (name);
  series->points = g_array_new (FALSE, FALSE, sizeof (Point));
  if (color != NULL)
    series->color = *color;
  else
    gdk_rgba_parse (&series->color, palette[self->next_palette++ % G_N_ELEMENTS (palette)]);
  g_ptr_array_add (self->series, series);

  /* The legend changes with the series. */
  invalidate_all (self);
  queue_summary (self);
  return self->series->len - 1;
}

guint
troupe_chart_get_n_series (TroupeChart *self)
{
  g_return_val_if_fail (TROUPE_IS_CHART (self), 0);
  return self->series->len;
}

const char *
troupe_chart_get_series_name (TroupeChart *self,
                              guint        series)
{
  g_return_val_if_fail (TROUPE_IS_CHART (self), NULL);
  g_return_val_if_fail (series < self->series->len, NULL);
  return get_series (self, series)->name;
}

void
troupe_chart_get_series_color (TroupeChart *self,
                               guint        series,
                               GdkRGBA     *color)
{
  g_return_if_fail (TROUPE_IS_CHART (self));
  g_return_if_fail (series < self->series->len);
  g_return_if_fail (color != NULL);
  *color = get_series (self, series)->color;
}

void
troupe_chart_append_with_spread (TroupeChart *self,
                                 guint        series,
                                 double       x,
                                 double       y,
                                 double       spread)
{
  Series *s;
  Point p = { x, y, fabs (spread) };
  guint index;

  g_return_if_fail (TROUPE_IS_CHART (self));
  g_return_if_fail (series < self->series->len);
  g_return_if_fail (isfinite (x) && isfinite (y) && isfinite (spread));

  s = get_series (self, series);
  g_return_if_fail (s->points->len == 0 || x >= point_at (s, s->points->len - 1)->x);

  index = s->points->len;
  g_array_append_val (s->points, p);
  if (p.spread > 0.0)
    s->has_band = TRUE;

  /* The ranges grow with each point, so nothing is ever rescanned. */
  if (!self->has_data)
    {
      self->data_x_min = self->data_x_max = x;
      self->data_y_min = y - p.spread;
      self->data_y_max = y + p.spread;
      self->has_data = TRUE;
    }
  else
    {
      self->data_x_min = MIN (self->data_x_min, x);
      self->data_x_max = MAX (self->data_x_max, x);
      self->data_y_min = MIN (self->data_y_min, y - p.spread);
      self->data_y_max = MAX (self->data_y_max, y + p.spread);
    }

  if (self->totals->len <= index)
    g_array_set_size (self->totals, index + 1);
  g_array_index (self->totals, double, index) += y;
  self->max_total = MAX (self->max_total, g_array_index (self->totals, double, index));

  data_changed (self);
}

void
troupe_chart_append (TroupeChart *self,
                     guint        series,
                     double       x,
                     double       y)
{
  troupe_chart_append_with_spread (self, series, x, y, 0.0);
}

guint
troupe_chart_get_n_points (TroupeChart *self,
                           guint        series)
{
  g_return_val_if_fail (TROUPE_IS_CHART (self), 0);
  g_return_val_if_fail (series < self->series->len, 0);
  return get_series (self, series)->points->len;
}

gboolean
troupe_chart_get_point (TroupeChart *self,
                        guint        series,
                        guint        index,
                        double      *x,
                        double      *y,
                        double      *spread)
{
  const Point *p;

  g_return_val_if_fail (TROUPE_IS_CHART (self), FALSE);
  g_return_val_if_fail (series < self->series->len, FALSE);

  if (index >= get_series (self, series)->points->len)
    return FALSE;

  p = point_at (get_series (self, series), index);
  if (x != NULL)
    *x = p->x;
  if (y != NULL)
    *y = p->y;
  if (spread != NULL)
    *spread = p->spread;
  return TRUE;
}

void
troupe_chart_clear (TroupeChart *self)
{
  g_return_if_fail (TROUPE_IS_CHART (self));

  for (guint i = 0; i < self->series->len; i++)
    {
      g_array_set_size (get_series (self, i)->points, 0);
      get_series (self, i)->has_band = FALSE;
    }
  g_array_set_size (self->totals, 0);
  self->max_total = 0.0;
  self->has_data = FALSE;
  troupe_chart_unhover (self);
  data_changed (self);
}

void
troupe_chart_remove_all_series (TroupeChart *self)
{
  g_return_if_fail (TROUPE_IS_CHART (self));

  troupe_chart_clear (self);
  g_ptr_array_set_size (self->series, 0);
  self->next_palette = 0;
  invalidate_all (self);
  queue_summary (self);
}

gboolean
troupe_chart_get_stacked_layer (TroupeChart *self,
                                guint        series,
                                guint        index,
                                double      *lower,
                                double      *upper)
{
  double sum = 0.0;

  g_return_val_if_fail (TROUPE_IS_CHART (self), FALSE);
  g_return_val_if_fail (series < self->series->len, FALSE);

  if (!is_stacked (self) || index >= stacked_length (self))
    return FALSE;

  for (guint s = 0; s < series; s++)
    sum += layer_value (self, s, index);
  if (lower != NULL)
    *lower = sum;
  if (upper != NULL)
    *upper = sum + layer_value (self, series, index);
  return TRUE;
}

void
troupe_chart_get_x_axis (TroupeChart *self,
                         double      *min,
                         double      *max,
                         double      *step)
{
  g_return_if_fail (TROUPE_IS_CHART (self));

  ensure_geometry (self);
  if (min != NULL)
    *min = self->geometry.x_min;
  if (max != NULL)
    *max = self->geometry.x_max;
  if (step != NULL)
    *step = self->geometry.x_step;
}

void
troupe_chart_get_y_axis (TroupeChart *self,
                         double      *min,
                         double      *max,
                         double      *step)
{
  g_return_if_fail (TROUPE_IS_CHART (self));

  ensure_geometry (self);
  if (min != NULL)
    *min = self->geometry.y_min;
  if (max != NULL)
    *max = self->geometry.y_max;
  if (step != NULL)
    *step = self->geometry.y_step;
}

void
troupe_chart_get_plot_area (TroupeChart     *self,
                            graphene_rect_t *area)
{
  g_return_if_fail (TROUPE_IS_CHART (self));
  g_return_if_fail (area != NULL);

  ensure_geometry (self);
  *area = self->geometry.area;
}

void
troupe_chart_value_to_widget (TroupeChart *self,
                              double       x,
                              double       y,
                              double      *widget_x,
                              double      *widget_y)
{
  g_return_if_fail (TROUPE_IS_CHART (self));

  ensure_geometry (self);
  if (widget_x != NULL)
    *widget_x = map_x (&self->geometry, x);
  if (widget_y != NULL)
    *widget_y = map_y (&self->geometry, y);
}

void
troupe_chart_widget_to_value (TroupeChart *self,
                              double       widget_x,
                              double       widget_y,
                              double      *x,
                              double      *y)
{
  const Geometry *g;

  g_return_if_fail (TROUPE_IS_CHART (self));

  ensure_geometry (self);
  g = &self->geometry;
  if (x != NULL)
    *x = g->x_min + (widget_x - g->area.origin.x) / g->area.size.width * (g->x_max - g->x_min);
  if (y != NULL)
    *y = g->y_min + (g->area.origin.y + g->area.size.height - widget_y)
                    / g->area.size.height * (g->y_max - g->y_min);
}

gboolean
troupe_chart_find_nearest_x (TroupeChart *self,
                             double       widget_x,
                             double      *x)
{
  double target, best = 0.0, best_distance = G_MAXDOUBLE;
  gboolean found = FALSE;

  g_return_val_if_fail (TROUPE_IS_CHART (self), FALSE);

  troupe_chart_widget_to_value (self, widget_x, 0.0, &target, NULL);
  for (guint s = 0; s < self->series->len; s++)
    {
      const Series *series = get_series (self, s);
      int index = nearest_index (series, target);
      double distance;

      if (index < 0)
        continue;
      distance = fabs (point_at (series, index)->x - target);
      if (distance < best_distance)
        {
          best_distance = distance;
          best = point_at (series, index)->x;
          found = TRUE;
        }
    }

  if (found && x != NULL)
    *x = best;
  return found;
}

static char *
hover_text (TroupeChart *self,
            double       x)
{
  GString *text = g_string_new (NULL);
  char value[64];
  guint n_stacked = stacked_length (self);

  format_value (value, sizeof value, x);
  g_string_append_printf (text, "%s %s", self->x_label != NULL ? self->x_label : "x", value);

  for (guint s = 0; s < self->series->len; s++)
    {
      const Series *series = get_series (self, s);
      int index = nearest_index (is_stacked (self) ? get_series (self, 0) : series, x);
      const Point *p;

      if (index < 0 || (is_stacked (self) && (guint) index >= n_stacked))
        continue;

      p = point_at (series, index);
      format_value (value, sizeof value, p->y);
      g_string_append_printf (text, "\n%s: %s", series->name, value);
      if (self->mode == TROUPE_CHART_MODE_STACKED_SHARES)
        g_string_append_printf (text, " (%.0f%%)", 100.0 * layer_value (self, s, index));
      else if (series->has_band)
        {
          format_value (value, sizeof value, p->spread);
          g_string_append_printf (text, " ± %s", value);
        }
    }

  return g_string_free (text, FALSE);
}

void
troupe_chart_hover (TroupeChart *self,
                    double       widget_x,
                    double       widget_y)
{
  double x;

  g_return_if_fail (TROUPE_IS_CHART (self));

  if (!troupe_chart_find_nearest_x (self, widget_x, &x))
    {
      troupe_chart_unhover (self);
      return;
    }

  self->hover_pointer_y = widget_y;
  if (!self->hovering || x != self->hover_x || self->hover_layout == NULL)
    {
      g_autofree char *text = hover_text (self, x);

      g_clear_object (&self->hover_layout);
      self->hover_layout = make_layout (self, text, 0.9, FALSE);
      self->hover_x = x;
      self->hovering = TRUE;
    }
  /* Only the overlay changes: the recorded node is kept. */
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
troupe_chart_unhover (TroupeChart *self)
{
  g_return_if_fail (TROUPE_IS_CHART (self));

  if (!self->hovering)
    return;
  self->hovering = FALSE;
  g_clear_object (&self->hover_layout);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

char *
troupe_chart_dup_hover_text (TroupeChart *self)
{
  g_return_val_if_fail (TROUPE_IS_CHART (self), NULL);

  if (!self->hovering)
    return NULL;
  /* Asked afresh, since points may have arrived since the pointer moved. */
  return hover_text (self, self->hover_x);
}

char *
troupe_chart_dup_summary (TroupeChart *self)
{
  GString *text;
  char value[64], at[64];
  const char *x_label;
  guint n_stacked;

  g_return_val_if_fail (TROUPE_IS_CHART (self), NULL);

  text = g_string_new (NULL);
  x_label = self->x_label != NULL ? self->x_label : "x";

  if (!self->has_data)
    {
      g_string_append_printf (text, _("%s: no data yet"), self->title != NULL ? self->title : _("Chart"));
      return g_string_free (text, FALSE);
    }

  if (is_stacked (self))
    {
      n_stacked = stacked_length (self);
      if (n_stacked == 0)
        {
          g_string_append_printf (text, _("%s: no data yet"), self->title != NULL ? self->title : _("Chart"));
          return g_string_free (text, FALSE);
        }

      g_string_append_printf (text, "%s:", self->title != NULL ? self->title : _("Chart"));
      for (guint s = 0; s < self->series->len; s++)
        {
          if (self->mode == TROUPE_CHART_MODE_STACKED_SHARES)
            g_snprintf (value, sizeof value, "%.0f%%", 100.0 * layer_value (self, s, n_stacked - 1));
          else
            format_value (value, sizeof value, layer_value (self, s, n_stacked - 1));
          g_string_append_printf (text, "%s %s %s", s > 0 ? "," : "", get_series (self, s)->name, value);
        }
      format_value (at, sizeof at, point_at (get_series (self, 0), n_stacked - 1)->x);
      /* TRANSLATORS: the end of "Agent choices: Echo 12%, Terminator 88% at Epoch 40". */
      g_string_append_printf (text, _(" at %s %s"), x_label, at);
      return g_string_free (text, FALSE);
    }

  for (guint s = 0; s < self->series->len; s++)
    {
      const Series *series = get_series (self, s);
      const Point *last;

      if (series->points->len == 0)
        continue;
      last = point_at (series, series->points->len - 1);
      format_value (value, sizeof value, last->y);
      format_value (at, sizeof at, last->x);
      if (text->len > 0)
        g_string_append (text, "; ");
      /* TRANSLATORS: "Mean reward: last 0.93 at Epoch 40". */
      g_string_append_printf (text, _("%s: last %s at %s %s"), series->name, value, x_label, at);
    }

  return g_string_free (text, FALSE);
}

static void
append_csv_field (GString    *csv,
                  const char *field)
{
  if (strpbrk (field, ",\"\n\r") == NULL)
    {
      g_string_append (csv, field);
      return;
    }

  g_string_append_c (csv, '"');
  for (const char *c = field; *c != '\0'; c++)
    {
      if (*c == '"')
        g_string_append_c (csv, '"');
      g_string_append_c (csv, *c);
    }
  g_string_append_c (csv, '"');
}

static void
append_csv_number (GString *csv,
                   double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (csv, g_ascii_formatd (buffer, sizeof buffer, "%.17g", value));
}

char *
troupe_chart_to_csv (TroupeChart *self)
{
  GString *csv;
  g_autofree guint *cursor = NULL;

  g_return_val_if_fail (TROUPE_IS_CHART (self), NULL);

  csv = g_string_new (NULL);
  append_csv_field (csv, self->x_label != NULL ? self->x_label : "x");
  for (guint s = 0; s < self->series->len; s++)
    {
      const Series *series = get_series (self, s);

      g_string_append_c (csv, ',');
      append_csv_field (csv, series->name);
      if (series->has_band)
        {
          g_autofree char *name = g_strdup_printf ("%s spread", series->name);

          g_string_append_c (csv, ',');
          append_csv_field (csv, name);
        }
    }
  g_string_append_c (csv, '\n');

  /* A merge of the series by x: a row per distinct x, and a series
   * without a point there leaves its cells empty. */
  cursor = g_new0 (guint, MAX (self->series->len, 1));
  for (;;)
    {
      double x = G_MAXDOUBLE;
      gboolean any = FALSE;

      for (guint s = 0; s < self->series->len; s++)
        {
          const Series *series = get_series (self, s);

          if (cursor[s] < series->points->len)
            {
              x = MIN (x, point_at (series, cursor[s])->x);
              any = TRUE;
            }
        }
      if (!any)
        break;

      append_csv_number (csv, x);
      for (guint s = 0; s < self->series->len; s++)
        {
          const Series *series = get_series (self, s);
          gboolean here = cursor[s] < series->points->len && point_at (series, cursor[s])->x == x;

          g_string_append_c (csv, ',');
          if (here)
            append_csv_number (csv, point_at (series, cursor[s])->y);
          if (series->has_band)
            {
              g_string_append_c (csv, ',');
              if (here)
                append_csv_number (csv, point_at (series, cursor[s])->spread);
            }
          if (here)
            cursor[s]++;
        }
      g_string_append_c (csv, '\n');
    }

  return g_string_free (csv, FALSE);
}

GdkTexture *
troupe_chart_render_texture (TroupeChart  *self,
                             int           width,
                             int           height,
                             GError      **error)
{
  g_autoptr(GskRenderer) renderer = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  GdkTexture *texture;
  GtkSnapshot *snapshot;
  Geometry g = { 0 };

  g_return_val_if_fail (TROUPE_IS_CHART (self), NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  compute_geometry (self, width, height, &g);
  snapshot = gtk_snapshot_new ();
  draw_chart (self, snapshot, &g);
  node = gtk_snapshot_free_to_node (snapshot);
  geometry_clear (&g);

  /* A renderer of its own, realized without a surface (GTK 4.6), so a
   * chart exports the same whether or not it is on screen. */
  renderer = gsk_cairo_renderer_new ();
  if (!gsk_renderer_realize (renderer, NULL, error))
    return NULL;
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_renderer_unrealize (renderer);
  return texture;
}

gboolean
troupe_chart_save_png (TroupeChart  *self,
                       const char   *path,
                       int           width,
                       int           height,
                       GError      **error)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) png = NULL;

  g_return_val_if_fail (TROUPE_IS_CHART (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  texture = troupe_chart_render_texture (self, width, height, error);
  if (texture == NULL)
    return FALSE;

  /* Encoded in memory and written with g_file_set_contents(), which
   * replaces the file atomically. */
  png = gdk_texture_save_to_png_bytes (texture);
  return g_file_set_contents (path, g_bytes_get_data (png, NULL), (gssize) g_bytes_get_size (png), error);
}
