/* troupe-run.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "troupe-run-record.h"
#include "troupe-run-store.h"
#include "troupe-workflow.h"

G_BEGIN_DECLS

#define TROUPE_TYPE_RUN         (troupe_run_get_type ())
#define TROUPE_TYPE_RUN_OPTIONS (troupe_run_options_get_type ())
#define TROUPE_RUN_ERROR        (troupe_run_error_quark ())

typedef enum
{
  TROUPE_RUN_ERROR_INVALID,      /* the workflow has validation errors */
  TROUPE_RUN_ERROR_PREFLIGHT,    /* a provider's program is missing, ... */
  TROUPE_RUN_ERROR_STATE,        /* not possible in the run's current state */
  TROUPE_RUN_ERROR_UNKNOWN_STEP,
} TroupeRunError;

typedef struct
{
  guint               max_parallel;   /* 0: the workflow's, else the number of cores */
  gint64              timeout_ms;     /* the whole run; <= 0: none */
  guint64             seed;           /* for retry jitter */
  gboolean            has_seed;       /* FALSE: a seed is drawn and recorded */
  TroupeCancelPolicy  cancel_policy;
  gint64              kill_grace_ms;  /* <= 0: 2000 */
  GHashTable         *context;        /* KEY -> VALUE, overrides the workflow's; may be NULL */
  /* A policy trained with `troupe train FILE --env simulated` chooses
   * which agent acts next (see troupe-run-policy.h); NULL: the usual
   * scheduling. A resumed run keeps the policy it started with. */
  char               *policy_file;
  gboolean            policy_sample;  /* draw from the policy instead of its most probable agent */
} TroupeRunOptions;

GType             troupe_run_options_get_type (void) G_GNUC_CONST;
TroupeRunOptions *troupe_run_options_new      (void);
TroupeRunOptions *troupe_run_options_copy     (const TroupeRunOptions *options);
void              troupe_run_options_free     (TroupeRunOptions       *options);
void              troupe_run_options_set_context (TroupeRunOptions    *options,
                                                  const char          *key,
                                                  const char          *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TroupeRunOptions, troupe_run_options_free)

G_DECLARE_FINAL_TYPE (TroupeRun, troupe_run, TROUPE, RUN, GObject)

GQuark            troupe_run_error_quark      (void);

/* Checks the workflow (validation errors, providers whose program is not
 * on PATH: each named with its step and how to fix it) and creates the
 * run's record in the workspace. Nothing runs until troupe_run_start(). */
TroupeRun        *troupe_run_new              (TroupeWorkflow          *workflow,
                                               const TroupeRunOptions  *options,
                                               GError                 **error);
/* Reopens an interrupted run: succeeded steps keep their outputs, steps
 * that were running run again. @options may override max-parallel, the
 * timeout and the cancel policy (NULL: the recorded ones). */
TroupeRun        *troupe_run_new_resume       (const char              *workspace_root,
                                               const char              *run_id,
                                               const TroupeRunOptions  *options,
                                               GError                 **error);

/* Runs on the thread-default main context; "finished" is emitted once. */
void              troupe_run_start            (TroupeRun               *self);
/* Cascading: terminate running steps; isolated: let them finish. Either
 * way nothing new starts and the run stays resumable. */
void              troupe_run_cancel           (TroupeRun               *self);
gboolean          troupe_run_approve          (TroupeRun               *self,
                                               const char              *instance,
                                               gboolean                 approved,
                                               const char              *by,
                                               const char              *note,
                                               GError                 **error);

TroupeWorkflow   *troupe_run_get_workflow     (TroupeRun               *self);
TroupeRunStore   *troupe_run_get_store        (TroupeRun               *self);
TroupeRunRecord  *troupe_run_get_record       (TroupeRun               *self);
const char       *troupe_run_get_id           (TroupeRun               *self);
TroupeRunStatus   troupe_run_get_status       (TroupeRun               *self);
gboolean          troupe_run_is_finished      (TroupeRun               *self);
/* Instances waiting for a person (borrowed ids, NULL-terminated, new). */
GStrv             troupe_run_dup_pending_approvals (TroupeRun          *self);

/* --dry-run: walks the schedule with simulated durations (each step
 * @step_ms, send/wait/approval 0) under the same limits and ordering,
 * without starting anything. Returns {"order": [{"instance", "start_ms",
 * "end_ms"}...], "wall_ms", "serial_ms", "critical_path_ms"}. */
JsonObject       *troupe_run_simulate         (TroupeWorkflow          *workflow,
                                               const TroupeRunOptions  *options,
                                               gint64                   step_ms,
                                               GError                 **error);

G_END_DECLS
