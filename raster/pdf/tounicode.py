"""Read and write ToUnicode CMaps (PDF 32000-1, 9.10.3).

Reading uses pdfminer.six's CMap parser. Writing is ours: no maintained library writes a
stand-alone ToUnicode CMap (PDF producers keep theirs internal), and the format is a short,
fixed PostScript template of ``bfchar`` entries.
"""

from __future__ import annotations

import io
import unicodedata

from raster.labels import LabelError, codepoint_problem

_HEADER = """/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /{name} def
/CMapType 2 def
1 begincodespacerange
<{low}> <{high}>
endcodespacerange
"""
_FOOTER = """endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""
_CHUNK = 100  # the CMap format allows at most 100 entries per bfchar block


def parse_tounicode(data: bytes) -> dict[int, str]:
    """code -> text of a ToUnicode CMap stream (its decoded bytes); unparsable -> {}."""
    from pdfminer.cmapdb import CMapParser, FileUnicodeMap

    cmap = FileUnicodeMap()
    try:
        CMapParser(cmap, io.BytesIO(data)).run()
    except Exception:  # pdfminer raises PSEOF and friends on truncated data
        return {}
    return {int(code): str(text) for code, text in cmap.cid2unichr.items()}


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def build_tounicode(mapping: dict[int, str], code_bytes: int, name: str = "Raster-UCS") -> bytes:
    """A ToUnicode CMap mapping each code to its text.

    Args:
        mapping: code -> text (one character, or several for a ligature); empty texts skipped.
        code_bytes: 1 for simple fonts, 2 for Type0 fonts with Identity CMaps.
        name: the CMap's name.

    Returns:
        The CMap program (ASCII bytes) for the font's ``/ToUnicode`` stream.

    Raises:
        LabelError: a text holds a surrogate, which UTF-16 cannot write (the code is named;
            U+0000 and noncharacters, which declared maps hold, are kept).
    """
    if code_bytes not in (1, 2):
        raise ValueError(f"code_bytes must be 1 or 2, got {code_bytes}")
    digits = 2 * code_bytes
    out = [_HEADER.format(name=name, low="0" * digits, high="F" * digits)]
    items = sorted((c, unicodedata.normalize("NFC", t)) for c, t in mapping.items() if t)
    for code, text in items:
        lone = [ord(ch) for ch in text if 0xD800 <= ord(ch) <= 0xDFFF]  # UTF-16 cannot hold one
        if lone:
            why = codepoint_problem(lone[0])
            raise LabelError(f"code {code}: text {text!r}: {why}; not written into a ToUnicode map")
    for start in range(0, len(items), _CHUNK):
        chunk = items[start : start + _CHUNK]
        out.append(f"{len(chunk)} beginbfchar\n")
        out.extend(f"<{code:0{digits}X}> <{_utf16_hex(text)}>\n" for code, text in chunk)
        out.append("endbfchar\n")
    out.append(_FOOTER)
    return "".join(out).encode("ascii")
