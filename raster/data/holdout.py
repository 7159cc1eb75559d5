"""Family hold-out: a copy of a glyph DB without one font family, for honest evaluation.

Fonts of a held-out family are never seen in training; ``identify --evaluate`` then scores the
model on them (the demo and ``bench/bench_identify.py`` both split this way).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from raster.errors import HoldoutError  # noqa: F401  (re-exported)


def copy_without_family(src: str | Path, dst: str | Path, family: str) -> list[dict]:
    """Copy the DB ``src`` to ``dst`` without the fonts (and glyphs) of ``family``.

    Args:
        src: glyph database (fonts.family must be filled, as ``raster.ingest`` does).
        dst: the copy to write (replaced if present).
        family: ``fonts.family`` value to hold out, e.g. ``Amiri``.

    Returns:
        The held-out fonts' rows: ``file_hash``, ``path``, ``instance``, ``style``.

    Raises:
        HoldoutError: no font of that family in ``src`` (the message lists the families).
    """
    src, dst = Path(src), Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    tmp.unlink(missing_ok=True)
    with sqlite3.connect(src) as a, sqlite3.connect(tmp) as b:
        a.backup(b)
    conn = sqlite3.connect(tmp)
    try:
        conn.row_factory = sqlite3.Row
        held = [
            dict(r)
            for r in conn.execute(
                "SELECT file_hash, path, instance, style FROM fonts WHERE family = ? ORDER BY path, instance",
                (family,),
            )
        ]
        if not held:
            families = [r[0] for r in conn.execute("SELECT DISTINCT family FROM fonts ORDER BY 1")]
            raise HoldoutError(
                f"{src}: no font of family {family!r} (families: {', '.join(map(str, families))})"
            )
        conn.execute(
            "DELETE FROM glyphs WHERE f_id IN (SELECT file_hash FROM fonts WHERE family = ?)",
            (family,),
        )
        conn.execute("DELETE FROM fonts WHERE family = ?", (family,))
        conn.commit()
        conn.execute("VACUUM")
    finally:
        conn.close()
    tmp.replace(dst)  # a killed copy never looks like a finished one
    return held
