"""Identify accuracy per evidence source (shape; + names; + GSUB; + composition) on fonts as
shipped, stripped, and with their glyph names shuffled; markdown table + JSON.

    python -m tools.evidence_table --checkpoint runs/demo/best.pt --index runs/demo/ref \
        [FONT ...]   # default: the bundled Amiri fonts (the demo's held-out family)
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import torch

from bench.common import write_json
from raster.data.bundled import bundled_font_paths
from raster.inference.evidence.measure import STAGES, score_font
from raster.inference.predict import load_predictor


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fonts", nargs="*", type=Path)
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--method", default=None, help="default: both with --index")
    parser.add_argument("--name-weight", type=float, default=None)
    parser.add_argument("--seed", type=int, default=0, help="seed of the name shuffle")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json-out", type=Path, default=None)
    parser.add_argument(
        "--fonts-from",
        type=Path,
        default=None,
        metavar="RESULT.json",
        help="also the faces a crossval fold scored (its foldN/result.json)",
    )
    return parser


def _pct(h: list[int], col: int) -> str:
    return f"{100.0 * h[col] / h[0]:.1f}" if h[0] else "-"


def table(results: list[dict]) -> str:
    """Markdown: rows = variant x stage, columns = label/char top-1 on all glyphs and letters."""
    lines = [
        "| font | stage | glyphs | label top-1 % | char top-1 % | letters | letters label % | letters char % |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for variant in ("shipped", "stripped", "shuffled"):
        for stage, *_ in STAGES:
            tot = {"all": [0, 0, 0], "letters": [0, 0, 0]}
            for r in results:
                for k in tot:
                    tot[k] = [a + b for a, b in zip(tot[k], r[variant][stage][k], strict=True)]
            a, le = tot["all"], tot["letters"]
            lines.append(
                f"| {variant} | {stage} | {a[0]} | {_pct(a, 1)} | {_pct(a, 2)} | {le[0]} | "
                f"{_pct(le, 1)} | {_pct(le, 2)} |"
            )
    return "\n".join(lines)


def composed_table(results: list[dict]) -> str:
    """Markdown: per font with skeleton + dots letter forms, how many each stage reads back
    as the right letter, as shipped and stripped ('' when no font has any)."""
    fonts = [r for r in results if r["composed"]["shipped"]["shape"]["rows"]]
    if not fonts:
        return ""
    stages = [s for s, *_ in STAGES]
    lines = [
        "| font | forms | " + " | ".join(f"shipped {s}" for s in stages) + " | stripped |",
        "|---|---:|" + "---:|" * (len(stages) + 1),
    ]
    for r in fonts:
        c = r["composed"]
        cells = [str(c["shipped"][s]["read_right"]) for s in stages]
        lines.append(
            f"| {Path(r['font']).name} | {c['shipped']['shape']['rows']} | "
            + " | ".join(cells)
            + f" | {c['stripped'][stages[-1]]['read_right']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    torch.set_num_threads(args.threads)
    fonts = list(args.fonts)
    if args.fonts_from is not None:
        fonts = [Path(f) for f in json.loads(args.fonts_from.read_text())["fonts"]] + fonts
    fonts = fonts or [p for p in bundled_font_paths(("fontpkg_amiri",))]
    predictor = load_predictor(args.checkpoint, args.index)
    method = args.method or predictor.default_method()
    kw = {} if args.name_weight is None else {"name_weight": args.name_weight}
    results = []
    skipped = []
    for path in fonts:
        try:
            r = score_font(predictor, path, method, seed=args.seed, **kw)
        except ValueError as exc:  # e.g. stripping moved a composite glyph's outline
            print(f"{path.name}: skipped: {exc}", flush=True)
            skipped.append(f"{path}: {exc}")
            continue
        results.append(r)
        lying = r["lying"]
        print(
            f"{path.name}: {r['glyphs']} glyphs; stripped == shape only: "
            f"{r['stripped_equals_shape']}; name reliability shipped "
            f"{r['name_reliability'].get('shipped')}, shuffled "
            f"{r['name_reliability'].get('shuffled')}; lying names changed {lying['changed']} of "
            f"{lying['glyphs']} answers ({lying['right_to_wrong']} right->wrong, "
            f"{lying['wrong_to_right']} wrong->right)",
            flush=True,
        )
        for w in r["warnings"][:5]:
            print("   warning:", w)
    print(f"\nmodel {args.checkpoint} (method {method}); {len(skipped)} font(s) skipped\n")
    print(table(results))
    if composed := composed_table(results):
        print("\nskeleton + dots letter forms read back as the right letter:\n")
        print(composed)
    write_json(args.json_out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
