"""Statistics of a glyph database: counts per label, form, joining group, char class, font.

Reads databases built by ``raster.ingest`` and the user's original ``glyphs.db`` (no
``form``/``shaping`` columns: the form is then read from the label's suffix).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from raster.data.schema import FORMS, connect, table_columns
from raster.labels import label_codepoints, label_form

log = logging.getLogger(__name__)

# SQL for the form of a row: the label's suffix after '_' ('1593_init' -> 'init').
_FORM_FROM_LABEL = "substr(label, instr(label, '_') + 1)"


def _counts(conn: sqlite3.Connection, expr: str, where: str = "") -> dict[str, int]:
    sql = f"SELECT {expr} AS k, COUNT(*) AS n FROM glyphs {where} GROUP BY k ORDER BY n DESC, k"
    return {str(k): n for k, n in conn.execute(sql)}


def summarize(db_path: str | Path, fewest: int = 10) -> dict:
    """Statistics of the glyph database at ``db_path``.

    Args:
        db_path: an existing SQLite glyph database.
        fewest: how many fonts to list under ``fonts_with_fewest_labels``.

    Returns:
        A JSON-serializable dict: ``fonts``, ``glyphs``, ``labels`` (distinct), ``per_form``
        (``{form: {"glyphs": n, "labels": n}}``), ``per_shaping``, ``same_as_isol``,
        ``per_joining_group``, ``per_char_class``, ``per_label`` (glyph count per label, most
        first), ``per_font`` (list of ``{file_hash, family, style, instance, glyphs,
        labels}``), ``single_glyph_labels`` (labels with exactly one glyph),
        ``fonts_with_fewest_labels``, ``meta``.

    Raises:
        FileNotFoundError: no database at ``db_path``.
        SchemaError: the file lacks the anchor query's tables/columns.
    """
    conn = connect(db_path)
    try:
        gcols = table_columns(conn, "glyphs")
        fcols = table_columns(conn, "fonts")
        form_expr = "form" if "form" in gcols else _FORM_FROM_LABEL
        n_glyphs = conn.execute("SELECT COUNT(*) FROM glyphs").fetchone()[0]
        per_label = _counts(conn, "label")
        per_form: dict[str, dict[str, int]] = {}
        for form, glyphs, labels in conn.execute(
            f"SELECT {form_expr} AS f, COUNT(*), COUNT(DISTINCT label) FROM glyphs GROUP BY f ORDER BY f"
        ):
            per_form[str(form)] = {"glyphs": glyphs, "labels": labels}
        ordered = {f: per_form.pop(f) for f in FORMS if f in per_form}
        ordered.update(per_form)  # non-standard suffixes (e.g. the anchor's '_shaped') last
        name_cols = [c for c in ("family", "style", "instance") if c in fcols]
        select_names = "".join(f", f.{c}" for c in name_cols)
        per_font = []
        for row in conn.execute(
            f"SELECT g.f_id, COUNT(*) AS glyphs, COUNT(DISTINCT g.label) AS labels{select_names} "
            "FROM glyphs g LEFT JOIN fonts f ON f.file_hash = g.f_id "
            "GROUP BY g.f_id ORDER BY labels, g.f_id"
        ):
            item = {"file_hash": row[0], "glyphs": row[1], "labels": row[2]}
            item.update({c: row[3 + i] for i, c in enumerate(name_cols)})
            per_font.append(item)
        meta = {}
        if table_columns(conn, "meta"):
            meta = {k: v for k, v in conn.execute("SELECT key, value FROM meta ORDER BY key")}
        return {
            "db": str(db_path),
            "fonts": conn.execute("SELECT COUNT(*) FROM fonts").fetchone()[0],
            "glyphs": n_glyphs,
            "labels": len(per_label),
            "per_form": ordered,
            "per_shaping": _counts(conn, "shaping") if "shaping" in gcols else {},
            "same_as_isol": (
                conn.execute("SELECT COUNT(*) FROM glyphs WHERE same_as_isol = 1").fetchone()[0]
                if "same_as_isol" in gcols
                else 0
            ),
            "per_joining_group": _counts(conn, "joining_group"),
            "per_char_class": _counts(conn, "char_class"),
            "per_label": per_label,
            "per_font": per_font,
            "single_glyph_labels": sorted(
                (k for k, n in per_label.items() if n == 1), key=_label_key
            ),
            "fonts_with_fewest_labels": per_font[:fewest],
            "meta": meta,
        }
    finally:
        conn.close()


def _label_key(label: str) -> tuple:
    cps, form = label_codepoints(label), label_form(label)
    return (cps[0] if cps else -1, FORMS.index(form) if form in FORMS else 9, label)


def _font_name(item: dict) -> str:
    name = " ".join(str(item[c]) for c in ("family", "style") if item.get(c))
    if item.get("instance"):
        name += f" @{item['instance']}"
    return f"{name or '?'} ({item['file_hash'][:12]})"


def format_summary(s: dict, top: int = 15) -> str:
    """Human-readable text of :func:`summarize`'s dict; long lists are cut to ``top`` items."""
    lines = [
        f"database: {s['db']}",
        f"fonts: {s['fonts']}  glyphs: {s['glyphs']}  labels: {s['labels']}",
        "",
        "per form (glyphs / labels):",
    ]
    lines += [f"  {f:6s} {v['glyphs']:8d} {v['labels']:6d}" for f, v in s["per_form"].items()]
    if s["per_shaping"]:
        lines.append(
            "per shaping: "
            + ", ".join(f"{k} {v}" for k, v in s["per_shaping"].items())
            + f"; same_as_isol {s['same_as_isol']}"
        )
    lines += ["", "per char class:"] + [f"  {k:14s} {v:8d}" for k, v in s["per_char_class"].items()]
    groups = list(s["per_joining_group"].items())
    lines += ["", f"per joining group ({len(groups)} groups, top {top}):"] + [
        f"  {k:20s} {v:8d}" for k, v in groups[:top]
    ]
    labels = list(s["per_label"].items())
    lines += ["", f"per label (top {top} of {len(labels)}):"] + [
        f"  {k:12s} {v:8d}" for k, v in labels[:top]
    ]
    lines += [f"least frequent {top}: " + ", ".join(f"{k} {v}" for k, v in labels[-top:])]
    single = s["single_glyph_labels"]
    lines += [
        "",
        f"labels with a single glyph: {len(single)}"
        + (
            ": " + ", ".join(single[:top]) + (" ..." if len(single) > top else "") if single else ""
        ),
    ]
    lines += ["", "fonts with the fewest labels:"] + [
        f"  {f['labels']:5d} labels {f['glyphs']:6d} glyphs  {_font_name(f)}"
        for f in s["fonts_with_fewest_labels"]
    ]
    return "\n".join(lines)
