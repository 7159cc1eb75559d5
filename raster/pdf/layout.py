"""The shown glyphs in page order: lines of (font, code) left to right, with word gaps.

Producers draw text in any order: fpdf2 shows a right-to-left line as one string in visual
order, cairo in logical order (right to left, glyph by glyph), Chromium with one ``Tj`` per
glyph. Context must come from the page, not from the operators. pdfminer.six's layout
analysis groups the characters into lines; each line's characters are then sorted by their
x position (visual order, left to right), and a gap wider than ``word_margin`` x the glyph's
width or height (the larger) starts a new word (pdfminer's own rule for inserting spaces). Which way a line
reads (right to left or not) depends on what its glyphs are, so it is decided by the caller
(:func:`logical_words`, from the glyphs' texts).

pdfminer is told to keep, per character, the font's object number, the character code and its
place in the page's drawing order (its ``render_char`` hook), so each glyph is tied to the font
dictionary ``raster.pdf`` maps and to the operator that shows it (:mod:`raster.pdf.clusters`).

Marked content with ``/ActualText`` (PDF 32000-1 §14.9.4) replaces the text of the glyphs it
encloses, as readers do (poppler, PDF.js, Acrobat): the first glyph with an advance drawn inside
it gets the ActualText, the others none. pdfminer itself ignores it (its ``begin_tag`` hook sees it).
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
    (``(cid:N)`` without a map; an enclosing ``/ActualText`` instead), its box on the page (PDF
    units), and where it is drawn (page, order)."""

    font: tuple[int, int] | None
    code: int
    text: str
    x0: float
    x1: float
    height: float = 0.0
    page: int = -1  # page index, from 0
    seq: int = -1  # drawing order of the glyph on its page, from 0

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


def _join_split_lines(found: list) -> list:
    """pdfminer's lines, with a line it split in two joined back: consecutive horizontal lines
    that share the baseline band (vertical overlap over half the lower one) and touch
    (horizontal gap under one line height). pdfminer groups characters in drawing order and
    breaks a line where a zero-width mark is drawn far from the glyph drawn before it
    (Chromium draws a dots mark before its base, at the base's middle)."""
    out: list = []
    for line, horizontal in found:
        if out and horizontal and out[-1][1]:
            prev = out[-1][0]
            height = min(line.y1 - line.y0, prev[-1].y1 - prev[-1].y0)
            overlap = min(line.y1, prev[-1].y1) - max(line.y0, prev[-1].y0)
            gap = max(line.x0 - prev[-1].x1, prev[-1].x0 - line.x1)
            if height > 0 and overlap > 0.5 * height and gap < height:
                prev.append(line)
                continue
        out.append(([line], horizontal))
    return [([c for part in parts for c in part], horizontal) for parts, horizontal in out]


def _words(chars: list[Shown]) -> list[list[Shown]]:
    words: list[list[Shown]] = []
    right = None  # the rightmost edge so far: a mark drawn over its base ends mid-base
    for ch in chars:
        gap = None if right is None else ch.x0 - right
        mark = ch.x1 <= ch.x0 and words  # zero width: a mark over a glyph, never a word's start
        if gap is None or (not mark and gap > WORD_MARGIN * max(ch.x1 - ch.x0, ch.height)):
            words.append([])
        words[-1].append(ch)
        right = ch.x1 if right is None else max(right, ch.x1)
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
        seq = 0
        spans: list = []  # open marked-content sequences: [ActualText or None, glyphs drawn]

        def begin_page(self, page, ctm):
            self.seq, self.spans = 0, []
            super().begin_page(page, ctm)

        def begin_tag(self, tag, props=None):
            self.spans.append([_actual_text(props), []])

        def end_tag(self):
            if not self.spans:
                return  # an EMC without its BDC: nothing to close
            text, items = self.spans.pop()
            outer = any(t is not None for t, _ in self.spans)
            if text is not None and not outer and items:  # the outermost ActualText wins
                # on the first glyph with an advance: a mark drawn first (Chromium draws a
                # dots mark before its base) has no place of its own in the line
                holder = next((c for c in items if c.x1 > c.x0), items[0])
                for item in items:
                    item._text = text if item is holder else ""

        def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate):
            adv = super().render_char(matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate)
            item = self.cur_item._objs[-1]
            item.raster_font = getattr(font, "raster_objid", None)
            item.raster_code = cid
            item.raster_seq = self.seq
            self.seq += 1
            for span in self.spans:
                span[1].append(item)
            return adv

    rsrc = Resources(caching=False)  # one font object per document: the objid stays its own
    device = Aggregator(rsrc, laparams=LAParams(word_margin=WORD_MARGIN))
    interpreter = PDFPageInterpreter(rsrc, device)
    lines: list[Line] = []
    with open(path, "rb") as fh:
        for page_no, page in enumerate(PDFPage.get_pages(fh)):
            interpreter.process_page(page)
            found: list = []
            _lines_of(device.get_result(), found)
            for line, horizontal in _join_split_lines(found):
                chars = [
                    Shown(
                        (c.raster_font, 0) if getattr(c, "raster_font", None) else None,
                        getattr(c, "raster_code", -1),
                        c.get_text(),
                        c.x0,
                        c.x1,
                        c.height,
                        page_no,
                        getattr(c, "raster_seq", -1),
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


def _actual_text(props) -> str | None:
    """The ``/ActualText`` of an inline property dictionary (UTF-16BE with its mark, or
    PDFDocEncoding), or None."""
    from pdfminer.psparser import PSLiteral
    from pdfminer.utils import decode_text

    if not isinstance(props, dict):
        return None  # a named property list (/MC0): not resolved; producers inline ActualText
    value = props.get("ActualText")
    if isinstance(value, PSLiteral) or not isinstance(value, (bytes, str)):
        return None
    return decode_text(value) if isinstance(value, bytes) else value


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
            out.append([_marks_after_bases(word[::-1]) for word in line[::-1]])
        else:
            out.append([_marks_after_bases(list(word)) for word in line])
    return out


def _marks_after_bases(word: list[Shown]) -> list[Shown]:
    """A zero-width glyph (a mark: hamza above, a dots glyph) moved to just after the glyph it
    is drawn over, so that text reads base then mark (alef + U+0654 composes to U+0623) whatever
    side of the base's centre the mark's origin falls on."""
    bases = [g for g in word if g.x1 > g.x0]
    marks = [g for g in word if g.x1 <= g.x0]
    if not bases or not marks:
        return word
    on: dict[int, list[Shown]] = {}
    place = {id(g): i for i, g in enumerate(word)}
    for m in marks:
        # Producers draw a mark next to its base: cairo in logical order (base, mark), Chromium
        # in visual order (a right-to-left run reversed: mark, base). Either way the base is
        # the drawing neighbour that comes first in logical order; the mark's origin alone is
        # ambiguous (it sits at the base's edge when the mark's ink is offset from it).
        beside = [b for b in bases if m.seq >= 0 and abs(b.seq - m.seq) == 1]
        if beside:
            base = min(beside, key=lambda b: place[id(b)])
        else:
            base = min(
                bases, key=lambda b: (not b.x0 <= m.x0 <= b.x1, abs((b.x0 + b.x1) / 2 - m.x0))
            )
        on.setdefault(id(base), []).append(m)
    out = []
    for g in bases:
        out.append(g)
        out += on.get(id(g), [])
    return out


def font_key(objgen: tuple[int, int]) -> Hashable:
    """The key :class:`Shown` uses for a font dictionary (generation numbers are not kept by
    pdfminer: fonts are told apart by object number)."""
    return (objgen[0], 0)
