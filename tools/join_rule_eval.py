"""Measure a shape-free joining rule on a finished cross-validation fold (issue 31 §1).

The rule reads only the glyph's own coordinates: is there ink on the baseline band just inside
the origin (the glyph joins the next letter: init, medi) and just inside the advance (it joins
the previous one: medi, fina)? For each fold it prints how often the rule names the true form
of the Arabic letters, then the fold's stripped decision (``both``, prior 1, as identify) with
the rule as a form prior: labels of the rule's form keep weight ``w``, the other three forms
share ``1 - w``.

    python tools/join_rule_eval.py runs/abl_bf16/fold0 runs/abl_bf16/fold1 [--inset 0.01]

An experiment's tool, not part of the package: it reads the original font files the fold's
``glyphs.jsonl`` names (stripping keeps outlines and ``hmtx``, so they are what a stripped
font shows).
"""

from __future__ import annotations

import argparse
from functools import cache
from pathlib import Path

import numpy as np
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont
from matplotlib.path import Path as MPath

from raster.evaluation.crossval import score
from raster.evaluation.decision import read_fold
from raster.inference.priors import apply_prior, label_prior
from raster.labels import label_form

#: (ink inside the origin, ink inside the advance) -> the form it names
RULE = {(False, False): "isol", (True, False): "init", (True, True): "medi", (False, True): "fina"}
WEIGHTS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)


class MplPathPen(BasePen):
    """A glyph's outline as a matplotlib ``Path`` (curves kept as Bézier codes: matplotlib's
    ``contains_points`` tests them as drawn)."""

    def __init__(self, glyph_set):
        super().__init__(glyph_set)
        self.verts: list[tuple[float, float]] = []
        self.codes: list[int] = []

    def _moveTo(self, p):
        self.verts.append(p)
        self.codes.append(MPath.MOVETO)

    def _lineTo(self, p):
        self.verts.append(p)
        self.codes.append(MPath.LINETO)

    def _curveToOne(self, a, b, c):
        self.verts += [a, b, c]
        self.codes += [MPath.CURVE4] * 3

    def _qCurveToOne(self, a, b):
        self.verts += [a, b]
        self.codes += [MPath.CURVE3] * 2

    def _closePath(self):
        self.verts.append((0.0, 0.0))
        self.codes.append(MPath.CLOSEPOLY)

    _endPath = _closePath


@cache
def _font(path: str):
    font = TTFont(path, lazy=True)
    return font.getGlyphSet(), font.getGlyphOrder(), font["head"].unitsPerEm, font["hmtx"]


def joins(path: str, gid: int, inset: float, low: float, high: float) -> tuple[bool, bool] | None:
    """(ink within ``inset`` em of the origin, ink within ``inset`` em of the advance), both in
    the band ``low``..``high`` em above the baseline; None for a glyph without outline or
    advance."""
    glyph_set, order, upem, hmtx = _font(path)
    name = order[gid]
    advance = hmtx[name][0]
    pen = MplPathPen(glyph_set)
    glyph_set[name].draw(pen)
    if not pen.codes or advance <= 0:
        return None
    outline = MPath(np.asarray(pen.verts, float), pen.codes)
    ys = np.linspace(low * upem, high * upem, 12)

    def ink(x0: float, x1: float) -> bool:
        points = np.array([(x, y) for x in np.linspace(x0, x1, 4) for y in ys])
        return bool(outline.contains_points(points).any())

    return ink(0.0, inset * upem), ink(advance - inset * upem, advance)


def evaluate(fold_dir: Path, inset: float, low: float, high: float) -> None:
    records, probs, labels, counts = read_fold(fold_dir)
    p = apply_prior(0.5 * (probs["classifier"] + probs["knn"]), label_prior(counts, labels), 1.0)
    forms = np.asarray([label_form(lab) or "" for lab in labels])
    rule = []
    for r in records:
        j = joins(r["font"], r["gid"], inset, low, high)
        rule.append(None if j is None else RULE[j])
    per_form: dict[str, list[bool]] = {}
    for r, f in zip(records, rule, strict=True):
        if r["letter"] and f is not None:
            per_form.setdefault(r["form"], []).append(f == r["form"])
    named = [x for v in per_form.values() for x in v]
    print(
        f"{fold_dir}: the rule names the form of {100 * np.mean(named):.1f} % of {len(named)} letters"
    )
    print(
        "  per true form: "
        + ", ".join(f"{k} {100 * np.mean(v):.1f} %" for k, v in per_form.items())
    )
    for w in WEIGHTS:
        q = p.copy()
        for i, f in enumerate(rule):
            if f is not None and w > 0:
                q[i] *= np.where(forms == f, w, (1 - w) / 3)
        top = np.argsort(-q, axis=1, kind="stable")[:, :5]
        recs = [
            {**r, "stripped": [labels[j] for j in row]}
            for r, row in zip(records, top.tolist(), strict=True)
        ]
        s = score(recs, "stripped")["letters"]
        print(
            f"  w {w:<4}: letters char+form {100 * s['label']:.1f} %, char {100 * s['char']:.1f} %"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folds", nargs="+", type=Path, help="finished fold folders")
    parser.add_argument("--inset", type=float, default=0.01, help="edge strip width, em")
    parser.add_argument("--low", type=float, default=0.0, help="band bottom, em above the baseline")
    parser.add_argument("--high", type=float, default=0.15, help="band top, em above the baseline")
    args = parser.parse_args(argv)
    for fold in args.folds:
        evaluate(fold, args.inset, args.low, args.high)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
