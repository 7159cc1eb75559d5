"""Run the model over a font or a PDF and gather the review page's data."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from raster.reviewing.items import ReviewData, font_review, pdf_review


def is_pdf(path: str | Path) -> bool:
    """True when the file starts like a PDF (``%PDF``), whatever its name."""
    with open(path, "rb") as fh:
        return fh.read(1024).lstrip().startswith(b"%PDF")


#: how the sfnt, collection and web font files that fontTools reads begin
FONT_SIGNATURES = (b"\x00\x01\x00\x00", b"OTTO", b"true", b"typ1", b"ttcf", b"wOFF", b"wOF2")


def source_problem(path: str | Path) -> str | None:
    """Why ``path`` is no font file or PDF to review (a folder, missing, an image, text), or
    None when it starts like one (a damaged one is found out when it is read)."""
    path = Path(path)
    if path.is_dir():
        return "is a folder; give a font file or a PDF"
    if not path.exists():
        return "no such file"
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.lstrip().startswith(b"%PDF") or head[:4] in FONT_SIGNATURES:
        return None
    what = "an empty file" if not head else None
    if what is None:
        try:
            with Image.open(path) as img:
                what = f"a {img.format} image"
        except (OSError, ValueError, Image.DecompressionBombError):
            pass
    if what is None:
        try:
            head.decode("utf-8")
            what = "text"
        except UnicodeDecodeError as exc:
            what = "text" if exc.start > len(head) - 4 else f"data starting {head[:8]!r}"
    return f"neither a PDF (no %PDF header) nor a font: it is {what}"


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


def review_source(
    source: str | Path,
    predictor,
    method: str | None = None,
    *,
    charset: str = "all",
    face_index: int = 0,
    threshold: float | None = None,
    model: str = "",
) -> ReviewData:
    """``raster.review``: :func:`review_pdf` when ``source`` starts like a PDF, else
    :func:`review_font`.

    Args:
        threshold: guesses less confident are unsure; None: 0.3 for a PDF (``pdf repair
            --min-confidence``), 0.5 for a font (``identify --min-confidence``).

    Raises:
        FontLoadError: an unreadable font, the message prefixed with its path.
        PdfInputError: the PDF cannot be read.
    """
    from raster.errors import FontLoadError

    if is_pdf(source):
        return review_pdf(
            source,
            predictor,
            method,
            charset=charset,
            threshold=0.3 if threshold is None else threshold,
            model=model,
        )
    try:
        return review_font(
            source,
            predictor,
            method,
            charset=charset,
            face_index=face_index,
            threshold=0.5 if threshold is None else threshold,
            model=model,
        )
    except FontLoadError as exc:
        raise type(exc)(f"{source}: {exc}") from exc
