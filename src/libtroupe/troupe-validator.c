/* troupe-validator.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "troupe-duration.h"
#include "troupe-enums.h"
#include "troupe-path.h"
#include "troupe-strutil.h"
#include "troupe-template.h"
#include "troupe-validator.h"

/* The validator looks at a whole workflow at once: the graph is turned into
 * index arrays (CSR adjacency) once, so every rule is linear in the size of
 * the workflow; a workflow of ten thousand steps validates in milliseconds
 * plus the filesystem checks of its paths. Nothing recurses on the graph,
 * so a long chain of steps cannot exhaust the stack. */

#define NO_INDEX G_MAXUINT

typedef struct
{
  TroupeWorkflow  *workflow;
  GPtrArray       *diagnostics;
  const char      *file;
  char            *workspace_root;

  GPtrArray       *steps;           /* borrowed */
  guint            n_steps;
  GHashTable      *index;           /* step id -> index + 1 */

  /* NULL-terminated name lists for did-you-mean suggestions. */
  const char     **step_ids;
  const char     **agent_names;
  const char     **provider_names;  /* the workflow's own and the built-ins */
  char            *builtin_list;    /* "claude, codex, ..." for messages */

  /* Needs as CSR arrays: the steps i needs are needs_to[needs_at[i]
   * .. needs_at[i + 1]), the steps that need i are dependents_to[...]. Needs
   * that name a missing step, or the step itself, are left out. */
  guint           *needs_at;
  guint           *needs_to;
  guint           *dependents_at;
  guint           *dependents_to;

  /* Strongly connected components: comp[i] numbers i's component in
   * topological order, so along every need edge u -> v, comp[u] <= comp[v]. */
  guint           *comp;

  /* Scratch for searches: a node is visited when stamp[i] == generation. */
  guint           *stamp;
  guint            generation;
  guint           *queue;
  guint           *parent;

  /* References to other steps' results waiting for an answer. */
  GArray          *references;
} Validator;

static void
validator_clear (Validator *v)
{
  g_clear_pointer (&v->workspace_root, g_free);
  g_clear_pointer (&v->index, g_hash_table_unref);
  g_clear_pointer (&v->step_ids, g_free);
  g_clear_pointer (&v->agent_names, g_free);
  g_clear_pointer (&v->provider_names, g_free);
  g_clear_pointer (&v->builtin_list, g_free);
  g_clear_pointer (&v->needs_at, g_free);
  g_clear_pointer (&v->needs_to, g_free);
  g_clear_pointer (&v->dependents_at, g_free);
  g_clear_pointer (&v->dependents_to, g_free);
  g_clear_pointer (&v->comp, g_free);
  g_clear_pointer (&v->stamp, g_free);
  g_clear_pointer (&v->queue, g_free);
  g_clear_pointer (&v->parent, g_free);
  g_clear_pointer (&v->references, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Validator, validator_clear)

/* Finds where @pointer was in the file; when the loader kept no location
 * for it, its closest ancestor that has one ("/steps/a/needs/2" falls back
 * to "/steps/a/needs", then "/steps/a", ..., then "", the document). */
static void
locate (Validator  *v,
        const char *pointer,
        guint      *line,
        guint      *column)
{
  g_autofree char *copy = g_strdup (pointer);

  *line = 0;
  *column = 0;

  for (;;)
    {
      char *slash;

      if (troupe_workflow_get_location (v->workflow, copy, line, column))
        return;

      slash = strrchr (copy, '/');
      if (slash == NULL)
        return;
      *slash = '\0';
    }
}

/* @pointer is a JSON pointer into the file ("/defaults/provider"), or,
 * when it does not start with '/', one relative to step @step_id
 * ("needs/2"; "" for the step itself). */
static void report (Validator      *v,
                    TroupeSeverity  severity,
                    const char     *code,
                    const char     *step_id,
                    const char     *pointer,
                    const char     *format,
                    ...) G_GNUC_PRINTF (6, 7);

static void
report (Validator      *v,
        TroupeSeverity  severity,
        const char     *code,
        const char     *step_id,
        const char     *pointer,
        const char     *format,
        ...)
{
  g_autofree char *message = NULL;
  TroupeDiagnostic *diagnostic;
  guint line = 0;
  guint column = 0;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (pointer != NULL && pointer[0] != '/' && step_id != NULL)
    {
      g_autofree char *escaped = troupe_json_pointer_escape (step_id);
      g_autofree char *absolute = NULL;

      if (pointer[0] == '\0')
        absolute = g_strconcat ("/steps/", escaped, NULL);
      else
        absolute = g_strconcat ("/steps/", escaped, "/", pointer, NULL);
      locate (v, absolute, &line, &column);
    }
  else if (pointer != NULL)
    locate (v, pointer, &line, &column);

  diagnostic = troupe_diagnostic_new (severity, code, step_id, line, column, "%s", message);
  troupe_diagnostic_set_file (diagnostic, v->file);
  g_ptr_array_add (v->diagnostics, diagnostic);
}

/* "; did you mean 'x'?" when a candidate is close, else @otherwise. */
static char *
suggestion (const char         *word,
            const char * const *candidates,
            const char         *otherwise)
{
  const char *best = NULL;

  if (candidates != NULL && candidates[0] != NULL)
    best = troupe_suggest (word, candidates);

  if (best != NULL)
    return g_strdup_printf ("; did you mean '%s'?", best);
  return g_strdup (otherwise);
}

static guint
lookup_index (Validator  *v,
              const char *id)
{
  gpointer value;

  if (id == NULL)
    return NO_INDEX;

  value = g_hash_table_lookup (v->index, id);
  if (value == NULL)
    return NO_INDEX;
  return GPOINTER_TO_UINT (value) - 1;
}

static TroupeStep *
step_at (Validator *v,
         guint      i)
{
  return g_ptr_array_index (v->steps, i);
}

static gboolean
provider_is_known (Validator  *v,
                   const char *name)
{
  return troupe_workflow_lookup_provider (v->workflow, name) != NULL ||
         troupe_provider_is_builtin_name (name);
}

static void
collect_names (Validator *v)
{
  GPtrArray *agents = troupe_workflow_get_agents (v->workflow);
  GPtrArray *providers = troupe_workflow_get_providers (v->workflow);
  const char * const *builtins = troupe_provider_get_builtin_names ();
  guint n_agents = agents != NULL ? agents->len : 0;
  guint n_providers = providers != NULL ? providers->len : 0;
  guint n_builtins = builtins != NULL ? g_strv_length ((char **) builtins) : 0;
  guint k = 0;

  v->index = g_hash_table_new (g_str_hash, g_str_equal);
  v->step_ids = g_new0 (const char *, v->n_steps + 1);
  for (guint i = 0; i < v->n_steps; i++)
    {
      const char *id = troupe_step_get_id (step_at (v, i));

      v->step_ids[i] = id;
      /* The workflow refuses duplicate ids; keep the first just in case. */
      if (!g_hash_table_contains (v->index, id))
        g_hash_table_insert (v->index, (gpointer) id, GUINT_TO_POINTER (i + 1));
    }

  v->agent_names = g_new0 (const char *, n_agents + 1);
  for (guint i = 0; i < n_agents; i++)
    v->agent_names[i] = troupe_agent_get_name (g_ptr_array_index (agents, i));

  v->provider_names = g_new0 (const char *, n_providers + n_builtins + 1);
  for (guint i = 0; i < n_providers; i++)
    v->provider_names[k++] = troupe_provider_get_name (g_ptr_array_index (providers, i));
  for (guint i = 0; i < n_builtins; i++)
    if (troupe_workflow_lookup_provider (v->workflow, builtins[i]) == NULL)
      v->provider_names[k++] = builtins[i];

  v->builtin_list = builtins != NULL ? g_strjoinv (", ", (char **) builtins) : g_strdup ("");
}

/* Graph */

static void
build_graph (Validator *v)
{
  guint n = v->n_steps;
  guint n_edges = 0;
  g_autofree guint *fill = NULL;

  v->needs_at = g_new0 (guint, n + 1);
  v->dependents_at = g_new0 (guint, n + 1);

  for (guint i = 0; i < n; i++)
    {
      const char * const *needs = troupe_step_get_needs (step_at (v, i));

      v->needs_at[i + 1] = v->needs_at[i];
      for (guint k = 0; needs != NULL && needs[k] != NULL; k++)
        {
          guint j = lookup_index (v, needs[k]);

          if (j == NO_INDEX || j == i)
            continue;
          v->needs_at[i + 1]++;
          v->dependents_at[j + 1]++;
        }
    }

  n_edges = v->needs_at[n];
  for (guint i = 0; i < n; i++)
    v->dependents_at[i + 1] += v->dependents_at[i];

  v->needs_to = g_new (guint, MAX (n_edges, 1));
  v->dependents_to = g_new (guint, MAX (n_edges, 1));
  fill = g_memdup2 (v->dependents_at, sizeof (guint) * (n + 1));

  for (guint i = 0; i < n; i++)
    {
      const char * const *needs = troupe_step_get_needs (step_at (v, i));
      guint e = v->needs_at[i];

      for (guint k = 0; needs != NULL && needs[k] != NULL; k++)
        {
          guint j = lookup_index (v, needs[k]);

          if (j == NO_INDEX || j == i)
            continue;
          v->needs_to[e++] = j;
          v->dependents_to[fill[j]++] = i;
        }
    }

  v->stamp = g_new0 (guint, MAX (n, 1));
  v->queue = g_new (guint, MAX (n, 1));
  v->parent = g_new (guint, MAX (n, 1));
}

typedef struct
{
  guint node;
  guint edge;
} Frame;

/* Tarjan's strongly connected components, with an explicit stack. Calls
 * report_cycle for every component of more than one step. */
static void report_cycle (Validator *v,
                          guint      first,
                          guint      component);

static void
find_components (Validator *v)
{
  guint n = v->n_steps;
  g_autofree guint *order = g_new (guint, MAX (n, 1));
  g_autofree guint *low = g_new (guint, MAX (n, 1));
  g_autofree gboolean *on_stack = g_new0 (gboolean, MAX (n, 1));
  g_autofree guint *stack = g_new (guint, MAX (n, 1));
  g_autofree Frame *frames = g_new (Frame, MAX (n, 1));
  g_autoptr(GArray) cyclic = g_array_new (FALSE, FALSE, sizeof (guint) * 2);
  guint n_stack = 0;
  guint counter = 0;
  guint n_components = 0;

  v->comp = g_new (guint, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    order[i] = NO_INDEX;

  for (guint root = 0; root < n; root++)
    {
      guint n_frames = 0;

      if (order[root] != NO_INDEX)
        continue;

      frames[n_frames++] = (Frame) { root, v->dependents_at[root] };
      order[root] = low[root] = counter++;
      stack[n_stack++] = root;
      on_stack[root] = TRUE;

      while (n_frames > 0)
        {
          Frame *frame = &frames[n_frames - 1];
          guint node = frame->node;

          if (frame->edge < v->dependents_at[node + 1])
            {
              guint next = v->dependents_to[frame->edge++];

              if (order[next] == NO_INDEX)
                {
                  order[next] = low[next] = counter++;
                  stack[n_stack++] = next;
                  on_stack[next] = TRUE;
                  frames[n_frames++] = (Frame) { next, v->dependents_at[next] };
                }
              else if (on_stack[next])
                low[node] = MIN (low[node], order[next]);
              continue;
            }

          if (low[node] == order[node])
            {
              guint first = node;
              guint size = 0;
              guint member;

              do
                {
                  member = stack[--n_stack];
                  on_stack[member] = FALSE;
                  v->comp[member] = n_components;
                  first = MIN (first, member);
                  size++;
                }
              while (member != node);

              if (size > 1)
                {
                  guint pair[2] = { first, n_components };

                  g_array_append_val (cyclic, pair);
                }
              n_components++;
            }

          n_frames--;
          if (n_frames > 0)
            {
              guint up = frames[n_frames - 1].node;

              low[up] = MIN (low[up], low[node]);
            }
        }
    }

  /* Tarjan finishes a component after every component it reaches, so the
   * numbering is reverse topological; flip it so needs come first. */
  for (guint i = 0; i < n; i++)
    v->comp[i] = n_components - 1 - v->comp[i];

  for (guint k = 0; k < cyclic->len; k++)
    {
      const guint *pair = &g_array_index (cyclic, guint, k * 2);

      report_cycle (v, pair[0], n_components - 1 - pair[1]);
    }
}

#define CYCLE_ENDS 10

/* Reports one cycle through @first, the component member that comes first
 * in the file: the shortest way from @first back to itself, found by a
 * breadth-first search that stays inside the component. */
static void
report_cycle (Validator *v,
              guint      first,
              guint      component)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree guint *cycle = NULL;
  g_autofree char *pointer = NULL;
  const char * const *needs;
  const char *first_id = troupe_step_get_id (step_at (v, first));
  guint head = 0;
  guint tail = 0;
  guint last = NO_INDEX;
  guint length = 0;
  guint need_index = 0;

  v->generation++;
  v->stamp[first] = v->generation;
  v->queue[tail++] = first;

  while (head < tail && last == NO_INDEX)
    {
      guint node = v->queue[head++];

      for (guint e = v->dependents_at[node]; e < v->dependents_at[node + 1]; e++)
        {
          guint next = v->dependents_to[e];

          if (next == first)
            {
              last = node;
              break;
            }
          if (v->comp[next] != component || v->stamp[next] == v->generation)
            continue;
          v->stamp[next] = v->generation;
          v->parent[next] = node;
          v->queue[tail++] = next;
        }
    }

  g_assert (last != NO_INDEX);

  for (guint node = last; node != first; node = v->parent[node])
    length++;
  length++;

  cycle = g_new (guint, length);
  {
    guint k = length;

    for (guint node = last; node != first; node = v->parent[node])
      cycle[--k] = node;
    cycle[--k] = first;
    g_assert (k == 0);
  }

  /* A long cycle keeps its ends, which are what one edits, and says how
   * many steps it leaves out, so the message stays one readable line. */
  for (guint k = 0; k < length; k++)
    {
      if (length > 2 * CYCLE_ENDS && k == CYCLE_ENDS)
        {
          g_string_append_printf (text, "… (%u more) → ", length - 2 * CYCLE_ENDS);
          k = length - CYCLE_ENDS - 1;
          continue;
        }
      g_string_append_printf (text, "%s → ", troupe_step_get_id (step_at (v, cycle[k])));
    }
  g_string_append (text, first_id);

  /* Point at the need of @first that closes the cycle. */
  needs = troupe_step_get_needs (step_at (v, first));
  for (guint k = 0; needs != NULL && needs[k] != NULL; k++)
    if (lookup_index (v, needs[k]) == last)
      {
        need_index = k;
        break;
      }
  pointer = g_strdup_printf ("needs/%u", need_index);

  report (v, TROUPE_SEVERITY_ERROR, "cycle", first_id, pointer,
          "steps %s form a cycle (each needs the one before it), so none of them "
          "can ever start; remove one of these needs",
          text->str);
}

/* Rules on one step. Nothing is allocated unless a rule fires: pointers
 * and message parts are built in the error branches, so a large valid
 * workflow costs little more than reading its fields. */

static char *
owner_name (const char *step_id)
{
  if (step_id != NULL)
    return g_strdup_printf ("step '%s'", step_id);
  return g_strdup ("the defaults");
}

static void
check_needs (Validator  *v,
             TroupeStep *step,
             const char *id)
{
  const char * const *needs = troupe_step_get_needs (step);
  g_autoptr(GHashTable) seen = NULL;

  if (needs == NULL)
    return;

  for (guint k = 0; needs[k] != NULL; k++)
    {
      if (g_str_equal (needs[k], id))
        {
          g_autofree char *pointer = g_strdup_printf ("needs/%u", k);

          report (v, TROUPE_SEVERITY_ERROR, "self-need", id, pointer,
                  "step '%s' needs itself, so it could never start; remove '%s' from its needs",
                  id, id);
        }
      else if (lookup_index (v, needs[k]) == NO_INDEX)
        {
          g_autofree char *pointer = g_strdup_printf ("needs/%u", k);
          g_autofree char *hint = suggestion (needs[k], v->step_ids,
                                              "; add a step with that id or remove it from needs");

          report (v, TROUPE_SEVERITY_ERROR, "missing-need", id, pointer,
                  "step '%s' needs '%s', which is not a step of this workflow%s",
                  id, needs[k], hint);
        }
      else if (k > 0)
        {
          /* A hash set keeps a step with thousands of needs linear. */
          if (seen == NULL)
            {
              seen = g_hash_table_new (g_str_hash, g_str_equal);
              for (guint j = 0; j < k; j++)
                g_hash_table_add (seen, (gpointer) needs[j]);
            }

          if (!g_hash_table_add (seen, (gpointer) needs[k]))
            {
              g_autofree char *pointer = g_strdup_printf ("needs/%u", k);

              report (v, TROUPE_SEVERITY_WARNING, "duplicate-need", id, pointer,
                      "step '%s' lists '%s' in its needs more than once; remove the repeat",
                      id, needs[k]);
            }
        }
    }
}

/* @what_format names who refers to the agent: "step 'x' uses agent". */
static void check_agent_ref (Validator  *v,
                             const char *step_id,
                             const char *agent,
                             const char *pointer,
                             const char *what_format,
                             ...) G_GNUC_PRINTF (5, 6);

static void
check_agent_ref (Validator  *v,
                 const char *step_id,
                 const char *agent,
                 const char *pointer,
                 const char *what_format,
                 ...)
{
  g_autofree char *hint = NULL;
  g_autofree char *what = NULL;
  va_list args;

  if (agent == NULL || troupe_workflow_lookup_agent (v->workflow, agent) != NULL)
    return;

  va_start (args, what_format);
  what = g_strdup_vprintf (what_format, args);
  va_end (args);

  hint = suggestion (agent, v->agent_names, "; define it under agents or fix the name");
  report (v, TROUPE_SEVERITY_ERROR, "unknown-agent", step_id, pointer,
          "%s '%s', which is not defined under agents%s", what, agent, hint);
}

static void check_provider_ref (Validator  *v,
                                const char *step_id,
                                const char *provider,
                                const char *pointer,
                                const char *what_format,
                                ...) G_GNUC_PRINTF (5, 6);

static void
check_provider_ref (Validator  *v,
                    const char *step_id,
                    const char *provider,
                    const char *pointer,
                    const char *what_format,
                    ...)
{
  g_autofree char *otherwise = NULL;
  g_autofree char *hint = NULL;
  g_autofree char *what = NULL;
  va_list args;

  if (provider == NULL || provider_is_known (v, provider))
    return;

  va_start (args, what_format);
  what = g_strdup_vprintf (what_format, args);
  va_end (args);

  otherwise = g_strdup_printf ("; define it under providers or use a built-in one (%s)",
                               v->builtin_list);
  hint = suggestion (provider, v->provider_names, otherwise);
  report (v, TROUPE_SEVERITY_ERROR, "unknown-provider", step_id, pointer,
          "%s '%s', which is neither defined under providers nor built in%s",
          what, provider, hint);
}

/* Reports @problem with @path; @what_format names the field. */
static void report_path (Validator         *v,
                         const char        *step_id,
                         const char        *pointer,
                         TroupePathProblem  problem,
                         const char        *path,
                         const char        *what_format,
                         ...) G_GNUC_PRINTF (6, 7);

static void
report_path (Validator         *v,
             const char        *step_id,
             const char        *pointer,
             TroupePathProblem  problem,
             const char        *path,
             const char        *what_format,
             ...)
{
  g_autofree char *what = NULL;
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, what_format);
  what = g_strdup_vprintf (what_format, args);
  va_end (args);

  why = troupe_path_problem_message (problem, path);
  report (v, TROUPE_SEVERITY_ERROR, "unsafe-path", step_id, pointer, "%s is unsafe: %s", what, why);
}

/* The loaders refuse such durations, but a model built through the API
 * may hold them. @field names the duration: "timeout", "retry delay". */
static void
check_duration (Validator  *v,
                const char *step_id,
                gint64      ms,
                const char *pointer,
                const char *field)
{
  g_autofree char *owner = NULL;

  if (ms == TROUPE_DURATION_UNSET || (ms >= 0 && ms <= TROUPE_DURATION_MAX_MS))
    return;

  owner = owner_name (step_id);
  if (ms < 0)
    {
      report (v, TROUPE_SEVERITY_ERROR, "out-of-range", step_id, pointer,
              "the %s of %s is negative (%" G_GINT64_FORMAT " ms); give a duration such "
              "as '90s'", field, owner, ms);
    }
  else
    {
      g_autofree char *limit = troupe_duration_format (TROUPE_DURATION_MAX_MS);

      report (v, TROUPE_SEVERITY_ERROR, "out-of-range", step_id, pointer,
              "the %s of %s is longer than the longest allowed duration (%s); use a "
              "shorter one", field, owner, limit);
    }
}

/* The length of the leading components of @path that are fixed text:
 * neither a wildcard nor a template variable, whose value is known only
 * when the step runs. Those are the folders that can be checked now. */
static gsize
static_prefix_length (const char *path,
                      gboolean    stop_at_wildcards)
{
  const char *p = path;
  gsize length = 0;

  while (*p != '\0')
    {
      const char *end = strchr (p, '/');
      gsize len = end != NULL ? (gsize) (end - p) : strlen (p);
      g_autofree char *component = g_strndup (p, len);

      if (strstr (component, "${") != NULL)
        break;
      if (stop_at_wildcards && strpbrk (component, "*?") != NULL)
        break;
      length = (p - path) + len;
      if (end == NULL)
        break;
      p = end + 1;
    }

  return length;
}

/* Checks the fixed leading part of @path against the workspace on disk. */
static void
check_path_on_disk (Validator  *v,
                    const char *step_id,
                    const char *pointer,
                    const char *path,
                    gboolean    is_glob,
                    const char *what)
{
  gsize length = static_prefix_length (path, is_glob);
  g_autofree char *prefix = NULL;
  TroupePathProblem problem;

  if (length == 0)
    return;

  prefix = g_strndup (path, length);
  problem = troupe_path_check_resolved (v->workspace_root, prefix);
  if (problem != TROUPE_PATH_OK)
    report_path (v, step_id, pointer, problem, prefix, "%s", what);
}

static gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.' || c == '-';
}

/* @glob with each template variable replaced by a plain "x" and each
 * "$${" by the "${" it stands for, so that the glob rules judge only what
 * the author wrote as a glob; NULL when the template has a syntax error
 * (reported on its own). */
static char *
mask_templates (const char *text)
{
  g_auto(GStrv) names = troupe_template_list_names (text, NULL);
  GString *out;
  const char *p = text;

  if (names == NULL)
    return NULL;

  out = g_string_new (NULL);
  while (*p != '\0')
    {
      if (p[0] == '$' && p[1] == '$' && p[2] == '{')
        {
          g_string_append (out, "${");
          p += 3;
        }
      else if (p[0] == '$' && p[1] == '{')
        {
          const char *q = p + 2;

          while (is_name_char (*q))
            q++;
          g_assert (*q == '}');
          g_string_append_c (out, 'x');
          p = q + 1;
        }
      else
        g_string_append_c (out, *p++);
    }

  return g_string_free (out, FALSE);
}

static void
check_glob (Validator  *v,
            const char *id,
            const char *glob)
{
  static const char pointer[] = "wait_for/glob";
  g_autofree char *masked = NULL;
  g_autofree char *why = NULL;
  g_autofree char *what = NULL;
  TroupePathProblem problem;

  problem = troupe_path_check_syntax (glob);
  if (problem != TROUPE_PATH_OK)
    {
      report_path (v, id, pointer, problem, glob, "the wait_for glob of step '%s'", id);
      return;
    }

  masked = strstr (glob, "${") != NULL ? mask_templates (glob) : g_strdup (glob);
  if (masked == NULL)
    return;

  why = troupe_glob_check (masked);
  if (why != NULL)
    {
      /* The reason quotes the glob: quote it as written. */
      if (!g_str_equal (masked, glob))
        {
          g_autofree char *quoted = g_strdup_printf ("'%s'", masked);
          g_autofree char *original = g_strdup_printf ("'%s'", glob);
          g_autoptr(GString) text = g_string_new (why);

          g_string_replace (text, quoted, original, 1);
          g_free (why);
          why = g_string_free (g_steal_pointer (&text), FALSE);
        }
      report (v, TROUPE_SEVERITY_ERROR, "bad-glob", id, pointer,
              "the wait_for glob of step '%s' is not supported: %s", id, why);
      return;
    }

  /* What the wildcards match is checked when the step runs. */
  what = g_strdup_printf ("the wait_for glob of step '%s'", id);
  check_path_on_disk (v, id, pointer, glob, TRUE, what);
}

static void
check_send (Validator  *v,
            TroupeStep *step,
            const char *id)
{
  const char *to = troupe_step_get_send_to (step);
  const char *file = troupe_step_get_send_file (step);
  gboolean file_ok;

  if (to == NULL && file == NULL)
    report (v, TROUPE_SEVERITY_ERROR, "send-incomplete", id, "send",
            "step '%s' sends a task but names neither its recipient nor its name; add "
            "send.to (the agent whose inbox receives it) and send.file (the task's name)",
            id);
  else if (to == NULL)
    report (v, TROUPE_SEVERITY_ERROR, "send-incomplete", id, "send",
            "step '%s' sends a task but names no recipient; add send.to, the agent whose "
            "inbox receives it", id);
  else if (file == NULL)
    report (v, TROUPE_SEVERITY_ERROR, "send-incomplete", id, "send",
            "step '%s' sends a task but does not name it; add send.file, the task's name "
            "(it is written as inbox/%s/<file>.task)", id, to);

  check_agent_ref (v, id, to, "send/to", "step '%s' sends to", id);

  if (file == NULL)
    return;

  /* The task is written as inbox/<to>/<file>.task: the name is one file
   * name, never a path. */
  file_ok = file[0] != '\0' && strchr (file, '/') == NULL &&
            !g_str_equal (file, ".") && !g_str_equal (file, "..");
  if (!file_ok)
    {
      const char *base = strrchr (file, '/');

      base = base != NULL ? base + 1 : file;
      if (base[0] != '\0' && !g_str_equal (base, ".") && !g_str_equal (base, ".."))
        report (v, TROUPE_SEVERITY_ERROR, "unsafe-path", id, "send/file",
                "the send.file of step '%s' is unsafe: '%s' must be a task name, not a path "
                "(the task is written as inbox/<to>/<file>.task); write '%s'",
                id, file, base);
      else
        report (v, TROUPE_SEVERITY_ERROR, "unsafe-path", id, "send/file",
                "the send.file of step '%s' is unsafe: '%s' must be a task name, not a path "
                "(the task is written as inbox/<to>/<file>.task); write a name such as "
                "'review-request'",
                id, file);
      return;
    }

  /* The inbox folder may be a link that leads out of the workspace. */
  if (to != NULL && troupe_path_check_syntax (to) == TROUPE_PATH_OK && strchr (to, '/') == NULL)
    {
      g_autofree char *task = g_strconcat ("inbox/", to, "/", file, ".task", NULL);
      g_autofree char *what = g_strdup_printf ("the task file of step '%s'", id);

      check_path_on_disk (v, id, "send/file", task, FALSE, what);
    }
}

/* "a", "a and b", "a, b and c" */
static char *
join_names (const char * const *names,
            guint               n_names)
{
  GString *text = g_string_new (NULL);

  for (guint k = 0; k < n_names; k++)
    {
      if (k > 0)
        g_string_append (text, k + 1 == n_names ? " and " : ", ");
      g_string_append (text, names[k]);
    }

  return g_string_free (text, FALSE);
}

static void
check_wait (Validator  *v,
            TroupeStep *step,
            const char *id)
{
  const char *conflicts[7];
  guint n_conflicts = 0;
  const char *glob = troupe_step_get_wait_glob (step);
  gint64 timeout = troupe_step_get_wait_timeout (step);
  gint64 poll = troupe_step_get_wait_poll (step);

  /* The seed's exclusivity rule: a wait_for step does nothing but wait. */
  if (troupe_step_get_command (step) != NULL)
    conflicts[n_conflicts++] = "command";
  if (troupe_step_get_provider (step) != NULL)
    conflicts[n_conflicts++] = "provider";
  if (troupe_step_get_prompt (step) != NULL)
    conflicts[n_conflicts++] = "prompt";
  if (troupe_step_get_prompt_file (step) != NULL)
    conflicts[n_conflicts++] = "prompt_file";
  if (troupe_step_get_send_to (step) != NULL ||
      troupe_step_get_send_file (step) != NULL ||
      troupe_step_get_send_content (step) != NULL)
    conflicts[n_conflicts++] = "send";
  if (troupe_step_get_approval (step) != NULL)
    conflicts[n_conflicts++] = "approval";
  if (troupe_step_get_for_each (step) != NULL)
    conflicts[n_conflicts++] = "for_each";
  g_assert (n_conflicts <= G_N_ELEMENTS (conflicts));

  if (n_conflicts > 0)
    {
      g_autofree char *list = join_names (conflicts, n_conflicts);

      report (v, TROUPE_SEVERITY_ERROR, "wait-for-exclusive", id, "wait_for",
              "step '%s' combines wait_for with %s; a wait_for step only waits, so move "
              "%s to a step of its own that needs '%s'",
              id, list, n_conflicts == 1 ? "it" : "them", id);
    }

  if (glob == NULL)
    report (v, TROUPE_SEVERITY_ERROR, "wait-incomplete", id, "wait_for",
            "step '%s' waits but names no glob; add wait_for.glob, for example "
            "'inbox/<agent>/*.task'", id);
  else
    check_glob (v, id, glob);

  check_duration (v, id, timeout, "wait_for/timeout", "wait_for.timeout");
  check_duration (v, id, poll, "wait_for/poll", "wait_for.poll");

  if (timeout == TROUPE_DURATION_UNSET)
    report (v, TROUPE_SEVERITY_ERROR, "wait-timeout-missing", id, "wait_for",
            "step '%s' waits with no timeout and could wait forever; add wait_for.timeout, "
            "for example '5m'", id);

  if (timeout != TROUPE_DURATION_UNSET && poll != TROUPE_DURATION_UNSET && poll > timeout)
    {
      g_autofree char *poll_text = troupe_duration_format (poll);
      g_autofree char *timeout_text = troupe_duration_format (timeout);

      report (v, TROUPE_SEVERITY_ERROR, "out-of-range", id, "wait_for/poll",
              "step '%s' polls every %s but gives up after %s, so it would look only once; "
              "make wait_for.poll shorter than wait_for.timeout",
              id, poll_text, timeout_text);
    }
}

/* @base is "retries" (of the step) or "/defaults/retries". A shorthand
 * "retries: 3" has no inner keys; locate() then falls back to @base. */
static void
check_retries (Validator               *v,
               const char              *step_id,
               const TroupeRetryPolicy *retries,
               const char              *base)
{
  if (retries == NULL)
    return;

  if (retries->delay_ms != TROUPE_DURATION_UNSET &&
      (retries->delay_ms < 0 || retries->delay_ms > TROUPE_DURATION_MAX_MS))
    {
      g_autofree char *pointer = g_strconcat (base, "/delay", NULL);

      check_duration (v, step_id, retries->delay_ms, pointer, "retry delay");
    }

  if (retries->max_delay_ms != TROUPE_DURATION_UNSET &&
      (retries->max_delay_ms < 0 || retries->max_delay_ms > TROUPE_DURATION_MAX_MS))
    {
      g_autofree char *pointer = g_strconcat (base, "/max_delay", NULL);

      check_duration (v, step_id, retries->max_delay_ms, pointer, "retry max_delay");
    }

  if (retries->max_retries > TROUPE_RETRY_MAX_RETRIES)
    {
      g_autofree char *pointer = g_strconcat (base, "/max", NULL);
      g_autofree char *owner = owner_name (step_id);

      report (v, TROUPE_SEVERITY_ERROR, "out-of-range", step_id, pointer,
              "%s retries %u times, more than the most allowed (%u); lower retries.max",
              owner, retries->max_retries, (guint) TROUPE_RETRY_MAX_RETRIES);
    }

  if (!(retries->jitter >= 0.0 && retries->jitter <= 1.0))
    {
      g_autofree char *pointer = g_strconcat (base, "/jitter", NULL);
      g_autofree char *owner = owner_name (step_id);

      report (v, TROUPE_SEVERITY_ERROR, "out-of-range", step_id, pointer,
              "the retry jitter of %s is %g; write a number from 0 to 1, such as 0.2",
              owner, retries->jitter);
    }

  /* max_delay caps exponential backoff; with fixed backoff it only matters
   * when it was written, and then a smaller one contradicts the delay. */
  if (retries->delay_ms > retries->max_delay_ms &&
      (retries->backoff == TROUPE_BACKOFF_EXPONENTIAL ||
       retries->max_delay_ms != TROUPE_RETRY_DEFAULT_MAX_DELAY_MS))
    {
      g_autofree char *pointer = g_strconcat (base, "/max_delay", NULL);
      g_autofree char *owner = owner_name (step_id);
      g_autofree char *delay = troupe_duration_format (retries->delay_ms);
      g_autofree char *max_delay = troupe_duration_format (retries->max_delay_ms);

      report (v, TROUPE_SEVERITY_ERROR, "out-of-range", step_id, pointer,
              "%s waits %s between retries but at most %s (max_delay); make retries.delay "
              "at most retries.max_delay", owner, delay, max_delay);
    }
}

static void
check_timeout (Validator  *v,
               const char *step_id,
               gint64      timeout,
               const char *pointer)
{
  g_autofree char *owner = NULL;

  check_duration (v, step_id, timeout, pointer, "timeout");

  if (timeout != 0)
    return;

  owner = owner_name (step_id);
  report (v, TROUPE_SEVERITY_ERROR, "out-of-range", step_id, pointer,
          "the timeout of %s is 0s, so it would time out at once; give a positive duration "
          "such as '10m' or remove the timeout", owner);
}

/* Templates and references to other steps */

/* A reference from step @step to the result of step @target, whose answer
 * ("is @target upstream of @step?") waits for resolve_references(). */
typedef struct
{
  guint       step;
  guint       target;
  const char *where;
  char       *pointer;
  char       *spelled;
  gboolean    upstream;
} Reference;

static void
reference_clear (gpointer data)
{
  Reference *reference = data;

  g_free (reference->pointer);
  g_free (reference->spelled);
}

/* " (${steps.x.output})", or "" when the reference is not a template
 * (for_each names the step alone). */
static char *
quote_spelling (const char *spelled)
{
  if (spelled == NULL)
    return g_strdup ("");
  return g_strdup_printf (" (%s)", spelled);
}

static void
report_not_upstream (Validator  *v,
                     guint       self,
                     guint       target_index,
                     const char *pointer,
                     const char *where,
                     const char *spelled)
{
  const char *id = troupe_step_get_id (step_at (v, self));
  const char *target = troupe_step_get_id (step_at (v, target_index));
  g_autofree char *quoted = quote_spelling (spelled);

  report (v, TROUPE_SEVERITY_ERROR, "not-upstream", id, pointer,
          "step '%s' uses the result of step '%s' in %s%s, but does not depend on "
          "it, so '%s' may not have run yet; add '%s' to the needs of '%s'",
          id, target, where, quoted, target, target, id);
}

/* What a step's templates may use, and what it already used: each step id
 * and each variable is checked once per step. */
typedef struct
{
  guint       self;
  const char *id;
  gboolean    has_for_each;
  GHashTable *seen;
} Scope;

static gboolean
scope_first_time (Scope      *scope,
                  const char *kind,
                  const char *name)
{
  if (scope->seen == NULL)
    scope->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return g_hash_table_add (scope->seen, g_strconcat (kind, name, NULL));
}

static void
check_step_ref (Validator  *v,
                Scope      *scope,
                const char *target,
                const char *pointer,
                const char *where,
                const char *spelled)
{
  guint self = scope->self;
  const char *id = scope->id;
  guint target_index;
  Reference reference;

  if (!scope_first_time (scope, "step:", target))
    return;

  target_index = lookup_index (v, target);
  if (target_index == NO_INDEX)
    {
      g_autofree char *hint = suggestion (target, v->step_ids,
                                          "; fix the step id or add that step");
      g_autofree char *quoted = quote_spelling (spelled);

      report (v, TROUPE_SEVERITY_ERROR, "unknown-step-ref", id, pointer,
              "step '%s' refers to step '%s' in %s%s, but there is no such step%s",
              id, target, where, quoted, hint);
      return;
    }

  if (target_index == self)
    {
      g_autofree char *quoted = quote_spelling (spelled);

      report (v, TROUPE_SEVERITY_ERROR, "not-upstream", id, pointer,
              "step '%s' refers to its own result in %s%s, which does not exist while "
              "it runs; refer to a step that '%s' needs instead",
              id, where, quoted, id);
      return;
    }

  /* Along every need, the component number grows or stays: a target that
   * comes later cannot be upstream, and one in the same component (a
   * cycle, reported on its own) is. Only the rest needs a search. */
  if (v->comp[target_index] == v->comp[self])
    return;
  if (v->comp[target_index] > v->comp[self])
    {
      report_not_upstream (v, self, target_index, pointer, where, spelled);
      return;
    }

  reference.step = self;
  reference.target = target_index;
  reference.where = where;
  reference.pointer = g_strdup (pointer);
  reference.spelled = g_strdup (spelled);
  reference.upstream = FALSE;
  g_array_append_val (v->references, reference);
}

static const char * const step_fields[] = { "output", "lines", "status", NULL };
static const char * const run_names[] = { "run.id", "run.timestamp_utc", NULL };

/* "step 'x'", or "provider 'p'" for a template in a provider's command. */
static char *
template_owner (const char *step_id,
                const char *provider)
{
  if (step_id != NULL)
    return g_strdup_printf ("step '%s'", step_id);
  return g_strdup_printf ("provider '%s'", provider);
}

/* One variable of a template in a step's field (@scope set) or in the
 * command of @provider (@scope NULL). The names are those the runner
 * knows (troupe-run-actions.c); any other would fail the step when it
 * runs. */
static void
check_variable (Validator  *v,
                Scope      *scope,
                const char *step_id,
                const char *provider,
                const char *name,
                const char *pointer,
                const char *where)
{
  g_autofree char *spelled = NULL;
  g_autofree char *owner = NULL;

  if (scope != NULL && !scope_first_time (scope, "variable:", name))
    return;

  spelled = g_strconcat ("${", name, "}", NULL);

  if (g_str_has_prefix (name, "steps."))
    {
      const char *rest = name + strlen ("steps.");
      const char *dot = strrchr (rest, '.');
      g_autofree char *target = dot != NULL ? g_strndup (rest, dot - rest) : g_strdup (rest);

      if (dot == NULL || !g_strv_contains (step_fields, dot + 1))
        {
          const char *best = dot != NULL ? troupe_suggest (dot + 1, step_fields) : NULL;

          owner = template_owner (step_id, provider);
          if (best != NULL)
            report (v, TROUPE_SEVERITY_ERROR, "unknown-variable", step_id, pointer,
                    "%s uses %s in %s, but a step has .output, .lines and .status; did you "
                    "mean ${steps.%s.%s}?", owner, spelled, where, target, best);
          else
            report (v, TROUPE_SEVERITY_ERROR, "unknown-variable", step_id, pointer,
                    "%s uses %s in %s, but a step has .output, .lines and .status; write "
                    "${steps.%s.output}, for example", owner, spelled, where, target);
        }

      /* In a provider's command, steps.* refers to the upstream of whichever
       * step runs the provider: nothing to check here. */
      if (scope != NULL && target[0] != '\0')
        check_step_ref (v, scope, target, pointer, where, spelled);
    }
  else if (g_str_has_prefix (name, "context."))
    {
      const char *key = name + strlen ("context.");
      const char * const *keys = troupe_workflow_get_context_keys (v->workflow);

      /* A run can still pass --context KEY=VALUE: a warning, not an error. */
      if (troupe_workflow_get_context (v->workflow, key) == NULL)
        {
          const char *best = key[0] != '\0' ? troupe_suggest (key, keys) : NULL;

          owner = template_owner (step_id, provider);
          if (best != NULL)
            report (v, TROUPE_SEVERITY_WARNING, "unknown-variable", step_id, pointer,
                    "%s uses %s in %s, but context has no key '%s'; did you mean "
                    "${context.%s}?", owner, spelled, where, key, best);
          else
            report (v, TROUPE_SEVERITY_WARNING, "unknown-variable", step_id, pointer,
                    "%s uses %s in %s, but context has no key '%s'; add it under context, "
                    "or pass --context %s=VALUE when running", owner, spelled, where, key, key);
        }
    }
  else if (g_str_equal (name, "item"))
    {
      if (scope != NULL && !scope->has_for_each)
        {
          owner = template_owner (step_id, provider);
          report (v, TROUPE_SEVERITY_ERROR, "unknown-variable", step_id, pointer,
                  "%s uses ${item} in %s, but ${item} has a value only in a step with "
                  "for_each; add for_each or use another variable", owner, where);
        }
    }
  else if (g_str_equal (name, "prompt"))
    {
      if (scope != NULL)
        {
          owner = template_owner (step_id, provider);
          report (v, TROUPE_SEVERITY_ERROR, "unknown-variable", step_id, pointer,
                  "%s uses ${prompt} in %s, but ${prompt} has a value only in a provider's "
                  "command; write the text itself, or use ${steps.ID.output}", owner, where);
        }
    }
  else if (!g_strv_contains (run_names, name))
    {
      static const char * const others[] = { "item", "prompt", NULL };
      const char *best = troupe_suggest (name, run_names);

      if (best == NULL)
        best = troupe_suggest (name, others);

      owner = template_owner (step_id, provider);
      if (best != NULL)
        report (v, TROUPE_SEVERITY_ERROR, "unknown-variable", step_id, pointer,
                "%s uses %s in %s, which is not a variable; did you mean ${%s}?",
                owner, spelled, where, best);
      else
        report (v, TROUPE_SEVERITY_ERROR, "unknown-variable", step_id, pointer,
                "%s uses %s in %s, which is not a variable; the variables are run.id, "
                "run.timestamp_utc, context.KEY, steps.ID.output, steps.ID.lines, "
                "steps.ID.status and item (in a step with for_each)",
                owner, spelled, where);
    }
}

/* Checks the template in @text: its syntax, then each variable. */
static void
check_template (Validator  *v,
                Scope      *scope,
                const char *step_id,
                const char *provider,
                const char *text,
                const char *pointer,
                const char *where)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;

  /* "$${" and "${" both contain "${": text without it has no template. */
  if (text == NULL || strstr (text, "${") == NULL)
    return;

  names = troupe_template_list_names (text, &error);
  if (names == NULL)
    {
      g_autofree char *owner = template_owner (step_id, provider);

      report (v, TROUPE_SEVERITY_ERROR, "bad-template", step_id, pointer,
              "%s has a broken template in %s: %s", owner, where, error->message);
      return;
    }

  for (guint k = 0; names[k] != NULL; k++)
    check_variable (v, scope, step_id, provider, names[k], pointer, where);
}

/* The fields the runner expands, as troupe-run-actions.c does. */
static void
check_step_templates (Validator  *v,
                      TroupeStep *step,
                      guint       self,
                      const char *id)
{
  const char *for_each = troupe_step_get_for_each (step);
  const char * const *command = troupe_step_get_command (step);
  const char * const *outputs = troupe_step_get_outputs (step);
  TroupeConditionOp op = troupe_step_get_when_op (step);
  Scope scope = { self, id, for_each != NULL, NULL };

  if (for_each != NULL)
    check_step_ref (v, &scope, for_each, "for_each", "for_each", NULL);

  if (op != TROUPE_CONDITION_OP_NONE)
    {
      const char *sides[2] = { troupe_step_get_when_left (step), troupe_step_get_when_right (step) };

      for (guint k = 0; k < 2; k++)
        {
          if (sides[k] != NULL && strstr (sides[k], "${") != NULL)
            {
              const char *nick = troupe_enum_to_nick (TROUPE_TYPE_CONDITION_OP, op);
              g_autofree char *pointer = g_strdup_printf ("when/%s/%u", nick, k);

              check_template (v, &scope, id, NULL, sides[k], pointer, "its when condition");
            }
        }
    }

  check_template (v, &scope, id, NULL, troupe_step_get_prompt (step), "prompt", "its prompt");
  check_template (v, &scope, id, NULL, troupe_step_get_send_file (step), "send/file", "its send.file");
  check_template (v, &scope, id, NULL, troupe_step_get_send_content (step), "send/content",
                  "its send content");
  check_template (v, &scope, id, NULL, troupe_step_get_wait_glob (step), "wait_for/glob",
                  "its wait_for glob");
  check_template (v, &scope, id, NULL, troupe_step_get_approval (step), "approval",
                  "its approval message");

  for (guint k = 0; command != NULL && command[k] != NULL; k++)
    {
      if (strstr (command[k], "${") != NULL)
        {
          g_autofree char *pointer = g_strdup_printf ("command/%u", k);

          check_template (v, &scope, id, NULL, command[k], pointer, "its command");
        }
    }

  for (guint k = 0; outputs != NULL && outputs[k] != NULL; k++)
    {
      if (strstr (outputs[k], "${") != NULL)
        {
          g_autofree char *pointer = g_strdup_printf ("outputs/%u", k);

          check_template (v, &scope, id, NULL, outputs[k], pointer, "its outputs");
        }
    }

  g_clear_pointer (&scope.seen, g_hash_table_unref);
}

/* Marks every step reachable from @start along needs (backwards: the
 * steps it needs) or dependents (forwards), without entering components
 * past @bound in topological order. */
static void
mark_reachable (Validator *v,
                guint      start,
                gboolean   forwards,
                guint      bound)
{
  const guint *at = forwards ? v->dependents_at : v->needs_at;
  const guint *to = forwards ? v->dependents_to : v->needs_to;
  guint head = 0;
  guint tail = 0;

  v->generation++;
  v->stamp[start] = v->generation;
  v->queue[tail++] = start;

  while (head < tail)
    {
      guint node = v->queue[head++];

      for (guint e = at[node]; e < at[node + 1]; e++)
        {
          guint next = to[e];

          if (v->stamp[next] == v->generation)
            continue;
          if (forwards ? v->comp[next] > bound : v->comp[next] < bound)
            continue;
          v->stamp[next] = v->generation;
          v->queue[tail++] = next;
        }
    }
}

/* Answers every pending reference with one search per group: references
 * to the same target share a forward search from it (many steps using one
 * early result), references from the same step share a backward search
 * from it (one step using many results). Each reference joins the larger
 * of its two groups, so the common shapes cost one linear pass. The
 * searches stop at the topological bound of their group, so references to
 * a nearby ancestor in a long chain stay cheap too. */
static void
resolve_references (Validator *v)
{
  guint n = v->n_steps;
  guint n_refs = v->references->len;
  g_autofree guint *n_by_target = NULL;
  g_autofree guint *n_by_step = NULL;
  g_autofree guint *target_at = NULL;
  g_autofree guint *from_at = NULL;
  g_autofree guint *order = NULL;
  g_autofree gboolean *forwards = NULL;
  guint n_forwards;

  if (n_refs == 0)
    return;

  n_by_target = g_new0 (guint, n);
  n_by_step = g_new0 (guint, n);
  forwards = g_new (gboolean, n_refs);

  for (guint r = 0; r < n_refs; r++)
    {
      Reference *reference = &g_array_index (v->references, Reference, r);

      n_by_target[reference->target]++;
      n_by_step[reference->step]++;
    }

  /* Bucket each reference under its target or its step (CSR again). */
  target_at = g_new0 (guint, n + 1);
  from_at = g_new0 (guint, n + 1);
  for (guint r = 0; r < n_refs; r++)
    {
      Reference *reference = &g_array_index (v->references, Reference, r);

      forwards[r] = n_by_target[reference->target] >= n_by_step[reference->step];
      if (forwards[r])
        target_at[reference->target + 1]++;
      else
        from_at[reference->step + 1]++;
    }
  for (guint i = 0; i < n; i++)
    {
      target_at[i + 1] += target_at[i];
      from_at[i + 1] += from_at[i];
    }
  n_forwards = target_at[n];

  order = g_new (guint, n_refs);
  {
    g_autofree guint *target_fill = g_memdup2 (target_at, sizeof (guint) * (n + 1));
    g_autofree guint *from_fill = g_memdup2 (from_at, sizeof (guint) * (n + 1));

    for (guint r = 0; r < n_refs; r++)
      {
        Reference *reference = &g_array_index (v->references, Reference, r);

        if (forwards[r])
          order[target_fill[reference->target]++] = r;
        else
          order[n_forwards + from_fill[reference->step]++] = r;
      }
  }

  for (guint t = 0; t < n; t++)
    {
      guint bound = 0;

      if (target_at[t] == target_at[t + 1])
        continue;

      for (guint k = target_at[t]; k < target_at[t + 1]; k++)
        bound = MAX (bound, v->comp[g_array_index (v->references, Reference, order[k]).step]);

      mark_reachable (v, t, TRUE, bound);

      for (guint k = target_at[t]; k < target_at[t + 1]; k++)
        {
          Reference *reference = &g_array_index (v->references, Reference, order[k]);

          reference->upstream = v->stamp[reference->step] == v->generation;
        }
    }

  for (guint s = 0; s < n; s++)
    {
      guint bound = G_MAXUINT;

      if (from_at[s] == from_at[s + 1])
        continue;

      for (guint k = n_forwards + from_at[s]; k < n_forwards + from_at[s + 1]; k++)
        bound = MIN (bound, v->comp[g_array_index (v->references, Reference, order[k]).target]);

      mark_reachable (v, s, FALSE, bound);

      for (guint k = n_forwards + from_at[s]; k < n_forwards + from_at[s + 1]; k++)
        {
          Reference *reference = &g_array_index (v->references, Reference, order[k]);

          reference->upstream = v->stamp[reference->target] == v->generation;
        }
    }

  for (guint r = 0; r < n_refs; r++)
    {
      Reference *reference = &g_array_index (v->references, Reference, r);

      if (!reference->upstream)
        report_not_upstream (v, reference->step, reference->target, reference->pointer,
                             reference->where, reference->spelled);
    }
}

static void
check_step (Validator *v,
            guint      i)
{
  TroupeStep *step = step_at (v, i);
  const char *id = troupe_step_get_id (step);
  TroupeStepKind kind = troupe_step_get_kind (step);
  const char *agent = troupe_step_get_agent (step);
  const char *provider = troupe_step_get_provider (step);
  const char *prompt = troupe_step_get_prompt (step);
  const char *prompt_file = troupe_step_get_prompt_file (step);
  const char * const *command = troupe_step_get_command (step);
  const char * const *outputs = troupe_step_get_outputs (step);
  gboolean agent_known = agent == NULL || troupe_workflow_lookup_agent (v->workflow, agent) != NULL;
  TroupePathProblem problem;

  check_needs (v, step, id);

  check_agent_ref (v, id, agent, "agent", "step '%s' uses agent", id);
  check_provider_ref (v, id, provider, "provider", "step '%s' uses provider", id);

  if (provider != NULL && command != NULL)
    report (v, TROUPE_SEVERITY_ERROR, "provider-with-command", id, "provider",
            "step '%s' has both provider and command, but a step runs either a provider "
            "with a prompt or a command; remove provider to run the command, or command "
            "to ask the provider", id);

  /* The same fields that make troupe_step_infer_kind() say "wait". */
  if (kind == TROUPE_STEP_KIND_WAIT ||
      troupe_step_get_wait_glob (step) != NULL ||
      troupe_step_get_wait_timeout (step) != TROUPE_DURATION_UNSET ||
      troupe_step_get_wait_poll (step) != TROUPE_DURATION_UNSET ||
      troupe_step_get_wait_min_count (step) != 1)
    check_wait (v, step, id);

  if (prompt_file != NULL &&
      (problem = troupe_path_check_resolved (v->workspace_root, prompt_file)) != TROUPE_PATH_OK)
    report_path (v, id, "prompt_file", problem, prompt_file, "the prompt_file of step '%s'", id);

  for (guint k = 0; outputs != NULL && outputs[k] != NULL; k++)
    {
      const char *output = outputs[k];

      /* Outputs may hold template variables: the fixed part is checked
       * now, the expanded path when the step runs. */
      problem = troupe_path_check_syntax (output);
      if (problem == TROUPE_PATH_OK && strstr (output, "${") == NULL)
        problem = troupe_path_check_resolved (v->workspace_root, output);

      if (problem != TROUPE_PATH_OK)
        {
          g_autofree char *pointer = g_strdup_printf ("outputs/%u", k);

          report_path (v, id, pointer, problem, output, "output %u of step '%s'", k + 1, id);
        }
      else if (strstr (output, "${") != NULL)
        {
          g_autofree char *pointer = g_strdup_printf ("outputs/%u", k);
          g_autofree char *what = g_strdup_printf ("output %u of step '%s'", k + 1, id);

          check_path_on_disk (v, id, pointer, output, FALSE, what);
        }
    }

  if (kind == TROUPE_STEP_KIND_AGENT)
    {
      if (prompt == NULL && prompt_file == NULL)
        report (v, TROUPE_SEVERITY_ERROR, "missing-prompt", id, "",
                "agent step '%s' has no prompt; add prompt (the text to send) or "
                "prompt_file (a file in the workspace)", id);
      else if (prompt != NULL && prompt_file != NULL)
        report (v, TROUPE_SEVERITY_ERROR, "prompt-conflict", id, "prompt_file",
                "step '%s' has both prompt and prompt_file; keep only one of them", id);

      /* An unknown agent is reported as such; its provider is unknowable. */
      if (agent_known && troupe_workflow_get_step_provider_name (v->workflow, step) == NULL)
        {
          if (agent != NULL)
            report (v, TROUPE_SEVERITY_ERROR, "no-provider", id, "",
                    "step '%s' has no provider to run with; set provider on the step, on "
                    "agent '%s', or as defaults.provider (built-in: %s)",
                    id, agent, v->builtin_list);
          else
            report (v, TROUPE_SEVERITY_ERROR, "no-provider", id, "",
                    "step '%s' has no provider to run with; set provider on the step, give "
                    "it an agent that has one, or set defaults.provider (built-in: %s)",
                    id, v->builtin_list);
        }
    }

  if ((kind == TROUPE_STEP_KIND_COMMAND || command != NULL) &&
      (command == NULL || command[0] == NULL || command[0][0] == '\0'))
    report (v, TROUPE_SEVERITY_ERROR, "empty-command", id, "command",
            "command step '%s' has %s; write the program and its arguments as a list, for "
            "example [make, test]",
            id, command == NULL || command[0] == NULL ? "no command" : "an empty program name");

  if (kind == TROUPE_STEP_KIND_SEND ||
      troupe_step_get_send_to (step) != NULL ||
      troupe_step_get_send_file (step) != NULL ||
      troupe_step_get_send_content (step) != NULL)
    check_send (v, step, id);

  check_step_templates (v, step, i, id);

  check_retries (v, id, troupe_step_get_retries (step), "retries");
  check_timeout (v, id, troupe_step_get_timeout (step), "timeout");
}

/* Rules on the workflow as a whole */

static void
check_workflow (Validator *v)
{
  const char *workspace = troupe_workflow_get_workspace (v->workflow);
  GPtrArray *agents = troupe_workflow_get_agents (v->workflow);
  GPtrArray *providers = troupe_workflow_get_providers (v->workflow);

  if (workspace != NULL)
    {
      TroupePathProblem problem = troupe_path_check_syntax (workspace);

      /* The workspace is relative to the file's folder, not to itself. */
      if (problem == TROUPE_PATH_ABSOLUTE)
        report (v, TROUPE_SEVERITY_ERROR, "unsafe-path", NULL, "/workspace",
                "the workspace '%s' is an absolute path, so the workflow works only where "
                "that folder exists; write it relative to the folder of the workflow file, "
                "such as '.' or 'work'", workspace);
      else if (problem == TROUPE_PATH_PARENT)
        report (v, TROUPE_SEVERITY_ERROR, "unsafe-path", NULL, "/workspace",
                "the workspace '%s' has a '..' component, so it may lie outside the folder "
                "of the workflow file; move the file into or above its workspace and write "
                "a path without '..', such as '.'", workspace);
      else if (problem != TROUPE_PATH_OK)
        report (v, TROUPE_SEVERITY_ERROR, "unsafe-path", NULL, "/workspace",
                "the workspace is empty; write '.' for the folder of the workflow file, or "
                "leave workspace out");
    }

  check_provider_ref (v, NULL, troupe_workflow_get_default_provider (v->workflow),
                      "/defaults/provider", "defaults.provider names provider");
  check_retries (v, NULL, troupe_workflow_get_default_retries (v->workflow), "/defaults/retries");
  check_timeout (v, NULL, troupe_workflow_get_default_timeout (v->workflow), "/defaults/timeout");

  for (guint k = 0; providers != NULL && k < providers->len; k++)
    {
      TroupeProvider *provider = g_ptr_array_index (providers, k);
      const char * const *command = troupe_provider_get_command (provider);

      for (guint j = 0; command != NULL && command[j] != NULL; j++)
        {
          if (strstr (command[j], "${") != NULL)
            {
              const char *name = troupe_provider_get_name (provider);
              g_autofree char *escaped = troupe_json_pointer_escape (name);
              g_autofree char *pointer = g_strdup_printf ("/providers/%s/command/%u", escaped, j);

              check_template (v, NULL, NULL, name, command[j], pointer, "its command");
            }
        }
    }

  for (guint k = 0; agents != NULL && k < agents->len; k++)
    {
      TroupeAgent *agent = g_ptr_array_index (agents, k);
      const char *provider = troupe_agent_get_provider (agent);

      if (provider != NULL && !provider_is_known (v, provider))
        {
          const char *name = troupe_agent_get_name (agent);
          g_autofree char *escaped = troupe_json_pointer_escape (name);
          g_autofree char *pointer = g_strdup_printf ("/agents/%s/provider", escaped);

          check_provider_ref (v, NULL, provider, pointer, "agent '%s' uses provider", name);
        }
    }

  /* A file whose steps could not be read has errors of its own; saying
   * that it has no steps would only add noise. */
  if (v->n_steps == 0 &&
      !troupe_diagnostics_have_errors (troupe_workflow_get_load_diagnostics (v->workflow)))
    report (v, TROUPE_SEVERITY_WARNING, "empty-workflow", NULL, "/steps",
            "the workflow has no steps, so running it does nothing; add a step under steps");
}

GPtrArray *
troupe_workflow_validate (TroupeWorkflow *self)
{
  g_auto(Validator) v = { 0 };
  GPtrArray *load;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  v.workflow = self;
  v.diagnostics = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_diagnostic_free);
  v.file = troupe_workflow_get_file (self);
  /* Resolved once: every path check would otherwise resolve it again. */
  {
    g_autofree char *root = troupe_workflow_dup_workspace_root (self);

    v.workspace_root = troupe_path_resolve_root (root);
  }
  v.steps = troupe_workflow_get_steps (self);
  v.n_steps = v.steps != NULL ? v.steps->len : 0;
  v.references = g_array_new (FALSE, FALSE, sizeof (Reference));
  g_array_set_clear_func (v.references, reference_clear);

  load = troupe_workflow_get_load_diagnostics (self);
  for (guint k = 0; load != NULL && k < load->len; k++)
    g_ptr_array_add (v.diagnostics, troupe_diagnostic_copy (g_ptr_array_index (load, k)));

  collect_names (&v);
  build_graph (&v);

  check_workflow (&v);
  find_components (&v);
  for (guint i = 0; i < v.n_steps; i++)
    check_step (&v, i);
  resolve_references (&v);

  /* GLib's sort is stable: same-place diagnostics keep the order the
   * rules ran in. */
  g_ptr_array_sort (v.diagnostics, troupe_diagnostic_compare);

  return g_steal_pointer (&v.diagnostics);
}
