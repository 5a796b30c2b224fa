/* troupe-test-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <graphviz/cgraph.h>

#include "troupe-test-util.h"

void
troupe_test_remove_tree (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;

  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      /* Tests make folders read-only on purpose; open them up again. */
      g_chmod (path, 0700);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          troupe_test_remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

char *
troupe_test_make_plugin_folder (const char * const *keep)
{
  Dl_info info = { 0 };
  g_autofree char *lib_dir = NULL;
  g_autofree char *plugin_dir = NULL;
  g_autofree char *system_config = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GString) config = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  char *tmp_dir;
  gboolean keeping = FALSE;

  g_assert_true (dladdr ((void *) agopen, &info) != 0 && info.dli_fname != NULL);
  lib_dir = g_path_get_dirname (info.dli_fname);
  plugin_dir = g_build_filename (lib_dir, "graphviz", NULL);
  system_config = g_build_filename (plugin_dir, "config6a", NULL);
  g_file_get_contents (system_config, &contents, NULL, &error);
  g_assert_no_error (error);

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      if (line[0] != '\0' && !g_ascii_isspace (line[0]) && line[0] != '}' && line[0] != '#')
        {
          keeping = FALSE;
          for (guint k = 0; keep[k] != NULL; k++)
            keeping |= g_str_has_prefix (line, keep[k]);
          if (keeping)
            g_string_append_printf (config, "%s/", plugin_dir);
        }
      if (keeping)
        g_string_append_printf (config, "%s\n", line);
    }

  tmp_dir = g_dir_make_tmp ("troupe-gvplugins-XXXXXX", &error);
  g_assert_no_error (error);
  config_path = g_build_filename (tmp_dir, "config6a", NULL);
  g_file_set_contents (config_path, config->str, -1, &error);
  g_assert_no_error (error);

  return tmp_dir;
}

void
troupe_test_remove_plugin_folder (const char *folder)
{
  g_autofree char *config_path = g_build_filename (folder, "config6a", NULL);

  g_unlink (config_path);
  g_rmdir (folder);
}

char *
troupe_test_read_file (const char *path,
                       gsize      *length)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, length, &error))
    g_error ("cannot read %s: %s", path, error->message);
  return contents;
}

void
troupe_test_write_file (const char *path,
                        const char *contents)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

char *
troupe_test_single_entry (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  name = g_dir_read_name (dir);
  g_assert_nonnull (name);
  g_assert_null (g_dir_read_name (dir));
  return g_strdup (name);
}
