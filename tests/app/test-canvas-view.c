/* test-canvas-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include "troupe-canvas-index.h"
#include "troupe-canvas-view.h"

#define EPSILON 1e-9

/* Two steps, a -> b, at known positions. */
static TroupeWorkflow *
make_workflow (void)
{
  g_autoptr(TroupeWorkflow) workflow = troupe_workflow_new ();
  g_autoptr(TroupeStep) a = troupe_step_new ("a", TROUPE_STEP_KIND_COMMAND);
  g_autoptr(TroupeStep) b = troupe_step_new ("b", TROUPE_STEP_KIND_COMMAND);
  g_autoptr(GError) error = NULL;

  troupe_step_set_position (a, 100, 50);
  troupe_step_set_position (b, 100, 250);
  g_assert_true (troupe_workflow_add_step (workflow, a, &error));
  g_assert_no_error (error);
  g_assert_true (troupe_workflow_add_step (workflow, b, &error));
  g_assert_no_error (error);
  g_assert_true (troupe_workflow_connect (workflow, "a", "b", &error));
  g_assert_no_error (error);

  return g_steal_pointer (&workflow);
}

static void
test_round_trip (void)
{
  g_autoptr(TroupeCanvasView) view = troupe_canvas_view_new ();
  static const double points[][2] = { { 0, 0 }, { 13.5, -7.25 }, { 1e4, 3e3 }, { -250, 999 } };

  troupe_canvas_view_set_zoom (view, 1.7);
  troupe_canvas_view_set_offset (view, -42.5, 17);

  for (guint i = 0; i < G_N_ELEMENTS (points); i++)
    {
      double wx, wy, gx, gy;

      troupe_canvas_view_graph_to_widget (view, points[i][0], points[i][1], &wx, &wy);
      g_assert_cmpfloat_with_epsilon (wx, points[i][0] * 1.7 - 42.5, EPSILON);
      g_assert_cmpfloat_with_epsilon (wy, points[i][1] * 1.7 + 17, EPSILON);
      troupe_canvas_view_widget_to_graph (view, wx, wy, &gx, &gy);
      g_assert_cmpfloat_with_epsilon (gx, points[i][0], 1e-6);
      g_assert_cmpfloat_with_epsilon (gy, points[i][1], 1e-6);
    }
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static void
test_zoom_at_point (void)
{
  g_autoptr(TroupeCanvasView) view = troupe_canvas_view_new ();
  double gx0, gy0, gx1, gy1;
  guint zoom_notifies = 0;

  troupe_canvas_view_set_offset (view, 30, -20);
  g_signal_connect (view, "notify::zoom", G_CALLBACK (count_notify_cb), &zoom_notifies);

  troupe_canvas_view_widget_to_graph (view, 321, 123, &gx0, &gy0);
  troupe_canvas_view_zoom_at (view, 2.5, 321, 123);
  g_assert_cmpfloat_with_epsilon (troupe_canvas_view_get_zoom (view), 2.5, EPSILON);
  troupe_canvas_view_widget_to_graph (view, 321, 123, &gx1, &gy1);
  g_assert_cmpfloat_with_epsilon (gx0, gx1, 1e-9);
  g_assert_cmpfloat_with_epsilon (gy0, gy1, 1e-9);
  g_assert_cmpuint (zoom_notifies, ==, 1);

  /* Zooming out past the limit clamps, and the point still stays put. */
  troupe_canvas_view_zoom_at (view, 0.0001, 10, 500);
  g_assert_cmpfloat_with_epsilon (troupe_canvas_view_get_zoom (view), TROUPE_CANVAS_MIN_ZOOM, EPSILON);
  troupe_canvas_view_widget_to_graph (view, 10, 500, &gx0, &gy0);
  troupe_canvas_view_zoom_at (view, 100, 10, 500);
  g_assert_cmpfloat_with_epsilon (troupe_canvas_view_get_zoom (view), TROUPE_CANVAS_MAX_ZOOM, EPSILON);
  troupe_canvas_view_widget_to_graph (view, 10, 500, &gx1, &gy1);
  g_assert_cmpfloat_with_epsilon (gx0, gx1, 1e-9);
  g_assert_cmpfloat_with_epsilon (gy0, gy1, 1e-9);

  /* Setting the same zoom again notifies nothing. */
  zoom_notifies = 0;
  troupe_canvas_view_set_zoom (view, TROUPE_CANVAS_MAX_ZOOM);
  g_assert_cmpuint (zoom_notifies, ==, 0);
}

static void
test_hit_cards_and_ports (void)
{
  g_autoptr(TroupeCanvasView) view = troupe_canvas_view_new ();
  g_autoptr(TroupeWorkflow) workflow = make_workflow ();
  TroupeStep *step = NULL;
  double wx, wy;

  troupe_canvas_view_set_zoom (view, 0.5);
  troupe_canvas_view_set_offset (view, 10, 20);

  /* The middle of card a. */
  troupe_canvas_view_graph_to_widget (view, 100 + TROUPE_CARD_WIDTH / 2, 50 + TROUPE_CARD_HEIGHT / 2, &wx, &wy);
  g_assert_cmpint (troupe_canvas_view_hit_test (view, workflow, wx, wy, &step), ==, TROUPE_CANVAS_HIT_CARD);
  g_assert_cmpstr (troupe_step_get_id (step), ==, "a");

  /* Just inside card b's top-left corner, clear of its ports. */
  troupe_canvas_view_graph_to_widget (view, 101, 251, &wx, &wy);
  g_assert_cmpint (troupe_canvas_view_hit_test (view, workflow, wx, wy, &step), ==, TROUPE_CANVAS_HIT_CARD);
  g_assert_cmpstr (troupe_step_get_id (step), ==, "b");

  /* Between the cards: nothing. */
  troupe_canvas_view_graph_to_widget (view, 100 + TROUPE_CARD_WIDTH / 2, 200, &wx, &wy);
  g_assert_cmpint (troupe_canvas_view_hit_test (view, workflow, wx, wy, &step), ==, TROUPE_CANVAS_HIT_NONE);
  g_assert_null (step);

  /* Left of everything: nothing. */
  troupe_canvas_view_graph_to_widget (view, 99, 60, &wx, &wy);
  g_assert_cmpint (troupe_canvas_view_hit_test (view, workflow, wx, wy, NULL), ==, TROUPE_CANVAS_HIT_NONE);

  /* a's output port, the middle of its bottom side, even a little outside
   * the card. */
  troupe_canvas_view_graph_to_widget (view, 100 + TROUPE_CARD_WIDTH / 2 + 2, 50 + TROUPE_CARD_HEIGHT + 3, &wx, &wy);
  g_assert_cmpint (troupe_canvas_view_hit_test (view, workflow, wx, wy, &step), ==, TROUPE_CANVAS_HIT_OUTPUT_PORT);
  g_assert_cmpstr (troupe_step_get_id (step), ==, "a");

  /* b's input port, the middle of its top side. */
  troupe_canvas_view_graph_to_widget (view, 100 + TROUPE_CARD_WIDTH / 2, 250 - 2, &wx, &wy);
  g_assert_cmpint (troupe_canvas_view_hit_test (view, workflow, wx, wy, &step), ==, TROUPE_CANVAS_HIT_INPUT_PORT);
  g_assert_cmpstr (troupe_step_get_id (step), ==, "b");

  /* A moved card is hit where it is now: the view reads the model. */
  troupe_step_set_position (troupe_workflow_lookup_step (workflow, "b"), 600, 600);
  troupe_canvas_view_graph_to_widget (view, 101, 251, &wx, &wy);
  g_assert_cmpint (troupe_canvas_view_hit_test (view, workflow, wx, wy, NULL), ==, TROUPE_CANVAS_HIT_NONE);
  troupe_canvas_view_graph_to_widget (view, 650, 640, &wx, &wy);
  g_assert_cmpint (troupe_canvas_view_hit_test (view, workflow, wx, wy, &step), ==, TROUPE_CANVAS_HIT_CARD);
  g_assert_cmpstr (troupe_step_get_id (step), ==, "b");
}

static void
test_overlap_topmost (void)
{
  g_autoptr(TroupeCanvasView) view = troupe_canvas_view_new ();
  g_autoptr(TroupeWorkflow) workflow = make_workflow ();
  TroupeStep *step = NULL;

  /* b is drawn after a, so where they overlap b is on top. */
  troupe_step_set_position (troupe_workflow_lookup_step (workflow, "b"), 120, 60);
  g_assert_cmpint (troupe_canvas_view_hit_test (view, workflow, 150, 80, &step), ==, TROUPE_CANVAS_HIT_CARD);
  g_assert_cmpstr (troupe_step_get_id (step), ==, "b");
}

static void
test_fit (void)
{
  g_autoptr(TroupeCanvasView) view = troupe_canvas_view_new ();
  g_autoptr(TroupeWorkflow) workflow = make_workflow ();
  g_autoptr(TroupeWorkflow) empty = troupe_workflow_new ();
  graphene_rect_t bounds;
  double x0, y0, x1, y1;

  g_assert_true (troupe_canvas_workflow_bounds (workflow, &bounds));
  g_assert_cmpfloat (bounds.origin.x, ==, 100);
  g_assert_cmpfloat (bounds.origin.y, ==, 50);
  g_assert_cmpfloat (bounds.size.width, ==, TROUPE_CARD_WIDTH);
  g_assert_cmpfloat (bounds.size.height, ==, 200 + TROUPE_CARD_HEIGHT);

  /* A small widget: the graph is shrunk to fit inside the margins and is
   * centred. */
  g_assert_true (troupe_canvas_view_fit (view, workflow, 200, 150, 10));
  troupe_canvas_view_graph_to_widget (view, bounds.origin.x, bounds.origin.y, &x0, &y0);
  troupe_canvas_view_graph_to_widget (view, bounds.origin.x + bounds.size.width,
                                      bounds.origin.y + bounds.size.height, &x1, &y1);
  g_assert_cmpfloat (x0, >=, 10 - 1e-6);
  g_assert_cmpfloat (y0, >=, 10 - 1e-6);
  g_assert_cmpfloat (x1, <=, 190 + 1e-6);
  g_assert_cmpfloat (y1, <=, 140 + 1e-6);
  /* The tighter direction (height) touches both margins. */
  g_assert_cmpfloat_with_epsilon (y0, 10, 1e-6);
  g_assert_cmpfloat_with_epsilon (y1, 140, 1e-6);
  g_assert_cmpfloat_with_epsilon ((x0 + x1) / 2, 100, 1e-6);

  /* A big widget: never zoomed past 100%, and centred. */
  g_assert_true (troupe_canvas_view_fit (view, workflow, 2000, 1000, 10));
  g_assert_cmpfloat (troupe_canvas_view_get_zoom (view), ==, 1.0);
  troupe_canvas_view_graph_to_widget (view, bounds.origin.x + bounds.size.width / 2,
                                      bounds.origin.y + bounds.size.height / 2, &x0, &y0);
  g_assert_cmpfloat_with_epsilon (x0, 1000, 1e-6);
  g_assert_cmpfloat_with_epsilon (y0, 500, 1e-6);

  /* Nothing to fit. */
  g_assert_false (troupe_canvas_view_fit (view, empty, 2000, 1000, 10));
  g_assert_cmpfloat (troupe_canvas_view_get_zoom (view), ==, 1.0);
}

static void
test_selection (void)
{
  g_autoptr(TroupeCanvasView) view = troupe_canvas_view_new ();
  guint notifies = 0;

  g_signal_connect (view, "notify::selection", G_CALLBACK (count_notify_cb), &notifies);
  g_assert_null (troupe_canvas_view_get_selection (view));
  troupe_canvas_view_set_selection (view, "a");
  troupe_canvas_view_set_selection (view, "a");
  g_assert_cmpstr (troupe_canvas_view_get_selection (view), ==, "a");
  g_assert_cmpuint (notifies, ==, 1);
  troupe_canvas_view_set_selection (view, NULL);
  g_assert_null (troupe_canvas_view_get_selection (view));
  g_assert_cmpuint (notifies, ==, 2);
}

static void
test_hit_edges (void)
{
  g_autoptr(TroupeCanvasView) view = troupe_canvas_view_new ();
  g_autoptr(TroupeWorkflow) workflow = make_workflow ();
  TroupeStep *from = NULL, *to = NULL;
  graphene_point_t c[4], tip;
  double x1, y1, x2, y2, mx, my, wx, wy;

  troupe_canvas_view_set_zoom (view, 2);
  troupe_canvas_view_set_offset (view, -50, 30);

  /* a -> b runs straight down between the two cards. */
  troupe_canvas_view_graph_to_widget (view, 100 + TROUPE_CARD_WIDTH / 2 + 1, 180, &wx, &wy);
  g_assert_true (troupe_canvas_view_hit_test_edge (view, workflow, wx, wy, &from, &to));
  g_assert_cmpstr (troupe_step_get_id (from), ==, "a");
  g_assert_cmpstr (troupe_step_get_id (to), ==, "b");
  troupe_canvas_view_graph_to_widget (view, 100 + TROUPE_CARD_WIDTH / 2 + 20, 180, &wx, &wy);
  g_assert_false (troupe_canvas_view_hit_test_edge (view, workflow, wx, wy, &from, &to));
  g_assert_null (from);
  g_assert_null (to);

  /* Move b aside: the edge is a curve now; its middle is hit, a point
   * well off it is not. */
  troupe_step_set_position (troupe_workflow_lookup_step (workflow, "b"), 500, 300);
  troupe_canvas_step_output_port (troupe_workflow_lookup_step (workflow, "a"), &x1, &y1);
  troupe_canvas_step_input_port (troupe_workflow_lookup_step (workflow, "b"), &x2, &y2);
  troupe_canvas_edge_curve (x1, y1, x2, y2, c, &tip);
  g_assert_cmpfloat (c[0].x, ==, x1);
  g_assert_cmpfloat (c[0].y, ==, y1);
  g_assert_cmpfloat (tip.x, ==, x2);
  g_assert_cmpfloat (tip.y, <, y2);
  g_assert_cmpfloat (tip.y, >, c[3].y);
  /* B(1/2) = (c0 + 3 c1 + 3 c2 + c3) / 8 */
  mx = (c[0].x + 3 * c[1].x + 3 * c[2].x + c[3].x) / 8;
  my = (c[0].y + 3 * c[1].y + 3 * c[2].y + c[3].y) / 8;
  troupe_canvas_view_graph_to_widget (view, mx, my, &wx, &wy);
  g_assert_true (troupe_canvas_view_hit_test_edge (view, workflow, wx + 3, wy, &from, &to));
  g_assert_cmpstr (troupe_step_get_id (to), ==, "b");
  troupe_canvas_view_graph_to_widget (view, mx, my + 40, &wx, &wy);
  g_assert_false (troupe_canvas_view_hit_test_edge (view, workflow, wx, wy, NULL, NULL));

  /* No edge, nothing to hit. */
  g_assert_true (troupe_workflow_disconnect (workflow, "a", "b", NULL));
  troupe_canvas_view_graph_to_widget (view, mx, my, &wx, &wy);
  g_assert_false (troupe_canvas_view_hit_test_edge (view, workflow, wx, wy, NULL, NULL));
}

static void
test_edge_selection (void)
{
  g_autoptr(TroupeCanvasView) view = troupe_canvas_view_new ();
  const char *from, *to;

  troupe_canvas_view_set_selection (view, "a");
  troupe_canvas_view_select_edge (view, "a", "b");
  g_assert_null (troupe_canvas_view_get_selection (view));
  g_assert_true (troupe_canvas_view_get_selected_edge (view, &from, &to));
  g_assert_cmpstr (from, ==, "a");
  g_assert_cmpstr (to, ==, "b");

  troupe_canvas_view_set_selection (view, "b");
  g_assert_false (troupe_canvas_view_get_selected_edge (view, &from, &to));
  g_assert_null (from);
  g_assert_cmpstr (troupe_canvas_view_get_selection (view), ==, "b");
}

static void
test_multi_selection (void)
{
  g_autoptr(TroupeCanvasView) view = troupe_canvas_view_new ();
  g_autoptr(TroupeWorkflow) workflow = make_workflow ();
  g_autoptr(TroupeStep) c = troupe_step_new ("c", TROUPE_STEP_KIND_COMMAND);
  double x1, y1, x2, y2;

  troupe_canvas_view_set_selection (view, "a");
  troupe_canvas_view_add_to_selection (view, "b");
  g_assert_cmpuint (troupe_canvas_view_get_n_selected (view), ==, 2);
  g_assert_cmpstr (troupe_canvas_view_get_selection (view), ==, "b");
  g_assert_true (troupe_canvas_view_is_selected (view, "a"));

  /* Toggling takes a step out, and the primary falls back to the other. */
  troupe_canvas_view_toggle_selected (view, "b");
  g_assert_cmpuint (troupe_canvas_view_get_n_selected (view), ==, 1);
  g_assert_cmpstr (troupe_canvas_view_get_selection (view), ==, "a");
  troupe_canvas_view_rename_selected (view, "a", "a2");
  g_assert_cmpstr (troupe_canvas_view_get_selection (view), ==, "a2");
  troupe_canvas_view_unselect (view, "a2");
  g_assert_null (troupe_canvas_view_get_selection (view));

  /* Rubber band, through the view transform: a band across the top card
   * only, then one across both; extending keeps what was selected. */
  troupe_step_set_position (c, 600, 50);
  g_assert_true (troupe_workflow_add_step (workflow, c, NULL));
  troupe_canvas_view_set_zoom (view, 0.5);
  troupe_canvas_view_set_offset (view, 20, 10);
  troupe_canvas_view_graph_to_widget (view, 90, 40, &x1, &y1);
  troupe_canvas_view_graph_to_widget (view, 150, 100, &x2, &y2);
  g_assert_cmpuint (troupe_canvas_view_select_rect (view, workflow, x2, y2, x1, y1, FALSE), ==, 1);
  g_assert_cmpuint (troupe_canvas_view_get_n_selected (view), ==, 1);
  g_assert_cmpstr (troupe_canvas_view_get_nth_selected (view, 0), ==, "a");
  troupe_canvas_view_graph_to_widget (view, 590, 0, &x1, &y1);
  troupe_canvas_view_graph_to_widget (view, 610, 400, &x2, &y2);
  g_assert_cmpuint (troupe_canvas_view_select_rect (view, workflow, x1, y1, x2, y2, TRUE), ==, 1);
  g_assert_cmpuint (troupe_canvas_view_get_n_selected (view), ==, 2);
  g_assert_true (troupe_canvas_view_is_selected (view, "a"));
  g_assert_true (troupe_canvas_view_is_selected (view, "c"));
  g_assert_false (troupe_canvas_view_is_selected (view, "b"));

  /* A band over empty space, not extending, clears the selection. */
  troupe_canvas_view_graph_to_widget (view, 400, 400, &x1, &y1);
  g_assert_cmpuint (troupe_canvas_view_select_rect (view, workflow, x1, y1, x1 + 5, y1 + 5, FALSE), ==, 0);
  g_assert_cmpuint (troupe_canvas_view_get_n_selected (view), ==, 0);
}

/* The items of @rects (of @n) that intersect @query, by brute force, as a
 * bit set. */
static guint64
brute_force (const graphene_rect_t *rects,
             const gboolean        *present,
             guint                  n,
             const graphene_rect_t *query)
{
  guint64 hits = 0;

  for (guint i = 0; i < n; i++)
    if (present[i] && graphene_rect_intersection (&rects[i], query, NULL))
      hits |= G_GUINT64_CONSTANT (1) << i;
  return hits;
}

static guint64
indexed (TroupeCanvasIndex     *index,
         gpointer               base,
         const graphene_rect_t *query)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new ();
  guint64 hits = 0;

  troupe_canvas_index_query (index, query, items);
  for (guint i = 0; i < items->len; i++)
    {
      guint bit = (guint) ((char *) g_ptr_array_index (items, i) - (char *) base);
      guint64 mask = G_GUINT64_CONSTANT (1) << bit;

      /* Each item once, however many cells it spans. */
      g_assert_cmpuint (hits & mask, ==, 0);
      hits |= mask;
    }
  return hits;
}

/* The index answers what brute force answers, through inserts, moves and
 * removes, for small queries (cell by cell) and huge ones (over the set
 * of cells). */
static void
test_index_query (void)
{
  g_autoptr(TroupeCanvasIndex) index = troupe_canvas_index_new (100);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  char base[64];
  graphene_rect_t rects[64];
  gboolean present[64] = { FALSE, };

  for (guint round = 0; round < 2000; round++)
    {
      guint i = g_rand_int_range (rand, 0, 64);
      graphene_rect_t query;

      if (present[i] && g_rand_int_range (rand, 0, 4) == 0)
        {
          g_assert_true (troupe_canvas_index_remove (index, &base[i]));
          present[i] = FALSE;
        }
      else
        {
          /* Some items span many cells, some sit at negative coordinates. */
          graphene_rect_init (&rects[i],
                              g_rand_double_range (rand, -1000, 1000), g_rand_double_range (rand, -1000, 1000),
                              g_rand_double_range (rand, 1, g_rand_boolean (rand) ? 50 : 600),
                              g_rand_double_range (rand, 1, 80));
          troupe_canvas_index_set (index, &base[i], &rects[i]);
          present[i] = TRUE;
        }

      graphene_rect_init (&query,
                          g_rand_double_range (rand, -1200, 1200), g_rand_double_range (rand, -1200, 1200),
                          g_rand_double_range (rand, 0, 400), g_rand_double_range (rand, 0, 400));
      g_assert_cmphex (indexed (index, base, &query), ==, brute_force (rects, present, 64, &query));

      graphene_rect_init (&query, -1e7, -1e7, 2e7, 2e7);
      g_assert_cmphex (indexed (index, base, &query), ==, brute_force (rects, present, 64, &query));
    }

  {
    guint n = 0;

    for (guint i = 0; i < 64; i++)
      n += present[i];
    g_assert_cmpuint (troupe_canvas_index_get_n_items (index), ==, n);
  }

  troupe_canvas_index_remove_all (index);
  g_assert_cmpuint (troupe_canvas_index_get_n_items (index), ==, 0);
  g_assert_cmpuint (troupe_canvas_index_get_n_cells (index), ==, 0);
  g_assert_false (troupe_canvas_index_remove (index, &base[0]));
}

static void
count_destroy_cb (gpointer data)
{
  (*(guint *) data)++;
}

static TroupeCanvasCell *
only_cell_at (TroupeCanvasIndex *index,
              double             x,
              double             y)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new ();

  troupe_canvas_index_query_cells (index, &GRAPHENE_RECT_INIT (x, y, 1, 1), cells);
  return cells->len == 1 ? g_ptr_array_index (cells, 0) : NULL;
}

/* A cell's data (the canvas keeps the cell's drawn edges there) lasts
 * until an item enters, leaves or moves in the cell, and no longer. */
static void
test_index_cell_data (void)
{
  g_autoptr(TroupeCanvasIndex) index = troupe_canvas_index_new (100);
  graphene_rect_t bounds, extents;
  TroupeCanvasCell *cell;
  guint dropped = 0;
  char a, b, c;

  troupe_canvas_index_set (index, &a, &GRAPHENE_RECT_INIT (10, 10, 20, 20));
  troupe_canvas_index_set (index, &b, &GRAPHENE_RECT_INIT (150, 10, 20, 20));
  cell = only_cell_at (index, 50, 50);
  g_assert_nonnull (cell);
  troupe_canvas_cell_get_bounds (cell, &bounds);
  g_assert_true (graphene_rect_equal (&bounds, &GRAPHENE_RECT_INIT (0, 0, 100, 100)));
  g_assert_cmpuint (troupe_canvas_cell_get_n_items (cell), ==, 1);
  g_assert_true (troupe_canvas_cell_get_item (cell, 0) == &a);
  troupe_canvas_cell_get_extents (cell, &extents);
  g_assert_true (graphene_rect_equal (&extents, &GRAPHENE_RECT_INIT (10, 10, 20, 20)));

  troupe_canvas_cell_set_data (cell, &dropped, count_destroy_cb);

  /* Changes elsewhere, or none, keep it. */
  troupe_canvas_index_set (index, &b, &GRAPHENE_RECT_INIT (160, 10, 20, 20));
  troupe_canvas_index_set (index, &a, &GRAPHENE_RECT_INIT (10, 10, 20, 20));
  g_assert_cmpuint (dropped, ==, 0);
  g_assert_true (troupe_canvas_cell_get_data (cell) == &dropped);

  /* An item moving within the cell drops it. */
  troupe_canvas_index_set (index, &a, &GRAPHENE_RECT_INIT (20, 10, 20, 20));
  g_assert_cmpuint (dropped, ==, 1);
  g_assert_null (troupe_canvas_cell_get_data (cell));

  /* So does an item entering it, and one leaving it. */
  troupe_canvas_cell_set_data (cell, &dropped, count_destroy_cb);
  troupe_canvas_index_set (index, &c, &GRAPHENE_RECT_INIT (90, 90, 20, 20));
  g_assert_cmpuint (dropped, ==, 2);
  troupe_canvas_cell_set_data (cell, &dropped, count_destroy_cb);
  troupe_canvas_index_set (index, &c, &GRAPHENE_RECT_INIT (190, 90, 20, 20));
  g_assert_cmpuint (dropped, ==, 3);
  troupe_canvas_cell_set_data (cell, &dropped, count_destroy_cb);
  troupe_canvas_index_clear_data (index);
  g_assert_cmpuint (dropped, ==, 4);

  /* The last item leaving frees the cell, data and all. */
  troupe_canvas_cell_set_data (cell, &dropped, count_destroy_cb);
  g_assert_true (troupe_canvas_index_remove (index, &a));
  g_assert_cmpuint (dropped, ==, 5);
  g_assert_null (only_cell_at (index, 50, 50));

  /* An item spanning a million cells is kept apart, in none of them, and
   * still found. */
  {
    g_autoptr(GPtrArray) items = g_ptr_array_new ();
    guint n_cells = troupe_canvas_index_get_n_cells (index);

    troupe_canvas_index_set (index, &c, &GRAPHENE_RECT_INIT (0, 0, 100000, 100000));
    g_assert_cmpuint (troupe_canvas_index_get_n_cells (index), <, n_cells);
    troupe_canvas_index_query (index, &GRAPHENE_RECT_INIT (50000, 50000, 10, 10), items);
    g_assert_cmpuint (items->len, ==, 1);
    g_assert_true (g_ptr_array_index (items, 0) == &c);
    g_ptr_array_set_size (items, 0);
    troupe_canvas_index_query_huge (index, &GRAPHENE_RECT_INIT (50000, 50000, 10, 10), items);
    g_assert_cmpuint (items->len, ==, 1);
    g_ptr_array_set_size (items, 0);
    troupe_canvas_index_query_cells (index, &GRAPHENE_RECT_INIT (50000, 50000, 10, 10), items);
    g_assert_cmpuint (items->len, ==, 0);
    troupe_canvas_index_set (index, &c, &GRAPHENE_RECT_INIT (150, 150, 10, 10));
    g_ptr_array_set_size (items, 0);
    troupe_canvas_index_query_huge (index, &GRAPHENE_RECT_INIT (0, 0, 1e6, 1e6), items);
    g_assert_cmpuint (items->len, ==, 0);
  }

  /* Coordinates far beyond any graph are clamped, not undefined. */
  troupe_canvas_index_set (index, &a, &GRAPHENE_RECT_INIT (-1e30f, 1e30f, 10, 10));
  g_assert_true (troupe_canvas_index_get_bounds (index, &a, &bounds));
  g_assert_true (troupe_canvas_index_remove (index, &a));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/troupe/app/canvas-view/round-trip", test_round_trip);
  g_test_add_func ("/troupe/app/canvas-view/zoom-at-point", test_zoom_at_point);
  g_test_add_func ("/troupe/app/canvas-view/hit-cards-and-ports", test_hit_cards_and_ports);
  g_test_add_func ("/troupe/app/canvas-view/overlap-topmost", test_overlap_topmost);
  g_test_add_func ("/troupe/app/canvas-view/fit", test_fit);
  g_test_add_func ("/troupe/app/canvas-view/hit-edges", test_hit_edges);
  g_test_add_func ("/troupe/app/canvas-view/edge-selection", test_edge_selection);
  g_test_add_func ("/troupe/app/canvas-view/multi-selection", test_multi_selection);
  g_test_add_func ("/troupe/app/canvas-view/selection", test_selection);
  g_test_add_func ("/troupe/app/canvas-view/index-query", test_index_query);
  g_test_add_func ("/troupe/app/canvas-view/index-cell-data", test_index_cell_data);

  return g_test_run ();
}
