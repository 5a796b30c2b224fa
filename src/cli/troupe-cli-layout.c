/* troupe-cli-layout.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "troupe-cli.h"

static const struct {
  const char    *name;
  TroupeRankDir  rank_dir;
} directions[] = {
  { "TB", TROUPE_RANK_DIR_TB },
  { "LR", TROUPE_RANK_DIR_LR },
  { "BT", TROUPE_RANK_DIR_BT },
  { "RL", TROUPE_RANK_DIR_RL },
};

static gboolean
parse_direction (const char    *name,
                 TroupeRankDir *rank_dir)
{
  for (guint i = 0; i < G_N_ELEMENTS (directions); i++)
    if (g_ascii_strcasecmp (directions[i].name, name) == 0)
      {
        *rank_dir = directions[i].rank_dir;
        return TRUE;
      }

  return FALSE;
}

static const char *
direction_name (TroupeRankDir rank_dir)
{
  for (guint i = 0; i < G_N_ELEMENTS (directions); i++)
    if (directions[i].rank_dir == rank_dir)
      return directions[i].name;

  return "TB";
}

/* Positions are pixels; dot gives whole numbers, but a hand-edited file may
 * hold fractions. Printed with g_ascii_formatd() so that a locale with a
 * decimal comma does not change the output. */
static char *
format_coordinate (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (value == floor (value))
    return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.0f", value));

  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.1f", value));
}

static void
print_summary (TroupeWorkflow *workflow,
               const char     *path)
{
  GPtrArray *steps = troupe_workflow_get_steps (workflow);
  TroupeRankDir rank_dir = troupe_workflow_get_rank_dir (workflow);
  gboolean vertical = rank_dir == TROUPE_RANK_DIR_TB || rank_dir == TROUPE_RANK_DIR_BT;
  g_autoptr(GHashTable) ranks = g_hash_table_new (NULL, NULL);
  double min_x = G_MAXDOUBLE, min_y = G_MAXDOUBLE;
  double max_x = -G_MAXDOUBLE, max_y = -G_MAXDOUBLE;
  guint n_placed = 0;
  int id_width = (int) strlen ("STEP");

  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      double x, y;

      id_width = MAX (id_width, (int) strlen (troupe_step_get_id (step)));

      if (!troupe_step_get_position (step, &x, &y))
        continue;

      n_placed++;
      min_x = MIN (min_x, x);
      min_y = MIN (min_y, y);
      max_x = MAX (max_x, x + TROUPE_CARD_WIDTH);
      max_y = MAX (max_y, y + TROUPE_CARD_HEIGHT);

      /* dot puts every step of a rank on the same line across the rank
       * direction, so counting distinct lines counts ranks. */
      g_hash_table_add (ranks, GINT_TO_POINTER ((int) round (vertical ? y : x)));
    }

  printf ("%-14s%s\n", _("File:"), path);
  printf ("%-14s%s\n", _("Direction:"), direction_name (rank_dir));
  printf ("%-14s%u\n", _("Steps:"), steps->len);
  printf ("%-14s%u\n", _("Ranks:"), g_hash_table_size (ranks));

  if (n_placed > 0)
    {
      g_autofree char *width = format_coordinate (max_x - min_x);
      g_autofree char *height = format_coordinate (max_y - min_y);
      g_autofree char *x0 = format_coordinate (min_x);
      g_autofree char *y0 = format_coordinate (min_y);
      g_autofree char *x1 = format_coordinate (max_x);
      g_autofree char *y1 = format_coordinate (max_y);

      printf ("%-14s%s x %s px\n", _("Size:"), width, height);
      printf ("%-14s(%s, %s) to (%s, %s)\n", _("Bounding box:"), x0, y0, x1, y1);
    }

  printf ("\n  %-*s %8s %8s\n", id_width, _("STEP"), "X", "Y");
  for (guint i = 0; i < steps->len; i++)
    {
      TroupeStep *step = g_ptr_array_index (steps, i);
      double x, y;

      if (troupe_step_get_position (step, &x, &y))
        {
          g_autofree char *xs = format_coordinate (x);
          g_autofree char *ys = format_coordinate (y);

          printf ("  %-*s %8s %8s\n", id_width, troupe_step_get_id (step), xs, ys);
        }
      else
        printf ("  %-*s %8s %8s\n", id_width, troupe_step_get_id (step), "-", "-");
    }
}

int
troupe_cli_layout (const TroupeCliCommand  *command,
                   int                      argc,
                   char                   **argv)
{
  g_auto(GStrv) files = NULL;
  g_autofree char *direction = NULL;
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(GError) error = NULL;
  TroupeRankDir rank_dir = TROUPE_RANK_DIR_TB;
  gboolean write = FALSE;
  int status;
  const GOptionEntry entries[] = {
    { "write", 'w', 0, G_OPTION_ARG_NONE, &write,
      N_("Save the new positions back to FILE, in its own format"), NULL },
    { "direction", 'd', 0, G_OPTION_ARG_STRING, &direction,
      N_("Rank direction: TB, LR, BT or RL (default: the file's, else TB)"), N_("DIR") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!troupe_cli_parse_options (command, entries, _("FILE"),
                                 _("Lays the steps out with graphviz dot. Without --write, prints the\n"
                                   "ranks, the size and bounding box of the graph and each step's\n"
                                   "position; with --write, saves the file atomically (only its\n"
                                   "layout section changes).\n"
                                   "\n"
                                   "Exit status: 0 on success, 1 when the workflow is invalid or the\n"
                                   "layout fails, 2 on a usage error."),
                                 argc, argv, &status))
    return status;

  if (files == NULL || files[0] == NULL)
    return troupe_cli_usage_error (command, _("Name the workflow file to lay out"));
  if (files[1] != NULL)
    return troupe_cli_usage_error (command, _("Lay out one file at a time (got '%s' and '%s')"),
                                   files[0], files[1]);
  if (direction != NULL && !parse_direction (direction, &rank_dir))
    return troupe_cli_usage_error (command, _("Unknown direction '%s': use TB, LR, BT or RL"),
                                   direction);

  workflow = troupe_cli_load_valid_workflow (command, files[0]);
  if (workflow == NULL)
    return TROUPE_CLI_EXIT_INVALID;

  if (direction != NULL)
    troupe_workflow_set_rank_dir (workflow, rank_dir);

  if (!troupe_workflow_layout (workflow, &error))
    {
      troupe_cli_error (command, _("Could not lay out %s: %s"), files[0], error->message);
      return TROUPE_CLI_EXIT_INVALID;
    }

  if (!write)
    {
      print_summary (workflow, files[0]);
      return TROUPE_CLI_EXIT_OK;
    }

  if (!troupe_workflow_save_to_file (workflow, files[0],
                                     troupe_file_format_from_path (files[0]), &error))
    {
      troupe_cli_error (command, _("Could not save %s: %s"), files[0], error->message);
      return TROUPE_CLI_EXIT_INVALID;
    }

  printf (g_dngettext (GETTEXT_PACKAGE,
                       "%s: saved the positions of %u step (direction %s)\n",
                       "%s: saved the positions of %u steps (direction %s)\n",
                       troupe_workflow_get_n_steps (workflow)),
          files[0], troupe_workflow_get_n_steps (workflow),
          direction_name (troupe_workflow_get_rank_dir (workflow)));

  return TROUPE_CLI_EXIT_OK;
}
