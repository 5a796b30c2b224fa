/* troupe-orchestration-env.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "troupe-agent.h"
#include "troupe-orchestration-env.h"
#include "troupe-step.h"

/* Value iteration keeps a table of 2^n_steps × (max_steps + 1) values. */
#define MAX_OPTIMAL_STEPS 16
/* The done set is a 64-bit mask. */
#define MAX_SIM_STEPS 64

struct _TroupeOrchEnv
{
  char            *task_specification;
  TroupeOrchAgent *agents;
  char           **agent_names;
  /* The workflow steps that agents act on, in file order. */
  char           **step_ids;
  guint           *step_agent;       /* the pool index of each step's agent */
  guint64         *step_needs;       /* the steps each step needs, as a mask */
  guint           *agent_n_steps;
  guint64          initial_done;
  guint64          all_done;
  guint            n_agents;
  guint            n_steps;
  guint            max_steps;
  /* The MVP's rule: success needs the Terminator before max_steps. */
  guint            success_needs_terminator : 1;
};

G_DEFINE_QUARK (troupe-orchestration-error-quark, troupe_orchestration_error)

void
troupe_reward_config_init (TroupeRewardConfig *config)
{
  g_return_if_fail (config != NULL);

  config->lambda_cost_penalty = 0.1;
  config->gamma_discount_factor = 0.99;
  config->task_success_bonus = 1.0;
  config->task_failure_penalty = -1.0;
  config->step_cost_scale_factor = 1.0;
}

double
troupe_calculate_reward (const TroupeAgentOutput  *agent_output,
                         gboolean                  is_terminal,
                         gboolean                  task_was_successful,
                         const TroupeRewardConfig *reward_config)
{
  g_return_val_if_fail (agent_output != NULL, 0.0);
  g_return_val_if_fail (reward_config != NULL, 0.0);

  if (is_terminal)
    return (task_was_successful ? reward_config->task_success_bonus
                                : reward_config->task_failure_penalty)
           - reward_config->lambda_cost_penalty * agent_output->cost
             * reward_config->step_cost_scale_factor;

  return -reward_config->lambda_cost_penalty * agent_output->cost
         * reward_config->step_cost_scale_factor;
}

void
troupe_episode_init (TroupeEpisode *episode)
{
  g_return_if_fail (episode != NULL);

  memset (episode, 0, sizeof *episode);
  episode->steps = g_array_new (FALSE, TRUE, sizeof (TroupeTrajectoryStep));
}

void
troupe_episode_clear (TroupeEpisode *episode)
{
  g_return_if_fail (episode != NULL);

  g_clear_pointer (&episode->steps, g_array_unref);
  g_clear_pointer (&episode->embeddings, g_free);
  episode->embeddings_len = 0;
  if (episode->final_state.history != NULL)
    troupe_system_state_clear (&episode->final_state);
  episode->final_state_n_agents = 0;
}

static void
echo_execute (const TroupeOrchAgent   *agent,
              const TroupeOrchEnv     *env,
              const TroupeSystemState *state,
              TroupeRng               *rng,
              TroupeAgentOutput       *output)
{
  output->content = state->task_specification;
  output->cost = agent->cost;
  output->metadata.succeeded = TRUE;
  output->metadata.step = -1;
}

static void
terminator_execute (const TroupeOrchAgent   *agent,
                    const TroupeOrchEnv     *env,
                    const TroupeSystemState *state,
                    TroupeRng               *rng,
                    TroupeAgentOutput       *output)
{
  output->content = "TERMINATE";
  output->cost = agent->cost;
  output->metadata.succeeded = TRUE;
  output->metadata.step = -1;
}

static int
find_ready_step (const TroupeOrchEnv *env,
                 guint                agent,
                 guint64              done)
{
  for (guint s = 0; s < env->n_steps; s++)
    if (env->step_agent[s] == agent
        && (done & (G_GUINT64_CONSTANT (1) << s)) == 0
        && (env->step_needs[s] & ~done) == 0)
      return (int) s;

  return -1;
}

static void
simulated_execute (const TroupeOrchAgent   *agent,
                   const TroupeOrchEnv     *env,
                   const TroupeSystemState *state,
                   TroupeRng               *rng,
                   TroupeAgentOutput       *output)
{
  guint index = (guint) (agent - env->agents);
  int step = find_ready_step (env, index, state->custom_data.done_mask);

  output->cost = agent->cost;
  output->metadata.step = step;

  /* The success draw happens only for a ready step, so an out-of-order
   * action consumes no randomness and costs exactly its price. */
  if (step >= 0 && troupe_rng_uniform (rng) < agent->success)
    {
      output->content = env->step_ids[step];
      output->metadata.succeeded = TRUE;
    }
  else
    {
      output->content = NULL;
      output->metadata.succeeded = FALSE;
    }
}

static TroupeOrchEnv *
env_alloc (guint n_agents)
{
  TroupeOrchEnv *self = g_new0 (TroupeOrchEnv, 1);

  self->n_agents = n_agents;
  self->agents = g_new0 (TroupeOrchAgent, n_agents);
  self->agent_names = g_new0 (char *, n_agents + 1);
  self->agent_n_steps = g_new0 (guint, n_agents);

  return self;
}

static void
env_set_agent (TroupeOrchEnv       *self,
               guint                index,
               const char          *name,
               TroupeOrchAgentKind  kind,
               double               cost,
               double               success)
{
  TroupeOrchAgent *agent = &self->agents[index];

  agent->name = g_strdup (name);
  agent->kind = kind;
  agent->cost = cost;
  agent->success = success;
  switch (kind)
    {
    case TROUPE_ORCH_AGENT_ECHO:
      agent->execute = echo_execute;
      break;
    case TROUPE_ORCH_AGENT_TERMINATOR:
      agent->execute = terminator_execute;
      break;
    case TROUPE_ORCH_AGENT_SIMULATED:
    default:
      agent->execute = simulated_execute;
      break;
    }
  self->agent_names[index] = g_strdup (name);
}

TroupeOrchEnv *
troupe_orch_env_new_mvp (void)
{
  TroupeOrchEnv *self = env_alloc (2);

  /* The seed's task 0.8.2 names the pool's agents Agent0 and Agent1. */
  env_set_agent (self, 0, "Agent0", TROUPE_ORCH_AGENT_ECHO, 1.0, 1.0);
  env_set_agent (self, 1, "Agent1", TROUPE_ORCH_AGENT_TERMINATOR, 0.0, 1.0);
  self->task_specification = g_strdup ("Echo the task");
  self->max_steps = 4;
  self->success_needs_terminator = TRUE;

  return self;
}

static gboolean
read_number (TroupeWorkflow  *workflow,
             const char      *key,
             double           fallback,
             double           min,
             double           max,
             double          *value,
             GError         **error)
{
  const char *text = troupe_workflow_get_context (workflow, key);
  char *end = NULL;
  double number;

  if (text == NULL)
    {
      *value = fallback;
      return TRUE;
    }

  number = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (number) || number < min || number > max)
    {
      g_set_error (error, TROUPE_ORCHESTRATION_ERROR, TROUPE_ORCHESTRATION_ERROR_INVALID,
                   "The context variable %s is \"%s\"; it must be a number from %g to %g",
                   key, text, min, max);
      return FALSE;
    }

  *value = number;
  return TRUE;
}

TroupeOrchEnv *
troupe_orch_env_new_simulated (TroupeWorkflow  *workflow,
                               GError         **error)
{
  g_autoptr(GPtrArray) agent_steps = g_ptr_array_new ();
  TroupeOrchEnv *self;
  GPtrArray *agents;
  GPtrArray *steps;
  double max_steps;
  guint n;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (workflow), NULL);

  agents = troupe_workflow_get_agents (workflow);
  steps = troupe_workflow_get_steps (workflow);

  if (agents->len == 0)
    {
      g_set_error (error, TROUPE_ORCHESTRATION_ERROR, TROUPE_ORCHESTRATION_ERROR_UNSUPPORTED,
                   "The workflow has no agents to choose from; add agents under `agents:`");
      return NULL;
    }

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      const char *agent = troupe_step_get_agent (step);

      if (agent != NULL && troupe_workflow_lookup_agent (workflow, agent) != NULL)
        g_ptr_array_add (agent_steps, step);
    }
  if (agent_steps->len > MAX_SIM_STEPS)
    {
      g_set_error (error, TROUPE_ORCHESTRATION_ERROR, TROUPE_ORCHESTRATION_ERROR_UNSUPPORTED,
                   "The workflow has %u agent steps; the simulation handles at most %u",
                   agent_steps->len, MAX_SIM_STEPS);
      return NULL;
    }

  n = agents->len + 1;
  self = env_alloc (n);
  self->task_specification = g_strdup (troupe_workflow_get_name (workflow) != NULL
                                       ? troupe_workflow_get_name (workflow) : "");

  for (guint i = 0; i < agents->len; i++)
    {
      TroupeAgent *agent = g_ptr_array_index (agents, i);
      const char *name = troupe_agent_get_name (agent);
      g_autofree char *cost_key = g_strdup_printf ("sim.%s.cost", name);
      g_autofree char *success_key = g_strdup_printf ("sim.%s.success", name);
      double cost, success;

      if (g_str_equal (name, "Terminator"))
        {
          g_set_error (error, TROUPE_ORCHESTRATION_ERROR, TROUPE_ORCHESTRATION_ERROR_UNSUPPORTED,
                       "The agent name \"Terminator\" is reserved for the agent that ends "
                       "an episode; rename the workflow's agent");
          troupe_orch_env_free (self);
          return NULL;
        }

      if (!read_number (workflow, cost_key, 1.0, 0.0, G_MAXDOUBLE, &cost, error)
          || !read_number (workflow, success_key, 1.0, 0.0, 1.0, &success, error))
        {
          troupe_orch_env_free (self);
          return NULL;
        }

      env_set_agent (self, i, name, TROUPE_ORCH_AGENT_SIMULATED, cost, success);
    }
  env_set_agent (self, n - 1, "Terminator", TROUPE_ORCH_AGENT_TERMINATOR, 0.0, 1.0);

  self->n_steps = agent_steps->len;
  self->step_ids = g_new0 (char *, self->n_steps + 1);
  self->step_agent = g_new0 (guint, MAX (self->n_steps, 1));
  self->step_needs = g_new0 (guint64, MAX (self->n_steps, 1));
  for (guint s = 0; s < self->n_steps; s++)
    {
      TroupeStep *step = g_ptr_array_index (agent_steps, s);
      const char * const *needs = troupe_step_get_needs (step);

      self->step_ids[s] = g_strdup (troupe_step_get_id (step));
      for (guint a = 0; a < agents->len; a++)
        if (g_str_equal (self->agent_names[a], troupe_step_get_agent (step)))
          self->step_agent[s] = a;
      self->agent_n_steps[self->step_agent[s]]++;

      /* A need on a step without an agent is met from the start, so only
       * needs on agent steps enter the mask. */
      for (guint k = 0; needs != NULL && needs[k] != NULL; k++)
        for (guint t = 0; t < self->n_steps; t++)
          if (g_str_equal (troupe_step_get_id (g_ptr_array_index (agent_steps, t)), needs[k]))
            self->step_needs[s] |= G_GUINT64_CONSTANT (1) << t;
    }
  self->all_done = self->n_steps == 64 ? G_MAXUINT64
                                       : (G_GUINT64_CONSTANT (1) << self->n_steps) - 1;

  if (!read_number (workflow, "sim.max_steps", 2.0 * self->n_steps + 2, 1.0, 1024.0,
                    &max_steps, error))
    {
      troupe_orch_env_free (self);
      return NULL;
    }
  self->max_steps = (guint) max_steps;

  return self;
}

void
troupe_orch_env_free (TroupeOrchEnv *self)
{
  if (self == NULL)
    return;

  for (guint i = 0; i < self->n_agents; i++)
    g_free (self->agents[i].name);
  g_free (self->agents);
  g_strfreev (self->agent_names);
  g_strfreev (self->step_ids);
  g_free (self->step_agent);
  g_free (self->step_needs);
  g_free (self->agent_n_steps);
  g_free (self->task_specification);
  g_free (self);
}

guint
troupe_orch_env_get_n_agents (const TroupeOrchEnv *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_agents;
}

const TroupeOrchAgent *
troupe_orch_env_get_agent (const TroupeOrchEnv *self,
                           guint                index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_agents, NULL);
  return &self->agents[index];
}

const char * const *
troupe_orch_env_get_agent_names (const TroupeOrchEnv *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char * const *) self->agent_names;
}

guint
troupe_orch_env_get_n_steps (const TroupeOrchEnv *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_steps;
}

const char *
troupe_orch_env_get_step_id (const TroupeOrchEnv *self,
                             guint                index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_steps, NULL);
  return self->step_ids[index];
}

guint
troupe_orch_env_get_max_steps (const TroupeOrchEnv *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->max_steps;
}

void
troupe_orch_env_set_max_steps (TroupeOrchEnv *self,
                               guint          max_steps)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (max_steps >= 1);
  self->max_steps = max_steps;
}

guint
troupe_orch_env_get_n_features (const TroupeOrchEnv *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return 3 * self->n_agents + 3;
}

guint
troupe_orch_env_get_default_input_dim (const TroupeOrchEnv *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return MAX (16, troupe_orch_env_get_n_features (self));
}

gboolean
troupe_orch_env_check_policy (const TroupeOrchEnv  *self,
                              const TroupePolicy   *policy,
                              GError              **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (policy != NULL, FALSE);

  /* The features fill the start of the embedding and the rest is zero,
   * so the size asked for is the policy's own unless it is too small. */
  return troupe_policy_check_compatible (policy, troupe_orch_env_get_agent_names (self),
                                         TROUPE_STATE_EMBEDDING_VERSION,
                                         MAX (troupe_policy_get_input_dim (policy),
                                              troupe_orch_env_get_n_features (self)),
                                         error);
}

void
troupe_system_state_init (TroupeSystemState   *state,
                          const TroupeOrchEnv *env)
{
  g_return_if_fail (state != NULL);
  g_return_if_fail (env != NULL);

  memset (state, 0, sizeof *state);
  state->task_specification = env->task_specification;
  state->history = g_array_new (FALSE, TRUE, sizeof (TroupeHistoryEntry));
  state->current_step = 0;
  state->max_steps = env->max_steps;
  state->custom_data.done_mask = env->initial_done;
  state->custom_data.act_counts = g_new0 (guint, env->n_agents);
  state->custom_data.success_counts = g_new0 (guint, env->n_agents);
}

void
troupe_system_state_clear (TroupeSystemState *state)
{
  g_return_if_fail (state != NULL);

  g_clear_pointer (&state->history, g_array_unref);
  g_clear_pointer (&state->custom_data.act_counts, g_free);
  g_clear_pointer (&state->custom_data.success_counts, g_free);
}

static void
system_state_reset (TroupeSystemState   *state,
                    const TroupeOrchEnv *env)
{
  g_array_set_size (state->history, 0);
  state->current_step = 0;
  state->max_steps = env->max_steps;
  state->custom_data.done_mask = env->initial_done;
  state->custom_data.cost_so_far = 0.0;
  memset (state->custom_data.act_counts, 0, sizeof (guint) * env->n_agents);
  memset (state->custom_data.success_counts, 0, sizeof (guint) * env->n_agents);
}

void
troupe_orch_env_embed_state (const TroupeOrchEnv     *self,
                             const TroupeSystemState *state,
                             double                  *out,
                             guint                    dim)
{
  guint n = self->n_agents;
  double max_steps = MAX (state->max_steps, 1);

  g_return_if_fail (dim >= troupe_orch_env_get_n_features (self));

  memset (out, 0, sizeof (double) * dim);
  out[0] = state->current_step / max_steps;
  for (guint i = 0; i < n; i++)
    out[1 + i] = state->custom_data.act_counts[i] / max_steps;
  if (state->history->len > 0)
    {
      const TroupeHistoryEntry *last =
        &g_array_index (state->history, TroupeHistoryEntry, state->history->len - 1);

      out[1 + n + last->agent] = 1.0;
      out[1 + 2 * n] = last->output.metadata.succeeded ? 1.0 : 0.0;
    }
  out[2 + 2 * n] = state->custom_data.cost_so_far / max_steps;
  for (guint i = 0; i < n; i++)
    if (self->agent_n_steps[i] > 0)
      out[3 + 2 * n + i] = (double) state->custom_data.success_counts[i] / self->agent_n_steps[i];
}

/* The seed's Orchestrator._update_state: append to the history and count
 * the step. */
static void
update_state (TroupeSystemState       *state,
              guint                    agent,
              const TroupeAgentOutput *output)
{
  TroupeHistoryEntry entry = { agent, *output };

  g_array_append_val (state->history, entry);
  state->current_step++;
  state->custom_data.cost_so_far += output->cost;
  state->custom_data.act_counts[agent]++;
  if (output->metadata.step >= 0 && output->metadata.succeeded)
    {
      state->custom_data.done_mask |= G_GUINT64_CONSTANT (1) << output->metadata.step;
      state->custom_data.success_counts[agent]++;
    }
}

static gboolean
task_successful (const TroupeOrchEnv *self,
                 guint64              done,
                 gboolean             terminated_by_terminator,
                 guint                current_step)
{
  if ((done & self->all_done) != self->all_done)
    return FALSE;

  /* The seed's task 0.9.2: the last agent is the Terminator AND
   * current_step < max_steps. The simulated environment asks for the
   * workflow done, however the episode ended, as the issue defines it. */
  if (self->success_needs_terminator)
    return terminated_by_terminator && current_step < self->max_steps;

  return TRUE;
}

void
troupe_orch_env_run_episode (const TroupeOrchEnv      *self,
                             TroupePolicy             *policy,
                             const TroupeRewardConfig *reward_config,
                             TroupeRng                *rng,
                             gboolean                  greedy,
                             TroupeEpisode            *episode)
{
  TroupeSystemState *state;
  guint dim;
  gsize needed;

  g_return_if_fail (self != NULL);
  g_return_if_fail (policy != NULL);
  g_return_if_fail (troupe_policy_get_n_agents (policy) == self->n_agents);
  g_return_if_fail (rng != NULL);
  g_return_if_fail (episode != NULL && episode->steps != NULL);

  dim = troupe_policy_get_input_dim (policy);
  needed = (gsize) (self->max_steps + 1) * dim;
  if (episode->embeddings_len < needed)
    {
      episode->embeddings = g_renew (double, episode->embeddings, needed);
      episode->embeddings_len = needed;
    }
  g_array_set_size (episode->steps, 0);
  episode->total_undiscounted_reward = 0.0;
  episode->task_successful = FALSE;

  /* The state's arrays are reused from episode to episode: training runs
   * millions of short episodes. */
  state = &episode->final_state;
  if (state->history == NULL || episode->final_state_n_agents != self->n_agents)
    {
      if (state->history != NULL)
        troupe_system_state_clear (state);
      troupe_system_state_init (state, self);
      episode->final_state_n_agents = self->n_agents;
    }
  system_state_reset (state, self);
  state->task_specification = self->task_specification;
  troupe_orch_env_embed_state (self, state, episode->embeddings, dim);

  for (;;)
    {
      TroupeTrajectoryStep step = { 0, };
      TroupeAgentOutput output = { 0, };
      const TroupeOrchAgent *agent;
      double *embedding = episode->embeddings + (gsize) state->current_step * dim;
      gboolean terminal;

      if (greedy)
        {
          step.agent_index = troupe_policy_greedy (policy, embedding, &step.log_prob);
          step.entropy = 0.0;
        }
      else
        step.agent_index = troupe_policy_sample (policy, embedding, rng,
                                                 &step.log_prob, &step.entropy);

      agent = &self->agents[step.agent_index];
      agent->execute (agent, self, state, rng, &output);
      update_state (state, step.agent_index, &output);

      /* The seed's Orchestrator._is_terminated. */
      terminal = state->current_step >= state->max_steps
                 || agent->kind == TROUPE_ORCH_AGENT_TERMINATOR;
      if (terminal)
        episode->task_successful = task_successful (self, state->custom_data.done_mask,
                                                    agent->kind == TROUPE_ORCH_AGENT_TERMINATOR,
                                                    state->current_step);

      step.reward = troupe_calculate_reward (&output, terminal, episode->task_successful,
                                             reward_config);
      step.is_terminal_step = terminal;
      episode->total_undiscounted_reward += step.reward;

      if (!terminal)
        troupe_orch_env_embed_state (self, state, embedding + dim, dim);

      g_array_append_val (episode->steps, step);
      if (terminal)
        break;
    }

  /* The buffer no longer moves, so the steps can point into it now. */
  for (guint i = 0; i < episode->steps->len; i++)
    {
      TroupeTrajectoryStep *step = &g_array_index (episode->steps, TroupeTrajectoryStep, i);

      step->state_embedding = episode->embeddings + (gsize) i * dim;
      step->next_state_embedding = step->is_terminal_step ? NULL
                                                          : episode->embeddings + (gsize) (i + 1) * dim;
    }

}

gboolean
troupe_orch_env_optimal_value (const TroupeOrchEnv      *self,
                               const TroupeRewardConfig *config,
                               double                   *value)
{
  g_autofree double *v = NULL;
  gsize n_masks;
  guint horizon;
  double gamma;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (self->n_steps > MAX_OPTIMAL_STEPS)
    return FALSE;

  n_masks = (gsize) 1 << self->n_steps;
  horizon = self->max_steps;
  gamma = config->gamma_discount_factor;
  /* v[t × n_masks + mask]: the best expected return with `mask` done before
   * action t + 1 (current_step = t). Steps beyond the horizon never occur,
   * so backward induction from t = max_steps − 1 is exact. */
  v = g_new0 (double, (gsize) (horizon + 1) * n_masks);

  for (guint t = horizon; t-- > 0;)
    for (gsize mask = 0; mask < n_masks; mask++)
      {
        double best = -G_MAXDOUBLE;
        guint next_step = t + 1;
        gboolean last = next_step >= horizon;

        for (guint a = 0; a < self->n_agents; a++)
          {
            const TroupeOrchAgent *agent = &self->agents[a];
            TroupeAgentOutput output = { NULL, agent->cost, { TRUE, -1 } };
            double q;

            if (agent->kind == TROUPE_ORCH_AGENT_TERMINATOR)
              q = troupe_calculate_reward (&output, TRUE,
                                           task_successful (self, mask, TRUE, next_step),
                                           config);
            else
              {
                int step = agent->kind == TROUPE_ORCH_AGENT_SIMULATED
                           ? find_ready_step (self, a, mask) : -1;
                gsize done_mask = step >= 0 ? mask | ((gsize) 1 << step) : mask;
                double p = step >= 0 ? agent->success : 0.0;

                if (last)
                  q = p * troupe_calculate_reward (&output, TRUE,
                                                   task_successful (self, done_mask, FALSE, next_step),
                                                   config)
                      + (1.0 - p) * troupe_calculate_reward (&output, TRUE,
                                                             task_successful (self, mask, FALSE, next_step),
                                                             config);
                else
                  q = troupe_calculate_reward (&output, FALSE, FALSE, config)
                      + gamma * (p * v[(gsize) next_step * n_masks + done_mask]
                                 + (1.0 - p) * v[(gsize) next_step * n_masks + mask]);
              }

            best = MAX (best, q);
          }

        v[(gsize) t * n_masks + mask] = best;
      }

  *value = v[self->initial_done & (n_masks - 1)];
  return TRUE;
}
