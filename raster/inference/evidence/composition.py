"""Dotted letters as a dotless skeleton plus a dot pattern, and back.

Fonts such as Noto Sans Arabic draw ``beh`` as the dotless-beh skeleton (U+066E) plus a
one-dot-below mark glyph; ingest stores such a letter form as a *composed* row
(``glyph_name`` ``dotbelowar+uni066E``). :data:`DOTTED` says which skeleton and dots make each
dotted letter, per form (a noon or yeh joined on its left side is drawn on the dotless-beh
tooth); tests check it against the composed rows of the bundled Noto fonts. The skeleton is
named by the dotless letter whose outline it is (U+066E DOTLESS BEH, U+06BA NOON GHUNNA, ...),
so a skeleton glyph keeps a label of the user's schema.
"""

from __future__ import annotations

import json

from raster.data.unicode_tables import joining_group
from raster.labels import dots_label, make_label, split_label  # noqa: F401  (dots_label re-exported)

# A dot pattern: (number of dots, "above" | "below").
Dots = tuple[int, str]

_ANY = ("isol", "init", "medi", "fina")
_JOINED_LEFT = ("init", "medi")
_FREE_LEFT = ("isol", "fina")

# letter -> [(forms, skeleton codepoint, dots)]
DOTTED: dict[int, list[tuple[tuple[str, ...], int, Dots]]] = {
    0x0628: [(_ANY, 0x066E, (1, "below"))],  # beh
    0x062A: [(_ANY, 0x066E, (2, "above"))],  # teh
    0x062B: [(_ANY, 0x066E, (3, "above"))],  # theh
    0x067E: [(_ANY, 0x066E, (3, "below"))],  # peh
    0x0646: [(_FREE_LEFT, 0x06BA, (1, "above")), (_JOINED_LEFT, 0x066E, (1, "above"))],  # noon
    0x064A: [(_FREE_LEFT, 0x0649, (2, "below")), (_JOINED_LEFT, 0x066E, (2, "below"))],  # yeh
    0x06CC: [(_JOINED_LEFT, 0x066E, (2, "below"))],  # farsi yeh (dotless when not joined left)
    0x062C: [(_ANY, 0x062D, (1, "below"))],  # jeem
    0x062E: [(_ANY, 0x062D, (1, "above"))],  # khah
    0x0686: [(_ANY, 0x062D, (3, "below"))],  # tcheh
    0x0630: [(_ANY, 0x062F, (1, "above"))],  # thal
    0x0632: [(_ANY, 0x0631, (1, "above"))],  # zain
    0x0698: [(_ANY, 0x0631, (3, "above"))],  # jeh
    0x0634: [(_ANY, 0x0633, (3, "above"))],  # sheen
    0x0636: [(_ANY, 0x0635, (1, "above"))],  # dad
    0x0638: [(_ANY, 0x0637, (1, "above"))],  # zah
    0x063A: [(_ANY, 0x0639, (1, "above"))],  # ghain
    0x0641: [(_ANY, 0x06A1, (1, "above"))],  # feh
    0x06A4: [(_ANY, 0x06A1, (3, "above"))],  # veh
    0x0642: [(_FREE_LEFT, 0x066F, (2, "above")), (_JOINED_LEFT, 0x06A1, (2, "above"))],  # qaf
    # teh marbuta: on heh, or (Noto, isolated) on ae
    0x0629: [(("isol", "fina"), 0x0647, (2, "above")), (("isol",), 0x06D5, (2, "above"))],
}

# Skeleton codepoints that are dotless letters in their own right (rarely text): a glyph
# labelled with one of them is described as a skeleton even without structural evidence.
DOTLESS_LETTERS = frozenset({0x066E, 0x066F, 0x06A1, 0x06BA})
SKELETONS = frozenset(s for entries in DOTTED.values() for _, s, _ in entries)
_NUMBERS = {1: "one dot", 2: "two dots", 3: "three dots", 4: "four dots"}


def decompose(cp: int, form: str) -> tuple[int, Dots] | None:
    """(skeleton codepoint, dots) that draw ``cp`` in ``form``, or None (not a dotted letter)."""
    for forms, skeleton, dots in DOTTED.get(cp, ()):
        if form in forms:
            return skeleton, dots
    return None


# Dotless letters drawn, in some forms, on another skeleton: alef maksura's, farsi yeh's and noon
# ghunna's initial and medial forms are the dotless-beh tooth, dotless qaf's the dotless feh's;
# farsi yeh's isolated and final forms are alef maksura's.
_SHARED_SKELETON = {
    (0x0649, _JOINED_LEFT): 0x066E,
    (0x06CC, _JOINED_LEFT): 0x066E,
    (0x06BA, _JOINED_LEFT): 0x066E,
    (0x066F, _JOINED_LEFT): 0x06A1,
    (0x06CC, _FREE_LEFT): 0x0649,
    (0x06C1, _FREE_LEFT): 0x0647,  # heh goal's final form is heh's in many fonts
}


def skeleton_of(cp: int, form: str) -> int | None:
    """The skeleton a glyph labelled ``cp`` in ``form`` is drawn on: a dotted letter's, a
    dotless letter's own (or the one it shares in that form), else None."""
    for (letter, forms), skeleton in _SHARED_SKELETON.items():
        if cp == letter and form in forms:
            return skeleton
    if cp in SKELETONS:
        return cp
    dec = decompose(cp, form)
    return dec[0] if dec else None


def skeletons(cp: int, form: str) -> list[int]:
    """Every skeleton ``cp`` may be drawn on in ``form`` (the first is :func:`decompose`'s)."""
    return [s for forms, s, _ in DOTTED.get(cp, ()) if form in forms]


def compose(skeleton: int, form: str, dots: Dots) -> int | None:
    """The letter a skeleton (its dotless codepoint) and a dot pattern make in ``form``, or None.

    Where two letters look alike (farsi yeh and yeh, initial or medial) the first of
    :data:`DOTTED` (the Arabic letter) is given. A dot drawn inside a jeem's bowl (``center``) counts as below.
    """
    dots = (dots[0], "below" if dots[1] == "center" else dots[1])
    for cp, entries in DOTTED.items():
        if any(form in forms and (s, d) == (skeleton, dots) for forms, s, d in entries):
            return cp
    return None


def compose_label(skeleton_label: str, dots: Dots) -> str | None:
    """``("1646_init", (1, "below"))`` -> ``"1576_init"`` (beh, initial); None if they make no
    letter. For callers that see a skeleton and a dots glyph side by side (a PDF's text run)."""
    skeleton, form = split_label(skeleton_label)
    if skeleton is None or not form:
        return None
    cp = compose(skeleton, form, dots)
    return None if cp is None else make_label(cp, form)


def skeleton_name(skeleton: int) -> str:
    """``0x066E`` -> ``"dotless beh skeleton"`` (its Unicode joining group)."""
    group = joining_group(skeleton).lower().replace("_", " ")
    if skeleton == 0x06BA:
        group = "noon"
    if skeleton == 0x0649:
        group = "yeh"
    return f"dotless {group} skeleton"


def dots_name(dots: Dots) -> str:
    """``(2, "above")`` -> ``"two dots above"``."""
    return f"{_NUMBERS.get(dots[0], f'{dots[0]} dots')} {dots[1]}"


def dot_pattern(contours_json: str, base_center_y: float | None = None) -> Dots | None:
    """The dot pattern a mark glyph's outline draws: (contours, above/below), font units.

    One closed contour per dot (dots have no counters); above when the glyph's vertical centre is
    above ``base_center_y`` (the base glyph's centre), else above 0 (the baseline). None for an
    empty outline or more than four contours (not a dot pattern).
    """
    contours = json.loads(contours_json)
    if not 1 <= len(contours) <= 4:
        return None
    ys = []
    for sub in contours:
        for op, arg in sub:
            if op in ("moveTo", "lineTo") and arg:
                ys.append(arg[1])
            elif op in ("curveTo", "qCurveTo"):
                ys.extend(p[1] for p in arg if p)
    if not ys:
        return None
    center = (min(ys) + max(ys)) / 2
    ref = 0.0 if base_center_y is None else base_center_y
    return len(contours), "above" if center > ref else "below"
