/* troupe-yaml-writer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <yaml.h>

#include "troupe-workflow-io.h"

/* The YAML writer prints a TroupeNode tree through libyaml's emitter in the
 * canonical style of the workflow format: 2-space indentation, no line
 * folding, block collections unless a node asks for flow style, multi-line
 * strings as literal block scalars, and double quotes for every string that
 * cannot be written plain or that a YAML 1.1 or 1.2 reader would take for
 * another type ("yes", "1.5", "null", "", " lead").
 *
 * libyaml decides some details itself, always the same way for the same
 * input: it escapes control characters in double quotes, it writes a
 * literal block scalar as a double-quoted string where one is impossible
 * (a line with trailing spaces, a key, a flow collection), and it does not
 * indent a block sequence that is a mapping value ("key:\n- item", as
 * PyYAML does; the format prints lists in flow style anyway). libyaml 0.2.5
 * also takes characters outside the Basic Multilingual Plane (emoji) for
 * unprintable, and would force any text holding one into a double-quoted
 * string of \U escapes; the writer hands it private-use placeholders
 * instead and puts the real characters back in the output.
 *
 * The output starts without "---", ends without "...", and ends with
 * exactly one newline. */

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (yaml_emitter_t, yaml_emitter_delete)

typedef enum
{
  SCALAR_STYLE_PLAIN,
  SCALAR_STYLE_LITERAL,
  SCALAR_STYLE_DOUBLE_QUOTED,
} ScalarStyle;

#define PRIVATE_USE_FIRST 0xE000
#define PRIVATE_USE_LAST  0xF8FF

typedef struct
{
  yaml_emitter_t *emitter;
  GHashTable     *to_placeholder;    /* astral gunichar -> placeholder */
  GHashTable     *from_placeholder;  /* placeholder -> astral gunichar */
} Writer;

static int
write_to_string (void          *user_data,
                 unsigned char *buffer,
                 size_t         size)
{
  g_string_append_len (user_data, (const char *) buffer, size);
  return 1;
}

/* TRUE when @text, written plain, would be read back as a null, a
 * boolean, a number or a date by a YAML 1.1 (PyYAML, libyaml-based tools)
 * or YAML 1.2 core-schema reader. Erring on the side of quoting is
 * harmless; the other way round silently changes a value's type. */
static gboolean
looks_like_other_type (const char *text)
{
  static GRegex *regex;

  if (g_once_init_enter (&regex))
    {
      GRegex *compiled;

      compiled = g_regex_new ("^(?:"
                              /* null */
                              "~|null|Null|NULL|"
                              /* booleans, YAML 1.1 and 1.2 */
                              "y|Y|yes|Yes|YES|n|N|no|No|NO|"
                              "true|True|TRUE|false|False|FALSE|"
                              "on|On|ON|off|Off|OFF|"
                              /* integers: binary, octal, decimal, hex, base 60 */
                              "[-+]?0b[01_]+|"
                              "[-+]?0o?[0-7_]+|"
                              "[-+]?[0-9][0-9_]*|"
                              "[-+]?0x[0-9a-fA-F_]+|"
                              "[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\\.[0-9_]*)?|"
                              /* floats */
                              "[-+]?(?:[0-9][0-9_]*)?\\.[0-9._]*(?:[eE][-+]?[0-9]+)?|"
                              "[-+]?[0-9][0-9_]*(?:\\.[0-9_]*)?[eE][-+]?[0-9]+|"
                              "[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN)|"
                              /* timestamps (anything that starts like a date) */
                              "[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?.*|"
                              /* merge and value keys */
                              "<<|="
                              ")\\z",
                              G_REGEX_OPTIMIZE | G_REGEX_DOTALL, 0, NULL);
      g_assert (compiled != NULL);
      g_once_init_leave (&regex, compiled);
    }

  return text[0] == '\0' || g_regex_match (regex, text, 0, NULL);
}

/* libyaml's idea of a printable character (IS_PRINTABLE in its
 * yaml_private.h), without the line feed and without the Unicode line and
 * paragraph separators, which YAML 1.1 treats as line breaks: anything
 * else makes it refuse the plain and block styles, or breaks them. */
static gboolean
is_printable (gunichar c)
{
  return (c >= 0x20 && c <= 0x7E) ||
         (c >= 0xA0 && c <= 0xD7FF && c != 0x2028 && c != 0x2029) ||
         (c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF);
}

/* TRUE when libyaml can write @text as a plain scalar (its analysis in
 * yaml_emitter_analyze_scalar(), made a little stricter) so that it reads
 * back as the same text. @in_flow: inside [ ] or { }. */
static gboolean
can_be_plain (const char *text,
              gboolean    in_flow)
{
  gsize length = strlen (text);
  gboolean preceded_by_space = TRUE;
  const char *p;

  if (length == 0)
    return FALSE;

  if (strchr ("#,[]{}&*!|>'\"%@`", text[0]) != NULL)
    return FALSE;

  if (strchr ("?:-", text[0]) != NULL &&
      (text[1] == '\0' || text[1] == ' ' || (in_flow && text[0] != '-')))
    return FALSE;

  if (g_str_has_prefix (text, "---") || g_str_has_prefix (text, "..."))
    return FALSE;

  if (text[0] == ' ' || text[length - 1] == ' ')
    return FALSE;

  for (p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      char next = p[1];

      if (!is_printable (c))
        return FALSE;

      if (c == ':' && (in_flow || next == '\0' || next == ' '))
        return FALSE;

      if (c == '#' && preceded_by_space)
        return FALSE;

      if (in_flow && strchr (",?[]{}", (int) c) != NULL && c < 0x80)
        return FALSE;

      preceded_by_space = c == ' ';
    }

  return TRUE;
}

/* A literal block scalar keeps a multi-line text readable, but it cannot
 * carry every text: YAML normalises CR and other line breaks to LF, and a
 * text ending in several newlines needs keep chomping ("|+"), which makes
 * libyaml end the document with "...". Those texts are double-quoted. */
static gboolean
can_be_literal (const char *text)
{
  gsize length = strlen (text);
  const char *p;

  if (strchr (text, '\n') == NULL)
    return FALSE;

  if (length >= 2 && text[length - 1] == '\n' && text[length - 2] == '\n')
    return FALSE;

  if (text[0] == '\n')
    return FALSE;

  for (p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c != '\n' && !is_printable (c))
        return FALSE;
    }

  return TRUE;
}

static ScalarStyle
choose_style (TroupeNode *node,
              const char *text,
              gboolean    in_flow)
{
  switch (node->scalar_type)
    {
    case TROUPE_SCALAR_NULL:
      return SCALAR_STYLE_PLAIN;

    case TROUPE_SCALAR_INT:
    case TROUPE_SCALAR_FLOAT:
    case TROUPE_SCALAR_BOOL:
    case TROUPE_SCALAR_PLAIN:
      /* Written as they are; quoted only when plain would not read back. */
      if (can_be_plain (text, in_flow))
        return SCALAR_STYLE_PLAIN;
      break;

    case TROUPE_SCALAR_STRING:
    default:
      if (!looks_like_other_type (text) && can_be_plain (text, in_flow))
        return SCALAR_STYLE_PLAIN;
      break;
    }

  if (!in_flow && can_be_literal (text))
    return SCALAR_STYLE_LITERAL;

  return SCALAR_STYLE_DOUBLE_QUOTED;
}

/* Finds the characters outside the BMP in every scalar, in document order,
 * and the private-use characters the tree already uses. */
static void
collect_characters (TroupeNode *node,
                    GHashTable *used,
                    GArray     *astral)
{
  if (node->kind == TROUPE_NODE_SCALAR)
    {
      if (!g_utf8_validate (node->scalar, -1, NULL))
        return;

      for (const char *p = node->scalar; *p != '\0'; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);

          if (c >= 0x10000 || (c >= PRIVATE_USE_FIRST && c <= PRIVATE_USE_LAST))
            {
              if (!g_hash_table_contains (used, GUINT_TO_POINTER (c)))
                {
                  g_hash_table_add (used, GUINT_TO_POINTER (c));
                  if (c >= 0x10000)
                    g_array_append_val (astral, c);
                }
            }
        }
      return;
    }

  for (guint i = 0; i < node->values->len; i++)
    {
      if (node->kind == TROUPE_NODE_MAPPING)
        collect_characters (g_ptr_array_index (node->keys, i), used, astral);
      collect_characters (g_ptr_array_index (node->values, i), used, astral);
    }
}

/* Gives each astral character a private-use placeholder the tree does not
 * use, first come first served, so the same tree maps the same way. */
static void
assign_placeholders (Writer     *writer,
                     TroupeNode *root)
{
  g_autoptr(GHashTable) used = g_hash_table_new (NULL, NULL);
  g_autoptr(GArray) astral = g_array_new (FALSE, FALSE, sizeof (gunichar));
  gunichar next = PRIVATE_USE_FIRST;

  collect_characters (root, used, astral);

  for (guint i = 0; i < astral->len; i++)
    {
      gunichar c = g_array_index (astral, gunichar, i);

      while (next <= PRIVATE_USE_LAST && g_hash_table_contains (used, GUINT_TO_POINTER (next)))
        next++;

      /* Past 6400 different ones, the rest are left to libyaml's escapes. */
      if (next > PRIVATE_USE_LAST)
        break;

      g_hash_table_insert (writer->to_placeholder, GUINT_TO_POINTER (c), GUINT_TO_POINTER (next));
      g_hash_table_insert (writer->from_placeholder, GUINT_TO_POINTER (next), GUINT_TO_POINTER (c));
      next++;
    }
}

/* Replaces the characters found in @map; NULL when none is. */
static char *
replace_characters (const char *text,
                    GHashTable *map)
{
  GString *out = NULL;

  if (g_hash_table_size (map) == 0)
    return NULL;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gpointer replacement;

      if (g_hash_table_lookup_extended (map, GUINT_TO_POINTER (c), NULL, &replacement))
        {
          if (out == NULL)
            out = g_string_new_len (text, p - text);
          g_string_append_unichar (out, GPOINTER_TO_UINT (replacement));
        }
      else if (out != NULL)
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }

  return out != NULL ? g_string_free (out, FALSE) : NULL;
}

static gboolean
emit_scalar (Writer     *writer,
             TroupeNode *node,
             gboolean    in_flow)
{
  g_autofree char *valid = NULL;
  g_autofree char *mapped = NULL;
  const char *text = node->scalar;
  yaml_scalar_style_t yaml_style;
  yaml_event_t event;

  if (node->scalar_type == TROUPE_SCALAR_NULL)
    text = "null";
  else if (!g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);

  if ((mapped = replace_characters (text, writer->to_placeholder)) != NULL)
    text = mapped;

  switch (choose_style (node, text, in_flow))
    {
    case SCALAR_STYLE_PLAIN:
      yaml_style = YAML_PLAIN_SCALAR_STYLE;
      break;

    case SCALAR_STYLE_LITERAL:
      yaml_style = YAML_LITERAL_SCALAR_STYLE;
      break;

    case SCALAR_STYLE_DOUBLE_QUOTED:
    default:
      yaml_style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
      break;
    }

  if (!yaml_scalar_event_initialize (&event, NULL, NULL,
                                     (yaml_char_t *) text, (int) strlen (text),
                                     TRUE, TRUE, yaml_style))
    return FALSE;

  return yaml_emitter_emit (writer->emitter, &event);
}

static gboolean
emit_node (Writer     *writer,
           TroupeNode *node,
           gboolean    in_flow)
{
  yaml_emitter_t *emitter = writer->emitter;
  gboolean flow = in_flow || node->style == TROUPE_NODE_STYLE_FLOW;
  yaml_event_t event;

  switch (node->kind)
    {
    case TROUPE_NODE_SCALAR:
      return emit_scalar (writer, node, in_flow);

    case TROUPE_NODE_SEQUENCE:
      if (!yaml_sequence_start_event_initialize (&event, NULL, NULL, TRUE,
                                                 flow ? YAML_FLOW_SEQUENCE_STYLE
                                                      : YAML_BLOCK_SEQUENCE_STYLE) ||
          !yaml_emitter_emit (emitter, &event))
        return FALSE;

      for (guint i = 0; i < node->values->len; i++)
        if (!emit_node (writer, g_ptr_array_index (node->values, i), flow))
          return FALSE;

      return yaml_sequence_end_event_initialize (&event) &&
             yaml_emitter_emit (emitter, &event);

    case TROUPE_NODE_MAPPING:
      if (!yaml_mapping_start_event_initialize (&event, NULL, NULL, TRUE,
                                                flow ? YAML_FLOW_MAPPING_STYLE
                                                     : YAML_BLOCK_MAPPING_STYLE) ||
          !yaml_emitter_emit (emitter, &event))
        return FALSE;

      for (guint i = 0; i < node->keys->len; i++)
        {
          if (!emit_node (writer, g_ptr_array_index (node->keys, i), flow) ||
              !emit_node (writer, g_ptr_array_index (node->values, i), flow))
            return FALSE;
        }

      return yaml_mapping_end_event_initialize (&event) &&
             yaml_emitter_emit (emitter, &event);

    default:
      g_assert_not_reached ();
    }
}

char *
troupe_yaml_write (TroupeNode *root,
                   gsize      *length)
{
  g_auto(yaml_emitter_t) emitter = { 0 };
  g_autoptr(GHashTable) to_placeholder = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) from_placeholder = g_hash_table_new (NULL, NULL);
  g_autoptr(GString) out = NULL;
  g_autofree char *restored = NULL;
  Writer writer = { &emitter, to_placeholder, from_placeholder };
  yaml_event_t event;

  g_return_val_if_fail (root != NULL, NULL);

  assign_placeholders (&writer, root);

  if (!yaml_emitter_initialize (&emitter))
    g_error ("Out of memory initializing the YAML emitter");

  out = g_string_new (NULL);
  yaml_emitter_set_output (&emitter, write_to_string, out);
  yaml_emitter_set_encoding (&emitter, YAML_UTF8_ENCODING);
  yaml_emitter_set_indent (&emitter, 2);
  yaml_emitter_set_width (&emitter, -1);
  yaml_emitter_set_unicode (&emitter, TRUE);
  yaml_emitter_set_break (&emitter, YAML_LN_BREAK);

  if (!yaml_stream_start_event_initialize (&event, YAML_UTF8_ENCODING) ||
      !yaml_emitter_emit (&emitter, &event) ||
      !yaml_document_start_event_initialize (&event, NULL, NULL, NULL, TRUE) ||
      !yaml_emitter_emit (&emitter, &event) ||
      !emit_node (&writer, root, FALSE) ||
      !yaml_document_end_event_initialize (&event, TRUE) ||
      !yaml_emitter_emit (&emitter, &event) ||
      !yaml_stream_end_event_initialize (&event) ||
      !yaml_emitter_emit (&emitter, &event) ||
      !yaml_emitter_flush (&emitter))
    {
      g_critical ("Cannot write YAML: %s",
                  emitter.problem != NULL ? emitter.problem : "invalid document tree");
      return NULL;
    }

  /* A root that is not a mapping (never a workflow, but the tree allows
   * it) can make libyaml mark the document as open-ended. */
  if (g_str_has_suffix (out->str, "\n...\n"))
    g_string_truncate (out, out->len - 4);

  if ((restored = replace_characters (out->str, from_placeholder)) != NULL)
    {
      g_string_truncate (out, 0);
      g_string_append (out, restored);
    }

  if (length != NULL)
    *length = out->len;

  return g_string_free (g_steal_pointer (&out), FALSE);
}
