/* troupe-workflow-io-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <string.h>

#include "troupe-workflow-io.h"

G_BEGIN_DECLS

/* How the readers report a syntax error, the same way for YAML and JSON:
 * a GError "FILE:LINE:COL: message" and, when asked for, a diagnostic
 * with code "syntax". A NULL @filename is shown as "<input>". */
void _troupe_set_syntax_error (const char        *filename,
                               guint              line,
                               guint              column,
                               const char        *message,
                               TroupeDiagnostic **syntax_error,
                               GError           **error);

/* Appends @len bytes to @out. g_string_append_len() in GLib 2.74 is a call
 * into the general g_string_insert_len(); this is what it comes down to
 * for an append, and the run journal and snapshots make millions. */
static inline void
_troupe_string_put (GString    *out,
                    const char *data,
                    gsize       len)
{
  gsize at = out->len;

  if (at + len < out->allocated_len)
    {
      out->len = at + len;
      out->str[out->len] = '\0';
    }
  else
    g_string_set_size (out, at + len);
  memcpy (out->str + at, data, len);
}

static inline void
_troupe_string_put_c (GString *out,
                      char     c)
{
  _troupe_string_put (out, &c, 1);
}

/* Appends @text as a JSON string (RFC 8259), or null when @text is NULL:
 * the one escaper of every JSON Troupe writes itself (canonical workflow
 * files, the run journal and snapshots). Control characters and DEL
 * become \b \f \n \r \t or \u00xx; other bytes are copied as they are
 * (as json-glib's generator does), so @text must be UTF-8 for the output
 * to be valid JSON. */
void _troupe_json_append_string (GString    *out,
                                 const char *text);

G_END_DECLS
