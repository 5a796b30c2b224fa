/* troupe-chart.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A time-series chart: named series drawn as lines, each with an optional
 * band (value ± spread), or drawn as stacked areas, one layer per series.
 * x is any double that never decreases within a series (an epoch, a time
 * in seconds); appending a point is O(1), and the drawing is recorded once
 * per change into a render node, with at most a few points per pixel
 * column, so a chart of many thousand points redraws cheaply. The hover
 * guide and its label are an overlay drawn on top of that node. Colours
 * follow the theme (dark mode, high contrast). */

typedef enum
{
  /* One line per series, with its band where points have a spread. */
  TROUPE_CHART_MODE_LINES,
  /* The series are stacked layers of absolute values; the layers are
   * aligned by point index (point i of every series has the same x). */
  TROUPE_CHART_MODE_STACKED,
  /* As STACKED, each x normalised so the layers are shares summing to 1. */
  TROUPE_CHART_MODE_STACKED_SHARES,
} TroupeChartMode;

#define TROUPE_TYPE_CHART_MODE (troupe_chart_mode_get_type ())
GType troupe_chart_mode_get_type (void);

#define TROUPE_TYPE_CHART (troupe_chart_get_type ())

G_DECLARE_FINAL_TYPE (TroupeChart, troupe_chart, TROUPE, CHART, GtkWidget)

GtkWidget      *troupe_chart_new              (void);

const char     *troupe_chart_get_title        (TroupeChart     *self);
void            troupe_chart_set_title        (TroupeChart     *self,
                                               const char      *title);
/* The x axis's name, shown under it and used in the summary and CSV. */
const char     *troupe_chart_get_x_label      (TroupeChart     *self);
void            troupe_chart_set_x_label      (TroupeChart     *self,
                                               const char      *x_label);
TroupeChartMode troupe_chart_get_mode         (TroupeChart     *self);
void            troupe_chart_set_mode         (TroupeChart     *self,
                                               TroupeChartMode  mode);
/* Fixes the y axis to [@min, @max] (a rate in 0..1, say) instead of
 * fitting it to the data. */
void            troupe_chart_set_y_range      (TroupeChart     *self,
                                               double           min,
                                               double           max);
void            troupe_chart_unset_y_range    (TroupeChart     *self);

/* Adds a series and returns its index. @color NULL picks the next colour
 * of the GNOME palette. */
guint           troupe_chart_add_series       (TroupeChart     *self,
                                               const char      *name,
                                               const GdkRGBA   *color);
guint           troupe_chart_get_n_series     (TroupeChart     *self);
const char     *troupe_chart_get_series_name  (TroupeChart     *self,
                                               guint            series);
void            troupe_chart_get_series_color (TroupeChart     *self,
                                               guint            series,
                                               GdkRGBA         *color);
void            troupe_chart_append           (TroupeChart     *self,
                                               guint            series,
                                               double           x,
                                               double           y);
/* Appends a point whose band spans [@y − @spread, @y + @spread]. */
void            troupe_chart_append_with_spread (TroupeChart   *self,
                                                 guint          series,
                                                 double         x,
                                                 double         y,
                                                 double         spread);
guint           troupe_chart_get_n_points     (TroupeChart     *self,
                                               guint            series);
/* Point @index of @series; *@spread is 0 for a point without a band. */
gboolean        troupe_chart_get_point        (TroupeChart     *self,
                                               guint            series,
                                               guint            index,
                                               double          *x,
                                               double          *y,
                                               double          *spread);
/* Removes every point and keeps the series. */
void            troupe_chart_clear            (TroupeChart     *self);
void            troupe_chart_remove_all_series (TroupeChart    *self);

/* Where layer @series lies at point @index in a stacked mode: between
 * *@lower and *@upper, in y units (shares in STACKED_SHARES). FALSE when
 * the chart is not stacked or not every layer has that point. */
gboolean        troupe_chart_get_stacked_layer (TroupeChart    *self,
                                                guint           series,
                                                guint           index,
                                                double         *lower,
                                                double         *upper);

/* The axes as drawn at the widget's current size: the range of each axis
 * (extended to whole ticks unless fixed) and the tick step. */
void            troupe_chart_get_x_axis       (TroupeChart     *self,
                                               double          *min,
                                               double          *max,
                                               double          *step);
void            troupe_chart_get_y_axis       (TroupeChart     *self,
                                               double          *min,
                                               double          *max,
                                               double          *step);
/* The plot area (inside the axes) in widget coordinates. */
void            troupe_chart_get_plot_area    (TroupeChart     *self,
                                               graphene_rect_t *area);
/* Maps a data point to widget coordinates and back. */
void            troupe_chart_value_to_widget  (TroupeChart     *self,
                                               double           x,
                                               double           y,
                                               double          *widget_x,
                                               double          *widget_y);
void            troupe_chart_widget_to_value  (TroupeChart     *self,
                                               double           widget_x,
                                               double           widget_y,
                                               double          *x,
                                               double          *y);

/* The x of the data point nearest to @widget_x over all series; FALSE when
 * the chart has no point. */
gboolean        troupe_chart_find_nearest_x   (TroupeChart     *self,
                                               double           widget_x,
                                               double          *x);
/* Shows the values at the x nearest to (@widget_x, @widget_y), as the
 * pointer does; troupe_chart_unhover() hides them. */
void            troupe_chart_hover            (TroupeChart     *self,
                                               double           widget_x,
                                               double           widget_y);
void            troupe_chart_unhover          (TroupeChart     *self);
/* The text of the hover label ("Epoch 40", then a line per series), or
 * NULL when nothing is hovered. */
char           *troupe_chart_dup_hover_text   (TroupeChart     *self);

/* What the chart shows, in words, for screen readers: the last value of
 * each series ("Mean reward: last 0.93 at Epoch 40"). */
char           *troupe_chart_dup_summary      (TroupeChart     *self);
/* The data as CSV: the x label, then a column per series (and one for its
 * spread when it has a band); a row per distinct x, in order; numbers with
 * 17 significant digits in the C locale. */
char           *troupe_chart_to_csv           (TroupeChart     *self);
/* Draws the chart at @width × @height (title, legend and axes included)
 * off screen, with the cairo renderer, on an opaque background. */
GdkTexture     *troupe_chart_render_texture   (TroupeChart     *self,
                                               int              width,
                                               int              height,
                                               GError         **error);
/* troupe_chart_render_texture() saved as PNG, atomically. */
gboolean        troupe_chart_save_png         (TroupeChart     *self,
                                               const char      *path,
                                               int              width,
                                               int              height,
                                               GError         **error);

/* Nice axis ticks (Heckbert's): extends [@min, @max] to whole multiples of
 * a step of 1, 2 or 5 × 10^k, giving at most about @max_ticks ticks. An
 * empty range is widened around its value first. */
void            troupe_chart_nice_ticks       (double           min,
                                               double           max,
                                               guint            max_ticks,
                                               double          *nice_min,
                                               double          *nice_max,
                                               double          *step);

G_END_DECLS
