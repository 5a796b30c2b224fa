/* test-dot-import.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* For dladdr(), to find graphviz's plugin folder. */
#define _GNU_SOURCE

#include "config.h"

#include <dlfcn.h>
#include <string.h>

#include <glib/gstdio.h>
#include <cgraph.h>

#include <troupe.h>

#include "troupe-test-util.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Agraph_t, agclose)

static char *
data_file (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "dot", name, NULL);
}

static guint
count_warnings (GPtrArray  *warnings,
                const char *code)
{
  guint n = 0;

  for (guint i = 0; i < warnings->len; i++)
    {
      const TroupeDiagnostic *d = g_ptr_array_index (warnings, i);

      if (g_str_equal (d->code, code))
        n++;
    }

  return n;
}

static guint
count_needs (TroupeWorkflow *wf)
{
  GPtrArray *steps = troupe_workflow_get_steps (wf);
  guint n = 0;

  for (guint i = 0; i < steps->len; i++)
    {
      const char * const *needs = troupe_step_get_needs (g_ptr_array_index (steps, i));

      n += needs != NULL ? g_strv_length ((GStrv) needs) : 0;
    }

  return n;
}

static gboolean
strv_equal (const char * const *strv,
            const char         *first,
            ...)
{
  va_list args;
  const char *item = first;
  guint i = 0;
  gboolean equal = TRUE;

  va_start (args, first);
  for (; item != NULL; item = va_arg (args, const char *), i++)
    {
      if (strv == NULL || strv[i] == NULL || !g_str_equal (strv[i], item))
        {
          equal = FALSE;
          break;
        }
    }
  va_end (args);

  return equal && (strv == NULL ? i == 0 : strv[i] == NULL);
}

/* What holds for any imported graph: one valid, unique step per node, a
 * need per edge except the dropped ones, positions, commands that run,
 * no cycle, and a lossless trip through YAML. */
static TroupeWorkflow *
check_import (const char *path,
              GPtrArray  *warnings)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *yaml = NULL;
  g_autoptr(TroupeWorkflow) wf = NULL;
  g_autoptr(TroupeWorkflow) reread = NULL;
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto(GStrv) cycle = NULL;
  g_autoptr(Agraph_t) g = NULL;
  GPtrArray *steps;
  guint dropped;

  wf = troupe_workflow_import_dot (path, warnings, &error);
  g_assert_no_error (error);
  g_assert_nonnull (wf);

  /* The same file as cgraph itself reads it. */
  g_file_get_contents (path, &data, NULL, &error);
  g_assert_no_error (error);
  g = agmemread (data);
  g_assert_nonnull (g);

  steps = troupe_workflow_get_steps (wf);
  g_assert_cmpuint (steps->len, ==, (guint) agnnodes (g));

  dropped = count_warnings (warnings, "dot-self-loop") +
            count_warnings (warnings, "dot-duplicate-edge") +
            count_warnings (warnings, "dot-cycle");
  g_assert_cmpuint (count_needs (wf) + dropped, ==, (guint) agnedges (g));

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      const char *id = troupe_step_get_id (step);
      const char * const *command = troupe_step_get_command (step);

      if (!troupe_step_id_is_valid (id))
        g_error ("%s: step id '%s' is not valid", path, id);
      g_assert_false (g_hash_table_contains (ids, id));
      g_hash_table_add (ids, (gpointer) id);

      g_assert_cmpint (troupe_step_get_kind (step), ==, TROUPE_STEP_KIND_COMMAND);
      g_assert_nonnull (command);
      g_assert_nonnull (command[0]);
      g_assert_true (troupe_step_get_position (step, NULL, NULL));
    }

  for (guint i = 0; i < warnings->len; i++)
    {
      const TroupeDiagnostic *d = g_ptr_array_index (warnings, i);

      g_assert_cmpint (d->severity, ==, TROUPE_SEVERITY_WARNING);
      g_assert_cmpstr (d->file, ==, path);
      g_assert_true (g_utf8_validate (d->message, -1, NULL));
    }

  cycle = troupe_workflow_find_cycle (wf);
  g_assert_null (cycle);

  yaml = troupe_workflow_to_data (wf, TROUPE_FILE_FORMAT_YAML, NULL);
  reread = troupe_workflow_new_from_data (yaml, -1, TROUPE_FILE_FORMAT_YAML, "reread.yaml",
                                          NULL, &error);
  g_assert_no_error (error);
  if (!troupe_workflow_equal (wf, reread))
    g_error ("%s does not survive a trip through YAML:\n%s", path, yaml);

  return g_steal_pointer (&wf);
}

typedef struct
{
  const char *file;
  guint       steps;
  guint       needs;
  guint       self_loops;
  guint       duplicates;
  guint       cycles;
  guint       other_warnings;
} FileCase;

static const FileCase file_cases[] = {
  { "pipeline.gv",           5, 5, 0, 0, 0, 0 },
  { "multi-edges.gv",        5, 7, 3, 3, 0, 0 },
  { "undirected.gv",         6, 4, 1, 1, 0, 0 },
  { "strict.gv",             3, 2, 1, 0, 0, 0 },
  { "clusters.gv",           6, 5, 0, 0, 0, 0 },
  { "records.gv",            6, 4, 0, 0, 0, 0 },
  { "html.gv",               4, 3, 0, 0, 0, 0 },
  { "cycle.gv",              5, 4, 1, 0, 2, 0 },
  { "names.gv",             18, 8, 0, 0, 0, 0 },
  { "commands.gv",           3, 2, 0, 0, 0, 1 },
  { "empty.gv",              0, 0, 0, 0, 0, 0 },
  { "attributes.gv",         6, 4, 1, 0, 0, 1 },
  { "latin1.gv",             2, 1, 0, 0, 0, 0 },
  { "latin1-undeclared.gv",  2, 1, 0, 0, 0, 1 },
  { "unicode.gv",            6, 4, 0, 0, 0, 0 },
};

static void
test_import_files (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (file_cases); i++)
    {
      const FileCase *c = &file_cases[i];
      g_autofree char *path = data_file (c->file);
      g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_diagnostic_free);
      g_autoptr(TroupeWorkflow) wf = NULL;
      guint others;

      g_test_message ("importing %s", c->file);
      wf = check_import (path, warnings);

      g_assert_cmpuint (troupe_workflow_get_n_steps (wf), ==, c->steps);
      g_assert_cmpuint (count_needs (wf), ==, c->needs);
      g_assert_cmpuint (count_warnings (warnings, "dot-self-loop"), ==, c->self_loops);
      g_assert_cmpuint (count_warnings (warnings, "dot-duplicate-edge"), ==, c->duplicates);
      g_assert_cmpuint (count_warnings (warnings, "dot-cycle"), ==, c->cycles);
      others = warnings->len - c->self_loops - c->duplicates - c->cycles;
      g_assert_cmpuint (others, ==, c->other_warnings);
    }
}

static TroupeWorkflow *
import_test_file (const char *name,
                  GPtrArray  *warnings)
{
  g_autofree char *path = data_file (name);
  g_autoptr(GError) error = NULL;
  TroupeWorkflow *wf = troupe_workflow_import_dot (path, warnings, &error);

  g_assert_no_error (error);
  g_assert_nonnull (wf);

  return wf;
}

static TroupeStep *
lookup (TroupeWorkflow *wf,
        const char     *id)
{
  TroupeStep *step = troupe_workflow_lookup_step (wf, id);

  if (step == NULL)
    g_error ("no step '%s' was imported", id);

  return step;
}

static void
test_import_labels (void)
{
  g_autoptr(TroupeWorkflow) pipeline = import_test_file ("pipeline.gv", NULL);
  g_autoptr(TroupeWorkflow) names = import_test_file ("names.gv", NULL);
  g_autoptr(TroupeWorkflow) records = import_test_file ("records.gv", NULL);
  g_autoptr(TroupeWorkflow) html = import_test_file ("html.gv", NULL);
  g_autoptr(TroupeWorkflow) unicode = import_test_file ("unicode.gv", NULL);
  g_autoptr(TroupeWorkflow) latin1 = import_test_file ("latin1.gv", NULL);
  TroupeStep *step;

  /* The graph's name and direction come along. */
  g_assert_cmpstr (troupe_workflow_get_name (pipeline), ==, "Release pipeline");
  g_assert_cmpint (troupe_workflow_get_rank_dir (pipeline), ==, TROUPE_RANK_DIR_LR);
  g_assert_null (troupe_workflow_get_name (names));

  /* A label names the step; the node name stays as its description. */
  step = lookup (pipeline, "Run-tests");
  g_assert_cmpstr (troupe_step_get_description (step), ==, "test");
  g_assert_true (strv_equal (troupe_step_get_command (step), "echo", "Run tests", NULL));
  g_assert_true (strv_equal (troupe_step_get_needs (step), "Build-the-app", NULL));
  /* Without a label, the node name is the id and nothing needs saying. */
  step = lookup (pipeline, "publish");
  g_assert_null (troupe_step_get_description (step));
  g_assert_true (strv_equal (troupe_step_get_command (step), "echo", "publish", NULL));
  g_assert_true (strv_equal (troupe_step_get_needs (lookup (pipeline, "package")),
                             "Run-tests", "Build-the-app", NULL));

  /* Escapes, numbers, duplicates, long and empty labels. */
  g_assert_true (strv_equal (troupe_step_get_command (lookup (names, "edge-here")),
                             "echo", "edge here", NULL));
  g_assert_true (strv_equal (troupe_step_get_command (lookup (names, "left-aligned")),
                             "echo", "left\naligned", NULL));
  g_assert_cmpstr (troupe_step_get_description (lookup (names, "2-5")), ==, "2.5");
  g_assert_cmpstr (troupe_step_get_description (lookup (names, "3")), ==, "-3");
  g_assert_cmpstr (troupe_step_get_description (lookup (names, "Same-label")), ==, "dup1");
  g_assert_cmpstr (troupe_step_get_description (lookup (names, "Same-label-2")), ==, "dup2");
  g_assert_cmpstr (troupe_step_get_description (lookup (names, "same-label")), ==, "dup3");
  g_assert_cmpstr (troupe_step_get_description (lookup (names, "two-words")), ==, "two words");
  g_assert_null (troupe_step_get_description (lookup (names, "blank")));
  g_assert_null (troupe_step_get_description (lookup (names, "space")));
  g_assert_cmpstr (troupe_step_get_description (lookup (names, "init__")), ==, "__init__");
  g_assert_cmpstr (troupe_step_get_description (lookup (names, "node-2")), ==, "#$%");
  g_assert_cmpstr (troupe_step_get_description (lookup (names, "node-3")), ==, "#$%&");
  step = lookup (names, "This-label-is-much-longer-than-sixty-four-characters-whi");
  g_assert_cmpstr (troupe_step_get_description (step), ==, "long");
  g_assert_cmpstr (troupe_step_get_command (step)[1], ==,
                   "This label is much longer than sixty-four characters, which is the most "
                   "a step id can be");

  /* Record fields without ports and braces; HTML text without tags. */
  g_assert_true (strv_equal (troupe_step_get_command (lookup (records, "left-mid-dle-right")),
                             "echo", "left | mid dle | right", NULL));
  g_assert_true (strv_equal (troupe_step_get_command (lookup (records, "braces-and-pipes")),
                             "echo", "{braces} and | pipes", NULL));
  g_assert_true (strv_equal (troupe_step_get_command (lookup (records, "ports")),
                             "echo", "ports", NULL));
  g_assert_true (strv_equal (troupe_step_get_command (lookup (html, "left-middle-bottom-more")),
                             "echo", "left middle bottom & more", NULL));
  g_assert_true (strv_equal (troupe_step_get_command (lookup (html, "first-line-second-line-third-ete")),
                             "echo", "first line\nsecond <line>\nthird été", NULL));
  g_assert_true (strv_equal (troupe_step_get_command (lookup (html, "empty")),
                             "echo", "empty", NULL));

  /* Text with no ASCII form keeps the node name as id; Latin-1 is read as
   * such when the graph says so. */
  g_assert_true (strv_equal (troupe_step_get_command (lookup (unicode, "getas")),
                             "echo", "下駄配列", NULL));
  g_assert_cmpstr (troupe_step_get_description (lookup (unicode, "node")), ==, "Привет");
  g_assert_cmpstr (troupe_step_get_description (lookup (unicode, "JIS-v2")), ==, "mixed");
  g_assert_true (strv_equal (troupe_step_get_command (lookup (latin1, "Cafe-creme")),
                             "echo", "Café crème", NULL));
  g_assert_true (strv_equal (troupe_step_get_needs (lookup (latin1, "A-la-carte")),
                             "Cafe-creme", NULL));
}

static void
test_import_latin1_undeclared (void)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_diagnostic_free);
  g_autoptr(TroupeWorkflow) wf = import_test_file ("latin1-undeclared.gv", warnings);
  const TroupeDiagnostic *d;

  g_assert_cmpstr (troupe_workflow_get_name (wf), ==, "déjà vu");
  g_assert_true (strv_equal (troupe_step_get_command (lookup (wf, "Ete")), "echo", "Été", NULL));
  g_assert_cmpuint (warnings->len, ==, 1);
  d = g_ptr_array_index (warnings, 0);
  g_assert_cmpstr (d->code, ==, "dot-encoding");
  g_assert_nonnull (strstr (d->message, "charset=latin1"));
}

static void
test_import_command_attribute (void)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_diagnostic_free);
  g_autoptr(TroupeWorkflow) pipeline = import_test_file ("pipeline.gv", NULL);
  g_autoptr(TroupeWorkflow) commands = import_test_file ("commands.gv", warnings);
  const TroupeDiagnostic *d;

  /* Split once, shell-like, never run through a shell. */
  g_assert_true (strv_equal (troupe_step_get_command (lookup (pipeline, "Check-out")),
                             "git", "clone", "--depth", "1", "https://example.org/app.git", NULL));
  g_assert_true (strv_equal (troupe_step_get_command (lookup (pipeline, "Build-the-app")),
                             "make", "-j4", "CFLAGS=-O2 -g", NULL));
  g_assert_true (strv_equal (troupe_step_get_command (lookup (pipeline, "package")),
                             "tar", "czf", "app release.tar.gz", "build/", NULL));
  g_assert_true (strv_equal (troupe_step_get_command (lookup (commands, "ok")),
                             "printf", "%s\\n", "it's fine", NULL));

  /* An empty attribute is no command; one that cannot be split is
   * reported and the step echoes its label instead. */
  g_assert_true (strv_equal (troupe_step_get_command (lookup (commands, "empty")),
                             "echo", "empty", NULL));
  g_assert_true (strv_equal (troupe_step_get_command (lookup (commands, "Unbalanced")),
                             "echo", "Unbalanced", NULL));
  g_assert_cmpuint (warnings->len, ==, 1);
  d = g_ptr_array_index (warnings, 0);
  g_assert_cmpstr (d->code, ==, "dot-command");
  g_assert_cmpstr (d->step_id, ==, "Unbalanced");
  g_assert_nonnull (strstr (d->message, "\"bad\""));
}

static void
test_import_undirected (void)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_diagnostic_free);
  g_autoptr(TroupeWorkflow) wf = import_test_file ("undirected.gv", warnings);
  const TroupeDiagnostic *d;

  g_assert_cmpstr (troupe_workflow_get_name (wf), ==, "friends");
  /* Edges run as written, tail -- head; b -- a repeats a -- b. */
  g_assert_true (strv_equal (troupe_step_get_needs (lookup (wf, "bob")), "alice", NULL));
  g_assert_null (troupe_step_get_needs (lookup (wf, "alice")));
  g_assert_true (strv_equal (troupe_step_get_needs (lookup (wf, "erin")), "dave", NULL));
  g_assert_null (troupe_step_get_needs (lookup (wf, "frank")));

  g_assert_cmpuint (warnings->len, ==, 2);
  d = g_ptr_array_index (warnings, 0);
  g_assert_cmpstr (d->code, ==, "dot-duplicate-edge");
  g_assert_nonnull (strstr (d->message, "\"bob\" -- \"alice\""));
  g_assert_nonnull (strstr (d->message, "bob already needs alice"));
  d = g_ptr_array_index (warnings, 1);
  g_assert_cmpstr (d->code, ==, "dot-self-loop");
  g_assert_cmpstr (d->step_id, ==, "erin");
}

static void
test_import_cycle (void)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_diagnostic_free);
  g_autoptr(TroupeWorkflow) wf = import_test_file ("cycle.gv", warnings);
  const TroupeDiagnostic *d;

  /* The edge that closes a cycle, in file order, is the one dropped. */
  g_assert_null (troupe_step_get_needs (lookup (wf, "plan")));
  g_assert_true (strv_equal (troupe_step_get_needs (lookup (wf, "build")), "plan", "review", NULL));
  g_assert_null (troupe_step_get_needs (lookup (wf, "review")));

  d = g_ptr_array_index (warnings, 0);
  g_assert_cmpstr (d->code, ==, "dot-cycle");
  g_assert_cmpstr (d->step_id, ==, "plan");
  g_assert_nonnull (strstr (d->message, "\"test\" -> \"plan\""));
  g_assert_nonnull (strstr (d->message, "plan → build → test → plan"));
}

static void
test_import_syntax_error (void)
{
  static const char broken[] = "digraph g {\n  a -> b;\n  c -> ;\n}\n";
  static const char also_broken[] = "digraph {\n  x [label=\"unterminated]\n}\n}\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeWorkflow) wf = NULL;
  g_autoptr(TroupeWorkflow) good = NULL;

  wf = troupe_workflow_import_dot_data (broken, strlen (broken), "broken.gv", NULL, &error);
  g_assert_null (wf);
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "broken.gv:3: syntax error"));
  g_assert_nonnull (strstr (error->message, "';'"));
  g_clear_error (&error);

  /* graphviz's parser recovers, and counts lines afresh. */
  good = troupe_workflow_import_dot_data ("digraph { a -> b }", 18, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (troupe_workflow_get_n_steps (good), ==, 2);

  wf = troupe_workflow_import_dot_data (broken, strlen (broken), NULL, NULL, &error);
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE);
  g_assert_true (g_str_has_prefix (error->message, "<input>:3: "));
  g_clear_error (&error);

  wf = troupe_workflow_import_dot_data (also_broken, strlen (also_broken), "quote.gv", NULL, &error);
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "quote.gv:"));
  g_clear_error (&error);
}

static void
test_import_not_a_graph (void)
{
  static const char nul[] = "digraph { a\0 -> b }";
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeWorkflow) wf = NULL;

  wf = troupe_workflow_import_dot_data ("", 0, "empty.gv", NULL, &error);
  g_assert_null (wf);
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE);
  g_assert_true (g_str_has_prefix (error->message, "empty.gv: no graph found"));
  g_clear_error (&error);

  wf = troupe_workflow_import_dot_data ("steps:\n  a: {command: [ls]}\n", 24, "flow.yaml", NULL, &error);
  g_assert_null (wf);
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE);
  g_assert_true (g_str_has_prefix (error->message, "flow.yaml:"));
  g_clear_error (&error);

  wf = troupe_workflow_import_dot_data (nul, sizeof nul - 1, "nul.gv", NULL, &error);
  g_assert_null (wf);
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "NUL"));
  g_clear_error (&error);

  wf = troupe_workflow_import_dot ("/nonexistent/graph.gv", NULL, &error);
  g_assert_null (wf);
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/graph.gv"));
}

/* What graphviz only warns about becomes a warning with its line. */
static void
test_import_graphviz_warning (void)
{
  static const char text[] = "graph {\n  a -- b;\n  1a -- b;\n}\n";
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_diagnostic_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeWorkflow) wf = NULL;
  const TroupeDiagnostic *d;

  wf = troupe_workflow_import_dot_data (text, strlen (text), "ambiguous.gv", warnings, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (troupe_workflow_get_n_steps (wf), ==, 3);

  g_assert_cmpuint (count_warnings (warnings, "dot-warning"), ==, 1);
  d = g_ptr_array_index (warnings, 0);
  g_assert_cmpstr (d->code, ==, "dot-warning");
  g_assert_cmpuint (d->line, ==, 3);
  g_assert_nonnull (strstr (d->message, "'1a'"));
  g_assert_false (g_str_has_prefix (d->message, "Warning"));
}

/* Only a file's first graph is imported, and the next import does not
 * see the others either (cgraph's parser keeps unread input). */
static void
test_import_several_graphs (void)
{
  static const char two[] = "digraph first { a -> b }\ndigraph second { x -> y -> z }\n";
  static const char same_line[] = "digraph first { a -> b } digraph second { x -> y -> z }";
  static const char other[] = "digraph other { p -> q }";
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_diagnostic_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeWorkflow) wf = NULL;
  g_autoptr(TroupeWorkflow) next = NULL;
  g_autoptr(Agraph_t) g = NULL;
  const TroupeDiagnostic *d;

  wf = troupe_workflow_import_dot_data (two, strlen (two), "two.gv", warnings, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (troupe_workflow_get_name (wf), ==, "first");
  g_assert_cmpuint (troupe_workflow_get_n_steps (wf), ==, 2);
  g_assert_cmpuint (warnings->len, ==, 1);
  d = g_ptr_array_index (warnings, 0);
  g_assert_cmpstr (d->code, ==, "dot-extra-graph");
  g_assert_nonnull (strstr (d->message, "1 more graph"));

  next = troupe_workflow_import_dot_data (other, strlen (other), "other.gv", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (troupe_workflow_get_name (next), ==, "other");
  g_clear_object (&next);

  /* Not even when someone else left input behind. */
  g = agmemread (same_line);
  g_assert_nonnull (g);
  next = troupe_workflow_import_dot_data (other, strlen (other), "other.gv", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (troupe_workflow_get_name (next), ==, "other");
  g_assert_cmpuint (troupe_workflow_get_n_steps (next), ==, 2);
}

static void
test_import_from_data (void)
{
  static const char text[] = "digraph \"From memory\" { rankdir=BT; a -> b -> c; a -> c; }";
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeWorkflow) wf = NULL;

  wf = troupe_workflow_import_dot_data (text, strlen (text), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (troupe_workflow_get_name (wf), ==, "From memory");
  g_assert_cmpint (troupe_workflow_get_rank_dir (wf), ==, TROUPE_RANK_DIR_BT);
  /* Needs follow the edges in file order. */
  g_assert_true (strv_equal (troupe_step_get_needs (lookup (wf, "c")), "b", "a", NULL));
  /* A byte order mark is not part of the graph. */
  {
    static const char bom[] = "\xef\xbb\xbf" "digraph bom { a -> b }";
    g_autoptr(TroupeWorkflow) with_bom = NULL;

    with_bom = troupe_workflow_import_dot_data (bom, strlen (bom), "bom.gv", NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (troupe_workflow_get_name (with_bom), ==, "bom");
  }

  /* Laid out bottom to top. */
  {
    double ay, cy;

    g_assert_true (troupe_step_get_position (lookup (wf, "a"), NULL, &ay));
    g_assert_true (troupe_step_get_position (lookup (wf, "c"), NULL, &cy));
    g_assert_cmpfloat (cy, <, ay);
  }
}

/* The DOT that export writes comes back with the same graph. */
static void
test_import_exported (void)
{
  g_autoptr(TroupeWorkflow) wf = troupe_workflow_new ();
  g_autoptr(TroupeWorkflow) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dot = NULL;
  const char *ids[] = { "design", "build", "test", NULL };

  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autoptr(TroupeStep) step = troupe_step_new (ids[i], TROUPE_STEP_KIND_COMMAND);

      if (i > 0)
        troupe_step_set_needs (step, (const char * const []) { ids[i - 1], NULL });
      troupe_workflow_add_step (wf, step, &error);
      g_assert_no_error (error);
    }

  dot = troupe_workflow_to_dot (wf, TRUE, &error);
  g_assert_no_error (error);
  back = troupe_workflow_import_dot_data (dot, strlen (dot), "exported.gv", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (troupe_workflow_get_n_steps (back), ==, 3);
  g_assert_true (strv_equal (troupe_step_get_needs (lookup (back, "build")), "design", NULL));
  g_assert_true (strv_equal (troupe_step_get_needs (lookup (back, "test")), "build", NULL));
}

/* Without graphviz's dot plugin the graph still imports, unplaced, with a
 * warning that says why. */
static void
test_import_without_layout (void)
{
  static const char * const keep[] = { "libgvplugin_core.", NULL };
  g_autofree char *folder = NULL;

  if (g_test_subprocess ())
    {
      g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_diagnostic_free);
      g_autoptr(TroupeWorkflow) wf = import_test_file ("pipeline.gv", warnings);
      const TroupeDiagnostic *d;

      g_assert_cmpuint (troupe_workflow_get_n_steps (wf), ==, 5);
      g_assert_false (troupe_step_get_position (lookup (wf, "publish"), NULL, NULL));
      g_assert_cmpuint (warnings->len, ==, 1);
      d = g_ptr_array_index (warnings, 0);
      g_assert_cmpstr (d->code, ==, "dot-layout");
      g_assert_nonnull (strstr (d->message, "install"));
      return;
    }

  folder = troupe_test_make_plugin_folder (keep);
  g_setenv ("GVBINDIR", folder, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_unsetenv ("GVBINDIR");
  troupe_test_remove_plugin_folder (folder);

  g_test_trap_assert_passed ();
}

/* graphviz's own sample graphs, where the machine has them: the project
 * does not ship them (see ../shared/testdata/graphviz-graphs/README.md). */
static void
test_import_shared_graphs (void)
{
  const char *env = g_getenv ("TROUPE_SHARED_TESTDATA");
  const char *source_root = g_getenv ("TROUPE_SOURCE_ROOT");
  g_autofree char *folder = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (env != NULL)
    folder = g_build_filename (env, "graphviz-graphs", NULL);
  else if (source_root != NULL)
    folder = g_build_filename (source_root, "..", "shared", "testdata", "graphviz-graphs", NULL);

  if (folder == NULL || !g_file_test (folder, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("graphviz's sample graphs are not on this machine "
                   "(set TROUPE_SHARED_TESTDATA to the folder that holds graphviz-graphs/)");
      return;
    }

  dir = g_dir_open (folder, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".gv"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  g_assert_cmpuint (names->len, >, 0);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (folder, g_ptr_array_index (names, i), NULL);
      g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_diagnostic_free);
      g_autoptr(TroupeWorkflow) wf = NULL;

      g_test_message ("importing %s", path);
      wf = check_import (path, warnings);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/troupe/dot-import/files", test_import_files);
  g_test_add_func ("/troupe/dot-import/labels", test_import_labels);
  g_test_add_func ("/troupe/dot-import/latin1-undeclared", test_import_latin1_undeclared);
  g_test_add_func ("/troupe/dot-import/command-attribute", test_import_command_attribute);
  g_test_add_func ("/troupe/dot-import/undirected", test_import_undirected);
  g_test_add_func ("/troupe/dot-import/cycle", test_import_cycle);
  g_test_add_func ("/troupe/dot-import/syntax-error", test_import_syntax_error);
  g_test_add_func ("/troupe/dot-import/not-a-graph", test_import_not_a_graph);
  g_test_add_func ("/troupe/dot-import/graphviz-warning", test_import_graphviz_warning);
  g_test_add_func ("/troupe/dot-import/several-graphs", test_import_several_graphs);
  g_test_add_func ("/troupe/dot-import/from-data", test_import_from_data);
  g_test_add_func ("/troupe/dot-import/exported", test_import_exported);
  g_test_add_func ("/troupe/dot-import/without-layout", test_import_without_layout);
  g_test_add_func ("/troupe/dot-import/shared-graphs", test_import_shared_graphs);

  return g_test_run ();
}
