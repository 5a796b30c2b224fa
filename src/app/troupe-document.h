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

/* Lays the whole graph out with graphviz, as one command. */
gboolean        troupe_document_layout       (TroupeDocument *self,
                                              GError        **error);

G_END_DECLS
