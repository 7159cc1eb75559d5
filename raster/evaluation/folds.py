"""Leave-families-out folds: relatives (one family key) always fall in the same fold.

Family keys and design classes come from :mod:`raster.data.corpus`. Keys are dealt to folds
class by class (seeded shuffle within a class), each to the fold that has the fewest keys so
far, so every fold tests every design class that has at least ``k`` keys.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from raster.data.corpus import family_info
from raster.data.schema import font_source_columns, read_rows


@dataclass(frozen=True)
class CorpusFont:
    """One face of the corpus DB: ``file_hash`` (``fonts.file_hash``), file ``path``,
    ``instance`` (None: as stored), ``family``, ``key`` and ``design_class``."""

    file_hash: str
    path: str
    instance: str | None
    family: str
    key: str
    design_class: str


def corpus_fonts(db: str | Path) -> list[CorpusFont]:
    """Every face of the glyph DB ``db`` with its family key and design class.

    Reads this project's ``fonts`` columns or the user's original ones (``file_path``,
    ``family_name``, see :func:`~raster.data.schema.font_source_columns`); a DB with no path
    column gives ``path`` "" (no font file to open), one with no family name keys each face by
    its file name, else by its hash.
    """
    have = {r[1] for r in read_rows(db, "PRAGMA table_info(fonts)")}
    path, family = font_source_columns(have)
    instance = "instance" if "instance" in have else "NULL"
    rows = read_rows(
        db,
        f"SELECT file_hash, {path}, {instance}, {family} FROM fonts "
        f"ORDER BY {path}, {instance}, file_hash",
    )
    out = []
    for h, p, inst, fam in rows:
        fam = fam or (Path(p).stem if p else "") or h
        info = family_info(fam)
        out.append(CorpusFont(h, p or "", inst, fam, info.key, info.design_class))
    return out


def key_classes(fonts: list[CorpusFont]) -> dict[str, str]:
    """family key -> design class (the most common class among the key's faces; ties: by
    name)."""
    per: dict[str, Counter] = {}
    for f in fonts:
        per.setdefault(f.key, Counter())[f.design_class] += 1
    return {k: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for k, c in per.items()}


def split_folds(classes: dict[str, str], k: int, seed: int) -> list[list[str]]:
    """Deal family keys into ``k`` folds, stratified by design class.

    Args:
        classes: family key -> design class.
        k: number of folds (2 or more, at most the number of keys).
        seed: the shuffle's seed (same seed, same folds).

    Returns:
        ``k`` sorted lists of keys; every key is in exactly one.
    """
    if k < 2 or k > len(classes):
        raise ValueError(f"folds must be in [2, {len(classes)}] (one family key each), got {k}")
    rng = random.Random(seed)
    folds: list[list[str]] = [[] for _ in range(k)]
    by_class: dict[str, list[str]] = {}
    for key, cls in sorted(classes.items()):
        by_class.setdefault(cls, []).append(key)
    # big classes first: the small ones then even out the fold sizes
    for cls in sorted(by_class, key=lambda c: (-len(by_class[c]), c)):
        keys = by_class[cls]
        rng.shuffle(keys)
        for key in keys:
            have = [sum(classes[x] == cls for x in f) for f in folds]
            target = min(range(k), key=lambda i: (have[i], len(folds[i]), i))
            folds[target].append(key)
    return [sorted(f) for f in folds]


def copy_without_fonts(src: str | Path, dst: str | Path, file_hashes: set[str]) -> int:
    """Copy the glyph DB ``src`` to ``dst`` without the faces ``file_hashes`` (and their glyphs).

    Returns:
        Faces removed. The copy appears under ``dst`` only when complete.
    """
    src, dst = Path(src), Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    tmp.unlink(missing_ok=True)
    with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as a, sqlite3.connect(tmp) as b:
        a.backup(b)
    conn = sqlite3.connect(tmp)
    try:
        conn.execute("CREATE TEMP TABLE drop_fonts (h TEXT PRIMARY KEY)")
        conn.executemany("INSERT INTO drop_fonts VALUES (?)", [(h,) for h in sorted(file_hashes)])
        conn.execute("DELETE FROM glyphs WHERE f_id IN (SELECT h FROM drop_fonts)")
        removed = conn.execute(
            "DELETE FROM fonts WHERE file_hash IN (SELECT h FROM drop_fonts)"
        ).rowcount
        conn.commit()
        conn.execute("VACUUM")
    finally:
        conn.close()
    shutil.move(str(tmp), str(dst))
    return removed
