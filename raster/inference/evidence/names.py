"""What a glyph name says: character(s) and form, parsed; a label prior, never a verdict.

Parsed, in this order (the first that yields something wins):

1. dot-mark names (``dotbelowar``, ``twodotshorizontalabovear``, ``threedotsupabovear``):
   a :class:`NameHint` of kind ``dots`` with the pattern (count, position);
2. the Arabic vendor schemes of :data:`VENDOR_LETTERS` (``beh``, ``behini``, ``meemfin``,
   ``alifiso``, ``lam_alef``, ``tehmarbuta``; optional ``-ar``/``ar`` tail) — looked up before the
   AGL because the AGL reads ``alef`` as HEBREW LETTER ALEF;
3. fontTools' AGL parser (:func:`fontTools.agl.toUnicode`): ``uni0628``, ``u1EE71``,
   ``afii57416``, ``beharabic``, ``uni0644_uni0627``; a presentation form (``uniFE91``,
   ``behinitialarabic``) gives its base character and form through its Unicode decomposition.

A form comes from a suffix (``.init``, ``.medi``, ``_fina``, ``.isol``, vendor ``ini/med/fin/iso``)
or a presentation form; a name without one is taken as the isolated (default) glyph. Suffixes
the parser does not know (``.alt``, ``.wide``, ``.ss01``) are ignored. Names such as ``g81``,
``glyph01611`` or ``.notdef`` say nothing (None).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from fontTools import agl

from raster.data.schema import FORMS
from raster.data.unicode_tables import is_presentation_form
from raster.labels import make_label

# Form words as suffixes (".init", "_medi") or glued to a vendor letter name ("behini").
FORM_WORDS = {
    "isol": "isol",
    "iso": "isol",
    "isolated": "isol",
    "init": "init",
    "ini": "init",
    "initial": "init",
    "medi": "medi",
    "med": "medi",
    "medial": "medi",
    "fina": "fina",
    "fin": "fina",
    "final": "fina",
}

# Vendor letter names of Arabic fonts (lower case), one table. Sources: the names Glyphs.app,
# FontForge ("Arabic" namelist), Noto/Google ("-ar" tail) and many legacy Arabic fonts use.
VENDOR_LETTERS: dict[str, int] = {
    "hamza": 0x0621,
    "alefmadda": 0x0622,
    "alefhamzaabove": 0x0623,
    "wawhamzaabove": 0x0624,
    "alefhamzabelow": 0x0625,
    "yehhamzaabove": 0x0626,
    "alef": 0x0627,
    "alif": 0x0627,
    "beh": 0x0628,
    "tehmarbuta": 0x0629,
    "teh": 0x062A,
    "theh": 0x062B,
    "jeem": 0x062C,
    "jim": 0x062C,
    "hah": 0x062D,
    "khah": 0x062E,
    "dal": 0x062F,
    "thal": 0x0630,
    "reh": 0x0631,
    "zain": 0x0632,
    "seen": 0x0633,
    "sheen": 0x0634,
    "sad": 0x0635,
    "dad": 0x0636,
    "tah": 0x0637,
    "zah": 0x0638,
    "ain": 0x0639,
    "ghain": 0x063A,
    "tatweel": 0x0640,
    "kashida": 0x0640,
    "feh": 0x0641,
    "qaf": 0x0642,
    "kaf": 0x0643,
    "lam": 0x0644,
    "meem": 0x0645,
    "noon": 0x0646,
    "heh": 0x0647,
    "waw": 0x0648,
    "alefmaksura": 0x0649,
    "yeh": 0x064A,
    "dotlessbeh": 0x066E,
    "dotlessqaf": 0x066F,
    "peh": 0x067E,
    "tcheh": 0x0686,
    "jeh": 0x0698,
    "veh": 0x06A4,
    "keheh": 0x06A9,
    "gaf": 0x06AF,
    "noonghunna": 0x06BA,
    "hehdoachashmee": 0x06BE,
    "hehgoal": 0x06C1,
    "yehfarsi": 0x06CC,
    "yehbarree": 0x06D2,
}

_DOTS_RE = re.compile(
    r"^(?P<n>one|two|three|four)?dots?"
    r"(?:horizontal|vertical|up|down|pointingup|pointingdown|inverted)?"
    r"(?P<pos>above|below|center)(?:ar|-ar|arabic)?$"
)
_COUNTS = {None: 1, "one": 1, "two": 2, "three": 3, "four": 4}
_VENDOR_TAIL = re.compile(r"(?:-ar|ar|arabic)$")


@dataclass(frozen=True)
class NameHint:
    """What a name says.

    Attributes:
        kind: ``letter`` (one character), ``ligature`` (several) or ``dots`` (a dot mark).
        codepoints: the base characters (empty for ``dots``).
        form: isol/init/medi/fina, or None when the name gives none (taken as isol).
        dots: (count, position) for ``dots``, e.g. ``(2, "above")``.
    """

    kind: str
    codepoints: tuple[int, ...] = ()
    form: str | None = None
    dots: tuple[int, str] | None = None

    def labels(self) -> tuple[str, ...]:
        """Label names this hint stands for (the user's ``<codepoint>_<form>`` schema;
        ``+``-joined codepoints for a ligature); none for dots."""
        if not self.codepoints:
            return ()
        return (make_label(self.codepoints, self.form or "isol"),)


@lru_cache(maxsize=1)
def _presentation_decompositions() -> dict[int, tuple[tuple[int, ...], str]]:
    """presentation-form codepoint -> (base codepoints, form), ligatures included."""
    tags = {"<isolated>": "isol", "<initial>": "init", "<medial>": "medi", "<final>": "fina"}
    out = {}
    for lo, hi in ((0xFB50, 0xFDFF), (0xFE70, 0xFEFF)):
        for cp in range(lo, hi + 1):
            parts = unicodedata.decomposition(chr(cp)).split()
            if len(parts) >= 2 and parts[0] in tags and "0020" not in parts[1:]:
                out[cp] = (tuple(int(p, 16) for p in parts[1:]), tags[parts[0]])
    return out


def _vendor(base: str) -> tuple[tuple[int, ...], str | None] | None:
    """Vendor-scheme letters, ``_``-joined ligatures, glued form words (``behini``)."""
    base = (
        _VENDOR_TAIL.sub("", base.lower()) if base.lower() not in VENDOR_LETTERS else base.lower()
    )
    cps, form = [], None
    for part in base.split("_"):
        if part in VENDOR_LETTERS:
            cps.append(VENDOR_LETTERS[part])
            continue
        for word in sorted(FORM_WORDS, key=len, reverse=True):  # "behini": beh + ini
            if part.endswith(word) and part[: -len(word)] in VENDOR_LETTERS:
                cps.append(VENDOR_LETTERS[part[: -len(word)]])
                form = FORM_WORDS[word]
                break
        else:
            return None
    return (tuple(cps), form) if cps else None


def parse_glyph_name(name: str) -> NameHint | None:
    """What ``name`` says about its glyph (see the module doc), or None.

    Examples: ``uni0628.init`` -> letter (0x628,) init; ``behmed`` -> letter (0x628,) medi;
    ``uniFEF5`` -> ligature (0x644, 0x622) isol; ``twodotsverticalabovear`` -> dots (2, above).
    """
    if not isinstance(name, str) or not name or name.startswith("."):
        return None
    head, *suffixes = name.split(".")
    form = next((FORM_WORDS[s.lower()] for s in suffixes if s.lower() in FORM_WORDS), None)
    parts = head.split("_")
    if len(parts) > 1 and parts[-1].lower() in FORM_WORDS:  # beh_medi, uni0628_fina
        form = form or FORM_WORDS[parts[-1].lower()]
        head = "_".join(parts[:-1])
    m = _DOTS_RE.match(head.lower())
    if m:
        return NameHint("dots", dots=(_COUNTS[m.group("n")], m.group("pos")))
    found = _vendor(head)
    if found is not None:
        cps, glued = found
        form = form or glued
    else:
        try:
            text = agl.toUnicode(head)
        except Exception:  # a garbage name (odd characters) says nothing
            return None
        cps = tuple(ord(c) for c in text)
        if not cps or any(0xE000 <= cp <= 0xF8FF or cp > 0x10FFFF for cp in cps):
            return None  # private use: the font's own encoding, no character
        if len(cps) == 1 and is_presentation_form(cps[0]):
            dec = _presentation_decompositions().get(cps[0])
            if dec is None:
                return None
            cps, pform = dec
            form = form or pform
    if form is not None and form not in FORMS:
        form = None
    return NameHint("letter" if len(cps) == 1 else "ligature", cps, form)


def glyph_name_prior(name: str, labels: list[str], reliability: float = 0.9) -> np.ndarray | None:
    """A name's likelihood over a label space: float64 (L,), or None when it says nothing.

    ``P(name | true label t) = reliability * [t in hint] + (1 - reliability) * u`` with ``u``
    the chance that a random label is in the hint — the name is right with probability
    ``reliability`` and otherwise unrelated (names lie). Multiply a posterior by it (and
    renormalize) to use it. For callers holding only a glyph name, e.g. a CFF/Type 1 program
    embedded in a PDF.
    """
    hint = parse_glyph_name(name)
    if hint is None:
        return None
    pos = {lab: i for i, lab in enumerate(labels)}
    idx = [pos[lab] for lab in hint.labels() if lab in pos]
    if not idx:
        return None
    out = np.full(len(labels), (1.0 - reliability) * len(idx) / len(labels), np.float64)
    out[idx] += reliability
    return out


def name_reliability(hit_prob: np.ndarray, chance: np.ndarray, iterations: int = 200) -> float:
    """How often a font's names are right, estimated from the shape posterior (EM, 1-D).

    Mixture model per glyph with a hint: the name is right (probability ``rho``; then it names
    the true label, which the shape posterior puts at ``hit_prob``) or unrelated (it lands on its
    labels by chance, ``chance``). Scrambled names agree with the shapes no more than chance, so
    ``rho`` goes to ~0; informative ones agree as often as the shapes are right.

    Args:
        hit_prob: float (N,) shape probability of each hinted glyph's hinted labels.
        chance: float (N,) share of the font's hinted labels that the hint covers.

    Returns:
        ``rho`` in [0, 1]; 0.0 for N = 0.
    """
    p = np.asarray(hit_prob, np.float64)
    u = np.maximum(np.asarray(chance, np.float64), 1e-12)
    if p.size == 0:
        return 0.0
    rho = 0.5
    for _ in range(iterations):
        z = rho * p / np.maximum(rho * p + (1.0 - rho) * u, 1e-300)
        new = float(z.mean())
        if abs(new - rho) < 1e-9:
            rho = new
            break
        rho = new
    return float(np.clip(rho, 0.0, 1.0))
