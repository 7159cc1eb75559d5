"""The shown glyphs in page order: lines of (font, code) left to right, with word gaps.

Producers draw text in any order: fpdf2 shows a right-to-left line as one string in visual
order, cairo in logical order (right to left, glyph by glyph), Chromium with one ``Tj`` per
glyph. Context must come from the page, not from the operators. pdfminer.six's layout
analysis groups the characters into lines; each line's characters are then sorted by their
x position (visual order, left to right), and a gap wider than ``word_margin`` x the glyph's
width or height (the larger) starts a new word (pdfminer's own rule for inserting spaces). Which way a line
reads (right to left or not) depends on what its glyphs are, so it is decided by the caller
(:func:`logical_words`, from the glyphs' texts).

pdfminer is told to keep, per character, the font's object number and the character code
(its ``render_char`` hook), so each glyph is tied to the font dictionary ``raster.pdf`` maps.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path

WORD_MARGIN = 0.1  # pdfminer's LAParams.word_margin


@dataclass(frozen=True)
class Shown:
    """One shown glyph: its font (object number, generation), code, text as pdfminer reads it
    (``(cid:N)`` without a map), and its box on the page (PDF units)."""

    font: tuple[int, int] | None
    code: int
    text: str
    x0: float
    x1: float
    height: float = 0.0

    @property
    def key(self) -> tuple:
        return (self.font, self.code)


Line = list[list[Shown]]  # words of one line, left to right; each word's glyphs left to right


def _lines_of(container, out: list) -> None:
    from pdfminer.layout import LTContainer, LTTextLine, LTTextLineHorizontal

    for item in container:
        if isinstance(item, LTTextLine):
            out.append((item, isinstance(item, LTTextLineHorizontal)))
        elif isinstance(item, LTContainer):
            _lines_of(item, out)


def _words(chars: list[Shown]) -> list[list[Shown]]:
    words: list[list[Shown]] = []
    prev = None
    for ch in chars:
        if prev is None or ch.x0 - prev.x1 > WORD_MARGIN * max(ch.x1 - ch.x0, ch.height):
            words.append([])
        words[-1].append(ch)
        prev = ch
    return words


def page_lines(path: str | Path) -> list[Line]:
    """Every text line of every page, in reading order of the lines, as words in visual order.

    Raises:
        Exception: whatever pdfminer raises on a file it cannot lay out (callers fall back).
    """
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams, LTChar
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    class Resources(PDFResourceManager):
        def get_font(self, objid, spec):
            font = super().get_font(objid, spec)
            if objid and not hasattr(font, "raster_objid"):
                font.raster_objid = int(objid)
            return font

    class Aggregator(PDFPageAggregator):
        def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate):
            adv = super().render_char(matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate)
            item = self.cur_item._objs[-1]
            item.raster_font = getattr(font, "raster_objid", None)
            item.raster_code = cid
            return adv

    rsrc = Resources(caching=False)  # one font object per document: the objid stays its own
    device = Aggregator(rsrc, laparams=LAParams(word_margin=WORD_MARGIN))
    interpreter = PDFPageInterpreter(rsrc, device)
    lines: list[Line] = []
    with open(path, "rb") as fh:
        for page in PDFPage.get_pages(fh):
            interpreter.process_page(page)
            found: list = []
            _lines_of(device.get_result(), found)
            for line, horizontal in found:
                chars = [
                    Shown(
                        (c.raster_font, 0) if getattr(c, "raster_font", None) else None,
                        getattr(c, "raster_code", -1),
                        c.get_text(),
                        c.x0,
                        c.x1,
                        c.height,
                    )
                    for c in line
                    if isinstance(c, LTChar)
                ]
                if horizontal:
                    chars.sort(key=lambda c: (c.x0 + c.x1) / 2)
                    lines.append(_words(chars))
                elif chars:
                    lines.append([chars])
    return lines


def is_rtl(text: str) -> bool:
    """True when ``text`` has more right-to-left letters than left-to-right ones."""
    rtl = sum(unicodedata.bidirectional(c) in ("AL", "R") for c in text)
    ltr = sum(unicodedata.bidirectional(c) == "L" for c in text)
    return rtl > ltr


def logical_words(lines: list[Line], text_of: Callable[[Shown], str]) -> list[list[list[Shown]]]:
    """Lines of words in logical order: a line whose glyph texts (``text_of``) read right to left
    has its words and their glyphs reversed (a glyph's own text, e.g. a ligature, is already
    logical)."""
    out = []
    for line in lines:
        text = "".join(text_of(ch) for word in line for ch in word)
        if is_rtl(text):
            out.append([word[::-1] for word in line[::-1]])
        else:
            out.append([list(word) for word in line])
    return out


def font_key(objgen: tuple[int, int]) -> Hashable:
    """The key :class:`Shown` uses for a font dictionary (generation numbers are not kept by
    pdfminer: fonts are told apart by object number)."""
    return (objgen[0], 0)
