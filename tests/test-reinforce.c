/* test-reinforce.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "troupe.h"

static void
test_returns (void)
{
  const double rewards[] = { 1.0, 2.0, 3.0 };
  double returns[3];

  /* G_2 = 3, G_1 = 2 + 0.5 × 3, G_0 = 1 + 0.5 × 3.5. */
  troupe_reinforce_returns (rewards, 3, 0.5, returns);
  g_assert_cmpfloat (returns[2], ==, 3.0);
  g_assert_cmpfloat (returns[1], ==, 3.5);
  g_assert_cmpfloat (returns[0], ==, 2.75);

  /* γ = 1: plain sums to the end; γ = 0: the reward itself. */
  troupe_reinforce_returns (rewards, 3, 1.0, returns);
  g_assert_cmpfloat (returns[0], ==, 6.0);
  troupe_reinforce_returns (rewards, 3, 0.0, returns);
  g_assert_cmpfloat (returns[0], ==, 1.0);
}

static void
add_step (TroupeEpisode *episode,
          double         log_prob,
          double         reward)
{
  TroupeTrajectoryStep step = { 0, };

  step.log_prob = log_prob;
  step.reward = reward;
  g_array_append_val (episode->steps, step);
}

static void
test_loss (void)
{
  TroupeEpisode episodes[2];
  double loss;

  troupe_episode_init (&episodes[0]);
  troupe_episode_init (&episodes[1]);

  /* Echo then the Terminator: G_1 = 1, G_0 = −0.1 + 0.99 × 1 = 0.89;
   * a failed one-step episode: G_0 = −1.1.
   * L = −(−0.5 × 0.89 + −1.0 × 1) − (−0.25 × −1.1) = 1.445 − 0.275. */
  add_step (&episodes[0], -0.5, -0.1);
  add_step (&episodes[0], -1.0, 1.0);
  add_step (&episodes[1], -0.25, -1.1);

  loss = troupe_reinforce_loss (episodes, 2, 0.99);
  g_assert_cmpfloat (fabs (loss - 1.17), <, 1e-12);

  troupe_episode_clear (&episodes[0]);
  troupe_episode_clear (&episodes[1]);
}

static void
test_adam (void)
{
  TroupeAdam adam;
  double params[2] = { 1.0, -1.0 };
  const double g1[] = { 0.5, -2.0 };
  const double g2[] = { 1.0, 1.0 };
  double m0, v0, expected0;

  troupe_adam_init (&adam, 2, 0.1);

  /* Step 1: m = 0.1 g, v = 0.001 g², the bias corrections give back g and
   * g², so each parameter moves by lr × g / (|g| + ε). */
  troupe_adam_step (&adam, params, g1);
  g_assert_cmpfloat (fabs (params[0] - (1.0 - 0.1 * 0.5 / (0.5 + 1e-8))), <, 1e-15);
  g_assert_cmpfloat (fabs (params[1] - (-1.0 + 0.1 * 2.0 / (2.0 + 1e-8))), <, 1e-15);

  /* Step 2 on parameter 0: m = 0.9 × 0.05 + 0.1 × 1 = 0.145,
   * v = 0.999 × 0.00025 + 0.001 × 1 = 0.00124975,
   * m̂ = 0.145 / (1 − 0.81), v̂ = 0.00124975 / (1 − 0.998001). */
  troupe_adam_step (&adam, params, g2);
  m0 = 0.145 / 0.19;
  v0 = 0.00124975 / 0.001999;
  expected0 = (1.0 - 0.1 * 0.5 / (0.5 + 1e-8)) - 0.1 * m0 / (sqrt (v0) + 1e-8);
  g_assert_cmpfloat (fabs (params[0] - expected0), <, 1e-12);
  g_assert_cmpfloat (fabs (adam.m[1] - (0.9 * -0.2 + 0.1 * 1.0)), <, 1e-15);
  g_assert_cmpfloat (fabs (adam.v[1] - (0.999 * 0.004 + 0.001 * 1.0)), <, 1e-15);
  g_assert_cmpuint (adam.t, ==, 2);

  troupe_adam_clear (&adam);
}

static void
test_clip (void)
{
  double grads[2] = { 3.0, 4.0 };
  double small[2] = { 0.3, 0.4 };

  g_assert_cmpfloat (troupe_clip_grad_norm (grads, 2, 1.0), ==, 5.0);
  g_assert_cmpfloat (fabs (grads[0] - 0.6), <, 1e-6);
  g_assert_cmpfloat (fabs (grads[1] - 0.8), <, 1e-6);

  /* Under the limit nothing changes. */
  troupe_clip_grad_norm (small, 2, 1.0);
  g_assert_cmpfloat (small[0], ==, 0.3);
  g_assert_cmpfloat (small[1], ==, 0.4);
}

static void
test_step_gradient (void)
{
  const char *pool[] = { "a", "b", "c", NULL };
  const guint hidden[] = { 6, 5 };
  g_autoptr(TroupePolicy) policy = troupe_policy_new (4, hidden, 2, pool, 1, 21);
  double *params = troupe_policy_get_params (policy);
  double *grads = troupe_policy_get_grads (policy);
  g_autofree double *analytic = NULL;
  guint n = troupe_policy_get_n_params (policy);
  const double x[] = { 0.5, -0.25, 1.0, 0.75 };
  const double h = 1e-6;
  double max_error = 0.0, entropy;

  /* The trainer's per-step loss, −A log π(a|s) − β H, against central
   * finite differences, with a baseline-like negative advantage. */
  troupe_policy_zero_grad (policy);
  troupe_reinforce_step_backward (policy, x, 2, -0.8, 0.1, &entropy);
  g_assert_cmpfloat (entropy, >, 0.0);
  g_assert_cmpfloat (entropy, <=, log (3.0) + 1e-12);
  analytic = g_memdup2 (grads, sizeof (double) * n);

  for (guint i = 0; i < n; i++)
    {
      double saved = params[i];
      double plus, minus, numeric;

      params[i] = saved + h;
      plus = troupe_reinforce_step_backward (policy, x, 2, -0.8, 0.1, NULL);
      params[i] = saved - h;
      minus = troupe_reinforce_step_backward (policy, x, 2, -0.8, 0.1, NULL);
      params[i] = saved;

      numeric = (plus - minus) / (2 * h);
      max_error = MAX (max_error, fabs (numeric - analytic[i]) / MAX (1.0, fabs (numeric) + fabs (analytic[i])));
    }

  g_assert_cmpfloat (max_error, <, 1e-6);
}

static TroupeTrainer *
mvp_trainer (const TroupeTrainerOptions *options)
{
  TroupeOrchEnv *env = troupe_orch_env_new_mvp ();
  const guint hidden[] = { 32 };
  TroupePolicy *policy = troupe_policy_new (16, hidden, 1, troupe_orch_env_get_agent_names (env),
                                            TROUPE_STATE_EMBEDDING_VERSION, options->seed);

  return troupe_trainer_new (env, policy, options);
}

static TroupeTrainer *
chain_trainer (const TroupeTrainerOptions *options,
               double                     *optimal)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "policy", "chain.yaml", NULL);
  g_autoptr(TroupeDiagnostic) problem = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(GError) error = NULL;
  const guint hidden[] = { 32, 32 };
  TroupeOrchEnv *env;
  TroupePolicy *policy;

  workflow = troupe_workflow_new_from_file (path, &problem, &error);
  g_assert_no_error (error);
  env = troupe_orch_env_new_simulated (workflow, &error);
  g_assert_no_error (error);
  if (optimal != NULL)
    g_assert_true (troupe_orch_env_optimal_value (env, &options->reward, optimal));

  policy = troupe_policy_new (16, hidden, 2, troupe_orch_env_get_agent_names (env),
                              TROUPE_STATE_EMBEDDING_VERSION, options->seed);
  return troupe_trainer_new (env, policy, options);
}

static void
count_epoch_cb (TroupeTrainer          *trainer,
                const TroupeEpochStats *stats,
                guint                  *count)
{
  (*count)++;
  g_assert_cmpuint (stats->epoch, ==, *count);
  g_assert_cmpuint (stats->n_agents, ==, 2);
  g_assert_cmpuint (stats->choice_counts[0] + stats->choice_counts[1], ==,
                    (guint) (stats->mean_length * 32 + 0.5));
}

static void
test_update_rules (void)
{
  for (guint rule = 0; rule < 2; rule++)
    {
      g_autoptr(TroupeTrainer) trainer = NULL;
      g_autofree double *before = NULL;
      TroupeTrainerOptions options;
      TroupePolicy *policy;
      const double *params, *grads;
      guint n;

      troupe_trainer_options_init (&options);
      options.optimizer = rule == 0 ? TROUPE_OPTIMIZER_SGD : TROUPE_OPTIMIZER_ADAM;
      options.learning_rate = 0.05;
      trainer = mvp_trainer (&options);
      policy = troupe_trainer_get_policy (trainer);
      n = troupe_policy_get_n_params (policy);
      before = g_memdup2 (troupe_policy_get_params (policy), sizeof (double) * n);

      troupe_trainer_run_epoch (trainer);
      params = troupe_policy_get_params (policy);
      grads = troupe_policy_get_grads (policy);

      /* The gradients of the epoch stay until the next one: SGD moved each
       * parameter by −lr g, Adam's first step by −lr g / (|g| + ε). */
      for (guint i = 0; i < n; i++)
        {
          double step = rule == 0 ? 0.05 * grads[i] : 0.05 * grads[i] / (fabs (grads[i]) + 1e-8);

          g_assert_cmpfloat (fabs (params[i] - (before[i] - step)), <, 1e-12);
        }
    }
}

static void
test_signal_and_csv (void)
{
  g_autoptr(TroupeTrainer) trainer = NULL;
  TroupeTrainerOptions options;
  g_auto(GStrv) lines = NULL;
  guint count = 0;

  troupe_trainer_options_init (&options);
  trainer = mvp_trainer (&options);
  g_signal_connect (trainer, "epoch", G_CALLBACK (count_epoch_cb), &count);

  for (guint i = 0; i < 3; i++)
    {
      const TroupeEpochStats *stats = troupe_trainer_run_epoch (trainer);

      g_assert_cmpfloat (stats->success_rate, >=, 0.0);
      g_assert_cmpfloat (stats->success_rate, <=, 1.0);
      g_assert_cmpfloat (stats->mean_length, >=, 1.0);
      g_assert_cmpfloat (stats->mean_length, <=, 4.0);
      g_assert_cmpfloat (stats->std_reward, >=, 0.0);
      g_assert_cmpfloat (stats->entropy, >, 0.0);
      g_assert_cmpfloat (stats->entropy, <=, log (2.0) + 1e-12);
    }
  g_assert_cmpuint (count, ==, 3);

  lines = g_strsplit (troupe_trainer_get_csv (trainer), "\n", -1);
  g_assert_cmpstr (lines[0], ==,
                   "epoch,mean_reward,std_reward,success_rate,mean_length,loss,entropy,"
                   "choices_Agent0,choices_Agent1");
  g_assert_true (g_str_has_prefix (lines[3], "3,"));
  g_assert_cmpstr (lines[4], ==, "");
}

static char *
train_csv (gboolean simulated,
           guint64  seed,
           guint    epochs)
{
  g_autoptr(TroupeTrainer) trainer = NULL;
  TroupeTrainerOptions options;

  troupe_trainer_options_init (&options);
  options.seed = seed;
  if (simulated)
    {
      options.baseline = TRUE;
      options.normalize_returns = TRUE;
      options.entropy_coef = 0.01;
      options.max_grad_norm = 1.0;
      trainer = chain_trainer (&options, NULL);
    }
  else
    trainer = mvp_trainer (&options);

  for (guint i = 0; i < epochs; i++)
    troupe_trainer_run_epoch (trainer);

  return g_strdup (troupe_trainer_get_csv (trainer));
}

static void
test_determinism (void)
{
  g_autofree char *a = train_csv (FALSE, 7, 20);
  g_autofree char *b = train_csv (FALSE, 7, 20);
  g_autofree char *c = train_csv (FALSE, 8, 20);
  g_autofree char *d = train_csv (TRUE, 7, 20);
  g_autofree char *e = train_csv (TRUE, 7, 20);

  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
  g_assert_cmpstr (d, ==, e);
}

static void
test_mvp_learns (void)
{
  for (guint64 seed = 1; seed <= 5; seed++)
    {
      g_autoptr(TroupeTrainer) trainer = NULL;
      TroupeTrainerOptions options;
      TroupeEvaluation evaluation = { 0, };
      guint epoch, first_success = 0;

      /* The seed's plain REINFORCE: no baseline, no normalisation, no
       * entropy bonus, no clipping. */
      troupe_trainer_options_init (&options);
      options.seed = seed;
      trainer = mvp_trainer (&options);

      for (epoch = 1; epoch <= 100; epoch++)
        {
          troupe_trainer_run_epoch (trainer);
          troupe_trainer_evaluate (trainer, 1, TRUE, &evaluation);
          if (evaluation.success_rate == 1.0 && first_success == 0)
            first_success = epoch;
        }

      g_test_message ("seed %" G_GUINT64_FORMAT ": greedy success from epoch %u", seed, first_success);
      g_assert_cmpuint (first_success, >=, 1);
      g_assert_cmpfloat (evaluation.success_rate, ==, 1.0);
      /* After the 100 epochs the greedy policy terminates at once, as the
       * issue asks: reward 1.0, one step. */
      g_assert_cmpfloat (evaluation.mean_reward, ==, 1.0);

      /* And it learned it: whatever the initial weights preferred, the
       * Terminator's probability in the initial state is now high. */
      {
        double initial[16] = { 0, };
        double probs[2];

        troupe_policy_forward (troupe_trainer_get_policy (trainer), initial, NULL, probs);
        g_test_message ("seed %" G_GUINT64_FORMAT ": pi(Terminator | initial state) = %.4f",
                        seed, probs[1]);
        g_assert_cmpfloat (probs[1], >, 0.9);
      }
      g_assert_cmpfloat (evaluation.mean_length, ==, 1.0);
    }
}

static void
test_simulated_learns (void)
{
  /* A chain of three agents (architect → engineer → qa) that succeed with
   * probabilities 0.9, 0.8 and 1, and the Terminator: the optimum needs
   * retries on failure and the Terminator right after qa. The baseline and
   * the entropy bonus keep REINFORCE exploring long enough to find it. */
  for (guint64 seed = 1; seed <= 5; seed++)
    {
      g_autoptr(TroupeTrainer) trainer = NULL;
      TroupeTrainerOptions options;
      TroupeEvaluation evaluation;
      double optimal = 0.0;

      troupe_trainer_options_init (&options);
      options.seed = seed;
      options.baseline = TRUE;
      options.entropy_coef = 0.1;
      options.max_grad_norm = 1.0;
      trainer = chain_trainer (&options, &optimal);

      for (guint epoch = 0; epoch < 300; epoch++)
        troupe_trainer_run_epoch (trainer);

      troupe_trainer_evaluate (trainer, 4000, TRUE, &evaluation);
      g_test_message ("seed %" G_GUINT64_FORMAT ": optimal %.6f, greedy mean return %.6f, success %.4f",
                      seed, optimal, evaluation.mean_return, evaluation.success_rate);
      g_assert_cmpfloat (fabs (optimal - 0.5602), <, 1e-4);
      g_assert_cmpfloat (evaluation.mean_return, >=, optimal * 0.95);
      /* Monte Carlo noise can put the estimate a little above the optimum,
       * never far above. */
      g_assert_cmpfloat (evaluation.mean_return, <=, optimal * 1.05);
    }
}

/* A fresh environment like mvp_trainer()'s or chain_trainer()'s. */
static TroupeOrchEnv *
new_env (gboolean simulated)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "policy", "chain.yaml", NULL);
  g_autoptr(TroupeDiagnostic) problem = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(GError) error = NULL;
  TroupeOrchEnv *env;

  if (!simulated)
    return troupe_orch_env_new_mvp ();

  workflow = troupe_workflow_new_from_file (path, &problem, &error);
  g_assert_no_error (error);
  env = troupe_orch_env_new_simulated (workflow, &error);
  g_assert_no_error (error);
  return env;
}

static TroupeTrainer *
resume_trainer (gboolean simulated)
{
  TroupeTrainerOptions options;

  troupe_trainer_options_init (&options);
  options.seed = 3;
  options.episodes_per_epoch = 16;
  options.baseline = TRUE;
  if (simulated)
    {
      options.normalize_returns = TRUE;
      options.entropy_coef = 0.01;
      options.max_grad_norm = 1.0;
      return chain_trainer (&options, NULL);
    }
  return mvp_trainer (&options);
}

static void
test_resume_exact (void)
{
  g_autofree char *dir = g_dir_make_tmp ("troupe-resume-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "state.json", NULL);

  for (guint simulated = 0; simulated <= 1; simulated++)
    {
      g_autoptr(TroupeTrainer) straight = resume_trainer (simulated);
      g_autoptr(TroupeTrainer) first = resume_trainer (simulated);
      g_autoptr(TroupeTrainer) resumed = NULL;
      g_autoptr(TroupePolicy) plain = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GString) csv = NULL;
      g_autofree char *straight_json = NULL;
      g_autofree char *resumed_json = NULL;
      g_autofree char *straight_policy = NULL;
      g_autofree char *resumed_policy = NULL;
      g_autofree char *plain_policy = NULL;
      g_autofree char *first_policy = NULL;
      TroupeTrainerOptions other;
      TroupeEvaluation a, b;
      guint n_epochs = 0;
      TroupeOptimizer optimizer = TROUPE_OPTIMIZER_SGD;
      g_autofree char *data = NULL;

      for (guint e = 0; e < 40; e++)
        troupe_trainer_run_epoch (straight);
      for (guint e = 0; e < 20; e++)
        troupe_trainer_run_epoch (first);
      g_assert_true (troupe_trainer_save (first, path, &error));
      g_assert_no_error (error);

      g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
      g_assert_true (troupe_trainer_peek_state (data, &n_epochs, &optimizer));
      g_assert_cmpuint (n_epochs, ==, 20);
      g_assert_cmpint (optimizer, ==, TROUPE_OPTIMIZER_ADAM);

      /* troupe_policy_load() reads the policy and ignores the state. */
      plain = troupe_policy_load (path, &error);
      g_assert_no_error (error);
      plain_policy = troupe_policy_to_json (plain);
      first_policy = troupe_policy_to_json (troupe_trainer_get_policy (first));
      g_assert_cmpstr (plain_policy, ==, first_policy);

      /* The saved settings win over the ones passed. */
      troupe_trainer_options_init (&other);
      other.seed = 99;
      other.learning_rate = 0.5;
      resumed = troupe_trainer_load (new_env (simulated), path, &other, &error);
      g_assert_no_error (error);
      g_assert_true (troupe_trainer_get_state_restored (resumed));
      g_assert_cmpuint (troupe_trainer_get_n_epochs (resumed), ==, 20);
      g_assert_cmpuint (troupe_trainer_get_options (resumed)->seed, ==, 3);
      for (guint e = 0; e < 20; e++)
        troupe_trainer_run_epoch (resumed);

      /* The first 20 rows, then the resumed trainer's rows (numbered from
       * 21), are the 40 epochs' CSV byte for byte. */
      csv = g_string_new (troupe_trainer_get_csv (first));
      g_string_append (csv, strchr (troupe_trainer_get_csv (resumed), '\n') + 1);
      g_assert_cmpstr (csv->str, ==, troupe_trainer_get_csv (straight));

      straight_policy = troupe_policy_to_json (troupe_trainer_get_policy (straight));
      resumed_policy = troupe_policy_to_json (troupe_trainer_get_policy (resumed));
      g_assert_cmpstr (resumed_policy, ==, straight_policy);
      /* So is the whole training state, Adam's moments included. */
      straight_json = troupe_trainer_to_json (straight);
      resumed_json = troupe_trainer_to_json (resumed);
      g_assert_cmpstr (resumed_json, ==, straight_json);

      troupe_trainer_evaluate (straight, 200, TRUE, &a);
      troupe_trainer_evaluate (resumed, 200, TRUE, &b);
      g_assert_cmpfloat (a.mean_return, ==, b.mean_return);
    }

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_resume_fresh (void)
{
  g_autofree char *dir = g_dir_make_tmp ("troupe-resume-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "policy.json", NULL);
  g_autoptr(TroupeTrainer) first = resume_trainer (FALSE);
  g_autoptr(TroupeTrainer) resumed = NULL;
  g_autoptr(TroupeTrainer) direct = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  TroupeTrainerOptions options;

  for (guint e = 0; e < 5; e++)
    troupe_trainer_run_epoch (first);
  /* A bare policy, as written before training states existed. */
  g_assert_true (troupe_policy_save (troupe_trainer_get_policy (first), path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  g_assert_false (troupe_trainer_peek_state (data, NULL, NULL));

  troupe_trainer_options_init (&options);
  options.seed = 11;
  options.episodes_per_epoch = 8;
  resumed = troupe_trainer_load (troupe_orch_env_new_mvp (), path, &options, &error);
  g_assert_no_error (error);
  g_assert_false (troupe_trainer_get_state_restored (resumed));
  g_assert_cmpuint (troupe_trainer_get_n_epochs (resumed), ==, 0);
  g_assert_cmpuint (troupe_trainer_get_options (resumed)->seed, ==, 11);

  /* It is a trainer made afresh for the loaded policy. */
  direct = troupe_trainer_new (troupe_orch_env_new_mvp (), troupe_policy_load (path, &error), &options);
  g_assert_no_error (error);
  for (guint e = 0; e < 5; e++)
    {
      troupe_trainer_run_epoch (resumed);
      troupe_trainer_run_epoch (direct);
    }
  g_assert_cmpstr (troupe_trainer_get_csv (resumed), ==, troupe_trainer_get_csv (direct));

  g_unlink (path);
  g_rmdir (dir);
}

static void
expect_refused (TroupeOrchEnv *env,
                const char    *path,
                gint           code,
                const char    *words)
{
  g_autoptr(GError) error = NULL;
  TroupeTrainer *trainer = troupe_trainer_load (env, path, NULL, &error);

  g_assert_null (trainer);
  g_assert_error (error, TROUPE_POLICY_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (strstr (error->message, words));
}

static void
test_resume_mismatch (void)
{
  g_autofree char *dir = g_dir_make_tmp ("troupe-resume-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "state.json", NULL);
  g_autoptr(TroupeTrainer) first = resume_trainer (FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *edited = NULL;
  TroupeOrchEnv *env;
  char *at;

  for (guint e = 0; e < 3; e++)
    troupe_trainer_run_epoch (first);
  g_assert_true (troupe_trainer_save (first, path, &error));
  g_assert_no_error (error);
  data = troupe_trainer_to_json (first);

  /* Other agents. */
  expect_refused (new_env (TRUE), path, TROUPE_POLICY_ERROR_MISMATCH, "[Agent0, Agent1]");

  /* Another step limit. */
  env = troupe_orch_env_new_mvp ();
  troupe_orch_env_set_max_steps (env, troupe_orch_env_get_max_steps (env) + 3);
  expect_refused (env, path, TROUPE_POLICY_ERROR_MISMATCH, "saved for an environment of 4 steps");

  /* Adam's moments for another parameter count. */
  at = strstr (data, "\"m\" : [");
  g_assert_nonnull (at);
  edited = g_strdup_printf ("%.*s\"m\" : [0.5,%s", (int) (at - data), data, at + strlen ("\"m\" : ["));
  g_assert_true (g_file_set_contents (path, edited, -1, NULL));
  expect_refused (troupe_orch_env_new_mvp (), path, TROUPE_POLICY_ERROR_MISMATCH, "Adam moments");

  /* A malformed state. */
  g_clear_pointer (&edited, g_free);
  at = strstr (data, "\"rng\" : [");
  g_assert_nonnull (at);
  edited = g_strdup_printf ("%.*s\"rng\" : [\"zz\",%s", (int) (at - data), data, at + strlen ("\"rng\" : ["));
  g_assert_true (g_file_set_contents (path, edited, -1, NULL));
  expect_refused (troupe_orch_env_new_mvp (), path, TROUPE_POLICY_ERROR_INVALID, "\"rng\"");
  /* … which troupe_policy_load() does not read. */
  {
    g_autoptr(TroupePolicy) policy = troupe_policy_load (path, &error);

    g_assert_no_error (error);
    g_assert_nonnull (policy);
  }

  g_unlink (path);
  g_rmdir (dir);
}

static char *
run_troupe_err (const char * const  *args,
                int                 *exit_status,
                char               **err_out)
{
  const char *build_root = g_getenv ("TROUPE_BUILD_ROOT");
  g_autofree char *troupe = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int wait_status;

  g_assert_nonnull (build_root);
  troupe = g_build_filename (build_root, "src", "cli", "troupe", NULL);
  g_ptr_array_add (argv, troupe);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &out, &err, &wait_status, &error);
  g_assert_no_error (error);
  *exit_status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
  if (err_out != NULL)
    *err_out = g_steal_pointer (&err);
  return out;
}

static char *
run_troupe (const char * const *args,
            int                *exit_status)
{
  return run_troupe_err (args, exit_status, NULL);
}

static void
test_cli (void)
{
  g_autofree char *dir = g_dir_make_tmp ("troupe-train-XXXXXX", NULL);
  g_autofree char *policy_path = g_build_filename (dir, "policy.json", NULL);
  g_autofree char *stats_path = g_build_filename (dir, "stats.csv", NULL);
  g_autofree char *half_path = g_build_filename (dir, "half.json", NULL);
  g_autofree char *resumed_path = g_build_filename (dir, "resumed.json", NULL);
  g_autofree char *straight_path = g_build_filename (dir, "straight.json", NULL);
  g_autofree char *resumed_stats_path = g_build_filename (dir, "resumed.csv", NULL);
  g_autofree char *straight_stats_path = g_build_filename (dir, "straight.csv", NULL);
  g_autofree char *chain = g_test_build_filename (G_TEST_DIST, "data", "policy", "chain.yaml", NULL);
  g_autofree char *out = NULL;
  g_autofree char *csv = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  {
    const char *args[] = { "train", "--epochs", "3", "--seed", "4", "--eval", "10",
                           "-o", policy_path, "--stats", stats_path, NULL };

    out = run_troupe (args, &status);
    g_assert_cmpint (status, ==, 0);
    lines = g_strsplit (out, "\n", -1);
    g_assert_true (g_str_has_prefix (lines[0], "epoch    1  reward"));
    g_assert_true (g_str_has_prefix (lines[2], "epoch    3  reward"));
    g_assert_true (g_str_has_prefix (lines[3], "Greedy evaluation over 10 episodes: success rate"));
    g_assert_cmpstr (lines[4], ==, "Optimal expected discounted return (value iteration): 1.0000");
  }

  g_assert_true (g_file_get_contents (stats_path, &csv, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&lines, g_strfreev);
  lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  g_assert_true (g_str_has_prefix (lines[3], "3,"));

  {
    const char *args[] = { "policy", "show", policy_path, NULL };

    g_clear_pointer (&out, g_free);
    out = run_troupe (args, &status);
    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (out, "Agents:          Agent0, Agent1\n"));
    g_assert_nonnull (strstr (out, "Layers:          16 -> 32 -> 2"));
  }

  {
    const char *args[] = { "train", chain, "--epochs", "2", "--hidden", "8,8", "--baseline",
                           "--entropy", "0.1", "--clip", "1", "--eval", "10", NULL };

    g_clear_pointer (&out, g_free);
    out = run_troupe (args, &status);
    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (out, "Optimal expected discounted return (value iteration): 0.5602\n"));
  }

  /* Continuing the MVP's policy on the chain's agents is refused, naming
   * both pools; continuing it on the MVP works. */
  {
    const char *args[] = { "train", chain, "--init", policy_path, NULL };
    g_autofree char *err = NULL;

    g_clear_pointer (&out, g_free);
    out = run_troupe_err (args, &status, &err);
    g_assert_cmpint (status, ==, 1);
    g_assert_nonnull (strstr (err, "[Agent0, Agent1]"));
    g_assert_nonnull (strstr (err, "[architect, engineer, qa, Terminator]"));
  }
  {
    const char *args[] = { "train", "--init", policy_path, "--epochs", "1", "--eval", "5", NULL };

    g_clear_pointer (&out, g_free);
    out = run_troupe (args, &status);
    g_assert_cmpint (status, ==, 0);
  }

  /* Two epochs, saved, then two more from the file are four epochs
   * straight: the same policy file and the same statistics. */
  {
    const char *first[] = { "train", "--epochs", "2", "--episodes", "8", "--baseline", "--seed", "6",
                            "--eval", "5", "-o", half_path, "--stats", stats_path, NULL };
    const char *second[] = { "train", "--epochs", "2", "--init", half_path, "--eval", "5",
                             "-o", resumed_path, "--stats", resumed_stats_path, NULL };
    const char *straight[] = { "train", "--epochs", "4", "--episodes", "8", "--baseline", "--seed", "6",
                               "--eval", "5", "-o", straight_path, "--stats", straight_stats_path, NULL };
    const char *show[] = { "policy", "show", resumed_path, NULL };
    g_autofree char *resumed = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *first_csv = NULL;
    g_autofree char *second_csv = NULL;
    g_autofree char *straight_csv = NULL;
    g_autofree char *joined = NULL;

    g_clear_pointer (&out, g_free);
    out = run_troupe (first, &status);
    g_assert_cmpint (status, ==, 0);
    g_clear_pointer (&out, g_free);
    out = run_troupe (second, &status);
    g_assert_cmpint (status, ==, 0);
    g_assert_true (g_str_has_prefix (out, "Resuming the training state of "));
    g_assert_nonnull (strstr (out, "at epoch 2 (optimizer state restored"));
    g_assert_nonnull (strstr (out, "\nepoch    3  reward"));
    g_clear_pointer (&out, g_free);
    out = run_troupe (straight, &status);
    g_assert_cmpint (status, ==, 0);

    g_assert_true (g_file_get_contents (resumed_path, &resumed, NULL, NULL));
    g_assert_true (g_file_get_contents (straight_path, &expected, NULL, NULL));
    g_assert_cmpstr (resumed, ==, expected);
    g_assert_true (g_file_get_contents (stats_path, &first_csv, NULL, NULL));
    g_assert_true (g_file_get_contents (resumed_stats_path, &second_csv, NULL, NULL));
    g_assert_true (g_file_get_contents (straight_stats_path, &straight_csv, NULL, NULL));
    joined = g_strconcat (first_csv, strchr (second_csv, '\n') + 1, NULL);
    g_assert_cmpstr (joined, ==, straight_csv);

    g_clear_pointer (&out, g_free);
    out = run_troupe (show, &status);
    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (out, "Training state:  epoch 4, Adam\n"));
  }

  {
    const char *args[] = { "train", "--env", "simulated", NULL };

    g_clear_pointer (&out, g_free);
    out = run_troupe (args, &status);
    g_assert_cmpint (status, ==, 2);
  }

  g_unlink (policy_path);
  g_unlink (stats_path);
  g_unlink (half_path);
  g_unlink (resumed_path);
  g_unlink (straight_path);
  g_unlink (resumed_stats_path);
  g_unlink (straight_stats_path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/troupe/reinforce/returns", test_returns);
  g_test_add_func ("/troupe/reinforce/loss", test_loss);
  g_test_add_func ("/troupe/reinforce/adam", test_adam);
  g_test_add_func ("/troupe/reinforce/clip", test_clip);
  g_test_add_func ("/troupe/reinforce/step-gradient", test_step_gradient);
  g_test_add_func ("/troupe/reinforce/update-rules", test_update_rules);
  g_test_add_func ("/troupe/reinforce/signal-and-csv", test_signal_and_csv);
  g_test_add_func ("/troupe/reinforce/determinism", test_determinism);
  g_test_add_func ("/troupe/reinforce/mvp-learns", test_mvp_learns);
  g_test_add_func ("/troupe/reinforce/simulated-learns", test_simulated_learns);
  g_test_add_func ("/troupe/reinforce/resume-exact", test_resume_exact);
  g_test_add_func ("/troupe/reinforce/resume-fresh", test_resume_fresh);
  g_test_add_func ("/troupe/reinforce/resume-mismatch", test_resume_mismatch);
  g_test_add_func ("/troupe/reinforce/cli", test_cli);

  return g_test_run ();
}
