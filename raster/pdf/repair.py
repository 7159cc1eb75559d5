"""Check a PDF's ToUnicode maps against its glyphs, and repair missing or suspect ones.

A font's declared text for a code is *compared* when it is one character and the glyph got a
label at ``min_confidence`` or more; it *disagrees* when the label's base character differs from
the declared one after NFKC (so a map to presentation forms agrees with its base letters). A
map is *suspect* when it agrees with fewer codes than ``suspect_share`` times the agreement a
correct map would show: the sum of the compared guesses' (calibrated) confidences. So a weak
model, whose confident guesses are often wrong, does not call a correct map suspect, while a
scrambled map, which agrees almost nowhere, is caught whatever the model's accuracy.

Fonts that share a ``/BaseFont`` (Chromium splits one web font into many Type3 fonts of a few
codes each) are judged together: their counts are pooled, since one font of five codes cannot
tell a lying map from a misread glyph. Fewer than :data:`MIN_COMPARED` compared codes judge
nothing. ``repair`` replaces suspect maps by default (``keep_declared`` keeps them): fitted by
``tools/fit_suspect_share.py`` (docs/results.md), correct maps agree at 0.94 or more of the
expected agreement and wholly permuted ones at 0.12 or less, so the default share 0.5 replaces
every permuted map and no correct one; a map wrong on a few codes (0.82-0.96) is kept.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from raster.pdf.clusters import Cluster, actual_text_contents, find_clusters
from raster.pdf.document import (
    PdfFont,
    PdfFontError,
    PdfInputError,
    damage_error,
    open_pdf,
    scan_fonts,
)
from raster.pdf.font_program import temporary_folder
from raster.pdf.glyph_text import (
    FontCandidates,
    GlyphGuess,
    Identifier,
    font_candidates,
    make_guesses,
)
from raster.pdf.layout import font_key
from raster.pdf.page_context import document_candidates, layout_or_none
from raster.pdf.surgery import write_tounicode
from raster.pdf.tounicode import build_tounicode, parse_tounicode

log = logging.getLogger(__name__)

#: fewer compared codes (pooled over fonts sharing a /BaseFont) than this never call a map suspect
MIN_COMPARED = 4


@dataclass
class FontReport:
    """What check/repair found for one font.

    Attributes:
        font: the font.
        guesses: one per shown code (None when the font could not be read).
        declared: code -> text of its ToUnicode (None when it has none).
        compared: codes whose declared text was compared with a confident guess.
        expected_agreement: sum of those guesses' confidences (agreements a correct map shows
            on average).
        disagreements: ``{code, gid, declared, identified, label, confidence}`` per disagreement.
        error: why the font could not be checked or repaired.
        action: ``repaired``, ``kept`` (map present and not replaced), ``skipped`` (error).
        unmapped: codes left out of a written map (below ``min_confidence`` or unknown).
        answered: codes whose text a person's answer gave (``--answers``).
        clusters: letters this font draws a part of as a skeleton + dots pair (their text can
            only be told with ``/ActualText``).
        spans: of those, how many ``repair`` wrote an ``/ActualText`` span for.
        empty_map: the font has a ToUnicode stream that maps none of the codes shown (garbage
            CMap text, or another font's map): a missing map (``declared`` is then None).
        pooled: (compared, agreements, expected agreement) over every font with this font's
            ``/BaseFont``, when there are several; what :meth:`suspect` judges.
        replaced: why ``repair`` replaced a declared map (empty when it did not).
    """

    font: PdfFont
    guesses: list[GlyphGuess] | None = None
    declared: dict[int, str] | None = None
    compared: int = 0
    expected_agreement: float = 0.0
    disagreements: list[dict] = field(default_factory=list)
    error: str | None = None
    action: str = ""
    unmapped: list[int] = field(default_factory=list)
    answered: int = 0
    clusters: int = 0
    spans: int = 0
    empty_map: bool = False
    pooled: tuple[int, int, float] | None = None
    replaced: str = ""

    @property
    def map_missing(self) -> bool:
        """No ToUnicode, or one that maps none of the codes shown."""
        return not self.font.has_tounicode or self.empty_map

    @property
    def agreements(self) -> int:
        return self.compared - len(self.disagreements)

    def evidence(self) -> tuple[int, int, float]:
        """(compared, agreements, expected agreement): pooled over the fonts sharing this
        font's ``/BaseFont`` when there are several."""
        return self.pooled or (self.compared, self.agreements, self.expected_agreement)

    def suspect(self, share: float) -> bool:
        """Fewer agreements than ``share`` x the expected agreement of a correct map (on at
        least :data:`MIN_COMPARED` compared codes)."""
        compared, agreements, expected = self.evidence()
        return compared >= MIN_COMPARED and agreements < share * expected

    def suspect_reason(self) -> str:
        """Why the map is suspect, in words."""
        compared, agreements, expected = self.evidence()
        pooled = f" (the {self.font.base_font} fonts together)" if self.pooled else ""
        return (
            f"its ToUnicode agrees with {agreements} of {compared} codes the glyphs clearly "
            f"show{pooled}, a correct map about {expected:.0f}"
        )


def _base_text(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def compare_declared(
    declared: dict[int, str], guesses: list[GlyphGuess], min_confidence: float
) -> tuple[int, float, list[dict]]:
    """(codes compared, their summed confidence, disagreements) between a ToUnicode map and
    the glyph guesses."""
    compared, expected, rows = 0, 0.0, []
    for g in guesses:
        said = _base_text(declared.get(g.code, ""))
        if len(said) != 1 or not g.text.strip() or g.confidence < min_confidence:
            continue
        compared += 1
        expected += g.confidence
        if said != g.text:
            rows.append(
                {
                    "code": g.code,
                    "gid": g.gid,
                    "declared": declared[g.code],
                    "identified": g.text,
                    "label": g.label,
                    "confidence": round(g.confidence, 4),
                }
            )
    return compared, expected, rows


def analyse_fonts(
    path: str | Path,
    identifier: Identifier,
    min_confidence: float,
    context: bool = True,
    allow_encrypted: bool = False,
    *,
    language: str | None = None,
    glyph_weight: float = 1.0,
    notes: list[str] | None = None,
    clusters: list[Cluster] | None = None,
    lines: list | None = None,
) -> list[FontReport]:
    """Identify the shown glyphs of every font of ``path``; compare with declared maps.

    Args:
        allow_encrypted: read a file encrypted with an empty user password (``check``).
        context: re-rank each glyph's labels by its page-order neighbours (letter/digit vote).
        language: ``ar``/``fa``/``ur``: decode the document's code -> text maps against that
            language's character model (:mod:`~raster.pdf.decode`); None: glyph by glyph.
        glyph_weight: the glyphs' weight against the words' in that decoding.
        notes: when given, receives one line per page or font worth a word that did not stop
            the work (see :func:`~raster.pdf.document.scan_fonts`; Type3 glyphs that paint
            images).
        clusters: when given, receives the letters drawn as a skeleton and a dots glyph
            (:mod:`~raster.pdf.clusters`); each report counts those its font draws a part of.
        lines: the page lines when the caller has them (:func:`~raster.pdf.layout.page_lines`);
            None: laid out here when a step needs them.

    Raises:
        PdfInputError: the PDF itself cannot be read, or is damaged (a content stream that
            does not decode, objects missing where the cross-references point).
    """
    reports = []
    found: dict[tuple[int, int], FontCandidates] = {}
    with open_pdf(path, allow_encrypted) as pdf, temporary_folder() as folder:
        problems: list[str] = []
        page_notes: list[str] = []
        fonts = scan_fonts(pdf, problems, notes=page_notes)
        if problems:
            raise damage_error(path, problems)
        for font in fonts:
            rep = FontReport(font)
            reports.append(rep)
            if font.has_tounicode:
                try:
                    rep.declared = parse_tounicode(font.obj["/ToUnicode"].read_bytes())
                except (pikepdf.PdfError, ValueError) as exc:
                    rep.error = (
                        "its ToUnicode map does not decode "
                        f"({(str(exc).splitlines() or [type(exc).__name__])[0]})"
                    )
                    log.warning("%s: font %s: %s", path, font.label, rep.error)
                    continue
                if not any(code in rep.declared for code in font.codes or rep.declared):
                    rep.declared, rep.empty_map = None, True
            if not font.codes:
                continue
            try:
                found[font.objgen] = font_candidates(font, folder, identifier)
            except PdfFontError as exc:
                rep.error = str(exc)
                log.warning("%s: font %s: %s", path, font.label, exc)
        needs_layout = context or language or any(fc.dots for fc in found.values())
        if lines is None and needs_layout:
            lines = layout_or_none(path)
        final = document_candidates(
            path,
            found,
            context=context,
            language=language,
            glyph_weight=glyph_weight,
            sequences={r.font.objgen: r.font.sequences for r in reports},
            lines=lines,
        )
        if lines is not None and clusters is not None:
            clusters += _clusters(lines, found, final, reports)
        if notes is not None:
            notes.extend(page_notes)
            notes.extend(f"font {r.font.label}: {n}" for r in reports for n in r.font.notes)
        for rep in reports:
            fc = found.get(rep.font.objgen)
            if fc is None:
                continue
            rep.guesses = make_guesses(fc, final[rep.font.objgen])
            if rep.declared is not None:
                rep.compared, rep.expected_agreement, rep.disagreements = compare_declared(
                    rep.declared, rep.guesses, min_confidence
                )
    _pool_by_base_font(reports)
    return reports


def _pool_by_base_font(reports: list[FontReport]) -> None:
    groups: dict[str, list[FontReport]] = {}
    for rep in reports:
        if rep.declared is not None and rep.compared:
            groups.setdefault(rep.font.base_font, []).append(rep)
    for group in groups.values():
        if len(group) > 1:
            pooled = (
                sum(r.compared for r in group),
                sum(r.agreements for r in group),
                sum(r.expected_agreement for r in group),
            )
            for rep in group:
                rep.pooled = pooled


def _clusters(lines, found: dict, final: dict, reports: list[FontReport]) -> list[Cluster]:
    dots = {(font_key(og), code): d for og, fc in found.items() for code, d in fc.dots.items()}
    if not dots:
        return []
    cands = {(font_key(og), code): c for og, by in final.items() for code, c in by.items() if c}
    out = find_clusters(lines, dots, cands)
    for rep in reports:
        key = font_key(rep.font.objgen)
        rep.clusters = sum(any(fk == key for _, fk, _ in c.glyphs) for c in out)
    return out


def repair_pdf(
    src: str | Path,
    dst: str | Path,
    identifier: Identifier,
    *,
    min_confidence: float = 0.5,
    keep_declared: bool = False,
    suspect_share: float = 0.5,
    context: bool = True,
    language: str | None = None,
    glyph_weight: float = 1.0,
    notes: list[str] | None = None,
    answers: dict[tuple[int, int], dict[int, str]] | None = None,
    clusters: bool = True,
    spans: list[Cluster] | None = None,
) -> tuple[list[FontReport], bool]:
    """Write ``dst``: ``src`` plus new ToUnicode maps for fonts without one (or with one that
    maps nothing) and, unless ``keep_declared``, for fonts whose map is suspect (the report's
    ``replaced`` says why); with ``clusters``, an ``/ActualText`` span around each letter drawn
    as a skeleton and a dots glyph in repaired fonts.

    ``answers`` (font object -> code -> text, from the review page; '' = no text) override the
    model for their codes, and a font with answers gets a new map even when its own is kept:
    the answers over its declared map then. ``spans``, when given, receives the clusters written.

    Returns:
        (one report per font, whether ``dst`` was written: False when no font needed a map).

    Raises:
        PdfInputError: the PDF cannot be read, or the update failed its read-back check.
    """
    found: list[Cluster] = []
    reports = analyse_fonts(
        src,
        identifier,
        min_confidence,
        context,
        language=language,
        glyph_weight=glyph_weight,
        notes=notes,
        clusters=found if clusters else None,
    )
    maps = decide_maps(
        reports, min_confidence, keep_declared, suspect_share, answers, src=src, notes=notes
    )
    if not maps:
        return reports, False
    width = {r.font.objgen: r.font.code_bytes for r in reports}
    cmaps = {og: build_tounicode(mapping, width[og]) for og, mapping in maps.items()}
    contents, written, span_notes = cluster_spans(src, found, reports, maps)
    if spans is not None:
        spans.extend(written)
    if notes is not None:
        notes.extend(span_notes)
    write_tounicode(src, dst, cmaps, contents)
    return reports, True


def decide_maps(
    reports: list[FontReport],
    min_confidence: float,
    keep_declared: bool = False,
    suspect_share: float = 0.5,
    answers: dict[tuple[int, int], dict[int, str]] | None = None,
    *,
    src: str | Path = "the PDF",
    notes: list[str] | None = None,
) -> dict[tuple[int, int], dict[int, str]]:
    """Which fonts get a new map, and its code -> text (``repair``'s decision, also what
    ``raster.pdf text`` reads by); sets each report's ``action``, ``unmapped`` and
    ``answered``. Answers for a font or a code the PDF lacks are said in ``notes`` (else
    logged) and not used. Arguments as :func:`repair_pdf`."""
    answers = answers or {}
    said = notes if notes is not None else []  # the caller prints notes; else they are logged
    scanned = {rep.font.objgen for rep in reports}
    for obj, gen in sorted(set(answers) - scanned):
        said.append(f"answers name font object {obj} {gen} R, which {src} does not have; not used")
    maps: dict[tuple[int, int], dict[int, str]] = {}
    for rep in reports:
        font = rep.font
        lies = not rep.map_missing and not keep_declared and rep.suspect(suspect_share)
        replace = rep.map_missing or lies
        told = answers.get(font.objgen, {})
        if told and rep.guesses is not None:
            shown = {g.code for g in rep.guesses}
            unseen = sorted(set(told) - shown)
            if unseen:
                said.append(
                    f"font {font.label}: answers for code(s) {', '.join(map(str, unseen))}, "
                    "which the PDF never shows; not written"
                )
            told = {c: t for c, t in told.items() if c in shown}
        wanted = replace or bool(told)
        if rep.error or rep.guesses is None:
            rep.action = "skipped" if wanted or rep.error else "kept"
            continue
        if not wanted:
            rep.action = "kept"
            continue
        if font.objgen == (0, 0):
            rep.error, rep.action = "the font dictionary is a direct object", "skipped"
            continue
        if replace:
            mapping = {
                g.code: g.text for g in rep.guesses if g.text and g.confidence >= min_confidence
            }
        else:
            mapping = {c: t for c, t in (rep.declared or {}).items() if t}
        for code, text in told.items():
            mapping.pop(code, None)
            if text:
                mapping[code] = text
        rep.answered = len(told)
        rep.unmapped = [g.code for g in rep.guesses if g.code not in mapping]
        maps[font.objgen] = mapping
        rep.action = "repaired"
        if lies:
            rep.replaced = rep.suspect_reason()
    if notes is None:
        for line in said:
            log.warning("%s", line)
    return maps


def cluster_spans(
    src: str | Path, found: list[Cluster], reports: list[FontReport], maps: dict
) -> tuple[dict[tuple[int, int], bytes], list[Cluster], list[str]]:
    """The ``/ActualText`` spans ``repair`` writes: around the clusters whose glyphs are all
    of repaired fonts (``maps``' keys); (new content streams, the clusters written, notes on
    those left out). Sets each report's ``spans``."""
    repaired = {font_key(og) for og in maps}
    wanted = [c for c in found if all(fk in repaired for _, fk, _ in c.glyphs)]
    if not wanted:
        return {}, [], []
    with open_pdf(src) as pdf:
        contents, written, notes = actual_text_contents(pdf, wanted, [r.font for r in reports])
    for rep in reports:
        key = font_key(rep.font.objgen)
        rep.spans = sum(any(fk == key for _, fk, _ in c.glyphs) for c in written)
    return contents, written, notes


__all__ = [
    "FontReport",
    "PdfInputError",
    "analyse_fonts",
    "cluster_spans",
    "compare_declared",
    "decide_maps",
    "repair_pdf",
]
