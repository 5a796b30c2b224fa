/* troupe-cli-approve.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>

#include <glib/gi18n.h>

#include "troupe-cli.h"

/* `troupe approve` and `troupe reject` answer an approval step of a run
 * that another process runs: they leave the answer in the run's
 * approvals/ folder, which the runner watches. */

static int
answer (const TroupeCliCommand  *command,
        gboolean                 approved,
        int                      argc,
        char                   **argv)
{
  g_auto(GStrv) args = NULL;
  g_autofree char *workspace = NULL;
  g_autofree char *note = NULL;
  g_autoptr(TroupeRunRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  TroupeStepRecord *rec;
  int status;
  const GOptionEntry entries[] = {
    { "note", 'm', 0, G_OPTION_ARG_STRING, &note,
      N_("Say why; the note is kept in the run's journal"), N_("TEXT") },
    { "workspace", 'w', 0, G_OPTION_ARG_FILENAME, &workspace,
      N_("The workspace the run is in (default: the current folder)"), N_("DIR") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!troupe_cli_parse_options (command, entries, _("RUN STEP"),
                                 approved
                                 ? _("Approves the approval step STEP of the run RUN, which waits for it\n"
                                     "(in another terminal, or in the background); the run goes on.\n"
                                     "\n"
                                     "Exit status: 0 when the answer was left for the run, 1 when the run\n"
                                     "or the step does not exist or the step is not waiting for an\n"
                                     "approval, 2 on a usage error.")
                                 : _("Rejects the approval step STEP of the run RUN, which waits for it\n"
                                     "(in another terminal, or in the background): the step fails, with\n"
                                     "the note as its reason, and the run goes on as its on_failure says.\n"
                                     "\n"
                                     "Exit status: 0 when the answer was left for the run, 1 when the run\n"
                                     "or the step does not exist or the step is not waiting for an\n"
                                     "approval, 2 on a usage error."),
                                 argc, argv, &status))
    return status;

  if (args == NULL || args[0] == NULL || args[1] == NULL)
    return troupe_cli_usage_error (command, _("Name the run and the step, as in: troupe %s RUN STEP"),
                                   command->name);
  if (args[2] != NULL)
    return troupe_cli_usage_error (command, _("Name one run and one step; '%s' is one too many"), args[2]);

  if (workspace == NULL)
    workspace = g_get_current_dir ();

  record = troupe_run_store_load_record (workspace, args[0], &error);
  if (record == NULL)
    {
      troupe_cli_error (command, "%s", error->message);
      return TROUPE_CLI_EXIT_INVALID;
    }

  rec = troupe_run_record_lookup (record, args[1]);
  if (rec == NULL)
    {
      troupe_cli_error (command, _("Run %s has no step '%s' (or it has not started yet); "
                                   "'troupe logs %s' lists its steps"),
                        args[0], args[1], args[0]);
      return TROUPE_CLI_EXIT_INVALID;
    }

  /* An answer left for a step that does not wait would be picked up by
   * whatever asks next, or never: refuse it now, while someone can read
   * why. */
  if (rec->status != TROUPE_STEP_STATUS_WAITING_APPROVAL)
    {
      troupe_cli_error (command, _("Step '%s' of run %s is not waiting for an approval (it is %s)"),
                        args[1], args[0], troupe_enum_to_nick (TROUPE_TYPE_STEP_STATUS, rec->status));
      return TROUPE_CLI_EXIT_INVALID;
    }

  if (!troupe_run_store_write_approval (workspace, args[0], args[1], approved, NULL, note, &error))
    {
      troupe_cli_error (command, "%s", error->message);
      return TROUPE_CLI_EXIT_INVALID;
    }

  if (approved)
    printf (_("Approved step '%s' of run %s.\n"), args[1], args[0]);
  else
    printf (_("Rejected step '%s' of run %s.\n"), args[1], args[0]);

  return troupe_cli_write_stdout (command, "", 0) ? TROUPE_CLI_EXIT_OK : TROUPE_CLI_EXIT_INVALID;
}

int
troupe_cli_approve (const TroupeCliCommand  *command,
                    int                      argc,
                    char                   **argv)
{
  return answer (command, TRUE, argc, argv);
}

int
troupe_cli_reject (const TroupeCliCommand  *command,
                   int                      argc,
                   char                   **argv)
{
  return answer (command, FALSE, argc, argv);
}
