/* troupe-run-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "troupe-process.h"
#include "troupe-run-policy.h"
#include "troupe-run.h"

G_BEGIN_DECLS

/* One schedulable unit: a step, or one item of a for_each step. The
 * record (in the store) holds what is persisted; this holds what only
 * the live scheduler needs. */
typedef struct _Instance Instance;

struct _Instance
{
  TroupeRun        *run;           /* borrowed: the run owns its instances */
  char             *id;
  TroupeStep       *step;          /* borrowed from the workflow */
  Instance         *parent;        /* for_each item -> its step */
  GPtrArray        *children;      /* for_each step -> its items (borrowed) */
  GPtrArray        *dependents;    /* main instances that need this one (borrowed) */
  char             *item;
  int               index;

  TroupeProcess    *process;
  GCancellable     *cancellable;   /* wait_for */
  guint             timer_id;      /* retry backoff */

  gint64            started_mono;
  gint64            duration_us;   /* last attempt, for the critical path */
  guint             order;         /* file order, for ties */
  guint             priority;      /* longest path to a sink, in steps */
  guint             waiting;       /* needs not finished yet */
  guint             children_left;
  guint             attempt;
  /* Attempts made by earlier sessions of a resumed run: log names go on
   * counting from there, but this session gets a fresh retry budget (the
   * person who resumes has usually fixed what failed). */
  guint             attempt_base;
  TroupeStepStatus  status;

  guint             holds_slot : 1;
  guint             in_heap : 1;
};

struct _TroupeRun
{
  GObject            parent_instance;

  TroupeWorkflow    *workflow;
  TroupeRunStore    *store;
  TroupeRunOptions  *options;
  char              *workspace_root;
  char              *timestamp_utc;
  char              *stop_reason;
  /* Values of the environment's secret-looking variables, masked in the
   * recorded argv: found once per run (NULL until needed), not once per
   * argument of every step. */
  GStrv              secrets;

  GHashTable        *instances;     /* id -> Instance*, owns */
  GPtrArray         *by_order;      /* Instance*, creation order */
  GPtrArray         *heap;          /* ready instances waiting for a slot */
  GHashTable        *agent_running; /* name -> count */
  GHashTable        *provider_running;
  GRand             *rand;
  TroupeRunPolicy   *policy;        /* --policy: it chooses what starts; else NULL */
  /* Instances that became final and whose dependents are still to be
   * told: handled in a loop, not by recursion, so a skip that runs down
   * a 10,000-step chain cannot exhaust the stack. */
  GQueue             finals;

  gint64             started_mono;
  guint              max_parallel;
  guint              running;       /* slots in use */
  guint              unfinished;    /* instances not final */
  guint              timeout_id;
  TroupeRunStatus    stop_status;

  guint              started : 1;
  guint              stopping : 1;
  guint              finished : 1;
  guint              resumed : 1;
  guint              draining : 1;
};

/* troupe-run-setup.c */
Instance   *_troupe_run_instance_new   (TroupeRun        *self,
                                         const char       *id,
                                         TroupeStep       *step);

/* troupe-run.c */
void        _troupe_run_emit            (TroupeRun        *self,
                                         JsonObject       *event);
JsonObject *_troupe_run_new_event       (TroupeRun        *self,
                                         const char       *name,
                                         Instance         *inst);
void        _troupe_run_attempt_done    (TroupeRun        *self,
                                         Instance         *inst,
                                         gboolean          succeeded,
                                         gboolean          retryable,
                                         JsonObject       *finished);
/* The attempt was stopped because the run is stopping. */
void        _troupe_run_attempt_cancelled (TroupeRun      *self,
                                           Instance       *inst);
char       *_troupe_run_read_output     (TroupeRun        *self,
                                         const char       *instance);

/* troupe-run-actions.c */
void        _troupe_run_start_attempt   (TroupeRun        *self,
                                         Instance         *inst);
char       *_troupe_run_expand          (TroupeRun        *self,
                                         Instance         *inst,
                                         const char       *text,
                                         const char       *prompt,
                                         GError          **error);
/* Whether an instance of @step occupies a concurrency slot while it runs
 * (processes and the mock provider do; send, wait and approval do not). */
gboolean    _troupe_run_step_uses_slot  (TroupeRun        *self,
                                         TroupeStep       *step);
/* The program a step would start, for the preflight check; NULL when it
 * starts none. */
const char *_troupe_run_step_program    (TroupeRun        *self,
                                         TroupeStep       *step,
                                         TroupeProvider  **provider_out);
gboolean    _troupe_run_evaluate_when   (TroupeRun        *self,
                                         Instance         *inst,
                                         gboolean         *result,
                                         char            **why,
                                         GError          **error);

G_END_DECLS
