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

/* The builder maps the format-neutral document tree onto a TroupeWorkflow.
 * It never fails: whatever it cannot take becomes a load diagnostic that
 * says where the problem is and how to fix it, and everything else is kept,
 * so one typo does not hide the rest of the file from the validator.
 *
 * The schema lives in the key tables below. Each table is walked once per
 * mapping with strcmp() over a handful of names and no allocation, so a file
 * with tens of thousands of steps builds in linear time. */

/* The largest key table (steps) has 17 names. */
#define MAX_KEYS 20

static const char * const top_keys[] = {
  "troupe", "name", "description", "workspace", "defaults", "context",
  "agents", "providers", "steps", "layout", NULL
};
enum {
  TOP_TROUPE, TOP_NAME, TOP_DESCRIPTION, TOP_WORKSPACE, TOP_DEFAULTS,
  TOP_CONTEXT, TOP_AGENTS, TOP_PROVIDERS, TOP_STEPS, TOP_LAYOUT, N_TOP_KEYS
};
G_STATIC_ASSERT (G_N_ELEMENTS (top_keys) == N_TOP_KEYS + 1);

static const char * const defaults_keys[] = {
  "provider", "timeout", "retries", "on_failure", "max_parallel", NULL
};
enum {
  DEFAULTS_PROVIDER, DEFAULTS_TIMEOUT, DEFAULTS_RETRIES, DEFAULTS_ON_FAILURE,
  DEFAULTS_MAX_PARALLEL, N_DEFAULTS_KEYS
};
G_STATIC_ASSERT (G_N_ELEMENTS (defaults_keys) == N_DEFAULTS_KEYS + 1);

static const char * const agent_keys[] = {
  "provider", "color", "description", "max_parallel", NULL
};
enum {
  AGENT_PROVIDER, AGENT_COLOR, AGENT_DESCRIPTION, AGENT_MAX_PARALLEL,
  N_AGENT_KEYS
};
G_STATIC_ASSERT (G_N_ELEMENTS (agent_keys) == N_AGENT_KEYS + 1);

static const char * const provider_keys[] = {
  "command", "input", "output", "env", "max_output", "max_parallel",
  "result", "cost", "tokens", NULL
};
enum {
  PROVIDER_COMMAND, PROVIDER_INPUT, PROVIDER_OUTPUT, PROVIDER_ENV,
  PROVIDER_MAX_OUTPUT, PROVIDER_MAX_PARALLEL, PROVIDER_RESULT, PROVIDER_COST,
  PROVIDER_TOKENS, N_PROVIDER_KEYS
};
G_STATIC_ASSERT (G_N_ELEMENTS (provider_keys) == N_PROVIDER_KEYS + 1);

static const char * const step_keys[] = {
  "kind", "description", "agent", "provider", "prompt", "prompt_file",
  "command", "send", "wait_for", "approval", "needs", "retries", "timeout",
  "on_failure", "outputs", "when", "for_each", NULL
};
enum {
  STEP_KIND, STEP_DESCRIPTION, STEP_AGENT, STEP_PROVIDER, STEP_PROMPT,
  STEP_PROMPT_FILE, STEP_COMMAND, STEP_SEND, STEP_WAIT_FOR, STEP_APPROVAL,
  STEP_NEEDS, STEP_RETRIES, STEP_TIMEOUT, STEP_ON_FAILURE, STEP_OUTPUTS,
  STEP_WHEN, STEP_FOR_EACH, N_STEP_KEYS
};
G_STATIC_ASSERT (G_N_ELEMENTS (step_keys) == N_STEP_KEYS + 1);
G_STATIC_ASSERT (N_STEP_KEYS <= MAX_KEYS);

static const char * const send_keys[] = { "to", "file", "content", NULL };
enum { SEND_TO, SEND_FILE, SEND_CONTENT, N_SEND_KEYS };
G_STATIC_ASSERT (G_N_ELEMENTS (send_keys) == N_SEND_KEYS + 1);

static const char * const wait_keys[] = {
  "glob", "timeout", "poll", "min_count", NULL
};
enum { WAIT_GLOB, WAIT_TIMEOUT, WAIT_POLL, WAIT_MIN_COUNT, N_WAIT_KEYS };
G_STATIC_ASSERT (G_N_ELEMENTS (wait_keys) == N_WAIT_KEYS + 1);

static const char * const retries_keys[] = {
  "max", "backoff", "delay", "max_delay", "jitter", NULL
};
enum {
  RETRIES_MAX, RETRIES_BACKOFF, RETRIES_DELAY, RETRIES_MAX_DELAY,
  RETRIES_JITTER, N_RETRIES_KEYS
};
G_STATIC_ASSERT (G_N_ELEMENTS (retries_keys) == N_RETRIES_KEYS + 1);

/* The file spells the operators with underscores, unlike the enum nicks. */
static const char * const when_keys[] = {
  "equals", "not_equals", "contains", "not_contains", NULL
};
static const TroupeConditionOp when_ops[] = {
  TROUPE_CONDITION_OP_EQUALS, TROUPE_CONDITION_OP_NOT_EQUALS,
  TROUPE_CONDITION_OP_CONTAINS, TROUPE_CONDITION_OP_NOT_CONTAINS,
};
#define N_WHEN_KEYS G_N_ELEMENTS (when_ops)
G_STATIC_ASSERT (G_N_ELEMENTS (when_keys) == N_WHEN_KEYS + 1);

static const char * const layout_keys[] = { "direction", "positions", NULL };
enum { LAYOUT_DIRECTION, LAYOUT_POSITIONS, N_LAYOUT_KEYS };
G_STATIC_ASSERT (G_N_ELEMENTS (layout_keys) == N_LAYOUT_KEYS + 1);

/* The file spells rank directions in capitals, unlike the enum nicks. */
static const char * const direction_names[] = { "TB", "LR", "BT", "RL", NULL };
static const TroupeRankDir direction_values[] = {
  TROUPE_RANK_DIR_TB, TROUPE_RANK_DIR_LR, TROUPE_RANK_DIR_BT, TROUPE_RANK_DIR_RL,
};
G_STATIC_ASSERT (G_N_ELEMENTS (direction_names) == G_N_ELEMENTS (direction_values) + 1);

#define MAX_PARALLEL_LIMIT 1024

/* Where a field lives, for messages: "'wait_for.timeout' of step 'wait'". */
typedef struct
{
  const char *owner;    /* "step", "agent", "provider", or NULL at the top level */
  const char *name;     /* the step id, agent or provider name */
  const char *section;  /* "defaults", "wait_for", "retries", ... or NULL */
  const char *step_id;  /* the diagnostics' step; NULL outside steps */
} Where;

typedef struct
{
  TroupeWorkflow *workflow;
  const char     *filename;
  /* The JSON pointer of the node being read; pushed and popped as the
   * builder descends, so recording a location costs no allocation here. */
  GString        *pointer;
  /* Borrowed strings from the tree for a list being read; reused. */
  GPtrArray      *scratch;
  /* Step id -> its first key node, to name both lines of a duplicate. */
  GHashTable     *step_keys;
  /* The positions under layout, read before the steps so that each is set
   * before its step joins the workflow (no change signals for them):
   * step id -> Position, and the same in file order. */
  GHashTable     *positions;
  GArray         *position_list;
  /* Step ids as suggestion candidates, built only when a position names
   * an unknown step. */
  GPtrArray      *step_ids;
} Builder;

typedef struct
{
  TroupeNode *key;
  double      x;
  double      y;
  gboolean    used;
} Position;

static void report (Builder        *self,
                    TroupeSeverity  severity,
                    const char     *code,
                    const char     *step_id,
                    TroupeNode     *at,
                    const char     *format,
                    ...) G_GNUC_PRINTF (6, 7);

static void
report (Builder        *self,
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
  troupe_workflow_add_load_diagnostic (self->workflow, diagnostic);
}

/* "'wait_for.timeout' of step 'wait'", "'defaults.timeout'", "'name'". */
static char *
describe_field (const Where *where,
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
static char *
describe_pair (TroupeNode *first,
               TroupeNode *second)
{
  if (first->line == second->line)
    return g_strdup_printf ("line %u, columns %u and %u",
                            first->line, first->column, second->column);
  return g_strdup_printf ("lines %u and %u", first->line, second->line);
}

static void
report_wrong_type (Builder     *self,
                   const Where *where,
                   const char  *field,
                   TroupeNode  *at,
                   const char  *expected,
                   const char  *example)
{
  g_autofree char *what = describe_field (where, field);

  report (self, TROUPE_SEVERITY_ERROR, "wrong-type", where->step_id, at,
          "%s must be %s, like %s", what, expected, example);
}

static gsize
push (Builder    *self,
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

static gsize
push_index (Builder *self,
            guint    index)
{
  gsize mark = self->pointer->len;

  g_string_append_printf (self->pointer, "/%u", index);
  return mark;
}

static void
pop (Builder *self,
     gsize    mark)
{
  g_string_truncate (self->pointer, mark);
}

static void
record (Builder    *self,
        TroupeNode *node)
{
  troupe_workflow_set_location (self->workflow, self->pointer->str,
                                node->line, node->column);
}

/* An empty value, "~" or "null" leaves a field unset, as YAML means it. */
static gboolean
is_null (TroupeNode *node)
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
static const char *
scalar_text (TroupeNode *node)
{
  g_assert (node->kind == TROUPE_NODE_SCALAR);

  return is_null (node) ? "" : node->scalar;
}

static int
find_name (const char * const *names,
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
  const char *suggestion;

  if (strcmp (key->scalar, "command_override") == 0)
    {
      report (self, TROUPE_SEVERITY_ERROR, "command-override", where->step_id, key,
              "'command_override' is not supported; put the full argv in 'command'");
      return;
    }

  place = describe_mapping (where);
  suggestion = troupe_suggest (key->scalar, names);
  if (suggestion != NULL)
    {
      report (self, TROUPE_SEVERITY_ERROR, "unknown-key", where->step_id, key,
              "unknown key '%s' %s; did you mean '%s'?",
              key->scalar, place, suggestion);
    }
  else
    {
      g_autofree char *valid = g_strjoinv (", ", (char **) names);

      report (self, TROUPE_SEVERITY_ERROR, "unknown-key", where->step_id, key,
              "unknown key '%s' %s; valid keys are %s",
              key->scalar, place, valid);
    }
}

static void
report_duplicate_key (Builder     *self,
                      TroupeNode  *first,
                      TroupeNode  *second,
                      const Where *where)
{
  g_autofree char *place = describe_mapping (where);
  g_autofree char *lines = describe_pair (first, second);

  report (self, TROUPE_SEVERITY_ERROR, "duplicate-key", where->step_id, second,
          "duplicate key '%s' %s (%s); remove one of them",
          second->scalar, place, lines);
}

/* Sorts the members of a schema mapping into @keys and @values by their
 * index in @names, reporting unknown and repeated keys in file order.
 * Returns the number of unknown keys. */
static guint
walk_mapping (Builder            *self,
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

      index = find_name (names, key->scalar);
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
static gboolean
check_unique (Builder     *self,
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

static gboolean
parse_int (const char *text,
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

static gboolean
parse_double (const char *text,
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

  if (is_null (node))
    return FALSE;

  if (node->kind != TROUPE_NODE_SCALAR ||
      (node->scalar_type != TROUPE_SCALAR_PLAIN && node->scalar_type != TROUPE_SCALAR_INT) ||
      !parse_int (node->scalar, &value, &overflow))
    {
      report_wrong_type (self, where, field, node, "a whole number", example);
      return FALSE;
    }

  if (overflow || value < min || value > max)
    {
      g_autofree char *what = describe_field (where, field);

      /* Limits nobody would write are not worth naming, unless crossed. */
      if (max >= G_MAXUINT32 && !overflow && value < min)
        report (self, TROUPE_SEVERITY_ERROR, "out-of-range", where->step_id, node,
                "%s must be at least %" G_GINT64_FORMAT ", not %s",
                what, min, node->scalar);
      else if (max >= G_MAXUINT32)
        report (self, TROUPE_SEVERITY_ERROR, "out-of-range", where->step_id, node,
                "%s must be at most %" G_GINT64_FORMAT ", not %s",
                what, max, node->scalar);
      else
        report (self, TROUPE_SEVERITY_ERROR, "out-of-range", where->step_id, node,
                "%s must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT ", not %s",
                what, min, max, node->scalar);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

static gboolean
read_int (Builder     *self,
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

  mark = push (self, field);
  record (self, node);
  ok = scalar_int (self, where, field, node, min, max, example, out);
  pop (self, mark);

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

  mark = push (self, field);
  record (self, node);

  if (is_null (node))
    {
      /* Unset, as if absent. */
    }
  else if (node->kind != TROUPE_NODE_SCALAR ||
           node->scalar_type == TROUPE_SCALAR_STRING ||
           node->scalar_type == TROUPE_SCALAR_BOOL ||
           !parse_double (node->scalar, &value))
    {
      report_wrong_type (self, where, field, node, "a number", example);
    }
  else if (value < min || value > max)
    {
      g_autofree char *what = describe_field (where, field);

      report (self, TROUPE_SEVERITY_ERROR, "out-of-range", where->step_id, node,
              "%s must be between %g and %g, not %s", what, min, max, node->scalar);
    }
  else
    {
      *out = value;
      ok = TRUE;
    }

  pop (self, mark);

  return ok;
}

/* Any scalar's text is a string; a number or a boolean keeps its text. An
 * empty string leaves the field unset, as an absent key does: the model
 * does not tell them apart, and neither does the file it saves. */
static gboolean
read_string (Builder     *self,
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

  mark = push (self, field);
  record (self, node);

  if (node->kind != TROUPE_NODE_SCALAR)
    report_wrong_type (self, where, field, node, "a string", example);
  else if (!is_null (node) && node->scalar[0] != '\0')
    {
      *out = node->scalar;
      ok = TRUE;
    }

  pop (self, mark);

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

  if (is_null (node))
    return FALSE;

  if (node->kind != TROUPE_NODE_SCALAR)
    {
      g_autofree char *example = g_strdup_printf ("%s: 90s", field);

      report_wrong_type (self, where, field, node, "a duration", example);
      return FALSE;
    }

  if (troupe_duration_parse (node->scalar, &ms, &why) && ms <= TROUPE_DURATION_MAX_MS)
    {
      *out = ms;
      return TRUE;
    }

  what = describe_field (where, field);

  if (is_duration_syntax (node->scalar))
    {
      g_autofree char *limit = troupe_duration_format (TROUPE_DURATION_MAX_MS);

      report (self, TROUPE_SEVERITY_ERROR, "out-of-range", where->step_id, node,
              "%s is %s, longer than the longest allowed duration (%s); use a shorter one",
              what, node->scalar, limit);
    }
  else if (why != NULL)
    {
      report (self, TROUPE_SEVERITY_ERROR, "bad-duration", where->step_id, node,
              "%s is not a valid duration: %s", what, why);
    }
  else
    {
      report (self, TROUPE_SEVERITY_ERROR, "bad-duration", where->step_id, node,
              "%s is not a valid duration: write a whole number and a unit, like 90s, 5m or 1h30m",
              what);
    }

  return FALSE;
}

static gboolean
read_duration (Builder     *self,
               const Where *where,
               const char  *field,
               TroupeNode  *node,
               gint64      *out)
{
  gboolean ok;
  gsize mark;

  if (node == NULL)
    return FALSE;

  mark = push (self, field);
  record (self, node);
  ok = scalar_duration (self, where, field, node, out);
  pop (self, mark);

  return ok;
}

static void
report_bad_choice (Builder            *self,
                   const Where        *where,
                   const char         *field,
                   TroupeNode         *node,
                   const char * const *choices,
                   const char         *listed)
{
  g_autofree char *what = describe_field (where, field);
  const char *suggestion = troupe_suggest (node->scalar, choices);

  if (suggestion != NULL)
    report (self, TROUPE_SEVERITY_ERROR, "bad-value", where->step_id, node,
            "%s must be one of %s, not '%s'; did you mean '%s'?",
            what, listed, node->scalar, suggestion);
  else
    report (self, TROUPE_SEVERITY_ERROR, "bad-value", where->step_id, node,
            "%s must be one of %s, not '%s'", what, listed, node->scalar);
}

/* An enum value by its nick; values below @first_value (INHERIT) are not
 * written in files. */
static gboolean
read_enum (Builder     *self,
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

  mark = push (self, field);
  record (self, node);

  if (node->kind != TROUPE_NODE_SCALAR)
    {
      g_autofree char *listed = troupe_enum_list_nicks (type, first_value);
      g_autofree char *expected = g_strdup_printf ("one of %s", listed);
      g_autofree char *example = g_strdup_printf ("%s: %s", field,
                                                  troupe_enum_to_nick (type, first_value));

      report_wrong_type (self, where, field, node, expected, example);
    }
  else if (is_null (node))
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

      report_bad_choice (self, where, field, node,
                         (const char * const *) nicks->pdata, listed);
    }

  pop (self, mark);

  return ok;
}

/* Reads a list of scalars into self->scratch, NULL-terminated; the strings
 * are borrowed from the tree and the array is valid until the next call.
 * Returns NULL when the list is absent, empty or not a list. */
static const char * const *
read_strv (Builder     *self,
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

  mark = push (self, field);
  record (self, node);

  if (node->kind == TROUPE_NODE_SEQUENCE)
    {
      for (guint i = 0; i < node->values->len; i++)
        {
          TroupeNode *item = g_ptr_array_index (node->values, i);
          gsize item_mark = push_index (self, i);

          record (self, item);
          if (item->kind == TROUPE_NODE_SCALAR)
            g_ptr_array_add (self->scratch, (gpointer) scalar_text (item));
          else
            report_wrong_type (self, where, field, item, expected, example);
          pop (self, item_mark);
        }
    }
  else if (!is_null (node))
    {
      report_wrong_type (self, where, field, node, expected, example);
    }

  if (self->scratch->len > 0)
    {
      g_ptr_array_add (self->scratch, NULL);
      result = (const char * const *) self->scratch->pdata;
    }

  pop (self, mark);

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

  if (is_null (node))
    return FALSE;

  if (node->kind == TROUPE_NODE_SCALAR)
    {
      if (node->scalar_type == TROUPE_SCALAR_STRING ||
          node->scalar_type == TROUPE_SCALAR_BOOL ||
          node->scalar_type == TROUPE_SCALAR_FLOAT)
        {
          report_wrong_type (self, where, "retries", node, expected, example);
          return FALSE;
        }
      if (!scalar_int (self, where, "retries", node, 0, TROUPE_RETRY_MAX_RETRIES, example, &max))
        return FALSE;
      out->max_retries = (guint) max;
      return TRUE;
    }

  if (node->kind != TROUPE_NODE_MAPPING)
    {
      report_wrong_type (self, where, "retries", node, expected, example);
      return FALSE;
    }

  inner.section = section;
  walk_mapping (self, node, retries_keys, &inner, keys, values);

  if (keys[RETRIES_MAX] == NULL)
    {
      g_autofree char *what = describe_field (where, "retries");

      report (self, TROUPE_SEVERITY_ERROR, "wrong-type", where->step_id, node,
              "%s must say how many times to retry with 'max', like retries: {max: 3, backoff: exponential}",
              what);
      ok = FALSE;
    }
  else if (read_int (self, &inner, "max", values[RETRIES_MAX], 0, TROUPE_RETRY_MAX_RETRIES,
                     "max: 3", &max))
    {
      out->max_retries = (guint) max;
    }
  else
    {
      ok = FALSE;
    }

  if (read_enum (self, &inner, "backoff", values[RETRIES_BACKOFF],
                 TROUPE_TYPE_BACKOFF, TROUPE_BACKOFF_FIXED, &backoff))
    out->backoff = backoff;
  read_duration (self, &inner, "delay", values[RETRIES_DELAY], &out->delay_ms);
  read_duration (self, &inner, "max_delay", values[RETRIES_MAX_DELAY], &out->max_delay_ms);
  read_double (self, &inner, "jitter", values[RETRIES_JITTER], 0.0, 1.0, "jitter: 0.2", &out->jitter);

  return ok;
}

static gboolean
read_retries (Builder           *self,
              const Where       *where,
              const char        *section,
              TroupeNode        *node,
              TroupeRetryPolicy *out)
{
  gboolean ok;
  gsize mark;

  if (node == NULL)
    return FALSE;

  mark = push (self, "retries");
  record (self, node);
  ok = scalar_or_mapping_retries (self, where, section, node, out);
  pop (self, mark);

  return ok;
}

/* A user-keyed mapping of strings (context, env), in file order. */
static void
read_string_map (Builder     *self,
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

  mark = push (self, field);
  record (self, node);

  if (node->kind != TROUPE_NODE_MAPPING)
    {
      if (!is_null (node))
        report_wrong_type (self, where, field, node, "a mapping of names to strings", example);
      pop (self, mark);
      return;
    }

  inner.section = field;
  seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < node->keys->len; i++)
    {
      TroupeNode *key = g_ptr_array_index (node->keys, i);
      TroupeNode *value = g_ptr_array_index (node->values, i);
      gsize item_mark;

      if (!check_unique (self, seen, key, &inner))
        continue;

      item_mark = push (self, key->scalar);
      record (self, value);
      if (value->kind == TROUPE_NODE_SCALAR)
        set (target, key->scalar, scalar_text (value));
      else
        report_wrong_type (self, &inner, key->scalar, value, "a string", example);
      pop (self, item_mark);
    }

  pop (self, mark);
}

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
      if (!is_null (node))
        report_wrong_type (self, &top, "defaults", node, "a mapping",
                           "defaults: {provider: mock, timeout: 10m}");
      return;
    }

  walk_mapping (self, node, defaults_keys, &where, keys, values);

  if (read_string (self, &where, "provider", values[DEFAULTS_PROVIDER],
                   "provider: mock", &text))
    troupe_workflow_set_default_provider (self->workflow, text);
  if (read_duration (self, &where, "timeout", values[DEFAULTS_TIMEOUT], &number))
    troupe_workflow_set_default_timeout (self->workflow, number);
  if (read_retries (self, &where, "defaults.retries", values[DEFAULTS_RETRIES], &retries))
    troupe_workflow_set_default_retries (self->workflow, &retries);
  if (read_enum (self, &where, "on_failure", values[DEFAULTS_ON_FAILURE],
                 TROUPE_TYPE_FAILURE_POLICY, TROUPE_FAILURE_POLICY_STOP, &policy))
    troupe_workflow_set_default_on_failure (self->workflow, policy);
  if (read_int (self, &where, "max_parallel", values[DEFAULTS_MAX_PARALLEL],
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
      walk_mapping (self, node, agent_keys, &where, keys, values);
    }
  else if (!is_null (node))
    {
      report (self, TROUPE_SEVERITY_ERROR, "wrong-type", NULL, node,
              "agent '%s' must be a mapping of its fields, like %s: {provider: claude}",
              key->scalar, key->scalar);
    }

  if (read_string (self, &where, "provider", values[AGENT_PROVIDER], "provider: claude", &text))
    troupe_agent_set_provider (agent, text);
  if (read_string (self, &where, "color", values[AGENT_COLOR], "color: \"#3584e4\"", &text))
    {
      if (is_color (text))
        {
          troupe_agent_set_color (agent, text);
        }
      else
        {
          g_autofree char *what = describe_field (&where, "color");

          report (self, TROUPE_SEVERITY_ERROR, "out-of-range", NULL, values[AGENT_COLOR],
                  "%s must be a colour written #rrggbb, like color: \"#3584e4\", not '%s'",
                  what, text);
        }
    }
  if (read_string (self, &where, "description", values[AGENT_DESCRIPTION],
                   "description: Designs the system.", &text))
    troupe_agent_set_description (agent, text);
  if (read_int (self, &where, "max_parallel", values[AGENT_MAX_PARALLEL],
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

  if (!read_string (self, where, field, node, example, out))
    return FALSE;
  if ((*out)[0] == '/' || (*out)[0] == '\0')
    return TRUE;

  what = describe_field (where, field);
  report (self, TROUPE_SEVERITY_ERROR, "bad-value", NULL, node,
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
      walk_mapping (self, node, provider_keys, &where, keys, values);
    }
  else if (!is_null (node))
    {
      report (self, TROUPE_SEVERITY_ERROR, "wrong-type", NULL, node,
              "provider '%s' must be a mapping of its fields, like %s: {command: [my-llm, \"${prompt}\"]}",
              key->scalar, key->scalar);
    }

  argv = read_strv (self, &where, "command", values[PROVIDER_COMMAND],
                    "a list of strings", "command: [my-llm, --prompt, \"${prompt}\"]");
  if (argv != NULL)
    troupe_provider_set_command (provider, argv);
  if (read_enum (self, &where, "input", values[PROVIDER_INPUT],
                 TROUPE_TYPE_INPUT_MODE, TROUPE_INPUT_MODE_ARGV, &choice))
    troupe_provider_set_input_mode (provider, choice);
  if (read_enum (self, &where, "output", values[PROVIDER_OUTPUT],
                 TROUPE_TYPE_OUTPUT_FORMAT, TROUPE_OUTPUT_FORMAT_TEXT, &choice))
    troupe_provider_set_output_format (provider, choice);
  read_string_map (self, &where, "env", values[PROVIDER_ENV],
                   "env: {MY_LLM_MODEL: small}", set_env, provider);
  if (read_int (self, &where, "max_output", values[PROVIDER_MAX_OUTPUT],
                1, G_MAXINT64, "max_output: 1048576", &number))
    troupe_provider_set_max_output (provider, (guint64) number);
  if (read_int (self, &where, "max_parallel", values[PROVIDER_MAX_PARALLEL],
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
      if (!is_null (node))
        report_wrong_type (self, &top, section, node, "a mapping of names to fields", example);
      return;
    }

  seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < node->keys->len; i++)
    {
      TroupeNode *key = g_ptr_array_index (node->keys, i);
      gsize mark;

      if (!check_unique (self, seen, key, &where))
        continue;

      mark = push (self, key->scalar);
      record (self, key);
      build (self, key, g_ptr_array_index (node->values, i));
      pop (self, mark);
    }
}

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

  mark = push (self, "send");
  record (self, node);

  if (node->kind == TROUPE_NODE_MAPPING)
    {
      inner.section = "send";
      walk_mapping (self, node, send_keys, &inner, keys, values);

      if (read_string (self, &inner, "to", values[SEND_TO], "to: engineer", &text))
        troupe_step_set_send_to (step, text);
      if (read_string (self, &inner, "file", values[SEND_FILE], "file: design-ready", &text))
        troupe_step_set_send_file (step, text);
      if (read_string (self, &inner, "content", values[SEND_CONTENT],
                       "content: Please implement.", &text))
        troupe_step_set_send_content (step, text);
    }
  else if (!is_null (node))
    {
      report_wrong_type (self, where, "send", node, "a mapping",
                         "send: {to: engineer, file: design-ready, content: Please implement.}");
    }

  pop (self, mark);
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

  mark = push (self, "wait_for");
  record (self, node);

  if (node->kind == TROUPE_NODE_MAPPING)
    {
      inner.section = "wait_for";
      walk_mapping (self, node, wait_keys, &inner, keys, values);

      if (read_string (self, &inner, "glob", values[WAIT_GLOB],
                       "glob: inbox/engineer/*.task", &text))
        troupe_step_set_wait_glob (step, text);
      if (read_duration (self, &inner, "timeout", values[WAIT_TIMEOUT], &number))
        troupe_step_set_wait_timeout (step, number);
      if (read_duration (self, &inner, "poll", values[WAIT_POLL], &number))
        troupe_step_set_wait_poll (step, number);
      /* 1 is the default: leaving it unset keeps the model equal to one
       * read from a file that omits it. */
      if (read_int (self, &inner, "min_count", values[WAIT_MIN_COUNT],
                    1, G_MAXUINT32, "min_count: 1", &number) && number != 1)
        troupe_step_set_wait_min_count (step, (guint) number);
    }
  else if (!is_null (node))
    {
      report_wrong_type (self, where, "wait_for", node, "a mapping",
                         "wait_for: {glob: inbox/engineer/*.task, timeout: 5m}");
    }

  pop (self, mark);
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

  mark = push (self, "when");
  record (self, node);

  if (node->kind != TROUPE_NODE_MAPPING)
    {
      if (!is_null (node))
        report_wrong_type (self, where, "when", node, "a mapping with one operator", example);
      pop (self, mark);
      return;
    }

  inner.section = "when";
  n_unknown = walk_mapping (self, node, when_keys, &inner, keys, values);

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
      what = describe_field (where, "when");
      report (self, TROUPE_SEVERITY_ERROR, "bad-value", where->step_id, node,
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
          int index = find_name (when_keys, key->scalar);

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

      what = describe_field (where, "when");
      report (self, TROUPE_SEVERITY_ERROR, "bad-value", where->step_id, second,
              "%s must have exactly one operator, but has %u (%s); keep one",
              what, n_ops, listed);
    }
  else if (n_ops == 1)
    {
      TroupeNode *value = values[op];
      gsize op_mark = push (self, when_keys[op]);
      gboolean ok;

      record (self, value);
      ok = value->kind == TROUPE_NODE_SEQUENCE && value->values->len == 2;
      for (guint i = 0; ok && i < 2; i++)
        {
          TroupeNode *item = g_ptr_array_index (value->values, i);
          gsize item_mark = push_index (self, i);

          record (self, item);
          ok = item->kind == TROUPE_NODE_SCALAR;
          pop (self, item_mark);
        }

      if (ok)
        {
          troupe_step_set_when (step, when_ops[op],
                                scalar_text (g_ptr_array_index (value->values, 0)),
                                scalar_text (g_ptr_array_index (value->values, 1)));
        }
      else
        {
          g_autofree char *op_example = g_strdup_printf ("%s: [\"${steps.review.output}\", approve]",
                                                         when_keys[op]);

          report_wrong_type (self, &inner, when_keys[op], value,
                             "a list of two strings", op_example);
        }

      pop (self, op_mark);
    }

  pop (self, mark);
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
      g_autofree char *lines = describe_pair (first, key);

      report (self, TROUPE_SEVERITY_ERROR, "duplicate-step", id, key,
              "step '%s' is defined twice (%s); rename or remove one of them",
              id, lines);
      return;
    }
  g_hash_table_insert (self->step_keys, (gpointer) id, key);
  /* Only now: the pointer of a repeated id keeps the first one's place. */
  record (self, key);

  if (!troupe_step_id_is_valid (id))
    {
      report (self, TROUPE_SEVERITY_ERROR, "bad-step-id", id, key,
              "step id '%s' is not valid: use 1 to 64 letters, digits, '-' or '_', "
              "starting with a letter or a digit", id);
      /* An empty id cannot be referred to, saved or even reported on. */
      if (id[0] == '\0')
        return;
    }

  if (node->kind == TROUPE_NODE_MAPPING)
    {
      walk_mapping (self, node, step_keys, &where, keys, values);
    }
  else if (!is_null (node))
    {
      report (self, TROUPE_SEVERITY_ERROR, "wrong-type", id, node,
              "step '%s' must be a mapping of its fields, like %s: {command: [make, test]}",
              id, id);
    }

  if (!read_enum (self, &where, "kind", values[STEP_KIND],
                  TROUPE_TYPE_STEP_KIND, TROUPE_STEP_KIND_AGENT, &kind))
    kind = infer_kind (keys);

  step = troupe_step_new (id, kind);

  if (read_string (self, &where, "description", values[STEP_DESCRIPTION],
                   "description: Designs the system.", &text))
    troupe_step_set_description (step, text);
  if (read_string (self, &where, "agent", values[STEP_AGENT], "agent: architect", &text))
    troupe_step_set_agent (step, text);
  if (read_string (self, &where, "provider", values[STEP_PROVIDER], "provider: claude", &text))
    troupe_step_set_provider (step, text);
  if (read_string (self, &where, "prompt", values[STEP_PROMPT], "prompt: Design the system.", &text))
    troupe_step_set_prompt (step, text);
  if (read_string (self, &where, "prompt_file", values[STEP_PROMPT_FILE],
                   "prompt_file: prompts/design.md", &text))
    troupe_step_set_prompt_file (step, text);
  strv = read_strv (self, &where, "command", values[STEP_COMMAND],
                    "a list of strings", "command: [make, test]");
  if (strv != NULL)
    troupe_step_set_command (step, strv);
  build_send (self, &where, values[STEP_SEND], step);
  build_wait (self, &where, values[STEP_WAIT_FOR], step);
  if (read_string (self, &where, "approval", values[STEP_APPROVAL],
                   "approval: Ship the release?", &text))
    troupe_step_set_approval (step, text);
  strv = read_strv (self, &where, "needs", values[STEP_NEEDS],
                    "a list of step ids", "needs: [a, b]");
  if (strv != NULL)
    troupe_step_set_needs (step, strv);
  if (read_retries (self, &where, "retries", values[STEP_RETRIES], &retries))
    troupe_step_set_retries (step, &retries);
  if (read_duration (self, &where, "timeout", values[STEP_TIMEOUT], &number))
    troupe_step_set_timeout (step, number);
  if (read_enum (self, &where, "on_failure", values[STEP_ON_FAILURE],
                 TROUPE_TYPE_FAILURE_POLICY, TROUPE_FAILURE_POLICY_STOP, &choice))
    troupe_step_set_on_failure (step, choice);
  strv = read_strv (self, &where, "outputs", values[STEP_OUTPUTS],
                    "a list of paths", "outputs: [artifacts/design.md]");
  if (strv != NULL)
    troupe_step_set_outputs (step, strv);
  build_when (self, &where, values[STEP_WHEN], step);
  if (read_string (self, &where, "for_each", values[STEP_FOR_EACH], "for_each: split-tasks", &text))
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

static void
build_steps (Builder    *self,
             TroupeNode *node)
{
  Where top = { NULL, NULL, NULL, NULL };

  if (node->kind != TROUPE_NODE_MAPPING)
    {
      if (!is_null (node))
        report_wrong_type (self, &top, "steps", node, "a mapping of step ids to steps",
                           "steps: {build: {command: [make]}}");
      return;
    }

  for (guint i = 0; i < node->keys->len; i++)
    {
      TroupeNode *key = g_ptr_array_index (node->keys, i);
      gsize mark;

      g_assert (key->kind == TROUPE_NODE_SCALAR);

      mark = push (self, key->scalar);
      build_step (self, key, g_ptr_array_index (node->values, i));
      pop (self, mark);
    }
}

/* Positions are read before the steps; the ones that named no step are
 * reported once the steps are known. */
static void
report_unused_positions (Builder *self)
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
        report (self, TROUPE_SEVERITY_WARNING, "unknown-key", NULL, key,
                "'layout.positions' has a position for unknown step '%s'; did you mean '%s'?",
                key->scalar, suggestion);
      else
        report (self, TROUPE_SEVERITY_WARNING, "unknown-key", NULL, key,
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

  mark = push (self, "positions");
  record (self, node);

  if (node->kind != TROUPE_NODE_MAPPING)
    {
      Where layout = { NULL, NULL, "layout", NULL };

      if (!is_null (node))
        report_wrong_type (self, &layout, "positions", node,
                           "a mapping of step ids to [x, y]", "positions: {design: [120, 40]}");
      pop (self, mark);
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

      if (!check_unique (self, seen, key, &where))
        continue;

      item_mark = push (self, key->scalar);
      record (self, value);

      ok = value->kind == TROUPE_NODE_SEQUENCE && value->values->len == 2;
      for (guint j = 0; ok && j < 2; j++)
        {
          TroupeNode *item = g_ptr_array_index (value->values, j);
          gsize xy_mark = push_index (self, j);

          record (self, item);
          ok = item->kind == TROUPE_NODE_SCALAR &&
               (item->scalar_type == TROUPE_SCALAR_PLAIN ||
                item->scalar_type == TROUPE_SCALAR_INT ||
                item->scalar_type == TROUPE_SCALAR_FLOAT) &&
               parse_double (item->scalar, &xy[j]);
          pop (self, xy_mark);
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
          report (self, TROUPE_SEVERITY_ERROR, "wrong-type", NULL, value,
                  "the position of step '%s' in 'layout.positions' must be a list of two numbers, like %s: [120, 40]",
                  key->scalar, key->scalar);
        }

      pop (self, item_mark);
    }

  pop (self, mark);
}

static void
build_layout (Builder    *self,
              TroupeNode *node)
{
  TroupeNode *keys[N_LAYOUT_KEYS] = { NULL, };
  TroupeNode *values[N_LAYOUT_KEYS] = { NULL, };
  Where top = { NULL, NULL, NULL, NULL };
  Where where = { NULL, NULL, "layout", NULL };
  const char *text = NULL;

  if (node->kind != TROUPE_NODE_MAPPING)
    {
      if (!is_null (node))
        report_wrong_type (self, &top, "layout", node, "a mapping",
                           "layout: {direction: LR}");
      return;
    }

  walk_mapping (self, node, layout_keys, &where, keys, values);

  if (read_string (self, &where, "direction", values[LAYOUT_DIRECTION], "direction: LR", &text))
    {
      int index = find_name (direction_names, text);

      if (index >= 0)
        troupe_workflow_set_rank_dir (self->workflow, direction_values[index]);
      else
        report_bad_choice (self, &where, "direction", values[LAYOUT_DIRECTION],
                           direction_names, "TB, LR, BT, RL");
    }

  if (values[LAYOUT_POSITIONS] != NULL)
    read_positions (self, values[LAYOUT_POSITIONS]);
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

  mark = push (self, name);
  record (self, node);
  build (self, node);
  pop (self, mark);
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

  if (is_null (node))
    return;

  if (node->kind != TROUPE_NODE_SCALAR ||
      (node->scalar_type != TROUPE_SCALAR_PLAIN && node->scalar_type != TROUPE_SCALAR_INT) ||
      !parse_int (node->scalar, &version, &overflow))
    {
      report_wrong_type (self, &top, "troupe", node, "a whole number", "troupe: 1");
      return;
    }

  if (overflow || version != TROUPE_FORMAT_VERSION)
    report (self, TROUPE_SEVERITY_ERROR, "unsupported-version", NULL, node,
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

  record (self, root);

  if (root->kind != TROUPE_NODE_MAPPING)
    {
      /* An empty document is an empty workflow. */
      if (!is_null (root))
        report (self, TROUPE_SEVERITY_ERROR, "wrong-type", NULL, root,
                "a workflow file must be a mapping of keys such as troupe, name and steps, "
                "not a %s", root->kind == TROUPE_NODE_SEQUENCE ? "list" : "single value");
      return;
    }

  walk_mapping (self, root, top_keys, &top, keys, values);

  /* A file without "troupe:" is read as the current version. */
  build_section (self, "troupe", values[TOP_TROUPE], build_version);

  if (read_string (self, &top, "name", values[TOP_NAME], "name: Release pipeline", &text))
    troupe_workflow_set_name (self->workflow, text);
  if (read_string (self, &top, "description", values[TOP_DESCRIPTION],
                   "description: Builds and ships the app.", &text))
    troupe_workflow_set_description (self->workflow, text);
  /* "." is the default: keep it unset so the model equals one read from a
   * file that omits it. */
  if (read_string (self, &top, "workspace", values[TOP_WORKSPACE], "workspace: .", &text))
    troupe_workflow_set_workspace (self->workflow, strcmp (text, ".") == 0 ? NULL : text);

  build_section (self, "defaults", values[TOP_DEFAULTS], build_defaults);
  read_string_map (self, &top, "context", values[TOP_CONTEXT], "context: {project: todo-app}",
                   set_context, self->workflow);
  build_section (self, "agents", values[TOP_AGENTS], build_agents);
  build_section (self, "providers", values[TOP_PROVIDERS], build_providers);
  /* The layout goes first so that positions are set on steps before they
   * join the workflow. */
  build_section (self, "layout", values[TOP_LAYOUT], build_layout);
  build_section (self, "steps", values[TOP_STEPS], build_steps);
  report_unused_positions (self);
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
