"""The answers file the review page exports, and how its answers override the model.

Format (JSON, UTF-8)::

    {"format": "glyph-raster-answers", "version": 1,
     "kind": "font" | "pdf", "file": "broken.pdf", "sha256": "<hex of the file's bytes>",
     "face_index": 0,                       # fonts only
     "answers": [
       {"gid": 12, "glyph_name": "uni0628.init",          # fonts: the glyph
        "font": "12 0", "code": 5,                         # PDFs: font object + character code
        "label": "1576_init",   # '' = no character (or text without a label)
        "text": "\u0628",        # the logical text (a PDF's ToUnicode entry)
        "decision": "confirmed" | "runner-up" | "typed",
        "original": {"label": "1578_init", "text": "\u062a", "confidence": 0.41}}, ...]}

An answer overrides the model for its glyph (font) or code (PDF); the others keep the model's
guess. The hash ties the file to the font or PDF it was made for: applying it to another file
is refused with a one-line :class:`AnswersError`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from raster.errors import AnswersError, LabelError
from raster.labels import check_label, label_codepoints, label_text, split_label, text_problem
from raster.paths import file_sha256

FORMAT = "glyph-raster-answers"
VERSION = 1
KINDS = ("font", "pdf")
DECISIONS = ("confirmed", "runner-up", "typed")


@dataclass(frozen=True)
class Answer:
    """One decision of the person: ``label``/``text`` for a glyph (``gid``) or a PDF ``code``."""

    label: str
    text: str
    decision: str
    original: dict
    gid: int | None = None
    glyph_name: str | None = None
    font: str | None = None
    code: int | None = None

    @property
    def changed(self) -> bool:
        """The person chose something else than the model's guess."""
        return (self.label, self.text) != (
            self.original.get("label", ""),
            self.original.get("text", ""),
        )


@dataclass
class Answers:
    """A parsed answers file (see the module doc)."""

    kind: str
    file: str
    sha256: str
    face_index: int = 0
    answers: list[Answer] = field(default_factory=list)

    def by_gid(self) -> dict[int, Answer]:
        """Font answers: glyph index -> answer (the last one wins)."""
        return {a.gid: a for a in self.answers if a.gid is not None}

    def texts_by_font(self) -> dict[tuple[int, int], dict[int, str]]:
        """PDF answers: (object number, generation) of the font -> code -> text ('' = none)."""
        out: dict[tuple[int, int], dict[int, str]] = {}
        for a in self.answers:
            obj, gen = (int(x) for x in a.font.split())
            out.setdefault((obj, gen), {})[a.code] = a.text
        return out


def _fail(path, what: str):
    raise AnswersError(f"{path}: {what}")


def _int(v, path, where: str, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        _fail(path, f"{where}: {name} must be a non-negative integer, got {v!r}")
    return v


def _entry_lines(raw_text: str, count: int) -> list[int]:
    """The line (1-based) where each of the ``count`` entries of the file's ``answers`` list
    starts; ``[]`` when they cannot be found (the messages then give the entry's number only)."""
    decoder, space = json.JSONDecoder(), re.compile(r"\s*")
    for m in re.finditer(r'"answers"\s*:\s*\[', raw_text):
        pos, starts = m.end(), []
        try:
            while True:
                pos = space.match(raw_text, pos).end()
                if raw_text[pos] == "]":
                    break
                starts.append(pos)
                _, pos = decoder.raw_decode(raw_text, pos)
                pos = space.match(raw_text, pos).end()
                pos += raw_text[pos] == ","
        except (ValueError, IndexError):
            continue
        if len(starts) == count:
            lines, line, done = [], 1, 0
            for s in starts:  # one pass over the text, however many entries
                line += raw_text.count("\n", done, s)
                lines.append(line)
                done = s
            return lines
    return []


def _entry(raw, i: int, kind: str, path, line: int | None = None) -> Answer:
    where = (f"line {line}: " if line else "") + f"answer {i + 1}"
    if not isinstance(raw, dict):
        _fail(path, f"{where}: not an object")
    label, text = raw.get("label", ""), raw.get("text")
    if not isinstance(label, str) or (label and not label_codepoints(label)):
        _fail(path, f"{where}: label {label!r} is not '<codepoint>_<form>' or ''")
    try:
        check_label(label)
    except LabelError as exc:
        _fail(path, f"{where}: {exc}")
    if text is None:
        text = label_text(label)
    if not isinstance(text, str):
        _fail(path, f"{where}: text must be a string")
    why = text_problem(text)
    if why:
        _fail(path, f"{where}: text {text!r}: {why}")
    decision = raw.get("decision", "typed")
    if decision not in DECISIONS:
        _fail(path, f"{where}: decision {decision!r} is not one of {', '.join(DECISIONS)}")
    original = raw.get("original") or {}
    if not isinstance(original, dict):
        _fail(path, f"{where}: original must be an object")
    if kind == "font":
        return Answer(
            label,
            unicodedata.normalize("NFC", text),
            decision,
            original,
            gid=_int(raw.get("gid"), path, where, "gid"),
            glyph_name=raw.get("glyph_name"),
        )
    font = raw.get("font")
    if (
        not isinstance(font, str)
        or len(font.split()) != 2
        or not all(p.isdigit() for p in font.split())
    ):
        _fail(path, f"{where}: font must be '<object> <generation>', got {font!r}")
    return Answer(
        label,
        unicodedata.normalize("NFC", text),
        decision,
        original,
        gid=None if raw.get("gid") is None else _int(raw.get("gid"), path, where, "gid"),
        font=font,
        code=_int(raw.get("code"), path, where, "code"),
    )


def load_answers(path: str | Path, kind: str, target: str | Path) -> Answers:
    """Read an answers file made for ``target`` (a font when ``kind`` is 'font', else a PDF).

    Raises:
        AnswersError: unreadable or malformed file, another kind, or another file (hash).
    """
    path = Path(path)
    try:
        raw_text = path.read_text(encoding="utf-8")
        data = json.loads(raw_text)
    except FileNotFoundError:
        _fail(path, "no such answers file")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(path, f"not a JSON answers file ({exc})")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        _fail(path, f"not a {FORMAT} file (export it from the review page)")
    if data.get("version") != VERSION:
        _fail(path, f"answers format version {data.get('version')!r}; this tool reads {VERSION}")
    if data.get("kind") not in KINDS:
        _fail(path, f"kind must be one of {', '.join(KINDS)}")
    if data["kind"] != kind:
        _fail(path, f"answers for a {data['kind']}, not for a {kind}")
    digest = file_sha256(target)
    if data.get("sha256") != digest:
        _fail(
            path,
            f"made for {data.get('file')!r} (sha256 {str(data.get('sha256'))[:12]}...), not "
            f"for {Path(target).name} (sha256 {digest[:12]}...): answers apply to that file only",
        )
    entries = data.get("answers")
    if not isinstance(entries, list):
        _fail(path, "answers must be a list")
    lines = _entry_lines(raw_text, len(entries)) or [None] * len(entries)
    return Answers(
        data["kind"],
        str(data.get("file", "")),
        digest,
        int(data.get("face_index", 0) or 0),
        [_entry(raw, i, kind, path, lines[i]) for i, raw in enumerate(entries)],
    )


def apply_to_rows(rows: list[dict], answers: Answers) -> tuple[list[dict], int]:
    """Identify's rows with the answers applied: the answered label at confidence 1.0.

    A row gets ``answered`` (the decision, or None). Returns (new rows, answers applied); an
    answer for a glyph not among the rows is not applied (the caller reports it).
    """
    by_gid = answers.by_gid()
    out, used = [], 0
    for r in rows:
        a = by_gid.get(r["gid"])
        if a is None:
            out.append({**r, "answered": None})
            continue
        used += 1
        cp, form = split_label(a.label) if len(label_codepoints(a.label)) == 1 else (None, "")
        out.append(
            {
                **r,
                "char": a.text if cp is not None else "",
                "codepoint": cp,
                "form": form,
                "label": a.label,
                "confidence": 1.0,
                "answered": a.decision,
            }
        )
    return out, used


def load_font_answers(path: str | Path, font: str | Path, face_index: int = 0) -> Answers:
    """The answers made for ``font`` (face ``face_index``).

    Raises:
        AnswersError: see :func:`load_answers`; or answers for another face of a collection.
    """
    answers = load_answers(path, "font", font)
    if answers.face_index != face_index:
        raise AnswersError(f"{path}: answers for face {answers.face_index}, not face {face_index}")
    return answers


def apply_answers(rows: list[dict], answers: Answers, path: str | Path = "answers") -> list[dict]:
    """:func:`apply_to_rows`, saying how many answers were applied and ignored (logged)."""
    import logging

    log = logging.getLogger(__name__)
    out, used = apply_to_rows(rows, answers)
    changed = sum(a.changed for a in answers.answers)
    log.info("%s: %d answers applied (%d changed the guess)", path, used, changed)
    missing = len(answers.by_gid()) - used
    if missing:
        log.warning("%s: %d answers name glyphs without an outline; ignored", path, missing)
    return out
