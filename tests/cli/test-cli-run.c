/* test-cli-run.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "troupe.h"

#include "troupe-cli-test.h"
#include "troupe-run-test-util.h"
#include "troupe-test-util.h"

/* End-to-end tests of `troupe run`, `resume`, `runs`, `logs`, `approve`
 * and `reject`: every case spawns the real binary on a workflow written
 * into a fresh workspace, with command steps (sh -c …) and the mock
 * provider, which need nothing installed. What a run did is read back
 * from its record through libtroupe, so the tests check what the command
 * says against what really happened. */

#ifndef TROUPE_CLI_PATH
# error "TROUPE_CLI_PATH must name the built troupe binary"
#endif

/* Generous: a sanitizer build on a busy machine is slow, and a test that
 * waits this long has failed anyway. */
#define WAIT_SECONDS 60


static char *
runs_dir (Fixture *fixture)
{
  return g_build_filename (fixture->dir, ".troupe", "runs", NULL);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The ids of the runs in the workspace, oldest first. */
static GPtrArray *
run_ids (Fixture *fixture)
{
  g_autofree char *path = runs_dir (fixture);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (ids, g_strdup (name));
  g_ptr_array_sort (ids, compare_strings);

  return ids;
}

static char *
only_run_id (Fixture *fixture)
{
  g_autoptr(GPtrArray) ids = run_ids (fixture);

  g_assert_cmpuint (ids->len, ==, 1);
  return g_strdup (g_ptr_array_index (ids, 0));
}

static TroupeRunRecord *
load_record (Fixture    *fixture,
             const char *run_id)
{
  g_autoptr(GError) error = NULL;
  TroupeRunRecord *record = troupe_run_store_load_record (fixture->dir, run_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (record);
  return record;
}

static TroupeStepRecord *
lookup_step (TroupeRunRecord *record,
             const char      *instance)
{
  TroupeStepRecord *rec = troupe_run_record_lookup (record, instance);

  g_assert_nonnull (rec);
  return rec;
}

static char *
events_path (Fixture    *fixture,
             const char *run_id)
{
  return g_build_filename (fixture->dir, ".troupe", "runs", run_id, "events.jsonl", NULL);
}

/* Every event of the journal, parsed. */
static GPtrArray *
load_events (const char *path)
{
  g_autofree char *text = troupe_test_read_file (path, NULL);

  return troupe_test_parse_events (text);
}

/* A troupe started in the background, its output going to files. */
typedef struct
{
  GPid  pid;
  char *out_path;
  char *err_path;
  int   status;       /* the exit status, once waited for */
  char *out;
  char *err;
} Child;

static void
child_clear (Child *child)
{
  if (child->pid > 0)
    {
      /* A test that failed half-way leaves no runner behind. */
      kill (child->pid, SIGKILL);
      waitpid (child->pid, NULL, 0);
      g_spawn_close_pid (child->pid);
      child->pid = 0;
    }
  g_clear_pointer (&child->out_path, g_free);
  g_clear_pointer (&child->err_path, g_free);
  g_clear_pointer (&child->out, g_free);
  g_clear_pointer (&child->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Child, child_clear)

static void
child_spawn (Child       *child,
             Fixture     *fixture,
             const char  *name,
             const char **args)
{
  g_autoptr(GPtrArray) argv = troupe_cli_argv (args);
  g_auto(GStrv) env = troupe_cli_environ ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out_name = g_strconcat (name, ".out", NULL);
  g_autofree char *err_name = g_strconcat (name, ".err", NULL);
  int in_fd, out_fd, err_fd;

  child->out_path = g_build_filename (fixture->dir, out_name, NULL);
  child->err_path = g_build_filename (fixture->dir, err_name, NULL);
  in_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  out_fd = open (child->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  err_fd = open (child->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  g_assert_cmpint (in_fd, >=, 0);
  g_assert_cmpint (out_fd, >=, 0);
  g_assert_cmpint (err_fd, >=, 0);

  g_spawn_async_with_fds (fixture->dir, (char **) argv->pdata, env, G_SPAWN_DO_NOT_REAP_CHILD,
                          NULL, NULL, &child->pid, in_fd, out_fd, err_fd, &error);
  g_assert_no_error (error);
  close (in_fd);
  close (out_fd);
  close (err_fd);
}

/* Waits for the child to exit, reads what it wrote and returns its exit
 * status; a child that takes longer than WAIT_SECONDS fails the test. */
static int
child_wait (Child *child)
{
  int wait_status = 0;

  for (guint i = 0; i < WAIT_SECONDS * 100; i++)
    {
      pid_t got = waitpid (child->pid, &wait_status, WNOHANG);

      g_assert_cmpint (got, >=, 0);
      if (got == child->pid)
        {
          g_spawn_close_pid (child->pid);
          child->pid = 0;
          child->out = troupe_test_read_file (child->out_path, NULL);
          child->err = troupe_test_read_file (child->err_path, NULL);
          troupe_cli_check_exited (wait_status, "(background)", child->err);
          child->status = WEXITSTATUS (wait_status);
          return child->status;
        }
      g_usleep (10 * 1000);
    }

  g_error ("troupe did not exit within %d seconds", WAIT_SECONDS);
  return -1;
}

/* TRUE when the child exits within @ms milliseconds (then waited for). */
static gboolean
child_exits_within (Child *child,
                    guint  ms)
{
  for (guint i = 0; i < ms / 10; i++)
    {
      int wait_status = 0;
      pid_t got = waitpid (child->pid, &wait_status, WNOHANG);

      if (got == child->pid)
        {
          g_spawn_close_pid (child->pid);
          child->pid = 0;
          child->out = troupe_test_read_file (child->out_path, NULL);
          child->err = troupe_test_read_file (child->err_path, NULL);
          troupe_cli_check_exited (wait_status, "(background)", child->err);
          child->status = WEXITSTATUS (wait_status);
          return TRUE;
        }
      g_usleep (10 * 1000);
    }

  return FALSE;
}

/* Polls the journal of the workspace's only run until it holds @name for
 * @instance: the run really is at that point, however slow the machine. */
static char *
wait_for_event (Fixture    *fixture,
                Child      *child,
                const char *name,
                const char *instance)
{
  for (guint i = 0; i < WAIT_SECONDS * 100; i++)
    {
      g_autoptr(GPtrArray) ids = run_ids (fixture);

      if (ids->len == 1)
        {
          g_autofree char *path = events_path (fixture, g_ptr_array_index (ids, 0));
          g_autofree char *text = NULL;

          if (g_file_get_contents (path, &text, NULL, NULL))
            {
              g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
              g_autofree char *want_event = g_strdup_printf ("\"event\":\"%s\"", name);
              g_autofree char *want_instance = g_strdup_printf ("\"instance\":\"%s\"", instance);

              for (guint j = 0; lines[j] != NULL; j++)
                if (strstr (lines[j], want_event) != NULL && strstr (lines[j], want_instance) != NULL &&
                    g_str_has_suffix (lines[j], "}"))
                  return g_strdup (g_ptr_array_index (ids, 0));
            }
        }

      /* A runner that ended early would make this wait forever. */
      g_assert_cmpint (waitpid (child->pid, NULL, WNOHANG), ==, 0);
      g_usleep (10 * 1000);
    }

  g_error ("the run never recorded %s for %s", name, instance);
  return NULL;
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p++)
    if (*p == '\n')
      n++;

  return n;
}

static void
assert_usage_error (const Result *result)
{
  g_assert_cmpint (result->status, ==, 2);
  g_assert_cmpstr (result->out, ==, "");
  /* One line saying what is wrong, one saying where to look. */
  g_assert_cmpuint (count_lines (result->err), ==, 2);
  g_assert_true (g_str_has_prefix (result->err, "troupe"));
  g_assert_true (g_str_has_suffix (result->err, "\nRun 'troupe help' for usage.\n"));
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("expected to find \"%s\" in:\n%s", needle, haystack);
}

static void
assert_lacks (const char *haystack,
              const char *needle)
{
  if (strstr (haystack, needle) != NULL)
    g_error ("did not expect \"%s\" in:\n%s", needle, haystack);
}

/* Workflows */

/* a, then b and c side by side, then d (the mock provider). */
static const char diamond_workflow[] =
  "troupe: 1\n"
  "name: Diamond\n"
  "context:\n"
  "  greeting: hello\n"
  "agents:\n"
  "  writer: {}\n"
  "steps:\n"
  "  a:\n"
  "    command: [sh, -c, \"echo a says ${context.greeting}\"]\n"
  "  b:\n"
  "    command: [sh, -c, \"echo b out; echo b err >&2\"]\n"
  "    needs: [a]\n"
  "  c:\n"
  "    command: [sh, -c, \"echo c\"]\n"
  "    needs: [a]\n"
  "  d:\n"
  "    agent: writer\n"
  "    provider: mock\n"
  "    prompt: Sum up what b said\n"
  "    needs: [b, c]\n";

/* a fails every time, after one retry; b needs it. */
static const char failing_workflow[] =
  "troupe: 1\n"
  "name: Failing\n"
  "steps:\n"
  "  a:\n"
  "    command: [sh, -c, \"echo trying; exit 3\"]\n"
  "    retries: {max: 1, delay: 100ms}\n"
  "  b:\n"
  "    command: [echo, b]\n"
  "    needs: [a]\n";

/* long sleeps until the file 'go' exists in the workspace, so a run can
 * be interrupted during it and resumed quickly. */
static const char long_workflow[] =
  "troupe: 1\n"
  "name: Long\n"
  "steps:\n"
  "  quick:\n"
  "    command: [sh, -c, \"echo quick >> quick-ran\"]\n"
  "  long:\n"
  "    command: [sh, -c, \"if [ -e go ]; then echo went; else sleep 30; fi\"]\n"
  "    needs: [quick]\n"
  "  after:\n"
  "    command: [echo, after]\n"
  "    needs: [long]\n";

static const char approval_workflow[] =
  "troupe: 1\n"
  "name: Gate\n"
  "context:\n"
  "  what: the release\n"
  "steps:\n"
  "  build:\n"
  "    command: [echo, built]\n"
  "  ship:\n"
  "    approval: Ship ${context.what}?\n"
  "    needs: [build]\n"
  "  deploy:\n"
  "    command: [sh, -c, \"echo deployed > deployed\"]\n"
  "    needs: [ship]\n";

/* run */

static void
test_run_success (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", diamond_workflow);
  g_autoptr(TroupeRunRecord) record = NULL;
  g_autofree char *id = NULL;
  g_autofree char *succeeded = NULL;
  g_auto(Result) result = { 0 };
  const char * const steps[] = { "a", "b", "c", "d" };

  troupe_cli_run (&result, fixture->dir, "run", path, NULL);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_cmpstr (result.err, ==, "");

  id = only_run_id (fixture);
  record = load_record (fixture, id);
  g_assert_cmpint (troupe_run_record_get_status (record), ==, TROUPE_RUN_STATUS_SUCCEEDED);

  /* One plain line per event, each with its time: no terminal codes when
   * the output is not a terminal. */
  g_assert_true (g_str_has_prefix (result.out, "[  0.0"));
  assert_lacks (result.out, "\033");
  assert_lacks (result.out, "\r");
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autofree char *started = g_strdup_printf ("s] %s: started (attempt 1)\n", steps[i]);
      g_autofree char *finished = g_strdup_printf ("s] %s: finished in ", steps[i]);

      assert_contains (result.out, started);
      assert_contains (result.out, finished);
      g_assert_cmpint (lookup_step (record, steps[i])->status, ==, TROUPE_STEP_STATUS_SUCCEEDED);
    }
  assert_contains (result.out, "] run succeeded\n");

  /* The summary: the metrics and the run id; no resume hint. */
  succeeded = g_strdup_printf ("\nRun %s succeeded.\n", id);
  assert_contains (result.out, succeeded);
  assert_contains (result.out, "  Steps           4 succeeded\n");
  assert_contains (result.out, "  Wall time ");
  assert_contains (result.out, "  Step time ");
  assert_contains (result.out, "  Speedup ");
  assert_contains (result.out, "  Critical path ");
  assert_contains (result.out, "  Attempts        4\n");
  assert_lacks (result.out, "resume");
}

static void
test_run_failure (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", failing_workflow);
  g_autoptr(TroupeRunRecord) record = NULL;
  g_autofree char *id = NULL;
  g_autofree char *hint = NULL;
  g_auto(Result) result = { 0 };

  troupe_cli_run (&result, fixture->dir, "run", path, NULL);
  g_assert_cmpint (result.status, ==, 1);

  id = only_run_id (fixture);
  record = load_record (fixture, id);
  g_assert_cmpint (troupe_run_record_get_status (record), ==, TROUPE_RUN_STATUS_FAILED);
  g_assert_cmpuint (lookup_step (record, "a")->attempts, ==, 2);

  assert_contains (result.out, "s] a: failed: it exited with status 3; retrying in 100ms\n");
  assert_contains (result.out, "s] a: started (attempt 2)\n");
  assert_contains (result.out, "s] a: failed: it exited with status 3\n");
  assert_contains (result.out, "] run failed: step 'a' failed\n");
  assert_contains (result.out, "  Attempts        2\n");
  /* How to go on, as a command to copy. */
  hint = g_strdup_printf ("Resume with: troupe resume %s\n", id);
  g_assert_true (g_str_has_suffix (result.out, hint));
}

/* --json prints exactly the journal: the same objects, byte for byte, and
 * nothing else on the standard output. */
static void
test_run_json (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", diamond_workflow);
  g_autofree char *id = NULL;
  g_autofree char *journal_path = NULL;
  g_autofree char *journal = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(Result) result = { 0 };
  guint n = 0;

  troupe_cli_run (&result, fixture->dir, "run", "--json", "--seed", "42", "-j", "3", path, NULL);
  g_assert_cmpint (result.status, ==, 0);

  id = only_run_id (fixture);
  journal_path = events_path (fixture, id);
  journal = troupe_test_read_file (journal_path, NULL);
  g_assert_cmpstr (result.out, ==, journal);

  lines = g_strsplit (result.out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonObject *event;

      if (lines[i][0] == '\0')
        {
          g_assert_null (lines[i + 1]);
          break;
        }
      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      event = json_node_get_object (json_parser_get_root (parser));
      n++;
      g_assert_cmpint (json_object_get_int_member (event, "seq"), ==, n);
      if (n == 1)
        {
          g_assert_cmpstr (json_object_get_string_member (event, "event"), ==, "run-started");
          g_assert_cmpstr (json_object_get_string_member (event, "run"), ==, id);
          /* The options reach the run. */
          g_assert_cmpint (json_object_get_int_member (event, "seed"), ==, 42);
          g_assert_cmpint (json_object_get_int_member (event, "max_parallel"), ==, 3);
        }
      if (lines[i + 1] != NULL && lines[i + 1][0] == '\0')
        g_assert_cmpstr (json_object_get_string_member (event, "event"), ==, "run-finished");
    }
  g_assert_cmpuint (n, >, 10);

  /* The words go to the standard error. */
  assert_contains (result.err, "succeeded.");
  assert_contains (result.err, "Wall time");
}

/* --dry-run walks the schedule and starts nothing: no process, no run
 * folder. */
static void
test_run_dry_run (Fixture       *fixture,
                  gconstpointer  data)
{
  static const char workflow[] =
    "troupe: 1\n"
    "name: Plan\n"
    "steps:\n"
    "  a:\n"
    "    command: [touch, a-ran]\n"
    "  b:\n"
    "    command: [touch, b-ran]\n"
    "  c:\n"
    "    command: [touch, c-ran]\n"
    "    needs: [a, b]\n"
    "  gate:\n"
    "    approval: Go?\n"
    "    needs: [c]\n";
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", workflow);
  g_autofree char *troupe_dir = g_build_filename (fixture->dir, ".troupe", NULL);
  g_autofree char *marker = g_build_filename (fixture->dir, "a-ran", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(Result) result = { 0 };
  g_auto(Result) serial = { 0 };
  g_auto(Result) json = { 0 };
  JsonObject *report;
  JsonArray *order;
  const char *a_line, *c_line;

  troupe_cli_run (&result, fixture->dir, "run", "--dry-run", "--max-parallel", "2", "--step-time", "2s", path, NULL);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_cmpstr (result.err, ==, "");
  assert_contains (result.out, "Dry run of Plan: 4 steps, at most 2 at a time, each taking 2s\n");
  /* a and b together, then c, then the gate, which takes no time. */
  assert_contains (result.out, "  0.00s  2.00s  a\n");
  assert_contains (result.out, "  0.00s  2.00s  b\n");
  assert_contains (result.out, "  2.00s  4.00s  c\n");
  assert_contains (result.out, "  4.00s  4.00s  gate\n");
  a_line = strstr (result.out, "  a\n");
  c_line = strstr (result.out, "  c\n");
  g_assert_true (a_line < c_line);
  assert_contains (result.out, "  Predicted wall time   4.00s\n");
  assert_contains (result.out, "  Serial time           6.00s\n");
  assert_contains (result.out, "  Critical path         4.00s\n");

  troupe_cli_run (&serial, fixture->dir, "run", "-n", "-j", "1", path, NULL);
  g_assert_cmpint (serial.status, ==, 0);
  assert_contains (serial.out, "each taking 1s\n");
  assert_contains (serial.out, "  Predicted wall time   3.00s\n");

  troupe_cli_run (&json, fixture->dir, "run", "--dry-run", "--json", "-j", "2", path, NULL);
  g_assert_cmpint (json.status, ==, 0);
  json_parser_load_from_data (parser, json.out, -1, &error);
  g_assert_no_error (error);
  report = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (report, "wall_ms"), ==, 2000);
  g_assert_cmpint (json_object_get_int_member (report, "serial_ms"), ==, 3000);
  g_assert_cmpint (json_object_get_int_member (report, "critical_path_ms"), ==, 2000);
  order = json_object_get_array_member (report, "order");
  g_assert_cmpuint (json_array_get_length (order), ==, 4);

  g_assert_false (g_file_test (troupe_dir, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
}

static void
test_run_context (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", diamond_workflow);
  g_autofree char *id = NULL;
  g_autofree char *journal = NULL;
  g_autoptr(GPtrArray) events = NULL;
  JsonObject *context;
  g_auto(Result) result = { 0 };
  g_auto(Result) logs = { 0 };

  troupe_cli_run (&result, fixture->dir, "run", path, "--context", "greeting=bonjour à tous",
       "-c", "extra=x=y", NULL);
  g_assert_cmpint (result.status, ==, 0);

  id = only_run_id (fixture);
  troupe_cli_run (&logs, fixture->dir, "logs", id, "a", NULL);
  g_assert_cmpint (logs.status, ==, 0);
  g_assert_cmpstr (logs.out, ==, "a says bonjour à tous\n");

  /* The run records the context it ran with; a value may hold '='. */
  journal = events_path (fixture, id);
  events = load_events (journal);
  context = json_object_get_object_member (troupe_test_find_event (events, "run-started", NULL, 0), "context");
  g_assert_cmpstr (json_object_get_string_member (context, "greeting"), ==, "bonjour à tous");
  g_assert_cmpstr (json_object_get_string_member (context, "extra"), ==, "x=y");
}

static void
test_run_invalid (Fixture       *fixture,
                  gconstpointer  data)
{
  static const char invalid[] =
    "troupe: 1\n"
    "steps:\n"
    "  a:\n"
    "    command: [echo, a]\n"
    "    needs: [nowhere]\n";
  static const char missing_program[] =
    "troupe: 1\n"
    "steps:\n"
    "  a:\n"
    "    command: [troupe-test-no-such-program, a]\n";
  g_autofree char *bad = troupe_cli_fixture_write (fixture, "bad.yaml", invalid);
  g_autofree char *missing = troupe_cli_fixture_write (fixture, "missing.yaml", missing_program);
  g_autofree char *prefix = g_strdup_printf ("%s:5:", bad);
  g_autoptr(GPtrArray) ids = NULL;
  g_auto(Result) result = { 0 };
  g_auto(Result) preflight = { 0 };
  g_auto(Result) absent = { 0 };

  /* The diagnostics, as troupe validate prints them. */
  troupe_cli_run (&result, fixture->dir, "run", bad, NULL);
  g_assert_cmpint (result.status, ==, 1);
  g_assert_cmpstr (result.out, ==, "");
  g_assert_true (g_str_has_prefix (result.err, prefix));
  assert_contains (result.err, "nowhere");

  /* A program that is not on PATH is reported before anything starts. */
  troupe_cli_run (&preflight, fixture->dir, "run", missing, NULL);
  g_assert_cmpint (preflight.status, ==, 1);
  g_assert_cmpstr (preflight.out, ==, "");
  assert_contains (preflight.err, "troupe run: ");
  assert_contains (preflight.err, "step 'a'");
  assert_contains (preflight.err, "troupe-test-no-such-program");

  troupe_cli_run (&absent, fixture->dir, "run", "no-such-file.yaml", NULL);
  g_assert_cmpint (absent.status, ==, 1);
  assert_contains (absent.err, "no-such-file.yaml");

  ids = run_ids (fixture);
  g_assert_cmpuint (ids->len, ==, 0);
}

static void
test_run_timeout (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", long_workflow);
  g_autoptr(TroupeRunRecord) record = NULL;
  g_autofree char *id = NULL;
  g_auto(Result) result = { 0 };
  gint64 begin = g_get_monotonic_time ();

  troupe_cli_run (&result, fixture->dir, "run", "--timeout", "500ms", path, NULL);
  g_assert_cmpint (result.status, ==, 1);
  /* Not the 30 s of the step. */
  g_assert_cmpint (g_get_monotonic_time () - begin, <, 20 * G_USEC_PER_SEC);
  assert_contains (result.out, "timed out after 500ms");

  id = only_run_id (fixture);
  record = load_record (fixture, id);
  g_assert_cmpint (troupe_run_record_get_status (record), ==, TROUPE_RUN_STATUS_FAILED);
}

/* Ctrl+C */

/* SIGINT during a step: the run is cancelled cleanly (exit 130, the
 * record says so) and `troupe resume` completes it without running the
 * step that had succeeded again. */
static void
test_run_sigint_resume (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", long_workflow);
  g_autofree char *go = g_build_filename (fixture->dir, "go", NULL);
  g_autofree char *quick_ran = g_build_filename (fixture->dir, "quick-ran", NULL);
  g_autofree char *id = NULL;
  g_autofree char *hint = NULL;
  g_autofree char *quick = NULL;
  g_autoptr(TroupeRunRecord) cancelled = NULL;
  g_autoptr(TroupeRunRecord) resumed = NULL;
  g_auto(Child) child = { 0 };
  g_auto(Result) locked = { 0 };
  g_auto(Result) result = { 0 };
  g_auto(Result) again = { 0 };
  const char *args[] = { "run", path, NULL };

  child_spawn (&child, fixture, "run", args);
  id = wait_for_event (fixture, &child, "step-started", "long");

  /* One process at a time runs a run. */
  troupe_cli_run (&locked, fixture->dir, "resume", id, NULL);
  g_assert_cmpint (locked.status, ==, 1);
  assert_contains (locked.err, "another process");

  g_assert_cmpint (kill (child.pid, SIGINT), ==, 0);
  g_assert_cmpint (child_wait (&child), ==, 130);

  hint = g_strdup_printf ("Cancelled; resume with: troupe resume %s\n", id);
  g_assert_true (g_str_has_suffix (child.out, hint));
  assert_contains (child.err, "Cancelling");
  assert_contains (child.out, "s] long: cancelled: ");

  cancelled = load_record (fixture, id);
  g_assert_cmpint (troupe_run_record_get_status (cancelled), ==, TROUPE_RUN_STATUS_CANCELLED);
  g_assert_cmpint (lookup_step (cancelled, "quick")->status, ==, TROUPE_STEP_STATUS_SUCCEEDED);
  g_assert_cmpint (lookup_step (cancelled, "long")->status, ==, TROUPE_STEP_STATUS_CANCELLED);

  g_assert_true (g_file_set_contents (go, "", 0, NULL));
  troupe_cli_run (&result, fixture->dir, "resume", id, NULL);
  g_assert_cmpint (result.status, ==, 0);
  assert_contains (result.out, "] run ");
  assert_contains (result.out, " resumed (session 2): Long, 3 steps");
  assert_lacks (result.out, "quick: started");

  resumed = load_record (fixture, id);
  g_assert_cmpint (troupe_run_record_get_status (resumed), ==, TROUPE_RUN_STATUS_SUCCEEDED);
  g_assert_cmpuint (lookup_step (resumed, "quick")->attempts, ==, 1);
  g_assert_cmpuint (lookup_step (resumed, "long")->attempts, ==, 2);
  quick = troupe_test_read_file (quick_ran, NULL);
  g_assert_cmpstr (quick, ==, "quick\n");

  /* A run that succeeded has nothing left to resume. */
  troupe_cli_run (&again, fixture->dir, "resume", id, NULL);
  g_assert_cmpint (again.status, ==, 1);
  assert_contains (again.err, id);
  assert_contains (again.err, "already succeeded");
}

static void
test_run_sigterm (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", long_workflow);
  g_autofree char *id = NULL;
  g_autoptr(TroupeRunRecord) record = NULL;
  g_auto(Child) child = { 0 };
  const char *args[] = { "run", "--json", path, NULL };

  child_spawn (&child, fixture, "run", args);
  id = wait_for_event (fixture, &child, "step-started", "long");
  g_assert_cmpint (kill (child.pid, SIGTERM), ==, 0);
  g_assert_cmpint (child_wait (&child), ==, 128 + SIGTERM);

  record = load_record (fixture, id);
  g_assert_cmpint (troupe_run_record_get_status (record), ==, TROUPE_RUN_STATUS_CANCELLED);
  /* With --json the hint goes to the standard error. */
  assert_contains (child.err, "troupe resume ");
  assert_lacks (child.out, "troupe resume ");
}

/* --cancel-policy isolated: Ctrl+C lets the running step finish and starts
 * nothing new. */
static void
test_run_sigint_isolated (Fixture       *fixture,
                          gconstpointer  data)
{
  static const char workflow[] =
    "troupe: 1\n"
    "name: Isolated\n"
    "steps:\n"
    "  slow:\n"
    "    command: [sh, -c, \"sleep 1; echo slept\"]\n"
    "  next:\n"
    "    command: [echo, next]\n"
    "    needs: [slow]\n";
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", workflow);
  g_autofree char *id = NULL;
  g_autoptr(TroupeRunRecord) record = NULL;
  g_auto(Child) child = { 0 };
  const char *args[] = { "run", "--cancel-policy", "isolated", path, NULL };

  child_spawn (&child, fixture, "run", args);
  id = wait_for_event (fixture, &child, "step-started", "slow");
  g_assert_cmpint (kill (child.pid, SIGINT), ==, 0);
  g_assert_cmpint (child_wait (&child), ==, 130);
  assert_contains (child.err, "press Ctrl+C again");

  record = load_record (fixture, id);
  g_assert_cmpint (troupe_run_record_get_status (record), ==, TROUPE_RUN_STATUS_CANCELLED);
  g_assert_cmpint (lookup_step (record, "slow")->status, ==, TROUPE_STEP_STATUS_SUCCEEDED);
  g_assert_cmpint (lookup_step (record, "next")->status, ==, TROUPE_STEP_STATUS_CANCELLED);
  g_assert_cmpuint (lookup_step (record, "next")->attempts, ==, 0);
}

/* A second Ctrl+C under the isolated policy stops the running steps too. */
static void
test_run_sigint_twice (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", long_workflow);
  g_autofree char *id = NULL;
  g_autoptr(TroupeRunRecord) record = NULL;
  g_auto(Child) child = { 0 };
  const char *args[] = { "run", "--cancel-policy", "isolated", path, NULL };

  child_spawn (&child, fixture, "run", args);
  id = wait_for_event (fixture, &child, "step-started", "long");
  g_assert_cmpint (kill (child.pid, SIGINT), ==, 0);
  /* The run has taken the first one in when it says so. */
  for (guint i = 0; i < WAIT_SECONDS * 100; i++)
    {
      g_autofree char *err = troupe_test_read_file (child.err_path, NULL);

      if (strstr (err, "Cancelling") != NULL)
        break;
      g_usleep (10 * 1000);
    }
  g_assert_cmpint (kill (child.pid, SIGINT), ==, 0);

  /* The second one turns the isolated stop into a cascading one: the
   * long step is terminated, not waited for. */
  g_assert_true (child_exits_within (&child, 10 * 1000));
  g_assert_cmpint (child.status, ==, 130);
  record = load_record (fixture, id);
  g_assert_cmpint (troupe_run_record_get_status (record), ==, TROUPE_RUN_STATUS_CANCELLED);
  g_assert_cmpint (lookup_step (record, "long")->status, ==, TROUPE_STEP_STATUS_CANCELLED);
}

/* runs, logs */

static void
test_runs_list (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *good = troupe_cli_fixture_write (fixture, "good.yaml", diamond_workflow);
  g_autofree char *bad = troupe_cli_fixture_write (fixture, "bad.yaml", failing_workflow);
  g_autofree char *elsewhere = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(Result) first = { 0 };
  g_auto(Result) second = { 0 };
  g_auto(Result) list = { 0 };
  g_auto(Result) json = { 0 };
  g_auto(Result) empty = { 0 };
  g_auto(Result) other = { 0 };
  const char *newest, *oldest;
  JsonArray *runs;
  JsonObject *failed, *succeeded;

  troupe_cli_run (&first, fixture->dir, "run", good, NULL);
  g_assert_cmpint (first.status, ==, 0);
  /* Run ids have a resolution of a second, then a random part: wait so
   * the order is certain. */
  g_usleep (1100 * 1000);
  troupe_cli_run (&second, fixture->dir, "run", bad, NULL);
  g_assert_cmpint (second.status, ==, 1);

  ids = run_ids (fixture);
  g_assert_cmpuint (ids->len, ==, 2);

  troupe_cli_run (&list, fixture->dir, "runs", NULL);
  g_assert_cmpint (list.status, ==, 0);
  g_assert_cmpstr (list.err, ==, "");
  g_assert_true (g_str_has_prefix (list.out, "RUN "));
  assert_contains (list.out, "WORKFLOW");
  assert_contains (list.out, "STATUS");
  assert_contains (list.out, "DURATION");
  g_assert_cmpuint (count_lines (list.out), ==, 3);
  /* Newest first. */
  newest = strstr (list.out, g_ptr_array_index (ids, 1));
  oldest = strstr (list.out, g_ptr_array_index (ids, 0));
  g_assert_nonnull (newest);
  g_assert_nonnull (oldest);
  g_assert_true (newest < oldest);
  assert_contains (newest, "Failing");
  assert_contains (newest, "failed");
  assert_contains (newest, "0/2");
  assert_contains (newest, "step 'a' failed");
  assert_contains (oldest, "Diamond");
  assert_contains (oldest, "succeeded");
  assert_contains (oldest, "4/4");

  troupe_cli_run (&json, fixture->dir, "runs", "--json", NULL);
  g_assert_cmpint (json.status, ==, 0);
  json_parser_load_from_data (parser, json.out, -1, &error);
  g_assert_no_error (error);
  runs = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "runs");
  g_assert_cmpuint (json_array_get_length (runs), ==, 2);
  failed = json_array_get_object_element (runs, 0);
  succeeded = json_array_get_object_element (runs, 1);
  g_assert_cmpstr (json_object_get_string_member (failed, "id"), ==, g_ptr_array_index (ids, 1));
  g_assert_cmpstr (json_object_get_string_member (failed, "status"), ==, "failed");
  g_assert_cmpstr (json_object_get_string_member (failed, "reason"), ==, "step 'a' failed");
  g_assert_cmpint (json_object_get_int_member (failed, "steps_total"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (succeeded, "status"), ==, "succeeded");
  g_assert_cmpint (json_object_get_int_member (succeeded, "steps_done"), ==, 4);
  g_assert_true (json_object_get_null_member (succeeded, "reason"));

  /* Another workspace, named with --workspace, has none. */
  elsewhere = g_build_filename (fixture->dir, "elsewhere", NULL);
  g_assert_cmpint (g_mkdir (elsewhere, 0755), ==, 0);
  troupe_cli_run (&empty, fixture->dir, "runs", "--workspace", elsewhere, NULL);
  g_assert_cmpint (empty.status, ==, 0);
  assert_contains (empty.out, "No runs");

  troupe_cli_run (&other, elsewhere, "runs", "-w", fixture->dir, NULL);
  g_assert_cmpint (other.status, ==, 0);
  g_assert_cmpstr (other.out, ==, list.out);
}

static void
test_logs (Fixture       *fixture,
           gconstpointer  data)
{
  static const char workflow[] =
    "troupe: 1\n"
    "name: Logs\n"
    "agents:\n"
    "  writer: {}\n"
    "steps:\n"
    "  flaky:\n"
    "    command: [sh, -c, \"if [ -e flag ]; then echo second; echo oops >&2; else touch flag; echo first; exit 1; fi\"]\n"
    "    retries: {max: 1, delay: 10ms}\n"
    "  draft:\n"
    "    agent: writer\n"
    "    provider: mock\n"
    "    prompt: Write the draft\n"
    "    needs: [flaky]\n";
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", workflow);
  g_autofree char *id = NULL;
  g_auto(Result) result = { 0 };
  g_auto(Result) list = { 0 };
  g_auto(Result) last = { 0 };
  g_auto(Result) first = { 0 };
  g_auto(Result) err = { 0 };
  g_auto(Result) mock = { 0 };
  g_auto(Result) unknown = { 0 };
  g_auto(Result) no_attempt = { 0 };
  g_auto(Result) no_run = { 0 };

  troupe_cli_run (&result, fixture->dir, "run", path, NULL);
  g_assert_cmpint (result.status, ==, 0);
  id = only_run_id (fixture);

  troupe_cli_run (&list, fixture->dir, "logs", id, NULL);
  g_assert_cmpint (list.status, ==, 0);
  assert_contains (list.out, "Run ");
  assert_contains (list.out, "(Logs): succeeded");
  assert_contains (list.out, "STEP ");
  assert_contains (list.out, "flaky  succeeded  2 ");
  assert_contains (list.out, "logs/flaky.2.out  logs/flaky.2.err");
  assert_contains (list.out, "draft  succeeded  1 ");

  troupe_cli_run (&last, fixture->dir, "logs", id, "flaky", NULL);
  g_assert_cmpint (last.status, ==, 0);
  g_assert_cmpstr (last.out, ==, "second\n");
  g_assert_cmpstr (last.err, ==, "");

  troupe_cli_run (&first, fixture->dir, "logs", id, "flaky", "--attempt", "1", NULL);
  g_assert_cmpint (first.status, ==, 0);
  g_assert_cmpstr (first.out, ==, "first\n");

  troupe_cli_run (&err, fixture->dir, "logs", id, "flaky", "--err", NULL);
  g_assert_cmpint (err.status, ==, 0);
  g_assert_cmpstr (err.out, ==, "oops\n");

  /* The mock runs no process: its output stands in for a log. */
  troupe_cli_run (&mock, fixture->dir, "logs", id, "draft", NULL);
  g_assert_cmpint (mock.status, ==, 0);
  assert_contains (mock.out, "Write the draft");

  troupe_cli_run (&unknown, fixture->dir, "logs", id, "flakey", NULL);
  g_assert_cmpint (unknown.status, ==, 1);
  assert_contains (unknown.err, "no step 'flakey'");
  assert_contains (unknown.err, "did you mean 'flaky'?");

  troupe_cli_run (&no_attempt, fixture->dir, "logs", id, "flaky", "--attempt", "3", NULL);
  g_assert_cmpint (no_attempt.status, ==, 1);
  assert_contains (no_attempt.err, "no attempt 3");

  troupe_cli_run (&no_run, fixture->dir, "logs", "20200101-000000-dead", NULL);
  g_assert_cmpint (no_run.status, ==, 1);
  assert_contains (no_run.err, "20200101-000000-dead");
}

/* approvals */

static void
test_approve (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", approval_workflow);
  g_autofree char *deployed = g_build_filename (fixture->dir, "deployed", NULL);
  g_autofree char *id = NULL;
  g_autofree char *hint = NULL;
  g_autofree char *journal = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(TroupeRunRecord) record = NULL;
  JsonObject *given;
  g_auto(Child) child = { 0 };
  g_auto(Result) early = { 0 };
  g_auto(Result) approve = { 0 };
  g_auto(Result) late = { 0 };
  const char *args[] = { "run", path, NULL };

  child_spawn (&child, fixture, "run", args);
  id = wait_for_event (fixture, &child, "approval-requested", "ship");

  /* Not waiting: refused, and the run goes on waiting. */
  troupe_cli_run (&early, fixture->dir, "approve", id, "build", NULL);
  g_assert_cmpint (early.status, ==, 1);
  assert_contains (early.err, "not waiting for an approval (it is succeeded)");

  troupe_cli_run (&approve, fixture->dir, "approve", id, "ship", "--note", "all green", NULL);
  g_assert_cmpint (approve.status, ==, 0);
  assert_contains (approve.out, "Approved step 'ship'");

  g_assert_cmpint (child_wait (&child), ==, 0);
  /* Standard input is not a terminal: the run said how to answer. */
  hint = g_strdup_printf ("troupe approve %s ship", id);
  assert_contains (child.out, "s] ship: waiting for approval: Ship the release?\n");
  assert_contains (child.out, hint);
  assert_contains (child.out, "troupe reject ");
  assert_contains (child.out, "s] ship: approved by ");
  g_assert_true (g_file_test (deployed, G_FILE_TEST_EXISTS));

  journal = events_path (fixture, id);
  events = load_events (journal);
  given = troupe_test_find_event (events, "approval-given", "ship", 0);
  g_assert_nonnull (given);
  g_assert_true (json_object_get_boolean_member (given, "approved"));
  g_assert_cmpstr (json_object_get_string_member (given, "note"), ==, "all green");

  record = load_record (fixture, id);
  g_assert_cmpint (lookup_step (record, "ship")->status, ==, TROUPE_STEP_STATUS_SUCCEEDED);

  /* Answered: nothing waits any more. */
  troupe_cli_run (&late, fixture->dir, "reject", id, "ship", NULL);
  g_assert_cmpint (late.status, ==, 1);
  assert_contains (late.err, "not waiting for an approval");
}

static void
test_reject (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", approval_workflow);
  g_autofree char *deployed = g_build_filename (fixture->dir, "deployed", NULL);
  g_autofree char *workspace_hint = NULL;
  g_autofree char *id = NULL;
  g_autoptr(TroupeRunRecord) record = NULL;
  g_auto(Child) child = { 0 };
  g_auto(Result) reject = { 0 };
  g_auto(Result) unknown = { 0 };
  const char *args[] = { "run", "--json", path, NULL };
  TroupeStepRecord *ship;

  child_spawn (&child, fixture, "run", args);
  id = wait_for_event (fixture, &child, "approval-requested", "ship");

  troupe_cli_run (&unknown, fixture->dir, "reject", id, "nowhere", NULL);
  g_assert_cmpint (unknown.status, ==, 1);
  assert_contains (unknown.err, "no step 'nowhere'");

  /* From another folder, naming the workspace. */
  troupe_cli_run (&reject, "/", "reject", id, "ship", "-m", "not on a Friday", "--workspace", fixture->dir, NULL);
  g_assert_cmpint (reject.status, ==, 0);
  assert_contains (reject.out, "Rejected step 'ship'");

  g_assert_cmpint (child_wait (&child), ==, 1);
  g_assert_false (g_file_test (deployed, G_FILE_TEST_EXISTS));
  /* With --json the question and the way to answer it go to stderr. */
  assert_contains (child.err, "Step 'ship' waits for approval: Ship the release?");
  workspace_hint = g_strdup_printf ("troupe reject %s ship --note TEXT", id);
  assert_contains (child.err, workspace_hint);

  record = load_record (fixture, id);
  g_assert_cmpint (troupe_run_record_get_status (record), ==, TROUPE_RUN_STATUS_FAILED);
  ship = lookup_step (record, "ship");
  g_assert_cmpint (ship->status, ==, TROUPE_STEP_STATUS_FAILED);
  assert_contains (ship->reason, "not on a Friday");
}

/* The terminal */

typedef struct
{
  GPid     pid;
  int      master;
  GString *output;
} PtyChild;

static void
pty_child_clear (PtyChild *child)
{
  if (child->pid > 0)
    {
      kill (child->pid, SIGKILL);
      waitpid (child->pid, NULL, 0);
      g_spawn_close_pid (child->pid);
    }
  if (child->master >= 0)
    close (child->master);
  if (child->output != NULL)
    g_string_free (child->output, TRUE);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PtyChild, pty_child_clear)

/* Starts troupe with its standard output (and, with @tty_stdin, its
 * standard input and error) on a pseudo-terminal, as in a terminal
 * window of 60 columns. */
static void
pty_child_spawn (PtyChild    *child,
                 Fixture     *fixture,
                 gboolean     tty_stdin,
                 const char **args)
{
  g_autoptr(GPtrArray) argv = troupe_cli_argv (args);
  g_auto(GStrv) env = troupe_cli_environ ();
  g_autoptr(GError) error = NULL;
  struct winsize size = { .ws_row = 24, .ws_col = 60 };
  int slave = -1, in_fd;

  child->master = -1;
  child->output = g_string_new (NULL);
  g_assert_cmpint (openpty (&child->master, &slave, NULL, NULL, &size), ==, 0);
  g_assert_cmpint (fcntl (child->master, F_SETFD, FD_CLOEXEC), ==, 0);
  env = g_environ_setenv (env, "TERM", "xterm", TRUE);
  in_fd = tty_stdin ? slave : open ("/dev/null", O_RDONLY | O_CLOEXEC);

  g_spawn_async_with_fds (fixture->dir, (char **) argv->pdata, env, G_SPAWN_DO_NOT_REAP_CHILD,
                          NULL, NULL, &child->pid, in_fd, slave, slave, &error);
  g_assert_no_error (error);
  if (!tty_stdin)
    close (in_fd);
  close (slave);
}

/* Reads what the terminal shows until @needle appears (NULL: until the
 * child closes it), draining it so the child never blocks. */
static void
pty_child_read_until (PtyChild   *child,
                      const char *needle)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  while (needle == NULL || strstr (child->output->str, needle) == NULL)
    {
      struct pollfd fd = { .fd = child->master, .events = POLLIN };
      char buffer[4096];
      ssize_t n;

      if (g_get_monotonic_time () > deadline)
        g_error ("the terminal never showed \"%s\"; it shows:\n%s", needle ? needle : "(end)", child->output->str);
      if (poll (&fd, 1, 100) <= 0)
        continue;
      n = read (child->master, buffer, sizeof buffer);
      if (n <= 0)
        {
          /* EIO: every end of the terminal closed, the child is gone. */
          if (needle != NULL)
            g_error ("the terminal closed before showing \"%s\"; it shows:\n%s", needle, child->output->str);
          return;
        }
      g_string_append_len (child->output, buffer, n);
    }
}

static int
pty_child_wait (PtyChild *child)
{
  int wait_status = 0;

  pty_child_read_until (child, NULL);
  g_assert_cmpint (waitpid (child->pid, &wait_status, 0), ==, child->pid);
  g_spawn_close_pid (child->pid);
  child->pid = 0;
  troupe_cli_check_exited (wait_status, "(terminal)", child->output->str);
  return WEXITSTATUS (wait_status);
}

static void
test_run_live (Fixture       *fixture,
               gconstpointer  data)
{
  static const char workflow[] =
    "troupe: 1\n"
    "name: Live\n"
    "steps:\n"
    "  first-step-with-a-long-name-that-fills-the-line:\n"
    "    command: [sh, -c, \"sleep 0.6\"]\n"
    "  second-step-with-a-rather-long-name-too:\n"
    "    command: [sh, -c, \"sleep 0.6\"]\n"
    "  broken:\n"
    "    command: [sh, -c, \"exit 4\"]\n"
    "    on_failure: continue\n";
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", workflow);
  g_auto(PtyChild) child = { 0 };
  g_auto(GStrv) lines = NULL;
  const char *args[] = { "run", path, NULL };

  pty_child_spawn (&child, fixture, FALSE, args);
  g_assert_cmpint (pty_child_wait (&child), ==, 1);

  /* A status redrawn in place: lines climbed and erased, the counts, the
   * running steps; no line per event. */
  assert_contains (child.output->str, "\033[1A\033[2K");
  assert_contains (child.output->str, "/3 done, ");
  assert_contains (child.output->str, "running: ");
  assert_contains (child.output->str, "broken: failed: it exited with status 4");
  assert_lacks (child.output->str, "started (attempt");
  assert_lacks (child.output->str, "finished in");
  assert_contains (child.output->str, "Run ");
  assert_contains (child.output->str, " failed: 1 step failed\r\n");
  assert_contains (child.output->str, "  Steps           2 succeeded, 1 failed\r\n");

  /* Nothing wider than the terminal: it would wrap and break the redraw. */
  lines = g_strsplit (child.output->str, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *visible = lines[i];

      /* What follows the last escape sequence is what stays on the line. */
      for (const char *esc = strstr (visible, "\033["); esc != NULL; esc = strstr (visible, "\033["))
        visible = esc + 2 + strspn (esc + 2, "0123456789") + 1;
      if (g_utf8_strlen (visible, -1) >= 60 && strstr (visible, "done,") != NULL)
        g_error ("a status line is %ld cells wide: %s", g_utf8_strlen (visible, -1), visible);
      if (g_str_has_prefix (visible, "  running: "))
        g_assert_cmpint (g_utf8_strlen (visible, -1), <, 60);
    }
}

/* On a terminal, an approval is a question; the answer is typed. */
static void
test_run_tty_approval (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", approval_workflow);
  g_autofree char *deployed = g_build_filename (fixture->dir, "deployed", NULL);
  g_autofree char *id = NULL;
  g_autofree char *journal = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_auto(PtyChild) child = { 0 };
  JsonObject *given;
  const char *args[] = { "run", path, NULL };

  pty_child_spawn (&child, fixture, TRUE, args);
  pty_child_read_until (&child, "Approve step 'ship'? Ship the release? [y/n/note] ");

  /* Not an answer: asked again. */
  g_assert_cmpint (write (child.master, "maybe\n", 6), ==, 6);
  pty_child_read_until (&child, "Answer y to approve or n to reject");
  g_assert_cmpint (write (child.master, "y ship it\n", 10), ==, 10);
  g_assert_cmpint (pty_child_wait (&child), ==, 0);

  assert_contains (child.output->str, "ship: approved by ");
  assert_contains (child.output->str, " succeeded.\r\n");
  g_assert_true (g_file_test (deployed, G_FILE_TEST_EXISTS));

  id = only_run_id (fixture);
  journal = events_path (fixture, id);
  events = load_events (journal);
  given = troupe_test_find_event (events, "approval-given", "ship", 0);
  g_assert_nonnull (given);
  g_assert_true (json_object_get_boolean_member (given, "approved"));
  g_assert_cmpstr (json_object_get_string_member (given, "note"), ==, "ship it");
  g_assert_cmpuint (troupe_test_count_events (events, "approval-given", NULL), ==, 1);
}

/* Errors of use */

static void
test_usage_errors (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *cases[][8] = {
    { "run", NULL },
    { "run", "a.yaml", "b.yaml", NULL },
    { "run", "a.yaml", "--frobnicate", NULL },
    { "run", "a.yaml", "--max-parallel", "0", NULL },
    { "run", "a.yaml", "-j", "2000", NULL },
    { "run", "a.yaml", "-j", "many", NULL },
    { "run", "a.yaml", "--timeout", "90", NULL },
    { "run", "a.yaml", "--timeout", "0s", NULL },
    { "run", "a.yaml", "--seed", "-3", NULL },
    { "run", "a.yaml", "--context", "novalue", NULL },
    { "run", "a.yaml", "--context", "=value", NULL },
    { "run", "a.yaml", "--cancel-policy", "gentle", NULL },
    { "run", "a.yaml", "--step-time", "2s", NULL },
    { "run", "a.yaml", "--dry-run", "--step-time", "soon", NULL },
    { "resume", NULL },
    { "resume", "a", "b", NULL },
    { "resume", "a", "--workspace", ".", "--file", "a.yaml", NULL },
    { "resume", "a", "--timeout", "forever", NULL },
    { "runs", "extra", NULL },
    { "logs", NULL },
    { "logs", "a", "b", "c", NULL },
    { "logs", "a", "--err", NULL },
    { "logs", "a", "b", "--attempt", "-1", NULL },
    { "approve", NULL },
    { "approve", "a", NULL },
    { "reject", "a", "b", "c", NULL },
    { "approve", "a", "b", "--frobnicate", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Result) result = { 0 };

      g_test_message ("case %u: troupe %s %s", i, cases[i][0], cases[i][1] ? cases[i][1] : "");
      troupe_cli_run_argv (fixture->dir, cases[i], &result);
      assert_usage_error (&result);
    }

  /* Nothing was run, nothing was recorded. */
  {
    g_autoptr(GPtrArray) ids = run_ids (fixture);

    g_assert_cmpuint (ids->len, ==, 0);
  }
}

static void
test_help (void)
{
  static const char * const commands[] = { "run", "resume", "runs", "logs", "approve", "reject" };
  g_auto(Result) help = { 0 };

  troupe_cli_run (&help, NULL, "help", NULL);
  g_assert_cmpint (help.status, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *row = g_strdup_printf ("\n  %s ", commands[i]);
      g_auto(Result) a = { 0 };
      g_auto(Result) b = { 0 };

      assert_contains (help.out, row);
      troupe_cli_run (&a, NULL, "help", commands[i], NULL);
      troupe_cli_run (&b, NULL, commands[i], "--help", NULL);
      g_assert_cmpint (a.status, ==, 0);
      g_assert_cmpstr (a.err, ==, "");
      g_assert_cmpstr (a.out, ==, b.out);
      assert_contains (a.out, "Exit status");
    }
}

static void
test_resume_unknown (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", diamond_workflow);
  g_auto(Result) result = { 0 };
  g_auto(Result) by_file = { 0 };
  g_auto(Result) bad_id = { 0 };

  troupe_cli_run (&result, fixture->dir, "resume", "20200101-000000-beef", NULL);
  g_assert_cmpint (result.status, ==, 1);
  g_assert_cmpstr (result.out, ==, "");
  g_assert_true (g_str_has_prefix (result.err, "troupe resume: "));
  assert_contains (result.err, "20200101-000000-beef");
  assert_contains (result.err, "troupe runs");

  /* --file names the workspace through a workflow. */
  troupe_cli_run (&by_file, "/", "resume", "20200101-000000-beef", "--file", path, NULL);
  g_assert_cmpint (by_file.status, ==, 1);
  assert_contains (by_file.err, "20200101-000000-beef");
  assert_contains (by_file.err, fixture->dir);

  troupe_cli_run (&bad_id, fixture->dir, "resume", "../../etc", NULL);
  g_assert_cmpint (bad_id.status, ==, 1);
  assert_contains (bad_id.err, "../../etc");
}

/* for_each items, the status line's counts and the logs of an item. */
static void
test_run_for_each (Fixture       *fixture,
                   gconstpointer  data)
{
  static const char workflow[] =
    "troupe: 1\n"
    "name: Items\n"
    "steps:\n"
    "  list:\n"
    "    command: [printf, \"one\\\\ntwo\\\\nthree\\\\n\"]\n"
    "  each:\n"
    "    command: [sh, -c, \"echo item ${item}\"]\n"
    "    for_each: list\n"
    "    needs: [list]\n";
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", workflow);
  g_autofree char *id = NULL;
  g_auto(Result) result = { 0 };
  g_auto(Result) item = { 0 };
  g_auto(Result) runs = { 0 };

  troupe_cli_run (&result, fixture->dir, "run", path, NULL);
  g_assert_cmpint (result.status, ==, 0);
  assert_contains (result.out, "s] each: 3 items\n");
  assert_contains (result.out, "s] each[2]: finished in ");
  assert_contains (result.out, "  Steps           4 succeeded\n");

  id = only_run_id (fixture);
  troupe_cli_run (&item, fixture->dir, "logs", id, "each[1]", NULL);
  g_assert_cmpint (item.status, ==, 0);
  g_assert_cmpstr (item.out, ==, "item two\n");

  /* runs counts steps, not items. */
  troupe_cli_run (&runs, fixture->dir, "runs", NULL);
  assert_contains (runs.out, "2/2");
}

/* A runner killed with SIGKILL says nothing: `troupe runs` sees that its
 * lock is free and shows the run as interrupted, and it resumes. */
static void
test_runs_killed (Fixture       *fixture,
                  gconstpointer  data)
{
  static const char workflow[] =
    "troupe: 1\n"
    "name: Killed\n"
    "steps:\n"
    "  hold:\n"
    "    command: [sh, -c, \"while [ ! -e go ] && [ -e flow.yaml ]; do sleep 0.05; done\"]\n"
    "  after:\n"
    "    command: [echo, after]\n"
    "    needs: [hold]\n";
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", workflow);
  g_autofree char *go = g_build_filename (fixture->dir, "go", NULL);
  g_autofree char *id = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeRunRecord) resumed = NULL;
  g_auto(Child) child = { 0 };
  g_auto(Result) live = { 0 };
  g_auto(Result) killed = { 0 };
  g_auto(Result) json = { 0 };
  g_auto(Result) steps = { 0 };
  g_auto(Result) result = { 0 };
  g_auto(Result) done = { 0 };
  const char *args[] = { "run", path, NULL };
  JsonObject *run;

  child_spawn (&child, fixture, "run", args);
  id = wait_for_event (fixture, &child, "step-started", "hold");

  /* While its runner lives, the run is running. */
  troupe_cli_run (&live, fixture->dir, "runs", NULL);
  g_assert_cmpint (live.status, ==, 0);
  assert_contains (live.out, "  running  ");
  assert_lacks (live.out, "interrupted");

  g_assert_cmpint (kill (child.pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (child.pid, NULL, 0), ==, child.pid);
  g_spawn_close_pid (child.pid);
  child.pid = 0;

  troupe_cli_run (&killed, fixture->dir, "runs", NULL);
  g_assert_cmpint (killed.status, ==, 0);
  assert_contains (killed.out, id);
  assert_contains (killed.out, "  interrupted  ");
  assert_contains (killed.out, "the runner stopped before the run finished");
  assert_lacks (killed.out, "running");

  troupe_cli_run (&json, fixture->dir, "runs", "--json", NULL);
  g_assert_cmpint (json.status, ==, 0);
  json_parser_load_from_data (parser, json.out, -1, &error);
  g_assert_no_error (error);
  run = json_array_get_object_element (json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                                                     "runs"), 0);
  g_assert_cmpstr (json_object_get_string_member (run, "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (run, "status"), ==, "interrupted");

  troupe_cli_run (&steps, fixture->dir, "logs", id, NULL);
  g_assert_cmpint (steps.status, ==, 0);
  assert_contains (steps.out, "): interrupted: the runner stopped before the run finished\n");

  /* The orphaned step ends too once the file is there, or at the latest
   * when the fixture's folder is removed (its loop checks flow.yaml), so no
   * test leaves a process behind. */
  g_assert_true (g_file_set_contents (go, "", 0, NULL));
  troupe_cli_run (&result, fixture->dir, "resume", id, NULL);
  g_assert_cmpint (result.status, ==, 0);
  resumed = load_record (fixture, id);
  g_assert_cmpint (troupe_run_record_get_status (resumed), ==, TROUPE_RUN_STATUS_SUCCEEDED);
  g_assert_cmpuint (lookup_step (resumed, "hold")->attempts, ==, 2);

  troupe_cli_run (&done, fixture->dir, "runs", NULL);
  assert_contains (done.out, "  succeeded  ");
  assert_lacks (done.out, "interrupted");
}

/* Logs are created on their stream's first byte: a stream that printed
 * nothing has no file, and `troupe logs` prints nothing for it. */
static void
test_logs_empty (Fixture       *fixture,
                 gconstpointer  data)
{
  static const char workflow[] =
    "troupe: 1\n"
    "name: Quiet\n"
    "steps:\n"
    "  quiet:\n"
    "    command: [\"true\"]\n"
    "  talks:\n"
    "    command: [sh, -c, \"echo said; echo grumbled >&2\"]\n";
  g_autofree char *path = troupe_cli_fixture_write (fixture, "flow.yaml", workflow);
  g_autofree char *id = NULL;
  g_autofree char *logs = NULL;
  g_autofree char *quiet_out = NULL;
  g_autofree char *quiet_err = NULL;
  g_autofree char *talks_out = NULL;
  g_auto(Result) result = { 0 };
  g_auto(Result) out = { 0 };
  g_auto(Result) err = { 0 };
  g_auto(Result) first = { 0 };
  g_auto(Result) talks = { 0 };
  g_auto(Result) talks_err = { 0 };

  troupe_cli_run (&result, fixture->dir, "run", path, NULL);
  g_assert_cmpint (result.status, ==, 0);
  id = only_run_id (fixture);
  logs = g_build_filename (fixture->dir, ".troupe", "runs", id, "logs", NULL);
  quiet_out = g_build_filename (logs, "quiet.1.out", NULL);
  quiet_err = g_build_filename (logs, "quiet.1.err", NULL);
  talks_out = g_build_filename (logs, "talks.1.out", NULL);
  g_assert_false (g_file_test (quiet_out, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (quiet_err, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (talks_out, G_FILE_TEST_EXISTS));

  troupe_cli_run (&out, fixture->dir, "logs", id, "quiet", NULL);
  g_assert_cmpint (out.status, ==, 0);
  g_assert_cmpstr (out.out, ==, "");
  g_assert_cmpstr (out.err, ==, "");

  troupe_cli_run (&err, fixture->dir, "logs", id, "quiet", "--err", NULL);
  g_assert_cmpint (err.status, ==, 0);
  g_assert_cmpstr (err.out, ==, "");
  g_assert_cmpstr (err.err, ==, "");

  troupe_cli_run (&first, fixture->dir, "logs", id, "quiet", "--attempt", "1", NULL);
  g_assert_cmpint (first.status, ==, 0);
  g_assert_cmpstr (first.out, ==, "");

  troupe_cli_run (&talks, fixture->dir, "logs", id, "talks", NULL);
  g_assert_cmpint (talks.status, ==, 0);
  g_assert_cmpstr (talks.out, ==, "said\n");
  troupe_cli_run (&talks_err, fixture->dir, "logs", id, "talks", "--err", NULL);
  g_assert_cmpint (talks_err.status, ==, 0);
  g_assert_cmpstr (talks_err.out, ==, "grumbled\n");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/troupe/cli-run/help", test_help);
  ADD_TMP ("/troupe/cli-run/usage-errors", test_usage_errors);
  ADD_TMP ("/troupe/cli-run/run/success", test_run_success);
  ADD_TMP ("/troupe/cli-run/run/failure", test_run_failure);
  ADD_TMP ("/troupe/cli-run/run/json", test_run_json);
  ADD_TMP ("/troupe/cli-run/run/dry-run", test_run_dry_run);
  ADD_TMP ("/troupe/cli-run/run/context", test_run_context);
  ADD_TMP ("/troupe/cli-run/run/invalid", test_run_invalid);
  ADD_TMP ("/troupe/cli-run/run/timeout", test_run_timeout);
  ADD_TMP ("/troupe/cli-run/run/for-each", test_run_for_each);
  ADD_TMP ("/troupe/cli-run/run/live", test_run_live);
  ADD_TMP ("/troupe/cli-run/signal/sigint-resume", test_run_sigint_resume);
  ADD_TMP ("/troupe/cli-run/signal/sigterm", test_run_sigterm);
  ADD_TMP ("/troupe/cli-run/signal/isolated", test_run_sigint_isolated);
  ADD_TMP ("/troupe/cli-run/signal/twice", test_run_sigint_twice);
  ADD_TMP ("/troupe/cli-run/resume/unknown", test_resume_unknown);
  ADD_TMP ("/troupe/cli-run/runs", test_runs_list);
  ADD_TMP ("/troupe/cli-run/logs", test_logs);
  ADD_TMP ("/troupe/cli-run/runs/killed", test_runs_killed);
  ADD_TMP ("/troupe/cli-run/logs/empty", test_logs_empty);
  ADD_TMP ("/troupe/cli-run/approve", test_approve);
  ADD_TMP ("/troupe/cli-run/reject", test_reject);
  ADD_TMP ("/troupe/cli-run/approve-on-terminal", test_run_tty_approval);

#undef ADD_TMP

  return g_test_run ();
}
