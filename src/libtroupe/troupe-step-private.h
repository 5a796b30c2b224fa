/* troupe-step-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "troupe-step.h"

G_BEGIN_DECLS

/* Only TroupeWorkflow calls these: they change what the graph is made of,
 * so the workflow must announce the change itself. */
void _troupe_step_set_workflow (TroupeStep         *self,
                                TroupeWorkflow     *workflow);
void _troupe_step_set_id       (TroupeStep         *self,
                                const char         *id);
void _troupe_step_set_needs    (TroupeStep         *self,
                                const char * const *needs);

G_END_DECLS
