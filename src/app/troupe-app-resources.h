/* troupe-app-resources.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Registers the app's resources (templates, style) the first time it is
 * called, and does nothing after. Every widget class whose template is a
 * resource calls it in its class_init: the widgets can be made without a
 * TroupeApplication (the tests do), and in a static library a resource
 * constructor could be dropped by the linker. */
void troupe_app_ensure_resources (void);

G_END_DECLS
