/* troupe-template.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "troupe-template.h"

/* Templates are read in one pass, left to right, and every byte is looked
 * at a bounded number of times, so expansion is linear in the size of the
 * text whatever it holds: prompts come from users and from earlier steps'
 * outputs, and will be fuzzed.
 *
 * The grammar, at each '$':
 *   "$${"          a literal "${" (the escape is read left to right, so
 *                  "$$${x}" is a literal "$" followed by a literal "${x}")
 *   "${NAME}"      a variable; NAME is one or more of [A-Za-z0-9_.-]
 *   "${" otherwise a syntax error that points at the problem
 *   "$" otherwise  a literal "$" (so "$(date)", "$HOME" and "$$" pass as is)
 *
 * Values are never expanded again: a value that contains "${" is text. */

G_DEFINE_QUARK (troupe-template-error-quark, troupe_template_error)

typedef enum
{
  TOKEN_END,
  TOKEN_TEXT,       /* copy [start, start + len) verbatim */
  TOKEN_VARIABLE,   /* the name is [start, start + len) */
  TOKEN_UNCLOSED,   /* "${" at start, with no "}" before the end */
  TOKEN_EMPTY,      /* "${}" at start */
  TOKEN_BAD_CHAR,   /* "${" at start, a character no name may hold at bad */
} TokenKind;

typedef struct
{
  const char *p;
} Scanner;

typedef struct
{
  TokenKind   kind;
  const char *start;
  gsize       len;
  const char *bad;
} Token;

static inline gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.' || c == '-';
}

/* TRUE when the '$' at @q starts a variable or an escape, which ends a run
 * of literal text. @q[1] may be the terminating NUL; @q[2] is only read
 * when @q[1] is not. */
static inline gboolean
starts_special (const char *q)
{
  return q[1] == '{' || (q[1] == '$' && q[2] == '{');
}

static void
scanner_next (Scanner *scanner,
              Token   *token)
{
  const char *p = scanner->p;
  const char *q;

  memset (token, 0, sizeof *token);
  token->start = p;

  if (*p == '\0')
    {
      token->kind = TOKEN_END;
      return;
    }

  if (p[0] == '$' && p[1] == '$' && p[2] == '{')
    {
      token->kind = TOKEN_TEXT;
      token->start = p + 1;
      token->len = 2;
      scanner->p = p + 3;
      return;
    }

  if (p[0] == '$' && p[1] == '{')
    {
      for (q = p + 2; is_name_char (*q); q++)
        ;

      if (*q == '}' && q > p + 2)
        {
          token->kind = TOKEN_VARIABLE;
          token->start = p + 2;
          token->len = q - (p + 2);
          scanner->p = q + 1;
          return;
        }

      if (*q == '}')
        token->kind = TOKEN_EMPTY;
      else if (*q == '\0')
        token->kind = TOKEN_UNCLOSED;
      else
        token->kind = TOKEN_BAD_CHAR;
      token->bad = q;

      /* A caller that carries on (list_steps) reads the rest as text from
       * just after the '$'. The name scanned above stopped at a character
       * that is not a name character, and the text scan below never looks
       * at names, so no byte is scanned more than twice. */
      scanner->p = p + 1;
      return;
    }

  /* A run of literal text up to the next '$' that starts something. A '$'
   * at @p itself is a lone one, or the scan above would have taken it. */
  q = p;
  if (*q == '$')
    q++;
  for (q = strchr (q, '$'); q != NULL && !starts_special (q); q = strchr (q + 1, '$'))
    ;
  if (q == NULL)
    q = p + strlen (p);

  token->kind = TOKEN_TEXT;
  token->len = q - p;
  scanner->p = q;
}

/* "column 7", or "line 2, column 7" when @text has several lines. Columns
 * count characters (UTF-8 sequences), as editors do, from 1. */
static char *
describe_position (const char *text,
                   const char *at)
{
  const char *line_start = text;
  guint line = 1;
  guint column = 1;
  const char *p;

  for (p = text; p < at; p++)
    {
      if (*p == '\n')
        {
          line++;
          line_start = p + 1;
        }
    }

  for (p = line_start; p < at; p++)
    {
      if (((guchar) *p & 0xC0) != 0x80)
        column++;
    }

  if (line == 1 && strchr (text, '\n') == NULL)
    return g_strdup_printf ("column %u", column);

  return g_strdup_printf ("line %u, column %u", line, column);
}

/* The character at @at, spelt so that a message stays readable and valid
 * UTF-8 whatever the text holds. */
static char *
describe_char (const char *at)
{
  guchar c = (guchar) *at;
  gunichar u;

  if (c == ' ')
    return g_strdup ("a space");
  if (c == '\n')
    return g_strdup ("a line break");
  if (c == '\t')
    return g_strdup ("a tab");
  if (c > 0x20 && c < 0x7F)
    return g_strdup_printf ("'%c'", c);

  u = g_utf8_get_char_validated (at, -1);
  if (c >= 0x80 && u != (gunichar) -1 && u != (gunichar) -2 && g_unichar_isprint (u))
    return g_strdup_printf ("'%.*s'", (int) (g_utf8_next_char (at) - at), at);

  return g_strdup_printf ("the byte 0x%02X", c);
}

static void
set_syntax_error (GError      **error,
                  const char   *text,
                  const Token  *token)
{
  g_autofree char *where = describe_position (text, token->start);

  switch (token->kind)
    {
    case TOKEN_UNCLOSED:
      g_set_error (error, TROUPE_TEMPLATE_ERROR, TROUPE_TEMPLATE_ERROR_SYNTAX,
                   "the variable that starts with '${' at %s is not closed; "
                   "end it with '}', or write '$${' for a literal '${'",
                   where);
      break;

    case TOKEN_EMPTY:
      g_set_error (error, TROUPE_TEMPLATE_ERROR, TROUPE_TEMPLATE_ERROR_SYNTAX,
                   "'${}' at %s names no variable; write a name such as "
                   "${run.id}, or '$${' for a literal '${'",
                   where);
      break;

    case TOKEN_BAD_CHAR:
      {
        g_autofree char *what = describe_char (token->bad);
        g_autofree char *bad_where = describe_position (text, token->bad);

        g_set_error (error, TROUPE_TEMPLATE_ERROR, TROUPE_TEMPLATE_ERROR_SYNTAX,
                     "the variable that starts with '${' at %s holds %s (at %s); "
                     "names use only letters, digits, '_', '.' and '-' and end with "
                     "'}', or write '$${' for a literal '${'",
                     where, what, bad_where);
      }
      break;

    case TOKEN_END:
    case TOKEN_TEXT:
    case TOKEN_VARIABLE:
    default:
      g_assert_not_reached ();
    }
}

static inline gboolean
token_is_error (const Token *token)
{
  return token->kind == TOKEN_UNCLOSED ||
         token->kind == TOKEN_EMPTY ||
         token->kind == TOKEN_BAD_CHAR;
}

char *
troupe_template_expand (const char            *text,
                        TroupeTemplateLookup   lookup,
                        gpointer               user_data,
                        GError               **error)
{
  g_autoptr(GString) out = NULL;
  Scanner scanner = { text };
  Token token;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  out = g_string_sized_new (strlen (text) + 1);

  for (scanner_next (&scanner, &token);
       token.kind != TOKEN_END;
       scanner_next (&scanner, &token))
    {
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;
      g_autofree char *why = NULL;

      if (token.kind == TOKEN_TEXT)
        {
          g_string_append_len (out, token.start, token.len);
          continue;
        }

      if (token_is_error (&token))
        {
          set_syntax_error (error, text, &token);
          return NULL;
        }

      g_assert (token.kind == TOKEN_VARIABLE);

      name = g_strndup (token.start, token.len);
      if (lookup != NULL)
        value = lookup (name, &why, user_data);

      if (value == NULL)
        {
          g_set_error (error, TROUPE_TEMPLATE_ERROR, TROUPE_TEMPLATE_ERROR_UNKNOWN,
                       "unknown variable ${%s}: %s",
                       name, why != NULL && why[0] != '\0' ? why : "it has no value here");
          return NULL;
        }

      g_string_append (out, value);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Adds [start, start + len) to @names unless @seen has it already. */
static void
add_unique (GPtrArray  *names,
            GHashTable *seen,
            const char *start,
            gsize       len)
{
  char *name = g_strndup (start, len);

  if (!g_hash_table_add (seen, name))
    return;

  g_ptr_array_add (names, g_strdup (name));
}

static GStrv
steal_strv (GPtrArray *names)
{
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (names, FALSE);
}

GStrv
troupe_template_list_names (const char  *text,
                            GError     **error)
{
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GHashTable) seen = NULL;
  Scanner scanner = { text };
  Token token;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  names = g_ptr_array_new_with_free_func (g_free);
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (scanner_next (&scanner, &token);
       token.kind != TOKEN_END;
       scanner_next (&scanner, &token))
    {
      if (token_is_error (&token))
        {
          set_syntax_error (error, text, &token);
          return NULL;
        }

      if (token.kind == TOKEN_VARIABLE)
        add_unique (names, seen, token.start, token.len);
    }

  return steal_strv (g_steal_pointer (&names));
}

GStrv
troupe_template_list_steps (const char *text)
{
  static const char prefix[] = "steps.";
  const gsize prefix_len = sizeof prefix - 1;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GHashTable) seen = NULL;
  Scanner scanner = { text };
  Token token;

  g_return_val_if_fail (text != NULL, NULL);

  ids = g_ptr_array_new_with_free_func (g_free);
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* Syntax errors are skipped here: list_names reports them, and the
   * well-formed variables around them still name the steps they use. */
  for (scanner_next (&scanner, &token);
       token.kind != TOKEN_END;
       scanner_next (&scanner, &token))
    {
      const char *id;
      const char *end;
      const char *dot;
      const char *p;

      if (token.kind != TOKEN_VARIABLE ||
          token.len <= prefix_len ||
          memcmp (token.start, prefix, prefix_len) != 0)
        continue;

      /* The field (output, lines, status) is the last component and has no
       * '.', so the id is everything between "steps." and the last '.'. A
       * variable with no field ("${steps.x}") still names step x. */
      id = token.start + prefix_len;
      end = token.start + token.len;
      dot = NULL;
      for (p = id; p < end; p++)
        {
          if (*p == '.')
            dot = p;
        }
      if (dot != NULL)
        end = dot;

      if (end > id)
        add_unique (ids, seen, id, end - id);
    }

  return steal_strv (g_steal_pointer (&ids));
}
