#!/bin/sh
# Builds the libFuzzer targets (ASan + libFuzzer on the Swift code; C code in the Swift
# packages, e.g. libyaml in Yams, gets coverage too) and the replay tool (no sanitizers).
set -eu
cd "$(dirname "$0")"
swift build --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address \
    -Xcc -fsanitize=fuzzer-no-link,address \
    --product "${1:-fuzz-text}"
