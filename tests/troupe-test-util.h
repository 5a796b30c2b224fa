/* troupe-test-util.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What several test programs need, written once. */

/* Removes @path and, for a folder, everything below it, without following
 * symlinks (a test workspace often holds links that point outside it). */
void  troupe_test_remove_tree          (const char         *path);

/* A graphviz plugin folder (for GVBINDIR) that registers only the plugins
 * whose library names start with one of @keep, taken from the system's
 * own configuration; remove it with troupe_test_remove_plugin_folder(). */
char *troupe_test_make_plugin_folder   (const char * const *keep);
void  troupe_test_remove_plugin_folder (const char         *folder);

G_END_DECLS
