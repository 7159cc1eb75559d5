"""Accuracy of identification on a font whose cmap is trustworthy.

Truth comes from the ingest code (:func:`raster.data.glyph_rows.face_rows`: cmap + GSUB shaped
by HarfBuzz); predictions come from the outlines alone. A glyph may carry several true labels
(one glyph drawn for two forms or two characters); a prediction is right when it is any of them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from raster.data.fonts import FontFace
from raster.data.glyph_rows import DEFAULT_RANGES, face_rows, repertoire
from raster.data.schema import FORMS
from raster.data.unicode_tables import char_class
from raster.inference.assign import NO_LABEL
from raster.labels import split_label


@dataclass(frozen=True)
class GlyphTruth:
    """True labels of one glyph; ``form`` is its own form (the first row not drawn with the
    isol glyph, else isol), ``codepoints`` the base characters of its labels."""

    labels: frozenset[str]
    form: str
    codepoints: frozenset[int]


def truth_labels(face: FontFace, ranges=DEFAULT_RANGES) -> dict[int, GlyphTruth]:
    """glyph index -> :class:`GlyphTruth` for every single-glyph row the ingest code derives."""
    parsed = face_rows(face, repertoire(ranges), skip_composed=True)
    rows: dict[int, list[dict]] = {}
    for r in parsed.rows:
        if r.get("gid") is not None:
            rows.setdefault(int(r["gid"]), []).append(r)
    out = {}
    for gid, rs in rows.items():
        own = [r for r in rs if not r["same_as_isol"]] or rs
        out[gid] = GlyphTruth(
            frozenset(r["label"] for r in rs),
            own[0]["form"],
            frozenset(int(r["codepoint"]) for r in rs),
        )
    return out


def arabic_letters(truth: dict[int, GlyphTruth]) -> dict[int, GlyphTruth]:
    """The glyphs all of whose true characters are Arabic letters (``char_class``
    ``arabic_letter``): what the project's quality goal counts (no digits, marks, punctuation,
    Quranic signs or Latin)."""
    return {
        gid: t
        for gid, t in truth.items()
        if t.codepoints and all(char_class(cp) == "arabic_letter" for cp in t.codepoints)
    }


def _rate(hits: list[bool]) -> float | None:
    return float(np.mean(hits)) if hits else None


def evaluate_predictions(
    truth: dict[int, GlyphTruth],
    gids: np.ndarray,
    labels: list[str],
    probs: np.ndarray,
    assigned: np.ndarray | None = None,
    k: int = 5,
    n_confusions: int = 10,
) -> dict:
    """Top-1/top-k accuracy for label and base character, overall and per form.

    Args:
        truth: from :func:`truth_labels`.
        gids: (N,) glyph index of each prediction row.
        labels: label names of the probability columns.
        probs: float (N, L) probabilities.
        assigned: optional (N,) one-to-one labels (:func:`~raster.inference.assign.assign_labels`);
            then top-1 is the assigned label (no label counts as wrong).
        k: the top-k of the top-k accuracies.

    Returns:
        ``glyphs`` (with truth), ``in_vocab`` (share whose truth is in ``labels``),
        ``top1_label``, ``top{k}_label``, ``top1_char``, ``top{k}_char``, ``per_form``
        (the same per truth form, with ``n``), ``worst_confusions`` (most frequent
        ``[truth, predicted, count]`` of wrong top-1s).
    """
    vocab = set(labels)
    order = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    per: dict[str, dict[str, list[bool]]] = {}
    confusions: Counter = Counter()
    in_vocab = []
    for i, gid in enumerate(np.asarray(gids).tolist()):
        t = truth.get(int(gid))
        if t is None:
            continue
        ranked = [labels[j] for j in order[i]]
        if assigned is None:
            first = ranked[0]
        else:
            first = None if assigned[i] == NO_LABEL else labels[int(assigned[i])]
        first_cp = split_label(first)[0] if first else None
        hits = {
            "top1_label": first in t.labels,
            f"top{k}_label": any(lab in t.labels for lab in ranked),
            "top1_char": first_cp in t.codepoints,
            f"top{k}_char": any(split_label(lab)[0] in t.codepoints for lab in ranked),
        }
        for key in ("all", t.form):
            bucket = per.setdefault(key, {name: [] for name in hits})
            for name, v in hits.items():
                bucket[name].append(v)
        in_vocab.append(bool(t.labels & vocab))
        if not hits["top1_label"]:
            confusions[(min(t.labels), first or "(no label)")] += 1
    everything = per.pop("all", {})
    result = {"glyphs": len(in_vocab), "in_vocab": _rate(in_vocab)}
    result.update({name: _rate(v) for name, v in everything.items()})
    result["per_form"] = {
        f: {"n": len(per[f]["top1_label"]), **{name: _rate(v) for name, v in per[f].items()}}
        for f in FORMS
        if f in per
    }
    result["worst_confusions"] = [[a, b, c] for (a, b), c in confusions.most_common(n_confusions)]
    return result


def evaluation_report(ident, font: str | Path, k: int = 5) -> dict:
    """``identify --evaluate``'s report: the predictions scored against the font's own labels.

    Args:
        ident: :class:`~raster.inference.pipeline.Identification` of the font.
        font: the font file (named in the report).
        k: the top-k of the top-k accuracies.

    Returns:
        ``font``, ``method``, ``plain`` (:func:`evaluate_predictions` of the top-1),
        ``letters`` (the same on Arabic letters only) and, when the labels were assigned,
        ``assign`` (scored on the assignment, with ``changed``).
    """
    truth = truth_labels(ident.glyphs.face)
    gids = ident.glyphs.gids
    report = {
        "font": str(font),
        "method": ident.method,
        "plain": evaluate_predictions(truth, gids, ident.labels, ident.probs, k=k),
    }
    letters = arabic_letters(truth)
    report["letters"] = evaluate_predictions(letters, gids, ident.labels, ident.probs, k=k)
    if ident.assigned is not None:
        report["assign"] = evaluate_predictions(
            truth, gids, ident.labels, ident.probs, ident.assigned, k=k
        )
        report["assign"]["changed"] = ident.changed
    return report


def format_evaluation(report: dict, k: int = 5) -> str:
    """The lines ``identify --evaluate`` prints of :func:`evaluation_report`'s report."""
    lines = []
    for name in ("plain", "assign"):
        if name not in report:
            continue
        r = report[name]
        lines.append(
            f"[{name}] {r['glyphs']} glyphs with truth (in vocabulary {r['in_vocab']:.1%}): "
            f"label top-1 {r['top1_label']:.1%} top-{k} {r[f'top{k}_label']:.1%}; "
            f"char top-1 {r['top1_char']:.1%} top-{k} {r[f'top{k}_char']:.1%}"
        )
        for form, f in r["per_form"].items():
            lines.append(
                f"    {form}: n={f['n']} label top-1 {f['top1_label']:.1%} "
                f"top-{k} {f[f'top{k}_label']:.1%}, char top-1 {f['top1_char']:.1%}"
            )
    r = report["letters"]
    if r["glyphs"]:
        lines.append(
            f"[letters] {r['glyphs']} Arabic-letter glyphs (no digits, marks, signs, Latin): "
            f"label top-1 {r['top1_label']:.1%}, char top-1 {r['top1_char']:.1%}"
        )
    worst = report["assign" if "assign" in report else "plain"]["worst_confusions"]
    if worst:
        lines.append(
            "worst confusions (truth -> predicted, count): "
            + ", ".join(f"{a}->{b} x{c}" for a, b, c in worst)
        )
    return "\n".join(lines)
