#!/bin/sh
# run-bench-runner.sh [REPS]
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The runner's benchmarks (README.md says what each figure means): builds
# the release build in _build-bench (shared with tests/bench/run-bench.sh,
# configured the same way), builds bench-runner and the troupe command,
# and runs everything in one go: the speedup of 200 sleeping steps, the
# efficiency of a layered DAG, and 10,000 trivial steps in three shapes
# next to ninja, with troupe's peak memory. Every figure is the median of
# REPS repetitions (default 3, at least 3), troupe and ninja alternating.
# About six minutes on two cores.
#
# BENCH_RUNNER_STEPS changes the 10,000 (a multiple of 100);
# BENCH_RUNNER_WORK the folder the inputs and run records go to
# (default _build-bench/bench-runner-data); BENCH_STRICT=1 makes a missed
# target fail the script. BENCH_BUILDDIR names another release build
# directory than _build-bench (one of your own, when several people share
# the tree); BENCH_BASELINE another troupe binary (a copy of an earlier
# build) to measure in the same repetitions, for a before/after table;
# BENCH_OVERHEAD_ONLY=1 skips the speedup and DAG benchmarks.

set -eu

reps=${1:-${BENCH_REPS:-3}}
case $reps in
  ''|*[!0-9]*) echo "usage: $0 [REPS]" >&2; exit 2 ;;
esac
if [ "$reps" -lt 3 ]; then
  echo "$0: at least 3 repetitions make a median worth reporting" >&2
  exit 2
fi

srcdir=$(cd "$(dirname "$0")/../../.." && pwd)
builddir=${BENCH_BUILDDIR:-$srcdir/_build-bench}
benchdir=$srcdir/tests/bench/runner
work=${BENCH_RUNNER_WORK:-$builddir/bench-runner-data}
steps=${BENCH_RUNNER_STEPS:-10000}

for tool in meson ninja cc pkg-config; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$0: $tool is needed (apt-get install meson ninja-build gcc pkg-config)" >&2
    exit 2
  fi
done

if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$srcdir" \
    -Dbuildtype=release -Db_ndebug=true -Dapp=disabled -Dbenchmarks=true
fi
ninja -C "$builddir" src/cli/troupe src/libtroupe/libtroupe.a
troupe=$builddir/src/cli/troupe
mkdir -p "$work"

if ninja -C "$builddir" -t targets all | grep -q '^tests/bench/runner/bench-runner:'; then
  ninja -C "$builddir" tests/bench/runner/bench-runner
  runner=$builddir/tests/bench/runner/bench-runner
else
  # tests/bench/meson.build does not build it yet (subdir('runner')): the
  # same compilation by hand, against the release libtroupe.a.
  deps="glib-2.0 gio-2.0 gio-unix-2.0 json-glib-1.0 yaml-0.1 libcgraph libgvc"
  runner=$work/bench-runner
  # shellcheck disable=SC2046,SC2086 # the package list and the flags are meant to split
  cc -std=gnu17 -O3 -DNDEBUG -Wall -Wextra -Wno-unused-parameter \
     -Wno-missing-field-initializers -Werror=implicit-function-declaration \
     '-DG_LOG_DOMAIN="Troupe"' \
     -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 \
     -DGLIB_VERSION_MAX_ALLOWED=GLIB_VERSION_2_74 \
     -I"$builddir" -I"$builddir/src/libtroupe" -I"$srcdir/src/libtroupe" \
     $(pkg-config --cflags $deps) \
     -o "$runner" "$benchdir/bench-runner.c" "$builddir/src/libtroupe/libtroupe.a" \
     $(pkg-config --libs $deps) -lm
fi

set -- --reps "$reps" --steps "$steps"
if [ -n "${BENCH_BASELINE:-}" ]; then
  set -- "$@" --baseline "$BENCH_BASELINE"
fi
if [ "${BENCH_OVERHEAD_ONLY:-0}" = 1 ]; then
  set -- "$@" --overhead-only
fi

echo "Measuring ($reps repetitions per figure, $steps steps for the overhead)…"
status=0
"$runner" all "$work" "$troupe" "$@" || status=$?

case $status in
  0) ;;
  3)
    echo
    echo "A target was missed."
    if [ "${BENCH_STRICT:-0}" = 1 ]; then
      exit 1
    fi
    ;;
  *) exit "$status" ;;
esac
