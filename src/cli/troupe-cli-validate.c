/* troupe-cli-validate.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "troupe-cli.h"

typedef struct
{
  char      *file;
  GPtrArray *diagnostics;   /* TroupeDiagnostic*, each naming its file */
  guint      n_steps;
  guint      n_errors;
  guint      n_warnings;
  guint      loaded : 1;
} FileReport;

static void
file_report_free (FileReport *report)
{
  g_clear_pointer (&report->file, g_free);
  g_clear_pointer (&report->diagnostics, g_ptr_array_unref);
  g_free (report);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FileReport, file_report_free)

static FileReport *
check_file (const char *path)
{
  g_autoptr(FileReport) report = g_new0 (FileReport, 1);
  g_autoptr(TroupeDiagnostic) problem = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;

  report->file = g_strdup (path);

  workflow = troupe_cli_load_workflow (path, &problem);
  if (workflow == NULL)
    {
      report->diagnostics = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_diagnostic_free);
      g_ptr_array_add (report->diagnostics, g_steal_pointer (&problem));
    }
  else
    {
      report->loaded = TRUE;
      report->n_steps = troupe_workflow_get_n_steps (workflow);
      report->diagnostics = troupe_workflow_validate (workflow);
    }

  for (guint i = 0; i < report->diagnostics->len; i++)
    {
      TroupeDiagnostic *diagnostic = g_ptr_array_index (report->diagnostics, i);

      /* Editors jump to "file:line:col", so every line names its file. */
      if (diagnostic->file == NULL)
        troupe_diagnostic_set_file (diagnostic, path);

      if (diagnostic->severity == TROUPE_SEVERITY_ERROR)
        report->n_errors++;
      else
        report->n_warnings++;
    }

  return g_steal_pointer (&report);
}

static gboolean
file_report_is_valid (const FileReport *report)
{
  return report->loaded && report->n_errors == 0;
}

static void
print_text_report (const FileReport *report)
{
  g_autoptr(GString) counts = g_string_new (NULL);

  for (guint i = 0; i < report->diagnostics->len; i++)
    troupe_cli_print_diagnostic (g_ptr_array_index (report->diagnostics, i), report->file);

  if (report->n_errors > 0)
    g_string_append_printf (counts,
                            g_dngettext (GETTEXT_PACKAGE, "%u error", "%u errors", report->n_errors),
                            report->n_errors);
  if (report->n_warnings > 0)
    {
      if (counts->len > 0)
        g_string_append (counts, ", ");
      g_string_append_printf (counts,
                              g_dngettext (GETTEXT_PACKAGE, "%u warning", "%u warnings", report->n_warnings),
                              report->n_warnings);
    }

  if (!report->loaded)
    /* The reason is the diagnostic printed just above. */
    printf (_("%s: does not load\n"), report->file);
  else if (report->n_errors > 0)
    printf ("%s: %s\n", report->file, counts->str);
  else
    {
      g_autofree char *steps = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                             "%u step", "%u steps",
                                                             report->n_steps),
                                                report->n_steps);

      if (counts->len > 0)
        printf (_("%s: ok (%s, %s)\n"), report->file, steps, counts->str);
      else
        printf (_("%s: ok (%s)\n"), report->file, steps);
    }
}

static JsonNode *
build_json_report (GPtrArray *reports)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "files");
  json_builder_begin_array (builder);

  for (guint i = 0; i < reports->len; i++)
    {
      const FileReport *report = g_ptr_array_index (reports, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "file");
      json_builder_add_string_value (builder, report->file);
      json_builder_set_member_name (builder, "valid");
      json_builder_add_boolean_value (builder, file_report_is_valid (report));
      json_builder_set_member_name (builder, "diagnostics");
      json_builder_begin_array (builder);
      for (guint j = 0; j < report->diagnostics->len; j++)
        json_builder_add_value (builder,
                                troupe_diagnostic_to_json (g_ptr_array_index (report->diagnostics, j)));
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }

  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

int
troupe_cli_validate (const TroupeCliCommand  *command,
                     int                      argc,
                     char                   **argv)
{
  g_auto(GStrv) files = NULL;
  g_autoptr(GPtrArray) reports = NULL;
  gboolean json = FALSE;
  gboolean all_valid = TRUE;
  int status;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print the diagnostics of all files as one JSON document on the standard output"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!troupe_cli_parse_options (command, entries, _("FILE…"),
                                 _("Every problem is printed as 'file:line:col: error: message' on\n"
                                   "the standard error, and a summary line per file on the standard\n"
                                   "output, such as 'flow.yaml: ok (5 steps)'.\n"
                                   "\n"
                                   "With --json, the standard output is one document:\n"
                                   "  {\"files\": [{\"file\": …, \"valid\": true, \"diagnostics\": […]}]}\n"
                                   "\n"
                                   "Exit status: 0 when every file is valid (warnings allowed),\n"
                                   "1 when a file has an error or does not load, 2 on a usage error."),
                                 argc, argv, &status))
    return status;

  if (files == NULL || files[0] == NULL)
    return troupe_cli_usage_error (command, _("Name at least one workflow file to check"));

  reports = g_ptr_array_new_with_free_func ((GDestroyNotify) file_report_free);
  for (guint i = 0; files[i] != NULL; i++)
    {
      FileReport *report = check_file (files[i]);

      g_ptr_array_add (reports, report);
      if (!file_report_is_valid (report))
        all_valid = FALSE;
      if (!json)
        print_text_report (report);
    }

  if (json)
    {
      g_autoptr(JsonNode) root = build_json_report (reports);
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autofree char *text = NULL;
      gsize length = 0;

      json_generator_set_pretty (generator, TRUE);
      json_generator_set_root (generator, root);
      text = json_generator_to_data (generator, &length);
      if (!troupe_cli_write_stdout (command, text, length) ||
          !troupe_cli_write_stdout (command, "\n", 1))
        return TROUPE_CLI_EXIT_INVALID;
    }
  else
    fflush (stdout);

  return all_valid ? TROUPE_CLI_EXIT_OK : TROUPE_CLI_EXIT_INVALID;
}
