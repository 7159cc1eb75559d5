"""Letters drawn as two glyphs, a dotless skeleton and a dots mark, told back with /ActualText.

Fonts such as Noto Sans Arabic draw ``ت`` as the dotless-beh skeleton plus a two-dots mark
(:mod:`raster.inference.evidence.composition`); a PDF then shows two codes for one letter, and
the skeleton's code serves beh, teh, theh, noon and yeh alike, so no per-code ToUnicode map can
say the letter. A reader takes the text of marked content with ``/ActualText`` (PDF 32000-1
§14.9.4) instead of its glyphs' (Chromium writes its own clusters so).

Here a *cluster* is a dots glyph (:func:`~raster.inference.evidence.dot_glyphs.bare_dots`)
and the glyph drawn just before or after it (drawing order) that its origin lies over; the
letter is the skeleton the base's candidates say composed with the dot pattern. The page's
content stream is rewritten with ``/Span <</ActualText (letter)>> BDC … EMC`` around the two
glyphs' show operators, split where a cluster starts or ends inside one (splitting a ``TJ`` at a
glyph keeps every position: the text matrix carries over between show operators). Written by
hand: no library edits content streams at the glyph level (pikepdf parses and unparses them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass

import pikepdf

from raster.data.schema import FORMS
from raster.inference.evidence import composition as comp
from raster.inference.evidence.composition import Dots
from raster.labels import label_codepoints, label_form
from raster.pdf.context import Candidates
from raster.pdf.document import PdfFont, _split_codes, _strings
from raster.pdf.layout import Line, Shown

_SHOW = {"Tj", "'", '"', "TJ"}


@dataclass(frozen=True)
class Cluster:
    """One letter drawn as a skeleton glyph and a dots glyph.

    Attributes:
        page: page index, from 0.
        glyphs: (drawing order on the page, font key, code) of its two glyphs, in drawing order.
        text: the letter.
    """

    page: int
    glyphs: tuple[tuple[int, Hashable, int], ...]
    text: str

    @property
    def first(self) -> int:
        return self.glyphs[0][0]

    @property
    def last(self) -> int:
        return self.glyphs[-1][0]


def compose_letter(cands: Candidates, dots: Dots) -> str | None:
    """The letter a base glyph with these candidates and a dot pattern make, or None.

    The candidates' probabilities are summed per skeleton they are drawn on (a dotless letter,
    or a dotted letter's skeleton: the model often takes a skeleton for a dotted letter); the
    likeliest skeleton that composes with ``dots`` wins, in the candidate's form first, then in
    any form (the form decides noon's and yeh's skeleton, and the model's form can be off).
    """
    mass: dict[tuple[int, str], float] = defaultdict(float)
    for label, p in cands:
        cps = label_codepoints(label)
        form = label_form(label)
        if len(cps) != 1 or form not in FORMS:
            continue
        if (skeleton := comp.skeleton_of(cps[0], form)) is not None:
            mass[(skeleton, form)] += p
    for (skeleton, form), _ in sorted(mass.items(), key=lambda kv: -kv[1]):
        for f in (form, *(x for x in FORMS if x != form)):
            letter = comp.compose(skeleton, f, dots)
            if letter is not None:
                return chr(letter)
    return None


def find_clusters(
    lines: list[Line], dots: dict[Hashable, Dots], cands: dict[Hashable, Candidates]
) -> list[Cluster]:
    """Every dots glyph on the page lines paired with its base, composed into a letter.

    Args:
        lines: :func:`~raster.pdf.layout.page_lines` output (glyphs carry page and order).
        dots: (font key, code) -> the dot pattern that code draws.
        cands: (font key, code) -> candidates of every other identified code.

    Returns:
        clusters in page and drawing order; a dots glyph with no base next to it in drawing
        order, or whose base composes with it into no letter, is left out.
    """
    out = []
    for line in lines:
        glyphs = [g for word in line for g in word]
        by_seq = {(g.page, g.seq): g for g in glyphs if g.seq >= 0}
        used: set[tuple[int, int]] = set()
        for g in glyphs:
            if g.key not in dots or g.seq < 0:
                continue
            bases = [
                b
                for b in (by_seq.get((g.page, g.seq - 1)), by_seq.get((g.page, g.seq + 1)))
                if b is not None and _is_base_of(b, g, dots, cands)
            ]
            bases = [b for b in bases if (b.page, b.seq) not in used]
            if not bases:
                continue
            base = min(bases, key=lambda b: abs((b.x0 + b.x1) / 2 - g.x0))
            text = compose_letter(cands[base.key], dots[g.key])
            if text is None:
                continue
            used.add((base.page, base.seq))
            pair = sorted([base, g], key=lambda s: s.seq)
            out.append(Cluster(g.page, tuple((s.seq, s.font, s.code) for s in pair), text))
    return sorted(out, key=lambda c: (c.page, c.first))


def _is_base_of(base: Shown, mark: Shown, dots, cands) -> bool:
    """``base`` has an advance, candidates, and ``mark``'s origin lies over it (a quarter of
    the line height of slack: a mark's origin is where the shaper put it, near its base)."""
    if base.key in dots or base.key not in cands or base.x1 <= base.x0:
        return False
    slack = 0.25 * max(base.height, mark.height)
    return base.x0 - slack <= mark.x0 <= base.x1 + slack


def actual_text_contents(
    pdf: pikepdf.Pdf, clusters: list[Cluster], fonts: list[PdfFont]
) -> tuple[dict[tuple[int, int], bytes], list[Cluster], list[str]]:
    """New content streams for the pages with clusters: each cluster's glyphs in an
    ``/ActualText`` span.

    Args:
        pdf: the open document.
        clusters: :func:`find_clusters` output.
        fonts: the document's fonts (:func:`~raster.pdf.document.scan_fonts`).

    Returns:
        (page object (number, generation) -> its new content stream bytes, the clusters
        written, one line per page or cluster left as it was and why).
    """
    by_page: dict[int, list[Cluster]] = defaultdict(list)
    for c in clusters:
        by_page[c.page].append(c)
    width = {f.objgen: f.code_bytes for f in fonts}
    out, written, notes = {}, [], []
    for index, found in sorted(by_page.items()):
        page = pdf.pages[index]
        try:
            new, placed, skipped = _rewrite_page(page, found, width)
        except (_Misaligned, pikepdf.PdfError) as exc:
            reason = (str(exc).splitlines() or [type(exc).__name__])[0]
            notes.append(f"page {index + 1}: {reason}; its {len(found)} clusters not written")
            continue
        notes += [f"page {index + 1}: {s}" for s in skipped]
        if new is not None:
            out[tuple(page.obj.objgen)] = new
            written += placed
    return out, written, notes


class _Misaligned(Exception):
    """The content stream's glyphs are not the ones the layout saw, in the same order."""


def _font_of(resources, name: str):
    fonts = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
    obj = fonts.get(name) if isinstance(fonts, pikepdf.Dictionary) else None
    return obj if isinstance(obj, pikepdf.Dictionary) else None


def _count_form_glyphs(resources, name: str, width: dict, open_forms: tuple = ()) -> int:
    """Glyphs a form XObject draws (pdfminer lays them out where ``Do`` is): counted so the
    page's drawing order stays aligned; forms are not rewritten."""
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    form = xobjects.get(name) if isinstance(xobjects, pikepdf.Dictionary) else None
    if not isinstance(form, pikepdf.Stream) or form.get("/Subtype") != pikepdf.Name.Form:
        return 0
    if form.objgen in open_forms:
        return 0  # a cycle: pdfminer draws it once too
    res = form.get("/Resources", resources)
    n, font, saved = 0, None, []
    for inst in pikepdf.parse_content_stream(form):
        if isinstance(inst, pikepdf.ContentStreamInlineImage):
            continue
        op = str(inst.operator)
        if op == "q":
            saved.append(font)
        elif op == "Q":
            font = saved.pop() if saved else font
        elif op == "Tf" and inst.operands:
            font = _font_of(res, str(inst.operands[0]))
        elif op in _SHOW and font is not None:
            n += sum(len(_split_codes(s, _width(font, width))) for s in _strings(op, inst.operands))
        elif op == "Do" and inst.operands:
            n += _count_form_glyphs(res, str(inst.operands[0]), width, (*open_forms, form.objgen))
    return n


def _width(font: pikepdf.Dictionary, width: dict) -> int:
    key = tuple(font.objgen)
    if key in width:
        return width[key]
    return 2 if font.get("/Subtype") == pikepdf.Name.Type0 else 1


def _rewrite_page(page, clusters: list[Cluster], width: dict) -> tuple[bytes | None, list, list]:
    """(The page's content stream with the clusters' spans, or None when none could be placed;
    the clusters placed; why others were not)."""
    resources = page.obj.get("/Resources")
    instructions = list(pikepdf.parse_content_stream(page))
    # Pass 1: where each glyph of the page is drawn: seq -> (instruction, glyph in it, text object)
    where: dict[int, tuple[int, int, int, tuple, int]] = {}
    op_width: dict[int, int] = {}  # show instruction -> bytes per code of its font
    in_forms: set[int] = set()  # drawing order of the glyphs form XObjects draw
    seq, font, text_object, saved = 0, None, -1, []
    for i, inst in enumerate(instructions):
        if isinstance(inst, pikepdf.ContentStreamInlineImage):
            continue
        op = str(inst.operator)
        if op == "q":  # the font is graphics state: Q restores it
            saved.append(font)
        elif op == "Q":
            font = saved.pop() if saved else font
        elif op == "BT":
            text_object = i
        elif op == "Tf" and inst.operands:
            font = _font_of(resources, str(inst.operands[0]))
        elif op in _SHOW and font is not None:
            op_width[i] = _width(font, width)
            codes = [c for s in _strings(op, inst.operands) for c in _split_codes(s, op_width[i])]
            for k, code in enumerate(codes):
                where[seq] = (i, k, text_object, tuple(font.objgen), code)
                seq += 1
        elif op == "Do" and inst.operands:
            n = _count_form_glyphs(resources, str(inst.operands[0]), width)
            in_forms.update(range(seq, seq + n))
            seq += n
    # Pass 2: the spans that can be placed: their glyphs as the layout saw them, in one BT/ET
    starts: dict[tuple[int, int], str] = {}  # (instruction, glyph) -> ActualText opening there
    ends: set[tuple[int, int]] = set()  # (instruction, glyph) -> a span closes after it
    skipped, placed = [], []
    for c in clusters:
        if any(s in in_forms for s, _, _ in c.glyphs):
            skipped.append(f"cluster {c.text!r} is drawn by a form XObject; left to its glyphs")
            continue
        spots = [where.get(s) for s, _, _ in c.glyphs]
        if any(
            w is None or w[3][0] != (fk[0] if fk else None) or w[4] != code
            for w, (_, fk, code) in zip(spots, c.glyphs, strict=True)
        ):
            raise _Misaligned("the content stream does not draw the glyphs the layout saw")
        (i0, k0, t0, _, _), (i1, k1, t1, _, _) = spots[0], spots[-1]
        if t0 != t1 or any(_op(instructions[j]) == "ET" for j in range(i0, i1)):
            skipped.append(f"cluster {c.text!r} crosses a text object; left to its glyphs")
            continue
        if (i0, k0) in starts or (i1, k1) in ends:
            continue
        starts[(i0, k0)] = c.text
        ends.add((i1, k1))
        placed.append(c)
    if not starts:
        return None, placed, skipped
    # Pass 3: rewrite, splitting the show operators at span edges
    out: list = []
    for i, inst in enumerate(instructions):
        cuts = {k for (j, k) in starts if j == i} | {k + 1 for (j, k) in ends if j == i}
        if i in op_width and cuts:
            out += _split_show(inst, cuts, op_width[i], i, starts, ends)
        else:
            out.append(inst)
    return pikepdf.unparse_content_stream(out), placed, skipped


def _op(inst) -> str:
    return "" if isinstance(inst, pikepdf.ContentStreamInlineImage) else str(inst.operator)


def _span(text: str) -> pikepdf.ContentStreamInstruction:
    actual = pikepdf.String(b"\xfe\xff" + text.encode("utf-16-be"))
    props = pikepdf.Dictionary({"/ActualText": actual})
    return pikepdf.ContentStreamInstruction([pikepdf.Name("/Span"), props], pikepdf.Operator("BDC"))


def _split_show(inst, cuts: set[int], nbytes: int, i: int, starts: dict, ends: set) -> list:
    """One show operator as TJ pieces cut before the glyphs in ``cuts``, with the spans'
    BDC before a piece that opens one and EMC after a piece that closes one."""
    op = str(inst.operator)
    operands = list(inst.operands)
    pre = []
    if op == "'":
        pre = [pikepdf.ContentStreamInstruction([], pikepdf.Operator("T*"))]
    elif op == '"':
        pre = [
            pikepdf.ContentStreamInstruction([operands[0]], pikepdf.Operator("Tw")),
            pikepdf.ContentStreamInstruction([operands[1]], pikepdf.Operator("Tc")),
            pikepdf.ContentStreamInstruction([], pikepdf.Operator("T*")),
        ]
    items = list(operands[0]) if op == "TJ" else [operands[-1]]
    units: list = []  # bytes of one glyph, or a number (a TJ adjustment)
    for item in items:
        if isinstance(item, pikepdf.String):
            data = bytes(item)
            units += [data[j : j + nbytes] for j in range(0, len(data) - nbytes + 1, nbytes)]
        else:
            units.append(item)
    pieces: list[list] = [[]]
    glyph = 0
    first_glyph = [0]
    for u in units:
        if isinstance(u, bytes):
            if glyph in cuts and any(isinstance(x, bytes) for x in pieces[-1]):
                pieces.append([])
                first_glyph.append(glyph)
            glyph += 1
        pieces[-1].append(u)
    out = list(pre)
    for piece, start in zip(pieces, first_glyph, strict=True):
        n = sum(isinstance(x, bytes) for x in piece)
        if (i, start) in starts:
            out.append(_span(starts[(i, start)]))
        out.append(pikepdf.ContentStreamInstruction([_tj_array(piece)], pikepdf.Operator("TJ")))
        if n and (i, start + n - 1) in ends:
            out.append(pikepdf.ContentStreamInstruction([], pikepdf.Operator("EMC")))
    return out


def _tj_array(piece: list) -> pikepdf.Array:
    """Glyph bytes and adjustments -> a TJ array, consecutive glyphs in one string."""
    arr: list = []
    buf = b""
    for x in piece:
        if isinstance(x, bytes):
            buf += x
        else:
            if buf:
                arr.append(pikepdf.String(buf))
                buf = b""
            arr.append(x)
    if buf:
        arr.append(pikepdf.String(buf))
    return pikepdf.Array(arr)
