/* test-orchestration-env.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include "troupe.h"

static TroupeWorkflow *
load_workflow (const char *yaml)
{
  g_autoptr(TroupeDiagnostic) problem = NULL;
  g_autoptr(GError) error = NULL;
  TroupeWorkflow *workflow;

  workflow = troupe_workflow_new_from_data (yaml, -1, TROUPE_FILE_FORMAT_YAML, "test.yaml",
                                            &problem, &error);
  g_assert_no_error (error);
  g_assert_null (problem);
  g_assert_nonnull (workflow);
  return workflow;
}

static TroupeWorkflow *
load_chain (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "policy", "chain.yaml", NULL);
  g_autoptr(TroupeDiagnostic) problem = NULL;
  g_autoptr(GError) error = NULL;
  TroupeWorkflow *workflow;

  workflow = troupe_workflow_new_from_file (path, &problem, &error);
  g_assert_no_error (error);
  g_assert_null (problem);
  return workflow;
}

/* A policy without hidden layers whose only weights are @bias on the
 * output units and @weight from feature 0 (the step fraction) to @unit:
 * it makes scripted choices that the tests can predict. */
static TroupePolicy *
scripted_policy (const TroupeOrchEnv *env,
                 const double        *bias,
                 guint                unit,
                 double               weight)
{
  guint n = troupe_orch_env_get_n_agents (env);
  guint dim = troupe_orch_env_get_n_features (env);
  TroupePolicy *policy = troupe_policy_new (dim, NULL, 0, troupe_orch_env_get_agent_names (env),
                                            TROUPE_STATE_EMBEDDING_VERSION, 1);
  double *params = troupe_policy_get_params (policy);

  memset (params, 0, sizeof (double) * troupe_policy_get_n_params (policy));
  for (guint i = 0; i < n; i++)
    params[(gsize) n * dim + i] = bias[i];
  params[(gsize) unit * dim + 0] = weight;
  return policy;
}

static double
step_reward (const TroupeEpisode *episode,
             guint                t)
{
  return g_array_index (episode->steps, TroupeTrajectoryStep, t).reward;
}

static guint
step_agent (const TroupeEpisode *episode,
            guint                t)
{
  return g_array_index (episode->steps, TroupeTrajectoryStep, t).agent_index;
}

static void
test_reward_defaults (void)
{
  TroupeRewardConfig config;

  troupe_reward_config_init (&config);
  /* The seed's task 0.5.1 defaults. */
  g_assert_cmpfloat (config.lambda_cost_penalty, ==, 0.1);
  g_assert_cmpfloat (config.gamma_discount_factor, ==, 0.99);
  g_assert_cmpfloat (config.task_success_bonus, ==, 1.0);
  g_assert_cmpfloat (config.task_failure_penalty, ==, -1.0);
  g_assert_cmpfloat (config.step_cost_scale_factor, ==, 1.0);
}

static void
test_reward_cases (void)
{
  TroupeRewardConfig config = { 0.5, 0.9, 2.0, -3.0, 2.0 };
  TroupeRewardConfig defaults;
  TroupeAgentOutput output = { "x", 3.0, { TRUE, -1 } };

  /* Terminal and successful: bonus − λ × cost × scale = 2 − 0.5 × 3 × 2. */
  g_assert_cmpfloat (troupe_calculate_reward (&output, TRUE, TRUE, &config), ==, 2.0 - 3.0);
  /* Terminal and failed: penalty − λ × cost × scale = −3 − 3. */
  g_assert_cmpfloat (troupe_calculate_reward (&output, TRUE, FALSE, &config), ==, -6.0);
  /* Not terminal: − λ × cost × scale, whatever task_was_successful says. */
  g_assert_cmpfloat (troupe_calculate_reward (&output, FALSE, FALSE, &config), ==, -3.0);
  g_assert_cmpfloat (troupe_calculate_reward (&output, FALSE, TRUE, &config), ==, -3.0);

  /* A free action changes nothing but the terminal bonus. */
  output.cost = 0.0;
  g_assert_cmpfloat (troupe_calculate_reward (&output, TRUE, TRUE, &config), ==, 2.0);
  g_assert_cmpfloat (troupe_calculate_reward (&output, FALSE, TRUE, &config), ==, 0.0);

  /* The defaults, as the MVP uses them: Echo costs 0.1 per step. */
  troupe_reward_config_init (&defaults);
  output.cost = 1.0;
  g_assert_cmpfloat (troupe_calculate_reward (&output, FALSE, FALSE, &defaults), ==, -0.1 * 1.0 * 1.0);
  g_assert_cmpfloat (troupe_calculate_reward (&output, TRUE, FALSE, &defaults), ==, -1.0 - 0.1 * 1.0 * 1.0);
  g_assert_cmpfloat (troupe_calculate_reward (&output, TRUE, TRUE, &defaults), ==, 1.0 - 0.1 * 1.0 * 1.0);
}

static void
test_mvp_structure (void)
{
  g_autoptr(TroupeOrchEnv) env = troupe_orch_env_new_mvp ();
  const char *expected[] = { "Agent0", "Agent1", NULL };
  const TroupeOrchAgent *echo, *terminator;
  TroupeSystemState state;
  TroupeAgentOutput output = { 0, };

  g_assert_true (g_strv_equal (troupe_orch_env_get_agent_names (env), expected));
  g_assert_cmpuint (troupe_orch_env_get_max_steps (env), ==, 4);
  g_assert_cmpuint (troupe_orch_env_get_n_steps (env), ==, 0);

  echo = troupe_orch_env_get_agent (env, 0);
  terminator = troupe_orch_env_get_agent (env, 1);
  g_assert_cmpint (echo->kind, ==, TROUPE_ORCH_AGENT_ECHO);
  g_assert_cmpint (terminator->kind, ==, TROUPE_ORCH_AGENT_TERMINATOR);

  troupe_system_state_init (&state, env);
  g_assert_cmpuint (state.max_steps, ==, 4);
  g_assert_cmpuint (state.current_step, ==, 0);

  /* Echo returns the task specification at cost 1.0; the Terminator
   * returns "TERMINATE" at cost 0. */
  echo->execute (echo, env, &state, NULL, &output);
  g_assert_cmpstr (output.content, ==, state.task_specification);
  g_assert_cmpfloat (output.cost, ==, 1.0);
  terminator->execute (terminator, env, &state, NULL, &output);
  g_assert_cmpstr (output.content, ==, "TERMINATE");
  g_assert_cmpfloat (output.cost, ==, 0.0);

  troupe_system_state_clear (&state);
}

static void
test_mvp_episodes (void)
{
  g_autoptr(TroupeOrchEnv) env = troupe_orch_env_new_mvp ();
  TroupeRewardConfig config;
  TroupeEpisode episode;
  TroupeRng rng;

  troupe_reward_config_init (&config);
  troupe_rng_init (&rng, 7);
  troupe_episode_init (&episode);

  /* Always the Terminator: one step, success, reward 1.0. */
  {
    const double bias[] = { 0.0, 5.0 };
    g_autoptr(TroupePolicy) policy = scripted_policy (env, bias, 0, 0.0);

    troupe_orch_env_run_episode (env, policy, &config, &rng, TRUE, &episode);
    g_assert_cmpuint (episode.steps->len, ==, 1);
    g_assert_true (episode.task_successful);
    g_assert_cmpfloat (step_reward (&episode, 0), ==, 1.0);
    g_assert_true (g_array_index (episode.steps, TroupeTrajectoryStep, 0).is_terminal_step);
    g_assert_null (g_array_index (episode.steps, TroupeTrajectoryStep, 0).next_state_embedding);
  }

  /* Always Echo: max_steps reached, failure: −0.1 × 3, then −1 − 0.1. */
  {
    const double bias[] = { 5.0, 0.0 };
    g_autoptr(TroupePolicy) policy = scripted_policy (env, bias, 0, 0.0);

    troupe_orch_env_run_episode (env, policy, &config, &rng, TRUE, &episode);
    g_assert_cmpuint (episode.steps->len, ==, 4);
    g_assert_false (episode.task_successful);
    for (guint t = 0; t < 3; t++)
      {
        g_assert_cmpuint (step_agent (&episode, t), ==, 0);
        g_assert_cmpfloat (step_reward (&episode, t), ==, -0.1);
      }
    g_assert_cmpfloat (step_reward (&episode, 3), ==, -1.0 - 0.1);
    g_assert_cmpfloat (fabs (episode.total_undiscounted_reward - (-1.4)), <, 1e-12);
  }

  /* Echo twice, then the Terminator at the third action: current_step is 3
   * < 4 after it, so the task succeeds. The Terminator's logit is
   * 10 × step fraction − 4.5, positive from step fraction 0.5 on. */
  {
    const double bias[] = { 0.0, -4.5 };
    g_autoptr(TroupePolicy) policy = scripted_policy (env, bias, 1, 10.0);

    troupe_orch_env_run_episode (env, policy, &config, &rng, TRUE, &episode);
    g_assert_cmpuint (episode.steps->len, ==, 3);
    g_assert_cmpuint (step_agent (&episode, 2), ==, 1);
    g_assert_true (episode.task_successful);
    g_assert_cmpfloat (step_reward (&episode, 2), ==, 1.0);
  }

  /* Echo three times, then the Terminator as the fourth action: the
   * current step is then 4 = max_steps, so by the seed's heuristic the
   * task failed even though the Terminator ended it. */
  {
    const double bias[] = { 0.0, -7.0 };
    g_autoptr(TroupePolicy) policy = scripted_policy (env, bias, 1, 10.0);

    troupe_orch_env_run_episode (env, policy, &config, &rng, TRUE, &episode);
    g_assert_cmpuint (episode.steps->len, ==, 4);
    g_assert_cmpuint (step_agent (&episode, 3), ==, 1);
    g_assert_false (episode.task_successful);
    g_assert_cmpfloat (step_reward (&episode, 3), ==, -1.0);
  }

  troupe_episode_clear (&episode);
}

static void
test_embedding (void)
{
  g_autoptr(TroupeOrchEnv) env = troupe_orch_env_new_mvp ();
  const double bias[] = { 5.0, 0.0 };
  g_autoptr(TroupePolicy) policy = NULL;
  TroupeRewardConfig config;
  TroupeEpisode episode;
  const TroupeTrajectoryStep *step;
  double embedding[16];
  TroupeSystemState state;
  TroupeRng rng;

  g_assert_cmpuint (troupe_orch_env_get_n_features (env), ==, 9);

  troupe_system_state_init (&state, env);
  troupe_orch_env_embed_state (env, &state, embedding, 16);
  for (guint i = 0; i < 16; i++)
    g_assert_cmpfloat (embedding[i], ==, 0.0);
  troupe_system_state_clear (&state);

  troupe_reward_config_init (&config);
  policy = scripted_policy (env, bias, 0, 0.0);
  troupe_episode_init (&episode);
  troupe_rng_init (&rng, 1);
  troupe_orch_env_run_episode (env, policy, &config, &rng, TRUE, &episode);

  /* After two Echo actions: step fraction 2/4, Echo acted 2/4, Echo last,
   * it succeeded, cost so far 2 / 4. */
  step = &g_array_index (episode.steps, TroupeTrajectoryStep, 2);
  g_assert_cmpfloat (step->state_embedding[0], ==, 0.5);
  g_assert_cmpfloat (step->state_embedding[1], ==, 0.5);
  g_assert_cmpfloat (step->state_embedding[2], ==, 0.0);
  g_assert_cmpfloat (step->state_embedding[3], ==, 1.0);
  g_assert_cmpfloat (step->state_embedding[4], ==, 0.0);
  g_assert_cmpfloat (step->state_embedding[5], ==, 1.0);
  g_assert_cmpfloat (step->state_embedding[6], ==, 0.5);
  /* The previous step's next state is this step's state. */
  g_assert_true (g_array_index (episode.steps, TroupeTrajectoryStep, 1).next_state_embedding
                 == step->state_embedding);

  troupe_episode_clear (&episode);
}

static void
test_mvp_optimal (void)
{
  g_autoptr(TroupeOrchEnv) env = troupe_orch_env_new_mvp ();
  TroupeRewardConfig config;
  double value = 0.0;

  troupe_reward_config_init (&config);
  g_assert_true (troupe_orch_env_optimal_value (env, &config, &value));
  /* Terminating at once is worth the bonus, 1.0. */
  g_assert_cmpfloat (value, ==, 1.0);

  /* With a huge success bonus and Echo free, still 1 step is best. */
  config.lambda_cost_penalty = 0.0;
  g_assert_true (troupe_orch_env_optimal_value (env, &config, &value));
  g_assert_cmpfloat (value, ==, 1.0);
}

static void
test_simulated_from_workflow (void)
{
  g_autoptr(TroupeWorkflow) workflow = load_chain ();
  g_autoptr(TroupeOrchEnv) env = NULL;
  g_autoptr(GError) error = NULL;
  const char *expected[] = { "architect", "engineer", "qa", "Terminator", NULL };

  env = troupe_orch_env_new_simulated (workflow, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_equal (troupe_orch_env_get_agent_names (env), expected));
  g_assert_cmpuint (troupe_orch_env_get_n_steps (env), ==, 3);
  g_assert_cmpstr (troupe_orch_env_get_step_id (env, 1), ==, "build");
  g_assert_cmpuint (troupe_orch_env_get_max_steps (env), ==, 8);
  g_assert_cmpfloat (troupe_orch_env_get_agent (env, 0)->success, ==, 0.9);
  g_assert_cmpfloat (troupe_orch_env_get_agent (env, 1)->cost, ==, 2.0);
  g_assert_cmpfloat (troupe_orch_env_get_agent (env, 2)->cost, ==, 0.5);
  g_assert_cmpint (troupe_orch_env_get_agent (env, 3)->kind, ==, TROUPE_ORCH_AGENT_TERMINATOR);
}

static void
test_simulated_defaults_and_errors (void)
{
  g_autoptr(TroupeWorkflow) plain = load_workflow (
    "agents:\n  a: {}\n  b: {}\n"
    "steps:\n  one: {agent: a, prompt: x}\n  two: {agent: b, prompt: x, needs: [one]}\n");
  g_autoptr(TroupeWorkflow) bad = load_workflow (
    "context:\n  sim.a.success: \"1.5\"\n"
    "agents:\n  a: {}\nsteps:\n  one: {agent: a, prompt: x}\n");
  g_autoptr(TroupeWorkflow) none = load_workflow ("steps:\n  one: {command: [true]}\n");
  g_autoptr(TroupeOrchEnv) env = NULL;
  g_autoptr(GError) error = NULL;

  env = troupe_orch_env_new_simulated (plain, &error);
  g_assert_no_error (error);
  /* Defaults: cost 1, success 1, max_steps 2 × 2 + 2. */
  g_assert_cmpfloat (troupe_orch_env_get_agent (env, 0)->cost, ==, 1.0);
  g_assert_cmpfloat (troupe_orch_env_get_agent (env, 1)->success, ==, 1.0);
  g_assert_cmpuint (troupe_orch_env_get_max_steps (env), ==, 6);

  g_assert_null (troupe_orch_env_new_simulated (bad, &error));
  g_assert_error (error, TROUPE_ORCHESTRATION_ERROR, TROUPE_ORCHESTRATION_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "sim.a.success"));
  g_assert_nonnull (strstr (error->message, "1.5"));
  g_clear_error (&error);

  g_assert_null (troupe_orch_env_new_simulated (none, &error));
  g_assert_error (error, TROUPE_ORCHESTRATION_ERROR, TROUPE_ORCHESTRATION_ERROR_UNSUPPORTED);
}

static void
test_simulated_episodes (void)
{
  g_autoptr(TroupeWorkflow) workflow = load_workflow (
    "context:\n  sim.a.cost: \"2\"\n  sim.b.cost: \"1\"\n"
    "agents:\n  a: {}\n  b: {}\n"
    "steps:\n  one: {agent: a, prompt: x}\n  two: {agent: b, prompt: x, needs: [one]}\n");
  g_autoptr(TroupeOrchEnv) env = NULL;
  g_autoptr(GError) error = NULL;
  TroupeRewardConfig config;
  TroupeEpisode episode;
  TroupeRng rng;

  env = troupe_orch_env_new_simulated (workflow, &error);
  g_assert_no_error (error);
  troupe_reward_config_init (&config);
  troupe_rng_init (&rng, 3);
  troupe_episode_init (&episode);

  /* Always b: its step needs `one`, so every action is out of order: it
   * pays its cost, completes nothing, and the task fails at max_steps. */
  {
    const double bias[] = { 0.0, 5.0, 0.0 };
    g_autoptr(TroupePolicy) policy = scripted_policy (env, bias, 0, 0.0);

    troupe_orch_env_run_episode (env, policy, &config, &rng, TRUE, &episode);
    g_assert_cmpuint (episode.steps->len, ==, 6);
    g_assert_false (episode.task_successful);
    g_assert_cmpfloat (step_reward (&episode, 0), ==, -0.1);
    g_assert_cmpfloat (step_reward (&episode, 5), ==, -1.0 - 0.1);
    /* The "last output succeeded" feature stays 0. */
    g_assert_cmpfloat (g_array_index (episode.steps, TroupeTrajectoryStep, 1).state_embedding[1 + 2 * 3], ==, 0.0);
  }

  /* a, then b, then the Terminator: the logits favour a at first, b once
   * a's step is done, the Terminator once b's is (the done-fraction
   * features, 3 + 2N + i, drive them). */
  {
    guint dim = troupe_orch_env_get_n_features (env);
    g_autoptr(TroupePolicy) policy = NULL;
    double *params;
    const double bias[] = { 1.0, 0.0, 0.0 };

    policy = scripted_policy (env, bias, 0, 0.0);
    params = troupe_policy_get_params (policy);
    params[0 * dim + 9] = -10.0;   /* a's done fraction turns a off */
    params[1 * dim + 9] = 5.0;     /* …and b on */
    params[1 * dim + 10] = -20.0;  /* b's done fraction turns b off */
    params[2 * dim + 10] = 10.0;   /* …and the Terminator on */

    troupe_orch_env_run_episode (env, policy, &config, &rng, TRUE, &episode);
    g_assert_cmpuint (episode.steps->len, ==, 3);
    g_assert_cmpuint (step_agent (&episode, 0), ==, 0);
    g_assert_cmpuint (step_agent (&episode, 1), ==, 1);
    g_assert_cmpuint (step_agent (&episode, 2), ==, 2);
    g_assert_true (episode.task_successful);
    g_assert_cmpfloat (step_reward (&episode, 0), ==, -0.1 * 2.0);
    g_assert_cmpfloat (step_reward (&episode, 1), ==, -0.1);
    g_assert_cmpfloat (step_reward (&episode, 2), ==, 1.0);
  }

  troupe_episode_clear (&episode);
}

static void
test_simulated_optimal (void)
{
  g_autoptr(TroupeWorkflow) certain = load_workflow (
    "agents:\n  a: {}\n  b: {}\n"
    "steps:\n  one: {agent: a, prompt: x}\n  two: {agent: b, prompt: x, needs: [one]}\n");
  g_autoptr(TroupeWorkflow) coin = load_workflow (
    "context:\n  sim.a.success: \"0.5\"\n  sim.max_steps: \"2\"\n"
    "agents:\n  a: {}\nsteps:\n  one: {agent: a, prompt: x}\n");
  g_autoptr(TroupeOrchEnv) env = NULL;
  g_autoptr(GError) error = NULL;
  TroupeRewardConfig config;
  double value;

  troupe_reward_config_init (&config);

  /* Deterministic: a, b, Terminator: −0.1 − 0.99 × 0.1 + 0.99² × 1. */
  env = troupe_orch_env_new_simulated (certain, &error);
  g_assert_no_error (error);
  g_assert_true (troupe_orch_env_optimal_value (env, &config, &value));
  g_assert_cmpfloat (fabs (value - (-0.1 - 0.99 * 0.1 + 0.99 * 0.99 * 1.0)), <, 1e-12);
  g_clear_pointer (&env, troupe_orch_env_free);

  /* One step that succeeds half the time, two actions at most; success is
   * the step done when the episode ends. At t = 1: done → the Terminator,
   * 1.0; not done → a, 0.5 × 0.9 + 0.5 × (−1.1) = −0.1 (better than the
   * Terminator's −1). At t = 0: a is worth
   * −0.1 + 0.99 × (0.5 × 1.0 + 0.5 × (−0.1)) = 0.3455. */
  env = troupe_orch_env_new_simulated (coin, &error);
  g_assert_no_error (error);
  g_assert_true (troupe_orch_env_optimal_value (env, &config, &value));
  g_assert_cmpfloat (fabs (value - 0.3455), <, 1e-12);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/troupe/orchestration-env/reward/defaults", test_reward_defaults);
  g_test_add_func ("/troupe/orchestration-env/reward/cases", test_reward_cases);
  g_test_add_func ("/troupe/orchestration-env/mvp/structure", test_mvp_structure);
  g_test_add_func ("/troupe/orchestration-env/mvp/episodes", test_mvp_episodes);
  g_test_add_func ("/troupe/orchestration-env/mvp/embedding", test_embedding);
  g_test_add_func ("/troupe/orchestration-env/mvp/optimal", test_mvp_optimal);
  g_test_add_func ("/troupe/orchestration-env/simulated/from-workflow", test_simulated_from_workflow);
  g_test_add_func ("/troupe/orchestration-env/simulated/defaults-and-errors", test_simulated_defaults_and_errors);
  g_test_add_func ("/troupe/orchestration-env/simulated/episodes", test_simulated_episodes);
  g_test_add_func ("/troupe/orchestration-env/simulated/optimal", test_simulated_optimal);

  return g_test_run ();
}
