/* troupe-workflow-builder.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "troupe-duration.h"
#include "troupe-enums.h"
#include "troupe-strutil.h"
#include "troupe-workflow-io.h"
#include "troupe-workflow-builder-private.h"

/* The builder maps the format-neutral document tree onto a TroupeWorkflow.
 * It never fails: whatever it cannot take becomes a load diagnostic that
 * says where the problem is and how to fix it, and everything else is kept,
 * so one typo does not hide the rest of the file from the validator.
 *
 * The schema lives in the key tables of
 * troupe-workflow-builder-private.h. Each table is walked once per
 * mapping with strcmp() over a handful of names and no allocation, so a file
 * with tens of thousands of steps builds in linear time. */

static void
set_context (gpointer    target,
             const char *key,
             const char *value)
{
  troupe_workflow_set_context (target, key, value);
}

static void
set_env (gpointer    target,
         const char *key,
         const char *value)
{
  troupe_provider_set_env (target, key, value);
}

static void
build_defaults (Builder    *self,
                TroupeNode *node)
{
  TroupeNode *keys[N_DEFAULTS_KEYS] = { NULL, };
  TroupeNode *values[N_DEFAULTS_KEYS] = { NULL, };
  Where where = { NULL, NULL, "defaults", NULL };
  Where top = { NULL, NULL, NULL, NULL };
  TroupeRetryPolicy retries;
  const char *text = NULL;
  gint64 number = 0;
  int policy = 0;

  if (node->kind != TROUPE_NODE_MAPPING)
    {
      if (!_troupe_builder_is_null (node))
        _troupe_builder_report_wrong_type (self, &top, "defaults", node, "a mapping",
                                           "defaults: {provider: mock, timeout: 10m}");
      return;
    }

  _troupe_builder_walk_mapping (self, node, defaults_keys, &where, keys, values);

  if (_troupe_builder_read_string (self, &where, "provider", values[DEFAULTS_PROVIDER],
                                   "provider: mock", &text))
    troupe_workflow_set_default_provider (self->workflow, text);
  if (_troupe_builder_read_duration (self, &where, "timeout", values[DEFAULTS_TIMEOUT], &number))
    troupe_workflow_set_default_timeout (self->workflow, number);
  if (_troupe_builder_read_retries (self, &where, "defaults.retries", values[DEFAULTS_RETRIES], &retries))
    troupe_workflow_set_default_retries (self->workflow, &retries);
  if (_troupe_builder_read_enum (self, &where, "on_failure", values[DEFAULTS_ON_FAILURE],
                                 TROUPE_TYPE_FAILURE_POLICY, TROUPE_FAILURE_POLICY_STOP, &policy))
    troupe_workflow_set_default_on_failure (self->workflow, policy);
  if (_troupe_builder_read_int (self, &where, "max_parallel", values[DEFAULTS_MAX_PARALLEL],
                                1, MAX_PARALLEL_LIMIT, "max_parallel: 4", &number))
    troupe_workflow_set_max_parallel (self->workflow, (guint) number);
}

static gboolean
is_color (const char *text)
{
  if (text[0] != '#' || strlen (text) != 7)
    return FALSE;
  for (guint i = 1; i < 7; i++)
    {
      if (!g_ascii_isxdigit (text[i]))
        return FALSE;
    }
  return TRUE;
}

static void
build_agent (Builder    *self,
             TroupeNode *key,
             TroupeNode *node)
{
  TroupeNode *keys[N_AGENT_KEYS] = { NULL, };
  TroupeNode *values[N_AGENT_KEYS] = { NULL, };
  g_autoptr(TroupeAgent) agent = troupe_agent_new (key->scalar);
  Where where = { "agent", key->scalar, NULL, NULL };
  const char *text = NULL;
  gint64 number = 0;

  if (node->kind == TROUPE_NODE_MAPPING)
    {
      _troupe_builder_walk_mapping (self, node, agent_keys, &where, keys, values);
    }
  else if (!_troupe_builder_is_null (node))
    {
      _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "wrong-type", NULL, node,
                              "agent '%s' must be a mapping of its fields, like %s: {provider: claude}",
                              key->scalar, key->scalar);
    }

  if (_troupe_builder_read_string (self, &where, "provider", values[AGENT_PROVIDER], "provider: claude", &text))
    troupe_agent_set_provider (agent, text);
  if (_troupe_builder_read_string (self, &where, "color", values[AGENT_COLOR], "color: \"#3584e4\"", &text))
    {
      if (is_color (text))
        {
          troupe_agent_set_color (agent, text);
        }
      else
        {
          g_autofree char *what = _troupe_builder_describe_field (&where, "color");

          _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "out-of-range", NULL, values[AGENT_COLOR],
                                  "%s must be a colour written #rrggbb, like color: \"#3584e4\", not '%s'",
                                  what, text);
        }
    }
  if (_troupe_builder_read_string (self, &where, "description", values[AGENT_DESCRIPTION],
                                   "description: Designs the system.", &text))
    troupe_agent_set_description (agent, text);
  if (_troupe_builder_read_int (self, &where, "max_parallel", values[AGENT_MAX_PARALLEL],
                                1, MAX_PARALLEL_LIMIT, "max_parallel: 1", &number))
    troupe_agent_set_max_parallel (agent, (guint) number);

  troupe_workflow_add_agent (self->workflow, agent);
}

static gboolean
read_pointer (Builder     *self,
              const Where *where,
              const char  *field,
              TroupeNode  *node,
              const char  *example,
              const char **out)
{
  g_autofree char *what = NULL;

  if (!_troupe_builder_read_string (self, where, field, node, example, out))
    return FALSE;
  if ((*out)[0] == '/' || (*out)[0] == '\0')
    return TRUE;

  what = _troupe_builder_describe_field (where, field);
  _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "bad-value", NULL, node,
                          "%s must be a JSON pointer that starts with '/', like %s, not '%s'",
                          what, example, *out);
  return FALSE;
}

static void
build_provider (Builder    *self,
                TroupeNode *key,
                TroupeNode *node)
{
  TroupeNode *keys[N_PROVIDER_KEYS] = { NULL, };
  TroupeNode *values[N_PROVIDER_KEYS] = { NULL, };
  g_autoptr(TroupeProvider) provider = troupe_provider_new (key->scalar);
  Where where = { "provider", key->scalar, NULL, NULL };
  const char * const *argv;
  const char *text = NULL;
  gint64 number = 0;
  int choice = 0;

  if (node->kind == TROUPE_NODE_MAPPING)
    {
      _troupe_builder_walk_mapping (self, node, provider_keys, &where, keys, values);
    }
  else if (!_troupe_builder_is_null (node))
    {
      _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "wrong-type", NULL, node,
                              "provider '%s' must be a mapping of its fields, like %s: {command: [my-llm, \"${prompt}\"]}",
                              key->scalar, key->scalar);
    }

  argv = _troupe_builder_read_strv (self, &where, "command", values[PROVIDER_COMMAND],
                                    "a list of strings", "command: [my-llm, --prompt, \"${prompt}\"]");
  if (argv != NULL)
    troupe_provider_set_command (provider, argv);
  if (_troupe_builder_read_enum (self, &where, "input", values[PROVIDER_INPUT],
                                 TROUPE_TYPE_INPUT_MODE, TROUPE_INPUT_MODE_ARGV, &choice))
    troupe_provider_set_input_mode (provider, choice);
  if (_troupe_builder_read_enum (self, &where, "output", values[PROVIDER_OUTPUT],
                                 TROUPE_TYPE_OUTPUT_FORMAT, TROUPE_OUTPUT_FORMAT_TEXT, &choice))
    troupe_provider_set_output_format (provider, choice);
  _troupe_builder_read_string_map (self, &where, "env", values[PROVIDER_ENV],
                                   "env: {MY_LLM_MODEL: small}", set_env, provider);
  if (_troupe_builder_read_int (self, &where, "max_output", values[PROVIDER_MAX_OUTPUT],
                                1, G_MAXINT64, "max_output: 1048576", &number))
    troupe_provider_set_max_output (provider, (guint64) number);
  if (_troupe_builder_read_int (self, &where, "max_parallel", values[PROVIDER_MAX_PARALLEL],
                                1, MAX_PARALLEL_LIMIT, "max_parallel: 2", &number))
    troupe_provider_set_max_parallel (provider, (guint) number);
  if (read_pointer (self, &where, "result", values[PROVIDER_RESULT], "result: /result", &text))
    troupe_provider_set_result_pointer (provider, text);
  if (read_pointer (self, &where, "cost", values[PROVIDER_COST], "cost: /total_cost_usd", &text))
    troupe_provider_set_cost_pointer (provider, text);
  if (read_pointer (self, &where, "tokens", values[PROVIDER_TOKENS],
                    "tokens: /usage/output_tokens", &text))
    troupe_provider_set_tokens_pointer (provider, text);

  troupe_workflow_add_provider (self->workflow, provider);
}

/* agents and providers: user-named mappings of mappings. */
static void
build_named_section (Builder    *self,
                     const char *section,
                     TroupeNode *node,
                     const char *example,
                     void      (*build) (Builder    *self,
                                         TroupeNode *key,
                                         TroupeNode *value))
{
  g_autoptr(GHashTable) seen = NULL;
  Where top = { NULL, NULL, NULL, NULL };
  Where where = { NULL, NULL, section, NULL };

  if (node->kind != TROUPE_NODE_MAPPING)
    {
      if (!_troupe_builder_is_null (node))
        _troupe_builder_report_wrong_type (self, &top, section, node, "a mapping of names to fields", example);
      return;
    }

  seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < node->keys->len; i++)
    {
      TroupeNode *key = g_ptr_array_index (node->keys, i);
      gsize mark;

      if (!_troupe_builder_check_unique (self, seen, key, &where))
        continue;

      mark = _troupe_builder_enter (self, key->scalar, key);
      build (self, key, g_ptr_array_index (node->values, i));
      _troupe_builder_pop (self, mark);
    }
}

/* Runs @build on a section with the pointer at "/@name". */
static void
build_section (Builder    *self,
               const char *name,
               TroupeNode *node,
               void      (*build) (Builder    *self,
                                   TroupeNode *node))
{
  gsize mark;

  if (node == NULL)
    return;

  mark = _troupe_builder_enter (self, name, node);
  build (self, node);
  _troupe_builder_pop (self, mark);
}

static void
build_agents (Builder    *self,
              TroupeNode *node)
{
  build_named_section (self, "agents", node,
                       "agents: {architect: {provider: claude}}", build_agent);
}

static void
build_providers (Builder    *self,
                 TroupeNode *node)
{
  build_named_section (self, "providers", node,
                       "providers: {my-llm: {command: [my-llm, \"${prompt}\"]}}",
                       build_provider);
}

/* Any whole number but the one this library reads is a version from
 * elsewhere, however large. */
static void
build_version (Builder    *self,
               TroupeNode *node)
{
  Where top = { NULL, NULL, NULL, NULL };
  gboolean overflow = FALSE;
  gint64 version = 0;

  if (_troupe_builder_is_null (node))
    return;

  if (node->kind != TROUPE_NODE_SCALAR ||
      (node->scalar_type != TROUPE_SCALAR_PLAIN && node->scalar_type != TROUPE_SCALAR_INT) ||
      !_troupe_builder_parse_int (node->scalar, &version, &overflow))
    {
      _troupe_builder_report_wrong_type (self, &top, "troupe", node, "a whole number", "troupe: 1");
      return;
    }

  if (overflow || version != TROUPE_FORMAT_VERSION)
    _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "unsupported-version", NULL, node,
                            "this file is format version %s, but this version of Troupe reads only "
                            "version %d; upgrade Troupe, or write troupe: %d",
                            node->scalar, TROUPE_FORMAT_VERSION, TROUPE_FORMAT_VERSION);
}

static void
build_root (Builder    *self,
            TroupeNode *root)
{
  TroupeNode *keys[N_TOP_KEYS] = { NULL, };
  TroupeNode *values[N_TOP_KEYS] = { NULL, };
  Where top = { NULL, NULL, NULL, NULL };
  const char *text = NULL;

  _troupe_builder_record (self, root);

  if (root->kind != TROUPE_NODE_MAPPING)
    {
      /* An empty document is an empty workflow. */
      if (!_troupe_builder_is_null (root))
        _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "wrong-type", NULL, root,
                                "a workflow file must be a mapping of keys such as troupe, name and steps, "
                                "not a %s", root->kind == TROUPE_NODE_SEQUENCE ? "list" : "single value");
      return;
    }

  _troupe_builder_walk_mapping (self, root, top_keys, &top, keys, values);

  /* A file without "troupe:" is read as the current version. */
  build_section (self, "troupe", values[TOP_TROUPE], build_version);

  if (_troupe_builder_read_string (self, &top, "name", values[TOP_NAME], "name: Release pipeline", &text))
    troupe_workflow_set_name (self->workflow, text);
  if (_troupe_builder_read_string (self, &top, "description", values[TOP_DESCRIPTION],
                                   "description: Builds and ships the app.", &text))
    troupe_workflow_set_description (self->workflow, text);
  /* "." is the default: keep it unset so the model equals one read from a
   * file that omits it. */
  if (_troupe_builder_read_string (self, &top, "workspace", values[TOP_WORKSPACE], "workspace: .", &text))
    troupe_workflow_set_workspace (self->workflow, strcmp (text, ".") == 0 ? NULL : text);

  build_section (self, "defaults", values[TOP_DEFAULTS], build_defaults);
  _troupe_builder_read_string_map (self, &top, "context", values[TOP_CONTEXT], "context: {project: todo-app}",
                                   set_context, self->workflow);
  build_section (self, "agents", values[TOP_AGENTS], build_agents);
  build_section (self, "providers", values[TOP_PROVIDERS], build_providers);
  /* The layout goes first so that positions are set on steps before they
   * join the workflow. */
  build_section (self, "layout", values[TOP_LAYOUT], _troupe_builder_build_layout);
  build_section (self, "steps", values[TOP_STEPS], _troupe_builder_build_steps);
  _troupe_builder_report_unused_positions (self);
}

TroupeWorkflow *
troupe_workflow_build (TroupeNode *root,
                       const char *filename)
{
  g_autoptr(TroupeWorkflow) workflow = NULL;
  Builder self = { NULL, };

  g_return_val_if_fail (root != NULL, NULL);

  workflow = troupe_workflow_new ();

  self.workflow = workflow;
  self.filename = filename;
  self.pointer = g_string_sized_new (128);
  self.scratch = g_ptr_array_new ();
  self.step_keys = g_hash_table_new (g_str_hash, g_str_equal);
  self.positions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  self.position_list = g_array_new (FALSE, FALSE, sizeof (TroupeNode *));

  build_root (&self, root);

  g_string_free (self.pointer, TRUE);
  g_ptr_array_unref (self.scratch);
  g_hash_table_unref (self.step_keys);
  g_hash_table_unref (self.positions);
  g_array_unref (self.position_list);
  g_clear_pointer (&self.step_ids, g_ptr_array_unref);

  return g_steal_pointer (&workflow);
}
