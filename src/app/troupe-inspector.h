/* troupe-inspector.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "troupe-canvas-view.h"
#include "troupe-document.h"
#include "troupe-workflow-panel.h"

G_BEGIN_DECLS

#define TROUPE_TYPE_INSPECTOR (troupe_inspector_get_type ())

G_DECLARE_FINAL_TYPE (TroupeInspector, troupe_inspector, TROUPE, INSPECTOR, AdwBin)

/* The side panel that edits the step selected in a canvas view, through
 * the document: every change of a field is one undoable command (typing
 * merges, see troupe_document_edit_step()), and the panel keeps no copy of
 * the step: it shows what the model holds and re-reads a field when the
 * model says it changed (an edit, an undo, a rename on the canvas). Values
 * the model refuses (a duration that does not parse, a need that would
 * close a cycle, an id taken) and the validator's diagnostics of the step
 * mark their field in place with the engine's own message.
 *
 * With no step selected it shows the workflow's settings
 * (TroupeWorkflowPanel); with several, how many. */

GtkWidget           *troupe_inspector_new                (void);
TroupeDocument      *troupe_inspector_get_document       (TroupeInspector  *self);
void                 troupe_inspector_set_document       (TroupeInspector  *self,
                                                          TroupeDocument   *document);
/* The view whose selection the inspector follows. */
TroupeCanvasView    *troupe_inspector_get_view           (TroupeInspector  *self);
void                 troupe_inspector_set_view           (TroupeInspector  *self,
                                                          TroupeCanvasView *view);
/* The step being edited, or NULL ("notify::step"). */
TroupeStep          *troupe_inspector_get_step           (TroupeInspector  *self);
TroupeWorkflowPanel *troupe_inspector_get_workflow_panel (TroupeInspector  *self);

/* The widget that edits @field (a property name of TroupeStep: "prompt",
 * "wait-timeout", "needs", ...) and that is marked (the "error" style
 * class, the message as tooltip) when the field is invalid; NULL for a
 * field the inspector does not show. */
GtkWidget           *troupe_inspector_get_field_widget   (TroupeInspector  *self,
                                                          const char       *field);

/* What choosing @file in the prompt file chooser does: sets the step's
 * prompt_file to @file's path relative to the workspace folder, which is
 * what the engine resolves it against (a file outside the workspace keeps
 * its absolute path, which validation then reports). One command. */
void                 troupe_inspector_choose_prompt_file (TroupeInspector  *self,
                                                          GFile            *file);

G_END_DECLS
