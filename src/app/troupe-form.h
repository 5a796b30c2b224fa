/* troupe-form.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "troupe.h"

G_BEGIN_DECLS

/* What the editing forms (the inspector and the workflow panel) share:
 * fields that show the model without moving the user's cursor, invalid
 * marks, combo rows of names, and duration fields. */

/* Sets the text of @editable, or of @view, only when it differs, so that
 * the model coming back with what the user just typed moves no cursor. */
void  _troupe_editable_set_text   (GtkEditable *editable,
                                   const char  *text);
void  _troupe_text_view_set_text  (GtkTextView *view,
                                   const char  *text);
char *_troupe_text_view_dup_text  (GtkTextView *view);
/* Marks @widget as invalid with @message as its tooltip (the "error"
 * style class), or, with a NULL @message, unmarks it and gives it back the
 * tooltip it had. */
void  _troupe_mark_invalid        (GtkWidget   *widget,
                                   const char  *message);
/* Shows @messages (a GPtrArray of strings, may be NULL or empty) in @label,
 * one per line, or hides @label when there are none. */
void  _troupe_show_messages       (GtkLabel    *label,
                                   GPtrArray   *messages);
/* Combo rows whose items stand for names (of agents, of providers). The
 * names are kept with the combo; a NULL first name stands for "none" and
 * shows as @none_label. Setting the same names again changes nothing (and
 * returns FALSE), so that a selection survives the model's changes. */
gboolean _troupe_combo_set_names   (AdwComboRow *combo,
                                    GPtrArray   *names,
                                    const char  *none_label);
/* Selects @name; a name that is none of the combo's (an unknown agent,
 * which validation reports) is added, so that the combo shows what the
 * file says. */
void     _troupe_combo_select_name (AdwComboRow *combo,
                                    const char  *name);
/* The name of the selected item (NULL for "none"); FALSE when nothing is
 * selected. */
gboolean _troupe_combo_get_name    (AdwComboRow *combo,
                                    const char **name);
/* "" for an unset duration, else its canonical spelling ("90s"). */
char *_troupe_duration_to_text    (gint64       ms);
/* Parses the text of a duration field: "" is unset. FALSE with the
 * engine's explanation in @why when it is no duration. */
gboolean _troupe_duration_from_text (const char *text,
                                     gint64     *ms,
                                     char      **why);

/* Whether the first @n strings (or NULLs) of @a and @b are equal. */
gboolean _troupe_names_equal        (GPtrArray   *a,
                                     GPtrArray   *b,
                                     guint        n);

G_END_DECLS
