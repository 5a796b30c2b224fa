/* troupe-run-record.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include "troupe-enums.h"
#include "troupe-run-record.h"

#define STATE_VERSION 1

struct _TroupeRunRecord
{
  char            *id;
  char            *workflow_name;
  char            *reason;
  JsonObject      *options;
  JsonObject      *metrics;
  GPtrArray       *steps;       /* TroupeStepRecord*, owned */
  GHashTable      *by_instance; /* borrowed keys */
  gint64           seq;
  gint64           started_us;
  gint64           finished_us;
  guint            n_steps;
  guint            session;
  TroupeRunStatus  status;
};

G_DEFINE_QUARK (troupe-run-record-error-quark, troupe_run_record_error)

static void
step_record_free (TroupeStepRecord *rec)
{
  g_free (rec->instance);
  g_free (rec->step);
  g_free (rec->item);
  g_free (rec->reason);
  g_free (rec->output_path);
  g_free (rec->log_out);
  g_free (rec->log_err);
  g_clear_pointer (&rec->children, g_ptr_array_unref);
  g_free (rec);
}

TroupeRunRecord *
troupe_run_record_new (void)
{
  TroupeRunRecord *self = g_new0 (TroupeRunRecord, 1);

  self->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) step_record_free);
  self->by_instance = g_hash_table_new (g_str_hash, g_str_equal);
  return self;
}

void
troupe_run_record_free (TroupeRunRecord *self)
{
  if (self == NULL)
    return;

  g_free (self->id);
  g_free (self->workflow_name);
  g_free (self->reason);
  g_clear_pointer (&self->options, json_object_unref);
  g_clear_pointer (&self->metrics, json_object_unref);
  g_clear_pointer (&self->by_instance, g_hash_table_unref);
  g_clear_pointer (&self->steps, g_ptr_array_unref);
  g_free (self);
}

static TroupeStepRecord *
ensure_step (TroupeRunRecord *self,
             const char      *instance,
             const char      *step)
{
  TroupeStepRecord *rec = g_hash_table_lookup (self->by_instance, instance);

  if (rec != NULL)
    return rec;

  rec = g_new0 (TroupeStepRecord, 1);
  rec->instance = g_strdup (instance);
  rec->step = g_strdup (step ? step : instance);
  rec->index = -1;
  rec->exit_code = -1;
  rec->tokens = -1;
  g_ptr_array_add (self->steps, rec);
  g_hash_table_insert (self->by_instance, rec->instance, rec);
  return rec;
}

static gint64
parse_wall (const char *text)
{
  g_autoptr(GDateTime) dt = NULL;

  if (text == NULL || (dt = g_date_time_new_from_iso8601 (text, NULL)) == NULL)
    return 0;
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

static const char *
get_string (JsonObject *object,
            const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
has_value (JsonObject *object,
           const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node);
}

static gint64
get_int (JsonObject *object,
         const char *member,
         gint64      fallback)
{
  return has_value (object, member) ? json_object_get_int_member (object, member) : fallback;
}

static void
set_str (char       **field,
         const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

static gboolean
parse_step_status (const char       *nick,
                   TroupeStepStatus *status)
{
  int value;

  if (!troupe_enum_from_nick (TROUPE_TYPE_STEP_STATUS, nick, &value))
    return FALSE;
  *status = value;
  return TRUE;
}

static void
apply_attempt_result (TroupeStepRecord *rec,
                      JsonObject       *event)
{
  gint64 duration = get_int (event, "duration_us", 0);

  rec->exit_code = get_int (event, "exit_code", -1);
  rec->signal = get_int (event, "signal", 0);
  rec->timed_out = has_value (event, "timed_out") && json_object_get_boolean_member (event, "timed_out");
  rec->duration_us = duration;
  rec->total_us += duration;
  set_str (&rec->reason, get_string (event, "reason"));
}

gboolean
troupe_run_record_apply (TroupeRunRecord  *self,
                         JsonObject       *event,
                         GError          **error)
{
  const char *name;
  const char *instance;
  gint64 seq;
  TroupeStepRecord *rec = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (event != NULL, FALSE);

  name = get_string (event, "event");
  seq = get_int (event, "seq", -1);
  if (name == NULL || seq != self->seq + 1)
    {
      g_set_error (error, TROUPE_RUN_RECORD_ERROR, TROUPE_RUN_RECORD_ERROR_INVALID,
                   "event %" G_GINT64_FORMAT " cannot follow event %" G_GINT64_FORMAT " (%s)",
                   seq, self->seq, name ? name : "no name");
      return FALSE;
    }

  instance = get_string (event, "instance");
  if (instance != NULL)
    rec = ensure_step (self, instance, get_string (event, "step"));

  if (g_str_equal (name, "run-started") || g_str_equal (name, "run-resumed"))
    {
      GList *members = json_object_get_members (event);
      static const char * const option_names[] = { "max_parallel", "seed", "timeout_ms", "cancel_policy", "context", NULL };

      set_str (&self->id, get_string (event, "run"));
      set_str (&self->workflow_name, get_string (event, "workflow"));
      self->n_steps = get_int (event, "steps", self->n_steps);
      g_clear_pointer (&self->options, json_object_unref);
      self->options = json_object_new ();
      for (GList *l = members; l != NULL; l = l->next)
        if (g_strv_contains (option_names, l->data))
          json_object_set_member (self->options, l->data, json_object_dup_member (event, l->data));
      g_list_free (members);

      self->status = TROUPE_RUN_STATUS_RUNNING;
      g_clear_pointer (&self->reason, g_free);
      g_clear_pointer (&self->metrics, json_object_unref);
      self->finished_us = 0;

      if (g_str_equal (name, "run-started"))
        {
          self->session = 1;
          self->started_us = parse_wall (get_string (event, "wall"));
        }
      else
        {
          /* A resumed run runs again whatever did not succeed. */
          self->session++;
          for (guint i = 0; i < self->steps->len; i++)
            {
              TroupeStepRecord *r = g_ptr_array_index (self->steps, i);

              if (r->status != TROUPE_STEP_STATUS_SUCCEEDED)
                {
                  r->status = TROUPE_STEP_STATUS_PENDING;
                  g_clear_pointer (&r->reason, g_free);
                }
            }
        }
    }
  else if (g_str_equal (name, "step-ready") && rec != NULL)
    rec->status = TROUPE_STEP_STATUS_READY;
  else if (g_str_equal (name, "step-started") && rec != NULL)
    {
      rec->status = TROUPE_STEP_STATUS_RUNNING;
      rec->attempts = get_int (event, "attempt", rec->attempts + 1);
      rec->started_us = parse_wall (get_string (event, "wall"));
      if (get_string (event, "log_out") != NULL)
        set_str (&rec->log_out, get_string (event, "log_out"));
      if (get_string (event, "log_err") != NULL)
        set_str (&rec->log_err, get_string (event, "log_err"));
    }
  else if (g_str_equal (name, "step-retrying") && rec != NULL)
    {
      rec->status = TROUPE_STEP_STATUS_RETRYING;
      apply_attempt_result (rec, event);
    }
  else if (g_str_equal (name, "step-finished") && rec != NULL)
    {
      if (!parse_step_status (get_string (event, "status"), &rec->status))
        {
          g_set_error (error, TROUPE_RUN_RECORD_ERROR, TROUPE_RUN_RECORD_ERROR_INVALID,
                       "event %" G_GINT64_FORMAT " finishes step '%s' with no valid status", seq, instance);
          return FALSE;
        }
      apply_attempt_result (rec, event);
      rec->finished_us = parse_wall (get_string (event, "wall"));
      set_str (&rec->output_path, get_string (event, "output_path"));
      rec->output_bytes = get_int (event, "output_bytes", 0);
      rec->spilled = has_value (event, "spilled") && json_object_get_boolean_member (event, "spilled");
      rec->has_cost = has_value (event, "cost");
      rec->cost = rec->has_cost ? json_object_get_double_member (event, "cost") : 0;
      rec->tokens = get_int (event, "tokens", -1);
    }
  else if ((g_str_equal (name, "step-skipped") || g_str_equal (name, "step-cancelled")) && rec != NULL)
    {
      rec->status = g_str_equal (name, "step-skipped") ? TROUPE_STEP_STATUS_SKIPPED : TROUPE_STEP_STATUS_CANCELLED;
      set_str (&rec->reason, get_string (event, "reason"));
      rec->finished_us = parse_wall (get_string (event, "wall"));
    }
  else if (g_str_equal (name, "step-expanded") && rec != NULL)
    {
      JsonArray *items = json_object_get_array_member (event, "items");
      guint n = items ? json_array_get_length (items) : 0;

      rec->status = TROUPE_STEP_STATUS_RUNNING;
      g_clear_pointer (&rec->children, g_ptr_array_unref);
      rec->children = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < n; i++)
        {
          g_autofree char *child_id = g_strdup_printf ("%s[%u]", instance, i);
          TroupeStepRecord *child = g_hash_table_lookup (self->by_instance, child_id);
          const char *item = json_array_get_string_element (items, i);

          if (child == NULL || g_strcmp0 (child->item, item) != 0)
            {
              child = ensure_step (self, child_id, rec->step);
              set_str (&child->item, item);
              child->status = TROUPE_STEP_STATUS_PENDING;
            }
          child->index = i;
          g_ptr_array_add (rec->children, g_strdup (child_id));
        }
    }
  else if (g_str_equal (name, "approval-requested") && rec != NULL)
    rec->status = TROUPE_STEP_STATUS_WAITING_APPROVAL;
  else if (g_str_equal (name, "run-finished"))
    {
      int status;

      if (!troupe_enum_from_nick (TROUPE_TYPE_RUN_STATUS, get_string (event, "status"), &status))
        {
          g_set_error (error, TROUPE_RUN_RECORD_ERROR, TROUPE_RUN_RECORD_ERROR_INVALID,
                       "event %" G_GINT64_FORMAT " finishes the run with no valid status", seq);
          return FALSE;
        }
      self->status = status;
      set_str (&self->reason, get_string (event, "reason"));
      self->finished_us = parse_wall (get_string (event, "wall"));
      g_clear_pointer (&self->metrics, json_object_unref);
      if (json_object_has_member (event, "metrics"))
        self->metrics = json_object_ref (json_object_get_object_member (event, "metrics"));
    }
  else if (g_str_equal (name, "run-interrupted"))
    {
      self->status = TROUPE_RUN_STATUS_INTERRUPTED;
      set_str (&self->reason, get_string (event, "reason"));
    }
  /* Other events (approval-given, step-output, policy-choice, and events
   * of later versions) carry information but change no state. */

  self->seq = seq;
  return TRUE;
}

static void
set_nullable_string (JsonObject *object,
                     const char *member,
                     const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, member, value);
  else
    json_object_set_null_member (object, member);
}

JsonNode *
troupe_run_record_to_json (TroupeRunRecord *self)
{
  JsonObject *root = json_object_new ();
  JsonArray *steps = json_array_new ();
  JsonNode *node;

  g_return_val_if_fail (self != NULL, NULL);

  json_object_set_int_member (root, "version", STATE_VERSION);
  set_nullable_string (root, "id", self->id);
  set_nullable_string (root, "workflow", self->workflow_name);
  json_object_set_string_member (root, "status", troupe_enum_to_nick (TROUPE_TYPE_RUN_STATUS, self->status));
  set_nullable_string (root, "reason", self->reason);
  json_object_set_int_member (root, "seq", self->seq);
  json_object_set_int_member (root, "session", self->session);
  json_object_set_int_member (root, "n_steps", self->n_steps);
  json_object_set_int_member (root, "started_us", self->started_us);
  json_object_set_int_member (root, "finished_us", self->finished_us);
  if (self->options != NULL)
    json_object_set_object_member (root, "options", json_object_ref (self->options));
  if (self->metrics != NULL)
    json_object_set_object_member (root, "metrics", json_object_ref (self->metrics));

  for (guint i = 0; i < self->steps->len; i++)
    {
      TroupeStepRecord *rec = g_ptr_array_index (self->steps, i);
      JsonObject *step = json_object_new ();

      json_object_set_string_member (step, "instance", rec->instance);
      json_object_set_string_member (step, "step", rec->step);
      set_nullable_string (step, "item", rec->item);
      json_object_set_int_member (step, "index", rec->index);
      json_object_set_string_member (step, "status", troupe_enum_to_nick (TROUPE_TYPE_STEP_STATUS, rec->status));
      set_nullable_string (step, "reason", rec->reason);
      json_object_set_int_member (step, "attempts", rec->attempts);
      json_object_set_int_member (step, "exit_code", rec->exit_code);
      json_object_set_int_member (step, "signal", rec->signal);
      json_object_set_boolean_member (step, "timed_out", rec->timed_out);
      json_object_set_int_member (step, "started_us", rec->started_us);
      json_object_set_int_member (step, "finished_us", rec->finished_us);
      json_object_set_int_member (step, "duration_us", rec->duration_us);
      json_object_set_int_member (step, "total_us", rec->total_us);
      set_nullable_string (step, "output_path", rec->output_path);
      json_object_set_int_member (step, "output_bytes", rec->output_bytes);
      json_object_set_boolean_member (step, "spilled", rec->spilled);
      if (rec->has_cost)
        json_object_set_double_member (step, "cost", rec->cost);
      else
        json_object_set_null_member (step, "cost");
      json_object_set_int_member (step, "tokens", rec->tokens);
      set_nullable_string (step, "log_out", rec->log_out);
      set_nullable_string (step, "log_err", rec->log_err);
      if (rec->children != NULL)
        {
          JsonArray *children = json_array_new ();

          for (guint j = 0; j < rec->children->len; j++)
            json_array_add_string_element (children, g_ptr_array_index (rec->children, j));
          json_object_set_array_member (step, "children", children);
        }
      json_array_add_object_element (steps, step);
    }
  json_object_set_array_member (root, "steps", steps);

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, root);
  return node;
}

static void
append_json_string (GString    *out,
                    const char *text)
{
  static const char hex[] = "0123456789abcdef";

  if (text == NULL)
    {
      g_string_append (out, "null");
      return;
    }

  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) text; *p; p++)
    {
      switch (*p)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (*p < 0x20)
            {
              g_string_append (out, "\\u00");
              g_string_append_c (out, hex[*p >> 4]);
              g_string_append_c (out, hex[*p & 0xf]);
            }
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}

static void
append_member (GString    *out,
               const char *name)
{
  if (out->len > 0 && out->str[out->len - 1] != '{')
    g_string_append_c (out, ',');
  append_json_string (out, name);
  g_string_append_c (out, ':');
}

static void
append_int_member (GString    *out,
                   const char *name,
                   gint64      value)
{
  append_member (out, name);
  g_string_append_printf (out, "%" G_GINT64_FORMAT, value);
}

static void
append_string_member (GString    *out,
                      const char *name,
                      const char *value)
{
  append_member (out, name);
  append_json_string (out, value);
}

static void
append_object_member (GString    *out,
                      const char *name,
                      JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  /* Options and metrics are a handful of members: json-glib is fine. */
  json_node_set_object (node, object);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  append_member (out, name);
  g_string_append (out, text);
}

void
troupe_run_record_write_json (TroupeRunRecord *self,
                              GString         *out)
{
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  /* Member for member what troupe_run_record_to_json() builds; the tests
   * load what this writes and compare it with the live record. */
  g_string_append_c (out, '{');
  append_int_member (out, "version", STATE_VERSION);
  append_string_member (out, "id", self->id);
  append_string_member (out, "workflow", self->workflow_name);
  append_string_member (out, "status", troupe_enum_to_nick (TROUPE_TYPE_RUN_STATUS, self->status));
  append_string_member (out, "reason", self->reason);
  append_int_member (out, "seq", self->seq);
  append_int_member (out, "session", self->session);
  append_int_member (out, "n_steps", self->n_steps);
  append_int_member (out, "started_us", self->started_us);
  append_int_member (out, "finished_us", self->finished_us);
  if (self->options != NULL)
    append_object_member (out, "options", self->options);
  if (self->metrics != NULL)
    append_object_member (out, "metrics", self->metrics);

  append_member (out, "steps");
  g_string_append_c (out, '[');
  for (guint i = 0; i < self->steps->len; i++)
    {
      TroupeStepRecord *rec = g_ptr_array_index (self->steps, i);

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, '{');
      append_string_member (out, "instance", rec->instance);
      append_string_member (out, "step", rec->step);
      append_string_member (out, "item", rec->item);
      append_int_member (out, "index", rec->index);
      append_string_member (out, "status", troupe_enum_to_nick (TROUPE_TYPE_STEP_STATUS, rec->status));
      append_string_member (out, "reason", rec->reason);
      append_int_member (out, "attempts", rec->attempts);
      append_int_member (out, "exit_code", rec->exit_code);
      append_int_member (out, "signal", rec->signal);
      append_member (out, "timed_out");
      g_string_append (out, rec->timed_out ? "true" : "false");
      append_int_member (out, "started_us", rec->started_us);
      append_int_member (out, "finished_us", rec->finished_us);
      append_int_member (out, "duration_us", rec->duration_us);
      append_int_member (out, "total_us", rec->total_us);
      append_string_member (out, "output_path", rec->output_path);
      append_int_member (out, "output_bytes", rec->output_bytes);
      append_member (out, "spilled");
      g_string_append (out, rec->spilled ? "true" : "false");
      append_member (out, "cost");
      if (rec->has_cost && isfinite (rec->cost))
        g_string_append (out, g_ascii_dtostr (number, sizeof number, rec->cost));
      else
        g_string_append (out, "null");
      append_int_member (out, "tokens", rec->tokens);
      append_string_member (out, "log_out", rec->log_out);
      append_string_member (out, "log_err", rec->log_err);
      if (rec->children != NULL)
        {
          append_member (out, "children");
          g_string_append_c (out, '[');
          for (guint j = 0; j < rec->children->len; j++)
            {
              if (j > 0)
                g_string_append_c (out, ',');
              append_json_string (out, g_ptr_array_index (rec->children, j));
            }
          g_string_append_c (out, ']');
        }
      g_string_append_c (out, '}');
    }
  g_string_append (out, "]}");
}

TroupeRunRecord *
troupe_run_record_new_from_json (JsonNode  *node,
                                 GError   **error)
{
  g_autoptr(TroupeRunRecord) self = troupe_run_record_new ();
  JsonObject *root;
  JsonArray *steps;
  int status;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    goto invalid;
  root = json_node_get_object (node);
  if (get_int (root, "version", 0) != STATE_VERSION ||
      !troupe_enum_from_nick (TROUPE_TYPE_RUN_STATUS, get_string (root, "status"), &status) ||
      !json_object_has_member (root, "steps"))
    goto invalid;

  self->id = g_strdup (get_string (root, "id"));
  self->workflow_name = g_strdup (get_string (root, "workflow"));
  self->status = status;
  self->reason = g_strdup (get_string (root, "reason"));
  self->seq = get_int (root, "seq", 0);
  self->session = get_int (root, "session", 0);
  self->n_steps = get_int (root, "n_steps", 0);
  self->started_us = get_int (root, "started_us", 0);
  self->finished_us = get_int (root, "finished_us", 0);
  if (json_object_has_member (root, "options"))
    self->options = json_object_ref (json_object_get_object_member (root, "options"));
  if (json_object_has_member (root, "metrics"))
    self->metrics = json_object_ref (json_object_get_object_member (root, "metrics"));

  steps = json_object_get_array_member (root, "steps");
  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);
      TroupeStepRecord *rec;
      TroupeStepStatus step_status;

      if (step == NULL || get_string (step, "instance") == NULL ||
          !parse_step_status (get_string (step, "status"), &step_status))
        goto invalid;

      rec = ensure_step (self, get_string (step, "instance"), get_string (step, "step"));
      rec->item = g_strdup (get_string (step, "item"));
      rec->index = get_int (step, "index", -1);
      rec->status = step_status;
      rec->reason = g_strdup (get_string (step, "reason"));
      rec->attempts = get_int (step, "attempts", 0);
      rec->exit_code = get_int (step, "exit_code", -1);
      rec->signal = get_int (step, "signal", 0);
      rec->timed_out = has_value (step, "timed_out") && json_object_get_boolean_member (step, "timed_out");
      rec->started_us = get_int (step, "started_us", 0);
      rec->finished_us = get_int (step, "finished_us", 0);
      rec->duration_us = get_int (step, "duration_us", 0);
      rec->total_us = get_int (step, "total_us", 0);
      rec->output_path = g_strdup (get_string (step, "output_path"));
      rec->output_bytes = get_int (step, "output_bytes", 0);
      rec->spilled = has_value (step, "spilled") && json_object_get_boolean_member (step, "spilled");
      rec->has_cost = has_value (step, "cost");
      rec->cost = rec->has_cost ? json_object_get_double_member (step, "cost") : 0;
      rec->tokens = get_int (step, "tokens", -1);
      rec->log_out = g_strdup (get_string (step, "log_out"));
      rec->log_err = g_strdup (get_string (step, "log_err"));
      if (json_object_has_member (step, "children"))
        {
          JsonArray *children = json_object_get_array_member (step, "children");

          rec->children = g_ptr_array_new_with_free_func (g_free);
          for (guint j = 0; children != NULL && j < json_array_get_length (children); j++)
            g_ptr_array_add (rec->children, g_strdup (json_array_get_string_element (children, j)));
        }
    }

  return g_steal_pointer (&self);

invalid:
  g_set_error_literal (error, TROUPE_RUN_RECORD_ERROR, TROUPE_RUN_RECORD_ERROR_INVALID,
                       "state.json is not a Troupe run state (version 1)");
  return NULL;
}

const char *
troupe_run_record_get_id (TroupeRunRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->id;
}

const char *
troupe_run_record_get_workflow_name (TroupeRunRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->workflow_name;
}

guint
troupe_run_record_get_n_steps (TroupeRunRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_steps;
}

TroupeRunStatus
troupe_run_record_get_status (TroupeRunRecord *self)
{
  g_return_val_if_fail (self != NULL, TROUPE_RUN_STATUS_PENDING);
  return self->status;
}

const char *
troupe_run_record_get_reason (TroupeRunRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->reason;
}

gint64
troupe_run_record_get_seq (TroupeRunRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->seq;
}

guint
troupe_run_record_get_session (TroupeRunRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->session;
}

gint64
troupe_run_record_get_started (TroupeRunRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->started_us;
}

gint64
troupe_run_record_get_finished (TroupeRunRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->finished_us;
}

JsonObject *
troupe_run_record_get_options (TroupeRunRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->options;
}

JsonObject *
troupe_run_record_get_metrics (TroupeRunRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->metrics;
}

GPtrArray *
troupe_run_record_get_steps (TroupeRunRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->steps;
}

TroupeStepRecord *
troupe_run_record_lookup (TroupeRunRecord *self,
                          const char      *instance)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (instance == NULL)
    return NULL;
  return g_hash_table_lookup (self->by_instance, instance);
}

void
troupe_run_record_count (TroupeRunRecord *self,
                         guint            counts[9])
{
  g_return_if_fail (self != NULL);

  for (guint i = 0; i < 9; i++)
    counts[i] = 0;
  for (guint i = 0; i < self->steps->len; i++)
    {
      TroupeStepRecord *rec = g_ptr_array_index (self->steps, i);

      if (rec->status < 9)
        counts[rec->status]++;
    }
}
