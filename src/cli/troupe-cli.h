/* troupe-cli.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "troupe.h"

G_BEGIN_DECLS

/* The exit statuses of every command; scripts and CI rely on them. */
typedef enum
{
  TROUPE_CLI_EXIT_OK      = 0,
  /* A workflow has an error (or does not load), or the work itself failed. */
  TROUPE_CLI_EXIT_INVALID = 1,
  /* The command line is wrong: unknown command or option, missing argument. */
  TROUPE_CLI_EXIT_USAGE   = 2,
  /* `troupe run` and `troupe resume` cancelled by a signal exit with
   * 128 + the signal's number, as shells report it: 130 for SIGINT. */
} TroupeCliExit;

typedef struct _TroupeCliCommand TroupeCliCommand;

/* Runs @command with @argv, where argv[0] is the command's name; returns a
 * TroupeCliExit. */
typedef int (*TroupeCliMain) (const TroupeCliCommand  *command,
                              int                      argc,
                              char                   **argv);

/* One row of the command table in main.c. Adding a command is adding a
 * facet file (troupe-cli-NAME.c) with its TroupeCliMain and a row. */
struct _TroupeCliCommand
{
  const char    *name;
  /* Untranslated; shown through gettext. */
  const char    *summary;
  TroupeCliMain  main;
};

/* Parses the options of @command; @entries should hold a
 * G_OPTION_REMAINING entry for the positional arguments, which
 * @parameter_string ("FILE…") names in the help. @description is the text
 * after the options (exit statuses, examples). -h/--help is added here.
 * Returns FALSE when the command must stop at once, with *@exit_status set:
 * OK after printing the help, USAGE after printing a usage error. */
gboolean  troupe_cli_parse_options   (const TroupeCliCommand  *command,
                                      const GOptionEntry      *entries,
                                      const char              *parameter_string,
                                      const char              *description,
                                      int                      argc,
                                      char                   **argv,
                                      int                     *exit_status);

/* Prints "troupe COMMAND: MESSAGE" and the hint to run `troupe help` to
 * stderr; returns TROUPE_CLI_EXIT_USAGE. @command may be NULL. */
int       troupe_cli_usage_error     (const TroupeCliCommand  *command,
                                      const char              *format,
                                      ...) G_GNUC_PRINTF (2, 3);
/* Prints "troupe COMMAND: MESSAGE" to stderr. */
void      troupe_cli_error           (const TroupeCliCommand  *command,
                                      const char              *format,
                                      ...) G_GNUC_PRINTF (2, 3);

/* Prints @diagnostic as "file:line:col: error: message" to stderr, naming
 * @fallback_file when the diagnostic names no file. */
void      troupe_cli_print_diagnostic (const TroupeDiagnostic *diagnostic,
                                       const char             *fallback_file);

/* Loads @path. When it does not load, returns NULL and sets *@problem to
 * the reason as a diagnostic naming the file: the syntax error with its
 * line and column, or the I/O error. Prints nothing. */
TroupeWorkflow *troupe_cli_load_workflow (const char          *path,
                                          TroupeDiagnostic   **problem);

/* Loads and validates @path for a command that then works on the model:
 * prints every diagnostic; returns NULL when the file does not load or has
 * an error, so the command exits with TROUPE_CLI_EXIT_INVALID. */
TroupeWorkflow *troupe_cli_load_valid_workflow (const TroupeCliCommand *command,
                                                const char             *path);

/* Writes @bytes to stdout entirely; FALSE (with a message printed) when
 * the write fails, for example on a full disk or a closed pipe. */
gboolean  troupe_cli_write_stdout    (const TroupeCliCommand  *command,
                                      const void              *data,
                                      gsize                    length);

/* The facets. */
int troupe_cli_validate (const TroupeCliCommand *command, int argc, char **argv);
int troupe_cli_export   (const TroupeCliCommand *command, int argc, char **argv);
int troupe_cli_layout   (const TroupeCliCommand *command, int argc, char **argv);
int troupe_cli_import   (const TroupeCliCommand *command, int argc, char **argv);
int troupe_cli_run      (const TroupeCliCommand *command, int argc, char **argv);
int troupe_cli_resume   (const TroupeCliCommand *command, int argc, char **argv);
int troupe_cli_runs     (const TroupeCliCommand *command, int argc, char **argv);
int troupe_cli_logs     (const TroupeCliCommand *command, int argc, char **argv);
int troupe_cli_approve  (const TroupeCliCommand *command, int argc, char **argv);
int troupe_cli_reject   (const TroupeCliCommand *command, int argc, char **argv);
int troupe_cli_train    (const TroupeCliCommand *command, int argc, char **argv);
int troupe_cli_policy   (const TroupeCliCommand *command, int argc, char **argv);

G_END_DECLS
