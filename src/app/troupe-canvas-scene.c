/* troupe-canvas-scene.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "troupe-canvas.h"
#include "troupe-canvas-private.h"

/* The scene: a card per step and an edge per need, placed in two spatial
 * indexes, following the model's signals one step at a time. A step that
 * moves is moved in the indexes and loses its placed nodes; a step whose
 * look changes loses its content; only a new workflow rebuilds it all. */

static void
card_free (CanvasCard *card)
{
  _troupe_canvas_card_invalidate (card);
  g_ptr_array_unref (card->edges);
  g_free (card);
}

static void
card_unplace (CanvasCard *card)
{
  for (guint d = 0; d < N_DETAILS; d++)
    g_clear_pointer (&card->placed[d], gsk_render_node_unref);
}

void
_troupe_canvas_card_invalidate (CanvasCard *card)
{
  for (guint d = 0; d < N_DETAILS; d++)
    g_clear_pointer (&card->content[d], gsk_render_node_unref);
  card_unplace (card);
}

void
_troupe_canvas_edge_bounds (double           x1,
                            double           y1,
                            double           x2,
                            double           y2,
                            graphene_rect_t *bounds)
{
  graphene_point_t curve[4], tip;
  double left, top, right, bottom;

  troupe_canvas_edge_curve (x1, y1, x2, y2, curve, &tip);

  /* A Bézier curve lies inside the box of its control points. */
  left = right = tip.x;
  top = bottom = tip.y;
  for (guint i = 0; i < 4; i++)
    {
      left = MIN (left, curve[i].x);
      right = MAX (right, curve[i].x);
      top = MIN (top, curve[i].y);
      bottom = MAX (bottom, curve[i].y);
    }

  graphene_rect_init (bounds, left - EDGE_MARGIN, top - EDGE_MARGIN,
                      right - left + 2 * EDGE_MARGIN, bottom - top + 2 * EDGE_MARGIN);
}

static void
index_edge (TroupeCanvas *self,
            CanvasEdge   *edge)
{
  graphene_rect_t bounds;

  if (!edge->from->positioned || !edge->to->positioned)
    {
      for (guint d = 0; d < N_DETAILS; d++)
        troupe_canvas_index_remove (self->edge_index[d], edge);
      return;
    }

  /* The output port is the middle of the bottom side, the input port the
   * middle of the top side (troupe_canvas_step_*_port()). */
  _troupe_canvas_edge_bounds (edge->from->x + TROUPE_CARD_WIDTH / 2, edge->from->y + TROUPE_CARD_HEIGHT,
                              edge->to->x + TROUPE_CARD_WIDTH / 2, edge->to->y,
                              &bounds);
  for (guint d = 0; d < N_DETAILS; d++)
    troupe_canvas_index_set (self->edge_index[d], edge, &bounds);
}

static void
index_card (TroupeCanvas *self,
            CanvasCard   *card)
{
  if (!card->positioned)
    {
      troupe_canvas_index_remove (self->card_index, card);
      return;
    }

  /* The ports stick out above and below the card. */
  troupe_canvas_index_set (self->card_index, card,
                           &GRAPHENE_RECT_INIT (card->x, card->y - TROUPE_CANVAS_PORT_RADIUS,
                                                TROUPE_CARD_WIDTH,
                                                TROUPE_CARD_HEIGHT + 2 * TROUPE_CANVAS_PORT_RADIUS));
}

static void
edge_add (TroupeCanvas *self,
          CanvasCard   *from,
          CanvasCard   *to)
{
  CanvasEdge *edge = g_new0 (CanvasEdge, 1);

  edge->from = from;
  edge->to = to;
  g_ptr_array_add (from->edges, edge);
  g_ptr_array_add (to->edges, edge);
  index_edge (self, edge);
}

static void
edge_remove (TroupeCanvas *self,
             CanvasEdge   *edge)
{
  for (guint d = 0; d < N_DETAILS; d++)
    troupe_canvas_index_remove (self->edge_index[d], edge);
  g_ptr_array_remove_fast (edge->from->edges, edge);
  g_ptr_array_remove_fast (edge->to->edges, edge);
  g_free (edge);
}

CanvasCard *
_troupe_canvas_lookup_card (TroupeCanvas *self,
                            TroupeStep   *step)
{
  if (step == NULL || self->cards == NULL)
    return NULL;
  return g_hash_table_lookup (self->cards, step);
}

static gboolean
has_edge (CanvasCard *from,
          CanvasCard *to)
{
  for (guint i = 0; i < to->edges->len; i++)
    {
      CanvasEdge *edge = g_ptr_array_index (to->edges, i);

      if (edge->from == from && edge->to == to)
        return TRUE;
    }
  return FALSE;
}

/* Makes the edges into @card those of its step's needs that name a step
 * of the workflow: whatever changed (its needs, a step that appeared, was
 * renamed or went), the result is the model's. */
static void
sync_in_edges (TroupeCanvas *self,
               CanvasCard   *card)
{
  const char * const *needs = troupe_step_get_needs (card->step);

  for (guint i = card->edges->len; i > 0; i--)
    {
      CanvasEdge *edge = g_ptr_array_index (card->edges, i - 1);
      TroupeStep *from;

      if (edge->to != card)
        continue;
      from = edge->from->step;
      if (!troupe_step_has_need (card->step, troupe_step_get_id (from)) ||
          troupe_workflow_lookup_step (self->workflow, troupe_step_get_id (from)) != from)
        edge_remove (self, edge);
    }

  for (guint i = 0; needs != NULL && needs[i] != NULL; i++)
    {
      CanvasCard *from = _troupe_canvas_lookup_card (self, troupe_workflow_lookup_step (self->workflow, needs[i]));

      if (from != NULL && from != card && !has_edge (from, card))
        edge_add (self, from, card);
    }
}

static void
sync_position (TroupeCanvas *self,
               CanvasCard   *card)
{
  double x = 0, y = 0;
  gboolean positioned = troupe_step_get_position (card->step, &x, &y);

  if (positioned == card->positioned && (!positioned || (x == card->x && y == card->y)))
    return;

  /* A card the model puts somewhere else glides there (a layout, an undo),
   * unless the user is moving it by hand: then it follows at once; and
   * with animations off (reduced motion, the tests), everything does. */
  if (card->positioned && positioned && self->drag_mode != DRAG_MOVE && !self->nudging &&
      gtk_widget_get_mapped (GTK_WIDGET (self)) && adw_get_enable_animations (GTK_WIDGET (self)))
    _troupe_canvas_motion_add (self, card);
  else
    _troupe_canvas_motion_forget (self, card);

  card->positioned = positioned;
  card->x = x;
  card->y = y;
  card_unplace (card);
  index_card (self, card);
  for (guint i = 0; i < card->edges->len; i++)
    index_edge (self, g_ptr_array_index (card->edges, i));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static CanvasCard *
card_add (TroupeCanvas *self,
          TroupeStep   *step)
{
  CanvasCard *card = g_new0 (CanvasCard, 1);

  card->step = step;
  card->edges = g_ptr_array_new ();
  card->positioned = troupe_step_get_position (step, &card->x, &card->y);
  g_hash_table_insert (self->cards, step, card);
  index_card (self, card);
  self->order_dirty = TRUE;
  return card;
}

static void
card_remove (TroupeCanvas *self,
             CanvasCard   *card)
{
  while (card->edges->len > 0)
    edge_remove (self, g_ptr_array_index (card->edges, card->edges->len - 1));
  _troupe_canvas_motion_forget (self, card);
  troupe_canvas_index_remove (self->card_index, card);
  g_hash_table_remove (self->cards, card->step);
  self->order_dirty = TRUE;
}

static void
scene_clear (TroupeCanvas *self)
{
  GHashTableIter iter;
  gpointer value;

  _troupe_canvas_motion_stop (self);

  /* Each edge is freed once, by its target: first every card forgets the
   * edges out of it, then frees those into it. */
  g_hash_table_iter_init (&iter, self->cards);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      CanvasCard *card = value;

      for (guint i = card->edges->len; i > 0; i--)
        if (((CanvasEdge *) g_ptr_array_index (card->edges, i - 1))->to != card)
          g_ptr_array_remove_index_fast (card->edges, i - 1);
    }
  g_hash_table_iter_init (&iter, self->cards);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      CanvasCard *card = value;

      for (guint i = 0; i < card->edges->len; i++)
        g_free (g_ptr_array_index (card->edges, i));
      g_ptr_array_set_size (card->edges, 0);
    }

  g_hash_table_remove_all (self->cards);
  troupe_canvas_index_remove_all (self->card_index);
  for (guint d = 0; d < N_DETAILS; d++)
    troupe_canvas_index_remove_all (self->edge_index[d]);
  g_ptr_array_set_size (self->visible_cards, 0);
  g_ptr_array_set_size (self->visible_cells, 0);
  g_ptr_array_set_size (self->visible_edges, 0);
}

void
_troupe_canvas_scene_init (TroupeCanvas *self)
{
  self->cards = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) card_free);
  self->card_index = troupe_canvas_index_new (CELL_SIZE);
  self->edge_index[DETAIL_FULL] = troupe_canvas_index_new (CELL_SIZE);
  self->edge_index[DETAIL_LOW] = troupe_canvas_index_new (LOW_CELL_SIZE);
  self->visible_cards = g_ptr_array_new ();
  self->visible_cells = g_ptr_array_new ();
  self->visible_edges = g_ptr_array_new ();
  self->moving = g_ptr_array_new ();
}

void
_troupe_canvas_scene_finalize (TroupeCanvas *self)
{
  if (self->cards == NULL)
    return;

  scene_clear (self);
  g_clear_pointer (&self->cards, g_hash_table_unref);
  g_clear_pointer (&self->card_index, troupe_canvas_index_free);
  for (guint d = 0; d < N_DETAILS; d++)
    g_clear_pointer (&self->edge_index[d], troupe_canvas_index_free);
  g_clear_pointer (&self->visible_cards, g_ptr_array_unref);
  g_clear_pointer (&self->visible_cells, g_ptr_array_unref);
  g_clear_pointer (&self->visible_edges, g_ptr_array_unref);
  g_clear_pointer (&self->moving, g_ptr_array_unref);
}

void
_troupe_canvas_scene_rebuild (TroupeCanvas *self)
{
  GPtrArray *steps;
  GHashTableIter iter;
  gpointer value;

  scene_clear (self);
  self->workflow_maybe_changed = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));

  if (self->workflow == NULL)
    return;

  steps = troupe_workflow_get_steps (self->workflow);
  for (guint i = 0; i < steps->len; i++)
    card_add (self, g_ptr_array_index (steps, i));

  g_hash_table_iter_init (&iter, self->cards);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    sync_in_edges (self, value);
}

static void
step_added_cb (TroupeWorkflow *workflow,
               TroupeStep     *step,
               guint           position,
               TroupeCanvas   *self)
{
  /* Edges from it to steps that already needed it follow as edge-added. */
  sync_in_edges (self, card_add (self, step));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
step_removed_cb (TroupeWorkflow *workflow,
                 TroupeStep     *step,
                 guint           position,
                 TroupeCanvas   *self)
{
  CanvasCard *card = _troupe_canvas_lookup_card (self, step);

  troupe_canvas_view_unselect (self->view, troupe_step_get_id (step));
  if (card != NULL)
    card_remove (self, card);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
step_renamed_cb (TroupeWorkflow *workflow,
                 TroupeStep     *step,
                 const char     *old_id,
                 TroupeCanvas   *self)
{
  troupe_canvas_view_rename_selected (self->view, old_id, troupe_step_get_id (step));
}

static void
edge_changed_cb (TroupeWorkflow *workflow,
                 const char     *from,
                 const char     *to,
                 TroupeCanvas   *self)
{
  CanvasCard *card = _troupe_canvas_lookup_card (self, troupe_workflow_lookup_step (workflow, to));

  if (card != NULL)
    {
      sync_in_edges (self, card);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
step_changed_cb (TroupeWorkflow *workflow,
                 TroupeStep     *step,
                 GParamSpec     *pspec,
                 TroupeCanvas   *self)
{
  CanvasCard *card = _troupe_canvas_lookup_card (self, step);
  const char *name = pspec->name;

  if (card == NULL)
    return;

  if (strcmp (name, "x") == 0 || strcmp (name, "y") == 0 || strcmp (name, "has-position") == 0)
    sync_position (self, card);
  else if (strcmp (name, "needs") == 0)
    {
      sync_in_edges (self, card);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  else
    {
      /* The id, kind, agent or provider show on the card; other fields
       * do not, but are too rare to be worth telling apart. */
      _troupe_canvas_card_invalidate (card);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
workflow_changed_cb (TroupeCanvas *self)
{
  /* Emitted after every change of a step too, so only noted here: the
   * next frame looks at what the cards show of the workflow, once. */
  self->workflow_maybe_changed = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
_troupe_canvas_scene_connect (TroupeCanvas *self)
{
  g_signal_connect (self->workflow, "step-added", G_CALLBACK (step_added_cb), self);
  g_signal_connect (self->workflow, "step-removed", G_CALLBACK (step_removed_cb), self);
  g_signal_connect (self->workflow, "step-renamed", G_CALLBACK (step_renamed_cb), self);
  g_signal_connect (self->workflow, "step-changed", G_CALLBACK (step_changed_cb), self);
  g_signal_connect (self->workflow, "edge-added", G_CALLBACK (edge_changed_cb), self);
  g_signal_connect (self->workflow, "edge-removed", G_CALLBACK (edge_changed_cb), self);
  g_signal_connect_swapped (self->workflow, "changed", G_CALLBACK (workflow_changed_cb), self);
}

void
_troupe_canvas_scene_invalidate (TroupeCanvas *self)
{
  GHashTableIter iter;
  gpointer value;

  if (self->cards == NULL)
    return;

  g_hash_table_iter_init (&iter, self->cards);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    _troupe_canvas_card_invalidate (value);
  for (guint d = 0; d < N_DETAILS; d++)
    troupe_canvas_index_clear_data (self->edge_index[d]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static guint64
hash_string (guint64     hash,
             const char *s)
{
  /* FNV-1a, with a separator so that "ab" + "c" and "a" + "bc" differ. */
  for (const char *p = s != NULL ? s : ""; *p != '\0'; p++)
    hash = (hash ^ (guchar) *p) * 1099511628211ull;
  return (hash ^ (s != NULL ? 0x1f : 0x2f)) * 1099511628211ull;
}

/* What a card shows of the workflow beyond its own step: each agent's
 * colour and provider, and the default provider. */
static guint64
workflow_fingerprint (TroupeWorkflow *workflow)
{
  GPtrArray *agents = troupe_workflow_get_agents (workflow);
  guint64 hash = 14695981039346656037ull;

  hash = hash_string (hash, troupe_workflow_get_default_provider (workflow));
  for (guint i = 0; i < agents->len; i++)
    {
      TroupeAgent *agent = g_ptr_array_index (agents, i);

      hash = hash_string (hash, troupe_agent_get_name (agent));
      hash = hash_string (hash, troupe_agent_get_color (agent));
      hash = hash_string (hash, troupe_agent_get_provider (agent));
    }
  return hash;
}

void
_troupe_canvas_scene_update (TroupeCanvas *self)
{
  if (self->workflow == NULL)
    return;

  if (self->workflow_maybe_changed)
    {
      guint64 fingerprint = workflow_fingerprint (self->workflow);

      self->workflow_maybe_changed = FALSE;
      if (fingerprint != self->workflow_fingerprint)
        {
          self->workflow_fingerprint = fingerprint;
          _troupe_canvas_scene_invalidate (self);
        }
    }

  if (self->order_dirty)
    {
      GPtrArray *steps = troupe_workflow_get_steps (self->workflow);

      for (guint i = 0; i < steps->len; i++)
        {
          CanvasCard *card = _troupe_canvas_lookup_card (self, g_ptr_array_index (steps, i));

          if (card != NULL)
            card->order = i;
        }
      self->order_dirty = FALSE;
    }
}

void
_troupe_canvas_card_origin (TroupeCanvas *self,
                            CanvasCard   *card,
                            double       *x,
                            double       *y)
{
  double p = self->motion_progress;

  if (card->moving)
    {
      *x = card->ax + (card->tx - card->ax) * p;
      *y = card->ay + (card->ty - card->ay) * p;
    }
  else
    {
      *x = card->x;
      *y = card->y;
    }
}

gboolean
_troupe_canvas_get_drawn_position (TroupeCanvas *self,
                                   TroupeStep   *step,
                                   double       *x,
                                   double       *y)
{
  CanvasCard *card;

  g_return_val_if_fail (TROUPE_IS_CANVAS (self), FALSE);

  card = _troupe_canvas_lookup_card (self, step);
  if (card == NULL || !card->positioned)
    return FALSE;
  _troupe_canvas_card_origin (self, card, x, y);
  return TRUE;
}

guint
_troupe_canvas_get_n_edges (TroupeCanvas *self)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_return_val_if_fail (TROUPE_IS_CANVAS (self), 0);

  g_hash_table_iter_init (&iter, self->cards);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      CanvasCard *card = value;

      for (guint i = 0; i < card->edges->len; i++)
        n += ((CanvasEdge *) g_ptr_array_index (card->edges, i))->to == card;
    }
  return n;
}
