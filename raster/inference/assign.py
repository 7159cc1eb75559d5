"""One glyph per (codepoint, form): a minimum-cost one-to-one assignment over a whole font.

Cost of giving glyph i label c is ``-log p_i(c)``; every glyph may instead take "no label" at
cost ``-log(no_label_prob)`` (ligatures, alternates and marks are not letters of the label
space). scipy's ``linear_sum_assignment`` solves it exactly on the candidate labels: the union
of every glyph's ``candidates`` most likely labels (a label nobody ranks that high would cost
more than leaving it unused in any sensible solution, and keeping it out keeps the matrix small).
"""

from __future__ import annotations

import numpy as np

NO_LABEL = -1
#: default price of "no label": a glyph takes a label only where one beats 1 % (identify, pdf)
NO_LABEL_PROB = 0.01
_FLOOR = 1e-12


def assign_labels(
    probs: np.ndarray, no_label_prob: float = NO_LABEL_PROB, candidates: int = 20
) -> np.ndarray:
    """Assign each glyph at most one label and each label at most one glyph.

    Args:
        probs: float (N, L) label probabilities per glyph.
        no_label_prob: a glyph takes a label only where that beats this probability in the
            joint optimum; ``-log`` of it is the price of leaving a glyph unlabelled.
        candidates: labels kept per glyph (their union forms the columns); 0 = all labels.

    Returns:
        int64 (N,) label index per glyph, :data:`NO_LABEL` (-1) for "no label".
    """
    probs = np.asarray(probs, np.float64)
    n, n_labels = probs.shape
    if n == 0:
        return np.zeros(0, np.int64)
    if candidates and candidates < n_labels:
        part = np.argpartition(-probs, candidates - 1, axis=1)[:, :candidates]
        cols = np.unique(part)
    else:
        cols = np.arange(n_labels)
    cost_labels = -np.log(np.maximum(probs[:, cols], _FLOOR))
    big = float(cost_labels.max()) * 10 + 1e6  # forbids another glyph's "no label" column
    dummy = np.full((n, n), big)
    np.fill_diagonal(dummy, -np.log(no_label_prob))
    from scipy.optimize import linear_sum_assignment  # only --assign needs it (a slow import)

    rows, picked = linear_sum_assignment(np.concatenate([cost_labels, dummy], axis=1))
    out = np.full(n, NO_LABEL, np.int64)
    is_label = picked < len(cols)
    out[rows[is_label]] = cols[picked[is_label]]
    return out


def assignment_cost(probs: np.ndarray, assigned: np.ndarray, no_label_prob: float) -> float:
    """Total ``-log`` cost of an assignment (the objective :func:`assign_labels` minimizes)."""
    probs = np.asarray(probs, np.float64)
    c = 0.0
    for i, j in enumerate(np.asarray(assigned).tolist()):
        c += -np.log(no_label_prob) if j == NO_LABEL else -np.log(max(probs[i, j], _FLOOR))
    return float(c)
