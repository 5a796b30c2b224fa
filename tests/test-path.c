/* test-path.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "troupe-path.h"
#include "troupe-test-util.h"

/* A workspace folder and a folder outside it, both fresh temporary
 * folders, removed at the end of each test. */
typedef struct
{
  char *workspace;
  char *outside;
} Fixture;

static void
write_file (const char *path)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, "x\n", -1, &error);
  g_assert_no_error (error);
}

static void
make_link (const char *target,
           const char *workspace,
           const char *name)
{
  g_autofree char *path = g_build_filename (workspace, name, NULL);

  g_assert_no_errno (symlink (target, path));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *real = NULL;
  g_autofree char *sub = NULL;

  fixture->workspace = g_dir_make_tmp ("troupe-path-ws-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->outside = g_dir_make_tmp ("troupe-path-out-XXXXXX", &error);
  g_assert_no_error (error);

  real = g_build_filename (fixture->workspace, "real.txt", NULL);
  write_file (real);
  sub = g_build_filename (fixture->workspace, "sub", NULL);
  g_assert_no_errno (g_mkdir (sub, 0755));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  troupe_test_remove_tree (fixture->workspace);
  troupe_test_remove_tree (fixture->outside);
  g_free (fixture->workspace);
  g_free (fixture->outside);
}

static void
test_syntax (void)
{
  g_assert_cmpint (troupe_path_check_syntax (NULL), ==, TROUPE_PATH_EMPTY);
  g_assert_cmpint (troupe_path_check_syntax (""), ==, TROUPE_PATH_EMPTY);

  g_assert_cmpint (troupe_path_check_syntax ("/etc/passwd"), ==, TROUPE_PATH_ABSOLUTE);
  g_assert_cmpint (troupe_path_check_syntax ("/"), ==, TROUPE_PATH_ABSOLUTE);
  g_assert_cmpint (troupe_path_check_syntax ("//x"), ==, TROUPE_PATH_ABSOLUTE);

  g_assert_cmpint (troupe_path_check_syntax (".."), ==, TROUPE_PATH_PARENT);
  g_assert_cmpint (troupe_path_check_syntax ("../x"), ==, TROUPE_PATH_PARENT);
  g_assert_cmpint (troupe_path_check_syntax ("a/../b"), ==, TROUPE_PATH_PARENT);
  g_assert_cmpint (troupe_path_check_syntax ("a/.."), ==, TROUPE_PATH_PARENT);
  g_assert_cmpint (troupe_path_check_syntax ("a/b/../../.."), ==, TROUPE_PATH_PARENT);
  g_assert_cmpint (troupe_path_check_syntax ("a//../b"), ==, TROUPE_PATH_PARENT);

  /* Dots that are not a whole ".." component are ordinary names. */
  g_assert_cmpint (troupe_path_check_syntax ("a..b"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check_syntax ("..a"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check_syntax ("a../b"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check_syntax ("a/..."), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check_syntax (".hidden"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check_syntax ("./a"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check_syntax ("."), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check_syntax ("a//b/"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check_syntax ("artifacts/architect/system_design.md"), ==,
                   TROUPE_PATH_OK);
}

static void
test_messages (void)
{
  g_autofree char *ok = troupe_path_problem_message (TROUPE_PATH_OK, "a");
  g_autofree char *empty = troupe_path_problem_message (TROUPE_PATH_EMPTY, "");
  g_autofree char *absolute = troupe_path_problem_message (TROUPE_PATH_ABSOLUTE, "/etc/passwd");
  g_autofree char *root = troupe_path_problem_message (TROUPE_PATH_ABSOLUTE, "/");
  g_autofree char *parent = troupe_path_problem_message (TROUPE_PATH_PARENT, "../x");
  g_autofree char *escapes = troupe_path_problem_message (TROUPE_PATH_ESCAPES, "out/x");

  g_assert_null (ok);
  g_assert_nonnull (strstr (empty, "empty"));
  /* Each message names the path and says what to write instead. */
  g_assert_cmpstr (absolute, ==,
                   "'/etc/passwd' is an absolute path; write it relative to the workspace "
                   "folder (for example 'etc/passwd')");
  g_assert_nonnull (strstr (root, "'/' is an absolute path"));
  g_assert_null (strstr (root, "for example"));
  g_assert_nonnull (strstr (parent, "'../x' has a '..' component"));
  g_assert_nonnull (strstr (parent, "without '..'"));
  g_assert_nonnull (strstr (escapes, "'out/x' goes through a symbolic link"));
  g_assert_nonnull (strstr (escapes, "outside the workspace"));
}

static void
test_check_plain (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *ws = fixture->workspace;

  /* Syntax problems come first, before any filesystem access. */
  g_assert_cmpint (troupe_path_check (ws, NULL), ==, TROUPE_PATH_EMPTY);
  g_assert_cmpint (troupe_path_check (ws, "/etc/passwd"), ==, TROUPE_PATH_ABSOLUTE);
  g_assert_cmpint (troupe_path_check (ws, "sub/../real.txt"), ==, TROUPE_PATH_PARENT);

  g_assert_cmpint (troupe_path_check (ws, "real.txt"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check (ws, "sub"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check (ws, "./sub//"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check (ws, "."), ==, TROUPE_PATH_OK);

  /* What does not exist yet is fine: the step will create it. */
  g_assert_cmpint (troupe_path_check (ws, "new/folder/file.md"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check (ws, "sub/new.md"), ==, TROUPE_PATH_OK);
  /* A file used as a folder cannot be created, but does not escape. */
  g_assert_cmpint (troupe_path_check (ws, "real.txt/x"), ==, TROUPE_PATH_OK);
}

static void
test_check_symlink_inside (Fixture       *fixture,
                           gconstpointer  data)
{
  const char *ws = fixture->workspace;
  g_autofree char *absolute_real = g_build_filename (ws, "real.txt", NULL);
  g_autofree char *ws_name = g_path_get_basename (ws);
  g_autofree char *detour = g_strdup_printf ("../../%s/real.txt", ws_name);

  make_link ("real.txt", ws, "relative-link");
  make_link (absolute_real, ws, "absolute-link");
  make_link ("sub", ws, "dir-link");
  make_link (".", ws, "self-link");
  /* Leaves the workspace and comes back: judged by where it lands. */
  make_link (detour, ws, "sub/detour");
  /* A chain of links that stays inside. */
  make_link ("relative-link", ws, "chain");
  /* Dangling, but its target would be created inside. */
  make_link ("not-yet.txt", ws, "dangling-inside");

  g_assert_cmpint (troupe_path_check (ws, "relative-link"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check (ws, "absolute-link"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check (ws, "dir-link/new.md"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check (ws, "self-link/self-link/real.txt"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check (ws, "sub/detour"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check (ws, "chain"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check (ws, "dangling-inside"), ==, TROUPE_PATH_OK);
}

static void
test_check_symlink_escapes (Fixture       *fixture,
                            gconstpointer  data)
{
  const char *ws = fixture->workspace;
  g_autofree char *out_name = g_path_get_basename (fixture->outside);
  g_autofree char *relative_out = g_strdup_printf ("../%s", out_name);
  g_autofree char *missing_out = g_build_filename (fixture->outside, "missing", "file", NULL);

  make_link (fixture->outside, ws, "out");
  make_link (relative_out, ws, "relative-out");
  make_link ("/", ws, "root");
  make_link ("..", ws, "sub/up");
  make_link ("out", ws, "chain-out");
  /* Dangling links are followed too: writing through one creates its
   * target, outside. */
  make_link (missing_out, ws, "dangling-out");
  make_link ("loop-b", ws, "loop-a");
  make_link ("loop-a", ws, "loop-b");

  g_assert_cmpint (troupe_path_check (ws, "out"), ==, TROUPE_PATH_ESCAPES);
  g_assert_cmpint (troupe_path_check (ws, "out/file.md"), ==, TROUPE_PATH_ESCAPES);
  g_assert_cmpint (troupe_path_check (ws, "out/not/yet/there.md"), ==, TROUPE_PATH_ESCAPES);
  g_assert_cmpint (troupe_path_check (ws, "relative-out/x"), ==, TROUPE_PATH_ESCAPES);
  g_assert_cmpint (troupe_path_check (ws, "root/etc/passwd"), ==, TROUPE_PATH_ESCAPES);
  /* "sub/.." is the workspace itself: still inside. */
  g_assert_cmpint (troupe_path_check (ws, "sub/up"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check (ws, "sub/up/real.txt"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check (ws, "chain-out/x"), ==, TROUPE_PATH_ESCAPES);
  g_assert_cmpint (troupe_path_check (ws, "dangling-out"), ==, TROUPE_PATH_ESCAPES);
  g_assert_cmpint (troupe_path_check (ws, "loop-a"), ==, TROUPE_PATH_ESCAPES);

  /* Neighbours of the bad links are unaffected. */
  g_assert_cmpint (troupe_path_check (ws, "outfile"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check (ws, "real.txt"), ==, TROUPE_PATH_OK);
}

static void
test_check_root_forms (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *parent = g_path_get_dirname (fixture->workspace);
  g_autofree char *ws_name = g_path_get_basename (fixture->workspace);
  g_autofree char *root_link = g_build_filename (fixture->outside, "ws-link", NULL);
  g_autofree char *absolute_real = g_build_filename (fixture->workspace, "real.txt", NULL);
  g_autofree char *missing_root = g_build_filename (fixture->outside, "no", "such", "ws", NULL);
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *sibling = g_strdup_printf ("%s-sibling", fixture->workspace);

  /* The workspace named through a symlink: links that point at its real
   * spelling are inside it. */
  g_assert_no_errno (symlink (fixture->workspace, root_link));
  make_link (absolute_real, fixture->workspace, "absolute-link");
  g_assert_cmpint (troupe_path_check (root_link, "absolute-link"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check (root_link, "real.txt"), ==, TROUPE_PATH_OK);

  /* A folder whose name merely starts like the workspace is outside. */
  g_assert_no_errno (g_mkdir (sibling, 0755));
  make_link (sibling, fixture->workspace, "sibling");
  g_assert_cmpint (troupe_path_check (fixture->workspace, "sibling/x"), ==, TROUPE_PATH_ESCAPES);
  troupe_test_remove_tree (sibling);

  /* A workspace that does not exist yet holds no links. */
  g_assert_cmpint (troupe_path_check (missing_root, "a/b.md"), ==, TROUPE_PATH_OK);

  /* A relative workspace is relative to the current folder. */
  g_assert_no_errno (g_chdir (parent));
  g_assert_cmpint (troupe_path_check (ws_name, "absolute-link"), ==, TROUPE_PATH_OK);
  make_link (fixture->outside, fixture->workspace, "out");
  g_assert_cmpint (troupe_path_check (ws_name, "out/x"), ==, TROUPE_PATH_ESCAPES);
  g_assert_no_errno (g_chdir (cwd));

  /* "/" as the workspace contains everything. */
  g_assert_cmpint (troupe_path_check ("/", "tmp"), ==, TROUPE_PATH_OK);
}

static void
test_resolved_root (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *root_link = g_build_filename (fixture->outside, "ws-link", NULL);
  g_autofree char *real = realpath (fixture->workspace, NULL);
  g_autofree char *from_link = NULL;
  g_autofree char *missing = NULL;
  g_autofree char *missing_root = g_build_filename (fixture->outside, "no", "..", "ws", NULL);
  g_autofree char *expected_missing = g_build_filename (fixture->outside, "ws", NULL);

  g_assert_no_errno (symlink (fixture->workspace, root_link));
  make_link (fixture->outside, fixture->workspace, "out");

  /* A root named through a link resolves to the real folder. */
  from_link = troupe_path_resolve_root (root_link);
  g_assert_cmpstr (from_link, ==, real);

  /* A root that does not exist is only cleaned up. */
  missing = troupe_path_resolve_root (missing_root);
  g_assert_cmpstr (missing, ==, expected_missing);

  g_assert_cmpint (troupe_path_check_resolved (from_link, "real.txt"), ==, TROUPE_PATH_OK);
  g_assert_cmpint (troupe_path_check_resolved (from_link, "out/x"), ==, TROUPE_PATH_ESCAPES);
  g_assert_cmpint (troupe_path_check_resolved (from_link, "../x"), ==, TROUPE_PATH_PARENT);
  g_assert_cmpint (troupe_path_check_resolved (from_link, "/x"), ==, TROUPE_PATH_ABSOLUTE);
  g_assert_cmpint (troupe_path_check_resolved (from_link, ""), ==, TROUPE_PATH_EMPTY);
}

static void
assert_glob_refused (const char *glob,
                     const char *expected)
{
  g_autofree char *why = troupe_glob_check (glob);

  g_assert_nonnull (why);
  if (strstr (why, expected) == NULL)
    g_error ("glob '%s': expected '%s' in: %s", glob, expected, why);
}

static void
test_glob_check (void)
{
  const char *accepted[] = {
    "inbox/engineer/*.task", "*", "?", "a?c", "inbox/*/*.task", "report-*.md",
    ".hidden/*", "a/b/c", "./x/*",
  };

  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autofree char *why = troupe_glob_check (accepted[i]);

      if (why != NULL)
        g_error ("glob '%s' refused: %s", accepted[i], why);
    }

  assert_glob_refused ("**", "'**'");
  assert_glob_refused ("inbox/**/*.task", "'**'");
  assert_glob_refused ("a***", "'**'");
  assert_glob_refused ("[ab].task", "'['");
  assert_glob_refused ("a].task", "']'");
  assert_glob_refused ("{a,b}.task", "'{'");
  assert_glob_refused ("a}.task", "'}'");
  assert_glob_refused ("a\\*.task", "'\\'");
  assert_glob_refused ("/tmp/*.task", "absolute");
  assert_glob_refused ("../inbox/*.task", "'..'");
  assert_glob_refused ("inbox/../*", "'..'");
  assert_glob_refused ("", "empty");
  assert_glob_refused (NULL, "empty");
}

static void
test_glob_match (void)
{
  /* glob, path, matches */
  const struct { const char *glob; const char *path; gboolean match; } cases[] = {
    { "*.task", "a.task", TRUE },
    { "*.task", ".task", FALSE },
    { "*.task", ".a.task", FALSE },
    { "*.task", "dir/a.task", FALSE },
    { "*.task", "a.tmp", FALSE },
    { "*.task", "a.task.tmp", FALSE },
    { ".*", ".hidden", TRUE },
    { ".*.task", ".a.task", TRUE },
    { "*", "", TRUE },
    { "*", "abc", TRUE },
    { "*", ".", FALSE },
    { "*", "a/b", FALSE },
    { "?", "a", TRUE },
    { "?", "", FALSE },
    { "?", "ab", FALSE },
    { "?", ".", FALSE },
    { "?", "/", FALSE },
    { "?", "é", TRUE },
    { "a?c", "abc", TRUE },
    { "a?c", "a/c", FALSE },
    { "a*", "a", TRUE },
    { "*a*b", "xaxb", TRUE },
    { "*a*b", "xab", TRUE },
    { "*a*b", "xba", FALSE },
    { "*ab", "aab", TRUE },
    { "a*b*c", "abbbbc", TRUE },
    { "a*b*c", "abbbb", FALSE },
    { "a.task", "a.task", TRUE },
    { "a.task", "b.task", FALSE },
    { "inbox/*/x.task", "inbox/eng/x.task", TRUE },
    { "inbox/*/x.task", "inbox/a/b/x.task", FALSE },
    { "inbox/*/x.task", "inbox/.a/x.task", FALSE },
    { "inbox/*", "inbox", FALSE },
    { "inbox/*", "inbox/a/b", FALSE },
    { "inbox/engineer/*.task", "inbox/engineer/review.task", TRUE },
    { "inbox/engineer/*.task", "inbox/engineer/.review.task", FALSE },
    { "inbox/engineer/*.task", "inbox/qa/review.task", FALSE },
    { "a/*/c", "a//c", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gboolean got = troupe_glob_match (cases[i].glob, cases[i].path);

      if (got != cases[i].match)
        g_error ("troupe_glob_match ('%s', '%s') gave %d, expected %d",
                 cases[i].glob, cases[i].path, got, cases[i].match);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/troupe/path/syntax", test_syntax);
  g_test_add_func ("/troupe/path/messages", test_messages);
  g_test_add ("/troupe/path/check/plain", Fixture, NULL,
              fixture_set_up, test_check_plain, fixture_tear_down);
  g_test_add ("/troupe/path/check/symlink-inside", Fixture, NULL,
              fixture_set_up, test_check_symlink_inside, fixture_tear_down);
  g_test_add ("/troupe/path/check/symlink-escapes", Fixture, NULL,
              fixture_set_up, test_check_symlink_escapes, fixture_tear_down);
  g_test_add ("/troupe/path/check/root-forms", Fixture, NULL,
              fixture_set_up, test_check_root_forms, fixture_tear_down);
  g_test_add ("/troupe/path/check/resolved-root", Fixture, NULL,
              fixture_set_up, test_resolved_root, fixture_tear_down);
  g_test_add_func ("/troupe/path/glob/check", test_glob_check);
  g_test_add_func ("/troupe/path/glob/match", test_glob_match);

  return g_test_run ();
}
