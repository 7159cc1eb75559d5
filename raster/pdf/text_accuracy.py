"""Character accuracy of text extracted from a PDF against the text that was typeset.

Definition (used by the tests, ``bench/bench_pdf.py`` and docs/results.md):
``accuracy = max(0, 1 - levenshtein(extracted, source) / len(source))`` after both sides are
normalized: NFKC (presentation forms -> base letters), whitespace runs -> one space, ends
stripped. pdfminer writes a code without a ToUnicode entry as ``(cid:N)``; each counts as one
wrong character (U+FFFD). Right-to-left lines come out of the PDF in visual order (the content
stream draws them left to right), so the glyphs of a line with Arabic letters are put back in
logical order before comparison; the sources typeset here are Arabic only.
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
    """The PDF's text as pdfminer.six extracts it, in logical order (see :func:`logical_order`)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTAnno, LTChar, LTTextContainer, LTTextLine

    lines: list[list[str]] = []
    for page in extract_pages(str(path)):
        for box in page:
            # text lines come grouped in boxes, or alone when pdfminer finds no box for them
            found = [box] if isinstance(box, LTTextLine) else box
            if not isinstance(box, LTTextContainer):
                continue
            for line in found:
                if isinstance(line, LTTextLine):
                    units = [
                        _CID.sub("\ufffd", ch.get_text())
                        for ch in line
                        if isinstance(ch, (LTChar, LTAnno))
                    ]
                    lines.append(units)
    return logical_order(lines)
