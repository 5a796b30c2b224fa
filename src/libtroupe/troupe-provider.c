/* troupe-provider.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "troupe-enums.h"
#include "troupe-provider.h"
#include "troupe-strutil.h"

struct _TroupeProvider
{
  GObject             parent_instance;

  char               *name;
  char              **command;
  GHashTable         *env;
  char               *result_pointer;
  char               *cost_pointer;
  char               *tokens_pointer;

  guint64             max_output;
  guint               max_parallel;
  TroupeInputMode     input_mode;
  TroupeOutputFormat  output_format;
};

G_DEFINE_FINAL_TYPE (TroupeProvider, troupe_provider, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_INPUT_MODE,
  PROP_OUTPUT_FORMAT,
  PROP_MAX_OUTPUT,
  PROP_MAX_PARALLEL,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The CLIs Troupe knows out of the box. "${prompt}" is replaced by the
 * prompt as one argv element: it is never split or seen by a shell. */
static const char * const builtin_names[] = { "claude", "codex", "gemini", "mock", "shell", NULL };

static void
troupe_provider_emit_changed (TroupeProvider *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
troupe_provider_finalize (GObject *object)
{
  TroupeProvider *self = (TroupeProvider *)object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->command, g_strfreev);
  g_clear_pointer (&self->env, g_hash_table_unref);
  g_clear_pointer (&self->result_pointer, g_free);
  g_clear_pointer (&self->cost_pointer, g_free);
  g_clear_pointer (&self->tokens_pointer, g_free);

  G_OBJECT_CLASS (troupe_provider_parent_class)->finalize (object);
}

static void
troupe_provider_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TroupeProvider *self = TROUPE_PROVIDER (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_INPUT_MODE:
      g_value_set_enum (value, self->input_mode);
      break;

    case PROP_OUTPUT_FORMAT:
      g_value_set_enum (value, self->output_format);
      break;

    case PROP_MAX_OUTPUT:
      g_value_set_uint64 (value, self->max_output);
      break;

    case PROP_MAX_PARALLEL:
      g_value_set_uint (value, self->max_parallel);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_provider_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TroupeProvider *self = TROUPE_PROVIDER (object);

  switch (prop_id)
    {
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;

    case PROP_INPUT_MODE:
      troupe_provider_set_input_mode (self, g_value_get_enum (value));
      break;

    case PROP_OUTPUT_FORMAT:
      troupe_provider_set_output_format (self, g_value_get_enum (value));
      break;

    case PROP_MAX_OUTPUT:
      troupe_provider_set_max_output (self, g_value_get_uint64 (value));
      break;

    case PROP_MAX_PARALLEL:
      troupe_provider_set_max_parallel (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_provider_class_init (TroupeProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = troupe_provider_finalize;
  object_class->get_property = troupe_provider_get_property;
  object_class->set_property = troupe_provider_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_INPUT_MODE] =
    g_param_spec_enum ("input-mode", NULL, NULL,
                       TROUPE_TYPE_INPUT_MODE, TROUPE_INPUT_MODE_ARGV,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_OUTPUT_FORMAT] =
    g_param_spec_enum ("output-format", NULL, NULL,
                       TROUPE_TYPE_OUTPUT_FORMAT, TROUPE_OUTPUT_FORMAT_TEXT,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_MAX_OUTPUT] =
    g_param_spec_uint64 ("max-output", NULL, NULL, 0, G_MAXUINT64, 0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_MAX_PARALLEL] =
    g_param_spec_uint ("max-parallel", NULL, NULL, 0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Emitted after any change, including the argv and the environment,
   * which have no property of their own. */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
troupe_provider_init (TroupeProvider *self)
{
  self->env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

TroupeProvider *
troupe_provider_new (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  return g_object_new (TROUPE_TYPE_PROVIDER, "name", name, NULL);
}

TroupeProvider *
troupe_provider_copy (TroupeProvider *self)
{
  TroupeProvider *copy;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (TROUPE_IS_PROVIDER (self), NULL);

  copy = troupe_provider_new (self->name);
  copy->command = g_strdupv (self->command);
  g_hash_table_iter_init (&iter, self->env);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy->env, g_strdup (key), g_strdup (value));
  copy->result_pointer = g_strdup (self->result_pointer);
  copy->cost_pointer = g_strdup (self->cost_pointer);
  copy->tokens_pointer = g_strdup (self->tokens_pointer);
  copy->max_output = self->max_output;
  copy->max_parallel = self->max_parallel;
  copy->input_mode = self->input_mode;
  copy->output_format = self->output_format;

  return copy;
}

gboolean
troupe_provider_equal (TroupeProvider *a,
                       TroupeProvider *b)
{
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (TROUPE_IS_PROVIDER (a), FALSE);
  g_return_val_if_fail (TROUPE_IS_PROVIDER (b), FALSE);

  if (!troupe_str_equal0 (a->name, b->name) ||
      !troupe_strv_equal0 ((const char * const *) a->command, (const char * const *) b->command) ||
      !troupe_str_equal0 (a->result_pointer, b->result_pointer) ||
      !troupe_str_equal0 (a->cost_pointer, b->cost_pointer) ||
      !troupe_str_equal0 (a->tokens_pointer, b->tokens_pointer) ||
      a->max_output != b->max_output ||
      a->max_parallel != b->max_parallel ||
      a->input_mode != b->input_mode ||
      a->output_format != b->output_format ||
      g_hash_table_size (a->env) != g_hash_table_size (b->env))
    return FALSE;

  g_hash_table_iter_init (&iter, a->env);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!troupe_str_equal0 (value, g_hash_table_lookup (b->env, key)))
      return FALSE;

  return TRUE;
}

gboolean
troupe_provider_is_builtin_name (const char *name)
{
  return name != NULL && g_strv_contains (builtin_names, name);
}

const char * const *
troupe_provider_get_builtin_names (void)
{
  return builtin_names;
}

TroupeProvider *
troupe_provider_new_builtin (const char *name)
{
  TroupeProvider *self;

  if (!troupe_provider_is_builtin_name (name))
    return NULL;

  self = troupe_provider_new (name);

  if (g_str_equal (name, "claude"))
    {
      static const char * const argv[] = { "claude", "-p", "${prompt}", NULL };
      troupe_provider_set_command (self, argv);
    }
  else if (g_str_equal (name, "gemini"))
    {
      static const char * const argv[] = { "gemini", "-p", "${prompt}", NULL };
      troupe_provider_set_command (self, argv);
    }
  else if (g_str_equal (name, "codex"))
    {
      static const char * const argv[] = { "codex", "exec", NULL };
      troupe_provider_set_command (self, argv);
      self->input_mode = TROUPE_INPUT_MODE_STDIN;
    }
  /* "shell" runs a command step's own argv and "mock" runs inside the
   * engine: neither has an argv template of its own. */

  return self;
}

const char *
troupe_provider_get_name (TroupeProvider *self)
{
  g_return_val_if_fail (TROUPE_IS_PROVIDER (self), NULL);

  return self->name;
}

const char * const *
troupe_provider_get_command (TroupeProvider *self)
{
  g_return_val_if_fail (TROUPE_IS_PROVIDER (self), NULL);

  return (const char * const *) self->command;
}

void
troupe_provider_set_command (TroupeProvider     *self,
                             const char * const *argv)
{
  g_return_if_fail (TROUPE_IS_PROVIDER (self));

  if (troupe_set_strv (&self->command, argv))
    troupe_provider_emit_changed (self);
}

TroupeInputMode
troupe_provider_get_input_mode (TroupeProvider *self)
{
  g_return_val_if_fail (TROUPE_IS_PROVIDER (self), 0);

  return self->input_mode;
}

void
troupe_provider_set_input_mode (TroupeProvider  *self,
                                TroupeInputMode  mode)
{
  g_return_if_fail (TROUPE_IS_PROVIDER (self));

  if (self->input_mode != mode)
    {
      self->input_mode = mode;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INPUT_MODE]);
      troupe_provider_emit_changed (self);
    }
}

TroupeOutputFormat
troupe_provider_get_output_format (TroupeProvider *self)
{
  g_return_val_if_fail (TROUPE_IS_PROVIDER (self), 0);

  return self->output_format;
}

void
troupe_provider_set_output_format (TroupeProvider     *self,
                                   TroupeOutputFormat  format)
{
  g_return_if_fail (TROUPE_IS_PROVIDER (self));

  if (self->output_format != format)
    {
      self->output_format = format;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTPUT_FORMAT]);
      troupe_provider_emit_changed (self);
    }
}

static int
compare_names (const void *a,
               const void *b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

GStrv
troupe_provider_dup_env_names (TroupeProvider *self)
{
  g_autofree gpointer *keys = NULL;
  guint n = 0;
  GStrv names;

  g_return_val_if_fail (TROUPE_IS_PROVIDER (self), NULL);

  keys = g_hash_table_get_keys_as_array (self->env, &n);
  names = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    names[i] = g_strdup (keys[i]);
  qsort (names, n, sizeof (char *), compare_names);
  return names;
}

const char *
troupe_provider_get_env (TroupeProvider *self,
                         const char     *name)
{
  g_return_val_if_fail (TROUPE_IS_PROVIDER (self), NULL);

  return g_hash_table_lookup (self->env, name);
}

void
troupe_provider_set_env (TroupeProvider *self,
                         const char     *name,
                         const char     *value)
{
  g_return_if_fail (TROUPE_IS_PROVIDER (self));
  g_return_if_fail (name != NULL);

  if (troupe_str_equal0 (g_hash_table_lookup (self->env, name), value))
    return;

  if (value == NULL)
    g_hash_table_remove (self->env, name);
  else
    g_hash_table_insert (self->env, g_strdup (name), g_strdup (value));

  troupe_provider_emit_changed (self);
}

guint64
troupe_provider_get_max_output (TroupeProvider *self)
{
  g_return_val_if_fail (TROUPE_IS_PROVIDER (self), 0);

  return self->max_output;
}

void
troupe_provider_set_max_output (TroupeProvider *self,
                                guint64         bytes)
{
  g_return_if_fail (TROUPE_IS_PROVIDER (self));

  if (self->max_output != bytes)
    {
      self->max_output = bytes;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_OUTPUT]);
      troupe_provider_emit_changed (self);
    }
}

guint
troupe_provider_get_max_parallel (TroupeProvider *self)
{
  g_return_val_if_fail (TROUPE_IS_PROVIDER (self), 0);

  return self->max_parallel;
}

void
troupe_provider_set_max_parallel (TroupeProvider *self,
                                  guint           max_parallel)
{
  g_return_if_fail (TROUPE_IS_PROVIDER (self));

  if (self->max_parallel != max_parallel)
    {
      self->max_parallel = max_parallel;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_PARALLEL]);
      troupe_provider_emit_changed (self);
    }
}

#define DEFINE_POINTER_ACCESSORS(field)                                 \
const char *                                                            \
troupe_provider_get_##field (TroupeProvider *self)                      \
{                                                                       \
  g_return_val_if_fail (TROUPE_IS_PROVIDER (self), NULL);               \
  return self->field;                                                   \
}                                                                       \
void                                                                    \
troupe_provider_set_##field (TroupeProvider *self,                      \
                             const char     *pointer)                   \
{                                                                       \
  g_return_if_fail (TROUPE_IS_PROVIDER (self));                         \
  if (troupe_set_str (&self->field, pointer))                           \
    troupe_provider_emit_changed (self);                                \
}

DEFINE_POINTER_ACCESSORS (result_pointer)
DEFINE_POINTER_ACCESSORS (cost_pointer)
DEFINE_POINTER_ACCESSORS (tokens_pointer)
