/* troupe-run-policy.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The chooser of policy-driven runs (see troupe-run-policy.h). It keeps
 * the seed's SystemState as the simulated environment keeps it, fed by the
 * run's events: a policy-choice event says which agent acts on which
 * instance, and the step-finished (or step-retrying) event of that
 * instance is the outcome. The same function reads the events live and
 * from the journal on resume, so a resumed run decides from the state the
 * interrupted one had. */

#include "config.h"

#include <math.h>
#include <string.h>

#include "troupe-run-policy.h"
#include "troupe-run-private.h"
#include "troupe-step.h"

/* The copy of the policy file in the run's folder, for resume. */
#define POLICY_COPY_NAME "policy.json"

struct _TroupeRunPolicy
{
  TroupeRun         *run;              /* borrowed: the run owns the chooser */
  TroupePolicy      *policy;
  TroupeOrchEnv     *env;
  char              *file;
  char              *digest;
  GBytes            *data;             /* the file's bytes, until the copy is written */
  TroupeSystemState  state;
  GHashTable        *agent_index;      /* agent name -> pool index + 1 */
  GHashTable        *step_index;       /* env step id -> env step index + 1 */
  /* The instances a policy-choice started whose outcome is not known yet:
   * instance id (owned) -> pool index + 1. */
  GHashTable        *pending;
  guint             *step_agent;       /* env step -> pool index */
  guint64           *step_needs;       /* env step -> the env steps it needs */
  double            *embedding;
  double            *logits;
  double            *probs;
  double            *masked;
  gboolean          *allowed;
  TroupeRng          rng;
  TroupeRewardConfig reward;
  guint              dim;
  guint              n_agents;
  guint              n_steps;
  guint              terminator;
  guint              sample : 1;
};

static gboolean
is_terminator (TroupeRunPolicy *self,
               guint            agent)
{
  return agent == self->terminator;
}

static const char *
agent_name (TroupeRunPolicy *self,
            guint            agent)
{
  return troupe_orch_env_get_agent_names (self->env)[agent];
}

/* The pool index of @step's agent, or -1 when the step is not one the
 * policy chooses (no agent, or one the workflow does not declare). */
static int
step_agent_index (TroupeRunPolicy *self,
                  TroupeStep      *step)
{
  const char *agent = troupe_step_get_agent (step);
  gpointer value;

  if (agent == NULL || !g_hash_table_lookup_extended (self->agent_index, agent, NULL, &value))
    return -1;
  return GPOINTER_TO_INT (value) - 1;
}

static char *
lowercase_first (const char *message)
{
  /* The engine's messages are sentences; after a prefix they go on one. */
  if (g_ascii_isupper (message[0]) && g_ascii_islower (message[1]))
    return g_strdup_printf ("%c%s", g_ascii_tolower (message[0]), message + 1);
  return g_strdup (message);
}

/* The seed's Orchestrator._update_state, as the simulated environment
 * writes it (troupe-orchestration-env.c): the same fields, the same way. */
static void
state_update (TroupeSystemState *state,
              guint              agent,
              int                step,
              gboolean           succeeded,
              double             cost)
{
  TroupeHistoryEntry entry = { agent, { NULL, cost, { succeeded, step } } };

  g_array_append_val (state->history, entry);
  state->current_step++;
  state->custom_data.cost_so_far += cost;
  state->custom_data.act_counts[agent]++;
}

static void
state_step_done (TroupeRunPolicy   *self,
                 TroupeSystemState *state,
                 guint              step)
{
  guint64 bit = G_GUINT64_CONSTANT (1) << step;

  if ((state->custom_data.done_mask & bit) != 0)
    return;
  state->custom_data.done_mask |= bit;
  state->custom_data.success_counts[self->step_agent[step]]++;
}

/* Fills self->masked with the policy's distribution over the allowed
 * agents (a softmax of their logits, so a policy sure of a masked agent
 * still leaves a proper distribution) and returns the most probable one,
 * or one drawn from @rng when sampling. */
static guint
choose_agent (TroupeRunPolicy         *self,
              const TroupeSystemState *state,
              TroupeRng               *rng)
{
  double best_logit = -INFINITY;
  double sum = 0.0;
  int best = -1;

  troupe_orch_env_embed_state (self->env, state, self->embedding, self->dim);
  troupe_policy_forward (self->policy, self->embedding, self->logits, self->probs);

  for (guint i = 0; i < self->n_agents; i++)
    if (self->allowed[i] && self->logits[i] > best_logit)
      best_logit = self->logits[i];
  for (guint i = 0; i < self->n_agents; i++)
    {
      self->masked[i] = self->allowed[i] ? exp (self->logits[i] - best_logit) : 0.0;
      sum += self->masked[i];
    }
  for (guint i = 0; i < self->n_agents; i++)
    self->masked[i] /= sum;

  if (self->sample)
    {
      double u = troupe_rng_uniform (rng);
      double cumulative = 0.0;

      /* The last allowed agent takes what rounding leaves above the sum. */
      for (guint i = 0; i < self->n_agents; i++)
        if (self->allowed[i])
          {
            best = (int) i;
            cumulative += self->masked[i];
            if (u < cumulative)
              break;
          }
      return (guint) best;
    }

  /* The lowest index on a tie, as troupe_policy_greedy(). */
  for (guint i = 0; i < self->n_agents; i++)
    if (self->allowed[i] && (best < 0 || self->masked[i] > self->masked[best]))
      best = (int) i;
  return (guint) best;
}

/* Which agents one pool has that the other lacks, for the message. */
static char *
describe_pool_difference (const char * const *policy_agents,
                          const char * const *run_agents)
{
  g_autoptr(GPtrArray) lacks = g_ptr_array_new ();
  g_autoptr(GPtrArray) extra = g_ptr_array_new ();
  GString *text = g_string_new (NULL);

  for (guint i = 0; run_agents[i] != NULL; i++)
    if (!g_strv_contains (policy_agents, run_agents[i]))
      g_ptr_array_add (lacks, (gpointer) run_agents[i]);
  for (guint i = 0; policy_agents[i] != NULL; i++)
    if (!g_strv_contains (run_agents, policy_agents[i]))
      g_ptr_array_add (extra, (gpointer) policy_agents[i]);
  g_ptr_array_add (lacks, NULL);
  g_ptr_array_add (extra, NULL);

  if (lacks->len > 1)
    {
      g_autofree char *names = g_strjoinv (", ", (char **) lacks->pdata);

      g_string_append_printf (text, "the policy has no %s", names);
    }
  if (extra->len > 1)
    {
      g_autofree char *names = g_strjoinv (", ", (char **) extra->pdata);

      g_string_append_printf (text, "%sthe workflow has no %s", text->len > 0 ? "; " : "", names);
    }
  if (text->len == 0)
    g_string_append (text, "the same agents in another order");
  return g_string_free (text, FALSE);
}

static TroupeRunPolicy *
run_policy_new_from_data (TroupeWorkflow  *workflow,
                          const char      *display,
                          const char      *policy_file,
                          GBytes          *data,
                          gboolean         sample,
                          GError         **error)
{
  g_autoptr(TroupeRunPolicy) self = g_new0 (TroupeRunPolicy, 1);
  g_autoptr(GError) local_error = NULL;
  const char *workflow_name = troupe_workflow_get_file (workflow);
  g_autofree char *text = NULL;
  gsize length = 0;
  const char *bytes = g_bytes_get_data (data, &length);
  const char * const *names;

  if (workflow_name == NULL)
    workflow_name = troupe_workflow_get_name (workflow);
  if (workflow_name == NULL)
    workflow_name = "the workflow";

  self->file = g_strdup (policy_file);
  self->data = g_bytes_ref (data);
  self->sample = sample;
  {
    g_autofree char *hex = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, data);

    self->digest = g_strconcat ("sha256:", hex, NULL);
  }

  text = g_strndup (bytes, length);
  self->policy = troupe_policy_new_from_json (text, &local_error);
  if (self->policy == NULL)
    {
      g_set_error (error, TROUPE_POLICY_ERROR, TROUPE_POLICY_ERROR_INVALID,
                   "%s: %s", display, local_error->message);
      return NULL;
    }

  self->env = troupe_orch_env_new_simulated (workflow, &local_error);
  if (self->env == NULL)
    {
      g_autofree char *why = lowercase_first (local_error->message);

      g_set_error (error, TROUPE_POLICY_ERROR, TROUPE_POLICY_ERROR_MISMATCH,
                   "%s cannot drive a run of %s: %s", display, workflow_name, why);
      return NULL;
    }

  /* The check `troupe train --init` makes: the same pool in the same
   * order, and an embedding that holds the features. */
  names = troupe_orch_env_get_agent_names (self->env);
  if (!troupe_policy_check_compatible (self->policy, names, TROUPE_STATE_EMBEDDING_VERSION,
                                       MAX (troupe_policy_get_input_dim (self->policy),
                                            troupe_orch_env_get_n_features (self->env)),
                                       &local_error))
    {
      const char * const *theirs = troupe_policy_get_agents (self->policy);

      if (!g_strv_equal (theirs, names))
        {
          g_autofree char *their_list = g_strjoinv (", ", (char **) theirs);
          g_autofree char *our_list = g_strjoinv (", ", (char **) names);
          g_autofree char *difference = describe_pool_difference (theirs, names);

          g_set_error (error, TROUPE_POLICY_ERROR, TROUPE_POLICY_ERROR_MISMATCH,
                       "%s cannot drive a run of %s: it chooses among the agents [%s], but the "
                       "workflow's agents and the Terminator are [%s] (%s); train a policy for this "
                       "workflow with `troupe train %s -o POLICY.json`",
                       display, workflow_name, their_list, our_list, difference,
                       troupe_workflow_get_file (workflow) ? troupe_workflow_get_file (workflow) : "FILE");
        }
      else
        {
          g_autofree char *why = lowercase_first (local_error->message);

          g_set_error (error, TROUPE_POLICY_ERROR, TROUPE_POLICY_ERROR_MISMATCH,
                       "%s cannot drive a run of %s: %s", display, workflow_name, why);
        }
      return NULL;
    }

  self->n_agents = troupe_orch_env_get_n_agents (self->env);
  self->terminator = self->n_agents - 1;
  self->n_steps = troupe_orch_env_get_n_steps (self->env);
  self->dim = troupe_policy_get_input_dim (self->policy);
  self->embedding = g_new0 (double, self->dim);
  self->logits = g_new0 (double, self->n_agents);
  self->probs = g_new0 (double, self->n_agents);
  self->masked = g_new0 (double, self->n_agents);
  self->allowed = g_new0 (gboolean, self->n_agents);
  self->step_agent = g_new0 (guint, MAX (self->n_steps, 1));
  self->step_needs = g_new0 (guint64, MAX (self->n_steps, 1));
  self->agent_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->step_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  troupe_reward_config_init (&self->reward);
  troupe_rng_init (&self->rng, 0);
  troupe_system_state_init (&self->state, self->env);

  for (guint i = 0; i < self->n_agents; i++)
    g_hash_table_insert (self->agent_index, g_strdup (names[i]), GUINT_TO_POINTER (i + 1));
  for (guint s = 0; s < self->n_steps; s++)
    g_hash_table_insert (self->step_index, g_strdup (troupe_orch_env_get_step_id (self->env, s)),
                         GUINT_TO_POINTER (s + 1));

  /* The simulated environment's view of the graph: each agent step's
   * agent and the agent steps it needs (a need on another step is met from
   * the start there). */
  for (guint s = 0; s < self->n_steps; s++)
    {
      TroupeStep *step = troupe_workflow_lookup_step (workflow, troupe_orch_env_get_step_id (self->env, s));
      const char * const *needs = troupe_step_get_needs (step);

      self->step_agent[s] = (guint) step_agent_index (self, step);
      for (guint k = 0; needs != NULL && needs[k] != NULL; k++)
        {
          gpointer index = g_hash_table_lookup (self->step_index, needs[k]);

          if (index != NULL)
            self->step_needs[s] |= G_GUINT64_CONSTANT (1) << (GPOINTER_TO_UINT (index) - 1);
        }
    }

  return g_steal_pointer (&self);
}

TroupeRunPolicy *
troupe_run_policy_new (TroupeWorkflow  *workflow,
                       const char      *policy_file,
                       gboolean         sample,
                       GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *absolute = NULL;
  gsize length = 0;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (workflow), NULL);
  g_return_val_if_fail (policy_file != NULL, NULL);

  if (!g_file_get_contents (policy_file, &contents, &length, &local_error))
    {
      g_set_error (error, TROUPE_POLICY_ERROR, TROUPE_POLICY_ERROR_INVALID,
                   "cannot read the policy: %s", local_error->message);
      return NULL;
    }
  data = g_bytes_new_take (g_steal_pointer (&contents), length);

  /* Recorded in run-started for resume, which may run from another
   * folder. */
  absolute = g_canonicalize_filename (policy_file, NULL);
  return run_policy_new_from_data (workflow, policy_file, absolute, data, sample, error);
}

void
troupe_run_policy_free (TroupeRunPolicy *self)
{
  if (self == NULL)
    return;

  /* The run's handlers go with it (the run owns the chooser and frees it
   * last), so there is nothing to disconnect here. */
  g_clear_pointer (&self->policy, troupe_policy_free);
  if (self->state.history != NULL)
    troupe_system_state_clear (&self->state);
  g_clear_pointer (&self->env, troupe_orch_env_free);
  g_clear_pointer (&self->data, g_bytes_unref);
  g_clear_pointer (&self->agent_index, g_hash_table_unref);
  g_clear_pointer (&self->step_index, g_hash_table_unref);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_free (self->step_agent);
  g_free (self->step_needs);
  g_free (self->embedding);
  g_free (self->logits);
  g_free (self->probs);
  g_free (self->masked);
  g_free (self->allowed);
  g_free (self->file);
  g_free (self->digest);
  g_free (self);
}

const char *
troupe_run_policy_get_file (TroupeRunPolicy *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->file;
}

const char *
troupe_run_policy_get_digest (TroupeRunPolicy *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->digest;
}

gboolean
troupe_run_policy_get_sample (TroupeRunPolicy *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->sample;
}

guint
troupe_run_policy_get_max_steps (TroupeRunPolicy *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return troupe_orch_env_get_max_steps (self->env);
}

TroupePolicy *
troupe_run_policy_get_policy (TroupeRunPolicy *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->policy;
}

TroupeOrchEnv *
troupe_run_policy_get_env (TroupeRunPolicy *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->env;
}

/* --- following the run --------------------------------------------------- */

static const char *
event_string (JsonObject *event,
              const char *member)
{
  JsonNode *node = json_object_get_member (event, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* The cost of an outcome: what the provider reported, else the agent's
 * cost in the simulation the policy was trained in. */
static double
outcome_cost (TroupeRunPolicy *self,
              JsonObject      *event,
              guint            agent)
{
  JsonNode *node = json_object_get_member (event, "cost");

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      (json_node_get_value_type (node) == G_TYPE_DOUBLE || json_node_get_value_type (node) == G_TYPE_INT64))
    return json_node_get_double (node);
  return troupe_orch_env_get_agent (self->env, agent)->cost;
}

/* Applies one event of the run to the state; live (the run's "event"
 * signal) and on resume (the journal), the same way. */
static void
observe (TroupeRunPolicy *self,
         JsonObject      *event)
{
  const char *name = event_string (event, "event");
  const char *instance = event_string (event, "instance");
  gboolean finished, retrying;
  gpointer value;

  if (name == NULL)
    return;

  /* A step that was running when the run stopped runs again: its
   * decision did not happen, and the policy decides afresh. */
  if (g_str_equal (name, "run-resumed"))
    {
      g_hash_table_remove_all (self->pending);
      return;
    }

  if (instance == NULL)
    return;

  if (g_str_equal (name, "policy-choice"))
    {
      const char *agent = event_string (event, "agent");

      if (agent != NULL && g_hash_table_lookup_extended (self->agent_index, agent, NULL, &value))
        g_hash_table_insert (self->pending, g_strdup (instance), value);
      return;
    }

  if (g_str_equal (name, "step-cancelled"))
    {
      g_hash_table_remove (self->pending, instance);
      return;
    }

  finished = g_str_equal (name, "step-finished");
  retrying = g_str_equal (name, "step-retrying");
  if (!finished && !retrying)
    return;

  {
    gboolean succeeded = finished && g_strcmp0 (event_string (event, "status"), "succeeded") == 0;
    gpointer step = g_hash_table_lookup (self->step_index, instance);

    if (g_hash_table_lookup_extended (self->pending, instance, NULL, &value))
      {
        guint agent = GPOINTER_TO_UINT (value) - 1;
        const char *step_id = event_string (event, "step");
        gpointer acted_on = step_id != NULL ? g_hash_table_lookup (self->step_index, step_id) : NULL;

        state_update (&self->state, agent, acted_on != NULL ? (int) GPOINTER_TO_UINT (acted_on) - 1 : -1,
                      succeeded, outcome_cost (self, event, agent));
        g_hash_table_remove (self->pending, instance);
      }

    /* A workflow step is done when it (or, for for_each, all its items)
     * succeeded: the per-agent progress of the embedding. */
    if (succeeded && step != NULL)
      state_step_done (self, &self->state, GPOINTER_TO_UINT (step) - 1);
  }
}

static void
on_run_event_cb (TroupeRun       *run,
                 JsonObject      *event,
                 TroupeRunPolicy *self)
{
  observe (self, event);
}

static gboolean
write_copy (TroupeRunPolicy  *self,
            TroupeRun        *run,
            GError          **error)
{
  g_autofree char *path = g_build_filename (troupe_run_store_get_dir (run->store), POLICY_COPY_NAME, NULL);
  gsize length = 0;
  const char *bytes = g_bytes_get_data (self->data, &length);

  return g_file_set_contents (path, bytes, length, error);
}

static void
attach (TroupeRunPolicy *self,
        TroupeRun       *run)
{
  self->run = run;
  /* One decision at a time, as the seed's orchestrator: every outcome is
   * in the state before the next decision. */
  run->max_parallel = 1;
  /* The run's seed, so a sampling run draws the same agents again. */
  troupe_rng_init (&self->rng, run->options->seed);
  g_signal_connect (run, "event", G_CALLBACK (on_run_event_cb), self);
}

gboolean
_troupe_run_policy_attach (TroupeRunPolicy  *self,
                           TroupeRun        *run,
                           GError          **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (TROUPE_IS_RUN (run), FALSE);

  /* Resume runs the policy the run started with, as it runs the workflow
   * it started with: the copy in the run's folder. */
  if (!write_copy (self, run, &local_error))
    {
      g_set_error (error, TROUPE_RUN_ERROR, TROUPE_RUN_ERROR_PREFLIGHT,
                   "cannot keep a copy of the policy in the run's folder: %s", local_error->message);
      return FALSE;
    }
  g_clear_pointer (&self->data, g_bytes_unref);
  attach (self, run);
  return TRUE;
}

/* The events of the journal, in order; a line that does not parse (the
 * torn last line of a crash) is left out, as the store does. */
static GPtrArray *
read_journal (TroupeRun  *run,
              GError    **error)
{
  g_autofree char *path = g_build_filename (troupe_run_store_get_dir (run->store), "events.jsonl", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      JsonNode *root;

      if (lines[i][0] == '\0' || !json_parser_load_from_data (parser, lines[i], -1, NULL))
        continue;
      root = json_parser_get_root (parser);
      if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
        g_ptr_array_add (events, json_object_ref (json_node_get_object (root)));
    }
  return g_steal_pointer (&events);
}

static GBytes *
read_matching (const char *path,
               const char *digest)
{
  g_autofree char *contents = NULL;
  g_autofree char *hex = NULL;
  g_autofree char *actual = NULL;
  gsize length = 0;

  if (path == NULL || !g_file_get_contents (path, &contents, &length, NULL))
    return NULL;
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  actual = g_strconcat ("sha256:", hex, NULL);
  if (g_strcmp0 (actual, digest) != 0)
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&contents), length);
}

gboolean
_troupe_run_policy_resume (TroupeRun        *run,
                           const char       *policy_file,
                           TroupeRunPolicy **out,
                           GError          **error)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(TroupeRunPolicy) self = NULL;
  JsonObject *started = NULL;
  gboolean sample = FALSE;

  g_return_val_if_fail (TROUPE_IS_RUN (run), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  *out = NULL;
  events = read_journal (run, error);
  if (events == NULL)
    return FALSE;

  /* The policy of the latest session that had one. */
  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (events, i);
      const char *name = event_string (event, "event");

      if ((g_strcmp0 (name, "run-started") == 0 || g_strcmp0 (name, "run-resumed") == 0) &&
          event_string (event, "policy") != NULL)
        started = event;
    }
  if (started != NULL)
    sample = g_strcmp0 (event_string (started, "policy_mode"), "sample") == 0;

  if (policy_file != NULL)
    {
      self = troupe_run_policy_new (run->workflow, policy_file, sample, error);
      if (self == NULL || !_troupe_run_policy_attach (self, run, error))
        return FALSE;
    }
  else if (started != NULL)
    {
      const char *file = event_string (started, "policy");
      const char *digest = event_string (started, "policy_digest");
      g_autofree char *copy = g_build_filename (troupe_run_store_get_dir (run->store), POLICY_COPY_NAME, NULL);
      g_autoptr(GBytes) data = read_matching (copy, digest);
      gboolean from_copy = data != NULL;

      if (data == NULL)
        data = read_matching (file, digest);
      if (data == NULL)
        {
          g_set_error (error, TROUPE_RUN_ERROR, TROUPE_RUN_ERROR_STATE,
                       "run %s was started with the policy %s (%s), but neither the copy in its "
                       "folder nor that file has those bytes any more; put the policy back where "
                       "it was to resume the run",
                       troupe_run_get_id (run), file, digest != NULL ? digest : "no digest");
          return FALSE;
        }

      self = run_policy_new_from_data (run->workflow, file, file, data, sample, error);
      if (self == NULL)
        return FALSE;
      /* The copy was lost but the file is the same: keep it again. */
      if (!from_copy && !_troupe_run_policy_attach (self, run, error))
        return FALSE;
      if (from_copy)
        {
          g_clear_pointer (&self->data, g_bytes_unref);
          attach (self, run);
        }
    }
  else
    return TRUE;

  /* The decisions already made, with their outcomes, rebuild the state;
   * a sampling run draws once per decision, so it goes on drawing where
   * it stopped. */
  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (events, i);

      observe (self, event);
      if (self->sample && g_strcmp0 (event_string (event, "event"), "policy-choice") == 0)
        troupe_rng_uniform (&self->rng);
    }

  *out = g_steal_pointer (&self);
  return TRUE;
}

void
_troupe_run_policy_describe (TroupeRunPolicy *self,
                             JsonObject      *event)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (event != NULL);

  json_object_set_string_member (event, "policy", self->file);
  json_object_set_string_member (event, "policy_digest", self->digest);
  json_object_set_string_member (event, "policy_mode", self->sample ? "sample" : "greedy");
  json_object_set_int_member (event, "policy_max_steps", troupe_orch_env_get_max_steps (self->env));
}

/* --- deciding ------------------------------------------------------------ */

/* Whether something is under way whose outcome (or whose effect on what
 * is ready) the next decision must wait for: a process or the mock, a
 * send about to complete, a retry waiting for its delay. Waits and
 * approvals are not, from the moment they start: what they wait for may
 * need the policy to act, and nothing would decide again before they end. */
static gboolean
run_is_busy (TroupeRun *run)
{
  for (guint i = 0; i < run->by_order->len; i++)
    {
      Instance *inst = g_ptr_array_index (run->by_order, i);

      if (inst->holds_slot || inst->process != NULL ||
          (inst->timer_id != 0 && troupe_step_get_kind (inst->step) != TROUPE_STEP_KIND_WAIT))
        return TRUE;
    }
  return FALSE;
}

static JsonObject *
choice_event (TroupeRunPolicy *self,
              guint            agent,
              Instance        *inst)
{
  JsonObject *event = _troupe_run_new_event (self->run, "policy-choice", inst);
  JsonObject *probabilities = json_object_new ();
  JsonArray *masked = json_array_new ();

  json_object_set_int_member (event, "decision", self->state.current_step + 1);
  json_object_set_int_member (event, "max_steps", troupe_orch_env_get_max_steps (self->env));
  json_object_set_string_member (event, "agent", agent_name (self, agent));
  json_object_set_double_member (event, "probability", self->masked[agent]);
  for (guint i = 0; i < self->n_agents; i++)
    {
      json_object_set_double_member (probabilities, agent_name (self, i), self->probs[i]);
      if (!self->allowed[i])
        json_array_add_string_element (masked, agent_name (self, i));
    }
  json_object_set_object_member (event, "probabilities", probabilities);
  json_object_set_array_member (event, "masked", masked);
  json_object_set_double_member (event, "cost_so_far", self->state.custom_data.cost_so_far);
  return event;
}

TroupeRunPolicyVerdict
_troupe_run_policy_choose (TroupeRunPolicy  *self,
                           GPtrArray        *ready,
                           gpointer         *chosen,
                           char            **reason,
                           char            **run_reason,
                           TroupeRunStatus  *status)
{
  guint max_steps;
  guint agent;
  gboolean any = FALSE;

  g_return_val_if_fail (self != NULL && self->run != NULL, TROUPE_RUN_POLICY_WAIT);
  g_return_val_if_fail (ready != NULL, TROUPE_RUN_POLICY_WAIT);
  g_return_val_if_fail (chosen != NULL && reason != NULL && run_reason != NULL && status != NULL,
                        TROUPE_RUN_POLICY_WAIT);

  *chosen = NULL;
  if (ready->len == 0 || run_is_busy (self->run))
    return TROUPE_RUN_POLICY_WAIT;

  /* Steps the policy does not choose (the simulation has them done from
   * the start) go first, one at a time, in the run's order. */
  for (guint i = 0; i < ready->len; i++)
    {
      Instance *inst = g_ptr_array_index (ready, i);

      if (step_agent_index (self, inst->step) < 0)
        {
          *chosen = inst;
          return TROUPE_RUN_POLICY_START;
        }
    }

  max_steps = troupe_orch_env_get_max_steps (self->env);
  if (self->state.current_step >= max_steps)
    {
      /* The seed's _is_terminated: max_steps ends the episode. */
      *reason = g_strdup_printf ("the policy reached max_steps (%u) before this step ran", max_steps);
      *run_reason = g_strdup_printf ("the policy reached max_steps (%u) before the workflow completed",
                                     max_steps);
      *status = TROUPE_RUN_STATUS_FAILED;
      return TROUPE_RUN_POLICY_END;
    }

  memset (self->allowed, 0, sizeof (gboolean) * self->n_agents);
  self->allowed[self->terminator] = TRUE;
  for (guint i = 0; i < ready->len; i++)
    self->allowed[step_agent_index (self, ((Instance *) g_ptr_array_index (ready, i))->step)] = TRUE;

  agent = choose_agent (self, &self->state, &self->rng);

  if (is_terminator (self, agent))
    {
      guint decision = self->state.current_step + 1;

      _troupe_run_emit (self->run, choice_event (self, agent, NULL));
      for (guint i = 0; i < self->run->by_order->len; i++)
        any |= ((Instance *) g_ptr_array_index (self->run->by_order, i))->status == TROUPE_STEP_STATUS_FAILED;
      *reason = g_strdup ("the policy ended the run");
      *run_reason = g_strdup_printf ("the policy chose %s at decision %u", agent_name (self, agent), decision);
      /* The policy judged the task done: what it left out is skipped, as a
       * false `when` skips, and the run succeeds unless a step failed. */
      *status = any ? TROUPE_RUN_STATUS_FAILED : TROUPE_RUN_STATUS_SUCCEEDED;
      return TROUPE_RUN_POLICY_END;
    }

  /* The agent's ready instance that comes first in the run's own order
   * (the longest path first, then file order). */
  for (guint i = 0; i < ready->len; i++)
    {
      Instance *inst = g_ptr_array_index (ready, i);

      if (step_agent_index (self, inst->step) == (int) agent)
        {
          *chosen = inst;
          break;
        }
    }
  g_assert (*chosen != NULL);

  _troupe_run_emit (self->run, choice_event (self, agent, *chosen));
  return TROUPE_RUN_POLICY_START;
}

/* --- dry run ------------------------------------------------------------- */

typedef struct
{
  double   reward;
  double   cost;
  guint    decisions;
  gboolean succeeded;
} EpisodeResult;

/* One run of the workflow with simulated outcomes and the live run's
 * rules: mask, choose, work on the agent's first ready step (file order,
 * as the simulation), until the Terminator, max_steps, or every step done.
 * The rewards are the seed's calculate_reward(). */
static void
simulate_episode (TroupeRunPolicy   *self,
                  TroupeSystemState *state,
                  TroupeRng         *rng,
                  JsonArray         *decisions,
                  const char       **ended_by,
                  EpisodeResult     *result)
{
  guint64 all = self->n_steps == 64 ? G_MAXUINT64 : (G_GUINT64_CONSTANT (1) << self->n_steps) - 1;
  guint max_steps = troupe_orch_env_get_max_steps (self->env);
  g_autofree int *first_ready = g_new (int, self->n_agents);
  TroupeAgentOutput output = { NULL, 0.0, { TRUE, -1 } };

  g_array_set_size (state->history, 0);
  state->current_step = 0;
  state->custom_data.done_mask = 0;
  state->custom_data.cost_so_far = 0.0;
  memset (state->custom_data.act_counts, 0, sizeof (guint) * self->n_agents);
  memset (state->custom_data.success_counts, 0, sizeof (guint) * self->n_agents);
  memset (result, 0, sizeof *result);

  for (;;)
    {
      guint64 done = state->custom_data.done_mask;
      const TroupeOrchAgent *agent;
      guint chosen;
      int step;
      gboolean succeeded;

      if ((done & all) == all)
        {
          *ended_by = "completed";
          break;
        }
      if (state->current_step >= max_steps)
        {
          *ended_by = "max_steps";
          break;
        }

      memset (self->allowed, 0, sizeof (gboolean) * self->n_agents);
      self->allowed[self->terminator] = TRUE;
      for (guint a = 0; a < self->n_agents; a++)
        first_ready[a] = -1;
      for (guint s = 0; s < self->n_steps; s++)
        if ((done & (G_GUINT64_CONSTANT (1) << s)) == 0 && (self->step_needs[s] & ~done) == 0 &&
            first_ready[self->step_agent[s]] < 0)
          {
            first_ready[self->step_agent[s]] = (int) s;
            self->allowed[self->step_agent[s]] = TRUE;
          }

      chosen = choose_agent (self, state, rng);
      agent = troupe_orch_env_get_agent (self->env, chosen);
      step = is_terminator (self, chosen) ? -1 : first_ready[chosen];
      succeeded = step >= 0 && troupe_rng_uniform (rng) < agent->success;
      result->decisions++;

      if (decisions != NULL)
        {
          JsonObject *entry = json_object_new ();

          json_object_set_int_member (entry, "decision", state->current_step + 1);
          json_object_set_string_member (entry, "agent", agent->name);
          if (step >= 0)
            json_object_set_string_member (entry, "step", troupe_orch_env_get_step_id (self->env, step));
          else
            json_object_set_null_member (entry, "step");
          json_object_set_double_member (entry, "probability", self->masked[chosen]);
          if (step >= 0)
            json_object_set_boolean_member (entry, "succeeded", succeeded);
          else
            json_object_set_null_member (entry, "succeeded");
          json_object_set_double_member (entry, "cost", agent->cost);
          json_array_add_object_element (decisions, entry);
        }

      if (is_terminator (self, chosen))
        {
          *ended_by = "terminator";
          break;
        }

      state_update (state, chosen, step, succeeded, agent->cost);
      if (succeeded)
        state_step_done (self, state, (guint) step);
      result->cost += agent->cost;
      output.cost = agent->cost;
      result->reward += troupe_calculate_reward (&output, FALSE, FALSE, &self->reward);
    }

  result->succeeded = (state->custom_data.done_mask & all) == all;
  /* The terminal reward: the Terminator costs nothing, and an episode that
   * ends on an action already paid for it above. */
  output.cost = 0.0;
  result->reward += troupe_calculate_reward (&output, TRUE, result->succeeded, &self->reward);
}

JsonObject *
troupe_run_policy_simulate (TroupeRunPolicy *self,
                            guint64          seed,
                            guint            n_episodes)
{
  JsonObject *report;
  JsonObject *episode;
  JsonArray *decisions;
  TroupeSystemState state;
  EpisodeResult result;
  TroupeRng rng;
  const char *ended_by = NULL;
  double successes = 0, reward = 0, cost = 0, length = 0;

  g_return_val_if_fail (self != NULL, NULL);

  troupe_rng_init (&rng, seed);
  troupe_system_state_init (&state, self->env);

  report = json_object_new ();
  episode = json_object_new ();
  decisions = json_array_new ();
  simulate_episode (self, &state, &rng, decisions, &ended_by, &result);
  json_object_set_array_member (episode, "decisions", decisions);
  json_object_set_string_member (episode, "ended_by", ended_by);
  json_object_set_boolean_member (episode, "succeeded", result.succeeded);
  json_object_set_double_member (episode, "reward", result.reward);
  json_object_set_double_member (episode, "cost", result.cost);
  json_object_set_object_member (report, "episode", episode);

  for (guint i = 0; i < n_episodes; i++)
    {
      simulate_episode (self, &state, &rng, NULL, &ended_by, &result);
      successes += result.succeeded;
      reward += result.reward;
      cost += result.cost;
      length += result.decisions;
    }
  troupe_system_state_clear (&state);

  json_object_set_int_member (report, "episodes", n_episodes);
  json_object_set_double_member (report, "success_rate", n_episodes > 0 ? successes / n_episodes : 0);
  json_object_set_double_member (report, "mean_reward", n_episodes > 0 ? reward / n_episodes : 0);
  json_object_set_double_member (report, "mean_cost", n_episodes > 0 ? cost / n_episodes : 0);
  json_object_set_double_member (report, "mean_decisions", n_episodes > 0 ? length / n_episodes : 0);
  json_object_set_int_member (report, "max_steps", troupe_orch_env_get_max_steps (self->env));
  json_object_set_string_member (report, "policy", self->file);
  json_object_set_string_member (report, "mode", self->sample ? "sample" : "greedy");
  return report;
}
