"""Character accuracy of text extracted from a PDF against the text that was typeset.

Definition (used by the tests, ``bench/bench_pdf.py`` and docs/results.md):
``accuracy = max(0, 1 - levenshtein(extracted, source) / len(source))`` after both sides are
normalized: NFKC (presentation forms -> base letters), whitespace runs -> one space, ends
stripped. pdfminer writes a code without a ToUnicode entry as ``(cid:N)``; each counts as one
wrong character (U+FFFD). Right-to-left lines come out of the PDF in visual order (the content
stream draws them in either direction), so each line's glyphs are sorted by position and a
line with Arabic letters is put back in logical order before comparison; the sources typeset
here are Arabic only.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from rapidfuzz.distance import Levenshtein

_CID = re.compile(r"\(cid:\d+\)")
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC, ``(cid:N)`` -> U+FFFD, whitespace collapsed and stripped."""
    text = _CID.sub("\ufffd", text)
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def _is_rtl(line: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("AL", "R") for ch in line)


def logical_order(lines: list[list[str]]) -> str:
    """Lines of glyph texts (one string per glyph, visual order) -> logical text.

    A line with right-to-left letters has its glyph order reversed (not its characters: a
    ligature's text, e.g. lam-alef, is already logical). Lines are joined by spaces.
    """
    out = []
    for units in lines:
        text = "".join(units[::-1] if _is_rtl("".join(units)) else units).strip()
        if text:
            out.append(text)
    return " ".join(out)


def char_accuracy(extracted: str, source: str) -> float:
    """``1 - edit distance / source length`` of the normalized texts, floored at 0."""
    a, b = normalize(extracted), normalize(source)
    if not b:
        return 1.0 if not a else 0.0
    return max(0.0, 1.0 - Levenshtein.distance(a, b) / len(b))


def extract_text(path: str | Path) -> str:
    """The PDF's text as pdfminer.six extracts it, in logical order: each line's glyphs in
    visual order (sorted by position, see :func:`raster.pdf.layout.page_lines`: producers draw
    right-to-left lines in either direction), then reversed where the line reads right to
    left; words joined by spaces, lines too."""
    from raster.pdf.layout import logical_words, page_lines

    out = []
    # direction from the glyphs' texts, a code without a map as U+FFFD (no direction): the
    # letters of "(cid:12)" would count as left-to-right
    for line in logical_words(page_lines(path), lambda ch: _CID.sub("\ufffd", ch.text)):
        text = " ".join("".join(_CID.sub("\ufffd", ch.text) for ch in word) for word in line)
        if text.strip():
            out.append(text.strip())
    return " ".join(out)
