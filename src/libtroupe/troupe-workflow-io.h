/* troupe-workflow-io.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "troupe-node.h"
#include "troupe-workflow.h"

G_BEGIN_DECLS

/* Reading: YAML/JSON text -> TroupeNode (troupe-yaml-reader.c,
 * troupe-json-reader.c) -> TroupeWorkflow (troupe-workflow-builder.c).
 * Writing: TroupeWorkflow -> TroupeNode (troupe-workflow-serializer.c) ->
 * text (troupe-yaml-writer.c, troupe-json-writer.c).
 *
 * A syntax error fails with TROUPE_WORKFLOW_ERROR_PARSE whose message is
 * "FILE:LINE:COL: what is wrong"; when @syntax_error is not NULL it also
 * receives the same problem as a diagnostic. Problems that still leave a
 * model (unknown keys, wrong types, duplicate ids) do not fail: they are
 * kept with troupe_workflow_add_load_diagnostic() for validation. */

/* Guesses from the extension: .yaml/.yml, .json, .dot/.gv; YAML otherwise. */
TroupeFileFormat  troupe_file_format_from_path   (const char        *path);
gboolean          troupe_file_format_from_name   (const char        *name,
                                                  TroupeFileFormat  *format);

TroupeWorkflow   *troupe_workflow_new_from_file  (const char        *path,
                                                  TroupeDiagnostic **syntax_error,
                                                  GError           **error);
/* @filename names the data in messages (may be NULL: "<input>"). */
TroupeWorkflow   *troupe_workflow_new_from_data  (const char        *data,
                                                  gssize             length,
                                                  TroupeFileFormat   format,
                                                  const char        *filename,
                                                  TroupeDiagnostic **syntax_error,
                                                  GError           **error);

/* YAML or JSON text of the workflow; canonical and stable. */
char             *troupe_workflow_to_data        (TroupeWorkflow    *self,
                                                  TroupeFileFormat   format,
                                                  gsize             *length);
/* Atomic: writes a temporary file beside @path, syncs it and renames it over
 * @path, so a failed save leaves the old file intact. */
gboolean          troupe_workflow_save_to_file   (TroupeWorkflow    *self,
                                                  const char        *path,
                                                  TroupeFileFormat   format,
                                                  GError           **error);

/* The lower layers, for tests and tools. */
TroupeNode       *troupe_yaml_read               (const char        *data,
                                                  gsize              length,
                                                  const char        *filename,
                                                  TroupeDiagnostic **syntax_error,
                                                  GError           **error);
char             *troupe_yaml_write              (TroupeNode        *root,
                                                  gsize             *length);
TroupeNode       *troupe_json_read               (const char        *data,
                                                  gsize              length,
                                                  const char        *filename,
                                                  TroupeDiagnostic **syntax_error,
                                                  GError           **error);
char             *troupe_json_write              (TroupeNode        *root,
                                                  gsize             *length);
/* Builds a workflow from a document tree; never fails on content (problems
 * become load diagnostics with locations from the nodes); @filename is set
 * as the diagnostics' file. */
TroupeWorkflow   *troupe_workflow_build          (TroupeNode        *root,
                                                  const char        *filename);
TroupeNode       *troupe_workflow_serialize      (TroupeWorkflow    *self);

/* Writes @data atomically (temporary file, fsync, rename). */
gboolean          troupe_write_file_atomically   (const char        *path,
                                                  const char        *data,
                                                  gsize              length,
                                                  GError           **error);

/* Writes all of @data to @fd, going on after short writes and EINTR;
 * FALSE with errno set on failure. */
gboolean          troupe_write_all               (int                fd,
                                                  const void        *data,
                                                  gsize              length);

G_END_DECLS
