#!/usr/bin/env bash
# Screenshot a run report (python -m raster.report RUN_DIR) in headless Chromium, offline.
#
# Usage: scripts/screenshot_report.sh RUN_DIR_OR_REPORT_HTML [OUT.png] [WIDTHxHEIGHT]
#   OUT.png defaults to report_screenshot.png beside the report; the window to 1200x2400.
# Installs nothing: uses /usr/bin/chromium (Debian: apt-get install -y chromium) when present.
# The page is opened from a file:// URL with networking features off, so a screenshot that
# shows every figure also shows that the report needs no network.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 RUN_DIR_OR_REPORT_HTML [OUT.png] [WIDTHxHEIGHT]" >&2
    exit 2
fi
target=$1
if [[ -d $target ]]; then
    target=$target/report.html
fi
if [[ ! -f $target ]]; then
    echo "error: $target: no such report (run: python -m raster.report RUN_DIR)" >&2
    exit 2
fi
html=$(cd "$(dirname "$target")" && pwd)/$(basename "$target")
out=${2:-$(dirname "$html")/report_screenshot.png}
size=${3:-1200x2400}

browser=""
for b in /usr/bin/chromium /usr/bin/chromium-browser; do
    if [[ -x $b ]]; then
        browser=$b
        break
    fi
done
if [[ -z $browser ]]; then
    echo "chromium not found; install it with: sudo apt-get install -y chromium" >&2
    exit 3
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" \
    --screenshot="$out" --window-size="${size/x/,}" "file://$html" >/dev/null 2>&1
if [[ ! -s $out ]]; then
    echo "error: chromium wrote no screenshot to $out" >&2
    exit 1
fi
echo "wrote $out"
