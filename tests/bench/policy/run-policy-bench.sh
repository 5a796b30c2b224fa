#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tests/bench/policy/run-policy-bench.sh BUILDDIR [EPOCHS]
# (default 500 epochs of 32 episodes, the same for both, so both rates
# cover the same stretch of the learning curve)
# Prints the episodes per second of the C engine (bench-policy) and of the
# PyTorch reference (reference.py, only when Debian's python3-torch is
# installed), and their ratio. Use a release (or debugoptimized) build.
set -eu

builddir=${1:?usage: $0 BUILDDIR [EPOCHS]}
epochs=${2:-500}
here=$(dirname "$0")
python=/usr/bin/python3

c_out=$("$builddir/tests/bench/policy/bench-policy" "$epochs")
echo "$c_out"
c_eps=$(echo "$c_out" | awk '/^episodes_per_second/ { print $2 }')

if ! "$python" -c 'import torch' 2>/dev/null; then
  echo "PyTorch reference: skipped (python3-torch is not installed)"
  exit 0
fi

py_out=$("$python" "$here/reference.py" "$epochs")
echo "$py_out"
py_eps=$(echo "$py_out" | awk '/^episodes_per_second/ { print $2 }')

awk -v c="$c_eps" -v p="$py_eps" 'BEGIN { printf "ratio C/PyTorch %.1fx\n", c / p }'
