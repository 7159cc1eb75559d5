"""Decision-rule ablations on a finished fold, without re-running the model.

A fold keeps the stripped glyphs' classifier and kNN probabilities (``stripped_probs.npz``)
and the training fonts' label counts (``train_label_counts.json``); this module re-decides the
top-1 under other rules: method (classifier, knn, both), label-prior strength
(:mod:`raster.inference.priors`) and ``--charset ar`` (the hard restriction a user who knows
the text is Arabic adds), and scores each like the fold itself.

A charset is scored on the glyphs whose true characters it contains (a text in Arabic holds
no Persian or Urdu letters, so its extended-letter glyphs are not a restriction's to win or
lose), next to the unrestricted rule on the same glyphs (``on=<charset>``), so the two rows
of a pair compare like with like.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from raster.inference.assign import NO_LABEL, assign_labels
from raster.inference.charsets import CHARSETS as CHARSET_CODEPOINTS
from raster.inference.charsets import allowed_labels, restrict
from raster.inference.priors import apply_prior, label_prior

STRENGTHS = (0.0, 0.5, 1.0)
CHARSETS = ("all", "ar")


def read_fold(fold_dir: Path) -> tuple[list[dict], dict[str, np.ndarray], list[str], dict]:
    """(records, probabilities per method, labels, training label counts) of a finished fold."""
    records = [
        json.loads(line)
        for line in (fold_dir / "glyphs.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    npz = np.load(fold_dir / "stripped_probs.npz")
    labels = [str(x) for x in npz["labels"]]
    probs = {k: npz[k].astype(np.float64) for k in npz.files if k != "labels"}
    counts = json.loads((fold_dir / "train_label_counts.json").read_text())
    return records, probs, labels, counts


def decision_ablation(fold_dir: Path, strengths=STRENGTHS, charsets=CHARSETS) -> dict:
    """``{"<method> prior=<s>[ on=<c>| charset=<c>][ assign]": score}`` for each method the
    fold saved and each strength: over every glyph (no suffix), and for each charset ``c``
    other than ``all`` over the glyphs whose truth is in ``c``, unrestricted (``on=c``) and
    restricted to ``c`` (``charset=c``); for the default method (``both``, else
    ``classifier``) the same with ``--assign`` (one glyph per label within each font; a glyph
    left without a label keeps its own top-5; ``as run assign all-glyphs``: identify's own
    ``--assign`` over every outlined glyph, when the fold saved it); scores as
    :func:`raster.evaluation.crossval.score` gives them (variant ``stripped``)."""
    from raster.evaluation.crossval import score

    records, probs, labels, counts = read_fold(fold_dir)
    if "knn" in probs:
        probs["both"] = 0.5 * (probs["classifier"] + probs["knn"])
    default = "both" if "both" in probs else "classifier"
    prior = label_prior(counts, labels)
    # (key suffix, glyph rows, label mask) of each scored setting
    settings = []
    for charset in charsets:
        if charset == "all":
            settings.append(("", np.arange(len(records)), None))
            continue
        allowed = CHARSET_CODEPOINTS[charset]
        rows = np.asarray(
            [i for i, r in enumerate(records) if set(r["codepoints"]) <= allowed], np.int64
        )
        settings.append((f" on={charset}", rows, None))
        settings.append((f" charset={charset}", rows, allowed_labels(labels, charset)))
    out = {}
    for method, p in probs.items():
        for s in strengths:
            q_all = apply_prior(p, prior, s)
            for suffix, rows, mask in settings:
                q = restrict(q_all[rows], mask)
                sub = [records[i] for i in rows.tolist()]
                top = np.argsort(-q, axis=1, kind="stable")[:, :5]
                key = f"{method} prior={s:g}{suffix}"
                out[key] = score(_with_top(sub, top, labels), "stripped")
                if method == default:
                    top = _assigned_first_per_font(q, top, [r["font"] for r in sub])
                    out[f"{key} assign"] = score(_with_top(sub, top, labels), "stripped")
    if records and all("stripped_assign" in r for r in records):
        # the assignment above runs over the scored glyphs only; identify's runs over every
        # outlined glyph of the font (with the fold's method and prior), saved by the fold
        out["as run assign all-glyphs"] = score(
            [{**r, "stripped": r["stripped_assign"]} for r in records], "stripped"
        )
    return out


def _with_top(records: list[dict], top: np.ndarray, labels: list[str]) -> list[dict]:
    return [
        {**r, "stripped": [labels[j] for j in row]}
        for r, row in zip(records, top.tolist(), strict=True)
    ]


def _assigned_first_per_font(q: np.ndarray, top: np.ndarray, fonts: list[str]) -> np.ndarray:
    """``top`` (N, 5) with each glyph's assigned label (one glyph per label within a font,
    :func:`~raster.inference.assign.assign_labels`) moved to the front."""
    out = top.copy()
    by_font: dict[str, list[int]] = {}
    for i, f in enumerate(fonts):
        by_font.setdefault(f, []).append(i)
    for rows in by_font.values():
        for i, j in zip(rows, assign_labels(q[rows]).tolist(), strict=True):
            out[i] = assigned_first(top[i].tolist(), j)
    return out


def assigned_first(top: list[int], j: int) -> list[int]:
    """A glyph's top labels with its assigned label ``j`` moved to the front (same length);
    unchanged when the assignment left it without a label (:data:`NO_LABEL`)."""
    if j == NO_LABEL:
        return top
    return [j, *[x for x in top if x != j][: len(top) - 1]]
