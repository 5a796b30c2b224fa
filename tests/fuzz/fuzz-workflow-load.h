/* fuzz-workflow-load.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry points of fuzz-workflow-load.c; fuzz-replay-main.c
 * calls them the way libFuzzer would. */
int LLVMFuzzerInitialize   (int            *argc,
                            char         ***argv);
int LLVMFuzzerTestOneInput (const uint8_t  *data,
                            size_t          size);
