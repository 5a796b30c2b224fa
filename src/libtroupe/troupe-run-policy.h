/* troupe-run-policy.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "troupe-orchestration-env.h"
#include "troupe-policy.h"
#include "troupe-run.h"
#include "troupe-workflow.h"

G_BEGIN_DECLS

/* Policy-driven runs (`troupe run --policy`): a policy trained with
 * `troupe train FILE --env simulated` chooses, one decision at a time,
 * which agent acts next in a real run of FILE.
 *
 * The chooser sees the state the simulated environment of FILE defines
 * (troupe_orch_env_new_simulated(): the workflow's agents, then the
 * Terminator; sim.max_steps; the same state embedding): the history of
 * (agent, outcome) pairs, where an outcome is whether the step the agent
 * worked on succeeded and what it cost (the provider's reported cost, else
 * the agent's sim.AGENT.cost), the current step and max_steps. At each
 * decision it masks the agents that have no ready step (the Terminator is
 * always allowed), picks the most probable agent left (or samples one),
 * and the run starts that agent's ready step that comes first in the
 * runner's own order. Choosing the Terminator ends the run; so does
 * reaching max_steps. Steps whose agent is not one of the workflow's
 * agents are not the policy's to choose: they run when they are ready,
 * one at a time with the rest, as the simulation counts them done from the
 * start. */

typedef struct _TroupeRunPolicy TroupeRunPolicy;

/* Loads @policy_file and checks it fits @workflow: its agents must be the
 * workflow's agents then "Terminator", in that order, and it must read
 * this Troupe's state embedding. On a mismatch the error names the file,
 * both pools and how to fix it (TROUPE_POLICY_ERROR_MISMATCH). @sample
 * draws the agent from the masked distribution instead of taking the most
 * probable one. */
TroupeRunPolicy *troupe_run_policy_new           (TroupeWorkflow   *workflow,
                                                  const char       *policy_file,
                                                  gboolean          sample,
                                                  GError          **error);
void             troupe_run_policy_free          (TroupeRunPolicy  *self);

const char      *troupe_run_policy_get_file      (TroupeRunPolicy  *self);
/* "sha256:" and the hex digest of the policy file's bytes. */
const char      *troupe_run_policy_get_digest    (TroupeRunPolicy  *self);
gboolean         troupe_run_policy_get_sample    (TroupeRunPolicy  *self);
guint            troupe_run_policy_get_max_steps (TroupeRunPolicy  *self);
TroupePolicy    *troupe_run_policy_get_policy    (TroupeRunPolicy  *self);
TroupeOrchEnv   *troupe_run_policy_get_env       (TroupeRunPolicy  *self);

/* `troupe run --dry-run --policy`: the decisions the policy would make in
 * a run of the workflow whose outcomes are drawn as the simulated
 * environment draws them (each action on a ready step succeeds with
 * sim.AGENT.success), with the live run's masking. Runs one episode from
 * @seed, whose decisions are listed, then @n_episodes more for the rates.
 * Returns {"episode": {"decisions": [{"decision", "agent", "step" (or
 * null), "probability", "succeeded", "cost"}…], "ended_by" ("completed",
 * "terminator" or "max_steps"), "succeeded", "reward", "cost"},
 * "episodes", "success_rate", "mean_reward", "mean_cost",
 * "mean_decisions", "max_steps", "policy", "mode"}. */
JsonObject      *troupe_run_policy_simulate      (TroupeRunPolicy  *self,
                                                  guint64           seed,
                                                  guint             n_episodes);

/* For the runner only (troupe-run.c, troupe-run-setup.c). */

typedef enum
{
  /* Something is under way whose outcome the next decision must see. */
  TROUPE_RUN_POLICY_WAIT,
  /* Start *chosen. */
  TROUPE_RUN_POLICY_START,
  /* The run ends: skip what did not run, with *reason. */
  TROUPE_RUN_POLICY_END,
} TroupeRunPolicyVerdict;

/* Ties @self to @run (which owns it): the run becomes sequential, the
 * policy follows its events and, for a new run, leaves a copy of the
 * policy file in the run's folder (policy.json). */
gboolean         _troupe_run_policy_attach       (TroupeRunPolicy  *self,
                                                  TroupeRun        *run,
                                                  GError          **error);
/* For a resumed run: the policy recorded in its run-started event (the
 * copy in the run's folder, else the file, when its digest still
 * matches), or @policy_file when given; then replays the journal to
 * rebuild the state. Sets *@out to NULL for a run started without a
 * policy. */
gboolean         _troupe_run_policy_resume       (TroupeRun        *run,
                                                  const char       *policy_file,
                                                  TroupeRunPolicy **out,
                                                  GError          **error);
/* Adds the policy's members to a run-started or run-resumed event. */
void             _troupe_run_policy_describe     (TroupeRunPolicy  *self,
                                                  JsonObject       *event);
/* @ready: the run's ready instances (struct _Instance *) in its order,
 * best first. On TROUPE_RUN_POLICY_START, *@chosen is one of them; on
 * TROUPE_RUN_POLICY_END, *@reason (new) says why for the steps skipped,
 * *@run_reason (new) for the run, and *@status is the run's status. */
TroupeRunPolicyVerdict _troupe_run_policy_choose (TroupeRunPolicy  *self,
                                                  GPtrArray        *ready,
                                                  gpointer         *chosen,
                                                  char            **reason,
                                                  char            **run_reason,
                                                  TroupeRunStatus  *status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TroupeRunPolicy, troupe_run_policy_free)

G_END_DECLS
