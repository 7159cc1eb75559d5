"""What shipping costs in accuracy: fp32 checkpoint + fp32 index against fp16 weights, the
int8 packed index, its approximate search and the ONNX export, on fonts identified with each.

Predictors on the same fonts (``identify`` pipeline, method ``both``, ``--charset all``):

* ``fp32`` (with ``--fp32``): the training checkpoint and an index it built (``index build``);
* ``fp16`` (with ``--fp16``): the fp16 checkpoint (``python -m raster.release half``) and the
  fp32 index it built;
* ``shipped, torch, exact``: the release's fp16 checkpoint through torch, its int8 packed index
  searched exactly;
* ``shipped``: what ``identify`` runs with no flag: the release's ONNX export in onnxruntime
  and the packed index's inverted-file search.

Reports, per variant, top-1 agreement with the first variant (the reference) over every
outlined glyph, and label / character top-1 against the font's own cmap + GSUB truth, plus the
largest probability change.

    python -m bench.bench_release_precision [--fp32 best.pt --fp32-index ref32] \
        [--fp16 glyph-raster-r2.pt --fp16-index ref16] [--release-dir raster/weights] FONT...
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from bench.common import write_json


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.bench_release_precision")
    p.add_argument("fonts", nargs="+", type=Path)
    p.add_argument("--fp32", type=Path, default=None)
    p.add_argument("--fp32-index", type=Path, default=None)
    p.add_argument("--fp16", type=Path, default=None)
    p.add_argument("--fp16-index", type=Path, default=None)
    p.add_argument("--release-dir", type=Path, default=None, help="default: the package's")
    p.add_argument("--release", default=None, help="release name (default: the shipped one)")
    p.add_argument(
        "--shape-only",
        action="store_true",
        help="identify with --names ignore --gsub ignore (the outline alone, as a stripped font)",
    )
    p.add_argument("--json-out", type=Path, default=None)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    import logging

    logging.getLogger("faiss").setLevel(logging.WARNING)
    from raster.inference.evaluate import arabic_letters, evaluate_predictions, truth_labels
    from raster.inference.font_glyphs import read_font_glyphs
    from raster.inference.pipeline import identify_font
    from raster.inference.predict import Predictor, load_predictor
    from raster.inference.shipped import (
        RELEASE,
        load_shipped_index,
        load_shipped_model,
        load_shipped_predictor,
        shipped_files,
    )

    files = shipped_files(args.release_dir, args.release or RELEASE)
    variants = {}
    if args.fp32:
        variants["fp32"] = load_predictor(args.fp32, args.fp32_index)
    if args.fp16:
        variants["fp16"] = load_predictor(args.fp16, args.fp16_index)
    exact = load_shipped_index(files)
    exact.inverted = None  # the packed rows, searched exactly
    variants["shipped, torch, exact"] = Predictor(
        load_shipped_model("cpu", files, onnx=False), exact
    )
    variants["shipped"] = load_shipped_predictor(files=files)
    reference = next(iter(variants))
    totals = {
        v: {
            "glyphs": 0,
            "agree": 0,
            "cls_agree": 0,
            "max_dp": 0.0,
            "label": 0.0,
            "char": 0.0,
            "letters_n": 0,
            "letters_label": 0.0,
            "letters_char": 0.0,
            "truth_n": 0,
        }
        for v in variants
    }
    per_font = []
    for font in args.fonts:
        glyphs = read_font_glyphs(font)
        truth = truth_labels(glyphs.face)
        letters = arabic_letters(truth)
        out = {}
        for name, pred in variants.items():
            evidence = "ignore" if args.shape_only else "use"
            ident = identify_font(font, pred, glyphs=glyphs, names=evidence, gsub=evidence)
            out[name] = ident
        ref = out[reference]
        ref_top = [ref.labels[int(i)] for i in ref.probs.argmax(1)]
        ref_cls = variants[reference].classifier_probs(ref.raw).argmax(1)
        row = {"font": str(font), "glyphs": len(glyphs)}
        for name, ident in out.items():
            top = [ident.labels[int(i)] for i in ident.probs.argmax(1)]
            agree = sum(a == b for a, b in zip(top, ref_top, strict=True))
            # the classifier alone (same labels, no index): what rounding the weights changed
            cls_agree = int((variants[name].classifier_probs(ident.raw).argmax(1) == ref_cls).sum())
            common = [lab for lab in ident.labels if lab in set(ref.labels)]
            ia = [ident.labels.index(lab) for lab in common]
            ra = [ref.labels.index(lab) for lab in common]
            dp = float(np.abs(ident.probs[:, ia] - ref.probs[:, ra]).max())
            ev = evaluate_predictions(truth, glyphs.gids, ident.labels, ident.probs)
            el = evaluate_predictions(letters, glyphs.gids, ident.labels, ident.probs)
            t = totals[name]
            t["glyphs"] += len(glyphs)
            t["agree"] += agree
            t["cls_agree"] += cls_agree
            t["max_dp"] = max(t["max_dp"], dp)
            t["truth_n"] += ev["glyphs"]
            t["label"] += ev["top1_label"] * ev["glyphs"]
            t["char"] += ev["top1_char"] * ev["glyphs"]
            t["letters_n"] += el["glyphs"]
            t["letters_label"] += el["top1_label"] * el["glyphs"]
            t["letters_char"] += el["top1_char"] * el["glyphs"]
            row[name] = {
                "agree_with_reference": agree / len(glyphs),
                "classifier_agree_with_reference": cls_agree / len(glyphs),
                "max_abs_dp": dp,
                "top1_label": ev["top1_label"],
                "top1_char": ev["top1_char"],
                "letters_top1_label": el["top1_label"],
            }
        per_font.append(row)
        print(json.dumps(row), flush=True)
    summary = {}
    for name, t in totals.items():
        summary[name] = {
            "glyphs": t["glyphs"],
            "agree_with_reference": t["agree"] / t["glyphs"],
            "classifier_agree_with_reference": t["cls_agree"] / t["glyphs"],
            "max_abs_dp": t["max_dp"],
            "top1_label": t["label"] / max(1, t["truth_n"]),
            "top1_char": t["char"] / max(1, t["truth_n"]),
            "letters_top1_label": t["letters_label"] / max(1, t["letters_n"]),
            "letters_top1_char": t["letters_char"] / max(1, t["letters_n"]),
        }
    print(f"reference: {reference}")
    print(
        "| variant | glyphs | classifier top-1 = reference's | top-1 = reference's | max |Δp| "
        "| label top-1 | char top-1 | letters label | letters char |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, s in summary.items():
        print(
            f"| {name} | {s['glyphs']} | {s['classifier_agree_with_reference']:.2%} | "
            f"{s['agree_with_reference']:.2%} | {s['max_abs_dp']:.4f} | "
            f"{s['top1_label']:.2%} | {s['top1_char']:.2%} | {s['letters_top1_label']:.2%} | "
            f"{s['letters_top1_char']:.2%} |"
        )
    write_json(args.json_out, {"reference": reference, "summary": summary, "fonts": per_font})
    return 0


if __name__ == "__main__":
    sys.exit(main())
