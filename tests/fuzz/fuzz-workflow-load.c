/* fuzz-workflow-load.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "troupe.h"

#include "fuzz-workflow-load.h"

/* A libFuzzer target for the YAML and JSON loaders. The first byte of the
 * input picks the format (even: YAML, odd: JSON) so that one corpus covers
 * both readers, and its second bit whether the DOT export draws agents as
 * clusters; the rest is the document.
 *
 * Beyond "does not crash", it checks what the writers promise: whatever a
 * loaded workflow is written as must load again without a syntax error, in
 * both formats, and writing that reloaded workflow gives the same bytes
 * again. A broken promise is a crash, so the fuzzer stops and keeps the
 * input. */

/* The file name diagnostics carry; it only needs to look like a file. */
#define FUZZ_FILENAME "fuzz-input"

static void
fuzz_fail (const char *what,
           const char *text,
           gsize       length)
{
  /* Print the offending text too: the reproducer is the fuzzer's input,
   * but what the writer made of it is what the writer's owner needs. */
  g_printerr ("fuzz-workflow-load: %s\n--- written text (%" G_GSIZE_FORMAT " bytes) ---\n%.*s\n---\n",
              what, length, (int) MIN (length, 16384), text ? text : "");
  __builtin_trap ();
}

/* Writes @workflow in @format, checks that the text loads again without a
 * syntax error, and that writing the reloaded workflow in the same format
 * gives the same bytes (the writer's output is a fixed point). */
static void
check_written (TroupeWorkflow   *workflow,
               TroupeFileFormat  format)
{
  g_autoptr(TroupeWorkflow) reloaded = NULL;
  g_autoptr(TroupeDiagnostic) syntax_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *again = NULL;
  gsize length = 0;
  gsize again_length = 0;

  text = troupe_workflow_to_data (workflow, format, &length);
  if (text == NULL)
    fuzz_fail ("troupe_workflow_to_data() returned NULL", NULL, 0);
  if (strlen (text) != length)
    fuzz_fail ("troupe_workflow_to_data() length does not match the text", text, length);

  reloaded = troupe_workflow_new_from_data (text, length, format, FUZZ_FILENAME,
                                            &syntax_error, &error);
  if (reloaded == NULL)
    {
      g_printerr ("fuzz-workflow-load: reload failed: %s\n",
                  error ? error->message : "(no error set)");
      fuzz_fail (format == TROUPE_FILE_FORMAT_YAML
                 ? "the written YAML does not load again"
                 : "the written JSON does not load again",
                 text, length);
    }

  again = troupe_workflow_to_data (reloaded, format, &again_length);
  if (again == NULL
      || again_length != length
      || memcmp (again, text, length) != 0)
    {
      g_printerr ("fuzz-workflow-load: written again (%" G_GSIZE_FORMAT " bytes):\n%.*s\n",
                  again_length, (int) MIN (again_length, 16384), again ? again : "");
      fuzz_fail (format == TROUPE_FILE_FORMAT_YAML
                 ? "load(write(w)) writes different YAML than w"
                 : "load(write(w)) writes different JSON than w",
                 text, length);
    }
}

/* The lower layer alone: any document tree the reader accepts must be
 * printable by both writers, and the printed text must parse again. */
static void
check_tree (const char       *data,
            gsize             length,
            TroupeFileFormat  format)
{
  g_autoptr(TroupeNode) root = NULL;
  g_autoptr(TroupeNode) yaml_root = NULL;
  g_autoptr(TroupeNode) json_root = NULL;
  g_autoptr(TroupeDiagnostic) syntax_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) yaml_error = NULL;
  g_autoptr(GError) json_error = NULL;
  g_autofree char *yaml = NULL;
  g_autofree char *json = NULL;
  gsize yaml_length = 0;
  gsize json_length = 0;

  if (format == TROUPE_FILE_FORMAT_YAML)
    root = troupe_yaml_read (data, length, FUZZ_FILENAME, &syntax_error, &error);
  else
    root = troupe_json_read (data, length, FUZZ_FILENAME, &syntax_error, &error);

  if (root == NULL)
    {
      /* A failed read must say why, in both ways it promises to. */
      if (error == NULL)
        fuzz_fail ("a reader failed without setting the GError", data, length);
      if (syntax_error == NULL || syntax_error->message == NULL)
        fuzz_fail ("a reader failed without a syntax-error diagnostic", data, length);
      return;
    }

  yaml = troupe_yaml_write (root, &yaml_length);
  if (yaml == NULL)
    fuzz_fail ("troupe_yaml_write() returned NULL", NULL, 0);
  yaml_root = troupe_yaml_read (yaml, yaml_length, FUZZ_FILENAME, NULL, &yaml_error);
  if (yaml_root == NULL)
    {
      g_printerr ("fuzz-workflow-load: %s\n", yaml_error ? yaml_error->message : "(no error set)");
      fuzz_fail ("troupe_yaml_write() printed a tree that troupe_yaml_read() rejects",
                 yaml, yaml_length);
    }

  json = troupe_json_write (root, &json_length);
  if (json == NULL)
    fuzz_fail ("troupe_json_write() returned NULL", NULL, 0);
  json_root = troupe_json_read (json, json_length, FUZZ_FILENAME, NULL, &json_error);
  if (json_root == NULL)
    {
      g_printerr ("fuzz-workflow-load: %s\n", json_error ? json_error->message : "(no error set)");
      fuzz_fail ("troupe_json_write() printed a tree that troupe_json_read() rejects",
                 json, json_length);
    }
}

static void
check_workflow (const char       *data,
                gsize             length,
                TroupeFileFormat  format,
                gboolean          clusters)
{
  g_autoptr(TroupeWorkflow) workflow = NULL;
  g_autoptr(TroupeDiagnostic) syntax_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) diagnostics = NULL;
  g_autoptr(GError) dot_error = NULL;
  g_autofree char *mermaid = NULL;
  g_autofree char *dot = NULL;

  workflow = troupe_workflow_new_from_data (data, length, format, FUZZ_FILENAME,
                                            &syntax_error, &error);
  if (workflow == NULL)
    {
      if (error == NULL)
        fuzz_fail ("troupe_workflow_new_from_data() failed without setting the GError",
                   data, length);
      return;
    }

  diagnostics = troupe_workflow_validate (workflow);
  if (diagnostics == NULL)
    fuzz_fail ("troupe_workflow_validate() returned NULL", data, length);
  for (guint i = 0; i < diagnostics->len; i++)
    {
      const TroupeDiagnostic *diagnostic = g_ptr_array_index (diagnostics, i);
      g_autofree char *line = troupe_diagnostic_to_string (diagnostic);
      g_autoptr(JsonNode) node = troupe_diagnostic_to_json (diagnostic);

      if (line == NULL || node == NULL || diagnostic->message == NULL || diagnostic->code == NULL)
        fuzz_fail ("a diagnostic lacks a message, a code or a printed form", data, length);
    }

  check_written (workflow, TROUPE_FILE_FORMAT_YAML);
  check_written (workflow, TROUPE_FILE_FORMAT_JSON);

  /* The exporters escape whatever ids, labels and colours the loader let
   * through. Mermaid is pure string work; DOT builds a cgraph graph and
   * prints it, without a layout, so both are cheap enough for every
   * input. */
  mermaid = troupe_workflow_to_mermaid (workflow);
  if (mermaid == NULL)
    fuzz_fail ("troupe_workflow_to_mermaid() returned NULL", data, length);

  dot = troupe_workflow_to_dot (workflow, clusters, &dot_error);
  if (dot == NULL)
    {
      g_printerr ("fuzz-workflow-load: %s\n", dot_error ? dot_error->message : "(no error set)");
      fuzz_fail ("troupe_workflow_to_dot() failed on a loaded workflow", data, length);
    }
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* A warning or critical on any input is a bug: the loaders must turn bad
   * input into errors and diagnostics, never trip a precondition. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *document = NULL;
  TroupeFileFormat format;
  gsize length;

  if (size < 1)
    return 0;

  format = (data[0] & 1) ? TROUPE_FILE_FORMAT_JSON : TROUPE_FILE_FORMAT_YAML;
  length = size - 1;

  /* An exact-size copy with no terminating NUL, so that AddressSanitizer
   * catches a reader that runs past @length. */
  document = g_malloc (MAX (length, 1));
  if (length > 0)
    memcpy (document, data + 1, length);

  check_tree (document, length, format);
  /* The second bit of the format byte picks the DOT export's flavour. */
  check_workflow (document, length, format, (data[0] & 2) != 0);

  return 0;
}
