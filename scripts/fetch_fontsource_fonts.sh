#!/usr/bin/env bash
# Fetch the @fontsource Arabic families (DEVELOPERS.md's npm list) with `npm pack` and keep the
# `arabic` subset files (which keep their GSUB forms) under fonts_corpus/fontsource/<family>/.
# Usage: bash scripts/fetch_fontsource_fonts.sh [DEST]   (default DEST: fonts_corpus/fontsource)
set -euo pipefail
dest="${1:-fonts_corpus/fontsource}"
families=(alexandria almarai amiri amiri-quran baloo-bhaijaan-2 cairo changa el-messiri handjet
          ibm-plex-sans-arabic lateef noto-kufi-arabic noto-naskh-arabic noto-nastaliq-urdu
          noto-sans-arabic readex-pro scheherazade-new tajawal zain)
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for fam in "${families[@]}"; do
  if [ -n "$(ls "$dest/$fam" 2>/dev/null)" ]; then
    echo "$fam: already fetched"; continue
  fi
  (cd "$tmp" && npm pack --silent "@fontsource/$fam" >/dev/null)
  tarball=$(ls "$tmp"/fontsource-"$fam"-*.tgz | head -n 1)
  mkdir -p "$dest/$fam"
  # Only the arabic subset, .woff2 (brotli) in every weight and style the package ships.
  tar -xzf "$tarball" -C "$dest/$fam" --strip-components=2 --wildcards 'package/files/*-arabic-*.woff2'
  rm -f "$tarball"
  echo "$fam: $(ls "$dest/$fam" | wc -l) files"
done
