#!/usr/bin/env bash
# Install Debian's Chromium (apt) for the review page's browser test and screenshots.
#
# Usage: bash scripts/install_chromium.sh
# Does nothing when /usr/bin/chromium is already there. Needs root (or password-less sudo) and
# the Debian archive; no browser is downloaded from anywhere else (Playwright drives this one).
set -euo pipefail

for b in /usr/bin/chromium /usr/bin/chromium-browser; do
    if [[ -x $b ]]; then
        echo "chromium present: $b"
        exit 0
    fi
done
if [[ $(id -u) -eq 0 ]]; then
    sudo=()
elif sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    echo "error: chromium is missing and installing it needs root: sudo apt-get install -y chromium" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null; then
    echo "error: chromium is missing and this is not a Debian/Ubuntu system (no apt-get)" >&2
    exit 1
fi
"${sudo[@]}" apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    -o DPkg::Lock::Timeout=900 chromium
echo "installed: $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
