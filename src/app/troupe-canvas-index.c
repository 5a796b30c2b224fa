/* troupe-canvas-index.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include "troupe-canvas-index.h"

/* Cell coordinates are ints; graph coordinates far beyond any real graph
 * are clamped so that the conversion stays defined. */
#define COORD_LIMIT 1e9
/* An item that would touch more cells than this (an edge between cards
 * far apart on both axes) is listed apart instead, so that one item
 * cannot cost millions of cells. */
#define MAX_ITEM_CELLS 4096

/* A rectangle of cells, inclusive; or, when huge, none: the item is
 * listed in self->huge instead. */
typedef struct
{
  int      x0;
  int      y0;
  int      x1;
  int      y1;
  gboolean huge;
} Range;

typedef struct
{
  gpointer        item;
  graphene_rect_t bounds;
  /* The cells the item is listed in. */
  Range           range;
  /* The query that last returned it, so that an item listed in several
   * cells is returned once. */
  guint           stamp;
} Entry;

struct _TroupeCanvasCell
{
  /* The hash table's key: x in the high half, y in the low half. */
  gint64          key;
  int             x;
  int             y;
  double          size;
  GPtrArray      *entries;
  gpointer        data;
  GDestroyNotify  destroy;
};

struct _TroupeCanvasIndex
{
  /* item -> Entry (owned) */
  GHashTable *entries;
  /* &cell->key -> TroupeCanvasCell (owned) */
  GHashTable *cells;
  /* Entries too big for cells (borrowed from entries). */
  GPtrArray  *huge;
  double      cell_size;
  guint       stamp;
};

static void
cell_drop_data (TroupeCanvasCell *cell)
{
  gpointer data = g_steal_pointer (&cell->data);
  GDestroyNotify destroy = g_steal_pointer (&cell->destroy);

  if (data != NULL && destroy != NULL)
    destroy (data);
}

static void
cell_free (TroupeCanvasCell *cell)
{
  cell_drop_data (cell);
  g_ptr_array_unref (cell->entries);
  g_free (cell);
}

static gint64
cell_key (int x,
          int y)
{
  return (gint64) (((guint64) (guint32) x << 32) | (guint32) y);
}

static int
cell_coord (TroupeCanvasIndex *self,
            double             v)
{
  if (!(v > -COORD_LIMIT))
    v = -COORD_LIMIT;
  else if (v > COORD_LIMIT)
    v = COORD_LIMIT;
  return (int) floor (v / self->cell_size);
}

static void
cell_range (TroupeCanvasIndex     *self,
            const graphene_rect_t *rect,
            Range                 *range)
{
  graphene_rect_t r;

  graphene_rect_normalize_r (rect, &r);
  range->x0 = cell_coord (self, r.origin.x);
  range->y0 = cell_coord (self, r.origin.y);
  range->x1 = cell_coord (self, (double) r.origin.x + r.size.width);
  range->y1 = cell_coord (self, (double) r.origin.y + r.size.height);
  range->huge = ((double) range->x1 - range->x0 + 1) * ((double) range->y1 - range->y0 + 1) > MAX_ITEM_CELLS;
}

static TroupeCanvasCell *
lookup_cell (TroupeCanvasIndex *self,
             int                x,
             int                y)
{
  gint64 key = cell_key (x, y);

  return g_hash_table_lookup (self->cells, &key);
}

static gboolean
range_contains (const Range *range,
                int          x,
                int          y)
{
  return range != NULL && !range->huge &&
         x >= range->x0 && x <= range->x1 && y >= range->y0 && y <= range->y1;
}

/* Takes @entry out of the cells of its range, except those of @keep, which
 * it stays in but whose data is dropped all the same: the item moved in
 * them. A cell left empty goes. */
static void
unlist (TroupeCanvasIndex *self,
        Entry             *entry,
        const Range       *keep)
{
  const Range *range = &entry->range;

  if (range->huge)
    {
      g_ptr_array_remove_fast (self->huge, entry);
      return;
    }

  for (int y = range->y0; y <= range->y1; y++)
    for (int x = range->x0; x <= range->x1; x++)
      {
        TroupeCanvasCell *cell = lookup_cell (self, x, y);

        g_assert (cell != NULL);
        if (range_contains (keep, x, y))
          {
            cell_drop_data (cell);
            continue;
          }
        g_ptr_array_remove_fast (cell->entries, entry);
        if (cell->entries->len == 0)
          g_hash_table_remove (self->cells, &cell->key);
        else
          cell_drop_data (cell);
      }
}

/* Puts @entry in the cells of its range but those of @already, which it
 * is in. */
static void
list (TroupeCanvasIndex *self,
      Entry             *entry,
      const Range       *already)
{
  const Range *range = &entry->range;

  if (range->huge)
    {
      g_ptr_array_add (self->huge, entry);
      return;
    }

  for (int y = range->y0; y <= range->y1; y++)
    for (int x = range->x0; x <= range->x1; x++)
      {
        TroupeCanvasCell *cell;

        if (range_contains (already, x, y))
          continue;

        cell = lookup_cell (self, x, y);
        if (cell == NULL)
          {
            cell = g_new0 (TroupeCanvasCell, 1);
            cell->x = x;
            cell->y = y;
            cell->key = cell_key (x, y);
            cell->size = self->cell_size;
            cell->entries = g_ptr_array_new ();
            g_hash_table_insert (self->cells, &cell->key, cell);
          }
        else
          cell_drop_data (cell);
        g_ptr_array_add (cell->entries, entry);
      }
}

TroupeCanvasIndex *
troupe_canvas_index_new (double cell_size)
{
  TroupeCanvasIndex *self;

  g_return_val_if_fail (cell_size > 0, NULL);

  self = g_new0 (TroupeCanvasIndex, 1);
  self->cell_size = cell_size;
  self->entries = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->cells = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, (GDestroyNotify) cell_free);
  self->huge = g_ptr_array_new ();
  return self;
}

void
troupe_canvas_index_free (TroupeCanvasIndex *self)
{
  if (self == NULL)
    return;

  g_hash_table_unref (self->cells);
  g_ptr_array_unref (self->huge);
  g_hash_table_unref (self->entries);
  g_free (self);
}

void
troupe_canvas_index_remove_all (TroupeCanvasIndex *self)
{
  g_return_if_fail (self != NULL);

  g_hash_table_remove_all (self->cells);
  g_ptr_array_set_size (self->huge, 0);
  g_hash_table_remove_all (self->entries);
}

void
troupe_canvas_index_set (TroupeCanvasIndex     *self,
                         gpointer               item,
                         const graphene_rect_t *bounds)
{
  graphene_rect_t normal;
  Range range, old;
  Entry *entry;

  g_return_if_fail (self != NULL);
  g_return_if_fail (item != NULL);
  g_return_if_fail (bounds != NULL);

  graphene_rect_normalize_r (bounds, &normal);
  cell_range (self, &normal, &range);

  /* An item that moves stays in the cells its old and new places share,
   * so that moving a card by a few pixels costs no cell. */
  entry = g_hash_table_lookup (self->entries, item);
  if (entry != NULL)
    {
      if (graphene_rect_equal (&entry->bounds, &normal))
        return;
      old = entry->range;
      unlist (self, entry, &range);
      entry->bounds = normal;
      entry->range = range;
      list (self, entry, &old);
    }
  else
    {
      entry = g_new0 (Entry, 1);
      entry->item = item;
      entry->bounds = normal;
      entry->range = range;
      g_hash_table_insert (self->entries, item, entry);
      list (self, entry, NULL);
    }
}

gboolean
troupe_canvas_index_remove (TroupeCanvasIndex *self,
                            gpointer           item)
{
  Entry *entry;

  g_return_val_if_fail (self != NULL, FALSE);

  entry = g_hash_table_lookup (self->entries, item);
  if (entry == NULL)
    return FALSE;

  unlist (self, entry, NULL);
  g_hash_table_remove (self->entries, item);
  return TRUE;
}

gboolean
troupe_canvas_index_get_bounds (TroupeCanvasIndex *self,
                                gpointer           item,
                                graphene_rect_t   *bounds)
{
  Entry *entry;

  g_return_val_if_fail (self != NULL, FALSE);

  entry = g_hash_table_lookup (self->entries, item);
  if (entry == NULL)
    return FALSE;
  if (bounds != NULL)
    *bounds = entry->bounds;
  return TRUE;
}

guint
troupe_canvas_index_get_n_items (TroupeCanvasIndex *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return g_hash_table_size (self->entries);
}

guint
troupe_canvas_index_get_n_cells (TroupeCanvasIndex *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return g_hash_table_size (self->cells);
}


/* Calls @func on every non-empty cell in the range: cell by cell when the
 * range is smaller than the set of cells, else over the set, so that a
 * view zoomed far out over a small graph costs no more than the graph. */
static void
foreach_cell (TroupeCanvasIndex *self,
              const Range       *range,
              void             (*func) (TroupeCanvasCell *cell,
                                        gpointer          data),
              gpointer           data)
{
  double n_range = ((double) range->x1 - range->x0 + 1) * ((double) range->y1 - range->y0 + 1);

  if (n_range > g_hash_table_size (self->cells))
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->cells);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          TroupeCanvasCell *cell = value;

          if (cell->x >= range->x0 && cell->x <= range->x1 && cell->y >= range->y0 && cell->y <= range->y1)
            func (cell, data);
        }
      return;
    }

  for (int y = range->y0; y <= range->y1; y++)
    for (int x = range->x0; x <= range->x1; x++)
      {
        TroupeCanvasCell *cell = lookup_cell (self, x, y);

        if (cell != NULL)
          func (cell, data);
      }
}

typedef struct
{
  TroupeCanvasIndex     *self;
  const graphene_rect_t *rect;
  GPtrArray             *out;
} Query;

static void
query_items_cb (TroupeCanvasCell *cell,
                gpointer          data)
{
  Query *query = data;

  for (guint i = 0; i < cell->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (cell->entries, i);

      if (entry->stamp == query->self->stamp)
        continue;
      entry->stamp = query->self->stamp;
      if (graphene_rect_intersection (&entry->bounds, query->rect, NULL))
        g_ptr_array_add (query->out, entry->item);
    }
}

void
troupe_canvas_index_query (TroupeCanvasIndex     *self,
                           const graphene_rect_t *rect,
                           GPtrArray             *items)
{
  Query query = { self, rect, items };
  Range range;

  g_return_if_fail (self != NULL);
  g_return_if_fail (rect != NULL);
  g_return_if_fail (items != NULL);

  /* A new stamp for this query; when it wraps around, old stamps could
   * collide with it, so they are all reset. */
  if (++self->stamp == 0)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->entries);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        ((Entry *) value)->stamp = 0;
      self->stamp = 1;
    }

  cell_range (self, rect, &range);
  foreach_cell (self, &range, query_items_cb, &query);
  troupe_canvas_index_query_huge (self, rect, items);
}

void
troupe_canvas_index_query_huge (TroupeCanvasIndex     *self,
                                const graphene_rect_t *rect,
                                GPtrArray             *items)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (rect != NULL);
  g_return_if_fail (items != NULL);

  for (guint i = 0; i < self->huge->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->huge, i);

      if (graphene_rect_intersection (&entry->bounds, rect, NULL))
        g_ptr_array_add (items, entry->item);
    }
}

static void
query_cells_cb (TroupeCanvasCell *cell,
                gpointer          data)
{
  g_ptr_array_add (data, cell);
}

void
troupe_canvas_index_query_cells (TroupeCanvasIndex     *self,
                                 const graphene_rect_t *rect,
                                 GPtrArray             *cells)
{
  Range range;

  g_return_if_fail (self != NULL);
  g_return_if_fail (rect != NULL);
  g_return_if_fail (cells != NULL);

  cell_range (self, rect, &range);
  foreach_cell (self, &range, query_cells_cb, cells);
}

void
troupe_canvas_index_clear_data (TroupeCanvasIndex *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (self != NULL);

  g_hash_table_iter_init (&iter, self->cells);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    cell_drop_data (value);
}

void
troupe_canvas_cell_get_bounds (TroupeCanvasCell *cell,
                               graphene_rect_t  *bounds)
{
  g_return_if_fail (cell != NULL);

  graphene_rect_init (bounds, cell->x * cell->size, cell->y * cell->size, cell->size, cell->size);
}

guint
troupe_canvas_cell_get_n_items (TroupeCanvasCell *cell)
{
  g_return_val_if_fail (cell != NULL, 0);

  return cell->entries->len;
}

gpointer
troupe_canvas_cell_get_item (TroupeCanvasCell *cell,
                             guint             i)
{
  g_return_val_if_fail (cell != NULL, NULL);
  g_return_val_if_fail (i < cell->entries->len, NULL);

  return ((Entry *) g_ptr_array_index (cell->entries, i))->item;
}

void
troupe_canvas_cell_get_extents (TroupeCanvasCell *cell,
                                graphene_rect_t  *extents)
{
  graphene_rect_t bounds, all;

  g_return_if_fail (cell != NULL);
  g_return_if_fail (cell->entries->len > 0);

  all = ((Entry *) g_ptr_array_index (cell->entries, 0))->bounds;
  for (guint i = 1; i < cell->entries->len; i++)
    graphene_rect_union (&all, &((Entry *) g_ptr_array_index (cell->entries, i))->bounds, &all);

  troupe_canvas_cell_get_bounds (cell, &bounds);
  if (!graphene_rect_intersection (&all, &bounds, extents))
    graphene_rect_init (extents, bounds.origin.x, bounds.origin.y, 0, 0);
}

gpointer
troupe_canvas_cell_get_data (TroupeCanvasCell *cell)
{
  g_return_val_if_fail (cell != NULL, NULL);

  return cell->data;
}

void
troupe_canvas_cell_set_data (TroupeCanvasCell *cell,
                             gpointer          data,
                             GDestroyNotify    destroy)
{
  g_return_if_fail (cell != NULL);

  cell_drop_data (cell);
  cell->data = data;
  cell->destroy = destroy;
}
