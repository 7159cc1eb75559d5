"""Label priors from training-font frequencies."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from raster.inference.priors import apply_prior, label_counts, label_prior


def test_counts_prior_and_reweighting(tmp_path):
    db = tmp_path / "g.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE glyphs (label TEXT, contours TEXT)")
    conn.executemany(
        "INSERT INTO glyphs VALUES (?, ?)",
        [("1575_isol", "[]")] * 6 + [("1769_isol", "[]")] * 1 + [("1576_isol", None)] * 5,
    )
    conn.commit()
    conn.close()
    counts = label_counts(db)
    assert counts == {"1575_isol": 6, "1769_isol": 1}  # rows without contours do not count
    prior = label_prior(counts, ["1575_isol", "1769_isol", "1576_isol"], alpha=1.0)
    assert prior.tolist() == pytest.approx([7 / 10, 2 / 10, 1 / 10])
    # ambiguous evidence between ALEF and a rare sign: the prior decides for ALEF
    probs = np.asarray([[0.45, 0.55, 0.0], [0.1, 0.9, 0.0]])
    out = apply_prior(probs, prior, 1.0)
    assert out[0].tolist() == pytest.approx(
        [0.45 * 0.7 / (0.45 * 0.7 + 0.55 * 0.2), 0.55 * 0.2 / (0.45 * 0.7 + 0.55 * 0.2), 0.0]
    )
    assert out[0].argmax() == 0 and out[1].argmax() == 1  # strong evidence still wins
    assert np.allclose(out.sum(1), 1.0)
    assert apply_prior(probs, prior, 0.0) is probs
