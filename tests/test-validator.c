/* test-validator.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "troupe.h"
#include "troupe-test-util.h"

#define NEEDS(...) ((const char * const []) { __VA_ARGS__, NULL })

/* Helpers */

static TroupeStep *
add_step (TroupeWorkflow     *workflow,
          const char         *id,
          TroupeStepKind      kind,
          const char * const *needs)
{
  g_autoptr(TroupeStep) step = troupe_step_new (id, kind);
  g_autoptr(GError) error = NULL;

  if (needs != NULL)
    troupe_step_set_needs (step, needs);

  troupe_workflow_add_step (workflow, step, &error);
  g_assert_no_error (error);

  /* The workflow holds a reference. */
  return step;
}

static TroupeStep *
add_agent_step (TroupeWorkflow     *workflow,
                const char         *id,
                const char         *prompt,
                const char * const *needs)
{
  TroupeStep *step = add_step (workflow, id, TROUPE_STEP_KIND_AGENT, needs);

  troupe_step_set_prompt (step, prompt);
  return step;
}

static TroupeStep *
add_command_step (TroupeWorkflow     *workflow,
                  const char         *id,
                  const char * const *needs)
{
  TroupeStep *step = add_step (workflow, id, TROUPE_STEP_KIND_COMMAND, needs);

  troupe_step_set_command (step, NEEDS ("make", "test"));
  return step;
}

static void
add_agent (TroupeWorkflow *workflow,
           const char     *name,
           const char     *provider)
{
  g_autoptr(TroupeAgent) agent = troupe_agent_new (name);

  troupe_agent_set_provider (agent, provider);
  troupe_workflow_add_agent (workflow, agent);
}

/* A workflow whose agent steps can run: defaults.provider is mock. */
static TroupeWorkflow *
new_workflow (void)
{
  TroupeWorkflow *workflow = troupe_workflow_new ();

  troupe_workflow_set_default_provider (workflow, "mock");
  return workflow;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The codes of @diagnostics, sorted, joined with ','; compared as one
 * string so a failure shows everything that was found. */
static char *
sorted_codes (GPtrArray *diagnostics)
{
  g_autoptr(GPtrArray) codes = g_ptr_array_new ();

  for (guint i = 0; i < diagnostics->len; i++)
    {
      TroupeDiagnostic *diagnostic = g_ptr_array_index (diagnostics, i);

      g_ptr_array_add (codes, diagnostic->code);
    }
  g_ptr_array_sort (codes, compare_strings);
  g_ptr_array_add (codes, NULL);

  return g_strjoinv (",", (char **) codes->pdata);
}

static void
dump (GPtrArray *diagnostics)
{
  for (guint i = 0; i < diagnostics->len; i++)
    {
      g_autofree char *text = troupe_diagnostic_to_string (g_ptr_array_index (diagnostics, i));

      g_test_message ("%s [%s]", text,
                      ((TroupeDiagnostic *) g_ptr_array_index (diagnostics, i))->code);
    }
}

static GPtrArray *
validate (TroupeWorkflow *workflow)
{
  GPtrArray *diagnostics = troupe_workflow_validate (workflow);

  g_assert_nonnull (diagnostics);
  dump (diagnostics);
  return diagnostics;
}

#define assert_codes(diagnostics, expected) \
  G_STMT_START { \
    g_autofree char *__codes = sorted_codes (diagnostics); \
    g_assert_cmpstr (__codes, ==, expected); \
  } G_STMT_END

static TroupeDiagnostic *
find_code (GPtrArray  *diagnostics,
           const char *code,
           const char *step_id)
{
  for (guint i = 0; i < diagnostics->len; i++)
    {
      TroupeDiagnostic *diagnostic = g_ptr_array_index (diagnostics, i);

      if (g_str_equal (diagnostic->code, code) &&
          (step_id == NULL || g_strcmp0 (diagnostic->step_id, step_id) == 0))
        return diagnostic;
    }

  g_error ("no diagnostic '%s' for step '%s'", code, step_id ? step_id : "(any)");
  return NULL;
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("expected '%s' in: %s", needle, haystack);
}

static void
assert_sorted (GPtrArray *diagnostics)
{
  for (guint i = 1; i < diagnostics->len; i++)
    g_assert_cmpint (troupe_diagnostic_compare (&g_ptr_array_index (diagnostics, i - 1),
                                                &g_ptr_array_index (diagnostics, i)), <=, 0);
}

/* A workflow that uses every kind of step and every cross-reference the
 * validator checks, all correctly. */
static void
test_valid (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(TroupeProvider) provider = troupe_provider_new ("my-llm");
  g_autoptr(TroupeRetryPolicy) retries = troupe_retry_policy_new (3);
  g_autoptr(GPtrArray) diagnostics = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *workspace = g_dir_make_tmp ("troupe-validator-XXXXXX", &error);
  g_autofree char *file = g_build_filename (workspace, "flow.yaml", NULL);
  g_autofree char *inside = g_build_filename (workspace, "shared", NULL);
  g_autofree char *link = g_build_filename (workspace, "artifacts", NULL);
  TroupeStep *step;

  g_assert_no_error (error);
  g_assert_no_errno (g_mkdir (inside, 0755));
  /* A symlink that stays inside the workspace is fine. */
  g_assert_no_errno (symlink ("shared", link));

  troupe_workflow_set_file (workflow, file);
  troupe_workflow_set_workspace (workflow, ".");
  troupe_provider_set_command (provider, NEEDS ("my-llm", "${prompt}"));
  troupe_workflow_add_provider (workflow, provider);
  add_agent (workflow, "architect", "claude");
  add_agent (workflow, "engineer", "my-llm");
  add_agent (workflow, "qa", NULL);

  step = add_step (workflow, "design", TROUPE_STEP_KIND_AGENT, NULL);
  troupe_step_set_agent (step, "architect");
  troupe_step_set_prompt_file (step, "prompts/architect/design.md");
  troupe_step_set_outputs (step, NEEDS ("artifacts/architect/system_design.md", "notes.md"));
  troupe_step_set_timeout (step, 90 * 1000);

  step = add_agent_step (workflow, "split", "Split ${steps.design.output} into tasks",
                         NEEDS ("design"));
  troupe_step_set_agent (step, "architect");

  step = add_agent_step (workflow, "implement", "Implement ${steps.split.lines}", NEEDS ("split"));
  troupe_step_set_agent (step, "engineer");
  troupe_step_set_for_each (step, "split");

  step = add_step (workflow, "hand-off", TROUPE_STEP_KIND_SEND, NEEDS ("implement"));
  troupe_step_set_send_to (step, "qa");
  troupe_step_set_send_file (step, "review");
  troupe_step_set_send_content (step, "Please review ${steps.implement.output}");

  step = add_step (workflow, "wait-feedback", TROUPE_STEP_KIND_WAIT, NEEDS ("hand-off"));
  troupe_step_set_agent (step, "engineer");
  troupe_step_set_wait_glob (step, "inbox/engineer/*.task");
  troupe_step_set_wait_timeout (step, 5 * 60 * 1000);
  troupe_step_set_wait_poll (step, 1000);

  step = add_command_step (workflow, "test", NEEDS ("wait-feedback"));
  /* design is upstream through a chain of needs, not directly. */
  troupe_step_set_command (step, NEEDS ("make", "test", "DESIGN=${steps.design.output}"));
  retries->backoff = TROUPE_BACKOFF_EXPONENTIAL;
  retries->max_delay_ms = 60 * 1000;
  troupe_step_set_retries (step, retries);

  step = add_step (workflow, "approve", TROUPE_STEP_KIND_APPROVAL, NEEDS ("test"));
  troupe_step_set_approval (step, "Ship ${steps.test.output}?");

  step = add_command_step (workflow, "ship", NEEDS ("approve", "test"));
  troupe_step_set_when (step, TROUPE_CONDITION_OP_EQUALS, "${steps.approve.output}", "yes");

  step = add_agent_step (workflow, "retro", "How did ${steps.ship.output} go?", NEEDS ("ship"));
  troupe_step_set_agent (step, "qa");

  diagnostics = validate (workflow);
  assert_codes (diagnostics, "");
  g_assert_false (troupe_diagnostics_have_errors (diagnostics));

  troupe_test_remove_tree (workspace);
}

static void
test_needs (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeDiagnostic *diagnostic;

  add_command_step (workflow, "design", NULL);
  add_command_step (workflow, "build", NEEDS ("desgn"));
  add_command_step (workflow, "test", NEEDS ("build", "zzzzzz"));
  add_command_step (workflow, "lint", NEEDS ("lint"));
  add_command_step (workflow, "ship", NEEDS ("test", "design", "test"));

  diagnostics = validate (workflow);
  assert_codes (diagnostics, "duplicate-need,missing-need,missing-need,self-need");

  diagnostic = find_code (diagnostics, "missing-need", "build");
  g_assert_cmpint (diagnostic->severity, ==, TROUPE_SEVERITY_ERROR);
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'build' needs 'desgn', which is not a step of this workflow; "
                   "did you mean 'design'?");
  diagnostic = find_code (diagnostics, "missing-need", "test");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'test' needs 'zzzzzz', which is not a step of this workflow; "
                   "add a step with that id or remove it from needs");
  diagnostic = find_code (diagnostics, "self-need", "lint");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'lint' needs itself, so it could never start; remove 'lint' from its needs");
  diagnostic = find_code (diagnostics, "duplicate-need", "ship");
  g_assert_cmpint (diagnostic->severity, ==, TROUPE_SEVERITY_WARNING);
  assert_contains (diagnostic->message, "'test'");
}

static void
test_cycle_message (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeDiagnostic *diagnostic;

  /* The cycle is found from "c", but reported from the first of its steps
   * in file order, and in the order the steps would run. */
  add_command_step (workflow, "start", NULL);
  add_command_step (workflow, "c", NEEDS ("start", "b"));
  add_command_step (workflow, "a", NEEDS ("c"));
  add_command_step (workflow, "b", NEEDS ("a"));
  add_command_step (workflow, "after", NEEDS ("b"));

  troupe_workflow_set_location (workflow, "/steps/c", 4, 3);
  troupe_workflow_set_location (workflow, "/steps/c/needs/1", 6, 21);

  diagnostics = validate (workflow);
  assert_codes (diagnostics, "cycle");

  diagnostic = g_ptr_array_index (diagnostics, 0);
  g_assert_cmpstr (diagnostic->step_id, ==, "c");
  g_assert_cmpstr (diagnostic->message, ==,
                   "steps c → a → b → c form a cycle (each needs the one before it), so none "
                   "of them can ever start; remove one of these needs");
  /* Located at the need of "c" that closes the cycle. */
  g_assert_cmpuint (diagnostic->line, ==, 6);
  g_assert_cmpuint (diagnostic->column, ==, 21);
}

static void
test_cycle_components (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeDiagnostic *diagnostic;

  /* Two separate cycles: one diagnostic each. */
  add_command_step (workflow, "x", NEEDS ("y"));
  add_command_step (workflow, "y", NEEDS ("x"));
  /* One strongly connected component made of two cycles through "m":
   * reported once, by its shortest cycle through its first step. */
  add_command_step (workflow, "m", NEEDS ("n", "o"));
  add_command_step (workflow, "n", NEEDS ("m"));
  add_command_step (workflow, "o", NEEDS ("p"));
  add_command_step (workflow, "p", NEEDS ("m"));
  /* A self-need is its own rule, not also a cycle. */
  add_command_step (workflow, "self", NEEDS ("self"));

  diagnostics = validate (workflow);
  assert_codes (diagnostics, "cycle,cycle,self-need");

  diagnostic = find_code (diagnostics, "cycle", "x");
  assert_contains (diagnostic->message, "steps x → y → x form a cycle");
  diagnostic = find_code (diagnostics, "cycle", "m");
  assert_contains (diagnostic->message, "steps m → n → m form a cycle");
}

static void
test_agents (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeDiagnostic *diagnostic;
  TroupeStep *step;

  add_agent (workflow, "engineer", NULL);

  step = add_agent_step (workflow, "build", "Build it.", NULL);
  troupe_step_set_agent (step, "enginer");
  step = add_agent_step (workflow, "review", "Review it.", NULL);
  troupe_step_set_agent (step, "nobody-at-all");
  step = add_step (workflow, "hand-off", TROUPE_STEP_KIND_SEND, NULL);
  troupe_step_set_send_to (step, "engineeer");
  troupe_step_set_send_file (step, "implement");

  diagnostics = validate (workflow);
  assert_codes (diagnostics, "unknown-agent,unknown-agent,unknown-agent");

  diagnostic = find_code (diagnostics, "unknown-agent", "build");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'build' uses agent 'enginer', which is not defined under agents; "
                   "did you mean 'engineer'?");
  diagnostic = find_code (diagnostics, "unknown-agent", "review");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'review' uses agent 'nobody-at-all', which is not defined under "
                   "agents; define it under agents or fix the name");
  diagnostic = find_code (diagnostics, "unknown-agent", "hand-off");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'hand-off' sends to 'engineeer', which is not defined under agents; "
                   "did you mean 'engineer'?");
}

static void
test_providers (void)
{
  g_autoptr(TroupeWorkflow) workflow = troupe_workflow_new ();
  g_autoptr(TroupeProvider) provider = troupe_provider_new ("my-llm");
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeDiagnostic *diagnostic;
  TroupeStep *step;

  troupe_provider_set_command (provider, NEEDS ("my-llm", "${prompt}"));
  troupe_workflow_add_provider (workflow, provider);
  troupe_workflow_set_default_provider (workflow, "openai");
  add_agent (workflow, "architect", "my-lm");
  add_agent (workflow, "engineer", "gemini");

  step = add_agent_step (workflow, "design", "Design.", NULL);
  troupe_step_set_provider (step, "claud");
  step = add_agent_step (workflow, "build", "Build.", NULL);
  troupe_step_set_provider (step, "my-llm");
  troupe_step_set_agent (step, "engineer");
  step = add_agent_step (workflow, "plan", "Plan.", NULL);
  troupe_step_set_agent (step, "architect");

  diagnostics = validate (workflow);
  assert_codes (diagnostics, "unknown-provider,unknown-provider,unknown-provider");

  diagnostic = find_code (diagnostics, "unknown-provider", "design");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'design' uses provider 'claud', which is neither defined under "
                   "providers nor built in; did you mean 'claude'?");
  diagnostic = g_ptr_array_index (diagnostics, 0);
  for (guint i = 0; i < diagnostics->len; i++)
    {
      diagnostic = g_ptr_array_index (diagnostics, i);

      if (strstr (diagnostic->message, "agent 'architect'") != NULL)
        {
          g_assert_null (diagnostic->step_id);
          g_assert_cmpstr (diagnostic->message, ==,
                           "agent 'architect' uses provider 'my-lm', which is neither defined "
                           "under providers nor built in; did you mean 'my-llm'?");
        }
      else if (strstr (diagnostic->message, "defaults.provider") != NULL)
        {
          g_assert_cmpstr (diagnostic->message, ==,
                           "defaults.provider names provider 'openai', which is neither defined "
                           "under providers nor built in; define it under providers or use a "
                           "built-in one (claude, codex, gemini, mock, shell)");
        }
      else
        g_assert_cmpstr (diagnostic->step_id, ==, "design");
    }
}

static void
test_provider_with_command (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeDiagnostic *diagnostic;
  TroupeStep *step;

  step = add_command_step (workflow, "build", NULL);
  troupe_step_set_provider (step, "mock");

  diagnostics = validate (workflow);
  assert_codes (diagnostics, "provider-with-command");
  diagnostic = g_ptr_array_index (diagnostics, 0);
  g_assert_cmpstr (diagnostic->step_id, ==, "build");
  assert_contains (diagnostic->message, "has both provider and command");
  assert_contains (diagnostic->message, "remove provider to run the command");
}

static void
test_wait (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeDiagnostic *diagnostic;
  TroupeStep *step;

  add_command_step (workflow, "split", NULL);

  /* Everything a wait must not be combined with, at once. */
  step = add_step (workflow, "everything", TROUPE_STEP_KIND_WAIT, NEEDS ("split"));
  troupe_step_set_wait_glob (step, "inbox/qa/*.task");
  troupe_step_set_wait_timeout (step, 60000);
  troupe_step_set_command (step, NEEDS ("make"));
  troupe_step_set_provider (step, "mock");
  troupe_step_set_prompt (step, "Hello");
  troupe_step_set_prompt_file (step, "prompt.md");
  troupe_step_set_send_content (step, "Hi");
  troupe_step_set_approval (step, "Sure?");
  troupe_step_set_for_each (step, "split");

  /* A wait_for inferred from a timeout alone, on a command step. */
  step = add_command_step (workflow, "command-wait", NULL);
  troupe_step_set_wait_timeout (step, 60000);

  step = add_step (workflow, "forever", TROUPE_STEP_KIND_WAIT, NULL);
  troupe_step_set_wait_glob (step, "inbox/qa/*.task");

  step = add_step (workflow, "slow-poll", TROUPE_STEP_KIND_WAIT, NULL);
  troupe_step_set_wait_glob (step, "inbox/qa/*.task");
  troupe_step_set_wait_timeout (step, 5000);
  troupe_step_set_wait_poll (step, 10000);

  step = add_step (workflow, "equal-poll", TROUPE_STEP_KIND_WAIT, NULL);
  troupe_step_set_wait_glob (step, "inbox/qa/*.task");
  troupe_step_set_wait_timeout (step, 5000);
  troupe_step_set_wait_poll (step, 5000);

  diagnostics = validate (workflow);

  diagnostic = find_code (diagnostics, "wait-for-exclusive", "everything");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'everything' combines wait_for with command, provider, prompt, "
                   "prompt_file, send, approval and for_each; a wait_for step only waits, so "
                   "move them to a step of its own that needs 'everything'");
  diagnostic = find_code (diagnostics, "wait-for-exclusive", "command-wait");
  assert_contains (diagnostic->message, "combines wait_for with command; ");
  assert_contains (diagnostic->message, "move it to");
  diagnostic = find_code (diagnostics, "wait-incomplete", "command-wait");
  assert_contains (diagnostic->message, "add wait_for.glob");
  diagnostic = find_code (diagnostics, "wait-timeout-missing", "forever");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'forever' waits with no timeout and could wait forever; add "
                   "wait_for.timeout, for example '5m'");
  diagnostic = find_code (diagnostics, "out-of-range", "slow-poll");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'slow-poll' polls every 10s but gives up after 5s, so it would look "
                   "only once; make wait_for.poll shorter than wait_for.timeout");

  /* The "everything" step also has both provider and command, and a send
   * with neither recipient nor name. */
  assert_codes (diagnostics,
                "out-of-range,provider-with-command,send-incomplete,wait-for-exclusive,"
                "wait-for-exclusive,wait-incomplete,wait-timeout-missing");
}

static void
test_path_syntax (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeDiagnostic *diagnostic;
  TroupeStep *step;

  add_agent (workflow, "qa", NULL);
  troupe_workflow_set_workspace (workflow, "/srv/work");

  step = add_step (workflow, "design", TROUPE_STEP_KIND_AGENT, NULL);
  troupe_step_set_prompt_file (step, "/etc/passwd");

  step = add_command_step (workflow, "build", NULL);
  troupe_step_set_outputs (step, NEEDS ("ok.txt", "../up/app"));

  step = add_step (workflow, "send-path", TROUPE_STEP_KIND_SEND, NULL);
  troupe_step_set_send_to (step, "qa");
  troupe_step_set_send_file (step, "sub/review");

  step = add_step (workflow, "send-dots", TROUPE_STEP_KIND_SEND, NULL);
  troupe_step_set_send_to (step, "qa");
  troupe_step_set_send_file (step, "..");

  step = add_step (workflow, "wait", TROUPE_STEP_KIND_WAIT, NULL);
  troupe_step_set_wait_glob (step, "/tmp/*.task");
  troupe_step_set_wait_timeout (step, 1000);

  step = add_step (workflow, "wait-up", TROUPE_STEP_KIND_WAIT, NULL);
  troupe_step_set_wait_glob (step, "../inbox/*.task");
  troupe_step_set_wait_timeout (step, 1000);

  diagnostics = validate (workflow);
  assert_codes (diagnostics,
                "unsafe-path,unsafe-path,unsafe-path,unsafe-path,unsafe-path,unsafe-path,"
                "unsafe-path");

  for (guint i = 0; i < diagnostics->len; i++)
    {
      diagnostic = g_ptr_array_index (diagnostics, i);
      if (diagnostic->step_id == NULL)
        g_assert_cmpstr (diagnostic->message, ==,
                         "the workspace '/srv/work' is an absolute path, so the workflow works "
                         "only where that folder exists; write it relative to the folder of the "
                         "workflow file, such as '.' or 'work'");
    }

  diagnostic = find_code (diagnostics, "unsafe-path", "design");
  g_assert_cmpstr (diagnostic->message, ==,
                   "the prompt_file of step 'design' is unsafe: '/etc/passwd' is an absolute "
                   "path; write it relative to the workspace folder (for example 'etc/passwd')");
  diagnostic = find_code (diagnostics, "unsafe-path", "build");
  g_assert_cmpstr (diagnostic->message, ==,
                   "output 2 of step 'build' is unsafe: '../up/app' has a '..' component, "
                   "which could leave the workspace; write a path inside the workspace folder "
                   "without '..'");
  diagnostic = find_code (diagnostics, "unsafe-path", "send-path");
  g_assert_cmpstr (diagnostic->message, ==,
                   "the send.file of step 'send-path' is unsafe: 'sub/review' must be a task "
                   "name, not a path (the task is written as inbox/<to>/<file>.task); write "
                   "'review'");
  diagnostic = find_code (diagnostics, "unsafe-path", "send-dots");
  assert_contains (diagnostic->message, "write a name such as 'review-request'");
  diagnostic = find_code (diagnostics, "unsafe-path", "wait");
  assert_contains (diagnostic->message, "the wait_for glob of step 'wait' is unsafe: '/tmp/*.task' is an absolute path");
  diagnostic = find_code (diagnostics, "unsafe-path", "wait-up");
  assert_contains (diagnostic->message, "'../inbox/*.task' has a '..' component");
}

/* Symlinks in a real workspace: each kind of path that leads outside
 * through one is refused; links that stay inside are fine. */
static void
test_path_symlinks (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *workspace = g_dir_make_tmp ("troupe-validator-ws-XXXXXX", &error);
  g_autofree char *outside = g_dir_make_tmp ("troupe-validator-out-XXXXXX", &error);
  g_autofree char *sub = g_build_filename (workspace, "project", NULL);
  g_autofree char *file = g_build_filename (workspace, "flow.yaml", NULL);
  g_autofree char *inbox = g_build_filename (sub, "inbox", NULL);
  g_autofree char *prompts = g_build_filename (sub, "prompts", NULL);
  g_autofree char *artifacts = g_build_filename (sub, "artifacts", NULL);
  g_autofree char *engineer_inbox = g_build_filename (inbox, "engineer", NULL);
  g_autofree char *qa_inbox = g_build_filename (inbox, "qa", NULL);
  g_autofree char *shared = g_build_filename (sub, "shared", NULL);
  g_autofree char *docs = g_build_filename (sub, "docs", NULL);
  TroupeDiagnostic *diagnostic;
  TroupeStep *step;

  g_assert_no_error (error);
  g_assert_no_errno (g_mkdir (sub, 0755));
  g_assert_no_errno (g_mkdir (inbox, 0755));
  g_assert_no_errno (g_mkdir (shared, 0755));
  g_assert_no_errno (symlink (outside, prompts));
  g_assert_no_errno (symlink (outside, artifacts));
  g_assert_no_errno (symlink (outside, engineer_inbox));
  g_assert_no_errno (symlink ("../../", qa_inbox));
  g_assert_no_errno (symlink ("shared", docs));

  /* The workspace is a folder beside the file. */
  troupe_workflow_set_file (workflow, file);
  troupe_workflow_set_workspace (workflow, "project");
  add_agent (workflow, "engineer", NULL);
  add_agent (workflow, "qa", NULL);

  step = add_step (workflow, "design", TROUPE_STEP_KIND_AGENT, NULL);
  troupe_step_set_prompt_file (step, "prompts/design.md");

  step = add_command_step (workflow, "build", NULL);
  troupe_step_set_outputs (step, NEEDS ("docs/inside.md", "artifacts/app", "new/dir/file"));

  step = add_step (workflow, "hand-off", TROUPE_STEP_KIND_SEND, NULL);
  troupe_step_set_send_to (step, "qa");
  troupe_step_set_send_file (step, "review");

  step = add_step (workflow, "hand-on", TROUPE_STEP_KIND_SEND, NULL);
  troupe_step_set_send_to (step, "engineer");
  troupe_step_set_send_file (step, "fix");

  step = add_step (workflow, "wait", TROUPE_STEP_KIND_WAIT, NULL);
  troupe_step_set_wait_glob (step, "inbox/engineer/*.task");
  troupe_step_set_wait_timeout (step, 1000);

  step = add_step (workflow, "wait-inside", TROUPE_STEP_KIND_WAIT, NULL);
  troupe_step_set_wait_glob (step, "docs/*/x?.task");
  troupe_step_set_wait_timeout (step, 1000);

  /* With template variables, the folders before the first one are
   * checked now; the rest is known only when the step runs. */
  step = add_command_step (workflow, "templated", NULL);
  troupe_step_set_outputs (step, NEEDS ("docs/${run.id}/report.md", "artifacts/${run.id}/x"));
  step = add_step (workflow, "wait-templated", TROUPE_STEP_KIND_WAIT, NULL);
  troupe_step_set_wait_glob (step, "inbox/engineer/${run.id}-*.task");
  troupe_step_set_wait_timeout (step, 1000);

  diagnostics = validate (workflow);
  assert_codes (diagnostics,
                "unsafe-path,unsafe-path,unsafe-path,unsafe-path,unsafe-path,unsafe-path,"
                "unsafe-path");
  diagnostic = find_code (diagnostics, "unsafe-path", "templated");
  g_assert_cmpstr (diagnostic->message, ==,
                   "output 2 of step 'templated' is unsafe: 'artifacts' goes through a symbolic "
                   "link that leads outside the workspace; point the link inside the workspace "
                   "or use another path");
  diagnostic = find_code (diagnostics, "unsafe-path", "wait-templated");
  assert_contains (diagnostic->message, "'inbox/engineer' goes through");

  diagnostic = find_code (diagnostics, "unsafe-path", "design");
  g_assert_cmpstr (diagnostic->message, ==,
                   "the prompt_file of step 'design' is unsafe: 'prompts/design.md' goes "
                   "through a symbolic link that leads outside the workspace; point the link "
                   "inside the workspace or use another path");
  diagnostic = find_code (diagnostics, "unsafe-path", "build");
  assert_contains (diagnostic->message, "output 2 of step 'build' is unsafe: 'artifacts/app'");
  diagnostic = find_code (diagnostics, "unsafe-path", "hand-off");
  assert_contains (diagnostic->message,
                   "the task file of step 'hand-off' is unsafe: 'inbox/qa/review.task' goes "
                   "through a symbolic link");
  diagnostic = find_code (diagnostics, "unsafe-path", "hand-on");
  assert_contains (diagnostic->message, "'inbox/engineer/fix.task'");
  diagnostic = find_code (diagnostics, "unsafe-path", "wait");
  assert_contains (diagnostic->message,
                   "the wait_for glob of step 'wait' is unsafe: 'inbox/engineer' goes through");

  troupe_test_remove_tree (workspace);
  troupe_test_remove_tree (outside);
}

static void
test_globs (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeDiagnostic *diagnostic;
  TroupeStep *step;

  step = add_step (workflow, "recursive", TROUPE_STEP_KIND_WAIT, NULL);
  troupe_step_set_wait_glob (step, "inbox/**/*.task");
  troupe_step_set_wait_timeout (step, 1000);

  step = add_step (workflow, "class", TROUPE_STEP_KIND_WAIT, NULL);
  troupe_step_set_wait_glob (step, "inbox/[ab].task");
  troupe_step_set_wait_timeout (step, 1000);

  step = add_step (workflow, "braces", TROUPE_STEP_KIND_WAIT, NULL);
  troupe_step_set_wait_glob (step, "inbox/{a,b}.task");
  troupe_step_set_wait_timeout (step, 1000);

  diagnostics = validate (workflow);
  assert_codes (diagnostics, "bad-glob,bad-glob,bad-glob");

  diagnostic = find_code (diagnostics, "bad-glob", "recursive");
  g_assert_cmpstr (diagnostic->message, ==,
                   "the wait_for glob of step 'recursive' is not supported: 'inbox/**/*.task' "
                   "uses '**', but globs match one folder level per '/' (POSIX '*' and '?' "
                   "only); name each folder, as in 'inbox/*/*.task'");
  diagnostic = find_code (diagnostics, "bad-glob", "class");
  assert_contains (diagnostic->message, "uses '['");
  diagnostic = find_code (diagnostics, "bad-glob", "braces");
  assert_contains (diagnostic->message, "uses '{'");
}

static void
test_prompts (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeDiagnostic *diagnostic;
  TroupeStep *step;

  add_step (workflow, "silent", TROUPE_STEP_KIND_AGENT, NULL);
  step = add_agent_step (workflow, "both", "Design.", NULL);
  troupe_step_set_prompt_file (step, "prompts/design.md");
  step = add_step (workflow, "file-only", TROUPE_STEP_KIND_AGENT, NULL);
  troupe_step_set_prompt_file (step, "prompts/design.md");

  diagnostics = validate (workflow);
  assert_codes (diagnostics, "missing-prompt,prompt-conflict");

  diagnostic = find_code (diagnostics, "missing-prompt", "silent");
  g_assert_cmpstr (diagnostic->message, ==,
                   "agent step 'silent' has no prompt; add prompt (the text to send) or "
                   "prompt_file (a file in the workspace)");
  diagnostic = find_code (diagnostics, "prompt-conflict", "both");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'both' has both prompt and prompt_file; keep only one of them");
}

static void
test_commands (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeDiagnostic *diagnostic;
  TroupeStep *step;

  add_step (workflow, "nothing", TROUPE_STEP_KIND_COMMAND, NULL);
  step = add_step (workflow, "blank", TROUPE_STEP_KIND_COMMAND, NULL);
  troupe_step_set_command (step, NEEDS ("", "--all"));

  diagnostics = validate (workflow);
  assert_codes (diagnostics, "empty-command,empty-command");

  diagnostic = find_code (diagnostics, "empty-command", "nothing");
  g_assert_cmpstr (diagnostic->message, ==,
                   "command step 'nothing' has no command; write the program and its arguments "
                   "as a list, for example [make, test]");
  diagnostic = find_code (diagnostics, "empty-command", "blank");
  assert_contains (diagnostic->message, "has an empty program name");
}

static void
test_send (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeDiagnostic *diagnostic;
  TroupeStep *step;

  add_agent (workflow, "qa", NULL);
  add_step (workflow, "empty", TROUPE_STEP_KIND_SEND, NULL);
  step = add_step (workflow, "no-to", TROUPE_STEP_KIND_SEND, NULL);
  troupe_step_set_send_file (step, "review");
  step = add_step (workflow, "no-file", TROUPE_STEP_KIND_SEND, NULL);
  troupe_step_set_send_to (step, "qa");
  troupe_step_set_send_content (step, "Please review.");

  diagnostics = validate (workflow);
  assert_codes (diagnostics, "send-incomplete,send-incomplete,send-incomplete");

  diagnostic = find_code (diagnostics, "send-incomplete", "empty");
  assert_contains (diagnostic->message, "names neither its recipient nor its name");
  diagnostic = find_code (diagnostics, "send-incomplete", "no-to");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'no-to' sends a task but names no recipient; add send.to, the agent "
                   "whose inbox receives it");
  diagnostic = find_code (diagnostics, "send-incomplete", "no-file");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'no-file' sends a task but does not name it; add send.file, the "
                   "task's name (it is written as inbox/qa/<file>.task)");
}

static void
test_no_provider (void)
{
  g_autoptr(TroupeWorkflow) workflow = troupe_workflow_new ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeDiagnostic *diagnostic;
  TroupeStep *step;

  add_agent (workflow, "architect", NULL);
  add_agent (workflow, "engineer", "codex");

  add_agent_step (workflow, "bare", "Hello.", NULL);
  step = add_agent_step (workflow, "with-agent", "Hello.", NULL);
  troupe_step_set_agent (step, "architect");
  step = add_agent_step (workflow, "agent-provider", "Hello.", NULL);
  troupe_step_set_agent (step, "engineer");
  step = add_agent_step (workflow, "own-provider", "Hello.", NULL);
  troupe_step_set_provider (step, "shell");
  /* An unknown agent is reported as such, not also as no provider. */
  step = add_agent_step (workflow, "typo", "Hello.", NULL);
  troupe_step_set_agent (step, "architekt");
  /* Command steps run without a provider. */
  add_command_step (workflow, "build", NULL);

  diagnostics = validate (workflow);
  assert_codes (diagnostics, "no-provider,no-provider,unknown-agent");

  diagnostic = find_code (diagnostics, "no-provider", "bare");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'bare' has no provider to run with; set provider on the step, give it "
                   "an agent that has one, or set defaults.provider (built-in: claude, codex, "
                   "gemini, mock, shell)");
  diagnostic = find_code (diagnostics, "no-provider", "with-agent");
  assert_contains (diagnostic->message, "on agent 'architect'");
  g_object_unref (workflow);

  /* A default provider serves every agent step. */
  workflow = troupe_workflow_new ();
  troupe_workflow_set_default_provider (workflow, "claude");
  add_agent_step (workflow, "bare", "Hello.", NULL);
  g_clear_pointer (&diagnostics, g_ptr_array_unref);
  diagnostics = validate (workflow);
  assert_codes (diagnostics, "");
}

static void
test_step_refs (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeDiagnostic *diagnostic;
  TroupeStep *step;

  add_agent (workflow, "qa", NULL);
  add_agent_step (workflow, "design", "Design.", NULL);
  add_agent_step (workflow, "review", "Review.", NULL);

  step = add_agent_step (workflow, "build",
                         "Build ${steps.desgn.output}, twice: ${steps.desgn.lines}", NEEDS ("design"));
  step = add_agent_step (workflow, "iterate", "Do it.", NEEDS ("design"));
  troupe_step_set_for_each (step, "desgn");
  step = add_command_step (workflow, "ship", NEEDS ("build"));
  troupe_step_set_when (step, TROUPE_CONDITION_OP_CONTAINS, "${steps.review.output}", "LGTM");
  step = add_command_step (workflow, "deploy", NEEDS ("ship"));
  troupe_step_set_command (step, NEEDS ("deploy", "--notes=${steps.nothing-like-it.output}"));
  step = add_step (workflow, "notify", TROUPE_STEP_KIND_SEND, NEEDS ("deploy"));
  troupe_step_set_send_to (step, "qa");
  troupe_step_set_send_file (step, "deployed");
  /* design is upstream of notify through build, ship and deploy. */
  troupe_step_set_send_content (step, "Deployed ${steps.design.output} ${steps.notify.output}");
  step = add_step (workflow, "gate", TROUPE_STEP_KIND_APPROVAL, NULL);
  troupe_step_set_approval (step, "Ship ${steps.review.output}?");

  diagnostics = validate (workflow);
  assert_codes (diagnostics,
                "not-upstream,not-upstream,not-upstream,unknown-step-ref,unknown-step-ref,"
                "unknown-step-ref");

  /* The same reference twice in one step is reported once. */
  diagnostic = find_code (diagnostics, "unknown-step-ref", "build");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'build' refers to step 'desgn' in its prompt (${steps.desgn.output}), "
                   "but there is no such step; did you mean 'design'?");
  diagnostic = find_code (diagnostics, "unknown-step-ref", "iterate");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'iterate' refers to step 'desgn' in for_each, but there is no such "
                   "step; did you mean 'design'?");
  diagnostic = find_code (diagnostics, "unknown-step-ref", "deploy");
  assert_contains (diagnostic->message, "in its command (${steps.nothing-like-it.output})");
  assert_contains (diagnostic->message, "fix the step id or add that step");
  diagnostic = find_code (diagnostics, "not-upstream", "ship");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'ship' uses the result of step 'review' in its when condition "
                   "(${steps.review.output}), but does not depend on it, so 'review' may not "
                   "have run yet; add 'review' to the needs of 'ship'");
  diagnostic = find_code (diagnostics, "not-upstream", "notify");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'notify' refers to its own result in its send content "
                   "(${steps.notify.output}), which does not exist while it runs; refer to a "
                   "step that 'notify' needs instead");
  diagnostic = find_code (diagnostics, "not-upstream", "gate");
  assert_contains (diagnostic->message, "in its approval message");
}

static void
test_templates (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(TroupeProvider) provider = troupe_provider_new ("my-llm");
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeDiagnostic *diagnostic;
  TroupeStep *step;

  troupe_workflow_set_context (workflow, "project", "todo-app");
  troupe_provider_set_command (provider, NEEDS ("my-llm", "${prompt}", "${item}", "${modle}"));
  troupe_workflow_add_provider (workflow, provider);
  add_agent (workflow, "qa", NULL);

  add_agent_step (workflow, "a", "Plan ${context.projct}", NULL);
  add_agent_step (workflow, "b", "Use ${contxt.x}", NULL);
  add_agent_step (workflow, "c", "Run ${run.idd}", NULL);
  add_agent_step (workflow, "d", "Do ${item}", NULL);
  step = add_command_step (workflow, "e", NULL);
  troupe_step_set_command (step, NEEDS ("echo", "${prompt}"));
  add_agent_step (workflow, "f", "Read ${steps.a.outpt}", NEEDS ("a"));
  add_agent_step (workflow, "g", "Read ${steps.a}", NEEDS ("a"));
  add_agent_step (workflow, "h", "Broken ${steps.a.output", NEEDS ("a"));

  /* Correct uses: none of these is reported. */
  add_agent_step (workflow, "fine",
                  "Literal $${steps.nothing.output}, ${context.project}, ${run.id}, "
                  "${run.timestamp_utc}, ${steps.a.status} and ${steps.a.lines}",
                  NEEDS ("a"));
  step = add_agent_step (workflow, "each", "Do ${item} for ${steps.a.output}", NEEDS ("a"));
  troupe_step_set_for_each (step, "a");
  troupe_step_set_outputs (step, NEEDS ("out/${item}.md"));
  step = add_step (workflow, "wait", TROUPE_STEP_KIND_WAIT, NULL);
  troupe_step_set_wait_glob (step, "inbox/${context.project}/*.task");
  troupe_step_set_wait_timeout (step, 1000);
  step = add_step (workflow, "tell", TROUPE_STEP_KIND_SEND, NEEDS ("a"));
  troupe_step_set_send_to (step, "qa");
  troupe_step_set_send_file (step, "from-${steps.a.output}");

  diagnostics = validate (workflow);
  assert_codes (diagnostics,
                "bad-template,unknown-variable,unknown-variable,unknown-variable,"
                "unknown-variable,unknown-variable,unknown-variable,unknown-variable,"
                "unknown-variable");

  diagnostic = find_code (diagnostics, "unknown-variable", "a");
  g_assert_cmpint (diagnostic->severity, ==, TROUPE_SEVERITY_WARNING);
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'a' uses ${context.projct} in its prompt, but context has no key "
                   "'projct'; did you mean ${context.project}?");
  diagnostic = find_code (diagnostics, "unknown-variable", "b");
  g_assert_cmpint (diagnostic->severity, ==, TROUPE_SEVERITY_ERROR);
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'b' uses ${contxt.x} in its prompt, which is not a variable; the "
                   "variables are run.id, run.timestamp_utc, context.KEY, steps.ID.output, "
                   "steps.ID.lines, steps.ID.status and item (in a step with for_each)");
  diagnostic = find_code (diagnostics, "unknown-variable", "c");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'c' uses ${run.idd} in its prompt, which is not a variable; did you "
                   "mean ${run.id}?");
  diagnostic = find_code (diagnostics, "unknown-variable", "d");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'd' uses ${item} in its prompt, but ${item} has a value only in a step "
                   "with for_each; add for_each or use another variable");
  diagnostic = find_code (diagnostics, "unknown-variable", "e");
  assert_contains (diagnostic->message, "uses ${prompt} in its command, but ${prompt} has a "
                                        "value only in a provider's command");
  diagnostic = find_code (diagnostics, "unknown-variable", "f");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'f' uses ${steps.a.outpt} in its prompt, but a step has .output, "
                   ".lines and .status; did you mean ${steps.a.output}?");
  diagnostic = find_code (diagnostics, "unknown-variable", "g");
  assert_contains (diagnostic->message, "write ${steps.a.output}, for example");
  diagnostic = find_code (diagnostics, "bad-template", "h");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'h' has a broken template in its prompt: the variable that starts "
                   "with '${' at column 8 is not closed; end it with '}', or write '$${' for "
                   "a literal '${'");

  /* In a provider's command, ${prompt} and ${item} are fine. */
  for (guint i = 0; i < diagnostics->len; i++)
    {
      diagnostic = g_ptr_array_index (diagnostics, i);
      if (diagnostic->step_id == NULL)
        g_assert_cmpstr (diagnostic->message, ==,
                         "provider 'my-llm' uses ${modle} in its command, which is not a "
                         "variable; the variables are run.id, run.timestamp_utc, context.KEY, "
                         "steps.ID.output, steps.ID.lines, steps.ID.status and item (in a step "
                         "with for_each)");
    }
}

static void
test_out_of_range (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeRetryPolicy retries = { 3, TROUPE_BACKOFF_EXPONENTIAL, 10 * 60000, 60000, 0.0 };
  TroupeDiagnostic *diagnostic;
  TroupeStep *step;

  step = add_command_step (workflow, "exponential", NULL);
  troupe_step_set_retries (step, &retries);

  /* With fixed backoff, the default max_delay does not cap the delay. */
  retries.backoff = TROUPE_BACKOFF_FIXED;
  retries.max_delay_ms = TROUPE_RETRY_DEFAULT_MAX_DELAY_MS;
  step = add_command_step (workflow, "fixed-default", NULL);
  troupe_step_set_retries (step, &retries);

  /* But one that was written and contradicts the delay is reported. */
  retries.max_delay_ms = 60000;
  step = add_command_step (workflow, "fixed-written", NULL);
  troupe_step_set_retries (step, &retries);

  step = add_command_step (workflow, "instant", NULL);
  troupe_step_set_timeout (step, 0);

  /* Ranges the loaders check, for models built through the API. */
  retries = (TroupeRetryPolicy) { 500, TROUPE_BACKOFF_FIXED, 1000, 60000, 2.0 };
  step = add_command_step (workflow, "api", NULL);
  troupe_step_set_retries (step, &retries);
  troupe_step_set_timeout (step, TROUPE_DURATION_MAX_MS + 1);

  troupe_workflow_set_default_timeout (workflow, 0);

  diagnostics = validate (workflow);
  assert_codes (diagnostics,
                "out-of-range,out-of-range,out-of-range,out-of-range,out-of-range,out-of-range,"
                "out-of-range");

  diagnostic = find_code (diagnostics, "out-of-range", "exponential");
  g_assert_cmpstr (diagnostic->message, ==,
                   "step 'exponential' waits 10m between retries but at most 1m (max_delay); "
                   "make retries.delay at most retries.max_delay");
  diagnostic = find_code (diagnostics, "out-of-range", "fixed-written");
  assert_contains (diagnostic->message, "waits 10m between retries but at most 1m");
  diagnostic = find_code (diagnostics, "out-of-range", "instant");
  g_assert_cmpstr (diagnostic->message, ==,
                   "the timeout of step 'instant' is 0s, so it would time out at once; give a "
                   "positive duration such as '10m' or remove the timeout");

  for (guint i = 0; i < diagnostics->len; i++)
    {
      diagnostic = g_ptr_array_index (diagnostics, i);
      if (g_strcmp0 (diagnostic->step_id, "api") == 0)
        g_assert_true (g_str_equal (diagnostic->message,
                                    "step 'api' retries 500 times, more than the most allowed "
                                    "(100); lower retries.max") ||
                       g_str_equal (diagnostic->message,
                                    "the retry jitter of step 'api' is 2; write a number from 0 "
                                    "to 1, such as 0.2") ||
                       g_str_equal (diagnostic->message,
                                    "the timeout of step 'api' is longer than the longest allowed "
                                    "duration (30d); use a shorter one"));
      if (diagnostic->step_id == NULL)
        g_assert_cmpstr (diagnostic->message, ==,
                         "the timeout of the defaults is 0s, so it would time out at once; give "
                         "a positive duration such as '10m' or remove the timeout");
    }
}

static void
test_empty (void)
{
  g_autoptr(TroupeWorkflow) workflow = troupe_workflow_new ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeDiagnostic *diagnostic;

  diagnostics = validate (workflow);
  assert_codes (diagnostics, "empty-workflow");

  diagnostic = g_ptr_array_index (diagnostics, 0);
  g_assert_cmpint (diagnostic->severity, ==, TROUPE_SEVERITY_WARNING);
  g_assert_null (diagnostic->step_id);
  g_assert_false (troupe_diagnostics_have_errors (diagnostics));
  g_assert_cmpstr (diagnostic->message, ==,
                   "the workflow has no steps, so running it does nothing; add a step under steps");
  g_clear_pointer (&diagnostics, g_ptr_array_unref);

  /* Steps the loader could not read are not "no steps". */
  troupe_workflow_add_load_diagnostic (workflow,
                                       troupe_diagnostic_new (TROUPE_SEVERITY_ERROR, "bad-step-id",
                                                              "a b", 3, 3, "bad id"));
  diagnostics = validate (workflow);
  assert_codes (diagnostics, "bad-step-id");
}

static void
test_load_diagnostics (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeDiagnostic *load;
  TroupeDiagnostic *diagnostic;

  troupe_workflow_set_file (workflow, "flow.yaml");
  add_command_step (workflow, "build", NEEDS ("missing"));
  troupe_workflow_set_location (workflow, "/steps/build", 3, 3);
  troupe_workflow_set_location (workflow, "/steps/build/needs/0", 5, 13);

  load = troupe_diagnostic_new (TROUPE_SEVERITY_ERROR, "unknown-key", "build", 4, 5,
                                "step 'build' has an unknown key 'nedds'; did you mean 'needs'?");
  troupe_diagnostic_set_file (load, "flow.yaml");
  troupe_workflow_add_load_diagnostic (workflow, load);

  diagnostics = validate (workflow);
  assert_codes (diagnostics, "missing-need,unknown-key");

  /* Sorted by position: the load diagnostic's line 4 before line 5. */
  diagnostic = g_ptr_array_index (diagnostics, 0);
  g_assert_cmpstr (diagnostic->code, ==, "unknown-key");
  g_assert_true (diagnostic != load);
  g_assert_cmpuint (diagnostic->line, ==, 4);
  g_assert_cmpstr (diagnostic->file, ==, "flow.yaml");

  diagnostic = g_ptr_array_index (diagnostics, 1);
  g_assert_cmpstr (diagnostic->code, ==, "missing-need");
  g_assert_cmpstr (diagnostic->file, ==, "flow.yaml");
  g_assert_cmpuint (diagnostic->line, ==, 5);
  g_assert_cmpuint (diagnostic->column, ==, 13);

  /* The workflow keeps its own; validating twice gives the same. */
  g_assert_cmpuint (troupe_workflow_get_load_diagnostics (workflow)->len, ==, 1);
  g_clear_pointer (&diagnostics, g_ptr_array_unref);
  diagnostics = validate (workflow);
  g_assert_cmpuint (diagnostics->len, ==, 2);
}

/* The key each rule is about, relative to its step (or to the workflow),
 * from the loader and from the validator, as the inspector and
 * `troupe validate --json` see it. */
static void
test_pointers (void)
{
  static const char yaml[] =
    "troupe: 1\n"
    "defaults:\n"
    "  provider: mock\n"
    "  timeout: 0s\n"
    "  max_parallel: 0\n"
    "agents:\n"
    "  qa: {}\n"
    "steps:\n"
    "  ok:\n"
    "    command: [make]\n"
    "  loop1:\n"
    "    command: [make]\n"
    "    needs: [loop2]\n"
    "  loop2:\n"
    "    command: [make]\n"
    "    needs: [ok, loop1, nowhere]\n"
    "  writer:\n"
    "    agent: critic\n"
    "    prompt: Hi\n"
    "  both:\n"
    "    prompt: Hi\n"
    "    prompt_file: prompts/both.md\n"
    "  silent:\n"
    "    kind: agent\n"
    "  watch:\n"
    "    wait_for: {glob: 'inbox/**/*.task', timeout: 5m, poll: 10m}\n"
    "  no-glob:\n"
    "    wait_for: {timeout: 5m}\n"
    "  no-file:\n"
    "    send: {to: qa}\n"
    "  stranger:\n"
    "    send: {to: nobody, file: hello}\n"
    "  instant:\n"
    "    command: [make]\n"
    "    timeout: 0s\n"
    "    retries: 500\n"
    "  typo:\n"
    "    command: [make]\n"
    "    nedds: [ok]\n"
    "  refs:\n"
    "    prompt: ${steps.elsewhere.output}\n"
    "    needs: [ok]\n"
    "    when: {equals: [x, '${context.nope}']}\n";
  static const struct
  {
    const char *code;
    const char *step;
    const char *pointer;
  } cases[] = {
    { "missing-need", "loop2", "needs/2" },
    { "unknown-agent", "writer", "agent" },
    { "prompt-conflict", "both", "prompt_file" },
    { "missing-prompt", "silent", NULL },
    { "bad-glob", "watch", "wait_for/glob" },
    { "out-of-range", "watch", "wait_for/poll" },
    { "wait-incomplete", "no-glob", "wait_for/glob" },
    { "send-incomplete", "no-file", "send/file" },
    { "unknown-agent", "stranger", "send/to" },
    { "out-of-range", "instant", "timeout" },
    { "unknown-key", "typo", "nedds" },
    { "unknown-step-ref", "refs", "prompt" },
    { "unknown-variable", "refs", "when/equals/1" },
  };
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(TroupeDiagnostic) syntax = NULL;
  g_autoptr(GPtrArray) diagnostics = NULL;
  g_autoptr(TroupeDiagnostic) copy = NULL;
  g_autoptr(GError) error = NULL;
  TroupeDiagnostic *diagnostic;
  const char * const *needs;
  gboolean found_retries = FALSE;

  workflow = troupe_workflow_new_from_data (yaml, -1, TROUPE_FILE_FORMAT_YAML, "pointers.yaml",
                                            &syntax, &error);
  g_assert_no_error (error);
  g_assert_null (syntax);
  diagnostics = validate (workflow);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      diagnostic = find_code (diagnostics, cases[i].code, cases[i].step);
      g_assert_cmpstr (diagnostic->pointer, ==, cases[i].pointer);
    }

  /* The cycle points at the need of its first step that closes it. */
  diagnostic = find_code (diagnostics, "cycle", NULL);
  needs = troupe_step_get_needs (troupe_workflow_lookup_step (workflow, diagnostic->step_id));
  g_assert_true (g_str_has_prefix (diagnostic->pointer, "needs/"));
  g_assert_cmpstr (needs[atoi (diagnostic->pointer + strlen ("needs/"))], ==,
                   g_str_equal (diagnostic->step_id, "loop1") ? "loop2" : "loop1");

  /* Both out-of-range rules of "instant": the loader's (retries: 500) and
   * the validator's (timeout: 0s) name their own key. */
  for (guint i = 0; i < diagnostics->len; i++)
    {
      diagnostic = g_ptr_array_index (diagnostics, i);
      if (g_str_equal (diagnostic->code, "out-of-range") &&
          g_strcmp0 (diagnostic->step_id, "instant") == 0 &&
          g_strcmp0 (diagnostic->pointer, "retries") == 0)
        found_retries = TRUE;
    }
  g_assert_true (found_retries);

  /* Outside steps, the path is from the top of the workflow. */
  for (guint i = 0; i < diagnostics->len; i++)
    {
      diagnostic = g_ptr_array_index (diagnostics, i);
      if (diagnostic->step_id == NULL)
        g_assert_true (g_str_equal (diagnostic->pointer, "defaults/timeout") ||
                       g_str_equal (diagnostic->pointer, "defaults/max_parallel"));
    }
  g_assert_nonnull (find_code (diagnostics, "out-of-range", NULL));

  /* Copies keep it; JSON has it only when it is known. */
  diagnostic = find_code (diagnostics, "bad-glob", "watch");
  copy = troupe_diagnostic_copy (diagnostic);
  g_assert_cmpstr (copy->pointer, ==, "wait_for/glob");
  {
    g_autoptr(JsonNode) node = troupe_diagnostic_to_json (copy);
    JsonObject *object = json_node_get_object (node);

    g_assert_cmpstr (json_object_get_string_member (object, "pointer"), ==, "wait_for/glob");
  }
  {
    g_autoptr(JsonNode) node = troupe_diagnostic_to_json (find_code (diagnostics, "missing-prompt", "silent"));

    g_assert_false (json_object_has_member (json_node_get_object (node), "pointer"));
  }

  /* Set and cleared through the API; "" means the owner as a whole. */
  troupe_diagnostic_set_pointer (copy, "needs/1");
  g_assert_cmpstr (copy->pointer, ==, "needs/1");
  troupe_diagnostic_set_pointer (copy, "");
  g_assert_null (copy->pointer);
}

static void
test_sorted (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  TroupeDiagnostic *diagnostic;
  TroupeStep *step;

  troupe_workflow_set_file (workflow, "flow.yaml");

  /* Steps added in one order, located in another; a field without a
   * location of its own falls back to its step's. */
  step = add_step (workflow, "late", TROUPE_STEP_KIND_AGENT, NULL);
  troupe_workflow_set_location (workflow, "/steps/late", 30, 3);
  step = add_command_step (workflow, "early", NEEDS ("nope"));
  troupe_step_set_provider (step, "mock");
  troupe_workflow_set_location (workflow, "/steps/early", 10, 3);
  troupe_workflow_set_location (workflow, "/steps/early/provider", 11, 15);
  step = add_command_step (workflow, "middle", NEEDS ("middle"));
  troupe_workflow_set_location (workflow, "/steps/middle", 20, 3);
  troupe_workflow_set_location (workflow, "/steps/middle/needs/0", 21, 13);
  troupe_workflow_set_location (workflow, "", 1, 1);

  diagnostics = validate (workflow);
  assert_sorted (diagnostics);
  g_assert_cmpuint (diagnostics->len, ==, 4);

  diagnostic = g_ptr_array_index (diagnostics, 0);
  g_assert_cmpstr (diagnostic->code, ==, "missing-need");
  g_assert_cmpuint (diagnostic->line, ==, 10);
  diagnostic = g_ptr_array_index (diagnostics, 1);
  g_assert_cmpstr (diagnostic->code, ==, "provider-with-command");
  g_assert_cmpuint (diagnostic->line, ==, 11);
  g_assert_cmpuint (diagnostic->column, ==, 15);
  diagnostic = g_ptr_array_index (diagnostics, 2);
  g_assert_cmpstr (diagnostic->code, ==, "self-need");
  g_assert_cmpuint (diagnostic->line, ==, 21);
  diagnostic = g_ptr_array_index (diagnostics, 3);
  g_assert_cmpstr (diagnostic->code, ==, "missing-prompt");
  g_assert_cmpuint (diagnostic->line, ==, 30);

  {
    g_autofree char *text = troupe_diagnostic_to_string (diagnostic);

    g_assert_cmpstr (text, ==,
                     "flow.yaml:30:3: error: agent step 'late' has no prompt; add prompt (the "
                     "text to send) or prompt_file (a file in the workspace)");
  }
}

#define N_LARGE 10000

/* Shapes of large workflows, each built with @n steps; validating them
 * must take time linear in @n. */

/* A chain, each step using the result of the step two before it. */
static TroupeWorkflow *
build_chain_recent (guint n)
{
  TroupeWorkflow *workflow = new_workflow ();

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("s%u", i);
      g_autofree char *previous = g_strdup_printf ("s%u", i - 1);
      g_autofree char *prompt = g_strdup_printf ("Use ${steps.s%u.output}", i >= 2 ? i - 2 : 0);

      add_agent_step (workflow, id, i >= 2 ? prompt : "Start.", i > 0 ? NEEDS (previous) : NULL);
    }

  return workflow;
}

/* A chain, every step using the result of the first one. */
static TroupeWorkflow *
build_chain_first (guint n)
{
  TroupeWorkflow *workflow = new_workflow ();

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("s%u", i);
      g_autofree char *previous = g_strdup_printf ("s%u", i - 1);

      add_agent_step (workflow, id, i > 0 ? "Use ${steps.s0.output}" : "Start.",
                      i > 0 ? NEEDS (previous) : NULL);
    }

  return workflow;
}

/* A chain and a last step that sums up the result of every other one. */
static TroupeWorkflow *
build_chain_summary (guint n)
{
  TroupeWorkflow *workflow = new_workflow ();
  g_autoptr(GString) summary = g_string_new ("Sum up");
  g_autofree char *last = g_strdup_printf ("s%u", n - 2);

  for (guint i = 0; i + 1 < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("s%u", i);
      g_autofree char *previous = g_strdup_printf ("s%u", i - 1);

      add_agent_step (workflow, id, "Work.", i > 0 ? NEEDS (previous) : NULL);
      g_string_append_printf (summary, " ${steps.s%u.output}", i);
    }
  add_agent_step (workflow, "summary", summary->str, NEEDS (last));

  return workflow;
}

/* One root, @n steps that need it, and a step nobody needs. */
static TroupeWorkflow *
build_fan (guint n)
{
  TroupeWorkflow *workflow = new_workflow ();

  add_agent_step (workflow, "root", "Start.", NULL);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("s%u", i);

      add_agent_step (workflow, id, "Use ${steps.root.output} and ${steps.sink.output}",
                      NEEDS ("root"));
    }
  add_agent_step (workflow, "sink", "End.", NULL);

  return workflow;
}

/* The best of three runs, to keep a busy machine from skewing it. */
static gint64
time_validate (TroupeWorkflow *workflow,
               guint          *n_diagnostics)
{
  gint64 best = G_MAXINT64;

  for (guint k = 0; k < 3; k++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GPtrArray) diagnostics = troupe_workflow_validate (workflow);
      gint64 elapsed = g_get_monotonic_time () - start;

      best = MIN (best, elapsed);
      *n_diagnostics = diagnostics->len;
    }

  return best;
}

static void
test_large_shapes (void)
{
  const struct
  {
    const char      *name;
    TroupeWorkflow *(*build) (guint n);
    guint            n_diagnostics;   /* for N_LARGE steps */
  } shapes[] = {
    { "chain using recent results", build_chain_recent, 0 },
    { "chain using the first result", build_chain_first, 0 },
    { "chain summed up by one step", build_chain_summary, 0 },
    { "fan using an unrelated step", build_fan, N_LARGE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      g_autoptr(TroupeWorkflow) small = shapes[i].build (N_LARGE / 4);
      g_autoptr(TroupeWorkflow) large = shapes[i].build (N_LARGE);
      guint n_small = 0;
      guint n_large = 0;
      gint64 t_small = time_validate (small, &n_small);
      gint64 t_large = time_validate (large, &n_large);

      g_test_message ("%s: %u steps in %" G_GINT64_FORMAT " us, %u steps in %" G_GINT64_FORMAT " us",
                      shapes[i].name, N_LARGE / 4, t_small, N_LARGE, t_large);
      g_assert_cmpuint (n_large, ==, shapes[i].n_diagnostics);

      /* Four times the steps: about four times the time when linear (a
       * little more once the steps outgrow the CPU caches), sixteen times
       * when quadratic. The constant absorbs noise on a busy machine; the
       * absolute bound is generous for sanitizer builds. */
      g_assert_cmpint (t_large, <, 8 * t_small + 100000);
      g_assert_cmpint (t_large, <, 5 * G_USEC_PER_SEC);
    }
}

/* A chain closed into one cycle of ten thousand steps, every step using
 * the result of the first: one cycle, no stack overflow. */
static void
test_large_cycle (void)
{
  g_autoptr(TroupeWorkflow) workflow = new_workflow ();
  g_autoptr(GPtrArray) diagnostics = NULL;
  g_autofree char *last = g_strdup_printf ("s%u", N_LARGE - 1);
  g_autofree char *tail = g_strdup_printf ("s%u → s0 form a cycle", N_LARGE - 1);
  TroupeDiagnostic *diagnostic;
  gint64 start;
  gint64 elapsed;

  for (guint i = 0; i < N_LARGE; i++)
    {
      g_autofree char *id = g_strdup_printf ("s%u", i);
      g_autofree char *previous = g_strdup_printf ("s%u", i - 1);

      add_agent_step (workflow, id, "Use ${steps.s0.output}", NEEDS (i > 0 ? previous : last));
    }

  start = g_get_monotonic_time ();
  diagnostics = troupe_workflow_validate (workflow);
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("validated a cycle of %u steps in %" G_GINT64_FORMAT " us", N_LARGE, elapsed);

  /* In a cycle every step is upstream of every other; s0 refers to itself. */
  assert_codes (diagnostics, "cycle,not-upstream");
  diagnostic = find_code (diagnostics, "cycle", "s0");
  g_assert_true (g_str_has_prefix (diagnostic->message,
                                   "steps s0 → s1 → s2 → s3 → s4 → s5 → s6 → s7 → s8 → s9 → "
                                   "… (9980 more) → s9990 → "));
  assert_contains (diagnostic->message, tail);
  g_assert_cmpint (elapsed, <, 5 * G_USEC_PER_SEC);
}

/* Every step @id depends on, by a plain search over needs: the slow,
 * obvious answer to compare the validator with. */
static GHashTable *
brute_force_ancestors (TroupeWorkflow *workflow,
                       const char     *id)
{
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) todo = g_ptr_array_new ();

  g_ptr_array_add (todo, (gpointer) id);
  while (todo->len > 0)
    {
      const char *current = g_ptr_array_steal_index (todo, todo->len - 1);
      TroupeStep *step = troupe_workflow_lookup_step (workflow, current);
      const char * const *needs = troupe_step_get_needs (step);

      for (guint k = 0; needs != NULL && needs[k] != NULL; k++)
        {
          if (troupe_workflow_lookup_step (workflow, needs[k]) == NULL)
            continue;
          if (g_hash_table_add (seen, (gpointer) needs[k]))
            g_ptr_array_add (todo, (gpointer) needs[k]);
        }
    }

  return seen;
}

/* Random graphs, some with cycles, each step using the results of a few
 * random others: the validator's verdicts must agree with a brute-force
 * search and with the workflow's own graph queries. */
static void
test_random_graphs (void)
{
  for (guint round = 0; round < 200; round++)
    {
      g_autoptr(TroupeWorkflow) workflow = new_workflow ();
      g_autoptr(GPtrArray) diagnostics = NULL;
      g_autoptr(GHashTable) expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_auto(GStrv) cycle = NULL;
      guint n = g_test_rand_int_range (2, 40);
      gboolean cyclic = g_test_rand_bit () && g_test_rand_bit ();
      guint n_cycles = 0;
      guint n_not_upstream = 0;

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(GPtrArray) needs = g_ptr_array_new_with_free_func (g_free);
          g_autoptr(GString) prompt = g_string_new ("Go");
          g_autofree char *id = g_strdup_printf ("s%u", i);
          guint n_needs = g_test_rand_int_range (0, 4);
          guint n_refs = g_test_rand_int_range (0, 4);

          /* Needs point backwards, except in cyclic rounds. */
          for (guint k = 0; k < n_needs && (i > 0 || cyclic); k++)
            {
              guint j = cyclic ? (guint) g_test_rand_int_range (0, n) : (guint) g_test_rand_int_range (0, i);

              if (j != i)
                g_ptr_array_add (needs, g_strdup_printf ("s%u", j));
            }
          g_ptr_array_add (needs, NULL);

          for (guint k = 0; k < n_refs; k++)
            {
              guint j = g_test_rand_int_range (0, n);

              if (j != i)
                g_string_append_printf (prompt, " ${steps.s%u.output}", j);
            }

          add_agent_step (workflow, id, prompt->str, (const char * const *) needs->pdata);
        }

      for (guint i = 0; i < n; i++)
        {
          g_autofree char *id = g_strdup_printf ("s%u", i);
          g_autoptr(GHashTable) ancestors = brute_force_ancestors (workflow, id);
          TroupeStep *step = troupe_workflow_lookup_step (workflow, id);
          const char *p = troupe_step_get_prompt (step);

          /* The workflow's own query agrees (on acyclic graphs). */
          if (!cyclic)
            {
              g_autoptr(GPtrArray) listed = troupe_workflow_get_ancestors (workflow, id);

              g_assert_cmpuint (listed->len, ==, g_hash_table_size (ancestors));
              for (guint k = 0; k < listed->len; k++)
                g_assert_true (g_hash_table_contains (ancestors,
                                                      troupe_step_get_id (g_ptr_array_index (listed, k))));
            }

          while ((p = strstr (p, "${steps.")) != NULL)
            {
              g_autofree char *target = NULL;

              p += strlen ("${steps.");
              target = g_strndup (p, strcspn (p, "."));
              if (!g_hash_table_contains (ancestors, target))
                g_hash_table_add (expected, g_strdup_printf ("%s->%s", id, target));
            }
        }

      diagnostics = troupe_workflow_validate (workflow);
      for (guint i = 0; i < diagnostics->len; i++)
        {
          TroupeDiagnostic *diagnostic = g_ptr_array_index (diagnostics, i);

          if (g_str_equal (diagnostic->code, "cycle"))
            n_cycles++;
          else if (g_str_equal (diagnostic->code, "not-upstream"))
            {
              g_autofree char *target = NULL;
              g_autofree char *key = NULL;
              const char *start = strstr (diagnostic->message, "result of step '");

              g_assert_nonnull (start);
              start += strlen ("result of step '");
              target = g_strndup (start, strcspn (start, "'"));
              key = g_strdup_printf ("%s->%s", diagnostic->step_id, target);
              if (!g_hash_table_contains (expected, key))
                g_error ("round %u: unexpected not-upstream %s", round, key);
              n_not_upstream++;
            }
          else if (!g_str_equal (diagnostic->code, "duplicate-need"))
            g_error ("round %u: unexpected %s: %s", round, diagnostic->code, diagnostic->message);
        }

      g_assert_cmpuint (n_not_upstream, ==, g_hash_table_size (expected));
      cycle = troupe_workflow_find_cycle (workflow);
      g_assert_cmpuint (n_cycles > 0, ==, cycle != NULL);
    }
}

/* The bad-file harness */

static char *
bad_dir (void)
{
  const char *root = g_getenv ("TROUPE_SOURCE_ROOT");

  if (root != NULL)
    return g_build_filename (root, "tests", "data", "bad", NULL);
  return g_test_build_filename (G_TEST_DIST, "data", "bad", NULL);
}

static void
test_bad_file (gconstpointer data)
{
  const char *name = data;
  g_autofree char *dir = bad_dir ();
  g_autofree char *yaml_name = g_strdup_printf ("%s.yaml", name);
  g_autofree char *expected_name = g_strdup_printf ("%s.expected", name);
  g_autofree char *yaml_path = g_build_filename (dir, yaml_name, NULL);
  g_autofree char *expected_path = g_build_filename (dir, expected_name, NULL);
  g_autofree char *display = g_strdup_printf ("bad/%s", yaml_name);
  g_autofree char *code = g_strndup (name, strcspn (name, "."));
  g_autofree char *contents = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *first_line = NULL;
  g_autofree char *text = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(TroupeDiagnostic) syntax = NULL;
  g_autoptr(GPtrArray) diagnostics = NULL;
  g_autoptr(GError) error = NULL;
  TroupeDiagnostic *first;
  gsize length = 0;

  g_file_get_contents (yaml_path, &contents, &length, &error);
  g_assert_no_error (error);

  workflow = troupe_workflow_new_from_data (contents, length, TROUPE_FILE_FORMAT_YAML,
                                            display, &syntax, &error);
  if (workflow == NULL)
    {
      /* A syntax error: its diagnostic is the first one. */
      g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE);
      g_assert_nonnull (syntax);
      /* The error says the same as the diagnostic, place included. */
      g_assert_true (g_str_has_suffix (error->message, syntax->message));
      g_clear_error (&error);
      first = syntax;
    }
  else
    {
      g_assert_no_error (error);
      g_assert_null (syntax);
      /* Loading from data names the file only in the load diagnostics;
       * as troupe_workflow_new_from_file() would, tell the workflow where
       * it came from so every diagnostic names it. */
      if (troupe_workflow_get_file (workflow) == NULL)
        troupe_workflow_set_file (workflow, display);
      diagnostics = troupe_workflow_validate (workflow);
      dump (diagnostics);
      g_assert_cmpuint (diagnostics->len, >, 0);
      assert_sorted (diagnostics);
      first = g_ptr_array_index (diagnostics, 0);
    }

  text = troupe_diagnostic_to_string (first);
  g_test_message ("%s -> %s", display, text);

  g_file_get_contents (expected_path, &expected, NULL, &error);
  g_assert_no_error (error);
  first_line = g_strndup (expected, strcspn (expected, "\n"));

  g_assert_cmpstr (first->code, ==, code);
  g_assert_cmpstr (first->file, ==, display);
  g_assert_cmpstr (text, ==, first_line);
}

/* Every .yaml under bad/ has a .expected and the other way round; returns
 * the names without extension, sorted. */
static GPtrArray *
list_bad_files (void)
{
  g_autofree char *dir = bad_dir ();
  g_autoptr(GDir) folder = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *entry;

  folder = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);

  while ((entry = g_dir_read_name (folder)) != NULL)
    {
      if (g_str_has_suffix (entry, ".yaml"))
        g_ptr_array_add (names, g_strndup (entry, strlen (entry) - strlen (".yaml")));
    }

  g_ptr_array_sort (names, compare_strings);
  return names;
}

static void
test_bad_files_paired (void)
{
  g_autofree char *dir = bad_dir ();
  g_autoptr(GDir) folder = NULL;
  g_autoptr(GError) error = NULL;
  const char *entry;
  guint n_yaml = 0;

  folder = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);

  while ((entry = g_dir_read_name (folder)) != NULL)
    {
      g_autofree char *stem = NULL;
      g_autofree char *other = NULL;
      g_autofree char *path = NULL;

      if (g_str_has_suffix (entry, ".yaml"))
        {
          n_yaml++;
          stem = g_strndup (entry, strlen (entry) - strlen (".yaml"));
          other = g_strdup_printf ("%s.expected", stem);
        }
      else if (g_str_has_suffix (entry, ".expected"))
        {
          stem = g_strndup (entry, strlen (entry) - strlen (".expected"));
          other = g_strdup_printf ("%s.yaml", stem);
        }
      else
        continue;

      path = g_build_filename (dir, other, NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        g_error ("bad/%s has no bad/%s", entry, other);
    }

  g_assert_cmpuint (n_yaml, >, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) bad_files = NULL;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/troupe/validator/valid", test_valid);
  g_test_add_func ("/troupe/validator/needs", test_needs);
  g_test_add_func ("/troupe/validator/cycle/message", test_cycle_message);
  g_test_add_func ("/troupe/validator/cycle/components", test_cycle_components);
  g_test_add_func ("/troupe/validator/agents", test_agents);
  g_test_add_func ("/troupe/validator/providers", test_providers);
  g_test_add_func ("/troupe/validator/provider-with-command", test_provider_with_command);
  g_test_add_func ("/troupe/validator/wait", test_wait);
  g_test_add_func ("/troupe/validator/paths/syntax", test_path_syntax);
  g_test_add_func ("/troupe/validator/paths/symlinks", test_path_symlinks);
  g_test_add_func ("/troupe/validator/globs", test_globs);
  g_test_add_func ("/troupe/validator/prompts", test_prompts);
  g_test_add_func ("/troupe/validator/commands", test_commands);
  g_test_add_func ("/troupe/validator/send", test_send);
  g_test_add_func ("/troupe/validator/no-provider", test_no_provider);
  g_test_add_func ("/troupe/validator/step-refs", test_step_refs);
  g_test_add_func ("/troupe/validator/templates", test_templates);
  g_test_add_func ("/troupe/validator/out-of-range", test_out_of_range);
  g_test_add_func ("/troupe/validator/empty", test_empty);
  g_test_add_func ("/troupe/validator/load-diagnostics", test_load_diagnostics);
  g_test_add_func ("/troupe/validator/pointers", test_pointers);
  g_test_add_func ("/troupe/validator/sorted", test_sorted);
  g_test_add_func ("/troupe/validator/random-graphs", test_random_graphs);
  g_test_add_func ("/troupe/validator/large/shapes", test_large_shapes);
  g_test_add_func ("/troupe/validator/large/cycle", test_large_cycle);
  g_test_add_func ("/troupe/validator/bad-files/paired", test_bad_files_paired);

  bad_files = list_bad_files ();
  for (guint i = 0; i < bad_files->len; i++)
    {
      const char *name = g_ptr_array_index (bad_files, i);
      g_autofree char *path = g_strdup_printf ("/troupe/validator/bad-files/%s", name);

      g_test_add_data_func (path, name, test_bad_file);
    }

  return g_test_run ();
}
