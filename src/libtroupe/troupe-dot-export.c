/* troupe-dot-export.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <gvc.h>

#include "troupe-dot-private.h"
#include "troupe-export.h"

/* Fill colours for agents that have no colour of their own, by agent order:
 * the light tints of the GNOME palette, so that black text stays readable. */
static const char * const agent_palette[] = {
  "#99c1f1", /* blue 1 */
  "#8ff0a4", /* green 1 */
  "#f9f06b", /* yellow 1 */
  "#ffbe6f", /* orange 1 */
  "#f66151", /* red 1 */
  "#dc8add", /* purple 1 */
  "#cdab8f", /* brown 1 */
  "#deddda", /* light 3 */
};

/* The graphviz plumbing that layout, export and import share (see
 * troupe-dot-private.h) lives here, next to the graph builder. */
G_LOCK_DEFINE_STATIC (graphviz);
static GString *graphviz_messages;
static agusererrf graphviz_previous_errf;
static GVC_t *graphviz_context;

static int
capture_graphviz_message_cb (char *message)
{
  if (graphviz_messages != NULL && message != NULL)
    g_string_append (graphviz_messages, message);

  return 0;
}

void
_troupe_graphviz_begin (void)
{
  G_LOCK (graphviz);

  g_assert (graphviz_messages == NULL);

  graphviz_messages = g_string_new (NULL);
  graphviz_previous_errf = agseterrf (capture_graphviz_message_cb);
  agreseterrors ();
}

GVC_t *
_troupe_graphviz_get_context (void)
{
  g_assert (graphviz_messages != NULL);

  if (graphviz_context == NULL)
    graphviz_context = gvContext ();

  return graphviz_context;
}

char *
_troupe_graphviz_peek_messages (void)
{
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) cleaned = g_string_new (NULL);

  g_assert (graphviz_messages != NULL);

  /* agerr() hands the handler "Error", ": " and the message as separate
   * pieces; people only need the message. */
  lines = g_strsplit (graphviz_messages->str, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);

      if (g_str_has_prefix (line, "Error: "))
        line += strlen ("Error: ");
      else if (g_str_has_prefix (line, "Warning: "))
        line += strlen ("Warning: ");

      if (*line == '\0')
        continue;

      if (cleaned->len > 0)
        g_string_append_c (cleaned, '\n');
      g_string_append (cleaned, line);
    }

  if (cleaned->len == 0)
    return NULL;

  return g_string_free (g_steal_pointer (&cleaned), FALSE);
}

char *
_troupe_graphviz_end (void)
{
  char *messages;

  g_assert (graphviz_messages != NULL);

  messages = _troupe_graphviz_peek_messages ();

  agseterrf (graphviz_previous_errf);
  graphviz_previous_errf = NULL;
  g_string_free (g_steal_pointer (&graphviz_messages), TRUE);

  G_UNLOCK (graphviz);

  return messages;
}

guint
_troupe_graphviz_drain_parser (void)
{
  gsize length;
  guint n = 0;

  g_assert (graphviz_messages != NULL);

  /* agmemread() on an empty text first parses what its scanner still holds
   * and returns NULL once that is used up; reaching the end, or an error,
   * flushes the scanner. What it complains about is nobody's business
   * here. */
  length = graphviz_messages->len;
  for (;;)
    {
      Agraph_t *g = agmemread ("");

      if (g == NULL)
        break;
      agclose (g);
      n++;
    }
  g_string_truncate (graphviz_messages, length);

  return n;
}

void
_troupe_agset (void       *object,
               const char *name,
               const char *value)
{
  agsafeset (object, (char *) name, (char *) value, (char *) "");
}

static int
gstring_putstr (void       *channel,
                const char *str)
{
  g_string_append ((GString *) channel, str);
  return 0;
}

static int
gstring_flush (void *channel)
{
  return 0;
}

/* agwrite() writes through the io discipline of the graph, so the graphs
 * built here carry one that appends to a GString. */
static Agiodisc_t gstring_io_disc = { NULL, gstring_putstr, gstring_flush };
static Agdisc_t gstring_disc = { &AgMemDisc, &AgIdDisc, &gstring_io_disc };

static gboolean
parse_hex_color (const char *color,
                 guint      *r,
                 guint      *g,
                 guint      *b)
{
  guint rgb[3];

  if (color == NULL || color[0] != '#' || strlen (color) != 7)
    return FALSE;

  for (guint i = 0; i < 3; i++)
    {
      int hi = g_ascii_xdigit_value (color[1 + 2 * i]);
      int lo = g_ascii_xdigit_value (color[2 + 2 * i]);

      if (hi < 0 || lo < 0)
        return FALSE;
      rgb[i] = (guint) (hi * 16 + lo);
    }

  *r = rgb[0];
  *g = rgb[1];
  *b = rgb[2];
  return TRUE;
}

gboolean
_troupe_color_is_dark (const char *color)
{
  guint r, g, b;

  if (!parse_hex_color (color, &r, &g, &b))
    return FALSE;

  /* Perceived brightness (ITU-R BT.601 weights): below the middle, black
   * text would be hard to read on it. */
  return (299 * r + 587 * g + 114 * b) / 1000 < 128;
}

GHashTable *
_troupe_workflow_dup_agent_colors (TroupeWorkflow *self)
{
  GHashTable *colors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GPtrArray *agents = troupe_workflow_get_agents (self);
  GPtrArray *steps = troupe_workflow_get_steps (self);
  guint next = 0;

  for (guint i = 0; i < agents->len; i++)
    {
      TroupeAgent *agent = g_ptr_array_index (agents, i);
      const char *name = troupe_agent_get_name (agent);
      const char *color = troupe_agent_get_color (agent);
      guint r, g, b;

      /* Every agent consumes a palette slot, coloured or not, so that
       * giving one agent a colour does not repaint the others. */
      if (!parse_hex_color (color, &r, &g, &b))
        color = agent_palette[next % G_N_ELEMENTS (agent_palette)];
      next++;

      if (!g_hash_table_contains (colors, name))
        g_hash_table_insert (colors, g_strdup (name), g_ascii_strdown (color, -1));
    }

  /* Steps may name agents the workflow does not define (the validator
   * reports them); they still get a colour of their own. */
  for (guint i = 0; i < steps->len; i++)
    {
      const char *name = troupe_step_get_agent (g_ptr_array_index (steps, i));

      if (name == NULL || g_hash_table_contains (colors, name))
        continue;

      g_hash_table_insert (colors, g_strdup (name),
                           g_strdup (agent_palette[next % G_N_ELEMENTS (agent_palette)]));
      next++;
    }

  return colors;
}

/* graphviz reads backslash sequences in labels (\n, \N, \G, ...), so a
 * backslash in a name must be doubled to show up as itself. */
static void
append_dot_label_text (GString    *label,
                       const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\\')
        g_string_append (label, "\\\\");
      else if (*p == '\n')
        g_string_append (label, "\\n");
      else if (*p == '\r' || *p == '\t')
        g_string_append_c (label, ' ');
      else
        g_string_append_c (label, *p);
    }
}

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
kind_to_dot (TroupeStepKind  kind,
             const char    **shape,
             const char    **style)
{
  *style = "filled";

  switch (kind)
    {
    case TROUPE_STEP_KIND_AGENT:
      *shape = "box";
      *style = "rounded,filled";
      break;
    case TROUPE_STEP_KIND_SEND:
      *shape = "note";
      break;
    case TROUPE_STEP_KIND_WAIT:
      *shape = "hexagon";
      break;
    case TROUPE_STEP_KIND_APPROVAL:
      *shape = "diamond";
      break;
    case TROUPE_STEP_KIND_COMMAND:
    default:
      *shape = "box";
      break;
    }
}

Agraph_t *
_troupe_workflow_build_agraph (TroupeWorkflow *self,
                               gboolean        clusters)
{
  g_autoptr(GHashTable) colors = NULL;
  g_autoptr(GHashTable) cluster_graphs = NULL;
  g_autoptr(GString) label = g_string_new (NULL);
  GPtrArray *steps;
  const char *name;
  Agraph_t *g;
  Agsym_t *shape_sym, *style_sym, *fill_sym, *font_color_sym, *label_sym;

  g_assert (TROUPE_IS_WORKFLOW (self));
  g_assert (graphviz_messages != NULL);

  name = troupe_workflow_get_name (self);
  if (name == NULL || *name == '\0')
    name = "workflow";

  g = agopen ((char *) name, Agdirected, &gstring_disc);

  _troupe_agset (g, "rankdir", rank_dir_to_dot (troupe_workflow_get_rank_dir (self)));
  if (troupe_workflow_get_name (self) != NULL && *troupe_workflow_get_name (self) != '\0')
    {
      g_string_truncate (label, 0);
      append_dot_label_text (label, troupe_workflow_get_name (self));
      _troupe_agset (g, "label", label->str);
      _troupe_agset (g, "labelloc", "t");
    }
  /* A graph default reaches the clusters too. */
  agattr (g, AGRAPH, (char *) "fontname", (char *) "Sans");

  shape_sym = agattr (g, AGNODE, (char *) "shape", (char *) "box");
  style_sym = agattr (g, AGNODE, (char *) "style", (char *) "filled");
  fill_sym = agattr (g, AGNODE, (char *) "fillcolor", (char *) "white");
  font_color_sym = agattr (g, AGNODE, (char *) "fontcolor", (char *) "black");
  label_sym = agattr (g, AGNODE, (char *) "label", (char *) "\\N");
  agattr (g, AGNODE, (char *) "fontname", (char *) "Sans");
  agattr (g, AGNODE, (char *) "fontsize", (char *) "12");
  agattr (g, AGEDGE, (char *) "fontname", (char *) "Sans");

  colors = _troupe_workflow_dup_agent_colors (self);
  cluster_graphs = g_hash_table_new (g_str_hash, g_str_equal);

  steps = troupe_workflow_get_steps (self);

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      const char *id = troupe_step_get_id (step);
      const char *agent = troupe_step_get_agent (step);
      const char *shape, *style;
      Agraph_t *parent = g;
      Agnode_t *node;

      if (clusters && agent != NULL)
        {
          parent = g_hash_table_lookup (cluster_graphs, agent);
          if (parent == NULL)
            {
              g_autofree char *cluster_name = g_strconcat ("cluster_", agent, NULL);

              g_string_truncate (label, 0);
              append_dot_label_text (label, agent);

              parent = agsubg (g, cluster_name, TRUE);
              _troupe_agset (parent, "label", label->str);
              _troupe_agset (parent, "style", "rounded");
              g_hash_table_insert (cluster_graphs, (gpointer) agent, parent);
            }
        }

      node = agnode (parent, (char *) id, TRUE);

      kind_to_dot (troupe_step_get_kind (step), &shape, &style);
      agxset (node, shape_sym, (char *) shape);
      agxset (node, style_sym, (char *) style);

      if (agent != NULL)
        {
          const char *fill = g_hash_table_lookup (colors, agent);

          agxset (node, fill_sym, (char *) fill);
          if (_troupe_color_is_dark (fill))
            agxset (node, font_color_sym, (char *) "white");
        }

      g_string_truncate (label, 0);
      append_dot_label_text (label, id);
      if (agent != NULL)
        {
          g_string_append (label, "\\n");
          append_dot_label_text (label, agent);
        }
      agxset (node, label_sym, label->str);
    }

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      const char * const *needs = troupe_step_get_needs (step);
      Agnode_t *head;

      if (needs == NULL)
        continue;

      head = agnode (g, (char *) troupe_step_get_id (step), FALSE);
      g_assert (head != NULL);

      for (guint j = 0; needs[j] != NULL; j++)
        {
          Agnode_t *tail = agnode (g, (char *) needs[j], FALSE);

          /* Needs that name no step are the validator's business. */
          if (tail == NULL)
            continue;
          if (agedge (g, tail, head, NULL, FALSE) == NULL)
            agedge (g, tail, head, NULL, TRUE);
        }
    }

  return g;
}

char *
troupe_workflow_to_dot (TroupeWorkflow  *self,
                        gboolean         clusters,
                        GError         **error)
{
  g_autoptr(GString) out = NULL;
  g_autofree char *messages = NULL;
  int status;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  out = g_string_new (NULL);

  _troupe_graphviz_begin ();
  {
    g_autoptr(Agraph_t) g = _troupe_workflow_build_agraph (self, clusters);

    status = agwrite (g, out);
  }
  messages = _troupe_graphviz_end ();

  if (status == EOF)
    {
      g_set_error (error, TROUPE_EXPORT_ERROR, TROUPE_EXPORT_ERROR_FAILED,
                   "graphviz could not write the workflow as DOT: %s",
                   messages != NULL ? messages : "no reason given");
      return NULL;
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}
