"""Set fonts' ``/ToUnicode`` streams (and pages' content streams, for ``/ActualText`` spans) by an
incremental update: the input's bytes stay intact.

The update is written here, exactly (ISO 32000-1 §7.5.6): after the input's last byte come the
changed objects (the font and page dictionaries, whole, under their own numbers) and the new
streams (numbered after the input's highest object, as qpdf numbers them), then a
cross-reference section of the kind the input's last one is (a table, or a cross-reference
stream that lists itself), whose trailer carries the input's ``/Root``, ``/Info`` and ``/ID``,
the new ``/Size`` (one plus the highest object number) and ``/Prev`` (the input's
``startxref``): a second update chains onto this one. pikepdf (qpdf) serialises the objects
and then re-reads the result strictly; the output appears only after that check passes, so a
failure never leaves a damaged file behind.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pikepdf

from raster.paths import atomic_output
from raster.pdf.document import PdfInputError, open_pdf

#: trailer keys that describe one cross-reference section rather than the document
_SECTION_KEYS = frozenset(
    ["/Size", "/Prev", "/XRefStm", "/Type", "/Index", "/W", "/Filter", "/DecodeParms", "/Length"]
)
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF")


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
    with open_pdf(src) as pdf:
        changed: list[pikepdf.Object] = []
        for (num, gen), data in cmaps.items():
            font = _get(pdf, num, gen)
            if not isinstance(font, pikepdf.Dictionary):
                raise PdfInputError(f"{src}: object {num} {gen} R is not a font dictionary")
            font.ToUnicode = _new_stream(pdf, data)
            changed += [font, font.ToUnicode]
        for (num, gen), data in contents.items():
            page = _get(pdf, num, gen)
            if not isinstance(page, pikepdf.Dictionary) or page.get("/Type") != "/Page":
                raise PdfInputError(f"{src}: object {num} {gen} R is not a page")
            page.Contents = _new_stream(pdf, data)
            changed += [page, page.Contents]
        update = incremental_update(original, pdf.trailer, changed)
        known = set(pdf.get_warnings())  # the input's own (the update must add none)
    with atomic_output(dst, mode_of=src) as tmp:  # keep the input's mode
        with open(tmp, "wb") as fh:
            fh.write(original)
            fh.write(update)
        _verify(tmp, original, cmaps, contents, known)
    return dst


def is_earlier_output(src: str | Path, dst: str | Path) -> bool:
    """``dst`` is a file this module wrote from ``src``: ``src``'s bytes, then more (an update).

    So ``repair IN OUT`` may replace it; any other existing OUT is someone's own file.
    """
    src, dst = Path(src), Path(dst)
    try:
        if not dst.is_file() or dst.stat().st_size <= src.stat().st_size:
            return False
        with open(src, "rb") as a, open(dst, "rb") as b:
            while chunk := a.read(1 << 20):
                if b.read(len(chunk)) != chunk:
                    return False
    except OSError:
        return False
    return True


def _get(pdf: pikepdf.Pdf, num: int, gen: int):
    try:
        return pdf.get_object(num, gen)
    except (ValueError, pikepdf.PdfError):
        return None


def _new_stream(pdf: pikepdf.Pdf, data: bytes) -> pikepdf.Stream:
    stream = pikepdf.Stream(pdf, zlib.compress(data))
    stream.Filter = pikepdf.Name.FlateDecode
    return pdf.make_indirect(stream)


def _serialise(obj: pikepdf.Object) -> bytes:
    num, gen = obj.objgen
    if isinstance(obj, pikepdf.Stream):
        raw = obj.read_raw_bytes()
        body = obj.stream_dict.unparse() + b"\nstream\n" + raw + b"\nendstream"
    else:
        body = obj.unparse(resolved=True)
    return b"%d %d obj\n%s\nendobj\n" % (num, gen, body)


def incremental_update(original: bytes, trailer: pikepdf.Dictionary, objects: list) -> bytes:
    """The bytes to append to ``original`` (a PDF whose trailer is ``trailer``) so that
    ``objects`` (indirect objects of that document, changed or new) replace or join its own.

    Raises:
        PdfInputError: ``original`` has no ``startxref`` to chain the update to.
    """
    found = list(_STARTXREF.finditer(original[-4096:]))
    if not found:
        raise PdfInputError("the input has no startxref at its end; rebuild it first")
    prev = int(found[-1].group(1))
    out = bytearray(b"" if original.endswith((b"\n", b"\r")) else b"\n")
    offsets: dict[int, tuple[int, int]] = {}  # object number -> (offset, generation)
    for obj in {o.objgen: o for o in objects}.values():
        offsets[obj.objgen[0]] = (len(original) + len(out), obj.objgen[1])
        out += _serialise(obj)
    kept = b" ".join(
        key.encode() + b" " + trailer[key].unparse()
        for key in sorted(trailer.keys())
        if key not in _SECTION_KEYS
    )
    size = max(int(trailer.get("/Size", 0)), max(offsets) + 1)
    xref_at = len(original) + len(out)
    if original[prev : prev + 64].lstrip().startswith(b"xref"):
        out += b"xref\n"
        for start, nums in _runs(sorted(offsets)):
            out += b"%d %d\n" % (start, len(nums))
            out += b"".join(b"%010d %05d n \n" % offsets[n] for n in nums)
        out += b"trailer\n<< %s /Size %d /Prev %d >>\n" % (kept, size, prev)
    else:  # a cross-reference stream, listing itself as the last object
        offsets[size] = (xref_at, 0)
        width = max(1, (xref_at.bit_length() + 7) // 8)
        rows = b"".join(
            b"\x01" + offsets[n][0].to_bytes(width, "big") + offsets[n][1].to_bytes(2, "big")
            for n in sorted(offsets)
        )
        data = zlib.compress(rows)
        index = b" ".join(b"%d %d" % (s, len(nums)) for s, nums in _runs(sorted(offsets)))
        out += (
            b"%d 0 obj\n<< /Type /XRef %s /Size %d /Prev %d /Index [ %s ] /W [ 1 %d 2 ] "
            b"/Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream\nendobj\n"
            % (size, kept, size + 1, prev, index, width, len(data), data)
        )
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def _runs(nums: list[int]) -> list[tuple[int, list[int]]]:
    """Sorted object numbers as (first, consecutive numbers) subsections."""
    runs: list[tuple[int, list[int]]] = []
    for n in nums:
        if runs and runs[-1][1][-1] == n - 1:
            runs[-1][1].append(n)
        else:
            runs.append((n, [n]))
    return runs


def _verify(path: Path, original: bytes, cmaps: dict, contents: dict, known: set[str]) -> None:
    written = path.read_bytes()
    if not written.startswith(original):
        raise PdfInputError(f"{path}: the update rewrote bytes of the input; nothing written")
    known_tails = {w.split(": ", 1)[-1] for w in known}  # qpdf names the file first
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
            new = [w for w in pdf.get_warnings() if w.split(": ", 1)[-1] not in known_tails]
            if new:
                raise PdfInputError(
                    f"the updated file reads with a warning ({new[0]}); nothing written"
                )
    except pikepdf.PdfError as exc:
        raise PdfInputError(f"the updated file does not re-read ({exc}); nothing written") from exc
