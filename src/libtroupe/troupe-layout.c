/* troupe-layout.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <gvc.h>

#include "troupe-dot-private.h"
#include "troupe-export.h"
#include "troupe-layout.h"

/* graphviz works in points (1/72 inch) and the canvas in graph pixels; one
 * point is one graph pixel, so a card of TROUPE_CARD_WIDTH pixels is a node
 * of TROUPE_CARD_WIDTH / 72 inches. */
#define PIXELS_PER_INCH  72.0

/* Space between cards of one rank and between ranks, in inches as dot
 * takes them: enough room for the edges the canvas draws between cards. */
#define NODE_SEP_INCHES  0.5
#define RANK_SEP_INCHES  0.6

#define NODE_GAP  (NODE_SEP_INCHES * PIXELS_PER_INCH)
#define RANK_GAP  (RANK_SEP_INCHES * PIXELS_PER_INCH)

/* Free space kept around the topmost-leftmost card. */
#define LAYOUT_MARGIN  40.0

/* Cards closer than this to each other count as overlapping when a new
 * card looks for free space: less than the layout's own spacing, so that
 * a card may still fit into a slightly tight spot between laid-out ones. */
#define OVERLAP_GAP  16.0

static const char *
rank_dir_to_dot (TroupeRankDir rank_dir)
{
  switch (rank_dir)
    {
    case TROUPE_RANK_DIR_LR: return "LR";
    case TROUPE_RANK_DIR_BT: return "BT";
    case TROUPE_RANK_DIR_RL: return "RL";
    case TROUPE_RANK_DIR_TB:
    default:
      return "TB";
    }
}

static void
declare_attribute (Agraph_t   *g,
                   int         kind,
                   const char *name,
                   const char *value)
{
  agattr (g, kind, (char *) name, (char *) value);
}

typedef struct
{
  guint    tail;
  guint    head;
  gboolean reversed;
} LayoutEdge;

/* The edges between steps, tail (the need) to head, in step and need
 * order; needs that name no step are the validator's business, and a step
 * that needs itself has nothing to lay out. */
static GArray *
collect_edges (GPtrArray *steps)
{
  g_autoptr(GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
  GArray *edges = g_array_new (FALSE, FALSE, sizeof (LayoutEdge));

  for (guint i = 0; i < steps->len; i++)
    {
      const char *id = troupe_step_get_id (g_ptr_array_index (steps, i));

      if (!g_hash_table_contains (index, id))
        g_hash_table_insert (index, (gpointer) id, GUINT_TO_POINTER (i + 1));
    }

  for (guint i = 0; i < steps->len; i++)
    {
      const char * const *needs = troupe_step_get_needs (g_ptr_array_index (steps, i));

      for (guint j = 0; needs != NULL && needs[j] != NULL; j++)
        {
          guint tail = GPOINTER_TO_UINT (g_hash_table_lookup (index, needs[j]));
          LayoutEdge edge = { tail - 1, i, FALSE };

          if (tail != 0 && tail - 1 != i)
            g_array_append_val (edges, edge);
        }
    }

  return edges;
}

/* Marks the edges that close a cycle (back edges of a depth-first search
 * in step order) as reversed. dot would reverse them itself, but graphviz
 * 2.42 leaks the edge it makes for each; a graph without cycles never
 * gets there, and the layout is the same. Iterative: a long chain of
 * steps must not exhaust the stack. */
static void
reverse_back_edges (GArray *edges,
                    guint   n_nodes)
{
  g_autofree guint *start = g_new0 (guint, n_nodes + 1);
  g_autofree guint *out = g_new (guint, MAX (edges->len, 1));
  g_autofree guint *fill = g_new (guint, n_nodes);
  g_autofree guint *next = g_new (guint, n_nodes);
  g_autofree guint *stack = g_new (guint, n_nodes);
  g_autofree guint8 *state = g_new0 (guint8, n_nodes);  /* 0 new, 1 open, 2 done */

  /* Out-edges of every node, as one array. */
  for (guint e = 0; e < edges->len; e++)
    start[g_array_index (edges, LayoutEdge, e).tail + 1]++;
  for (guint v = 0; v < n_nodes; v++)
    start[v + 1] += start[v];
  memcpy (fill, start, n_nodes * sizeof (guint));
  for (guint e = 0; e < edges->len; e++)
    out[fill[g_array_index (edges, LayoutEdge, e).tail]++] = e;

  for (guint root = 0; root < n_nodes; root++)
    {
      guint depth = 0;

      if (state[root] != 0)
        continue;

      state[root] = 1;
      next[root] = start[root];
      stack[depth++] = root;

      while (depth > 0)
        {
          guint u = stack[depth - 1];

          if (next[u] < start[u + 1])
            {
              LayoutEdge *edge = &g_array_index (edges, LayoutEdge, out[next[u]++]);

              if (state[edge->head] == 1)
                edge->reversed = TRUE;
              else if (state[edge->head] == 0)
                {
                  state[edge->head] = 1;
                  next[edge->head] = start[edge->head];
                  stack[depth++] = edge->head;
                }
            }
          else
            {
              state[u] = 2;
              depth--;
            }
        }
    }
}

/* Runs dot on the steps and fills @centers with each step's centre in
 * points, y up. Called with the graphviz lock held. */
static gboolean
run_dot (TroupeWorkflow *self,
         GPtrArray      *steps,
         double         *centers)
{
  GVC_t *gvc = _troupe_graphviz_get_context ();
  g_autoptr(Agraph_t) g = NULL;
  g_autoptr(GArray) edges = NULL;
  g_autofree Agnode_t **nodes = NULL;
  char width[G_ASCII_DTOSTR_BUF_SIZE];
  char height[G_ASCII_DTOSTR_BUF_SIZE];

  g = agopen ((char *) "layout", Agdirected, NULL);

  g_ascii_formatd (width, sizeof width, "%.6f", TROUPE_CARD_WIDTH / PIXELS_PER_INCH);
  g_ascii_formatd (height, sizeof height, "%.6f", TROUPE_CARD_HEIGHT / PIXELS_PER_INCH);

  declare_attribute (g, AGRAPH, "rankdir", rank_dir_to_dot (troupe_workflow_get_rank_dir (self)));
  declare_attribute (g, AGRAPH, "nodesep", G_STRINGIFY (NODE_SEP_INCHES));
  declare_attribute (g, AGRAPH, "ranksep", G_STRINGIFY (RANK_SEP_INCHES));
  /* The canvas draws its own edges: an empty "splines" makes dot skip
   * routing them, which is most of its time on large graphs. */
  declare_attribute (g, AGRAPH, "splines", "");

  /* Every card has the same size and no text for dot to measure, so
   * defaults on the graph say it all and no text layout runs. */
  declare_attribute (g, AGNODE, "shape", "box");
  declare_attribute (g, AGNODE, "fixedsize", "true");
  declare_attribute (g, AGNODE, "width", width);
  declare_attribute (g, AGNODE, "height", height);
  declare_attribute (g, AGNODE, "label", "");

  nodes = g_new0 (Agnode_t *, steps->len);
  for (guint i = 0; i < steps->len; i++)
    nodes[i] = agnode (g, (char *) troupe_step_get_id (g_ptr_array_index (steps, i)), TRUE);

  edges = collect_edges (steps);
  reverse_back_edges (edges, steps->len);
  for (guint e = 0; e < edges->len; e++)
    {
      const LayoutEdge *edge = &g_array_index (edges, LayoutEdge, e);

      if (edge->reversed)
        agedge (g, nodes[edge->head], nodes[edge->tail], NULL, TRUE);
      else
        agedge (g, nodes[edge->tail], nodes[edge->head], NULL, TRUE);
    }

  if (gvLayout (gvc, g, "dot") != 0)
    return FALSE;

  for (guint i = 0; i < steps->len; i++)
    {
      centers[2 * i] = ND_coord (nodes[i]).x;
      centers[2 * i + 1] = ND_coord (nodes[i]).y;
    }

  gvFreeLayout (gvc, g);

  return TRUE;
}

gboolean
troupe_workflow_layout (TroupeWorkflow  *self,
                        GError         **error)
{
  g_autofree double *centers = NULL;
  g_autofree char *messages = NULL;
  GPtrArray *steps;
  double min_x = G_MAXDOUBLE;
  double min_y = G_MAXDOUBLE;
  gboolean ok;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  steps = troupe_workflow_get_steps (self);
  if (steps->len == 0)
    return TRUE;

  centers = g_new0 (double, 2 * steps->len);

  _troupe_graphviz_begin ();
  ok = run_dot (self, steps, centers);
  messages = _troupe_graphviz_end ();

  if (!ok)
    {
      /* Without its dot plugin ("Layout type: "dot" not recognized"),
       * graphviz knows no layout at all: that is a matter of installing a
       * package, not a problem of the workflow. */
      if (messages != NULL && strstr (messages, "not recognized") != NULL)
        g_set_error (error, TROUPE_EXPORT_ERROR, TROUPE_EXPORT_ERROR_UNSUPPORTED,
                     "graphviz on this system has no dot layout plugin, so it cannot lay "
                     "the workflow out; install graphviz's plugins (Debian and Ubuntu: "
                     "libgvc6, Fedora: graphviz), then run \"dot -c\" as root to register them");
      else
        g_set_error (error, TROUPE_EXPORT_ERROR, TROUPE_EXPORT_ERROR_FAILED,
                     "graphviz could not lay the workflow out: %s",
                     messages != NULL ? messages : "no reason given");
      return FALSE;
    }

  /* dot gives centres with y up; cards are placed by their top-left corner
   * with y down. */
  for (guint i = 0; i < steps->len; i++)
    {
      centers[2 * i] -= TROUPE_CARD_WIDTH / 2.0;
      centers[2 * i + 1] = -centers[2 * i + 1] - TROUPE_CARD_HEIGHT / 2.0;
      min_x = MIN (min_x, centers[2 * i]);
      min_y = MIN (min_y, centers[2 * i + 1]);
    }

  for (guint i = 0; i < steps->len; i++)
    troupe_step_set_position (g_ptr_array_index (steps, i),
                              round (centers[2 * i] - min_x + LAYOUT_MARGIN),
                              round (centers[2 * i + 1] - min_y + LAYOUT_MARGIN));

  return TRUE;
}

/* Placement works in rank space: "r" runs along the rank direction (down
 * for TB, right for LR, up for BT, left for RL, counted in the canvas's
 * own x or y) and "c" runs across it, along a rank. */
typedef struct
{
  gboolean horizontal;   /* ranks follow each other along x (LR, RL) */
  double   sign;         /* +1 when later ranks have larger coordinates */
  double   rank_extent;  /* a card's size along r */
  double   cross_extent; /* a card's size along c */
} RankSpace;

static void
rank_space_init (RankSpace     *space,
                 TroupeRankDir  rank_dir)
{
  space->horizontal = rank_dir == TROUPE_RANK_DIR_LR || rank_dir == TROUPE_RANK_DIR_RL;
  space->sign = rank_dir == TROUPE_RANK_DIR_BT || rank_dir == TROUPE_RANK_DIR_RL ? -1.0 : 1.0;
  space->rank_extent = space->horizontal ? TROUPE_CARD_WIDTH : TROUPE_CARD_HEIGHT;
  space->cross_extent = space->horizontal ? TROUPE_CARD_HEIGHT : TROUPE_CARD_WIDTH;
}

static gboolean
get_rank_position (const RankSpace *space,
                   TroupeStep      *step,
                   double          *r,
                   double          *c)
{
  double x, y;

  if (!troupe_step_get_position (step, &x, &y))
    return FALSE;

  *r = space->horizontal ? x : y;
  *c = space->horizontal ? y : x;
  return TRUE;
}

/* The ideal spot: a rank after the deepest step @step needs, centred on
 * them; else a rank before its dependents; else beside everything. */
static void
find_ideal_position (TroupeWorkflow  *self,
                     TroupeStep      *step,
                     const RankSpace *space,
                     double          *ideal_r,
                     double          *ideal_c)
{
  GPtrArray *steps = troupe_workflow_get_steps (self);
  const char * const *needs = troupe_step_get_needs (step);
  const char *id = troupe_step_get_id (step);
  double deepest = -G_MAXDOUBLE, shallowest = G_MAXDOUBLE;
  double needs_c = 0.0, dependents_c = 0.0;
  guint n_needs = 0, n_dependents = 0, n_placed = 0;
  double min_r = G_MAXDOUBLE, max_r = -G_MAXDOUBLE, max_c = -G_MAXDOUBLE;

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *other = g_ptr_array_index (steps, i);
      const char *other_id = troupe_step_get_id (other);
      double r, c;

      if (other == step || !get_rank_position (space, other, &r, &c))
        continue;

      n_placed++;
      min_r = MIN (min_r, r);
      max_r = MAX (max_r, r);
      max_c = MAX (max_c, c);

      if (needs != NULL && g_strv_contains (needs, other_id))
        {
          /* Scaled by the sign, "deeper" is always "larger". */
          deepest = MAX (deepest, space->sign * r);
          needs_c += c;
          n_needs++;
        }
      if (id != NULL && troupe_step_has_need (other, id))
        {
          shallowest = MIN (shallowest, space->sign * r);
          dependents_c += c;
          n_dependents++;
        }
    }

  if (n_needs > 0)
    {
      *ideal_r = space->sign * deepest + space->sign * (space->rank_extent + RANK_GAP);
      *ideal_c = needs_c / n_needs;
    }
  else if (n_dependents > 0)
    {
      *ideal_r = space->sign * shallowest - space->sign * (space->rank_extent + RANK_GAP);
      *ideal_c = dependents_c / n_dependents;
    }
  else if (n_placed > 0)
    {
      /* A new root: in the first rank, after everything across it. */
      *ideal_r = space->sign > 0 ? min_r : max_r;
      *ideal_c = max_c + space->cross_extent + NODE_GAP;
    }
  else
    {
      *ideal_r = LAYOUT_MARGIN;
      *ideal_c = LAYOUT_MARGIN;
    }
}

void
troupe_workflow_place_step (TroupeWorkflow *self,
                            TroupeStep     *step)
{
  g_autofree gboolean *blocked = NULL;
  GPtrArray *steps;
  RankSpace space;
  double ideal_r, ideal_c;
  double slot, reach;
  guint n_band = 0;
  gint64 limit;
  gint64 chosen = 0;

  g_return_if_fail (TROUPE_IS_WORKFLOW (self));
  g_return_if_fail (TROUPE_IS_STEP (step));

  rank_space_init (&space, troupe_workflow_get_rank_dir (self));
  find_ideal_position (self, step, &space, &ideal_r, &ideal_c);

  /* Candidate slots lie on the ideal rank, k slots to either side of the
   * ideal spot. Only cards that overlap that rank's band can block one,
   * and each blocks at most two slots, so among 4m+3 slots around the
   * ideal one (m cards in the band) one is free: a single pass over the
   * steps and an array of that size find it, in linear time. */
  steps = troupe_workflow_get_steps (self);
  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *other = g_ptr_array_index (steps, i);
      double r, c;

      if (other != step && get_rank_position (&space, other, &r, &c) &&
          fabs (r - ideal_r) < space.rank_extent + OVERLAP_GAP)
        n_band++;
    }

  limit = 2 * (gint64) n_band + 1;
  blocked = g_new0 (gboolean, 2 * limit + 1);
  slot = space.cross_extent + NODE_GAP;
  reach = (space.cross_extent + OVERLAP_GAP) / slot;

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *other = g_ptr_array_index (steps, i);
      double r, c, t;

      if (other == step || !get_rank_position (&space, other, &r, &c) ||
          fabs (r - ideal_r) >= space.rank_extent + OVERLAP_GAP)
        continue;

      /* The card at c blocks slot k when |k - t| < reach (reach < 1). */
      t = (c - ideal_c) / slot;
      for (double k = ceil (t - reach); k <= floor (t + reach); k++)
        {
          if (fabs (k - t) < reach && fabs (k) <= (double) limit)
            blocked[(gint64) k + limit] = TRUE;
        }
    }

  /* Nearest free slot first, alternating right (or down) and left (or up). */
  for (gint64 distance = 0; distance <= limit; distance++)
    {
      if (!blocked[distance + limit])
        {
          chosen = distance;
          break;
        }
      if (!blocked[-distance + limit])
        {
          chosen = -distance;
          break;
        }
    }

  ideal_c += (double) chosen * slot;
  ideal_r = round (ideal_r);
  ideal_c = round (ideal_c);

  if (space.horizontal)
    troupe_step_set_position (step, ideal_r, ideal_c);
  else
    troupe_step_set_position (step, ideal_c, ideal_r);
}
