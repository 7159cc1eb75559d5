"""A PDF's text in reading order, from the decisions ``repair`` makes, without writing a PDF.

Each font is read as ``repair`` + an extractor would read the repaired file: a font ``repair``
gives a new map (:func:`~raster.pdf.repair.decide_maps`) by that map, a letter ``repair`` would
wrap in ``/ActualText`` (:func:`~raster.pdf.repair.cluster_spans`) as that one text, every
other font by its own ToUnicode map (pdfminer's reading). Lines come in reading order
(:mod:`~raster.pdf.reading_order`), their glyphs in logical order
(:func:`~raster.pdf.layout.logical_words`). Each page gets a verdict with its reasons:
``ok`` (every character from a sound map or a confident identification), ``degraded`` (some
characters unknown or unsure, or a map that disagrees with its glyphs was kept),
``needs_ocr`` (no text drawn, or most of it unknown).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from raster.pdf.clusters import Cluster
from raster.pdf.document import PdfInputError
from raster.pdf.glyph_text import Identifier
from raster.pdf.layout import PageLines, Shown, font_key, is_rtl, logical_words, page_lines
from raster.pdf.reading_order import Box, reading_order
from raster.pdf.repair import FontReport, analyse_fonts, cluster_spans, decide_maps

FORMATS = ("txt", "jsonl", "md")
VERDICTS = ("ok", "degraded", "needs_ocr")
UNKNOWN = "\ufffd"
#: a page is ``ok`` when its characters' mean confidence reaches this (not tuned: a reader's bar)
OK_CONFIDENCE = 0.85
#: a page needs OCR when its mean confidence is below this, or more of its characters are
#: unknown than this share
OCR_CONFIDENCE = 0.5
#: a character below this confidence is counted as unsure in a page's reasons
UNSURE = 0.5
_CID = re.compile(r"\(cid:\d+\)")


@dataclass(frozen=True)
class TextOptions:
    """The decisions' settings; the defaults are ``python -m raster.pdf repair``'s (a test
    holds them equal), so that text and repair read a document alike."""

    min_confidence: float = 0.3
    keep_declared: bool = False
    suspect_share: float = 0.5
    context: bool = True
    language: str | None = "ar"
    glyph_weight: float = 1.0
    clusters: bool = True


@dataclass
class TextLine:
    """One line in logical order.

    Attributes:
        text: its characters, words joined by one space.
        bbox: (x0, y0, x1, y1) on the page, PDF units, y up.
        direction: ``rtl`` or ``ltr``.
        size: the glyphs' largest height (about the font size), PDF units.
        fonts: the ``/BaseFont`` of the fonts it is drawn with.
        confidences: one per character of ``text``: 1.0 from a sound map (or a space), the
            identification's probability for a repaired font, 0.0 for an unknown one (U+FFFD).
    """

    text: str
    bbox: tuple[float, float, float, float]
    direction: str
    size: float
    fonts: list[str]
    confidences: list[float]


@dataclass
class PageText:
    """One page: its lines in reading order and the verdict on them.

    Attributes:
        page: page number, from 1.
        lines: in reading order.
        verdict: ``ok``, ``degraded`` or ``needs_ocr``.
        confidence: the mean confidence of its characters (spaces left out).
        reasons: one line each: what lowered the verdict, and which fonts were read from
            their glyphs.
        direction: ``rtl`` or ``ltr`` (its lines' majority).
    """

    page: int
    lines: list[TextLine]
    verdict: str
    confidence: float
    reasons: list[str]
    direction: str

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass
class FontText:
    """How one font was read: ``repaired`` (from its glyphs), ``kept`` (its own map) or
    ``skipped`` (``error`` says why), and whether its kept map disagrees with the glyphs."""

    font: str
    action: str
    suspect: bool = False
    error: str | None = None


@dataclass
class DocumentText:
    """The text of one PDF: pages, how each font was read, notes that did not stop the work."""

    path: str
    pages: list[PageText]
    fonts: list[FontText]
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Pages' texts, lines by newlines, pages by form feeds (as pdftotext)."""
        return "\f".join(p.text for p in self.pages)

    @property
    def repaired(self) -> list[str]:
        return [f.font for f in self.fonts if f.action == "repaired"]

    def render(self, fmt: str) -> str:
        """The document as ``txt``, ``jsonl`` (one record per page) or ``md``."""
        if fmt == "txt":
            return self.text + "\n"
        if fmt == "jsonl":
            fonts = [asdict(f) for f in self.fonts]
            return "".join(
                json.dumps(
                    {"file": self.path, **asdict(p), "text": p.text, "fonts": fonts},
                    ensure_ascii=False,
                )
                + "\n"
                for p in self.pages
            )
        if fmt == "md":
            return _markdown(self)
        raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")


def _markdown(doc: DocumentText) -> str:
    out = [f"# {Path(doc.path).name}", "", "| font | read | note |", "|---|---|---|"]
    for f in doc.fonts:
        note = f.error or ("its map disagrees with the glyphs" if f.suspect else "")
        out.append(f"| {f.font} | {_READ[f.action]} | {note} |")
    for p in doc.pages:
        out += ["", f"## Page {p.page}: {p.verdict} ({p.confidence:.2f})", ""]
        out += [f"> {r}" for r in p.reasons]
        out += [""] if p.reasons else []
        out += [line.text for line in p.lines]
    return "\n".join(out) + "\n"


_READ = {"repaired": "from its glyphs", "kept": "its own map", "skipped": "not read"}


def read_text(
    path: str | Path,
    identifier: Identifier,
    options: TextOptions = TextOptions(),
    *,
    answers: dict[tuple[int, int], dict[int, str]] | None = None,
    notes: list[str] | None = None,
) -> DocumentText:
    """The text of ``path`` in reading order, each font read as ``repair`` would leave it.

    Args:
        identifier: the glyph identifier (:func:`~raster.pdf.glyph_text.load_identifier`).
        options: the decisions' settings (``repair``'s flags).
        answers: the review page's answers, as ``repair --answers``.
        notes: when given, receives the lines worth a word that did not stop the work.

    Raises:
        PdfInputError: the PDF cannot be read or laid out.
    """
    try:
        lines: PageLines | None = page_lines(path)
        failure = None
    except Exception as exc:  # pdfminer raises many types on odd files; analyse_fonts names it
        lines, failure = None, exc
    found: list[Cluster] = []
    doc_notes: list[str] = []
    reports = analyse_fonts(
        path,
        identifier,
        options.min_confidence,
        options.context,
        allow_encrypted=True,
        language=options.language,
        glyph_weight=options.glyph_weight,
        notes=doc_notes,
        clusters=found if options.clusters else None,
        lines=lines,
    )
    if lines is None:
        reason = (str(failure).splitlines() or [type(failure).__name__])[0]
        raise PdfInputError(f"{path}: the pages cannot be laid out ({reason})")
    maps = decide_maps(
        reports,
        options.min_confidence,
        options.keep_declared,
        options.suspect_share,
        answers,
        src=path,
        notes=doc_notes,
    )
    _, spans, span_notes = cluster_spans(path, found, reports, maps)
    doc_notes += span_notes
    if notes is not None:
        notes.extend(doc_notes)
    share = options.suspect_share
    texts = _glyph_texts(lines, reports, maps, spans, answers or {}, share)
    pages = _pages(lines, texts, reports, share)
    fonts = [
        FontText(r.font.label, r.action, r.action == "kept" and r.suspect(share), r.error)
        for r in reports
    ]
    return DocumentText(str(path), pages, fonts, doc_notes)


def _glyph_texts(
    lines: PageLines,
    reports: list[FontReport],
    maps: dict,
    spans: list[Cluster],
    answers: dict,
    share: float,
) -> dict[int, tuple[str, float]]:
    """id of each shown glyph -> (its text, its confidence), as an extractor reads the
    repaired file: a repaired font's code by its new map (U+FFFD where the map has none), a
    written cluster's text on its first glyph with an advance, the rest by pdfminer."""
    report_of = {font_key(r.font.objgen): r for r in reports}
    guess_of = {font_key(r.font.objgen): {g.code: g for g in r.guesses or []} for r in reports}
    in_span: dict[tuple[int, int], Cluster] = {
        (c.page, seq): c for c in spans for seq, _, _ in c.glyphs
    }
    by_seq = {(s.page, s.seq): s for line in lines for word in line for s in word}
    out: dict[int, tuple[str, float]] = {}
    for line in lines:
        for word in line:
            for s in word:
                out[id(s)] = _glyph_text(
                    s, report_of, guess_of, maps, in_span, by_seq, answers, share
                )
    return out


def _glyph_text(s: Shown, report_of, guess_of, maps, in_span, by_seq, answers, share):
    """One glyph's (text, confidence); see :func:`_glyph_texts`."""
    if s.actual:  # the producer's own /ActualText: readers take it whatever the fonts say
        return s.text, 1.0
    rep = report_of.get(s.font)
    cluster = in_span.get((s.page, s.seq))
    if cluster is not None:
        glyphs = [by_seq[(cluster.page, seq)] for seq, _, _ in cluster.glyphs]
        holder = next((g for g in glyphs if g.x1 > g.x0), glyphs[0])
        if s is not holder:
            return "", 1.0
        conf = min(
            (guess_of[fk][code].confidence for _, fk, code in cluster.glyphs
             if code in guess_of.get(fk, {}) and guess_of[fk][code].text),
            default=0.0,
        )  # fmt: skip
        return cluster.text, conf
    if rep is not None and rep.font.objgen in maps:
        text = maps[rep.font.objgen].get(s.code)
        if text is None:  # unknown, never a guess from the font's encoding (pdfminer's)
            return UNKNOWN, 0.0
        if s.code in answers.get(rep.font.objgen, {}):
            return text, 1.0
        guess = guess_of[s.font].get(s.code)
        return text, 1.0 if guess is None or not text.strip() else guess.confidence
    text = _CID.sub(UNKNOWN, s.text)
    if UNKNOWN in text or rep is None:
        return text, 0.0 if UNKNOWN in text else 1.0
    if rep.action == "kept" and rep.suspect(share):
        return text, rep.agreements / rep.compared
    return text, 1.0


def _line(words: list[list[Shown]], texts: dict) -> tuple[str, list[float]]:
    """A line's text (words by one space, whitespace runs collapsed, ends stripped) and one
    confidence per character."""
    chars: list[tuple[str, float]] = []
    for word in words:
        if chars:
            chars.append((" ", 1.0))
        for s in word:
            text, conf = texts[id(s)]
            chars += [(ch, conf) for ch in text]
    out: list[tuple[str, float]] = []
    for ch, conf in chars:
        if ch.isspace():
            if out and out[-1][0] != " ":
                out.append((" ", 1.0))
        else:
            out.append((ch, conf))
    while out and out[-1][0] == " ":
        out.pop()
    return "".join(c for c, _ in out), [round(p, 4) for _, p in out]


def _pages(
    lines: PageLines, texts: dict, reports: list[FontReport], share: float
) -> list[PageText]:
    names = {font_key(r.font.objgen): r for r in reports}
    by_page: dict[int, list] = {p: [] for p in lines.sizes}
    for line in lines:
        glyphs = [s for word in line for s in word]
        if glyphs:
            by_page.setdefault(glyphs[0].page, []).append(line)
    out = []
    for page, page_lines_ in sorted(by_page.items()):
        built = []
        for line in page_lines_:
            glyphs = [s for word in line for s in word]
            (words,) = logical_words([line], lambda s: texts[id(s)][0])
            text, confs = _line(words, texts)
            if not text:
                continue
            fonts = sorted({names[s.font].font.base_font for s in glyphs if s.font in names})
            box = (
                min(s.x0 for s in glyphs),
                min(s.y0 for s in glyphs),
                max(s.x1 for s in glyphs),
                max(s.y1 for s in glyphs),
            )
            size = max((s.y1 - s.y0 for s in glyphs), default=0.0)
            built.append(
                TextLine(
                    text,
                    tuple(round(v, 2) for v in box),
                    "rtl" if is_rtl(text) else "ltr",
                    round(size, 2),
                    fonts,
                    confs,
                )
            )
        rtl = is_rtl("".join(line.text for line in built))
        order = reading_order([Box(*line.bbox) for line in built], lines.rules.get(page, []), rtl)
        built = [built[i] for i in order]
        used = {s.font for line in page_lines_ for word in line for s in word}
        verdict, confidence, reasons = _verdict(
            built, [names[k] for k in names if k in used], share
        )
        out.append(PageText(page + 1, built, verdict, confidence, reasons, "rtl" if rtl else "ltr"))
    return out


def _verdict(
    lines: list[TextLine], fonts: list[FontReport], share: float
) -> tuple[str, float, list[str]]:
    """(verdict, mean confidence, reasons) of a page."""
    confs = [p for line in lines for ch, p in zip(line.text, line.confidences, strict=True)
             if not ch.isspace()]  # fmt: skip
    if not confs:
        return "needs_ocr", 0.0, ["no text drawn: a scan or outlined text needs OCR"]
    unknown = sum(ch == UNKNOWN for line in lines for ch in line.text)
    unsure = sum(p < UNSURE for p in confs) - unknown
    mean = sum(confs) / len(confs)
    reasons = []
    worse = False
    for rep in fonts:
        name = rep.font.label
        if rep.action == "repaired":
            why = "it has no ToUnicode map" if rep.map_missing else "its map is suspect"
            reasons.append(f"font {name}: read from its glyphs ({why})")
        elif rep.error:
            reasons.append(f"font {name}: {rep.error}")
            worse = True
        elif rep.action == "kept" and rep.suspect(share):
            reasons.append(
                f"font {name}: its ToUnicode map disagrees with the glyphs ({rep.agreements} "
                f"of {rep.compared} codes agree); kept by --keep-declared (without it, read "
                "from the glyphs)"
            )
            worse = True
    if unknown:
        reasons.append(f"{unknown} of {len(confs)} characters unknown (U+FFFD)")
    if unsure > 0:
        reasons.append(f"{unsure} of {len(confs)} characters below confidence {UNSURE}")
    if mean < OCR_CONFIDENCE or unknown > OCR_CONFIDENCE * len(confs):
        verdict = "needs_ocr"
    elif worse or unknown or mean < OK_CONFIDENCE:
        verdict = "degraded"
    else:
        verdict = "ok"
    return verdict, round(mean, 4), reasons
