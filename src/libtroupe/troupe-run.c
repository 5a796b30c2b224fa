/* troupe-run.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "troupe-duration.h"
#include "troupe-enums.h"
#include "troupe-run-private.h"
#include "troupe-validator.h"
#include "troupe-workflow-io.h"

G_DEFINE_FINAL_TYPE (TroupeRun, troupe_run, G_TYPE_OBJECT)

G_DEFINE_QUARK (troupe-run-error-quark, troupe_run_error)

enum {
  PROP_0,
  PROP_STATUS,
  N_PROPS
};

enum {
  EVENT,
  FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void make_ready        (TroupeRun *self, Instance *inst);
static void instance_is_final (TroupeRun *self, Instance *inst);
static void stop_run          (TroupeRun *self, TroupeRunStatus status, const char *reason);
static void check_done        (TroupeRun *self);
static void pump              (TroupeRun *self);
static void drain_finals      (TroupeRun *self);
static Instance *policy_pop   (TroupeRun *self);

/* Sources go to the thread-default main context, where the run lives (its
 * processes and waits already did): g_timeout_add() and g_idle_add()
 * attach to the global default context, so a run driven on another one
 * never saw its timers and idles fire. Their ids are looked up in the
 * same context to remove them: g_source_remove() only looks in the global
 * one. */
static guint
add_source (guint       interval_ms,
            gboolean    idle,
            GSourceFunc func,
            gpointer    data)
{
  GSource *source = idle ? g_idle_source_new () : g_timeout_source_new (interval_ms);
  guint id;

  g_source_set_callback (source, func, data, NULL);
  id = g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  return id;
}

static void
remove_source (guint id)
{
  GSource *source = g_main_context_find_source_by_id (g_main_context_get_thread_default (), id);

  if (source != NULL)
    g_source_destroy (source);
}

static void
instance_free (Instance *inst)
{
  g_clear_handle_id (&inst->timer_id, remove_source);
  /* A process and a wait call back once they end, even after the run is
   * gone: their "troupe-run-instance" data (troupe-run-actions.c) is how
   * the callbacks find their instance, so clearing it tells them there is
   * none any more. The callbacks used to reach the freed instance. */
  if (inst->cancellable != NULL)
    {
      g_object_set_data (G_OBJECT (inst->cancellable), "troupe-run-instance", NULL);
      g_cancellable_cancel (inst->cancellable);
    }
  g_clear_object (&inst->cancellable);
  if (inst->process != NULL)
    {
      g_object_set_data (G_OBJECT (inst->process), "troupe-run-instance", NULL);
      troupe_process_terminate (inst->process);
    }
  g_clear_object (&inst->process);
  g_clear_pointer (&inst->children, g_ptr_array_unref);
  g_clear_pointer (&inst->dependents, g_ptr_array_unref);
  g_free (inst->id);
  g_free (inst->item);
  g_free (inst);
}

static gboolean
status_is_final (TroupeStepStatus status)
{
  return status == TROUPE_STEP_STATUS_SUCCEEDED ||
         status == TROUPE_STEP_STATUS_FAILED ||
         status == TROUPE_STEP_STATUS_SKIPPED ||
         status == TROUPE_STEP_STATUS_CANCELLED;
}

static void
troupe_run_dispose (GObject *object)
{
  TroupeRun *self = (TroupeRun *)object;

  /* A run dropped before it finished (the CLI quitting on a third Ctrl+C,
   * the app closing) says so in its record, so that `troupe runs` does not
   * show it running; it resumes like any other. */
  if (self->started && !self->finished && self->store != NULL)
    {
      JsonObject *event = _troupe_run_new_event (self, "run-interrupted", NULL);
      g_autoptr(GError) error = NULL;

      json_object_set_string_member (event, "reason", "the runner stopped before the run finished");
      self->finished = TRUE;
      _troupe_run_emit (self, event);
      if (!troupe_run_store_flush (self->store, &error))
        g_warning ("Cannot write the state of run %s: %s", troupe_run_store_get_id (self->store), error->message);
    }

  g_clear_handle_id (&self->timeout_id, remove_source);
  /* Instances own processes and timers: dropping them terminates what
   * still runs, so a run that is disposed early leaves nothing behind. */
  g_clear_pointer (&self->instances, g_hash_table_unref);
  g_clear_pointer (&self->by_order, g_ptr_array_unref);
  g_clear_pointer (&self->heap, g_ptr_array_unref);
  g_clear_object (&self->store);
  g_clear_object (&self->workflow);

  G_OBJECT_CLASS (troupe_run_parent_class)->dispose (object);
}

static void
troupe_run_finalize (GObject *object)
{
  TroupeRun *self = (TroupeRun *)object;

  g_clear_pointer (&self->options, troupe_run_options_free);
  g_clear_pointer (&self->workspace_root, g_free);
  g_clear_pointer (&self->timestamp_utc, g_free);
  g_clear_pointer (&self->stop_reason, g_free);
  g_clear_pointer (&self->secrets, g_strfreev);
  g_clear_pointer (&self->agent_running, g_hash_table_unref);
  g_clear_pointer (&self->provider_running, g_hash_table_unref);
  g_clear_pointer (&self->rand, g_rand_free);
  g_clear_pointer (&self->policy, troupe_run_policy_free);

  G_OBJECT_CLASS (troupe_run_parent_class)->finalize (object);
}

static void
troupe_run_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TroupeRun *self = TROUPE_RUN (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      g_value_set_enum (value, troupe_run_get_status (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_run_class_init (TroupeRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = troupe_run_dispose;
  object_class->finalize = troupe_run_finalize;
  object_class->get_property = troupe_run_get_property;

  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL, TROUPE_TYPE_RUN_STATUS, TROUPE_RUN_STATUS_PENDING,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Every event of events.jsonl, after the record has applied it: the
   * desktop app's run view and the CLI's progress follow this. */
  signals[EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
  signals[FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
troupe_run_init (TroupeRun *self)
{
  self->instances = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) instance_free);
  self->by_order = g_ptr_array_new ();
  self->heap = g_ptr_array_new ();
  self->agent_running = g_hash_table_new (g_str_hash, g_str_equal);
  self->provider_running = g_hash_table_new (g_str_hash, g_str_equal);
  self->stop_status = TROUPE_RUN_STATUS_SUCCEEDED;
}

/* The ready heap: the step with the longest remaining path to a sink
 * first (critical path first), ties by file order. */
static gboolean
heap_before (Instance *a,
             Instance *b)
{
  if (a->priority != b->priority)
    return a->priority > b->priority;
  if (a->order != b->order)
    return a->order < b->order;
  return a->index < b->index;
}

static void
heap_push (TroupeRun *self,
           Instance  *inst)
{
  GPtrArray *h = self->heap;
  guint i;

  g_assert (!inst->in_heap);
  inst->in_heap = TRUE;
  g_ptr_array_add (h, inst);
  i = h->len - 1;
  while (i > 0 && heap_before (h->pdata[i], h->pdata[(i - 1) / 2]))
    {
      gpointer tmp = h->pdata[i];

      h->pdata[i] = h->pdata[(i - 1) / 2];
      h->pdata[(i - 1) / 2] = tmp;
      i = (i - 1) / 2;
    }
}

static Instance *
heap_pop (TroupeRun *self)
{
  GPtrArray *h = self->heap;
  Instance *top = h->pdata[0];
  guint i = 0;

  h->pdata[0] = h->pdata[h->len - 1];
  g_ptr_array_set_size (h, h->len - 1);
  for (;;)
    {
      guint l = 2 * i + 1, r = l + 1, m = i;
      gpointer tmp;

      if (l < h->len && heap_before (h->pdata[l], h->pdata[m]))
        m = l;
      if (r < h->len && heap_before (h->pdata[r], h->pdata[m]))
        m = r;
      if (m == i)
        break;
      tmp = h->pdata[m];
      h->pdata[m] = h->pdata[i];
      h->pdata[i] = tmp;
      i = m;
    }

  top->in_heap = FALSE;
  return top;
}

JsonObject *
_troupe_run_new_event (TroupeRun  *self,
                       const char *name,
                       Instance   *inst)
{
  JsonObject *event = json_object_new ();

  json_object_set_string_member (event, "event", name);
  if (inst != NULL)
    {
      json_object_set_string_member (event, "step", troupe_step_get_id (inst->step));
      json_object_set_string_member (event, "instance", inst->id);
    }
  return event;
}

/* Takes ownership of @event. */
void
_troupe_run_emit (TroupeRun  *self,
                  JsonObject *event)
{
  g_autoptr(GError) error = NULL;

  json_object_ref (event);
  /* The journal is the run's memory: if it cannot be written, going on
   * would produce results that resume cannot trust. */
  if (!troupe_run_store_append (self->store, event, &error))
    {
      g_critical ("Cannot record the run's progress: %s", error->message);
      json_object_unref (event);
      return;
    }
  g_signal_emit (self, signals[EVENT], 0, event);
  json_object_unref (event);
}

static void
set_status (Instance         *inst,
            TroupeStepStatus  status)
{
  inst->status = status;
}

static TroupeFailurePolicy
effective_on_failure (TroupeRun  *self,
                      TroupeStep *step)
{
  TroupeFailurePolicy policy = troupe_step_get_on_failure (step);

  if (policy == TROUPE_FAILURE_POLICY_INHERIT)
    policy = troupe_workflow_get_default_on_failure (self->workflow);
  if (policy == TROUPE_FAILURE_POLICY_INHERIT)
    policy = TROUPE_FAILURE_POLICY_STOP;
  return policy;
}

static const TroupeRetryPolicy *
effective_retries (TroupeRun  *self,
                   TroupeStep *step)
{
  const TroupeRetryPolicy *retries = troupe_step_get_retries (step);

  return retries != NULL ? retries : troupe_workflow_get_default_retries (self->workflow);
}

static JsonObject *
options_event (TroupeRun  *self,
               const char *name)
{
  JsonObject *event = _troupe_run_new_event (self, name, NULL);
  JsonObject *context = json_object_new ();
  const char * const *keys = troupe_workflow_get_context_keys (self->workflow);

  json_object_set_string_member (event, "run", troupe_run_store_get_id (self->store));
  json_object_set_string_member (event, "workflow", troupe_workflow_get_name (self->workflow));
  json_object_set_string_member (event, "file", troupe_workflow_get_file (self->workflow));
  json_object_set_int_member (event, "steps", troupe_workflow_get_n_steps (self->workflow));
  json_object_set_int_member (event, "max_parallel", self->max_parallel);
  json_object_set_int_member (event, "seed", (gint64) self->options->seed);
  json_object_set_int_member (event, "timeout_ms", MAX (self->options->timeout_ms, 0));
  json_object_set_string_member (event, "cancel_policy",
                                 troupe_enum_to_nick (TROUPE_TYPE_CANCEL_POLICY, self->options->cancel_policy));
  for (guint i = 0; keys[i] != NULL; i++)
    json_object_set_string_member (context, keys[i], troupe_workflow_get_context (self->workflow, keys[i]));
  if (self->options->context != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, self->options->context);
      while (g_hash_table_iter_next (&iter, &key, &value))
        json_object_set_string_member (context, key, value);
    }
  json_object_set_object_member (event, "context", context);
  if (self->policy != NULL)
    _troupe_run_policy_describe (self->policy, event);
  return event;
}

static gboolean
on_run_timeout_cb (gpointer user_data)
{
  TroupeRun *self = user_data;
  g_autofree char *limit = troupe_duration_format (self->options->timeout_ms);
  g_autofree char *reason = g_strdup_printf ("the run timed out after %s", limit);

  self->timeout_id = 0;
  /* A run that ran out of time stops everything, whatever the cancel
   * policy: waiting for running steps could take as long again. */
  self->options->cancel_policy = TROUPE_CANCEL_POLICY_CASCADING;
  stop_run (self, TROUPE_RUN_STATUS_FAILED, reason);
  return G_SOURCE_REMOVE;
}

/* On resume, instances that already succeeded count as done: their
 * dependents stop waiting for them and their outputs are reused. The
 * others go on counting their attempts from where the earlier sessions
 * left them: attempt numbers name the log files, and starting again at 1
 * overwrote the logs of the attempts that failed or were interrupted.
 * (So retries.max bounds the attempts over the whole run, sessions
 * included.) */
static void
restore_succeeded (TroupeRun *self)
{
  TroupeRunRecord *record = troupe_run_store_get_record (self->store);

  for (guint i = 0; i < self->by_order->len; i++)
    {
      Instance *inst = g_ptr_array_index (self->by_order, i);
      TroupeStepRecord *rec = troupe_run_record_lookup (record, inst->id);

      if (rec != NULL)
        inst->attempt = inst->attempt_base = rec->attempts;
      if (rec == NULL || rec->status != TROUPE_STEP_STATUS_SUCCEEDED)
        continue;

      set_status (inst, TROUPE_STEP_STATUS_SUCCEEDED);
      inst->duration_us = rec->duration_us;
      self->unfinished--;
      for (guint j = 0; j < inst->dependents->len; j++)
        ((Instance *) g_ptr_array_index (inst->dependents, j))->waiting--;
    }
}

/* `troupe approve` in another terminal writes a file the store watches. */
static void
on_store_approval_cb (TroupeRunStore *store,
                      const char     *instance,
                      gboolean        approved,
                      const char     *by,
                      const char     *note,
                      TroupeRun      *self)
{
  g_autoptr(GError) error = NULL;

  if (!troupe_run_approve (self, instance, approved, by, note, &error))
    g_message ("Ignoring an approval for %s: %s", instance, error->message);
}

void
troupe_run_start (TroupeRun *self)
{
  g_return_if_fail (TROUPE_IS_RUN (self));
  g_return_if_fail (!self->started);

  self->started = TRUE;
  self->started_mono = g_get_monotonic_time ();

  _troupe_run_emit (self, options_event (self, self->resumed ? "run-resumed" : "run-started"));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);

  if (self->resumed)
    restore_succeeded (self);

  g_signal_connect_object (self->store, "approval", G_CALLBACK (on_store_approval_cb), self, 0);
  troupe_run_store_watch_approvals (self->store);

  if (self->options->timeout_ms > 0)
    self->timeout_id = add_source (self->options->timeout_ms, FALSE, on_run_timeout_cb, self);

  /* Snapshot the list first: making one step ready can finish others
   * (a skipped step skips its dependents). Steps that finish on the spot
   * wait in the worklist until every root is ready (see
   * instance_is_final()). */
  {
    g_autoptr(GPtrArray) roots = g_ptr_array_new ();

    for (guint i = 0; i < self->by_order->len; i++)
      {
        Instance *inst = g_ptr_array_index (self->by_order, i);

        if (inst->waiting == 0 && inst->status == TROUPE_STEP_STATUS_PENDING)
          g_ptr_array_add (roots, inst);
      }
    self->draining = TRUE;
    for (guint i = 0; i < roots->len; i++)
      if (((Instance *) g_ptr_array_index (roots, i))->status == TROUPE_STEP_STATUS_PENDING)
        make_ready (self, g_ptr_array_index (roots, i));
    drain_finals (self);
  }

  pump (self);
  check_done (self);
}

static guint
count_get (GHashTable *table,
           const char *key)
{
  return key ? GPOINTER_TO_UINT (g_hash_table_lookup (table, key)) : 0;
}

static void
count_add (GHashTable *table,
           const char *key,
           int         delta)
{
  if (key != NULL)
    g_hash_table_insert (table, (gpointer) key, GUINT_TO_POINTER (count_get (table, key) + delta));
}

/* The limits an instance must respect besides the global one: its
 * agent's and its provider's max_parallel (0: none). */
static void
instance_limits (TroupeRun   *self,
                 Instance    *inst,
                 const char **agent_name,
                 guint       *agent_limit,
                 const char **provider_name,
                 guint       *provider_limit)
{
  TroupeAgent *agent = troupe_workflow_lookup_agent (self->workflow, troupe_step_get_agent (inst->step));
  const char *pname = troupe_workflow_get_step_provider_name (self->workflow, inst->step);
  TroupeProvider *provider = troupe_workflow_lookup_provider (self->workflow, pname);

  *agent_name = agent ? troupe_agent_get_name (agent) : NULL;
  *agent_limit = agent ? troupe_agent_get_max_parallel (agent) : 0;
  *provider_name = provider ? troupe_provider_get_name (provider) : NULL;
  *provider_limit = provider ? troupe_provider_get_max_parallel (provider) : 0;
}

/* Starts as many ready instances as the limits allow. Instances whose
 * agent or provider is at its limit wait without blocking the others
 * (backpressure), and keep their place in the queue. */
static void
pump (TroupeRun *self)
{
  g_autoptr(GPtrArray) blocked = NULL;

  /* See instance_is_final(). */
  if (self->stopping || self->draining)
    return;

  /* A handler of the step-started event may stop the run: then nothing
   * more starts. */
  while (!self->stopping && self->running < self->max_parallel && self->heap->len > 0)
    {
      Instance *inst = self->policy != NULL ? policy_pop (self) : heap_pop (self);
      const char *agent, *provider;
      guint agent_limit, provider_limit;

      /* The policy waits for an outcome, or ended the run. */
      if (inst == NULL)
        break;

      instance_limits (self, inst, &agent, &agent_limit, &provider, &provider_limit);
      if ((agent_limit > 0 && count_get (self->agent_running, agent) >= agent_limit) ||
          (provider_limit > 0 && count_get (self->provider_running, provider) >= provider_limit))
        {
          if (blocked == NULL)
            blocked = g_ptr_array_new ();
          g_ptr_array_add (blocked, inst);
          continue;
        }

      inst->holds_slot = TRUE;
      self->running++;
      count_add (self->agent_running, agent, +1);
      count_add (self->provider_running, provider, +1);
      _troupe_run_start_attempt (self, inst);
    }

  if (blocked != NULL)
    for (guint i = 0; i < blocked->len; i++)
      heap_push (self, g_ptr_array_index (blocked, i));
}

static void
release_slot (TroupeRun *self,
              Instance  *inst)
{
  const char *agent, *provider;
  guint agent_limit, provider_limit;

  if (!inst->holds_slot)
    return;

  instance_limits (self, inst, &agent, &agent_limit, &provider, &provider_limit);
  inst->holds_slot = FALSE;
  self->running--;
  count_add (self->agent_running, agent, -1);
  count_add (self->provider_running, provider, -1);
}

static void
queue_instance (TroupeRun *self,
                Instance  *inst)
{
  set_status (inst, TROUPE_STEP_STATUS_READY);
  _troupe_run_emit (self, _troupe_run_new_event (self, "step-ready", inst));

  /* No pump here: instances often become ready several at a time (the
   * roots at the start, the dependents of a step that finished), and
   * starting each one as it arrives let the first in file order take the
   * slot the critical path wanted. Whoever made them ready pumps once
   * they are all in the heap (troupe_run_start, _troupe_run_attempt_done,
   * on_retry_timer_cb). */
  if (_troupe_run_step_uses_slot (self, inst->step))
    heap_push (self, inst);
  else
    _troupe_run_start_attempt (self, inst);
}

static void
skip_instance (TroupeRun  *self,
               Instance   *inst,
               const char *reason)
{
  JsonObject *event = _troupe_run_new_event (self, "step-skipped", inst);

  json_object_set_string_member (event, "reason", reason);
  set_status (inst, TROUPE_STEP_STATUS_SKIPPED);
  _troupe_run_emit (self, event);
  instance_is_final (self, inst);
}

static void
fail_instance (TroupeRun  *self,
               Instance   *inst,
               const char *reason)
{
  JsonObject *event = _troupe_run_new_event (self, "step-finished", inst);

  json_object_set_int_member (event, "attempt", inst->attempt);
  json_object_set_string_member (event, "status", "failed");
  json_object_set_string_member (event, "reason", reason);
  _troupe_run_attempt_done (self, inst, FALSE, FALSE, event);
}

/* Splits a for_each source's output into items: one per non-empty line. */
static GStrv
for_each_items (TroupeRun  *self,
                const char *source)
{
  g_autofree char *output = _troupe_run_read_output (self, source);
  g_auto(GStrv) lines = NULL;
  GStrvBuilder *builder = g_strv_builder_new ();
  GStrv items;

  lines = g_strsplit (output ? output : "", "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strchomp (lines[i]);
      if (lines[i][0] != '\0')
        g_strv_builder_add (builder, lines[i]);
    }
  items = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return items;
}

static void
expand_for_each (TroupeRun *self,
                 Instance  *inst)
{
  TroupeRunRecord *record = troupe_run_store_get_record (self->store);
  g_auto(GStrv) items = for_each_items (self, troupe_step_get_for_each (inst->step));
  JsonObject *event = _troupe_run_new_event (self, "step-expanded", inst);
  JsonArray *array = json_array_new ();
  g_autoptr(GPtrArray) to_start = g_ptr_array_new ();
  guint n = g_strv_length (items);

  for (guint i = 0; i < n; i++)
    json_array_add_string_element (array, items[i]);
  json_object_set_array_member (event, "items", array);
  set_status (inst, TROUPE_STEP_STATUS_RUNNING);
  _troupe_run_emit (self, event);

  inst->children = g_ptr_array_new ();
  inst->children_left = n;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s[%u]", inst->id, i);
      Instance *child = g_hash_table_lookup (self->instances, id);
      TroupeStepRecord *rec;

      /* A resumed run may have made this child already. */
      if (child == NULL)
        {
          child = _troupe_run_instance_new (self, id, inst->step);
          child->parent = inst;
          child->item = g_strdup (items[i]);
          child->index = i;
          child->order = inst->order;
          child->priority = inst->priority;
        }
      g_ptr_array_add (inst->children, child);

      rec = troupe_run_record_lookup (record, id);
      /* As in restore_succeeded(): attempt numbers go on across sessions. */
      if (rec != NULL && child->attempt < rec->attempts)
        child->attempt = child->attempt_base = rec->attempts;
      if (self->resumed && rec != NULL && rec->status == TROUPE_STEP_STATUS_SUCCEEDED &&
          g_strcmp0 (rec->item, items[i]) == 0 && child->status != TROUPE_STEP_STATUS_SUCCEEDED)
        {
          /* Same item, already done in an earlier session: reuse it. */
          set_status (child, TROUPE_STEP_STATUS_SUCCEEDED);
          self->unfinished--;
          inst->children_left--;
          continue;
        }
      g_ptr_array_add (to_start, child);
    }

  if (inst->children_left == 0)
    {
      /* Nothing to do (no items, or all reused): the step is done. */
      JsonObject *finished = _troupe_run_new_event (self, "step-finished", inst);

      json_object_set_int_member (finished, "attempt", 0);
      json_object_set_string_member (finished, "status", "succeeded");
      set_status (inst, TROUPE_STEP_STATUS_SUCCEEDED);
      _troupe_run_emit (self, finished);
      instance_is_final (self, inst);
      return;
    }

  for (guint i = 0; i < to_start->len; i++)
    if (!self->stopping)
      queue_instance (self, g_ptr_array_index (to_start, i));
}

static void
make_ready (TroupeRun *self,
            Instance  *inst)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *why = NULL;
  gboolean result = TRUE;

  g_assert (inst->status == TROUPE_STEP_STATUS_PENDING);

  if (self->stopping)
    return;

  if (!_troupe_run_evaluate_when (self, inst, &result, &why, &error))
    {
      g_autofree char *reason = g_strdup_printf ("its when: condition cannot be evaluated: %s", error->message);

      fail_instance (self, inst, reason);
      return;
    }
  if (!result)
    {
      skip_instance (self, inst, why);
      return;
    }

  if (troupe_step_get_for_each (inst->step) != NULL && inst->parent == NULL)
    {
      expand_for_each (self, inst);
      return;
    }

  queue_instance (self, inst);
}

static gboolean
on_retry_timer_cb (gpointer user_data)
{
  Instance *inst = user_data;
  TroupeRun *self = inst->run;

  inst->timer_id = 0;
  if (!self->stopping)
    {
      queue_instance (self, inst);
      pump (self);
    }
  check_done (self);
  return G_SOURCE_REMOVE;
}

static gint64
retry_delay (TroupeRun               *self,
             const TroupeRetryPolicy *retries,
             guint                    failed_attempt)
{
  double delay = retries->delay_ms;

  if (retries->backoff == TROUPE_BACKOFF_EXPONENTIAL)
    for (guint i = 1; i < failed_attempt && delay < retries->max_delay_ms; i++)
      delay *= 2;
  delay = MIN (delay, (double) retries->max_delay_ms);

  /* The generator is seeded per run, so the same seed waits the same
   * times: retries are reproducible in tests. */
  if (retries->jitter > 0)
    delay *= 1.0 + retries->jitter * (2.0 * g_rand_double (self->rand) - 1.0);

  return (gint64) MAX (delay, 0);
}

void
_troupe_run_attempt_done (TroupeRun  *self,
                          Instance   *inst,
                          gboolean    succeeded,
                          gboolean    retryable,
                          JsonObject *finished)
{
  const TroupeRetryPolicy *retries = effective_retries (self, inst->step);
  guint max_retries = retries ? retries->max_retries : 0;

  release_slot (self, inst);
  g_clear_object (&inst->process);
  g_clear_object (&inst->cancellable);

  if (!succeeded && retryable && !self->stopping && inst->attempt - inst->attempt_base <= max_retries)
    {
      gint64 delay = retry_delay (self, retries, inst->attempt);
      JsonObject *event = _troupe_run_new_event (self, "step-retrying", inst);
      GList *members = json_object_get_members (finished);

      /* The failed attempt's details travel with the retry event, so each
       * attempt is on record. */
      for (GList *l = members; l != NULL; l = l->next)
        if (!json_object_has_member (event, l->data) && !g_str_equal (l->data, "event") &&
            !g_str_equal (l->data, "status"))
          json_object_set_member (event, l->data, json_object_dup_member (finished, l->data));
      g_list_free (members);
      json_object_set_int_member (event, "delay_ms", delay);
      json_object_unref (finished);

      set_status (inst, TROUPE_STEP_STATUS_RETRYING);
      _troupe_run_emit (self, event);
      inst->timer_id = add_source (delay, FALSE, on_retry_timer_cb, inst);
      pump (self);
      return;
    }

  json_object_set_string_member (finished, "status", succeeded ? "succeeded" : "failed");
  set_status (inst, succeeded ? TROUPE_STEP_STATUS_SUCCEEDED : TROUPE_STEP_STATUS_FAILED);
  _troupe_run_emit (self, finished);

  instance_is_final (self, inst);
  pump (self);
  check_done (self);
}

static void
finish_parent (TroupeRun *self,
               Instance  *parent)
{
  JsonObject *event = _troupe_run_new_event (self, "step-finished", parent);
  gboolean failed = FALSE;
  gint64 longest = 0;

  for (guint i = 0; i < parent->children->len; i++)
    {
      Instance *child = g_ptr_array_index (parent->children, i);

      failed |= child->status != TROUPE_STEP_STATUS_SUCCEEDED;
      longest = MAX (longest, child->duration_us);
    }

  /* The items ran side by side: the step took as long as the longest. */
  parent->duration_us = longest;
  json_object_set_int_member (event, "attempt", 0);
  json_object_set_string_member (event, "status", failed ? "failed" : "succeeded");
  if (failed)
    json_object_set_string_member (event, "reason", "one or more of its items failed");
  set_status (parent, failed ? TROUPE_STEP_STATUS_FAILED : TROUPE_STEP_STATUS_SUCCEEDED);
  _troupe_run_emit (self, event);
  instance_is_final (self, parent);
}

static void propagate_final (TroupeRun *self, Instance *inst);

static void
drain_finals (TroupeRun *self)
{
  Instance *inst;

  self->draining = TRUE;
  while ((inst = g_queue_pop_head (&self->finals)) != NULL)
    propagate_final (self, inst);
  self->draining = FALSE;
}

/* While the worklist drains (and while troupe_run_start() makes the roots
 * ready), the run is between two consistent states: pump() and
 * check_done() wait for whoever started the drain to call them after it.
 * A step that fails on the spot inside the drain (a when: that cannot be
 * evaluated) used to run check_done() while its siblings were still
 * pending, which found "nothing left to run" and failed the run. */
static void
instance_is_final (TroupeRun *self,
                   Instance  *inst)
{
  g_assert (status_is_final (inst->status));
  self->unfinished--;

  g_queue_push_tail (&self->finals, inst);
  if (self->draining)
    return;

  drain_finals (self);
}

static void
propagate_final (TroupeRun *self,
                 Instance  *inst)
{
  g_autofree char *failed_reason = NULL;
  g_autofree char *skipped_reason = NULL;
  TroupeFailurePolicy policy = TROUPE_FAILURE_POLICY_STOP;

  if (inst->parent != NULL)
    {
      if (--inst->parent->children_left == 0)
        finish_parent (self, inst->parent);
      return;
    }

  if (inst->status == TROUPE_STEP_STATUS_FAILED)
    {
      policy = effective_on_failure (self, inst->step);
      if (policy == TROUPE_FAILURE_POLICY_STOP)
        {
          g_autofree char *reason = g_strdup_printf ("step '%s' failed", inst->id);

          stop_run (self, TROUPE_RUN_STATUS_FAILED, reason);
          return;
        }
      failed_reason = g_strdup_printf ("it needs '%s', which failed", inst->id);
    }
  else if (inst->status == TROUPE_STEP_STATUS_SKIPPED)
    skipped_reason = g_strdup_printf ("it needs '%s', which was skipped", inst->id);
  else if (inst->status == TROUPE_STEP_STATUS_CANCELLED)
    return;

  for (guint i = 0; i < inst->dependents->len; i++)
    {
      Instance *dep = g_ptr_array_index (inst->dependents, i);

      if (dep->status != TROUPE_STEP_STATUS_PENDING)
        continue;

      if (skipped_reason != NULL)
        skip_instance (self, dep, skipped_reason);
      else if (failed_reason != NULL && policy == TROUPE_FAILURE_POLICY_SKIP_DEPENDENTS)
        skip_instance (self, dep, failed_reason);
      else if (--dep->waiting == 0)
        make_ready (self, dep);
    }
}

void
_troupe_run_attempt_cancelled (TroupeRun *self,
                               Instance  *inst)
{
  g_autofree char *reason = g_strdup_printf ("the run stopped: %s",
                                             self->stop_reason ? self->stop_reason : "cancelled");
  JsonObject *event = _troupe_run_new_event (self, "step-cancelled", inst);

  release_slot (self, inst);
  g_clear_object (&inst->process);
  g_clear_object (&inst->cancellable);
  json_object_set_string_member (event, "reason", reason);
  set_status (inst, TROUPE_STEP_STATUS_CANCELLED);
  _troupe_run_emit (self, event);
  self->unfinished--;
  check_done (self);
}

static void
cancel_instance (TroupeRun  *self,
                 Instance   *inst,
                 const char *reason)
{
  JsonObject *event = _troupe_run_new_event (self, "step-cancelled", inst);

  g_clear_handle_id (&inst->timer_id, remove_source);
  json_object_set_string_member (event, "reason", reason);
  set_status (inst, TROUPE_STEP_STATUS_CANCELLED);
  _troupe_run_emit (self, event);
  self->unfinished--;
}

static gboolean
instance_is_active (Instance *inst)
{
  /* Something is under way for it that will call back. */
  return inst->process != NULL || inst->cancellable != NULL ||
         inst->status == TROUPE_STEP_STATUS_WAITING_APPROVAL;
}

/* A weak reference: a pending check must not keep a run (and the lock of
 * its record) alive after its owner dropped it. */
static gboolean
check_done_cb (gpointer user_data)
{
  g_autoptr(TroupeRun) self = g_weak_ref_get (user_data);

  if (self != NULL && self->by_order != NULL)
    check_done (self);
  return G_SOURCE_REMOVE;
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static void
stop_run (TroupeRun       *self,
          TroupeRunStatus  status,
          const char      *reason)
{
  GSource *source;
  GWeakRef *weak;

  if (self->stopping || self->finished)
    return;

  self->stopping = TRUE;
  self->stop_status = status;
  self->stop_reason = g_strdup (reason);

  /* Waits are cancelled whatever the policy: they do no work that could
   * be let finish, and the task a wait expects may come from a step that
   * will now never start, so under the isolated policy the run sat until
   * the wait's timeout (minutes). */
  for (guint i = 0; i < self->by_order->len; i++)
    {
      Instance *inst = g_ptr_array_index (self->by_order, i);

      if (inst->process != NULL && self->options->cancel_policy == TROUPE_CANCEL_POLICY_CASCADING)
        troupe_process_terminate (inst->process);
      if (inst->cancellable != NULL)
        g_cancellable_cancel (inst->cancellable);
    }

  /* The run finishes from the main loop, not from here: troupe_run_cancel()
   * may be called by a handler of "event" while the scheduler is in the
   * middle of starting a step, and finishing then cancelled that step
   * under its feet (it was neither started nor final) and emitted events
   * after run-finished. */
  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self);
  source = g_idle_source_new ();
  g_source_set_callback (source, check_done_cb, weak, weak_ref_free);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

/* The policy ended the run (troupe-run-policy.c): every step that did not
 * run is skipped with the policy's reason, then the run stops. Items of a
 * for_each step under way are left to the stop, which cancels them. */
static void
end_by_policy (TroupeRun       *self,
               const char      *reason,
               TroupeRunStatus  status,
               const char      *run_reason)
{
  self->draining = TRUE;
  for (guint i = 0; i < self->by_order->len; i++)
    {
      Instance *inst = g_ptr_array_index (self->by_order, i);

      if (!status_is_final (inst->status) && !instance_is_active (inst) &&
          inst->parent == NULL && inst->children == NULL)
        skip_instance (self, inst, reason);
    }
  drain_finals (self);
  stop_run (self, status, run_reason);
}

/* Policy mode: the policy picks which ready instance starts, if any; the
 * others keep their place in the heap. */
static Instance *
policy_pop (TroupeRun *self)
{
  g_autoptr(GPtrArray) ready = g_ptr_array_sized_new (self->heap->len);
  g_autofree char *reason = NULL;
  g_autofree char *run_reason = NULL;
  TroupeRunStatus status = TROUPE_RUN_STATUS_FAILED;
  TroupeRunPolicyVerdict verdict;
  gpointer chosen = NULL;

  while (self->heap->len > 0)
    g_ptr_array_add (ready, heap_pop (self));

  verdict = _troupe_run_policy_choose (self->policy, ready, &chosen, &reason, &run_reason, &status);
  if (verdict == TROUPE_RUN_POLICY_END)
    {
      end_by_policy (self, reason, status, run_reason);
      return NULL;
    }

  /* A handler of the policy-choice event may have stopped the run. */
  if (self->stopping)
    chosen = NULL;
  for (guint i = 0; i < ready->len; i++)
    if (g_ptr_array_index (ready, i) != chosen)
      heap_push (self, g_ptr_array_index (ready, i));
  return chosen;
}

static void
compute_metrics (TroupeRun  *self,
                 JsonObject *metrics)
{
  TroupeRunRecord *record = troupe_run_store_get_record (self->store);
  GPtrArray *records = troupe_run_record_get_steps (record);
  g_autoptr(GPtrArray) topo = troupe_workflow_topological_order (self->workflow, NULL);
  g_autoptr(GHashTable) finish_at = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonObject) cost_by_agent = json_object_new ();
  gint64 wall_us = g_get_monotonic_time () - self->started_mono;
  gint64 step_us = 0, tokens = 0, critical_us = 0;
  guint attempts = 0;
  double cost = 0;
  gboolean has_cost = FALSE, has_tokens = FALSE;

  for (guint i = 0; i < records->len; i++)
    {
      TroupeStepRecord *rec = g_ptr_array_index (records, i);
      Instance *inst = g_hash_table_lookup (self->instances, rec->instance);

      /* for_each parents are accounted through their items. */
      if (inst != NULL && inst->children != NULL)
        continue;
      step_us += rec->total_us;
      attempts += rec->attempts;
      if (rec->has_cost)
        {
          const char *agent = inst ? troupe_step_get_agent (inst->step) : NULL;

          cost += rec->cost;
          has_cost = TRUE;
          if (agent != NULL)
            {
              double so_far = json_object_has_member (cost_by_agent, agent)
                              ? json_object_get_double_member (cost_by_agent, agent) : 0;
              json_object_set_double_member (cost_by_agent, agent, so_far + rec->cost);
            }
        }
      if (rec->tokens >= 0)
        {
          tokens += rec->tokens;
          has_tokens = TRUE;
        }
    }

  /* The critical path: the longest chain of step durations through the
   * graph, the least wall time any amount of parallelism could reach. */
  if (topo != NULL)
    for (guint i = 0; i < topo->len; i++)
      {
        TroupeStep *step = g_ptr_array_index (topo, i);
        Instance *inst = g_hash_table_lookup (self->instances, troupe_step_get_id (step));
        const char * const *needs = troupe_step_get_needs (step);
        gint64 start = 0, end;

        for (guint j = 0; needs != NULL && needs[j] != NULL; j++)
          start = MAX (start, (gint64) GPOINTER_TO_SIZE (g_hash_table_lookup (finish_at, needs[j])));
        end = start + inst->duration_us;
        g_hash_table_insert (finish_at, (gpointer) troupe_step_get_id (step), GSIZE_TO_POINTER (end));
        critical_us = MAX (critical_us, end);
      }

  json_object_set_int_member (metrics, "wall_ms", wall_us / 1000);
  json_object_set_int_member (metrics, "step_time_ms", step_us / 1000);
  json_object_set_double_member (metrics, "speedup", wall_us > 0 ? (double) step_us / wall_us : 0);
  json_object_set_int_member (metrics, "critical_path_ms", critical_us / 1000);
  json_object_set_int_member (metrics, "attempts", attempts);
  if (has_cost)
    {
      json_object_set_double_member (metrics, "cost", cost);
      json_object_set_object_member (metrics, "cost_by_agent", json_object_ref (cost_by_agent));
    }
  else
    json_object_set_null_member (metrics, "cost");
  if (has_tokens)
    json_object_set_int_member (metrics, "tokens", tokens);
  else
    json_object_set_null_member (metrics, "tokens");
}

static void
finish (TroupeRun       *self,
        TroupeRunStatus  status,
        const char      *reason)
{
  JsonObject *event = _troupe_run_new_event (self, "run-finished", NULL);
  JsonObject *metrics = json_object_new ();
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&self->timeout_id, remove_source);
  compute_metrics (self, metrics);
  json_object_set_string_member (event, "status", troupe_enum_to_nick (TROUPE_TYPE_RUN_STATUS, status));
  if (reason != NULL)
    json_object_set_string_member (event, "reason", reason);
  else
    json_object_set_null_member (event, "reason");
  json_object_set_object_member (event, "metrics", metrics);
  self->finished = TRUE;
  _troupe_run_emit (self, event);

  if (!troupe_run_store_flush (self->store, &error))
    g_critical ("Cannot write the run's state: %s", error->message);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
  g_signal_emit (self, signals[FINISHED], 0);
}

static void
check_done (TroupeRun *self)
{
  /* See instance_is_final(). */
  if (!self->started || self->finished || self->draining)
    return;

  /* The common case, in O(1): steps are left, and one holds a slot (a
   * process or the mock, which will call back) or waits for one in the
   * ready heap. The scans below would return for the same reasons, but
   * they cost O(steps) after every attempt: quadratic in a large run. */
  if (!self->stopping && self->unfinished > 0 && (self->running > 0 || self->heap->len > 0))
    return;

  for (guint i = 0; i < self->by_order->len; i++)
    {
      Instance *inst = g_ptr_array_index (self->by_order, i);

      if (instance_is_active (inst) && !(self->stopping && inst->status == TROUPE_STEP_STATUS_WAITING_APPROVAL))
        return;
    }

  if (self->stopping)
    {
      g_autofree char *reason = g_strdup_printf ("the run stopped: %s", self->stop_reason);

      /* Whatever did not run is cancelled, and stays resumable. */
      for (guint i = 0; i < self->by_order->len; i++)
        {
          Instance *inst = g_ptr_array_index (self->by_order, i);

          if (!status_is_final (inst->status))
            cancel_instance (self, inst, reason);
        }
      finish (self, self->stop_status, self->stop_reason);
      return;
    }

  if (self->unfinished > 0)
    {
      /* Nothing runs, yet steps are left: they wait in the ready queue for
       * a slot (pump would have started them), for a retry timer, or for a
       * person; none of these is a reason to finish. */
      for (guint i = 0; i < self->by_order->len; i++)
        {
          Instance *inst = g_ptr_array_index (self->by_order, i);

          if (inst->timer_id != 0 || inst->in_heap)
            return;
        }
      g_critical ("Run %s has %u unfinished steps but nothing to do", troupe_run_get_id (self), self->unfinished);
      stop_run (self, TROUPE_RUN_STATUS_FAILED, "the scheduler found nothing left to run");
      return;
    }

  {
    guint failed = 0;

    for (guint i = 0; i < self->by_order->len; i++)
      if (((Instance *) g_ptr_array_index (self->by_order, i))->status == TROUPE_STEP_STATUS_FAILED)
        failed++;

    if (failed > 0)
      {
        g_autofree char *reason = failed == 1 ? g_strdup ("1 step failed")
                                              : g_strdup_printf ("%u steps failed", failed);

        finish (self, TROUPE_RUN_STATUS_FAILED, reason);
      }
    else
      finish (self, TROUPE_RUN_STATUS_SUCCEEDED, NULL);
  }
}

void
troupe_run_cancel (TroupeRun *self)
{
  g_return_if_fail (TROUPE_IS_RUN (self));

  /* Asked again while an isolated stop lets steps finish: the person does
   * not want to wait after all (a second Ctrl+C). */
  if (self->stopping && !self->finished &&
      self->options->cancel_policy == TROUPE_CANCEL_POLICY_ISOLATED)
    {
      self->options->cancel_policy = TROUPE_CANCEL_POLICY_CASCADING;
      for (guint i = 0; i < self->by_order->len; i++)
        {
          Instance *inst = g_ptr_array_index (self->by_order, i);

          if (inst->process != NULL)
            troupe_process_terminate (inst->process);
        }
      return;
    }

  stop_run (self, TROUPE_RUN_STATUS_CANCELLED, "cancelled by the user");
}

gboolean
troupe_run_approve (TroupeRun   *self,
                    const char  *instance,
                    gboolean     approved,
                    const char  *by,
                    const char  *note,
                    GError     **error)
{
  Instance *inst;
  JsonObject *given;
  JsonObject *finished;

  g_return_val_if_fail (TROUPE_IS_RUN (self), FALSE);
  g_return_val_if_fail (instance != NULL, FALSE);

  inst = g_hash_table_lookup (self->instances, instance);
  if (inst == NULL)
    {
      g_set_error (error, TROUPE_RUN_ERROR, TROUPE_RUN_ERROR_UNKNOWN_STEP,
                   "run %s has no step '%s'", troupe_run_get_id (self), instance);
      return FALSE;
    }
  if (inst->status != TROUPE_STEP_STATUS_WAITING_APPROVAL)
    {
      g_set_error (error, TROUPE_RUN_ERROR, TROUPE_RUN_ERROR_STATE,
                   "step '%s' is not waiting for an approval (it is %s)", instance,
                   troupe_enum_to_nick (TROUPE_TYPE_STEP_STATUS, inst->status));
      return FALSE;
    }

  given = _troupe_run_new_event (self, "approval-given", inst);
  json_object_set_boolean_member (given, "approved", approved);
  json_object_set_string_member (given, "by", by ? by : g_get_user_name ());
  if (note != NULL)
    json_object_set_string_member (given, "note", note);
  else
    json_object_set_null_member (given, "note");
  _troupe_run_emit (self, given);

  finished = _troupe_run_new_event (self, "step-finished", inst);
  json_object_set_int_member (finished, "attempt", inst->attempt);
  /* How long the question waited for its answer. */
  inst->duration_us = g_get_monotonic_time () - inst->started_mono;
  json_object_set_int_member (finished, "duration_us", inst->duration_us);
  if (!approved)
    {
      g_autofree char *reason = g_strdup_printf ("rejected by %s%s%s", by ? by : g_get_user_name (),
                                                 note ? ": " : "", note ? note : "");
      json_object_set_string_member (finished, "reason", reason);
    }
  /* The approval is an answer, not a failure to retry. */
  _troupe_run_attempt_done (self, inst, approved, FALSE, finished);
  return TRUE;
}

char *
_troupe_run_read_output (TroupeRun  *self,
                         const char *instance)
{
  TroupeStepRecord *rec = troupe_run_record_lookup (troupe_run_store_get_record (self->store), instance);
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (rec == NULL)
    return NULL;

  if (rec->children != NULL && rec->output_path == NULL)
    {
      /* A for_each step's output is its items' outputs, one after the
       * other. */
      GString *joined = g_string_new (NULL);

      for (guint i = 0; i < rec->children->len; i++)
        {
          g_autofree char *part = _troupe_run_read_output (self, g_ptr_array_index (rec->children, i));

          if (part == NULL)
            continue;
          g_string_append (joined, part);
          if (joined->len > 0 && joined->str[joined->len - 1] != '\n')
            g_string_append_c (joined, '\n');
        }
      return g_string_free (joined, FALSE);
    }

  if (rec->output_path == NULL)
    return g_strdup ("");

  path = troupe_run_store_resolve (self->store, rec->output_path);
  if (!g_file_get_contents (path, &contents, &length, NULL))
    return NULL;
  return g_steal_pointer (&contents);
}

TroupeWorkflow *
troupe_run_get_workflow (TroupeRun *self)
{
  g_return_val_if_fail (TROUPE_IS_RUN (self), NULL);

  return self->workflow;
}

TroupeRunStore *
troupe_run_get_store (TroupeRun *self)
{
  g_return_val_if_fail (TROUPE_IS_RUN (self), NULL);

  return self->store;
}

TroupeRunRecord *
troupe_run_get_record (TroupeRun *self)
{
  g_return_val_if_fail (TROUPE_IS_RUN (self), NULL);

  return troupe_run_store_get_record (self->store);
}

const char *
troupe_run_get_id (TroupeRun *self)
{
  g_return_val_if_fail (TROUPE_IS_RUN (self), NULL);

  return troupe_run_store_get_id (self->store);
}

TroupeRunStatus
troupe_run_get_status (TroupeRun *self)
{
  g_return_val_if_fail (TROUPE_IS_RUN (self), TROUPE_RUN_STATUS_PENDING);

  return troupe_run_record_get_status (troupe_run_store_get_record (self->store));
}

gboolean
troupe_run_is_finished (TroupeRun *self)
{
  g_return_val_if_fail (TROUPE_IS_RUN (self), FALSE);

  return self->finished;
}

GStrv
troupe_run_dup_pending_approvals (TroupeRun *self)
{
  GStrvBuilder *builder;
  GStrv result;

  g_return_val_if_fail (TROUPE_IS_RUN (self), NULL);

  builder = g_strv_builder_new ();
  for (guint i = 0; i < self->by_order->len; i++)
    {
      Instance *inst = g_ptr_array_index (self->by_order, i);

      if (inst->status == TROUPE_STEP_STATUS_WAITING_APPROVAL)
        g_strv_builder_add (builder, inst->id);
    }
  result = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return result;
}
