/* troupe-export.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <gvc.h>

#include "troupe-dot-private.h"
#include "troupe-export.h"
#include "troupe-workflow-io.h"

G_DEFINE_QUARK (troupe-export-error-quark, troupe_export_error)

/* Lays the graph out with dot and renders it with the graphviz device
 * plugin for @format ("svg", "png"). */
static GBytes *
render_with_graphviz (TroupeWorkflow  *self,
                      const char      *format,
                      GError         **error)
{
  g_autofree char *messages = NULL;
  g_autofree char *upper = g_ascii_strup (format, -1);
  GBytes *bytes = NULL;
  gboolean laid_out = FALSE;

  _troupe_graphviz_begin ();
  {
    GVC_t *gvc = _troupe_graphviz_get_context ();
    g_autoptr(Agraph_t) g = _troupe_workflow_build_agraph (self, FALSE);

    if (gvLayout (gvc, g, "dot") == 0)
      {
        char *data = NULL;
        unsigned int length = 0;

        laid_out = TRUE;
        if (gvRenderData (gvc, g, format, &data, &length) == 0 && data != NULL)
          bytes = g_bytes_new (data, length);
        if (data != NULL)
          gvFreeRenderData (data);

        gvFreeLayout (gvc, g);
      }
  }
  messages = _troupe_graphviz_end ();

  if (bytes != NULL)
    return bytes;

  /* graphviz reports a device it has no plugin for as "Format: "png" not
   * recognized" or "renderer for png is unavailable" (and a missing layout
   * plugin as "Layout type: "dot" not recognized"): that is a matter of
   * installing a package, not of the workflow. */
  if (messages != NULL &&
      (strstr (messages, "not recognized") != NULL || strstr (messages, "is unavailable") != NULL))
    {
      if (!laid_out)
        g_set_error (error, TROUPE_EXPORT_ERROR, TROUPE_EXPORT_ERROR_UNSUPPORTED,
                     "graphviz on this system has no dot layout plugin, so it cannot "
                     "export %s; install graphviz's plugins (Debian and Ubuntu: libgvc6, "
                     "Fedora: graphviz), then run \"dot -c\" as root to register them",
                     upper);
      else
        g_set_error (error, TROUPE_EXPORT_ERROR, TROUPE_EXPORT_ERROR_UNSUPPORTED,
                     "graphviz on this system has no plugin that renders %s; install "
                     "graphviz's cairo or gd plugins (Debian and Ubuntu: libgvc6, Fedora: "
                     "graphviz-gd), then run \"dot -c\" as root to register them",
                     upper);
      return NULL;
    }

  g_set_error (error, TROUPE_EXPORT_ERROR, TROUPE_EXPORT_ERROR_FAILED,
               "graphviz could not %s the workflow as %s: %s",
               laid_out ? "render" : "lay out", upper,
               messages != NULL ? messages : "no reason given");
  return NULL;
}

GBytes *
troupe_workflow_export (TroupeWorkflow    *self,
                        TroupeFileFormat   format,
                        GError           **error)
{
  char *text;
  gsize length = 0;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  switch (format)
    {
    case TROUPE_FILE_FORMAT_DOT:
      text = troupe_workflow_to_dot (self, FALSE, error);
      if (text == NULL)
        return NULL;
      return g_bytes_new_take (text, strlen (text));

    case TROUPE_FILE_FORMAT_MERMAID:
      text = troupe_workflow_to_mermaid (self);
      return g_bytes_new_take (text, strlen (text));

    case TROUPE_FILE_FORMAT_JSON:
    case TROUPE_FILE_FORMAT_YAML:
      text = troupe_workflow_to_data (self, format, &length);
      return g_bytes_new_take (text, length);

    case TROUPE_FILE_FORMAT_SVG:
      return render_with_graphviz (self, "svg", error);

    case TROUPE_FILE_FORMAT_PNG:
      return render_with_graphviz (self, "png", error);

    default:
      g_set_error (error, TROUPE_EXPORT_ERROR, TROUPE_EXPORT_ERROR_UNSUPPORTED,
                   "Unknown export format %d; use DOT, Mermaid, JSON, YAML, SVG or PNG",
                   (int) format);
      return NULL;
    }
}
