/* test-model.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <troupe.h>

/* Records the workflow's signals as text, so a test can assert exactly
 * what a canvas following the model would have been told. */
typedef struct
{
  GString *log;
  guint    changed;
} Recorder;

static void
on_step_added (TroupeWorkflow *wf, TroupeStep *step, guint pos, Recorder *r)
{
  g_string_append_printf (r->log, "+%s@%u ", troupe_step_get_id (step), pos);
}

static void
on_step_removed (TroupeWorkflow *wf, TroupeStep *step, guint pos, Recorder *r)
{
  g_string_append_printf (r->log, "-%s@%u ", troupe_step_get_id (step), pos);
}

static void
on_step_renamed (TroupeWorkflow *wf, TroupeStep *step, const char *old_id, Recorder *r)
{
  g_string_append_printf (r->log, "%s=>%s ", old_id, troupe_step_get_id (step));
}

static void
on_edge_added (TroupeWorkflow *wf, const char *from, const char *to, Recorder *r)
{
  g_string_append_printf (r->log, "%s->%s ", from, to);
}

static void
on_edge_removed (TroupeWorkflow *wf, const char *from, const char *to, Recorder *r)
{
  g_string_append_printf (r->log, "%s-/>%s ", from, to);
}

static void
on_changed (TroupeWorkflow *wf, Recorder *r)
{
  r->changed++;
}

static void
recorder_attach (Recorder *r, TroupeWorkflow *wf)
{
  r->log = g_string_new (NULL);
  r->changed = 0;
  g_signal_connect (wf, "step-added", G_CALLBACK (on_step_added), r);
  g_signal_connect (wf, "step-removed", G_CALLBACK (on_step_removed), r);
  g_signal_connect (wf, "step-renamed", G_CALLBACK (on_step_renamed), r);
  g_signal_connect (wf, "edge-added", G_CALLBACK (on_edge_added), r);
  g_signal_connect (wf, "edge-removed", G_CALLBACK (on_edge_removed), r);
  g_signal_connect (wf, "changed", G_CALLBACK (on_changed), r);
}

static char *
recorder_take (Recorder *r)
{
  char *text = g_strdup (g_strchomp (r->log->str));

  g_string_truncate (r->log, 0);
  return text;
}

static void
add (TroupeWorkflow *wf, const char *id, const char *needs_csv)
{
  g_autoptr(TroupeStep) step = troupe_step_new (id, TROUPE_STEP_KIND_COMMAND);
  g_autoptr(GError) error = NULL;

  if (needs_csv != NULL)
    {
      g_auto(GStrv) needs = g_strsplit (needs_csv, ",", -1);
      troupe_step_set_needs (step, (const char * const *) needs);
    }
  g_assert_true (troupe_workflow_add_step (wf, step, &error));
  g_assert_no_error (error);
}

static char *
ids (GPtrArray *steps)
{
  GString *str = g_string_new (NULL);

  for (guint i = 0; i < steps->len; i++)
    g_string_append_printf (str, "%s%s", i ? " " : "", troupe_step_get_id (g_ptr_array_index (steps, i)));
  g_ptr_array_unref (steps);
  return g_string_free (str, FALSE);
}

/* a -> b -> d, a -> c -> d, e alone */
static TroupeWorkflow *
diamond (void)
{
  TroupeWorkflow *wf = troupe_workflow_new ();

  add (wf, "a", NULL);
  add (wf, "b", "a");
  add (wf, "c", "a");
  add (wf, "d", "b,c");
  add (wf, "e", NULL);
  return wf;
}

static void
test_model_add_remove (void)
{
  g_autoptr(TroupeWorkflow) wf = troupe_workflow_new ();
  g_autoptr(TroupeStep) dup = troupe_step_new ("a", TROUPE_STEP_KIND_AGENT);
  g_autoptr(TroupeStep) bad = troupe_step_new ("no spaces", TROUPE_STEP_KIND_AGENT);
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  Recorder r;

  recorder_attach (&r, wf);
  /* b names a before a exists: the edge is announced when a arrives. */
  add (wf, "b", "a");
  add (wf, "a", NULL);
  log = recorder_take (&r);
  g_assert_cmpstr (log, ==, "+b@0 +a@1 a->b");
  g_assert_cmpuint (troupe_workflow_get_n_steps (wf), ==, 2);
  g_assert_cmpint (troupe_workflow_get_step_index (wf, "a"), ==, 1);
  g_assert_true (troupe_step_get_workflow (troupe_workflow_lookup_step (wf, "a")) == wf);

  g_assert_false (troupe_workflow_add_step (wf, dup, &error));
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_DUPLICATE_STEP);
  g_clear_error (&error);
  g_assert_false (troupe_workflow_add_step (wf, bad, &error));
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_INVALID_ID);
  g_clear_error (&error);

  g_assert_true (troupe_workflow_remove_step (wf, "a", &error));
  g_assert_no_error (error);
  g_clear_pointer (&log, g_free);
  log = recorder_take (&r);
  g_assert_cmpstr (log, ==, "a-/>b -a@1");
  /* b forgot a. */
  g_assert_null (troupe_step_get_needs (troupe_workflow_lookup_step (wf, "b")));
  g_assert_null (troupe_workflow_lookup_step (wf, "a"));
  g_assert_false (troupe_workflow_remove_step (wf, "a", &error));
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_UNKNOWN_STEP);
  g_assert_cmpuint (r.changed, >=, 3);
  g_string_free (r.log, TRUE);
}

static void
test_model_dangling_needs (void)
{
  g_autoptr(TroupeWorkflow) wf = troupe_workflow_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  Recorder r;

  recorder_attach (&r, wf);
  add (wf, "x", "build");
  add (wf, "y", NULL);
  g_assert_cmpuint (troupe_workflow_get_path_length_to_sink (wf, "x"), ==, 1);
  /* Renaming y to the missing name turns x's need into an edge. */
  g_assert_true (troupe_workflow_rename_step (wf, "y", "build", &error));
  log = recorder_take (&r);
  g_assert_cmpstr (log, ==, "+x@0 +y@1 y=>build build->x");
  g_assert_cmpuint (troupe_workflow_get_path_length_to_sink (wf, "build"), ==, 2);

  /* Removing it leaves x without the need, and a new "build" is unrelated. */
  g_assert_true (troupe_workflow_remove_step (wf, "build", &error));
  add (wf, "build", NULL);
  g_clear_pointer (&log, g_free);
  log = recorder_take (&r);
  g_assert_cmpstr (log, ==, "build-/>x -build@1 +build@1");
  g_string_free (r.log, TRUE);
}

static void
test_model_removed_step_keeps_needs (void)
{
  g_autoptr(TroupeWorkflow) wf = diamond ();
  g_autoptr(TroupeStep) d = g_object_ref (troupe_workflow_lookup_step (wf, "d"));
  g_autoptr(GError) error = NULL;
  const char * const *needs;

  g_assert_true (troupe_workflow_remove_step (wf, "d", &error));
  g_assert_null (troupe_step_get_workflow (d));
  needs = troupe_step_get_needs (d);
  g_assert_cmpstr (needs[0], ==, "b");
  g_assert_cmpstr (needs[1], ==, "c");
  /* Undo puts it back as it was. */
  g_assert_true (troupe_workflow_insert_step (wf, d, 3, &error));
  g_assert_cmpint (troupe_workflow_get_step_index (wf, "d"), ==, 3);
  g_assert_cmpuint (troupe_workflow_get_path_length_to_sink (wf, "a"), ==, 3);
}

static void
test_model_rename (void)
{
  g_autoptr(TroupeWorkflow) wf = diamond ();
  g_autoptr(GError) error = NULL;
  TroupeStep *d = troupe_workflow_lookup_step (wf, "d");
  TroupeStep *e = troupe_workflow_lookup_step (wf, "e");
  const char *argv[] = { "echo", "${steps.b.output}", NULL };
  g_autofree char *log = NULL;
  Recorder r;

  troupe_step_set_when (e, TROUPE_CONDITION_OP_EQUALS, "${steps.b.output}", "yes");
  troupe_step_set_for_each (e, "b");
  troupe_step_set_prompt (e, "Use ${steps.b.lines} and ${steps.bb.output}");
  troupe_step_set_command (d, argv);

  recorder_attach (&r, wf);
  g_assert_true (troupe_workflow_rename_step (wf, "b", "build", &error));
  g_assert_no_error (error);
  log = recorder_take (&r);
  g_assert_cmpstr (log, ==, "b=>build");

  g_assert_null (troupe_workflow_lookup_step (wf, "b"));
  g_assert_nonnull (troupe_workflow_lookup_step (wf, "build"));
  g_assert_true (troupe_step_has_need (d, "build"));
  g_assert_false (troupe_step_has_need (d, "b"));
  /* The order of needs is kept. */
  g_assert_cmpstr (troupe_step_get_needs (d)[0], ==, "build");
  g_assert_cmpstr (troupe_step_get_when_left (e), ==, "${steps.build.output}");
  g_assert_cmpstr (troupe_step_get_for_each (e), ==, "build");
  /* ${steps.bb...} names another step and stays. */
  g_assert_cmpstr (troupe_step_get_prompt (e), ==, "Use ${steps.build.lines} and ${steps.bb.output}");
  g_assert_cmpstr (troupe_step_get_command (d)[1], ==, "${steps.build.output}");

  g_assert_false (troupe_workflow_rename_step (wf, "build", "c", &error));
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_DUPLICATE_STEP);
  g_clear_error (&error);
  g_assert_false (troupe_workflow_rename_step (wf, "build", "../x", &error));
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_INVALID_ID);
  g_clear_error (&error);
  g_assert_false (troupe_workflow_rename_step (wf, "nope", "x", &error));
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_UNKNOWN_STEP);
  g_string_free (r.log, TRUE);
}

static void
test_model_connect (void)
{
  g_autoptr(TroupeWorkflow) wf = diamond ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) cycle = NULL;
  g_autofree char *log = NULL;
  Recorder r;

  recorder_attach (&r, wf);
  g_assert_true (troupe_workflow_connect (wf, "d", "e", &error));
  g_assert_no_error (error);
  /* Connecting an existing edge changes nothing. */
  g_assert_true (troupe_workflow_connect (wf, "d", "e", &error));
  log = recorder_take (&r);
  g_assert_cmpstr (log, ==, "d->e");

  /* e -> a would close a -> b -> d -> e -> a. */
  g_assert_true (troupe_workflow_would_cycle (wf, "e", "a", &cycle));
  g_assert_cmpuint (g_strv_length (cycle), ==, 4);
  g_assert_cmpstr (cycle[0], ==, "a");
  g_assert_cmpstr (cycle[1], ==, "b");
  g_assert_cmpstr (cycle[2], ==, "d");
  g_assert_cmpstr (cycle[3], ==, "e");
  g_assert_false (troupe_workflow_connect (wf, "e", "a", &error));
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_CYCLE);
  g_assert_cmpstr (error->message, ==, "connecting 'e' to 'a' would make a cycle: a → b → d → e → a");
  g_clear_error (&error);
  g_assert_false (troupe_step_has_need (troupe_workflow_lookup_step (wf, "a"), "e"));

  g_assert_false (troupe_workflow_connect (wf, "a", "a", &error));
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_CYCLE);
  g_clear_error (&error);
  g_assert_false (troupe_workflow_connect (wf, "a", "zz", &error));
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_UNKNOWN_STEP);
  g_clear_error (&error);

  g_assert_true (troupe_workflow_disconnect (wf, "b", "d", &error));
  g_assert_no_error (error);
  g_clear_pointer (&log, g_free);
  log = recorder_take (&r);
  g_assert_cmpstr (log, ==, "b-/>d");
  g_assert_false (troupe_workflow_disconnect (wf, "b", "d", &error));
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_UNKNOWN_STEP);
  g_clear_error (&error);

  /* Setting needs on a step inside a workflow announces the difference. */
  {
    const char *needs[] = { "b", "e", NULL };

    troupe_step_set_needs (troupe_workflow_lookup_step (wf, "c"), needs);
    g_clear_pointer (&log, g_free);
    log = recorder_take (&r);
    g_assert_cmpstr (log, ==, "a-/>c b->c e->c");
  }
  g_string_free (r.log, TRUE);
}

static void
test_model_queries (void)
{
  g_autoptr(TroupeWorkflow) wf = diamond ();
  g_autoptr(GError) error = NULL;
  g_autofree char *topo = NULL;
  g_autofree char *roots = NULL;
  g_autofree char *sinks = NULL;
  g_autofree char *desc = NULL;
  g_autofree char *anc = NULL;
  g_autofree char *deps = NULL;

  topo = ids (troupe_workflow_topological_order (wf, &error));
  g_assert_no_error (error);
  /* Ties go by file order: e is ready from the start but comes after a. */
  g_assert_cmpstr (topo, ==, "a b c d e");
  roots = ids (troupe_workflow_get_roots (wf));
  g_assert_cmpstr (roots, ==, "a e");
  sinks = ids (troupe_workflow_get_sinks (wf));
  g_assert_cmpstr (sinks, ==, "d e");
  desc = ids (troupe_workflow_get_descendants (wf, "a"));
  g_assert_cmpstr (desc, ==, "b c d");
  anc = ids (troupe_workflow_get_ancestors (wf, "d"));
  g_assert_cmpstr (anc, ==, "a b c");
  deps = ids (troupe_workflow_get_dependents (wf, "a"));
  g_assert_cmpstr (deps, ==, "b c");

  g_assert_cmpuint (troupe_workflow_get_path_length_to_sink (wf, "a"), ==, 3);
  g_assert_cmpuint (troupe_workflow_get_path_length_to_sink (wf, "c"), ==, 2);
  g_assert_cmpuint (troupe_workflow_get_path_length_to_sink (wf, "e"), ==, 1);
  g_assert_cmpuint (troupe_workflow_get_path_length_to_sink (wf, "zz"), ==, 0);
  g_assert_null (troupe_workflow_find_cycle (wf));
}

static void
test_model_cycle_from_file (void)
{
  g_autoptr(TroupeWorkflow) wf = troupe_workflow_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) cycle = NULL;
  GPtrArray *order;

  /* Loaders do not refuse cycles (validation reports them), so the
   * queries must cope with one. */
  add (wf, "start", NULL);
  add (wf, "x", "start,z");
  add (wf, "y", "x");
  add (wf, "z", "y");
  add (wf, "missing-need", "ghost");

  cycle = troupe_workflow_find_cycle (wf);
  g_assert_nonnull (cycle);
  g_assert_cmpuint (g_strv_length (cycle), ==, 3);
  g_assert_cmpstr (cycle[0], ==, "x");
  g_assert_cmpstr (cycle[1], ==, "y");
  g_assert_cmpstr (cycle[2], ==, "z");

  order = troupe_workflow_topological_order (wf, &error);
  g_assert_null (order);
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_CYCLE);
  g_assert_nonnull (strstr (error->message, "x → y → z → x"));
  g_assert_cmpuint (troupe_workflow_get_path_length_to_sink (wf, "start"), ==, 0);
  {
    /* On a cycle, a step is its own ancestor and descendant. */
    g_autofree char *desc = ids (troupe_workflow_get_descendants (wf, "x"));
    g_autofree char *anc = ids (troupe_workflow_get_ancestors (wf, "y"));

    g_assert_cmpstr (desc, ==, "x y z");
    g_assert_cmpstr (anc, ==, "start x y z");
  }
  g_assert_cmpuint (troupe_workflow_get_path_length_to_sink (wf, "missing-need"), ==, 1);
}

static void
test_model_long_chain (void)
{
  g_autoptr(TroupeWorkflow) wf = troupe_workflow_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) order = NULL;
  char prev[32] = "";

  /* Deep graphs must not exhaust the stack, and must stay linear. */
  for (guint i = 0; i < 20000; i++)
    {
      char id[32];

      g_snprintf (id, sizeof id, "s%u", i);
      add (wf, id, i ? prev : NULL);
      g_strlcpy (prev, id, sizeof prev);
    }

  order = troupe_workflow_topological_order (wf, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (order->len, ==, 20000);
  g_assert_null (troupe_workflow_find_cycle (wf));
  g_assert_cmpuint (troupe_workflow_get_path_length_to_sink (wf, "s0"), ==, 20000);
  g_assert_true (troupe_workflow_would_cycle (wf, "s19999", "s0", NULL));
}

static guint notify_count;

static void
on_notify (GObject *object, GParamSpec *pspec, gpointer data)
{
  notify_count++;
}

static void
test_model_notify_only_on_change (void)
{
  g_autoptr(TroupeStep) step = troupe_step_new ("s", TROUPE_STEP_KIND_AGENT);
  g_autoptr(TroupeWorkflow) wf = troupe_workflow_new ();
  g_autoptr(TroupeRetryPolicy) retries = troupe_retry_policy_new (3);
  const char *argv[] = { "make", NULL };

  g_signal_connect (step, "notify", G_CALLBACK (on_notify), NULL);
  notify_count = 0;
  troupe_step_set_prompt (step, "hi");
  troupe_step_set_prompt (step, "hi");
  g_assert_cmpuint (notify_count, ==, 1);
  troupe_step_set_command (step, argv);
  troupe_step_set_command (step, argv);
  g_assert_cmpuint (notify_count, ==, 2);
  troupe_step_set_retries (step, retries);
  troupe_step_set_retries (step, retries);
  g_assert_cmpuint (notify_count, ==, 3);
  troupe_step_set_timeout (step, 1000);
  troupe_step_set_timeout (step, 1000);
  g_assert_cmpuint (notify_count, ==, 4);
  /* x, y and has-position, once. */
  troupe_step_set_position (step, 10, 20);
  g_assert_cmpuint (notify_count, ==, 7);
  troupe_step_set_position (step, 10, 20);
  g_assert_cmpuint (notify_count, ==, 7);
  g_assert_cmpint (troupe_step_infer_kind (step), ==, TROUPE_STEP_KIND_COMMAND);

  g_signal_connect (wf, "notify", G_CALLBACK (on_notify), NULL);
  notify_count = 0;
  troupe_workflow_set_name (wf, "x");
  troupe_workflow_set_name (wf, "x");
  troupe_workflow_set_rank_dir (wf, TROUPE_RANK_DIR_LR);
  troupe_workflow_set_rank_dir (wf, TROUPE_RANK_DIR_LR);
  g_assert_cmpuint (notify_count, ==, 2);
}

static void
test_model_agents_providers_context (void)
{
  g_autoptr(TroupeWorkflow) wf = troupe_workflow_new ();
  g_autoptr(TroupeAgent) agent = troupe_agent_new ("architect");
  g_autoptr(TroupeAgent) replacement = troupe_agent_new ("architect");
  g_autoptr(TroupeAgent) qa = troupe_agent_new ("qa");
  g_autoptr(TroupeProvider) mine = troupe_provider_new ("claude");
  g_autoptr(TroupeProvider) builtin = NULL;
  g_autoptr(TroupeProvider) resolved = NULL;
  g_autoptr(TroupeStep) step = troupe_step_new ("design", TROUPE_STEP_KIND_AGENT);
  g_autoptr(TroupeStep) cmd = troupe_step_new ("build", TROUPE_STEP_KIND_COMMAND);
  const char * const *keys;
  Recorder r;

  recorder_attach (&r, wf);
  troupe_agent_set_provider (agent, "gemini");
  troupe_workflow_add_agent (wf, agent);
  troupe_step_set_agent (step, "architect");
  troupe_workflow_add_step (wf, step, NULL);
  troupe_workflow_add_step (wf, cmd, NULL);
  troupe_workflow_set_default_provider (wf, "mock");

  g_assert_cmpstr (troupe_workflow_get_step_provider_name (wf, step), ==, "gemini");
  troupe_agent_set_provider (agent, NULL);
  g_assert_cmpstr (troupe_workflow_get_step_provider_name (wf, step), ==, "mock");
  troupe_step_set_provider (step, "codex");
  g_assert_cmpstr (troupe_workflow_get_step_provider_name (wf, step), ==, "codex");
  g_assert_cmpstr (troupe_workflow_get_step_provider_name (wf, cmd), ==, "shell");

  /* Replacing an agent keeps its place. */
  troupe_workflow_add_agent (wf, qa);
  troupe_workflow_add_agent (wf, replacement);
  g_assert_true (g_ptr_array_index (troupe_workflow_get_agents (wf), 0) == replacement);
  g_assert_true (troupe_workflow_remove_agent (wf, "qa"));
  g_assert_false (troupe_workflow_remove_agent (wf, "qa"));

  builtin = troupe_workflow_resolve_provider (wf, "codex");
  g_assert_cmpint (troupe_provider_get_input_mode (builtin), ==, TROUPE_INPUT_MODE_STDIN);
  g_assert_cmpstr (troupe_provider_get_command (builtin)[0], ==, "codex");
  troupe_workflow_add_provider (wf, mine);
  resolved = troupe_workflow_resolve_provider (wf, "claude");
  g_assert_true (resolved == mine);
  g_assert_null (troupe_workflow_resolve_provider (wf, "nope"));
  g_assert_true (troupe_provider_is_builtin_name ("mock"));
  g_assert_false (troupe_provider_is_builtin_name ("bash"));

  troupe_workflow_set_context (wf, "b", "2");
  troupe_workflow_set_context (wf, "a", "1");
  troupe_workflow_set_context (wf, "b", "3");
  keys = troupe_workflow_get_context_keys (wf);
  g_assert_cmpstr (keys[0], ==, "b");
  g_assert_cmpstr (keys[1], ==, "a");
  g_assert_null (keys[2]);
  g_assert_cmpstr (troupe_workflow_get_context (wf, "b"), ==, "3");
  troupe_workflow_set_context (wf, "b", NULL);
  keys = troupe_workflow_get_context_keys (wf);
  g_assert_cmpstr (keys[0], ==, "a");
  g_assert_null (keys[1]);

  /* Agent property changes reach the workflow's "changed". */
  r.changed = 0;
  troupe_agent_set_color (replacement, "#ff0000");
  g_assert_cmpuint (r.changed, ==, 1);
  troupe_provider_set_env (mine, "KEY", "v");
  g_assert_cmpuint (r.changed, ==, 2);
  g_string_free (r.log, TRUE);
}

static void
test_model_equal_and_copy (void)
{
  g_autoptr(TroupeWorkflow) a = diamond ();
  g_autoptr(TroupeWorkflow) b = diamond ();
  TroupeStep *step = troupe_workflow_lookup_step (a, "b");
  g_autoptr(TroupeStep) copy = NULL;

  g_assert_true (troupe_workflow_equal (a, b));
  troupe_step_set_position (step, 1, 2);
  g_assert_false (troupe_workflow_equal (a, b));
  troupe_step_set_position (troupe_workflow_lookup_step (b, "b"), 1, 2);
  g_assert_true (troupe_workflow_equal (a, b));

  copy = troupe_step_copy (step);
  g_assert_true (troupe_step_equal (copy, step));
  g_assert_null (troupe_step_get_workflow (copy));
  troupe_step_set_description (copy, "changed");
  g_assert_false (troupe_step_equal (copy, step));

  troupe_workflow_set_context (b, "k", "v");
  g_assert_false (troupe_workflow_equal (a, b));
}

static void
test_model_unique_id (void)
{
  g_autoptr(TroupeWorkflow) wf = diamond ();
  g_autofree char *a = troupe_workflow_make_unique_id (wf, "a");
  g_autofree char *fresh = troupe_workflow_make_unique_id (wf, "Write tests!");
  g_autofree char *empty = troupe_workflow_make_unique_id (wf, "  ");

  g_assert_cmpstr (a, ==, "a-2");
  g_assert_cmpstr (fresh, ==, "Write-tests");
  g_assert_cmpstr (empty, ==, "step");
  g_assert_true (troupe_step_id_is_valid (fresh));
  g_assert_false (troupe_step_id_is_valid ("-x"));
  g_assert_false (troupe_step_id_is_valid (""));
}

static void
test_model_locations (void)
{
  g_autoptr(TroupeWorkflow) wf = troupe_workflow_new ();
  guint line = 99, col = 99;

  g_assert_false (troupe_workflow_get_location (wf, "/steps/a", &line, &col));
  g_assert_cmpuint (line, ==, 0);
  troupe_workflow_set_location (wf, "/steps/a", 3, 5);
  g_assert_true (troupe_workflow_get_location (wf, "/steps/a", &line, &col));
  g_assert_cmpuint (line, ==, 3);
  g_assert_cmpuint (col, ==, 5);
  troupe_workflow_clear_locations (wf);
  g_assert_false (troupe_workflow_get_location (wf, "/steps/a", NULL, NULL));
}

static void
test_model_workspace_root (void)
{
  g_autoptr(TroupeWorkflow) wf = troupe_workflow_new ();
  g_autofree char *root = NULL;
  g_autofree char *root2 = NULL;

  troupe_workflow_set_file (wf, "/srv/flows/team.yaml");
  root = troupe_workflow_dup_workspace_root (wf);
  g_assert_cmpstr (root, ==, "/srv/flows");
  troupe_workflow_set_workspace (wf, "work/./space");
  root2 = troupe_workflow_dup_workspace_root (wf);
  g_assert_cmpstr (root2, ==, "/srv/flows/work/space");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/troupe/model/add-remove", test_model_add_remove);
  g_test_add_func ("/troupe/model/dangling-needs", test_model_dangling_needs);
  g_test_add_func ("/troupe/model/removed-step-keeps-needs", test_model_removed_step_keeps_needs);
  g_test_add_func ("/troupe/model/rename", test_model_rename);
  g_test_add_func ("/troupe/model/connect", test_model_connect);
  g_test_add_func ("/troupe/model/queries", test_model_queries);
  g_test_add_func ("/troupe/model/cycle-from-file", test_model_cycle_from_file);
  g_test_add_func ("/troupe/model/long-chain", test_model_long_chain);
  g_test_add_func ("/troupe/model/notify-only-on-change", test_model_notify_only_on_change);
  g_test_add_func ("/troupe/model/agents-providers-context", test_model_agents_providers_context);
  g_test_add_func ("/troupe/model/equal-and-copy", test_model_equal_and_copy);
  g_test_add_func ("/troupe/model/unique-id", test_model_unique_id);
  g_test_add_func ("/troupe/model/locations", test_model_locations);
  g_test_add_func ("/troupe/model/workspace-root", test_model_workspace_root);

  return g_test_run ();
}
