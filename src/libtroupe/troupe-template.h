/* troupe-template.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TROUPE_TEMPLATE_ERROR (troupe_template_error_quark ())

typedef enum
{
  TROUPE_TEMPLATE_ERROR_SYNTAX,     /* "${" without "}", an empty name */
  TROUPE_TEMPLATE_ERROR_UNKNOWN,    /* a variable that has no value */
} TroupeTemplateError;

/* Templates: "${run.id}", "${run.timestamp_utc}", "${context.KEY}",
 * "${steps.ID.output}", "${steps.ID.lines}", "${steps.ID.status}",
 * "${item}", "${prompt}". "$${" is a literal "${". The text around
 * variables is copied byte for byte: expansion never splits or quotes.
 *
 * A lookup function gives each variable's value. Returning NULL makes
 * expansion fail with TROUPE_TEMPLATE_ERROR_UNKNOWN and a message that
 * names the variable (and, through @why, why it has no value: "step 'x'
 * has not run yet"); an unknown variable never becomes an empty string. */
typedef char *(*TroupeTemplateLookup) (const char  *name,
                                       char       **why,
                                       gpointer     user_data);

GQuark    troupe_template_error_quark  (void);

char     *troupe_template_expand       (const char            *text,
                                        TroupeTemplateLookup   lookup,
                                        gpointer               user_data,
                                        GError               **error);
/* The names of the variables @text uses, in order, without duplicates;
 * NULL with an error on a syntax problem. For validation. */
GStrv     troupe_template_list_names   (const char            *text,
                                        GError               **error);
/* Step ids that @text refers to through ${steps.ID...}. */
GStrv     troupe_template_list_steps   (const char            *text);

G_END_DECLS
