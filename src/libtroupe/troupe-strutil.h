/* troupe-strutil.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The candidate closest to @word by edit distance, when close enough to be
 * a likely typo ("promt" -> "prompt"); NULL otherwise. */
const char *troupe_suggest        (const char         *word,
                                   const char * const *candidates);
guint       troupe_edit_distance  (const char         *a,
                                   const char         *b);
/* Escapes @token for a JSON pointer ('~' -> "~0", '/' -> "~1"). */
char       *troupe_json_pointer_escape (const char    *token);
/* TRUE when both are NULL or equal strings. */
gboolean    troupe_str_equal0     (const char         *a,
                                   const char         *b);
gboolean    troupe_strv_equal0    (const char * const *a,
                                   const char * const *b);
/* Sets *@field to a copy of @value; TRUE when it changed. */
gboolean    troupe_set_str        (char              **field,
                                   const char         *value);
gboolean    troupe_set_strv       (char             ***field,
                                   const char * const *value);

G_END_DECLS
