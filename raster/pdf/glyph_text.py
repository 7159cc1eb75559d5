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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from raster.data.fonts import FontLoadError
from raster.inference.font_glyphs import FontGlyphs, NoOutlinesError, read_font_glyphs
from raster.inference.predict import split_label
from raster.pdf.codes import code_to_gid
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
    """

    code: int
    gid: int
    text: str
    confidence: float
    label: str


# glyphs -> (label per glyph, probability per glyph); '' = no label
Identifier = Callable[[FontGlyphs], tuple[list[str], np.ndarray]]


def label_text(label: str) -> str:
    """Logical text of a label: its base character, the form dropped (``1593_init`` -> U+0639);
    a ligature label ``1604+1575_lig`` gives its characters in order ('' for other labels)."""
    head = label.split("_", 1)[0]
    parts = head.split("+")
    if len(parts) > 1 and all(p.isdigit() for p in parts):
        return "".join(chr(int(p)) for p in parts)
    cp, _ = split_label(label)
    return chr(cp) if cp is not None else ""


def model_identifier(
    predictor,
    method: str | None = None,
    *,
    assign: bool = False,
    no_label_prob: float = 0.01,
    charset: str = "all",
) -> Identifier:
    """An :data:`Identifier` running the identify pipeline (see :func:`identify_font`)."""
    from raster.inference.pipeline import identify_font

    def identify(glyphs: FontGlyphs) -> tuple[list[str], np.ndarray]:
        ident = identify_font(
            glyphs.path,
            predictor,
            method,
            assign=assign,
            no_label_prob=no_label_prob,
            glyphs=glyphs,
            charset=charset,
        )
        return [r["label"] for r in ident.rows], np.asarray(
            [r["confidence"] for r in ident.rows], np.float64
        )

    return identify


def _advance(ttfont, gid: int) -> int:
    if "hmtx" not in ttfont:
        return 0
    name = ttfont.getGlyphOrder()[gid]
    return int(ttfont["hmtx"].metrics.get(name, (0, 0))[0])


def identify_codes(font: PdfFont, folder: str | Path, identifier: Identifier) -> list[GlyphGuess]:
    """One guess per code the document shows with ``font`` (codes mapping to no glyph skipped).

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
    found: dict[int, tuple[str, float]] = {}
    if shown:
        labels, conf = identifier(glyphs.take([row_of[g] for g in shown]))
        found = {g: (lab, float(p)) for g, lab, p in zip(shown, labels, conf, strict=True)}
    guesses = []
    for code in sorted(gid_of):
        gid = gid_of[code]
        if gid in found:
            label, p = found[gid]
            guesses.append(GlyphGuess(code, gid, label_text(label), p if label else 0.0, label))
        elif gid != 0 and gid not in row_of and _advance(ttfont, gid) > 0:
            guesses.append(GlyphGuess(code, gid, " ", 1.0, BLANK))
        else:
            guesses.append(GlyphGuess(code, gid, "", 0.0, ""))
    return guesses
