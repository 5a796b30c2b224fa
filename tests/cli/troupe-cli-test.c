/* troupe-cli-test.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <sys/wait.h>

#include "troupe-cli-test.h"
#include "troupe-test-util.h"

#ifndef TROUPE_CLI_PATH
# error "TROUPE_CLI_PATH must name the built troupe binary"
#endif

void
troupe_cli_result_clear (Result *result)
{
  g_clear_pointer (&result->out, g_free);
  g_clear_pointer (&result->err, g_free);
}

char **
troupe_cli_environ (void)
{
  char **env = g_get_environ ();
  const char *lsan_options = g_environ_getenv (env, "LSAN_OPTIONS");

  /* Messages and numbers in the C locale, whatever the machine says. */
  env = g_environ_setenv (env, "LC_ALL", "C.UTF-8", TRUE);
  env = g_environ_unsetenv (env, "LANGUAGE");
  /* The live display depends on the terminal, and the tests say which. */
  env = g_environ_unsetenv (env, "TERM");

  /* Under LeakSanitizer with suppressions, the list of suppressions used
   * would end up in the standard error the tests compare. */
  if (lsan_options != NULL)
    {
      g_autofree char *quiet = g_strconcat (lsan_options, ":print_suppressions=0", NULL);

      env = g_environ_setenv (env, "LSAN_OPTIONS", quiet, TRUE);
    }

  return env;
}

GPtrArray *
troupe_cli_argv (const char **args)
{
  GPtrArray *argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (gpointer) TROUPE_CLI_PATH);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  return argv;
}

void
troupe_cli_check_exited (int         wait_status,
              const char *what,
              const char *err)
{
  /* A signal (a crash, an abort from ASan or from a fatal warning) is a
   * failure whatever the case expected. */
  if (!WIFEXITED (wait_status))
    g_error ("troupe %s died (wait status %d); stderr:\n%s", what, wait_status, err ? err : "");
}

void
troupe_cli_run_argv (const char  *cwd,
          const char **args,
          Result      *result)
{
  g_autoptr(GPtrArray) argv = troupe_cli_argv (args);
  g_auto(GStrv) env = troupe_cli_environ ();
  g_autoptr(GError) error = NULL;
  int wait_status = 0;

  result->out = NULL;
  result->err = NULL;
  /* Standard input from /dev/null: run from a terminal, the test would
   * otherwise be asked the approval questions itself. */
  g_spawn_sync (cwd, (char **) argv->pdata, env, G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL,
                &result->out, &result->err, &wait_status, &error);
  g_assert_no_error (error);
  troupe_cli_check_exited (wait_status, args[0], result->err);
  result->status = WEXITSTATUS (wait_status);
}

/* Runs troupe with the NULL-terminated arguments, in @cwd. */
void
troupe_cli_run (Result     *result,
     const char *cwd,
     ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  va_start (ap, cwd);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  troupe_cli_run_argv (cwd, (const char **) args->pdata, result);
}

void
troupe_cli_fixture_setup (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("troupe-cli-XXXXXX", &error);
  g_assert_no_error (error);
}

void
troupe_cli_fixture_teardown (Fixture       *fixture,
                             gconstpointer  data)
{
  troupe_test_remove_tree (fixture->dir);
  g_clear_pointer (&fixture->dir, g_free);
}

char *
troupe_cli_fixture_write (Fixture    *fixture,
                          const char *name,
                          const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (fixture->dir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}
