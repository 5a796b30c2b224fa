/* test-duration.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <troupe.h>

static void
test_duration_parse_valid (void)
{
  static const struct { const char *text; gint64 ms; } cases[] = {
    { "0s", 0 },
    { "500ms", 500 },
    { "90s", 90000 },
    { "5m", 300000 },
    { "1h30m", 5400000 },
    { "2d", 172800000 },
    { "1m1s1ms", 61001 },
    { "30d", TROUPE_DURATION_MAX_MS },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *why = NULL;
      gint64 ms = -42;

      g_assert_true (troupe_duration_parse (cases[i].text, &ms, &why));
      g_assert_null (why);
      g_assert_cmpint (ms, ==, cases[i].ms);
    }
}

static void
test_duration_parse_invalid (void)
{
  static const struct { const char *text; const char *hint; } cases[] = {
    { "", "cannot be empty" },
    { "90", "has no unit; write 90s" },
    { "5 m", "unit must be one of" },
    { "m5", "not a duration" },
    { "5x", "unit must be one of" },
    { "-5s", "not a duration" },
    { "31d", "at most 30d" },
    { "99999999999999999999s", "at most 30d" },
    { "1.5s", "unit must be one of" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *why = NULL;
      gint64 ms = -42;

      g_assert_false (troupe_duration_parse (cases[i].text, &ms, &why));
      g_assert_cmpint (ms, ==, -42);
      g_assert_nonnull (why);
      if (strstr (why, cases[i].hint) == NULL)
        g_error ("'%s': expected a message containing '%s', got '%s'", cases[i].text, cases[i].hint, why);
    }
}

static void
test_duration_format (void)
{
  static const struct { gint64 ms; const char *text; } cases[] = {
    { 0, "0s" },
    { 1, "1ms" },
    { 1500, "1500ms" },
    { 90000, "90s" },
    { 300000, "5m" },
    { 5400000, "90m" },
    { 3600000, "1h" },
    { 86400000, "1d" },
    { 90061000, "90061s" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = troupe_duration_format (cases[i].ms);
      gint64 back = -1;

      g_assert_cmpstr (text, ==, cases[i].text);
      /* Every canonical spelling reads back as the same duration. */
      g_assert_true (troupe_duration_parse (text, &back, NULL));
      g_assert_cmpint (back, ==, cases[i].ms);
    }
}

static void
test_suggest (void)
{
  static const char * const keys[] = { "prompt", "prompt_file", "needs", "timeout", "on_failure", NULL };

  g_assert_cmpstr (troupe_suggest ("promt", keys), ==, "prompt");
  g_assert_cmpstr (troupe_suggest ("need", keys), ==, "needs");
  g_assert_cmpstr (troupe_suggest ("on-failure", keys), ==, "on_failure");
  g_assert_cmpstr (troupe_suggest ("TIMEOUT", keys), ==, "timeout");
  g_assert_null (troupe_suggest ("colour", keys));
  g_assert_null (troupe_suggest ("x", keys));
  /* A swap of two letters is one edit. */
  g_assert_cmpstr (troupe_suggest ("desing", (const char * const[]) { "design", "deploy", NULL }), ==, "design");
  g_assert_cmpuint (troupe_edit_distance ("ab", "ba"), ==, 1);
  g_assert_cmpuint (troupe_edit_distance ("kitten", "sitting"), ==, 3);
  g_assert_cmpuint (troupe_edit_distance ("", "abc"), ==, 3);
}

static void
test_json_pointer_escape (void)
{
  g_autofree char *plain = troupe_json_pointer_escape ("build");
  g_autofree char *escaped = troupe_json_pointer_escape ("a/b~c");

  g_assert_cmpstr (plain, ==, "build");
  g_assert_cmpstr (escaped, ==, "a~1b~0c");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/troupe/duration/parse-valid", test_duration_parse_valid);
  g_test_add_func ("/troupe/duration/parse-invalid", test_duration_parse_invalid);
  g_test_add_func ("/troupe/duration/format", test_duration_format);
  g_test_add_func ("/troupe/strutil/suggest", test_suggest);
  g_test_add_func ("/troupe/strutil/json-pointer-escape", test_json_pointer_escape);

  return g_test_run ();
}
