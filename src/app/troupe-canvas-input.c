/* troupe-canvas-input.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "troupe-canvas.h"
#include "troupe-canvas-private.h"

/* Pointer, touch and key input: dragging cards, panning, connecting ports,
 * rubber-band selection, clicks, pinch and scroll zoom. */

void
_troupe_canvas_clear_drag (TroupeCanvas *self)
{
  g_clear_pointer (&self->drag_step, g_free);
  g_clear_pointer (&self->connect_target, g_free);
  self->connect_refused = FALSE;
  g_clear_pointer (&self->drag_ids, g_strfreev);
  g_clear_pointer (&self->drag_xs, g_free);
  g_clear_pointer (&self->drag_ys, g_free);
}

static void
drag_begin_cb (TroupeCanvas   *self,
               double          x,
               double          y,
               GtkGestureDrag *gesture)
{
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));
  TroupeStep *step = NULL;
  TroupeCanvasHit hit;
  gboolean extend;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  _troupe_canvas_clear_drag (self);
  self->drag_start_x = x;
  self->drag_start_y = y;
  self->pointer_x = x;
  self->pointer_y = y;
  self->drag_mode = DRAG_PAN;
  self->drag_origin_x = troupe_canvas_view_get_offset_x (self->view);
  self->drag_origin_y = troupe_canvas_view_get_offset_y (self->view);

  /* The middle button, or any drag with Space held, pans. */
  if (self->workflow == NULL || button != GDK_BUTTON_PRIMARY || self->space_held)
    return;

  extend = (gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture)) &
            (GDK_SHIFT_MASK | GDK_CONTROL_MASK)) != 0;
  hit = troupe_canvas_view_hit_test (self->view, self->workflow, x, y, &step);

  /* Shift or Ctrl: a click on a card adds it to the selection or takes it
   * out, a drag on the background draws a rubber band. */
  if (extend)
    {
      if (hit == TROUPE_CANVAS_HIT_CARD || hit == TROUPE_CANVAS_HIT_INPUT_PORT)
        {
          troupe_canvas_view_toggle_selected (self->view, troupe_step_get_id (step));
          self->drag_mode = DRAG_NONE;
          return;
        }
      if (hit == TROUPE_CANVAS_HIT_NONE)
        {
          self->drag_mode = DRAG_RUBBER_BAND;
          return;
        }
    }

  switch (hit)
    {
    case TROUPE_CANVAS_HIT_NONE:
      {
        TroupeStep *from = NULL, *to = NULL;

        if (troupe_canvas_view_hit_test_edge (self->view, self->workflow, x, y, &from, &to))
          {
            troupe_canvas_view_select_edge (self->view, troupe_step_get_id (from), troupe_step_get_id (to));
            self->drag_mode = DRAG_NONE;
          }
        else
          {
            troupe_canvas_view_set_selection (self->view, NULL);
            troupe_canvas_view_select_edge (self->view, NULL, NULL);
          }
      }
      break;

    case TROUPE_CANVAS_HIT_OUTPUT_PORT:
      self->drag_mode = DRAG_CONNECT;
      self->drag_step = g_strdup (troupe_step_get_id (step));
      break;

    case TROUPE_CANVAS_HIT_CARD:
    case TROUPE_CANVAS_HIT_INPUT_PORT:
    default:
      {
        guint n;

        self->drag_mode = DRAG_MOVE;
        self->drag_step = g_strdup (troupe_step_get_id (step));
        troupe_step_get_position (step, &self->drag_origin_x, &self->drag_origin_y);

        /* Dragging a selected card moves the whole selection. */
        if (troupe_canvas_view_is_selected (self->view, self->drag_step))
          troupe_canvas_view_add_to_selection (self->view, self->drag_step);
        else
          troupe_canvas_view_set_selection (self->view, self->drag_step);

        n = troupe_canvas_view_get_n_selected (self->view);
        self->drag_ids = g_new0 (char *, n + 1);
        self->drag_xs = g_new0 (double, n);
        self->drag_ys = g_new0 (double, n);
        for (guint i = 0; i < n; i++)
          {
            const char *id = troupe_canvas_view_get_nth_selected (self->view, i);
            TroupeStep *s = troupe_workflow_lookup_step (self->workflow, id);

            self->drag_ids[i] = g_strdup (id);
            if (s != NULL)
              troupe_step_get_position (s, &self->drag_xs[i], &self->drag_ys[i]);
          }
      }
      break;
    }
}

/* Finds the card under the pointer while an edge is dragged out of a
 * port, and whether it refuses the edge (itself, or a cycle), once per
 * card the pointer enters rather than once per frame: on a big graph the
 * cycle check walks much of it. */
static void
update_connect_target (TroupeCanvas *self)
{
  TroupeStep *target = NULL;
  const char *id;

  if (troupe_canvas_view_hit_test (self->view, self->workflow, self->pointer_x, self->pointer_y,
                                   &target) == TROUPE_CANVAS_HIT_NONE)
    {
      g_clear_pointer (&self->connect_target, g_free);
      self->connect_refused = FALSE;
      return;
    }

  id = troupe_step_get_id (target);
  if (g_strcmp0 (id, self->connect_target) == 0)
    return;

  g_free (self->connect_target);
  self->connect_target = g_strdup (id);
  self->connect_refused = g_strcmp0 (id, self->drag_step) == 0 ||
                          troupe_workflow_would_cycle (self->workflow, self->drag_step, id, NULL);
}

static void
drag_update_cb (TroupeCanvas   *self,
                double          dx,
                double          dy,
                GtkGestureDrag *gesture)
{
  TroupeStep *step;
  double zoom = troupe_canvas_view_get_zoom (self->view);

  self->pointer_x = self->drag_start_x + dx;
  self->pointer_y = self->drag_start_y + dy;

  switch (self->drag_mode)
    {
    case DRAG_PAN:
      troupe_canvas_view_set_offset (self->view, self->drag_origin_x + dx, self->drag_origin_y + dy);
      break;

    case DRAG_MOVE:
      /* The card follows the pointer in the model itself; the drag is
       * recorded as one command when it ends. */
      {
        double grid = self->snap_to_grid ? GRID : 1.0;
        /* The grabbed card snaps to the grid; the others keep their
         * distance to it. */
        double x = round ((self->drag_origin_x + dx / zoom) / grid) * grid;
        double y = round ((self->drag_origin_y + dy / zoom) / grid) * grid;

        for (guint i = 0; self->drag_ids != NULL && self->drag_ids[i] != NULL; i++)
          {
            step = troupe_workflow_lookup_step (self->workflow, self->drag_ids[i]);
            if (step != NULL)
              troupe_step_set_position (step,
                                        self->drag_xs[i] + (x - self->drag_origin_x),
                                        self->drag_ys[i] + (y - self->drag_origin_y));
          }
      }
      break;

    case DRAG_CONNECT:
      update_connect_target (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      break;

    case DRAG_RUBBER_BAND:
      gtk_widget_queue_draw (GTK_WIDGET (self));
      break;

    case DRAG_NONE:
    default:
      break;
    }
}

static void
drag_end_cb (TroupeCanvas   *self,
             double          dx,
             double          dy,
             GtkGestureDrag *gesture)
{
  g_autoptr(GError) error = NULL;
  TroupeStep *target = NULL;

  switch (self->drag_mode)
    {
    case DRAG_MOVE:
      if (self->drag_ids != NULL)
        troupe_document_record_moves (self->document, (const char * const *) self->drag_ids,
                                      self->drag_xs, self->drag_ys);
      break;

    case DRAG_RUBBER_BAND:
      troupe_canvas_view_select_rect (self->view, self->workflow,
                                      self->drag_start_x, self->drag_start_y,
                                      self->drag_start_x + dx, self->drag_start_y + dy, TRUE);
      break;

    case DRAG_CONNECT:
      if (troupe_canvas_view_hit_test (self->view, self->workflow,
                                       self->drag_start_x + dx, self->drag_start_y + dy,
                                       &target) != TROUPE_CANVAS_HIT_NONE &&
          g_strcmp0 (troupe_step_get_id (target), self->drag_step) != 0 &&
          !troupe_document_connect (self->document, self->drag_step,
                                    troupe_step_get_id (target), &error))
        _troupe_canvas_show_error (self, error);
      break;

    case DRAG_PAN:
    case DRAG_NONE:
    default:
      break;
    }

  self->drag_mode = DRAG_NONE;
  _troupe_canvas_clear_drag (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
pinch_begin_cb (TroupeCanvas     *self,
                GdkEventSequence *sequence,
                GtkGestureZoom   *gesture)
{
  self->pinch_zoom = troupe_canvas_view_get_zoom (self->view);
}

static void
pinch_scale_cb (TroupeCanvas   *self,
                double          scale,
                GtkGestureZoom *gesture)
{
  double cx, cy;

  /* Zoom about the middle of the fingers. */
  if (!gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &cx, &cy))
    return;
  troupe_canvas_view_zoom_at (self->view, self->pinch_zoom * scale, cx, cy);
}

static gboolean
key_pressed_cb (TroupeCanvas          *self,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                GtkEventControllerKey *controller)
{
  if (keyval != GDK_KEY_space)
    return FALSE;

  self->space_held = TRUE;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grab");
  return TRUE;
}

static void
key_released_cb (TroupeCanvas          *self,
                 guint                  keyval,
                 guint                  keycode,
                 GdkModifierType        state,
                 GtkEventControllerKey *controller)
{
  if (keyval != GDK_KEY_space)
    return;

  self->space_held = FALSE;
  gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
}

static void
motion_cb (TroupeCanvas *self,
           double        x,
           double        y)
{
  self->pointer_x = x;
  self->pointer_y = y;
}

static gboolean
scroll_cb (TroupeCanvas             *self,
           double                    dx,
           double                    dy,
           GtkEventControllerScroll *controller)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  if (state & GDK_CONTROL_MASK)
    {
      double zoom = troupe_canvas_view_get_zoom (self->view);

      troupe_canvas_view_zoom_at (self->view, zoom * pow (ZOOM_STEP, -dy),
                                  self->pointer_x, self->pointer_y);
    }
  else
    {
      troupe_canvas_view_set_offset (self->view,
                                     troupe_canvas_view_get_offset_x (self->view) - dx * 30,
                                     troupe_canvas_view_get_offset_y (self->view) - dy * 30);
    }

  return TRUE;
}

static void
click_pressed_cb (TroupeCanvas    *self,
                  int              n_press,
                  double           x,
                  double           y,
                  GtkGestureClick *gesture)
{
  double gx, gy;
  TroupeStep *step = NULL;

  if (n_press != 2 || self->workflow == NULL)
    return;

  /* A double click on a card renames it. */
  if (troupe_canvas_view_hit_test (self->view, self->workflow, x, y, &step) == TROUPE_CANVAS_HIT_CARD)
    {
      troupe_canvas_view_set_selection (self->view, troupe_step_get_id (step));
      gtk_widget_activate_action (GTK_WIDGET (self), "canvas.rename-selection", NULL);
      return;
    }

  if (step != NULL || troupe_canvas_view_hit_test_edge (self->view, self->workflow, x, y, NULL, NULL))
    return;

  /* A double click on the background adds a step centred where it was. */
  troupe_canvas_view_widget_to_graph (self->view, x, y, &gx, &gy);
  troupe_canvas_add_step (self, TRUE, gx, gy);
}

/* Connects the gestures and event controllers that turn the pointer,
 * touch and keys into edits. */
void
_troupe_canvas_init_input (TroupeCanvas *self)
{
  GtkGesture *drag;
  GtkEventController *controller;

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), 0);
  g_signal_connect_swapped (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect_swapped (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect_swapped (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  controller = GTK_EVENT_CONTROLLER (gtk_gesture_click_new ());
  g_signal_connect_swapped (controller, "pressed", G_CALLBACK (click_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = GTK_EVENT_CONTROLLER (gtk_gesture_zoom_new ());
  g_signal_connect_swapped (controller, "begin", G_CALLBACK (pinch_begin_cb), self);
  g_signal_connect_swapped (controller, "scale-changed", G_CALLBACK (pinch_scale_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_key_new ();
  g_signal_connect_swapped (controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  g_signal_connect_swapped (controller, "key-released", G_CALLBACK (key_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect_swapped (controller, "motion", G_CALLBACK (motion_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect_swapped (controller, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}
