"""A family hold-out run (``raster.demo``, ``bench.bench_identify``): its ``raster.train``
flags and the summary table of the held-out fonts.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def holdout_training_argv(
    db: Path,
    run: Path,
    *,
    epochs: int,
    img_size: int,
    time_budget: float,
    limit: int = 0,
    batch_size: int | None = None,
    retrieval_every: int = 4,
) -> list[str]:
    """``raster.train`` flags of a family hold-out run (the demo and bench_identify share them):
    font-disjoint validation, so val measures fonts the model never saw."""
    argv = [
        "--db",
        str(db),
        "--limit",
        str(limit),
        "--epochs",
        str(epochs),
        "--img-size",
        str(img_size),
        "--font-disjoint",
        "--val-frac",
        "0.1",
        "--pre-rasterize",
        "--time-budget",
        str(time_budget),
        "--retrieval-cap",
        "1000",
        "--retrieval-every",
        str(retrieval_every),
        "--out-dir",
        str(run),
        "--log-interval",
        "100",
        "--suppress-warnings",
    ]
    if batch_size is not None:
        argv += ["--batch-size", str(batch_size)]
    return argv


def summary_table(reports: list[dict]) -> str:
    """One Markdown table over the held-out fonts: glyphs, label/char top-1, per form.

    Args:
        reports: ``identify --evaluate`` JSON of each held-out font (``font``, ``plain``,
            optionally ``letters``).

    Returns:
        The table; totals weigh each font by its glyph count; a line on Arabic letters only
        when the reports have them.
    """
    forms = ("isol", "init", "medi", "fina")
    lines = [
        "| font | glyphs | label top-1 | char top-1 | " + " | ".join(forms) + " |",
        "|---|---|---|---|" + "---|" * len(forms),
    ]
    total = {"n": 0, "label": 0.0, "char": 0.0, **{f: [0, 0.0] for f in forms}}
    for rep in reports:
        r = rep["plain"]
        per = r["per_form"]
        cells = [f"{per[f]['top1_label']:.1%}" if f in per else "–" for f in forms]
        lines.append(
            f"| {Path(rep['font']).name} | {r['glyphs']} | {r['top1_label']:.1%} | "
            f"{r['top1_char']:.1%} | " + " | ".join(cells) + " |"
        )
        total["n"] += r["glyphs"]
        total["label"] += r["top1_label"] * r["glyphs"]
        total["char"] += r["top1_char"] * r["glyphs"]
        for f in forms:
            if f in per:
                total[f][0] += per[f]["n"]
                total[f][1] += per[f]["top1_label"] * per[f]["n"]
    if total["n"]:
        cells = [f"{total[f][1] / total[f][0]:.1%}" if total[f][0] else "–" for f in forms]
        lines.append(
            f"| **all** | {total['n']} | {total['label'] / total['n']:.1%} | "
            f"{total['char'] / total['n']:.1%} | " + " | ".join(cells) + " |"
        )
    letters = [rep["letters"] for rep in reports if rep.get("letters", {}).get("glyphs")]
    if letters:
        n = sum(r["glyphs"] for r in letters)
        label = sum(r["top1_label"] * r["glyphs"] for r in letters) / n
        char = sum(r["top1_char"] * r["glyphs"] for r in letters) / n
        lines += [
            "",
            f"Arabic letters only ({n} glyphs): label top-1 {label:.1%}, char top-1 {char:.1%}",
        ]
    return "\n".join(lines)
