/* test-cli.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <graphviz/cgraph.h>
#include <json-glib/json-glib.h>

#include "troupe.h"

#include "troupe-cli-test.h"
#include "troupe-test-util.h"

/* End-to-end tests of the `troupe` command: every case spawns the real
 * binary with an argv (no shell) and checks its exit status, standard
 * output and standard error. What the library itself says (diagnostics,
 * exports) is computed here through libtroupe, so the tests pin down what
 * the command adds: the file:line:col form, the summaries, the exit codes,
 * the atomic writes. */

#ifndef TROUPE_CLI_PATH
# error "TROUPE_CLI_PATH must name the built troupe binary"
#endif

static const char * const examples[] = {
  "architect-engineer-qa.yaml",
  "fan-out-fan-in.yaml",
  "every-kind.yaml",
};

static const char png_magic[] = "\x89PNG\r\n\x1a\n";


static char *
example_path (const char *name)
{
  const char *root = g_getenv ("TROUPE_SOURCE_ROOT");

  g_assert_nonnull (root);
  return g_build_filename (root, "examples", name, NULL);
}

static char *
write_temp (Fixture    *fixture,
            const char *name,
            const char *contents,
            gssize      length)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (fixture->dir, name, NULL);

  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);

  return path;
}

static TroupeWorkflow *
load (const char *path)
{
  g_autoptr(GError) error = NULL;
  TroupeWorkflow *workflow;

  workflow = troupe_workflow_new_from_file (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (workflow);

  return workflow;
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p++)
    if (*p == '\n')
      n++;

  return n;
}

/* The diagnostics the library finds in @path, printed as the command
 * prints them. */
static char *
expected_diagnostics (const char *path)
{
  g_autoptr(TroupeDiagnostic) syntax_error = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(GPtrArray) diagnostics = NULL;
  g_autoptr(GString) text = g_string_new (NULL);

  workflow = troupe_workflow_new_from_file (path, &syntax_error, NULL);
  if (workflow == NULL)
    {
      g_autofree char *line = NULL;

      g_assert_nonnull (syntax_error);
      if (syntax_error->file == NULL)
        troupe_diagnostic_set_file (syntax_error, path);
      line = troupe_diagnostic_to_string (syntax_error);
      g_string_append_printf (text, "%s\n", line);
      return g_string_free (g_steal_pointer (&text), FALSE);
    }

  diagnostics = troupe_workflow_validate (workflow);
  for (guint i = 0; i < diagnostics->len; i++)
    {
      TroupeDiagnostic *diagnostic = g_ptr_array_index (diagnostics, i);
      g_autofree char *line = NULL;

      if (diagnostic->file == NULL)
        troupe_diagnostic_set_file (diagnostic, path);
      line = troupe_diagnostic_to_string (diagnostic);
      g_string_append_printf (text, "%s\n", line);
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
assert_usage_error (const Result *result)
{
  g_assert_cmpint (result->status, ==, 2);
  g_assert_cmpstr (result->out, ==, "");
  /* One line saying what is wrong, one saying where to look. */
  g_assert_cmpuint (count_lines (result->err), ==, 2);
  g_assert_true (g_str_has_prefix (result->err, "troupe"));
  g_assert_true (g_str_has_suffix (result->err, "\nRun 'troupe help' for usage.\n"));
}

/* A workflow with one error whose place is known: needs names a missing
 * step, on line 6. */
static const char bad_workflow[] =
  "troupe: 1\n"
  "name: Bad\n"
  "steps:\n"
  "  a:\n"
  "    command: [echo, a]\n"
  "    needs: [nowhere]\n";

static const char syntax_error_workflow[] =
  "name: Broken\n"
  "steps: [unclosed\n";

/* --version, help */

static void
test_version (void)
{
  g_auto(Result) result = { 0 };

  troupe_cli_run (&result, NULL, "--version", NULL);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_cmpstr (result.out, ==, "troupe " TROUPE_VERSION "\n");
  g_assert_cmpstr (result.err, ==, "");
}

static void
test_help (void)
{
  static const char * const commands[] = { "validate", "export", "layout", "import" };
  static const char * const usages[] = {
    "Usage:\n  troupe validate [OPTION…] FILE…\n\n",
    "Usage:\n  troupe export [OPTION…] FILE\n\n",
    "Usage:\n  troupe layout [OPTION…] FILE\n\n",
    "Usage:\n  troupe import [OPTION…] FILE.dot\n\n",
  };
  g_auto(Result) help = { 0 };
  g_auto(Result) dash_help = { 0 };

  troupe_cli_run (&help, NULL, "help", NULL);
  g_assert_cmpint (help.status, ==, 0);
  g_assert_cmpstr (help.err, ==, "");
  g_assert_true (g_str_has_prefix (help.out, "Usage:\n  troupe COMMAND"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *row = g_strdup_printf ("\n  %s ", commands[i]);

      g_assert_nonnull (strstr (help.out, row));
    }
  g_assert_nonnull (strstr (help.out, "Exit status"));

  troupe_cli_run (&dash_help, NULL, "--help", NULL);
  g_assert_cmpint (dash_help.status, ==, 0);
  g_assert_cmpstr (dash_help.out, ==, help.out);

  /* "troupe help COMMAND" and "troupe COMMAND --help" are the same text. */
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto(Result) a = { 0 };
      g_auto(Result) b = { 0 };

      troupe_cli_run (&a, NULL, "help", commands[i], NULL);
      troupe_cli_run (&b, NULL, commands[i], "--help", NULL);
      g_assert_cmpint (a.status, ==, 0);
      g_assert_cmpint (b.status, ==, 0);
      g_assert_cmpstr (a.err, ==, "");
      g_assert_cmpstr (a.out, ==, b.out);
      g_assert_true (g_str_has_prefix (a.out, usages[i]));
      g_assert_nonnull (strstr (a.out, "--help"));
      g_assert_nonnull (strstr (a.out, "Exit status"));
    }

  {
    g_auto(Result) validate = { 0 };
    g_auto(Result) export = { 0 };
    g_auto(Result) layout = { 0 };

    troupe_cli_run (&validate, NULL, "help", "validate", NULL);
    g_assert_nonnull (strstr (validate.out, "--json"));
    troupe_cli_run (&export, NULL, "export", "-h", NULL);
    g_assert_nonnull (strstr (export.out, "--format"));
    g_assert_nonnull (strstr (export.out, "--clusters"));
    troupe_cli_run (&layout, NULL, "help", "layout", NULL);
    g_assert_nonnull (strstr (layout.out, "--direction"));
    g_assert_nonnull (strstr (layout.out, "--write"));
  }
}

/* Exit status 2 */

static void
test_usage_errors (void)
{
  const char *cases[][6] = {
    { NULL },
    { "frobnicate", NULL },
    { "--frobnicate", NULL },
    { "help", "frobnicate", NULL },
    { "help", "validate", "export", NULL },
    { "validate", NULL },
    { "validate", "--frobnicate", "x.yaml", NULL },
    { "export", NULL },
    { "export", "x.yaml", NULL },
    { "export", "x.yaml", "--format", "bmp", NULL },
    { "export", "x.yaml", "-o", "x.bmp", NULL },
    { "export", "x.yaml", "y.yaml", "--format", "dot", NULL },
    { "export", "x.yaml", "--format", "svg", "--clusters", NULL },
    { "export", "x.yaml", "--format", NULL },
    { "layout", NULL },
    { "layout", "x.yaml", "--direction", "up", NULL },
    { "import", NULL },
    { "import", "x.dot", "-o", "x.txt", NULL },
    { "--version", "extra", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Result) result = { 0 };

      g_test_message ("case %u: troupe %s", i, cases[i][0] != NULL ? cases[i][0] : "");
      troupe_cli_run_argv (NULL, cases[i], &result);
      assert_usage_error (&result);
    }
}

static void
test_unknown_command_suggestion (void)
{
  g_auto(Result) result = { 0 };

  troupe_cli_run (&result, NULL, "valdate", "x.yaml", NULL);
  assert_usage_error (&result);
  g_assert_true (g_str_has_prefix (result.err, "troupe: "));
  g_assert_nonnull (strstr (result.err, "validate"));
}

/* validate */

static void
test_validate_good (void)
{
  g_autoptr(GString) all = g_string_new (NULL);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(Result) together = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      g_autofree char *path = example_path (examples[i]);
      g_autoptr(TroupeWorkflow) workflow = load (path);
      g_autofree char *expected = NULL;
      g_auto(Result) result = { 0 };

      expected = g_strdup_printf ("%s: ok (%u steps)\n", path, troupe_workflow_get_n_steps (workflow));
      g_string_append (all, expected);

      troupe_cli_run (&result, NULL, "validate", path, NULL);
      g_assert_cmpint (result.status, ==, 0);
      g_assert_cmpstr (result.err, ==, "");
      g_assert_cmpstr (result.out, ==, expected);

      g_ptr_array_add (paths, g_steal_pointer (&path));
    }

  /* All at once: one summary line per file, in order. */
  g_ptr_array_add (args, (gpointer) "validate");
  for (guint i = 0; i < paths->len; i++)
    g_ptr_array_add (args, g_ptr_array_index (paths, i));
  g_ptr_array_add (args, NULL);
  troupe_cli_run_argv (NULL, (const char **) args->pdata, &together);

  g_assert_cmpint (together.status, ==, 0);
  g_assert_cmpstr (together.out, ==, all->str);
  g_assert_cmpstr (together.err, ==, "");
}

static void
test_validate_bad (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = write_temp (fixture, "bad.yaml", bad_workflow, -1);
  g_autofree char *expected = expected_diagnostics (path);
  g_autofree char *prefix = g_strdup_printf ("%s:6:", path);
  g_autofree char *summary = g_strdup_printf ("%s: 1 error\n", path);
  g_autofree char *good = example_path (examples[0]);
  g_auto(Result) result = { 0 };
  g_auto(Result) mixed = { 0 };

  troupe_cli_run (&result, NULL, "validate", path, NULL);
  g_assert_cmpint (result.status, ==, 1);
  g_assert_cmpstr (result.err, ==, expected);
  /* The one line editors jump to: the file, the line of needs, the
   * severity, and a message naming the missing step. */
  g_assert_cmpuint (count_lines (result.err), ==, 1);
  g_assert_true (g_str_has_prefix (result.err, prefix));
  g_assert_nonnull (strstr (result.err, ": error: "));
  g_assert_nonnull (strstr (result.err, "nowhere"));
  g_assert_cmpstr (result.out, ==, summary);

  /* One bad file makes the whole run fail, and the good one is still
   * reported. */
  troupe_cli_run (&mixed, NULL, "validate", good, path, NULL);
  g_assert_cmpint (mixed.status, ==, 1);
  g_assert_cmpstr (mixed.err, ==, expected);
  g_assert_true (g_str_has_prefix (mixed.out, good));
  g_assert_nonnull (strstr (mixed.out, ": ok ("));
  g_assert_true (g_str_has_suffix (mixed.out, summary));
}

/* Warnings are printed but leave the file valid. */
static void
test_validate_warning (Fixture       *fixture,
                       gconstpointer  data)
{
  static const char twice[] =
    "troupe: 1\n"
    "steps:\n"
    "  a:\n"
    "    command: [echo, a]\n"
    "  b:\n"
    "    command: [echo, b]\n"
    "    needs: [a, a]\n";
  g_autofree char *path = write_temp (fixture, "twice.yaml", twice, -1);
  g_autofree char *expected = expected_diagnostics (path);
  g_autofree char *summary = g_strdup_printf ("%s: ok (2 steps, 1 warning)\n", path);
  g_autofree char *prefix = g_strdup_printf ("%s:7:", path);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(Result) result = { 0 };
  g_auto(Result) json = { 0 };
  JsonObject *file;

  troupe_cli_run (&result, NULL, "validate", path, NULL);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_cmpstr (result.err, ==, expected);
  g_assert_true (g_str_has_prefix (result.err, prefix));
  g_assert_nonnull (strstr (result.err, ": warning: "));
  g_assert_cmpstr (result.out, ==, summary);

  troupe_cli_run (&json, NULL, "validate", "--json", path, NULL);
  g_assert_cmpint (json.status, ==, 0);
  json_parser_load_from_data (parser, json.out, -1, &error);
  g_assert_no_error (error);
  file = json_array_get_object_element (json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                                                      "files"), 0);
  g_assert_true (json_object_get_boolean_member (file, "valid"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (file, "diagnostics")), ==, 1);
}

static void
test_validate_syntax_error (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *path = write_temp (fixture, "broken.yaml", syntax_error_workflow, -1);
  g_autofree char *expected = expected_diagnostics (path);
  g_autofree char *prefix = g_strdup_printf ("%s:", path);
  g_autofree char *summary = g_strdup_printf ("%s: does not load\n", path);
  g_auto(Result) result = { 0 };

  troupe_cli_run (&result, NULL, "validate", path, NULL);
  g_assert_cmpint (result.status, ==, 1);
  g_assert_cmpstr (result.err, ==, expected);
  g_assert_cmpuint (count_lines (result.err), ==, 1);
  g_assert_true (g_str_has_prefix (result.err, prefix));
  g_assert_true (g_ascii_isdigit (result.err[strlen (prefix)]));
  g_assert_nonnull (strstr (result.err, ": error: "));
  g_assert_cmpstr (result.out, ==, summary);
}

static void
test_validate_missing_file (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "nowhere.yaml", NULL);
  g_autofree char *prefix = g_strdup_printf ("%s: error: ", path);
  g_auto(Result) result = { 0 };

  troupe_cli_run (&result, NULL, "validate", path, NULL);
  g_assert_cmpint (result.status, ==, 1);
  g_assert_true (g_str_has_prefix (result.err, prefix));
  g_assert_cmpuint (count_lines (result.err), ==, 1);
}

static JsonObject *
files_member (JsonNode *root,
              guint     index)
{
  JsonArray *files;

  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  files = json_object_get_array_member (json_node_get_object (root), "files");
  g_assert_nonnull (files);
  g_assert_cmpuint (index, <, json_array_get_length (files));

  return json_array_get_object_element (files, index);
}

static void
assert_json_file (JsonNode   *root,
                  guint       index,
                  const char *path,
                  gboolean    valid)
{
  JsonObject *file = files_member (root, index);
  JsonArray *diagnostics;
  g_autoptr(TroupeDiagnostic) syntax_error = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(GPtrArray) expected = NULL;

  g_assert_cmpstr (json_object_get_string_member (file, "file"), ==, path);
  g_assert_true (json_object_get_boolean_member (file, "valid") == valid);
  diagnostics = json_object_get_array_member (file, "diagnostics");
  g_assert_nonnull (diagnostics);

  workflow = troupe_workflow_new_from_file (path, &syntax_error, NULL);
  if (workflow != NULL)
    expected = troupe_workflow_validate (workflow);
  else
    {
      expected = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_diagnostic_free);
      g_ptr_array_add (expected, g_steal_pointer (&syntax_error));
    }

  g_assert_cmpuint (json_array_get_length (diagnostics), ==, expected->len);
  for (guint i = 0; i < expected->len; i++)
    {
      TroupeDiagnostic *diagnostic = g_ptr_array_index (expected, i);
      g_autoptr(JsonNode) node = NULL;

      if (diagnostic->file == NULL)
        troupe_diagnostic_set_file (diagnostic, path);
      node = troupe_diagnostic_to_json (diagnostic);
      g_assert_true (json_node_equal (node, json_array_get_element (diagnostics, i)));
    }
}

static void
test_validate_json (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *good = example_path (examples[0]);
  g_autofree char *bad = write_temp (fixture, "bad.yaml", bad_workflow, -1);
  g_autofree char *broken = write_temp (fixture, "broken.yaml", syntax_error_workflow, -1);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(Result) result = { 0 };
  g_auto(Result) only_good = { 0 };
  JsonNode *root;

  troupe_cli_run (&result, NULL, "validate", "--json", good, bad, broken, NULL);
  g_assert_cmpint (result.status, ==, 1);
  g_assert_cmpstr (result.err, ==, "");

  json_parser_load_from_data (parser, result.out, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (root), "files")), ==, 3);
  assert_json_file (root, 0, good, TRUE);
  assert_json_file (root, 1, bad, FALSE);
  assert_json_file (root, 2, broken, FALSE);

  {
    JsonObject *first = json_array_get_object_element (json_object_get_array_member (files_member (root, 1), "diagnostics"), 0);

    /* The members a tool matches on. */
    g_assert_true (json_object_has_member (first, "code"));
    g_assert_true (json_object_has_member (first, "message"));
    g_assert_true (json_object_has_member (first, "line"));
  }

  troupe_cli_run (&only_good, NULL, "validate", "--json", good, NULL);
  g_assert_cmpint (only_good.status, ==, 0);
  json_parser_load_from_data (parser, only_good.out, -1, &error);
  g_assert_no_error (error);
  assert_json_file (json_parser_get_root (parser), 0, good, TRUE);
}

/* Whatever the input, the command answers with a status, never a crash
 * (run_argv() fails on a signal). */
static void
test_never_crash (Fixture       *fixture,
                  gconstpointer  data)
{
  static const struct {
    const char *name;
    const char *contents;
    gssize      length;
  } inputs[] = {
    { "empty.yaml", "", 0 },
    { "nul.yaml", "\0\1\2\3steps:\0", 11 },
    { "nested.yaml", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", -1 },
    { "scalar.yaml", "42\n", -1 },
    { "steps.yaml", "steps: 5\n", -1 },
    { "steps-list.yaml", "steps: [a, b]\n", -1 },
    { "null-step.yaml", "steps:\n  a:\n  b: ~\n", -1 },
    { "alias.yaml", "a: &x [*x]\n", -1 },
    { "tabs.yaml", "steps:\n\ta: {}\n", -1 },
    { "latin1.yaml", "name: caf\xe9\n", -1 },
    { "broken.json", "{\"steps\": {\"a\": [}", -1 },
    { "array.json", "[1, 2, 3]", -1 },
    { "graph.dot", "digraph { a -> }", -1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autofree char *path = write_temp (fixture, inputs[i].name, inputs[i].contents, inputs[i].length);
      g_autofree char *out = g_build_filename (fixture->dir, "out.svg", NULL);
      const char *commands[][7] = {
        { "validate", path, NULL },
        { "validate", "--json", path, NULL },
        { "export", path, "--format", "mermaid", NULL },
        { "export", path, "-o", out, NULL },
        { "layout", path, NULL },
        { "import", path, NULL },
      };

      for (guint j = 0; j < G_N_ELEMENTS (commands); j++)
        {
          g_auto(Result) result = { 0 };

          g_test_message ("troupe %s %s", commands[j][0], inputs[i].name);
          troupe_cli_run_argv (NULL, commands[j], &result);
          g_assert_cmpint (result.status, >=, 0);
          g_assert_cmpint (result.status, <=, 1);
        }
    }

  {
    g_auto(Result) result = { 0 };

    /* A folder is not a workflow. */
    troupe_cli_run (&result, NULL, "validate", fixture->dir, NULL);
    g_assert_cmpint (result.status, ==, 1);
    g_assert_cmpuint (count_lines (result.err), ==, 1);
  }
}

/* export */

static void
assert_dot_graph (const char     *text,
                  TroupeWorkflow *workflow)
{
  Agraph_t *graph = agmemread (text);

  g_assert_nonnull (graph);
  g_assert_true (agisdirected (graph));
  g_assert_cmpint (agnnodes (graph), ==, (int) troupe_workflow_get_n_steps (workflow));
  agclose (graph);
}

static void
assert_reloads (const char       *text,
                gsize             length,
                TroupeFileFormat  format,
                TroupeWorkflow   *original)
{
  g_autoptr(TroupeWorkflow) copy = NULL;
  g_autoptr(GError) error = NULL;

  copy = troupe_workflow_new_from_data (text, length, format, "export", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (troupe_workflow_equal (copy, original));
}

static void
test_export_formats (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      g_autofree char *path = example_path (examples[i]);
      g_autoptr(TroupeWorkflow) workflow = load (path);
      g_autofree char *file_bytes = NULL;
      gsize file_length;
      g_auto(Result) dot = { 0 };
      g_auto(Result) clusters = { 0 };
      g_auto(Result) mermaid = { 0 };
      g_auto(Result) json = { 0 };
      g_auto(Result) yaml = { 0 };
      g_auto(Result) svg = { 0 };
      g_auto(Result) png = { 0 };

      g_test_message ("exporting %s", path);

      troupe_cli_run (&dot, NULL, "export", path, "--format", "dot", NULL);
      g_assert_cmpint (dot.status, ==, 0);
      g_assert_cmpstr (dot.err, ==, "");
      assert_dot_graph (dot.out, workflow);

      troupe_cli_run (&clusters, NULL, "export", path, "--format", "dot", "--clusters", NULL);
      g_assert_cmpint (clusters.status, ==, 0);
      assert_dot_graph (clusters.out, workflow);
      g_assert_nonnull (strstr (clusters.out, "cluster"));

      troupe_cli_run (&mermaid, NULL, "export", path, "--format", "mermaid", NULL);
      g_assert_cmpint (mermaid.status, ==, 0);
      g_assert_cmpstr (mermaid.err, ==, "");
      g_assert_true (g_str_has_prefix (mermaid.out, "flowchart"));

      troupe_cli_run (&json, NULL, "export", path, "--format", "json", NULL);
      g_assert_cmpint (json.status, ==, 0);
      assert_reloads (json.out, strlen (json.out), TROUPE_FILE_FORMAT_JSON, workflow);

      /* The examples are canonical, so exporting YAML gives the file back. */
      troupe_cli_run (&yaml, NULL, "export", path, "--format", "YAML", NULL);
      g_assert_cmpint (yaml.status, ==, 0);
      assert_reloads (yaml.out, strlen (yaml.out), TROUPE_FILE_FORMAT_YAML, workflow);
      file_bytes = troupe_test_read_file (path, &file_length);
      g_assert_cmpstr (yaml.out, ==, file_bytes);

      troupe_cli_run (&svg, NULL, "export", path, "--format", "svg", NULL);
      g_assert_cmpint (svg.status, ==, 0);
      g_assert_nonnull (strstr (svg.out, "<svg"));
      g_assert_nonnull (strstr (svg.out, "</svg>"));

      /* Not a terminal here (a pipe), so binary output is fine. */
      troupe_cli_run (&png, NULL, "export", path, "--format", "png", NULL);
      g_assert_cmpint (png.status, ==, 0);
      g_assert_true (memcmp (png.out, png_magic, 8) == 0);
    }
}

static void
test_export_output (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *path = example_path (examples[0]);
  g_autoptr(TroupeWorkflow) workflow = load (path);
  struct {
    const char       *name;
    const char       *format;
    TroupeFileFormat  reload_as;
  } outputs[] = {
    { "flow.svg",  NULL,  TROUPE_FILE_FORMAT_SVG },
    { "flow.png",  NULL,  TROUPE_FILE_FORMAT_PNG },
    { "flow.json", NULL,  TROUPE_FILE_FORMAT_JSON },
    { "flow.yml",  NULL,  TROUPE_FILE_FORMAT_YAML },
    { "flow.gv",   NULL,  TROUPE_FILE_FORMAT_DOT },
    { "flow.mmd",  NULL,  TROUPE_FILE_FORMAT_MERMAID },
    { "flow.txt",  "dot", TROUPE_FILE_FORMAT_DOT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (outputs); i++)
    {
      g_autofree char *out = g_build_filename (fixture->dir, outputs[i].name, NULL);
      g_autofree char *contents = NULL;
      g_auto(Result) result = { 0 };
      gsize length = 0;

      if (outputs[i].format != NULL)
        troupe_cli_run (&result, NULL, "export", path, "-o", out, "--format", outputs[i].format, NULL);
      else
        troupe_cli_run (&result, NULL, "export", path, "-o", out, NULL);

      g_assert_cmpint (result.status, ==, 0);
      g_assert_cmpstr (result.out, ==, "");
      g_assert_cmpstr (result.err, ==, "");
      contents = troupe_test_read_file (out, &length);

      switch (outputs[i].reload_as)
        {
        case TROUPE_FILE_FORMAT_SVG:
          g_assert_nonnull (strstr (contents, "<svg"));
          break;
        case TROUPE_FILE_FORMAT_PNG:
          g_assert_cmpuint (length, >, 8);
          g_assert_true (memcmp (contents, png_magic, 8) == 0);
          break;
        case TROUPE_FILE_FORMAT_JSON:
        case TROUPE_FILE_FORMAT_YAML:
          assert_reloads (contents, length, outputs[i].reload_as, workflow);
          break;
        case TROUPE_FILE_FORMAT_DOT:
          assert_dot_graph (contents, workflow);
          break;
        case TROUPE_FILE_FORMAT_MERMAID:
          g_assert_true (g_str_has_prefix (contents, "flowchart"));
          break;
        default:
          g_assert_not_reached ();
        }
    }

  /* The write is atomic: no temporary file is left beside the output. */
  {
    g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
    guint n = 0;

    while (g_dir_read_name (dir) != NULL)
      n++;
    g_assert_cmpuint (n, ==, G_N_ELEMENTS (outputs));
  }

  /* A format that cannot be guessed writes nothing. */
  {
    g_autofree char *out = g_build_filename (fixture->dir, "flow.bin", NULL);
    g_auto(Result) result = { 0 };

    troupe_cli_run (&result, NULL, "export", path, "-o", out, NULL);
    assert_usage_error (&result);
    g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  }
}

static void
test_export_invalid (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *path = write_temp (fixture, "bad.yaml", bad_workflow, -1);
  g_autofree char *out = g_build_filename (fixture->dir, "bad.svg", NULL);
  g_autofree char *expected = expected_diagnostics (path);
  g_auto(Result) result = { 0 };
  g_auto(Result) to_file = { 0 };

  troupe_cli_run (&result, NULL, "export", path, "--format", "mermaid", NULL);
  g_assert_cmpint (result.status, ==, 1);
  g_assert_cmpstr (result.out, ==, "");
  g_assert_true (g_str_has_prefix (result.err, expected));

  troupe_cli_run (&to_file, NULL, "export", path, "-o", out, NULL);
  g_assert_cmpint (to_file.status, ==, 1);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
}

/* PNG to a terminal is refused; a pseudo-terminal stands in for one. */
static void
test_export_binary_to_terminal (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autofree char *path = example_path (examples[0]);
  g_autofree char *err_path = g_build_filename (fixture->dir, "stderr.txt", NULL);
  g_autofree char *err = NULL;
  g_auto(GStrv) env = troupe_cli_environ ();
  g_autoptr(GError) error = NULL;
  const char *argv[] = { TROUPE_CLI_PATH, "export", path, "--format", "png", NULL };
  GPid pid = 0;
  int master = -1, slave = -1, err_fd, wait_status = 0;

  g_assert_cmpint (openpty (&master, &slave, NULL, NULL, NULL), ==, 0);
  err_fd = open (err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  g_assert_cmpint (err_fd, >=, 0);

  g_spawn_async_with_fds (NULL, (char **) argv, env, G_SPAWN_DO_NOT_REAP_CHILD,
                          NULL, NULL, &pid, -1, slave, err_fd, &error);
  g_assert_no_error (error);
  g_assert_cmpint (waitpid (pid, &wait_status, 0), ==, pid);
  g_spawn_close_pid (pid);
  close (slave);
  close (err_fd);
  close (master);

  g_assert_true (WIFEXITED (wait_status));
  g_assert_cmpint (WEXITSTATUS (wait_status), ==, 2);
  err = troupe_test_read_file (err_path, NULL);
  g_assert_nonnull (strstr (err, "-o"));
  g_assert_true (g_str_has_suffix (err, "Run 'troupe help' for usage.\n"));
}

/* layout */

static void
test_layout_summary (void)
{
  g_autofree char *path = example_path ("fan-out-fan-in.yaml");
  g_autoptr(TroupeWorkflow) workflow = load (path);
  g_autofree char *before = troupe_test_read_file (path, NULL);
  g_autofree char *after = NULL;
  GPtrArray *steps = troupe_workflow_get_steps (workflow);
  g_auto(Result) result = { 0 };
  g_auto(Result) lr = { 0 };

  troupe_cli_run (&result, NULL, "layout", path, NULL);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_cmpstr (result.err, ==, "");
  g_assert_nonnull (strstr (result.out, "Direction:    TB\n"));
  /* plan, eight research steps, merge, review. */
  g_assert_nonnull (strstr (result.out, "Ranks:        4\n"));
  g_assert_nonnull (strstr (result.out, "Size:"));
  g_assert_nonnull (strstr (result.out, "Bounding box:"));
  for (guint i = 0; i < steps->len; i++)
    {
      g_autofree char *row = g_strdup_printf ("\n  %s ", troupe_step_get_id (g_ptr_array_index (steps, i)));

      g_assert_nonnull (strstr (result.out, row));
    }

  troupe_cli_run (&lr, NULL, "layout", path, "--direction", "lr", NULL);
  g_assert_cmpint (lr.status, ==, 0);
  g_assert_nonnull (strstr (lr.out, "Direction:    LR\n"));
  g_assert_nonnull (strstr (lr.out, "Ranks:        4\n"));

  /* Without --write the file is left alone. */
  after = troupe_test_read_file (path, NULL);
  g_assert_cmpstr (after, ==, before);
}

static char *
copy_without_positions (Fixture          *fixture,
                        const char       *example,
                        const char       *name,
                        TroupeFileFormat  format)
{
  g_autofree char *source = example_path (example);
  g_autoptr(TroupeWorkflow) workflow = load (source);
  g_autoptr(GError) error = NULL;
  GPtrArray *steps = troupe_workflow_get_steps (workflow);
  char *path = g_build_filename (fixture->dir, name, NULL);

  for (guint i = 0; i < steps->len; i++)
    troupe_step_clear_position (g_ptr_array_index (steps, i));

  troupe_workflow_save_to_file (workflow, path, format, &error);
  g_assert_no_error (error);

  return path;
}

/* Everything but the positions (and the rank direction) of @after equals
 * @before. */
static void
assert_same_but_layout (TroupeWorkflow *before,
                        TroupeWorkflow *after)
{
  GPtrArray *steps = troupe_workflow_get_steps (after);

  g_assert_cmpuint (troupe_workflow_get_n_steps (before), ==, steps->len);
  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      TroupeStep *old = troupe_workflow_lookup_step (before, troupe_step_get_id (step));
      double x, y;

      g_assert_nonnull (old);
      g_assert_true (troupe_step_get_position (step, &x, &y));
      troupe_step_set_position (old, x, y);
    }
  troupe_workflow_set_rank_dir (before, troupe_workflow_get_rank_dir (after));

  g_assert_true (troupe_workflow_equal (before, after));
}

static void
test_layout_write (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = copy_without_positions (fixture, "every-kind.yaml", "flow.yaml",
                                                  TROUPE_FILE_FORMAT_YAML);
  g_autoptr(TroupeWorkflow) before = load (path);
  g_autoptr(TroupeWorkflow) after = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *summary = g_strdup_printf ("%s: saved the positions of %u steps (direction TB)\n",
                                              path, troupe_workflow_get_n_steps (before));
  GPtrArray *steps;
  g_auto(Result) result = { 0 };

  steps = troupe_workflow_get_steps (before);
  for (guint i = 0; i < steps->len; i++)
    g_assert_false (troupe_step_get_position (g_ptr_array_index (steps, i), NULL, NULL));

  troupe_cli_run (&result, NULL, "layout", "--write", path, NULL);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_cmpstr (result.err, ==, "");
  g_assert_cmpstr (result.out, ==, summary);

  after = load (path);
  steps = troupe_workflow_get_steps (after);
  for (guint i = 0; i < steps->len; i++)
    {
      double x, y;

      g_assert_true (troupe_step_get_position (g_ptr_array_index (steps, i), &x, &y));
      /* Cards never share a place. */
      g_assert_true (g_hash_table_add (seen, g_strdup_printf ("%g,%g", x, y)));
    }

  assert_same_but_layout (before, after);
}

static void
test_layout_write_direction (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *path = copy_without_positions (fixture, "architect-engineer-qa.yaml", "flow.json",
                                                  TROUPE_FILE_FORMAT_JSON);
  g_autoptr(TroupeWorkflow) before = load (path);
  g_autoptr(TroupeWorkflow) after = NULL;
  g_autofree char *contents = NULL;
  GPtrArray *steps;
  g_auto(Result) result = { 0 };

  troupe_cli_run (&result, NULL, "layout", path, "--write", "--direction", "LR", NULL);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_cmpstr (result.err, ==, "");

  /* Saved in the file's own format. */
  contents = troupe_test_read_file (path, NULL);
  g_assert_true (contents[0] == '{');

  after = load (path);
  g_assert_cmpint (troupe_workflow_get_rank_dir (after), ==, TROUPE_RANK_DIR_LR);

  /* Left to right: every step is to the right of the steps it needs. */
  steps = troupe_workflow_get_steps (after);
  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      const char * const *needs = troupe_step_get_needs (step);
      double x, y;

      g_assert_true (troupe_step_get_position (step, &x, &y));
      for (guint j = 0; needs != NULL && needs[j] != NULL; j++)
        {
          double nx, ny;

          g_assert_true (troupe_step_get_position (troupe_workflow_lookup_step (after, needs[j]), &nx, &ny));
          g_assert_cmpfloat (nx, <, x);
        }
    }

  assert_same_but_layout (before, after);
}

static void
test_layout_invalid (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *path = write_temp (fixture, "bad.yaml", bad_workflow, -1);
  g_autofree char *before = troupe_test_read_file (path, NULL);
  g_autofree char *after = NULL;
  g_auto(Result) result = { 0 };

  troupe_cli_run (&result, NULL, "layout", "--write", path, NULL);
  g_assert_cmpint (result.status, ==, 1);
  g_assert_cmpstr (result.out, ==, "");
  after = troupe_test_read_file (path, NULL);
  g_assert_cmpstr (after, ==, before);
}

/* import */

static const char small_dot[] =
  "digraph pipeline {\n"
  "  fetch [label=\"fetch\"];\n"
  "  build;\n"
  "  test;\n"
  "  fetch -> build;\n"
  "  build -> test;\n"
  "  fetch -> test;\n"
  "}\n";

static void
assert_imported (TroupeWorkflow *workflow)
{
  TroupeStep *fetch, *build, *test;

  g_assert_cmpuint (troupe_workflow_get_n_steps (workflow), ==, 3);
  fetch = troupe_workflow_lookup_step (workflow, "fetch");
  build = troupe_workflow_lookup_step (workflow, "build");
  test = troupe_workflow_lookup_step (workflow, "test");
  g_assert_nonnull (fetch);
  g_assert_nonnull (build);
  g_assert_nonnull (test);
  g_assert_cmpint (troupe_step_get_kind (build), ==, TROUPE_STEP_KIND_COMMAND);
  g_assert_true (troupe_step_has_need (build, "fetch"));
  g_assert_true (troupe_step_has_need (test, "build"));
  g_assert_true (troupe_step_has_need (test, "fetch"));
  g_assert_false (troupe_step_has_need (fetch, "build"));
}

static void
test_import (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *dot = write_temp (fixture, "pipeline.dot", small_dot, -1);
  g_autofree char *yaml = g_build_filename (fixture->dir, "pipeline.yaml", NULL);
  g_autofree char *json = g_build_filename (fixture->dir, "pipeline.json", NULL);
  g_autoptr(TroupeWorkflow) from_yaml = NULL;
  g_autoptr(TroupeWorkflow) from_json = NULL;
  g_autoptr(TroupeWorkflow) from_stdout = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(Result) result = { 0 };
  g_auto(Result) to_json = { 0 };
  g_auto(Result) to_stdout = { 0 };

  troupe_cli_run (&result, NULL, "import", dot, "-o", yaml, NULL);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_cmpstr (result.out, ==, "");
  from_yaml = load (yaml);
  assert_imported (from_yaml);
  contents = troupe_test_read_file (yaml, NULL);
  g_assert_true (g_str_has_prefix (contents, "troupe: 1\n"));

  troupe_cli_run (&to_json, NULL, "import", "-o", json, dot, NULL);
  g_assert_cmpint (to_json.status, ==, 0);
  from_json = load (json);
  assert_imported (from_json);
  g_assert_true (troupe_workflow_equal (from_yaml, from_json));

  /* Without -o the YAML goes to the standard output. */
  troupe_cli_run (&to_stdout, NULL, "import", dot, NULL);
  g_assert_cmpint (to_stdout.status, ==, 0);
  g_assert_cmpstr (to_stdout.out, ==, contents);
  from_stdout = troupe_workflow_new_from_data (to_stdout.out, -1, TROUPE_FILE_FORMAT_YAML,
                                               NULL, NULL, &error);
  g_assert_no_error (error);
  assert_imported (from_stdout);
}

/* What the workflow cannot hold is a warning on stderr, not a failure. */
static void
test_import_warnings (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *dot = write_temp (fixture, "loop.dot", "digraph { a -> b; b -> b; }\n", -1);
  g_autofree char *yaml = g_build_filename (fixture->dir, "loop.yaml", NULL);
  g_autofree char *prefix = g_strdup_printf ("%s:", dot);
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_auto(Result) result = { 0 };

  troupe_cli_run (&result, NULL, "import", dot, "-o", yaml, NULL);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_cmpstr (result.out, ==, "");
  g_assert_true (g_str_has_prefix (result.err, prefix));
  g_assert_nonnull (strstr (result.err, ": warning: "));

  workflow = load (yaml);
  g_assert_cmpuint (troupe_workflow_get_n_steps (workflow), ==, 2);
  g_assert_false (troupe_step_has_need (troupe_workflow_lookup_step (workflow, "b"), "b"));
}

static void
test_import_errors (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *broken = write_temp (fixture, "broken.dot", "digraph { a -> ", -1);
  g_autofree char *missing = g_build_filename (fixture->dir, "missing.dot", NULL);
  g_autofree char *out = g_build_filename (fixture->dir, "out.yaml", NULL);
  g_auto(Result) result = { 0 };
  g_auto(Result) absent = { 0 };

  troupe_cli_run (&result, NULL, "import", broken, "-o", out, NULL);
  g_assert_cmpint (result.status, ==, 1);
  g_assert_cmpstr (result.out, ==, "");
  g_assert_nonnull (strstr (result.err, "broken.dot"));
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));

  troupe_cli_run (&absent, NULL, "import", missing, "-o", out, NULL);
  g_assert_cmpint (absent.status, ==, 1);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/troupe/cli/version", test_version);
  g_test_add_func ("/troupe/cli/help", test_help);
  g_test_add_func ("/troupe/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/troupe/cli/unknown-command", test_unknown_command_suggestion);
  g_test_add_func ("/troupe/cli/validate/good", test_validate_good);
  ADD_TMP ("/troupe/cli/validate/bad", test_validate_bad);
  ADD_TMP ("/troupe/cli/validate/warning", test_validate_warning);
  ADD_TMP ("/troupe/cli/validate/syntax-error", test_validate_syntax_error);
  ADD_TMP ("/troupe/cli/validate/missing-file", test_validate_missing_file);
  ADD_TMP ("/troupe/cli/validate/json", test_validate_json);
  ADD_TMP ("/troupe/cli/never-crash", test_never_crash);
  g_test_add_func ("/troupe/cli/export/formats", test_export_formats);
  ADD_TMP ("/troupe/cli/export/output", test_export_output);
  ADD_TMP ("/troupe/cli/export/invalid", test_export_invalid);
  ADD_TMP ("/troupe/cli/export/binary-to-terminal", test_export_binary_to_terminal);
  g_test_add_func ("/troupe/cli/layout/summary", test_layout_summary);
  ADD_TMP ("/troupe/cli/layout/write", test_layout_write);
  ADD_TMP ("/troupe/cli/layout/write-direction", test_layout_write_direction);
  ADD_TMP ("/troupe/cli/layout/invalid", test_layout_invalid);
  ADD_TMP ("/troupe/cli/import/dot", test_import);
  ADD_TMP ("/troupe/cli/import/warnings", test_import_warnings);
  ADD_TMP ("/troupe/cli/import/errors", test_import_errors);

#undef ADD_TMP

  return g_test_run ();
}
