"""What the report reads from a run directory: the training log, an embedding map of DB glyphs,
identify evaluation files, and the wrong identifications behind them.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from raster.data.render import render_contours
from raster.data.selection import NO_GROUP, SelectionConfig, select_glyphs
from raster.errors import ReportInputError  # noqa: F401  (re-exported)
from raster.inference.checkpoint_loader import LoadedModel
from raster.inference.embedding import forward_images
from raster.labels import split_label

log = logging.getLogger(__name__)

LOG_FILE = "train_log.jsonl"


def read_train_log(path: str | Path) -> list[dict]:
    """The entries of a ``train_log.jsonl``, one per epoch, by epoch.

    A resumed run may log an epoch twice; the later entry wins.

    Raises:
        ReportInputError: missing file, a line that is not a JSON object (names the line),
            or no entries.
    """
    path = Path(path)
    if not path.is_file():
        raise ReportInputError(f"{path}: no training log (not a run directory?)")
    by_epoch: dict[int, dict] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ReportInputError(f"{path}:{n}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise ReportInputError(f"{path}:{n}: not a JSON object")
        by_epoch[int(row.get("epoch", len(by_epoch)))] = row
    if not by_epoch:
        raise ReportInputError(f"{path}: empty training log")
    return [by_epoch[e] for e in sorted(by_epoch)]


def tsne_2d(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """A neighbour-preserving 2-D map of the rows (scikit-learn's t-SNE on cosine distance, the
    embeddings' own): glyphs close in the embedding stay close, so the letter groups show as
    clusters (a PCA plane kept 7 % of the variance per axis and no group could be seen).

    Args:
        x: float (N, D) vectors, N >= 2.
        seed: t-SNE's random state (the map is the same for the same rows and seed).

    Returns:
        float64 (N, 2) coordinates (no unit: only the neighbourhoods mean something).
    """
    from sklearn.manifold import TSNE  # lazily: only the report's map needs it

    x = np.asarray(x, np.float32)
    perplexity = float(min(30.0, max(1.0, (len(x) - 1) / 3)))  # t-SNE needs perplexity < N
    tsne = TSNE(2, perplexity=perplexity, init="pca", metric="cosine", random_state=seed)
    return np.asarray(tsne.fit_transform(x), np.float64)


def top_groups(groups: Sequence[str | None], n: int = 12) -> list[str]:
    """Each row's joining group if among the ``n`` most frequent (ties broken by name), else
    ``"other"``; rows without a joining group (``NO_JOIN``, empty) are ``"no group"``."""
    names = ["no group" if g in NO_GROUP else str(g) for g in groups]
    counts = Counter(g for g in names if g != "no group")
    keep = {g for g, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]}
    keep.add("no group")
    return [g if g in keep else "other" for g in names]


@dataclass
class EmbeddingMap:
    """t-SNE map of DB glyphs: coords float (N, 2), groups (N names), labels."""

    coords: np.ndarray
    groups: list[str]
    labels: list[str]


def embedding_map(
    loaded: LoadedModel,
    db: str | Path,
    limit: int = 2000,
    seed: int = 0,
    n_groups: int = 12,
    batch_size: int = 256,
) -> EmbeddingMap:
    """Embed a seeded sample of ``db`` (rendered as training does) and map it with t-SNE."""
    table, _ = select_glyphs(SelectionConfig(db=Path(db), limit=limit, seed=seed))
    if len(table) < 2:
        raise ReportInputError(f"{db}: fewer than 2 glyphs to map")
    s = loaded.raster.img_size
    images = np.empty((len(table), s, s), np.uint8)
    for i, (o, u) in enumerate(zip(table.outlines, table.upems, strict=True)):
        render_contours(o, u, loaded.raster, out=images[i])
    _, emb = forward_images(loaded, images, batch_size, progress=True)
    coords = tsne_2d(emb, seed)
    return EmbeddingMap(coords, top_groups(table.joining_groups, n_groups), table.labels)


def read_identify_results(directory: str | Path) -> dict[str, dict]:
    """``identify --evaluate --json-out`` files of a directory: file stem -> report dict.

    Files that are not such reports (no ``plain`` evaluation) are skipped with a warning.
    """
    out = {}
    for p in sorted(Path(directory).glob("*.json")):
        try:
            rep = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            log.warning("%s: skipped, not JSON (%s)", p, exc)
            continue
        if not isinstance(rep, dict) or not isinstance(rep.get("plain"), dict):
            log.warning("%s: skipped, not an identify --evaluate report", p)
            continue
        out[p.stem] = rep
    return out


def chosen_evaluation(report: dict) -> tuple[str, dict]:
    """(``"assign"`` or ``"plain"``, its evaluation): the assignment when the run made one."""
    name = "assign" if isinstance(report.get("assign"), dict) else "plain"
    return name, report[name]


def label_caption(label: str | None) -> str:
    """``"1593_init"`` -> ``"0639 init ع"`` (hex codepoint, form, character); '' -> no label.

    The character comes last: Unicode's bidi rules turn digits that follow an Arabic letter
    into Arabic numbers, which reorders a caption like ``"ع 0639"`` when drawn.
    """
    if not label:
        return "(no label)"
    cp, form = split_label(label)
    if cp is None:
        return label
    ch = chr(cp) if 0 < cp < 0x110000 and chr(cp).isprintable() else ""
    return " ".join(p for p in (f"{cp:04X}", form, ch) if p)


def label_glyph_pngs(font: str | Path, labels, size: int = 48) -> dict[str, bytes]:
    """The font's own glyph of each label as a PNG (black ink on white, ``size`` px, a
    multiple of 16, as the review page draws glyphs): the first glyph whose true labels (the
    font's cmap and GSUB) hold it. Labels the font has no glyph for, or a font that cannot be
    read, are left out."""
    from raster.errors import FontLoadError
    from raster.inference.evaluate import truth_labels
    from raster.inference.font_glyphs import read_font_glyphs

    try:
        glyphs = read_font_glyphs(font)
    except (FontLoadError, OSError) as exc:
        log.warning("%s: no glyph images in the report (%s)", font, exc)
        return {}
    row_of = {int(g): i for i, g in enumerate(glyphs.gids)}
    wanted, rows = set(labels), {}
    for gid, t in sorted(truth_labels(glyphs.face).items()):
        for label in sorted(t.labels & wanted):
            if gid in row_of:
                rows.setdefault(label, row_of[gid])
    return dict(zip(rows, glyphs.take(list(rows.values())).pngs(size), strict=True))


@dataclass
class WrongGlyph:
    """One wrong identification.

    Attributes:
        font: font name (the report's stem).
        gid: glyph index; glyph_name: its name.
        image: uint8 (S, S) render, ink = 255.
        predicted: the label chosen ('' = no label); confidence: its probability.
        truth: sorted true labels.
        neighbours: (glyph_id, label, similarity) of the nearest reference rows.
    """

    font: str
    gid: int
    glyph_name: str
    image: np.ndarray
    predicted: str
    confidence: float
    truth: list[str]
    neighbours: list[tuple[int, str, float]]


def wrong_identifications(
    font: str,
    ident,
    truth: dict,
    loaded: LoadedModel,
    index=None,
    limit: int = 24,
    n_neighbours: int = 3,
) -> list[WrongGlyph]:
    """The most confident wrong top-1 labels of one identified font.

    Args:
        font: a name for the font.
        ident: :class:`~raster.inference.pipeline.Identification`.
        truth: glyph index -> :class:`~raster.inference.evaluate.GlyphTruth`.
        loaded: the model (its raster config renders the glyphs).
        index: optional :class:`~raster.inference.index.ReferenceIndex` for neighbours.
        limit: at most this many, most confident first (ties by glyph index).
        n_neighbours: reference rows per glyph.
    """
    wrong = []
    for i, row in enumerate(ident.rows):
        t = truth.get(int(row["gid"]))
        if t is None or row["label"] in t.labels:
            continue
        wrong.append((-float(row["confidence"]), int(row["gid"]), i))
    wrong.sort()
    out = []
    for _, _, i in wrong[:limit]:
        row = ident.rows[i]
        g = ident.glyphs
        image = render_contours(g.contours[i], g.upem, loaded.raster, glyph_id=int(g.gids[i]))
        neighbours: list[tuple[int, str, float]] = []
        if index is not None and len(index):
            idx, sims = index.search(ident.raw.embeddings[i : i + 1], n_neighbours)
            for j, sim in zip(idx[0].tolist(), sims[0].tolist(), strict=True):
                if j >= 0:
                    m = index.meta[j]
                    neighbours.append((int(m["glyph_id"]), str(m["label"]), float(sim)))
        out.append(
            WrongGlyph(
                font,
                int(row["gid"]),
                row["glyph_name"],
                image,
                row["label"],
                float(row["confidence"]),
                sorted(truth[int(row["gid"])].labels),
                neighbours,
            )
        )
    return out


def render_db_glyphs(db: str | Path, glyph_ids: Sequence[int], loaded: LoadedModel) -> dict:
    """glyph_id -> uint8 (S, S) render of those DB rows (rows missing from ``db`` are absent)."""
    ids = sorted(set(int(g) for g in glyph_ids))
    if not ids:
        return {}
    table, _ = select_glyphs(SelectionConfig(db=Path(db), limit=0, glyph_ids=ids))
    return {
        int(g): render_contours(o, u, loaded.raster, glyph_id=int(g))
        for g, o, u in zip(table.glyph_ids, table.outlines, table.upems, strict=True)
    }


def find_index(run_dir: Path) -> Path | None:
    """The first folder of ``run_dir`` (by name) that holds a reference index (``index.json``)."""
    for p in sorted(run_dir.iterdir()):
        if p.is_dir() and (p / "index.json").is_file():
            return p
    return None


@dataclass
class Gallery:
    """What the report's gallery shows.

    Attributes:
        wrong: the most confident wrong identifications, most confident first.
        ref_images: glyph_id -> uint8 (S, S) render of their nearest reference glyphs.
        notes: why something is missing (no index, a font not found, ...).
    """

    wrong: list[WrongGlyph]
    ref_images: dict[int, np.ndarray]
    notes: list[str]


def gather_gallery(
    results: dict[str, dict],
    loaded: LoadedModel,
    *,
    index_dir: Path | None,
    db: Path | None,
    limit: int = 24,
    n_neighbours: int = 3,
    batch_size: int = 256,
) -> Gallery:
    """Re-identify each evaluated font in-process (the JSON keeps no per-glyph rows) and keep
    the ``limit`` most confident wrong top-1 labels over all fonts.

    Args:
        results: font name -> identify ``--evaluate`` JSON (its ``font`` path, ``method``).
        loaded: the run's model.
        index_dir: reference index for the nearest reference glyphs (None: none shown).
        db: glyph DB the reference glyphs are drawn from; None: the index's, else the model's.
        limit: wrong identifications kept; n_neighbours: reference glyphs per item.
        batch_size: glyphs per forward pass.
    """
    from raster.errors import FontLoadError
    from raster.inference.evaluate import truth_labels
    from raster.inference.index import IndexMismatchError, load_index
    from raster.inference.pipeline import identify_font
    from raster.inference.predict import Predictor

    notes = []
    index = None
    if index_dir is None:
        notes.append("No reference index found (--index): no nearest reference glyphs.")
    else:
        try:
            index = load_index(index_dir, loaded.path)
        except IndexMismatchError as exc:
            notes.append(f"Reference index not used: {exc}")
    predictor = Predictor(loaded, index)
    wrong = []
    per_font = max(1, limit)
    for name, r in results.items():
        font = Path(r.get("font", ""))
        if not font.is_file():
            notes.append(f"{name}: font {font} not found; not re-identified.")
            continue
        method = r.get("method")
        if method in ("knn", "both") and index is None:
            notes.append(f"{name}: identified with {method}, shown with the classifier (no index).")
            method = "classifier"
        try:
            ident = identify_font(
                font, predictor, method, assign="assign" in r, batch_size=batch_size
            )
        except FontLoadError as exc:
            notes.append(f"{name}: {font}: {exc}")
            continue
        truth = truth_labels(ident.glyphs.face)
        wrong += wrong_identifications(name, ident, truth, loaded, index, per_font, n_neighbours)
    wrong.sort(key=lambda w: (-w.confidence, w.font, w.gid))
    wrong = wrong[:limit]
    ref_images = {}
    if wrong and index is not None:
        db = db or index.info.get("db") or loaded.ckpt.get("args", {}).get("db")
        if db and Path(db).is_file():
            ref_images = render_db_glyphs(
                db, [g for w in wrong for g, _, _ in w.neighbours], loaded
            )
        else:
            notes.append(f"Glyph DB {db} not found: reference glyphs not drawn.")
    return Gallery(wrong, ref_images, notes)
