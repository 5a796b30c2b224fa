/* troupe-node.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "troupe-types.h"

G_BEGIN_DECLS

/* TroupeNode is the format-neutral document tree between a file and the
 * model: the YAML and JSON readers build it (remembering where each node
 * was), one builder maps it to a TroupeWorkflow, one serializer maps a
 * workflow back to it, and the YAML and JSON writers print it. The schema
 * of a workflow file is therefore written once, not once per format.
 */

typedef enum
{
  TROUPE_NODE_SCALAR,
  TROUPE_NODE_SEQUENCE,
  TROUPE_NODE_MAPPING,
} TroupeNodeKind;

/* What a scalar is. Readers set STRING for quoted YAML scalars and JSON
 * strings, and PLAIN for unquoted YAML scalars (whose type the builder
 * decides from the schema); writers use it to print numbers and booleans
 * as such. */
typedef enum
{
  TROUPE_SCALAR_PLAIN,
  TROUPE_SCALAR_STRING,
  TROUPE_SCALAR_INT,
  TROUPE_SCALAR_FLOAT,
  TROUPE_SCALAR_BOOL,
  TROUPE_SCALAR_NULL,
} TroupeScalarType;

/* Writer hints for how a sequence or mapping prefers to be printed. */
typedef enum
{
  TROUPE_NODE_STYLE_BLOCK,
  TROUPE_NODE_STYLE_FLOW,
} TroupeNodeStyle;

struct _TroupeNode
{
  TroupeNodeKind    kind;
  TroupeScalarType  scalar_type;
  TroupeNodeStyle   style;
  guint             line;     /* 1-based; 0 when unknown */
  guint             column;   /* 1-based; 0 when unknown */
  char             *scalar;   /* SCALAR: the text, never NULL */
  GPtrArray        *keys;     /* MAPPING: TroupeNode* scalars, in document order */
  GPtrArray        *values;   /* MAPPING: values, parallel to keys; SEQUENCE: the items */
};

TroupeNode *troupe_node_new_scalar   (const char       *text,
                                      TroupeScalarType  type);
TroupeNode *troupe_node_new_string   (const char       *text);
TroupeNode *troupe_node_new_int      (gint64            value);
TroupeNode *troupe_node_new_double   (double            value);
TroupeNode *troupe_node_new_bool     (gboolean          value);
TroupeNode *troupe_node_new_sequence (void);
TroupeNode *troupe_node_new_mapping  (void);
void        troupe_node_free         (TroupeNode       *node);
void        troupe_node_set_location (TroupeNode       *node,
                                      guint             line,
                                      guint             column);

/* Sequences: takes ownership of @item. */
void        troupe_node_append       (TroupeNode       *sequence,
                                      TroupeNode       *item);
/* Mappings: takes ownership of @key and @value. Duplicate keys are kept
 * (the builder reports them). */
void        troupe_node_insert       (TroupeNode       *mapping,
                                      TroupeNode       *key,
                                      TroupeNode       *value);
/* Convenience for writers: a string key. */
void        troupe_node_set          (TroupeNode       *mapping,
                                      const char       *key,
                                      TroupeNode       *value);
/* First value whose key is @key, or NULL. */
TroupeNode *troupe_node_lookup       (TroupeNode       *mapping,
                                      const char       *key);
guint       troupe_node_get_length   (TroupeNode       *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TroupeNode, troupe_node_free)

G_END_DECLS
