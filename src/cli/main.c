/* main.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "troupe-cli.h"

/* Every command is a facet file. The order is the order `troupe help`
 * lists them in. */
static const TroupeCliCommand commands[] = {
  { "validate", N_("Check workflow files and report every problem"),      troupe_cli_validate },
  { "run",      N_("Run a workflow, showing its progress"),               troupe_cli_run },
  { "resume",   N_("Continue a run that did not succeed"),                troupe_cli_resume },
  { "runs",     N_("List the runs of a workspace"),                       troupe_cli_runs },
  { "logs",     N_("Show the steps of a run and their logs"),             troupe_cli_logs },
  { "approve",  N_("Approve a step that waits for a person"),             troupe_cli_approve },
  { "reject",   N_("Reject a step that waits for a person"),              troupe_cli_reject },
  { "export",   N_("Export a workflow as DOT, Mermaid, JSON, YAML, SVG or PNG"), troupe_cli_export },
  { "layout",   N_("Lay out a workflow's steps with graphviz dot"),       troupe_cli_layout },
  { "import",   N_("Turn a graphviz DOT file into a workflow"),           troupe_cli_import },
  { "train",    N_("Train a policy that picks which agent acts next"),    troupe_cli_train },
  { "policy",   N_("Show a trained policy"),                              troupe_cli_policy },
};

static const TroupeCliCommand *
lookup_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];

  return NULL;
}

static int
unknown_command (const char *name)
{
  const char *names[G_N_ELEMENTS (commands) + 2];
  const char *suggestion;

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    names[i] = commands[i].name;
  names[G_N_ELEMENTS (commands)] = "help";
  names[G_N_ELEMENTS (commands) + 1] = NULL;

  suggestion = troupe_suggest (name, names);
  if (suggestion != NULL)
    return troupe_cli_usage_error (NULL, _("Unknown command '%s'; did you mean '%s'?"),
                                   name, suggestion);

  return troupe_cli_usage_error (NULL, _("Unknown command '%s'"), name);
}

static void
print_help (FILE *stream)
{
  int width = (int) strlen ("help");

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    width = MAX (width, (int) strlen (commands[i].name));

  fprintf (stream, "%s\n  troupe %s\n\n", _("Usage:"), _("COMMAND [OPTION…] [ARGUMENT…]"));
  fprintf (stream, "%s\n\n", _("Design, check, run, lay out and export multi-agent workflows."));

  fprintf (stream, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-*s  %s\n", width, commands[i].name, _(commands[i].summary));
  fprintf (stream, "  %-*s  %s\n\n", width, "help", _("Show this help, or the help of COMMAND"));

  fprintf (stream, "%s\n", _("Options:"));
  fprintf (stream, "  %-12s%s\n", "-h, --help", _("Show this help and exit"));
  fprintf (stream, "  %-12s%s\n\n", "--version", _("Print the version and exit"));

  fprintf (stream, "%s\n\n",
           _("Run 'troupe help COMMAND' or 'troupe COMMAND --help' for the options of a command."));
  fprintf (stream, "%s\n",
           _("Exit status: 0 on success; 1 when a workflow is invalid (an error, or a file\n"
             "that does not load) or the work fails (a run that fails or is cancelled);\n"
             "2 on a usage error; 130 when Ctrl+C cancels a run."));
}

static int
help_main (int    argc,
           char **argv)
{
  const TroupeCliCommand *command;
  char *command_argv[3] = { NULL, (char *) "--help", NULL };

  if (argc == 1)
    {
      print_help (stdout);
      return TROUPE_CLI_EXIT_OK;
    }

  if (argc > 2)
    return troupe_cli_usage_error (NULL, _("'help' takes at most one command name"));

  if (g_str_equal (argv[1], "help"))
    {
      print_help (stdout);
      return TROUPE_CLI_EXIT_OK;
    }

  command = lookup_command (argv[1]);
  if (command == NULL)
    return unknown_command (argv[1]);

  /* The command prints its own help, so `troupe help export` and
   * `troupe export --help` can never disagree. */
  command_argv[0] = (char *) command->name;
  return command->main (command, 2, command_argv);
}

int
main (int    argc,
      char **argv)
{
  const TroupeCliCommand *command;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_prgname ("troupe");

  if (argc < 2)
    return troupe_cli_usage_error (NULL, _("Name a command, such as validate or export"));

  if (g_str_equal (argv[1], "--version"))
    {
      if (argc > 2)
        return troupe_cli_usage_error (NULL, _("--version takes no argument"));
      printf ("troupe %s\n", TROUPE_VERSION);
      return TROUPE_CLI_EXIT_OK;
    }

  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    return help_main (1, argv + 1);

  if (g_str_equal (argv[1], "help"))
    return help_main (argc - 1, argv + 1);

  if (argv[1][0] == '-')
    return troupe_cli_usage_error (NULL, _("Unknown option %s"), argv[1]);

  command = lookup_command (argv[1]);
  if (command == NULL)
    return unknown_command (argv[1]);

  return command->main (command, argc - 1, argv + 1);
}
