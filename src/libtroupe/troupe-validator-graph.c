/* troupe-validator-graph.c
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
#include "troupe-validator-private.h"

/* The graph rules: the needs as CSR arrays, cycles through Tarjan's
 * components, and whether a step whose result is used is upstream. */

void
_troupe_validator_collect_names (Validator *v)
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
      const char *id = troupe_step_get_id (_troupe_validator_step_at (v, i));

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

void
_troupe_validator_build_graph (Validator *v)
{
  guint n = v->n_steps;
  guint n_edges = 0;
  g_autofree guint *fill = NULL;

  v->needs_at = g_new0 (guint, n + 1);
  v->dependents_at = g_new0 (guint, n + 1);

  for (guint i = 0; i < n; i++)
    {
      const char * const *needs = troupe_step_get_needs (_troupe_validator_step_at (v, i));

      v->needs_at[i + 1] = v->needs_at[i];
      for (guint k = 0; needs != NULL && needs[k] != NULL; k++)
        {
          guint j = _troupe_validator_lookup_index (v, needs[k]);

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
      const char * const *needs = troupe_step_get_needs (_troupe_validator_step_at (v, i));
      guint e = v->needs_at[i];

      for (guint k = 0; needs != NULL && needs[k] != NULL; k++)
        {
          guint j = _troupe_validator_lookup_index (v, needs[k]);

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

void
_troupe_validator_find_components (Validator *v)
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
  const char *first_id = troupe_step_get_id (_troupe_validator_step_at (v, first));
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
      g_string_append_printf (text, "%s → ", troupe_step_get_id (_troupe_validator_step_at (v, cycle[k])));
    }
  g_string_append (text, first_id);

  /* Point at the need of @first that closes the cycle. */
  needs = troupe_step_get_needs (_troupe_validator_step_at (v, first));
  for (guint k = 0; needs != NULL && needs[k] != NULL; k++)
    if (_troupe_validator_lookup_index (v, needs[k]) == last)
      {
        need_index = k;
        break;
      }
  pointer = g_strdup_printf ("needs/%u", need_index);

  _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "cycle", first_id, pointer,
                            "steps %s form a cycle (each needs the one before it), so none of them "
                            "can ever start; remove one of these needs",
                            text->str);
}

void
_troupe_validator_check_needs (Validator  *v,
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

          _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "self-need", id, pointer,
                                    "step '%s' needs itself, so it could never start; remove '%s' from its needs",
                                    id, id);
        }
      else if (_troupe_validator_lookup_index (v, needs[k]) == NO_INDEX)
        {
          g_autofree char *pointer = g_strdup_printf ("needs/%u", k);
          g_autofree char *hint = _troupe_validator_suggestion (needs[k], v->step_ids,
                                                                "; add a step with that id or remove it from needs");

          _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "missing-need", id, pointer,
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

              _troupe_validator_report (v, TROUPE_SEVERITY_WARNING, "duplicate-need", id, pointer,
                                        "step '%s' lists '%s' in its needs more than once; remove the repeat",
                                        id, needs[k]);
            }
        }
    }
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
void
_troupe_validator_resolve_references (Validator *v)
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
        _troupe_validator_report_not_upstream (v, reference->step, reference->target, reference->pointer,
                                               reference->where, reference->spelled);
    }
}
