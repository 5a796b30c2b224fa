/* test-layout.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* For dladdr(), to find graphviz's plugin folder. */
#define _GNU_SOURCE

#include "config.h"

#include <dlfcn.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <cgraph.h>

#include <troupe.h>

#include "troupe-test-util.h"

/* Adds a step that needs the comma-separated @needs_csv. Steps are
 * added with their needs set directly, as loaders do, so that cyclic
 * graphs can be built too. */
static TroupeStep *
add_step (TroupeWorkflow *wf,
          const char     *id,
          const char     *needs_csv)
{
  g_autoptr(TroupeStep) step = troupe_step_new (id, TROUPE_STEP_KIND_COMMAND);
  g_autoptr(GError) error = NULL;

  if (needs_csv != NULL && *needs_csv != '\0')
    {
      g_auto(GStrv) needs = g_strsplit (needs_csv, ",", -1);

      troupe_step_set_needs (step, (const char * const *) needs);
    }

  troupe_workflow_add_step (wf, step, &error);
  g_assert_no_error (error);

  return step;
}

static void
get_position (TroupeWorkflow *wf,
              const char     *id,
              double         *x,
              double         *y)
{
  TroupeStep *step = troupe_workflow_lookup_step (wf, id);

  g_assert_nonnull (step);
  if (!troupe_step_get_position (step, x, y))
    g_error ("step %s has no position", id);
}

static gboolean
cards_overlap (double ax, double ay, double bx, double by)
{
  return fabs (ax - bx) < TROUPE_CARD_WIDTH && fabs (ay - by) < TROUPE_CARD_HEIGHT;
}

/* Every step has a whole-pixel position and no two cards overlap. */
static void
assert_laid_out (TroupeWorkflow *wf)
{
  GPtrArray *steps = troupe_workflow_get_steps (wf);
  g_autofree double *xy = g_new (double, 2 * steps->len + 1);

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);

      if (!troupe_step_get_position (step, &xy[2 * i], &xy[2 * i + 1]))
        g_error ("step %s has no position", troupe_step_get_id (step));
      g_assert_cmpfloat (xy[2 * i], ==, round (xy[2 * i]));
      g_assert_cmpfloat (xy[2 * i + 1], ==, round (xy[2 * i + 1]));
    }

  for (guint i = 0; i < steps->len; i++)
    for (guint j = i + 1; j < steps->len; j++)
      if (cards_overlap (xy[2 * i], xy[2 * i + 1], xy[2 * j], xy[2 * j + 1]))
        g_error ("cards %s (%g,%g) and %s (%g,%g) overlap",
                 troupe_step_get_id (g_ptr_array_index (steps, i)), xy[2 * i], xy[2 * i + 1],
                 troupe_step_get_id (g_ptr_array_index (steps, j)), xy[2 * j], xy[2 * j + 1]);
}

/* Along the rank direction, every step comes after each step it needs. */
static void
assert_downhill (TroupeWorkflow *wf)
{
  GPtrArray *steps = troupe_workflow_get_steps (wf);
  TroupeRankDir dir = troupe_workflow_get_rank_dir (wf);

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      const char * const *needs = troupe_step_get_needs (step);
      double x, y;

      get_position (wf, troupe_step_get_id (step), &x, &y);

      for (guint j = 0; needs != NULL && needs[j] != NULL; j++)
        {
          double nx, ny;

          if (troupe_workflow_lookup_step (wf, needs[j]) == NULL)
            continue;
          get_position (wf, needs[j], &nx, &ny);

          switch (dir)
            {
            case TROUPE_RANK_DIR_TB: g_assert_cmpfloat (y, >, ny); break;
            case TROUPE_RANK_DIR_BT: g_assert_cmpfloat (y, <, ny); break;
            case TROUPE_RANK_DIR_LR: g_assert_cmpfloat (x, >, nx); break;
            case TROUPE_RANK_DIR_RL: g_assert_cmpfloat (x, <, nx); break;
            default: g_assert_not_reached ();
            }
        }
    }
}

static TroupeWorkflow *
make_diamond (TroupeRankDir dir)
{
  TroupeWorkflow *wf = troupe_workflow_new ();

  troupe_workflow_set_rank_dir (wf, dir);
  add_step (wf, "design", NULL);
  add_step (wf, "backend", "design");
  add_step (wf, "frontend", "design");
  add_step (wf, "docs", "design");
  add_step (wf, "integrate", "backend,frontend");
  add_step (wf, "release", "integrate,docs");
  add_step (wf, "announce", "release");
  add_step (wf, "lonely", NULL);

  return wf;
}

static void
test_layout_diamond (void)
{
  g_autoptr(TroupeWorkflow) wf = make_diamond (TROUPE_RANK_DIR_TB);
  g_autoptr(GError) error = NULL;
  GPtrArray *steps = troupe_workflow_get_steps (wf);
  double min_x = G_MAXDOUBLE, min_y = G_MAXDOUBLE;

  g_assert_true (troupe_workflow_layout (wf, &error));
  g_assert_no_error (error);

  assert_laid_out (wf);
  assert_downhill (wf);

  /* The topmost-leftmost corner sits at the same margin on both axes. */
  for (guint i = 0; i < steps->len; i++)
    {
      double x, y;

      g_assert_true (troupe_step_get_position (g_ptr_array_index (steps, i), &x, &y));
      min_x = MIN (min_x, x);
      min_y = MIN (min_y, y);
    }
  g_assert_cmpfloat (min_x, >, 0);
  g_assert_cmpfloat (min_x, ==, min_y);
  g_assert_cmpfloat (min_x, <, TROUPE_CARD_HEIGHT);
}

static void
test_layout_directions (void)
{
  static const TroupeRankDir dirs[] = {
    TROUPE_RANK_DIR_TB, TROUPE_RANK_DIR_LR, TROUPE_RANK_DIR_BT, TROUPE_RANK_DIR_RL,
  };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autoptr(TroupeWorkflow) wf = make_diamond (dirs[i]);
      g_autoptr(GError) error = NULL;

      g_assert_true (troupe_workflow_layout (wf, &error));
      g_assert_no_error (error);
      assert_laid_out (wf);
      assert_downhill (wf);
    }
}

static void
test_layout_same_result_twice (void)
{
  g_autoptr(TroupeWorkflow) a = make_diamond (TROUPE_RANK_DIR_LR);
  g_autoptr(TroupeWorkflow) b = make_diamond (TROUPE_RANK_DIR_LR);

  g_assert_true (troupe_workflow_layout (a, NULL));
  g_assert_true (troupe_workflow_layout (b, NULL));
  g_assert_true (troupe_workflow_equal (a, b));

  /* Laying out again changes nothing. */
  g_assert_true (troupe_workflow_layout (b, NULL));
  g_assert_true (troupe_workflow_equal (a, b));
}

static void
test_layout_cycle (void)
{
  g_autoptr(TroupeWorkflow) wf = troupe_workflow_new ();
  g_autoptr(GError) error = NULL;

  add_step (wf, "a", "c");
  add_step (wf, "b", "a");
  add_step (wf, "c", "b");
  add_step (wf, "d", "c,d");
  add_step (wf, "e", "f,d");
  add_step (wf, "f", "e");

  g_assert_true (troupe_workflow_layout (wf, &error));
  g_assert_no_error (error);
  assert_laid_out (wf);
}

static void
test_layout_unknown_needs (void)
{
  g_autoptr(TroupeWorkflow) wf = troupe_workflow_new ();
  g_autoptr(GError) error = NULL;

  add_step (wf, "a", "ghost");
  add_step (wf, "b", "a,phantom");

  g_assert_true (troupe_workflow_layout (wf, &error));
  g_assert_no_error (error);
  assert_laid_out (wf);
  assert_downhill (wf);
}

static void
test_layout_empty (void)
{
  g_autoptr(TroupeWorkflow) wf = troupe_workflow_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (troupe_workflow_layout (wf, &error));
  g_assert_no_error (error);
}

/* Positions of every step, to check that placing one moves no other. */
static GHashTable *
snapshot_positions (TroupeWorkflow *wf)
{
  GHashTable *positions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GPtrArray *steps = troupe_workflow_get_steps (wf);

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      double *xy = g_new (double, 2);

      if (troupe_step_get_position (step, &xy[0], &xy[1]))
        g_hash_table_insert (positions, g_strdup (troupe_step_get_id (step)), xy);
      else
        g_free (xy);
    }

  return positions;
}

static void
assert_unmoved (TroupeWorkflow *wf,
                GHashTable     *before)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const double *xy = value;
      double x, y;

      get_position (wf, key, &x, &y);
      g_assert_cmpfloat (x, ==, xy[0]);
      g_assert_cmpfloat (y, ==, xy[1]);
    }
}

static TroupeStep *
add_and_place (TroupeWorkflow *wf,
               const char     *id,
               const char     *needs_csv)
{
  g_autoptr(GHashTable) before = snapshot_positions (wf);
  TroupeStep *step = add_step (wf, id, needs_csv);

  g_assert_false (troupe_step_get_position (step, NULL, NULL));
  troupe_workflow_place_step (wf, step);
  g_assert_true (troupe_step_get_position (step, NULL, NULL));

  assert_unmoved (wf, before);
  assert_laid_out (wf);

  return step;
}

static void
check_place_step (TroupeRankDir dir)
{
  g_autoptr(TroupeWorkflow) wf = make_diamond (dir);
  gboolean horizontal = dir == TROUPE_RANK_DIR_LR || dir == TROUPE_RANK_DIR_RL;
  double sign = dir == TROUPE_RANK_DIR_BT || dir == TROUPE_RANK_DIR_RL ? -1 : 1;
  double bx, by, fx, fy, x, y;

  g_assert_true (troupe_workflow_layout (wf, NULL));

  /* A step after backend and frontend goes one rank further, between them. */
  add_and_place (wf, "review", "backend,frontend");
  assert_downhill (wf);
  get_position (wf, "backend", &bx, &by);
  get_position (wf, "frontend", &fx, &fy);
  get_position (wf, "review", &x, &y);
  if (horizontal)
    {
      g_assert_cmpfloat (sign * x, >, sign * bx);
      g_assert_cmpfloat (fabs (y - (by + fy) / 2), <, 2 * TROUPE_CARD_HEIGHT);
    }
  else
    {
      g_assert_cmpfloat (sign * y, >, sign * by);
      g_assert_cmpfloat (fabs (x - (bx + fx) / 2), <, 2 * TROUPE_CARD_WIDTH);
    }

  /* Crowding one spot: every new card still finds free space. */
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *id = g_strdup_printf ("check-%u", i);

      add_and_place (wf, id, "design");
    }
  assert_downhill (wf);

  /* A step with no needs but a dependent goes a rank before it. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GHashTable) before = snapshot_positions (wf);
    TroupeStep *prepare = add_step (wf, "prepare", NULL);
    double ax, ay;

    troupe_workflow_connect (wf, "prepare", "announce", &error);
    g_assert_no_error (error);
    troupe_workflow_place_step (wf, prepare);
    assert_unmoved (wf, before);
    assert_laid_out (wf);

    get_position (wf, "prepare", &x, &y);
    get_position (wf, "announce", &ax, &ay);
    if (horizontal)
      g_assert_cmpfloat (sign * x, <, sign * ax);
    else
      g_assert_cmpfloat (sign * y, <, sign * ay);
  }

  /* A step with neither goes beside everything. */
  {
    GPtrArray *steps = troupe_workflow_get_steps (wf);
    double max_cross = -G_MAXDOUBLE;

    for (guint i = 0; i < steps->len; i++)
      {
        double sx, sy;

        if (troupe_step_get_position (g_ptr_array_index (steps, i), &sx, &sy))
          max_cross = MAX (max_cross, horizontal ? sy : sx);
      }

    add_and_place (wf, "loner", NULL);
    get_position (wf, "loner", &x, &y);
    g_assert_cmpfloat (horizontal ? y : x, >, max_cross);
  }
}

static void
test_place_step_tb (void)
{
  check_place_step (TROUPE_RANK_DIR_TB);
}

static void
test_place_step_lr (void)
{
  check_place_step (TROUPE_RANK_DIR_LR);
}

static void
test_place_step_bt_rl (void)
{
  check_place_step (TROUPE_RANK_DIR_BT);
  check_place_step (TROUPE_RANK_DIR_RL);
}

static void
test_place_step_empty (void)
{
  g_autoptr(TroupeWorkflow) wf = troupe_workflow_new ();
  TroupeStep *first = add_and_place (wf, "first", NULL);
  TroupeStep *second;
  double x, y, x2, y2;

  g_assert_true (troupe_step_get_position (first, &x, &y));
  g_assert_cmpfloat (x, >=, 0);
  g_assert_cmpfloat (y, >=, 0);

  /* Needs without positions count as no needs at all. */
  troupe_step_clear_position (first);
  second = add_step (wf, "second", "first");
  troupe_workflow_place_step (wf, second);
  g_assert_true (troupe_step_get_position (second, &x2, &y2));
  g_assert_cmpfloat (x2, ==, x);
  g_assert_cmpfloat (y2, ==, y);
  g_assert_false (troupe_step_get_position (first, NULL, NULL));
}

/* Adding to a hand-made canvas where cards sit in odd places. */
static void
test_place_step_irregular (void)
{
  g_autoptr(TroupeWorkflow) wf = troupe_workflow_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *id = g_strdup_printf ("n%u", i);
      g_autofree char *need = i > 0 ? g_strdup_printf ("n%u", g_rand_int_range (rand, 0, i)) : NULL;

      add_and_place (wf, id, need);
      /* Nudge it a little, as a person dragging cards would, where that
       * keeps it clear of the others. */
      if (i % 3 == 0)
        {
          TroupeStep *step = troupe_workflow_lookup_step (wf, id);
          GPtrArray *steps = troupe_workflow_get_steps (wf);
          gboolean clear = TRUE;
          double x, y, nx, ny;

          get_position (wf, id, &x, &y);
          nx = x + g_rand_int_range (rand, -40, 40);
          ny = y + g_rand_int_range (rand, -20, 20);

          for (guint j = 0; j < steps->len && clear; j++)
            {
              TroupeStep *other = g_ptr_array_index (steps, j);
              double ox, oy;

              if (other != step && troupe_step_get_position (other, &ox, &oy))
                clear = !cards_overlap (nx, ny, ox, oy);
            }
          if (clear)
            troupe_step_set_position (step, nx, ny);
        }
    }
}

static void
test_layout_large (void)
{
  g_autoptr(TroupeWorkflow) wf = troupe_workflow_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimer) timer = g_timer_new ();

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *id = g_strdup_printf ("step-%u", i);
      g_autoptr(GString) needs = g_string_new (NULL);
      guint n_needs = i == 0 ? 0 : g_rand_int_range (rand, 1, 3);

      for (guint j = 0; j < n_needs; j++)
        {
          guint need = g_rand_int_range (rand, MAX ((int) i - 30, 0), i);

          g_string_append_printf (needs, "%sstep-%u", j > 0 ? "," : "", need);
        }
      add_step (wf, id, needs->str);
    }

  g_timer_start (timer);
  g_assert_true (troupe_workflow_layout (wf, &error));
  g_assert_no_error (error);
  g_test_message ("1,000 steps laid out in %.2f s", g_timer_elapsed (timer, NULL));

  assert_laid_out (wf);
  assert_downhill (wf);
}

/* Without graphviz's dot plugin there is no layout: the error says it is
 * a matter of installing it. The child runs with a plugin folder
 * (GVBINDIR) that registers only the core plugins. */
static void
test_layout_missing_plugin (void)
{
  static const char * const keep[] = { "libgvplugin_core.", NULL };
  g_autofree char *folder = NULL;

  if (g_test_subprocess ())
    {
      g_autoptr(TroupeWorkflow) wf = make_diamond (TROUPE_RANK_DIR_TB);
      g_autoptr(GError) error = NULL;

      g_assert_false (troupe_workflow_layout (wf, &error));
      g_assert_error (error, TROUPE_EXPORT_ERROR, TROUPE_EXPORT_ERROR_UNSUPPORTED);
      g_assert_nonnull (strstr (error->message, "install"));
      g_test_message ("%s", error->message);
      g_assert_false (troupe_step_get_position (troupe_workflow_lookup_step (wf, "design"),
                                                NULL, NULL));
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

  g_test_add_func ("/troupe/layout/diamond", test_layout_diamond);
  g_test_add_func ("/troupe/layout/directions", test_layout_directions);
  g_test_add_func ("/troupe/layout/same-result-twice", test_layout_same_result_twice);
  g_test_add_func ("/troupe/layout/cycle", test_layout_cycle);
  g_test_add_func ("/troupe/layout/unknown-needs", test_layout_unknown_needs);
  g_test_add_func ("/troupe/layout/empty", test_layout_empty);
  g_test_add_func ("/troupe/layout/place-step-tb", test_place_step_tb);
  g_test_add_func ("/troupe/layout/place-step-lr", test_place_step_lr);
  g_test_add_func ("/troupe/layout/place-step-bt-rl", test_place_step_bt_rl);
  g_test_add_func ("/troupe/layout/place-step-empty", test_place_step_empty);
  g_test_add_func ("/troupe/layout/place-step-irregular", test_place_step_irregular);
  g_test_add_func ("/troupe/layout/large", test_layout_large);
  g_test_add_func ("/troupe/layout/missing-plugin", test_layout_missing_plugin);

  return g_test_run ();
}
