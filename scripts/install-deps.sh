#!/usr/bin/env bash
# Installs the Debian packages mmprep builds against and tests with. Idempotent; run as root
# (or with sudo available). Swift itself is expected at /opt/swift or on PATH.
set -euo pipefail

PKGS=(pkg-config libavformat-dev libavcodec-dev libswscale-dev libavutil-dev
      libpng-dev libjpeg62-turbo-dev libwebp-dev libssl-dev ffmpeg python3-venv)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all Debian packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" = "0" ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
