"""Combine the shape posterior with what the font still tells: names, GSUB links, composition.

Stages, in order, each starting from the previous one's probabilities (N glyphs x L labels):

1. ``name``: each glyph whose name parses (:mod:`.names`) multiplies its posterior by the name's
   likelihood ``rho * [t in name] + (1 - rho) * u`` raised to :data:`NAME_WEIGHT`; ``rho`` (how
   often this font's names are right) is estimated per font from the agreement of names and
   shapes, so scrambled names get ~no weight (:func:`.names.name_reliability`).
2. ``gsub``: every root glyph of the form features and the glyphs it maps to (its contextual
   forms and their alternates) are one character: the character maximizing the sum of the
   members' log-probabilities, each member read in the form its feature gives
   (:mod:`.gsub_links`; ``rlig``/``calt`` alternates are not used). Ligatures (rlig/liga) get their components' characters.
3. ``composed``: a letter the GSUB decomposes into a skeleton and a dots glyph gets the dotted
   letter whose skeleton and dot pattern these are (:mod:`.composition`); the skeleton glyphs
   get their dotless label and the dots glyph its pattern.

Last, from the outline alone (so for every font, stripped or not): a zero-advance glyph drawn as
one to four equal dots, that the shape does not read as a dot-shaped mark, is labelled as its dot pattern
(:mod:`.dot_glyphs`); the probabilities are not touched.

A font without parseable names and without GSUB (a stripped font) comes out exactly as the shape
posterior. Every glyph records which stage last changed its top label (``decided_by``) and
which stages looked at it (``sources``).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from raster.inference.evidence import composition as comp
from raster.inference.evidence.dot_glyphs import advances, bare_dots, is_dot_mark_label
from raster.inference.evidence.gsub_links import GsubLinks, read_gsub_links
from raster.inference.evidence.names import NameHint, name_reliability, parse_glyph_name
from raster.labels import FORMS, dots_label, make_label, parse_label

log = logging.getLogger(__name__)

# Exponent on the name likelihood and the member floor below: the best mean log-likelihood on
# six training-corpus fonts, names intact / all shuffled / 30 % shuffled in a third each
# (tools/fit_name_weight.py with the demo model; docs/results.md "Evidence").
NAME_WEIGHT = 1.0
# Floor of a member's probability in the joint GSUB decision: one member whose shape says
# "not this character" costs at most -log(floor); fitted with NAME_WEIGHT.
MEMBER_FLOOR = 1e-4
_EPS = 1e-6  # floor in the composition decision (a label the space lacks)
SOURCES = ("shape", "name", "gsub", "composed")


@dataclass
class Evidence:
    """The combined identification of a font's glyphs.

    Attributes:
        probs: float64 (N, L) posterior after every stage used.
        decided_by: per glyph, the stage that last changed its top label (``shape`` if none).
        sources: per glyph, the stages that used evidence about it, e.g. ``shape+name+gsub``.
        labels_out: per glyph, a label outside the label space that replaces the top label
            (a ligature's or ``dots:2above``), or None.
        confidence_out: per glyph, the confidence of ``labels_out`` (0 where None).
        notes: per glyph, what it is beyond its label (``dotless beh skeleton``), or "".
        forms: per glyph, the form the GSUB gives it, or None.
        name_reliability: the font's estimated name reliability (None: no name parsed).
        warnings: one line per evidence source or part skipped.
    """

    probs: np.ndarray
    decided_by: list[str]
    sources: list[list[str]]
    labels_out: list[str | None]
    confidence_out: list[float]
    notes: list[str]
    forms: list[str | None]
    name_reliability: float | None = None
    warnings: list[str] = field(default_factory=list)


class _Labels:
    """Label space bookkeeping: (characters key, form) <-> column."""

    def __init__(self, labels: list[str]):
        self.labels = labels
        self.col: dict[tuple[tuple[int, ...], str], int] = {}
        self.key: list[tuple[tuple[int, ...], str] | None] = []
        for j, lab in enumerate(labels):
            parsed = parse_label(lab, any_number=True)  # a column's key, not yet a character
            if parsed.form in FORMS and parsed.codepoints:
                k = (parsed.codepoints, parsed.form)
                self.col.setdefault(k, j)
                self.key.append(k)
            else:
                self.key.append(None)
        self.chars = sorted({k[0] for k in self.col})
        self.char_pos = {c: i for i, c in enumerate(self.chars)}

    def dot_mark_columns(self) -> np.ndarray:
        """bool (L,): the labels of combining marks drawn as dots (U+0307 DOT ABOVE, ...)."""
        return np.asarray([is_dot_mark_label(lab) for lab in self.labels], bool)

    def form_matrix(self, form: str) -> tuple[np.ndarray, np.ndarray]:
        """(char positions, columns) of the labels with ``form``."""
        pairs = [(self.char_pos[c], j) for (c, f), j in self.col.items() if f == form]
        return np.asarray([p for p, _ in pairs], np.int64), np.asarray(
            [j for _, j in pairs], np.int64
        )


def _force(row: np.ndarray, j: int, conf: float) -> np.ndarray:
    """``row`` with probability ``conf`` on column ``j``, the rest scaled to ``1 - conf``."""
    rest = 1.0 - row[j]
    out = row * ((1.0 - conf) / rest) if rest > 0 else np.zeros_like(row)
    out[j] = conf
    return out


def combine_evidence(
    glyphs,
    probs: np.ndarray,
    labels: list[str],
    *,
    names: bool = True,
    gsub: bool = True,
    compose: bool = True,
    name_weight: float = NAME_WEIGHT,
    member_floor: float = MEMBER_FLOOR,
) -> Evidence:
    """Combine the shape posterior of a font's outlined glyphs with its names and GSUB.

    Args:
        glyphs: :class:`~raster.inference.font_glyphs.FontGlyphs` (gids, names, contours, face).
        probs: float (N, L) shape posterior over ``labels``.
        labels: the label space.
        names: use glyph names; gsub: use the GSUB's form links and ligatures; compose: and its
            skeleton + dots decompositions (only with ``gsub``).
        name_weight: exponent of the name likelihood.
        member_floor: floor of each member's probability in the joint GSUB decision.

    Returns:
        :class:`Evidence`; with nothing to use, ``probs`` unchanged (a copy).
    """
    n = len(glyphs)
    p = np.array(probs, np.float64, copy=True)
    ev = Evidence(
        p, ["shape"] * n, [["shape"] for _ in range(n)], [None] * n, [0.0] * n, [""] * n, [None] * n
    )
    space = _Labels(labels)
    row_of = {int(g): i for i, g in enumerate(glyphs.gids)}
    hints: list[NameHint | None] = [None] * n
    if names:
        hints = [_safe_hint(name, ev.warnings) for name in glyphs.names]
        _apply_names(ev, space, hints, name_weight)
    if gsub:
        try:
            links = read_gsub_links(glyphs.face.ttfont)
        except Exception as exc:  # never let a corrupt table stop identification
            links = GsubLinks(warnings=[f"GSUB unreadable ({exc}); GSUB evidence skipped"])
        ev.warnings += links.warnings
        if links:
            trees = _apply_forms(ev, space, links, row_of, member_floor)
            _apply_ligatures(ev, space, links, row_of)
            if compose:
                _apply_composition(ev, space, links, row_of, glyphs, hints, trees)
    for i in range(n):  # what shape alone can say: a dotless letter is a skeleton's outline
        j = int(np.argmax(ev.probs[i]))
        k = space.key[j]
        if not ev.notes[i] and k and len(k[0]) == 1 and k[0][0] in comp.DOTLESS_LETTERS:
            ev.notes[i] = comp.skeleton_name(k[0][0])
    _apply_bare_dots(ev, space, glyphs)
    for w in dict.fromkeys(ev.warnings):
        log.warning("%s: %s", getattr(glyphs, "path", "font"), w)
    return ev


def _apply_bare_dots(ev: Evidence, space: _Labels, glyphs) -> None:
    """A zero-advance glyph drawn as a dot pattern gets the pattern's label when no stage gave
    it one and the shape's answer is not itself a dot-shaped mark (U+0307 DOT ABOVE): the model
    has no label for bare dots and answers with a letter or some mark. Outline evidence, so a
    stripped font gets it exactly as shape only does."""
    adv = advances(glyphs.face.ttfont, glyphs.gids)
    if adv is None:
        return
    marks = space.dot_mark_columns()
    for i in np.flatnonzero(adv == 0):
        if ev.labels_out[i] is not None or marks[int(np.argmax(ev.probs[i]))]:
            continue
        dots = bare_dots(glyphs.outlines[i], 0, glyphs.upem)
        if dots is None:
            continue
        ev.labels_out[i] = dots_label(dots)
        ev.confidence_out[i] = float(1.0 - ev.probs[i, marks].sum())
        ev.notes[i] = comp.dots_name(dots)


def _safe_hint(name: str, warnings: list[str]) -> NameHint | None:
    try:
        return parse_glyph_name(name)
    except Exception as exc:  # a garbage name must not stop the others
        warnings.append(f"glyph name {name!r} unreadable ({exc}); ignored")
        return None


def _mark(ev: Evidence, i: int, source: str, before: int) -> None:
    if source not in ev.sources[i]:
        ev.sources[i].append(source)
    if int(np.argmax(ev.probs[i])) != before:
        ev.decided_by[i] = source


def _apply_names(ev: Evidence, space: _Labels, hints: list[NameHint | None], weight: float) -> None:
    cols: dict[int, list[int]] = {}
    for i, h in enumerate(hints):
        if h is not None and h.kind != "dots":
            idx = [space.col[k] for k in _hint_keys(h) if k in space.col]
            if idx:
                cols[i] = idx
    if not cols:
        return
    freq = Counter(tuple(c) for c in cols.values())
    rows = list(cols)
    hit = np.asarray([ev.probs[i, cols[i]].sum() for i in rows])
    chance = np.asarray([freq[tuple(cols[i])] / len(rows) for i in rows])
    rho = name_reliability(hit, chance)
    ev.name_reliability = rho
    if weight <= 0:
        return
    if rho >= 0.5:  # names this font gets right: a dots name says what the glyph is
        for i, h in enumerate(hints):
            if h is not None and h.kind == "dots":
                ev.labels_out[i], ev.confidence_out[i] = dots_label(h.dots), rho
                ev.notes[i] = comp.dots_name(h.dots)
                ev.sources[i].append("name")
                ev.decided_by[i] = "name"
    for i, u in zip(rows, chance, strict=True):
        before = int(np.argmax(ev.probs[i]))
        like = np.full(ev.probs.shape[1], (1.0 - rho) * u)
        like[cols[i]] += rho
        q = ev.probs[i] * like**weight
        total = q.sum()
        if total > 0:
            ev.probs[i] = q / total
            _mark(ev, i, "name", before)


def _hint_keys(h: NameHint) -> list[tuple[tuple[int, ...], str]]:
    return [(h.codepoints, h.form or "isol")]


def _apply_forms(ev: Evidence, space: _Labels, links: GsubLinks, row_of: dict[int, int], floor):
    """Joint character decision per GSUB root; returns {root gid: [(gid, form), ...]}."""
    children: dict[int, list[tuple[int, str | None]]] = {}
    targets = set()
    for src, dst, form in links.form_edges:
        children.setdefault(src, []).append((dst, form))
        targets.add(dst)
    # Alternates (rlig/calt) stay out: in Amiri they tie up to 53 glyphs, some of another
    # form, and a few wrong members outvote the rest (measured: docs/results.md "Evidence").
    roots = [g for g in children if g not in targets]
    trees: dict[int, list[tuple[int, str]]] = {}
    for root in roots:
        members, seen, stack = [], {root}, [(root, "isol")]
        while stack:
            g, form = stack.pop()
            members.append((g, form))
            for dst, f in children.get(g, ()):
                if dst not in seen:
                    seen.add(dst)
                    stack.append((dst, f or form))
        trees[root] = members
    if targets - _all_members(trees):
        ev.warnings.append("GSUB form links with no root (a substitution cycle); those skipped")
    mats = {f: space.form_matrix(f) for f in FORMS}
    decided: list[tuple[float, int, list[tuple[int, str]], np.ndarray]] = []
    for root, members in trees.items():
        rows = [(row_of[g], f) for g, f in members if g in row_of]
        if not rows or not space.chars:
            continue
        score = np.zeros(len(space.chars))
        for r, f in rows:
            pos, cols = mats[f]
            v = np.full(len(space.chars), np.log(floor))
            v[pos] = np.log(ev.probs[r, cols] + floor)
            score += v
        post = np.exp(score - score.max())
        post /= post.sum()
        decided.append((float(post.max()), root, rows, post))
    done: set[int] = set()
    for _, _, rows, post in sorted(decided, key=lambda d: -d[0]):  # most certain groups first
        for r, f in rows:
            ev.forms[r] = ev.forms[r] or f
            if r in done:
                continue
            done.add(r)
            pos, cols = mats[f]
            q = np.zeros_like(ev.probs[r])
            allowed = ev.probs[r, cols] > 0
            q[cols[allowed]] = post[pos[allowed]]
            if q.sum() <= 0:
                continue
            before = int(np.argmax(ev.probs[r]))
            ev.probs[r] = q / q.sum()
            _mark(ev, r, "gsub", before)
    return trees


def _all_members(trees) -> set[int]:
    return {g for members in trees.values() for g, _ in members}


def _top(ev: Evidence, space: _Labels, r: int) -> tuple[tuple[tuple[int, ...], str] | None, float]:
    j = int(np.argmax(ev.probs[r]))
    return space.key[j], float(ev.probs[r, j])


def _ligature_form(first: str, last: str) -> str:
    right = first in ("medi", "fina")  # joined to the preceding letter
    left = last in ("init", "medi")  # joined to the following letter
    return {(False, False): "isol", (False, True): "init", (True, True): "medi"}.get(
        (right, left), "fina"
    )


def _apply_ligatures(ev: Evidence, space: _Labels, links: GsubLinks, row_of: dict[int, int]):
    for parts, lig in links.ligatures:
        r = row_of.get(lig)
        if r is None or any(g not in row_of for g in parts):
            continue
        keys = [_top(ev, space, row_of[g]) for g in parts]
        if any(k is None for k, _ in keys):
            continue
        cps = tuple(cp for (k, _), _c in keys for cp in k)
        forms = [ev.forms[row_of[g]] or k[1] for g, (k, _) in zip(parts, keys, strict=True)]
        form = _ligature_form(forms[0], forms[-1])
        conf = float(np.prod([c for _, c in keys]))
        label = make_label(cps, form)
        before = int(np.argmax(ev.probs[r]))
        if (cps, form) in space.col:
            ev.probs[r] = _force(ev.probs[r], space.col[(cps, form)], conf)
            _mark(ev, r, "gsub", before)
        else:
            ev.labels_out[r], ev.confidence_out[r] = label, conf
            _mark(ev, r, "gsub", before)
            ev.decided_by[r] = "gsub"
        ev.notes[r] = "ligature " + "+".join(f"U+{cp:04X}" for cp in cps)


def _gdef_marks(face) -> set[int]:
    try:
        cd = face.ttfont["GDEF"].table.GlyphClassDef if "GDEF" in face.ttfont else None
        if cd is None:
            return set()
        order = face.ttfont.getReverseGlyphMap()
        return {order[n] for n, c in cd.classDefs.items() if c == 3 and n in order}
    except Exception:
        return set()


def _center_y(contours_json: str) -> float | None:
    import json

    ys = [
        pt[1]
        for sub in json.loads(contours_json)
        for op, arg in sub
        for pt in ([arg] if op in ("moveTo", "lineTo") else (arg or []))
        if pt
    ]
    return (min(ys) + max(ys)) / 2 if ys else None


def _apply_composition(ev, space, links, row_of, glyphs, hints, trees) -> None:
    if not links.decompositions:
        return
    marks = _gdef_marks(glyphs.face)
    for src, parts in links.decompositions:
        dots_of, base = {}, None
        for g in parts:
            r = row_of.get(g)
            h = hints[r] if r is not None else None
            if h is not None and h.kind == "dots":
                dots_of[g] = h.dots
            elif g in marks and r is not None:
                dots_of[g] = None  # geometry below, relative to the base
            elif base is None:
                base = g
        if base is None or len(dots_of) != 1:
            continue
        ((mark, dots),) = dots_of.items()
        if dots is None:
            cy = _center_y(glyphs.contours[row_of[base]]) if base in row_of else None
            dots = comp.dot_pattern(glyphs.contours[row_of[mark]], cy)
        if dots is None:
            continue
        form = ev.forms[row_of[src]] if src in row_of else None
        form = form or "isol"
        cands = [cp for cp in comp.DOTTED if _matches(comp.decompose(cp, form), dots)]
        if not cands:
            continue
        # Each candidate c: P(src is c) * P(base is drawn on c's skeleton: the dotless letter
        # or any letter on it, as a model easily mistakes a skeleton for a dotted letter);
        # against "none of them" (an alef + hamza decomposition, say): nothing is decided then.
        score = np.zeros(len(cands) + 1)
        r = row_of.get(src)
        if r is not None:
            cols = [space.col.get(((cp,), form)) for cp in cands]
            q = np.asarray([ev.probs[r, j] if j is not None else 0.0 for j in cols])
            rest = 1.0 - float(ev.probs[r, sorted({j for j in cols if j is not None})].sum())
            score += np.log(np.append(q, max(rest, 0.0)) + _EPS)
        r = row_of.get(base)
        if r is not None:
            on = _on_skeleton(space, ev.probs[r], form)
            q = np.asarray([on.get(comp.decompose(cp, form)[0], 0.0) for cp in cands])
            rest = 1.0 - sum(
                on.get(s_, 0.0) for s_ in {comp.decompose(cp, form)[0] for cp in cands}
            )
            score += np.log(np.append(q, max(rest, 0.0)) + _EPS)
        post = np.exp(score - score.max())
        post /= post.sum()
        best = int(np.argmax(post))
        if best == len(cands):
            continue
        cp, conf = cands[best], float(post[best])
        r = row_of[mark]
        if ev.labels_out[r] is None:  # the dots glyph: its pattern, whatever the letter
            ev.labels_out[r], ev.confidence_out[r] = dots_label(dots), conf
            ev.notes[r] = comp.dots_name(dots)
            _mark(ev, r, "composed", int(np.argmax(ev.probs[r])))
            ev.decided_by[r] = "composed"
        skel = comp.decompose(cp, form)[0]
        if src in row_of and ((cp,), form) in space.col:
            r = row_of[src]
            before = int(np.argmax(ev.probs[r]))
            ev.probs[r] = _force(ev.probs[r], space.col[((cp,), form)], conf)
            _mark(ev, r, "composed", before)
        base_members = trees.get(base, [(base, form)])
        for g, f in base_members:
            r = row_of.get(g)
            if r is None:
                continue
            before = int(np.argmax(ev.probs[r]))
            skel_f = (comp.decompose(cp, f) or (skel,))[0]
            j = space.col.get(((skel_f,), f))
            if j is not None:
                ev.probs[r] = _force(ev.probs[r], j, max(conf, float(ev.probs[r, j])))
            _mark(ev, r, "composed", before)
            ev.notes[r] = comp.skeleton_name(skel_f)


def _on_skeleton(space: _Labels, row: np.ndarray, form: str) -> dict[int, float]:
    """skeleton codepoint -> probability that a glyph in ``form`` is drawn on it (the dotless
    letter itself or any dotted letter on it)."""
    out: dict[int, float] = {}
    for (cps, f), j in space.col.items():
        if f != form or len(cps) != 1:
            continue
        dec = comp.decompose(cps[0], form)
        skel = dec[0] if dec else (cps[0] if cps[0] in comp.SKELETONS else None)
        if skel is not None:
            out[skel] = out.get(skel, 0.0) + float(row[j])
    return out


def _matches(dec, dots) -> bool:
    if dec is None:
        return False
    want = (dots[0], "below" if dots[1] == "center" else dots[1])
    return dec[1] == want
