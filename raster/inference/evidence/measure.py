"""How much each evidence source adds: one font scored with shape only, + names, + GSUB,
+ composition, as shipped, stripped (:func:`raster.data.strip.strip_font`) and with its glyph
names shuffled (names that lie). The shape posterior is computed once per font; truth comes
from the shipped font's cmap + GSUB (:func:`~raster.inference.evaluate.truth_labels`).
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from raster.data.strip import strip_font
from raster.inference.evaluate import arabic_letters, truth_labels
from raster.inference.evidence.combine import NAME_WEIGHT, combine_evidence
from raster.inference.font_glyphs import FontGlyphs, read_font_glyphs
from raster.labels import label_codepoint, parse_label

# (name, names, gsub, compose)
STAGES = (
    ("shape", False, False, False),
    ("+names", True, False, False),
    ("+gsub", True, True, False),
    ("+composition", True, True, True),
)


def shape_posterior(predictor, glyphs: FontGlyphs, method: str, batch_size: int = 256):
    """float64 (N, L) shape posterior of ``glyphs`` under ``predictor``."""
    return predictor.predict_images(glyphs.render(predictor.loaded.raster), method, batch_size)[1]


def hits(truth: dict, gids: np.ndarray, labels: list[str], probs: np.ndarray) -> dict:
    """Counts of glyphs with truth and of right top-1 labels / characters (all, letters).

    Returns:
        ``{"all": [n, label_hits, char_hits], "letters": [...]}``.
    """
    letters = arabic_letters(truth)
    top = np.argmax(probs, axis=1)
    out = {"all": [0, 0, 0], "letters": [0, 0, 0]}
    for i, gid in enumerate(np.asarray(gids).tolist()):
        t = truth.get(int(gid))
        if t is None:
            continue
        lab = labels[int(top[i])]
        cp = label_codepoint(lab)
        for key in ("all", "letters") if int(gid) in letters else ("all",):
            out[key][0] += 1
            out[key][1] += lab in t.labels
            out[key][2] += cp in t.codepoints
    return out


def shuffled_names(glyphs: FontGlyphs, seed: int, share: float = 1.0) -> FontGlyphs:
    """The glyphs with the names of a ``share`` of them permuted among those (a scrambled web
    font at 1.0; a font whose names are partly wrong below)."""
    rng = np.random.default_rng(seed)
    names = list(glyphs.names)
    picked = np.flatnonzero(rng.random(len(names)) < share)
    for a, b in zip(picked, rng.permutation(picked), strict=True):
        names[int(a)] = glyphs.names[int(b)]
    return replace(glyphs, names=names)


def lying_name_changes(truth, gids, labels, ignored: np.ndarray, used: np.ndarray) -> dict:
    """How a lying-name run differs from the names-ignored run on glyphs with truth:
    ``changed`` top-1 labels, of which ``right_to_wrong`` and ``wrong_to_right``."""
    a, b = np.argmax(ignored, axis=1), np.argmax(used, axis=1)
    out = {"glyphs": 0, "changed": 0, "right_to_wrong": 0, "wrong_to_right": 0}
    for i, gid in enumerate(np.asarray(gids).tolist()):
        t = truth.get(int(gid))
        if t is None:
            continue
        out["glyphs"] += 1
        if a[i] != b[i]:
            out["changed"] += 1
            ra, rb = labels[a[i]] in t.labels, labels[b[i]] in t.labels
            out["right_to_wrong"] += ra and not rb
            out["wrong_to_right"] += rb and not ra
    return out


def score_font(
    predictor,
    path: str | Path,
    method: str,
    seed: int = 0,
    name_weight: float = NAME_WEIGHT,
    batch_size: int = 256,
) -> dict:
    """Every stage of :data:`STAGES` on ``path`` as shipped, stripped and with shuffled names.

    Returns:
        ``{"font", "glyphs", "shipped": {stage: hits}, "stripped": {...}, "shuffled": {...},
        "composed": {variant: {stage: composed_letters}}, "stripped_equals_shape": bool, "lying": lying_name_changes, "name_reliability":
        {"shipped": rho, "shuffled": rho}, "warnings": [...]}``.
    """
    glyphs = read_font_glyphs(path)
    truth = truth_labels(glyphs.face)
    shape = shape_posterior(predictor, glyphs, method, batch_size)
    labels = predictor.labels
    with tempfile.TemporaryDirectory() as tmp:
        stripped = read_font_glyphs(strip_font(path, Path(tmp) / "stripped.ttf"))
        if stripped.contours != glyphs.contours:
            raise ValueError(f"{path}: stripping changed the outlines")
        variants = {
            "shipped": glyphs,
            "stripped": stripped,
            "shuffled": shuffled_names(glyphs, seed),
        }
        result = {"font": str(path), "glyphs": len(glyphs), "name_reliability": {}, "warnings": []}
        pairs = composed_pairs(glyphs)
        result["composed"] = {v: {} for v in variants}
        probs = {}
        for variant, g in variants.items():
            result[variant] = {}
            for stage, names, gsub, compose in STAGES:
                ev = combine_evidence(
                    g,
                    shape,
                    labels,
                    names=names,
                    gsub=gsub,
                    compose=compose,
                    name_weight=name_weight,
                )
                probs[variant, stage] = ev.probs
                result[variant][stage] = hits(truth, g.gids, labels, ev.probs)
                result["composed"][variant][stage] = composed_letters(pairs, ev, labels)
                if stage == "+names":
                    result["name_reliability"][variant] = ev.name_reliability
                result["warnings"] += ev.warnings
    result["stripped_equals_shape"] = all(
        np.array_equal(probs["stripped", s], shape) for s, *_ in STAGES
    )
    result["lying"] = lying_name_changes(
        truth, glyphs.gids, labels, probs["shipped", "shape"], probs["shuffled", "+names"]
    )
    result["warnings"] = sorted(set(result["warnings"]))
    return result


def composed_pairs(glyphs: FontGlyphs) -> list[tuple[str, int, int]]:
    """Letter forms the font draws as a skeleton + a dots glyph (ingest's composed rows, from
    the font's GSUB): ``(true label, row of one glyph, row of the other)``; rows index
    ``glyphs`` (a stripped copy has the same glyph order, so its rows are the same)."""
    from raster.data.glyph_rows import face_rows
    from raster.inference.evidence import composition as comp

    order = {n: i for i, n in enumerate(glyphs.names)}
    out = []
    for row in face_rows(glyphs.face, sorted(comp.DOTTED)).rows:
        names = row["glyph_name"].split("+")
        if row["shaping"] == "composed" and len(names) == 2 and all(n in order for n in names):
            out.append((row["label"], order[names[0]], order[names[1]]))
    return out


def composed_letters(pairs: list[tuple[str, int, int]], ev, labels: list[str]) -> dict:
    """How many of :func:`composed_pairs` the identification ``ev`` reads back as the right
    letter (the skeleton's label composed with the dots glyph's pattern,
    :func:`~raster.inference.evidence.composition.compose_label`: what a PDF made from the
    font needs), and on how many the skeleton glyph is labelled a dotless letter / the dots
    glyph a pattern.

    Returns:
        ``{"rows", "read_right", "skeleton_dotless", "dots_pattern"}``.
    """
    from raster.inference.evidence import composition as comp

    out = {"rows": 0, "read_right": 0, "skeleton_dotless": 0, "dots_pattern": 0}
    for label, *rows in pairs:
        out["rows"] += 1
        got = [ev.labels_out[r] or labels[int(np.argmax(ev.probs[r]))] for r in rows]
        parsed = [parse_label(g) for g in got]
        dots = [p.dots for p in parsed if p.dots]
        rest = [g for g, p in zip(got, parsed, strict=True) if not p.dots]
        out["dots_pattern"] += len(dots) == 1
        if len(rest) != 1:
            continue
        out["skeleton_dotless"] += label_codepoint(rest[0]) in comp.SKELETONS
        if len(dots) == 1:
            out["read_right"] += comp.compose_label(rest[0], dots[0]) == label
    return out
