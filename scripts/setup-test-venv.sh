#!/usr/bin/env bash
# Creates the Python virtualenvs used by the parity tests (Tests/Parity):
#   .venv-test          transformers + Pillow 13 (main reference; pytest runs here)
#   .venv-test-pillow12 transformers + Pillow 12 (reference for --set image.resample=pillow12)
# Idempotent: a stamp file inside each venv records what was installed; a venv whose
# stamp matches is left alone. No torch/torchvision: transformers' Qwen2VLImageProcessorPil
# is pure Pillow + numpy.
# Works on a fresh Debian 12 as root (installs python3-venv with apt if needed).
# Env: PYTHON (interpreter used to create the venvs, default python3), FORCE=1 to rebuild.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"

TRANSFORMERS_VERSION="5.24.0"
COMMON_PKGS=(
  "transformers==${TRANSFORMERS_VERSION}"
  "numpy"
  "safetensors"
  "pytest"
  "webdataset"
  "jinja2"
)

ensure_venv_module() {
  [ "${VENV_MODULE_OK:-0}" = "1" ] && return 0
  VENV_MODULE_OK=1
  local probe
  probe="$(mktemp -d)"
  if "$PYTHON" -m venv "$probe/v" >/dev/null 2>&1 && [ -x "$probe/v/bin/pip" ]; then
    rm -rf "$probe"
    return 0
  fi
  rm -rf "$probe"
  echo "setup-test-venv: '$PYTHON -m venv' does not work; installing python3-venv" >&2
  if command -v apt-get >/dev/null 2>&1; then
    local SUDO=""
    if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y python3-venv python3-pip
  else
    echo "setup-test-venv: no apt-get; install the venv module for $PYTHON by hand" >&2
    exit 1
  fi
}

# make_venv DIR PILLOW_VERSION
make_venv() {
  local dir="$1" pillow="$2"
  local stamp="$dir/.mmprep-stamp"
  local want
  want="python=$("$PYTHON" -c 'import sys;print("%d.%d"%sys.version_info[:2])') transformers=${TRANSFORMERS_VERSION} pillow=${pillow} pkgs=${COMMON_PKGS[*]}"
  if [ "${FORCE:-0}" != "1" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
     && [ -x "$dir/bin/python" ] \
     && "$dir/bin/python" -c "import sys; from importlib.metadata import version as v; sys.exit(0 if (v('pillow')=='${pillow}' and v('transformers')=='${TRANSFORMERS_VERSION}') else 1)" 2>/dev/null; then
    echo "setup-test-venv: $dir up to date (pillow ${pillow}, transformers ${TRANSFORMERS_VERSION})"
    return 0
  fi
  echo "setup-test-venv: building $dir (pillow ${pillow})"
  ensure_venv_module
  rm -rf "$dir"
  "$PYTHON" -m venv "$dir"
  "$dir/bin/python" -m pip install --disable-pip-version-check -q --upgrade pip
  "$dir/bin/python" -m pip install --disable-pip-version-check -q \
    "pillow==${pillow}" "${COMMON_PKGS[@]}"
  # transformers must not have pulled torch in (keep CI small).
  if "$dir/bin/python" -c "import importlib.util,sys; sys.exit(0 if importlib.util.find_spec('torch') else 1)"; then
    echo "setup-test-venv: warning: torch got installed in $dir" >&2
  fi
  "$dir/bin/python" -c "import PIL, transformers; print('  pillow', PIL.__version__, 'transformers', transformers.__version__)" 2>/dev/null
  echo "$want" > "$stamp"
}

VENV_MODULE_OK=0
make_venv "$ROOT/.venv-test" "13.0.0"
make_venv "$ROOT/.venv-test-pillow12" "12.3.0"
