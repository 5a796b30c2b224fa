/* troupe-validator.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "troupe-workflow.h"

G_BEGIN_DECLS

/* Every problem in @self, sorted by position: its load diagnostics plus the
 * checks of the model and of the workspace on disk. Returns a new array of
 * TroupeDiagnostic* (free func set). */
GPtrArray *troupe_workflow_validate (TroupeWorkflow *self);

G_END_DECLS
