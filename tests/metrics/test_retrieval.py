"""Retrieval metrics and effect size against naive references, and against PML."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from raster.metrics import (
    effect_size,
    evaluate_embeddings,
    knn,
    l2_normalize,
    pair_cosine_stats,
    retrieval_metrics,
)


def naive_metrics(knn_labels, query_labels, num_relevant):
    """Per-query loops of the documented definitions; lone queries (R = 0) skipped."""
    topk, rr, p1, rp, ap = [], [], [], [], []
    for row, y, r in zip(knn_labels, query_labels, num_relevant, strict=True):
        if r == 0:
            continue
        hits = [lab == y for lab in row]
        topk.append(1.0 if any(hits) else 0.0)
        rr.append(next((1.0 / (i + 1) for i, h in enumerate(hits) if h), 0.0))
        p1.append(1.0 if hits[0] else 0.0)
        cut = min(r, len(row))
        rp.append(sum(hits[:cut]) / cut)
        found, total = 0, 0.0
        for i in range(cut):
            if hits[i]:
                found += 1
                total += found / (i + 1)
        ap.append(total / r)

    def mean(v):
        return sum(v) / len(v)

    return {
        "top_k_retrieval": mean(topk),
        "mrr": mean(rr),
        "precision_at_1": mean(p1),
        "r_precision": mean(rp),
        "map_at_r": mean(ap),
    }


def test_hand_made_case():
    # query label, its 4 neighbours' labels, R (same-label items besides itself)
    knn_labels = np.array(
        [
            [1, 2, 1, 1],  # hits at 1, 3, 4; R = 3
            [2, 2, 3, 3],  # hits at 1, 2;    R = 2
            [3, 1, 1, 2],  # hit at 4;        R = 2
            [1, 1, 2, 2],  # label 4: no hit;  R = 1
            [2, 3, 3, 3],  # label 5: lone;   R = 0 (excluded)
        ]
    )
    query_labels = np.array([1, 2, 2, 4, 5])
    num_relevant = np.array([3, 2, 2, 1, 0])
    m = retrieval_metrics(knn_labels, query_labels, num_relevant)
    # by hand over the 4 evaluated queries
    assert m["top_k_retrieval"] == pytest.approx(3 / 4, abs=1e-15)
    assert m["mrr"] == pytest.approx((1 + 1 + 1 / 4 + 0) / 4, abs=1e-15)
    assert m["precision_at_1"] == pytest.approx(2 / 4, abs=1e-15)
    # R-precision: 2/3, 2/2, 0/2, 0/1
    assert m["r_precision"] == pytest.approx((2 / 3 + 1 + 0 + 0) / 4, abs=1e-15)
    # MAP@R: (1/3)(1/1 + 0 + 2/3) ; (1/2)(1 + 1) ; 0 ; 0
    assert m["map_at_r"] == pytest.approx(((1 + 2 / 3) / 3 + 1) / 4, abs=1e-15)
    assert (m["num_queries"], m["num_evaluated"], m["num_lone"], m["k"]) == (5, 4, 1, 4)
    assert m["num_r_truncated"] == 0
    naive = naive_metrics(knn_labels, query_labels, num_relevant)
    for key, value in naive.items():
        assert m[key] == pytest.approx(value, abs=1e-15)


def test_without_num_relevant_and_with_invalid_slots():
    knn_labels = np.array([["a", "b"], ["b", "b"]])
    m = retrieval_metrics(knn_labels, np.array(["b", "b"]), knn_valid=[[True, True], [False, True]])
    assert "r_precision" not in m and "map_at_r" not in m
    assert m["precision_at_1"] == pytest.approx(0.0)  # the second query's first slot is empty
    assert m["mrr"] == pytest.approx((1 / 2 + 1 / 2) / 2)
    empty = retrieval_metrics(np.zeros((1, 3)), np.array([1.0]), np.array([0]))
    assert math.isnan(empty["mrr"]) and empty["num_lone"] == 1


def test_truncated_r_is_counted():
    m = retrieval_metrics(np.array([[1, 1]]), np.array([1]), np.array([5]))
    assert m["num_r_truncated"] == 1
    assert m["r_precision"] == pytest.approx(1.0)  # 2 hits in the min(R, k) = 2 slots
    assert m["map_at_r"] == pytest.approx(2 / 5)


def tie_data(seed=0, n=60):
    """Unit vectors with exact entries (one-hot +-1, or all +-0.5 in 4-D): normalization
    leaves them unchanged and every cosine is a multiple of 0.25, so ties are exact."""
    rng = np.random.default_rng(seed)
    pool = [s * np.eye(4)[i] for i in range(4) for s in (1.0, -1.0)]
    pool += [(np.array(bits) * 2.0 - 1.0) * 0.5 for bits in np.ndindex(2, 2, 2, 2)]
    x = np.array([pool[i] for i in rng.integers(0, len(pool), size=n)], dtype=np.float32)
    return x, rng.integers(0, 8, size=n), rng.integers(0, 4, size=n)


@pytest.mark.parametrize("use_groups", [False, True])
def test_evaluate_embeddings_equals_naive_with_ties(use_groups):
    x, labels, groups = tie_data()
    labels[0] = 99  # a singleton label: lone query, excluded
    g = groups if use_groups else None
    m = evaluate_embeddings(x, labels, k=5, groups=g, r_metrics=True, effect_pairs=0)
    # naive: every other item sorted by (-cosine, index), own group and self removed
    xn = x / np.linalg.norm(x, axis=1, keepdims=True)
    n = len(x)
    rows, rel = [], []
    for i in range(n):
        others = [j for j in range(n) if j != i and (g is None or g[j] != g[i])]
        others.sort(key=lambda j: (-float(xn[i].astype(np.float64) @ xn[j]), j))
        rows.append([labels[j] for j in others])
        rel.append(sum(labels[j] == labels[i] for j in others))
    top5 = naive_metrics([r[:5] for r in rows], labels, rel)
    full = naive_metrics(rows, labels, rel)  # k = everything: R-metrics exact
    for key in ("top_k_retrieval", "mrr", "precision_at_1"):
        assert m[key] == pytest.approx(top5[key], abs=1e-12)
    for key in ("r_precision", "map_at_r"):
        assert m[key] == pytest.approx(full[key], abs=1e-12)
    assert m["num_lone"] == sum(r == 0 for r in rel) >= 1
    assert m["num_r_truncated"] == 0


def test_same_font_exclusion_changes_the_answer():
    # two fonts; each glyph's twin in its own font is a near-copy, the other font's is farther
    base = np.eye(4, dtype=np.float32)
    font_a = base + 0.01
    font_b = base + np.array([0.5, 0, 0, 0], dtype=np.float32)
    x = np.concatenate([font_a, font_a + 0.001, font_b])
    labels = np.array([0, 1, 2, 3] * 3)
    fonts = np.array(["a"] * 8 + ["b"] * 4)
    m_all = evaluate_embeddings(x, labels, k=1, effect_pairs=0)
    m_font = evaluate_embeddings(x, labels, k=1, groups=fonts, effect_pairs=0)
    assert m_all["precision_at_1"] == pytest.approx(1.0)
    idx, _ = knn(l2_normalize(x), None, 1, query_groups=fonts)
    assert all(fonts[j] != fonts[i] for i, j in enumerate(idx[:, 0]))
    assert m_font["precision_at_1"] == pytest.approx(float(np.mean(labels[idx[:, 0]] == labels)))


def naive_effect(x, labels):
    xn = x / np.linalg.norm(x, axis=1, keepdims=True)
    same, diff = [], []
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            (same if labels[i] == labels[j] else diff).append(float(xn[i] @ xn[j]))
    both = np.array(same * len(diff) + diff * len(same))  # equal weights for both samples
    gap = np.mean(same) - np.mean(diff)
    return gap / both.std(), gap / math.sqrt((np.var(same) + np.var(diff)) / 2)


def test_effect_size_exact_when_pairs_fit():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 5)) + np.repeat(rng.normal(size=(5, 5)) * 2, 6, axis=0)
    labels = np.repeat(np.arange(5), 6)
    stats = pair_cosine_stats(x, labels, max_pairs=10_000)
    want, want_d = naive_effect(x, labels)
    assert stats["num_same_pairs"] == 5 * 15 and stats["num_diff_pairs"] == 435 - 75
    assert stats["effect_size"] == pytest.approx(want, abs=1e-12)
    assert stats["cohen_d"] == pytest.approx(want_d, abs=1e-12)
    assert effect_size(x, labels) == stats["effect_size"]


def test_effect_size_sampled_is_seeded_and_close():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(400, 8)) + np.repeat(rng.normal(size=(20, 8)), 20, axis=0)
    labels = np.repeat(np.arange(20), 20)
    exact = pair_cosine_stats(x, labels, max_pairs=10**9)
    s1 = pair_cosine_stats(x, labels, max_pairs=3000, seed=7)
    s2 = pair_cosine_stats(x, labels, max_pairs=3000, seed=7)
    assert s1 == s2
    assert s1["num_same_pairs"] == s1["num_diff_pairs"] == 3000
    assert s1["effect_size"] == pytest.approx(exact["effect_size"], abs=0.05)


def test_effect_size_degenerate():
    assert math.isnan(effect_size(np.eye(3), [0, 1, 2]))  # no same-label pair


def test_cross_check_with_pytorch_metric_learning():
    pytest.importorskip("sklearn")  # PML's accuracy_calculator imports it
    ac_mod = pytest.importorskip("pytorch_metric_learning.utils.accuracy_calculator")
    rng = np.random.default_rng(3)
    x = l2_normalize(rng.normal(size=(300, 16)).astype(np.float32))
    labels = rng.integers(0, 25, size=300)
    labels[:3] = [100, 101, 102]  # lone queries
    calc = ac_mod.AccuracyCalculator(
        include=(
            "precision_at_1",
            "r_precision",
            "mean_average_precision_at_r",
            "mean_reciprocal_rank",
        ),
        k="max_bin_count",
        device=torch.device("cpu"),
    )
    ref = calc.get_accuracy(x, labels)
    max_r = int(np.bincount(labels).max()) - 1
    ours = evaluate_embeddings(x, labels, k=max_r, r_metrics=True, effect_pairs=0)
    assert ours["precision_at_1"] == pytest.approx(ref["precision_at_1"], abs=1e-6)
    assert ours["r_precision"] == pytest.approx(ref["r_precision"], abs=1e-6)
    assert ours["map_at_r"] == pytest.approx(ref["mean_average_precision_at_r"], abs=1e-6)
    assert ours["mrr"] == pytest.approx(ref["mean_reciprocal_rank"], abs=1e-6)
    assert ours["num_lone"] == 3


def test_cross_check_pml_on_tied_neighbour_lists():
    """Same knn_labels (ties decided by our kNN) through PML's metric functions."""
    pytest.importorskip("sklearn")
    ac_mod = pytest.importorskip("pytorch_metric_learning.utils.accuracy_calculator")
    x, labels, _ = tie_data(seed=4)
    max_r = int(np.bincount(labels).max()) - 1

    def our_knn(query, k, reference, ref_includes_query):
        idx, sims = knn(query.numpy(), None, k)
        return torch.from_numpy(-sims), torch.from_numpy(idx)

    calc = ac_mod.AccuracyCalculator(
        include=("precision_at_1", "r_precision", "mean_average_precision_at_r"),
        k="max_bin_count",
        device=torch.device("cpu"),
        knn_func=our_knn,
    )
    ref = calc.get_accuracy(l2_normalize(x), labels)
    ours = evaluate_embeddings(x, labels, k=max_r, r_metrics=True, effect_pairs=0)
    assert ours["precision_at_1"] == pytest.approx(ref["precision_at_1"], abs=1e-12)
    assert ours["r_precision"] == pytest.approx(ref["r_precision"], abs=1e-12)
    assert ours["map_at_r"] == pytest.approx(ref["mean_average_precision_at_r"], abs=1e-12)
