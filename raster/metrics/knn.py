"""Exact cosine k-nearest neighbours in chunks, and the one L2 normalization everybody calls.

Training, export (embed), evaluation and identification all normalize with
:func:`l2_normalize` and search with :func:`knn`, so their notion of distance cannot drift.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["l2_normalize", "knn"]

_EPS = 1e-12


def l2_normalize(x, eps: float = _EPS):
    """Divide each row (last axis) by its L2 norm (at least ``eps``).

    Args:
        x: (..., D) ``torch.Tensor`` or ``numpy.ndarray`` of floats.
        eps: lower bound on the norm, so an all-zero row stays zero instead of NaN.

    Returns:
        Same type, shape and dtype as ``x``; every non-zero row has unit norm.
    """
    if isinstance(x, torch.Tensor):
        return torch.nn.functional.normalize(x, p=2.0, dim=-1, eps=eps)
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float32)
    norms = np.linalg.norm(arr, axis=-1, keepdims=True)
    return arr / np.maximum(norms, eps).astype(arr.dtype)


def _as_tensor(x, dtype: torch.dtype | None = None) -> torch.Tensor:
    t = x if isinstance(x, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(x))
    t = t.detach().cpu()
    if dtype is not None:
        t = t.to(dtype)
    return t


def _group_codes(query_groups, ref_groups) -> tuple[np.ndarray, np.ndarray]:
    """Map group ids of any type (str, int) to shared int64 codes."""
    q = np.asarray(query_groups)
    r = np.asarray(ref_groups)
    _, codes = np.unique(np.concatenate([q.astype(object), r.astype(object)]), return_inverse=True)
    codes = codes.astype(np.int64)
    return codes[: len(q)], codes[len(q) :]


def _topk_lowest_index_first(sims: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Top-k per row with ties broken by the lower column index, exactly.

    ``torch.topk`` does not promise an order among equal values, so take a margin of
    ``4k + 17`` top columns and order those by (-similarity, column) with two stable sorts:
    when at most ``4k + 16`` columns reach the k-th largest value (usually k of them; more
    only with ties at the boundary), every one of them is in the margin. Rows with a huge tie
    at the boundary (duplicate embeddings, excluded rows) take a full stable sort instead.
    """
    rows, n = sims.shape
    kk = min(k, n)
    if kk == 0:
        return (torch.empty(rows, 0, dtype=torch.long), torch.empty(rows, 0, dtype=sims.dtype))
    m = min(4 * kk + 17, n)
    top_v, top_i = torch.topk(sims, m, dim=1, sorted=True)
    by_column = torch.sort(top_i, dim=1, stable=True).indices
    top_v, top_i = top_v.gather(1, by_column), top_i.gather(1, by_column)
    by_value = torch.sort(top_v, dim=1, descending=True, stable=True).indices[:, :kk]
    idx, val = top_i.gather(1, by_value), top_v.gather(1, by_value)
    if m < n:
        # more than m - 1 columns reach the k-th largest: some may lie outside the margin
        heavy = top_v.min(dim=1).values >= val[:, -1]
        if bool(heavy.any()):
            hv, hi = torch.sort(sims[heavy], dim=1, descending=True, stable=True)
            idx[heavy], val[heavy] = hi[:, :kk], hv[:, :kk]
    return idx, val


def knn(
    queries,
    refs=None,
    k: int = 10,
    *,
    exclude_self: bool | None = None,
    query_groups=None,
    ref_groups=None,
    chunk_size: int = 4096,
    backend: str = "torch",
) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours by cosine (dot product of the given vectors), in chunks.

    Inputs are used as given (normalize them with :func:`l2_normalize` first for cosine).
    Memory is O(chunk_size * N) for the similarity block, so 531k references fit in a few GB.

    Exclusions: with ``exclude_self``, query i never returns reference i (the queries are the
    first Q references, as when ``refs is None``); with groups, query i never returns a
    reference whose group equals ``query_groups[i]`` (e.g. font ids: "find this glyph in
    *other* fonts"). Excluded or missing neighbours (fewer than k candidates) come back as
    index -1 and similarity -inf, always after the valid ones.

    Ties: with the torch backend, equal similarities are ordered by the lower reference index
    first, exactly (``torch.topk`` alone does not promise this). "Equal" means equal as
    computed in the input dtype; float32 matmul rounding can split near-ties. The faiss
    backend (``faiss.IndexFlatIP``, exact as well) orders the candidates it returns the same
    way, but at the k-th place of a tie faiss decides which of the tied references come back.

    Args:
        queries: (Q, D) float array or tensor.
        refs: (N, D) float array or tensor; None means ``refs = queries``.
        k: neighbours per query (>= 1); capped at N.
        exclude_self: drop reference i for query i; default True when ``refs`` is None or is
            the same object as ``queries``, else False. Requires Q <= N.
        query_groups: (Q,) group ids (ints or strings) or None.
        ref_groups: (N,) group ids; defaults to ``query_groups`` when ``refs`` is None.
        chunk_size: queries per block.
        backend: ``"torch"`` (default), ``"faiss"``, or ``"auto"`` (faiss if importable).

    Returns:
        ``(indices, sims)``: (Q, k') int64 reference indices and (Q, k') float32
        similarities, k' = min(k, N), sorted by decreasing similarity.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1; got {k}")
    q, r, qg, rg, exclude_self = _prepare(queries, refs, exclude_self, query_groups, ref_groups)
    if backend == "auto":
        try:
            import faiss  # noqa: F401

            backend = "faiss"
        except ImportError:
            backend = "torch"
    if backend == "faiss":
        return _knn_faiss(q, r, k, exclude_self, qg, rg, chunk_size)
    if backend != "torch":
        raise ValueError(f"backend must be torch, faiss or auto; got {backend!r}")

    return _knn_torch(q, r, k, exclude_self, qg, rg, chunk_size)


def _prepare(queries, refs, exclude_self, query_groups, ref_groups):
    """Checked float tensors and group codes of a :func:`knn` call:
    (q (Q, D), r (N, D), query group codes or None, reference group codes or None,
    exclude_self resolved)."""
    same = refs is None or refs is queries
    if exclude_self is None:
        exclude_self = same
    q = _as_tensor(queries)
    r = q if refs is None else _as_tensor(refs)
    if not torch.is_floating_point(q):
        q = q.float()
    if not torch.is_floating_point(r):
        r = r.float()
    if q.dtype != r.dtype:
        q, r = q.float(), r.float()
    if q.ndim != 2 or r.ndim != 2 or q.shape[1] != r.shape[1]:
        raise ValueError(
            f"queries (Q, D) and refs (N, D) must agree; got {tuple(q.shape)}, {tuple(r.shape)}"
        )
    nq, nr = q.shape[0], r.shape[0]
    if exclude_self and nq > nr:
        raise ValueError("exclude_self needs the queries to be the first Q references (Q <= N)")
    qg = rg = None
    if query_groups is not None or ref_groups is not None:
        if query_groups is None:
            raise ValueError("ref_groups given without query_groups")
        if ref_groups is None:
            if not same:
                raise ValueError("ref_groups is required when refs differ from queries")
            ref_groups = query_groups
        if len(query_groups) != nq or len(ref_groups) != nr:
            raise ValueError(
                f"query_groups ({len(query_groups)}) and ref_groups ({len(ref_groups)}) must "
                f"match Q={nq} and N={nr}"
            )
        qg_np, rg_np = _group_codes(query_groups, ref_groups)
        qg, rg = torch.from_numpy(qg_np), torch.from_numpy(rg_np)
    return q, r, qg, rg, exclude_self


def _knn_torch(q, r, k, exclude_self, qg, rg, chunk_size):
    """The torch backend of :func:`knn`: exact, ties to the lower reference index."""
    nq, nr = q.shape[0], r.shape[0]
    kk = min(k, nr)
    out_idx = np.empty((nq, kk), dtype=np.int64)
    out_sim = np.empty((nq, kk), dtype=np.float32)
    rt = r.t().contiguous()
    for start in range(0, nq, chunk_size):
        stop = min(start + chunk_size, nq)
        sims = q[start:stop] @ rt  # (c, N)
        if exclude_self:
            rows = torch.arange(stop - start)
            sims[rows, rows + start] = float("-inf")  # sims is our own fresh tensor
        if qg is not None:
            sims.masked_fill_(qg[start:stop, None] == rg[None, :], float("-inf"))
        idx, val = _topk_lowest_index_first(sims, kk)
        idx[torch.isneginf(val)] = -1
        out_idx[start:stop] = idx.numpy()
        out_sim[start:stop] = val.float().numpy()
    return out_idx, out_sim


def _knn_faiss(q, r, k, exclude_self, qg, rg, chunk_size):
    """Exact search with ``faiss.IndexFlatIP``: fetch extra neighbours, then drop exclusions."""
    import faiss

    nq, nr = q.shape[0], r.shape[0]
    kk = min(k, nr)
    extra = int(exclude_self)
    if rg is not None:
        extra += int(torch.bincount(rg).max())  # a query's own group can fill that many slots
    fetch = min(nr, kk + extra)
    index = faiss.IndexFlatIP(r.shape[1])
    index.add(np.ascontiguousarray(r.float().numpy()))
    qn = np.ascontiguousarray(q.float().numpy())
    rg_np = None if rg is None else rg.numpy()
    out_idx = np.full((nq, kk), -1, dtype=np.int64)
    out_sim = np.full((nq, kk), -np.inf, dtype=np.float32)
    for start in range(0, nq, chunk_size):
        stop = min(start + chunk_size, nq)
        sims, idx = index.search(qn[start:stop], fetch)
        bad = idx < 0
        if exclude_self:
            bad |= idx == np.arange(start, stop)[:, None]
        if rg_np is not None:
            bad |= (rg_np[np.maximum(idx, 0)] == qg.numpy()[start:stop, None]) & (idx >= 0)
        sims = np.where(bad, -np.inf, sims).astype(np.float32)
        idx = np.where(bad, np.iinfo(np.int64).max, idx)  # invalid ones sort last
        order = np.lexsort((idx, -sims), axis=1)[:, :kk]  # by -sim, then lower index
        idx = np.take_along_axis(idx, order, 1)
        sims = np.take_along_axis(sims, order, 1)
        idx[np.isneginf(sims)] = -1
        out_idx[start:stop] = idx
        out_sim[start:stop] = sims
    return out_idx, out_sim
