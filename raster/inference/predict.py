"""Per-glyph label probabilities from the classifier, a kNN vote over the index, or both.

The label space is the checkpoint's labels followed by any label only the index knows. Methods:

* ``classifier``: ``softmax(logits / T)``, T fitted on validation glyphs (1 without an index).
* ``knn``: :func:`~raster.inference.calibration.knn_vote` over the ``k`` nearest index rows.
* ``both``: the mean of the two distributions (a mixture of two calibrated forecasts).

Then, with ``prior`` > 0 and an index, the label prior of :mod:`~raster.inference.priors`:
the probabilities times (the index's share of rows per label) ** prior, so that a rare sign
needs more evidence than ALEF or MEEM.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from raster.errors import CheckpointError
from raster.inference.calibration import DEFAULT_KNN_EPS, DEFAULT_KNN_TAU, knn_vote, softmax_t
from raster.inference.priors import apply_prior, label_prior
from raster.inference.reference import DEFAULT_KNN_K, ReferenceIndex
from raster.labels import label_codepoints, split_label  # noqa: F401  (re-exported)

METHODS = ("classifier", "knn", "both")
# Rows per probabilities() call in predict_images: each call makes several float64 (rows, L)
# temporaries (softmax, vote, mixture, prior), ~9 MB each at 1,024 rows and 1,071 labels.
PROBABILITY_ROWS = 1024
# Strength of the label prior (0: none, 1: the full Bayes correction); chosen on the
# cross-validation folds' decision ablation (docs/results.md): 1 had the best mean on the
# stripped Arabic letters over 5 folds (61.8 % vs 61.2 % without).
DEFAULT_PRIOR = 1.0


@dataclass
class RawOutputs:
    """Model outputs for N glyphs: logits float32 (N, C) and unit-norm embeddings (N, D)."""

    logits: np.ndarray
    embeddings: np.ndarray


class Predictor:
    """Turns renders into label probabilities.

    Args:
        loaded: the network: a checkpoint
            (:class:`~raster.inference.checkpoint_loader.LoadedModel`) or the shipped ONNX
            export (:class:`~raster.inference.onnx_model.OnnxModel`).
        index: a reference index made by that checkpoint (needed by ``knn`` and ``both``).
        k: neighbours per kNN vote (default: the k the index was calibrated with).
        temperature: overrides the fitted classifier temperature.
        prior: label-prior strength (default :data:`DEFAULT_PRIOR`; needs the index, whose
            rows per label give the prior).
    """

    def __init__(
        self,
        loaded,
        index: ReferenceIndex | None = None,
        k: int | None = None,
        temperature: float | None = None,
        prior: float | None = None,
    ):
        self.loaded = loaded
        self.prior = float(DEFAULT_PRIOR if prior is None else prior)
        if self.prior < 0:
            raise ValueError(f"prior strength must be >= 0, got {self.prior}")
        self.index = index
        cal = index.calibration if index is not None else {}
        self.temperature = float(
            temperature if temperature is not None else cal.get("temperature", 1.0)
        )
        self.k = int(k or cal.get("knn_k", DEFAULT_KNN_K))
        self.knn_tau = float(cal.get("knn_tau", DEFAULT_KNN_TAU))
        self.knn_eps = float(cal.get("knn_eps", DEFAULT_KNN_EPS))
        self.labels = list(loaded.index_to_label)
        known = set(self.labels)
        if index is not None:
            self.labels += [lab for lab in index.label_names if lab not in known]
        pos = {lab: i for i, lab in enumerate(self.labels)}
        self._index_to_unified = (
            None if index is None else np.asarray([pos[lab] for lab in index.label_names], np.int64)
        )
        self._prior: np.ndarray | None = None

    def label_prior(self) -> np.ndarray | None:
        """float64 (L,) share of the index's rows per label (add-one smoothed), or None
        without an index."""
        if self.index is None:
            return None
        if self._prior is None:
            rows = np.bincount(self.index.label_codes, minlength=len(self.index.label_names))
            counts = dict.fromkeys(self.labels, 0)
            for lab, n in zip(self.index.label_names, rows.tolist(), strict=True):
                counts[lab] = n
            self._prior = label_prior(counts, self.labels)
        return self._prior

    def default_method(self) -> str:
        """``both`` with an index (best in bench/bench_identify.py), else ``classifier``."""
        return "both" if self.index is not None else "classifier"

    def run(self, images: np.ndarray, batch_size: int = 256, progress: bool = False) -> RawOutputs:
        """Model outputs for uint8 (N, S, S) renders."""
        return RawOutputs(*self.loaded.run_images(images, batch_size, progress))

    def predict_images(
        self,
        images: np.ndarray,
        method: str,
        batch_size: int = 256,
        progress: bool = False,
        mark: Callable[[str], None] | None = None,
    ) -> tuple[RawOutputs, np.ndarray]:
        """:meth:`run` and :meth:`probabilities` of uint8 (N, S, S) renders, each distinct image
        once (fonts repeat shapes under several names: 14 % of IBM Plex Sans Arabic's glyphs,
        20 % of Amiri's): ``(outputs, float64 (N, L) probabilities)``, row i for image i.
        ``mark("forward")`` and ``mark("knn+calibration")`` are called as each stage ends."""
        mark = mark or (lambda stage: None)
        first, inverse = distinct_images(images)
        raw = self.run(images[first], batch_size, progress)
        mark("forward")
        probs = np.empty((len(first), len(self.labels)), np.float64)
        for s in range(0, len(first), PROBABILITY_ROWS):  # bounds the (rows, L) temporaries
            part = RawOutputs(
                raw.logits[s : s + PROBABILITY_ROWS], raw.embeddings[s : s + PROBABILITY_ROWS]
            )
            probs[s : s + len(part.logits)] = self.probabilities(part, method)
        mark("knn+calibration")
        return RawOutputs(raw.logits[inverse], raw.embeddings[inverse]), probs[inverse]

    def classifier_probs(self, raw: RawOutputs) -> np.ndarray:
        """float64 (N, L) temperature-scaled softmax, zero on index-only labels."""
        p = softmax_t(raw.logits, self.temperature)
        extra = len(self.labels) - p.shape[1]
        return np.pad(p, ((0, 0), (0, extra))) if extra else p

    def knn_probs(self, raw: RawOutputs) -> np.ndarray:
        """float64 (N, L) kNN vote (zero on labels the index lacks, except the smoothing)."""
        if self.index is None:
            raise ValueError("the knn method needs a reference index (--index)")
        idx, sims = self.index.search(raw.embeddings, self.k)
        nl = np.where(idx >= 0, self.index.label_codes[np.maximum(idx, 0)], -1)
        p_index = knn_vote(nl, sims, len(self.index.label_names), self.knn_tau, self.knn_eps)
        out = np.zeros((len(idx), len(self.labels)), np.float64)
        out[:, self._index_to_unified] = p_index
        return out

    def probabilities(self, raw: RawOutputs, method: str) -> np.ndarray:
        """float64 (N, L) probabilities over :attr:`labels` for ``method`` (see module doc)."""
        if method == "classifier":
            p = self.classifier_probs(raw)
        elif method == "knn":
            p = self.knn_probs(raw)
        elif method == "both":
            p = 0.5 * (self.classifier_probs(raw) + self.knn_probs(raw))
        else:
            raise ValueError(f"method must be one of {METHODS}; got {method!r}")
        prior = self.label_prior() if self.prior > 0 else None
        return p if prior is None else apply_prior(p, prior, self.prior)


def distinct_images(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(first, inverse)`` for uint8 (N, S, S) images: ``images[first]`` are the distinct
    images in order of first appearance and ``images[first][inverse]`` equals ``images``."""
    n = len(images)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rows = np.ascontiguousarray(images).reshape(n, -1)
    keys = rows.view(np.dtype((np.void, rows.shape[1])))[:, 0]
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # distinct images in order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order], rank[inverse.reshape(-1)]


def load_predictor(
    checkpoint=None,
    index=None,
    device: str = "cpu",
    method: str | None = None,
    k: int | None = None,
    phases=None,
    prior: float | None = None,
) -> Predictor:
    """Checkpoint (+ the reference index it made, when given) -> :class:`Predictor`.

    Without a checkpoint, the shipped model (:mod:`~raster.inference.shipped`; on the CPU its
    ONNX export, no torch import) with its own index, or with ``index`` when given (an index
    built with the shipped model).

    Args:
        phases: a :class:`~raster.inference.timing.Phases` to record "model load" and
            "index load" in (optional).
        prior: label-prior strength (see :class:`Predictor`).

    Raises:
        CheckpointError / IndexMismatchError: unreadable checkpoint, an index of another
            checkpoint, or a ``method`` that needs the index without one.
    """

    from raster.inference.timing import Phases

    phases = phases if phases is not None else Phases()
    if checkpoint is None:
        from raster.inference.shipped import (
            load_inference_model,
            load_shipped_index,
            log_shipped,
            read_sidecar,
        )

        log_shipped(read_sidecar())
        with phases.phase("model load"):
            loaded = load_inference_model(device)
        with phases.phase("index load"):
            ref = _load_index(index, loaded.path) if index else load_shipped_index()
        return Predictor(loaded, ref, k=k, prior=prior)
    from raster.inference.checkpoint_loader import load_model

    if method in ("knn", "both") and not index:
        raise CheckpointError(f"--method {method} needs --index")
    with phases.phase("model load"):
        loaded = load_model(checkpoint, device)
    with phases.phase("index load"):
        ref = _load_index(index, checkpoint) if index else None
    return Predictor(loaded, ref, k=k, prior=prior)


def _load_index(index, checkpoint) -> ReferenceIndex:
    from raster.inference.index import load_index

    return load_index(index, checkpoint)


def top_k(probs: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(label indices (N, k), probabilities (N, k)), best first; ties by lower label index.

    A partition finds each row's k largest, and only those are sorted (a full sort of 1,071
    labels took 0.3 s for Amiri's 6,689 glyphs); rows whose k-th value is tied with a label
    outside them are sorted in full, so the tie rule holds exactly.
    """
    n, width = probs.shape
    k = min(k, width)
    if k == 0 or n == 0 or k == width:
        order = np.argsort(-probs, axis=1, kind="stable")[:, :k]
        return order, np.take_along_axis(probs, order, 1)
    part = np.argpartition(-probs, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(probs, part, 1)
    within = np.lexsort((part, -vals), axis=1)  # by value, then by lower label index
    order = np.take_along_axis(part, within, 1)
    tied = (probs >= vals.min(1, keepdims=True)).sum(1) > k
    if tied.any():
        order[tied] = np.argsort(-probs[tied], axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(probs, order, 1)
