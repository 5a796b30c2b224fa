/* test-process.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "troupe-process.h"
#include "troupe-test-util.h"

/* Every test runs its processes on its own thread-default context, so a
 * source attached to the global default context instead would hang it. */
typedef struct
{
  GMainContext *context;
  char         *tmpdir;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->context = g_main_context_new ();
  g_main_context_push_thread_default (fixture->context);
  fixture->tmpdir = g_dir_make_tmp ("troupe-process-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  troupe_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
  /* Nothing may be left attached once every run has completed. */
  g_assert_false (g_main_context_pending (fixture->context));
  g_main_context_pop_thread_default (fixture->context);
  g_main_context_unref (fixture->context);
}

typedef struct
{
  GAsyncResult *result;
  int           n_callbacks;
} RunState;

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  RunState *state = user_data;

  state->n_callbacks++;
  g_assert_null (state->result);
  state->result = g_object_ref (result);
}

/* Starts @process and iterates the thread-default context until its
 * callback has run. */
static gboolean
run_process (TroupeProcess  *process,
             GCancellable   *cancellable,
             GError        **error)
{
  RunState state = { 0 };
  gboolean ret;

  troupe_process_run_async (process, cancellable, run_cb, &state);
  while (state.result == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);

  ret = troupe_process_run_finish (process, state.result, error);
  g_object_unref (state.result);
  g_assert_cmpint (state.n_callbacks, ==, 1);
  /* Completion leaves nothing of the process behind on the context. */
  g_assert_null (g_main_context_find_source_by_user_data (g_main_context_get_thread_default (),
                                                          process));

  return ret;
}

static TroupeProcess *
new_sh (const char *script)
{
  const char *argv[] = { "/bin/sh", "-c", script, NULL };

  return troupe_process_new (argv);
}

static char *
output_string (TroupeProcess *process)
{
  GBytes *bytes = troupe_process_get_output (process);
  gsize size;
  const char *data;

  g_assert_nonnull (bytes);
  data = g_bytes_get_data (bytes, &size);

  return g_strndup (data, size);
}

static void
assert_bytes_equal (GBytes       *bytes,
                    const guint8 *expected,
                    gsize         expected_size)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  g_assert_cmpuint (size, ==, expected_size);
  g_assert_true (expected_size == 0 || memcmp (data, expected, expected_size) == 0);
}

static void
assert_file_equal (const char   *path,
                   const guint8 *expected,
                   gsize         expected_size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize size;

  g_file_get_contents (path, &contents, &size, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (size, ==, expected_size);
  g_assert_true (expected_size == 0 || memcmp (contents, expected, expected_size) == 0);
}

/* A deterministic binary pattern that holds every byte value, NUL
 * included, and does not repeat every 256 bytes. */
static guint8 *
make_pattern (gsize size)
{
  guint8 *data = g_malloc (size);
  guint32 x = 2463534242u;

  for (gsize i = 0; i < size; i++)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      data[i] = (guint8) x;
    }

  return data;
}

/* Gone, or a zombie that nobody reaps (PID 1 in a container may not). */
static gboolean
pid_is_gone (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *p;

  if (kill (pid, 0) != 0)
    return errno == ESRCH;
  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return TRUE;
  p = strrchr (stat, ')');
  g_assert_nonnull (p);

  return p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/* Iterates the thread-default context until the script has written the
 * whole pid file (a shell creates it before it writes to it). */
static void
wait_for_pid_file (const char *path)
{
  for (;;)
    {
      g_autofree char *contents = NULL;

      if (g_file_get_contents (path, &contents, NULL, NULL) && strchr (contents, '\n') != NULL)
        return;
      g_main_context_iteration (g_main_context_get_thread_default (), FALSE);
      g_usleep (1000);
    }
}

static pid_t
read_pid_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  pid_t pid;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  pid = (pid_t) atoi (contents);
  g_assert_cmpint (pid, >, 1);

  return pid;
}

static void
test_exit_code (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeProcess) ok = NULL;
  g_autoptr(TroupeProcess) fail = NULL;
  const char *true_argv[] = { "true", NULL };

  ok = troupe_process_new (true_argv);
  g_assert_null (troupe_process_get_output (ok));
  g_assert_true (run_process (ok, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (troupe_process_get_succeeded (ok));
  g_assert_cmpint (troupe_process_get_exit_code (ok), ==, 0);
  g_assert_cmpint (troupe_process_get_term_signal (ok), ==, 0);
  g_assert_cmpint (troupe_process_get_pid (ok), >, 0);
  g_assert_cmpint (troupe_process_get_duration (ok), >, 0);
  g_assert_false (troupe_process_get_timed_out (ok));
  g_assert_false (troupe_process_get_terminated (ok));
  g_assert_false (troupe_process_get_spilled (ok));
  g_assert_cmpuint (troupe_process_get_output_size (ok), ==, 0);
  assert_bytes_equal (troupe_process_get_output (ok), NULL, 0);

  fail = new_sh ("exit 42");
  g_assert_true (run_process (fail, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (troupe_process_get_succeeded (fail));
  g_assert_cmpint (troupe_process_get_exit_code (fail), ==, 42);
  g_assert_cmpint (troupe_process_get_term_signal (fail), ==, 0);
}

static void
test_signal (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeProcess) process = new_sh ("kill -USR1 $$; sleep 5");

  g_assert_true (run_process (process, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (troupe_process_get_succeeded (process));
  g_assert_cmpint (troupe_process_get_exit_code (process), ==, -1);
  g_assert_cmpint (troupe_process_get_term_signal (process), ==, SIGUSR1);
  g_assert_false (troupe_process_get_timed_out (process));
  g_assert_false (troupe_process_get_terminated (process));
}

static void
test_argv_verbatim (Fixture       *fixture,
                    gconstpointer  data)
{
  static const char *args[] = {
    "plain",
    "two words",
    "",
    "it's \"quoted\"",
    "line one\nline two\n",
    "$(touch /tmp/troupe-pwned) `id` $HOME ${PATH}",
    "a; rm -rf / ; b && c || d | e > f < g",
    "* ? [a-z] ~ ~root",
    "back\\slash \\n \\\\",
    "--flag=value",
    "-",
    "tab\there",
    "ünïcödé ✓",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeProcess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autofree char *output = NULL;

  g_ptr_array_add (argv, (char *) "/bin/sh");
  g_ptr_array_add (argv, (char *) "-c");
  g_ptr_array_add (argv, (char *) "for a in \"$@\"; do printf '[%s]' \"$a\"; done");
  g_ptr_array_add (argv, (char *) "sh");
  for (guint i = 0; i < G_N_ELEMENTS (args); i++)
    {
      g_ptr_array_add (argv, (char *) args[i]);
      g_string_append_printf (expected, "[%s]", args[i]);
    }
  g_ptr_array_add (argv, NULL);

  process = troupe_process_new ((const char * const *) argv->pdata);
  troupe_process_set_cwd (process, fixture->tmpdir);
  g_assert_true (run_process (process, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (troupe_process_get_succeeded (process));

  output = output_string (process);
  g_assert_cmpstr (output, ==, expected->str);
  /* Nothing was interpreted along the way. */
  g_assert_false (g_file_test ("/tmp/troupe-pwned", G_FILE_TEST_EXISTS));
}

static void
test_stdin_exact (Fixture       *fixture,
                  gconstpointer  data)
{
  static const guint8 small[] = "a\0b\0\0\n\xff\x01 $(x)\n";
  const char *cat_argv[] = { "cat", NULL };
  g_autoptr(GError) error = NULL;

  /* A few bytes with NULs in them. */
  {
    g_autoptr(TroupeProcess) process = troupe_process_new (cat_argv);
    g_autoptr(GBytes) input = g_bytes_new_static (small, sizeof small);

    troupe_process_set_stdin (process, input);
    g_assert_true (run_process (process, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (troupe_process_get_succeeded (process));
    assert_bytes_equal (troupe_process_get_output (process), small, sizeof small);
  }

  /* 1 MiB, more than any pipe holds, so it takes many non-blocking
   * writes. */
  {
    gsize size = 1024 * 1024;
    g_autofree guint8 *payload = make_pattern (size);
    g_autoptr(GBytes) input = g_bytes_new (payload, size);
    g_autoptr(TroupeProcess) process = troupe_process_new (cat_argv);

    troupe_process_set_stdin (process, input);
    troupe_process_set_output_cap (process, 2 * size);
    g_assert_true (run_process (process, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (troupe_process_get_succeeded (process));
    g_assert_cmpuint (troupe_process_get_output_size (process), ==, size);
    assert_bytes_equal (troupe_process_get_output (process), payload, size);
  }

  /* Empty stdin data: the child sees end-of-file at once. */
  {
    g_autoptr(GBytes) input = g_bytes_new (NULL, 0);
    g_autoptr(TroupeProcess) process = new_sh ("cat; echo end");
    g_autofree char *output = NULL;

    troupe_process_set_stdin (process, input);
    g_assert_true (run_process (process, NULL, &error));
    g_assert_no_error (error);
    output = output_string (process);
    g_assert_cmpstr (output, ==, "end\n");
  }
}

/* The child fills its stdout pipe before it reads a byte of stdin: a
 * blocking write of stdin in the parent would deadlock with it. */
static void
test_stdin_while_writing (Fixture       *fixture,
                          gconstpointer  data)
{
  gsize size = 1024 * 1024;
  g_autofree guint8 *payload = make_pattern (size);
  g_autoptr(GBytes) input = g_bytes_new (payload, size);
  g_autoptr(TroupeProcess) process = new_sh ("head -c 1000000 /dev/zero; cat");
  g_autoptr(GError) error = NULL;
  GBytes *output;

  troupe_process_set_stdin (process, input);
  troupe_process_set_output_cap (process, 0);
  g_assert_true (run_process (process, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (troupe_process_get_succeeded (process));
  g_assert_cmpuint (troupe_process_get_output_size (process), ==, 1000000 + size);
  output = troupe_process_get_output (process);
  g_assert_cmpuint (g_bytes_get_size (output), ==, 1000000 + size);
  g_assert_true (memcmp ((const guint8 *) g_bytes_get_data (output, NULL) + 1000000,
                         payload, size) == 0);
}

static void
test_stdin_unread (Fixture       *fixture,
                   gconstpointer  data)
{
  gsize size = 4 * 1024 * 1024;
  g_autofree guint8 *payload = make_pattern (size);
  g_autoptr(GBytes) input = g_bytes_new (payload, size);
  static const char *scripts[] = {
    "exit 0",
    "echo hi",
    "head -c 10 >/dev/null; exit 3",
  };

  for (guint i = 0; i < G_N_ELEMENTS (scripts); i++)
    {
      g_autoptr(TroupeProcess) process = new_sh (scripts[i]);
      g_autoptr(GError) error = NULL;

      troupe_process_set_stdin (process, input);
      /* Neither SIGPIPE nor EPIPE may fail the run. */
      g_assert_true (run_process (process, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (troupe_process_get_exit_code (process) == 0 ||
                     troupe_process_get_exit_code (process) == 3);
    }
}

static void
test_stdin_default (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(TroupeProcess) process = new_sh ("readlink /proc/$$/fd/0; cat; echo end");
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;

  g_assert_true (run_process (process, NULL, &error));
  g_assert_no_error (error);
  output = output_string (process);
  g_assert_cmpstr (output, ==, "/dev/null\nend\n");
}

/* The child leads its own process group, and gets SIGPIPE at its default
 * even though the parent ignores it. */
static void
test_child_setup (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *argv[] = { "cat", "/proc/self/stat", "/proc/self/status", NULL };
  g_autoptr(TroupeProcess) process = troupe_process_new (argv);
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  const char *p;
  g_auto(GStrv) lines = NULL;
  int pid, ppid, pgrp;
  guint64 ignored;

  g_assert_true (run_process (process, NULL, &error));
  g_assert_no_error (error);
  output = output_string (process);

  /* The first line is /proc/self/stat; its command name ends at the last
   * ')' of that line. */
  lines = g_strsplit (output, "\n", 2);
  p = strrchr (lines[0], ')');
  g_assert_nonnull (p);
  g_assert_cmpint (sscanf (p + 1, " %*c %d %d", &ppid, &pgrp), ==, 2);
  g_assert_cmpint (sscanf (output, "%d", &pid), ==, 1);
  g_assert_cmpint (pid, ==, troupe_process_get_pid (process));
  g_assert_cmpint (pgrp, ==, pid);
  g_assert_cmpint (ppid, ==, getpid ());

  p = strstr (output, "\nSigIgn:");
  g_assert_nonnull (p);
  ignored = g_ascii_strtoull (p + strlen ("\nSigIgn:"), NULL, 16);
  g_assert_cmphex (ignored & (G_GUINT64_CONSTANT (1) << (SIGPIPE - 1)), ==, 0);

  p = strstr (output, "\nSigBlk:");
  g_assert_nonnull (p);
  g_assert_cmphex (g_ascii_strtoull (p + strlen ("\nSigBlk:"), NULL, 16), ==, 0);
}

static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static void
test_logs (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *out_log = g_build_filename (fixture->tmpdir, "out.log", NULL);
  g_autofree char *err_log = g_build_filename (fixture->tmpdir, "err.log", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;

  /* Logs are replaced, not appended to. */
  g_file_set_contents (out_log, "old contents that must go\n", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (err_log, "old contents that must go\n", -1, &error);
  g_assert_no_error (error);

  {
    g_autoptr(TroupeProcess) process = new_sh ("echo out; echo err >&2; echo more; echo err2 >&2");

    troupe_process_set_stdout_log (process, out_log);
    troupe_process_set_stderr_log (process, err_log);
    g_assert_true (run_process (process, NULL, &error));
    g_assert_no_error (error);
    output = output_string (process);
    g_assert_cmpstr (output, ==, "out\nmore\n");
    assert_file_equal (out_log, (const guint8 *) "out\nmore\n", 9);
    assert_file_equal (err_log, (const guint8 *) "err\nerr2\n", 9);
  }

  /* One file for both streams: everything lands in it, nothing is
   * overwritten (the order between the two streams is not kept). */
  {
    g_autofree char *both = g_build_filename (fixture->tmpdir, "both.log", NULL);
    g_autoptr(TroupeProcess) process = new_sh ("echo out1; echo err1 >&2; echo out2; echo err2 >&2");
    g_autofree char *contents = NULL;
    g_auto(GStrv) lines = NULL;
    g_autofree char *joined = NULL;

    troupe_process_set_stdout_log (process, both);
    troupe_process_set_stderr_log (process, both);
    g_assert_true (run_process (process, NULL, &error));
    g_assert_no_error (error);
    g_file_get_contents (both, &contents, NULL, &error);
    g_assert_no_error (error);
    lines = g_strsplit (contents, "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 5);
    qsort (lines, 4, sizeof (char *), compare_strings);
    joined = g_strjoinv (",", lines);
    g_assert_cmpstr (joined, ==, "err1,err2,out1,out2,");
  }

  /* Without logs, stderr is discarded and stdout still captured. */
  {
    g_autoptr(TroupeProcess) process = new_sh ("echo out; echo err >&2");
    g_autofree char *output2 = NULL;

    g_assert_true (run_process (process, NULL, &error));
    g_assert_no_error (error);
    output2 = output_string (process);
    g_assert_cmpstr (output2, ==, "out\n");
  }
}

static void
test_spill (Fixture       *fixture,
            gconstpointer  data)
{
  gsize size = 3 * 1024 * 1024;
  gsize cap = 1024 * 1024;
  g_autofree guint8 *payload = make_pattern (size);
  g_autofree char *input = g_build_filename (fixture->tmpdir, "input.bin", NULL);
  g_autofree char *spill = g_build_filename (fixture->tmpdir, "spill.bin", NULL);
  g_autofree char *out_log = g_build_filename (fixture->tmpdir, "out.log", NULL);
  const char *argv[] = { "cat", input, NULL };
  g_autoptr(GError) error = NULL;

  g_file_set_contents (input, (const char *) payload, size, &error);
  g_assert_no_error (error);

  /* Past the cap: memory has the first cap bytes, the spill file and the
   * log everything. */
  {
    g_autoptr(TroupeProcess) process = troupe_process_new (argv);

    troupe_process_set_output_cap (process, cap);
    troupe_process_set_spill_path (process, spill);
    troupe_process_set_stdout_log (process, out_log);
    g_assert_true (run_process (process, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (troupe_process_get_succeeded (process));
    g_assert_true (troupe_process_get_spilled (process));
    g_assert_cmpuint (troupe_process_get_output_size (process), ==, size);
    assert_bytes_equal (troupe_process_get_output (process), payload, cap);
    assert_file_equal (spill, payload, size);
    assert_file_equal (out_log, payload, size);
  }

  /* No cap: everything in memory, no spill. */
  {
    g_autoptr(TroupeProcess) process = troupe_process_new (argv);

    g_remove (spill);
    troupe_process_set_output_cap (process, 0);
    troupe_process_set_spill_path (process, spill);
    g_assert_true (run_process (process, NULL, &error));
    g_assert_no_error (error);
    g_assert_false (troupe_process_get_spilled (process));
    assert_bytes_equal (troupe_process_get_output (process), payload, size);
    g_assert_false (g_file_test (spill, G_FILE_TEST_EXISTS));
  }

  /* Exactly at the cap is not past it. */
  {
    g_autoptr(TroupeProcess) process = troupe_process_new (argv);

    troupe_process_set_output_cap (process, size);
    troupe_process_set_spill_path (process, spill);
    g_assert_true (run_process (process, NULL, &error));
    g_assert_no_error (error);
    g_assert_false (troupe_process_get_spilled (process));
    assert_bytes_equal (troupe_process_get_output (process), payload, size);
    g_assert_false (g_file_test (spill, G_FILE_TEST_EXISTS));
  }

  /* A cap without a spill path truncates, and says it did not spill. */
  {
    g_autoptr(TroupeProcess) process = troupe_process_new (argv);

    troupe_process_set_output_cap (process, 1000);
    g_assert_true (run_process (process, NULL, &error));
    g_assert_no_error (error);
    g_assert_false (troupe_process_get_spilled (process));
    g_assert_cmpuint (troupe_process_get_output_size (process), ==, size);
    assert_bytes_equal (troupe_process_get_output (process), payload, 1000);
  }

  /* The default cap is 1 MiB. */
  {
    g_autoptr(TroupeProcess) process = troupe_process_new (argv);

    g_assert_true (run_process (process, NULL, &error));
    g_assert_no_error (error);
    assert_bytes_equal (troupe_process_get_output (process), payload, cap);
  }
}

static void
test_timeout_kills_group (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *pidfile = g_build_filename (fixture->tmpdir, "pid", NULL);
  g_autofree char *script = g_strdup_printf ("sleep 100 & echo $! > '%s'; sleep 100", pidfile);
  g_autoptr(TroupeProcess) process = new_sh (script);
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;
  pid_t grandchild;

  troupe_process_set_timeout (process, 300);
  g_assert_true (run_process (process, NULL, &error));
  g_assert_no_error (error);
  elapsed = (g_get_monotonic_time () - start) / 1000;

  g_assert_true (troupe_process_get_timed_out (process));
  g_assert_false (troupe_process_get_terminated (process));
  g_assert_false (troupe_process_get_succeeded (process));
  g_assert_cmpint (troupe_process_get_term_signal (process), ==, SIGTERM);
  /* SIGTERM was enough: no wait for the 2 s grace period. */
  g_assert_cmpint (elapsed, >=, 290);
  g_assert_cmpint (elapsed, <, 1500);
  g_assert_cmpint (troupe_process_get_duration (process) / 1000, >=, 290);

  grandchild = read_pid_file (pidfile);
  g_assert_true (pid_is_gone (grandchild));
}

static void
test_kill_after_grace (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *pidfile = g_build_filename (fixture->tmpdir, "pid", NULL);
  /* The ignored TERM is inherited by the background sleep too. */
  g_autofree char *script = g_strdup_printf ("trap '' TERM; sleep 100 & echo $! > '%s'; "
                                             "while :; do sleep 0.05; done", pidfile);
  g_autoptr(TroupeProcess) process = new_sh (script);
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  troupe_process_set_timeout (process, 200);
  troupe_process_set_kill_grace (process, 300);
  g_assert_true (run_process (process, NULL, &error));
  g_assert_no_error (error);
  elapsed = (g_get_monotonic_time () - start) / 1000;

  g_assert_true (troupe_process_get_timed_out (process));
  g_assert_cmpint (troupe_process_get_term_signal (process), ==, SIGKILL);
  g_assert_cmpint (elapsed, >=, 490);
  g_assert_cmpint (elapsed, <, 1500);
  g_assert_true (pid_is_gone (read_pid_file (pidfile)));
}

/* The leader exits at once but leaves a grandchild that holds its stdout:
 * end-of-file only comes once the group is cleaned up, which must happen
 * promptly and without a timeout. */
static void
test_orphan_holding_stdout (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *pidfile = g_build_filename (fixture->tmpdir, "pid", NULL);
  g_autofree char *script = g_strdup_printf ("sleep 100 & echo $! > '%s'; echo done", pidfile);
  g_autoptr(TroupeProcess) process = new_sh (script);
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  g_assert_true (run_process (process, NULL, &error));
  g_assert_no_error (error);
  elapsed = (g_get_monotonic_time () - start) / 1000;

  g_assert_true (troupe_process_get_succeeded (process));
  g_assert_false (troupe_process_get_timed_out (process));
  g_assert_false (troupe_process_get_terminated (process));
  output = output_string (process);
  g_assert_cmpstr (output, ==, "done\n");
  /* Well under the default 2 s grace: the grandchild died of SIGTERM. */
  g_assert_cmpint (elapsed, <, 1500);
  g_assert_true (pid_is_gone (read_pid_file (pidfile)));
}

/* Same, with a grandchild that does not hold the pipes. */
static void
test_orphan_detached (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *pidfile = g_build_filename (fixture->tmpdir, "pid", NULL);
  g_autofree char *script = g_strdup_printf ("sleep 100 </dev/null >/dev/null 2>&1 & "
                                             "echo $! > '%s'", pidfile);
  g_autoptr(TroupeProcess) process = new_sh (script);
  g_autoptr(GError) error = NULL;

  g_assert_true (run_process (process, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (troupe_process_get_succeeded (process));
  g_assert_true (pid_is_gone (read_pid_file (pidfile)));
}

/* A leftover that ignores SIGTERM after a normal exit is SIGKILLed after
 * the grace period. */
static void
test_orphan_ignoring_term (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *pidfile = g_build_filename (fixture->tmpdir, "pid", NULL);
  g_autofree char *script = g_strdup_printf ("trap '' TERM; sleep 100 & echo $! > '%s'", pidfile);
  g_autoptr(TroupeProcess) process = new_sh (script);
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  troupe_process_set_kill_grace (process, 250);
  g_assert_true (run_process (process, NULL, &error));
  g_assert_no_error (error);
  elapsed = (g_get_monotonic_time () - start) / 1000;

  g_assert_true (troupe_process_get_succeeded (process));
  g_assert_cmpint (elapsed, >=, 240);
  g_assert_cmpint (elapsed, <, 1500);
  g_assert_true (pid_is_gone (read_pid_file (pidfile)));
}

static gboolean
terminate_cb (gpointer user_data)
{
  TroupeProcess *process = user_data;

  troupe_process_terminate (process);
  /* Idempotent. */
  troupe_process_terminate (process);

  return G_SOURCE_REMOVE;
}

static void
attach_timeout (guint       ms,
                GSourceFunc func,
                gpointer    data)
{
  g_autoptr(GSource) source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
}

static void
test_terminate (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *pidfile = g_build_filename (fixture->tmpdir, "pid", NULL);
  g_autofree char *script = g_strdup_printf ("sleep 100 & echo $! > '%s'; sleep 100", pidfile);
  g_autoptr(TroupeProcess) process = new_sh (script);
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  RunState state = { 0 };

  /* Before the start, terminate() does nothing. */
  troupe_process_terminate (process);

  troupe_process_run_async (process, NULL, run_cb, &state);
  wait_for_pid_file (pidfile);
  attach_timeout (0, terminate_cb, process);
  while (state.result == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  g_assert_true (troupe_process_run_finish (process, state.result, &error));
  g_assert_no_error (error);
  g_clear_object (&state.result);

  g_assert_true (troupe_process_get_terminated (process));
  g_assert_false (troupe_process_get_timed_out (process));
  g_assert_cmpint (troupe_process_get_term_signal (process), ==, SIGTERM);
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, <, 1500);
  g_assert_true (pid_is_gone (read_pid_file (pidfile)));

  /* After completion, it still does nothing. */
  troupe_process_terminate (process);
  g_assert_cmpint (troupe_process_get_term_signal (process), ==, SIGTERM);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);

  return G_SOURCE_REMOVE;
}

static void
test_cancellable (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *pidfile = g_build_filename (fixture->tmpdir, "pid", NULL);
  g_autofree char *script = g_strdup_printf ("sleep 100 & echo $! > '%s'; sleep 100", pidfile);
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(TroupeProcess) process = new_sh (script);
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    RunState state = { 0 };

    troupe_process_run_async (process, cancellable, run_cb, &state);
    wait_for_pid_file (pidfile);
    attach_timeout (0, cancel_cb, cancellable);
    while (state.result == NULL)
      g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
    /* The run still reports what the process did. */
    g_assert_true (troupe_process_run_finish (process, state.result, &error));
    g_assert_no_error (error);
    g_clear_object (&state.result);
    g_assert_true (troupe_process_get_terminated (process));
    g_assert_cmpint (troupe_process_get_term_signal (process), ==, SIGTERM);
    g_assert_true (pid_is_gone (read_pid_file (pidfile)));
  }

  /* Already cancelled: nothing starts. */
  {
    g_autoptr(TroupeProcess) process = new_sh ("echo never");
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    g_cancellable_cancel (cancellable);
    g_assert_false (run_process (process, cancellable, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
    g_assert_cmpint (troupe_process_get_pid (process), ==, 0);
  }

  /* A cancellable that is never cancelled changes nothing. */
  {
    g_autoptr(TroupeProcess) process = new_sh ("echo fine");
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autofree char *output = NULL;

    g_assert_true (run_process (process, cancellable, &error));
    g_assert_no_error (error);
    g_assert_false (troupe_process_get_terminated (process));
    output = output_string (process);
    g_assert_cmpstr (output, ==, "fine\n");
  }
}

static void
assert_spawn_error (TroupeProcess *process,
                    const char    *message_part)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (run_process (process, NULL, &error));
  g_assert_error (error, TROUPE_PROCESS_ERROR, TROUPE_PROCESS_ERROR_SPAWN);
  if (strstr (error->message, message_part) == NULL)
    g_error ("'%s' does not contain '%s'", error->message, message_part);
  g_assert_false (troupe_process_get_succeeded (process));
  g_assert_nonnull (troupe_process_get_output (process));
}

static void
test_spawn_failure (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *not_exec = g_build_filename (fixture->tmpdir, "not-exec", NULL);
  g_autofree char *missing_dir = g_build_filename (fixture->tmpdir, "missing", NULL);
  g_autofree char *bad_log = g_build_filename (fixture->tmpdir, "missing", "out.log", NULL);
  g_autoptr(GError) error = NULL;

  {
    const char *argv[] = { "troupe-no-such-program", "-p", "x", NULL };
    g_autoptr(TroupeProcess) process = troupe_process_new (argv);

    assert_spawn_error (process, "'troupe-no-such-program' was not found on PATH; "
                                 "install it or set the provider's command");
  }

  {
    const char *argv[] = { "/nonexistent/troupe-prog", NULL };
    g_autoptr(TroupeProcess) process = troupe_process_new (argv);

    assert_spawn_error (process, "'/nonexistent/troupe-prog' does not exist");
  }

  {
    const char *argv[] = { not_exec, NULL };
    g_autoptr(TroupeProcess) process = troupe_process_new (argv);

    g_file_set_contents (not_exec, "#!/bin/sh\necho hi\n", -1, &error);
    g_assert_no_error (error);
    assert_spawn_error (process, "chmod +x");
  }

  {
    const char *argv[] = { "true", NULL };
    g_autoptr(TroupeProcess) process = troupe_process_new (argv);

    troupe_process_set_cwd (process, missing_dir);
    assert_spawn_error (process, missing_dir);
  }

  /* A log that cannot be opened is an I/O error, before anything runs. */
  {
    g_autofree char *marker = g_build_filename (fixture->tmpdir, "ran", NULL);
    g_autofree char *script = g_strdup_printf ("touch '%s'", marker);
    g_autoptr(TroupeProcess) process = new_sh (script);

    troupe_process_set_stdout_log (process, bad_log);
    g_assert_false (run_process (process, NULL, &error));
    g_assert_error (error, TROUPE_PROCESS_ERROR, TROUPE_PROCESS_ERROR_IO);
    g_assert_nonnull (strstr (error->message, bad_log));
    g_clear_error (&error);
    g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  }

  {
    g_autoptr(TroupeProcess) process = new_sh ("true");

    troupe_process_set_stderr_log (process, bad_log);
    g_assert_false (run_process (process, NULL, &error));
    g_assert_error (error, TROUPE_PROCESS_ERROR, TROUPE_PROCESS_ERROR_IO);
    g_clear_error (&error);
  }

  /* A spill file that cannot be written fails the run, after it ran. */
  {
    g_autoptr(TroupeProcess) process = new_sh ("head -c 5000 /dev/zero");

    troupe_process_set_output_cap (process, 1000);
    troupe_process_set_spill_path (process, bad_log);
    g_assert_false (run_process (process, NULL, &error));
    g_assert_error (error, TROUPE_PROCESS_ERROR, TROUPE_PROCESS_ERROR_IO);
    g_assert_nonnull (strstr (error->message, "spill file"));
    g_clear_error (&error);
    g_assert_true (troupe_process_get_succeeded (process));
    g_assert_cmpuint (troupe_process_get_output_size (process), ==, 5000);
  }
}

static void
test_environment (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(TroupeProcess) process = new_sh ("printf '[%s][%s][%s]' \"$TROUPE_A\" \"$TROUPE_B\" \"${TROUPE_GONE-unset}\"");
    g_autofree char *output = NULL;

    troupe_process_setenv (process, "TROUPE_A", "first");
    troupe_process_setenv (process, "TROUPE_A", "a value with $(x) and\nnewline");
    troupe_process_setenv (process, "TROUPE_B", "");
    troupe_process_setenv (process, "TROUPE_GONE", NULL);
    g_assert_true (run_process (process, NULL, &error));
    g_assert_no_error (error);
    output = output_string (process);
    g_assert_cmpstr (output, ==, "[a value with $(x) and\nnewline][][unset]");
  }

  /* The parent's environment is inherited. */
  {
    g_autoptr(TroupeProcess) process = new_sh ("printf %s \"$TROUPE_PARENT\"");
    g_autofree char *output = NULL;

    g_assert_true (run_process (process, NULL, &error));
    g_assert_no_error (error);
    output = output_string (process);
    g_assert_cmpstr (output, ==, "from parent");
  }

  /* A PATH given to the child is where the program is looked up. */
  {
    g_autofree char *tool = g_build_filename (fixture->tmpdir, "troupe-test-tool", NULL);
    g_autofree char *path = g_strdup_printf ("%s:/usr/bin:/bin", fixture->tmpdir);
    const char *argv[] = { "troupe-test-tool", NULL };
    g_autoptr(TroupeProcess) process = troupe_process_new (argv);
    g_autofree char *output = NULL;

    g_file_set_contents (tool, "#!/bin/sh\necho tool ran\n", -1, &error);
    g_assert_no_error (error);
    g_assert_cmpint (g_chmod (tool, 0755), ==, 0);

    troupe_process_setenv (process, "PATH", path);
    g_assert_true (run_process (process, NULL, &error));
    g_assert_no_error (error);
    output = output_string (process);
    g_assert_cmpstr (output, ==, "tool ran\n");
  }
}

static void
test_cwd (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(TroupeProcess) process = new_sh ("pwd -P");
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *real = realpath (fixture->tmpdir, NULL);
  g_autofree char *expected = g_strconcat (real, "\n", NULL);

  troupe_process_set_cwd (process, fixture->tmpdir);
  g_assert_true (run_process (process, NULL, &error));
  g_assert_no_error (error);
  output = output_string (process);
  g_assert_cmpstr (output, ==, expected);
}

typedef struct
{
  int n_done;
  int n_succeeded;
} ManyState;

static void
many_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  ManyState *state = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (troupe_process_run_finish (TROUPE_PROCESS (object), result, &error));
  g_assert_no_error (error);
  state->n_done++;
  if (troupe_process_get_succeeded (TROUPE_PROCESS (object)))
    state->n_succeeded++;
}

static void
test_concurrent (Fixture       *fixture,
                 gconstpointer  data)
{
  const guint n = 200;
  const char *argv[] = { "true", NULL };
  g_autoptr(GPtrArray) processes = g_ptr_array_new_with_free_func (g_object_unref);
  ManyState state = { 0 };
  gint64 start = g_get_monotonic_time ();
  double seconds;

  for (guint i = 0; i < n; i++)
    {
      TroupeProcess *process = troupe_process_new (argv);

      g_ptr_array_add (processes, process);
      troupe_process_run_async (process, NULL, many_cb, &state);
    }

  while (state.n_done < (int) n)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);

  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_test_message ("%u concurrent 'true': %.3f s", n, seconds);
  g_assert_cmpint (state.n_succeeded, ==, (int) n);
  g_assert_cmpfloat (seconds, <, 30.0);
}

/* Disposing a process that is running kills its group at once; the run
 * still completes through its callback. */
static void
test_dispose_running (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *pidfile = g_build_filename (fixture->tmpdir, "pid", NULL);
  g_autofree char *script = g_strdup_printf ("sleep 100 & echo $! > '%s'; echo started; sleep 100",
                                             pidfile);
  TroupeProcess *process = new_sh (script);
  RunState state = { 0 };
  g_autoptr(GError) error = NULL;

  troupe_process_run_async (process, NULL, run_cb, &state);
  wait_for_pid_file (pidfile);

  g_object_run_dispose (G_OBJECT (process));
  while (state.result == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);

  g_assert_true (troupe_process_run_finish (process, state.result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (troupe_process_get_term_signal (process), ==, SIGKILL);
  g_assert_true (pid_is_gone (read_pid_file (pidfile)));
  g_object_unref (state.result);

  g_assert_finalize_object (process);
}

/* Dropping the caller's reference while running is safe: the run keeps the
 * process alive until its callback. */
static void
test_unref_running (Fixture       *fixture,
                    gconstpointer  data)
{
  TroupeProcess *process = new_sh ("echo hi");
  RunState state = { 0 };
  GWeakRef weak;

  g_weak_ref_init (&weak, process);
  troupe_process_run_async (process, NULL, run_cb, &state);
  g_object_unref (process);

  while (state.result == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);

  {
    g_autoptr(TroupeProcess) alive = g_weak_ref_get (&weak);

    g_assert_nonnull (alive);
    g_assert_true (troupe_process_run_finish (alive, state.result, NULL));
    g_assert_true (troupe_process_get_succeeded (alive));
  }
  g_object_unref (state.result);

  /* The result held the last reference. */
  g_assert_null (g_weak_ref_get (&weak));
  g_weak_ref_clear (&weak);
}

static void
test_find_program (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *sh = troupe_find_program ("sh");
  g_autofree char *bin_sh = troupe_find_program ("/bin/sh");
  g_autofree char *missing = troupe_find_program ("troupe-no-such-program");
  g_autofree char *empty = troupe_find_program ("");
  g_autofree char *plain = g_build_filename (fixture->tmpdir, "plain", NULL);
  g_autofree char *not_exec = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (sh);
  g_assert_true (g_path_is_absolute (sh));
  g_assert_true (g_str_has_suffix (sh, "/sh"));
  g_assert_cmpstr (bin_sh, ==, "/bin/sh");
  g_assert_null (missing);
  g_assert_null (empty);

  g_file_set_contents (plain, "data", -1, &error);
  g_assert_no_error (error);
  not_exec = troupe_find_program (plain);
  g_assert_null (not_exec);
}

int
main (int   argc,
      char *argv[])
{
  /* For /troupe/process/environment; set while there is one thread. */
  g_setenv ("TROUPE_PARENT", "from parent", TRUE);
  g_setenv ("TROUPE_GONE", "inherited", TRUE);

  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/troupe/process/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("exit-code", test_exit_code);
  ADD ("signal", test_signal);
  ADD ("argv-verbatim", test_argv_verbatim);
  ADD ("stdin-exact", test_stdin_exact);
  ADD ("stdin-while-writing", test_stdin_while_writing);
  ADD ("stdin-unread", test_stdin_unread);
  ADD ("stdin-default", test_stdin_default);
  ADD ("child-setup", test_child_setup);
  ADD ("logs", test_logs);
  ADD ("spill", test_spill);
  ADD ("timeout-kills-group", test_timeout_kills_group);
  ADD ("kill-after-grace", test_kill_after_grace);
  ADD ("orphan-holding-stdout", test_orphan_holding_stdout);
  ADD ("orphan-detached", test_orphan_detached);
  ADD ("orphan-ignoring-term", test_orphan_ignoring_term);
  ADD ("terminate", test_terminate);
  ADD ("cancellable", test_cancellable);
  ADD ("spawn-failure", test_spawn_failure);
  ADD ("environment", test_environment);
  ADD ("cwd", test_cwd);
  ADD ("concurrent", test_concurrent);
  ADD ("dispose-running", test_dispose_running);
  ADD ("unref-running", test_unref_running);
  ADD ("find-program", test_find_program);

#undef ADD

  return g_test_run ();
}
