#!/usr/bin/env bash
# The newcomer's path, timed: git clone -> the README's set-up command (`make venv`) -> the
# README's repair command with no flag (the shipped model) on a stripped sample PDF, then the
# character accuracy of the text pdfminer extracts from it (docs/model.md quotes the times).
#
#   bash scripts/fresh_clone_check.sh [REPO] [WORK_DIR] [PDF]
#
# REPO: what to clone (default: this checkout); WORK_DIR: where (default: a new temporary
# folder, kept); PDF: a stripped PDF from the clone's tests/pdf/fixtures (default: cairo's
# Amiri Regular; its source text is tests/pdf/fixtures/source.txt).
set -euo pipefail
REPO=${1:-$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)}
WORK=${2:-$(mktemp -d /tmp/glyph-raster-fresh.XXXXXX)}
PDF=${3:-tests/pdf/fixtures/cairo-Amiri-Regular.pdf}
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }

t0=$(now)
git clone --quiet "$REPO" "$WORK/glyph-raster"
cd "$WORK/glyph-raster"
t1=$(now)
make venv > "$WORK/make_venv.log" 2>&1 || { echo "make venv failed: see $WORK/make_venv.log" >&2; exit 1; }
t2=$(now)
.venv/bin/python -m raster.pdf repair "$PDF" "$WORK/fixed.pdf" 2>&1 | tee "$WORK/repair.log"
t3=$(now)
.venv/bin/python - "$PDF" "$WORK/fixed.pdf" tests/pdf/fixtures/source.txt <<'PY'
import sys
from raster.pdf.text_accuracy import char_accuracy, extract_text
broken, fixed, source = sys.argv[1:]
truth = open(source, encoding="utf-8").read()
for name, path in (("stripped input", broken), ("repaired", fixed)):
    print(f"{name}: character accuracy {char_accuracy(extract_text(path), truth):.1%}")
PY
echo "clone $(secs "$t0" "$t1") s, make venv $(secs "$t1" "$t2") s, repair $(secs "$t2" "$t3") s," \
  "clone to repaired PDF $(secs "$t0" "$t3") s (in $WORK)"
