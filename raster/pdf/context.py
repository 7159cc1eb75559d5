"""The document as context: letters sit among letters, digits among digits.

Some glyphs are the same drawing in two roles: in many designs ALEF (U+0627) and
ARABIC-INDIC DIGIT ONE (U+0661) are one vertical stroke, and HEH / DIGIT FIVE or ZERO / a dot
can be near-twins too. The glyph alone cannot tell them apart; its neighbours in the text can.
For each code, the neighbours (the codes shown just before and after it) vote with the class of
their own best label, letter or digit; a candidate label's probability is multiplied by the
vote share of its class, ``(n_class + 1) / (n_letter + n_digit + 2)``, and labels of other
classes (marks, punctuation, ligatures) by 1/2, the share of an even vote. The probability mass
outside the candidates is treated as neutral, so confidences stay comparable.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

from raster.labels import label_codepoints

Candidates = list[tuple[str, float]]  # (label, probability), best first


def label_class(label: str) -> str | None:
    """``letter`` / ``digit`` for a single-character label of that kind, else None."""
    cps = label_codepoints(label)
    if len(cps) != 1:
        return None
    cat = unicodedata.category(chr(cps[0]))
    if cat == "Nd":
        return "digit"
    return "letter" if cat.startswith("L") else None


def neighbour_votes(sequences: list[list[int]], best: dict[int, str]) -> dict[int, Counter]:
    """code -> Counter of the classes of its neighbours' best labels."""
    votes: dict[int, Counter] = {}
    for seq in sequences:
        for i, code in enumerate(seq):
            for j in (i - 1, i + 1):
                if 0 <= j < len(seq):
                    cls = label_class(best.get(seq[j], ""))
                    if cls is not None:
                        votes.setdefault(code, Counter())[cls] += 1
    return votes


def rerank(candidates: dict[int, Candidates], sequences: list[list[int]]) -> dict[int, Candidates]:
    """Candidates per code, re-weighted by the neighbours' vote and re-sorted (see module doc)."""
    best = {code: cands[0][0] for code, cands in candidates.items() if cands}
    votes = neighbour_votes(sequences, best)
    out = {}
    for code, cands in candidates.items():
        vote = votes.get(code)
        if not cands or not vote:
            out[code] = cands
            continue
        total = vote["letter"] + vote["digit"] + 2
        share = {"letter": (vote["letter"] + 1) / total, "digit": (vote["digit"] + 1) / total}
        weighted = [(lab, p * share.get(label_class(lab), 0.5)) for lab, p in cands]
        rest = max(0.0, 1.0 - sum(p for _, p in cands)) * 0.5
        z = sum(p for _, p in weighted) + rest
        out[code] = sorted(((lab, p / z) for lab, p in weighted), key=lambda lp: -lp[1])
    return out
