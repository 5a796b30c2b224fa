/* troupe-reinforce.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "troupe-reinforce.h"

/* The evaluation's generator is seeded from the training seed mixed with
 * this, so it never replays the training's own stream. */
#define EVALUATION_SEED_MIX G_GUINT64_CONSTANT (0x5eed0fe7a1ba7e5d)

struct _TroupeTrainer
{
  GObject               parent_instance;

  TroupeOrchEnv        *env;
  TroupePolicy         *policy;
  TroupeEpisode        *episodes;       /* episodes_per_epoch of them */
  GArray               *advantages;     /* double, one per step of the epoch */
  GString              *csv;
  guint                *choice_counts;
  /* The running mean of the returns G_t for each t, and whether t has
   * been seen yet. */
  double               *baseline;
  gboolean             *has_baseline;
  guint                 baseline_len;
  TroupeAdam            adam;
  TroupeTrainerOptions  options;
  TroupeEpochStats      stats;
  TroupeRng             rng;
  guint                 n_epochs;
};

G_DEFINE_FINAL_TYPE (TroupeTrainer, troupe_trainer, G_TYPE_OBJECT)

enum {
  EPOCH,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

void
troupe_reinforce_returns (const double *rewards,
                          guint         n,
                          double        gamma,
                          double       *returns)
{
  double g = 0.0;

  g_return_if_fail (n == 0 || (rewards != NULL && returns != NULL));

  for (guint t = n; t-- > 0;)
    {
      g = rewards[t] + gamma * g;
      returns[t] = g;
    }
}

static void
episode_returns (const TroupeEpisode *episode,
                 double               gamma,
                 double              *returns)
{
  double g = 0.0;

  for (guint t = episode->steps->len; t-- > 0;)
    {
      g = g_array_index (episode->steps, TroupeTrajectoryStep, t).reward + gamma * g;
      returns[t] = g;
    }
}

double
troupe_reinforce_loss (const TroupeEpisode *episodes,
                       guint                n_episodes,
                       double               gamma)
{
  double loss = 0.0;

  g_return_val_if_fail (n_episodes == 0 || episodes != NULL, 0.0);

  for (guint e = 0; e < n_episodes; e++)
    {
      guint n = episodes[e].steps->len;
      g_autofree double *returns = g_new0 (double, MAX (n, 1));

      episode_returns (&episodes[e], gamma, returns);
      for (guint t = 0; t < n; t++)
        loss -= g_array_index (episodes[e].steps, TroupeTrajectoryStep, t).log_prob * returns[t];
    }

  return loss;
}

double
troupe_reinforce_step_backward (TroupePolicy *policy,
                                const double *state_embedding,
                                guint         action,
                                double        advantage,
                                double        entropy_coef,
                                double       *entropy)
{
  guint n = troupe_policy_get_n_agents (policy);
  double logits[n], probs[n], dlogits[n];
  double max, log_sum = 0.0, h = 0.0;

  g_return_val_if_fail (action < n, 0.0);

  troupe_policy_forward (policy, state_embedding, logits, probs);
  max = logits[0];
  for (guint j = 1; j < n; j++)
    max = MAX (max, logits[j]);
  for (guint j = 0; j < n; j++)
    log_sum += exp (logits[j] - max);
  log_sum = log (log_sum) + max;
  for (guint j = 0; j < n; j++)
    h -= probs[j] * (logits[j] - log_sum);

  /* d(−A log π_a)/dz_j = A (π_j − [j = a]);
   * d(−β H)/dz_j = β π_j (log π_j + H). */
  for (guint j = 0; j < n; j++)
    dlogits[j] = advantage * (probs[j] - (j == action ? 1.0 : 0.0))
                 + entropy_coef * probs[j] * ((logits[j] - log_sum) + h);

  troupe_policy_backward (policy, dlogits);

  if (entropy != NULL)
    *entropy = h;
  return -advantage * (logits[action] - log_sum) - entropy_coef * h;
}

void
troupe_adam_init (TroupeAdam *adam,
                  guint       n,
                  double      learning_rate)
{
  g_return_if_fail (adam != NULL);

  adam->learning_rate = learning_rate;
  adam->beta1 = 0.9;
  adam->beta2 = 0.999;
  adam->epsilon = 1e-8;
  adam->m = g_new0 (double, MAX (n, 1));
  adam->v = g_new0 (double, MAX (n, 1));
  adam->t = 0;
  adam->n = n;
}

void
troupe_adam_clear (TroupeAdam *adam)
{
  g_return_if_fail (adam != NULL);

  g_clear_pointer (&adam->m, g_free);
  g_clear_pointer (&adam->v, g_free);
}

void
troupe_adam_step (TroupeAdam   *adam,
                  double       *params,
                  const double *grads)
{
  double correction1, correction2;

  g_return_if_fail (adam != NULL && adam->m != NULL);

  adam->t++;
  correction1 = 1.0 - pow (adam->beta1, (double) adam->t);
  correction2 = 1.0 - pow (adam->beta2, (double) adam->t);

  for (guint i = 0; i < adam->n; i++)
    {
      double m_hat, v_hat;

      adam->m[i] = adam->beta1 * adam->m[i] + (1.0 - adam->beta1) * grads[i];
      adam->v[i] = adam->beta2 * adam->v[i] + (1.0 - adam->beta2) * grads[i] * grads[i];
      m_hat = adam->m[i] / correction1;
      v_hat = adam->v[i] / correction2;
      params[i] -= adam->learning_rate * m_hat / (sqrt (v_hat) + adam->epsilon);
    }
}

double
troupe_clip_grad_norm (double *grads,
                       guint   n,
                       double  max_norm)
{
  double norm = 0.0;

  for (guint i = 0; i < n; i++)
    norm += grads[i] * grads[i];
  norm = sqrt (norm);

  if (max_norm > 0.0 && norm > max_norm)
    {
      double scale = max_norm / (norm + 1e-6);

      for (guint i = 0; i < n; i++)
        grads[i] *= scale;
    }

  return norm;
}

void
troupe_trainer_options_init (TroupeTrainerOptions *options)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  troupe_reward_config_init (&options->reward);
  options->optimizer = TROUPE_OPTIMIZER_ADAM;
  options->learning_rate = 0.01;
  options->episodes_per_epoch = 32;
  options->seed = 1;
}

static void
append_number (GString *csv,
               double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c (csv, ',');
  g_string_append (csv, g_ascii_formatd (buffer, sizeof buffer, "%.17g", value));
}

static void
troupe_trainer_finalize (GObject *object)
{
  TroupeTrainer *self = TROUPE_TRAINER (object);

  for (guint e = 0; e < self->options.episodes_per_epoch; e++)
    troupe_episode_clear (&self->episodes[e]);
  g_clear_pointer (&self->episodes, g_free);
  g_clear_pointer (&self->advantages, g_array_unref);
  g_string_free (self->csv, TRUE);
  g_clear_pointer (&self->choice_counts, g_free);
  g_clear_pointer (&self->baseline, g_free);
  g_clear_pointer (&self->has_baseline, g_free);
  troupe_adam_clear (&self->adam);
  g_clear_pointer (&self->policy, troupe_policy_free);
  g_clear_pointer (&self->env, troupe_orch_env_free);

  G_OBJECT_CLASS (troupe_trainer_parent_class)->finalize (object);
}

static void
troupe_trainer_class_init (TroupeTrainerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = troupe_trainer_finalize;

  /**
   * TroupeTrainer::epoch:
   * @stats: (type gpointer): the const TroupeEpochStats of the epoch
   *
   * Emitted after every epoch's update, on the thread that trains.
   */
  signals[EPOCH] = g_signal_new ("epoch",
                                 G_TYPE_FROM_CLASS (klass),
                                 G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL,
                                 G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
troupe_trainer_init (TroupeTrainer *self)
{
  self->csv = g_string_new (NULL);
  self->advantages = g_array_new (FALSE, TRUE, sizeof (double));
}

TroupeTrainer *
troupe_trainer_new (TroupeOrchEnv              *env,
                    TroupePolicy               *policy,
                    const TroupeTrainerOptions *options)
{
  TroupeTrainer *self;
  const char * const *names;
  guint n_agents;

  g_return_val_if_fail (env != NULL, NULL);
  g_return_val_if_fail (policy != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (options->episodes_per_epoch > 0, NULL);
  g_return_val_if_fail (troupe_policy_get_n_agents (policy) == troupe_orch_env_get_n_agents (env), NULL);
  g_return_val_if_fail (troupe_policy_get_input_dim (policy) >= troupe_orch_env_get_n_features (env), NULL);

  self = g_object_new (TROUPE_TYPE_TRAINER, NULL);
  self->env = env;
  self->policy = policy;
  self->options = *options;
  troupe_rng_init (&self->rng, options->seed);
  troupe_adam_init (&self->adam, troupe_policy_get_n_params (policy), options->learning_rate);

  self->episodes = g_new0 (TroupeEpisode, options->episodes_per_epoch);
  for (guint e = 0; e < options->episodes_per_epoch; e++)
    troupe_episode_init (&self->episodes[e]);

  n_agents = troupe_orch_env_get_n_agents (env);
  self->choice_counts = g_new0 (guint, n_agents);
  self->baseline_len = troupe_orch_env_get_max_steps (env);
  self->baseline = g_new0 (double, self->baseline_len);
  self->has_baseline = g_new0 (gboolean, self->baseline_len);
  self->stats.n_agents = n_agents;
  self->stats.choice_counts = self->choice_counts;

  g_string_append (self->csv, "epoch,mean_reward,std_reward,success_rate,mean_length,loss,entropy");
  names = troupe_orch_env_get_agent_names (env);
  for (guint i = 0; i < n_agents; i++)
    g_string_append_printf (self->csv, ",choices_%s", names[i]);
  g_string_append_c (self->csv, '\n');

  return self;
}

TroupeOrchEnv *
troupe_trainer_get_env (TroupeTrainer *self)
{
  g_return_val_if_fail (TROUPE_IS_TRAINER (self), NULL);
  return self->env;
}

TroupePolicy *
troupe_trainer_get_policy (TroupeTrainer *self)
{
  g_return_val_if_fail (TROUPE_IS_TRAINER (self), NULL);
  return self->policy;
}

const TroupeTrainerOptions *
troupe_trainer_get_options (TroupeTrainer *self)
{
  g_return_val_if_fail (TROUPE_IS_TRAINER (self), NULL);
  return &self->options;
}

guint
troupe_trainer_get_n_epochs (TroupeTrainer *self)
{
  g_return_val_if_fail (TROUPE_IS_TRAINER (self), 0);
  return self->n_epochs;
}

const char *
troupe_trainer_get_csv (TroupeTrainer *self)
{
  g_return_val_if_fail (TROUPE_IS_TRAINER (self), NULL);
  return self->csv->str;
}

/* Fills self->advantages with the weight of every step's log-probability
 * in the loss: G_t, minus the baseline, normalised, as the options say. */
static void
compute_advantages (TroupeTrainer *self)
{
  const TroupeTrainerOptions *options = &self->options;
  double gamma = options->reward.gamma_discount_factor;
  double *a;
  guint n = 0;

  g_array_set_size (self->advantages, 0);
  for (guint e = 0; e < options->episodes_per_epoch; e++)
    n += self->episodes[e].steps->len;
  g_array_set_size (self->advantages, n);
  a = (double *) (gpointer) self->advantages->data;

  n = 0;
  for (guint e = 0; e < options->episodes_per_epoch; e++)
    {
      episode_returns (&self->episodes[e], gamma, a + n);
      n += self->episodes[e].steps->len;
    }

  if (options->baseline)
    {
      guint max_steps = troupe_orch_env_get_max_steps (self->env);
      g_autofree double *sums = NULL;
      g_autofree guint *counts = NULL;
      guint i = 0;

      /* max_steps may have grown since the last epoch. */
      if (max_steps > self->baseline_len)
        {
          self->baseline = g_renew (double, self->baseline, max_steps);
          self->has_baseline = g_renew (gboolean, self->has_baseline, max_steps);
          for (guint t = self->baseline_len; t < max_steps; t++)
            {
              self->baseline[t] = 0.0;
              self->has_baseline[t] = FALSE;
            }
          self->baseline_len = max_steps;
        }

      sums = g_new0 (double, max_steps);
      counts = g_new0 (guint, max_steps);

      /* The baseline of step t comes from the epochs before this one, so
       * it does not depend on the actions it judges; a return at step t is
       * compared with the returns seen at step t, since late steps of an
       * episode have less left to earn than early ones. */
      for (guint e = 0; e < options->episodes_per_epoch; e++)
        for (guint t = 0; t < self->episodes[e].steps->len; t++, i++)
          {
            sums[t] += a[i];
            counts[t]++;
            if (!self->has_baseline[t])
              continue;
            a[i] -= self->baseline[t];
          }

      for (guint t = 0; t < max_steps; t++)
        {
          if (counts[t] == 0)
            continue;
          if (!self->has_baseline[t])
            {
              /* The first epoch that reaches step t starts its mean. */
              self->baseline[t] = sums[t] / counts[t];
              self->has_baseline[t] = TRUE;
            }
          else
            self->baseline[t] = 0.9 * self->baseline[t] + 0.1 * (sums[t] / counts[t]);
        }
    }

  if (options->normalize_returns && n > 1)
    {
      double m = 0.0, var = 0.0;

      for (guint i = 0; i < n; i++)
        m += a[i];
      m /= n;
      for (guint i = 0; i < n; i++)
        var += (a[i] - m) * (a[i] - m);
      var /= n;
      for (guint i = 0; i < n; i++)
        a[i] = (a[i] - m) / (sqrt (var) + 1e-8);
    }
}

const TroupeEpochStats *
troupe_trainer_run_epoch (TroupeTrainer *self)
{
  const TroupeTrainerOptions *options;
  TroupeEpochStats *stats;
  guint n_agents, k;
  const double *advantages;
  double sum = 0.0, sum_sq = 0.0, loss = 0.0, entropy = 0.0;
  guint successes = 0, n_steps = 0, index = 0;

  g_return_val_if_fail (TROUPE_IS_TRAINER (self), NULL);

  options = &self->options;
  stats = &self->stats;
  n_agents = troupe_orch_env_get_n_agents (self->env);
  k = options->episodes_per_epoch;

  memset (self->choice_counts, 0, sizeof (guint) * n_agents);
  for (guint e = 0; e < k; e++)
    {
      TroupeEpisode *episode = &self->episodes[e];

      troupe_orch_env_run_episode (self->env, self->policy, &options->reward,
                                   &self->rng, FALSE, episode);
      sum += episode->total_undiscounted_reward;
      successes += episode->task_successful ? 1 : 0;
      n_steps += episode->steps->len;
      for (guint t = 0; t < episode->steps->len; t++)
        {
          const TroupeTrajectoryStep *step = &g_array_index (episode->steps, TroupeTrajectoryStep, t);

          self->choice_counts[step->agent_index]++;
          entropy += step->entropy;
        }
    }

  compute_advantages (self);
  advantages = (const double *) (gconstpointer) self->advantages->data;

  /* The policy's graph is not kept from the episodes: each step's forward
   * pass is recomputed, which gives the same numbers, then backward. */
  troupe_policy_zero_grad (self->policy);
  for (guint e = 0; e < k; e++)
    {
      TroupeEpisode *episode = &self->episodes[e];

      for (guint t = 0; t < episode->steps->len; t++, index++)
        {
          const TroupeTrajectoryStep *step = &g_array_index (episode->steps, TroupeTrajectoryStep, t);

          loss += troupe_reinforce_step_backward (self->policy, step->state_embedding,
                                                  step->agent_index, advantages[index],
                                                  options->entropy_coef, NULL);
        }
    }

  if (options->max_grad_norm > 0.0)
    troupe_clip_grad_norm (troupe_policy_get_grads (self->policy),
                           troupe_policy_get_n_params (self->policy),
                           options->max_grad_norm);

  if (options->optimizer == TROUPE_OPTIMIZER_ADAM)
    troupe_adam_step (&self->adam, troupe_policy_get_params (self->policy),
                      troupe_policy_get_grads (self->policy));
  else
    {
      double *params = troupe_policy_get_params (self->policy);
      const double *grads = troupe_policy_get_grads (self->policy);

      for (guint i = 0; i < troupe_policy_get_n_params (self->policy); i++)
        params[i] -= options->learning_rate * grads[i];
    }

  stats->epoch = ++self->n_epochs;
  stats->mean_reward = sum / k;
  for (guint e = 0; e < k; e++)
    {
      double d = self->episodes[e].total_undiscounted_reward - stats->mean_reward;

      sum_sq += d * d;
    }
  stats->std_reward = sqrt (sum_sq / k);
  stats->success_rate = (double) successes / k;
  stats->mean_length = (double) n_steps / k;
  stats->loss = loss;
  stats->entropy = entropy / MAX (n_steps, 1);

  g_string_append_printf (self->csv, "%u", stats->epoch);
  append_number (self->csv, stats->mean_reward);
  append_number (self->csv, stats->std_reward);
  append_number (self->csv, stats->success_rate);
  append_number (self->csv, stats->mean_length);
  append_number (self->csv, stats->loss);
  append_number (self->csv, stats->entropy);
  for (guint i = 0; i < n_agents; i++)
    g_string_append_printf (self->csv, ",%u", self->choice_counts[i]);
  g_string_append_c (self->csv, '\n');

  g_signal_emit (self, signals[EPOCH], 0, stats);

  return stats;
}

void
troupe_trainer_evaluate (TroupeTrainer    *self,
                         guint             n_episodes,
                         gboolean          greedy,
                         TroupeEvaluation *evaluation)
{
  TroupeEpisode episode;
  TroupeRng rng;
  double gamma;
  double reward = 0.0, ret = 0.0, length = 0.0;
  guint successes = 0;

  g_return_if_fail (TROUPE_IS_TRAINER (self));
  g_return_if_fail (n_episodes > 0);
  g_return_if_fail (evaluation != NULL);

  gamma = self->options.reward.gamma_discount_factor;
  troupe_rng_init (&rng, self->options.seed ^ EVALUATION_SEED_MIX);
  troupe_episode_init (&episode);

  for (guint e = 0; e < n_episodes; e++)
    {
      double g = 0.0;

      troupe_orch_env_run_episode (self->env, self->policy, &self->options.reward,
                                   &rng, greedy, &episode);
      reward += episode.total_undiscounted_reward;
      successes += episode.task_successful ? 1 : 0;
      length += episode.steps->len;
      for (guint t = episode.steps->len; t-- > 0;)
        g = g_array_index (episode.steps, TroupeTrajectoryStep, t).reward + gamma * g;
      ret += g;
    }

  troupe_episode_clear (&episode);

  evaluation->success_rate = (double) successes / n_episodes;
  evaluation->mean_reward = reward / n_episodes;
  evaluation->mean_return = ret / n_episodes;
  evaluation->mean_length = length / n_episodes;
}
