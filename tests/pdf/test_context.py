"""raster.pdf.context: neighbours' letters and digits re-rank a code's candidate labels."""

from __future__ import annotations

import pytest

from raster.pdf.context import label_class, neighbour_votes, rerank

ONE, ALEF, BEH, FATHA = "1633_isol", "1575_isol", "1576_init", "1614_isol"


def test_label_classes():
    assert [label_class(x) for x in (ONE, ALEF, BEH, FATHA, "46_isol", "1604+1575_isol")] == [
        "digit",
        "letter",
        "letter",
        None,  # a mark
        None,  # punctuation
        None,  # a ligature
    ]


def test_votes_count_immediate_neighbours_only():
    best = {1: ONE, 2: BEH, 3: BEH, 4: FATHA}
    votes = neighbour_votes([[2, 1, 3], [4, 1], [1]], best)
    assert votes[1] == {"letter": 2}  # the mark votes nothing, a lone code has no neighbours
    assert votes[2] == {"digit": 1} and votes[4] == {"digit": 1}


def test_alef_among_letters_beats_digit_one_exactly():
    cands = {1: [(ONE, 0.4), (ALEF, 0.35)], 2: [(BEH, 0.9)], 3: [(BEH, 0.9)]}
    out = rerank(cands, [[2, 1, 3]])
    # letter share (2+1)/(2+0+2) = 3/4, digit share 1/4; the 0.25 outside is neutral (x 1/2)
    z = 0.35 * 0.75 + 0.4 * 0.25 + 0.25 * 0.5
    assert [lab for lab, _ in out[1]] == [ALEF, ONE]
    assert out[1][0][1] == pytest.approx(0.35 * 0.75 / z)
    assert out[1][1][1] == pytest.approx(0.4 * 0.25 / z)


def test_digit_among_digits_and_no_vote_no_change():
    cands = {
        5: [(ALEF, 0.5), (ONE, 0.45)],
        6: [(ONE, 0.9)],
        7: [("1634_isol", 0.9)],
        8: [(ALEF, 0.5)],
    }
    out = rerank(cands, [[6, 5, 7], [8]])
    assert out[5][0][0] == ONE
    assert out[8] == cands[8]  # no neighbours: untouched
