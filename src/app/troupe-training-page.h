/* troupe-training-page.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "troupe-chart.h"
#include "troupe-document.h"

G_BEGIN_DECLS

typedef enum
{
  /* Nothing trained yet (a loaded policy may wait to be trained). */
  TROUPE_TRAINING_STATE_EMPTY,
  /* A thread is training or evaluating. */
  TROUPE_TRAINING_STATE_RUNNING,
  /* Stopped between epochs; Start resumes. */
  TROUPE_TRAINING_STATE_PAUSED,
  /* Trained (and evaluated); Start trains as many epochs again. */
  TROUPE_TRAINING_STATE_FINISHED,
} TroupeTrainingState;

#define TROUPE_TYPE_TRAINING_STATE (troupe_training_state_get_type ())
GType troupe_training_state_get_type (void);

#define TROUPE_TYPE_TRAINING_PAGE (troupe_training_page_get_type ())

G_DECLARE_FINAL_TYPE (TroupeTrainingPage, troupe_training_page, TROUPE, TRAINING_PAGE, AdwBin)

/* The Training page: trains a policy that picks which agent acts next, on
 * the seed's MVP or on the document's workflow simulated, in a thread of
 * its own, and charts each epoch's statistics as they arrive. The settings
 * are properties (bound to the controls), so they can be set from code;
 * the buttons are the "training.*" actions (start, pause, stop, reset,
 * evaluate, save-policy, load-policy, export-statistics, export-png). */

GtkWidget          *troupe_training_page_new           (void);

TroupeDocument     *troupe_training_page_get_document  (TroupeTrainingPage *self);
void                troupe_training_page_set_document  (TroupeTrainingPage *self,
                                                        TroupeDocument     *document);
TroupeTrainingState troupe_training_page_get_state     (TroupeTrainingPage *self);
/* The epochs whose statistics the charts show. */
guint               troupe_training_page_get_n_epochs  (TroupeTrainingPage *self);
/* A chart by name: "reward", "success", "loss", "entropy", "length" or
 * "choices"; NULL for another name. */
TroupeChart        *troupe_training_page_get_chart     (TroupeTrainingPage *self,
                                                        const char         *name);
/* The message the page shows in its banner (an error, or what a loaded
 * policy is), or NULL when the banner is hidden. */
const char         *troupe_training_page_get_message   (TroupeTrainingPage *self);
/* Why the open workflow cannot be simulated (the engine's message, shown
 * under the environment's choice), or NULL when it can. */
const char         *troupe_training_page_get_simulation_error (TroupeTrainingPage *self);
/* The greedy evaluation that ended the last training, and the optimal
 * value when the environment's is known; FALSE before any evaluation. */
gboolean            troupe_training_page_get_evaluation (TroupeTrainingPage *self,
                                                         TroupeEvaluation   *evaluation,
                                                         double             *optimal,
                                                         gboolean           *has_optimal);

/* What the Save Policy…, Load Policy… and Export Statistics… buttons do
 * once a file is chosen. Errors are also shown in the banner. A loaded
 * policy must fit the chosen environment; it replaces what was trained
 * and waits for Start (to train it further) or Evaluate. */
gboolean            troupe_training_page_save_policy   (TroupeTrainingPage *self,
                                                        const char         *path,
                                                        GError            **error);
gboolean            troupe_training_page_load_policy   (TroupeTrainingPage *self,
                                                        const char         *path,
                                                        GError            **error);
gboolean            troupe_training_page_export_statistics (TroupeTrainingPage *self,
                                                            const char         *path,
                                                            GError            **error);

G_END_DECLS
