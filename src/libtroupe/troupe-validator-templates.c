/* troupe-validator-templates.c
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

/* Templates and references to other steps */

void
_troupe_validator_reference_clear (gpointer data)
{
  Reference *reference = data;

  g_free (reference->pointer);
  g_free (reference->spelled);
}

/* " (${steps.x.output})", or "" when the reference is not a template
 * (for_each names the step alone). */
static char *
quote_spelling (const char *spelled)
{
  if (spelled == NULL)
    return g_strdup ("");
  return g_strdup_printf (" (%s)", spelled);
}

void
_troupe_validator_report_not_upstream (Validator  *v,
                                       guint       self,
                                       guint       target_index,
                                       const char *pointer,
                                       const char *where,
                                       const char *spelled)
{
  const char *id = troupe_step_get_id (_troupe_validator_step_at (v, self));
  const char *target = troupe_step_get_id (_troupe_validator_step_at (v, target_index));
  g_autofree char *quoted = quote_spelling (spelled);

  _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "not-upstream", id, pointer,
                            "step '%s' uses the result of step '%s' in %s%s, but does not depend on "
                            "it, so '%s' may not have run yet; add '%s' to the needs of '%s'",
                            id, target, where, quoted, target, target, id);
}

static gboolean
scope_first_time (Scope      *scope,
                  const char *kind,
                  const char *name)
{
  if (scope->seen == NULL)
    scope->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return g_hash_table_add (scope->seen, g_strconcat (kind, name, NULL));
}

static void
check_step_ref (Validator  *v,
                Scope      *scope,
                const char *target,
                const char *pointer,
                const char *where,
                const char *spelled)
{
  guint self = scope->self;
  const char *id = scope->id;
  guint target_index;
  Reference reference;

  if (!scope_first_time (scope, "step:", target))
    return;

  target_index = _troupe_validator_lookup_index (v, target);
  if (target_index == NO_INDEX)
    {
      g_autofree char *hint = _troupe_validator_suggestion (target, v->step_ids,
                                                            "; fix the step id or add that step");
      g_autofree char *quoted = quote_spelling (spelled);

      _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "unknown-step-ref", id, pointer,
                                "step '%s' refers to step '%s' in %s%s, but there is no such step%s",
                                id, target, where, quoted, hint);
      return;
    }

  if (target_index == self)
    {
      g_autofree char *quoted = quote_spelling (spelled);

      _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "not-upstream", id, pointer,
                                "step '%s' refers to its own result in %s%s, which does not exist while "
                                "it runs; refer to a step that '%s' needs instead",
                                id, where, quoted, id);
      return;
    }

  /* Along every need, the component number grows or stays: a target that
   * comes later cannot be upstream, and one in the same component (a
   * cycle, reported on its own) is. Only the rest needs a search. */
  if (v->comp[target_index] == v->comp[self])
    return;
  if (v->comp[target_index] > v->comp[self])
    {
      _troupe_validator_report_not_upstream (v, self, target_index, pointer, where, spelled);
      return;
    }

  reference.step = self;
  reference.target = target_index;
  reference.where = where;
  reference.pointer = g_strdup (pointer);
  reference.spelled = g_strdup (spelled);
  reference.upstream = FALSE;
  g_array_append_val (v->references, reference);
}

static const char * const step_fields[] = { "output", "lines", "status", NULL };
static const char * const run_names[] = { "run.id", "run.timestamp_utc", NULL };

/* "step 'x'", or "provider 'p'" for a template in a provider's command. */
static char *
template_owner (const char *step_id,
                const char *provider)
{
  if (step_id != NULL)
    return g_strdup_printf ("step '%s'", step_id);
  return g_strdup_printf ("provider '%s'", provider);
}

/* One variable of a template in a step's field (@scope set) or in the
 * command of @provider (@scope NULL). The names are those the runner
 * knows (troupe-run-actions.c); any other would fail the step when it
 * runs. */
static void
check_variable (Validator  *v,
                Scope      *scope,
                const char *step_id,
                const char *provider,
                const char *name,
                const char *pointer,
                const char *where)
{
  g_autofree char *spelled = NULL;
  g_autofree char *owner = NULL;

  if (scope != NULL && !scope_first_time (scope, "variable:", name))
    return;

  spelled = g_strconcat ("${", name, "}", NULL);

  if (g_str_has_prefix (name, "steps."))
    {
      const char *rest = name + strlen ("steps.");
      const char *dot = strrchr (rest, '.');
      g_autofree char *target = dot != NULL ? g_strndup (rest, dot - rest) : g_strdup (rest);

      if (dot == NULL || !g_strv_contains (step_fields, dot + 1))
        {
          const char *best = dot != NULL ? troupe_suggest (dot + 1, step_fields) : NULL;

          owner = template_owner (step_id, provider);
          if (best != NULL)
            _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "unknown-variable", step_id, pointer,
                                      "%s uses %s in %s, but a step has .output, .lines and .status; did you "
                                      "mean ${steps.%s.%s}?", owner, spelled, where, target, best);
          else
            _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "unknown-variable", step_id, pointer,
                                      "%s uses %s in %s, but a step has .output, .lines and .status; write "
                                      "${steps.%s.output}, for example", owner, spelled, where, target);
        }

      /* In a provider's command, steps.* refers to the upstream of whichever
       * step runs the provider: nothing to check here. */
      if (scope != NULL && target[0] != '\0')
        check_step_ref (v, scope, target, pointer, where, spelled);
    }
  else if (g_str_has_prefix (name, "context."))
    {
      const char *key = name + strlen ("context.");
      const char * const *keys = troupe_workflow_get_context_keys (v->workflow);

      /* A run can still pass --context KEY=VALUE: a warning, not an error. */
      if (troupe_workflow_get_context (v->workflow, key) == NULL)
        {
          const char *best = key[0] != '\0' ? troupe_suggest (key, keys) : NULL;

          owner = template_owner (step_id, provider);
          if (best != NULL)
            _troupe_validator_report (v, TROUPE_SEVERITY_WARNING, "unknown-variable", step_id, pointer,
                                      "%s uses %s in %s, but context has no key '%s'; did you mean "
                                      "${context.%s}?", owner, spelled, where, key, best);
          else
            _troupe_validator_report (v, TROUPE_SEVERITY_WARNING, "unknown-variable", step_id, pointer,
                                      "%s uses %s in %s, but context has no key '%s'; add it under context, "
                                      "or pass --context %s=VALUE when running", owner, spelled, where, key, key);
        }
    }
  else if (g_str_equal (name, "item"))
    {
      if (scope != NULL && !scope->has_for_each)
        {
          owner = template_owner (step_id, provider);
          _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "unknown-variable", step_id, pointer,
                                    "%s uses ${item} in %s, but ${item} has a value only in a step with "
                                    "for_each; add for_each or use another variable", owner, where);
        }
    }
  else if (g_str_equal (name, "prompt"))
    {
      if (scope != NULL)
        {
          owner = template_owner (step_id, provider);
          _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "unknown-variable", step_id, pointer,
                                    "%s uses ${prompt} in %s, but ${prompt} has a value only in a provider's "
                                    "command; write the text itself, or use ${steps.ID.output}", owner, where);
        }
    }
  else if (!g_strv_contains (run_names, name))
    {
      static const char * const others[] = { "item", "prompt", NULL };
      const char *best = troupe_suggest (name, run_names);

      if (best == NULL)
        best = troupe_suggest (name, others);

      owner = template_owner (step_id, provider);
      if (best != NULL)
        _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "unknown-variable", step_id, pointer,
                                  "%s uses %s in %s, which is not a variable; did you mean ${%s}?",
                                  owner, spelled, where, best);
      else
        _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "unknown-variable", step_id, pointer,
                                  "%s uses %s in %s, which is not a variable; the variables are run.id, "
                                  "run.timestamp_utc, context.KEY, steps.ID.output, steps.ID.lines, "
                                  "steps.ID.status and item (in a step with for_each)",
                                  owner, spelled, where);
    }
}

/* Checks the template in @text: its syntax, then each variable. */
void
_troupe_validator_check_template (Validator  *v,
                                  Scope      *scope,
                                  const char *step_id,
                                  const char *provider,
                                  const char *text,
                                  const char *pointer,
                                  const char *where)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;

  /* "$${" and "${" both contain "${": text without it has no template. */
  if (text == NULL || strstr (text, "${") == NULL)
    return;

  names = troupe_template_list_names (text, &error);
  if (names == NULL)
    {
      g_autofree char *owner = template_owner (step_id, provider);

      _troupe_validator_report (v, TROUPE_SEVERITY_ERROR, "bad-template", step_id, pointer,
                                "%s has a broken template in %s: %s", owner, where, error->message);
      return;
    }

  for (guint k = 0; names[k] != NULL; k++)
    check_variable (v, scope, step_id, provider, names[k], pointer, where);
}

/* The fields the runner expands, as troupe-run-actions.c does. */
void
_troupe_validator_check_step_templates (Validator  *v,
                                        TroupeStep *step,
                                        guint       self,
                                        const char *id)
{
  const char *for_each = troupe_step_get_for_each (step);
  const char * const *command = troupe_step_get_command (step);
  const char * const *outputs = troupe_step_get_outputs (step);
  TroupeConditionOp op = troupe_step_get_when_op (step);
  Scope scope = { self, id, for_each != NULL, NULL };

  if (for_each != NULL)
    check_step_ref (v, &scope, for_each, "for_each", "for_each", NULL);

  if (op != TROUPE_CONDITION_OP_NONE)
    {
      const char *sides[2] = { troupe_step_get_when_left (step), troupe_step_get_when_right (step) };

      for (guint k = 0; k < 2; k++)
        {
          if (sides[k] != NULL && strstr (sides[k], "${") != NULL)
            {
              const char *nick = troupe_enum_to_nick (TROUPE_TYPE_CONDITION_OP, op);
              g_autofree char *pointer = g_strdup_printf ("when/%s/%u", nick, k);

              _troupe_validator_check_template (v, &scope, id, NULL, sides[k], pointer, "its when condition");
            }
        }
    }

  _troupe_validator_check_template (v, &scope, id, NULL, troupe_step_get_prompt (step), "prompt", "its prompt");
  _troupe_validator_check_template (v, &scope, id, NULL, troupe_step_get_send_file (step), "send/file", "its send.file");
  _troupe_validator_check_template (v, &scope, id, NULL, troupe_step_get_send_content (step), "send/content",
                                    "its send content");
  _troupe_validator_check_template (v, &scope, id, NULL, troupe_step_get_wait_glob (step), "wait_for/glob",
                                    "its wait_for glob");
  _troupe_validator_check_template (v, &scope, id, NULL, troupe_step_get_approval (step), "approval",
                                    "its approval message");

  for (guint k = 0; command != NULL && command[k] != NULL; k++)
    {
      if (strstr (command[k], "${") != NULL)
        {
          g_autofree char *pointer = g_strdup_printf ("command/%u", k);

          _troupe_validator_check_template (v, &scope, id, NULL, command[k], pointer, "its command");
        }
    }

  for (guint k = 0; outputs != NULL && outputs[k] != NULL; k++)
    {
      if (strstr (outputs[k], "${") != NULL)
        {
          g_autofree char *pointer = g_strdup_printf ("outputs/%u", k);

          _troupe_validator_check_template (v, &scope, id, NULL, outputs[k], pointer, "its outputs");
        }
    }

  g_clear_pointer (&scope.seen, g_hash_table_unref);
}
