/* troupe-step.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "troupe-enums.h"
#include "troupe-step-private.h"
#include "troupe-strutil.h"
#include "troupe-workflow-private.h"

struct _TroupeStep
{
  GObject              parent_instance;

  char                *id;
  char                *description;
  char                *agent;
  char                *provider;
  char                *prompt;
  char                *prompt_file;
  char               **command;
  char                *send_to;
  char                *send_file;
  char                *send_content;
  char                *wait_glob;
  char                *approval;
  char               **needs;
  TroupeRetryPolicy   *retries;
  char               **outputs;
  char                *when_left;
  char                *when_right;
  char                *for_each;

  /* Borrowed: the workflow owns its steps. */
  TroupeWorkflow      *workflow;

  gint64               wait_timeout;
  gint64               wait_poll;
  gint64               timeout;
  double               x;
  double               y;
  guint                wait_min_count;
  TroupeStepKind       kind;
  TroupeFailurePolicy  on_failure;
  TroupeConditionOp    when_op;

  guint                has_position : 1;
};

G_DEFINE_FINAL_TYPE (TroupeStep, troupe_step, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_KIND,
  PROP_DESCRIPTION,
  PROP_AGENT,
  PROP_PROVIDER,
  PROP_PROMPT,
  PROP_PROMPT_FILE,
  PROP_COMMAND,
  PROP_SEND_TO,
  PROP_SEND_FILE,
  PROP_SEND_CONTENT,
  PROP_WAIT_GLOB,
  PROP_WAIT_TIMEOUT,
  PROP_WAIT_POLL,
  PROP_WAIT_MIN_COUNT,
  PROP_APPROVAL,
  PROP_NEEDS,
  PROP_RETRIES,
  PROP_TIMEOUT,
  PROP_ON_FAILURE,
  PROP_OUTPUTS,
  PROP_WHEN_OP,
  PROP_WHEN_LEFT,
  PROP_WHEN_RIGHT,
  PROP_FOR_EACH,
  PROP_X,
  PROP_Y,
  PROP_HAS_POSITION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
notify (TroupeStep *self,
        guint       prop_id)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
troupe_step_finalize (GObject *object)
{
  TroupeStep *self = (TroupeStep *)object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->description, g_free);
  g_clear_pointer (&self->agent, g_free);
  g_clear_pointer (&self->provider, g_free);
  g_clear_pointer (&self->prompt, g_free);
  g_clear_pointer (&self->prompt_file, g_free);
  g_clear_pointer (&self->command, g_strfreev);
  g_clear_pointer (&self->send_to, g_free);
  g_clear_pointer (&self->send_file, g_free);
  g_clear_pointer (&self->send_content, g_free);
  g_clear_pointer (&self->wait_glob, g_free);
  g_clear_pointer (&self->approval, g_free);
  g_clear_pointer (&self->needs, g_strfreev);
  g_clear_pointer (&self->retries, troupe_retry_policy_free);
  g_clear_pointer (&self->outputs, g_strfreev);
  g_clear_pointer (&self->when_left, g_free);
  g_clear_pointer (&self->when_right, g_free);
  g_clear_pointer (&self->for_each, g_free);

  G_OBJECT_CLASS (troupe_step_parent_class)->finalize (object);
}

static void
troupe_step_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TroupeStep *self = TROUPE_STEP (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_KIND: g_value_set_enum (value, self->kind); break;
    case PROP_DESCRIPTION: g_value_set_string (value, self->description); break;
    case PROP_AGENT: g_value_set_string (value, self->agent); break;
    case PROP_PROVIDER: g_value_set_string (value, self->provider); break;
    case PROP_PROMPT: g_value_set_string (value, self->prompt); break;
    case PROP_PROMPT_FILE: g_value_set_string (value, self->prompt_file); break;
    case PROP_COMMAND: g_value_set_boxed (value, self->command); break;
    case PROP_SEND_TO: g_value_set_string (value, self->send_to); break;
    case PROP_SEND_FILE: g_value_set_string (value, self->send_file); break;
    case PROP_SEND_CONTENT: g_value_set_string (value, self->send_content); break;
    case PROP_WAIT_GLOB: g_value_set_string (value, self->wait_glob); break;
    case PROP_WAIT_TIMEOUT: g_value_set_int64 (value, self->wait_timeout); break;
    case PROP_WAIT_POLL: g_value_set_int64 (value, self->wait_poll); break;
    case PROP_WAIT_MIN_COUNT: g_value_set_uint (value, self->wait_min_count); break;
    case PROP_APPROVAL: g_value_set_string (value, self->approval); break;
    case PROP_NEEDS: g_value_set_boxed (value, self->needs); break;
    case PROP_RETRIES: g_value_set_boxed (value, self->retries); break;
    case PROP_TIMEOUT: g_value_set_int64 (value, self->timeout); break;
    case PROP_ON_FAILURE: g_value_set_enum (value, self->on_failure); break;
    case PROP_OUTPUTS: g_value_set_boxed (value, self->outputs); break;
    case PROP_WHEN_OP: g_value_set_enum (value, self->when_op); break;
    case PROP_WHEN_LEFT: g_value_set_string (value, self->when_left); break;
    case PROP_WHEN_RIGHT: g_value_set_string (value, self->when_right); break;
    case PROP_FOR_EACH: g_value_set_string (value, self->for_each); break;
    case PROP_X: g_value_set_double (value, self->x); break;
    case PROP_Y: g_value_set_double (value, self->y); break;
    case PROP_HAS_POSITION: g_value_set_boolean (value, self->has_position); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_step_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  TroupeStep *self = TROUPE_STEP (object);

  switch (prop_id)
    {
    case PROP_ID:
      /* Construct-only; renames go through the workflow. */
      self->id = g_value_dup_string (value);
      break;
    case PROP_KIND: troupe_step_set_kind (self, g_value_get_enum (value)); break;
    case PROP_DESCRIPTION: troupe_step_set_description (self, g_value_get_string (value)); break;
    case PROP_AGENT: troupe_step_set_agent (self, g_value_get_string (value)); break;
    case PROP_PROVIDER: troupe_step_set_provider (self, g_value_get_string (value)); break;
    case PROP_PROMPT: troupe_step_set_prompt (self, g_value_get_string (value)); break;
    case PROP_PROMPT_FILE: troupe_step_set_prompt_file (self, g_value_get_string (value)); break;
    case PROP_COMMAND: troupe_step_set_command (self, g_value_get_boxed (value)); break;
    case PROP_SEND_TO: troupe_step_set_send_to (self, g_value_get_string (value)); break;
    case PROP_SEND_FILE: troupe_step_set_send_file (self, g_value_get_string (value)); break;
    case PROP_SEND_CONTENT: troupe_step_set_send_content (self, g_value_get_string (value)); break;
    case PROP_WAIT_GLOB: troupe_step_set_wait_glob (self, g_value_get_string (value)); break;
    case PROP_WAIT_TIMEOUT: troupe_step_set_wait_timeout (self, g_value_get_int64 (value)); break;
    case PROP_WAIT_POLL: troupe_step_set_wait_poll (self, g_value_get_int64 (value)); break;
    case PROP_WAIT_MIN_COUNT: troupe_step_set_wait_min_count (self, g_value_get_uint (value)); break;
    case PROP_APPROVAL: troupe_step_set_approval (self, g_value_get_string (value)); break;
    case PROP_NEEDS: troupe_step_set_needs (self, g_value_get_boxed (value)); break;
    case PROP_RETRIES: troupe_step_set_retries (self, g_value_get_boxed (value)); break;
    case PROP_TIMEOUT: troupe_step_set_timeout (self, g_value_get_int64 (value)); break;
    case PROP_ON_FAILURE: troupe_step_set_on_failure (self, g_value_get_enum (value)); break;
    case PROP_OUTPUTS: troupe_step_set_outputs (self, g_value_get_boxed (value)); break;
    case PROP_WHEN_OP:
      troupe_step_set_when (self, g_value_get_enum (value), self->when_left, self->when_right);
      break;
    case PROP_WHEN_LEFT:
      troupe_step_set_when (self, self->when_op, g_value_get_string (value), self->when_right);
      break;
    case PROP_WHEN_RIGHT:
      troupe_step_set_when (self, self->when_op, self->when_left, g_value_get_string (value));
      break;
    case PROP_FOR_EACH: troupe_step_set_for_each (self, g_value_get_string (value)); break;
    case PROP_X: troupe_step_set_position (self, g_value_get_double (value), self->y); break;
    case PROP_Y: troupe_step_set_position (self, self->x, g_value_get_double (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RW (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)

static void
troupe_step_class_init (TroupeStepClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = troupe_step_finalize;
  object_class->get_property = troupe_step_get_property;
  object_class->set_property = troupe_step_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL, TROUPE_TYPE_STEP_KIND, TROUPE_STEP_KIND_AGENT, RW);
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, RW);
  properties[PROP_AGENT] = g_param_spec_string ("agent", NULL, NULL, NULL, RW);
  properties[PROP_PROVIDER] = g_param_spec_string ("provider", NULL, NULL, NULL, RW);
  properties[PROP_PROMPT] = g_param_spec_string ("prompt", NULL, NULL, NULL, RW);
  properties[PROP_PROMPT_FILE] = g_param_spec_string ("prompt-file", NULL, NULL, NULL, RW);
  properties[PROP_COMMAND] = g_param_spec_boxed ("command", NULL, NULL, G_TYPE_STRV, RW);
  properties[PROP_SEND_TO] = g_param_spec_string ("send-to", NULL, NULL, NULL, RW);
  properties[PROP_SEND_FILE] = g_param_spec_string ("send-file", NULL, NULL, NULL, RW);
  properties[PROP_SEND_CONTENT] = g_param_spec_string ("send-content", NULL, NULL, NULL, RW);
  properties[PROP_WAIT_GLOB] = g_param_spec_string ("wait-glob", NULL, NULL, NULL, RW);
  properties[PROP_WAIT_TIMEOUT] =
    g_param_spec_int64 ("wait-timeout", NULL, NULL, -1, G_MAXINT64, TROUPE_DURATION_UNSET, RW);
  properties[PROP_WAIT_POLL] =
    g_param_spec_int64 ("wait-poll", NULL, NULL, -1, G_MAXINT64, TROUPE_DURATION_UNSET, RW);
  properties[PROP_WAIT_MIN_COUNT] =
    g_param_spec_uint ("wait-min-count", NULL, NULL, 0, G_MAXUINT, 1, RW);
  properties[PROP_APPROVAL] = g_param_spec_string ("approval", NULL, NULL, NULL, RW);
  properties[PROP_NEEDS] = g_param_spec_boxed ("needs", NULL, NULL, G_TYPE_STRV, RW);
  properties[PROP_RETRIES] =
    g_param_spec_boxed ("retries", NULL, NULL, TROUPE_TYPE_RETRY_POLICY, RW);
  properties[PROP_TIMEOUT] =
    g_param_spec_int64 ("timeout", NULL, NULL, -1, G_MAXINT64, TROUPE_DURATION_UNSET, RW);
  properties[PROP_ON_FAILURE] =
    g_param_spec_enum ("on-failure", NULL, NULL, TROUPE_TYPE_FAILURE_POLICY,
                       TROUPE_FAILURE_POLICY_INHERIT, RW);
  properties[PROP_OUTPUTS] = g_param_spec_boxed ("outputs", NULL, NULL, G_TYPE_STRV, RW);
  properties[PROP_WHEN_OP] =
    g_param_spec_enum ("when-op", NULL, NULL, TROUPE_TYPE_CONDITION_OP,
                       TROUPE_CONDITION_OP_NONE, RW);
  properties[PROP_WHEN_LEFT] = g_param_spec_string ("when-left", NULL, NULL, NULL, RW);
  properties[PROP_WHEN_RIGHT] = g_param_spec_string ("when-right", NULL, NULL, NULL, RW);
  properties[PROP_FOR_EACH] = g_param_spec_string ("for-each", NULL, NULL, NULL, RW);
  properties[PROP_X] = g_param_spec_double ("x", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, RW);
  properties[PROP_Y] = g_param_spec_double ("y", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, RW);
  properties[PROP_HAS_POSITION] =
    g_param_spec_boolean ("has-position", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

#undef RW

static void
troupe_step_init (TroupeStep *self)
{
  self->wait_timeout = TROUPE_DURATION_UNSET;
  self->wait_poll = TROUPE_DURATION_UNSET;
  self->timeout = TROUPE_DURATION_UNSET;
  self->wait_min_count = 1;
}

TroupeStep *
troupe_step_new (const char     *id,
                 TroupeStepKind  kind)
{
  g_return_val_if_fail (id != NULL, NULL);

  return g_object_new (TROUPE_TYPE_STEP, "id", id, "kind", kind, NULL);
}

TroupeStep *
troupe_step_copy (TroupeStep *self)
{
  TroupeStep *copy;

  g_return_val_if_fail (TROUPE_IS_STEP (self), NULL);

  copy = troupe_step_new (self->id, self->kind);
  copy->description = g_strdup (self->description);
  copy->agent = g_strdup (self->agent);
  copy->provider = g_strdup (self->provider);
  copy->prompt = g_strdup (self->prompt);
  copy->prompt_file = g_strdup (self->prompt_file);
  copy->command = g_strdupv (self->command);
  copy->send_to = g_strdup (self->send_to);
  copy->send_file = g_strdup (self->send_file);
  copy->send_content = g_strdup (self->send_content);
  copy->wait_glob = g_strdup (self->wait_glob);
  copy->approval = g_strdup (self->approval);
  copy->needs = g_strdupv (self->needs);
  copy->retries = self->retries ? troupe_retry_policy_copy (self->retries) : NULL;
  copy->outputs = g_strdupv (self->outputs);
  copy->when_left = g_strdup (self->when_left);
  copy->when_right = g_strdup (self->when_right);
  copy->for_each = g_strdup (self->for_each);
  copy->wait_timeout = self->wait_timeout;
  copy->wait_poll = self->wait_poll;
  copy->timeout = self->timeout;
  copy->x = self->x;
  copy->y = self->y;
  copy->wait_min_count = self->wait_min_count;
  copy->on_failure = self->on_failure;
  copy->when_op = self->when_op;
  copy->has_position = self->has_position;

  return copy;
}

gboolean
troupe_step_equal (TroupeStep *a,
                   TroupeStep *b)
{
  g_return_val_if_fail (TROUPE_IS_STEP (a), FALSE);
  g_return_val_if_fail (TROUPE_IS_STEP (b), FALSE);

#define SAME_STR(f) troupe_str_equal0 (a->f, b->f)
#define SAME_STRV(f) troupe_strv_equal0 ((const char * const *) a->f, (const char * const *) b->f)
  return SAME_STR (id) && a->kind == b->kind && SAME_STR (description) &&
         SAME_STR (agent) && SAME_STR (provider) && SAME_STR (prompt) &&
         SAME_STR (prompt_file) && SAME_STRV (command) && SAME_STR (send_to) &&
         SAME_STR (send_file) && SAME_STR (send_content) && SAME_STR (wait_glob) &&
         a->wait_timeout == b->wait_timeout && a->wait_poll == b->wait_poll &&
         a->wait_min_count == b->wait_min_count && SAME_STR (approval) &&
         SAME_STRV (needs) && troupe_retry_policy_equal (a->retries, b->retries) &&
         a->timeout == b->timeout && a->on_failure == b->on_failure &&
         SAME_STRV (outputs) && a->when_op == b->when_op && SAME_STR (when_left) &&
         SAME_STR (when_right) && SAME_STR (for_each) &&
         a->has_position == b->has_position &&
         (!a->has_position || (a->x == b->x && a->y == b->y));
#undef SAME_STR
#undef SAME_STRV
}

const char *
troupe_step_get_id (TroupeStep *self)
{
  g_return_val_if_fail (TROUPE_IS_STEP (self), NULL);

  return self->id;
}

void
troupe_step_set_id (TroupeStep *self,
                    const char *id)
{
  g_return_if_fail (TROUPE_IS_STEP (self));
  g_return_if_fail (id != NULL);
  /* Inside a workflow, every reference to the step must follow the new
   * name: that is troupe_workflow_rename_step()'s job. */
  g_return_if_fail (self->workflow == NULL);

  _troupe_step_set_id (self, id);
}

void
_troupe_step_set_id (TroupeStep *self,
                     const char *id)
{
  if (troupe_set_str (&self->id, id))
    notify (self, PROP_ID);
}

TroupeWorkflow *
troupe_step_get_workflow (TroupeStep *self)
{
  g_return_val_if_fail (TROUPE_IS_STEP (self), NULL);

  return self->workflow;
}

void
_troupe_step_set_workflow (TroupeStep     *self,
                           TroupeWorkflow *workflow)
{
  self->workflow = workflow;
}

TroupeStepKind
troupe_step_get_kind (TroupeStep *self)
{
  g_return_val_if_fail (TROUPE_IS_STEP (self), 0);

  return self->kind;
}

void
troupe_step_set_kind (TroupeStep     *self,
                      TroupeStepKind  kind)
{
  g_return_if_fail (TROUPE_IS_STEP (self));

  if (self->kind != kind)
    {
      self->kind = kind;
      notify (self, PROP_KIND);
    }
}

#define DEFINE_STRING_ACCESSORS(field, PROP)                    \
const char *                                                    \
troupe_step_get_##field (TroupeStep *self)                      \
{                                                               \
  g_return_val_if_fail (TROUPE_IS_STEP (self), NULL);           \
  return self->field;                                           \
}                                                               \
void                                                            \
troupe_step_set_##field (TroupeStep *self,                      \
                         const char *value)                     \
{                                                               \
  g_return_if_fail (TROUPE_IS_STEP (self));                     \
  if (troupe_set_str (&self->field, value))                     \
    notify (self, PROP);                                        \
}

DEFINE_STRING_ACCESSORS (description, PROP_DESCRIPTION)
DEFINE_STRING_ACCESSORS (agent, PROP_AGENT)
DEFINE_STRING_ACCESSORS (provider, PROP_PROVIDER)
DEFINE_STRING_ACCESSORS (prompt, PROP_PROMPT)
DEFINE_STRING_ACCESSORS (prompt_file, PROP_PROMPT_FILE)
DEFINE_STRING_ACCESSORS (send_to, PROP_SEND_TO)
DEFINE_STRING_ACCESSORS (send_file, PROP_SEND_FILE)
DEFINE_STRING_ACCESSORS (send_content, PROP_SEND_CONTENT)
DEFINE_STRING_ACCESSORS (wait_glob, PROP_WAIT_GLOB)
DEFINE_STRING_ACCESSORS (approval, PROP_APPROVAL)
DEFINE_STRING_ACCESSORS (for_each, PROP_FOR_EACH)

#undef DEFINE_STRING_ACCESSORS

#define DEFINE_DURATION_ACCESSORS(field, PROP)                  \
gint64                                                          \
troupe_step_get_##field (TroupeStep *self)                      \
{                                                               \
  g_return_val_if_fail (TROUPE_IS_STEP (self), 0);              \
  return self->field;                                           \
}                                                               \
void                                                            \
troupe_step_set_##field (TroupeStep *self,                      \
                         gint64      ms)                        \
{                                                               \
  g_return_if_fail (TROUPE_IS_STEP (self));                     \
  g_return_if_fail (ms >= TROUPE_DURATION_UNSET);               \
  if (self->field != ms)                                        \
    {                                                           \
      self->field = ms;                                         \
      notify (self, PROP);                                      \
    }                                                           \
}

DEFINE_DURATION_ACCESSORS (wait_timeout, PROP_WAIT_TIMEOUT)
DEFINE_DURATION_ACCESSORS (wait_poll, PROP_WAIT_POLL)
DEFINE_DURATION_ACCESSORS (timeout, PROP_TIMEOUT)

#undef DEFINE_DURATION_ACCESSORS

const char * const *
troupe_step_get_command (TroupeStep *self)
{
  g_return_val_if_fail (TROUPE_IS_STEP (self), NULL);

  return (const char * const *) self->command;
}

void
troupe_step_set_command (TroupeStep         *self,
                         const char * const *argv)
{
  g_return_if_fail (TROUPE_IS_STEP (self));

  if (troupe_set_strv (&self->command, argv))
    notify (self, PROP_COMMAND);
}

guint
troupe_step_get_wait_min_count (TroupeStep *self)
{
  g_return_val_if_fail (TROUPE_IS_STEP (self), 0);

  return self->wait_min_count;
}

void
troupe_step_set_wait_min_count (TroupeStep *self,
                                guint       min_count)
{
  g_return_if_fail (TROUPE_IS_STEP (self));

  if (self->wait_min_count != min_count)
    {
      self->wait_min_count = min_count;
      notify (self, PROP_WAIT_MIN_COUNT);
    }
}

const char * const *
troupe_step_get_needs (TroupeStep *self)
{
  g_return_val_if_fail (TROUPE_IS_STEP (self), NULL);

  return (const char * const *) self->needs;
}

void
troupe_step_set_needs (TroupeStep         *self,
                       const char * const *needs)
{
  g_return_if_fail (TROUPE_IS_STEP (self));

  if (self->workflow != NULL)
    _troupe_workflow_update_needs (self->workflow, self, needs);
  else
    _troupe_step_set_needs (self, needs);
}

void
_troupe_step_set_needs (TroupeStep         *self,
                        const char * const *needs)
{
  if (troupe_set_strv (&self->needs, needs))
    notify (self, PROP_NEEDS);
}

gboolean
troupe_step_has_need (TroupeStep *self,
                      const char *id)
{
  g_return_val_if_fail (TROUPE_IS_STEP (self), FALSE);

  return self->needs != NULL && id != NULL &&
         g_strv_contains ((const char * const *) self->needs, id);
}

const TroupeRetryPolicy *
troupe_step_get_retries (TroupeStep *self)
{
  g_return_val_if_fail (TROUPE_IS_STEP (self), NULL);

  return self->retries;
}

void
troupe_step_set_retries (TroupeStep              *self,
                         const TroupeRetryPolicy *retries)
{
  g_return_if_fail (TROUPE_IS_STEP (self));

  if (troupe_retry_policy_equal (self->retries, retries))
    return;

  g_clear_pointer (&self->retries, troupe_retry_policy_free);
  if (retries != NULL)
    self->retries = troupe_retry_policy_copy (retries);
  notify (self, PROP_RETRIES);
}

TroupeFailurePolicy
troupe_step_get_on_failure (TroupeStep *self)
{
  g_return_val_if_fail (TROUPE_IS_STEP (self), 0);

  return self->on_failure;
}

void
troupe_step_set_on_failure (TroupeStep          *self,
                            TroupeFailurePolicy  policy)
{
  g_return_if_fail (TROUPE_IS_STEP (self));

  if (self->on_failure != policy)
    {
      self->on_failure = policy;
      notify (self, PROP_ON_FAILURE);
    }
}

const char * const *
troupe_step_get_outputs (TroupeStep *self)
{
  g_return_val_if_fail (TROUPE_IS_STEP (self), NULL);

  return (const char * const *) self->outputs;
}

void
troupe_step_set_outputs (TroupeStep         *self,
                         const char * const *outputs)
{
  g_return_if_fail (TROUPE_IS_STEP (self));

  if (troupe_set_strv (&self->outputs, outputs))
    notify (self, PROP_OUTPUTS);
}

TroupeConditionOp
troupe_step_get_when_op (TroupeStep *self)
{
  g_return_val_if_fail (TROUPE_IS_STEP (self), 0);

  return self->when_op;
}

const char *
troupe_step_get_when_left (TroupeStep *self)
{
  g_return_val_if_fail (TROUPE_IS_STEP (self), NULL);

  return self->when_left;
}

const char *
troupe_step_get_when_right (TroupeStep *self)
{
  g_return_val_if_fail (TROUPE_IS_STEP (self), NULL);

  return self->when_right;
}

void
troupe_step_set_when (TroupeStep        *self,
                      TroupeConditionOp  op,
                      const char        *left,
                      const char        *right)
{
  g_return_if_fail (TROUPE_IS_STEP (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->when_op != op)
    {
      self->when_op = op;
      notify (self, PROP_WHEN_OP);
    }
  if (troupe_set_str (&self->when_left, left))
    notify (self, PROP_WHEN_LEFT);
  if (troupe_set_str (&self->when_right, right))
    notify (self, PROP_WHEN_RIGHT);
  g_object_thaw_notify (G_OBJECT (self));
}

gboolean
troupe_step_get_position (TroupeStep *self,
                          double     *x,
                          double     *y)
{
  g_return_val_if_fail (TROUPE_IS_STEP (self), FALSE);

  if (x != NULL)
    *x = self->x;
  if (y != NULL)
    *y = self->y;
  return self->has_position;
}

void
troupe_step_set_position (TroupeStep *self,
                          double      x,
                          double      y)
{
  g_return_if_fail (TROUPE_IS_STEP (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->x != x)
    {
      self->x = x;
      notify (self, PROP_X);
    }
  if (self->y != y)
    {
      self->y = y;
      notify (self, PROP_Y);
    }
  if (!self->has_position)
    {
      self->has_position = TRUE;
      notify (self, PROP_HAS_POSITION);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
troupe_step_clear_position (TroupeStep *self)
{
  g_return_if_fail (TROUPE_IS_STEP (self));

  if (self->has_position)
    {
      self->has_position = FALSE;
      notify (self, PROP_HAS_POSITION);
    }
}

TroupeStepKind
troupe_step_infer_kind (TroupeStep *self)
{
  g_return_val_if_fail (TROUPE_IS_STEP (self), 0);

  if (self->command != NULL)
    return TROUPE_STEP_KIND_COMMAND;
  if (self->send_to != NULL || self->send_file != NULL || self->send_content != NULL)
    return TROUPE_STEP_KIND_SEND;
  if (self->wait_glob != NULL || self->wait_timeout != TROUPE_DURATION_UNSET ||
      self->wait_poll != TROUPE_DURATION_UNSET || self->wait_min_count != 1)
    return TROUPE_STEP_KIND_WAIT;
  if (self->approval != NULL)
    return TROUPE_STEP_KIND_APPROVAL;
  return TROUPE_STEP_KIND_AGENT;
}
