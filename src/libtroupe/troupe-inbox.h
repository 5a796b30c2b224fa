/* troupe-inbox.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TROUPE_INBOX_ERROR (troupe_inbox_error_quark ())

typedef enum
{
  TROUPE_INBOX_ERROR_UNSAFE_PATH,
  TROUPE_INBOX_ERROR_IO,
  TROUPE_INBOX_ERROR_TIMEOUT,
} TroupeInboxError;

GQuark    troupe_inbox_error_quark     (void);

/* The inbox protocol of seed 003. Every path is checked with
 * troupe_path_check() against @workspace_root at the moment it is used, so
 * a symlink created during a run that escapes the workspace is refused.
 *
 * Writes <workspace>/inbox/<agent>/<name>.task by writing <name>.tmp in
 * the same folder, syncing it and renaming it: a reader never sees a
 * half-written task. Creates the folders. Returns the task's path
 * (relative to the workspace). @name must be a plain file name. */
char     *troupe_inbox_send            (const char   *workspace_root,
                                        const char   *agent,
                                        const char   *name,
                                        const char   *content,
                                        GError      **error);
/* Moves a task file (workspace-relative) into processed/<timestamp>/ or
 * failed/<timestamp>/, keeping its name; <timestamp> is UTC
 * "YYYYMMDDTHHMMSSZ". Returns the new relative path. */
char     *troupe_inbox_move_processed  (const char   *workspace_root,
                                        const char   *task_path,
                                        GDateTime    *when,
                                        GError      **error);
char     *troupe_inbox_move_failed     (const char   *workspace_root,
                                        const char   *task_path,
                                        GDateTime    *when,
                                        GError      **error);

/* The workspace-relative paths that match a POSIX glob (troupe_glob_match),
 * sorted; .tmp files never match a glob ending in ".task". */
GStrv     troupe_inbox_list            (const char   *workspace_root,
                                        const char   *glob,
                                        GError      **error);

/* wait_for: watches the folder of @glob with a GFileMonitor and polls it
 * every @poll_ms as well (monitors miss events on some file systems),
 * until at least @min_count files match (success: the sorted list of
 * matching paths) or @timeout_ms passes (TROUPE_INBOX_ERROR_TIMEOUT, naming
 * the glob and how many matched). Runs on the thread-default main context. */
void      troupe_inbox_wait_async      (const char          *workspace_root,
                                        const char          *glob,
                                        guint                min_count,
                                        gint64               timeout_ms,
                                        gint64               poll_ms,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
GStrv     troupe_inbox_wait_finish     (GAsyncResult        *result,
                                        GError             **error);

G_END_DECLS
