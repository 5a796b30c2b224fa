/* bench-engine.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "troupe.h"

/* The engine half of the benchmarks: it generates the workflows and times
 * our side; bench-ref.py runs it one repetition at a time, alternating with
 * the reference tools. Each measuring mode does one untimed warm-up, then
 * REPS timed repetitions, and prints one machine-readable line per
 * measurement:
 *
 *   RESULT <key> <median-ms> <min-ms> <max-ms> <reps>
 *
 * and the same for the process's CPU time as <key>-cpu. Timings are taken
 * inside the process around the work only, so process start-up and
 * reading the program are never counted. */

#define DEFAULT_REPS 7
#define DEFAULT_SEED 20240601

/* Spacing of the generated positions; the layout recomputes them anyway. */
#define GAP_X 40.0
#define GAP_Y 48.0

typedef struct
{
  const char *name;
  const char *provider;
  const char *color;
  const char *description;
  const char *verb;
} AgentSpec;

/* A realistic troupe: a handful of roles, each with its own provider and
 * colour, as people draw them. */
static const AgentSpec agent_specs[] = {
  { "architect",  "mock",   "#3584e4", "Designs the system and splits the work.", "design" },
  { "engineer",   "my-llm", "#33d17a", "Implements one task at a time.",          "implement" },
  { "qa",         "mock",   "#f6d32d", "Tests what the engineer built.",          "test" },
  { "reviewer",   "my-llm", "#ff7800", "Reviews changes for correctness.",        "review" },
  { "writer",     "mock",   "#9141ac", "Writes the user documentation.",          "document" },
  { "researcher", "my-llm", "#986a44", "Reads papers and summarises them.",       "research" },
  { "ops",        "mock",   "#e01b24", "Deploys and watches the services.",       "deploy" },
  { "designer",   "my-llm", "#c061cb", "Draws the interface.",                    "sketch" },
};

static const char *timeouts[] = { "30s", "90s", "5m", "10m", "1h" };

static double
median_of (GArray *samples)
{
  double *values = (double *) (gpointer) samples->data;
  guint n = samples->len;

  g_assert (n > 0);

  /* Insertion sort: a handful of samples. */
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

static void
print_samples (const char *key,
               const char *suffix,
               GArray     *samples)
{
  double median = median_of (samples);
  double *values = (double *) (gpointer) samples->data;

  /* median_of() sorted the samples: first is min, last is max. */
  g_print ("RESULT %s%s %.3f %.3f %.3f %u\n",
           key, suffix, median, values[0], values[samples->len - 1], samples->len);
}

/* Wall-clock time is the figure; CPU time of the process is printed
 * beside it (as KEY-cpu) because on a busy machine it shows the work done
 * without the waiting for a core. */
typedef struct
{
  GArray *wall;
  GArray *cpu;
} Samples;

typedef struct
{
  gint64 wall_us;
  double cpu_ms;
} Stopwatch;

static double
cpu_now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void
stopwatch_start (Stopwatch *watch)
{
  watch->cpu_ms = cpu_now_ms ();
  watch->wall_us = g_get_monotonic_time ();
}

static Samples *
samples_new (void)
{
  Samples *samples = g_new0 (Samples, 1);

  samples->wall = g_array_new (FALSE, FALSE, sizeof (double));
  samples->cpu = g_array_new (FALSE, FALSE, sizeof (double));

  return samples;
}

static void
samples_free (Samples *samples)
{
  g_array_unref (samples->wall);
  g_array_unref (samples->cpu);
  g_free (samples);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Samples, samples_free)

/* Stops @watch and keeps the times unless this is the warm-up round. */
static void
samples_add (Samples         *samples,
             const Stopwatch *watch,
             gboolean         warm_up)
{
  double wall = (g_get_monotonic_time () - watch->wall_us) / 1000.0;
  double cpu = cpu_now_ms () - watch->cpu_ms;

  if (warm_up)
    return;
  g_array_append_val (samples->wall, wall);
  g_array_append_val (samples->cpu, cpu);
}

static void
print_result (const char *key,
              Samples    *samples)
{
  print_samples (key, "", samples->wall);
  print_samples (key, "-cpu", samples->cpu);
}

static char *
pick_timeout (GRand *rand)
{
  return g_strdup (timeouts[g_rand_int_range (rand, 0, G_N_ELEMENTS (timeouts))]);
}

static TroupeStep *
make_step (GRand       *rand,
           guint        index,
           GPtrArray   *needs,
           guint        layer)
{
  const AgentSpec *agent = &agent_specs[g_rand_int_range (rand, 0, G_N_ELEMENTS (agent_specs))];
  const char *first_need = needs->len > 0 ? g_ptr_array_index (needs, 0) : NULL;
  g_autoptr(TroupeStep) step = NULL;
  g_autofree char *id = NULL;
  int roll = g_rand_int_range (rand, 0, 100);
  TroupeStepKind kind;

  /* Mostly agent steps, as in real flows, with every other kind present. */
  if (roll < 70)
    kind = TROUPE_STEP_KIND_AGENT;
  else if (roll < 85)
    kind = TROUPE_STEP_KIND_COMMAND;
  else if (roll < 92)
    kind = TROUPE_STEP_KIND_SEND;
  else if (roll < 96 && first_need != NULL)
    kind = TROUPE_STEP_KIND_WAIT;
  else if (first_need != NULL)
    kind = TROUPE_STEP_KIND_APPROVAL;
  else
    kind = TROUPE_STEP_KIND_AGENT;

  switch (kind)
    {
    case TROUPE_STEP_KIND_AGENT:
      id = g_strdup_printf ("%s-%05u", agent->verb, index);
      break;
    case TROUPE_STEP_KIND_COMMAND:
      id = g_strdup_printf ("build-%05u", index);
      break;
    case TROUPE_STEP_KIND_SEND:
      id = g_strdup_printf ("hand-off-%05u", index);
      break;
    case TROUPE_STEP_KIND_WAIT:
      id = g_strdup_printf ("wait-%05u", index);
      break;
    case TROUPE_STEP_KIND_APPROVAL:
    default:
      id = g_strdup_printf ("approve-%05u", index);
      break;
    }

  step = troupe_step_new (id, kind);

  switch (kind)
    {
    case TROUPE_STEP_KIND_AGENT:
      {
        g_autofree char *prompt = NULL;
        g_autofree char *output = g_strdup_printf ("artifacts/%s/%s.md", agent->name, id);
        const char *outputs[] = { output, NULL };

        prompt = g_strdup_printf ("You are the %s of ${context.project}, layer %u of the plan.\n"
                                  "%s%s%s"
                                  "Work only on your part and write the result to %s.\n"
                                  "Keep it short: the next agent reads it in full.\n",
                                  agent->name, layer,
                                  first_need ? "Start from what the previous step wrote:\n${steps." : "",
                                  first_need ? first_need : "",
                                  first_need ? ".output}\n" : "",
                                  output);
        troupe_step_set_agent (step, agent->name);
        troupe_step_set_prompt (step, prompt);
        if (g_rand_int_range (rand, 0, 3) == 0)
          troupe_step_set_outputs (step, outputs);
        if (g_rand_int_range (rand, 0, 4) == 0)
          troupe_step_set_description (step, agent->description);
      }
      break;

    case TROUPE_STEP_KIND_COMMAND:
      {
        g_autofree char *dir = g_strdup_printf ("build/%s", id);
        g_autofree char *log = g_strdup_printf ("artifacts/%s.log", id);
        const char *argv[] = { "make", "-C", dir, "test", NULL };
        const char *outputs[] = { log, NULL };

        troupe_step_set_command (step, argv);
        troupe_step_set_outputs (step, outputs);
      }
      break;

    case TROUPE_STEP_KIND_SEND:
      {
        const AgentSpec *to = &agent_specs[g_rand_int_range (rand, 0, G_N_ELEMENTS (agent_specs))];
        g_autofree char *file = g_strdup_printf ("task-%05u", index);
        g_autofree char *content = g_strdup_printf ("Please pick up task %u.\n"
                                                    "Everything you need is in artifacts/%s/.\n",
                                                    index, agent->name);

        troupe_step_set_send_to (step, to->name);
        troupe_step_set_send_file (step, file);
        troupe_step_set_send_content (step, content);
      }
      break;

    case TROUPE_STEP_KIND_WAIT:
      {
        g_autofree char *glob = g_strdup_printf ("inbox/%s/*.task", agent->name);

        troupe_step_set_wait_glob (step, glob);
        troupe_step_set_wait_timeout (step, 5 * 60 * 1000);
        troupe_step_set_wait_poll (step, 500);
      }
      break;

    case TROUPE_STEP_KIND_APPROVAL:
    default:
      {
        g_autofree char *message = g_strdup_printf ("Ship what %s produced?", first_need);

        troupe_step_set_approval (step, message);
      }
      break;
    }

  if (needs->len > 0)
    {
      g_ptr_array_add (needs, NULL);
      troupe_step_set_needs (step, (const char * const *) needs->pdata);
      g_ptr_array_remove_index (needs, needs->len - 1);
    }

  if (kind != TROUPE_STEP_KIND_WAIT && kind != TROUPE_STEP_KIND_APPROVAL)
    {
      roll = g_rand_int_range (rand, 0, 100);
      if (roll < 10)
        {
          g_autoptr(TroupeRetryPolicy) retries = troupe_retry_policy_new (g_rand_int_range (rand, 1, 4));

          troupe_step_set_retries (step, retries);
        }
      else if (roll < 20)
        {
          g_autoptr(TroupeRetryPolicy) retries = troupe_retry_policy_new (3);

          retries->backoff = TROUPE_BACKOFF_EXPONENTIAL;
          retries->delay_ms = 2000;
          retries->max_delay_ms = 60 * 1000;
          retries->jitter = 0.25;
          troupe_step_set_retries (step, retries);
        }

      if (g_rand_int_range (rand, 0, 10) < 3)
        {
          g_autofree char *timeout = pick_timeout (rand);
          gint64 ms = 0;

          if (!troupe_duration_parse (timeout, &ms, NULL))
            g_error ("The generator's duration %s does not parse", timeout);
          troupe_step_set_timeout (step, ms);
        }

      roll = g_rand_int_range (rand, 0, 100);
      if (roll < 10)
        troupe_step_set_on_failure (step, TROUPE_FAILURE_POLICY_SKIP_DEPENDENTS);
      else if (roll < 15)
        troupe_step_set_on_failure (step, TROUPE_FAILURE_POLICY_CONTINUE);
    }

  if (first_need != NULL && kind == TROUPE_STEP_KIND_AGENT && g_rand_int_range (rand, 0, 100) < 3)
    {
      g_autofree char *left = g_strdup_printf ("${steps.%s.output}", first_need);

      troupe_step_set_when (step, TROUPE_CONDITION_OP_NOT_CONTAINS, left, "FAIL");
    }

  return g_steal_pointer (&step);
}

/* A layered random DAG: layers 2 to 16 steps wide; every step of a layer
 * needs one to three steps of the layer above, and sometimes one more from
 * two layers up, which is how fan-out/fan-in flows look. Same seed, same
 * workflow. */
static TroupeWorkflow *
generate_workflow (guint   n_steps,
                   guint32 seed)
{
  g_autoptr(TroupeWorkflow) workflow = troupe_workflow_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(TroupeProvider) provider = NULL;
  g_autoptr(TroupeRetryPolicy) default_retries = troupe_retry_policy_new (1);
  g_autoptr(GPtrArray) previous = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) before_previous = g_ptr_array_new_with_free_func (g_free);
  const char *provider_argv[] = { "my-llm", "--model", "small", "--prompt", "${prompt}", NULL };
  g_autofree char *name = g_strdup_printf ("Generated benchmark flow, %u steps", n_steps);
  guint index = 0;
  guint layer = 0;

  troupe_workflow_set_name (workflow, name);
  troupe_workflow_set_description (workflow,
                                   "A layered random DAG made by bench-engine.\n"
                                   "Same seed, same file.\n");
  troupe_workflow_set_default_provider (workflow, "mock");
  troupe_workflow_set_default_timeout (workflow, 10 * 60 * 1000);
  troupe_workflow_set_default_retries (workflow, default_retries);
  troupe_workflow_set_default_on_failure (workflow, TROUPE_FAILURE_POLICY_STOP);
  troupe_workflow_set_max_parallel (workflow, 8);
  troupe_workflow_set_context (workflow, "project", "todo-app");
  troupe_workflow_set_context (workflow, "branch", "main");
  troupe_workflow_set_context (workflow, "reviewers", "2");

  provider = troupe_provider_new ("my-llm");
  troupe_provider_set_env (provider, "MY_LLM_MODEL", "small");
  troupe_provider_set_command (provider, provider_argv);
  troupe_provider_set_output_format (provider, TROUPE_OUTPUT_FORMAT_TEXT);
  troupe_workflow_add_provider (workflow, provider);

  for (guint i = 0; i < G_N_ELEMENTS (agent_specs); i++)
    {
      g_autoptr(TroupeAgent) agent = troupe_agent_new (agent_specs[i].name);

      troupe_agent_set_provider (agent, agent_specs[i].provider);
      troupe_agent_set_color (agent, agent_specs[i].color);
      troupe_agent_set_description (agent, agent_specs[i].description);
      if (i % 3 == 0)
        troupe_agent_set_max_parallel (agent, 2);
      troupe_workflow_add_agent (workflow, agent);
    }

  while (index < n_steps)
    {
      g_autoptr(GPtrArray) current = g_ptr_array_new_with_free_func (g_free);
      /* MIN() evaluates its arguments twice: draw first. */
      guint drawn_width = g_rand_int_range (rand, 2, 17);
      guint width = MIN (drawn_width, n_steps - index);

      for (guint column = 0; column < width; column++, index++)
        {
          g_autoptr(GPtrArray) needs = g_ptr_array_new ();
          g_autoptr(TroupeStep) step = NULL;
          g_autoptr(GError) error = NULL;

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
            }

          step = make_step (rand, index + 1, needs, layer);
          troupe_step_set_position (step,
                                    GAP_X + column * (TROUPE_CARD_WIDTH + GAP_X),
                                    GAP_Y + layer * (TROUPE_CARD_HEIGHT + GAP_Y));
          if (!troupe_workflow_add_step (workflow, step, &error))
            g_error ("The generator made a step the model refuses: %s", error->message);
          g_ptr_array_add (current, g_strdup (troupe_step_get_id (step)));
        }

      g_ptr_array_unref (before_previous);
      before_previous = g_steal_pointer (&previous);
      previous = g_steal_pointer (&current);
      layer++;
    }

  return g_steal_pointer (&workflow);
}

/* The graph troupe_workflow_layout() hands to graphviz, as a DOT file, so
 * that `dot -Tplain` lays out exactly the same graph: the same nodes in the
 * same order, fixed-size boxes as large as our cards, the same edges in the
 * same order and the same graph attributes. Keep it in step with run_dot()
 * in troupe-layout.c. */
static char *
layout_graph_to_dot (TroupeWorkflow *workflow)
{
  GString *dot = g_string_new (NULL);
  GPtrArray *steps = troupe_workflow_get_steps (workflow);
  static const char *rank_dirs[] = { "TB", "LR", "BT", "RL" };
  char width[G_ASCII_DTOSTR_BUF_SIZE];
  char height[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (width, sizeof width, "%.6f", TROUPE_CARD_WIDTH / 72.0);
  g_ascii_formatd (height, sizeof height, "%.6f", TROUPE_CARD_HEIGHT / 72.0);

  g_string_append (dot, "digraph layout {\n");
  /* splines="" as troupe-layout.c sets it: dot places the nodes but routes
   * no edges (the canvas draws its own). */
  g_string_append_printf (dot, "  graph [rankdir=%s, nodesep=0.5, ranksep=0.6, splines=\"\"];\n",
                          rank_dirs[troupe_workflow_get_rank_dir (workflow)]);
  g_string_append_printf (dot, "  node [shape=box, fixedsize=true, width=%s, height=%s, label=\"\"];\n",
                          width, height);

  for (guint i = 0; i < steps->len; i++)
    g_string_append_printf (dot, "  \"%s\";\n", troupe_step_get_id (g_ptr_array_index (steps, i)));

  /* The generated graph has no cycles, no self-loops and no dangling
   * needs, so every need is one edge, in step and need order. */
  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      const char * const *needs = troupe_step_get_needs (step);

      for (guint j = 0; needs != NULL && needs[j] != NULL; j++)
        g_string_append_printf (dot, "  \"%s\" -> \"%s\";\n", needs[j], troupe_step_get_id (step));
    }

  g_string_append (dot, "}\n");

  return g_string_free (dot, FALSE);
}

static void
write_or_die (const char *path,
              const char *data,
              gssize      length)
{
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents (path, data, length, &error))
    g_error ("%s", error->message);
}

static int
cmd_generate (int    argc,
              char **argv)
{
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *yaml_path = NULL;
  g_autofree char *json_path = NULL;
  g_autofree char *dot_path = NULL;
  g_autofree char *dot = NULL;
  guint n_steps;
  guint32 seed = DEFAULT_SEED;

  if (argc < 4)
    {
      g_printerr ("Usage: bench-engine generate STEPS PREFIX [SEED]\n");
      return 2;
    }

  n_steps = (guint) g_ascii_strtoull (argv[2], NULL, 10);
  if (n_steps == 0)
    {
      g_printerr ("bench-engine: STEPS must be a positive number, not “%s”\n", argv[2]);
      return 2;
    }
  if (argc > 4)
    seed = (guint32) g_ascii_strtoull (argv[4], NULL, 10);

  workflow = generate_workflow (n_steps, seed);

  yaml_path = g_strconcat (argv[3], ".yaml", NULL);
  json_path = g_strconcat (argv[3], ".json", NULL);
  dot_path = g_strconcat (argv[3], ".layout.dot", NULL);

  if (!troupe_workflow_save_to_file (workflow, yaml_path, TROUPE_FILE_FORMAT_YAML, &error)
      || !troupe_workflow_save_to_file (workflow, json_path, TROUPE_FILE_FORMAT_JSON, &error))
    {
      g_printerr ("bench-engine: %s\n", error->message);
      return 1;
    }

  dot = layout_graph_to_dot (workflow);
  write_or_die (dot_path, dot, -1);

  g_printerr ("Generated %u steps (seed %u): %s, %s, %s\n",
              n_steps, seed, yaml_path, json_path, dot_path);

  return 0;
}

static guint
parse_reps (int    argc,
            char **argv,
            int    index)
{
  guint reps = DEFAULT_REPS;

  if (argc > index)
    reps = (guint) g_ascii_strtoull (argv[index], NULL, 10);

  return MAX (reps, 1);
}

static TroupeWorkflow *
load_or_die (const char *path)
{
  g_autoptr(TroupeDiagnostic) syntax_error = NULL;
  g_autoptr(GError) error = NULL;
  TroupeWorkflow *workflow;

  workflow = troupe_workflow_new_from_file (path, &syntax_error, &error);
  if (workflow == NULL)
    g_error ("bench-engine: %s", error->message);

  return workflow;
}

/* Load + validate: what `troupe validate FILE` does, without the process. */
static int
cmd_load (int    argc,
          char **argv)
{
  g_autoptr(Samples) samples = samples_new ();
  g_autofree char *key = NULL;
  const char *path;
  guint reps;
  guint n_errors = 0;
  guint n_diagnostics = 0;
  guint n_steps = 0;

  if (argc < 3)
    {
      g_printerr ("Usage: bench-engine load FILE [REPS]\n");
      return 2;
    }
  path = argv[2];
  reps = parse_reps (argc, argv, 3);

  /* One warm-up round, untimed, so that both we and the reference tools
   * read from a warm page cache. */
  for (guint i = 0; i <= reps; i++)
    {
      g_autoptr(TroupeWorkflow) workflow = NULL;
      g_autoptr(GPtrArray) diagnostics = NULL;
      Stopwatch watch;

      stopwatch_start (&watch);
      workflow = load_or_die (path);
      diagnostics = troupe_workflow_validate (workflow);
      samples_add (samples, &watch, i == 0);

      n_steps = troupe_workflow_get_n_steps (workflow);
      n_diagnostics = diagnostics->len;
      n_errors = 0;
      for (guint j = 0; j < diagnostics->len; j++)
        if (((TroupeDiagnostic *) g_ptr_array_index (diagnostics, j))->severity == TROUPE_SEVERITY_ERROR)
          n_errors++;
      if (i == 0 && diagnostics->len > 0)
        {
          g_autofree char *first = troupe_diagnostic_to_string (g_ptr_array_index (diagnostics, 0));

          g_printerr ("bench-engine: %s: %u diagnostics, the first: %s\n", path, diagnostics->len, first);
        }
    }

  g_printerr ("bench-engine: %s: %u steps, %u diagnostics (%u errors)\n",
              path, n_steps, n_diagnostics, n_errors);

  key = g_strdup_printf ("load-validate-%s",
                         troupe_file_format_from_path (path) == TROUPE_FILE_FORMAT_JSON ? "json" : "yaml");
  print_result (key, samples);

  /* A benchmark on a broken workflow would measure the error paths. */
  return n_errors == 0 ? 0 : 1;
}

typedef struct
{
  const char       *key;
  TroupeFileFormat  format;
  const char       *extension;
} ExportSpec;

static int
cmd_export (int    argc,
            char **argv)
{
  static const ExportSpec specs[] = {
    { "export-dot",     TROUPE_FILE_FORMAT_DOT,     "dot" },
    { "export-mermaid", TROUPE_FILE_FORMAT_MERMAID, "mmd" },
    { "export-json",    TROUPE_FILE_FORMAT_JSON,    "json" },
    { "export-yaml",    TROUPE_FILE_FORMAT_YAML,    "yaml" },
  };
  g_autoptr(TroupeWorkflow) workflow = NULL;
  const char *prefix;
  guint reps;

  if (argc < 4)
    {
      g_printerr ("Usage: bench-engine export FILE OUT-PREFIX [REPS]\n");
      return 2;
    }
  prefix = argv[3];
  reps = parse_reps (argc, argv, 4);

  workflow = load_or_die (argv[2]);

  for (guint s = 0; s < G_N_ELEMENTS (specs); s++)
    {
      g_autoptr(Samples) samples = samples_new ();
      g_autoptr(GBytes) last = NULL;
      g_autofree char *path = g_strdup_printf ("%s.%s", prefix, specs[s].extension);

      for (guint i = 0; i <= reps; i++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GBytes) bytes = NULL;
          Stopwatch watch;

          stopwatch_start (&watch);
          bytes = troupe_workflow_export (workflow, specs[s].format, &error);
          samples_add (samples, &watch, i == 0);
          if (bytes == NULL)
            g_error ("bench-engine: %s: %s", specs[s].key, error->message);
          g_clear_pointer (&last, g_bytes_unref);
          last = g_steal_pointer (&bytes);
        }

      /* The reference tools re-read what we wrote: the same graph. */
      write_or_die (path, g_bytes_get_data (last, NULL), g_bytes_get_size (last));
      print_result (specs[s].key, samples);
    }

  return 0;
}

static int
cmd_layout (int    argc,
            char **argv)
{
  g_autoptr(Samples) samples = samples_new ();
  g_autoptr(TroupeWorkflow) workflow = NULL;
  guint reps;

  if (argc < 3)
    {
      g_printerr ("Usage: bench-engine layout FILE [REPS]\n");
      return 2;
    }
  reps = parse_reps (argc, argv, 3);

  workflow = load_or_die (argv[2]);

  for (guint i = 0; i <= reps; i++)
    {
      g_autoptr(GError) error = NULL;
      Stopwatch watch;

      stopwatch_start (&watch);
      if (!troupe_workflow_layout (workflow, &error))
        g_error ("bench-engine: layout: %s", error->message);
      samples_add (samples, &watch, i == 0);
    }

  print_result ("layout", samples);

  return 0;
}

/* For `meson test --benchmark`: the engine side only, on a generated
 * workflow in a temporary folder, no reference tools. */
static int
cmd_quick (int    argc,
           char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *yaml = NULL;
  g_autofree char *json = NULL;
  g_autofree char *out = NULL;
  const char *steps = argc > 2 ? argv[2] : "2000";
  int status = 0;

  tmpdir = g_dir_make_tmp ("troupe-bench-XXXXXX", &error);
  if (tmpdir == NULL)
    g_error ("bench-engine: %s", error->message);
  prefix = g_build_filename (tmpdir, "flow", NULL);
  yaml = g_strconcat (prefix, ".yaml", NULL);
  json = g_strconcat (prefix, ".json", NULL);
  out = g_build_filename (tmpdir, "export", NULL);

  {
    char *gen_argv[] = { argv[0], (char *) "generate", (char *) steps, prefix, NULL };
    char *load_yaml_argv[] = { argv[0], (char *) "load", yaml, NULL };
    char *load_json_argv[] = { argv[0], (char *) "load", json, NULL };
    char *export_argv[] = { argv[0], (char *) "export", yaml, out, NULL };
    char *layout_argv[] = { argv[0], (char *) "layout", yaml, (char *) "3", NULL };

    status |= cmd_generate (4, gen_argv);
    status |= cmd_load (3, load_yaml_argv);
    status |= cmd_load (3, load_json_argv);
    status |= cmd_export (4, export_argv);
    if (g_ascii_strtoull (steps, NULL, 10) <= 2000)
      status |= cmd_layout (4, layout_argv);
  }

  /* Leave nothing behind in /tmp. */
  {
    g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (tmpdir, name, NULL);

        g_unlink (path);
      }
    g_rmdir (tmpdir);
  }

  return status;
}

int
main (int    argc,
      char **argv)
{
  if (argc >= 2 && g_str_equal (argv[1], "generate"))
    return cmd_generate (argc, argv);
  if (argc >= 2 && g_str_equal (argv[1], "load"))
    return cmd_load (argc, argv);
  if (argc >= 2 && g_str_equal (argv[1], "export"))
    return cmd_export (argc, argv);
  if (argc >= 2 && g_str_equal (argv[1], "layout"))
    return cmd_layout (argc, argv);
  if (argc >= 2 && g_str_equal (argv[1], "quick"))
    return cmd_quick (argc, argv);

  g_printerr ("Usage: bench-engine generate STEPS PREFIX [SEED]\n"
              "       bench-engine load FILE [REPS]\n"
              "       bench-engine export FILE OUT-PREFIX [REPS]\n"
              "       bench-engine layout FILE [REPS]\n"
              "       bench-engine quick [STEPS]\n"
              "Measuring modes print “RESULT key median-ms min-ms max-ms reps”.\n");
  return 2;
}
