/* troupe-training-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "troupe-app-resources.h"
#include "troupe-training-page.h"

#define TEMPLATE "/io/github/troupe/Troupe/ui/troupe-training-page.ui"

/* The greedy evaluation that ends a training, as `troupe train --eval`'s
 * default. */
#define EVALUATION_EPISODES 1000

/* What the training thread is asked to do, checked between epochs. */
typedef enum
{
  CONTROL_RUN,
  /* Stop after this epoch and wait to be resumed. */
  CONTROL_PAUSE,
  /* Stop after this epoch and evaluate. */
  CONTROL_STOP,
  /* Stop after this epoch; nobody wants the result (reset, page gone). */
  CONTROL_ABANDON,
} Control;

/* The statistics of one epoch, copied out of the trainer by the training
 * thread for the main thread, with its own choice counts. */
typedef struct
{
  TroupeEpochStats stats;
  guint            counts[];
} EpochCopy;

/* A training: the trainer and the thread that runs it. Reference counted
 * (g_atomic_rc_box) because the thread and the idle callbacks that bring
 * epochs to the main thread each hold it, and may outlive the page. The
 * trainer belongs to the thread while one runs, to the main thread
 * otherwise; the thread touches nothing else but the atomic control and
 * what the mutex guards. */
typedef struct
{
  TroupeTrainer      *trainer;
  GMainContext       *context;
  /* The trainer's epoch count when the job began (not 0 when it resumed
   * a saved training state); set before the thread starts. */
  guint               first_epoch;
  /* Main thread only. */
  GThread            *thread;
  TroupeTrainingPage *page;
  guint               target_epochs;
  gint                control;          /* Control, atomic */

  GMutex              mutex;
  GPtrArray          *pending;          /* EpochCopy, under the mutex */
  gboolean            delivery_queued;  /* under the mutex */
  gboolean            worker_done;      /* under the mutex */

  /* Written by the thread before it ends, read after it is joined. */
  gboolean            paused;
  gboolean            evaluated;
  gboolean            optimal_computed;
  gboolean            has_optimal;
  double              optimal;
  TroupeEvaluation    evaluation;
} TrainingJob;

typedef enum
{
  FILE_SAVE_POLICY,
  FILE_LOAD_POLICY,
  FILE_EXPORT_STATISTICS,
  FILE_EXPORT_PNG,
  FILE_EXPORT_CHART_CSV,
} FileOperation;

struct _TroupeTrainingPage
{
  AdwBin               parent_instance;

  /* template widgets */
  GtkWidget           *settings_box;
  GtkWidget           *training_group;
  GtkWidget           *options_group;
  GtkWidget           *mvp_row;
  AdwActionRow        *simulated_row;
  GtkWidget           *hidden_row;
  GtkWidget           *settings_hint;
  GtkButton           *start_button;
  GtkProgressBar      *progress_bar;
  GtkInscription      *progress_text;
  GtkWidget           *banner_box;
  GtkLabel            *banner_label;
  GtkLabel            *result_label;
  GtkStack            *content_stack;
  TroupeChart         *reward_chart;
  TroupeChart         *success_chart;
  TroupeChart         *loss_chart;
  TroupeChart         *entropy_chart;
  TroupeChart         *length_chart;
  TroupeChart         *choices_chart;

  /* owned */
  TroupeDocument      *document;
  TroupeWorkflow      *workflow;
  TrainingJob         *job;
  TroupePolicy        *loaded_policy;
  /* The loaded file's JSON and name, for the training state it may hold. */
  char                *loaded_data;
  char                *loaded_name;
  GtkNativeDialog     *file_chooser;
  char                *file_chart;
  char                *hidden_sizes;
  char                *message;
  char                *simulation_error;

  /* scalars */
  TroupeTrainingState  state;
  FileOperation        file_operation;
  guint                n_epochs;
  guint                epochs;
  guint                episodes;
  guint                seed;
  double               learning_rate;
  double               entropy_bonus;
  double               gradient_clip;
  guint                simulation_check_source;

  /* bitfields */
  guint                simulated : 1;
  guint                baseline : 1;
  guint                normalize_returns : 1;
  guint                stopping : 1;
};

G_DEFINE_ENUM_TYPE (TroupeTrainingState, troupe_training_state,
                    G_DEFINE_ENUM_VALUE (TROUPE_TRAINING_STATE_EMPTY, "empty"),
                    G_DEFINE_ENUM_VALUE (TROUPE_TRAINING_STATE_RUNNING, "running"),
                    G_DEFINE_ENUM_VALUE (TROUPE_TRAINING_STATE_PAUSED, "paused"),
                    G_DEFINE_ENUM_VALUE (TROUPE_TRAINING_STATE_FINISHED, "finished"))

G_DEFINE_FINAL_TYPE (TroupeTrainingPage, troupe_training_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DOCUMENT,
  PROP_STATE,
  PROP_SIMULATED,
  PROP_EPOCHS,
  PROP_EPISODES,
  PROP_LEARNING_RATE,
  PROP_HIDDEN_SIZES,
  PROP_SEED,
  PROP_BASELINE,
  PROP_NORMALIZE_RETURNS,
  PROP_ENTROPY_BONUS,
  PROP_GRADIENT_CLIP,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

/* The training thread's side. */

static void
training_job_clear (gpointer data)
{
  TrainingJob *job = data;

  g_assert (job->thread == NULL);
  g_clear_object (&job->trainer);
  g_clear_pointer (&job->pending, g_ptr_array_unref);
  g_main_context_unref (job->context);
  g_mutex_clear (&job->mutex);
}

static TrainingJob *
training_job_ref (TrainingJob *job)
{
  return g_atomic_rc_box_acquire (job);
}

static void
training_job_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, training_job_clear);
}

static TrainingJob *
training_job_new (TroupeTrainer *trainer)
{
  TrainingJob *job = g_atomic_rc_box_new0 (TrainingJob);

  job->trainer = trainer;
  job->context = g_main_context_ref (g_main_context_default ());
  job->pending = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&job->mutex);
  return job;
}

static gboolean deliver_cb (gpointer data);

/* With the mutex held: makes sure an idle callback will bring what is
 * pending to the main thread. One at a time, however fast epochs come,
 * and at idle priority, below input and drawing, so that a fast training
 * never starves the window. */
static void
queue_delivery_locked (TrainingJob *job)
{
  GSource *source;

  if (job->delivery_queued)
    return;

  job->delivery_queued = TRUE;
  /* An idle source attached to the main context rather than
   * g_main_context_invoke(), which would run the callback right here in
   * this thread whenever it manages to acquire the context. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (source, deliver_cb, training_job_ref (job), training_job_unref);
  g_source_set_static_name (source, "[troupe] training epochs");
  g_source_attach (source, job->context);
  g_source_unref (source);
}

static EpochCopy *
epoch_copy_new (const TroupeEpochStats *stats)
{
  EpochCopy *copy = g_malloc (sizeof (EpochCopy) + sizeof (guint) * stats->n_agents);

  copy->stats = *stats;
  memcpy (copy->counts, stats->choice_counts, sizeof (guint) * stats->n_agents);
  copy->stats.choice_counts = copy->counts;
  return copy;
}

static gpointer
training_thread (gpointer data)
{
  TrainingJob *job = data;
  int control;

  for (;;)
    {
      const TroupeEpochStats *stats;
      EpochCopy *copy;

      control = g_atomic_int_get (&job->control);
      if (control != CONTROL_RUN
          || troupe_trainer_get_n_epochs (job->trainer) - job->first_epoch >= job->target_epochs)
        break;

      stats = troupe_trainer_run_epoch (job->trainer);
      copy = epoch_copy_new (stats);

      g_mutex_lock (&job->mutex);
      g_ptr_array_add (job->pending, copy);
      queue_delivery_locked (job);
      g_mutex_unlock (&job->mutex);
    }

  /* The last control read decides, so a pause that comes just as the
   * last epoch ends does not cancel the evaluation that is due. */
  job->paused = control == CONTROL_PAUSE;
  if (control == CONTROL_RUN || control == CONTROL_STOP)
    {
      TroupeTrainer *trainer = job->trainer;

      troupe_trainer_evaluate (trainer, EVALUATION_EPISODES, TRUE, &job->evaluation);
      job->evaluated = TRUE;
      if (!job->optimal_computed)
        {
          job->has_optimal = troupe_orch_env_optimal_value (troupe_trainer_get_env (trainer),
                                                            &troupe_trainer_get_options (trainer)->reward,
                                                            &job->optimal);
          job->optimal_computed = TRUE;
        }
    }

  g_mutex_lock (&job->mutex);
  job->worker_done = TRUE;
  queue_delivery_locked (job);
  g_mutex_unlock (&job->mutex);

  training_job_unref (job);
  return NULL;
}

/* The main thread's side. */

static gboolean
is_running (TroupeTrainingPage *self)
{
  return self->job != NULL && self->job->thread != NULL;
}

static void
set_state (TroupeTrainingPage  *self,
           TroupeTrainingState  state)
{
  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
show_message (TroupeTrainingPage *self,
              const char         *message,
              gboolean            is_error)
{
  g_free (self->message);
  self->message = g_strdup (message);
  gtk_label_set_label (self->banner_label, message);
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->banner_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->banner_label), "error");
  gtk_widget_set_visible (self->banner_box, TRUE);
}

static void
hide_message (TroupeTrainingPage *self)
{
  g_clear_pointer (&self->message, g_free);
  gtk_widget_set_visible (self->banner_box, FALSE);
}

/* An error shown in the banner and, when @error is not NULL, returned. */
static gboolean
fail (TroupeTrainingPage  *self,
      GError             **error,
      GError              *local_error)
{
  show_message (self, local_error->message, TRUE);
  g_propagate_error (error, local_error);
  return FALSE;
}

static void
toast (TroupeTrainingPage *self,
       const char         *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  /* A page outside a window (tests) has nowhere to show a toast. */
  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (message));
}

static gboolean
hidden_sizes_valid (TroupeTrainingPage *self)
{
  guint hidden[TROUPE_POLICY_MAX_HIDDEN_LAYERS], n;

  return troupe_policy_parse_hidden_sizes (self->hidden_sizes != NULL ? self->hidden_sizes : "",
                                           hidden, &n);
}

static gboolean
environment_available (TroupeTrainingPage *self)
{
  return !self->simulated || self->simulation_error == NULL;
}

static void
update_actions (TroupeTrainingPage *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean running = is_running (self);
  gboolean has_job = self->job != NULL;
  gboolean can_start;

  can_start = !running && self->state != TROUPE_TRAINING_STATE_RUNNING;
  if (!has_job)
    can_start = can_start && environment_available (self)
                && (self->loaded_policy != NULL || hidden_sizes_valid (self));

  gtk_widget_action_set_enabled (widget, "training.start", can_start);
  gtk_widget_action_set_enabled (widget, "training.pause", running && !self->stopping);
  gtk_widget_action_set_enabled (widget, "training.stop",
                                 (running && !self->stopping) || self->state == TROUPE_TRAINING_STATE_PAUSED);
  gtk_widget_action_set_enabled (widget, "training.reset", has_job || self->loaded_policy != NULL);
  gtk_widget_action_set_enabled (widget, "training.evaluate",
                                 !running && (has_job || (self->loaded_policy != NULL && environment_available (self))));
  gtk_widget_action_set_enabled (widget, "training.save-policy", has_job && !running);
  gtk_widget_action_set_enabled (widget, "training.load-policy", !running);
  gtk_widget_action_set_enabled (widget, "training.export-statistics", has_job && !running && self->n_epochs > 0);

  switch (self->state)
    {
    case TROUPE_TRAINING_STATE_PAUSED:
      gtk_button_set_label (self->start_button, _("_Resume"));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->start_button), _("Continue the training"));
      break;
    case TROUPE_TRAINING_STATE_FINISHED:
      gtk_button_set_label (self->start_button, _("_Continue"));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->start_button),
                                   _("Train the same policy for as many epochs again"));
      break;
    case TROUPE_TRAINING_STATE_EMPTY:
    case TROUPE_TRAINING_STATE_RUNNING:
    default:
      gtk_button_set_label (self->start_button, _("_Start"));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->start_button),
                                   self->loaded_policy != NULL ? _("Train the loaded policy further")
                                                               : _("Train a new policy"));
      break;
    }

  /* The settings make the trainer: they are fixed while one exists. */
  gtk_widget_set_sensitive (self->settings_box, !has_job);
  gtk_widget_set_visible (self->settings_hint, has_job);
  gtk_widget_set_sensitive (self->hidden_row, self->loaded_policy == NULL);
  if (hidden_sizes_valid (self))
    gtk_widget_remove_css_class (self->hidden_row, "error");
  else
    gtk_widget_add_css_class (self->hidden_row, "error");
}

static void
update_progress (TroupeTrainingPage *self)
{
  g_autofree char *text = NULL;
  guint target = self->job != NULL ? self->job->target_epochs : 0;

  if (self->job == NULL)
    text = g_strdup (self->loaded_policy != NULL ? _("Loaded policy: not trained here yet") : _("Not started"));
  else if (self->state == TROUPE_TRAINING_STATE_PAUSED)
    text = g_strdup_printf (_("Paused at epoch %u of %u"), self->n_epochs, target);
  else if (self->state == TROUPE_TRAINING_STATE_FINISHED)
    text = g_strdup_printf (ngettext ("Finished: %u epoch", "Finished: %u epochs", self->n_epochs),
                            self->n_epochs);
  else if (self->stopping || self->n_epochs >= target)
    text = g_strdup_printf (_("Epoch %u of %u: evaluating"), self->n_epochs, target);
  else
    text = g_strdup_printf (_("Epoch %u of %u"), self->n_epochs, target);

  gtk_inscription_set_text (self->progress_text, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->progress_bar),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT, text, -1);
  gtk_progress_bar_set_fraction (self->progress_bar,
                                 target > 0 ? MIN (1.0, (double) self->n_epochs / target) : 0.0);
}

static void
clear_charts (TroupeTrainingPage *self)
{
  troupe_chart_clear (self->reward_chart);
  troupe_chart_clear (self->success_chart);
  troupe_chart_clear (self->loss_chart);
  troupe_chart_clear (self->entropy_chart);
  troupe_chart_clear (self->length_chart);
  troupe_chart_remove_all_series (self->choices_chart);
  self->n_epochs = 0;
}

static void
add_epoch (TroupeTrainingPage     *self,
           const TroupeEpochStats *stats)
{
  double x = stats->epoch;

  troupe_chart_append_with_spread (self->reward_chart, 0, x, stats->mean_reward, stats->std_reward);
  troupe_chart_append (self->success_chart, 0, x, stats->success_rate);
  troupe_chart_append (self->loss_chart, 0, x, stats->loss);
  troupe_chart_append (self->entropy_chart, 0, x, stats->entropy);
  troupe_chart_append (self->length_chart, 0, x, stats->mean_length);
  for (guint i = 0; i < stats->n_agents && i < troupe_chart_get_n_series (self->choices_chart); i++)
    troupe_chart_append (self->choices_chart, i, x, stats->choice_counts[i]);
  self->n_epochs++;
}

static void
show_evaluation (TroupeTrainingPage *self)
{
  const TrainingJob *job = self->job;
  g_autofree char *text = NULL;
  g_autofree char *optimal = NULL;

  if (job->has_optimal)
    optimal = g_strdup_printf (_("Optimal expected discounted return (value iteration): %.4f."), job->optimal);
  else
    optimal = g_strdup (_("Optimal expected discounted return: unknown (too many steps for value iteration)."));

  /* The same figures as `troupe train` prints. */
  text = g_strdup_printf (_("Greedy evaluation over %d episodes: success rate %.4f, mean reward %.4f, "
                            "mean discounted return %.4f, mean length %.2f. %s"),
                          EVALUATION_EPISODES, job->evaluation.success_rate, job->evaluation.mean_reward,
                          job->evaluation.mean_return, job->evaluation.mean_length, optimal);
  gtk_label_set_label (self->result_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->result_label), TRUE);
}

static void
worker_finished (TroupeTrainingPage *self)
{
  TrainingJob *job = self->job;

  self->stopping = FALSE;
  if (job->paused)
    set_state (self, TROUPE_TRAINING_STATE_PAUSED);
  else
    {
      set_state (self, TROUPE_TRAINING_STATE_FINISHED);
      if (job->evaluated)
        show_evaluation (self);
    }

  update_progress (self);
  update_actions (self);
}

static gboolean
deliver_cb (gpointer data)
{
  TrainingJob *job = data;
  TroupeTrainingPage *self = job->page;
  g_autoptr(GPtrArray) batch = NULL;
  gboolean done;

  g_mutex_lock (&job->mutex);
  batch = g_steal_pointer (&job->pending);
  job->pending = g_ptr_array_new_with_free_func (g_free);
  job->delivery_queued = FALSE;
  done = job->worker_done;
  g_mutex_unlock (&job->mutex);

  /* A training that was reset, or whose page is gone, has no one to
   * tell; its thread was joined by whoever let it go. */
  if (self == NULL || self->job != job)
    return G_SOURCE_REMOVE;

  for (guint i = 0; i < batch->len; i++)
    add_epoch (self, &((EpochCopy *) g_ptr_array_index (batch, i))->stats);
  if (batch->len > 0)
    update_progress (self);

  if (done && job->thread != NULL)
    {
      g_thread_join (job->thread);
      job->thread = NULL;
      worker_finished (self);
    }

  return G_SOURCE_REMOVE;
}

static gboolean
start_worker (TroupeTrainingPage  *self,
              Control              control,
              GError             **error)
{
  TrainingJob *job = self->job;
  g_autoptr(GError) local_error = NULL;

  g_assert (job != NULL);
  g_assert (job->thread == NULL);

  g_atomic_int_set (&job->control, control);
  g_mutex_lock (&job->mutex);
  job->worker_done = FALSE;
  g_mutex_unlock (&job->mutex);
  job->paused = FALSE;
  job->evaluated = FALSE;

  job->thread = g_thread_try_new ("troupe-training", training_thread, training_job_ref (job), &local_error);
  if (job->thread == NULL)
    {
      training_job_unref (job);
      return fail (self, error, g_steal_pointer (&local_error));
    }

  self->stopping = control != CONTROL_RUN;
  gtk_widget_set_visible (GTK_WIDGET (self->result_label), FALSE);
  set_state (self, TROUPE_TRAINING_STATE_RUNNING);
  update_progress (self);
  update_actions (self);
  return TRUE;
}

/* Lets go of the training at once: asks its thread to stop after the
 * epoch it is in and waits for it (an epoch takes milliseconds), so that
 * nothing runs on once the page is reset or gone. */
static void
abandon_job (TroupeTrainingPage *self)
{
  TrainingJob *job = g_steal_pointer (&self->job);

  if (job == NULL)
    return;

  job->page = NULL;
  if (job->thread != NULL)
    {
      g_atomic_int_set (&job->control, CONTROL_ABANDON);
      g_thread_join (job->thread);
      job->thread = NULL;
    }
  training_job_unref (job);
  self->stopping = FALSE;
}

static TroupeOrchEnv *
new_env (TroupeTrainingPage  *self,
         GError             **error)
{
  if (!self->simulated)
    return troupe_orch_env_new_mvp ();

  if (self->document == NULL)
    {
      g_set_error_literal (error, TROUPE_ORCHESTRATION_ERROR, TROUPE_ORCHESTRATION_ERROR_UNSUPPORTED,
                           _("No workflow is open to simulate; open one, or train on the seed’s MVP"));
      return NULL;
    }

  return troupe_orch_env_new_simulated (troupe_document_get_workflow (self->document), error);
}

/* A trainer from the settings, for the loaded policy when there is one. */
static TrainingJob *
create_job (TroupeTrainingPage  *self,
            GError             **error)
{
  TroupeOrchEnv *env;
  TroupePolicy *policy = NULL;
  TroupeTrainerOptions options;
  TroupeTrainer *trainer;
  TrainingJob *job;
  const char * const *names;

  env = new_env (self, error);
  if (env == NULL)
    return NULL;

  troupe_trainer_options_init (&options);
  options.seed = self->seed;
  options.learning_rate = self->learning_rate;
  options.episodes_per_epoch = self->episodes;
  options.baseline = self->baseline;
  options.normalize_returns = self->normalize_returns;
  options.entropy_coef = self->entropy_bonus;
  options.max_grad_norm = self->gradient_clip;

  if (self->loaded_policy != NULL)
    {
      /* The file again rather than the policy read from it: a training
       * state saved with it continues exactly, with its own settings. */
      trainer = troupe_trainer_new_resume (env, self->loaded_data, self->loaded_name, &options, error);
      if (trainer == NULL)
        return NULL;
      g_clear_pointer (&self->loaded_policy, troupe_policy_free);
      g_clear_pointer (&self->loaded_data, g_free);
      g_clear_pointer (&self->loaded_name, g_free);
    }
  else
    {
      guint hidden[TROUPE_POLICY_MAX_HIDDEN_LAYERS], n_hidden;

      if (!troupe_policy_parse_hidden_sizes (self->hidden_sizes != NULL ? self->hidden_sizes : "",
                                             hidden, &n_hidden))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("The hidden layers “%s” are not a list of sizes 1 to 4096 such as 32,32 "
                         "(at most %d layers)"),
                       self->hidden_sizes, TROUPE_POLICY_MAX_HIDDEN_LAYERS);
          troupe_orch_env_free (env);
          return NULL;
        }

      /* As `troupe train` makes it, so the same settings give the same
       * policy in both. */
      policy = troupe_policy_new (troupe_orch_env_get_default_input_dim (env), hidden, n_hidden,
                                  troupe_orch_env_get_agent_names (env),
                                  TROUPE_STATE_EMBEDDING_VERSION, self->seed);
      trainer = troupe_trainer_new (env, policy, &options);
    }

  job = training_job_new (trainer);
  job->page = self;
  job->first_epoch = troupe_trainer_get_n_epochs (trainer);

  clear_charts (self);
  names = troupe_orch_env_get_agent_names (env);
  for (guint i = 0; names[i] != NULL; i++)
    troupe_chart_add_series (self->choices_chart, names[i], NULL);
  gtk_stack_set_visible_child_name (self->content_stack, "charts");

  return job;
}

/* Makes the training job from the settings unless there is one; a
 * failure is shown on the page. */
static gboolean
ensure_job (TroupeTrainingPage *self)
{
  g_autoptr(GError) error = NULL;

  if (self->job != NULL)
    return TRUE;
  self->job = create_job (self, &error);
  if (self->job == NULL)
    {
      fail (self, NULL, g_steal_pointer (&error));
      return FALSE;
    }
  return TRUE;
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  TroupeTrainingPage *self = TROUPE_TRAINING_PAGE (widget);

  if (is_running (self))
    return;

  if (self->job == NULL)
    {
      if (!ensure_job (self))
        return;
      self->job->target_epochs = self->epochs;
    }
  else if (self->state == TROUPE_TRAINING_STATE_FINISHED)
    self->job->target_epochs = self->n_epochs + self->epochs;

  /* What the banner said (an error, the loaded policy) is past now. */
  if (start_worker (self, CONTROL_RUN, NULL))
    hide_message (self);
}

static void
pause_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  TroupeTrainingPage *self = TROUPE_TRAINING_PAGE (widget);

  if (!is_running (self))
    return;

  g_atomic_int_set (&self->job->control, CONTROL_PAUSE);
  self->stopping = TRUE;
  update_actions (self);
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TroupeTrainingPage *self = TROUPE_TRAINING_PAGE (widget);

  if (is_running (self))
    {
      g_atomic_int_set (&self->job->control, CONTROL_STOP);
      self->stopping = TRUE;
      update_progress (self);
      update_actions (self);
    }
  else if (self->job != NULL && self->state == TROUPE_TRAINING_STATE_PAUSED)
    {
      /* Nothing to interrupt: a thread only evaluates. */
      self->job->target_epochs = self->n_epochs;
      start_worker (self, CONTROL_STOP, NULL);
    }
}

static void
reset (TroupeTrainingPage *self)
{
  abandon_job (self);
  g_clear_pointer (&self->loaded_policy, troupe_policy_free);
  g_clear_pointer (&self->loaded_data, g_free);
  g_clear_pointer (&self->loaded_name, g_free);
  clear_charts (self);
  gtk_widget_set_visible (GTK_WIDGET (self->result_label), FALSE);
  gtk_stack_set_visible_child_name (self->content_stack, "empty");
  set_state (self, TROUPE_TRAINING_STATE_EMPTY);
  update_progress (self);
  update_actions (self);
}

static void
reset_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  TroupeTrainingPage *self = TROUPE_TRAINING_PAGE (widget);

  hide_message (self);
  reset (self);
}

static void
evaluate_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  TroupeTrainingPage *self = TROUPE_TRAINING_PAGE (widget);

  if (is_running (self) || !ensure_job (self))
    return;

  /* No epoch to run: the thread goes straight to the evaluation. */
  self->job->target_epochs = self->n_epochs;
  start_worker (self, CONTROL_RUN, NULL);
}

static void
dismiss_message_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  hide_message (TROUPE_TRAINING_PAGE (widget));
}

static TroupeChart *
chart_by_name (TroupeTrainingPage *self,
               const char         *name)
{
  if (g_strcmp0 (name, "reward") == 0)
    return self->reward_chart;
  if (g_strcmp0 (name, "success") == 0)
    return self->success_chart;
  if (g_strcmp0 (name, "loss") == 0)
    return self->loss_chart;
  if (g_strcmp0 (name, "entropy") == 0)
    return self->entropy_chart;
  if (g_strcmp0 (name, "length") == 0)
    return self->length_chart;
  if (g_strcmp0 (name, "choices") == 0)
    return self->choices_chart;
  return NULL;
}

static gboolean
export_chart (TroupeTrainingPage  *self,
              const char          *name,
              const char          *path,
              gboolean             png,
              GError             **error)
{
  TroupeChart *chart = chart_by_name (self, name);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *csv = NULL;

  g_return_val_if_fail (chart != NULL, FALSE);

  if (png)
    {
      /* As large as on screen, and never smaller than a useful picture. */
      int width = MAX (gtk_widget_get_width (GTK_WIDGET (chart)), 640);
      int height = MAX (gtk_widget_get_height (GTK_WIDGET (chart)), 400);

      if (troupe_chart_save_png (chart, path, width, height, &local_error))
        return TRUE;
    }
  else
    {
      csv = troupe_chart_to_csv (chart);
      if (g_file_set_contents (path, csv, -1, &local_error))
        return TRUE;
    }

  g_prefix_error (&local_error, _("Could not export the chart: "));
  return fail (self, error, g_steal_pointer (&local_error));
}

static void
file_response_cb (GtkNativeDialog    *dialog,
                  int                 response,
                  TroupeTrainingPage *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  g_autofree char *done = NULL;
  gboolean ok = FALSE;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  g_clear_object (&self->file_chooser);
  if (file == NULL)
    return;

  path = g_file_get_path (file);
  if (path == NULL)
    {
      show_message (self, _("Choose a file on this computer: the file chooser gave one without a local path"), TRUE);
      return;
    }
  name = g_file_get_basename (file);

  switch (self->file_operation)
    {
    case FILE_SAVE_POLICY:
      ok = troupe_training_page_save_policy (self, path, NULL);
      done = g_strdup_printf (_("Saved the policy as “%s”"), name);
      break;
    case FILE_LOAD_POLICY:
      ok = troupe_training_page_load_policy (self, path, NULL);
      break;
    case FILE_EXPORT_STATISTICS:
      ok = troupe_training_page_export_statistics (self, path, NULL);
      done = g_strdup_printf (_("Exported the statistics as “%s”"), name);
      break;
    case FILE_EXPORT_PNG:
    case FILE_EXPORT_CHART_CSV:
      ok = export_chart (self, self->file_chart, path, self->file_operation == FILE_EXPORT_PNG, NULL);
      done = g_strdup_printf (_("Exported the chart as “%s”"), name);
      break;
    default:
      g_assert_not_reached ();
    }

  if (ok && done != NULL)
    toast (self, done);
}

static void
choose_file (TroupeTrainingPage *self,
             FileOperation       operation,
             const char         *chart)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  gboolean save = operation != FILE_LOAD_POLICY;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *suggested = NULL;
  const char *title;
  GtkFileChooserNative *native;

  switch (operation)
    {
    case FILE_SAVE_POLICY:
      title = _("Save Policy");
      suggested = g_strdup ("policy.json");
      gtk_file_filter_set_name (filter, _("Policies (JSON)"));
      gtk_file_filter_add_suffix (filter, "json");
      break;
    case FILE_LOAD_POLICY:
      title = _("Load Policy");
      gtk_file_filter_set_name (filter, _("Policies (JSON)"));
      gtk_file_filter_add_suffix (filter, "json");
      break;
    case FILE_EXPORT_STATISTICS:
      title = _("Export Statistics");
      suggested = g_strdup ("training.csv");
      gtk_file_filter_set_name (filter, _("CSV Files"));
      gtk_file_filter_add_suffix (filter, "csv");
      break;
    case FILE_EXPORT_PNG:
      title = _("Export Chart as PNG");
      suggested = g_strdup_printf ("%s.png", chart);
      gtk_file_filter_set_name (filter, _("PNG Images"));
      gtk_file_filter_add_mime_type (filter, "image/png");
      break;
    case FILE_EXPORT_CHART_CSV:
    default:
      title = _("Export Chart Data");
      suggested = g_strdup_printf ("%s.csv", chart);
      gtk_file_filter_set_name (filter, _("CSV Files"));
      gtk_file_filter_add_suffix (filter, "csv");
      break;
    }

  if (self->file_chooser != NULL)
    gtk_native_dialog_destroy (self->file_chooser);
  g_clear_object (&self->file_chooser);

  native = gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        save ? GTK_FILE_CHOOSER_ACTION_SAVE : GTK_FILE_CHOOSER_ACTION_OPEN,
                                        save ? _("_Save") : _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  if (suggested != NULL)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), suggested);

  self->file_operation = operation;
  g_free (self->file_chart);
  self->file_chart = g_strdup (chart);
  self->file_chooser = GTK_NATIVE_DIALOG (native);
  g_signal_connect (native, "response", G_CALLBACK (file_response_cb), self);
  gtk_native_dialog_show (self->file_chooser);
}

static void
save_policy_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  choose_file (TROUPE_TRAINING_PAGE (widget), FILE_SAVE_POLICY, NULL);
}

static void
load_policy_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  choose_file (TROUPE_TRAINING_PAGE (widget), FILE_LOAD_POLICY, NULL);
}

static void
export_statistics_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  choose_file (TROUPE_TRAINING_PAGE (widget), FILE_EXPORT_STATISTICS, NULL);
}

static void
export_chart_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TroupeTrainingPage *self = TROUPE_TRAINING_PAGE (widget);
  const char *name = g_variant_get_string (parameter, NULL);

  if (chart_by_name (self, name) == NULL)
    return;
  choose_file (self, g_str_equal (action_name, "training.export-png") ? FILE_EXPORT_PNG : FILE_EXPORT_CHART_CSV,
               name);
}

/* Whether the open workflow can be simulated is checked when it changes
 * (once the main loop is idle, so a burst of edits costs one check); the
 * environment row then says why not, in the engine's words. */
static gboolean
check_simulation_cb (gpointer data)
{
  TroupeTrainingPage *self = data;
  g_autoptr(GError) error = NULL;
  TroupeOrchEnv *env = NULL;

  self->simulation_check_source = 0;
  g_clear_pointer (&self->simulation_error, g_free);

  if (self->document == NULL)
    self->simulation_error = g_strdup (_("No workflow is open"));
  else
    {
      env = troupe_orch_env_new_simulated (troupe_document_get_workflow (self->document), &error);
      if (env == NULL)
        self->simulation_error = g_strdup (error->message);
    }

  if (env != NULL)
    {
      g_autofree char *agents = g_strjoinv (", ", (char **) troupe_orch_env_get_agent_names (env));
      g_autofree char *subtitle = g_strdup_printf (_("Agents %s; %u steps at most"),
                                                   agents, troupe_orch_env_get_max_steps (env));

      adw_action_row_set_subtitle (self->simulated_row, subtitle);
      troupe_orch_env_free (env);
    }
  else
    adw_action_row_set_subtitle (self->simulated_row, self->simulation_error);
  /* The choice is kept when the row is disabled: Start waits until the
   * workflow can be simulated again, or the MVP is chosen. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->simulated_row), env != NULL);

  update_actions (self);
  return G_SOURCE_REMOVE;
}

static void
queue_simulation_check (TroupeTrainingPage *self)
{
  if (self->simulation_check_source == 0)
    self->simulation_check_source = g_idle_add (check_simulation_cb, self);
}

static void
set_workflow (TroupeTrainingPage *self,
              TroupeWorkflow     *workflow)
{
  if (self->workflow == workflow)
    return;

  if (self->workflow != NULL)
    g_signal_handlers_disconnect_by_data (self->workflow, self);
  g_set_object (&self->workflow, workflow);
  if (self->workflow != NULL)
    g_signal_connect_swapped (self->workflow, "changed", G_CALLBACK (queue_simulation_check), self);
  queue_simulation_check (self);
}

static void
workflow_replaced_cb (TroupeTrainingPage *self)
{
  set_workflow (self, troupe_document_get_workflow (self->document));
}

static void
troupe_training_page_dispose (GObject *object)
{
  TroupeTrainingPage *self = TROUPE_TRAINING_PAGE (object);

  /* The thread must be gone before anything it could reach is. */
  abandon_job (self);

  if (self->file_chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->file_chooser, self);
      gtk_native_dialog_destroy (self->file_chooser);
    }
  g_clear_object (&self->file_chooser);
  g_clear_handle_id (&self->simulation_check_source, g_source_remove);
  set_workflow (self, NULL);
  g_clear_handle_id (&self->simulation_check_source, g_source_remove);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);

  gtk_widget_dispose_template (GTK_WIDGET (self), TROUPE_TYPE_TRAINING_PAGE);

  G_OBJECT_CLASS (troupe_training_page_parent_class)->dispose (object);
}

static void
troupe_training_page_finalize (GObject *object)
{
  TroupeTrainingPage *self = TROUPE_TRAINING_PAGE (object);

  g_clear_pointer (&self->loaded_policy, troupe_policy_free);
  g_clear_pointer (&self->loaded_data, g_free);
  g_clear_pointer (&self->loaded_name, g_free);
  g_clear_pointer (&self->file_chart, g_free);
  g_clear_pointer (&self->hidden_sizes, g_free);
  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->simulation_error, g_free);

  G_OBJECT_CLASS (troupe_training_page_parent_class)->finalize (object);
}

static void
troupe_training_page_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TroupeTrainingPage *self = TROUPE_TRAINING_PAGE (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, self->document);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_SIMULATED:
      g_value_set_boolean (value, self->simulated);
      break;
    case PROP_EPOCHS:
      g_value_set_uint (value, self->epochs);
      break;
    case PROP_EPISODES:
      g_value_set_uint (value, self->episodes);
      break;
    case PROP_LEARNING_RATE:
      g_value_set_double (value, self->learning_rate);
      break;
    case PROP_HIDDEN_SIZES:
      g_value_set_string (value, self->hidden_sizes);
      break;
    case PROP_SEED:
      g_value_set_uint (value, self->seed);
      break;
    case PROP_BASELINE:
      g_value_set_boolean (value, self->baseline);
      break;
    case PROP_NORMALIZE_RETURNS:
      g_value_set_boolean (value, self->normalize_returns);
      break;
    case PROP_ENTROPY_BONUS:
      g_value_set_double (value, self->entropy_bonus);
      break;
    case PROP_GRADIENT_CLIP:
      g_value_set_double (value, self->gradient_clip);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define SET_SCALAR(field, getter)                                          \
  G_STMT_START {                                                           \
    if (self->field != getter (value))                                     \
      {                                                                    \
        self->field = getter (value);                                      \
        g_object_notify_by_pspec (object, pspec);                          \
      }                                                                    \
  } G_STMT_END

static void
troupe_training_page_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  TroupeTrainingPage *self = TROUPE_TRAINING_PAGE (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      troupe_training_page_set_document (self, g_value_get_object (value));
      break;
    case PROP_SIMULATED:
      SET_SCALAR (simulated, g_value_get_boolean);
      update_actions (self);
      break;
    case PROP_EPOCHS:
      SET_SCALAR (epochs, g_value_get_uint);
      break;
    case PROP_EPISODES:
      SET_SCALAR (episodes, g_value_get_uint);
      break;
    case PROP_LEARNING_RATE:
      SET_SCALAR (learning_rate, g_value_get_double);
      break;
    case PROP_HIDDEN_SIZES:
      if (g_strcmp0 (self->hidden_sizes, g_value_get_string (value)) != 0)
        {
          g_free (self->hidden_sizes);
          self->hidden_sizes = g_value_dup_string (value);
          g_object_notify_by_pspec (object, pspec);
          update_actions (self);
        }
      break;
    case PROP_SEED:
      SET_SCALAR (seed, g_value_get_uint);
      break;
    case PROP_BASELINE:
      SET_SCALAR (baseline, g_value_get_boolean);
      break;
    case PROP_NORMALIZE_RETURNS:
      SET_SCALAR (normalize_returns, g_value_get_boolean);
      break;
    case PROP_ENTROPY_BONUS:
      SET_SCALAR (entropy_bonus, g_value_get_double);
      break;
    case PROP_GRADIENT_CLIP:
      SET_SCALAR (gradient_clip, g_value_get_double);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#undef SET_SCALAR

static void
troupe_training_page_class_init (TroupeTrainingPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = troupe_training_page_dispose;
  object_class->finalize = troupe_training_page_finalize;
  object_class->get_property = troupe_training_page_get_property;
  object_class->set_property = troupe_training_page_set_property;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, TROUPE_TYPE_DOCUMENT, flags);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, TROUPE_TYPE_TRAINING_STATE, TROUPE_TRAINING_STATE_EMPTY,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* The settings, with `troupe train`'s defaults. */
  properties[PROP_SIMULATED] =
    g_param_spec_boolean ("simulated", NULL, NULL, FALSE, flags);
  properties[PROP_EPOCHS] =
    g_param_spec_uint ("epochs", NULL, NULL, 1, 100000, 100, flags);
  properties[PROP_EPISODES] =
    g_param_spec_uint ("episodes", NULL, NULL, 1, 4096, 32, flags);
  properties[PROP_LEARNING_RATE] =
    g_param_spec_double ("learning-rate", NULL, NULL, 1e-6, 10.0, 0.01, flags);
  properties[PROP_HIDDEN_SIZES] =
    g_param_spec_string ("hidden-sizes", NULL, NULL, "32", flags);
  properties[PROP_SEED] =
    g_param_spec_uint ("seed", NULL, NULL, 0, G_MAXINT, 1, flags);
  properties[PROP_BASELINE] =
    g_param_spec_boolean ("baseline", NULL, NULL, FALSE, flags);
  properties[PROP_NORMALIZE_RETURNS] =
    g_param_spec_boolean ("normalize-returns", NULL, NULL, FALSE, flags);
  properties[PROP_ENTROPY_BONUS] =
    g_param_spec_double ("entropy-bonus", NULL, NULL, 0.0, 10.0, 0.0, flags);
  properties[PROP_GRADIENT_CLIP] =
    g_param_spec_double ("gradient-clip", NULL, NULL, 0.0, 1000.0, 0.0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  troupe_app_ensure_resources ();

  g_type_ensure (TROUPE_TYPE_CHART);
  gtk_widget_class_set_template_from_resource (widget_class, TEMPLATE);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, settings_box);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, training_group);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, options_group);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, mvp_row);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, simulated_row);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, hidden_row);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, settings_hint);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, start_button);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, progress_text);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, banner_box);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, banner_label);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, result_label);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, content_stack);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, reward_chart);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, success_chart);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, loss_chart);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, entropy_chart);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, length_chart);
  gtk_widget_class_bind_template_child (widget_class, TroupeTrainingPage, choices_chart);

  gtk_widget_class_install_action (widget_class, "training.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "training.pause", NULL, pause_action);
  gtk_widget_class_install_action (widget_class, "training.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "training.reset", NULL, reset_action);
  gtk_widget_class_install_action (widget_class, "training.evaluate", NULL, evaluate_action);
  gtk_widget_class_install_action (widget_class, "training.save-policy", NULL, save_policy_action);
  gtk_widget_class_install_action (widget_class, "training.load-policy", NULL, load_policy_action);
  gtk_widget_class_install_action (widget_class, "training.export-statistics", NULL, export_statistics_action);
  gtk_widget_class_install_action (widget_class, "training.export-png", "s", export_chart_action);
  gtk_widget_class_install_action (widget_class, "training.export-chart-csv", "s", export_chart_action);
  gtk_widget_class_install_action (widget_class, "training.dismiss-message", NULL, dismiss_message_action);
}

static void
troupe_training_page_init (TroupeTrainingPage *self)
{
  GdkRGBA color;

  /* The defaults, before the template binds the controls to them. */
  self->epochs = 100;
  self->episodes = 32;
  self->learning_rate = 0.01;
  self->hidden_sizes = g_strdup ("32");
  self->seed = 1;

  gtk_widget_init_template (GTK_WIDGET (self));

  gdk_rgba_parse (&color, "#3584e4");
  troupe_chart_add_series (self->reward_chart, _("Mean reward"), &color);
  gdk_rgba_parse (&color, "#2ec27e");
  troupe_chart_add_series (self->success_chart, _("Success rate"), &color);
  troupe_chart_set_y_range (self->success_chart, 0.0, 1.0);
  gdk_rgba_parse (&color, "#e66100");
  troupe_chart_add_series (self->loss_chart, _("Loss"), &color);
  gdk_rgba_parse (&color, "#9141ac");
  troupe_chart_add_series (self->entropy_chart, _("Entropy"), &color);
  gdk_rgba_parse (&color, "#986a44");
  troupe_chart_add_series (self->length_chart, _("Episode length"), &color);

  self->simulation_error = g_strdup (_("No workflow is open"));
  adw_action_row_set_subtitle (self->simulated_row, self->simulation_error);
  gtk_stack_set_visible_child_name (self->content_stack, "empty");
  update_progress (self);
  update_actions (self);
}

GtkWidget *
troupe_training_page_new (void)
{
  return g_object_new (TROUPE_TYPE_TRAINING_PAGE, NULL);
}

TroupeDocument *
troupe_training_page_get_document (TroupeTrainingPage *self)
{
  g_return_val_if_fail (TROUPE_IS_TRAINING_PAGE (self), NULL);
  return self->document;
}

void
troupe_training_page_set_document (TroupeTrainingPage *self,
                                   TroupeDocument     *document)
{
  g_return_if_fail (TROUPE_IS_TRAINING_PAGE (self));
  g_return_if_fail (document == NULL || TROUPE_IS_DOCUMENT (document));

  if (self->document == document)
    return;

  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_set_object (&self->document, document);
  if (self->document != NULL)
    g_signal_connect_swapped (self->document, "notify::workflow", G_CALLBACK (workflow_replaced_cb), self);

  set_workflow (self, document != NULL ? troupe_document_get_workflow (document) : NULL);
  queue_simulation_check (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}

TroupeTrainingState
troupe_training_page_get_state (TroupeTrainingPage *self)
{
  g_return_val_if_fail (TROUPE_IS_TRAINING_PAGE (self), TROUPE_TRAINING_STATE_EMPTY);
  return self->state;
}

guint
troupe_training_page_get_n_epochs (TroupeTrainingPage *self)
{
  g_return_val_if_fail (TROUPE_IS_TRAINING_PAGE (self), 0);
  return self->n_epochs;
}

TroupeChart *
troupe_training_page_get_chart (TroupeTrainingPage *self,
                                const char         *name)
{
  g_return_val_if_fail (TROUPE_IS_TRAINING_PAGE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return chart_by_name (self, name);
}

const char *
troupe_training_page_get_message (TroupeTrainingPage *self)
{
  g_return_val_if_fail (TROUPE_IS_TRAINING_PAGE (self), NULL);
  return self->message;
}

const char *
troupe_training_page_get_simulation_error (TroupeTrainingPage *self)
{
  g_return_val_if_fail (TROUPE_IS_TRAINING_PAGE (self), NULL);
  return self->simulation_error;
}

gboolean
troupe_training_page_get_evaluation (TroupeTrainingPage *self,
                                     TroupeEvaluation   *evaluation,
                                     double             *optimal,
                                     gboolean           *has_optimal)
{
  g_return_val_if_fail (TROUPE_IS_TRAINING_PAGE (self), FALSE);

  if (self->job == NULL || is_running (self) || !self->job->evaluated)
    return FALSE;

  if (evaluation != NULL)
    *evaluation = self->job->evaluation;
  if (optimal != NULL)
    *optimal = self->job->has_optimal ? self->job->optimal : 0.0;
  if (has_optimal != NULL)
    *has_optimal = self->job->has_optimal;
  return TRUE;
}

gboolean
troupe_training_page_save_policy (TroupeTrainingPage  *self,
                                  const char          *path,
                                  GError             **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (TROUPE_IS_TRAINING_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->job == NULL || is_running (self))
    {
      g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           self->job == NULL ? _("There is no policy to save yet: train one first")
                                             : _("Pause or stop the training before saving the policy"));
      return fail (self, error, g_steal_pointer (&local_error));
    }

  /* The policy with its training state, so Load Policy… can continue it
   * exactly; troupe_trainer_save() writes through g_file_set_contents(),
   * which replaces the file atomically. */
  if (!troupe_trainer_save (self->job->trainer, path, &local_error))
    {
      g_prefix_error (&local_error, _("Could not save the policy: "));
      return fail (self, error, g_steal_pointer (&local_error));
    }

  return TRUE;
}

gboolean
troupe_training_page_load_policy (TroupeTrainingPage  *self,
                                  const char          *path,
                                  GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TroupePolicy) policy = NULL;
  g_autoptr(TroupeOrchEnv) env = NULL;
  g_autofree char *name = NULL;
  g_autofree char *agents = NULL;
  g_autoptr(GString) layers = g_string_new (NULL);
  g_autofree char *text = NULL;
  g_autofree char *data = NULL;
  const guint *sizes;
  guint n_sizes, saved_epochs;

  g_return_val_if_fail (TROUPE_IS_TRAINING_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  name = g_path_get_basename (path);
  if (is_running (self))
    {
      g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _("Pause or stop the training before loading a policy"));
      return fail (self, error, g_steal_pointer (&local_error));
    }

  if (g_file_get_contents (path, &data, NULL, &local_error))
    policy = troupe_policy_load (path, &local_error);
  if (policy != NULL)
    env = new_env (self, &local_error);
  if (env != NULL)
    troupe_orch_env_check_policy (env, policy, &local_error);
  if (local_error != NULL)
    {
      g_prefix_error (&local_error, _("Could not use the policy “%s”: "), name);
      return fail (self, error, g_steal_pointer (&local_error));
    }

  reset (self);
  self->loaded_policy = g_steal_pointer (&policy);
  self->loaded_data = g_steal_pointer (&data);
  self->loaded_name = g_strdup (path);

  sizes = troupe_policy_get_layer_sizes (self->loaded_policy, &n_sizes);
  for (guint i = 0; i < n_sizes; i++)
    g_string_append_printf (layers, i == 0 ? "%u" : " → %u", sizes[i]);
  agents = g_strjoinv (", ", (char **) troupe_policy_get_agents (self->loaded_policy));
  if (troupe_trainer_peek_state (self->loaded_data, &saved_epochs, NULL))
    text = g_strdup_printf (_("Loaded “%s”: agents %s, layers %s, with its training state at epoch %u. "
                              "Start continues that training exactly, with the settings it was saved "
                              "with; Evaluate measures it as it is."),
                            name, agents, layers->str, saved_epochs);
  else
    text = g_strdup_printf (_("Loaded “%s”: agents %s, layers %s. Start trains it further with the "
                              "settings on the left and a fresh optimizer; Evaluate measures it as it is."),
                            name, agents, layers->str);
  show_message (self, text, FALSE);
  update_progress (self);
  update_actions (self);
  return TRUE;
}

gboolean
troupe_training_page_export_statistics (TroupeTrainingPage  *self,
                                        const char          *path,
                                        GError             **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (TROUPE_IS_TRAINING_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->job == NULL || is_running (self))
    {
      g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           self->job == NULL ? _("There are no statistics yet: train a policy first")
                                             : _("Pause or stop the training before exporting its statistics"));
      return fail (self, error, g_steal_pointer (&local_error));
    }

  if (!g_file_set_contents (path, troupe_trainer_get_csv (self->job->trainer), -1, &local_error))
    {
      g_prefix_error (&local_error, _("Could not export the statistics: "));
      return fail (self, error, g_steal_pointer (&local_error));
    }

  return TRUE;
}
