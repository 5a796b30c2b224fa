/* troupe-workflow-panel.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "troupe-app-resources.h"
#include "troupe-form.h"
#include "troupe-workflow-panel.h"

/* The panel keeps no copy of the settings: every widget is written from
 * the model when the model says it changed, and every edit goes through
 * the document as a command. Rows for agents and providers are rebuilt
 * only when the names change, so that typing in one of them keeps focus. */

/* What an agent's row is made of; owned by the row (object data). */
typedef struct
{
  TroupeWorkflowPanel *panel;
  char                *name;
  AdwExpanderRow      *expander;
  GtkColorButton      *color;
  AdwEntryRow         *description;
  AdwComboRow         *provider;
  GtkSpinButton       *max_parallel;
} AgentRow;

typedef struct
{
  TroupeWorkflowPanel *panel;
  char                *name;
  AdwExpanderRow      *expander;
  GtkTextView         *command;
  AdwComboRow         *input;
  AdwComboRow         *output;
} ProviderRow;

struct _TroupeWorkflowPanel
{
  AdwBin          parent_instance;

  /* template widgets */
  AdwEntryRow    *name_row;
  GtkTextView    *description_view;
  GtkLabel       *general_message;
  AdwComboRow    *default_provider_row;
  AdwEntryRow    *default_timeout_row;
  AdwActionRow   *default_retries_row;
  GtkSpinButton  *default_retries_spin;
  AdwComboRow    *default_on_failure_row;
  AdwActionRow   *max_parallel_row;
  GtkSpinButton  *max_parallel_spin;
  GtkLabel       *defaults_message;
  GtkListBox     *agents_list;
  AdwEntryRow    *new_agent_row;
  GtkColorButton *new_agent_color;
  GtkLabel       *agents_message;
  GtkListBox     *providers_list;
  AdwEntryRow    *new_provider_row;
  GtkLabel       *providers_message;

  /* owned */
  TroupeDocument *document;
  TroupeWorkflow *workflow;
  /* The provider names the combos offer (NULL first: "not set"). */
  GPtrArray      *provider_choices;
  /* Borrowed AgentRow and ProviderRow, in the order of the model. */
  GPtrArray      *agent_rows;
  GPtrArray      *provider_rows;
  /* Messages for what the user typed that the model refuses (a duration
   * that does not parse, an agent name taken): field -> message. */
  GHashTable     *local_errors;

  /* Set while widgets are written from the model, so that their change
   * signals are not taken for edits. */
  guint           updating : 1;
};

G_DEFINE_FINAL_TYPE (TroupeWorkflowPanel, troupe_workflow_panel, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DOCUMENT,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

/* The colours new agents get, in order: GNOME's palette. */
static const char * const palette[] = {
  "#3584e4", "#33d17a", "#e66100", "#9141ac", "#f6d32d", "#e01b24", "#986a44", "#2ec27e",
};

/* How many items the provider rows' input and output combos hold (in
 * ui/troupe-workflow-panel.ui): argv, stdin; text, lines, json. */
enum { N_INPUT_MODES = 2, N_OUTPUT_MODES = 3 };

static char *
color_to_text (const GdkRGBA *rgba)
{
  return g_strdup_printf ("#%02x%02x%02x",
                          (int) lround (CLAMP (rgba->red, 0, 1) * 255),
                          (int) lround (CLAMP (rgba->green, 0, 1) * 255),
                          (int) lround (CLAMP (rgba->blue, 0, 1) * 255));
}

static void
set_color (GtkColorButton *button,
           const char     *text)
{
  GdkRGBA now, rgba;

  if (text == NULL || !gdk_rgba_parse (&rgba, text))
    gdk_rgba_parse (&rgba, "#9a9996");

  gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (button), &now);
  if (!gdk_rgba_equal (&now, &rgba))
    gtk_color_chooser_set_rgba (GTK_COLOR_CHOOSER (button), &rgba);
}

static void
set_spin_value (GtkSpinButton *spin,
                double         value)
{
  if (gtk_spin_button_get_value (spin) != value)
    gtk_spin_button_set_value (spin, value);
}

static void
set_combo_selected (AdwComboRow *row,
                    guint        selected)
{
  if (adw_combo_row_get_selected (row) != selected)
    adw_combo_row_set_selected (row, selected);
}

/* Edits: each is a TroupeDocumentEditFunc with an Edit for its data. */

typedef struct
{
  const char              *name;
  const char              *text;
  const char * const      *argv;
  const TroupeRetryPolicy *retries;
  gint64                   ms;
  guint                    number;
} Edit;

static gboolean
set_name_cb (TroupeWorkflow  *workflow,
             gpointer         data,
             GError         **error)
{
  troupe_workflow_set_name (workflow, ((Edit *) data)->text);
  return TRUE;
}

static gboolean
set_description_cb (TroupeWorkflow  *workflow,
                    gpointer         data,
                    GError         **error)
{
  troupe_workflow_set_description (workflow, ((Edit *) data)->text);
  return TRUE;
}

static gboolean
set_default_provider_cb (TroupeWorkflow  *workflow,
                         gpointer         data,
                         GError         **error)
{
  troupe_workflow_set_default_provider (workflow, ((Edit *) data)->text);
  return TRUE;
}

static gboolean
set_default_timeout_cb (TroupeWorkflow  *workflow,
                        gpointer         data,
                        GError         **error)
{
  troupe_workflow_set_default_timeout (workflow, ((Edit *) data)->ms);
  return TRUE;
}

static gboolean
set_default_retries_cb (TroupeWorkflow  *workflow,
                        gpointer         data,
                        GError         **error)
{
  troupe_workflow_set_default_retries (workflow, ((Edit *) data)->retries);
  return TRUE;
}

static gboolean
set_default_on_failure_cb (TroupeWorkflow  *workflow,
                           gpointer         data,
                           GError         **error)
{
  troupe_workflow_set_default_on_failure (workflow, (TroupeFailurePolicy) ((Edit *) data)->number);
  return TRUE;
}

static gboolean
set_max_parallel_cb (TroupeWorkflow  *workflow,
                     gpointer         data,
                     GError         **error)
{
  troupe_workflow_set_max_parallel (workflow, ((Edit *) data)->number);
  return TRUE;
}

static TroupeAgent *
lookup_agent (TroupeWorkflow  *workflow,
              const char      *name,
              GError         **error)
{
  TroupeAgent *agent = troupe_workflow_lookup_agent (workflow, name);

  if (agent == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 _("There is no agent “%s” any more"), name);
  return agent;
}

static TroupeProvider *
lookup_provider (TroupeWorkflow  *workflow,
                 const char      *name,
                 GError         **error)
{
  TroupeProvider *provider = troupe_workflow_lookup_provider (workflow, name);

  if (provider == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 _("There is no provider “%s” any more"), name);
  return provider;
}

static gboolean
add_agent_cb (TroupeWorkflow  *workflow,
              gpointer         data,
              GError         **error)
{
  Edit *edit = data;
  g_autoptr(TroupeAgent) agent = NULL;

  if (edit->name[0] == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("An agent needs a name; type one, then press Enter"));
      return FALSE;
    }
  if (troupe_workflow_lookup_agent (workflow, edit->name) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   _("There is already an agent named “%s”; choose another name"), edit->name);
      return FALSE;
    }

  agent = troupe_agent_new (edit->name);
  troupe_agent_set_color (agent, edit->text);
  troupe_workflow_add_agent (workflow, agent);
  return TRUE;
}

static gboolean
remove_agent_cb (TroupeWorkflow  *workflow,
                 gpointer         data,
                 GError         **error)
{
  Edit *edit = data;

  if (lookup_agent (workflow, edit->name, error) == NULL)
    return FALSE;
  troupe_workflow_remove_agent (workflow, edit->name);
  return TRUE;
}

static gboolean
set_agent_color_cb (TroupeWorkflow  *workflow,
                    gpointer         data,
                    GError         **error)
{
  Edit *edit = data;
  TroupeAgent *agent = lookup_agent (workflow, edit->name, error);

  if (agent == NULL)
    return FALSE;
  troupe_agent_set_color (agent, edit->text);
  return TRUE;
}

static gboolean
set_agent_description_cb (TroupeWorkflow  *workflow,
                          gpointer         data,
                          GError         **error)
{
  Edit *edit = data;
  TroupeAgent *agent = lookup_agent (workflow, edit->name, error);

  if (agent == NULL)
    return FALSE;
  troupe_agent_set_description (agent, edit->text);
  return TRUE;
}

static gboolean
set_agent_provider_cb (TroupeWorkflow  *workflow,
                       gpointer         data,
                       GError         **error)
{
  Edit *edit = data;
  TroupeAgent *agent = lookup_agent (workflow, edit->name, error);

  if (agent == NULL)
    return FALSE;
  troupe_agent_set_provider (agent, edit->text);
  return TRUE;
}

static gboolean
set_agent_max_parallel_cb (TroupeWorkflow  *workflow,
                           gpointer         data,
                           GError         **error)
{
  Edit *edit = data;
  TroupeAgent *agent = lookup_agent (workflow, edit->name, error);

  if (agent == NULL)
    return FALSE;
  troupe_agent_set_max_parallel (agent, edit->number);
  return TRUE;
}

static gboolean
add_provider_cb (TroupeWorkflow  *workflow,
                 gpointer         data,
                 GError         **error)
{
  Edit *edit = data;
  g_autoptr(TroupeProvider) provider = NULL;

  if (edit->name[0] == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("A provider needs a name; type one, then press Enter"));
      return FALSE;
    }
  if (troupe_workflow_lookup_provider (workflow, edit->name) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   _("There is already a provider named “%s”; choose another name"), edit->name);
      return FALSE;
    }

  provider = troupe_provider_new (edit->name);
  /* A starting point that runs: the program named like the provider,
   * given the prompt as its argument. */
  troupe_provider_set_command (provider, (const char * const[]) { edit->name, "${prompt}", NULL });
  troupe_workflow_add_provider (workflow, provider);
  return TRUE;
}

static gboolean
remove_provider_cb (TroupeWorkflow  *workflow,
                    gpointer         data,
                    GError         **error)
{
  Edit *edit = data;

  if (lookup_provider (workflow, edit->name, error) == NULL)
    return FALSE;
  troupe_workflow_remove_provider (workflow, edit->name);
  return TRUE;
}

static gboolean
set_provider_command_cb (TroupeWorkflow  *workflow,
                         gpointer         data,
                         GError         **error)
{
  Edit *edit = data;
  TroupeProvider *provider = lookup_provider (workflow, edit->name, error);

  if (provider == NULL)
    return FALSE;
  troupe_provider_set_command (provider, edit->argv);
  return TRUE;
}

static gboolean
set_provider_input_cb (TroupeWorkflow  *workflow,
                       gpointer         data,
                       GError         **error)
{
  Edit *edit = data;
  TroupeProvider *provider = lookup_provider (workflow, edit->name, error);

  if (provider == NULL)
    return FALSE;
  troupe_provider_set_input_mode (provider, (TroupeInputMode) edit->number);
  return TRUE;
}

static gboolean
set_provider_output_cb (TroupeWorkflow  *workflow,
                        gpointer         data,
                        GError         **error)
{
  Edit *edit = data;
  TroupeProvider *provider = lookup_provider (workflow, edit->name, error);

  if (provider == NULL)
    return FALSE;
  troupe_provider_set_output_format (provider, (TroupeOutputFormat) edit->number);
  return TRUE;
}

static void update_marks (TroupeWorkflowPanel *self);

/* Runs one edit as a command; a refusal is shown under @label. */
static gboolean
edit (TroupeWorkflowPanel    *self,
      const char             *merge_key,
      TroupeDocumentEditFunc  func,
      Edit                   *data,
      const char             *field)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (self->document == NULL || self->updating)
    return FALSE;

  ok = troupe_document_edit_workflow (self->document, merge_key, func, data, &error);
  if (ok)
    g_hash_table_remove (self->local_errors, field);
  else
    g_hash_table_insert (self->local_errors, g_strdup (field), g_strdup (error->message));
  update_marks (self);
  return ok;
}

/* The argv in a text view, one argument per line; a last empty line is
 * the newline after the last argument, not an argument. */
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
    {
      g_free (lines[n - 1]);
      lines[n - 1] = NULL;
    }
  if (lines[0] == NULL)
    return NULL;
  return g_steal_pointer (&lines);
}

/* The provider combos */

/* NULL ("not set"), the built-in providers, then the workflow's own. */
static GPtrArray *
provider_choices_new (TroupeWorkflow *workflow)
{
  GPtrArray *choices = g_ptr_array_new_with_free_func (g_free);
  const char * const *builtins = troupe_provider_get_builtin_names ();
  GPtrArray *providers = troupe_workflow_get_providers (workflow);

  g_ptr_array_add (choices, NULL);
  for (guint i = 0; builtins[i] != NULL; i++)
    g_ptr_array_add (choices, g_strdup (builtins[i]));
  for (guint i = 0; i < providers->len; i++)
    {
      const char *name = troupe_provider_get_name (g_ptr_array_index (providers, i));

      if (!troupe_provider_is_builtin_name (name))
        g_ptr_array_add (choices, g_strdup (name));
    }
  return choices;
}

/* Agents */

static void
agent_row_free (AgentRow *row)
{
  g_free (row->name);
  g_free (row);
}

static void
provider_row_free (ProviderRow *row)
{
  g_free (row->name);
  g_free (row);
}

static void
agent_color_set_cb (GtkColorButton *button,
                    AgentRow       *row)
{
  GdkRGBA rgba;
  g_autofree char *text = NULL;
  Edit data = { .name = row->name };

  gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (button), &rgba);
  text = color_to_text (&rgba);
  data.text = text;
  edit (row->panel, NULL, set_agent_color_cb, &data, "agents");
}

static void
agent_description_changed_cb (GtkEditable *editable,
                              AgentRow    *row)
{
  g_autofree char *key = g_strdup_printf ("agent:%s:description", row->name);
  const char *text = gtk_editable_get_text (editable);
  Edit data = { .name = row->name, .text = text[0] != '\0' ? text : NULL };

  edit (row->panel, key, set_agent_description_cb, &data, "agents");
}

static void
agent_provider_selected_cb (AdwComboRow *combo,
                            GParamSpec  *pspec,
                            AgentRow    *row)
{
  Edit data = { .name = row->name };

  if (row->panel->updating || !_troupe_combo_get_name (combo, &data.text))
    return;
  edit (row->panel, NULL, set_agent_provider_cb, &data, "agents");
}

static void
agent_max_parallel_cb (GtkSpinButton *spin,
                       AgentRow      *row)
{
  g_autofree char *key = g_strdup_printf ("agent:%s:max-parallel", row->name);
  Edit data = { .name = row->name, .number = (guint) gtk_spin_button_get_value_as_int (spin) };

  edit (row->panel, key, set_agent_max_parallel_cb, &data, "agents");
}

static void
agent_remove_cb (GtkButton *button,
                 AgentRow  *row)
{
  g_autofree char *name = g_strdup (row->name);
  Edit data = { .name = name };

  /* The row goes away with the agent: @row is not used after this. */
  edit (row->panel, NULL, remove_agent_cb, &data, "agents");
}

static GtkWidget *
spin_row_new (const char *title,
              const char *subtitle,
              double      upper,
              GtkSpinButton **spin)
{
  GtkWidget *row = adw_action_row_new ();

  *spin = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (0, upper, 1));
  gtk_widget_set_valign (GTK_WIDGET (*spin), GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (*spin), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (*spin));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), GTK_WIDGET (*spin));
  return row;
}

static GtkWidget *
remove_row_new (const char *title,
                GCallback   callback,
                gpointer    data)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Remove"));

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "destructive-action");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  g_signal_connect (button, "clicked", callback, data);
  return row;
}

static void
agent_row_update (TroupeWorkflowPanel *self,
                  AgentRow            *row,
                  TroupeAgent         *agent)
{
  const char *description = troupe_agent_get_description (agent);

  adw_expander_row_set_subtitle (row->expander, description ? description : "");
  set_color (row->color, troupe_agent_get_color (agent));
  _troupe_editable_set_text (GTK_EDITABLE (row->description), description);
  _troupe_combo_select_name (row->provider, troupe_agent_get_provider (agent));
  set_spin_value (row->max_parallel, troupe_agent_get_max_parallel (agent));
}

static AgentRow *
agent_row_new (TroupeWorkflowPanel *self,
               TroupeAgent         *agent)
{
  AgentRow *row = g_new0 (AgentRow, 1);
  const char *name = troupe_agent_get_name (agent);
  g_autofree char *remove_title = g_strdup_printf (_("Remove “%s”"), name);
  g_autofree char *color_label = g_strdup_printf (_("Colour of agent %s"), name);
  GtkWidget *widget;

  row->panel = self;
  row->name = g_strdup (name);
  row->expander = ADW_EXPANDER_ROW (adw_expander_row_new ());
  /* Names and descriptions are the user's text, not markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row->expander), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row->expander), name);
  g_object_set_data_full (G_OBJECT (row->expander), "troupe-agent-row", row, (GDestroyNotify) agent_row_free);

  row->color = GTK_COLOR_BUTTON (gtk_color_button_new ());
  gtk_color_chooser_set_use_alpha (GTK_COLOR_CHOOSER (row->color), FALSE);
  gtk_widget_set_valign (GTK_WIDGET (row->color), GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (GTK_WIDGET (row->color), _("Colour on the Canvas"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->color), GTK_ACCESSIBLE_PROPERTY_LABEL, color_label, -1);
  adw_expander_row_add_prefix (row->expander, GTK_WIDGET (row->color));

  row->description = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row->description), _("Description"));
  adw_expander_row_add_row (row->expander, GTK_WIDGET (row->description));

  row->provider = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row->provider), _("Provider"));
  _troupe_combo_set_names (row->provider, self->provider_choices, _("Workflow default"));
  adw_expander_row_add_row (row->expander, GTK_WIDGET (row->provider));

  widget = spin_row_new (_("Its steps running at once"), _("0: no limit of its own"), 1024, &row->max_parallel);
  adw_expander_row_add_row (row->expander, widget);

  adw_expander_row_add_row (row->expander, remove_row_new (remove_title, G_CALLBACK (agent_remove_cb), row));

  self->updating = TRUE;
  agent_row_update (self, row, agent);
  self->updating = FALSE;

  g_signal_connect (row->color, "color-set", G_CALLBACK (agent_color_set_cb), row);
  g_signal_connect (row->description, "changed", G_CALLBACK (agent_description_changed_cb), row);
  g_signal_connect (row->provider, "notify::selected", G_CALLBACK (agent_provider_selected_cb), row);
  g_signal_connect (row->max_parallel, "value-changed", G_CALLBACK (agent_max_parallel_cb), row);

  return row;
}

/* Providers */

static void
provider_command_changed_cb (GtkTextBuffer *buffer,
                             ProviderRow   *row)
{
  g_autofree char *key = g_strdup_printf ("provider:%s:command", row->name);
  g_autofree char *text = _troupe_text_view_dup_text (row->command);
  g_auto(GStrv) argv = argv_from_text (text);
  Edit data = { .name = row->name, .argv = (const char * const *) argv };

  edit (row->panel, key, set_provider_command_cb, &data, "providers");
}

static void
provider_input_cb (AdwComboRow *combo,
                   GParamSpec  *pspec,
                   ProviderRow *row)
{
  Edit data = { .name = row->name, .number = adw_combo_row_get_selected (combo) };

  if (data.number < N_INPUT_MODES)
    edit (row->panel, NULL, set_provider_input_cb, &data, "providers");
}

static void
provider_output_cb (AdwComboRow *combo,
                    GParamSpec  *pspec,
                    ProviderRow *row)
{
  Edit data = { .name = row->name, .number = adw_combo_row_get_selected (combo) };

  if (data.number < N_OUTPUT_MODES)
    edit (row->panel, NULL, set_provider_output_cb, &data, "providers");
}

static void
provider_remove_cb (GtkButton   *button,
                    ProviderRow *row)
{
  g_autofree char *name = g_strdup (row->name);
  Edit data = { .name = name };

  edit (row->panel, NULL, remove_provider_cb, &data, "providers");
}

static void
provider_row_update (TroupeWorkflowPanel *self,
                     ProviderRow         *row,
                     TroupeProvider      *provider)
{
  const char * const *argv = troupe_provider_get_command (provider);
  g_autofree char *shown = _troupe_text_view_dup_text (row->command);
  g_auto(GStrv) shown_argv = argv_from_text (shown);

  /* Compared as argv, so that the newline just typed stays. */
  if (!troupe_strv_equal0 ((const char * const *) shown_argv, argv))
    {
      g_autofree char *text = argv ? g_strjoinv ("\n", (char **) argv) : g_strdup ("");

      _troupe_text_view_set_text (row->command, text);
    }
  set_combo_selected (row->input, troupe_provider_get_input_mode (provider));
  set_combo_selected (row->output, troupe_provider_get_output_format (provider));
}

static ProviderRow *
provider_row_new (TroupeWorkflowPanel *self,
                  TroupeProvider      *provider)
{
  ProviderRow *row = g_new0 (ProviderRow, 1);
  const char *name = troupe_provider_get_name (provider);
  g_autofree char *remove_title = g_strdup_printf (_("Remove “%s”"), name);
  GtkWidget *frame, *box, *label;

  row->panel = self;
  row->name = g_strdup (name);
  row->expander = ADW_EXPANDER_ROW (adw_expander_row_new ());
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row->expander), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row->expander), name);
  g_object_set_data_full (G_OBJECT (row->expander), "troupe-provider-row", row,
                          (GDestroyNotify) provider_row_free);

  /* The argv, one argument per line: never a shell line. */
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  label = gtk_label_new (_("Command, one argument per line; ${prompt} is the prompt"));
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "dim-label");
  row->command = GTK_TEXT_VIEW (gtk_text_view_new ());
  gtk_text_view_set_monospace (row->command, TRUE);
  gtk_text_view_set_wrap_mode (row->command, GTK_WRAP_CHAR);
  gtk_text_view_set_top_margin (row->command, 6);
  gtk_text_view_set_bottom_margin (row->command, 6);
  gtk_text_view_set_left_margin (row->command, 6);
  gtk_text_view_set_right_margin (row->command, 6);
  gtk_widget_set_size_request (GTK_WIDGET (row->command), -1, 60);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->command), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Provider command, one argument per line"), -1);
  frame = gtk_frame_new (NULL);
  gtk_frame_set_child (GTK_FRAME (frame), GTK_WIDGET (row->command));
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), frame);
  adw_expander_row_add_row (row->expander, box);

  row->input = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row->input), _("Prompt given"));
  adw_combo_row_set_model (row->input, G_LIST_MODEL (gtk_string_list_new ((const char * const[]) {
    _("As ${prompt} in the command"), _("On standard input"), NULL })));
  g_object_unref (adw_combo_row_get_model (row->input));
  adw_expander_row_add_row (row->expander, GTK_WIDGET (row->input));

  row->output = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row->output), _("Output read as"));
  adw_combo_row_set_model (row->output, G_LIST_MODEL (gtk_string_list_new ((const char * const[]) {
    _("Text"), _("Lines"), _("JSON"), NULL })));
  g_object_unref (adw_combo_row_get_model (row->output));
  adw_expander_row_add_row (row->expander, GTK_WIDGET (row->output));

  adw_expander_row_add_row (row->expander, remove_row_new (remove_title, G_CALLBACK (provider_remove_cb), row));

  self->updating = TRUE;
  provider_row_update (self, row, provider);
  self->updating = FALSE;

  g_signal_connect (gtk_text_view_get_buffer (row->command), "changed",
                    G_CALLBACK (provider_command_changed_cb), row);
  g_signal_connect (row->input, "notify::selected", G_CALLBACK (provider_input_cb), row);
  g_signal_connect (row->output, "notify::selected", G_CALLBACK (provider_output_cb), row);

  return row;
}

static void
clear_list (GtkListBox *list,
            GPtrArray  *rows)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
  g_ptr_array_set_size (rows, 0);
}

/* Brings the agent and provider rows and the provider combos in line
 * with the model: rebuilt when names changed, else updated in place. */
static void
sync_lists (TroupeWorkflowPanel *self)
{
  GPtrArray *agents = troupe_workflow_get_agents (self->workflow);
  GPtrArray *providers = troupe_workflow_get_providers (self->workflow);
  g_autoptr(GPtrArray) choices = provider_choices_new (self->workflow);
  gboolean choices_changed = choices->len != self->provider_choices->len ||
                             !_troupe_names_equal (choices, self->provider_choices, choices->len);
  gboolean agents_changed = choices_changed || agents->len != self->agent_rows->len;
  gboolean providers_changed = providers->len != self->provider_rows->len;
  const char *default_provider = troupe_workflow_get_default_provider (self->workflow);

  self->updating = TRUE;

  if (choices_changed)
    {
      g_ptr_array_unref (self->provider_choices);
      self->provider_choices = g_steal_pointer (&choices);
    }
  _troupe_combo_set_names (self->default_provider_row, self->provider_choices, _("Not set"));
  _troupe_combo_select_name (self->default_provider_row, default_provider);

  for (guint i = 0; !agents_changed && i < agents->len; i++)
    {
      AgentRow *row = g_ptr_array_index (self->agent_rows, i);

      agents_changed = !g_str_equal (row->name, troupe_agent_get_name (g_ptr_array_index (agents, i)));
    }
  if (agents_changed)
    {
      clear_list (self->agents_list, self->agent_rows);
      for (guint i = 0; i < agents->len; i++)
        {
          AgentRow *row = agent_row_new (self, g_ptr_array_index (agents, i));

          g_ptr_array_add (self->agent_rows, row);
          gtk_list_box_append (self->agents_list, GTK_WIDGET (row->expander));
        }
    }
  else
    for (guint i = 0; i < agents->len; i++)
      agent_row_update (self, g_ptr_array_index (self->agent_rows, i), g_ptr_array_index (agents, i));
  gtk_widget_set_visible (GTK_WIDGET (self->agents_list), agents->len > 0);

  for (guint i = 0; !providers_changed && i < providers->len; i++)
    {
      ProviderRow *row = g_ptr_array_index (self->provider_rows, i);

      providers_changed = !g_str_equal (row->name, troupe_provider_get_name (g_ptr_array_index (providers, i)));
    }
  if (providers_changed)
    {
      clear_list (self->providers_list, self->provider_rows);
      for (guint i = 0; i < providers->len; i++)
        {
          ProviderRow *row = provider_row_new (self, g_ptr_array_index (providers, i));

          g_ptr_array_add (self->provider_rows, row);
          gtk_list_box_append (self->providers_list, GTK_WIDGET (row->expander));
        }
    }
  else
    for (guint i = 0; i < providers->len; i++)
      provider_row_update (self, g_ptr_array_index (self->provider_rows, i), g_ptr_array_index (providers, i));
  gtk_widget_set_visible (GTK_WIDGET (self->providers_list), providers->len > 0);

  /* The colour the next agent gets: the first one no agent has. */
  for (guint i = 0; i < G_N_ELEMENTS (palette); i++)
    {
      gboolean used = FALSE;

      for (guint j = 0; j < agents->len && !used; j++)
        used = g_ascii_strcasecmp (palette[i], troupe_agent_get_color (g_ptr_array_index (agents, j)) ?: "") == 0;
      if (!used || i == G_N_ELEMENTS (palette) - 1)
        {
          set_color (self->new_agent_color, palette[i]);
          break;
        }
    }

  self->updating = FALSE;
}

/* Writes the widgets of one workflow property (a "notify" of the
 * workflow), or of all when @property is NULL. */
static void
refresh_property (TroupeWorkflowPanel *self,
                  const char          *property)
{
#define IS(name) (property == NULL || g_str_equal (property, name))
  self->updating = TRUE;

  if (IS ("name"))
    _troupe_editable_set_text (GTK_EDITABLE (self->name_row), troupe_workflow_get_name (self->workflow));

  if (IS ("description"))
    _troupe_text_view_set_text (self->description_view, troupe_workflow_get_description (self->workflow));

  if (IS ("default-timeout"))
    {
      gint64 ms = troupe_workflow_get_default_timeout (self->workflow);
      gint64 shown;

      /* What the user is typing stays while it means the same. */
      if (!_troupe_duration_from_text (gtk_editable_get_text (GTK_EDITABLE (self->default_timeout_row)), &shown, NULL) ||
          shown != ms)
        {
          g_autofree char *text = _troupe_duration_to_text (ms);

          gtk_editable_set_text (GTK_EDITABLE (self->default_timeout_row), text);
        }
      g_hash_table_remove (self->local_errors, "default-timeout");
    }

  if (IS ("default-retries"))
    {
      const TroupeRetryPolicy *retries = troupe_workflow_get_default_retries (self->workflow);

      set_spin_value (self->default_retries_spin, retries != NULL ? retries->max_retries : 0);
    }

  if (IS ("default-on-failure"))
    set_combo_selected (self->default_on_failure_row, troupe_workflow_get_default_on_failure (self->workflow));

  if (IS ("max-parallel"))
    set_spin_value (self->max_parallel_spin, troupe_workflow_get_max_parallel (self->workflow));

  self->updating = FALSE;

  if (property == NULL)
    sync_lists (self);
#undef IS
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

/* Marks the rows that the diagnostics of the workflow itself (those of no
 * step) or the refused edits are about, and lists their messages under
 * their group; the messages are the engine's. */
static void
update_marks (TroupeWorkflowPanel *self)
{
  g_autoptr(GHashTable) messages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  GPtrArray *diagnostics = self->document ? troupe_document_get_diagnostics (self->document) : NULL;
  GtkLabel *labels[] = { self->general_message, self->defaults_message, self->agents_message, self->providers_message };
  const char *provider_message = NULL, *timeout_message = NULL, *retries_message = NULL;
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < self->agent_rows->len; i++)
    _troupe_mark_invalid (GTK_WIDGET (((AgentRow *) g_ptr_array_index (self->agent_rows, i))->expander), NULL);

  for (guint i = 0; diagnostics != NULL && i < diagnostics->len; i++)
    {
      const TroupeDiagnostic *d = g_ptr_array_index (diagnostics, i);
      const char *m = d->message;
      gboolean placed = FALSE;

      if (d->step_id != NULL)
        continue;

      if (strstr (m, "defaults.provider") != NULL)
        provider_message = m, placed = TRUE;
      else if (strstr (m, "of the defaults") != NULL && strstr (m, "timeout") != NULL)
        timeout_message = m, placed = TRUE;
      else if (strstr (m, "the defaults") != NULL && strstr (m, "retr") != NULL)
        retries_message = m, placed = TRUE;

      if (placed)
        {
          add_message (messages, self->defaults_message, m);
          continue;
        }

      for (guint j = 0; j < self->agent_rows->len; j++)
        {
          AgentRow *row = g_ptr_array_index (self->agent_rows, j);
          g_autofree char *owner = g_strdup_printf ("agent '%s' ", row->name);

          if (g_str_has_prefix (m, owner))
            {
              _troupe_mark_invalid (GTK_WIDGET (row->expander), m);
              add_message (messages, self->agents_message, m);
              placed = TRUE;
              break;
            }
        }

      if (!placed)
        add_message (messages, self->general_message, m);
    }

  /* Refused edits: the user's text is kept and said what is wrong with. */
  g_hash_table_iter_init (&iter, self->local_errors);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (g_str_equal (key, "default-timeout"))
        timeout_message = value;
      else if (g_str_equal (key, "agents") || g_str_equal (key, "new-agent"))
        add_message (messages, self->agents_message, value);
      else if (g_str_equal (key, "providers") || g_str_equal (key, "new-provider"))
        add_message (messages, self->providers_message, value);
      else
        add_message (messages, self->general_message, value);

      if (g_str_equal (key, "default-timeout"))
        add_message (messages, self->defaults_message, value);
    }

  _troupe_mark_invalid (GTK_WIDGET (self->default_provider_row), provider_message);
  _troupe_mark_invalid (GTK_WIDGET (self->default_timeout_row), timeout_message);
  _troupe_mark_invalid (GTK_WIDGET (self->default_retries_row), retries_message);
  _troupe_mark_invalid (GTK_WIDGET (self->new_agent_row), g_hash_table_lookup (self->local_errors, "new-agent"));
  _troupe_mark_invalid (GTK_WIDGET (self->new_provider_row), g_hash_table_lookup (self->local_errors, "new-provider"));

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    _troupe_show_messages (labels[i], g_hash_table_lookup (messages, labels[i]));
}

/* Model signals */

static void
on_workflow_notify_cb (TroupeWorkflowPanel *self,
                       GParamSpec          *pspec)
{
  refresh_property (self, pspec->name);
  update_marks (self);
}

static void
on_workflow_changed_cb (TroupeWorkflowPanel *self)
{
  sync_lists (self);
}

static void
set_workflow (TroupeWorkflowPanel *self,
              TroupeWorkflow      *workflow)
{
  if (self->workflow != NULL)
    g_signal_handlers_disconnect_by_data (self->workflow, self);
  g_set_object (&self->workflow, workflow);
  g_hash_table_remove_all (self->local_errors);

  if (workflow == NULL)
    return;

  g_signal_connect_swapped (workflow, "notify", G_CALLBACK (on_workflow_notify_cb), self);
  g_signal_connect_swapped (workflow, "changed", G_CALLBACK (on_workflow_changed_cb), self);
  clear_list (self->agents_list, self->agent_rows);
  clear_list (self->providers_list, self->provider_rows);
  refresh_property (self, NULL);
  update_marks (self);
}

static void
on_document_workflow_cb (TroupeWorkflowPanel *self)
{
  set_workflow (self, troupe_document_get_workflow (self->document));
}

/* Widget signals */

static void
name_changed_cb (TroupeWorkflowPanel *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->name_row));
  Edit data = { .text = text[0] != '\0' ? text : NULL };

  edit (self, "name", set_name_cb, &data, "name");
}

static void
description_changed_cb (TroupeWorkflowPanel *self)
{
  g_autofree char *text = _troupe_text_view_dup_text (self->description_view);
  Edit data = { .text = text[0] != '\0' ? text : NULL };

  edit (self, "description", set_description_cb, &data, "description");
}

static void
default_provider_cb (TroupeWorkflowPanel *self)
{
  Edit data = { 0 };

  if (self->updating || !_troupe_combo_get_name (self->default_provider_row, &data.text))
    return;
  edit (self, NULL, set_default_provider_cb, &data, "default-provider");
}

/* Emptying the field (no default timeout) counts only when @finished
 * (Enter, or the field left), since replacing the text empties it on the
 * way. */
static void
default_timeout_edited (TroupeWorkflowPanel *self,
                        gboolean             finished)
{
  g_autofree char *why = NULL;
  Edit data = { 0 };

  if (self->updating || self->document == NULL)
    return;

  if (!_troupe_duration_from_text (gtk_editable_get_text (GTK_EDITABLE (self->default_timeout_row)),
                                   &data.ms, &why))
    {
      /* The model keeps its value; the row says what is wrong. */
      g_hash_table_insert (self->local_errors, g_strdup ("default-timeout"), g_steal_pointer (&why));
      update_marks (self);
      return;
    }

  if (data.ms == TROUPE_DURATION_UNSET && !finished)
    {
      g_hash_table_remove (self->local_errors, "default-timeout");
      update_marks (self);
      return;
    }

  edit (self, "default-timeout", set_default_timeout_cb, &data, "default-timeout");
}

static void
default_timeout_changed_cb (TroupeWorkflowPanel *self)
{
  default_timeout_edited (self, FALSE);
}

static void
default_timeout_finished_cb (TroupeWorkflowPanel *self)
{
  default_timeout_edited (self, TRUE);
  if (self->document != NULL)
    troupe_document_end_merge (self->document);
}

static void
default_retries_cb (TroupeWorkflowPanel *self)
{
  const TroupeRetryPolicy *old = troupe_workflow_get_default_retries (self->workflow);
  g_autoptr(TroupeRetryPolicy) retries = NULL;
  guint max = (guint) gtk_spin_button_get_value_as_int (self->default_retries_spin);
  Edit data = { 0 };

  /* The other settings of the policy stay; a policy of no retries and
   * nothing else is no policy. */
  retries = old != NULL ? troupe_retry_policy_copy (old) : troupe_retry_policy_new (0);
  retries->max_retries = max;
  if (!(max == 0 && troupe_retry_policy_is_shorthand (retries)))
    data.retries = retries;
  edit (self, "default-retries", set_default_retries_cb, &data, "default-retries");
}

static void
default_on_failure_cb (TroupeWorkflowPanel *self)
{
  Edit data = { .number = adw_combo_row_get_selected (self->default_on_failure_row) };

  if (data.number <= TROUPE_FAILURE_POLICY_CONTINUE)
    edit (self, NULL, set_default_on_failure_cb, &data, "default-on-failure");
}

static void
max_parallel_cb (TroupeWorkflowPanel *self)
{
  Edit data = { .number = (guint) gtk_spin_button_get_value_as_int (self->max_parallel_spin) };

  edit (self, "max-parallel", set_max_parallel_cb, &data, "max-parallel");
}

static void
new_agent_apply_cb (TroupeWorkflowPanel *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->new_agent_row))));
  g_autofree char *color = NULL;
  GdkRGBA rgba;
  Edit data = { .name = name };

  gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (self->new_agent_color), &rgba);
  color = color_to_text (&rgba);
  data.text = color;
  if (edit (self, NULL, add_agent_cb, &data, "new-agent"))
    gtk_editable_set_text (GTK_EDITABLE (self->new_agent_row), "");
}

static void
new_provider_apply_cb (TroupeWorkflowPanel *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->new_provider_row))));
  Edit data = { .name = name };

  if (edit (self, NULL, add_provider_cb, &data, "new-provider"))
    gtk_editable_set_text (GTK_EDITABLE (self->new_provider_row), "");
}

static void
end_merge_cb (TroupeWorkflowPanel *self)
{
  if (self->document != NULL)
    troupe_document_end_merge (self->document);
}

static void
troupe_workflow_panel_dispose (GObject *object)
{
  TroupeWorkflowPanel *self = (TroupeWorkflowPanel *)object;

  set_workflow (self, NULL);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);

  gtk_widget_dispose_template (GTK_WIDGET (self), TROUPE_TYPE_WORKFLOW_PANEL);

  G_OBJECT_CLASS (troupe_workflow_panel_parent_class)->dispose (object);
}

static void
troupe_workflow_panel_finalize (GObject *object)
{
  TroupeWorkflowPanel *self = (TroupeWorkflowPanel *)object;

  g_clear_pointer (&self->provider_choices, g_ptr_array_unref);
  g_clear_pointer (&self->agent_rows, g_ptr_array_unref);
  g_clear_pointer (&self->provider_rows, g_ptr_array_unref);
  g_clear_pointer (&self->local_errors, g_hash_table_unref);

  G_OBJECT_CLASS (troupe_workflow_panel_parent_class)->finalize (object);
}

static void
troupe_workflow_panel_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  TroupeWorkflowPanel *self = TROUPE_WORKFLOW_PANEL (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, self->document);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_workflow_panel_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  TroupeWorkflowPanel *self = TROUPE_WORKFLOW_PANEL (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      troupe_workflow_panel_set_document (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
troupe_workflow_panel_class_init (TroupeWorkflowPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = troupe_workflow_panel_dispose;
  object_class->finalize = troupe_workflow_panel_finalize;
  object_class->get_property = troupe_workflow_panel_get_property;
  object_class->set_property = troupe_workflow_panel_set_property;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, TROUPE_TYPE_DOCUMENT,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  troupe_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/troupe/Troupe/ui/troupe-workflow-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, TroupeWorkflowPanel, name_row);
  gtk_widget_class_bind_template_child (widget_class, TroupeWorkflowPanel, description_view);
  gtk_widget_class_bind_template_child (widget_class, TroupeWorkflowPanel, general_message);
  gtk_widget_class_bind_template_child (widget_class, TroupeWorkflowPanel, default_provider_row);
  gtk_widget_class_bind_template_child (widget_class, TroupeWorkflowPanel, default_timeout_row);
  gtk_widget_class_bind_template_child (widget_class, TroupeWorkflowPanel, default_retries_row);
  gtk_widget_class_bind_template_child (widget_class, TroupeWorkflowPanel, default_retries_spin);
  gtk_widget_class_bind_template_child (widget_class, TroupeWorkflowPanel, default_on_failure_row);
  gtk_widget_class_bind_template_child (widget_class, TroupeWorkflowPanel, max_parallel_row);
  gtk_widget_class_bind_template_child (widget_class, TroupeWorkflowPanel, max_parallel_spin);
  gtk_widget_class_bind_template_child (widget_class, TroupeWorkflowPanel, defaults_message);
  gtk_widget_class_bind_template_child (widget_class, TroupeWorkflowPanel, agents_list);
  gtk_widget_class_bind_template_child (widget_class, TroupeWorkflowPanel, new_agent_row);
  gtk_widget_class_bind_template_child (widget_class, TroupeWorkflowPanel, new_agent_color);
  gtk_widget_class_bind_template_child (widget_class, TroupeWorkflowPanel, agents_message);
  gtk_widget_class_bind_template_child (widget_class, TroupeWorkflowPanel, providers_list);
  gtk_widget_class_bind_template_child (widget_class, TroupeWorkflowPanel, new_provider_row);
  gtk_widget_class_bind_template_child (widget_class, TroupeWorkflowPanel, providers_message);
}

static void
troupe_workflow_panel_init (TroupeWorkflowPanel *self)
{
  GtkEventController *focus;

  self->provider_choices = g_ptr_array_new_with_free_func (g_free);
  self->agent_rows = g_ptr_array_new ();
  self->provider_rows = g_ptr_array_new ();
  self->local_errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_swapped (self->name_row, "changed", G_CALLBACK (name_changed_cb), self);
  g_signal_connect_swapped (self->name_row, "entry-activated", G_CALLBACK (end_merge_cb), self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->description_view), "changed",
                            G_CALLBACK (description_changed_cb), self);
  g_signal_connect_swapped (self->default_provider_row, "notify::selected", G_CALLBACK (default_provider_cb), self);
  g_signal_connect_swapped (self->default_timeout_row, "changed", G_CALLBACK (default_timeout_changed_cb), self);
  g_signal_connect_swapped (self->default_timeout_row, "entry-activated",
                            G_CALLBACK (default_timeout_finished_cb), self);
  focus = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (focus, "leave", G_CALLBACK (default_timeout_finished_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->default_timeout_row), focus);
  g_signal_connect_swapped (self->default_retries_spin, "value-changed", G_CALLBACK (default_retries_cb), self);
  g_signal_connect_swapped (self->default_on_failure_row, "notify::selected", G_CALLBACK (default_on_failure_cb), self);
  g_signal_connect_swapped (self->max_parallel_spin, "value-changed", G_CALLBACK (max_parallel_cb), self);
  g_signal_connect_swapped (self->new_agent_row, "apply", G_CALLBACK (new_agent_apply_cb), self);
  g_signal_connect_swapped (self->new_provider_row, "apply", G_CALLBACK (new_provider_apply_cb), self);
}

GtkWidget *
troupe_workflow_panel_new (void)
{
  return g_object_new (TROUPE_TYPE_WORKFLOW_PANEL, NULL);
}

TroupeDocument *
troupe_workflow_panel_get_document (TroupeWorkflowPanel *self)
{
  g_return_val_if_fail (TROUPE_IS_WORKFLOW_PANEL (self), NULL);

  return self->document;
}

void
troupe_workflow_panel_set_document (TroupeWorkflowPanel *self,
                                    TroupeDocument      *document)
{
  g_return_if_fail (TROUPE_IS_WORKFLOW_PANEL (self));
  g_return_if_fail (document == NULL || TROUPE_IS_DOCUMENT (document));

  if (self->document == document)
    return;

  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_set_object (&self->document, document);

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
