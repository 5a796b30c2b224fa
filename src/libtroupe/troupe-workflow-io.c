/* troupe-workflow-io.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "troupe-export.h"
#include "troupe-workflow-io-private.h"

/* A workflow file larger than this is not a workflow file; refusing it
 * keeps "troupe validate /dev/zero" from eating the memory. */
#define MAX_FILE_SIZE (64 * 1024 * 1024)

static const struct
{
  const char       *name;
  TroupeFileFormat  format;
} format_names[] = {
  { "yaml", TROUPE_FILE_FORMAT_YAML },
  { "yml", TROUPE_FILE_FORMAT_YAML },
  { "json", TROUPE_FILE_FORMAT_JSON },
  { "dot", TROUPE_FILE_FORMAT_DOT },
  { "gv", TROUPE_FILE_FORMAT_DOT },
  { "mermaid", TROUPE_FILE_FORMAT_MERMAID },
  { "mmd", TROUPE_FILE_FORMAT_MERMAID },
  { "svg", TROUPE_FILE_FORMAT_SVG },
  { "png", TROUPE_FILE_FORMAT_PNG },
};

gboolean
troupe_file_format_from_name (const char       *name,
                              TroupeFileFormat *format)
{
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    {
      if (g_ascii_strcasecmp (name, format_names[i].name) == 0)
        {
          if (format != NULL)
            *format = format_names[i].format;
          return TRUE;
        }
    }

  return FALSE;
}

TroupeFileFormat
troupe_file_format_from_path (const char *path)
{
  g_autofree char *basename = NULL;
  const char *dot;
  TroupeFileFormat format;

  g_return_val_if_fail (path != NULL, TROUPE_FILE_FORMAT_YAML);

  /* The export formats are recognised too, so that an output path
   * ("graph.svg") chooses what to write. */
  basename = g_path_get_basename (path);
  dot = strrchr (basename, '.');
  if (dot != NULL && troupe_file_format_from_name (dot + 1, &format))
    return format;

  return TROUPE_FILE_FORMAT_YAML;
}

/* The errno behind a GFileError, for messages in our own words. */
static int
file_error_to_errno (int code)
{
  switch (code)
    {
    case G_FILE_ERROR_EXIST: return EEXIST;
    case G_FILE_ERROR_ISDIR: return EISDIR;
    case G_FILE_ERROR_ACCES: return EACCES;
    case G_FILE_ERROR_NAMETOOLONG: return ENAMETOOLONG;
    case G_FILE_ERROR_NOENT: return ENOENT;
    case G_FILE_ERROR_NOTDIR: return ENOTDIR;
    case G_FILE_ERROR_ROFS: return EROFS;
    case G_FILE_ERROR_LOOP: return ELOOP;
    case G_FILE_ERROR_NOSPC: return ENOSPC;
    case G_FILE_ERROR_NOMEM: return ENOMEM;
    case G_FILE_ERROR_PERM: return EPERM;
    case G_FILE_ERROR_IO: return EIO;
    default: return 0;
    }
}

/* Reads a whole file, with errors that name @path once. */
static char *
read_file (const char  *path,
           gsize       *length,
           GError     **error)
{
  g_autoptr(GByteArray) contents = NULL;
  struct stat st;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_IO,
                   "Cannot read %s: %s", path, g_strerror (saved_errno));
      return NULL;
    }

  if (fstat (fd, &st) == 0 && S_ISDIR (st.st_mode))
    {
      g_close (fd, NULL);
      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_IO,
                   "Cannot read %s: it is a folder, not a workflow file", path);
      return NULL;
    }

  contents = g_byte_array_new ();

  for (;;)
    {
      guint8 buffer[16384];
      gssize n = read (fd, buffer, sizeof buffer);

      if (n < 0 && errno == EINTR)
        continue;

      if (n < 0)
        {
          int saved_errno = errno;

          g_close (fd, NULL);
          g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_IO,
                       "Cannot read %s: %s", path, g_strerror (saved_errno));
          return NULL;
        }

      if (n == 0)
        break;

      if (contents->len + (gsize) n > MAX_FILE_SIZE)
        {
          g_close (fd, NULL);
          g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_IO,
                       "Cannot read %s: it is larger than %u MiB, too large for a workflow file",
                       path, MAX_FILE_SIZE / (1024 * 1024));
          return NULL;
        }

      g_byte_array_append (contents, buffer, (guint) n);
    }

  g_close (fd, NULL);

  *length = contents->len;
  /* NUL-terminate for the readers' convenience; the length excludes it. */
  g_byte_array_append (contents, (const guint8 *) "", 1);

  return (char *) g_byte_array_free (g_steal_pointer (&contents), FALSE);
}

/* DOT imports report what they could not carry over (shapes, self-loops,
 * ...) as warnings; a workflow keeps them as load diagnostics, so that
 * validating an imported graph shows them. */
static TroupeWorkflow *
import_dot (const char  *path,
            const char  *data,
            gsize        length,
            const char  *filename,
            GError     **error)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_diagnostic_free);
  TroupeWorkflow *workflow;
  gpointer *stolen;
  gsize n_stolen = 0;

  if (path != NULL)
    workflow = troupe_workflow_import_dot (path, warnings, error);
  else
    workflow = troupe_workflow_import_dot_data (data, length, filename, warnings, error);

  if (workflow == NULL)
    return NULL;

  stolen = g_ptr_array_steal (warnings, &n_stolen);
  for (gsize i = 0; i < n_stolen; i++)
    troupe_workflow_add_load_diagnostic (workflow, stolen[i]);
  g_free (stolen);

  return workflow;
}

TroupeWorkflow *
troupe_workflow_new_from_file (const char        *path,
                               TroupeDiagnostic **syntax_error,
                               GError           **error)
{
  g_autofree char *data = NULL;
  TroupeWorkflow *workflow;
  TroupeFileFormat format;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  format = troupe_file_format_from_path (path);

  switch (format)
    {
    case TROUPE_FILE_FORMAT_DOT:
      workflow = import_dot (path, NULL, 0, NULL, error);
      if (workflow != NULL)
        troupe_workflow_set_file (workflow, path);
      return workflow;

    case TROUPE_FILE_FORMAT_MERMAID:
    case TROUPE_FILE_FORMAT_SVG:
    case TROUPE_FILE_FORMAT_PNG:
      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_FORMAT,
                   "Cannot open %s: Mermaid, SVG and PNG files are exports and cannot be read back; open the workflow's .yaml or .json file",
                   path);
      return NULL;

    case TROUPE_FILE_FORMAT_YAML:
    case TROUPE_FILE_FORMAT_JSON:
    default:
      break;
    }

  data = read_file (path, &length, error);
  if (data == NULL)
    return NULL;

  workflow = troupe_workflow_new_from_data (data, (gssize) length, format, path,
                                            syntax_error, error);
  if (workflow != NULL)
    troupe_workflow_set_file (workflow, path);

  return workflow;
}

TroupeWorkflow *
troupe_workflow_new_from_data (const char        *data,
                               gssize             length,
                               TroupeFileFormat   format,
                               const char        *filename,
                               TroupeDiagnostic **syntax_error,
                               GError           **error)
{
  g_autoptr(TroupeNode) root = NULL;
  gsize size;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data == NULL)
    data = "";
  size = length < 0 ? strlen (data) : (gsize) length;

  switch (format)
    {
    case TROUPE_FILE_FORMAT_YAML:
      root = troupe_yaml_read (data, size, filename, syntax_error, error);
      break;

    case TROUPE_FILE_FORMAT_JSON:
      root = troupe_json_read (data, size, filename, syntax_error, error);
      break;

    case TROUPE_FILE_FORMAT_DOT:
      return import_dot (NULL, data, size, filename, error);

    case TROUPE_FILE_FORMAT_MERMAID:
    case TROUPE_FILE_FORMAT_SVG:
    case TROUPE_FILE_FORMAT_PNG:
    default:
      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_FORMAT,
                   "Cannot read %s: Mermaid, SVG and PNG are export formats and cannot be read back",
                   filename != NULL ? filename : "<input>");
      return NULL;
    }

  if (root == NULL)
    return NULL;

  return troupe_workflow_build (root, filename);
}

char *
troupe_workflow_to_data (TroupeWorkflow   *self,
                         TroupeFileFormat  format,
                         gsize            *length)
{
  g_autoptr(TroupeNode) root = NULL;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), NULL);

  switch (format)
    {
    case TROUPE_FILE_FORMAT_YAML:
      root = troupe_workflow_serialize (self);
      return troupe_yaml_write (root, length);

    case TROUPE_FILE_FORMAT_JSON:
      root = troupe_workflow_serialize (self);
      return troupe_json_write (root, length);

    case TROUPE_FILE_FORMAT_DOT:
    case TROUPE_FILE_FORMAT_MERMAID:
    case TROUPE_FILE_FORMAT_SVG:
    case TROUPE_FILE_FORMAT_PNG:
    default:
      /* Exports go through troupe_workflow_export(). */
      g_return_val_if_reached (NULL);
    }
}

gboolean
troupe_workflow_save_to_file (TroupeWorkflow    *self,
                              const char        *path,
                              TroupeFileFormat   format,
                              GError           **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  g_return_val_if_fail (TROUPE_IS_WORKFLOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (format == TROUPE_FILE_FORMAT_YAML ||
                        format == TROUPE_FILE_FORMAT_JSON, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  data = troupe_workflow_to_data (self, format, &length);
  if (data == NULL)
    {
      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_FORMAT,
                   "Cannot save %s: the workflow could not be written as text", path);
      return FALSE;
    }

  if (!troupe_write_file_atomically (path, data, length, error))
    return FALSE;

  troupe_workflow_set_file (self, path);
  return TRUE;
}

gboolean
troupe_write_file_atomically (const char  *path,
                              const char  *data,
                              gsize        length,
                              GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* GLib writes a temporary file in the same folder, syncs it and renames
   * it over @path; on failure it removes the temporary file, and @path
   * keeps its old content. The mode is filtered by the umask. */
  if (!g_file_set_contents_full (path, data != NULL ? data : "", (gssize) length,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0666, &local_error))
    {
      int code = local_error->domain == G_FILE_ERROR ? file_error_to_errno (local_error->code) : 0;

      /* GLib's message names the temporary file, which means nothing to
       * the person saving; name the file they asked for. */
      if (code != 0)
        g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_IO,
                     "Cannot save %s: %s", path, g_strerror (code));
      else
        g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_IO,
                     "Cannot save %s: %s", path, local_error->message);
      return FALSE;
    }

  return TRUE;
}

void
_troupe_set_syntax_error (const char        *filename,
                          guint              line,
                          guint              column,
                          const char        *message,
                          TroupeDiagnostic **syntax_error,
                          GError           **error)
{
  if (filename == NULL)
    filename = "<input>";

  if (syntax_error != NULL)
    {
      TroupeDiagnostic *diagnostic;

      diagnostic = troupe_diagnostic_new (TROUPE_SEVERITY_ERROR, "syntax", NULL,
                                          line, column, "%s", message);
      troupe_diagnostic_set_file (diagnostic, filename);
      *syntax_error = diagnostic;
    }

  g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_PARSE,
               "%s:%u:%u: %s", filename, line, column, message);
}

gboolean
troupe_write_all (int         fd,
                  const void *data,
                  gsize       length)
{
  const char *p = data;

  while (length > 0)
    {
      gssize n = write (fd, p, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      p += n;
      length -= (gsize) n;
    }

  return TRUE;
}
