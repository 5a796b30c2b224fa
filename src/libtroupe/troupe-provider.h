/* troupe-provider.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "troupe-types.h"

G_BEGIN_DECLS

#define TROUPE_TYPE_PROVIDER (troupe_provider_get_type ())

G_DECLARE_FINAL_TYPE (TroupeProvider, troupe_provider, TROUPE, PROVIDER, GObject)

/* A provider turns a step into a process: an argv template in which
 * "${prompt}" stands for the prompt (input mode argv) or that reads the
 * prompt on stdin (input mode stdin), extra environment, and how its output
 * is read. The built-in ones (claude, gemini, codex, shell, mock) need no
 * entry in the workflow file. */
TroupeProvider      *troupe_provider_new               (const char           *name);
TroupeProvider      *troupe_provider_copy              (TroupeProvider       *self);
gboolean             troupe_provider_equal             (TroupeProvider       *a,
                                                        TroupeProvider       *b);
/* A new reference to the built-in provider @name, or NULL. */
TroupeProvider      *troupe_provider_new_builtin       (const char           *name);
gboolean             troupe_provider_is_builtin_name   (const char           *name);
const char * const  *troupe_provider_get_builtin_names (void);

const char          *troupe_provider_get_name          (TroupeProvider       *self);
const char * const  *troupe_provider_get_command       (TroupeProvider       *self);
void                 troupe_provider_set_command       (TroupeProvider       *self,
                                                        const char * const   *argv);
TroupeInputMode      troupe_provider_get_input_mode    (TroupeProvider       *self);
void                 troupe_provider_set_input_mode    (TroupeProvider       *self,
                                                        TroupeInputMode       mode);
TroupeOutputFormat   troupe_provider_get_output_format (TroupeProvider       *self);
void                 troupe_provider_set_output_format (TroupeProvider       *self,
                                                        TroupeOutputFormat    format);
/* Extra environment, as a sorted list of names. */
GStrv                troupe_provider_dup_env_names     (TroupeProvider       *self);
const char          *troupe_provider_get_env           (TroupeProvider       *self,
                                                        const char           *name);
void                 troupe_provider_set_env           (TroupeProvider       *self,
                                                        const char           *name,
                                                        const char           *value);
guint64              troupe_provider_get_max_output    (TroupeProvider       *self);
void                 troupe_provider_set_max_output    (TroupeProvider       *self,
                                                        guint64               bytes);
guint                troupe_provider_get_max_parallel  (TroupeProvider       *self);
void                 troupe_provider_set_max_parallel  (TroupeProvider       *self,
                                                        guint                 max_parallel);
/* JSON pointers into a json provider's output. */
const char          *troupe_provider_get_result_pointer (TroupeProvider      *self);
void                 troupe_provider_set_result_pointer (TroupeProvider      *self,
                                                         const char          *pointer);
const char          *troupe_provider_get_cost_pointer  (TroupeProvider       *self);
void                 troupe_provider_set_cost_pointer  (TroupeProvider       *self,
                                                        const char           *pointer);
const char          *troupe_provider_get_tokens_pointer (TroupeProvider      *self);
void                 troupe_provider_set_tokens_pointer (TroupeProvider      *self,
                                                         const char          *pointer);

G_END_DECLS
