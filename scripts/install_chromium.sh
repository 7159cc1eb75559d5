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
bash "$(dirname "$0")/apt_install.sh" chromium chromium
echo "installed: $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
