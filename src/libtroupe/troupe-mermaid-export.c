/* troupe-mermaid-export.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "troupe-dot-private.h"
#include "troupe-export.h"

/* Mermaid's flowchart lexer is fragile around node ids. A keyword ("end",
 * "graph", "style", "class", "subgraph", "call", "v", ...) at the start of
 * an id breaks the diagram, and early Mermaid 10 releases (10.0.2 does)
 * also read one at the start of any run of letters inside an id ("s_end",
 * "a_graph"); "o" or "x" right after "--" read as circle and cross arrow
 * heads; "-" next to another "-", ">" or "." reads as an arrow. Keywords
 * are lower case, so every id gets a prefix ("s_" for steps, "agent_" for
 * agents' classes), keeps only letters, digits and "_", and starts each
 * run of letters with a capital ("end" -> "s_End"); when that makes two
 * ids equal, the later one gets a number. */
static char *
make_safe_id (const char *prefix,
              const char *name,
              GHashTable *taken)
{
  g_autoptr(GString) id = g_string_new (prefix);
  g_autofree char *base = NULL;

  /* Anything else than a letter or a digit, or a run of them, becomes one
   * "_"; every run of letters starts with a capital. */
  for (const char *p = name; *p != '\0'; p++)
    {
      char last = id->str[id->len - 1];

      if (g_ascii_isalpha (*p) && !g_ascii_isalpha (last))
        g_string_append_c (id, g_ascii_toupper (*p));
      else if (g_ascii_isalnum (*p))
        g_string_append_c (id, *p);
      else if (last != '_')
        g_string_append_c (id, '_');
    }

  base = g_strdup (id->str);
  for (guint n = 2; g_hash_table_contains (taken, id->str); n++)
    g_string_printf (id, "%s_%u", base, n);

  g_hash_table_add (taken, g_strdup (id->str));

  return g_string_free (g_steal_pointer (&id), FALSE);
}

/* Labels are quoted, and Mermaid's entity codes (#name; or #number;)
 * stand for what would end the quote, start an entity, be read as HTML
 * ("<", ">", "&") or as a Markdown string ("`"). ":" is encoded as well:
 * Mermaid rewrites lines that look like "style...:...#...;" before
 * parsing, which would cut an entity short. */
static void
append_label_text (GString    *out,
                   const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"': g_string_append (out, "#quot;"); break;
        case '#': g_string_append (out, "#35;"); break;
        case '<': g_string_append (out, "#lt;"); break;
        case '>': g_string_append (out, "#gt;"); break;
        case '&': g_string_append (out, "#amp;"); break;
        case '`': g_string_append (out, "#96;"); break;
        case ':': g_string_append (out, "#58;"); break;
        case '\n': g_string_append (out, "<br/>"); break;
        default:
          if ((guchar) *p < 0x20 || *p == 0x7f)
            g_string_append_c (out, ' ');
          else
            g_string_append_c (out, *p);
        }
    }
}

static void
kind_to_mermaid (TroupeStepKind   kind,
                 const char     **open,
                 const char     **close)
{
  switch (kind)
    {
    case TROUPE_STEP_KIND_AGENT:
      *open = "([\"";
      *close = "\"])";
      break;
    case TROUPE_STEP_KIND_SEND:
      *open = "[/\"";
      *close = "\"/]";
      break;
    case TROUPE_STEP_KIND_WAIT:
      *open = "{{\"";
      *close = "\"}}";
      break;
    case TROUPE_STEP_KIND_APPROVAL:
      *open = "{\"";
      *close = "\"}";
      break;
    case TROUPE_STEP_KIND_COMMAND:
    default:
      *open = "[\"";
      *close = "\"]";
      break;
    }
}

static const char *
rank_dir_to_mermaid (TroupeRankDir rank_dir)
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

char *
troupe_workflow_to_mermaid (TroupeWorkflow *self)
{
  g_autoptr(GString) out = NULL;
  g_autoptr(GHashTable) taken = NULL;
  g_autoptr(GHashTable) step_ids = NULL;
  g_autoptr(GHashTable) colors = NULL;
  g_autoptr(GHashTable) class_names = NULL;
  g_autoptr(GPtrArray) class_order = NULL;
  g_autoptr(GHashTable) class_members = NULL;
  g_autoptr(GHashTable) class_taken = NULL;
  GPtrArray *steps;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  out = g_string_new (NULL);
  taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  step_ids = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  class_names = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  class_members = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) g_ptr_array_unref);
  class_taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  class_order = g_ptr_array_new ();
  colors = _troupe_workflow_dup_agent_colors (self);

  g_string_append_printf (out, "flowchart %s\n",
                          rank_dir_to_mermaid (troupe_workflow_get_rank_dir (self)));

  steps = troupe_workflow_get_steps (self);

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      const char *id = troupe_step_get_id (step);
      const char *agent = troupe_step_get_agent (step);
      const char *open, *close;
      char *safe_id;

      if (g_hash_table_contains (step_ids, id))
        continue;

      safe_id = make_safe_id ("s_", id, taken);
      g_hash_table_insert (step_ids, (gpointer) id, safe_id);

      kind_to_mermaid (troupe_step_get_kind (step), &open, &close);
      g_string_append_printf (out, "  %s%s", safe_id, open);
      append_label_text (out, id);
      if (agent != NULL)
        {
          g_string_append (out, "<br/>");
          append_label_text (out, agent);
        }
      g_string_append_printf (out, "%s\n", close);

      if (agent != NULL)
        {
          GPtrArray *members = g_hash_table_lookup (class_members, agent);

          if (members == NULL)
            {
              members = g_ptr_array_new ();
              g_hash_table_insert (class_members, (gpointer) agent, members);
              g_hash_table_insert (class_names, (gpointer) agent,
                                   make_safe_id ("agent_", agent, class_taken));
              g_ptr_array_add (class_order, (gpointer) agent);
            }
          g_ptr_array_add (members, safe_id);
        }
    }

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      const char * const *needs = troupe_step_get_needs (step);
      const char *head = g_hash_table_lookup (step_ids, troupe_step_get_id (step));

      if (needs == NULL)
        continue;

      for (guint j = 0; needs[j] != NULL; j++)
        {
          const char *tail = g_hash_table_lookup (step_ids, needs[j]);

          gboolean repeated = FALSE;

          for (guint k = 0; k < j && !repeated; k++)
            repeated = g_str_equal (needs[k], needs[j]);

          /* Needs that name no step, and repeated needs, draw nothing. */
          if (tail == NULL || repeated)
            continue;

          g_string_append_printf (out, "  %s --> %s\n", tail, head);
        }
    }

  for (guint i = 0; i < class_order->len; i++)
    {
      const char *agent = g_ptr_array_index (class_order, i);
      const char *class_name = g_hash_table_lookup (class_names, agent);
      const char *fill = g_hash_table_lookup (colors, agent);
      GPtrArray *members = g_hash_table_lookup (class_members, agent);

      g_string_append_printf (out, "  classDef %s fill:%s,color:%s;\n", class_name, fill,
                              _troupe_color_is_dark (fill) ? "#ffffff" : "#000000");
      g_string_append (out, "  class ");
      for (guint j = 0; j < members->len; j++)
        g_string_append_printf (out, "%s%s", j > 0 ? "," : "",
                                (const char *) g_ptr_array_index (members, j));
      g_string_append_printf (out, " %s;\n", class_name);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}
