/* troupe-reinforce.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "troupe-orchestration-env.h"
#include "troupe-policy.h"

G_BEGIN_DECLS

/* The seed's discounted returns, computed backwards:
 * G_t = r_t + γ G_{t+1}, that is Σ_{k=t}^{T} γ^{k−t} r_k. */
void    troupe_reinforce_returns (const double        *rewards,
                                  guint                n,
                                  double               gamma,
                                  double              *returns);
/* The seed's loss L = − Σ_trajectories Σ_steps log_prob_t × G_t. */
double  troupe_reinforce_loss    (const TroupeEpisode *episodes,
                                  guint                n_episodes,
                                  double               gamma);

/* One step's term of the loss the trainer minimises,
 * −A log π(a|s) − β H(π(·|s)) with A = @advantage and β = @entropy_coef:
 * returns it, adds its gradient to @policy's, and sets *@entropy to H. */
double  troupe_reinforce_step_backward (TroupePolicy *policy,
                                        const double *state_embedding,
                                        guint         action,
                                        double        advantage,
                                        double        entropy_coef,
                                        double       *entropy);

/* Adam (Kingma & Ba), as torch.optim.Adam with its defaults. */
typedef struct
{
  double  learning_rate;
  double  beta1;
  double  beta2;
  double  epsilon;
  double *m;
  double *v;
  guint64 t;
  guint   n;
} TroupeAdam;

void    troupe_adam_init  (TroupeAdam   *adam,
                           guint         n,
                           double        learning_rate);
void    troupe_adam_clear (TroupeAdam   *adam);
void    troupe_adam_step  (TroupeAdam   *adam,
                           double       *params,
                           const double *grads);

/* Scales @grads so their global L2 norm is at most @max_norm (as
 * torch.nn.utils.clip_grad_norm_); returns the norm before clipping. */
double  troupe_clip_grad_norm (double *grads,
                               guint   n,
                               double  max_norm);

typedef enum
{
  TROUPE_OPTIMIZER_ADAM,
  TROUPE_OPTIMIZER_SGD,
} TroupeOptimizer;

/* troupe_trainer_options_init() gives the seed's plain REINFORCE: Adam
 * with learning rate 0.01, no baseline, no normalisation, no entropy bonus,
 * no clipping, 32 episodes per epoch, the default RewardConfig. */
typedef struct
{
  TroupeRewardConfig reward;
  TroupeOptimizer    optimizer;
  double             learning_rate;
  /* Subtract a running mean of the returns, one per step index t (an
   * exponential average with weight 0.1 per epoch, started at the first
   * epoch that reaches t). */
  gboolean           baseline;
  /* Scale the (baselined) returns of an epoch to mean 0 and std 1. */
  gboolean           normalize_returns;
  /* The entropy bonus β: the loss gets − β Σ H(π(·|s_t)). */
  double             entropy_coef;
  /* Clip the gradient's global norm to this; 0 turns clipping off. */
  double             max_grad_norm;
  guint              episodes_per_epoch;
  guint64            seed;
} TroupeTrainerOptions;

void troupe_trainer_options_init (TroupeTrainerOptions *options);

/* The statistics of one epoch (numbered from 1). */
typedef struct
{
  guint   epoch;
  /* The mean and the standard deviation (over the epoch's episodes) of
   * the total undiscounted reward of an episode. */
  double  mean_reward;
  double  std_reward;
  double  success_rate;
  double  mean_length;
  /* The loss the update minimised: the seed's −Σ log π · G_t with the
   * options' baseline, normalisation and entropy term. */
  double  loss;
  /* The mean entropy of the policy over the epoch's steps. */
  double  entropy;
  guint   n_agents;
  /* How often each agent of the pool was chosen (n_agents entries). */
  guint  *choice_counts;
} TroupeEpochStats;

typedef struct
{
  double success_rate;
  double mean_reward;
  /* The mean discounted return from the initial state, comparable to
   * troupe_orch_env_optimal_value(). */
  double mean_return;
  double mean_length;
} TroupeEvaluation;

#define TROUPE_TYPE_TRAINER (troupe_trainer_get_type ())

G_DECLARE_FINAL_TYPE (TroupeTrainer, troupe_trainer, TROUPE, TRAINER, GObject)

/* Takes ownership of @env and @policy. Emits "epoch" (a const
 * TroupeEpochStats * valid during the emission) after every epoch. */
TroupeTrainer        *troupe_trainer_new        (TroupeOrchEnv              *env,
                                                 TroupePolicy               *policy,
                                                 const TroupeTrainerOptions *options);
TroupeOrchEnv        *troupe_trainer_get_env    (TroupeTrainer              *self);
TroupePolicy         *troupe_trainer_get_policy (TroupeTrainer              *self);
const TroupeTrainerOptions *troupe_trainer_get_options (TroupeTrainer       *self);
/* Runs episodes_per_epoch episodes, one policy update, records and emits
 * the statistics, which the return value points to until the next epoch. */
const TroupeEpochStats *troupe_trainer_run_epoch (TroupeTrainer             *self);
guint                 troupe_trainer_get_n_epochs (TroupeTrainer            *self);
/* The CSV of every epoch so far, with its header row; numbers are written
 * with 17 significant digits, so equal statistics give equal bytes. */
const char           *troupe_trainer_get_csv    (TroupeTrainer              *self);
/* Runs @n_episodes with the current policy (its most probable agent when
 * @greedy) from a generator of its own, so evaluating does not change the
 * training's episodes. */
void                  troupe_trainer_evaluate   (TroupeTrainer              *self,
                                                 guint                       n_episodes,
                                                 gboolean                    greedy,
                                                 TroupeEvaluation           *evaluation);

/* The training state: the policy's JSON (troupe_policy_to_json()) with a
 * "training" member that holds the options, the epoch count, Adam's t, m
 * and v, the baseline's running means and the generator's state, so a
 * trainer made from it with troupe_trainer_new_resume() continues exactly
 * where this one stopped. troupe_policy_load() ignores the member. */
char                 *troupe_trainer_to_json    (TroupeTrainer              *self);
gboolean              troupe_trainer_save       (TroupeTrainer              *self,
                                                 const char                 *path,
                                                 GError                    **error);
/* A trainer for @env (taken, also on failure) from a policy file's JSON
 * @data; @name (the file, for messages) prefixes every error. When @data
 * holds a training state, the trainer continues it bit-identically with
 * the options it was saved with, and @options is ignored; it fails with
 * TROUPE_POLICY_ERROR_MISMATCH when the state does not fit @env or the
 * policy, TROUPE_POLICY_ERROR_INVALID when it is malformed. Without one,
 * it trains the policy further with @options (NULL: the defaults) and a
 * fresh optimizer, and troupe_trainer_get_state_restored() says FALSE. */
TroupeTrainer        *troupe_trainer_new_resume (TroupeOrchEnv              *env,
                                                 const char                 *data,
                                                 const char                 *name,
                                                 const TroupeTrainerOptions *options,
                                                 GError                    **error);
/* troupe_trainer_new_resume() on the contents of the file @path. */
TroupeTrainer        *troupe_trainer_load       (TroupeOrchEnv              *env,
                                                 const char                 *path,
                                                 const TroupeTrainerOptions *options,
                                                 GError                    **error);
/* Whether the trainer was resumed from a saved training state (optimizer,
 * baseline and generator), rather than made fresh. */
gboolean              troupe_trainer_get_state_restored (TroupeTrainer      *self);
/* TRUE when the policy JSON @data holds a training state, with its epoch
 * count and optimizer (either may be NULL); FALSE when it holds none or
 * is not JSON. */
gboolean              troupe_trainer_peek_state (const char                 *data,
                                                 guint                      *n_epochs,
                                                 TroupeOptimizer            *optimizer);

G_END_DECLS
