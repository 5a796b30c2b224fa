/* test-inbox.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "troupe-inbox.h"
#include "troupe-inbox-private.h"
#include "troupe-test-util.h"

/* A fresh workspace folder and a folder outside it for every test, and a
 * main context of the test's own, pushed as the thread-default one: waits
 * must run there, not on the global default context. */
typedef struct
{
  char         *workspace;
  char         *outside;
  GMainContext *context;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->workspace = g_dir_make_tmp ("troupe-inbox-ws-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->outside = g_dir_make_tmp ("troupe-inbox-out-XXXXXX", &error);
  g_assert_no_error (error);

  fixture->context = g_main_context_new ();
  g_main_context_push_thread_default (fixture->context);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* Nothing the module attached may outlive the wait it served. */
  while (g_main_context_iteration (fixture->context, FALSE))
    ;
  g_main_context_pop_thread_default (fixture->context);
  g_clear_pointer (&fixture->context, g_main_context_unref);

  _troupe_inbox_set_monitor_enabled (TRUE);

  troupe_test_remove_tree (fixture->workspace);
  troupe_test_remove_tree (fixture->outside);
  g_clear_pointer (&fixture->workspace, g_free);
  g_clear_pointer (&fixture->outside, g_free);
}

static char *
ws_path (Fixture    *fixture,
         const char *relative)
{
  return g_build_filename (fixture->workspace, relative, NULL);
}

static void
write_file (const char *path,
            const char *content)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_path_get_dirname (path);

  g_assert_no_errno (g_mkdir_with_parents (folder, 0755));
  g_file_set_contents (path, content, -1, &error);
  g_assert_no_error (error);
}

static void
write_ws_file (Fixture    *fixture,
               const char *relative,
               const char *content)
{
  g_autofree char *path = ws_path (fixture, relative);

  write_file (path, content);
}

static void
assert_file_content (const char *path,
                     const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *content = NULL;
  gsize len = 0;

  g_file_get_contents (path, &content, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (len, ==, strlen (expected));
  g_assert_cmpstr (content, ==, expected);
}

static void
assert_ws_content (Fixture    *fixture,
                   const char *relative,
                   const char *expected)
{
  g_autofree char *path = ws_path (fixture, relative);

  assert_file_content (path, expected);
}

static gboolean
ws_exists (Fixture    *fixture,
           const char *relative)
{
  g_autofree char *path = ws_path (fixture, relative);
  GStatBuf st;

  return g_lstat (path, &st) == 0;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static GStrv
sorted_folder_names (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);

  return (GStrv) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

static void
make_link (const char *target,
           const char *link_path)
{
  g_autofree char *folder = g_path_get_dirname (link_path);

  g_assert_no_errno (g_mkdir_with_parents (folder, 0755));
  g_assert_no_errno (symlink (target, link_path));
}

static void
assert_outside_empty (Fixture *fixture)
{
  g_auto(GStrv) names = sorted_folder_names (fixture->outside);

  g_assert_cmpuint (g_strv_length (names), ==, 0);
}

/* send */

static void
test_send (Fixture       *fixture,
           gconstpointer  data)
{
  const char *content = "Please implement \"the design\".\n$(not run) ${not expanded}\n✓\n";
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *folder = ws_path (fixture, "inbox/engineer");
  g_auto(GStrv) names = NULL;

  path = troupe_inbox_send (fixture->workspace, "engineer", "design-ready", content, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, "inbox/engineer/design-ready.task");
  assert_ws_content (fixture, path, content);

  /* The .tmp it went through is gone. */
  names = sorted_folder_names (folder);
  g_assert_cmpstrv (names, ((const char *[]) { "design-ready.task", NULL }));
  g_clear_pointer (&names, g_strfreev);
  g_clear_pointer (&path, g_free);

  /* An empty task is a task. */
  path = troupe_inbox_send (fixture->workspace, "engineer", "ping", "", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, "inbox/engineer/ping.task");
  assert_ws_content (fixture, path, "");
  g_clear_pointer (&path, g_free);

  /* A name that ends with ".task" is not doubled. */
  path = troupe_inbox_send (fixture->workspace, "qa", "review.task", "x", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, "inbox/qa/review.task");
  assert_ws_content (fixture, path, "x");
}

static void
test_send_again (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *again = NULL;
  g_autofree char *full = ws_path (fixture, "inbox/engineer/fix.task");
  GStatBuf before;
  GStatBuf after;

  path = troupe_inbox_send (fixture->workspace, "engineer", "fix", "same\n", &error);
  g_assert_no_error (error);
  g_assert_no_errno (g_stat (full, &before));

  /* A resumed run sends the same task again: fine, and the file is left
   * alone (a watcher sees no second arrival). */
  again = troupe_inbox_send (fixture->workspace, "engineer", "fix", "same\n", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, path);
  g_assert_no_errno (g_stat (full, &after));
  g_assert_cmpuint (before.st_ino, ==, after.st_ino);
  g_clear_pointer (&again, g_free);

  /* Another message under a name that still waits is refused: the first
   * one has not been read. */
  again = troupe_inbox_send (fixture->workspace, "engineer", "fix", "different\n", &error);
  g_assert_null (again);
  g_assert_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "a different task named 'fix' is already waiting "
                                            "in inbox/engineer/"));
  assert_file_content (full, "same\n");
  g_assert_false (ws_exists (fixture, "inbox/engineer/fix.tmp"));
  g_clear_error (&error);

  /* Once processed, the name is free again. */
  g_clear_pointer (&again, g_free);
  again = troupe_inbox_move_processed (fixture->workspace, path, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&again, g_free);
  again = troupe_inbox_send (fixture->workspace, "engineer", "fix", "different\n", &error);
  g_assert_no_error (error);
  assert_file_content (full, "different\n");
}

static void
test_send_stale_tmp (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *outside_file = g_build_filename (fixture->outside, "victim", NULL);
  g_autofree char *tmp_link = ws_path (fixture, "inbox/qa/b.tmp");

  /* A sender that crashed left half a task behind. */
  write_ws_file (fixture, "inbox/qa/a.tmp", "half a ta");
  path = troupe_inbox_send (fixture->workspace, "qa", "a", "a whole task\n", &error);
  g_assert_no_error (error);
  assert_ws_content (fixture, "inbox/qa/a.task", "a whole task\n");
  g_assert_false (ws_exists (fixture, "inbox/qa/a.tmp"));

  /* A link planted at the .tmp name is not written through. */
  make_link (outside_file, tmp_link);
  g_clear_pointer (&path, g_free);
  path = troupe_inbox_send (fixture->workspace, "qa", "b", "secret\n", &error);
  g_assert_null (path);
  g_assert_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_UNSAFE_PATH);
  g_assert_false (g_file_test (outside_file, G_FILE_TEST_EXISTS));
  g_assert_false (ws_exists (fixture, "inbox/qa/b.task"));
}

static void
test_send_bad_names (Fixture       *fixture,
                     gconstpointer  data)
{
  static const char *bad[] = { "", "a/b", "/abs", "..", "../up", "a..b", ".hidden", "." };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;

      path = troupe_inbox_send (fixture->workspace, bad[i], "task", "x", &error);
      g_assert_null (path);
      g_assert_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_UNSAFE_PATH);
      g_assert_nonnull (strstr (error->message, "the agent name"));
      g_clear_error (&error);

      path = troupe_inbox_send (fixture->workspace, "engineer", bad[i], "x", &error);
      g_assert_null (path);
      g_assert_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_UNSAFE_PATH);
      g_assert_nonnull (strstr (error->message, "the task name"));
      g_assert_nonnull (strstr (error->message, "plain file name"));
    }

  /* Nothing was created. */
  g_assert_false (ws_exists (fixture, "inbox"));
}

static void
test_send_symlink_escape (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *agent_link = ws_path (fixture, "inbox/engineer");
  g_autofree char *inbox_link = NULL;
  g_autofree char *inside = ws_path (fixture, "elsewhere");

  make_link (fixture->outside, agent_link);
  path = troupe_inbox_send (fixture->workspace, "engineer", "t", "x", &error);
  g_assert_null (path);
  g_assert_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_UNSAFE_PATH);
  g_assert_nonnull (strstr (error->message, "'inbox/engineer'"));
  g_assert_nonnull (strstr (error->message, "outside the workspace"));
  assert_outside_empty (fixture);
  g_clear_error (&error);

  /* The whole inbox folder pointing outside. */
  inbox_link = ws_path (fixture, "inbox");
  troupe_test_remove_tree (inbox_link);
  make_link (fixture->outside, inbox_link);
  path = troupe_inbox_send (fixture->workspace, "qa", "t", "x", &error);
  g_assert_null (path);
  g_assert_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_UNSAFE_PATH);
  assert_outside_empty (fixture);
  g_clear_error (&error);

  /* A link that stays inside the workspace is fine. */
  troupe_test_remove_tree (inbox_link);
  g_assert_no_errno (g_mkdir (inside, 0755));
  make_link ("elsewhere", inbox_link);
  path = troupe_inbox_send (fixture->workspace, "qa", "t", "x", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, "inbox/qa/t.task");
  assert_ws_content (fixture, "elsewhere/qa/t.task", "x");
}

/* move */

static GDateTime *
fixed_time (void)
{
  return g_date_time_new_utc (2024, 3, 5, 6, 7, 8);
}

static void
test_move (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) when = fixed_time ();
  g_autoptr(GTimeZone) zone = g_time_zone_new_offset (2 * 3600);
  g_autoptr(GDateTime) local = g_date_time_new (zone, 2024, 3, 5, 8, 7, 8);
  g_autofree char *task = NULL;
  g_autofree char *moved = NULL;

  task = troupe_inbox_send (fixture->workspace, "engineer", "design-ready", "design\n", &error);
  g_assert_no_error (error);

  moved = troupe_inbox_move_processed (fixture->workspace, task, when, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (moved, ==, "processed/20240305T060708Z/design-ready.task");
  assert_ws_content (fixture, moved, "design\n");
  g_assert_false (ws_exists (fixture, task));
  g_clear_pointer (&task, g_free);
  g_clear_pointer (&moved, g_free);

  /* The folder is named in UTC whatever zone the time is given in. */
  task = troupe_inbox_send (fixture->workspace, "qa", "review", "bad\n", &error);
  g_assert_no_error (error);
  moved = troupe_inbox_move_failed (fixture->workspace, task, local, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (moved, ==, "failed/20240305T060708Z/review.task");
  assert_ws_content (fixture, moved, "bad\n");
  g_assert_false (ws_exists (fixture, task));
  g_clear_pointer (&task, g_free);
  g_clear_pointer (&moved, g_free);

  /* Without a time, now. */
  task = troupe_inbox_send (fixture->workspace, "qa", "now", "x", &error);
  g_assert_no_error (error);
  moved = troupe_inbox_move_processed (fixture->workspace, task, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_regex_match_simple ("^processed/[0-9]{8}T[0-9]{6}Z/now\\.task$", moved, 0, 0));
}

static void
test_move_collision (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GDateTime) when = fixed_time ();
  static const char *expected[] = {
    "processed/20240305T060708Z/review.task",
    "processed/20240305T060708Z/review-1.task",
    "processed/20240305T060708Z/review-2.task",
  };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *content = g_strdup_printf ("round %u\n", i);
      g_autofree char *task = NULL;
      g_autofree char *moved = NULL;

      task = troupe_inbox_send (fixture->workspace, "qa", "review", content, &error);
      g_assert_no_error (error);
      moved = troupe_inbox_move_processed (fixture->workspace, task, when, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (moved, ==, expected[i]);
    }

  /* Nothing was overwritten. */
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *content = g_strdup_printf ("round %u\n", i);

      assert_ws_content (fixture, expected[i], content);
    }

  /* Names without an extension, and hidden ones, get the suffix at the end. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *moved = NULL;

      write_ws_file (fixture, "inbox/qa/notes", "n");
      write_ws_file (fixture, "inbox/qa/.seen", "s");
      moved = troupe_inbox_move_failed (fixture->workspace, "inbox/qa/notes", when, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (moved, ==, i == 0 ? "failed/20240305T060708Z/notes"
                                         : "failed/20240305T060708Z/notes-1");
      g_clear_pointer (&moved, g_free);
      moved = troupe_inbox_move_failed (fixture->workspace, "inbox/qa/.seen", when, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (moved, ==, i == 0 ? "failed/20240305T060708Z/.seen"
                                         : "failed/20240305T060708Z/.seen-1");
    }
}

static void
test_move_errors (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) when = fixed_time ();
  g_autofree char *moved = NULL;
  g_autofree char *processed = ws_path (fixture, "processed");

  moved = troupe_inbox_move_processed (fixture->workspace, "inbox/qa/missing.task", when, &error);
  g_assert_null (moved);
  g_assert_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "inbox/qa/missing.task"));
  g_clear_error (&error);

  moved = troupe_inbox_move_processed (fixture->workspace, "../x.task", when, &error);
  g_assert_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_UNSAFE_PATH);
  g_clear_error (&error);

  moved = troupe_inbox_move_processed (fixture->workspace, "/etc/passwd", when, &error);
  g_assert_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_UNSAFE_PATH);
  g_clear_error (&error);

  write_ws_file (fixture, "inbox/qa/folder.task/inner", "x");
  moved = troupe_inbox_move_processed (fixture->workspace, "inbox/qa/folder.task", when, &error);
  g_assert_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "not a plain file"));
  g_clear_error (&error);

  /* processed/ pointing outside the workspace. */
  write_ws_file (fixture, "inbox/qa/t.task", "x");
  make_link (fixture->outside, processed);
  moved = troupe_inbox_move_processed (fixture->workspace, "inbox/qa/t.task", when, &error);
  g_assert_null (moved);
  g_assert_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_UNSAFE_PATH);
  assert_outside_empty (fixture);
  g_assert_true (ws_exists (fixture, "inbox/qa/t.task"));
}

/* list */

static void
assert_list (Fixture            *fixture,
             const char         *glob,
             const char * const *expected)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) found = troupe_inbox_list (fixture->workspace, glob, &error);

  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpstrv (found, expected);
}

static void
test_list (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *folder = ws_path (fixture, "inbox/eng/sub.task");

  write_ws_file (fixture, "inbox/eng/b.task", "b");
  write_ws_file (fixture, "inbox/eng/a.task", "a");
  write_ws_file (fixture, "inbox/eng/c.tmp", "in flight");
  write_ws_file (fixture, "inbox/eng/d.task.tmp", "in flight");
  write_ws_file (fixture, "inbox/eng/.hidden.task", "h");
  write_ws_file (fixture, "inbox/eng/notes.txt", "n");
  write_ws_file (fixture, "inbox/eng/ab.task", "ab");
  write_ws_file (fixture, "inbox/qa/z.task", "z");
  write_ws_file (fixture, "inbox/qa/A.task", "A");
  write_ws_file (fixture, "top.task", "t");
  g_assert_no_errno (g_mkdir_with_parents (folder, 0755));

  assert_list (fixture, "inbox/eng/*.task",
               (const char *[]) { "inbox/eng/a.task", "inbox/eng/ab.task", "inbox/eng/b.task",
                                  NULL });
  /* '*' takes files only, never .tmp ones nor hidden ones. */
  assert_list (fixture, "inbox/eng/*",
               (const char *[]) { "inbox/eng/a.task", "inbox/eng/ab.task", "inbox/eng/b.task",
                                  "inbox/eng/notes.txt", NULL });
  assert_list (fixture, "inbox/eng/?.task",
               (const char *[]) { "inbox/eng/a.task", "inbox/eng/b.task", NULL });
  assert_list (fixture, "inbox/eng/.hidden.task",
               (const char *[]) { "inbox/eng/.hidden.task", NULL });
  assert_list (fixture, "inbox/eng/*.tmp", (const char *[]) { NULL });
  /* Wildcards in folders, sorted over all of them (bytewise: 'A' < 'z'). */
  assert_list (fixture, "inbox/*/?.task",
               (const char *[]) { "inbox/eng/a.task", "inbox/eng/b.task", "inbox/qa/A.task",
                                  "inbox/qa/z.task", NULL });
  assert_list (fixture, "*.task", (const char *[]) { "top.task", NULL });
  /* Spelling the glob with "./" and "//" changes nothing. */
  assert_list (fixture, "./inbox//qa/*.task",
               (const char *[]) { "inbox/qa/A.task", "inbox/qa/z.task", NULL });
  /* A folder that is not there yet has no matches. */
  assert_list (fixture, "inbox/nobody/*.task", (const char *[]) { NULL });
  assert_list (fixture, "inbox/eng/a.task/*", (const char *[]) { NULL });
}

static void
test_list_errors (Fixture       *fixture,
                  gconstpointer  data)
{
  static const char *bad[] = {
    "inbox/**/x.task", "/abs/*.task", "inbox/../x/*.task", "inbox/[ab].task", "", "inbox/eng/",
  };
  g_autofree char *agent_link = ws_path (fixture, "inbox/eng");
  g_autofree char *outside_file = g_build_filename (fixture->outside, "x.task", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) found = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      found = troupe_inbox_list (fixture->workspace, bad[i], &error);
      g_assert_null (found);
      g_assert_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_UNSAFE_PATH);
      g_clear_error (&error);
    }

  /* A folder of the glob that leads outside is an error... */
  write_file (outside_file, "x");
  make_link (fixture->outside, agent_link);
  found = troupe_inbox_list (fixture->workspace, "inbox/eng/*.task", &error);
  g_assert_null (found);
  g_assert_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_UNSAFE_PATH);
  g_clear_error (&error);

  /* ...and one a wildcard picks is no match; nor is a file link leading
   * outside. */
  {
    g_autofree char *file_link = ws_path (fixture, "inbox/qa/y.task");

    write_ws_file (fixture, "inbox/qa/a.task", "a");
    make_link (outside_file, file_link);
    assert_list (fixture, "inbox/*/*.task", (const char *[]) { "inbox/qa/a.task", NULL });
  }
}

/* wait */

typedef struct
{
  GAsyncResult *result;
  guint         n_calls;
} WaitResult;

static void
wait_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  WaitResult *wait = user_data;

  wait->n_calls++;
  g_set_object (&wait->result, result);
}

static void
start_wait (Fixture      *fixture,
            WaitResult   *wait,
            const char   *glob,
            guint         min_count,
            gint64        timeout_ms,
            gint64        poll_ms,
            GCancellable *cancellable)
{
  memset (wait, 0, sizeof *wait);
  troupe_inbox_wait_async (fixture->workspace, glob, min_count, timeout_ms, poll_ms,
                           cancellable, wait_done_cb, wait);
  /* Never from inside the call. */
  g_assert_cmpuint (wait->n_calls, ==, 0);
}

static GStrv
finish_wait (Fixture     *fixture,
             WaitResult  *wait,
             GError     **error)
{
  GStrv found;

  while (wait->result == NULL)
    g_main_context_iteration (fixture->context, TRUE);
  g_assert_cmpuint (wait->n_calls, ==, 1);

  found = troupe_inbox_wait_finish (wait->result, error);

  /* Every source the wait attached is gone: only we hold the task. */
  g_object_add_weak_pointer (G_OBJECT (wait->result), (gpointer *) &wait->result);
  g_object_unref (wait->result);
  while (g_main_context_iteration (fixture->context, FALSE))
    ;
  g_assert_null (wait->result);

  return found;
}

static GStrv
run_wait (Fixture       *fixture,
          const char    *glob,
          guint          min_count,
          gint64         timeout_ms,
          gint64         poll_ms,
          GCancellable  *cancellable,
          GError       **error)
{
  WaitResult wait;

  start_wait (fixture, &wait, glob, min_count, timeout_ms, poll_ms, cancellable);
  return finish_wait (fixture, &wait, error);
}

static void
add_timeout (Fixture     *fixture,
             guint        ms,
             GSourceFunc  func,
             gpointer     data)
{
  g_autoptr(GSource) source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, fixture->context);
}

typedef struct
{
  Fixture    *fixture;
  const char *agent;
  const char *name;
} Send;

static gboolean
send_cb (gpointer user_data)
{
  Send *send = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  path = troupe_inbox_send (send->fixture->workspace, send->agent, send->name, "x\n", &error);
  g_assert_no_error (error);

  return G_SOURCE_REMOVE;
}

/* Writes the task elsewhere and renames it in, as other programs do. */
static gboolean
rename_in_cb (gpointer user_data)
{
  Send *send = user_data;
  g_autofree char *staged = ws_path (send->fixture, "staging/task");
  g_autofree char *relative = g_strdup_printf ("inbox/%s/%s.task", send->agent, send->name);
  g_autofree char *target = ws_path (send->fixture, relative);

  write_file (staged, "x\n");
  g_assert_no_errno (g_rename (staged, target));

  return G_SOURCE_REMOVE;
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_wait_present (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) found = NULL;

  write_ws_file (fixture, "inbox/eng/2.task", "2");
  write_ws_file (fixture, "inbox/eng/1.task", "1");
  write_ws_file (fixture, "inbox/eng/3.tmp", "3");

  found = run_wait (fixture, "inbox/eng/*.task", 2, 60000, 60000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (found, ((const char *[]) { "inbox/eng/1.task", "inbox/eng/2.task", NULL }));
}

static void
test_wait_later (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) found = NULL;
  Send first = { fixture, "engineer", "feedback-1" };
  Send second = { fixture, "engineer", "feedback-2" };
  Send other = { fixture, "qa", "not-this" };

  add_timeout (fixture, 30, send_cb, &other);
  add_timeout (fixture, 50, send_cb, &first);
  add_timeout (fixture, 150, send_cb, &second);

  /* Two are wanted: the first alone does not end the wait. */
  found = run_wait (fixture, "inbox/engineer/*.task", 2, 10000, 50, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (found, ((const char *[]) { "inbox/engineer/feedback-1.task",
                                               "inbox/engineer/feedback-2.task", NULL }));
}

static void
test_wait_creates_folder (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) found = NULL;
  WaitResult wait;

  start_wait (fixture, &wait, "inbox/nobody/*.task", 1, 0, 60000, cancellable);
  g_assert_true (ws_exists (fixture, "inbox/nobody"));
  g_cancellable_cancel (cancellable);
  found = finish_wait (fixture, &wait, &error);
  g_assert_null (found);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* With polling every minute, only the monitor can notice the file in time;
 * with the monitor off, only polling can. Both ways must work, and each
 * must really be the one doing it. */
static void
test_wait_monitor (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_auto(GStrv) found = NULL;
  Send send = { fixture, "engineer", "by-monitor" };
  Send moved = { fixture, "engineer", "moved-in" };
  gint64 start = g_get_monotonic_time ();

  add_timeout (fixture, 50, send_cb, &send);
  add_timeout (fixture, 20000, cancel_cb, cancellable);
  found = run_wait (fixture, "inbox/engineer/*.task", 1, 0, 60000, cancellable, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (found, ((const char *[]) { "inbox/engineer/by-monitor.task", NULL }));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 15 * G_USEC_PER_SEC);
  g_clear_pointer (&found, g_strfreev);

  /* A rename into the folder from another one is seen too. */
  add_timeout (fixture, 50, rename_in_cb, &moved);
  found = run_wait (fixture, "inbox/engineer/*.task", 2, 0, 60000, cancellable, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (found, ((const char *[]) { "inbox/engineer/by-monitor.task",
                                               "inbox/engineer/moved-in.task", NULL }));
}

static void
test_wait_polling (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_auto(GStrv) found = NULL;
  Send early = { fixture, "engineer", "unseen" };
  Send moved = { fixture, "engineer", "polled" };

  _troupe_inbox_set_monitor_enabled (FALSE);

  /* The monitor is really off: a file that arrives is not noticed before
   * the next poll, a minute away; the wait is cancelled first. */
  add_timeout (fixture, 30, send_cb, &early);
  add_timeout (fixture, 600, cancel_cb, cancellable);
  found = run_wait (fixture, "inbox/engineer/*.task", 1, 0, 60000, cancellable, &error);
  g_assert_null (found);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Polling alone finds files, renamed in from elsewhere as well. */
  add_timeout (fixture, 50, rename_in_cb, &moved);
  found = run_wait (fixture, "inbox/engineer/*.task", 2, 10000, 20, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (found, ((const char *[]) { "inbox/engineer/polled.task",
                                               "inbox/engineer/unseen.task", NULL }));
}

static void
test_wait_timeout (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) found = NULL;

  found = run_wait (fixture, "inbox/engineer/*.task", 1, 100, 20, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_TIMEOUT);
  g_assert_true (g_str_has_prefix (error->message,
                                   "waited 100ms for inbox/engineer/*.task: 0 of 1 files arrived"));
  g_clear_error (&error);

  write_ws_file (fixture, "inbox/engineer/one.task", "1");
  found = run_wait (fixture, "inbox/engineer/*.task", 3, 1000, 0, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_TIMEOUT);
  g_assert_true (g_str_has_prefix (error->message,
                                   "waited 1s for inbox/engineer/*.task: 1 of 3 files arrived"));
}

static void
test_wait_cancel (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_auto(GStrv) found = NULL;

  add_timeout (fixture, 50, cancel_cb, cancellable);
  found = run_wait (fixture, "inbox/engineer/*.task", 1, 60000, 20, cancellable, &error);
  g_assert_null (found);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Cancelled before it starts, even with the files there. */
  write_ws_file (fixture, "inbox/engineer/one.task", "1");
  g_cancellable_cancel (cancelled);
  found = run_wait (fixture, "inbox/engineer/*.task", 1, 60000, 20, cancelled, &error);
  g_assert_null (found);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Replaces the watched folder with a link to a folder outside the
 * workspace that holds a matching file. */
static gboolean
swap_cb (gpointer user_data)
{
  Fixture *fixture = user_data;
  g_autofree char *folder = ws_path (fixture, "inbox/engineer");
  g_autofree char *bait = g_build_filename (fixture->outside, "bait.task", NULL);

  write_file (bait, "x");
  troupe_test_remove_tree (folder);
  g_assert_no_errno (symlink (fixture->outside, folder));

  return G_SOURCE_REMOVE;
}

static void
test_wait_unsafe (Fixture       *fixture,
                  gconstpointer  data)
{
  for (guint monitored = 0; monitored < 2; monitored++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) found = NULL;
      g_autofree char *folder = ws_path (fixture, "inbox/engineer");
      g_autofree char *bait = g_build_filename (fixture->outside, "bait.task", NULL);

      troupe_test_remove_tree (folder);
      g_unlink (bait);
      _troupe_inbox_set_monitor_enabled (monitored);

      add_timeout (fixture, 50, swap_cb, fixture);
      found = run_wait (fixture, "inbox/engineer/*.task", 1, 10000, 20, NULL, &error);
      g_assert_null (found);
      g_assert_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_UNSAFE_PATH);
      g_assert_nonnull (strstr (error->message, "outside the workspace"));
      g_clear_error (&error);

      /* Refused from the start too. */
      found = run_wait (fixture, "inbox/engineer/*.task", 1, 10000, 20, NULL, &error);
      g_assert_null (found);
      g_assert_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_UNSAFE_PATH);
    }

  {
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) found = run_wait (fixture, "inbox/**/x", 1, 100, 20, NULL, &error);

    g_assert_null (found);
    g_assert_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_UNSAFE_PATH);
  }
}

static void
test_wait_wildcard_folders (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) found = NULL;
  Send send = { fixture, "qa", "deep" };

  /* The monitor watches inbox/ only; polling finds the file below. */
  add_timeout (fixture, 50, send_cb, &send);
  found = run_wait (fixture, "inbox/*/*.task", 1, 10000, 20, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (found, ((const char *[]) { "inbox/qa/deep.task", NULL }));
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/troupe/inbox/send", test_send);
  ADD ("/troupe/inbox/send-again", test_send_again);
  ADD ("/troupe/inbox/send-stale-tmp", test_send_stale_tmp);
  ADD ("/troupe/inbox/send-bad-names", test_send_bad_names);
  ADD ("/troupe/inbox/send-symlink-escape", test_send_symlink_escape);
  ADD ("/troupe/inbox/move", test_move);
  ADD ("/troupe/inbox/move-collision", test_move_collision);
  ADD ("/troupe/inbox/move-errors", test_move_errors);
  ADD ("/troupe/inbox/list", test_list);
  ADD ("/troupe/inbox/list-errors", test_list_errors);
  ADD ("/troupe/inbox/wait-present", test_wait_present);
  ADD ("/troupe/inbox/wait-later", test_wait_later);
  ADD ("/troupe/inbox/wait-creates-folder", test_wait_creates_folder);
  ADD ("/troupe/inbox/wait-monitor", test_wait_monitor);
  ADD ("/troupe/inbox/wait-polling", test_wait_polling);
  ADD ("/troupe/inbox/wait-timeout", test_wait_timeout);
  ADD ("/troupe/inbox/wait-cancel", test_wait_cancel);
  ADD ("/troupe/inbox/wait-unsafe", test_wait_unsafe);
  ADD ("/troupe/inbox/wait-wildcard-folders", test_wait_wildcard_folders);

  return g_test_run ();
}
