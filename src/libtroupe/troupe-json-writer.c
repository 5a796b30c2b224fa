/* troupe-json-writer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "troupe-workflow-io-private.h"

/* The JSON writer prints a TroupeNode tree as pretty JSON: 2-space
 * indentation, "key": value, members in tree order, a final newline.
 * Collections with TROUPE_NODE_STYLE_FLOW (and everything inside them)
 * are printed on one line, as [120, 40]; the JSON reader gives that style
 * back to a collection that opens and closes on one line, so reading and
 * writing again gives the same bytes.
 *
 * It writes the text itself rather than through JsonGenerator, because
 * json-glib 1.6 prints every double with 17 significant digits (0.2 comes
 * out as 0.20000000000000001), prints infinity as the invalid "inf.0", and
 * could not keep a number's text as read. Here numbers keep their text
 * when it is valid JSON; INT, FLOAT and BOOL scalars whose text is not a
 * JSON number or boolean, and non-finite numbers, become strings, so the
 * output is always valid JSON. PLAIN scalars are strings. */

static void
append_indent (GString *out,
               guint    level)
{
  g_string_append_c (out, '\n');
  for (guint i = 0; i < level; i++)
    g_string_append (out, "  ");
}

/* Which bytes a JSON string escapes: 0 none, else the letter after the
 * backslash, or 'u' for \u00XX. */
static const char escapes[256] = {
  [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u', [0x05] = 'u', [0x06] = 'u', [0x07] = 'u',
  ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', [0x0b] = 'u', ['\f'] = 'f', ['\r'] = 'r',
  [0x0e] = 'u', [0x0f] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u', [0x13] = 'u', [0x14] = 'u',
  [0x15] = 'u', [0x16] = 'u', [0x17] = 'u', [0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u',
  [0x1c] = 'u', [0x1d] = 'u', [0x1e] = 'u', [0x1f] = 'u',
  ['"'] = '"', ['\\'] = '\\', [0x7f] = 'u',
};

void
_troupe_json_append_string (GString    *out,
                            const char *text)
{
  static const char hex[] = "0123456789abcdef";
  const guchar *run;
  const guchar *p;

  if (text == NULL)
    {
      _troupe_string_put (out, "null", 4);
      return;
    }

  _troupe_string_put_c (out, '"');
  /* Runs of bytes that need no escape are copied in one go. */
  for (run = p = (const guchar *) text; *p != '\0'; p++)
    {
      char escape = escapes[*p];

      if (escape == 0)
        continue;
      _troupe_string_put (out, (const char *) run, p - run);
      _troupe_string_put_c (out, '\\');
      _troupe_string_put_c (out, escape);
      if (escape == 'u')
        {
          _troupe_string_put (out, "00", 2);
          _troupe_string_put_c (out, hex[*p >> 4]);
          _troupe_string_put_c (out, hex[*p & 0xf]);
        }
      run = p + 1;
    }
  _troupe_string_put (out, (const char *) run, p - run);
  _troupe_string_put_c (out, '"');
}

/* A canonical file is UTF-8: bytes that are not become U+FFFD. */
static void
append_string (GString    *out,
               const char *text)
{
  g_autofree char *valid = NULL;

  if (!g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);
  _troupe_json_append_string (out, text);
}

/* TRUE when @text is a number in the JSON grammar (RFC 8259). */
static gboolean
is_json_number (const char *text)
{
  const char *p = text;

  if (*p == '-')
    p++;

  if (*p == '0')
    p++;
  else if (g_ascii_isdigit (*p))
    while (g_ascii_isdigit (*p))
      p++;
  else
    return FALSE;

  if (*p == '.')
    {
      p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      while (g_ascii_isdigit (*p))
        p++;
    }

  if (*p == 'e' || *p == 'E')
    {
      p++;
      if (*p == '+' || *p == '-')
        p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      while (g_ascii_isdigit (*p))
        p++;
    }

  return *p == '\0';
}

/* The shortest text that reads back as @value: 0.2 rather than
 * 0.20000000000000001. */
static void
append_double (GString *out,
               double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  for (int precision = 15; precision <= 17; precision++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", precision);
      g_ascii_formatd (buffer, sizeof buffer, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }

  g_string_append (out, buffer);
}

static void
append_scalar (GString    *out,
               TroupeNode *node)
{
  const char *text = node->scalar;

  switch (node->scalar_type)
    {
    case TROUPE_SCALAR_NULL:
      g_string_append (out, "null");
      return;

    case TROUPE_SCALAR_BOOL:
      if (g_str_equal (text, "true") || g_str_equal (text, "false"))
        {
          g_string_append (out, text);
          return;
        }
      break;

    case TROUPE_SCALAR_INT:
    case TROUPE_SCALAR_FLOAT:
      if (is_json_number (text))
        {
          g_string_append (out, text);
          return;
        }
      else
        {
          char *end = NULL;
          double value = g_ascii_strtod (text, &end);

          if (end != text && *end == '\0' && isfinite (value))
            {
              append_double (out, value);
              return;
            }
        }
      break;

    case TROUPE_SCALAR_PLAIN:
    case TROUPE_SCALAR_STRING:
    default:
      break;
    }

  append_string (out, text);
}

static void
append_node (GString    *out,
             TroupeNode *node,
             guint       level,
             gboolean    in_flow)
{
  gboolean flow = in_flow || node->style == TROUPE_NODE_STYLE_FLOW;
  gboolean is_mapping = node->kind == TROUPE_NODE_MAPPING;

  if (node->kind == TROUPE_NODE_SCALAR)
    {
      append_scalar (out, node);
      return;
    }

  g_string_append_c (out, is_mapping ? '{' : '[');

  for (guint i = 0; i < node->values->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');

      if (flow)
        {
          if (i > 0)
            g_string_append_c (out, ' ');
        }
      else
        append_indent (out, level + 1);

      if (is_mapping)
        {
          TroupeNode *key = g_ptr_array_index (node->keys, i);

          /* Member names are strings whatever the key's scalar type. */
          append_string (out, key->kind == TROUPE_NODE_SCALAR ? key->scalar : "");
          g_string_append (out, ": ");
        }

      append_node (out, g_ptr_array_index (node->values, i), level + 1, flow);
    }

  if (!flow && node->values->len > 0)
    append_indent (out, level);

  g_string_append_c (out, is_mapping ? '}' : ']');
}

char *
troupe_json_write (TroupeNode *root,
                   gsize      *length)
{
  GString *out;

  g_return_val_if_fail (root != NULL, NULL);

  out = g_string_new (NULL);
  append_node (out, root, 0, FALSE);
  g_string_append_c (out, '\n');

  if (length != NULL)
    *length = out->len;

  return g_string_free (out, FALSE);
}
