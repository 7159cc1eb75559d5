"""Decode the document, not glyph by glyph: one text per code that makes the words likely.

Every (font, code) of the document stands for one text; the same code recurs in many words.
Given each code's candidate labels (the glyph's top-k probabilities) and the words it occurs
in (page order, :mod:`~raster.pdf.layout`), the decoder looks for the code -> text map that
maximises

    sum over codes   glyph_weight * log p(label | glyph)
  + sum over words   log P_lm(word's text)            (:mod:`~raster.pdf.language`)

by iterated conditional modes: start from each code's best label, then, codes ordered by how
often they occur, give each code the candidate that maximises the objective with the others
fixed; repeat until nothing changes (at most :data:`MAX_ROUNDS` rounds). A word counts once per
occurrence (at most :data:`MAX_WORDS_PER_CODE` words per code are scored). Words whose current
text is all digits are scored as numbers (each digit one of ten; the model knows no
numbers), a digit inside a word as the model scores any character. Script consistency
follows from the model: a Latin letter inside an Arabic word is a character the Arabic model
has never seen, so it survives only when its glyph probability outweighs that.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from collections.abc import Hashable

from raster.pdf.language import CharNgram

MAX_ROUNDS = 4
MAX_WORDS_PER_CODE = 200
FLOOR = 1e-6  # probability given to a candidate the identifier gave 0
# log-probability of each digit of a word that is all digits (one of ten). A number is scored,
# not skipped: a skipped word scored 0, the best any reading can score, so a misread letter
# that turned a word into "mostly digits" (بها read ٩1ا) was the decoder's favourite.
DIGIT_LOGPROB = math.log(0.1)

Choice = tuple[str, float]  # (text, probability)


def _is_number(text: str) -> bool:
    return all(unicodedata.category(c) == "Nd" for c in text)


def decode(
    candidates: dict[Hashable, list[Choice]],
    words: list[list[Hashable]],
    model: CharNgram,
    glyph_weight: float = 1.0,
) -> dict[Hashable, list[tuple[int, float]]]:
    """key -> [(candidate index, new probability), ...], the chosen one first (keys with no
    candidate are left out).

    A candidate's new probability is its share of the objective with the other codes' choices
    fixed (softmax of the scores): a code the words agree on becomes confident whatever its
    glyph said, one they cannot tell keeps about its glyph probabilities.

    Args:
        candidates: key (font, code) -> [(text, probability), ...], best first.
        words: each word as its keys in logical order (one entry per occurrence).
        model: the language's character model.
        glyph_weight: weight of a code's glyph log-probability against the words' log-probability.
    """
    choice = {k: 0 for k, c in candidates.items() if c}
    occurs: dict[Hashable, list[int]] = defaultdict(list)
    for w, word in enumerate(words):
        for k in set(word):
            if k in choice and len(occurs[k]) < MAX_WORDS_PER_CODE:
                occurs[k].append(w)

    def text(key, override=None) -> str:
        if key not in choice:
            return ""
        i = override[1] if override is not None and override[0] == key else choice[key]
        return candidates[key][i][0]

    def word_score(w: int, override=None) -> float:
        t = "".join(text(k, override) for k in words[w])
        if not t:
            return 0.0
        if _is_number(t):  # the model knows no numbers: a digit costs what a uniform one would
            return len(t) * DIGIT_LOGPROB
        return model.word_logprob(t)

    def scores(key) -> list[float]:
        return [
            glyph_weight * math.log(max(p, FLOOR))
            + sum(word_score(w, (key, i)) for w in occurs[key])
            for i, (_, p) in enumerate(candidates[key])
        ]

    order = sorted(occurs, key=lambda k: -len(occurs[k]))
    for _ in range(MAX_ROUNDS):
        changed = 0
        for key in order:
            if len(candidates[key]) < 2:
                continue
            s = scores(key)
            best = max(range(len(s)), key=lambda i: (s[i], -i))
            if best != choice[key]:
                choice[key] = best
                changed += 1
        if not changed:
            break
    out = {}
    for key, chosen in choice.items():
        probs = [p for _, p in candidates[key]]
        if key in occurs and len(probs) > 1:
            s = scores(key)
            top = max(s)
            z = sum(math.exp(v - top) for v in s)
            probs = [math.exp(v - top) / z for v in s]
        rest = [i for i in range(len(probs)) if i != chosen]
        out[key] = [(i, probs[i]) for i in [chosen, *rest]]
    return out
