/* troupe-workflow-builder-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "troupe-enums.h"
#include "troupe-workflow-io.h"

G_BEGIN_DECLS

/* The largest key table (steps) has 17 names. */
#define MAX_KEYS 20

static const char * const top_keys[] = {
  "troupe", "name", "description", "workspace", "defaults", "context",
  "agents", "providers", "steps", "layout", NULL
};
enum {
  TOP_TROUPE, TOP_NAME, TOP_DESCRIPTION, TOP_WORKSPACE, TOP_DEFAULTS,
  TOP_CONTEXT, TOP_AGENTS, TOP_PROVIDERS, TOP_STEPS, TOP_LAYOUT, N_TOP_KEYS
};
G_STATIC_ASSERT (G_N_ELEMENTS (top_keys) == N_TOP_KEYS + 1);

static const char * const defaults_keys[] = {
  "provider", "timeout", "retries", "on_failure", "max_parallel", NULL
};
enum {
  DEFAULTS_PROVIDER, DEFAULTS_TIMEOUT, DEFAULTS_RETRIES, DEFAULTS_ON_FAILURE,
  DEFAULTS_MAX_PARALLEL, N_DEFAULTS_KEYS
};
G_STATIC_ASSERT (G_N_ELEMENTS (defaults_keys) == N_DEFAULTS_KEYS + 1);

static const char * const agent_keys[] = {
  "provider", "color", "description", "max_parallel", NULL
};
enum {
  AGENT_PROVIDER, AGENT_COLOR, AGENT_DESCRIPTION, AGENT_MAX_PARALLEL,
  N_AGENT_KEYS
};
G_STATIC_ASSERT (G_N_ELEMENTS (agent_keys) == N_AGENT_KEYS + 1);

static const char * const provider_keys[] = {
  "command", "input", "output", "env", "max_output", "max_parallel",
  "result", "cost", "tokens", NULL
};
enum {
  PROVIDER_COMMAND, PROVIDER_INPUT, PROVIDER_OUTPUT, PROVIDER_ENV,
  PROVIDER_MAX_OUTPUT, PROVIDER_MAX_PARALLEL, PROVIDER_RESULT, PROVIDER_COST,
  PROVIDER_TOKENS, N_PROVIDER_KEYS
};
G_STATIC_ASSERT (G_N_ELEMENTS (provider_keys) == N_PROVIDER_KEYS + 1);

static const char * const step_keys[] = {
  "kind", "description", "agent", "provider", "prompt", "prompt_file",
  "command", "send", "wait_for", "approval", "needs", "retries", "timeout",
  "on_failure", "outputs", "when", "for_each", NULL
};
enum {
  STEP_KIND, STEP_DESCRIPTION, STEP_AGENT, STEP_PROVIDER, STEP_PROMPT,
  STEP_PROMPT_FILE, STEP_COMMAND, STEP_SEND, STEP_WAIT_FOR, STEP_APPROVAL,
  STEP_NEEDS, STEP_RETRIES, STEP_TIMEOUT, STEP_ON_FAILURE, STEP_OUTPUTS,
  STEP_WHEN, STEP_FOR_EACH, N_STEP_KEYS
};
G_STATIC_ASSERT (G_N_ELEMENTS (step_keys) == N_STEP_KEYS + 1);
G_STATIC_ASSERT (N_STEP_KEYS <= MAX_KEYS);

static const char * const send_keys[] = { "to", "file", "content", NULL };
enum { SEND_TO, SEND_FILE, SEND_CONTENT, N_SEND_KEYS };
G_STATIC_ASSERT (G_N_ELEMENTS (send_keys) == N_SEND_KEYS + 1);

static const char * const wait_keys[] = {
  "glob", "timeout", "poll", "min_count", NULL
};
enum { WAIT_GLOB, WAIT_TIMEOUT, WAIT_POLL, WAIT_MIN_COUNT, N_WAIT_KEYS };
G_STATIC_ASSERT (G_N_ELEMENTS (wait_keys) == N_WAIT_KEYS + 1);

static const char * const retries_keys[] = {
  "max", "backoff", "delay", "max_delay", "jitter", NULL
};
enum {
  RETRIES_MAX, RETRIES_BACKOFF, RETRIES_DELAY, RETRIES_MAX_DELAY,
  RETRIES_JITTER, N_RETRIES_KEYS
};
G_STATIC_ASSERT (G_N_ELEMENTS (retries_keys) == N_RETRIES_KEYS + 1);

/* The file spells the operators with underscores, unlike the enum nicks. */
static const char * const when_keys[] = {
  "equals", "not_equals", "contains", "not_contains", NULL
};
static const TroupeConditionOp when_ops[] = {
  TROUPE_CONDITION_OP_EQUALS, TROUPE_CONDITION_OP_NOT_EQUALS,
  TROUPE_CONDITION_OP_CONTAINS, TROUPE_CONDITION_OP_NOT_CONTAINS,
};
#define N_WHEN_KEYS G_N_ELEMENTS (when_ops)
G_STATIC_ASSERT (G_N_ELEMENTS (when_keys) == N_WHEN_KEYS + 1);

static const char * const layout_keys[] = { "direction", "positions", NULL };
enum { LAYOUT_DIRECTION, LAYOUT_POSITIONS, N_LAYOUT_KEYS };
G_STATIC_ASSERT (G_N_ELEMENTS (layout_keys) == N_LAYOUT_KEYS + 1);

/* The file spells rank directions in capitals, unlike the enum nicks. */
static const char * const direction_names[] = { "TB", "LR", "BT", "RL", NULL };
static const TroupeRankDir direction_values[] = {
  TROUPE_RANK_DIR_TB, TROUPE_RANK_DIR_LR, TROUPE_RANK_DIR_BT, TROUPE_RANK_DIR_RL,
};
G_STATIC_ASSERT (G_N_ELEMENTS (direction_names) == G_N_ELEMENTS (direction_values) + 1);

#define MAX_PARALLEL_LIMIT 1024

/* Where a field lives, for messages: "'wait_for.timeout' of step 'wait'". */
typedef struct
{
  const char *owner;    /* "step", "agent", "provider", or NULL at the top level */
  const char *name;     /* the step id, agent or provider name */
  const char *section;  /* "defaults", "wait_for", "retries", ... or NULL */
  const char *step_id;  /* the diagnostics' step; NULL outside steps */
} Where;

typedef struct
{
  TroupeWorkflow *workflow;
  const char     *filename;
  /* The JSON pointer of the node being read; pushed and popped as the
   * builder descends, so recording a location costs no allocation here. */
  GString        *pointer;
  /* Borrowed strings from the tree for a list being read; reused. */
  GPtrArray      *scratch;
  /* Step id -> its first key node, to name both lines of a duplicate. */
  GHashTable     *step_keys;
  /* The positions under layout, read before the steps so that each is set
   * before its step joins the workflow (no change signals for them):
   * step id -> Position, and the same in file order. */
  GHashTable     *positions;
  GArray         *position_list;
  /* Step ids as suggestion candidates, built only when a position names
   * an unknown step. */
  GPtrArray      *step_ids;
} Builder;

typedef struct
{
  TroupeNode *key;
  double      x;
  double      y;
  gboolean    used;
} Position;

void _troupe_builder_report (Builder        *self,
                             TroupeSeverity  severity,
                             const char     *code,
                             const char     *step_id,
                             TroupeNode     *at,
                             const char     *format,
                             ...) G_GNUC_PRINTF (6, 7);

char *_troupe_builder_describe_field (const Where *where,
                                      const char  *field);

char *_troupe_builder_describe_pair (TroupeNode *first,
                                     TroupeNode *second);

void _troupe_builder_report_wrong_type (Builder     *self,
                                        const Where *where,
                                        const char  *field,
                                        TroupeNode  *at,
                                        const char  *expected,
                                        const char  *example);

gsize _troupe_builder_push (Builder    *self,
                            const char *token);

gsize _troupe_builder_push_index (Builder *self,
                                  guint    index);

void _troupe_builder_pop (Builder *self,
                          gsize    mark);

void _troupe_builder_record (Builder    *self,
                             TroupeNode *node);
/* Enters @field (pushes it on the pointer) and records where @node is:
 * what every reader does first. Returns the mark for _troupe_builder_pop(). */
gsize _troupe_builder_enter (Builder    *self,
                             const char *field,
                             TroupeNode *node);

gboolean _troupe_builder_is_null (TroupeNode *node);

const char *_troupe_builder_scalar_text (TroupeNode *node);

int _troupe_builder_find_name (const char * const *names,
                               const char         *name);

guint _troupe_builder_walk_mapping (Builder            *self,
                                    TroupeNode         *mapping,
                                    const char * const *names,
                                    const Where        *where,
                                    TroupeNode        **keys,
                                    TroupeNode        **values);

gboolean _troupe_builder_check_unique (Builder     *self,
                                       GHashTable  *seen,
                                       TroupeNode  *key,
                                       const Where *where);

gboolean _troupe_builder_parse_int (const char *text,
                                    gint64     *value,
                                    gboolean   *overflow);

gboolean _troupe_builder_parse_double (const char *text,
                                       double     *value);

gboolean _troupe_builder_read_int (Builder     *self,
                                   const Where *where,
                                   const char  *field,
                                   TroupeNode  *node,
                                   gint64       min,
                                   gint64       max,
                                   const char  *example,
                                   gint64      *out);

gboolean _troupe_builder_read_string (Builder     *self,
                                      const Where *where,
                                      const char  *field,
                                      TroupeNode  *node,
                                      const char  *example,
                                      const char **out);

gboolean _troupe_builder_read_duration (Builder     *self,
                                        const Where *where,
                                        const char  *field,
                                        TroupeNode  *node,
                                        gint64      *out);

void _troupe_builder_report_bad_choice (Builder            *self,
                                        const Where        *where,
                                        const char         *field,
                                        TroupeNode         *node,
                                        const char * const *choices,
                                        const char         *listed);

gboolean _troupe_builder_read_enum (Builder     *self,
                                    const Where *where,
                                    const char  *field,
                                    TroupeNode  *node,
                                    GType        type,
                                    int          first_value,
                                    int         *out);

const char * const *_troupe_builder_read_strv (Builder     *self,
                                               const Where *where,
                                               const char  *field,
                                               TroupeNode  *node,
                                               const char  *expected,
                                               const char  *example);

gboolean _troupe_builder_read_retries (Builder           *self,
                                       const Where       *where,
                                       const char        *section,
                                       TroupeNode        *node,
                                       TroupeRetryPolicy *out);

void _troupe_builder_read_string_map (Builder     *self,
                                      const Where *where,
                                      const char  *field,
                                      TroupeNode  *node,
                                      const char  *example,
                                      void       (*set) (gpointer    target,
                                                         const char *key,
                                                         const char *value),
                                      gpointer     target);

void _troupe_builder_build_steps (Builder    *self,
                                  TroupeNode *node);

void _troupe_builder_report_unused_positions (Builder *self);

void _troupe_builder_build_layout (Builder    *self,
                                   TroupeNode *node);

G_END_DECLS
