/* troupe-workflow-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "troupe-workflow.h"

G_BEGIN_DECLS

/* A step of @self wants new needs (the inspector edits them as a list):
 * the workflow applies them and announces each edge that appears or goes. */
void _troupe_workflow_update_needs (TroupeWorkflow     *self,
                                    TroupeStep         *step,
                                    const char * const *needs);

/* "a → b → c → a" for a cycle given as its steps in order. */
char *_troupe_workflow_format_cycle (const char * const *ids);

G_END_DECLS
