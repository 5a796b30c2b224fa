#!/usr/bin/python3
# check-potfiles.py: every source file with a translatable string is listed
# in po/POTFILES.in, and every file listed there exists, so a translation
# can never silently miss a message.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
listed = set()
for line in (root / 'po' / 'POTFILES.in').read_text().splitlines():
    line = line.strip()
    if line and not line.startswith('#'):
        listed.add(line)

# _("…"), N_("…"), C_("…", "…") and ngettext in C; translatable="yes" in
# GtkBuilder templates.
c_marker = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|g_dngettext|ngettext)\s*\(\s*"')
ui_marker = re.compile(r'translatable="yes"')

needed = set()
for pattern, marker in (('src/**/*.c', c_marker), ('ui/*.ui', ui_marker)):
    for path in root.glob(pattern):
        if marker.search(path.read_text(encoding='utf-8')):
            needed.add(str(path.relative_to(root)))

status = 0
for path in sorted(needed - listed):
    print(f'po/POTFILES.in: {path} has translatable strings but is not listed; add it')
    status = 1
for path in sorted(listed):
    if not (root / path).exists():
        print(f'po/POTFILES.in: {path} is listed but does not exist; remove it')
        status = 1
sys.exit(status)
