/* troupe-workflow-io-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

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

G_END_DECLS
