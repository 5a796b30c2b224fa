/* troupe-cli-test.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Running the real `troupe` binary (TROUPE_CLI_PATH) from the CLI tests. */

typedef struct
{
  int   status;
  char *out;
  char *err;
} Result;

void       troupe_cli_result_clear (Result      *result);
/* The test's environment for a child: C locale, no TERM. */
char     **troupe_cli_environ      (void);
/* TROUPE_CLI_PATH followed by @args, NULL-terminated. */
GPtrArray *troupe_cli_argv         (const char **args);
/* Fails the test when the child died of a signal (a crash, an ASan abort,
 * a fatal warning), whatever the case expected. */
void       troupe_cli_check_exited (int          wait_status,
                                    const char  *what,
                                    const char  *err);
void       troupe_cli_run_argv     (const char  *cwd,
                                    const char **args,
                                    Result      *result);
/* Runs troupe with the NULL-terminated arguments, in @cwd. */
void       troupe_cli_run          (Result      *result,
                                    const char  *cwd,
                                    ...) G_GNUC_NULL_TERMINATED;

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, troupe_cli_result_clear)

/* A fresh folder per test case, removed with all it holds at the end. */
typedef struct
{
  char *dir;
} Fixture;

void       troupe_cli_fixture_setup    (Fixture       *fixture,
                                        gconstpointer  data);
void       troupe_cli_fixture_teardown (Fixture       *fixture,
                                        gconstpointer  data);
/* Writes @contents to @name in the fixture's folder; returns its path. */
char      *troupe_cli_fixture_write    (Fixture       *fixture,
                                        const char    *name,
                                        const char    *contents);

#define ADD_TMP(path, func) \
  g_test_add (path, Fixture, NULL, troupe_cli_fixture_setup, func, troupe_cli_fixture_teardown)

G_END_DECLS
