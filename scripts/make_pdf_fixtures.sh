#!/usr/bin/env bash
# Regenerate tests/pdf/fixtures/: Arabic typeset in the bundled Amiri faces and Noto Sans Arabic by cairo
# (pango-view), headless Chromium and LibreOffice, text layer stripped (tools/make_pdf_fixtures.py).
#
# Usage: scripts/make_pdf_fixtures.sh [PYTHON]   (PYTHON defaults to .venv/bin/python)
# Installs the producers with apt when missing (Debian: pango1.0-tools, chromium,
# libreoffice-writer-nogui). The tests read the committed fixtures and need none of them.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:-.venv/bin/python}
need=()
command -v pango-view >/dev/null || need+=(pango1.0-tools)
command -v chromium >/dev/null || need+=(chromium)
command -v soffice >/dev/null || need+=(libreoffice-writer-nogui)
command -v fc-scan >/dev/null || need+=(fontconfig)
if [[ ${#need[@]} -gt 0 ]]; then
    apt-get update -q
    apt-get install -y --no-install-recommends "${need[@]}"
fi
"$python" -m tools.make_pdf_fixtures --out tests/pdf/fixtures
