"""A language's word model: a word list mixed with a character n-gram model, from wordfreq.

``wordfreq`` (in the package data, so offline) gives Arabic, Persian and Urdu words with their
frequencies. The most frequent :data:`VOCABULARY` words are counted as character n-grams
(``^`` and ``$`` mark the word's ends), each word weighted by ``1 + log(frequency / the rarest's)``
(frequent words count more, without drowning the rest), and smoothed by Witten-Bell interpolation down to a uniform distribution
over the alphabet plus one unseen symbol. A character outside the alphabet (a Latin letter in an
Arabic model) gets the unseen symbol's share, which is how script consistency enters the
document decoding. Building takes about a second; models are cached per language. No
maintained library offers a small character n-gram model with this smoothing (nltk's lm module
is word-level and slow), so the counting is ours.

A word is scored by the mixture ``P(w) = LEXICON_WEIGHT * f(w) + (1 - LEXICON_WEIGHT) * P_ngram(w)``
where ``f`` is wordfreq's frequency of ``w`` (the share of word tokens it is: 0 for a string
that is no word of its 600k-word list): a real word, even a rare one, outscores a misreading
the character model finds about as likely (``الحديقة`` against ``العديقة``), while a word the
list lacks (a name) still gets the character model's share. The weight is an even mixture,
not tuned.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import cache, lru_cache

ORDER = 4
VOCABULARY = 30_000
LEXICON_WEIGHT = 0.5
LANGUAGES = ("ar", "fa", "ur")
BOUNDARY = "^"
END = "$"
MEMO_LIMIT = (
    200_000  # entries per LRU memo; the model lives as long as the process (a batch of PDFs)
)


def _letters(word: str) -> str | None:
    """NFKC text of a word made of letters only (marks dropped); None when it has anything else."""
    word = unicodedata.normalize("NFKC", word)
    out = "".join(c for c in word if not unicodedata.category(c).startswith("M"))
    return out if out and all(unicodedata.category(c).startswith("L") for c in out) else None


class CharNgram:
    """Witten-Bell-smoothed character n-grams of a weighted word list, optionally mixed with a
    word list's frequencies (``lexicon``: word -> share of word tokens, 0 when not a word)."""

    def __init__(
        self,
        words: dict[str, float],
        order: int = ORDER,
        lexicon: Callable[[str], float] | None = None,
        lexicon_weight: float = LEXICON_WEIGHT,
        memo_limit: int = MEMO_LIMIT,
    ):
        # per-instance LRU memos: scores repeat across a document's words and candidates
        self.prob = lru_cache(maxsize=memo_limit)(self._prob)
        self.word_logprob = lru_cache(maxsize=memo_limit)(self._word_logprob)
        self.order = order
        self.lexicon = lexicon
        self.lexicon_weight = lexicon_weight
        self.counts: dict[str, Counter] = defaultdict(Counter)  # history -> next char counts
        alphabet: set[str] = set()
        for word, weight in words.items():
            chars = BOUNDARY * (order - 1) + word + END
            alphabet.update(word)
            for i in range(order - 1, len(chars)):
                for n in range(order):  # histories of length 0 .. order-1
                    self.counts[chars[i - n : i]][chars[i]] += weight
        self.alphabet = frozenset(alphabet)
        self.uniform = 1.0 / (len(alphabet) + 2)  # the alphabet, END, one unseen symbol
        self._totals = {h: (sum(c.values()), len(c)) for h, c in self.counts.items()}

    def _prob(self, history: str, char: str) -> float:
        """P(char | the last order-1 characters of history) (memoised as ``prob``)."""
        p = self.uniform
        for n in range(0, self.order):
            if n > len(history):
                break
            h = history[len(history) - n :] if n else ""
            total, types = self._totals.get(h, (0.0, 0))
            if total <= 0:
                break
            lam = total / (total + types)
            p = lam * self.counts[h][char] / total + (1 - lam) * p
        return p

    def ngram_logprob(self, text: str) -> float:
        """log P_ngram(text as one whole word), ends included."""
        chars = BOUNDARY * (self.order - 1) + text + END
        return sum(
            math.log(self.prob(chars[i - self.order + 1 : i], chars[i]))
            for i in range(self.order - 1, len(chars))
        )

    def _word_logprob(self, text: str) -> float:
        """log P(text as one whole word): the n-grams alone, or mixed with the lexicon
        (memoised as ``word_logprob``)."""
        score = self.ngram_logprob(text)
        if self.lexicon is not None:
            key = _letters(text)
            freq = self.lexicon(key) if key is not None else 0.0
            rest = math.log(1.0 - self.lexicon_weight) + score
            score = rest if freq <= 0 else _logaddexp(rest, math.log(self.lexicon_weight * freq))
        return score


def _logaddexp(a: float, b: float) -> float:
    top = max(a, b)
    return top + math.log(math.exp(a - top) + math.exp(b - top))


@cache
def decoding_language(language: str, charset: str) -> str | None:
    """The language a document is decoded against: ``language`` (``ar``, ``fa``, ``ur``),
    None for ``none``, and for ``auto`` the ``charset`` when it is one of those languages."""
    if language == "auto":
        return charset if charset in ("ar", "fa", "ur") else None
    return None if language == "none" else language


@cache
def language_model(language: str, vocabulary: int = VOCABULARY) -> CharNgram:
    """The word model of ``language`` (``ar``, ``fa``, ``ur``), from wordfreq: character
    n-grams of its ``vocabulary`` most frequent words, mixed with its whole word list."""
    import wordfreq

    if language not in LANGUAGES:
        raise ValueError(f"no language model for {language!r}; one of {', '.join(LANGUAGES)}")
    words: dict[str, float] = {}
    for word, freq in wordfreq.get_frequency_dict(language).items():
        letters = _letters(word)
        if letters is not None:
            words[letters] = words.get(letters, 0.0) + freq
        if len(words) >= vocabulary:
            break
    rarest = min(words.values())

    def lexicon(word: str) -> float:
        return wordfreq.word_frequency(word, language)

    return CharNgram({w: 1.0 + math.log(f / rarest) for w, f in words.items()}, lexicon=lexicon)
