/* bench-canvas.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <time.h>

#include "troupe-canvas.h"
#include "troupe-canvas-private.h"

/* The canvas benchmark: how long TroupeCanvas takes to snapshot (and, for
 * context, the cairo renderer to render) one frame of a large workflow.
 * It builds a layered DAG of STEPS steps, opens it in a TroupeDocument,
 * shows a TroupeCanvas in a 1280 x 800 GtkWindow and times the canvas's
 * own snapshot function, called directly, in two views:
 *
 *   fit   zoom to fit (on large graphs the zoom stops at its minimum, 10%)
 *   100%  zoom 1, centred on the middle of the graph
 *
 * and four states in each:
 *
 *   first     the first frame after the view changed (caches cold)
 *   steady    nothing changed since the last frame
 *   agent     one visible step's agent changed before every frame
 *   move      one visible step moved by 8 pixels before every frame, as a
 *             drag moves it
 *   glide     every step moved by a command (as Lay Out moves them), in
 *             the middle of the cards' glide to their new places
 *
 * Animations are off (gtk-enable-animations) except for the glide, so that
 * a change is drawn by the next frame, as a drag draws it.
 *
 * Every figure is over FRAMES frames (default 60, at least 50), one line
 * each:
 *
 *   RESULT <key> <median-ms> <min-ms> <max-ms> <frames>
 *
 * then a table. Run it under a display (xvfb-run -a) with
 * GSK_RENDERER=cairo, as run-bench-canvas.sh does. */

#define DEFAULT_FRAMES 60
#define DEFAULT_SEED   20240601
#define WIDTH          1280
#define HEIGHT         800

/* The grid placement's spacing: about what graphviz leaves between cards. */
#define GAP_X 40.0
#define GAP_Y 48.0

typedef struct
{
  const char *name;
  const char *provider;
  const char *color;
  const char *verb;
} AgentSpec;

static const AgentSpec agent_specs[] = {
  { "architect",  "mock",   "#3584e4", "design" },
  { "engineer",   "my-llm", "#33d17a", "implement" },
  { "qa",         "mock",   "#f6d32d", "test" },
  { "reviewer",   "my-llm", "#ff7800", "review" },
  { "writer",     "mock",   "#9141ac", "document" },
  { "researcher", "my-llm", "#986a44", "research" },
  { "ops",        "mock",   "#e01b24", "deploy" },
  { "designer",   "my-llm", "#c061cb", "sketch" },
};

static double
clock_ms (clockid_t clock)
{
  struct timespec ts;

  clock_gettime (clock, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double
now_ms (void)
{
  return clock_ms (CLOCK_MONOTONIC);
}

/* The CPU time of this thread: the work done, without the time spent
 * waiting for a core on a busy machine. */
static double
cpu_ms (void)
{
  return clock_ms (CLOCK_THREAD_CPUTIME_ID);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
print_result (const char *key,
              GArray     *samples)
{
  double *v = (double *) (gpointer) samples->data;
  guint n = samples->len;
  double median;

  g_assert (n > 0);
  g_array_sort (samples, compare_doubles);
  median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
  g_print ("RESULT %s %.3f %.3f %.3f %u\n", key, median, v[0], v[n - 1], n);
}

/* A layered random DAG: layers 2 to 16 steps wide, every step needing one
 * to three steps of the layer above and sometimes one from two layers up;
 * each layer centred under the one above, as a layered layout draws it.
 * Same seed, same workflow. */
static TroupeWorkflow *
generate_workflow (guint n_steps)
{
  g_autoptr(TroupeWorkflow) workflow = troupe_workflow_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (DEFAULT_SEED);
  g_autoptr(TroupeProvider) provider = troupe_provider_new ("my-llm");
  g_autoptr(GPtrArray) previous = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) before_previous = g_ptr_array_new_with_free_func (g_free);
  const char *provider_argv[] = { "my-llm", "${prompt}", NULL };
  guint index = 0;

  troupe_workflow_set_name (workflow, "Canvas benchmark");
  troupe_workflow_set_default_provider (workflow, "mock");
  troupe_provider_set_command (provider, provider_argv);
  troupe_workflow_add_provider (workflow, provider);
  for (guint i = 0; i < G_N_ELEMENTS (agent_specs); i++)
    {
      g_autoptr(TroupeAgent) agent = troupe_agent_new (agent_specs[i].name);

      troupe_agent_set_provider (agent, agent_specs[i].provider);
      troupe_agent_set_color (agent, agent_specs[i].color);
      troupe_workflow_add_agent (workflow, agent);
    }

  for (guint layer = 0; index < n_steps; layer++)
    {
      g_autoptr(GPtrArray) current = g_ptr_array_new_with_free_func (g_free);
      guint drawn_width = g_rand_int_range (rand, 2, 17);
      guint width = MIN (drawn_width, n_steps - index);

      for (guint column = 0; column < width; column++, index++)
        {
          const AgentSpec *agent = &agent_specs[g_rand_int_range (rand, 0, G_N_ELEMENTS (agent_specs))];
          g_autofree char *id = g_strdup_printf ("%s-%05u", agent->verb, index + 1);
          g_autoptr(GPtrArray) needs = g_ptr_array_new ();
          g_autoptr(TroupeStep) step = NULL;
          g_autoptr(GError) error = NULL;
          guint roll = g_rand_int_range (rand, 0, 100);

          if (roll < 70)
            {
              step = troupe_step_new (id, TROUPE_STEP_KIND_AGENT);
              troupe_step_set_agent (step, agent->name);
              troupe_step_set_prompt (step, "Do your part of the work.");
            }
          else
            {
              const char *argv[] = { "make", "test", NULL };

              step = troupe_step_new (id, TROUPE_STEP_KIND_COMMAND);
              troupe_step_set_command (step, argv);
            }

          if (previous->len > 0)
            {
              guint drawn_needs = g_rand_int_range (rand, 1, 4);
              guint n_needs = MIN (drawn_needs, previous->len);

              while (needs->len < n_needs)
                {
                  char *need = g_ptr_array_index (previous, g_rand_int_range (rand, 0, previous->len));

                  if (!g_ptr_array_find_with_equal_func (needs, need, g_str_equal, NULL))
                    g_ptr_array_add (needs, need);
                }
              if (before_previous->len > 0 && g_rand_int_range (rand, 0, 5) == 0)
                g_ptr_array_add (needs, g_ptr_array_index (before_previous,
                                                           g_rand_int_range (rand, 0, before_previous->len)));
              g_ptr_array_add (needs, NULL);
              troupe_step_set_needs (step, (const char * const *) needs->pdata);
            }

          troupe_step_set_position (step,
                                    (column - width / 2.0) * (TROUPE_CARD_WIDTH + GAP_X) + 8 * (TROUPE_CARD_WIDTH + GAP_X),
                                    GAP_Y + layer * (TROUPE_CARD_HEIGHT + GAP_Y));
          if (!troupe_workflow_add_step (workflow, step, &error))
            g_error ("bench-canvas: the generator made a step the model refuses: %s", error->message);
          g_ptr_array_add (current, g_strdup (id));
        }

      g_ptr_array_unref (before_previous);
      before_previous = g_steal_pointer (&previous);
      previous = g_steal_pointer (&current);
    }

  return g_steal_pointer (&workflow);
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Lets the main loop run for @ms, and at least until @widget has a size. */
static void
settle (GtkWidget *widget,
        guint      ms)
{
  gboolean timed_out = FALSE;

  g_timeout_add (ms, timeout_cb, &timed_out);
  while (!timed_out || gtk_widget_get_width (widget) <= 0)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct
{
  GtkWidget      *canvas;
  GtkWidget      *window;
  GskRenderer    *renderer;
  TroupeDocument *document;
  TroupeWorkflow *workflow;
  guint           frames;
  guint           n_steps;
  /* The step in the middle of the view, which the changes change. */
  TroupeStep     *victim;
  double          victim_x;
  double          victim_y;
  guint           flip;
} Bench;

/* The snapshot and render times of a series of frames, wall-clock and
 * CPU. */
typedef struct
{
  GArray *snapshot;
  GArray *snapshot_cpu;
  GArray *render;
  GArray *render_cpu;
} Series;

static void
series_init (Series *series)
{
  series->snapshot = g_array_new (FALSE, FALSE, sizeof (double));
  series->snapshot_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  series->render = g_array_new (FALSE, FALSE, sizeof (double));
  series->render_cpu = g_array_new (FALSE, FALSE, sizeof (double));
}

/* Prints the series as canvas-STEPS-VIEW-STATE-{snapshot,render}[-cpu]
 * and frees it. */
static void
series_print (Series     *series,
              Bench      *bench,
              const char *view_name,
              const char *state)
{
  struct { const char *what; GArray **samples; } parts[] = {
    { "snapshot", &series->snapshot },
    { "snapshot-cpu", &series->snapshot_cpu },
    { "render", &series->render },
    { "render-cpu", &series->render_cpu },
  };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      g_autofree char *key = g_strdup_printf ("canvas-%u-%s-%s-%s", bench->n_steps, view_name, state, parts[i].what);

      if ((*parts[i].samples)->len > 0)
        print_result (key, *parts[i].samples);
      g_clear_pointer (parts[i].samples, g_array_unref);
    }
}

/* One frame: the canvas's own snapshot, as GTK calls it, into a fresh
 * GtkSnapshot, and the node freed; with @render, the node is also
 * rendered by the window's renderer. The times go to @series. */
static void
frame (Bench    *bench,
       gboolean  render,
       Series   *series)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderNode *node;
  double start, start_cpu, ms, cpu;

  start = now_ms ();
  start_cpu = cpu_ms ();
  GTK_WIDGET_GET_CLASS (bench->canvas)->snapshot (bench->canvas, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  cpu = cpu_ms () - start_cpu;
  ms = now_ms () - start;
  if (series != NULL)
    {
      g_array_append_val (series->snapshot, ms);
      g_array_append_val (series->snapshot_cpu, cpu);
    }

  if (render && node != NULL)
    {
      GdkTexture *texture;

      start = now_ms ();
      start_cpu = cpu_ms ();
      texture = gsk_renderer_render_texture (bench->renderer, node,
                                             &GRAPHENE_RECT_INIT (0, 0,
                                                                  gtk_widget_get_width (bench->canvas),
                                                                  gtk_widget_get_height (bench->canvas)));
      cpu = cpu_ms () - start_cpu;
      ms = now_ms () - start;
      g_object_unref (texture);
      if (series != NULL)
        {
          g_array_append_val (series->render, ms);
          g_array_append_val (series->render_cpu, cpu);
        }
    }

  g_clear_pointer (&node, gsk_render_node_unref);
}

static void
pick_victim (Bench *bench)
{
  TroupeCanvasView *view = troupe_canvas_get_view (TROUPE_CANVAS (bench->canvas));
  GPtrArray *steps = troupe_workflow_get_steps (bench->workflow);
  double gx, gy, best = G_MAXDOUBLE;

  troupe_canvas_view_widget_to_graph (view, gtk_widget_get_width (bench->canvas) / 2.0,
                                      gtk_widget_get_height (bench->canvas) / 2.0, &gx, &gy);
  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      double x, y, d;

      if (troupe_step_get_agent (step) == NULL || !troupe_step_get_position (step, &x, &y))
        continue;
      d = hypot (x + TROUPE_CARD_WIDTH / 2 - gx, y + TROUPE_CARD_HEIGHT / 2 - gy);
      if (d < best)
        {
          best = d;
          bench->victim = step;
          bench->victim_x = x;
          bench->victim_y = y;
        }
    }
  g_assert (bench->victim != NULL);
}

static void
change_agent (Bench *bench)
{
  bench->flip = !bench->flip;
  troupe_step_set_agent (bench->victim, agent_specs[bench->flip].name);
}

static void
move_step (Bench *bench)
{
  bench->flip = !bench->flip;
  troupe_step_set_position (bench->victim, bench->victim_x + 8 * bench->flip, bench->victim_y);
}

typedef struct
{
  const char *name;
  void      (*change) (Bench *bench);
} State;

static void
iterate_while_moving (Bench *bench)
{
  TroupeCanvas *canvas = TROUPE_CANVAS (bench->canvas);

  while (canvas->motion_restart_id != 0 || _troupe_canvas_is_moving (canvas))
    g_main_context_iteration (NULL, TRUE);
}

/* Frames in the middle of a glide: every step moved by one command, the
 * glide started, then frames drawn with the glide held where it is. */
static void
measure_glide (Bench      *bench,
               const char *view_name)
{
  TroupeCanvas *canvas = TROUPE_CANVAS (bench->canvas);
  GPtrArray *steps = troupe_workflow_get_steps (bench->workflow);
  g_autofree const char **ids = g_new0 (const char *, steps->len + 1);
  g_autoptr(GError) error = NULL;
  Series series;

  for (guint i = 0; i < steps->len; i++)
    ids[i] = troupe_step_get_id (g_ptr_array_index (steps, i));

  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", TRUE, NULL);
  if (!troupe_document_move_steps (bench->document, ids, 0, 8, &error))
    g_error ("bench-canvas: %s", error->message);
  while (canvas->motion_restart_id != 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert (_troupe_canvas_is_moving (canvas));

  series_init (&series);
  for (guint i = 0; i < bench->frames; i++)
    frame (bench, TRUE, &series);
  series_print (&series, bench, view_name, "glide");

  iterate_while_moving (bench);
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  if (!troupe_document_undo (bench->document, &error))
    g_error ("bench-canvas: %s", error->message);
}

static void
measure_view (Bench      *bench,
              const char *view_name)
{
  static const State states[] = {
    { "steady", NULL },
    { "agent", change_agent },
    { "move", move_step },
  };
  Series series;

  pick_victim (bench);

  /* The first frame of the view, with whatever has to be recorded. */
  series_init (&series);
  frame (bench, FALSE, &series);

  /* BENCH_CANVAS_PNG=DIR keeps a picture of each view, for a person to
   * check what was measured. */
  if (g_getenv ("BENCH_CANVAS_PNG") != NULL)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();
      g_autoptr(GskRenderNode) node = NULL;
      g_autoptr(GdkTexture) texture = NULL;
      g_autofree char *name = g_strdup_printf ("canvas-%u-%s.png", bench->n_steps, view_name);
      g_autofree char *path = g_build_filename (g_getenv ("BENCH_CANVAS_PNG"), name, NULL);

      GTK_WIDGET_GET_CLASS (bench->canvas)->snapshot (bench->canvas, snapshot);
      node = gtk_snapshot_free_to_node (snapshot);
      texture = gsk_renderer_render_texture (bench->renderer, node,
                                             &GRAPHENE_RECT_INIT (0, 0,
                                                                  gtk_widget_get_width (bench->canvas),
                                                                  gtk_widget_get_height (bench->canvas)));
      gdk_texture_save_to_png (texture, path);
      g_printerr ("bench-canvas: %s\n", path);
    }
  g_printerr ("bench-canvas: %s: zoom %.3f, %u cards and %u cells of edges drawn, %s detail\n",
              view_name, troupe_canvas_view_get_zoom (troupe_canvas_get_view (TROUPE_CANVAS (bench->canvas))),
              TROUPE_CANVAS (bench->canvas)->n_drawn_cards, TROUPE_CANVAS (bench->canvas)->n_drawn_cells,
              TROUPE_CANVAS (bench->canvas)->drawn_detail == DETAIL_FULL ? "full" : "low");
  series_print (&series, bench, view_name, "first");

  for (guint s = 0; s < G_N_ELEMENTS (states); s++)
    {
      series_init (&series);

      /* One untimed frame, so that "steady" starts from a drawn frame. */
      frame (bench, FALSE, NULL);
      for (guint i = 0; i < bench->frames; i++)
        {
          /* The change is made outside the timing, as the model would be
           * changed between two frames; the frame pays for what it
           * invalidated. */
          if (states[s].change != NULL)
            states[s].change (bench);
          frame (bench, TRUE, &series);
        }
      series_print (&series, bench, view_name, states[s].name);

      /* The step back where it was, for the next state. */
      troupe_step_set_position (bench->victim, bench->victim_x, bench->victim_y);
    }

  measure_glide (bench, view_name);
}

static int
run (guint    n_steps,
     guint    frames,
     gboolean layout)
{
  g_autoptr(TroupeWorkflow) generated = generate_workflow (n_steps);
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(TroupeDocument) document = troupe_document_new ();
  TroupeCanvasView *view;
  graphene_rect_t bounds;
  Bench bench = { 0 };
  double start;

  if (layout)
    {
      start = now_ms ();
      if (!troupe_workflow_layout (generated, &error))
        g_error ("bench-canvas: layout: %s", error->message);
      g_printerr ("bench-canvas: %u steps laid out by the engine (graphviz) in %.0f ms\n",
                  n_steps, now_ms () - start);
    }

  /* The document reads its workflow from a file, as the app does. */
  tmpdir = g_dir_make_tmp ("troupe-bench-canvas-XXXXXX", &error);
  if (tmpdir == NULL)
    g_error ("bench-canvas: %s", error->message);
  path = g_build_filename (tmpdir, "flow.yaml", NULL);
  if (!troupe_workflow_save_to_file (generated, path, TROUPE_FILE_FORMAT_YAML, &error))
    g_error ("bench-canvas: %s", error->message);
  file = g_file_new_for_path (path);
  if (!troupe_document_load (document, file, &error))
    g_error ("bench-canvas: %s", error->message);
  g_unlink (path);
  g_rmdir (tmpdir);

  /* Changes are drawn by the next frame, as a drag draws them. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  bench.document = document;
  bench.workflow = troupe_document_get_workflow (document);
  bench.n_steps = n_steps;
  bench.frames = frames;
  bench.canvas = troupe_canvas_new ();
  bench.window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (bench.window), WIDTH, HEIGHT);
  gtk_window_set_child (GTK_WINDOW (bench.window), bench.canvas);
  troupe_canvas_set_document (TROUPE_CANVAS (bench.canvas), document);
  gtk_window_present (GTK_WINDOW (bench.window));
  settle (bench.canvas, 500);
  bench.renderer = gtk_native_get_renderer (GTK_NATIVE (bench.window));
  view = troupe_canvas_get_view (TROUPE_CANVAS (bench.canvas));

  troupe_canvas_workflow_bounds (bench.workflow, &bounds);
  g_printerr ("bench-canvas: %u steps, graph %.0f x %.0f, canvas %d x %d, renderer %s\n",
              n_steps, bounds.size.width, bounds.size.height,
              gtk_widget_get_width (bench.canvas), gtk_widget_get_height (bench.canvas),
              G_OBJECT_TYPE_NAME (bench.renderer));

  troupe_canvas_zoom_to_fit (TROUPE_CANVAS (bench.canvas));
  g_printerr ("bench-canvas: fit: zoom %.3f\n", troupe_canvas_view_get_zoom (view));
  measure_view (&bench, "fit");

  troupe_canvas_view_set_zoom (view, 1.0);
  troupe_canvas_view_set_offset (view,
                                 WIDTH / 2.0 - (bounds.origin.x + bounds.size.width / 2),
                                 HEIGHT / 2.0 - (bounds.origin.y + bounds.size.height / 2));
  measure_view (&bench, "100");

  gtk_window_destroy (GTK_WINDOW (bench.window));
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  const char *mode = argc > 1 ? argv[1] : "";
  gboolean layout = FALSE;
  guint n_steps, frames = DEFAULT_FRAMES;

  /* The renderer the tests and the benchmark figures use; GL under Xvfb
   * would be llvmpipe, whose figures mean nothing. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GDK_DEBUG", "gl-disable", FALSE);
  /* No accessibility bus to look for, as in the tests. */
  g_setenv ("GTK_A11Y", "none", FALSE);
  g_setenv ("NO_AT_BRIDGE", "1", FALSE);

  if (g_str_equal (mode, "quick"))
    {
      n_steps = 1000;
      frames = 50;
    }
  else if (g_str_equal (mode, "run") && argc > 2)
    {
      n_steps = (guint) g_ascii_strtoull (argv[2], NULL, 10);
      if (argc > 3)
        frames = (guint) g_ascii_strtoull (argv[3], NULL, 10);
      layout = argc > 4 && g_str_equal (argv[4], "--layout");
      if (n_steps == 0 || frames < 50)
        {
          g_printerr ("bench-canvas: STEPS must be positive and FRAMES at least 50\n");
          return 2;
        }
    }
  else
    {
      g_printerr ("Usage: bench-canvas run STEPS [FRAMES [--layout]]\n"
                  "       bench-canvas quick\n");
      return 2;
    }

  if (!gtk_init_check ())
    {
      /* 77: skipped, for `meson test --benchmark` on a machine with no
       * display. */
      g_printerr ("bench-canvas: no display; run it under xvfb-run -a\n");
      return 77;
    }
  adw_init ();

  return run (n_steps, frames, layout);
}
