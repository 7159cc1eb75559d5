#!/usr/bin/env bash
# The larger corpus run of docs/results.md: train on bundled + Debian + @fontsource fonts
# without any Amiri font, then identify the bundled Amiri fonts and repair PDFs set in them.
#
#   bash scripts/install_corpus_fonts.sh && bash scripts/fetch_fontsource_fonts.sh   # once
#   bash scripts/corpus_holdout_run.sh [RUN_DIR] [MINUTES] [EPOCHS]
#
# Steps are skipped when their output exists (delete RUN_DIR to start over).
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${1:-runs/corpus64}
MINUTES=${2:-70}
EPOCHS=${3:-14}
PY=${PY:-.venv/bin/python}
DB=dataset/corpus.db
TRAIN_DB=dataset/corpus_noamiri.db
mkdir -p "$RUN"

if [ ! -f "$DB" ]; then
  # Debian packages' files (Arabic-capable Noto only), as bench/bench_ingest.py picks them
  mapfile -t DEBIAN < <("$PY" -c 'from bench.bench_ingest import corpus_paths
print("\n".join(map(str, corpus_paths()[0])))')
  # @fontsource families not bundled already: their "arabic" subsets, .woff2 only
  FONTSOURCE=()
  for f in alexandria baloo-bhaijaan-2 changa el-messiri handjet noto-nastaliq-urdu readex-pro zain; do
    FONTSOURCE+=(fonts_corpus/fontsource/"$f"/"$f"-arabic-[0-9]*.woff2)
  done
  "$PY" -m raster.ingest --db "$DB" --bundled --instances named --workers 2 --no-progress \
    "${DEBIAN[@]}" "${FONTSOURCE[@]}"
fi

if [ ! -f "$TRAIN_DB" ]; then
  "$PY" - "$DB" "$TRAIN_DB" <<'EOF'
import sys
from pathlib import Path
from raster.data.holdout import copy_without_family
src, dst = Path(sys.argv[1]), Path(sys.argv[2])
step = dst.with_suffix(".step.db")
copy_without_family(src, dst, "Amiri")
for family in ("Amiri Quran", "Amiri Quran Colored"):
    copy_without_family(dst, step, family)
    step.replace(dst)
EOF
fi

if [ ! -f "$RUN/best.pt" ]; then
  read -r -a ARGV < <("$PY" -c "from pathlib import Path
from raster.demo import holdout_training_argv
print(' '.join(holdout_training_argv(Path('$TRAIN_DB'), Path('$RUN'), epochs=$EPOCHS, img_size=64, time_budget=$MINUTES)))")
  "$PY" -m raster.train "${ARGV[@]}"
fi

[ -f "$RUN/ref/index.json" ] || "$PY" -m raster.index build --db "$TRAIN_DB" --checkpoint "$RUN/best.pt" --out "$RUN/ref"

for font in $("$PY" -c 'from raster.data.bundled import bundled_font_paths
print(" ".join(str(p) for p in bundled_font_paths() if p.name.startswith("Amiri")))'); do
  name=$(basename "$font" .ttf)
  "$PY" -m raster.identify "$font" --checkpoint "$RUN/best.pt" --index "$RUN/ref" --evaluate \
    --quiet --json-out "$RUN/identify/$name.json" | grep -E '^\[(plain|letters)\]'
done

"$PY" -m bench.bench_pdf --checkpoint "$RUN/best.pt" --index "$RUN/ref" --json-out "$RUN/bench_pdf.json"
