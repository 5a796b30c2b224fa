/* troupe-validator-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "troupe-validator.h"

G_BEGIN_DECLS

#define NO_INDEX G_MAXUINT

typedef struct
{
  TroupeWorkflow  *workflow;
  GPtrArray       *diagnostics;
  const char      *file;
  char            *workspace_root;

  GPtrArray       *steps;           /* borrowed */
  guint            n_steps;
  GHashTable      *index;           /* step id -> index + 1 */

  /* NULL-terminated name lists for did-you-mean suggestions. */
  const char     **step_ids;
  const char     **agent_names;
  const char     **provider_names;  /* the workflow's own and the built-ins */
  char            *builtin_list;    /* "claude, codex, ..." for messages */

  /* Needs as CSR arrays: the steps i needs are needs_to[needs_at[i]
   * .. needs_at[i + 1]), the steps that need i are dependents_to[...]. Needs
   * that name a missing step, or the step itself, are left out. */
  guint           *needs_at;
  guint           *needs_to;
  guint           *dependents_at;
  guint           *dependents_to;

  /* Strongly connected components: comp[i] numbers i's component in
   * topological order, so along every need edge u -> v, comp[u] <= comp[v]. */
  guint           *comp;

  /* Scratch for searches: a node is visited when stamp[i] == generation. */
  guint           *stamp;
  guint            generation;
  guint           *queue;
  guint           *parent;

  /* References to other steps' results waiting for an answer. */
  GArray          *references;
} Validator;

/* A reference from step @step to the result of step @target, whose answer
 * ("is @target upstream of @step?") waits for
 * _troupe_validator_resolve_references(). */
typedef struct
{
  guint       step;
  guint       target;
  const char *where;
  char       *pointer;
  char       *spelled;
  gboolean    upstream;
} Reference;

/* What a step's templates may use, and what it already used: each step id
 * and each variable is checked once per step. */
typedef struct
{
  guint       self;
  const char *id;
  gboolean    has_for_each;
  GHashTable *seen;
} Scope;

void _troupe_validator_report (Validator      *v,
                               TroupeSeverity  severity,
                               const char     *code,
                               const char     *step_id,
                               const char     *pointer,
                               const char     *format,
                               ...) G_GNUC_PRINTF (6, 7);

char *_troupe_validator_suggestion (const char         *word,
                                    const char * const *candidates,
                                    const char         *otherwise);

guint _troupe_validator_lookup_index (Validator  *v,
                                      const char *id);

TroupeStep *_troupe_validator_step_at (Validator *v,
                                       guint      i);

void _troupe_validator_collect_names (Validator *v);

void _troupe_validator_build_graph (Validator *v);

void _troupe_validator_find_components (Validator *v);

void _troupe_validator_check_needs (Validator  *v,
                                    TroupeStep *step,
                                    const char *id);

void _troupe_validator_reference_clear (gpointer data);

void _troupe_validator_report_not_upstream (Validator  *v,
                                            guint       self,
                                            guint       target_index,
                                            const char *pointer,
                                            const char *where,
                                            const char *spelled);

void _troupe_validator_check_template (Validator  *v,
                                       Scope      *scope,
                                       const char *step_id,
                                       const char *provider,
                                       const char *text,
                                       const char *pointer,
                                       const char *where);

void _troupe_validator_check_step_templates (Validator  *v,
                                             TroupeStep *step,
                                             guint       self,
                                             const char *id);

void _troupe_validator_resolve_references (Validator *v);

G_END_DECLS
