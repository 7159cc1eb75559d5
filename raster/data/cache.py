"""Pre-raster cache: every selected glyph rendered once, in RAM or in a reusable memmap file.

Row i of the cache is always the render of the i-th glyph of the table it was built from:
workers render contiguous chunks and the parent writes each chunk at its start index.

On disk (``--pre-raster-mmap``) a cache is three files::

    PATH            raw (N, S, S) array of the dtype (np.memmap layout, C order)
    PATH.ids.npy    (N,) records (glyph_id, content_key), ascending glyph_id
    PATH.json       fingerprint sidecar; written last, so it marks a complete build

The fingerprint holds the rasterizer version, img_size, normalization, dtype, N and sha256
digests of the ordered glyph_ids and of their content keys (a hash of each row's contours JSON
and upem). Any mismatch rebuilds; a build goes to ``PATH.tmp<pid>`` and is moved into place
with ``os.replace`` after the old sidecar is deleted, so a killed build never looks complete.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing as mp
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from raster.data.contours import Outline
from raster.data.render import RasterConfig, render_many
from raster.progress import progress_bar

log = logging.getLogger(__name__)

DTYPES = ("uint8", "float32")
CHUNK = 512  # glyphs per worker task
_ID_DTYPE = np.dtype([("glyph_id", "<i8"), ("key", "<i8")])


def fingerprint(
    glyph_ids: np.ndarray, content_keys: np.ndarray, cfg: RasterConfig, dtype: str
) -> dict:
    """The sidecar dict that identifies a cache's exact contents."""
    ids = np.ascontiguousarray(glyph_ids, "<i8")
    keys = np.ascontiguousarray(content_keys, "<i8")
    return {
        "format": 1,
        "raster_version": cfg.version,
        "img_size": cfg.img_size,
        "normalization": cfg.normalization,
        "dtype": dtype,
        "n": int(len(ids)),
        "glyph_ids_sha256": hashlib.sha256(ids.tobytes()).hexdigest(),
        "content_sha256": hashlib.sha256(keys.tobytes()).hexdigest(),
    }


def _render_chunk(task):
    """Worker: render one contiguous chunk; returns its start index with the images."""
    start, outlines, upems, ids, cfg, dtype = task
    out = np.empty((len(outlines), cfg.img_size, cfg.img_size), dtype)
    _, shrunk = render_many(outlines, upems, cfg, out=out, glyph_ids=ids)
    return start, out, shrunk


def render_into(
    out: np.ndarray,
    outlines: Sequence[Outline],
    upems: np.ndarray,
    glyph_ids: np.ndarray,
    cfg: RasterConfig,
    workers: int = 0,
    desc: str = "pre-raster",
) -> np.ndarray:
    """Render glyph i into ``out[i]`` for every i, optionally with a process pool.

    Args:
        out: ``(N, S, S)`` uint8 or float32 array (RAM or memmap).
        outlines: N parsed outlines; upems: (N,) units per em; glyph_ids: (N,) for errors.
        cfg: raster config.
        workers: 0 renders in this process; N > 0 uses N worker processes over contiguous
            chunks of :data:`CHUNK` glyphs, written back by start index (never by arrival
            order), so the result is identical for any ``workers``.
        desc: tqdm label.

    Returns:
        shrunk: bool (N,), glyphs that ``em`` shrank to fit.
    """
    n = len(outlines)
    dtype = out.dtype.name
    shrunk = np.zeros(n, bool)
    bar = progress_bar(total=n, desc=desc, unit="glyph", enabled=False if n < 2 * CHUNK else None)
    tasks = (
        (s, outlines[s : s + CHUNK], upems[s : s + CHUNK], glyph_ids[s : s + CHUNK], cfg, dtype)
        for s in range(0, n, CHUNK)
    )
    try:
        if workers and workers > 0 and n > CHUNK:
            # fork where available (as DataLoader does): works from notebooks and stdin scripts
            # and the children only run numpy/skia code, never the parent's OpenMP pools.
            method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
            with mp.get_context(method).Pool(workers) as pool:
                for start, imgs, sh in pool.imap_unordered(_render_chunk, tasks):
                    out[start : start + len(imgs)] = imgs
                    shrunk[start : start + len(imgs)] = sh
                    bar.update(len(imgs))
        else:
            for task in tasks:
                start, imgs, sh = _render_chunk(task)
                out[start : start + len(imgs)] = imgs
                shrunk[start : start + len(imgs)] = sh
                bar.update(len(imgs))
    finally:
        bar.close()
    return shrunk


class CacheReader:
    """Reads rows of an on-disk cache with ``os.pread``.

    Pages of an ``np.memmap`` count in the process's resident memory once touched, so a
    training run that reads a 8.7 GB memmap end to end would grow to 8.7 GB RSS; ``pread``
    copies one image at a time and leaves caching to the kernel's page cache. The file
    descriptor is reopened after a fork (DataLoader workers).
    """

    def __init__(self, path: Path, n: int, img_size: int, dtype: str):
        self.path = Path(path)
        self.shape = (n, img_size, img_size)
        self.dtype = np.dtype(dtype)
        self._item_bytes = img_size * img_size * self.dtype.itemsize
        self._fd: int | None = None
        self._pid = -1

    def __len__(self) -> int:
        return self.shape[0]

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDONLY)
            self._pid = os.getpid()
        return self._fd

    def __getitem__(self, row: int) -> np.ndarray:
        if not 0 <= row < self.shape[0]:
            raise IndexError(f"cache row {row} out of range {self.shape[0]}")
        b = os.pread(self._file(), self._item_bytes, row * self._item_bytes)
        if len(b) != self._item_bytes:
            raise OSError(f"{self.path}: short read at row {row}")
        return np.frombuffer(b, self.dtype).reshape(self.shape[1:])

    def memmap(self) -> np.memmap:
        """The whole file as a read-only ``np.memmap`` (for bulk/vectorized reads)."""
        return np.memmap(self.path, dtype=self.dtype, mode="r", shape=self.shape)

    def __getstate__(self):
        d = self.__dict__.copy()
        d["_fd"] = None  # descriptors do not travel to other processes
        return d

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None


@dataclass
class PreRaster:
    """A built or loaded cache.

    Attributes:
        images: ``(M, S, S)`` ndarray (RAM) or :class:`CacheReader` (disk).
        rows: int64 (N,) the cache row of each table row (identity unless a ``stable`` cache
            built for a superset is reused).
        shrunk: bool (N,) per table row (False when unknown, e.g. a reused superset cache).
        built: True when rendered in this call, False when reused.
        path: the data file, or None in RAM.
    """

    images: np.ndarray | CacheReader
    rows: np.ndarray
    shrunk: np.ndarray
    built: bool
    path: Path | None


def sidecar_paths(path: Path) -> tuple[Path, Path]:
    """(fingerprint JSON, ids .npy) beside the data file ``path``."""
    return path.with_name(path.name + ".json"), path.with_name(path.name + ".ids.npy")


def _try_reuse(path, fp, glyph_ids, keys, stable) -> tuple[np.ndarray, dict] | None:
    side, ids_path = sidecar_paths(path)
    if not (side.exists() and path.exists() and ids_path.exists()):
        return None
    try:
        old = json.loads(side.read_text())
    except (OSError, ValueError):
        return None
    want_bytes = old.get("n", -1) * fp["img_size"] ** 2 * np.dtype(fp["dtype"]).itemsize
    if path.stat().st_size != want_bytes:
        return None
    if {k: v for k, v in old.items() if k != "shrunk_rows"} == fp:
        return np.arange(len(glyph_ids), dtype=np.int64), old
    if not stable:
        return None
    same = ("format", "raster_version", "img_size", "normalization", "dtype")
    if any(old.get(k) != fp[k] for k in same):
        return None
    stored = np.load(ids_path)
    if len(stored) != old["n"]:
        return None
    rows = np.searchsorted(stored["glyph_id"], glyph_ids)
    rows = np.minimum(rows, len(stored) - 1)
    if not (
        np.array_equal(stored["glyph_id"][rows], glyph_ids)
        and np.array_equal(stored["key"][rows], keys)
    ):
        return None
    return rows.astype(np.int64), old


def load_or_build(
    outlines: Sequence[Outline] | None,
    upems: np.ndarray,
    glyph_ids: np.ndarray,
    content_keys: np.ndarray,
    cfg: RasterConfig,
    dtype: str = "uint8",
    path: Path | None = None,
    workers: int = 0,
    stable: bool = False,
) -> PreRaster:
    """Render the glyphs once: into RAM, or into a fingerprinted file reused by later runs.

    One function, over 80 lines, because the cache protocol (fingerprint, reuse, superset
    lookup, build, verify) reads best in the order it runs.

    Args:
        outlines: N outlines (font units) in table order, ascending glyph_id.
        upems: (N,) units per em; glyph_ids: (N,) int64 ascending; content_keys: (N,) int64.
        cfg: raster config.
        dtype: ``"uint8"`` (coverage 0..255) or ``"float32"`` (coverage 0..1).
        path: data file for a memmap cache; None keeps the images in RAM (no reuse).
        workers: render processes (0 = this process).
        stable: also reuse a cache built for a superset of these glyphs (same config and
            content keys), reading it through a row index (``--preraster-stable``).

    Returns:
        :class:`PreRaster`; ``images[rows[i]]`` is the render of glyph_ids[i].
    """
    if dtype not in DTYPES:
        raise ValueError(f"pre-raster dtype must be one of {DTYPES}, got {dtype!r}")
    glyph_ids = np.asarray(glyph_ids, np.int64)
    if len(glyph_ids) > 1 and not np.all(np.diff(glyph_ids) > 0):
        raise ValueError("pre-raster cache needs strictly ascending glyph_ids")
    n, s = len(glyph_ids), cfg.img_size
    if path is None:
        images = np.empty((n, s, s), dtype)
        t0 = time.perf_counter()
        shrunk = render_into(images, outlines, upems, glyph_ids, cfg, workers)
        log.info("pre-rasterized %d glyphs in RAM in %.1f s", n, time.perf_counter() - t0)
        return PreRaster(images, np.arange(n, dtype=np.int64), shrunk, True, None)

    path = Path(path)
    fp = fingerprint(glyph_ids, content_keys, cfg, dtype)
    side, ids_path = sidecar_paths(path)
    reuse = _try_reuse(path, fp, glyph_ids, content_keys, stable)
    if reuse is not None:
        rows, old = reuse
        shrunk = np.isin(rows, np.asarray(old.get("shrunk_rows", []), np.int64))
        log.info("reusing pre-raster cache %s (%d images)", path, old["n"])
        return PreRaster(CacheReader(path, old["n"], s, dtype), rows, shrunk, False, path)
    if outlines is None:
        raise ValueError("cache must be rebuilt but the outlines were not kept")
    if side.exists():
        log.info("pre-raster cache %s does not match this selection/config: rebuilding", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    t0 = time.perf_counter()
    try:
        mm = np.memmap(tmp, dtype=dtype, mode="w+", shape=(max(n, 1), s, s))
        shrunk = render_into(mm[:n], outlines, upems, glyph_ids, cfg, workers)
        mm.flush()
        del mm
        if n == 0:
            os.truncate(tmp, 0)
        ids = np.empty(n, _ID_DTYPE)
        ids["glyph_id"] = glyph_ids
        ids["key"] = content_keys
        tmp_ids = tmp.with_name(tmp.name + ".ids.npy")
        np.save(tmp_ids, ids)
        # The old sidecar goes first: from here until the new one lands, no fingerprint exists,
        # so an interrupted swap can only cause a rebuild, never a wrong reuse.
        side.unlink(missing_ok=True)
        os.replace(tmp, path)
        os.replace(tmp_ids, ids_path)
        meta = dict(fp, shrunk_rows=np.flatnonzero(shrunk).tolist())
        tmp_side = tmp.with_name(tmp.name + ".json")
        tmp_side.write_text(json.dumps(meta))
        os.replace(tmp_side, side)
    finally:
        for p in (tmp, tmp.with_name(tmp.name + ".ids.npy"), tmp.with_name(tmp.name + ".json")):
            p.unlink(missing_ok=True)
    log.info("pre-rasterized %d glyphs into %s in %.1f s", n, path, time.perf_counter() - t0)
    return PreRaster(
        CacheReader(path, n, s, dtype), np.arange(n, dtype=np.int64), shrunk, True, path
    )
