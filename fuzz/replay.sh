#!/bin/sh
# Replays fuzz/regressions/<target>/ through the ASan+libFuzzer builds (each file run once;
# a crash, leak or sanitizer report fails). The same inputs also run in the main package's
# Swift tests (Tests/FuzzRegressionTests), without the fuzzer instrumentation.
set -eu
cd "$(dirname "$0")"
for target in media pipeline text; do
    files=$(find "regressions/$target" -type f | sort)
    [ -n "$files" ] || continue
    ./build.sh "fuzz-$target" >/dev/null
    # shellcheck disable=SC2086
    ./.build-fuzz/debug/"fuzz-$target" -runs=1 $files
    echo "$target: $(echo "$files" | wc -l) regression input(s) replayed"
done
