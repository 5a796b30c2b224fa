/* troupe-dot-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <cgraph.h>

#include "troupe-workflow.h"

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Agraph_t, agclose)

/* gvc.h declares names as common as "path" and "box", so only the files
 * that lay out or render include it (before this header). */
#ifdef GVC_H
/* The graphviz context every layout and rendering uses, created on first
 * use and kept for the life of the process, on purpose: graphviz 2.42's
 * pango text layout keeps a pointer to the last font name it measured,
 * which lives in its context, so measuring text after a context was freed
 * reads freed memory. One context also reads the plugin configuration
 * once. Call between begin/end. */
GVC_t    *_troupe_graphviz_get_context    (void);
#endif

/* graphviz keeps its parser, its error handler and its error counters in
 * process-wide globals, so every use of cgraph or gvc in libtroupe runs
 * between _troupe_graphviz_begin() and _troupe_graphviz_end(). Begin takes
 * a lock (calls from several threads take turns) and routes the messages
 * graphviz reports through agerr() into a buffer instead of stderr; end
 * restores the previous handler, drops the lock and returns what was
 * reported (NULL when nothing was). The two do not nest. */
void      _troupe_graphviz_begin          (void);
char     *_troupe_graphviz_end            (void);

/* The messages reported so far since _troupe_graphviz_begin(), without
 * "Error: "/"Warning: " prefixes, on one line each; NULL when none. */
char     *_troupe_graphviz_peek_messages  (void);

/* cgraph's scanner keeps the rest of the line it was reading between
 * calls: after agmemread ("digraph a {} digraph b {}"), the next agmemread()
 * returns b, whatever text it is given, and after "digraph a {}\n" the next
 * parse counts one line too many. This reads and drops whatever is left
 * (without messages), and returns how many graphs that was. Call between
 * begin/end, before parsing. */
guint     _troupe_graphviz_drain_parser   (void);

/* A directed graph of the workflow with every step as a node (kind as
 * shape, agent as fill colour and, with @clusters, as a cluster), every
 * need as an edge, and rankdir and label set on the graph. agwrite() on it
 * appends to the GString given as its channel. Call between begin/end. */
Agraph_t *_troupe_workflow_build_agraph   (TroupeWorkflow *self,
                                           gboolean        clusters);

/* Agent name -> "#rrggbb" fill colour: the agent's own colour, else one
 * of a palette by agent order; agents that steps name but the workflow
 * does not define come last. */
GHashTable *_troupe_workflow_dup_agent_colors (TroupeWorkflow *self);
/* TRUE when white text reads better than black on @color ("#rrggbb"). */
gboolean  _troupe_color_is_dark           (const char     *color);

/* Sets a string attribute, declaring it with an empty default when the
 * graph does not have it yet; cgraph's own API takes non-const strings. */
void      _troupe_agset                   (void           *object,
                                           const char     *name,
                                           const char     *value);

G_END_DECLS
