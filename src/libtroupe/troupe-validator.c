/* troupe-validator.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "troupe-duration.h"
#include "troupe-enums.h"
#include "troupe-path.h"
#include "troupe-strutil.h"
#include "troupe-template.h"
#include "troupe-validator.h"
#include "troupe-validator-private.h"

/* The validator looks at a whole workflow at once: the graph is turned into
 * index arrays (CSR adjacency) once, so every rule is linear in the size of
 * the workflow; a workflow of ten thousand steps validates in milliseconds
 * plus the filesystem checks of its paths. Nothing recurses on the graph,
 * so a long chain of steps cannot exhaust the stack. */

static void
validator_clear (Validator *v)
{
  g_clear_pointer (&v->workspace_root, g_free);
  g_clear_pointer (&v->index, g_hash_table_unref);
  g_clear_pointer (&v->step_ids, g_free);
  g_clear_pointer (&v->agent_names, g_free);
  g_clear_pointer (&v->provider_names, g_free);
  g_clear_pointer (&v->builtin_list, g_free);
  g_clear_pointer (&v->needs_at, g_free);
  g_clear_pointer (&v->needs_to, g_free);
  g_clear_pointer (&v->dependents_at, g_free);
  g_clear_pointer (&v->dependents_to, g_free);
  g_clear_pointer (&v->comp, g_free);
  g_clear_pointer (&v->stamp, g_free);
  g_clear_pointer (&v->queue, g_free);
  g_clear_pointer (&v->parent, g_free);
  g_clear_pointer (&v->references, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Validator, validator_clear)

/* Finds where @pointer was in the file; when the loader kept no location
 * for it, its closest ancestor that has one ("/steps/a/needs/2" falls back
 * to "/steps/a/needs", then "/steps/a", ..., then "", the document). */
static void
locate (Validator  *v,
        const char *pointer,
        guint      *line,
        guint      *column)
{
  g_autofree char *copy = g_strdup (pointer);

  *line = 0;
  *column = 0;

  for (;;)
    {
      char *slash;

      if (troupe_workflow_get_location (v->workflow, copy, line, column))
        return;

      slash = strrchr (copy, '/');
      if (slash == NULL)
        return;
      *slash = '\0';
    }
}

/* @pointer is a JSON pointer into the file ("/defaults/provider"), or,
 * when it does not start with '/', one relative to step @step_id
 * ("needs/2"; "" for the step itself). It names the key the problem is
 * about, even a missing one ("wait_for/glob"): the diagnostic keeps it for
 * tools such as the inspector, and locate() falls back to the nearest
 * parent that the file has. */
void
_troupe_validator_report (Validator      *v,
                          TroupeSeverity  severity,
                          const char     *code,
                          const char     *step_id,
                          const char     *pointer,
                          const char     *format,
                          ...)
{
  g_autofree char *message = NULL;
  TroupeDiagnostic *diagnostic;
  guint line = 0;
  guint column = 0;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (pointer != NULL && pointer[0] != '/' && step_id != NULL)
    {
      g_autofree char *escaped = troupe_json_pointer_escape (step_id);
      g_autofree char *absolute = NULL;

      if (pointer[0] == '\0')
        absolute = g_strconcat ("/steps/", escaped, NULL);
      else
        absolute = g_strconcat ("/steps/", escaped, "/", pointer, NULL);
      locate (v, absolute, &line, &column);
    }
  else if (pointer != NULL)
    locate (v, pointer, &line, &column);

  diagnostic = troupe_diagnostic_new (severity, code, step_id, line, column, "%s", message);
  troupe_diagnostic_set_file (diagnostic, v->file);
  /* The diagnostic names the key relative to its owner: the step, or the
   * workflow, whose pointers here are absolute. */
  if (pointer != NULL && step_id != NULL && pointer[0] != '/')
    troupe_diagnostic_set_pointer (diagnostic, pointer);
  else if (pointer != NULL && step_id == NULL && pointer[0] == '/')
    troupe_diagnostic_set_pointer (diagnostic, pointer + 1);
  g_ptr_array_add (v->diagnostics, diagnostic);
}

/* "; did you mean 'x'?" when a candidate is close, else @otherwise. */
char *
_troupe_validator_suggestion (const char         *word,
                              const char * const *candidates,
                              const char         *otherwise)
{
  const char *best = NULL;

  if (candidates != NULL && candidates[0] != NULL)
    best = troupe_suggest (word, candidates);

  if (best != NULL)
    return g_strdup_printf ("; did you mean '%s'?", best);
  return g_strdup (otherwise);
}

guint
_troupe_validator_lookup_index (Validator  *v,
                                const char *id)
{
  gpointer value;

  if (id == NULL)
    return NO_INDEX;

  value = g_hash_table_lookup (v->index, id);
  if (value == NULL)
    return NO_INDEX;
  return GPOINTER_TO_UINT (value) - 1;
}

TroupeStep *
_troupe_validator_step_at (Validator *v,
                           guint      i)
{
  return g_ptr_array_index (v->steps, i);
}

static gboolean
provider_is_known (Validator  *v,
                   const char *name)
{
  return troupe_workflow_lookup_provider (v->workflow, name) != NULL ||
         troupe_provider_is_builtin_name (name);
}

/* Rules on one step. Nothing is allocated unless a rule fires: pointers
 * and message parts are built in the error branches, so a large valid
 * workflow costs little more than reading its fields. */

static char *
owner_name (const char *step_id)
{
  if (step_id != NULL)
    return g_strdup_printf ("step '%s'", step_id);
  return g_strdup ("the defaults");
}

/* @what_format names who refers to the agent: "step 'x' uses agent". */
static void check_agent_ref (Validator  *v,
                             const char *step_id,
                             const char *agent,
                             const char *pointer,
                             const char *what_format,
                             ...) G_GNUC_PRINTF (5, 6);

static void
check_agent_ref (Validator  *v,
                 const char *step_id,
                 const char *agent,
                 const char *pointer,
                 const char *what_format,
                 ...)
{
  g_autofree char *hint = NULL;
  g_autofree char *what = NULL;
  va_list args;

  if (agent == NULL || troupe_workflow_lookup_agent (v->workflow, agent) != NULL)
    return;

  va_start (args, what_format);
  what = g_strdup_vprintf (what_format, args);
  va_end (args);

  hint = _troupe_validator_suggestion (agent, v->agent_names, "; define it under agents or fix the name");
  _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "unknown-agent", step_id, pointer,
                            "%s '%s', which is not defined under agents%s", what, agent, hint);
}

static void check_provider_ref (Validator  *v,
                                const char *step_id,
                                const char *provider,
                                const char *pointer,
                                const char *what_format,
                                ...) G_GNUC_PRINTF (5, 6);

static void
check_provider_ref (Validator  *v,
                    const char *step_id,
                    const char *provider,
                    const char *pointer,
                    const char *what_format,
                    ...)
{
  g_autofree char *otherwise = NULL;
  g_autofree char *hint = NULL;
  g_autofree char *what = NULL;
  va_list args;

  if (provider == NULL || provider_is_known (v, provider))
    return;

  va_start (args, what_format);
  what = g_strdup_vprintf (what_format, args);
  va_end (args);

  otherwise = g_strdup_printf ("; define it under providers or use a built-in one (%s)",
                               v->builtin_list);
  hint = _troupe_validator_suggestion (provider, v->provider_names, otherwise);
  _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "unknown-provider", step_id, pointer,
                            "%s '%s', which is neither defined under providers nor built in%s",
                            what, provider, hint);
}

/* Reports @problem with @path; @what_format names the field. */
static void report_path (Validator         *v,
                         const char        *step_id,
                         const char        *pointer,
                         TroupePathProblem  problem,
                         const char        *path,
                         const char        *what_format,
                         ...) G_GNUC_PRINTF (6, 7);

static void
report_path (Validator         *v,
             const char        *step_id,
             const char        *pointer,
             TroupePathProblem  problem,
             const char        *path,
             const char        *what_format,
             ...)
{
  g_autofree char *what = NULL;
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, what_format);
  what = g_strdup_vprintf (what_format, args);
  va_end (args);

  why = troupe_path_problem_message (problem, path);
  _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "unsafe-path", step_id, pointer, "%s is unsafe: %s", what, why);
}

/* The loaders refuse such durations, but a model built through the API
 * may hold them. @field names the duration: "timeout", "retry delay". */
static void
check_duration (Validator  *v,
                const char *step_id,
                gint64      ms,
                const char *pointer,
                const char *field)
{
  g_autofree char *owner = NULL;

  if (ms == TROUPE_DURATION_UNSET || (ms >= 0 && ms <= TROUPE_DURATION_MAX_MS))
    return;

  owner = owner_name (step_id);
  if (ms < 0)
    {
      _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "out-of-range", step_id, pointer,
                                "the %s of %s is negative (%" G_GINT64_FORMAT " ms); give a duration such "
                                "as '90s'", field, owner, ms);
    }
  else
    {
      g_autofree char *limit = troupe_duration_format (TROUPE_DURATION_MAX_MS);

      _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "out-of-range", step_id, pointer,
                                "the %s of %s is longer than the longest allowed duration (%s); use a "
                                "shorter one", field, owner, limit);
    }
}

/* The length of the leading components of @path that are fixed text:
 * neither a wildcard nor a template variable, whose value is known only
 * when the step runs. Those are the folders that can be checked now. */
static gsize
static_prefix_length (const char *path,
                      gboolean    stop_at_wildcards)
{
  const char *p = path;
  gsize length = 0;

  while (*p != '\0')
    {
      const char *end = strchr (p, '/');
      gsize len = end != NULL ? (gsize) (end - p) : strlen (p);
      g_autofree char *component = g_strndup (p, len);

      if (strstr (component, "${") != NULL)
        break;
      if (stop_at_wildcards && strpbrk (component, "*?") != NULL)
        break;
      length = (p - path) + len;
      if (end == NULL)
        break;
      p = end + 1;
    }

  return length;
}

/* Checks the fixed leading part of @path against the workspace on disk. */
static void
check_path_on_disk (Validator  *v,
                    const char *step_id,
                    const char *pointer,
                    const char *path,
                    gboolean    is_glob,
                    const char *what)
{
  gsize length = static_prefix_length (path, is_glob);
  g_autofree char *prefix = NULL;
  TroupePathProblem problem;

  if (length == 0)
    return;

  prefix = g_strndup (path, length);
  problem = troupe_path_check_resolved (v->workspace_root, prefix);
  if (problem != TROUPE_PATH_OK)
    report_path (v, step_id, pointer, problem, prefix, "%s", what);
}

static gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.' || c == '-';
}

/* @glob with each template variable replaced by a plain "x" and each
 * "$${" by the "${" it stands for, so that the glob rules judge only what
 * the author wrote as a glob; NULL when the template has a syntax error
 * (reported on its own). */
static char *
mask_templates (const char *text)
{
  g_auto(GStrv) names = troupe_template_list_names (text, NULL);
  GString *out;
  const char *p = text;

  if (names == NULL)
    return NULL;

  out = g_string_new (NULL);
  while (*p != '\0')
    {
      if (p[0] == '$' && p[1] == '$' && p[2] == '{')
        {
          g_string_append (out, "${");
          p += 3;
        }
      else if (p[0] == '$' && p[1] == '{')
        {
          const char *q = p + 2;

          while (is_name_char (*q))
            q++;
          g_assert (*q == '}');
          g_string_append_c (out, 'x');
          p = q + 1;
        }
      else
        g_string_append_c (out, *p++);
    }

  return g_string_free (out, FALSE);
}

static void
check_glob (Validator  *v,
            const char *id,
            const char *glob)
{
  static const char pointer[] = "wait_for/glob";
  g_autofree char *masked = NULL;
  g_autofree char *why = NULL;
  g_autofree char *what = NULL;
  TroupePathProblem problem;

  problem = troupe_path_check_syntax (glob);
  if (problem != TROUPE_PATH_OK)
    {
      report_path (v, id, pointer, problem, glob, "the wait_for glob of step '%s'", id);
      return;
    }

  masked = strstr (glob, "${") != NULL ? mask_templates (glob) : g_strdup (glob);
  if (masked == NULL)
    return;

  why = troupe_glob_check (masked);
  if (why != NULL)
    {
      /* The reason quotes the glob: quote it as written. */
      if (!g_str_equal (masked, glob))
        {
          g_autofree char *quoted = g_strdup_printf ("'%s'", masked);
          g_autofree char *original = g_strdup_printf ("'%s'", glob);
          g_autoptr(GString) text = g_string_new (why);

          g_string_replace (text, quoted, original, 1);
          g_free (why);
          why = g_string_free (g_steal_pointer (&text), FALSE);
        }
      _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "bad-glob", id, pointer,
                                "the wait_for glob of step '%s' is not supported: %s", id, why);
      return;
    }

  /* What the wildcards match is checked when the step runs. */
  what = g_strdup_printf ("the wait_for glob of step '%s'", id);
  check_path_on_disk (v, id, pointer, glob, TRUE, what);
}

static void
check_send (Validator  *v,
            TroupeStep *step,
            const char *id)
{
  const char *to = troupe_step_get_send_to (step);
  const char *file = troupe_step_get_send_file (step);
  gboolean file_ok;

  if (to == NULL && file == NULL)
    _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "send-incomplete", id, "send",
                              "step '%s' sends a task but names neither its recipient nor its name; add "
                              "send.to (the agent whose inbox receives it) and send.file (the task's name)",
                              id);
  else if (to == NULL)
    _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "send-incomplete", id, "send/to",
                              "step '%s' sends a task but names no recipient; add send.to, the agent whose "
                              "inbox receives it", id);
  else if (file == NULL)
    _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "send-incomplete", id, "send/file",
                              "step '%s' sends a task but does not name it; add send.file, the task's name "
                              "(it is written as inbox/%s/<file>.task)", id, to);

  check_agent_ref (v, id, to, "send/to", "step '%s' sends to", id);

  if (file == NULL)
    return;

  /* The task is written as inbox/<to>/<file>.task: the name is one file
   * name, never a path. */
  file_ok = file[0] != '\0' && strchr (file, '/') == NULL &&
            !g_str_equal (file, ".") && !g_str_equal (file, "..");
  if (!file_ok)
    {
      const char *base = strrchr (file, '/');

      base = base != NULL ? base + 1 : file;
      if (base[0] != '\0' && !g_str_equal (base, ".") && !g_str_equal (base, ".."))
        _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "unsafe-path", id, "send/file",
                                  "the send.file of step '%s' is unsafe: '%s' must be a task name, not a path "
                                  "(the task is written as inbox/<to>/<file>.task); write '%s'",
                                  id, file, base);
      else
        _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "unsafe-path", id, "send/file",
                                  "the send.file of step '%s' is unsafe: '%s' must be a task name, not a path "
                                  "(the task is written as inbox/<to>/<file>.task); write a name such as "
                                  "'review-request'",
                                  id, file);
      return;
    }

  /* The inbox folder may be a link that leads out of the workspace. */
  if (to != NULL && troupe_path_check_syntax (to) == TROUPE_PATH_OK && strchr (to, '/') == NULL)
    {
      g_autofree char *task = g_strconcat ("inbox/", to, "/", file, ".task", NULL);
      g_autofree char *what = g_strdup_printf ("the task file of step '%s'", id);

      check_path_on_disk (v, id, "send/file", task, FALSE, what);
    }
}

/* "a", "a and b", "a, b and c" */
static char *
join_names (const char * const *names,
            guint               n_names)
{
  GString *text = g_string_new (NULL);

  for (guint k = 0; k < n_names; k++)
    {
      if (k > 0)
        g_string_append (text, k + 1 == n_names ? " and " : ", ");
      g_string_append (text, names[k]);
    }

  return g_string_free (text, FALSE);
}

static void
check_wait (Validator  *v,
            TroupeStep *step,
            const char *id)
{
  const char *conflicts[7];
  guint n_conflicts = 0;
  const char *glob = troupe_step_get_wait_glob (step);
  gint64 timeout = troupe_step_get_wait_timeout (step);
  gint64 poll = troupe_step_get_wait_poll (step);

  /* The seed's exclusivity rule: a wait_for step does nothing but wait. */
  if (troupe_step_get_command (step) != NULL)
    conflicts[n_conflicts++] = "command";
  if (troupe_step_get_provider (step) != NULL)
    conflicts[n_conflicts++] = "provider";
  if (troupe_step_get_prompt (step) != NULL)
    conflicts[n_conflicts++] = "prompt";
  if (troupe_step_get_prompt_file (step) != NULL)
    conflicts[n_conflicts++] = "prompt_file";
  if (troupe_step_get_send_to (step) != NULL ||
      troupe_step_get_send_file (step) != NULL ||
      troupe_step_get_send_content (step) != NULL)
    conflicts[n_conflicts++] = "send";
  if (troupe_step_get_approval (step) != NULL)
    conflicts[n_conflicts++] = "approval";
  if (troupe_step_get_for_each (step) != NULL)
    conflicts[n_conflicts++] = "for_each";
  g_assert (n_conflicts <= G_N_ELEMENTS (conflicts));

  if (n_conflicts > 0)
    {
      g_autofree char *list = join_names (conflicts, n_conflicts);

      _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "wait-for-exclusive", id, "wait_for",
                                "step '%s' combines wait_for with %s; a wait_for step only waits, so move "
                                "%s to a step of its own that needs '%s'",
                                id, list, n_conflicts == 1 ? "it" : "them", id);
    }

  if (glob == NULL)
    _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "wait-incomplete", id, "wait_for/glob",
                              "step '%s' waits but names no glob; add wait_for.glob, for example "
                              "'inbox/<agent>/*.task'", id);
  else
    check_glob (v, id, glob);

  check_duration (v, id, timeout, "wait_for/timeout", "wait_for.timeout");
  check_duration (v, id, poll, "wait_for/poll", "wait_for.poll");

  if (timeout == TROUPE_DURATION_UNSET)
    _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "wait-timeout-missing", id, "wait_for/timeout",
                              "step '%s' waits with no timeout and could wait forever; add wait_for.timeout, "
                              "for example '5m'", id);

  if (timeout != TROUPE_DURATION_UNSET && poll != TROUPE_DURATION_UNSET && poll > timeout)
    {
      g_autofree char *poll_text = troupe_duration_format (poll);
      g_autofree char *timeout_text = troupe_duration_format (timeout);

      _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "out-of-range", id, "wait_for/poll",
                                "step '%s' polls every %s but gives up after %s, so it would look only once; "
                                "make wait_for.poll shorter than wait_for.timeout",
                                id, poll_text, timeout_text);
    }
}

/* @base is "retries" (of the step) or "/defaults/retries". A shorthand
 * "retries: 3" has no inner keys; locate() then falls back to @base. */
static void
check_retries (Validator               *v,
               const char              *step_id,
               const TroupeRetryPolicy *retries,
               const char              *base)
{
  if (retries == NULL)
    return;

  if (retries->delay_ms != TROUPE_DURATION_UNSET &&
      (retries->delay_ms < 0 || retries->delay_ms > TROUPE_DURATION_MAX_MS))
    {
      g_autofree char *pointer = g_strconcat (base, "/delay", NULL);

      check_duration (v, step_id, retries->delay_ms, pointer, "retry delay");
    }

  if (retries->max_delay_ms != TROUPE_DURATION_UNSET &&
      (retries->max_delay_ms < 0 || retries->max_delay_ms > TROUPE_DURATION_MAX_MS))
    {
      g_autofree char *pointer = g_strconcat (base, "/max_delay", NULL);

      check_duration (v, step_id, retries->max_delay_ms, pointer, "retry max_delay");
    }

  if (retries->max_retries > TROUPE_RETRY_MAX_RETRIES)
    {
      g_autofree char *pointer = g_strconcat (base, "/max", NULL);
      g_autofree char *owner = owner_name (step_id);

      _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "out-of-range", step_id, pointer,
                                "%s retries %u times, more than the most allowed (%u); lower retries.max",
                                owner, retries->max_retries, (guint) TROUPE_RETRY_MAX_RETRIES);
    }

  if (!(retries->jitter >= 0.0 && retries->jitter <= 1.0))
    {
      g_autofree char *pointer = g_strconcat (base, "/jitter", NULL);
      g_autofree char *owner = owner_name (step_id);

      _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "out-of-range", step_id, pointer,
                                "the retry jitter of %s is %g; write a number from 0 to 1, such as 0.2",
                                owner, retries->jitter);
    }

  /* max_delay caps exponential backoff; with fixed backoff it only matters
   * when it was written, and then a smaller one contradicts the delay. */
  if (retries->delay_ms > retries->max_delay_ms &&
      (retries->backoff == TROUPE_BACKOFF_EXPONENTIAL ||
       retries->max_delay_ms != TROUPE_RETRY_DEFAULT_MAX_DELAY_MS))
    {
      g_autofree char *pointer = g_strconcat (base, "/max_delay", NULL);
      g_autofree char *owner = owner_name (step_id);
      g_autofree char *delay = troupe_duration_format (retries->delay_ms);
      g_autofree char *max_delay = troupe_duration_format (retries->max_delay_ms);

      _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "out-of-range", step_id, pointer,
                                "%s waits %s between retries but at most %s (max_delay); make retries.delay "
                                "at most retries.max_delay", owner, delay, max_delay);
    }
}

static void
check_timeout (Validator  *v,
               const char *step_id,
               gint64      timeout,
               const char *pointer)
{
  g_autofree char *owner = NULL;

  check_duration (v, step_id, timeout, pointer, "timeout");

  if (timeout != 0)
    return;

  owner = owner_name (step_id);
  _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "out-of-range", step_id, pointer,
                            "the timeout of %s is 0s, so it would time out at once; give a positive duration "
                            "such as '10m' or remove the timeout", owner);
}

static void
check_step (Validator *v,
            guint      i)
{
  TroupeStep *step = _troupe_validator_step_at (v, i);
  const char *id = troupe_step_get_id (step);
  TroupeStepKind kind = troupe_step_get_kind (step);
  const char *agent = troupe_step_get_agent (step);
  const char *provider = troupe_step_get_provider (step);
  const char *prompt = troupe_step_get_prompt (step);
  const char *prompt_file = troupe_step_get_prompt_file (step);
  const char * const *command = troupe_step_get_command (step);
  const char * const *outputs = troupe_step_get_outputs (step);
  gboolean agent_known = agent == NULL || troupe_workflow_lookup_agent (v->workflow, agent) != NULL;
  TroupePathProblem problem;

  _troupe_validator_check_needs (v, step, id);

  check_agent_ref (v, id, agent, "agent", "step '%s' uses agent", id);
  check_provider_ref (v, id, provider, "provider", "step '%s' uses provider", id);

  if (provider != NULL && command != NULL)
    _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "provider-with-command", id, "provider",
                              "step '%s' has both provider and command, but a step runs either a provider "
                              "with a prompt or a command; remove provider to run the command, or command "
                              "to ask the provider", id);

  /* The same fields that make troupe_step_infer_kind() say "wait". */
  if (kind == TROUPE_STEP_KIND_WAIT ||
      troupe_step_get_wait_glob (step) != NULL ||
      troupe_step_get_wait_timeout (step) != TROUPE_DURATION_UNSET ||
      troupe_step_get_wait_poll (step) != TROUPE_DURATION_UNSET ||
      troupe_step_get_wait_min_count (step) != 1)
    check_wait (v, step, id);

  if (prompt_file != NULL &&
      (problem = troupe_path_check_resolved (v->workspace_root, prompt_file)) != TROUPE_PATH_OK)
    report_path (v, id, "prompt_file", problem, prompt_file, "the prompt_file of step '%s'", id);

  for (guint k = 0; outputs != NULL && outputs[k] != NULL; k++)
    {
      const char *output = outputs[k];

      /* Outputs may hold template variables: the fixed part is checked
       * now, the expanded path when the step runs. */
      problem = troupe_path_check_syntax (output);
      if (problem == TROUPE_PATH_OK && strstr (output, "${") == NULL)
        problem = troupe_path_check_resolved (v->workspace_root, output);

      if (problem != TROUPE_PATH_OK)
        {
          g_autofree char *pointer = g_strdup_printf ("outputs/%u", k);

          report_path (v, id, pointer, problem, output, "output %u of step '%s'", k + 1, id);
        }
      else if (strstr (output, "${") != NULL)
        {
          g_autofree char *pointer = g_strdup_printf ("outputs/%u", k);
          g_autofree char *what = g_strdup_printf ("output %u of step '%s'", k + 1, id);

          check_path_on_disk (v, id, pointer, output, FALSE, what);
        }
    }

  if (kind == TROUPE_STEP_KIND_AGENT)
    {
      if (prompt == NULL && prompt_file == NULL)
        _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "missing-prompt", id, "",
                                  "agent step '%s' has no prompt; add prompt (the text to send) or "
                                  "prompt_file (a file in the workspace)", id);
      else if (prompt != NULL && prompt_file != NULL)
        _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "prompt-conflict", id, "prompt_file",
                                  "step '%s' has both prompt and prompt_file; keep only one of them", id);

      /* An unknown agent is reported as such; its provider is unknowable. */
      if (agent_known && troupe_workflow_get_step_provider_name (v->workflow, step) == NULL)
        {
          if (agent != NULL)
            _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "no-provider", id, "",
                                      "step '%s' has no provider to run with; set provider on the step, on "
                                      "agent '%s', or as defaults.provider (built-in: %s)",
                                      id, agent, v->builtin_list);
          else
            _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "no-provider", id, "",
                                      "step '%s' has no provider to run with; set provider on the step, give "
                                      "it an agent that has one, or set defaults.provider (built-in: %s)",
                                      id, v->builtin_list);
        }
    }

  if ((kind == TROUPE_STEP_KIND_COMMAND || command != NULL) &&
      (command == NULL || command[0] == NULL || command[0][0] == '\0'))
    _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "empty-command", id, "command",
                              "command step '%s' has %s; write the program and its arguments as a list, for "
                              "example [make, test]",
                              id, command == NULL || command[0] == NULL ? "no command" : "an empty program name");

  if (kind == TROUPE_STEP_KIND_SEND ||
      troupe_step_get_send_to (step) != NULL ||
      troupe_step_get_send_file (step) != NULL ||
      troupe_step_get_send_content (step) != NULL)
    check_send (v, step, id);

  _troupe_validator_check_step_templates (v, step, i, id);

  check_retries (v, id, troupe_step_get_retries (step), "retries");
  check_timeout (v, id, troupe_step_get_timeout (step), "timeout");
}

/* Rules on the workflow as a whole */

static void
check_workflow (Validator *v)
{
  const char *workspace = troupe_workflow_get_workspace (v->workflow);
  GPtrArray *agents = troupe_workflow_get_agents (v->workflow);
  GPtrArray *providers = troupe_workflow_get_providers (v->workflow);

  if (workspace != NULL)
    {
      TroupePathProblem problem = troupe_path_check_syntax (workspace);

      /* The workspace is relative to the file's folder, not to itself. */
      if (problem == TROUPE_PATH_ABSOLUTE)
        _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "unsafe-path", NULL, "/workspace",
                                  "the workspace '%s' is an absolute path, so the workflow works only where "
                                  "that folder exists; write it relative to the folder of the workflow file, "
                                  "such as '.' or 'work'", workspace);
      else if (problem == TROUPE_PATH_PARENT)
        _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "unsafe-path", NULL, "/workspace",
                                  "the workspace '%s' has a '..' component, so it may lie outside the folder "
                                  "of the workflow file; move the file into or above its workspace and write "
                                  "a path without '..', such as '.'", workspace);
      else if (problem != TROUPE_PATH_OK)
        _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "unsafe-path", NULL, "/workspace",
                                  "the workspace is empty; write '.' for the folder of the workflow file, or "
                                  "leave workspace out");
    }

  check_provider_ref (v, NULL, troupe_workflow_get_default_provider (v->workflow),
                      "/defaults/provider", "defaults.provider names provider");
  check_retries (v, NULL, troupe_workflow_get_default_retries (v->workflow), "/defaults/retries");
  check_timeout (v, NULL, troupe_workflow_get_default_timeout (v->workflow), "/defaults/timeout");

  for (guint k = 0; providers != NULL && k < providers->len; k++)
    {
      TroupeProvider *provider = g_ptr_array_index (providers, k);
      const char * const *command = troupe_provider_get_command (provider);

      for (guint j = 0; command != NULL && command[j] != NULL; j++)
        {
          if (strstr (command[j], "${") != NULL)
            {
              const char *name = troupe_provider_get_name (provider);
              g_autofree char *escaped = troupe_json_pointer_escape (name);
              g_autofree char *pointer = g_strdup_printf ("/providers/%s/command/%u", escaped, j);

              _troupe_validator_check_template (v, NULL, NULL, name, command[j], pointer, "its command");
            }
        }
    }

  for (guint k = 0; agents != NULL && k < agents->len; k++)
    {
      TroupeAgent *agent = g_ptr_array_index (agents, k);
      const char *provider = troupe_agent_get_provider (agent);

      if (provider != NULL && !provider_is_known (v, provider))
        {
          const char *name = troupe_agent_get_name (agent);
          g_autofree char *escaped = troupe_json_pointer_escape (name);
          g_autofree char *pointer = g_strdup_printf ("/agents/%s/provider", escaped);

          check_provider_ref (v, NULL, provider, pointer, "agent '%s' uses provider", name);
        }
    }

  /* A file whose steps could not be read has errors of its own; saying
   * that it has no steps would only add noise. */
  if (v->n_steps == 0 &&
      !troupe_diagnostics_have_errors (troupe_workflow_get_load_diagnostics (v->workflow)))
    _troupe_validator_report (v, TROUPE_SEVERITY_WARNING, "empty-workflow", NULL, "/steps",
                              "the workflow has no steps, so running it does nothing; add a step under steps");
}

GPtrArray *
troupe_workflow_validate (TroupeWorkflow *self)
{
  g_auto(Validator) v = { 0 };
  GPtrArray *load;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  v.workflow = self;
  v.diagnostics = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_diagnostic_free);
  v.file = troupe_workflow_get_file (self);
  /* Resolved once: every path check would otherwise resolve it again. */
  {
    g_autofree char *root = troupe_workflow_dup_workspace_root (self);

    v.workspace_root = troupe_path_resolve_root (root);
  }
  v.steps = troupe_workflow_get_steps (self);
  v.n_steps = v.steps != NULL ? v.steps->len : 0;
  v.references = g_array_new (FALSE, FALSE, sizeof (Reference));
  g_array_set_clear_func (v.references, _troupe_validator_reference_clear);

  load = troupe_workflow_get_load_diagnostics (self);
  for (guint k = 0; load != NULL && k < load->len; k++)
    g_ptr_array_add (v.diagnostics, troupe_diagnostic_copy (g_ptr_array_index (load, k)));

  _troupe_validator_collect_names (&v);
  _troupe_validator_build_graph (&v);

  check_workflow (&v);
  _troupe_validator_find_components (&v);
  for (guint i = 0; i < v.n_steps; i++)
    check_step (&v, i);
  _troupe_validator_resolve_references (&v);

  /* GLib's sort is stable: same-place diagnostics keep the order the
   * rules ran in. */
  g_ptr_array_sort (v.diagnostics, troupe_diagnostic_compare);

  return g_steal_pointer (&v.diagnostics);
}
