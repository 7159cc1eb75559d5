"""Choose the glyphs a run trains on: filter, seeded sample, validate, split.

Everything here happens before any image is rendered or cached, so the selected rows, in the
order of :class:`GlyphTable`, are the one source of truth for which image belongs to which label.
"""

from __future__ import annotations

import logging
import math
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from raster.data import schema
from raster.data.contours import (
    MalformedContours,
    Outline,
    content_key,
    outline_from_bytes,
    parse_contours,
)
from raster.data.render import infer_upem, outline_height
from raster.labels import label_codepoint

log = logging.getLogger(__name__)

# Arabic presentation-form blocks: labels on these codepoints duplicate a base letter's form.
PRESENTATION_FORM_RANGES = ((0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
EXTRA_GLYPH_COLUMNS = ("codepoint", "form", "shaping", "same_as_isol", "glyph_name")
EXTRA_FONT_COLUMNS = ("family",)
MIN_COUNT_FOR_VAL = 2  # a label needs this many glyphs before any of them can go to val
NO_GROUP = ("", "NO_JOIN", None)
_LOG_FIRST = 5  # glyph_ids named in a log line about dropped rows


@dataclass
class SelectionConfig:
    """Which rows to select (see ``raster.data.pipeline.add_data_args`` for the flags)."""

    db: Path
    limit: int = 30000
    seed: int = 42
    min_label_count: int = 1
    drop_singletons: bool = False
    exclude_shaped: bool = False
    label_regex: str | None = None
    skip_composed: bool = False
    glyph_ids: Sequence[int] | None = None  # restrict to these ids (CLIs' --glyph-ids)


@dataclass
class GlyphTable:
    """Selected glyph rows, ascending glyph_id; every array/list has one entry per row.

    Attributes:
        glyph_ids: int64 (N,).
        labels: fine labels, ``"<codepoint>_<form>"``.
        font_hashes: ``glyphs.f_id``.
        joining_groups, char_classes: the anchor columns (may hold None).
        upems: float64 (N,) units per em, real or inferred (see ``upem_inferred``).
        upem_inferred: bool (N,) the font had no upem; estimated from its outlines.
        outlines: parsed outlines (font units); None once dropped to save memory.
        content_keys: int64 (N,) hash of each row's contours text and upem (cache fingerprint).
        extras: optional columns present in the DB (codepoint, form, shaping, family, ...).
    """

    glyph_ids: np.ndarray
    labels: list[str]
    font_hashes: list[str]
    joining_groups: list[str | None]
    char_classes: list[str | None]
    upems: np.ndarray
    upem_inferred: np.ndarray
    outlines: list[Outline] | None
    content_keys: np.ndarray
    extras: dict[str, list] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.glyph_ids)

    def subset(self, idx: Sequence[int] | np.ndarray) -> GlyphTable:
        """The rows at positions ``idx``, in that order."""
        idx = np.asarray(idx, np.int64)
        pick = idx.tolist()
        return GlyphTable(
            glyph_ids=self.glyph_ids[idx],
            labels=[self.labels[i] for i in pick],
            font_hashes=[self.font_hashes[i] for i in pick],
            joining_groups=[self.joining_groups[i] for i in pick],
            char_classes=[self.char_classes[i] for i in pick],
            upems=self.upems[idx],
            upem_inferred=self.upem_inferred[idx],
            outlines=None if self.outlines is None else [self.outlines[i] for i in pick],
            content_keys=self.content_keys[idx],
            extras={k: [v[i] for i in pick] for k, v in self.extras.items()},
        )


def upem_problem(upem) -> str | None:
    """Why a ``fonts.upem`` value cannot scale a glyph (not a positive finite number), or None."""
    try:
        value = float(upem)
    except (TypeError, ValueError):
        return f"upem {upem!r} is not a number"
    if not (math.isfinite(value) and value > 0):
        return f"upem {upem!r} is not a positive number"
    return None


def is_shaped_label(label: str, codepoint: int | None = None) -> bool:
    """True for label noise dropped by ``--exclude-shaped``.

    That is labels ending in ``_shaped`` and labels on an Arabic presentation-form codepoint
    (U+FB50-U+FDFF, U+FE70-U+FEFF), from the label's prefix or the ``codepoint`` column.
    """
    if label.endswith("_shaped"):
        return True
    for cp in (label_codepoint(label), codepoint):
        if cp is not None and any(lo <= cp <= hi for lo, hi in PRESENTATION_FORM_RANGES):
            return True
    return False


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """Vectorized SplitMix64 finalizer (a well-mixed 64-bit hash of uint64 values)."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def seeded_sample(glyph_ids: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """A deterministic sample of ``limit`` ids (all when ``limit <= 0``), ascending.

    Each id gets a hash of (seed, glyph_id) and the ``limit`` smallest hashes win, so the same
    seed and limit select the same glyphs on every run and on every machine, and adding rows
    to the DB changes the sample only where a new row wins a place.
    """
    ids = np.asarray(glyph_ids, np.int64)
    if limit <= 0 or limit >= len(ids):
        return np.sort(ids)
    seed_mix = _splitmix64(np.array([seed & 0xFFFFFFFFFFFFFFFF], np.uint64))[0]
    keys = _splitmix64(ids.astype(np.uint64) ^ seed_mix)
    order = np.lexsort((ids, keys))  # ties (never in practice) broken by id
    return np.sort(ids[order[:limit]])


def _present_columns(conn: sqlite3.Connection) -> tuple[list[str], list[str]]:
    g = schema.table_columns(conn, "glyphs")
    f = schema.table_columns(conn, "fonts")
    return [c for c in EXTRA_GLYPH_COLUMNS if c in g], [c for c in EXTRA_FONT_COLUMNS if c in f]


def _eligible_ids(conn: sqlite3.Connection, cfg: SelectionConfig, info: dict) -> np.ndarray:
    """Ids of rows with contours that pass the label filters (no contours are read)."""
    gcols, _ = _present_columns(conn)
    cols = ["glyph_id", "label"]
    if "codepoint" in gcols:
        cols.append("codepoint")
    if "shaping" in gcols:
        cols.append("shaping")
    sql = f"SELECT {', '.join('g.' + c for c in cols)} FROM glyphs g WHERE g.contours IS NOT NULL"
    regex = re.compile(cfg.label_regex) if cfg.label_regex else None
    if cfg.skip_composed and "shaping" not in gcols:
        log.info("--skip-composed: the DB has no shaping column; nothing to skip")
    only = None if cfg.glyph_ids is None else {int(g) for g in cfg.glyph_ids}
    ids: list[int] = []
    counts = Counter()
    for row in conn.execute(sql):
        gid, label = row[0], row[1]
        if only is not None and gid not in only:
            continue
        if cfg.exclude_shaped and is_shaped_label(
            label, row["codepoint"] if "codepoint" in cols else None
        ):
            counts["excluded_shaped"] += 1
            continue
        if regex is not None and not regex.search(label):
            counts["excluded_regex"] += 1
            continue
        if cfg.skip_composed and "shaping" in cols and row["shaping"] == "composed":
            counts["excluded_composed"] += 1
            continue
        ids.append(gid)
    info.update(counts)
    info["eligible"] = len(ids)
    return np.asarray(ids, np.int64)


def _fetch_rows(conn: sqlite3.Connection, ids: np.ndarray) -> list[sqlite3.Row]:
    """The anchor columns (plus extras present) of the rows ``ids``, ascending glyph_id."""
    gcols, fcols = _present_columns(conn)
    select = (
        "SELECT g.glyph_id, g.f_id AS font_hash, g.label, g.contours, g.joining_group, "
        "g.char_class, " + ", ".join("f." + c for c in schema.FONT_METRIC_COLUMNS)
    )
    select += "".join(f", g.{c}" for c in gcols) + "".join(f", f.{c}" for c in fcols)
    if schema.has_outline_column(conn):
        select += ", g.outline"
    # The ids go through a temp table: no SQL variable limit, one indexed join.
    conn.execute("DROP TABLE IF EXISTS temp.temp_sel")
    conn.execute("CREATE TEMP TABLE temp_sel(glyph_id INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO temp_sel VALUES (?)", ((int(i),) for i in ids))
    sql = (
        select
        + " FROM temp_sel s JOIN glyphs g ON g.glyph_id = s.glyph_id"
        + " LEFT JOIN fonts f ON f.file_hash = g.f_id ORDER BY g.glyph_id"
    )
    rows = conn.execute(sql).fetchall()
    conn.execute("DROP TABLE temp.temp_sel")
    return rows


def row_outline(blob: bytes | None, text: str, glyph_id: int | None = None) -> Outline:
    """A row's outline: from its binary ``outline`` cell when it has a readable one (no JSON
    parse), else from its ``contours`` JSON.

    Raises:
        MalformedContours: the JSON cannot be drawn (a bad blob falls back to the JSON).
    """
    if blob is not None:
        try:
            return outline_from_bytes(blob, glyph_id)
        except MalformedContours:
            pass
    return parse_contours(text, glyph_id)


def infer_font_upems(
    conn: sqlite3.Connection, font_hashes: Sequence[str], families: dict[str, str] | None = None
) -> dict[str, float | None]:
    """Estimate upem for fonts whose ``fonts.upem`` is NULL, from all of their outlines.

    All rows of the font are read (not only the selected ones) so a glyph renders the same
    whatever ``--limit``/``--seed`` chose. Logs one line per font.

    Returns:
        font_hash -> estimated upem (None when the font has no drawable outline).
    """
    out: dict[str, float | None] = {}
    for fh in font_hashes:
        heights = []
        col = "outline, contours" if schema.has_outline_column(conn) else "NULL, contours"
        for blob, text in conn.execute(
            f"SELECT {col} FROM glyphs WHERE f_id = ? AND contours IS NOT NULL", (fh,)
        ):
            try:
                heights.append(outline_height(row_outline(blob, text)))
            except MalformedContours:
                continue
        est = infer_upem(heights)
        out[fh] = est
        name = (families or {}).get(fh) or ""
        if est is None:
            log.warning("font %s %s has no upem and no outline to infer one", fh[:12], name)
        else:
            log.info(
                "font %s %s has no upem: using %.0f, inferred from %d outlines "
                "(95th percentile of glyph heights ~ 1 em)",
                fh[:12],
                name,
                est,
                len(heights),
            )
    return out


def _read_rows(cfg: SelectionConfig, conn: sqlite3.Connection, info: dict):
    """Eligible rows after the label filters and the ``--limit`` sample, and the upem inferred
    for fonts that lack one: (rows, {font_hash: upem})."""
    ids = _eligible_ids(conn, cfg, info)
    ids = seeded_sample(ids, cfg.limit, cfg.seed)
    info["sampled"] = len(ids)
    rows = _fetch_rows(conn, ids)
    _, fcols = _present_columns(conn)
    families = {r["font_hash"]: r["family"] for r in rows} if "family" in fcols else {}
    missing = sorted({r["font_hash"] for r in rows if r["upem"] is None})
    inferred = infer_font_upems(conn, missing, families) if missing else {}
    info["fonts_upem_inferred"] = len(missing)
    return rows, inferred


def _parse_rows(rows, inferred: dict) -> tuple[GlyphTable, list[tuple[int, str]]]:
    """Parse every row's outline and check its upem: (the table of good rows, [(glyph_id,
    reason)] of the malformed ones)."""
    keep_rows, outlines, upems, flags, keys = [], [], [], [], []
    bad: list[tuple[int, str]] = []
    blobs = rows and "outline" in rows[0].keys()
    for r in rows:
        gid, text, upem = r["glyph_id"], r["contours"], r["upem"]
        try:
            outline = row_outline(r["outline"] if blobs else None, text, gid)
        except MalformedContours as exc:
            bad.append((gid, exc.reason))
            continue
        inf = upem is None
        why = None if inf else upem_problem(upem)
        if inf:
            upem = inferred.get(r["font_hash"])
            why = "font has no upem and none could be inferred" if upem is None else None
        if why:
            bad.append((gid, why))
            continue
        keep_rows.append(r)
        outlines.append(outline)
        upems.append(float(upem))
        flags.append(inf)
        keys.append(content_key(text, upem))
    extra_names = [
        c for c in (*EXTRA_GLYPH_COLUMNS, *EXTRA_FONT_COLUMNS) if rows and c in rows[0].keys()
    ]
    table = GlyphTable(
        glyph_ids=np.asarray([r["glyph_id"] for r in keep_rows], np.int64),
        labels=[r["label"] for r in keep_rows],
        font_hashes=[r["font_hash"] for r in keep_rows],
        joining_groups=[r["joining_group"] for r in keep_rows],
        char_classes=[r["char_class"] for r in keep_rows],
        upems=np.asarray(upems, np.float64),
        upem_inferred=np.asarray(flags, bool),
        outlines=outlines,
        content_keys=np.asarray(keys, np.int64),
        extras={c: [r[c] for r in keep_rows] for c in extra_names},
    )
    return table, bad


def _drop_rare_labels(table: GlyphTable, cfg: SelectionConfig, info: dict) -> GlyphTable:
    """``--min-label-count`` / ``--drop-singletons`` on the counts of the parsed rows."""
    k = max(cfg.min_label_count, 2 if cfg.drop_singletons else 1)
    if k <= 1:
        return table
    counts = Counter(table.labels)
    keep = [i for i, lab in enumerate(table.labels) if counts[lab] >= k]
    n_labels_dropped = sum(1 for c in counts.values() if c < k)
    info["dropped_label_count"] = len(table) - len(keep)
    if len(keep) == len(table):
        return table
    log.info(
        "dropped %d glyphs of %d labels with fewer than %d glyphs",
        len(table) - len(keep),
        n_labels_dropped,
        k,
    )
    return table.subset(keep)


def select_glyphs(cfg: SelectionConfig, conn: sqlite3.Connection | None = None):
    """Select, validate and filter the glyphs of a run.

    Order of operations: label filters (``--exclude-shaped``, ``--label-regex``,
    ``--skip-composed``) -> seeded sample of ``--limit`` -> parse every sampled outline, drop
    malformed rows (logged: count and first glyph_ids) -> ``--min-label-count`` /
    ``--drop-singletons`` on the remaining counts.

    Args:
        cfg: selection settings.
        conn: an open connection (default: open ``cfg.db`` read-only style).

    Returns:
        (GlyphTable ascending by glyph_id, info dict of counts).
    """
    own = conn is None
    if own:
        conn = schema.connect(cfg.db)
    try:
        info: dict = {}
        rows, inferred = _read_rows(cfg, conn, info)
    finally:
        if own:
            conn.close()
    table, bad = _parse_rows(rows, inferred)
    info["dropped_malformed"] = len(bad)
    if bad:
        first = ", ".join(f"{g} ({why})" for g, why in bad[:_LOG_FIRST])
        log.warning("dropped %d malformed rows before any split/cache; first: %s", len(bad), first)
    table = _drop_rare_labels(table, cfg, info)
    info["selected"] = len(table)
    info["labels"] = len(set(table.labels))
    log.info(
        "selected %d glyphs (%d labels) from %s (eligible %d, sampled %d, malformed %d)",
        info["selected"],
        info["labels"],
        cfg.db,
        info["eligible"],
        info["sampled"],
        info["dropped_malformed"],
    )
    return table, info


def split_train_val(
    table: GlyphTable, val_frac: float, seed: int, font_disjoint: bool = False
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Seeded train/val split of the table's rows.

    Stratified (default): per label with ``c >= MIN_COUNT_FOR_VAL`` glyphs, ``c * val_frac``
    glyphs go to val, the fraction rounded up or down at random (seeded) so the overall val
    share is ``val_frac`` in expectation, and never the label's last train glyph. Labels with
    fewer glyphs stay in train only (counted in the info and logged).

    Font-disjoint: whole fonts, in seeded random order, go to val until it holds
    ``val_frac`` of the glyphs; no font is in both. Labels seen only in val are counted.

    Returns:
        (train positions, val positions) ascending int64 arrays into ``table``, and info.
    """
    n = len(table)
    rng = np.random.default_rng([seed, 0x5B1])
    info: dict = {}
    if not 0.0 <= val_frac < 1.0:
        raise ValueError(f"val_frac must be in [0, 1), got {val_frac}")
    is_val = np.zeros(n, bool)
    if val_frac > 0 and n:
        if font_disjoint:
            by_font: dict[str, list[int]] = defaultdict(list)
            for i, fh in enumerate(table.font_hashes):
                by_font[fh].append(i)
            fonts = sorted(by_font)
            target = val_frac * n
            taken = 0
            n_val_fonts = 0
            for j in rng.permutation(len(fonts)):
                if taken >= target:
                    break
                members = by_font[fonts[j]]
                if taken + len(members) > 1.5 * target and taken > 0:
                    continue  # would overshoot a lot: try a smaller font
                is_val[members] = True
                taken += len(members)
                n_val_fonts += 1
            info["val_fonts"] = n_val_fonts
            info["train_fonts"] = len(fonts) - n_val_fonts
            train_labels = {table.labels[i] for i in np.flatnonzero(~is_val)}
            info["labels_only_in_val"] = len(
                {table.labels[i] for i in np.flatnonzero(is_val)} - train_labels
            )
        else:
            by_label: dict[str, list[int]] = defaultdict(list)
            for i, lab in enumerate(table.labels):
                by_label[lab].append(i)
            train_only = 0
            for lab in sorted(by_label):
                members = by_label[lab]
                c = len(members)
                if c < MIN_COUNT_FOR_VAL:
                    train_only += 1
                    continue
                want = c * val_frac
                n_val = math.floor(want + rng.random())
                n_val = min(n_val, c - 1)
                if n_val <= 0:
                    continue
                pick = rng.choice(c, size=n_val, replace=False)
                is_val[[members[p] for p in pick]] = True
            info["labels_train_only"] = train_only
            log.info(
                "stratified split: %d labels have fewer than %d glyphs and stay in train only",
                train_only,
                MIN_COUNT_FOR_VAL,
            )
    train = np.flatnonzero(~is_val).astype(np.int64)
    val = np.flatnonzero(is_val).astype(np.int64)
    info["train"] = len(train)
    info["val"] = len(val)
    return train, val, info


def label_groups(table: GlyphTable, labels: Sequence[str]) -> tuple[list[int], list[str]]:
    """Hybrid contrastive group per label: joining_group, else ``"cc_" + char_class``.

    A label's joining group / char class is the most common one among its rows (ties broken by
    name). Labels absent from ``table`` get ``"cc_unknown"``.

    Returns:
        (group index per label in ``labels`` order, sorted group names).
    """
    votes: dict[str, Counter] = defaultdict(Counter)
    for lab, jg, cc in zip(table.labels, table.joining_groups, table.char_classes, strict=True):
        name = jg if jg not in NO_GROUP else f"cc_{cc or 'unknown'}"
        votes[lab][name] += 1
    per_label = []
    for lab in labels:
        c = votes.get(lab)
        per_label.append(min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] if c else "cc_unknown")
    names = sorted(set(per_label))
    index = {g: i for i, g in enumerate(names)}
    return [index[g] for g in per_label], names
