/* troupe-cli-train.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <glib/gi18n.h>

#include "troupe-cli.h"

static void
print_epoch_cb (TroupeTrainer          *trainer,
                const TroupeEpochStats *stats,
                gpointer                user_data)
{
  printf ("epoch %4u  reward %8.4f ± %.4f  success %.3f  length %.2f  loss %10.4f  entropy %.4f\n",
          stats->epoch, stats->mean_reward, stats->std_reward, stats->success_rate,
          stats->mean_length, stats->loss, stats->entropy);
  fflush (stdout);
}

int
troupe_cli_train (const TroupeCliCommand  *command,
                  int                      argc,
                  char                   **argv)
{
  g_auto(GStrv) files = NULL;
  g_autofree char *env_name = NULL;
  g_autofree char *hidden_text = NULL;
  g_autofree char *output = NULL;
  g_autofree char *stats_path = NULL;
  g_autofree char *init = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(TroupeTrainer) trainer = NULL;
  g_autoptr(GError) error = NULL;
  TroupeTrainerOptions options;
  TroupeEvaluation evaluation;
  TroupeOrchEnv *env;
  TroupePolicy *policy;
  guint hidden[TROUPE_POLICY_MAX_HIDDEN_LAYERS];
  guint n_hidden = 0;
  gint epochs = 100, episodes = 32, embedding = 0, eval_episodes = 1000;
  gint64 seed = 1;
  double lr = 0.01, entropy = 0.0, clip = 0.0, optimal;
  gboolean baseline = FALSE, normalize = FALSE, sgd = FALSE;
  int status;
  const GOptionEntry entries[] = {
    { "env", 0, 0, G_OPTION_ARG_STRING, &env_name,
      N_("mvp (the seed's Echo and Terminator) or simulated (FILE's agents); default: simulated with FILE, mvp without"), N_("ENV") },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &epochs, N_("Epochs to train (default 100)"), N_("N") },
    { "episodes", 0, 0, G_OPTION_ARG_INT, &episodes, N_("Episodes per epoch (default 32)"), N_("K") },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, N_("Learning rate (default 0.01)"), N_("X") },
    { "hidden", 0, 0, G_OPTION_ARG_STRING, &hidden_text,
      N_("Hidden layer sizes, comma-separated (default 32; 0 for none)"), N_("SIZES") },
    { "embedding", 0, 0, G_OPTION_ARG_INT, &embedding,
      N_("State embedding size (default: 16, or more when the agents need it)"), N_("N") },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Seed of the generator (default 1)"), N_("N") },
    { "baseline", 0, 0, G_OPTION_ARG_NONE, &baseline, N_("Subtract a running mean of the returns"), NULL },
    { "normalize", 0, 0, G_OPTION_ARG_NONE, &normalize, N_("Normalise the returns of each epoch"), NULL },
    { "entropy", 0, 0, G_OPTION_ARG_DOUBLE, &entropy, N_("Entropy bonus coefficient (default 0)"), N_("X") },
    { "clip", 0, 0, G_OPTION_ARG_DOUBLE, &clip, N_("Clip the gradient's global norm (default 0: off)"), N_("X") },
    { "sgd", 0, 0, G_OPTION_ARG_NONE, &sgd, N_("Plain gradient descent instead of Adam"), NULL },
    { "eval", 0, 0, G_OPTION_ARG_INT, &eval_episodes,
      N_("Greedy evaluation episodes after training (default 1000)"), N_("N") },
    { "init", 0, 0, G_OPTION_ARG_FILENAME, &init,
      N_("Continue training a saved policy, exactly when it holds its training state"), N_("FILE") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Save the trained policy and its training state as JSON"), N_("FILE") },
    { "stats", 0, 0, G_OPTION_ARG_FILENAME, &stats_path, N_("Write the per-epoch statistics as CSV"), N_("FILE") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!troupe_cli_parse_options (command, entries, _("[FILE]"),
                                 _("Trains a policy that picks which agent acts next, with REINFORCE.\n"
                                   "--env mvp is the seed's MVP: Echo (cost 1) and the Terminator, 4 steps.\n"
                                   "--env simulated runs FILE's agents in memory: each agent's cost and\n"
                                   "success probability come from the context variables sim.AGENT.cost and\n"
                                   "sim.AGENT.success, the step limit from sim.max_steps.\n"
                                   "\n"
                                   "Exit status: 0 on success, 1 when the workflow is invalid or a file\n"
                                   "cannot be written, 2 on a usage error."),
                                 argc, argv, &status))
    return status;

  if (env_name == NULL)
    env_name = g_strdup (files != NULL && files[0] != NULL ? "simulated" : "mvp");
  if (!g_str_equal (env_name, "mvp") && !g_str_equal (env_name, "simulated"))
    return troupe_cli_usage_error (command, _("Unknown environment '%s': use mvp or simulated"), env_name);
  if (g_str_equal (env_name, "mvp") && files != NULL && files[0] != NULL)
    return troupe_cli_usage_error (command, _("--env mvp takes no FILE (got '%s')"), files[0]);
  if (g_str_equal (env_name, "simulated") && (files == NULL || files[0] == NULL))
    return troupe_cli_usage_error (command, _("--env simulated needs the workflow FILE whose agents it simulates"));
  if (files != NULL && files[0] != NULL && files[1] != NULL)
    return troupe_cli_usage_error (command, _("Train on one file at a time (got '%s' and '%s')"),
                                   files[0], files[1]);
  if (epochs < 1 || episodes < 1 || eval_episodes < 1)
    return troupe_cli_usage_error (command, _("--epochs, --episodes and --eval must be at least 1"));
  if (!(lr > 0.0) || entropy < 0.0 || clip < 0.0)
    return troupe_cli_usage_error (command, _("--lr must be positive, --entropy and --clip not negative"));
  if (seed < 0)
    return troupe_cli_usage_error (command, _("--seed must not be negative"));
  if (hidden_text == NULL)
    {
      hidden[0] = 32;
      n_hidden = 1;
    }
  else if (!troupe_policy_parse_hidden_sizes (hidden_text, hidden, &n_hidden))
    return troupe_cli_usage_error (command,
                                   _("--hidden '%s' is not a list of sizes 1..4096 such as 32,32 (at most %d layers)"),
                                   hidden_text, TROUPE_POLICY_MAX_HIDDEN_LAYERS);

  if (g_str_equal (env_name, "mvp"))
    env = troupe_orch_env_new_mvp ();
  else
    {
      workflow = troupe_cli_load_valid_workflow (command, files[0]);
      if (workflow == NULL)
        return TROUPE_CLI_EXIT_INVALID;

      env = troupe_orch_env_new_simulated (workflow, &error);
      if (env == NULL)
        {
          troupe_cli_error (command, "%s: %s", files[0], error->message);
          return TROUPE_CLI_EXIT_INVALID;
        }
    }

  if (embedding == 0)
    embedding = (gint) troupe_orch_env_get_default_input_dim (env);
  if (embedding < (gint) troupe_orch_env_get_n_features (env))
    {
      guint needed = troupe_orch_env_get_n_features (env);

      troupe_orch_env_free (env);
      return troupe_cli_usage_error (command, _("--embedding %d is too small: these agents need %u features"),
                                     embedding, needed);
    }

  troupe_trainer_options_init (&options);
  options.seed = (guint64) seed;
  options.learning_rate = lr;
  options.episodes_per_epoch = (guint) episodes;
  options.baseline = baseline;
  options.normalize_returns = normalize;
  options.entropy_coef = entropy;
  options.max_grad_norm = clip;
  options.optimizer = sgd ? TROUPE_OPTIMIZER_SGD : TROUPE_OPTIMIZER_ADAM;

  if (init != NULL)
    {
      /* A file saved with its training state continues exactly, with the
       * settings it was saved with; a bare policy trains further with
       * these settings and a fresh optimizer. */
      trainer = troupe_trainer_load (env, init, &options, &error);
      if (trainer == NULL)
        {
          troupe_cli_error (command, "%s", error->message);
          return TROUPE_CLI_EXIT_INVALID;
        }
      if (troupe_trainer_get_state_restored (trainer))
        printf (_("Resuming the training state of %s at epoch %u (optimizer state restored; "
                  "its saved settings apply)\n"),
                init, troupe_trainer_get_n_epochs (trainer));
      else
        printf (_("%s has no training state: training it further with a fresh optimizer\n"), init);
      options = *troupe_trainer_get_options (trainer);
    }
  else
    {
      policy = troupe_policy_new ((guint) embedding, hidden, n_hidden,
                                  troupe_orch_env_get_agent_names (env),
                                  TROUPE_STATE_EMBEDDING_VERSION, (guint64) seed);
      trainer = troupe_trainer_new (env, policy, &options);
    }
  g_signal_connect (trainer, "epoch", G_CALLBACK (print_epoch_cb), NULL);

  /* --epochs more epochs, also when resuming. */
  for (gint i = 0; i < epochs; i++)
    troupe_trainer_run_epoch (trainer);

  troupe_trainer_evaluate (trainer, (guint) eval_episodes, TRUE, &evaluation);
  printf (_("Greedy evaluation over %d episodes: success rate %.4f, mean reward %.4f, "
            "mean discounted return %.4f, mean length %.2f\n"),
          eval_episodes, evaluation.success_rate, evaluation.mean_reward,
          evaluation.mean_return, evaluation.mean_length);
  if (troupe_orch_env_optimal_value (env, &options.reward, &optimal))
    printf (_("Optimal expected discounted return (value iteration): %.4f\n"), optimal);
  else
    printf (_("Optimal expected discounted return: unknown (too many steps for value iteration)\n"));

  if (stats_path != NULL
      && !g_file_set_contents (stats_path, troupe_trainer_get_csv (trainer), -1, &error))
    {
      troupe_cli_error (command, _("Could not write the statistics: %s"), error->message);
      return TROUPE_CLI_EXIT_INVALID;
    }

  if (output != NULL && !troupe_trainer_save (trainer, output, &error))
    {
      troupe_cli_error (command, _("Could not save the policy: %s"), error->message);
      return TROUPE_CLI_EXIT_INVALID;
    }

  return TROUPE_CLI_EXIT_OK;
}

int
troupe_cli_policy (const TroupeCliCommand  *command,
                   int                      argc,
                   char                   **argv)
{
  g_auto(GStrv) args = NULL;
  g_autoptr(TroupePolicy) policy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) layers = g_string_new (NULL);
  g_autofree char *agents = NULL;
  g_autofree char *data = NULL;
  TroupeOptimizer optimizer;
  const guint *sizes;
  guint n_sizes, n_epochs;
  int status;
  const GOptionEntry entries[] = {
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!troupe_cli_parse_options (command, entries, _("show FILE"),
                                 _("Shows a policy written by `troupe train -o FILE`: its agents, its\n"
                                   "layers, its number of parameters, its state embedding version and, when\n"
                                   "it was saved with one, its training state.\n"
                                   "\n"
                                   "Exit status: 0 on success, 1 when the file is not a policy, 2 on a\n"
                                   "usage error."),
                                 argc, argv, &status))
    return status;

  if (args == NULL || args[0] == NULL)
    return troupe_cli_usage_error (command, _("Name a subcommand: show FILE"));
  if (!g_str_equal (args[0], "show"))
    return troupe_cli_usage_error (command, _("Unknown subcommand '%s'; use show FILE"), args[0]);
  if (args[1] == NULL || args[2] != NULL)
    return troupe_cli_usage_error (command, _("'policy show' takes exactly one FILE"));

  policy = troupe_policy_load (args[1], &error);
  if (policy == NULL)
    {
      troupe_cli_error (command, "%s", error->message);
      return TROUPE_CLI_EXIT_INVALID;
    }

  sizes = troupe_policy_get_layer_sizes (policy, &n_sizes);
  for (guint i = 0; i < n_sizes; i++)
    g_string_append_printf (layers, i == 0 ? "%u" : " -> %u", sizes[i]);
  agents = g_strjoinv (", ", (char **) troupe_policy_get_agents (policy));

  printf (_("Policy:          %s\n"), args[1]);
  printf (_("Agents:          %s\n"), agents);
  printf (_("Layers:          %s (ReLU between, softmax over the agents)\n"), layers->str);
  printf (_("Parameters:      %u\n"), troupe_policy_get_n_params (policy));
  printf (_("State embedding: version %u\n"), troupe_policy_get_embedding_version (policy));
  if (g_file_get_contents (args[1], &data, NULL, NULL)
      && troupe_trainer_peek_state (data, &n_epochs, &optimizer))
    printf (_("Training state:  epoch %u, %s\n"), n_epochs,
            optimizer == TROUPE_OPTIMIZER_SGD ? "SGD" : "Adam");

  return TROUPE_CLI_EXIT_OK;
}
