#!/bin/sh
# run-bench.sh [REPS]
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds a release build in _build-bench, generates a 10,000-step and a
# 1,000-step workflow, and measures the engine next to the reference tools
# doing the same work, in the same run, on the same files (README.md says
# what each row compares). Every figure is the median of REPS repetitions
# (default 7, at least 5), ours and the reference alternating, after one
# warm-up round.
#
# BENCH_STRICT=1 makes a missed target fail the script.

set -eu

reps=${1:-${BENCH_REPS:-7}}
case $reps in
  ''|*[!0-9]*) echo "usage: $0 [REPS]" >&2; exit 2 ;;
esac
if [ "$reps" -lt 5 ]; then
  echo "$0: at least 5 repetitions make a median worth reporting" >&2
  exit 2
fi

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
builddir=$srcdir/_build-bench
benchdir=$srcdir/tests/bench
python=/usr/bin/python3

for tool in meson ninja dot gvpr $python; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$0: $tool is needed (apt-get install meson ninja-build graphviz python3-yaml)" >&2
    exit 2
  fi
done

if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$srcdir" \
    -Dbuildtype=release -Db_ndebug=true -Dapp=disabled -Dbenchmarks=true
fi
ninja -C "$builddir" tests/bench/bench-engine
engine=$builddir/tests/bench/bench-engine

work=$builddir/bench-data
mkdir -p "$work"

echo "Generating the workflows…"
"$engine" generate 10000 "$work/flow-10k"
"$engine" generate 1000 "$work/flow-1k"
ls -l "$work"/flow-10k.yaml "$work"/flow-10k.json "$work"/flow-1k.yaml "$work"/flow-1k.layout.dot

echo "Measuring: $reps rounds after a warm-up round, ours and the references alternating…"
status=0
$python "$benchdir/bench-ref.py" run "$engine" "$work" "$reps" > "$work/report.txt" || status=$?

echo
echo "Troupe benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -m), $(nproc) cores," \
     "graphviz $(dot -V 2>&1 | sed 's/.*version //'), PyYAML $($python -c 'import yaml; print(yaml.__version__)')"
echo
sed -n '/^| Benchmark/,$p' "$work/report.txt"
echo
echo "Raw figures: $work/results.txt"

# The canvas's frame times, where the app can be built and shown.
if command -v xvfb-run >/dev/null 2>&1 && pkg-config --exists gtk4 libadwaita-1; then
  echo
  "$benchdir/run-bench-canvas.sh" || status=$?
fi

if [ $status -ne 0 ]; then
  echo
  echo "A target was missed."
  if [ "${BENCH_STRICT:-0}" = 1 ]; then
    exit 1
  fi
fi
