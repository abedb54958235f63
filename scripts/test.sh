#!/usr/bin/env bash
# The whole test suite: system packages, Swift unit tests, then the parity tests against the
# real reference packages (transformers + Pillow in venvs this script creates) and the real
# ffmpeg CLI.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="/opt/swift/usr/bin:$PATH"
start=$(date +%s)

scripts/install-deps.sh
scripts/setup-test-venv.sh
scripts/check-systemd.sh

swift build --build-tests
swift test --skip-build

# The parity and end-to-end tests drive the release binary (same code, much faster).
swift build -c release --static-swift-stdlib
export MMPREP_BIN="$(swift build -c release --show-bin-path)/mmprep"
.venv-test/bin/python -m pytest -q -p no:cacheprovider Tests/Parity

# Opt-in (each sanitizer rebuilds everything): the Swift tests under ASan/LSan and TSan.
if [[ "${MMPREP_SANITIZERS:-0}" == 1 ]]; then
    scripts/test-sanitizers.sh
fi

echo "test.sh: whole suite took $(( $(date +%s) - start )) s"
