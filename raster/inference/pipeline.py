"""Identify every outlined glyph of a font: read, render, predict, optionally assign; rows out."""

from __future__ import annotations

import csv
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from raster.inference.assign import NO_LABEL, assign_labels
from raster.inference.charsets import allowed_labels, restrict
from raster.inference.evidence import Evidence, combine_evidence
from raster.inference.font_glyphs import FontGlyphs, read_font_glyphs
from raster.inference.predict import Predictor, RawOutputs, top_k
from raster.inference.scripts import (
    SCRIPT_CHOICES,
    ScriptCoverage,
    coverage,
    glyph_scripts,
    restrict_by_script,
    script_names,
)
from raster.inference.timing import cpu_seconds
from raster.labels import label_codepoints, label_for_people, label_form, printable, split_label

log = logging.getLogger(__name__)

ROW_FIELDS = (
    "gid",
    "glyph_name",
    "char",
    "codepoint",
    "form",
    "label",
    "confidence",
    "runners_up",
    "changed_by_assign",
    "evidence",
    "sources",
    "note",
)
EVIDENCE_CHOICES = ("use", "ignore")


@dataclass
class Identification:
    """What :func:`identify_font` found.

    Attributes:
        glyphs: the font's outlined glyphs.
        raw: model outputs per glyph.
        probs: float64 (N, L) probabilities over ``labels``: ``method``'s shape posterior
            combined with the font's names and GSUB (``evidence``).
        labels: the predictor's label space.
        method: classifier | knn | both.
        assigned: (N,) label per glyph after ``--assign`` (-1: no label), or None.
        rows: one output dict per glyph (see :data:`ROW_FIELDS`).
        seconds: wall time per stage (read, render, forward, knn+calibration, evidence,
            assign, rows).
        evidence: what the names/GSUB/composition did per glyph (see
            :func:`~raster.inference.evidence.combine_evidence`).
        shape_probs: float64 (N, L) the shape posterior alone.
        cpu_seconds: CPU time per stage (all threads; see :mod:`~raster.inference.timing`).
        scripts: the scripts the font covers and the glyphs left unlabelled for theirs.
    """

    glyphs: FontGlyphs
    raw: RawOutputs
    probs: np.ndarray
    labels: list[str]
    method: str
    assigned: np.ndarray | None
    rows: list[dict]
    seconds: dict = field(default_factory=dict)
    evidence: Evidence | None = None
    shape_probs: np.ndarray | None = None
    cpu_seconds: dict = field(default_factory=dict)
    scripts: ScriptCoverage | None = None

    @property
    def changed(self) -> int:
        """Glyphs whose label the assignment changed (to another label or to none)."""
        return sum(r["changed_by_assign"] for r in self.rows)


def _label_text(label: str) -> tuple[str, int | None]:
    """Printable characters and single codepoint of a label outside the label space."""
    cps = label_codepoints(label)
    return "".join(printable(cp) for cp in cps), (cps[0] if len(cps) == 1 else None)


def prediction_rows(
    glyphs: FontGlyphs,
    probs: np.ndarray,
    labels: list[str],
    assigned: np.ndarray | None,
    k: int,
    evidence: Evidence | None = None,
) -> list[dict]:
    """One dict per glyph: the (assigned or top-1) label, its probability and the runners-up;
    with ``evidence``, which evidence decided it, which looked at it, and what it is (a
    skeleton, a dot pattern, a ligature)."""
    idx, p = top_k(probs, k + 1)
    rows = []
    for i in range(len(glyphs)):
        best = int(idx[i, 0])
        chosen = best if assigned is None else int(assigned[i])
        if chosen == NO_LABEL:
            label, conf, cp, form = "", 0.0, None, ""
        else:
            label, conf = labels[chosen], float(probs[i, chosen])
            cp, form = split_label(label)
        runners = [
            f"{labels[j]}:{q:.3f}" for j, q in zip(idx[i], p[i], strict=True) if int(j) != chosen
        ][: k - 1 if k > 1 else 0]
        out_label = evidence.labels_out[i] if evidence is not None else None
        if out_label is not None and assigned is None:
            label, conf = out_label, evidence.confidence_out[i]
            char, cp = _label_text(label)
            form = label_form(label)
        else:
            char = "" if cp is None else printable(cp)
        rows.append(
            {
                "gid": int(glyphs.gids[i]),
                "glyph_name": glyphs.names[i],
                "char": char,
                "codepoint": cp,
                "form": form,
                "label": label,
                "confidence": round(conf, 6),
                "runners_up": runners,
                "changed_by_assign": bool(assigned is not None and chosen != best),
                "evidence": evidence.decided_by[i] if evidence is not None else "shape",
                "sources": "+".join(evidence.sources[i]) if evidence is not None else "shape",
                "note": evidence.notes[i] if evidence is not None else "",
            }
        )
    return rows


def identify_font(
    path: str | Path,
    predictor: Predictor,
    method: str | None = None,
    *,
    assign: bool = False,
    no_label_prob: float = 0.01,
    top: int = 5,
    batch_size: int = 256,
    glyphs: FontGlyphs | None = None,
    charset: str = "all",
    names: str = "use",
    gsub: str = "use",
    scripts: str = "cmap",
) -> Identification:
    """Read every outlined glyph of ``path`` (cmap ignored), render and predict it.

    Args:
        path: the font file.
        predictor: model (+ index) and calibration.
        method: classifier | knn | both (default: :meth:`Predictor.default_method`).
        assign: solve the one-to-one assignment over the font.
        no_label_prob: the assignment's price of "no label" (see ``assign_labels``).
        top: labels reported per glyph (the choice plus runners-up).
        glyphs: already read glyphs (skips reading ``path``).
        charset: only labels of this language's characters (see :mod:`~raster.inference.charsets`).
        names: ``use`` the glyph names as a prior (or ``ignore`` them).
        gsub: ``use`` the GSUB's form links, ligatures and decompositions (or ``ignore`` it).
        scripts: ``cmap``: a glyph the font's cmap maps to a script the model never learned
            stays unlabelled, one mapped to a learned script takes only labels of that script
            or of none (:mod:`~raster.inference.scripts`); ``ignore``: the shape alone decides.

    Raises:
        FontLoadError / NoOutlinesError: unreadable font or nothing to identify.
    """
    t = {"start": time.perf_counter()}
    c = {"start": cpu_seconds()}

    def mark(stage: str) -> None:
        t[stage], c[stage] = time.perf_counter(), cpu_seconds()

    method = method or predictor.default_method()
    glyphs = glyphs or read_font_glyphs(path)
    mark("read")
    inputs = glyphs.model_input(predictor.loaded.raster)
    mark("render")
    raw, probs = predictor.predict_images(inputs, method, batch_size, mark=mark)
    shape = restrict(probs, allowed_labels(predictor.labels, charset))
    if scripts not in SCRIPT_CHOICES:
        raise ValueError(f"scripts must be one of {SCRIPT_CHOICES}, got {scripts!r}")
    per_glyph = glyph_scripts(glyphs.face.ttfont, glyphs.gids) if scripts == "cmap" else None
    unlearned = np.zeros(len(glyphs), bool)
    if per_glyph is not None:
        shape, unlearned = restrict_by_script(shape, predictor.labels, per_glyph)
    for flag, value in (("names", names), ("gsub", gsub)):
        if value not in EVIDENCE_CHOICES:
            raise ValueError(f"{flag} must be one of {EVIDENCE_CHOICES}, got {value!r}")
    evidence = combine_evidence(
        glyphs, shape, predictor.labels, names=names == "use", gsub=gsub == "use"
    )
    probs = evidence.probs
    mark("evidence")
    assigned = assign_labels(probs, no_label_prob) if assign else None
    mark("assign")
    rows = prediction_rows(glyphs, probs, predictor.labels, assigned, top, evidence)
    cover = coverage(predictor.labels, per_glyph, [r["label"] for r in rows], unlearned)
    for i in np.flatnonzero(unlearned):
        never = script_names(sorted(per_glyph[i]))
        rows[i].update(
            char="", codepoint=None, form="", label="", confidence=0.0, runners_up=[],
            evidence="script", note=f"{never}: a script the model never learned",
        )  # fmt: skip
    mark("rows")
    keys = list(t)
    seconds = {b: round(t[b] - t[a], 3) for a, b in zip(keys, keys[1:], strict=False)}
    cpu = {b: round(c[b] - c[a], 3) for a, b in zip(keys, keys[1:], strict=False)}
    return Identification(
        glyphs, raw, probs, predictor.labels, method, assigned, rows, seconds, evidence, shape, cpu,
        cover,
    )  # fmt: skip


def run_summary(
    font: str | Path,
    ident: Identification,
    predictor: Predictor,
    *,
    assign: bool,
    names: str = "use",
    gsub: str = "use",
) -> dict:
    """What ``identify --out result.json`` records besides the rows: the font, the model and
    the choices that made them."""
    return {
        "font": str(font),
        "checkpoint": str(predictor.loaded.path),
        "method": ident.method,
        "assign": assign,
        "changed_by_assign": ident.changed if assign else None,
        "names": names,
        "gsub": gsub,
        "name_reliability": ident.evidence.name_reliability if ident.evidence else None,
        "scripts": ident.scripts.as_dict() if ident.scripts else None,
    }


def format_table(rows: list[dict], limit: int | None = None) -> str:
    """A fixed-width text table of the rows (stdout): the evidence that decided each label,
    then what the glyph is beyond its label (a skeleton, a dot pattern, a ligature)."""
    head = (
        f"{'gid':>6}  {'glyph name':<24} {'char':<6} {'codepoint':<9} {'form':<5} {'conf':>6}  "
        f"{'evidence':<8}  runners-up"
    )
    lines = [head, "-" * len(head)]
    for r in rows[:limit]:
        cp = f"U+{r['codepoint']:04X}" if r["codepoint"] is not None else "-"
        note = f"  [{r['note']}]" if r.get("note") else ""
        lines.append(
            f"{r['gid']:>6}  {r['glyph_name'][:24]:<24} {r['char']:<6} {cp:<9} "
            f"{r['form'] or '-':<5} {r['confidence']:>6.3f}  {r.get('evidence', 'shape'):<8}  "
            f"{runners_for_people(r['runners_up'])}{note}"
        )
    return "\n".join(lines)


def runners_for_people(runners: list[str]) -> str:
    """The rows' ``label:probability`` runners-up as a person reads them:
    ``["1576_init:0.120"]`` -> ``"ب init 0.120"``, several joined by ``", "`` (the CSV and JSON
    keep the labels)."""
    out = []
    for item in runners:
        label, _, prob = item.rpartition(":")
        out.append(f"{label_for_people(label)} {prob}")
    return ", ".join(out)


def write_rows(rows: list[dict], out: str | Path, extra: dict | None = None) -> Path:
    """Write rows as CSV (``.csv``) or JSON (anything else: ``{..extra, "glyphs": rows}``)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        with open(out, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=ROW_FIELDS, extrasaction="ignore")
            w.writeheader()
            for r in rows:
                w.writerow(
                    {
                        **r,
                        "runners_up": " ".join(r["runners_up"]),
                        "codepoint": "" if r["codepoint"] is None else r["codepoint"],
                    }
                )
    else:
        out.write_text(
            json.dumps({**(extra or {}), "glyphs": rows}, indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
    return out
