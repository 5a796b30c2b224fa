/* troupe-duration.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "troupe-duration.h"

static const struct {
  const char *suffix;
  gint64      ms;
} units[] = {
  /* Longest suffix first, so "ms" is not read as "m" followed by "s". */
  { "ms", 1 },
  { "d", 24 * 3600 * 1000 },
  { "h", 3600 * 1000 },
  { "m", 60 * 1000 },
  { "s", 1000 },
};

static void
set_why (char       **why,
         const char  *format,
         ...) G_GNUC_PRINTF (2, 3);

static void
set_why (char       **why,
         const char  *format,
         ...)
{
  va_list args;

  if (why == NULL)
    return;

  va_start (args, format);
  *why = g_strdup_vprintf (format, args);
  va_end (args);
}

gboolean
troupe_duration_parse (const char  *text,
                       gint64      *out_ms,
                       char       **why)
{
  const char *p = text;
  gint64 total = 0;

  g_return_val_if_fail (out_ms != NULL, FALSE);

  if (text == NULL || *text == '\0')
    {
      set_why (why, "a duration cannot be empty; write a number and a unit, like 90s or 5m");
      return FALSE;
    }

  while (*p != '\0')
    {
      gint64 value = 0;
      gint64 unit_ms = 0;
      const char *digits = p;

      while (g_ascii_isdigit (*p))
        {
          value = value * 10 + (*p - '0');
          if (value > TROUPE_DURATION_MAX_MS)
            {
              set_why (why, "'%s' is too long; a duration is at most 30d", text);
              return FALSE;
            }
          p++;
        }

      if (p == digits)
        {
          set_why (why, "'%s' is not a duration; write a whole number and a unit (ms, s, m, h, d), like 90s, 5m or 1h30m", text);
          return FALSE;
        }

      for (guint i = 0; i < G_N_ELEMENTS (units); i++)
        {
          gsize len = strlen (units[i].suffix);

          if (strncmp (p, units[i].suffix, len) == 0)
            {
              unit_ms = units[i].ms;
              p += len;
              break;
            }
        }

      if (unit_ms == 0)
        {
          if (*p == '\0')
            set_why (why, "'%s' has no unit; write %s%s (seconds) or another unit: ms, s, m, h, d", text, text, "s");
          else
            set_why (why, "'%s' is not a duration; the unit must be one of ms, s, m, h, d, like 90s or 1h30m", text);
          return FALSE;
        }

      total += value * unit_ms;
      if (total > TROUPE_DURATION_MAX_MS)
        {
          set_why (why, "'%s' is too long; a duration is at most 30d", text);
          return FALSE;
        }
    }

  *out_ms = total;
  return TRUE;
}

char *
troupe_duration_format (gint64 ms)
{
  g_return_val_if_fail (ms >= 0, NULL);

  if (ms == 0)
    return g_strdup ("0s");

  /* The largest unit that divides exactly reads like what people write:
   * 90s stays 90s, 300000 ms becomes 5m. */
  for (guint i = 1; i < G_N_ELEMENTS (units); i++)
    if (ms % units[i].ms == 0)
      return g_strdup_printf ("%" G_GINT64_FORMAT "%s", ms / units[i].ms, units[i].suffix);

  return g_strdup_printf ("%" G_GINT64_FORMAT "ms", ms);
}
