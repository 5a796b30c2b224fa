/* troupe-export.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "troupe-workflow.h"

G_BEGIN_DECLS

#define TROUPE_EXPORT_ERROR (troupe_export_error_quark ())

typedef enum
{
  TROUPE_EXPORT_ERROR_FAILED,
  TROUPE_EXPORT_ERROR_UNSUPPORTED,
} TroupeExportError;

GQuark  troupe_export_error_quark   (void);

/* DOT built with cgraph: kinds as shapes, agents as fill colours and as
 * clusters when @clusters is TRUE, needs as edges. */
char   *troupe_workflow_to_dot      (TroupeWorkflow   *self,
                                     gboolean          clusters,
                                     GError          **error);
/* A Mermaid flowchart (Mermaid 10+): ids escaped, labels quoted. */
char   *troupe_workflow_to_mermaid  (TroupeWorkflow   *self);
/* Any export format as bytes: DOT, MERMAID, JSON, YAML, SVG, PNG (SVG and
 * PNG rendered by graphviz). */
GBytes *troupe_workflow_export      (TroupeWorkflow   *self,
                                     TroupeFileFormat  format,
                                     GError          **error);

/* Reads a graphviz DOT file into a new workflow: each node becomes a
 * command step named by its label (or its name), each edge a need. */
TroupeWorkflow *troupe_workflow_import_dot (const char *path,
                                            GPtrArray  *warnings,
                                            GError    **error);
TroupeWorkflow *troupe_workflow_import_dot_data (const char *data,
                                                 gsize       length,
                                                 const char *filename,
                                                 GPtrArray  *warnings,
                                                 GError    **error);

G_END_DECLS
