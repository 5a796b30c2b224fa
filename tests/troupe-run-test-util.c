/* troupe-run-test-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "troupe-run-test-util.h"
#include "troupe-test-util.h"

/* --- the fake CLIs --------------------------------------------------------- */

char *
troupe_test_setup_fake_cli (void)
{
  g_autoptr(GError) error = NULL;
  const char * const names[] = { "fake-cli.sh", "claude", "gemini", "codex" };
  g_autofree char *path = NULL;
  g_autofree char *bin_dir = NULL;

  bin_dir = g_dir_make_tmp ("troupe-fake-cli-XXXXXX", &error);
  g_assert_no_error (error);

  /* Copies, made executable here: the tests do not depend on the file
   * modes of the source tree. */
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *source = g_test_build_filename (G_TEST_DIST, "fake-cli", names[i], NULL);
      g_autofree char *target = g_build_filename (bin_dir, names[i], NULL);
      g_autofree char *contents = troupe_test_read_file (source, NULL);

      troupe_test_write_file (target, contents);
      g_assert_cmpint (g_chmod (target, 0755), ==, 0);
    }

  path = g_strdup_printf ("%s:%s", bin_dir, g_getenv ("PATH") ? g_getenv ("PATH") : "/usr/bin:/bin");
  g_setenv ("PATH", path, TRUE);
  return g_steal_pointer (&bin_dir);
}

void
troupe_test_reset_fake_env (void)
{
  g_auto(GStrv) names = g_listenv ();

  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_has_prefix (names[i], "FAKE_CLI_"))
      g_unsetenv (names[i]);
}

void
troupe_test_fake_env (const char *name,
                      const char *value)
{
  g_assert_true (g_setenv (name, value, TRUE));
}

char *
troupe_test_record_id (const char *instance)
{
  char *sid = g_strdup (instance);

  for (char *p = sid; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      *p = '_';
  return sid;
}

/* --- a workspace per test ------------------------------------------------ */

Ws *
troupe_test_ws_new (void)
{
  g_autoptr(GError) error = NULL;
  Ws *ws = g_new0 (Ws, 1);

  ws->top = g_dir_make_tmp ("troupe-run-XXXXXX", &error);
  g_assert_no_error (error);
  ws->root = g_build_filename (ws->top, "ws", NULL);
  ws->rec = g_build_filename (ws->top, "rec", NULL);
  g_assert_cmpint (g_mkdir (ws->root, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (ws->rec, 0755), ==, 0);

  troupe_test_reset_fake_env ();
  troupe_test_fake_env ("FAKE_CLI_RECORD_DIR", ws->rec);
  return ws;
}

void
troupe_test_ws_free (Ws *ws)
{
  troupe_test_reset_fake_env ();
  troupe_test_remove_tree (ws->top);
  g_free (ws->top);
  g_free (ws->root);
  g_free (ws->rec);
  g_free (ws);
}

char *
troupe_test_ws_path (Ws         *ws,
                     const char *relative)
{
  return g_build_filename (ws->root, relative, NULL);
}

TroupeWorkflow *
troupe_test_ws_load (Ws         *ws,
                     const char *yaml)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = troupe_test_ws_path (ws, "flow.yaml");
  TroupeWorkflow *workflow;

  troupe_test_write_file (path, yaml);
  workflow = troupe_workflow_new_from_file (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (workflow);
  return workflow;
}

guint
troupe_test_fake_calls (Ws         *ws,
                        const char *instance)
{
  g_autofree char *sid = troupe_test_record_id (instance);
  g_autofree char *name = g_strdup_printf ("%s.calls", sid);
  g_autofree char *path = g_build_filename (ws->rec, name, NULL);
  g_autofree char *contents = NULL;
  guint n = 0;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  for (const char *p = contents; *p; p++)
    n += *p == '\n';
  return n;
}

/* --- running ------------------------------------------------------------- */

void
troupe_test_runner_free (Runner *r)
{
  g_clear_object (&r->run);
  g_clear_pointer (&r->loop, g_main_loop_unref);
  g_clear_pointer (&r->events, g_ptr_array_unref);
  g_free (r);
}

static void
on_event_cb (TroupeRun  *run,
             JsonObject *event,
             Runner     *r)
{
  g_ptr_array_add (r->events, json_object_ref (event));
  if (r->hook != NULL)
    r->hook (r, event);
}

static void
on_finished_cb (TroupeRun *run,
                Runner    *r)
{
  g_assert_false (r->finished);
  r->finished = TRUE;
  r->finished_mono = g_get_monotonic_time ();
  g_main_loop_quit (r->loop);
}

static gboolean
on_safety_timeout_cb (gpointer user_data)
{
  Runner *r = user_data;

  r->timed_out = TRUE;
  g_main_loop_quit (r->loop);
  return G_SOURCE_REMOVE;
}

Runner *
troupe_test_runner_new (TroupeRun *run)
{
  Runner *r = g_new0 (Runner, 1);

  r->run = run;
  r->loop = g_main_loop_new (NULL, FALSE);
  r->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  r->timeout_ms = TROUPE_TEST_RUN_TIMEOUT_MS;
  g_signal_connect (run, "event", G_CALLBACK (on_event_cb), r);
  g_signal_connect (run, "finished", G_CALLBACK (on_finished_cb), r);
  return r;
}

void
troupe_test_runner_run (Runner *r)
{
  guint safety = g_timeout_add (r->timeout_ms, on_safety_timeout_cb, r);

  r->started_mono = g_get_monotonic_time ();
  troupe_run_start (r->run);
  if (!r->finished)
    g_main_loop_run (r->loop);
  if (!r->timed_out)
    g_source_remove (safety);

  if (!r->finished)
    {
      g_autofree char *id = g_strdup (troupe_run_get_id (r->run));

      /* Stop what still runs before failing, so nothing outlives us. */
      g_object_run_dispose (G_OBJECT (r->run));
      g_error ("run %s did not finish within %u ms", id, r->timeout_ms);
    }
  g_assert_true (troupe_run_is_finished (r->run));
}

static void
quit_on_finished_cb (TroupeRun *run,
                     GMainLoop *loop)
{
  g_main_loop_quit (loop);
}

void
troupe_test_run_until_finished (TroupeRun *run)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  gulong handler = g_signal_connect (run, "finished", G_CALLBACK (quit_on_finished_cb), loop);

  troupe_run_start (run);
  /* A run with nothing to do can finish inside troupe_run_start(). */
  if (!troupe_run_is_finished (run))
    g_main_loop_run (loop);
  g_signal_handler_disconnect (run, handler);
}

GPtrArray *
troupe_test_parse_events (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      if (lines[i][0] == '\0')
        continue;
      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
      g_ptr_array_add (events, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
    }
  return events;
}

JsonObject *
troupe_test_find_event (GPtrArray  *events,
                        const char *name,
                        const char *instance,
                        guint       nth)
{
  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (events, i);

      if (!g_str_equal (json_object_get_string_member (event, "event"), name))
        continue;
      if (instance != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (event, "instance", NULL), instance) != 0)
        continue;
      if (nth-- == 0)
        return event;
    }
  return NULL;
}

guint
troupe_test_count_events (GPtrArray  *events,
                          const char *name,
                          const char *instance)
{
  guint n = 0;

  while (troupe_test_find_event (events, name, instance, n) != NULL)
    n++;
  return n;
}

TroupeStepRecord *
troupe_test_step_record (TroupeRun  *run,
                         const char *instance)
{
  TroupeStepRecord *rec = troupe_run_record_lookup (troupe_run_get_record (run), instance);

  if (rec == NULL)
    g_error ("the run has no record of '%s'", instance);
  return rec;
}

void
troupe_test_assert_step_status (TroupeRun        *run,
                                const char       *instance,
                                TroupeStepStatus  status)
{
  TroupeStepRecord *rec = troupe_test_step_record (run, instance);

  if (rec->status != status)
    g_error ("step '%s' is %s (%s), expected %s", instance,
             troupe_enum_to_nick (TROUPE_TYPE_STEP_STATUS, rec->status),
             rec->reason ? rec->reason : "no reason",
             troupe_enum_to_nick (TROUPE_TYPE_STEP_STATUS, status));
}

void
troupe_test_assert_run_status (TroupeRun       *run,
                               TroupeRunStatus  status)
{
  TroupeRunRecord *record = troupe_run_get_record (run);
  GPtrArray *steps;

  if (troupe_run_get_status (run) == status)
    return;

  steps = troupe_run_record_get_steps (record);
  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStepRecord *rec = g_ptr_array_index (steps, i);

      g_printerr ("%s: %s (%s)\n", rec->instance, troupe_enum_to_nick (TROUPE_TYPE_STEP_STATUS, rec->status),
                  rec->reason ? rec->reason : "");
    }
  g_error ("run is %s (%s), expected %s",
           troupe_enum_to_nick (TROUPE_TYPE_RUN_STATUS, troupe_run_get_status (run)),
           troupe_run_record_get_reason (record) ? troupe_run_record_get_reason (record) : "no reason",
           troupe_enum_to_nick (TROUPE_TYPE_RUN_STATUS, status));
}
