"""Twins: label pairs that the fonts themselves draw with one glyph.

Some pairs cannot be told apart from the outline (Farsi yeh and alef maksura in isol/fina,
keheh and kaf in init/medi, ...). A pair counts as twins when, among the fonts of the corpus
that have both labels as single glyphs, at least ``min_share`` draw both with the *same*
glyph (HarfBuzz shapes both to one glyph index): the fonts' own statement that the shapes are
identical. The merged figure scores a prediction right when it is a twin of the truth; the
strict figure stays the headline.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations
from pathlib import Path

from raster.data.schema import read_rows


def font_twins(db: str | Path, min_share: float = 0.5, min_fonts: int = 3) -> list[dict]:
    """Label pairs drawn with one glyph in at least ``min_share`` of the fonts that have both.

    Returns:
        ``{"a", "b", "same", "both", "share"}`` per pair (``a`` < ``b``; ``same``: fonts drawing
        them with one glyph, ``both``: fonts having both), most shared first.
    """
    rows = read_rows(db, "SELECT f_id, gid, label FROM glyphs WHERE gid IS NOT NULL ORDER BY f_id")
    same: Counter = Counter()
    has: dict[str, set[str]] = {}
    per_font: dict[str, dict[int, list[str]]] = {}
    for f, gid, label in rows:
        per_font.setdefault(f, {}).setdefault(gid, []).append(label)
        has.setdefault(label, set()).add(f)
    for glyphs in per_font.values():
        for labels in glyphs.values():
            for a, b in combinations(sorted(set(labels)), 2):
                same[(a, b)] += 1
    out = []
    for (a, b), n in same.items():
        both = len(has[a] & has[b])
        if both >= min_fonts and n / both >= min_share:
            out.append({"a": a, "b": b, "same": n, "both": both, "share": n / both})
    return sorted(out, key=lambda p: (-p["share"], -p["same"], p["a"], p["b"]))


def twin_classes(pairs: list[dict]) -> dict[str, str]:
    """label -> representative label of its twin class (union of the pairs)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        ra, rb = find(p["a"]), find(p["b"])
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in parent}
