/* troupe-cli-import.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "troupe-cli.h"

/* Only the workflow formats can hold an imported workflow. */
static gboolean
output_format_from_path (const char       *path,
                         TroupeFileFormat *format)
{
  if (g_str_has_suffix (path, ".yaml") || g_str_has_suffix (path, ".yml"))
    *format = TROUPE_FILE_FORMAT_YAML;
  else if (g_str_has_suffix (path, ".json"))
    *format = TROUPE_FILE_FORMAT_JSON;
  else
    return FALSE;

  return TRUE;
}

int
troupe_cli_import (const TroupeCliCommand  *command,
                   int                      argc,
                   char                   **argv)
{
  g_auto(GStrv) files = NULL;
  g_autofree char *output = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(GError) error = NULL;
  TroupeFileFormat format = TROUPE_FILE_FORMAT_YAML;
  gboolean to_stdout;
  int status;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Save the workflow to OUT (.yaml, .yml or .json), atomically; without it, print YAML"),
      N_("OUT") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!troupe_cli_parse_options (command, entries, _("FILE.dot"),
                                 _("Each node of the graph becomes a command step named by its label\n"
                                   "and each edge a need. What the workflow format cannot hold is\n"
                                   "reported as a warning on the standard error.\n"
                                   "\n"
                                   "Example:\n"
                                   "  troupe import pipeline.dot -o pipeline.yaml\n"
                                   "\n"
                                   "Exit status: 0 on success, 1 when the graph cannot be read or the\n"
                                   "workflow cannot be saved, 2 on a usage error."),
                                 argc, argv, &status))
    return status;

  if (files == NULL || files[0] == NULL)
    return troupe_cli_usage_error (command, _("Name the DOT file to import"));
  if (files[1] != NULL)
    return troupe_cli_usage_error (command, _("Import one file at a time (got '%s' and '%s')"),
                                   files[0], files[1]);

  to_stdout = output == NULL || g_str_equal (output, "-");
  if (!to_stdout && !output_format_from_path (output, &format))
    return troupe_cli_usage_error (command,
                                   _("Cannot tell the format from the name '%s': end it with .yaml or .json"),
                                   output);

  warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_diagnostic_free);
  workflow = troupe_workflow_import_dot (files[0], warnings, &error);

  for (guint i = 0; i < warnings->len; i++)
    troupe_cli_print_diagnostic (g_ptr_array_index (warnings, i), files[0]);

  if (workflow == NULL)
    {
      troupe_cli_error (command, _("Could not import %s: %s"), files[0], error->message);
      return TROUPE_CLI_EXIT_INVALID;
    }

  if (to_stdout)
    {
      g_autofree char *data = NULL;
      gsize length = 0;

      data = troupe_workflow_to_data (workflow, format, &length);
      return troupe_cli_write_stdout (command, data, length) ? TROUPE_CLI_EXIT_OK
                                                             : TROUPE_CLI_EXIT_INVALID;
    }

  if (!troupe_workflow_save_to_file (workflow, output, format, &error))
    {
      troupe_cli_error (command, _("Could not save %s: %s"), output, error->message);
      return TROUPE_CLI_EXIT_INVALID;
    }

  return TROUPE_CLI_EXIT_OK;
}
