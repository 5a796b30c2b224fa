/* troupe-run-test-util.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "troupe.h"

G_BEGIN_DECLS

/* What the tests that drive a TroupeRun share: a workspace per test, the
 * fake CLIs of tests/fake-cli, and a runner that records the events. */

#define TROUPE_TEST_RUN_TIMEOUT_MS 20000

/* --- the fake CLIs --------------------------------------------------------- */

/* Copies tests/fake-cli into a new folder, first on PATH; returns the
 * folder, for troupe_test_remove_tree() at the end. */
char    *troupe_test_setup_fake_cli (void);
/* Clears every FAKE_CLI_* variable a previous test may have set. */
void     troupe_test_reset_fake_env (void);
void     troupe_test_fake_env       (const char *name,
                                     const char *value);
/* "fan[2]" -> "fan_2_", as the fake CLI names its records. */
char    *troupe_test_record_id      (const char *instance);

/* --- a workspace per test ------------------------------------------------ */

typedef struct
{
  char *top;    /* removed at the end */
  char *root;   /* the workspace */
  char *rec;    /* FAKE_CLI_RECORD_DIR */
} Ws;

Ws             *troupe_test_ws_new     (void);
void            troupe_test_ws_free    (Ws         *ws);
char           *troupe_test_ws_path    (Ws         *ws,
                                        const char *relative);
/* Writes @yaml to flow.yaml in @ws and loads it. */
TroupeWorkflow *troupe_test_ws_load    (Ws         *ws,
                                        const char *yaml);
/* How many times the fake ran for @instance. */
guint           troupe_test_fake_calls (Ws         *ws,
                                        const char *instance);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Ws, troupe_test_ws_free)

/* --- running ------------------------------------------------------------- */

typedef struct _Runner Runner;
typedef void (*EventHook) (Runner     *runner,
                           JsonObject *event);

struct _Runner
{
  TroupeRun  *run;
  GMainLoop  *loop;
  GPtrArray  *events;         /* JsonObject*, in emission order */
  EventHook   hook;
  gpointer    data;
  gint64      started_mono;
  gint64      finished_mono;
  guint       timeout_ms;
  gboolean    finished;
  gboolean    timed_out;
};

/* Takes @run; records its events (calling hook on each) until "finished". */
Runner           *troupe_test_runner_new         (TroupeRun          *run);
void              troupe_test_runner_free        (Runner             *r);
/* Starts the run and drives the main loop until "finished"; a run that
 * does not finish within timeout_ms fails the test. */
void              troupe_test_runner_run         (Runner             *r);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Runner, troupe_test_runner_free)

/* Starts @run and iterates the main loop until it finishes, with no time
 * limit: for the child runners, which the tests kill or wait for. */
void              troupe_test_run_until_finished (TroupeRun          *run);
/* The events of a JSON-lines text (a journal, a --json output), each
 * line a JSON object; blank lines are passed over. */
GPtrArray        *troupe_test_parse_events       (const char         *text);
/* The @nth event called @name (of @instance, unless NULL) in @events. */
JsonObject       *troupe_test_find_event         (GPtrArray          *events,
                                                  const char         *name,
                                                  const char         *instance,
                                                  guint               nth);
guint             troupe_test_count_events       (GPtrArray          *events,
                                                  const char         *name,
                                                  const char         *instance);
/* The record of @instance; a run without one fails the test. */
TroupeStepRecord *troupe_test_step_record        (TroupeRun          *run,
                                                  const char         *instance);
void              troupe_test_assert_step_status (TroupeRun          *run,
                                                  const char         *instance,
                                                  TroupeStepStatus    status);
/* On a mismatch, prints each step's status before failing. */
void              troupe_test_assert_run_status  (TroupeRun          *run,
                                                  TroupeRunStatus     status);

G_END_DECLS
