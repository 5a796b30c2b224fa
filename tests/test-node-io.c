/* test-node-io.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "troupe-diagnostic.h"
#include "troupe-workflow-io.h"

typedef TroupeNode *(*ReadFunc)  (const char        *data,
                                  gsize              length,
                                  const char        *filename,
                                  TroupeDiagnostic **syntax_error,
                                  GError           **error);
typedef char       *(*WriteFunc) (TroupeNode        *root,
                                  gsize             *length);

/* Helpers */

static TroupeNode *
read_ok (ReadFunc    reader,
         const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeDiagnostic) diagnostic = NULL;
  TroupeNode *root;

  root = reader (text, strlen (text), "test.yaml", &diagnostic, &error);
  if (root == NULL)
    g_error ("unexpected failure reading:\n%s\n→ %s", text, error->message);
  g_assert_no_error (error);
  g_assert_null (diagnostic);
  return root;
}

static TroupeNode *
yaml_ok (const char *text)
{
  return read_ok (troupe_yaml_read, text);
}

static TroupeNode *
json_ok (const char *text)
{
  return read_ok (troupe_json_read, text);
}

/* The node at a path like "steps/design/needs/1" (mapping keys and
 * sequence indices). */
static TroupeNode *
at (TroupeNode *root,
    const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  TroupeNode *node = root;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_assert_nonnull (node);
      if (node->kind == TROUPE_NODE_MAPPING)
        node = troupe_node_lookup (node, parts[i]);
      else if (node->kind == TROUPE_NODE_SEQUENCE)
        {
          guint64 index = g_ascii_strtoull (parts[i], NULL, 10);

          g_assert_cmpuint (index, <, node->values->len);
          node = g_ptr_array_index (node->values, index);
        }
      else
        g_assert_not_reached ();
    }

  g_assert_nonnull (node);
  return node;
}

/* The key node of @key in the mapping at @path. */
static TroupeNode *
key_at (TroupeNode *root,
        const char *path,
        const char *key)
{
  TroupeNode *mapping = path[0] != '\0' ? at (root, path) : root;

  g_assert_cmpint (mapping->kind, ==, TROUPE_NODE_MAPPING);
  for (guint i = 0; i < mapping->keys->len; i++)
    {
      TroupeNode *k = g_ptr_array_index (mapping->keys, i);

      if (g_str_equal (k->scalar, key))
        return k;
    }

  g_assert_not_reached ();
}

#define assert_position(node, l, c)                 \
  G_STMT_START {                                    \
    TroupeNode *n_ = (node);                        \
    g_assert_cmpuint (n_->line, ==, (l));           \
    g_assert_cmpuint (n_->column, ==, (c));         \
  } G_STMT_END

#define assert_scalar(node, type, text)                   \
  G_STMT_START {                                          \
    TroupeNode *n_ = (node);                              \
    g_assert_cmpint (n_->kind, ==, TROUPE_NODE_SCALAR);   \
    g_assert_cmpint (n_->scalar_type, ==, (type));        \
    g_assert_cmpstr (n_->scalar, ==, (text));             \
  } G_STMT_END

/* Scalar types that read back as the same thing: every unquoted YAML
 * scalar comes back PLAIN, whatever type it was written from. */
static int
normalize_type (TroupeScalarType type,
                gboolean         yaml)
{
  if (yaml && (type == TROUPE_SCALAR_INT || type == TROUPE_SCALAR_FLOAT ||
               type == TROUPE_SCALAR_BOOL))
    return TROUPE_SCALAR_PLAIN;
  if (!yaml && type == TROUPE_SCALAR_PLAIN)
    return TROUPE_SCALAR_STRING;
  return type;
}

/* Structural equality of two trees, as a writer and reader pair should
 * preserve it. Styles are compared when @styles is TRUE; inside a flow
 * collection everything is flow, and an empty collection has no style. */
static gboolean
nodes_equal_in (TroupeNode *a,
                TroupeNode *b,
                gboolean    yaml,
                gboolean    styles,
                gboolean    in_flow)
{
  gboolean a_flow;
  gboolean b_flow;

  if (a->kind != b->kind)
    return FALSE;

  if (a->kind == TROUPE_NODE_SCALAR)
    {
      int ta = normalize_type (a->scalar_type, yaml);
      int tb = normalize_type (b->scalar_type, yaml);

      if (ta == TROUPE_SCALAR_NULL || tb == TROUPE_SCALAR_NULL)
        return ta == tb;
      /* A string written plain reads back PLAIN. */
      if (yaml && ((ta == TROUPE_SCALAR_STRING && tb == TROUPE_SCALAR_PLAIN) ||
                   (ta == TROUPE_SCALAR_PLAIN && tb == TROUPE_SCALAR_STRING)))
        return g_str_equal (a->scalar, b->scalar);
      return ta == tb && g_str_equal (a->scalar, b->scalar);
    }

  a_flow = in_flow || a->style == TROUPE_NODE_STYLE_FLOW;
  b_flow = in_flow || b->style == TROUPE_NODE_STYLE_FLOW;
  if (styles && a->values->len > 0 && a_flow != b_flow)
    return FALSE;

  if (a->values->len != b->values->len)
    return FALSE;

  for (guint i = 0; i < a->values->len; i++)
    {
      if (a->kind == TROUPE_NODE_MAPPING &&
          !nodes_equal_in (g_ptr_array_index (a->keys, i), g_ptr_array_index (b->keys, i),
                           yaml, styles, a_flow))
        return FALSE;
      if (!nodes_equal_in (g_ptr_array_index (a->values, i), g_ptr_array_index (b->values, i),
                           yaml, styles, a_flow))
        return FALSE;
    }

  return TRUE;
}

static gboolean
nodes_equal (TroupeNode *a,
             TroupeNode *b,
             gboolean    yaml,
             gboolean    styles)
{
  return nodes_equal_in (a, b, yaml, styles, FALSE);
}

static TroupeNode *
mapping_of (const char *key,
            TroupeNode *value)
{
  TroupeNode *mapping = troupe_node_new_mapping ();

  troupe_node_set (mapping, key, value);
  return mapping;
}

static TroupeNode *
flow (TroupeNode *node)
{
  node->style = TROUPE_NODE_STYLE_FLOW;
  return node;
}

static TroupeNode *
sequence_of_strings (const char *first,
                     ...)
{
  TroupeNode *sequence = troupe_node_new_sequence ();
  va_list args;

  va_start (args, first);
  for (const char *s = first; s != NULL; s = va_arg (args, const char *))
    troupe_node_append (sequence, troupe_node_new_string (s));
  va_end (args);

  return sequence;
}

static char *
write_yaml (TroupeNode *root)
{
  gsize length = 0;
  char *text = troupe_yaml_write (root, &length);

  g_assert_nonnull (text);
  g_assert_cmpuint (length, ==, strlen (text));
  return text;
}

static char *
write_json (TroupeNode *root)
{
  gsize length = 0;
  char *text = troupe_json_write (root, &length);

  g_assert_nonnull (text);
  g_assert_cmpuint (length, ==, strlen (text));
  return text;
}

/* The YAML text of a one-key mapping {v: @value}, without "v: " and the
 * final newline: how @value is written. */
static char *
yaml_value_text (TroupeNode *value)
{
  g_autoptr(TroupeNode) root = mapping_of ("v", value);
  g_autofree char *text = write_yaml (root);

  g_assert_true (g_str_has_prefix (text, "v: "));
  g_assert_true (g_str_has_suffix (text, "\n"));
  return g_strndup (text + 3, strlen (text) - 4);
}

/* Checks that @text fails to read with a syntax error at @line:@column
 * whose message contains @fragment. */
static void
assert_syntax_error (ReadFunc    reader,
                     const char *text,
                     gssize      length,
                     guint       line,
                     guint       column,
                     const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeDiagnostic) diagnostic = NULL;
  g_autoptr(TroupeNode) root = NULL;
  g_autofree char *prefix = NULL;

  root = reader (text, length < 0 ? strlen (text) : (gsize) length, "flow.yaml", &diagnostic, &error);
  if (root != NULL)
    g_error ("expected a syntax error reading:\n%s", text);

  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE);
  g_assert_nonnull (diagnostic);

  if (diagnostic->line != line || diagnostic->column != column ||
      strstr (diagnostic->message, fragment) == NULL)
    g_error ("reading:\n%s\nexpected %u:%u '%s', got %u:%u '%s'",
             text, line, column, fragment,
             diagnostic->line, diagnostic->column, diagnostic->message);

  g_assert_cmpint (diagnostic->severity, ==, TROUPE_SEVERITY_ERROR);
  g_assert_cmpstr (diagnostic->code, ==, "syntax");
  g_assert_cmpstr (diagnostic->file, ==, "flow.yaml");
  g_assert_null (diagnostic->step_id);

  /* The GError says the same, prefixed with where. */
  prefix = g_strdup_printf ("flow.yaml:%u:%u: ", line, column);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_assert_cmpstr (error->message + strlen (prefix), ==, diagnostic->message);
}

/* YAML reader */

static const char positions_yaml[] =
  "troupe: 1\n"                               /* 1 */
  "name: Build and test\n"                    /* 2 */
  "steps:\n"                                  /* 3 */
  "  design:\n"                               /* 4 */
  "    prompt: |\n"                           /* 5 */
  "      Design it.\n"                        /* 6 */
  "    needs: [a, \"b\"]\n"                   /* 7 */
  "  build:\n"                                /* 8 */
  "    command:\n"                            /* 9 */
  "      - make\n"                            /* 10 */
  "      -   test\n"                          /* 11 */
  "    when: {equals: [x, 'y']}\n"            /* 12 */
  "# a comment\n"                             /* 13 */
  "layout:\n"                                 /* 14 */
  "  positions:\n"                            /* 15 */
  "    design: [120, 40]   # trailing\n";     /* 16 */

static void
test_yaml_positions (void)
{
  g_autoptr(TroupeNode) root = yaml_ok (positions_yaml);

  assert_position (root, 1, 1);
  assert_position (key_at (root, "", "troupe"), 1, 1);
  assert_position (at (root, "troupe"), 1, 9);
  assert_position (key_at (root, "", "name"), 2, 1);
  assert_position (at (root, "name"), 2, 7);
  assert_position (key_at (root, "", "steps"), 3, 1);
  assert_position (at (root, "steps"), 4, 3);
  assert_position (key_at (root, "steps", "design"), 4, 3);
  assert_position (key_at (root, "steps/design", "prompt"), 5, 5);
  assert_position (at (root, "steps/design/prompt"), 5, 13);
  assert_position (key_at (root, "steps/design", "needs"), 7, 5);
  assert_position (at (root, "steps/design/needs"), 7, 12);
  assert_position (at (root, "steps/design/needs/0"), 7, 13);
  assert_position (at (root, "steps/design/needs/1"), 7, 16);
  assert_position (key_at (root, "steps", "build"), 8, 3);
  assert_position (at (root, "steps/build/command"), 10, 7);
  assert_position (at (root, "steps/build/command/0"), 10, 9);
  assert_position (at (root, "steps/build/command/1"), 11, 11);
  assert_position (key_at (root, "steps/build", "when"), 12, 5);
  assert_position (at (root, "steps/build/when"), 12, 11);
  assert_position (key_at (root, "steps/build/when", "equals"), 12, 12);
  assert_position (at (root, "steps/build/when/equals/1"), 12, 24);
  assert_position (key_at (root, "", "layout"), 14, 1);
  assert_position (at (root, "layout/positions/design"), 16, 13);
  assert_position (at (root, "layout/positions/design/1"), 16, 19);
}

static void
test_yaml_positions_unicode (void)
{
  /* Columns count characters, not bytes; a byte order mark is not a
   * column. */
  g_autoptr(TroupeNode) root = yaml_ok ("\xEF\xBB\xBF" "name: \"été\" # ok\nnext: [é, ü]\n");

  assert_position (key_at (root, "", "name"), 1, 1);
  assert_position (at (root, "name"), 1, 7);
  assert_position (at (root, "next/1"), 2, 11);
}

static void
test_yaml_scalar_kinds (void)
{
  g_autoptr(TroupeNode) root = yaml_ok ("plain: hello world\n"
                                        "number: 42\n"
                                        "float: 1.5\n"
                                        "bool: true\n"
                                        "double: \"yes\"\n"
                                        "single: 'no'\n"
                                        "literal: |\n"
                                        "  line 1\n"
                                        "  line 2\n"
                                        "folded: >-\n"
                                        "  a\n"
                                        "  b\n"
                                        "empty:\n"
                                        "tilde: ~\n"
                                        "null: null\n"
                                        "Null: NULL\n"
                                        "quoted-null: \"null\"\n"
                                        "quoted-empty: ''\n"
                                        "str-tag: !!str 5\n"
                                        "int-tag: !!int \"7\"\n"
                                        "bang: ! 12\n"
                                        "map: !!map {a: 1}\n"
                                        "seq: !!seq [1]\n");

  assert_scalar (at (root, "plain"), TROUPE_SCALAR_PLAIN, "hello world");
  assert_scalar (at (root, "number"), TROUPE_SCALAR_PLAIN, "42");
  assert_scalar (at (root, "float"), TROUPE_SCALAR_PLAIN, "1.5");
  assert_scalar (at (root, "bool"), TROUPE_SCALAR_PLAIN, "true");
  assert_scalar (at (root, "double"), TROUPE_SCALAR_STRING, "yes");
  assert_scalar (at (root, "single"), TROUPE_SCALAR_STRING, "no");
  assert_scalar (at (root, "literal"), TROUPE_SCALAR_STRING, "line 1\nline 2\n");
  assert_scalar (at (root, "folded"), TROUPE_SCALAR_STRING, "a b");
  assert_scalar (at (root, "empty"), TROUPE_SCALAR_NULL, "");
  assert_scalar (at (root, "tilde"), TROUPE_SCALAR_NULL, "~");
  assert_scalar (at (root, "null"), TROUPE_SCALAR_NULL, "null");
  assert_scalar (at (root, "Null"), TROUPE_SCALAR_NULL, "NULL");
  assert_scalar (at (root, "quoted-null"), TROUPE_SCALAR_STRING, "null");
  assert_scalar (at (root, "quoted-empty"), TROUPE_SCALAR_STRING, "");
  assert_scalar (at (root, "str-tag"), TROUPE_SCALAR_STRING, "5");
  assert_scalar (at (root, "int-tag"), TROUPE_SCALAR_PLAIN, "7");
  assert_scalar (at (root, "bang"), TROUPE_SCALAR_STRING, "12");
  assert_scalar (at (root, "map/a"), TROUPE_SCALAR_PLAIN, "1");
  assert_scalar (at (root, "seq/0"), TROUPE_SCALAR_PLAIN, "1");

  /* Keys are scalars too, null spellings included. */
  g_assert_cmpint (key_at (root, "", "null")->scalar_type, ==, TROUPE_SCALAR_NULL);
  g_assert_cmpint (key_at (root, "", "plain")->scalar_type, ==, TROUPE_SCALAR_PLAIN);

  /* Collections remember their style. */
  g_assert_cmpint (root->style, ==, TROUPE_NODE_STYLE_BLOCK);
  g_assert_cmpint (at (root, "map")->style, ==, TROUPE_NODE_STYLE_FLOW);
  g_assert_cmpint (at (root, "seq")->style, ==, TROUPE_NODE_STYLE_FLOW);
}

static void
test_yaml_duplicates_kept (void)
{
  g_autoptr(TroupeNode) root = yaml_ok ("steps:\n  a: 1\n  b: 2\n  a: 3\n");
  TroupeNode *steps = at (root, "steps");

  g_assert_cmpuint (steps->keys->len, ==, 3);
  assert_scalar (g_ptr_array_index (steps->keys, 2), TROUPE_SCALAR_PLAIN, "a");
  assert_scalar (g_ptr_array_index (steps->values, 2), TROUPE_SCALAR_PLAIN, "3");
  assert_position (g_ptr_array_index (steps->keys, 2), 4, 3);
}

static void
test_yaml_syntax_errors (void)
{
  static const struct {
    const char *text;
    guint       line;
    guint       column;
    const char *fragment;
  } cases[] = {
    /* bad indentation */
    { "name: x\nsteps:\n  a:\n    prompt: hi\n   b: 1\n", 5, 4, "check the indentation" },
    { "name: x\nsteps:\n  a:\n    prompt: hi\n      b: 1\n", 5, 8, "check the indentation" },
    { "steps:\n  - a\n  b: 1\n", 3, 3, "check the indentation" },
    /* an unclosed quote points at the opening quote */
    { "name: \"abc\nsteps: {}\n", 1, 7, "never closed" },
    { "name: x\ndescription: 'abc\n", 2, 14, "never closed" },
    /* tabs */
    { "name: x\nsteps:\n\ta: 1\n", 3, 1, "indent with spaces" },
    { "steps:\n  a:\n\t  b: 1\n", 3, 1, "indent with spaces" },
    /* anchors and aliases */
    { "name: x\nb: *x\n", 2, 4, "aliases are not supported" },
    { "name: &n x\nb: 1\n", 1, 7, "aliases are not supported" },
    /* two documents */
    { "name: x\n---\nname: y\n", 2, 1, "exactly one" },
    { "---\nname: x\n...\n---\nname: y\n", 4, 1, "exactly one" },
    /* the root must be a mapping */
    { "- a\n- b\n", 1, 1, "a workflow file is a mapping of keys such as name: and steps:" },
    { "hello\n", 1, 1, "a workflow file is a mapping of keys such as name: and steps:" },
    { "\n\n  [1, 2]\n", 3, 3, "a workflow file is a mapping of keys such as name: and steps:" },
    /* tags */
    { "a: !foo x\n", 1, 4, "not supported" },
    { "a: !!binary eA==\n", 1, 4, "not supported" },
    { "a: !!map x\n", 1, 4, "does not fit" },
    /* other errors */
    { "a: [1, 2\nb: 3\n", 2, 2, "close the list opened at line 1, column 4" },
    { "a: b: c\n", 1, 5, "':' is not allowed here" },
    { "a: \"\\q\"\n", 1, 5, "escape" },
    { "a: @x\n", 1, 4, "cannot start with '@'" },
    { "? [a, b]\n: c\n", 1, 3, "simple name" },
    { "a: \"x\\0y\"\n", 1, 4, "NUL" },
    { "a: \xff\n", 1, 4, "not valid UTF-8" },
    { "a: ok\nb: \xc3\n", 2, 4, "not valid UTF-8" },
    { "a: 1\x01\n", 1, 5, "control character U+0001" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_syntax_error (troupe_yaml_read, cases[i].text, -1,
                         cases[i].line, cases[i].column, cases[i].fragment);

  /* A NUL byte in the data (the length says where the data ends). */
  assert_syntax_error (troupe_yaml_read, "a: 1\0b: 2\n", 10, 1, 5, "U+0000");
}

static void
test_yaml_empty (void)
{
  static const char * const texts[] = { "", "\n\n", "   \n", "# only a comment\n", "---\n", "\xEF\xBB\xBF" };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TroupeDiagnostic) diagnostic = NULL;
      TroupeNode *root = troupe_yaml_read (texts[i], strlen (texts[i]), "empty.yaml", &diagnostic, &error);

      g_assert_null (root);
      g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE);
      g_assert_nonnull (strstr (error->message, "the file is empty"));
      g_assert_true (g_str_has_prefix (error->message, "empty.yaml:"));
      g_assert_cmpstr (diagnostic->code, ==, "syntax");
    }

  /* A NULL filename is "<input>"; NULL data with no length is empty. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (troupe_yaml_read (NULL, 0, NULL, NULL, &error));
    g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE);
    g_assert_true (g_str_has_prefix (error->message, "<input>:1:1: the file is empty"));
  }
}

static char *
nested_yaml_mappings (guint depth)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    {
      for (guint j = 0; j < i; j++)
        g_string_append (text, "  ");
      g_string_append (text, i + 1 < depth ? "k:\n" : "k: v\n");
    }

  return g_string_free (text, FALSE);
}

static void
test_yaml_depth (void)
{
  g_autofree char *ok_text = nested_yaml_mappings (64);
  g_autofree char *deep_text = nested_yaml_mappings (65);
  g_autoptr(TroupeNode) root = NULL;
  g_autoptr(GString) flow_text = g_string_new ("a: ");

  /* 63 nested mappings under the root: 64 levels is the limit. */
  root = yaml_ok (ok_text);
  g_assert_nonnull (root);

  assert_syntax_error (troupe_yaml_read, deep_text, -1, 65, 129, "deeper than 64 levels");

  /* A hostile flow document fails fast and without recursion. */
  for (guint i = 0; i < 200000; i++)
    g_string_append_c (flow_text, '[');
  assert_syntax_error (troupe_yaml_read, flow_text->str, (gssize) flow_text->len, 1, 67, "deeper than 64 levels");
}

/* YAML writer */

static void
test_yaml_write_styles (void)
{
  g_autoptr(TroupeNode) root = troupe_node_new_mapping ();
  g_autoptr(TroupeNode) step = troupe_node_new_mapping ();
  g_autoptr(TroupeNode) positions = troupe_node_new_mapping ();
  g_autoptr(TroupeNode) env = troupe_node_new_mapping ();
  g_autofree char *text = NULL;
  TroupeNode *pair;

  troupe_node_set (step, "command", flow (sequence_of_strings ("make", "--jobs", "${prompt}", "a,b", NULL)));
  troupe_node_set (step, "needs", flow (sequence_of_strings ("a", "b", NULL)));
  troupe_node_set (step, "outputs", sequence_of_strings ("x.md", "y.md", NULL));
  troupe_node_set (step, "empty-list", troupe_node_new_sequence ());
  troupe_node_set (step, "empty-map", troupe_node_new_mapping ());
  troupe_node_set (step, "when", mapping_of ("equals", flow (sequence_of_strings ("${steps.a.output}", "yes", NULL))));

  troupe_node_set (env, "MODEL", troupe_node_new_string ("small"));
  troupe_node_set (env, "URL", troupe_node_new_string ("http://x:80/#top"));

  pair = flow (troupe_node_new_sequence ());
  troupe_node_append (pair, troupe_node_new_int (120));
  troupe_node_append (pair, troupe_node_new_double (40.5));
  troupe_node_set (positions, "design", pair);

  troupe_node_set (root, "troupe", troupe_node_new_int (1));
  troupe_node_set (root, "name", troupe_node_new_string ("Architect, engineer, QA"));
  troupe_node_set (root, "flag", troupe_node_new_bool (TRUE));
  troupe_node_set (root, "env", flow (g_steal_pointer (&env)));
  troupe_node_set (root, "steps", mapping_of ("design", g_steal_pointer (&step)));
  troupe_node_set (root, "layout", mapping_of ("positions", g_steal_pointer (&positions)));

  text = write_yaml (root);
  g_assert_cmpstr (text, ==,
                   "troupe: 1\n"
                   "name: Architect, engineer, QA\n"
                   "flag: true\n"
                   "env: {MODEL: small, URL: \"http://x:80/#top\"}\n"
                   "steps:\n"
                   "  design:\n"
                   "    command: [make, --jobs, \"${prompt}\", \"a,b\"]\n"
                   "    needs: [a, b]\n"
                   "    outputs:\n"
                   "    - x.md\n"
                   "    - y.md\n"
                   "    empty-list: []\n"
                   "    empty-map: {}\n"
                   "    when:\n"
                   "      equals: [\"${steps.a.output}\", \"yes\"]\n"
                   "layout:\n"
                   "  positions:\n"
                   "    design: [120, 40.5]\n");
}

static void
test_yaml_write_literal (void)
{
  static const struct {
    const char *value;
    const char *expected;
  } cases[] = {
    { "Design the system.\nThen review it.\n", "|\n  Design the system.\n  Then review it." },
    { "no final newline\nsecond", "|-\n  no final newline\n  second" },
    { "  indented first line\nsecond\n", "|2\n    indented first line\n  second" },
    { "with a blank\n\nline\n", "|\n  with a blank\n\n  line" },
    { "unicode é ü\nok\n", "|\n  unicode é ü\n  ok" },
    /* libyaml alone would escape emoji and so double-quote the text. */
    { "Line 🎉\nnext 😀\n", "|\n  Line 🎉\n  next 😀" },
    /* Texts a literal block cannot carry are double-quoted. */
    { "trailing space \nnext\n", "\"trailing space \\nnext\\n\"" },
    { "two final newlines\n\n", "\"two final newlines\\n\\n\"" },
    { "carriage\r\nreturn\n", "\"carriage\\r\\nreturn\\n\"" },
    { "tab\there\nnext\n", "\"tab\\there\\nnext\\n\"" },
    { "\nleading newline", "\"\\nleading newline\"" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = yaml_value_text (troupe_node_new_string (cases[i].value));

      g_assert_cmpstr (text, ==, cases[i].expected);
    }

  /* At the end of a document the literal ends with one newline, no "...". */
  {
    g_autoptr(TroupeNode) root = mapping_of ("prompt", troupe_node_new_string ("a\nb\n"));
    g_autofree char *text = write_yaml (root);

    g_assert_cmpstr (text, ==, "prompt: |\n  a\n  b\n");
  }

  /* In a flow collection, a multi-line string is double-quoted. */
  {
    g_autofree char *text = yaml_value_text (flow (sequence_of_strings ("a\nb\n", NULL)));

    g_assert_cmpstr (text, ==, "[\"a\\nb\\n\"]");
  }
}

static void
test_yaml_write_quoting (void)
{
  static const struct {
    const char *value;
    const char *expected;
  } strings[] = {
    /* Strings YAML would read as another type. */
    { "yes", "\"yes\"" },
    { "No", "\"No\"" },
    { "on", "\"on\"" },
    { "OFF", "\"OFF\"" },
    { "y", "\"y\"" },
    { "true", "\"true\"" },
    { "False", "\"False\"" },
    { "null", "\"null\"" },
    { "~", "\"~\"" },
    { "", "\"\"" },
    { "1.5", "\"1.5\"" },
    { "42", "\"42\"" },
    { "-7", "\"-7\"" },
    { "0x1F", "\"0x1F\"" },
    { "0o17", "\"0o17\"" },
    { "017", "\"017\"" },
    { "1_000", "\"1_000\"" },
    { "1e3", "\"1e3\"" },
    { ".5", "\".5\"" },
    { ".inf", "\".inf\"" },
    { "-.Inf", "\"-.Inf\"" },
    { ".NaN", "\".NaN\"" },
    { "1:30", "\"1:30\"" },
    { "2024-01-31", "\"2024-01-31\"" },
    { "<<", "\"<<\"" },
    /* Strings that cannot be plain. */
    { " lead", "\" lead\"" },
    { "trail ", "\"trail \"" },
    { "a: b", "\"a: b\"" },
    { "ends with:", "\"ends with:\"" },
    { "#3584e4", "\"#3584e4\"" },
    { "x #comment", "\"x #comment\"" },
    { "- item", "\"- item\"" },
    { "-", "\"-\"" },
    { "? q", "\"? q\"" },
    { "[x]", "\"[x]\"" },
    { "{x}", "\"{x}\"" },
    { "*star", "\"*star\"" },
    { "&amp", "\"&amp\"" },
    { "!bang", "\"!bang\"" },
    { "|pipe", "\"|pipe\"" },
    { ">gt", "\">gt\"" },
    { "'quoted'", "\"'quoted'\"" },
    { "\"dq\"", "\"\\\"dq\\\"\"" },
    { "%pct", "\"%pct\"" },
    { "@at", "\"@at\"" },
    { "`tick", "\"`tick\"" },
    { "---", "\"---\"" },
    { "...", "\"...\"" },
    { "bell\a", "\"bell\\a\"" },
    { "nul\x01", "\"nul\\x01\"" },
    { "del\x7f", "\"del\\x7F\"" },
    { "bom\xEF\xBB\xBF", "\"bom\\uFEFF\"" },
    { "ls\xE2\x80\xA8", "\"ls\\L\"" },
    /* Strings that stay plain. */
    { "hello world", "hello world" },
    { "--prompt", "--prompt" },
    { "-x", "-x" },
    { "10m", "10m" },
    { "1h30m", "1h30m" },
    { "90s", "90s" },
    { "a:b", "a:b" },
    { "x#y", "x#y" },
    { "don't", "don't" },
    { "yesterday", "yesterday" },
    { "nullable", "nullable" },
    { "1.2.3", "\"1.2.3\"" },
    { "v1.2", "v1.2" },
    { "été", "été" },
    { "party 🎉", "party 🎉" },
    { "ctl\x01🎉", "\"ctl\\x01🎉\"" },
    { "yes🎉", "yes🎉" },
    { "inbox/engineer/*.task", "inbox/engineer/*.task" },
    { "/total_cost_usd", "/total_cost_usd" },
    { "Ship the release?", "Ship the release?" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      g_autofree char *text = yaml_value_text (troupe_node_new_string (strings[i].value));

      if (g_strcmp0 (text, strings[i].expected) != 0)
        g_error ("string '%s': expected %s, got %s", strings[i].value, strings[i].expected, text);
    }

  /* Numbers and booleans are plain; NULL is "null". */
  {
    g_autofree char *i = yaml_value_text (troupe_node_new_int (-12));
    g_autofree char *d = yaml_value_text (troupe_node_new_double (0.25));
    g_autofree char *b = yaml_value_text (troupe_node_new_bool (FALSE));
    g_autofree char *n = yaml_value_text (troupe_node_new_scalar ("~", TROUPE_SCALAR_NULL));
    g_autofree char *p = yaml_value_text (troupe_node_new_scalar ("yes", TROUPE_SCALAR_PLAIN));
    g_autofree char *e = yaml_value_text (troupe_node_new_scalar ("", TROUPE_SCALAR_PLAIN));

    g_assert_cmpstr (i, ==, "-12");
    g_assert_cmpstr (d, ==, "0.25");
    g_assert_cmpstr (b, ==, "false");
    g_assert_cmpstr (n, ==, "null");
    /* A PLAIN scalar is written as it was read. */
    g_assert_cmpstr (p, ==, "yes");
    g_assert_cmpstr (e, ==, "\"\"");
  }

  /* Keys are quoted by the same rules. */
  {
    g_autoptr(TroupeNode) root = troupe_node_new_mapping ();
    g_autofree char *text = NULL;

    troupe_node_set (root, "on", troupe_node_new_string ("x"));
    troupe_node_set (root, "a b", troupe_node_new_string ("y"));
    troupe_node_set (root, "c", troupe_node_new_string ("why"));
    text = write_yaml (root);
    g_assert_cmpstr (text, ==, "\"on\": x\na b: \"y\"\nc: why\n");
  }
}

/* A tree with every kind of value. */
static TroupeNode *
make_rich_tree (void)
{
  TroupeNode *root = troupe_node_new_mapping ();
  TroupeNode *strings = troupe_node_new_mapping ();
  TroupeNode *numbers = troupe_node_new_sequence ();
  TroupeNode *nested = troupe_node_new_sequence ();
  TroupeNode *inner = troupe_node_new_mapping ();

  troupe_node_set (strings, "plain", troupe_node_new_string ("hello"));
  troupe_node_set (strings, "ambiguous", troupe_node_new_string ("yes"));
  troupe_node_set (strings, "number-like", troupe_node_new_string ("1.5"));
  troupe_node_set (strings, "empty", troupe_node_new_string (""));
  troupe_node_set (strings, "spaces", troupe_node_new_string (" lead and trail "));
  troupe_node_set (strings, "multi", troupe_node_new_string ("line 1\nline 2\n"));
  troupe_node_set (strings, "multi-no-newline", troupe_node_new_string ("line 1\n  line 2"));
  troupe_node_set (strings, "unicode", troupe_node_new_string ("héllo wörld — ✓ 日本語"));
  troupe_node_set (strings, "emoji", troupe_node_new_string ("party 🎉"));
  troupe_node_set (strings, "controls", troupe_node_new_string ("a\tb\x01\x1f\x7f\r\n\\\"'"));
  troupe_node_set (strings, "separators", troupe_node_new_string ("a\xC2\x85" "b\xE2\x80\xA8" "c\xE2\x80\xA9"));
  troupe_node_set (strings, "quotes", troupe_node_new_string ("it's \"quoted\""));
  troupe_node_set (strings, "yaml-ish", troupe_node_new_string ("key: value # not a comment"));
  troupe_node_set (strings, "template", troupe_node_new_string ("${steps.review.output}"));
  troupe_node_set (strings, "key with spaces: and colon", troupe_node_new_string ("k"));

  troupe_node_append (numbers, troupe_node_new_int (0));
  troupe_node_append (numbers, troupe_node_new_int (-42));
  troupe_node_append (numbers, troupe_node_new_int (G_MAXINT64));
  troupe_node_append (numbers, troupe_node_new_double (0.2));
  troupe_node_append (numbers, troupe_node_new_double (-1.5e-7));
  troupe_node_append (numbers, troupe_node_new_bool (TRUE));
  troupe_node_append (numbers, troupe_node_new_bool (FALSE));
  troupe_node_append (numbers, troupe_node_new_scalar ("null", TROUPE_SCALAR_NULL));

  troupe_node_set (inner, "needs", flow (sequence_of_strings ("a", "b c", "yes", "", NULL)));
  troupe_node_set (inner, "empty", troupe_node_new_mapping ());
  troupe_node_append (nested, inner);
  troupe_node_append (nested, sequence_of_strings ("x", NULL));
  troupe_node_append (nested, flow (troupe_node_new_sequence ()));
  troupe_node_append (nested, troupe_node_new_string ("multi\nline in a list\n"));

  troupe_node_set (root, "strings", strings);
  troupe_node_set (root, "numbers", numbers);
  troupe_node_set (root, "flow-numbers", flow (troupe_node_new_sequence ()));
  troupe_node_append (troupe_node_lookup (root, "flow-numbers"), troupe_node_new_int (120));
  troupe_node_append (troupe_node_lookup (root, "flow-numbers"), troupe_node_new_double (40.5));
  troupe_node_set (root, "nested", nested);
  troupe_node_set (root, "last", troupe_node_new_string ("the end\n"));

  return root;
}

static void
test_yaml_astral (void)
{
  /* The placeholders the writer uses for emoji never collide with
   * private-use characters the text already has. */
  g_autoptr(TroupeNode) root = troupe_node_new_mapping ();
  g_autoptr(TroupeNode) back = NULL;
  g_autofree char *text = NULL;

  troupe_node_set (root, "\xEE\x80\x80🎉", troupe_node_new_string ("🎉 \xEE\x80\x80 \xEE\x80\x81 😀 🎉"));
  troupe_node_set (root, "list", flow (sequence_of_strings ("😀", "a,🎉", NULL)));
  text = write_yaml (root);
  g_assert_cmpstr (text, ==,
                   "\xEE\x80\x80🎉: 🎉 \xEE\x80\x80 \xEE\x80\x81 😀 🎉\n"
                   "list: [😀, \"a,🎉\"]\n");

  back = yaml_ok (text);
  g_assert_true (nodes_equal (root, back, TRUE, TRUE));
}

static void
test_yaml_round_trip (void)
{
  g_autoptr(TroupeNode) tree = make_rich_tree ();
  g_autoptr(TroupeNode) back = NULL;
  g_autoptr(TroupeNode) again = NULL;
  g_autofree char *first = write_yaml (tree);
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;

  g_assert_false (g_str_has_prefix (first, "---"));
  g_assert_true (g_str_has_suffix (first, "\n"));
  g_assert_false (g_str_has_suffix (first, "\n\n"));
  g_assert_null (strstr (first, "\n..."));

  back = yaml_ok (first);
  g_assert_true (nodes_equal (tree, back, TRUE, TRUE));
  second = write_yaml (back);
  g_assert_cmpstr (first, ==, second);

  again = yaml_ok (second);
  third = write_yaml (again);
  g_assert_cmpstr (second, ==, third);

  /* Types that matter survive: quoted stays STRING. */
  assert_scalar (at (back, "strings/ambiguous"), TROUPE_SCALAR_STRING, "yes");
  assert_scalar (at (back, "strings/empty"), TROUPE_SCALAR_STRING, "");
  assert_scalar (at (back, "numbers/1"), TROUPE_SCALAR_PLAIN, "-42");
  assert_scalar (at (back, "numbers/7"), TROUPE_SCALAR_NULL, "null");
}

/* Random strings from pieces that stress the quoting rules. */
static char *
random_string (GRand *rand)
{
  static const char * const pieces[] = {
    "a", "b", "Z", "0", "1", "9", " ", "  ", "\n", "\t", "\r", ":", ": ", "#", " #",
    "-", "- ", "?", "'", "\"", "\\", "{", "}", "[", "]", ",", "&", "*", "!", "|",
    ">", "%", "@", "`", ".", "e", "~", "é", "日", "🎉", "\x01", "\x7f", "\xE2\x80\xA8",
    "\xC2\x85", "\xEF\xBB\xBF", "yes", "null", "true", "1.5", "0x1", "---", "...", "<<",
    "=", "${x}", "/", "_", "+", "2024-01-01", ".inf", "😀", "\xEE\x80\x80", "\xEE\x80\x81",
    "\xF4\x8F\xBF\xBF",
  };
  GString *s = g_string_new (NULL);
  guint n = (guint) g_rand_int_range (rand, 0, 6);

  for (guint i = 0; i < n; i++)
    g_string_append (s, pieces[g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces))]);

  return g_string_free (s, FALSE);
}

static TroupeNode *
random_tree (GRand *rand,
             guint  depth,
             gboolean for_yaml)
{
  int choice = g_rand_int_range (rand, 0, depth >= 4 ? 5 : 8);
  TroupeNode *node;

  switch (choice)
    {
    case 0:
    case 1:
      {
        g_autofree char *s = random_string (rand);

        return troupe_node_new_string (s);
      }
    case 2:
      return troupe_node_new_int (g_rand_int_range (rand, -1000, 1000));
    case 3:
      return troupe_node_new_double (g_rand_double_range (rand, -1e6, 1e6));
    case 4:
      return g_rand_boolean (rand) ? troupe_node_new_bool (g_rand_boolean (rand))
                                   : troupe_node_new_scalar ("null", TROUPE_SCALAR_NULL);
    case 5:
    case 6:
      node = troupe_node_new_mapping ();
      for (int i = g_rand_int_range (rand, 0, 4); i > 0; i--)
        {
          g_autofree char *key = random_string (rand);

          troupe_node_set (node, key, random_tree (rand, depth + 1, for_yaml));
        }
      break;
    default:
      node = troupe_node_new_sequence ();
      for (int i = g_rand_int_range (rand, 0, 4); i > 0; i--)
        troupe_node_append (node, random_tree (rand, depth + 1, for_yaml));
      break;
    }

  if (g_rand_int_range (rand, 0, 3) == 0)
    node->style = TROUPE_NODE_STYLE_FLOW;

  return node;
}

static void
test_yaml_random_round_trip (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240611);

  for (guint i = 0; i < 3000; i++)
    {
      g_autoptr(TroupeNode) tree = troupe_node_new_mapping ();
      g_autoptr(TroupeNode) back = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *first = NULL;
      g_autofree char *second = NULL;

      for (int k = g_rand_int_range (rand, 1, 4); k > 0; k--)
        {
          g_autofree char *key = random_string (rand);

          troupe_node_set (tree, key, random_tree (rand, 1, TRUE));
        }

      first = write_yaml (tree);
      back = troupe_yaml_read (first, strlen (first), "random.yaml", NULL, &error);
      if (back == NULL)
        g_error ("written YAML does not read back (%s):\n%s", error->message, first);

      g_assert_false (g_str_has_prefix (first, "---"));
      g_assert_true (g_str_has_suffix (first, "\n"));
      g_assert_false (g_str_has_suffix (first, "\n\n"));
      g_assert_false (g_str_has_suffix (first, "\n...\n"));

      if (!nodes_equal (tree, back, TRUE, TRUE))
        g_error ("YAML round trip changed the tree:\n%s", first);

      second = write_yaml (back);
      g_assert_cmpstr (first, ==, second);
    }
}

/* JSON reader */

static const char positions_json[] =
  "{\n"                                           /* 1 */
  "  \"troupe\": 1,\n"                            /* 2 */
  "  \"name\": \"Build é\",\n"                    /* 3 */
  "  \"steps\": {\n"                              /* 4 */
  "    \"design\": {\n"                           /* 5 */
  "      \"needs\": [\"a\", \"b\"],\n"            /* 6 */
  "      \"retries\": {\"max\": 3, \"jitter\": 0.5},\n"  /* 7 */
  "      \"list\": [\n"                           /* 8 */
  "        true,\n"                               /* 9 */
  "        null\n"                                /* 10 */
  "      ]\n"                                     /* 11 */
  "    }\n"                                       /* 12 */
  "  }\n"                                         /* 13 */
  "}\n";                                          /* 14 */

static void
test_json_positions (void)
{
  g_autoptr(TroupeNode) root = json_ok (positions_json);

  assert_position (root, 1, 1);
  assert_position (key_at (root, "", "troupe"), 2, 3);
  assert_position (at (root, "troupe"), 2, 13);
  assert_position (key_at (root, "", "name"), 3, 3);
  assert_position (at (root, "name"), 3, 11);
  assert_position (key_at (root, "", "steps"), 4, 3);
  assert_position (at (root, "steps"), 4, 12);
  assert_position (key_at (root, "steps", "design"), 5, 5);
  assert_position (at (root, "steps/design/needs"), 6, 16);
  assert_position (at (root, "steps/design/needs/1"), 6, 22);
  assert_position (key_at (root, "steps/design/retries", "jitter"), 7, 29);
  assert_position (at (root, "steps/design/retries/jitter"), 7, 39);
  assert_position (at (root, "steps/design/list/0"), 9, 9);
  assert_position (at (root, "steps/design/list/1"), 10, 9);

  /* One-line collections are FLOW, others BLOCK. */
  g_assert_cmpint (root->style, ==, TROUPE_NODE_STYLE_BLOCK);
  g_assert_cmpint (at (root, "steps/design/needs")->style, ==, TROUPE_NODE_STYLE_FLOW);
  g_assert_cmpint (at (root, "steps/design/retries")->style, ==, TROUPE_NODE_STYLE_FLOW);
  g_assert_cmpint (at (root, "steps/design/list")->style, ==, TROUPE_NODE_STYLE_BLOCK);
}

static void
test_json_types (void)
{
  g_autoptr(TroupeNode) root = json_ok ("{\"s\": \"text\", \"i\": -12, \"f\": 1.50, \"e\": 1e3,"
                                        " \"big\": 99999999999999999999, \"t\": true, \"n\": null,"
                                        " \"esc\": \"a\\n\\t\\u00e9\\ud83c\\udf89\\/\"}");

  assert_scalar (at (root, "s"), TROUPE_SCALAR_STRING, "text");
  assert_scalar (at (root, "i"), TROUPE_SCALAR_INT, "-12");
  /* Numbers keep their text. */
  assert_scalar (at (root, "f"), TROUPE_SCALAR_FLOAT, "1.50");
  assert_scalar (at (root, "e"), TROUPE_SCALAR_FLOAT, "1e3");
  assert_scalar (at (root, "big"), TROUPE_SCALAR_INT, "99999999999999999999");
  assert_scalar (at (root, "t"), TROUPE_SCALAR_BOOL, "true");
  assert_scalar (at (root, "n"), TROUPE_SCALAR_NULL, "null");
  assert_scalar (at (root, "esc"), TROUPE_SCALAR_STRING, "a\n\té🎉/");
  assert_scalar (key_at (root, "", "s"), TROUPE_SCALAR_STRING, "s");
}

static void
test_json_order (void)
{
  /* Member order is document order, not sorted and not hashed, and
   * duplicate members are all kept, in place. */
  g_autoptr(TroupeNode) root = json_ok ("{\"zeta\": 1, \"alpha\": {\"b\": 1, \"a\": 2},"
                                        " \"mid\": [3, 2, 1], \"zeta\": 2, \"beta\": 3}");
  static const char * const expected[] = { "zeta", "alpha", "mid", "zeta", "beta" };
  TroupeNode *alpha;

  g_assert_cmpuint (root->keys->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (((TroupeNode *) g_ptr_array_index (root->keys, i))->scalar, ==, expected[i]);

  assert_scalar (g_ptr_array_index (root->values, 0), TROUPE_SCALAR_INT, "1");
  assert_scalar (g_ptr_array_index (root->values, 3), TROUPE_SCALAR_INT, "2");
  assert_position (g_ptr_array_index (root->keys, 3), 1, 58);

  alpha = at (root, "alpha");
  assert_scalar (g_ptr_array_index (alpha->keys, 0), TROUPE_SCALAR_STRING, "b");
  assert_scalar (g_ptr_array_index (alpha->keys, 1), TROUPE_SCALAR_STRING, "a");
  assert_scalar (at (root, "mid/0"), TROUPE_SCALAR_INT, "3");
}

static void
test_json_syntax_errors (void)
{
  static const struct {
    const char *text;
    guint       line;
    guint       column;
    const char *fragment;
  } cases[] = {
    { "{\n  \"a\": [1,\n    2,\n  ]\n}\n", 3, 6, "trailing comma" },
    { "{\"a\": 1,}", 1, 8, "trailing comma" },
    { "{\n  \"a\": {\n    \"b\": 1\n", 4, 1, "the object opened at line 2, column 8" },
    { "{\"a\": [1, 2", 1, 12, "the array opened at line 1, column 7" },
    { "{\n  \"a\": 1\n  \"b\": 2\n}", 3, 3, "a comma is missing" },
    { "{\"a\" 1}", 1, 6, "expected ':'" },
    { "{\n  \"a\": \"abc\n}", 2, 8, "never closed" },
    { "{\"a\": tru}", 1, 7, "unexpected word 'tru'" },
    { "{'a': 1}", 1, 2, "double quotes" },
    { "{\"a\": 1} // c", 1, 10, "after the end" },
    { "{\"a\": /* c */ 1}", 1, 7, "comments are not allowed" },
    { "{\"a\": 01}", 1, 7, "not a JSON number" },
    { "{\"a\": 0x10}", 1, 7, "not a JSON number" },
    { "{\"a\": +1}", 1, 7, "unexpected '+'" },
    { "{\"a\": 1.}", 1, 7, "not a JSON number" },
    { "{\"a\": \"\\q\"}", 1, 8, "not a JSON escape" },
    { "{\"a\": \"\\u12\"}", 1, 8, "four hexadecimal digits" },
    { "{\"a\": \"\\u0000\"}", 1, 8, "NUL" },
    { "{\"a\": \"\\ud800x\"}", 1, 8, "surrogate" },
    { "{\"a\": \"\\udc00\"}", 1, 8, "surrogate" },
    { "{\"a\": \"\t\"}", 1, 8, "control character U+0009" },
    { "{\"a\": 1}\n{\"b\": 2}", 2, 1, "after the end" },
    { "[1, 2]", 1, 1, "must start with '{'" },
    { "  \"text\"", 1, 3, "must start with '{'" },
    { "var x = {}", 1, 1, "must start with '{'" },
    { "{\"a\": \xff}", 1, 7, "not valid UTF-8" },
    { "{\"é\": \"\xc3\"}", 1, 8, "not valid UTF-8" },
    { "{\"a\":}", 1, 6, "expected a value" },
    { "{,}", 1, 2, "member name" },
    { "{\"a\": 1,,}", 1, 9, "member name" },
    { "{\"a\": [1 2]}", 1, 10, "expected ',' or ']'" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_syntax_error (troupe_json_read, cases[i].text, -1,
                         cases[i].line, cases[i].column, cases[i].fragment);

  assert_syntax_error (troupe_json_read, "{\"a\": 1\0}", 9, 1, 8, "NUL byte");
}

static void
test_json_empty (void)
{
  static const char * const texts[] = { "", " \n\t\r\n", "\xEF\xBB\xBF" };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    assert_syntax_error (troupe_json_read, texts[i], -1, 1, 1, "the file is empty");
}

static void
test_json_depth (void)
{
  g_autoptr(GString) ok_text = g_string_new (NULL);
  g_autoptr(GString) deep_text = g_string_new ("{\"a\": ");
  g_autoptr(TroupeNode) root = NULL;

  /* 64 levels, the root included, is the limit. */
  g_string_append (ok_text, "{\"a\": ");
  for (guint i = 1; i < 64; i++)
    g_string_append_c (ok_text, '[');
  for (guint i = 1; i < 64; i++)
    g_string_append_c (ok_text, ']');
  g_string_append_c (ok_text, '}');
  root = json_ok (ok_text->str);
  g_assert_nonnull (root);

  /* json-glib 1.6 parses recursively: without the limit this would
   * overflow the stack. */
  for (guint i = 0; i < 500000; i++)
    g_string_append_c (deep_text, '[');
  assert_syntax_error (troupe_json_read, deep_text->str, (gssize) deep_text->len, 1, 70, "deeper than 64 levels");
}

/* JSON writer */

static void
test_json_write_format (void)
{
  g_autoptr(TroupeNode) root = troupe_node_new_mapping ();
  g_autoptr(TroupeNode) step = troupe_node_new_mapping ();
  g_autofree char *text = NULL;
  TroupeNode *pair = flow (troupe_node_new_sequence ());

  troupe_node_append (pair, troupe_node_new_int (120));
  troupe_node_append (pair, troupe_node_new_double (40.5));

  troupe_node_set (step, "needs", flow (sequence_of_strings ("a", "b", NULL)));
  troupe_node_set (step, "outputs", sequence_of_strings ("x.md", NULL));
  troupe_node_set (step, "position", pair);
  troupe_node_set (step, "empty", troupe_node_new_sequence ());
  troupe_node_set (step, "nested-flow", flow (mapping_of ("k", sequence_of_strings ("v", NULL))));

  troupe_node_set (root, "troupe", troupe_node_new_int (1));
  troupe_node_set (root, "name", troupe_node_new_string ("Quote \" slash \\ tab \t nl \n ctl \x01 é"));
  troupe_node_set (root, "plain", troupe_node_new_scalar ("42", TROUPE_SCALAR_PLAIN));
  troupe_node_set (root, "jitter", troupe_node_new_scalar ("0.2", TROUPE_SCALAR_FLOAT));
  troupe_node_set (root, "yaml-float", troupe_node_new_scalar ("+.5", TROUPE_SCALAR_FLOAT));
  troupe_node_set (root, "float-text", troupe_node_new_scalar ("1.50", TROUPE_SCALAR_FLOAT));
  troupe_node_set (root, "bad-int", troupe_node_new_scalar ("12abc", TROUPE_SCALAR_INT));
  troupe_node_set (root, "inf", troupe_node_new_scalar ("inf", TROUPE_SCALAR_FLOAT));
  troupe_node_set (root, "on", troupe_node_new_bool (TRUE));
  troupe_node_set (root, "nothing", troupe_node_new_scalar ("~", TROUPE_SCALAR_NULL));
  troupe_node_set (root, "steps", mapping_of ("design", g_steal_pointer (&step)));
  troupe_node_set (root, "empty", troupe_node_new_mapping ());

  text = write_json (root);
  g_assert_cmpstr (text, ==,
                   "{\n"
                   "  \"troupe\": 1,\n"
                   "  \"name\": \"Quote \\\" slash \\\\ tab \\t nl \\n ctl \\u0001 é\",\n"
                   "  \"plain\": \"42\",\n"
                   "  \"jitter\": 0.2,\n"
                   "  \"yaml-float\": 0.5,\n"
                   "  \"float-text\": 1.50,\n"
                   "  \"bad-int\": \"12abc\",\n"
                   "  \"inf\": \"inf\",\n"
                   "  \"on\": true,\n"
                   "  \"nothing\": null,\n"
                   "  \"steps\": {\n"
                   "    \"design\": {\n"
                   "      \"needs\": [\"a\", \"b\"],\n"
                   "      \"outputs\": [\n"
                   "        \"x.md\"\n"
                   "      ],\n"
                   "      \"position\": [120, 40.5],\n"
                   "      \"empty\": [],\n"
                   "      \"nested-flow\": {\"k\": [\"v\"]}\n"
                   "    }\n"
                   "  },\n"
                   "  \"empty\": {}\n"
                   "}\n");

  /* The output is JSON that json-glib agrees with. */
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(GError) error = NULL;

    g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
    g_assert_no_error (error);
  }
}

static void
test_json_round_trip (void)
{
  g_autoptr(TroupeNode) tree = make_rich_tree ();
  g_autoptr(TroupeNode) back = NULL;
  g_autoptr(TroupeNode) again = NULL;
  g_autofree char *first = write_json (tree);
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;

  back = json_ok (first);
  g_assert_true (nodes_equal (tree, back, FALSE, FALSE));
  second = write_json (back);
  g_assert_cmpstr (first, ==, second);

  again = json_ok (second);
  third = write_json (again);
  g_assert_cmpstr (second, ==, third);

  assert_scalar (at (back, "strings/controls"), TROUPE_SCALAR_STRING, "a\tb\x01\x1f\x7f\r\n\\\"'");
  assert_scalar (at (back, "numbers/2"), TROUPE_SCALAR_INT, "9223372036854775807");
  assert_scalar (at (back, "numbers/5"), TROUPE_SCALAR_BOOL, "true");
}

static void
test_json_random_round_trip (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (77);

  for (guint i = 0; i < 2000; i++)
    {
      g_autoptr(TroupeNode) tree = troupe_node_new_mapping ();
      g_autoptr(TroupeNode) back = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *first = NULL;
      g_autofree char *second = NULL;

      for (int k = g_rand_int_range (rand, 0, 4); k > 0; k--)
        {
          g_autofree char *key = random_string (rand);

          troupe_node_set (tree, key, random_tree (rand, 1, FALSE));
        }

      first = write_json (tree);
      back = troupe_json_read (first, strlen (first), "random.json", NULL, &error);
      if (back == NULL)
        g_error ("written JSON does not read back (%s):\n%s", error->message, first);

      if (!nodes_equal (tree, back, FALSE, FALSE))
        g_error ("JSON round trip changed the tree:\n%s", first);

      second = write_json (back);
      g_assert_cmpstr (first, ==, second);
    }
}

static void
test_cross_format (void)
{
  /* JSON read, YAML written and read, JSON written: same JSON. */
  g_autoptr(TroupeNode) from_json = json_ok (positions_json);
  g_autofree char *yaml = write_yaml (from_json);
  g_autoptr(TroupeNode) from_yaml = yaml_ok (yaml);
  g_autofree char *json1 = write_json (from_json);
  g_autofree char *json2 = NULL;

  /* YAML loses the JSON types of numbers and booleans (they come back
   * PLAIN, for the builder to type), so compare the structure. */
  g_assert_true (nodes_equal (from_json, from_yaml, TRUE, TRUE));
  g_assert_cmpstr (yaml, ==,
                   "troupe: 1\n"
                   "name: Build é\n"
                   "steps:\n"
                   "  design:\n"
                   "    needs: [a, b]\n"
                   "    retries: {max: 3, jitter: 0.5}\n"
                   "    list:\n"
                   "    - true\n"
                   "    - null\n");

  json2 = write_json (from_yaml);
  g_assert_nonnull (strstr (json2, "\"needs\": [\"a\", \"b\"]"));
  g_assert_nonnull (strstr (json1, "\"needs\": [\"a\", \"b\"]"));
}

/* Garbage */

static const char seed_yaml[] =
  "troupe: 1\n"
  "name: Demo\n"
  "context: {project: \"todo\", n: 3}\n"
  "steps:\n"
  "  design:\n"
  "    agent: architect\n"
  "    prompt: |\n"
  "      Design it.\n"
  "    needs: [a, b]\n"
  "  test:\n"
  "    command: [make, test]\n"
  "    retries:\n"
  "      max: 3\n"
  "      jitter: 0.5\n"
  "    when:\n"
  "      equals: ['${steps.design.output}', \"approve\"]\n"
  "layout:\n"
  "  positions:\n"
  "    design: [120, 40]\n";

static const char seed_json[] =
  "{\n"
  "  \"troupe\": 1,\n"
  "  \"name\": \"Demo \\u00e9\",\n"
  "  \"steps\": {\"design\": {\"prompt\": \"x\\ny\", \"needs\": [\"a\", \"b\"]},\n"
  "            \"test\": {\"command\": [\"make\"], \"retries\": {\"max\": 3, \"jitter\": 0.5}}},\n"
  "  \"layout\": {\"positions\": {\"design\": [120, -4.5e2]}},\n"
  "  \"flags\": [true, false, null]\n"
  "}\n";

static GByteArray *
mutate (GRand       *rand,
        const char  *seed,
        gsize        seed_length)
{
  static const char * const tokens[] = {
    ":", "- ", "\n", "  ", "\t", "[", "]", "{", "}", ",", "\"", "'", "&a ", "*a", "!!str ",
    "---\n", "...\n", "|\n", ">-\n", "#", "\\", "\\u", "\xff", "\xc3", "\0", "?", "%YAML 1.1\n",
    "null", "true", "1e999", "-", "\r\n", "\xEF\xBB\xBF", "\xE2\x80\xA8",
  };
  GByteArray *bytes = g_byte_array_new ();
  guint kind = (guint) g_rand_int_range (rand, 0, 4);

  if (kind == 0)
    {
      /* Pure noise. */
      guint n = (guint) g_rand_int_range (rand, 0, 300);

      for (guint i = 0; i < n; i++)
        {
          guint8 b = (guint8) g_rand_int_range (rand, 0, 256);

          g_byte_array_append (bytes, &b, 1);
        }
      return bytes;
    }

  g_byte_array_append (bytes, (const guint8 *) seed, (guint) seed_length);

  for (int edits = g_rand_int_range (rand, 1, 8); edits > 0; edits--)
    {
      guint position = bytes->len > 0 ? (guint) g_rand_int_range (rand, 0, (gint32) bytes->len) : 0;

      switch (g_rand_int_range (rand, 0, 4))
        {
        case 0:
          if (bytes->len > 0)
            bytes->data[position] = (guint8) g_rand_int_range (rand, 0, 256);
          break;
        case 1:
          if (bytes->len > 0)
            {
              guint count = (guint) g_rand_int_range (rand, 1, 20);

              g_byte_array_remove_range (bytes, position, MIN (count, bytes->len - position));
            }
          break;
        case 2:
          {
            const char *token = tokens[g_rand_int_range (rand, 0, G_N_ELEMENTS (tokens))];
            guint length = token[0] == '\0' ? 1 : (guint) strlen (token);

            guint old_length = bytes->len;

            g_byte_array_set_size (bytes, old_length + length);
            memmove (bytes->data + position + length, bytes->data + position, old_length - position);
            memcpy (bytes->data + position, token, length);
          }
          break;
        default:
          g_byte_array_set_size (bytes, position);
          break;
        }
    }

  return bytes;
}

static gboolean
check_garbage (ReadFunc    reader,
               WriteFunc   writer,
               const char *data,
               gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TroupeDiagnostic) diagnostic = NULL;
  g_autoptr(TroupeNode) root = NULL;

  root = reader (data, length, "fuzz", &diagnostic, &error);

  if (root == NULL)
    {
      g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE);
      g_assert_nonnull (diagnostic);
      g_assert_cmpstr (diagnostic->code, ==, "syntax");
      g_assert_cmpuint (diagnostic->line, >=, 1);
      g_assert_cmpuint (diagnostic->column, >=, 1);
      g_assert_true (g_str_has_prefix (error->message, "fuzz:"));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return FALSE;
    }
  else
    {
      g_autoptr(TroupeNode) back = NULL;
      g_autofree char *text = NULL;
      g_autofree char *again = NULL;

      /* Whatever was accepted can be written, and reads back the same. */
      g_assert_no_error (error);
      g_assert_null (diagnostic);
      g_assert_cmpint (root->kind, ==, TROUPE_NODE_MAPPING);

      text = writer (root, NULL);
      back = reader (text, strlen (text), "again", NULL, &error);
      if (back == NULL)
        g_error ("accepted input does not survive a round trip (%s):\n%s", error->message, text);
      g_assert_true (nodes_equal (root, back, reader == troupe_yaml_read, TRUE));
      again = writer (back, NULL);
      g_assert_cmpstr (text, ==, again);

      /* The other writer copes too. */
      g_free (writer == troupe_yaml_write ? troupe_json_write (root, NULL)
                                          : troupe_yaml_write (root, NULL));
      return TRUE;
    }
}

static void
test_garbage (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1234);
  guint accepted_yaml = 0;
  guint accepted_json = 0;

  for (guint i = 0; i < 3000; i++)
    {
      g_autoptr(GByteArray) yaml = mutate (rand, seed_yaml, sizeof seed_yaml - 1);
      g_autoptr(GByteArray) json = mutate (rand, seed_json, sizeof seed_json - 1);

      accepted_yaml += check_garbage (troupe_yaml_read, troupe_yaml_write, (const char *) yaml->data, yaml->len);
      accepted_json += check_garbage (troupe_json_read, troupe_json_write, (const char *) json->data, json->len);
      /* Each reader also gets the other format's garbage. */
      accepted_yaml += check_garbage (troupe_yaml_read, troupe_yaml_write, (const char *) json->data, json->len);
      accepted_json += check_garbage (troupe_json_read, troupe_json_write, (const char *) yaml->data, yaml->len);
    }

  /* Both paths, refusal and round trip, were exercised. */
  g_test_message ("accepted: %u YAML and %u JSON inputs of 6000 each", accepted_yaml, accepted_json);
  g_assert_cmpuint (accepted_yaml, >, 100);
  g_assert_cmpuint (accepted_json, >, 20);

  /* The seeds themselves are valid. */
  g_assert_true (check_garbage (troupe_yaml_read, troupe_yaml_write, seed_yaml, sizeof seed_yaml - 1));
  g_assert_true (check_garbage (troupe_json_read, troupe_json_write, seed_json, sizeof seed_json - 1));
}

/* Formats */

static void
test_format_names (void)
{
  static const struct {
    const char       *name;
    TroupeFileFormat  format;
  } names[] = {
    { "yaml", TROUPE_FILE_FORMAT_YAML },
    { "yml", TROUPE_FILE_FORMAT_YAML },
    { "JSON", TROUPE_FILE_FORMAT_JSON },
    { "dot", TROUPE_FILE_FORMAT_DOT },
    { "gv", TROUPE_FILE_FORMAT_DOT },
    { "mermaid", TROUPE_FILE_FORMAT_MERMAID },
    { "mmd", TROUPE_FILE_FORMAT_MERMAID },
    { "svg", TROUPE_FILE_FORMAT_SVG },
    { "png", TROUPE_FILE_FORMAT_PNG },
  };
  TroupeFileFormat format;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_true (troupe_file_format_from_name (names[i].name, &format));
      g_assert_cmpint (format, ==, names[i].format);
    }

  g_assert_false (troupe_file_format_from_name ("toml", &format));
  g_assert_false (troupe_file_format_from_name ("", NULL));

  g_assert_cmpint (troupe_file_format_from_path ("flow.yaml"), ==, TROUPE_FILE_FORMAT_YAML);
  g_assert_cmpint (troupe_file_format_from_path ("/a/b/flow.YML"), ==, TROUPE_FILE_FORMAT_YAML);
  g_assert_cmpint (troupe_file_format_from_path ("flow.json"), ==, TROUPE_FILE_FORMAT_JSON);
  g_assert_cmpint (troupe_file_format_from_path ("graph.gv"), ==, TROUPE_FILE_FORMAT_DOT);
  g_assert_cmpint (troupe_file_format_from_path ("graph.dot"), ==, TROUPE_FILE_FORMAT_DOT);
  g_assert_cmpint (troupe_file_format_from_path ("out.svg"), ==, TROUPE_FILE_FORMAT_SVG);
  g_assert_cmpint (troupe_file_format_from_path ("out.png"), ==, TROUPE_FILE_FORMAT_PNG);
  g_assert_cmpint (troupe_file_format_from_path ("out.mmd"), ==, TROUPE_FILE_FORMAT_MERMAID);
  g_assert_cmpint (troupe_file_format_from_path ("flow"), ==, TROUPE_FILE_FORMAT_YAML);
  g_assert_cmpint (troupe_file_format_from_path ("dir.json/flow"), ==, TROUPE_FILE_FORMAT_YAML);
  g_assert_cmpint (troupe_file_format_from_path ("flow.txt"), ==, TROUPE_FILE_FORMAT_YAML);
}

static void
test_read_errors (void)
{
  g_autofree char *dir = g_dir_make_tmp ("troupe-node-io-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.yaml", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.yaml", NULL);
  g_autofree char *svg = g_build_filename (dir, "graph.svg", NULL);

  /* A missing file is an I/O error naming the path. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TroupeDiagnostic) diagnostic = NULL;

    g_assert_null (troupe_workflow_new_from_file (missing, &diagnostic, &error));
    g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_IO);
    g_assert_nonnull (strstr (error->message, missing));
    g_assert_nonnull (strstr (error->message, g_strerror (ENOENT)));
    g_assert_null (diagnostic);
  }

  /* So is a folder. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (troupe_workflow_new_from_file (dir, NULL, &error));
    g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_IO);
    g_assert_nonnull (strstr (error->message, dir));
  }

  /* A syntax error names the file, line and column. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TroupeDiagnostic) diagnostic = NULL;
    g_autofree char *prefix = g_strdup_printf ("%s:2:1: ", bad);

    g_assert_true (g_file_set_contents (bad, "name: x\n\tsteps: {}\n", -1, NULL));
    g_assert_null (troupe_workflow_new_from_file (bad, &diagnostic, &error));
    g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE);
    g_assert_nonnull (diagnostic);
    g_assert_cmpstr (diagnostic->file, ==, bad);
    g_assert_cmpuint (diagnostic->line, ==, 2);
    g_assert_true (g_str_has_prefix (error->message, prefix));
  }

  /* Exports cannot be read back. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (g_file_set_contents (svg, "<svg/>", -1, NULL));
    g_assert_null (troupe_workflow_new_from_file (svg, NULL, &error));
    g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_FORMAT);
  }

  g_assert_cmpint (g_remove (bad), ==, 0);
  g_assert_cmpint (g_remove (svg), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
test_workflow_load_save (void)
{
  static const char yaml[] =
    "troupe: 1\n"
    "name: Save me\n"
    "steps:\n"
    "  build:\n"
    "    command: [make]\n"
    "  test:\n"
    "    command: [make, test]\n"
    "    needs: [build]\n";
  g_autofree char *dir = g_dir_make_tmp ("troupe-node-io-XXXXXX", NULL);
  g_autofree char *yaml_path = g_build_filename (dir, "flow.yaml", NULL);
  g_autofree char *json_path = g_build_filename (dir, "flow.json", NULL);
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(TroupeWorkflow) from_json = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *json = NULL;
  gsize length = 0;

  workflow = troupe_workflow_new_from_data (yaml, -1, TROUPE_FILE_FORMAT_YAML, "memory.yaml", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (workflow);
  g_assert_null (troupe_workflow_get_file (workflow));

  /* Saving writes to_data's bytes and remembers where. */
  expected = troupe_workflow_to_data (workflow, TROUPE_FILE_FORMAT_YAML, &length);
  g_assert_cmpuint (length, ==, strlen (expected));
  g_assert_true (troupe_workflow_save_to_file (workflow, yaml_path, TROUPE_FILE_FORMAT_YAML, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (troupe_workflow_get_file (workflow), ==, yaml_path);
  g_assert_true (g_file_get_contents (yaml_path, &saved, NULL, NULL));
  g_assert_cmpstr (saved, ==, expected);

  /* The same workflow through JSON and back. */
  g_assert_true (troupe_workflow_save_to_file (workflow, json_path, TROUPE_FILE_FORMAT_JSON, &error));
  g_assert_no_error (error);
  from_json = troupe_workflow_new_from_file (json_path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (troupe_workflow_get_file (from_json), ==, json_path);
  g_assert_true (troupe_workflow_equal (workflow, from_json));
  json = troupe_workflow_to_data (from_json, TROUPE_FILE_FORMAT_JSON, NULL);
  g_clear_pointer (&saved, g_free);
  g_assert_true (g_file_get_contents (json_path, &saved, NULL, NULL));
  g_assert_cmpstr (saved, ==, json);

  g_assert_cmpuint (count_entries (dir), ==, 2);
  g_assert_cmpint (g_remove (yaml_path), ==, 0);
  g_assert_cmpint (g_remove (json_path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_workflow_dot_warnings (void)
{
  /* What a DOT import cannot carry over stays with the workflow as load
   * diagnostics. */
  static const char dot[] = "digraph { a -> b; b -> b; }\n";
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *diagnostics;
  gboolean found = FALSE;

  workflow = troupe_workflow_new_from_data (dot, -1, TROUPE_FILE_FORMAT_DOT, "graph.dot", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (workflow);

  diagnostics = troupe_workflow_get_load_diagnostics (workflow);
  for (guint i = 0; i < diagnostics->len; i++)
    {
      TroupeDiagnostic *diagnostic = g_ptr_array_index (diagnostics, i);

      g_assert_cmpint (diagnostic->severity, ==, TROUPE_SEVERITY_WARNING);
      if (g_str_equal (diagnostic->code, "dot-self-loop"))
        found = TRUE;
    }
  g_assert_true (found);
}

/* Atomic writes */

static void
test_atomic_write (void)
{
  g_autofree char *dir = g_dir_make_tmp ("troupe-node-io-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "flow.yaml", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;
  mode_t old_umask;

  old_umask = umask (022);

  g_assert_true (troupe_write_file_atomically (path, "first\n", 6, &error));
  g_assert_no_error (error);
  g_assert_true (troupe_write_file_atomically (path, "second\0x", 8, &error));
  g_assert_no_error (error);

  umask (old_umask);

  /* The content is replaced, byte for byte, NULs included. */
  {
    gsize length;

    g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
    g_assert_cmpuint (length, ==, 8);
    g_assert_cmpmem (contents, length, "second\0x", 8);
  }

  /* No temporary file is left behind, and the mode follows the umask. */
  g_assert_cmpuint (count_entries (dir), ==, 1);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
atomic_write_read_only_child (const char *dir,
                              const char *path)
{
  g_autoptr(GError) error = NULL;

  /* root ignores permissions: act as nobody, who cannot write the
   * folder. */
  if (geteuid () == 0)
    {
      if (setgid (65534) != 0 || setuid (65534) != 0)
        g_error ("cannot drop privileges: %s", g_strerror (errno));
    }

  g_assert_false (troupe_write_file_atomically (path, "new content\n", 12, &error));
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_IO);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, g_strerror (EACCES)));
}

static void
test_atomic_write_read_only (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;

  if (g_test_subprocess ())
    {
      /* The parent passes the paths through the environment. */
      atomic_write_read_only_child (g_getenv ("TROUPE_TEST_DIR"), g_getenv ("TROUPE_TEST_PATH"));
      return;
    }

  dir = g_dir_make_tmp ("troupe-node-io-XXXXXX", NULL);
  path = g_build_filename (dir, "flow.yaml", NULL);

  g_assert_true (g_file_set_contents (path, "old content\n", -1, NULL));
  g_assert_cmpint (g_chmod (dir, 0555), ==, 0);

  g_setenv ("TROUPE_TEST_DIR", dir, TRUE);
  g_setenv ("TROUPE_TEST_PATH", path, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();

  /* The old file is intact, and nothing else was created. */
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "old content\n");
  g_assert_cmpuint (count_entries (dir), ==, 1);

  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_atomic_write_missing_folder (void)
{
  g_autoptr(GError) error = NULL;
  const char *path = "/nonexistent-troupe-folder/flow.yaml";

  g_assert_false (troupe_write_file_atomically (path, "x", 1, &error));
  g_assert_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, "Cannot save /nonexistent-troupe-folder/flow.yaml: "));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/troupe/node-io/yaml/positions", test_yaml_positions);
  g_test_add_func ("/troupe/node-io/yaml/positions-unicode", test_yaml_positions_unicode);
  g_test_add_func ("/troupe/node-io/yaml/scalar-kinds", test_yaml_scalar_kinds);
  g_test_add_func ("/troupe/node-io/yaml/duplicates-kept", test_yaml_duplicates_kept);
  g_test_add_func ("/troupe/node-io/yaml/syntax-errors", test_yaml_syntax_errors);
  g_test_add_func ("/troupe/node-io/yaml/empty", test_yaml_empty);
  g_test_add_func ("/troupe/node-io/yaml/depth", test_yaml_depth);
  g_test_add_func ("/troupe/node-io/yaml/write-styles", test_yaml_write_styles);
  g_test_add_func ("/troupe/node-io/yaml/write-literal", test_yaml_write_literal);
  g_test_add_func ("/troupe/node-io/yaml/write-quoting", test_yaml_write_quoting);
  g_test_add_func ("/troupe/node-io/yaml/astral", test_yaml_astral);
  g_test_add_func ("/troupe/node-io/yaml/round-trip", test_yaml_round_trip);
  g_test_add_func ("/troupe/node-io/yaml/random-round-trip", test_yaml_random_round_trip);
  g_test_add_func ("/troupe/node-io/json/positions", test_json_positions);
  g_test_add_func ("/troupe/node-io/json/types", test_json_types);
  g_test_add_func ("/troupe/node-io/json/order", test_json_order);
  g_test_add_func ("/troupe/node-io/json/syntax-errors", test_json_syntax_errors);
  g_test_add_func ("/troupe/node-io/json/empty", test_json_empty);
  g_test_add_func ("/troupe/node-io/json/depth", test_json_depth);
  g_test_add_func ("/troupe/node-io/json/write-format", test_json_write_format);
  g_test_add_func ("/troupe/node-io/json/round-trip", test_json_round_trip);
  g_test_add_func ("/troupe/node-io/json/random-round-trip", test_json_random_round_trip);
  g_test_add_func ("/troupe/node-io/cross-format", test_cross_format);
  g_test_add_func ("/troupe/node-io/garbage", test_garbage);
  g_test_add_func ("/troupe/node-io/format-names", test_format_names);
  g_test_add_func ("/troupe/node-io/read-errors", test_read_errors);
  g_test_add_func ("/troupe/node-io/workflow/load-save", test_workflow_load_save);
  g_test_add_func ("/troupe/node-io/workflow/dot-warnings", test_workflow_dot_warnings);
  g_test_add_func ("/troupe/node-io/atomic-write/replace", test_atomic_write);
  g_test_add_func ("/troupe/node-io/atomic-write/read-only", test_atomic_write_read_only);
  g_test_add_func ("/troupe/node-io/atomic-write/missing-folder", test_atomic_write_missing_folder);

  return g_test_run ();
}
