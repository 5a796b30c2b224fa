/* troupe-orchestration-env.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "troupe-policy.h"
#include "troupe-workflow.h"

G_BEGIN_DECLS

/* The Dynamic Orchestrator of seed 000_b49f44b08341d14e: a policy looks at
 * the state of a task and picks the agent that acts next. This header holds
 * the seed's structures (AgentOutput, SystemState, the agent interface,
 * RewardConfig, calculate_reward, TrajectoryStep, EpisodeTrajectory) and the
 * environments the policy is trained in. */

#define TROUPE_ORCHESTRATION_ERROR (troupe_orchestration_error_quark ())

typedef enum
{
  /* A sim.* context variable of the workflow is not a valid number. */
  TROUPE_ORCHESTRATION_ERROR_INVALID,
  /* The workflow cannot be simulated (no agents, too many steps, …). */
  TROUPE_ORCHESTRATION_ERROR_UNSUPPORTED,
} TroupeOrchestrationError;

GQuark troupe_orchestration_error_quark (void);

/* The seed's RewardConfig, with its defaults from
 * troupe_reward_config_init(): lambda_cost_penalty 0.1,
 * gamma_discount_factor 0.99, task_success_bonus 1.0,
 * task_failure_penalty -1.0, step_cost_scale_factor 1.0. */
typedef struct
{
  double lambda_cost_penalty;
  double gamma_discount_factor;
  double task_success_bonus;
  double task_failure_penalty;
  double step_cost_scale_factor;
} TroupeRewardConfig;

void troupe_reward_config_init (TroupeRewardConfig *config);

/* The metadata of an agent output. The seed leaves it an optional dict;
 * the environments here put exactly these two entries in it. */
typedef struct
{
  /* Whether the action achieved something: the simulated agent completed a
   * step; Echo and the Terminator always succeed. */
  gboolean succeeded;
  /* The index of the workflow step the agent worked on, or -1. */
  int      step;
} TroupeAgentOutputMetadata;

/* The seed's AgentOutput(content, cost, metadata). @content is borrowed
 * from the agent or the environment, which outlive every episode. */
typedef struct
{
  const char                *content;
  double                     cost;
  TroupeAgentOutputMetadata  metadata;
} TroupeAgentOutput;

/* One (agent_name, agent_output) entry of the history; the agent is its
 * index in the pool, whose names troupe_orch_env_get_agent_name() gives. */
typedef struct
{
  guint              agent;
  TroupeAgentOutput  output;
} TroupeHistoryEntry;

/* The seed's SystemState. custom_data holds what the simulated environment
 * tracks: the set of completed workflow steps (a bit per step), the cost so
 * far, and per agent how often it acted and succeeded. */
typedef struct
{
  const char *task_specification;
  GArray     *history;             /* TroupeHistoryEntry */
  guint       current_step;
  guint       max_steps;
  struct
  {
    guint64  done_mask;
    double   cost_so_far;
    guint   *act_counts;
    guint   *success_counts;
  } custom_data;
} TroupeSystemState;

typedef struct _TroupeOrchEnv TroupeOrchEnv;
typedef struct _TroupeOrchAgent TroupeOrchAgent;

typedef enum
{
  TROUPE_ORCH_AGENT_ECHO,
  TROUPE_ORCH_AGENT_TERMINATOR,
  /* A workflow agent in the simulated environment. */
  TROUPE_ORCH_AGENT_SIMULATED,
} TroupeOrchAgentKind;

/* The seed's AgentInterface.execute(state) -> AgentOutput; the environment
 * and the generator are passed so simulated agents can draw their success. */
typedef void (*TroupeOrchAgentExecute) (const TroupeOrchAgent   *agent,
                                        const TroupeOrchEnv     *env,
                                        const TroupeSystemState *state,
                                        TroupeRng               *rng,
                                        TroupeAgentOutput       *output);

struct _TroupeOrchAgent
{
  char                   *name;
  TroupeOrchAgentKind     kind;
  double                  cost;
  /* The probability that an action on a ready step succeeds. */
  double                  success;
  TroupeOrchAgentExecute  execute;
};

/* The seed's calculate_reward, exactly:
 * terminal: (task_success_bonus if successful else task_failure_penalty)
 *           − lambda_cost_penalty × cost × step_cost_scale_factor;
 * otherwise: − lambda_cost_penalty × cost × step_cost_scale_factor. */
double troupe_calculate_reward (const TroupeAgentOutput  *agent_output,
                                gboolean                  is_terminal,
                                gboolean                  task_was_successful,
                                const TroupeRewardConfig *reward_config);

/* The seed's TrajectoryStep. The embeddings point into the episode's own
 * buffer; next_state_embedding is NULL on the terminal step. */
typedef struct
{
  const double *state_embedding;
  guint         agent_index;
  double        log_prob;
  double        reward;
  const double *next_state_embedding;
  gboolean      is_terminal_step;
  /* Not in the seed: the entropy of the policy at this step, for the
   * statistics and the entropy bonus. */
  double        entropy;
} TroupeTrajectoryStep;

/* The seed's EpisodeTrajectory. Initialise with troupe_episode_init(),
 * reuse across episodes, release with troupe_episode_clear(). */
typedef struct
{
  GArray   *steps;            /* TroupeTrajectoryStep */
  double   *embeddings;       /* (max_steps + 1) × dim */
  gsize     embeddings_len;
  double    total_undiscounted_reward;
  gboolean  task_successful;
  /* The system state at the end of the episode, history included; kept
   * (with its allocations) for the next episode that reuses this one. */
  TroupeSystemState final_state;
  guint     final_state_n_agents;
} TroupeEpisode;

void troupe_episode_init  (TroupeEpisode *episode);
void troupe_episode_clear (TroupeEpisode *episode);

/* The version of the state embedding that troupe_orch_env_embed_state()
 * computes; policies record it and refuse another. */
#define TROUPE_STATE_EMBEDDING_VERSION 1

/* The seed's MVP: agents "Agent0" (an EchoAgent, cost 1.0) and "Agent1"
 * (a TerminatorAgent, cost 0), max_steps 4, task "Echo the task"; the
 * episode succeeds when the Terminator ends it with current_step (counted
 * after its action) still below max_steps. */
TroupeOrchEnv      *troupe_orch_env_new_mvp        (void);
/* The agents of @workflow, then a Terminator named "Terminator". Per agent
 * the context variables sim.AGENT.cost (number >= 0, default 1) and
 * sim.AGENT.success (probability 0..1, default 1); sim.max_steps (default
 * twice the number of agent steps plus 2). Acting, an agent works on its
 * first step (in file order) that is not done and whose needs are all done;
 * with probability `success` the step is done. An agent with no such step
 * acts out of order: it pays its cost and achieves nothing. Steps without
 * an agent (or with an agent the workflow does not declare) are done from
 * the start. The task succeeds when every step is
 * done when the episode ends (by the Terminator, or at max_steps). */
TroupeOrchEnv      *troupe_orch_env_new_simulated  (TroupeWorkflow *workflow,
                                                    GError        **error);
void                troupe_orch_env_free           (TroupeOrchEnv  *self);

guint               troupe_orch_env_get_n_agents   (const TroupeOrchEnv *self);
const TroupeOrchAgent *troupe_orch_env_get_agent   (const TroupeOrchEnv *self,
                                                    guint                index);
const char * const *troupe_orch_env_get_agent_names (const TroupeOrchEnv *self);
guint               troupe_orch_env_get_n_steps    (const TroupeOrchEnv *self);
const char         *troupe_orch_env_get_step_id    (const TroupeOrchEnv *self,
                                                    guint                index);
guint               troupe_orch_env_get_max_steps  (const TroupeOrchEnv *self);
void                troupe_orch_env_set_max_steps  (TroupeOrchEnv       *self,
                                                    guint                max_steps);
/* The number of real features of the embedding: 3 × n_agents + 3. An
 * embedding may be longer; the rest is zero. */
guint               troupe_orch_env_get_n_features (const TroupeOrchEnv *self);
/* The embedding size of a new policy when none is asked for: the seed's
 * 16, or the number of features when the agents need more. */
guint               troupe_orch_env_get_default_input_dim (const TroupeOrchEnv *self);
/* Whether @policy can choose in this environment: its agents are this
 * pool's in the same order, and it reads this Troupe's state embedding
 * with an input that holds the features (any such size will do). Fails
 * with TROUPE_POLICY_ERROR_MISMATCH naming both pools otherwise. */
gboolean            troupe_orch_env_check_policy   (const TroupeOrchEnv *self,
                                                    const TroupePolicy  *policy,
                                                    GError             **error);

void                troupe_system_state_init       (TroupeSystemState   *state,
                                                    const TroupeOrchEnv *env);
void                troupe_system_state_clear      (TroupeSystemState   *state);

/* Writes the state embedding (version 1) into @out[0..dim): with N agents,
 * [0] current_step / max_steps;
 * [1+i] agent i's act count / max_steps;
 * [1+N+i] 1 when agent i acted last (all 0 before the first action);
 * [1+2N] 1 when the last output succeeded (0 before the first action);
 * [2+2N] cost so far / max_steps;
 * [3+2N+i] the fraction of agent i's workflow steps that are done (0 for
 * agents without steps, such as Echo and the Terminator);
 * then zeros up to @dim, which must be at least the number of features. */
void                troupe_orch_env_embed_state    (const TroupeOrchEnv     *self,
                                                    const TroupeSystemState *state,
                                                    double                  *out,
                                                    guint                    dim);

/* The seed's Orchestrator.run_episode: from the initial state, until the
 * Terminator acts or max_steps is reached, embed the state, let @policy
 * choose (sample, or the most probable agent when @greedy), execute the
 * agent, update the state, compute the reward. Fills @episode. @rng
 * draws the policy's samples and the simulated agents' successes, so it is
 * needed in greedy mode too. */
void                troupe_orch_env_run_episode    (const TroupeOrchEnv      *self,
                                                    TroupePolicy             *policy,
                                                    const TroupeRewardConfig *reward_config,
                                                    TroupeRng                *rng,
                                                    gboolean                  greedy,
                                                    TroupeEpisode            *episode);

/* The optimal expected discounted return from the initial state, by
 * backward induction (value iteration over the finite horizon) over the
 * states (done steps, current step), which determine the rewards. FALSE
 * when the state space is too large (more than 16 agent steps). */
gboolean            troupe_orch_env_optimal_value  (const TroupeOrchEnv      *self,
                                                    const TroupeRewardConfig *reward_config,
                                                    double                   *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TroupeOrchEnv, troupe_orch_env_free)

G_END_DECLS
