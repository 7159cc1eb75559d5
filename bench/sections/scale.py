"""Section ``scale`` of docs/benchmarks.md, owned by ``bench/bench_scale.py``: its jobs
(:func:`plan`) and the Markdown of their JSON (:func:`markdown`)."""

from __future__ import annotations

from pathlib import Path

from bench.sections import Plan, _n, _plural, one_job

HEADING = "Scale: reference index rows and fonts"


def plan(quick: bool, root: Path, scratch: Path | None = None) -> Plan:
    """Search and memory against the index rows and fonts."""
    name = "scale"
    return one_job(name, "bench.bench_scale", ["--quick"] if quick else [])


def markdown(res: dict) -> list[str]:
    d = res["data"]["scale"]
    lines = [
        f"(identify's kNN path on synthetic {d['dim']}-D unit vectors around {_n(d['labels'])} "
        f"label centres: `save_index`/`load_index`, then exact `ReferenceIndex.search` + "
        f"`knn_vote` for fonts of {d['glyphs_per_font']} glyphs, k = {d['k']}; "
        f"{_plural(d['threads'], 'thread')}; memory = peak RSS above the step's start)",
        "",
        "| index rows | fonts | write s | load s | kNN + vote CPU s | ms per font | peak MB |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        *[_scale_row(s) for s in d["by_rows"] + d["by_fonts"]],
        "",
        _scale_growth(d, "rows_search", "kNN time against index rows")
        + " "
        + _scale_growth(d, "rows_memory", "Memory against index rows")
        + " "
        + _scale_growth(d, "fonts_search", "kNN time against fonts"),
        "",
    ]
    if d.get("faiss"):
        lines += [
            "| faiss index | settings | rows | build s | search s (exact s) | recall@k |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for f in d["faiss"]:
            lines.append(
                f"| {f['index']} | {f['params']} | {f['rows']:,} | {f['build']['wall_s']:.1f} | "
                f"{f['search']['wall_s']:.3f} ({f['exact_search']['wall_s']:.2f}) | "
                f"{f['recall_at_k']:.3f} |"
            )
        lines += [
            "",
            "Where the exact search stops being cheap (a few hundred ms per font of 600 glyphs, "
            "about 100,000 rows), switch on inverted lists: `python -m raster.index lists "
            "--index DIR` (faiss `IndexIVFFlat`; rows / 192 lists, 32 visited per query), as the "
            "shipped index carries them; `identify` then searches them instead of every row.",
            "",
        ]
    return lines


def _scale_row(s: dict) -> str:
    build = "" if s["build"] is None else f"{s['build']['wall_s']:.1f}"
    return (
        f"| {s['rows']:,} | {s['fonts']} | {build} | {s['load']['wall_s']:.2f} | "
        f"{s['search']['cpu_s']:.2f} | {s['ms_per_font']:,.0f} | "
        f"{s['load']['peak_mb'] + s['search']['peak_mb']:,.0f} |"
    )


def _scale_growth(d: dict, key: str, what: str) -> str:
    g = d[key]
    steps = ", ".join(f"×{x['size_x']:g} → ×{x['cost_x']:g}" for x in g["growth"])
    at = g["superlinear_at"]
    tail = "linear throughout" if at is None else f"superlinear from {at:,}"
    return f"{what}: {steps} ({tail})."
