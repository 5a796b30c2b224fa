/* troupe-diagnostic.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "troupe-diagnostic.h"
#include "troupe-enums.h"

G_DEFINE_BOXED_TYPE (TroupeDiagnostic, troupe_diagnostic,
                     troupe_diagnostic_copy, troupe_diagnostic_free)

TroupeDiagnostic *
troupe_diagnostic_new (TroupeSeverity  severity,
                       const char     *code,
                       const char     *step_id,
                       guint           line,
                       guint           column,
                       const char     *format,
                       ...)
{
  TroupeDiagnostic *self;
  va_list args;

  g_return_val_if_fail (code != NULL, NULL);
  g_return_val_if_fail (format != NULL, NULL);

  self = g_new0 (TroupeDiagnostic, 1);
  self->severity = severity;
  self->code = g_strdup (code);
  self->step_id = g_strdup (step_id);
  self->line = line;
  self->column = column;

  va_start (args, format);
  self->message = g_strdup_vprintf (format, args);
  va_end (args);

  return self;
}

TroupeDiagnostic *
troupe_diagnostic_copy (const TroupeDiagnostic *diagnostic)
{
  TroupeDiagnostic *copy;

  g_return_val_if_fail (diagnostic != NULL, NULL);

  copy = g_new0 (TroupeDiagnostic, 1);
  copy->severity = diagnostic->severity;
  copy->code = g_strdup (diagnostic->code);
  copy->file = g_strdup (diagnostic->file);
  copy->step_id = g_strdup (diagnostic->step_id);
  copy->line = diagnostic->line;
  copy->column = diagnostic->column;
  copy->message = g_strdup (diagnostic->message);
  copy->pointer = g_strdup (diagnostic->pointer);

  return copy;
}

void
troupe_diagnostic_free (TroupeDiagnostic *diagnostic)
{
  if (diagnostic == NULL)
    return;

  g_free (diagnostic->code);
  g_free (diagnostic->file);
  g_free (diagnostic->step_id);
  g_free (diagnostic->message);
  g_free (diagnostic->pointer);
  g_free (diagnostic);
}

void
troupe_diagnostic_set_file (TroupeDiagnostic *diagnostic,
                            const char       *file)
{
  g_return_if_fail (diagnostic != NULL);

  if (diagnostic->file != file)
    {
      g_free (diagnostic->file);
      diagnostic->file = g_strdup (file);
    }
}

void
troupe_diagnostic_set_pointer (TroupeDiagnostic *diagnostic,
                               const char       *pointer)
{
  g_return_if_fail (diagnostic != NULL);

  if (diagnostic->pointer == pointer)
    return;

  g_free (diagnostic->pointer);
  /* An empty path names no key: the problem is about the whole owner,
   * which step_id already says. */
  diagnostic->pointer = pointer != NULL && pointer[0] != '\0' ? g_strdup (pointer) : NULL;
}

static const char *
severity_name (TroupeSeverity severity)
{
  return severity == TROUPE_SEVERITY_ERROR ? "error" : "warning";
}

char *
troupe_diagnostic_to_string (const TroupeDiagnostic *diagnostic)
{
  GString *str;

  g_return_val_if_fail (diagnostic != NULL, NULL);

  /* The GCC shape, "file:line:col: error: message", lets editors and
   * terminals jump to the place. */
  str = g_string_new (NULL);
  if (diagnostic->file != NULL)
    {
      g_string_append (str, diagnostic->file);
      if (diagnostic->line > 0)
        {
          g_string_append_printf (str, ":%u", diagnostic->line);
          if (diagnostic->column > 0)
            g_string_append_printf (str, ":%u", diagnostic->column);
        }
      g_string_append (str, ": ");
    }
  else if (diagnostic->line > 0)
    {
      g_string_append_printf (str, "%u", diagnostic->line);
      if (diagnostic->column > 0)
        g_string_append_printf (str, ":%u", diagnostic->column);
      g_string_append (str, ": ");
    }

  g_string_append_printf (str, "%s: %s", severity_name (diagnostic->severity), diagnostic->message);

  return g_string_free (str, FALSE);
}

JsonNode *
troupe_diagnostic_to_json (const TroupeDiagnostic *diagnostic)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (diagnostic != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "severity");
  json_builder_add_string_value (builder, severity_name (diagnostic->severity));
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, diagnostic->code);
  json_builder_set_member_name (builder, "file");
  if (diagnostic->file != NULL)
    json_builder_add_string_value (builder, diagnostic->file);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "line");
  json_builder_add_int_value (builder, diagnostic->line);
  json_builder_set_member_name (builder, "column");
  json_builder_add_int_value (builder, diagnostic->column);
  json_builder_set_member_name (builder, "step");
  if (diagnostic->step_id != NULL)
    json_builder_add_string_value (builder, diagnostic->step_id);
  else
    json_builder_add_null_value (builder);
  /* Left out when unknown, so that older readers see no change. */
  if (diagnostic->pointer != NULL)
    {
      json_builder_set_member_name (builder, "pointer");
      json_builder_add_string_value (builder, diagnostic->pointer);
    }
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, diagnostic->message);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

int
troupe_diagnostic_compare (gconstpointer a,
                           gconstpointer b)
{
  const TroupeDiagnostic *da = *(const TroupeDiagnostic * const *) a;
  const TroupeDiagnostic *db = *(const TroupeDiagnostic * const *) b;
  int cmp;

  if ((cmp = g_strcmp0 (da->file, db->file)) != 0)
    return cmp;
  /* Diagnostics without a position (0) go after the located ones. */
  if (da->line != db->line)
    return (da->line == 0 ? G_MAXUINT : da->line) < (db->line == 0 ? G_MAXUINT : db->line) ? -1 : 1;
  if (da->column != db->column)
    return da->column < db->column ? -1 : 1;
  if (da->severity != db->severity)
    return da->severity < db->severity ? -1 : 1;
  return g_strcmp0 (da->message, db->message);
}

gboolean
troupe_diagnostics_have_errors (GPtrArray *diagnostics)
{
  if (diagnostics == NULL)
    return FALSE;

  for (guint i = 0; i < diagnostics->len; i++)
    {
      const TroupeDiagnostic *d = g_ptr_array_index (diagnostics, i);

      if (d->severity == TROUPE_SEVERITY_ERROR)
        return TRUE;
    }

  return FALSE;
}
