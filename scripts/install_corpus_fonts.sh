#!/usr/bin/env bash
# Install the Debian font corpus used by bench/bench_ingest.py (and Unicode's data files),
# then print where each package put its fonts. (The list is raster.data.corpus.DEBIAN_PACKAGES;
# scripts/build_corpus.sh installs those and builds the whole corpus.) Needs root (or sudo) and apt.
set -euo pipefail

PACKAGES=(
  fonts-noto-core fonts-noto-ui-core fonts-noto-extra fonts-hosny-amiri fonts-sil-scheherazade
  fonts-sil-lateef fonts-sil-harmattan fonts-sil-alkalami fonts-sil-awami-nastaliq
  fonts-dejavu-core fonts-freefont-ttf fonts-paktype
  unicode-data
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"

echo
echo "font folders per package:"
for pkg in "${PACKAGES[@]}"; do
  dirs=$(dpkg -L "$pkg" 2>/dev/null | grep -iE '\.(ttf|otf|ttc|otc|woff2?)$' | xargs -r -d '\n' -n1 dirname | sort -u | tr '\n' ' ')
  count=$(dpkg -L "$pkg" 2>/dev/null | grep -ciE '\.(ttf|otf|ttc|otc|woff2?)$' || true)
  if [ "$pkg" = unicode-data ]; then
    echo "  $pkg: $(dpkg -L "$pkg" | grep -m1 ArabicShaping.txt)"
  else
    echo "  $pkg: $count files in ${dirs:-?}"
  fi
done
