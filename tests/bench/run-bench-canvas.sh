#!/bin/sh
# run-bench-canvas.sh [FRAMES]
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The canvas benchmark (bench-canvas.c says what each state measures):
# builds a release build with the app in _build-bench-canvas, then times
# TroupeCanvas's snapshot, and the cairo renderer's render of it, on a
# 1,000-step workflow laid out by the engine (graphviz) and on a
# 10,000-step one placed on a grid (graphviz takes minutes on it), at
# fit-to-view and at 100% zoom, in a 1280 x 800 window under Xvfb. Every
# figure is the median of FRAMES frames (default 60, at least 50), wall
# clock and CPU time of the thread; on a busy machine the CPU time is the
# one to trust.
#
# Targets, for the snapshot at 100% zoom: under 8 ms a frame at 1,000
# steps, under 16 ms at 10,000. BENCH_STRICT=1 makes a missed target fail
# the script; BENCH_CANVAS_PNG=DIR keeps a picture of every view measured.

set -eu

frames=${1:-${BENCH_FRAMES:-60}}
case $frames in
  ''|*[!0-9]*) echo "usage: $0 [FRAMES]" >&2; exit 2 ;;
esac
if [ "$frames" -lt 50 ]; then
  echo "$0: at least 50 frames make a median worth reporting" >&2
  exit 2
fi

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
builddir=$srcdir/_build-bench-canvas
work=$builddir/bench-canvas-data

for tool in meson ninja xvfb-run; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$0: $tool is needed (apt-get install meson ninja-build xvfb xauth)" >&2
    exit 2
  fi
done

if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$srcdir" \
    -Dbuildtype=release -Db_ndebug=true -Dapp=enabled -Dbenchmarks=true
fi
ninja -C "$builddir" tests/bench/bench-canvas
bench=$builddir/tests/bench/bench-canvas
mkdir -p "$work"

# As the tests run the app: the cairo renderer, no accessibility bus.
export GSK_RENDERER=cairo GDK_DEBUG=gl-disable GTK_A11Y=none NO_AT_BRIDGE=1

echo "Measuring the canvas: $frames frames per figure…"
: > "$work/results.txt"
xvfb-run -a "$bench" run 1000 "$frames" --layout >> "$work/results.txt"
xvfb-run -a "$bench" run 10000 "$frames" >> "$work/results.txt"

echo
echo "Troupe canvas benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -m), $(nproc) cores," \
     "GTK $(pkg-config --modversion gtk4 2>/dev/null || echo '?'), GSK_RENDERER=cairo"
echo
status=0
awk '
  $1 == "RESULT" {
    n = split($2, k, "-")
    # canvas-STEPS-VIEW-STATE-WHAT[-cpu]
    cpu = (k[n] == "cpu")
    what = cpu ? k[n - 1] : k[n]
    row = k[2] " " k[3] " " k[4]
    if (!(row in seen)) { seen[row] = 1; rows[++nrows] = row }
    value[row, what, cpu] = $3
  }
  END {
    printf "| Steps | View | State | Snapshot ms | Snapshot CPU ms | Render CPU ms | Target |\n"
    printf "|------:|------|-------|------------:|----------------:|--------------:|--------|\n"
    missed = 0
    for (i = 1; i <= nrows; i++) {
      split(rows[i], r, " ")
      target = ""
      if (r[2] == "100" && (r[3] == "steady" || r[3] == "agent" || r[3] == "move")) {
        limit = (r[1] >= 10000) ? 16 : 8
        ok = value[rows[i], "snapshot", 0] < limit
        target = sprintf("< %d ms: %s", limit, ok ? "met" : "MISSED")
        if (!ok) missed = 1
      }
      view = (r[2] == "100") ? "100%" : r[2]
      render = ((rows[i], "render", 1) in value) ? value[rows[i], "render", 1] : "–"
      printf "| %s | %s | %s | %s | %s | %s | %s |\n", r[1], view, r[3],
             value[rows[i], "snapshot", 0], value[rows[i], "snapshot", 1], render, target
    }
    exit missed
  }' "$work/results.txt" || status=$?
echo
echo "Raw figures: $work/results.txt"

if [ $status -ne 0 ]; then
  echo
  echo "A target was missed."
  if [ "${BENCH_STRICT:-0}" = 1 ]; then
    exit 1
  fi
fi
