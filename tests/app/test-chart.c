/* test-chart.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>

#include "troupe-app-test-util.h"
#include "troupe-chart.h"

#define WIDTH  480
#define HEIGHT 320

typedef struct
{
  TroupeChart *chart;
  const char  *description;
} DescriptionWait;

static gboolean
has_description_cb (gpointer data)
{
  DescriptionWait *wait = data;
  g_autofree char *mismatch = NULL;

  mismatch = gtk_test_accessible_check_property (GTK_ACCESSIBLE (wait->chart),
                                                 GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, wait->description);
  return mismatch == NULL;
}

/* A chart shown in a window of its own, at WIDTH × HEIGHT. */
static TroupeChart *
chart_in_window (GtkWindow **window)
{
  GtkWidget *chart = troupe_chart_new ();

  *window = GTK_WINDOW (gtk_window_new ());
  g_object_ref_sink (*window);
  gtk_window_set_default_size (*window, WIDTH, HEIGHT);
  gtk_window_set_child (*window, chart);
  gtk_window_present (*window);
  return TROUPE_CHART (chart);
}

static gboolean
is_close_to (guint32 pixel,
             guint32 want,
             int     tolerance)
{
  for (int shift = 0; shift < 32; shift += 8)
    if (ABS ((int) ((pixel >> shift) & 0xff) - (int) ((want >> shift) & 0xff)) > tolerance)
      return FALSE;
  return TRUE;
}

/* Whether some pixel within @radius of (@x, @y) is close to @want. */
static gboolean
has_pixel_near (GdkTexture   *texture,
                const guchar *data,
                double        x,
                double        y,
                int           radius,
                guint32       want)
{
  for (int dy = -radius; dy <= radius; dy++)
    for (int dx = -radius; dx <= radius; dx++)
      {
        int px = (int) floor (x) + dx, py = (int) floor (y) + dy;

        if (px < 0 || py < 0 || px >= gdk_texture_get_width (texture) || py >= gdk_texture_get_height (texture))
          continue;
        if (is_close_to (troupe_app_test_pixel_in (texture, data, px, py), want, 40))
          return TRUE;
      }
  return FALSE;
}

static void
assert_ticks (double min,
              double max,
              guint  max_ticks,
              double want_min,
              double want_max,
              double want_step)
{
  double nice_min, nice_max, step;

  troupe_chart_nice_ticks (min, max, max_ticks, &nice_min, &nice_max, &step);
  g_assert_cmpfloat_with_epsilon (nice_min, want_min, 1e-12);
  g_assert_cmpfloat_with_epsilon (nice_max, want_max, 1e-12);
  g_assert_cmpfloat_with_epsilon (step, want_step, 1e-12);
}

static void
test_nice_ticks (void)
{
  double nice_min, nice_max, step;

  assert_ticks (0, 0.93, 5, 0, 1, 0.2);
  assert_ticks (1, 40, 5, 0, 40, 10);
  assert_ticks (1, 100, 6, 0, 100, 20);
  assert_ticks (-1.23, 0.5, 5, -1.5, 0.5, 0.5);
  assert_ticks (0, 1, 6, 0, 1, 0.2);
  assert_ticks (0.0012, 0.0047, 5, 0.001, 0.005, 0.001);
  assert_ticks (1000, 98000, 4, 0, 100000, 50000);
  /* Reversed bounds are put right. */
  assert_ticks (40, 1, 5, 0, 40, 10);

  /* One value is shown inside a range around it; zero around ±1. */
  troupe_chart_nice_ticks (0.0, 0.0, 5, &nice_min, &nice_max, &step);
  g_assert_cmpfloat (nice_min, <=, -1.0);
  g_assert_cmpfloat (nice_max, >=, 1.0);
  troupe_chart_nice_ticks (7.0, 7.0, 5, &nice_min, &nice_max, &step);
  g_assert_cmpfloat (nice_min, <, 7.0);
  g_assert_cmpfloat (nice_max, >, 7.0);
  g_assert_cmpfloat (step, >, 0.0);

  /* Every tick of an extended range is a whole multiple of the step. */
  for (int i = 0; i < 200; i++)
    {
      double lo = sin (i) * pow (10, i % 7 - 3), hi = lo + fabs (cos (i * 1.7)) * pow (10, i % 5 - 2);
      double q;

      troupe_chart_nice_ticks (lo, hi, 6, &nice_min, &nice_max, &step);
      g_assert_cmpfloat (nice_min, <=, lo + 1e-12);
      g_assert_cmpfloat (nice_max, >=, hi - 1e-12);
      q = nice_min / step;
      g_assert_cmpfloat (fabs (q - round (q)), <, 1e-6);
      g_assert_cmpfloat ((nice_max - nice_min) / step, <=, 12.0);
    }
}

static void
test_mapping (void)
{
  GtkWindow *window;
  TroupeChart *chart = chart_in_window (&window);
  graphene_rect_t area;
  double xmin, xmax, xstep, ymin, ymax, ystep, wx, wy, x, y;
  guint s;

  troupe_chart_set_title (chart, "Mean reward");
  troupe_chart_set_x_label (chart, "Epoch");
  s = troupe_chart_add_series (chart, "Mean reward", NULL);
  for (int epoch = 1; epoch <= 40; epoch++)
    troupe_chart_append (chart, s, epoch, 0.93 * epoch / 40.0);
  troupe_app_test_wait_for_frames (GTK_WIDGET (chart), 200);

  troupe_chart_get_x_axis (chart, &xmin, &xmax, &xstep);
  troupe_chart_get_y_axis (chart, &ymin, &ymax, &ystep);
  g_assert_cmpfloat (xmin, ==, 0);
  g_assert_cmpfloat (xmax, ==, 40);
  g_assert_cmpfloat (fmod (xstep, 5.0), ==, 0.0);
  g_assert_cmpfloat (ymin, ==, 0);
  g_assert_cmpfloat_with_epsilon (ymax, 1.0, 1e-12);

  /* The axes' ends are the plot area's corners. */
  troupe_chart_get_plot_area (chart, &area);
  g_assert_cmpfloat (area.origin.x, >, 0);
  g_assert_cmpfloat (area.origin.y, >, 0);
  g_assert_cmpfloat (area.origin.x + area.size.width, <=, gtk_widget_get_width (GTK_WIDGET (chart)));
  g_assert_cmpfloat (area.origin.y + area.size.height, <=, gtk_widget_get_height (GTK_WIDGET (chart)));
  troupe_chart_value_to_widget (chart, xmin, ymin, &wx, &wy);
  g_assert_cmpfloat_with_epsilon (wx, area.origin.x, 1e-9);
  g_assert_cmpfloat_with_epsilon (wy, area.origin.y + area.size.height, 1e-9);
  troupe_chart_value_to_widget (chart, xmax, ymax, &wx, &wy);
  g_assert_cmpfloat_with_epsilon (wx, area.origin.x + area.size.width, 1e-9);
  g_assert_cmpfloat_with_epsilon (wy, area.origin.y, 1e-9);
  /* Linear in between, and the inverse gives the value back. */
  troupe_chart_value_to_widget (chart, 10, 0.25, &wx, &wy);
  g_assert_cmpfloat_with_epsilon (wx, area.origin.x + area.size.width / 4, 1e-9);
  g_assert_cmpfloat_with_epsilon (wy, area.origin.y + area.size.height * 0.75, 1e-9);
  troupe_chart_widget_to_value (chart, wx, wy, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, 10, 1e-9);
  g_assert_cmpfloat_with_epsilon (y, 0.25, 1e-9);

  /* A fixed range is kept whatever the data. */
  troupe_chart_set_y_range (chart, 0, 1);
  troupe_chart_append (chart, s, 41, 5.0);
  troupe_chart_get_y_axis (chart, &ymin, &ymax, NULL);
  g_assert_cmpfloat (ymin, ==, 0);
  g_assert_cmpfloat (ymax, ==, 1);
  troupe_chart_unset_y_range (chart);
  troupe_chart_get_y_axis (chart, &ymin, &ymax, NULL);
  g_assert_cmpfloat (ymax, >=, 5.0);

  /* A band widens the range to value ± spread. */
  troupe_chart_clear (chart);
  g_assert_cmpuint (troupe_chart_get_n_points (chart, s), ==, 0);
  troupe_chart_append_with_spread (chart, s, 1, 0.0, 3.0);
  troupe_chart_append_with_spread (chart, s, 2, 1.0, 0.5);
  troupe_chart_get_y_axis (chart, &ymin, &ymax, NULL);
  g_assert_cmpfloat (ymin, <=, -3.0);
  g_assert_cmpfloat (ymax, >=, 3.0);

  troupe_app_test_close_window (window);
}

static void
test_hover (void)
{
  GtkWindow *window;
  TroupeChart *chart = chart_in_window (&window);
  guint reward, success;
  double wx, wy, x;
  g_autofree char *text = NULL;
  g_autofree char *later = NULL;

  troupe_chart_set_x_label (chart, "Epoch");
  reward = troupe_chart_add_series (chart, "Reward", NULL);
  success = troupe_chart_add_series (chart, "Success", NULL);
  for (int epoch = 1; epoch <= 10; epoch++)
    {
      troupe_chart_append_with_spread (chart, reward, epoch, epoch * 0.1, 0.05);
      troupe_chart_append (chart, success, epoch, epoch >= 5 ? 1.0 : 0.0);
    }
  troupe_app_test_wait_for_frames (GTK_WIDGET (chart), 200);

  g_assert_null (troupe_chart_dup_hover_text (chart));

  /* The nearest x: 0.4 of a step away still picks the closer point; the
   * ends clamp to the first and last points. */
  troupe_chart_value_to_widget (chart, 4.4, 0, &wx, &wy);
  g_assert_true (troupe_chart_find_nearest_x (chart, wx, &x));
  g_assert_cmpfloat (x, ==, 4);
  troupe_chart_value_to_widget (chart, 4.6, 0, &wx, &wy);
  g_assert_true (troupe_chart_find_nearest_x (chart, wx, &x));
  g_assert_cmpfloat (x, ==, 5);
  g_assert_true (troupe_chart_find_nearest_x (chart, -1000, &x));
  g_assert_cmpfloat (x, ==, 1);
  g_assert_true (troupe_chart_find_nearest_x (chart, 1e6, &x));
  g_assert_cmpfloat (x, ==, 10);

  troupe_chart_value_to_widget (chart, 7.2, 0.5, &wx, &wy);
  troupe_chart_hover (chart, wx, wy);
  text = troupe_chart_dup_hover_text (chart);
  g_assert_cmpstr (text, ==, "Epoch 7\nReward: 0.7 ± 0.05\nSuccess: 1");

  /* The overlay is drawn: the guide's column differs from the plain chart. */
  {
    g_autoptr(GdkTexture) plain = NULL;
    g_autoptr(GdkTexture) hovered = NULL;
    g_autofree guchar *a = NULL;
    g_autofree guchar *b = NULL;
    int width = gtk_widget_get_width (GTK_WIDGET (chart));
    int height = gtk_widget_get_height (GTK_WIDGET (chart));
    double gx, gy;
    gboolean differs = FALSE;

    plain = troupe_chart_render_texture (chart, width, height, NULL);
    /* What the widget draws on screen, overlay included. */
    hovered = troupe_app_test_render_now (GTK_WIDGET (chart));
    troupe_app_test_save_png (hovered, "troupe-chart-hover.png");

    a = troupe_app_test_download (plain);
    b = troupe_app_test_download (hovered);
    troupe_chart_value_to_widget (chart, 7, 0.15, &gx, &gy);
    for (int dx = -1; dx <= 1; dx++)
      differs |= troupe_app_test_pixel_in (plain, a, (int) gx + dx, (int) gy)
                 != troupe_app_test_pixel_in (hovered, b, (int) gx + dx, (int) gy);
    g_assert_true (differs);
  }

  /* Points that arrive later are in the label when it is asked again. */
  troupe_chart_append_with_spread (chart, reward, 11, 2.0, 0.0);
  troupe_chart_append (chart, success, 11, 1.0);
  troupe_chart_hover (chart, 1e6, 0);
  later = troupe_chart_dup_hover_text (chart);
  g_assert_cmpstr (later, ==, "Epoch 11\nReward: 2 ± 0\nSuccess: 1");

  troupe_chart_unhover (chart);
  g_assert_null (troupe_chart_dup_hover_text (chart));

  /* An empty chart has nothing to hover. */
  troupe_chart_clear (chart);
  g_assert_false (troupe_chart_find_nearest_x (chart, 100, &x));
  troupe_chart_hover (chart, 100, 100);
  g_assert_null (troupe_chart_dup_hover_text (chart));

  troupe_app_test_close_window (window);
}

static void
test_render_pixels (void)
{
  GtkWindow *window;
  TroupeChart *chart = chart_in_window (&window);
  GdkRGBA red = { 1, 0, 0, 1 }, blue = { 0, 0, 1, 1 };
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guchar *data = NULL;
  guint line, band;
  double wx, wy;
  guint32 background;

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);
  troupe_chart_set_title (chart, "Pixels");
  line = troupe_chart_add_series (chart, "Rising", &red);
  band = troupe_chart_add_series (chart, "Flat", &blue);
  for (int x = 0; x <= 100; x++)
    {
      troupe_chart_append (chart, line, x, x / 100.0);
      troupe_chart_append_with_spread (chart, band, x, 0.8, 0.1);
    }
  troupe_chart_set_y_range (chart, 0, 1);
  troupe_app_test_wait_for_frames (GTK_WIDGET (chart), 200);

  /* Rendered at the widget's size, so the widget's mapping holds. */
  texture = troupe_chart_render_texture (chart, gtk_widget_get_width (GTK_WIDGET (chart)),
                                         gtk_widget_get_height (GTK_WIDGET (chart)), NULL);
  g_assert_nonnull (texture);
  troupe_app_test_save_png (texture, "troupe-chart-lines.png");
  data = troupe_app_test_download (texture);

  /* The background is opaque, and the view's white in light mode. */
  background = troupe_app_test_pixel_in (texture, data, 2, 2);
  g_assert_cmphex (background, ==, 0xffffffff);

  /* The rising line passes through (20, 0.2), (40, 0.4), (60, 0.6), below
   * the band. */
  for (int x = 20; x <= 60; x += 20)
    {
      troupe_chart_value_to_widget (chart, x, x / 100.0, &wx, &wy);
      g_assert_true (has_pixel_near (texture, data, wx, wy, 1, 0xffff0000));
      /* … and not 20 pixels above it. */
      g_assert_false (has_pixel_near (texture, data, wx, wy - 20, 1, 0xffff0000));
    }

  /* The flat line at 0.8, with a light band from 0.7 to 0.9 around it. */
  troupe_chart_value_to_widget (chart, 20, 0.8, &wx, &wy);
  g_assert_true (has_pixel_near (texture, data, wx, wy, 1, 0xff0000ff));
  {
    double bx, by, ox, oy;
    guint32 inside, outside;

    troupe_chart_value_to_widget (chart, 20, 0.86, &bx, &by);
    troupe_chart_value_to_widget (chart, 20, 0.95, &ox, &oy);
    inside = troupe_app_test_pixel_in (texture, data, (int) bx, (int) by);
    outside = troupe_app_test_pixel_in (texture, data, (int) ox, (int) oy);
    /* A tint of blue: more blue than red, lighter than the line. */
    g_assert_cmpuint (inside & 0xff, >, (inside >> 16) & 0xff);
    g_assert_cmpuint ((inside >> 16) & 0xff, >, 100);
    g_assert_cmphex (inside, !=, outside);
  }

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  troupe_app_test_close_window (window);
}

static void
test_dark_mode (void)
{
  GtkWindow *window;
  TroupeChart *chart = chart_in_window (&window);
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autoptr(GdkTexture) light = NULL;
  g_autoptr(GdkTexture) dark = NULL;
  g_autofree guchar *light_data = NULL;
  g_autofree guchar *dark_data = NULL;
  guint32 light_bg, dark_bg;
  guint s;

  troupe_chart_set_title (chart, "Theme");
  s = troupe_chart_add_series (chart, "Values", NULL);
  troupe_chart_append (chart, s, 0, 0);
  troupe_chart_append (chart, s, 1, 1);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  troupe_app_test_wait_for_frames (GTK_WIDGET (chart), 200);
  light = troupe_chart_render_texture (chart, WIDTH, HEIGHT, NULL);
  light_data = troupe_app_test_download (light);
  light_bg = troupe_app_test_pixel_in (light, light_data, 3, 3);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  troupe_app_test_wait_for_frames (GTK_WIDGET (chart), 200);
  dark = troupe_chart_render_texture (chart, WIDTH, HEIGHT, NULL);
  troupe_app_test_save_png (dark, "troupe-chart-dark.png");
  dark_data = troupe_app_test_download (dark);
  dark_bg = troupe_app_test_pixel_in (dark, dark_data, 3, 3);

  /* Light on white, dark on a dark grey; both opaque. */
  g_assert_cmphex (light_bg >> 24, ==, 0xff);
  g_assert_cmphex (dark_bg >> 24, ==, 0xff);
  g_assert_cmphex (light_bg, !=, dark_bg);
  g_assert_cmpuint (dark_bg & 0xff, <, 0x60);
  g_assert_cmpuint (light_bg & 0xff, >, 0xd0);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  troupe_app_test_close_window (window);
}

static void
test_csv (void)
{
  g_autoptr(TroupeChart) chart = g_object_ref_sink (TROUPE_CHART (troupe_chart_new ()));
  g_autofree char *csv = NULL;
  g_autofree char *empty = NULL;
  guint a, b;

  troupe_chart_set_x_label (chart, "Epoch");
  empty = troupe_chart_to_csv (chart);
  g_assert_cmpstr (empty, ==, "Epoch\n");

  a = troupe_chart_add_series (chart, "Mean reward", NULL);
  b = troupe_chart_add_series (chart, "Loss, \"scaled\"", NULL);
  troupe_chart_append_with_spread (chart, a, 1, 0.5, 0.25);
  troupe_chart_append_with_spread (chart, a, 2, 0.1, 0.0);
  troupe_chart_append (chart, b, 2, -3);
  troupe_chart_append (chart, b, 3, 1e-20);

  /* A row per x; a series without a point at that x leaves its cells
   * empty; names with commas or quotes are quoted; numbers keep 17 digits. */
  csv = troupe_chart_to_csv (chart);
  g_assert_cmpstr (csv, ==,
                   "Epoch,Mean reward,Mean reward spread,\"Loss, \"\"scaled\"\"\"\n"
                   "1,0.5,0.25,\n"
                   "2,0.10000000000000001,0,-3\n"
                   "3,,,9.9999999999999995e-21\n");
}

static void
test_stacked (void)
{
  GtkWindow *window;
  TroupeChart *chart = chart_in_window (&window);
  GdkRGBA colors[3] = { { 1, 0, 0, 1 }, { 0, 0.5, 0, 1 }, { 0, 0, 1, 1 } };
  const double counts[5][3] = {
    { 10, 20, 2 }, { 8, 22, 2 }, { 4, 26, 2 }, { 0, 32, 0 }, { 0, 0, 0 },
  };
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guchar *data = NULL;
  g_autofree char *summary = NULL;
  double lower, upper, ymax;

  troupe_chart_set_title (chart, "Agent choices");
  troupe_chart_set_x_label (chart, "Epoch");
  troupe_chart_set_mode (chart, TROUPE_CHART_MODE_STACKED_SHARES);
  g_assert_cmpint (troupe_chart_get_mode (chart), ==, TROUPE_CHART_MODE_STACKED_SHARES);
  for (guint s = 0; s < 3; s++)
    {
      g_autofree char *name = g_strdup_printf ("Agent%u", s);

      g_assert_cmpuint (troupe_chart_add_series (chart, name, &colors[s]), ==, s);
    }
  for (guint i = 0; i < 5; i++)
    for (guint s = 0; s < 3; s++)
      troupe_chart_append (chart, s, i + 1, counts[i][s]);

  /* The shares of the layers sum to 1 at every x with choices, each layer
   * starting where the one below ends; a total of 0 gives no share. */
  for (guint i = 0; i < 5; i++)
    {
      double top = 0.0;

      for (guint s = 0; s < 3; s++)
        {
          g_assert_true (troupe_chart_get_stacked_layer (chart, s, i, &lower, &upper));
          g_assert_cmpfloat_with_epsilon (lower, top, 1e-12);
          g_assert_cmpfloat (upper, >=, lower);
          top = upper;
        }
      g_assert_cmpfloat_with_epsilon (top, i < 4 ? 1.0 : 0.0, 1e-12);
    }
  g_assert_true (troupe_chart_get_stacked_layer (chart, 1, 0, &lower, &upper));
  g_assert_cmpfloat_with_epsilon (lower, 10.0 / 32, 1e-12);
  g_assert_cmpfloat_with_epsilon (upper, 30.0 / 32, 1e-12);
  g_assert_false (troupe_chart_get_stacked_layer (chart, 0, 5, NULL, NULL));

  summary = troupe_chart_dup_summary (chart);
  g_assert_cmpstr (summary, ==, "Agent choices: Agent0 0%, Agent1 0%, Agent2 0% at Epoch 5");

  troupe_app_test_wait_for_frames (GTK_WIDGET (chart), 200);
  texture = troupe_chart_render_texture (chart, gtk_widget_get_width (GTK_WIDGET (chart)),
                                         gtk_widget_get_height (GTK_WIDGET (chart)), NULL);
  troupe_app_test_save_png (texture, "troupe-chart-stacked.png");
  data = troupe_app_test_download (texture);
  {
    double wx, wy;

    /* At epoch 3 the red layer holds 0..4/32 and the green 4/32..30/32. */
    troupe_chart_value_to_widget (chart, 3, 2.0 / 32, &wx, &wy);
    g_assert_cmpuint ((troupe_app_test_pixel_in (texture, data, (int) wx, (int) wy) >> 16) & 0xff, >, 200);
    troupe_chart_value_to_widget (chart, 3, 0.5, &wx, &wy);
    g_assert_cmpuint ((troupe_app_test_pixel_in (texture, data, (int) wx, (int) wy) >> 8) & 0xff, >, 100);
    g_assert_cmpuint ((troupe_app_test_pixel_in (texture, data, (int) wx, (int) wy) >> 16) & 0xff, <, 100);
    troupe_chart_value_to_widget (chart, 3, 31.0 / 32, &wx, &wy);
    g_assert_cmpuint (troupe_app_test_pixel_in (texture, data, (int) wx, (int) wy) & 0xff, >, 200);
  }

  /* Absolute counts: the layers sum to each epoch's total. */
  troupe_chart_set_mode (chart, TROUPE_CHART_MODE_STACKED);
  g_assert_true (troupe_chart_get_stacked_layer (chart, 2, 0, &lower, &upper));
  g_assert_cmpfloat (upper, ==, 32);
  g_assert_true (troupe_chart_get_stacked_layer (chart, 1, 2, &lower, &upper));
  g_assert_cmpfloat (lower, ==, 4);
  g_assert_cmpfloat (upper, ==, 30);
  troupe_chart_get_y_axis (chart, NULL, &ymax, NULL);
  g_assert_cmpfloat (ymax, >=, 32);

  /* Lines are not stacked. */
  troupe_chart_set_mode (chart, TROUPE_CHART_MODE_LINES);
  g_assert_false (troupe_chart_get_stacked_layer (chart, 0, 0, NULL, NULL));

  troupe_app_test_close_window (window);
}

static void
test_summary (void)
{
  GtkWindow *window;
  TroupeChart *chart = chart_in_window (&window);
  g_autofree char *empty = NULL;
  g_autofree char *summary = NULL;
  guint s;

  troupe_chart_set_title (chart, "Training");
  troupe_chart_set_x_label (chart, "Epoch");
  empty = troupe_chart_dup_summary (chart);
  g_assert_cmpstr (empty, ==, "Training: no data yet");

  s = troupe_chart_add_series (chart, "Mean reward", NULL);
  troupe_chart_add_series (chart, "Success rate", NULL);
  for (int epoch = 1; epoch <= 40; epoch++)
    troupe_chart_append (chart, s, epoch, epoch == 40 ? 0.93 : 0.5);
  troupe_chart_append (chart, 1, 3, 1.0);
  summary = troupe_chart_dup_summary (chart);
  g_assert_cmpstr (summary, ==, "Mean reward: last 0.93 at Epoch 40; Success rate: last 1 at Epoch 3");

  /* The accessible description follows, shortly after the last point. */
  {
    DescriptionWait wait = { chart, summary };

    troupe_app_test_wait_until (has_description_cb, &wait, 5);
    gtk_test_accessible_assert_property (GTK_ACCESSIBLE (chart), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, summary);
    gtk_test_accessible_assert_property (GTK_ACCESSIBLE (chart), GTK_ACCESSIBLE_PROPERTY_LABEL, "Training");
    gtk_test_accessible_assert_role (GTK_ACCESSIBLE (chart), GTK_ACCESSIBLE_ROLE_IMG);
  }

  troupe_app_test_close_window (window);
}

static void
test_save_png (void)
{
  g_autoptr(TroupeChart) chart = g_object_ref_sink (TROUPE_CHART (troupe_chart_new ()));
  g_autofree char *dir = troupe_app_test_make_tmp_dir ("troupe-chart-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "chart.png", NULL);
  g_autoptr(GdkTexture) loaded = NULL;
  g_autoptr(GError) error = NULL;
  guint s;

  /* A chart that was never shown exports too, with the light colours. */
  troupe_chart_set_title (chart, "Offscreen");
  s = troupe_chart_add_series (chart, "Values", NULL);
  for (int i = 0; i < 50; i++)
    troupe_chart_append (chart, s, i, sin (i / 5.0));
  g_assert_true (troupe_chart_save_png (chart, path, 640, 400, &error));
  g_assert_no_error (error);

  loaded = gdk_texture_new_from_filename (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (loaded), ==, 640);
  g_assert_cmpint (gdk_texture_get_height (loaded), ==, 400);

  /* A folder that does not exist is an error, not a crash. */
  {
    g_autofree char *bad = g_build_filename (dir, "missing", "chart.png", NULL);

    g_assert_false (troupe_chart_save_png (chart, bad, 100, 100, &error));
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    g_clear_error (&error);
  }

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* Many points: appending stays O(1) and drawing costs the width, not the
 * number of points. The figures go to the test log. */
static void
test_many_points (void)
{
  GtkWindow *window;
  TroupeChart *chart = chart_in_window (&window);
  const guint n = 200000;
  gint64 start, appended, rendered;
  guint s;

  troupe_chart_set_title (chart, "Many");
  s = troupe_chart_add_series (chart, "Noise", NULL);
  troupe_app_test_wait_for_frames (GTK_WIDGET (chart), 200);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    troupe_chart_append_with_spread (chart, s, i, sin (i * 0.01) + (i % 7) * 0.01, 0.1);
  appended = g_get_monotonic_time ();
  g_object_unref (troupe_chart_render_texture (chart, WIDTH, HEIGHT, NULL));
  rendered = g_get_monotonic_time ();

  g_test_message ("%u points: appended in %.1f ms (%.0f ns each), drawn in %.1f ms",
                  n, (appended - start) / 1000.0, (appended - start) * 1000.0 / n,
                  (rendered - appended) / 1000.0);
  g_assert_cmpuint (troupe_chart_get_n_points (chart, s), ==, n);
  /* Generous bounds (sanitizers, a loaded machine); typically 10× less. */
  g_assert_cmpint (rendered - appended, <, 1000 * G_TIME_SPAN_MILLISECOND);

  troupe_app_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  /* The test's own accessibility backend, which records the properties
   * (the suite's GTK_A11Y=none would give widgets no context at all). */
  g_setenv ("GTK_A11Y", "test", TRUE);
  troupe_app_test_init (&argc, &argv);

  g_test_add_func ("/troupe/app/chart/nice-ticks", test_nice_ticks);
  g_test_add_func ("/troupe/app/chart/mapping", test_mapping);
  g_test_add_func ("/troupe/app/chart/hover", test_hover);
  g_test_add_func ("/troupe/app/chart/render-pixels", test_render_pixels);
  g_test_add_func ("/troupe/app/chart/dark-mode", test_dark_mode);
  g_test_add_func ("/troupe/app/chart/csv", test_csv);
  g_test_add_func ("/troupe/app/chart/stacked", test_stacked);
  g_test_add_func ("/troupe/app/chart/summary", test_summary);
  g_test_add_func ("/troupe/app/chart/save-png", test_save_png);
  g_test_add_func ("/troupe/app/chart/many-points", test_many_points);

  return g_test_run ();
}
