"""Retrieval metrics of embeddings: one implementation for train, eval_similarity and identify.

Pure functions of kNN results (pytorch-metric-learning's AccuracyCalculator conventions: the
query itself is never its own neighbour, queries whose label has no other member in the
reference set are excluded, accumulation in float64), plus the user's effect size.
"""

from __future__ import annotations

import re

import numpy as np

from raster.metrics.knn import knn, l2_normalize

__all__ = [
    "effect_size",
    "evaluate_embeddings",
    "pair_cosine_stats",
    "retrieval_metrics",
]


def retrieval_metrics(
    knn_labels,
    query_labels,
    num_relevant=None,
    knn_valid=None,
) -> dict:
    """Top-k retrieval, MRR, precision@1, R-precision and MAP@R from neighbour labels.

    Over 80 lines for this docstring, which defines each metric; the code is one pass.

    Definitions, per query with ``R >= 1`` possible matches (same-label references other
    than itself), neighbours ranked 1..k, ``hit_i`` = neighbour i has the query's label:

    - ``top_k_retrieval``: 1 if any of the k neighbours is a hit (the user's "top-10
      retrieval" for k = 10).
    - ``mrr``: 1 / rank of the first hit within k, 0 when there is none.
    - ``precision_at_1``: ``hit_1``.
    - ``r_precision``: hits among the first ``min(R, k)`` neighbours / ``min(R, k)``.
    - ``map_at_r``: ``(1/R) * sum_{i <= min(R, k)} hit_i * precision@i``.

    R-precision and MAP@R are exact (and equal pytorch-metric-learning's) only when
    ``k >= R`` for every query; with a smaller k they are computed on the truncated list
    exactly as PML does (MAP@R is then a lower bound) and ``num_r_truncated`` counts the
    affected queries. Each metric is the mean over the evaluated queries.

    Args:
        knn_labels: (Q, k) labels of each query's neighbours, nearest first (any comparable
            dtype: ints or strings).
        query_labels: (Q,) labels of the queries.
        num_relevant: (Q,) R per query, or None. When given, queries with ``R == 0`` are
            excluded and counted in ``num_lone``; when None, every query is evaluated and
            ``r_precision`` / ``map_at_r`` are not reported (they need R).
        knn_valid: (Q, k) bool, False where a neighbour slot is empty (fewer than k
            candidates, see :func:`raster.metrics.knn.knn`); such slots never count as hits.

    Returns:
        ``{"top_k_retrieval", "mrr", "precision_at_1", ["r_precision", "map_at_r"], "k",
        "num_queries", "num_evaluated", "num_lone", ["num_r_truncated"]}``; metric values
        are Python floats (NaN when no query is evaluated), counts are ints.
    """
    knn_labels = np.asarray(knn_labels)
    query_labels = np.asarray(query_labels)
    if knn_labels.ndim != 2 or query_labels.shape != (knn_labels.shape[0],):
        raise ValueError(
            f"knn_labels must be (Q, k) and query_labels (Q,); got {knn_labels.shape} and "
            f"{query_labels.shape}"
        )
    nq, k = knn_labels.shape
    hits = knn_labels == query_labels[:, None]  # (Q, k)
    if knn_valid is not None:
        knn_valid = np.asarray(knn_valid, dtype=bool)
        if knn_valid.shape != hits.shape:
            raise ValueError(f"knn_valid must be {hits.shape}; got {knn_valid.shape}")
        hits &= knn_valid
    if num_relevant is not None:
        num_relevant = np.asarray(num_relevant, dtype=np.int64)
        if num_relevant.shape != (nq,):
            raise ValueError(f"num_relevant must be ({nq},); got {num_relevant.shape}")
        keep = num_relevant > 0
    else:
        keep = np.ones(nq, dtype=bool)
    hits = hits[keep]
    n = int(hits.shape[0])
    out: dict = {}
    ranks = np.arange(1, k + 1, dtype=np.float64)  # (k,)
    if n == 0:
        nan = float("nan")
        out.update(top_k_retrieval=nan, mrr=nan, precision_at_1=nan)
    else:
        any_hit = hits.any(axis=1)
        first = np.argmax(hits, axis=1)  # index of the first True (0 when none: masked below)
        rr = np.where(any_hit, 1.0 / (first + 1.0), 0.0)
        out["top_k_retrieval"] = float(any_hit.astype(np.float64).mean())
        out["mrr"] = float(rr.mean(dtype=np.float64))
        out["precision_at_1"] = float(hits[:, 0].astype(np.float64).mean()) if k else 0.0
    if num_relevant is not None:
        r = num_relevant[keep]
        if n == 0:
            out.update(r_precision=float("nan"), map_at_r=float("nan"))
        else:
            within_r = ranks[None, :] <= r[:, None]  # (n, k): the first R slots
            hits_r = hits & within_r
            r_cut = np.minimum(r, k).astype(np.float64)
            out["r_precision"] = float((hits_r.sum(axis=1) / r_cut).mean())
            precision_at_i = np.cumsum(hits_r, axis=1, dtype=np.float64) / ranks[None, :]
            ap = (precision_at_i * hits_r).sum(axis=1) / r.astype(np.float64)
            out["map_at_r"] = float(ap.mean())
        out["num_r_truncated"] = int((r > k).sum())
    out["k"] = int(k)
    out["num_queries"] = int(nq)
    out["num_evaluated"] = n
    out["num_lone"] = int(nq - n)
    return out


def _label_codes(labels) -> np.ndarray:
    """Labels of any type -> int64 codes >= 0 (so -1 can mark an empty neighbour slot)."""
    _, codes = np.unique(np.asarray(labels), return_inverse=True)
    return codes.reshape(-1).astype(np.int64)


def _sample_pairs(members: list[np.ndarray], n_pairs: int, rng: np.random.Generator):
    """``n_pairs`` uniform draws (with replacement) of unordered same-label pairs i != j."""
    sizes = np.array([len(m) for m in members], dtype=np.float64)
    weights = sizes * (sizes - 1) / 2
    which = rng.choice(len(members), size=n_pairs, p=weights / weights.sum())
    a = np.empty(n_pairs, dtype=np.int64)
    b = np.empty(n_pairs, dtype=np.int64)
    for g in np.unique(which):
        sel = np.nonzero(which == g)[0]
        m = members[g]
        i = rng.integers(0, len(m), size=len(sel))
        j = rng.integers(0, len(m) - 1, size=len(sel))
        j = j + (j >= i)  # uniform over the other members
        a[sel], b[sel] = m[i], m[j]
    return a, b


def pair_cosine_stats(embeddings, labels, max_pairs: int = 10_000, seed: int = 0) -> dict:
    """Cosine statistics of same-label and different-label pairs, and the effect size.

    Over 80 lines for this docstring, which defines each statistic; the code is one pass
    over blocks of pairs.

    Pairs are unordered, ``i != j``. When a kind has at most ``max_pairs`` pairs in all, all
    are used (exact); otherwise ``max_pairs`` are drawn uniformly with replacement (seeded,
    so the value is reproducible). Embeddings are L2-normalized here (cosine).

    Effect size (the user's definition): ``(mean_same - mean_diff) / sigma``, where sigma is the
    standard deviation of both samples pooled into one: the population std of the
    concatenation of two equal-size samples,
    ``sigma = sqrt((var_same + var_diff) / 2 + (mean_same - mean_diff)**2 / 4)`` (ddof 0).
    This is what the user's eval_similarity computed (its two samples had equal sizes);
    written with the weights fixed at 1/2 so the value does not depend on how many pairs of
    each kind exist. ``cohen_d`` (pooled within-group std, ``sqrt((var_s + var_d) / 2)``)
    is reported beside it for readers who expect that convention.

    Args:
        embeddings: (N, D) floats.
        labels: (N,) labels of any comparable type.
        max_pairs: cap per kind of pair.
        seed: seed for the sampling.

    Returns:
        ``{"effect_size", "cohen_d", "same_mean", "diff_mean", "same_std", "diff_std",
        "num_same_pairs", "num_diff_pairs"}``; NaN values (0 pairs) when a kind is empty.
    """
    emb = l2_normalize(np.asarray(embeddings, dtype=np.float64))
    codes = _label_codes(labels)
    n = len(codes)
    if emb.shape[0] != n:
        raise ValueError(f"embeddings ({emb.shape[0]}) and labels ({n}) differ in length")
    rng = np.random.default_rng(seed)
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes)
    members = [m for m in np.split(order, np.cumsum(counts)[:-1]) if len(m) >= 2]
    total_same = int(sum(len(m) * (len(m) - 1) // 2 for m in members))
    total_diff = n * (n - 1) // 2 - total_same

    if total_same == 0:
        s_a = s_b = np.empty(0, dtype=np.int64)
    elif total_same <= max_pairs:
        pairs = [np.triu_indices(len(m), 1) for m in members]
        s_a = np.concatenate([m[i] for m, (i, _) in zip(members, pairs, strict=True)])
        s_b = np.concatenate([m[j] for m, (_, j) in zip(members, pairs, strict=True)])
    else:
        s_a, s_b = _sample_pairs(members, max_pairs, rng)

    if total_diff == 0:
        d_a = d_b = np.empty(0, dtype=np.int64)
    elif total_diff <= max_pairs:
        i, j = np.triu_indices(n, 1)
        diff = codes[i] != codes[j]
        d_a, d_b = i[diff], j[diff]
    else:
        # Rejection sampling of uniform unordered pairs i != j until enough differ in label;
        # the accepted pairs are uniform over different-label pairs.
        chunks_a, chunks_b, got = [], [], 0
        while got < max_pairs:
            i = rng.integers(0, n, size=2 * max_pairs)
            j = rng.integers(0, n - 1, size=2 * max_pairs)
            j = j + (j >= i)
            ok = codes[i] != codes[j]
            chunks_a.append(i[ok])
            chunks_b.append(j[ok])
            got += int(ok.sum())
        d_a = np.concatenate(chunks_a)[:max_pairs]
        d_b = np.concatenate(chunks_b)[:max_pairs]

    same = np.einsum("ij,ij->i", emb[s_a], emb[s_b])
    diff = np.einsum("ij,ij->i", emb[d_a], emb[d_b])
    nan = float("nan")
    out = {
        "same_mean": float(same.mean()) if len(same) else nan,
        "diff_mean": float(diff.mean()) if len(diff) else nan,
        "same_std": float(same.std()) if len(same) else nan,
        "diff_std": float(diff.std()) if len(diff) else nan,
        "num_same_pairs": int(len(same)),
        "num_diff_pairs": int(len(diff)),
    }
    if len(same) and len(diff):
        gap = out["same_mean"] - out["diff_mean"]
        within = (same.var() + diff.var()) / 2.0
        pooled = np.sqrt(within + gap * gap / 4.0)
        out["effect_size"] = float(gap / pooled) if pooled > 0 else 0.0
        out["cohen_d"] = float(gap / np.sqrt(within)) if within > 0 else nan
    else:
        out["effect_size"] = nan
        out["cohen_d"] = nan
    return out


def effect_size(embeddings, labels, max_pairs: int = 10_000, seed: int = 0) -> float:
    """Anchor-facts effect size; see :func:`pair_cosine_stats` for the exact definition.

    Args:
        embeddings: (N, D) floats. labels: (N,). max_pairs: cap per kind. seed: sampling seed.

    Returns:
        ``(mean same-label cosine - mean different-label cosine) / pooled std`` (NaN when
        there are no pairs of one kind).
    """
    return pair_cosine_stats(embeddings, labels, max_pairs, seed)["effect_size"]


def evaluate_embeddings(
    embeddings,
    labels,
    k: int = 10,
    groups=None,
    chunk: int = 4096,
    r_metrics: bool = False,
    effect_pairs: int = 10_000,
    seed: int = 0,
    backend: str = "torch",
) -> dict:
    """Exact cosine kNN of every embedding against all others, then every retrieval metric.

    Each embedding is a query against the rest (self excluded). With ``groups`` (e.g. font
    ids), neighbours from the query's own group are excluded too, and R counts only
    same-label items of *other* groups (queries with none are excluded as lone).

    Args:
        embeddings: (N, D) floats; L2-normalized here.
        labels: (N,) labels (ints or strings).
        k: neighbours for top-k retrieval and MRR (the user's: 10).
        groups: (N,) group ids to exclude from a query's neighbours, or None.
        chunk: queries per kNN block (memory O(chunk * N)).
        r_metrics: also search ``max(k, max R)`` neighbours so that R-precision and MAP@R
            are exact (costs a larger k when labels have many members); when False they are
            computed on the k neighbours (see :func:`retrieval_metrics`).
        effect_pairs: pairs per kind for the effect size (0 skips it).
        seed: seed for the effect-size pair sampling.
        backend: kNN backend, see :func:`raster.metrics.knn.knn`.

    Returns:
        :func:`retrieval_metrics`'s dict (top-k metrics over the first k neighbours), plus
        ``effect_size``, ``same_mean``, ``diff_mean`` and ``cohen_d`` (effect size over all
        pairs, groups not considered).
    """
    emb = l2_normalize(np.asarray(embeddings, dtype=np.float32))
    codes = _label_codes(labels)
    n = len(codes)
    if emb.ndim != 2 or emb.shape[0] != n:
        raise ValueError(f"embeddings must be (N, D) with N = len(labels) = {n}; got {emb.shape}")
    counts = np.bincount(codes, minlength=1)
    if groups is None:
        num_relevant = counts[codes] - 1
    else:
        gcodes = _label_codes(groups)
        if len(gcodes) != n:
            raise ValueError(f"groups must have length {n}; got {len(gcodes)}")
        # same-label items of the query's own group (itself included) are not retrievable
        pair_codes = codes * (int(gcodes.max()) + 1) + gcodes
        _, pair_inv, pair_counts = np.unique(pair_codes, return_inverse=True, return_counts=True)
        num_relevant = counts[codes] - pair_counts[pair_inv.reshape(-1)]
    search_k = k
    if r_metrics and n:
        search_k = max(k, int(num_relevant.max()))
    search_k = max(1, min(search_k, max(n - 1, 1)))
    idx, _ = knn(emb, None, search_k, query_groups=groups, chunk_size=chunk, backend=backend)
    valid = idx >= 0
    knn_labels = np.where(valid, codes[np.maximum(idx, 0)], -1)
    out = retrieval_metrics(knn_labels[:, :k], codes, num_relevant, valid[:, :k])
    if search_k > k:
        full = retrieval_metrics(knn_labels, codes, num_relevant, valid)
        out["r_precision"] = full["r_precision"]
        out["map_at_r"] = full["map_at_r"]
        out["num_r_truncated"] = full["num_r_truncated"]
    if effect_pairs > 0:
        stats = pair_cosine_stats(emb, codes, effect_pairs, seed)
        for key in ("effect_size", "cohen_d", "same_mean", "diff_mean"):
            out[key] = stats[key]
    return out


def select_rows(
    labels: np.ndarray,
    *,
    label_regex: str | None = None,
    limit: int = 0,
    seed: int = 0,
    min_cluster: int = 2,
) -> np.ndarray:
    """Row indices kept by a label regex, a seeded sample and a minimum label size (in that order).

    Args:
        labels: (N,) label strings.
        label_regex: keep rows whose label matches (``re.search``); None keeps all.
        limit: seeded random sample of this many rows (0 = all).
        seed: seed of the sample.
        min_cluster: drop labels with fewer rows left than this.

    Returns:
        Sorted int (M,) indices into ``labels``.
    """
    keep = np.arange(len(labels))
    if label_regex:
        pattern = re.compile(label_regex)
        keep = keep[[bool(pattern.search(str(lab))) for lab in labels[keep]]]
    if limit and len(keep) > limit:
        keep = np.sort(np.random.default_rng(seed).choice(keep, limit, replace=False))
    _, inverse, counts = np.unique(labels[keep], return_inverse=True, return_counts=True)
    return keep[counts[inverse] >= min_cluster]


def evaluate_saved(
    embeddings,
    meta: list[dict],
    *,
    k: int = 10,
    by_font: bool = False,
    exact_r: bool = False,
    backend: str = "auto",
    label_regex: str | None = None,
    limit: int = 0,
    seed: int = 0,
    min_cluster: int = 2,
) -> dict:
    """Retrieval metrics of saved embeddings and their meta rows (``python -m raster.embed``).

    Args:
        embeddings: (N, D) floats (a memory map is fine: only the selected rows are read).
        meta: N ``{glyph_id, f_id, label}`` rows (:func:`raster.inference.meta.load_meta`).
        k, backend: as :func:`evaluate_embeddings`; exact_r: its ``r_metrics``.
        by_font: exclude neighbours from the query's font (``f_id``).
        label_regex, limit, seed, min_cluster: row selection, see :func:`select_rows`.

    Returns:
        ``rows``, ``labels`` (counts after selection), ``by_font``, then
        :func:`evaluate_embeddings`'s metrics.

    Raises:
        ValueError: the embeddings are not (len(meta), D), or fewer than 2 rows are selected.
    """
    embeddings = np.asarray(embeddings)  # a memory map stays unread
    if embeddings.ndim != 2 or embeddings.shape[0] != len(meta):
        raise ValueError(
            f"embeddings have shape {embeddings.shape} but the meta has {len(meta)} rows"
        )
    labels = np.array([str(m["label"]) for m in meta])
    keep = select_rows(
        labels, label_regex=label_regex, limit=limit, seed=seed, min_cluster=min_cluster
    )
    if len(keep) < 2:
        raise ValueError("fewer than 2 rows left after selection; nothing to evaluate")
    groups = np.array([str(meta[i].get("f_id")) for i in keep]) if by_font else None
    result = evaluate_embeddings(
        np.asarray(embeddings[keep]),
        labels[keep],
        k=k,
        groups=groups,
        r_metrics=exact_r,
        backend=backend,
    )
    return {
        "rows": int(len(keep)),
        "labels": int(len(np.unique(labels[keep]))),
        "by_font": by_font,
        **result,
    }
