"""Find and open font files: every face of a collection, variable-font instances, metrics.

A :class:`FontFace` is one row of the ``fonts`` table: a face of a file at one variation
location. Its ``file_hash`` is the sha256 of the file's bytes, extended with the face index and
the instance location when either is not the default, so every face/instance gets its own row.
"""

from __future__ import annotations

import errno
import hashlib
import io
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont

from raster.data.schema import FONT_METRIC_COLUMNS
from raster.errors import FontLoadError  # noqa: F401  (re-exported)

log = logging.getLogger(__name__)

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc", ".woff", ".woff2")
COLLECTION_SUFFIXES = (".ttc", ".otc")
INSTANCE_MODES = ("default", "named")
#: tables the labels depend on (the Unicode mapping, contextual forms, mark positions, metrics):
#: each must lie inside the file and decompile, or the face is skipped with the reason
LABEL_TABLES = ("cmap", "GSUB", "GPOS", "GDEF", "head", "hhea", "maxp", "hmtx", "OS/2")


@dataclass
class FontFace:
    """One face of a font file at one variation location.

    Attributes:
        path: the file.
        face_index: index of the face in a collection; 0 for single fonts.
        location: design-space coordinates of a named instance, e.g. ``{"wght": 700.0}``;
            None for the font as stored (a variable font's default instance).
        file_hash: sha256 hex; the ``fonts.file_hash`` / ``glyphs.f_id`` key.
        ttfont: the opened font (instantiated at ``location`` when set).
        hb_data: bytes HarfBuzz can read (sfnt, not WOFF) for the face, see ``hb_index``.
        hb_index: face index inside ``hb_data``.
        instance_name: the named instance's style name, e.g. ``"Bold"``; None for the default.
    """

    path: Path
    face_index: int
    location: dict[str, float] | None
    file_hash: str
    ttfont: TTFont
    hb_data: bytes
    hb_index: int
    instance_name: str | None = None

    @property
    def instance(self) -> str | None:
        """``'wght=700,wdth=100'`` for a named instance, None for the default."""
        return format_location(self.location)


def format_location(location: dict[str, float] | None) -> str | None:
    """``{"wght": 700.0, "wdth": 100.0}`` -> ``'wdth=100,wght=700'`` (axes sorted); None stays."""
    if location is None:
        return None
    return ",".join(f"{tag}={value:g}" for tag, value in sorted(location.items()))


def face_hash(
    file_bytes: bytes, face_index: int = 0, location: dict[str, float] | None = None
) -> str:
    """sha256 hex of a face: the file bytes, plus face index and location when not default.

    The plain file hash is kept for face 0 at the default location, so a single static font's
    key is the sha256 of its file (what ``sha256sum`` prints).
    """
    h = hashlib.sha256(file_bytes)
    if face_index or location is not None:
        h.update(f"\0face={face_index}\0loc={format_location(location) or ''}".encode())
    return h.hexdigest()


def find_font_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and folders (recursively) into font files.

    Args:
        paths: files or folders.

    Returns:
        ``(fonts, problems)``: font files with a supported suffix (case-insensitive), sorted
        within each folder and without duplicates; ``(path, reason)`` for paths that do not
        exist or files with another suffix given explicitly.
    """
    fonts: list[Path] = []
    problems: list[tuple[Path, str]] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            fonts.append(p)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and child.suffix.lower() in FONT_SUFFIXES:
                    add(child)
                elif child.is_symlink() and not child.exists():
                    problems.append((child, _broken_link(child)))
        elif p.is_symlink() and not p.exists():
            problems.append((p, _broken_link(p)))
        elif p.is_file():
            if p.suffix.lower() in FONT_SUFFIXES:
                add(p)
            else:
                problems.append((p, f"unsupported file type {p.suffix or '(none)'}"))
        else:
            problems.append((p, "no such file or folder"))
    return fonts, problems


def _broken_link(link: Path) -> str:
    """Why the symbolic link ``link`` leads nowhere: its target is gone, or links loop."""
    try:
        target = link.readlink()
    except OSError:
        return "dangling symbolic link"
    try:
        os.stat(link)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"symlink loop (following its target {target} never reaches a file)"
    return f"dangling symbolic link (its target {target} does not exist)"


def check_label_tables(font: TTFont, data_size: int | None = None) -> None:
    """Raise :class:`FontLoadError` when a table of :data:`LABEL_TABLES` is damaged.

    A truncated file keeps its table directory: HarfBuzz then drops a GSUB or GPOS that lies
    past the end without a word, and the contextual forms come out as the isolated glyph.
    Each table must lie inside the file (``data_size`` bytes; sfnt only, not WOFF) and its
    top level must decompile (fontTools; subtables load lazily, so this stays cheap).
    """
    reader = getattr(font, "reader", None)
    entries = getattr(reader, "tables", {}) if reader is not None else {}
    for tag in LABEL_TABLES:
        if tag not in entries:
            continue
        entry = entries[tag]
        if data_size is not None and font.flavor is None:
            end = entry.offset + entry.length
            if end > data_size:
                raise FontLoadError(
                    f"table {tag.strip()} is truncated (it ends at byte {end}, the file at "
                    f"{data_size}); the labels depend on it, font skipped"
                )
        try:
            table = font[tag]
            if tag in ("GSUB", "GPOS"):
                _probe_layout(table.table)
        except Exception as exc:  # fontTools raises many exception types on damaged tables
            raise FontLoadError(
                f"table {tag.strip()} is damaged ({type(exc).__name__}: {exc}); the labels "
                "depend on it, font skipped"
            ) from exc


def _probe_layout(table) -> None:
    """Read a GSUB/GPOS table's version and the headers of its script, feature and lookup
    lists (not the lookups' subtables: ~10 ms on Amiri, where decompiling all takes ~1 s)."""
    if table.Version not in (0x00010000, 0x00010001):
        raise ValueError(f"unknown version {table.Version:#010x}")
    for name, count in (
        ("ScriptList", "ScriptCount"),
        ("FeatureList", "FeatureCount"),
        ("LookupList", "LookupCount"),
    ):
        part = getattr(table, name, None)
        if part is not None:
            getattr(part, count)
    if getattr(table, "LookupList", None) is not None:
        for lookup in table.LookupList.Lookup:
            _ = lookup.LookupType


def _sfnt_bytes(font: TTFont) -> bytes:
    """Serialize ``font`` as plain sfnt (HarfBuzz does not decode WOFF/WOFF2)."""
    font.flavor = None
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


def _named_instances(font: TTFont) -> list[tuple[dict[str, float], str]]:
    """``(location, style name)`` of each fvar named instance that is not the default."""
    fvar = font["fvar"]
    default = {a.axisTag: a.defaultValue for a in fvar.axes}
    out = []
    for inst in fvar.instances:
        loc = dict(inst.coordinates)
        if all(abs(loc.get(tag, val) - val) < 1e-9 for tag, val in default.items()):
            continue  # the default instance is ingested already; a copy would duplicate rows
        name = font["name"].getDebugName(inst.subfamilyNameID) or format_location(loc)
        out.append((loc, name))
    return out


def iter_faces(
    path: str | Path,
    instances: str = "default",
    skip_hashes: frozenset[str] | set[str] = frozenset(),
    check_tables: bool = True,
) -> Iterator[FontFace | tuple[str, str]]:
    """Open every face (and, with ``instances='named'``, every named instance) of a font file.

    One function, over 80 lines, because each branch (collection member, named instance,
    static face) yields a face from the same loop.

    Args:
        path: a .ttf/.otf/.ttc/.otc/.woff/.woff2 file.
        instances: ``'default'`` (each face as stored) or ``'named'`` (also every fvar named
            instance of variable faces, except one at the default location).
        skip_hashes: hashes already ingested; such faces are not opened or instantiated.
        check_tables: refuse a face whose cmap/GSUB/GPOS/metrics are damaged
            (:func:`check_label_tables`; labels depend on them). ``identify`` reads outlines
            only, of fonts whose cmap or GSUB may well be broken, and turns this off.

    Yields:
        A :class:`FontFace`, or ``(file_hash, label)`` for a face skipped via ``skip_hashes``
        (``label`` names the face/instance for the summary).

    Raises:
        FontLoadError: the file cannot be read or parsed (raised before anything is yielded
            when the file itself is bad; a bad named instance raises when reached).
    """
    path = Path(path)
    if instances not in INSTANCE_MODES:
        raise ValueError(f"instances must be one of {INSTANCE_MODES}, got {instances!r}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FontLoadError(f"cannot read file ({exc.strerror or exc})") from exc
    try:
        if data[:4] == b"ttcf":
            fonts = list(TTCollection(io.BytesIO(data), lazy=True).fonts)
        else:
            fonts = [TTFont(io.BytesIO(data), lazy=True)]
        for f in fonts:
            f.getGlyphOrder()  # forces maxp/post parsing so garbage fails here
    except Exception as exc:  # fontTools raises many exception types on garbage input
        raise FontLoadError(f"not a readable font ({type(exc).__name__}: {exc})") from exc

    for index, font in enumerate(fonts):
        if "glyf" not in font and "CFF " not in font and "CFF2" not in font:
            raise FontLoadError(
                f"face {index}: no glyf/CFF outlines (bitmap-only or SVG fonts are not supported)"
            )
        try:
            if check_tables:
                check_label_tables(font, len(data))
        except FontLoadError as exc:
            raise FontLoadError(f"face {index}: {exc}" if len(fonts) > 1 else str(exc)) from exc
        if font.flavor is None and data[:4] != b"ttcf":
            hb_data, hb_index = data, 0
        elif font.flavor is None:
            hb_data, hb_index = data, index
        else:
            hb_data, hb_index = _sfnt_bytes(TTFont(io.BytesIO(data))), 0
        default_hash = face_hash(data, index)
        if default_hash in skip_hashes:
            yield default_hash, _face_label(path, index, None)
        else:
            yield FontFace(path, index, None, default_hash, font, hb_data, hb_index)
        if instances != "named" or "fvar" not in font:
            continue
        for location, name in _named_instances(font):
            h = face_hash(data, index, location)
            if h in skip_hashes:
                yield h, _face_label(path, index, location)
                continue
            from fontTools.varLib import instancer  # lazily: a slow import identify never needs

            try:
                # A fresh, fully loaded copy: instancer mutates and needs every table.
                base = (
                    TTCollection(io.BytesIO(data)).fonts[index]
                    if data[:4] == b"ttcf"
                    else TTFont(io.BytesIO(data))
                )
                static = instancer.instantiateVariableFont(base, location, inplace=True)
            except Exception as exc:
                raise FontLoadError(
                    f"instance {format_location(location)}: cannot instantiate ({exc})"
                ) from exc
            yield FontFace(path, index, location, h, static, hb_data, hb_index, instance_name=name)


def _face_label(path: Path, index: int, location: dict[str, float] | None) -> str:
    label = str(path)
    if index:
        label += f"#{index}"
    if location is not None:
        label += f"@{format_location(location)}"
    return label


def face_label(face: FontFace) -> str:
    """Human-readable name of a face for messages: ``path[#index][@location]``."""
    return _face_label(face.path, face.face_index, face.location)


def _int_or_none(value) -> int | None:
    return None if value is None else int(round(value))


def font_metrics(font: TTFont) -> dict[str, int | None]:
    """Vertical metrics of ``font`` for the ``fonts`` table, in font units.

    Returns:
        ``upem`` (head.unitsPerEm), ``ascent``/``descent``/``line_gap`` (hhea; descent is
        negative below the baseline), ``typo_ascent``/``typo_descent`` (OS/2 sTypo*),
        ``x_height``/``cap_height`` (OS/2 sxHeight/sCapHeight, version >= 2). A value the font
        lacks is None.
    """
    out: dict[str, int | None] = dict.fromkeys(FONT_METRIC_COLUMNS)
    if "head" in font:
        out["upem"] = _int_or_none(font["head"].unitsPerEm)
    if "hhea" in font:
        hhea = font["hhea"]
        out["ascent"] = _int_or_none(hhea.ascent)
        out["descent"] = _int_or_none(hhea.descent)
        out["line_gap"] = _int_or_none(hhea.lineGap)
    if "OS/2" in font:
        os2 = font["OS/2"]
        out["typo_ascent"] = _int_or_none(os2.sTypoAscender)
        out["typo_descent"] = _int_or_none(os2.sTypoDescender)
        if os2.version >= 2:
            out["x_height"] = _int_or_none(getattr(os2, "sxHeight", None))
            out["cap_height"] = _int_or_none(getattr(os2, "sCapHeight", None))
    return out


def font_names(font: TTFont) -> tuple[str | None, str | None]:
    """``(family, style)`` from the name table: typographic names (16/17) first, then 1/2."""
    if "name" not in font:
        return None, None
    name = font["name"]
    family = name.getDebugName(16) or name.getDebugName(1)
    style = name.getDebugName(17) or name.getDebugName(2)
    return family, style
