"""What text each character code of a PDF font stands for, from the glyphs it draws.

The identify pipeline labels the glyphs the document shows (the font's other glyphs are not
context: a subset holds only shown glyphs). The one-to-one assignment over them is optional:
a document's subset often holds several alternates of one (character, form), which the
assignment must then leave unlabelled or mislabel. Text extraction wants logical characters, so a label's contextual form
is dropped: ``1593_init`` (ain, initial form) becomes U+0639, and a ligature label gives its
characters (lam-alef: two codepoints). A shown glyph without outline and with a positive
advance is a space.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from raster.data.fonts import FontLoadError
from raster.inference.assign import NO_LABEL
from raster.inference.evidence.composition import Dots
from raster.inference.evidence.dot_glyphs import bare_dots, is_dot_mark_label
from raster.inference.font_glyphs import FontGlyphs, NoOutlinesError, read_font_glyphs
from raster.inference.predict import top_k
from raster.labels import dots_label, label_text  # noqa: F401  (label_text re-exported)
from raster.pdf.codes import code_to_gid
from raster.pdf.context import Candidates, rerank
from raster.pdf.document import PdfFont, PdfFontError
from raster.pdf.font_program import program_file

BLANK = "blank"


@dataclass(frozen=True)
class GlyphGuess:
    """The identification of one character code.

    Attributes:
        code: the character code.
        gid: glyph index in the embedded program.
        text: the logical text the glyph stands for ('' when unknown).
        confidence: probability of ``label`` (1.0 for a blank glyph).
        label: the model's label (``1593_init``), :data:`BLANK`, or '' for none.
        changed_by_context: the neighbours' vote replaced the glyph's own best label.
        candidates: (label, probability) best first, ``label`` among them (the review page's
            runners-up); empty for a blank or unknown glyph.
    """

    code: int
    gid: int
    text: str
    confidence: float
    label: str
    changed_by_context: bool = False
    candidates: tuple[tuple[str, float], ...] = ()


# glyphs -> candidate labels per glyph, [(label, probability), ...] best first ([] = no label)
Identifier = Callable[[FontGlyphs], list[Candidates]]
TOP_CANDIDATES = 10


def model_identifier(
    predictor,
    method: str | None = None,
    *,
    assign: bool = False,
    no_label_prob: float = 0.01,
    charset: str = "all",
    prior: float | None = None,
) -> Identifier:
    """An :data:`Identifier` running the identify pipeline (see :func:`identify_font`)."""
    from raster.inference.pipeline import identify_font

    def identify(glyphs: FontGlyphs) -> list[Candidates]:
        ident = identify_font(
            glyphs.path,
            predictor,
            method,
            assign=assign,
            no_label_prob=no_label_prob,
            glyphs=glyphs,
            charset=charset,
            scripts="ignore",  # an embedded subset's cmap maps the document's codes, not text
        )
        idx, p = top_k(ident.probs, TOP_CANDIDATES)
        out = []
        for i in range(len(glyphs)):
            cands = [(ident.labels[int(j)], float(q)) for j, q in zip(idx[i], p[i], strict=True)]
            if ident.assigned is not None:  # the assignment's choice first, or no label
                a = int(ident.assigned[i])
                if a == NO_LABEL:
                    cands = []
                else:
                    chosen = (ident.labels[a], float(ident.probs[i, a]))
                    cands = [chosen] + [c for c in cands if c[0] != chosen[0]]
            out.append(cands)
        return out

    return identify


def load_identifier(
    checkpoint: str | Path | None,
    index: str | Path | None = None,
    device: str = "cpu",
    method: str | None = None,
    *,
    assign: bool = False,
    no_label_prob: float = 0.01,
    charset: str = "all",
    prior: float | None = None,
) -> Identifier:
    """Load a model (None: the shipped one) and its index, and wrap it in
    :func:`model_identifier` (what ``raster.pdf``'s model flags choose).

    Raises:
        CheckpointError / IndexMismatchError: unreadable checkpoint, or another model's index.
    """
    from raster.inference.predict import load_predictor

    predictor = load_predictor(checkpoint, index, device, method, prior=prior)
    return model_identifier(
        predictor, method, assign=assign, no_label_prob=no_label_prob, charset=charset
    )


def _advance(ttfont, gid: int) -> int:
    if "hmtx" not in ttfont:
        return 0
    name = ttfont.getGlyphOrder()[gid]
    return int(ttfont["hmtx"].metrics.get(name, (0, 0))[0])


@dataclass
class FontCandidates:
    """The glyphs a font shows, identified one by one.

    Attributes:
        gid_of: code -> glyph index (codes that map to no glyph are left out).
        by_code: code -> candidate labels, best first, for codes whose glyph has an outline.
        blank: codes whose glyph has no outline but an advance (spaces).
        dots: codes whose glyph is a bare dot pattern (a zero-advance mark of one to four
            dots, :func:`~raster.inference.evidence.dot_glyphs.bare_dots`) -> the pattern; their
            candidates are the one label ``dots:2above`` (no text of their own).
    """

    gid_of: dict[int, int]
    by_code: dict[int, Candidates]
    blank: set[int]
    dots: dict[int, Dots] = field(default_factory=dict)


def font_candidates(font: PdfFont, folder: str | Path, identifier: Identifier) -> FontCandidates:
    """Identify every glyph ``font`` shows (no context).

    Raises:
        PdfFontError: the program cannot be read or its codes not mapped (message says why).
    """
    path, ttfont = program_file(font, folder, f"font-{font.objgen[0]}-{font.objgen[1]}")
    gid_of = code_to_gid(font, ttfont)
    try:
        glyphs = read_font_glyphs(path)
    except NoOutlinesError:
        glyphs = None
    except FontLoadError as exc:
        raise PdfFontError(f"embedded program: {exc}") from exc
    row_of = {} if glyphs is None else {int(g): i for i, g in enumerate(glyphs.gids)}
    shown = sorted({g for g in gid_of.values() if g in row_of})
    by_gid: dict[int, Candidates] = {}
    if shown:
        found = identifier(glyphs.take([row_of[g] for g in shown]))
        by_gid = {g: [c for c in cands if c[0]] for g, cands in zip(shown, found, strict=True)}
    blank = {
        code
        for code, gid in gid_of.items()
        if gid not in by_gid and gid != 0 and gid not in row_of and _advance(ttfont, gid) > 0
    }
    dots_of = _dot_patterns(glyphs, ttfont, by_gid, row_of)
    for g, dots in dots_of.items():
        by_gid[g] = [(dots_label(dots), 1.0)]
    by_code = {code: by_gid[gid] for code, gid in gid_of.items() if gid in by_gid}
    dots = {code: dots_of[gid] for code, gid in gid_of.items() if gid in dots_of}
    return FontCandidates(gid_of, by_code, blank, dots)


def _dot_patterns(glyphs, ttfont, by_gid: dict, row_of: dict) -> dict[int, Dots]:
    """gid -> dot pattern, for the shown glyphs drawn as bare dots whose identification is not a
    dot-shaped mark (U+0307 DOT ABOVE is a dot pattern with a codepoint of its own)."""
    out = {}
    for g, cands in by_gid.items():
        if (cands and is_dot_mark_label(cands[0][0])) or _advance(ttfont, g) != 0:
            continue
        dots = bare_dots(glyphs.outlines[row_of[g]], 0, glyphs.upem)
        if dots is not None:
            out[g] = dots
    return out


def make_guesses(
    fc: FontCandidates, final: dict[int, Candidates] | None = None
) -> list[GlyphGuess]:
    """One guess per mapped code: the first of ``final[code]`` (default: the glyph's own
    candidates); ``changed_by_context`` when that differs from the glyph's own best label."""
    final = fc.by_code if final is None else final
    guesses = []
    for code in sorted(fc.gid_of):
        gid = fc.gid_of[code]
        if code in fc.by_code:
            cands = final.get(code, fc.by_code[code])
            label, p = cands[0] if cands else ("", 0.0)
            moved = bool(cands) and label != fc.by_code[code][0][0]
            guesses.append(GlyphGuess(code, gid, label_text(label), p, label, moved, tuple(cands)))
        elif code in fc.blank:
            guesses.append(GlyphGuess(code, gid, " ", 1.0, BLANK))
        else:
            guesses.append(GlyphGuess(code, gid, "", 0.0, ""))
    return guesses


def identify_codes(
    font: PdfFont, folder: str | Path, identifier: Identifier, context: bool = True
) -> list[GlyphGuess]:
    """One guess per code the document shows with ``font`` (codes mapping to no glyph skipped).

    With ``context``, the candidates are re-ranked by the neighbouring codes within each shown
    run of the font (see :mod:`~raster.pdf.context`; :func:`raster.pdf.repair.analyse_fonts`
    takes the neighbours from the page instead).

    Raises:
        PdfFontError: the program cannot be read or its codes not mapped (message says why).
    """
    fc = font_candidates(font, folder, identifier)
    return make_guesses(fc, rerank(fc.by_code, font.sequences) if context else None)
