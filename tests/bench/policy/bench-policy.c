/* bench-policy.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "troupe.h"

/* Trains on the seed's MVP configuration (embedding 16, one hidden layer of
 * 32, the 2 agents Echo and Terminator, max_steps 4, 32 episodes per
 * epoch, the seed's plain REINFORCE with Adam) and reports episodes per
 * second, counting the policy updates, as reference.py does for PyTorch.
 * The training runs REPEATS times from scratch (the same seed, so the same
 * episodes), because one run is too short to time reliably.
 * Usage: bench-policy [EPOCHS [SEED [REPEATS]]]. */
int
main (int   argc,
      char *argv[])
{
  TroupeTrainerOptions options;
  const guint hidden[] = { 32 };
  guint epochs = argc > 1 ? (guint) strtoul (argv[1], NULL, 10) : 500;
  guint64 seed = argc > 2 ? g_ascii_strtoull (argv[2], NULL, 10) : 1;
  guint repeats = argc > 3 ? (guint) strtoul (argv[3], NULL, 10) : 20;
  guint64 episodes = 0;
  gint64 start, elapsed;
  double seconds;

  if (epochs == 0 || repeats == 0)
    {
      fprintf (stderr, "usage: bench-policy [EPOCHS [SEED [REPEATS]]]\n");
      return 2;
    }

  troupe_trainer_options_init (&options);
  options.seed = seed;

  start = g_get_monotonic_time ();
  for (guint r = 0; r < repeats; r++)
    {
      TroupeOrchEnv *env = troupe_orch_env_new_mvp ();
      TroupePolicy *policy = troupe_policy_new (16, hidden, 1, troupe_orch_env_get_agent_names (env),
                                                TROUPE_STATE_EMBEDDING_VERSION, seed);
      g_autoptr(TroupeTrainer) trainer = troupe_trainer_new (env, policy, &options);

      for (guint epoch = 1; epoch <= epochs; epoch++)
        {
          const TroupeEpochStats *stats = troupe_trainer_run_epoch (trainer);

          /* The learning curve's shape, to compare with the reference. */
          if (r == 0 && (epoch == 1 || epoch == 5 || epoch == 10 || epoch == 25
                         || epoch == 50 || epoch == 100))
            printf ("curve epoch %u mean_reward %.4f success_rate %.4f mean_length %.3f\n",
                    epoch, stats->mean_reward, stats->success_rate, stats->mean_length);
        }
      episodes += (guint64) epochs * options.episodes_per_epoch;
    }
  elapsed = g_get_monotonic_time () - start;
  seconds = elapsed / 1e6;

  printf ("C: %" G_GUINT64_FORMAT " episodes in %.3f s (%u runs of %u epochs)\n",
          episodes, seconds, repeats, epochs);
  printf ("episodes_per_second %.1f\n", episodes / seconds);

  return 0;
}
