/* troupe-run-store.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "troupe-run-record.h"

G_BEGIN_DECLS

#define TROUPE_TYPE_RUN_STORE (troupe_run_store_get_type ())

G_DECLARE_FINAL_TYPE (TroupeRunStore, troupe_run_store, TROUPE, RUN_STORE, GObject)

/* The files of one run (see the README's "Run records"): the journal,
 * the snapshot, logs, outputs, approvals and the lock. Lives on the
 * thread-default main context. */

/* Creates <workspace>/.troupe/runs/<id>/ (a new id when @run_id is NULL),
 * writes workflow.yaml from @workflow_yaml, takes the lock. */
TroupeRunStore   *troupe_run_store_create        (const char      *workspace_root,
                                                  const char      *run_id,
                                                  const char      *workflow_yaml,
                                                  GError         **error);
/* Opens an existing run to resume it: loads state.json, replays the
 * events after it, takes the lock (TROUPE_RUN_RECORD_ERROR_LOCKED when a
 * live process holds it). */
TroupeRunStore   *troupe_run_store_open          (const char      *workspace_root,
                                                  const char      *run_id,
                                                  GError         **error);
/* Reads a run without locking it (troupe runs, troupe logs). */
TroupeRunRecord  *troupe_run_store_load_record   (const char      *workspace_root,
                                                  const char      *run_id,
                                                  GError         **error);
/* Every run of the workspace, newest first (TroupeRunRecord*, free func
 * set); runs that cannot be read are left out. */
GPtrArray        *troupe_run_store_list          (const char      *workspace_root);
/* Whether a process holds the run's lock, that is, runs it right now. A
 * record that says "running" while nobody holds its lock lost its runner
 * without a word (SIGKILL, a crash, a power cut): it is interrupted, and
 * can be resumed. */
gboolean          troupe_run_store_is_locked     (const char      *workspace_root,
                                                  const char      *run_id);

const char       *troupe_run_store_get_id        (TroupeRunStore  *self);
const char       *troupe_run_store_get_dir       (TroupeRunStore  *self);
/* <dir>/workflow.yaml */
char             *troupe_run_store_dup_workflow_path (TroupeRunStore *self);
TroupeRunRecord  *troupe_run_store_get_record    (TroupeRunStore  *self);

/* Fills seq, wall, mono_us and session, applies the event to the record
 * and appends it to events.jsonl with one write; schedules a snapshot.
 * Takes ownership of @event. */
gboolean          troupe_run_store_append        (TroupeRunStore  *self,
                                                  JsonObject      *event,
                                                  GError         **error);
/* Writes state.json now (atomically). */
gboolean          troupe_run_store_flush         (TroupeRunStore  *self,
                                                  GError         **error);

/* Run-dir-relative paths for an instance's files; "review[3]" is written
 * as "review_3_" in file names. */
char             *troupe_run_store_log_path      (TroupeRunStore  *self,
                                                  const char      *instance,
                                                  guint            attempt,
                                                  const char      *stream);   /* "out" / "err" */
char             *troupe_run_store_output_path   (TroupeRunStore  *self,
                                                  const char      *instance,
                                                  gboolean         spill);
/* Absolute path of a run-dir-relative one. */
char             *troupe_run_store_resolve       (TroupeRunStore  *self,
                                                  const char      *relative);

/* Approvals from another process: writes approvals/<instance>.json
 * atomically. */
gboolean          troupe_run_store_write_approval (const char     *workspace_root,
                                                   const char     *run_id,
                                                   const char     *instance,
                                                   gboolean        approved,
                                                   const char     *by,
                                                   const char     *note,
                                                   GError        **error);
/* Starts watching approvals/ (GFileMonitor plus a 500 ms poll): each new
 * file emits "approval" (instance, approved, by, note) once, then is
 * removed. */
void              troupe_run_store_watch_approvals (TroupeRunStore *self);

G_END_DECLS
