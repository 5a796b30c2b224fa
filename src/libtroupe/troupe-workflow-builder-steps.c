/* troupe-workflow-builder-steps.c
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

/* The readers for steps and their fields (send, wait_for, when, ...) and
 * for the layout, whose positions are read before the steps. */

static void
build_send (Builder     *self,
            const Where *where,
            TroupeNode  *node,
            TroupeStep  *step)
{
  TroupeNode *keys[N_SEND_KEYS] = { NULL, };
  TroupeNode *values[N_SEND_KEYS] = { NULL, };
  Where inner = *where;
  const char *text = NULL;
  gsize mark;

  if (node == NULL)
    return;

  mark = _troupe_builder_enter (self, "send", node);

  if (node->kind == TROUPE_NODE_MAPPING)
    {
      inner.section = "send";
      _troupe_builder_walk_mapping (self, node, send_keys, &inner, keys, values);

      if (_troupe_builder_read_string (self, &inner, "to", values[SEND_TO], "to: engineer", &text))
        troupe_step_set_send_to (step, text);
      if (_troupe_builder_read_string (self, &inner, "file", values[SEND_FILE], "file: design-ready", &text))
        troupe_step_set_send_file (step, text);
      if (_troupe_builder_read_string (self, &inner, "content", values[SEND_CONTENT],
                                       "content: Please implement.", &text))
        troupe_step_set_send_content (step, text);
    }
  else if (!_troupe_builder_is_null (node))
    {
      _troupe_builder_report_wrong_type (self, where, "send", node, "a mapping",
                                         "send: {to: engineer, file: design-ready, content: Please implement.}");
    }

  _troupe_builder_pop (self, mark);
}

static void
build_wait (Builder     *self,
            const Where *where,
            TroupeNode  *node,
            TroupeStep  *step)
{
  TroupeNode *keys[N_WAIT_KEYS] = { NULL, };
  TroupeNode *values[N_WAIT_KEYS] = { NULL, };
  Where inner = *where;
  const char *text = NULL;
  gint64 number = 0;
  gsize mark;

  if (node == NULL)
    return;

  mark = _troupe_builder_enter (self, "wait_for", node);

  if (node->kind == TROUPE_NODE_MAPPING)
    {
      inner.section = "wait_for";
      _troupe_builder_walk_mapping (self, node, wait_keys, &inner, keys, values);

      if (_troupe_builder_read_string (self, &inner, "glob", values[WAIT_GLOB],
                                       "glob: inbox/engineer/*.task", &text))
        troupe_step_set_wait_glob (step, text);
      if (_troupe_builder_read_duration (self, &inner, "timeout", values[WAIT_TIMEOUT], &number))
        troupe_step_set_wait_timeout (step, number);
      if (_troupe_builder_read_duration (self, &inner, "poll", values[WAIT_POLL], &number))
        troupe_step_set_wait_poll (step, number);
      /* 1 is the default: leaving it unset keeps the model equal to one
       * read from a file that omits it. */
      if (_troupe_builder_read_int (self, &inner, "min_count", values[WAIT_MIN_COUNT],
                                    1, G_MAXUINT32, "min_count: 1", &number) && number != 1)
        troupe_step_set_wait_min_count (step, (guint) number);
    }
  else if (!_troupe_builder_is_null (node))
    {
      _troupe_builder_report_wrong_type (self, where, "wait_for", node, "a mapping",
                                         "wait_for: {glob: inbox/engineer/*.task, timeout: 5m}");
    }

  _troupe_builder_pop (self, mark);
}

static void
build_when (Builder     *self,
            const Where *where,
            TroupeNode  *node,
            TroupeStep  *step)
{
  static const char example[] = "when: {equals: [\"${steps.review.output}\", approve]}";
  TroupeNode *keys[N_WHEN_KEYS] = { NULL, };
  TroupeNode *values[N_WHEN_KEYS] = { NULL, };
  Where inner = *where;
  g_autofree char *what = NULL;
  guint n_unknown;
  guint n_ops = 0;
  guint op = 0;
  gsize mark;

  if (node == NULL)
    return;

  mark = _troupe_builder_enter (self, "when", node);

  if (node->kind != TROUPE_NODE_MAPPING)
    {
      if (!_troupe_builder_is_null (node))
        _troupe_builder_report_wrong_type (self, where, "when", node, "a mapping with one operator", example);
      _troupe_builder_pop (self, mark);
      return;
    }

  inner.section = "when";
  n_unknown = _troupe_builder_walk_mapping (self, node, when_keys, &inner, keys, values);

  for (guint i = 0; i < N_WHEN_KEYS; i++)
    {
      if (keys[i] != NULL)
        {
          if (n_ops == 0)
            op = i;
          n_ops++;
        }
    }

  if (n_ops == 0 && n_unknown == 0)
    {
      what = _troupe_builder_describe_field (where, "when");
      _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "bad-value", where->step_id, node,
                              "%s must have exactly one operator (equals, not_equals, contains or not_contains), like %s",
                              what, example);
    }
  else if (n_ops > 1)
    {
      GString *names = g_string_new (NULL);
      g_autofree char *listed = NULL;
      TroupeNode *second = NULL;

      /* Name the operators in file order and point at the first extra one. */
      for (guint i = 0; i < node->keys->len; i++)
        {
          TroupeNode *key = g_ptr_array_index (node->keys, i);
          int index = _troupe_builder_find_name (when_keys, key->scalar);

          if (index < 0 || keys[index] != key)
            continue;
          if (names->len > 0)
            {
              g_string_append (names, ", ");
              if (second == NULL)
                second = key;
            }
          g_string_append (names, key->scalar);
        }
      listed = g_string_free (names, FALSE);

      what = _troupe_builder_describe_field (where, "when");
      _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "bad-value", where->step_id, second,
                              "%s must have exactly one operator, but has %u (%s); keep one",
                              what, n_ops, listed);
    }
  else if (n_ops == 1)
    {
      TroupeNode *value = values[op];
      gsize op_mark = _troupe_builder_push (self, when_keys[op]);
      gboolean ok;

      _troupe_builder_record (self, value);
      ok = value->kind == TROUPE_NODE_SEQUENCE && value->values->len == 2;
      for (guint i = 0; ok && i < 2; i++)
        {
          TroupeNode *item = g_ptr_array_index (value->values, i);
          gsize item_mark = _troupe_builder_push_index (self, i);

          _troupe_builder_record (self, item);
          ok = item->kind == TROUPE_NODE_SCALAR;
          _troupe_builder_pop (self, item_mark);
        }

      if (ok)
        {
          troupe_step_set_when (step, when_ops[op],
                                _troupe_builder_scalar_text (g_ptr_array_index (value->values, 0)),
                                _troupe_builder_scalar_text (g_ptr_array_index (value->values, 1)));
        }
      else
        {
          g_autofree char *op_example = g_strdup_printf ("%s: [\"${steps.review.output}\", approve]",
                                                         when_keys[op]);

          _troupe_builder_report_wrong_type (self, &inner, when_keys[op], value,
                                             "a list of two strings", op_example);
        }

      _troupe_builder_pop (self, op_mark);
    }

  _troupe_builder_pop (self, mark);
}

/* The kind a step is read as when it names none, from the keys present. */
static TroupeStepKind
infer_kind (TroupeNode **keys)
{
  if (keys[STEP_COMMAND] != NULL)
    return TROUPE_STEP_KIND_COMMAND;
  if (keys[STEP_SEND] != NULL)
    return TROUPE_STEP_KIND_SEND;
  if (keys[STEP_WAIT_FOR] != NULL)
    return TROUPE_STEP_KIND_WAIT;
  if (keys[STEP_APPROVAL] != NULL)
    return TROUPE_STEP_KIND_APPROVAL;
  return TROUPE_STEP_KIND_AGENT;
}

static void
build_step (Builder    *self,
            TroupeNode *key,
            TroupeNode *node)
{
  TroupeNode *keys[N_STEP_KEYS] = { NULL, };
  TroupeNode *values[N_STEP_KEYS] = { NULL, };
  g_autoptr(TroupeStep) step = NULL;
  g_autoptr(GError) error = NULL;
  const char *id = key->scalar;
  Where where = { "step", id, NULL, id };
  TroupeRetryPolicy retries;
  const char * const *strv;
  const char *text = NULL;
  Position *position;
  TroupeNode *first;
  gint64 number = 0;
  int choice = 0;
  int kind;

  first = g_hash_table_lookup (self->step_keys, id);
  if (first != NULL)
    {
      g_autofree char *lines = _troupe_builder_describe_pair (first, key);

      _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "duplicate-step", id, key,
                              "step '%s' is defined twice (%s); rename or remove one of them",
                              id, lines);
      return;
    }
  g_hash_table_insert (self->step_keys, (gpointer) id, key);
  /* Only now: the pointer of a repeated id keeps the first one's place. */
  _troupe_builder_record (self, key);

  if (!troupe_step_id_is_valid (id))
    {
      _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "bad-step-id", id, key,
                              "step id '%s' is not valid: use 1 to 64 letters, digits, '-' or '_', "
                              "starting with a letter or a digit", id);
      /* An empty id cannot be referred to, saved or even reported on. */
      if (id[0] == '\0')
        return;
    }

  if (node->kind == TROUPE_NODE_MAPPING)
    {
      _troupe_builder_walk_mapping (self, node, step_keys, &where, keys, values);
    }
  else if (!_troupe_builder_is_null (node))
    {
      _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "wrong-type", id, node,
                              "step '%s' must be a mapping of its fields, like %s: {command: [make, test]}",
                              id, id);
    }

  if (!_troupe_builder_read_enum (self, &where, "kind", values[STEP_KIND],
                                  TROUPE_TYPE_STEP_KIND, TROUPE_STEP_KIND_AGENT, &kind))
    kind = infer_kind (keys);

  step = troupe_step_new (id, kind);

  if (_troupe_builder_read_string (self, &where, "description", values[STEP_DESCRIPTION],
                                   "description: Designs the system.", &text))
    troupe_step_set_description (step, text);
  if (_troupe_builder_read_string (self, &where, "agent", values[STEP_AGENT], "agent: architect", &text))
    troupe_step_set_agent (step, text);
  if (_troupe_builder_read_string (self, &where, "provider", values[STEP_PROVIDER], "provider: claude", &text))
    troupe_step_set_provider (step, text);
  if (_troupe_builder_read_string (self, &where, "prompt", values[STEP_PROMPT], "prompt: Design the system.", &text))
    troupe_step_set_prompt (step, text);
  if (_troupe_builder_read_string (self, &where, "prompt_file", values[STEP_PROMPT_FILE],
                                   "prompt_file: prompts/design.md", &text))
    troupe_step_set_prompt_file (step, text);
  strv = _troupe_builder_read_strv (self, &where, "command", values[STEP_COMMAND],
                                    "a list of strings", "command: [make, test]");
  if (strv != NULL)
    troupe_step_set_command (step, strv);
  build_send (self, &where, values[STEP_SEND], step);
  build_wait (self, &where, values[STEP_WAIT_FOR], step);
  if (_troupe_builder_read_string (self, &where, "approval", values[STEP_APPROVAL],
                                   "approval: Ship the release?", &text))
    troupe_step_set_approval (step, text);
  strv = _troupe_builder_read_strv (self, &where, "needs", values[STEP_NEEDS],
                                    "a list of step ids", "needs: [a, b]");
  if (strv != NULL)
    troupe_step_set_needs (step, strv);
  if (_troupe_builder_read_retries (self, &where, "retries", values[STEP_RETRIES], &retries))
    troupe_step_set_retries (step, &retries);
  if (_troupe_builder_read_duration (self, &where, "timeout", values[STEP_TIMEOUT], &number))
    troupe_step_set_timeout (step, number);
  if (_troupe_builder_read_enum (self, &where, "on_failure", values[STEP_ON_FAILURE],
                                 TROUPE_TYPE_FAILURE_POLICY, TROUPE_FAILURE_POLICY_STOP, &choice))
    troupe_step_set_on_failure (step, choice);
  strv = _troupe_builder_read_strv (self, &where, "outputs", values[STEP_OUTPUTS],
                                    "a list of paths", "outputs: [artifacts/design.md]");
  if (strv != NULL)
    troupe_step_set_outputs (step, strv);
  build_when (self, &where, values[STEP_WHEN], step);
  if (_troupe_builder_read_string (self, &where, "for_each", values[STEP_FOR_EACH], "for_each: split-tasks", &text))
    troupe_step_set_for_each (step, text);

  position = g_hash_table_lookup (self->positions, id);
  if (position != NULL)
    {
      troupe_step_set_position (step, position->x, position->y);
      position->used = TRUE;
    }

  /* The workflow refuses ids it cannot hold; that was reported above. */
  troupe_workflow_add_step (self->workflow, step, &error);
}

void
_troupe_builder_build_steps (Builder    *self,
                             TroupeNode *node)
{
  Where top = { NULL, NULL, NULL, NULL };

  if (node->kind != TROUPE_NODE_MAPPING)
    {
      if (!_troupe_builder_is_null (node))
        _troupe_builder_report_wrong_type (self, &top, "steps", node, "a mapping of step ids to steps",
                                           "steps: {build: {command: [make]}}");
      return;
    }

  for (guint i = 0; i < node->keys->len; i++)
    {
      TroupeNode *key = g_ptr_array_index (node->keys, i);
      gsize mark;

      g_assert (key->kind == TROUPE_NODE_SCALAR);

      mark = _troupe_builder_push (self, key->scalar);
      build_step (self, key, g_ptr_array_index (node->values, i));
      _troupe_builder_pop (self, mark);
    }
}

/* Positions are read before the steps; the ones that named no step are
 * reported once the steps are known. */
void
_troupe_builder_report_unused_positions (Builder *self)
{
  for (guint i = 0; i < self->position_list->len; i++)
    {
      Position *position = g_hash_table_lookup (self->positions,
                                                g_array_index (self->position_list, TroupeNode *, i)->scalar);
      const char *suggestion;
      TroupeNode *key;

      if (position == NULL || position->used)
        continue;
      key = position->key;

      if (self->step_ids == NULL)
        {
          GPtrArray *steps = troupe_workflow_get_steps (self->workflow);

          self->step_ids = g_ptr_array_sized_new (steps->len + 1);
          for (guint j = 0; j < steps->len; j++)
            g_ptr_array_add (self->step_ids,
                             (gpointer) troupe_step_get_id (g_ptr_array_index (steps, j)));
          g_ptr_array_add (self->step_ids, NULL);
        }

      suggestion = troupe_suggest (key->scalar, (const char * const *) self->step_ids->pdata);
      if (suggestion != NULL)
        _troupe_builder_report (self, TROUPE_SEVERITY_WARNING, "unknown-key", NULL, key,
                                "'layout.positions' has a position for unknown step '%s'; did you mean '%s'?",
                                key->scalar, suggestion);
      else
        _troupe_builder_report (self, TROUPE_SEVERITY_WARNING, "unknown-key", NULL, key,
                                "'layout.positions' has a position for unknown step '%s'; remove it",
                                key->scalar);
    }
}

static void
read_positions (Builder    *self,
                TroupeNode *node)
{
  g_autoptr(GHashTable) seen = NULL;
  Where where = { NULL, NULL, "layout.positions", NULL };
  gsize mark;

  mark = _troupe_builder_enter (self, "positions", node);

  if (node->kind != TROUPE_NODE_MAPPING)
    {
      Where layout = { NULL, NULL, "layout", NULL };

      if (!_troupe_builder_is_null (node))
        _troupe_builder_report_wrong_type (self, &layout, "positions", node,
                                           "a mapping of step ids to [x, y]", "positions: {design: [120, 40]}");
      _troupe_builder_pop (self, mark);
      return;
    }

  seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < node->keys->len; i++)
    {
      TroupeNode *key = g_ptr_array_index (node->keys, i);
      TroupeNode *value = g_ptr_array_index (node->values, i);
      double xy[2] = { 0, 0 };
      gboolean ok;
      gsize item_mark;

      if (!_troupe_builder_check_unique (self, seen, key, &where))
        continue;

      item_mark = _troupe_builder_enter (self, key->scalar, value);

      ok = value->kind == TROUPE_NODE_SEQUENCE && value->values->len == 2;
      for (guint j = 0; ok && j < 2; j++)
        {
          TroupeNode *item = g_ptr_array_index (value->values, j);
          gsize xy_mark = _troupe_builder_push_index (self, j);

          _troupe_builder_record (self, item);
          ok = item->kind == TROUPE_NODE_SCALAR &&
               (item->scalar_type == TROUPE_SCALAR_PLAIN ||
                item->scalar_type == TROUPE_SCALAR_INT ||
                item->scalar_type == TROUPE_SCALAR_FLOAT) &&
               _troupe_builder_parse_double (item->scalar, &xy[j]);
          _troupe_builder_pop (self, xy_mark);
        }

      if (ok)
        {
          Position *position = g_new0 (Position, 1);

          position->key = key;
          position->x = xy[0];
          position->y = xy[1];
          g_hash_table_insert (self->positions, key->scalar, position);
          g_array_append_val (self->position_list, key);
        }
      else
        {
          _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "wrong-type", NULL, value,
                                  "the position of step '%s' in 'layout.positions' must be a list of two numbers, like %s: [120, 40]",
                                  key->scalar, key->scalar);
        }

      _troupe_builder_pop (self, item_mark);
    }

  _troupe_builder_pop (self, mark);
}

void
_troupe_builder_build_layout (Builder    *self,
                              TroupeNode *node)
{
  TroupeNode *keys[N_LAYOUT_KEYS] = { NULL, };
  TroupeNode *values[N_LAYOUT_KEYS] = { NULL, };
  Where top = { NULL, NULL, NULL, NULL };
  Where where = { NULL, NULL, "layout", NULL };
  const char *text = NULL;

  if (node->kind != TROUPE_NODE_MAPPING)
    {
      if (!_troupe_builder_is_null (node))
        _troupe_builder_report_wrong_type (self, &top, "layout", node, "a mapping",
                                           "layout: {direction: LR}");
      return;
    }

  _troupe_builder_walk_mapping (self, node, layout_keys, &where, keys, values);

  if (_troupe_builder_read_string (self, &where, "direction", values[LAYOUT_DIRECTION], "direction: LR", &text))
    {
      int index = _troupe_builder_find_name (direction_names, text);

      if (index >= 0)
        troupe_workflow_set_rank_dir (self->workflow, direction_values[index]);
      else
        _troupe_builder_report_bad_choice (self, &where, "direction", values[LAYOUT_DIRECTION],
                                           direction_names, "TB, LR, BT, RL");
    }

  if (values[LAYOUT_POSITIONS] != NULL)
    read_positions (self, values[LAYOUT_POSITIONS]);
}
