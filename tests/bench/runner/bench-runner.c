/* bench-runner.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

/* nftw() and posix_spawn_file_actions_addchdir_np(). */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "troupe-diagnostic.h"
#include "troupe-enums.h"
#include "troupe-run-record.h"
#include "troupe-run.h"
#include "troupe-step.h"
#include "troupe-validator.h"
#include "troupe-workflow-io.h"
#include "troupe-workflow.h"

/* The runner's benchmarks (issue 3): how close parallel runs of sleeping
 * steps come to the ideal, and what running ten thousand trivial steps
 * costs next to ninja doing the same scheduling work, in time and memory.
 * run-bench-runner.sh builds this in a release build and runs
 *
 *   bench-runner all WORKDIR TROUPE-CLI [--reps N] [--steps N]
 *
 * which generates every input into WORKDIR, measures, prints one
 * "RESULT key value" line per figure into WORKDIR/results.txt and the
 * tables on standard output. README.md says what each figure means. */

#define DEFAULT_REPS   3
#define DEFAULT_STEPS  10000
#define SEED           20240601

/* The speedup and DAG benchmarks. */
#define SLEEP_STEPS    200
#define SLEEP_ARG      "0.05"
#define SLEEP_PARALLEL 8
#define DAG_LAYERS     10
#define DAG_WIDTH      20

/* The overhead benchmark's layered DAG: STEPS / DAG_OVERHEAD_WIDTH layers. */
#define DAG_OVERHEAD_WIDTH 100

/* Targets, from the issue. */
#define TARGET_SPEEDUP      7.0
#define TARGET_EFFICIENCY   0.90
#define TARGET_NINJA_RATIO  1.3
#define TARGET_KIB_PER_STEP 2.0

typedef enum
{
  SHAPE_INDEPENDENT,
  SHAPE_CHAIN,
  SHAPE_LAYERED,
  N_SHAPES
} Shape;

static const char * const shape_names[N_SHAPES] = { "independent", "chain", "layered DAG" };
static const char * const shape_dirs[N_SHAPES] = { "independent", "chain", "layered" };
static const guint parallel_levels[] = { 2, 8 };

static char *results_path;
static gboolean target_missed;

/* Helpers */

static G_GNUC_NORETURN G_GNUC_PRINTF (1, 2) void
die (const char *format,
     ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "bench-runner: %s\n", message);
  exit (1);
}

static G_GNUC_PRINTF (1, 2) void
progress (const char *format,
          ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "  %s\n", message);
}

static G_GNUC_PRINTF (1, 2) void
result (const char *format,
        ...)
{
  g_autofree char *line = NULL;
  FILE *file;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  file = fopen (results_path, "a");
  if (file == NULL)
    die ("cannot append to %s: %s", results_path, g_strerror (errno));
  fprintf (file, "RESULT %s\n", line);
  fclose (file);
}

/* The median of an even count is the mean of the middle two. @samples
 * keeps its order: the step durations are in file order. */
static double
median_of (GArray *samples)
{
  guint n = samples->len;
  g_autofree double *values = g_memdup2 (samples->data, n * sizeof (double));

  g_assert (n > 0);

  for (guint i = 1; i < n; i++)
    {
      double v = values[i];
      guint j = i;

      for (; j > 0 && values[j - 1] > v; j--)
        values[j] = values[j - 1];
      values[j] = v;
    }

  if (n % 2 == 1)
    return values[n / 2];
  return (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

static double
min_of (GArray *samples)
{
  double lowest = G_MAXDOUBLE;

  for (guint i = 0; i < samples->len; i++)
    lowest = MIN (lowest, g_array_index (samples, double, i));
  return lowest;
}

static double
max_of (GArray *samples)
{
  double highest = -G_MAXDOUBLE;

  for (guint i = 0; i < samples->len; i++)
    highest = MAX (highest, g_array_index (samples, double, i));
  return highest;
}

static GArray *
samples_new (void)
{
  return g_array_new (FALSE, FALSE, sizeof (double));
}

static void
samples_add (GArray *samples,
             double  value)
{
  g_array_append_val (samples, value);
}

/* "1.234 s (1.201–1.302)": the median and the spread of the repetitions. */
static char *
format_seconds (GArray *samples)
{
  double median = median_of (samples);

  if (samples->len == 1)
    return g_strdup_printf ("%.3f s", median);
  return g_strdup_printf ("%.3f s (%.3f–%.3f)", median, min_of (samples), max_of (samples));
}

static const char *
verdict (gboolean met)
{
  if (!met)
    target_missed = TRUE;
  return met ? "met" : "**missed**";
}

static int
remove_entry_cb (const char        *path,
                 const struct stat *st,
                 int                type,
                 struct FTW        *ftw)
{
  if (remove (path) != 0 && errno != ENOENT)
    fprintf (stderr, "bench-runner: cannot remove %s: %s\n", path, g_strerror (errno));
  return 0;
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    nftw (path, remove_entry_cb, 64, FTW_DEPTH | FTW_PHYS);
}

static guint64 tree_bytes;
static guint64 tree_files;

static int
count_entry_cb (const char        *path,
                const struct stat *st,
                int                type,
                struct FTW        *ftw)
{
  /* Blocks, not sizes: what the records really take on the disk. */
  tree_bytes += (guint64) st->st_blocks * 512;
  if (type == FTW_F)
    tree_files++;
  return 0;
}

static void
measure_tree (const char *path,
              guint64    *bytes,
              guint64    *files)
{
  tree_bytes = 0;
  tree_files = 0;
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    nftw (path, count_entry_cb, 64, FTW_PHYS);
  *bytes = tree_bytes;
  *files = tree_files;
}

static guint
count_subdirs (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint n = 0;

  if (dir == NULL)
    return 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        n++;
    }
  return n;
}

static char *
capture_line (const char *command_line)
{
  g_autofree char *out = NULL;

  if (!g_spawn_command_line_sync (command_line, &out, NULL, NULL, NULL) || out == NULL)
    return g_strdup ("?");
  return g_strdup (g_strstrip (out));
}

/* Processes */

typedef struct
{
  double wall_s;
  double cpu_s;       /* user + system, the process's and its waited-for children's */
  double own_cpu_s;   /* user + system of the process alone */
  glong  maxrss_kib;  /* the process's own peak resident set */
} Sample;

/* User + system time of @pid alone, not of its children, from
 * /proc/PID/stat (fields 14 and 15); @pid must not be reaped yet. */
static double
own_cpu_time (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  /* The name, field 2, is in parentheses and may hold spaces. */
  after_name = strrchr (text, ')');
  if (after_name == NULL)
    return -1;
  fields = g_strsplit (after_name + 2, " ", -1);
  /* fields[0] is field 3 (the state): utime is fields[11], stime fields[12]. */
  if (g_strv_length (fields) < 13)
    return -1;

  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) /
         sysconf (_SC_CLK_TCK);
}

/* Runs @argv in @cwd and waits for it with wait4(), so that the wall time
 * covers the whole process, from the spawn to its exit, as ninja's does,
 * and the resource usage is the child's alone. Its standard output goes
 * nowhere; its standard error to @stderr_path, shown when it fails. */
static void
run_process (const char * const *argv,
             const char         *cwd,
             const char         *stderr_path,
             Sample             *sample)
{
  posix_spawn_file_actions_t actions;
  siginfo_t info;
  struct rusage usage;
  struct timespec start, end;
  pid_t pid;
  int status = 0;
  int err;

  posix_spawn_file_actions_init (&actions);
  posix_spawn_file_actions_addchdir_np (&actions, cwd);
  posix_spawn_file_actions_addopen (&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen (&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen (&actions, STDERR_FILENO, stderr_path,
                                    O_WRONLY | O_CREAT | O_TRUNC, 0644);

  clock_gettime (CLOCK_MONOTONIC, &start);
  err = posix_spawnp (&pid, argv[0], &actions, NULL, (char * const *) argv, environ);
  posix_spawn_file_actions_destroy (&actions);
  if (err != 0)
    die ("cannot start %s: %s", argv[0], g_strerror (err));

  /* GLib's SIGCHLD handler (the in-process runs installed it) can
   * interrupt the waits; it only ever reaps the pids it watches. The
   * first wait leaves the child a zombie, whose own CPU time can still
   * be read; the second reaps it with its resource usage. */
  while (waitid (P_PID, pid, &info, WEXITED | WNOWAIT) < 0)
    if (errno != EINTR)
      die ("cannot wait for %s: %s", argv[0], g_strerror (errno));
  clock_gettime (CLOCK_MONOTONIC, &end);
  sample->own_cpu_s = own_cpu_time (pid);
  while (wait4 (pid, &status, 0, &usage) < 0)
    if (errno != EINTR)
      die ("cannot wait for %s: %s", argv[0], g_strerror (errno));

  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_autofree char *command = g_strjoinv (" ", (char **) argv);
      g_autofree char *errors = NULL;

      g_file_get_contents (stderr_path, &errors, NULL, NULL);
      die ("'%s' in %s failed (wait status %d):\n%s", command, cwd, status, errors ? errors : "");
    }

  sample->wall_s = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
  sample->cpu_s = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
                  usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  sample->maxrss_kib = usage.ru_maxrss;
}

/* Inputs */

static char *
step_id (guint index)
{
  return g_strdup_printf ("s%05u", index);
}

/* @n_layers × @width steps running @argv: no edges, a chain, or layers in
 * which every step needs two or three distinct steps of the layer above,
 * drawn from a generator with a fixed seed so every run builds the same
 * graph. */
static TroupeWorkflow *
build_workflow (const char         *name,
                Shape               shape,
                guint               n_layers,
                guint               width,
                const char * const *argv)
{
  g_autoptr(TroupeWorkflow) workflow = troupe_workflow_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED);
  g_autoptr(GPtrArray) diagnostics = NULL;
  guint n = n_layers * width;

  troupe_workflow_set_name (workflow, name);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = step_id (i);
      g_autoptr(TroupeStep) step = troupe_step_new (id, TROUPE_STEP_KIND_COMMAND);
      g_autoptr(GPtrArray) needs = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GError) error = NULL;

      troupe_step_set_command (step, argv);

      if (shape == SHAPE_CHAIN && i > 0)
        g_ptr_array_add (needs, step_id (i - 1));
      else if (shape == SHAPE_LAYERED && i >= width)
        {
          guint first = (i / width - 1) * width;
          guint n_needs = (guint) g_rand_int_range (rand, 2, 4);
          guint picked[3];
          guint n_picked = 0;

          while (n_picked < n_needs)
            {
              guint candidate = first + (guint) g_rand_int_range (rand, 0, (gint32) width);
              gboolean taken = FALSE;

              for (guint k = 0; k < n_picked; k++)
                taken |= picked[k] == candidate;
              if (!taken)
                picked[n_picked++] = candidate;
            }
          for (guint k = 0; k < n_picked; k++)
            g_ptr_array_add (needs, step_id (picked[k]));
        }

      if (needs->len > 0)
        {
          g_ptr_array_add (needs, NULL);
          troupe_step_set_needs (step, (const char * const *) needs->pdata);
        }

      if (!troupe_workflow_add_step (workflow, step, &error))
        die ("cannot add step %s: %s", id, error->message);
    }

  /* A benchmark of a workflow that does not validate would measure the
   * error path. */
  diagnostics = troupe_workflow_validate (workflow);
  for (guint i = 0; i < diagnostics->len; i++)
    {
      TroupeDiagnostic *diagnostic = g_ptr_array_index (diagnostics, i);

      if (diagnostic->severity == TROUPE_SEVERITY_ERROR)
        {
          g_autofree char *text = troupe_diagnostic_to_string (diagnostic);

          die ("the generated workflow '%s' does not validate: %s", name, text);
        }
    }

  return g_steal_pointer (&workflow);
}

/* The same graph for ninja: one edge per step running the same command,
 * the step's needs as order-only inputs. The outputs are never written,
 * so every edge is dirty and runs, in dependency order, exactly once. */
static void
write_build_ninja (TroupeWorkflow *workflow,
                   const char     *path)
{
  g_autoptr(GString) text = g_string_new ("# Generated by bench-runner: one edge per troupe step.\n"
                                          "rule step\n"
                                          "  command = true\n"
                                          "\n");
  g_autoptr(GError) error = NULL;
  GPtrArray *steps = troupe_workflow_get_steps (workflow);

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      const char * const *needs = troupe_step_get_needs (step);

      g_string_append_printf (text, "build %s: step", troupe_step_get_id (step));
      if (needs != NULL && needs[0] != NULL)
        {
          g_string_append (text, " ||");
          for (guint j = 0; needs[j] != NULL; j++)
            g_string_append_printf (text, " %s", needs[j]);
        }
      g_string_append_c (text, '\n');
    }

  if (!g_file_set_contents (path, text->str, text->len, &error))
    die ("%s", error->message);
}

/* Writes @workflow as DIR/flow.yaml (and DIR/build.ninja when asked),
 * with DIR emptied first, and returns the YAML file's path. */
static char *
write_inputs (TroupeWorkflow *workflow,
              const char     *dir,
              gboolean        with_ninja)
{
  g_autofree char *yaml = g_build_filename (dir, "flow.yaml", NULL);
  g_autoptr(GError) error = NULL;

  remove_tree (dir);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    die ("cannot create %s: %s", dir, g_strerror (errno));
  if (!troupe_workflow_save_to_file (workflow, yaml, TROUPE_FILE_FORMAT_YAML, &error))
    die ("%s", error->message);
  if (with_ninja)
    {
      g_autofree char *ninja = g_build_filename (dir, "build.ninja", NULL);

      write_build_ninja (workflow, ninja);
    }

  return g_steal_pointer (&yaml);
}

/* In-process runs */

typedef struct
{
  GMainLoop *loop;
  gint64     finished_us;
} Waiter;

static void
finished_cb (TroupeRun *run,
             gpointer   user_data)
{
  Waiter *waiter = user_data;

  waiter->finished_us = g_get_monotonic_time ();
  g_main_loop_quit (waiter->loop);
}

/* Loads @path, runs it at @max_parallel and returns the wall time from
 * troupe_run_start() to "finished", in seconds; @durations receives each
 * step's duration in seconds, in file order. troupe_run_new() (checking the
 * workflow, creating the run's record) happens before the clock starts. */
static double
run_in_process (const char *path,
                guint       max_parallel,
                GArray     *durations)
{
  g_autoptr(TroupeDiagnostic) syntax_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeWorkflow) workflow = troupe_workflow_new_from_file (path, &syntax_error, &error);
  g_autoptr(TroupeRunOptions) options = troupe_run_options_new ();
  g_autoptr(TroupeRun) run = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Waiter waiter = { loop, 0 };
  TroupeRunRecord *record;
  GPtrArray *steps;
  gint64 started_us;

  if (workflow == NULL)
    {
      g_autofree char *text = syntax_error ? troupe_diagnostic_to_string (syntax_error) : NULL;

      die ("cannot load %s: %s", path, text ? text : error ? error->message : "?");
    }

  options->max_parallel = max_parallel;
  options->has_seed = TRUE;
  options->seed = SEED;

  run = troupe_run_new (workflow, options, &error);
  if (run == NULL)
    die ("cannot run %s: %s", path, error->message);
  g_signal_connect (run, "finished", G_CALLBACK (finished_cb), &waiter);

  started_us = g_get_monotonic_time ();
  troupe_run_start (run);
  if (!troupe_run_is_finished (run))
    g_main_loop_run (loop);

  if (troupe_run_get_status (run) != TROUPE_RUN_STATUS_SUCCEEDED)
    die ("the run of %s did not succeed (%s): see %s",
         path, troupe_enum_to_nick (TROUPE_TYPE_RUN_STATUS, troupe_run_get_status (run)),
         troupe_run_get_id (run));

  record = troupe_run_get_record (run);
  steps = troupe_workflow_get_steps (workflow);
  g_array_set_size (durations, 0);
  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStepRecord *rec = troupe_run_record_lookup (record, troupe_step_get_id (g_ptr_array_index (steps, i)));

      g_assert (rec != NULL);
      samples_add (durations, rec->duration_us / 1e6);
    }

  return (waiter.finished_us - started_us) / 1e6;
}

/* The longest chain of @durations (seconds, file order) through the
 * graph; with @durations NULL, every step counts 1. */
static double
critical_path (TroupeWorkflow *workflow,
               GArray         *durations)
{
  GPtrArray *steps = troupe_workflow_get_steps (workflow);
  g_autofree double *finish = g_new0 (double, steps->len);
  double longest = 0;

  /* The generator adds every step after the steps it needs, so file
   * order is a topological order. */
  for (guint i = 0; i < steps->len; i++)
    {
      const char * const *needs = troupe_step_get_needs (g_ptr_array_index (steps, i));
      double start = 0;

      for (guint j = 0; needs != NULL && needs[j] != NULL; j++)
        {
          int k = troupe_workflow_get_step_index (workflow, needs[j]);

          g_assert (k >= 0 && (guint) k < i);
          start = MAX (start, finish[k]);
        }
      finish[i] = start + (durations ? g_array_index (durations, double, i) : 1.0);
      longest = MAX (longest, finish[i]);
    }

  return longest;
}

static double
sum_of (GArray *samples)
{
  double sum = 0;

  for (guint i = 0; i < samples->len; i++)
    sum += g_array_index (samples, double, i);
  return sum;
}

/* 1. Speedup */

typedef struct
{
  GString *report;
  char    *work;
  char    *troupe;
  char    *baseline; /* --baseline: another troupe, measured alongside */
  guint    reps;
  guint    steps;
  double   step_s;   /* one sleep step, alone: set by the speedup benchmark */
} Bench;

static void
bench_speedup (Bench *bench)
{
  const char * const argv[] = { "sleep", SLEEP_ARG, NULL };
  g_autofree char *dir = g_build_filename (bench->work, "speedup", NULL);
  g_autoptr(TroupeWorkflow) workflow = build_workflow ("speedup", SHAPE_INDEPENDENT, 1, SLEEP_STEPS, argv);
  g_autofree char *path = write_inputs (workflow, dir, FALSE);
  g_autoptr(GArray) durations = samples_new ();
  g_autoptr(GArray) walls = samples_new ();
  g_autoptr(GArray) own = samples_new ();
  g_autoptr(GArray) step_medians = samples_new ();
  g_autofree char *walls_text = NULL;
  double serial_wall, serial_sum, speedup, speedup_j1, median_wall;

  fprintf (stderr, "1. Speedup: %u independent steps of 'sleep %s'\n", SLEEP_STEPS, SLEEP_ARG);

  /* The serial reference, once: every step alone, back to back. */
  serial_wall = run_in_process (path, 1, durations);
  bench->step_s = median_of (durations);
  serial_sum = SLEEP_STEPS * bench->step_s;
  progress ("-j1: %.3f s; one step takes %.4f s (median of the %u step durations)",
            serial_wall, bench->step_s, SLEEP_STEPS);

  for (guint rep = 0; rep < bench->reps; rep++)
    {
      double wall = run_in_process (path, SLEEP_PARALLEL, durations);

      samples_add (walls, wall);
      /* The runner's own figure: the sum of step times over the wall. */
      samples_add (own, sum_of (durations) / wall);
      samples_add (step_medians, median_of (durations));
      progress ("-j%u rep %u/%u: %.3f s", SLEEP_PARALLEL, rep + 1, bench->reps, wall);
    }

  median_wall = median_of (walls);
  speedup = serial_sum / median_wall;
  speedup_j1 = serial_wall / median_wall;
  walls_text = format_seconds (walls);

  result ("speedup.step_s %.5f", bench->step_s);
  result ("speedup.serial_j1_s %.4f", serial_wall);
  result ("speedup.serial_sum_s %.4f", serial_sum);
  result ("speedup.wall_j%u_s %.4f", SLEEP_PARALLEL, median_wall);
  result ("speedup.vs_serial_sum %.3f", speedup);
  result ("speedup.vs_j1 %.3f", speedup_j1);
  result ("speedup.runner_metric %.3f", median_of (own));

  g_string_append_printf (bench->report,
    "### 1. Speedup: %u independent steps of `sleep %s`, -j%u\n\n"
    "Timed in-process, from `troupe_run_start()` to \"finished\".\n\n"
    "| Figure | Value |\n"
    "|---|---|\n"
    "| One step, alone (median step duration in the -j1 run) | %.4f s |\n"
    "| Serial sum: %u × one step | %.3f s |\n"
    "| Serial run, -j1 (once) | %.3f s |\n"
    "| Parallel run, -j%u (median, min–max of %u) | %s |\n"
    "| **Speedup vs the serial sum** (target ≥ %.0f×) | **%.2f×** — %s |\n"
    "| Speedup vs the -j1 run | %.2f× |\n"
    "| The runner's own metric (Σ step times / wall, median) | %.2f× |\n"
    "| One step during the -j%u runs (median step duration) | %.4f s |\n\n",
    SLEEP_STEPS, SLEEP_ARG, SLEEP_PARALLEL,
    bench->step_s,
    SLEEP_STEPS, serial_sum,
    serial_wall,
    SLEEP_PARALLEL, bench->reps, walls_text,
    TARGET_SPEEDUP, speedup, verdict (speedup >= TARGET_SPEEDUP),
    speedup_j1,
    median_of (own),
    SLEEP_PARALLEL, median_of (step_medians));
}

/* 2. Layered DAG */

static void
bench_dag (Bench *bench)
{
  const char * const argv[] = { "sleep", SLEEP_ARG, NULL };
  g_autofree char *dir = g_build_filename (bench->work, "dag", NULL);
  g_autoptr(TroupeWorkflow) workflow = build_workflow ("dag", SHAPE_LAYERED, DAG_LAYERS, DAG_WIDTH, argv);
  g_autofree char *path = write_inputs (workflow, dir, FALSE);
  g_autoptr(TroupeRunOptions) options = troupe_run_options_new ();
  g_autoptr(JsonObject) simulated = NULL;
  g_autoptr(GArray) durations = samples_new ();
  g_autoptr(GArray) walls = samples_new ();
  g_autoptr(GArray) actual = samples_new ();
  g_autoptr(GArray) step_medians = samples_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *walls_text = NULL;
  guint n = DAG_LAYERS * DAG_WIDTH;
  guint n_edges = 0;
  double depth = critical_path (workflow, NULL);
  double cp, work, bound, median_wall, efficiency, sim_wall;

  for (guint i = 0; i < n; i++)
    {
      const char * const *needs = troupe_step_get_needs (g_ptr_array_index (troupe_workflow_get_steps (workflow), i));

      n_edges += needs ? g_strv_length ((char **) needs) : 0;
    }

  fprintf (stderr, "2. Layered DAG: %u layers × %u steps of 'sleep %s', %u edges\n",
              DAG_LAYERS, DAG_WIDTH, SLEEP_ARG, n_edges);

  /* The bound with every step lasting what one step takes alone. */
  cp = depth * bench->step_s;
  work = n * bench->step_s;
  bound = MAX (cp, work / SLEEP_PARALLEL);

  for (guint rep = 0; rep < bench->reps; rep++)
    {
      double wall = run_in_process (path, SLEEP_PARALLEL, durations);
      double run_bound = MAX (critical_path (workflow, durations), sum_of (durations) / SLEEP_PARALLEL);

      samples_add (walls, wall);
      samples_add (actual, run_bound / wall);
      samples_add (step_medians, median_of (durations));
      progress ("-j%u rep %u/%u: %.3f s (bound with this run's step durations: %.3f s)",
                SLEEP_PARALLEL, rep + 1, bench->reps, wall, run_bound);
    }

  median_wall = median_of (walls);
  efficiency = bound / median_wall;
  walls_text = format_seconds (walls);

  /* What the runner's own schedule would reach with no overhead at all:
   * separates the order it picks from the cost of starting steps. */
  options->max_parallel = SLEEP_PARALLEL;
  simulated = troupe_run_simulate (workflow, options, (gint64) (bench->step_s * 1000 + 0.5), &error);
  if (simulated == NULL)
    die ("cannot simulate %s: %s", path, error->message);
  sim_wall = json_object_get_int_member (simulated, "wall_ms") / 1000.0;

  result ("dag.critical_path_s %.4f", cp);
  result ("dag.work_over_p_s %.4f", work / SLEEP_PARALLEL);
  result ("dag.bound_s %.4f", bound);
  result ("dag.wall_s %.4f", median_wall);
  result ("dag.efficiency %.4f", efficiency);
  result ("dag.efficiency_actual %.4f", median_of (actual));
  result ("dag.simulated_wall_s %.4f", sim_wall);

  g_string_append_printf (bench->report,
    "### 2. Layered DAG: %u layers × %u steps of `sleep %s` (%u edges, seed %u), -j%u\n\n"
    "Timed in-process, from `troupe_run_start()` to \"finished\"; one step = %.4f s (from 1.).\n\n"
    "| Figure | Value |\n"
    "|---|---|\n"
    "| Critical path: %.0f steps × one step | %.3f s |\n"
    "| Total work / %u: %u × one step / %u | %.3f s |\n"
    "| Bound = max of the two | %.3f s |\n"
    "| Wall, -j%u (median, min–max of %u) | %s |\n"
    "| **Efficiency = bound / wall** (target ≥ %.0f %%) | **%.1f %%** — %s |\n"
    "| Efficiency against each run's own step durations (median) | %.1f %% |\n"
    "| One step during these runs (median step duration) | %.4f s |\n"
    "| The runner's simulated schedule (`troupe_run_simulate`, no overhead) | %.3f s = %.1f %% of the bound |\n\n",
    DAG_LAYERS, DAG_WIDTH, SLEEP_ARG, n_edges, SEED, SLEEP_PARALLEL,
    bench->step_s,
    depth, cp,
    SLEEP_PARALLEL, n, SLEEP_PARALLEL, work / SLEEP_PARALLEL,
    bound,
    SLEEP_PARALLEL, bench->reps, walls_text,
    TARGET_EFFICIENCY * 100, efficiency * 100, verdict (efficiency >= TARGET_EFFICIENCY),
    median_of (actual) * 100,
    median_of (step_medians),
    sim_wall, sim_wall > 0 ? bound / sim_wall * 100 : 0);
}

/* 3. Overhead */

typedef struct
{
  GArray *wall;
  GArray *cpu;
  GArray *own_cpu;
  GArray *rss;
} Series;

static void
series_init (Series *series)
{
  series->wall = samples_new ();
  series->cpu = samples_new ();
  series->own_cpu = samples_new ();
  series->rss = samples_new ();
}

static void
series_add (Series       *series,
            const Sample *sample)
{
  samples_add (series->wall, sample->wall_s);
  samples_add (series->cpu, sample->cpu_s);
  samples_add (series->own_cpu, sample->own_cpu_s);
  samples_add (series->rss, sample->maxrss_kib);
}

static void
series_clear (Series *series)
{
  g_clear_pointer (&series->wall, g_array_unref);
  g_clear_pointer (&series->cpu, g_array_unref);
  g_clear_pointer (&series->own_cpu, g_array_unref);
  g_clear_pointer (&series->rss, g_array_unref);
}

static void
reset_ninja (const char *dir)
{
  const char * const names[] = { ".ninja_log", ".ninja_deps" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);

      if (g_unlink (path) != 0 && errno != ENOENT)
        die ("cannot remove %s: %s", path, g_strerror (errno));
    }
}

/* ninja logs every command it ran: a check that it did all the work. */
static void
check_ninja_ran (const char *dir,
                 guint       n)
{
  g_autofree char *path = g_build_filename (dir, ".ninja_log", NULL);
  g_autofree char *text = NULL;
  guint lines = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    die ("ninja wrote no %s", path);
  for (const char *p = text; *p != '\0'; p++)
    lines += *p == '\n';
  /* One header line, then one line per command. */
  if (lines != n + 1)
    die ("ninja ran %u commands in %s, not %u", lines - 1, dir, n);
}

static void
run_troupe_binary (const char *troupe,
                   const char *dir,
                   guint       max_parallel,
                   Sample     *sample)
{
  g_autofree char *jobs = g_strdup_printf ("%u", max_parallel);
  g_autofree char *errors = g_build_filename (dir, "troupe.stderr", NULL);
  const char * const argv[] = { troupe, "run", "flow.yaml", "--max-parallel", jobs, NULL };

  run_process (argv, dir, errors, sample);
}

static void
run_troupe (Bench      *bench,
            const char *dir,
            guint       max_parallel,
            Sample     *sample)
{
  run_troupe_binary (bench->troupe, dir, max_parallel, sample);
}

static void
run_ninja (const char *dir,
           guint       max_parallel,
           guint       n,
           Sample     *sample)
{
  g_autofree char *jobs = g_strdup_printf ("-j%u", max_parallel);
  g_autofree char *errors = g_build_filename (dir, "ninja.stderr", NULL);
  const char * const argv[] = { "ninja", jobs, NULL };

  reset_ninja (dir);
  run_process (argv, dir, errors, sample);
  check_ninja_ran (dir, n);
}

static void
bench_overhead (Bench *bench)
{
  const char * const argv[] = { "true", NULL };
  g_autofree char *warmup_dir = g_build_filename (bench->work, "warmup", NULL);
  g_autoptr(GString) table = g_string_new (NULL);
  g_autoptr(GString) cpu_table = g_string_new (NULL);
  g_autoptr(GString) memory = g_string_new (NULL);
  g_autoptr(GString) baseline_table = g_string_new (NULL);
  char *dirs[N_SHAPES] = { NULL, };
  /* The baseline runs in a workspace of its own, so that the size of the
   * run records is each binary's. */
  char *baseline_dirs[N_SHAPES] = { NULL, };
  guint n = bench->steps;
  guint width = DAG_OVERHEAD_WIDTH;
  double worst_ratio = 0, worst_kib = 0;
  Sample sample;

  if (n % width != 0)
    die ("--steps must be a multiple of %u", width);

  fprintf (stderr, "3. Overhead: %u steps of 'true' as troupe workflows and build.ninja files\n", n);

  for (guint s = 0; s < N_SHAPES; s++)
    {
      g_autoptr(TroupeWorkflow) workflow = NULL;
      g_autofree char *name = g_strdup_printf ("overhead-%s", shape_dirs[s]);

      dirs[s] = g_build_filename (bench->work, name, NULL);
      workflow = build_workflow (name, s, s == SHAPE_LAYERED ? n / width : 1,
                                 s == SHAPE_LAYERED ? width : n, argv);
      g_free (write_inputs (workflow, dirs[s], TRUE));
      if (bench->baseline != NULL)
        {
          g_autofree char *baseline_name = g_strdup_printf ("%s-baseline", name);

          baseline_dirs[s] = g_build_filename (bench->work, baseline_name, NULL);
          g_free (write_inputs (workflow, baseline_dirs[s], FALSE));
        }
    }

  /* One untimed pair first: the binaries, the libraries and the inputs
   * are in the page cache for both. */
  {
    g_autoptr(TroupeWorkflow) workflow = build_workflow ("warmup", SHAPE_INDEPENDENT, 1, MIN (n, 1000), argv);

    g_free (write_inputs (workflow, warmup_dir, TRUE));
    run_troupe (bench, warmup_dir, 8, &sample);
    run_ninja (warmup_dir, 8, MIN (n, 1000), &sample);
    progress ("warm-up done (%u steps each)", MIN (n, 1000));
  }

  g_string_append_printf (table,
    "### 3. Overhead: %u steps of `true`, troupe next to ninja\n\n"
    "Wall clock of the whole process, from the spawn to its exit, for both: "
    "`troupe run flow.yaml --max-parallel N` (output to /dev/null) and `ninja -jN` "
    "(fresh each time: no .ninja_log or .ninja_deps, no outputs; every troupe run makes a new run record). "
    "Medians (min–max) of %u repetitions, troupe and ninja alternating.\n\n"
    "| Shape | -j | troupe wall | ninja wall | **wall ratio** (target ≤ %.1f) |\n"
    "|---|---|---|---|---|\n",
    n, bench->reps, TARGET_NINJA_RATIO);

  g_string_append_printf (cpu_table,
    "CPU time of the same runs (medians): *total* = user + system of the process and of the children "
    "it waited for (the steps: `true` for troupe, `/bin/sh -c true` for ninja); *own* = the "
    "process alone (/proc/PID/stat of the exited process before it is reaped), which is the "
    "scheduler's overhead.\n\n"
    "| Shape | -j | troupe total | ninja total | total ratio | troupe own | ninja own | own per step, troupe / ninja |\n"
    "|---|---|---|---|---|---|---|---|\n");

  if (bench->baseline != NULL)
    g_string_append_printf (baseline_table,
      "Against the baseline troupe (`--baseline %s`), measured in the same repetitions, "
      "in turn with troupe and ninja (medians):\n\n"
      "| Shape | -j | baseline wall | baseline / ninja | troupe / ninja | baseline own per step | troupe own per step |\n"
      "|---|---|---|---|---|---|---|\n",
      bench->baseline);

  g_string_append_printf (memory,
    "### 4. Memory: peak RSS of `troupe run` over %u steps\n\n"
    "Peak = `ru_maxrss` of the `troupe run` process (from wait4), median of the repetitions. "
    "Baseline = `ru_maxrss` of `troupe validate flow.yaml` (the same binary loading, building and "
    "validating the same workflow, then exiting), median of %u. Per step = (peak − baseline) / %u. "
    "The logs are files, not memory: the run record's size on the disk is the last column.\n\n"
    "| Shape | -j | baseline | peak | **per step** (target < %.0f KiB) | run record on disk per step |\n"
    "|---|---|---|---|---|---|\n",
    n, bench->reps, n, TARGET_KIB_PER_STEP);

  for (guint s = 0; s < N_SHAPES; s++)
    {
      g_autoptr(GArray) baseline = samples_new ();
      g_autofree char *runs_dir = g_build_filename (dirs[s], ".troupe", "runs", NULL);
      double base_kib;

      for (guint rep = 0; rep < bench->reps; rep++)
        {
          const char * const validate[] = { bench->troupe, "validate", "flow.yaml", NULL };
          g_autofree char *errors = g_build_filename (dirs[s], "validate.stderr", NULL);

          run_process (validate, dirs[s], errors, &sample);
          samples_add (baseline, sample.maxrss_kib);
        }
      base_kib = median_of (baseline);
      progress ("%s: baseline (troupe validate) %.0f KiB", shape_names[s], base_kib);

      for (guint p = 0; p < G_N_ELEMENTS (parallel_levels); p++)
        {
          guint j = parallel_levels[p];
          g_autofree char *troupe_text = NULL;
          g_autofree char *ninja_text = NULL;
          Series ours, theirs, before;
          double ratio, peak_kib, per_step;
          guint64 bytes, files;
          guint n_runs;

          series_init (&ours);
          series_init (&theirs);
          series_init (&before);

          for (guint rep = 0; rep < bench->reps; rep++)
            {
              Sample a, b, c;

              run_troupe (bench, dirs[s], j, &a);
              run_ninja (dirs[s], j, n, &b);
              series_add (&ours, &a);
              series_add (&theirs, &b);
              progress ("%s -j%u rep %u/%u: troupe %.3f s (cpu %.2f s, own %.2f s, %ld KiB), "
                        "ninja %.3f s (cpu %.2f s, own %.2f s)",
                        shape_names[s], j, rep + 1, bench->reps,
                        a.wall_s, a.cpu_s, a.own_cpu_s, a.maxrss_kib,
                        b.wall_s, b.cpu_s, b.own_cpu_s);
              if (bench->baseline != NULL)
                {
                  run_troupe_binary (bench->baseline, baseline_dirs[s], j, &c);
                  series_add (&before, &c);
                  progress ("%s -j%u rep %u/%u: baseline %.3f s (own %.2f s)",
                            shape_names[s], j, rep + 1, bench->reps, c.wall_s, c.own_cpu_s);
                }
            }

          if (bench->baseline != NULL)
            {
              g_autofree char *before_text = format_seconds (before.wall);

              result ("overhead.%s.j%u.baseline_wall_s %.4f", shape_dirs[s], j, median_of (before.wall));
              result ("overhead.%s.j%u.baseline_own_cpu_s %.4f", shape_dirs[s], j, median_of (before.own_cpu));
              g_string_append_printf (baseline_table, "| %s | %u | %s | %.2f× | %.2f× | %.0f µs | %.0f µs |\n",
                                      shape_names[s], j, before_text,
                                      median_of (before.wall) / median_of (theirs.wall),
                                      median_of (ours.wall) / median_of (theirs.wall),
                                      median_of (before.own_cpu) / n * 1e6,
                                      median_of (ours.own_cpu) / n * 1e6);
            }

          ratio = median_of (ours.wall) / median_of (theirs.wall);
          peak_kib = median_of (ours.rss);
          per_step = (peak_kib - base_kib) / n;
          worst_ratio = MAX (worst_ratio, ratio);
          worst_kib = MAX (worst_kib, per_step);
          troupe_text = format_seconds (ours.wall);
          ninja_text = format_seconds (theirs.wall);

          result ("overhead.%s.j%u.troupe_wall_s %.4f", shape_dirs[s], j, median_of (ours.wall));
          result ("overhead.%s.j%u.ninja_wall_s %.4f", shape_dirs[s], j, median_of (theirs.wall));
          result ("overhead.%s.j%u.wall_ratio %.3f", shape_dirs[s], j, ratio);
          result ("overhead.%s.j%u.troupe_cpu_s %.4f", shape_dirs[s], j, median_of (ours.cpu));
          result ("overhead.%s.j%u.ninja_cpu_s %.4f", shape_dirs[s], j, median_of (theirs.cpu));
          result ("overhead.%s.j%u.troupe_own_cpu_s %.4f", shape_dirs[s], j, median_of (ours.own_cpu));
          result ("overhead.%s.j%u.ninja_own_cpu_s %.4f", shape_dirs[s], j, median_of (theirs.own_cpu));
          result ("memory.%s.baseline_kib %.0f", shape_dirs[s], base_kib);
          result ("memory.%s.j%u.peak_kib %.0f", shape_dirs[s], j, peak_kib);
          result ("memory.%s.j%u.kib_per_step %.3f", shape_dirs[s], j, per_step);

          g_string_append_printf (table, "| %s | %u | %s | %s | **%.2f×** — %s |\n",
                                  shape_names[s], j, troupe_text, ninja_text,
                                  ratio, verdict (ratio <= TARGET_NINJA_RATIO));
          g_string_append_printf (cpu_table, "| %s | %u | %.2f s | %.2f s | %.2f× | %.2f s | %.2f s | %.0f µs / %.0f µs |\n",
                                  shape_names[s], j,
                                  median_of (ours.cpu), median_of (theirs.cpu),
                                  median_of (ours.cpu) / median_of (theirs.cpu),
                                  median_of (ours.own_cpu), median_of (theirs.own_cpu),
                                  median_of (ours.own_cpu) / n * 1e6, median_of (theirs.own_cpu) / n * 1e6);
          g_string_append_printf (memory, "| %s | %u | %.0f KiB | %.0f KiB | **%.2f KiB** — %s | ",
                                  shape_names[s], j, base_kib, peak_kib,
                                  per_step, verdict (per_step < TARGET_KIB_PER_STEP));

          /* Every repetition of this shape so far left a record of the
           * same size: the average over them. */
          measure_tree (runs_dir, &bytes, &files);
          n_runs = count_subdirs (runs_dir);
          if (n_runs > 0)
            g_string_append_printf (memory, "%.2f KiB in %.1f files |\n",
                                    bytes / 1024.0 / n_runs / n, (double) files / n_runs / n);
          else
            g_string_append (memory, "? |\n");

          series_clear (&ours);
          series_clear (&theirs);
          series_clear (&before);
        }
    }

  result ("overhead.worst_wall_ratio %.3f", worst_ratio);
  result ("memory.worst_kib_per_step %.3f", worst_kib);

  g_string_append_c (table, '\n');
  g_string_append_c (cpu_table, '\n');
  g_string_append_c (memory, '\n');
  g_string_append (bench->report, table->str);
  g_string_append (bench->report, cpu_table->str);
  if (bench->baseline != NULL)
    {
      g_string_append_c (baseline_table, '\n');
      g_string_append (bench->report, baseline_table->str);
    }
  g_string_append (bench->report, memory->str);

  for (guint s = 0; s < N_SHAPES; s++)
    {
      g_free (dirs[s]);
      g_free (baseline_dirs[s]);
    }
}

/* Run records: removed only before and after measuring, never in
 * between, and then given time to settle. On an ext4 file system without
 * a journal (this benchmark's VM has one), the inode allocator skips the
 * inodes freed in the last 60 s (360 s while their table block is not
 * yet written back), scanning past every one of them for each file it
 * creates: after deleting a run record's 20,000 logs, the next run's
 * log files cost several times more, which would charge troupe for the
 * benchmark's own cleaning. */

#define FREED_INODES_SETTLE_S 65

static char *
stamp_path (const char *work)
{
  return g_build_filename (work, "records-removed-at", NULL);
}

static void
remove_records (const char *work)
{
  g_autoptr(GDir) dir = g_dir_open (work, 0, NULL);
  g_autofree char *stamp = stamp_path (work);
  g_autofree char *now = NULL;
  gboolean removed = FALSE;
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *record = g_build_filename (work, name, ".troupe", NULL);

      if (g_file_test (record, G_FILE_TEST_IS_DIR))
        {
          remove_tree (record);
          removed = TRUE;
        }
    }

  if (!removed)
    return;

  /* Written back, the freed inodes stay "recent" for 60 s, not 360 s. */
  sync ();
  now = g_strdup_printf ("%" G_GINT64_FORMAT "\n", g_get_real_time () / G_USEC_PER_SEC);
  g_file_set_contents (stamp, now, -1, NULL);
}

static void
wait_for_freed_inodes (const char *work)
{
  g_autofree char *stamp = stamp_path (work);
  g_autofree char *text = NULL;
  gint64 removed_at, wait_s;

  if (!g_file_get_contents (stamp, &text, NULL, NULL))
    return;
  removed_at = g_ascii_strtoll (text, NULL, 10);
  wait_s = removed_at + FREED_INODES_SETTLE_S - g_get_real_time () / G_USEC_PER_SEC;
  if (wait_s <= 0 || wait_s > FREED_INODES_SETTLE_S)
    return;

  fprintf (stderr, "Run records were removed %" G_GINT64_FORMAT " s ago: waiting %" G_GINT64_FORMAT
           " s until the file system reuses their inodes at full speed…\n",
           FREED_INODES_SETTLE_S - wait_s, wait_s);
  g_usleep (wait_s * G_USEC_PER_SEC);
}

/* Main */

static int
cmd_all (int    argc,
         char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *date = NULL;
  g_autofree char *ninja_version = NULL;
  g_autofree char *kernel = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  int reps = DEFAULT_REPS;
  int steps = DEFAULT_STEPS;
  gboolean skip_sleep = FALSE;
  g_autofree char *baseline = NULL;
  GOptionEntry entries[] = {
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Repetitions per figure (at least 3)", "N" },
    { "steps", 0, 0, G_OPTION_ARG_INT, &steps, "Steps of the overhead workflows (default 10000)", "N" },
    { "overhead-only", 0, 0, G_OPTION_ARG_NONE, &skip_sleep, "Skip the speedup and DAG benchmarks", NULL },
    { "baseline", 0, 0, G_OPTION_ARG_FILENAME, &baseline,
      "Another troupe binary (an earlier build) to measure alongside, in the same repetitions", "TROUPE-CLI" },
    { NULL }
  };
  Bench bench = { 0 };
  gint64 started = g_get_monotonic_time ();

  context = g_option_context_new ("WORKDIR TROUPE-CLI");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    die ("%s", error->message);
  if (argc != 3)
    die ("usage: bench-runner all WORKDIR TROUPE-CLI [--reps N] [--steps N]");
  if (reps < 3)
    die ("--reps: at least 3 repetitions make a median worth reporting");
  if (steps < DAG_OVERHEAD_WIDTH)
    die ("--steps: at least %u", DAG_OVERHEAD_WIDTH);

  bench.report = g_string_new (NULL);
  bench.work = g_canonicalize_filename (argv[1], NULL);
  bench.troupe = g_canonicalize_filename (argv[2], NULL);
  bench.baseline = baseline != NULL ? g_canonicalize_filename (baseline, NULL) : NULL;
  bench.reps = (guint) reps;
  bench.steps = (guint) steps;

  if (g_mkdir_with_parents (bench.work, 0755) != 0)
    die ("cannot create %s: %s", bench.work, g_strerror (errno));
  results_path = g_build_filename (bench.work, "results.txt", NULL);
  g_unlink (results_path);

  remove_records (bench.work);
  wait_for_freed_inodes (bench.work);

  if (!skip_sleep)
    {
      bench_speedup (&bench);
      bench_dag (&bench);
    }
  bench_overhead (&bench);
  remove_records (bench.work);

  date = g_date_time_format (now, "%Y-%m-%d %H:%M UTC");
  ninja_version = capture_line ("ninja --version");
  kernel = capture_line ("uname -r");
  printf ("\n## Troupe runner benchmarks\n\n"
           "%s, Linux %s, %ld cores online, ninja %s, %u repetitions per figure, "
           "%.0f s in all.\n\n%s",
           date, kernel, sysconf (_SC_NPROCESSORS_ONLN), ninja_version, bench.reps,
           (g_get_monotonic_time () - started) / 1e6, bench.report->str);
  printf ("Raw figures: %s\n", results_path);

  g_string_free (bench.report, TRUE);
  g_free (bench.work);
  g_free (bench.troupe);
  g_free (bench.baseline);
  g_free (results_path);

  return target_missed ? 3 : 0;
}

/* bench-runner run FILE N: one in-process run, for profiling the runner
 * without the CLI around it. */
static int
cmd_run (int    argc,
         char **argv)
{
  g_autoptr(GArray) durations = samples_new ();
  double wall;

  if (argc != 3)
    die ("usage: bench-runner run FILE MAX-PARALLEL");

  wall = run_in_process (argv[1], (guint) g_ascii_strtoull (argv[2], NULL, 10), durations);
  printf ("%u steps in %.3f s; sum of step times %.3f s\n", durations->len, wall, sum_of (durations));

  return 0;
}

/* bench-runner generate DIR N: the overhead inputs alone, for profiling. */
static int
cmd_generate (int    argc,
              char **argv)
{
  const char * const command[] = { "true", NULL };
  guint n;

  if (argc != 3)
    die ("usage: bench-runner generate DIR STEPS");
  n = (guint) g_ascii_strtoull (argv[2], NULL, 10);
  if (n < DAG_OVERHEAD_WIDTH || n % DAG_OVERHEAD_WIDTH != 0)
    die ("STEPS must be a multiple of %u", DAG_OVERHEAD_WIDTH);

  for (guint s = 0; s < N_SHAPES; s++)
    {
      g_autofree char *dir = g_build_filename (argv[1], shape_dirs[s], NULL);
      g_autoptr(TroupeWorkflow) workflow = build_workflow (shape_dirs[s], s,
                                                           s == SHAPE_LAYERED ? n / DAG_OVERHEAD_WIDTH : 1,
                                                           s == SHAPE_LAYERED ? DAG_OVERHEAD_WIDTH : n,
                                                           command);
      g_autofree char *path = write_inputs (workflow, dir, TRUE);

      printf ("%s\n", path);
    }

  return 0;
}

int
main (int    argc,
      char **argv)
{
  if (argc >= 2 && g_str_equal (argv[1], "all"))
    return cmd_all (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "run"))
    return cmd_run (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "generate"))
    return cmd_generate (argc - 1, argv + 1);

  fprintf (stderr, "usage: bench-runner all WORKDIR TROUPE-CLI [--reps N] [--steps N] [--overhead-only] [--baseline TROUPE-CLI]\n"
              "       bench-runner generate DIR STEPS\n"
              "       bench-runner run FILE MAX-PARALLEL\n");
  return 2;
}
