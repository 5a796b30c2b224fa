/* test-export.c
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

static TroupeStep *
add_step (TroupeWorkflow *wf,
          const char     *id,
          TroupeStepKind  kind,
          const char     *agent,
          const char     *needs_csv)
{
  g_autoptr(TroupeStep) step = troupe_step_new (id, kind);
  g_autoptr(GError) error = NULL;

  troupe_step_set_agent (step, agent);
  switch (kind)
    {
    case TROUPE_STEP_KIND_AGENT:
      troupe_step_set_prompt (step, "Do it.");
      break;
    case TROUPE_STEP_KIND_COMMAND:
      troupe_step_set_command (step, (const char * const []) { "make", "test", NULL });
      break;
    case TROUPE_STEP_KIND_SEND:
      troupe_step_set_send_to (step, "engineer");
      troupe_step_set_send_file (step, "ready");
      troupe_step_set_send_content (step, "Go.");
      break;
    case TROUPE_STEP_KIND_WAIT:
      troupe_step_set_wait_glob (step, "inbox/engineer/*.task");
      troupe_step_set_wait_timeout (step, 60000);
      break;
    case TROUPE_STEP_KIND_APPROVAL:
      troupe_step_set_approval (step, "Ship it?");
      break;
    default:
      g_assert_not_reached ();
    }

  if (needs_csv != NULL)
    {
      g_auto(GStrv) needs = g_strsplit (needs_csv, ",", -1);

      troupe_step_set_needs (step, (const char * const *) needs);
    }

  troupe_workflow_add_step (wf, step, &error);
  g_assert_no_error (error);

  return step;
}

static void
add_agent (TroupeWorkflow *wf,
           const char     *name,
           const char     *color)
{
  g_autoptr(TroupeAgent) agent = troupe_agent_new (name);

  troupe_agent_set_color (agent, color);
  troupe_workflow_add_agent (wf, agent);
}

/* Two agents (one with a colour of its own), every kind of step. */
static TroupeWorkflow *
make_workflow (void)
{
  TroupeWorkflow *wf = troupe_workflow_new ();

  troupe_workflow_set_name (wf, "Architect, engineer, QA");
  add_agent (wf, "architect", "#1C71D8");
  add_agent (wf, "engineer", NULL);

  add_step (wf, "design", TROUPE_STEP_KIND_AGENT, "architect", NULL);
  add_step (wf, "implement", TROUPE_STEP_KIND_AGENT, "engineer", "design");
  add_step (wf, "test", TROUPE_STEP_KIND_COMMAND, NULL, "implement");
  add_step (wf, "hand-off", TROUPE_STEP_KIND_SEND, "architect", "test");
  add_step (wf, "wait-reply", TROUPE_STEP_KIND_WAIT, NULL, "hand-off");
  add_step (wf, "ship", TROUPE_STEP_KIND_APPROVAL, NULL, "wait-reply,test");

  return wf;
}

static const char *
node_attr (Agraph_t   *g,
           const char *node,
           const char *attr)
{
  Agnode_t *n = agnode (g, (char *) node, FALSE);

  g_assert_nonnull (n);
  return agget (n, (char *) attr);
}

static void
test_dot_structure (void)
{
  g_autoptr(TroupeWorkflow) wf = make_workflow ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dot = troupe_workflow_to_dot (wf, FALSE, &error);
  g_autoptr(Agraph_t) g = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (dot);

  g = agmemread (dot);
  g_assert_nonnull (g);
  g_assert_true (agisdirected (g));
  g_assert_cmpint (agnnodes (g), ==, 6);
  g_assert_cmpint (agnedges (g), ==, 6);
  g_assert_null (agfstsubg (g));

  g_assert_cmpstr (agget (g, (char *) "label"), ==, "Architect, engineer, QA");
  g_assert_cmpstr (agget (g, (char *) "rankdir"), ==, "TB");

  g_assert_cmpstr (node_attr (g, "design", "shape"), ==, "box");
  g_assert_cmpstr (node_attr (g, "design", "style"), ==, "rounded,filled");
  g_assert_cmpstr (node_attr (g, "test", "shape"), ==, "box");
  g_assert_cmpstr (node_attr (g, "test", "style"), ==, "filled");
  g_assert_cmpstr (node_attr (g, "hand-off", "shape"), ==, "note");
  g_assert_cmpstr (node_attr (g, "wait-reply", "shape"), ==, "hexagon");
  g_assert_cmpstr (node_attr (g, "ship", "shape"), ==, "diamond");

  /* The agent's own colour (dark: white text), a palette colour for the
   * agent without one (the second agent, the second colour), white for
   * steps without agent. */
  g_assert_cmpstr (node_attr (g, "design", "fillcolor"), ==, "#1c71d8");
  g_assert_cmpstr (node_attr (g, "design", "fontcolor"), ==, "white");
  g_assert_cmpstr (node_attr (g, "hand-off", "fillcolor"), ==, "#1c71d8");
  g_assert_cmpstr (node_attr (g, "implement", "fillcolor"), ==, "#8ff0a4");
  g_assert_cmpstr (node_attr (g, "implement", "fontcolor"), ==, "black");
  g_assert_cmpstr (node_attr (g, "test", "fillcolor"), ==, "white");

  g_assert_cmpstr (node_attr (g, "design", "label"), ==, "design\\narchitect");
  g_assert_cmpstr (node_attr (g, "test", "label"), ==, "test");

  g_assert_nonnull (agedge (g, agnode (g, (char *) "design", FALSE),
                            agnode (g, (char *) "implement", FALSE), NULL, FALSE));
  g_assert_nonnull (agedge (g, agnode (g, (char *) "test", FALSE),
                            agnode (g, (char *) "ship", FALSE), NULL, FALSE));
  g_assert_null (agedge (g, agnode (g, (char *) "ship", FALSE),
                         agnode (g, (char *) "test", FALSE), NULL, FALSE));
}

static void
test_dot_clusters (void)
{
  g_autoptr(TroupeWorkflow) wf = make_workflow ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dot = troupe_workflow_to_dot (wf, TRUE, &error);
  g_autoptr(Agraph_t) g = NULL;
  Agraph_t *architect, *engineer;

  g_assert_no_error (error);
  g = agmemread (dot);
  g_assert_nonnull (g);
  g_assert_cmpint (agnnodes (g), ==, 6);
  g_assert_cmpint (agnedges (g), ==, 6);

  architect = agsubg (g, (char *) "cluster_architect", FALSE);
  engineer = agsubg (g, (char *) "cluster_engineer", FALSE);
  g_assert_nonnull (architect);
  g_assert_nonnull (engineer);
  g_assert_cmpstr (agget (architect, (char *) "label"), ==, "architect");
  g_assert_cmpstr (agget (engineer, (char *) "label"), ==, "engineer");

  g_assert_cmpint (agnnodes (architect), ==, 2);
  g_assert_nonnull (agnode (architect, (char *) "design", FALSE));
  g_assert_nonnull (agnode (architect, (char *) "hand-off", FALSE));
  g_assert_cmpint (agnnodes (engineer), ==, 1);
  g_assert_nonnull (agnode (engineer, (char *) "implement", FALSE));
  g_assert_null (agnode (engineer, (char *) "test", FALSE));
}

/* Names with quotes, backslashes and non-ASCII text survive the trip. */
static void
test_dot_escaping (void)
{
  g_autoptr(TroupeWorkflow) wf = troupe_workflow_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dot = NULL;
  g_autoptr(Agraph_t) g = NULL;

  troupe_workflow_set_name (wf, "Say \"hi\" \\ to Zoë");
  troupe_workflow_set_rank_dir (wf, TROUPE_RANK_DIR_LR);
  add_agent (wf, "Zoë \"the\" \\architect", "#f9f06b");
  add_step (wf, "end", TROUPE_STEP_KIND_AGENT, "Zoë \"the\" \\architect", NULL);
  add_step (wf, "graph", TROUPE_STEP_KIND_COMMAND, NULL, "end,missing");

  dot = troupe_workflow_to_dot (wf, TRUE, &error);
  g_assert_no_error (error);

  g = agmemread (dot);
  g_assert_nonnull (g);
  g_assert_cmpstr (agnameof (g), ==, "Say \"hi\" \\ to Zoë");
  g_assert_cmpstr (agget (g, (char *) "rankdir"), ==, "LR");
  g_assert_cmpint (agnnodes (g), ==, 2);
  g_assert_cmpint (agnedges (g), ==, 1);
  /* Backslashes are doubled so that graphviz shows them as themselves. */
  g_assert_cmpstr (node_attr (g, "end", "label"), ==, "end\\nZoë \"the\" \\\\architect");
  g_assert_cmpstr (node_attr (g, "end", "fontcolor"), ==, "black");
}

static char *
find_dot (void)
{
  char *dot = g_find_program_in_path ("dot");

  if (dot == NULL && g_file_test ("/usr/bin/dot", G_FILE_TEST_IS_EXECUTABLE))
    dot = g_strdup ("/usr/bin/dot");

  /* graphviz is a dependency: build-aux/dev installs it. */
  if (dot == NULL)
    g_error ("graphviz's dot program is not installed; install graphviz");

  return dot;
}

/* Runs dot -Tsvg on @text and checks that it takes it without a word. */
static void
assert_dot_accepts (const char *text)
{
  g_autofree char *dot = find_dot ();
  g_autofree char *tmp_path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int fd, status = -1;

  fd = g_file_open_tmp ("troupe-export-XXXXXX.gv", &tmp_path, &error);
  g_assert_no_error (error);
  g_close (fd, NULL);
  g_file_set_contents (tmp_path, text, -1, &error);
  g_assert_no_error (error);

  g_spawn_sync (NULL, (char *[]) { dot, (char *) "-Tsvg", tmp_path, NULL }, NULL,
                G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  g_unlink (tmp_path);

  /* Only graphviz's own complaints count: a machine without a writable
   * font cache makes fontconfig talk on stderr too. */
  if (!g_spawn_check_wait_status (status, NULL) ||
      g_str_has_prefix (err, "Error") || g_str_has_prefix (err, "Warning") ||
      strstr (err, "\nError") != NULL || strstr (err, "\nWarning") != NULL)
    g_error ("dot -Tsvg did not accept\n%s\nit said: %s", text, err);
  g_assert_nonnull (strstr (out, "<svg"));
}

static void
test_dot_accepted_by_dot (void)
{
  g_autoptr(TroupeWorkflow) wf = make_workflow ();
  g_autoptr(TroupeWorkflow) odd = troupe_workflow_new ();
  g_autofree char *plain = troupe_workflow_to_dot (wf, FALSE, NULL);
  g_autofree char *clustered = troupe_workflow_to_dot (wf, TRUE, NULL);
  g_autofree char *odd_dot = NULL;

  assert_dot_accepts (plain);
  assert_dot_accepts (clustered);

  troupe_workflow_set_name (odd, "Say \"hi\" \\ to Zoë");
  add_agent (odd, "a \"b\" \\c {d} <e>", NULL);
  add_step (odd, "subgraph", TROUPE_STEP_KIND_WAIT, "a \"b\" \\c {d} <e>", NULL);
  add_step (odd, "node", TROUPE_STEP_KIND_SEND, NULL, "subgraph");
  add_step (odd, "edge", TROUPE_STEP_KIND_APPROVAL, "ghost", "node");
  odd_dot = troupe_workflow_to_dot (odd, TRUE, NULL);
  assert_dot_accepts (odd_dot);
}

static char *
read_test_file (const char *name)
{
  g_autofree char *file = g_test_build_filename (G_TEST_DIST, "data", "export", name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (file, &contents, NULL, &error);
  g_assert_no_error (error);

  return contents;
}

static void
test_mermaid_golden (void)
{
  g_autoptr(TroupeWorkflow) wf = make_workflow ();
  g_autofree char *mermaid = troupe_workflow_to_mermaid (wf);
  g_autofree char *expected = read_test_file ("basic.mmd");

  g_assert_cmpstr (mermaid, ==, expected);
}

static void
test_mermaid_escaping (void)
{
  g_autoptr(TroupeWorkflow) wf = troupe_workflow_new ();
  g_autofree char *mermaid = NULL;
  g_autofree char *expected = read_test_file ("escaping.mmd");
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  troupe_workflow_set_rank_dir (wf, TROUPE_RANK_DIR_LR);
  add_agent (wf, "say \"hi\" #1 <b> & `x`: y", "#000000");
  add_step (wf, "end", TROUPE_STEP_KIND_AGENT, "say \"hi\" #1 <b> & `x`: y", NULL);
  add_step (wf, "graph", TROUPE_STEP_KIND_COMMAND, NULL, "end");
  add_step (wf, "o-x", TROUPE_STEP_KIND_COMMAND, NULL, "graph");
  add_step (wf, "x--o", TROUPE_STEP_KIND_COMMAND, NULL, "o-x,ghost");
  add_step (wf, "a-b", TROUPE_STEP_KIND_SEND, NULL, "x--o");
  add_step (wf, "a_b", TROUPE_STEP_KIND_WAIT, NULL, "a-b");
  add_step (wf, "style", TROUPE_STEP_KIND_APPROVAL, NULL, "a_b,a-b");

  mermaid = troupe_workflow_to_mermaid (wf);
  g_assert_cmpstr (mermaid, ==, expected);

  /* Beyond the exact text: one quoted label per node line, no quote or
   * special character inside it, every id prefixed and unique. */
  lines = g_strsplit (mermaid, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "flowchart LR");
  for (guint i = 1; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *open = strchr (line, '"');
      const char *close = strrchr (line, '"');
      g_autofree char *id = NULL;
      g_autofree char *label = NULL;

      if (open == NULL)
        continue;

      g_assert_true (g_str_has_prefix (line, "  s_"));
      id = g_strndup (line + 2, strcspn (line + 2, "([{"));
      g_assert_false (g_hash_table_contains (ids, id));
      g_hash_table_add (ids, g_steal_pointer (&id));

      g_assert_true (close > open);
      label = g_strndup (open + 1, close - open - 1);
      g_assert_null (strpbrk (label, "\"&`:"));
      g_assert_null (strstr (label, "<b>"));
    }
  g_assert_cmpuint (g_hash_table_size (ids), ==, 7);
}

static void
test_mermaid_directions (void)
{
  static const struct { TroupeRankDir dir; const char *header; } cases[] = {
    { TROUPE_RANK_DIR_TB, "flowchart TB\n" },
    { TROUPE_RANK_DIR_LR, "flowchart LR\n" },
    { TROUPE_RANK_DIR_BT, "flowchart BT\n" },
    { TROUPE_RANK_DIR_RL, "flowchart RL\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TroupeWorkflow) wf = troupe_workflow_new ();
      g_autofree char *mermaid = NULL;

      troupe_workflow_set_rank_dir (wf, cases[i].dir);
      mermaid = troupe_workflow_to_mermaid (wf);
      g_assert_cmpstr (mermaid, ==, cases[i].header);
    }
}

static void
test_export_svg (void)
{
  g_autoptr(TroupeWorkflow) wf = make_workflow ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = troupe_workflow_export (wf, TROUPE_FILE_FORMAT_SVG, &error);
  g_autofree char *text = NULL;
  gsize size;

  g_assert_no_error (error);
  g_assert_nonnull (bytes);

  text = g_strndup (g_bytes_get_data (bytes, &size), g_bytes_get_size (bytes));
  g_assert_true (g_str_has_prefix (text, "<?xml"));
  g_assert_nonnull (strstr (text, "<svg"));
  g_assert_nonnull (strstr (text, "</svg>"));
  /* Every step is drawn, with its label. */
  g_assert_nonnull (strstr (text, ">implement<"));
  g_assert_nonnull (strstr (text, ">wait&#45;reply<"));
}

static void
test_export_png (void)
{
  static const guint8 png_magic[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  g_autoptr(TroupeWorkflow) wf = make_workflow ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = troupe_workflow_export (wf, TROUPE_FILE_FORMAT_PNG, &error);
  gsize size;
  const guint8 *data;

  g_assert_no_error (error);
  g_assert_nonnull (bytes);

  data = g_bytes_get_data (bytes, &size);
  g_assert_cmpuint (size, >, 1000);
  g_assert_cmpmem (data, sizeof png_magic, png_magic, sizeof png_magic);
}

static void
test_export_text_formats (void)
{
  g_autoptr(TroupeWorkflow) wf = make_workflow ();
  static const TroupeFileFormat formats[] = { TROUPE_FILE_FORMAT_JSON, TROUPE_FILE_FORMAT_YAML };

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = troupe_workflow_export (wf, formats[i], &error);
      g_autofree char *data = NULL;
      gsize length = 0;
      gsize size;
      const char *exported;

      g_assert_no_error (error);
      data = troupe_workflow_to_data (wf, formats[i], &length);
      exported = g_bytes_get_data (bytes, &size);
      g_assert_cmpmem (exported, size, data, length);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) dot = troupe_workflow_export (wf, TROUPE_FILE_FORMAT_DOT, &error);
    g_autoptr(GBytes) mermaid = troupe_workflow_export (wf, TROUPE_FILE_FORMAT_MERMAID, &error);
    g_autofree char *dot_text = troupe_workflow_to_dot (wf, FALSE, NULL);
    g_autofree char *mermaid_text = troupe_workflow_to_mermaid (wf);
    gsize size;
    const char *data;

    g_assert_no_error (error);
    data = g_bytes_get_data (dot, &size);
    g_assert_cmpmem (data, size, dot_text, strlen (dot_text));
    data = g_bytes_get_data (mermaid, &size);
    g_assert_cmpmem (data, size, mermaid_text, strlen (mermaid_text));
  }
}

/* A graphviz installed without its bitmap plugins renders no PNG: the
 * error says what to install. The child process runs with a plugin
 * folder (GVBINDIR) that registers only the core and dot plugins. */
static void
test_export_missing_plugin (void)
{
  static const char * const keep[] = { "libgvplugin_core.", "libgvplugin_dot_layout.", NULL };
  g_autofree char *folder = NULL;

  if (g_test_subprocess ())
    {
      g_autoptr(TroupeWorkflow) wf = make_workflow ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) png = NULL;
      g_autoptr(GBytes) svg = NULL;

      png = troupe_workflow_export (wf, TROUPE_FILE_FORMAT_PNG, &error);
      g_assert_error (error, TROUPE_EXPORT_ERROR, TROUPE_EXPORT_ERROR_UNSUPPORTED);
      g_assert_null (png);
      g_assert_nonnull (strstr (error->message, "PNG"));
      g_assert_nonnull (strstr (error->message, "install"));
      g_test_message ("%s", error->message);
      g_clear_error (&error);

      svg = troupe_workflow_export (wf, TROUPE_FILE_FORMAT_SVG, &error);
      g_assert_no_error (error);
      g_assert_nonnull (svg);
      return;
    }

  folder = troupe_test_make_plugin_folder (keep);
  g_setenv ("GVBINDIR", folder, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_unsetenv ("GVBINDIR");
  troupe_test_remove_plugin_folder (folder);

  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/troupe/export/dot-structure", test_dot_structure);
  g_test_add_func ("/troupe/export/dot-clusters", test_dot_clusters);
  g_test_add_func ("/troupe/export/dot-escaping", test_dot_escaping);
  g_test_add_func ("/troupe/export/dot-accepted-by-dot", test_dot_accepted_by_dot);
  g_test_add_func ("/troupe/export/mermaid-golden", test_mermaid_golden);
  g_test_add_func ("/troupe/export/mermaid-escaping", test_mermaid_escaping);
  g_test_add_func ("/troupe/export/mermaid-directions", test_mermaid_directions);
  g_test_add_func ("/troupe/export/svg", test_export_svg);
  g_test_add_func ("/troupe/export/png", test_export_png);
  g_test_add_func ("/troupe/export/text-formats", test_export_text_formats);
  g_test_add_func ("/troupe/export/missing-plugin", test_export_missing_plugin);

  return g_test_run ();
}
