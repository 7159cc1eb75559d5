#!/usr/bin/env bash
# Install Debian packages with apt-get, as root or through password-less sudo; one clear line
# when that cannot be done. Used by install_chromium.sh and install_pdf_tools.sh.
#
# Usage: bash scripts/apt_install.sh WHAT PACKAGE...   (WHAT names them in messages)
set -euo pipefail

what=$1
shift
if [[ $(id -u) -eq 0 ]]; then
    sudo=()
elif sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    echo "error: $what is missing and installing it needs root: sudo apt-get install -y $*" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null; then
    echo "error: $what is missing and this is not a Debian/Ubuntu system (no apt-get)" >&2
    exit 1
fi
"${sudo[@]}" apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    -o DPkg::Lock::Timeout=900 "$@"
