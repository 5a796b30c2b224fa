/* test-run-policy.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "troupe.h"
#include "troupe-run-policy.h"
#include "troupe-run-test-util.h"
#include "troupe-test-util.h"

/* Policy-driven runs (`troupe run --policy`). The workflow is
 * tests/data/policy/chain.yaml (architect → engineer → qa, with sim.*
 * costs and success probabilities); its steps run with the mock provider,
 * or with the fake `claude` of tests/fake-cli when a test needs a failure,
 * a reported cost or a step that hangs. The policies are either crafted
 * (no hidden layer, so each agent's logit is a bias plus, for the
 * Terminator, a slope times the step fraction) or trained here on the
 * simulated environment of the same workflow.
 *
 * `test-run-policy --child-run FILE POLICY` runs one workflow with a
 * policy and exits: the resume test kills it with SIGKILL. */

static char *fake_bin_dir;
static char *self_exe;

static const char * const chain_agents[] = { "architect", "engineer", "qa", "Terminator", NULL };

/* --- helpers ------------------------------------------------------------- */

/* chain.yaml, with each (from, to) pair of @edits replaced. */
static char *
chain_text (const char * const *edits)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "policy", "chain.yaml", NULL);
  g_autofree char *text = troupe_test_read_file (path, NULL);

  for (guint i = 0; edits != NULL && edits[i] != NULL; i += 2)
    {
      g_auto(GStrv) parts = g_strsplit (text, edits[i], -1);

      g_assert_cmpuint (g_strv_length (parts), ==, 2);
      g_free (text);
      text = g_strjoinv (edits[i + 1], parts);
    }
  return g_steal_pointer (&text);
}

/* The steps run with the fake claude, in JSON mode, so they report a cost
 * (0.0123) when they succeed. */
static const char * const chain_with_claude[] = {
  "defaults:\n  provider: mock\n",
  "defaults:\n"
  "  provider: claude\n"
  "  retries: {max: 1, delay: 20ms}\n"
  "providers:\n"
  "  claude:\n"
  "    command: [claude, -p, \"${prompt}\", --output-format, json]\n"
  "    output: json\n"
  "    result: /result\n"
  "    cost: /total_cost_usd\n",
  NULL
};

/* A policy without hidden layers: agent i's logit is @bias[i], plus
 * @terminator_slope × the step fraction for the last agent. */
static char *
write_linear_policy (Ws                 *ws,
                     const char         *name,
                     const char * const *agents,
                     const double       *bias,
                     double              terminator_slope,
                     guint               input_dim)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupePolicy) policy = NULL;
  g_autofree char *path = troupe_test_ws_path (ws, name);
  guint n = g_strv_length ((char **) agents);
  double *params;

  policy = troupe_policy_new (input_dim, NULL, 0, agents, TROUPE_STATE_EMBEDDING_VERSION, 1);
  params = troupe_policy_get_params (policy);
  memset (params, 0, sizeof (double) * troupe_policy_get_n_params (policy));
  for (guint i = 0; i < n; i++)
    params[n * input_dim + i] = bias[i];
  params[(n - 1) * input_dim + 0] = terminator_slope;
  troupe_policy_save (policy, path, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

/* Architect and engineer 1, qa 5, the Terminator 0: qa is the policy's
 * favourite, but it can act only when its step is ready. */
static char *
write_qa_policy (Ws *ws)
{
  static const double bias[] = { 1, 1, 5, 0 };

  return write_linear_policy (ws, "qa-policy.json", chain_agents, bias, 0, 16);
}

static void
softmax (const double *logits,
         guint         n,
         double       *out)
{
  double sum = 0;

  for (guint i = 0; i < n; i++)
    sum += out[i] = exp (logits[i]);
  for (guint i = 0; i < n; i++)
    out[i] /= sum;
}

/* Trains a policy on the simulated environment of @workflow as
 * `troupe train FILE --hidden 32,32 --baseline --entropy 0.1 --clip 1`
 * does, and saves it. */
static char *
train_policy (Ws             *ws,
              TroupeWorkflow *workflow,
              guint           epochs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeTrainer) trainer = NULL;
  g_autofree char *path = troupe_test_ws_path (ws, "trained-policy.json");
  TroupeTrainerOptions options;
  TroupeOrchEnv *env;
  TroupePolicy *policy;
  const guint hidden[] = { 32, 32 };

  env = troupe_orch_env_new_simulated (workflow, &error);
  g_assert_no_error (error);
  policy = troupe_policy_new (16, hidden, 2, troupe_orch_env_get_agent_names (env),
                              TROUPE_STATE_EMBEDDING_VERSION, 1);
  troupe_trainer_options_init (&options);
  options.seed = 1;
  options.baseline = TRUE;
  options.entropy_coef = 0.1;
  options.max_grad_norm = 1.0;
  trainer = troupe_trainer_new (env, policy, &options);
  for (guint i = 0; i < epochs; i++)
    troupe_trainer_run_epoch (trainer);

  troupe_policy_save (troupe_trainer_get_policy (trainer), path, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

/* --- running ------------------------------------------------------------- */

static TroupeRunOptions *
policy_options (const char *policy_file,
                gboolean    sample)
{
  TroupeRunOptions *options = troupe_run_options_new ();

  options->seed = 1;
  options->has_seed = TRUE;
  options->kill_grace_ms = 300;
  options->policy_file = g_strdup (policy_file);
  options->policy_sample = sample;
  return options;
}

static Runner *
run_with_policy (TroupeWorkflow *workflow,
                 const char     *policy_file,
                 gboolean        sample)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeRunOptions) options = policy_options (policy_file, sample);
  TroupeRun *run = troupe_run_new (workflow, options, &error);
  Runner *r;

  g_assert_no_error (error);
  r = troupe_test_runner_new (run);
  troupe_test_runner_run (r);
  return r;
}

static gint64
seq_of (JsonObject *event)
{
  g_assert_nonnull (event);
  return json_object_get_int_member (event, "seq");
}

static void
assert_choice (JsonObject *choice,
               guint       decision,
               const char *agent,
               const char *instance)
{
  g_assert_nonnull (choice);
  g_assert_cmpint (json_object_get_int_member (choice, "decision"), ==, decision);
  g_assert_cmpstr (json_object_get_string_member (choice, "agent"), ==, agent);
  g_assert_cmpstr (json_object_get_string_member_with_default (choice, "instance", NULL), ==, instance);
}

static char *
masked_list (JsonObject *choice)
{
  JsonArray *masked = json_object_get_array_member (choice, "masked");
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (masked); i++)
    g_string_append_printf (text, "%s%s", i ? "," : "", json_array_get_string_element (masked, i));
  return g_string_free (text, FALSE);
}

static GPtrArray *
read_journal (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "events.jsonl", NULL);
  g_autofree char *contents = troupe_test_read_file (path, NULL);

  return troupe_test_parse_events (contents);
}

/* --- tests --------------------------------------------------------------- */

/* The policy chooses among the agents whose steps are ready; its
 * favourite (qa) is masked until its step is ready. */
static void
test_follows_policy (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autofree char *yaml = chain_text (NULL);
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws, yaml);
  g_autofree char *policy = write_qa_policy (ws);
  g_autoptr(Runner) r = run_with_policy (workflow, policy, FALSE);
  const char *order[] = { "design", "build", "test" };
  const char *agents[] = { "architect", "engineer", "qa" };
  const char *masked[] = { "engineer,qa", "architect,qa", "architect,engineer" };
  const double logits[] = { 1, 1, 5, 0 };
  const double two[] = { 1, 0 };
  const double qa_or_end[] = { 5, 0 };
  double raw[4], pair[2], qa_pair[2];
  JsonObject *started = troupe_test_find_event (r->events, "run-started", NULL, 0);
  g_autofree char *contents = NULL;
  g_autofree char *copy_path = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *digest = NULL;
  gsize length = 0;

  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);
  softmax (logits, 4, raw);
  softmax (two, 2, pair);
  softmax (qa_or_end, 2, qa_pair);

  g_assert_cmpuint (troupe_test_count_events (r->events, "policy-choice", NULL), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *choice = troupe_test_find_event (r->events, "policy-choice", NULL, i);
      JsonObject *probabilities = json_object_get_object_member (choice, "probabilities");
      g_autofree char *list = masked_list (choice);

      assert_choice (choice, i + 1, agents[i], order[i]);
      g_assert_cmpstr (json_object_get_string_member (choice, "step"), ==, order[i]);
      g_assert_cmpstr (list, ==, masked[i]);
      /* The policy's own distribution, and the chosen agent's share of
       * what the mask leaves. */
      for (guint a = 0; a < 4; a++)
        g_assert_cmpfloat_with_epsilon (json_object_get_double_member (probabilities, chain_agents[a]),
                                        raw[a], 1e-12);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (choice, "probability"),
                                      i < 2 ? pair[0] : qa_pair[0], 1e-12);
      g_assert_cmpint (json_object_get_int_member (choice, "max_steps"), ==, 8);
      /* The mock reports no cost: the state counts sim.AGENT.cost. */
      g_assert_cmpfloat (json_object_get_double_member (choice, "cost_so_far"), ==, i == 0 ? 0 : i == 1 ? 1 : 3);
      /* Decided before the step starts, after the step before finished. */
      g_assert_cmpint (seq_of (choice), <, seq_of (troupe_test_find_event (r->events, "step-started", order[i], 0)));
      if (i > 0)
        g_assert_cmpint (seq_of (choice), >, seq_of (troupe_test_find_event (r->events, "step-finished", order[i - 1], 0)));
    }

  /* run-started names the policy, so resume can find it again, and the
   * run keeps a copy of it. */
  contents = troupe_test_read_file (policy, &length);
  digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  g_assert_cmpstr (json_object_get_string_member (started, "policy"), ==, policy);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (started, "policy_digest"), "sha256:"));
  g_assert_cmpstr (json_object_get_string_member (started, "policy_digest") + 7, ==, digest);
  g_assert_cmpstr (json_object_get_string_member (started, "policy_mode"), ==, "greedy");
  g_assert_cmpint (json_object_get_int_member (started, "policy_max_steps"), ==, 8);
  g_assert_cmpint (json_object_get_int_member (started, "max_parallel"), ==, 1);
  copy_path = troupe_run_store_resolve (troupe_run_get_store (r->run), "policy.json");
  copy = troupe_test_read_file (copy_path, NULL);
  g_assert_cmpstr (copy, ==, contents);
}

/* The Terminator ends the run: what did not run is skipped. */
static void
test_terminator (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autofree char *yaml = chain_text (NULL);
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws, yaml);
  /* The Terminator's logit is 24 × step/8 − 4: −4, −1, then 2 at the
   * third decision, above the others' 1. */
  static const double bias[] = { 1, 1, 1, -4 };
  g_autofree char *policy = write_linear_policy (ws, "stop-policy.json", chain_agents, bias, 24, 16);
  g_autoptr(Runner) r = run_with_policy (workflow, policy, FALSE);
  JsonObject *last = troupe_test_find_event (r->events, "policy-choice", NULL, 2);
  JsonObject *finished = troupe_test_find_event (r->events, "run-finished", NULL, 0);
  TroupeStepRecord *rec;

  g_assert_cmpuint (troupe_test_count_events (r->events, "policy-choice", NULL), ==, 3);
  assert_choice (troupe_test_find_event (r->events, "policy-choice", NULL, 0), 1, "architect", "design");
  assert_choice (troupe_test_find_event (r->events, "policy-choice", NULL, 1), 2, "engineer", "build");
  assert_choice (last, 3, "Terminator", NULL);
  g_assert_false (json_object_has_member (last, "step"));

  troupe_test_assert_step_status (r->run, "design", TROUPE_STEP_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "build", TROUPE_STEP_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "test", TROUPE_STEP_STATUS_SKIPPED);
  rec = troupe_test_step_record (r->run, "test");
  g_assert_cmpstr (rec->reason, ==, "the policy ended the run");
  g_assert_null (troupe_test_find_event (r->events, "step-started", "test", 0));

  /* The policy judged the task done: nothing failed, so the run did not. */
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);
  g_assert_cmpstr (json_object_get_string_member (finished, "reason"), ==,
                   "the policy chose Terminator at decision 3");
  g_assert_cmpint (seq_of (finished), >, seq_of (troupe_test_find_event (r->events, "step-skipped", "test", 0)));
}

/* max_steps ends the run as it ends an episode; the run failed, since the
 * workflow did not complete. */
static void
test_max_steps (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  const char * const edits[] = { "sim.max_steps: \"8\"", "sim.max_steps: \"2\"", NULL };
  g_autofree char *yaml = chain_text (edits);
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws, yaml);
  g_autofree char *policy = write_qa_policy (ws);
  g_autoptr(Runner) r = run_with_policy (workflow, policy, FALSE);

  g_assert_cmpuint (troupe_test_count_events (r->events, "policy-choice", NULL), ==, 2);
  g_assert_cmpint (json_object_get_int_member (troupe_test_find_event (r->events, "policy-choice", NULL, 1), "max_steps"), ==, 2);
  troupe_test_assert_step_status (r->run, "build", TROUPE_STEP_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "test", TROUPE_STEP_STATUS_SKIPPED);
  g_assert_cmpstr (troupe_test_step_record (r->run, "test")->reason, ==,
                   "the policy reached max_steps (2) before this step ran");
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_FAILED);
  g_assert_cmpstr (troupe_run_record_get_reason (troupe_run_get_record (r->run)), ==,
                   "the policy reached max_steps (2) before the workflow completed");
}

static void
assert_refused (Ws                 *ws,
                TroupeWorkflow     *workflow,
                const char         *policy,
                int                 code,
                const char * const *fragments)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeRunOptions) options = policy_options (policy, FALSE);
  g_autoptr(TroupeRun) run = troupe_run_new (workflow, options, &error);
  g_autofree char *runs = troupe_test_ws_path (ws, ".troupe/runs");
  g_autoptr(GDir) dir = NULL;

  g_assert_null (run);
  g_assert_error (error, TROUPE_POLICY_ERROR, code);
  for (guint i = 0; fragments[i] != NULL; i++)
    if (strstr (error->message, fragments[i]) == NULL)
      g_error ("'%s' is not in the message: %s", fragments[i], error->message);

  /* Refused before the run exists. */
  dir = g_dir_open (runs, 0, NULL);
  g_assert_true (dir == NULL || g_dir_read_name (dir) == NULL);
}

/* A policy for other agents, or for another embedding, is refused with a
 * message that names the file, the agents and what to do. */
static void
test_mismatch (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autofree char *yaml = chain_text (NULL);
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws, yaml);
  const char * const two_agents[] = { "architect", "engineer", "Terminator", NULL };
  const char * const reordered[] = { "engineer", "architect", "qa", "Terminator", NULL };
  static const double bias[] = { 0, 0, 0, 0 };
  g_autofree char *missing = write_linear_policy (ws, "two.json", two_agents, bias, 0, 16);
  g_autofree char *order = write_linear_policy (ws, "order.json", reordered, bias, 0, 16);
  g_autofree char *small = write_linear_policy (ws, "small.json", chain_agents, bias, 0, 8);
  g_autofree char *broken = troupe_test_ws_path (ws, "broken.json");
  g_autofree char *absent = troupe_test_ws_path (ws, "absent.json");
  const char * const missing_fragments[] = {
    missing, "[architect, engineer, Terminator]", "[architect, engineer, qa, Terminator]",
    "the policy has no qa", "troupe train", NULL
  };
  const char * const order_fragments[] = { order, "the same agents in another order", NULL };
  const char * const small_fragments[] = { small, "size 8", "size 15", NULL };
  const char * const broken_fragments[] = { broken, "Not a Troupe policy", NULL };
  const char * const absent_fragments[] = { "absent.json", NULL };

  assert_refused (ws, workflow, missing, TROUPE_POLICY_ERROR_MISMATCH, missing_fragments);
  assert_refused (ws, workflow, order, TROUPE_POLICY_ERROR_MISMATCH, order_fragments);
  assert_refused (ws, workflow, small, TROUPE_POLICY_ERROR_MISMATCH, small_fragments);
  troupe_test_write_file (broken, "{\"format\": \"something else\"}");
  assert_refused (ws, workflow, broken, TROUPE_POLICY_ERROR_INVALID, broken_fragments);
  assert_refused (ws, workflow, absent, TROUPE_POLICY_ERROR_INVALID, absent_fragments);
}

/* Outcomes: a failed attempt is an action that did not succeed, and the
 * policy waits for the retry to decide again; a reported cost replaces
 * the agent's sim cost. */
static void
test_outcomes (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autofree char *yaml = chain_text ((const char * const *) chain_with_claude);
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws, yaml);
  g_autofree char *policy = write_qa_policy (ws);
  g_autoptr(Runner) r = NULL;
  const double costs[] = { 0, 0.0123, 2.0123, 2.0246 };
  const char *instances[] = { "design", "build", "build", "test" };
  const char *agents[] = { "architect", "engineer", "engineer", "qa" };

  troupe_test_fake_env ("FAKE_CLI_FAIL_TIMES_build", "1");
  r = run_with_policy (workflow, policy, FALSE);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);

  g_assert_cmpuint (troupe_test_count_events (r->events, "policy-choice", NULL), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      JsonObject *choice = troupe_test_find_event (r->events, "policy-choice", NULL, i);

      assert_choice (choice, i + 1, agents[i], instances[i]);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (choice, "cost_so_far"), costs[i], 1e-12);
    }
  /* The second decision for build came after its retry delay, not in it. */
  g_assert_cmpint (seq_of (troupe_test_find_event (r->events, "policy-choice", NULL, 2)), >,
                   seq_of (troupe_test_find_event (r->events, "step-retrying", "build", 0)));
  g_assert_cmpuint (troupe_test_fake_calls (ws, "build"), ==, 2);
}

/* The state a live run decides from is the simulated environment's: a
 * trained policy gives, decision by decision, exactly the probabilities
 * it gives in a simulated episode where every action succeeds. */
static void
test_matches_simulation (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  const char * const sure[] = {
    "sim.architect.success: \"0.9\"", "sim.architect.success: \"1\"",
    "sim.engineer.success: \"0.8\"", "sim.engineer.success: \"1\"",
    NULL
  };
  g_autofree char *yaml = chain_text (sure);
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws, yaml);
  g_autofree char *policy_path = train_policy (ws, workflow, 300);
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupePolicy) policy = troupe_policy_load (policy_path, &error);
  g_autoptr(TroupeOrchEnv) env = troupe_orch_env_new_simulated (workflow, NULL);
  g_autoptr(Runner) r = NULL;
  TroupeRewardConfig reward;
  TroupeEpisode episode;
  TroupeRng rng;

  g_assert_no_error (error);
  troupe_reward_config_init (&reward);
  troupe_rng_init (&rng, 1);
  troupe_episode_init (&episode);
  troupe_orch_env_run_episode (env, policy, &reward, &rng, TRUE, &episode);

  /* The trained policy works the chain in order, then terminates. */
  g_assert_cmpuint (episode.steps->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (g_array_index (episode.steps, TroupeTrajectoryStep, i).agent_index, ==, i);

  r = run_with_policy (workflow, policy_path, FALSE);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);
  g_assert_cmpuint (troupe_test_count_events (r->events, "policy-choice", NULL), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *choice = troupe_test_find_event (r->events, "policy-choice", NULL, i);
      JsonObject *probabilities = json_object_get_object_member (choice, "probabilities");
      const TroupeTrajectoryStep *step = &g_array_index (episode.steps, TroupeTrajectoryStep, i);
      double probs[4];

      troupe_policy_forward (policy, step->state_embedding, NULL, probs);
      g_assert_cmpstr (json_object_get_string_member (choice, "agent"), ==, chain_agents[i]);
      for (guint a = 0; a < 4; a++)
        g_assert_cmpfloat (json_object_get_double_member (probabilities, chain_agents[a]), ==, probs[a]);
    }

  troupe_episode_clear (&episode);
}

static GStrv
choices_of (Runner *r)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  GStrv result;

  for (guint i = 0; i < r->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (r->events, i);
      JsonObject *probabilities;
      GString *line;

      if (!g_str_equal (json_object_get_string_member (event, "event"), "policy-choice"))
        continue;
      probabilities = json_object_get_object_member (event, "probabilities");
      line = g_string_new (NULL);
      g_string_append_printf (line, "%s %s %.17g", json_object_get_string_member (event, "agent"),
                              json_object_get_string_member_with_default (event, "instance", "-"),
                              json_object_get_double_member (event, "probability"));
      for (guint a = 0; a < 4; a++)
        g_string_append_printf (line, " %.17g", json_object_get_double_member (probabilities, chain_agents[a]));
      g_strv_builder_add (builder, line->str);
      g_string_free (line, TRUE);
    }
  result = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return result;
}

/* The same policy makes the same run: greedy always, sampling for the
 * same seed. */
static void
test_deterministic (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autofree char *yaml = chain_text (NULL);
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws, yaml);
  g_autofree char *policy = train_policy (ws, workflow, 200);

  for (guint sample = 0; sample < 2; sample++)
    {
      g_autoptr(Runner) first = run_with_policy (workflow, policy, sample);
      g_autoptr(Runner) second = run_with_policy (workflow, policy, sample);
      g_auto(GStrv) a = choices_of (first);
      g_auto(GStrv) b = choices_of (second);

      g_assert_cmpuint (g_strv_length (a), >=, sample ? 1 : 3);
      g_assert_true (g_strv_equal ((const char * const *) a, (const char * const *) b));
      g_assert_cmpint (troupe_run_get_status (first->run), ==, troupe_run_get_status (second->run));
      g_assert_cmpstr (json_object_get_string_member (troupe_test_find_event (first->events, "run-started", NULL, 0),
                                                      "policy_mode"), ==, sample ? "sample" : "greedy");
    }
}

/* Steps that are not a workflow agent's (a command, a send) are not the
 * policy's to choose: they run when ready, and the policy decides for the
 * agent steps only. The bundled example also has a wait for a task that
 * another agent's steps send: the run must not wait for it before
 * deciding. */
static void
test_engine_steps (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autofree char *example = g_build_filename (g_getenv ("TROUPE_SOURCE_ROOT"), "examples",
                                               "architect-engineer-qa.yaml", NULL);
  g_autofree char *yaml = troupe_test_read_file (example, NULL);
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws, yaml);
  /* Every allowed agent ties, so the first in the pool acts; the
   * Terminator never wins. */
  static const double bias[] = { 1, 1, 1, -5 };
  g_autofree char *policy = write_linear_policy (ws, "even.json", chain_agents, bias, 0, 16);
  g_autoptr(Runner) r = run_with_policy (workflow, policy, FALSE);
  const char *order[] = { "design", "implement", "review", "address-feedback" };

  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);
  g_assert_cmpuint (troupe_test_count_events (r->events, "policy-choice", NULL), ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpstr (json_object_get_string_member (troupe_test_find_event (r->events, "policy-choice", NULL, i), "instance"),
                     ==, order[i]);
  /* The send ran on its own, between the decisions. */
  g_assert_cmpint (seq_of (troupe_test_find_event (r->events, "step-finished", "assign-implementation", 0)), <,
                   seq_of (troupe_test_find_event (r->events, "policy-choice", NULL, 1)));
  /* The wait began before QA's review was decided, and ended after. */
  g_assert_cmpint (seq_of (troupe_test_find_event (r->events, "step-started", "wait-for-feedback", 0)), <,
                   seq_of (troupe_test_find_event (r->events, "policy-choice", "review", 0)));
}

static void
test_engine_commands (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  const char * const edits[] = {
    "steps:\n  design:\n",
    "steps:\n  prepare:\n    command: [\"true\"]\n  design:\n    needs: [prepare]\n",
    NULL
  };
  g_autofree char *yaml = chain_text (edits);
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws, yaml);
  g_autofree char *policy = write_qa_policy (ws);
  g_autoptr(Runner) r = run_with_policy (workflow, policy, FALSE);

  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);
  g_assert_cmpuint (troupe_test_count_events (r->events, "policy-choice", NULL), ==, 3);
  g_assert_null (troupe_test_find_event (r->events, "policy-choice", "prepare", 0));
  g_assert_cmpint (seq_of (troupe_test_find_event (r->events, "step-finished", "prepare", 0)), <,
                   seq_of (troupe_test_find_event (r->events, "policy-choice", NULL, 0)));
}

static GPid
spawn_child_run (const char *file,
                 const char *policy)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { self_exe, "--child-run", file, policy, NULL };
  GPid pid = 0;

  g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error);
  g_assert_no_error (error);
  return pid;
}

/* The pid of the fake's first invocation for @instance, which leads its
 * own process group. */
static GPid
fake_pid (Ws         *ws,
          const char *instance)
{
  g_autofree char *name = g_strdup_printf ("%s.calls", instance);
  g_autofree char *path = g_build_filename (ws->rec, name, NULL);
  g_autofree char *contents = troupe_test_read_file (path, NULL);
  /* An offset, not a pointer from strchr(): GCC 12 at -O2 takes that
   * pointer for one into read_file()'s local variable (-Wdangling-pointer). */
  gsize space = strcspn (contents, " ");

  g_assert_cmpint (contents[space], ==, ' ');
  return (GPid) g_ascii_strtoll (contents + space + 1, NULL, 10);
}

static char *
only_run_id (Ws *ws)
{
  g_autofree char *runs = troupe_test_ws_path (ws, ".troupe/runs");

  return troupe_test_single_entry (runs);
}

/* A runner killed with SIGKILL while the engineer works: resume goes on
 * with the same policy from the same state, and does not run again what
 * succeeded. */
static void
test_resume_after_sigkill (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autofree char *yaml = chain_text ((const char * const *) chain_with_claude);
  g_autofree char *policy = write_qa_policy (ws);
  g_autofree char *file = troupe_test_ws_path (ws, "flow.yaml");
  g_autofree char *run_id = NULL;
  g_autofree char *run_dir = NULL;
  g_autofree char *copy_path = NULL;
  g_autofree char *saved = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Runner) r = NULL;
  JsonObject *old_choice, *new_choice;
  JsonObject *old_probs, *new_probs;
  gint64 deadline;
  int wait_status;
  GPid child;

  /* Writes flow.yaml, which the child runs, and checks that it loads. */
  g_object_unref (troupe_test_ws_load (ws, yaml));
  troupe_test_fake_env ("FAKE_CLI_HANG_build", "1");
  child = spawn_child_run (file, policy);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (troupe_test_fake_calls (ws, "build") == 0 && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "build"), ==, 1);
  g_assert_cmpint (kill (child, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (child, &wait_status, 0), ==, child);
  g_spawn_close_pid (child);
  /* The hanging fake outlives its runner, as it would; end it. */
  kill (-fake_pid (ws, "build"), SIGKILL);
  g_unsetenv ("FAKE_CLI_HANG_build");

  run_id = only_run_id (ws);
  run_dir = g_build_filename (ws->root, ".troupe", "runs", run_id, NULL);
  before = read_journal (run_dir);
  g_assert_cmpuint (troupe_test_count_events (before, "policy-choice", NULL), ==, 2);

  /* The policy file changed and the copy is gone: the run refuses to go
   * on with a policy it did not start with. */
  copy_path = g_build_filename (run_dir, "policy.json", NULL);
  saved = troupe_test_read_file (policy, NULL);
  g_assert_cmpint (g_unlink (copy_path), ==, 0);
  troupe_test_write_file (policy, "{}");
  g_assert_null (troupe_run_new_resume (ws->root, run_id, NULL, &error));
  g_assert_error (error, TROUPE_RUN_ERROR, TROUPE_RUN_ERROR_STATE);
  g_assert_nonnull (strstr (error->message, policy));
  g_assert_nonnull (strstr (error->message, "put the policy back"));
  g_clear_error (&error);

  /* Put back, it resumes (and the run keeps its copy again). */
  troupe_test_write_file (policy, saved);
  r = troupe_test_runner_new (troupe_run_new_resume (ws->root, run_id, NULL, &error));
  g_assert_no_error (error);
  troupe_test_runner_run (r);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);
  g_assert_true (g_file_test (copy_path, G_FILE_TEST_EXISTS));

  g_assert_cmpuint (troupe_test_fake_calls (ws, "design"), ==, 1);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "build"), ==, 2);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "test"), ==, 1);
  g_assert_nonnull (troupe_test_find_event (r->events, "run-resumed", NULL, 0));
  g_assert_cmpstr (json_object_get_string_member (troupe_test_find_event (r->events, "run-resumed", NULL, 0), "policy"),
                   ==, policy);

  /* The interrupted decision is made again, from the same state: the
   * same index, the same probabilities. */
  g_assert_cmpuint (troupe_test_count_events (r->events, "policy-choice", NULL), ==, 2);
  old_choice = troupe_test_find_event (before, "policy-choice", NULL, 1);
  new_choice = troupe_test_find_event (r->events, "policy-choice", NULL, 0);
  assert_choice (old_choice, 2, "engineer", "build");
  assert_choice (new_choice, 2, "engineer", "build");
  assert_choice (troupe_test_find_event (r->events, "policy-choice", NULL, 1), 3, "qa", "test");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (new_choice, "cost_so_far"), 0.0123, 1e-12);
  old_probs = json_object_get_object_member (old_choice, "probabilities");
  new_probs = json_object_get_object_member (new_choice, "probabilities");
  for (guint a = 0; a < 4; a++)
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (old_probs, chain_agents[a]),
                                    json_object_get_double_member (new_probs, chain_agents[a]), 1e-15);
}

/* --dry-run --policy: the simulated decisions follow the same masking,
 * and a seed gives the same report. */
static void
test_simulate (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autofree char *yaml = chain_text (NULL);
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws, yaml);
  g_autofree char *policy = write_qa_policy (ws);
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeRunPolicy) chooser = troupe_run_policy_new (workflow, policy, FALSE, &error);
  g_autoptr(JsonObject) report = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(JsonNode) a = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonNode) b = json_node_new (JSON_NODE_OBJECT);
  JsonObject *episode;
  JsonArray *decisions;
  JsonObject *first;
  double rate;

  g_assert_no_error (error);
  report = troupe_run_policy_simulate (chooser, 3, 500);
  again = troupe_run_policy_simulate (chooser, 3, 500);
  json_node_set_object (a, report);
  json_node_set_object (b, again);
  g_assert_true (json_node_equal (a, b));

  episode = json_object_get_object_member (report, "episode");
  decisions = json_object_get_array_member (episode, "decisions");
  first = json_array_get_object_element (decisions, 0);
  g_assert_cmpstr (json_object_get_string_member (first, "agent"), ==, "architect");
  g_assert_cmpstr (json_object_get_string_member (first, "step"), ==, "design");
  /* This policy never terminates: it retries until the chain is done or
   * max_steps (8) runs out; with success 0.9 and 0.8 that is nearly
   * always done. */
  g_assert_cmpstr (json_object_get_string_member (episode, "ended_by"), !=, "terminator");
  rate = json_object_get_double_member (report, "success_rate");
  g_assert_cmpfloat (rate, >, 0.95);
  g_assert_cmpfloat (rate, <=, 1.0);
  g_assert_cmpfloat (json_object_get_double_member (report, "mean_decisions"), >=, 3.0);
  g_assert_cmpfloat (json_object_get_double_member (report, "mean_decisions"), <=, 8.0);
  g_assert_cmpint (json_object_get_int_member (report, "episodes"), ==, 500);
}

/* --- main ---------------------------------------------------------------- */

static int
child_main (int    argc,
            char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(TroupeRunOptions) options = NULL;
  g_autoptr(TroupeRun) run = NULL;

  if (argc != 4)
    return 2;
  workflow = troupe_workflow_new_from_file (argv[2], NULL, &error);
  if (workflow == NULL)
    g_error ("%s", error->message);
  options = policy_options (argv[3], FALSE);
  run = troupe_run_new (workflow, options, &error);
  if (run == NULL)
    g_error ("%s", error->message);
  troupe_test_run_until_finished (run);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  int status;

  if (argc >= 2 && g_str_equal (argv[1], "--child-run"))
    return child_main (argc, argv);

  g_test_init (&argc, &argv, NULL);

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_assert_nonnull (self_exe);
  fake_bin_dir = troupe_test_setup_fake_cli ();

  g_test_add_func ("/troupe/run-policy/follows-policy", test_follows_policy);
  g_test_add_func ("/troupe/run-policy/terminator", test_terminator);
  g_test_add_func ("/troupe/run-policy/max-steps", test_max_steps);
  g_test_add_func ("/troupe/run-policy/mismatch", test_mismatch);
  g_test_add_func ("/troupe/run-policy/outcomes", test_outcomes);
  g_test_add_func ("/troupe/run-policy/matches-simulation", test_matches_simulation);
  g_test_add_func ("/troupe/run-policy/deterministic", test_deterministic);
  g_test_add_func ("/troupe/run-policy/engine-steps", test_engine_steps);
  g_test_add_func ("/troupe/run-policy/engine-commands", test_engine_commands);
  g_test_add_func ("/troupe/run-policy/resume-after-sigkill", test_resume_after_sigkill);
  g_test_add_func ("/troupe/run-policy/simulate", test_simulate);

  status = g_test_run ();

  troupe_test_remove_tree (fake_bin_dir);
  g_free (fake_bin_dir);
  g_free (self_exe);
  return status;
}
