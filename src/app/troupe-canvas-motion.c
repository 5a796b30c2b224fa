/* troupe-canvas-motion.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "troupe-canvas.h"
#include "troupe-canvas-private.h"

/* Gliding: when the model puts cards somewhere else at once (Lay Out, the
 * undo or redo of a layout or of a move), they glide there over MOTION_MS
 * instead of jumping, so that the eye can follow the graph. The model has
 * the new positions from the start — a layout is one command — and only
 * the drawing goes through the positions in between. AdwAnimation skips to
 * the end when animations are turned off (gtk-enable-animations, as
 * reduced-motion users and the tests have it) or the canvas is not shown.
 *
 * All the cards that move share one animation. Moves that arrive while it
 * runs (a layout undone halfway) restart it from wherever each card is
 * drawn, so that nothing jumps; they are gathered first, so that a layout
 * of ten thousand steps restarts it once. */

static void
motion_value_cb (double   value,
                 gpointer data)
{
  TroupeCanvas *self = data;

  self->motion_progress = value;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
motion_done_cb (TroupeCanvas *self)
{
  for (guint i = 0; i < self->moving->len; i++)
    ((CanvasCard *) g_ptr_array_index (self->moving, i))->moving = FALSE;
  g_ptr_array_set_size (self->moving, 0);
  self->motion_progress = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
motion_restart_cb (gpointer data)
{
  TroupeCanvas *self = data;
  double p = self->motion_progress;

  self->motion_restart_id = 0;

  /* Every card starts again from where it is drawn now, towards where the
   * model has it now. */
  for (guint i = self->moving->len; i > 0; i--)
    {
      CanvasCard *card = g_ptr_array_index (self->moving, i - 1);

      card->ax += (card->tx - card->ax) * p;
      card->ay += (card->ty - card->ay) * p;
      card->tx = card->x;
      card->ty = card->y;
      if (card->ax == card->tx && card->ay == card->ty)
        {
          card->moving = FALSE;
          g_ptr_array_remove_index_fast (self->moving, i - 1);
        }
    }
  self->motion_progress = 0;

  if (self->motion == NULL)
    {
      AdwAnimationTarget *target = adw_callback_animation_target_new (motion_value_cb, self, NULL);

      self->motion = adw_timed_animation_new (GTK_WIDGET (self), 0, 1, MOTION_MS, target);
      adw_timed_animation_set_easing (ADW_TIMED_ANIMATION (self->motion), ADW_EASE_OUT_CUBIC);
      g_signal_connect_swapped (self->motion, "done", G_CALLBACK (motion_done_cb), self);
    }

  adw_animation_reset (self->motion);
  if (self->moving->len > 0)
    adw_animation_play (self->motion);

  return G_SOURCE_REMOVE;
}

void
_troupe_canvas_motion_add (TroupeCanvas *self,
                           CanvasCard   *card)
{
  /* Called before the card takes its new position: until the restart, it
   * stays drawn where it is. */
  if (!card->moving)
    {
      card->ax = card->tx = card->x;
      card->ay = card->ty = card->y;
      card->moving = TRUE;
      g_ptr_array_add (self->moving, card);
    }

  /* Before the next frame is drawn (GDK_PRIORITY_REDRAW is lower). */
  if (self->motion_restart_id == 0)
    self->motion_restart_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, motion_restart_cb, self, NULL);
}

void
_troupe_canvas_motion_forget (TroupeCanvas *self,
                              CanvasCard   *card)
{
  if (!card->moving)
    return;

  card->moving = FALSE;
  g_ptr_array_remove_fast (self->moving, card);
}

void
_troupe_canvas_motion_stop (TroupeCanvas *self)
{
  g_clear_handle_id (&self->motion_restart_id, g_source_remove);
  if (self->motion != NULL)
    adw_animation_reset (self->motion);
  for (guint i = 0; i < self->moving->len; i++)
    ((CanvasCard *) g_ptr_array_index (self->moving, i))->moving = FALSE;
  g_ptr_array_set_size (self->moving, 0);
  self->motion_progress = 0;
}

gboolean
_troupe_canvas_is_moving (TroupeCanvas *self)
{
  return self->moving->len > 0;
}
