#!/usr/bin/env bash
# The larger corpus run of docs/results.md: train on bundled + Debian + @fontsource fonts
# without any Amiri font, then identify the bundled Amiri fonts and repair PDFs set in them.
#
#   bash scripts/corpus_holdout_run.sh [RUN_DIR] [MINUTES] [EPOCHS]
#
# dataset/corpus.db is built by `make corpus` when missing (runs before 2026-12-02 used a
# smaller corpus: see docs/results.md).
#
# Steps are skipped when their output exists (delete RUN_DIR to start over).
source "$(dirname "$0")/lib.sh"
RUN=${1:-runs/corpus64}
MINUTES=${2:-70}
EPOCHS=${3:-14}
DB=dataset/corpus.db
TRAIN_DB=dataset/corpus_noamiri.db
mkdir -p "$RUN"

# The full corpus (make corpus): bundled + Debian + @fontsource, named instances.
[ -f "$DB" ] || PY="$PY" bash scripts/build_corpus.sh dataset fonts_corpus

if [ ! -f "$TRAIN_DB" ]; then
  "$PY" - "$DB" "$TRAIN_DB" <<'EOF'
import sys
from raster.evaluation.folds import copy_without_fonts, corpus_fonts
src, dst = sys.argv[1], sys.argv[2]
# every face whose family key is amiri: Amiri, Amiri Quran, Amiri Quran Colored, any source
copy_without_fonts(src, dst, {f.file_hash for f in corpus_fonts(src) if f.key == "amiri"})
EOF
fi

if [ ! -f "$RUN/best.pt" ]; then
  holdout_train_argv "$TRAIN_DB" "$RUN" "$EPOCHS" "$MINUTES"
  "$PY" -m raster.train "${ARGV[@]}"
fi

[ -f "$RUN/ref/index.json" ] || "$PY" -m raster.index build --db "$TRAIN_DB" --checkpoint "$RUN/best.pt" --out-dir "$RUN/ref"

for font in $("$PY" -c 'from raster.data.bundled import bundled_font_paths
print(" ".join(str(p) for p in bundled_font_paths() if p.name.startswith("Amiri")))'); do
  name=$(basename "$font" .ttf)
  "$PY" -m raster.identify "$font" --checkpoint "$RUN/best.pt" --index "$RUN/ref" --evaluate \
    --quiet --json-out "$RUN/identify/$name.json" | grep -E '^\[(plain|letters)\]'
done

"$PY" -m bench.bench_pdf --checkpoint "$RUN/best.pt" --index "$RUN/ref" --json-out "$RUN/bench_pdf.json"
