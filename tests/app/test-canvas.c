/* test-canvas.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>

#include "troupe-app-test-util.h"
#include "troupe-canvas.h"
#include "troupe-canvas-private.h"

/* The canvas as a widget, in a window under Xvfb: what a frame draws (only
 * the visible cards, each cached until its step changes, plainer when
 * zoomed far out), how cards glide to a layout, and how a fitted view
 * follows the canvas's size. Pixels are read from the canvas rendered
 * with the cairo renderer, as tests/app/test-window.c does. */

#define SPACING_X 240.0
#define SPACING_Y 120.0
#define RED       0xffe01b24
#define BLUE      0xff3584e4
#define GREEN     0xff33d17a

typedef struct
{
  GtkWidget      *window;
  GtkWidget      *box;
  GtkWidget      *side;
  TroupeCanvas   *canvas;
  TroupeDocument *document;
  TroupeWorkflow *workflow;
  char           *tmpdir;
} Fixture;

typedef struct
{
  Fixture *fixture;
  int      width;
} WidthWait;

static gboolean
has_width_cb (gpointer data)
{
  WidthWait *wait = data;

  return gtk_widget_get_width (GTK_WIDGET (wait->fixture->canvas)) == wait->width;
}

/* Runs the main loop until the canvas is @width pixels wide, for at most
 * five seconds. */
static void
wait_for_width (Fixture *fixture,
                int      width)
{
  WidthWait wait = { fixture, width };

  troupe_app_test_wait_until (has_width_cb, &wait, 5);
}

/* A grid of @cols x @rows agent steps, SPACING apart, each needing the one
 * above; the agents alternate between "red" and "blue" by column. */
static TroupeWorkflow *
make_grid (guint cols,
           guint rows)
{
  g_autoptr(TroupeWorkflow) workflow = troupe_workflow_new ();
  g_autoptr(TroupeAgent) red = troupe_agent_new ("red");
  g_autoptr(TroupeAgent) blue = troupe_agent_new ("blue");

  troupe_agent_set_color (red, "#e01b24");
  troupe_agent_set_color (blue, "#3584e4");
  troupe_workflow_add_agent (workflow, red);
  troupe_workflow_add_agent (workflow, blue);

  for (guint r = 0; r < rows; r++)
    for (guint c = 0; c < cols; c++)
      {
        g_autofree char *id = g_strdup_printf ("s-%u-%u", r, c);
        g_autofree char *above = g_strdup_printf ("s-%u-%u", r - 1, c);
        g_autoptr(TroupeStep) step = troupe_step_new (id, TROUPE_STEP_KIND_AGENT);
        g_autoptr(GError) error = NULL;

        troupe_step_set_agent (step, c % 2 == 0 ? "red" : "blue");
        troupe_step_set_prompt (step, "Work.");
        troupe_step_set_position (step, c * SPACING_X, r * SPACING_Y);
        if (r > 0)
          troupe_step_set_needs (step, (const char *[]) { above, NULL });
        g_assert_true (troupe_workflow_add_step (workflow, step, &error));
        g_assert_no_error (error);
      }

  return g_steal_pointer (&workflow);
}

/* The canvas in an 800 x 600 window, beside a 200-pixel panel that is
 * hidden until a test shows it (as the problems panel opens). */
static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(TroupeWorkflow) grid = make_grid (20, 30);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;

  fixture->tmpdir = troupe_app_test_make_tmp_dir ("troupe-canvas-XXXXXX");
  path = g_build_filename (fixture->tmpdir, "grid.yaml", NULL);
  g_assert_true (troupe_workflow_save_to_file (grid, path, TROUPE_FILE_FORMAT_YAML, &error));
  g_assert_no_error (error);
  file = g_file_new_for_path (path);
  fixture->document = troupe_document_new ();
  g_assert_true (troupe_document_load (fixture->document, file, &error));
  g_assert_no_error (error);
  g_unlink (path);
  fixture->workflow = troupe_document_get_workflow (fixture->document);

  /* Animations off unless a test turns them on. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  fixture->window = gtk_window_new ();
  g_object_ref_sink (fixture->window);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 800, 600);
  fixture->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  fixture->canvas = TROUPE_CANVAS (troupe_canvas_new ());
  fixture->side = gtk_label_new ("side");
  gtk_widget_set_size_request (fixture->side, 200, -1);
  gtk_widget_set_visible (fixture->side, FALSE);
  gtk_box_append (GTK_BOX (fixture->box), GTK_WIDGET (fixture->canvas));
  gtk_box_append (GTK_BOX (fixture->box), fixture->side);
  gtk_window_set_child (GTK_WINDOW (fixture->window), fixture->box);
  troupe_canvas_set_document (fixture->canvas, fixture->document);
  gtk_window_present (GTK_WINDOW (fixture->window));
  troupe_app_test_wait_for_frames (GTK_WIDGET (fixture->canvas), 100);
  wait_for_width (fixture, 800);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_assert_finalize_object (fixture->window);
  g_assert_finalize_object (fixture->document);
  g_rmdir (fixture->tmpdir);
  g_free (fixture->tmpdir);
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
}

/* The widget point of the graph point (@gx, @gy). */
static void
to_widget (Fixture *fixture,
           double   gx,
           double   gy,
           double  *wx,
           double  *wy)
{
  troupe_canvas_view_graph_to_widget (troupe_canvas_get_view (fixture->canvas), gx, gy, wx, wy);
}

/* The widget point in the middle of the agent stripe of the card at
 * (@gx, @gy). */
static void
stripe_point (Fixture *fixture,
              double   gx,
              double   gy,
              double  *wx,
              double  *wy)
{
  to_widget (fixture, gx + STRIPE_WIDTH / 2, gy + TROUPE_CARD_HEIGHT / 2, wx, wy);
}

/* How many cards, ports included, touch the widget's rectangle: counted
 * here from the model, without the canvas's index. */
static guint
count_visible (Fixture *fixture)
{
  TroupeCanvasView *view = troupe_canvas_get_view (fixture->canvas);
  GPtrArray *steps = troupe_workflow_get_steps (fixture->workflow);
  double x0, y0, x1, y1;
  guint n = 0;

  troupe_canvas_view_widget_to_graph (view, 0, 0, &x0, &y0);
  troupe_canvas_view_widget_to_graph (view, gtk_widget_get_width (GTK_WIDGET (fixture->canvas)),
                                      gtk_widget_get_height (GTK_WIDGET (fixture->canvas)), &x1, &y1);
  for (guint i = 0; i < steps->len; i++)
    {
      double x, y;

      g_assert_true (troupe_step_get_position (g_ptr_array_index (steps, i), &x, &y));
      if (x < x1 && x + TROUPE_CARD_WIDTH > x0 &&
          y - TROUPE_CANVAS_PORT_RADIUS < y1 && y + TROUPE_CARD_HEIGHT + TROUPE_CANVAS_PORT_RADIUS > y0)
        n++;
    }
  return n;
}

static void
test_visible_set (Fixture       *fixture,
                  gconstpointer  data)
{
  TroupeCanvasView *view = troupe_canvas_get_view (fixture->canvas);
  g_autoptr(GdkTexture) texture = NULL;
  double wx, wy;
  guint expected;

  /* 100%, the top-left corner of the graph at (10, 10): of the 600 cards,
   * the 4 columns and 5 rows that fit in 800 x 600. */
  troupe_canvas_view_set_zoom (view, 1.0);
  troupe_canvas_view_set_offset (view, 10, 10);
  texture = troupe_app_test_render_now (GTK_WIDGET (fixture->canvas));
  expected = count_visible (fixture);
  g_assert_cmpuint (expected, ==, 4 * 5);
  g_assert_cmpuint (fixture->canvas->n_drawn_cards, ==, expected);
  g_assert_cmpuint (fixture->canvas->drawn_detail, ==, DETAIL_FULL);
  g_assert_cmpuint (fixture->canvas->n_drawn_cells, >, 0);
  g_assert_cmpuint (fixture->canvas->n_drawn_cells, <, troupe_canvas_index_get_n_cells (fixture->canvas->edge_index[DETAIL_FULL]));

  /* What is drawn is what the model says: the red stripe of s-0-0 and
   * the blue one of s-0-1. */
  stripe_point (fixture, 0, 0, &wx, &wy);
  g_assert_cmphex (troupe_app_test_pixel_at (texture, wx, wy), ==, RED);
  stripe_point (fixture, SPACING_X, 0, &wx, &wy);
  g_assert_cmphex (troupe_app_test_pixel_at (texture, wx, wy), ==, BLUE);

  /* Panned to the middle of the graph, with cards cut by every side:
   * columns 9 to 13 and rows 14 to 19, still only what touches the widget. */
  troupe_canvas_view_set_offset (view, -2350, -1750);
  g_clear_object (&texture);
  texture = troupe_app_test_render_now (GTK_WIDGET (fixture->canvas));
  expected = count_visible (fixture);
  g_assert_cmpuint (expected, ==, 5 * 6);
  g_assert_cmpuint (fixture->canvas->n_drawn_cards, ==, expected);
  stripe_point (fixture, 10 * SPACING_X, 15 * SPACING_Y, &wx, &wy);
  g_assert_cmphex (troupe_app_test_pixel_at (texture, wx, wy), ==, RED);

  /* Off the graph: nothing. */
  troupe_canvas_view_set_offset (view, 100000, 100000);
  g_clear_object (&texture);
  texture = troupe_app_test_render_now (GTK_WIDGET (fixture->canvas));
  g_assert_cmpuint (fixture->canvas->n_drawn_cards, ==, 0);
  g_assert_cmpuint (fixture->canvas->n_drawn_cells, ==, 0);

  /* An edge between cards so far apart that it is kept out of the cells
   * is drawn all the same: the middle of its curve, alone in the view. */
  {
    graphene_point_t c[4];
    double mx, my;

    troupe_step_set_position (troupe_workflow_lookup_step (fixture->workflow, "s-1-0"), 100000, 60000);
    troupe_canvas_edge_curve (TROUPE_CARD_WIDTH / 2, TROUPE_CARD_HEIGHT, 100000 + TROUPE_CARD_WIDTH / 2, 60000,
                              c, NULL);
    mx = (c[0].x + 3 * c[1].x + 3 * c[2].x + c[3].x) / 8;
    my = (c[0].y + 3 * c[1].y + 3 * c[2].y + c[3].y) / 8;
    troupe_canvas_view_set_offset (view, 400 - mx, 300 - my);
    g_clear_object (&texture);
    texture = troupe_app_test_render_now (GTK_WIDGET (fixture->canvas));
    g_assert_cmpuint (fixture->canvas->n_drawn_cards, ==, 0);
    g_assert_cmphex (troupe_app_test_pixel_at (texture, 400, 300), !=,
                     troupe_app_test_pixel_at (texture, 10, 10));
  }
}

static void
test_cache (Fixture       *fixture,
            gconstpointer  data)
{
  TroupeCanvasView *view = troupe_canvas_get_view (fixture->canvas);
  TroupeStep *step = troupe_workflow_lookup_step (fixture->workflow, "s-1-0");
  g_autoptr(GdkTexture) before = NULL;
  g_autoptr(GdkTexture) after = NULL;
  guint recorded;
  double wx, wy, nx, ny;

  troupe_canvas_view_set_zoom (view, 1.0);
  troupe_canvas_view_set_offset (view, 10, 10);
  before = troupe_app_test_render_now (GTK_WIDGET (fixture->canvas));

  /* A steady frame draws no card anew. */
  recorded = fixture->canvas->n_recorded_cards;
  g_clear_object (&before);
  before = troupe_app_test_render_now (GTK_WIDGET (fixture->canvas));
  g_assert_cmpuint (fixture->canvas->n_recorded_cards, ==, recorded);
  stripe_point (fixture, 0, SPACING_Y, &wx, &wy);
  g_assert_cmphex (troupe_app_test_pixel_at (before, wx, wy), ==, RED);

  /* One step's agent changes: that card, and only that one, is drawn
   * again, in its new colour; its neighbour keeps its own. */
  troupe_step_set_agent (step, "blue");
  after = troupe_app_test_render_now (GTK_WIDGET (fixture->canvas));
  g_assert_cmpuint (fixture->canvas->n_recorded_cards, ==, recorded + 1);
  g_assert_cmphex (troupe_app_test_pixel_at (after, wx, wy), ==, BLUE);
  stripe_point (fixture, 0, 0, &nx, &ny);
  g_assert_cmphex (troupe_app_test_pixel_at (after, nx, ny), ==, RED);

  /* A move draws nothing anew: the card's node is placed elsewhere. */
  recorded = fixture->canvas->n_recorded_cards;
  troupe_step_set_position (step, 8, SPACING_Y + 16);
  g_clear_object (&after);
  after = troupe_app_test_render_now (GTK_WIDGET (fixture->canvas));
  g_assert_cmpuint (fixture->canvas->n_recorded_cards, ==, recorded);
  stripe_point (fixture, 8, SPACING_Y + 16, &wx, &wy);
  g_assert_cmphex (troupe_app_test_pixel_at (after, wx, wy), ==, BLUE);

  /* An agent's colour is the workflow's: every card is drawn again, and
   * shows it. */
  troupe_agent_set_color (troupe_workflow_lookup_agent (fixture->workflow, "red"), "#33d17a");
  g_clear_object (&after);
  after = troupe_app_test_render_now (GTK_WIDGET (fixture->canvas));
  g_assert_cmpuint (fixture->canvas->n_recorded_cards, ==, recorded + fixture->canvas->n_drawn_cards);
  g_assert_cmphex (troupe_app_test_pixel_at (after, nx, ny), ==, GREEN);
  g_assert_cmphex (troupe_app_test_pixel_at (after, wx, wy), ==, BLUE);

  /* A rename shows at once too. */
  recorded = fixture->canvas->n_recorded_cards;
  g_assert_true (troupe_document_rename_step (fixture->document, "s-0-0", "first", NULL));
  g_clear_object (&after);
  after = troupe_app_test_render_now (GTK_WIDGET (fixture->canvas));
  g_assert_cmpuint (fixture->canvas->n_recorded_cards, >, recorded);
}

static void
test_level_of_detail (Fixture       *fixture,
                      gconstpointer  data)
{
  TroupeCanvasView *view = troupe_canvas_get_view (fixture->canvas);
  g_autoptr(GdkTexture) full = NULL;
  g_autoptr(GdkTexture) low = NULL;
  double wx, wy;

  /* In full, the middle of a card is the card's background... */
  troupe_canvas_view_set_zoom (view, 1.0);
  troupe_canvas_view_set_offset (view, 10, 10);
  full = troupe_app_test_render_now (GTK_WIDGET (fixture->canvas));
  g_assert_cmpuint (fixture->canvas->drawn_detail, ==, DETAIL_FULL);
  to_widget (fixture, TROUPE_CARD_WIDTH - 20, TROUPE_CARD_HEIGHT - 8, &wx, &wy);
  g_assert_cmphex (troupe_app_test_pixel_at (full, wx, wy), !=, RED);

  /* ...zoomed out until the text would be a few pixels high, the whole
   * card is its agent's colour. */
  g_assert_cmpfloat (fixture->canvas->lod_zoom, >, 0.2);
  g_assert_cmpfloat (fixture->canvas->lod_zoom, <, 0.5);
  troupe_canvas_view_set_zoom (view, fixture->canvas->lod_zoom * 0.9);
  troupe_canvas_view_set_offset (view, 10, 10);
  low = troupe_app_test_render_now (GTK_WIDGET (fixture->canvas));
  g_assert_cmpuint (fixture->canvas->drawn_detail, ==, DETAIL_LOW);
  g_assert_cmpuint (fixture->canvas->n_drawn_cards, ==, count_visible (fixture));
  to_widget (fixture, TROUPE_CARD_WIDTH / 2, TROUPE_CARD_HEIGHT / 2, &wx, &wy);
  g_assert_cmphex (troupe_app_test_pixel_at (low, wx, wy), ==, RED);
  to_widget (fixture, SPACING_X + TROUPE_CARD_WIDTH / 2, TROUPE_CARD_HEIGHT / 2, &wx, &wy);
  g_assert_cmphex (troupe_app_test_pixel_at (low, wx, wy), ==, BLUE);

  /* Just above the threshold, the text is back. */
  troupe_canvas_view_set_zoom (view, fixture->canvas->lod_zoom * 1.1);
  g_clear_object (&full);
  full = troupe_app_test_render_now (GTK_WIDGET (fixture->canvas));
  g_assert_cmpuint (fixture->canvas->drawn_detail, ==, DETAIL_FULL);
}

/* Overlapping cards are drawn in file order, as the hit test picks them:
 * the later one on top. */
static void
test_drawing_order (Fixture       *fixture,
                    gconstpointer  data)
{
  TroupeCanvasView *view = troupe_canvas_get_view (fixture->canvas);
  g_autoptr(GdkTexture) texture = NULL;
  TroupeStep *top = NULL;
  double wx, wy;

  troupe_canvas_view_set_zoom (view, 1.0);
  troupe_canvas_view_set_offset (view, 10, 10);

  /* s-0-1 (blue) is before s-5-0 (red) in the file; put them one over
   * the other, s-5-0 slightly to the right so that its stripe shows only
   * if it is on top. */
  troupe_step_set_position (troupe_workflow_lookup_step (fixture->workflow, "s-0-1"), 500, 200);
  troupe_step_set_position (troupe_workflow_lookup_step (fixture->workflow, "s-5-0"), 500 + 4, 200);
  texture = troupe_app_test_render_now (GTK_WIDGET (fixture->canvas));
  stripe_point (fixture, 504, 200, &wx, &wy);
  g_assert_cmphex (troupe_app_test_pixel_at (texture, wx, wy), ==, RED);
  g_assert_cmpint (troupe_canvas_view_hit_test (view, fixture->workflow, wx, wy, &top), ==, TROUPE_CANVAS_HIT_CARD);
  g_assert_cmpstr (troupe_step_get_id (top), ==, "s-5-0");
}

static guint
count_model_edges (TroupeWorkflow *workflow)
{
  GPtrArray *steps = troupe_workflow_get_steps (workflow);
  guint n = 0;

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      const char * const *needs = troupe_step_get_needs (step);

      for (guint j = 0; needs != NULL && needs[j] != NULL; j++)
        n += troupe_workflow_lookup_step (workflow, needs[j]) != NULL && !g_str_equal (needs[j], troupe_step_get_id (step));
    }
  return n;
}

/* The scene follows every kind of edit, and their undo, edge for edge. */
static void
test_scene_follows_model (Fixture       *fixture,
                          gconstpointer  data)
{
  TroupeDocument *document = fixture->document;
  g_autoptr(TroupeStep) extra = troupe_step_new ("extra", TROUPE_STEP_KIND_AGENT);
  const char *extra_needs[] = { "s-2-2", "s-2-3", NULL };
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (count_model_edges (fixture->workflow), ==, 20 * 29);
  g_assert_cmpuint (_troupe_canvas_get_n_edges (fixture->canvas), ==, 20 * 29);
  g_assert_cmpuint (troupe_canvas_index_get_n_items (fixture->canvas->card_index), ==, 600);

  g_assert_true (troupe_document_connect (document, "s-0-0", "s-5-5", &error));
  g_assert_no_error (error);
  g_assert_true (troupe_document_disconnect (document, "s-3-3", "s-4-3", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (_troupe_canvas_get_n_edges (fixture->canvas), ==, count_model_edges (fixture->workflow));

  troupe_step_set_needs (extra, extra_needs);
  troupe_step_set_position (extra, 5000, 100);
  g_assert_true (troupe_document_add_step (document, extra, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (_troupe_canvas_get_n_edges (fixture->canvas), ==, count_model_edges (fixture->workflow));

  /* A deleted step takes its edges both ways with it, and undo brings
   * them back. */
  g_assert_true (troupe_document_delete_step (document, "s-2-2", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (_troupe_canvas_get_n_edges (fixture->canvas), ==, count_model_edges (fixture->workflow));
  g_assert_cmpuint (troupe_canvas_index_get_n_items (fixture->canvas->card_index), ==, 600);
  g_assert_true (troupe_document_undo (document, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (_troupe_canvas_get_n_edges (fixture->canvas), ==, count_model_edges (fixture->workflow));

  /* A rename keeps the edges on both sides. */
  g_assert_true (troupe_document_rename_step (document, "s-2-3", "renamed", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (_troupe_canvas_get_n_edges (fixture->canvas), ==, count_model_edges (fixture->workflow));

  while (troupe_document_get_can_undo (document))
    {
      g_assert_true (troupe_document_undo (document, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (_troupe_canvas_get_n_edges (fixture->canvas), ==, count_model_edges (fixture->workflow));
    }
  g_assert_cmpuint (_troupe_canvas_get_n_edges (fixture->canvas), ==, 20 * 29);
  g_assert_cmpuint (troupe_canvas_index_get_n_items (fixture->canvas->edge_index[DETAIL_LOW]), ==, 20 * 29);
  g_assert_cmpuint (troupe_canvas_index_get_n_items (fixture->canvas->card_index), ==, 600);
}

static gboolean
drawn_at_model (Fixture *fixture)
{
  GPtrArray *steps = troupe_workflow_get_steps (fixture->workflow);

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      double x, y, dx, dy;

      g_assert_true (troupe_step_get_position (step, &x, &y));
      g_assert_true (_troupe_canvas_get_drawn_position (fixture->canvas, step, &dx, &dy));
      if (dx != x || dy != y)
        return FALSE;
    }
  return TRUE;
}

static gboolean
motion_done_cb (gpointer data)
{
  Fixture *fixture = data;

  return !_troupe_canvas_is_moving (fixture->canvas) && fixture->canvas->motion_restart_id == 0;
}

/* Runs the main loop until the cards stop gliding, for at most two
 * seconds; returns how many frames were drawn meanwhile. */
static guint
wait_for_motion (Fixture *fixture)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (fixture->canvas));
  gint64 first = gdk_frame_clock_get_frame_counter (clock);

  troupe_app_test_wait_until (motion_done_cb, fixture, 2);
  return (guint) (gdk_frame_clock_get_frame_counter (clock) - first);
}

static void
test_layout_motion (Fixture       *fixture,
                    gconstpointer  data)
{
  TroupeStep *step = troupe_workflow_lookup_step (fixture->workflow, "s-0-1");
  g_autoptr(GError) error = NULL;
  double old_x, old_y, new_x, new_y, x, y;

  /* Animations off: the layout is drawn where the model has it at once. */
  troupe_step_get_position (step, &old_x, &old_y);
  g_assert_true (troupe_document_layout (fixture->document, &error));
  g_assert_no_error (error);
  g_assert_false (_troupe_canvas_is_moving (fixture->canvas));
  troupe_step_get_position (step, &new_x, &new_y);
  g_assert_true (new_x != old_x || new_y != old_y);
  g_assert_true (drawn_at_model (fixture));
  g_assert_true (troupe_document_undo (fixture->document, &error));
  g_assert_true (drawn_at_model (fixture));

  /* Animations on: the model has the layout at once, as one command, and
   * the cards start where they were... */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", TRUE, NULL);
  g_assert_true (troupe_document_layout (fixture->document, &error));
  g_assert_no_error (error);
  {
    double mx, my;

    troupe_step_get_position (step, &mx, &my);
    g_assert_cmpfloat (mx, ==, new_x);
    g_assert_cmpfloat (my, ==, new_y);
  }
  g_assert_true (_troupe_canvas_is_moving (fixture->canvas));
  g_assert_true (_troupe_canvas_get_drawn_position (fixture->canvas, step, &x, &y));
  g_assert_cmpfloat (x, ==, old_x);
  g_assert_cmpfloat (y, ==, old_y);
  g_assert_false (drawn_at_model (fixture));

  /* ...and glide, over frames of their own, to exactly where the model
   * has them. */
  g_assert_cmpuint (wait_for_motion (fixture), >=, 1);
  g_assert_true (drawn_at_model (fixture));

  /* Undo glides back, and ends where the model is. */
  g_assert_true (troupe_document_undo (fixture->document, &error));
  g_assert_no_error (error);
  g_assert_true (_troupe_canvas_is_moving (fixture->canvas));
  wait_for_motion (fixture);
  g_assert_true (drawn_at_model (fixture));
  troupe_step_get_position (step, &x, &y);
  g_assert_cmpfloat (x, ==, old_x);
  g_assert_cmpfloat (y, ==, old_y);

  /* Redo, then undo halfway through: the glide turns round from where the
   * cards are drawn, without a jump, and still ends at the model. */
  g_assert_true (troupe_document_redo (fixture->document, &error));
  g_assert_no_error (error);
  while (_troupe_canvas_is_moving (fixture->canvas) &&
         _troupe_canvas_get_drawn_position (fixture->canvas, step, &x, &y) && x == old_x && y == old_y)
    g_main_context_iteration (NULL, TRUE);
  if (_troupe_canvas_is_moving (fixture->canvas))
    {
      double turn_x, turn_y;

      g_assert_true (troupe_document_undo (fixture->document, &error));
      g_assert_no_error (error);
      g_assert_true (_troupe_canvas_get_drawn_position (fixture->canvas, step, &turn_x, &turn_y));
      g_assert_cmpfloat (turn_x, ==, x);
      g_assert_cmpfloat (turn_y, ==, y);
    }
  else
    {
      /* A machine too busy to draw a frame within the glide. */
      g_test_message ("the glide ended before a frame was drawn; undoing after it");
      g_assert_true (troupe_document_undo (fixture->document, &error));
    }
  wait_for_motion (fixture);
  g_assert_true (drawn_at_model (fixture));

  /* The arrow keys move the selection at once: the user's own nudge does
   * not glide. */
  troupe_canvas_view_set_selection (troupe_canvas_get_view (fixture->canvas), "s-0-1");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->canvas), "canvas.move-selection", "(ii)", 10, 0));
  g_assert_false (_troupe_canvas_is_moving (fixture->canvas));
  g_assert_true (drawn_at_model (fixture));
}

static void
assert_centred (Fixture *fixture)
{
  graphene_rect_t bounds;
  double cx, cy;

  g_assert_true (troupe_canvas_workflow_bounds (fixture->workflow, &bounds));
  to_widget (fixture, bounds.origin.x + bounds.size.width / 2, bounds.origin.y + bounds.size.height / 2, &cx, &cy);
  g_assert_cmpfloat_with_epsilon (cx, gtk_widget_get_width (GTK_WIDGET (fixture->canvas)) / 2.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (cy, gtk_widget_get_height (GTK_WIDGET (fixture->canvas)) / 2.0, 1e-6);
}

static void
test_fit (Fixture       *fixture,
          gconstpointer  data)
{
  TroupeCanvasView *view = troupe_canvas_get_view (fixture->canvas);
  graphene_rect_t bounds;
  double expected, gx0, gy0, gx1, gy1;

  /* The 20 x 30 grid is 4760 x 3552; in 800 x 600 with FIT_MARGIN around,
   * the height decides. */
  g_assert_true (troupe_canvas_workflow_bounds (fixture->workflow, &bounds));
  g_assert_cmpfloat (bounds.size.width, ==, 19 * SPACING_X + TROUPE_CARD_WIDTH);
  g_assert_cmpfloat (bounds.size.height, ==, 29 * SPACING_Y + TROUPE_CARD_HEIGHT);
  troupe_canvas_zoom_to_fit (fixture->canvas);
  expected = MIN ((800 - 2 * FIT_MARGIN) / bounds.size.width, (600 - 2 * FIT_MARGIN) / bounds.size.height);
  g_assert_cmpfloat_with_epsilon (troupe_canvas_view_get_zoom (view), expected, 1e-9);
  assert_centred (fixture);

  /* The problems panel opens: a fitted view fits the narrower canvas. */
  gtk_widget_set_visible (fixture->side, TRUE);
  wait_for_width (fixture, 600);
  expected = MIN ((600 - 2 * FIT_MARGIN) / bounds.size.width, (600 - 2 * FIT_MARGIN) / bounds.size.height);
  g_assert_cmpfloat_with_epsilon (troupe_canvas_view_get_zoom (view), expected, 1e-9);
  assert_centred (fixture);

  /* Once the user zooms, a resize keeps the point in the middle where it
   * was, at the zoom the user chose. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->canvas), "canvas.zoom-in", NULL));
  expected = troupe_canvas_view_get_zoom (view);
  troupe_canvas_view_widget_to_graph (view, 300, 300, &gx0, &gy0);
  gtk_widget_set_visible (fixture->side, FALSE);
  wait_for_width (fixture, 800);
  g_assert_cmpfloat (troupe_canvas_view_get_zoom (view), ==, expected);
  troupe_canvas_view_widget_to_graph (view, 400, 300, &gx1, &gy1);
  g_assert_cmpfloat_with_epsilon (gx0, gx1, 1e-6);
  g_assert_cmpfloat_with_epsilon (gy0, gy1, 1e-6);

  /* A graph bigger than the smallest zoom can show is still centred, at
   * that zoom. */
  troupe_step_set_position (troupe_workflow_lookup_step (fixture->workflow, "s-29-19"), 100000, 50000);
  troupe_canvas_zoom_to_fit (fixture->canvas);
  g_assert_cmpfloat (troupe_canvas_view_get_zoom (view), ==, TROUPE_CANVAS_MIN_ZOOM);
  assert_centred (fixture);
}

int
main (int   argc,
      char *argv[])
{
  troupe_app_test_init (&argc, &argv);

  g_test_add ("/troupe/app/canvas/visible-set", Fixture, NULL,
              fixture_set_up, test_visible_set, fixture_tear_down);
  g_test_add ("/troupe/app/canvas/cache", Fixture, NULL,
              fixture_set_up, test_cache, fixture_tear_down);
  g_test_add ("/troupe/app/canvas/level-of-detail", Fixture, NULL,
              fixture_set_up, test_level_of_detail, fixture_tear_down);
  g_test_add ("/troupe/app/canvas/drawing-order", Fixture, NULL,
              fixture_set_up, test_drawing_order, fixture_tear_down);
  g_test_add ("/troupe/app/canvas/scene-follows-model", Fixture, NULL,
              fixture_set_up, test_scene_follows_model, fixture_tear_down);
  g_test_add ("/troupe/app/canvas/layout-motion", Fixture, NULL,
              fixture_set_up, test_layout_motion, fixture_tear_down);
  g_test_add ("/troupe/app/canvas/fit", Fixture, NULL,
              fixture_set_up, test_fit, fixture_tear_down);

  return g_test_run ();
}
