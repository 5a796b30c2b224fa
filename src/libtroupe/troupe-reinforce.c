/* troupe-reinforce.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "troupe-reinforce.h"

/* The evaluation's generator is seeded from the training seed mixed with
 * this, so it never replays the training's own stream. */
#define EVALUATION_SEED_MIX G_GUINT64_CONSTANT (0x5eed0fe7a1ba7e5d)

/* The version of the "training" member of a saved policy. */
#define TRAINING_STATE_VERSION 1

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
  gboolean              state_restored;
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

static void
add_double_array (JsonBuilder  *builder,
                  const char   *name,
                  const double *values,
                  guint         n)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    json_builder_add_double_value (builder, values[i]);
  json_builder_end_array (builder);
}

static void
add_double (JsonBuilder *builder,
            const char  *name,
            double       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, value);
}

static void
add_boolean (JsonBuilder *builder,
             const char  *name,
             gboolean     value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static JsonNode *
training_state_to_node (TroupeTrainer *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const TroupeTrainerOptions *options = &self->options;

  json_builder_begin_object (builder);
  add_int (builder, "version", TRAINING_STATE_VERSION);
  add_int (builder, "epochs", self->n_epochs);

  json_builder_set_member_name (builder, "options");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "optimizer");
  json_builder_add_string_value (builder, options->optimizer == TROUPE_OPTIMIZER_SGD ? "sgd" : "adam");
  add_double (builder, "learning_rate", options->learning_rate);
  add_boolean (builder, "baseline", options->baseline);
  add_boolean (builder, "normalize_returns", options->normalize_returns);
  add_double (builder, "entropy_coef", options->entropy_coef);
  add_double (builder, "max_grad_norm", options->max_grad_norm);
  add_int (builder, "episodes_per_epoch", options->episodes_per_epoch);
  /* The seed's 64 bits as a signed integer: JSON readers of int64 read it
   * back to the same bits. */
  add_int (builder, "seed", (gint64) options->seed);
  json_builder_set_member_name (builder, "reward");
  json_builder_begin_object (builder);
  add_double (builder, "lambda_cost_penalty", options->reward.lambda_cost_penalty);
  add_double (builder, "gamma_discount_factor", options->reward.gamma_discount_factor);
  add_double (builder, "task_success_bonus", options->reward.task_success_bonus);
  add_double (builder, "task_failure_penalty", options->reward.task_failure_penalty);
  add_double (builder, "step_cost_scale_factor", options->reward.step_cost_scale_factor);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  /* What the state was saved for, checked when it is resumed. */
  json_builder_set_member_name (builder, "env");
  json_builder_begin_object (builder);
  add_int (builder, "max_steps", troupe_orch_env_get_max_steps (self->env));
  add_int (builder, "n_features", troupe_orch_env_get_n_features (self->env));
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "adam");
  json_builder_begin_object (builder);
  add_int (builder, "t", (gint64) self->adam.t);
  add_double_array (builder, "m", self->adam.m, self->adam.n);
  add_double_array (builder, "v", self->adam.v, self->adam.n);
  json_builder_end_object (builder);

  /* The running mean of the returns at each step index, null where no
   * epoch has reached that step yet. */
  json_builder_set_member_name (builder, "baseline");
  json_builder_begin_array (builder);
  for (guint t = 0; t < self->baseline_len; t++)
    if (self->has_baseline[t])
      json_builder_add_double_value (builder, self->baseline[t]);
    else
      json_builder_add_null_value (builder);
  json_builder_end_array (builder);

  /* xoshiro256**'s four words, as 16 hex digits each. */
  json_builder_set_member_name (builder, "rng");
  json_builder_begin_array (builder);
  for (guint i = 0; i < G_N_ELEMENTS (self->rng.s); i++)
    {
      g_autofree char *word = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", self->rng.s[i]);

      json_builder_add_string_value (builder, word);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

char *
troupe_trainer_to_json (TroupeTrainer *self)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *policy_json = NULL;
  JsonNode *root;

  g_return_val_if_fail (TROUPE_IS_TRAINER (self), NULL);

  /* The policy's own JSON, read back (its doubles round-trip exactly) so
   * the policy part stays written in one place, with "training" added. */
  policy_json = troupe_policy_to_json (self->policy);
  if (!json_parser_load_from_data (parser, policy_json, -1, NULL))
    g_return_val_if_reached (NULL);
  root = json_parser_get_root (parser);
  json_object_set_member (json_node_get_object (root), "training", training_state_to_node (self));

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}

gboolean
troupe_trainer_save (TroupeTrainer  *self,
                     const char     *path,
                     GError        **error)
{
  g_autofree char *data = NULL;

  g_return_val_if_fail (TROUPE_IS_TRAINER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  data = troupe_trainer_to_json (self);
  return g_file_set_contents (path, data, -1, error);
}

gboolean
troupe_trainer_get_state_restored (TroupeTrainer *self)
{
  g_return_val_if_fail (TROUPE_IS_TRAINER (self), FALSE);
  return self->state_restored;
}

/* The member @name of @object as a JSON value of @type (G_TYPE_DOUBLE
 * also accepts a whole number), or NULL. */
static JsonNode *
value_member (JsonObject *object,
              const char *name,
              GType       type)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;
  GType value_type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  value_type = json_node_get_value_type (node);
  if (value_type == type || (type == G_TYPE_DOUBLE && value_type == G_TYPE_INT64))
    return node;
  return NULL;
}

static JsonObject *
object_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
array_member (JsonObject *object,
              const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static gboolean
read_double (JsonObject *object,
             const char *name,
             double     *value)
{
  JsonNode *node = value_member (object, name, G_TYPE_DOUBLE);

  if (node == NULL)
    return FALSE;
  *value = json_node_get_value_type (node) == G_TYPE_INT64 ? (double) json_node_get_int (node)
                                                          : json_node_get_double (node);
  return TRUE;
}

static gboolean
read_boolean (JsonObject *object,
              const char *name,
              gboolean   *value)
{
  JsonNode *node = value_member (object, name, G_TYPE_BOOLEAN);

  if (node == NULL)
    return FALSE;
  *value = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
read_uint (JsonObject *object,
           const char *name,
           guint       min,
           guint      *value)
{
  JsonNode *node = value_member (object, name, G_TYPE_INT64);

  if (node == NULL || json_node_get_int (node) < min || json_node_get_int (node) > G_MAXUINT)
    return FALSE;
  *value = (guint) json_node_get_int (node);
  return TRUE;
}

static gboolean
read_doubles (JsonArray *array,
              double    *values,
              gboolean  *present)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (present != NULL && JSON_NODE_HOLDS_NULL (element))
        {
          values[i] = 0.0;
          present[i] = FALSE;
          continue;
        }
      if (!JSON_NODE_HOLDS_VALUE (element))
        return FALSE;
      if (json_node_get_value_type (element) == G_TYPE_DOUBLE)
        values[i] = json_node_get_double (element);
      else if (json_node_get_value_type (element) == G_TYPE_INT64)
        values[i] = (double) json_node_get_int (element);
      else
        return FALSE;
      if (present != NULL)
        present[i] = TRUE;
    }
  return TRUE;
}

static JsonObject *
training_member (JsonParser *parser,
                 const char *data)
{
  JsonNode *root;

  if (!json_parser_load_from_data (parser, data, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return object_member (json_node_get_object (root), "training");
}

static gboolean
read_options (JsonObject           *object,
              TroupeTrainerOptions *options)
{
  JsonObject *reward = object_member (object, "reward");
  JsonNode *node;
  const char *optimizer;

  troupe_trainer_options_init (options);
  node = value_member (object, "optimizer", G_TYPE_STRING);
  if (node == NULL)
    return FALSE;
  optimizer = json_node_get_string (node);
  if (g_str_equal (optimizer, "adam"))
    options->optimizer = TROUPE_OPTIMIZER_ADAM;
  else if (g_str_equal (optimizer, "sgd"))
    options->optimizer = TROUPE_OPTIMIZER_SGD;
  else
    return FALSE;

  node = value_member (object, "seed", G_TYPE_INT64);
  if (node == NULL)
    return FALSE;
  options->seed = (guint64) json_node_get_int (node);

  return read_double (object, "learning_rate", &options->learning_rate)
         && read_boolean (object, "baseline", &options->baseline)
         && read_boolean (object, "normalize_returns", &options->normalize_returns)
         && read_double (object, "entropy_coef", &options->entropy_coef)
         && read_double (object, "max_grad_norm", &options->max_grad_norm)
         && read_uint (object, "episodes_per_epoch", 1, &options->episodes_per_epoch)
         && read_double (reward, "lambda_cost_penalty", &options->reward.lambda_cost_penalty)
         && read_double (reward, "gamma_discount_factor", &options->reward.gamma_discount_factor)
         && read_double (reward, "task_success_bonus", &options->reward.task_success_bonus)
         && read_double (reward, "task_failure_penalty", &options->reward.task_failure_penalty)
         && read_double (reward, "step_cost_scale_factor", &options->reward.step_cost_scale_factor);
}

gboolean
troupe_trainer_peek_state (const char      *data,
                           guint           *n_epochs,
                           TroupeOptimizer *optimizer)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  TroupeTrainerOptions options;
  JsonObject *training;
  guint epochs;

  g_return_val_if_fail (data != NULL, FALSE);

  training = training_member (parser, data);
  if (training == NULL
      || !read_uint (training, "epochs", 0, &epochs)
      || !read_options (object_member (training, "options"), &options))
    return FALSE;

  if (n_epochs != NULL)
    *n_epochs = epochs;
  if (optimizer != NULL)
    *optimizer = options.optimizer;
  return TRUE;
}

static TroupeTrainer *
resume_failed (GError        **error,
               const char     *name,
               gint            code,
               TroupeOrchEnv  *env,
               TroupePolicy   *policy,
               const char     *format,
               ...) G_GNUC_PRINTF (6, 7);

static TroupeTrainer *
resume_failed (GError        **error,
               const char     *name,
               gint            code,
               TroupeOrchEnv  *env,
               TroupePolicy   *policy,
               const char     *format,
               ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, TROUPE_POLICY_ERROR, code, "%s: %s", name, message);
  g_clear_pointer (&policy, troupe_policy_free);
  g_clear_pointer (&env, troupe_orch_env_free);
  return NULL;
}

TroupeTrainer *
troupe_trainer_new_resume (TroupeOrchEnv               *env,
                           const char                  *data,
                           const char                  *name,
                           const TroupeTrainerOptions  *options,
                           GError                     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  TroupeTrainerOptions saved;
  TroupeTrainer *self;
  TroupePolicy *policy;
  JsonObject *training, *env_object, *adam;
  JsonArray *m, *v, *baseline, *rng;
  JsonNode *node;
  guint epochs, max_steps, n_features, n_params;
  gint64 t;
  TroupeRng state;

  g_return_val_if_fail (env != NULL, NULL);
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  policy = troupe_policy_new_from_json (data, &local_error);
  if (policy == NULL)
    return resume_failed (error, name, TROUPE_POLICY_ERROR_INVALID, env, NULL,
                          "%s", local_error->message);
  if (!troupe_orch_env_check_policy (env, policy, &local_error))
    return resume_failed (error, name, TROUPE_POLICY_ERROR_MISMATCH, env, policy,
                          "%s", local_error->message);

  training = training_member (parser, data);
  if (training == NULL)
    {
      TroupeTrainerOptions defaults;

      if (options == NULL)
        {
          troupe_trainer_options_init (&defaults);
          options = &defaults;
        }
      return troupe_trainer_new (env, policy, options);
    }

#define INVALID(what) \
  resume_failed (error, name, TROUPE_POLICY_ERROR_INVALID, env, policy, \
                 "the training state is malformed: %s; save it again with `troupe train -o FILE`", what)

  node = value_member (training, "version", G_TYPE_INT64);
  if (node == NULL || json_node_get_int (node) != TRAINING_STATE_VERSION)
    return INVALID ("its \"version\" is not 1");
  if (!read_uint (training, "epochs", 0, &epochs))
    return INVALID ("\"epochs\" is not a whole number");
  if (!read_options (object_member (training, "options"), &saved))
    return INVALID ("\"options\" lacks a setting or holds one of the wrong type");

  env_object = object_member (training, "env");
  if (!read_uint (env_object, "max_steps", 1, &max_steps)
      || !read_uint (env_object, "n_features", 0, &n_features))
    return INVALID ("\"env\" must hold \"max_steps\" and \"n_features\"");
  if (max_steps != troupe_orch_env_get_max_steps (env)
      || n_features != troupe_orch_env_get_n_features (env))
    return resume_failed (error, name, TROUPE_POLICY_ERROR_MISMATCH, env, policy,
                          "the training state was saved for an environment of %u steps and "
                          "%u features, but this one has %u steps and %u features; continue it "
                          "on the environment it was trained on",
                          max_steps, n_features, troupe_orch_env_get_max_steps (env),
                          troupe_orch_env_get_n_features (env));

  adam = object_member (training, "adam");
  node = value_member (adam, "t", G_TYPE_INT64);
  m = array_member (adam, "m");
  v = array_member (adam, "v");
  if (node == NULL || (t = json_node_get_int (node)) < 0 || m == NULL || v == NULL)
    return INVALID ("\"adam\" must hold \"t\", \"m\" and \"v\"");
  n_params = troupe_policy_get_n_params (policy);
  if (json_array_get_length (m) != n_params || json_array_get_length (v) != n_params)
    return resume_failed (error, name, TROUPE_POLICY_ERROR_MISMATCH, env, policy,
                          "the training state holds Adam moments for %u and %u parameters, "
                          "but the policy has %u; save the policy and its training state together",
                          json_array_get_length (m), json_array_get_length (v), n_params);

  baseline = array_member (training, "baseline");
  if (baseline == NULL)
    return INVALID ("\"baseline\" is not a list");
  if (json_array_get_length (baseline) != max_steps)
    return resume_failed (error, name, TROUPE_POLICY_ERROR_MISMATCH, env, policy,
                          "the training state holds a baseline for %u steps, but the "
                          "environment has %u",
                          json_array_get_length (baseline), max_steps);

  rng = array_member (training, "rng");
  if (rng == NULL || json_array_get_length (rng) != G_N_ELEMENTS (state.s))
    return INVALID ("\"rng\" must hold four words");
  for (guint i = 0; i < G_N_ELEMENTS (state.s); i++)
    {
      JsonNode *element = json_array_get_element (rng, i);
      const char *word;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING
          || strlen (word = json_node_get_string (element)) != 16
          || !g_ascii_string_to_unsigned (word, 16, 0, G_MAXUINT64, &state.s[i], NULL))
        return INVALID ("\"rng\" must hold four words of 16 hex digits");
    }

  self = troupe_trainer_new (env, policy, &saved);
  if (!read_doubles (m, self->adam.m, NULL)
      || !read_doubles (v, self->adam.v, NULL)
      || !read_doubles (baseline, self->baseline, self->has_baseline))
    {
      /* The trainer owns the environment and the policy now. */
      g_set_error (error, TROUPE_POLICY_ERROR, TROUPE_POLICY_ERROR_INVALID,
                   "%s: the training state is malformed: Adam's moments and the baseline "
                   "must hold numbers; save it again with `troupe train -o FILE`", name);
      g_object_unref (self);
      return NULL;
    }
#undef INVALID

  self->adam.t = (guint64) t;
  self->rng = state;
  self->n_epochs = epochs;
  self->state_restored = TRUE;
  return self;
}

TroupeTrainer *
troupe_trainer_load (TroupeOrchEnv               *env,
                     const char                  *path,
                     const TroupeTrainerOptions  *options,
                     GError                     **error)
{
  g_autofree char *data = NULL;

  g_return_val_if_fail (env != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &data, NULL, error))
    {
      troupe_orch_env_free (env);
      return NULL;
    }
  return troupe_trainer_new_resume (env, data, path, options, error);
}
