"""The loaded reference index and its search, importable without PyTorch.

Two searches over the same rows:

* exact cosine kNN (the default, :func:`raster.metrics.knn.knn`, imports torch): what
  ``index build`` indexes, the cross-validation and every ``--index`` run use;
* an inverted-file search (faiss ``IndexIVFFlat``) when the index carries one: the shipped
  release packs its coarse centroids and each row's list (``raster.release``), so a search
  compares a query with the rows of its ``nprobe`` nearest lists only (about 30 times fewer
  dot products on the shipped index). ``bench/bench_release_precision.py`` measures what it
  changes in the answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SEARCH_BLOCK = 1 << 24  # similarities held at once by an exact search (64 MB of float32)
DEFAULT_KNN_K = 10
# Approximate search: about 5 lists per 1,000 rows (1,024 lists on the shipped r2 index of
# 196,841 rows), 32 lists visited per query. On IBM Plex Sans Arabic's 1,701 glyphs that found
# 99.3 % of the exact 10 neighbours, the same top kNN vote for 99.5 % of the glyphs, in a sixth
# of the exact search's time (bench/bench_release_precision.py measures the answers).
DEFAULT_NPROBE = 32
MAX_LISTS = 1024


def inverted_list_count(rows: int) -> int:
    """Lists of an approximate search over ``rows`` rows: ~ rows / 192, at most
    :data:`MAX_LISTS`, at least 1."""
    return max(1, min(MAX_LISTS, rows // 192))


@dataclass(frozen=True)
class InvertedLists:
    """A coarse partition of the index rows for approximate search.

    Attributes:
        centroids: float32 (L, D) list centres (k-means of the rows, inner product).
        lists: int32 (N,) the list of each row.
        nprobe: lists a query visits.
    """

    centroids: np.ndarray
    lists: np.ndarray
    nprobe: int


@dataclass
class ReferenceIndex:
    """A loaded reference index.

    Attributes:
        path: the index directory (or packed file).
        info: ``index.json`` (fingerprint, raster config, calibration, ...).
        vectors: float32 (N, D) unit-norm embeddings.
        meta: N dicts ``{glyph_id, f_id, label}``.
        label_names: the distinct labels, sorted; label_codes: int64 (N,) index into them.
        inverted: the coarse partition for approximate search, or None (exact search).
    """

    path: Path
    info: dict
    vectors: np.ndarray
    meta: list[dict]
    label_names: list[str] = field(init=False)
    label_codes: np.ndarray = field(init=False)
    inverted: InvertedLists | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        labels = np.array([str(m["label"]) for m in self.meta])
        names, codes = np.unique(labels, return_inverse=True)
        self.label_names = names.tolist()
        self.label_codes = codes.astype(np.int64)

    def __len__(self) -> int:
        return len(self.meta)

    def __getattr__(self, name: str):
        # A packed index (raster.inference.shipped) keeps its int8 codes and makes the float32
        # rows on first use only: its inverted-file search reads the codes in blocks, so
        # identify never holds the (N, D) float32 copy (100 MB for the shipped index).
        codes = self.__dict__.get("_int8")
        if name == "vectors" and codes is not None:
            self.__dict__["vectors"] = dequantize(*codes)
            return self.__dict__["vectors"]
        raise AttributeError(name)

    @classmethod
    def from_codes(
        cls,
        path: Path,
        info: dict,
        q: np.ndarray,
        scale: np.ndarray,
        meta,
        label_names: list[str],
        label_codes: np.ndarray,
        inverted: InvertedLists | None = None,
    ) -> ReferenceIndex:
        """A packed index: int8 rows ``q`` (N, D) with per-dimension ``scale`` (D,), rows made
        on first use of :attr:`vectors`; labels already coded (``label_codes`` int64 (N,))."""
        index = cls.__new__(cls)
        index.path, index.info, index.meta = path, info, meta
        index.label_names, index.label_codes = list(label_names), label_codes
        index.inverted = inverted
        index._int8 = (q, scale)
        return index

    def _row_blocks(self, rows: int = 1 << 15):
        """float32 unit rows in consecutive blocks (from the int8 codes when packed)."""
        codes = self.__dict__.get("_int8")
        if codes is None or "vectors" in self.__dict__:
            yield self.vectors
            return
        q, scale = codes
        for s in range(0, len(q), rows):
            yield dequantize(q[s : s + rows], scale)

    @property
    def calibration(self) -> dict:
        return self.info.get("calibration", {})

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Cosine kNN of unit-norm (Q, D) queries: (indices int64 (Q, k), similarities float32
        (Q, k)), best first; missing neighbours are index -1.

        Exact unless the index carries :attr:`inverted` lists. The exact search goes in blocks
        of about :data:`SEARCH_BLOCK` / N queries, so the similarity matrix never holds more
        than ~64 MB whatever the index size (peak memory).
        """
        if self.inverted is not None:
            return self._search_inverted(queries, k)
        from raster.metrics.knn import knn

        chunk = max(1, SEARCH_BLOCK // max(len(self), 1))
        return knn(queries, self._search_refs(), k, exclude_self=False, chunk_size=chunk)

    def _search_refs(self):
        """:attr:`vectors` as an (N, D) torch view of a contiguous (D, N) copy made once, so
        that each search (one per font) skips :func:`knn`'s transposed copy of the index."""
        import torch

        cached = self.__dict__.get("_refs_t")
        if cached is None or cached[0] is not self.vectors:
            refs = torch.from_numpy(np.ascontiguousarray(self.vectors, np.float32))
            rt = refs.t().contiguous()  # as knn would make it, once
            cached = self.__dict__["_refs_t"] = (self.vectors, rt)
        return cached[1].t()

    def _search_inverted(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        index = self.__dict__.get("_faiss_ivf")
        if index is None:
            index = self.__dict__["_faiss_ivf"] = faiss_ivf(self._row_blocks(), self.inverted)
        q = np.ascontiguousarray(queries, np.float32)
        if not len(q):
            return np.zeros((0, k), np.int64), np.zeros((0, k), np.float32)
        sims, idx = index.search(q, min(k, len(self)))
        sims = np.where(idx >= 0, sims, -np.inf).astype(np.float32)
        return idx.astype(np.int64), sims


def first_non_finite(array: np.ndarray, rows: int = 1 << 15) -> int | None:
    """The first row of ``array`` (N, ...) holding a NaN or an infinity, or None; read in
    blocks of ``rows`` rows, so a memory-mapped array is never copied whole."""
    for s in range(0, len(array), rows):
        bad = ~np.isfinite(array[s : s + rows]).reshape(min(rows, len(array) - s), -1).all(1)
        if bad.any():
            return s + int(np.argmax(bad))
    return None


def dequantize(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """float32 (N, D) unit rows from int8 ``q`` (N, D) and per-dimension ``scale`` (D,)."""
    vectors = q.astype(np.float32)
    vectors *= scale[None, :]  # in place: one (N, D) float32 copy fewer at the memory peak
    norms = np.sqrt(np.einsum("nd,nd->n", vectors, vectors))
    vectors /= np.maximum(norms, 1e-12)[:, None]
    return vectors


def faiss_ivf(blocks, inverted: InvertedLists):
    """A faiss ``IndexIVFFlat`` (inner product) over the rows of ``blocks`` (float32 (n, D)
    arrays, in row order) with the given centroids and row lists (no k-means at load time);
    threads as :func:`default_threads`."""
    import faiss
    from faiss.contrib.ivf_tools import add_preassigned

    from raster.engine.threads import default_threads

    faiss.omp_set_num_threads(default_threads())
    c = np.ascontiguousarray(inverted.centroids, np.float32)
    quantizer = faiss.IndexFlatIP(c.shape[1])
    quantizer.add(c)
    index = faiss.IndexIVFFlat(quantizer, c.shape[1], len(c), faiss.METRIC_INNER_PRODUCT)
    index.is_trained = True
    lists = np.ascontiguousarray(inverted.lists, np.int64)  # faiss idx_t
    start = 0
    for block in blocks:
        end = start + len(block)
        ids = np.arange(start, end, dtype=np.int64)
        add_preassigned(index, np.ascontiguousarray(block, np.float32), lists[start:end], ids)
        start = end
    index.nprobe = int(inverted.nprobe)
    return index


def train_inverted_lists(
    vectors: np.ndarray, n_lists: int, nprobe: int, seed: int = 0
) -> InvertedLists:
    """k-means (inner product, faiss) of unit-norm ``vectors`` into ``n_lists`` lists, and each
    row's list; ``nprobe`` is stored for the search."""
    import faiss

    x = np.ascontiguousarray(vectors, np.float32)
    n_lists = max(1, min(int(n_lists), len(x)))
    km = faiss.Kmeans(x.shape[1], n_lists, niter=20, seed=seed, spherical=True, verbose=False)
    km.train(x)
    _, lists = km.index.search(x, 1)
    return InvertedLists(km.centroids.astype(np.float32), lists[:, 0].astype(np.int32), nprobe)
