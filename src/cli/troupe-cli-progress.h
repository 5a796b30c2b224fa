/* troupe-cli-progress.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdio.h>

#include <json-glib/json-glib.h>

#include "troupe.h"

G_BEGIN_DECLS

/* How `troupe run` and `troupe resume` show a run while it goes. */
typedef enum
{
  /* A terminal: a status block redrawn in place, at most ten times a
   * second, with the lines that matter (failures, retries, approvals)
   * printed above it and kept. */
  TROUPE_CLI_PROGRESS_LIVE,
  /* A pipe or a file: one line per event, for logs and CI. */
  TROUPE_CLI_PROGRESS_LINES,
  /* --json: every event as one JSON line, exactly the journal's objects. */
  TROUPE_CLI_PROGRESS_JSON,
} TroupeCliProgressMode;

typedef struct _TroupeCliProgress TroupeCliProgress;

/* LIVE when the standard output is a terminal that can move its cursor
 * (TERM is set and not "dumb"), else LINES; JSON when @json. */
TroupeCliProgressMode  troupe_cli_progress_choose_mode (gboolean               json);

/* Follows @run's "event" signal until freed. */
TroupeCliProgress     *troupe_cli_progress_new        (TroupeRun              *run,
                                                       TroupeCliProgressMode   mode);
void                   troupe_cli_progress_free       (TroupeCliProgress      *self);
TroupeCliProgressMode  troupe_cli_progress_get_mode   (TroupeCliProgress      *self);

/* Prints a line that stays on @stream, above the live status (which is
 * redrawn after it). Lines printed while the status is held are kept back
 * until it is released, so they do not land in the middle of a question. */
void                   troupe_cli_progress_print      (TroupeCliProgress      *self,
                                                       FILE                   *stream,
                                                       const char             *format,
                                                       ...) G_GNUC_PRINTF (3, 4);
/* Takes the live status off the screen and keeps it off (TRUE) while a
 * question waits for an answer on the terminal; FALSE brings it back. */
void                   troupe_cli_progress_hold       (TroupeCliProgress      *self,
                                                       gboolean                hold);
/* Takes the live status off the screen for good, before the summary. */
void                   troupe_cli_progress_stop       (TroupeCliProgress      *self);
/* FALSE once writing an event to the standard output failed (a closed
 * pipe, a full disk); the message has been printed. */
gboolean               troupe_cli_progress_get_ok     (TroupeCliProgress      *self);

/* "0.52s", "12.3s", "2m05s", "1h02m", "3d04h": short, for tables and
 * status lines. */
char                  *troupe_cli_format_duration     (gint64                  us);
/* "2026-11-21 02:03:04" in the local time zone; "-" for 0. */
char                  *troupe_cli_format_local_time   (gint64                  wall_us);
/* The run-finished metrics as an aligned block, one figure per line. */
void                   troupe_cli_print_metrics       (FILE                   *stream,
                                                       JsonObject             *metrics);
/* Cuts @text to at most @columns terminal cells, ending it with "…" when
 * it was cut. */
char                  *troupe_cli_truncate            (const char             *text,
                                                       guint                   columns);

/* @word as a shell reads it back: as it is when it is plain (letters,
 * digits, "-_./:@+,="), else single-quoted, for the commands the hints
 * print. */
char                  *troupe_cli_shell_quote         (const char             *word);
/* "3 succeeded, 1 failed, 2 skipped": how many steps ended each way (for
 * a for_each step, its items), NULL when none has. */
char                  *troupe_cli_describe_counts     (TroupeRunRecord        *record);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TroupeCliProgress, troupe_cli_progress_free)

G_END_DECLS
