/* troupe-workflow.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "troupe-enums.h"
#include "troupe-step-private.h"
#include "troupe-strutil.h"
#include "troupe-workflow-private.h"

struct _TroupeWorkflow
{
  GObject              parent_instance;

  char                *name;
  char                *description;
  char                *workspace;
  char                *file;
  char                *default_provider;
  TroupeRetryPolicy   *default_retries;

  /* Steps in file order, and the same steps by id (keys borrowed from the
   * steps, so a rename removes and re-inserts). */
  GPtrArray           *steps;
  GHashTable          *steps_by_id;
  /* How many needs name each id that is not a step (yet): adding a step of
   * that id must announce those edges, and only then is a scan of every
   * step needed. Keeps loading n steps linear. */
  GHashTable          *dangling;
  GPtrArray           *agents;
  GPtrArray           *providers;
  /* NULL-terminated, so it can be handed out as a strv. */
  GPtrArray           *context_keys;
  GHashTable          *context;
  /* JSON pointer -> guint[2] { line, column } */
  GHashTable          *locations;
  GPtrArray           *load_diagnostics;

  gint64               default_timeout;
  guint                max_parallel;
  TroupeRankDir        rank_dir;
  TroupeFailurePolicy  default_on_failure;
};

G_DEFINE_FINAL_TYPE (TroupeWorkflow, troupe_workflow, G_TYPE_OBJECT)

G_DEFINE_QUARK (troupe-workflow-error-quark, troupe_workflow_error)

enum {
  PROP_0,
  PROP_NAME,
  PROP_DESCRIPTION,
  PROP_WORKSPACE,
  PROP_FILE,
  PROP_DEFAULT_PROVIDER,
  PROP_DEFAULT_TIMEOUT,
  PROP_DEFAULT_RETRIES,
  PROP_DEFAULT_ON_FAILURE,
  PROP_MAX_PARALLEL,
  PROP_RANK_DIR,
  PROP_N_STEPS,
  N_PROPS
};

enum {
  STEP_ADDED,
  STEP_REMOVED,
  STEP_RENAMED,
  STEP_CHANGED,
  EDGE_ADDED,
  EDGE_REMOVED,
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
on_step_notify_cb (TroupeStep     *step,
                   GParamSpec     *pspec,
                   TroupeWorkflow *self)
{
  g_signal_emit (self, signals[STEP_CHANGED], 0, step, pspec);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* Agents and providers report changes through "notify" and "changed";
 * either way the workflow as a whole changed. Connected swapped, so the
 * signal's own arguments are not needed here. */
static void
on_part_changed_cb (TroupeWorkflow *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
release_step (TroupeWorkflow *self,
              TroupeStep     *step)
{
  g_signal_handlers_disconnect_by_func (step, on_step_notify_cb, self);
  _troupe_step_set_workflow (step, NULL);
}

static void
troupe_workflow_dispose (GObject *object)
{
  TroupeWorkflow *self = (TroupeWorkflow *)object;

  if (self->steps != NULL)
    {
      for (guint i = 0; i < self->steps->len; i++)
        release_step (self, g_ptr_array_index (self->steps, i));
      g_ptr_array_set_size (self->steps, 0);
      g_hash_table_remove_all (self->steps_by_id);
    }

  if (self->agents != NULL)
    {
      for (guint i = 0; i < self->agents->len; i++)
        g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->agents, i), self);
      g_ptr_array_set_size (self->agents, 0);
    }

  if (self->providers != NULL)
    {
      for (guint i = 0; i < self->providers->len; i++)
        g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->providers, i), self);
      g_ptr_array_set_size (self->providers, 0);
    }

  G_OBJECT_CLASS (troupe_workflow_parent_class)->dispose (object);
}

static void
troupe_workflow_finalize (GObject *object)
{
  TroupeWorkflow *self = (TroupeWorkflow *)object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->description, g_free);
  g_clear_pointer (&self->workspace, g_free);
  g_clear_pointer (&self->file, g_free);
  g_clear_pointer (&self->default_provider, g_free);
  g_clear_pointer (&self->default_retries, troupe_retry_policy_free);
  g_clear_pointer (&self->steps, g_ptr_array_unref);
  g_clear_pointer (&self->steps_by_id, g_hash_table_unref);
  g_clear_pointer (&self->dangling, g_hash_table_unref);
  g_clear_pointer (&self->agents, g_ptr_array_unref);
  g_clear_pointer (&self->providers, g_ptr_array_unref);
  g_clear_pointer (&self->context_keys, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_hash_table_unref);
  g_clear_pointer (&self->locations, g_hash_table_unref);
  g_clear_pointer (&self->load_diagnostics, g_ptr_array_unref);

  G_OBJECT_CLASS (troupe_workflow_parent_class)->finalize (object);
}

static void
troupe_workflow_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TroupeWorkflow *self = TROUPE_WORKFLOW (object);

  switch (prop_id)
    {
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_DESCRIPTION: g_value_set_string (value, self->description); break;
    case PROP_WORKSPACE: g_value_set_string (value, self->workspace); break;
    case PROP_FILE: g_value_set_string (value, self->file); break;
    case PROP_DEFAULT_PROVIDER: g_value_set_string (value, self->default_provider); break;
    case PROP_DEFAULT_TIMEOUT: g_value_set_int64 (value, self->default_timeout); break;
    case PROP_DEFAULT_RETRIES: g_value_set_boxed (value, self->default_retries); break;
    case PROP_DEFAULT_ON_FAILURE: g_value_set_enum (value, self->default_on_failure); break;
    case PROP_MAX_PARALLEL: g_value_set_uint (value, self->max_parallel); break;
    case PROP_RANK_DIR: g_value_set_enum (value, self->rank_dir); break;
    case PROP_N_STEPS: g_value_set_uint (value, self->steps->len); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_workflow_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TroupeWorkflow *self = TROUPE_WORKFLOW (object);

  switch (prop_id)
    {
    case PROP_NAME: troupe_workflow_set_name (self, g_value_get_string (value)); break;
    case PROP_DESCRIPTION: troupe_workflow_set_description (self, g_value_get_string (value)); break;
    case PROP_WORKSPACE: troupe_workflow_set_workspace (self, g_value_get_string (value)); break;
    case PROP_FILE: troupe_workflow_set_file (self, g_value_get_string (value)); break;
    case PROP_DEFAULT_PROVIDER: troupe_workflow_set_default_provider (self, g_value_get_string (value)); break;
    case PROP_DEFAULT_TIMEOUT: troupe_workflow_set_default_timeout (self, g_value_get_int64 (value)); break;
    case PROP_DEFAULT_RETRIES: troupe_workflow_set_default_retries (self, g_value_get_boxed (value)); break;
    case PROP_DEFAULT_ON_FAILURE: troupe_workflow_set_default_on_failure (self, g_value_get_enum (value)); break;
    case PROP_MAX_PARALLEL: troupe_workflow_set_max_parallel (self, g_value_get_uint (value)); break;
    case PROP_RANK_DIR: troupe_workflow_set_rank_dir (self, g_value_get_enum (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RW (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)

static void
troupe_workflow_class_init (TroupeWorkflowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = troupe_workflow_dispose;
  object_class->finalize = troupe_workflow_finalize;
  object_class->get_property = troupe_workflow_get_property;
  object_class->set_property = troupe_workflow_set_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, RW);
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, RW);
  properties[PROP_WORKSPACE] = g_param_spec_string ("workspace", NULL, NULL, NULL, RW);
  properties[PROP_FILE] = g_param_spec_string ("file", NULL, NULL, NULL, RW);
  properties[PROP_DEFAULT_PROVIDER] = g_param_spec_string ("default-provider", NULL, NULL, NULL, RW);
  properties[PROP_DEFAULT_TIMEOUT] =
    g_param_spec_int64 ("default-timeout", NULL, NULL, -1, G_MAXINT64, TROUPE_DURATION_UNSET, RW);
  properties[PROP_DEFAULT_RETRIES] =
    g_param_spec_boxed ("default-retries", NULL, NULL, TROUPE_TYPE_RETRY_POLICY, RW);
  properties[PROP_DEFAULT_ON_FAILURE] =
    g_param_spec_enum ("default-on-failure", NULL, NULL, TROUPE_TYPE_FAILURE_POLICY,
                       TROUPE_FAILURE_POLICY_INHERIT, RW);
  properties[PROP_MAX_PARALLEL] =
    g_param_spec_uint ("max-parallel", NULL, NULL, 0, G_MAXUINT, 0, RW);
  properties[PROP_RANK_DIR] =
    g_param_spec_enum ("rank-dir", NULL, NULL, TROUPE_TYPE_RANK_DIR, TROUPE_RANK_DIR_TB, RW);
  properties[PROP_N_STEPS] =
    g_param_spec_uint ("n-steps", NULL, NULL, 0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The canvas and the inspector follow the model through these. */
  signals[STEP_ADDED] =
    g_signal_new ("step-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, TROUPE_TYPE_STEP, G_TYPE_UINT);
  signals[STEP_REMOVED] =
    g_signal_new ("step-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, TROUPE_TYPE_STEP, G_TYPE_UINT);
  signals[STEP_RENAMED] =
    g_signal_new ("step-renamed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, TROUPE_TYPE_STEP, G_TYPE_STRING);
  signals[STEP_CHANGED] =
    g_signal_new ("step-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, TROUPE_TYPE_STEP, G_TYPE_PARAM);
  signals[EDGE_ADDED] =
    g_signal_new ("edge-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[EDGE_REMOVED] =
    g_signal_new ("edge-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

#undef RW

static void
troupe_workflow_init (TroupeWorkflow *self)
{
  self->steps = g_ptr_array_new_with_free_func (g_object_unref);
  self->steps_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->dangling = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->agents = g_ptr_array_new_with_free_func (g_object_unref);
  self->providers = g_ptr_array_new_with_free_func (g_object_unref);
  self->context_keys = g_ptr_array_new_null_terminated (4, g_free, TRUE);
  self->context = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  self->locations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->load_diagnostics = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_diagnostic_free);
  self->default_timeout = TROUPE_DURATION_UNSET;
}

static void
emit_changed (TroupeWorkflow *self,
              guint           prop_id)
{
  if (prop_id != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
  g_signal_emit (self, signals[CHANGED], 0);
}

TroupeWorkflow *
troupe_workflow_new (void)
{
  return g_object_new (TROUPE_TYPE_WORKFLOW, NULL);
}

gboolean
troupe_step_id_is_valid (const char *id)
{
  gsize len;

  if (id == NULL || !g_ascii_isalnum (id[0]))
    return FALSE;

  len = strlen (id);
  if (len > 64)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '-' && id[i] != '_')
      return FALSE;

  return TRUE;
}

#define DEFINE_STRING_ACCESSORS(field, PROP)                    \
const char *                                                    \
troupe_workflow_get_##field (TroupeWorkflow *self)              \
{                                                               \
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);       \
  return self->field;                                           \
}                                                               \
void                                                            \
troupe_workflow_set_##field (TroupeWorkflow *self,              \
                             const char     *value)             \
{                                                               \
  g_return_if_fail (TROUPE_IS_WORKFLOW (self));                 \
  if (troupe_set_str (&self->field, value))                     \
    emit_changed (self, PROP);                                  \
}

DEFINE_STRING_ACCESSORS (name, PROP_NAME)
DEFINE_STRING_ACCESSORS (description, PROP_DESCRIPTION)
DEFINE_STRING_ACCESSORS (workspace, PROP_WORKSPACE)
DEFINE_STRING_ACCESSORS (default_provider, PROP_DEFAULT_PROVIDER)

#undef DEFINE_STRING_ACCESSORS

const char *
troupe_workflow_get_file (TroupeWorkflow *self)
{
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  return self->file;
}

void
troupe_workflow_set_file (TroupeWorkflow *self,
                          const char     *path)
{
  g_return_if_fail (TROUPE_IS_WORKFLOW (self));

  /* Not part of the saved model, so no "changed". */
  if (troupe_set_str (&self->file, path))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
}

char *
troupe_workflow_dup_workspace_root (TroupeWorkflow *self)
{
  g_autofree char *base = NULL;
  g_autofree char *joined = NULL;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  if (self->file != NULL)
    base = g_path_get_dirname (self->file);
  else
    base = g_get_current_dir ();

  if (!g_path_is_absolute (base))
    {
      g_autofree char *cwd = g_get_current_dir ();
      g_autofree char *abs = g_build_filename (cwd, base, NULL);

      g_free (base);
      base = g_steal_pointer (&abs);
    }

  joined = g_build_filename (base, self->workspace != NULL ? self->workspace : ".", NULL);
  return g_canonicalize_filename (joined, NULL);
}

gint64
troupe_workflow_get_default_timeout (TroupeWorkflow *self)
{
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), TROUPE_DURATION_UNSET);

  return self->default_timeout;
}

void
troupe_workflow_set_default_timeout (TroupeWorkflow *self,
                                     gint64          ms)
{
  g_return_if_fail (TROUPE_IS_WORKFLOW (self));
  g_return_if_fail (ms >= TROUPE_DURATION_UNSET);

  if (self->default_timeout != ms)
    {
      self->default_timeout = ms;
      emit_changed (self, PROP_DEFAULT_TIMEOUT);
    }
}

const TroupeRetryPolicy *
troupe_workflow_get_default_retries (TroupeWorkflow *self)
{
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  return self->default_retries;
}

void
troupe_workflow_set_default_retries (TroupeWorkflow          *self,
                                     const TroupeRetryPolicy *retries)
{
  g_return_if_fail (TROUPE_IS_WORKFLOW (self));

  if (troupe_retry_policy_equal (self->default_retries, retries))
    return;

  g_clear_pointer (&self->default_retries, troupe_retry_policy_free);
  if (retries != NULL)
    self->default_retries = troupe_retry_policy_copy (retries);
  emit_changed (self, PROP_DEFAULT_RETRIES);
}

TroupeFailurePolicy
troupe_workflow_get_default_on_failure (TroupeWorkflow *self)
{
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), 0);

  return self->default_on_failure;
}

void
troupe_workflow_set_default_on_failure (TroupeWorkflow      *self,
                                        TroupeFailurePolicy  policy)
{
  g_return_if_fail (TROUPE_IS_WORKFLOW (self));

  if (self->default_on_failure != policy)
    {
      self->default_on_failure = policy;
      emit_changed (self, PROP_DEFAULT_ON_FAILURE);
    }
}

guint
troupe_workflow_get_max_parallel (TroupeWorkflow *self)
{
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), 0);

  return self->max_parallel;
}

void
troupe_workflow_set_max_parallel (TroupeWorkflow *self,
                                  guint           max_parallel)
{
  g_return_if_fail (TROUPE_IS_WORKFLOW (self));

  if (self->max_parallel != max_parallel)
    {
      self->max_parallel = max_parallel;
      emit_changed (self, PROP_MAX_PARALLEL);
    }
}

TroupeRankDir
troupe_workflow_get_rank_dir (TroupeWorkflow *self)
{
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), 0);

  return self->rank_dir;
}

void
troupe_workflow_set_rank_dir (TroupeWorkflow *self,
                              TroupeRankDir   rank_dir)
{
  g_return_if_fail (TROUPE_IS_WORKFLOW (self));

  if (self->rank_dir != rank_dir)
    {
      self->rank_dir = rank_dir;
      emit_changed (self, PROP_RANK_DIR);
    }
}

const char *
troupe_workflow_get_context (TroupeWorkflow *self,
                             const char     *key)
{
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return g_hash_table_lookup (self->context, key);
}

void
troupe_workflow_set_context (TroupeWorkflow *self,
                             const char     *key,
                             const char     *value)
{
  const char *old;

  g_return_if_fail (TROUPE_IS_WORKFLOW (self));
  g_return_if_fail (key != NULL);

  old = g_hash_table_lookup (self->context, key);
  if (troupe_str_equal0 (old, value))
    return;

  if (value == NULL)
    {
      for (guint i = 0; i < self->context_keys->len; i++)
        if (g_str_equal (g_ptr_array_index (self->context_keys, i), key))
          {
            g_hash_table_remove (self->context, key);
            g_ptr_array_remove_index (self->context_keys, i);
            break;
          }
    }
  else if (old == NULL)
    {
      char *owned_key = g_strdup (key);

      g_ptr_array_add (self->context_keys, owned_key);
      g_hash_table_insert (self->context, owned_key, g_strdup (value));
    }
  else
    {
      /* Keeps the key (owned by context_keys) and replaces the value. */
      gpointer orig_key = NULL;

      g_hash_table_lookup_extended (self->context, key, &orig_key, NULL);
      g_hash_table_insert (self->context, orig_key, g_strdup (value));
    }

  emit_changed (self, 0);
}

const char * const *
troupe_workflow_get_context_keys (TroupeWorkflow *self)
{
  static const char * const empty[] = { NULL };

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  /* An empty array may have no storage at all in GLib 2.74. */
  if (self->context_keys->pdata == NULL)
    return empty;
  return (const char * const *) self->context_keys->pdata;
}

typedef const char *(*NameFunc) (gpointer item);

static int
find_named (GPtrArray  *array,
            const char *name,
            NameFunc    get_name)
{
  for (guint i = 0; i < array->len; i++)
    if (g_strcmp0 (get_name (g_ptr_array_index (array, i)), name) == 0)
      return (int) i;
  return -1;
}

/* Agents and providers are lists of named objects with the same rules:
 * an item of an existing name replaces it in place, and every change of
 * an item is a change of the workflow. */
static void
add_named (TroupeWorkflow *self,
           GPtrArray      *array,
           gpointer        item,
           NameFunc        get_name,
           const char     *changed_signal)
{
  int i = find_named (array, get_name (item), get_name);

  if (i >= 0)
    {
      gpointer old = g_ptr_array_index (array, i);

      if (old == item)
        return;
      g_signal_handlers_disconnect_by_data (old, self);
      g_object_unref (old);
      array->pdata[i] = g_object_ref (item);
    }
  else
    g_ptr_array_add (array, g_object_ref (item));

  g_signal_connect_object (item, changed_signal, G_CALLBACK (on_part_changed_cb), self, G_CONNECT_SWAPPED);
  emit_changed (self, 0);
}

static gboolean
remove_named (TroupeWorkflow *self,
              GPtrArray      *array,
              const char     *name,
              NameFunc        get_name)
{
  int i = find_named (array, name, get_name);

  if (i < 0)
    return FALSE;

  g_signal_handlers_disconnect_by_data (g_ptr_array_index (array, i), self);
  g_ptr_array_remove_index (array, i);
  emit_changed (self, 0);
  return TRUE;
}

GPtrArray *
troupe_workflow_get_agents (TroupeWorkflow *self)
{
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  return self->agents;
}

TroupeAgent *
troupe_workflow_lookup_agent (TroupeWorkflow *self,
                              const char     *name)
{
  int i;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  if (name == NULL)
    return NULL;
  i = find_named (self->agents, name, (NameFunc) troupe_agent_get_name);
  return i >= 0 ? g_ptr_array_index (self->agents, i) : NULL;
}

void
troupe_workflow_add_agent (TroupeWorkflow *self,
                           TroupeAgent    *agent)
{
  g_return_if_fail (TROUPE_IS_WORKFLOW (self));
  g_return_if_fail (TROUPE_IS_AGENT (agent));

  add_named (self, self->agents, agent, (NameFunc) troupe_agent_get_name, "notify");
}

gboolean
troupe_workflow_remove_agent (TroupeWorkflow *self,
                              const char     *name)
{
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), FALSE);

  return remove_named (self, self->agents, name, (NameFunc) troupe_agent_get_name);
}

GPtrArray *
troupe_workflow_get_providers (TroupeWorkflow *self)
{
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  return self->providers;
}

TroupeProvider *
troupe_workflow_lookup_provider (TroupeWorkflow *self,
                                 const char     *name)
{
  int i;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  if (name == NULL)
    return NULL;
  i = find_named (self->providers, name, (NameFunc) troupe_provider_get_name);
  return i >= 0 ? g_ptr_array_index (self->providers, i) : NULL;
}

void
troupe_workflow_add_provider (TroupeWorkflow *self,
                              TroupeProvider *provider)
{
  g_return_if_fail (TROUPE_IS_WORKFLOW (self));
  g_return_if_fail (TROUPE_IS_PROVIDER (provider));

  /* A provider's argv and environment have no property: it says "changed". */
  add_named (self, self->providers, provider, (NameFunc) troupe_provider_get_name, "changed");
}

gboolean
troupe_workflow_remove_provider (TroupeWorkflow *self,
                                 const char     *name)
{
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), FALSE);

  return remove_named (self, self->providers, name, (NameFunc) troupe_provider_get_name);
}

const char *
troupe_workflow_get_step_provider_name (TroupeWorkflow *self,
                                        TroupeStep     *step)
{
  TroupeAgent *agent;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);
  g_return_val_if_fail (TROUPE_IS_STEP (step), NULL);

  if (troupe_step_get_provider (step) != NULL)
    return troupe_step_get_provider (step);

  switch (troupe_step_get_kind (step))
    {
    case TROUPE_STEP_KIND_COMMAND:
      return "shell";

    case TROUPE_STEP_KIND_AGENT:
      agent = troupe_workflow_lookup_agent (self, troupe_step_get_agent (step));
      if (agent != NULL && troupe_agent_get_provider (agent) != NULL)
        return troupe_agent_get_provider (agent);
      return self->default_provider;

    case TROUPE_STEP_KIND_SEND:
    case TROUPE_STEP_KIND_WAIT:
    case TROUPE_STEP_KIND_APPROVAL:
    default:
      /* These run inside the engine: no process, no provider. */
      return NULL;
    }
}

TroupeProvider *
troupe_workflow_resolve_provider (TroupeWorkflow *self,
                                  const char     *name)
{
  TroupeProvider *provider;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  if (name == NULL)
    return NULL;

  /* The workflow's own definition wins, so a user can redefine "claude". */
  provider = troupe_workflow_lookup_provider (self, name);
  if (provider != NULL)
    return g_object_ref (provider);

  return troupe_provider_new_builtin (name);
}

GPtrArray *
troupe_workflow_get_steps (TroupeWorkflow *self)
{
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  return self->steps;
}

guint
troupe_workflow_get_n_steps (TroupeWorkflow *self)
{
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), 0);

  return self->steps->len;
}

TroupeStep *
troupe_workflow_lookup_step (TroupeWorkflow *self,
                             const char     *id)
{
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  if (id == NULL)
    return NULL;
  return g_hash_table_lookup (self->steps_by_id, id);
}

int
troupe_workflow_get_step_index (TroupeWorkflow *self,
                                const char     *id)
{
  TroupeStep *step;
  guint index;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), -1);

  step = troupe_workflow_lookup_step (self, id);
  if (step == NULL || !g_ptr_array_find (self->steps, step, &index))
    return -1;
  return (int) index;
}

static void
dangling_add (TroupeWorkflow *self,
              const char     *id,
              int             delta)
{
  int count = GPOINTER_TO_INT (g_hash_table_lookup (self->dangling, id)) + delta;

  /* Insert always takes a new key: the table frees it when the key is
   * already there. */
  if (count <= 0)
    g_hash_table_remove (self->dangling, id);
  else
    g_hash_table_insert (self->dangling, g_strdup (id), GINT_TO_POINTER (count));
}

/* Counts the needs of @step that name no step; @delta is +1 when the
 * step arrives and -1 when it leaves. */
static void
dangling_count_needs (TroupeWorkflow     *self,
                      const char * const *needs,
                      int                 delta)
{
  for (guint i = 0; needs != NULL && needs[i] != NULL; i++)
    if (!g_hash_table_contains (self->steps_by_id, needs[i]))
      dangling_add (self, needs[i], delta);
}

/* A step named @id has just appeared: needs that named it become edges. */
static void
resolve_dangling (TroupeWorkflow *self,
                  TroupeStep     *step)
{
  const char *id = troupe_step_get_id (step);

  if (!g_hash_table_remove (self->dangling, id))
    return;

  /* The scan only serves listeners; a loader has none, which keeps even a
   * file written in reverse order linear to load. */
  if (!g_signal_has_handler_pending (self, signals[EDGE_ADDED], 0, TRUE))
    return;

  for (guint i = 0; i < self->steps->len; i++)
    {
      TroupeStep *other = g_ptr_array_index (self->steps, i);

      if (other != step && troupe_step_has_need (other, id))
        g_signal_emit (self, signals[EDGE_ADDED], 0, id, troupe_step_get_id (other));
    }
}

static gboolean
check_new_id (TroupeWorkflow  *self,
              const char      *id,
              GError         **error)
{
  if (!troupe_step_id_is_valid (id))
    {
      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_INVALID_ID,
                   "'%s' is not a valid step id: use 1 to 64 letters, digits, '-' or '_', starting with a letter or digit",
                   id);
      return FALSE;
    }

  if (g_hash_table_contains (self->steps_by_id, id))
    {
      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_DUPLICATE_STEP,
                   "a step named '%s' already exists: choose another id", id);
      return FALSE;
    }

  return TRUE;
}

gboolean
troupe_workflow_add_step (TroupeWorkflow  *self,
                          TroupeStep      *step,
                          GError         **error)
{
  return troupe_workflow_insert_step (self, step, -1, error);
}

gboolean
troupe_workflow_insert_step (TroupeWorkflow  *self,
                             TroupeStep      *step,
                             int              position,
                             GError         **error)
{
  const char *id;
  const char * const *needs;
  guint pos;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), FALSE);
  g_return_val_if_fail (TROUPE_IS_STEP (step), FALSE);
  g_return_val_if_fail (troupe_step_get_workflow (step) == NULL, FALSE);

  id = troupe_step_get_id (step);
  if (!check_new_id (self, id, error))
    return FALSE;

  pos = (position < 0 || (guint) position > self->steps->len) ? self->steps->len : (guint) position;
  g_ptr_array_insert (self->steps, pos, g_object_ref (step));
  g_hash_table_insert (self->steps_by_id, (gpointer) id, step);
  _troupe_step_set_workflow (step, self);
  g_signal_connect_object (step, "notify", G_CALLBACK (on_step_notify_cb), self, 0);

  g_signal_emit (self, signals[STEP_ADDED], 0, step, pos);

  /* Edges into the new step, then edges from it to steps that already
   * named it in their needs. */
  needs = troupe_step_get_needs (step);
  dangling_count_needs (self, needs, +1);
  for (guint i = 0; needs != NULL && needs[i] != NULL; i++)
    if (g_hash_table_contains (self->steps_by_id, needs[i]) && !g_str_equal (needs[i], id))
      g_signal_emit (self, signals[EDGE_ADDED], 0, needs[i], id);
  resolve_dangling (self, step);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_STEPS]);
  g_signal_emit (self, signals[CHANGED], 0);

  return TRUE;
}

static GStrv
strv_without (const char * const *strv,
              const char         *item)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  GStrv result;

  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    if (g_strcmp0 (strv[i], item) != 0)
      g_strv_builder_add (builder, strv[i]);

  result = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return result;
}

gboolean
troupe_workflow_remove_step (TroupeWorkflow  *self,
                             const char      *id,
                             GError         **error)
{
  g_autoptr(TroupeStep) step = NULL;
  const char * const *needs;
  guint pos;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  if (troupe_workflow_lookup_step (self, id) == NULL)
    {
      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_UNKNOWN_STEP,
                   "there is no step named '%s'", id);
      return FALSE;
    }

  step = g_object_ref (troupe_workflow_lookup_step (self, id));
  g_ptr_array_find (self->steps, step, &pos);

  /* Edges out of the step: its dependents forget it. */
  for (guint i = 0; i < self->steps->len; i++)
    {
      TroupeStep *other = g_ptr_array_index (self->steps, i);

      if (other != step && troupe_step_has_need (other, id))
        {
          g_auto(GStrv) rest = strv_without (troupe_step_get_needs (other), id);

          _troupe_step_set_needs (other, (const char * const *) rest);
          g_signal_emit (self, signals[EDGE_REMOVED], 0, id, troupe_step_get_id (other));
        }
    }

  /* Edges into the step go with it; the step keeps its needs, so undo can
   * put it back as it was. */
  needs = troupe_step_get_needs (step);
  for (guint i = 0; needs != NULL && needs[i] != NULL; i++)
    if (g_hash_table_contains (self->steps_by_id, needs[i]))
      g_signal_emit (self, signals[EDGE_REMOVED], 0, needs[i], id);

  g_hash_table_remove (self->steps_by_id, id);
  dangling_count_needs (self, needs, -1);
  release_step (self, step);
  g_ptr_array_remove_index (self->steps, pos);

  g_signal_emit (self, signals[STEP_REMOVED], 0, step, pos);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_STEPS]);
  g_signal_emit (self, signals[CHANGED], 0);

  return TRUE;
}

/* Rewrites "${steps.OLD." as "${steps.NEW." in @text; NULL when unchanged. */
static char *
rename_in_template (const char *text,
                    const char *old_id,
                    const char *new_id)
{
  g_autofree char *needle = NULL;
  g_autofree char *replacement = NULL;
  GString *str;

  if (text == NULL)
    return NULL;

  needle = g_strdup_printf ("${steps.%s.", old_id);
  if (strstr (text, needle) == NULL)
    return NULL;

  replacement = g_strdup_printf ("${steps.%s.", new_id);
  str = g_string_new (text);
  g_string_replace (str, needle, replacement, 0);
  return g_string_free (str, FALSE);
}

static void
rename_references (TroupeStep *step,
                   const char *old_id,
                   const char *new_id)
{
  g_autofree char *left = rename_in_template (troupe_step_get_when_left (step), old_id, new_id);
  g_autofree char *right = rename_in_template (troupe_step_get_when_right (step), old_id, new_id);
  g_autofree char *prompt = rename_in_template (troupe_step_get_prompt (step), old_id, new_id);
  g_autofree char *content = rename_in_template (troupe_step_get_send_content (step), old_id, new_id);
  const char * const *command = troupe_step_get_command (step);
  const char * const *needs = troupe_step_get_needs (step);

  if (troupe_step_has_need (step, old_id))
    {
      g_auto(GStrv) renamed = g_strdupv ((char **) needs);

      for (guint i = 0; renamed[i] != NULL; i++)
        if (g_str_equal (renamed[i], old_id))
          {
            g_free (renamed[i]);
            renamed[i] = g_strdup (new_id);
          }
      _troupe_step_set_needs (step, (const char * const *) renamed);
    }

  if (g_strcmp0 (troupe_step_get_for_each (step), old_id) == 0)
    troupe_step_set_for_each (step, new_id);

  if (left != NULL || right != NULL)
    troupe_step_set_when (step, troupe_step_get_when_op (step),
                          left ? left : troupe_step_get_when_left (step),
                          right ? right : troupe_step_get_when_right (step));
  if (prompt != NULL)
    troupe_step_set_prompt (step, prompt);
  if (content != NULL)
    troupe_step_set_send_content (step, content);

  if (command != NULL)
    {
      g_auto(GStrv) renamed = g_strdupv ((char **) command);
      gboolean changed = FALSE;

      for (guint i = 0; renamed[i] != NULL; i++)
        {
          char *arg = rename_in_template (renamed[i], old_id, new_id);

          if (arg != NULL)
            {
              g_free (renamed[i]);
              renamed[i] = arg;
              changed = TRUE;
            }
        }
      if (changed)
        troupe_step_set_command (step, (const char * const *) renamed);
    }
}

gboolean
troupe_workflow_rename_step (TroupeWorkflow  *self,
                             const char      *old_id,
                             const char      *new_id,
                             GError         **error)
{
  TroupeStep *step;
  g_autofree char *old_copy = NULL;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), FALSE);
  g_return_val_if_fail (old_id != NULL, FALSE);
  g_return_val_if_fail (new_id != NULL, FALSE);

  step = troupe_workflow_lookup_step (self, old_id);
  if (step == NULL)
    {
      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_UNKNOWN_STEP,
                   "there is no step named '%s'", old_id);
      return FALSE;
    }

  if (g_str_equal (old_id, new_id))
    return TRUE;

  if (!check_new_id (self, new_id, error))
    return FALSE;

  old_copy = g_strdup (old_id);
  g_hash_table_remove (self->steps_by_id, old_copy);
  _troupe_step_set_id (step, new_id);
  g_hash_table_insert (self->steps_by_id, (gpointer) troupe_step_get_id (step), step);

  for (guint i = 0; i < self->steps->len; i++)
    rename_references (g_ptr_array_index (self->steps, i), old_copy, new_id);

  g_signal_emit (self, signals[STEP_RENAMED], 0, step, old_copy);
  resolve_dangling (self, step);
  g_signal_emit (self, signals[CHANGED], 0);

  return TRUE;
}

char *
troupe_workflow_make_unique_id (TroupeWorkflow *self,
                                const char     *base)
{
  GString *clean;
  g_autofree char *stem = NULL;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  /* Keep what is allowed in an id; turn the rest into '-'. */
  clean = g_string_new (NULL);
  for (const char *p = base ? base : ""; *p && clean->len < 56; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '_' || *p == '-')
        g_string_append_c (clean, *p);
      else if (clean->len > 0 && clean->str[clean->len - 1] != '-')
        g_string_append_c (clean, '-');
    }
  while (clean->len > 0 && clean->str[clean->len - 1] == '-')
    g_string_truncate (clean, clean->len - 1);
  while (clean->len > 0 && !g_ascii_isalnum (clean->str[0]))
    g_string_erase (clean, 0, 1);
  if (clean->len == 0)
    g_string_assign (clean, "step");
  stem = g_string_free (clean, FALSE);

  if (!g_hash_table_contains (self->steps_by_id, stem))
    return g_steal_pointer (&stem);

  for (guint n = 2; ; n++)
    {
      char *candidate = g_strdup_printf ("%s-%u", stem, n);

      if (!g_hash_table_contains (self->steps_by_id, candidate))
        return candidate;
      g_free (candidate);
    }
}

gboolean
troupe_workflow_connect (TroupeWorkflow  *self,
                         const char      *from,
                         const char      *to,
                         GError         **error)
{
  TroupeStep *to_step;
  g_auto(GStrv) cycle = NULL;
  GStrvBuilder *builder;
  g_auto(GStrv) needs = NULL;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), FALSE);
  g_return_val_if_fail (from != NULL && to != NULL, FALSE);

  to_step = troupe_workflow_lookup_step (self, to);
  if (troupe_workflow_lookup_step (self, from) == NULL || to_step == NULL)
    {
      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_UNKNOWN_STEP,
                   "there is no step named '%s'",
                   troupe_workflow_lookup_step (self, from) == NULL ? from : to);
      return FALSE;
    }

  if (g_str_equal (from, to))
    {
      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_CYCLE,
                   "step '%s' cannot need itself (cycle %s → %s)", from, from, from);
      return FALSE;
    }

  if (troupe_step_has_need (to_step, from))
    return TRUE;

  if (troupe_workflow_would_cycle (self, from, to, &cycle))
    {
      g_autofree char *text = _troupe_workflow_format_cycle ((const char * const *) cycle);

      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_CYCLE,
                   "connecting '%s' to '%s' would make a cycle: %s", from, to, text);
      return FALSE;
    }

  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) troupe_step_get_needs (to_step) ?: (const char *[]) { NULL });
  g_strv_builder_add (builder, from);
  needs = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);

  _troupe_step_set_needs (to_step, (const char * const *) needs);
  g_signal_emit (self, signals[EDGE_ADDED], 0, from, to);
  g_signal_emit (self, signals[CHANGED], 0);

  return TRUE;
}

gboolean
troupe_workflow_disconnect (TroupeWorkflow  *self,
                            const char      *from,
                            const char      *to,
                            GError         **error)
{
  TroupeStep *to_step;
  g_auto(GStrv) rest = NULL;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), FALSE);
  g_return_val_if_fail (from != NULL && to != NULL, FALSE);

  to_step = troupe_workflow_lookup_step (self, to);
  if (to_step == NULL || !troupe_step_has_need (to_step, from))
    {
      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_UNKNOWN_STEP,
                   "step '%s' does not need '%s'", to, from);
      return FALSE;
    }

  rest = strv_without (troupe_step_get_needs (to_step), from);
  _troupe_step_set_needs (to_step, (const char * const *) rest);
  if (troupe_workflow_lookup_step (self, from) != NULL)
    g_signal_emit (self, signals[EDGE_REMOVED], 0, from, to);
  g_signal_emit (self, signals[CHANGED], 0);

  return TRUE;
}

void
_troupe_workflow_update_needs (TroupeWorkflow     *self,
                               TroupeStep         *step,
                               const char * const *needs)
{
  g_auto(GStrv) old = g_strdupv ((char **) troupe_step_get_needs (step));
  const char *id = troupe_step_get_id (step);

  if (troupe_strv_equal0 ((const char * const *) old, needs))
    return;

  dangling_count_needs (self, (const char * const *) old, -1);
  _troupe_step_set_needs (step, needs);
  dangling_count_needs (self, needs, +1);

  for (guint i = 0; old != NULL && old[i] != NULL; i++)
    if (!troupe_step_has_need (step, old[i]) && g_hash_table_contains (self->steps_by_id, old[i]))
      g_signal_emit (self, signals[EDGE_REMOVED], 0, old[i], id);

  for (guint i = 0; needs != NULL && needs[i] != NULL; i++)
    if ((old == NULL || !g_strv_contains ((const char * const *) old, needs[i])) &&
        g_hash_table_contains (self->steps_by_id, needs[i]))
      g_signal_emit (self, signals[EDGE_ADDED], 0, needs[i], id);
}

void
troupe_workflow_set_location (TroupeWorkflow *self,
                              const char     *pointer,
                              guint           line,
                              guint           column)
{
  guint *loc;

  g_return_if_fail (TROUPE_IS_WORKFLOW (self));
  g_return_if_fail (pointer != NULL);

  loc = g_new (guint, 2);
  loc[0] = line;
  loc[1] = column;
  g_hash_table_insert (self->locations, g_strdup (pointer), loc);
}

gboolean
troupe_workflow_get_location (TroupeWorkflow *self,
                              const char     *pointer,
                              guint          *line,
                              guint          *column)
{
  const guint *loc;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), FALSE);
  g_return_val_if_fail (pointer != NULL, FALSE);

  loc = g_hash_table_lookup (self->locations, pointer);
  if (line != NULL)
    *line = loc ? loc[0] : 0;
  if (column != NULL)
    *column = loc ? loc[1] : 0;
  return loc != NULL;
}

void
troupe_workflow_clear_locations (TroupeWorkflow *self)
{
  g_return_if_fail (TROUPE_IS_WORKFLOW (self));

  g_hash_table_remove_all (self->locations);
}

void
troupe_workflow_add_load_diagnostic (TroupeWorkflow   *self,
                                     TroupeDiagnostic *diagnostic)
{
  g_return_if_fail (TROUPE_IS_WORKFLOW (self));
  g_return_if_fail (diagnostic != NULL);

  g_ptr_array_add (self->load_diagnostics, diagnostic);
}

GPtrArray *
troupe_workflow_get_load_diagnostics (TroupeWorkflow *self)
{
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  return self->load_diagnostics;
}

void
troupe_workflow_clear_load_diagnostics (TroupeWorkflow *self)
{
  g_return_if_fail (TROUPE_IS_WORKFLOW (self));

  g_ptr_array_set_size (self->load_diagnostics, 0);
}

gboolean
troupe_workflow_equal (TroupeWorkflow *a,
                       TroupeWorkflow *b)
{
  const char * const *keys;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (a), FALSE);
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (b), FALSE);

  if (!troupe_str_equal0 (a->name, b->name) ||
      !troupe_str_equal0 (a->description, b->description) ||
      !troupe_str_equal0 (a->workspace, b->workspace) ||
      !troupe_str_equal0 (a->default_provider, b->default_provider) ||
      !troupe_retry_policy_equal (a->default_retries, b->default_retries) ||
      a->default_timeout != b->default_timeout ||
      a->default_on_failure != b->default_on_failure ||
      a->max_parallel != b->max_parallel ||
      a->rank_dir != b->rank_dir ||
      a->steps->len != b->steps->len ||
      a->agents->len != b->agents->len ||
      a->providers->len != b->providers->len ||
      a->context_keys->len != b->context_keys->len)
    return FALSE;

  keys = troupe_workflow_get_context_keys (a);
  for (guint i = 0; keys[i] != NULL; i++)
    if (!troupe_str_equal0 (keys[i], g_ptr_array_index (b->context_keys, i)) ||
        !troupe_str_equal0 (g_hash_table_lookup (a->context, keys[i]),
                            g_hash_table_lookup (b->context, keys[i])))
      return FALSE;

  for (guint i = 0; i < a->agents->len; i++)
    if (!troupe_agent_equal (g_ptr_array_index (a->agents, i), g_ptr_array_index (b->agents, i)))
      return FALSE;

  for (guint i = 0; i < a->providers->len; i++)
    if (!troupe_provider_equal (g_ptr_array_index (a->providers, i), g_ptr_array_index (b->providers, i)))
      return FALSE;

  for (guint i = 0; i < a->steps->len; i++)
    if (!troupe_step_equal (g_ptr_array_index (a->steps, i), g_ptr_array_index (b->steps, i)))
      return FALSE;

  return TRUE;
}
