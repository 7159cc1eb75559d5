"""Label priors: a rare sign must need more evidence than ALEF or MEEM.

The classifier is trained on class-balanced batches (m per class) and the kNN vote counts
neighbours in a reference set with its own label mix, so neither output carries how often a
label occurs. :func:`label_prior` estimates that from the training fonts (the share of glyph
rows per label, smoothed); :func:`apply_prior` reweights probabilities by ``prior ** strength``
and renormalizes (strength 0: unchanged, 1: the Bayes correction from a uniform training
prior). Labels outside the prior (index-only labels) get the smallest prior. ``--charset``
stays a hard restriction applied after this.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from raster.data.schema import read_rows


def label_counts(db: str | Path) -> dict[str, int]:
    """Glyph rows per label in the glyph DB ``db`` (rows with contours)."""
    rows = read_rows(
        db, "SELECT label, COUNT(*) FROM glyphs WHERE contours IS NOT NULL GROUP BY label"
    )
    return {label: int(n) for label, n in rows}


def label_prior(counts: dict[str, int], labels: Sequence[str], alpha: float = 1.0) -> np.ndarray:
    """float64 (L,) prior over ``labels`` from row counts, add-``alpha`` smoothed, summing to 1."""
    c = np.asarray([counts.get(lab, 0) for lab in labels], np.float64) + alpha
    return c / c.sum()


def apply_prior(probs: np.ndarray, prior: np.ndarray, strength: float = 1.0) -> np.ndarray:
    """Rows of ``probs`` (N, L) times ``prior ** strength``, renormalized to sum to 1."""
    if strength == 0:
        return probs
    w = probs * np.power(prior, strength)[None, :]
    total = w.sum(1, keepdims=True)
    return np.divide(w, total, out=np.full_like(w, 1.0 / w.shape[1]), where=total > 0)
