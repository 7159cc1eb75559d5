"""Retrieval quality of saved embeddings: top-k, MRR, effect size, precision@1, R-precision, MAP@R.

Reads what ``python -m raster.embed`` writes (an (N, 128) ``.npy`` and a JSONL of
``{glyph_id, f_id, label}`` per row). ``--by-font`` excludes same-font neighbours: the honest
number for fonts never seen in training.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np

from raster import cli
from raster.inference.meta import load_meta
from raster.metrics.retrieval import evaluate_saved
from raster.paths import check_outputs

log = logging.getLogger("raster.eval_similarity")


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser("raster.eval_similarity", __doc__)
    g = parser.add_argument_group("input")
    g.add_argument("--embeds", type=Path, required=True, help="(N, D) float32 .npy")
    g.add_argument(
        "--meta", type=Path, required=True, help="JSONL, one {glyph_id, f_id, label} per row"
    )
    g = parser.add_argument_group("selection")
    g.add_argument(
        "--limit",
        type=cli.non_negative_int,
        default=0,
        help="evaluate a seeded sample of N rows (0 = all)",
    )
    g.add_argument("--label-regex", default=None, help="keep rows whose label matches")
    g.add_argument(
        "--min-cluster", type=cli.non_negative_int, default=2, help="drop labels with fewer rows"
    )
    cli.add_seed_arg(g, help="seed of the query sample")
    g = parser.add_argument_group("metrics")
    g.add_argument("--k", type=cli.positive_int, default=10, help="neighbours searched per query")
    g.add_argument(
        "--by-font", action="store_true", help="exclude neighbours from the query's font"
    )
    g.add_argument(
        "--exact-r",
        action="store_true",
        help="search max-R neighbours so R-precision and MAP@R are exact",
    )
    g.add_argument(
        "--backend",
        choices=["torch", "faiss", "auto"],
        default="auto",
        help="exact search in torch or faiss; auto: faiss when installed",
    )
    g.add_argument("--json-out", type=Path, default=None, help="the metrics as JSON")
    return parser


@cli.command("raster.eval_similarity")
def main(argv: list[str] | None = None) -> int:
    args = cli.parse_args(build_parser(), argv)
    check_outputs({"--json-out": args.json_out}, [args.embeds, args.meta])
    with cli.input_errors(str(args.embeds)):  # numpy's reasons do not name the file
        emb = np.load(args.embeds, mmap_mode="r")
    with cli.input_errors():  # load_meta's reasons name the file and line
        meta = load_meta(args.meta)
    with cli.input_errors(f"{args.embeds}, {args.meta}"):
        result = evaluate_saved(
            emb,
            meta,
            k=args.k,
            by_font=args.by_font,
            exact_r=args.exact_r,
            backend=args.backend,
            label_regex=args.label_regex,
            limit=args.limit,
            seed=args.seed,
            min_cluster=args.min_cluster,
        )
    for key, value in result.items():
        print(f"{key:>18}: {value:.4f}" if isinstance(value, float) else f"{key:>18}: {value}")
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(result, indent=2) + "\n")
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
