/* troupe-export-dialog.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "troupe-document.h"

G_BEGIN_DECLS

#define TROUPE_TYPE_EXPORT_DIALOG (troupe_export_dialog_get_type ())

G_DECLARE_FINAL_TYPE (TroupeExportDialog, troupe_export_dialog, TROUPE, EXPORT_DIALOG, AdwWindow)

/* Exports the document's workflow as DOT, Mermaid, JSON, YAML, SVG or PNG
 * through the engine's exporters, with a preview of what will be written.
 * Rendering and writing run on a worker thread, on a copy of the workflow
 * (the model is not thread-safe), so the window never freezes; "busy" is
 * TRUE meanwhile. A successful export emits "exported" with the file,
 * shows "Exported to FILE" on the parent TroupeWindow and closes the
 * dialog; a failure keeps it open and shows the engine's message in it. */

/* @parent may be NULL (tests); the dialog is modal and transient for it. */
TroupeExportDialog *troupe_export_dialog_new           (GtkWindow          *parent,
                                                        TroupeDocument     *document);
TroupeDocument     *troupe_export_dialog_get_document  (TroupeExportDialog *self);
TroupeFileFormat    troupe_export_dialog_get_format    (TroupeExportDialog *self);
void                troupe_export_dialog_set_format    (TroupeExportDialog *self,
                                                        TroupeFileFormat    format);
/* TRUE while a preview is rendered or an export runs. */
gboolean            troupe_export_dialog_get_busy      (TroupeExportDialog *self);
/* The bytes the preview shows: the engine's export for the text formats,
 * the PNG rendering for SVG and PNG; NULL until ready or when it failed. */
GBytes             *troupe_export_dialog_get_preview   (TroupeExportDialog *self);
/* The message shown for the last failed preview or export, or NULL. */
const char         *troupe_export_dialog_get_error     (TroupeExportDialog *self);
/* The name the file chooser suggests: the workflow file's name with the
 * format's extension ("workflow.svg" when the document has no file). */
char               *troupe_export_dialog_dup_suggested_name (TroupeExportDialog *self);
/* What the file chooser does once a file is chosen: exports in the
 * current format to @file, asynchronously. */
void                troupe_export_dialog_export_to_file (TroupeExportDialog *self,
                                                         GFile              *file);

G_END_DECLS
