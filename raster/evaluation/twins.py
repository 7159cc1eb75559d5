"""Twins: label pairs that the fonts themselves draw identically.

Some pairs cannot be told apart from the outline (Farsi yeh and alef maksura in isol/fina,
keheh and kaf in init/medi, ARABIC-INDIC and EXTENDED ARABIC-INDIC digits, ...). A pair counts
as twins when, among the fonts of the corpus that have both labels, at least ``min_share``
draw both with the *same outline*: one glyph that HarfBuzz shapes both to, or two glyphs (or
composed rows) whose contours are equal point for point. That is the fonts' own statement that
the shapes are identical, and the rule merges nothing else. The merged figure scores a
prediction right when it is a twin of the truth; the strict figure stays the headline.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations
from pathlib import Path

from raster.data.schema import read_rows


def font_twins(db: str | Path, min_share: float = 0.5, min_fonts: int = 3) -> list[dict]:
    """Label pairs drawn with one outline in at least ``min_share`` of the fonts that have both.

    Returns:
        ``{"a", "b", "same", "both", "share"}`` per pair (``a`` < ``b``; ``same``: fonts drawing
        them with one outline, ``both``: fonts having both), most shared first.
    """
    # SQLite groups equal outlines (the contours JSON as ingest wrote it) within each font
    shared = read_rows(
        db,
        "SELECT f_id, group_concat(label, ' ') FROM glyphs WHERE contours IS NOT NULL "
        "GROUP BY f_id, contours HAVING count(*) > 1",
    )
    rows = read_rows(db, "SELECT DISTINCT f_id, label FROM glyphs WHERE contours IS NOT NULL")
    has: dict[str, set[str]] = {}
    for f, label in rows:
        has.setdefault(label, set()).add(f)
    same: Counter = Counter()
    for f, labels in shared:
        for a, b in combinations(sorted(set(labels.split(" "))), 2):
            same[(a, b, f)] = 1
    per_pair: Counter = Counter((a, b) for a, b, _ in same)
    out = []
    for (a, b), n in per_pair.items():
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
