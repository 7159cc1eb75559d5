"""raster.pdf.decode: the document's code -> text map decoded against the character model."""

from __future__ import annotations

from raster.pdf.decode import decode
from raster.pdf.language import CharNgram


def test_decoding_lets_the_words_overrule_an_unsure_glyph():
    lm = CharNgram({"cat": 10.0, "act": 5.0, "tac": 1.0}, order=3)
    cands = {
        "c": [("c", 0.9), ("o", 0.1)],
        "a": [("o", 0.55), ("a", 0.45)],  # the glyph alone would say "o"
        "t": [("t", 0.95), ("l", 0.05)],
    }
    words = [["c", "a", "t"], ["a", "c", "t"], ["t", "a", "c"]]
    out = decode(cands, words, lm)
    assert [i for i, _ in out["a"]] == [1, 0]  # "a" chosen, "o" after it
    assert out["a"][0][1] > 0.9  # and the words make it confident
    assert [i for i, _ in out["c"]][0] == 0 and [i for i, _ in out["t"]][0] == 0


def test_decoding_keeps_a_sure_glyph_and_leaves_numbers_to_the_glyphs():
    lm = CharNgram({"ab": 10.0}, order=2)
    cands = {"x": [("b", 0.999999), ("z", 1e-6)], "d": [("1", 0.6), ("a", 0.4)]}
    out = decode(cands, [["x"], ["d", "d"]], lm, glyph_weight=1.0)
    assert out["d"][0][0] == 0  # "11" is a number: each digit one of ten, not the word model
    lm2 = CharNgram({"z": 10.0}, order=2)
    assert decode(cands, [["x"]], lm2, glyph_weight=100.0)["x"][0][0] == 0


def test_a_misread_digit_inside_a_word_gets_no_free_pass():
    """A reading that turns a word mostly into digits is scored like any other (it once
    scored 0, the best a word can score, and so won: بها read ٩1ا)."""
    lm = CharNgram({"aab": 10.0, "b": 1.0}, order=3)
    cands = {"d": [("1", 0.6), ("a", 0.4)], "x": [("b", 0.99), ("q", 0.01)]}
    out = decode(cands, [["d", "d", "x"]], lm)
    assert out["d"][0][0] == 1  # "aab", not "11b"
