/* troupe-path.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Path safety (seed 003): a workflow names files relative to its
 * workspace, never absolute, never with a ".." component, and never through
 * a symlink that resolves outside the workspace. */
typedef enum
{
  TROUPE_PATH_OK,
  TROUPE_PATH_EMPTY,
  TROUPE_PATH_ABSOLUTE,
  TROUPE_PATH_PARENT,          /* a ".." component */
  TROUPE_PATH_ESCAPES,         /* a symlink resolves outside the workspace */
} TroupePathProblem;

/* Checks the text of @relative alone (no filesystem access). */
TroupePathProblem troupe_path_check_syntax    (const char *relative);
/* Checks the text, then resolves every existing prefix of @relative inside
 * @workspace_root (following symlinks) and refuses one that lands outside.
 * Components that do not exist yet are fine. */
TroupePathProblem troupe_path_check           (const char *workspace_root,
                                               const char *relative);
/* For callers that check many paths in one workspace: the absolute,
 * symlink-free spelling of @workspace_root (resolved once), and the same
 * check as troupe_path_check() against such a resolved root. */
char             *troupe_path_resolve_root    (const char *workspace_root);
TroupePathProblem troupe_path_check_resolved  (const char *resolved_root,
                                               const char *relative);
/* A sentence saying what is wrong with @relative and how to fix it. */
char             *troupe_path_problem_message (TroupePathProblem problem,
                                               const char       *relative);

/* POSIX globs: only '*' and '?' are special; "**", '[', ']', '{', '}' and
 * '\\' are refused. Returns NULL when fine, else a sentence to show. */
char             *troupe_glob_check           (const char *glob);
/* Matches one path component by component ('*' and '?' never cross '/'). */
gboolean          troupe_glob_match           (const char *glob,
                                               const char *path);

G_END_DECLS
