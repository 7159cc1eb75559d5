#!/usr/bin/env bash
# The full development corpus in one command (`make corpus`): install the Debian
# font packages and fetch the @fontsource packages of raster/data/corpus.py, ingest everything (bundled fonts included,
# variable fonts with their named instances) and write the manifest.
#
#   bash scripts/build_corpus.sh [DATASET_DIR] [FONTS_DIR]
#     DATASET_DIR: where corpus.db and corpus_manifest.json go (default: dataset)
#     FONTS_DIR:   where the npm packages are unpacked (default: fonts_corpus)
#
# Idempotent and resumable: installed packages, fetched families and fonts already in the
# database are skipped. Every skipped file is reported on one line with its reason.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-dataset}
FONTS=${2:-fonts_corpus}
PY=${PY:-.venv/bin/python}
WORKERS=${WORKERS:-1}
export PY

mapfile -t PACKAGES < <("$PY" -m raster.corpus --list debian)
MISSING=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || MISSING+=("$pkg")
done
if [ "${#MISSING[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing ${MISSING[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${MISSING[@]}"
fi

bash scripts/fetch_fontsource_fonts.sh "$FONTS/fontsource"

mkdir -p "$OUT"
"$PY" -m raster.corpus --db "$OUT/corpus.db" --manifest "$OUT/corpus_manifest.json" \
  --fontsource "$FONTS/fontsource" --num-workers "$WORKERS"
