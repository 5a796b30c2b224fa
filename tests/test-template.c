/* test-template.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "troupe-template.h"

/* The variables a run would offer, and why the missing ones are missing. */
static const struct {
  const char *name;
  const char *value;
  const char *why;
} variables[] = {
  { "run.id", "20240305-060708-ab12", NULL },
  { "run.timestamp_utc", "20240305T060708Z", NULL },
  { "context.project", "todo-app", NULL },
  { "context.my-key_2", "with spaces and \"quotes\"", NULL },
  { "context.empty", "", NULL },
  { "steps.design.output", "The design.\nTwo lines.\n", NULL },
  { "steps.split-tasks.lines", "a\nb\nc", NULL },
  { "steps.review.status", "succeeded", NULL },
  { "steps.nested.id.output", "dots in the id", NULL },
  { "steps.loop.output", "${run.id} $(rm -rf /)", NULL },
  { "item", "task #3", NULL },
  { "prompt", "Say \"hi\" to $USER\\n", NULL },
  { "steps.later.output", NULL, "step 'later' has not run yet" },
  { "steps.empty-why.output", NULL, "" },
};

static char *
lookup (const char  *name,
        char       **why,
        gpointer     user_data)
{
  guint *calls = user_data;

  if (calls != NULL)
    (*calls)++;

  for (guint i = 0; i < G_N_ELEMENTS (variables); i++)
    {
      if (!g_str_equal (variables[i].name, name))
        continue;

      if (variables[i].value != NULL)
        return g_strdup (variables[i].value);

      *why = g_strdup (variables[i].why);
      return NULL;
    }

  return NULL;
}

static char *
expand_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  char *result = troupe_template_expand (text, lookup, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

static void
assert_expands (const char *text,
                const char *expected)
{
  g_autofree char *result = expand_ok (text);

  g_assert_cmpstr (result, ==, expected);
}

static void
assert_syntax_error (const char *text,
                     const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) list_error = NULL;
  g_autofree char *result = troupe_template_expand (text, lookup, NULL, &error);
  g_auto(GStrv) names = troupe_template_list_names (text, &list_error);

  g_assert_null (result);
  g_assert_error (error, TROUPE_TEMPLATE_ERROR, TROUPE_TEMPLATE_ERROR_SYNTAX);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  if (strstr (error->message, fragment) == NULL)
    g_error ("expected '%s' in the message: %s", fragment, error->message);
  g_assert_true (strstr (error->message, "'$${'") != NULL);

  /* Validation sees the same problem, in the same words. */
  g_assert_null (names);
  g_assert_error (list_error, TROUPE_TEMPLATE_ERROR, TROUPE_TEMPLATE_ERROR_SYNTAX);
  g_assert_cmpstr (list_error->message, ==, error->message);
}

static void
test_variables (void)
{
  assert_expands ("${run.id}", "20240305-060708-ab12");
  assert_expands ("${run.timestamp_utc}", "20240305T060708Z");
  assert_expands ("${context.project}", "todo-app");
  assert_expands ("${context.my-key_2}", "with spaces and \"quotes\"");
  assert_expands ("[${context.empty}]", "[]");
  assert_expands ("${steps.design.output}", "The design.\nTwo lines.\n");
  assert_expands ("${steps.split-tasks.lines}", "a\nb\nc");
  assert_expands ("${steps.review.status}", "succeeded");
  assert_expands ("${steps.nested.id.output}", "dots in the id");
  assert_expands ("${item}", "task #3");
  assert_expands ("${prompt}", "Say \"hi\" to $USER\\n");
  assert_expands ("run ${run.id} for ${context.project}: ${item}!",
                  "run 20240305-060708-ab12 for todo-app: task #3!");
  assert_expands ("${item}${item}", "task #3task #3");
}

static void
test_values_verbatim (void)
{
  guint calls = 0;
  g_autoptr(GError) error = NULL;
  g_autofree char *result = NULL;

  /* A value is text: "${" in it is not expanded again, and nothing in it
   * is interpreted. */
  result = troupe_template_expand ("<${steps.loop.output}>", lookup, &calls, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, "<${run.id} $(rm -rf /)>");
  g_assert_cmpuint (calls, ==, 1);
}

static void
test_literal_text (void)
{
  static const char *texts[] = {
    "",
    "plain",
    "say \"hello\" and 'bye'",
    "line one\nline two\r\n\ttabbed\n",
    "$(rm -rf /) `date` $HOME $1 $$ $",
    "back\\slash \\$ \\{ \\\\",
    "unicode: héllo ✓ 日本語 🎭",
    "braces { } {} }{ $ { $}{",
    "cost: $5, $ alone, end$",
    "$}",
    "a$",
    "$",
    "$$",
    "$$$",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *result = NULL;
      g_auto(GStrv) names = NULL;

      result = troupe_template_expand (texts[i], lookup, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (result, ==, texts[i]);

      names = troupe_template_list_names (texts[i], &error);
      g_assert_no_error (error);
      g_assert_cmpuint (g_strv_length (names), ==, 0);
    }

  /* Text around a variable is copied byte for byte too. */
  assert_expands ("\"'$(echo ${item})'\"\n\\\t✓", "\"'$(echo task #3)'\"\n\\\t✓");
  assert_expands ("$${item}", "${item}");
  assert_expands ("\\$${item}", "\\${item}");
}

static void
test_escape (void)
{
  g_auto(GStrv) names = NULL;
  g_autoptr(GError) error = NULL;

  assert_expands ("$${", "${");
  assert_expands ("$${run.id}", "${run.id}");
  assert_expands ("$${unknown}", "${unknown}");
  assert_expands ("$${ not a name", "${ not a name");
  assert_expands ("a $${b} ${item} $${c}", "a ${b} task #3 ${c}");
  /* Read left to right: a lone '$', then the escape. */
  assert_expands ("$$${item}", "$${item}");
  assert_expands ("$$$${item}", "$$${item}");
  /* "$$" not followed by '{' is two dollars. */
  assert_expands ("$$item $$", "$$item $$");

  names = troupe_template_list_names ("$${a} ${b} $${c}", &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (names, ((const char *[]) { "b", NULL }));
}

static void
test_unknown (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *result = NULL;

  result = troupe_template_expand ("before ${steps.later.output} after", lookup, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, TROUPE_TEMPLATE_ERROR, TROUPE_TEMPLATE_ERROR_UNKNOWN);
  g_assert_cmpstr (error->message, ==,
                   "unknown variable ${steps.later.output}: step 'later' has not run yet");
  g_clear_error (&error);

  result = troupe_template_expand ("${context.nope}", lookup, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, TROUPE_TEMPLATE_ERROR, TROUPE_TEMPLATE_ERROR_UNKNOWN);
  g_assert_cmpstr (error->message, ==, "unknown variable ${context.nope}: it has no value here");
  g_clear_error (&error);

  /* An empty why is no reason. */
  result = troupe_template_expand ("${steps.empty-why.output}", lookup, NULL, &error);
  g_assert_error (error, TROUPE_TEMPLATE_ERROR, TROUPE_TEMPLATE_ERROR_UNKNOWN);
  g_assert_cmpstr (error->message, ==,
                   "unknown variable ${steps.empty-why.output}: it has no value here");
  g_clear_error (&error);

  /* The first unknown one stops expansion, wherever it is. */
  result = troupe_template_expand ("${item} ${x} ${y}", lookup, NULL, &error);
  g_assert_null (result);
  g_assert_cmpstr (error->message, ==, "unknown variable ${x}: it has no value here");
  g_clear_error (&error);

  /* Without a lookup, every variable is unknown; escapes still work. */
  result = troupe_template_expand ("$${a}", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, "${a}");
  g_clear_pointer (&result, g_free);
  result = troupe_template_expand ("${a}", NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, TROUPE_TEMPLATE_ERROR, TROUPE_TEMPLATE_ERROR_UNKNOWN);
}

static void
test_syntax (void)
{
  assert_syntax_error ("abc ${run.id", "column 5 is not closed");
  assert_syntax_error ("${", "column 1 is not closed");
  assert_syntax_error ("${}", "'${}' at column 1 names no variable");
  assert_syntax_error ("ok ${item} then ${}", "column 17");
  assert_syntax_error ("${a b}", "at column 1 holds a space (at column 4)");
  assert_syntax_error ("${a:-b}", "holds ':' (at column 4)");
  assert_syntax_error ("${a${b}}", "holds '$' (at column 4)");
  assert_syntax_error ("${a\n}", "holds a line break (at line 1, column 4)");
  assert_syntax_error ("one\ntwo ${x\ty}", "at line 2, column 5 holds a tab (at line 2, column 8)");
  assert_syntax_error ("${né}", "holds 'é' (at column 4)");
  /* Columns count characters, not bytes. */
  assert_syntax_error ("é✓ ${", "column 4 is not closed");
  assert_syntax_error ("${a\xff}", "holds the byte 0xFF (at column 4)");
  assert_syntax_error ("${\x01}", "holds the byte 0x01");
  /* The escape does not hide a broken variable after it. */
  assert_syntax_error ("$${a} ${b", "column 7 is not closed");
}

static void
test_list_names (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;

  names = troupe_template_list_names ("${steps.b.output} ${run.id} ${steps.b.output}\n"
                                      "${context.k} ${run.id} ${item} ${unknown.thing}",
                                      &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (names, ((const char *[]) { "steps.b.output", "run.id", "context.k",
                                               "item", "unknown.thing", NULL }));
  g_clear_pointer (&names, g_strfreev);

  names = troupe_template_list_names ("", &error);
  g_assert_no_error (error);
  g_assert_nonnull (names);
  g_assert_cmpuint (g_strv_length (names), ==, 0);
}

static void
test_list_steps (void)
{
  g_auto(GStrv) steps = NULL;

  steps = troupe_template_list_steps ("${steps.a.output} ${steps.b-c.lines} ${steps.a.status} "
                                      "${context.steps} ${steps.x} ${steps.} ${stepsx.y.output} "
                                      "${steps.d.e.output} ${run.id} $${steps.escaped.output}");
  g_assert_cmpstrv (steps, ((const char *[]) { "a", "b-c", "x", "d.e", NULL }));
  g_clear_pointer (&steps, g_strfreev);

  /* Broken variables are skipped (list_names reports them); the steps
   * around them are still found. */
  steps = troupe_template_list_steps ("${steps.a.output} ${bad name} ${} "
                                      "${steps.b${steps.c.output} ${steps.d.output");
  g_assert_cmpstrv (steps, ((const char *[]) { "a", "c", NULL }));
  g_clear_pointer (&steps, g_strfreev);

  steps = troupe_template_list_steps ("no variables");
  g_assert_nonnull (steps);
  g_assert_cmpuint (g_strv_length (steps), ==, 0);
}

static void
assert_fast (gint64      start,
             const char *what)
{
  gint64 elapsed = g_get_monotonic_time () - start;

  /* A linear pass over a megabyte takes milliseconds even under ASan; a
   * quadratic one takes hours. */
  if (elapsed > 3 * G_USEC_PER_SEC)
    g_error ("%s took %" G_GINT64_FORMAT " ms", what, elapsed / 1000);
}

static void
test_long_input (void)
{
  const gsize size = 1024 * 1024;
  g_autoptr(GString) text = g_string_sized_new (size + 64);
  g_autofree char *result = NULL;
  g_autofree char *dollars = NULL;
  g_autofree char *open = NULL;
  g_autofree char *nested = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  g_auto(GStrv) steps = NULL;
  guint calls = 0;
  guint n_vars = 0;
  gint64 start;

  /* A mix of every construct. */
  while (text->len < size)
    {
      g_string_append (text, "text \"$(x)\" $ $$ é ${item} $${ no } ${steps.split-tasks.lines}\n");
      n_vars += 2;
    }

  start = g_get_monotonic_time ();
  result = troupe_template_expand (text->str, lookup, &calls, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmpuint (calls, ==, n_vars);
  g_assert_true (g_str_has_prefix (result, "text \"$(x)\" $ $$ é task #3 ${ no } a\nb\nc\n"));
  names = troupe_template_list_names (text->str, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (names), ==, 2);
  steps = troupe_template_list_steps (text->str);
  g_assert_cmpstrv (steps, ((const char *[]) { "split-tasks", NULL }));
  assert_fast (start, "a 1 MB template");

  /* Hostile shapes: a megabyte of '$', one unclosed name a megabyte long,
   * a megabyte of "${a" openings (each one's name stops at the next). */
  dollars = g_strnfill (size, '$');
  start = g_get_monotonic_time ();
  g_clear_pointer (&result, g_free);
  result = troupe_template_expand (dollars, lookup, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, dollars);
  assert_fast (start, "a megabyte of '$'");

  open = g_strnfill (size, 'a');
  open[0] = '$';
  open[1] = '{';
  start = g_get_monotonic_time ();
  g_clear_pointer (&result, g_free);
  result = troupe_template_expand (open, lookup, NULL, &error);
  g_assert_error (error, TROUPE_TEMPLATE_ERROR, TROUPE_TEMPLATE_ERROR_SYNTAX);
  g_clear_error (&error);
  g_clear_pointer (&steps, g_strfreev);
  steps = troupe_template_list_steps (open);
  g_assert_cmpuint (g_strv_length (steps), ==, 0);
  assert_fast (start, "an unclosed megabyte-long name");

  nested = g_malloc (size + 1);
  for (gsize i = 0; i < size; i++)
    nested[i] = "${a"[i % 3];
  nested[size] = '\0';
  start = g_get_monotonic_time ();
  g_clear_pointer (&steps, g_strfreev);
  steps = troupe_template_list_steps (nested);
  g_assert_cmpuint (g_strv_length (steps), ==, 0);
  g_clear_pointer (&names, g_strfreev);
  names = troupe_template_list_names (nested, &error);
  g_assert_error (error, TROUPE_TEMPLATE_ERROR, TROUPE_TEMPLATE_ERROR_SYNTAX);
  assert_fast (start, "a megabyte of '${a'");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/troupe/template/variables", test_variables);
  g_test_add_func ("/troupe/template/values-verbatim", test_values_verbatim);
  g_test_add_func ("/troupe/template/literal-text", test_literal_text);
  g_test_add_func ("/troupe/template/escape", test_escape);
  g_test_add_func ("/troupe/template/unknown", test_unknown);
  g_test_add_func ("/troupe/template/syntax", test_syntax);
  g_test_add_func ("/troupe/template/list-names", test_list_names);
  g_test_add_func ("/troupe/template/list-steps", test_list_steps);
  g_test_add_func ("/troupe/template/long-input", test_long_input);

  return g_test_run ();
}
