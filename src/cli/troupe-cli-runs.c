/* troupe-cli-runs.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "troupe-cli-progress.h"
#include "troupe-cli.h"

/* `troupe runs` and `troupe logs`: they read run records without locking
 * them, so they work while a run goes on in another terminal. */

static char *
run_dir (const char *workspace,
         const char *run_id)
{
  return g_build_filename (workspace, ".troupe", "runs", run_id, NULL);
}

typedef struct
{
  guint done;
  guint total;
} StepCounts;

static StepCounts
count_steps (TroupeRunRecord *record)
{
  GPtrArray *steps = troupe_run_record_get_steps (record);
  StepCounts counts = { 0, 0 };
  guint main_seen = 0;

  /* Steps, not for_each items: a for_each step is done when all its
   * items are. */
  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStepRecord *rec = g_ptr_array_index (steps, i);

      if (rec->index >= 0)
        continue;
      main_seen++;
      if (rec->status == TROUPE_STEP_STATUS_SUCCEEDED)
        counts.done++;
    }

  counts.total = MAX (troupe_run_record_get_n_steps (record), main_seen);
  return counts;
}

/* Milliseconds the run took: its last session's wall time when it
 * finished, else from its start to its end; -1 when not known. */
static gint64
run_duration_ms (TroupeRunRecord *record)
{
  JsonObject *metrics = troupe_run_record_get_metrics (record);
  gint64 started = troupe_run_record_get_started (record);
  gint64 finished = troupe_run_record_get_finished (record);

  if (metrics != NULL && json_object_has_member (metrics, "wall_ms"))
    return json_object_get_int_member (metrics, "wall_ms");
  if (started > 0 && finished >= started)
    return (finished - started) / 1000;
  return -1;
}

/* The status to show: a record that says the run is running while nobody
 * holds its lock lost its runner without a word (SIGKILL, a crash): it is
 * interrupted, and resumable, like a run whose runner said so. */
static TroupeRunStatus
shown_status (const char       *workspace,
              TroupeRunRecord  *record,
              const char      **reason)
{
  TroupeRunStatus status = troupe_run_record_get_status (record);

  *reason = troupe_run_record_get_reason (record);
  if (status == TROUPE_RUN_STATUS_RUNNING && troupe_run_record_get_id (record) != NULL &&
      !troupe_run_store_is_locked (workspace, troupe_run_record_get_id (record)))
    {
      *reason = _("the runner stopped before the run finished");
      return TROUPE_RUN_STATUS_INTERRUPTED;
    }
  return status;
}

static char *
iso8601 (gint64 wall_us)
{
  g_autoptr(GDateTime) time = NULL;

  if (wall_us <= 0)
    return NULL;
  time = g_date_time_new_from_unix_utc (wall_us / G_USEC_PER_SEC);
  return time != NULL ? g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

static void
add_string_or_null (JsonBuilder *builder,
                    const char  *member,
                    const char  *value)
{
  json_builder_set_member_name (builder, member);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static guint
cells (const char *text)
{
  return g_utf8_strlen (text, -1);
}

/* Prints @text and pads it to @width cells (printf counts bytes). */
static void
print_cell (const char *text,
            guint       width)
{
  fputs (text, stdout);
  for (guint n = cells (text); n < width; n++)
    fputc (' ', stdout);
}

static void
print_table (GPtrArray *rows,
             guint      n_columns)
{
  g_autofree guint *widths = g_new0 (guint, n_columns);

  for (guint r = 0; r < rows->len; r++)
    {
      char **row = g_ptr_array_index (rows, r);

      for (guint c = 0; c < n_columns; c++)
        widths[c] = MAX (widths[c], cells (row[c]));
    }

  for (guint r = 0; r < rows->len; r++)
    {
      char **row = g_ptr_array_index (rows, r);
      guint last = n_columns;

      /* No trailing blanks: the last cell that has text ends the line. */
      while (last > 0 && *row[last - 1] == '\0')
        last--;
      for (guint c = 0; c < last; c++)
        {
          if (c + 1 < last)
            {
              print_cell (row[c], widths[c]);
              fputs ("  ", stdout);
            }
          else
            fputs (row[c], stdout);
        }
      fputc ('\n', stdout);
    }
}

static char **
row_new (guint n, ...)
{
  char **row = g_new0 (char *, n + 1);
  va_list args;

  va_start (args, n);
  for (guint i = 0; i < n; i++)
    {
      const char *text = va_arg (args, const char *);

      row[i] = g_strdup (text != NULL ? text : "");
    }
  va_end (args);

  return row;
}

static gboolean
finish_stdout (const TroupeCliCommand *command)
{
  return troupe_cli_write_stdout (command, "", 0);
}

static gboolean
write_json (const TroupeCliCommand *command,
            JsonNode               *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  gsize length = 0;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);
  return troupe_cli_write_stdout (command, text, length) &&
         troupe_cli_write_stdout (command, "\n", 1);
}

/* troupe runs */

int
troupe_cli_runs (const TroupeCliCommand  *command,
                 int                      argc,
                 char                   **argv)
{
  g_auto(GStrv) args = NULL;
  g_autofree char *workspace = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  gboolean json = FALSE;
  int status;
  const GOptionEntry entries[] = {
    { "workspace", 'w', 0, G_OPTION_ARG_FILENAME, &workspace,
      N_("The workspace whose runs to list (default: the current folder)"), N_("DIR") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print the runs as one JSON document"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!troupe_cli_parse_options (command, entries, NULL,
                                 _("Lists the runs recorded in WORKSPACE/.troupe/runs/, newest first:\n"
                                   "id, workflow, status, start (local time), duration, steps done out\n"
                                   "of the workflow's, and why a run did not succeed. A run whose runner\n"
                                   "was killed shows as interrupted: resume it with 'troupe resume RUN'.\n"
                                   "\n"
                                   "Exit status: 0, or 2 on a usage error."),
                                 argc, argv, &status))
    return status;

  if (args != NULL && args[0] != NULL)
    return troupe_cli_usage_error (command, _("'runs' takes no argument; use --workspace DIR to name a workspace"));

  if (workspace == NULL)
    workspace = g_get_current_dir ();

  runs = troupe_run_store_list (workspace);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "runs");
      json_builder_begin_array (builder);
      for (guint i = 0; i < runs->len; i++)
        {
          TroupeRunRecord *record = g_ptr_array_index (runs, i);
          StepCounts counts = count_steps (record);
          g_autofree char *started = iso8601 (troupe_run_record_get_started (record));
          g_autofree char *finished = iso8601 (troupe_run_record_get_finished (record));
          gint64 duration = run_duration_ms (record);
          const char *reason = NULL;
          TroupeRunStatus run_status = shown_status (workspace, record, &reason);

          json_builder_begin_object (builder);
          add_string_or_null (builder, "id", troupe_run_record_get_id (record));
          add_string_or_null (builder, "workflow", troupe_run_record_get_workflow_name (record));
          json_builder_set_member_name (builder, "status");
          json_builder_add_string_value (builder, troupe_enum_to_nick (TROUPE_TYPE_RUN_STATUS, run_status));
          add_string_or_null (builder, "reason", reason);
          add_string_or_null (builder, "started", started);
          add_string_or_null (builder, "finished", finished);
          json_builder_set_member_name (builder, "duration_ms");
          if (duration >= 0)
            json_builder_add_int_value (builder, duration);
          else
            json_builder_add_null_value (builder);
          json_builder_set_member_name (builder, "steps_done");
          json_builder_add_int_value (builder, counts.done);
          json_builder_set_member_name (builder, "steps_total");
          json_builder_add_int_value (builder, counts.total);
          json_builder_set_member_name (builder, "sessions");
          json_builder_add_int_value (builder, troupe_run_record_get_session (record));
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);

      root = json_builder_get_root (builder);
      return write_json (command, root) ? TROUPE_CLI_EXIT_OK : TROUPE_CLI_EXIT_INVALID;
    }

  if (runs->len == 0)
    {
      printf (_("No runs in %s yet; start one with: troupe run FILE\n"), workspace);
      return finish_stdout (command) ? TROUPE_CLI_EXIT_OK : TROUPE_CLI_EXIT_INVALID;
    }

  {
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

    g_ptr_array_add (rows, row_new (7, _("RUN"), _("WORKFLOW"), _("STATUS"), _("STARTED"),
                                    _("DURATION"), _("STEPS"), _("REASON")));
    for (guint i = 0; i < runs->len; i++)
      {
        TroupeRunRecord *record = g_ptr_array_index (runs, i);
        StepCounts counts = count_steps (record);
        g_autofree char *started = troupe_cli_format_local_time (troupe_run_record_get_started (record));
        g_autofree char *steps = g_strdup_printf ("%u/%u", counts.done, counts.total);
        g_autofree char *workflow = troupe_cli_truncate (troupe_run_record_get_workflow_name (record) ?: "", 30);
        g_autofree char *duration = NULL;
        const char *reason = NULL;
        TroupeRunStatus run_status = shown_status (workspace, record, &reason);
        gint64 ms = run_duration_ms (record);

        duration = ms >= 0 ? troupe_cli_format_duration (ms * 1000) : g_strdup ("-");
        g_ptr_array_add (rows, row_new (7, troupe_run_record_get_id (record), workflow,
                                        troupe_enum_to_nick (TROUPE_TYPE_RUN_STATUS, run_status),
                                        started, duration, steps,
                                        run_status == TROUPE_RUN_STATUS_SUCCEEDED ? NULL : reason));
      }
    print_table (rows, 7);
  }

  return finish_stdout (command) ? TROUPE_CLI_EXIT_OK : TROUPE_CLI_EXIT_INVALID;
}

/* troupe logs */

/* The log of another attempt: logs are "logs/<instance>.<attempt>.<stream>"
 * (see the README's run records), so the attempt is swapped in the last
 * attempt's path. */
static char *
log_for_attempt (const char *last_log,
                 guint       attempt)
{
  const char *stream_dot = strrchr (last_log, '.');
  const char *attempt_dot;

  if (stream_dot == NULL)
    return NULL;
  for (attempt_dot = stream_dot - 1; attempt_dot > last_log && *attempt_dot != '.'; attempt_dot--)
    ;
  if (attempt_dot <= last_log)
    return NULL;

  return g_strdup_printf ("%.*s.%u%s", (int) (attempt_dot - last_log), last_log, attempt, stream_dot);
}

/* Copies the file at @path to the standard output, in pieces, so a log of
 * gigabytes costs no memory. */
static gboolean
cat_file (const TroupeCliCommand *command,
          const char             *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, &error);
  char buffer[65536];

  if (in == NULL)
    {
      troupe_cli_error (command, _("Cannot read %s: %s"), path, error->message);
      return FALSE;
    }

  for (;;)
    {
      gssize n = g_input_stream_read (G_INPUT_STREAM (in), buffer, sizeof buffer, NULL, &error);

      if (n < 0)
        {
          troupe_cli_error (command, _("Cannot read %s: %s"), path, error->message);
          return FALSE;
        }
      if (n == 0)
        break;
      if (!troupe_cli_write_stdout (command, buffer, n))
        return FALSE;
    }

  return TRUE;
}

static void
print_unknown_step (const TroupeCliCommand *command,
                    TroupeRunRecord        *record,
                    const char             *instance)
{
  GPtrArray *steps = troupe_run_record_get_steps (record);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autofree char *list = NULL;
  const char *suggestion;

  for (guint i = 0; i < steps->len; i++)
    g_ptr_array_add (names, ((TroupeStepRecord *) g_ptr_array_index (steps, i))->instance);
  g_ptr_array_add (names, NULL);

  suggestion = troupe_suggest (instance, (const char * const *) names->pdata);
  list = g_strjoinv (", ", (char **) names->pdata);
  if (suggestion != NULL)
    troupe_cli_error (command, _("Run %s has no step '%s'; did you mean '%s'?"),
                      troupe_run_record_get_id (record), instance, suggestion);
  else if (names->len > 1)
    troupe_cli_error (command, _("Run %s has no step '%s'; its steps are: %s"),
                      troupe_run_record_get_id (record), instance, list);
  else
    troupe_cli_error (command, _("Run %s has no step '%s'; none of its steps has started yet"),
                      troupe_run_record_get_id (record), instance);
}

static int
print_step_list (const TroupeCliCommand *command,
                 const char             *workspace,
                 TroupeRunRecord        *record)
{
  g_autofree char *dir = run_dir (workspace, troupe_run_record_get_id (record));
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  GPtrArray *steps = troupe_run_record_get_steps (record);
  const char *reason = NULL;
  TroupeRunStatus status = shown_status (workspace, record, &reason);
  const char *workflow = troupe_run_record_get_workflow_name (record);

  printf (_("Run %s (%s): %s%s%s\n"), troupe_run_record_get_id (record), workflow ? workflow : "",
          troupe_enum_to_nick (TROUPE_TYPE_RUN_STATUS, status),
          reason ? ": " : "", reason ? reason : "");
  printf (_("Files in %s%s\n\n"), dir, G_DIR_SEPARATOR_S);

  g_ptr_array_add (rows, row_new (6, _("STEP"), _("STATUS"), _("ATTEMPTS"), _("STDOUT"), _("STDERR"),
                                  _("REASON")));
  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStepRecord *rec = g_ptr_array_index (steps, i);
      g_autofree char *attempts = g_strdup_printf ("%u", rec->attempts);

      g_ptr_array_add (rows, row_new (6, rec->instance,
                                      troupe_enum_to_nick (TROUPE_TYPE_STEP_STATUS, rec->status),
                                      attempts,
                                      rec->log_out ? rec->log_out : "-",
                                      rec->log_err ? rec->log_err : "-",
                                      rec->status == TROUPE_STEP_STATUS_SUCCEEDED ? NULL : rec->reason));
    }
  print_table (rows, 6);

  return finish_stdout (command) ? TROUPE_CLI_EXIT_OK : TROUPE_CLI_EXIT_INVALID;
}

int
troupe_cli_logs (const TroupeCliCommand  *command,
                 int                      argc,
                 char                   **argv)
{
  g_auto(GStrv) args = NULL;
  g_autofree char *workspace = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *relative = NULL;
  g_autofree char *path = NULL;
  g_autoptr(TroupeRunRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  TroupeStepRecord *rec;
  const char *last_log;
  gboolean err = FALSE;
  int attempt = 0;
  int status;
  const GOptionEntry entries[] = {
    { "workspace", 'w', 0, G_OPTION_ARG_FILENAME, &workspace,
      N_("The workspace the run is in (default: the current folder)"), N_("DIR") },
    { "err", 'e', 0, G_OPTION_ARG_NONE, &err,
      N_("Print the standard error log instead of the standard output one"), NULL },
    { "attempt", 'a', 0, G_OPTION_ARG_INT, &attempt,
      N_("Print the log of attempt N (default: the last)"), N_("N") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!troupe_cli_parse_options (command, entries, _("RUN [STEP]"),
                                 _("Without STEP, lists every step of the run with its status, its\n"
                                   "attempts and where its logs are. With STEP, prints what the step\n"
                                   "wrote on its standard output in its last attempt (--err: on its\n"
                                   "standard error; --attempt N: in attempt N). A step that runs no\n"
                                   "process (the mock provider, send, wait) has no log: its output is\n"
                                   "printed instead. A for_each item is named as in 'review[2]'.\n"
                                   "A stream that printed nothing has no log file, and prints nothing.\n"
                                   "\n"
                                   "Exit status: 0, 1 when the run or the step does not exist, 2 on a\n"
                                   "usage error."),
                                 argc, argv, &status))
    return status;

  if (args == NULL || args[0] == NULL)
    return troupe_cli_usage_error (command, _("Name a run ('troupe runs' lists them), and optionally a step"));
  if (args[1] != NULL && args[2] != NULL)
    return troupe_cli_usage_error (command, _("Name one run and at most one step; '%s' is one too many"), args[2]);
  if (attempt < 0)
    return troupe_cli_usage_error (command, _("--attempt takes a number from 1, not %d"), attempt);
  if ((attempt > 0 || err) && args[1] == NULL)
    return troupe_cli_usage_error (command, _("--err and --attempt need a STEP"));

  if (workspace == NULL)
    workspace = g_get_current_dir ();

  record = troupe_run_store_load_record (workspace, args[0], &error);
  if (record == NULL)
    {
      troupe_cli_error (command, "%s", error->message);
      return TROUPE_CLI_EXIT_INVALID;
    }

  if (args[1] == NULL)
    return print_step_list (command, workspace, record);

  rec = troupe_run_record_lookup (record, args[1]);
  if (rec == NULL)
    {
      print_unknown_step (command, record, args[1]);
      return TROUPE_CLI_EXIT_INVALID;
    }

  if (rec->attempts == 0)
    {
      troupe_cli_error (command, _("Step '%s' of run %s has not run (it is %s), so it has no log"),
                        rec->instance, troupe_run_record_get_id (record),
                        troupe_enum_to_nick (TROUPE_TYPE_STEP_STATUS, rec->status));
      return TROUPE_CLI_EXIT_INVALID;
    }
  if (attempt > 0 && (guint) attempt > rec->attempts)
    {
      troupe_cli_error (command, _("Step '%s' has no attempt %d; its attempts are 1 to %u"),
                        rec->instance, attempt, rec->attempts);
      return TROUPE_CLI_EXIT_INVALID;
    }

  dir = run_dir (workspace, troupe_run_record_get_id (record));
  last_log = err ? rec->log_err : rec->log_out;

  if (last_log == NULL)
    {
      /* The mock provider, send and wait run in the engine: what they
       * produced is their output. */
      if (!err && attempt == 0 && rec->output_path != NULL)
        {
          path = g_build_filename (dir, rec->output_path, NULL);
          return cat_file (command, path) ? TROUPE_CLI_EXIT_OK : TROUPE_CLI_EXIT_INVALID;
        }
      troupe_cli_error (command, _("Step '%s' of run %s runs no process, so it has no %s log"),
                        rec->instance, troupe_run_record_get_id (record), err ? "stderr" : "stdout");
      return TROUPE_CLI_EXIT_INVALID;
    }

  relative = attempt > 0 ? log_for_attempt (last_log, attempt) : g_strdup (last_log);
  if (relative == NULL)
    {
      troupe_cli_error (command, _("The log path %s of step '%s' is not one Troupe writes"),
                        last_log, rec->instance);
      return TROUPE_CLI_EXIT_INVALID;
    }
  path = g_build_filename (dir, relative, NULL);
  /* A log is created on its stream's first byte: no file is a stream that
   * stayed empty, so there is nothing to print. */
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return finish_stdout (command) ? TROUPE_CLI_EXIT_OK : TROUPE_CLI_EXIT_INVALID;

  return cat_file (command, path) ? TROUPE_CLI_EXIT_OK : TROUPE_CLI_EXIT_INVALID;
}
