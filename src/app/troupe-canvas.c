/* troupe-canvas.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "troupe-canvas.h"
#include "troupe-canvas-private.h"

G_DEFINE_FINAL_TYPE (TroupeCanvas, troupe_canvas, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_DOCUMENT,
  PROP_VIEW,
  PROP_SNAP_TO_GRID,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static void
lookup_color (GtkWidget  *widget,
              const char *name,
              const char *fallback,
              GdkRGBA    *color)
{
  /* GTK 4.8 has no other way to read a named colour of the theme. */
  GtkStyleContext *context = gtk_widget_get_style_context (widget);

  if (!gtk_style_context_lookup_color (context, name, color))
    gdk_rgba_parse (color, fallback);
}

static void
troupe_canvas_css_changed (GtkWidget         *widget,
                           GtkCssStyleChange *change)
{
  TroupeCanvas *self = TROUPE_CANVAS (widget);

  GTK_WIDGET_CLASS (troupe_canvas_parent_class)->css_changed (widget, change);

  lookup_color (widget, "card_bg_color", "#ffffff", &self->card_color);
  lookup_color (widget, "view_fg_color", "#000000", &self->fg_color);
  lookup_color (widget, "accent_color", "#1c71d8", &self->accent_color);
  lookup_color (widget, "borders", "rgba(0,0,0,0.15)", &self->border_color);
  lookup_color (widget, "error_color", "#c01c28", &self->error_color);
  lookup_color (widget, "warning_color", "#9c6e03", &self->warning_color);
  self->dim_color = self->fg_color;
  self->dim_color.alpha *= 0.6f;
  self->edge_color = self->fg_color;
  self->edge_color.alpha *= 0.5f;

  /* A card on a card-coloured background would vanish: in light mode
   * libadwaita's view and card backgrounds are both white, so the canvas
   * uses the window background behind its cards. */
  lookup_color (widget, "window_bg_color", "#fafafa", &self->bg_color);

  /* Edges run over the background, under the cards: the half-transparent
   * edge colour is mixed with the background once, so that each edge is
   * stroked on its own (cairo is faster so) without edges that share a
   * port darkening where they overlap. */
  self->line_color.red = (self->edge_color.red * self->edge_color.alpha +
                          self->bg_color.red * (1 - self->edge_color.alpha));
  self->line_color.green = (self->edge_color.green * self->edge_color.alpha +
                            self->bg_color.green * (1 - self->edge_color.alpha));
  self->line_color.blue = (self->edge_color.blue * self->edge_color.alpha +
                           self->bg_color.blue * (1 - self->edge_color.alpha));
  self->line_color.alpha = 1;

  /* The zoom below which the cards' text would be smaller than
   * LOD_TEXT_PX widget pixels. */
  {
    const PangoFontDescription *font = pango_context_get_font_description (gtk_widget_get_pango_context (widget));
    double px = font != NULL ? pango_font_description_get_size (font) / (double) PANGO_SCALE : 0;

    if (font != NULL && !pango_font_description_get_size_is_absolute (font))
      px *= 96.0 / 72.0;
    self->lod_zoom = px > 1 ? LOD_TEXT_PX / px : 0.35;
  }

  _troupe_canvas_invalidate (self);
}

void
_troupe_canvas_fit_now (TroupeCanvas *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->workflow == NULL || width <= 0 || height <= 0)
    {
      self->fit_pending = TRUE;
      return;
    }

  self->fitting = TRUE;
  troupe_canvas_view_fit (self->view, self->workflow, width, height, FIT_MARGIN);
  self->fitting = FALSE;
  self->fit_pending = FALSE;
  self->fitted = TRUE;
}

static void
troupe_canvas_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  TroupeCanvas *self = TROUPE_CANVAS (widget);
  int old_width = self->last_width;
  int old_height = self->last_height;

  self->last_width = width;
  self->last_height = height;

  /* A view that was fitted stays fitted when the canvas changes size (the
   * problems panel opens, the window is resized); one the user panned or
   * zoomed keeps the graph point in its middle where it was. */
  if (self->fit_pending || (self->fitted && (width != old_width || height != old_height)))
    _troupe_canvas_fit_now (self);
  else if (old_width > 0 && old_height > 0 && (width != old_width || height != old_height))
    troupe_canvas_view_set_offset (self->view,
                                   troupe_canvas_view_get_offset_x (self->view) + (width - old_width) / 2.0,
                                   troupe_canvas_view_get_offset_y (self->view) + (height - old_height) / 2.0);
}

static void
on_view_notify_cb (TroupeCanvas *self,
                   GParamSpec   *pspec)
{
  /* Any pan or zoom but a fit's own ends the fitted state. */
  if (!self->fitting && (g_str_equal (pspec->name, "zoom") ||
                         g_str_equal (pspec->name, "offset-x") ||
                         g_str_equal (pspec->name, "offset-y")))
    self->fitted = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
invalidate_step (TroupeCanvas *self,
                 const char   *id)
{
  CanvasCard *card = _troupe_canvas_lookup_card (self, troupe_workflow_lookup_step (self->workflow, id));

  if (card != NULL)
    _troupe_canvas_card_invalidate (card);
}

static void
on_diagnostics_cb (TroupeCanvas *self)
{
  GPtrArray *diagnostics = troupe_document_get_diagnostics (self->document);
  g_autoptr(GHashTable) old = g_steal_pointer (&self->problems);
  GHashTableIter iter;
  gpointer key, value;

  self->problems = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; diagnostics != NULL && i < diagnostics->len; i++)
    {
      const TroupeDiagnostic *d = g_ptr_array_index (diagnostics, i);
      guint worst;

      if (d->step_id == NULL)
        continue;

      /* Errors sort before warnings in TroupeSeverity. */
      worst = GPOINTER_TO_UINT (g_hash_table_lookup (self->problems, d->step_id));
      if (worst == 0 || (guint) d->severity + 1 < worst)
        g_hash_table_insert (self->problems, g_strdup (d->step_id),
                             GUINT_TO_POINTER ((guint) d->severity + 1));
    }

  /* Only the cards whose badge changed are drawn again. */
  if (self->workflow != NULL)
    {
      g_hash_table_iter_init (&iter, self->problems);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (g_hash_table_lookup (old, key) != value)
          invalidate_step (self, key);
      g_hash_table_iter_init (&iter, old);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (self->problems, key))
          invalidate_step (self, key);
    }

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
disconnect_workflow (TroupeCanvas *self)
{
  if (self->workflow != NULL)
    g_signal_handlers_disconnect_by_data (self->workflow, self);
  g_clear_object (&self->workflow);
}

static void
on_document_workflow_cb (TroupeCanvas *self)
{
  TroupeWorkflow *workflow = troupe_document_get_workflow (self->document);

  disconnect_workflow (self);
  self->workflow = g_object_ref (workflow);
  _troupe_canvas_scene_rebuild (self);
  _troupe_canvas_scene_connect (self);

  troupe_canvas_view_set_selection (self->view, NULL);
  _troupe_canvas_fit_now (self);
}

void
_troupe_canvas_show_error (TroupeCanvas *self,
                           const GError *error)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  AdwToast *toast;

  /* Outside a window (in tests) there is nobody to tell but the log. */
  if (overlay == NULL)
    {
      g_debug ("%s", error->message);
      return;
    }

  toast = adw_toast_new (error->message);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
}

static void
troupe_canvas_dispose (GObject *object)
{
  TroupeCanvas *self = (TroupeCanvas *)object;

  /* The glide first: resetting it draws once more. */
  if (self->moving != NULL)
    _troupe_canvas_motion_stop (self);
  if (self->motion != NULL)
    g_signal_handlers_disconnect_by_data (self->motion, self);
  g_clear_object (&self->motion);

  disconnect_workflow (self);
  _troupe_canvas_scene_finalize (self);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);
  if (self->view != NULL)
    g_signal_handlers_disconnect_by_data (self->view, self);
  g_clear_object (&self->view);
  _troupe_canvas_clear_drag (self);
  g_clear_pointer (&self->problems, g_hash_table_unref);

  G_OBJECT_CLASS (troupe_canvas_parent_class)->dispose (object);
}

static void
troupe_canvas_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TroupeCanvas *self = TROUPE_CANVAS (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT: g_value_set_object (value, self->document); break;
    case PROP_VIEW: g_value_set_object (value, self->view); break;
    case PROP_SNAP_TO_GRID: g_value_set_boolean (value, self->snap_to_grid); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_canvas_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  TroupeCanvas *self = TROUPE_CANVAS (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT: troupe_canvas_set_document (self, g_value_get_object (value)); break;
    case PROP_SNAP_TO_GRID:
      if (self->snap_to_grid != g_value_get_boolean (value))
        {
          self->snap_to_grid = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_canvas_class_init (TroupeCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = troupe_canvas_dispose;
  object_class->get_property = troupe_canvas_get_property;
  object_class->set_property = troupe_canvas_set_property;

  widget_class->snapshot = _troupe_canvas_snapshot;
  widget_class->css_changed = troupe_canvas_css_changed;
  widget_class->size_allocate = troupe_canvas_size_allocate;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, TROUPE_TYPE_DOCUMENT,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* Dragged cards land on an 8-pixel grid, so that they line up. */
  properties[PROP_SNAP_TO_GRID] =
    g_param_spec_boolean ("snap-to-grid", NULL, NULL, TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_VIEW] =
    g_param_spec_object ("view", NULL, NULL, TROUPE_TYPE_CANVAS_VIEW,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  _troupe_canvas_class_init_actions (klass);

  gtk_widget_class_set_css_name (widget_class, "troupe-canvas");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
troupe_canvas_init (TroupeCanvas *self)
{
  self->view = troupe_canvas_view_new ();
  self->problems = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->snap_to_grid = TRUE;
  self->lod_zoom = 0.35;
  _troupe_canvas_scene_init (self);
  g_signal_connect_swapped (self->view, "notify", G_CALLBACK (on_view_notify_cb), self);

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_focus_on_click (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);

  _troupe_canvas_init_input (self);
}

GtkWidget *
troupe_canvas_new (void)
{
  return g_object_new (TROUPE_TYPE_CANVAS, NULL);
}

TroupeDocument *
troupe_canvas_get_document (TroupeCanvas *self)
{
  g_return_val_if_fail (TROUPE_IS_CANVAS (self), NULL);

  return self->document;
}

void
troupe_canvas_set_document (TroupeCanvas   *self,
                            TroupeDocument *document)
{
  g_return_if_fail (TROUPE_IS_CANVAS (self));
  g_return_if_fail (document == NULL || TROUPE_IS_DOCUMENT (document));

  if (self->document == document)
    return;

  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  disconnect_workflow (self);
  _troupe_canvas_scene_rebuild (self);
  g_set_object (&self->document, document);

  if (document != NULL)
    {
      g_signal_connect_swapped (document, "notify::workflow", G_CALLBACK (on_document_workflow_cb), self);
      g_signal_connect_swapped (document, "notify::diagnostics", G_CALLBACK (on_diagnostics_cb), self);
      on_document_workflow_cb (self);
      on_diagnostics_cb (self);
    }
  else
    _troupe_canvas_invalidate (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}

TroupeCanvasView *
troupe_canvas_get_view (TroupeCanvas *self)
{
  g_return_val_if_fail (TROUPE_IS_CANVAS (self), NULL);

  return self->view;
}

void
troupe_canvas_zoom_to_fit (TroupeCanvas *self)
{
  g_return_if_fail (TROUPE_IS_CANVAS (self));

  _troupe_canvas_fit_now (self);
}

gboolean
troupe_canvas_add_step (TroupeCanvas *self,
                        gboolean      at_point,
                        double        gx,
                        double        gy)
{
  g_autoptr(TroupeStep) step = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  g_return_val_if_fail (TROUPE_IS_CANVAS (self), FALSE);

  if (self->document == NULL)
    return FALSE;

  id = troupe_workflow_make_unique_id (self->workflow, "step");
  step = troupe_step_new (id, TROUPE_STEP_KIND_AGENT);
  if (at_point)
    troupe_step_set_position (step,
                              round (gx - TROUPE_CARD_WIDTH / 2),
                              round (gy - TROUPE_CARD_HEIGHT / 2));

  if (!troupe_document_add_step (self->document, step, &error))
    {
      _troupe_canvas_show_error (self, error);
      return FALSE;
    }

  troupe_canvas_view_set_selection (self->view, id);
  gtk_widget_grab_focus (GTK_WIDGET (self));
  return TRUE;
}

void
troupe_canvas_center_on_step (TroupeCanvas *self,
                              const char   *id)
{
  graphene_rect_t bounds;
  TroupeStep *step;
  double zoom;

  g_return_if_fail (TROUPE_IS_CANVAS (self));
  g_return_if_fail (id != NULL);

  if (self->workflow == NULL ||
      (step = troupe_workflow_lookup_step (self->workflow, id)) == NULL)
    return;

  troupe_canvas_view_set_selection (self->view, id);
  if (!troupe_canvas_step_bounds (step, &bounds))
    return;

  zoom = troupe_canvas_view_get_zoom (self->view);
  troupe_canvas_view_set_offset (self->view,
                                 gtk_widget_get_width (GTK_WIDGET (self)) / 2.0 -
                                 (bounds.origin.x + bounds.size.width / 2) * zoom,
                                 gtk_widget_get_height (GTK_WIDGET (self)) / 2.0 -
                                 (bounds.origin.y + bounds.size.height / 2) * zoom);
}
