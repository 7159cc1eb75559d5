"""Which scripts a font covers, and which labels its glyphs may take.

The model learned the scripts of its labels (Arabic, and Latin through printable ASCII). A font
with a cmap says which characters its glyphs draw, so which script each mapped glyph belongs
to: a glyph the cmap maps to a script the model never learned (Greek, Cyrillic, ...) stays
unlabelled instead of being given the nearest Arabic letter, and a glyph mapped to Latin takes
only Latin or common labels (``ç`` is not a question mark). Common and inherited characters
(digits, punctuation, marks) and unknown ones (private use: what a cmap scrambled against
scraping often uses) say nothing. A font without a cmap is told from its labels instead.
``identify --scripts ignore`` turns this off, for a font whose cmap lies about its script.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from fontTools import unicodedata
from fontTools.ttLib import TTFont

from raster.inference.predict import label_codepoints

#: Common, Inherited and Unknown (private use, unassigned): characters that belong to no script
NO_SCRIPT = frozenset({"Zyyy", "Zinh", "Zzzz"})
#: the scripts of a glyph the cmap maps to common or inherited characters only
COMMON = frozenset({"Zyyy"})
SCRIPT_CHOICES = ("cmap", "ignore")


def char_scripts(codepoints) -> frozenset[str]:
    """The ISO 15924 scripts of ``codepoints``, Common, Inherited and Unknown left out."""
    return frozenset(unicodedata.script(cp) for cp in codepoints) - NO_SCRIPT


def label_scripts(label: str) -> frozenset[str]:
    """The scripts a label's characters are used in, none for ASCII signs: Unicode's script
    extensions (a fatha is inherited, an Arabic-Indic digit common, yet both are Arabic), and
    Arabic for a common character of an Arabic block (the end of ayah U+06DD)."""
    found: set[str] = set()
    for cp in label_codepoints(label):
        found |= unicodedata.script_extension(cp)
        if "Arabic" in unicodedata.block(cp):
            found.add("Arab")
    return frozenset(found) - NO_SCRIPT


def script_names(codes) -> str:
    """``Latn, Grek`` as ``Latin, Greek``."""
    return ", ".join(unicodedata.script_name(c) for c in codes)


def learned_scripts(labels: list[str]) -> frozenset[str]:
    """The scripts of a model's labels (Arabic and Latin for the shipped model)."""
    return frozenset().union(*(char_scripts(label_codepoints(lab)) for lab in labels))


def glyph_scripts(ttfont: TTFont, gids: np.ndarray) -> list[frozenset[str]] | None:
    """Per glyph of ``gids``, the scripts of the characters the font's cmap maps to it: empty
    for a glyph the cmap does not map or maps to private-use characters, :data:`COMMON` for
    one it maps to common or inherited characters only (digits, signs); None when the font has
    no cmap."""
    cmap = ttfont.getBestCmap() if "cmap" in ttfont else None
    if not cmap:
        return None
    gid_of = ttfont.getReverseGlyphMap()
    chars: dict[int, list[int]] = {}
    for cp, name in cmap.items():
        if name in gid_of:
            chars.setdefault(gid_of[name], []).append(cp)
    out = []
    for g in gids:
        cps = chars.get(int(g), ())
        found = char_scripts(cps)
        common = cps and all(unicodedata.script(cp) in COMMON | {"Zinh"} for cp in cps)
        out.append(found or (COMMON if common else frozenset()))
    return out


@dataclass
class ScriptCoverage:
    """The scripts of a font and what they did to its labels.

    Attributes:
        source: ``cmap`` (the font's characters) or ``labels`` (no cmap: the predicted labels).
        counts: script code -> glyphs of that script.
        learned: the scripts of the model's labels.
        unlearned: (N,) bool, glyphs left unlabelled: their script is none the model learned.
    """

    source: str
    counts: dict[str, int]
    learned: frozenset[str]
    unlearned: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    def line(self, most: int = 6) -> str:
        """``scripts (from the cmap): Latin 3, Greek 1 glyphs; 1 glyphs of Greek stay
        unlabelled (the model learned Arabic, Latin)``; past ``most`` scripts, ``and N
        more``."""
        ranked = sorted(self.counts.items(), key=lambda x: (-x[1], x[0]))
        said = ", ".join(f"{unicodedata.script_name(c)} {n}" for c, n in ranked[:most])
        said += f" and {len(ranked) - most} more" if len(ranked) > most else ""
        text = f"scripts (from the {self.source}): {said or 'none'} glyphs"
        if self.unlearned.any():
            never = [c for c, _ in ranked if c not in self.learned]
            names = script_names(never[:most]) + (
                f" and {len(never) - most} more" if len(never) > most else ""
            )
            text += (
                f"; {int(self.unlearned.sum())} glyphs of {names} stay unlabelled "
                f"(the model learned {script_names(sorted(self.learned))})"
            )
        return text

    def as_dict(self) -> dict:
        """JSON-able: source, glyphs per script name, glyphs left unlabelled."""
        return {
            "source": self.source,
            "glyphs": {unicodedata.script_name(s): n for s, n in sorted(self.counts.items())},
            "unlabelled_unlearned_script": int(self.unlearned.sum()),
        }


def restrict_by_script(
    probs: np.ndarray, labels: list[str], scripts: list[frozenset[str]]
) -> tuple[np.ndarray, np.ndarray]:
    """float64 (N, L) probabilities where each glyph the cmap maps to characters of learned
    scripts S takes only labels used in S or in no script (renormalized), and (N,) bool: glyphs
    whose scripts are all ones the model never learned (left as they are here; the caller
    leaves them unlabelled). A glyph mapped to common characters (:data:`COMMON`: a sign, a
    digit) takes the labels of the scripts the whole cmap covers or of none (a Latin font's
    symbols are no Arabic letters; a Greek font's period is still a period). Glyphs without
    scripts (unmapped, private use) keep their row."""
    per_label = [label_scripts(lab) for lab in labels]
    learned = learned_scripts(labels)
    font = frozenset().union(*scripts) - NO_SCRIPT
    probs = np.asarray(probs, np.float64).copy()
    unlearned = np.zeros(len(probs), bool)
    masks: dict[frozenset[str], np.ndarray] = {}
    for i, s in enumerate(scripts):
        if s == COMMON:
            if not font:
                continue  # the cmap names no script: nothing to hold a sign to
            s = font
        elif not s:
            continue
        elif not s & learned:
            unlearned[i] = True
            continue
        if s not in masks:
            masks[s] = np.asarray([not ls or bool(ls & s) for ls in per_label], bool)
        row = np.where(masks[s], probs[i], 0.0)
        total = row.sum()
        probs[i] = row / total if total > 0 else masks[s] / masks[s].sum()
    return probs, unlearned


def coverage(
    labels: list[str],
    scripts: list[frozenset[str]] | None,
    chosen: list[str],
    unlearned: np.ndarray | None = None,
) -> ScriptCoverage:
    """The :class:`ScriptCoverage` of a font: from its cmap's ``scripts`` when it has one, else
    from the ``chosen`` label of each glyph."""
    learned = learned_scripts(labels)
    counts: Counter[str] = Counter()
    if scripts is not None:
        for s in scripts:
            counts.update(s - NO_SCRIPT)
        source = "cmap"
    else:
        for lab in chosen:
            counts.update(char_scripts(label_codepoints(lab)))
        source = "labels"
    n = len(chosen)
    return ScriptCoverage(
        source, dict(counts), learned, unlearned if unlearned is not None else np.zeros(n, bool)
    )
