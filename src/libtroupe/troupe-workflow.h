/* troupe-workflow.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "troupe-agent.h"
#include "troupe-diagnostic.h"
#include "troupe-provider.h"
#include "troupe-retry-policy.h"
#include "troupe-step.h"
#include "troupe-types.h"

G_BEGIN_DECLS

#define TROUPE_TYPE_WORKFLOW (troupe_workflow_get_type ())
#define TROUPE_WORKFLOW_ERROR (troupe_workflow_error_quark ())

typedef enum
{
  TROUPE_WORKFLOW_ERROR_DUPLICATE_STEP,
  TROUPE_WORKFLOW_ERROR_UNKNOWN_STEP,
  TROUPE_WORKFLOW_ERROR_CYCLE,
  TROUPE_WORKFLOW_ERROR_INVALID_ID,
  TROUPE_WORKFLOW_ERROR_PARSE,
  TROUPE_WORKFLOW_ERROR_IO,
  TROUPE_WORKFLOW_ERROR_FORMAT,
} TroupeWorkflowError;

/* The file format version this library reads and writes. */
#define TROUPE_FORMAT_VERSION 1

G_DECLARE_FINAL_TYPE (TroupeWorkflow, troupe_workflow, TROUPE, WORKFLOW, GObject)

GQuark            troupe_workflow_error_quark          (void);

TroupeWorkflow   *troupe_workflow_new                  (void);
/* TRUE when @a and @b would be saved as the same file. */
gboolean          troupe_workflow_equal                (TroupeWorkflow     *a,
                                                        TroupeWorkflow     *b);

/* A step id is 1-64 characters of [A-Za-z0-9_-] starting with a letter or
 * digit: it appears in file names, templates and exports. */
gboolean          troupe_step_id_is_valid              (const char         *id);

const char       *troupe_workflow_get_name             (TroupeWorkflow     *self);
void              troupe_workflow_set_name             (TroupeWorkflow     *self,
                                                        const char         *name);
const char       *troupe_workflow_get_description      (TroupeWorkflow     *self);
void              troupe_workflow_set_description      (TroupeWorkflow     *self,
                                                        const char         *description);
/* As written in the file, relative to the file's folder; NULL means ".". */
const char       *troupe_workflow_get_workspace        (TroupeWorkflow     *self);
void              troupe_workflow_set_workspace        (TroupeWorkflow     *self,
                                                        const char         *workspace);
/* The absolute workspace folder: the workspace resolved against the
 * folder of the file the workflow came from (or the current folder). */
char             *troupe_workflow_dup_workspace_root   (TroupeWorkflow     *self);

/* Where the workflow was loaded from or saved to (not saved in the file). */
const char       *troupe_workflow_get_file             (TroupeWorkflow     *self);
void              troupe_workflow_set_file             (TroupeWorkflow     *self,
                                                        const char         *path);

/* defaults: */
const char       *troupe_workflow_get_default_provider (TroupeWorkflow     *self);
void              troupe_workflow_set_default_provider (TroupeWorkflow     *self,
                                                        const char         *provider);
gint64            troupe_workflow_get_default_timeout  (TroupeWorkflow     *self);
void              troupe_workflow_set_default_timeout  (TroupeWorkflow     *self,
                                                        gint64              ms);
const TroupeRetryPolicy *troupe_workflow_get_default_retries (TroupeWorkflow *self);
void              troupe_workflow_set_default_retries  (TroupeWorkflow     *self,
                                                        const TroupeRetryPolicy *retries);
TroupeFailurePolicy troupe_workflow_get_default_on_failure (TroupeWorkflow *self);
void              troupe_workflow_set_default_on_failure (TroupeWorkflow   *self,
                                                          TroupeFailurePolicy policy);
/* 0: not set (the runner uses the number of cores). */
guint             troupe_workflow_get_max_parallel     (TroupeWorkflow     *self);
void              troupe_workflow_set_max_parallel     (TroupeWorkflow     *self,
                                                        guint               max_parallel);

TroupeRankDir     troupe_workflow_get_rank_dir         (TroupeWorkflow     *self);
void              troupe_workflow_set_rank_dir         (TroupeWorkflow     *self,
                                                        TroupeRankDir       rank_dir);

/* context variables, in insertion order */
const char       *troupe_workflow_get_context          (TroupeWorkflow     *self,
                                                        const char         *key);
/* A NULL @value removes @key. */
void              troupe_workflow_set_context          (TroupeWorkflow     *self,
                                                        const char         *key,
                                                        const char         *value);
/* The keys in insertion order (borrowed, NULL-terminated). */
const char * const *troupe_workflow_get_context_keys   (TroupeWorkflow     *self);

/* agents and providers, in insertion order (borrowed arrays) */
GPtrArray        *troupe_workflow_get_agents           (TroupeWorkflow     *self);
TroupeAgent      *troupe_workflow_lookup_agent         (TroupeWorkflow     *self,
                                                        const char         *name);
/* Replaces an agent of the same name in place. */
void              troupe_workflow_add_agent            (TroupeWorkflow     *self,
                                                        TroupeAgent        *agent);
gboolean          troupe_workflow_remove_agent         (TroupeWorkflow     *self,
                                                        const char         *name);
GPtrArray        *troupe_workflow_get_providers        (TroupeWorkflow     *self);
/* Only the workflow's own providers; see troupe_workflow_resolve_provider(). */
TroupeProvider   *troupe_workflow_lookup_provider      (TroupeWorkflow     *self,
                                                        const char         *name);
void              troupe_workflow_add_provider         (TroupeWorkflow     *self,
                                                        TroupeProvider     *provider);
gboolean          troupe_workflow_remove_provider      (TroupeWorkflow     *self,
                                                        const char         *name);
/* The provider name a step runs with: its own, else its agent's, else the
 * workflow default; NULL when none applies (command steps use "shell"). */
const char       *troupe_workflow_get_step_provider_name (TroupeWorkflow   *self,
                                                          TroupeStep       *step);
/* The workflow's own provider of that name, else a built-in; full ref. */
TroupeProvider   *troupe_workflow_resolve_provider     (TroupeWorkflow     *self,
                                                        const char         *name);

/* steps, in file order (borrowed array of TroupeStep*) */
GPtrArray        *troupe_workflow_get_steps            (TroupeWorkflow     *self);
guint             troupe_workflow_get_n_steps          (TroupeWorkflow     *self);
TroupeStep       *troupe_workflow_lookup_step          (TroupeWorkflow     *self,
                                                        const char         *id);
/* Index of the step in file order, or -1. */
int               troupe_workflow_get_step_index       (TroupeWorkflow     *self,
                                                        const char         *id);
/* Adds @step (taking a reference) at the end, or at @position (-1: end).
 * Fails when the id is taken or invalid. Edges to steps that @step needs
 * are announced with edge-added. */
gboolean          troupe_workflow_add_step             (TroupeWorkflow     *self,
                                                        TroupeStep         *step,
                                                        GError            **error);
gboolean          troupe_workflow_insert_step          (TroupeWorkflow     *self,
                                                        TroupeStep         *step,
                                                        int                 position,
                                                        GError            **error);
/* Removes the step and every edge to and from it. */
gboolean          troupe_workflow_remove_step          (TroupeWorkflow     *self,
                                                        const char         *id,
                                                        GError            **error);
/* Renames a step and rewrites every reference to it: needs, for_each and
 * ${steps.ID...} templates in when-conditions. */
gboolean          troupe_workflow_rename_step          (TroupeWorkflow     *self,
                                                        const char         *old_id,
                                                        const char         *new_id,
                                                        GError            **error);
/* An id not yet used, made from @base ("step", "step-2", ...). */
char             *troupe_workflow_make_unique_id       (TroupeWorkflow     *self,
                                                        const char         *base);

/* Edges: @from -> @to means @to needs @from. Connecting refuses an edge
 * that would close a cycle, with TROUPE_WORKFLOW_ERROR_CYCLE and a message
 * that lists the cycle in order. Connecting an existing edge is a no-op. */
gboolean          troupe_workflow_connect              (TroupeWorkflow     *self,
                                                        const char         *from,
                                                        const char         *to,
                                                        GError            **error);
gboolean          troupe_workflow_disconnect           (TroupeWorkflow     *self,
                                                        const char         *from,
                                                        const char         *to,
                                                        GError            **error);
/* TRUE when adding @from -> @to would close a cycle; @cycle (optional)
 * receives the step ids of that cycle in order, starting at @to. */
gboolean          troupe_workflow_would_cycle          (TroupeWorkflow     *self,
                                                        const char         *from,
                                                        const char         *to,
                                                        GStrv              *cycle);

/* Graph queries. Steps named in needs that do not exist are ignored. */
/* NULL with TROUPE_WORKFLOW_ERROR_CYCLE when the graph has a cycle; else
 * every step, dependencies first, ties broken by file order. */
GPtrArray        *troupe_workflow_topological_order    (TroupeWorkflow     *self,
                                                        GError            **error);
/* A cycle as step ids in edge order (first id not repeated), or NULL. */
GStrv             troupe_workflow_find_cycle           (TroupeWorkflow     *self);
GPtrArray        *troupe_workflow_get_roots            (TroupeWorkflow     *self);
GPtrArray        *troupe_workflow_get_sinks            (TroupeWorkflow     *self);
/* Steps that need @id directly, in file order. */
GPtrArray        *troupe_workflow_get_dependents       (TroupeWorkflow     *self,
                                                        const char         *id);
/* Every step reachable from @id along edges, in file order. */
GPtrArray        *troupe_workflow_get_descendants      (TroupeWorkflow     *self,
                                                        const char         *id);
/* Every step @id depends on, directly or not, in file order. */
GPtrArray        *troupe_workflow_get_ancestors        (TroupeWorkflow     *self,
                                                        const char         *id);
/* Number of steps on the longest path from @id to a sink, @id included
 * (a sink has 1); 0 for an unknown id or when a cycle is reachable. */
guint             troupe_workflow_get_path_length_to_sink (TroupeWorkflow  *self,
                                                           const char      *id);

/* Where things were in the file the workflow was read from. @pointer is a
 * JSON pointer into the document ("/steps/build/needs/1"). Loaders fill
 * this; edits do not update it. */
void              troupe_workflow_set_location         (TroupeWorkflow     *self,
                                                        const char         *pointer,
                                                        guint               line,
                                                        guint               column);
gboolean          troupe_workflow_get_location         (TroupeWorkflow     *self,
                                                        const char         *pointer,
                                                        guint              *line,
                                                        guint              *column);
void              troupe_workflow_clear_locations      (TroupeWorkflow     *self);

/* Problems found while reading the file that the model cannot hold
 * (unknown keys, wrong types); validation reports them. */
void              troupe_workflow_add_load_diagnostic  (TroupeWorkflow     *self,
                                                        TroupeDiagnostic   *diagnostic);
GPtrArray        *troupe_workflow_get_load_diagnostics (TroupeWorkflow     *self);
void              troupe_workflow_clear_load_diagnostics (TroupeWorkflow   *self);


G_END_DECLS
