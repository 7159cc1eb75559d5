"""Glyph labels in one place: parse, format (for machines and for people) and validate.

A label is ``<codepoint>_<form>`` (``1588_init``: SHEEN, initial form; the user's schema), a
ligature ``<cp>+<cp>_<form>`` (``1604+1575_isol``: lam-alef), a dot pattern ``dots:<n><side>``
(``dots:2above``, identify's answer for a bare dots glyph), or another word the DB may hold
(``1588_shaped``, ``blank``). Codepoints are decimal; a label's form is what follows the first
``_`` of a codepoint label ('' otherwise).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from raster.errors import LabelError

#: the four joining forms of the label space
FORMS = ("isol", "init", "medi", "fina")
MAX_CODEPOINT = 0x10FFFF
DOTS_PREFIX = "dots:"
DOT_SIDES = ("above", "below")


@dataclass(frozen=True)
class Label:
    """A parsed label.

    Attributes:
        codepoints: the characters it stands for, in order (``()`` for a dots or other label).
        form: the text after the first ``_`` of a codepoint label ('' when none).
        dots: ``(count, "above" | "below")`` of a dot-pattern label, else None.
    """

    codepoints: tuple[int, ...]
    form: str = ""
    dots: tuple[int, str] | None = None


def _digits(part: str) -> bool:
    return part.isascii() and part.isdigit()


def parse_label(label: str, *, any_number: bool = False) -> Label:
    """``"1588_init"`` -> ``Label((1588,), "init")``; ``"1604+1575_fina"`` -> two codepoints;
    ``"dots:2above"`` -> ``Label((), "", (2, "above"))``; anything else -> ``Label(())``.

    Numbers beyond U+10FFFF make no codepoint label (``Label(())``) unless ``any_number`` (a
    label space's bookkeeping, where the numbers only name columns); use :func:`check_label` to
    refuse surrogates and noncharacters."""
    if label.startswith(DOTS_PREFIX):
        rest = label[len(DOTS_PREFIX) :]
        n = rest.rstrip("abcdefghijklmnopqrstuvwxyz")
        if n and _digits(n) and rest[len(n) :] in DOT_SIDES:
            return Label((), "", (int(n), rest[len(n) :]))
        return Label(())
    head, _, form = label.partition("_")
    parts = head.split("+")
    if not all(_digits(p) and (any_number or int(p) <= MAX_CODEPOINT) for p in parts):
        return Label(())
    return Label(tuple(int(p) for p in parts), form)


def label_codepoints(label: str) -> tuple[int, ...]:
    """The characters a label stands for: ``"1593_init"`` -> ``(1593,)``, a ligature label
    ``"1604+1575_fina"`` -> ``(1604, 1575)``, anything else -> ``()``."""
    return parse_label(label).codepoints


def label_codepoint(label: str) -> int | None:
    """The one codepoint of a label (``"1593_init"`` -> 1593), or None (a ligature, a dots or
    other label, a number outside Unicode U+0000..U+10FFFF)."""
    cps = label_codepoints(label)
    return cps[0] if len(cps) == 1 else None


def split_label(label: str) -> tuple[int | None, str]:
    """``"1593_init"`` -> ``(1593, "init")``; a label without one codepoint -> ``(None, "")``."""
    lab = parse_label(label)
    return (lab.codepoints[0], lab.form) if len(lab.codepoints) == 1 else (None, "")


def label_form(label: str) -> str:
    """The form of a codepoint or ligature label (``"1604+1575_fina"`` -> ``"fina"``), else ''."""
    return parse_label(label).form


def label_text(label: str) -> str:
    """Logical text of a label: its characters in order, the form dropped (``1593_init`` ->
    U+0639, ``1604+1575_isol`` -> lam alef); '' for a dots or other label."""
    return "".join(chr(cp) for cp in label_codepoints(label))


def make_label(cps: int | tuple[int, ...] | list[int], form: str) -> str:
    """The label string: ``(0x644, 0x627), "fina"`` -> ``"1604+1575_fina"``, ``1588, "init"``
    -> ``"1588_init"``."""
    cps = (cps,) if isinstance(cps, int) else tuple(cps)
    return "+".join(str(cp) for cp in cps) + "_" + form


def dots_label(dots: tuple[int, str]) -> str:
    """The label of a dot pattern: ``(2, "above")`` -> ``"dots:2above"``."""
    return f"{DOTS_PREFIX}{dots[0]}{dots[1]}"


def printable(cp: int) -> str:
    """The character itself, or ``U+XXXX`` for a control, format, separator or unassigned one."""
    ch = chr(cp)
    return ch if unicodedata.category(ch)[0] not in "CZ" else f"U+{cp:04X}"


def label_for_people(label: str) -> str:
    """A label as a person reads it: ``"1588_init"`` -> ``"ش init"``, ``"1604+1575_isol"`` ->
    ``"لا isol"``, ``"dots:2above"`` -> ``"2 dots above"``; other labels unchanged."""
    lab = parse_label(label)
    if lab.dots:
        return f"{lab.dots[0]} dots {lab.dots[1]}"
    if not lab.codepoints:
        return label
    chars = "".join(printable(cp) for cp in lab.codepoints)
    return f"{chars} {lab.form}" if lab.form else chars


def describe_label(label: str) -> str:
    """A label with its codepoints and Unicode names: ``"1588_init"`` -> ``"U+0634 ARABIC
    LETTER SHEEN init"``; a ligature's characters joined by `` + ``."""
    lab = parse_label(label)
    if not lab.codepoints:
        return label_for_people(label)
    names = " + ".join(
        f"U+{cp:04X} {unicodedata.name(chr(cp), 'unnamed')}" for cp in lab.codepoints
    )
    return f"{names} {lab.form}" if lab.form else names


def codepoint_problem(cp: int) -> str | None:
    """Why ``cp`` cannot stand for a character in a cmap, a map or a text (a surrogate, U+0000,
    a noncharacter, beyond U+10FFFF), or None."""
    if not 0 <= cp <= MAX_CODEPOINT:
        return f"{cp} is beyond U+10FFFF"
    if cp == 0:
        return "U+0000 is the null character"
    if 0xD800 <= cp <= 0xDFFF:
        return f"U+{cp:04X} is a surrogate, not a character"
    if 0xFDD0 <= cp <= 0xFDEF or cp & 0xFFFE == 0xFFFE:
        return f"U+{cp:04X} is a noncharacter"
    return None


def text_problem(s: str) -> str | None:
    """Why text cannot be written as a character's text (a character of
    :func:`codepoint_problem`), or None."""
    for ch in s:
        why = codepoint_problem(ord(ch))
        if why:
            return why
    return None


def check_label(label: str) -> Label:
    """The parsed label, or :class:`LabelError` when one of its codepoints is refused
    (:func:`codepoint_problem`): ``"55296_isol"`` (U+D800) is refused.

    Raises:
        LabelError: one line naming the label and the reason.
    """
    head = label.partition("_")[0]
    for part in head.split("+"):
        if _digits(part):
            why = codepoint_problem(int(part))
            if why:
                raise LabelError(f"label {label!r}: {why}")
    return parse_label(label)


__all__ = [
    "DOTS_PREFIX",
    "FORMS",
    "Label",
    "LabelError",
    "MAX_CODEPOINT",
    "check_label",
    "codepoint_problem",
    "describe_label",
    "dots_label",
    "label_codepoint",
    "label_codepoints",
    "label_for_people",
    "label_form",
    "label_text",
    "make_label",
    "parse_label",
    "printable",
    "split_label",
    "text_problem",
]
