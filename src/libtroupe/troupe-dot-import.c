/* troupe-dot-import.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "troupe-dot-private.h"
#include "troupe-export.h"
#include "troupe-layout.h"

/* DOT import turns any graphviz graph into a workflow that runs out of the
 * box: every node becomes a command step whose command is
 * ["echo", <the node's label>], unless the node has a "command" attribute,
 * which is split like a shell would split it (g_shell_parse_argv) into the
 * step's argv, once, here; it never runs through a shell. Every edge
 * becomes a need of its head on its tail. What cannot become a workflow
 * (self-loops, repeated edges, edges that would close a cycle) is dropped
 * with a warning diagnostic that names the nodes. */

/* Room for the "-N" that troupe_workflow_make_unique_id() may append
 * within the 64 characters of an id. */
#define MAX_SLUG_LENGTH 56

typedef struct
{
  char     *name;      /* the node name, UTF-8 */
  char     *text;      /* what the node shows: its label, else its name */
  char     *command;   /* its "command" attribute, or NULL */
  gboolean  labelled;  /* the label says something other than the name */
} DotNode;

typedef struct
{
  guint   tail;
  guint   head;
  guint64 seq;
} DotEdge;

typedef struct
{
  char      *graph_name;  /* NULL when anonymous */
  char      *rank_dir;
  gboolean   directed;
  gboolean   reencoded;   /* some text was not UTF-8 and was read as Latin-1 */
  GArray    *nodes;       /* DotNode */
  GArray    *edges;       /* DotEdge, in file order */
} DotGraph;

static void
dot_node_clear (gpointer data)
{
  DotNode *node = data;

  g_clear_pointer (&node->name, g_free);
  g_clear_pointer (&node->text, g_free);
  g_clear_pointer (&node->command, g_free);
}

static void
dot_graph_free (DotGraph *graph)
{
  g_clear_pointer (&graph->graph_name, g_free);
  g_clear_pointer (&graph->rank_dir, g_free);
  g_clear_pointer (&graph->nodes, g_array_unref);
  g_clear_pointer (&graph->edges, g_array_unref);
  g_free (graph);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DotGraph, dot_graph_free)

static gboolean
charset_is_latin1 (const char *charset)
{
  static const char * const names[] = {
    "latin1", "latin-1", "l1", "iso-8859-1", "iso_8859-1", "iso8859-1", "iso-ir-100", NULL
  };

  if (charset == NULL)
    return FALSE;

  for (guint i = 0; names[i] != NULL; i++)
    if (g_ascii_strcasecmp (charset, names[i]) == 0)
      return TRUE;

  return FALSE;
}

/* graphviz reads text as UTF-8 unless the graph says charset=latin1, and
 * falls back to Latin-1 for bytes that are not UTF-8: so does this. */
static char *
to_utf8 (DotGraph   *graph,
         const char *text,
         gboolean    latin1)
{
  char *converted;

  if (text == NULL)
    return NULL;

  if (!latin1 && g_utf8_validate (text, -1, NULL))
    return g_strdup (text);

  if (!latin1)
    graph->reencoded = TRUE;

  converted = g_convert (text, -1, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
  if (converted == NULL)
    converted = g_utf8_make_valid (text, -1);

  return converted;
}

/* Expands the escapes graphviz knows in labels: \N (node name), \G (graph
 * name), \n \l \r (line breaks); any other escaped character is itself. */
static void
append_expanded (GString    *out,
                 const char *text,
                 const char *node_name,
                 const char *graph_name)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p != '\\' || p[1] == '\0')
        {
          g_string_append_c (out, *p);
          continue;
        }

      p++;
      switch (*p)
        {
        case 'N': g_string_append (out, node_name); break;
        case 'G': g_string_append (out, graph_name != NULL ? graph_name : ""); break;
        case 'n':
        case 'l':
        case 'r':
          g_string_append_c (out, '\n');
          break;
        default:
          g_string_append_c (out, *p);
        }
    }
}

/* Record labels ("{ <in> a | b | { c | d } }") show their fields; ports
 * and the braces that arrange them are layout, not text. */
static void
append_record_text (GString    *out,
                    const char *label,
                    const char *node_name,
                    const char *graph_name)
{
  g_autoptr(GString) field = g_string_new (NULL);
  g_autoptr(GString) expanded = g_string_new (NULL);
  const char *p = label;

  for (;;)
    {
      if (*p == '\\' && p[1] != '\0')
        {
          g_string_append_len (field, p, 2);
          p += 2;
          continue;
        }

      if (*p == '<')
        {
          const char *end = strchr (p, '>');

          p = end != NULL ? end + 1 : p + strlen (p);
          continue;
        }

      if (*p == '\0' || *p == '|' || *p == '{' || *p == '}')
        {
          g_string_truncate (expanded, 0);
          append_expanded (expanded, field->str, node_name, graph_name);
          g_strstrip (expanded->str);
          if (expanded->str[0] != '\0')
            {
              if (out->len > 0)
                g_string_append (out, " | ");
              g_string_append (out, expanded->str);
            }
          g_string_truncate (field, 0);

          if (*p == '\0')
            break;
          p++;
          continue;
        }

      g_string_append_c (field, *p);
      p++;
    }
}

static void
append_html_entity (GString     *out,
                    const char **pp)
{
  static const struct { const char *name; const char *text; } entities[] = {
    { "amp;", "&" }, { "lt;", "<" }, { "gt;", ">" }, { "quot;", "\"" },
    { "apos;", "'" }, { "nbsp;", " " },
  };
  const char *p = *pp + 1;

  if (*p == '#')
    {
      gboolean hex = p[1] == 'x' || p[1] == 'X';
      const char *digits = p + (hex ? 2 : 1);
      char *end = NULL;
      guint64 value = g_ascii_strtoull (digits, &end, hex ? 16 : 10);

      if (end != digits && *end == ';' && value > 0 && value <= 0x10FFFF &&
          g_unichar_validate ((gunichar) value))
        {
          g_string_append_unichar (out, (gunichar) value);
          *pp = end + 1;
          return;
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    {
      if (g_str_has_prefix (p, entities[i].name))
        {
          g_string_append (out, entities[i].text);
          *pp = p + strlen (entities[i].name);
          return;
        }
    }

  g_string_append_c (out, '&');
  *pp = p;
}

/* HTML-like labels show their text: tags go, <br/> breaks the line,
 * entities are decoded and runs of white space become one space. */
static void
append_html_text (GString    *out,
                  const char *html)
{
  const char *p = html;
  gboolean space = FALSE;

  while (*p != '\0')
    {
      if (*p == '<')
        {
          const char *end = strchr (p, '>');
          const char *tag = p + 1;

          while (*tag == '/' || g_ascii_isspace (*tag))
            tag++;
          if (g_ascii_strncasecmp (tag, "br", 2) == 0 &&
              (tag[2] == '>' || tag[2] == '/' || g_ascii_isspace (tag[2])))
            {
              g_string_append_c (out, '\n');
              space = FALSE;
            }
          else if (out->len > 0 && !space && out->str[out->len - 1] != '\n')
            {
              /* Cells and rows end words. */
              g_string_append_c (out, ' ');
              space = TRUE;
            }

          p = end != NULL ? end + 1 : p + strlen (p);
          continue;
        }

      if (g_ascii_isspace (*p))
        {
          if (!space && out->len > 0 && out->str[out->len - 1] != '\n')
            g_string_append_c (out, ' ');
          space = TRUE;
          p++;
          continue;
        }

      space = FALSE;
      if (*p == '&')
        append_html_entity (out, &p);
      else
        g_string_append_c (out, *p++);
    }
}

/* Trims every line and drops empty ones: labels like "a\lb\l" end in
 * line breaks that mean alignment, not text. */
static char *
tidy_lines (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strstrip (lines[i]);
      if (lines[i][0] == '\0')
        continue;
      if (out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append (out, lines[i]);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The text a label shows. @label is cgraph's own string: aghtmlstr() looks
 * at how cgraph stored it, so it must be the original; @text is the same
 * label in UTF-8. */
static char *
node_label_text (Agnode_t   *n,
                 const char *label,
                 const char *text,
                 const char *name,
                 const char *graph_name)
{
  g_autoptr(GString) shown = g_string_new (NULL);
  const char *shape = agget (n, (char *) "shape");

  if (aghtmlstr ((char *) label))
    append_html_text (shown, text);
  else if (shape != NULL &&
           (g_ascii_strcasecmp (shape, "record") == 0 || g_ascii_strcasecmp (shape, "Mrecord") == 0))
    append_record_text (shown, text, name, graph_name);
  else
    append_expanded (shown, text, name, graph_name);

  return tidy_lines (shown->str);
}

static int
compare_edges (gconstpointer a,
               gconstpointer b)
{
  const DotEdge *ea = a;
  const DotEdge *eb = b;

  return ea->seq < eb->seq ? -1 : ea->seq > eb->seq;
}

/* Copies what the workflow needs out of the cgraph graph, so that the
 * graphviz lock is held only while graphviz runs. */
static DotGraph *
extract_graph (Agraph_t *g)
{
  g_autoptr(DotGraph) graph = g_new0 (DotGraph, 1);
  g_autoptr(GHashTable) index = g_hash_table_new (NULL, NULL);
  const char *name = agnameof (g);
  gboolean latin1 = charset_is_latin1 (agget (g, (char *) "charset"));
  const char *rank_dir = agget (g, (char *) "rankdir");
  guint i = 0;

  graph->nodes = g_array_new (FALSE, TRUE, sizeof (DotNode));
  g_array_set_clear_func (graph->nodes, dot_node_clear);
  graph->edges = g_array_new (FALSE, TRUE, sizeof (DotEdge));
  graph->directed = agisdirected (g);

  /* Anonymous graphs get internal names that start with '%'. */
  if (name != NULL && name[0] != '\0' && name[0] != '%')
    graph->graph_name = to_utf8 (graph, name, latin1);
  if (rank_dir != NULL && rank_dir[0] != '\0')
    graph->rank_dir = g_strdup (rank_dir);

  for (Agnode_t *n = agfstnode (g); n != NULL; n = agnxtnode (g, n), i++)
    {
      DotNode node = { 0 };
      const char *label = agget (n, (char *) "label");
      const char *command = agget (n, (char *) "command");
      g_autofree char *raw_text = NULL;

      node.name = to_utf8 (graph, agnameof (n), latin1);

      if (label != NULL && label[0] != '\0' && strcmp (label, "\\N") != 0)
        {
          g_autofree char *utf8_label = to_utf8 (graph, label, latin1);

          raw_text = node_label_text (n, label, utf8_label, node.name, graph->graph_name);
        }

      if (raw_text != NULL && raw_text[0] != '\0' && strcmp (raw_text, node.name) != 0)
        {
          node.text = g_steal_pointer (&raw_text);
          node.labelled = TRUE;
        }
      else
        node.text = g_strdup (node.name);

      if (command != NULL && command[0] != '\0')
        node.command = to_utf8 (graph, command, latin1);

      g_hash_table_insert (index, n, GUINT_TO_POINTER (i));
      g_array_append_val (graph->nodes, node);
    }

  for (Agnode_t *n = agfstnode (g); n != NULL; n = agnxtnode (g, n))
    {
      for (Agedge_t *e = agfstout (g, n); e != NULL; e = agnxtout (g, e))
        {
          DotEdge edge;

          edge.tail = GPOINTER_TO_UINT (g_hash_table_lookup (index, agtail (e)));
          edge.head = GPOINTER_TO_UINT (g_hash_table_lookup (index, aghead (e)));
          edge.seq = AGSEQ (e);
          g_array_append_val (graph->edges, edge);
        }
    }

  g_array_sort (graph->edges, compare_edges);

  return g_steal_pointer (&graph);
}

/* Transliterates to ASCII, keeps [A-Za-z0-9_-], turns everything else into
 * '-', collapses runs of '-', and trims so that the id starts with a letter
 * or a digit; NULL when nothing is left. */
static char *
slugify (const char *text)
{
  g_autoptr(GString) slug = g_string_new (NULL);
  /* "Café" makes "Cafe", not "Caf"; what has no ASCII form becomes "?". */
  g_autofree char *ascii = g_str_to_ascii (text, "C");
  gboolean dash = FALSE;

  for (const char *p = ascii; *p != '\0' && slug->len < MAX_SLUG_LENGTH; p++)
    {
      if (g_ascii_isalnum (*p) || (*p == '_' && slug->len > 0))
        {
          if (dash && slug->len > 0)
            g_string_append_c (slug, '-');
          dash = FALSE;
          g_string_append_c (slug, *p);
        }
      else if (*p != '_')
        dash = TRUE;
    }

  if (slug->len > MAX_SLUG_LENGTH)
    g_string_truncate (slug, MAX_SLUG_LENGTH);
  while (slug->len > 0 && slug->str[slug->len - 1] == '-')
    g_string_truncate (slug, slug->len - 1);

  if (slug->len == 0)
    return NULL;

  return g_string_free (g_steal_pointer (&slug), FALSE);
}

/* The id comes from the label, else (when the label has no letter or digit
 * that an id can keep, as in "下駄配列") from the node name, else "node". */
static char *
make_base_id (const DotNode *node)
{
  char *slug = NULL;

  if (node->labelled)
    slug = slugify (node->text);
  if (slug == NULL)
    slug = slugify (node->name);
  if (slug == NULL)
    slug = g_strdup ("node");

  return slug;
}

static void
add_warning (GPtrArray  *warnings,
             const char *filename,
             const char *code,
             const char *step_id,
             guint       line,
             const char *message)
{
  TroupeDiagnostic *diagnostic;

  if (warnings == NULL)
    return;

  diagnostic = troupe_diagnostic_new (TROUPE_SEVERITY_WARNING, code, step_id, line, 0,
                                      "%s", message);
  troupe_diagnostic_set_file (diagnostic, filename);
  g_ptr_array_add (warnings, diagnostic);
}

/* graphviz says "... in line 12 ..." in its messages. */
static guint
find_line_number (const char *message)
{
  const char *p = message != NULL ? strstr (message, " line ") : NULL;

  if (p == NULL)
    return 0;

  return (guint) g_ascii_strtoull (p + strlen (" line "), NULL, 10);
}

/* "FILE: syntax error in line 3 near 'x'" -> "syntax error near 'x'". */
static char *
strip_location (const char *message,
                const char *filename)
{
  g_autoptr(GString) out = NULL;
  const char *in_line;

  if (filename != NULL && g_str_has_prefix (message, filename) &&
      g_str_has_prefix (message + strlen (filename), ": "))
    message += strlen (filename) + 2;

  out = g_string_new (message);
  in_line = strstr (out->str, " in line ");
  if (in_line != NULL)
    {
      gsize start = in_line - out->str;
      gsize end = start + strlen (" in line ");

      while (g_ascii_isdigit (out->str[end]))
        end++;
      g_string_erase (out, start, end - start);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* A text read by cgraph's parser, as agmemread() reads one but kept
 * across calls, so that agread() can go on to the next graph in it. */
typedef struct
{
  const char *data;
  gsize       length;
  gsize       offset;
} TextReader;

/* Hands the scanner a line at a time, as cgraph's own memory reader does. */
static int
text_reader_read (void *channel,
                  char *buffer,
                  int   size)
{
  TextReader *reader = channel;
  gsize n = 0;

  while (reader->offset < reader->length && n < (gsize) size)
    {
      char c = reader->data[reader->offset++];

      buffer[n++] = c;
      if (c == '\n')
        break;
    }

  return (int) n;
}

static int
discard_putstr (void       *channel,
                const char *str)
{
  return 0;
}

static int
discard_flush (void *channel)
{
  return 0;
}

static Agiodisc_t text_io_disc = { text_reader_read, discard_putstr, discard_flush };
static Agdisc_t text_disc = { &AgMemDisc, &AgIdDisc, &text_io_disc };

static DotGraph *
parse_dot (const char  *data,
           gsize        length,
           const char  *filename,
           GPtrArray   *warnings,
           GError     **error)
{
  g_autofree char *messages = NULL;
  g_autoptr(DotGraph) graph = NULL;
  guint extra_graphs = 0;

  if (memchr (data, '\0', length) != NULL)
    {
      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE,
                   "%s: contains a NUL byte, so it is not a graphviz DOT text file; "
                   "import a .gv or .dot file", filename);
      return NULL;
    }

  /* Editors on Windows like to start UTF-8 files with a byte order mark,
   * which graphviz reads as part of the first word. */
  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    {
      data += 3;
      length -= 3;
    }

  _troupe_graphviz_begin ();
  {
    g_autoptr(Agraph_t) g = NULL;
    TextReader reader = { data, length, 0 };

    /* Someone else's unread input would be read as the start of this
     * file, and its lines counted. */
    _troupe_graphviz_drain_parser ();

    /* agsetfile() names the input in graphviz's messages and restarts its
     * line count; graphviz keeps the pointer, so it is reset after. */
    agsetfile ((char *) filename);
    g = agread (&reader, &text_disc);

    if (g != NULL)
      {
        Agraph_t *extra;

        graph = extract_graph (g);
        messages = _troupe_graphviz_peek_messages ();

        /* Only the first graph is imported; reading the rest, up to the
         * end (or an error) also leaves nothing behind in the scanner. */
        while ((extra = agread (&reader, &text_disc)) != NULL)
          {
            agclose (extra);
            extra_graphs++;
          }
      }
    else
      messages = _troupe_graphviz_peek_messages ();

    agsetfile (NULL);
  }
  g_free (_troupe_graphviz_end ());

  if (graph == NULL)
    {
      g_autofree char *first = NULL;
      g_autofree char *what = NULL;
      guint line;

      if (messages == NULL)
        {
          g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE,
                       "%s: no graph found; a graphviz DOT file holds "
                       "\"digraph NAME { a -> b }\" or \"graph NAME { a -- b }\"",
                       filename);
          return NULL;
        }

      first = g_strndup (messages, strcspn (messages, "\n"));
      line = find_line_number (first);
      what = strip_location (first, filename);

      if (line > 0)
        g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE,
                     "%s:%u: %s; this is not valid graphviz DOT, fix the file at that line",
                     filename, line, what);
      else
        g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE,
                     "%s: %s; this is not valid graphviz DOT, fix the file",
                     filename, what);
      return NULL;
    }

  /* What graphviz only warned about still deserves a look. */
  if (messages != NULL)
    {
      g_auto(GStrv) lines = g_strsplit (messages, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        {
          g_autofree char *what = strip_location (lines[i], filename);

          add_warning (warnings, filename, "dot-warning", NULL,
                       find_line_number (lines[i]), what);
        }
    }

  if (extra_graphs > 0)
    {
      g_autofree char *message =
        g_strdup_printf ("the file holds %u more graph%s after the first one; only the first "
                         "was imported, put each graph in a file of its own to import it",
                         extra_graphs, extra_graphs == 1 ? "" : "s");

      add_warning (warnings, filename, "dot-extra-graph", NULL, 0, message);
    }

  return g_steal_pointer (&graph);
}

static gboolean
add_steps (TroupeWorkflow  *workflow,
           DotGraph        *graph,
           const char      *filename,
           GPtrArray       *warnings,
           GPtrArray       *steps,
           GError         **error)
{
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      DotNode *node = &g_array_index (graph->nodes, DotNode, i);
      g_autofree char *slug = make_base_id (node);
      g_autofree char *id = troupe_workflow_make_unique_id (workflow, slug);
      g_autoptr(TroupeStep) step = troupe_step_new (id, TROUPE_STEP_KIND_COMMAND);
      g_auto(GStrv) argv = NULL;

      if (node->command != NULL)
        {
          g_autoptr(GError) local_error = NULL;

          if (!g_shell_parse_argv (node->command, NULL, &argv, &local_error))
            {
              g_autofree char *message =
                g_strdup_printf ("the command attribute of node \"%s\" cannot be split into "
                                 "arguments (%s); the step echoes its label instead, fix the "
                                 "quoting in the step's command",
                                 node->name, local_error->message);

              add_warning (warnings, filename, "dot-command", id, 0, message);
            }
        }

      if (argv == NULL)
        {
          const char *echo[] = { "echo", node->text, NULL };

          troupe_step_set_command (step, echo);
        }
      else
        troupe_step_set_command (step, (const char * const *) argv);

      if (strcmp (id, node->name) != 0)
        troupe_step_set_description (step, node->name);

      if (!troupe_workflow_add_step (workflow, step, error))
        return FALSE;

      g_ptr_array_add (steps, step);
    }

  return TRUE;
}

static void
add_needs (TroupeWorkflow *workflow,
           DotGraph       *graph,
           const char     *filename,
           GPtrArray      *warnings,
           GPtrArray      *steps)
{
  /* Each pair of nodes already connected -> index of that first edge + 1. */
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) keys = g_array_sized_new (FALSE, FALSE, sizeof (gint64), graph->edges->len);
  const char *arrow = graph->directed ? "->" : "--";

  for (guint i = 0; i < graph->edges->len; i++)
    {
      const DotEdge *edge = &g_array_index (graph->edges, DotEdge, i);
      const char *tail_name = g_array_index (graph->nodes, DotNode, edge->tail).name;
      const char *head_name = g_array_index (graph->nodes, DotNode, edge->head).name;
      const char *tail_id = troupe_step_get_id (g_ptr_array_index (steps, edge->tail));
      const char *head_id = troupe_step_get_id (g_ptr_array_index (steps, edge->head));
      guint low = MIN (edge->tail, edge->head);
      guint high = MAX (edge->tail, edge->head);
      g_autoptr(GError) local_error = NULL;
      g_autofree char *message = NULL;
      guint first;
      gint64 key;

      if (edge->tail == edge->head)
        {
          message = g_strdup_printf ("the edge \"%s\" %s \"%s\" loops on one node and was "
                                     "dropped: a step cannot need itself",
                                     tail_name, arrow, head_name);
          add_warning (warnings, filename, "dot-self-loop", head_id, 0, message);
          continue;
        }

      /* In an undirected graph a -- b and b -- a are the same edge. */
      key = graph->directed ? (gint64) edge->tail << 32 | edge->head : (gint64) low << 32 | high;
      first = GPOINTER_TO_UINT (g_hash_table_lookup (seen, &key));
      if (first != 0)
        {
          const DotEdge *kept = &g_array_index (graph->edges, DotEdge, first - 1);

          message = g_strdup_printf ("the edge \"%s\" %s \"%s\" repeats an earlier one and "
                                     "was dropped: step %s already needs %s",
                                     tail_name, arrow, head_name,
                                     troupe_step_get_id (g_ptr_array_index (steps, kept->head)),
                                     troupe_step_get_id (g_ptr_array_index (steps, kept->tail)));
          add_warning (warnings, filename, "dot-duplicate-edge", head_id, 0, message);
          continue;
        }
      /* @keys was sized for every edge up front, so it never moves and
       * the table can point into it. */
      g_assert (keys->len < graph->edges->len);
      g_array_append_val (keys, key);
      g_hash_table_insert (seen, &g_array_index (keys, gint64, keys->len - 1),
                           GUINT_TO_POINTER (i + 1));

      /* Troupe runs acyclic workflows only; an edge that would close a
       * cycle is dropped, so that the imported workflow still runs. */
      if (!troupe_workflow_connect (workflow, tail_id, head_id, &local_error))
        {
          message = g_strdup_printf ("the edge \"%s\" %s \"%s\" was dropped: %s; workflows "
                                     "cannot have cycles, connect the steps another way",
                                     tail_name, arrow, head_name, local_error->message);
          add_warning (warnings, filename, "dot-cycle", head_id, 0, message);
        }
    }
}

static void
apply_rank_dir (TroupeWorkflow *workflow,
                const char     *rank_dir)
{
  static const struct { const char *name; TroupeRankDir dir; } dirs[] = {
    { "TB", TROUPE_RANK_DIR_TB },
    { "LR", TROUPE_RANK_DIR_LR },
    { "BT", TROUPE_RANK_DIR_BT },
    { "RL", TROUPE_RANK_DIR_RL },
  };

  if (rank_dir == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    if (g_ascii_strcasecmp (rank_dir, dirs[i].name) == 0)
      troupe_workflow_set_rank_dir (workflow, dirs[i].dir);
}

TroupeWorkflow *
troupe_workflow_import_dot_data (const char  *data,
                                 gsize        length,
                                 const char  *filename,
                                 GPtrArray   *warnings,
                                 GError     **error)
{
  g_autoptr(DotGraph) graph = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(GPtrArray) steps = NULL;
  g_autoptr(GError) layout_error = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (filename == NULL)
    filename = "<input>";

  graph = parse_dot (data != NULL ? data : "", length, filename, warnings, error);
  if (graph == NULL)
    return NULL;

  workflow = troupe_workflow_new ();
  if (graph->graph_name != NULL)
    troupe_workflow_set_name (workflow, graph->graph_name);
  apply_rank_dir (workflow, graph->rank_dir);

  if (graph->reencoded)
    add_warning (warnings, filename, "dot-encoding", NULL, 0,
                 "some text is not UTF-8 and was read as Latin-1; if it looks wrong, "
                 "save the file as UTF-8 or set charset=latin1 on the graph");

  steps = g_ptr_array_new ();
  if (!add_steps (workflow, graph, filename, warnings, steps, error))
    return NULL;
  add_needs (workflow, graph, filename, warnings, steps);

  /* The editor opens the workflow where dot puts it; without graphviz's
   * layout plugin it still imports, the editor places the steps. */
  if (!troupe_workflow_layout (workflow, &layout_error))
    add_warning (warnings, filename, "dot-layout", NULL, 0, layout_error->message);

  return g_steal_pointer (&workflow);
}

TroupeWorkflow *
troupe_workflow_import_dot (const char  *path,
                            GPtrArray   *warnings,
                            GError     **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &data, &length, &local_error))
    {
      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_IO,
                   "Cannot read %s: %s", path, local_error->message);
      return NULL;
    }

  return troupe_workflow_import_dot_data (data, length, path, warnings, error);
}
