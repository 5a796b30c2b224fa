/* troupe-workflow-graph.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The graph queries of TroupeWorkflow: topological order, cycles, roots,
 * sinks, reachability and path lengths. Each works on a snapshot of the
 * graph as integer adjacency lists, in O(V + E), without recursion. */

#include "config.h"

#include "troupe-workflow-private.h"

/* A snapshot of the graph as integer adjacency lists (compressed rows), so
 * the algorithms below run in O(V + E) without hashing inside loops. Needs
 * that name missing steps, and repeated needs, are left out. */
typedef struct
{
  guint        n;
  TroupeStep **steps;       /* borrowed, file order */
  GHashTable  *index;       /* id -> index + 1 */
  guint       *pred_start;  /* n + 1 */
  guint       *preds;
  guint       *succ_start;  /* n + 1 */
  guint       *succs;
} Graph;

static void
graph_free (Graph *g)
{
  g_clear_pointer (&g->index, g_hash_table_unref);
  g_free (g->pred_start);
  g_free (g->preds);
  g_free (g->succ_start);
  g_free (g->succs);
  g_free (g);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Graph, graph_free)

static Graph *
graph_build (TroupeWorkflow *self)
{
  Graph *g = g_new0 (Graph, 1);
  g_autofree guint *succ_fill = NULL;
  g_autofree guint *mark = NULL;
  guint n_edges = 0;

  g->n = troupe_workflow_get_n_steps (self);
  g->steps = (TroupeStep **) troupe_workflow_get_steps (self)->pdata;
  g->index = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < g->n; i++)
    g_hash_table_insert (g->index, (gpointer) troupe_step_get_id (g->steps[i]), GUINT_TO_POINTER (i + 1));

  /* Predecessors: resolved needs, without duplicates (mark[] remembers the
   * last step that listed a predecessor). */
  g->pred_start = g_new0 (guint, g->n + 1);
  mark = g_new0 (guint, g->n);
  for (guint i = 0; i < g->n; i++)
    {
      const char * const *needs = troupe_step_get_needs (g->steps[i]);

      for (guint j = 0; needs != NULL && needs[j] != NULL; j++)
        n_edges++;
    }
  g->preds = g_new (guint, MAX (n_edges, 1));
  n_edges = 0;
  for (guint i = 0; i < g->n; i++)
    {
      const char * const *needs = troupe_step_get_needs (g->steps[i]);

      g->pred_start[i] = n_edges;
      for (guint j = 0; needs != NULL && needs[j] != NULL; j++)
        {
          guint p = GPOINTER_TO_UINT (g_hash_table_lookup (g->index, needs[j]));

          if (p == 0 || mark[p - 1] == i + 1)
            continue;
          mark[p - 1] = i + 1;
          g->preds[n_edges++] = p - 1;
        }
    }
  g->pred_start[g->n] = n_edges;

  /* Successors: the same edges, transposed; kept in file order of the
   * dependent because i grows. */
  g->succ_start = g_new0 (guint, g->n + 1);
  g->succs = g_new (guint, MAX (n_edges, 1));
  for (guint e = 0; e < n_edges; e++)
    g->succ_start[g->preds[e] + 1]++;
  for (guint i = 0; i < g->n; i++)
    g->succ_start[i + 1] += g->succ_start[i];
  succ_fill = g_memdup2 (g->succ_start, sizeof (guint) * (g->n + 1));
  for (guint i = 0; i < g->n; i++)
    for (guint e = g->pred_start[i]; e < g->pred_start[i + 1]; e++)
      g->succs[succ_fill[g->preds[e]]++] = i;

  return g;
}

static int
graph_lookup (Graph      *g,
              const char *id)
{
  return (int) GPOINTER_TO_UINT (g_hash_table_lookup (g->index, id)) - 1;
}

/* A binary min-heap of step indices: Kahn's algorithm pops the earliest
 * ready step in file order, which makes the order stable and readable. */
typedef struct
{
  guint *items;
  guint  len;
} Heap;

static void
heap_push (Heap  *h,
           guint  v)
{
  guint i = h->len++;

  h->items[i] = v;
  while (i > 0 && h->items[(i - 1) / 2] > h->items[i])
    {
      guint parent = (i - 1) / 2;
      guint tmp = h->items[parent];

      h->items[parent] = h->items[i];
      h->items[i] = tmp;
      i = parent;
    }
}

static guint
heap_pop (Heap *h)
{
  guint top = h->items[0];
  guint i = 0;

  h->items[0] = h->items[--h->len];
  for (;;)
    {
      guint l = 2 * i + 1, r = l + 1, m = i;

      if (l < h->len && h->items[l] < h->items[m])
        m = l;
      if (r < h->len && h->items[r] < h->items[m])
        m = r;
      if (m == i)
        break;
      {
        guint tmp = h->items[m];

        h->items[m] = h->items[i];
        h->items[i] = tmp;
      }
      i = m;
    }

  return top;
}

char *
_troupe_workflow_format_cycle (const char * const *ids)
{
  GString *str = g_string_new (NULL);

  for (guint i = 0; ids[i] != NULL; i++)
    g_string_append_printf (str, "%s → ", ids[i]);
  g_string_append (str, ids[0]);
  return g_string_free (str, FALSE);
}

gboolean
troupe_workflow_would_cycle (TroupeWorkflow *self,
                             const char     *from,
                             const char     *to,
                             GStrv          *cycle)
{
  g_autoptr(Graph) g = NULL;
  g_autofree int *parent = NULL;
  g_autofree guint *queue = NULL;
  guint head = 0, tail = 0;
  int src, dst;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), FALSE);

  if (cycle != NULL)
    *cycle = NULL;

  g = graph_build (self);
  src = graph_lookup (g, from);
  dst = graph_lookup (g, to);
  if (src < 0 || dst < 0)
    return FALSE;

  /* The new edge from -> to closes a cycle exactly when "from" can already
   * be reached from "to". A breadth-first search gives the shortest such
   * path, which makes the clearest message. */
  parent = g_new (int, g->n);
  for (guint i = 0; i < g->n; i++)
    parent[i] = -2;
  queue = g_new (guint, g->n);
  queue[tail++] = dst;
  parent[dst] = -1;

  while (head < tail && parent[src] == -2)
    {
      guint v = queue[head++];

      for (guint e = g->succ_start[v]; e < g->succ_start[v + 1]; e++)
        {
          guint w = g->succs[e];

          if (parent[w] == -2)
            {
              parent[w] = v;
              queue[tail++] = w;
            }
        }
    }

  if (parent[src] == -2)
    return FALSE;

  if (cycle != NULL)
    {
      GPtrArray *path = g_ptr_array_new ();
      GStrv result;
      guint n;

      for (int v = src; v >= 0; v = parent[v])
        g_ptr_array_add (path, (gpointer) troupe_step_get_id (g->steps[v]));
      /* path is from ... to; the cycle reads to ... from. */
      n = path->len;
      result = g_new0 (char *, n + 1);
      for (guint i = 0; i < n; i++)
        result[i] = g_strdup (g_ptr_array_index (path, n - 1 - i));
      g_ptr_array_unref (path);
      *cycle = result;
    }

  return TRUE;
}

GPtrArray *
troupe_workflow_topological_order (TroupeWorkflow  *self,
                                   GError         **error)
{
  g_autoptr(Graph) g = NULL;
  g_autofree guint *indegree = NULL;
  Heap heap;
  GPtrArray *order;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  g = graph_build (self);
  indegree = g_new0 (guint, g->n);
  heap.items = g_new (guint, MAX (g->n, 1));
  heap.len = 0;

  for (guint i = 0; i < g->n; i++)
    {
      indegree[i] = g->pred_start[i + 1] - g->pred_start[i];
      if (indegree[i] == 0)
        heap_push (&heap, i);
    }

  order = g_ptr_array_new_full (g->n, g_object_unref);
  while (heap.len > 0)
    {
      guint v = heap_pop (&heap);

      g_ptr_array_add (order, g_object_ref (g->steps[v]));
      for (guint e = g->succ_start[v]; e < g->succ_start[v + 1]; e++)
        if (--indegree[g->succs[e]] == 0)
          heap_push (&heap, g->succs[e]);
    }
  g_free (heap.items);

  if (order->len < g->n)
    {
      g_auto(GStrv) cycle = troupe_workflow_find_cycle (self);
      g_autofree char *text = cycle ? _troupe_workflow_format_cycle ((const char * const *) cycle) : g_strdup ("?");

      g_ptr_array_unref (order);
      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_CYCLE,
                   "the steps form a cycle: %s; remove one of these needs", text);
      return NULL;
    }

  return order;
}

GStrv
troupe_workflow_find_cycle (TroupeWorkflow *self)
{
  g_autoptr(Graph) g = NULL;
  g_autofree guint8 *color = NULL;
  g_autofree guint *stack = NULL;
  g_autofree guint *edge_pos = NULL;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  g = graph_build (self);
  color = g_new0 (guint8, g->n);      /* 0 white, 1 on the stack, 2 done */
  stack = g_new (guint, MAX (g->n, 1));
  edge_pos = g_new (guint, MAX (g->n, 1));

  /* An iterative depth-first search: a 10,000-step chain must not exhaust
   * the C stack. A successor that is still on the stack closes a cycle,
   * which is the stack from that successor up. */
  for (guint root = 0; root < g->n; root++)
    {
      guint depth = 0;

      if (color[root] != 0)
        continue;

      stack[depth] = root;
      edge_pos[depth] = g->succ_start[root];
      color[root] = 1;
      depth++;

      while (depth > 0)
        {
          guint v = stack[depth - 1];

          if (edge_pos[depth - 1] < g->succ_start[v + 1])
            {
              guint w = g->succs[edge_pos[depth - 1]++];

              if (color[w] == 1)
                {
                  GStrvBuilder *builder = g_strv_builder_new ();
                  GStrv result;
                  guint start = depth - 1;

                  while (stack[start] != w)
                    start--;
                  for (guint i = start; i < depth; i++)
                    g_strv_builder_add (builder, troupe_step_get_id (g->steps[stack[i]]));
                  result = g_strv_builder_end (builder);
                  g_strv_builder_unref (builder);
                  return result;
                }
              else if (color[w] == 0)
                {
                  color[w] = 1;
                  stack[depth] = w;
                  edge_pos[depth] = g->succ_start[w];
                  depth++;
                }
            }
          else
            {
              color[v] = 2;
              depth--;
            }
        }
    }

  return NULL;
}

static GPtrArray *
steps_where (Graph         *g,
             const guint8  *selected)
{
  GPtrArray *result = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g->n; i++)
    if (selected[i])
      g_ptr_array_add (result, g_object_ref (g->steps[i]));

  return result;
}

GPtrArray *
troupe_workflow_get_roots (TroupeWorkflow *self)
{
  g_autoptr(Graph) g = NULL;
  g_autofree guint8 *selected = NULL;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  g = graph_build (self);
  selected = g_new0 (guint8, MAX (g->n, 1));
  for (guint i = 0; i < g->n; i++)
    selected[i] = g->pred_start[i] == g->pred_start[i + 1];

  return steps_where (g, selected);
}

GPtrArray *
troupe_workflow_get_sinks (TroupeWorkflow *self)
{
  g_autoptr(Graph) g = NULL;
  g_autofree guint8 *selected = NULL;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  g = graph_build (self);
  selected = g_new0 (guint8, MAX (g->n, 1));
  for (guint i = 0; i < g->n; i++)
    selected[i] = g->succ_start[i] == g->succ_start[i + 1];

  return steps_where (g, selected);
}

GPtrArray *
troupe_workflow_get_dependents (TroupeWorkflow *self,
                                const char     *id)
{
  g_autoptr(Graph) g = NULL;
  g_autofree guint8 *selected = NULL;
  int v;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  g = graph_build (self);
  selected = g_new0 (guint8, MAX (g->n, 1));
  v = graph_lookup (g, id);
  if (v >= 0)
    for (guint e = g->succ_start[v]; e < g->succ_start[v + 1]; e++)
      selected[g->succs[e]] = 1;

  return steps_where (g, selected);
}

/* Marks everything reachable from @id (not @id itself, unless on a cycle)
 * along successor edges, or predecessor edges when @backwards. */
static GPtrArray *
reachable (TroupeWorkflow *self,
           const char     *id,
           gboolean        backwards)
{
  g_autoptr(Graph) g = graph_build (self);
  g_autofree guint8 *selected = g_new0 (guint8, MAX (g->n, 1));
  g_autofree guint8 *queued = g_new0 (guint8, MAX (g->n, 1));
  g_autofree guint *queue = g_new (guint, MAX (g->n, 1));
  const guint *start = backwards ? g->pred_start : g->succ_start;
  const guint *adj = backwards ? g->preds : g->succs;
  guint head = 0, tail = 0;
  int v = graph_lookup (g, id);

  /* Every step enters the queue once, the start too, even when a cycle
   * leads back to it (it is then also selected). */
  if (v >= 0)
    {
      queue[tail++] = v;
      queued[v] = 1;
    }

  while (head < tail)
    {
      guint u = queue[head++];

      for (guint e = start[u]; e < start[u + 1]; e++)
        {
          selected[adj[e]] = 1;
          if (!queued[adj[e]])
            {
              queued[adj[e]] = 1;
              queue[tail++] = adj[e];
            }
        }
    }

  return steps_where (g, selected);
}

GPtrArray *
troupe_workflow_get_descendants (TroupeWorkflow *self,
                                 const char     *id)
{
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  return reachable (self, id, FALSE);
}

GPtrArray *
troupe_workflow_get_ancestors (TroupeWorkflow *self,
                               const char     *id)
{
  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  return reachable (self, id, TRUE);
}

guint
troupe_workflow_get_path_length_to_sink (TroupeWorkflow *self,
                                         const char     *id)
{
  g_autoptr(Graph) g = NULL;
  g_autofree guint *length = NULL;
  g_autofree guint *outdegree = NULL;
  g_autofree guint *queue = NULL;
  guint head = 0, tail = 0;
  int v;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), 0);

  g = graph_build (self);
  v = graph_lookup (g, id);
  if (v < 0)
    return 0;

  /* Kahn's algorithm on the reversed graph, from the sinks up: a step's
   * length is known once all its dependents' are. Steps that lead into a
   * cycle are never reached and keep length 0. */
  length = g_new0 (guint, g->n);
  outdegree = g_new0 (guint, g->n);
  queue = g_new (guint, MAX (g->n, 1));
  for (guint i = 0; i < g->n; i++)
    {
      outdegree[i] = g->succ_start[i + 1] - g->succ_start[i];
      if (outdegree[i] == 0)
        {
          length[i] = 1;
          queue[tail++] = i;
        }
    }

  while (head < tail)
    {
      guint u = queue[head++];

      for (guint e = g->pred_start[u]; e < g->pred_start[u + 1]; e++)
        {
          guint p = g->preds[e];

          length[p] = MAX (length[p], length[u] + 1);
          if (--outdegree[p] == 0)
            queue[tail++] = p;
        }
    }

  return outdegree[v] == 0 ? length[v] : 0;
}

