/* troupe-json-reader.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "troupe-diagnostic.h"
#include "troupe-workflow-io-private.h"

/* The JSON reader builds a TroupeNode tree with json-glib's JsonParser, in
 * two passes over the text.
 *
 * First a strict scan of our own, which json-glib 1.6 cannot replace: it
 * enforces RFC 8259 (json-glib also takes single quotes, hex numbers,
 * "var x = ...", leading zeros, raw control characters and text after the
 * document, and silently turns 1e400 into infinity and 2^64 into -1); it
 * bounds the nesting at MAX_DEPTH before json-glib's recursive parser sees
 * the text, so hostile input cannot exhaust the stack; it reports errors
 * with exact positions; and it records where every key and value starts.
 * json-glib gives no positions (json_parser_get_current_line() points past
 * the value when a signal fires), so positions come from this scan, and
 * are exact rather than approximate: both passes meet the same tokens in
 * the same order.
 *
 * Then json-glib parses the text. JsonObject keeps only the last of
 * duplicate members, so the tree is built from the parser's signals
 * instead (object-member and array-element fire once per member, in
 * document order): member order is the document order and duplicates are
 * kept for the builder to report.
 *
 * Types: strings are TROUPE_SCALAR_STRING, booleans BOOL, null NULL,
 * numbers INT when written without a fraction or exponent and FLOAT
 * otherwise; numbers keep their text as written ("1.50", "1e3",
 * "99999999999999999999"), so the builder, not the parser, decides what is
 * out of range. A collection that opens and closes on one line gets
 * TROUPE_NODE_STYLE_FLOW, which the JSON writer prints on one line again. */

#define MAX_DEPTH 64

typedef enum
{
  ITEM_OBJECT,
  ITEM_ARRAY,
  ITEM_STRING,
  ITEM_NUMBER,
  ITEM_LITERAL,
} ItemKind;

/* One key or value, in document order. */
typedef struct
{
  ItemKind kind;
  guint    line;
  guint    column;
  guint    end_line;  /* containers: the line of the closing bracket */
  gsize    offset;
  gsize    length;
} Item;

typedef struct
{
  const char        *data;
  gsize              length;
  const char        *filename;
  TroupeDiagnostic **syntax_error;
  GError           **error;

  /* scanner */
  gsize              pos;
  guint              line;
  guint              column;
  GArray            *items;
  guint              open[MAX_DEPTH];  /* indices in items of open containers */
  guint              depth;

  /* tree building from json-glib's signals */
  GPtrArray         *building;  /* TroupeNode*, open containers, each owned here */
  TroupeNode        *finished;  /* a closed container waiting for its parent */
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

/* The scanner. Positions are 1-based; columns count characters. */

static inline gboolean
at_end (Reader *reader)
{
  return reader->pos >= reader->length;
}

static inline guchar
peek (Reader *reader)
{
  return at_end (reader) ? 0 : (guchar) reader->data[reader->pos];
}

static void
advance (Reader *reader)
{
  guchar c = peek (reader);

  g_assert (!at_end (reader));

  reader->pos++;
  if (c == '\n')
    {
      reader->line++;
      reader->column = 1;
    }
  else if ((c & 0xC0) != 0x80)
    {
      /* A character counts once, at its first byte. */
      reader->column++;
    }
}

static void
skip_whitespace (Reader *reader)
{
  while (!at_end (reader))
    {
      guchar c = peek (reader);

      if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        advance (reader);
      else
        break;
    }
}

static guint
add_item (Reader   *reader,
          ItemKind  kind)
{
  Item item = { kind, reader->line, reader->column, reader->line, reader->pos, 0 };

  g_array_append_val (reader->items, item);
  return reader->items->len - 1;
}

static const char *
describe_character (guchar  c,
                    char   *buffer,
                    gsize   size)
{
  if (c >= 0x21 && c < 0x7F)
    g_snprintf (buffer, size, "'%c'", c);
  else if (c == ' ')
    g_snprintf (buffer, size, "a space");
  else if (c < 0x80)
    g_snprintf (buffer, size, "the control character U+%04X", c);
  else
    g_snprintf (buffer, size, "a non-ASCII character");
  return buffer;
}

static gboolean
scan_hex4 (Reader  *reader,
           guint   *value)
{
  *value = 0;

  for (guint i = 0; i < 4; i++)
    {
      guchar c = peek (reader);

      if (!g_ascii_isxdigit (c))
        return FALSE;
      *value = (*value << 4) | (guint) g_ascii_xdigit_value (c);
      advance (reader);
    }

  return TRUE;
}

static gboolean
scan_string (Reader *reader)
{
  guint start_line = reader->line;
  guint start_column = reader->column;

  g_assert (peek (reader) == '"');
  advance (reader);

  for (;;)
    {
      guint line = reader->line;
      guint column = reader->column;
      guchar c;

      if (at_end (reader) || peek (reader) == '\n')
        {
          reader_fail (reader, start_line, start_column,
                       "this string is never closed: add the closing '\"' (write \\n for a line break inside a string)");
          return FALSE;
        }

      c = peek (reader);

      if (c == '"')
        {
          advance (reader);
          return TRUE;
        }

      if (c < 0x20)
        {
          reader_fail (reader, line, column,
                       "the control character U+%04X is not allowed inside a JSON string: write it as an escape such as \\t or \\u%04X",
                       c, c);
          return FALSE;
        }

      if (c != '\\')
        {
          advance (reader);
          continue;
        }

      advance (reader);
      c = peek (reader);

      switch (c)
        {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          advance (reader);
          break;

        case 'u':
          {
            guint value;

            advance (reader);
            if (!scan_hex4 (reader, &value))
              {
                reader_fail (reader, line, column,
                             "\\u must be followed by four hexadecimal digits");
                return FALSE;
              }

            if (value == 0)
              {
                reader_fail (reader, line, column,
                             "\\u0000 (the NUL character) is not supported in strings: remove it");
                return FALSE;
              }

            if (value >= 0xDC00 && value <= 0xDFFF)
              {
                reader_fail (reader, line, column,
                             "\\u%04X is the second half of a UTF-16 surrogate pair, but no first half comes before it",
                             value);
                return FALSE;
              }

            if (value >= 0xD800 && value <= 0xDBFF)
              {
                guint low = 0;

                if (peek (reader) != '\\')
                  {
                    reader_fail (reader, line, column,
                                 "\\u%04X is the first half of a UTF-16 surrogate pair and must be followed by a second \\uDC00-\\uDFFF escape",
                                 value);
                    return FALSE;
                  }
                advance (reader);
                if (peek (reader) != 'u')
                  {
                    reader_fail (reader, line, column,
                                 "\\u%04X is the first half of a UTF-16 surrogate pair and must be followed by a second \\uDC00-\\uDFFF escape",
                                 value);
                    return FALSE;
                  }
                advance (reader);
                if (!scan_hex4 (reader, &low) || low < 0xDC00 || low > 0xDFFF)
                  {
                    reader_fail (reader, line, column,
                                 "\\u%04X is the first half of a UTF-16 surrogate pair and must be followed by a second \\uDC00-\\uDFFF escape",
                                 value);
                    return FALSE;
                  }
              }
          }
          break;

        default:
          {
            char buffer[64];

            if (at_end (reader) || c == '\n')
              reader_fail (reader, start_line, start_column,
                           "this string is never closed: add the closing '\"'");
            else
              reader_fail (reader, line, column,
                           "\\ followed by %s is not a JSON escape: write \\\\ for a backslash",
                           describe_character (c, buffer, sizeof buffer));
            return FALSE;
          }
        }
    }
}

static gboolean
scan_number (Reader *reader)
{
  guint line = reader->line;
  guint column = reader->column;
  gsize start = reader->pos;

  if (peek (reader) == '-')
    advance (reader);

  if (peek (reader) == '0')
    {
      advance (reader);
      if (g_ascii_isdigit (peek (reader)) || peek (reader) == 'x' || peek (reader) == 'X')
        goto bad;
    }
  else if (g_ascii_isdigit (peek (reader)))
    {
      while (g_ascii_isdigit (peek (reader)))
        advance (reader);
    }
  else
    goto bad;

  if (peek (reader) == '.')
    {
      advance (reader);
      if (!g_ascii_isdigit (peek (reader)))
        goto bad;
      while (g_ascii_isdigit (peek (reader)))
        advance (reader);
    }

  if (peek (reader) == 'e' || peek (reader) == 'E')
    {
      advance (reader);
      if (peek (reader) == '+' || peek (reader) == '-')
        advance (reader);
      if (!g_ascii_isdigit (peek (reader)))
        goto bad;
      while (g_ascii_isdigit (peek (reader)))
        advance (reader);
    }

  if (g_ascii_isalnum (peek (reader)) || peek (reader) == '.' || peek (reader) == '_')
    goto bad;

  return TRUE;

bad:
  {
    gsize end = reader->pos;

    while (end < reader->length && (g_ascii_isalnum (reader->data[end]) ||
                                    strchr ("+-._", reader->data[end]) != NULL))
      end++;

    reader_fail (reader, line, column,
                 "'%.*s' is not a JSON number: write digits with an optional '.' fraction and exponent, without leading zeros, '+' or hex",
                 (int) MIN (end - start, 40), reader->data + start);
    return FALSE;
  }
}

static gboolean
scan_literal (Reader *reader)
{
  static const char * const literals[] = { "true", "false", "null" };
  guint line = reader->line;
  guint column = reader->column;
  gsize start = reader->pos;
  gsize end = start;

  while (end < reader->length && (g_ascii_isalnum (reader->data[end]) || reader->data[end] == '_'))
    end++;

  for (guint i = 0; i < G_N_ELEMENTS (literals); i++)
    {
      if (end - start == strlen (literals[i]) &&
          memcmp (reader->data + start, literals[i], end - start) == 0)
        {
          while (reader->pos < end)
            advance (reader);
          return TRUE;
        }
    }

  reader_fail (reader, line, column,
               "unexpected word '%.*s': JSON strings must be in double quotes, and the only words are true, false and null",
               (int) MIN (end - start, 40), reader->data + start);
  return FALSE;
}

/* Fails with a message for the character at the current position, which
 * is not what the grammar expects (@expected, for the message). */
static void
fail_unexpected (Reader     *reader,
                 const char *expected)
{
  char buffer[64];
  guchar c = peek (reader);

  if (at_end (reader))
    {
      if (reader->depth > 0)
        {
          const Item *open = &g_array_index (reader->items, Item, reader->open[reader->depth - 1]);

          reader_fail (reader, reader->line, reader->column,
                       "the file ends before the %s opened at line %u, column %u is closed: add '%c'",
                       open->kind == ITEM_OBJECT ? "object" : "array",
                       open->line, open->column,
                       open->kind == ITEM_OBJECT ? '}' : ']');
        }
      else
        reader_fail (reader, reader->line, reader->column,
                     "the file ends where %s was expected", expected);
    }
  else if (c == '\'')
    reader_fail (reader, reader->line, reader->column,
                 "JSON strings use double quotes: replace the single quotes with '\"'");
  else if (c == '/' && reader->pos + 1 < reader->length &&
           (reader->data[reader->pos + 1] == '/' || reader->data[reader->pos + 1] == '*'))
    reader_fail (reader, reader->line, reader->column,
                 "comments are not allowed in JSON: remove it");
  else
    reader_fail (reader, reader->line, reader->column,
                 "unexpected %s: expected %s",
                 describe_character (c, buffer, sizeof buffer), expected);
}

static gboolean
scan_value (Reader *reader)
{
  guchar c = peek (reader);

  if (c == '"')
    {
      guint index = add_item (reader, ITEM_STRING);

      if (!scan_string (reader))
        return FALSE;
      g_array_index (reader->items, Item, index).length =
        reader->pos - g_array_index (reader->items, Item, index).offset;
      return TRUE;
    }

  if (c == '-' || g_ascii_isdigit (c))
    {
      guint index = add_item (reader, ITEM_NUMBER);

      if (!scan_number (reader))
        return FALSE;
      g_array_index (reader->items, Item, index).length =
        reader->pos - g_array_index (reader->items, Item, index).offset;
      return TRUE;
    }

  if (g_ascii_isalpha (c))
    {
      add_item (reader, ITEM_LITERAL);
      return scan_literal (reader);
    }

  fail_unexpected (reader, "a value");
  return FALSE;
}

static gboolean
open_container (Reader   *reader,
                ItemKind  kind)
{
  if (reader->depth == MAX_DEPTH)
    {
      reader_fail (reader, reader->line, reader->column,
                   "the document nests deeper than %u levels: flatten it", MAX_DEPTH);
      return FALSE;
    }

  reader->open[reader->depth++] = add_item (reader, kind);
  advance (reader);
  return TRUE;
}

static void
close_container (Reader *reader)
{
  g_assert (reader->depth > 0);

  g_array_index (reader->items, Item, reader->open[--reader->depth]).end_line = reader->line;
  advance (reader);
}

/* Checks that the text is one strict JSON object and records its items. */
static gboolean
scan_document (Reader *reader)
{
  enum {
    VALUE,             /* a value must come */
    FIRST_MEMBER,      /* after '{': a key or '}' */
    MEMBER,            /* after ',' in an object: a key */
    COLON,             /* after a key */
    FIRST_ELEMENT,     /* after '[': a value or ']' */
    AFTER_VALUE,       /* after a value: ',' or the closing bracket */
  } state = VALUE;

  skip_whitespace (reader);

  if (at_end (reader))
    {
      reader_fail (reader, 1, 1,
                   "the file is empty: a workflow file is a JSON object with members such as \"name\" and \"steps\"");
      return FALSE;
    }

  if (peek (reader) != '{')
    {
      reader_fail (reader, reader->line, reader->column,
                   "a workflow file is a JSON object with members such as \"name\" and \"steps\", so it must start with '{'");
      return FALSE;
    }

  for (;;)
    {
      gboolean in_object;
      guchar c;

      skip_whitespace (reader);
      c = peek (reader);
      in_object = reader->depth > 0 &&
                  g_array_index (reader->items, Item, reader->open[reader->depth - 1]).kind == ITEM_OBJECT;

      switch (state)
        {
        case FIRST_ELEMENT:
          if (c == ']' && !at_end (reader))
            {
              close_container (reader);
              state = AFTER_VALUE;
              break;
            }
          G_GNUC_FALLTHROUGH;

        case VALUE:
          if (c == '{' && !at_end (reader))
            {
              if (!open_container (reader, ITEM_OBJECT))
                return FALSE;
              state = FIRST_MEMBER;
            }
          else if (c == '[' && !at_end (reader))
            {
              if (!open_container (reader, ITEM_ARRAY))
                return FALSE;
              state = FIRST_ELEMENT;
            }
          else
            {
              if (!scan_value (reader))
                return FALSE;
              state = AFTER_VALUE;
            }
          break;

        case FIRST_MEMBER:
          if (c == '}' && !at_end (reader))
            {
              close_container (reader);
              state = AFTER_VALUE;
              break;
            }
          G_GNUC_FALLTHROUGH;

        case MEMBER:
          if (c != '"' || at_end (reader))
            {
              fail_unexpected (reader, "a member name in double quotes");
              return FALSE;
            }
          if (!scan_value (reader))
            return FALSE;
          state = COLON;
          break;

        case COLON:
          if (c != ':' || at_end (reader))
            {
              fail_unexpected (reader, "':' after the member name");
              return FALSE;
            }
          advance (reader);
          state = VALUE;
          break;

        case AFTER_VALUE:
          if (reader->depth == 0)
            {
              if (!at_end (reader))
                {
                  reader_fail (reader, reader->line, reader->column,
                               "unexpected text after the end of the JSON object: a file holds exactly one object");
                  return FALSE;
                }
              return TRUE;
            }

          if (c == ',' && !at_end (reader))
            {
              guint line = reader->line;
              guint column = reader->column;

              advance (reader);
              skip_whitespace (reader);
              if ((peek (reader) == '}' || peek (reader) == ']') && !at_end (reader))
                {
                  reader_fail (reader, line, column,
                               "a trailing comma before '%c' is not allowed in JSON: remove this comma",
                               peek (reader));
                  return FALSE;
                }
              state = in_object ? MEMBER : VALUE;
            }
          else if (c == (in_object ? '}' : ']') && !at_end (reader))
            {
              close_container (reader);
            }
          else if (!at_end (reader) && (c == '"' || c == '{' || c == '[' || c == '-' ||
                                        g_ascii_isalnum (c)))
            {
              reader_fail (reader, reader->line, reader->column,
                           "expected %s: a comma is missing before this",
                           in_object ? "',' or '}' after the previous member"
                                     : "',' or ']' after the previous element");
              return FALSE;
            }
          else
            {
              fail_unexpected (reader, in_object ? "',' or '}' after this member"
                                                 : "',' or ']' after this element");
              return FALSE;
            }
          break;

        default:
          g_assert_not_reached ();
        }
    }
}

/* Checks the encoding before the grammar, so that the scanner can trust
 * its UTF-8. */
static gboolean
check_encoding (Reader *reader)
{
  const char *end = NULL;
  guint line = 1;
  guint column = 1;

  if (g_utf8_validate_len (reader->data, reader->length, &end))
    return TRUE;

  for (const char *p = reader->data; p < end; p++)
    {
      if (*p == '\n')
        {
          line++;
          column = 1;
        }
      else if ((((guchar) *p) & 0xC0) != 0x80)
        column++;
    }

  if (end < reader->data + reader->length && *end == '\0')
    reader_fail (reader, line, column,
                 "the file contains a NUL byte, which JSON does not allow: remove it");
  else
    reader_fail (reader, line, column,
                 "the file is not valid UTF-8 (byte 0x%02X): save it as UTF-8",
                 (guint) (guchar) *end);
  return FALSE;
}

/* Tree building, from json-glib's signals. */

static TroupeNode *
scalar_from_json (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return troupe_node_new_scalar ("null", TROUPE_SCALAR_NULL);

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      return troupe_node_new_bool (json_node_get_boolean (node));

    case G_TYPE_INT64:
      return troupe_node_new_int (json_node_get_int (node));

    case G_TYPE_DOUBLE:
      {
        char buffer[G_ASCII_DTOSTR_BUF_SIZE];

        /* The text is replaced by the number as written (apply_items());
         * the double may be infinite (1e400). */
        return troupe_node_new_scalar (g_ascii_dtostr (buffer, sizeof buffer,
                                                       json_node_get_double (node)),
                                       TROUPE_SCALAR_FLOAT);
      }

    case G_TYPE_STRING:
    default:
      return troupe_node_new_string (json_node_get_string (node));
    }
}

/* The TroupeNode for a member or element json-glib has just parsed. */
static TroupeNode *
take_value (Reader   *reader,
            JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node) || JSON_NODE_HOLDS_ARRAY (node))
    {
      /* Its object-end or array-end fired just before. */
      g_assert (reader->finished != NULL);
      return g_steal_pointer (&reader->finished);
    }

  return scalar_from_json (node);
}

static void
object_start_cb (JsonParser *parser,
                    gpointer    user_data)
{
  Reader *reader = user_data;

  g_assert (reader->finished == NULL);
  g_ptr_array_add (reader->building, troupe_node_new_mapping ());
}

static void
array_start_cb (JsonParser *parser,
                gpointer    user_data)
{
  Reader *reader = user_data;

  g_assert (reader->finished == NULL);
  g_ptr_array_add (reader->building, troupe_node_new_sequence ());
}

static void
container_end_cb (JsonParser *parser,
                  gpointer    container,
                  gpointer    user_data)
{
  Reader *reader = user_data;

  g_assert (reader->building->len > 0);
  g_assert (reader->finished == NULL);
  reader->finished = g_ptr_array_steal_index (reader->building, reader->building->len - 1);
}

static void
object_member_cb (JsonParser *parser,
                  JsonObject *object,
                  const char *name,
                  gpointer    user_data)
{
  Reader *reader = user_data;
  TroupeNode *mapping;
  TroupeNode *value;

  g_assert (reader->building->len > 0);
  value = take_value (reader, json_object_get_member (object, name));
  mapping = g_ptr_array_index (reader->building, reader->building->len - 1);
  g_assert (mapping->kind == TROUPE_NODE_MAPPING);
  troupe_node_insert (mapping, troupe_node_new_string (name), value);
}

static void
array_element_cb (JsonParser *parser,
                  JsonArray  *array,
                  int         index,
                  gpointer    user_data)
{
  Reader *reader = user_data;
  TroupeNode *sequence;
  TroupeNode *value;

  g_assert (reader->building->len > 0);
  value = take_value (reader, json_array_get_element (array, (guint) index));
  sequence = g_ptr_array_index (reader->building, reader->building->len - 1);
  g_assert (sequence->kind == TROUPE_NODE_SEQUENCE);
  troupe_node_append (sequence, value);
}

/* Gives each node the position the scan recorded for it: a pre-order walk
 * of the tree meets keys and values in document order, as the scan did. */
static void
apply_items (Reader     *reader,
             TroupeNode *node,
             guint      *next)
{
  const Item *item;

  if (*next >= reader->items->len)
    return;

  item = &g_array_index (reader->items, Item, (*next)++);
  troupe_node_set_location (node, item->line, item->column);

  switch (node->kind)
    {
    case TROUPE_NODE_SCALAR:
      if (item->kind == ITEM_NUMBER &&
          (node->scalar_type == TROUPE_SCALAR_INT || node->scalar_type == TROUPE_SCALAR_FLOAT))
        {
          g_free (node->scalar);
          node->scalar = g_strndup (reader->data + item->offset, item->length);
          node->scalar_type = strpbrk (node->scalar, ".eE") != NULL ? TROUPE_SCALAR_FLOAT
                                                                   : TROUPE_SCALAR_INT;
        }
      break;

    case TROUPE_NODE_SEQUENCE:
      node->style = item->end_line == item->line ? TROUPE_NODE_STYLE_FLOW : TROUPE_NODE_STYLE_BLOCK;
      for (guint i = 0; i < node->values->len; i++)
        apply_items (reader, g_ptr_array_index (node->values, i), next);
      break;

    case TROUPE_NODE_MAPPING:
      node->style = item->end_line == item->line ? TROUPE_NODE_STYLE_FLOW : TROUPE_NODE_STYLE_BLOCK;
      for (guint i = 0; i < node->keys->len; i++)
        {
          apply_items (reader, g_ptr_array_index (node->keys, i), next);
          apply_items (reader, g_ptr_array_index (node->values, i), next);
        }
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
strip_location (const char  *message,
                const char **rest)
{
  /* json-glib prefixes "<data>:LINE:COL: "; the reader adds its own. */
  const char *p = message;

  *rest = message;
  if (!g_str_has_prefix (p, "<data>:"))
    return;
  p += strlen ("<data>:");
  while (g_ascii_isdigit (*p) || *p == ':')
    p++;
  if (*p == ' ')
    *rest = p + 1;
}

TroupeNode *
troupe_json_read (const char        *data,
                  gsize              length,
                  const char        *filename,
                  TroupeDiagnostic **syntax_error,
                  GError           **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GArray) items = NULL;
  g_autoptr(GPtrArray) building = NULL;
  TroupeNode *root;
  Reader reader = { 0 };
  guint next = 0;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (syntax_error == NULL || *syntax_error == NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      data += 3;
      length -= 3;
    }

  items = g_array_new (FALSE, FALSE, sizeof (Item));
  building = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_node_free);

  reader.data = data != NULL ? data : "";
  reader.length = length;
  reader.filename = filename;
  reader.syntax_error = syntax_error;
  reader.error = error;
  reader.line = 1;
  reader.column = 1;
  reader.items = items;
  reader.building = building;

  if (!check_encoding (&reader) || !scan_document (&reader))
    return NULL;

  parser = json_parser_new ();
  g_signal_connect (parser, "object-start", G_CALLBACK (object_start_cb), &reader);
  g_signal_connect (parser, "array-start", G_CALLBACK (array_start_cb), &reader);
  g_signal_connect (parser, "object-end", G_CALLBACK (container_end_cb), &reader);
  g_signal_connect (parser, "array-end", G_CALLBACK (container_end_cb), &reader);
  g_signal_connect (parser, "object-member", G_CALLBACK (object_member_cb), &reader);
  g_signal_connect (parser, "array-element", G_CALLBACK (array_element_cb), &reader);

  if (!json_parser_load_from_data (parser, reader.data, (gssize) reader.length, &local_error))
    {
      /* The strict scan accepted the text, so json-glib should too. */
      const char *rest;

      strip_location (local_error->message, &rest);
      reader_fail (&reader,
                   json_parser_get_current_line (parser),
                   json_parser_get_current_pos (parser),
                   "%s", rest);
      g_clear_pointer (&reader.finished, troupe_node_free);
      return NULL;
    }

  g_assert (reader.building->len == 0);
  root = g_steal_pointer (&reader.finished);
  g_assert (root != NULL && root->kind == TROUPE_NODE_MAPPING);

  apply_items (&reader, root, &next);

  return root;
}
