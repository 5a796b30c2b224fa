/* test-cli-policy.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "troupe.h"

#include "troupe-cli-test.h"
#include "troupe-run-test-util.h"
#include "troupe-test-util.h"

/* `troupe run --policy`, end to end: the real binary on a three-agent
 * chain (the mock provider, and a command step that fails once), driven by
 * a crafted policy whose favourite agent, qa, can act only when its step
 * is ready. */

#ifndef TROUPE_CLI_PATH
# error "TROUPE_CLI_PATH must name the built troupe binary"
#endif

static const char chain_yaml[] =
  "name: cli-policy\n"
  "defaults:\n"
  "  provider: mock\n"
  "context:\n"
  "  sim.max_steps: \"8\"\n"
  "agents:\n"
  "  architect: {}\n"
  "  engineer: {}\n"
  "  qa: {}\n"
  "steps:\n"
  "  design: {agent: architect, prompt: Design.}\n"
  "  build:\n"
  "    agent: engineer\n"
  "    command: [sh, -c, \"test -e build.ok || { touch build.ok; exit 1; }\"]\n"
  "    needs: [design]\n"
  "  test: {agent: qa, prompt: Test., needs: [build]}\n";

/* No hidden layer: the logits are the biases, architect 1, engineer 1,
 * qa 5, the Terminator 0, whatever the state. */
static void
write_policy (Fixture    *fixture,
              const char *name,
              const char *agents)
{
  GString *text = g_string_new (NULL);
  g_autofree char *path = NULL;

  g_string_append_printf (text,
                          "{\"format\": \"troupe-policy\", \"version\": 1, \"embedding_version\": 1,\n"
                          " \"agents\": [%s], \"layers\": [16, 4], \"activation\": \"relu\",\n"
                          " \"parameters\": [",
                          agents);
  for (guint i = 0; i < 16 * 4; i++)
    g_string_append (text, "0, ");
  g_string_append (text, "1, 1, 5, 0]}\n");
  path = troupe_cli_fixture_write (fixture, name, text->str);
  g_string_free (text, TRUE);
}

static void
setup_chain (Fixture *fixture)
{
  g_free (troupe_cli_fixture_write (fixture, "flow.yaml", chain_yaml));
  write_policy (fixture, "policy.json", "\"architect\", \"engineer\", \"qa\", \"Terminator\"");
}

static gboolean
has_runs (Fixture *fixture)
{
  g_autofree char *path = g_build_filename (fixture->dir, ".troupe", "runs", NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);

  return dir != NULL && g_dir_read_name (dir) != NULL;
}

static void
assert_contains (const char *text,
                 const char *fragment)
{
  if (strstr (text, fragment) == NULL)
    g_error ("'%s' is not in:\n%s", fragment, text);
}

static void
test_help (void)
{
  g_auto(Result) result = { 0 };

  troupe_cli_run (&result, NULL, "run", "--help", NULL);
  g_assert_cmpint (result.status, ==, 0);
  assert_contains (result.out, "--policy=POLICY.json");
  assert_contains (result.out, "--policy-sample");
  assert_contains (result.out, "the Terminator");
}

/* Each decision is one line, before the step it starts. */
static void
test_run_lines (Fixture       *fixture,
                gconstpointer  data)
{
  g_auto(Result) result = { 0 };
  const char *design, *build, *test;

  setup_chain (fixture);
  /* The command step succeeds at once. */
  g_free (troupe_cli_fixture_write (fixture, "build.ok", ""));
  troupe_cli_run (&result, fixture->dir, "run", "--policy", "policy.json", "flow.yaml", NULL);
  g_assert_cmpint (result.status, ==, 0);

  assert_contains (result.out, "started: cli-policy, 3 steps, at most 1 at a time, "
                               "agents chosen by the policy policy.json (greedy)");
  design = strstr (result.out, "policy → architect (p=0.73): design");
  build = strstr (result.out, "policy → engineer (p=0.73): build");
  test = strstr (result.out, "policy → qa (p=0.99): test");
  g_assert_nonnull (design);
  g_assert_nonnull (build);
  g_assert_nonnull (test);
  g_assert_true (design < build && build < test);
  g_assert_true (build < strstr (result.out, "build: started"));
  assert_contains (result.out, "succeeded");
}

/* --json streams the policy-choice events as they are in the journal. */
static void
test_run_json (Fixture       *fixture,
               gconstpointer  data)
{
  g_auto(Result) result = { 0 };
  g_autoptr(GPtrArray) events = NULL;
  const char *agents[] = { "architect", "engineer", "qa" };
  guint choices = 0;
  gboolean started = FALSE;

  setup_chain (fixture);
  g_free (troupe_cli_fixture_write (fixture, "build.ok", ""));
  troupe_cli_run (&result, fixture->dir, "run", "--json", "--policy", "policy.json", "flow.yaml", NULL);
  g_assert_cmpint (result.status, ==, 0);

  events = troupe_test_parse_events (result.out);
  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (events, i);
      const char *name = json_object_get_string_member (event, "event");

      if (g_str_equal (name, "run-started"))
        {
          g_autofree char *expected = g_build_filename (fixture->dir, "policy.json", NULL);
          g_autofree char *canonical = g_canonicalize_filename (expected, NULL);

          g_assert_cmpstr (json_object_get_string_member (event, "policy"), ==, canonical);
          g_assert_true (g_str_has_prefix (json_object_get_string_member (event, "policy_digest"), "sha256:"));
          started = TRUE;
        }
      else if (g_str_equal (name, "policy-choice"))
        {
          g_assert_cmpuint (choices, <, 3);
          g_assert_cmpstr (json_object_get_string_member (event, "agent"), ==, agents[choices]);
          g_assert_cmpint (json_object_get_int_member (event, "decision"), ==, choices + 1);
          g_assert_true (json_object_has_member (event, "probabilities"));
          g_assert_true (json_object_has_member (event, "masked"));
          choices++;
        }
    }
  g_assert_true (started);
  g_assert_cmpuint (choices, ==, 3);
}

/* A policy for other agents is refused before anything runs. */
static void
test_mismatch (Fixture       *fixture,
               gconstpointer  data)
{
  g_auto(Result) result = { 0 };

  setup_chain (fixture);
  write_policy (fixture, "other.json", "\"architect\", \"engineer\", \"reviewer\", \"Terminator\"");
  troupe_cli_run (&result, fixture->dir, "run", "--policy", "other.json", "flow.yaml", NULL);
  g_assert_cmpint (result.status, ==, 1);
  assert_contains (result.err, "other.json cannot drive a run of flow.yaml");
  assert_contains (result.err, "[architect, engineer, reviewer, Terminator]");
  assert_contains (result.err, "the policy has no qa; the workflow has no reviewer");
  assert_contains (result.err, "troupe train flow.yaml");
  g_assert_false (has_runs (fixture));
}

static void
test_usage (Fixture       *fixture,
            gconstpointer  data)
{
  g_auto(Result) sample = { 0 };
  g_auto(Result) step_time = { 0 };

  setup_chain (fixture);
  troupe_cli_run (&sample, fixture->dir, "run", "--policy-sample", "flow.yaml", NULL);
  g_assert_cmpint (sample.status, ==, 2);
  assert_contains (sample.err, "--policy-sample goes with --policy");

  troupe_cli_run (&step_time, fixture->dir, "run", "--dry-run", "--policy", "policy.json",
                  "--step-time", "2s", "flow.yaml", NULL);
  g_assert_cmpint (step_time.status, ==, 2);
  g_assert_false (has_runs (fixture));
}

/* --dry-run --policy simulates the decisions and starts nothing. */
static void
test_dry_run (Fixture       *fixture,
              gconstpointer  data)
{
  g_auto(Result) text = { 0 };
  g_auto(Result) json = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *report, *episode, *first;

  setup_chain (fixture);
  troupe_cli_run (&text, fixture->dir, "run", "--dry-run", "--policy", "policy.json", "flow.yaml", NULL);
  g_assert_cmpint (text.status, ==, 0);
  assert_contains (text.out, "Dry run of cli-policy with the policy policy.json (greedy, at most 8 decisions, seed 1)");
  assert_contains (text.out, "architect");
  assert_contains (text.out, "Over 1000 simulated runs:");
  assert_contains (text.out, "Success rate          1.000");

  troupe_cli_run (&json, fixture->dir, "run", "--dry-run", "--json", "--seed", "5", "--policy", "policy.json",
                  "flow.yaml", NULL);
  g_assert_cmpint (json.status, ==, 0);
  json_parser_load_from_data (parser, json.out, -1, &error);
  g_assert_no_error (error);
  report = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (report, "episodes"), ==, 1000);
  g_assert_cmpint (json_object_get_int_member (report, "seed"), ==, 5);
  episode = json_object_get_object_member (report, "episode");
  g_assert_cmpstr (json_object_get_string_member (episode, "ended_by"), ==, "completed");
  first = json_array_get_object_element (json_object_get_array_member (episode, "decisions"), 0);
  g_assert_cmpstr (json_object_get_string_member (first, "agent"), ==, "architect");
  g_assert_cmpstr (json_object_get_string_member (first, "step"), ==, "design");

  g_assert_false (has_runs (fixture));
}

/* A failed policy run resumes with its policy: the decision that failed
 * counts, the one after it is made again, and the architect, done, is
 * not asked again. */
static void
test_resume (Fixture       *fixture,
             gconstpointer  data)
{
  g_auto(Result) first = { 0 };
  g_auto(Result) again = { 0 };
  g_autofree char *run_id = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GString) decisions = g_string_new (NULL);
  const char *start;

  setup_chain (fixture);
  troupe_cli_run (&first, fixture->dir, "run", "--policy", "policy.json", "flow.yaml", NULL);
  g_assert_cmpint (first.status, ==, 1);
  assert_contains (first.out, "policy → engineer (p=0.73): build");
  start = strstr (first.out, "Resume with: troupe resume ");
  g_assert_nonnull (start);
  run_id = g_strndup (start + strlen ("Resume with: troupe resume "), strlen ("20261121-014502-ab12"));

  troupe_cli_run (&again, fixture->dir, "resume", "--json", run_id, NULL);
  g_assert_cmpint (again.status, ==, 0);

  events = troupe_test_parse_events (again.out);
  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (events, i);
      const char *name = json_object_get_string_member (event, "event");

      if (g_str_equal (name, "run-resumed"))
        g_assert_cmpstr (json_object_get_string_member (event, "policy_mode"), ==, "greedy");
      else if (g_str_equal (name, "policy-choice"))
        g_string_append_printf (decisions, "%" G_GINT64_FORMAT " %s %s;",
                                json_object_get_int_member (event, "decision"),
                                json_object_get_string_member (event, "agent"),
                                json_object_get_string_member (event, "instance"));
    }
  /* Decision 2 (build) failed and counts: the resumed run decides 3 and 4. */
  g_assert_cmpstr (decisions->str, ==, "3 engineer build;4 qa test;");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/troupe/cli-policy/help", test_help);
  ADD_TMP ("/troupe/cli-policy/run/lines", test_run_lines);
  ADD_TMP ("/troupe/cli-policy/run/json", test_run_json);
  ADD_TMP ("/troupe/cli-policy/run/mismatch", test_mismatch);
  ADD_TMP ("/troupe/cli-policy/run/usage", test_usage);
  ADD_TMP ("/troupe/cli-policy/run/dry-run", test_dry_run);
  ADD_TMP ("/troupe/cli-policy/resume", test_resume);

#undef ADD_TMP

  return g_test_run ();
}
