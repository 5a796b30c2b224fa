/* test-run.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "troupe.h"
#include "troupe-run-test-util.h"
#include "troupe-test-util.h"

/* The runner's tests. They run real processes: fake `claude`, `gemini` and
 * `codex` (tests/fake-cli/) that record what they were given and behave as
 * the environment tells them (see fake-cli.sh), copied to a folder that
 * goes first on PATH, so the built-in providers' real argv templates are
 * what runs. Each test has a workspace of its own and drives the default
 * main context until the run's "finished" signal, with a safety timeout.
 *
 * `test-run --run-workflow FILE` and `test-run --resume-run ROOT ID` run
 * one workflow and exit: the resume tests start them as child processes
 * and kill them with SIGKILL. */

static char *fake_bin_dir;   /* the fakes, first on PATH */
static char *self_exe;       /* this binary, for the child runners */

/* --- small helpers ------------------------------------------------------- */

/* Whether @pid is gone; a zombie counts as gone (an orphan stays one
 * where PID 1 does not reap). */
static gboolean
pid_is_gone (GPid pid)
{
  g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *contents = NULL;
  const char *p;

  if (kill (pid, 0) != 0)
    return errno == ESRCH;
  if (!g_file_get_contents (stat_path, &contents, NULL, NULL))
    return TRUE;
  p = strrchr (contents, ')');
  return p != NULL && (p[2] == 'Z' || p[2] == 'X');
}

/* --- what the fake CLI recorded ------------------------------------------ */

static char *
fake_record_path (Ws         *ws,
                  const char *instance,
                  guint       n,
                  const char *what)
{
  g_autofree char *sid = troupe_test_record_id (instance);
  g_autofree char *name = g_strdup_printf ("%s.%u.%s", sid, n, what);

  return g_build_filename (ws->rec, name, NULL);
}

/* The arguments after $0 of the @n-th invocation for @instance. */
static GStrv
fake_argv (Ws         *ws,
           const char *instance,
           guint       n)
{
  g_autofree char *path = fake_record_path (ws, instance, n, "argv");
  g_autofree char *contents = NULL;
  GStrvBuilder *builder = g_strv_builder_new ();
  GStrv result;
  gsize length;

  contents = troupe_test_read_file (path, &length);
  for (gsize start = 0; start < length; )
    {
      gsize len = strlen (contents + start);

      g_strv_builder_add (builder, contents + start);
      start += len + 1;
    }
  result = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return result;
}

static char *
fake_stdin (Ws         *ws,
            const char *instance,
            guint       n)
{
  g_autofree char *path = fake_record_path (ws, instance, n, "stdin");

  return troupe_test_read_file (path, NULL);
}

/* --- running ------------------------------------------------------------- */

static TroupeRunOptions *
test_options (void)
{
  TroupeRunOptions *options = troupe_run_options_new ();

  options->seed = 1;
  options->has_seed = TRUE;
  options->kill_grace_ms = 300;
  return options;
}

static Runner *
runner_new_for (TroupeWorkflow   *workflow,
                TroupeRunOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeRunOptions) owned = NULL;
  TroupeRun *run;

  if (options == NULL)
    options = owned = test_options ();
  run = troupe_run_new (workflow, options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (run);
  return troupe_test_runner_new (run);
}

/* Loads @yaml in @ws and runs it to the end. */
static Runner *
run_yaml (Ws               *ws,
          const char       *yaml,
          TroupeRunOptions *options)
{
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws, yaml);
  Runner *r = runner_new_for (workflow, options);

  troupe_test_runner_run (r);
  return r;
}

static gint64
event_seq (Runner     *r,
           const char *name,
           const char *instance)
{
  JsonObject *event = troupe_test_find_event (r->events, name, instance, 0);

  g_assert_nonnull (event);
  return json_object_get_int_member (event, "seq");
}

static char *
run_file (Runner     *r,
          const char *relative)
{
  return troupe_run_store_resolve (troupe_run_get_store (r->run), relative);
}

/* The most steps of @instances (NULL: all) that ran processes at the same
 * time, from the order of the events: a step runs from its step-started
 * to its step-finished, step-retrying or step-cancelled. */
static guint
max_concurrency (Runner             *r,
                 const char * const *instances)
{
  g_autoptr(GHashTable) running = g_hash_table_new (g_str_hash, g_str_equal);
  guint most = 0;

  for (guint i = 0; i < r->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (r->events, i);
      const char *name = json_object_get_string_member (event, "event");
      const char *instance = json_object_get_string_member_with_default (event, "instance", NULL);

      if (instance == NULL || (instances != NULL && !g_strv_contains (instances, instance)))
        continue;
      if (g_str_equal (name, "step-started") && json_object_has_member (event, "argv"))
        {
          g_hash_table_add (running, (gpointer) instance);
          most = MAX (most, g_hash_table_size (running));
        }
      else if (g_str_equal (name, "step-finished") || g_str_equal (name, "step-retrying") ||
               g_str_equal (name, "step-cancelled"))
        g_hash_table_remove (running, instance);
    }
  return most;
}

/* --- argv and stdin ------------------------------------------------------ */

/* Everything a shell would interpret, and more. "$${" is the template's
 * escape for a literal "${". */
static const char tricky_prompt[] =
  "Say \"hi\" and 'bye'; then $(rm -rf \"$HOME\") and `id` & echo pwned | cat > /dev/null\n"
  "ünïcödé ✓ 日本語 🎭 — a backslash \\ and a glob * and $PATH and $((1+1)) # not a comment\n"
  "  indented, then a tab:\tend; two spaces at the end  \n"
  "-p --output-format json\n"
  "a literal template: $${run.id}";

static char *
indent_block (const char *text,
              const char *indent)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    g_string_append_printf (out, "%s%s\n", indent, lines[i]);
  return g_string_free (out, FALSE);
}

static void
test_input_argv_and_stdin (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autofree char *block = indent_block (tricky_prompt, "      ");
  g_autofree char *yaml = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(Runner) r = NULL;
  g_autoptr(GString) expected = g_string_new (tricky_prompt);
  GStrv argv;
  JsonArray *recorded;

  yaml = g_strdup_printf ("name: input\n"
                          "steps:\n"
                          "  ask-claude:\n"
                          "    provider: claude\n"
                          "    prompt: |-\n%s"
                          "  ask-gemini:\n"
                          "    provider: gemini\n"
                          "    prompt: |-\n%s"
                          "  ask-codex:\n"
                          "    provider: codex\n"
                          "    prompt: |-\n%s"
                          "  dash:\n"
                          "    provider: gemini\n"
                          "    prompt: \"--version\"\n",
                          block, block, block);
  workflow = troupe_test_ws_load (ws, yaml);
  /* The YAML itself keeps the prompt byte for byte. */
  g_assert_cmpstr (troupe_step_get_prompt (troupe_workflow_lookup_step (workflow, "ask-claude")), ==, tricky_prompt);

  r = runner_new_for (workflow, NULL);
  troupe_test_runner_run (r);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);

  g_string_replace (expected, "$${", "${", 0);

  /* claude and gemini: the prompt is one argv element, as given. */
  for (guint i = 0; i < 2; i++)
    {
      const char *step = i == 0 ? "ask-claude" : "ask-gemini";
      g_auto(GStrv) got = fake_argv (ws, step, 1);
      g_autofree char *in = fake_stdin (ws, step, 1);

      g_assert_cmpuint (troupe_test_fake_calls (ws, step), ==, 1);
      g_assert_cmpuint (g_strv_length (got), ==, 2);
      g_assert_cmpstr (got[0], ==, "-p");
      g_assert_cmpstr (got[1], ==, expected->str);
      g_assert_cmpstr (in, ==, "");
    }

  /* codex: "exec", and the prompt on stdin, with nothing added. */
  argv = fake_argv (ws, "ask-codex", 1);
  g_assert_cmpuint (g_strv_length (argv), ==, 1);
  g_assert_cmpstr (argv[0], ==, "exec");
  g_strfreev (argv);
  {
    g_autofree char *in = fake_stdin (ws, "ask-codex", 1);
    g_assert_cmpstr (in, ==, expected->str);
  }

  /* A prompt that looks like an option stays the prompt. */
  argv = fake_argv (ws, "dash", 1);
  g_assert_cmpuint (g_strv_length (argv), ==, 2);
  g_assert_cmpstr (argv[1], ==, "--version");
  g_strfreev (argv);

  /* The journal records the argv as it was run. */
  recorded = json_object_get_array_member (troupe_test_find_event (r->events, "step-started", "ask-claude", 0), "argv");
  g_assert_cmpuint (json_array_get_length (recorded), ==, 3);
  g_assert_cmpstr (json_array_get_string_element (recorded, 0), ==, "claude");
  g_assert_cmpstr (json_array_get_string_element (recorded, 2), ==, expected->str);

  /* And the output is what the child printed (the fake echoes). */
  {
    TroupeStepRecord *rec = troupe_test_step_record (r->run, "ask-codex");
    g_autofree char *path = run_file (r, rec->output_path);
    g_autofree char *out = troupe_test_read_file (path, NULL);

    g_assert_cmpstr (out, ==, expected->str);
  }
}

/* --- retries ------------------------------------------------------------- */

static void
test_retries_succeed (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  TroupeStepRecord *rec;

  troupe_test_fake_env ("FAKE_CLI_FAIL_TIMES", "2");
  r = run_yaml (ws,
                "name: retries\n"
                "steps:\n"
                "  flaky:\n"
                "    provider: claude\n"
                "    prompt: try\n"
                "    retries:\n"
                "      max: 3\n"
                "      delay: 50ms\n",
                NULL);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);
  rec = troupe_test_step_record (r->run, "flaky");
  g_assert_cmpuint (rec->attempts, ==, 3);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "flaky"), ==, 3);
  g_assert_cmpuint (troupe_test_count_events (r->events, "step-started", "flaky"), ==, 3);
  g_assert_cmpuint (troupe_test_count_events (r->events, "step-retrying", "flaky"), ==, 2);
  g_assert_cmpuint (troupe_test_count_events (r->events, "step-finished", "flaky"), ==, 1);

  /* Each attempt logs on its own. */
  for (guint attempt = 1; attempt <= 3; attempt++)
    {
      JsonObject *started = troupe_test_find_event (r->events, "step-started", "flaky", attempt - 1);
      g_autofree char *out_rel = g_strdup_printf ("logs/flaky.%u.out", attempt);
      g_autofree char *err_rel = g_strdup_printf ("logs/flaky.%u.err", attempt);
      g_autofree char *out = run_file (r, out_rel);
      g_autofree char *err = run_file (r, err_rel);
      g_autofree char *err_text = troupe_test_read_file (err, NULL);
      /* A log is created on its stream's first byte: the failed attempts
       * printed nothing on stdout, and have no stdout log. */
      g_autofree char *out_text = attempt < 3 ? NULL : troupe_test_read_file (out, NULL);

      g_assert_cmpint (json_object_get_int_member (started, "attempt"), ==, attempt);
      g_assert_cmpstr (json_object_get_string_member (started, "log_out"), ==, out_rel);
      g_assert_cmpstr (json_object_get_string_member (started, "log_err"), ==, err_rel);
      if (attempt < 3)
        {
          JsonObject *retrying = troupe_test_find_event (r->events, "step-retrying", "flaky", attempt - 1);
          g_autofree char *want = g_strdup_printf ("invocation %u of 2 that fail", attempt);

          g_assert_nonnull (strstr (err_text, want));
          g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
          g_assert_cmpint (json_object_get_int_member (retrying, "attempt"), ==, attempt);
          g_assert_cmpint (json_object_get_int_member (retrying, "delay_ms"), ==, 50);
          g_assert_cmpint (json_object_get_int_member (retrying, "exit_code"), ==, 1);
          g_assert_nonnull (strstr (json_object_get_string_member (retrying, "reason"), "status 1"));
        }
      else
        g_assert_cmpstr (out_text, ==, "try\n");
    }
  g_assert_cmpstr (rec->log_out, ==, "logs/flaky.3.out");
}

static void
test_retries_exhausted (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  TroupeStepRecord *rec;

  troupe_test_fake_env ("FAKE_CLI_FAIL_TIMES", "5");
  r = run_yaml (ws,
                "name: retries\n"
                "steps:\n"
                "  flaky:\n"
                "    provider: gemini\n"
                "    prompt: try\n"
                "    retries:\n"
                "      max: 2\n"
                "      delay: 10ms\n",
                NULL);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_FAILED);
  rec = troupe_test_step_record (r->run, "flaky");
  g_assert_cmpuint (rec->status, ==, TROUPE_STEP_STATUS_FAILED);
  g_assert_cmpuint (rec->attempts, ==, 3);
  g_assert_cmpint (rec->exit_code, ==, 1);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "flaky"), ==, 3);
  g_assert_cmpuint (troupe_test_count_events (r->events, "step-retrying", "flaky"), ==, 2);
  g_assert_nonnull (strstr (rec->reason, "exited with status 1"));
}

/* The delays of a step that fails @fails times, run with @seed. */
static GArray *
retry_delays (const char *retries_yaml,
              guint       fails,
              guint64     seed)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  g_autoptr(TroupeRunOptions) options = test_options ();
  g_autofree char *yaml = NULL;
  g_autofree char *fail_times = g_strdup_printf ("%u", fails);
  GArray *delays = g_array_new (FALSE, FALSE, sizeof (gint64));
  JsonObject *event;

  troupe_test_fake_env ("FAKE_CLI_FAIL_TIMES", fail_times);
  options->seed = seed;
  yaml = g_strdup_printf ("name: backoff\n"
                          "steps:\n"
                          "  flaky:\n"
                          "    provider: claude\n"
                          "    prompt: try\n"
                          "    retries:\n%s",
                          retries_yaml);
  r = run_yaml (ws, yaml, options);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);

  for (guint i = 0; (event = troupe_test_find_event (r->events, "step-retrying", "flaky", i)) != NULL; i++)
    {
      gint64 delay = json_object_get_int_member (event, "delay_ms");
      JsonObject *next = troupe_test_find_event (r->events, "step-started", "flaky", i + 1);

      /* The runner really waited that long (monotonic clock, µs). */
      g_assert_cmpint (json_object_get_int_member (next, "mono_us") - json_object_get_int_member (event, "mono_us"),
                       >=, delay * 1000 - 1000);
      g_array_append_val (delays, delay);
    }
  g_assert_cmpuint (delays->len, ==, fails);
  return delays;
}

static gboolean
delays_equal (GArray *a,
              GArray *b)
{
  return a->len == b->len && memcmp (a->data, b->data, a->len * sizeof (gint64)) == 0;
}

static void
test_retries_backoff (void)
{
  const char *jittered = "      max: 3\n"
                         "      backoff: exponential\n"
                         "      delay: 40ms\n"
                         "      max_delay: 1s\n"
                         "      jitter: 0.5\n";
  const char *capped = "      max: 4\n"
                       "      backoff: exponential\n"
                       "      delay: 20ms\n"
                       "      max_delay: 50ms\n";
  g_autoptr(GArray) first = retry_delays (jittered, 3, 42);
  g_autoptr(GArray) again = retry_delays (jittered, 3, 42);
  g_autoptr(GArray) other = retry_delays (jittered, 3, 43);
  g_autoptr(GArray) plain = retry_delays (capped, 4, 42);
  const gint64 want[] = { 20, 40, 50, 50 };

  /* The same seed waits the same; another seed waits otherwise. */
  g_assert_true (delays_equal (first, again));
  g_assert_false (delays_equal (first, other));

  /* Jitter stays within ±50% of 40, 80, 160 ms. */
  for (guint i = 0; i < first->len; i++)
    {
      gint64 base = 40 << i;

      g_assert_cmpint (g_array_index (first, gint64, i), >=, base / 2);
      g_assert_cmpint (g_array_index (first, gint64, i), <=, base * 3 / 2);
    }

  /* Doubling, capped at max_delay. */
  g_assert_cmpuint (plain->len, ==, 4);
  for (guint i = 0; i < plain->len; i++)
    g_assert_cmpint (g_array_index (plain, gint64, i), ==, want[i]);
}

/* --- timeouts ------------------------------------------------------------ */

static GPid
read_grandchild_pid (Ws         *ws,
                     const char *instance)
{
  g_autofree char *path = fake_record_path (ws, instance, 1, "grandchild");
  g_autofree char *text = troupe_test_read_file (path, NULL);
  GPid pid = atoi (text);

  g_assert_cmpint (pid, >, 1);
  return pid;
}

static void
test_timeout_kills_grandchildren (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  TroupeStepRecord *rec;
  JsonObject *finished;
  GPid hung, leftover;

  troupe_test_fake_env ("FAKE_CLI_GRANDCHILD", "1");
  troupe_test_fake_env ("FAKE_CLI_HANG_hang", "1");
  r = run_yaml (ws,
                "name: timeouts\n"
                "steps:\n"
                "  hang:\n"
                "    provider: claude\n"
                "    prompt: never answers\n"
                "    timeout: 1s\n"
                "    on_failure: continue\n"
                "  leaves-one-behind:\n"
                "    provider: gemini\n"
                "    prompt: answers at once\n",
                NULL);

  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_FAILED);
  rec = troupe_test_step_record (r->run, "hang");
  g_assert_cmpuint (rec->status, ==, TROUPE_STEP_STATUS_FAILED);
  g_assert_true (rec->timed_out);
  g_assert_nonnull (strstr (rec->reason, "timed out after 1s"));
  finished = troupe_test_find_event (r->events, "step-finished", "hang", 0);
  g_assert_true (json_object_get_boolean_member (finished, "timed_out"));
  g_assert_cmpint (json_object_get_int_member (finished, "signal"), ==, SIGTERM);
  g_assert_cmpint (json_object_get_int_member (finished, "duration_us"), >=, 1000000);
  g_assert_cmpint (json_object_get_int_member (finished, "duration_us"), <, 3000000);

  /* The step's whole process group went with it. */
  hung = read_grandchild_pid (ws, "hang");
  g_assert_true (pid_is_gone (hung));

  /* A child that exits by itself does not leave its grandchild behind. */
  troupe_test_assert_step_status (r->run, "leaves-one-behind", TROUPE_STEP_STATUS_SUCCEEDED);
  leftover = read_grandchild_pid (ws, "leaves-one-behind");
  g_assert_true (pid_is_gone (leftover));
}

static void
test_run_timeout (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  g_autoptr(TroupeRunOptions) options = test_options ();
  TroupeRunRecord *record;

  troupe_test_fake_env ("FAKE_CLI_HANG", "1");
  options->timeout_ms = 300;
  options->cancel_policy = TROUPE_CANCEL_POLICY_ISOLATED;
  r = run_yaml (ws,
                "name: run-timeout\n"
                "steps:\n"
                "  hang:\n"
                "    provider: claude\n"
                "    prompt: never answers\n"
                "  after:\n"
                "    provider: claude\n"
                "    prompt: never runs\n"
                "    needs: [hang]\n",
                options);

  /* Even with the isolated policy, a run out of time stops at once. */
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_FAILED);
  record = troupe_run_get_record (r->run);
  g_assert_nonnull (strstr (troupe_run_record_get_reason (record), "timed out after 300ms"));
  troupe_test_assert_step_status (r->run, "hang", TROUPE_STEP_STATUS_CANCELLED);
  troupe_test_assert_step_status (r->run, "after", TROUPE_STEP_STATUS_CANCELLED);
  g_assert_nonnull (strstr (troupe_test_step_record (r->run, "after")->reason, "timed out"));
  g_assert_cmpuint (troupe_test_fake_calls (ws, "after"), ==, 0);
  g_assert_cmpint (r->finished_mono - r->started_mono, <, 2 * G_USEC_PER_SEC);
}

/* --- cancellation -------------------------------------------------------- */

typedef struct
{
  guint   started;
  gint64  cancelled_mono;
} CancelState;

static gboolean
cancel_now_cb (gpointer user_data)
{
  Runner *r = user_data;
  CancelState *state = r->data;

  state->cancelled_mono = g_get_monotonic_time ();
  troupe_run_cancel (r->run);
  return G_SOURCE_REMOVE;
}

/* A second cancel means "do not wait after all" (a second Ctrl+C). */
static gboolean
cancel_twice_cb (gpointer user_data)
{
  Runner *r = user_data;
  CancelState *state = r->data;

  state->cancelled_mono = g_get_monotonic_time ();
  troupe_run_cancel (r->run);
  troupe_run_cancel (r->run);
  return G_SOURCE_REMOVE;
}

static void
cancel_twice_after_two_started (Runner     *r,
                                JsonObject *event)
{
  CancelState *state = r->data;

  if (g_str_equal (json_object_get_string_member (event, "event"), "step-started") &&
      ++state->started == 2)
    g_timeout_add (100, cancel_twice_cb, r);
}

/* Cancels from the main loop once two processes run (never from inside
 * the event handler: the UI would not either). */
static void
cancel_after_two_started (Runner     *r,
                          JsonObject *event)
{
  CancelState *state = r->data;

  if (g_str_equal (json_object_get_string_member (event, "event"), "step-started") &&
      ++state->started == 2)
    g_timeout_add (100, cancel_now_cb, r);
}

static const char cancel_yaml[] =
  "name: cancel\n"
  "defaults:\n"
  "  max_parallel: 2\n"
  "steps:\n"
  "  a:\n"
  "    provider: claude\n"
  "    prompt: a\n"
  "  b:\n"
  "    provider: codex\n"
  "    prompt: b\n"
  "  c:\n"
  "    provider: gemini\n"
  "    prompt: c\n"
  "    needs: [a]\n"
  "  d:\n"
  "    provider: gemini\n"
  "    prompt: d\n";

static void
test_cancel_cascading (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws, cancel_yaml);
  g_autoptr(Runner) r = NULL;
  CancelState state = { 0 };

  troupe_test_fake_env ("FAKE_CLI_SLEEP", "10");
  r = runner_new_for (workflow, NULL);
  r->hook = cancel_after_two_started;
  r->data = &state;
  troupe_test_runner_run (r);

  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_CANCELLED);
  /* Quickly: SIGTERM, not the 10 s the steps would take. */
  g_assert_cmpint (r->finished_mono - state.cancelled_mono, <, G_USEC_PER_SEC);
  for (const char *s = "abcd"; *s; s++)
    {
      char id[2] = { *s, 0 };
      troupe_test_assert_step_status (r->run, id, TROUPE_STEP_STATUS_CANCELLED);
      g_assert_nonnull (strstr (troupe_test_step_record (r->run, id)->reason, "cancelled by the user"));
    }
  g_assert_cmpuint (troupe_test_fake_calls (ws, "a"), ==, 1);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "b"), ==, 1);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "c"), ==, 0);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "d"), ==, 0);
  g_assert_null (troupe_test_find_event (r->events, "step-started", "c", 0));
  g_assert_null (troupe_test_find_event (r->events, "step-started", "d", 0));
}

static void
test_cancel_isolated (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws, cancel_yaml);
  g_autoptr(TroupeRunOptions) options = test_options ();
  g_autoptr(Runner) r = NULL;
  CancelState state = { 0 };

  troupe_test_fake_env ("FAKE_CLI_SLEEP", "0.4");
  options->cancel_policy = TROUPE_CANCEL_POLICY_ISOLATED;
  r = runner_new_for (workflow, options);
  r->hook = cancel_after_two_started;
  r->data = &state;
  troupe_test_runner_run (r);

  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_CANCELLED);
  /* The running steps finished their work... */
  troupe_test_assert_step_status (r->run, "a", TROUPE_STEP_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "b", TROUPE_STEP_STATUS_SUCCEEDED);
  g_assert_cmpint (r->finished_mono - state.cancelled_mono, >=, 200 * 1000);
  /* ...and nothing new started, not even what became ready. */
  troupe_test_assert_step_status (r->run, "c", TROUPE_STEP_STATUS_CANCELLED);
  troupe_test_assert_step_status (r->run, "d", TROUPE_STEP_STATUS_CANCELLED);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "c"), ==, 0);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "d"), ==, 0);
  g_assert_null (troupe_test_find_event (r->events, "step-started", "c", 0));
}

/* Under the isolated policy, a second cancel terminates what runs. */
static void
test_cancel_isolated_twice (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws, cancel_yaml);
  g_autoptr(TroupeRunOptions) options = test_options ();
  g_autoptr(Runner) r = NULL;
  CancelState state = { 0 };

  troupe_test_fake_env ("FAKE_CLI_SLEEP", "5");
  options->cancel_policy = TROUPE_CANCEL_POLICY_ISOLATED;
  r = runner_new_for (workflow, options);
  r->hook = cancel_twice_after_two_started;
  r->data = &state;
  troupe_test_runner_run (r);

  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_CANCELLED);
  troupe_test_assert_step_status (r->run, "a", TROUPE_STEP_STATUS_CANCELLED);
  troupe_test_assert_step_status (r->run, "b", TROUPE_STEP_STATUS_CANCELLED);
  /* Terminated, not waited for: well under the 5 s the steps sleep. */
  g_assert_cmpint (r->finished_mono - state.cancelled_mono, <, 3 * G_USEC_PER_SEC);
  troupe_test_assert_step_status (r->run, "c", TROUPE_STEP_STATUS_CANCELLED);
}

static void
cancel_after_first_started (Runner     *r,
                            JsonObject *event)
{
  if (g_str_equal (json_object_get_string_member (event, "event"), "step-started") &&
      g_str_equal (json_object_get_string_member (event, "instance"), "work"))
    g_timeout_add (100, cancel_now_cb, r);
}

/* Under the isolated policy, a wait is not work to let finish: the task
 * it waits for would come from a step that will not start now. */
static void
test_cancel_isolated_wait (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(TroupeRunOptions) options = test_options ();
  g_autoptr(Runner) r = NULL;
  CancelState state = { 0 };

  troupe_test_fake_env ("FAKE_CLI_SLEEP", "0.3");
  workflow = troupe_test_ws_load (ws,
                                  "name: isolated-wait\n"
                                  "agents:\n"
                                  "  x: {}\n"
                                  "steps:\n"
                                  "  work: {provider: claude, prompt: work}\n"
                                  "  tell: {send: {to: x, file: done, content: done}, needs: [work]}\n"
                                  "  listen:\n"
                                  "    agent: x\n"
                                  "    wait_for: {glob: inbox/x/*.task, timeout: 30s, poll: 50ms}\n");
  options->cancel_policy = TROUPE_CANCEL_POLICY_ISOLATED;
  r = runner_new_for (workflow, options);
  r->hook = cancel_after_first_started;
  r->data = &state;
  troupe_test_runner_run (r);

  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_CANCELLED);
  troupe_test_assert_step_status (r->run, "work", TROUPE_STEP_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "tell", TROUPE_STEP_STATUS_CANCELLED);
  troupe_test_assert_step_status (r->run, "listen", TROUPE_STEP_STATUS_CANCELLED);
  g_assert_null (troupe_test_find_event (r->events, "step-started", "tell", 0));
  g_assert_cmpint (r->finished_mono - state.cancelled_mono, <, 2 * G_USEC_PER_SEC);
}

static void
cancel_inside_handler (Runner     *r,
                       JsonObject *event)
{
  CancelState *state = r->data;

  if (g_str_equal (json_object_get_string_member (event, "event"), "step-started") && state->started++ == 0)
    {
      state->cancelled_mono = g_get_monotonic_time ();
      troupe_run_cancel (r->run);
    }
}

/* A handler of "event" may cancel at once, even while the step it hears
 * about is being started. */
static void
test_cancel_from_handler (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws, cancel_yaml);
  g_autoptr(Runner) r = NULL;
  CancelState state = { 0 };

  troupe_test_fake_env ("FAKE_CLI_SLEEP", "10");
  r = runner_new_for (workflow, NULL);
  r->hook = cancel_inside_handler;
  r->data = &state;
  troupe_test_runner_run (r);

  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_CANCELLED);
  g_assert_cmpint (r->finished_mono - state.cancelled_mono, <, G_USEC_PER_SEC);
  troupe_test_assert_step_status (r->run, "a", TROUPE_STEP_STATUS_CANCELLED);
  g_assert_null (troupe_test_find_event (r->events, "step-started", "b", 0));
}

static void
count_started (Runner     *r,
               JsonObject *event)
{
  CancelState *state = r->data;

  if (g_str_equal (json_object_get_string_member (event, "event"), "step-started"))
    state->started++;
}

static gboolean
spin_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* Dropping a run that is still running stops everything it started, and
 * the callbacks still under way find no freed memory. */
static void
test_dispose_while_running (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(Runner) r = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  CancelState state = { 0 };
  gint64 deadline;
  GPid grandchild;

  troupe_test_fake_env ("FAKE_CLI_HANG", "1");
  troupe_test_fake_env ("FAKE_CLI_GRANDCHILD", "1");
  workflow = troupe_test_ws_load (ws,
                                  "name: dispose\n"
                                  "agents:\n"
                                  "  x: {}\n"
                                  "steps:\n"
                                  "  hang: {provider: claude, prompt: hang}\n"
                                  "  listen:\n"
                                  "    agent: x\n"
                                  "    wait_for: {glob: inbox/x/*.task, timeout: 30s, poll: 50ms}\n");
  r = runner_new_for (workflow, NULL);
  r->hook = count_started;
  r->data = &state;
  troupe_run_start (r->run);

  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (state.started < 2 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (state.started, ==, 2);
  /* Let the fake write down its grandchild. */
  while (troupe_test_fake_calls (ws, "hang") == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_usleep (100 * 1000);

  g_clear_object (&r->run);

  /* What was under way completes without the run. */
  g_timeout_add (1000, spin_cb, loop);
  g_main_loop_run (loop);
  g_assert_false (r->finished);

  grandchild = read_grandchild_pid (ws, "hang");
  g_assert_true (pid_is_gone (grandchild));
}

/* --- failure policies ---------------------------------------------------- */

static const char *
failure_yaml (const char *policy)
{
  static char yaml[1024];

  g_snprintf (yaml, sizeof yaml,
              "name: failure\n"
              "defaults:\n"
              "  max_parallel: 4\n"
              "steps:\n"
              "  bad:\n"
              "    provider: claude\n"
              "    prompt: bad\n"
              "    on_failure: %s\n"
              "  slow:\n"
              "    provider: gemini\n"
              "    prompt: slow\n"
              "  after-bad:\n"
              "    provider: claude\n"
              "    prompt: after bad\n"
              "    needs: [bad]\n"
              "  after-after:\n"
              "    provider: claude\n"
              "    prompt: after after\n"
              "    needs: [after-bad]\n"
              "  after-slow:\n"
              "    provider: codex\n"
              "    prompt: after slow\n"
              "    needs: [slow]\n",
              policy);
  return yaml;
}

static void
test_failure_stop (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;

  troupe_test_fake_env ("FAKE_CLI_FAIL_TIMES_bad", "99");
  troupe_test_fake_env ("FAKE_CLI_SLEEP_slow", "10");
  r = run_yaml (ws, failure_yaml ("stop"), NULL);

  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_FAILED);
  g_assert_cmpstr (troupe_run_record_get_reason (troupe_run_get_record (r->run)), ==, "step 'bad' failed");
  troupe_test_assert_step_status (r->run, "bad", TROUPE_STEP_STATUS_FAILED);
  /* Stopping cancels what runs (the default policy is cascading). */
  troupe_test_assert_step_status (r->run, "slow", TROUPE_STEP_STATUS_CANCELLED);
  troupe_test_assert_step_status (r->run, "after-bad", TROUPE_STEP_STATUS_CANCELLED);
  troupe_test_assert_step_status (r->run, "after-slow", TROUPE_STEP_STATUS_CANCELLED);
  g_assert_nonnull (strstr (troupe_test_step_record (r->run, "after-slow")->reason, "step 'bad' failed"));
  g_assert_cmpint (r->finished_mono - r->started_mono, <, 3 * G_USEC_PER_SEC);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "after-bad"), ==, 0);
}

static void
test_failure_skip_dependents (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;

  troupe_test_fake_env ("FAKE_CLI_FAIL_TIMES_bad", "99");
  troupe_test_fake_env ("FAKE_CLI_SLEEP_slow", "0.2");
  r = run_yaml (ws, failure_yaml ("skip-dependents"), NULL);

  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_FAILED);
  troupe_test_assert_step_status (r->run, "bad", TROUPE_STEP_STATUS_FAILED);
  troupe_test_assert_step_status (r->run, "after-bad", TROUPE_STEP_STATUS_SKIPPED);
  troupe_test_assert_step_status (r->run, "after-after", TROUPE_STEP_STATUS_SKIPPED);
  g_assert_cmpstr (troupe_test_step_record (r->run, "after-bad")->reason, ==, "it needs 'bad', which failed");
  g_assert_cmpstr (troupe_test_step_record (r->run, "after-after")->reason, ==, "it needs 'after-bad', which was skipped");
  /* The rest of the run goes on. */
  troupe_test_assert_step_status (r->run, "slow", TROUPE_STEP_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "after-slow", TROUPE_STEP_STATUS_SUCCEEDED);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "after-bad"), ==, 0);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "after-after"), ==, 0);
  g_assert_cmpstr (troupe_run_record_get_reason (troupe_run_get_record (r->run)), ==, "1 step failed");
}

static void
test_failure_continue (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;

  troupe_test_fake_env ("FAKE_CLI_FAIL_TIMES_bad", "99");
  r = run_yaml (ws, failure_yaml ("continue"), NULL);

  /* Its dependents run anyway; the run still reports the failure. */
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_FAILED);
  troupe_test_assert_step_status (r->run, "bad", TROUPE_STEP_STATUS_FAILED);
  troupe_test_assert_step_status (r->run, "after-bad", TROUPE_STEP_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "after-after", TROUPE_STEP_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "slow", TROUPE_STEP_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "after-slow", TROUPE_STEP_STATUS_SUCCEEDED);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "after-after"), ==, 1);
  g_assert_cmpstr (troupe_run_record_get_reason (troupe_run_get_record (r->run)), ==, "1 step failed");
}

/* --- limits -------------------------------------------------------------- */

static void
test_limits_agent (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  const char * const solo[] = { "s1", "s2", "s3", "s4", NULL };

  troupe_test_fake_env ("FAKE_CLI_SLEEP", "0.1");
  r = run_yaml (ws,
                "name: agent-limit\n"
                "defaults:\n"
                "  max_parallel: 4\n"
                "  provider: claude\n"
                "agents:\n"
                "  solo:\n"
                "    max_parallel: 1\n"
                "  crowd: {}\n"
                "steps:\n"
                "  s1: {agent: solo, prompt: one}\n"
                "  s2: {agent: solo, prompt: two}\n"
                "  s3: {agent: solo, prompt: three}\n"
                "  s4: {agent: solo, prompt: four}\n"
                "  f1: {agent: crowd, prompt: five}\n"
                "  f2: {agent: crowd, prompt: six}\n",
                NULL);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);

  g_assert_cmpuint (max_concurrency (r, solo), ==, 1);
  /* The agent at its limit blocked nobody else. */
  g_assert_cmpint (event_seq (r, "step-started", "f2"), <, event_seq (r, "step-finished", "s1"));
  g_assert_cmpuint (max_concurrency (r, NULL), ==, 3);
}

static void
test_limits_provider (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  const char * const narrow[] = { "n1", "n2", "n3", "n4", "n5", NULL };

  troupe_test_fake_env ("FAKE_CLI_SLEEP", "0.1");
  r = run_yaml (ws,
                "name: provider-limit\n"
                "defaults:\n"
                "  max_parallel: 8\n"
                "providers:\n"
                "  narrow:\n"
                "    command: [gemini, -p, \"${prompt}\"]\n"
                "    max_parallel: 2\n"
                "steps:\n"
                "  n1: {provider: narrow, prompt: one}\n"
                "  n2: {provider: narrow, prompt: two}\n"
                "  n3: {provider: narrow, prompt: three}\n"
                "  n4: {provider: narrow, prompt: four}\n"
                "  n5: {provider: narrow, prompt: five}\n"
                "  w1: {provider: claude, prompt: six}\n",
                NULL);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);

  g_assert_cmpuint (max_concurrency (r, narrow), ==, 2);
  g_assert_cmpint (event_seq (r, "step-started", "w1"), <, event_seq (r, "step-finished", "n1"));
}

static void
test_limits_global (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  g_autoptr(TroupeRunOptions) options = test_options ();

  troupe_test_fake_env ("FAKE_CLI_SLEEP", "0.05");
  options->max_parallel = 2;
  r = run_yaml (ws,
                "name: global-limit\n"
                "defaults:\n"
                "  max_parallel: 8\n"
                "  provider: codex\n"
                "steps:\n"
                "  a: {prompt: a}\n"
                "  b: {prompt: b}\n"
                "  c: {prompt: c}\n"
                "  d: {prompt: d}\n"
                "  e: {prompt: e}\n"
                "  wait-nothing:\n"
                "    approval: never asked\n"
                "    needs: [e]\n"
                "    when:\n"
                "      equals: [\"${steps.e.output}\", nothing]\n",
                options);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);
  /* The option wins over the workflow's default. */
  g_assert_cmpint (json_object_get_int_member (troupe_test_find_event (r->events, "run-started", NULL, 0), "max_parallel"), ==, 2);
  g_assert_cmpuint (max_concurrency (r, NULL), ==, 2);
  troupe_test_assert_step_status (r->run, "wait-nothing", TROUPE_STEP_STATUS_SKIPPED);
}

/* --- ordering ------------------------------------------------------------ */

static void
test_critical_path_first (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  g_autoptr(TroupeRunOptions) options = test_options ();

  options->max_parallel = 1;
  r = run_yaml (ws,
                "name: order\n"
                "defaults:\n"
                "  provider: claude\n"
                "steps:\n"
                "  short: {prompt: short}\n"
                "  other: {prompt: other}\n"
                "  head: {prompt: head}\n"
                "  middle: {prompt: middle, needs: [head]}\n"
                "  tail: {prompt: tail, needs: [middle]}\n",
                options);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);
  g_assert_cmpuint (max_concurrency (r, NULL), ==, 1);

  /* The long chain's head goes first, although it comes later in the
   * file; equal paths keep the file order. */
  g_assert_cmpint (event_seq (r, "step-started", "head"), <, event_seq (r, "step-started", "short"));
  g_assert_cmpint (event_seq (r, "step-started", "middle"), <, event_seq (r, "step-started", "short"));
  g_assert_cmpint (event_seq (r, "step-started", "short"), <, event_seq (r, "step-started", "other"));
}

/* --- when and for_each --------------------------------------------------- */

static void
test_when (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;

  troupe_test_fake_env ("FAKE_CLI_OUTPUT_check", "yes");
  r = run_yaml (ws,
                "name: when\n"
                "defaults:\n"
                "  provider: claude\n"
                "steps:\n"
                "  check: {prompt: check}\n"
                "  go:\n"
                "    prompt: go\n"
                "    needs: [check]\n"
                "    when:\n"
                "      equals: [\"${steps.check.output}\", \"yes\"]\n"
                "  no-go:\n"
                "    prompt: no go\n"
                "    needs: [check]\n"
                "    when:\n"
                "      equals: [\"${steps.check.output}\", \"no\"]\n"
                "  contains:\n"
                "    prompt: contains\n"
                "    needs: [check]\n"
                "    when:\n"
                "      not_contains: [\"${steps.check.output}\", \"ye\"]\n"
                "  after-no-go:\n"
                "    prompt: after\n"
                "    needs: [no-go, go]\n",
                NULL);

  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "go", TROUPE_STEP_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "no-go", TROUPE_STEP_STATUS_SKIPPED);
  troupe_test_assert_step_status (r->run, "contains", TROUPE_STEP_STATUS_SKIPPED);
  troupe_test_assert_step_status (r->run, "after-no-go", TROUPE_STEP_STATUS_SKIPPED);
  g_assert_cmpstr (troupe_test_step_record (r->run, "no-go")->reason, ==, "its condition is false: equals: ['yes', 'no']");
  g_assert_cmpstr (troupe_test_step_record (r->run, "contains")->reason, ==, "its condition is false: not_contains: ['yes', 'ye']");
  g_assert_cmpstr (troupe_test_step_record (r->run, "after-no-go")->reason, ==, "it needs 'no-go', which was skipped");
  g_assert_cmpuint (troupe_test_fake_calls (ws, "go"), ==, 1);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "no-go"), ==, 0);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "after-no-go"), ==, 0);
}

/* A condition that cannot be evaluated fails its step (it never becomes
 * false on an empty value), for a root step as for a dependent one, while
 * its siblings go on. */
static void
test_when_errors (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;

  r = run_yaml (ws,
                "name: when-errors\n"
                "defaults:\n"
                "  provider: claude\n"
                "  on_failure: continue\n"
                "steps:\n"
                "  root-bad:\n"
                "    prompt: root\n"
                "    when: {equals: [\"${context.nope}\", \"\"]}\n"
                "  root-fine: {prompt: fine}\n"
                "  first: {prompt: first}\n"
                "  dep-bad:\n"
                "    prompt: dep\n"
                "    needs: [first]\n"
                "    when: {not_equals: [\"${context.nope}\", x]}\n"
                "  dep-fine: {prompt: dep fine, needs: [first]}\n"
                "  after-bad: {prompt: after, needs: [dep-bad]}\n",
                NULL);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_FAILED);
  troupe_test_assert_step_status (r->run, "root-bad", TROUPE_STEP_STATUS_FAILED);
  troupe_test_assert_step_status (r->run, "dep-bad", TROUPE_STEP_STATUS_FAILED);
  g_assert_nonnull (strstr (troupe_test_step_record (r->run, "root-bad")->reason, "its when: condition cannot be evaluated"));
  g_assert_nonnull (strstr (troupe_test_step_record (r->run, "dep-bad")->reason, "context.nope"));
  troupe_test_assert_step_status (r->run, "root-fine", TROUPE_STEP_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "dep-fine", TROUPE_STEP_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "after-bad", TROUPE_STEP_STATUS_SUCCEEDED);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "root-bad"), ==, 0);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "dep-bad"), ==, 0);
  g_assert_cmpstr (troupe_run_record_get_reason (troupe_run_get_record (r->run)), ==, "2 steps failed");
}

static void
test_for_each (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  const char *items[] = { "alpha", "beta two", "gamma $(x)" };
  TroupeStepRecord *rec;
  g_autofree char *joined = NULL;

  troupe_test_fake_env ("FAKE_CLI_OUTPUT_list", "alpha\n\nbeta two  \ngamma $(x)");
  r = run_yaml (ws,
                "name: for-each\n"
                "defaults:\n"
                "  max_parallel: 2\n"
                "steps:\n"
                "  list: {provider: claude, prompt: list}\n"
                "  each:\n"
                "    provider: gemini\n"
                "    prompt: \"handle ${item}\"\n"
                "    for_each: list\n"
                "    needs: [list]\n"
                "  join:\n"
                "    provider: codex\n"
                "    prompt: \"${steps.each.output}\"\n"
                "    needs: [each]\n",
                NULL);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);

  /* One instance per non-empty line, each with its own record. */
  rec = troupe_test_step_record (r->run, "each");
  g_assert_nonnull (rec->children);
  g_assert_cmpuint (rec->children->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("each[%u]", i);
      g_autofree char *want = g_strdup_printf ("handle %s", items[i]);
      TroupeStepRecord *child = troupe_test_step_record (r->run, id);
      g_auto(GStrv) argv = fake_argv (ws, id, 1);

      g_assert_cmpstr (g_ptr_array_index (rec->children, i), ==, id);
      g_assert_cmpstr (child->item, ==, items[i]);
      g_assert_cmpint (child->index, ==, i);
      g_assert_cmpuint (child->status, ==, TROUPE_STEP_STATUS_SUCCEEDED);
      g_assert_cmpuint (child->attempts, ==, 1);
      g_assert_cmpstr (argv[1], ==, want);
    }
  g_assert_cmpuint (max_concurrency (r, NULL), ==, 2);

  /* The step's output is its items' outputs, in item order. */
  joined = fake_stdin (ws, "join", 1);
  g_assert_cmpstr (joined, ==, "handle alpha\nhandle beta two\nhandle gamma $(x)");
}

static void
test_for_each_failure (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;

  troupe_test_fake_env ("FAKE_CLI_OUTPUT_list", "one\ntwo\nthree\n");
  troupe_test_fake_env ("FAKE_CLI_FAIL_TIMES_each_1_", "99");
  r = run_yaml (ws,
                "name: for-each\n"
                "steps:\n"
                "  list: {provider: claude, prompt: list}\n"
                "  each:\n"
                "    provider: gemini\n"
                "    prompt: \"${item}\"\n"
                "    for_each: list\n"
                "    needs: [list]\n"
                "    on_failure: skip-dependents\n"
                "  after: {provider: claude, prompt: after, needs: [each]}\n",
                NULL);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_FAILED);
  troupe_test_assert_step_status (r->run, "each[0]", TROUPE_STEP_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "each[1]", TROUPE_STEP_STATUS_FAILED);
  troupe_test_assert_step_status (r->run, "each[2]", TROUPE_STEP_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "each", TROUPE_STEP_STATUS_FAILED);
  troupe_test_assert_step_status (r->run, "after", TROUPE_STEP_STATUS_SKIPPED);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "after"), ==, 0);
}

/* --- approvals ----------------------------------------------------------- */

static const char approval_yaml[] =
  "name: approval\n"
  "steps:\n"
  "  build: {provider: claude, prompt: build}\n"
  "  gate:\n"
  "    approval: \"Ship ${run.id}?\"\n"
  "    needs: [build]\n"
  "  ship: {provider: claude, prompt: ship, needs: [gate]}\n";

typedef struct
{
  gboolean approve;
  gboolean from_file;
  char    *root;
} ApprovalPlan;

static gboolean
answer_cb (gpointer user_data)
{
  Runner *r = user_data;
  ApprovalPlan *plan = r->data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) pending = troupe_run_dup_pending_approvals (r->run);

  g_assert_cmpuint (g_strv_length (pending), ==, 1);
  g_assert_cmpstr (pending[0], ==, "gate");
  g_assert_cmpuint (troupe_test_step_record (r->run, "gate")->status, ==, TROUPE_STEP_STATUS_WAITING_APPROVAL);

  if (plan->from_file)
    {
      /* What `troupe approve` does from another process. */
      troupe_run_store_write_approval (plan->root, troupe_run_get_id (r->run), "gate",
                                       plan->approve, "someone-else", "looks fine", &error);
      g_assert_no_error (error);
      return G_SOURCE_REMOVE;
    }

  /* Mistakes are refused and change nothing. */
  g_assert_false (troupe_run_approve (r->run, "nope", TRUE, NULL, NULL, &error));
  g_assert_error (error, TROUPE_RUN_ERROR, TROUPE_RUN_ERROR_UNKNOWN_STEP);
  g_clear_error (&error);
  g_assert_false (troupe_run_approve (r->run, "build", TRUE, NULL, NULL, &error));
  g_assert_error (error, TROUPE_RUN_ERROR, TROUPE_RUN_ERROR_STATE);
  g_clear_error (&error);

  g_assert_true (troupe_run_approve (r->run, "gate", plan->approve, "tester",
                                     plan->approve ? NULL : "not today", &error));
  g_assert_no_error (error);
  return G_SOURCE_REMOVE;
}

static void
answer_when_asked (Runner     *r,
                   JsonObject *event)
{
  if (g_str_equal (json_object_get_string_member (event, "event"), "approval-requested"))
    g_idle_add (answer_cb, r);
}

static Runner *
run_approval (Ws       *ws,
              gboolean  approve,
              gboolean  from_file)
{
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws, approval_yaml);
  Runner *r = runner_new_for (workflow, NULL);
  static ApprovalPlan plan;

  plan.approve = approve;
  plan.from_file = from_file;
  plan.root = ws->root;
  r->hook = answer_when_asked;
  r->data = &plan;
  troupe_test_runner_run (r);
  return r;
}

static void
test_approval_api (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = run_approval (ws, TRUE, FALSE);
  JsonObject *requested = troupe_test_find_event (r->events, "approval-requested", "gate", 0);
  JsonObject *given = troupe_test_find_event (r->events, "approval-given", "gate", 0);
  g_autofree char *message = g_strdup_printf ("Ship %s?", troupe_run_get_id (r->run));

  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);
  g_assert_cmpstr (json_object_get_string_member (requested, "message"), ==, message);
  g_assert_true (json_object_get_boolean_member (given, "approved"));
  g_assert_cmpstr (json_object_get_string_member (given, "by"), ==, "tester");
  troupe_test_assert_step_status (r->run, "gate", TROUPE_STEP_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "ship", TROUPE_STEP_STATUS_SUCCEEDED);
  /* Nothing is pending any more. */
  {
    g_auto(GStrv) pending = troupe_run_dup_pending_approvals (r->run);
    g_assert_cmpuint (g_strv_length (pending), ==, 0);
  }
}

static void
test_approval_reject (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = run_approval (ws, FALSE, FALSE);

  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_FAILED);
  troupe_test_assert_step_status (r->run, "gate", TROUPE_STEP_STATUS_FAILED);
  g_assert_cmpstr (troupe_test_step_record (r->run, "gate")->reason, ==, "rejected by tester: not today");
  troupe_test_assert_step_status (r->run, "ship", TROUPE_STEP_STATUS_CANCELLED);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "ship"), ==, 0);
}

static void
test_approval_file (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = run_approval (ws, TRUE, TRUE);
  JsonObject *given = troupe_test_find_event (r->events, "approval-given", "gate", 0);
  g_autofree char *approvals = run_file (r, "approvals");
  g_autoptr(GDir) dir = g_dir_open (approvals, 0, NULL);

  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);
  g_assert_cmpstr (json_object_get_string_member (given, "by"), ==, "someone-else");
  g_assert_cmpstr (json_object_get_string_member (given, "note"), ==, "looks fine");
  troupe_test_assert_step_status (r->run, "ship", TROUPE_STEP_STATUS_SUCCEEDED);
  /* The answer was consumed. */
  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));
}

/* --- templates ----------------------------------------------------------- */

static void
test_templates (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  g_autoptr(TroupeRunOptions) options = test_options ();
  g_auto(GStrv) argv = NULL;
  g_autofree char *want = NULL;
  g_autofree char *stamp = NULL;
  g_autofree char *in = NULL;
  const char *id;

  troupe_test_fake_env ("FAKE_CLI_OUTPUT_list", "a\n\n  b  \nc");
  troupe_run_options_set_context (options, "who", "the options");
  r = run_yaml (ws,
                "name: templates\n"
                "context:\n"
                "  project: demo\n"
                "  who: the workflow\n"
                "steps:\n"
                "  info:\n"
                "    provider: claude\n"
                "    prompt: \"id=${run.id} ts=${run.timestamp_utc} project=${context.project} who=${context.who}\"\n"
                "  list: {provider: claude, prompt: list}\n"
                "  use:\n"
                "    provider: codex\n"
                "    prompt: \"out=[${steps.list.output}] lines=[${steps.list.lines}] status=${steps.list.status}\"\n"
                "    needs: [list]\n"
                "  argv-template:\n"
                "    command: [sh, -c, 'printf \"%s|\" \"$@\"', sh, \"${run.id}\", \"${context.project}\"]\n"
                "    needs: [use]\n",
                options);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);

  id = troupe_run_get_id (r->run);
  /* ${run.timestamp_utc} is the start of the run that the id spells. */
  stamp = g_strdup_printf ("%.8sT%.6sZ", id, id + 9);
  g_assert_true (g_regex_match_simple ("^[0-9]{8}T[0-9]{6}Z$", stamp, 0, 0));
  want = g_strdup_printf ("id=%s ts=%s project=demo who=the options", id, stamp);
  argv = fake_argv (ws, "info", 1);
  g_assert_cmpstr (argv[1], ==, want);

  /* .output keeps the text but its final newline; .lines drops empty
   * lines and trailing blanks. */
  in = fake_stdin (ws, "use", 1);
  g_assert_cmpstr (in, ==, "out=[a\n\n  b  \nc] lines=[a\n  b\nc] status=succeeded");

  /* Templates in a command's argv, each element still one element. */
  {
    TroupeStepRecord *rec = troupe_test_step_record (r->run, "argv-template");
    g_autofree char *path = run_file (r, rec->output_path);
    g_autofree char *out = troupe_test_read_file (path, NULL);
    g_autofree char *expected = g_strdup_printf ("%s|demo|", id);

    g_assert_cmpstr (out, ==, expected);
  }
}

static void
test_template_errors (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autofree char *prompt_path = troupe_test_ws_path (ws, "prompts/p.md");
  struct { const char *step, *words[3]; } cases[] = {
    { "bad-context", { "context.nope", "--context nope=VALUE", NULL } },
    { "bad-prompt-file", { "run.idd", NULL } },
    { "bad-outputs", { "context.missing", NULL } },
  };

  /* What validation cannot see: context comes from the options too, and
   * prompt files are read when the step starts. */
  troupe_test_write_file (prompt_path, "from a file: ${run.idd}\n");
  workflow = troupe_test_ws_load (ws,
                                  "name: template-errors\n"
                                  "defaults:\n"
                                  "  provider: claude\n"
                                  "  on_failure: continue\n"
                                  "  retries: 2\n"
                                  "steps:\n"
                                  "  bad-context: {prompt: \"x ${context.nope} y\"}\n"
                                  "  bad-prompt-file: {prompt_file: prompts/p.md}\n"
                                  "  bad-outputs:\n"
                                  "    prompt: fine\n"
                                  "    outputs: [\"out/${context.missing}.txt\"]\n"
                                  "  after: {prompt: after, needs: [bad-context]}\n");
  r = runner_new_for (workflow, NULL);
  troupe_test_runner_run (r);

  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_FAILED);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TroupeStepRecord *rec = troupe_test_step_record (r->run, cases[i].step);

      if (rec->status != TROUPE_STEP_STATUS_FAILED)
        g_error ("step %s is not failed", cases[i].step);
      for (guint j = 0; cases[i].words[j] != NULL; j++)
        if (strstr (rec->reason, cases[i].words[j]) == NULL)
          g_error ("the reason of %s does not say '%s': %s", cases[i].step, cases[i].words[j], rec->reason);
      /* Never with an empty value: the fake never ran, and the failure
       * was not retried (it would not get better). */
      g_assert_cmpuint (troupe_test_fake_calls (ws, cases[i].step), ==, 0);
      g_assert_cmpuint (rec->attempts, ==, 1);
    }
  troupe_test_assert_step_status (r->run, "after", TROUPE_STEP_STATUS_SUCCEEDED);
}

/* --- the inbox protocol -------------------------------------------------- */

static void
test_inbox (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  g_autofree char *processed = troupe_test_ws_path (ws, "processed");
  g_autofree char *failed = troupe_test_ws_path (ws, "failed");
  g_autofree char *stamp = NULL;
  g_autofree char *stamp_failed = NULL;
  g_autofree char *collected = NULL;
  g_autofree char *want = NULL;
  TroupeStepRecord *rec;

  r = run_yaml (ws,
                "name: inbox\n"
                "context:\n"
                "  x: ex\n"
                "agents:\n"
                "  eng: {}\n"
                "  qa: {}\n"
                "steps:\n"
                "  collect:\n"
                "    agent: eng\n"
                "    wait_for: {glob: inbox/eng/*.task, timeout: 5s, poll: 50ms, min_count: 2}\n"
                "  send-1:\n"
                "    send: {to: eng, file: task-1, content: \"first ${context.x}\"}\n"
                "  send-2:\n"
                "    send: {to: eng, file: task-2, content: second}\n"
                "    needs: [send-1]\n"
                "  send-qa:\n"
                "    send: {to: qa, file: lonely, content: alone}\n"
                "  starve:\n"
                "    agent: qa\n"
                "    wait_for: {glob: inbox/qa/*.task, timeout: 300ms, poll: 50ms, min_count: 2}\n"
                "    needs: [send-qa]\n"
                "    on_failure: continue\n",
                NULL);

  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_FAILED);
  troupe_test_assert_step_status (r->run, "collect", TROUPE_STEP_STATUS_SUCCEEDED);
  /* The wait was under way before the tasks arrived. */
  g_assert_cmpint (event_seq (r, "step-started", "collect"), <, event_seq (r, "step-finished", "send-1"));

  /* Sends wrote <agent>/<name>.task (output: its path); the wait took
   * them and moved them to processed/<ts>/ with their names. */
  rec = troupe_test_step_record (r->run, "send-1");
  {
    g_autofree char *path = run_file (r, rec->output_path);
    g_autofree char *out = troupe_test_read_file (path, NULL);
    g_assert_cmpstr (out, ==, "inbox/eng/task-1.task");
  }
  stamp = troupe_test_single_entry (processed);
  g_assert_true (g_regex_match_simple ("^[0-9]{8}T[0-9]{6}Z$", stamp, 0, 0));
  for (guint i = 1; i <= 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("inbox/eng/task-%u.task", i);
      g_autofree char *old = troupe_test_ws_path (ws, name);
      g_autofree char *moved_rel = g_strdup_printf ("processed/%s/task-%u.task", stamp, i);
      g_autofree char *moved = troupe_test_ws_path (ws, moved_rel);
      g_autofree char *text = troupe_test_read_file (moved, NULL);

      g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
      g_assert_cmpstr (text, ==, i == 1 ? "first ex" : "second");
    }
  rec = troupe_test_step_record (r->run, "collect");
  {
    g_autofree char *path = run_file (r, rec->output_path);
    collected = troupe_test_read_file (path, NULL);
  }
  want = g_strdup_printf ("processed/%s/task-1.task\nprocessed/%s/task-2.task", stamp, stamp);
  g_assert_cmpstr (collected, ==, want);

  /* No half-written task is left anywhere. */
  {
    g_autofree char *eng = troupe_test_ws_path (ws, "inbox/eng");
    g_autoptr(GDir) dir = g_dir_open (eng, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      g_assert_false (g_str_has_suffix (name, ".tmp"));
  }

  /* A wait that times out sets its partial tasks aside in failed/<ts>/. */
  troupe_test_assert_step_status (r->run, "starve", TROUPE_STEP_STATUS_FAILED);
  rec = troupe_test_step_record (r->run, "starve");
  g_assert_nonnull (strstr (rec->reason, "inbox/qa/*.task"));
  stamp_failed = troupe_test_single_entry (failed);
  {
    g_autofree char *moved_rel = g_strdup_printf ("failed/%s/lonely.task", stamp_failed);
    g_autofree char *moved = troupe_test_ws_path (ws, moved_rel);
    g_autofree char *old = troupe_test_ws_path (ws, "inbox/qa/lonely.task");
    g_autofree char *text = troupe_test_read_file (moved, NULL);

    g_assert_cmpstr (text, ==, "alone");
    g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
  }
}

/* --- output caps --------------------------------------------------------- */

static void
test_output_spill (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  TroupeStepRecord *rec;
  g_autofree char *log = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *spill_path = NULL;
  g_autofree char *spill = NULL;
  g_autofree char *in = NULL;
  gsize log_len = 0, spill_len = 0;

  troupe_test_fake_env ("FAKE_CLI_BIG_MB_big", "3");
  r = run_yaml (ws,
                "name: spill\n"
                "providers:\n"
                "  claude:\n"
                "    command: [claude, -p, \"${prompt}\"]\n"
                "    max_output: 1048576\n"
                "steps:\n"
                "  big: {provider: claude, prompt: a lot}\n"
                "  use:\n"
                "    provider: codex\n"
                "    prompt: \"${steps.big.output}\"\n"
                "    needs: [big]\n",
                NULL);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);

  rec = troupe_test_step_record (r->run, "big");
  g_assert_cmpuint (rec->output_bytes, ==, 3 * 1048576);
  g_assert_true (rec->spilled);
  g_assert_true (json_object_get_boolean_member (troupe_test_find_event (r->events, "step-finished", "big", 0), "spilled"));

  /* The log has everything... */
  log_path = run_file (r, rec->log_out);
  log = troupe_test_read_file (log_path, &log_len);
  g_assert_cmpuint (log_len, ==, 3 * 1048576);

  /* ...and so has the spill file, as events.md says. */
  spill_path = run_file (r, "outputs/big.spill");
  spill = troupe_test_read_file (spill_path, &spill_len);
  g_assert_cmpuint (spill_len, ==, 3 * 1048576);
  g_assert_true (memcmp (spill, log, log_len) == 0);

  /* ...but the step's output, what templates see, stops at the cap. */
  in = fake_stdin (ws, "use", 1);
  g_assert_cmpuint (strlen (in), <=, 1048576);
  g_assert_cmpuint (strlen (in), >=, 1048576 - 1);
  g_assert_true (strncmp (in, log, strlen (in)) == 0);

  /* A small output is not spilled. */
  rec = troupe_test_step_record (r->run, "use");
  g_assert_false (rec->spilled);
  g_assert_cmpuint (rec->output_bytes, ==, strlen (in) + 0);
}

/* --- cost ---------------------------------------------------------------- */

static void
test_json_cost (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  JsonObject *metrics;
  TroupeStepRecord *rec;

  r = run_yaml (ws,
                "name: cost\n"
                "providers:\n"
                "  claude:\n"
                "    command: [claude, -p, \"${prompt}\", --output-format, json]\n"
                "    output: json\n"
                "    result: /result\n"
                "    cost: /total_cost_usd\n"
                "    tokens: /usage/output_tokens\n"
                "agents:\n"
                "  writer: {provider: claude}\n"
                "steps:\n"
                "  one: {agent: writer, prompt: one}\n"
                "  two: {agent: writer, prompt: two}\n"
                "  echo:\n"
                "    provider: gemini\n"
                "    prompt: \"${steps.one.output}\"\n"
                "    needs: [one]\n",
                NULL);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);

  rec = troupe_test_step_record (r->run, "one");
  g_assert_true (rec->has_cost);
  g_assert_cmpfloat_with_epsilon (rec->cost, 0.0123, 1e-9);
  g_assert_cmpint (rec->tokens, ==, 20);
  {
    g_auto(GStrv) argv = fake_argv (ws, "echo", 1);
    g_assert_cmpstr (argv[1], ==, "answer of one");
  }

  metrics = troupe_run_record_get_metrics (troupe_run_get_record (r->run));
  g_assert_nonnull (metrics);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (metrics, "cost"), 0.0246, 1e-9);
  g_assert_cmpint (json_object_get_int_member (metrics, "tokens"), ==, 40);
  g_assert_cmpint (json_object_get_int_member (metrics, "attempts"), ==, 3);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (json_object_get_object_member (metrics, "cost_by_agent"),
                                                                 "writer"),
                                  0.0246, 1e-9);
}

/* --- resume -------------------------------------------------------------- */

/* A child runner: `test-run --run-workflow FILE` or `--resume-run ROOT ID`. */
static int
child_main (int    argc,
            char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeRun) run = NULL;

  if (g_str_equal (argv[1], "--run-workflow") && argc == 3)
    {
      g_autoptr(TroupeWorkflow) workflow = troupe_workflow_new_from_file (argv[2], NULL, &error);
      g_autoptr(TroupeRunOptions) options = test_options ();

      if (workflow != NULL)
        run = troupe_run_new (workflow, options, &error);
    }
  else if (g_str_equal (argv[1], "--resume-run") && argc == 4)
    run = troupe_run_new_resume (argv[2], argv[3], NULL, &error);
  else
    {
      g_printerr ("usage: %s --run-workflow FILE | --resume-run ROOT ID\n", argv[0]);
      return 2;
    }

  if (run == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  troupe_test_run_until_finished (run);
  return troupe_run_get_status (run) == TROUPE_RUN_STATUS_SUCCEEDED ? 0 : 1;
}

static GPid
spawn_child (const char * const *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  GPid pid = 0;

  g_ptr_array_add (argv, self_exe);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_async (NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error);
  g_assert_no_error (error);
  return pid;
}

/* Kills @pid with SIGKILL after @delay_ms, unless it exits first.
 * Returns whether it was killed. */
static gboolean
kill_after (GPid  pid,
            guint delay_ms)
{
  gint64 deadline = g_get_monotonic_time () + delay_ms * 1000;
  int status = 0;

  while (g_get_monotonic_time () < deadline)
    {
      pid_t done = waitpid (pid, &status, WNOHANG);

      g_assert_cmpint (done, >=, 0);
      if (done == pid)
        return FALSE;
      g_usleep (2000);
    }
  kill (pid, SIGKILL);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  return !(WIFEXITED (status));
}

static char *
only_run_id (const char *root)
{
  g_autofree char *runs = g_build_filename (root, ".troupe", "runs", NULL);
  g_autoptr(GDir) dir = g_dir_open (runs, 0, NULL);
  const char *name;
  char *id;

  if (dir == NULL || (name = g_dir_read_name (dir)) == NULL)
    return NULL;
  id = g_strdup (name);
  g_assert_null (g_dir_read_name (dir));
  return id;
}

/* The journal, parsed (and checked: whole lines, consecutive seq). */
static GPtrArray *
read_journal (const char *root,
              const char *run_id)
{
  g_autofree char *path = g_build_filename (root, ".troupe", "runs", run_id, "events.jsonl", NULL);
  g_autofree char *text = troupe_test_read_file (path, NULL);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  guint n = g_strv_length (lines);

  g_assert_cmpuint (n, >, 0);
  g_assert_cmpstr (lines[n - 1], ==, "");
  for (guint i = 0; i + 1 < n; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonObject *event;

      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
      event = json_node_get_object (json_parser_get_root (parser));
      g_assert_cmpint (json_object_get_int_member (event, "seq"), ==, i + 1);
      g_assert_true (json_object_has_member (event, "event"));
      g_assert_true (json_object_has_member (event, "wall"));
      g_assert_true (json_object_has_member (event, "mono_us"));
      g_assert_true (json_object_has_member (event, "session"));
      g_ptr_array_add (events, json_object_ref (event));
    }
  return events;
}

static const char resume_yaml[] =
  "name: resume\n"
  "defaults:\n"
  "  max_parallel: 2\n"
  "agents:\n"
  "  eng: {}\n"
  "steps:\n"
  "  plan: {provider: claude, prompt: plan}\n"
  "  fan:\n"
  "    provider: gemini\n"
  "    prompt: \"do ${item}\"\n"
  "    for_each: plan\n"
  "    needs: [plan]\n"
  "  side: {provider: codex, prompt: side}\n"
  "  flaky:\n"
  "    provider: claude\n"
  "    prompt: flaky\n"
  "    retries: {max: 2, delay: 20ms}\n"
  "  hand-over:\n"
  "    send: {to: eng, file: \"job-${run.id}\", content: \"${steps.side.output}\"}\n"
  "    needs: [side]\n"
  "  take:\n"
  "    agent: eng\n"
  "    wait_for: {glob: inbox/eng/*.task, timeout: 10s, poll: 50ms}\n"
  "  join:\n"
  "    provider: claude\n"
  "    prompt: \"join ${steps.fan.output} ${steps.take.output}\"\n"
  "    needs: [fan, flaky, take, hand-over]\n"
  "  tail: {provider: codex, prompt: \"${steps.join.output}\", needs: [join]}\n";

static void
resume_env (void)
{
  troupe_test_fake_env ("FAKE_CLI_SLEEP", "0.03");
  troupe_test_fake_env ("FAKE_CLI_OUTPUT_plan", "one\ntwo\nthree");
  troupe_test_fake_env ("FAKE_CLI_FAIL_TIMES_flaky", "1");
}

static const char * const resume_instances[] = {
  "plan", "fan[0]", "fan[1]", "fan[2]", "side", "flaky", "join", "tail", NULL
};

/* Per instance: how often the fake ran for each, now. */
static void
snapshot_calls (Ws    *ws,
                guint  calls[])
{
  for (guint i = 0; resume_instances[i] != NULL; i++)
    calls[i] = troupe_test_fake_calls (ws, resume_instances[i]);
}

/* Opens the run after a kill, resumes it in this process to the end and
 * checks that what had succeeded did not run again. */
static void
resume_to_end (Ws         *ws,
               const char *run_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeRunRecord) before = troupe_run_store_load_record (ws->root, run_id, &error);
  g_autoptr(Runner) r = NULL;
  guint calls_before[G_N_ELEMENTS (resume_instances)];
  guint calls_after[G_N_ELEMENTS (resume_instances)];
  TroupeRun *run;

  g_assert_no_error (error);
  snapshot_calls (ws, calls_before);

  /* The lock of a runner killed with SIGKILL can outlive it for an
   * instant: a child it was starting (posix_spawn's vfork-like clone has
   * a copy of its descriptors until it execs) holds the lock's open file
   * until then. So a resume at once may see the run locked, briefly. */
  for (guint tries = 0; ; tries++)
    {
      run = troupe_run_new_resume (ws->root, run_id, NULL, &error);
      if (run != NULL || tries == 50 ||
          !g_error_matches (error, TROUPE_RUN_RECORD_ERROR, TROUPE_RUN_RECORD_ERROR_LOCKED))
        break;
      g_clear_error (&error);
      g_usleep (20 * 1000);
    }
  if (run == NULL && g_error_matches (error, TROUPE_RUN_ERROR, TROUPE_RUN_ERROR_STATE))
    {
      /* The child got to the end before it was killed. */
      g_assert_cmpuint (troupe_run_record_get_status (before), ==, TROUPE_RUN_STATUS_SUCCEEDED);
      return;
    }
  g_assert_no_error (error);
  r = troupe_test_runner_new (run);
  troupe_test_runner_run (r);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);
  g_assert_cmpuint (troupe_run_record_get_session (troupe_run_get_record (run)), ==,
                    troupe_run_record_get_session (before) + 1);

  snapshot_calls (ws, calls_after);
  for (guint i = 0; resume_instances[i] != NULL; i++)
    {
      TroupeStepRecord *rec = troupe_run_record_lookup (before, resume_instances[i]);

      if (rec != NULL && rec->status == TROUPE_STEP_STATUS_SUCCEEDED &&
          calls_after[i] != calls_before[i])
        g_error ("%s had succeeded before the resume, yet it ran again", resume_instances[i]);
    }
}

/* Over the whole journal: each instance succeeded exactly once, never
 * started again after that, and the fake ran no more often than the
 * journal says it was started. */
static void
check_resumed_run (Ws         *ws,
                   const char *run_id)
{
  g_autoptr(GPtrArray) events = read_journal (ws->root, run_id);
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeRunRecord) record = troupe_run_store_load_record (ws->root, run_id, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (troupe_run_record_get_status (record), ==, TROUPE_RUN_STATUS_SUCCEEDED);

  for (guint i = 0; resume_instances[i] != NULL; i++)
    {
      const char *instance = resume_instances[i];
      guint started = 0, succeeded = 0;

      for (guint j = 0; j < events->len; j++)
        {
          JsonObject *event = g_ptr_array_index (events, j);
          const char *name = json_object_get_string_member (event, "event");

          if (g_strcmp0 (json_object_get_string_member_with_default (event, "instance", NULL), instance) != 0)
            continue;
          if (g_str_equal (name, "step-started"))
            {
              if (succeeded > 0)
                g_error ("%s started again after it had succeeded (seq %" G_GINT64_FORMAT ")",
                         instance, json_object_get_int_member (event, "seq"));
              started++;
            }
          else if (g_str_equal (name, "step-finished") &&
                   g_str_equal (json_object_get_string_member (event, "status"), "succeeded"))
            succeeded++;
        }

      if (succeeded != 1)
        g_error ("%s succeeded %u times", instance, succeeded);
      if (troupe_test_fake_calls (ws, instance) > started)
        g_error ("%s ran %u times but was started %u times", instance, troupe_test_fake_calls (ws, instance), started);
      g_assert_cmpuint (troupe_run_record_lookup (record, instance)->status, ==, TROUPE_STEP_STATUS_SUCCEEDED);
    }
}

static void
test_resume_after_sigkill (void)
{
  /* Seeded from the test seed: each run of the suite kills at other
   * moments, and `--seed` replays one. */
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  guint killed_runs = 0, resumed_sessions = 0;
  gint64 full_ms;

  /* How long the whole run takes here, uninterrupted: the kills fall
   * anywhere in it. */
  {
    g_autoptr(Ws) ws = troupe_test_ws_new ();
    g_autofree char *flow = troupe_test_ws_path (ws, "flow.yaml");
    const char *args[] = { "--run-workflow", flow, NULL };
    gint64 begin = g_get_monotonic_time ();
    int status = 0;
    GPid pid;

    resume_env ();
    troupe_test_write_file (flow, resume_yaml);
    pid = spawn_child (args);
    g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
    g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    full_ms = (g_get_monotonic_time () - begin) / 1000;
    g_test_message ("the run takes %" G_GINT64_FORMAT " ms", full_ms);
  }

  /* Twenty runs killed mid-way; a kill that comes too late (a loaded
   * machine is slow to start the child) makes another round. */
  for (guint round = 0; killed_runs < 20; round++)
    {
      g_autoptr(Ws) ws = troupe_test_ws_new ();
      g_autoptr(TroupeRunRecord) record = NULL;
      g_autofree char *flow = troupe_test_ws_path (ws, "flow.yaml");
      g_autofree char *run_id = NULL;
      g_autofree char *events = NULL;
      const char *args[] = { "--run-workflow", flow, NULL };
      gboolean killed;
      GPid pid;

      g_assert_cmpuint (round, <, 60);
      resume_env ();
      troupe_test_write_file (flow, resume_yaml);
      pid = spawn_child (args);
      killed = kill_after (pid, g_rand_int_range (rand, 5, full_ms));

      /* A run killed before it wrote its first event never started:
       * there is nothing to resume, and nothing ran. */
      run_id = only_run_id (ws->root);
      if (run_id != NULL)
        events = g_build_filename (ws->root, ".troupe", "runs", run_id, "events.jsonl", NULL);
      if (run_id == NULL || !g_file_test (events, G_FILE_TEST_EXISTS))
        {
          g_assert_true (killed);
          g_assert_cmpuint (troupe_test_fake_calls (ws, "plan"), ==, 0);
          continue;
        }

      record = troupe_run_store_load_record (ws->root, run_id, NULL);
      if (killed && record != NULL && troupe_run_record_get_status (record) != TROUPE_RUN_STATUS_SUCCEEDED)
        {
          killed_runs++;

          /* Every other time, kill a resumed session too. */
          if (killed_runs % 2 == 0)
            {
              const char *resume_args[] = { "--resume-run", ws->root, run_id, NULL };

              pid = spawn_child (resume_args);
              resumed_sessions += kill_after (pid, g_rand_int_range (rand, 5, full_ms / 2));
            }
        }

      resume_to_end (ws, run_id);
      check_resumed_run (ws, run_id);

      /* Orphans of the killed runner may still be finishing. */
      g_usleep (50 * 1000);
    }

  g_test_message ("20 runs killed mid-way; %u resumed sessions killed too", resumed_sessions);
}

static void
cancel_when_d_finished (Runner     *r,
                        JsonObject *event)
{
  if (g_str_equal (json_object_get_string_member (event, "event"), "step-finished") &&
      g_str_equal (json_object_get_string_member (event, "instance"), "d"))
    g_idle_add (cancel_now_cb, r);
}

static void
test_resume_cancelled (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws, cancel_yaml);
  g_autoptr(Runner) r = NULL;
  g_autoptr(Runner) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *run_id = NULL;
  CancelState state = { 0 };
  TroupeRun *run;

  troupe_test_fake_env ("FAKE_CLI_SLEEP_b", "10");
  r = runner_new_for (workflow, NULL);
  r->hook = cancel_when_d_finished;
  r->data = &state;
  troupe_test_runner_run (r);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_CANCELLED);
  run_id = g_strdup (troupe_run_get_id (r->run));
  /* a, c and d finished before the cancel: they will not run again. */
  troupe_test_assert_step_status (r->run, "a", TROUPE_STEP_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "c", TROUPE_STEP_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "d", TROUPE_STEP_STATUS_SUCCEEDED);
  troupe_test_assert_step_status (r->run, "b", TROUPE_STEP_STATUS_CANCELLED);
  g_clear_pointer (&r, troupe_test_runner_free);

  troupe_test_fake_env ("FAKE_CLI_SLEEP_b", "0.05");
  run = troupe_run_new_resume (ws->root, run_id, NULL, &error);
  g_assert_no_error (error);
  again = troupe_test_runner_new (run);
  troupe_test_runner_run (again);
  troupe_test_assert_run_status (again->run, TROUPE_RUN_STATUS_SUCCEEDED);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "a"), ==, 1);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "b"), ==, 2);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "c"), ==, 1);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "d"), ==, 1);
  g_assert_nonnull (troupe_test_find_event (again->events, "run-resumed", NULL, 0));
  g_assert_null (troupe_test_find_event (again->events, "step-started", "a", 0));
  g_assert_null (troupe_test_find_event (again->events, "step-started", "c", 0));
  g_assert_cmpuint (troupe_run_record_get_session (troupe_run_get_record (run)), ==, 2);
}

static void
test_resume_failed (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  g_autoptr(Runner) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *run_id = NULL;
  TroupeRun *run;

  troupe_test_fake_env ("FAKE_CLI_FAIL_TIMES_b", "1");
  r = run_yaml (ws,
                "name: resume-failed\n"
                "steps:\n"
                "  a: {provider: claude, prompt: a}\n"
                "  b: {provider: gemini, prompt: \"b ${steps.a.output}\", needs: [a]}\n"
                "  c: {provider: codex, prompt: \"c ${steps.b.output}\", needs: [b]}\n",
                NULL);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_FAILED);
  troupe_test_assert_step_status (r->run, "b", TROUPE_STEP_STATUS_FAILED);
  troupe_test_assert_step_status (r->run, "c", TROUPE_STEP_STATUS_CANCELLED);
  run_id = g_strdup (troupe_run_get_id (r->run));
  g_clear_pointer (&r, troupe_test_runner_free);

  /* The failed step and its dependents run again; the rest does not. */
  run = troupe_run_new_resume (ws->root, run_id, NULL, &error);
  g_assert_no_error (error);
  again = troupe_test_runner_new (run);
  troupe_test_runner_run (again);
  troupe_test_assert_run_status (again->run, TROUPE_RUN_STATUS_SUCCEEDED);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "a"), ==, 1);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "b"), ==, 2);
  g_assert_cmpuint (troupe_test_fake_calls (ws, "c"), ==, 1);
  {
    g_autofree char *in = fake_stdin (ws, "c", 1);
    g_assert_cmpstr (in, ==, "c b a");
  }
  /* Attempt numbers go on from the earlier session: logs are not
   * overwritten. */
  g_assert_cmpuint (troupe_test_step_record (again->run, "b")->attempts, ==, 2);
  g_assert_cmpstr (troupe_test_step_record (again->run, "b")->log_out, ==, "logs/b.2.out");
  {
    g_autofree char *first_log = run_file (again, "logs/b.1.err");
    g_autofree char *text = troupe_test_read_file (first_log, NULL);
    g_assert_nonnull (strstr (text, "failing on purpose"));
  }

  /* A succeeded run has nothing to resume. */
  g_clear_pointer (&again, troupe_test_runner_free);
  g_assert_null (troupe_run_new_resume (ws->root, run_id, NULL, &error));
  g_assert_error (error, TROUPE_RUN_ERROR, TROUPE_RUN_ERROR_STATE);
}

/* A runner killed after a wait moved its tasks to processed/ but before
 * the journal said so: the resumed wait finishes that move from the
 * intent the wait wrote first, instead of waiting for tasks that already
 * went. (The SIGKILL test hits this window only by chance; this sets it
 * up by hand.) */
static void
test_resume_interrupted_wait (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  g_autoptr(Runner) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) then = g_date_time_new_utc (2026, 11, 21, 1, 2, 3);
  g_autofree char *run_id = NULL;
  g_autofree char *intent = NULL;
  TroupeRun *run;

  r = run_yaml (ws,
                "name: interrupted-wait\n"
                "agents:\n"
                "  eng: {}\n"
                "steps:\n"
                "  take:\n"
                "    agent: eng\n"
                "    wait_for: {glob: inbox/eng/*.task, timeout: 300ms, poll: 50ms, min_count: 2}\n"
                "  use: {provider: claude, prompt: \"${steps.take.output}\", needs: [take]}\n",
                NULL);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_FAILED);
  run_id = g_strdup (troupe_run_get_id (r->run));

  /* What the killed session left: one task moved, one not yet, and the
   * intent (the time of the move, then the tasks). */
  {
    g_autofree char *moved = troupe_test_ws_path (ws, "processed/20261121T010203Z/first.task");
    g_autofree char *waiting = troupe_test_ws_path (ws, "inbox/eng/second.task");
    g_autofree char *text = NULL;

    troupe_test_write_file (moved, "one");
    troupe_test_write_file (waiting, "two");
    intent = run_file (r, "outputs/take.txt.moving");
    text = g_strdup_printf ("%" G_GINT64_FORMAT "\ninbox/eng/first.task\ninbox/eng/second.task\n",
                            g_date_time_to_unix (then));
    troupe_test_write_file (intent, text);
  }
  g_clear_pointer (&r, troupe_test_runner_free);

  run = troupe_run_new_resume (ws->root, run_id, NULL, &error);
  g_assert_no_error (error);
  again = troupe_test_runner_new (run);
  troupe_test_runner_run (again);
  troupe_test_assert_run_status (again->run, TROUPE_RUN_STATUS_SUCCEEDED);

  {
    g_auto(GStrv) argv = fake_argv (ws, "use", 1);
    g_assert_cmpstr (argv[1], ==, "processed/20261121T010203Z/first.task\n"
                                  "processed/20261121T010203Z/second.task");
  }
  {
    g_autofree char *second = troupe_test_ws_path (ws, "processed/20261121T010203Z/second.task");
    g_autofree char *gone = troupe_test_ws_path (ws, "inbox/eng/second.task");
    g_autofree char *text = troupe_test_read_file (second, NULL);

    g_assert_cmpstr (text, ==, "two");
    g_assert_false (g_file_test (gone, G_FILE_TEST_EXISTS));
  }
  /* Done with, the intent is gone. */
  g_assert_false (g_file_test (intent, G_FILE_TEST_EXISTS));
}

static void
test_resume_locked (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws,
                                                            "name: locked\n"
                                                            "steps:\n"
                                                            "  a: {provider: claude, prompt: a}\n");
  g_autoptr(Runner) r = runner_new_for (workflow, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeRunStore) store = NULL;
  g_autoptr(TroupeRun) second = NULL;

  /* While the first opener holds the run, a second one is refused. */
  second = troupe_run_new_resume (ws->root, troupe_run_get_id (r->run), NULL, &error);
  g_assert_null (second);
  g_assert_error (error, TROUPE_RUN_RECORD_ERROR, TROUPE_RUN_RECORD_ERROR_LOCKED);
  g_clear_error (&error);

  troupe_test_runner_run (r);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);
  store = troupe_run_store_open (ws->root, troupe_run_get_id (r->run), &error);
  g_assert_null (store);
  g_assert_error (error, TROUPE_RUN_RECORD_ERROR, TROUPE_RUN_RECORD_ERROR_LOCKED);
  g_clear_error (&error);

  /* Reading without the lock is always possible. */
  {
    g_autoptr(TroupeRunRecord) record = troupe_run_store_load_record (ws->root, troupe_run_get_id (r->run), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (troupe_run_record_get_status (record), ==, TROUPE_RUN_STATUS_SUCCEEDED);
  }
}

/* --- the example --------------------------------------------------------- */

static void
test_example_architect_engineer_qa (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autofree char *source = g_build_filename (g_getenv ("TROUPE_SOURCE_ROOT"), "examples",
                                              "architect-engineer-qa.yaml", NULL);
  g_autofree char *yaml = troupe_test_read_file (source, NULL);
  g_autoptr(Runner) r = run_yaml (ws, yaml, NULL);
  g_autofree char *processed = troupe_test_ws_path (ws, "processed");
  g_autofree char *stamp = NULL;
  g_autofree char *feedback_rel = NULL;
  g_autofree char *feedback = NULL;
  g_autofree char *feedback_text = NULL;
  g_autofree char *review_output = NULL;
  GPtrArray *steps;

  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);
  steps = troupe_run_record_get_steps (troupe_run_get_record (r->run));
  g_assert_cmpuint (steps->len, ==, 8);
  for (guint i = 0; i < steps->len; i++)
    g_assert_cmpuint (((TroupeStepRecord *) g_ptr_array_index (steps, i))->status, ==, TROUPE_STEP_STATUS_SUCCEEDED);

  /* The mock wrote every declared output. */
  for (const char * const *p = (const char * const[]) { "artifacts/architect/system_design.md", "src/todo.py",
                                                         "tests/test_todo.py", "artifacts/qa/review.md", NULL };
       *p != NULL; p++)
    {
      g_autofree char *path = troupe_test_ws_path (ws, *p);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    }

  /* engineer -> qa -> engineer: the engineer was waiting before QA sent
   * its feedback, and took it once it arrived. */
  g_assert_cmpint (event_seq (r, "step-started", "wait-for-feedback"), <, event_seq (r, "step-started", "send-feedback"));
  g_assert_cmpint (event_seq (r, "step-finished", "send-feedback"), <, event_seq (r, "step-finished", "wait-for-feedback"));
  g_assert_cmpint (event_seq (r, "step-finished", "wait-for-feedback"), <, event_seq (r, "step-started", "address-feedback"));

  stamp = troupe_test_single_entry (processed);
  feedback_rel = g_strdup_printf ("processed/%s/feedback-round-1.task", stamp);
  feedback = troupe_test_ws_path (ws, feedback_rel);
  feedback_text = troupe_test_read_file (feedback, NULL);
  {
    TroupeStepRecord *rec = troupe_test_step_record (r->run, "review");
    g_autofree char *path = run_file (r, rec->output_path);
    g_autofree char *wait_path = run_file (r, troupe_test_step_record (r->run, "wait-for-feedback")->output_path);
    g_autofree char *wait_output = troupe_test_read_file (wait_path, NULL);

    review_output = troupe_test_read_file (path, NULL);
    g_assert_cmpstr (wait_output, ==, feedback_rel);
  }
  /* The task holds QA's review (its output without the final newline). */
  g_assert_true (g_str_has_prefix (review_output, feedback_text));
  g_assert_nonnull (strstr (feedback_text, "Review this implementation"));
  g_assert_nonnull (strstr (feedback_text, "todo-app"));

  /* The hand-offs that nobody waits for stay in the inboxes. */
  {
    g_autofree char *task = troupe_test_ws_path (ws, "inbox/engineer/implement-design.task");
    g_autofree char *review = troupe_test_ws_path (ws, "inbox/qa/review-implementation.task");
    g_autofree char *gone = troupe_test_ws_path (ws, "inbox/engineer/feedback-round-1.task");

    g_assert_true (g_file_test (task, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_test (review, G_FILE_TEST_IS_REGULAR));
    g_assert_false (g_file_test (gone, G_FILE_TEST_EXISTS));
  }
}

/* --- preflight and validation -------------------------------------------- */

static void
test_preflight (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws,
                                                            "name: preflight\n"
                                                            "steps:\n"
                                                            "  fine: {provider: mock, prompt: fine}\n"
                                                            "  think: {provider: claude, prompt: think}\n"
                                                            "  again: {provider: claude, prompt: again}\n"
                                                            "  build: {command: [no-such-program-xyz, all]}\n");
  g_autofree char *path = g_strdup (g_getenv ("PATH"));
  g_autofree char *run_dir = troupe_test_ws_path (ws, ".troupe/runs");
  g_autoptr(GError) error = NULL;
  TroupeRun *run;

  g_setenv ("PATH", "/nonexistent", TRUE);
  run = troupe_run_new (workflow, NULL, &error);
  g_setenv ("PATH", path, TRUE);

  g_assert_null (run);
  g_assert_error (error, TROUPE_RUN_ERROR, TROUPE_RUN_ERROR_PREFLIGHT);
  /* The provider, the step and the fix; once per program. */
  g_assert_nonnull (strstr (error->message, "step 'think' uses provider 'claude'"));
  g_assert_nonnull (strstr (error->message, "not on PATH"));
  g_assert_nonnull (strstr (error->message, "install it"));
  g_assert_nonnull (strstr (error->message, "'mock'"));
  g_assert_null (strstr (error->message, "'again'"));
  g_assert_nonnull (strstr (error->message, "step 'build' runs 'no-such-program-xyz'"));
  /* Nothing was created. */
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
}

static void
test_invalid (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws,
                                                            "name: invalid\n"
                                                            "steps:\n"
                                                            "  a: {provider: mock, prompt: a, needs: [nowhere]}\n"
                                                            "  b: {provider: mock, prompt: b, needs: [c]}\n"
                                                            "  c: {provider: mock, prompt: c, needs: [b]}\n");
  g_autoptr(GError) error = NULL;

  g_autoptr(TroupeWorkflow) templates = NULL;

  g_assert_null (troupe_run_new (workflow, NULL, &error));
  g_assert_error (error, TROUPE_RUN_ERROR, TROUPE_RUN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "nowhere"));
  g_clear_error (&error);

  /* Unknown variables that can be seen before the run are errors then. */
  templates = troupe_test_ws_load (ws,
                                   "name: invalid\n"
                                   "steps:\n"
                                   "  bad-name: {provider: claude, prompt: \"${run.idd}\"}\n"
                                   "  bad-item: {provider: claude, prompt: \"${item}\"}\n"
                                   "  bad-step: {provider: claude, prompt: \"${steps.bad-name.output}\"}\n");
  g_assert_null (troupe_run_new (templates, NULL, &error));
  g_assert_error (error, TROUPE_RUN_ERROR, TROUPE_RUN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "${run.idd}"));
  g_assert_nonnull (strstr (error->message, "did you mean ${run.id}"));
  g_assert_nonnull (strstr (error->message, "step 'bad-item'"));
  g_assert_nonnull (strstr (error->message, "step 'bad-step'"));
  g_assert_cmpuint (troupe_test_fake_calls (ws, "bad-name"), ==, 0);
}

/* --- dry run ------------------------------------------------------------- */

static void
check_simulation (TroupeWorkflow     *workflow,
                  guint               max_parallel,
                  const char * const *order,
                  const gint64       *starts,
                  gint64              wall_ms)
{
  g_autoptr(TroupeRunOptions) options = test_options ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) report = NULL;
  JsonArray *entries;

  options->max_parallel = max_parallel;
  report = troupe_run_simulate (workflow, options, 100, &error);
  g_assert_no_error (error);
  entries = json_object_get_array_member (report, "order");
  g_assert_cmpuint (json_array_get_length (entries), ==, g_strv_length ((GStrv) order));
  for (guint i = 0; order[i] != NULL; i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);

      g_assert_cmpstr (json_object_get_string_member (entry, "instance"), ==, order[i]);
      g_assert_cmpint (json_object_get_int_member (entry, "start_ms"), ==, starts[i]);
    }
  g_assert_cmpint (json_object_get_int_member (report, "wall_ms"), ==, wall_ms);
  g_assert_cmpint (json_object_get_int_member (report, "serial_ms"), ==, 500);
  g_assert_cmpint (json_object_get_int_member (report, "critical_path_ms"), ==, 300);
}

static void
test_simulate (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(TroupeWorkflow) workflow = troupe_test_ws_load (ws,
                                                            "name: dry\n"
                                                            "defaults:\n"
                                                            "  provider: claude\n"
                                                            "steps:\n"
                                                            "  a: {prompt: a}\n"
                                                            "  b: {prompt: b}\n"
                                                            "  c: {prompt: c}\n"
                                                            "  d: {prompt: d, needs: [a, b]}\n"
                                                            "  e: {prompt: e, needs: [d]}\n"
                                                            "  note:\n"
                                                            "    send: {to: x, file: done, content: done}\n"
                                                            "    needs: [e]\n");
  g_autofree char *run_dir = troupe_test_ws_path (ws, ".troupe");
  /* Priorities (longest path to a sink): a, b 4; d 3; e 2; c, note 1.
   * The send takes no time and no slot. */
  const char * const serial[] = { "a", "b", "d", "e", "c", "note", NULL };
  const gint64 serial_starts[] = { 0, 100, 200, 300, 400, 400 };
  const char * const two[] = { "a", "b", "d", "c", "e", "note", NULL };
  const gint64 two_starts[] = { 0, 0, 100, 100, 200, 300 };

  check_simulation (workflow, 1, serial, serial_starts, 500);
  check_simulation (workflow, 2, two, two_starts, 300);

  /* Agent and provider limits hold in the dry run as in the run. */
  {
    g_autoptr(TroupeWorkflow) limited = troupe_test_ws_load (ws,
                                                             "name: dry-limits\n"
                                                             "providers:\n"
                                                             "  narrow: {command: [gemini, -p, \"${prompt}\"], max_parallel: 1}\n"
                                                             "agents:\n"
                                                             "  solo: {max_parallel: 1, provider: claude}\n"
                                                             "steps:\n"
                                                             "  n1: {provider: narrow, prompt: a}\n"
                                                             "  n2: {provider: narrow, prompt: b}\n"
                                                             "  s1: {agent: solo, prompt: c}\n"
                                                             "  s2: {agent: solo, prompt: d}\n"
                                                             "  free: {provider: claude, prompt: e}\n");
    g_autoptr(TroupeRunOptions) options = test_options ();
    g_autoptr(JsonObject) report = NULL;
    g_autoptr(GError) error = NULL;
    JsonArray *entries;
    const char * const names[] = { "n1", "s1", "free", "n2", "s2" };
    const gint64 starts[] = { 0, 0, 0, 100, 100 };

    options->max_parallel = 8;
    report = troupe_run_simulate (limited, options, 100, &error);
    g_assert_no_error (error);
    entries = json_object_get_array_member (report, "order");
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        JsonObject *entry = json_array_get_object_element (entries, i);

        g_assert_cmpstr (json_object_get_string_member (entry, "instance"), ==, names[i]);
        g_assert_cmpint (json_object_get_int_member (entry, "start_ms"), ==, starts[i]);
      }
    g_assert_cmpint (json_object_get_int_member (report, "wall_ms"), ==, 200);
  }
  /* Nothing ran, nothing was written. */
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (troupe_test_fake_calls (ws, "a"), ==, 0);
}

/* --- records ------------------------------------------------------------- */

static char *
record_json (TroupeRunRecord *record)
{
  g_autoptr(JsonNode) node = troupe_run_record_to_json (record);

  return json_to_string (node, TRUE);
}

static void
test_records (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *live = NULL;
  g_autofree char *state_path = NULL;
  g_autofree char *events_path = NULL;
  g_autofree char *events_before = NULL;
  g_autofree char *state_text = NULL;
  g_autofree char *run_id = NULL;
  gsize events_len = 0;

  troupe_test_fake_env ("FAKE_CLI_FAIL_TIMES_flaky", "1");
  troupe_test_fake_env ("FAKE_CLI_OUTPUT_list", "x\ny");
  r = run_yaml (ws,
                "name: records\n"
                "steps:\n"
                "  list: {provider: claude, prompt: list}\n"
                "  each: {provider: gemini, prompt: \"${item}\", for_each: list, needs: [list]}\n"
                "  flaky: {provider: codex, prompt: flaky, retries: {max: 1, delay: 10ms}}\n"
                "  skipped:\n"
                "    provider: claude\n"
                "    prompt: skipped\n"
                "    needs: [list]\n"
                "    when: {contains: [\"${steps.list.output}\", z]}\n",
                NULL);
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);
  run_id = g_strdup (troupe_run_get_id (r->run));
  g_assert_true (g_regex_match_simple ("^[0-9]{8}-[0-9]{6}-[0-9a-f]{4}$", run_id, 0, 0));
  live = record_json (troupe_run_get_record (r->run));

  /* The journal: whole lines, seq from 1 without gaps, the events the
   * run emitted, in order. */
  journal = read_journal (ws->root, run_id);
  g_assert_cmpuint (journal->len, ==, r->events->len);
  for (guint i = 0; i < journal->len; i++)
    {
      JsonObject *a = g_ptr_array_index (journal, i);
      JsonObject *b = g_ptr_array_index (r->events, i);

      g_assert_cmpstr (json_object_get_string_member (a, "event"), ==, json_object_get_string_member (b, "event"));
      g_assert_cmpint (json_object_get_int_member (a, "seq"), ==, json_object_get_int_member (b, "seq"));
      g_assert_cmpint (json_object_get_int_member (a, "session"), ==, 1);
    }
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (journal, 0), "event"), ==, "run-started");
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (journal, journal->len - 1), "event"), ==, "run-finished");

  /* state.json parses and is the record, up to the last event. */
  state_path = run_file (r, "state.json");
  state_text = troupe_test_read_file (state_path, NULL);
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonObject *state;

    json_parser_load_from_data (parser, state_text, -1, &error);
    g_assert_no_error (error);
    state = json_node_get_object (json_parser_get_root (parser));
    g_assert_cmpint (json_object_get_int_member (state, "seq"), ==, journal->len);
    g_assert_cmpstr (json_object_get_string_member (state, "status"), ==, "succeeded");
    g_assert_nonnull (json_object_get_object_member (state, "metrics"));
    g_assert_cmpint (json_object_get_int_member (state, "n_steps"), ==, 4);
    g_assert_cmpuint (troupe_run_record_get_n_steps (troupe_run_get_record (r->run)), ==, 4);
  }
  /* The snapshot is written by hand, without a JSON tree: it must be the
   * very JSON that troupe_run_record_to_json() describes. */
  {
    g_autoptr(GString) written = g_string_new (NULL);
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autofree char *reparsed = NULL;

    troupe_run_record_write_json (troupe_run_get_record (r->run), written);
    json_parser_load_from_data (parser, written->str, written->len, &error);
    g_assert_no_error (error);
    reparsed = json_to_string (json_parser_get_root (parser), TRUE);
    g_assert_cmpstr (reparsed, ==, live);
  }

  /* Loading (snapshot + replay) gives the live record back... */
  {
    g_autoptr(TroupeRunRecord) loaded = troupe_run_store_load_record (ws->root, run_id, &error);
    g_autofree char *text = NULL;

    g_assert_no_error (error);
    text = record_json (loaded);
    g_assert_cmpstr (text, ==, live);
  }
  /* ...and so does replaying the whole journal without a snapshot. */
  g_assert_cmpint (g_unlink (state_path), ==, 0);
  {
    g_autoptr(TroupeRunRecord) replayed = troupe_run_store_load_record (ws->root, run_id, &error);
    g_autofree char *text = NULL;

    g_assert_no_error (error);
    text = record_json (replayed);
    g_assert_cmpstr (text, ==, live);
  }
  /* ...and so does a snapshot from the middle of the run plus the rest. */
  {
    g_autoptr(TroupeRunRecord) partial = troupe_run_record_new ();
    g_autoptr(TroupeRunRecord) loaded = NULL;
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *text = NULL;

    for (guint i = 0; i < journal->len / 2; i++)
      {
        troupe_run_record_apply (partial, g_ptr_array_index (journal, i), &error);
        g_assert_no_error (error);
      }
    node = troupe_run_record_to_json (partial);
    text = json_to_string (node, FALSE);
    troupe_test_write_file (state_path, text);
    loaded = troupe_run_store_load_record (ws->root, run_id, &error);
    g_assert_no_error (error);
    g_free (text);
    text = record_json (loaded);
    g_assert_cmpstr (text, ==, live);
  }
  /* An event out of sequence is refused. */
  {
    g_autoptr(TroupeRunRecord) fresh = troupe_run_record_new ();

    g_assert_false (troupe_run_record_apply (fresh, g_ptr_array_index (journal, 1), &error));
    g_assert_error (error, TROUPE_RUN_RECORD_ERROR, TROUPE_RUN_RECORD_ERROR_INVALID);
    g_clear_error (&error);
  }

  /* A torn last line (a crash in the middle of a write) is ignored... */
  events_path = run_file (r, "events.jsonl");
  events_before = troupe_test_read_file (events_path, &events_len);
  g_clear_pointer (&r, troupe_test_runner_free);
  {
    g_autofree char *torn = g_strconcat (events_before, "{\"seq\": 999, \"event\": \"step-fin", NULL);
    g_autoptr(TroupeRunRecord) loaded = NULL;
    g_autofree char *text = NULL;

    troupe_test_write_file (events_path, torn);
    loaded = troupe_run_store_load_record (ws->root, run_id, &error);
    g_assert_no_error (error);
    text = record_json (loaded);
    g_assert_cmpstr (text, ==, live);
  }
  /* ...and cut off by the next opener, so appends start on a clean line. */
  {
    g_autoptr(TroupeRunStore) store = troupe_run_store_open (ws->root, run_id, &error);
    g_autofree char *repaired = NULL;
    gsize repaired_len = 0;

    g_assert_no_error (error);
    g_assert_nonnull (store);
    repaired = troupe_test_read_file (events_path, &repaired_len);
    g_assert_cmpuint (repaired_len, ==, events_len);
    g_assert_cmpstr (repaired, ==, events_before);
  }
  /* A journal broken in the middle is an error, not silently skipped. */
  {
    g_autofree char *broken = g_strdup (events_before);
    g_autoptr(TroupeRunRecord) loaded = NULL;

    broken[0] = '#';
    g_unlink (state_path);
    troupe_test_write_file (events_path, broken);
    loaded = troupe_run_store_load_record (ws->root, run_id, &error);
    g_assert_null (loaded);
    g_assert_error (error, TROUPE_RUN_RECORD_ERROR, TROUPE_RUN_RECORD_ERROR_INVALID);
  }
}

/* What json-glib's generator writes for @node, but U+001F escaped (which
 * json-glib leaves bare: invalid JSON). */
static char *
generator_text (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  GString *fixed = g_string_new (NULL);

  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  for (const char *p = text; *p != '\0'; p++)
    if (*p == 0x1f)
      g_string_append (fixed, "\\u001f");
    else
      g_string_append_c (fixed, *p);
  return g_string_free (fixed, FALSE);
}

/* The journal's JSON writer is hand-written for speed: it must write what
 * json-glib writes, byte for byte, whatever the content. */
static void
test_records_json_writer (void)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();
  JsonObject *nested = json_object_new ();
  JsonArray *array = json_array_new ();
  g_autoptr(GString) written = g_string_new (NULL);
  g_autofree char *expected = NULL;
  char every_byte[256];

  for (guint i = 1; i < 256; i++)
    every_byte[i - 1] = (char) i;
  every_byte[255] = '\0';

  json_object_set_string_member (object, "event", "step-started");
  json_object_set_string_member (object, "every byte", every_byte);
  json_object_set_string_member (object, "unicode \"name\"\n", "h\xc3\xa9llo \xe2\x98\x83 \xf0\x9f\x98\x80");
  json_object_set_string_member (object, "empty", "");
  json_object_set_int_member (object, "zero", 0);
  json_object_set_int_member (object, "negative", -42);
  json_object_set_int_member (object, "smallest", G_MININT64);
  json_object_set_int_member (object, "largest", G_MAXINT64);
  json_object_set_double_member (object, "whole", 1.0);
  json_object_set_double_member (object, "tenth", 0.1);
  json_object_set_double_member (object, "huge", 1e300);
  json_object_set_double_member (object, "tiny", -1.5e-7);
  json_object_set_double_member (object, "cost", 0.012345);
  json_object_set_boolean_member (object, "yes", TRUE);
  json_object_set_boolean_member (object, "no", FALSE);
  json_object_set_null_member (object, "nothing");
  json_array_add_string_element (array, "sh");
  json_array_add_string_element (array, "-c");
  json_array_add_string_element (array, "echo \"$(date)\"\t'\\'");
  json_array_add_int_element (array, 7);
  json_array_add_null_element (array);
  json_array_add_array_element (array, json_array_new ());
  json_array_add_object_element (array, json_object_new ());
  json_object_set_array_member (object, "argv", array);
  json_object_set_string_member (nested, "key", "value");
  json_object_set_object_member (object, "context", nested);
  /* Replacing a member keeps its place, in both. */
  json_object_set_string_member (object, "zero", "replaced");
  json_node_take_object (node, object);

  troupe_run_record_append_json (written, node);
  expected = generator_text (node);
  g_assert_cmpstr (written->str, ==, expected);

  /* And every line a real run writes is the line json-glib would write
   * for the same object: the content is the same, not just equivalent. */
  {
    g_autoptr(Ws) ws = troupe_test_ws_new ();
    g_autoptr(Runner) r = NULL;
    g_autofree char *events_path = NULL;
    g_autofree char *events = NULL;
    g_auto(GStrv) lines = NULL;
    GRegex *wall_format = g_regex_new ("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$",
                                       0, 0, NULL);
    guint checked = 0;

    r = run_yaml (ws,
                  "name: \"writer \\\"quoted\\\"\"\n"
                  "context: {tab: \"a\\tb\", unicode: \"\xc3\xa9t\xc3\xa9\"}\n"
                  "steps:\n"
                  "  say:\n"
                  "    command: [sh, -c, \"printf '%s\\\\n' \\\"${context.tab}\\\" '${context.unicode}'; echo oops >&2\"]\n"
                  "  fail: {command: [sh, -c, \"exit 3\"], on_failure: continue}\n",
                  NULL);
    troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_FAILED);
    events_path = run_file (r, "events.jsonl");
    events = troupe_test_read_file (events_path, NULL);
    g_assert_true (g_str_has_suffix (events, "}\n"));
    lines = g_strsplit (events, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++)
      {
        g_autoptr(JsonParser) parser = json_parser_new ();
        g_autoptr(GError) error = NULL;
        g_autofree char *again = NULL;
        JsonObject *event;

        if (lines[i][0] == '\0')
          continue;
        json_parser_load_from_data (parser, lines[i], -1, &error);
        g_assert_no_error (error);
        again = generator_text (json_parser_get_root (parser));
        g_assert_cmpstr (lines[i], ==, again);
        event = json_node_get_object (json_parser_get_root (parser));
        g_assert_true (g_regex_match (wall_format, json_object_get_string_member (event, "wall"), 0, NULL));
        checked++;
      }
    g_assert_cmpuint (checked, >=, 8);
    g_regex_unref (wall_format);

    /* The record reads the wall clock back to the microsecond. */
    {
      TroupeStepRecord *rec = troupe_test_step_record (r->run, "say");
      JsonObject *started = troupe_test_find_event (r->events, "step-started", "say", 0);
      const char *wall = json_object_get_string_member (started, "wall");
      g_autofree char *second_text = g_strdup_printf ("%.19sZ", wall);
      g_autoptr(GDateTime) second = g_date_time_new_from_iso8601 (second_text, NULL);

      g_assert_nonnull (second);
      g_assert_cmpint (rec->started_us, ==,
                       g_date_time_to_unix (second) * G_USEC_PER_SEC + g_ascii_strtoll (wall + 20, NULL, 10));
    }
  }
}

/* Values of secret-looking variables never reach the recorded argv (the
 * README's "Secrets"), however often and wherever they appear in it. */
static void
test_records_secrets (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(Runner) r = NULL;
  g_autofree char *events_path = NULL;
  g_autofree char *state_path = NULL;
  g_autofree char *events = NULL;
  g_autofree char *state = NULL;
  JsonArray *argv;

  g_assert_true (g_setenv ("TROUPE_TEST_API_KEY", "s3cr3t-value", TRUE));
  g_assert_true (g_setenv ("TROUPE_TEST_password", "hunter2hunter2", TRUE));
  g_assert_true (g_setenv ("TROUPE_TEST_SHORT_TOKEN", "abc", TRUE));
  r = run_yaml (ws,
                "name: secrets\n"
                "steps:\n"
                "  a: {command: [echo, \"key=s3cr3t-value&again=s3cr3t-value\", hunter2hunter2, abc, plain]}\n"
                "  b: {command: [echo, nothing secret], needs: [a]}\n",
                NULL);
  g_unsetenv ("TROUPE_TEST_API_KEY");
  g_unsetenv ("TROUPE_TEST_password");
  g_unsetenv ("TROUPE_TEST_SHORT_TOKEN");
  troupe_test_assert_run_status (r->run, TROUPE_RUN_STATUS_SUCCEEDED);

  argv = json_object_get_array_member (troupe_test_find_event (r->events, "step-started", "a", 0), "argv");
  g_assert_cmpuint (json_array_get_length (argv), ==, 5);
  g_assert_cmpstr (json_array_get_string_element (argv, 1), ==, "key=********&again=********");
  g_assert_cmpstr (json_array_get_string_element (argv, 2), ==, "********");
  /* Values shorter than six characters would mask too much. */
  g_assert_cmpstr (json_array_get_string_element (argv, 3), ==, "abc");
  g_assert_cmpstr (json_array_get_string_element (argv, 4), ==, "plain");
  argv = json_object_get_array_member (troupe_test_find_event (r->events, "step-started", "b", 0), "argv");
  g_assert_cmpstr (json_array_get_string_element (argv, 1), ==, "nothing secret");

  events_path = run_file (r, "events.jsonl");
  state_path = run_file (r, "state.json");
  events = troupe_test_read_file (events_path, NULL);
  state = troupe_test_read_file (state_path, NULL);
  g_assert_null (strstr (events, "s3cr3t"));
  g_assert_null (strstr (events, "hunter2"));
  g_assert_null (strstr (state, "s3cr3t"));
}

/* --- lazy logs (TroupeProcess, as the runner uses it) --------------------- */

static void
process_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Runs @process to completion on the thread-default context. */
static gboolean
process_run (TroupeProcess  *process,
             GError        **error)
{
  GAsyncResult *result = NULL;
  gint64 deadline = g_get_monotonic_time () + TROUPE_TEST_RUN_TIMEOUT_MS * 1000;
  gboolean ran;

  troupe_process_run_async (process, NULL, process_done_cb, &result);
  while (result == NULL)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("the process did not complete");
      g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
    }
  ran = troupe_process_run_finish (process, result, error);
  g_object_unref (result);
  /* Nothing of it is left on the context. */
  g_assert_null (g_main_context_find_source_by_user_data (g_main_context_get_thread_default (), process));
  return ran;
}

static TroupeProcess *
lazy_sh (const char *script,
         const char *out_log,
         const char *err_log)
{
  const char *argv[] = { "sh", "-c", script, NULL };
  TroupeProcess *process = troupe_process_new (argv);

  troupe_process_set_lazy_logs (process, TRUE);
  troupe_process_set_stdout_log (process, out_log);
  troupe_process_set_stderr_log (process, err_log);
  return process;
}

/* With lazy logs a log file only exists once its stream said something;
 * stderr then comes through a pipe, and still lands in its own file. */
static void
test_process_lazy_logs (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autofree char *out_log = g_build_filename (ws->top, "out.log", NULL);
  g_autofree char *err_log = g_build_filename (ws->top, "err.log", NULL);
  g_autofree char *both_log = g_build_filename (ws->top, "both.log", NULL);
  g_autoptr(GError) error = NULL;

  /* Silent: no file at all. */
  {
    g_autoptr(TroupeProcess) process = lazy_sh ("exit 0", out_log, err_log);

    g_assert_true (process_run (process, &error));
    g_assert_no_error (error);
    g_assert_true (troupe_process_get_succeeded (process));
    g_assert_false (g_file_test (out_log, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (err_log, G_FILE_TEST_EXISTS));
  }

  /* Only stderr: only its file. */
  {
    g_autoptr(TroupeProcess) process = lazy_sh ("echo oops >&2; exit 4", out_log, err_log);
    g_autofree char *text = NULL;

    g_assert_true (process_run (process, &error));
    g_assert_no_error (error);
    g_assert_cmpint (troupe_process_get_exit_code (process), ==, 4);
    g_assert_false (g_file_test (out_log, G_FILE_TEST_EXISTS));
    text = troupe_test_read_file (err_log, NULL);
    g_assert_cmpstr (text, ==, "oops\n");
    g_assert_cmpuint (troupe_process_get_output_size (process), ==, 0);
  }

  /* Both, more than a pipe holds: every byte in the right file, stdout
   * also kept as the output. */
  {
    g_autoptr(TroupeProcess) process = lazy_sh ("head -c 200000 /dev/zero | tr '\\0' o; "
                                                "head -c 150000 /dev/zero | tr '\\0' e >&2",
                                                out_log, err_log);
    gsize out_len = 0, err_len = 0;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_unlink (err_log);
    g_assert_true (process_run (process, &error));
    g_assert_no_error (error);
    out = troupe_test_read_file (out_log, &out_len);
    err = troupe_test_read_file (err_log, &err_len);
    g_assert_cmpuint (out_len, ==, 200000);
    g_assert_cmpuint (err_len, ==, 150000);
    g_assert_true (strspn (out, "o") == out_len && strspn (err, "e") == err_len);
    g_assert_cmpuint (troupe_process_get_output_size (process), ==, 200000);
  }

  /* One file for both streams: both land in it. */
  {
    g_autoptr(TroupeProcess) process = lazy_sh ("echo out; echo err >&2", both_log, both_log);
    g_autofree char *text = NULL;

    g_assert_true (process_run (process, &error));
    g_assert_no_error (error);
    text = troupe_test_read_file (both_log, NULL);
    g_assert_cmpuint (strlen (text), ==, 8);
    g_assert_nonnull (strstr (text, "out\n"));
    g_assert_nonnull (strstr (text, "err\n"));
  }

  /* A log that cannot be created fails the attempt as an I/O error once
   * it ran (it is only created when needed); a stream that stayed empty
   * needs none, so nothing fails. */
  {
    g_autofree char *nowhere = g_build_filename (ws->top, "missing", "dir", "out.log", NULL);
    g_autofree char *marker = g_build_filename (ws->top, "ran", NULL);
    g_autofree char *script = g_strdup_printf ("touch '%s'; echo something", marker);
    g_autoptr(TroupeProcess) talks = lazy_sh (script, nowhere, err_log);
    g_autoptr(TroupeProcess) silent = lazy_sh ("true", nowhere, nowhere);

    g_assert_false (process_run (talks, &error));
    g_assert_error (error, TROUPE_PROCESS_ERROR, TROUPE_PROCESS_ERROR_IO);
    g_assert_nonnull (strstr (error->message, nowhere));
    g_clear_error (&error);
    g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));
    g_assert_true (troupe_process_get_succeeded (talks));

    g_assert_true (process_run (silent, &error));
    g_assert_no_error (error);
  }
}

/* --- main contexts ------------------------------------------------------- */

static void
quit_loop_cb (TroupeRun *run,
              GMainLoop *loop)
{
  g_main_loop_quit (loop);
}

static gboolean
context_safety_cb (gpointer user_data)
{
  g_error ("the run on a thread-default main context did not finish");
  return G_SOURCE_REMOVE;
}

/* The run lives on the thread-default main context, whichever it is: its
 * timers and idles too, not only its processes. */
static void
test_thread_default_context (void)
{
  g_autoptr(Ws) ws = troupe_test_ws_new ();
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (context, FALSE);
  g_autoptr(TroupeRunOptions) options = test_options ();
  g_autoptr(GSource) safety = g_timeout_source_new (10000);
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeRun) run = NULL;

  troupe_test_fake_env ("FAKE_CLI_FAIL_TIMES", "1");
  workflow = troupe_test_ws_load (ws,
                                  "name: context\n"
                                  "agents:\n"
                                  "  eng: {}\n"
                                  "steps:\n"
                                  "  flaky: {provider: claude, prompt: flaky, retries: {max: 1, delay: 10ms}}\n"
                                  "  mocked: {provider: mock, prompt: mocked, needs: [flaky]}\n"
                                  "  hand-over: {send: {to: eng, file: job, content: job}, needs: [mocked]}\n"
                                  "  take:\n"
                                  "    agent: eng\n"
                                  "    wait_for: {glob: inbox/eng/*.task, timeout: 5s, poll: 50ms}\n");
  options->timeout_ms = 60000;

  g_main_context_push_thread_default (context);
  run = troupe_run_new (workflow, options, &error);
  g_assert_no_error (error);
  g_signal_connect (run, "finished", G_CALLBACK (quit_loop_cb), loop);
  g_source_set_callback (safety, context_safety_cb, NULL, NULL);
  g_source_attach (safety, context);
  troupe_run_start (run);
  g_main_loop_run (loop);
  g_source_destroy (safety);

  g_assert_cmpuint (troupe_run_get_status (run), ==, TROUPE_RUN_STATUS_SUCCEEDED);
  g_assert_cmpuint (troupe_run_record_lookup (troupe_run_get_record (run), "flaky")->attempts, ==, 2);
  g_clear_object (&run);
  g_main_context_pop_thread_default (context);
}

/* --- main ---------------------------------------------------------------- */

int
main (int    argc,
      char **argv)
{
  int status;

  if (argc >= 2 && (g_str_equal (argv[1], "--run-workflow") || g_str_equal (argv[1], "--resume-run")))
    return child_main (argc, argv);

  g_test_init (&argc, &argv, NULL);

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_assert_nonnull (self_exe);
  fake_bin_dir = troupe_test_setup_fake_cli ();

  g_test_add_func ("/troupe/run/input/argv-and-stdin", test_input_argv_and_stdin);
  g_test_add_func ("/troupe/run/retries/succeed", test_retries_succeed);
  g_test_add_func ("/troupe/run/retries/exhausted", test_retries_exhausted);
  g_test_add_func ("/troupe/run/retries/backoff", test_retries_backoff);
  g_test_add_func ("/troupe/run/timeout/kills-grandchildren", test_timeout_kills_grandchildren);
  g_test_add_func ("/troupe/run/timeout/run", test_run_timeout);
  g_test_add_func ("/troupe/run/cancel/cascading", test_cancel_cascading);
  g_test_add_func ("/troupe/run/cancel/isolated", test_cancel_isolated);
  g_test_add_func ("/troupe/run/cancel/isolated-twice", test_cancel_isolated_twice);
  g_test_add_func ("/troupe/run/cancel/from-handler", test_cancel_from_handler);
  g_test_add_func ("/troupe/run/cancel/isolated-wait", test_cancel_isolated_wait);
  g_test_add_func ("/troupe/run/cancel/dispose", test_dispose_while_running);
  g_test_add_func ("/troupe/run/failure/stop", test_failure_stop);
  g_test_add_func ("/troupe/run/failure/skip-dependents", test_failure_skip_dependents);
  g_test_add_func ("/troupe/run/failure/continue", test_failure_continue);
  g_test_add_func ("/troupe/run/limits/agent", test_limits_agent);
  g_test_add_func ("/troupe/run/limits/provider", test_limits_provider);
  g_test_add_func ("/troupe/run/limits/global", test_limits_global);
  g_test_add_func ("/troupe/run/order/critical-path", test_critical_path_first);
  g_test_add_func ("/troupe/run/when/values", test_when);
  g_test_add_func ("/troupe/run/when/errors", test_when_errors);
  g_test_add_func ("/troupe/run/for-each/items", test_for_each);
  g_test_add_func ("/troupe/run/for-each/failure", test_for_each_failure);
  g_test_add_func ("/troupe/run/approval/api", test_approval_api);
  g_test_add_func ("/troupe/run/approval/reject", test_approval_reject);
  g_test_add_func ("/troupe/run/approval/file", test_approval_file);
  g_test_add_func ("/troupe/run/templates/values", test_templates);
  g_test_add_func ("/troupe/run/templates/errors", test_template_errors);
  g_test_add_func ("/troupe/run/inbox", test_inbox);
  g_test_add_func ("/troupe/run/output/spill", test_output_spill);
  g_test_add_func ("/troupe/run/output/json-cost", test_json_cost);
  g_test_add_func ("/troupe/run/resume/sigkill", test_resume_after_sigkill);
  g_test_add_func ("/troupe/run/resume/cancelled", test_resume_cancelled);
  g_test_add_func ("/troupe/run/resume/failed", test_resume_failed);
  g_test_add_func ("/troupe/run/resume/interrupted-wait", test_resume_interrupted_wait);
  g_test_add_func ("/troupe/run/resume/locked", test_resume_locked);
  g_test_add_func ("/troupe/run/example/architect-engineer-qa", test_example_architect_engineer_qa);
  g_test_add_func ("/troupe/run/preflight", test_preflight);
  g_test_add_func ("/troupe/run/invalid", test_invalid);
  g_test_add_func ("/troupe/run/simulate", test_simulate);
  g_test_add_func ("/troupe/run/records", test_records);
  g_test_add_func ("/troupe/run/records/json-writer", test_records_json_writer);
  g_test_add_func ("/troupe/run/records/secrets", test_records_secrets);
  g_test_add_func ("/troupe/run/process/lazy-logs", test_process_lazy_logs);
  g_test_add_func ("/troupe/run/main-context", test_thread_default_context);

  status = g_test_run ();

  troupe_test_remove_tree (fake_bin_dir);
  g_free (fake_bin_dir);
  g_free (self_exe);
  return status;
}
