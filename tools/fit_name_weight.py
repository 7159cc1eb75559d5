"""Fit the name weight and the GSUB member floor of raster.inference.evidence.combine on
training-corpus fonts whose names are intact, fully shuffled, or 30 % shuffled (one third each).

    python tools/fit_name_weight.py --checkpoint runs/demo/best.pt --index runs/demo/ref [FONT ...]

Default fonts: one font of each bundled family but Amiri (the demo's held-out family). The
objective is the mean log-likelihood of the true label (probability floored at 1e-6) over the
glyphs with truth; the table also gives top-1 accuracy. Shape posteriors are computed once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from raster.data.bundled import bundled_font_paths
from raster.inference.evaluate import truth_labels
from raster.inference.evidence.combine import combine_evidence
from raster.inference.evidence.measure import shape_posterior, shuffled_names
from raster.inference.font_glyphs import read_font_glyphs
from raster.inference.predict import load_predictor

DEFAULT_FONTS = (
    "Cairo[slnt,wght].ttf",
    "Tajawal-Regular.ttf",
    "NotoSansArabic[wdth,wght].ttf",
    "IBMPlexSansArabic-Regular.ttf",
    "Almarai-Regular.ttf",
    "NotoKufiArabic[wght].ttf",
)
WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
FLOORS = (1e-6, 1e-4, 1e-3, 1e-2)
SHARES = (0.0, 1.0, 0.3)  # names shuffled: none, all, 30 %


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fonts", nargs="*", type=Path)
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--cache", type=Path, default=None, help="folder keeping the shape posteriors (.npy)"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    fonts = args.fonts or [p for p in bundled_font_paths() if p.name in DEFAULT_FONTS]
    predictor = load_predictor(args.checkpoint, args.index)
    method = predictor.default_method()
    cases = []
    for k, path in enumerate(fonts):
        glyphs = read_font_glyphs(path)
        truth = truth_labels(glyphs.face)
        cached = args.cache / f"{path.stem}.{method}.npy" if args.cache else None
        if cached is not None and cached.is_file():
            shape = np.load(cached)
        else:
            shape = shape_posterior(predictor, glyphs, method)
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                np.save(cached, shape)
        share = SHARES[k % len(SHARES)]
        named = shuffled_names(glyphs, seed=k, share=share) if share else glyphs
        rows = [i for i, g in enumerate(glyphs.gids.tolist()) if g in truth]
        cols = {lab: j for j, lab in enumerate(predictor.labels)}
        want = [
            [cols[lab] for lab in truth[int(glyphs.gids[i])].labels if lab in cols] for i in rows
        ]
        cases.append((path.name, share, named, shape, rows, want))
        print(f"{path.name}: {len(rows)} glyphs with truth, names shuffled {share:.0%}", flush=True)
    print(f"\nmodel {args.checkpoint} (method {method})\n")
    print("| name weight | member floor | mean log-lik | label top-1 % | per font (top-1 %) |")
    print("|---:|---:|---:|---:|---|")
    best = None
    for w in WEIGHTS:
        for floor in FLOORS:
            ll, hit, n, per = 0.0, 0, 0, []
            for name, share, named, shape, rows, want in cases:
                ev = combine_evidence(
                    named, shape, predictor.labels, name_weight=w, member_floor=floor
                )
                h = 0
                for i, cols_i in zip(rows, want, strict=True):
                    p = float(ev.probs[i, cols_i].sum()) if cols_i else 0.0
                    ll += np.log(max(p, 1e-6))
                    h += int(np.argmax(ev.probs[i])) in cols_i
                hit += h
                n += len(rows)
                per.append(
                    f"{name.split('[')[0].split('-')[0]} {share:.0%}: {100 * h / max(len(rows), 1):.1f}"
                )
            print(
                f"| {w} | {floor:g} | {ll / n:.4f} | {100 * hit / n:.2f} | {'; '.join(per)} |",
                flush=True,
            )
            if best is None or ll > best[0]:
                best = (ll, w, floor)
    print(f"\nbest: name weight {best[1]}, member floor {best[2]:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
