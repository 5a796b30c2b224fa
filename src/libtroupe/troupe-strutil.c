/* troupe-strutil.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "troupe-strutil.h"

guint
troupe_edit_distance (const char *a,
                      const char *b)
{
  gsize la = strlen (a);
  gsize lb = strlen (b);
  g_autofree guint *rows = NULL;
  guint *before, *prev, *cur;

  /* Keys and ids are short; long strings are never typos of each other and
   * must not cost quadratic time on hostile input. */
  if (la > 256 || lb > 256)
    return G_MAXUINT;

  /* Optimal string alignment: Levenshtein plus the swap of two adjacent
   * letters as one edit, the most common typo ("desing"). Three rows. */
  rows = g_new (guint, 3 * (lb + 1));
  before = rows;
  prev = rows + (lb + 1);
  cur = rows + 2 * (lb + 1);
  for (gsize j = 0; j <= lb; j++)
    prev[j] = j;

  for (gsize i = 1; i <= la; i++)
    {
      guint *tmp;

      cur[0] = i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint cost = (a[i - 1] == b[j - 1]) ? 0 : 1;
          guint best = MIN (prev[j] + 1, cur[j - 1] + 1);

          best = MIN (best, prev[j - 1] + cost);
          if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
            best = MIN (best, before[j - 2] + 1);
          cur[j] = best;
        }
      tmp = before;
      before = prev;
      prev = cur;
      cur = tmp;
    }

  return prev[lb];
}

const char *
troupe_suggest (const char         *word,
                const char * const *candidates)
{
  const char *best = NULL;
  guint best_distance = G_MAXUINT;
  guint limit;

  if (word == NULL || candidates == NULL)
    return NULL;

  /* One edit in four characters, at least one and at most three, is what
   * a typo looks like; more is a different word. */
  limit = CLAMP (strlen (word) / 4, 1, 3);

  for (guint i = 0; candidates[i] != NULL; i++)
    {
      guint d;

      if (g_ascii_strcasecmp (word, candidates[i]) == 0)
        return candidates[i];

      d = troupe_edit_distance (word, candidates[i]);
      if (d < best_distance)
        {
          best_distance = d;
          best = candidates[i];
        }
    }

  return best_distance <= limit ? best : NULL;
}

char *
troupe_json_pointer_escape (const char *token)
{
  GString *str;

  if (strpbrk (token, "~/") == NULL)
    return g_strdup (token);

  str = g_string_new (NULL);
  for (const char *p = token; *p; p++)
    {
      if (*p == '~')
        g_string_append (str, "~0");
      else if (*p == '/')
        g_string_append (str, "~1");
      else
        g_string_append_c (str, *p);
    }

  return g_string_free (str, FALSE);
}

gboolean
troupe_str_equal0 (const char *a,
                   const char *b)
{
  return g_strcmp0 (a, b) == 0;
}

gboolean
troupe_strv_equal0 (const char * const *a,
                    const char * const *b)
{
  guint la = a != NULL ? g_strv_length ((char **) a) : 0;
  guint lb = b != NULL ? g_strv_length ((char **) b) : 0;

  if (la != lb)
    return FALSE;

  for (guint i = 0; i < la; i++)
    if (strcmp (a[i], b[i]) != 0)
      return FALSE;

  return TRUE;
}

gboolean
troupe_set_str (char       **field,
                const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

gboolean
troupe_set_strv (char             ***field,
                 const char * const *value)
{
  /* An empty list and no list are the same: both save as nothing. */
  if (troupe_strv_equal0 ((const char * const *) *field, value))
    return FALSE;

  g_strfreev (*field);
  *field = (value != NULL && value[0] != NULL) ? g_strdupv ((char **) value) : NULL;
  return TRUE;
}
