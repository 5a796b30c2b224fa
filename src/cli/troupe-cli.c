/* troupe-cli.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "troupe-cli.h"

static void print_prefixed (FILE                   *stream,
                            const TroupeCliCommand *command,
                            const char             *format,
                            va_list                 args) G_GNUC_PRINTF (3, 0);

static void
print_prefixed (FILE                   *stream,
                const TroupeCliCommand *command,
                const char             *format,
                va_list                 args)
{
  g_autofree char *message = NULL;

  message = g_strdup_vprintf (format, args);
  if (command != NULL)
    fprintf (stream, "troupe %s: %s\n", command->name, message);
  else
    fprintf (stream, "troupe: %s\n", message);
}

int
troupe_cli_usage_error (const TroupeCliCommand *command,
                        const char             *format,
                        ...)
{
  va_list args;

  va_start (args, format);
  print_prefixed (stderr, command, format, args);
  va_end (args);

  fprintf (stderr, "%s\n", _("Run 'troupe help' for usage."));

  return TROUPE_CLI_EXIT_USAGE;
}

void
troupe_cli_error (const TroupeCliCommand *command,
                  const char             *format,
                  ...)
{
  va_list args;

  va_start (args, format);
  print_prefixed (stderr, command, format, args);
  va_end (args);
}

gboolean
troupe_cli_parse_options (const TroupeCliCommand  *command,
                          const GOptionEntry      *entries,
                          const char              *parameter_string,
                          const char              *description,
                          int                      argc,
                          char                   **argv,
                          int                     *exit_status)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *prgname = NULL;
  gboolean help = FALSE;
  const GOptionEntry help_entries[] = {
    { "help", 'h', 0, G_OPTION_ARG_NONE, &help, N_("Show this help and exit"), NULL },
    G_OPTION_ENTRY_NULL
  };

  g_return_val_if_fail (command != NULL, FALSE);
  g_return_val_if_fail (exit_status != NULL, FALSE);

  /* GOptionContext starts its usage line with the program name; naming the
   * command there too gives "troupe validate [OPTION…] FILE…", as the gio
   * and flatpak tools do. */
  prgname = g_strdup_printf ("troupe %s", command->name);
  g_set_prgname (prgname);

  context = g_option_context_new (parameter_string);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  /* The built-in --help calls exit(); ours returns, so the command frees
   * what it holds and leak checkers stay quiet. */
  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_set_summary (context, _(command->summary));
  if (description != NULL)
    g_option_context_set_description (context, description);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, help_entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      *exit_status = troupe_cli_usage_error (command, "%s", error->message);
      return FALSE;
    }

  if (help)
    {
      g_autofree char *text = g_option_context_get_help (context, TRUE, NULL);

      fputs (text, stdout);
      *exit_status = TROUPE_CLI_EXIT_OK;
      return FALSE;
    }

  *exit_status = TROUPE_CLI_EXIT_OK;
  return TRUE;
}

void
troupe_cli_print_diagnostic (const TroupeDiagnostic *diagnostic,
                             const char             *fallback_file)
{
  g_autoptr(TroupeDiagnostic) copy = NULL;
  g_autofree char *text = NULL;

  g_return_if_fail (diagnostic != NULL);

  if (diagnostic->file == NULL && fallback_file != NULL)
    {
      copy = troupe_diagnostic_copy (diagnostic);
      troupe_diagnostic_set_file (copy, fallback_file);
      diagnostic = copy;
    }

  text = troupe_diagnostic_to_string (diagnostic);
  fprintf (stderr, "%s\n", text);
}

TroupeWorkflow *
troupe_cli_load_workflow (const char         *path,
                          TroupeDiagnostic  **problem)
{
  g_autoptr(TroupeDiagnostic) syntax_error = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (problem != NULL && *problem == NULL, NULL);

  workflow = troupe_workflow_new_from_file (path, &syntax_error, &error);
  if (workflow != NULL)
    return g_steal_pointer (&workflow);

  /* A file that cannot be read has no syntax error to point at; report the
   * I/O error against the file itself so the output keeps one form. */
  if (syntax_error == NULL)
    syntax_error = troupe_diagnostic_new (TROUPE_SEVERITY_ERROR, "load", NULL, 0, 0,
                                          "%s",
                                          error != NULL ? error->message
                                                        : _("The file could not be loaded"));
  if (syntax_error->file == NULL)
    troupe_diagnostic_set_file (syntax_error, path);

  *problem = g_steal_pointer (&syntax_error);
  return NULL;
}

static guint
count_severity (GPtrArray      *diagnostics,
                TroupeSeverity  severity)
{
  guint n = 0;

  for (guint i = 0; i < diagnostics->len; i++)
    {
      const TroupeDiagnostic *diagnostic = g_ptr_array_index (diagnostics, i);

      if (diagnostic->severity == severity)
        n++;
    }

  return n;
}

TroupeWorkflow *
troupe_cli_load_valid_workflow (const TroupeCliCommand *command,
                                const char             *path)
{
  g_autoptr(TroupeDiagnostic) problem = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(GPtrArray) diagnostics = NULL;
  guint n_errors;

  g_return_val_if_fail (command != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  workflow = troupe_cli_load_workflow (path, &problem);
  if (workflow == NULL)
    {
      troupe_cli_print_diagnostic (problem, path);
      return NULL;
    }

  diagnostics = troupe_workflow_validate (workflow);
  for (guint i = 0; i < diagnostics->len; i++)
    troupe_cli_print_diagnostic (g_ptr_array_index (diagnostics, i), path);

  /* Working on a model with errors would hide them: an export would drop
   * the unknown keys, a layout would save a file that still does not run. */
  n_errors = count_severity (diagnostics, TROUPE_SEVERITY_ERROR);
  if (n_errors > 0)
    {
      troupe_cli_error (command,
                        g_dngettext (GETTEXT_PACKAGE,
                                     "%s has %u error; fix it first (troupe validate shows it too)",
                                     "%s has %u errors; fix them first (troupe validate shows them too)",
                                     n_errors),
                        path, n_errors);
      return NULL;
    }

  return g_steal_pointer (&workflow);
}

gboolean
troupe_cli_write_stdout (const TroupeCliCommand *command,
                         const void             *data,
                         gsize                   length)
{
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if ((length > 0 && fwrite (data, 1, length, stdout) != length) || fflush (stdout) != 0)
    {
      int saved_errno = errno;

      troupe_cli_error (command, _("Could not write to the standard output: %s"),
                        g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}
