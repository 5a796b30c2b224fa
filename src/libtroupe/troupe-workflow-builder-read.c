/* troupe-workflow-builder-read.c
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

/* The readers that every part of the builder shares: diagnostics, the JSON
 * pointer of the node being read, the walk over a mapping's keys, and the
 * scalar fields (numbers, strings, durations, enums, lists, retries). */

/* Gives @diagnostic the builder's pointer (that of the node being read)
 * relative to its step, or to the workflow when @step_id is NULL. */
static void
set_relative_pointer (Builder          *self,
                      TroupeDiagnostic *diagnostic,
                      const char       *step_id)
{
  const char *pointer = self->pointer->str;

  if (step_id != NULL)
    {
      g_autofree char *escaped = troupe_json_pointer_escape (step_id);
      g_autofree char *prefix = g_strconcat ("/steps/", escaped, NULL);

      /* Only a path inside the step says something the step id does not. */
      if (!g_str_has_prefix (pointer, prefix) || pointer[strlen (prefix)] != '/')
        return;
      pointer += strlen (prefix);
    }

  if (pointer[0] == '/')
    troupe_diagnostic_set_pointer (diagnostic, pointer + 1);
}

void
_troupe_builder_report (Builder        *self,
                        TroupeSeverity  severity,
                        const char     *code,
                        const char     *step_id,
                        TroupeNode     *at,
                        const char     *format,
                        ...)
{
  g_autofree char *message = NULL;
  TroupeDiagnostic *diagnostic;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  diagnostic = troupe_diagnostic_new (severity, code, step_id,
                                      at != NULL ? at->line : 0,
                                      at != NULL ? at->column : 0,
                                      "%s", message);
  troupe_diagnostic_set_file (diagnostic, self->filename);
  set_relative_pointer (self, diagnostic, step_id);
  troupe_workflow_add_load_diagnostic (self->workflow, diagnostic);
}

/* Reports about @key of the mapping being read (an unknown or repeated
 * key): the pointer names that key while the report is made. */
static void
report_on_key (Builder     *self,
               TroupeNode  *key,
               const char  *code,
               const Where *where,
               const char  *message)
{
  gsize mark = _troupe_builder_push (self, key->scalar);

  _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, code, where->step_id, key, "%s", message);
  _troupe_builder_pop (self, mark);
}

/* "'wait_for.timeout' of step 'wait'", "'defaults.timeout'", "'name'". */
char *
_troupe_builder_describe_field (const Where *where,
                                const char  *field)
{
  GString *text = g_string_new ("'");

  if (where->section != NULL)
    {
      g_string_append (text, where->section);
      if (field != NULL)
        g_string_append_c (text, '.');
    }
  if (field != NULL)
    g_string_append (text, field);
  g_string_append_c (text, '\'');
  if (where->owner != NULL)
    g_string_append_printf (text, " of %s '%s'", where->owner, where->name);

  return g_string_free (text, FALSE);
}

/* "in step 'design'", "in 'wait_for' of step 'w'", "at the top level". */
static char *
describe_mapping (const Where *where)
{
  if (where->section != NULL && where->owner != NULL)
    return g_strdup_printf ("in '%s' of %s '%s'", where->section, where->owner, where->name);
  if (where->section != NULL)
    return g_strdup_printf ("in '%s'", where->section);
  if (where->owner != NULL)
    return g_strdup_printf ("in %s '%s'", where->owner, where->name);
  return g_strdup ("at the top level");
}

/* "lines 4 and 9", or "line 1, columns 5 and 40" when both nodes share a
 * line (JSON). */
char *
_troupe_builder_describe_pair (TroupeNode *first,
                               TroupeNode *second)
{
  if (first->line == second->line)
    return g_strdup_printf ("line %u, columns %u and %u",
                            first->line, first->column, second->column);
  return g_strdup_printf ("lines %u and %u", first->line, second->line);
}

void
_troupe_builder_report_wrong_type (Builder     *self,
                                   const Where *where,
                                   const char  *field,
                                   TroupeNode  *at,
                                   const char  *expected,
                                   const char  *example)
{
  g_autofree char *what = _troupe_builder_describe_field (where, field);

  _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "wrong-type", where->step_id, at,
                          "%s must be %s, like %s", what, expected, example);
}

gsize
_troupe_builder_push (Builder    *self,
                      const char *token)
{
  gsize mark = self->pointer->len;

  g_string_append_c (self->pointer, '/');
  if (strpbrk (token, "~/") == NULL)
    {
      g_string_append (self->pointer, token);
    }
  else
    {
      g_autofree char *escaped = troupe_json_pointer_escape (token);
      g_string_append (self->pointer, escaped);
    }

  return mark;
}

gsize
_troupe_builder_push_index (Builder *self,
                            guint    index)
{
  gsize mark = self->pointer->len;

  g_string_append_printf (self->pointer, "/%u", index);
  return mark;
}

void
_troupe_builder_pop (Builder *self,
                     gsize    mark)
{
  g_string_truncate (self->pointer, mark);
}

void
_troupe_builder_record (Builder    *self,
                        TroupeNode *node)
{
  troupe_workflow_set_location (self->workflow, self->pointer->str,
                                node->line, node->column);
}

gsize
_troupe_builder_enter (Builder    *self,
                       const char *field,
                       TroupeNode *node)
{
  gsize mark = _troupe_builder_push (self, field);

  _troupe_builder_record (self, node);
  return mark;
}

/* An empty value, "~" or "null" leaves a field unset, as YAML means it. */
gboolean
_troupe_builder_is_null (TroupeNode *node)
{
  const char *text;

  if (node->kind != TROUPE_NODE_SCALAR)
    return FALSE;
  if (node->scalar_type == TROUPE_SCALAR_NULL)
    return TRUE;
  if (node->scalar_type != TROUPE_SCALAR_PLAIN)
    return FALSE;

  text = node->scalar;
  return text[0] == '\0' ||
         strcmp (text, "~") == 0 ||
         strcmp (text, "null") == 0 ||
         strcmp (text, "Null") == 0 ||
         strcmp (text, "NULL") == 0;
}

/* The text of a scalar that is kept as text (list items, context and env
 * values): exactly as written, except that a null is empty, whether YAML
 * spells it "~", "null" or nothing, or JSON writes null. */
const char *
_troupe_builder_scalar_text (TroupeNode *node)
{
  g_assert (node->kind == TROUPE_NODE_SCALAR);

  return _troupe_builder_is_null (node) ? "" : node->scalar;
}

int
_troupe_builder_find_name (const char * const *names,
                           const char         *name)
{
  for (int i = 0; names[i] != NULL; i++)
    {
      if (strcmp (names[i], name) == 0)
        return i;
    }

  return -1;
}

static void
report_unknown_key (Builder            *self,
                    TroupeNode         *key,
                    const char * const *names,
                    const Where        *where)
{
  g_autofree char *place = NULL;
  g_autofree char *message = NULL;
  const char *suggestion;

  if (strcmp (key->scalar, "command_override") == 0)
    {
      report_on_key (self, key, "command-override", where,
                     "'command_override' is not supported; put the full argv in 'command'");
      return;
    }

  place = describe_mapping (where);
  suggestion = troupe_suggest (key->scalar, names);
  if (suggestion != NULL)
    {
      message = g_strdup_printf ("unknown key '%s' %s; did you mean '%s'?",
                                 key->scalar, place, suggestion);
    }
  else
    {
      g_autofree char *valid = g_strjoinv (", ", (char **) names);

      message = g_strdup_printf ("unknown key '%s' %s; valid keys are %s",
                                 key->scalar, place, valid);
    }
  report_on_key (self, key, "unknown-key", where, message);
}

static void
report_duplicate_key (Builder     *self,
                      TroupeNode  *first,
                      TroupeNode  *second,
                      const Where *where)
{
  g_autofree char *place = describe_mapping (where);
  g_autofree char *lines = _troupe_builder_describe_pair (first, second);
  g_autofree char *message = g_strdup_printf ("duplicate key '%s' %s (%s); remove one of them",
                                              second->scalar, place, lines);

  report_on_key (self, second, "duplicate-key", where, message);
}

/* Sorts the members of a schema mapping into @keys and @values by their
 * index in @names, reporting unknown and repeated keys in file order.
 * Returns the number of unknown keys. */
guint
_troupe_builder_walk_mapping (Builder            *self,
                              TroupeNode         *mapping,
                              const char * const *names,
                              const Where        *where,
                              TroupeNode        **keys,
                              TroupeNode        **values)
{
  guint n_unknown = 0;

  g_assert (mapping->kind == TROUPE_NODE_MAPPING);

  for (guint i = 0; i < mapping->keys->len; i++)
    {
      TroupeNode *key = g_ptr_array_index (mapping->keys, i);
      int index;

      /* Readers only make scalar keys (troupe_node_insert() insists). */
      g_assert (key->kind == TROUPE_NODE_SCALAR);

      index = _troupe_builder_find_name (names, key->scalar);
      if (index < 0)
        {
          report_unknown_key (self, key, names, where);
          n_unknown++;
        }
      else if (keys[index] != NULL)
        {
          report_duplicate_key (self, keys[index], key, where);
        }
      else
        {
          keys[index] = key;
          values[index] = g_ptr_array_index (mapping->values, i);
        }
    }

  return n_unknown;
}

/* A mapping whose keys are names chosen by the user (context, env,
 * agents, ...): reports repeated names and returns FALSE for them. */
gboolean
_troupe_builder_check_unique (Builder     *self,
                              GHashTable  *seen,
                              TroupeNode  *key,
                              const Where *where)
{
  TroupeNode *first;

  g_assert (key->kind == TROUPE_NODE_SCALAR);

  first = g_hash_table_lookup (seen, key->scalar);
  if (first != NULL)
    {
      report_duplicate_key (self, first, key, where);
      return FALSE;
    }

  g_hash_table_insert (seen, key->scalar, key);
  return TRUE;
}

gboolean
_troupe_builder_parse_int (const char *text,
                           gint64     *value,
                           gboolean   *overflow)
{
  const char *p = text;
  char *end = NULL;

  *overflow = FALSE;
  if (*p == '-' || *p == '+')
    p++;
  if (!g_ascii_isdigit (*p))
    return FALSE;

  errno = 0;
  *value = g_ascii_strtoll (text, &end, 10);
  if (*end != '\0')
    return FALSE;
  if (errno == ERANGE)
    *overflow = TRUE;

  return TRUE;
}

gboolean
_troupe_builder_parse_double (const char *text,
                              double     *value)
{
  char *end = NULL;

  /* strtod() also takes "inf", "nan" and hexadecimal; the format does not. */
  if (text[0] == '\0' || text[strspn (text, "0123456789+-.eE")] != '\0')
    return FALSE;

  /* An overflow is infinite; an underflow is a tiny number, which is fine. */
  *value = g_ascii_strtod (text, &end);

  return *end == '\0' && isfinite (*value);
}

/* Checks an integer scalar without moving the pointer. */
static gboolean
scalar_int (Builder     *self,
            const Where *where,
            const char  *field,
            TroupeNode  *node,
            gint64       min,
            gint64       max,
            const char  *example,
            gint64      *out)
{
  gboolean overflow = FALSE;
  gint64 value = 0;

  if (_troupe_builder_is_null (node))
    return FALSE;

  if (node->kind != TROUPE_NODE_SCALAR ||
      (node->scalar_type != TROUPE_SCALAR_PLAIN && node->scalar_type != TROUPE_SCALAR_INT) ||
      !_troupe_builder_parse_int (node->scalar, &value, &overflow))
    {
      _troupe_builder_report_wrong_type (self, where, field, node, "a whole number", example);
      return FALSE;
    }

  if (overflow || value < min || value > max)
    {
      g_autofree char *what = _troupe_builder_describe_field (where, field);

      /* Limits nobody would write are not worth naming, unless crossed. */
      if (max >= G_MAXUINT32 && !overflow && value < min)
        _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "out-of-range", where->step_id, node,
                                "%s must be at least %" G_GINT64_FORMAT ", not %s",
                                what, min, node->scalar);
      else if (max >= G_MAXUINT32)
        _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "out-of-range", where->step_id, node,
                                "%s must be at most %" G_GINT64_FORMAT ", not %s",
                                what, max, node->scalar);
      else
        _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "out-of-range", where->step_id, node,
                                "%s must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT ", not %s",
                                what, min, max, node->scalar);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

gboolean
_troupe_builder_read_int (Builder     *self,
                          const Where *where,
                          const char  *field,
                          TroupeNode  *node,
                          gint64       min,
                          gint64       max,
                          const char  *example,
                          gint64      *out)
{
  gboolean ok;
  gsize mark;

  if (node == NULL)
    return FALSE;

  mark = _troupe_builder_enter (self, field, node);
  ok = scalar_int (self, where, field, node, min, max, example, out);
  _troupe_builder_pop (self, mark);

  return ok;
}

static gboolean
read_double (Builder     *self,
             const Where *where,
             const char  *field,
             TroupeNode  *node,
             double       min,
             double       max,
             const char  *example,
             double      *out)
{
  gboolean ok = FALSE;
  double value = 0;
  gsize mark;

  if (node == NULL)
    return FALSE;

  mark = _troupe_builder_enter (self, field, node);

  if (_troupe_builder_is_null (node))
    {
      /* Unset, as if absent. */
    }
  else if (node->kind != TROUPE_NODE_SCALAR ||
           node->scalar_type == TROUPE_SCALAR_STRING ||
           node->scalar_type == TROUPE_SCALAR_BOOL ||
           !_troupe_builder_parse_double (node->scalar, &value))
    {
      _troupe_builder_report_wrong_type (self, where, field, node, "a number", example);
    }
  else if (value < min || value > max)
    {
      g_autofree char *what = _troupe_builder_describe_field (where, field);

      _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "out-of-range", where->step_id, node,
                              "%s must be between %g and %g, not %s", what, min, max, node->scalar);
    }
  else
    {
      *out = value;
      ok = TRUE;
    }

  _troupe_builder_pop (self, mark);

  return ok;
}

/* Any scalar's text is a string; a number or a boolean keeps its text. An
 * empty string leaves the field unset, as an absent key does: the model
 * does not tell them apart, and neither does the file it saves. */
gboolean
_troupe_builder_read_string (Builder     *self,
                             const Where *where,
                             const char  *field,
                             TroupeNode  *node,
                             const char  *example,
                             const char **out)
{
  gboolean ok = FALSE;
  gsize mark;

  if (node == NULL)
    return FALSE;

  mark = _troupe_builder_enter (self, field, node);

  if (node->kind != TROUPE_NODE_SCALAR)
    _troupe_builder_report_wrong_type (self, where, field, node, "a string", example);
  else if (!_troupe_builder_is_null (node) && node->scalar[0] != '\0')
    {
      *out = node->scalar;
      ok = TRUE;
    }

  _troupe_builder_pop (self, mark);

  return ok;
}

/* TRUE when @text is spelled like a duration ("45d", "1h30m"), even one
 * too long to parse: then the problem is its size, not its spelling. */
static gboolean
is_duration_syntax (const char *text)
{
  const char *p = text;

  if (*p == '\0')
    return FALSE;

  while (*p != '\0')
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      while (g_ascii_isdigit (*p))
        p++;

      if (p[0] == 'm' && p[1] == 's')
        p += 2;
      else if (*p != '\0' && strchr ("smhd", *p) != NULL)
        p++;
      else
        return FALSE;
    }

  return TRUE;
}

static gboolean
scalar_duration (Builder     *self,
                 const Where *where,
                 const char  *field,
                 TroupeNode  *node,
                 gint64      *out)
{
  g_autofree char *why = NULL;
  g_autofree char *what = NULL;
  gint64 ms = 0;

  if (_troupe_builder_is_null (node))
    return FALSE;

  if (node->kind != TROUPE_NODE_SCALAR)
    {
      g_autofree char *example = g_strdup_printf ("%s: 90s", field);

      _troupe_builder_report_wrong_type (self, where, field, node, "a duration", example);
      return FALSE;
    }

  if (troupe_duration_parse (node->scalar, &ms, &why) && ms <= TROUPE_DURATION_MAX_MS)
    {
      *out = ms;
      return TRUE;
    }

  what = _troupe_builder_describe_field (where, field);

  if (is_duration_syntax (node->scalar))
    {
      g_autofree char *limit = troupe_duration_format (TROUPE_DURATION_MAX_MS);

      _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "out-of-range", where->step_id, node,
                              "%s is %s, longer than the longest allowed duration (%s); use a shorter one",
                              what, node->scalar, limit);
    }
  else if (why != NULL)
    {
      _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "bad-duration", where->step_id, node,
                              "%s is not a valid duration: %s", what, why);
    }
  else
    {
      _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "bad-duration", where->step_id, node,
                              "%s is not a valid duration: write a whole number and a unit, like 90s, 5m or 1h30m",
                              what);
    }

  return FALSE;
}

gboolean
_troupe_builder_read_duration (Builder     *self,
                               const Where *where,
                               const char  *field,
                               TroupeNode  *node,
                               gint64      *out)
{
  gboolean ok;
  gsize mark;

  if (node == NULL)
    return FALSE;

  mark = _troupe_builder_enter (self, field, node);
  ok = scalar_duration (self, where, field, node, out);
  _troupe_builder_pop (self, mark);

  return ok;
}

void
_troupe_builder_report_bad_choice (Builder            *self,
                                   const Where        *where,
                                   const char         *field,
                                   TroupeNode         *node,
                                   const char * const *choices,
                                   const char         *listed)
{
  g_autofree char *what = _troupe_builder_describe_field (where, field);
  const char *suggestion = troupe_suggest (node->scalar, choices);

  if (suggestion != NULL)
    _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "bad-value", where->step_id, node,
                            "%s must be one of %s, not '%s'; did you mean '%s'?",
                            what, listed, node->scalar, suggestion);
  else
    _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "bad-value", where->step_id, node,
                            "%s must be one of %s, not '%s'", what, listed, node->scalar);
}

/* An enum value by its nick; values below @first_value (INHERIT) are not
 * written in files. */
gboolean
_troupe_builder_read_enum (Builder     *self,
                           const Where *where,
                           const char  *field,
                           TroupeNode  *node,
                           GType        type,
                           int          first_value,
                           int         *out)
{
  gboolean ok = FALSE;
  int value = 0;
  gsize mark;

  if (node == NULL)
    return FALSE;

  mark = _troupe_builder_enter (self, field, node);

  if (node->kind != TROUPE_NODE_SCALAR)
    {
      g_autofree char *listed = troupe_enum_list_nicks (type, first_value);
      g_autofree char *expected = g_strdup_printf ("one of %s", listed);
      g_autofree char *example = g_strdup_printf ("%s: %s", field,
                                                  troupe_enum_to_nick (type, first_value));

      _troupe_builder_report_wrong_type (self, where, field, node, expected, example);
    }
  else if (_troupe_builder_is_null (node))
    {
      /* Unset, as if absent. */
    }
  else if (troupe_enum_from_nick (type, node->scalar, &value) && value >= first_value)
    {
      *out = value;
      ok = TRUE;
    }
  else
    {
      g_autoptr(GEnumClass) klass = g_type_class_ref (type);
      g_autoptr(GPtrArray) nicks = g_ptr_array_new ();
      g_autofree char *listed = troupe_enum_list_nicks (type, first_value);

      for (guint i = 0; i < klass->n_values; i++)
        {
          if (klass->values[i].value >= first_value)
            g_ptr_array_add (nicks, (gpointer) klass->values[i].value_nick);
        }
      g_ptr_array_add (nicks, NULL);

      _troupe_builder_report_bad_choice (self, where, field, node,
                                         (const char * const *) nicks->pdata, listed);
    }

  _troupe_builder_pop (self, mark);

  return ok;
}

/* Reads a list of scalars into self->scratch, NULL-terminated; the strings
 * are borrowed from the tree and the array is valid until the next call.
 * Returns NULL when the list is absent, empty or not a list. */
const char * const *
_troupe_builder_read_strv (Builder     *self,
                           const Where *where,
                           const char  *field,
                           TroupeNode  *node,
                           const char  *expected,
                           const char  *example)
{
  const char * const *result = NULL;
  gsize mark;

  if (node == NULL)
    return NULL;

  g_ptr_array_set_size (self->scratch, 0);

  mark = _troupe_builder_enter (self, field, node);

  if (node->kind == TROUPE_NODE_SEQUENCE)
    {
      for (guint i = 0; i < node->values->len; i++)
        {
          TroupeNode *item = g_ptr_array_index (node->values, i);
          gsize item_mark = _troupe_builder_push_index (self, i);

          _troupe_builder_record (self, item);
          if (item->kind == TROUPE_NODE_SCALAR)
            g_ptr_array_add (self->scratch, (gpointer) _troupe_builder_scalar_text (item));
          else
            _troupe_builder_report_wrong_type (self, where, field, item, expected, example);
          _troupe_builder_pop (self, item_mark);
        }
    }
  else if (!_troupe_builder_is_null (node))
    {
      _troupe_builder_report_wrong_type (self, where, field, node, expected, example);
    }

  if (self->scratch->len > 0)
    {
      g_ptr_array_add (self->scratch, NULL);
      result = (const char * const *) self->scratch->pdata;
    }

  _troupe_builder_pop (self, mark);

  return result;
}

/* "retries: 3" or "retries: {max: 3, backoff: exponential, ...}". The
 * pointer is already at the retries node. */
static gboolean
scalar_or_mapping_retries (Builder           *self,
                           const Where       *where,
                           const char        *section,
                           TroupeNode        *node,
                           TroupeRetryPolicy *out)
{
  static const char expected[] = "a number of retries or a mapping";
  static const char example[] = "retries: 3 or retries: {max: 3, backoff: exponential}";
  TroupeNode *keys[N_RETRIES_KEYS] = { NULL, };
  TroupeNode *values[N_RETRIES_KEYS] = { NULL, };
  Where inner = *where;
  gint64 max = 0;
  int backoff = TROUPE_BACKOFF_FIXED;
  gboolean ok = TRUE;

  out->max_retries = 0;
  out->backoff = TROUPE_BACKOFF_FIXED;
  out->delay_ms = TROUPE_RETRY_DEFAULT_DELAY_MS;
  out->max_delay_ms = TROUPE_RETRY_DEFAULT_MAX_DELAY_MS;
  out->jitter = 0;

  if (_troupe_builder_is_null (node))
    return FALSE;

  if (node->kind == TROUPE_NODE_SCALAR)
    {
      if (node->scalar_type == TROUPE_SCALAR_STRING ||
          node->scalar_type == TROUPE_SCALAR_BOOL ||
          node->scalar_type == TROUPE_SCALAR_FLOAT)
        {
          _troupe_builder_report_wrong_type (self, where, "retries", node, expected, example);
          return FALSE;
        }
      if (!scalar_int (self, where, "retries", node, 0, TROUPE_RETRY_MAX_RETRIES, example, &max))
        return FALSE;
      out->max_retries = (guint) max;
      return TRUE;
    }

  if (node->kind != TROUPE_NODE_MAPPING)
    {
      _troupe_builder_report_wrong_type (self, where, "retries", node, expected, example);
      return FALSE;
    }

  inner.section = section;
  _troupe_builder_walk_mapping (self, node, retries_keys, &inner, keys, values);

  if (keys[RETRIES_MAX] == NULL)
    {
      g_autofree char *what = _troupe_builder_describe_field (where, "retries");

      _troupe_builder_report (self, TROUPE_SEVERITY_ERROR, "wrong-type", where->step_id, node,
                              "%s must say how many times to retry with 'max', like retries: {max: 3, backoff: exponential}",
                              what);
      ok = FALSE;
    }
  else if (_troupe_builder_read_int (self, &inner, "max", values[RETRIES_MAX], 0, TROUPE_RETRY_MAX_RETRIES,
                                     "max: 3", &max))
    {
      out->max_retries = (guint) max;
    }
  else
    {
      ok = FALSE;
    }

  if (_troupe_builder_read_enum (self, &inner, "backoff", values[RETRIES_BACKOFF],
                                 TROUPE_TYPE_BACKOFF, TROUPE_BACKOFF_FIXED, &backoff))
    out->backoff = backoff;
  _troupe_builder_read_duration (self, &inner, "delay", values[RETRIES_DELAY], &out->delay_ms);
  _troupe_builder_read_duration (self, &inner, "max_delay", values[RETRIES_MAX_DELAY], &out->max_delay_ms);
  read_double (self, &inner, "jitter", values[RETRIES_JITTER], 0.0, 1.0, "jitter: 0.2", &out->jitter);

  return ok;
}

gboolean
_troupe_builder_read_retries (Builder           *self,
                              const Where       *where,
                              const char        *section,
                              TroupeNode        *node,
                              TroupeRetryPolicy *out)
{
  gboolean ok;
  gsize mark;

  if (node == NULL)
    return FALSE;

  mark = _troupe_builder_enter (self, "retries", node);
  ok = scalar_or_mapping_retries (self, where, section, node, out);
  _troupe_builder_pop (self, mark);

  return ok;
}

/* A user-keyed mapping of strings (context, env), in file order. */
void
_troupe_builder_read_string_map (Builder     *self,
                                 const Where *where,
                                 const char  *field,
                                 TroupeNode  *node,
                                 const char  *example,
                                 void       (*set) (gpointer    target,
                                                    const char *key,
                                                    const char *value),
                                 gpointer     target)
{
  g_autoptr(GHashTable) seen = NULL;
  Where inner = *where;
  gsize mark;

  if (node == NULL)
    return;

  mark = _troupe_builder_enter (self, field, node);

  if (node->kind != TROUPE_NODE_MAPPING)
    {
      if (!_troupe_builder_is_null (node))
        _troupe_builder_report_wrong_type (self, where, field, node, "a mapping of names to strings", example);
      _troupe_builder_pop (self, mark);
      return;
    }

  inner.section = field;
  seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < node->keys->len; i++)
    {
      TroupeNode *key = g_ptr_array_index (node->keys, i);
      TroupeNode *value = g_ptr_array_index (node->values, i);
      gsize item_mark;

      if (!_troupe_builder_check_unique (self, seen, key, &inner))
        continue;

      item_mark = _troupe_builder_enter (self, key->scalar, value);
      if (value->kind == TROUPE_NODE_SCALAR)
        set (target, key->scalar, _troupe_builder_scalar_text (value));
      else
        _troupe_builder_report_wrong_type (self, &inner, key->scalar, value, "a string", example);
      _troupe_builder_pop (self, item_mark);
    }

  _troupe_builder_pop (self, mark);
}
