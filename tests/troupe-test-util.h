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

/* The contents of @path; a file that cannot be read fails the test. */
char *troupe_test_read_file            (const char         *path,
                                        gsize              *length);
/* Writes @contents to @path, making its folder first. */
void  troupe_test_write_file           (const char         *path,
                                        const char         *contents);
/* The name of the one entry in the folder @path; a folder that is missing,
 * empty or holds more than one entry fails the test. */
char *troupe_test_single_entry         (const char         *path);

G_END_DECLS
