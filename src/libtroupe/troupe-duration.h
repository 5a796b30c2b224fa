/* troupe-duration.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest duration a workflow may name: 30 days. */
#define TROUPE_DURATION_MAX_MS ((gint64) 30 * 24 * 3600 * 1000)

/* Parses "90s", "5m", "1h30m", "500ms", "2d" into milliseconds. On failure
 * returns FALSE and, if @why is not NULL, sets it to a sentence that says
 * what is wrong and what to write instead. */
gboolean  troupe_duration_parse  (const char  *text,
                                  gint64      *out_ms,
                                  char       **why);
/* The canonical spelling: the largest unit that divides @ms exactly. */
char     *troupe_duration_format (gint64       ms);

G_END_DECLS
