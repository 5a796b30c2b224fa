/* troupe-to-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>

#include <troupe.h>

/* Prints the JSON that Troupe writes for a workflow file, for the schema
 * test (tests/check-schema.py --convert). Fails when the file does not
 * load cleanly, so a broken test file is not mistaken for a valid one. */
int
main (int   argc,
      char *argv[])
{
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  GPtrArray *diagnostics;
  gsize length = 0;

  if (argc != 2)
    {
      g_printerr ("usage: %s FILE\n", argv[0]);
      return 2;
    }

  workflow = troupe_workflow_new_from_file (argv[1], NULL, &error);
  if (workflow == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  diagnostics = troupe_workflow_get_load_diagnostics (workflow);
  if (diagnostics != NULL && diagnostics->len > 0)
    {
      for (guint i = 0; i < diagnostics->len; i++)
        {
          g_autofree char *line = troupe_diagnostic_to_string (g_ptr_array_index (diagnostics, i));

          g_printerr ("%s\n", line);
        }
      return 1;
    }

  data = troupe_workflow_to_data (workflow, TROUPE_FILE_FORMAT_JSON, &length);
  if (fwrite (data, 1, length, stdout) != length)
    return 1;

  return 0;
}
