/* troupe-retry-policy.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "troupe-types.h"

G_BEGIN_DECLS

#define TROUPE_TYPE_RETRY_POLICY (troupe_retry_policy_get_type ())

#define TROUPE_RETRY_DEFAULT_DELAY_MS     ((gint64) 1000)
#define TROUPE_RETRY_DEFAULT_MAX_DELAY_MS ((gint64) 5 * 60 * 1000)
#define TROUPE_RETRY_MAX_RETRIES          100

/* How a failed step is tried again: @max_retries more attempts after the
 * first, waiting @delay_ms (fixed) or delay_ms * 2^(n-1) capped at
 * @max_delay_ms (exponential), each wait scaled by a random factor in
 * [1 - jitter, 1 + jitter]. */
typedef struct
{
  guint         max_retries;
  TroupeBackoff backoff;
  gint64        delay_ms;
  gint64        max_delay_ms;
  double        jitter;
} TroupeRetryPolicy;

GType              troupe_retry_policy_get_type    (void) G_GNUC_CONST;
TroupeRetryPolicy *troupe_retry_policy_new         (guint                    max_retries);
TroupeRetryPolicy *troupe_retry_policy_copy        (const TroupeRetryPolicy *policy);
void               troupe_retry_policy_free        (TroupeRetryPolicy       *policy);
gboolean           troupe_retry_policy_equal       (const TroupeRetryPolicy *a,
                                                    const TroupeRetryPolicy *b);
/* TRUE when only max_retries differs from the defaults ("retries: 3"). */
gboolean           troupe_retry_policy_is_shorthand (const TroupeRetryPolicy *policy);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TroupeRetryPolicy, troupe_retry_policy_free)

G_END_DECLS
