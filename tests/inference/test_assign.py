"""One-to-one assignment against brute force."""

import itertools

import numpy as np
import pytest

from raster.inference.assign import NO_LABEL, assign_labels, assignment_cost


def _brute_force(probs, no_label_prob):
    n, c = probs.shape
    best = None
    options = list(range(c)) + [NO_LABEL] * n
    for combo in itertools.permutations(options, n):
        used = [j for j in combo if j != NO_LABEL]
        if len(used) != len(set(used)):
            continue
        cost = assignment_cost(probs, np.array(combo), no_label_prob)
        if best is None or cost < best:
            best = cost
    return best


@pytest.mark.parametrize("seed", range(5))
def test_assignment_is_optimal_like_brute_force(seed):
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.full(3, 0.5), size=4)  # 4 glyphs, 3 labels: someone gets none
    out = assign_labels(probs, no_label_prob=0.05, candidates=0)
    used = out[out != NO_LABEL]
    assert len(set(used.tolist())) == len(used)
    assert assignment_cost(probs, out, 0.05) == pytest.approx(_brute_force(probs, 0.05))


def test_conflict_goes_to_the_better_glyph_and_low_probability_gets_no_label():
    probs = np.array([[0.9, 0.1, 0.0], [0.8, 0.15, 0.05], [0.001, 0.001, 0.998 - 0.0]])
    probs[2] = [0.004, 0.004, 0.992]
    out = assign_labels(probs, no_label_prob=0.01, candidates=0)
    # Both glyphs 0 and 1 want label 0; 0.9 * 0.15 > 0.8 * 0.1, so glyph 1 takes label 1.
    assert out.tolist() == [0, 1, 2]
    weak = np.array([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]])
    assert sorted(assign_labels(weak, 0.01).tolist()) == [NO_LABEL, 0, 1]
    assert assign_labels(np.array([[0.005, 0.005]]), 0.01).tolist() == [NO_LABEL]


def test_candidate_pruning_keeps_the_optimum_on_peaked_rows():
    rng = np.random.default_rng(3)
    probs = rng.dirichlet(np.full(40, 0.1), size=25)
    full = assign_labels(probs, 0.01, candidates=0)
    pruned = assign_labels(probs, 0.01, candidates=10)
    assert assignment_cost(probs, pruned, 0.01) == pytest.approx(assignment_cost(probs, full, 0.01))
