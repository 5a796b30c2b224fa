/* troupe-run-record.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "troupe-enums.h"
#include "troupe-run-record.h"
#include "troupe-workflow-io-private.h"

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
  /* The last "wall" second parsed (see parse_wall()). */
  char             wall_second_text[20];
  gint64           wall_second;
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
parse_wall_slowly (const char *text)
{
  g_autoptr(GDateTime) dt = NULL;

  if (text == NULL || (dt = g_date_time_new_from_iso8601 (text, NULL)) == NULL)
    return 0;
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

/* Microseconds since the epoch of an event's "wall". Every event has one,
 * and parsing it through GDateTime was a noticeable part of applying an
 * event; the store writes them as "2026-11-21T01:45:02.123456Z", and many
 * events share their second: that is parsed once, the microseconds each
 * time. Anything else takes the general path. */
static gint64
parse_wall (TroupeRunRecord *self,
            const char      *text)
{
  gint64 micro = 0;

  if (text == NULL || strlen (text) != 27 || text[19] != '.' || text[26] != 'Z')
    return parse_wall_slowly (text);
  for (guint i = 20; i < 26; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return parse_wall_slowly (text);
      micro = micro * 10 + (text[i] - '0');
    }

  if (memcmp (text, self->wall_second_text, 19) != 0)
    {
      g_autofree char *second = g_strdup_printf ("%.19sZ", text);
      gint64 us = parse_wall_slowly (second);

      if (us == 0)
        return parse_wall_slowly (text);
      memcpy (self->wall_second_text, text, 19);
      self->wall_second = us / G_USEC_PER_SEC;
    }

  return self->wall_second * G_USEC_PER_SEC + micro;
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

/* The step status class, referenced once: troupe_enum_to_nick() and
 * troupe_enum_from_nick() take and drop a reference on every call, which
 * adds up over the steps of every snapshot. */
static GEnumClass *
step_status_class (void)
{
  static GEnumClass *klass = NULL;

  if (g_once_init_enter (&klass))
    g_once_init_leave (&klass, g_type_class_ref (TROUPE_TYPE_STEP_STATUS));
  return klass;
}

static const char *
step_status_nick (TroupeStepStatus status)
{
  GEnumValue *value = g_enum_get_value (step_status_class (), status);

  return value != NULL ? value->value_nick : NULL;
}

static gboolean
parse_step_status (const char       *nick,
                   TroupeStepStatus *status)
{
  GEnumValue *value;

  if (nick == NULL || (value = g_enum_get_value_by_nick (step_status_class (), nick)) == NULL)
    return FALSE;
  *status = value->value;
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
          self->started_us = parse_wall (self, get_string (event, "wall"));
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
      rec->started_us = parse_wall (self, get_string (event, "wall"));
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
      rec->finished_us = parse_wall (self, get_string (event, "wall"));
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
      rec->finished_us = parse_wall (self, get_string (event, "wall"));
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
      self->finished_us = parse_wall (self, get_string (event, "wall"));
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

/* The JSON writer of the journal and the snapshot. Both are written for
 * every event, and json-glib's generator (a JsonNode tree, a GString per
 * call, printf for every number) was a tenth of a trivial step's cost.
 * It writes what json-glib 1.6's generator writes, byte for byte, except
 * that U+001F is escaped as \u001f, which json-glib leaves bare (invalid
 * JSON; both parse to the same string where it is accepted). */

static void
append_int (GString *out,
            gint64   value)
{
  char digits[24];
  char *end = digits + sizeof digits;
  char *p = end;
  /* Negated as unsigned: G_MININT64 has no positive counterpart. */
  guint64 magnitude = value < 0 ? -(guint64) value : (guint64) value;

  do
    {
      *--p = (char) ('0' + magnitude % 10);
      magnitude /= 10;
    }
  while (magnitude > 0);
  if (value < 0)
    *--p = '-';
  _troupe_string_put (out, p, end - p);
}

static void
append_double (GString *out,
               double   value)
{
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_dtostr (number, sizeof number, value);
  _troupe_string_put (out, number, strlen (number));
  /* As json-glib: a double stays a double when it is read back. */
  if (strpbrk (number, ".eE") == NULL)
    _troupe_string_put (out, ".0", 2);
}

static void
append_bool (GString  *out,
             gboolean  value)
{
  if (value)
    _troupe_string_put (out, "true", 4);
  else
    _troupe_string_put (out, "false", 5);
}

static void append_node (GString *out, JsonNode *node);

static void
append_object (GString    *out,
               JsonObject *object)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  gboolean first = TRUE;

  _troupe_string_put_c (out, '{');
  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      if (!first)
        _troupe_string_put_c (out, ',');
      first = FALSE;
      _troupe_json_append_string (out, name);
      _troupe_string_put_c (out, ':');
      append_node (out, member);
    }
  _troupe_string_put_c (out, '}');
}

static void
append_node (GString  *out,
             JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      append_object (out, json_node_get_object (node));
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        _troupe_string_put_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              _troupe_string_put_c (out, ',');
            append_node (out, json_array_get_element (array, i));
          }
        _troupe_string_put_c (out, ']');
      }
      break;

    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          append_int (out, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          append_double (out, json_node_get_double (node));
          break;
        case G_TYPE_BOOLEAN:
          append_bool (out, json_node_get_boolean (node));
          break;
        case G_TYPE_STRING:
          _troupe_json_append_string (out, json_node_get_string (node));
          break;
        default:
          _troupe_string_put (out, "null", 4);
          break;
        }
      break;

    case JSON_NODE_NULL:
    default:
      _troupe_string_put (out, "null", 4);
      break;
    }
}

void
troupe_run_record_append_json (GString  *out,
                               JsonNode *node)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (node != NULL);

  append_node (out, node);
}

/* A literal: its length is known at compile time. */
#define PUT_LITERAL(out, text) _troupe_string_put ((out), "" text, sizeof (text) - 1)

void
troupe_run_record_write_json (TroupeRunRecord *self,
                              GString         *out)
{
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  /* Member for member what troupe_run_record_to_json() builds; the tests
   * load what this writes and compare it with the live record. A large
   * run's snapshot is millions of members: the names are written as
   * literals, with their commas. */
  PUT_LITERAL (out, "{\"version\":");
  append_int (out, STATE_VERSION);
  PUT_LITERAL (out, ",\"id\":");
  _troupe_json_append_string (out, self->id);
  PUT_LITERAL (out, ",\"workflow\":");
  _troupe_json_append_string (out, self->workflow_name);
  PUT_LITERAL (out, ",\"status\":");
  _troupe_json_append_string (out, troupe_enum_to_nick (TROUPE_TYPE_RUN_STATUS, self->status));
  PUT_LITERAL (out, ",\"reason\":");
  _troupe_json_append_string (out, self->reason);
  PUT_LITERAL (out, ",\"seq\":");
  append_int (out, self->seq);
  PUT_LITERAL (out, ",\"session\":");
  append_int (out, self->session);
  PUT_LITERAL (out, ",\"n_steps\":");
  append_int (out, self->n_steps);
  PUT_LITERAL (out, ",\"started_us\":");
  append_int (out, self->started_us);
  PUT_LITERAL (out, ",\"finished_us\":");
  append_int (out, self->finished_us);
  if (self->options != NULL)
    {
      PUT_LITERAL (out, ",\"options\":");
      append_object (out, self->options);
    }
  if (self->metrics != NULL)
    {
      PUT_LITERAL (out, ",\"metrics\":");
      append_object (out, self->metrics);
    }

  PUT_LITERAL (out, ",\"steps\":[");
  for (guint i = 0; i < self->steps->len; i++)
    {
      TroupeStepRecord *rec = g_ptr_array_index (self->steps, i);

      if (i > 0)
        _troupe_string_put_c (out, ',');
      PUT_LITERAL (out, "{\"instance\":");
      _troupe_json_append_string (out, rec->instance);
      PUT_LITERAL (out, ",\"step\":");
      _troupe_json_append_string (out, rec->step);
      PUT_LITERAL (out, ",\"item\":");
      _troupe_json_append_string (out, rec->item);
      PUT_LITERAL (out, ",\"index\":");
      append_int (out, rec->index);
      PUT_LITERAL (out, ",\"status\":");
      _troupe_json_append_string (out, step_status_nick (rec->status));
      PUT_LITERAL (out, ",\"reason\":");
      _troupe_json_append_string (out, rec->reason);
      PUT_LITERAL (out, ",\"attempts\":");
      append_int (out, rec->attempts);
      PUT_LITERAL (out, ",\"exit_code\":");
      append_int (out, rec->exit_code);
      PUT_LITERAL (out, ",\"signal\":");
      append_int (out, rec->signal);
      PUT_LITERAL (out, ",\"timed_out\":");
      append_bool (out, rec->timed_out);
      PUT_LITERAL (out, ",\"started_us\":");
      append_int (out, rec->started_us);
      PUT_LITERAL (out, ",\"finished_us\":");
      append_int (out, rec->finished_us);
      PUT_LITERAL (out, ",\"duration_us\":");
      append_int (out, rec->duration_us);
      PUT_LITERAL (out, ",\"total_us\":");
      append_int (out, rec->total_us);
      PUT_LITERAL (out, ",\"output_path\":");
      _troupe_json_append_string (out, rec->output_path);
      PUT_LITERAL (out, ",\"output_bytes\":");
      append_int (out, rec->output_bytes);
      PUT_LITERAL (out, ",\"spilled\":");
      append_bool (out, rec->spilled);
      PUT_LITERAL (out, ",\"cost\":");
      if (rec->has_cost && isfinite (rec->cost))
        {
          g_ascii_dtostr (number, sizeof number, rec->cost);
          _troupe_string_put (out, number, strlen (number));
        }
      else
        PUT_LITERAL (out, "null");
      PUT_LITERAL (out, ",\"tokens\":");
      append_int (out, rec->tokens);
      PUT_LITERAL (out, ",\"log_out\":");
      _troupe_json_append_string (out, rec->log_out);
      PUT_LITERAL (out, ",\"log_err\":");
      _troupe_json_append_string (out, rec->log_err);
      if (rec->children != NULL)
        {
          PUT_LITERAL (out, ",\"children\":[");
          for (guint j = 0; j < rec->children->len; j++)
            {
              if (j > 0)
                _troupe_string_put_c (out, ',');
              _troupe_json_append_string (out, g_ptr_array_index (rec->children, j));
            }
          _troupe_string_put_c (out, ']');
        }
      _troupe_string_put_c (out, '}');
    }
  PUT_LITERAL (out, "]}");
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
