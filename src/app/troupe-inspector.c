/* troupe-inspector.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "troupe-app-resources.h"
#include "troupe-form.h"
#include "troupe-inspector.h"

struct _TroupeInspector
{
  AdwBin               parent_instance;

  /* template widgets */
  GtkStack            *stack;
  TroupeWorkflowPanel *workflow_panel;
  AdwStatusPage       *several_page;
  AdwPreferencesPage  *step_page;

  AdwPreferencesGroup *step_group;
  AdwEntryRow         *id_row;
  AdwComboRow         *kind_row;
  AdwEntryRow         *description_row;
  AdwComboRow         *agent_row;
  GtkLabel            *step_message;

  AdwPreferencesGroup *agent_group;
  AdwComboRow         *provider_row;
  AdwEntryRow         *prompt_file_row;
  GtkButton           *prompt_file_button;
  GtkLabel            *agent_message;

  AdwPreferencesGroup *prompt_group;
  GtkFrame            *prompt_frame;
  GtkTextView         *prompt_view;
  GtkLabel            *prompt_message;

  AdwPreferencesGroup *command_group;
  GtkFrame            *command_frame;
  GtkTextView         *command_view;
  GtkLabel            *command_message;

  AdwPreferencesGroup *send_group;
  AdwEntryRow         *send_to_row;
  AdwEntryRow         *send_file_row;
  GtkFrame            *send_content_frame;
  GtkTextView         *send_content_view;
  GtkLabel            *send_message;

  AdwPreferencesGroup *wait_group;
  AdwEntryRow         *wait_glob_row;
  AdwEntryRow         *wait_timeout_row;
  AdwEntryRow         *wait_poll_row;
  AdwActionRow        *wait_min_count_row;
  GtkSpinButton       *wait_min_count_spin;
  GtkLabel            *wait_message;

  AdwPreferencesGroup *approval_group;
  AdwEntryRow         *approval_row;
  GtkLabel            *approval_message;

  AdwPreferencesGroup *needs_group;
  GtkDropDown         *add_need_dropdown;
  GtkStringList       *need_candidates;
  GtkButton           *add_need_button;
  GtkListBox          *needs_list;
  GtkLabel            *needs_message;

  AdwPreferencesGroup *condition_group;
  AdwComboRow         *when_op_row;
  AdwEntryRow         *when_left_row;
  AdwEntryRow         *when_right_row;
  GtkLabel            *condition_message;

  AdwPreferencesGroup *failure_group;
  AdwEntryRow         *timeout_row;
  AdwComboRow         *on_failure_row;
  AdwExpanderRow      *retries_row;
  AdwActionRow        *retries_max_row;
  GtkSpinButton       *retries_max_spin;
  AdwComboRow         *retries_backoff_row;
  AdwEntryRow         *retries_delay_row;
  GtkLabel            *failure_message;

  /* owned */
  TroupeDocument      *document;
  TroupeWorkflow      *workflow;
  TroupeCanvasView    *view;
  TroupeStep          *step;
  GtkNativeDialog     *file_chooser;
  /* What the user typed that the model refused, field -> the engine's
   * message; it stays until the field is edited again or the model
   * changes the field. */
  GHashTable          *local_errors;

  /* Set while widgets are written from the model, so that their change
   * signals are not taken for edits. */
  guint                updating;
};

G_DEFINE_FINAL_TYPE (TroupeInspector, troupe_inspector, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DOCUMENT,
  PROP_VIEW,
  PROP_STEP,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

#define OFFSET(member) G_STRUCT_OFFSET (TroupeInspector, member)
#define MEMBER(self, offset) (*(gpointer *) G_STRUCT_MEMBER_P ((self), (offset)))

/* Every field the inspector edits: the step property, the widget marked
 * when it is invalid, and the label under its group that lists why. */
static const struct
{
  const char *field;
  glong       widget;
  glong       label;
} fields[] = {
  { "id", OFFSET (id_row), OFFSET (step_message) },
  { "kind", OFFSET (kind_row), OFFSET (step_message) },
  { "description", OFFSET (description_row), OFFSET (step_message) },
  { "agent", OFFSET (agent_row), OFFSET (step_message) },
  { "provider", OFFSET (provider_row), OFFSET (agent_message) },
  { "prompt-file", OFFSET (prompt_file_row), OFFSET (agent_message) },
  { "prompt", OFFSET (prompt_frame), OFFSET (prompt_message) },
  { "command", OFFSET (command_frame), OFFSET (command_message) },
  { "send-to", OFFSET (send_to_row), OFFSET (send_message) },
  { "send-file", OFFSET (send_file_row), OFFSET (send_message) },
  { "send-content", OFFSET (send_content_frame), OFFSET (send_message) },
  { "wait-glob", OFFSET (wait_glob_row), OFFSET (wait_message) },
  { "wait-timeout", OFFSET (wait_timeout_row), OFFSET (wait_message) },
  { "wait-poll", OFFSET (wait_poll_row), OFFSET (wait_message) },
  { "wait-min-count", OFFSET (wait_min_count_row), OFFSET (wait_message) },
  { "approval", OFFSET (approval_row), OFFSET (approval_message) },
  { "needs", OFFSET (needs_list), OFFSET (needs_message) },
  { "when-op", OFFSET (when_op_row), OFFSET (condition_message) },
  { "when-left", OFFSET (when_left_row), OFFSET (condition_message) },
  { "when-right", OFFSET (when_right_row), OFFSET (condition_message) },
  { "timeout", OFFSET (timeout_row), OFFSET (failure_message) },
  { "on-failure", OFFSET (on_failure_row), OFFSET (failure_message) },
  { "retries", OFFSET (retries_row), OFFSET (failure_message) },
};

/* Which field a diagnostic of the step is about, from the key path it
 * names (its pointer): the first key, and for the sections the key in
 * them ("send/file", "wait_for/glob"); the first matching line wins. A
 * bare "wait_for" is the wait_for section as a whole (wait-for-exclusive:
 * a wait step combined with other fields), which is the step's kind.
 * Keys the inspector does not edit (for_each, outputs, unknown keys) have
 * no field: their messages go under the step. */
static const struct
{
  const char *key;
  const char *inner;   /* NULL: any, or none */
  const char *field;
} pointer_fields[] = {
  { "kind", NULL, "kind" },
  { "description", NULL, "description" },
  { "agent", NULL, "agent" },
  { "provider", NULL, "provider" },
  { "prompt", NULL, "prompt" },
  { "prompt_file", NULL, "prompt-file" },
  { "command", NULL, "command" },
  { "send", "file", "send-file" },
  { "send", "content", "send-content" },
  { "send", NULL, "send-to" },
  { "wait_for", "glob", "wait-glob" },
  { "wait_for", "timeout", "wait-timeout" },
  { "wait_for", "poll", "wait-poll" },
  { "wait_for", "min_count", "wait-min-count" },
  { "wait_for", NULL, "kind" },
  { "approval", NULL, "approval" },
  { "needs", NULL, "needs" },
  { "timeout", NULL, "timeout" },
  { "on_failure", NULL, "on-failure" },
  { "retries", NULL, "retries" },
};

/* The rules that are about the step as a whole (no pointer), whose fix
 * is still in one place of the inspector: the prompt one can write, and
 * the provider one can set. */
static const struct
{
  const char *code;
  const char *field;
} whole_step_fields[] = {
  { "missing-prompt", "prompt" },
  { "no-provider", "provider" },
};

typedef const char *(*StringGetter) (TroupeStep *step);
typedef void        (*StringSetter) (TroupeStep *step,
                                     const char *value);
typedef gint64      (*DurationGetter) (TroupeStep *step);
typedef void        (*DurationSetter) (TroupeStep *step,
                                       gint64      ms);

/* Fields that are one line of text, edited in an AdwEntryRow. */
static const struct
{
  const char   *field;
  glong         row;
  StringGetter  get;
  StringSetter  set;
} string_fields[] = {
  { "description", OFFSET (description_row), troupe_step_get_description, troupe_step_set_description },
  { "prompt-file", OFFSET (prompt_file_row), troupe_step_get_prompt_file, troupe_step_set_prompt_file },
  { "send-to", OFFSET (send_to_row), troupe_step_get_send_to, troupe_step_set_send_to },
  { "send-file", OFFSET (send_file_row), troupe_step_get_send_file, troupe_step_set_send_file },
  { "wait-glob", OFFSET (wait_glob_row), troupe_step_get_wait_glob, troupe_step_set_wait_glob },
  { "approval", OFFSET (approval_row), troupe_step_get_approval, troupe_step_set_approval },
};

/* Fields of several lines of text, edited in a GtkTextView. */
static const struct
{
  const char   *field;
  glong         view;
  StringGetter  get;
  StringSetter  set;
} text_fields[] = {
  { "prompt", OFFSET (prompt_view), troupe_step_get_prompt, troupe_step_set_prompt },
  { "send-content", OFFSET (send_content_view), troupe_step_get_send_content, troupe_step_set_send_content },
};

/* Durations, edited as text ("90s") in an AdwEntryRow; empty is unset. */
static const struct
{
  const char     *field;
  glong           row;
  DurationGetter  get;
  DurationSetter  set;
} duration_fields[] = {
  { "timeout", OFFSET (timeout_row), troupe_step_get_timeout, troupe_step_set_timeout },
  { "wait-timeout", OFFSET (wait_timeout_row), troupe_step_get_wait_timeout, troupe_step_set_wait_timeout },
  { "wait-poll", OFFSET (wait_poll_row), troupe_step_get_wait_poll, troupe_step_set_wait_poll },
};

/* "when/equals/0" is the left side of the condition, ".../1" the right,
 * and "when" or "when/equals" the operator. */
static const char *
when_field (const char *inner,
            const char *rest)
{
  if (inner == NULL || rest == NULL)
    return "when-op";
  return rest[0] == '0' ? "when-left" : rest[0] == '1' ? "when-right" : "when-op";
}

static const char *
field_for_diagnostic (const TroupeDiagnostic *d)
{
  g_auto(GStrv) segments = NULL;
  const char *key;
  const char *inner;

  if (d->pointer == NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (whole_step_fields); i++)
        if (g_strcmp0 (d->code, whole_step_fields[i].code) == 0)
          return whole_step_fields[i].field;
      return NULL;
    }

  /* An empty string splits into no segments at all. */
  segments = g_strsplit (d->pointer, "/", 3);
  if (segments[0] == NULL)
    return NULL;
  key = segments[0];
  inner = segments[1];

  if (g_str_equal (key, "when"))
    return when_field (inner, inner != NULL ? segments[2] : NULL);

  for (guint i = 0; i < G_N_ELEMENTS (pointer_fields); i++)
    {
      if (!g_str_equal (key, pointer_fields[i].key))
        continue;
      if (pointer_fields[i].inner != NULL && g_strcmp0 (inner, pointer_fields[i].inner) != 0)
        continue;
      return pointer_fields[i].field;
    }
  return NULL;
}

static GtkWidget *
field_widget (TroupeInspector *self,
              const char      *field)
{
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (g_str_equal (fields[i].field, field))
      return MEMBER (self, fields[i].widget);
  return NULL;
}

static GtkLabel *
field_label (TroupeInspector *self,
             const char      *field)
{
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (g_str_equal (fields[i].field, field))
      return MEMBER (self, fields[i].label);
  return self->step_message;
}

static void
add_message (GHashTable *messages,
             GtkLabel   *label,
             const char *message)
{
  GPtrArray *list = g_hash_table_lookup (messages, label);

  if (list == NULL)
    {
      list = g_ptr_array_new ();
      g_hash_table_insert (messages, label, list);
    }
  g_ptr_array_add (list, (gpointer) message);
}

/* Marks every field the step's diagnostics or the refused edits are
 * about, and lists the messages under each group. */
static void
update_marks (TroupeInspector *self)
{
  g_autoptr(GHashTable) messages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GHashTable) marks = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *diagnostics = self->document != NULL ? troupe_document_get_diagnostics (self->document) : NULL;
  const char *id = self->step != NULL ? troupe_step_get_id (self->step) : NULL;
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; id != NULL && diagnostics != NULL && i < diagnostics->len; i++)
    {
      const TroupeDiagnostic *d = g_ptr_array_index (diagnostics, i);
      const char *field;

      if (g_strcmp0 (d->step_id, id) != 0)
        continue;

      field = field_for_diagnostic (d);
      if (field != NULL && !g_hash_table_contains (marks, field))
        g_hash_table_insert (marks, (gpointer) field, d->message);
      add_message (messages, field != NULL ? field_label (self, field) : self->step_message, d->message);
    }

  /* A refused edit says more about the field than the model's state. */
  g_hash_table_iter_init (&iter, self->local_errors);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_hash_table_insert (marks, key, value);
      add_message (messages, field_label (self, key), value);
    }

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    _troupe_mark_invalid (MEMBER (self, fields[i].widget), g_hash_table_lookup (marks, fields[i].field));

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      GtkLabel *label = MEMBER (self, fields[i].label);

      _troupe_show_messages (label, g_hash_table_lookup (messages, label));
    }
}

static void
set_local_error (TroupeInspector *self,
                 const char      *field,
                 const char      *message)
{
  if (message != NULL)
    g_hash_table_insert (self->local_errors, g_strdup (field), g_strdup (message));
  else if (!g_hash_table_remove (self->local_errors, field))
    return;
  update_marks (self);
}

/* Gives the edited copy of the step to the document, as one command (or
 * merged into the last one, for typing). */
static gboolean
commit (TroupeInspector *self,
        TroupeStep      *edited,
        const char      *field,
        gboolean         merge)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  if (self->document == NULL || self->step == NULL)
    return FALSE;

  id = g_strdup (troupe_step_get_id (self->step));
  if (!troupe_document_edit_step (self->document, id, edited, merge ? field : NULL, &error))
    {
      set_local_error (self, field, error->message);
      return FALSE;
    }

  set_local_error (self, field, NULL);
  return TRUE;
}

/* A copy of the step to change and commit; NULL when there is nothing to
 * edit or the change comes from the model itself. */
static TroupeStep *
edited_copy (TroupeInspector *self)
{
  if (self->updating > 0 || self->step == NULL || self->document == NULL)
    return NULL;
  return troupe_step_copy (self->step);
}

static const char *
empty_to_null (const char *text)
{
  return text != NULL && text[0] != '\0' ? text : NULL;
}

/* The argv in the command view: one argument per line; a last empty line
 * is the newline after the last argument, not an argument. */
static GStrv
argv_from_text (const char *text)
{
  g_auto(GStrv) lines = NULL;
  guint n;

  if (text == NULL || text[0] == '\0')
    return NULL;

  lines = g_strsplit (text, "\n", -1);
  n = g_strv_length (lines);
  if (n > 0 && lines[n - 1][0] == '\0')
    g_clear_pointer (&lines[n - 1], g_free);
  if (lines[0] == NULL)
    return NULL;
  return g_steal_pointer (&lines);
}

/* A step of one kind keeps none of the other kinds' fields: hidden, they
 * would still be saved and run, and validation would blame fields the
 * inspector no longer shows. */
static void
clear_other_kinds (TroupeStep     *step,
                   TroupeStepKind  kind)
{
  if (kind != TROUPE_STEP_KIND_AGENT)
    {
      troupe_step_set_provider (step, NULL);
      troupe_step_set_prompt (step, NULL);
      troupe_step_set_prompt_file (step, NULL);
    }
  if (kind != TROUPE_STEP_KIND_COMMAND)
    troupe_step_set_command (step, NULL);
  if (kind != TROUPE_STEP_KIND_SEND)
    {
      troupe_step_set_send_to (step, NULL);
      troupe_step_set_send_file (step, NULL);
      troupe_step_set_send_content (step, NULL);
    }
  if (kind != TROUPE_STEP_KIND_WAIT)
    {
      troupe_step_set_wait_glob (step, NULL);
      troupe_step_set_wait_timeout (step, TROUPE_DURATION_UNSET);
      troupe_step_set_wait_poll (step, TROUPE_DURATION_UNSET);
      troupe_step_set_wait_min_count (step, 1);
    }
  if (kind != TROUPE_STEP_KIND_APPROVAL)
    troupe_step_set_approval (step, NULL);
}

/* Reading the model */

static void
update_kind (TroupeInspector *self)
{
  TroupeStepKind kind = troupe_step_get_kind (self->step);

  gtk_widget_set_visible (GTK_WIDGET (self->agent_group), kind == TROUPE_STEP_KIND_AGENT);
  gtk_widget_set_visible (GTK_WIDGET (self->prompt_group), kind == TROUPE_STEP_KIND_AGENT);
  gtk_widget_set_visible (GTK_WIDGET (self->command_group), kind == TROUPE_STEP_KIND_COMMAND);
  gtk_widget_set_visible (GTK_WIDGET (self->send_group), kind == TROUPE_STEP_KIND_SEND);
  gtk_widget_set_visible (GTK_WIDGET (self->wait_group), kind == TROUPE_STEP_KIND_WAIT);
  gtk_widget_set_visible (GTK_WIDGET (self->approval_group), kind == TROUPE_STEP_KIND_APPROVAL);
  if (adw_combo_row_get_selected (self->kind_row) != (guint) kind)
    adw_combo_row_set_selected (self->kind_row, kind);
}

/* The names the agent and provider combos offer; rebuilt only when they
 * change, so that a selection survives the model's other changes. */
static void
update_choices (TroupeInspector *self)
{
  g_autoptr(GPtrArray) agents = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) providers = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *list;
  const char * const *builtins = troupe_provider_get_builtin_names ();

  g_ptr_array_add (agents, NULL);
  list = troupe_workflow_get_agents (self->workflow);
  for (guint i = 0; i < list->len; i++)
    g_ptr_array_add (agents, g_strdup (troupe_agent_get_name (g_ptr_array_index (list, i))));

  g_ptr_array_add (providers, NULL);
  for (guint i = 0; builtins[i] != NULL; i++)
    g_ptr_array_add (providers, g_strdup (builtins[i]));
  list = troupe_workflow_get_providers (self->workflow);
  for (guint i = 0; i < list->len; i++)
    {
      const char *name = troupe_provider_get_name (g_ptr_array_index (list, i));

      if (!troupe_provider_is_builtin_name (name))
        g_ptr_array_add (providers, g_strdup (name));
    }

  self->updating++;
  if (_troupe_combo_set_names (self->agent_row, agents, _("None")) && self->step != NULL)
    _troupe_combo_select_name (self->agent_row, troupe_step_get_agent (self->step));
  if (_troupe_combo_set_names (self->provider_row, providers, _("Agent’s or workflow’s")) && self->step != NULL)
    _troupe_combo_select_name (self->provider_row, troupe_step_get_provider (self->step));
  self->updating--;
}

static void need_remove_cb (GtkButton       *button,
                            TroupeInspector *self);

/* The needs list and the steps that can be added to it. */
static void
update_needs (TroupeInspector *self)
{
  const char * const *needs = troupe_step_get_needs (self->step);
  const char *id = troupe_step_get_id (self->step);
  GPtrArray *steps = troupe_workflow_get_steps (self->workflow);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) candidates = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->needs_list))) != NULL)
    gtk_list_box_remove (self->needs_list, child);

  for (guint i = 0; needs != NULL && needs[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_from_icon_name ("list-remove-symbolic");
      g_autofree char *label = g_strdup_printf (_("Remove “%s” from the needs"), needs[i]);
      TroupeStep *need = troupe_workflow_lookup_step (self->workflow, needs[i]);

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), needs[i]);
      if (need != NULL && troupe_step_get_description (need) != NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), troupe_step_get_description (need));
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 1);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, _("Remove from the Needs"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      g_object_set_data_full (G_OBJECT (button), "troupe-need", g_strdup (needs[i]), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (need_remove_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      gtk_list_box_append (self->needs_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->needs_list), needs != NULL && needs[0] != NULL);

  /* Every other step, cycles included: the engine refuses those with a
   * message that names the cycle, which says more than a missing item. */
  for (guint i = 0; i < steps->len; i++)
    {
      const char *other = troupe_step_get_id (g_ptr_array_index (steps, i));

      if (!g_str_equal (other, id) && !troupe_step_has_need (self->step, other))
        g_strv_builder_add (builder, other);
    }
  candidates = g_strv_builder_end (builder);

  self->updating++;
  gtk_string_list_splice (self->need_candidates, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->need_candidates)),
                          (const char * const *) candidates);
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_need_dropdown), candidates[0] != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_need_button), candidates[0] != NULL);
  self->updating--;
}

/* What a step with no retry policy of its own inherits. */
static void
update_retries_subtitle (TroupeInspector *self)
{
  const TroupeRetryPolicy *inherited = troupe_workflow_get_default_retries (self->workflow);
  guint n = inherited != NULL ? inherited->max_retries : 0;
  g_autofree char *subtitle = NULL;

  if (troupe_step_get_retries (self->step) == NULL)
    subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "Else the workflow’s: %u retry",
                                             "Else the workflow’s: %u retries", n), n);
  adw_expander_row_set_subtitle (self->retries_row, subtitle != NULL ? subtitle : "");
}

static void
update_retries (TroupeInspector *self)
{
  const TroupeRetryPolicy *retries = troupe_step_get_retries (self->step);

  adw_expander_row_set_enable_expansion (self->retries_row, retries != NULL);
  if (retries != NULL)
    {
      gint64 shown;

      if (gtk_spin_button_get_value_as_int (self->retries_max_spin) != (int) retries->max_retries)
        gtk_spin_button_set_value (self->retries_max_spin, retries->max_retries);
      if (adw_combo_row_get_selected (self->retries_backoff_row) != (guint) retries->backoff)
        adw_combo_row_set_selected (self->retries_backoff_row, retries->backoff);
      if (!_troupe_duration_from_text (gtk_editable_get_text (GTK_EDITABLE (self->retries_delay_row)), &shown, NULL) ||
          (shown == TROUPE_DURATION_UNSET ? TROUPE_RETRY_DEFAULT_DELAY_MS : shown) != retries->delay_ms)
        {
          g_autofree char *text = _troupe_duration_to_text (retries->delay_ms);

          gtk_editable_set_text (GTK_EDITABLE (self->retries_delay_row), text);
        }
    }

  update_retries_subtitle (self);
}

/* Writes the widgets of one step property (as named by the step's
 * "notify"), or of all when @property is NULL. A field whose widget
 * already means what the model holds is left alone, so that what the
 * user is typing (a trailing newline, "1h30m" for 90m) stays as typed. */
static void
refresh_property (TroupeInspector *self,
                  const char      *property)
{
  TroupeStep *step = self->step;

#define IS(name) (property == NULL || g_str_equal (property, name))
  if (step == NULL)
    return;

  self->updating++;

  if (IS ("id"))
    {
      _troupe_editable_set_text (GTK_EDITABLE (self->id_row), troupe_step_get_id (step));
      g_hash_table_remove (self->local_errors, "id");
      adw_preferences_group_set_title (self->step_group, troupe_step_get_id (step));
    }

  if (IS ("kind"))
    update_kind (self);

  if (IS ("agent"))
    _troupe_combo_select_name (self->agent_row, troupe_step_get_agent (step));

  if (IS ("provider"))
    _troupe_combo_select_name (self->provider_row, troupe_step_get_provider (step));

  for (guint i = 0; i < G_N_ELEMENTS (string_fields); i++)
    if (IS (string_fields[i].field))
      {
        _troupe_editable_set_text (MEMBER (self, string_fields[i].row), string_fields[i].get (step));
        g_hash_table_remove (self->local_errors, string_fields[i].field);
      }

  for (guint i = 0; i < G_N_ELEMENTS (text_fields); i++)
    if (IS (text_fields[i].field))
      _troupe_text_view_set_text (MEMBER (self, text_fields[i].view), text_fields[i].get (step));

  for (guint i = 0; i < G_N_ELEMENTS (duration_fields); i++)
    if (IS (duration_fields[i].field))
      {
        GtkEditable *row = MEMBER (self, duration_fields[i].row);
        gint64 ms = duration_fields[i].get (step);
        gint64 shown;

        if (!_troupe_duration_from_text (gtk_editable_get_text (row), &shown, NULL) || shown != ms)
          {
            g_autofree char *text = _troupe_duration_to_text (ms);

            gtk_editable_set_text (row, text);
          }
        g_hash_table_remove (self->local_errors, duration_fields[i].field);
      }

  if (IS ("command"))
    {
      const char * const *argv = troupe_step_get_command (step);
      g_autofree char *shown = _troupe_text_view_dup_text (self->command_view);
      g_auto(GStrv) shown_argv = argv_from_text (shown);

      if (!troupe_strv_equal0 ((const char * const *) shown_argv, argv))
        {
          g_autofree char *text = argv != NULL ? g_strjoinv ("\n", (char **) argv) : NULL;

          _troupe_text_view_set_text (self->command_view, text);
        }
    }

  if (IS ("wait-min-count") &&
      gtk_spin_button_get_value_as_int (self->wait_min_count_spin) != (int) troupe_step_get_wait_min_count (step))
    gtk_spin_button_set_value (self->wait_min_count_spin, troupe_step_get_wait_min_count (step));

  if (IS ("needs"))
    {
      update_needs (self);
      g_hash_table_remove (self->local_errors, "needs");
    }

  if (IS ("when-op") || IS ("when-left") || IS ("when-right"))
    {
      TroupeConditionOp op = troupe_step_get_when_op (step);

      if (adw_combo_row_get_selected (self->when_op_row) != (guint) op)
        adw_combo_row_set_selected (self->when_op_row, op);
      _troupe_editable_set_text (GTK_EDITABLE (self->when_left_row), troupe_step_get_when_left (step));
      _troupe_editable_set_text (GTK_EDITABLE (self->when_right_row), troupe_step_get_when_right (step));
      gtk_widget_set_sensitive (GTK_WIDGET (self->when_left_row), op != TROUPE_CONDITION_OP_NONE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->when_right_row), op != TROUPE_CONDITION_OP_NONE);
    }

  if (IS ("on-failure") &&
      adw_combo_row_get_selected (self->on_failure_row) != (guint) troupe_step_get_on_failure (step))
    adw_combo_row_set_selected (self->on_failure_row, troupe_step_get_on_failure (step));

  if (IS ("retries"))
    {
      update_retries (self);
      g_hash_table_remove (self->local_errors, "retries");
    }

  self->updating--;

  if (property != NULL)
    update_marks (self);
#undef IS
}

static void
show_step (TroupeInspector *self,
           TroupeStep      *step)
{
  if (self->step != step)
    {
      g_set_object (&self->step, step);
      g_hash_table_remove_all (self->local_errors);
      if (step != NULL)
        {
          update_choices (self);
          refresh_property (self, NULL);
        }
      update_marks (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEP]);
    }

  gtk_stack_set_visible_child_name (self->stack, step != NULL ? "step" : "workflow");
}

/* Follows the view's selection: one step, none, or several. */
static void
update_selection (TroupeInspector *self)
{
  guint n = self->view != NULL ? troupe_canvas_view_get_n_selected (self->view) : 0;
  const char *id = self->view != NULL ? troupe_canvas_view_get_selection (self->view) : NULL;
  TroupeStep *step = NULL;

  if (n > 1)
    {
      g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                             "%u Step Selected",
                                                             "%u Steps Selected", n), n);

      show_step (self, NULL);
      adw_status_page_set_title (self->several_page, title);
      gtk_stack_set_visible_child_name (self->stack, "several");
      return;
    }

  if (id != NULL && self->workflow != NULL)
    step = troupe_workflow_lookup_step (self->workflow, id);
  show_step (self, step);
}

/* Model signals */

static void
on_step_changed_cb (TroupeWorkflow  *workflow,
                    TroupeStep      *step,
                    GParamSpec      *pspec,
                    TroupeInspector *self)
{
  if (step == self->step)
    refresh_property (self, pspec->name);
}

/* Steps come, go and change names: the needs list names them. */
static void
on_steps_changed_cb (TroupeInspector *self)
{
  if (self->step == NULL)
    return;

  if (troupe_step_get_workflow (self->step) != self->workflow)
    {
      update_selection (self);
      return;
    }

  self->updating++;
  update_needs (self);
  self->updating--;
}

static void
on_workflow_changed_cb (TroupeInspector *self)
{
  if (self->step != NULL)
    {
      update_choices (self);
      update_retries_subtitle (self);
    }
}

static void
set_workflow (TroupeInspector *self,
              TroupeWorkflow  *workflow)
{
  if (self->workflow == workflow)
    return;

  if (self->workflow != NULL)
    g_signal_handlers_disconnect_by_data (self->workflow, self);
  show_step (self, NULL);
  g_set_object (&self->workflow, workflow);

  if (workflow == NULL)
    return;

  g_signal_connect (workflow, "step-changed", G_CALLBACK (on_step_changed_cb), self);
  g_signal_connect_swapped (workflow, "step-added", G_CALLBACK (on_steps_changed_cb), self);
  g_signal_connect_swapped (workflow, "step-removed", G_CALLBACK (on_steps_changed_cb), self);
  g_signal_connect_swapped (workflow, "step-renamed", G_CALLBACK (on_steps_changed_cb), self);
  g_signal_connect_swapped (workflow, "changed", G_CALLBACK (on_workflow_changed_cb), self);
  update_selection (self);
}

static void
on_document_workflow_cb (TroupeInspector *self)
{
  set_workflow (self, troupe_document_get_workflow (self->document));
}

/* Widget signals: each makes an edited copy of the step and commits it. */

static void
id_changed_cb (TroupeInspector *self)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  TroupeStep *other;

  if (self->updating > 0 || self->step == NULL)
    return;

  /* Only what the engine would refuse is checked as the user types, and
   * with the engine's own words: renaming to an invalid or taken id fails
   * before it changes anything. Renaming happens on Enter. */
  text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->id_row))));
  other = troupe_workflow_lookup_step (self->workflow, text);
  if (!g_str_equal (text, troupe_step_get_id (self->step)) &&
      (!troupe_step_id_is_valid (text) || other != NULL))
    {
      if (troupe_workflow_rename_step (self->workflow, troupe_step_get_id (self->step), text, &error))
        g_assert_not_reached ();
      set_local_error (self, "id", error->message);
    }
  else
    set_local_error (self, "id", NULL);
}

static void
id_apply_cb (TroupeInspector *self)
{
  g_autoptr(TroupeStep) edited = edited_copy (self);
  g_autofree char *text = NULL;

  if (edited == NULL)
    return;

  text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->id_row))));
  if (g_str_equal (text, troupe_step_get_id (self->step)))
    return;
  if (!troupe_step_id_is_valid (text))
    {
      /* The engine's message, as rename gives it. */
      id_changed_cb (self);
      return;
    }

  troupe_step_set_id (edited, text);
  commit (self, edited, "id", FALSE);
}

static void
kind_selected_cb (TroupeInspector *self)
{
  g_autoptr(TroupeStep) edited = edited_copy (self);
  guint kind = adw_combo_row_get_selected (self->kind_row);

  if (edited == NULL || kind > TROUPE_STEP_KIND_APPROVAL || kind == troupe_step_get_kind (self->step))
    return;

  troupe_step_set_kind (edited, kind);
  clear_other_kinds (edited, kind);
  commit (self, edited, "kind", FALSE);
}

static void
agent_selected_cb (TroupeInspector *self)
{
  g_autoptr(TroupeStep) edited = edited_copy (self);
  const char *name;

  if (edited == NULL || !_troupe_combo_get_name (self->agent_row, &name))
    return;
  troupe_step_set_agent (edited, name);
  commit (self, edited, "agent", FALSE);
}

static void
provider_selected_cb (TroupeInspector *self)
{
  g_autoptr(TroupeStep) edited = edited_copy (self);
  const char *name;

  if (edited == NULL || !_troupe_combo_get_name (self->provider_row, &name))
    return;
  troupe_step_set_provider (edited, name);
  commit (self, edited, "provider", FALSE);
}

static void
string_changed_cb (GtkEditable     *row,
                   TroupeInspector *self)
{
  guint i = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "troupe-field")) - 1;
  g_autoptr(TroupeStep) edited = edited_copy (self);

  if (edited == NULL)
    return;
  string_fields[i].set (edited, empty_to_null (gtk_editable_get_text (row)));
  commit (self, edited, string_fields[i].field, TRUE);
}

static void
text_changed_cb (GtkTextBuffer   *buffer,
                 TroupeInspector *self)
{
  guint i = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (buffer), "troupe-field")) - 1;
  g_autoptr(TroupeStep) edited = edited_copy (self);
  g_autofree char *text = NULL;

  if (edited == NULL)
    return;
  text = _troupe_text_view_dup_text (MEMBER (self, text_fields[i].view));
  text_fields[i].set (edited, empty_to_null (text));
  commit (self, edited, text_fields[i].field, TRUE);
}

/* Reads duration field @i. Emptying the field (unset: the default
 * applies) counts only when @finished (Enter, or the field left), since
 * replacing the text empties it on the way. */
static void
duration_edited (TroupeInspector *self,
                 guint            i,
                 gboolean         finished)
{
  GtkEditable *row = MEMBER (self, duration_fields[i].row);
  g_autoptr(TroupeStep) edited = edited_copy (self);
  g_autofree char *why = NULL;
  gint64 ms;

  if (edited == NULL)
    return;

  /* A duration the engine cannot read leaves the model as it is; the row
   * says why, in the engine's words. */
  if (!_troupe_duration_from_text (gtk_editable_get_text (row), &ms, &why))
    {
      set_local_error (self, duration_fields[i].field, why);
      return;
    }

  if (ms == TROUPE_DURATION_UNSET && !finished)
    {
      set_local_error (self, duration_fields[i].field, NULL);
      return;
    }

  duration_fields[i].set (edited, ms);
  commit (self, edited, duration_fields[i].field, TRUE);
}

static void
duration_changed_cb (GtkEditable     *row,
                     TroupeInspector *self)
{
  duration_edited (self, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "troupe-field")) - 1, FALSE);
}

static void
duration_finished_cb (GtkWidget       *row,
                      TroupeInspector *self)
{
  duration_edited (self, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "troupe-field")) - 1, TRUE);
  if (self->document != NULL)
    troupe_document_end_merge (self->document);
}

static void
duration_left_cb (GtkEventControllerFocus *focus,
                  TroupeInspector         *self)
{
  duration_finished_cb (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (focus)), self);
}

static void
command_changed_cb (TroupeInspector *self)
{
  g_autoptr(TroupeStep) edited = edited_copy (self);
  g_autofree char *text = NULL;
  g_auto(GStrv) argv = NULL;

  if (edited == NULL)
    return;
  text = _troupe_text_view_dup_text (self->command_view);
  argv = argv_from_text (text);
  troupe_step_set_command (edited, (const char * const *) argv);
  commit (self, edited, "command", TRUE);
}

static void
min_count_changed_cb (TroupeInspector *self)
{
  g_autoptr(TroupeStep) edited = edited_copy (self);

  if (edited == NULL)
    return;
  troupe_step_set_wait_min_count (edited, (guint) gtk_spin_button_get_value_as_int (self->wait_min_count_spin));
  commit (self, edited, "wait-min-count", TRUE);
}

static void
when_changed_cb (TroupeInspector *self)
{
  g_autoptr(TroupeStep) edited = edited_copy (self);
  guint op = adw_combo_row_get_selected (self->when_op_row);

  if (edited == NULL || op > TROUPE_CONDITION_OP_NOT_CONTAINS)
    return;

  /* With no condition, its values mean nothing and are not kept. */
  if (op == TROUPE_CONDITION_OP_NONE)
    troupe_step_set_when (edited, op, NULL, NULL);
  else
    troupe_step_set_when (edited, op,
                          empty_to_null (gtk_editable_get_text (GTK_EDITABLE (self->when_left_row))),
                          empty_to_null (gtk_editable_get_text (GTK_EDITABLE (self->when_right_row))));
  commit (self, edited, "when-left", op == troupe_step_get_when_op (self->step));
}

static void
on_failure_selected_cb (TroupeInspector *self)
{
  g_autoptr(TroupeStep) edited = edited_copy (self);
  guint policy = adw_combo_row_get_selected (self->on_failure_row);

  if (edited == NULL || policy > TROUPE_FAILURE_POLICY_CONTINUE)
    return;
  troupe_step_set_on_failure (edited, policy);
  commit (self, edited, "on-failure", FALSE);
}

/* Gives the step the retry policy the retries rows say, or none when the
 * switch is off; @typed edits merge, as typing does. */
static void
retries_edited (TroupeInspector *self,
                gboolean         typed)
{
  g_autoptr(TroupeStep) edited = edited_copy (self);
  g_autoptr(TroupeRetryPolicy) retries = NULL;
  const TroupeRetryPolicy *old;
  g_autofree char *why = NULL;
  gint64 delay;

  if (edited == NULL)
    return;

  if (!adw_expander_row_get_enable_expansion (self->retries_row))
    {
      troupe_step_set_retries (edited, NULL);
      commit (self, edited, "retries", FALSE);
      return;
    }

  if (!_troupe_duration_from_text (gtk_editable_get_text (GTK_EDITABLE (self->retries_delay_row)), &delay, &why))
    {
      set_local_error (self, "retries", why);
      return;
    }

  /* A policy of its own starts as the one the step had been inheriting. */
  old = troupe_step_get_retries (self->step);
  if (old == NULL)
    {
      old = troupe_workflow_get_default_retries (self->workflow);
      retries = old != NULL ? troupe_retry_policy_copy (old) : troupe_retry_policy_new (1);
    }
  else
    {
      retries = troupe_retry_policy_copy (old);
      retries->max_retries = (guint) gtk_spin_button_get_value_as_int (self->retries_max_spin);
      retries->backoff = adw_combo_row_get_selected (self->retries_backoff_row) == 1
                         ? TROUPE_BACKOFF_EXPONENTIAL : TROUPE_BACKOFF_FIXED;
      retries->delay_ms = delay == TROUPE_DURATION_UNSET ? TROUPE_RETRY_DEFAULT_DELAY_MS : delay;
    }

  troupe_step_set_retries (edited, retries);
  commit (self, edited, "retries", typed && troupe_step_get_retries (self->step) != NULL);
}

/* The switch and the backoff are one click each: a command each. */
static void
retries_switched_cb (TroupeInspector *self)
{
  retries_edited (self, FALSE);
}

/* The number of retries and the delay are typed: merged. */
static void
retries_typed_cb (TroupeInspector *self)
{
  retries_edited (self, TRUE);
}

/* As with the other durations, emptying the delay (back to the default)
 * counts only on Enter or when the field is left. */
static void
retries_delay_changed_cb (TroupeInspector *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->retries_delay_row))));

  if (text[0] == '\0')
    set_local_error (self, "retries", NULL);
  else
    retries_edited (self, TRUE);
}

static void
retries_delay_finished_cb (TroupeInspector *self)
{
  retries_edited (self, TRUE);
  if (self->document != NULL)
    troupe_document_end_merge (self->document);
}

static void
add_need_cb (TroupeInspector *self)
{
  g_autoptr(TroupeStep) edited = edited_copy (self);
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) needs = NULL;
  guint selected = gtk_drop_down_get_selected (self->add_need_dropdown);
  const char *id;

  if (edited == NULL || selected >= g_list_model_get_n_items (G_LIST_MODEL (self->need_candidates)))
    return;

  id = gtk_string_list_get_string (self->need_candidates, selected);
  builder = g_strv_builder_new ();
  if (troupe_step_get_needs (edited) != NULL)
    g_strv_builder_addv (builder, (const char **) troupe_step_get_needs (edited));
  g_strv_builder_add (builder, id);
  needs = g_strv_builder_end (builder);
  troupe_step_set_needs (edited, (const char * const *) needs);
  commit (self, edited, "needs", FALSE);
}

static void
need_remove_cb (GtkButton       *button,
                TroupeInspector *self)
{
  g_autoptr(TroupeStep) edited = edited_copy (self);
  const char *removed = g_object_get_data (G_OBJECT (button), "troupe-need");
  const char * const *needs;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) kept = NULL;

  if (edited == NULL)
    return;

  needs = troupe_step_get_needs (edited);
  builder = g_strv_builder_new ();
  for (guint i = 0; needs != NULL && needs[i] != NULL; i++)
    if (!g_str_equal (needs[i], removed))
      g_strv_builder_add (builder, needs[i]);
  kept = g_strv_builder_end (builder);
  troupe_step_set_needs (edited, kept[0] != NULL ? (const char * const *) kept : NULL);
  commit (self, edited, "needs", FALSE);
}

static void
prompt_file_response_cb (TroupeInspector      *self,
                         int                   response,
                         GtkFileChooserNative *native)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));

      if (file != NULL)
        troupe_inspector_choose_prompt_file (self, file);
    }
  g_clear_object (&self->file_chooser);
}

static void
prompt_file_clicked_cb (TroupeInspector *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *native;
  g_autofree char *folder = NULL;
  g_autoptr(GFile) folder_file = NULL;

  if (self->file_chooser != NULL || self->workflow == NULL)
    return;

  native = gtk_file_chooser_native_new (_("Choose a Prompt File"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), _("_Cancel"));
  folder = troupe_workflow_dup_workspace_root (self->workflow);
  folder_file = g_file_new_for_path (folder);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (native), folder_file, NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect_swapped (native, "response", G_CALLBACK (prompt_file_response_cb), self);
  self->file_chooser = GTK_NATIVE_DIALOG (native);
  gtk_native_dialog_show (self->file_chooser);
}

static void
end_merge_cb (TroupeInspector *self)
{
  if (self->document != NULL)
    troupe_document_end_merge (self->document);
}

static void
troupe_inspector_dispose (GObject *object)
{
  TroupeInspector *self = (TroupeInspector *)object;

  if (self->file_chooser != NULL)
    gtk_native_dialog_destroy (self->file_chooser);
  g_clear_object (&self->file_chooser);

  troupe_inspector_set_view (self, NULL);
  set_workflow (self, NULL);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);
  g_clear_object (&self->step);

  /* AdwBin unparents its child in its own dispose: let it go first, so
   * that the template does not unparent it a second time. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), TROUPE_TYPE_INSPECTOR);

  G_OBJECT_CLASS (troupe_inspector_parent_class)->dispose (object);
}

static void
troupe_inspector_finalize (GObject *object)
{
  TroupeInspector *self = (TroupeInspector *)object;

  g_clear_pointer (&self->local_errors, g_hash_table_unref);

  G_OBJECT_CLASS (troupe_inspector_parent_class)->finalize (object);
}

static void
troupe_inspector_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  TroupeInspector *self = TROUPE_INSPECTOR (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT: g_value_set_object (value, self->document); break;
    case PROP_VIEW: g_value_set_object (value, self->view); break;
    case PROP_STEP: g_value_set_object (value, self->step); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_inspector_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  TroupeInspector *self = TROUPE_INSPECTOR (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT: troupe_inspector_set_document (self, g_value_get_object (value)); break;
    case PROP_VIEW: troupe_inspector_set_view (self, g_value_get_object (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, TroupeInspector, name)

static void
troupe_inspector_class_init (TroupeInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = troupe_inspector_dispose;
  object_class->finalize = troupe_inspector_finalize;
  object_class->get_property = troupe_inspector_get_property;
  object_class->set_property = troupe_inspector_set_property;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, TROUPE_TYPE_DOCUMENT,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_VIEW] =
    g_param_spec_object ("view", NULL, NULL, TROUPE_TYPE_CANVAS_VIEW,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_STEP] =
    g_param_spec_object ("step", NULL, NULL, TROUPE_TYPE_STEP,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (TROUPE_TYPE_WORKFLOW_PANEL);
  troupe_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/troupe/Troupe/ui/troupe-inspector.ui");
  BIND (stack);
  BIND (workflow_panel);
  BIND (several_page);
  BIND (step_page);
  BIND (step_group);
  BIND (id_row);
  BIND (kind_row);
  BIND (description_row);
  BIND (agent_row);
  BIND (step_message);
  BIND (agent_group);
  BIND (provider_row);
  BIND (prompt_file_row);
  BIND (prompt_file_button);
  BIND (agent_message);
  BIND (prompt_group);
  BIND (prompt_frame);
  BIND (prompt_view);
  BIND (prompt_message);
  BIND (command_group);
  BIND (command_frame);
  BIND (command_view);
  BIND (command_message);
  BIND (send_group);
  BIND (send_to_row);
  BIND (send_file_row);
  BIND (send_content_frame);
  BIND (send_content_view);
  BIND (send_message);
  BIND (wait_group);
  BIND (wait_glob_row);
  BIND (wait_timeout_row);
  BIND (wait_poll_row);
  BIND (wait_min_count_row);
  BIND (wait_min_count_spin);
  BIND (wait_message);
  BIND (approval_group);
  BIND (approval_row);
  BIND (approval_message);
  BIND (needs_group);
  BIND (add_need_dropdown);
  BIND (need_candidates);
  BIND (add_need_button);
  BIND (needs_list);
  BIND (needs_message);
  BIND (condition_group);
  BIND (when_op_row);
  BIND (when_left_row);
  BIND (when_right_row);
  BIND (condition_message);
  BIND (failure_group);
  BIND (timeout_row);
  BIND (on_failure_row);
  BIND (retries_row);
  BIND (retries_max_row);
  BIND (retries_max_spin);
  BIND (retries_backoff_row);
  BIND (retries_delay_row);
  BIND (failure_message);
}

#undef BIND

static void
troupe_inspector_init (TroupeInspector *self)
{
  GtkEventController *focus;

  self->local_errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_swapped (self->id_row, "changed", G_CALLBACK (id_changed_cb), self);
  g_signal_connect_swapped (self->id_row, "apply", G_CALLBACK (id_apply_cb), self);
  g_signal_connect_swapped (self->kind_row, "notify::selected", G_CALLBACK (kind_selected_cb), self);
  g_signal_connect_swapped (self->agent_row, "notify::selected", G_CALLBACK (agent_selected_cb), self);
  g_signal_connect_swapped (self->provider_row, "notify::selected", G_CALLBACK (provider_selected_cb), self);
  g_signal_connect_swapped (self->prompt_file_button, "clicked", G_CALLBACK (prompt_file_clicked_cb), self);

  for (guint i = 0; i < G_N_ELEMENTS (string_fields); i++)
    {
      GObject *row = MEMBER (self, string_fields[i].row);

      g_object_set_data (row, "troupe-field", GUINT_TO_POINTER (i + 1));
      g_signal_connect (row, "changed", G_CALLBACK (string_changed_cb), self);
      g_signal_connect_swapped (row, "entry-activated", G_CALLBACK (end_merge_cb), self);
    }

  for (guint i = 0; i < G_N_ELEMENTS (text_fields); i++)
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (MEMBER (self, text_fields[i].view));

      g_object_set_data (G_OBJECT (buffer), "troupe-field", GUINT_TO_POINTER (i + 1));
      g_signal_connect (buffer, "changed", G_CALLBACK (text_changed_cb), self);
    }

  for (guint i = 0; i < G_N_ELEMENTS (duration_fields); i++)
    {
      GObject *row = MEMBER (self, duration_fields[i].row);

      focus = gtk_event_controller_focus_new ();
      g_object_set_data (row, "troupe-field", GUINT_TO_POINTER (i + 1));
      g_signal_connect (row, "changed", G_CALLBACK (duration_changed_cb), self);
      g_signal_connect (row, "entry-activated", G_CALLBACK (duration_finished_cb), self);
      g_signal_connect (focus, "leave", G_CALLBACK (duration_left_cb), self);
      gtk_widget_add_controller (GTK_WIDGET (row), focus);
    }

  g_signal_connect_swapped (gtk_text_view_get_buffer (self->command_view), "changed",
                            G_CALLBACK (command_changed_cb), self);
  g_signal_connect_swapped (self->wait_min_count_spin, "value-changed", G_CALLBACK (min_count_changed_cb), self);
  g_signal_connect_swapped (self->add_need_button, "clicked", G_CALLBACK (add_need_cb), self);
  g_signal_connect_swapped (self->when_op_row, "notify::selected", G_CALLBACK (when_changed_cb), self);
  g_signal_connect_swapped (self->when_left_row, "changed", G_CALLBACK (when_changed_cb), self);
  g_signal_connect_swapped (self->when_right_row, "changed", G_CALLBACK (when_changed_cb), self);
  g_signal_connect_swapped (self->on_failure_row, "notify::selected", G_CALLBACK (on_failure_selected_cb), self);
  g_signal_connect_swapped (self->retries_row, "notify::enable-expansion", G_CALLBACK (retries_switched_cb), self);
  g_signal_connect_swapped (self->retries_max_spin, "value-changed", G_CALLBACK (retries_typed_cb), self);
  g_signal_connect_swapped (self->retries_backoff_row, "notify::selected", G_CALLBACK (retries_switched_cb), self);
  g_signal_connect_swapped (self->retries_delay_row, "changed", G_CALLBACK (retries_delay_changed_cb), self);
  g_signal_connect_swapped (self->retries_delay_row, "entry-activated", G_CALLBACK (retries_delay_finished_cb), self);
  focus = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (focus, "leave", G_CALLBACK (retries_delay_finished_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->retries_delay_row), focus);

  gtk_stack_set_visible_child_name (self->stack, "workflow");
}

GtkWidget *
troupe_inspector_new (void)
{
  return g_object_new (TROUPE_TYPE_INSPECTOR, NULL);
}

TroupeDocument *
troupe_inspector_get_document (TroupeInspector *self)
{
  g_return_val_if_fail (TROUPE_IS_INSPECTOR (self), NULL);

  return self->document;
}

void
troupe_inspector_set_document (TroupeInspector *self,
                               TroupeDocument  *document)
{
  g_return_if_fail (TROUPE_IS_INSPECTOR (self));
  g_return_if_fail (document == NULL || TROUPE_IS_DOCUMENT (document));

  if (self->document == document)
    return;

  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_set_object (&self->document, document);
  troupe_workflow_panel_set_document (self->workflow_panel, document);

  if (document != NULL)
    {
      g_signal_connect_swapped (document, "notify::workflow", G_CALLBACK (on_document_workflow_cb), self);
      g_signal_connect_swapped (document, "notify::diagnostics", G_CALLBACK (update_marks), self);
      set_workflow (self, troupe_document_get_workflow (document));
    }
  else
    set_workflow (self, NULL);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}

TroupeCanvasView *
troupe_inspector_get_view (TroupeInspector *self)
{
  g_return_val_if_fail (TROUPE_IS_INSPECTOR (self), NULL);

  return self->view;
}

void
troupe_inspector_set_view (TroupeInspector  *self,
                           TroupeCanvasView *view)
{
  g_return_if_fail (TROUPE_IS_INSPECTOR (self));
  g_return_if_fail (view == NULL || TROUPE_IS_CANVAS_VIEW (view));

  if (self->view == view)
    return;

  if (self->view != NULL)
    g_signal_handlers_disconnect_by_data (self->view, self);
  g_set_object (&self->view, view);
  if (view != NULL)
    g_signal_connect_swapped (view, "notify::selection", G_CALLBACK (update_selection), self);
  update_selection (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIEW]);
}

TroupeStep *
troupe_inspector_get_step (TroupeInspector *self)
{
  g_return_val_if_fail (TROUPE_IS_INSPECTOR (self), NULL);

  return self->step;
}

TroupeWorkflowPanel *
troupe_inspector_get_workflow_panel (TroupeInspector *self)
{
  g_return_val_if_fail (TROUPE_IS_INSPECTOR (self), NULL);

  return self->workflow_panel;
}

GtkWidget *
troupe_inspector_get_field_widget (TroupeInspector *self,
                                   const char      *field)
{
  g_return_val_if_fail (TROUPE_IS_INSPECTOR (self), NULL);
  g_return_val_if_fail (field != NULL, NULL);

  return field_widget (self, field);
}

void
troupe_inspector_choose_prompt_file (TroupeInspector *self,
                                     GFile           *file)
{
  g_autoptr(TroupeStep) edited = NULL;
  g_autofree char *root = NULL;
  g_autoptr(GFile) root_file = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (TROUPE_IS_INSPECTOR (self));
  g_return_if_fail (G_IS_FILE (file));

  edited = edited_copy (self);
  if (edited == NULL)
    return;

  root = troupe_workflow_dup_workspace_root (self->workflow);
  root_file = g_file_new_for_path (root);
  path = g_file_get_relative_path (root_file, file);
  if (path == NULL)
    path = g_file_get_path (file);
  if (path == NULL)
    path = g_file_get_uri (file);

  troupe_step_set_prompt_file (edited, path);
  commit (self, edited, "prompt-file", FALSE);
}
