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

Each line's words are put in logical order by the Unicode bidirectional algorithm's
reordering (UAX #9, rules W/N/I/L2, no explicit embeddings) applied to the glyphs: in a
right-to-left line the words and glyphs are reversed, while runs of digits and of Latin letters
(with what sits between them) keep reading left to right (:func:`bidi_order`).

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
    (``(cid:N)`` without a map; an enclosing ``/ActualText`` instead, then ``actual``), its box
    on the page (PDF units, y up), and where it is drawn (page, order)."""

    font: tuple[int, int] | None
    code: int
    text: str
    x0: float
    x1: float
    height: float = 0.0
    page: int = -1  # page index, from 0
    seq: int = -1  # drawing order of the glyph on its page, from 0
    y0: float = 0.0
    y1: float = 0.0
    actual: bool = False  # the text is an enclosing /ActualText's, not the font's

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


class PageLines(list):
    """:func:`page_lines`' list of lines, with what the text reading order needs besides them.

    Attributes:
        rules: page index -> straight ruling segments drawn on it, ``(x0, y0, x1, y1)``: the
            lines and the edges of the rectangles (table borders).
        sizes: page index -> (width, height) of its media box.
    """

    def __init__(self, *args):
        super().__init__(*args)
        self.rules: dict[int, list[tuple[float, float, float, float]]] = {}
        self.sizes: dict[int, tuple[float, float]] = {}


def _rules_of(container, out: list) -> None:
    from pdfminer.layout import LTContainer, LTLine, LTRect

    for item in container:
        if isinstance(item, LTRect):
            x0, y0, x1, y1 = item.bbox
            out += [(x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1), (x1, y0, x1, y1)]
        elif isinstance(item, LTLine):
            out.append(item.bbox)
        elif isinstance(item, LTContainer) and not hasattr(item, "get_text"):
            _rules_of(item, out)


def page_lines(path: str | Path) -> PageLines:
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
                    item.raster_actual = True

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
    lines = PageLines()
    with open(path, "rb") as fh:
        for page_no, page in enumerate(PDFPage.get_pages(fh)):
            interpreter.process_page(page)
            result = device.get_result()
            found: list = []
            _lines_of(result, found)
            lines.rules[page_no] = []
            _rules_of(result, lines.rules[page_no])
            lines.sizes[page_no] = (result.width, result.height)
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
                        c.y0,
                        c.y1,
                        getattr(c, "raster_actual", False),
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
    """Lines of words in logical order (:func:`bidi_order` over each line's glyphs, by their
    texts ``text_of``; a glyph's own text, e.g. a ligature, is already logical), each word's
    marks after their bases."""
    out = []
    for line in lines:
        text = "".join(text_of(ch) for word in line for ch in word)
        words = bidi_order(line, text_of, rtl=is_rtl(text))
        out.append([_marks_after_bases(word) for word in words])
    return out


_SEP = object()  # between two words of a line while it is reordered


def _bidi_class(text: str) -> str:
    """A glyph's class for reordering: ``L``, ``R`` (R or AL), ``EN`` (a number: European or
    Arabic-Indic digits), ``CS`` (a separator inside numbers: . , : / - and the like), ``NSM``
    (only marks: it goes with its base) or ``ON`` (neutral: spaces, punctuation, no text)."""
    kinds = [unicodedata.bidirectional(c) for c in text]
    for k in kinds:
        if k in ("L", "R", "AL"):
            return "L" if k == "L" else "R"
    if any(k in ("EN", "AN") for k in kinds):
        return "EN"
    if kinds and all(k in ("CS", "ES", "ET") for k in kinds):
        return "CS"
    if kinds and all(k == "NSM" for k in kinds):
        return "NSM"
    return "ON"


def bidi_levels(classes: list[str], rtl: bool) -> list[int]:
    """Embedding levels of a line of glyph classes (:func:`_bidi_class`) by UAX #9 without
    explicit embeddings: W1 (a mark takes its base's class), W4/W5 (a separator between
    numbers is a number), W7 (a number after a Latin letter is Latin), N1/N2 (neutrals between
    two of one direction take it, the others the line's), I1/I2."""
    cls = list(classes)
    for i, c in enumerate(cls):  # W1
        if c == "NSM":
            cls[i] = cls[i - 1] if i else ("R" if rtl else "L")
    for i in range(1, len(cls) - 1):  # W4/W5: 1.5, 10,000, 12:30
        if cls[i] == "CS" and cls[i - 1] == cls[i + 1] == "EN":
            cls[i] = "EN"
    strong = "R" if rtl else "L"
    for i, c in enumerate(cls):  # W7
        if c in ("L", "R"):
            strong = c
        elif c == "EN" and strong == "L":
            cls[i] = "L"
    resolved: list[str] = []
    i = 0
    while i < len(cls):  # N1/N2 over each run of neutrals
        if cls[i] not in ("ON", "CS"):
            resolved.append(cls[i])
            i += 1
            continue
        j = i
        while j < len(cls) and cls[j] in ("ON", "CS"):
            j += 1
        before = "R" if i == 0 and rtl else "L" if i == 0 else cls[i - 1]
        after = "R" if j == len(cls) and rtl else "L" if j == len(cls) else cls[j]
        before, after = ("R" if x == "EN" else x for x in (before, after))
        resolved += [before if before == after else ("R" if rtl else "L")] * (j - i)
        i = j
    if rtl:  # I2
        return [1 if c == "R" else 2 for c in resolved]
    return [0 if c == "L" else 1 if c == "R" else 2 for c in resolved]  # I1


def reorder(items: list, levels: list[int]) -> list:
    """UAX #9 rule L2: from the highest level down to the lowest odd one, reverse every run
    at that level or higher. The same reversal takes visual order back to logical order."""
    out = list(items)
    if not levels:
        return out
    lowest_odd = min(lv for lv in levels) | 1
    lv = list(levels)
    for level in range(max(levels), lowest_odd - 1, -1):
        i = 0
        while i < len(out):
            if lv[i] < level:
                i += 1
                continue
            j = i
            while j < len(out) and lv[j] >= level:
                j += 1
            out[i:j], lv[i:j] = out[i:j][::-1], lv[i:j][::-1]
            i = j
    return out


def bidi_order(line: Line, text_of: Callable[[Shown], str], rtl: bool) -> list[list[Shown]]:
    """A line's words, visual order in, logical order out (the word gaps kept as breaks)."""
    units: list = []
    for word in line:
        if units:
            units.append(_SEP)
        units += word
    classes = ["ON" if u is _SEP else _bidi_class(text_of(u)) for u in units]
    words: list[list[Shown]] = [[]]
    for u in reorder(units, bidi_levels(classes, rtl)):
        if u is _SEP:
            words.append([])
        else:
            words[-1].append(u)
    return [w for w in words if w]


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
