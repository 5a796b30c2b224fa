/* troupe-step.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "troupe-retry-policy.h"
#include "troupe-types.h"

G_BEGIN_DECLS

#define TROUPE_TYPE_STEP (troupe_step_get_type ())

G_DECLARE_FINAL_TYPE (TroupeStep, troupe_step, TROUPE, STEP, GObject)

/* A step is one action of one agent. Every setter notifies only when the
 * value really changes. The id and the needs are changed through the
 * workflow (troupe_workflow_rename_step(), troupe_workflow_connect()), which
 * keeps the graph consistent; a step that belongs to no workflow may set
 * them directly (loaders do). */

TroupeStep              *troupe_step_new              (const char              *id,
                                                       TroupeStepKind           kind);
/* A deep copy with the same id, belonging to no workflow. */
TroupeStep              *troupe_step_copy             (TroupeStep              *self);
/* TRUE when every saved field of @a and @b is equal (positions included). */
gboolean                 troupe_step_equal            (TroupeStep              *a,
                                                       TroupeStep              *b);

const char              *troupe_step_get_id           (TroupeStep              *self);
void                     troupe_step_set_id           (TroupeStep              *self,
                                                       const char              *id);
TroupeWorkflow          *troupe_step_get_workflow     (TroupeStep              *self);

TroupeStepKind           troupe_step_get_kind         (TroupeStep              *self);
void                     troupe_step_set_kind         (TroupeStep              *self,
                                                       TroupeStepKind           kind);
const char              *troupe_step_get_description  (TroupeStep              *self);
void                     troupe_step_set_description  (TroupeStep              *self,
                                                       const char              *description);
const char              *troupe_step_get_agent        (TroupeStep              *self);
void                     troupe_step_set_agent        (TroupeStep              *self,
                                                       const char              *agent);
const char              *troupe_step_get_provider     (TroupeStep              *self);
void                     troupe_step_set_provider     (TroupeStep              *self,
                                                       const char              *provider);
const char              *troupe_step_get_prompt       (TroupeStep              *self);
void                     troupe_step_set_prompt       (TroupeStep              *self,
                                                       const char              *prompt);
const char              *troupe_step_get_prompt_file  (TroupeStep              *self);
void                     troupe_step_set_prompt_file  (TroupeStep              *self,
                                                       const char              *prompt_file);
const char * const      *troupe_step_get_command      (TroupeStep              *self);
void                     troupe_step_set_command      (TroupeStep              *self,
                                                       const char * const      *argv);

/* send: an atomic task file inbox/<to>/<file>.task */
const char              *troupe_step_get_send_to      (TroupeStep              *self);
void                     troupe_step_set_send_to      (TroupeStep              *self,
                                                       const char              *agent);
const char              *troupe_step_get_send_file    (TroupeStep              *self);
void                     troupe_step_set_send_file    (TroupeStep              *self,
                                                       const char              *file);
const char              *troupe_step_get_send_content (TroupeStep              *self);
void                     troupe_step_set_send_content (TroupeStep              *self,
                                                       const char              *content);

/* wait_for */
const char              *troupe_step_get_wait_glob    (TroupeStep              *self);
void                     troupe_step_set_wait_glob    (TroupeStep              *self,
                                                       const char              *glob);
gint64                   troupe_step_get_wait_timeout (TroupeStep              *self);
void                     troupe_step_set_wait_timeout (TroupeStep              *self,
                                                       gint64                   ms);
gint64                   troupe_step_get_wait_poll    (TroupeStep              *self);
void                     troupe_step_set_wait_poll    (TroupeStep              *self,
                                                       gint64                   ms);
guint                    troupe_step_get_wait_min_count (TroupeStep            *self);
void                     troupe_step_set_wait_min_count (TroupeStep            *self,
                                                         guint                  min_count);

const char              *troupe_step_get_approval     (TroupeStep              *self);
void                     troupe_step_set_approval     (TroupeStep              *self,
                                                       const char              *message);

const char * const      *troupe_step_get_needs        (TroupeStep              *self);
void                     troupe_step_set_needs        (TroupeStep              *self,
                                                       const char * const      *needs);
gboolean                 troupe_step_has_need         (TroupeStep              *self,
                                                       const char              *id);

/* NULL: inherits the workflow's default retries. */
const TroupeRetryPolicy *troupe_step_get_retries      (TroupeStep              *self);
void                     troupe_step_set_retries      (TroupeStep              *self,
                                                       const TroupeRetryPolicy *retries);
gint64                   troupe_step_get_timeout      (TroupeStep              *self);
void                     troupe_step_set_timeout      (TroupeStep              *self,
                                                       gint64                   ms);
TroupeFailurePolicy      troupe_step_get_on_failure   (TroupeStep              *self);
void                     troupe_step_set_on_failure   (TroupeStep              *self,
                                                       TroupeFailurePolicy      policy);
const char * const      *troupe_step_get_outputs      (TroupeStep              *self);
void                     troupe_step_set_outputs      (TroupeStep              *self,
                                                       const char * const      *outputs);

TroupeConditionOp        troupe_step_get_when_op      (TroupeStep              *self);
const char              *troupe_step_get_when_left    (TroupeStep              *self);
const char              *troupe_step_get_when_right   (TroupeStep              *self);
void                     troupe_step_set_when         (TroupeStep              *self,
                                                       TroupeConditionOp        op,
                                                       const char              *left,
                                                       const char              *right);
const char              *troupe_step_get_for_each     (TroupeStep              *self);
void                     troupe_step_set_for_each     (TroupeStep              *self,
                                                       const char              *step_id);

/* Editor position of the card's top-left corner, in graph pixels. */
gboolean                 troupe_step_get_position     (TroupeStep              *self,
                                                       double                  *x,
                                                       double                  *y);
void                     troupe_step_set_position     (TroupeStep              *self,
                                                       double                   x,
                                                       double                   y);
void                     troupe_step_clear_position   (TroupeStep              *self);

/* The kind a step with these fields is read as when the file names no kind. */
TroupeStepKind           troupe_step_infer_kind       (TroupeStep              *self);

G_END_DECLS
