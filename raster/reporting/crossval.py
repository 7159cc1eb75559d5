"""The report page of a cross-validation run (``raster.crossval``'s OUT folder).

Per-fold table, per-design-class bars, the decision-rule ablation, twins and the most frequent
confusions, from ``summary.json``, ``folds.json`` and ``foldN/result.json``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from raster.reporting.data import label_caption  # noqa: E402


def is_crossval_run(run_dir: Path) -> bool:
    """True when ``run_dir`` is a ``raster.crossval`` output folder."""
    return (run_dir / "summary.json").is_file() and (run_dir / "folds.json").is_file()


def plot_class_bars(summary: dict, out: Path) -> Path | None:
    """Bars per design class: Arabic letters char+form and char top-1 (stripped), and the
    raw-pixel baseline's char+form; error bars = spread over folds."""
    stripped = summary.get("variants", {}).get("stripped", {}).get("per_class", {})
    pixel = summary.get("variants", {}).get("pixel", {}).get("per_class", {})
    classes = [c for c, m in stripped.items() if m["label"]["mean"] is not None]
    if not classes:
        return None
    series = [
        ("model char+form", [stripped[c]["label"] for c in classes]),
        ("model char", [stripped[c]["char"] for c in classes]),
        ("raw-pixel NN char+form", [pixel.get(c, {}).get("label") for c in classes]),
    ]
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(classes)), 4))
    x = np.arange(len(classes))
    width = 0.8 / len(series)
    for j, (name, ms) in enumerate(series):
        means = [(m or {}).get("mean") or 0.0 for m in ms]
        sds = [(m or {}).get("sd") or 0.0 for m in ms]
        ax.bar(x + (j - 1) * width, means, width, yerr=sds, capsize=3, label=name)
    ax.set_xticks(x, classes)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("top-1 on Arabic letters (stripped)")
    ax.axhline(0.9, color="grey", lw=0.8, ls="--")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return out


def _pct(m) -> str:
    if isinstance(m, dict):
        if m.get("mean") is None:
            return "–"
        return f"{100 * m['mean']:.1f} ± {100 * m['sd']:.1f}"
    return "–" if m is None else f"{100 * m:.1f}"


def _table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(
        f'<th class="{"l" if i == 0 else ""}">{html.escape(h)}</th>' for i, h in enumerate(head)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"l" if i == 0 else ""}">{html.escape(c)}</td>' for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><tr>{th}</tr>{body}</table>"


def _folds_section(summary: dict, plan: dict) -> tuple[str, str, str]:
    """The per-fold table (each variant, then mean ± sd) and the family keys of each fold."""
    cfg = summary.get("config", {})
    cols = ["letters.label", "letters.char", "all.label", "all.label_top5"]
    heads = ["fold", "variant", "letters char+form", "letters char", "all label top-1", "all top-5"]
    rows = []
    for fold, per in sorted(
        summary.get("per_fold", {}).items(), key=lambda kv: str(kv[0]).zfill(8)
    ):
        for v, vals in per.items():
            rows.append([fold, v, *[_pct(vals.get(c)) for c in cols]])
    for v, s in summary.get("variants", {}).items():
        rows.append(["mean ± sd", v, *[_pct(s.get(c)) for c in cols]])
    if summary.get("twins_merged"):
        t = summary["twins_merged"]
        merged = [_pct(t.get("letters.label")), "–", _pct(t.get("all.label"))]
        rows.append(["mean ± sd", "stripped, twins merged", *merged, _pct(t.get("all.label_top5"))])
    meta = (
        f"{cfg.get('k')} folds (seed {cfg.get('seed')}) of {html.escape(str(cfg.get('db')))}; "
        f"{cfg.get('time_budget')} training minutes per fold at {cfg.get('img_size')} px; "
        f"recipe flags {html.escape(' '.join(cfg.get('train_args', [])) or '(defaults)')}."
    )
    folds_html = "".join(
        f"<li>fold {i}: {html.escape(', '.join(keys))}</li>" for i, keys in enumerate(plan["folds"])
    )
    body = f"<p>{meta}</p>" + _table(heads, rows)
    return "folds", "Per-fold results", body + f"<p>Family keys per fold:</p><ul>{folds_html}</ul>"


def _twins_section(twins_path: Path) -> tuple[str, str, str]:
    """The label pairs the corpus fonts draw with one glyph."""
    twins = json.loads(twins_path.read_text())
    trows = [
        [label_caption(p["a"]), label_caption(p["b"]), f"{p['same']}/{p['both']}"]
        for p in twins[:40]
    ]
    return (
        "twins",
        "Twins: pairs the fonts draw with one glyph",
        "<p>Pairs shaped to the same glyph in at least half the corpus fonts that have "
        "both; the merged figure counts a twin of the truth as right.</p>"
        + _table(["label", "twin", "fonts drawing one glyph / fonts with both"], trows),
    )


def crossval_sections(run_dir: Path, fig_dir: Path) -> list[tuple[str, str, str]]:
    """(anchor, title, HTML body) of each section of the page."""
    summary = json.loads((run_dir / "summary.json").read_text())
    plan = json.loads((run_dir / "folds.json").read_text())
    out = [_folds_section(summary, plan)]
    fig = plot_class_bars(summary, fig_dir / "crossval_classes.png")
    body = "<p>No class scores yet.</p>"
    if fig is not None:
        src = html.escape(fig.relative_to(fig_dir.parent).as_posix())
        body = f'<p><img src="{src}" alt="per design class"></p>'
    out.append(("classes", "Per design class", body))
    if summary.get("decision"):
        drows = [
            [rule, _pct(d["letters.label"]), _pct(d["letters.char"]), _pct(d["all.label"])]
            for rule, d in summary["decision"].items()
        ]
        heads = ["rule", "letters char+form", "letters char", "all label top-1"]
        out.append(
            (
                "decision",
                "Decision rule: method, label prior, --charset ar, --assign",
                _table(heads, drows),
            )
        )
    if summary.get("evidence"):
        erows = [
            [src, str(e["n"]), _pct(e["share"]), _pct(e["label"])]
            for src, e in summary["evidence"].items()
        ]
        heads = ["decided by", "letters", "share", "letters char+form among them"]
        out.append(
            (
                "evidence",
                "As shipped: which evidence decided each letter (names, GSUB, shape)",
                _table(heads, erows),
            )
        )
    conf = summary.get("variants", {}).get("stripped", {}).get("confusions", [])
    if conf:
        crows = [[label_caption(a), label_caption(b), str(n)] for a, b, n in conf[:25]]
        title = "Most frequent confusions (Arabic letters, stripped)"
        out.append(("confusions", title, _table(["truth", "predicted", "glyphs"], crows)))
    if (run_dir / "twins.json").is_file():
        out.append(_twins_section(run_dir / "twins.json"))
    return out
