"""Run the model over a font or a PDF and gather the review page's data."""

from __future__ import annotations

from pathlib import Path

from raster.reviewing.items import ReviewData, font_review, pdf_review


def is_pdf(path: str | Path) -> bool:
    """True when the file starts like a PDF (``%PDF``), whatever its name."""
    with open(path, "rb") as fh:
        return fh.read(1024).lstrip().startswith(b"%PDF")


def review_font(
    path: str | Path,
    predictor,
    method: str | None = None,
    *,
    charset: str = "all",
    face_index: int = 0,
    threshold: float = 0.5,
    model: str = "",
) -> ReviewData:
    """Identify every outlined glyph of the font (as ``raster.identify`` does) for review.

    Raises:
        FontLoadError: unreadable font or nothing to identify.
    """
    from raster.inference.font_glyphs import read_font_glyphs
    from raster.inference.pipeline import identify_font

    glyphs = read_font_glyphs(path, face_index)
    ident = identify_font(path, predictor, method, glyphs=glyphs, charset=charset)
    return identification_review(
        path, ident, threshold=threshold, face_index=face_index, model=model
    )


def identification_review(
    path: str | Path,
    ident,
    *,
    threshold: float = 0.5,
    face_index: int = 0,
    model: str = "",
) -> ReviewData:
    """Review data of a font from its :class:`~raster.inference.pipeline.Identification`
    (``identify --review``: the rows as identified, before any answers apply)."""
    return font_review(
        path,
        ident.glyphs,
        ident.probs,
        ident.labels,
        ident.rows,
        threshold=threshold,
        face_index=face_index,
        model=model,
    )


def review_pdf(
    path: str | Path,
    predictor,
    method: str | None = None,
    *,
    charset: str = "all",
    context: bool = True,
    threshold: float = 0.3,
    model: str = "",
) -> ReviewData:
    """Identify the codes every font of the PDF shows (as ``raster.pdf repair`` does).

    Raises:
        PdfInputError: the PDF cannot be read.
    """
    from raster.pdf.glyph_text import model_identifier

    identifier = model_identifier(predictor, method, charset=charset)
    return pdf_review(path, identifier, context=context, threshold=threshold, model=model)
