#!/usr/bin/python3
# check-schema.py
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Validates JSON files against the workflow JSON Schema (2020-12).
#
#   check-schema.py [--convert PROGRAM] SCHEMA PATH...
#
# A PATH that is a folder stands for its *.yaml, *.yml and *.json files.
# With --convert, each file is first turned into JSON by running
# "PROGRAM FILE" (tests/troupe-to-json), so the JSON that Troupe writes is
# what gets checked. Prints every error with the JSON path where it was
# found and exits 1 when any file fails. Formats are not checked: the schema
# uses patterns only. Run it with Debian's /usr/bin/python3, which has
# python3-jsonschema.

import glob
import json
import os
import subprocess
import sys

import jsonschema


def json_path(error):
    path = '$'
    for part in error.absolute_path:
        if isinstance(part, int):
            path += '[%d]' % part
        else:
            path += '.' + part if part.isidentifier() else '[%s]' % json.dumps(part)
    return path


def expand(paths):
    files = []
    for path in paths:
        if os.path.isdir(path):
            for pattern in ('*.yaml', '*.yml', '*.json'):
                files += glob.glob(os.path.join(path, pattern))
        else:
            files.append(path)
    return sorted(files)


def load(path, convert):
    if convert is None:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    result = subprocess.run([convert, path], capture_output=True, text=True)
    if result.returncode != 0:
        raise ValueError('%s failed: %s' % (convert, result.stderr.strip()))
    return json.loads(result.stdout)


def main(argv):
    args = argv[1:]
    convert = None
    if len(args) >= 2 and args[0] == '--convert':
        convert = args[1]
        args = args[2:]
    if len(args) < 2:
        print('usage: %s [--convert PROGRAM] SCHEMA PATH...' % argv[0], file=sys.stderr)
        return 2

    with open(args[0], encoding='utf-8') as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    files = expand(args[1:])
    if not files:
        print('no files to check in %s' % ' '.join(args[1:]))
        return 1

    failed = False
    for path in files:
        try:
            document = load(path, convert)
        except (OSError, ValueError) as e:
            print('%s: cannot read JSON: %s' % (path, e))
            failed = True
            continue

        errors = sorted(validator.iter_errors(document),
                        key=lambda e: list(map(str, e.absolute_path)))
        for error in errors:
            print('%s: %s: %s' % (path, json_path(error), error.message))
        if errors:
            failed = True
        else:
            print('%s: valid' % path)

    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
