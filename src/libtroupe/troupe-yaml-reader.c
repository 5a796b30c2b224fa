/* troupe-yaml-reader.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <yaml.h>

#include "troupe-diagnostic.h"
#include "troupe-workflow-io-private.h"

/* The YAML reader turns libyaml's event stream into a TroupeNode tree.
 *
 * What it produces:
 * - Every node, mapping keys included, carries the 1-based line and column
 *   (in characters) where its event starts.
 * - Unquoted scalars are TROUPE_SCALAR_PLAIN, except the YAML null
 *   spellings ("~", "null", "Null", "NULL" and an empty value), which are
 *   TROUPE_SCALAR_NULL with their text kept as written. Quoted, literal and
 *   folded scalars are TROUPE_SCALAR_STRING. The builder decides what a
 *   plain scalar means from the schema.
 * - Flow collections ([a, b], {k: v}) get TROUPE_NODE_STYLE_FLOW, so a
 *   document read and written again keeps its shape.
 * - The standard tags are accepted: !!str and the non-specific "!" make a
 *   string; !!int, !!float, !!bool and !!null leave the scalar PLAIN (its
 *   text is what the builder reads); !!map and !!seq fit their collections.
 *
 * What it refuses, as syntax errors: anchors and aliases (a workflow should
 * read the same to a person and to the program), more than one document,
 * a root that is not a mapping, other tags, mapping keys that are not
 * scalars, strings holding a NUL character, and nesting deeper than
 * MAX_DEPTH. The depth limit and libyaml's non-recursive parser keep
 * hostile input from exhausting the stack. */

#define MAX_DEPTH 64
#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (yaml_parser_t, yaml_parser_delete)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (yaml_event_t, yaml_event_delete)

typedef struct
{
  TroupeNode *node;         /* owned by its parent (or by Reader.root) */
  TroupeNode *pending_key;  /* owned until its value arrives */
} Frame;

typedef struct
{
  const char        *data;
  gsize              length;
  const char        *filename;
  TroupeDiagnostic **syntax_error;
  GError           **error;
  TroupeNode        *root;
  Frame              stack[MAX_DEPTH];
  guint              depth;
  guint              n_documents;
} Reader;

static void reader_fail (Reader     *reader,
                         guint       line,
                         guint       column,
                         const char *format,
                         ...) G_GNUC_PRINTF (4, 5);

static void
reader_fail (Reader     *reader,
             guint       line,
             guint       column,
             const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  _troupe_set_syntax_error (reader->filename, line, column, message,
                            reader->syntax_error, reader->error);
}

static guint
mark_to_uint (size_t value)
{
  /* Marks are 0-based; nodes and diagnostics are 1-based. */
  return value >= G_MAXUINT - 1 ? G_MAXUINT : (guint) value + 1;
}

/* The length of the line break at @p, using libyaml's notion of one (CR,
 * LF, CRLF, NEL, LS, PS), or 0. */
static gsize
break_length (const char *p,
              const char *end)
{
  const guchar *u = (const guchar *) p;
  gsize avail = (gsize) (end - p);

  if (avail >= 2 && u[0] == '\r' && u[1] == '\n')
    return 2;
  if (u[0] == '\r' || u[0] == '\n')
    return 1;
  if (avail >= 2 && u[0] == 0xC2 && u[1] == 0x85)
    return 2;
  if (avail >= 3 && u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0xA8 || u[2] == 0xA9))
    return 3;
  return 0;
}

static gsize
char_length (const char *p,
             const char *end)
{
  guchar c = (guchar) *p;
  gsize n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;

  return MIN (n, (gsize) (end - p));
}

/* libyaml reports positions as (line, column) in characters; the reader
 * needs the byte there to tell a tab from any other bad character. Returns
 * NULL when the position is outside the data. */
static const char *
find_mark (const char *data,
           gsize       length,
           size_t      line,
           size_t      column)
{
  const char *p = data;
  const char *end = data + length;
  size_t l = 0;
  size_t c = 0;

  while (p < end)
    {
      gsize n;

      if (l == line && c == column)
        return p;

      if ((n = break_length (p, end)) > 0)
        {
          if (l == line)
            return NULL;
          l++;
          c = 0;
          p += n;
        }
      else
        {
          c++;
          p += char_length (p, end);
        }
    }

  return NULL;
}

/* Line and column (1-based, in characters) of byte @offset, for reader
 * errors, which libyaml reports as a byte offset only. */
static void
offset_to_position (const char *data,
                    gsize       length,
                    gsize       offset,
                    guint      *line,
                    guint      *column)
{
  const char *p = data;
  const char *end = data + MIN (offset, length);
  guint l = 1;
  guint c = 1;

  while (p < end)
    {
      gsize n;

      if ((n = break_length (p, end)) > 0)
        {
          l++;
          c = 1;
          p += n;
        }
      else
        {
          c++;
          p += char_length (p, end);
        }
    }

  *line = l;
  *column = c;
}

/* Tags in messages: "!!int" rather than the expanded form, and never a
 * whole hostile megabyte. */
static char *
describe_tag (const char *tag)
{
  g_autofree char *shown = NULL;

  if (g_str_has_prefix (tag, YAML_TAG_PREFIX))
    shown = g_strconcat ("!!", tag + strlen (YAML_TAG_PREFIX), NULL);
  else
    shown = g_strdup (tag);

  if (!g_utf8_validate (shown, -1, NULL))
    return g_strdup ("(a tag that is not valid UTF-8)");

  if (g_utf8_strlen (shown, -1) > 40)
    {
      g_autofree char *cut = g_utf8_substring (shown, 0, 40);

      return g_strconcat (cut, "…", NULL);
    }

  return g_steal_pointer (&shown);
}

static void
report_parser_error (Reader        *reader,
                     yaml_parser_t *parser)
{
  const char *problem = parser->problem != NULL ? parser->problem : "unknown problem";
  const char *context = parser->context;
  guint line = mark_to_uint (parser->problem_mark.line);
  guint column = mark_to_uint (parser->problem_mark.column);
  guint context_line = mark_to_uint (parser->context_mark.line);
  guint context_column = mark_to_uint (parser->context_mark.column);
  const char *at;

  switch (parser->error)
    {
    case YAML_MEMORY_ERROR:
      reader_fail (reader, 1, 1, "out of memory while reading the file");
      return;

    case YAML_READER_ERROR:
      if (g_str_equal (problem, "control characters are not allowed"))
        {
          offset_to_position (reader->data, reader->length, parser->problem_offset, &line, &column);
          reader_fail (reader, line, column,
                       "the file contains the control character U+%04X, which YAML does not allow: remove it",
                       (guint) parser->problem_value);
        }
      else
        {
          const char *end = NULL;
          gsize offset = parser->problem_offset;

          /* libyaml points at the byte where it noticed; the sequence that
           * is wrong starts at the first invalid byte. */
          if (!g_utf8_validate_len (reader->data, reader->length, &end) &&
              end != NULL && *end != '\0')
            offset = (gsize) (end - reader->data);

          offset_to_position (reader->data, reader->length, offset, &line, &column);
          reader_fail (reader, line, column,
                       "the file is not valid UTF-8 (byte 0x%02X): save it as UTF-8",
                       offset < reader->length ? (guint) (guchar) reader->data[offset] : 0);
        }
      return;

    case YAML_SCANNER_ERROR:
    case YAML_PARSER_ERROR:
    case YAML_COMPOSER_ERROR:
    case YAML_WRITER_ERROR:
    case YAML_EMITTER_ERROR:
    case YAML_NO_ERROR:
    default:
      break;
    }

  at = find_mark (reader->data, reader->length,
                  parser->problem_mark.line, parser->problem_mark.column);

  if (strstr (problem, "tab character") != NULL ||
      (g_str_equal (problem, "found character that cannot start any token") && at != NULL && *at == '\t'))
    {
      reader_fail (reader, line, column,
                   "a tab character is used for indentation, but YAML allows only spaces: indent with spaces");
    }
  else if (g_str_equal (problem, "found character that cannot start any token") &&
           at != NULL && g_ascii_isprint (*at))
    {
      reader_fail (reader, line, column,
                   "a value cannot start with '%c': put the value in double quotes", *at);
    }
  else if (g_str_equal (problem, "found unexpected end of stream") &&
           context != NULL && strstr (context, "quoted scalar") != NULL)
    {
      /* The end of the file is no help: point at the opening quote. */
      reader_fail (reader, context_line, context_column,
                   "this quoted string is never closed: add the closing quote");
    }
  else if (g_str_equal (problem, "found unknown escape character"))
    {
      reader_fail (reader, line, column,
                   "unknown escape sequence in a double-quoted string: write \\\\ for a backslash, or use single quotes");
    }
  else if (g_str_equal (problem, "did not find expected key"))
    {
      reader_fail (reader, line, column,
                   "expected a key at this indentation: this line does not line up with the mapping that starts at line %u, column %u; check the indentation",
                   context_line, context_column);
    }
  else if (g_str_equal (problem, "did not find expected '-' indicator"))
    {
      reader_fail (reader, line, column,
                   "expected a '- ' item at this indentation: this line does not line up with the list that starts at line %u, column %u; check the indentation",
                   context_line, context_column);
    }
  else if (g_str_equal (problem, "mapping values are not allowed in this context"))
    {
      reader_fail (reader, line, column,
                   "a ':' is not allowed here: check the indentation, or put a value that contains ': ' in double quotes");
    }
  else if (g_str_equal (problem, "block sequence entries are not allowed in this context"))
    {
      reader_fail (reader, line, column,
                   "a '- ' list item is not allowed here: check the indentation");
    }
  else if (g_str_equal (problem, "could not find expected ':'"))
    {
      reader_fail (reader, context_line, context_column,
                   "expected ':' after this key (write key: value), or put the text in double quotes");
    }
  else if (g_str_equal (problem, "did not find expected ',' or ']'"))
    {
      reader_fail (reader, line, column,
                   "expected ',' or ']' to continue or close the list opened at line %u, column %u",
                   context_line, context_column);
    }
  else if (g_str_equal (problem, "did not find expected ',' or '}'"))
    {
      reader_fail (reader, line, column,
                   "expected ',' or '}' to continue or close the mapping opened at line %u, column %u",
                   context_line, context_column);
    }
  else if (g_str_equal (problem, "did not find expected node content"))
    {
      reader_fail (reader, line, column, "expected a value here");
    }
  else if (context != NULL)
    {
      reader_fail (reader, line, column, "%s (%s that starts at line %u, column %u)",
                   problem, context, context_line, context_column);
    }
  else
    {
      reader_fail (reader, line, column, "%s", problem);
    }
}

static gboolean
is_null_plain (const char *text)
{
  return text[0] == '\0' ||
         g_str_equal (text, "~") ||
         g_str_equal (text, "null") ||
         g_str_equal (text, "Null") ||
         g_str_equal (text, "NULL");
}

/* Checks the anchor and tag of a node event. @kind says which standard
 * tags fit. On success, *@tagged_type receives the scalar type a tag
 * imposes (or -1 for none). */
static gboolean
check_properties (Reader           *reader,
                  const yaml_mark_t *mark,
                  const char        *anchor,
                  const char        *tag,
                  TroupeNodeKind     kind,
                  int               *tagged_type)
{
  static const char * const scalar_tags[] = { "int", "float", "bool", "null", NULL };
  guint line = mark_to_uint (mark->line);
  guint column = mark_to_uint (mark->column);
  const char *name;

  *tagged_type = -1;

  if (anchor != NULL)
    {
      reader_fail (reader, line, column,
                   "anchors (&name) and aliases are not supported: write the value out in full");
      return FALSE;
    }

  if (tag == NULL)
    return TRUE;

  if (g_str_equal (tag, "!"))
    {
      if (kind == TROUPE_NODE_SCALAR)
        *tagged_type = TROUPE_SCALAR_STRING;
      return TRUE;
    }

  if (g_str_has_prefix (tag, YAML_TAG_PREFIX))
    {
      name = tag + strlen (YAML_TAG_PREFIX);

      if (kind == TROUPE_NODE_SCALAR && g_str_equal (name, "str"))
        {
          *tagged_type = TROUPE_SCALAR_STRING;
          return TRUE;
        }
      if (kind == TROUPE_NODE_SCALAR && g_strv_contains (scalar_tags, name))
        {
          *tagged_type = TROUPE_SCALAR_PLAIN;
          return TRUE;
        }
      if ((kind == TROUPE_NODE_MAPPING && g_str_equal (name, "map")) ||
          (kind == TROUPE_NODE_SEQUENCE && g_str_equal (name, "seq")))
        return TRUE;

      if (g_str_equal (name, "str") || g_str_equal (name, "map") ||
          g_str_equal (name, "seq") || g_strv_contains (scalar_tags, name))
        {
          g_autofree char *shown = describe_tag (tag);

          reader_fail (reader, line, column,
                       "the tag %s does not fit a %s here: remove the tag",
                       shown,
                       kind == TROUPE_NODE_SCALAR ? "single value" :
                       kind == TROUPE_NODE_SEQUENCE ? "list" : "mapping");
          return FALSE;
        }
    }

  {
    g_autofree char *shown = describe_tag (tag);

    reader_fail (reader, line, column,
                 "the tag %s is not supported: remove it (only the standard tags such as !!str are allowed)",
                 shown);
  }
  return FALSE;
}

/* Attaches @node (taking ownership) to the collection being read, or makes
 * it the root. */
static gboolean
add_node (Reader     *reader,
          TroupeNode *node)
{
  Frame *top;

  if (reader->depth == 0)
    {
      g_assert (reader->root == NULL);

      if (node->kind == TROUPE_NODE_SCALAR &&
          node->scalar_type == TROUPE_SCALAR_NULL &&
          node->scalar[0] == '\0')
        reader_fail (reader, node->line, node->column,
                     "the file is empty: a workflow file is a mapping of keys such as name: and steps:");
      else if (node->kind != TROUPE_NODE_MAPPING)
        reader_fail (reader, node->line, node->column,
                     "a workflow file is a mapping of keys such as name: and steps:, not %s",
                     node->kind == TROUPE_NODE_SEQUENCE ? "a list" : "a single value");
      else
        {
          reader->root = node;
          return TRUE;
        }

      troupe_node_free (node);
      return FALSE;
    }

  top = &reader->stack[reader->depth - 1];

  if (top->node->kind == TROUPE_NODE_SEQUENCE)
    {
      troupe_node_append (top->node, node);
    }
  else if (top->pending_key == NULL)
    {
      if (node->kind != TROUPE_NODE_SCALAR)
        {
          reader_fail (reader, node->line, node->column,
                       "a mapping key must be a simple name, not a %s",
                       node->kind == TROUPE_NODE_SEQUENCE ? "list" : "mapping");
          troupe_node_free (node);
          return FALSE;
        }
      top->pending_key = node;
    }
  else
    {
      troupe_node_insert (top->node, g_steal_pointer (&top->pending_key), node);
    }

  return TRUE;
}

static gboolean
read_scalar (Reader       *reader,
             yaml_event_t *event)
{
  const char *value = (const char *) event->data.scalar.value;
  gsize length = event->data.scalar.length;
  TroupeScalarType type;
  TroupeNode *node;
  int tagged_type;

  if (!check_properties (reader, &event->start_mark,
                         (const char *) event->data.scalar.anchor,
                         (const char *) event->data.scalar.tag,
                         TROUPE_NODE_SCALAR, &tagged_type))
    return FALSE;

  /* A double-quoted "\0" decodes to a NUL byte, which no C string (and no
   * file name, prompt or argument) can carry. */
  if (memchr (value, '\0', length) != NULL)
    {
      reader_fail (reader,
                   mark_to_uint (event->start_mark.line),
                   mark_to_uint (event->start_mark.column),
                   "this string contains a NUL character (\\0), which is not supported: remove it");
      return FALSE;
    }

  if (tagged_type >= 0)
    type = tagged_type;
  else if (event->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
    type = TROUPE_SCALAR_STRING;
  else if (is_null_plain (value))
    type = TROUPE_SCALAR_NULL;
  else
    type = TROUPE_SCALAR_PLAIN;

  node = troupe_node_new_scalar (value, type);
  troupe_node_set_location (node,
                            mark_to_uint (event->start_mark.line),
                            mark_to_uint (event->start_mark.column));

  return add_node (reader, node);
}

static gboolean
read_collection_start (Reader       *reader,
                       yaml_event_t *event)
{
  gboolean is_mapping = event->type == YAML_MAPPING_START_EVENT;
  guint line = mark_to_uint (event->start_mark.line);
  guint column = mark_to_uint (event->start_mark.column);
  const char *anchor;
  const char *tag;
  gboolean flow;
  TroupeNode *node;
  int tagged_type;

  if (is_mapping)
    {
      anchor = (const char *) event->data.mapping_start.anchor;
      tag = (const char *) event->data.mapping_start.tag;
      flow = event->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
    }
  else
    {
      anchor = (const char *) event->data.sequence_start.anchor;
      tag = (const char *) event->data.sequence_start.tag;
      flow = event->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
    }

  if (!check_properties (reader, &event->start_mark, anchor, tag,
                         is_mapping ? TROUPE_NODE_MAPPING : TROUPE_NODE_SEQUENCE,
                         &tagged_type))
    return FALSE;

  if (reader->depth == MAX_DEPTH)
    {
      reader_fail (reader, line, column,
                   "the document nests deeper than %u levels: flatten it", MAX_DEPTH);
      return FALSE;
    }

  node = is_mapping ? troupe_node_new_mapping () : troupe_node_new_sequence ();
  node->style = flow ? TROUPE_NODE_STYLE_FLOW : TROUPE_NODE_STYLE_BLOCK;
  troupe_node_set_location (node, line, column);

  if (!add_node (reader, node))
    return FALSE;

  /* The parent (or reader->root) owns the node now. */
  reader->stack[reader->depth].node = node;
  reader->stack[reader->depth].pending_key = NULL;
  reader->depth++;

  return TRUE;
}

static void
reader_clear (Reader *reader)
{
  for (guint i = 0; i < reader->depth; i++)
    g_clear_pointer (&reader->stack[i].pending_key, troupe_node_free);
  reader->depth = 0;
  g_clear_pointer (&reader->root, troupe_node_free);
}

TroupeNode *
troupe_yaml_read (const char        *data,
                  gsize              length,
                  const char        *filename,
                  TroupeDiagnostic **syntax_error,
                  GError           **error)
{
  g_auto(yaml_parser_t) parser = { 0 };
  Reader reader = { 0 };

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (syntax_error == NULL || *syntax_error == NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Positions are counted from the first character after a byte order
   * mark, as editors count them. */
  if (length >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      data += 3;
      length -= 3;
    }

  reader.data = data != NULL ? data : "";
  reader.length = length;
  reader.filename = filename;
  reader.syntax_error = syntax_error;
  reader.error = error;

  if (!yaml_parser_initialize (&parser))
    {
      reader_fail (&reader, 1, 1, "out of memory while reading the file");
      return NULL;
    }

  /* Workflow files are UTF-8; autodetecting UTF-16 would only turn a
   * stray pair of bytes into a confusing error. */
  yaml_parser_set_encoding (&parser, YAML_UTF8_ENCODING);
  yaml_parser_set_input_string (&parser, (const unsigned char *) reader.data, reader.length);

  for (;;)
    {
      g_auto(yaml_event_t) event = { 0 };
      gboolean ok = TRUE;

      if (!yaml_parser_parse (&parser, &event))
        {
          report_parser_error (&reader, &parser);
          reader_clear (&reader);
          return NULL;
        }

      switch (event.type)
        {
        case YAML_STREAM_END_EVENT:
          if (reader.root == NULL)
            {
              reader_fail (&reader, 1, 1,
                           "the file is empty: a workflow file is a mapping of keys such as name: and steps:");
              return NULL;
            }
          g_assert (reader.depth == 0);
          return g_steal_pointer (&reader.root);

        case YAML_DOCUMENT_START_EVENT:
          if (reader.n_documents++ > 0)
            {
              reader_fail (&reader,
                           mark_to_uint (event.start_mark.line),
                           mark_to_uint (event.start_mark.column),
                           "a second YAML document starts here, but a workflow file holds exactly one: remove this '---' and what follows, or move it to its own file");
              ok = FALSE;
            }
          break;

        case YAML_ALIAS_EVENT:
          reader_fail (&reader,
                       mark_to_uint (event.start_mark.line),
                       mark_to_uint (event.start_mark.column),
                       "aliases are not supported (*%.40s): write the value out in full",
                       (const char *) event.data.alias.anchor);
          ok = FALSE;
          break;

        case YAML_SCALAR_EVENT:
          ok = read_scalar (&reader, &event);
          break;

        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
          ok = read_collection_start (&reader, &event);
          break;

        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
          g_assert (reader.depth > 0);
          g_assert (reader.stack[reader.depth - 1].pending_key == NULL);
          reader.depth--;
          break;

        case YAML_NO_EVENT:
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
        default:
          break;
        }

      if (!ok)
        {
          reader_clear (&reader);
          return NULL;
        }
    }
}
