"""The run report's HTML page: training curves, embedding map, identification per form and a
gallery of wrong identifications; a ``raster.crossval`` folder gets its own page.
"""

from __future__ import annotations

import base64
import html
import logging
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from raster.inference.predict import split_label
from raster.paths import check_outputs
from raster.reporting import plots
from raster.reporting.crossval import crossval_sections, is_crossval_run
from raster.reporting.data import (
    LOG_FILE,
    chosen_evaluation,
    embedding_map,
    find_index,
    gather_gallery,
    label_caption,
    label_glyph_pngs,
    read_identify_results,
    read_train_log,
)

log = logging.getLogger(__name__)

FIG_DIR = "report"
SUMMARY_KEYS = (
    "train_loss",
    "val_loss",
    "train_acc",
    "val_top1",
    "val_top5",
    "top10",
    "mrr",
    "effect_size",
    "epoch_seconds",
)

CSS = """
body { font-family: sans-serif; max-width: 1150px; margin: 1em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; }
img { max-width: 100%; border: 1px solid #eee; }
table { border-collapse: collapse; font-size: .9em; margin: .5em 0; }
td, th { border: 1px solid #ccc; padding: .2em .6em; text-align: right; }
th { background: #f4f4f4; } td.l, th.l { text-align: left; }
.note { color: #8a5a00; background: #fff6e0; padding: .4em .8em; border-left: 3px solid #e0a000; }
.meta { color: #666; font-size: .9em; }
.glyph { display: inline-flex; flex-direction: column; align-items: center; vertical-align: middle; }
.glyph img { width: 40px; height: 40px; border: 1px solid #ddd; }
.glyph small { color: #666; font-size: .75em; }
"""


@dataclass
class ReportOptions:
    """What the report reads and shows; the fields are ``raster.report``'s flags.

    Attributes:
        run_dir: run directory (``train_log.jsonl``, ``best.pt``, ...).
        out: the HTML file; None: ``run_dir/report.html``.
        db: glyph DB; None: the checkpoint's.
        checkpoint: None: ``run_dir/best.pt``, else ``last.pt``.
        index: reference index; None: a folder of ``run_dir`` with an ``index.json``.
        identify_dir: folder of identify ``--evaluate`` JSON files; None: ``run_dir/identify``.
        map_glyphs, map_groups, seed: DB glyphs in the embedding map, joining groups coloured,
            the sample's seed.
        gallery, neighbours: wrong identifications shown, reference glyphs per item.
        device, batch_size: where and how many glyphs at a time the model runs.
    """

    run_dir: Path
    out: Path | None = None
    db: Path | None = None
    checkpoint: Path | None = None
    index: Path | None = None
    identify_dir: Path | None = None
    map_glyphs: int = 2000
    map_groups: int = 12
    seed: int = 0
    gallery: int = 24
    neighbours: int = 3
    device: str = "cpu"
    batch_size: int = 256


def _note(text: str) -> str:
    return f'<p class="note">{html.escape(text)}</p>'


def _img(path: Path, out_dir: Path, alt: str) -> str:
    rel = path.relative_to(out_dir).as_posix()
    return f'<p><img src="{html.escape(rel)}" alt="{html.escape(alt)}"></p>'


def _glyph(label: str, pngs: dict[str, bytes]) -> str:
    """A label as a person sees it: the font's own glyph (an inline PNG, so no page font needs
    to have it) over its codepoint and form; the caption as text where there is no glyph."""
    caption = label_caption(label)
    cp, form = split_label(label)
    if label not in pngs:
        if cp is not None and caption.endswith(chr(cp)) and unicodedata.category(chr(cp))[0] == "M":
            caption = caption[:-1] + "\u25cc" + caption[-1]  # a mark drawn on ◌, not on "×"
        # <bdi>: each caption is laid out on its own (an Arabic letter beside digits)
        return f"<bdi>{html.escape(caption)}</bdi>"
    code = f"{cp:04X} {form}".strip() if cp is not None else label
    data = base64.b64encode(pngs[label]).decode("ascii")
    return (
        f'<span class="glyph"><img src="data:image/png;base64,{data}" alt="{html.escape(caption)}" '
        f'title="{html.escape(caption)}"><small>{html.escape(code)}</small></span>'
    )


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return html.escape(str(v))


def _pct(v) -> str:
    return "-" if v is None else f"{v:.1%}"


class Report:
    """Collects the HTML sections and figure paths of one report."""

    def __init__(self, out: Path):
        self.out = out
        self.fig_dir = out.parent / FIG_DIR
        self.parts: list[str] = []

    def section(self, anchor: str, title: str, body: str) -> None:
        self.parts.append(
            f'<section id="{anchor}">\n<h2>{html.escape(title)}</h2>\n{body}\n</section>'
        )

    def figure(self, path: Path | None, alt: str, missing: str) -> str:
        return _img(path, self.out.parent, alt) if path is not None else _note(missing)


def training_sections(rep: Report, entries: list[dict]) -> None:
    """Summary table, losses, accuracy/retrieval and schedule figures."""
    last = entries[-1]
    best = max(entries, key=lambda r: r.get("val_top1") or -1.0)
    cols = [k for k in SUMMARY_KEYS if any(k in r for r in entries)]
    head = "".join(f"<th>{k}</th>" for k in cols)
    rows = ""
    for name, r in (("last", last), ("best val_top1", best)):
        cells = "".join(f"<td>{_fmt(r[k]) if k in r else '-'}</td>" for k in cols)
        rows += f'<tr><td class="l">{name} (epoch {r.get("epoch", "?")})</td>{cells}</tr>'
    rep.section(
        "summary",
        "Training summary",
        f"<p>{len(entries)} epochs logged.</p>"
        f'<table><tr><th class="l"></th>{head}</tr>{rows}</table>',
    )
    rep.section(
        "losses",
        "Losses",
        rep.figure(
            plots.plot_losses(entries, rep.fig_dir / "losses.png"),
            "loss curves",
            "No loss values in the log.",
        ),
    )
    rep.section(
        "metrics",
        "Accuracy and retrieval",
        rep.figure(
            plots.plot_metrics(entries, rep.fig_dir / "metrics.png"),
            "accuracy and retrieval metrics",
            "No accuracy or retrieval values in the log.",
        ),
    )
    rep.section(
        "schedule",
        "Learning rate and embedding-loss weight",
        rep.figure(
            plots.plot_schedule(entries, rep.fig_dir / "schedule.png"),
            "learning rate",
            "No learning rate in the log.",
        ),
    )


def map_section(rep: Report, loaded, db: Path | None, opts: ReportOptions) -> None:
    """The embedding map of ``opts.map_glyphs`` DB glyphs (skipped without a checkpoint or DB)."""
    if loaded is None:
        rep.section("embeddings", "Embedding map", _note("Skipped: no checkpoint in the run."))
        return
    if db is None or not Path(db).is_file():
        rep.section(
            "embeddings", "Embedding map", _note(f"Skipped: glyph DB {db} not found (use --db).")
        )
        return
    emap = embedding_map(loaded, db, opts.map_glyphs, opts.seed, opts.map_groups, opts.batch_size)
    path = plots.plot_embedding_map(emap.coords, emap.groups, rep.fig_dir / "embeddings.png")
    rep.section(
        "embeddings",
        "Embedding map",
        f'<p class="meta">{len(emap.coords)} glyphs of {html.escape(str(db))}, their embeddings '
        "mapped to the plane by t-SNE (cosine distance): glyphs near each other in the "
        "embedding stay near, so a letter group the model has learned shows as a cluster; "
        "distances between clusters mean little.</p>" + _img(path, rep.out.parent, "embedding map"),
    )


def identify_section(rep: Report, results: dict[str, dict], source: Path) -> None:
    """Per-form accuracy table and figure, and each font's most frequent confusions."""
    if not results:
        rep.section(
            "forms",
            "Identification per form",
            _note(f"Skipped: no identify --evaluate JSON files in {source}."),
        )
        return
    chosen = {name: chosen_evaluation(r)[1] for name, r in results.items()}
    rows = ""
    for name, r in results.items():
        kind, e = chosen_evaluation(r)
        rows += (
            f'<tr><td class="l">{html.escape(name)}</td><td class="l">{html.escape(r.get("method", "?"))}'
            f"{' + assign' if kind == 'assign' else ''}</td><td>{e.get('glyphs', 0)}</td>"
            f"<td>{_pct(e.get('in_vocab'))}</td><td>{_pct(e.get('top1_label'))}</td>"
            f"<td>{_pct(e.get('top1_char'))}</td></tr>"
        )
    table = (
        '<table><tr><th class="l">font</th><th class="l">method</th><th>glyphs</th>'
        "<th>in vocabulary</th><th>label top-1</th><th>char top-1</th></tr>"
        f"{rows}</table>"
    )
    conf = []
    for name, r in results.items():
        worst = (chosen_evaluation(r)[1].get("worst_confusions") or [])[:8]
        if worst:
            pngs = label_glyph_pngs(r.get("font", ""), {x for a, b, _ in worst for x in (a, b)})
            text = ", ".join(f"{_glyph(a, pngs)} → {_glyph(b, pngs)} ×{c}" for a, b, c in worst)
            conf.append(f"<li><b>{html.escape(name)}</b>: {text}</li>")
    conf_html = (
        "<p>Most frequent confusions (truth → predicted; each drawn with the font's own glyph "
        f"of that label where it has one):</p><ul>{''.join(conf)}</ul>"
    )
    path = plots.plot_form_accuracy(chosen, rep.fig_dir / "forms.png")
    rep.section(
        "forms",
        "Identification per form",
        table
        + rep.figure(path, "per-form accuracy", "No per-form results in the files.")
        + (conf_html if conf else ""),
    )


def gallery_section(rep: Report, results: dict[str, dict], loaded, opts: ReportOptions) -> None:
    """Re-identify each evaluated font in-process (the JSON keeps no per-glyph rows)."""
    title = "Wrong identifications"
    if not results:
        rep.section("gallery", title, _note("Skipped: no identify results."))
        return
    if loaded is None:
        rep.section("gallery", title, _note("Skipped: no checkpoint in the run."))
        return
    found = gather_gallery(
        results,
        loaded,
        index_dir=opts.index or find_index(opts.run_dir),
        db=opts.db,
        limit=opts.gallery,
        n_neighbours=opts.neighbours,
        batch_size=opts.batch_size,
    )
    items = []
    for w in found.wrong:
        caption = (
            f"{w.font[:18]} #{w.gid} p={w.confidence:.2f}\npred {label_caption(w.predicted)}\n"
            f"true {label_caption(w.truth[0])}"
            + (f" +{len(w.truth) - 1}" if len(w.truth) > 1 else "")
        )
        neigh = [
            (found.ref_images[g], f"cos {sim:.2f}\nref {label_caption(lab)}")
            for g, lab, sim in w.neighbours
            if g in found.ref_images
        ]
        items.append({"image": w.image, "title": caption, "neighbours": neigh})
    path = plots.plot_gallery(items, rep.fig_dir / "gallery.png")
    body = "".join(_note(n) for n in found.notes)
    if path is None:
        body += "<p>No wrong identifications among the re-identified fonts.</p>"
    else:
        body += (
            f'<p class="meta">The {len(items)} most confident wrong top-1 labels (red: the glyph, '
            "its prediction and truth; blue: nearest reference glyphs with cosine "
            "similarity).</p>" + _img(path, rep.out.parent, "gallery of wrong identifications")
        )
    rep.section("gallery", title, body)


def write_report(opts: ReportOptions) -> Path:
    """Build every section and write the HTML; returns its path.

    Args:
        opts: the run directory and what the page shows (``raster.report``'s flags).

    Raises:
        ReportInputError: no readable training log in the run directory.
    """
    run_dir = opts.run_dir
    out = opts.out or run_dir / "report.html"
    check_outputs(
        {"--out": out},
        [run_dir / LOG_FILE, run_dir / "best.pt", run_dir / "last.pt", opts.checkpoint, opts.db],
    )
    if is_crossval_run(run_dir):
        return write_crossval_report(run_dir, out)
    entries = read_train_log(run_dir / LOG_FILE)
    rep = Report(out)
    t0 = time.perf_counter()
    training_sections(rep, entries)

    ckpt = opts.checkpoint
    if ckpt is None:
        ckpt = next((p for p in (run_dir / "best.pt", run_dir / "last.pt") if p.is_file()), None)
    loaded = None
    if ckpt is not None:
        from raster.inference.checkpoint_loader import load_model

        loaded = load_model(ckpt, opts.device)
    db = opts.db or (loaded.ckpt.get("args", {}).get("db") if loaded else None)
    map_section(rep, loaded, Path(db) if db else None, opts)
    source = opts.identify_dir or run_dir / "identify"
    results = read_identify_results(source) if source.is_dir() else {}
    identify_section(rep, results, source)
    gallery_section(rep, results, loaded, opts)

    meta = (
        f"Run {html.escape(str(run_dir.resolve()))}; checkpoint "
        f"{html.escape(str(ckpt) if ckpt else 'none')}; written "
        f"{time.strftime('%Y-%m-%d %H:%M')} in {time.perf_counter() - t0:.1f} s."
    )
    toc = " · ".join(
        f'<a href="#{a}">{t}</a>'
        for a, t in (
            ("summary", "summary"),
            ("losses", "losses"),
            ("metrics", "metrics"),
            ("schedule", "schedule"),
            ("embeddings", "embeddings"),
            ("forms", "per form"),
            ("gallery", "gallery"),
        )
    )
    return _write_page(
        out, f"Run report: {run_dir.name}", f'<p class="meta">{meta}</p><p>{toc}</p>', rep
    )


def write_crossval_report(run_dir: Path, out: Path) -> Path:
    """The page of a ``raster.crossval`` run folder (see raster.reporting.crossval)."""
    rep = Report(out)
    for anchor, title, body in crossval_sections(run_dir, rep.fig_dir):
        rep.section(anchor, title, body)
    meta = (
        f'<p class="meta">Run {html.escape(str(run_dir.resolve()))}; written '
        f"{time.strftime('%Y-%m-%d %H:%M')}.</p>"
    )
    return _write_page(out, f"Cross-validation: {run_dir.name}", meta, rep)


def _write_page(out: Path, title: str, head_html: str, rep: Report) -> Path:
    """Write the page: ``title`` (plain text) as title and heading, ``head_html`` under it,
    then the report's sections."""
    title = html.escape(title)
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{CSS}</style></head>\n"
        f"<body><h1>{title}</h1>{head_html}\n" + "\n".join(rep.parts) + "\n</body></html>\n"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
