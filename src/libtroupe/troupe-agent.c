/* troupe-agent.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "troupe-agent.h"
#include "troupe-strutil.h"

struct _TroupeAgent
{
  GObject  parent_instance;

  char    *name;
  char    *provider;
  char    *color;
  char    *description;

  guint    max_parallel;
};

G_DEFINE_FINAL_TYPE (TroupeAgent, troupe_agent, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_PROVIDER,
  PROP_COLOR,
  PROP_DESCRIPTION,
  PROP_MAX_PARALLEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
troupe_agent_finalize (GObject *object)
{
  TroupeAgent *self = (TroupeAgent *)object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->provider, g_free);
  g_clear_pointer (&self->color, g_free);
  g_clear_pointer (&self->description, g_free);

  G_OBJECT_CLASS (troupe_agent_parent_class)->finalize (object);
}

static void
troupe_agent_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TroupeAgent *self = TROUPE_AGENT (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_PROVIDER:
      g_value_set_string (value, self->provider);
      break;

    case PROP_COLOR:
      g_value_set_string (value, self->color);
      break;

    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;

    case PROP_MAX_PARALLEL:
      g_value_set_uint (value, self->max_parallel);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_agent_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  TroupeAgent *self = TROUPE_AGENT (object);

  switch (prop_id)
    {
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;

    case PROP_PROVIDER:
      troupe_agent_set_provider (self, g_value_get_string (value));
      break;

    case PROP_COLOR:
      troupe_agent_set_color (self, g_value_get_string (value));
      break;

    case PROP_DESCRIPTION:
      troupe_agent_set_description (self, g_value_get_string (value));
      break;

    case PROP_MAX_PARALLEL:
      troupe_agent_set_max_parallel (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_agent_class_init (TroupeAgentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = troupe_agent_finalize;
  object_class->get_property = troupe_agent_get_property;
  object_class->set_property = troupe_agent_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_PROVIDER] =
    g_param_spec_string ("provider", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_COLOR] =
    g_param_spec_string ("color", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_MAX_PARALLEL] =
    g_param_spec_uint ("max-parallel", NULL, NULL, 0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
troupe_agent_init (TroupeAgent *self)
{
}

TroupeAgent *
troupe_agent_new (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  return g_object_new (TROUPE_TYPE_AGENT, "name", name, NULL);
}

TroupeAgent *
troupe_agent_copy (TroupeAgent *self)
{
  g_return_val_if_fail (TROUPE_IS_AGENT (self), NULL);

  return g_object_new (TROUPE_TYPE_AGENT,
                       "name", self->name,
                       "provider", self->provider,
                       "color", self->color,
                       "description", self->description,
                       "max-parallel", self->max_parallel,
                       NULL);
}

gboolean
troupe_agent_equal (TroupeAgent *a,
                    TroupeAgent *b)
{
  g_return_val_if_fail (TROUPE_IS_AGENT (a), FALSE);
  g_return_val_if_fail (TROUPE_IS_AGENT (b), FALSE);

  return troupe_str_equal0 (a->name, b->name) &&
         troupe_str_equal0 (a->provider, b->provider) &&
         troupe_str_equal0 (a->color, b->color) &&
         troupe_str_equal0 (a->description, b->description) &&
         a->max_parallel == b->max_parallel;
}

const char *
troupe_agent_get_name (TroupeAgent *self)
{
  g_return_val_if_fail (TROUPE_IS_AGENT (self), NULL);

  return self->name;
}

const char *
troupe_agent_get_provider (TroupeAgent *self)
{
  g_return_val_if_fail (TROUPE_IS_AGENT (self), NULL);

  return self->provider;
}

void
troupe_agent_set_provider (TroupeAgent *self,
                           const char  *provider)
{
  g_return_if_fail (TROUPE_IS_AGENT (self));

  if (troupe_set_str (&self->provider, provider))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROVIDER]);
}

const char *
troupe_agent_get_color (TroupeAgent *self)
{
  g_return_val_if_fail (TROUPE_IS_AGENT (self), NULL);

  return self->color;
}

void
troupe_agent_set_color (TroupeAgent *self,
                        const char  *color)
{
  g_return_if_fail (TROUPE_IS_AGENT (self));

  if (troupe_set_str (&self->color, color))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLOR]);
}

const char *
troupe_agent_get_description (TroupeAgent *self)
{
  g_return_val_if_fail (TROUPE_IS_AGENT (self), NULL);

  return self->description;
}

void
troupe_agent_set_description (TroupeAgent *self,
                              const char  *description)
{
  g_return_if_fail (TROUPE_IS_AGENT (self));

  if (troupe_set_str (&self->description, description))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
}

guint
troupe_agent_get_max_parallel (TroupeAgent *self)
{
  g_return_val_if_fail (TROUPE_IS_AGENT (self), 0);

  return self->max_parallel;
}

void
troupe_agent_set_max_parallel (TroupeAgent *self,
                               guint        max_parallel)
{
  g_return_if_fail (TROUPE_IS_AGENT (self));

  if (self->max_parallel != max_parallel)
    {
      self->max_parallel = max_parallel;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_PARALLEL]);
    }
}
