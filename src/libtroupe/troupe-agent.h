/* troupe-agent.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "troupe-types.h"

G_BEGIN_DECLS

#define TROUPE_TYPE_AGENT (troupe_agent_get_type ())

G_DECLARE_FINAL_TYPE (TroupeAgent, troupe_agent, TROUPE, AGENT, GObject)

/* An agent of the troupe: a name that steps refer to, the provider its
 * steps use unless they say otherwise, a colour for the canvas, and how many
 * of its steps may run at once (0: no limit of its own). */
TroupeAgent *troupe_agent_new              (const char  *name);
TroupeAgent *troupe_agent_copy             (TroupeAgent *self);
gboolean     troupe_agent_equal            (TroupeAgent *a,
                                            TroupeAgent *b);
const char  *troupe_agent_get_name         (TroupeAgent *self);
const char  *troupe_agent_get_provider     (TroupeAgent *self);
void         troupe_agent_set_provider     (TroupeAgent *self,
                                            const char  *provider);
const char  *troupe_agent_get_color        (TroupeAgent *self);
void         troupe_agent_set_color        (TroupeAgent *self,
                                            const char  *color);
const char  *troupe_agent_get_description  (TroupeAgent *self);
void         troupe_agent_set_description  (TroupeAgent *self,
                                            const char  *description);
guint        troupe_agent_get_max_parallel (TroupeAgent *self);
void         troupe_agent_set_max_parallel (TroupeAgent *self,
                                            guint        max_parallel);

G_END_DECLS
