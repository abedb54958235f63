#!/usr/bin/env bash
# Create the torch-based reference venv used to generate video fixtures
# (transformers video processors, qwen-vl-utils, torchcodec).
#
#   MMPREP_TORCH_VENV  venv location (default /root/venvs/mmprep-ref-torch)
#   MMPREP_PYTHON      python used to create it (default python3)
#
# CPU-only torch is preferred when a matching CPU-only set is visible to pip (see below);
# otherwise the plain PyPI wheels (CUDA-enabled, ~5 GB venv with the nvidia-* deps, runs on CPU).
# torchcodec 0.17 uses torch's stable ABI and needs torch >= 2.11; torchvision
# must match torch exactly (torchvision 0.28.x <-> torch 2.13.x).
# torchcodec needs the system FFmpeg shared libraries (the wheel ships libtorchcodec_core4..9
# for FFmpeg majors 4-9; Debian 12
# ships FFmpeg 5 as libavcodec59): apt-get install ffmpeg  (or libavcodec-dev ...).
set -euo pipefail

VENV="${MMPREP_TORCH_VENV:-/root/venvs/mmprep-ref-torch}"
PY="${MMPREP_PYTHON:-python3}"

TORCH_VERSION="${MMPREP_TORCH_VERSION:-2.13.0}"
TORCHVISION_VERSION="${MMPREP_TORCHVISION_VERSION:-0.28.0}"
TORCHCODEC_VERSION="0.17.0"
TRANSFORMERS_VERSION="5.24.0"
QWEN_VL_UTILS_VERSION="0.0.14"

if [ ! -x "$VENV/bin/python" ]; then
  echo "creating venv at $VENV"
  mkdir -p "$(dirname "$VENV")"
  "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip)
"${PIP[@]}" install --upgrade pip >/dev/null 2>&1 || true

# Pick the torch build. A CPU-only "+cpu" torch is used only when pip also sees
# "+cpu" builds of torchvision and torchcodec: the PyPI torchvision/torchcodec wheels
# are CUDA builds that link libtorch_cuda/libcudart and fail to load next to a CPU-only
# torch ("operator torchvision::nms does not exist"; torchcodec "Could not load this
# library"). Otherwise the plain PyPI torch (CUDA-enabled; runs fine on CPU) is used,
# explicitly excluding a "+cpu" wheel that a find-links dir may offer (pip would
# otherwise prefer it, since 2.13.0+cpu sorts above 2.13.0).
has_cpu_build() {  # $1 package, $2 version
  "${PIP[@]}" index versions "$1" 2>/dev/null | grep -q -- "$2+cpu"
}
if [ -n "${MMPREP_TORCH_SPEC:-}" ]; then
  TORCH_SPEC="$MMPREP_TORCH_SPEC"
elif has_cpu_build torch "$TORCH_VERSION" && has_cpu_build torchvision "$TORCHVISION_VERSION" \
     && has_cpu_build torchcodec "$TORCHCODEC_VERSION"; then
  TORCH_SPEC="torch==${TORCH_VERSION}+cpu"
else
  TORCH_SPEC="torch==${TORCH_VERSION},!=${TORCH_VERSION}+cpu"
fi
echo "installing ${TORCH_SPEC}"

"${PIP[@]}" install \
  "${TORCH_SPEC}" \
  "torchvision==${TORCHVISION_VERSION}" \
  "torchcodec==${TORCHCODEC_VERSION}" \
  "transformers==${TRANSFORMERS_VERSION}" \
  "qwen-vl-utils==${QWEN_VL_UTILS_VERSION}" \
  numpy pillow safetensors

"$VENV/bin/python" - <<'PY'
import importlib, sys
failed = False
for name in ["torch", "torchvision", "torchcodec", "transformers", "numpy", "PIL", "safetensors"]:
    try:
        m = importlib.import_module(name)
        print(f"{name:13s} {getattr(m, '__version__', '?')}")
    except Exception as e:
        print(f"{name:13s} IMPORT FAILED: {e}", file=sys.stderr)
        failed = True
from importlib.metadata import version
print(f"qwen-vl-utils {version('qwen-vl-utils')}")
try:
    import torch
    import torchvision.transforms.v2.functional as tvF
    tvF.resize(torch.zeros(3, 8, 8, dtype=torch.uint8), [4, 4])
    from torchcodec.decoders import VideoDecoder  # noqa: F401  (loads the FFmpeg-linked core)
    print("torchvision ops and torchcodec core load")
except Exception as e:
    print(f"torchvision/torchcodec NOT usable (torchcodec needs the system FFmpeg "
          f"libraries: apt-get install ffmpeg): {e}", file=sys.stderr)
    failed = True
sys.exit(1 if failed else 0)
PY
echo "venv ready: $VENV"
