/* troupe-node.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include "troupe-node.h"

static TroupeNode *
troupe_node_alloc (TroupeNodeKind kind)
{
  TroupeNode *node = g_new0 (TroupeNode, 1);

  node->kind = kind;
  return node;
}

TroupeNode *
troupe_node_new_scalar (const char       *text,
                        TroupeScalarType  type)
{
  TroupeNode *node = troupe_node_alloc (TROUPE_NODE_SCALAR);

  node->scalar = g_strdup (text != NULL ? text : "");
  node->scalar_type = type;
  return node;
}

TroupeNode *
troupe_node_new_string (const char *text)
{
  return troupe_node_new_scalar (text, TROUPE_SCALAR_STRING);
}

TroupeNode *
troupe_node_new_int (gint64 value)
{
  TroupeNode *node = troupe_node_alloc (TROUPE_NODE_SCALAR);

  node->scalar = g_strdup_printf ("%" G_GINT64_FORMAT, value);
  node->scalar_type = TROUPE_SCALAR_INT;
  return node;
}

TroupeNode *
troupe_node_new_double (double value)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (isfinite (value), NULL);

  /* Whole numbers print without a fraction, so positions read "120", not
   * "120.0". 2^53: beyond it not every integer is a double (and the cast
   * to gint64 is only defined inside that range). */
  if (value == floor (value) && fabs (value) < 9007199254740992.0)
    return troupe_node_new_int ((gint64) value);

  /* %.17g always reads back exactly; shorter is nicer when it does too:
   * 0.2 stays "0.2", not "0.20000000000000001". */
  g_ascii_formatd (text, sizeof text, "%.15g", value);
  if (g_ascii_strtod (text, NULL) != value)
    g_ascii_formatd (text, sizeof text, "%.16g", value);
  if (g_ascii_strtod (text, NULL) != value)
    g_ascii_formatd (text, sizeof text, "%.17g", value);

  return troupe_node_new_scalar (text, TROUPE_SCALAR_FLOAT);
}

TroupeNode *
troupe_node_new_bool (gboolean value)
{
  return troupe_node_new_scalar (value ? "true" : "false", TROUPE_SCALAR_BOOL);
}

TroupeNode *
troupe_node_new_sequence (void)
{
  TroupeNode *node = troupe_node_alloc (TROUPE_NODE_SEQUENCE);

  node->values = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_node_free);
  return node;
}

TroupeNode *
troupe_node_new_mapping (void)
{
  TroupeNode *node = troupe_node_alloc (TROUPE_NODE_MAPPING);

  node->keys = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_node_free);
  node->values = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_node_free);
  return node;
}

void
troupe_node_free (TroupeNode *node)
{
  if (node == NULL)
    return;

  g_free (node->scalar);
  g_clear_pointer (&node->keys, g_ptr_array_unref);
  g_clear_pointer (&node->values, g_ptr_array_unref);
  g_free (node);
}

void
troupe_node_set_location (TroupeNode *node,
                          guint       line,
                          guint       column)
{
  g_return_if_fail (node != NULL);

  node->line = line;
  node->column = column;
}

void
troupe_node_append (TroupeNode *sequence,
                    TroupeNode *item)
{
  g_return_if_fail (sequence != NULL && sequence->kind == TROUPE_NODE_SEQUENCE);
  g_return_if_fail (item != NULL);

  g_ptr_array_add (sequence->values, item);
}

void
troupe_node_insert (TroupeNode *mapping,
                    TroupeNode *key,
                    TroupeNode *value)
{
  g_return_if_fail (mapping != NULL && mapping->kind == TROUPE_NODE_MAPPING);
  g_return_if_fail (key != NULL && key->kind == TROUPE_NODE_SCALAR);
  g_return_if_fail (value != NULL);

  g_ptr_array_add (mapping->keys, key);
  g_ptr_array_add (mapping->values, value);
}

void
troupe_node_set (TroupeNode *mapping,
                 const char *key,
                 TroupeNode *value)
{
  troupe_node_insert (mapping, troupe_node_new_string (key), value);
}

TroupeNode *
troupe_node_lookup (TroupeNode *mapping,
                    const char *key)
{
  g_return_val_if_fail (mapping != NULL, NULL);

  if (mapping->kind != TROUPE_NODE_MAPPING)
    return NULL;

  for (guint i = 0; i < mapping->keys->len; i++)
    {
      TroupeNode *k = g_ptr_array_index (mapping->keys, i);

      if (g_strcmp0 (k->scalar, key) == 0)
        return g_ptr_array_index (mapping->values, i);
    }

  return NULL;
}

guint
troupe_node_get_length (TroupeNode *node)
{
  g_return_val_if_fail (node != NULL, 0);

  if (node->kind == TROUPE_NODE_SCALAR)
    return 0;
  return node->values->len;
}
