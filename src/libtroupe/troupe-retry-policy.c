/* troupe-retry-policy.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "troupe-retry-policy.h"

G_DEFINE_BOXED_TYPE (TroupeRetryPolicy, troupe_retry_policy,
                     troupe_retry_policy_copy, troupe_retry_policy_free)

TroupeRetryPolicy *
troupe_retry_policy_new (guint max_retries)
{
  TroupeRetryPolicy *policy = g_new0 (TroupeRetryPolicy, 1);

  policy->max_retries = max_retries;
  policy->backoff = TROUPE_BACKOFF_FIXED;
  policy->delay_ms = TROUPE_RETRY_DEFAULT_DELAY_MS;
  policy->max_delay_ms = TROUPE_RETRY_DEFAULT_MAX_DELAY_MS;
  policy->jitter = 0.0;

  return policy;
}

TroupeRetryPolicy *
troupe_retry_policy_copy (const TroupeRetryPolicy *policy)
{
  g_return_val_if_fail (policy != NULL, NULL);

  return g_memdup2 (policy, sizeof *policy);
}

void
troupe_retry_policy_free (TroupeRetryPolicy *policy)
{
  g_free (policy);
}

gboolean
troupe_retry_policy_equal (const TroupeRetryPolicy *a,
                           const TroupeRetryPolicy *b)
{
  if (a == NULL || b == NULL)
    return a == b;

  return a->max_retries == b->max_retries &&
         a->backoff == b->backoff &&
         a->delay_ms == b->delay_ms &&
         a->max_delay_ms == b->max_delay_ms &&
         a->jitter == b->jitter;
}

gboolean
troupe_retry_policy_is_shorthand (const TroupeRetryPolicy *policy)
{
  g_return_val_if_fail (policy != NULL, FALSE);

  return policy->backoff == TROUPE_BACKOFF_FIXED &&
         policy->delay_ms == TROUPE_RETRY_DEFAULT_DELAY_MS &&
         policy->max_delay_ms == TROUPE_RETRY_DEFAULT_MAX_DELAY_MS &&
         policy->jitter == 0.0;
}
