/* troupe-app-resources.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "troupe-app-resources.h"
#include "troupe-app-resources-generated.h"

void
troupe_app_ensure_resources (void)
{
  static gsize registered = 0;

  /* g_static_resource_init() is not idempotent: a second call links the
   * resource into GLib's list twice, which can make the list a cycle. */
  if (g_once_init_enter (&registered))
    {
      troupe_app_register_resource ();
      g_once_init_leave (&registered, 1);
    }
}
