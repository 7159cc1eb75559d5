"""Generate ``raster/data/arabic_shaping.json`` from Unicode's ArabicShaping.txt.

The package reads joining types and joining groups from this small committed table instead of
parsing the UCD file at run time (the file is not on every machine). Re-run after a Unicode
update: ``python tools/gen_unicode_tables.py [--source PATH] [--out PATH]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

DEFAULT_SOURCE = Path("/usr/share/unicode/ArabicShaping.txt")
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "raster" / "data" / "arabic_shaping.json"


def parse_arabic_shaping(text: str) -> tuple[str, list[tuple[int, str, str | None]]]:
    """Parse ArabicShaping.txt.

    Args:
        text: the file's contents.

    Returns:
        ``(version, entries)``: the file's Unicode version (e.g. ``"15.0.0"``, ``"?"`` when the
        header lacks it) and one ``(codepoint, joining_type, joining_group)`` per data line;
        ``joining_group`` is the formal property value (spaces become underscores, e.g.
        ``TEH_MARBUTA``) or None for ``No_Joining_Group``.

    Raises:
        ValueError: a data line does not have four ``;``-separated fields.
    """
    match = re.search(r"ArabicShaping-(\d+\.\d+\.\d+)\.txt", text)
    version = match.group(1) if match else "?"
    entries = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fields = [f.strip() for f in line.split(";")]
        if len(fields) != 4:
            raise ValueError(f"ArabicShaping.txt line {lineno}: expected 4 fields, got {line!r}")
        cp = int(fields[0], 16)
        group = None if fields[3] == "No_Joining_Group" else fields[3].replace(" ", "_")
        entries.append((cp, fields[2], group))
    return version, entries


def compact_ranges(entries: list[tuple[int, str, str | None]]) -> list[list]:
    """Merge consecutive codepoints with the same type and group into ``[first, last, jt, jg]``."""
    ranges: list[list] = []
    for cp, jt, jg in sorted(entries):
        if ranges and ranges[-1][1] == cp - 1 and ranges[-1][2] == jt and ranges[-1][3] == jg:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp, jt, jg])
    return ranges


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    io = parser.add_argument_group("files")
    io.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="ArabicShaping.txt")
    io.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON table to write")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        text = args.source.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"{args.source}: cannot read ({exc.strerror}); install Debian's unicode-data")
        return 1
    version, entries = parse_arabic_shaping(text)
    table = {
        "source": f"ArabicShaping-{version}.txt",
        "unicode_version": version,
        "note": "ranges: [first_cp, last_cp, joining_type, joining_group or null]; codepoints "
        "not listed are T when their category is Mn/Me/Cf, else U",
        "ranges": compact_ranges(entries),
    }
    # One range per line keeps the committed file small and its diffs readable.
    body = ",\n".join("  " + json.dumps(r) for r in table["ranges"])
    head = {k: v for k, v in table.items() if k != "ranges"}
    text_out = json.dumps(head, indent=1)[:-2] + ',\n "ranges": [\n' + body + "\n ]\n}\n"
    json.loads(text_out)  # the hand-assembled layout must stay valid JSON
    args.out.write_text(text_out, encoding="utf-8")
    print(f"{args.out}: {len(entries)} codepoints in {len(table['ranges'])} ranges ({version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
