/* test-training-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <time.h>

#include "troupe-app-test-util.h"
#include "troupe-training-page.h"
#include "troupe-window.h"

/* A main-loop iteration while training must never take longer than this:
 * the window stays responsive. */
#define MAX_LATENCY_MS 50

/* The main thread's responsiveness while training. What the page itself
 * costs is the processor time a main-loop iteration takes on the main
 * thread (the thread's own clock: waiting for events, or for a processor
 * on a loaded machine, does not count); that is what must stay under
 * MAX_LATENCY_MS. The wall-clock gap between two ticks of a 5 ms timer is
 * reported too: it adds the time the machine gave to other work. */
typedef struct
{
  gboolean measuring;
  gint64   worst_cpu;
  gint64   last_tick;
  gint64   worst_gap;
  guint    tick_id;
} Latency;

static Latency latency;

static gint64
thread_cpu_time (void)
{
  struct timespec ts;

  g_assert_cmpint (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts), ==, 0);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean
tick_cb (gpointer data)
{
  gint64 now = g_get_monotonic_time ();

  if (latency.last_tick != 0)
    latency.worst_gap = MAX (latency.worst_gap, now - latency.last_tick);
  latency.last_tick = now;
  return G_SOURCE_CONTINUE;
}

static void
latency_start (void)
{
  latency.measuring = TRUE;
  latency.worst_cpu = 0;
  latency.last_tick = 0;
  latency.worst_gap = 0;
  latency.tick_id = g_timeout_add_full (G_PRIORITY_DEFAULT, 5, tick_cb, NULL, NULL);
}

static void
latency_stop (void)
{
  latency.measuring = FALSE;
  g_clear_handle_id (&latency.tick_id, g_source_remove);
}

typedef gboolean (*Condition) (TroupeTrainingPage *page,
                               gpointer            data);

typedef struct
{
  TroupeTrainingPage *page;
  Condition           condition;
  gpointer            data;
  gint64              iteration_start;
} PageWait;

/* troupe_app_test_wait_until() calls this before each main-loop
 * iteration and once after the last: when measuring, the processor time
 * since the previous call is one iteration's. */
static gboolean
page_condition_cb (gpointer data)
{
  PageWait *wait = data;
  gboolean holds;

  if (latency.measuring && wait->iteration_start >= 0)
    latency.worst_cpu = MAX (latency.worst_cpu, thread_cpu_time () - wait->iteration_start);
  holds = wait->condition (wait->page, wait->data);
  wait->iteration_start = latency.measuring ? thread_cpu_time () : -1;
  return holds;
}

/* Runs the main loop until @condition holds, or fails the test after
 * @seconds; each iteration is timed when measuring. */
static void
wait_until (TroupeTrainingPage *page,
            Condition           condition,
            gpointer            data,
            guint               seconds)
{
  PageWait wait = { page, condition, data, -1 };

  troupe_app_test_wait_until (page_condition_cb, &wait, seconds);
}

static gboolean
state_is (TroupeTrainingPage *page,
          gpointer            data)
{
  return troupe_training_page_get_state (page) == (TroupeTrainingState) GPOINTER_TO_INT (data);
}

static gboolean
has_epochs (TroupeTrainingPage *page,
            gpointer            data)
{
  return troupe_training_page_get_n_epochs (page) >= GPOINTER_TO_UINT (data);
}

static gboolean
can_simulate (TroupeTrainingPage *page,
              gpointer            data)
{
  return troupe_training_page_get_simulation_error (page) == NULL;
}

static gboolean
cannot_simulate (TroupeTrainingPage *page,
                 gpointer            data)
{
  return troupe_training_page_get_simulation_error (page) != NULL
         && !g_str_equal (troupe_training_page_get_simulation_error (page), "No workflow is open");
}

static char *
data_path (const char *name)
{
  return troupe_app_test_source_path ("tests", "data", "policy", name, NULL);
}

/* A page in a window of its own, with a document (empty, or @file). */
static TroupeTrainingPage *
page_in_window (GtkWindow      **window,
                TroupeDocument **document,
                const char      *file)
{
  GtkWidget *page = troupe_training_page_new ();

  *document = troupe_document_new ();
  if (file != NULL)
    {
      g_autofree char *path = data_path (file);
      g_autoptr(GFile) gfile = g_file_new_for_path (path);
      g_autoptr(GError) error = NULL;

      g_assert_true (troupe_document_load (*document, gfile, &error));
      g_assert_no_error (error);
    }
  troupe_training_page_set_document (TROUPE_TRAINING_PAGE (page), *document);

  *window = GTK_WINDOW (gtk_window_new ());
  g_object_ref_sink (*window);
  gtk_window_set_default_size (*window, 1100, 720);
  gtk_window_set_child (*window, page);
  gtk_window_present (*window);
  return TROUPE_TRAINING_PAGE (page);
}

static void
close_window (GtkWindow      *window,
              TroupeDocument *document)
{
  troupe_app_test_close_window (window);
  g_assert_finalize_object (document);
}

/* A trainer made as the page makes it from the same settings: MVP, hidden
 * layer of 32, learning rate 0.01, no option. */
static TroupeTrainer *
direct_trainer (guint   episodes,
                guint64 seed)
{
  TroupeOrchEnv *env = troupe_orch_env_new_mvp ();
  const guint hidden[] = { 32 };
  TroupePolicy *policy = troupe_policy_new (troupe_orch_env_get_default_input_dim (env), hidden, 1,
                                            troupe_orch_env_get_agent_names (env),
                                            TROUPE_STATE_EMBEDDING_VERSION, seed);
  TroupeTrainerOptions options;

  troupe_trainer_options_init (&options);
  options.seed = seed;
  options.learning_rate = 0.01;
  options.episodes_per_epoch = episodes;
  return troupe_trainer_new (env, policy, &options);
}

static void
assert_point (TroupeChart *chart,
              guint        series,
              guint        index,
              double       x,
              double       y)
{
  double px, py;

  g_assert_true (troupe_chart_get_point (chart, series, index, &px, &py, NULL));
  g_assert_cmpfloat (px, ==, x);
  /* Bit for bit: the engine is deterministic. */
  g_assert_cmpfloat (py, ==, y);
}

static void
test_epochs_match_trainer (void)
{
  GtkWindow *window;
  TroupeDocument *document;
  TroupeTrainingPage *page = page_in_window (&window, &document, NULL);
  g_autoptr(TroupeTrainer) trainer = direct_trainer (8, 3);
  g_autofree char *dir = troupe_app_test_make_tmp_dir ("troupe-training-XXXXXX");
  g_autofree char *csv_path = g_build_filename (dir, "stats.csv", NULL);
  g_autofree char *csv = NULL;
  g_autoptr(GError) error = NULL;
  TroupeEvaluation page_eval, direct_eval;
  double optimal, direct_optimal;
  gboolean has_optimal;
  const char *names[] = { "reward", "success", "loss", "entropy", "length" };

  g_assert_cmpint (troupe_training_page_get_state (page), ==, TROUPE_TRAINING_STATE_EMPTY);
  g_assert_false (troupe_training_page_get_evaluation (page, NULL, NULL, NULL));
  g_object_set (page, "epochs", 10, "episodes", 8, "seed", 3, NULL);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.start", NULL));
  wait_until (page, state_is, GINT_TO_POINTER (TROUPE_TRAINING_STATE_FINISHED), 30);

  /* One point per epoch in every chart, equal to a trainer run here with
   * the same seed. */
  g_assert_cmpuint (troupe_training_page_get_n_epochs (page), ==, 10);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_assert_cmpuint (troupe_chart_get_n_points (troupe_training_page_get_chart (page, names[i]), 0), ==, 10);
  g_assert_cmpuint (troupe_chart_get_n_series (troupe_training_page_get_chart (page, "choices")), ==, 2);
  g_assert_cmpstr (troupe_chart_get_series_name (troupe_training_page_get_chart (page, "choices"), 0), ==, "Agent0");
  g_assert_cmpstr (troupe_chart_get_series_name (troupe_training_page_get_chart (page, "choices"), 1), ==, "Agent1");

  for (guint e = 0; e < 10; e++)
    {
      const TroupeEpochStats *stats = troupe_trainer_run_epoch (trainer);
      double spread;

      assert_point (troupe_training_page_get_chart (page, "reward"), 0, e, stats->epoch, stats->mean_reward);
      g_assert_true (troupe_chart_get_point (troupe_training_page_get_chart (page, "reward"), 0, e, NULL, NULL, &spread));
      g_assert_cmpfloat (spread, ==, stats->std_reward);
      assert_point (troupe_training_page_get_chart (page, "success"), 0, e, stats->epoch, stats->success_rate);
      assert_point (troupe_training_page_get_chart (page, "loss"), 0, e, stats->epoch, stats->loss);
      assert_point (troupe_training_page_get_chart (page, "entropy"), 0, e, stats->epoch, stats->entropy);
      assert_point (troupe_training_page_get_chart (page, "length"), 0, e, stats->epoch, stats->mean_length);
      for (guint a = 0; a < stats->n_agents; a++)
        assert_point (troupe_training_page_get_chart (page, "choices"), a, e, stats->epoch, stats->choice_counts[a]);
    }

  /* The final evaluation is the trainer's, with the MVP's optimal value. */
  g_assert_true (troupe_training_page_get_evaluation (page, &page_eval, &optimal, &has_optimal));
  troupe_trainer_evaluate (trainer, 1000, TRUE, &direct_eval);
  g_assert_cmpfloat (page_eval.success_rate, ==, direct_eval.success_rate);
  g_assert_cmpfloat (page_eval.mean_reward, ==, direct_eval.mean_reward);
  g_assert_cmpfloat (page_eval.mean_return, ==, direct_eval.mean_return);
  g_assert_cmpfloat (page_eval.mean_length, ==, direct_eval.mean_length);
  g_assert_true (has_optimal);
  g_assert_true (troupe_orch_env_optimal_value (troupe_trainer_get_env (trainer),
                                                &troupe_trainer_get_options (trainer)->reward, &direct_optimal));
  g_assert_cmpfloat (optimal, ==, direct_optimal);

  /* The statistics export the trainer's CSV, byte for byte. */
  g_assert_true (troupe_training_page_export_statistics (page, csv_path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, &error));
  g_assert_cmpstr (csv, ==, troupe_trainer_get_csv (trainer));

  /* The reward chart shows its curve: the line's colour where the last
   * point is. */
  {
    TroupeChart *chart = troupe_training_page_get_chart (page, "reward");
    g_autoptr(GdkTexture) texture = NULL;
    double x, y, wx, wy;
    gboolean found = FALSE;

    troupe_app_test_wait_for_frames (GTK_WIDGET (chart), 200);
    texture = troupe_chart_render_texture (chart, gtk_widget_get_width (GTK_WIDGET (chart)),
                                           gtk_widget_get_height (GTK_WIDGET (chart)), NULL);
    troupe_app_test_save_png (texture, "troupe-training-reward.png");
    g_assert_true (troupe_chart_get_point (chart, 0, 9, &x, &y, NULL));
    troupe_chart_value_to_widget (chart, x, y, &wx, &wy);
    for (int dy = -2; dy <= 2 && !found; dy++)
      for (int dx = -3; dx <= 0 && !found; dx++)
        {
          guint32 p = troupe_app_test_pixel_at (texture, (int) wx + dx, (int) wy + dy);

          /* #3584e4, the mean reward's colour. */
          found = ABS ((int) ((p >> 16) & 0xff) - 0x35) < 30 && ABS ((int) ((p >> 8) & 0xff) - 0x84) < 30
                  && ABS ((int) (p & 0xff) - 0xe4) < 30;
        }
    g_assert_true (found);
  }

  /* The whole page, kept in the temporary folder for a person to look at. */
  {
    g_autoptr(GdkTexture) shot = troupe_app_test_render (GTK_WIDGET (window));

    troupe_app_test_save_png (shot, "troupe-training-page.png");
  }

  g_assert_cmpint (g_unlink (csv_path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  close_window (window, document);
}

static void
test_pause_resume_stop_reset (void)
{
  GtkWindow *window;
  TroupeDocument *document;
  TroupeTrainingPage *page = page_in_window (&window, &document, NULL);
  TroupeChart *reward = troupe_training_page_get_chart (page, "reward");
  guint paused_at;

  /* Far more epochs than the test waits for. */
  g_object_set (page, "epochs", 100000, "episodes", 32, NULL);
  troupe_app_test_wait_for_frames (GTK_WIDGET (page), 200);
  latency_start ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.start", NULL));
  g_assert_cmpint (troupe_training_page_get_state (page), ==, TROUPE_TRAINING_STATE_RUNNING);
  wait_until (page, has_epochs, GUINT_TO_POINTER (5000), 60);

  /* Pause: the thread stops after its epoch, and no epoch arrives after. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.pause", NULL));
  wait_until (page, state_is, GINT_TO_POINTER (TROUPE_TRAINING_STATE_PAUSED), 30);
  latency_stop ();
  paused_at = troupe_training_page_get_n_epochs (page);
  g_assert_cmpuint (paused_at, >=, 5000);
  g_assert_cmpuint (paused_at, <, 100000);
  troupe_app_test_run_for (150);
  g_assert_cmpuint (troupe_training_page_get_n_epochs (page), ==, paused_at);
  g_assert_cmpuint (troupe_chart_get_n_points (reward, 0), ==, paused_at);
  /* Paused: the policy can be saved, but no evaluation has run. */
  g_assert_false (troupe_training_page_get_evaluation (page, NULL, NULL, NULL));

  g_test_message ("paused after %u epochs; longest main-loop iteration while training: %.1f ms "
                  "of processor time (%.1f ms of wall-clock time on this machine)",
                  paused_at, latency.worst_cpu / 1000.0, MAX (latency.worst_gap - 5000, 0) / 1000.0);
  g_assert_cmpint (latency.worst_cpu, <, MAX_LATENCY_MS * G_TIME_SPAN_MILLISECOND);

  /* Resume: epochs arrive again, numbered on. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.start", NULL));
  wait_until (page, has_epochs, GUINT_TO_POINTER (paused_at + 50), 30);
  {
    double x;

    g_assert_true (troupe_chart_get_point (reward, 0, paused_at, &x, NULL, NULL));
    g_assert_cmpfloat (x, ==, paused_at + 1);
  }

  /* Stop: the training ends, then is evaluated. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.stop", NULL));
  wait_until (page, state_is, GINT_TO_POINTER (TROUPE_TRAINING_STATE_FINISHED), 30);
  g_assert_cmpuint (troupe_training_page_get_n_epochs (page), <, 100000);
  g_assert_cmpuint (troupe_chart_get_n_points (reward, 0), ==, troupe_training_page_get_n_epochs (page));
  g_assert_true (troupe_training_page_get_evaluation (page, NULL, NULL, NULL));

  /* Continue trains the same policy on; Stop while paused only evaluates. */
  {
    guint finished_at = troupe_training_page_get_n_epochs (page);
    guint stopped_at;

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.start", NULL));
    g_assert_false (troupe_training_page_get_evaluation (page, NULL, NULL, NULL));
    wait_until (page, has_epochs, GUINT_TO_POINTER (finished_at + 50), 30);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.pause", NULL));
    wait_until (page, state_is, GINT_TO_POINTER (TROUPE_TRAINING_STATE_PAUSED), 30);
    stopped_at = troupe_training_page_get_n_epochs (page);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.stop", NULL));
    wait_until (page, state_is, GINT_TO_POINTER (TROUPE_TRAINING_STATE_FINISHED), 30);
    g_assert_cmpuint (troupe_training_page_get_n_epochs (page), ==, stopped_at);
    g_assert_true (troupe_training_page_get_evaluation (page, NULL, NULL, NULL));
  }

  /* Reset clears the charts and forgets the policy. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.reset", NULL));
  g_assert_cmpint (troupe_training_page_get_state (page), ==, TROUPE_TRAINING_STATE_EMPTY);
  g_assert_cmpuint (troupe_training_page_get_n_epochs (page), ==, 0);
  g_assert_cmpuint (troupe_chart_get_n_points (reward, 0), ==, 0);
  g_assert_cmpuint (troupe_chart_get_n_points (troupe_training_page_get_chart (page, "loss"), 0), ==, 0);
  g_assert_cmpuint (troupe_chart_get_n_series (troupe_training_page_get_chart (page, "choices")), ==, 0);
  g_assert_false (troupe_training_page_get_evaluation (page, NULL, NULL, NULL));

  /* Reset while training lets the thread go at once. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.start", NULL));
  wait_until (page, has_epochs, GUINT_TO_POINTER (5), 30);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.reset", NULL));
  g_assert_cmpint (troupe_training_page_get_state (page), ==, TROUPE_TRAINING_STATE_EMPTY);
  g_assert_cmpuint (troupe_chart_get_n_points (reward, 0), ==, 0);
  /* Epochs the thread had queued are dropped, not charted. */
  troupe_app_test_run_for (100);
  g_assert_cmpuint (troupe_chart_get_n_points (reward, 0), ==, 0);

  close_window (window, document);
}

static void
test_save_and_load_policy (void)
{
  GtkWindow *window;
  TroupeDocument *document;
  TroupeTrainingPage *page = page_in_window (&window, &document, NULL);
  g_autofree char *dir = troupe_app_test_make_tmp_dir ("troupe-training-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "policy.json", NULL);
  g_autofree char *missing = g_build_filename (dir, "none", "policy.json", NULL);
  g_autofree char *saved = NULL;
  g_autofree char *json = NULL;
  g_autoptr(TroupePolicy) loaded = NULL;
  g_autoptr(TroupeTrainer) trainer = direct_trainer (16, 5);
  g_autoptr(GError) error = NULL;
  TroupeEvaluation page_eval, direct_eval;

  /* Nothing to save before training. */
  g_assert_false (troupe_training_page_save_policy (page, path, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);
  g_assert_nonnull (troupe_training_page_get_message (page));

  g_object_set (page, "epochs", 20, "episodes", 16, "seed", 5, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.start", NULL));
  wait_until (page, state_is, GINT_TO_POINTER (TROUPE_TRAINING_STATE_FINISHED), 30);

  /* Saved, it is the policy and the training state of a direct trainer,
   * and reads back as the policy that trainer trained. */
  g_assert_true (troupe_training_page_save_policy (page, path, &error));
  g_assert_no_error (error);
  loaded = troupe_policy_load (path, &error);
  g_assert_no_error (error);
  for (guint e = 0; e < 20; e++)
    troupe_trainer_run_epoch (trainer);
  json = troupe_trainer_to_json (trainer);
  g_assert_true (g_file_get_contents (path, &saved, NULL, NULL));
  g_assert_cmpstr (saved, ==, json);
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&saved, g_free);
  json = troupe_policy_to_json (loaded);
  saved = troupe_policy_to_json (troupe_trainer_get_policy (trainer));
  g_assert_cmpstr (saved, ==, json);

  /* A folder that does not exist: the error is shown. */
  g_assert_false (troupe_training_page_save_policy (page, missing, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  g_assert_nonnull (strstr (troupe_training_page_get_message (page), "Could not save the policy"));

  /* Loaded back, it replaces the training and evaluates as it is. */
  g_assert_true (troupe_training_page_load_policy (page, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (troupe_training_page_get_state (page), ==, TROUPE_TRAINING_STATE_EMPTY);
  g_assert_cmpuint (troupe_training_page_get_n_epochs (page), ==, 0);
  g_assert_nonnull (strstr (troupe_training_page_get_message (page), "policy.json"));
  g_assert_nonnull (strstr (troupe_training_page_get_message (page), "Agent0, Agent1"));
  g_assert_nonnull (strstr (troupe_training_page_get_message (page), "training state at epoch 20"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.evaluate", NULL));
  wait_until (page, state_is, GINT_TO_POINTER (TROUPE_TRAINING_STATE_FINISHED), 30);
  g_assert_cmpuint (troupe_training_page_get_n_epochs (page), ==, 0);
  g_assert_true (troupe_training_page_get_evaluation (page, &page_eval, NULL, NULL));
  troupe_trainer_evaluate (trainer, 1000, TRUE, &direct_eval);
  g_assert_cmpfloat (page_eval.mean_return, ==, direct_eval.mean_return);
  g_assert_cmpfloat (page_eval.success_rate, ==, direct_eval.success_rate);

  /* Continue resumes the saved training exactly: 20 more epochs there
   * are epochs 21 to 40 of the direct trainer. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.start", NULL));
  wait_until (page, state_is, GINT_TO_POINTER (TROUPE_TRAINING_STATE_FINISHED), 30);
  g_assert_cmpuint (troupe_training_page_get_n_epochs (page), ==, 20);
  g_assert_true (troupe_training_page_save_policy (page, path, &error));
  g_assert_no_error (error);
  for (guint e = 0; e < 20; e++)
    troupe_trainer_run_epoch (trainer);
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&saved, g_free);
  json = troupe_trainer_to_json (trainer);
  g_assert_true (g_file_get_contents (path, &saved, NULL, NULL));
  g_assert_cmpstr (saved, ==, json);

  /* Something that is not a policy is refused with the engine's words. */
  g_assert_true (g_file_set_contents (path, "{\"not\": \"a policy\"}", -1, NULL));
  g_assert_false (troupe_training_page_load_policy (page, path, &error));
  g_assert_error (error, TROUPE_POLICY_ERROR, TROUPE_POLICY_ERROR_INVALID);
  g_assert_cmpstr (troupe_training_page_get_message (page), ==, error->message);
  g_clear_error (&error);
  /* … and the training it would have replaced is still there. */
  g_assert_cmpuint (troupe_training_page_get_n_epochs (page), ==, 20);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  close_window (window, document);
}

static void
test_simulated_workflow (void)
{
  GtkWindow *window;
  TroupeDocument *document;
  TroupeTrainingPage *page = page_in_window (&window, &document, "chain.yaml");
  g_autofree char *dir = troupe_app_test_make_tmp_dir ("troupe-training-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "mvp.json", NULL);
  g_autoptr(GError) error = NULL;
  TroupeChart *choices = troupe_training_page_get_chart (page, "choices");
  const char *agents[] = { "architect", "engineer", "qa", "Terminator" };

  wait_until (page, can_simulate, NULL, 10);

  /* A policy trained on the MVP. */
  g_object_set (page, "epochs", 3, "episodes", 4, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.start", NULL));
  wait_until (page, state_is, GINT_TO_POINTER (TROUPE_TRAINING_STATE_FINISHED), 30);
  g_assert_true (troupe_training_page_save_policy (page, path, &error));
  g_assert_no_error (error);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.reset", NULL));

  /* The workflow's agents, simulated: a policy of other agents is refused,
   * with the engine's message, which names both pools. */
  g_object_set (page, "simulated", TRUE, NULL);
  g_assert_false (troupe_training_page_load_policy (page, path, &error));
  g_assert_error (error, TROUPE_POLICY_ERROR, TROUPE_POLICY_ERROR_MISMATCH);
  g_assert_cmpstr (troupe_training_page_get_message (page), ==, error->message);
  g_assert_nonnull (strstr (error->message, "Agent0, Agent1"));
  g_assert_nonnull (strstr (error->message, "architect, engineer, qa, Terminator"));
  g_clear_error (&error);
  g_assert_cmpint (troupe_training_page_get_state (page), ==, TROUPE_TRAINING_STATE_EMPTY);

  /* Training on it charts a layer per agent of the workflow. */
  g_object_set (page, "epochs", 5, "hidden-sizes", "16, 16", NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.start", NULL));
  wait_until (page, state_is, GINT_TO_POINTER (TROUPE_TRAINING_STATE_FINISHED), 30);
  g_assert_cmpuint (troupe_chart_get_n_series (choices), ==, G_N_ELEMENTS (agents));
  for (guint i = 0; i < G_N_ELEMENTS (agents); i++)
    {
      g_assert_cmpstr (troupe_chart_get_series_name (choices, i), ==, agents[i]);
      g_assert_cmpuint (troupe_chart_get_n_points (choices, i), ==, 5);
    }
  /* Every episode's choices are counted: the layers sum to the steps. */
  for (guint e = 0; e < 5; e++)
    {
      double upper, length;

      g_assert_true (troupe_chart_get_point (troupe_training_page_get_chart (page, "length"), 0, e,
                                             NULL, &length, NULL));
      troupe_chart_set_mode (choices, TROUPE_CHART_MODE_STACKED);
      g_assert_true (troupe_chart_get_stacked_layer (choices, 3, e, NULL, &upper));
      g_assert_cmpfloat_with_epsilon (upper, length * 4, 1e-9);
      troupe_chart_set_mode (choices, TROUPE_CHART_MODE_STACKED_SHARES);
    }

  /* Invalid hidden sizes: Start does nothing. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.reset", NULL));
  g_object_set (page, "hidden-sizes", "32,x", NULL);
  gtk_widget_activate_action (GTK_WIDGET (page), "training.start", NULL);
  g_assert_cmpint (troupe_training_page_get_state (page), ==, TROUPE_TRAINING_STATE_EMPTY);
  g_object_set (page, "hidden-sizes", "32", NULL);

  /* A workflow that cannot be simulated: the reason is the engine's, and
   * Start waits for another choice. */
  {
    g_autofree char *empty_path = g_build_filename (dir, "empty.yaml", NULL);
    g_autoptr(GFile) empty = g_file_new_for_path (empty_path);

    g_assert_true (g_file_set_contents (empty_path, "troupe: 1\nname: Empty\n", -1, NULL));
    g_assert_true (troupe_document_load (document, empty, &error));
    g_assert_no_error (error);
    wait_until (page, cannot_simulate, NULL, 10);
    g_assert_nonnull (strstr (troupe_training_page_get_simulation_error (page), "agents"));
    gtk_widget_activate_action (GTK_WIDGET (page), "training.start", NULL);
    g_assert_cmpint (troupe_training_page_get_state (page), ==, TROUPE_TRAINING_STATE_EMPTY);

    /* The MVP still trains. */
    g_object_set (page, "simulated", FALSE, "epochs", 2, NULL);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.start", NULL));
    wait_until (page, state_is, GINT_TO_POINTER (TROUPE_TRAINING_STATE_FINISHED), 30);
    g_assert_cmpuint (troupe_training_page_get_n_epochs (page), ==, 2);
    g_assert_cmpint (g_unlink (empty_path), ==, 0);
  }

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  close_window (window, document);
}

/* The real window: its Training page has the window's document, and
 * closing the window while training stops and joins the thread. */
static void
test_close_window_while_training (void)
{
  TroupeWindow *window = troupe_window_new (NULL);
  TroupeTrainingPage *page;

  g_object_ref_sink (window);
  gtk_window_present (GTK_WINDOW (window));
  page = TROUPE_TRAINING_PAGE (troupe_app_test_find_descendant (GTK_WIDGET (window),
                                                                TROUPE_TYPE_TRAINING_PAGE));
  g_assert_nonnull (page);
  g_assert_true (troupe_training_page_get_document (page) == troupe_window_get_document (window));

  /* An untitled workflow has no agents to simulate. */
  wait_until (page, cannot_simulate, NULL, 10);

  g_object_set (page, "epochs", 100000, "episodes", 32, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "training.start", NULL));
  wait_until (page, has_epochs, GUINT_TO_POINTER (20), 30);
  g_assert_cmpint (troupe_training_page_get_state (page), ==, TROUPE_TRAINING_STATE_RUNNING);

  troupe_app_test_close_window (GTK_WINDOW (window));

  /* Deliveries still queued find no page and do nothing. */
  troupe_app_test_run_for (100);
}

int
main (int   argc,
      char *argv[])
{
  troupe_app_test_init (&argc, &argv);

  g_test_add_func ("/troupe/app/training/epochs-match-trainer", test_epochs_match_trainer);
  g_test_add_func ("/troupe/app/training/pause-resume-stop-reset", test_pause_resume_stop_reset);
  g_test_add_func ("/troupe/app/training/save-and-load-policy", test_save_and_load_policy);
  g_test_add_func ("/troupe/app/training/simulated-workflow", test_simulated_workflow);
  g_test_add_func ("/troupe/app/training/close-window-while-training", test_close_window_while_training);

  return g_test_run ();
}
