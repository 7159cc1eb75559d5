#!/usr/bin/env bash
# Install Debian's qpdf and poppler-utils (pdftotext) for the tests that check every repaired
# PDF (tests/pdf/test_valid_output.py: `qpdf --check` clean, poppler reads the same text).
#
# Usage: bash scripts/install_pdf_tools.sh
# Does nothing when both are already there. Needs root (or password-less sudo) and the Debian
# archive.
set -euo pipefail

if command -v qpdf >/dev/null && command -v pdftotext >/dev/null; then
    echo "qpdf and pdftotext present"
    exit 0
fi
bash "$(dirname "$0")/apt_install.sh" "qpdf or pdftotext" qpdf poppler-utils
echo "installed: $(qpdf --version | head -1), $(pdftotext -v 2>&1 | head -1)"
