/* troupe-inbox-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "troupe-inbox.h"

G_BEGIN_DECLS

/* For tests: with FALSE, troupe_inbox_wait_async() creates no GFileMonitor
 * and relies on polling alone, as it must on file systems whose monitors
 * miss events. Applies to waits started afterwards; main thread only. */
void _troupe_inbox_set_monitor_enabled (gboolean enabled);

G_END_DECLS
