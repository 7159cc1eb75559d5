"""Section ``answers`` of docs/benchmarks.md, owned by ``bench/bench_answers.py``: its jobs
(:func:`plan`) and the Markdown of their JSON (:func:`markdown`)."""

from __future__ import annotations

from pathlib import Path

from bench.sections import Plan, _n, _plural, one_job, shipped_model_missing

HEADING = "Answers in seconds: identify and repair, one file and several"


def plan(quick: bool, root: Path, scratch: Path | None = None) -> Plan:
    """Time identify and repair with the shipped model, one file and several."""
    name = "answers"
    sizes = "--repeats 1 --fonts 2 --pdfs 2" if quick else "--repeats 3 --fonts 4 --pdfs 3"
    return one_job(name, "bench.bench_answers", sizes.split(), shipped_model_missing(root))


def markdown(res: dict) -> list[str]:
    d = res["data"]["answers"]
    t, ident, rep = d["targets"], d["identify"], d.get("repair")
    m = d["machine"]
    lines = [
        f"(the {d['model']} model; each figure the median of {_plural(d['repeats'], 'process')}, "
        "interpreter start, imports and model + index load included; fonts: "
        f"{', '.join(d['fonts'])}; load average {m['load_avg_1m_at_start']} at the start, "
        f"{m['load_avg_1m_at_end']} at the end)",
        "",
        "| what | wall | peak RSS | target (issue 18) |",
        "|---|---:|---:|---|",
    ]
    one = ident["one"]
    peak = max(v["peak_rss_mb"] for v in ident.values())
    lines.append(
        f"| `identify`, first font | {one['median_s']:.2f} s | {_n(one['peak_rss_mb'])} MB | "
        f"{_verdict(one['median_s'], t['first_s'], 's')} |"
    )
    if "many" in ident:
        many = ident["many"]
        lines.append(
            f"| `identify`, each further font ({many['files']} in one process) | "
            f"{many['per_extra_s']:.2f} s | {_n(many['peak_rss_mb'])} MB | "
            f"{_verdict(many['per_extra_s'], t['extra_s'], 's')} |"
        )
    if rep:
        lines.append(
            f"| `pdf repair`, one PDF | {rep['one']['median_s']:.2f} s | "
            f"{_n(rep['one']['peak_rss_mb'])} MB | |"
        )
        if "many" in rep:
            many = rep["many"]
            lines.append(
                f"| `pdf repair`, each further PDF (a folder of {many['files']}) | "
                f"{many['per_extra_s']:.2f} s | {_n(many['peak_rss_mb'])} MB | |"
            )
    phases = ", ".join(f"{k} {v:.2f} s" for k, v in one["phases"].items())
    lines += [
        "",
        f"Peak memory of `identify`: {_n(peak)} MB, {_verdict(peak, t['peak_rss_mb'], 'MB')}. "
        f"Where the first font's time goes (`identify --timings`, medians): {phases}.",
        "",
    ]
    further = _further_fonts(d)
    if further:
        lines += [further, ""]
    return lines


def _verdict(value: float, target: float, unit: str) -> str:
    """``≤ 3 s: met`` / ``≤ 3 s: **not met**``."""
    return f"≤ {target:g} {unit}: {'met' if value <= target else '**not met**'}"


def _further_fonts(d: dict) -> str:
    """One sentence: each further font's own time (its phases' medians) and glyph count."""
    many = d["identify"].get("many")
    counts = (many or {}).get("font_glyphs")
    if not many or not counts or not many.get("extra_font_phases"):
        return ""
    names = d["fonts"][1:]
    parts = []
    for name, phases in zip(names, many["extra_font_phases"], strict=False):
        secs = sum(phases.values())
        n = counts.get(name)
        glyphs = f"{_n(n)} glyphs, " if n else ""
        per = f", {1000 * secs / n:.2f} ms per glyph" if n else ""
        parts.append(f"{name} ({glyphs}{secs:.2f} s{per})")
    return (
        "Each further font on its own (the sum of its `--timings` phases, medians): "
        + "; ".join(parts)
        + f". The {d['targets']['extra_s']:g} s target is a matter of glyph count: "
        "the time grows with the glyphs a font holds."
    )
