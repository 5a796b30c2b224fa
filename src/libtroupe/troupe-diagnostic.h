/* troupe-diagnostic.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "troupe-types.h"

G_BEGIN_DECLS

#define TROUPE_TYPE_DIAGNOSTIC (troupe_diagnostic_get_type ())

/* One problem found in a workflow: what is wrong, where, and how to fix it.
 * @code is a stable rule name ("unknown-key", "cycle", ...) that tests and
 * tools can match on; @message is for people. */
struct _TroupeDiagnostic
{
  TroupeSeverity  severity;
  char           *code;
  char           *file;     /* nullable */
  char           *step_id;  /* nullable */
  guint           line;     /* 0 when unknown */
  guint           column;   /* 0 when unknown */
  char           *message;
  char           *pointer;  /* nullable: the key path in the step (or the workflow when step_id is NULL) the problem is about, as "needs/0", "prompt", "wait_for/glob" */
};

GType             troupe_diagnostic_get_type  (void) G_GNUC_CONST;
TroupeDiagnostic *troupe_diagnostic_new       (TroupeSeverity          severity,
                                               const char             *code,
                                               const char             *step_id,
                                               guint                   line,
                                               guint                   column,
                                               const char             *format,
                                               ...) G_GNUC_PRINTF (6, 7);
TroupeDiagnostic *troupe_diagnostic_copy      (const TroupeDiagnostic *diagnostic);
void              troupe_diagnostic_free      (TroupeDiagnostic       *diagnostic);
void              troupe_diagnostic_set_file  (TroupeDiagnostic       *diagnostic,
                                               const char             *file);
/* @pointer is the key path as JSON pointer tokens without the leading
 * '/' ("needs/0"); NULL or "" (the step or workflow as a whole) unsets. */
void              troupe_diagnostic_set_pointer (TroupeDiagnostic     *diagnostic,
                                                 const char           *pointer);
/* "file:line:col: error: message"; parts that are unknown are left out. */
char             *troupe_diagnostic_to_string (const TroupeDiagnostic *diagnostic);
JsonNode         *troupe_diagnostic_to_json   (const TroupeDiagnostic *diagnostic);
/* For g_ptr_array_sort(): orders by file, line, column, severity, then
 * message, so output is stable. */
int               troupe_diagnostic_compare   (gconstpointer           a,
                                               gconstpointer           b);
/* TRUE when @diagnostics holds at least one error. */
gboolean          troupe_diagnostics_have_errors (GPtrArray           *diagnostics);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TroupeDiagnostic, troupe_diagnostic_free)

G_END_DECLS
