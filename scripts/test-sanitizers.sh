#!/usr/bin/env bash
# The Swift test suite under AddressSanitizer (with LeakSanitizer) and ThreadSanitizer.
#
#   scripts/test-sanitizers.sh            # both
#   scripts/test-sanitizers.sh address    # one of: address, thread
#
# Each sanitizer builds into its own scratch folder (.build-asan, .build-tsan). The system C
# libraries (FFmpeg, libpng, libjpeg-turbo, libwebp) are not instrumented; their memory errors
# show when Swift or the shims touch bad memory, and their threads through the pthread
# interceptors. Leaks outside mmprep's code are suppressed in scripts/sanitizers/lsan.supp.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="/opt/swift/usr/bin:$PATH"

run() {
    local sanitizer="$1" scratch="$2"
    echo "== swift test --sanitize=$sanitizer"
    swift build --build-tests --scratch-path "$scratch" --sanitize="$sanitizer"
    swift test --skip-build --scratch-path "$scratch" --sanitize="$sanitizer"
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$ROOT/scripts/sanitizers/lsan.supp:print_suppressions=0}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"

case "${1:-all}" in
    address) run address .build-asan ;;
    thread) run thread .build-tsan ;;
    all) run address .build-asan; run thread .build-tsan ;;
    *) echo "usage: $0 [address|thread]" >&2; exit 2 ;;
esac
