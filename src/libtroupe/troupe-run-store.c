/* troupe-run-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "troupe-run-store.h"
#include "troupe-workflow-io.h"

#define MIN_SNAPSHOT_INTERVAL_MS 200
#define APPROVAL_POLL_MS         500

struct _TroupeRunStore
{
  GObject           parent_instance;

  char             *id;
  char             *dir;
  TroupeRunRecord  *record;
  GFileMonitor     *approvals_monitor;

  gint64            last_flush_us;    /* how long the last snapshot took */
  /* Reused for every event line and every snapshot: allocating them
   * again each time cost more than writing them. */
  GString          *line;
  GString          *snapshot;
  /* The wall clock's current second, formatted once ("2026-11-21T01:45:02.")
   * for all the events of that second. */
  gint64            wall_second;
  char              wall_prefix[32];
  int               events_fd;
  int               lock_fd;
  GSource          *snapshot_source;
  GSource          *approvals_poll_source;

  guint             dirty : 1;
};

G_DEFINE_FINAL_TYPE (TroupeRunStore, troupe_run_store, G_TYPE_OBJECT)

enum {
  APPROVAL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Timers go to the thread-default main context, where the run lives (its
 * processes and waits already did): g_timeout_add() attaches to the
 * global default context, so a run driven on another one never saw them
 * fire. The store keeps the sources themselves, so it removes them
 * whatever context is the thread-default one when it is disposed. */
static GSource *
add_timeout (guint       interval_ms,
             GSourceFunc func,
             gpointer    data)
{
  GSource *source = g_timeout_source_new (interval_ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
troupe_run_store_dispose (GObject *object)
{
  TroupeRunStore *self = (TroupeRunStore *)object;

  /* Whatever the journal holds that the snapshot does not yet, write it:
   * state.json is what people and tools read. */
  if (self->dirty && self->record != NULL)
    troupe_run_store_flush (self, NULL);

  clear_source (&self->snapshot_source);
  clear_source (&self->approvals_poll_source);
  if (self->approvals_monitor != NULL)
    g_file_monitor_cancel (self->approvals_monitor);
  g_clear_object (&self->approvals_monitor);

  G_OBJECT_CLASS (troupe_run_store_parent_class)->dispose (object);
}

static void
troupe_run_store_finalize (GObject *object)
{
  TroupeRunStore *self = (TroupeRunStore *)object;

  if (self->events_fd >= 0)
    close (self->events_fd);
  /* Closing the file releases the flock. */
  if (self->lock_fd >= 0)
    close (self->lock_fd);
  g_clear_pointer (&self->record, troupe_run_record_free);
  if (self->line != NULL)
    g_string_free (self->line, TRUE);
  if (self->snapshot != NULL)
    g_string_free (self->snapshot, TRUE);
  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->dir, g_free);

  G_OBJECT_CLASS (troupe_run_store_parent_class)->finalize (object);
}

static void
troupe_run_store_class_init (TroupeRunStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = troupe_run_store_dispose;
  object_class->finalize = troupe_run_store_finalize;

  signals[APPROVAL] =
    g_signal_new ("approval", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_STRING, G_TYPE_BOOLEAN, G_TYPE_STRING, G_TYPE_STRING);
}

static void
troupe_run_store_init (TroupeRunStore *self)
{
  self->events_fd = -1;
  self->lock_fd = -1;
  self->wall_second = -1;
  self->line = g_string_sized_new (512);
}

static char *
runs_dir (const char *workspace_root)
{
  return g_build_filename (workspace_root, ".troupe", "runs", NULL);
}

static gboolean
run_id_is_valid (const char *run_id)
{
  if (run_id == NULL || *run_id == '\0' || strlen (run_id) > 64 || run_id[0] == '.')
    return FALSE;
  for (const char *p = run_id; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static gboolean
set_errno_error (GError     **error,
                 int          saved_errno,
                 const char  *what,
                 const char  *path)
{
  g_set_error (error, TROUPE_RUN_RECORD_ERROR, TROUPE_RUN_RECORD_ERROR_IO,
               "cannot %s %s: %s", what, path, g_strerror (saved_errno));
  return FALSE;
}

static gboolean
take_lock (TroupeRunStore  *self,
           GError         **error)
{
  g_autofree char *path = g_build_filename (self->dir, "lock", NULL);

  self->lock_fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (self->lock_fd < 0)
    return set_errno_error (error, errno, "open", path);

  /* The lock dies with the process that holds it, so a run whose runner
   * was killed can be resumed at once; almost: a child that the runner
   * was starting holds a copy of the descriptor until it execs, a few
   * milliseconds. So a held lock is tried again for a moment. */
  for (guint tries = 0; flock (self->lock_fd, LOCK_EX | LOCK_NB) != 0; tries++)
    {
      int saved = errno;

      if (saved == EWOULDBLOCK && tries < 20)
        {
          g_usleep (10 * 1000);
          continue;
        }

      if (saved == EWOULDBLOCK)
        g_set_error (error, TROUPE_RUN_RECORD_ERROR, TROUPE_RUN_RECORD_ERROR_LOCKED,
                     "run %s is being run by another process; wait for it or stop it first", self->id);
      else
        set_errno_error (error, saved, "lock", path);
      return FALSE;
    }

  return TRUE;
}

static gboolean
open_journal (TroupeRunStore  *self,
              GError         **error)
{
  g_autofree char *path = g_build_filename (self->dir, "events.jsonl", NULL);

  self->events_fd = g_open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (self->events_fd < 0)
    return set_errno_error (error, errno, "open", path);
  return TRUE;
}

static char *
new_run_id (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");

  return g_strdup_printf ("%s-%04x", stamp, g_random_int_range (0, 0x10000));
}

TroupeRunStore *
troupe_run_store_create (const char  *workspace_root,
                         const char  *run_id,
                         const char  *workflow_yaml,
                         GError     **error)
{
  g_autoptr(TroupeRunStore) self = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *workflow_path = NULL;
  static const char * const subdirs[] = { "logs", "outputs", "approvals" };

  g_return_val_if_fail (workspace_root != NULL, NULL);
  g_return_val_if_fail (workflow_yaml != NULL, NULL);

  if (run_id != NULL && !run_id_is_valid (run_id))
    {
      g_set_error (error, TROUPE_RUN_RECORD_ERROR, TROUPE_RUN_RECORD_ERROR_INVALID,
                   "'%s' is not a valid run id: use letters, digits, '-' and '_'", run_id);
      return NULL;
    }

  self = g_object_new (TROUPE_TYPE_RUN_STORE, NULL);
  self->record = troupe_run_record_new ();
  parent = runs_dir (workspace_root);
  if (g_mkdir_with_parents (parent, 0755) != 0)
    {
      set_errno_error (error, errno, "create", parent);
      return NULL;
    }

  /* g_mkdir() fails on an existing folder: the id is ours alone. */
  for (guint tries = 0; ; tries++)
    {
      g_free (self->id);
      g_free (self->dir);
      self->id = run_id ? g_strdup (run_id) : new_run_id ();
      self->dir = g_build_filename (parent, self->id, NULL);
      if (g_mkdir (self->dir, 0755) == 0)
        break;
      if (errno != EEXIST || run_id != NULL || tries > 100)
        {
          set_errno_error (error, errno, "create", self->dir);
          return NULL;
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *sub = g_build_filename (self->dir, subdirs[i], NULL);

      if (g_mkdir (sub, 0755) != 0)
        {
          set_errno_error (error, errno, "create", sub);
          return NULL;
        }
    }

  workflow_path = g_build_filename (self->dir, "workflow.yaml", NULL);
  if (!troupe_write_file_atomically (workflow_path, workflow_yaml, strlen (workflow_yaml), error))
    return NULL;

  if (!take_lock (self, error) || !open_journal (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/* Reads state.json (if any) and replays the journal after it. A last
 * line without its newline is a write the runner did not finish: it is
 * dropped (and, when @repair, cut off the file so appends start clean). */
static TroupeRunRecord *
load_record (const char  *dir,
             const char  *run_id,
             gboolean     repair,
             GError     **error)
{
  g_autofree char *state_path = g_build_filename (dir, "state.json", NULL);
  g_autofree char *events_path = g_build_filename (dir, "events.jsonl", NULL);
  g_autofree char *events = NULL;
  g_autoptr(TroupeRunRecord) record = NULL;
  gsize length = 0;
  gsize good_end = 0;
  guint line_no = 0;

  if (g_file_test (state_path, G_FILE_TEST_EXISTS))
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (!json_parser_load_from_file (parser, state_path, error))
        return NULL;
      record = troupe_run_record_new_from_json (json_parser_get_root (parser), error);
      if (record == NULL)
        {
          g_prefix_error (error, "%s: ", state_path);
          return NULL;
        }
    }
  else
    record = troupe_run_record_new ();

  if (!g_file_get_contents (events_path, &events, &length, NULL))
    {
      if (troupe_run_record_get_seq (record) == 0)
        {
          g_set_error (error, TROUPE_RUN_RECORD_ERROR, TROUPE_RUN_RECORD_ERROR_NOT_FOUND,
                       "run %s has no events.jsonl; it is not a Troupe run", run_id);
          return NULL;
        }
      return g_steal_pointer (&record);
    }

  for (gsize start = 0; start < length; )
    {
      const char *nl = memchr (events + start, '\n', length - start);
      g_autoptr(JsonParser) parser = NULL;
      g_autoptr(GError) local_error = NULL;
      JsonObject *event;
      gsize end;

      line_no++;
      if (nl == NULL)
        break;
      end = nl - events;

      parser = json_parser_new ();
      if (!json_parser_load_from_data (parser, events + start, end - start, &local_error) ||
          !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        {
          g_set_error (error, TROUPE_RUN_RECORD_ERROR, TROUPE_RUN_RECORD_ERROR_INVALID,
                       "%s:%u: not an event: %s", events_path, line_no,
                       local_error ? local_error->message : "not a JSON object");
          return NULL;
        }
      event = json_node_get_object (json_parser_get_root (parser));
      if (json_object_get_int_member_with_default (event, "seq", 0) > troupe_run_record_get_seq (record) &&
          !troupe_run_record_apply (record, event, &local_error))
        {
          g_set_error (error, TROUPE_RUN_RECORD_ERROR, TROUPE_RUN_RECORD_ERROR_INVALID,
                       "%s:%u: %s", events_path, line_no, local_error->message);
          return NULL;
        }
      start = end + 1;
      good_end = start;
    }

  if (repair && good_end < length && truncate (events_path, good_end) != 0)
    {
      set_errno_error (error, errno, "repair", events_path);
      return NULL;
    }

  return g_steal_pointer (&record);
}

static char *
run_dir_for (const char  *workspace_root,
             const char  *run_id,
             GError     **error)
{
  g_autofree char *parent = runs_dir (workspace_root);
  g_autofree char *dir = NULL;

  if (!run_id_is_valid (run_id))
    {
      g_set_error (error, TROUPE_RUN_RECORD_ERROR, TROUPE_RUN_RECORD_ERROR_NOT_FOUND,
                   "'%s' is not a run id; 'troupe runs' lists the runs", run_id);
      return NULL;
    }

  dir = g_build_filename (parent, run_id, NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, TROUPE_RUN_RECORD_ERROR, TROUPE_RUN_RECORD_ERROR_NOT_FOUND,
                   "there is no run %s in %s; 'troupe runs' lists the runs", run_id, workspace_root);
      return NULL;
    }

  return g_steal_pointer (&dir);
}

TroupeRunStore *
troupe_run_store_open (const char  *workspace_root,
                       const char  *run_id,
                       GError     **error)
{
  g_autoptr(TroupeRunStore) self = NULL;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (workspace_root != NULL, NULL);
  g_return_val_if_fail (run_id != NULL, NULL);

  if ((dir = run_dir_for (workspace_root, run_id, error)) == NULL)
    return NULL;

  self = g_object_new (TROUPE_TYPE_RUN_STORE, NULL);
  self->id = g_strdup (run_id);
  self->dir = g_steal_pointer (&dir);

  /* Lock before reading, so no other runner appends while we load. */
  if (!take_lock (self, error))
    return NULL;
  if ((self->record = load_record (self->dir, run_id, TRUE, error)) == NULL)
    return NULL;
  if (!open_journal (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

TroupeRunRecord *
troupe_run_store_load_record (const char  *workspace_root,
                              const char  *run_id,
                              GError     **error)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (workspace_root != NULL, NULL);
  g_return_val_if_fail (run_id != NULL, NULL);

  if ((dir = run_dir_for (workspace_root, run_id, error)) == NULL)
    return NULL;
  return load_record (dir, run_id, FALSE, error);
}

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  TroupeRunRecord *ra = *(TroupeRunRecord * const *) a;
  TroupeRunRecord *rb = *(TroupeRunRecord * const *) b;

  return -g_strcmp0 (troupe_run_record_get_id (ra), troupe_run_record_get_id (rb));
}

GPtrArray *
troupe_run_store_list (const char *workspace_root)
{
  GPtrArray *runs = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_run_record_free);
  g_autofree char *parent = runs_dir (workspace_root);
  g_autoptr(GDir) dir = g_dir_open (parent, 0, NULL);
  const char *name;

  if (dir == NULL)
    return runs;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      TroupeRunRecord *record = troupe_run_store_load_record (workspace_root, name, NULL);

      if (record != NULL)
        g_ptr_array_add (runs, record);
    }

  g_ptr_array_sort (runs, compare_newest_first);
  return runs;
}

gboolean
troupe_run_store_is_locked (const char *workspace_root,
                            const char *run_id)
{
  g_autofree char *parent = NULL;
  g_autofree char *path = NULL;
  gboolean locked;
  int fd;

  g_return_val_if_fail (workspace_root != NULL, FALSE);
  g_return_val_if_fail (run_id != NULL, FALSE);

  if (!run_id_is_valid (run_id))
    return FALSE;
  parent = runs_dir (workspace_root);
  path = g_build_filename (parent, run_id, "lock", NULL);
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;

  /* A shared lock for a moment: it conflicts only with a runner's
   * exclusive one. A runner starting right now waits for it (take_lock()
   * tries again). Any other failure says nothing about the runner, so it
   * is not taken for its death. */
  if (flock (fd, LOCK_SH | LOCK_NB) == 0)
    {
      flock (fd, LOCK_UN);
      locked = FALSE;
    }
  else
    locked = TRUE;
  close (fd);

  return locked;
}

const char *
troupe_run_store_get_id (TroupeRunStore *self)
{
  g_return_val_if_fail (TROUPE_IS_RUN_STORE (self), NULL);
  return self->id;
}

const char *
troupe_run_store_get_dir (TroupeRunStore *self)
{
  g_return_val_if_fail (TROUPE_IS_RUN_STORE (self), NULL);
  return self->dir;
}

char *
troupe_run_store_dup_workflow_path (TroupeRunStore *self)
{
  g_return_val_if_fail (TROUPE_IS_RUN_STORE (self), NULL);
  return g_build_filename (self->dir, "workflow.yaml", NULL);
}

TroupeRunRecord *
troupe_run_store_get_record (TroupeRunStore *self)
{
  g_return_val_if_fail (TROUPE_IS_RUN_STORE (self), NULL);
  return self->record;
}

static gboolean
on_snapshot_cb (gpointer user_data)
{
  TroupeRunStore *self = user_data;
  g_autoptr(GError) error = NULL;

  clear_source (&self->snapshot_source);
  if (!troupe_run_store_flush (self, &error))
    g_warning ("Cannot write the snapshot of run %s: %s", self->id, error->message);
  return G_SOURCE_REMOVE;
}

/* "2026-11-21T01:45:02.123456Z": what g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ")
 * gives, for a fraction of its cost; the part up to the second is only
 * formatted when the second changes. */
static void
format_wall (TroupeRunStore *self,
             gint64          now_us,
             char            wall[32])
{
  gint64 second = now_us / G_USEC_PER_SEC;
  gint64 micro = now_us % G_USEC_PER_SEC;

  if (second != self->wall_second)
    {
      g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc (second);
      g_autofree char *prefix = date != NULL ? g_date_time_format (date, "%Y-%m-%dT%H:%M:%S.") : NULL;

      g_strlcpy (self->wall_prefix,
                 prefix != NULL && strlen (prefix) < sizeof self->wall_prefix ? prefix : "1970-01-01T00:00:00.",
                 sizeof self->wall_prefix);
      self->wall_second = second;
    }

  g_snprintf (wall, 32, "%s%06dZ", self->wall_prefix, (int) micro);
}

gboolean
troupe_run_store_append (TroupeRunStore  *self,
                         JsonObject      *event,
                         GError         **error)
{
  g_autoptr(JsonNode) node = NULL;
  char wall[32];
  const char *name;
  guint session;

  g_return_val_if_fail (TROUPE_IS_RUN_STORE (self), FALSE);
  g_return_val_if_fail (event != NULL, FALSE);

  /* The node owns the event from here on, whatever happens below. */
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, event);

  name = json_object_get_string_member_with_default (event, "event", "");
  session = troupe_run_record_get_session (self->record);
  if (g_str_equal (name, "run-started"))
    session = 1;
  else if (g_str_equal (name, "run-resumed"))
    session++;

  format_wall (self, g_get_real_time (), wall);
  json_object_set_int_member (event, "seq", troupe_run_record_get_seq (self->record) + 1);
  json_object_set_string_member (event, "wall", wall);
  json_object_set_int_member (event, "mono_us", g_get_monotonic_time ());
  json_object_set_int_member (event, "session", session);

  if (!troupe_run_record_apply (self->record, event, error))
    return FALSE;

  g_string_truncate (self->line, 0);
  troupe_run_record_append_json (self->line, node);
  g_string_append_c (self->line, '\n');

  /* One write per event: a killed runner leaves whole lines, at worst
   * without the last one. */
  if (!troupe_write_all (self->events_fd, self->line->str, self->line->len))
    {
      g_autofree char *path = g_build_filename (self->dir, "events.jsonl", NULL);
      return set_errno_error (error, errno, "append to", path);
    }

  self->dirty = TRUE;
  if (self->snapshot_source == NULL)
    {
      /* Snapshots cost time proportional to the run's size; spacing them
       * by ten times what the last one took keeps them under a tenth of
       * the run, however large it is. */
      guint interval = MAX (MIN_SNAPSHOT_INTERVAL_MS, (guint) (self->last_flush_us * 10 / 1000));

      self->snapshot_source = add_timeout (interval, on_snapshot_cb, self);
    }

  return TRUE;
}

gboolean
troupe_run_store_flush (TroupeRunStore  *self,
                        GError         **error)
{
  g_autofree char *path = NULL;
  gint64 begin = g_get_monotonic_time ();

  g_return_val_if_fail (TROUPE_IS_RUN_STORE (self), FALSE);

  clear_source (&self->snapshot_source);

  /* Written straight into one string: building a JSON tree of a large
   * run's state and freeing it again cost most of the snapshot's time
   * and, at its peak, several KiB per step. The string is kept for the
   * next snapshot, which is about as large: growing a fresh one again
   * each time mapped and faulted in its pages again. */
  if (self->snapshot == NULL)
    self->snapshot = g_string_sized_new (4096);
  g_string_truncate (self->snapshot, 0);
  troupe_run_record_write_json (self->record, self->snapshot);
  path = g_build_filename (self->dir, "state.json", NULL);
  if (!troupe_write_file_atomically (path, self->snapshot->str, self->snapshot->len, error))
    return FALSE;
  /* A run that is over takes no more snapshots soon. */
  if (troupe_run_record_get_status (self->record) != TROUPE_RUN_STATUS_RUNNING)
    {
      g_string_free (self->snapshot, TRUE);
      self->snapshot = NULL;
    }

  self->dirty = FALSE;
  /* Measured once everything is freed again: it is all part of the cost
   * that the spacing of snapshots keeps small. */
  self->last_flush_us = g_get_monotonic_time () - begin;
  return TRUE;
}

static char *
file_safe (const char *instance)
{
  char *safe = g_strdup (instance);

  /* "review[3]" -> "review_3_": brackets are awkward in shells and globs. */
  g_strdelimit (safe, "[]/", '_');
  return safe;
}

char *
troupe_run_store_log_path (TroupeRunStore *self,
                           const char     *instance,
                           guint           attempt,
                           const char     *stream)
{
  g_autofree char *safe = file_safe (instance);

  g_return_val_if_fail (TROUPE_IS_RUN_STORE (self), NULL);
  return g_strdup_printf ("logs/%s.%u.%s", safe, attempt, stream);
}

char *
troupe_run_store_output_path (TroupeRunStore *self,
                              const char     *instance,
                              gboolean        spill)
{
  g_autofree char *safe = file_safe (instance);

  g_return_val_if_fail (TROUPE_IS_RUN_STORE (self), NULL);
  return g_strdup_printf ("outputs/%s.%s", safe, spill ? "spill" : "txt");
}

char *
troupe_run_store_resolve (TroupeRunStore *self,
                          const char     *relative)
{
  g_return_val_if_fail (TROUPE_IS_RUN_STORE (self), NULL);
  return g_build_filename (self->dir, relative, NULL);
}

gboolean
troupe_run_store_write_approval (const char  *workspace_root,
                                 const char  *run_id,
                                 const char  *instance,
                                 gboolean     approved,
                                 const char  *by,
                                 const char  *note,
                                 GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *safe = file_safe (instance);
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  if ((dir = run_dir_for (workspace_root, run_id, error)) == NULL)
    return FALSE;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "instance");
  json_builder_add_string_value (builder, instance);
  json_builder_set_member_name (builder, "approved");
  json_builder_add_boolean_value (builder, approved);
  json_builder_set_member_name (builder, "by");
  json_builder_add_string_value (builder, by ? by : g_get_user_name ());
  json_builder_set_member_name (builder, "note");
  if (note != NULL)
    json_builder_add_string_value (builder, note);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  data = json_generator_to_data (generator, NULL);

  name = g_strdup_printf ("%s.json", safe);
  path = g_build_filename (dir, "approvals", name, NULL);
  return troupe_write_file_atomically (path, data, strlen (data), error);
}

static void
check_approvals (TroupeRunStore *self)
{
  g_autofree char *dir_path = g_build_filename (self->dir, "approvals", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return;

  /* Collect first: handlers may finish the run and drop the store. */
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".json"))
      g_ptr_array_add (names, g_strdup (name));

  g_object_ref (self);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir_path, g_ptr_array_index (names, i), NULL);
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *object;

      if (!json_parser_load_from_file (parser, path, NULL) ||
          !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        continue;
      object = json_node_get_object (json_parser_get_root (parser));
      g_unlink (path);
      g_signal_emit (self, signals[APPROVAL], 0,
                     json_object_get_string_member_with_default (object, "instance", ""),
                     json_object_get_boolean_member_with_default (object, "approved", FALSE),
                     json_object_get_string_member_with_default (object, "by", NULL),
                     json_object_get_string_member_with_default (object, "note", NULL));
    }
  g_object_unref (self);
}

static void
on_approvals_changed_cb (GFileMonitor      *monitor,
                         GFile             *file,
                         GFile             *other,
                         GFileMonitorEvent  event,
                         TroupeRunStore    *self)
{
  if (event == G_FILE_MONITOR_EVENT_CREATED || event == G_FILE_MONITOR_EVENT_MOVED_IN ||
      event == G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT || event == G_FILE_MONITOR_EVENT_RENAMED)
    check_approvals (self);
}

static gboolean
on_approvals_poll_cb (gpointer user_data)
{
  check_approvals (user_data);
  return G_SOURCE_CONTINUE;
}

void
troupe_run_store_watch_approvals (TroupeRunStore *self)
{
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;

  g_return_if_fail (TROUPE_IS_RUN_STORE (self));

  if (self->approvals_poll_source != NULL)
    return;

  path = g_build_filename (self->dir, "approvals", NULL);
  g_mkdir_with_parents (path, 0755);
  file = g_file_new_for_path (path);
  /* The monitor answers at once; the poll covers file systems where
   * monitors see nothing (network mounts). */
  self->approvals_monitor = g_file_monitor_directory (file, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
  if (self->approvals_monitor != NULL)
    g_signal_connect_object (self->approvals_monitor, "changed",
                             G_CALLBACK (on_approvals_changed_cb), self, 0);
  self->approvals_poll_source = add_timeout (APPROVAL_POLL_MS, on_approvals_poll_cb, self);
}
