#!/usr/bin/env bash
# Fetch the @fontsource Arabic families (raster.data.corpus.FONTSOURCE_FAMILIES) with `npm pack` and keep the
# `arabic` subset files (which keep their GSUB forms) under DEST/<family>/, with the package's
# package.json beside them (its version goes into the corpus manifest).
# Usage: bash scripts/fetch_fontsource_fonts.sh [DEST] [FAMILY...]
#   DEST defaults to fonts_corpus/fontsource; FAMILY defaults to the library's list
#   (raster.data.corpus.FONTSOURCE_FAMILIES). A family already fetched is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${1:-fonts_corpus/fontsource}"
shift || true
PY=${PY:-.venv/bin/python}
if [ "$#" -gt 0 ]; then
  families=("$@")
else
  mapfile -t families < <("$PY" -c 'from raster.data.corpus import FONTSOURCE_FAMILIES
print("\n".join(FONTSOURCE_FAMILIES))')
fi
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for fam in "${families[@]}"; do
  if [ -f "$dest/$fam/package.json" ] && ls "$dest/$fam"/*.woff2 >/dev/null 2>&1; then
    echo "$fam: already fetched"; continue
  fi
  if ! (cd "$tmp" && npm pack --silent "@fontsource/$fam" >/dev/null 2>"$tmp/err"); then
    echo "$fam: skipped, npm pack failed: $(tail -n 1 "$tmp/err")" >&2; continue
  fi
  tarball=$(ls "$tmp"/fontsource-"$fam"-*.tgz | head -n 1)
  rm -rf "$dest/$fam.part" && mkdir -p "$dest/$fam.part"
  # Only the arabic subset, .woff2 (brotli) in every weight and style the package ships.
  if ! tar -xzf "$tarball" -C "$dest/$fam.part" --strip-components=2 --wildcards "package/files/$fam-arabic-[0-9]*.woff2" 2>/dev/null; then
    echo "$fam: skipped, the package has no arabic subset" >&2
    rm -rf "$dest/$fam.part" "$tarball"; continue
  fi
  tar -xzf "$tarball" -C "$dest/$fam.part" --strip-components=1 package/package.json
  rm -f "$tarball"
  rm -rf "$dest/$fam" && mv "$dest/$fam.part" "$dest/$fam"  # a half-fetched family never looks done
  echo "$fam: $(ls "$dest/$fam"/*.woff2 | wc -l) files"
done
