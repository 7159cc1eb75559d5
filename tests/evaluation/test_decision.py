"""Decision-rule ablation: methods, label prior and --charset re-decided from saved probabilities."""

from __future__ import annotations

import json

import numpy as np
import pytest

from raster.evaluation.crossval import refresh_result
from raster.evaluation.decision import decision_ablation

# ALEF isol, Latin l, a rare Quranic sign (U+06DE), PEH isol (Persian, not in `ar`)
LABELS = ["1575_isol", "108_isol", "1758_isol", "1662_isol"]


def _record(truth: str, cp: int) -> dict:
    return {
        "truth": [truth],
        "codepoints": [cp],
        "form": "isol",
        "letter": True,
        "design_class": "naskh",
        "font": "f.ttf",
        "stripped": [],
    }


@pytest.fixture()
def fold_dir(tmp_path):
    """Three alefs: the classifier prefers Latin l for the first, the rare sign for the
    second by a little and for the third by far; the kNN agrees. A Persian peh, read right,
    is not a glyph an Arabic text holds."""
    records = [_record("1575_isol", 1575) for _ in range(3)] + [_record("1662_isol", 1662)]
    (tmp_path / "glyphs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    clf = np.array(
        [[0.40, 0.45, 0.15, 0], [0.40, 0.05, 0.55, 0], [0.01, 0.0, 0.99, 0], [0, 0, 0.1, 0.9]],
        np.float16,
    )
    np.savez_compressed(
        tmp_path / "stripped_probs.npz", labels=np.asarray(LABELS), classifier=clf, knn=clf
    )
    counts = {"1575_isol": 98, "108_isol": 98, "1758_isol": 1, "1662_isol": 98}
    (tmp_path / "train_label_counts.json").write_text(json.dumps(counts))
    return tmp_path


def test_prior_and_charset_each_fix_what_they_should(fold_dir):
    out = decision_ablation(fold_dir, strengths=(0.0, 1.0))
    plain = {
        f"{m} prior={s}{c}"
        for m in ("classifier", "knn", "both")
        for s in ("0", "1")
        for c in ("", " on=ar", " charset=ar")
    }
    assert set(out) == plain | {f"{k} assign" for k in plain if k.startswith("both")}
    # as saved: the alefs all wrong, the peh right
    assert out["both prior=0"]["letters"]["label"] == pytest.approx(1 / 4)
    # on=ar: the same rule on the glyphs an Arabic text can hold (the alefs)
    assert out["both prior=0 on=ar"]["letters"] == {
        "n": 3,
        "label": 0.0,
        "char": 0.0,
        "label_top5": 1.0,
    }
    # the prior (alef 0.33, sign 0.003 after add-one smoothing) outweighs 0.55 vs 0.40 but not
    # 0.99 vs 0.01; Latin l is as frequent as alef and keeps its lead
    assert out["both prior=1 on=ar"]["letters"]["label"] == pytest.approx(1 / 3)
    # --charset ar keeps ASCII but drops the Quranic sign, however sure the shape is of it
    assert out["classifier prior=0 charset=ar"]["letters"]["label"] == pytest.approx(2 / 3)
    assert out["classifier prior=0 charset=ar"]["letters"]["n"] == 3
    assert out["knn prior=1 charset=ar"]["letters"]["label"] == pytest.approx(2 / 3)
    assert out["classifier prior=0"]["letters"]["label_top5"] == 1.0


def test_assign_gives_each_label_one_glyph_per_font(tmp_path):
    """Two glyphs of one font both look most like Latin l; the assignment gives l to the
    surer one and the other its runner-up, alef. A second font is decided on its own."""
    records = [_record("108_isol", 108), _record("1575_isol", 1575), _record("108_isol", 108)]
    records[2]["font"] = "other.ttf"
    (tmp_path / "glyphs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    clf = np.array([[0.2, 0.8, 0.0], [0.4, 0.6, 0.0], [0.3, 0.7, 0.0]], np.float16)
    np.savez_compressed(tmp_path / "stripped_probs.npz", labels=np.asarray(LABELS), classifier=clf)
    (tmp_path / "train_label_counts.json").write_text(json.dumps({}))
    out = decision_ablation(tmp_path, strengths=(0.0,), charsets=("all",))
    assert set(out) == {"classifier prior=0", "classifier prior=0 assign"}
    assert out["classifier prior=0"]["all"]["label"] == pytest.approx(2 / 3)
    assert out["classifier prior=0 assign"]["all"]["label"] == 1.0
    assert out["classifier prior=0 assign"]["all"]["label_top5"] == 1.0


def test_a_finished_fold_gets_the_rules_added_since(fold_dir):
    path = fold_dir / "result.json"
    path.write_text(json.dumps({"fold": 0, "decision": {"both prior=0": {}}}))
    result = refresh_result(path)
    assert "both prior=1 charset=ar" in result["decision"]
    assert json.loads(path.read_text()) == result
    before = path.stat().st_mtime_ns
    refresh_result(path)  # up to date: not rewritten
    assert path.stat().st_mtime_ns == before


def test_identifys_own_assignment_is_scored_when_the_fold_saved_it(fold_dir):
    """A fold saves what identify --assign gave each scored glyph over the whole font;
    the ablation scores it as its own row, next to the assignment over scored glyphs only."""
    path = fold_dir / "glyphs.jsonl"
    records = [json.loads(x) for x in path.read_text().splitlines()]
    for r, first in zip(records, ["1575_isol", "108_isol", "1575_isol", "1758_isol"], strict=True):
        r["stripped_assign"] = [first]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    out = decision_ablation(fold_dir, strengths=(0.0,), charsets=("all",))
    assert out["as run assign all-glyphs"]["letters"]["label"] == pytest.approx(2 / 4)
    assert out["as run assign all-glyphs"]["letters"]["n"] == 4
