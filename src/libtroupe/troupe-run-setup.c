/* troupe-run-setup.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* How a TroupeRun comes to be: its options, the checks before anything
 * starts (validation, programs on PATH), the instances with their
 * dependents and priorities, and a new or a resumed run. */

#include "config.h"

#include <string.h>

#include "troupe-enums.h"
#include "troupe-run-private.h"
#include "troupe-validator.h"
#include "troupe-workflow-io.h"

G_DEFINE_BOXED_TYPE (TroupeRunOptions, troupe_run_options,
                     troupe_run_options_copy, troupe_run_options_free)

TroupeRunOptions *
troupe_run_options_new (void)
{
  TroupeRunOptions *options = g_new0 (TroupeRunOptions, 1);

  options->cancel_policy = TROUPE_CANCEL_POLICY_CASCADING;
  return options;
}

TroupeRunOptions *
troupe_run_options_copy (const TroupeRunOptions *options)
{
  TroupeRunOptions *copy;

  g_return_val_if_fail (options != NULL, NULL);

  copy = g_memdup2 (options, sizeof *options);
  copy->context = NULL;
  copy->policy_file = g_strdup (options->policy_file);
  if (options->context != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, options->context);
      while (g_hash_table_iter_next (&iter, &key, &value))
        troupe_run_options_set_context (copy, key, value);
    }

  return copy;
}

void
troupe_run_options_free (TroupeRunOptions *options)
{
  if (options == NULL)
    return;

  g_clear_pointer (&options->context, g_hash_table_unref);
  g_free (options->policy_file);
  g_free (options);
}

void
troupe_run_options_set_context (TroupeRunOptions *options,
                                const char       *key,
                                const char       *value)
{
  g_return_if_fail (options != NULL);
  g_return_if_fail (key != NULL);

  if (options->context == NULL)
    options->context = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (options->context, g_strdup (key), g_strdup (value));
}

Instance *
_troupe_run_instance_new (TroupeRun  *self,
              const char *id,
              TroupeStep *step)
{
  Instance *inst = g_new0 (Instance, 1);

  inst->run = self;
  inst->id = g_strdup (id);
  inst->step = step;
  inst->index = -1;
  inst->status = TROUPE_STEP_STATUS_PENDING;
  inst->dependents = g_ptr_array_new ();
  g_hash_table_insert (self->instances, inst->id, inst);
  g_ptr_array_add (self->by_order, inst);
  self->unfinished++;
  return inst;
}

/* Builds one instance per step, the dependents lists, the counts of
 * needs to wait for and the critical-path priorities, in O(V + E). */
static void
build_instances (TroupeRun *self)
{
  GPtrArray *steps = troupe_workflow_get_steps (self->workflow);
  g_autoptr(GPtrArray) topo = NULL;

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      Instance *inst = _troupe_run_instance_new (self, troupe_step_get_id (step), step);

      inst->order = i;
    }

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      Instance *inst = g_hash_table_lookup (self->instances, troupe_step_get_id (step));
      const char * const *needs = troupe_step_get_needs (step);

      for (guint j = 0; needs != NULL && needs[j] != NULL; j++)
        {
          Instance *need = g_hash_table_lookup (self->instances, needs[j]);

          /* Validation refused unknown and repeated needs already; be
           * safe anyway. */
          if (need == NULL || need == inst ||
              g_ptr_array_find (need->dependents, inst, NULL))
            continue;
          g_ptr_array_add (need->dependents, inst);
          inst->waiting++;
        }
    }

  /* Priorities: the longest path to a sink, computed from the sinks
   * backwards over a topological order (the workflow is acyclic here). */
  topo = troupe_workflow_topological_order (self->workflow, NULL);
  if (topo != NULL)
    for (guint i = topo->len; i > 0; i--)
      {
        Instance *inst = g_hash_table_lookup (self->instances, troupe_step_get_id (g_ptr_array_index (topo, i - 1)));
        guint best = 0;

        for (guint j = 0; j < inst->dependents->len; j++)
          best = MAX (best, ((Instance *) g_ptr_array_index (inst->dependents, j))->priority);
        inst->priority = best + 1;
      }
}

static gboolean
preflight (TroupeRun  *self,
           GError    **error)
{
  g_autoptr(GPtrArray) diagnostics = troupe_workflow_validate (self->workflow);
  GString *problems = g_string_new (NULL);
  GPtrArray *steps = troupe_workflow_get_steps (self->workflow);
  /* Owns copies of the program names: a name points into its provider,
   * which each iteration below drops (a borrowed key dangled, so the
   * same program was reported for every step and read freed memory). */
  g_autoptr(GHashTable) looked_up = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < diagnostics->len; i++)
    {
      TroupeDiagnostic *d = g_ptr_array_index (diagnostics, i);
      g_autofree char *text = NULL;

      if (d->severity != TROUPE_SEVERITY_ERROR)
        continue;
      text = troupe_diagnostic_to_string (d);
      g_string_append_printf (problems, "%s\n", text);
    }

  if (problems->len > 0)
    {
      g_string_truncate (problems, problems->len - 1);
      g_set_error (error, TROUPE_RUN_ERROR, TROUPE_RUN_ERROR_INVALID,
                   "the workflow has errors; fix them before running it:\n%s", problems->str);
      g_string_free (problems, TRUE);
      return FALSE;
    }

  /* A missing CLI is reported before anything starts, once per program,
   * naming the first step that needs it. */
  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      g_autoptr(TroupeProvider) provider = NULL;
      const char *program = _troupe_run_step_program (self, step, &provider);
      g_autofree char *found = NULL;

      /* Each program is looked up on PATH once, found or not: a workflow
       * of 10,000 steps runs a handful of programs. */
      if (program == NULL || g_hash_table_contains (looked_up, program))
        continue;
      found = troupe_find_program (program);
      g_hash_table_add (looked_up, g_strdup (program));
      if (found != NULL)
        continue;

      if (troupe_step_get_kind (step) == TROUPE_STEP_KIND_COMMAND)
        g_string_append_printf (problems,
                                "step '%s' runs '%s', which is not on PATH; install it or fix the step's command\n",
                                troupe_step_get_id (step), program);
      else
        g_string_append_printf (problems,
                                "step '%s' uses provider '%s', whose program '%s' is not on PATH; "
                                "install it, or choose another provider (e.g. 'mock' to try the workflow without one)\n",
                                troupe_step_get_id (step), troupe_provider_get_name (provider), program);
    }

  if (problems->len > 0)
    {
      g_string_truncate (problems, problems->len - 1);
      g_set_error_literal (error, TROUPE_RUN_ERROR, TROUPE_RUN_ERROR_PREFLIGHT, problems->str);
      g_string_free (problems, TRUE);
      return FALSE;
    }

  g_string_free (problems, TRUE);
  return TRUE;
}

static void
setup (TroupeRun              *self,
       const TroupeRunOptions *options)
{
  guint recorded_parallel = troupe_workflow_get_max_parallel (self->workflow);

  self->options = options ? troupe_run_options_copy (options) : troupe_run_options_new ();
  self->max_parallel = self->options->max_parallel;
  if (self->max_parallel == 0)
    self->max_parallel = recorded_parallel;
  if (self->max_parallel == 0)
    self->max_parallel = g_get_num_processors ();
  if (!self->options->has_seed)
    {
      self->options->seed = (guint64) g_random_int () << 32 | g_random_int ();
      self->options->has_seed = TRUE;
    }
  self->rand = g_rand_new_with_seed_array ((const guint32[]) { (guint32) self->options->seed,
                                                               (guint32) (self->options->seed >> 32) }, 2);
  build_instances (self);
}

/* "${run.timestamp_utc}" must not change when a run resumes: it is the
 * start of the run, which its id spells ("20261121-014502-ab12"). */
static char *
timestamp_from_run_id (const char *run_id)
{
  if (strlen (run_id) >= 15 && run_id[8] == '-')
    return g_strdup_printf ("%.8sT%.6sZ", run_id, run_id + 9);
  return g_strdup (run_id);
}

TroupeRun *
troupe_run_new (TroupeWorkflow          *workflow,
                const TroupeRunOptions  *options,
                GError                 **error)
{
  g_autoptr(TroupeRun) self = NULL;
  g_autofree char *yaml = NULL;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (workflow), NULL);

  self = g_object_new (TROUPE_TYPE_RUN, NULL);
  self->workflow = g_object_ref (workflow);
  self->workspace_root = troupe_workflow_dup_workspace_root (workflow);

  if (!preflight (self, error))
    return NULL;

  /* A policy that does not fit the workflow is refused before the run
   * exists. */
  if (options != NULL && options->policy_file != NULL)
    {
      self->policy = troupe_run_policy_new (workflow, options->policy_file, options->policy_sample, error);
      if (self->policy == NULL)
        return NULL;
    }

  yaml = troupe_workflow_to_data (workflow, TROUPE_FILE_FORMAT_YAML, NULL);
  self->store = troupe_run_store_create (self->workspace_root, NULL, yaml, error);
  if (self->store == NULL)
    return NULL;

  /* From the id, as on resume: reading the clock again here gave the
   * next second now and then, and ${run.timestamp_utc} changed when such
   * a run was resumed. */
  self->timestamp_utc = timestamp_from_run_id (troupe_run_store_get_id (self->store));
  setup (self, options);
  if (self->policy != NULL && !_troupe_run_policy_attach (self->policy, self, error))
    return NULL;

  return g_steal_pointer (&self);
}

TroupeRun *
troupe_run_new_resume (const char              *workspace_root,
                       const char              *run_id,
                       const TroupeRunOptions  *options,
                       GError                 **error)
{
  g_autoptr(TroupeRun) self = NULL;
  g_autoptr(TroupeRunOptions) merged = NULL;
  g_autofree char *workflow_path = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  TroupeRunRecord *record;
  JsonObject *recorded;

  g_return_val_if_fail (workspace_root != NULL, NULL);
  g_return_val_if_fail (run_id != NULL, NULL);

  self = g_object_new (TROUPE_TYPE_RUN, NULL);
  self->store = troupe_run_store_open (workspace_root, run_id, error);
  if (self->store == NULL)
    return NULL;

  record = troupe_run_store_get_record (self->store);
  if (troupe_run_record_get_status (record) == TROUPE_RUN_STATUS_SUCCEEDED)
    {
      g_set_error (error, TROUPE_RUN_ERROR, TROUPE_RUN_ERROR_STATE,
                   "run %s already succeeded; there is nothing to resume", run_id);
      return NULL;
    }

  /* Resume runs the workflow as it was when the run started, not the file
   * as it may have been edited since. */
  workflow_path = troupe_run_store_dup_workflow_path (self->store);
  workflow = troupe_workflow_new_from_file (workflow_path, NULL, error);
  if (workflow == NULL)
    return NULL;
  /* The copy lives in the run folder; the workspace is where the run was. */
  troupe_workflow_set_workspace (workflow, NULL);
  troupe_workflow_set_file (workflow, NULL);
  self->workflow = g_steal_pointer (&workflow);
  self->workspace_root = g_strdup (workspace_root);

  recorded = troupe_run_record_get_options (record);
  merged = options ? troupe_run_options_copy (options) : troupe_run_options_new ();
  if (recorded != NULL)
    {
      if (merged->max_parallel == 0 && json_object_has_member (recorded, "max_parallel"))
        merged->max_parallel = json_object_get_int_member (recorded, "max_parallel");
      if (merged->timeout_ms <= 0 && json_object_has_member (recorded, "timeout_ms"))
        merged->timeout_ms = json_object_get_int_member (recorded, "timeout_ms");
      if (json_object_has_member (recorded, "seed"))
        {
          merged->seed = json_object_get_int_member (recorded, "seed");
          merged->has_seed = TRUE;
        }
      if (options == NULL && json_object_has_member (recorded, "cancel_policy"))
        {
          int policy;

          if (troupe_enum_from_nick (TROUPE_TYPE_CANCEL_POLICY,
                                     json_object_get_string_member (recorded, "cancel_policy"), &policy))
            merged->cancel_policy = policy;
        }
      if (json_object_has_member (recorded, "context"))
        {
          JsonObject *context = json_object_get_object_member (recorded, "context");
          GList *members = json_object_get_members (context);

          for (GList *l = members; l != NULL; l = l->next)
            if (merged->context == NULL || !g_hash_table_contains (merged->context, l->data))
              troupe_run_options_set_context (merged, l->data,
                                              json_object_get_string_member (context, l->data));
          g_list_free (members);
        }
    }

  self->timestamp_utc = timestamp_from_run_id (run_id);
  self->resumed = TRUE;
  setup (self, merged);
  if (!_troupe_run_policy_resume (self, merged->policy_file, &self->policy, error))
    return NULL;

  return g_steal_pointer (&self);
}

