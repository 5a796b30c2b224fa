/* fuzz-replay-main.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-workflow-load.h"

/* Runs the fuzz target on every file of the directories (or the files)
 * given as arguments, the way libFuzzer replays a corpus, so that the
 * committed corpus runs as an ordinary test in every build, sanitizers
 * included, without clang or libFuzzer. */

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
collect (const char *path,
         GPtrArray  *files)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (files, g_strdup (path));
      return;
    }

  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      /* Corpus directories are flat; README files and the like are not
       * inputs. */
      if (name[0] == '.' || !g_file_test (child, G_FILE_TEST_IS_REGULAR))
        continue;
      g_ptr_array_add (files, g_steal_pointer (&child));
    }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  if (argc < 2)
    {
      g_printerr ("Usage: %s CORPUS-DIR-OR-FILE…\n"
                  "Runs the fuzz target once on every input.\n", argv[0]);
      return 2;
    }

  LLVMFuzzerInitialize (&argc, &argv);

  for (int i = 1; i < argc; i++)
    {
      if (!g_file_test (argv[i], G_FILE_TEST_EXISTS))
        {
          g_printerr ("%s: no such file or directory: %s\n", argv[0], argv[i]);
          return 2;
        }
      collect (argv[i], files);
    }
  g_ptr_array_sort (files, compare_paths);

  if (files->len == 0)
    {
      g_printerr ("%s: no inputs found: an empty corpus tests nothing\n", argv[0]);
      return 1;
    }

  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;
      g_autofree guint8 *input = NULL;
      gsize length = 0;

      if (!g_file_get_contents (path, &contents, &length, &error))
        {
          g_printerr ("%s: %s\n", argv[0], error->message);
          return 1;
        }

      /* Announce the input before running it: if it crashes, the last
       * line names the reproducer. */
      g_print ("Running %s (%" G_GSIZE_FORMAT " bytes)\n", path, length);

      /* An exact-size copy, as libFuzzer passes it, so that a read past the
       * end is caught by AddressSanitizer. */
      input = g_malloc (MAX (length, 1));
      memcpy (input, contents, length);
      LLVMFuzzerTestOneInput (input, length);
    }

  g_print ("Replayed %u inputs without a crash\n", files->len);
  return EXIT_SUCCESS;
}
