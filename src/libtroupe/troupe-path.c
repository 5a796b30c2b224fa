/* troupe-path.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "troupe-path.h"

/* The kernel gives up after 40 links (ELOOP); so do we, and a path that
 * needs more is refused rather than followed forever. */
#define MAX_SYMLINKS 40

TroupePathProblem
troupe_path_check_syntax (const char *relative)
{
  const char *p;

  if (relative == NULL || relative[0] == '\0')
    return TROUPE_PATH_EMPTY;

  if (relative[0] == '/')
    return TROUPE_PATH_ABSOLUTE;

  p = relative;
  while (*p != '\0')
    {
      const char *end = strchr (p, '/');
      gsize len = end != NULL ? (gsize) (end - p) : strlen (p);

      if (len == 2 && p[0] == '.' && p[1] == '.')
        return TROUPE_PATH_PARENT;

      if (end == NULL)
        break;
      p = end + 1;
    }

  return TROUPE_PATH_OK;
}

/* One entry of the resolver's work stack. Symlink targets are pushed in
 * front of what remains of the caller's path; only once every component
 * that came from the caller's path is resolved do we check containment, so
 * a link such as "../ws/sub" that leaves and re-enters the workspace is
 * judged by where it lands. */
typedef struct
{
  char     *name;
  gboolean  from_caller;
} Component;

static void
component_clear (gpointer data)
{
  Component *component = data;

  g_free (component->name);
}

/* Pushes the components of @path so that the first one is on top. */
static void
push_components (GArray     *stack,
                 const char *path,
                 gboolean    from_caller)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  guint n = g_strv_length (parts);

  for (guint i = n; i > 0; i--)
    {
      Component component;

      if (parts[i - 1][0] == '\0' || g_str_equal (parts[i - 1], "."))
        continue;

      component.name = g_strdup (parts[i - 1]);
      component.from_caller = from_caller;
      g_array_append_val (stack, component);
    }
}

static void
pop_to_parent (GString *current)
{
  const char *slash = strrchr (current->str, '/');

  g_assert (slash != NULL);

  if (slash == current->str)
    g_string_truncate (current, 1);
  else
    g_string_truncate (current, slash - current->str);
}

static gboolean
is_inside (const char *root,
           const char *path)
{
  gsize root_len = strlen (root);

  /* "/" contains every absolute path. */
  if (root_len == 1 && root[0] == '/')
    return TRUE;

  return strncmp (path, root, root_len) == 0 &&
         (path[root_len] == '\0' || path[root_len] == '/');
}

/* A root that does not exist yet cannot hold links, so its lexically
 * cleaned spelling is as good as a resolved one. */
char *
troupe_path_resolve_root (const char *workspace_root)
{
  g_autofree char *absolute = NULL;
  char *resolved;

  g_return_val_if_fail (workspace_root != NULL, NULL);

  if (g_path_is_absolute (workspace_root))
    absolute = g_strdup (workspace_root);
  else
    {
      g_autofree char *cwd = g_get_current_dir ();

      absolute = g_build_filename (cwd, workspace_root, NULL);
    }

  resolved = realpath (absolute, NULL);
  if (resolved != NULL)
    {
      char *copy = g_strdup (resolved);

      free (resolved);
      return copy;
    }

  return g_canonicalize_filename (absolute, NULL);
}

TroupePathProblem
troupe_path_check (const char *workspace_root,
                   const char *relative)
{
  TroupePathProblem problem;
  g_autofree char *root = NULL;

  g_return_val_if_fail (workspace_root != NULL, TROUPE_PATH_EMPTY);

  problem = troupe_path_check_syntax (relative);
  if (problem != TROUPE_PATH_OK)
    return problem;

  root = troupe_path_resolve_root (workspace_root);
  return troupe_path_check_resolved (root, relative);
}

TroupePathProblem
troupe_path_check_resolved (const char *root,
                            const char *relative)
{
  TroupePathProblem problem;
  g_autoptr(GArray) stack = NULL;
  g_autoptr(GString) current = NULL;
  guint n_links = 0;
  gboolean missing = FALSE;

  g_return_val_if_fail (root != NULL && g_path_is_absolute (root), TROUPE_PATH_EMPTY);

  problem = troupe_path_check_syntax (relative);
  if (problem != TROUPE_PATH_OK)
    return problem;

  current = g_string_new (root);

  stack = g_array_new (FALSE, FALSE, sizeof (Component));
  g_array_set_clear_func (stack, component_clear);
  push_components (stack, relative, TRUE);

  while (stack->len > 0)
    {
      Component *top = &g_array_index (stack, Component, stack->len - 1);
      g_autofree char *name = g_steal_pointer (&top->name);
      gboolean from_caller = top->from_caller;
      struct stat st;

      /* Every component before this one is fully resolved: the path so
       * far is an existing (or not yet existing) prefix of the caller's
       * path, and it must be inside the workspace. */
      if (from_caller && !is_inside (root, current->str))
        return TROUPE_PATH_ESCAPES;

      g_array_set_size (stack, stack->len - 1);

      if (g_str_equal (name, ".."))
        {
          /* Only symlink targets get here: the caller's text has none. */
          pop_to_parent (current);
          continue;
        }

      if (current->len > 1)
        g_string_append_c (current, '/');
      g_string_append (current, name);

      /* A component that does not exist (or that we may not look at) is
       * not a link: the caller may create it, and it stays where it is.
       * Nothing below a missing one exists either, and only a link could
       * bring a ".." that climbs back out of it, so the rest is text. */
      if (missing)
        continue;
      if (lstat (current->str, &st) != 0)
        {
          missing = TRUE;
          continue;
        }
      if (!S_ISLNK (st.st_mode))
        continue;

      {
        g_autofree char *target = NULL;

        if (++n_links > MAX_SYMLINKS)
          return TROUPE_PATH_ESCAPES;

        target = g_file_read_link (current->str, NULL);
        if (target == NULL || target[0] == '\0')
          return TROUPE_PATH_ESCAPES;

        /* The link's target is read relative to the folder holding it. A
         * dangling link is followed too: writing through it would create
         * its target, wherever that is. */
        if (target[0] == '/')
          g_string_assign (current, "/");
        else
          pop_to_parent (current);

        push_components (stack, target, FALSE);
      }
    }

  if (!is_inside (root, current->str))
    return TROUPE_PATH_ESCAPES;

  return TROUPE_PATH_OK;
}

char *
troupe_path_problem_message (TroupePathProblem  problem,
                             const char        *relative)
{
  switch (problem)
    {
    case TROUPE_PATH_OK:
      return NULL;

    case TROUPE_PATH_EMPTY:
      return g_strdup ("the path is empty; write a path relative to the workspace folder");

    case TROUPE_PATH_ABSOLUTE:
      {
        const char *stripped = relative != NULL ? relative : "";

        while (*stripped == '/')
          stripped++;

        if (*stripped != '\0')
          return g_strdup_printf ("'%s' is an absolute path; write it relative to the "
                                  "workspace folder (for example '%s')",
                                  relative, stripped);
        return g_strdup_printf ("'%s' is an absolute path; write a path relative to the "
                                "workspace folder", relative);
      }

    case TROUPE_PATH_PARENT:
      return g_strdup_printf ("'%s' has a '..' component, which could leave the workspace; "
                              "write a path inside the workspace folder without '..'",
                              relative);

    case TROUPE_PATH_ESCAPES:
      return g_strdup_printf ("'%s' goes through a symbolic link that leads outside the "
                              "workspace; point the link inside the workspace or use "
                              "another path", relative);

    default:
      g_return_val_if_reached (NULL);
    }
}

char *
troupe_glob_check (const char *glob)
{
  TroupePathProblem problem;
  const char *p;

  problem = troupe_path_check_syntax (glob);
  if (problem != TROUPE_PATH_OK)
    {
      g_autofree char *why = troupe_path_problem_message (problem, glob);

      return g_strdup_printf ("the glob is unsafe: %s", why);
    }

  if (strstr (glob, "**") != NULL)
    return g_strdup_printf ("'%s' uses '**', but globs match one folder level per '/' "
                            "(POSIX '*' and '?' only); name each folder, as in "
                            "'inbox/*/*.task'", glob);

  for (p = glob; *p != '\0'; p++)
    {
      if (strchr ("[]{}\\", *p) != NULL)
        return g_strdup_printf ("'%s' uses '%c', which globs here do not support "
                                "(only '*' and '?' are special); match with '*' or '?' "
                                "instead", glob, *p);
    }

  return NULL;
}

/* Skips one character of a path component: one UTF-8 sequence, or one
 * byte when the text is not UTF-8. */
static const char *
skip_char (const char *p,
           const char *end)
{
  p++;
  while (p < end && ((guchar) *p & 0xC0) == 0x80)
    p++;
  return p;
}

/* Matches one component: '*' is any run of characters, '?' is one
 * character, and neither matches a leading '.' (POSIX FNM_PERIOD), so
 * "*.task" does not pick up hidden files. Greedy with one backtrack point,
 * which is enough for '*' and is linear in practice. */
static gboolean
match_component (const char *glob,
                 const char *glob_end,
                 const char *name,
                 const char *name_end)
{
  const char *star_glob = NULL;
  const char *star_name = NULL;

  if (name < name_end && name[0] == '.' && glob < glob_end && (glob[0] == '*' || glob[0] == '?'))
    return FALSE;

  while (name < name_end)
    {
      if (glob < glob_end && *glob == '*')
        {
          star_glob = ++glob;
          star_name = name;
        }
      else if (glob < glob_end && *glob == '?')
        {
          glob++;
          name = skip_char (name, name_end);
        }
      else if (glob < glob_end && *glob == *name)
        {
          glob++;
          name++;
        }
      else if (star_glob != NULL)
        {
          glob = star_glob;
          star_name = skip_char (star_name, name_end);
          name = star_name;
        }
      else
        return FALSE;
    }

  while (glob < glob_end && *glob == '*')
    glob++;

  return glob == glob_end;
}

gboolean
troupe_glob_match (const char *glob,
                   const char *path)
{
  g_return_val_if_fail (glob != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  for (;;)
    {
      const char *glob_slash = strchr (glob, '/');
      const char *path_slash = strchr (path, '/');
      const char *glob_end = glob_slash != NULL ? glob_slash : glob + strlen (glob);
      const char *path_end = path_slash != NULL ? path_slash : path + strlen (path);

      if (!match_component (glob, glob_end, path, path_end))
        return FALSE;

      /* Both must run out of components together. */
      if (glob_slash == NULL || path_slash == NULL)
        return glob_slash == NULL && path_slash == NULL;

      glob = glob_slash + 1;
      path = path_slash + 1;
    }
}
