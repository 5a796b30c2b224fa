/* troupe-types.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "troupe-enums.h"
#include "troupe-types.h"

const char *
troupe_enum_to_nick (GType type,
                     int   value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *ev = g_enum_get_value (klass, value);

  return ev != NULL ? ev->value_nick : NULL;
}

gboolean
troupe_enum_from_nick (GType       type,
                       const char *nick,
                       int        *value)
{
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *ev;

  if (nick == NULL)
    return FALSE;

  klass = g_type_class_ref (type);
  ev = g_enum_get_value_by_nick (klass, nick);
  if (ev == NULL)
    return FALSE;

  if (value != NULL)
    *value = ev->value;
  return TRUE;
}

char *
troupe_enum_list_nicks (GType type,
                        int   first_value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GString *str = g_string_new (NULL);

  for (guint i = 0; i < klass->n_values; i++)
    {
      if (klass->values[i].value < first_value)
        continue;
      if (str->len > 0)
        g_string_append (str, ", ");
      g_string_append (str, klass->values[i].value_nick);
    }

  return g_string_free (str, FALSE);
}
