"""Write a repaired cmap from predictions, and check it by shaping with HarfBuzz.

An isol glyph is mapped from its base codepoint; an init/medi/fina glyph from its Unicode
presentation-form codepoint (Arabic Presentation Forms-A/B) where one exists. With those
entries, HarfBuzz shapes base text to the predicted glyphs (through the font's GSUB when it has
one, else through its Arabic fallback, which uses the presentation-form cmap entries), and text
extracted from documents set in the font comes back as real characters.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont, newTable
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

from raster.data.shaping import Shaper, form_text
from raster.data.unicode_tables import presentation_forms
from raster.labels import LabelError, codepoint_problem
from raster.paths import atomic_output

BMP_LIMIT = 0xFFFF
COLLECTION_SUFFIXES = (".ttc", ".otc")


@dataclass(frozen=True)
class CmapEntry:
    """One mapping of the new cmap: ``codepoint`` -> glyph ``gid``/``name`` for ``label``."""

    codepoint: int
    gid: int
    name: str
    base: int
    form: str
    confidence: float


def encoded_codepoint(base: int, form: str) -> int | None:
    """The codepoint that encodes (base, form): base for isol, else its presentation form."""
    if form == "isol":
        return base
    pres = presentation_forms().get((base, form))
    return pres[0] if pres else None


def cmap_entries(predictions: list[dict], min_confidence: float) -> list[CmapEntry]:
    """Choose the cmap entries: one glyph per codepoint, the most confident.

    Args:
        predictions: dicts with ``gid``, ``glyph_name``, ``codepoint`` (base), ``form`` and
            ``confidence`` (rows without a codepoint are skipped).
        min_confidence: keep predictions at least this confident.

    Returns:
        Entries sorted by codepoint.

    Raises:
        LabelError: a prediction to map names a surrogate, U+0000 or a noncharacter.
    """
    best: dict[int, CmapEntry] = {}
    for p in predictions:
        if p.get("codepoint") is None or p["confidence"] < min_confidence:
            continue
        cp = encoded_codepoint(int(p["codepoint"]), p["form"])
        if cp is None:
            continue
        why = codepoint_problem(cp)
        if why:
            raise LabelError(
                f"glyph {p['gid']} ({p['glyph_name']}): label {p.get('label', '')!r}: {why}; "
                "not written into a cmap"
            )
        e = CmapEntry(
            cp,
            int(p["gid"]),
            p["glyph_name"],
            int(p["codepoint"]),
            p["form"],
            float(p["confidence"]),
        )
        if cp not in best or e.confidence > best[cp].confidence:
            best[cp] = e
    return [best[cp] for cp in sorted(best)]


def _subtable(fmt: int, platform: int, encoding: int, mapping: dict[int, str]):
    t = CmapSubtable.newSubtable(fmt)
    t.platformID, t.platEncID, t.language = platform, encoding, 0
    t.cmap = dict(mapping)
    if fmt == 12:
        t.format, t.reserved, t.length, t.nGroups = 12, 0, 0, 0
    return t


def write_cmap(
    src: str | Path, out: str | Path, entries: list[CmapEntry], face_index: int = 0
) -> Path:
    """Copy ``src`` to ``out`` with a cmap holding exactly ``entries``.

    Subtables: format 4 (Windows Unicode BMP 3/1 and Unicode 0/3) for codepoints up to
    U+FFFF; with any codepoint beyond, also format 12 (3/10 and 0/4) holding all of them.
    The output is plain sfnt unless ``out`` ends in .woff/.woff2; when it ends in .ttc/.otc it
    is a collection: every face of ``src``, face ``face_index`` with the new cmap. The file is
    written to a temporary name in ``out``'s folder and moved into place when complete.

    Raises:
        ValueError: ``entries`` is empty (a font without a cmap maps no text).
    """
    if not entries:
        raise ValueError("no cmap entries: refusing to write a font that maps no character")
    src, out = Path(src), Path(out)
    mapping = {e.codepoint: e.name for e in entries}
    bmp = {cp: n for cp, n in mapping.items() if cp <= BMP_LIMIT}
    cmap = newTable("cmap")
    cmap.tableVersion = 0
    cmap.tables = [_subtable(4, 0, 3, bmp), _subtable(4, 3, 1, bmp)]
    if len(bmp) < len(mapping):
        cmap.tables += [_subtable(12, 0, 4, mapping), _subtable(12, 3, 10, mapping)]
    suffix = out.suffix.lower()
    if suffix in COLLECTION_SUFFIXES:
        if src.read_bytes()[:4] == b"ttcf":
            target = TTCollection(src)
        else:
            target = TTCollection()
            target.fonts = [TTFont(src)]
        for f in target.fonts:
            f.flavor = None
        target.fonts[face_index]["cmap"] = cmap
    else:
        target = TTFont(src, fontNumber=face_index)
        target["cmap"] = cmap
        target.flavor = suffix[1:] if suffix in (".woff", ".woff2") else None
    with atomic_output(out, mode_of=src) as tmp:  # keep the input's mode
        target.save(tmp)
    return out


@dataclass(frozen=True)
class ShapingCheck:
    """HarfBuzz's answer for one entry: ``text`` shaped to ``got`` (glyph ids).

    ``font_gives``: the glyphs the original font's own cmap and GSUB shape ``text`` to, when
    its cmap has this very entry (else None); ``got_labels``: the predicted (codepoint, form)
    of each glyph in ``got``.
    """

    entry: CmapEntry
    text: str
    got: tuple[int, ...]
    font_gives: tuple[int, ...] | None = None
    got_labels: tuple[tuple[int, str] | None, ...] = ()

    @property
    def ok(self) -> bool:
        """The predicted glyph came out alone."""
        return self.got == (self.entry.gid,)

    @property
    def as_the_font_does(self) -> bool:
        """Not the predicted glyph, but what the font itself draws for the text: the entry is
        in the font's own cmap and HarfBuzz gives the glyphs its own cmap and GSUB give (a
        form glyph of its GSUB that looks like the presentation-form glyph, a letter its
        ``ccmp`` decomposes), or HarfBuzz gives one glyph predicted as the same character and
        form. The mapping is right."""
        if self.ok:
            return False
        if self.font_gives is not None and self.got == self.font_gives:
            return True
        return len(self.got) == 1 and self.got_labels == ((self.entry.base, self.entry.form),)


def _sfnt_bytes(path: Path, face_index: int) -> tuple[TTFont, bytes]:
    """One face of ``path`` as plain sfnt bytes (HarfBuzz reads neither WOFF2 nor TTC
    faces by name), with its TTFont."""
    collection = path.suffix.lower() in COLLECTION_SUFFIXES or path.read_bytes()[:4] == b"ttcf"
    font = TTFont(path, fontNumber=face_index if collection else -1)
    font.flavor = None
    buf = io.BytesIO()
    font.save(buf)
    return font, buf.getvalue()


def verify_cmap(
    path: str | Path,
    entries: list[CmapEntry],
    face_index: int = 0,
    *,
    original: str | Path | None = None,
    labels: dict[int, tuple[int, str]] | None = None,
) -> list[ShapingCheck]:
    """Shape each entry's text with HarfBuzz in the written font.

    The text is the base character in its form's joining context (:func:`form_text`) when the
    base codepoint is in the new cmap, else the presentation-form character itself.

    Args:
        original: the font the copy was made from: its own shaping of each text, when it has
            a cmap (:attr:`ShapingCheck.as_the_font_does`).
        labels: ``{gid: (codepoint, form)}`` of the predictions, for a font without a cmap.

    Returns:
        One :class:`ShapingCheck` per entry (``ok``: the predicted glyph came out alone).
    """
    shaper = Shaper(_sfnt_bytes(Path(path), face_index)[1])
    reference, own = None, {}
    if original is not None:
        font, data = _sfnt_bytes(Path(original), face_index)
        own = font.getBestCmap() or {} if "cmap" in font else {}
        reference = Shaper(data) if own else None
    labels = labels or {}
    mapped = {e.codepoint for e in entries}
    checks = []
    for e in entries:
        text = form_text(e.base, e.form) if e.base in mapped else chr(e.codepoint)
        got = tuple(g.gid for g in shaper.shape(text))
        gives = None
        if reference is not None and own.get(e.codepoint) == e.name:  # the font's own entry
            gives = tuple(g.gid for g in reference.shape(text))
        checks.append(ShapingCheck(e, text, got, gives, tuple(labels.get(g) for g in got)))
    return checks


def write_checked_cmap(
    src: str | Path,
    dst: str | Path,
    predictions: list[dict],
    min_confidence: float,
    face_index: int = 0,
) -> tuple[list[CmapEntry], list[ShapingCheck]]:
    """Write ``dst``, a copy of ``src`` with a cmap from the predictions at least
    ``min_confidence`` sure, and shape each entry back with HarfBuzz (:func:`verify_cmap`,
    against ``src``'s own shaping and the predictions).

    Returns:
        ``(entries, checks)``; both empty, and nothing written, when no prediction is sure
        enough (a font with an empty cmap would map no text).
    """
    entries = cmap_entries(predictions, min_confidence)
    if not entries:
        return [], []
    write_cmap(src, dst, entries, face_index)
    labels = {
        int(p["gid"]): (int(p["codepoint"]), p["form"])
        for p in predictions
        if p.get("codepoint") is not None
    }
    return entries, verify_cmap(dst, entries, face_index, original=src, labels=labels)
