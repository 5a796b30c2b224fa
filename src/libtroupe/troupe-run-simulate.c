/* troupe-run-simulate.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "troupe-run-private.h"

typedef struct
{
  TroupeStep *step;
  GPtrArray  *dependents;   /* SimStep*, borrowed */
  gint64      duration;
  gint64      end;
  guint       order;
  guint       priority;
  guint       waiting;
  gboolean    uses_slot;
} SimStep;

static void
sim_step_free (SimStep *s)
{
  g_ptr_array_unref (s->dependents);
  g_free (s);
}

static int
compare_ready (gconstpointer a,
               gconstpointer b)
{
  const SimStep *sa = *(SimStep * const *) a;
  const SimStep *sb = *(SimStep * const *) b;

  /* The runner's order: critical path first, then file order. */
  if (sa->priority != sb->priority)
    return sa->priority > sb->priority ? -1 : 1;
  return sa->order < sb->order ? -1 : (sa->order > sb->order);
}

/* The provider whose max_parallel applies to @s, as the runner finds it
 * (instance_limits() in troupe-run.c): only the workflow's own providers
 * have limits. The dry run used to ignore provider limits, though it
 * promises the runner's. */
static TroupeProvider *
sim_provider (TroupeWorkflow *workflow,
              SimStep        *s)
{
  return troupe_workflow_lookup_provider (workflow, troupe_workflow_get_step_provider_name (workflow, s->step));
}

JsonObject *
troupe_run_simulate (TroupeWorkflow          *workflow,
                     const TroupeRunOptions  *options,
                     gint64                   step_ms,
                     GError                 **error)
{
  g_autoptr(GPtrArray) topo = NULL;
  g_autoptr(GPtrArray) sims = NULL;
  g_autoptr(GHashTable) by_id = NULL;
  g_autoptr(GPtrArray) ready = NULL;
  g_autoptr(GPtrArray) running = NULL;
  g_autoptr(GHashTable) agent_running = NULL;
  g_autoptr(GHashTable) provider_running = NULL;
  JsonObject *report;
  JsonArray *order;
  guint max_parallel = options ? options->max_parallel : 0;
  gint64 now = 0, serial = 0, critical = 0;
  GPtrArray *steps;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (workflow), NULL);

  topo = troupe_workflow_topological_order (workflow, error);
  if (topo == NULL)
    return NULL;

  if (max_parallel == 0)
    max_parallel = troupe_workflow_get_max_parallel (workflow);
  if (max_parallel == 0)
    max_parallel = g_get_num_processors ();

  steps = troupe_workflow_get_steps (workflow);
  sims = g_ptr_array_new_with_free_func ((GDestroyNotify) sim_step_free);
  by_id = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < steps->len; i++)
    {
      SimStep *s = g_new0 (SimStep, 1);
      TroupeStepKind kind;

      s->step = g_ptr_array_index (steps, i);
      s->dependents = g_ptr_array_new ();
      s->order = i;
      kind = troupe_step_get_kind (s->step);
      s->uses_slot = kind == TROUPE_STEP_KIND_AGENT || kind == TROUPE_STEP_KIND_COMMAND;
      s->duration = s->uses_slot ? step_ms : 0;
      serial += s->duration;
      g_ptr_array_add (sims, s);
      g_hash_table_insert (by_id, (gpointer) troupe_step_get_id (s->step), s);
    }

  for (guint i = 0; i < sims->len; i++)
    {
      SimStep *s = g_ptr_array_index (sims, i);
      const char * const *needs = troupe_step_get_needs (s->step);

      for (guint j = 0; needs != NULL && needs[j] != NULL; j++)
        {
          SimStep *need = g_hash_table_lookup (by_id, needs[j]);

          if (need != NULL && need != s && !g_ptr_array_find (need->dependents, s, NULL))
            {
              g_ptr_array_add (need->dependents, s);
              s->waiting++;
            }
        }
    }

  /* Priorities and the critical path, over the topological order. */
  for (guint i = topo->len; i > 0; i--)
    {
      SimStep *s = g_hash_table_lookup (by_id, troupe_step_get_id (g_ptr_array_index (topo, i - 1)));
      guint best = 0;

      for (guint j = 0; j < s->dependents->len; j++)
        best = MAX (best, ((SimStep *) g_ptr_array_index (s->dependents, j))->priority);
      s->priority = best + 1;
    }
  {
    g_autoptr(GHashTable) finish = g_hash_table_new (NULL, NULL);

    for (guint i = 0; i < topo->len; i++)
      {
        SimStep *s = g_hash_table_lookup (by_id, troupe_step_get_id (g_ptr_array_index (topo, i)));
        const char * const *needs = troupe_step_get_needs (s->step);
        gint64 start = 0;

        for (guint j = 0; needs != NULL && needs[j] != NULL; j++)
          {
            SimStep *need = g_hash_table_lookup (by_id, needs[j]);

            if (need != NULL)
              start = MAX (start, (gint64) GPOINTER_TO_SIZE (g_hash_table_lookup (finish, need)));
          }
        g_hash_table_insert (finish, s, GSIZE_TO_POINTER (start + s->duration));
        critical = MAX (critical, start + s->duration);
      }
  }

  report = json_object_new ();
  order = json_array_new ();
  ready = g_ptr_array_new ();
  running = g_ptr_array_new ();
  agent_running = g_hash_table_new (g_str_hash, g_str_equal);
  provider_running = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < sims->len; i++)
    if (((SimStep *) g_ptr_array_index (sims, i))->waiting == 0)
      g_ptr_array_add (ready, g_ptr_array_index (sims, i));

  while (ready->len > 0 || running->len > 0)
    {
      guint in_slots = 0;

      for (guint i = 0; i < running->len; i++)
        in_slots += ((SimStep *) g_ptr_array_index (running, i))->uses_slot;

      /* Start what the limits allow, in the runner's order. */
      g_ptr_array_sort (ready, compare_ready);
      for (guint i = 0; i < ready->len; )
        {
          SimStep *s = g_ptr_array_index (ready, i);
          TroupeAgent *agent = troupe_workflow_lookup_agent (workflow, troupe_step_get_agent (s->step));
          guint limit = agent ? troupe_agent_get_max_parallel (agent) : 0;
          const char *name = agent ? troupe_agent_get_name (agent) : NULL;
          guint busy = name ? GPOINTER_TO_UINT (g_hash_table_lookup (agent_running, name)) : 0;
          TroupeProvider *provider = sim_provider (workflow, s);
          guint provider_limit = provider ? troupe_provider_get_max_parallel (provider) : 0;
          const char *pname = provider ? troupe_provider_get_name (provider) : NULL;
          guint provider_busy = pname ? GPOINTER_TO_UINT (g_hash_table_lookup (provider_running, pname)) : 0;
          JsonObject *entry;

          if ((s->uses_slot && in_slots >= max_parallel) || (s->uses_slot && limit > 0 && busy >= limit) ||
              (s->uses_slot && provider_limit > 0 && provider_busy >= provider_limit))
            {
              i++;
              continue;
            }

          s->end = now + s->duration;
          if (s->uses_slot)
            {
              in_slots++;
              if (name != NULL)
                g_hash_table_insert (agent_running, (gpointer) name, GUINT_TO_POINTER (busy + 1));
              if (pname != NULL)
                g_hash_table_insert (provider_running, (gpointer) pname, GUINT_TO_POINTER (provider_busy + 1));
            }
          entry = json_object_new ();
          json_object_set_string_member (entry, "instance", troupe_step_get_id (s->step));
          json_object_set_int_member (entry, "start_ms", now);
          json_object_set_int_member (entry, "end_ms", s->end);
          json_array_add_object_element (order, entry);
          g_ptr_array_add (running, s);
          g_ptr_array_remove_index (ready, i);
        }

      if (running->len == 0)
        break;

      /* Advance to the next completion, and take every step that ends at
       * that moment before starting others: with simulated durations
       * ties are the rule, and handling them one at a time would start a
       * short step in a slot that the critical path needs an instant
       * later (the order would depend on which tie came first). */
      now = ((SimStep *) g_ptr_array_index (running, 0))->end;
      for (guint i = 1; i < running->len; i++)
        now = MIN (now, ((SimStep *) g_ptr_array_index (running, i))->end);

      for (guint i = 0; i < running->len; )
        {
          SimStep *done = g_ptr_array_index (running, i);
          TroupeProvider *provider;
          TroupeAgent *agent;

          if (done->end != now)
            {
              i++;
              continue;
            }

          agent = troupe_workflow_lookup_agent (workflow, troupe_step_get_agent (done->step));
          provider = sim_provider (workflow, done);
          g_ptr_array_remove_index (running, i);
          if (agent != NULL && done->uses_slot)
            {
              const char *name = troupe_agent_get_name (agent);
              guint busy = GPOINTER_TO_UINT (g_hash_table_lookup (agent_running, name));

              g_hash_table_insert (agent_running, (gpointer) name, GUINT_TO_POINTER (busy - 1));
            }
          if (provider != NULL && done->uses_slot)
            {
              const char *name = troupe_provider_get_name (provider);
              guint busy = GPOINTER_TO_UINT (g_hash_table_lookup (provider_running, name));

              g_hash_table_insert (provider_running, (gpointer) name, GUINT_TO_POINTER (busy - 1));
            }
          for (guint j = 0; j < done->dependents->len; j++)
            {
              SimStep *dep = g_ptr_array_index (done->dependents, j);

              if (--dep->waiting == 0)
                g_ptr_array_add (ready, dep);
            }
        }
    }

  json_object_set_array_member (report, "order", order);
  json_object_set_int_member (report, "wall_ms", now);
  json_object_set_int_member (report, "serial_ms", serial);
  json_object_set_int_member (report, "critical_path_ms", critical);
  json_object_set_int_member (report, "max_parallel", max_parallel);
  return report;
}
