"""Fonts and words for figure labels: glyph captions need Arabic coverage matplotlib lacks."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from matplotlib.font_manager import FontProperties

from raster.labels import label_codepoint, label_form


def label_font() -> FontProperties | None:
    """A font with Arabic coverage for the titles (bundled Noto Sans Arabic), if installed."""
    try:
        import fontpkg_noto_sans_arabic as pkg
    except ImportError:
        return None
    files = sorted(Path(pkg.ROOT).rglob("*.ttf"))
    return FontProperties(fname=str(files[0])) if files else None


def describe(label: str, form: str | None, family: str | None) -> tuple[str, str]:
    """(character line, detail line) of a glyph cell's title: ``"ع  U+0639"``, label, font."""
    cp = label_codepoint(label)
    char = ""
    if cp is not None and 0 < cp < 0x110000:
        c = chr(cp)
        char = c if unicodedata.category(c)[0] in "LNPSM" else ""
        # Arabic marks and letters alone: a tatweel before a mark gives it a base to sit on.
        if unicodedata.category(c) == "Mn":
            char = "\u0640" + c
    head = f"{char}  U+{cp:04X}" if cp is not None else label
    shown_form = "" if not form or label_form(label) == form else f" {form}"
    detail = f"{label}{shown_form}\n{(family or '?')[:22]}"
    return head, detail
