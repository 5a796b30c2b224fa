/* troupe-layout.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "troupe-workflow.h"

G_BEGIN_DECLS

/* The size of a step's card on the canvas, in graph pixels. Layout uses
 * it so that cards never overlap. */
#define TROUPE_CARD_WIDTH   200.0
#define TROUPE_CARD_HEIGHT   72.0

/* Lays the whole graph out with graphviz dot (through gvc) in the
 * workflow's rank direction and stores every step's position (top-left,
 * y down, the topmost-leftmost card at 0,0 plus a margin). */
gboolean troupe_workflow_layout          (TroupeWorkflow *self,
                                          GError        **error);
/* Places @step, which has no position yet, beside its neighbours (after
 * the steps it needs, before its dependents) on free space, without moving
 * any other step. */
void     troupe_workflow_place_step      (TroupeWorkflow *self,
                                          TroupeStep     *step);

G_END_DECLS
