/* troupe-workflow-panel.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "troupe-document.h"

G_BEGIN_DECLS

#define TROUPE_TYPE_WORKFLOW_PANEL (troupe_workflow_panel_get_type ())

G_DECLARE_FINAL_TYPE (TroupeWorkflowPanel, troupe_workflow_panel, TROUPE, WORKFLOW_PANEL, AdwBin)

/* The workflow's own settings: name, description, defaults (provider,
 * timeout, retries, on_failure, max_parallel), agents with their colours,
 * and providers. It shows what the model holds and re-reads it when the
 * model changes; every edit is one undoable command of the document
 * (troupe_document_edit_workflow()), and typing in one field merges into
 * one command. */

GtkWidget      *troupe_workflow_panel_new          (void);
TroupeDocument *troupe_workflow_panel_get_document (TroupeWorkflowPanel *self);
void            troupe_workflow_panel_set_document (TroupeWorkflowPanel *self,
                                                    TroupeDocument      *document);

G_END_DECLS
