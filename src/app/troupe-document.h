/* troupe-document.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "troupe.h"

G_BEGIN_DECLS

#define TROUPE_TYPE_DOCUMENT (troupe_document_get_type ())

G_DECLARE_FINAL_TYPE (TroupeDocument, troupe_document, TROUPE, DOCUMENT, GObject)

/* One open workflow, the file it lives in, whether it has unsaved changes,
 * and the undo and redo stacks. Every edit the user makes goes through one
 * of the editing functions below, each of which is one undoable command. */

TroupeDocument *troupe_document_new          (void);

/* Replaced by troupe_document_load(): follow "notify::workflow". */
TroupeWorkflow *troupe_document_get_workflow (TroupeDocument *self);
/* NULL until the document is loaded or saved. */
GFile          *troupe_document_get_file     (TroupeDocument *self);
/* The file's name, or "Untitled workflow". */
char           *troupe_document_dup_title    (TroupeDocument *self);
gboolean        troupe_document_get_dirty    (TroupeDocument *self);
gboolean        troupe_document_get_can_undo (TroupeDocument *self);
gboolean        troupe_document_get_can_redo (TroupeDocument *self);
/* The workflow's validation diagnostics (borrowed array of
 * TroupeDiagnostic*), brought up to date shortly after each change;
 * follow "notify::diagnostics". */
GPtrArray      *troupe_document_get_diagnostics (TroupeDocument *self);
/* Validates now rather than when the main loop is next idle. */
void            troupe_document_validate     (TroupeDocument *self);

/* Reads @file (YAML, JSON or DOT, from its extension) into a new workflow
 * and lays it out when some step has no position. On failure the open
 * workflow is kept and @error says FILE:LINE:COL what is wrong. */
gboolean        troupe_document_load         (TroupeDocument *self,
                                              GFile          *file,
                                              GError        **error);
/* Saves to @file, or to the document's file when @file is NULL. */
gboolean        troupe_document_save         (TroupeDocument *self,
                                              GFile          *file,
                                              GError        **error);

gboolean        troupe_document_undo         (TroupeDocument *self,
                                              GError        **error);
gboolean        troupe_document_redo         (TroupeDocument *self,
                                              GError        **error);

/* Adds @step (a step of no workflow; the document adds a copy). A step
 * with no position is placed next to its neighbours. */
gboolean        troupe_document_add_step     (TroupeDocument *self,
                                              TroupeStep     *step,
                                              GError        **error);
/* Adds copies of @steps (of no workflow), in order, as one command. */
gboolean        troupe_document_add_steps    (TroupeDocument *self,
                                              GPtrArray      *steps,
                                              GError        **error);
gboolean        troupe_document_delete_step  (TroupeDocument *self,
                                              const char     *id,
                                              GError        **error);
/* Deletes several steps as one command. */
gboolean        troupe_document_delete_steps (TroupeDocument      *self,
                                              const char * const  *ids,
                                              GError             **error);
/* Moves several steps by (@dx, @dy) as one command. */
gboolean        troupe_document_move_steps   (TroupeDocument      *self,
                                              const char * const  *ids,
                                              double               dx,
                                              double               dy,
                                              GError             **error);
/* For a drag of several steps that already moved them live: one command
 * from (@old_x[i], @old_y[i]) to where each step is now. */
void            troupe_document_record_moves (TroupeDocument     *self,
                                              const char * const *ids,
                                              const double       *old_x,
                                              const double       *old_y);
gboolean        troupe_document_move_step    (TroupeDocument *self,
                                              const char     *id,
                                              double          x,
                                              double          y,
                                              GError        **error);
/* For a drag that already moved the step live: records the move from
 * (@old_x, @old_y) to where the step is now as one command. */
void            troupe_document_record_move  (TroupeDocument *self,
                                              const char     *id,
                                              double          old_x,
                                              double          old_y);
gboolean        troupe_document_connect      (TroupeDocument *self,
                                              const char     *from,
                                              const char     *to,
                                              GError        **error);
gboolean        troupe_document_disconnect   (TroupeDocument *self,
                                              const char     *from,
                                              const char     *to,
                                              GError        **error);
gboolean        troupe_document_rename_step  (TroupeDocument *self,
                                              const char     *old_id,
                                              const char     *new_id,
                                              GError        **error);

/* Edits that the user makes by typing merge into one command, so that undo
 * does not take back one character at a time. The rule: an edit with a
 * @merge_key (the field being edited, such as "prompt") merges into the
 * newest command when that command is an edit of the same kind (of the
 * same step) with the same key, its last edit was less than
 * TROUPE_DOCUMENT_MERGE_INTERVAL ago, and nothing was undone, redone or
 * saved since, nor troupe_document_end_merge() called (the inspector
 * calls it when the field loses focus or Enter is pressed). An edit with
 * no @merge_key is always a command of its own. */
#define TROUPE_DOCUMENT_MERGE_INTERVAL (G_USEC_PER_SEC)

/* Gives step @id every saved field of @edited (a changed troupe_step_copy()
 * of it, in no workflow) but its position, as one command; an edit that
 * changes nothing is no command. A new id in @edited renames the step
 * through the engine, which rewrites the needs and templates that refer to
 * it (such an edit never merges). A need that would close a cycle is
 * refused, with nothing changed, by the engine's error that names the
 * cycle (TROUPE_WORKFLOW_ERROR_CYCLE). */
gboolean        troupe_document_edit_step    (TroupeDocument *self,
                                              const char     *id,
                                              TroupeStep     *edited,
                                              const char     *merge_key,
                                              GError        **error);

/* Changes the workflow's settings (name, description, workspace, defaults,
 * max_parallel, layout direction, context, agents and providers; not the
 * steps) through the model's own setters. */
typedef gboolean (*TroupeDocumentEditFunc) (TroupeWorkflow  *workflow,
                                            gpointer         user_data,
                                            GError         **error);

/* Calls @func on the workflow and records what it changed in the settings
 * as one command (a snapshot of them before and after); merges as
 * troupe_document_edit_step() does. When @func fails, what it changed is
 * put back and its error returned. */
gboolean        troupe_document_edit_workflow (TroupeDocument         *self,
                                               const char             *merge_key,
                                               TroupeDocumentEditFunc  func,
                                               gpointer                user_data,
                                               GError                **error);

/* The next edit is a command of its own, whatever its merge key. */
void            troupe_document_end_merge    (TroupeDocument *self);

/* Lays the whole graph out with graphviz, as one command. */
gboolean        troupe_document_layout       (TroupeDocument *self,
                                              GError        **error);

G_END_DECLS
