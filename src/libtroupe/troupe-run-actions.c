/* troupe-run-actions.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "troupe-duration.h"
#include "troupe-enums.h"
#include "troupe-inbox.h"
#include "troupe-path.h"
#include "troupe-run-private.h"
#include "troupe-template.h"
#include "troupe-workflow-io.h"

#define DEFAULT_OUTPUT_CAP ((guint64) 1024 * 1024)

/* Sources go to the thread-default main context, where the run lives (its
 * processes and waits already did): g_timeout_add() and g_idle_add()
 * attach to the global default context, so a run driven on another one
 * never saw its timers and idles fire. (troupe-run.c removes them from
 * the same context.) */
static guint
add_source (guint       interval_ms,
            gboolean    idle,
            GSourceFunc func,
            gpointer    data)
{
  GSource *source = idle ? g_idle_source_new () : g_timeout_source_new (interval_ms);
  guint id;

  g_source_set_callback (source, func, data, NULL);
  id = g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  return id;
}

typedef struct
{
  TroupeRun  *run;
  Instance   *inst;
  const char *prompt;   /* only while expanding a provider's argv */
} Scope;

static gboolean
is_ancestor (TroupeRun  *self,
             TroupeStep *step,
             const char *id)
{
  g_autoptr(GPtrArray) ancestors = troupe_workflow_get_ancestors (self->workflow, troupe_step_get_id (step));

  for (guint i = 0; i < ancestors->len; i++)
    if (g_str_equal (troupe_step_get_id (g_ptr_array_index (ancestors, i)), id))
      return TRUE;
  return FALSE;
}

static char *
lookup_steps_variable (Scope       *scope,
                       const char  *rest,
                       char       **why)
{
  TroupeRun *self = scope->run;
  const char *dot = strrchr (rest, '.');
  g_autofree char *id = NULL;
  const char *field;
  TroupeStepRecord *rec;

  if (dot == NULL)
    {
      *why = g_strdup ("write ${steps.ID.output}, ${steps.ID.lines} or ${steps.ID.status}");
      return NULL;
    }
  id = g_strndup (rest, dot - rest);
  field = dot + 1;

  if (troupe_workflow_lookup_step (self->workflow, id) == NULL)
    {
      *why = g_strdup_printf ("there is no step '%s'", id);
      return NULL;
    }
  /* Only what is certain to have happened before this step may be used:
   * a step it needs, directly or not. */
  if (!is_ancestor (self, scope->inst->step, id))
    {
      *why = g_strdup_printf ("step '%s' is not among the steps '%s' needs; add it to needs",
                              id, troupe_step_get_id (scope->inst->step));
      return NULL;
    }

  rec = troupe_run_record_lookup (troupe_run_store_get_record (self->store), id);
  if (g_str_equal (field, "status"))
    return g_strdup (troupe_enum_to_nick (TROUPE_TYPE_STEP_STATUS,
                                          rec ? rec->status : TROUPE_STEP_STATUS_PENDING));

  if (!g_str_equal (field, "output") && !g_str_equal (field, "lines"))
    {
      *why = g_strdup_printf ("a step has .output, .lines and .status, not .%s", field);
      return NULL;
    }

  if (rec == NULL || (rec->status != TROUPE_STEP_STATUS_SUCCEEDED && rec->status != TROUPE_STEP_STATUS_FAILED))
    {
      *why = g_strdup_printf ("step '%s' has no output: it %s", id,
                              rec && rec->status == TROUPE_STEP_STATUS_SKIPPED ? "was skipped" : "did not run");
      return NULL;
    }

  {
    g_autofree char *output = _troupe_run_read_output (self, id);
    gsize len;

    if (output == NULL)
      {
        *why = g_strdup_printf ("the output of step '%s' could not be read from the run's folder", id);
        return NULL;
      }

    len = strlen (output);
    if (g_str_equal (field, "output"))
      {
        /* The final newline of a program's output is not part of the
         * value, as in a shell's $(...). */
        while (len > 0 && output[len - 1] == '\n')
          output[--len] = '\0';
        return g_steal_pointer (&output);
      }
    else
      {
        g_auto(GStrv) lines = g_strsplit (output, "\n", -1);
        GString *joined = g_string_new (NULL);

        for (guint i = 0; lines[i] != NULL; i++)
          {
            g_strchomp (lines[i]);
            if (lines[i][0] == '\0')
              continue;
            if (joined->len > 0)
              g_string_append_c (joined, '\n');
            g_string_append (joined, lines[i]);
          }
        return g_string_free (joined, FALSE);
      }
  }
}

static char *
lookup_cb (const char  *name,
           char       **why,
           gpointer     user_data)
{
  Scope *scope = user_data;
  TroupeRun *self = scope->run;

  if (g_str_equal (name, "run.id"))
    return g_strdup (troupe_run_get_id (self));
  if (g_str_equal (name, "run.timestamp_utc"))
    return g_strdup (self->timestamp_utc);
  if (g_str_equal (name, "prompt"))
    {
      if (scope->prompt == NULL)
        *why = g_strdup ("${prompt} only has a value in a provider's command");
      return g_strdup (scope->prompt);
    }
  if (g_str_equal (name, "item"))
    {
      if (scope->inst->item == NULL)
        *why = g_strdup ("${item} only has a value in a step with for_each");
      return g_strdup (scope->inst->item);
    }
  if (g_str_has_prefix (name, "context."))
    {
      const char *key = name + strlen ("context.");
      const char *value = NULL;

      if (self->options->context != NULL)
        value = g_hash_table_lookup (self->options->context, key);
      if (value == NULL)
        value = troupe_workflow_get_context (self->workflow, key);
      if (value == NULL)
        *why = g_strdup_printf ("add '%s' to the workflow's context: or pass --context %s=VALUE", key, key);
      return g_strdup (value);
    }
  if (g_str_has_prefix (name, "steps."))
    return lookup_steps_variable (scope, name + strlen ("steps."), why);

  *why = g_strdup ("the variables are run.id, run.timestamp_utc, context.KEY, "
                   "steps.ID.output, steps.ID.lines, steps.ID.status and item");
  return NULL;
}

char *
_troupe_run_expand (TroupeRun   *self,
                    Instance    *inst,
                    const char  *text,
                    const char  *prompt,
                    GError     **error)
{
  Scope scope = { self, inst, prompt };

  if (text == NULL)
    return NULL;
  return troupe_template_expand (text, lookup_cb, &scope, error);
}

gboolean
_troupe_run_evaluate_when (TroupeRun  *self,
                           Instance   *inst,
                           gboolean   *result,
                           char      **why,
                           GError    **error)
{
  TroupeConditionOp op = troupe_step_get_when_op (inst->step);
  g_autofree char *left = NULL;
  g_autofree char *right = NULL;
  gboolean holds;
  const char *verb;

  *result = TRUE;
  if (op == TROUPE_CONDITION_OP_NONE)
    return TRUE;

  if (!(left = _troupe_run_expand (self, inst, troupe_step_get_when_left (inst->step), NULL, error)) ||
      !(right = _troupe_run_expand (self, inst, troupe_step_get_when_right (inst->step), NULL, error)))
    return FALSE;

  switch (op)
    {
    case TROUPE_CONDITION_OP_EQUALS:
      holds = g_str_equal (left, right);
      verb = "equals";
      break;
    case TROUPE_CONDITION_OP_NOT_EQUALS:
      holds = !g_str_equal (left, right);
      verb = "not_equals";
      break;
    case TROUPE_CONDITION_OP_CONTAINS:
      holds = strstr (left, right) != NULL;
      verb = "contains";
      break;
    case TROUPE_CONDITION_OP_NOT_CONTAINS:
      holds = strstr (left, right) == NULL;
      verb = "not_contains";
      break;
    case TROUPE_CONDITION_OP_NONE:
    default:
      g_assert_not_reached ();
    }

  *result = holds;
  if (!holds)
    {
      g_autofree char *l = g_utf8_make_valid (left, MIN (strlen (left), 60));
      g_autofree char *r = g_utf8_make_valid (right, MIN (strlen (right), 60));

      *why = g_strdup_printf ("its condition is false: %s: ['%s', '%s']", verb, l, r);
    }
  return TRUE;
}

gboolean
_troupe_run_step_uses_slot (TroupeRun  *self,
                            TroupeStep *step)
{
  switch (troupe_step_get_kind (step))
    {
    case TROUPE_STEP_KIND_AGENT:
    case TROUPE_STEP_KIND_COMMAND:
      return TRUE;

    case TROUPE_STEP_KIND_SEND:
    case TROUPE_STEP_KIND_WAIT:
    case TROUPE_STEP_KIND_APPROVAL:
    default:
      /* Engine actions, or a person: no process, no slot. */
      return FALSE;
    }
}

const char *
_troupe_run_step_program (TroupeRun       *self,
                          TroupeStep      *step,
                          TroupeProvider **provider_out)
{
  const char * const *argv = NULL;
  g_autoptr(TroupeProvider) provider = NULL;

  if (troupe_step_get_kind (step) == TROUPE_STEP_KIND_COMMAND)
    argv = troupe_step_get_command (step);
  else if (troupe_step_get_kind (step) == TROUPE_STEP_KIND_AGENT)
    {
      provider = troupe_workflow_resolve_provider (self->workflow,
                                                   troupe_workflow_get_step_provider_name (self->workflow, step));
      if (provider != NULL)
        argv = troupe_provider_get_command (provider);
    }

  if (provider_out != NULL)
    *provider_out = g_steal_pointer (&provider);

  /* A program named by a template is only known at run time. */
  if (argv == NULL || argv[0] == NULL || strstr (argv[0], "${") != NULL)
    return NULL;
  return argv[0];
}

/* Resolves a JSON pointer (RFC 6901) in @root. */
static JsonNode *
json_pointer_get (JsonNode   *root,
                  const char *pointer)
{
  g_auto(GStrv) tokens = NULL;
  JsonNode *node = root;

  if (pointer == NULL || *pointer == '\0')
    return root;
  if (*pointer != '/')
    return NULL;

  tokens = g_strsplit (pointer + 1, "/", -1);
  for (guint i = 0; tokens[i] != NULL && node != NULL; i++)
    {
      GString *token = g_string_new (tokens[i]);

      g_string_replace (token, "~1", "/", 0);
      g_string_replace (token, "~0", "~", 0);
      if (JSON_NODE_HOLDS_OBJECT (node))
        node = json_object_get_member (json_node_get_object (node), token->str);
      else if (JSON_NODE_HOLDS_ARRAY (node))
        {
          char *end = NULL;
          guint64 index = g_ascii_strtoull (token->str, &end, 10);
          JsonArray *array = json_node_get_array (node);

          node = (end != token->str && *end == '\0' && index < json_array_get_length (array))
                 ? json_array_get_element (array, index) : NULL;
        }
      else
        node = NULL;
      g_string_free (token, TRUE);
    }

  return node;
}

static const char *
secret_like (const char *name)
{
  static const char * const words[] = { "KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", NULL };
  g_autofree char *upper = g_ascii_strup (name, -1);

  for (guint i = 0; words[i] != NULL; i++)
    if (strstr (upper, words[i]) != NULL)
      return words[i];
  return NULL;
}

/* The values to mask: those of the environment's variables whose names
 * look like secrets, found once per run. */
static const char * const *
run_secrets (TroupeRun *self)
{
  if (self->secrets == NULL)
    {
      g_auto(GStrv) env = g_get_environ ();
      GStrvBuilder *builder = g_strv_builder_new ();

      for (guint i = 0; env[i] != NULL; i++)
        {
          const char *eq = strchr (env[i], '=');
          g_autofree char *name = NULL;

          if (eq == NULL || strlen (eq + 1) < 6)
            continue;
          name = g_strndup (env[i], eq - env[i]);
          if (secret_like (name) != NULL)
            g_strv_builder_add (builder, eq + 1);
        }
      self->secrets = g_strv_builder_end (builder);
      g_strv_builder_unref (builder);
    }

  return (const char * const *) self->secrets;
}

/* Secrets never reach logs: values of the environment whose names look
 * like secrets are masked wherever they appear in what is recorded. */
static JsonArray *
recorded_argv (TroupeRun          *self,
               const char * const *argv)
{
  const char * const *secrets = run_secrets (self);
  JsonArray *array = json_array_new ();

  for (guint i = 0; argv[i] != NULL; i++)
    {
      gboolean has_secret = FALSE;

      for (guint j = 0; secrets[j] != NULL && !has_secret; j++)
        has_secret = strstr (argv[i], secrets[j]) != NULL;
      if (has_secret)
        {
          GString *masked = g_string_new (argv[i]);

          for (guint j = 0; secrets[j] != NULL; j++)
            g_string_replace (masked, secrets[j], "********", 0);
          json_array_add_string_element (array, masked->str);
          g_string_free (masked, TRUE);
        }
      else
        json_array_add_string_element (array, argv[i]);
    }
  return array;
}

static JsonObject *
started_event (TroupeRun  *self,
               Instance   *inst,
               const char *action)
{
  JsonObject *event = _troupe_run_new_event (self, "step-started", inst);

  json_object_set_int_member (event, "attempt", inst->attempt);
  if (action != NULL)
    json_object_set_string_member (event, "action", action);
  return event;
}

static JsonObject *
finished_event (TroupeRun  *self,
                Instance   *inst,
                const char *reason)
{
  JsonObject *event = _troupe_run_new_event (self, "step-finished", inst);

  json_object_set_int_member (event, "attempt", inst->attempt);
  json_object_set_int_member (event, "duration_us", inst->duration_us);
  if (reason != NULL)
    json_object_set_string_member (event, "reason", reason);
  else
    json_object_set_null_member (event, "reason");
  return event;
}

/* Keeps the output of an instance whose output is not simply its stdout
 * log (json providers, the mock, send and wait) in outputs/. */
static gboolean
save_output (TroupeRun   *self,
             Instance    *inst,
             const char  *text,
             JsonObject  *finished,
             GError     **error)
{
  g_autofree char *relative = troupe_run_store_output_path (self->store, inst->id, FALSE);
  g_autofree char *path = troupe_run_store_resolve (self->store, relative);
  gsize len = strlen (text);

  if (len > 0 && !g_file_set_contents (path, text, len, error))
    return FALSE;
  if (len > 0)
    json_object_set_string_member (finished, "output_path", relative);
  json_object_set_int_member (finished, "output_bytes", len);
  json_object_set_boolean_member (finished, "spilled", FALSE);
  return TRUE;
}

static void
complete_in_engine (TroupeRun  *self,
                    Instance   *inst,
                    gboolean    succeeded,
                    gboolean    retryable,
                    JsonObject *finished)
{
  inst->duration_us = g_get_monotonic_time () - inst->started_mono;
  json_object_set_int_member (finished, "duration_us", inst->duration_us);
  _troupe_run_attempt_done (self, inst, succeeded, retryable, finished);
}

/* Declared outputs must exist once a step says it succeeded: otherwise
 * its dependents would start on files that are not there. */
static char *
check_declared_outputs (TroupeRun *self,
                        Instance  *inst)
{
  const char * const *outputs = troupe_step_get_outputs (inst->step);

  for (guint i = 0; outputs != NULL && outputs[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *relative = _troupe_run_expand (self, inst, outputs[i], NULL, &error);
      g_autofree char *path = NULL;
      TroupePathProblem problem;

      if (relative == NULL)
        return g_strdup (error->message);
      problem = troupe_path_check (self->workspace_root, relative);
      if (problem != TROUPE_PATH_OK)
        return troupe_path_problem_message (problem, relative);
      path = g_build_filename (self->workspace_root, relative, NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return g_strdup_printf ("it succeeded but did not write its declared output '%s'", relative);
    }

  return NULL;
}

/* Declared outputs are checked after the step ran, but a template in
 * them that cannot be expanded is known before: failing then (and not
 * retrying, it would not get better) keeps the step from running, and
 * being retried, for nothing. */
static gboolean
expand_declared_outputs (TroupeRun  *self,
                         Instance   *inst,
                         GError    **error)
{
  const char * const *outputs = troupe_step_get_outputs (inst->step);

  for (guint i = 0; outputs != NULL && outputs[i] != NULL; i++)
    {
      g_autofree char *relative = _troupe_run_expand (self, inst, outputs[i], NULL, error);

      if (relative == NULL)
        return FALSE;
    }
  return TRUE;
}

/* --- processes: agent steps with a provider, and command steps --- */

static char *
describe_exit (TroupeProcess *process,
               gint64         timeout_ms)
{
  if (troupe_process_get_timed_out (process))
    {
      g_autofree char *limit = troupe_duration_format (timeout_ms);
      return g_strdup_printf ("it timed out after %s", limit);
    }
  if (troupe_process_get_terminated (process))
    return g_strdup ("it was stopped");
  if (troupe_process_get_term_signal (process) != 0)
    return g_strdup_printf ("it was killed by signal %d (%s)", troupe_process_get_term_signal (process),
                            g_strsignal (troupe_process_get_term_signal (process)));
  return g_strdup_printf ("it exited with status %d", troupe_process_get_exit_code (process));
}

typedef struct
{
  Instance       *inst;
  TroupeProvider *provider;     /* NULL for command steps */
  char           *log_out;      /* run-dir-relative */
  char           *spill;        /* run-dir-relative */
  gint64          timeout_ms;
  guint64         cap;
} ProcessAttempt;

static void
process_attempt_free (ProcessAttempt *pa)
{
  g_clear_object (&pa->provider);
  g_free (pa->log_out);
  g_free (pa->spill);
  g_free (pa);
}

static void
on_process_done_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  TroupeProcess *process = TROUPE_PROCESS (object);
  ProcessAttempt *pa = user_data;
  Instance *inst = g_object_get_data (object, "troupe-run-instance");
  TroupeRun *self;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  JsonObject *finished;
  gboolean ran, succeeded;

  ran = troupe_process_run_finish (process, result, &error);

  /* The run was dropped while this ran (see instance_free()). */
  if (inst == NULL)
    {
      process_attempt_free (pa);
      return;
    }
  g_assert (inst == pa->inst);
  self = inst->run;
  inst->duration_us = troupe_process_get_duration (process);

  if (self->stopping && (troupe_process_get_terminated (process) || !ran))
    {
      _troupe_run_attempt_cancelled (self, inst);
      process_attempt_free (pa);
      return;
    }

  if (!ran && !g_error_matches (error, TROUPE_PROCESS_ERROR, TROUPE_PROCESS_ERROR_IO))
    {
      finished = finished_event (self, inst, error->message);
      /* A program that cannot start will not start on a second try. */
      _troupe_run_attempt_done (self, inst, FALSE, FALSE, finished);
      process_attempt_free (pa);
      return;
    }

  /* Exit status 0 is not success when we stopped the child: a program
   * that traps SIGTERM and exits 0 after its timeout did not finish. And
   * an output that could not be recorded (a full disk) is a failed
   * attempt, worth another try. */
  succeeded = ran && troupe_process_get_succeeded (process) &&
              !troupe_process_get_timed_out (process) &&
              !troupe_process_get_terminated (process);
  if (!ran)
    reason = g_strdup_printf ("its output could not be recorded: %s", error->message);
  else if (!succeeded)
    reason = describe_exit (process, pa->timeout_ms);

  finished = finished_event (self, inst, reason);
  if (troupe_process_get_exit_code (process) >= 0)
    json_object_set_int_member (finished, "exit_code", troupe_process_get_exit_code (process));
  else
    json_object_set_null_member (finished, "exit_code");
  if (troupe_process_get_term_signal (process) != 0)
    json_object_set_int_member (finished, "signal", troupe_process_get_term_signal (process));
  else
    json_object_set_null_member (finished, "signal");
  json_object_set_boolean_member (finished, "timed_out", troupe_process_get_timed_out (process));

  if (succeeded && pa->provider != NULL &&
      troupe_provider_get_output_format (pa->provider) == TROUPE_OUTPUT_FORMAT_JSON)
    {
      /* The result, cost and tokens live inside the provider's JSON. */
      g_autoptr(JsonParser) parser = json_parser_new ();
      GBytes *bytes = troupe_process_get_output (process);
      gsize len = 0;
      const char *data = g_bytes_get_data (bytes, &len);
      g_autoptr(GError) parse_error = NULL;

      if (!json_parser_load_from_data (parser, data, len, &parse_error))
        {
          succeeded = FALSE;
          reason = g_strdup_printf ("provider '%s' printed output that is not JSON (%s)",
                                    troupe_provider_get_name (pa->provider), parse_error->message);
          json_object_set_string_member (finished, "reason", reason);
        }
      else
        {
          JsonNode *root = json_parser_get_root (parser);
          JsonNode *text = json_pointer_get (root, troupe_provider_get_result_pointer (pa->provider));
          JsonNode *cost = troupe_provider_get_cost_pointer (pa->provider)
                           ? json_pointer_get (root, troupe_provider_get_cost_pointer (pa->provider)) : NULL;
          JsonNode *tokens = troupe_provider_get_tokens_pointer (pa->provider)
                             ? json_pointer_get (root, troupe_provider_get_tokens_pointer (pa->provider)) : NULL;
          g_autofree char *output = NULL;

          if (text != NULL && JSON_NODE_HOLDS_VALUE (text) && json_node_get_value_type (text) == G_TYPE_STRING)
            output = g_strdup (json_node_get_string (text));
          else
            output = g_strndup (data, len);
          if (cost != NULL && JSON_NODE_HOLDS_VALUE (cost))
            json_object_set_double_member (finished, "cost", json_node_get_double (cost));
          if (tokens != NULL && JSON_NODE_HOLDS_VALUE (tokens))
            json_object_set_int_member (finished, "tokens", json_node_get_int (tokens));
          if (!save_output (self, inst, output, finished, &error))
            {
              succeeded = FALSE;
              reason = g_strdup_printf ("its output could not be saved: %s", error->message);
              json_object_set_string_member (finished, "reason", reason);
            }
        }
    }
  else if (troupe_process_get_output_size (process) > pa->cap)
    {
      /* Past the cap, the output that ${steps.ID.output} and for_each
       * read is the first cap bytes, kept in outputs/<instance>.txt; the
       * whole output is in the log and in outputs/<instance>.spill
       * (events.md). Pointing output_path at the log, as before, gave
       * templates all of it, however large. */
      guint64 size = troupe_process_get_output_size (process);
      GBytes *kept = troupe_process_get_output (process);
      g_autofree char *relative = troupe_run_store_output_path (self->store, inst->id, FALSE);
      g_autofree char *path = troupe_run_store_resolve (self->store, relative);
      JsonObject *spill = _troupe_run_new_event (self, "step-output", inst);
      gsize len = 0;
      const char *data = g_bytes_get_data (kept, &len);

      if (!g_file_set_contents (path, data, len, &error))
        {
          succeeded = FALSE;
          reason = g_strdup_printf ("its output could not be saved: %s", error->message);
          json_object_set_string_member (finished, "reason", reason);
        }
      json_object_set_string_member (finished, "output_path", relative);
      json_object_set_int_member (finished, "output_bytes", size);
      json_object_set_boolean_member (finished, "spilled", TRUE);

      json_object_set_int_member (spill, "bytes", size);
      json_object_set_boolean_member (spill, "spilled", TRUE);
      json_object_set_string_member (spill, "path", pa->spill);
      _troupe_run_emit (self, spill);
    }
  else
    {
      /* The stdout log is the output, whole (it is within the cap). */
      guint64 size = troupe_process_get_output_size (process);

      if (size > 0)
        json_object_set_string_member (finished, "output_path", pa->log_out);
      json_object_set_int_member (finished, "output_bytes", size);
      json_object_set_boolean_member (finished, "spilled", FALSE);
    }

  if (succeeded)
    {
      g_autofree char *missing = check_declared_outputs (self, inst);

      if (missing != NULL)
        {
          succeeded = FALSE;
          json_object_set_string_member (finished, "reason", missing);
        }
    }

  _troupe_run_attempt_done (self, inst, succeeded, TRUE, finished);
  process_attempt_free (pa);
}

static gint64
effective_timeout (TroupeRun  *self,
                   TroupeStep *step)
{
  gint64 timeout = troupe_step_get_timeout (step);

  if (timeout == TROUPE_DURATION_UNSET)
    timeout = troupe_workflow_get_default_timeout (self->workflow);
  return timeout == TROUPE_DURATION_UNSET ? 0 : timeout;
}

static char *
read_prompt (TroupeRun  *self,
             Instance   *inst,
             GError    **error)
{
  const char *file = troupe_step_get_prompt_file (inst->step);
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;
  TroupePathProblem problem;

  if (file == NULL)
    return _troupe_run_expand (self, inst, troupe_step_get_prompt (inst->step) ?: "", NULL, error);

  problem = troupe_path_check (self->workspace_root, file);
  if (problem != TROUPE_PATH_OK)
    {
      g_autofree char *message = troupe_path_problem_message (problem, file);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, message);
      return NULL;
    }
  path = g_build_filename (self->workspace_root, file, NULL);
  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  return _troupe_run_expand (self, inst, text, NULL, error);
}

static GStrv
build_argv (TroupeRun       *self,
            Instance        *inst,
            TroupeProvider  *provider,
            const char      *prompt,
            GError         **error)
{
  const char * const *argv = provider ? troupe_provider_get_command (provider)
                                      : troupe_step_get_command (inst->step);
  GStrvBuilder *builder = g_strv_builder_new ();
  gboolean uses_prompt = FALSE;
  GStrv result;

  for (guint i = 0; argv != NULL && argv[i] != NULL; i++)
    {
      char *arg;

      uses_prompt |= strstr (argv[i], "${prompt}") != NULL;
      /* Each element stays one element: the prompt is never split and
       * never seen by a shell. */
      arg = _troupe_run_expand (self, inst, argv[i], prompt, error);
      if (arg == NULL)
        {
          g_strv_builder_unref (builder);
          return NULL;
        }
      g_strv_builder_add (builder, arg);
      g_free (arg);
    }

  if (provider != NULL && !uses_prompt &&
      troupe_provider_get_input_mode (provider) == TROUPE_INPUT_MODE_ARGV)
    g_strv_builder_add (builder, prompt);

  result = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return result;
}

static void
start_process (TroupeRun      *self,
               Instance       *inst,
               TroupeProvider *provider)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *prompt = NULL;
  g_auto(GStrv) argv = NULL;
  g_autofree char *log_err = NULL;
  g_autofree char *log_out_path = NULL;
  g_autofree char *log_err_path = NULL;
  g_autofree char *spill_path = NULL;
  ProcessAttempt *pa;
  JsonObject *started;
  GStrv names;

  if (!expand_declared_outputs (self, inst, &error))
    goto failed;
  if (provider != NULL && (prompt = read_prompt (self, inst, &error)) == NULL)
    goto failed;
  if ((argv = build_argv (self, inst, provider, prompt, &error)) == NULL)
    goto failed;
  if (argv[0] == NULL)
    {
      g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "its command is empty");
      goto failed;
    }

  pa = g_new0 (ProcessAttempt, 1);
  pa->inst = inst;
  pa->provider = provider ? g_object_ref (provider) : NULL;
  pa->log_out = troupe_run_store_log_path (self->store, inst->id, inst->attempt, "out");
  pa->timeout_ms = effective_timeout (self, inst->step);
  pa->cap = provider && troupe_provider_get_max_output (provider) > 0
            ? troupe_provider_get_max_output (provider) : DEFAULT_OUTPUT_CAP;
  pa->spill = troupe_run_store_output_path (self->store, inst->id, TRUE);
  log_err = troupe_run_store_log_path (self->store, inst->id, inst->attempt, "err");
  log_out_path = troupe_run_store_resolve (self->store, pa->log_out);
  log_err_path = troupe_run_store_resolve (self->store, log_err);
  spill_path = troupe_run_store_resolve (self->store, pa->spill);

  inst->process = troupe_process_new ((const char * const *) argv);
  g_object_set_data (G_OBJECT (inst->process), "troupe-run-instance", inst);
  troupe_process_set_cwd (inst->process, self->workspace_root);
  /* A log is only created when its stream has something to say: a missing
   * log is an empty one (the README's run records). */
  troupe_process_set_lazy_logs (inst->process, TRUE);
  troupe_process_set_stdout_log (inst->process, log_out_path);
  troupe_process_set_stderr_log (inst->process, log_err_path);
  troupe_process_set_output_cap (inst->process, pa->cap);
  troupe_process_set_spill_path (inst->process, spill_path);
  troupe_process_set_timeout (inst->process, pa->timeout_ms);
  if (self->options->kill_grace_ms > 0)
    troupe_process_set_kill_grace (inst->process, self->options->kill_grace_ms);
  troupe_process_setenv (inst->process, "TROUPE_RUN_ID", troupe_run_get_id (self));
  troupe_process_setenv (inst->process, "TROUPE_STEP_ID", inst->id);
  troupe_process_setenv (inst->process, "TROUPE_WORKSPACE", self->workspace_root);
  if (inst->item != NULL)
    troupe_process_setenv (inst->process, "TROUPE_ITEM", inst->item);

  if (provider != NULL)
    {
      names = troupe_provider_dup_env_names (provider);
      for (guint i = 0; names[i] != NULL; i++)
        troupe_process_setenv (inst->process, names[i], troupe_provider_get_env (provider, names[i]));
      g_strfreev (names);
      if (troupe_provider_get_input_mode (provider) == TROUPE_INPUT_MODE_STDIN)
        {
          g_autoptr(GBytes) bytes = g_bytes_new (prompt, strlen (prompt));
          troupe_process_set_stdin (inst->process, bytes);
        }
    }

  started = started_event (self, inst, NULL);
  json_object_set_array_member (started, "argv", recorded_argv (self, (const char * const *) argv));
  json_object_set_string_member (started, "log_out", pa->log_out);
  json_object_set_string_member (started, "log_err", log_err);
  inst->status = TROUPE_STEP_STATUS_RUNNING;
  _troupe_run_emit (self, started);

  inst->started_mono = g_get_monotonic_time ();
  troupe_process_run_async (inst->process, NULL, on_process_done_cb, pa);
  /* A handler of the step-started event may have stopped the run before
   * there was a process to terminate: the policy applies to this step
   * like to any step the journal says is running. */
  if (self->stopping && self->options->cancel_policy == TROUPE_CANCEL_POLICY_CASCADING)
    troupe_process_terminate (inst->process);
  return;

failed:
  {
    g_autofree char *reason = g_strdup_printf ("it could not start: %s", error->message);

    /* Bad templates and unreadable prompt files do not get better by
     * trying again. */
    inst->status = TROUPE_STEP_STATUS_RUNNING;
    _troupe_run_emit (self, started_event (self, inst, "prepare"));
    _troupe_run_attempt_done (self, inst, FALSE, FALSE, finished_event (self, inst, reason));
  }
}

/* --- the mock provider: deterministic, no process, no API key --- */

static gboolean
run_mock_cb (gpointer user_data)
{
  Instance *inst = user_data;
  TroupeRun *self = inst->run;
  g_autoptr(GError) error = NULL;
  g_autofree char *prompt = NULL;
  const char * const *outputs = troupe_step_get_outputs (inst->step);
  const char *agent = troupe_step_get_agent (inst->step);
  JsonObject *finished;

  inst->timer_id = 0;
  if (self->stopping)
    {
      _troupe_run_attempt_cancelled (self, inst);
      return G_SOURCE_REMOVE;
    }

  if (expand_declared_outputs (self, inst, &error))
    prompt = read_prompt (self, inst, &error);
  if (prompt == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("it could not start: %s", error->message);

      complete_in_engine (self, inst, FALSE, FALSE, finished_event (self, inst, reason));
      return G_SOURCE_REMOVE;
    }

  /* It writes every declared output, so that the steps after it find
   * their inputs, and its output is the prompt it was given, so templates
   * and for_each can be tried out for real. */
  for (guint i = 0; outputs != NULL && outputs[i] != NULL; i++)
    {
      g_autofree char *relative = _troupe_run_expand (self, inst, outputs[i], NULL, &error);
      g_autofree char *path = NULL;
      g_autofree char *dir = NULL;
      g_autofree char *content = NULL;
      TroupePathProblem problem;

      if (relative == NULL)
        break;
      problem = troupe_path_check (self->workspace_root, relative);
      if (problem != TROUPE_PATH_OK)
        {
          g_autofree char *message = troupe_path_problem_message (problem, relative);
          g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, message);
          break;
        }
      path = g_build_filename (self->workspace_root, relative, NULL);
      dir = g_path_get_dirname (path);
      content = g_strdup_printf ("Written by Troupe's mock provider for step '%s'%s%s%s.\n\n%s\n",
                                 inst->id, agent ? " (agent '" : "", agent ? agent : "", agent ? "')" : "",
                                 prompt);
      if (g_mkdir_with_parents (dir, 0755) != 0)
        {
          int saved = errno;
          g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "cannot create %s: %s", dir, g_strerror (saved));
          break;
        }
      if (!g_file_set_contents (path, content, -1, &error))
        break;
    }

  if (error != NULL)
    {
      g_autofree char *reason = g_strdup_printf ("the mock provider failed: %s", error->message);

      complete_in_engine (self, inst, FALSE, TRUE, finished_event (self, inst, reason));
      return G_SOURCE_REMOVE;
    }

  finished = finished_event (self, inst, NULL);
  if (!save_output (self, inst, prompt, finished, &error))
    {
      g_autofree char *reason = g_strdup_printf ("its output could not be saved: %s", error->message);

      json_object_set_string_member (finished, "reason", reason);
      complete_in_engine (self, inst, FALSE, TRUE, finished);
      return G_SOURCE_REMOVE;
    }
  json_object_set_int_member (finished, "exit_code", 0);
  complete_in_engine (self, inst, TRUE, FALSE, finished);
  return G_SOURCE_REMOVE;
}

/* --- send: an atomic task file in another agent's inbox --- */

static gboolean
run_send_cb (gpointer user_data)
{
  Instance *inst = user_data;
  TroupeRun *self = inst->run;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *content = NULL;
  g_autofree char *task = NULL;
  JsonObject *finished;

  inst->timer_id = 0;
  if (self->stopping)
    {
      _troupe_run_attempt_cancelled (self, inst);
      return G_SOURCE_REMOVE;
    }

  if ((name = _troupe_run_expand (self, inst, troupe_step_get_send_file (inst->step), NULL, &error)) == NULL ||
      (content = _troupe_run_expand (self, inst, troupe_step_get_send_content (inst->step) ?: "", NULL, &error)) == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("it could not start: %s", error->message);

      complete_in_engine (self, inst, FALSE, FALSE, finished_event (self, inst, reason));
      return G_SOURCE_REMOVE;
    }

  task = troupe_inbox_send (self->workspace_root, troupe_step_get_send_to (inst->step), name, content, &error);
  if (task == NULL)
    {
      complete_in_engine (self, inst, FALSE, TRUE, finished_event (self, inst, error->message));
      return G_SOURCE_REMOVE;
    }

  finished = finished_event (self, inst, NULL);
  save_output (self, inst, task, finished, NULL);
  complete_in_engine (self, inst, TRUE, FALSE, finished);
  return G_SOURCE_REMOVE;
}

/* --- wait_for: files in an inbox --- */

static GStrv
move_tasks (TroupeRun           *self,
            const char * const  *paths,
            gboolean             processed,
            GDateTime           *now,
            GError             **error)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  GStrv moved;

  /* Tasks that a wait consumed are processed; tasks of a wait that timed
   * out are kept aside as failed, so the next wait does not see them. */
  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    {
      char *to = processed ? troupe_inbox_move_processed (self->workspace_root, paths[i], now, error)
                           : troupe_inbox_move_failed (self->workspace_root, paths[i], now, error);
      if (to == NULL)
        {
          g_strv_builder_unref (builder);
          return NULL;
        }
      g_strv_builder_add (builder, to);
      g_free (to);
    }

  moved = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return moved;
}

/* Moving the tasks a wait took to processed/ and journaling that the wait
 * succeeded cannot be one atomic step. A runner killed between the two
 * left the tasks in processed/ and the wait unfinished, and the resumed
 * wait then waited for tasks that would never come again. So the wait
 * first writes what it is about to move to outputs/<instance>.txt.moving
 * (atomically: the time of the move, then the tasks), and a resumed
 * wait that finds that file finishes the move instead of waiting. */
static char *
moving_path (TroupeRun *self,
             Instance  *inst)
{
  g_autofree char *relative = troupe_run_store_output_path (self->store, inst->id, FALSE);
  g_autofree char *path = troupe_run_store_resolve (self->store, relative);

  return g_strconcat (path, ".moving", NULL);
}

static void
finish_wait (TroupeRun          *self,
             Instance           *inst,
             const char * const *matched,
             GDateTime          *now)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *moving = moving_path (self, inst);
  g_autofree char *output = NULL;
  g_auto(GStrv) moved = NULL;
  GStrvBuilder *builder;
  JsonObject *finished;
  GString *intent = g_string_new (NULL);

  g_string_append_printf (intent, "%" G_GINT64_FORMAT "\n", g_date_time_to_unix (now));
  for (guint i = 0; matched[i] != NULL; i++)
    g_string_append_printf (intent, "%s\n", matched[i]);
  if (!troupe_write_file_atomically (moving, intent->str, intent->len, &error))
    {
      g_string_free (intent, TRUE);
      complete_in_engine (self, inst, FALSE, TRUE, finished_event (self, inst, error->message));
      return;
    }
  g_string_free (intent, TRUE);

  /* A task that is no longer where the wait saw it was moved by the
   * session that wrote the intent, into the folder of that moment. */
  builder = g_strv_builder_new ();
  for (guint i = 0; matched[i] != NULL && error == NULL; i++)
    {
      g_autofree char *path = g_build_filename (self->workspace_root, matched[i], NULL);
      const char *one[] = { matched[i], NULL };
      g_auto(GStrv) to = NULL;

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
          g_autofree char *base = g_path_get_basename (matched[i]);
          g_autofree char *done = g_strdup_printf ("processed/%s/%s", stamp, base);

          g_strv_builder_add (builder, done);
          continue;
        }
      if ((to = move_tasks (self, one, TRUE, now, &error)) != NULL)
        g_strv_builder_add (builder, to[0]);
    }
  moved = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);

  if (error != NULL)
    {
      complete_in_engine (self, inst, FALSE, TRUE, finished_event (self, inst, error->message));
      return;
    }

  output = g_strjoinv ("\n", moved);
  finished = finished_event (self, inst, NULL);
  save_output (self, inst, output, finished, NULL);
  complete_in_engine (self, inst, TRUE, FALSE, finished);
  /* Journaled: the intent has done its work. */
  g_unlink (moving);
}

static void
on_wait_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GCancellable) cancellable = user_data;
  Instance *inst = g_object_get_data (G_OBJECT (cancellable), "troupe-run-instance");
  TroupeRun *self;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) matched = troupe_inbox_wait_finish (result, &error);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  /* The run was dropped while this waited (see instance_free()). */
  if (inst == NULL)
    return;
  self = inst->run;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      _troupe_run_attempt_cancelled (self, inst);
      return;
    }

  if (matched == NULL)
    {
      g_autofree char *glob = _troupe_run_expand (self, inst, troupe_step_get_wait_glob (inst->step), NULL, NULL);
      g_auto(GStrv) partial = glob ? troupe_inbox_list (self->workspace_root, glob, NULL) : NULL;

      /* What arrived is kept aside in failed/; where it went is in the
       * inbox's folders, not in the step's output. */
      if (partial != NULL)
        g_strfreev (move_tasks (self, (const char * const *) partial, FALSE, now, NULL));

      complete_in_engine (self, inst, FALSE, TRUE, finished_event (self, inst, error->message));
      return;
    }

  finish_wait (self, inst, (const char * const *) matched, now);
}

/* A wait of an earlier session that had begun to move its tasks when the
 * runner died: finish that move (see moving_path()). */
static gboolean
resume_wait (TroupeRun *self,
             Instance  *inst)
{
  g_autofree char *moving = moving_path (self, inst);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GDateTime) then = NULL;
  GStrvBuilder *builder;
  g_auto(GStrv) matched = NULL;

  if (!g_file_get_contents (moving, &contents, NULL, NULL))
    return FALSE;

  lines = g_strsplit (contents, "\n", -1);
  if (lines[0] == NULL ||
      (then = g_date_time_new_from_unix_utc (g_ascii_strtoll (lines[0], NULL, 10))) == NULL)
    return FALSE;

  builder = g_strv_builder_new ();
  for (guint i = 1; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      g_strv_builder_add (builder, lines[i]);
  matched = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  if (matched[0] == NULL)
    return FALSE;

  finish_wait (self, inst, (const char * const *) matched, then);
  return TRUE;
}

static void
start_wait (TroupeRun *self,
            Instance  *inst)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *glob = _troupe_run_expand (self, inst, troupe_step_get_wait_glob (inst->step), NULL, &error);
  gint64 poll = troupe_step_get_wait_poll (inst->step);

  if (glob == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("it could not start: %s", error->message);

      complete_in_engine (self, inst, FALSE, FALSE, finished_event (self, inst, reason));
      return;
    }

  if (self->resumed && resume_wait (self, inst))
    return;

  inst->cancellable = g_cancellable_new ();
  g_object_set_data (G_OBJECT (inst->cancellable), "troupe-run-instance", inst);
  troupe_inbox_wait_async (self->workspace_root, glob,
                           MAX (troupe_step_get_wait_min_count (inst->step), 1),
                           troupe_step_get_wait_timeout (inst->step),
                           poll == TROUPE_DURATION_UNSET ? 500 : poll,
                           inst->cancellable, on_wait_done_cb, g_object_ref (inst->cancellable));
}

/* From the main loop, like send and the mock: a wait can complete at
 * once (a bad glob, or a move to finish after a resume). */
static gboolean
start_wait_cb (gpointer user_data)
{
  Instance *inst = user_data;
  TroupeRun *self = inst->run;

  inst->timer_id = 0;
  if (self->stopping)
    {
      _troupe_run_attempt_cancelled (self, inst);
      return G_SOURCE_REMOVE;
    }
  start_wait (self, inst);
  return G_SOURCE_REMOVE;
}

/* --- approval: a person says yes or no --- */

static void
start_approval (TroupeRun *self,
                Instance  *inst)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = _troupe_run_expand (self, inst, troupe_step_get_approval (inst->step) ?: "", NULL, &error);
  JsonObject *event;

  if (message == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("it could not start: %s", error->message);

      complete_in_engine (self, inst, FALSE, FALSE, finished_event (self, inst, reason));
      return;
    }

  event = _troupe_run_new_event (self, "approval-requested", inst);
  json_object_set_string_member (event, "message", message);
  inst->status = TROUPE_STEP_STATUS_WAITING_APPROVAL;
  _troupe_run_emit (self, event);
  /* troupe_run_approve() answers; until then the run waits, and the
   * snapshot is written so `troupe runs` shows the question. */
  troupe_run_store_flush (self->store, NULL);
}

void
_troupe_run_start_attempt (TroupeRun *self,
                           Instance  *inst)
{
  TroupeStepKind kind = troupe_step_get_kind (inst->step);
  g_autoptr(TroupeProvider) provider = NULL;
  const char *action = NULL;

  inst->attempt++;
  inst->started_mono = g_get_monotonic_time ();

  if (kind == TROUPE_STEP_KIND_COMMAND)
    {
      start_process (self, inst, NULL);
      return;
    }

  if (kind == TROUPE_STEP_KIND_AGENT)
    {
      provider = troupe_workflow_resolve_provider (self->workflow,
                                                   troupe_workflow_get_step_provider_name (self->workflow, inst->step));
      if (provider == NULL || (!g_str_equal (troupe_provider_get_name (provider), "mock") &&
                               troupe_provider_get_command (provider) == NULL))
        {
          const char *name = troupe_workflow_get_step_provider_name (self->workflow, inst->step);
          g_autofree char *reason = g_strdup_printf ("it has no provider to run with%s%s%s; set the step's, "
                                                     "its agent's or the workflow's default provider",
                                                     name ? " ('" : "", name ? name : "", name ? "' has no command)" : "");

          inst->status = TROUPE_STEP_STATUS_RUNNING;
          _troupe_run_emit (self, started_event (self, inst, "prepare"));
          complete_in_engine (self, inst, FALSE, FALSE, finished_event (self, inst, reason));
          return;
        }
      if (!g_str_equal (troupe_provider_get_name (provider), "mock"))
        {
          start_process (self, inst, provider);
          return;
        }
      action = "mock";
    }
  else if (kind == TROUPE_STEP_KIND_SEND)
    action = "send";
  else if (kind == TROUPE_STEP_KIND_WAIT)
    action = "wait";
  else
    action = "approval";

  inst->status = TROUPE_STEP_STATUS_RUNNING;
  _troupe_run_emit (self, started_event (self, inst, action));

  /* In-engine actions complete from the main loop, never from inside the
   * call that started them: the scheduler is not re-entered. */
  if (kind == TROUPE_STEP_KIND_AGENT)
    inst->timer_id = add_source (0, TRUE, run_mock_cb, inst);
  else if (kind == TROUPE_STEP_KIND_SEND)
    inst->timer_id = add_source (0, TRUE, run_send_cb, inst);
  else if (kind == TROUPE_STEP_KIND_WAIT)
    inst->timer_id = add_source (0, TRUE, start_wait_cb, inst);
  else
    start_approval (self, inst);
}
