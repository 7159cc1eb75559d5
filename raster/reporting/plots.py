"""The report's figures: matplotlib (Agg) PNGs from a run's log, embeddings and identify results.

Every function takes plain data (lists of dicts, numpy arrays, a glyph table) and a PNG path,
draws one figure and returns the path (or None when there is nothing to draw), so the figures
can be tested without a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from raster.data.render import RasterConfig, get_rasterizer  # noqa: E402
from raster.reporting.labels import describe, label_font  # noqa: E402

DPI = 100

LOSS_KEYS = ("train_loss", "ce_loss", "emb_loss", "val_loss")
ACCURACY_KEYS = ("train_acc", "val_top1", "val_top5")
RETRIEVAL_KEYS = ("top10", "mrr", "precision_at_1")
LR_KEYS = ("lr_backbone", "lr_head")


def _series(log: Sequence[dict], key: str) -> tuple[list[float], list[float]]:
    """(epochs, values) of the epochs whose entry has a numeric ``key``."""
    xs, ys = [], []
    for row in log:
        v = row.get(key)
        if isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v):
            xs.append(row.get("epoch", len(xs)))
            ys.append(float(v))
    return xs, ys


def _save(fig, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return out


def _lines(ax, log: Sequence[dict], keys: Sequence[str]) -> int:
    drawn = 0
    for key in keys:
        xs, ys = _series(log, key)
        if xs:
            ax.plot(xs, ys, marker="o", markersize=3, label=key)
            drawn += 1
    if drawn:
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        ax.set_xlabel("epoch")
    return drawn


def plot_losses(log: Sequence[dict], out: Path) -> Path | None:
    """Train/CE/embedding/validation loss per epoch (one axis)."""
    fig, ax = plt.subplots(figsize=(7, 4))
    if not _lines(ax, log, LOSS_KEYS):
        plt.close(fig)
        return None
    ax.set_title("losses")
    ax.set_ylabel("loss")
    return _save(fig, out)


def plot_metrics(log: Sequence[dict], out: Path) -> Path | None:
    """Classification accuracy (left) and retrieval metrics + effect size (right) per epoch."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    n1 = _lines(ax1, log, ACCURACY_KEYS)
    n2 = _lines(ax2, log, RETRIEVAL_KEYS)
    xs, ys = _series(log, "effect_size")
    if xs:
        ax3 = ax2.twinx()
        ax3.plot(xs, ys, color="black", linestyle="--", marker="s", markersize=3)
        ax3.set_ylabel("effect_size (dashed)")
        n2 += 1
    if not n1 and not n2:
        plt.close(fig)
        return None
    ax1.set_title("accuracy")
    ax1.set_ylim(0, 1)
    ax2.set_title("retrieval (validation)")
    ax2.set_ylim(0, 1)
    return _save(fig, out)


def plot_schedule(log: Sequence[dict], out: Path) -> Path | None:
    """Learning rates (left, log scale) and the embedding-loss weight (right) per epoch."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.5))
    n1 = _lines(ax1, log, LR_KEYS)
    n2 = _lines(ax2, log, ("emb_weight",))
    if not n1 and not n2:
        plt.close(fig)
        return None
    ax1.set_title("learning rate")
    ax1.ticklabel_format(axis="y", style="sci", scilimits=(-2, 3))
    ax2.set_title("embedding-loss weight")
    return _save(fig, out)


# Named groups: tab10 then two dark extras, then tab20b; "other"/"no group" in greys below them.
GROUP_COLOURS = [
    *plt.get_cmap("tab10").colors,
    "#000000",
    "#393b79",
    *plt.get_cmap("tab20b").colors,
]
BACKGROUND_GROUPS = {"other": "#c8c8c8", "no group": "#e3c9a8"}


def plot_embedding_map(coords: np.ndarray, groups: Sequence[str], out: Path) -> Path:
    """Scatter of the 2-D embedding map (t-SNE) coloured by group.

    ``"other"`` and ``"no group"`` are drawn first in pale colours so the named groups stay
    visible on top of them.

    Args:
        coords: float (N, 2) mapped embeddings.
        groups: N group names (joining group, ``"no group"``, ``"other"``).
    """
    fig, ax = plt.subplots(figsize=(9, 7))
    garr = np.asarray(groups)
    coords = np.asarray(coords)
    for g, colour in BACKGROUND_GROUPS.items():
        m = garr == g
        if m.any():
            ax.scatter(*coords[m].T, s=6, color=colour, label=f"{g} ({m.sum()})", zorder=1)
    named = sorted(set(groups) - set(BACKGROUND_GROUPS))
    for i, g in enumerate(named):
        m = garr == g
        colour = GROUP_COLOURS[i % len(GROUP_COLOURS)]
        ax.scatter(*coords[m].T, s=9, color=colour, label=f"{g} ({m.sum()})", zorder=2)
    ax.legend(fontsize=8, markerscale=2, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set_xticks([])  # t-SNE axes have no unit: only who is near whom means something
    ax.set_yticks([])
    ax.set_title(f"embeddings of {len(coords)} glyphs by joining group (t-SNE: neighbours kept)")
    return _save(fig, out)


def plot_form_accuracy(results: dict[str, dict], out: Path) -> Path | None:
    """Grouped bars: label and base-character top-1 per form, one bar group per font.

    Args:
        results: font name -> an evaluation dict (``per_form``: form -> ``n``,
            ``top1_label``, ``top1_char``), as ``raster.identify --evaluate`` writes.
    """
    forms: list[str] = []
    for r in results.values():
        forms += [f for f in r.get("per_form", {}) if f not in forms]
    if not forms:
        return None
    fonts = list(results)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    width = 0.8 / len(fonts)
    x = np.arange(len(forms))
    for ax, key, title in zip(
        axes, ("top1_label", "top1_char"), ("label top-1", "base character top-1"), strict=True
    ):
        for j, font in enumerate(fonts):
            pf = results[font].get("per_form", {})
            vals = [(pf.get(f) or {}).get(key) or 0.0 for f in forms]
            bars = ax.bar(x + (j - (len(fonts) - 1) / 2) * width, vals, width, label=font)
            if len(fonts) <= 3:
                for b, f in zip(bars, forms, strict=True):
                    n = (pf.get(f) or {}).get("n")
                    if n:
                        ax.annotate(
                            f"n={n}",
                            (b.get_x() + b.get_width() / 2, b.get_height()),
                            ha="center",
                            va="bottom",
                            fontsize=7,
                        )
        ax.set_xticks(x, forms)
        ax.set_ylim(0, 1.08)
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("accuracy")
    axes[1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return _save(fig, out)


def plot_gallery(items: Sequence[dict], out: Path, per_row: int = 2) -> Path | None:
    """A grid of wrong identifications: the glyph, then its nearest reference glyphs.

    Args:
        items: dicts with ``image`` (uint8 (S, S), ink = 255), ``title`` (glyph caption:
            font, predicted and true labels) and ``neighbours`` (list of ``(image, caption)``).
        per_row: items side by side.
    """
    if not items:
        return None
    k = max(len(it.get("neighbours", ())) for it in items)
    cols = per_row * (1 + k)
    rows = -(-len(items) // per_row)
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 2.25 * rows), squeeze=False)
    fp = label_font()
    font = {"fontsize": 7}
    if fp is not None:  # Arabic coverage for the captions' characters
        fp = fp.copy()
        fp.set_size(7)
        font = {"fontproperties": fp}
    for ax in axes.flat:
        ax.axis("off")
    for n, it in enumerate(items):
        r, c0 = divmod(n, per_row)
        c0 *= 1 + k
        cells = [(it["image"], it["title"], "tab:red")] + [
            (img, cap, "tab:blue") for img, cap in it.get("neighbours", ())
        ]
        for c, (img, cap, colour) in enumerate(cells):
            ax = axes[r, c0 + c]
            ax.imshow(255 - np.asarray(img), cmap="gray", vmin=0, vmax=255)
            ax.set_title(cap, color=colour, **font)
            ax.axis("on")
            ax.set_xticks([])
            ax.set_yticks([])
            for s in ax.spines.values():
                s.set_color(colour)
                s.set_linewidth(1.5 if c == 0 else 0.8)
    fig.tight_layout(h_pad=0.6)
    return _save(fig, out)


def glyph_grid(table, raster: RasterConfig, rows: int, cols: int, out: Path) -> Path:
    """A labelled grid of a glyph table's first ``rows * cols`` glyphs, rendered as training does.

    Each cell shows the render (black on white) titled with the character (drawn with
    :func:`~raster.reporting.labels.label_font`) and captioned with glyph id, label, form and
    font family (:func:`~raster.reporting.labels.describe`).

    Args:
        table: a :class:`~raster.data.selection.GlyphTable` (outlines in font units).
        raster: the raster config (image side in pixels, normalization).
        rows, cols: grid shape; cells beyond the table stay empty.
        out: PNG path.
    """
    r = get_rasterizer(raster)
    fp = label_font()
    forms = table.extras.get("form") or [None] * len(table)
    families = table.extras.get("family") or [None] * len(table)
    fig, axes = plt.subplots(rows, cols, figsize=(1.7 * cols, 2.1 * rows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= len(table):
            ax.axis("off")
            continue
        img, shrunk = r.render(table.outlines[k], float(table.upems[k]))
        ax.imshow(img, cmap="gray_r", vmin=0, vmax=255)
        head, detail = describe(table.labels[k], forms[k], families[k])
        if shrunk:
            detail += " (shrunk)"
        ax.set_title(head, fontproperties=fp, fontsize=11, pad=2)
        ax.set_xlabel(f"#{int(table.glyph_ids[k])} {detail}", fontsize=6.5)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
