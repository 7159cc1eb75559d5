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
if [[ $(id -u) -eq 0 ]]; then
    sudo=()
elif sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    echo "error: qpdf or pdftotext is missing and installing them needs root: sudo apt-get install -y qpdf poppler-utils" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null; then
    echo "error: qpdf or pdftotext is missing and this is not a Debian/Ubuntu system (no apt-get)" >&2
    exit 1
fi
"${sudo[@]}" apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    -o DPkg::Lock::Timeout=900 qpdf poppler-utils
echo "installed: $(qpdf --version | head -1), $(pdftotext -v 2>&1 | head -1)"
