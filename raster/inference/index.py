"""The reference index: embeddings of known glyphs (faiss ``IndexFlatIP``), their labels, and
the fingerprint of the checkpoint that made them, plus the fitted confidence calibration.

Directory layout (``python -m raster.index build --out ref/``)::

    ref/index.faiss   faiss.IndexFlatIP of the (N, D) unit-norm embeddings (cosine = inner product)
    ref/vectors.npy   the same (N, D) float32 embeddings, memory-mapped at load (no faiss import,
                      no copy; older indexes without it are read through faiss)
    ref/meta.jsonl    one {glyph_id, f_id, label} per row (``raster.embed``'s meta format)
    ref/index.json    checkpoint fingerprint (sha256 of the file), raster config, calibration
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np

from raster.data.pipeline import build_datasets
from raster.data.schema import db_fingerprint
from raster.errors import IndexMismatchError  # noqa: F401  (re-exported)
from raster.inference.calibration import (
    DEFAULT_KNN_EPS,
    DEFAULT_KNN_TAU,
    expected_calibration_error,
    fit_knn_vote,
    fit_temperature,
    knn_vote,
    softmax_t,
)
from raster.inference.checkpoint_loader import LoadedModel
from raster.inference.embedding import (
    data_config,
    forward_datasets,
    forward_images,
)
from raster.inference.ligatures import LIGATURE_GLYPH_ID, db_ligatures, render_ligatures
from raster.inference.meta import dataset_meta, load_meta, write_meta
from raster.inference.reference import (  # noqa: F401
    DEFAULT_KNN_K,
    SEARCH_BLOCK,
    InvertedLists,
    ReferenceIndex,
    first_non_finite,
    train_inverted_lists,
)
from raster.metrics.knn import knn
from raster.paths import file_sha256

log = logging.getLogger(__name__)

INDEX_FORMAT = 1
INDEX_FILE, META_FILE, INFO_FILE = "index.faiss", "meta.jsonl", "index.json"
VECTORS_FILE = "vectors.npy"
LISTS_FILE = "inverted_lists.npz"  # optional: ``python -m raster.index lists``
MAX_FIT_QUERIES = 20000  # calibration queries (a seeded sample beyond this)


def _info_line(info: dict) -> str:
    return (
        f"{info.get('checkpoint')} ({info.get('img_size')} px, sha256 "
        f"{str(info.get('fingerprint'))[:12]})"
    )


def load_index(
    path: str | Path, checkpoint: str | Path | None = None, fingerprint: str | None = None
) -> ReferenceIndex:
    """Load an index directory, refusing one made by another checkpoint.

    Args:
        path: the directory ``index build`` wrote.
        checkpoint: the checkpoint file it must belong to (its sha256 is compared), or
        fingerprint: that sha256 directly (when the caller has it already).

    Raises:
        IndexMismatchError: not an index, or its fingerprint differs (the message names both
            checkpoints and image sizes).
    """
    path = Path(path)
    try:
        info = json.loads((path / INFO_FILE).read_text())
        meta = load_meta(path / META_FILE)
        vectors = _read_vectors(path)
    except (OSError, ValueError, RuntimeError) as exc:
        raise IndexMismatchError(f"{path}: not a reference index ({exc})") from exc
    if info.get("format") != INDEX_FORMAT or len(vectors) != len(meta):
        raise IndexMismatchError(
            f"{path}: not a reference index of format {INDEX_FORMAT} "
            f"({len(vectors)} vectors, {len(meta)} meta rows)"
        )
    bad = first_non_finite(vectors)
    if bad is not None:
        source = path / (VECTORS_FILE if (path / VECTORS_FILE).is_file() else INDEX_FILE)
        raise IndexMismatchError(
            f"{source}: non-finite value in row {bad} (glyph_id {meta[bad].get('glyph_id')}); "
            "rebuild the index with `python -m raster.index build`"
        )
    if checkpoint is not None and fingerprint is None:
        fingerprint = file_sha256(checkpoint)
    if fingerprint is not None and fingerprint != info.get("fingerprint"):
        raise IndexMismatchError(
            f"{path}: index built from checkpoint {_info_line(info)}, not from "
            f"{checkpoint or '?'} (sha256 {fingerprint[:12]}); rebuild it with "
            "`python -m raster.index build`"
        )
    ref = ReferenceIndex(path, info, vectors, meta)
    ref.inverted = _read_lists(path, info, len(ref))
    return ref


def add_inverted_lists(path: str | Path, n_lists: int, nprobe: int) -> InvertedLists:
    """k-means the rows of the index directory ``path`` into ``n_lists`` inverted lists and
    write them as ``inverted_lists.npz``: :func:`load_index` then searches ``nprobe`` lists per
    query instead of every row (approximate; see :mod:`raster.inference.reference`)."""
    path = Path(path)
    ref = load_index(path)
    if not 1 <= nprobe:
        raise ValueError(f"nprobe must be >= 1, got {nprobe}")
    lists = train_inverted_lists(ref.vectors, n_lists, nprobe)
    tmp = path / (LISTS_FILE + ".tmp.npz")
    np.savez(
        tmp,
        centroids=lists.centroids,
        lists=lists.lists,
        nprobe=np.int64(nprobe),
        rows=np.int64(len(ref)),
        fingerprint=np.asarray(str(ref.info.get("fingerprint"))),
    )
    tmp.replace(path / LISTS_FILE)
    return lists


def _read_lists(path: Path, info: dict, rows: int) -> InvertedLists | None:
    """The directory's inverted lists, or None (none, or made for other rows: a warning)."""
    f = path / LISTS_FILE
    if not f.is_file():
        return None
    try:
        with np.load(f, allow_pickle=False) as z:
            made_for = (int(z["rows"]), str(z["fingerprint"]))
            lists = InvertedLists(z["centroids"], z["lists"], int(z["nprobe"]))
    except (OSError, KeyError, ValueError) as exc:
        log.warning("%s: unreadable, searching exactly (%s)", f, exc)
        return None
    if made_for != (rows, str(info.get("fingerprint"))) or len(lists.lists) != rows:
        log.warning("%s: made for another build of this index, searching exactly", f)
        return None
    return lists


def _read_vectors(path: Path) -> np.ndarray:
    """float32 (N, D) embeddings: ``vectors.npy`` memory-mapped (copy-on-write, so the page
    cache is shared between processes; :func:`load_index` reads it once, in blocks, to refuse
    non-finite rows), else from faiss."""
    npy = path / VECTORS_FILE
    if npy.is_file():
        try:
            vectors = np.load(npy, mmap_mode="c")
        except (ValueError, EOFError) as exc:  # numpy's advice (allow_pickle) is not for us
            raise ValueError(f"{npy}: not a vectors array (not a float32 (N, D) array)") from exc
        if not isinstance(vectors, np.ndarray) or vectors.dtype != np.float32 or vectors.ndim != 2:
            raise ValueError(f"{npy}: not a vectors array (not a float32 (N, D) array)")
        return vectors
    import faiss

    index = faiss.read_index(str(path / INDEX_FILE))
    if not index.ntotal:
        return np.zeros((0, index.d), np.float32)
    return np.ascontiguousarray(index.reconstruct_n(0, index.ntotal), np.float32)


def save_index(out: str | Path, embeddings: np.ndarray, meta: list[dict], info: dict) -> Path:
    """Write the three index files (``index.json`` last: it marks a complete index)."""
    import faiss

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / INFO_FILE).unlink(missing_ok=True)
    emb = np.ascontiguousarray(embeddings, np.float32)
    index = faiss.IndexFlatIP(emb.shape[1])
    index.add(emb)
    faiss.write_index(index, str(out / INDEX_FILE))
    np.save(out / VECTORS_FILE, emb)
    write_meta(out / META_FILE, meta)
    (out / INFO_FILE).write_text(json.dumps({"format": INDEX_FORMAT, **info}, indent=2) + "\n")
    return out


def calibrate(
    loaded: LoadedModel,
    logits_val: np.ndarray,
    val_labels: list[str],
    emb_queries: np.ndarray,
    query_labels: list[str],
    query_fonts: list[str],
    emb_refs: np.ndarray,
    ref_meta: list[dict],
    k: int = DEFAULT_KNN_K,
) -> dict:
    """Fit the classifier temperature and the kNN vote on glyphs the model did not train on.

    Args:
        logits_val: float (V, C) logits of validation glyphs; val_labels: their labels.
        emb_queries: (Q, D) embeddings of the kNN calibration queries, with their labels and
            font ids; their neighbours are searched among ``emb_refs`` excluding the query's
            own font (so every query plays an unknown font).
        emb_refs, ref_meta: the index rows.
        k: neighbours per vote.

    Returns:
        ``temperature``, ``knn_k``, ``knn_tau``, ``knn_eps``, the number of rows each fit
        used and the ECE (15 bins) on those rows before/after.
    """
    l2i = {lab: i for i, lab in enumerate(loaded.index_to_label)}
    keep = [i for i, lab in enumerate(val_labels) if lab in l2i]
    y = np.asarray([l2i[val_labels[i]] for i in keep], np.int64)
    z = logits_val[keep]
    t = fit_temperature(z, y)
    out = {"temperature": t, "temperature_fit_rows": len(keep)}
    if len(keep):
        for name, temp in (("ece_classifier_t1", 1.0), ("ece_classifier", t)):
            p = softmax_t(z, temp)
            out[name] = expected_calibration_error(p.max(1), p.argmax(1) == y)

    names = sorted({str(m["label"]) for m in ref_meta})
    code = {lab: i for i, lab in enumerate(names)}
    ref_codes = np.asarray([code[str(m["label"])] for m in ref_meta], np.int64)
    ref_fonts = [str(m.get("f_id")) for m in ref_meta]
    qkeep = [i for i, lab in enumerate(query_labels) if lab in code]
    out.update(knn_k=k, knn_tau=DEFAULT_KNN_TAU, knn_eps=DEFAULT_KNN_EPS, knn_fit_rows=0)
    if qkeep and len(ref_meta):
        idx, sims = knn(
            emb_queries[qkeep],
            emb_refs,
            k,
            exclude_self=False,
            query_groups=[str(query_fonts[i]) for i in qkeep],
            ref_groups=ref_fonts,
        )
        nl = np.where(idx >= 0, ref_codes[np.maximum(idx, 0)], -1)
        yq = np.asarray([code[query_labels[i]] for i in qkeep], np.int64)
        tau, eps = fit_knn_vote(nl, sims, yq, len(names))
        p = knn_vote(nl, sims, len(names), tau, eps)
        out.update(
            knn_tau=tau,
            knn_eps=eps,
            knn_fit_rows=len(qkeep),
            ece_knn=expected_calibration_error(p.max(1), p.argmax(1) == yq),
            knn_top1_other_fonts=float((p.argmax(1) == yq).mean()),
        )
    return out


def warn_if_other_db(loaded: LoadedModel, db: str | Path) -> bool:
    """Warn when ``db`` is not the database the checkpoint trained on (its fingerprint).

    The index recreates the run's train/val split from ``db``; on another database the
    "validation" glyphs may be glyphs the model trained on, and the calibration comes out
    over-confident. Returns True when it warned.
    """
    want = loaded.ckpt.get("db_fingerprint")
    if not want:
        return False
    if db_fingerprint(db) == want:
        return False
    trained = (loaded.ckpt.get("args") or {}).get("db", "?")
    log.warning(
        "%s is not the database %s trained on (%s; fingerprints differ): its validation split "
        "may hold glyphs the model trained on, so the calibration may be over-confident",
        db,
        loaded.path,
        trained,
    )
    return True


def _add_ligatures(loaded, db, fonts: set, emb: np.ndarray, meta: list, batch_size: int):
    """The lam-alef ligature glyphs of ``fonts`` appended to the index rows:
    (embeddings (N + L, D), meta, L)."""
    lig_rows = db_ligatures(db, fonts)
    if not lig_rows:
        return emb, meta, 0
    _, lig_emb = forward_images(loaded, render_ligatures(lig_rows, loaded.raster), batch_size)
    meta = meta + [
        {"glyph_id": LIGATURE_GLYPH_ID, "f_id": r["f_id"], "label": r["label"]} for r in lig_rows
    ]
    return np.concatenate([emb, lig_emb]), meta, len(lig_rows)


def build_index(
    loaded: LoadedModel,
    db: str | Path,
    out: str | Path,
    *,
    limit: int | None = None,
    batch_size: int = 256,
    k: int = DEFAULT_KNN_K,
    progress: bool | None = None,
    ligatures: bool = True,
) -> dict:
    """Embed the checkpoint's own selection of ``db`` and write a reference index to ``out``.

    Over 80 lines only for this docstring and the ``index.json`` record it writes; each step
    (embed, calibrate, ligatures, save) is a call.

    The rows are the run's selection (same flags, seed and train/val split, unless ``limit``
    overrides the row limit); all of them go into the index, and the validation rows
    calibrate the confidences (:func:`calibrate`). With no validation rows the temperature
    stays 1 and the kNN vote is fitted on a sample of all rows (other fonts only). With
    ``ligatures``, the lam-alef ligature glyphs of the same fonts are added after calibration
    (see :mod:`~raster.inference.ligatures`).

    Returns:
        The ``index.json`` dict written.
    """
    t0 = time.perf_counter()
    warn_if_other_db(loaded, db)
    cfg = data_config(loaded, db, training_selection=True, limit=limit)
    bundle = build_datasets(cfg)
    parts = [bundle.train, bundle.val]
    logits, emb = forward_datasets(loaded, parts, batch_size, progress)
    meta = dataset_meta(bundle.train, bundle.index_to_label) + dataset_meta(
        bundle.val, bundle.index_to_label
    )
    n_train = len(bundle.train)
    val = np.arange(n_train, len(meta))
    labels = [m["label"] for m in meta]
    fonts = [m["f_id"] for m in meta]
    queries = val
    if len(queries) == 0:
        queries = np.arange(len(meta))
    if len(queries) > MAX_FIT_QUERIES:
        rng = np.random.default_rng(cfg.seed)
        queries = np.sort(rng.choice(queries, MAX_FIT_QUERIES, replace=False))
    cal = calibrate(
        loaded,
        logits[val],
        [labels[i] for i in val],
        emb[queries],
        [labels[i] for i in queries],
        [fonts[i] for i in queries],
        emb,
        meta,
        k,
    )
    n_ligatures = 0
    if ligatures:
        emb, meta, n_ligatures = _add_ligatures(loaded, db, set(fonts), emb, meta, batch_size)
    info = {
        "fingerprint": file_sha256(loaded.path),
        "checkpoint": str(loaded.path),
        "img_size": loaded.raster.img_size,
        "raster_config": loaded.raster.to_dict(),
        "embed_dim": int(emb.shape[1]),
        "n": len(meta),
        "n_val": int(len(val)),
        "labels": len(set(labels)),
        "ligatures": n_ligatures,
        "db": str(db),
        "data_config": cfg.to_dict(),
        "calibration": cal,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    save_index(out, emb, meta, info)
    log.info(
        "index of %d glyphs (%d labels) written to %s; temperature %.3f, kNN tau %.3f eps %.3g",
        len(meta),
        info["labels"],
        out,
        cal["temperature"],
        cal["knn_tau"],
        cal["knn_eps"],
    )
    return info
