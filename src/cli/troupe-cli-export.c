/* troupe-cli-export.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "troupe-cli.h"

typedef struct
{
  const char       *name;
  TroupeFileFormat  format;
  guint             binary : 1;
} ExportFormat;

/* The first row of each format is its --format name; the others are only
 * file extensions it is guessed from. */
static const ExportFormat export_formats[] = {
  { "dot",     TROUPE_FILE_FORMAT_DOT,     FALSE },
  { "mermaid", TROUPE_FILE_FORMAT_MERMAID, FALSE },
  { "json",    TROUPE_FILE_FORMAT_JSON,    FALSE },
  { "yaml",    TROUPE_FILE_FORMAT_YAML,    FALSE },
  { "svg",     TROUPE_FILE_FORMAT_SVG,     FALSE },
  { "png",     TROUPE_FILE_FORMAT_PNG,     TRUE },
};

static const struct {
  const char *extension;
  const char *format;
} extensions[] = {
  { "dot",     "dot" },
  { "gv",      "dot" },
  { "mmd",     "mermaid" },
  { "mermaid", "mermaid" },
  { "json",    "json" },
  { "yaml",    "yaml" },
  { "yml",     "yaml" },
  { "svg",     "svg" },
  { "png",     "png" },
};

static const ExportFormat *
lookup_format (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (export_formats); i++)
    if (g_ascii_strcasecmp (export_formats[i].name, name) == 0)
      return &export_formats[i];

  return NULL;
}

static const ExportFormat *
guess_format (const char *path)
{
  g_autofree char *basename = g_path_get_basename (path);
  const char *dot = strrchr (basename, '.');

  if (dot == NULL)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (extensions); i++)
    if (g_ascii_strcasecmp (extensions[i].extension, dot + 1) == 0)
      return lookup_format (extensions[i].format);

  return NULL;
}

static GBytes *
export_workflow (TroupeWorkflow      *workflow,
                 const ExportFormat  *format,
                 gboolean             clusters,
                 GError             **error)
{
  /* troupe_workflow_export() draws DOT without clusters; the clustered
   * variant has its own entry point. */
  if (format->format == TROUPE_FILE_FORMAT_DOT && clusters)
    {
      char *dot = troupe_workflow_to_dot (workflow, TRUE, error);

      if (dot == NULL)
        return NULL;

      return g_bytes_new_take (dot, strlen (dot));
    }

  return troupe_workflow_export (workflow, format->format, error);
}

int
troupe_cli_export (const TroupeCliCommand  *command,
                   int                      argc,
                   char                   **argv)
{
  g_auto(GStrv) files = NULL;
  g_autofree char *format_name = NULL;
  g_autofree char *output = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  const ExportFormat *format = NULL;
  gboolean clusters = FALSE;
  gboolean to_stdout;
  gsize length = 0;
  const char *data;
  int status;
  const GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name,
      N_("Export as FORMAT: dot, mermaid, json, yaml, svg or png (default: from the extension of -o)"),
      N_("FORMAT") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Write to OUT, atomically, instead of the standard output"), N_("OUT") },
    { "clusters", 0, 0, G_OPTION_ARG_NONE, &clusters,
      N_("Group each agent's steps in a cluster (dot only)"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!troupe_cli_parse_options (command, entries, _("FILE"),
                                 _("The workflow must be valid: its errors are printed instead.\n"
                                   "PNG is binary and is never written to a terminal: use -o.\n"
                                   "\n"
                                   "Examples:\n"
                                   "  troupe export flow.yaml --format mermaid\n"
                                   "  troupe export flow.yaml -o flow.svg\n"
                                   "  troupe export flow.yaml --format dot --clusters | dot -Tpdf -o flow.pdf\n"
                                   "\n"
                                   "Exit status: 0 on success, 1 when the workflow is invalid or the\n"
                                   "export fails, 2 on a usage error."),
                                 argc, argv, &status))
    return status;

  if (files == NULL || files[0] == NULL)
    return troupe_cli_usage_error (command, _("Name the workflow file to export"));
  if (files[1] != NULL)
    return troupe_cli_usage_error (command, _("Export one file at a time (got '%s' and '%s')"),
                                   files[0], files[1]);

  to_stdout = output == NULL || g_str_equal (output, "-");

  if (format_name != NULL)
    {
      format = lookup_format (format_name);
      if (format == NULL)
        return troupe_cli_usage_error (command,
                                       _("Unknown format '%s': use dot, mermaid, json, yaml, svg or png"),
                                       format_name);
    }
  else if (!to_stdout)
    {
      format = guess_format (output);
      if (format == NULL)
        return troupe_cli_usage_error (command,
                                       _("Cannot tell the format from the name '%s': add --format dot, mermaid, json, yaml, svg or png"),
                                       output);
    }
  else
    return troupe_cli_usage_error (command, _("Say what to export: --format dot, mermaid, json, yaml, svg or png"));

  if (clusters && format->format != TROUPE_FILE_FORMAT_DOT)
    return troupe_cli_usage_error (command, _("--clusters only applies to --format dot"));

  /* Checked before the work: a terminal shows binary data as garbage and
   * may even take some of it for control sequences. */
  if (to_stdout && format->binary && isatty (fileno (stdout)))
    return troupe_cli_usage_error (command,
                                   _("Not writing %s data to a terminal: use -o FILE.%s or redirect the output"),
                                   format->name, format->name);

  workflow = troupe_cli_load_valid_workflow (command, files[0]);
  if (workflow == NULL)
    return TROUPE_CLI_EXIT_INVALID;

  bytes = export_workflow (workflow, format, clusters, &error);
  if (bytes == NULL)
    {
      troupe_cli_error (command, _("Could not export %s as %s: %s"),
                        files[0], format->name, error->message);
      return TROUPE_CLI_EXIT_INVALID;
    }

  data = g_bytes_get_data (bytes, &length);

  if (to_stdout)
    return troupe_cli_write_stdout (command, data, length) ? TROUPE_CLI_EXIT_OK
                                                           : TROUPE_CLI_EXIT_INVALID;

  if (!troupe_write_file_atomically (output, data, length, &error))
    {
      troupe_cli_error (command, _("Could not write %s: %s"), output, error->message);
      return TROUPE_CLI_EXIT_INVALID;
    }

  return TROUPE_CLI_EXIT_OK;
}
