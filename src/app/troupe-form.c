/* troupe-form.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "troupe-form.h"

void
_troupe_editable_set_text (GtkEditable *editable,
                           const char  *text)
{
  if (g_strcmp0 (gtk_editable_get_text (editable), text ? text : "") != 0)
    gtk_editable_set_text (editable, text ? text : "");
}

char *
_troupe_text_view_dup_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

void
_troupe_text_view_set_text (GtkTextView *view,
                            const char  *text)
{
  g_autofree char *now = _troupe_text_view_dup_text (view);

  if (g_strcmp0 (now, text ? text : "") != 0)
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text ? text : "", -1);
}

void
_troupe_mark_invalid (GtkWidget  *widget,
                      const char *message)
{
  /* The tooltip the widget had before it was first marked. */
  if (!g_object_get_data (G_OBJECT (widget), "troupe-tooltip-saved"))
    {
      g_object_set_data_full (G_OBJECT (widget), "troupe-tooltip",
                              gtk_widget_get_tooltip_text (widget) ?
                              g_strdup (gtk_widget_get_tooltip_text (widget)) : NULL,
                              g_free);
      g_object_set_data (G_OBJECT (widget), "troupe-tooltip-saved", GINT_TO_POINTER (TRUE));
    }

  if (message != NULL)
    {
      gtk_widget_add_css_class (widget, "error");
      gtk_widget_set_tooltip_text (widget, message);
    }
  else if (gtk_widget_has_css_class (widget, "error"))
    {
      gtk_widget_remove_css_class (widget, "error");
      gtk_widget_set_tooltip_text (widget, g_object_get_data (G_OBJECT (widget), "troupe-tooltip"));
    }
}

void
_troupe_show_messages (GtkLabel  *label,
                       GPtrArray *messages)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; messages != NULL && i < messages->len; i++)
    {
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, g_ptr_array_index (messages, i));
    }

  gtk_label_set_text (label, text->str);
  gtk_widget_set_visible (GTK_WIDGET (label), text->len > 0);
}

char *
_troupe_duration_to_text (gint64 ms)
{
  if (ms == TROUPE_DURATION_UNSET)
    return g_strdup ("");
  return troupe_duration_format (ms);
}

gboolean
_troupe_duration_from_text (const char  *text,
                            gint64      *ms,
                            char       **why)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text ? text : ""));

  if (stripped[0] == '\0')
    {
      *ms = TROUPE_DURATION_UNSET;
      return TRUE;
    }
  return troupe_duration_parse (stripped, ms, why);
}

gboolean
_troupe_names_equal (GPtrArray *a,
                     GPtrArray *b,
                     guint      n)
{
  if (a->len < n || b->len < n)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (g_ptr_array_index (a, i), g_ptr_array_index (b, i)) != 0)
      return FALSE;
  return TRUE;
}

gboolean
_troupe_combo_set_names (AdwComboRow *combo,
                         GPtrArray   *names,
                         const char  *none_label)
{
  GPtrArray *now = g_object_get_data (G_OBJECT (combo), "troupe-names");
  guint n_base = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (combo), "troupe-n-names"));
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) items = NULL;
  GPtrArray *copy;
  GListModel *model;

  /* Names added for unknown values stay after the given ones. */
  if (now != NULL && n_base == names->len && _troupe_names_equal (now, names, n_base))
    return FALSE;

  copy = g_ptr_array_new_with_free_func (g_free);
  builder = g_strv_builder_new ();
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);

      g_ptr_array_add (copy, g_strdup (name));
      g_strv_builder_add (builder, name != NULL ? name : none_label);
    }
  items = g_strv_builder_end (builder);
  g_object_set_data_full (G_OBJECT (combo), "troupe-names", copy, (GDestroyNotify) g_ptr_array_unref);
  g_object_set_data (G_OBJECT (combo), "troupe-n-names", GUINT_TO_POINTER (names->len));

  model = adw_combo_row_get_model (combo);
  if (GTK_IS_STRING_LIST (model))
    gtk_string_list_splice (GTK_STRING_LIST (model), 0, g_list_model_get_n_items (model),
                            (const char * const *) items);
  else
    {
      g_autoptr(GtkStringList) list = gtk_string_list_new ((const char * const *) items);

      adw_combo_row_set_model (combo, G_LIST_MODEL (list));
    }
  return TRUE;
}

void
_troupe_combo_select_name (AdwComboRow *combo,
                           const char  *name)
{
  GPtrArray *names = g_object_get_data (G_OBJECT (combo), "troupe-names");
  guint index = GTK_INVALID_LIST_POSITION;

  g_return_if_fail (names != NULL);

  for (guint i = 0; i < names->len && index == GTK_INVALID_LIST_POSITION; i++)
    if (g_strcmp0 (g_ptr_array_index (names, i), name) == 0)
      index = i;

  if (index == GTK_INVALID_LIST_POSITION)
    {
      g_ptr_array_add (names, g_strdup (name));
      gtk_string_list_append (GTK_STRING_LIST (adw_combo_row_get_model (combo)), name);
      index = names->len - 1;
    }

  if (adw_combo_row_get_selected (combo) != index)
    adw_combo_row_set_selected (combo, index);
}

gboolean
_troupe_combo_get_name (AdwComboRow  *combo,
                        const char  **name)
{
  GPtrArray *names = g_object_get_data (G_OBJECT (combo), "troupe-names");
  guint selected = adw_combo_row_get_selected (combo);

  if (names == NULL || selected >= names->len)
    return FALSE;
  *name = g_ptr_array_index (names, selected);
  return TRUE;
}
