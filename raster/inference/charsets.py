"""Characters a document's language can contain, to restrict the labels identification picks.

The model's label space spans every Arabic-script letter of the training fonts (Extended-A/B
letters, Quranic marks, ...). Text in one language uses a small part of it; restricting the
labels to that part (``--charset ar``) removes confusions with letters the text cannot contain.
The sets: ASCII printable characters, Arabic punctuation and digits, tatweel and the harakat in
all; plus the letters of Arabic (``ar``), Persian (``fa``: + peh, tcheh, jeh, keheh, gaf, farsi
yeh, Extended Arabic-Indic digits) and Urdu (``ur``: Persian + tteh, ddal, rreh, noon ghunna,
heh doachashmee, heh goal, yeh barree and their variants).
"""

from __future__ import annotations

import numpy as np

from raster.labels import label_codepoints


def _span(a: int, b: int) -> set[int]:
    return set(range(a, b + 1))


_COMMON = (
    _span(0x20, 0x7E)
    | {0x060C, 0x061B, 0x061F, 0x0640, 0x066A, 0x066B, 0x066C, 0x066D, 0x06D4, 0x0670}
    | _span(0x064B, 0x0652)  # fathatan .. sukun
    | _span(0x0660, 0x0669)  # Arabic-Indic digits
)
_ARABIC = _span(0x0621, 0x063A) | _span(0x0641, 0x064A)
_PERSIAN = _ARABIC | {0x067E, 0x0686, 0x0698, 0x06A9, 0x06AF, 0x06CC} | _span(0x06F0, 0x06F9)
_URDU = _PERSIAN | {0x0679, 0x0688, 0x0691, 0x06BA, 0x06BE, 0x06C1, 0x06C2, 0x06C3, 0x06D2, 0x06D3}

CHARSETS: dict[str, frozenset[int] | None] = {
    "all": None,
    "ar": frozenset(_COMMON | _ARABIC),
    "fa": frozenset(_COMMON | _PERSIAN),
    "ur": frozenset(_COMMON | _URDU),
}


def allowed_labels(labels: list[str], charset: str) -> np.ndarray | None:
    """bool (L,) mask of the labels whose characters (one, or a ligature's) are all in
    ``charset`` (None for ``all``)."""
    if charset not in CHARSETS:
        raise ValueError(f"charset must be one of {sorted(CHARSETS)}, got {charset!r}")
    allowed = CHARSETS[charset]
    if allowed is None:
        return None
    return np.asarray(
        [bool(cps := label_codepoints(lab)) and all(cp in allowed for cp in cps) for lab in labels],
        bool,
    )


def restrict(probs: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """float64 (N, L) probabilities conditioned on the label being in ``mask``.

    A row with no mass on the allowed labels becomes uniform over them.
    """
    probs = np.asarray(probs, np.float64)
    if mask is None:
        return probs
    if not mask.any():
        raise ValueError("the charset allows none of the model's labels")
    out = np.where(mask[None, :], probs, 0.0)
    total = out.sum(axis=1, keepdims=True)
    uniform = mask[None, :] / mask.sum()
    return np.where(total > 0, out / np.where(total > 0, total, 1.0), uniform)
