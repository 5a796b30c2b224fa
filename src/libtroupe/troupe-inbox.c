/* troupe-inbox.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* renameat2 (RENAME_NOREPLACE) is a GNU extension. */
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "troupe-duration.h"
#include "troupe-inbox.h"
#include "troupe-inbox-private.h"
#include "troupe-path.h"
#include "troupe-workflow-io.h"

/* The inbox protocol of seed 003: tasks are messages between agents,
 * written as inbox/<agent>/<name>.tmp and renamed to <name>.task so that a
 * reader never sees half a task, then moved to processed/<timestamp>/ or
 * failed/<timestamp>/ once handled.
 *
 * Two decisions this file makes:
 *
 * - A task is never silently replaced. Sending <name> when a task of that
 *   name is still waiting succeeds only when the waiting task has exactly
 *   the same content (a resumed run sends again what it sent before);
 *   otherwise it fails, because the receiver has not read the first one.
 *   The no-replace rename closes the window between checking and renaming.
 *
 * - Moving a task never replaces a file either: a name that is taken in the
 *   destination folder gets a numeric suffix before its extension
 *   ("review.task", then "review-1.task", "review-2.task", ...).
 *
 * Every path is checked with troupe_path_check() when it is used, after the
 * folders it goes through have been created, so a symlink put in place
 * during a run that leads out of the workspace is refused. */

#define DEFAULT_POLL_MS 500

/* More collisions than this in one timestamp folder means something is
 * wrong (a loop moving the same task), not that we should keep counting. */
#define MAX_SUFFIX 10000

/* How often send tries again when the task's name is taken and freed
 * while it renames. */
#define MAX_SEND_ATTEMPTS 100

G_DEFINE_QUARK (troupe-inbox-error-quark, troupe_inbox_error)

static gboolean monitor_enabled = TRUE;

void
_troupe_inbox_set_monitor_enabled (gboolean enabled)
{
  monitor_enabled = !!enabled;
}

static void
set_io_error (GError     **error,
              int          saved_errno,
              const char  *format,
              ...) G_GNUC_PRINTF (3, 4);

static void
set_io_error (GError     **error,
              int          saved_errno,
              const char  *format,
              ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_IO,
               "%s: %s", what, g_strerror (saved_errno));
}

static gboolean
check_path (const char  *workspace_root,
            const char  *relative,
            GError     **error)
{
  TroupePathProblem problem = troupe_path_check (workspace_root, relative);
  g_autofree char *message = NULL;

  if (problem == TROUPE_PATH_OK)
    return TRUE;

  message = troupe_path_problem_message (problem, relative);
  g_set_error_literal (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_UNSAFE_PATH, message);
  return FALSE;
}

/* Agent and task names become one path component each. */
static gboolean
check_plain_name (const char  *what,
                  const char  *name,
                  GError     **error)
{
  const char *problem = NULL;

  if (name[0] == '\0')
    problem = "is empty";
  else if (strchr (name, '/') != NULL)
    problem = "has a '/'";
  else if (strstr (name, "..") != NULL)
    problem = "has '..'";
  else if (name[0] == '.')
    problem = "starts with '.'";

  if (problem == NULL)
    return TRUE;

  g_set_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_UNSAFE_PATH,
               "the %s name '%s' %s; it must be a plain file name, such as "
               "'engineer' or 'design-ready'",
               what, name, problem);
  return FALSE;
}

/* A rename is only durable once the folder holding the new name is synced.
 * File systems that cannot sync a folder say EINVAL; nothing more can be
 * done there, so that is not an error. */
static gboolean
fsync_folder (const char  *folder,
              const char  *folder_rel,
              GError     **error)
{
  int fd;
  int saved_errno;

  fd = open (folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      set_io_error (error, errno, "could not open %s/ to sync it", folder_rel);
      return FALSE;
    }

  if (fsync (fd) == 0 || errno == EINVAL || errno == EROFS)
    {
      close (fd);
      return TRUE;
    }

  saved_errno = errno;
  close (fd);
  set_io_error (error, saved_errno, "could not sync %s/", folder_rel);
  return FALSE;
}

/* rename() that fails with EEXIST rather than replace @to. */
static int
rename_noreplace (const char *from,
                  const char *to)
{
  GStatBuf st;

#ifdef RENAME_NOREPLACE
  if (renameat2 (AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
    return 0;
  if (errno != EINVAL && errno != ENOSYS)
    return -1;
#endif

  /* The file system cannot rename without replacing: check, then rename.
   * Only two writers racing for one name in the same instant can get
   * between the two. */
  if (g_lstat (to, &st) == 0)
    {
      errno = EEXIST;
      return -1;
    }

  return g_rename (from, to);
}

typedef enum
{
  EXISTING_ERROR,
  EXISTING_NONE,
  EXISTING_SAME,
  EXISTING_DIFFERENT,
} Existing;

static Existing
compare_existing (const char  *path,
                  const char  *path_rel,
                  const char  *content,
                  GError     **error)
{
  g_autofree char *existing = NULL;
  gsize existing_len = 0;
  g_autoptr(GError) local_error = NULL;
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    {
      if (errno == ENOENT)
        return EXISTING_NONE;
      set_io_error (error, errno, "could not look at %s", path_rel);
      return EXISTING_ERROR;
    }

  /* A link (checked to stay inside the workspace) counts as what it points
   * to; a dangling one is no task, but it holds the name. */
  if (S_ISLNK (st.st_mode) && g_stat (path, &st) != 0)
    {
      set_io_error (error, errno, "%s is a symbolic link that leads nowhere; remove it", path_rel);
      return EXISTING_ERROR;
    }

  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_IO,
                   "%s exists and is not a file; remove it, or give the task another name",
                   path_rel);
      return EXISTING_ERROR;
    }

  if (!g_file_get_contents (path, &existing, &existing_len, &local_error))
    {
      g_set_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_IO,
                   "could not read the waiting task %s: %s", path_rel, local_error->message);
      return EXISTING_ERROR;
    }

  if (existing_len == strlen (content) && memcmp (existing, content, existing_len) == 0)
    return EXISTING_SAME;

  return EXISTING_DIFFERENT;
}

static void
set_different_error (GError     **error,
                     const char  *name,
                     const char  *agent)
{
  g_set_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_IO,
               "a different task named '%s' is already waiting in inbox/%s/ and has not "
               "been processed yet; give this task another name (for example with "
               "${run.id} in it), or let %s process the waiting one first",
               name, agent, agent);
}

char *
troupe_inbox_send (const char  *workspace_root,
                   const char  *agent,
                   const char  *name,
                   const char  *content,
                   GError     **error)
{
  g_autofree char *base = NULL;
  g_autofree char *folder_rel = NULL;
  g_autofree char *task_rel = NULL;
  g_autofree char *tmp_rel = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *task = NULL;
  g_autofree char *tmp = NULL;
  guint attempts;
  int fd;
  int saved_errno;

  g_return_val_if_fail (workspace_root != NULL, NULL);
  g_return_val_if_fail (agent != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (content != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_plain_name ("agent", agent, error) || !check_plain_name ("task", name, error))
    return NULL;

  /* "design-ready.task" names the same task as "design-ready": the file
   * is not called "design-ready.task.task". */
  if (g_str_has_suffix (name, ".task") && strlen (name) > strlen (".task"))
    base = g_strndup (name, strlen (name) - strlen (".task"));
  else
    base = g_strdup (name);

  folder_rel = g_strdup_printf ("inbox/%s", agent);
  task_rel = g_strdup_printf ("%s/%s.task", folder_rel, base);
  tmp_rel = g_strdup_printf ("%s/%s.tmp", folder_rel, base);
  folder = g_build_filename (workspace_root, folder_rel, NULL);
  task = g_build_filename (workspace_root, task_rel, NULL);
  tmp = g_build_filename (workspace_root, tmp_rel, NULL);

  if (!check_path (workspace_root, folder_rel, error))
    return NULL;

  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      set_io_error (error, errno, "could not create the inbox folder %s/", folder_rel);
      return NULL;
    }

  /* Checked again now that the folders exist, with every link in them. */
  if (!check_path (workspace_root, tmp_rel, error) ||
      !check_path (workspace_root, task_rel, error))
    return NULL;

  switch (compare_existing (task, task_rel, content, error))
    {
    case EXISTING_ERROR:
      return NULL;
    case EXISTING_SAME:
      return g_steal_pointer (&task_rel);
    case EXISTING_DIFFERENT:
      set_different_error (error, base, agent);
      return NULL;
    case EXISTING_NONE:
    default:
      break;
    }

  /* O_NOFOLLOW: a link planted at the .tmp name is not written through. A
   * .tmp left by a sender that crashed is simply overwritten. */
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    {
      set_io_error (error, errno, "could not create %s", tmp_rel);
      return NULL;
    }

  if (!troupe_write_all (fd, content, strlen (content)) || fsync (fd) != 0)
    {
      saved_errno = errno;
      close (fd);
      g_unlink (tmp);
      set_io_error (error, saved_errno, "could not write %s", tmp_rel);
      return NULL;
    }

  if (close (fd) != 0)
    {
      saved_errno = errno;
      g_unlink (tmp);
      set_io_error (error, saved_errno, "could not write %s", tmp_rel);
      return NULL;
    }

  /* Another sender may take the name between our check and our rename;
   * then what it wrote decides, as if it had been there first. */
  for (attempts = 1; rename_noreplace (tmp, task) != 0; attempts++)
    {
      saved_errno = errno;

      if (attempts > MAX_SEND_ATTEMPTS)
        {
          g_unlink (tmp);
          g_set_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_IO,
                       "could not rename %s to %s: other programs keep writing and "
                       "removing that name", tmp_rel, task_rel);
          return NULL;
        }

      if (saved_errno != EEXIST)
        {
          g_unlink (tmp);
          set_io_error (error, saved_errno, "could not rename %s to %s", tmp_rel, task_rel);
          return NULL;
        }

      switch (compare_existing (task, task_rel, content, error))
        {
        case EXISTING_ERROR:
          g_unlink (tmp);
          return NULL;
        case EXISTING_SAME:
          g_unlink (tmp);
          return g_steal_pointer (&task_rel);
        case EXISTING_DIFFERENT:
          g_unlink (tmp);
          set_different_error (error, base, agent);
          return NULL;
        case EXISTING_NONE:
        default:
          /* The receiver took the other task away already: try again. */
          break;
        }
    }

  if (!fsync_folder (folder, folder_rel, error))
    return NULL;

  return g_steal_pointer (&task_rel);
}

/* "review.task" → "review-2.task"; "notes" → "notes-2"; ".hidden" →
 * ".hidden-2" (a leading dot does not start an extension). */
static char *
name_with_suffix (const char *name,
                  guint       n)
{
  const char *dot = strrchr (name, '.');

  if (dot == NULL || dot == name)
    return g_strdup_printf ("%s-%u", name, n);

  return g_strdup_printf ("%.*s-%u%s", (int) (dot - name), name, n, dot);
}

static char *
move_task (const char  *workspace_root,
           const char  *task_path,
           GDateTime   *when,
           const char  *destination,
           GError     **error)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autofree char *stamp = NULL;
  g_autofree char *source = NULL;
  g_autofree char *source_folder = NULL;
  g_autofree char *source_folder_rel = NULL;
  g_autofree char *base = NULL;
  g_autofree char *folder_rel = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *target_rel = NULL;
  GStatBuf st;
  guint n;

  g_return_val_if_fail (workspace_root != NULL, NULL);
  g_return_val_if_fail (task_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_path (workspace_root, task_path, error))
    return NULL;

  source = g_build_filename (workspace_root, task_path, NULL);
  if (g_lstat (source, &st) != 0)
    {
      set_io_error (error, errno, "could not move %s to %s/", task_path, destination);
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_IO,
                   "could not move %s to %s/: it is not a plain file", task_path, destination);
      return NULL;
    }

  utc = when != NULL ? g_date_time_to_utc (when) : g_date_time_new_now_utc ();
  stamp = g_date_time_format (utc, "%Y%m%dT%H%M%SZ");
  folder_rel = g_strdup_printf ("%s/%s", destination, stamp);
  folder = g_build_filename (workspace_root, folder_rel, NULL);

  if (!check_path (workspace_root, folder_rel, error))
    return NULL;

  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      set_io_error (error, errno, "could not create %s/", folder_rel);
      return NULL;
    }

  if (!check_path (workspace_root, folder_rel, error))
    return NULL;

  base = g_path_get_basename (task_path);

  for (n = 0; n <= MAX_SUFFIX; n++)
    {
      g_autofree char *name = n == 0 ? g_strdup (base) : name_with_suffix (base, n);
      g_autofree char *target = NULL;
      g_autoptr(GFile) source_file = NULL;
      g_autoptr(GFile) target_file = NULL;
      g_autoptr(GError) local_error = NULL;
      int saved_errno;

      g_clear_pointer (&target_rel, g_free);
      target_rel = g_strdup_printf ("%s/%s", folder_rel, name);
      target = g_build_filename (workspace_root, target_rel, NULL);

      if (rename_noreplace (source, target) == 0)
        break;

      saved_errno = errno;
      if (saved_errno == EEXIST)
        continue;

      if (saved_errno != EXDEV)
        {
          set_io_error (error, saved_errno, "could not move %s to %s", task_path, target_rel);
          return NULL;
        }

      /* The destination is on another file system (a mount inside the
       * workspace): copy and delete. Without G_FILE_COPY_OVERWRITE the
       * move refuses to replace a file, like the rename above. */
      source_file = g_file_new_for_path (source);
      target_file = g_file_new_for_path (target);
      if (g_file_move (source_file, target_file,
                       G_FILE_COPY_NOFOLLOW_SYMLINKS | G_FILE_COPY_ALL_METADATA,
                       NULL, NULL, NULL, &local_error))
        break;

      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        continue;

      g_set_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_IO,
                   "could not move %s to %s: %s", task_path, target_rel, local_error->message);
      return NULL;
    }

  if (n > MAX_SUFFIX)
    {
      g_set_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_IO,
                   "could not move %s to %s/: more than %u files of that name are there "
                   "already; clear the folder out",
                   task_path, folder_rel, MAX_SUFFIX);
      return NULL;
    }

  source_folder = g_path_get_dirname (source);
  source_folder_rel = g_path_get_dirname (task_path);
  if (!fsync_folder (folder, folder_rel, error) ||
      !fsync_folder (source_folder, source_folder_rel, error))
    return NULL;

  return g_steal_pointer (&target_rel);
}

char *
troupe_inbox_move_processed (const char  *workspace_root,
                             const char  *task_path,
                             GDateTime   *when,
                             GError     **error)
{
  return move_task (workspace_root, task_path, when, "processed", error);
}

char *
troupe_inbox_move_failed (const char  *workspace_root,
                          const char  *task_path,
                          GDateTime   *when,
                          GError     **error)
{
  return move_task (workspace_root, task_path, when, "failed", error);
}

/* Globs. A glob is matched one component at a time: components without
 * '*' or '?' are folder names to follow, the others are matched against
 * the entries of the folder reached so far. */

static gboolean
has_wildcard (const char *component)
{
  return strpbrk (component, "*?") != NULL;
}

/* The glob's components, without empty and "." ones; NULL with an error
 * when the glob is not one we accept. */
static GStrv
split_glob (const char  *glob,
            GError     **error)
{
  g_autofree char *problem = troupe_glob_check (glob);
  g_auto(GStrv) parts = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  guint n;

  if (problem != NULL)
    {
      g_set_error_literal (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_UNSAFE_PATH, problem);
      return NULL;
    }

  parts = g_strsplit (glob, "/", -1);
  n = g_strv_length (parts);

  if (n == 0 || parts[n - 1][0] == '\0' || g_str_equal (parts[n - 1], "."))
    {
      g_set_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_UNSAFE_PATH,
                   "the glob '%s' names a folder, not files; end it with a file "
                   "pattern, as in 'inbox/engineer/*.task'",
                   glob);
      return NULL;
    }

  builder = g_strv_builder_new ();
  for (guint i = 0; i < n; i++)
    {
      if (parts[i][0] != '\0' && !g_str_equal (parts[i], "."))
        g_strv_builder_add (builder, parts[i]);
    }

  return g_strv_builder_end (builder);
}

/* The folder part of a glob up to its first wildcard: "inbox/qa" when
 * the glob is in inbox/qa, "inbox" when a wildcard picks the folder below
 * inbox, "" when the glob is a file pattern alone. */
static char *
glob_folder (const char * const *parts)
{
  g_autoptr(GString) folder = g_string_new (NULL);

  for (guint i = 0; parts[i] != NULL && parts[i + 1] != NULL; i++)
    {
      if (has_wildcard (parts[i]))
        break;
      if (folder->len > 0)
        g_string_append_c (folder, '/');
      g_string_append (folder, parts[i]);
    }

  return g_string_free (g_steal_pointer (&folder), FALSE);
}

static char *
join_rel (const char *folder_rel,
          const char *name)
{
  if (folder_rel[0] == '\0')
    return g_strdup (name);
  return g_strdup_printf ("%s/%s", folder_rel, name);
}

/* Adds to @results the files under @folder_rel that match @parts. @strict
 * is TRUE while @folder_rel is the glob's own text (no wildcard matched
 * yet): a problem there is an error. Below a wildcard, a folder that
 * cannot be read or that a link takes out of the workspace is just not
 * a match. */
static gboolean
walk (const char          *workspace_root,
      const char          *start_rel,
      const char * const  *parts,
      gboolean             strict,
      GPtrArray           *results,
      GError             **error)
{
  g_autoptr(GString) folder_buf = g_string_new (start_rel);
  g_autofree char *folder = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *folder_rel;
  const char *pattern;
  gboolean last;
  const char *name;

  /* Folders named without wildcards are followed in a loop, not by
   * recursion: a glob may have any number of them. Recursion only goes
   * one level per real folder a wildcard matched. */
  while (parts[1] != NULL && !has_wildcard (parts[0]))
    {
      if (folder_buf->len > 0)
        g_string_append_c (folder_buf, '/');
      g_string_append (folder_buf, parts[0]);
      parts++;
    }

  folder_rel = folder_buf->str;
  pattern = parts[0];
  last = parts[1] == NULL;

  if (folder_rel[0] != '\0')
    {
      if (strict && !check_path (workspace_root, folder_rel, error))
        return FALSE;
      if (!strict && troupe_path_check (workspace_root, folder_rel) != TROUPE_PATH_OK)
        return TRUE;
    }

  folder = g_build_filename (workspace_root, folder_rel, NULL);
  dir = g_dir_open (folder, 0, &local_error);
  if (dir == NULL)
    {
      /* A folder that does not exist yet holds no matches: wait_for
       * creates it, and a sender may create it later. */
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
          g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR) ||
          !strict)
        return TRUE;

      g_set_error (error, TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_IO,
                   "could not list %s/: %s",
                   folder_rel[0] != '\0' ? folder_rel : ".", local_error->message);
      return FALSE;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child_rel = NULL;
      g_autofree char *child = NULL;
      GStatBuf st;

      /* A .tmp file is a task being written. */
      if (last && g_str_has_suffix (name, ".tmp"))
        continue;

      if (!troupe_glob_match (pattern, name))
        continue;

      child_rel = join_rel (folder_rel, name);
      child = g_build_filename (workspace_root, child_rel, NULL);

      if (g_lstat (child, &st) != 0)
        continue;

      if (S_ISLNK (st.st_mode))
        {
          if (troupe_path_check (workspace_root, child_rel) != TROUPE_PATH_OK ||
              g_stat (child, &st) != 0)
            continue;
        }

      if (last && S_ISREG (st.st_mode))
        g_ptr_array_add (results, g_steal_pointer (&child_rel));
      else if (!last && S_ISDIR (st.st_mode))
        {
          if (!walk (workspace_root, child_rel, parts + 1, FALSE, results, error))
            return FALSE;
        }
    }

  return TRUE;
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

GStrv
troupe_inbox_list (const char  *workspace_root,
                   const char  *glob,
                   GError     **error)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GPtrArray) results = NULL;

  g_return_val_if_fail (workspace_root != NULL, NULL);
  g_return_val_if_fail (glob != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parts = split_glob (glob, error);
  if (parts == NULL)
    return NULL;

  results = g_ptr_array_new_with_free_func (g_free);
  if (!walk (workspace_root, "", (const char * const *) parts, TRUE, results, error))
    return NULL;

  g_ptr_array_sort (results, compare_paths);
  g_ptr_array_add (results, NULL);

  return (GStrv) g_ptr_array_free (g_steal_pointer (&results), FALSE);
}

/* wait_for. The task's sources (poll, timeout, cancel, and the idle that
 * coalesces monitor events into one listing) each hold a reference to the
 * task; completing the wait destroys them all, which lets it go. */

typedef struct
{
  GTask        *task;             /* borrowed: the task owns this */
  char         *workspace_root;
  char         *glob;
  guint         min_count;
  gint64        timeout_ms;
  guint         last_count;
  GFileMonitor *monitor;
  GSource      *poll_source;
  GSource      *timeout_source;
  GSource      *cancel_source;
  GSource      *relist_source;
  guint         done : 1;
} WaitData;

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;

  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
wait_data_stop (WaitData *data)
{
  data->done = TRUE;

  if (data->monitor != NULL)
    {
      g_signal_handlers_disconnect_matched (data->monitor, G_SIGNAL_MATCH_DATA,
                                            0, 0, NULL, NULL, data);
      g_file_monitor_cancel (data->monitor);
      g_clear_object (&data->monitor);
    }

  clear_source (&data->poll_source);
  clear_source (&data->timeout_source);
  clear_source (&data->cancel_source);
  clear_source (&data->relist_source);
}

static void
wait_data_free (gpointer user_data)
{
  WaitData *data = user_data;

  wait_data_stop (data);
  g_free (data->workspace_root);
  g_free (data->glob);
  g_free (data);
}

static void
wait_return_error (GTask  *task,
                   GError *error)
{
  WaitData *data = g_task_get_task_data (task);

  wait_data_stop (data);
  g_task_return_error (task, error);
}

/* Lists the glob's matches and completes the wait when there are enough,
 * or when listing fails (a folder a link now takes out of the workspace
 * included: troupe_inbox_list checks the wait folder every time). TRUE
 * when the wait is over. */
static gboolean
wait_check (GTask *task)
{
  WaitData *data = g_task_get_task_data (task);
  g_auto(GStrv) matches = NULL;
  GError *error = NULL;

  if (data->done)
    return TRUE;

  matches = troupe_inbox_list (data->workspace_root, data->glob, &error);
  if (matches == NULL)
    {
      wait_return_error (task, error);
      return TRUE;
    }

  data->last_count = g_strv_length (matches);
  if (data->last_count < data->min_count)
    return FALSE;

  wait_data_stop (data);
  g_task_return_pointer (task, g_steal_pointer (&matches), (GDestroyNotify) g_strfreev);
  return TRUE;
}

static GSource *
attach_source (GSource     *source,
               GSourceFunc  func,
               GTask       *task)
{
  g_source_set_callback (source, func, g_object_ref (task), g_object_unref);
  g_source_attach (source, g_task_get_context (task));
  return source;
}

static gboolean
wait_poll_cb (gpointer user_data)
{
  g_autoptr(GTask) task = g_object_ref (user_data);

  if (wait_check (task))
    return G_SOURCE_REMOVE;

  return G_SOURCE_CONTINUE;
}

static gboolean
wait_relist_cb (gpointer user_data)
{
  g_autoptr(GTask) task = g_object_ref (user_data);
  WaitData *data = g_task_get_task_data (task);

  /* This source ends here: drop our pointer before wait_check, which may
   * clear the others. */
  g_clear_pointer (&data->relist_source, g_source_unref);
  wait_check (task);

  return G_SOURCE_REMOVE;
}

static void
wait_monitor_changed_cb (GFileMonitor      *monitor,
                         GFile             *file,
                         GFile             *other_file,
                         GFileMonitorEvent  event,
                         gpointer           user_data)
{
  WaitData *data = user_data;

  if (data->done || data->relist_source != NULL)
    return;

  /* The monitor reports every file of a burst; one listing, once the
   * burst has been delivered, sees them all. */
  data->relist_source = attach_source (g_idle_source_new (), wait_relist_cb, data->task);
}

static gboolean
wait_timeout_cb (gpointer user_data)
{
  g_autoptr(GTask) task = g_object_ref (user_data);
  WaitData *data = g_task_get_task_data (task);
  g_autofree char *waited = NULL;

  /* A file may have landed since the last listing. */
  if (wait_check (task))
    return G_SOURCE_REMOVE;

  waited = troupe_duration_format (data->timeout_ms);
  wait_return_error (task,
                     g_error_new (TROUPE_INBOX_ERROR, TROUPE_INBOX_ERROR_TIMEOUT,
                                  "waited %s for %s: %u of %u files arrived; check that "
                                  "the sender writes there, or give the wait a longer timeout",
                                  waited, data->glob, data->last_count, data->min_count));

  return G_SOURCE_REMOVE;
}

static gboolean
wait_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = g_object_ref (user_data);
  GError *error = NULL;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  wait_return_error (task, error);

  return G_SOURCE_REMOVE;
}

void
troupe_inbox_wait_async (const char          *workspace_root,
                         const char          *glob,
                         guint                min_count,
                         gint64               timeout_ms,
                         gint64               poll_ms,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_auto(GStrv) parts = NULL;
  g_autofree char *folder_rel = NULL;
  g_autofree char *folder = NULL;
  WaitData *data;

  g_return_if_fail (workspace_root != NULL);
  g_return_if_fail (glob != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, troupe_inbox_wait_async);

  data = g_new0 (WaitData, 1);
  data->task = task;
  data->workspace_root = g_strdup (workspace_root);
  data->glob = g_strdup (glob);
  data->min_count = min_count;
  data->timeout_ms = timeout_ms;
  g_task_set_task_data (task, data, wait_data_free);

  if (g_task_return_error_if_cancelled (task))
    return;

  /* Files that are there already end the wait at once. GTask delivers the
   * result from an idle, never from inside this call. This also reports a
   * bad glob or an unsafe folder. */
  if (wait_check (task))
    return;

  /* The folder must exist for the monitor to watch it. The check above
   * found it inside the workspace. */
  parts = split_glob (glob, NULL);
  g_assert (parts != NULL);
  folder_rel = glob_folder ((const char * const *) parts);
  folder = g_build_filename (workspace_root, folder_rel, NULL);
  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      GError *error = NULL;

      set_io_error (&error, errno, "could not create %s/ to wait for %s",
                    folder_rel[0] != '\0' ? folder_rel : ".", glob);
      wait_return_error (task, error);
      return;
    }

  /* A monitor watches one folder: for a glob with wildcards in its folders
   * (any agent's inbox, say) it sees the first level only,
   * and the polling below finds the rest. A monitor that cannot be had
   * (no inotify, too many watches) leaves polling alone to do the work. */
  if (monitor_enabled)
    {
      g_autoptr(GFile) file = g_file_new_for_path (folder);
      g_autoptr(GError) error = NULL;

      data->monitor = g_file_monitor_directory (file, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
      if (data->monitor != NULL)
        g_signal_connect (data->monitor, "changed", G_CALLBACK (wait_monitor_changed_cb), data);
      else
        g_debug ("Polling %s alone, as it cannot be monitored: %s", glob, error->message);
    }

  if (poll_ms <= 0)
    poll_ms = DEFAULT_POLL_MS;
  data->poll_source = attach_source (g_timeout_source_new ((guint) MIN (poll_ms, G_MAXUINT)),
                                     wait_poll_cb, task);

  /* timeout_ms <= 0: no time limit; only the cancellable ends the wait. */
  if (timeout_ms > 0)
    {
      guint interval = (guint) MIN (timeout_ms, G_MAXUINT);

      data->timeout_source = attach_source (g_timeout_source_new (interval),
                                            wait_timeout_cb, task);
    }

  if (cancellable != NULL)
    data->cancel_source = attach_source (g_cancellable_source_new (cancellable),
                                         G_SOURCE_FUNC (wait_cancelled_cb), task);
}

GStrv
troupe_inbox_wait_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == troupe_inbox_wait_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
