"""raster.pdf.text_accuracy: the character accuracy reported in docs/results.md."""

from __future__ import annotations

import pytest

from raster.pdf.text_accuracy import char_accuracy, logical_order, normalize


def test_normalize_folds_presentation_forms_cids_and_spaces():
    # U+FE91 is BEH initial form: NFKC gives U+0628
    assert normalize("  \ufe91a(cid:12)\n b ") == "\u0628a\ufffd b"


def test_logical_order_reverses_glyphs_of_rtl_lines_only():
    lam_alef = "\u0644\u0627"  # one ligature glyph: its text is already logical
    lines = [["c", "b", "a"], ["\u0628", lam_alef, "\u0628"], [" "]]
    assert logical_order(lines) == "cba " + "\u0628" + lam_alef + "\u0628"


@pytest.mark.parametrize(
    ("extracted", "source", "expected"),
    [
        ("abcd", "abcd", 1.0),
        ("abxd", "abcd", 0.75),  # one substitution in four
        ("ab", "abcd", 0.5),  # two deletions
        ("(cid:1)(cid:2)cd", "abcd", 0.5),  # an unmapped code is one wrong character
        ("xxxxxxxxxxxx", "abcd", 0.0),  # floored at 0
        ("", "", 1.0),
    ],
)
def test_char_accuracy_exact(extracted, source, expected):
    assert char_accuracy(extracted, source) == pytest.approx(expected)
