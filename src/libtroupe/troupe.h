/* troupe.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#define TROUPE_INSIDE
#include "troupe-agent.h"
#include "troupe-diagnostic.h"
#include "troupe-duration.h"
#include "troupe-enums.h"
#include "troupe-export.h"
#include "troupe-inbox.h"
#include "troupe-layout.h"
#include "troupe-node.h"
#include "troupe-orchestration-env.h"
#include "troupe-path.h"
#include "troupe-policy.h"
#include "troupe-process.h"
#include "troupe-provider.h"
#include "troupe-reinforce.h"
#include "troupe-retry-policy.h"
#include "troupe-run-record.h"
#include "troupe-run-store.h"
#include "troupe-run.h"
#include "troupe-step.h"
#include "troupe-strutil.h"
#include "troupe-template.h"
#include "troupe-types.h"
#include "troupe-validator.h"
#include "troupe-version.h"
#include "troupe-workflow-io.h"
#include "troupe-workflow.h"
#undef TROUPE_INSIDE
