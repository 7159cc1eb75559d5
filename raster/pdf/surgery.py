"""Set fonts' ``/ToUnicode`` streams (and pages' content streams, for ``/ActualText`` spans) by an
incremental update: the input's bytes stay intact.

pypdf writes the update (``PdfWriter(..., incremental=True)`` appends the changed objects and
a cross-reference section pointing back at the original one); pikepdf (qpdf) then re-reads
the result strictly. The output appears only after that check passes, so a failure never
leaves a damaged file behind.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

from raster.paths import atomic_output
from raster.pdf.document import PdfInputError


def write_tounicode(
    src: str | Path,
    dst: str | Path,
    cmaps: dict[tuple[int, int], bytes],
    contents: dict[tuple[int, int], bytes] | None = None,
) -> Path:
    """Copy ``src`` to ``dst`` plus an update giving each font object its new ToUnicode (and
    each page in ``contents`` its new content stream).

    Args:
        src: the input PDF (not modified).
        dst: the output path (must differ from ``src``).
        cmaps: (object number, generation) of a font dictionary -> ToUnicode CMap bytes.
        contents: (object number, generation) of a page -> its new content stream (decoded).

    Raises:
        PdfInputError: ``dst`` is ``src``, a font or page object is missing, or the written file
            does not read back with the new maps and contents (then nothing is written at
            ``dst``).
    """
    contents = contents or {}
    src, dst = Path(src), Path(dst)
    if dst.resolve() == src.resolve():
        raise PdfInputError(f"{dst}: the output must not overwrite the input")
    original = src.read_bytes()
    writer = PdfWriter(src, incremental=True)
    for (num, gen), data in cmaps.items():
        font = writer.get_object(num)
        if font is None or getattr(font, "get", None) is None:
            raise PdfInputError(f"{src}: object {num} {gen} R is not a font dictionary")
        stream = DecodedStreamObject()
        stream.set_data(data)
        stream = stream.flate_encode()
        # pypdf's only way to register a new indirect object; public API has none
        font[NameObject("/ToUnicode")] = writer._add_object(stream)
    for (num, gen), data in contents.items():
        page = writer.get_object(num)
        if page is None or getattr(page, "get", None) is None or page.get("/Type") != "/Page":
            raise PdfInputError(f"{src}: object {num} {gen} R is not a page")
        stream = DecodedStreamObject()
        stream.set_data(data)
        page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())
    with atomic_output(dst, mode_of=src) as tmp:  # keep the input's mode
        with open(tmp, "wb") as fh:
            writer.write(fh)
        _verify(tmp, original, cmaps, contents)
    return dst


def _verify(path: Path, original: bytes, cmaps: dict, contents: dict) -> None:
    written = path.read_bytes()
    if not written.startswith(original):
        raise PdfInputError(f"{path}: the update rewrote bytes of the input; nothing written")
    try:
        with pikepdf.open(path, attempt_recovery=False) as pdf:
            for (num, gen), data in cmaps.items():
                got = pdf.get_object(num, gen).get("/ToUnicode")
                if not isinstance(got, pikepdf.Stream) or got.read_bytes() != data:
                    raise PdfInputError(
                        f"object {num} {gen} R: the new ToUnicode did not read back"
                    )
            for (num, gen), data in contents.items():
                got = pdf.get_object(num, gen).get("/Contents")
                if not isinstance(got, pikepdf.Stream) or got.read_bytes() != data:
                    raise PdfInputError(
                        f"page object {num} {gen} R: its new content did not read back"
                    )
    except pikepdf.PdfError as exc:
        raise PdfInputError(f"the updated file does not re-read ({exc}); nothing written") from exc
