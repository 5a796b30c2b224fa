/* troupe-types.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _TroupeAgent      TroupeAgent;
typedef struct _TroupeDiagnostic TroupeDiagnostic;
typedef struct _TroupeNode       TroupeNode;
typedef struct _TroupeProvider   TroupeProvider;
typedef struct _TroupeStep       TroupeStep;
typedef struct _TroupeWorkflow   TroupeWorkflow;

/* A duration that was not given: the step inherits the workflow's default. */
#define TROUPE_DURATION_UNSET ((gint64) -1)

typedef enum
{
  TROUPE_STEP_KIND_AGENT,
  TROUPE_STEP_KIND_COMMAND,
  TROUPE_STEP_KIND_SEND,
  TROUPE_STEP_KIND_WAIT,
  TROUPE_STEP_KIND_APPROVAL,
} TroupeStepKind;

typedef enum
{
  TROUPE_BACKOFF_FIXED,
  TROUPE_BACKOFF_EXPONENTIAL,
} TroupeBackoff;

/* INHERIT means "not set on this step": the workflow default applies. */
typedef enum
{
  TROUPE_FAILURE_POLICY_INHERIT,
  TROUPE_FAILURE_POLICY_STOP,
  TROUPE_FAILURE_POLICY_SKIP_DEPENDENTS,
  TROUPE_FAILURE_POLICY_CONTINUE,
} TroupeFailurePolicy;

typedef enum
{
  TROUPE_CONDITION_OP_NONE,
  TROUPE_CONDITION_OP_EQUALS,
  TROUPE_CONDITION_OP_NOT_EQUALS,
  TROUPE_CONDITION_OP_CONTAINS,
  TROUPE_CONDITION_OP_NOT_CONTAINS,
} TroupeConditionOp;

typedef enum
{
  TROUPE_RANK_DIR_TB,
  TROUPE_RANK_DIR_LR,
  TROUPE_RANK_DIR_BT,
  TROUPE_RANK_DIR_RL,
} TroupeRankDir;

typedef enum
{
  TROUPE_INPUT_MODE_ARGV,
  TROUPE_INPUT_MODE_STDIN,
} TroupeInputMode;

typedef enum
{
  TROUPE_OUTPUT_FORMAT_TEXT,
  TROUPE_OUTPUT_FORMAT_LINES,
  TROUPE_OUTPUT_FORMAT_JSON,
} TroupeOutputFormat;

typedef enum
{
  TROUPE_SEVERITY_ERROR,
  TROUPE_SEVERITY_WARNING,
} TroupeSeverity;

/* The status of one step instance in a run (see events.jsonl). */
typedef enum
{
  TROUPE_STEP_STATUS_PENDING,
  TROUPE_STEP_STATUS_READY,
  TROUPE_STEP_STATUS_RUNNING,
  TROUPE_STEP_STATUS_RETRYING,
  TROUPE_STEP_STATUS_WAITING_APPROVAL,
  TROUPE_STEP_STATUS_SUCCEEDED,
  TROUPE_STEP_STATUS_FAILED,
  TROUPE_STEP_STATUS_SKIPPED,
  TROUPE_STEP_STATUS_CANCELLED,
} TroupeStepStatus;

typedef enum
{
  TROUPE_RUN_STATUS_PENDING,
  TROUPE_RUN_STATUS_RUNNING,
  TROUPE_RUN_STATUS_SUCCEEDED,
  TROUPE_RUN_STATUS_FAILED,
  TROUPE_RUN_STATUS_CANCELLED,
  TROUPE_RUN_STATUS_INTERRUPTED,
} TroupeRunStatus;

/* What cancelling a run does to steps already running. */
typedef enum
{
  TROUPE_CANCEL_POLICY_CASCADING,
  TROUPE_CANCEL_POLICY_ISOLATED,
} TroupeCancelPolicy;

typedef enum
{
  TROUPE_FILE_FORMAT_YAML,
  TROUPE_FILE_FORMAT_JSON,
  TROUPE_FILE_FORMAT_DOT,
  TROUPE_FILE_FORMAT_MERMAID,
  TROUPE_FILE_FORMAT_SVG,
  TROUPE_FILE_FORMAT_PNG,
} TroupeFileFormat;

/* Returns the nick of @value in the enum @type ("skip-dependents"), or NULL. */
const char *troupe_enum_to_nick   (GType       type,
                                   int         value);
/* Parses a nick; returns FALSE when @nick names no value of @type. */
gboolean    troupe_enum_from_nick (GType       type,
                                   const char *nick,
                                   int        *value);
/* "stop, skip-dependents, continue": for error messages. */
char       *troupe_enum_list_nicks (GType      type,
                                    int        first_value);

G_END_DECLS
