"""The Python API: identify a font's glyphs or single outlines, check and repair PDF text.

Every function works with the model shipped in the package (loaded once per process) or with a
model from :func:`load_model` (your checkpoint and index; reuse it across calls)::

    import raster

    for p in raster.identify_font("Font.ttf", top_k=3):
        print(p.gid, p.glyph_name, p.char, p.form, f"{p.confidence:.2f}")
    result = raster.repair_pdf("broken.pdf", "fixed.pdf")          # Arabic text by default
    model = raster.load_model("runs/x/best.pt", index="runs/x/ref")  # your own model

The commands (``python -m raster.identify``, ``python -m raster.pdf``) call these same
functions. Every error on bad input is a :class:`raster.errors.RasterError` whose one-line
message names the file: ``CheckpointError``, ``FontLoadError``, ``PdfInputError``,
``OutputPathError`` (an output that cannot be written), ``InputError`` (a bad value).
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from raster.errors import InputError, RasterError

log = logging.getLogger(__name__)

# the public names are the package's (``raster.__all__``), which loads this module lazily
from raster import __all__  # noqa: E402,F401

_DEFAULT_LOCK = threading.Lock()
_DEFAULT: Model | None = None


@dataclass(frozen=True)
class GlyphPrediction:
    """What one glyph is.

    Attributes:
        gid: glyph index in the font (None for :func:`identify_outline`).
        glyph_name: the font's glyph name ('' for outlines).
        label: the model's label, ``"1593_init"`` (codepoint + form), a ligature
            ``"1604+1575_fina"``, or '' when the glyph got no label.
        char: the character(s) the label stands for ('' when none).
        codepoint: the first character's codepoint, or None.
        form: ``isol``, ``init``, ``medi``, ``fina`` or ``lig`` forms as labelled ('' if none).
        confidence: calibrated probability of ``label`` (0..1).
        alternatives: the runners-up ``(label, probability)``, best first.
    """

    gid: int | None
    glyph_name: str
    label: str
    char: str
    codepoint: int | None
    form: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...] = ()


@dataclass
class Model:
    """A loaded model and its reference index, ready for many calls.

    Attributes:
        predictor: the inference engine (:class:`~raster.inference.predict.Predictor`).
        source: ``"shipped glyph-raster-r2"`` or the checkpoint path.
    """

    predictor: Any
    source: str

    @property
    def labels(self) -> list[str]:
        """Every label the model can answer."""
        return list(self.predictor.labels)

    @property
    def img_size(self) -> int:
        """Render size in pixels."""
        return self.predictor.loaded.img_size


@dataclass(frozen=True)
class PdfFontCheck:
    """What :func:`check_pdf` / :func:`repair_pdf` found for one font of a PDF.

    Attributes:
        base_font: ``/BaseFont`` (``ABCDEF+Amiri-Regular``).
        resource_names: its names in the pages' resources (``/F1``, ...).
        subtype: ``Type0/CIDFontType2``, ``TrueType``, ``Type1``, ...
        program: the embedded program (``FontFile2``, ...) or None.
        has_tounicode: the font had a ToUnicode map.
        codes_shown: distinct character codes the pages show.
        compared, agreements: codes whose declared text was compared with a confident
            identification, and how many agreed.
        suspect: the declared map disagrees with the glyphs (see ``raster.pdf.repair``).
        identified: code -> the text its glyph shows ('' when unsure).
        action: ``repaired``, ``kept`` or ``skipped`` after :func:`repair_pdf` ('' after check).
        unmapped: codes left out of a written map (below ``min_confidence``).
        error: why the font could not be read, or None.
    """

    base_font: str
    resource_names: tuple[str, ...]
    subtype: str
    program: str | None
    has_tounicode: bool
    codes_shown: int
    compared: int
    agreements: int
    suspect: bool
    identified: dict[int, str] = field(default_factory=dict)
    action: str = ""
    unmapped: tuple[int, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class RepairResult:
    """What :func:`repair_pdf` did: ``written`` (False: no font needed a map) and the fonts."""

    written: bool
    fonts: list[PdfFontCheck]


def load_model(
    path: str | Path | None = None, *, index: str | Path | None = None, device: str = "cpu"
) -> Model:
    """Load a model for identification.

    Args:
        path: a checkpoint (``best.pt``); None = the model shipped in the package, with its
            own reference index.
        index: a reference index directory made with that checkpoint (``python -m raster.index
            build``); without one a checkpoint uses its classifier alone.
        device: ``cpu``, ``cuda``, ``cuda:N``.

    Raises:
        CheckpointError: unreadable checkpoint, or a shipped file that fails its sha256 check.
        IndexMismatchError: an index made by another checkpoint.
    """
    from raster.inference.predict import load_predictor
    from raster.inference.shipped import RELEASE

    predictor = load_predictor(path, index, device)
    return Model(predictor, f"shipped {RELEASE}" if path is None else str(path))


def default_model() -> Model:
    """The shipped model, loaded on first use and kept for the process."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = load_model()
        return _DEFAULT


def _model(model: Model | None) -> Model:
    return model if model is not None else default_model()


@contextlib.contextmanager
def _naming(path: str | Path):
    """Errors raised inside name ``path``: a :class:`RasterError` whose message lacks it gets it
    as a prefix (same class); an ``OSError`` becomes an :class:`InputError` naming its file."""
    try:
        yield
    except RasterError as exc:
        if str(path) in str(exc):
            raise
        named = copy.copy(exc)
        named.args = (f"{path}: {exc}",)
        raise named from exc
    except OSError as exc:
        raise InputError(f"{exc.filename or path}: {exc.strerror or exc}") from exc


def _predictions(
    probs: np.ndarray,
    labels: list[str],
    top_k: int,
    gids: Sequence[int | None],
    names: Sequence[str],
) -> list[GlyphPrediction]:
    from raster.inference.predict import top_k as best
    from raster.labels import label_text, split_label

    idx, p = best(probs, max(1, top_k))
    out = []
    for i in range(len(probs)):
        label = labels[int(idx[i, 0])]
        cp, form = split_label(label)
        text = label_text(label)
        out.append(
            GlyphPrediction(
                gid=None if gids[i] is None else int(gids[i]),
                glyph_name=names[i],
                label=label,
                char=text,
                codepoint=ord(text[0]) if text else cp,
                form=form,
                confidence=float(p[i, 0]),
                alternatives=tuple(
                    (labels[int(j)], float(q)) for j, q in zip(idx[i, 1:], p[i, 1:], strict=True)
                ),
            )
        )
    return out


def identify_font(
    path: str | Path,
    *,
    model: Model | None = None,
    top_k: int = 5,
    charset: str = "all",
    face_index: int = 0,
) -> list[GlyphPrediction]:
    """Identify every outlined glyph of a font file from its outline (the cmap is ignored).

    Args:
        path: .ttf/.otf/.ttc/.woff/.woff2.
        model: from :func:`load_model` (default: the shipped model).
        top_k: labels considered per glyph (the answer plus ``top_k - 1`` alternatives).
        charset: ``all``, or ``ar``/``fa``/``ur`` to allow only that language's characters.
        face_index: face of a font collection.

    Returns:
        One :class:`GlyphPrediction` per outlined glyph, by glyph index.

    Raises:
        FontLoadError: unreadable font, or no glyph with an outline.
    """
    from raster.inference.font_glyphs import read_font_glyphs
    from raster.inference.pipeline import identify_font as run

    m = _model(model)
    with _naming(path):
        glyphs = read_font_glyphs(path, face_index)
        ident = run(path, m.predictor, glyphs=glyphs, top=top_k, charset=charset)
    return _predictions(ident.probs, ident.labels, top_k, list(glyphs.gids), glyphs.names)


_PEN_OPS = ("moveTo", "lineTo", "curveTo", "qCurveTo", "closePath", "endPath")


def _recording(outline: Any) -> list:
    """Pen commands of ``outline``: a list of ``(operator, points)`` already, or drawn from an
    object with ``draw(pen)`` (composite components decomposed through its ``glyphSet``)."""
    if hasattr(outline, "draw"):
        from fontTools.pens.recordingPen import DecomposingRecordingPen

        pen = DecomposingRecordingPen(getattr(outline, "glyphSet", None) or {})
        outline.draw(pen)
        return list(pen.value)
    commands = []
    for item in outline:
        op, args = str(item[0]), tuple(item[1]) if len(item) > 1 else ()
        if op not in _PEN_OPS:
            raise InputError(
                f"pen command {op!r} is not an outline operator ({', '.join(_PEN_OPS)}); "
                "decompose components first (fontTools' DecomposingRecordingPen) or pass the "
                "glyph-set glyph itself"
            )
        commands.append((op, args))
    return commands


def identify_outlines(
    outlines: Sequence[Any],
    units_per_em: float,
    *,
    model: Model | None = None,
    top_k: int = 5,
    charset: str = "all",
) -> list[GlyphPrediction]:
    """Identify many glyph outlines of one font at once (see :func:`identify_outline`)."""
    from raster.data.contours import parse_contours
    from raster.data.glyph_rows import recording_to_contours
    from raster.data.model_input import build_inputs
    from raster.inference.charsets import allowed_labels, restrict

    if not units_per_em or units_per_em <= 0:
        raise InputError(f"units_per_em must be positive, got {units_per_em!r}")
    m = _model(model)
    parsed = []
    for i, outline in enumerate(outlines):
        text = json.dumps(recording_to_contours(_recording(outline)), separators=(",", ":"))
        parsed.append(parse_contours(text, i))
    if not parsed:
        return []
    inputs = build_inputs(
        parsed, np.full(len(parsed), float(units_per_em)), m.predictor.loaded.raster
    )
    pred = m.predictor
    probs = restrict(
        pred.predict_images(inputs, pred.default_method())[1], allowed_labels(pred.labels, charset)
    )
    return _predictions(probs, pred.labels, top_k, [None] * len(parsed), [""] * len(parsed))


def identify_outline(
    outline: Any,
    units_per_em: float,
    *,
    model: Model | None = None,
    top_k: int = 5,
    charset: str = "all",
) -> GlyphPrediction:
    """Identify one glyph outline, for tools that already parse fonts or PDFs.

    Args:
        outline: pen commands in font units, as fontTools' ``RecordingPen.value`` gives them
            (``[("moveTo", ((x, y),)), ("qCurveTo", (...)), ("closePath", ()), ...]``), or a
            fontTools glyph-set glyph (anything with ``draw(pen)``, e.g.
            ``font.getGlyphSet()["alef"]``).
        units_per_em: the font's units per em (``head.unitsPerEm``; 1000 for most CFF/Type 1).
        model, top_k, charset: as :func:`identify_font`.

    Raises:
        MalformedContours: the commands do not form an outline.
    """
    return identify_outlines([outline], units_per_em, model=model, top_k=top_k, charset=charset)[0]


def pdf_identifier(model: Model, charset: str = "ar", **kwargs):
    """The glyph identifier the PDF functions use (``raster.pdf.glyph_text.model_identifier``)."""
    from raster.pdf.glyph_text import model_identifier

    return model_identifier(model.predictor, kwargs.pop("method", None), charset=charset, **kwargs)


def _font_check(rep, share: float) -> PdfFontCheck:
    f = rep.font
    return PdfFontCheck(
        base_font=f.base_font,
        resource_names=tuple(sorted(f.resource_names)),
        subtype=f.subtype + (f"/{f.descendant_subtype}" if f.descendant_subtype else ""),
        program=f.program,
        has_tounicode=f.has_tounicode,
        codes_shown=len(f.codes),
        compared=rep.compared,
        agreements=rep.agreements,
        suspect=rep.suspect(share),
        identified={g.code: g.text for g in rep.guesses or []},
        action=rep.action,
        unmapped=tuple(rep.unmapped),
        error=rep.error,
    )


def check_pdf(
    path: str | Path,
    *,
    model: Model | None = None,
    charset: str = "ar",
    min_confidence: float = 0.3,
    suspect_share: float = 0.5,
) -> list[PdfFontCheck]:
    """List a PDF's fonts and compare their ToUnicode maps with what the glyphs show.

    Args:
        path: the PDF.
        model: from :func:`load_model` (default: the shipped model).
        charset: the document's language (``ar``, ``fa``, ``ur``; ``all`` = no restriction).
        min_confidence: identifications below this are not compared.
        suspect_share: a map is suspect when it agrees with fewer codes than this share of
            what a correct map would.

    Raises:
        PdfInputError: not a PDF, encrypted or damaged.
    """
    from raster.pdf.repair import analyse_fonts

    ident = pdf_identifier(_model(model), charset)
    with _naming(path):
        reports = analyse_fonts(
            path, ident, min_confidence, allow_encrypted=True, clusters=[], **_decoding(charset)
        )
    return [_font_check(r, suspect_share) for r in reports]


def _decoding(charset: str) -> dict:
    """What ``python -m raster.pdf check|repair`` decide with by default besides the charset:
    page-order context, the document decoded against the charset's language (its word list),
    the glyph's own weight in it. The defaults are :class:`~raster.pdf.text.TextOptions`' (held
    equal to the CLI's flags by a test); a test holds the API's outputs equal to the CLI's."""
    from raster.pdf.language import decoding_language
    from raster.pdf.text import TextOptions

    defaults = TextOptions()
    return {
        "context": defaults.context,
        "language": decoding_language("auto", charset),
        "glyph_weight": defaults.glyph_weight,
    }


def repair_pdf(
    src: str | Path,
    dst: str | Path,
    *,
    model: Model | None = None,
    charset: str = "ar",
    replace_suspect: bool = True,
    min_confidence: float = 0.3,
    suspect_share: float = 0.5,
) -> RepairResult:
    """Write ``dst``: ``src`` plus ToUnicode maps, built from the glyphs, for its fonts without
    one (and, with ``replace_suspect``, the default, for fonts whose map the glyphs clearly
    contradict; False keeps every declared map).

    ``dst`` is ``src`` byte for byte plus an incremental update; nothing is written when no
    font needs a map (``RepairResult.written`` is False). Arguments as :func:`check_pdf`.

    Raises:
        PdfInputError: the PDF cannot be read, or the update failed its read-back check.
        OutputPathError: ``dst`` is a folder, a symbolic link loop, the input, or in a folder
            that cannot be written.
    """
    from raster.paths import check_outputs
    from raster.pdf.repair import repair_pdf as run

    if Path(src).exists() and not Path(src).is_dir():  # else the PDF reader names what it is
        check_outputs({"dst": dst}, [src])
    ident = pdf_identifier(_model(model), charset)
    with _naming(src):
        reports, written = run(
            src,
            dst,
            ident,
            min_confidence=min_confidence,
            keep_declared=not replace_suspect,
            suspect_share=suspect_share,
            clusters=True,
            **_decoding(charset),
        )
    return RepairResult(written, [_font_check(r, suspect_share) for r in reports])


def extract_text(
    path: str | Path,
    *,
    model: Model | None = None,
    charset: str = "ar",
    replace_suspect: bool = True,
    min_confidence: float = 0.3,
    suspect_share: float = 0.5,
):
    """The text of a PDF in reading order, each font read as ``python -m raster.pdf repair``
    would leave it (the same maps, decoding and clusters; no PDF written).

    Returns:
        :class:`~raster.pdf.text.DocumentText`: ``.text`` (pages by form feeds), ``.pages``
        (lines with boxes and per-character confidences, a verdict ``ok``/``degraded``/
        ``needs_ocr`` with its reasons), ``.fonts`` (which were read from their glyphs),
        ``.render("txt"|"jsonl"|"md")``. Arguments as :func:`repair_pdf`.

    Raises:
        PdfInputError: the PDF cannot be read or laid out.
    """
    from raster.pdf.language import decoding_language
    from raster.pdf.text import TextOptions, read_text

    options = TextOptions(
        min_confidence=min_confidence,
        keep_declared=not replace_suspect,
        suspect_share=suspect_share,
        language=decoding_language("auto", charset),
    )
    return read_text(path, pdf_identifier(_model(model), charset), options)
