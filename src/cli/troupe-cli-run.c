/* troupe-cli-run.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <glib/gi18n.h>

#include "troupe-cli-progress.h"
#include "troupe-cli.h"
#include "troupe-run-policy.h"

/* `troupe run` and `troupe resume`: both drive a TroupeRun on a main loop
 * and show it the same way; they differ in how the run is made. */

#define MAX_PARALLEL_LIMIT 1024

typedef struct
{
  char *instance;
  char *message;
} Question;

typedef struct
{
  const TroupeCliCommand *command;
  TroupeRun              *run;
  GMainLoop              *loop;
  TroupeCliProgress      *progress;
  /* " --workspace DIR" when the run's workspace is not the current
   * folder, so the commands the hints print work as they are. */
  char                   *workspace_option;

  /* Approvals answered on the terminal, one question at a time. */
  GDataInputStream       *stdin_lines;
  GCancellable           *stdin_cancellable;
  GQueue                  questions;          /* Question*, waiting their turn */
  Question               *asking;             /* the question on screen */

  gulong                  event_id;
  gulong                  finished_id;
  guint                   sigint_id;
  guint                   sigterm_id;
  int                     signal_number;      /* the first signal that cancelled the run */
  guint                   n_signals;
  TroupeCancelPolicy      cancel_policy;

  guint                   ask_on_terminal : 1;
  guint                   reading : 1;
  guint                   stdin_closed : 1;
  guint                   abandoned : 1;      /* stopped without waiting for "finished" */
} Session;

static void
question_free (Question *question)
{
  g_free (question->instance);
  g_free (question->message);
  g_free (question);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Question, question_free)

/* The options that tune a run, shared by run and resume. */
typedef struct
{
  int    max_parallel;      /* -1: not given */
  char  *timeout;
  char  *cancel_policy;
  gboolean json;
} TuningOptions;

static void
tuning_options_clear (TuningOptions *tuning)
{
  g_clear_pointer (&tuning->timeout, g_free);
  g_clear_pointer (&tuning->cancel_policy, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TuningOptions, tuning_options_clear)

/* Fills @options from @tuning; prints a usage error and returns FALSE when
 * a value is wrong. @cancel_policy_given tells whether the policy came
 * from the command line. */
static gboolean
apply_tuning (const TroupeCliCommand *command,
              const TuningOptions    *tuning,
              TroupeRunOptions       *options,
              gboolean               *cancel_policy_given,
              int                    *exit_status)
{
  *cancel_policy_given = FALSE;

  if (tuning->max_parallel != -1)
    {
      if (tuning->max_parallel < 1 || tuning->max_parallel > MAX_PARALLEL_LIMIT)
        {
          *exit_status = troupe_cli_usage_error (command,
                                                 _("--max-parallel must be between 1 and %d, not %d"),
                                                 MAX_PARALLEL_LIMIT, tuning->max_parallel);
          return FALSE;
        }
      options->max_parallel = tuning->max_parallel;
    }

  if (tuning->timeout != NULL)
    {
      g_autofree char *why = NULL;
      gint64 ms = 0;

      if (!troupe_duration_parse (tuning->timeout, &ms, &why))
        {
          *exit_status = troupe_cli_usage_error (command, _("--timeout %s: %s"), tuning->timeout, why);
          return FALSE;
        }
      if (ms <= 0)
        {
          *exit_status = troupe_cli_usage_error (command, _("--timeout must be longer than 0s"));
          return FALSE;
        }
      options->timeout_ms = ms;
    }

  if (tuning->cancel_policy != NULL)
    {
      int policy;

      if (!troupe_enum_from_nick (TROUPE_TYPE_CANCEL_POLICY, tuning->cancel_policy, &policy))
        {
          *exit_status = troupe_cli_usage_error (command,
                                                 _("--cancel-policy must be cascading or isolated, not '%s'"),
                                                 tuning->cancel_policy);
          return FALSE;
        }
      options->cancel_policy = policy;
      *cancel_policy_given = TRUE;
    }

  return TRUE;
}

static char *
workspace_option_for (const char *workspace)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *a = g_canonicalize_filename (workspace, NULL);
  g_autofree char *b = g_canonicalize_filename (cwd, NULL);
  g_autofree char *quoted = NULL;

  if (g_str_equal (a, b))
    return g_strdup ("");
  quoted = troupe_cli_shell_quote (a);
  return g_strdup_printf (" --workspace %s", quoted);
}

/* Where the lines about the run go: with --json the standard output
 * carries nothing but events. */
static FILE *
human_stream (Session *s)
{
  return troupe_cli_progress_get_mode (s->progress) == TROUPE_CLI_PROGRESS_JSON ? stderr : stdout;
}

static void
print_approval_hint (Session    *s,
                     const char *instance,
                     const char *message)
{
  const char *id = troupe_run_get_id (s->run);
  g_autofree char *quoted = troupe_cli_shell_quote (instance);

  /* With --json, no event line said what the question is. */
  if (troupe_cli_progress_get_mode (s->progress) == TROUPE_CLI_PROGRESS_JSON)
    troupe_cli_progress_print (s->progress, stderr, _("Step '%s' waits for approval: %s"), instance, message);
  troupe_cli_progress_print (s->progress, human_stream (s),
                             _("  The run waits. Answer from another terminal: "
                               "troupe approve%s %s %s, or troupe reject%s %s %s --note TEXT"),
                             s->workspace_option, id, quoted,
                             s->workspace_option, id, quoted);
}

static void read_answer (Session *s);

static void
show_question (Session *s)
{
  g_assert (s->asking != NULL);

  troupe_cli_progress_hold (s->progress, TRUE);
  fflush (stdout);
  fprintf (stderr, _("Approve step '%s'? %s [y/n/note] "), s->asking->instance, s->asking->message);
  fflush (stderr);
  read_answer (s);
}

static void
ask_next (Session *s)
{
  if (s->asking != NULL || s->stdin_closed)
    return;

  s->asking = g_queue_pop_head (&s->questions);
  if (s->asking != NULL)
    show_question (s);
}

/* The terminal gave no answer (end of input or an error): every question
 * left is answered the other way. */
static void
give_up_asking (Session *s)
{
  Question *question;

  s->stdin_closed = TRUE;
  if (s->asking != NULL)
    {
      g_autoptr(Question) asking = g_steal_pointer (&s->asking);

      fputc ('\n', stderr);
      troupe_cli_progress_hold (s->progress, FALSE);
      print_approval_hint (s, asking->instance, asking->message);
    }
  while ((question = g_queue_pop_head (&s->questions)) != NULL)
    {
      print_approval_hint (s, question->instance, question->message);
      question_free (question);
    }
}

/* "y", "yes", "n", "no", each optionally followed by a note:
 * "n not before Friday". */
static gboolean
parse_answer (const char  *line,
              gboolean    *approved,
              char       **note)
{
  g_autofree char *text = g_strstrip (g_strdup (line));
  const char *rest;
  gsize word_length;
  g_autofree char *word = NULL;

  word_length = strcspn (text, " \t:,");
  word = g_ascii_strdown (text, word_length);
  rest = text + word_length;
  while (*rest == ' ' || *rest == '\t' || *rest == ':' || *rest == ',')
    rest++;

  if (g_str_equal (word, "y") || g_str_equal (word, "yes"))
    *approved = TRUE;
  else if (g_str_equal (word, "n") || g_str_equal (word, "no"))
    *approved = FALSE;
  else
    return FALSE;

  *note = *rest != '\0' ? g_strdup (rest) : NULL;
  return TRUE;
}

static void
on_answer_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Session *s = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *note = NULL;
  g_autoptr(Question) asking = NULL;
  gboolean approved = FALSE;

  s->reading = FALSE;
  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result, NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (line == NULL)
    {
      give_up_asking (s);
      return;
    }

  /* The question was answered elsewhere meanwhile; this line answers
   * nothing. */
  if (s->asking == NULL)
    return;

  if (!parse_answer (line, &approved, &note))
    {
      fprintf (stderr, "%s\n",
               _("Answer y to approve or n to reject, optionally followed by a note, as in: n not before Friday"));
      show_question (s);
      return;
    }

  asking = g_steal_pointer (&s->asking);
  troupe_cli_progress_hold (s->progress, FALSE);
  if (!troupe_run_approve (s->run, asking->instance, approved, NULL, note, &error))
    troupe_cli_progress_print (s->progress, stderr, "troupe %s: %s", s->command->name, error->message);

  ask_next (s);
}

static void
read_answer (Session *s)
{
  if (s->reading)
    return;

  if (s->stdin_lines == NULL)
    {
      g_autoptr(GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);

      s->stdin_lines = g_data_input_stream_new (in);
      s->stdin_cancellable = g_cancellable_new ();
    }

  s->reading = TRUE;
  g_data_input_stream_read_line_async (s->stdin_lines, G_PRIORITY_DEFAULT, s->stdin_cancellable,
                                       on_answer_cb, s);
}

static void
forget_question (Session    *s,
                 const char *instance)
{
  for (GList *l = s->questions.head; l != NULL; l = l->next)
    {
      Question *question = l->data;

      if (g_str_equal (question->instance, instance))
        {
          g_queue_delete_link (&s->questions, l);
          question_free (question);
          break;
        }
    }

  if (s->asking != NULL && g_str_equal (s->asking->instance, instance))
    {
      /* Answered from another terminal while the question was shown; a
       * line typed now goes to the next question. */
      g_clear_pointer (&s->asking, question_free);
      fputc ('\n', stderr);
      troupe_cli_progress_hold (s->progress, FALSE);
      ask_next (s);
    }
}

/* A run in the background of its shell cannot read its controlling
 * terminal (SIGTTIN would stop it, and every step with it): it says how
 * to answer instead. A terminal that is not the controlling one (-1)
 * reads fine. */
static gboolean
in_foreground (void)
{
  pid_t group = tcgetpgrp (STDIN_FILENO);

  return group < 0 || group == getpgrp ();
}

static void
on_event_cb (TroupeRun  *run,
             JsonObject *event,
             Session    *s)
{
  const char *name = json_object_get_string_member_with_default (event, "event", "");
  const char *instance = json_object_get_string_member_with_default (event, "instance", NULL);

  if (instance == NULL)
    return;

  if (g_str_equal (name, "approval-requested"))
    {
      const char *message = json_object_get_string_member_with_default (event, "message", "");

      if (s->ask_on_terminal && !s->stdin_closed && s->signal_number == 0 && in_foreground ())
        {
          Question *question = g_new0 (Question, 1);

          question->instance = g_strdup (instance);
          question->message = g_strdup (message);
          g_queue_push_tail (&s->questions, question);
          ask_next (s);
        }
      else
        print_approval_hint (s, instance, message);
    }
  else if (g_str_equal (name, "approval-given") || g_str_equal (name, "step-cancelled"))
    forget_question (s, instance);
}

static void
on_finished_cb (TroupeRun *run,
                Session   *s)
{
  g_main_loop_quit (s->loop);
}

static void
on_signal (Session *s,
           int      signal_number)
{
  s->n_signals++;
  if (s->signal_number == 0)
    s->signal_number = signal_number;

  if (s->asking != NULL)
    {
      /* The question line has no newline yet. */
      g_clear_pointer (&s->asking, question_free);
      fputc ('\n', stderr);
      troupe_cli_progress_hold (s->progress, FALSE);
    }

  if (s->n_signals == 1)
    {
      if (s->cancel_policy == TROUPE_CANCEL_POLICY_ISOLATED)
        troupe_cli_progress_print (s->progress, stderr, "%s",
                                   _("Cancelling: nothing new starts and the running steps may finish; "
                                     "press Ctrl+C again to stop them"));
      else
        troupe_cli_progress_print (s->progress, stderr, "%s",
                                   _("Cancelling: stopping the running steps; press Ctrl+C again to quit at once"));
      troupe_run_cancel (s->run);
    }
  else if (s->n_signals == 2 && s->cancel_policy == TROUPE_CANCEL_POLICY_ISOLATED)
    {
      /* A second cancel asks the run to stop what still runs. */
      troupe_cli_progress_print (s->progress, stderr, "%s",
                                 _("Stopping the running steps; press Ctrl+C again to quit at once"));
      troupe_run_cancel (s->run);
    }
  else
    {
      /* Not waiting any longer: dropping the run terminates the steps'
       * process groups, and the journal keeps the run resumable. */
      s->abandoned = TRUE;
      g_main_loop_quit (s->loop);
    }
}

static gboolean
on_sigint_cb (gpointer user_data)
{
  on_signal (user_data, SIGINT);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigterm_cb (gpointer user_data)
{
  on_signal (user_data, SIGTERM);
  return G_SOURCE_CONTINUE;
}

static void
print_summary (Session *s)
{
  TroupeRunRecord *record = troupe_run_get_record (s->run);
  TroupeRunStatus status = troupe_run_get_status (s->run);
  const char *id = troupe_run_get_id (s->run);
  const char *reason = troupe_run_record_get_reason (record);
  FILE *stream = human_stream (s);
  g_autofree char *counts = NULL;

  if (s->abandoned)
    {
      fprintf (stream, _("Run %s left without waiting for its steps, which were told to stop; "
                         "resume with: troupe resume%s %s\n"),
               id, s->workspace_option, id);
      return;
    }

  if (status == TROUPE_RUN_STATUS_SUCCEEDED)
    fprintf (stream, _("Run %s succeeded.\n"), id);
  else if (reason != NULL)
    fprintf (stream, _("Run %s %s: %s\n"), id,
             troupe_enum_to_nick (TROUPE_TYPE_RUN_STATUS, status), reason);
  else
    fprintf (stream, _("Run %s %s.\n"), id, troupe_enum_to_nick (TROUPE_TYPE_RUN_STATUS, status));

  counts = troupe_cli_describe_counts (record);
  if (counts != NULL)
    fprintf (stream, "  %-15s %s\n", _("Steps"), counts);
  troupe_cli_print_metrics (stream, troupe_run_record_get_metrics (record));

  if (status != TROUPE_RUN_STATUS_SUCCEEDED)
    {
      if (s->signal_number != 0)
        fprintf (stream, _("Cancelled; resume with: troupe resume%s %s\n"), s->workspace_option, id);
      else
        fprintf (stream, _("Resume with: troupe resume%s %s\n"), s->workspace_option, id);
    }
  fflush (stream);
}

/* Runs @run to its end on a main loop, showing it; returns the exit
 * status. */
static int
drive (const TroupeCliCommand *command,
       TroupeRun              *run,
       const char             *workspace,
       TroupeCancelPolicy      cancel_policy,
       gboolean                json)
{
  Session s = { 0 };
  TroupeRunStatus status;
  int exit_status;

  s.command = command;
  s.run = run;
  s.cancel_policy = cancel_policy;
  s.loop = g_main_loop_new (NULL, FALSE);
  s.workspace_option = workspace_option_for (workspace);
  s.ask_on_terminal = isatty (STDIN_FILENO);
  g_queue_init (&s.questions);

  /* The progress connects first, so an event's line comes before what
   * the session does about it (a question, a hint). */
  s.progress = troupe_cli_progress_new (run, troupe_cli_progress_choose_mode (json));
  s.event_id = g_signal_connect (run, "event", G_CALLBACK (on_event_cb), &s);
  s.finished_id = g_signal_connect (run, "finished", G_CALLBACK (on_finished_cb), &s);
  s.sigint_id = g_unix_signal_add (SIGINT, on_sigint_cb, &s);
  s.sigterm_id = g_unix_signal_add (SIGTERM, on_sigterm_cb, &s);

  troupe_run_start (run);
  if (!troupe_run_is_finished (run))
    g_main_loop_run (s.loop);

  g_clear_handle_id (&s.sigint_id, g_source_remove);
  g_clear_handle_id (&s.sigterm_id, g_source_remove);
  g_clear_signal_handler (&s.event_id, run);
  g_clear_signal_handler (&s.finished_id, run);

  if (s.reading)
    {
      /* Let the cancelled read come back, so nothing points at the
       * session once it is gone. */
      g_cancellable_cancel (s.stdin_cancellable);
      while (s.reading)
        g_main_context_iteration (NULL, TRUE);
    }
  if (s.asking != NULL)
    fputc ('\n', stderr);

  troupe_cli_progress_stop (s.progress);
  print_summary (&s);

  status = troupe_run_get_status (run);
  if (status == TROUPE_RUN_STATUS_SUCCEEDED && !s.abandoned)
    exit_status = TROUPE_CLI_EXIT_OK;
  else if (s.signal_number != 0)
    exit_status = 128 + s.signal_number;
  else
    exit_status = TROUPE_CLI_EXIT_INVALID;

  if (!troupe_cli_progress_get_ok (s.progress) && exit_status == TROUPE_CLI_EXIT_OK)
    exit_status = TROUPE_CLI_EXIT_INVALID;

  g_clear_pointer (&s.asking, question_free);
  g_queue_clear_full (&s.questions, (GDestroyNotify) question_free);
  g_clear_object (&s.stdin_lines);
  g_clear_object (&s.stdin_cancellable);
  g_clear_pointer (&s.progress, troupe_cli_progress_free);
  g_clear_pointer (&s.workspace_option, g_free);
  g_clear_pointer (&s.loop, g_main_loop_unref);

  return exit_status;
}

/* --dry-run */

static int
dry_run (const TroupeCliCommand *command,
         TroupeWorkflow         *workflow,
         const TroupeRunOptions *options,
         gint64                  step_ms,
         gboolean                json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) report = NULL;
  g_autofree char *step_time = NULL;
  JsonArray *order;
  const char *name;
  guint max_parallel;
  guint width;

  report = troupe_run_simulate (workflow, options, step_ms, &error);
  if (report == NULL)
    {
      troupe_cli_error (command, "%s", error->message);
      return TROUPE_CLI_EXIT_INVALID;
    }

  if (json)
    {
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *text = NULL;
      gsize length = 0;

      json_node_set_object (root, report);
      json_generator_set_pretty (generator, TRUE);
      json_generator_set_root (generator, root);
      text = json_generator_to_data (generator, &length);
      if (!troupe_cli_write_stdout (command, text, length) ||
          !troupe_cli_write_stdout (command, "\n", 1))
        return TROUPE_CLI_EXIT_INVALID;
      return TROUPE_CLI_EXIT_OK;
    }

  max_parallel = options->max_parallel;
  if (max_parallel == 0)
    max_parallel = troupe_workflow_get_max_parallel (workflow);
  if (max_parallel == 0)
    max_parallel = g_get_num_processors ();

  name = troupe_workflow_get_name (workflow);
  if (name == NULL || *name == '\0')
    name = troupe_workflow_get_file (workflow);
  step_time = troupe_duration_format (step_ms);
  printf (g_dngettext (GETTEXT_PACKAGE,
                       "Dry run of %s: %u step, at most %u at a time, each taking %s\n",
                       "Dry run of %s: %u steps, at most %u at a time, each taking %s\n",
                       troupe_workflow_get_n_steps (workflow)),
          name,
          troupe_workflow_get_n_steps (workflow), max_parallel, step_time);
  printf ("%s\n\n", _("(send, wait and approval steps take no time; nothing is started)"));

  order = json_object_get_array_member (report, "order");
  width = MAX (strlen (_("START")), strlen (_("END")));
  for (guint i = 0; order != NULL && i < json_array_get_length (order); i++)
    {
      JsonObject *entry = json_array_get_object_element (order, i);
      g_autofree char *end = troupe_cli_format_duration (json_object_get_int_member (entry, "end_ms") * 1000);

      width = MAX (width, (guint) strlen (end));
    }

  printf ("  %*s  %*s  %s\n", width, _("START"), width, _("END"), _("STEP"));
  for (guint i = 0; order != NULL && i < json_array_get_length (order); i++)
    {
      JsonObject *entry = json_array_get_object_element (order, i);
      g_autofree char *start = troupe_cli_format_duration (json_object_get_int_member (entry, "start_ms") * 1000);
      g_autofree char *end = troupe_cli_format_duration (json_object_get_int_member (entry, "end_ms") * 1000);

      printf ("  %*s  %*s  %s\n", width, start, width, end,
              json_object_get_string_member (entry, "instance"));
    }

  {
    g_autofree char *wall = troupe_cli_format_duration (json_object_get_int_member (report, "wall_ms") * 1000);
    g_autofree char *serial = troupe_cli_format_duration (json_object_get_int_member (report, "serial_ms") * 1000);
    g_autofree char *critical = troupe_cli_format_duration (json_object_get_int_member (report, "critical_path_ms") * 1000);
    gint64 wall_ms = json_object_get_int_member (report, "wall_ms");

    printf ("\n  %-21s %s\n", _("Predicted wall time"), wall);
    printf ("  %-21s %s\n", _("Serial time"), serial);
    printf ("  %-21s %s\n", _("Critical path"), critical);
    if (wall_ms > 0)
      printf ("  %-21s %.2fx\n", _("Predicted speedup"),
              (double) json_object_get_int_member (report, "serial_ms") / wall_ms);
  }

  return troupe_cli_write_stdout (command, "", 0) ? TROUPE_CLI_EXIT_OK : TROUPE_CLI_EXIT_INVALID;
}

/* --dry-run --policy: the decisions of one simulated run, then the rates
 * over many. */

#define POLICY_DRY_RUN_EPISODES 1000

static int
policy_dry_run (const TroupeCliCommand *command,
                TroupeWorkflow         *workflow,
                const char             *policy_file,
                gboolean                sample,
                guint64                 seed,
                gboolean                json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeRunPolicy) chooser = NULL;
  g_autoptr(JsonObject) report = NULL;
  g_autofree char *base = NULL;
  g_autofree char *seed_text = NULL;
  JsonObject *episode;
  JsonArray *decisions;
  const char *name;
  const char *ended_by;
  guint agent_width, step_width;

  chooser = troupe_run_policy_new (workflow, policy_file, sample, &error);
  if (chooser == NULL)
    {
      troupe_cli_error (command, "%s", error->message);
      return TROUPE_CLI_EXIT_INVALID;
    }

  report = troupe_run_policy_simulate (chooser, seed, POLICY_DRY_RUN_EPISODES);
  json_object_set_int_member (report, "seed", (gint64) seed);

  if (json)
    {
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *text = NULL;
      gsize length = 0;

      json_node_set_object (root, report);
      json_generator_set_pretty (generator, TRUE);
      json_generator_set_root (generator, root);
      text = json_generator_to_data (generator, &length);
      if (!troupe_cli_write_stdout (command, text, length) ||
          !troupe_cli_write_stdout (command, "\n", 1))
        return TROUPE_CLI_EXIT_INVALID;
      return TROUPE_CLI_EXIT_OK;
    }

  name = troupe_workflow_get_name (workflow);
  if (name == NULL || *name == '\0')
    name = troupe_workflow_get_file (workflow);
  base = g_path_get_basename (policy_file);
  episode = json_object_get_object_member (report, "episode");
  decisions = json_object_get_array_member (episode, "decisions");
  ended_by = json_object_get_string_member (episode, "ended_by");

  seed_text = g_strdup_printf ("%" G_GUINT64_FORMAT, seed);
  printf (_("Dry run of %s with the policy %s (%s, at most %u decisions, seed %s)\n"),
          name, base, sample ? _("sampled") : _("greedy"),
          (guint) json_object_get_int_member (report, "max_steps"), seed_text);
  printf ("%s\n\n", _("(each action succeeds as the workflow's sim.AGENT.success says; nothing is started)"));

  agent_width = strlen (_("AGENT"));
  step_width = strlen (_("STEP"));
  for (guint i = 0; i < json_array_get_length (decisions); i++)
    {
      JsonObject *entry = json_array_get_object_element (decisions, i);
      const char *step = json_object_get_string_member_with_default (entry, "step", NULL);

      agent_width = MAX (agent_width, (guint) strlen (json_object_get_string_member (entry, "agent")));
      step_width = MAX (step_width, step != NULL ? (guint) strlen (step) : 0);
    }

  printf ("  %3s  %-*s  %5s  %-*s  %s\n", "#", agent_width, _("AGENT"), "P", step_width, _("STEP"), _("OUTCOME"));
  for (guint i = 0; i < json_array_get_length (decisions); i++)
    {
      JsonObject *entry = json_array_get_object_element (decisions, i);
      const char *step = json_object_get_string_member_with_default (entry, "step", NULL);
      const char *outcome;

      if (step == NULL)
        outcome = _("ends the run");
      else if (json_object_get_boolean_member (entry, "succeeded"))
        outcome = _("succeeded");
      else
        outcome = _("failed");
      printf ("  %3u  %-*s  %5.2f  %-*s  %s\n", (guint) json_object_get_int_member (entry, "decision"),
              agent_width, json_object_get_string_member (entry, "agent"),
              json_object_get_double_member (entry, "probability"),
              step_width, step != NULL ? step : "-", outcome);
    }

  printf ("\n");
  if (g_str_equal (ended_by, "completed"))
    printf ("  %s\n", _("The workflow completed."));
  else if (g_str_equal (ended_by, "terminator"))
    printf ("  %s\n", json_object_get_boolean_member (episode, "succeeded")
                      ? _("The policy ended the run with the workflow done.")
                      : _("The policy ended the run before the workflow was done."));
  else
    printf ("  %s\n", _("The run reached max_steps before the workflow was done."));
  printf ("  %-21s %.4g\n", _("Cost"), json_object_get_double_member (episode, "cost"));
  printf ("  %-21s %.4f\n", _("Reward"), json_object_get_double_member (episode, "reward"));

  printf (_("\n  Over %u simulated runs:\n"), (guint) json_object_get_int_member (report, "episodes"));
  printf ("  %-21s %.3f\n", _("Success rate"), json_object_get_double_member (report, "success_rate"));
  printf ("  %-21s %.4f\n", _("Mean reward"), json_object_get_double_member (report, "mean_reward"));
  printf ("  %-21s %.4g\n", _("Mean cost"), json_object_get_double_member (report, "mean_cost"));
  printf ("  %-21s %.2f\n", _("Mean decisions"), json_object_get_double_member (report, "mean_decisions"));

  return troupe_cli_write_stdout (command, "", 0) ? TROUPE_CLI_EXIT_OK : TROUPE_CLI_EXIT_INVALID;
}

/* troupe run */

static gboolean
add_context (const TroupeCliCommand  *command,
             TroupeRunOptions        *options,
             const char              *assignment,
             int                     *exit_status)
{
  const char *equals = strchr (assignment, '=');
  g_autofree char *key = NULL;

  if (equals == NULL || equals == assignment)
    {
      *exit_status = troupe_cli_usage_error (command,
                                             _("--context takes KEY=VALUE, as in --context project=todo, not '%s'"),
                                             assignment);
      return FALSE;
    }

  key = g_strndup (assignment, equals - assignment);
  troupe_run_options_set_context (options, key, equals + 1);
  return TRUE;
}

int
troupe_cli_run (const TroupeCliCommand  *command,
                int                      argc,
                char                   **argv)
{
  g_auto(TuningOptions) tuning = { .max_parallel = -1 };
  g_auto(GStrv) files = NULL;
  g_auto(GStrv) contexts = NULL;
  g_autofree char *seed = NULL;
  g_autofree char *step_time = NULL;
  g_autofree char *policy = NULL;
  g_autoptr(TroupeRunOptions) options = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(TroupeRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *workspace = NULL;
  gboolean dry = FALSE;
  gboolean policy_given = FALSE;
  gboolean policy_sample = FALSE;
  gint64 step_ms = 1000;
  int status;
  const GOptionEntry entries[] = {
    { "max-parallel", 'j', 0, G_OPTION_ARG_INT, &tuning.max_parallel,
      N_("Run at most N steps at once (default: the workflow's, else the number of cores)"), N_("N") },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &tuning.timeout,
      N_("Stop the whole run after D, as in 90s, 5m or 1h30m"), N_("D") },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed,
      N_("Seed the retry jitter, so the same seed waits the same times"), N_("N") },
    { "context", 'c', 0, G_OPTION_ARG_STRING_ARRAY, &contexts,
      N_("Set ${context.KEY} to VALUE, over the workflow's context (repeatable)"), N_("KEY=VALUE") },
    { "cancel-policy", 0, 0, G_OPTION_ARG_STRING, &tuning.cancel_policy,
      N_("On Ctrl+C: cascading stops the running steps (default), isolated lets them finish"),
      N_("POLICY") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &tuning.json,
      N_("Print every event as one JSON line on the standard output"), NULL },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry,
      N_("Print the order the steps would run in and the predicted times; start nothing"), NULL },
    { "step-time", 0, 0, G_OPTION_ARG_STRING, &step_time,
      N_("With --dry-run: how long each step is taken to last (default 1s)"), N_("D") },
    { "policy", 0, 0, G_OPTION_ARG_FILENAME, &policy,
      N_("Let a policy trained with 'troupe train FILE' choose which agent acts next"), N_("POLICY.json") },
    { "policy-sample", 0, 0, G_OPTION_ARG_NONE, &policy_sample,
      N_("With --policy: draw each agent from the policy (seeded by --seed) instead of taking the most probable"),
      NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!troupe_cli_parse_options (command, entries, _("FILE"),
                                 _("Runs the workflow in FILE. On a terminal a status line shows the\n"
                                   "steps done, running and failed; otherwise each event is one line,\n"
                                   "such as '[  1.234s] build: finished in 0.52s'. The run is recorded in\n"
                                   "WORKSPACE/.troupe/runs/RUN/: 'troupe runs' lists the runs, 'troupe logs'\n"
                                   "shows their logs, and 'troupe resume RUN' continues one that did not\n"
                                   "succeed. Ctrl+C cancels the run cleanly; press it again to stop the\n"
                                   "running steps at once.\n"
                                   "\n"
                                   "An approval step asks on the terminal; when the standard input is not\n"
                                   "a terminal, answer with 'troupe approve RUN STEP' or\n"
                                   "'troupe reject RUN STEP' from another one.\n"
                                   "\n"
                                   "With --policy, a policy trained with 'troupe train FILE' chooses, one\n"
                                   "step at a time, which agent acts next among those with a ready step;\n"
                                   "its choice of the Terminator, or its max_steps, ends the run and the\n"
                                   "steps left are skipped. With --dry-run it shows the choices it would\n"
                                   "make in a simulated run.\n"
                                   "\n"
                                   "Exit status: 0 when the run succeeded, 1 when the workflow is invalid\n"
                                   "or the run failed or was cancelled, 2 on a usage error, 130 when\n"
                                   "Ctrl+C (SIGINT) cancelled it, 143 for SIGTERM."),
                                 argc, argv, &status))
    return status;

  if (files == NULL || files[0] == NULL)
    return troupe_cli_usage_error (command, _("Name the workflow file to run"));
  if (files[1] != NULL)
    return troupe_cli_usage_error (command, _("Name one workflow file; '%s' is one too many"), files[1]);

  options = troupe_run_options_new ();
  if (!apply_tuning (command, &tuning, options, &policy_given, &status))
    return status;

  if (seed != NULL)
    {
      guint64 value = 0;

      if (!g_ascii_string_to_unsigned (seed, 10, 0, G_MAXUINT64, &value, NULL))
        return troupe_cli_usage_error (command, _("--seed takes a whole number, not '%s'"), seed);
      options->seed = value;
      options->has_seed = TRUE;
    }

  for (guint i = 0; contexts != NULL && contexts[i] != NULL; i++)
    if (!add_context (command, options, contexts[i], &status))
      return status;

  if (policy_sample && policy == NULL)
    return troupe_cli_usage_error (command, _("--policy-sample goes with --policy POLICY.json"));
  options->policy_file = g_strdup (policy);
  options->policy_sample = policy_sample;

  if (step_time != NULL)
    {
      g_autofree char *why = NULL;

      if (policy != NULL)
        return troupe_cli_usage_error (command, _("--step-time does not apply with --policy, whose dry run "
                                                  "counts decisions, not time"));
      if (!dry)
        return troupe_cli_usage_error (command, _("--step-time only applies to --dry-run"));
      if (!troupe_duration_parse (step_time, &step_ms, &why))
        return troupe_cli_usage_error (command, _("--step-time %s: %s"), step_time, why);
    }

  workflow = troupe_cli_load_valid_workflow (command, files[0]);
  if (workflow == NULL)
    return TROUPE_CLI_EXIT_INVALID;

  if (dry && policy != NULL)
    return policy_dry_run (command, workflow, policy, policy_sample,
                           options->has_seed ? options->seed : 1, tuning.json);
  if (dry)
    return dry_run (command, workflow, options, step_ms, tuning.json);

  run = troupe_run_new (workflow, options, &error);
  if (run == NULL)
    {
      troupe_cli_error (command, "%s", error->message);
      return TROUPE_CLI_EXIT_INVALID;
    }

  workspace = troupe_workflow_dup_workspace_root (workflow);
  return drive (command, run, workspace, options->cancel_policy, tuning.json);
}

/* troupe resume */

int
troupe_cli_resume (const TroupeCliCommand  *command,
                   int                      argc,
                   char                   **argv)
{
  g_auto(TuningOptions) tuning = { .max_parallel = -1 };
  g_auto(GStrv) args = NULL;
  g_autofree char *workspace = NULL;
  g_autofree char *file = NULL;
  g_autoptr(TroupeRunOptions) options = NULL;
  g_autoptr(TroupeRunRecord) record = NULL;
  g_autoptr(TroupeRun) run = NULL;
  g_autoptr(GError) error = NULL;
  gboolean policy_given = FALSE;
  int status;
  const GOptionEntry entries[] = {
    { "workspace", 'w', 0, G_OPTION_ARG_FILENAME, &workspace,
      N_("The workspace the run is in (default: the current folder)"), N_("DIR") },
    { "file", 'f', 0, G_OPTION_ARG_FILENAME, &file,
      N_("Take the workspace of this workflow file"), N_("FILE") },
    { "max-parallel", 'j', 0, G_OPTION_ARG_INT, &tuning.max_parallel,
      N_("Run at most N steps at once (default: as recorded)"), N_("N") },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &tuning.timeout,
      N_("Stop the whole run after D (default: as recorded)"), N_("D") },
    { "cancel-policy", 0, 0, G_OPTION_ARG_STRING, &tuning.cancel_policy,
      N_("On Ctrl+C: cascading or isolated (default: as recorded)"), N_("POLICY") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &tuning.json,
      N_("Print every event as one JSON line on the standard output"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!troupe_cli_parse_options (command, entries, _("RUN"),
                                 _("Continues a run that did not succeed (it failed, was cancelled or\n"
                                   "its runner was killed): the steps that succeeded keep their outputs,\n"
                                   "the others run again. The run runs the workflow as it was when it\n"
                                   "started (its copy in the run's folder), not the file as edited since.\n"
                                   "A run started with --policy goes on with the same policy (its copy in\n"
                                   "the run's folder), from the decisions it had made.\n"
                                   "'troupe runs' lists the runs of a workspace.\n"
                                   "\n"
                                   "Exit status: 0 when the run succeeded, 1 when it failed, was cancelled\n"
                                   "or cannot be resumed, 2 on a usage error, 130 on Ctrl+C."),
                                 argc, argv, &status))
    return status;

  if (args == NULL || args[0] == NULL)
    return troupe_cli_usage_error (command, _("Name the run to resume ('troupe runs' lists them)"));
  if (args[1] != NULL)
    return troupe_cli_usage_error (command, _("Name one run; '%s' is one too many"), args[1]);
  if (workspace != NULL && file != NULL)
    return troupe_cli_usage_error (command, _("Give --workspace or --file, not both"));

  options = troupe_run_options_new ();
  if (!apply_tuning (command, &tuning, options, &policy_given, &status))
    return status;

  if (file != NULL)
    {
      g_autoptr(TroupeDiagnostic) problem = NULL;
      g_autoptr(TroupeWorkflow) workflow = troupe_cli_load_workflow (file, &problem);

      if (workflow == NULL)
        {
          troupe_cli_print_diagnostic (problem, file);
          return TROUPE_CLI_EXIT_INVALID;
        }
      workspace = troupe_workflow_dup_workspace_root (workflow);
    }
  else if (workspace == NULL)
    workspace = g_get_current_dir ();

  /* Read first: an unknown run is named before anything is locked, and
   * the recorded cancel policy is kept unless the command line says
   * otherwise. */
  record = troupe_run_store_load_record (workspace, args[0], &error);
  if (record == NULL)
    {
      troupe_cli_error (command, "%s", error->message);
      return TROUPE_CLI_EXIT_INVALID;
    }
  if (!policy_given)
    {
      JsonObject *recorded = troupe_run_record_get_options (record);
      const char *nick = recorded != NULL
                         ? json_object_get_string_member_with_default (recorded, "cancel_policy", NULL)
                         : NULL;
      int policy;

      if (nick != NULL && troupe_enum_from_nick (TROUPE_TYPE_CANCEL_POLICY, nick, &policy))
        options->cancel_policy = policy;
    }

  run = troupe_run_new_resume (workspace, args[0], options, &error);
  if (run == NULL)
    {
      troupe_cli_error (command, "%s", error->message);
      return TROUPE_CLI_EXIT_INVALID;
    }

  return drive (command, run, workspace, options->cancel_policy, tuning.json);
}
