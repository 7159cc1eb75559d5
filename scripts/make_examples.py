"""Remake examples/: the files the README's Quickstart runs on.

- ``broken.pdf``: six lines of Arabic typeset by cairo in Amiri Regular, text layer stripped
  (no ToUnicode), a copy of ``tests/pdf/fixtures/cairo-Amiri-Regular.pdf``
  (``scripts/make_pdf_fixtures.sh`` makes that one), and ``broken.txt``, the text it shows.
- ``Tajawal-Regular.outlines.ttf``: the bundled Tajawal Regular stripped by
  :func:`raster.data.strip.strip_font` (outlines and metrics only: no cmap, layout tables or
  glyph names).

Both fonts are under the SIL Open Font License 1.1, which allows redistribution of modified
copies with the licence; each licence is copied beside them.

    .venv/bin/python scripts/make_examples.py [OUT_DIR]   (default: examples)
"""

from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path

from raster.data.bundled import bundled_font_paths
from raster.data.strip import strip_font

ROOT = Path(__file__).resolve().parents[1]
PDF = ROOT / "tests" / "pdf" / "fixtures" / "cairo-Amiri-Regular.pdf"
FONT = "Tajawal-Regular.ttf"


def licence(package: str) -> Path:
    """The LICENSE file of a bundled ``fontpkg_*`` package."""
    return Path(importlib.import_module(package).__file__).parent / "LICENSE"


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PDF, out / "broken.pdf")
    shutil.copyfile(PDF.parent / "source.txt", out / "broken.txt")  # the text it shows
    font = next(p for p in bundled_font_paths() if p.name == FONT)
    strip_font(font, out / "Tajawal-Regular.outlines.ttf")
    shutil.copyfile(licence("fontpkg_amiri"), out / "OFL-Amiri.txt")
    shutil.copyfile(licence("fontpkg_tajawal"), out / "OFL-Tajawal.txt")
    for path in sorted(out.iterdir()):
        print(f"{path} {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "examples"))
