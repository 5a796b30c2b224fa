/* troupe-process.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

/* close_range(), strchrnul() and environ. */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include "troupe-process.h"
#include "troupe-workflow-io.h"

/* vfork() starts a child without copying the parent's page tables, which
 * makes spawning several times faster than fork() in a small process and
 * tens of times faster in a large one (the desktop app). GLib only spawns
 * that way (through posix_spawn()) when there is neither a working folder
 * nor a child_setup function, and a step needs both, so Troupe does it
 * itself, as posix_spawn() does, minus its per-call costs (see
 * vfork_exec()). It needs Linux and glibc 2.34 (close_range());
 * elsewhere, or built with -DTROUPE_PROCESS_NO_POSIX_SPAWN, GLib's fork()
 * path does the same job. */
#if defined(__linux__) && defined(__GLIBC__) && !defined(TROUPE_PROCESS_NO_POSIX_SPAWN)
# if __GLIBC_PREREQ (2, 34)
#  define USE_VFORK 1
# endif
#endif

/* One read of the child's stdout: the default pipe capacity on Linux, so a
 * full pipe drains in one call. */
#define READ_CHUNK ((gsize) 64 * 1024)

/* After the leader has exited, the rest of its process group is checked at
 * these growing intervals until it is gone or the grace period ends. */
#define GROUP_POLL_FIRST_MS 1
#define GROUP_POLL_MAX_MS   50

/* SIGKILL cannot be refused, but the kernel takes a moment to carry it
 * out; a process stuck in the kernel (uninterruptible I/O) may take
 * longer, and is given up on after this. */
#define KILL_WAIT_MAX_MS    1000

/* Once the whole group is gone, the pipes must reach end-of-file almost at
 * once; if they do not, something outside the group (a daemon that called
 * setsid) holds them, and waiting longer than this would hang the step. */
#define PIPE_LINGER_MIN_MS  1000

struct _TroupeProcess
{
  GObject        parent_instance;

  /* Configuration. */
  char         **argv;
  char          *cwd;
  /* Pairs: name, value (NULL: unset), name, value, ... */
  GPtrArray     *env;
  GBytes        *stdin_data;
  char          *stdout_log_path;
  char          *stderr_log_path;
  char          *spill_path;

  /* Owned while running. The task holds a reference on the process, so
   * nothing below can be finalized under a pending callback. */
  GTask         *task;
  GMainContext  *context;
  GByteArray    *output;
  GError        *io_error;
  GSource       *child_watch_source;
  GSource       *stdout_source;
  GSource       *stderr_source;
  GSource       *stdin_source;
  GSource       *timeout_source;
  GSource       *kill_source;
  GSource       *group_poll_source;
  GSource       *linger_source;
  GSource       *cancel_source;

  /* Owned after completion. */
  GBytes        *output_bytes;

  guint64        output_cap;
  guint64        output_size;
  gint64         timeout_ms;
  gint64         kill_grace_ms;
  gint64         start_time;
  gint64         kill_time;
  gint64         duration;
  gsize          stdin_offset;
  GPid           pid;
  int            stdout_fd;
  int            stderr_fd;      /* with lazy logs: the read end of the stderr pipe */
  int            stdin_fd;
  int            stdout_log_fd;
  int            stderr_log_fd;  /* with lazy logs, once stderr wrote something */
  int            spill_fd;
  int            exit_code;
  int            term_signal;
  guint          group_poll_ms;

  guint          started : 1;
  guint          exited : 1;
  guint          stdout_done : 1;
  guint          stderr_done : 1;
  guint          stdin_done : 1;
  guint          group_done : 1;
  guint          term_sent : 1;
  guint          kill_sent : 1;
  guint          completed : 1;
  guint          disposed : 1;
  guint          search_path_from_envp : 1;
  guint          timed_out : 1;
  guint          terminated : 1;
  guint          spilled : 1;
  guint          lazy_logs : 1;
  guint          stdout_log_failed : 1;
  guint          stderr_log_failed : 1;
};

G_DEFINE_FINAL_TYPE (TroupeProcess, troupe_process, G_TYPE_OBJECT)

G_DEFINE_QUARK (troupe-process-error-quark, troupe_process_error)

/* Filled once in class_init. Every child starts with an empty signal mask
 * and SIGPIPE at its default: we ignore SIGPIPE (see class_init), and an
 * ignored signal would survive exec. */
static sigset_t empty_sigset;

static void maybe_complete      (TroupeProcess *self);
static void check_group         (TroupeProcess *self);

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static GSource *
add_timeout (TroupeProcess *self,
             gint64         ms,
             GSourceFunc    func)
{
  GSource *source;

  source = g_timeout_source_new ((guint) CLAMP (ms, 0, G_MAXUINT));
  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->context);

  return source;
}

/* The child's 0, 1 and 2 are set up by dup2() from our descriptors; one of
 * ours being 0, 1 or 2 itself (a parent started with them closed) would be
 * overwritten on the way, so they are kept above. */
static int
raise_fd (int fd)
{
  int high;

  if (fd < 0 || fd > 2)
    return fd;

  high = fcntl (fd, F_DUPFD_CLOEXEC, 3);
  close (fd);

  return high;
}

static int
open_for_writing (const char  *path,
                  const char  *what,
                  GError     **error)
{
  int fd;

  do
    fd = raise_fd (open (path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666));
  while (fd < 0 && errno == EINTR);

  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, TROUPE_PROCESS_ERROR, TROUPE_PROCESS_ERROR_IO,
                   "could not open the %s '%s': %s; check that its folder "
                   "exists and is writable",
                   what, path, g_strerror (saved_errno));
    }

  return fd;
}

/* Keeps the first write error only: later ones are usually its echo. */
static void
set_io_error (TroupeProcess *self,
              const char    *what,
              const char    *path,
              int            saved_errno)
{
  if (self->io_error != NULL)
    return;

  g_set_error (&self->io_error, TROUPE_PROCESS_ERROR, TROUPE_PROCESS_ERROR_IO,
               "could not write the %s '%s': %s; check the free space and "
               "the permissions of its folder",
               what, path, g_strerror (saved_errno));
}

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    {
      g_close (*fd, NULL);
      *fd = -1;
    }
}

static void
signal_group (TroupeProcess *self,
              int            signum)
{
  g_assert (self->pid > 0);

  /* ESRCH (an empty group) is the expected, harmless failure. */
  killpg (self->pid, signum);
}

#ifdef __linux__
/* TRUE when /proc/@pid/stat shows a process of group @pgid that is not a
 * zombie. */
static gboolean
proc_entry_is_live_member (const char *pid,
                           pid_t       pgid)
{
  char path[64];
  char buf[512];
  const char *p;
  char state;
  long pgrp;
  gssize n;
  int fd;

  g_snprintf (path, sizeof path, "/proc/%s/stat", pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return FALSE;
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return FALSE;
  buf[n] = '\0';

  /* The command name may hold spaces and parentheses: the fields after it
   * start after the last ')'. */
  p = strrchr (buf, ')');
  if (p == NULL || sscanf (p + 1, " %c %*d %ld", &state, &pgrp) != 2)
    return FALSE;

  return pgrp == pgid && state != 'Z' && state != 'X';
}
#endif

/* Whether anything in the child's process group is still running.
 * killpg (pgid, 0) also succeeds for zombies, and an orphaned grandchild
 * stays a zombie forever when PID 1 does not reap (a common container
 * setup), so on Linux a positive answer is confirmed in /proc. This only
 * runs in the rare case where the leader left something behind. */
static gboolean
group_has_live_members (pid_t pgid)
{
#ifdef __linux__
  DIR *dir;
  struct dirent *entry;
  gboolean live = FALSE;
#endif

  if (killpg (pgid, 0) != 0)
    return FALSE;

#ifdef __linux__
  dir = opendir ("/proc");
  if (dir == NULL)
    return TRUE;

  while (!live && (entry = readdir (dir)) != NULL)
    {
      if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
        continue;
      live = proc_entry_is_live_member (entry->d_name, pgid);
    }
  closedir (dir);

  return live;
#else
  return TRUE;
#endif
}

static void
send_kill (TroupeProcess *self)
{
  signal_group (self, SIGKILL);
  self->kill_sent = TRUE;
  self->term_sent = TRUE;
  self->kill_time = g_get_monotonic_time ();
}

static gboolean
kill_cb (gpointer user_data)
{
  TroupeProcess *self = user_data;

  g_clear_pointer (&self->kill_source, g_source_unref);

  send_kill (self);

  if (self->exited)
    check_group (self);

  return G_SOURCE_REMOVE;
}

/* SIGTERM to the group now, SIGKILL after the grace period. Only sends
 * once, however many reasons there are to stop. */
static void
send_term (TroupeProcess *self)
{
  if (self->term_sent)
    return;

  self->term_sent = TRUE;
  clear_source (&self->timeout_source);

  if (self->kill_grace_ms <= 0 || self->disposed)
    {
      send_kill (self);
      return;
    }

  signal_group (self, SIGTERM);
  /* A stopped process only acts on SIGTERM once it runs again. */
  signal_group (self, SIGCONT);
  self->kill_source = add_timeout (self, self->kill_grace_ms, kill_cb);
}

static void
abandon_stdout (TroupeProcess *self)
{
  clear_source (&self->stdout_source);
  self->stdout_done = TRUE;
}

static void
abandon_stderr (TroupeProcess *self)
{
  clear_source (&self->stderr_source);
  self->stderr_done = TRUE;
}

static void
finish_stdin (TroupeProcess *self)
{
  clear_source (&self->stdin_source);
  self->stdin_done = TRUE;

  /* Closing the write end is the child's end-of-file. */
  close_fd (&self->stdin_fd);
}

static gboolean
linger_cb (gpointer user_data)
{
  TroupeProcess *self = user_data;

  g_clear_pointer (&self->linger_source, g_source_unref);

  g_debug ("'%s' exited but a process outside its group still holds its "
           "pipes; not waiting for them any longer", self->argv[0]);

  if (!self->stdout_done)
    abandon_stdout (self);
  if (!self->stderr_done)
    abandon_stderr (self);
  if (!self->stdin_done)
    finish_stdin (self);

  maybe_complete (self);

  return G_SOURCE_REMOVE;
}

static void
group_finished (TroupeProcess *self)
{
  self->group_done = TRUE;
  clear_source (&self->group_poll_source);
  clear_source (&self->kill_source);

  if ((!self->stdout_done || !self->stderr_done || !self->stdin_done) && self->linger_source == NULL)
    self->linger_source = add_timeout (self,
                                       MAX (self->kill_grace_ms, PIPE_LINGER_MIN_MS),
                                       linger_cb);

  maybe_complete (self);
}

static gboolean
group_poll_cb (gpointer user_data)
{
  TroupeProcess *self = user_data;

  g_clear_pointer (&self->group_poll_source, g_source_unref);
  check_group (self);

  return G_SOURCE_REMOVE;
}

/* The leader has exited: whatever it left in its group must go too, with
 * the same SIGTERM-then-SIGKILL courtesy. */
static void
check_group (TroupeProcess *self)
{
  g_assert (self->exited);

  if (self->group_done)
    return;

  if (!group_has_live_members (self->pid) ||
      (self->kill_sent &&
       g_get_monotonic_time () - self->kill_time > KILL_WAIT_MAX_MS * 1000))
    {
      group_finished (self);
      return;
    }

  send_term (self);

  if (self->group_poll_source == NULL)
    {
      self->group_poll_ms = self->group_poll_ms == 0
        ? GROUP_POLL_FIRST_MS
        : MIN (self->group_poll_ms * 2, GROUP_POLL_MAX_MS);
      self->group_poll_source = add_timeout (self, self->group_poll_ms, group_poll_cb);
    }
}

/* The log descriptor a chunk of stdout (or, with lazy logs, stderr) goes
 * to, -1 for none. With lazy logs a log file is only created when its
 * stream's first byte arrives: most steps print nothing on one stream or
 * on both, and creating two files per attempt was the largest part of what
 * a trivial step cost. When both streams name the same file, they share
 * its descriptor. */
static int
log_fd (TroupeProcess *self,
        gboolean       err)
{
  g_autoptr(GError) error = NULL;
  gboolean shared = err && self->stdout_log_path != NULL &&
                    g_strcmp0 (self->stderr_log_path, self->stdout_log_path) == 0;
  gboolean use_err = err && !shared;
  int *fd = use_err ? &self->stderr_log_fd : &self->stdout_log_fd;
  const char *path = use_err ? self->stderr_log_path : self->stdout_log_path;
  gboolean failed = use_err ? self->stderr_log_failed : self->stdout_log_failed;

  if (*fd >= 0 || path == NULL || failed)
    return *fd;

  *fd = open_for_writing (path, use_err ? "stderr log" : "stdout log", &error);
  if (*fd < 0)
    {
      /* Said once: the stream's next chunks do not try again. */
      if (use_err)
        self->stderr_log_failed = TRUE;
      else
        self->stdout_log_failed = TRUE;
      if (self->io_error == NULL)
        self->io_error = g_steal_pointer (&error);
    }

  return *fd;
}

static void
write_log (TroupeProcess *self,
           gboolean       err,
           const guint8  *data,
           gsize          len)
{
  int fd = log_fd (self, err);

  if (fd >= 0 && !troupe_write_all (fd, data, len))
    {
      gboolean on_stdout = fd == self->stdout_log_fd;

      set_io_error (self, on_stdout ? "stdout log" : "stderr log",
                    on_stdout ? self->stdout_log_path : self->stderr_log_path, errno);
      if (on_stdout)
        {
          close_fd (&self->stdout_log_fd);
          self->stdout_log_failed = TRUE;
        }
      else
        {
          close_fd (&self->stderr_log_fd);
          self->stderr_log_failed = TRUE;
        }
    }
}

static void
handle_chunk (TroupeProcess *self,
              const guint8  *data,
              gsize          len)
{
  self->output_size += len;

  write_log (self, FALSE, data, len);

  if (self->spilled)
    {
      if (self->spill_fd >= 0 && !troupe_write_all (self->spill_fd, data, len))
        {
          set_io_error (self, "spill file", self->spill_path, errno);
          close_fd (&self->spill_fd);
        }
      return;
    }

  if (self->output_cap == 0 || self->output->len + len <= self->output_cap)
    {
      g_byte_array_append (self->output, data, (guint) len);
      return;
    }

  /* Past the cap: memory keeps the first output_cap bytes, and the spill
   * file gets everything, from the first byte on. */
  {
    gsize keep = (gsize) (self->output_cap - self->output->len);
    g_autoptr(GError) error = NULL;

    g_byte_array_append (self->output, data, (guint) keep);

    if (self->spill_path == NULL)
      return;

    self->spilled = TRUE;
    self->spill_fd = open_for_writing (self->spill_path, "spill file", &error);
    if (self->spill_fd < 0)
      {
        if (self->io_error == NULL)
          self->io_error = g_steal_pointer (&error);
        return;
      }

    if (!troupe_write_all (self->spill_fd, self->output->data, self->output->len) ||
        !troupe_write_all (self->spill_fd, data + keep, len - keep))
      {
        set_io_error (self, "spill file", self->spill_path, errno);
        close_fd (&self->spill_fd);
      }
  }
}

static gboolean
stdout_ready_cb (int          fd,
                 GIOCondition condition,
                 gpointer     user_data)
{
  TroupeProcess *self = user_data;
  guint8 buf[READ_CHUNK];
  gssize n;

  n = read (fd, buf, sizeof buf);

  if (n > 0)
    {
      handle_chunk (self, buf, (gsize) n);
      return G_SOURCE_CONTINUE;
    }

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return G_SOURCE_CONTINUE;

  /* End-of-file, or an error that no later read will cure. */
  g_clear_pointer (&self->stdout_source, g_source_unref);
  self->stdout_done = TRUE;
  maybe_complete (self);

  return G_SOURCE_REMOVE;
}

/* Only with lazy logs: stderr comes through a pipe so that its log is
 * created on its first byte. */
static gboolean
stderr_ready_cb (int          fd,
                 GIOCondition condition,
                 gpointer     user_data)
{
  TroupeProcess *self = user_data;
  guint8 buf[READ_CHUNK];
  gssize n;

  n = read (fd, buf, sizeof buf);

  if (n > 0)
    {
      write_log (self, TRUE, buf, (gsize) n);
      return G_SOURCE_CONTINUE;
    }

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&self->stderr_source, g_source_unref);
  self->stderr_done = TRUE;
  maybe_complete (self);

  return G_SOURCE_REMOVE;
}

static gboolean
stdin_ready_cb (int          fd,
                GIOCondition condition,
                gpointer     user_data)
{
  TroupeProcess *self = user_data;
  gsize size;
  const guint8 *data = g_bytes_get_data (self->stdin_data, &size);

  while (self->stdin_offset < size)
    {
      gssize n = write (fd, data + self->stdin_offset, size - self->stdin_offset);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN)
            return G_SOURCE_CONTINUE;
          /* EPIPE: the child does not want the rest of its input, which
           * is its business, not an error of ours. */
          break;
        }
      self->stdin_offset += (gsize) n;
    }

  finish_stdin (self);
  maybe_complete (self);

  return G_SOURCE_REMOVE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  TroupeProcess *self = user_data;

  g_clear_pointer (&self->timeout_source, g_source_unref);
  self->timed_out = TRUE;
  send_term (self);

  return G_SOURCE_REMOVE;
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  TroupeProcess *self = user_data;

  g_clear_pointer (&self->cancel_source, g_source_unref);
  troupe_process_terminate (self);

  return G_SOURCE_REMOVE;
}

static void
child_watch_cb (GPid     pid,
                int      status,
                gpointer user_data)
{
  TroupeProcess *self = user_data;

  g_clear_pointer (&self->child_watch_source, g_source_unref);
  g_spawn_close_pid (pid);

  self->exited = TRUE;
  if (WIFEXITED (status))
    self->exit_code = WEXITSTATUS (status);
  else if (WIFSIGNALED (status))
    self->term_signal = WTERMSIG (status);

  /* The leader is gone, so the step cannot time out any more; what it left
   * behind is dealt with in bounded time by check_group(). */
  clear_source (&self->timeout_source);

  check_group (self);
}

static void
maybe_complete (TroupeProcess *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->completed ||
      !self->exited || !self->stdout_done || !self->stderr_done || !self->stdin_done ||
      !self->group_done)
    return;

  self->completed = TRUE;
  self->duration = g_get_monotonic_time () - self->start_time;

  clear_source (&self->timeout_source);
  clear_source (&self->kill_source);
  clear_source (&self->group_poll_source);
  clear_source (&self->linger_source);
  clear_source (&self->cancel_source);

  if (self->stdout_log_fd >= 0 && !g_close (self->stdout_log_fd, NULL))
    set_io_error (self, "stdout log", self->stdout_log_path, errno);
  self->stdout_log_fd = -1;
  if (self->stderr_log_fd >= 0 && !g_close (self->stderr_log_fd, NULL))
    set_io_error (self, "stderr log", self->stderr_log_path, errno);
  self->stderr_log_fd = -1;
  if (self->spill_fd >= 0 && !g_close (self->spill_fd, NULL))
    set_io_error (self, "spill file", self->spill_path, errno);
  self->spill_fd = -1;

  self->output_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&self->output));
  close_fd (&self->stdout_fd);
  close_fd (&self->stderr_fd);
  g_clear_pointer (&self->context, g_main_context_unref);

  task = g_steal_pointer (&self->task);
  if (self->io_error != NULL)
    g_task_return_error (task, g_steal_pointer (&self->io_error));
  else
    g_task_return_boolean (task, TRUE);
}

/* @err is the errno of the failed start. */
static GError *
spawn_error (TroupeProcess *self,
             int            err,
             gboolean       chdir_failed)
{
  const char *program = self->argv[0];

  if (chdir_failed)
    return g_error_new (TROUPE_PROCESS_ERROR, TROUPE_PROCESS_ERROR_SPAWN,
                        "could not start '%s' in '%s': %s; check that the "
                        "working folder exists and can be entered", program,
                        self->cwd, g_strerror (err));

  switch (err)
    {
    case ENOENT:
    case ENOTDIR:
      if (strchr (program, '/') != NULL)
        return g_error_new (TROUPE_PROCESS_ERROR, TROUPE_PROCESS_ERROR_SPAWN,
                            "'%s' does not exist; check the path or set the "
                            "provider's command", program);
      return g_error_new (TROUPE_PROCESS_ERROR, TROUPE_PROCESS_ERROR_SPAWN,
                          "'%s' was not found on PATH; install it or set the "
                          "provider's command", program);

    case EACCES:
    case EPERM:
      return g_error_new (TROUPE_PROCESS_ERROR, TROUPE_PROCESS_ERROR_SPAWN,
                          "'%s' cannot be run (permission denied); make it "
                          "executable (chmod +x) or set the provider's "
                          "command", program);

    case ENOEXEC:
      return g_error_new (TROUPE_PROCESS_ERROR, TROUPE_PROCESS_ERROR_SPAWN,
                          "'%s' is not a program this system can run; a "
                          "script needs a '#!' first line", program);

    default:
      return g_error_new (TROUPE_PROCESS_ERROR, TROUPE_PROCESS_ERROR_SPAWN,
                          "could not start '%s': %s", program, g_strerror (err));
    }
}

static void
troupe_process_dispose (GObject *object)
{
  TroupeProcess *self = (TroupeProcess *)object;

  /* Only reachable while running through g_object_run_dispose(), since the
   * task holds a reference until completion. Kill at once, and let the
   * pending callbacks complete the task. */
  if (self->task != NULL && !self->completed && !self->disposed)
    {
      self->disposed = TRUE;
      if (!self->kill_sent)
        send_kill (self);
      clear_source (&self->timeout_source);
      clear_source (&self->kill_source);
      clear_source (&self->cancel_source);
      if (self->exited)
        check_group (self);
    }

  G_OBJECT_CLASS (troupe_process_parent_class)->dispose (object);
}

static void
troupe_process_finalize (GObject *object)
{
  TroupeProcess *self = (TroupeProcess *)object;

  g_assert (self->task == NULL);
  g_assert (self->stdout_source == NULL);
  g_assert (self->stderr_source == NULL);
  g_assert (self->stdin_source == NULL);

  g_clear_pointer (&self->argv, g_strfreev);
  g_clear_pointer (&self->cwd, g_free);
  g_clear_pointer (&self->env, g_ptr_array_unref);
  g_clear_pointer (&self->stdin_data, g_bytes_unref);
  g_clear_pointer (&self->stdout_log_path, g_free);
  g_clear_pointer (&self->stderr_log_path, g_free);
  g_clear_pointer (&self->spill_path, g_free);
  g_clear_pointer (&self->output, g_byte_array_unref);
  g_clear_pointer (&self->output_bytes, g_bytes_unref);
  g_clear_error (&self->io_error);
  close_fd (&self->stdout_log_fd);
  close_fd (&self->stderr_log_fd);
  close_fd (&self->spill_fd);
  close_fd (&self->stdout_fd);
  close_fd (&self->stderr_fd);
  close_fd (&self->stdin_fd);

  G_OBJECT_CLASS (troupe_process_parent_class)->finalize (object);
}

static void
troupe_process_class_init (TroupeProcessClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  struct sigaction action;

  object_class->dispose = troupe_process_dispose;
  object_class->finalize = troupe_process_finalize;

  sigemptyset (&empty_sigset);

  /* A child that exits without reading all of its stdin would otherwise
   * kill us with SIGPIPE on the next write; ignored, the write fails with
   * EPIPE instead. An application's own handler is left alone, and the
   * children get the default back (exec_child(), child_setup()). */
  if (sigaction (SIGPIPE, NULL, &action) == 0 && action.sa_handler == SIG_DFL)
    signal (SIGPIPE, SIG_IGN);
}

static void
troupe_process_init (TroupeProcess *self)
{
  self->output_cap = 1024 * 1024;
  self->kill_grace_ms = 2000;
  self->stdout_fd = -1;
  self->stderr_fd = -1;
  self->stdin_fd = -1;
  self->stdout_log_fd = -1;
  self->stderr_log_fd = -1;
  self->spill_fd = -1;
  self->exit_code = -1;
}

TroupeProcess *
troupe_process_new (const char * const *argv)
{
  TroupeProcess *self;

  g_return_val_if_fail (argv != NULL && argv[0] != NULL && argv[0][0] != '\0', NULL);

  self = g_object_new (TROUPE_TYPE_PROCESS, NULL);
  self->argv = g_strdupv ((char **) argv);

  return self;
}

void
troupe_process_set_cwd (TroupeProcess *self,
                        const char    *cwd)
{
  g_return_if_fail (TROUPE_IS_PROCESS (self));
  g_return_if_fail (!self->started);

  g_free (self->cwd);
  self->cwd = g_strdup (cwd);
}

/* A NULL @value removes @name from the child's environment. */
void
troupe_process_setenv (TroupeProcess *self,
                       const char    *name,
                       const char    *value)
{
  g_return_if_fail (TROUPE_IS_PROCESS (self));
  g_return_if_fail (name != NULL && name[0] != '\0' && strchr (name, '=') == NULL);
  g_return_if_fail (!self->started);

  if (self->env == NULL)
    self->env = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < self->env->len; i += 2)
    {
      if (g_str_equal (g_ptr_array_index (self->env, i), name))
        {
          g_free (self->env->pdata[i + 1]);
          self->env->pdata[i + 1] = g_strdup (value);
          return;
        }
    }

  g_ptr_array_add (self->env, g_strdup (name));
  g_ptr_array_add (self->env, g_strdup (value));

  /* A PATH meant for the child is also where it should be looked up. */
  if (g_str_equal (name, "PATH"))
    self->search_path_from_envp = TRUE;
}

void
troupe_process_set_stdin (TroupeProcess *self,
                          GBytes        *data)
{
  g_return_if_fail (TROUPE_IS_PROCESS (self));
  g_return_if_fail (!self->started);

  g_clear_pointer (&self->stdin_data, g_bytes_unref);
  if (data != NULL)
    self->stdin_data = g_bytes_ref (data);
}

void
troupe_process_set_stdout_log (TroupeProcess *self,
                               const char    *path)
{
  g_return_if_fail (TROUPE_IS_PROCESS (self));
  g_return_if_fail (!self->started);

  g_free (self->stdout_log_path);
  self->stdout_log_path = g_strdup (path);
}

void
troupe_process_set_stderr_log (TroupeProcess *self,
                               const char    *path)
{
  g_return_if_fail (TROUPE_IS_PROCESS (self));
  g_return_if_fail (!self->started);

  g_free (self->stderr_log_path);
  self->stderr_log_path = g_strdup (path);
}

void
troupe_process_set_lazy_logs (TroupeProcess *self,
                              gboolean       lazy)
{
  g_return_if_fail (TROUPE_IS_PROCESS (self));
  g_return_if_fail (!self->started);

  self->lazy_logs = !!lazy;
}

void
troupe_process_set_output_cap (TroupeProcess *self,
                               guint64        bytes)
{
  g_return_if_fail (TROUPE_IS_PROCESS (self));
  g_return_if_fail (!self->started);
  /* The in-memory part is a GByteArray. */
  g_return_if_fail (bytes <= G_MAXUINT);

  self->output_cap = bytes;
}

void
troupe_process_set_spill_path (TroupeProcess *self,
                               const char    *path)
{
  g_return_if_fail (TROUPE_IS_PROCESS (self));
  g_return_if_fail (!self->started);

  g_free (self->spill_path);
  self->spill_path = g_strdup (path);
}

void
troupe_process_set_timeout (TroupeProcess *self,
                            gint64         ms)
{
  g_return_if_fail (TROUPE_IS_PROCESS (self));
  g_return_if_fail (!self->started);

  self->timeout_ms = ms;
}

void
troupe_process_set_kill_grace (TroupeProcess *self,
                               gint64         ms)
{
  g_return_if_fail (TROUPE_IS_PROCESS (self));

  self->kill_grace_ms = ms;
}

static gboolean
is_set_here (TroupeProcess *self,
             const char    *variable)
{
  for (guint i = 0; i < self->env->len; i += 2)
    {
      const char *name = g_ptr_array_index (self->env, i);
      gsize len = strlen (name);

      if (strncmp (variable, name, len) == 0 && variable[len] == '=')
        return TRUE;
    }

  return FALSE;
}

/* The child's environment: NULL (the parent's, as is) unless something was
 * set. Only the array is new: it points at the parent's own strings, and
 * the variables set here are new strings kept in @owned, so that a step
 * does not copy the whole environment to change three variables. Free the
 * result with g_free(). */
static char **
make_envp (TroupeProcess *self,
           GPtrArray     *owned)
{
  GPtrArray *envp;
  guint n = 0;

  if (self->env == NULL)
    return NULL;

  while (environ[n] != NULL)
    n++;
  envp = g_ptr_array_sized_new (n + self->env->len / 2 + 1);
  for (guint i = 0; i < n; i++)
    if (!is_set_here (self, environ[i]))
      g_ptr_array_add (envp, environ[i]);
  for (guint i = 0; i < self->env->len; i += 2)
    {
      const char *value = g_ptr_array_index (self->env, i + 1);

      /* A NULL value unsets the variable: left out above, not added. */
      if (value != NULL)
        {
          char *variable = g_strconcat (g_ptr_array_index (self->env, i), "=", value, NULL);

          g_ptr_array_add (owned, variable);
          g_ptr_array_add (envp, variable);
        }
    }
  g_ptr_array_add (envp, NULL);

  return (char **) g_ptr_array_free (envp, FALSE);
}

/* Our ends of the pipes we made: no other status flag is set on them, so
 * there is nothing to read back first (g_unix_set_fd_nonblocking() costs
 * two calls). Each end has its own flags: the child's end stays blocking. */
static void
set_nonblocking (int fd)
{
  fcntl (fd, F_SETFL, O_NONBLOCK);
}

static GSource *
add_fd_source (TroupeProcess    *self,
               int               fd,
               GIOCondition      condition,
               GUnixFDSourceFunc func)
{
  GSource *source;

  source = g_unix_fd_source_new (fd, condition);
  g_source_set_callback (source, (GSourceFunc) (void (*) (void)) func, self, NULL);
  g_source_attach (source, self->context);

  return source;
}

#ifdef USE_VFORK

/* /dev/null, opened once: every child without stdin input reads it, and
 * without an stderr log writes to it; handing it over with dup2() spares
 * each child opening it while its parent waits for it (vfork). -1 when it
 * cannot be opened: the children then open it themselves. */
static int
dev_null_fd (void)
{
  static gsize once = 0;
  static int fd = -1;

  if (g_once_init_enter (&once))
    {
      fd = raise_fd (open ("/dev/null", O_RDWR | O_CLOEXEC));
      g_once_init_leave (&once, 1);
    }
  return fd;
}

/* The descriptor limit, read once, capped: only a kernel without
 * close_range() needs it. */
static int
max_fd (void)
{
  static gsize once = 0;
  static int limit = 1024;

  if (g_once_init_enter (&once))
    {
      long open_max = sysconf (_SC_OPEN_MAX);

      if (open_max > 0)
        limit = (int) MIN (open_max, 65536);
      g_once_init_leave (&once, 1);
    }
  return limit;
}

static gboolean
open_pipe (int      fds[2],
           GError **error)
{
  if (pipe2 (fds, O_CLOEXEC) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, TROUPE_PROCESS_ERROR, TROUPE_PROCESS_ERROR_SPAWN,
                   "could not create a pipe: %s; too many open files?",
                   g_strerror (saved_errno));
      return FALSE;
    }

  fds[0] = raise_fd (fds[0]);
  fds[1] = raise_fd (fds[1]);

  return TRUE;
}

/* Everything the child needs, prepared by the parent: between vfork() and
 * exec the child may not allocate, take a lock or call anything that is
 * not async-signal-safe. */
typedef struct
{
  char * const *argv;
  char * const *envp;
  const char   *cwd;
  /* Where to look for argv[0] when it has no '/': the child's PATH. */
  const char   *path;
  int           stdin_fd;
  int           stdout_fd;
  int           stderr_fd;
  int           max_fd;     /* for a kernel without close_range() */
} SpawnPlan;

/* What the child reports before it exits instead of running the
 * program; it shares our memory until it execs. */
typedef struct
{
  int err;            /* errno of what failed; 0: nothing did */
  int chdir_failed;
} SpawnReport;

static G_GNUC_NORETURN void
child_failed (volatile SpawnReport *report,
              int                   err,
              gboolean              chdir_failed)
{
  report->err = err != 0 ? err : EIO;
  report->chdir_failed = chdir_failed;
  _exit (127);
}

/* execve() of @program, looked up in @path as execvp() does, but never
 * through a shell: a script without "#!" fails with ENOEXEC, as it does
 * with posix_spawnp(). */
static void
exec_in_path (const SpawnPlan *plan)
{
  const char *program = plan->argv[0];
  gsize program_len = strlen (program);
  gboolean denied = FALSE;
  const char *dir = plan->path;

  if (strchr (program, '/') != NULL)
    {
      execve (program, plan->argv, plan->envp);
      return;
    }

  for (;;)
    {
      const char *end = strchrnul (dir, ':');
      gsize dir_len = (gsize) (end - dir);
      char candidate[4096 + 256];

      if (dir_len + 1 + program_len < sizeof candidate)
        {
          /* An empty entry is the current folder. */
          if (dir_len == 0)
            memcpy (candidate, program, program_len + 1);
          else
            {
              memcpy (candidate, dir, dir_len);
              candidate[dir_len] = '/';
              memcpy (candidate + dir_len + 1, program, program_len + 1);
            }
          execve (candidate, plan->argv, plan->envp);
          switch (errno)
            {
            case EACCES:
              /* As execvp(): remember it, but another entry may work. */
              denied = TRUE;
              break;
            case ENOENT:
            case ENOTDIR:
            case ESTALE:
            case ENODEV:
            case ETIMEDOUT:
              break;
            default:
              return;
            }
        }

      if (*end == '\0')
        break;
      dir = end + 1;
    }

  errno = denied ? EACCES : ENOENT;
}

/* The child, from vfork() to exec, in our memory: only system calls, and
 * nothing written but @report. It resets the signals that have a handler
 * (a handler must never run here) and SIGPIPE, which we ignore, to their
 * defaults, leads a process group of its own, moves to its folder, takes
 * its standard streams, closes everything else and runs the program with
 * no signal blocked. */
static G_GNUC_NORETURN void
exec_child (const SpawnPlan      *plan,
            volatile SpawnReport *report)
{
  struct sigaction action;

  for (int sig = 1; sig < NSIG; sig++)
    {
      if (sig == SIGKILL || sig == SIGSTOP)
        continue;
      /* glibc refuses its own internal signals (EINVAL): they are only
       * ever sent to a thread of ours, by its id, never to the child. */
      if (sigaction (sig, NULL, &action) != 0)
        continue;
      if (sig != SIGPIPE && (action.sa_handler == SIG_DFL || action.sa_handler == SIG_IGN))
        continue;
      memset (&action, 0, sizeof action);
      action.sa_handler = SIG_DFL;
      sigaction (sig, &action, NULL);
    }

  if (setpgid (0, 0) != 0)
    child_failed (report, errno, FALSE);
  if (plan->cwd != NULL && chdir (plan->cwd) != 0)
    child_failed (report, errno, TRUE);

  /* Our descriptors are all above 2 (raise_fd()), so no dup2() undoes
   * another; dup2() leaves the copies without FD_CLOEXEC. */
  if (dup2 (plan->stdin_fd, STDIN_FILENO) < 0 ||
      dup2 (plan->stdout_fd, STDOUT_FILENO) < 0 ||
      dup2 (plan->stderr_fd, STDERR_FILENO) < 0)
    child_failed (report, errno, FALSE);
  /* Whatever else the application has open without O_CLOEXEC stays out
   * of the step (on a kernel older than 5.9, one by one). */
  if (close_range (STDERR_FILENO + 1, ~0U, 0) != 0)
    for (int fd = STDERR_FILENO + 1; fd < plan->max_fd; fd++)
      close (fd);

  sigprocmask (SIG_SETMASK, &empty_sigset, NULL);

  exec_in_path (plan);
  child_failed (report, errno, FALSE);
}

/* vfork(): the child borrows our memory and our stack until it execs,
 * and we wait until it has; no page tables are copied, as with
 * posix_spawn(), and neither is a stack mapped for the child and
 * unmapped again nor a list of file actions built and checked for every
 * step, which was a tenth of what starting a trivial step cost us. Every
 * signal is blocked around it, so that no handler of ours runs in the
 * child before it has reset them. Returns the pid, or -1 with errno. */
static pid_t
vfork_exec (const SpawnPlan      *plan,
            volatile SpawnReport *report)
{
  sigset_t all, old;
  pid_t pid;
  int saved_errno;

  sigfillset (&all);
  pthread_sigmask (SIG_SETMASK, &all, &old);
  pid = vfork ();
  if (pid == 0)
    exec_child (plan, report);
  saved_errno = errno;
  pthread_sigmask (SIG_SETMASK, &old, NULL);
  errno = saved_errno;

  return pid;
}

/* Starts the child in its own process group, its stdout (and stdin and
 * stderr, as asked) on pipes, nothing else open. */
static gboolean
spawn_child (TroupeProcess  *self,
             char          **envp,
             int             stderr_fd,
             gboolean        want_stdin,
             gboolean        want_stderr_pipe,
             GError        **error)
{
  int stdout_pipe[2] = { -1, -1 };
  int stderr_pipe[2] = { -1, -1 };
  int stdin_pipe[2] = { -1, -1 };
  /* Volatile: the child writes it behind the compiler's back. */
  volatile SpawnReport report = { 0, 0 };
  SpawnPlan plan;
  const char *path;
  pid_t pid;
  int err = 0;

  if (dev_null_fd () < 0 && (!want_stdin || (stderr_fd < 0 && !want_stderr_pipe)))
    {
      int saved_errno = errno;

      g_set_error (error, TROUPE_PROCESS_ERROR, TROUPE_PROCESS_ERROR_SPAWN,
                   "could not open /dev/null: %s", g_strerror (saved_errno));
      return FALSE;
    }

  if (!open_pipe (stdout_pipe, error))
    return FALSE;
  if ((want_stdin && !open_pipe (stdin_pipe, error)) ||
      (want_stderr_pipe && !open_pipe (stderr_pipe, error)))
    {
      close_fd (&stdout_pipe[0]);
      close_fd (&stdout_pipe[1]);
      close_fd (&stdin_pipe[0]);
      close_fd (&stdin_pipe[1]);
      return FALSE;
    }

  /* A PATH given to the child is where it is looked up; else ours, and
   * without one, the system's default, as execvp(). */
  path = self->search_path_from_envp ? g_environ_getenv (envp, "PATH") : g_getenv ("PATH");
  plan.argv = self->argv;
  plan.envp = envp != NULL ? envp : environ;
  plan.cwd = self->cwd;
  plan.path = path != NULL ? path : "/bin:/usr/bin";
  plan.stdin_fd = want_stdin ? stdin_pipe[0] : dev_null_fd ();
  plan.stdout_fd = stdout_pipe[1];
  plan.stderr_fd = want_stderr_pipe ? stderr_pipe[1] : stderr_fd >= 0 ? stderr_fd : dev_null_fd ();
  plan.max_fd = max_fd ();

  pid = vfork_exec (&plan, &report);
  if (pid < 0)
    err = errno;
  else if (report.err != 0)
    {
      /* It ran far enough to tell us why it could not go on, then
       * exited: reap it. */
      err = report.err;
      while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
        ;
    }

  /* The child has its own copies. */
  close_fd (&stdout_pipe[1]);
  close_fd (&stderr_pipe[1]);
  close_fd (&stdin_pipe[0]);

  if (err != 0)
    {
      close_fd (&stdout_pipe[0]);
      close_fd (&stderr_pipe[0]);
      close_fd (&stdin_pipe[1]);
      if (pid < 0)
        g_set_error (error, TROUPE_PROCESS_ERROR, TROUPE_PROCESS_ERROR_SPAWN,
                     "could not start '%s': %s; too many processes?", self->argv[0], g_strerror (err));
      else
        g_propagate_error (error, spawn_error (self, err, report.chdir_failed));
      return FALSE;
    }

  self->pid = pid;
  self->stdout_fd = stdout_pipe[0];
  self->stderr_fd = stderr_pipe[0];
  self->stdin_fd = stdin_pipe[1];

  return TRUE;
}

#else /* !USE_VFORK */

/* Runs in the child between fork and exec, so it may only make
 * async-signal-safe calls. */
static void
child_setup (gpointer user_data)
{
  struct sigaction action = { 0 };

  setpgid (0, 0);

  action.sa_handler = SIG_DFL;
  sigaction (SIGPIPE, &action, NULL);
  sigprocmask (SIG_SETMASK, &empty_sigset, NULL);
}

static int
spawn_error_to_errno (int code)
{
  switch (code)
    {
    case G_SPAWN_ERROR_NOENT: return ENOENT;
    case G_SPAWN_ERROR_NOTDIR: return ENOTDIR;
    case G_SPAWN_ERROR_ACCES: return EACCES;
    case G_SPAWN_ERROR_PERM: return EPERM;
    case G_SPAWN_ERROR_NOEXEC: return ENOEXEC;
    case G_SPAWN_ERROR_NOMEM: return ENOMEM;
    case G_SPAWN_ERROR_TOO_BIG: return E2BIG;
    default: return EIO;
    }
}

static gboolean
spawn_child (TroupeProcess  *self,
             char          **envp,
             int             stderr_fd,
             gboolean        want_stdin,
             gboolean        want_stderr_pipe,
             GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  GSpawnFlags flags;

  /* Not GSubprocess: it reaps its child on GLib's worker thread and
   * forgets the pid as it does, so a child that exits at once can be gone
   * before its pid, which is also its process group, could be read. */
  flags = G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CLOEXEC_PIPES;
  flags |= self->search_path_from_envp ? G_SPAWN_SEARCH_PATH_FROM_ENVP : G_SPAWN_SEARCH_PATH;
  if (stderr_fd < 0 && !want_stderr_pipe)
    flags |= G_SPAWN_STDERR_TO_DEV_NULL;
  if (!want_stdin)
    flags |= G_SPAWN_STDIN_FROM_DEV_NULL;

  if (!g_spawn_async_with_pipes_and_fds (self->cwd,
                                         (const char * const *) self->argv,
                                         (const char * const *) envp,
                                         flags,
                                         child_setup, NULL,
                                         -1, -1, stderr_fd,
                                         NULL, NULL, 0,
                                         &self->pid,
                                         want_stdin ? &self->stdin_fd : NULL,
                                         &self->stdout_fd,
                                         want_stderr_pipe ? &self->stderr_fd : NULL,
                                         &local_error))
    {
      gboolean chdir_failed = g_error_matches (local_error, G_SPAWN_ERROR, G_SPAWN_ERROR_CHDIR);

      self->pid = 0;
      g_propagate_error (error, spawn_error (self,
                                             chdir_failed ? ENOENT
                                                          : spawn_error_to_errno (local_error->code),
                                             chdir_failed));
      return FALSE;
    }

  return TRUE;
}

#endif /* USE_VFORK */

void
troupe_process_run_async (TroupeProcess       *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) owned_env = NULL;
  g_autofree char **envp = NULL;
  gboolean want_stdin, want_stderr_pipe;
  int stderr_fd = -1;

  g_return_if_fail (TROUPE_IS_PROCESS (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (!self->started);

  self->started = TRUE;
  want_stdin = self->stdin_data != NULL;
  /* Lazy logs are opened by whoever reads the stream: stderr needs a pipe
   * then, where it could otherwise go straight to its file. */
  want_stderr_pipe = self->lazy_logs && self->stderr_log_path != NULL;
  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, troupe_process_run_async);
  /* A cancel ends the process the way terminate() does, and the run still
   * reports what the process did. */
  g_task_set_check_cancellable (self->task, FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    goto failed;

  if (!self->lazy_logs && self->stdout_log_path != NULL)
    {
      self->stdout_log_fd = open_for_writing (self->stdout_log_path, "stdout log", &error);
      if (self->stdout_log_fd < 0)
        goto failed;
    }

  /* One file for both streams works too: both descriptors append. */
  if (!self->lazy_logs && self->stderr_log_path != NULL && self->stdout_log_fd >= 0 &&
      g_str_equal (self->stderr_log_path, self->stdout_log_path))
    {
      stderr_fd = fcntl (self->stdout_log_fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
      if (stderr_fd < 0)
        {
          int saved_errno = errno;

          g_set_error (&error, TROUPE_PROCESS_ERROR, TROUPE_PROCESS_ERROR_IO,
                       "could not open the stderr log '%s': %s",
                       self->stderr_log_path, g_strerror (saved_errno));
          goto failed;
        }
    }
  else if (!self->lazy_logs && self->stderr_log_path != NULL)
    {
      stderr_fd = open_for_writing (self->stderr_log_path, "stderr log", &error);
      if (stderr_fd < 0)
        goto failed;
    }

  owned_env = g_ptr_array_new_with_free_func (g_free);
  envp = make_envp (self, owned_env);

  self->start_time = g_get_monotonic_time ();
  if (!spawn_child (self, envp, stderr_fd, want_stdin, want_stderr_pipe, &error))
    {
      close_fd (&stderr_fd);
      goto failed;
    }

  /* The child has its own copy. */
  close_fd (&stderr_fd);

  self->context = g_main_context_ref_thread_default ();
  self->output = g_byte_array_new ();

  self->child_watch_source = g_child_watch_source_new (self->pid);
  g_source_set_callback (self->child_watch_source,
                         (GSourceFunc) (void (*) (void)) child_watch_cb, self, NULL);
  g_source_attach (self->child_watch_source, self->context);

  set_nonblocking (self->stdout_fd);
  self->stdout_source = add_fd_source (self, self->stdout_fd,
                                       G_IO_IN | G_IO_HUP | G_IO_ERR, stdout_ready_cb);

  if (want_stderr_pipe)
    {
      set_nonblocking (self->stderr_fd);
      self->stderr_source = add_fd_source (self, self->stderr_fd,
                                           G_IO_IN | G_IO_HUP | G_IO_ERR, stderr_ready_cb);
    }
  else
    self->stderr_done = TRUE;

  if (want_stdin && g_bytes_get_size (self->stdin_data) > 0)
    {
      /* Non-blocking, so a child that reads slowly (or fills its stdout
       * pipe before it reads) never stalls the main loop. */
      set_nonblocking (self->stdin_fd);
      self->stdin_source = add_fd_source (self, self->stdin_fd,
                                          G_IO_OUT | G_IO_HUP | G_IO_ERR, stdin_ready_cb);
    }
  else
    finish_stdin (self);

  if (self->timeout_ms > 0)
    self->timeout_source = add_timeout (self, self->timeout_ms, timeout_cb);

  if (cancellable != NULL)
    {
      self->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->cancel_source, (GSourceFunc) (void (*) (void)) cancelled_cb,
                             self, NULL);
      g_source_attach (self->cancel_source, self->context);
    }

  return;

failed:
  close_fd (&self->stdout_log_fd);
  self->completed = TRUE;
  self->output_bytes = g_bytes_new (NULL, 0);
  {
    g_autoptr(GTask) task = g_steal_pointer (&self->task);

    g_task_return_error (task, g_steal_pointer (&error));
  }
}

gboolean
troupe_process_run_finish (TroupeProcess  *self,
                           GAsyncResult   *result,
                           GError        **error)
{
  g_return_val_if_fail (TROUPE_IS_PROCESS (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == troupe_process_run_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
troupe_process_terminate (TroupeProcess *self)
{
  g_return_if_fail (TROUPE_IS_PROCESS (self));

  if (self->task == NULL || self->completed)
    return;

  /* A leader that already exited is being cleaned up anyway; the flag
   * still records that someone asked. */
  self->terminated = TRUE;
  send_term (self);
  if (self->exited)
    check_group (self);
}

GPid
troupe_process_get_pid (TroupeProcess *self)
{
  g_return_val_if_fail (TROUPE_IS_PROCESS (self), 0);

  return self->pid;
}

gboolean
troupe_process_get_succeeded (TroupeProcess *self)
{
  g_return_val_if_fail (TROUPE_IS_PROCESS (self), FALSE);

  return self->exited && self->exit_code == 0;
}

int
troupe_process_get_exit_code (TroupeProcess *self)
{
  g_return_val_if_fail (TROUPE_IS_PROCESS (self), -1);

  return self->exit_code;
}

int
troupe_process_get_term_signal (TroupeProcess *self)
{
  g_return_val_if_fail (TROUPE_IS_PROCESS (self), 0);

  return self->term_signal;
}

gboolean
troupe_process_get_timed_out (TroupeProcess *self)
{
  g_return_val_if_fail (TROUPE_IS_PROCESS (self), FALSE);

  return self->timed_out;
}

gboolean
troupe_process_get_terminated (TroupeProcess *self)
{
  g_return_val_if_fail (TROUPE_IS_PROCESS (self), FALSE);

  return self->terminated;
}

GBytes *
troupe_process_get_output (TroupeProcess *self)
{
  g_return_val_if_fail (TROUPE_IS_PROCESS (self), NULL);

  return self->output_bytes;
}

guint64
troupe_process_get_output_size (TroupeProcess *self)
{
  g_return_val_if_fail (TROUPE_IS_PROCESS (self), 0);

  return self->output_size;
}

gboolean
troupe_process_get_spilled (TroupeProcess *self)
{
  g_return_val_if_fail (TROUPE_IS_PROCESS (self), FALSE);

  return self->spilled;
}

gint64
troupe_process_get_duration (TroupeProcess *self)
{
  g_return_val_if_fail (TROUPE_IS_PROCESS (self), 0);

  return self->duration;
}

char *
troupe_find_program (const char *program)
{
  g_return_val_if_fail (program != NULL, NULL);

  if (program[0] == '\0')
    return NULL;

  return g_find_program_in_path (program);
}
