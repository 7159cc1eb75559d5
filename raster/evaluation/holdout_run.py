"""A family hold-out run (``raster.demo``, ``bench.bench_identify``): its ``raster.train``
flags and the summary tables of the held-out fonts.
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


#: the two ways ``raster.demo`` identifies a held-out font: the outline alone, and with what the
#: font still tells besides (identify's defaults)
OUTLINE_ONLY_FLAGS = ("--names", "ignore", "--gsub", "ignore")


def _weighted(reports: list[dict], part: str, key: str) -> tuple[int, float]:
    """(glyphs, glyph-weighted mean of ``key``) of ``part`` (plain, letters) over ``reports``."""
    parts = [rep[part] for rep in reports if rep.get(part, {}).get("glyphs")]
    n = sum(r["glyphs"] for r in parts)
    return n, (sum(r[key] * r["glyphs"] for r in parts) / n if n else 0.0)


def comparison_table(outline: list[dict], shipped: list[dict]) -> str:
    """One Markdown table of the held-out fonts identified twice: from the outline alone
    (``identify --names ignore --gsub ignore``) and as shipped (identify's defaults: the
    font's glyph names and GSUB used too).

    Args:
        outline: ``identify --evaluate`` JSON of each font, outline only.
        shipped: the same fonts, in the same order, with identify's defaults.

    Returns:
        The table (totals weigh each font by its glyph count), then a line on Arabic letters
        when the reports have them.
    """
    lines = [
        "| font | glyphs | label top-1, outline only | label top-1, as shipped "
        "| char top-1, outline only | char top-1, as shipped |",
        "|---|---:|---:|---:|---:|---:|",
    ]

    def row(name: str, a: list[dict], b: list[dict]) -> str:
        n = _weighted(a, "plain", "top1_label")[0]
        keys = ("top1_label", "top1_char")
        cells = [f"{_weighted(r, 'plain', key)[1]:.1%}" for key in keys for r in (a, b)]
        return f"| {name} | {n} | " + " | ".join(cells) + " |"

    for a, b in zip(outline, shipped, strict=True):
        lines.append(row(Path(a["font"]).name, [a], [b]))
    if len(outline) > 1:
        lines.append(row("**all**", outline, shipped))
    n, _ = _weighted(outline, "letters", "top1_label")
    if n:
        said = [
            f"{what} label top-1 {_weighted(r, 'letters', 'top1_label')[1]:.1%}, "
            f"char top-1 {_weighted(r, 'letters', 'top1_char')[1]:.1%}"
            for what, r in (("outline only", outline), ("as shipped", shipped))
        ]
        lines += ["", f"Arabic letters only ({n} glyphs): " + "; ".join(said)]
    return "\n".join(lines)
