"""raster.pdf.language: the character n-gram models (decoding with them: test_decode.py)."""

from __future__ import annotations

import math

import pytest

from raster.pdf.language import CharNgram, language_model


def test_witten_bell_distributions_sum_to_one_exactly():
    lm = CharNgram({"abc": 3.0, "abd": 1.0, "ca": 2.0}, order=3)
    symbols = sorted(lm.alphabet) + ["$", "Z"]  # "Z": any unseen symbol gets the same share
    for history in ("", "^^", "^a", "ab", "zz", "c"):
        total = sum(lm.prob(history, c) for c in symbols)
        assert total == pytest.approx(1.0, abs=1e-12)


def test_witten_bell_by_hand():
    lm = CharNgram({"ab": 1.0}, order=2)
    # order 2 counts "^ab$" as: history "" -> a, b, $ (total 3, 3 types); "a" -> b (1, 1);
    # the alphabet {a, b} plus $ and one unseen symbol -> uniform 1/4
    uniform = 1 / 4
    p_uni = 3 / (3 + 3) * (1 / 3) + 3 / (3 + 3) * uniform  # lam = total / (total + types)
    p_big = 1 / (1 + 1) * 1 + 1 / (1 + 1) * p_uni
    assert lm.prob("a", "b") == pytest.approx(p_big)
    assert lm.word_logprob("ab") == pytest.approx(
        math.log(lm.prob("^", "a")) + math.log(lm.prob("a", "b")) + math.log(lm.prob("b", "$"))
    )


def test_arabic_model_prefers_real_words_and_arabic_letters():
    lm = language_model("ar")
    assert lm.word_logprob("الطالب") > lm.word_logprob("الطاكب")
    assert lm.word_logprob("الطالب") > lm.word_logprob("الطالl") + 5  # a Latin l for alef


def test_the_word_list_mixes_in_by_hand():
    lexicon = {"ab": 0.01}.get
    lm = CharNgram({"ab": 1.0, "ba": 1.0}, order=2, lexicon=lambda w: lexicon(w, 0.0))
    ngram = lm.ngram_logprob("ab")
    assert lm.word_logprob("ab") == pytest.approx(math.log(0.5 * 0.01 + 0.5 * math.exp(ngram)))
    assert lm.word_logprob("ba") == pytest.approx(math.log(0.5) + lm.ngram_logprob("ba"))


def test_a_real_arabic_word_beats_a_misreading_the_ngrams_find_as_likely():
    lm = language_model("ar")
    for word, misread in (("الحديقة", "العديقة"), ("صلاة", "صداة"), ("المساء", "المشاء")):
        assert lm.word_logprob(word) > lm.word_logprob(misread) + 2.0


def test_memo_tables_stay_bounded_and_give_the_same_scores():
    words = {"abc": 3.0, "abd": 1.0, "ca": 2.0, "bad": 1.0}
    unbounded = CharNgram(words, order=3)
    bounded = CharNgram(words, order=3, memo_limit=3)
    texts = ["abc", "ca", "bad", "dab", "abc", "cab", "ca", "dd"] * 3
    for text in texts:
        assert bounded.word_logprob(text) == unbounded.word_logprob(text)
        assert bounded.word_logprob.cache_info().currsize <= 3
        assert bounded.prob.cache_info().currsize <= 3
    assert unbounded.word_logprob.cache_info().currsize == len(set(texts))
