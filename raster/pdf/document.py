"""Open a PDF and list its fonts: what each is, and which character codes the pages show with it.

pikepdf (qpdf) parses the file and the content streams. The walk follows what a viewer does
with the text state: ``Tf`` selects a font from the current resources, ``q``/``Q`` save and
restore it, ``Tj``/``TJ``/``'``/``"`` show strings, and ``Do`` enters Form XObjects (with their
own resources, or the caller's when they have none). Annotation appearances are not walked.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from raster.errors import PdfFontError, PdfInputError  # noqa: F401  (re-exported)

_SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
_SHOW_OPS = {"Tj", "'", '"', "TJ"}
MAX_SEQUENCE_CODES = 200_000  # context kept per font (a few hundred pages of text)


@dataclass
class PdfFont:
    """One font dictionary of the document and how the pages use it.

    Attributes:
        objgen: (object number, generation) of the font dictionary; (0, 0) if it is direct.
        resource_names: the names it has in resource dictionaries (``/F1``, ...).
        base_font: ``/BaseFont`` without the slash (``ABCDEF+Amiri-Regular``).
        subtype: ``Type0``, ``TrueType``, ``Type1``, ``Type3``, ``MMType1``.
        descendant_subtype: ``CIDFontType2``/``CIDFontType0`` for Type0 fonts, else None.
        encoding: the ``/Encoding`` name (``Identity-H``, ``WinAnsiEncoding``), ``dict`` for an
            encoding dictionary, ``stream`` for an embedded CMap, None when absent.
        program: the embedded font program: ``FontFile2``, ``FontFile3/Type1C``,
            ``FontFile3/CIDFontType0C``, ``FontFile3/OpenType``, ``FontFile``, ``CharProcs``
            (Type3: the glyphs are drawings in the font dictionary); None = not embedded.
        has_tounicode: the font has a ``/ToUnicode`` stream.
        codes: character code -> number of times the pages show it.
        pages: 1-based pages that show text in this font.
        sequences: the runs of codes shown (one per ``Tj``, one per ``TJ`` array), in content
            order, capped at :data:`MAX_SEQUENCE_CODES` codes.
        notes: one line per thing worth saying that did not stop the work (a Type3 glyph
            that paints an image, ...).
    """

    objgen: tuple[int, int]
    resource_names: set[str]
    base_font: str
    subtype: str
    descendant_subtype: str | None
    encoding: str | None
    program: str | None
    has_tounicode: bool
    obj: pikepdf.Dictionary = field(repr=False)
    codes: Counter = field(default_factory=Counter)
    pages: set[int] = field(default_factory=set)
    sequences: list[list[int]] = field(default_factory=list, repr=False)
    notes: list[str] = field(default_factory=list)
    _kept: int = field(default=0, repr=False)  # codes in ``sequences`` (a scan adds many runs)

    def record(self, codes: list[int], page: int) -> None:
        """Count one shown run of codes; keep it (up to :data:`MAX_SEQUENCE_CODES` codes in
        all) as context for identification."""
        if not codes:
            return
        self.codes.update(codes)
        self.pages.add(page)
        if self._kept < MAX_SEQUENCE_CODES:
            kept = codes[: MAX_SEQUENCE_CODES - self._kept]
            self.sequences.append(kept)
            self._kept += len(kept)

    @property
    def subset(self) -> bool:
        """True when ``/BaseFont`` carries a subset tag (six capitals and ``+``)."""
        return bool(_SUBSET_TAG.match(self.base_font))

    @property
    def code_bytes(self) -> int:
        """Bytes per character code: 2 for Type0 fonts (Identity CMaps), 1 for simple fonts."""
        return 2 if self.subtype == "Type0" else 1

    @property
    def label(self) -> str:
        """How messages name the font: ``/F1 ABCDEF+Amiri (obj 12)``."""
        names = ",".join(sorted(self.resource_names)) or "?"
        where = f"obj {self.objgen[0]}" if self.objgen != (0, 0) else "direct"
        return f"{names} {self.base_font} ({where})"

    def descendant(self) -> pikepdf.Dictionary | None:
        """The CIDFont dictionary of a Type0 font."""
        if self.subtype != "Type0":
            return None
        desc = self.obj.get("/DescendantFonts")
        return desc[0] if isinstance(desc, pikepdf.Array) and len(desc) else None

    def descriptor(self) -> pikepdf.Dictionary | None:
        """The ``/FontDescriptor`` (of the descendant for Type0 fonts)."""
        holder = self.descendant() if self.subtype == "Type0" else self.obj
        return None if holder is None else holder.get("/FontDescriptor")


def open_pdf(path: str | Path, allow_encrypted: bool = False) -> pikepdf.Pdf:
    """Open ``path`` strictly: no silent xref reconstruction, no encrypted files.

    Args:
        path: the PDF.
        allow_encrypted: accept a file encrypted with an empty user password (reading only:
            ``check``; ``repair`` would have to re-encrypt its update).

    Raises:
        PdfInputError: unreadable, not a PDF, encrypted, or damaged (message says which).
    """
    path = Path(path)
    try:
        pdf = pikepdf.open(path, attempt_recovery=False)
    except pikepdf.PasswordError as exc:
        raise PdfInputError(f"{path}: encrypted with a password; decrypt it first") from exc
    except FileNotFoundError as exc:
        raise PdfInputError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise PdfInputError(f"{path}: is a folder, not a PDF") from exc
    except OSError as exc:
        raise PdfInputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except pikepdf.PdfError as exc:
        raise PdfInputError(
            f"{path}: damaged or not a PDF ({str(exc).splitlines()[0]}); "
            "rebuild it first (e.g. `qpdf IN.pdf rebuilt.pdf`)"
        ) from exc
    if pdf.is_encrypted and not allow_encrypted:
        pdf.close()
        raise PdfInputError(
            f"{path}: encrypted; an incremental update would have to re-encrypt, decrypt it "
            "first (e.g. `qpdf --decrypt IN.pdf plain.pdf`)"
        )
    return pdf


def _name(obj) -> str | None:
    return str(obj)[1:] if isinstance(obj, pikepdf.Name) else None


def _describe(obj: pikepdf.Dictionary) -> PdfFont:
    subtype = _name(obj.get("/Subtype")) or "?"
    base = _name(obj.get("/BaseFont")) or "?"
    enc = obj.get("/Encoding")
    if isinstance(enc, pikepdf.Name):
        encoding = _name(enc)
    elif isinstance(enc, pikepdf.Stream):
        encoding = "stream"
    elif isinstance(enc, pikepdf.Dictionary):
        encoding = "dict"
    else:
        encoding = None
    font = PdfFont(
        objgen=tuple(obj.objgen),
        resource_names=set(),
        base_font=base,
        subtype=subtype,
        descendant_subtype=None,
        encoding=encoding,
        program=None,
        has_tounicode=isinstance(obj.get("/ToUnicode"), pikepdf.Stream),
        obj=obj,
    )
    desc = font.descendant()
    if desc is not None:
        font.descendant_subtype = _name(desc.get("/Subtype"))
    fd = font.descriptor()
    if base == "?" and isinstance(fd, pikepdf.Dictionary):  # Type3 fonts need no /BaseFont
        font.base_font = _name(fd.get("/FontName")) or "?"
    if font.base_font == "?" and _name(obj.get("/Name")):
        font.base_font = _name(obj.get("/Name"))
    if subtype == "Type3" and isinstance(obj.get("/CharProcs"), pikepdf.Dictionary):
        font.program = "CharProcs"
    elif isinstance(fd, pikepdf.Dictionary):
        for key in ("/FontFile2", "/FontFile3", "/FontFile"):
            stream = fd.get(key)
            if isinstance(stream, pikepdf.Stream):
                font.program = key[1:]
                if key == "/FontFile3":
                    font.program += "/" + (_name(stream.get("/Subtype")) or "?")
                break
    return font


def _split_codes(data: bytes, width: int) -> list[int]:
    if width == 1:
        return list(data)
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data) - 1, 2)]


def _strings(operator: str, operands) -> list[bytes]:
    if operator == "TJ":
        return [bytes(x) for x in operands[0] if isinstance(x, pikepdf.String)]
    return [bytes(operands[-1])] if operands and isinstance(operands[-1], pikepdf.String) else []


class _Walker:
    def __init__(self, fonts: dict[tuple, PdfFont], notes: list[str]):
        self.fonts = fonts
        self.notes = notes
        self.visited_forms: set[tuple] = set()
        self.problems: list[str] = []
        self.open_forms: list[tuple] = []

    def font_for(self, resources, name: str) -> PdfFont | None:
        fonts = resources.get("/Font") if resources is not None else None
        obj = fonts.get(name) if isinstance(fonts, pikepdf.Dictionary) else None
        if not isinstance(obj, pikepdf.Dictionary):
            return None
        key = tuple(obj.objgen) if obj.objgen != (0, 0) else ("direct", id(obj), name)
        font = self.fonts.get(key)
        if font is None:
            font = self.fonts[key] = _describe(obj)
        font.resource_names.add(name)
        return font

    def walk(self, stream_owner, resources, page: int, where: str = "") -> None:
        where = f"page {page}{where}"
        try:
            instructions = pikepdf.parse_content_stream(stream_owner)
        except pikepdf.PdfError as exc:  # its text cannot be read: the caller says so
            what = "a form's" if isinstance(stream_owner, pikepdf.Stream) else "its"
            self.problems.append(
                f"page {page}: {what} content stream does not decode ({_first_line(exc)})"
            )
            return
        current: PdfFont | None = None
        stack: list[PdfFont | None] = []
        q_errors = bt_depth = bt_errors = 0
        for inst in instructions:
            if isinstance(inst, pikepdf.ContentStreamInlineImage):
                continue
            op = str(inst.operator)
            operands = inst.operands
            if op == "q":
                stack.append(current)
            elif op == "Q":
                q_errors += not stack
                current = stack.pop() if stack else current
            elif op == "BT":
                bt_errors += bt_depth > 0
                bt_depth = 1
            elif op == "ET":
                bt_errors += bt_depth == 0
                bt_depth = 0
            elif op == "Tf" and operands:
                current = self.font_for(resources, str(operands[0]))
            elif op in _SHOW_OPS and current is not None:
                run: list[int] = []
                for data in _strings(op, operands):
                    run += _split_codes(data, current.code_bytes)
                current.record(run, page)
            elif op == "Do" and operands:
                self.enter_form(resources, str(operands[0]), page, where)
        unclosed = len(stack)
        if q_errors or unclosed:
            self.notes.append(
                f"{where}: unbalanced q/Q ({q_errors} Q without q, {unclosed} q not closed); "
                "read as a viewer would"
            )
        if bt_errors or bt_depth:
            self.notes.append(
                f"{where}: unbalanced BT/ET ({bt_errors} misplaced, {bt_depth} not closed); "
                "read as a viewer would"
            )

    def enter_form(self, resources, name: str, page: int, where: str) -> None:
        xobjects = resources.get("/XObject") if resources is not None else None
        form = xobjects.get(name) if isinstance(xobjects, pikepdf.Dictionary) else None
        if not isinstance(form, pikepdf.Stream) or form.get("/Subtype") != pikepdf.Name.Form:
            return
        if form.objgen in self.open_forms:
            self.notes.append(
                f"page {page}: form XObject {name} (obj {form.objgen[0]}) draws itself "
                "(a cycle); drawn once"
            )
            return
        if form.objgen in self.visited_forms:
            return  # a form shown many times adds no new codes
        self.visited_forms.add(form.objgen)
        self.open_forms.append(form.objgen)
        self.walk(form, form.get("/Resources", resources), page, f" form {name}")
        self.open_forms.pop()


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


#: qpdf warnings that mean objects are missing or not where the xref says (damage, not style)
_DAMAGE_WARNINGS = re.compile(r"expected \d+ \d+ obj|not found|xref|offset|EOF|damaged", re.I)


def _unused_fonts(pdf: pikepdf.Pdf, used: dict[tuple, PdfFont]) -> list[str]:
    out, seen = [], set()
    for number, page in enumerate(pdf.pages, start=1):
        res = page.obj.get("/Resources")
        fonts = res.get("/Font") if isinstance(res, pikepdf.Dictionary) else None
        if not isinstance(fonts, pikepdf.Dictionary):
            continue
        for name, obj in fonts.items():
            key = tuple(obj.objgen) if isinstance(obj, pikepdf.Object) else None
            if key and key != (0, 0) and key not in used and key not in seen:
                seen.add(key)
                base = _name(obj.get("/BaseFont")) if isinstance(obj, pikepdf.Dictionary) else None
                out.append(
                    f"font {name} {base or '?'} (obj {key[0]}): listed by page {number} but "
                    "used by no page; not mapped"
                )
    return out


def scan_fonts(
    pdf: pikepdf.Pdf, problems: list[str] | None = None, *, notes: list[str] | None = None
) -> list[PdfFont]:
    """Every font the pages' content (and the forms it draws) selects, with the codes shown.

    Fonts are listed in the order the pages first use them.

    Args:
        pdf: the open document.
        problems: when given, receives one line per damage found on the way: a content stream
            that does not decode, an object that is not where the cross-reference table says
            (qpdf reads such objects as null: a blanked font program looks "not embedded").
        notes: when given, receives one line per page or font worth a word that does not stop
            the work: unbalanced ``q``/``Q`` or ``BT``/``ET``, a form XObject cycle, a font
            that no page uses.
    """
    fonts: dict[tuple, PdfFont] = {}
    notes = [] if notes is None else notes
    walker = _Walker(fonts, notes)
    for number, page in enumerate(pdf.pages, start=1):
        walker.walk(page, page.obj.get("/Resources"), number)
    for font in fonts.values():  # touch what the callers read, so qpdf reports its damage
        font.descriptor()
    if problems is not None:
        problems.extend(walker.problems)
        problems.extend(w for w in pdf.get_warnings() if _DAMAGE_WARNINGS.search(w))
    notes.extend(_unused_fonts(pdf, fonts))
    return list(fonts.values())


def damage_error(path: str | Path, problems: list[str]) -> PdfInputError:
    """The one-line error for a PDF with ``problems`` (see :func:`scan_fonts`)."""
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return PdfInputError(
        f"{path}: damaged: {problems[0]}{more}; rebuild it first (e.g. `qpdf IN.pdf rebuilt.pdf`)"
    )
