/* troupe-document.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "troupe-document.h"

typedef enum
{
  COMMAND_ADD_STEP,
  COMMAND_DELETE_STEP,
  COMMAND_MOVE_STEP,
  COMMAND_CONNECT,
  COMMAND_DISCONNECT,
  COMMAND_RENAME_STEP,
  COMMAND_LAYOUT,
  COMMAND_EDIT_STEP,
  COMMAND_EDIT_WORKFLOW,
  COMMAND_GROUP,
} CommandKind;

/* Where one step was and is, for a layout. */
typedef struct
{
  char   *id;
  double  old_x;
  double  old_y;
  double  new_x;
  double  new_y;
  guint   had_position : 1;
} Placement;

static void
placement_free (Placement *placement)
{
  g_free (placement->id);
  g_free (placement);
}

/* One undoable edit. It holds ids and copies, never pointers into the
 * model, so that it still applies after other commands replaced the
 * objects it once saw. */
typedef struct
{
  /* Unique in the document, never reused: the document is clean when the
   * newest command done is the one that was newest when it was saved. */
  guint64      serial;
  CommandKind  kind;
  /* A step id; for edges the source, for renames the old id. */
  char        *a;
  /* For edges the target, for renames the new id. */
  char        *b;
  /* Add and delete: the step as it was, needs and position included.
   * Edit: the step before the edit; @after is the step after it. */
  TroupeStep  *step;
  TroupeStep  *after;
  /* Workflow settings: snapshots before and after (workflows without
   * steps, see settings_snapshot()). */
  TroupeWorkflow *settings_before;
  TroupeWorkflow *settings_after;
  /* Edits: what is being edited ("prompt"), so that typing merges into
   * one command; NULL when the edit never merges. */
  char        *merge_key;
  /* Monotonic time of the newest edit merged into this command. */
  gint64       merged_at;
  /* Delete: the steps that needed it, to reconnect on undo. */
  GStrv        dependents;
  /* Layout and moves of several steps: a Placement per step. */
  GPtrArray   *placements;
  /* Group: commands done in order, undone in reverse. */
  GPtrArray   *children;
  int          index;
  double       old_x;
  double       old_y;
  double       new_x;
  double       new_y;
  guint        had_position : 1;
} Command;

static void
command_free (Command *command)
{
  g_clear_pointer (&command->a, g_free);
  g_clear_pointer (&command->b, g_free);
  g_clear_object (&command->step);
  g_clear_object (&command->after);
  g_clear_object (&command->settings_before);
  g_clear_object (&command->settings_after);
  g_clear_pointer (&command->merge_key, g_free);
  g_clear_pointer (&command->dependents, g_strfreev);
  g_clear_pointer (&command->placements, g_ptr_array_unref);
  g_clear_pointer (&command->children, g_ptr_array_unref);
  g_free (command);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Command, command_free)

struct _TroupeDocument
{
  GObject         parent_instance;

  TroupeWorkflow *workflow;
  GFile          *file;
  GPtrArray      *undo_stack;
  GPtrArray      *redo_stack;
  GPtrArray      *diagnostics;
  GFileMonitor   *monitor;
  /* The file's text as last loaded, saved or reported changed: what the
   * monitor compares with, so that our own saves are not news. */
  char           *disk_text;

  guint64         last_serial;
  guint64         saved_serial;
  guint           validate_id;

  guint           dirty : 1;
  /* Set by troupe_document_end_merge(), undo, redo and save: the next
   * edit starts a command of its own even if it edits the same field. */
  guint           merge_closed : 1;
};

G_DEFINE_FINAL_TYPE (TroupeDocument, troupe_document, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_WORKFLOW,
  PROP_FILE,
  PROP_DIRTY,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  PROP_DIAGNOSTICS,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

enum {
  CHANGED_ON_DISK,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

static void
set_dirty (TroupeDocument *self,
           gboolean        dirty)
{
  dirty = !!dirty;
  if (self->dirty != dirty)
    {
      self->dirty = dirty;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRTY]);
    }
}

static void
on_file_monitor_cb (TroupeDocument    *self,
                    GFile             *file,
                    GFile             *other_file,
                    GFileMonitorEvent  event,
                    GFileMonitor      *monitor)
{
  g_autofree char *text = NULL;

  switch (event)
    {
    case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
    case G_FILE_MONITOR_EVENT_CREATED:
    case G_FILE_MONITOR_EVENT_MOVED_IN:
    case G_FILE_MONITOR_EVENT_RENAMED:
      break;

    case G_FILE_MONITOR_EVENT_CHANGED:
    case G_FILE_MONITOR_EVENT_DELETED:
    case G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED:
    case G_FILE_MONITOR_EVENT_PRE_UNMOUNT:
    case G_FILE_MONITOR_EVENT_UNMOUNTED:
    case G_FILE_MONITOR_EVENT_MOVED:
    case G_FILE_MONITOR_EVENT_MOVED_OUT:
    default:
      /* A file being written says CHANGED many times, then
       * CHANGES_DONE_HINT; a file replaced by rename says CREATED. */
      return;
    }

  if (self->file == NULL || !g_file_load_contents (self->file, NULL, &text, NULL, NULL, NULL))
    return;

  if (g_strcmp0 (text, self->disk_text) == 0)
    return;

  g_free (self->disk_text);
  self->disk_text = g_steal_pointer (&text);
  g_signal_emit (self, signals[CHANGED_ON_DISK], 0);
}

static void
watch_file (TroupeDocument *self,
            const char     *disk_text)
{
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  g_free (self->disk_text);
  self->disk_text = g_strdup (disk_text);

  if (self->file == NULL)
    return;

  /* Not being able to watch is no reason not to edit. */
  self->monitor = g_file_monitor_file (self->file, G_FILE_MONITOR_NONE, NULL, NULL);
  if (self->monitor != NULL)
    g_signal_connect_swapped (self->monitor, "changed", G_CALLBACK (on_file_monitor_cb), self);
}

static gboolean
validate_cb (gpointer data)
{
  TroupeDocument *self = data;

  self->validate_id = 0;
  troupe_document_validate (self);
  return G_SOURCE_REMOVE;
}

static void
on_workflow_changed_cb (TroupeDocument *self)
{
  set_dirty (self, TRUE);

  /* A drag changes the model on every motion: validate once it settles,
   * not each time. */
  if (self->validate_id == 0)
    self->validate_id = g_timeout_add_full (G_PRIORITY_LOW, 100, validate_cb, self, NULL);
}

static void
set_workflow (TroupeDocument *self,
              TroupeWorkflow *workflow)
{
  if (self->workflow != NULL)
    g_signal_handlers_disconnect_by_func (self->workflow, on_workflow_changed_cb, self);
  g_set_object (&self->workflow, workflow);
  g_signal_connect_swapped (self->workflow, "changed", G_CALLBACK (on_workflow_changed_cb), self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKFLOW]);
}

static guint64
top_serial (TroupeDocument *self)
{
  Command *top;

  if (self->undo_stack->len == 0)
    return 0;
  top = g_ptr_array_index (self->undo_stack, self->undo_stack->len - 1);
  return top->serial;
}

/* Emptying or growing a stack changes can-undo/can-redo only at 0 and 1,
 * so the notifications are sent only when the answer really changed. */
static void
update_stacks (TroupeDocument *self,
               gboolean        could_undo,
               gboolean        could_redo)
{
  if (could_undo != (self->undo_stack->len > 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_UNDO]);
  if (could_redo != (self->redo_stack->len > 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REDO]);
}

static void
clear_history (TroupeDocument *self)
{
  gboolean could_undo = self->undo_stack->len > 0;
  gboolean could_redo = self->redo_stack->len > 0;

  g_ptr_array_set_size (self->undo_stack, 0);
  g_ptr_array_set_size (self->redo_stack, 0);
  update_stacks (self, could_undo, could_redo);
}

static gboolean command_apply (Command         *command,
                               TroupeWorkflow  *workflow,
                               gboolean         forward,
                               GError         **error);

static gboolean
insert_copy (TroupeWorkflow *workflow,
             TroupeStep     *step,
             int             index,
             GError        **error)
{
  g_autoptr(TroupeStep) copy = troupe_step_copy (step);

  return troupe_workflow_insert_step (workflow, copy, index, error);
}

/* Copies every saved field of @src but the id and the position into @dst,
 * notifying once per field that really changed. */
static void
step_assign (TroupeStep *dst,
             TroupeStep *src)
{
  g_object_freeze_notify (G_OBJECT (dst));
  troupe_step_set_kind (dst, troupe_step_get_kind (src));
  troupe_step_set_description (dst, troupe_step_get_description (src));
  troupe_step_set_agent (dst, troupe_step_get_agent (src));
  troupe_step_set_provider (dst, troupe_step_get_provider (src));
  troupe_step_set_prompt (dst, troupe_step_get_prompt (src));
  troupe_step_set_prompt_file (dst, troupe_step_get_prompt_file (src));
  troupe_step_set_command (dst, troupe_step_get_command (src));
  troupe_step_set_send_to (dst, troupe_step_get_send_to (src));
  troupe_step_set_send_file (dst, troupe_step_get_send_file (src));
  troupe_step_set_send_content (dst, troupe_step_get_send_content (src));
  troupe_step_set_wait_glob (dst, troupe_step_get_wait_glob (src));
  troupe_step_set_wait_timeout (dst, troupe_step_get_wait_timeout (src));
  troupe_step_set_wait_poll (dst, troupe_step_get_wait_poll (src));
  troupe_step_set_wait_min_count (dst, troupe_step_get_wait_min_count (src));
  troupe_step_set_approval (dst, troupe_step_get_approval (src));
  troupe_step_set_needs (dst, troupe_step_get_needs (src));
  troupe_step_set_retries (dst, troupe_step_get_retries (src));
  troupe_step_set_timeout (dst, troupe_step_get_timeout (src));
  troupe_step_set_on_failure (dst, troupe_step_get_on_failure (src));
  troupe_step_set_outputs (dst, troupe_step_get_outputs (src));
  troupe_step_set_when (dst,
                        troupe_step_get_when_op (src),
                        troupe_step_get_when_left (src),
                        troupe_step_get_when_right (src));
  troupe_step_set_for_each (dst, troupe_step_get_for_each (src));
  g_object_thaw_notify (G_OBJECT (dst));
}

/* Gives step @id of @workflow every saved field of @values but its id and
 * position. A need that would close a cycle is refused, before anything
 * changes, with the engine's own error (the one connecting would give). */
static gboolean
edit_step_apply (TroupeWorkflow  *workflow,
                 const char      *id,
                 TroupeStep      *values,
                 GError         **error)
{
  TroupeStep *step = troupe_workflow_lookup_step (workflow, id);
  const char * const *needs = troupe_step_get_needs (values);

  if (step == NULL)
    {
      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_UNKNOWN_STEP,
                   _("There is no step “%s” to edit"), id);
      return FALSE;
    }

  /* Every new need ends at @id, so a cycle through several of them would
   * pass @id twice: checking each alone is enough. Needs that name no step
   * are the validator's business, not a reason to refuse the edit. */
  for (guint i = 0; needs != NULL && needs[i] != NULL; i++)
    {
      if (troupe_step_has_need (step, needs[i]) ||
          troupe_workflow_lookup_step (workflow, needs[i]) == NULL)
        continue;

      if (g_str_equal (needs[i], id) || troupe_workflow_would_cycle (workflow, needs[i], id, NULL))
        {
          /* Fails without changing anything, with the message that names
           * the cycle. */
          if (troupe_workflow_connect (workflow, needs[i], id, error))
            g_assert_not_reached ();
          return FALSE;
        }
    }

  step_assign (step, values);
  return TRUE;
}

/* The settings of @workflow (everything but its steps and file) as a
 * workflow of no steps, with copies of its agents and providers. */
static TroupeWorkflow *
settings_snapshot (TroupeWorkflow *workflow)
{
  TroupeWorkflow *snapshot = troupe_workflow_new ();
  const char * const *keys = troupe_workflow_get_context_keys (workflow);
  GPtrArray *agents = troupe_workflow_get_agents (workflow);
  GPtrArray *providers = troupe_workflow_get_providers (workflow);

  troupe_workflow_set_name (snapshot, troupe_workflow_get_name (workflow));
  troupe_workflow_set_description (snapshot, troupe_workflow_get_description (workflow));
  troupe_workflow_set_workspace (snapshot, troupe_workflow_get_workspace (workflow));
  troupe_workflow_set_default_provider (snapshot, troupe_workflow_get_default_provider (workflow));
  troupe_workflow_set_default_timeout (snapshot, troupe_workflow_get_default_timeout (workflow));
  troupe_workflow_set_default_retries (snapshot, troupe_workflow_get_default_retries (workflow));
  troupe_workflow_set_default_on_failure (snapshot, troupe_workflow_get_default_on_failure (workflow));
  troupe_workflow_set_max_parallel (snapshot, troupe_workflow_get_max_parallel (workflow));
  troupe_workflow_set_rank_dir (snapshot, troupe_workflow_get_rank_dir (workflow));
  for (guint i = 0; keys[i] != NULL; i++)
    troupe_workflow_set_context (snapshot, keys[i], troupe_workflow_get_context (workflow, keys[i]));
  for (guint i = 0; i < agents->len; i++)
    {
      g_autoptr(TroupeAgent) agent = troupe_agent_copy (g_ptr_array_index (agents, i));

      troupe_workflow_add_agent (snapshot, agent);
    }
  for (guint i = 0; i < providers->len; i++)
    {
      g_autoptr(TroupeProvider) provider = troupe_provider_copy (g_ptr_array_index (providers, i));

      troupe_workflow_add_provider (snapshot, provider);
    }

  return snapshot;
}

static gboolean
agents_equal (GPtrArray *a,
              GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (!troupe_agent_equal (g_ptr_array_index (a, i), g_ptr_array_index (b, i)))
      return FALSE;
  return TRUE;
}

static gboolean
providers_equal (GPtrArray *a,
                 GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (!troupe_provider_equal (g_ptr_array_index (a, i), g_ptr_array_index (b, i)))
      return FALSE;
  return TRUE;
}

/* Gives @workflow the settings of @snapshot. Every setter notifies only on
 * a real change, and the lists of agents, providers and context keys are
 * rebuilt only when they differ, so an undo announces what it changed. */
static void
settings_apply (TroupeWorkflow *workflow,
                TroupeWorkflow *snapshot)
{
  const char * const *keys = troupe_workflow_get_context_keys (snapshot);
  const char * const *old_keys = troupe_workflow_get_context_keys (workflow);
  GPtrArray *agents = troupe_workflow_get_agents (snapshot);
  GPtrArray *providers = troupe_workflow_get_providers (snapshot);

  troupe_workflow_set_name (workflow, troupe_workflow_get_name (snapshot));
  troupe_workflow_set_description (workflow, troupe_workflow_get_description (snapshot));
  troupe_workflow_set_workspace (workflow, troupe_workflow_get_workspace (snapshot));
  troupe_workflow_set_default_provider (workflow, troupe_workflow_get_default_provider (snapshot));
  troupe_workflow_set_default_timeout (workflow, troupe_workflow_get_default_timeout (snapshot));
  troupe_workflow_set_default_retries (workflow, troupe_workflow_get_default_retries (snapshot));
  troupe_workflow_set_default_on_failure (workflow, troupe_workflow_get_default_on_failure (snapshot));
  troupe_workflow_set_max_parallel (workflow, troupe_workflow_get_max_parallel (snapshot));
  troupe_workflow_set_rank_dir (workflow, troupe_workflow_get_rank_dir (snapshot));

  /* Context keys keep their order: when the keys differ, they are all
   * written again in the snapshot's order. */
  if (!g_strv_equal (keys, old_keys))
    {
      g_auto(GStrv) removed = g_strdupv ((char **) old_keys);

      for (guint i = 0; removed[i] != NULL; i++)
        troupe_workflow_set_context (workflow, removed[i], NULL);
    }
  for (guint i = 0; keys[i] != NULL; i++)
    troupe_workflow_set_context (workflow, keys[i], troupe_workflow_get_context (snapshot, keys[i]));

  if (!agents_equal (troupe_workflow_get_agents (workflow), agents))
    {
      GPtrArray *old = troupe_workflow_get_agents (workflow);

      while (old->len > 0)
        troupe_workflow_remove_agent (workflow, troupe_agent_get_name (g_ptr_array_index (old, old->len - 1)));
      for (guint i = 0; i < agents->len; i++)
        {
          g_autoptr(TroupeAgent) agent = troupe_agent_copy (g_ptr_array_index (agents, i));

          troupe_workflow_add_agent (workflow, agent);
        }
    }

  if (!providers_equal (troupe_workflow_get_providers (workflow), providers))
    {
      GPtrArray *old = troupe_workflow_get_providers (workflow);

      while (old->len > 0)
        troupe_workflow_remove_provider (workflow, troupe_provider_get_name (g_ptr_array_index (old, old->len - 1)));
      for (guint i = 0; i < providers->len; i++)
        {
          g_autoptr(TroupeProvider) provider = troupe_provider_copy (g_ptr_array_index (providers, i));

          troupe_workflow_add_provider (workflow, provider);
        }
    }
}

/* Applies @command forwards (do, redo) or backwards (undo). */
static gboolean
command_apply (Command         *command,
               TroupeWorkflow  *workflow,
               gboolean         forward,
               GError         **error)
{
  TroupeStep *step;

  switch (command->kind)
    {
    case COMMAND_ADD_STEP:
      if (forward)
        return insert_copy (workflow, command->step, command->index, error);
      return troupe_workflow_remove_step (workflow, command->a, error);

    case COMMAND_DELETE_STEP:
      if (forward)
        return troupe_workflow_remove_step (workflow, command->a, error);
      if (!insert_copy (workflow, command->step, command->index, error))
        return FALSE;
      for (guint i = 0; command->dependents[i] != NULL; i++)
        if (!troupe_workflow_connect (workflow, command->a, command->dependents[i], error))
          return FALSE;
      return TRUE;

    case COMMAND_MOVE_STEP:
      step = troupe_workflow_lookup_step (workflow, command->a);
      if (step == NULL)
        {
          g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_UNKNOWN_STEP,
                       _("There is no step “%s” to move"), command->a);
          return FALSE;
        }
      if (forward)
        troupe_step_set_position (step, command->new_x, command->new_y);
      else if (command->had_position)
        troupe_step_set_position (step, command->old_x, command->old_y);
      else
        troupe_step_clear_position (step);
      return TRUE;

    case COMMAND_CONNECT:
      if (forward)
        return troupe_workflow_connect (workflow, command->a, command->b, error);
      return troupe_workflow_disconnect (workflow, command->a, command->b, error);

    case COMMAND_DISCONNECT:
      if (forward)
        return troupe_workflow_disconnect (workflow, command->a, command->b, error);
      return troupe_workflow_connect (workflow, command->a, command->b, error);

    case COMMAND_RENAME_STEP:
      if (forward)
        return troupe_workflow_rename_step (workflow, command->a, command->b, error);
      return troupe_workflow_rename_step (workflow, command->b, command->a, error);

    case COMMAND_LAYOUT:
      for (guint i = 0; i < command->placements->len; i++)
        {
          const Placement *p = g_ptr_array_index (command->placements, i);

          step = troupe_workflow_lookup_step (workflow, p->id);
          if (step == NULL)
            continue;
          if (forward)
            troupe_step_set_position (step, p->new_x, p->new_y);
          else if (p->had_position)
            troupe_step_set_position (step, p->old_x, p->old_y);
          else
            troupe_step_clear_position (step);
        }
      return TRUE;

    case COMMAND_EDIT_STEP:
      return edit_step_apply (workflow, command->a, forward ? command->after : command->step, error);

    case COMMAND_EDIT_WORKFLOW:
      settings_apply (workflow, forward ? command->settings_after : command->settings_before);
      return TRUE;

    case COMMAND_GROUP:
      if (forward)
        {
          for (guint i = 0; i < command->children->len; i++)
            if (!command_apply (g_ptr_array_index (command->children, i), workflow, TRUE, error))
              return FALSE;
        }
      else
        {
          for (guint i = command->children->len; i > 0; i--)
            if (!command_apply (g_ptr_array_index (command->children, i - 1), workflow, FALSE, error))
              return FALSE;
        }
      return TRUE;

    default:
      g_assert_not_reached ();
    }
}

/* Pushes a command that has already been applied. */
static void
push_done (TroupeDocument *self,
           Command        *command)
{
  gboolean could_undo = self->undo_stack->len > 0;
  gboolean could_redo = self->redo_stack->len > 0;

  command->serial = ++self->last_serial;
  g_ptr_array_add (self->undo_stack, command);
  g_ptr_array_set_size (self->redo_stack, 0);
  self->merge_closed = FALSE;
  update_stacks (self, could_undo, could_redo);
  set_dirty (self, TRUE);
}

/* Applies @command and records it; frees it on failure. */
static gboolean
perform (TroupeDocument  *self,
         Command         *command,
         GError         **error)
{
  g_autoptr(Command) owned = command;

  if (!command_apply (command, self->workflow, TRUE, error))
    return FALSE;

  push_done (self, g_steal_pointer (&owned));
  return TRUE;
}

static Command *
command_new (CommandKind  kind,
             const char  *a,
             const char  *b)
{
  Command *command = g_new0 (Command, 1);

  command->kind = kind;
  command->a = g_strdup (a);
  command->b = g_strdup (b);
  return command;
}

static void
troupe_document_dispose (GObject *object)
{
  TroupeDocument *self = (TroupeDocument *)object;

  if (self->workflow != NULL)
    g_signal_handlers_disconnect_by_func (self->workflow, on_workflow_changed_cb, self);
  g_clear_object (&self->workflow);
  g_clear_object (&self->file);
  g_clear_pointer (&self->undo_stack, g_ptr_array_unref);
  g_clear_pointer (&self->redo_stack, g_ptr_array_unref);
  g_clear_pointer (&self->diagnostics, g_ptr_array_unref);
  g_clear_handle_id (&self->validate_id, g_source_remove);
  if (self->monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      g_file_monitor_cancel (self->monitor);
    }
  g_clear_object (&self->monitor);
  g_clear_pointer (&self->disk_text, g_free);

  G_OBJECT_CLASS (troupe_document_parent_class)->dispose (object);
}

static void
troupe_document_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TroupeDocument *self = TROUPE_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_WORKFLOW: g_value_set_object (value, self->workflow); break;
    case PROP_FILE: g_value_set_object (value, self->file); break;
    case PROP_DIRTY: g_value_set_boolean (value, self->dirty); break;
    case PROP_CAN_UNDO: g_value_set_boolean (value, troupe_document_get_can_undo (self)); break;
    case PROP_CAN_REDO: g_value_set_boolean (value, troupe_document_get_can_redo (self)); break;
    case PROP_DIAGNOSTICS: g_value_set_boxed (value, self->diagnostics); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_document_class_init (TroupeDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = troupe_document_dispose;
  object_class->get_property = troupe_document_get_property;

  properties[PROP_WORKFLOW] =
    g_param_spec_object ("workflow", NULL, NULL, TROUPE_TYPE_WORKFLOW,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_DIRTY] =
    g_param_spec_boolean ("dirty", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_CAN_UNDO] =
    g_param_spec_boolean ("can-undo", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_CAN_REDO] =
    g_param_spec_boolean ("can-redo", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_DIAGNOSTICS] =
    g_param_spec_boxed ("diagnostics", NULL, NULL, G_TYPE_PTR_ARRAY,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The file was changed by someone else: its text differs from what was
   * loaded or saved. Emitted once per change. */
  signals[CHANGED_ON_DISK] =
    g_signal_new ("changed-on-disk", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
troupe_document_init (TroupeDocument *self)
{
  g_autoptr(TroupeWorkflow) workflow = troupe_workflow_new ();

  self->undo_stack = g_ptr_array_new_with_free_func ((GDestroyNotify) command_free);
  self->redo_stack = g_ptr_array_new_with_free_func ((GDestroyNotify) command_free);
  self->diagnostics = g_ptr_array_new_with_free_func ((GDestroyNotify) troupe_diagnostic_free);
  set_workflow (self, workflow);
}

TroupeDocument *
troupe_document_new (void)
{
  return g_object_new (TROUPE_TYPE_DOCUMENT, NULL);
}

TroupeWorkflow *
troupe_document_get_workflow (TroupeDocument *self)
{
  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), NULL);

  return self->workflow;
}

GFile *
troupe_document_get_file (TroupeDocument *self)
{
  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), NULL);

  return self->file;
}

char *
troupe_document_dup_title (TroupeDocument *self)
{
  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), NULL);

  if (self->file == NULL)
    return g_strdup (_("Untitled workflow"));
  return g_file_get_basename (self->file);
}

GPtrArray *
troupe_document_get_diagnostics (TroupeDocument *self)
{
  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), NULL);

  return self->diagnostics;
}

void
troupe_document_validate (TroupeDocument *self)
{
  g_return_if_fail (TROUPE_IS_DOCUMENT (self));

  g_clear_handle_id (&self->validate_id, g_source_remove);
  g_clear_pointer (&self->diagnostics, g_ptr_array_unref);
  self->diagnostics = troupe_workflow_validate (self->workflow);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIAGNOSTICS]);
}

gboolean
troupe_document_get_dirty (TroupeDocument *self)
{
  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);

  return self->dirty;
}

gboolean
troupe_document_get_can_undo (TroupeDocument *self)
{
  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);

  return self->undo_stack->len > 0;
}

gboolean
troupe_document_get_can_redo (TroupeDocument *self)
{
  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);

  return self->redo_stack->len > 0;
}

static gboolean
needs_layout (TroupeWorkflow *workflow)
{
  GPtrArray *steps = troupe_workflow_get_steps (workflow);

  for (guint i = 0; i < steps->len; i++)
    if (!troupe_step_get_position (g_ptr_array_index (steps, i), NULL, NULL))
      return TRUE;
  return FALSE;
}

gboolean
troupe_document_load (TroupeDocument  *self,
                      GFile           *file,
                      GError         **error)
{
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  TroupeFileFormat format;

  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("%s: only local files can be opened; copy it to a local folder first"), uri);
      return FALSE;
    }

  workflow = troupe_workflow_new_from_file (path, NULL, error);
  if (workflow == NULL)
    return FALSE;

  /* An imported DOT graph is not a workflow file: it has no file until it
   * is saved as one. */
  format = troupe_file_format_from_path (path);
  if (format == TROUPE_FILE_FORMAT_YAML || format == TROUPE_FILE_FORMAT_JSON)
    g_file_get_contents (path, &text, NULL, NULL);
  else
    file = NULL;

  /* Positions are editor data; a file without them (written by hand or
   * imported from DOT) is laid out once so that every card can be drawn. */
  if (needs_layout (workflow))
    {
      g_autoptr(GError) layout_error = NULL;

      if (!troupe_workflow_layout (workflow, &layout_error))
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&layout_error), "%s: ", path);
          return FALSE;
        }
    }

  g_object_freeze_notify (G_OBJECT (self));
  set_workflow (self, workflow);
  if (g_set_object (&self->file, file))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
  watch_file (self, text);
  clear_history (self);
  self->saved_serial = 0;
  set_dirty (self, FALSE);
  troupe_document_validate (self);
  g_object_thaw_notify (G_OBJECT (self));

  return TRUE;
}

gboolean
troupe_document_save (TroupeDocument  *self,
                      GFile           *file,
                      GError         **error)
{
  g_autofree char *path = NULL;
  TroupeFileFormat format;

  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (file == NULL || G_IS_FILE (file), FALSE);

  if (file == NULL)
    file = self->file;
  if (file == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   _("The workflow has no file yet; choose one with Save As"));
      return FALSE;
    }

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("%s: only local files can be saved to; choose a local folder"), uri);
      return FALSE;
    }

  format = troupe_file_format_from_path (path);
  if (format != TROUPE_FILE_FORMAT_YAML && format != TROUPE_FILE_FORMAT_JSON)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   _("%s: workflows are saved as YAML or JSON; name the file .yaml or .json"), path);
      return FALSE;
    }

  if (!troupe_workflow_save_to_file (self->workflow, path, format, error))
    return FALSE;

  if (g_set_object (&self->file, file))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
  troupe_workflow_set_file (self->workflow, path);
  {
    g_autofree char *text = troupe_workflow_to_data (self->workflow, format, NULL);

    watch_file (self, text);
  }
  self->saved_serial = top_serial (self);
  self->merge_closed = TRUE;
  set_dirty (self, FALSE);

  return TRUE;
}

gboolean
troupe_document_undo (TroupeDocument  *self,
                      GError         **error)
{
  gboolean could_undo, could_redo;
  Command *command;

  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);

  if (self->undo_stack->len == 0)
    return TRUE;

  could_undo = TRUE;
  could_redo = self->redo_stack->len > 0;
  self->merge_closed = TRUE;
  command = g_ptr_array_steal_index (self->undo_stack, self->undo_stack->len - 1);
  g_ptr_array_add (self->redo_stack, command);
  update_stacks (self, could_undo, could_redo);

  if (!command_apply (command, self->workflow, FALSE, error))
    return FALSE;
  set_dirty (self, top_serial (self) != self->saved_serial);
  return TRUE;
}

gboolean
troupe_document_redo (TroupeDocument  *self,
                      GError         **error)
{
  gboolean could_undo, could_redo;
  Command *command;

  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);

  if (self->redo_stack->len == 0)
    return TRUE;

  could_undo = self->undo_stack->len > 0;
  could_redo = TRUE;
  self->merge_closed = TRUE;
  command = g_ptr_array_steal_index (self->redo_stack, self->redo_stack->len - 1);
  g_ptr_array_add (self->undo_stack, command);
  update_stacks (self, could_undo, could_redo);

  if (!command_apply (command, self->workflow, TRUE, error))
    return FALSE;
  set_dirty (self, top_serial (self) != self->saved_serial);
  return TRUE;
}

/* Adds a copy of @step, placed when it has no position, and returns the
 * command that records it (already done). */
static Command *
add_step_now (TroupeDocument  *self,
              TroupeStep      *step,
              GError         **error)
{
  g_autoptr(TroupeStep) copy = troupe_step_copy (step);
  Command *command;

  if (!troupe_workflow_add_step (self->workflow, copy, error))
    return NULL;
  if (!troupe_step_get_position (copy, NULL, NULL))
    troupe_workflow_place_step (self->workflow, copy);

  /* Recorded as placed, so that redo puts it back at the same spot. */
  command = command_new (COMMAND_ADD_STEP, troupe_step_get_id (copy), NULL);
  command->step = troupe_step_copy (copy);
  command->index = troupe_workflow_get_step_index (self->workflow, command->a);
  return command;
}

gboolean
troupe_document_add_step (TroupeDocument  *self,
                          TroupeStep      *step,
                          GError         **error)
{
  Command *command;

  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (TROUPE_IS_STEP (step), FALSE);

  command = add_step_now (self, step, error);
  if (command == NULL)
    return FALSE;

  push_done (self, command);
  return TRUE;
}

gboolean
troupe_document_add_steps (TroupeDocument  *self,
                           GPtrArray       *steps,
                           GError         **error)
{
  g_autoptr(Command) group = NULL;

  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (steps != NULL, FALSE);

  group = command_new (COMMAND_GROUP, NULL, NULL);
  group->children = g_ptr_array_new_with_free_func ((GDestroyNotify) command_free);
  for (guint i = 0; i < steps->len; i++)
    {
      Command *command = add_step_now (self, g_ptr_array_index (steps, i), error);

      if (command == NULL)
        {
          command_apply (group, self->workflow, FALSE, NULL);
          return FALSE;
        }
      g_ptr_array_add (group->children, command);
    }

  if (group->children->len > 0)
    push_done (self, g_steal_pointer (&group));
  return TRUE;
}

/* A delete command for @id as the workflow is now. */
static Command *
delete_command_new (TroupeDocument  *self,
                    const char      *id,
                    GError         **error)
{
  g_autoptr(GPtrArray) dependents = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  TroupeStep *step;
  Command *command;

  step = troupe_workflow_lookup_step (self->workflow, id);
  if (step == NULL)
    {
      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_UNKNOWN_STEP,
                   _("There is no step “%s” to delete"), id);
      return NULL;
    }

  builder = g_strv_builder_new ();
  dependents = troupe_workflow_get_dependents (self->workflow, id);
  for (guint i = 0; i < dependents->len; i++)
    g_strv_builder_add (builder, troupe_step_get_id (g_ptr_array_index (dependents, i)));

  command = command_new (COMMAND_DELETE_STEP, id, NULL);
  command->step = troupe_step_copy (step);
  command->index = troupe_workflow_get_step_index (self->workflow, id);
  command->dependents = g_strv_builder_end (builder);
  return command;
}

gboolean
troupe_document_delete_step (TroupeDocument  *self,
                             const char      *id,
                             GError         **error)
{
  Command *command;

  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  command = delete_command_new (self, id, error);
  if (command == NULL)
    return FALSE;

  return perform (self, command, error);
}

gboolean
troupe_document_delete_steps (TroupeDocument      *self,
                              const char * const  *ids,
                              GError             **error)
{
  g_autoptr(Command) group = NULL;

  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (ids != NULL, FALSE);

  group = command_new (COMMAND_GROUP, NULL, NULL);
  group->children = g_ptr_array_new_with_free_func ((GDestroyNotify) command_free);

  /* Each delete is built against the workflow as the previous ones left
   * it, so undoing them in reverse order restores every edge. */
  for (guint i = 0; ids[i] != NULL; i++)
    {
      Command *command = delete_command_new (self, ids[i], error);

      if (command == NULL || !command_apply (command, self->workflow, TRUE, error))
        {
          if (command != NULL)
            command_free (command);
          command_apply (group, self->workflow, FALSE, NULL);
          return FALSE;
        }
      g_ptr_array_add (group->children, command);
    }

  if (group->children->len > 0)
    push_done (self, g_steal_pointer (&group));
  return TRUE;
}

void
troupe_document_record_moves (TroupeDocument     *self,
                              const char * const *ids,
                              const double       *old_x,
                              const double       *old_y)
{
  g_autoptr(GPtrArray) placements = NULL;
  Command *command;

  g_return_if_fail (TROUPE_IS_DOCUMENT (self));
  g_return_if_fail (ids != NULL);

  placements = g_ptr_array_new_with_free_func ((GDestroyNotify) placement_free);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      TroupeStep *step = troupe_workflow_lookup_step (self->workflow, ids[i]);
      Placement *p;
      double x, y;

      if (step == NULL || !troupe_step_get_position (step, &x, &y) ||
          (x == old_x[i] && y == old_y[i]))
        continue;

      p = g_new0 (Placement, 1);
      p->id = g_strdup (ids[i]);
      p->had_position = TRUE;
      p->old_x = old_x[i];
      p->old_y = old_y[i];
      p->new_x = x;
      p->new_y = y;
      g_ptr_array_add (placements, p);
    }

  /* A click without motion is no edit. */
  if (placements->len == 0)
    return;

  command = command_new (COMMAND_LAYOUT, NULL, NULL);
  command->placements = g_steal_pointer (&placements);
  push_done (self, command);
}

gboolean
troupe_document_move_steps (TroupeDocument      *self,
                            const char * const  *ids,
                            double               dx,
                            double               dy,
                            GError             **error)
{
  g_autoptr(GPtrArray) placements = NULL;
  Command *command;

  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (ids != NULL, FALSE);

  placements = g_ptr_array_new_with_free_func ((GDestroyNotify) placement_free);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      TroupeStep *step = troupe_workflow_lookup_step (self->workflow, ids[i]);
      Placement *p = g_new0 (Placement, 1);

      if (step == NULL)
        {
          g_free (p);
          g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_UNKNOWN_STEP,
                       _("There is no step “%s” to move"), ids[i]);
          return FALSE;
        }

      p->id = g_strdup (ids[i]);
      p->had_position = troupe_step_get_position (step, &p->old_x, &p->old_y);
      p->new_x = p->old_x + dx;
      p->new_y = p->old_y + dy;
      g_ptr_array_add (placements, p);
    }

  command = command_new (COMMAND_LAYOUT, NULL, NULL);
  command->placements = g_steal_pointer (&placements);
  return perform (self, command, error);
}

gboolean
troupe_document_move_step (TroupeDocument  *self,
                           const char      *id,
                           double           x,
                           double           y,
                           GError         **error)
{
  TroupeStep *step;
  Command *command;

  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  step = troupe_workflow_lookup_step (self->workflow, id);
  if (step == NULL)
    {
      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_UNKNOWN_STEP,
                   _("There is no step “%s” to move"), id);
      return FALSE;
    }

  command = command_new (COMMAND_MOVE_STEP, id, NULL);
  command->had_position = troupe_step_get_position (step, &command->old_x, &command->old_y);
  command->new_x = x;
  command->new_y = y;

  return perform (self, command, error);
}

void
troupe_document_record_move (TroupeDocument *self,
                             const char     *id,
                             double          old_x,
                             double          old_y)
{
  TroupeStep *step;
  Command *command;
  double x, y;

  g_return_if_fail (TROUPE_IS_DOCUMENT (self));
  g_return_if_fail (id != NULL);

  step = troupe_workflow_lookup_step (self->workflow, id);
  g_return_if_fail (step != NULL);

  /* A click without motion is no edit. */
  if (!troupe_step_get_position (step, &x, &y) || (x == old_x && y == old_y))
    return;

  command = command_new (COMMAND_MOVE_STEP, id, NULL);
  command->had_position = TRUE;
  command->old_x = old_x;
  command->old_y = old_y;
  command->new_x = x;
  command->new_y = y;
  push_done (self, command);
}

gboolean
troupe_document_connect (TroupeDocument  *self,
                         const char      *from,
                         const char      *to,
                         GError         **error)
{
  TroupeStep *target;

  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (from != NULL && to != NULL, FALSE);

  /* Connecting an existing edge is no edit, so nothing to undo. */
  target = troupe_workflow_lookup_step (self->workflow, to);
  if (target != NULL && troupe_step_has_need (target, from))
    return TRUE;

  return perform (self, command_new (COMMAND_CONNECT, from, to), error);
}

gboolean
troupe_document_disconnect (TroupeDocument  *self,
                            const char      *from,
                            const char      *to,
                            GError         **error)
{
  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (from != NULL && to != NULL, FALSE);

  return perform (self, command_new (COMMAND_DISCONNECT, from, to), error);
}

gboolean
troupe_document_rename_step (TroupeDocument  *self,
                             const char      *old_id,
                             const char      *new_id,
                             GError         **error)
{
  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (old_id != NULL && new_id != NULL, FALSE);

  if (g_strcmp0 (old_id, new_id) == 0)
    return TRUE;

  return perform (self, command_new (COMMAND_RENAME_STEP, old_id, new_id), error);
}

gboolean
troupe_document_layout (TroupeDocument  *self,
                        GError         **error)
{
  g_autoptr(GPtrArray) placements = NULL;
  GPtrArray *steps;
  Command *command;
  gboolean moved = FALSE;

  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);

  steps = troupe_workflow_get_steps (self->workflow);
  placements = g_ptr_array_new_with_free_func ((GDestroyNotify) placement_free);
  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      Placement *p = g_new0 (Placement, 1);

      p->id = g_strdup (troupe_step_get_id (step));
      p->had_position = troupe_step_get_position (step, &p->old_x, &p->old_y);
      g_ptr_array_add (placements, p);
    }

  if (!troupe_workflow_layout (self->workflow, error))
    {
      /* Whatever the engine moved before failing goes back. */
      command = command_new (COMMAND_LAYOUT, NULL, NULL);
      command->placements = g_steal_pointer (&placements);
      command_apply (command, self->workflow, FALSE, NULL);
      command_free (command);
      return FALSE;
    }

  for (guint i = 0; i < placements->len; i++)
    {
      Placement *p = g_ptr_array_index (placements, i);
      TroupeStep *step = troupe_workflow_lookup_step (self->workflow, p->id);

      troupe_step_get_position (step, &p->new_x, &p->new_y);
      moved |= !p->had_position || p->new_x != p->old_x || p->new_y != p->old_y;
    }

  /* A layout that changes nothing is no edit. */
  if (!moved)
    return TRUE;

  command = command_new (COMMAND_LAYOUT, NULL, NULL);
  command->placements = g_steal_pointer (&placements);
  push_done (self, command);
  return TRUE;
}

/* The newest command, when the next edit with @merge_key of @kind (and of
 * step @id) may merge into it: see troupe_document_edit_step(). */
static Command *
merge_target (TroupeDocument *self,
              CommandKind     kind,
              const char     *id,
              const char     *merge_key)
{
  Command *top;

  if (merge_key == NULL || self->merge_closed ||
      self->undo_stack->len == 0 || self->redo_stack->len > 0)
    return NULL;

  top = g_ptr_array_index (self->undo_stack, self->undo_stack->len - 1);
  if (top->kind != kind ||
      g_strcmp0 (top->a, id) != 0 ||
      g_strcmp0 (top->merge_key, merge_key) != 0 ||
      g_get_monotonic_time () - top->merged_at >= TROUPE_DOCUMENT_MERGE_INTERVAL)
    return NULL;

  return top;
}

/* @command, the newest, now ends where the workflow is: it becomes a new
 * state as far as saving is concerned. */
static void
merged (TroupeDocument *self,
        Command        *command)
{
  command->serial = ++self->last_serial;
  command->merged_at = g_get_monotonic_time ();
  set_dirty (self, command->serial != self->saved_serial);
}

/* The edit of the fields of step @id (already named so), as a command. */
static gboolean
edit_fields (TroupeDocument  *self,
             const char      *id,
             TroupeStep      *edited,
             const char      *merge_key,
             Command        **out,
             GError         **error)
{
  TroupeStep *step = troupe_workflow_lookup_step (self->workflow, id);
  g_autoptr(TroupeStep) before = NULL;
  g_autoptr(TroupeStep) after = NULL;
  Command *target;
  double x, y;

  *out = NULL;

  if (step == NULL)
    {
      g_set_error (error, TROUPE_WORKFLOW_ERROR, TROUPE_WORKFLOW_ERROR_UNKNOWN_STEP,
                   _("There is no step “%s” to edit"), id);
      return FALSE;
    }

  /* The edit carries the fields, never the id or the position: those
   * have commands of their own. */
  before = troupe_step_copy (step);
  after = troupe_step_copy (edited);
  troupe_step_set_id (after, id);
  if (troupe_step_get_position (step, &x, &y))
    troupe_step_set_position (after, x, y);
  else
    troupe_step_clear_position (after);

  if (troupe_step_equal (before, after))
    return TRUE;

  if (!edit_step_apply (self->workflow, id, after, error))
    return FALSE;

  target = merge_target (self, COMMAND_EDIT_STEP, id, merge_key);
  if (target != NULL)
    {
      g_set_object (&target->after, after);
      merged (self, target);
      return TRUE;
    }

  *out = command_new (COMMAND_EDIT_STEP, id, NULL);
  (*out)->step = g_steal_pointer (&before);
  (*out)->after = g_steal_pointer (&after);
  (*out)->merge_key = g_strdup (merge_key);
  (*out)->merged_at = g_get_monotonic_time ();
  return TRUE;
}

gboolean
troupe_document_edit_step (TroupeDocument  *self,
                           const char      *id,
                           TroupeStep      *edited,
                           const char      *merge_key,
                           GError         **error)
{
  const char *new_id;
  Command *edit = NULL;
  g_autoptr(Command) rename = NULL;
  g_autoptr(Command) group = NULL;

  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (TROUPE_IS_STEP (edited), FALSE);
  g_return_val_if_fail (troupe_step_get_workflow (edited) == NULL, FALSE);

  new_id = troupe_step_get_id (edited);
  if (g_strcmp0 (new_id, id) == 0)
    {
      if (!edit_fields (self, id, edited, merge_key, &edit, error))
        return FALSE;
      if (edit != NULL)
        push_done (self, edit);
      return TRUE;
    }

  /* A new id goes through the engine's rename, which rewrites the needs
   * and templates that refer to the step; the rest is an edit of the step
   * under its new name; both are one command. */
  rename = command_new (COMMAND_RENAME_STEP, id, new_id);
  if (!command_apply (rename, self->workflow, TRUE, error))
    return FALSE;

  if (!edit_fields (self, new_id, edited, NULL, &edit, error))
    {
      command_apply (rename, self->workflow, FALSE, NULL);
      return FALSE;
    }

  group = command_new (COMMAND_GROUP, NULL, NULL);
  group->children = g_ptr_array_new_with_free_func ((GDestroyNotify) command_free);
  g_ptr_array_add (group->children, g_steal_pointer (&rename));
  if (edit != NULL)
    g_ptr_array_add (group->children, edit);
  push_done (self, g_steal_pointer (&group));
  return TRUE;
}

gboolean
troupe_document_edit_workflow (TroupeDocument          *self,
                               const char              *merge_key,
                               TroupeDocumentEditFunc   func,
                               gpointer                 user_data,
                               GError                 **error)
{
  g_autoptr(TroupeWorkflow) before = NULL;
  g_autoptr(TroupeWorkflow) after = NULL;
  Command *target;
  Command *command;

  g_return_val_if_fail (TROUPE_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  before = settings_snapshot (self->workflow);
  if (!func (self->workflow, user_data, error))
    {
      /* Whatever @func changed before it failed goes back. */
      settings_apply (self->workflow, before);
      return FALSE;
    }

  after = settings_snapshot (self->workflow);
  if (troupe_workflow_equal (before, after))
    return TRUE;

  target = merge_target (self, COMMAND_EDIT_WORKFLOW, NULL, merge_key);
  if (target != NULL)
    {
      g_set_object (&target->settings_after, after);
      merged (self, target);
      return TRUE;
    }

  command = command_new (COMMAND_EDIT_WORKFLOW, NULL, NULL);
  command->settings_before = g_steal_pointer (&before);
  command->settings_after = g_steal_pointer (&after);
  command->merge_key = g_strdup (merge_key);
  command->merged_at = g_get_monotonic_time ();
  push_done (self, command);
  return TRUE;
}

void
troupe_document_end_merge (TroupeDocument *self)
{
  g_return_if_fail (TROUPE_IS_DOCUMENT (self));

  self->merge_closed = TRUE;
}
