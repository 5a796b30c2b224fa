/* troupe-run-record.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "troupe-types.h"

G_BEGIN_DECLS

#define TROUPE_RUN_RECORD_ERROR (troupe_run_record_error_quark ())

typedef enum
{
  TROUPE_RUN_RECORD_ERROR_INVALID,   /* an event or state that makes no sense */
  TROUPE_RUN_RECORD_ERROR_IO,
  TROUPE_RUN_RECORD_ERROR_NOT_FOUND,
  TROUPE_RUN_RECORD_ERROR_LOCKED,    /* another process is running this run */
} TroupeRunRecordError;

/* One step instance as the record knows it. Read-only for users. */
typedef struct
{
  char             *instance;        /* "build" or "review[3]" */
  char             *step;            /* the workflow step id */
  char             *item;            /* for_each item, or NULL */
  int               index;           /* for_each index, or -1 */
  TroupeStepStatus  status;
  char             *reason;          /* why it failed, was skipped or cancelled */
  guint             attempts;
  int               exit_code;       /* -1: none */
  int               signal;          /* 0: none */
  gboolean          timed_out;
  gint64            started_us;      /* wall clock, µs since the epoch; 0: never */
  gint64            finished_us;
  gint64            duration_us;     /* of the last attempt */
  gint64            total_us;        /* of all attempts */
  char             *output_path;     /* run-dir-relative, or NULL */
  guint64           output_bytes;
  gboolean          spilled;
  double            cost;            /* meaningful when has_cost */
  gboolean          has_cost;
  gint64            tokens;          /* -1: none */
  char             *log_out;         /* run-dir-relative paths of the last attempt's logs */
  char             *log_err;
  GPtrArray        *children;        /* for_each parents: instance ids (char*) */
} TroupeStepRecord;

typedef struct _TroupeRunRecord TroupeRunRecord;

GQuark             troupe_run_record_error_quark (void);

TroupeRunRecord   *troupe_run_record_new          (void);
void               troupe_run_record_free         (TroupeRunRecord  *self);
/* Applies one event (see /work/brief/events.md, also in the README): the
 * only way a record changes. Refuses an event whose seq is not the next
 * one. */
gboolean           troupe_run_record_apply        (TroupeRunRecord  *self,
                                                   JsonObject       *event,
                                                   GError          **error);
/* state.json */
JsonNode          *troupe_run_record_to_json      (TroupeRunRecord  *self);
/* The same JSON as troupe_run_record_to_json(), written straight into
 * @out: no tree to build and free, which is what a snapshot of a large
 * run would otherwise spend most of its time and memory on. */
void               troupe_run_record_write_json   (TroupeRunRecord  *self,
                                                   GString          *out);
TroupeRunRecord   *troupe_run_record_new_from_json (JsonNode        *node,
                                                    GError         **error);
/* Appends @node as compact JSON: what json-glib's generator writes, byte
 * for byte (but for U+001F, escaped here), without its cost. The journal
 * writes each event with it. */
void               troupe_run_record_append_json  (GString          *out,
                                                   JsonNode         *node);

const char        *troupe_run_record_get_id       (TroupeRunRecord  *self);
const char        *troupe_run_record_get_workflow_name (TroupeRunRecord *self);
/* How many steps the workflow had when the run started (for_each items
 * not counted). */
guint              troupe_run_record_get_n_steps  (TroupeRunRecord  *self);
TroupeRunStatus    troupe_run_record_get_status   (TroupeRunRecord  *self);
const char        *troupe_run_record_get_reason   (TroupeRunRecord  *self);
gint64             troupe_run_record_get_seq      (TroupeRunRecord  *self);
guint              troupe_run_record_get_session  (TroupeRunRecord  *self);
/* Wall clock µs; 0 when not known. */
gint64             troupe_run_record_get_started  (TroupeRunRecord  *self);
gint64             troupe_run_record_get_finished (TroupeRunRecord  *self);
/* The run-started/run-resumed options: "max_parallel", "seed",
 * "timeout_ms", "cancel_policy", "context" (borrowed). */
JsonObject        *troupe_run_record_get_options  (TroupeRunRecord  *self);
/* run-finished metrics, or NULL (borrowed). */
JsonObject        *troupe_run_record_get_metrics  (TroupeRunRecord  *self);
/* TroupeStepRecord* in the order they appeared (borrowed). */
GPtrArray         *troupe_run_record_get_steps    (TroupeRunRecord  *self);
TroupeStepRecord  *troupe_run_record_lookup       (TroupeRunRecord  *self,
                                                   const char       *instance);
/* How many instances have each status: counts[TROUPE_STEP_STATUS_*]. */
void               troupe_run_record_count        (TroupeRunRecord  *self,
                                                   guint             counts[9]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TroupeRunRecord, troupe_run_record_free)

G_END_DECLS
