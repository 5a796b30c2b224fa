/* troupe-process.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TROUPE_TYPE_PROCESS (troupe_process_get_type ())
#define TROUPE_PROCESS_ERROR (troupe_process_error_quark ())

typedef enum
{
  TROUPE_PROCESS_ERROR_SPAWN,     /* the program could not be started */
  TROUPE_PROCESS_ERROR_IO,        /* a log or spill file could not be written */
} TroupeProcessError;

G_DECLARE_FINAL_TYPE (TroupeProcess, troupe_process, TROUPE, PROCESS, GObject)

/* One attempt of one step: a child process started from an argv (never
 * through a shell), in its own process group, on the thread-default main
 * context; no threads.
 *
 * - stdout is the step's output: kept in memory up to the output cap; every
 *   byte also goes to the stdout log; when the output passes the cap, the
 *   whole output is in the spill file and troupe_process_get_spilled()
 *   says so.
 * - stderr goes to the stderr log.
 * - Logs are created when the child starts, replacing what was there;
 *   with lazy logs, only when their stream's first byte arrives, so that a
 *   stream that stays empty leaves no file at all.
 * - stdin receives the given bytes, then end-of-file (or /dev/null).
 * - A timeout or troupe_process_terminate() sends SIGTERM to the whole
 *   process group, then SIGKILL after the grace period; when the child
 *   exits by itself, whatever it left running in its group is killed the
 *   same way, so no grandchild survives its step.
 */

GQuark         troupe_process_error_quark    (void);

TroupeProcess *troupe_process_new            (const char * const *argv);
/* NULL: the current folder. */
void           troupe_process_set_cwd        (TroupeProcess      *self,
                                              const char         *cwd);
/* Adds or replaces a variable in the child's environment (which starts
 * as the parent's); a NULL @value removes it. */
void           troupe_process_setenv         (TroupeProcess      *self,
                                              const char         *name,
                                              const char         *value);
void           troupe_process_set_stdin      (TroupeProcess      *self,
                                              GBytes             *data);
/* Both optional: without a path the stream is discarded. Both may name
 * the same file. */
void           troupe_process_set_stdout_log (TroupeProcess      *self,
                                              const char         *path);
void           troupe_process_set_stderr_log (TroupeProcess      *self,
                                              const char         *path);
/* Lazy logs (default off): each log file is created on its stream's
 * first byte, and a stream that stays empty creates none (whatever is at
 * its path then stays as it was: give paths nothing else uses). A log
 * that cannot be created is then an I/O error at the end of the run, not
 * before the start. Trivial steps are much cheaper this way: creating two
 * files per attempt was the largest part of their cost. */
void           troupe_process_set_lazy_logs  (TroupeProcess      *self,
                                              gboolean            lazy);
/* 0: no cap (default 1 MiB). */
void           troupe_process_set_output_cap (TroupeProcess      *self,
                                              guint64             bytes);
void           troupe_process_set_spill_path (TroupeProcess      *self,
                                              const char         *path);
/* 0 or less: no timeout. */
void           troupe_process_set_timeout    (TroupeProcess      *self,
                                              gint64              ms);
/* Default 2000 ms. */
void           troupe_process_set_kill_grace (TroupeProcess      *self,
                                              gint64              ms);

/* Starts the child; @callback runs once it has exited and its output is
 * read. Fails early (in finish) when the program cannot be started. */
void           troupe_process_run_async      (TroupeProcess      *self,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
/* TRUE when the process ran (whatever its exit status). */
gboolean       troupe_process_run_finish     (TroupeProcess      *self,
                                              GAsyncResult       *result,
                                              GError            **error);
/* SIGTERM now, SIGKILL after the grace period; idempotent. The run still
 * completes through the callback. Cancelling the GCancellable does the
 * same. */
void           troupe_process_terminate      (TroupeProcess      *self);

/* After completion: */
GPid           troupe_process_get_pid        (TroupeProcess      *self);
/* TRUE when the child exited normally with status 0. */
gboolean       troupe_process_get_succeeded  (TroupeProcess      *self);
/* The exit status when it exited normally, else -1. */
int            troupe_process_get_exit_code  (TroupeProcess      *self);
/* The signal that ended it, else 0. */
int            troupe_process_get_term_signal (TroupeProcess     *self);
gboolean       troupe_process_get_timed_out  (TroupeProcess      *self);
gboolean       troupe_process_get_terminated (TroupeProcess      *self);
/* At most the output cap; borrowed. */
GBytes        *troupe_process_get_output     (TroupeProcess      *self);
/* Total bytes the child wrote to stdout. */
guint64        troupe_process_get_output_size (TroupeProcess     *self);
gboolean       troupe_process_get_spilled    (TroupeProcess      *self);
/* Monotonic microseconds from spawn to completion. */
gint64         troupe_process_get_duration   (TroupeProcess      *self);

/* Where @program would be found on PATH (or @program itself when it holds
 * a '/' and is executable); NULL when nowhere. */
char          *troupe_find_program           (const char         *program);

G_END_DECLS
