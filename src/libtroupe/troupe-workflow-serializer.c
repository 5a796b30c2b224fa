/* troupe-workflow-serializer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "troupe-duration.h"
#include "troupe-enums.h"
#include "troupe-workflow-io.h"

/* The serializer is the one place that knows the canonical shape of a
 * workflow file: the key order of the format, which fields are left out
 * because they are unset or default, and which lists print in flow style.
 * It only reads the model, so the same model always gives the same tree,
 * and each step's fields depend on that step alone: editing one step
 * changes only its own lines (and its line under layout.positions). */

static void
set_string (TroupeNode *mapping,
            const char *key,
            const char *value)
{
  if (value != NULL && value[0] != '\0')
    troupe_node_set (mapping, key, troupe_node_new_string (value));
}

static void
set_duration (TroupeNode *mapping,
              const char *key,
              gint64      ms)
{
  g_autofree char *text = NULL;

  if (ms < 0)
    return;

  text = troupe_duration_format (ms);
  troupe_node_set (mapping, key, troupe_node_new_string (text));
}

static void
set_nick (TroupeNode *mapping,
          const char *key,
          GType       type,
          int         value)
{
  const char *nick = troupe_enum_to_nick (type, value);

  g_assert (nick != NULL);
  troupe_node_set (mapping, key, troupe_node_new_string (nick));
}

static TroupeNode *
new_flow_sequence (void)
{
  TroupeNode *sequence = troupe_node_new_sequence ();

  sequence->style = TROUPE_NODE_STYLE_FLOW;
  return sequence;
}

static void
set_strv (TroupeNode         *mapping,
          const char         *key,
          const char * const *strv)
{
  TroupeNode *sequence;

  if (strv == NULL || strv[0] == NULL)
    return;

  sequence = new_flow_sequence ();
  for (guint i = 0; strv[i] != NULL; i++)
    troupe_node_append (sequence, troupe_node_new_string (strv[i]));
  troupe_node_set (mapping, key, sequence);
}

/* The shortest text that reads back as exactly @value, without a dot when
 * it is a whole number: "120", "120.5", "0.1" (not "0.10000000000000001"). */
static TroupeNode *
serialize_retries (const TroupeRetryPolicy *retries)
{
  TroupeNode *mapping;

  if (troupe_retry_policy_is_shorthand (retries))
    return troupe_node_new_int (retries->max_retries);

  mapping = troupe_node_new_mapping ();
  troupe_node_set (mapping, "max", troupe_node_new_int (retries->max_retries));
  if (retries->backoff != TROUPE_BACKOFF_FIXED)
    set_nick (mapping, "backoff", TROUPE_TYPE_BACKOFF, retries->backoff);
  if (retries->delay_ms != TROUPE_RETRY_DEFAULT_DELAY_MS)
    set_duration (mapping, "delay", retries->delay_ms);
  if (retries->max_delay_ms != TROUPE_RETRY_DEFAULT_MAX_DELAY_MS)
    set_duration (mapping, "max_delay", retries->max_delay_ms);
  if (retries->jitter != 0 && isfinite (retries->jitter))
    troupe_node_set (mapping, "jitter", troupe_node_new_double (retries->jitter));

  return mapping;
}

static void
set_if_not_empty (TroupeNode *mapping,
                  const char *key,
                  TroupeNode *value)
{
  if (troupe_node_get_length (value) > 0)
    troupe_node_set (mapping, key, value);
  else
    troupe_node_free (value);
}

static TroupeNode *
serialize_defaults (TroupeWorkflow *self)
{
  TroupeNode *defaults = troupe_node_new_mapping ();
  const TroupeRetryPolicy *retries;
  TroupeFailurePolicy policy;
  guint max_parallel;

  set_string (defaults, "provider", troupe_workflow_get_default_provider (self));
  set_duration (defaults, "timeout", troupe_workflow_get_default_timeout (self));
  retries = troupe_workflow_get_default_retries (self);
  if (retries != NULL)
    troupe_node_set (defaults, "retries", serialize_retries (retries));
  policy = troupe_workflow_get_default_on_failure (self);
  if (policy != TROUPE_FAILURE_POLICY_INHERIT)
    set_nick (defaults, "on_failure", TROUPE_TYPE_FAILURE_POLICY, policy);
  max_parallel = troupe_workflow_get_max_parallel (self);
  if (max_parallel > 0)
    troupe_node_set (defaults, "max_parallel", troupe_node_new_int (max_parallel));

  return defaults;
}

static TroupeNode *
serialize_context (TroupeWorkflow *self)
{
  TroupeNode *context = troupe_node_new_mapping ();
  const char * const *keys = troupe_workflow_get_context_keys (self);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      const char *value = troupe_workflow_get_context (self, keys[i]);

      /* An empty value is still a variable: keep it. */
      troupe_node_set (context, keys[i], troupe_node_new_string (value != NULL ? value : ""));
    }

  return context;
}

static TroupeNode *
serialize_agents (TroupeWorkflow *self)
{
  TroupeNode *agents = troupe_node_new_mapping ();
  GPtrArray *array = troupe_workflow_get_agents (self);

  for (guint i = 0; i < array->len; i++)
    {
      TroupeAgent *agent = g_ptr_array_index (array, i);
      TroupeNode *mapping = troupe_node_new_mapping ();
      guint max_parallel = troupe_agent_get_max_parallel (agent);

      set_string (mapping, "provider", troupe_agent_get_provider (agent));
      set_string (mapping, "color", troupe_agent_get_color (agent));
      set_string (mapping, "description", troupe_agent_get_description (agent));
      if (max_parallel > 0)
        troupe_node_set (mapping, "max_parallel", troupe_node_new_int (max_parallel));

      troupe_node_set (agents, troupe_agent_get_name (agent), mapping);
    }

  return agents;
}

static TroupeNode *
serialize_providers (TroupeWorkflow *self)
{
  TroupeNode *providers = troupe_node_new_mapping ();
  GPtrArray *array = troupe_workflow_get_providers (self);

  for (guint i = 0; i < array->len; i++)
    {
      TroupeProvider *provider = g_ptr_array_index (array, i);
      TroupeNode *mapping = troupe_node_new_mapping ();
      TroupeNode *env = troupe_node_new_mapping ();
      g_auto(GStrv) names = troupe_provider_dup_env_names (provider);
      TroupeInputMode input = troupe_provider_get_input_mode (provider);
      TroupeOutputFormat output = troupe_provider_get_output_format (provider);
      guint64 max_output = troupe_provider_get_max_output (provider);
      guint max_parallel = troupe_provider_get_max_parallel (provider);

      set_strv (mapping, "command", troupe_provider_get_command (provider));
      if (input != TROUPE_INPUT_MODE_ARGV)
        set_nick (mapping, "input", TROUPE_TYPE_INPUT_MODE, input);
      if (output != TROUPE_OUTPUT_FORMAT_TEXT)
        set_nick (mapping, "output", TROUPE_TYPE_OUTPUT_FORMAT, output);
      /* The names come sorted, so the file does not depend on the order in
       * which variables were set. */
      for (guint j = 0; names != NULL && names[j] != NULL; j++)
        {
          const char *value = troupe_provider_get_env (provider, names[j]);

          troupe_node_set (env, names[j], troupe_node_new_string (value != NULL ? value : ""));
        }
      set_if_not_empty (mapping, "env", env);
      if (max_output > 0)
        troupe_node_set (mapping, "max_output", troupe_node_new_int ((gint64) max_output));
      if (max_parallel > 0)
        troupe_node_set (mapping, "max_parallel", troupe_node_new_int (max_parallel));
      set_string (mapping, "result", troupe_provider_get_result_pointer (provider));
      set_string (mapping, "cost", troupe_provider_get_cost_pointer (provider));
      set_string (mapping, "tokens", troupe_provider_get_tokens_pointer (provider));

      troupe_node_set (providers, troupe_provider_get_name (provider), mapping);
    }

  return providers;
}

static const char *
condition_key (TroupeConditionOp op)
{
  switch (op)
    {
    case TROUPE_CONDITION_OP_EQUALS:
      return "equals";
    case TROUPE_CONDITION_OP_NOT_EQUALS:
      return "not_equals";
    case TROUPE_CONDITION_OP_CONTAINS:
      return "contains";
    case TROUPE_CONDITION_OP_NOT_CONTAINS:
      return "not_contains";
    case TROUPE_CONDITION_OP_NONE:
    default:
      return NULL;
    }
}

static TroupeNode *
serialize_step (TroupeStep *step)
{
  TroupeNode *mapping = troupe_node_new_mapping ();
  TroupeNode *send = troupe_node_new_mapping ();
  TroupeNode *wait = troupe_node_new_mapping ();
  TroupeStepKind kind = troupe_step_get_kind (step);
  const TroupeRetryPolicy *retries;
  TroupeFailurePolicy policy;
  const char *op;
  guint min_count;

  /* A reader infers the kind from the fields, so it is written only when
   * the inference would get it wrong. */
  if (troupe_step_infer_kind (step) != kind)
    set_nick (mapping, "kind", TROUPE_TYPE_STEP_KIND, kind);
  set_string (mapping, "description", troupe_step_get_description (step));
  set_string (mapping, "agent", troupe_step_get_agent (step));
  set_string (mapping, "provider", troupe_step_get_provider (step));
  set_string (mapping, "prompt", troupe_step_get_prompt (step));
  set_string (mapping, "prompt_file", troupe_step_get_prompt_file (step));
  set_strv (mapping, "command", troupe_step_get_command (step));

  set_string (send, "to", troupe_step_get_send_to (step));
  set_string (send, "file", troupe_step_get_send_file (step));
  set_string (send, "content", troupe_step_get_send_content (step));
  set_if_not_empty (mapping, "send", send);

  set_string (wait, "glob", troupe_step_get_wait_glob (step));
  set_duration (wait, "timeout", troupe_step_get_wait_timeout (step));
  set_duration (wait, "poll", troupe_step_get_wait_poll (step));
  /* 1 is the default. */
  min_count = troupe_step_get_wait_min_count (step);
  if (min_count != 1)
    troupe_node_set (wait, "min_count", troupe_node_new_int (min_count));
  set_if_not_empty (mapping, "wait_for", wait);

  set_string (mapping, "approval", troupe_step_get_approval (step));
  set_strv (mapping, "needs", troupe_step_get_needs (step));
  retries = troupe_step_get_retries (step);
  if (retries != NULL)
    troupe_node_set (mapping, "retries", serialize_retries (retries));
  set_duration (mapping, "timeout", troupe_step_get_timeout (step));
  policy = troupe_step_get_on_failure (step);
  if (policy != TROUPE_FAILURE_POLICY_INHERIT)
    set_nick (mapping, "on_failure", TROUPE_TYPE_FAILURE_POLICY, policy);
  set_strv (mapping, "outputs", troupe_step_get_outputs (step));

  op = condition_key (troupe_step_get_when_op (step));
  if (op != NULL)
    {
      TroupeNode *when = troupe_node_new_mapping ();
      TroupeNode *operands = new_flow_sequence ();
      const char *left = troupe_step_get_when_left (step);
      const char *right = troupe_step_get_when_right (step);

      troupe_node_append (operands, troupe_node_new_string (left != NULL ? left : ""));
      troupe_node_append (operands, troupe_node_new_string (right != NULL ? right : ""));
      troupe_node_set (when, op, operands);
      troupe_node_set (mapping, "when", when);
    }

  set_string (mapping, "for_each", troupe_step_get_for_each (step));

  return mapping;
}

static TroupeNode *
serialize_layout (TroupeWorkflow *self)
{
  TroupeNode *layout = troupe_node_new_mapping ();
  TroupeNode *positions = troupe_node_new_mapping ();
  TroupeRankDir rank_dir = troupe_workflow_get_rank_dir (self);
  GPtrArray *steps = troupe_workflow_get_steps (self);

  switch (rank_dir)
    {
    case TROUPE_RANK_DIR_LR:
      troupe_node_set (layout, "direction", troupe_node_new_string ("LR"));
      break;
    case TROUPE_RANK_DIR_BT:
      troupe_node_set (layout, "direction", troupe_node_new_string ("BT"));
      break;
    case TROUPE_RANK_DIR_RL:
      troupe_node_set (layout, "direction", troupe_node_new_string ("RL"));
      break;
    case TROUPE_RANK_DIR_TB:
    default:
      break;
    }

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      TroupeNode *xy;
      double x, y;

      if (!troupe_step_get_position (step, &x, &y) || !isfinite (x) || !isfinite (y))
        continue;

      xy = new_flow_sequence ();
      troupe_node_append (xy, troupe_node_new_double (x));
      troupe_node_append (xy, troupe_node_new_double (y));
      troupe_node_set (positions, troupe_step_get_id (step), xy);
    }
  set_if_not_empty (layout, "positions", positions);

  return layout;
}

TroupeNode *
troupe_workflow_serialize (TroupeWorkflow *self)
{
  const char *workspace;
  TroupeNode *root;
  TroupeNode *steps;
  GPtrArray *array;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  root = troupe_node_new_mapping ();
  troupe_node_set (root, "troupe", troupe_node_new_int (TROUPE_FORMAT_VERSION));
  set_string (root, "name", troupe_workflow_get_name (self));
  set_string (root, "description", troupe_workflow_get_description (self));
  /* "." is the default. */
  workspace = troupe_workflow_get_workspace (self);
  if (g_strcmp0 (workspace, ".") != 0)
    set_string (root, "workspace", workspace);
  set_if_not_empty (root, "defaults", serialize_defaults (self));
  set_if_not_empty (root, "context", serialize_context (self));
  set_if_not_empty (root, "agents", serialize_agents (self));
  set_if_not_empty (root, "providers", serialize_providers (self));

  steps = troupe_node_new_mapping ();
  array = troupe_workflow_get_steps (self);
  for (guint i = 0; i < array->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (array, i);

      troupe_node_set (steps, troupe_step_get_id (step), serialize_step (step));
    }
  set_if_not_empty (root, "steps", steps);

  set_if_not_empty (root, "layout", serialize_layout (self));

  return root;
}
