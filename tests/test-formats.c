/* test-formats.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <time.h>

#include <troupe.h>

/* The workflow file formats end to end: YAML and JSON text through the
 * builder to the model and back through the serializer, the canonical
 * form, and every diagnostic the builder gives with its exact place. */

static char *
source_path (const char *first,
             ...) G_GNUC_NULL_TERMINATED;

static char *
source_path (const char *first,
             ...)
{
  const char *root = g_getenv ("TROUPE_SOURCE_ROOT");
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  g_autofree char *fallback = NULL;
  const char *part;
  va_list args;

  if (root == NULL)
    root = fallback = g_test_build_filename (G_TEST_DIST, "..", NULL);

  g_ptr_array_add (parts, (gpointer) root);
  va_start (args, first);
  for (part = first; part != NULL; part = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) part);
  va_end (args);
  g_ptr_array_add (parts, NULL);

  return g_build_filenamev ((char **) parts->pdata);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The files in @dir whose names end with @suffix, as full paths, sorted.
 * A missing folder has none. */
static GPtrArray *
list_files (const char *dir,
            const char *suffix)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) folder = g_dir_open (dir, 0, NULL);
  const char *name;

  while (folder != NULL && (name = g_dir_read_name (folder)) != NULL)
    {
      if (g_str_has_suffix (name, suffix))
        g_ptr_array_add (files, g_build_filename (dir, name, NULL));
    }

  g_ptr_array_sort (files, compare_strings);
  return files;
}

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static void
dump_load_diagnostics (TroupeWorkflow *workflow)
{
  GPtrArray *diagnostics = troupe_workflow_get_load_diagnostics (workflow);

  for (guint i = 0; i < diagnostics->len; i++)
    {
      g_autofree char *line = troupe_diagnostic_to_string (g_ptr_array_index (diagnostics, i));

      g_test_message ("%s", line);
    }
}

/* Loads @text and asserts that the builder had nothing to say. */
static TroupeWorkflow *
load_clean (const char       *text,
            TroupeFileFormat  format,
            const char       *name)
{
  g_autoptr(GError) error = NULL;
  TroupeWorkflow *workflow;

  workflow = troupe_workflow_new_from_data (text, -1, format, name, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (workflow);
  dump_load_diagnostics (workflow);
  g_assert_cmpuint (troupe_workflow_get_load_diagnostics (workflow)->len, ==, 0);

  return workflow;
}

/* Loads @text, problems or not. */
static TroupeWorkflow *
load_any (const char       *text,
          TroupeFileFormat  format)
{
  g_autoptr(GError) error = NULL;
  TroupeWorkflow *workflow;

  workflow = troupe_workflow_new_from_data (text, -1, format, "test.yaml", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (workflow);

  return workflow;
}

static char *
save (TroupeWorkflow   *workflow,
      TroupeFileFormat  format)
{
  gsize length = 0;
  char *text = troupe_workflow_to_data (workflow, format, &length);

  g_assert_nonnull (text);
  g_assert_cmpuint (strlen (text), ==, length);
  return text;
}

/* A file with comments cannot be canonical: saving drops them. */
static gboolean
has_comment_lines (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_strchug (lines[i])[0] == '#')
        return TRUE;
    }

  return FALSE;
}

/* YAML -> model -> YAML, and YAML -> model -> JSON -> model. */
static void
check_yaml_file (const char *path,
                 gboolean    canonical)
{
  g_autofree char *text = read_text (path);
  g_autoptr(TroupeWorkflow) first = NULL;
  g_autoptr(TroupeWorkflow) again = NULL;
  g_autoptr(TroupeWorkflow) from_json = NULL;
  g_autofree char *yaml = NULL;
  g_autofree char *yaml_again = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json_again = NULL;

  g_test_message ("%s (%s)", path, canonical ? "canonical" : "not canonical");

  first = load_clean (text, TROUPE_FILE_FORMAT_YAML, path);
  yaml = save (first, TROUPE_FILE_FORMAT_YAML);
  if (canonical)
    g_assert_cmpstr (yaml, ==, text);

  /* Whatever the source looked like, the saved form is a fixed point. */
  again = load_clean (yaml, TROUPE_FILE_FORMAT_YAML, path);
  g_assert_true (troupe_workflow_equal (first, again));
  yaml_again = save (again, TROUPE_FILE_FORMAT_YAML);
  g_assert_cmpstr (yaml_again, ==, yaml);

  json = save (first, TROUPE_FILE_FORMAT_JSON);
  from_json = load_clean (json, TROUPE_FILE_FORMAT_JSON, path);
  g_assert_true (troupe_workflow_equal (first, from_json));
  json_again = save (from_json, TROUPE_FILE_FORMAT_JSON);
  g_assert_cmpstr (json_again, ==, json);
}

static void
test_round_trip_good_yaml (void)
{
  g_autofree char *dir = source_path ("tests", "data", "good", NULL);
  g_autoptr(GPtrArray) files = list_files (dir, ".yaml");

  /* everything.yaml and minimal.yaml at least. */
  g_assert_cmpuint (files->len, >=, 2);
  for (guint i = 0; i < files->len; i++)
    check_yaml_file (g_ptr_array_index (files, i), TRUE);
}

static void
test_round_trip_examples (void)
{
  g_autofree char *dir = source_path ("examples", NULL);
  g_autoptr(GPtrArray) files = list_files (dir, ".yaml");

  /* There may be no examples yet; then there is nothing to check. */
  g_test_message ("%u examples", files->len);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autofree char *text = read_text (path);

      check_yaml_file (path, !has_comment_lines (text));
    }
}

static void
test_round_trip_good_json (void)
{
  g_autofree char *dir = source_path ("tests", "data", "good", NULL);
  g_autoptr(GPtrArray) files = list_files (dir, ".json");

  g_assert_cmpuint (files->len, >=, 1);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autofree char *text = read_text (path);
      g_autoptr(TroupeWorkflow) workflow = NULL;
      g_autoptr(TroupeWorkflow) from_yaml = NULL;
      g_autofree char *json = NULL;
      g_autofree char *yaml = NULL;

      g_test_message ("%s", path);
      workflow = load_clean (text, TROUPE_FILE_FORMAT_JSON, path);
      json = save (workflow, TROUPE_FILE_FORMAT_JSON);
      g_assert_cmpstr (json, ==, text);

      yaml = save (workflow, TROUPE_FILE_FORMAT_YAML);
      from_yaml = load_clean (yaml, TROUPE_FILE_FORMAT_YAML, path);
      g_assert_true (troupe_workflow_equal (workflow, from_yaml));
    }
}

static void
test_everything_same_in_both (void)
{
  g_autofree char *yaml_path = source_path ("tests", "data", "good", "everything.yaml", NULL);
  g_autofree char *json_path = source_path ("tests", "data", "good", "everything.json", NULL);
  g_autofree char *yaml_text = read_text (yaml_path);
  g_autofree char *json_text = read_text (json_path);
  g_autoptr(TroupeWorkflow) from_yaml = load_clean (yaml_text, TROUPE_FILE_FORMAT_YAML, yaml_path);
  g_autoptr(TroupeWorkflow) from_json = load_clean (json_text, TROUPE_FILE_FORMAT_JSON, json_path);
  g_autofree char *yaml = save (from_json, TROUPE_FILE_FORMAT_YAML);
  g_autofree char *json = save (from_yaml, TROUPE_FILE_FORMAT_JSON);

  g_assert_true (troupe_workflow_equal (from_yaml, from_json));
  g_assert_cmpstr (yaml, ==, yaml_text);
  g_assert_cmpstr (json, ==, json_text);
}

/* Collects "steps.*.wait_for.timeout"-style paths of every key in @node;
 * the names under user-keyed mappings become "*". */
static void
collect_keys (TroupeNode *node,
              const char *path,
              GHashTable *keys)
{
  static const char * const user_keyed[] = {
    "context", "agents", "providers", "steps", "providers.*.env", "layout.positions", NULL
  };
  gboolean wildcard = g_strv_contains (user_keyed, path);

  if (node->kind == TROUPE_NODE_MAPPING)
    {
      for (guint i = 0; i < node->keys->len; i++)
        {
          TroupeNode *key = g_ptr_array_index (node->keys, i);
          const char *name = wildcard ? "*" : key->scalar;
          char *child = path[0] != '\0' ? g_strdup_printf ("%s.%s", path, name) : g_strdup (name);

          g_hash_table_add (keys, child);
          collect_keys (g_ptr_array_index (node->values, i), child, keys);
        }
    }
}

static void
test_everything_uses_every_field (void)
{
  static const char * const fields[] = {
    "troupe", "name", "description", "workspace",
    "defaults.provider", "defaults.timeout", "defaults.retries", "defaults.on_failure",
    "defaults.max_parallel",
    "context.*",
    "agents.*.provider", "agents.*.color", "agents.*.description", "agents.*.max_parallel",
    "providers.*.command", "providers.*.input", "providers.*.output", "providers.*.env.*",
    "providers.*.max_output", "providers.*.max_parallel", "providers.*.result",
    "providers.*.cost", "providers.*.tokens",
    "steps.*.kind", "steps.*.description", "steps.*.agent", "steps.*.provider",
    "steps.*.prompt", "steps.*.prompt_file", "steps.*.command",
    "steps.*.send.to", "steps.*.send.file", "steps.*.send.content",
    "steps.*.wait_for.glob", "steps.*.wait_for.timeout", "steps.*.wait_for.poll",
    "steps.*.wait_for.min_count",
    "steps.*.approval", "steps.*.needs", "steps.*.retries",
    "steps.*.retries.max", "steps.*.retries.backoff", "steps.*.retries.delay",
    "steps.*.retries.max_delay", "steps.*.retries.jitter",
    "steps.*.timeout", "steps.*.on_failure", "steps.*.outputs",
    "steps.*.when.equals", "steps.*.when.not_equals", "steps.*.when.contains",
    "steps.*.when.not_contains", "steps.*.for_each",
    "layout.direction", "layout.positions.*",
  };
  g_autofree char *path = source_path ("tests", "data", "good", "everything.yaml", NULL);
  g_autofree char *text = read_text (path);
  g_autoptr(GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(TroupeNode) root = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(GError) error = NULL;
  guint kinds = 0;
  GPtrArray *steps;

  root = troupe_yaml_read (text, strlen (text), path, NULL, &error);
  g_assert_no_error (error);
  collect_keys (root, "", keys);

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      if (!g_hash_table_contains (keys, fields[i]))
        g_error ("everything.yaml does not use %s", fields[i]);
    }

  /* Every kind of step, and a kind that is written because it is not the
   * one the fields suggest. */
  workflow = load_clean (text, TROUPE_FILE_FORMAT_YAML, path);
  steps = troupe_workflow_get_steps (workflow);
  for (guint i = 0; i < steps->len; i++)
    kinds |= 1u << troupe_step_get_kind (g_ptr_array_index (steps, i));
  g_assert_cmphex (kinds, ==, (1u << TROUPE_STEP_KIND_AGENT) | (1u << TROUPE_STEP_KIND_COMMAND) |
                              (1u << TROUPE_STEP_KIND_SEND) | (1u << TROUPE_STEP_KIND_WAIT) |
                              (1u << TROUPE_STEP_KIND_APPROVAL));

  /* A valid workflow, too: it is the reference for the format. */
  {
    g_autoptr(GPtrArray) diagnostics = NULL;

    troupe_workflow_set_file (workflow, path);
    diagnostics = troupe_workflow_validate (workflow);
    for (guint i = 0; i < diagnostics->len; i++)
      {
        g_autofree char *line = troupe_diagnostic_to_string (g_ptr_array_index (diagnostics, i));

        g_test_message ("%s", line);
      }
    g_assert_cmpuint (diagnostics->len, ==, 0);
  }
}

static void
test_stable (void)
{
  g_autofree char *path = source_path ("tests", "data", "good", "everything.yaml", NULL);
  g_autofree char *text = read_text (path);
  g_autoptr(TroupeWorkflow) workflow = load_clean (text, TROUPE_FILE_FORMAT_YAML, path);
  g_autoptr(TroupeWorkflow) a = troupe_workflow_new ();
  g_autoptr(TroupeWorkflow) b = troupe_workflow_new ();
  g_autoptr(TroupeProvider) pa = troupe_provider_new ("p");
  g_autoptr(TroupeProvider) pb = troupe_provider_new ("p");
  const char * const argv[] = { "p", "${prompt}", NULL };
  g_autofree char *yaml1 = save (workflow, TROUPE_FILE_FORMAT_YAML);
  g_autofree char *yaml2 = save (workflow, TROUPE_FILE_FORMAT_YAML);
  g_autofree char *json1 = save (workflow, TROUPE_FILE_FORMAT_JSON);
  g_autofree char *json2 = save (workflow, TROUPE_FILE_FORMAT_JSON);
  g_autofree char *text_a = NULL;
  g_autofree char *text_b = NULL;

  g_assert_cmpstr (yaml1, ==, yaml2);
  g_assert_cmpstr (json1, ==, json2);

  /* The environment is written sorted, whatever order it was set in. */
  troupe_provider_set_command (pa, argv);
  troupe_provider_set_command (pb, argv);
  troupe_provider_set_env (pa, "B", "2");
  troupe_provider_set_env (pa, "A", "1");
  troupe_provider_set_env (pb, "A", "1");
  troupe_provider_set_env (pb, "B", "2");
  troupe_workflow_add_provider (a, pa);
  troupe_workflow_add_provider (b, pb);
  text_a = save (a, TROUPE_FILE_FORMAT_YAML);
  text_b = save (b, TROUPE_FILE_FORMAT_YAML);
  g_assert_cmpstr (text_a, ==, text_b);
  g_assert_nonnull (strstr (text_a, "    env:\n      A: \"1\"\n      B: \"2\"\n"));
}

/* Lines [start, end) of step @id's block in canonical YAML. */
static void
find_step_block (char       **lines,
                 const char  *id,
                 guint       *start,
                 guint       *end)
{
  g_autofree char *header = g_strdup_printf ("  %s:", id);
  gboolean in_steps = FALSE;
  guint i;

  *start = *end = 0;
  for (i = 0; lines[i] != NULL; i++)
    {
      if (g_str_equal (lines[i], "steps:"))
        in_steps = TRUE;
      else if (in_steps && g_str_equal (lines[i], header))
        break;
    }
  g_assert_nonnull (lines[i]);
  *start = i;

  /* The block goes on while lines are indented deeper than the step id;
   * an empty line is part of a literal block scalar. */
  for (i++; lines[i] != NULL; i++)
    {
      if (lines[i][0] != '\0' && !g_str_has_prefix (lines[i], "    "))
        break;
    }
  *end = i;
}

/* The lines that differ between @before and @after: [first, before_end)
 * in @before and [first, after_end) in @after, after dropping the common
 * head and tail. */
static void
diff_lines (char  **before,
            char  **after,
            guint  *first,
            guint  *before_end,
            guint  *after_end)
{
  guint n_before = g_strv_length (before);
  guint n_after = g_strv_length (after);
  guint head = 0;
  guint tail = 0;

  while (head < n_before && head < n_after && g_str_equal (before[head], after[head]))
    head++;
  while (tail < n_before - head && tail < n_after - head &&
         g_str_equal (before[n_before - 1 - tail], after[n_after - 1 - tail]))
    tail++;

  *first = head;
  *before_end = n_before - tail;
  *after_end = n_after - tail;
}

static void
test_edit_one_step (void)
{
  g_autofree char *path = source_path ("tests", "data", "good", "everything.yaml", NULL);
  g_autofree char *text = read_text (path);
  g_autoptr(TroupeWorkflow) probe = load_clean (text, TROUPE_FILE_FORMAT_YAML, path);
  GPtrArray *steps = troupe_workflow_get_steps (probe);

  g_assert_cmpuint (steps->len, >, 3);

  for (guint k = 0; k < steps->len; k++)
    {
      const char *id = troupe_step_get_id (g_ptr_array_index (steps, k));

      /* Each edit on a fresh copy: a changed field, a field added, and a
       * card moved. */
      for (guint edit = 0; edit < 3; edit++)
        {
          g_autoptr(TroupeWorkflow) workflow = load_clean (text, TROUPE_FILE_FORMAT_YAML, path);
          TroupeStep *step = troupe_workflow_lookup_step (workflow, id);
          g_autofree char *edited = NULL;
          g_auto(GStrv) before = g_strsplit (text, "\n", -1);
          g_auto(GStrv) after = NULL;
          guint first, before_end, after_end;
          guint start, end;
          double x = 0, y = 0;

          switch (edit)
            {
            case 0:
              troupe_step_set_description (step, "Changed by the test.");
              break;
            case 1:
              troupe_step_set_timeout (step, 42 * 1000);
              troupe_step_set_outputs (step, (const char * const[]) { "out/a.txt", "out/b.txt", NULL });
              break;
            case 2:
            default:
              troupe_step_get_position (step, &x, &y);
              troupe_step_set_position (step, x + 7, y - 3);
              break;
            }

          edited = save (workflow, TROUPE_FILE_FORMAT_YAML);
          after = g_strsplit (edited, "\n", -1);
          diff_lines (before, after, &first, &before_end, &after_end);
          g_assert_cmpuint (after_end, >, first);

          if (edit < 2)
            {
              find_step_block (before, id, &start, &end);
              g_assert_cmpuint (first, >, start);
              g_assert_cmpuint (before_end, <=, end);
              find_step_block (after, id, &start, &end);
              g_assert_cmpuint (first, >, start);
              g_assert_cmpuint (after_end, <=, end);
            }
          else
            {
              g_autofree char *prefix = g_strdup_printf ("    %s: [", id);

              /* Exactly the step's line under layout.positions. */
              g_assert_cmpuint (before_end, ==, first + 1);
              g_assert_cmpuint (after_end, ==, first + 1);
              g_assert_true (g_str_has_prefix (before[first], prefix));
              g_assert_true (g_str_has_prefix (after[first], prefix));
            }
        }
    }
}

typedef struct
{
  const char *document;
  const char *code;
  guint       line;
  guint       column;
  const char *step_id;
  const char *message;
} DiagnosticCase;

static const DiagnosticCase diagnostic_cases[] = {
  /* unknown-key, with and without a suggestion, at every level */
  { "troupe: 1\nsteps:\n  design:\n    promt: Design it.\n",
    "unknown-key", 4, 5, "design",
    "unknown key 'promt' in step 'design'; did you mean 'prompt'?" },
  { "troupe: 1\nzzz: 1\n",
    "unknown-key", 2, 1, NULL,
    "unknown key 'zzz' at the top level; valid keys are troupe, name, description, workspace, "
    "defaults, context, agents, providers, steps, layout" },
  { "defaults:\n  max_paralel: 2\n",
    "unknown-key", 2, 3, NULL,
    "unknown key 'max_paralel' in 'defaults'; did you mean 'max_parallel'?" },
  { "agents:\n  a:\n    colour: \"#000000\"\n",
    "unknown-key", 3, 5, NULL,
    "unknown key 'colour' in agent 'a'; did you mean 'color'?" },
  { "providers:\n  p:\n    command: [p]\n    ouput: json\n",
    "unknown-key", 4, 5, NULL,
    "unknown key 'ouput' in provider 'p'; did you mean 'output'?" },
  { "steps:\n  w:\n    wait_for:\n      glob: inbox/a/*.task\n      timout: 5m\n",
    "unknown-key", 5, 7, "w",
    "unknown key 'timout' in 'wait_for' of step 'w'; did you mean 'timeout'?" },
  { "steps:\n  s:\n    send: {to: a, fle: x}\n",
    "unknown-key", 3, 19, "s",
    "unknown key 'fle' in 'send' of step 's'; did you mean 'file'?" },
  { "steps:\n  a:\n    command: [x]\n    retries:\n      max: 1\n      backof: fixed\n",
    "unknown-key", 6, 7, "a",
    "unknown key 'backof' in 'retries' of step 'a'; did you mean 'backoff'?" },
  { "defaults:\n  retries:\n    maximum: 3\n",
    "unknown-key", 3, 5, NULL,
    "unknown key 'maximum' in 'defaults.retries'; valid keys are max, backoff, delay, max_delay, jitter" },
  { "steps:\n  a:\n    command: [x]\n    when:\n      equal: [a, b]\n",
    "unknown-key", 5, 7, "a",
    "unknown key 'equal' in 'when' of step 'a'; did you mean 'equals'?" },
  { "layout:\n  directon: LR\n",
    "unknown-key", 2, 3, NULL,
    "unknown key 'directon' in 'layout'; did you mean 'direction'?" },

  /* command-override, wherever it is */
  { "steps:\n  build:\n    command: [make]\n    command_override: [make, -j4]\n",
    "command-override", 4, 5, "build",
    "'command_override' is not supported; put the full argv in 'command'" },
  { "providers:\n  p:\n    command: [p]\n    command_override: [q]\n",
    "command-override", 4, 5, NULL,
    "'command_override' is not supported; put the full argv in 'command'" },

  /* wrong-type */
  { "steps:\n  a:\n    command: [x]\n  b:\n    command: [y]\n    needs: a\n",
    "wrong-type", 6, 12, "b",
    "'needs' of step 'b' must be a list of step ids, like needs: [a, b]" },
  { "steps:\n  a:\n    command: [x, [y]]\n",
    "wrong-type", 3, 18, "a",
    "'command' of step 'a' must be a list of strings, like command: [make, test]" },
  { "defaults:\n  max_parallel: \"4\"\n",
    "wrong-type", 2, 17, NULL,
    "'defaults.max_parallel' must be a whole number, like max_parallel: 4" },
  { "defaults:\n  max_parallel: 2.5\n",
    "wrong-type", 2, 17, NULL,
    "'defaults.max_parallel' must be a whole number, like max_parallel: 4" },
  { "name: {a: b}\n",
    "wrong-type", 1, 7, NULL,
    "'name' must be a string, like name: Release pipeline" },
  { "steps:\n  a: hello\n",
    "wrong-type", 2, 6, "a",
    "step 'a' must be a mapping of its fields, like a: {command: [make, test]}" },
  { "steps: [a, b]\n",
    "wrong-type", 1, 8, NULL,
    "'steps' must be a mapping of step ids to steps, like steps: {build: {command: [make]}}" },
  { "steps:\n  a:\n    command: [x]\n    retries: [1]\n",
    "wrong-type", 4, 14, "a",
    "'retries' of step 'a' must be a number of retries or a mapping, like retries: 3 or "
    "retries: {max: 3, backoff: exponential}" },
  { "steps:\n  a:\n    command: [x]\n    retries: {backoff: exponential}\n",
    "wrong-type", 4, 14, "a",
    "'retries' of step 'a' must say how many times to retry with 'max', like retries: "
    "{max: 3, backoff: exponential}" },
  { "steps:\n  a:\n    command: [x]\n    when:\n      equals: [a]\n",
    "wrong-type", 5, 15, "a",
    "'when.equals' of step 'a' must be a list of two strings, like equals: "
    "[\"${steps.review.output}\", approve]" },
  { "steps:\n  a:\n    command: [x]\n    timeout: [1s]\n",
    "wrong-type", 4, 14, "a",
    "'timeout' of step 'a' must be a duration, like timeout: 90s" },
  { "context:\n  a: [1]\n",
    "wrong-type", 2, 6, NULL,
    "'context.a' must be a string, like context: {project: todo-app}" },
  { "troupe: \"1\"\n",
    "wrong-type", 1, 9, NULL,
    "'troupe' must be a whole number, like troupe: 1" },
  { "steps:\n  a:\n    command: [x]\nlayout:\n  positions:\n    a: [1, two]\n",
    "wrong-type", 6, 8, NULL,
    "the position of step 'a' in 'layout.positions' must be a list of two numbers, like a: [120, 40]" },

  /* duplicates */
  { "steps:\n  build:\n    command: [make]\n  test:\n    command: [make, test]\n  build:\n    command: [make, all]\n",
    "duplicate-step", 6, 3, "build",
    "step 'build' is defined twice (lines 2 and 6); rename or remove one of them" },
  { "steps:\n  build:\n    command: [make]\n    timeout: 5m\n    timeout: 10m\n",
    "duplicate-key", 5, 5, "build",
    "duplicate key 'timeout' in step 'build' (lines 4 and 5); remove one of them" },
  { "name: a\nname: b\n",
    "duplicate-key", 2, 1, NULL,
    "duplicate key 'name' at the top level (lines 1 and 2); remove one of them" },
  { "agents:\n  a: {}\n  a: {color: \"#000000\"}\n",
    "duplicate-key", 3, 3, NULL,
    "duplicate key 'a' in 'agents' (lines 2 and 3); remove one of them" },
  { "providers:\n  p:\n    command: [p]\n    env: {A: 1, A: 2}\n",
    "duplicate-key", 4, 17, NULL,
    "duplicate key 'A' in 'env' of provider 'p' (line 4, columns 11 and 17); remove one of them" },

  /* bad-duration */
  { "steps:\n  build:\n    command: [make]\n    timeout: 90\n",
    "bad-duration", 4, 14, "build",
    "'timeout' of step 'build' is not a valid duration: '90' has no unit; write 90s (seconds) "
    "or another unit: ms, s, m, h, d" },
  { "defaults:\n  timeout: 5 minutes\n",
    "bad-duration", 2, 12, NULL,
    "'defaults.timeout' is not a valid duration: '5 minutes' is not a duration; the unit must be "
    "one of ms, s, m, h, d, like 90s or 1h30m" },
  { "steps:\n  w:\n    wait_for:\n      glob: a/*.task\n      timeout: 5m\n      poll: fast\n",
    "bad-duration", 6, 13, "w",
    "'wait_for.poll' of step 'w' is not a valid duration: 'fast' is not a duration; write a whole "
    "number and a unit (ms, s, m, h, d), like 90s, 5m or 1h30m" },

  /* out-of-range */
  { "defaults:\n  max_parallel: 0\n",
    "out-of-range", 2, 17, NULL,
    "'defaults.max_parallel' must be between 1 and 1024, not 0" },
  { "agents:\n  a:\n    max_parallel: 2000\n",
    "out-of-range", 3, 19, NULL,
    "'max_parallel' of agent 'a' must be between 1 and 1024, not 2000" },
  { "steps:\n  a:\n    command: [x]\n    retries: {max: 101}\n",
    "out-of-range", 4, 20, "a",
    "'retries.max' of step 'a' must be between 0 and 100, not 101" },
  { "steps:\n  a:\n    command: [x]\n    retries: -1\n",
    "out-of-range", 4, 14, "a",
    "'retries' of step 'a' must be between 0 and 100, not -1" },
  { "steps:\n  a:\n    command: [x]\n    retries: {max: 1, jitter: 1.5}\n",
    "out-of-range", 4, 31, "a",
    "'retries.jitter' of step 'a' must be between 0 and 1, not 1.5" },
  { "steps:\n  w:\n    wait_for: {glob: a/*.task, timeout: 5m, min_count: 0}\n",
    "out-of-range", 3, 56, "w",
    "'wait_for.min_count' of step 'w' must be at least 1, not 0" },
  { "steps:\n  a:\n    command: [x]\n    timeout: 31d\n",
    "out-of-range", 4, 14, "a",
    "'timeout' of step 'a' is 31d, longer than the longest allowed duration (30d); use a shorter one" },
  { "agents:\n  a:\n    color: \"#12345\"\n",
    "out-of-range", 3, 12, NULL,
    "'color' of agent 'a' must be a colour written #rrggbb, like color: \"#3584e4\", not '#12345'" },
  { "providers:\n  p:\n    command: [p]\n    max_output: 0\n",
    "out-of-range", 4, 17, NULL,
    "'max_output' of provider 'p' must be at least 1, not 0" },
  { "providers:\n  p:\n    command: [p]\n    max_output: 99999999999999999999\n",
    "out-of-range", 4, 17, NULL,
    "'max_output' of provider 'p' must be at most 9223372036854775807, not 99999999999999999999" },
  { "defaults:\n  max_parallel: 99999999999999999999999\n",
    "out-of-range", 2, 17, NULL,
    "'defaults.max_parallel' must be between 1 and 1024, not 99999999999999999999999" },

  /* bad-value */
  { "steps:\n  build:\n    command: [make]\n    on_failure: skip\n",
    "bad-value", 4, 17, "build",
    "'on_failure' of step 'build' must be one of stop, skip-dependents, continue, not 'skip'" },
  { "defaults:\n  on_failure: inherit\n",
    "bad-value", 2, 15, NULL,
    "'defaults.on_failure' must be one of stop, skip-dependents, continue, not 'inherit'" },
  { "steps:\n  a:\n    kind: comand\n    command: [x]\n",
    "bad-value", 3, 11, "a",
    "'kind' of step 'a' must be one of agent, command, send, wait, approval, not 'comand'; "
    "did you mean 'command'?" },
  { "steps:\n  a:\n    command: [x]\n    retries: {max: 1, backoff: linear}\n",
    "bad-value", 4, 32, "a",
    "'retries.backoff' of step 'a' must be one of fixed, exponential, not 'linear'" },
  { "providers:\n  p:\n    command: [p]\n    input: file\n",
    "bad-value", 4, 12, NULL,
    "'input' of provider 'p' must be one of argv, stdin, not 'file'" },
  { "providers:\n  p:\n    command: [p]\n    output: xml\n",
    "bad-value", 4, 13, NULL,
    "'output' of provider 'p' must be one of text, lines, json, not 'xml'" },
  { "providers:\n  p:\n    command: [p]\n    output: json\n    result: result\n",
    "bad-value", 5, 13, NULL,
    "'result' of provider 'p' must be a JSON pointer that starts with '/', like result: /result, "
    "not 'result'" },
  { "layout:\n  direction: lr\n",
    "bad-value", 2, 14, NULL,
    "'layout.direction' must be one of TB, LR, BT, RL, not 'lr'; did you mean 'LR'?" },
  { "steps:\n  a:\n    command: [x]\n    when: {}\n",
    "bad-value", 4, 11, "a",
    "'when' of step 'a' must have exactly one operator (equals, not_equals, contains or "
    "not_contains), like when: {equals: [\"${steps.review.output}\", approve]}" },
  { "steps:\n  a:\n    command: [x]\n    when:\n      contains: [a, b]\n      not_equals: [c, d]\n",
    "bad-value", 6, 7, "a",
    "'when' of step 'a' must have exactly one operator, but has 2 (contains, not_equals); keep one" },

  /* unsupported-version */
  { "troupe: 2\nsteps:\n  a:\n    command: [x]\n",
    "unsupported-version", 1, 9, NULL,
    "this file is format version 2, but this version of Troupe reads only version 1; upgrade "
    "Troupe, or write troupe: 1" },
  { "troupe: 0\n",
    "unsupported-version", 1, 9, NULL,
    "this file is format version 0, but this version of Troupe reads only version 1; upgrade "
    "Troupe, or write troupe: 1" },

  { "troupe: 99999999999999999999\n",
    "unsupported-version", 1, 9, NULL,
    "this file is format version 99999999999999999999, but this version of Troupe reads only "
    "version 1; upgrade Troupe, or write troupe: 1" },

  /* bad-step-id */
  { "steps:\n  -bad:\n    command: [x]\n",
    "bad-step-id", 2, 3, "-bad",
    "step id '-bad' is not valid: use 1 to 64 letters, digits, '-' or '_', starting with a "
    "letter or a digit" },
  { "steps:\n  \"a/b\":\n    command: [x]\n",
    "bad-step-id", 2, 3, "a/b",
    "step id 'a/b' is not valid: use 1 to 64 letters, digits, '-' or '_', starting with a "
    "letter or a digit" },

  /* a position for a step that does not exist */
  { "steps:\n  build:\n    command: [make]\nlayout:\n  positions:\n    buld: [1, 2]\n",
    "unknown-key", 6, 5, NULL,
    "'layout.positions' has a position for unknown step 'buld'; did you mean 'build'?" },
};

static void
test_diagnostics (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (diagnostic_cases); i++)
    {
      const DiagnosticCase *c = &diagnostic_cases[i];
      g_autoptr(TroupeWorkflow) workflow = NULL;
      TroupeDiagnostic *first;
      GPtrArray *diagnostics;

      g_test_message ("case %u: %s", i, c->document);
      workflow = load_any (c->document, TROUPE_FILE_FORMAT_YAML);
      dump_load_diagnostics (workflow);
      diagnostics = troupe_workflow_get_load_diagnostics (workflow);
      g_assert_cmpuint (diagnostics->len, >=, 1);

      first = g_ptr_array_index (diagnostics, 0);
      g_assert_cmpstr (first->code, ==, c->code);
      g_assert_cmpstr (first->message, ==, c->message);
      g_assert_cmpuint (first->line, ==, c->line);
      g_assert_cmpuint (first->column, ==, c->column);
      g_assert_cmpstr (first->step_id, ==, c->step_id);
      g_assert_cmpstr (first->file, ==, "test.yaml");
      if (g_str_equal (c->code, "unknown-key") && strstr (c->message, "layout.positions") != NULL)
        g_assert_cmpint (first->severity, ==, TROUPE_SEVERITY_WARNING);
      else
        g_assert_cmpint (first->severity, ==, TROUPE_SEVERITY_ERROR);
    }
}

/* The same problems in JSON, where positions come from the JSON reader. */
static void
test_diagnostics_json (void)
{
  static const DiagnosticCase cases[] = {
    { "{\n  \"troupe\": 1,\n  \"steps\": {\n    \"design\": {\"promt\": \"x\"}\n  }\n}\n",
      "unknown-key", 4, 16, "design",
      "unknown key 'promt' in step 'design'; did you mean 'prompt'?" },
    { "{\n  \"steps\": {\n    \"a\": {\"command\": [\"x\"], \"timeout\": 90}\n  }\n}\n",
      "bad-duration", 3, 40, "a",
      "'timeout' of step 'a' is not a valid duration: '90' has no unit; write 90s (seconds) or "
      "another unit: ms, s, m, h, d" },
    { "{\"steps\": {\"a\": {\"command\": [\"x\"]}, \"a\": {\"command\": [\"y\"]}}}\n",
      "duplicate-step", 1, 37, "a",
      "step 'a' is defined twice (line 1, columns 12 and 37); rename or remove one of them" },
    { "{\"defaults\": {\"max_parallel\": \"4\"}}\n",
      "wrong-type", 1, 31, NULL,
      "'defaults.max_parallel' must be a whole number, like max_parallel: 4" },
    { "{\"defaults\": {\"max_parallel\": 4.0}}\n",
      "wrong-type", 1, 31, NULL,
      "'defaults.max_parallel' must be a whole number, like max_parallel: 4" },
    { "{\"troupe\": 2}\n",
      "unsupported-version", 1, 12, NULL,
      "this file is format version 2, but this version of Troupe reads only version 1; upgrade "
      "Troupe, or write troupe: 1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const DiagnosticCase *c = &cases[i];
      g_autoptr(TroupeWorkflow) workflow = NULL;
      TroupeDiagnostic *first;
      GPtrArray *diagnostics;

      g_test_message ("case %u: %s", i, c->document);
      workflow = load_any (c->document, TROUPE_FILE_FORMAT_JSON);
      dump_load_diagnostics (workflow);
      diagnostics = troupe_workflow_get_load_diagnostics (workflow);
      g_assert_cmpuint (diagnostics->len, >=, 1);

      first = g_ptr_array_index (diagnostics, 0);
      g_assert_cmpstr (first->code, ==, c->code);
      g_assert_cmpstr (first->message, ==, c->message);
      g_assert_cmpuint (first->line, ==, c->line);
      g_assert_cmpuint (first->column, ==, c->column);
      g_assert_cmpstr (first->step_id, ==, c->step_id);
    }
}

/* The readers refuse a root that is not a mapping; the builder, given
 * one anyway, says so instead of failing. */
static void
test_root_not_mapping (void)
{
  g_autoptr(TroupeNode) root = troupe_node_new_sequence ();
  g_autoptr(TroupeNode) null = troupe_node_new_scalar ("", TROUPE_SCALAR_NULL);
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(TroupeWorkflow) empty = NULL;
  TroupeDiagnostic *d;

  troupe_node_set_location (root, 1, 1);
  workflow = troupe_workflow_build (root, "list.yaml");
  g_assert_cmpuint (troupe_workflow_get_load_diagnostics (workflow)->len, ==, 1);
  d = g_ptr_array_index (troupe_workflow_get_load_diagnostics (workflow), 0);
  g_assert_cmpstr (d->code, ==, "wrong-type");
  g_assert_cmpstr (d->file, ==, "list.yaml");
  g_assert_cmpstr (d->message, ==,
                   "a workflow file must be a mapping of keys such as troupe, name and steps, "
                   "not a list");

  /* An empty document is an empty workflow. */
  empty = troupe_workflow_build (null, "empty.yaml");
  g_assert_cmpuint (troupe_workflow_get_load_diagnostics (empty)->len, ==, 0);
  g_assert_cmpuint (troupe_workflow_get_n_steps (empty), ==, 0);
}

/* Values that are unset in YAML terms leave the field unset, quietly. */
static void
test_nulls_and_empties (void)
{
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autofree char *yaml = NULL;
  TroupeStep *step;

  workflow = load_clean ("troupe: 1\n"
                         "name:\n"
                         "description: ~\n"
                         "workspace: .\n"
                         "defaults:\n"
                         "context:\n"
                         "  empty:\n"
                         "  quoted: \"\"\n"
                         "agents:\n"
                         "  a:\n"
                         "steps:\n"
                         "  s:\n"
                         "    agent: a\n"
                         "    prompt: \"\"\n"
                         "    timeout: null\n"
                         "    needs: []\n"
                         "    command: [echo, \"\", null]\n",
                         TROUPE_FILE_FORMAT_YAML, "nulls.yaml");

  g_assert_null (troupe_workflow_get_name (workflow));
  g_assert_null (troupe_workflow_get_description (workflow));
  g_assert_null (troupe_workflow_get_workspace (workflow));
  g_assert_cmpstr (troupe_workflow_get_context (workflow, "empty"), ==, "");
  g_assert_cmpstr (troupe_workflow_get_context (workflow, "quoted"), ==, "");
  g_assert_nonnull (troupe_workflow_lookup_agent (workflow, "a"));

  step = troupe_workflow_lookup_step (workflow, "s");
  g_assert_nonnull (step);
  g_assert_null (troupe_step_get_prompt (step));
  g_assert_cmpint (troupe_step_get_timeout (step), ==, TROUPE_DURATION_UNSET);
  g_assert_null (troupe_step_get_needs (step));
  g_assert_cmpint (troupe_step_get_kind (step), ==, TROUPE_STEP_KIND_COMMAND);
  g_assert_cmpuint (g_strv_length ((char **) troupe_step_get_command (step)), ==, 3);
  g_assert_cmpstr (troupe_step_get_command (step)[2], ==, "");

  yaml = save (workflow, TROUPE_FILE_FORMAT_YAML);
  g_assert_cmpstr (yaml, ==,
                   "troupe: 1\n"
                   "context:\n"
                   "  empty: \"\"\n"
                   "  quoted: \"\"\n"
                   "agents:\n"
                   "  a: {}\n"
                   "steps:\n"
                   "  s:\n"
                   "    agent: a\n"
                   "    command: [echo, \"\", \"\"]\n");
}

static void
test_no_version (void)
{
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autofree char *yaml = NULL;

  workflow = load_clean ("steps:\n  a:\n    command: [make]\n", TROUPE_FILE_FORMAT_YAML, "v.yaml");
  g_assert_cmpuint (troupe_workflow_get_n_steps (workflow), ==, 1);

  /* The writer always says which version it wrote. */
  yaml = save (workflow, TROUPE_FILE_FORMAT_YAML);
  g_assert_cmpstr (yaml, ==, "troupe: 1\nsteps:\n  a:\n    command: [make]\n");

  g_clear_object (&workflow);
  workflow = load_clean ("{\"steps\": {\"a\": {\"command\": [\"make\"]}}}",
                         TROUPE_FILE_FORMAT_JSON, "v.json");
  g_assert_cmpuint (troupe_workflow_get_n_steps (workflow), ==, 1);
}

static void
test_duplicate_steps (void)
{
  g_autoptr(TroupeWorkflow) workflow = NULL;
  GPtrArray *diagnostics;
  TroupeDiagnostic *d;
  TroupeStep *step;

  workflow = load_any ("steps:\n"
                       "  build:\n"
                       "    command: [make, first]\n"
                       "  other:\n"
                       "    command: [true]\n"
                       "  build:\n"
                       "    command: [make, second]\n"
                       "    needs: [nowhere]\n"
                       "  last:\n"
                       "    command: [true]\n"
                       "    needs: [build]\n",
                       TROUPE_FILE_FORMAT_YAML);

  /* The first is kept, in its place; the second is reported, not added. */
  g_assert_cmpuint (troupe_workflow_get_n_steps (workflow), ==, 3);
  g_assert_cmpint (troupe_workflow_get_step_index (workflow, "build"), ==, 0);
  g_assert_cmpint (troupe_workflow_get_step_index (workflow, "last"), ==, 2);
  step = troupe_workflow_lookup_step (workflow, "build");
  g_assert_cmpstr (troupe_step_get_command (step)[1], ==, "first");
  g_assert_null (troupe_step_get_needs (step));

  diagnostics = troupe_workflow_get_load_diagnostics (workflow);
  g_assert_cmpuint (diagnostics->len, ==, 1);
  d = g_ptr_array_index (diagnostics, 0);
  g_assert_cmpstr (d->code, ==, "duplicate-step");
  g_assert_cmpuint (d->line, ==, 6);
  g_assert_cmpuint (d->column, ==, 3);
  g_assert_nonnull (strstr (d->message, "lines 2 and 6"));

  /* Its location is the first one's. */
  {
    guint line = 0, column = 0;

    g_assert_true (troupe_workflow_get_location (workflow, "/steps/build", &line, &column));
    g_assert_cmpuint (line, ==, 2);
    g_assert_cmpuint (column, ==, 3);
  }
}

static void
assert_location (TroupeWorkflow *workflow,
                 const char     *pointer,
                 guint           line,
                 guint           column)
{
  guint l = 0, c = 0;

  if (!troupe_workflow_get_location (workflow, pointer, &l, &c))
    g_error ("no location for %s", pointer);
  if (l != line || c != column)
    g_error ("%s is at %u:%u, expected %u:%u", pointer, l, c, line, column);
}

static void
test_locations (void)
{
  g_autoptr(TroupeWorkflow) yaml = NULL;
  g_autoptr(TroupeWorkflow) json = NULL;

  yaml = load_clean ("troupe: 1\n"                         /* 1 */
                     "name: Locations\n"                   /* 2 */
                     "defaults:\n"                         /* 3 */
                     "  timeout: 5m\n"                     /* 4 */
                     "agents:\n"                           /* 5 */
                     "  a/b~c:\n"                          /* 6 */
                     "    color: \"#000000\"\n"            /* 7 */
                     "steps:\n"                            /* 8 */
                     "  build:\n"                          /* 9 */
                     "    command: [make]\n"               /* 10 */
                     "  test:\n"                           /* 11 */
                     "    command: [make, test]\n"         /* 12 */
                     "    needs: [build, lint]\n"          /* 13 */
                     "    retries: {max: 2}\n"             /* 14 */
                     "    when:\n"                         /* 15 */
                     "      not_equals: [a, b]\n"          /* 16 */
                     "layout:\n"                           /* 17 */
                     "  positions:\n"                      /* 18 */
                     "    build: [1, 2]\n",                /* 19 */
                     TROUPE_FILE_FORMAT_YAML, "loc.yaml");

  assert_location (yaml, "", 1, 1);
  assert_location (yaml, "/troupe", 1, 9);
  assert_location (yaml, "/name", 2, 7);
  assert_location (yaml, "/defaults", 4, 3);
  assert_location (yaml, "/defaults/timeout", 4, 12);
  /* Members of agents, providers and steps are where their name is. */
  assert_location (yaml, "/agents/a~1b~0c", 6, 3);
  assert_location (yaml, "/agents/a~1b~0c/color", 7, 12);
  assert_location (yaml, "/steps/build", 9, 3);
  assert_location (yaml, "/steps/test", 11, 3);
  assert_location (yaml, "/steps/build/command", 10, 14);
  assert_location (yaml, "/steps/build/command/0", 10, 15);
  assert_location (yaml, "/steps/test/needs", 13, 12);
  assert_location (yaml, "/steps/test/needs/0", 13, 13);
  assert_location (yaml, "/steps/test/needs/1", 13, 20);
  assert_location (yaml, "/steps/test/retries/max", 14, 20);
  assert_location (yaml, "/steps/test/when/not_equals/1", 16, 23);
  assert_location (yaml, "/layout/positions/build", 19, 12);
  assert_location (yaml, "/layout/positions/build/1", 19, 16);

  json = load_clean ("{\n"
                     "  \"steps\": {\n"
                     "    \"build\": {\"command\": [\"make\"]},\n"
                     "    \"test\": {\n"
                     "      \"needs\": [\"build\", \"lint\"]\n"
                     "    }\n"
                     "  }\n"
                     "}\n",
                     TROUPE_FILE_FORMAT_JSON, "loc.json");
  assert_location (json, "/steps/build", 3, 5);
  assert_location (json, "/steps/test", 4, 5);
  assert_location (json, "/steps/test/needs/1", 5, 26);
}

static void
test_fields_survive (void)
{
  static const char document[] =
    "troupe: 1\n"
    "defaults:\n"
    "  provider: mock\n"
    "  timeout: 1h\n"
    "  retries: {max: 4, backoff: exponential, delay: 250ms, max_delay: 2m, jitter: 0.5}\n"
    "  on_failure: continue\n"
    "  max_parallel: 3\n"
    "context:\n"
    "  zeta: 1\n"
    "  alpha: 2.50\n"
    "  mid: true\n"
    "agents:\n"
    "  writer:\n"
    "    provider: claude\n"
    "    color: \"#AbCdEf\"\n"
    "    description: Writes.\n"
    "    max_parallel: 2\n"
    "providers:\n"
    "  my:\n"
    "    command: [my, \"${prompt}\"]\n"
    "    input: stdin\n"
    "    output: json\n"
    "    env: {Z: last, A: 007}\n"
    "    max_output: 4096\n"
    "    max_parallel: 5\n"
    "    result: /r\n"
    "    cost: /c\n"
    "    tokens: /t\n"
    "steps:\n"
    "  s:\n"
    "    agent: writer\n"
    "    prompt: Write.\n";
  g_autoptr(TroupeWorkflow) yaml = load_clean (document, TROUPE_FILE_FORMAT_YAML, "f.yaml");
  g_autofree char *json_text = save (yaml, TROUPE_FILE_FORMAT_JSON);
  g_autoptr(TroupeWorkflow) json = load_clean (json_text, TROUPE_FILE_FORMAT_JSON, "f.json");
  TroupeWorkflow *both[] = { yaml, json };

  g_assert_true (troupe_workflow_equal (yaml, json));

  for (guint i = 0; i < G_N_ELEMENTS (both); i++)
    {
      TroupeWorkflow *w = both[i];
      const TroupeRetryPolicy *retries = troupe_workflow_get_default_retries (w);
      const char * const *keys = troupe_workflow_get_context_keys (w);
      const char * const expected_keys[] = { "zeta", "alpha", "mid", NULL };
      TroupeAgent *agent = troupe_workflow_lookup_agent (w, "writer");
      TroupeProvider *provider = troupe_workflow_lookup_provider (w, "my");
      g_auto(GStrv) env = NULL;

      g_assert_cmpstr (troupe_workflow_get_default_provider (w), ==, "mock");
      g_assert_cmpint (troupe_workflow_get_default_timeout (w), ==, 3600 * 1000);
      g_assert_nonnull (retries);
      g_assert_cmpuint (retries->max_retries, ==, 4);
      g_assert_cmpint (retries->backoff, ==, TROUPE_BACKOFF_EXPONENTIAL);
      g_assert_cmpint (retries->delay_ms, ==, 250);
      g_assert_cmpint (retries->max_delay_ms, ==, 120 * 1000);
      g_assert_cmpfloat (retries->jitter, ==, 0.5);
      g_assert_cmpint (troupe_workflow_get_default_on_failure (w), ==, TROUPE_FAILURE_POLICY_CONTINUE);
      g_assert_cmpuint (troupe_workflow_get_max_parallel (w), ==, 3);

      /* Context keeps file order and each value's text as written. */
      g_assert_true (troupe_strv_equal0 (keys, expected_keys));
      g_assert_cmpstr (troupe_workflow_get_context (w, "alpha"), ==, "2.50");
      g_assert_cmpstr (troupe_workflow_get_context (w, "mid"), ==, "true");

      g_assert_nonnull (agent);
      g_assert_cmpstr (troupe_agent_get_provider (agent), ==, "claude");
      g_assert_cmpstr (troupe_agent_get_color (agent), ==, "#AbCdEf");
      g_assert_cmpstr (troupe_agent_get_description (agent), ==, "Writes.");
      g_assert_cmpuint (troupe_agent_get_max_parallel (agent), ==, 2);

      g_assert_nonnull (provider);
      g_assert_cmpstr (troupe_provider_get_command (provider)[1], ==, "${prompt}");
      g_assert_cmpint (troupe_provider_get_input_mode (provider), ==, TROUPE_INPUT_MODE_STDIN);
      g_assert_cmpint (troupe_provider_get_output_format (provider), ==, TROUPE_OUTPUT_FORMAT_JSON);
      env = troupe_provider_dup_env_names (provider);
      g_assert_cmpuint (g_strv_length (env), ==, 2);
      g_assert_cmpstr (troupe_provider_get_env (provider, "A"), ==, "007");
      g_assert_cmpstr (troupe_provider_get_env (provider, "Z"), ==, "last");
      g_assert_cmpuint (troupe_provider_get_max_output (provider), ==, 4096);
      g_assert_cmpuint (troupe_provider_get_max_parallel (provider), ==, 5);
      g_assert_cmpstr (troupe_provider_get_result_pointer (provider), ==, "/r");
      g_assert_cmpstr (troupe_provider_get_cost_pointer (provider), ==, "/c");
      g_assert_cmpstr (troupe_provider_get_tokens_pointer (provider), ==, "/t");
    }

  /* Numbers are numbers in JSON, and durations strings. */
  g_assert_nonnull (strstr (json_text, "\"max_parallel\": 3"));
  g_assert_nonnull (strstr (json_text, "\"jitter\": 0.5"));
  g_assert_nonnull (strstr (json_text, "\"timeout\": \"1h\""));
  g_assert_nonnull (strstr (json_text, "\"alpha\": \"2.50\""));
}

static void
test_text_survives (void)
{
  static const char * const texts[] = {
    "Say \"hello\" and 'goodbye'.",
    "Line one\nLine two\n",
    "No newline at the end\nof the last line",
    "Run $(rm -rf /) and `ls` and ${not.a.template",
    "Unicode: café, naïve, 日本語, Ελληνικά, emoji 🎭 and 👩‍💻",
    "  leading spaces\n    and indented lines\n",
    "trailing spaces   \nsecond line\n",
    "tabs\there\tand\tthere\n",
    "---\nlooks like a document marker\n...\n",
    "key: value\n- item\n# comment\n",
    "ends with two newlines\n\n",
    "\nstarts with a newline",
    "back\\slash and \\n not a newline",
    "yes",
    "1.5",
    "~",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(TroupeWorkflow) workflow = troupe_workflow_new ();
      g_autoptr(TroupeStep) step = troupe_step_new ("s", TROUPE_STEP_KIND_AGENT);
      g_autoptr(GError) error = NULL;
      TroupeFileFormat formats[] = { TROUPE_FILE_FORMAT_YAML, TROUPE_FILE_FORMAT_JSON };

      troupe_step_set_prompt (step, texts[i]);
      troupe_step_set_approval (step, texts[i]);
      troupe_workflow_set_context (workflow, "text", texts[i]);
      troupe_workflow_add_step (workflow, step, &error);
      g_assert_no_error (error);

      for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
        {
          g_autofree char *text = save (workflow, formats[f]);
          g_autoptr(TroupeWorkflow) loaded = load_clean (text, formats[f], "text");
          TroupeStep *s = troupe_workflow_lookup_step (loaded, "s");
          /* An empty text is no text. */
          const char *expected = texts[i][0] != '\0' ? texts[i] : NULL;

          g_test_message ("%s", text);
          g_assert_nonnull (s);
          g_assert_cmpstr (troupe_step_get_prompt (s), ==, expected);
          g_assert_cmpstr (troupe_step_get_approval (s), ==, expected);
          g_assert_cmpstr (troupe_workflow_get_context (loaded, "text"), ==, texts[i]);
        }
    }
}

static void
test_numbers (void)
{
  static const double values[] = {
    120, 40, 0, -12.25, 0.1, 1.0 / 3.0, 1e-7, 1e300, -5e-324, 9007199254740993.0, 123456789.5,
  };
  g_autoptr(TroupeWorkflow) workflow = troupe_workflow_new ();
  g_autofree char *yaml = NULL;
  g_autofree char *json = NULL;

  for (guint i = 0; i + 1 < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(TroupeStep) step = NULL;
      g_autofree char *id = g_strdup_printf ("s%u", i);
      g_autoptr(GError) error = NULL;

      step = troupe_step_new (id, TROUPE_STEP_KIND_COMMAND);
      troupe_step_set_command (step, (const char * const[]) { "true", NULL });
      troupe_step_set_position (step, values[i], values[i + 1]);
      troupe_workflow_add_step (workflow, step, &error);
      g_assert_no_error (error);
    }

  yaml = save (workflow, TROUPE_FILE_FORMAT_YAML);
  json = save (workflow, TROUPE_FILE_FORMAT_JSON);
  g_test_message ("%s", yaml);

  /* Whole numbers without a dot, others in their shortest exact form. */
  g_assert_nonnull (strstr (yaml, "    s0: [120, 40]\n"));
  g_assert_nonnull (strstr (yaml, "    s2: [0, -12.25]\n"));
  g_assert_nonnull (strstr (yaml, "    s3: [-12.25, 0.1]\n"));
  g_assert_nonnull (strstr (json, "\"s0\": [120, 40]"));
  g_assert_nonnull (strstr (json, "\"s3\": [-12.25, 0.1]"));

  for (guint f = 0; f < 2; f++)
    {
      g_autoptr(TroupeWorkflow) loaded = NULL;

      loaded = load_clean (f == 0 ? yaml : json,
                           f == 0 ? TROUPE_FILE_FORMAT_YAML : TROUPE_FILE_FORMAT_JSON, "n");
      for (guint i = 0; i + 1 < G_N_ELEMENTS (values); i++)
        {
          g_autofree char *id = g_strdup_printf ("s%u", i);
          TroupeStep *step = troupe_workflow_lookup_step (loaded, id);
          double x = 0, y = 0;

          g_assert_true (troupe_step_get_position (step, &x, &y));
          g_assert_cmpfloat (x, ==, values[i]);
          g_assert_cmpfloat (y, ==, values[i + 1]);
        }
      g_assert_true (troupe_workflow_equal (workflow, loaded));
    }
}

static void
test_kind (void)
{
  g_autoptr(TroupeWorkflow) workflow = troupe_workflow_new ();
  g_autoptr(TroupeStep) plain = troupe_step_new ("plain", TROUPE_STEP_KIND_COMMAND);
  g_autoptr(TroupeStep) odd = troupe_step_new ("odd", TROUPE_STEP_KIND_AGENT);
  g_autoptr(TroupeStep) gate = troupe_step_new ("gate", TROUPE_STEP_KIND_APPROVAL);
  g_autoptr(TroupeWorkflow) loaded = NULL;
  g_autofree char *yaml = NULL;

  troupe_step_set_command (plain, (const char * const[]) { "make", NULL });
  troupe_step_set_command (odd, (const char * const[]) { "make", NULL });
  troupe_workflow_add_step (workflow, plain, NULL);
  troupe_workflow_add_step (workflow, odd, NULL);
  troupe_workflow_add_step (workflow, gate, NULL);

  /* kind is written only where the fields would suggest another. */
  yaml = save (workflow, TROUPE_FILE_FORMAT_YAML);
  g_assert_cmpstr (yaml, ==,
                   "troupe: 1\n"
                   "steps:\n"
                   "  plain:\n"
                   "    command: [make]\n"
                   "  odd:\n"
                   "    kind: agent\n"
                   "    command: [make]\n"
                   "  gate:\n"
                   "    kind: approval\n");

  loaded = load_clean (yaml, TROUPE_FILE_FORMAT_YAML, "kind.yaml");
  g_assert_true (troupe_workflow_equal (workflow, loaded));
  g_assert_cmpint (troupe_step_get_kind (troupe_workflow_lookup_step (loaded, "odd")), ==,
                   TROUPE_STEP_KIND_AGENT);

  /* The kind comes from the keys that are there, even empty ones. */
  g_clear_object (&loaded);
  loaded = load_any ("steps:\n  w:\n    wait_for: {}\n  c:\n    command: []\n", TROUPE_FILE_FORMAT_YAML);
  g_assert_cmpint (troupe_step_get_kind (troupe_workflow_lookup_step (loaded, "w")), ==,
                   TROUPE_STEP_KIND_WAIT);
  g_assert_cmpint (troupe_step_get_kind (troupe_workflow_lookup_step (loaded, "c")), ==,
                   TROUPE_STEP_KIND_COMMAND);
}

static void
test_retries_forms (void)
{
  g_autoptr(TroupeWorkflow) workflow = troupe_workflow_new ();
  g_autoptr(TroupeStep) a = troupe_step_new ("a", TROUPE_STEP_KIND_COMMAND);
  g_autoptr(TroupeStep) b = troupe_step_new ("b", TROUPE_STEP_KIND_COMMAND);
  g_autoptr(TroupeRetryPolicy) shorthand = troupe_retry_policy_new (3);
  g_autoptr(TroupeRetryPolicy) full = troupe_retry_policy_new (2);
  g_autoptr(TroupeWorkflow) loaded = NULL;
  g_autofree char *yaml = NULL;

  full->delay_ms = 90 * 1000;
  troupe_step_set_command (a, (const char * const[]) { "x", NULL });
  troupe_step_set_command (b, (const char * const[]) { "z", NULL });
  troupe_step_set_retries (a, shorthand);
  troupe_step_set_retries (b, full);
  troupe_step_set_on_failure (b, TROUPE_FAILURE_POLICY_SKIP_DEPENDENTS);
  troupe_workflow_add_step (workflow, a, NULL);
  troupe_workflow_add_step (workflow, b, NULL);
  troupe_workflow_set_default_retries (workflow, full);
  troupe_workflow_set_rank_dir (workflow, TROUPE_RANK_DIR_RL);

  yaml = save (workflow, TROUPE_FILE_FORMAT_YAML);
  g_assert_cmpstr (yaml, ==,
                   "troupe: 1\n"
                   "defaults:\n"
                   "  retries:\n"
                   "    max: 2\n"
                   "    delay: 90s\n"
                   "steps:\n"
                   "  a:\n"
                   "    command: [x]\n"
                   "    retries: 3\n"
                   "  b:\n"
                   "    command: [z]\n"
                   "    retries:\n"
                   "      max: 2\n"
                   "      delay: 90s\n"
                   "    on_failure: skip-dependents\n"
                   "layout:\n"
                   "  direction: RL\n");

  loaded = load_clean (yaml, TROUPE_FILE_FORMAT_YAML, "r.yaml");
  g_assert_true (troupe_workflow_equal (workflow, loaded));
}

static void
test_schema_parses (void)
{
  g_autofree char *path = source_path ("data", "workflow.schema.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonObject *defs;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));

  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "$schema"), ==,
                   "https://json-schema.org/draft/2020-12/schema");
  g_assert_cmpstr (json_object_get_string_member (root, "$id"), ==,
                   "https://troupe.github.io/schema/workflow-1.json");
  g_assert_false (json_object_get_boolean_member (root, "additionalProperties"));

  /* The duration pattern is the format's. */
  defs = json_object_get_object_member (root, "$defs");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (defs, "duration"),
                                                  "pattern"), ==,
                   "^([0-9]+(ms|s|m|h|d))+$");
}

static void
test_large (void)
{
  GString *text = g_string_new ("troupe: 1\ndefaults:\n  provider: mock\nsteps:\n");
  g_autoptr(TroupeNode) root = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(GError) error = NULL;
  clock_t start;
  double elapsed;
  const guint n = 10000;

  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (text, "  s%u:\n    prompt: Step %u.\n    timeout: 5m\n", i, i);
      if (i > 0)
        g_string_append_printf (text, "    needs: [s%u]\n", i - 1);
    }
  g_string_append (text, "layout:\n  positions:\n");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (text, "    s%u: [%u, 40]\n", i, i * 10);

  root = troupe_yaml_read (text->str, text->len, "large.yaml", NULL, &error);
  g_assert_no_error (error);

  /* Processor time, not wall time: other processes on a busy machine do
   * not count against the builder. */
  start = clock ();
  workflow = troupe_workflow_build (root, "large.yaml");
  elapsed = (double) (clock () - start) / CLOCKS_PER_SEC;

  g_test_message ("built %u steps in %.1f ms of processor time", n, elapsed * 1000);
  g_assert_cmpuint (troupe_workflow_get_n_steps (workflow), ==, n);
  g_assert_cmpuint (troupe_workflow_get_load_diagnostics (workflow)->len, ==, 0);
  /* Tens of milliseconds normally; the bound leaves room for sanitizers
   * and a busy machine, and still catches quadratic work. */
  g_assert_cmpfloat (elapsed, <, 2.0);

  g_string_free (text, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/troupe/formats/round-trip/good-yaml", test_round_trip_good_yaml);
  g_test_add_func ("/troupe/formats/round-trip/good-json", test_round_trip_good_json);
  g_test_add_func ("/troupe/formats/round-trip/examples", test_round_trip_examples);
  g_test_add_func ("/troupe/formats/everything/same-in-both", test_everything_same_in_both);
  g_test_add_func ("/troupe/formats/everything/every-field", test_everything_uses_every_field);
  g_test_add_func ("/troupe/formats/stable", test_stable);
  g_test_add_func ("/troupe/formats/edit-one-step", test_edit_one_step);
  g_test_add_func ("/troupe/formats/diagnostics/yaml", test_diagnostics);
  g_test_add_func ("/troupe/formats/diagnostics/json", test_diagnostics_json);
  g_test_add_func ("/troupe/formats/root-not-mapping", test_root_not_mapping);
  g_test_add_func ("/troupe/formats/nulls-and-empties", test_nulls_and_empties);
  g_test_add_func ("/troupe/formats/no-version", test_no_version);
  g_test_add_func ("/troupe/formats/duplicate-steps", test_duplicate_steps);
  g_test_add_func ("/troupe/formats/locations", test_locations);
  g_test_add_func ("/troupe/formats/fields-survive", test_fields_survive);
  g_test_add_func ("/troupe/formats/text-survives", test_text_survives);
  g_test_add_func ("/troupe/formats/numbers", test_numbers);
  g_test_add_func ("/troupe/formats/kind", test_kind);
  g_test_add_func ("/troupe/formats/retries", test_retries_forms);
  g_test_add_func ("/troupe/formats/schema-parses", test_schema_parses);
  g_test_add_func ("/troupe/formats/large", test_large);

  return g_test_run ();
}
