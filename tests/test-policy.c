/* test-policy.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include <glib/gstdio.h>

#include "troupe.h"

static const char *pool[] = { "planner", "coder", "Terminator", NULL };

static TroupePolicy *
make_policy (guint64 seed)
{
  const guint hidden[] = { 7, 6 };

  return troupe_policy_new (5, hidden, G_N_ELEMENTS (hidden), pool, 1, seed);
}

static void
test_rng (void)
{
  TroupeRng a, b, c;

  troupe_rng_init (&a, 42);
  troupe_rng_init (&b, 42);
  troupe_rng_init (&c, 43);

  /* xoshiro256** seeded by splitmix64 is a fixed function of the seed:
   * these values hold on every machine. */
  g_assert_cmpuint (troupe_rng_next (&a), ==, G_GUINT64_CONSTANT (1546998764402558742));
  troupe_rng_next (&b);
  for (guint i = 0; i < 1000; i++)
    {
      double u = troupe_rng_uniform (&a);

      g_assert_cmpfloat (u, ==, troupe_rng_uniform (&b));
      g_assert_cmpfloat (u, >=, 0.0);
      g_assert_cmpfloat (u, <, 1.0);
    }
  g_assert_cmpuint (troupe_rng_next (&a), !=, troupe_rng_next (&c));
}

static void
test_shapes (void)
{
  g_autoptr(TroupePolicy) policy = make_policy (1);
  const guint *sizes;
  guint n_sizes;

  sizes = troupe_policy_get_layer_sizes (policy, &n_sizes);
  g_assert_cmpuint (n_sizes, ==, 4);
  g_assert_cmpuint (sizes[0], ==, 5);
  g_assert_cmpuint (sizes[1], ==, 7);
  g_assert_cmpuint (sizes[2], ==, 6);
  g_assert_cmpuint (sizes[3], ==, 3);
  g_assert_cmpuint (troupe_policy_get_n_agents (policy), ==, 3);
  g_assert_cmpuint (troupe_policy_get_n_params (policy), ==, 7 * 5 + 7 + 6 * 7 + 6 + 3 * 6 + 3);

  /* PyTorch's initialisation bound: |w| <= 1/sqrt(fan_in). */
  for (guint i = 0; i < 7 * 5 + 7; i++)
    g_assert_cmpfloat (fabs (troupe_policy_get_params (policy)[i]), <=, 1.0 / sqrt (5.0));
}

static void
test_forward_by_hand (void)
{
  const char *two[] = { "a", "b", NULL };
  const guint hidden[] = { 2 };
  g_autoptr(TroupePolicy) policy = troupe_policy_new (2, hidden, 1, two, 1, 1);
  double *p = troupe_policy_get_params (policy);
  const double input[] = { 1.0, -2.0 };
  double logits[2], probs[2];

  /* Layer 1: W = [[1, 1], [2, 0.5]], b = [0.5, 1]:
   * h = relu ([1 − 2 + 0.5, 2 − 1 + 1]) = relu ([−0.5, 2]) = [0, 2].
   * Layer 2: W = [[3, 4], [−1, 2]], b = [0.25, 0]: z = [8.25, 4]. */
  const double params[] = { 1, 1, 2, 0.5, 0.5, 1, 3, 4, -1, 2, 0.25, 0 };

  memcpy (p, params, sizeof params);
  troupe_policy_forward (policy, input, logits, probs);
  g_assert_cmpfloat (logits[0], ==, 8.25);
  g_assert_cmpfloat (logits[1], ==, 4.0);
  g_assert_cmpfloat (fabs (probs[0] - 1.0 / (1.0 + exp (4.0 - 8.25))), <, 1e-15);
  g_assert_cmpfloat (fabs (probs[0] + probs[1] - 1.0), <, 1e-15);
  g_assert_cmpuint (troupe_policy_greedy (policy, input, NULL), ==, 0);
}

/* The loss used in the check: −A log π(a|x) − β H(π(·|x)), the per-step
 * term of the trainer's loss. */
static double
loss_at (TroupePolicy *policy,
         const double *x,
         guint         action,
         double        advantage,
         double        beta,
         double       *dlogits)
{
  guint n = troupe_policy_get_n_agents (policy);
  double logits[8], probs[8];
  double max, log_sum = 0.0, h = 0.0;

  troupe_policy_forward (policy, x, logits, probs);
  max = logits[0];
  for (guint j = 1; j < n; j++)
    max = MAX (max, logits[j]);
  for (guint j = 0; j < n; j++)
    log_sum += exp (logits[j] - max);
  log_sum = log (log_sum) + max;
  for (guint j = 0; j < n; j++)
    h -= probs[j] * (logits[j] - log_sum);

  if (dlogits != NULL)
    for (guint j = 0; j < n; j++)
      dlogits[j] = advantage * (probs[j] - (j == action ? 1.0 : 0.0))
                   + beta * probs[j] * ((logits[j] - log_sum) + h);

  return -advantage * (logits[action] - log_sum) - beta * h;
}

static void
test_gradient_check (void)
{
  g_autoptr(TroupePolicy) policy = make_policy (11);
  double *params = troupe_policy_get_params (policy);
  double *grads = troupe_policy_get_grads (policy);
  guint n = troupe_policy_get_n_params (policy);
  const double x1[] = { 0.3, -1.2, 0.8, 0.05, -0.4 };
  const double x2[] = { -0.7, 0.2, 1.5, -0.3, 0.9 };
  double dlogits[8];
  const double h = 1e-6;
  double max_error = 0.0;

  /* Two samples accumulate into the gradient, as the steps of an epoch do. */
  troupe_policy_zero_grad (policy);
  loss_at (policy, x1, 1, 0.7, 0.05, dlogits);
  troupe_policy_backward (policy, dlogits);
  loss_at (policy, x2, 2, -1.3, 0.05, dlogits);
  troupe_policy_backward (policy, dlogits);

  for (guint i = 0; i < n; i++)
    {
      double saved = params[i];
      double plus, minus, numeric, error;

      params[i] = saved + h;
      plus = loss_at (policy, x1, 1, 0.7, 0.05, NULL) + loss_at (policy, x2, 2, -1.3, 0.05, NULL);
      params[i] = saved - h;
      minus = loss_at (policy, x1, 1, 0.7, 0.05, NULL) + loss_at (policy, x2, 2, -1.3, 0.05, NULL);
      params[i] = saved;

      numeric = (plus - minus) / (2 * h);
      error = fabs (numeric - grads[i]) / MAX (1.0, fabs (numeric) + fabs (grads[i]));
      max_error = MAX (max_error, error);
    }

  g_assert_cmpfloat (max_error, <, 1e-6);

  /* The gradient is not trivially zero. */
  {
    double norm = 0.0;

    for (guint i = 0; i < n; i++)
      norm += grads[i] * grads[i];
    g_assert_cmpfloat (norm, >, 1e-3);
  }
}

static void
test_sampling (void)
{
  const char *two[] = { "a", "b", NULL };
  g_autoptr(TroupePolicy) policy = troupe_policy_new (1, NULL, 0, two, 1, 1);
  double *p = troupe_policy_get_params (policy);
  const double x[] = { 0.0 };
  guint counts[2] = { 0, 0 };
  double log_prob, entropy;
  TroupeRng rng, again;

  /* Logits [0, log 3]: π = [0.25, 0.75]. */
  p[0] = 0.0;
  p[1] = 0.0;
  p[2] = 0.0;
  p[3] = log (3.0);

  troupe_rng_init (&rng, 5);
  for (guint i = 0; i < 20000; i++)
    counts[troupe_policy_sample (policy, x, &rng, &log_prob, &entropy)]++;
  g_assert_cmpfloat (fabs (counts[1] / 20000.0 - 0.75), <, 0.015);
  g_assert_cmpfloat (fabs (entropy - (-(0.25 * log (0.25) + 0.75 * log (0.75)))), <, 1e-12);

  /* The same seed replays the same choices. */
  troupe_rng_init (&rng, 9);
  troupe_rng_init (&again, 9);
  for (guint i = 0; i < 100; i++)
    g_assert_cmpuint (troupe_policy_sample (policy, x, &rng, NULL, NULL), ==,
                      troupe_policy_sample (policy, x, &again, NULL, NULL));

  g_assert_cmpuint (troupe_policy_greedy (policy, x, &log_prob), ==, 1);
  g_assert_cmpfloat (fabs (log_prob - log (0.75)), <, 1e-12);
}

static void
test_save_load (void)
{
  g_autoptr(TroupePolicy) policy = make_policy (3);
  g_autoptr(TroupePolicy) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("troupe-policy-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "policy.json", NULL);
  const double x[] = { 0.1, 0.2, -0.3, 0.4, 0.5 };
  double a[3], b[3];

  g_assert_true (troupe_policy_save (policy, path, &error));
  g_assert_no_error (error);

  loaded = troupe_policy_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);

  g_assert_cmpuint (troupe_policy_get_n_params (loaded), ==, troupe_policy_get_n_params (policy));
  g_assert_cmpmem (troupe_policy_get_params (loaded), sizeof (double) * troupe_policy_get_n_params (loaded),
                   troupe_policy_get_params (policy), sizeof (double) * troupe_policy_get_n_params (policy));
  g_assert_true (g_strv_equal (troupe_policy_get_agents (loaded), pool));
  g_assert_cmpuint (troupe_policy_get_embedding_version (loaded), ==, 1);

  troupe_policy_forward (policy, x, a, NULL);
  troupe_policy_forward (loaded, x, b, NULL);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);

  g_assert_true (troupe_policy_check_compatible (loaded, pool, 1, 5, &error));
  g_assert_no_error (error);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_mismatch (void)
{
  g_autoptr(TroupePolicy) policy = make_policy (3);
  g_autoptr(GError) error = NULL;
  const char *other[] = { "planner", "tester", "Terminator", NULL };

  g_assert_false (troupe_policy_check_compatible (policy, other, 1, 5, &error));
  g_assert_error (error, TROUPE_POLICY_ERROR, TROUPE_POLICY_ERROR_MISMATCH);
  /* The message names both pools. */
  g_assert_nonnull (strstr (error->message, "[planner, coder, Terminator]"));
  g_assert_nonnull (strstr (error->message, "[planner, tester, Terminator]"));
  g_clear_error (&error);

  g_assert_false (troupe_policy_check_compatible (policy, pool, 2, 5, &error));
  g_assert_error (error, TROUPE_POLICY_ERROR, TROUPE_POLICY_ERROR_MISMATCH);
}

static void
test_invalid_files (void)
{
#define HEAD "{\"format\": \"troupe-policy\", \"version\": 1, \"embedding_version\": 1, "
  const char *cases[] = {
    "[]",
    "{\"format\": \"other\"}",
    "{\"format\": [], \"version\": \"1\"}",
    "{\"format\": \"troupe-policy\", \"version\": 2}",
    HEAD "\"agents\": \"a\", \"layers\": [1, 1], \"parameters\": [1, 2]}",
    HEAD "\"agents\": [\"a\", {}], \"layers\": [1, 2], \"parameters\": [1, 2, 3, 4]}",
    HEAD "\"agents\": [\"a\"], \"layers\": [1, \"1\"], \"parameters\": [1, 2]}",
    HEAD "\"agents\": [\"a\"], \"layers\": [0, 1], \"parameters\": [1]}",
    HEAD "\"agents\": [\"a\"], \"layers\": {}, \"parameters\": [1, 2]}",
    HEAD "\"agents\": [\"a\", \"b\"], \"layers\": [2, 2], \"parameters\": [1, 2, 3]}",
    HEAD "\"agents\": [\"a\", \"b\"], \"layers\": [2, 3], \"parameters\": []}",
    HEAD "\"agents\": [\"a\"], \"layers\": [1, 1], \"parameters\": [1, \"x\"]}",
    HEAD "\"agents\": [\"a\"], \"layers\": [1, 1], \"parameters\": [1, [2]]}",
  };
#undef HEAD

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TroupePolicy) policy = troupe_policy_new_from_json (cases[i], &error);

      g_assert_null (policy);
      g_assert_error (error, TROUPE_POLICY_ERROR, TROUPE_POLICY_ERROR_INVALID);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TroupePolicy) policy = troupe_policy_new_from_json (
      "{\"format\": \"troupe-policy\", \"version\": 1, \"embedding_version\": 1, "
      "\"agents\": [\"a\"], \"layers\": [1, 1], \"parameters\": [2, 0.5]}", &error);
    const double x[] = { 3.0 };
    double logit;

    g_assert_no_error (error);
    troupe_policy_forward (policy, x, &logit, NULL);
    g_assert_cmpfloat (logit, ==, 6.5);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/troupe/policy/rng", test_rng);
  g_test_add_func ("/troupe/policy/shapes", test_shapes);
  g_test_add_func ("/troupe/policy/forward-by-hand", test_forward_by_hand);
  g_test_add_func ("/troupe/policy/gradient-check", test_gradient_check);
  g_test_add_func ("/troupe/policy/sampling", test_sampling);
  g_test_add_func ("/troupe/policy/save-load", test_save_load);
  g_test_add_func ("/troupe/policy/mismatch", test_mismatch);
  g_test_add_func ("/troupe/policy/invalid-files", test_invalid_files);

  return g_test_run ();
}
