/* troupe-cli-progress.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "troupe-cli-progress.h"

/* Ten redraws a second: the clock looks alive, and the cost stays the
 * same however many events arrive in between. */
#define REDRAW_INTERVAL_MS 100

typedef struct
{
  FILE *stream;
  char *text;
} HeldLine;

struct _TroupeCliProgress
{
  TroupeRun             *run;
  GQueue                 held_lines;   /* HeldLine*, printed when released */

  gulong                 event_id;
  guint                  redraw_id;
  gint64                 origin_us;    /* monotonic, when the progress began */
  guint                  shown_lines;  /* lines of the live status on screen */
  guint                  n_steps;      /* the workflow's, from run-started */
  TroupeCliProgressMode  mode;

  guint                  held : 1;
  guint                  stopped : 1;
  guint                  failed : 1;
};

static void
held_line_free (HeldLine *line)
{
  g_free (line->text);
  g_free (line);
}

/* Terminal cells: East Asian wide characters take two, combining marks
 * none, so names in any script line up and never wrap. */
static guint
char_cells (gunichar c)
{
  if (g_unichar_iszerowidth (c))
    return 0;
  if (g_unichar_iswide (c))
    return 2;
  return 1;
}

char *
troupe_cli_truncate (const char *text,
                     guint       columns)
{
  const char *ellipsis = g_get_charset (NULL) ? "…" : "...";
  guint ellipsis_cells = g_get_charset (NULL) ? 1 : 3;
  guint cells = 0;
  const char *cut = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  if (!g_utf8_validate (text, -1, NULL))
    return g_utf8_make_valid (text, -1);

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      guint width = char_cells (g_utf8_get_char (p));

      /* Remember the last place where the ellipsis still fits. */
      if (cut == NULL && cells + width + ellipsis_cells > columns)
        cut = p;
      cells += width;
      if (cells > columns)
        {
          GString *result;

          if (columns < ellipsis_cells)
            return g_strdup ("");
          result = g_string_new_len (text, cut - text);
          g_string_append (result, ellipsis);
          return g_string_free (result, FALSE);
        }
    }

  return g_strdup (text);
}

char *
troupe_cli_format_duration (gint64 us)
{
  gint64 s;

  if (us < 0)
    us = 0;
  if (us < 10 * G_USEC_PER_SEC)
    return g_strdup_printf ("%.2fs", us / 1e6);
  if (us < 60 * G_USEC_PER_SEC)
    return g_strdup_printf ("%.1fs", us / 1e6);

  s = us / G_USEC_PER_SEC;
  if (s < 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT "m%02" G_GINT64_FORMAT "s", s / 60, s % 60);
  if (s < 24 * 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT "h%02" G_GINT64_FORMAT "m", s / 3600, s % 3600 / 60);
  return g_strdup_printf ("%" G_GINT64_FORMAT "d%02" G_GINT64_FORMAT "h", s / 86400, s % 86400 / 3600);
}

char *
troupe_cli_format_local_time (gint64 wall_us)
{
  g_autoptr(GDateTime) time = NULL;

  if (wall_us <= 0)
    return g_strdup ("-");
  time = g_date_time_new_from_unix_local (wall_us / G_USEC_PER_SEC);
  if (time == NULL)
    return g_strdup ("-");
  return g_date_time_format (time, "%Y-%m-%d %H:%M:%S");
}

static gboolean
member_is_value (JsonObject *object,
                 const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node);
}

static gint64
member_int (JsonObject *object,
            const char *member)
{
  return member_is_value (object, member) ? json_object_get_int_member (object, member) : 0;
}

static const char *
member_string (JsonObject *object,
               const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

void
troupe_cli_print_metrics (FILE       *stream,
                          JsonObject *metrics)
{
  g_autofree char *wall = NULL;
  g_autofree char *steps = NULL;
  g_autofree char *critical = NULL;

  g_return_if_fail (stream != NULL);

  if (metrics == NULL)
    return;

  wall = troupe_cli_format_duration (member_int (metrics, "wall_ms") * 1000);
  steps = troupe_cli_format_duration (member_int (metrics, "step_time_ms") * 1000);
  critical = troupe_cli_format_duration (member_int (metrics, "critical_path_ms") * 1000);

  fprintf (stream, "  %-15s %s\n", _("Wall time"), wall);
  fprintf (stream, "  %-15s %s %s\n", _("Step time"), steps, _("(all steps, one after the other)"));
  if (member_is_value (metrics, "speedup"))
    fprintf (stream, "  %-15s %.2fx %s\n", _("Speedup"),
             json_object_get_double_member (metrics, "speedup"), _("versus serial"));
  fprintf (stream, "  %-15s %s\n", _("Critical path"), critical);
  fprintf (stream, "  %-15s %" G_GINT64_FORMAT "\n", _("Attempts"), member_int (metrics, "attempts"));
  if (member_is_value (metrics, "cost"))
    fprintf (stream, "  %-15s $%.4f\n", _("Cost"), json_object_get_double_member (metrics, "cost"));
  if (member_is_value (metrics, "tokens"))
    fprintf (stream, "  %-15s %" G_GINT64_FORMAT "\n", _("Tokens"), member_int (metrics, "tokens"));
}

char *
troupe_cli_shell_quote (const char *word)
{
  g_return_val_if_fail (word != NULL, NULL);

  if (*word == '\0')
    return g_strdup ("''");
  for (const char *p = word; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-_./:@+,=", *p) == NULL)
      return g_shell_quote (word);
  return g_strdup (word);
}

char *
troupe_cli_describe_counts (TroupeRunRecord *record)
{
  g_autoptr(GString) text = g_string_new (NULL);
  GPtrArray *steps;
  guint counts[9] = { 0 };

  g_return_val_if_fail (record != NULL, NULL);

  steps = troupe_run_record_get_steps (record);
  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStepRecord *rec = g_ptr_array_index (steps, i);

      if (rec->children == NULL && rec->status < G_N_ELEMENTS (counts))
        counts[rec->status]++;
    }

  /* Literal formats, so the compiler checks each translation's shape. */
  if (counts[TROUPE_STEP_STATUS_SUCCEEDED] > 0)
    g_string_append_printf (text, _("%u succeeded"), counts[TROUPE_STEP_STATUS_SUCCEEDED]);
  if (counts[TROUPE_STEP_STATUS_FAILED] > 0)
    g_string_append_printf (text, _("%s%u failed"), text->len > 0 ? ", " : "",
                            counts[TROUPE_STEP_STATUS_FAILED]);
  if (counts[TROUPE_STEP_STATUS_SKIPPED] > 0)
    g_string_append_printf (text, _("%s%u skipped"), text->len > 0 ? ", " : "",
                            counts[TROUPE_STEP_STATUS_SKIPPED]);
  if (counts[TROUPE_STEP_STATUS_CANCELLED] > 0)
    g_string_append_printf (text, _("%s%u cancelled"), text->len > 0 ? ", " : "",
                            counts[TROUPE_STEP_STATUS_CANCELLED]);

  if (text->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The width of the terminal on the standard output, asked at every
 * redraw so a resized window is followed without a SIGWINCH handler. */
static guint
terminal_columns (void)
{
  struct winsize size = { 0 };

  if (ioctl (STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    return size.ws_col;
  return 80;
}

TroupeCliProgressMode
troupe_cli_progress_choose_mode (gboolean json)
{
  const char *term = g_getenv ("TERM");

  if (json)
    return TROUPE_CLI_PROGRESS_JSON;
  if (isatty (STDOUT_FILENO) && term != NULL && *term != '\0' && !g_str_equal (term, "dumb"))
    return TROUPE_CLI_PROGRESS_LIVE;
  return TROUPE_CLI_PROGRESS_LINES;
}

/* The cursor sits at the start of the line below the status; each line
 * of it is climbed and erased. */
static void
append_erase (TroupeCliProgress *self,
              GString           *out)
{
  for (guint i = 0; i < self->shown_lines; i++)
    g_string_append (out, "\033[1A\033[2K");
  self->shown_lines = 0;
}

static void
count_leaves (TroupeRunRecord *record,
              guint            n_steps,
              guint            counts[9],
              guint           *total)
{
  GPtrArray *steps = troupe_run_record_get_steps (record);
  guint main_seen = 0, leaves = 0;

  memset (counts, 0, 9 * sizeof counts[0]);
  /* A for_each step is done through its items, so the items are counted
   * instead of it; steps that have no event yet are pending. */
  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStepRecord *rec = g_ptr_array_index (steps, i);

      if (rec->index < 0)
        main_seen++;
      if (rec->children != NULL)
        continue;
      leaves++;
      if (rec->status < 9)
        counts[rec->status]++;
    }

  counts[TROUPE_STEP_STATUS_PENDING] += n_steps > main_seen ? n_steps - main_seen : 0;
  *total = leaves + (n_steps > main_seen ? n_steps - main_seen : 0);
}

static char *
status_line (TroupeCliProgress *self)
{
  TroupeRunRecord *record = troupe_run_get_record (self->run);
  g_autoptr(GString) line = g_string_new (NULL);
  g_autofree char *elapsed = troupe_cli_format_duration (g_get_monotonic_time () - self->origin_us);
  guint counts[9];
  guint total = 0;
  guint running;

  count_leaves (record, self->n_steps, counts, &total);
  running = counts[TROUPE_STEP_STATUS_RUNNING] + counts[TROUPE_STEP_STATUS_RETRYING];

  g_string_append_printf (line, _("[%s] %u/%u done, %u running"),
                          elapsed, counts[TROUPE_STEP_STATUS_SUCCEEDED], total, running);
  if (counts[TROUPE_STEP_STATUS_FAILED] > 0)
    g_string_append_printf (line, _(", %u failed"), counts[TROUPE_STEP_STATUS_FAILED]);
  if (counts[TROUPE_STEP_STATUS_SKIPPED] > 0)
    g_string_append_printf (line, _(", %u skipped"), counts[TROUPE_STEP_STATUS_SKIPPED]);
  if (counts[TROUPE_STEP_STATUS_CANCELLED] > 0)
    g_string_append_printf (line, _(", %u cancelled"), counts[TROUPE_STEP_STATUS_CANCELLED]);
  if (counts[TROUPE_STEP_STATUS_WAITING_APPROVAL] > 0)
    g_string_append_printf (line, _(", %u waiting for approval"), counts[TROUPE_STEP_STATUS_WAITING_APPROVAL]);

  return g_string_free (g_steal_pointer (&line), FALSE);
}

/* "running: build, test[2], lint, +3 more", never wider than @columns:
 * as many names as fit whole, and at least part of the first. */
static char *
running_line (TroupeCliProgress *self,
              guint              columns)
{
  GPtrArray *steps = troupe_run_record_get_steps (troupe_run_get_record (self->run));
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GString) line = g_string_new (_("running:"));
  /* Room kept for ", +N more". */
  const guint suffix_cells = 12;
  guint used = g_utf8_strlen (line->str, -1);
  guint shown = 0;

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStepRecord *rec = g_ptr_array_index (steps, i);

      if (rec->children == NULL &&
          (rec->status == TROUPE_STEP_STATUS_RUNNING || rec->status == TROUPE_STEP_STATUS_RETRYING))
        g_ptr_array_add (names, rec->instance);
    }

  if (names->len == 0)
    return NULL;

  for (; shown < names->len; shown++)
    {
      const char *name = g_ptr_array_index (names, shown);
      guint need = 2 + g_utf8_strlen (name, -1);
      guint reserve = shown + 1 < names->len ? suffix_cells : 0;

      if (used + need + reserve > columns)
        break;
      g_string_append (line, shown == 0 ? " " : ", ");
      g_string_append (line, name);
      used += need;
    }

  if (shown == 0)
    {
      guint reserve = names->len > 1 ? suffix_cells : 0;
      guint room = columns > used + 1 + reserve ? columns - used - 1 - reserve : 1;
      g_autofree char *cut = troupe_cli_truncate (g_ptr_array_index (names, 0), MAX (room, 1));

      g_string_append_c (line, ' ');
      g_string_append (line, cut);
      shown = 1;
    }

  if (shown < names->len)
    g_string_append_printf (line, _(", +%u more"), names->len - shown);

  return g_string_free (g_steal_pointer (&line), FALSE);
}

static void
write_out (TroupeCliProgress *self,
           FILE              *stream,
           const char        *data,
           gsize              length)
{
  if (self->failed && stream == stdout)
    return;

  if ((length > 0 && fwrite (data, 1, length, stream) != length) || fflush (stream) != 0)
    {
      int saved_errno = errno;

      if (stream == stdout && !self->failed)
        {
          self->failed = TRUE;
          fprintf (stderr, _("troupe: could not write to the standard output: %s\n"),
                   g_strerror (saved_errno));
        }
    }
}

static void
redraw (TroupeCliProgress *self)
{
  g_autoptr(GString) out = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *first_cut = NULL;
  g_autofree char *second_cut = NULL;
  guint columns;

  if (self->mode != TROUPE_CLI_PROGRESS_LIVE || self->held || self->stopped || self->failed)
    return;

  /* One cell short of the width: a line that fills it exactly makes some
   * terminals wrap, and the erase would then miss a line. */
  columns = MAX (terminal_columns (), 10) - 1;
  first = status_line (self);
  first_cut = troupe_cli_truncate (first, columns);
  second = running_line (self, columns);
  if (second != NULL)
    second_cut = troupe_cli_truncate (second, columns);

  out = g_string_new (NULL);
  append_erase (self, out);
  g_string_append_printf (out, "%s\n", first_cut);
  self->shown_lines = 1;
  if (second_cut != NULL)
    {
      g_string_append_printf (out, "  %s\n", second_cut);
      self->shown_lines = 2;
    }
  write_out (self, stdout, out->str, out->len);
}

static gboolean
on_redraw_cb (gpointer user_data)
{
  redraw (user_data);
  return G_SOURCE_CONTINUE;
}

/* Prints permanent text on @stream with the status taken off the screen
 * first, so the two never mix. */
static void
emit_lines (TroupeCliProgress *self,
            FILE              *stream,
            const char        *text)
{
  if (self->mode == TROUPE_CLI_PROGRESS_LIVE && self->shown_lines > 0)
    {
      g_autoptr(GString) out = g_string_new (NULL);

      append_erase (self, out);
      write_out (self, stdout, out->str, out->len);
    }

  if (stream == stderr)
    fflush (stdout);
  write_out (self, stream, text, strlen (text));
}

void
troupe_cli_progress_print (TroupeCliProgress *self,
                           FILE              *stream,
                           const char        *format,
                           ...)
{
  g_autofree char *message = NULL;
  g_autofree char *line = NULL;
  va_list args;

  g_return_if_fail (self != NULL);
  g_return_if_fail (stream != NULL);

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  line = g_strconcat (message, "\n", NULL);

  if (self->held && self->mode == TROUPE_CLI_PROGRESS_LIVE)
    {
      HeldLine *held = g_new0 (HeldLine, 1);

      held->stream = stream;
      held->text = g_steal_pointer (&line);
      g_queue_push_tail (&self->held_lines, held);
      return;
    }

  emit_lines (self, stream, line);
  redraw (self);
}

void
troupe_cli_progress_hold (TroupeCliProgress *self,
                          gboolean           hold)
{
  HeldLine *line;

  g_return_if_fail (self != NULL);

  /* Only the live status competes with a question for the screen. */
  if (self->mode != TROUPE_CLI_PROGRESS_LIVE)
    return;

  if (hold)
    {
      /* Take the status away now: the question goes where it was. */
      emit_lines (self, stdout, "");
      self->held = TRUE;
      return;
    }

  self->held = FALSE;
  while ((line = g_queue_pop_head (&self->held_lines)) != NULL)
    {
      emit_lines (self, line->stream, line->text);
      held_line_free (line);
    }
  redraw (self);
}

void
troupe_cli_progress_stop (TroupeCliProgress *self)
{
  g_return_if_fail (self != NULL);

  troupe_cli_progress_hold (self, FALSE);
  emit_lines (self, stdout, "");
  self->stopped = TRUE;
  g_clear_handle_id (&self->redraw_id, g_source_remove);
}

gboolean
troupe_cli_progress_get_ok (TroupeCliProgress *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return !self->failed;
}

TroupeCliProgressMode
troupe_cli_progress_get_mode (TroupeCliProgress *self)
{
  g_return_val_if_fail (self != NULL, TROUPE_CLI_PROGRESS_LINES);

  return self->mode;
}

/* What one event says, in words, for the LINES mode and for the lines the
 * LIVE mode keeps; NULL for events not worth a line. @live leaves out
 * what the status block already shows. */
static char *
describe_event (JsonObject *event,
                gboolean    live)
{
  const char *name = member_string (event, "event");
  const char *instance = member_string (event, "instance");
  const char *reason = member_string (event, "reason");

  if (name == NULL)
    return NULL;

  if (g_str_equal (name, "run-started") || g_str_equal (name, "run-resumed"))
    {
      const char *workflow = member_string (event, "workflow");
      g_autofree char *what = NULL;

      what = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%s%s%u step, at most %u at a time",
                                           "%s%s%u steps, at most %u at a time",
                                           (gulong) member_int (event, "steps")),
                              workflow != NULL ? workflow : "",
                              workflow != NULL && *workflow != '\0' ? ", " : "",
                              (guint) member_int (event, "steps"),
                              (guint) member_int (event, "max_parallel"));
      if (member_string (event, "policy") != NULL)
        {
          g_autofree char *base = g_path_get_basename (member_string (event, "policy"));
          char *with_policy = g_strdup_printf (_("%s, agents chosen by the policy %s (%s)"), what, base,
                                               member_string (event, "policy_mode") ?: "greedy");

          g_free (what);
          what = with_policy;
        }
      if (g_str_equal (name, "run-started"))
        return g_strdup_printf (_("run %s started: %s"), member_string (event, "run"), what);
      return g_strdup_printf (_("run %s resumed (session %u): %s"), member_string (event, "run"),
                              (guint) member_int (event, "session"), what);
    }

  if (g_str_equal (name, "run-finished"))
    {
      const char *status = member_string (event, "status");

      if (reason != NULL)
        return g_strdup_printf (_("run %s: %s"), status, reason);
      return g_strdup_printf (_("run %s"), status);
    }

  if (g_str_equal (name, "run-interrupted"))
    return g_strdup_printf (_("run interrupted: %s"), reason != NULL ? reason : "");

  /* A policy-driven run's decisions: the agent, how sure the policy was
   * of it among the agents it could choose, and the step it starts. */
  if (g_str_equal (name, "policy-choice"))
    {
      const char *agent = member_string (event, "agent");
      double p = member_is_value (event, "probability") ? json_object_get_double_member (event, "probability") : 0;

      if (instance != NULL)
        return g_strdup_printf (_("policy → %s (p=%.2f): %s"), agent ? agent : "?", p, instance);
      return g_strdup_printf (_("policy → %s (p=%.2f): the run ends"), agent ? agent : "?", p);
    }

  if (instance == NULL)
    return NULL;

  if (g_str_equal (name, "step-started"))
    {
      const char *action = member_string (event, "action");

      /* An approval says more with the question, which follows. */
      if (live || g_strcmp0 (action, "approval") == 0)
        return NULL;
      return g_strdup_printf (_("%s: started (attempt %u)"), instance, (guint) member_int (event, "attempt"));
    }

  if (g_str_equal (name, "step-finished"))
    {
      const char *status = member_string (event, "status");

      if (g_strcmp0 (status, "succeeded") == 0)
        {
          g_autofree char *took = NULL;

          if (live)
            return NULL;
          took = troupe_cli_format_duration (member_int (event, "duration_us"));
          return g_strdup_printf (_("%s: finished in %s"), instance, took);
        }
      return g_strdup_printf (_("%s: failed: %s"), instance, reason != NULL ? reason : _("no reason given"));
    }

  if (g_str_equal (name, "step-retrying"))
    {
      g_autofree char *delay = troupe_duration_format (member_int (event, "delay_ms"));

      return g_strdup_printf (_("%s: failed: %s; retrying in %s"), instance,
                              reason != NULL ? reason : _("no reason given"), delay);
    }

  if (g_str_equal (name, "step-skipped"))
    return g_strdup_printf (_("%s: skipped: %s"), instance, reason != NULL ? reason : "");

  if (g_str_equal (name, "step-cancelled"))
    {
      /* Cancelling a large run cancels every step left: the summary
       * counts them on a terminal. */
      if (live)
        return NULL;
      return g_strdup_printf (_("%s: cancelled: %s"), instance, reason != NULL ? reason : "");
    }

  if (g_str_equal (name, "step-expanded"))
    {
      JsonNode *items = json_object_get_member (event, "items");
      guint n = items != NULL && JSON_NODE_HOLDS_ARRAY (items) ? json_array_get_length (json_node_get_array (items)) : 0;

      if (live)
        return NULL;
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s: %u item", "%s: %u items", n), instance, n);
    }

  if (g_str_equal (name, "step-output"))
    {
      if (member_is_value (event, "spilled") && json_object_get_boolean_member (event, "spilled"))
        return g_strdup_printf (_("%s: its output passed the cap; all of it is in %s"), instance,
                                member_string (event, "path"));
      return NULL;
    }

  if (g_str_equal (name, "approval-requested"))
    return g_strdup_printf (_("%s: waiting for approval: %s"), instance,
                            member_string (event, "message") ?: "");

  if (g_str_equal (name, "approval-given"))
    {
      gboolean approved = member_is_value (event, "approved") && json_object_get_boolean_member (event, "approved");
      const char *by = member_string (event, "by");
      const char *note = member_string (event, "note");

      if (note != NULL && *note != '\0')
        return g_strdup_printf (approved ? _("%s: approved by %s: %s") : _("%s: rejected by %s: %s"),
                                instance, by ? by : "?", note);
      return g_strdup_printf (approved ? _("%s: approved by %s") : _("%s: rejected by %s"),
                              instance, by ? by : "?");
    }

  /* step-ready and the events of later versions. */
  return NULL;
}

static void
on_event_cb (TroupeRun         *run,
             JsonObject        *event,
             TroupeCliProgress *self)
{
  const char *name = member_string (event, "event");
  g_autofree char *text = NULL;

  if (g_strcmp0 (name, "run-started") == 0 || g_strcmp0 (name, "run-resumed") == 0)
    self->n_steps = member_int (event, "steps");

  switch (self->mode)
    {
    case TROUPE_CLI_PROGRESS_JSON:
      {
        g_autoptr(JsonGenerator) generator = json_generator_new ();
        g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
        g_autofree char *line = NULL;
        gsize length = 0;

        json_node_set_object (node, event);
        json_generator_set_root (generator, node);
        line = json_generator_to_data (generator, &length);
        write_out (self, stdout, line, length);
        write_out (self, stdout, "\n", 1);
      }
      break;

    case TROUPE_CLI_PROGRESS_LINES:
      text = describe_event (event, FALSE);
      if (text != NULL)
        {
          gint64 mono = member_int (event, "mono_us");

          troupe_cli_progress_print (self, stdout, "[%7.3fs] %s",
                                     MAX (mono - self->origin_us, 0) / 1e6, text);
        }
      break;

    case TROUPE_CLI_PROGRESS_LIVE:
      /* The run's end is the summary's to say. */
      if (g_strcmp0 (name, "run-finished") == 0)
        break;
      text = describe_event (event, TRUE);
      if (text != NULL)
        troupe_cli_progress_print (self, stdout, "%s", text);
      break;

    default:
      g_assert_not_reached ();
    }
}

TroupeCliProgress *
troupe_cli_progress_new (TroupeRun             *run,
                         TroupeCliProgressMode  mode)
{
  TroupeCliProgress *self;

  g_return_val_if_fail (TROUPE_IS_RUN (run), NULL);

  self = g_new0 (TroupeCliProgress, 1);
  self->run = g_object_ref (run);
  self->mode = mode;
  self->origin_us = g_get_monotonic_time ();
  g_queue_init (&self->held_lines);
  self->event_id = g_signal_connect (run, "event", G_CALLBACK (on_event_cb), self);
  if (mode == TROUPE_CLI_PROGRESS_LIVE)
    self->redraw_id = g_timeout_add (REDRAW_INTERVAL_MS, on_redraw_cb, self);

  return self;
}

void
troupe_cli_progress_free (TroupeCliProgress *self)
{
  if (self == NULL)
    return;

  g_clear_handle_id (&self->redraw_id, g_source_remove);
  g_clear_signal_handler (&self->event_id, self->run);
  g_queue_clear_full (&self->held_lines, (GDestroyNotify) held_line_free);
  g_clear_object (&self->run);
  g_free (self);
}
