#!/bin/sh
# run-fuzz.sh [SECONDS]
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds the libFuzzer target for the YAML and JSON loaders with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer in its own build directory
# (_build-fuzz, beside the sources), and runs it for SECONDS (default 300) on
# the committed corpus plus seeds made from the examples and the test data.
#
# New interesting inputs go to _build-fuzz/corpus; crashes to
# _build-fuzz/artifacts. The script ends by printing how to fold the new
# inputs into tests/fuzz/corpus.
#
# Environment: FUZZ_JOBS (default 1) runs that many fuzzer processes in
# parallel; FUZZ_ARGS adds libFuzzer options.

set -eu

duration=${1:-300}
case $duration in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
builddir=$srcdir/_build-fuzz
fuzzdir=$srcdir/tests/fuzz
target=$builddir/fuzz-workflow-load

for tool in clang meson ninja pkg-config; do
  if ! command -v $tool >/dev/null 2>&1; then
    echo "$0: $tool is needed to build the fuzzer (apt-get install clang meson ninja-build pkg-config)" >&2
    exit 2
  fi
done

# The library itself is compiled with the fuzzer's coverage instrumentation
# (fuzzer-no-link): without it libFuzzer would only see the harness, and
# would mutate blindly.
if [ ! -f "$builddir/build.ninja" ]; then
  CC=clang meson setup "$builddir" "$srcdir" \
    --buildtype=debugoptimized \
    -Db_sanitize=address,undefined \
    -Db_lundef=false \
    -Dapp=disabled \
    -Dbenchmarks=false \
    -Dc_args=-fsanitize=fuzzer-no-link
fi
ninja -C "$builddir" src/libtroupe/libtroupe.a

deps="glib-2.0 gobject-2.0 gio-2.0 gio-unix-2.0 json-glib-1.0 yaml-0.1 libcgraph libgvc"
# shellcheck disable=SC2046,SC2086 # $deps and pkg-config's output are word lists
clang -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -DG_LOG_DOMAIN='"Troupe"' \
  -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 \
  -DGLIB_VERSION_MAX_ALLOWED=GLIB_VERSION_2_74 \
  -Wall -Wextra -Wno-unused-parameter -Werror \
  -I"$builddir" -I"$builddir/src/libtroupe" -I"$srcdir/src/libtroupe" -I"$fuzzdir" \
  $(pkg-config --cflags $deps) \
  "$fuzzdir/fuzz-workflow-load.c" \
  "$builddir/src/libtroupe/libtroupe.a" \
  $(pkg-config --libs $deps) -lm \
  -o "$target"

# Seeds: every example and test file as it is now, with the format byte in
# front ('\0' YAML, '\1' JSON), so new examples are fuzzed without being
# committed to the corpus first.
seeds=$builddir/seeds
rm -rf "$seeds"
mkdir -p "$seeds" "$builddir/corpus" "$builddir/artifacts"
for file in "$srcdir"/examples/*.yaml "$srcdir"/examples/*.yml "$srcdir"/examples/*.json \
            "$srcdir"/tests/data/good/* "$srcdir"/tests/data/bad/*; do
  [ -f "$file" ] || continue
  name=$(printf '%s' "${file#"$srcdir"/}" | tr '/' '_')
  case $file in
    *.json) { printf '\001'; cat "$file"; } > "$seeds/$name" ;;
    *.yaml|*.yml) { printf '\000'; cat "$file"; } > "$seeds/$name" ;;
  esac
done

# With -jobs libFuzzer runs its workers as child processes logging to
# fuzz-N.log, so it is only asked for when more than one is wanted.
parallel=
if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then
  parallel="-jobs=$FUZZ_JOBS -workers=$FUZZ_JOBS"
fi

echo "Fuzzing for $duration seconds: new inputs in $builddir/corpus, crashes in $builddir/artifacts"
status=0
# shellcheck disable=SC2086 # $parallel and FUZZ_ARGS are lists of options
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
G_DEBUG=fatal-warnings \
"$target" \
  -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -max_total_time="$duration" \
  -print_final_stats=1 \
  $parallel \
  -dict="$fuzzdir/workflow.dict" \
  -artifact_prefix="$builddir/artifacts/" \
  ${FUZZ_ARGS:-} \
  "$builddir/corpus" "$fuzzdir/corpus" "$seeds" || status=$?

cat <<EOF

To keep the inputs that add coverage, minimise them into the committed corpus
(tests/fuzz/corpus must stay under 300 files and 2 MB):

  $target -merge=1 -max_len=8192 $fuzzdir/corpus $builddir/corpus

To replay one crash with a stack trace:

  $target $builddir/artifacts/crash-…

and copy the reproducer into tests/fuzz/corpus/: the fuzz-corpus-replay test
then fails until the bug is fixed.
EOF

exit $status
