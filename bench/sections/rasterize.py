"""Section ``rasterize`` of docs/benchmarks.md, owned by ``bench/bench_rasterize.py``: its jobs
(:func:`plan`) and the Markdown of their JSON (:func:`markdown`)."""

from __future__ import annotations

from pathlib import Path

from bench.sections import DB, Plan, _code, _n, one_job

HEADING = "Rasterizer"
# Targets the figures are read against (from the issues), not measurements.
RASTER_FLOOR, RASTER_AMBITION = 5_000, 15_000


def plan(quick: bool, root: Path, scratch: Path | None = None) -> Plan:
    """Rasterize DB glyphs serially and with two workers."""
    name = "rasterize"
    sizes = ["--n", "300", "--repeats", "1"] if quick else ["--n", "20000", "--repeats", "3"]
    return one_job(name, "bench.bench_rasterize", ["--db", DB, *sizes, "--workers", "2"])


def markdown(res: dict) -> list[str]:
    d = res["data"]["rasterize"]
    g = d["glyphs"]
    build0 = d.get("cache_build_s_workers_0")
    w = d.get("workers", 0)
    build_w = d.get(f"cache_build_s_workers_{w}") if w else None
    source = d["rows_from"]
    source = source if source.startswith(("a ", "synthetic")) else _code(source)
    rate = d["glyphs_per_s_one_core_json_included"]
    rate_bin = d.get("glyphs_per_s_one_core_binary")
    size = d["img_size"]
    lines = [
        f"({_n(g)} rows of {source}, {d['mean_points_per_glyph']:.1f} points per glyph on "
        f"average, {size} px, `{d['normalization']}`; per-glyph figures are CPU time of one "
        "process, best of the passes"
        + (
            f"; load average {d['load_avg_1m_at_end']:.1f} on the machine"
            if "load_avg_1m_at_end" in d
            else ""
        )
        + ")",
        "",
        "| what | value |",
        "|---|---:|",
    ]
    if rate_bin is not None:
        lines.append(
            f"| glyphs/s on one core from the binary `outline` column, {size} px | **{_n(rate_bin)}** |"
        )
    lines += [
        f"| glyphs/s on one core, JSON parsing included, {size} px | **{_n(rate)}** |",
        f"| parse (JSON → validated outline), µs/glyph | {d['parse_us_per_glyph']:.1f} |",
    ]
    if "parse_binary_us_per_glyph" in d:
        lines.append(
            f"| parse (binary → validated outline), µs/glyph | {d['parse_binary_us_per_glyph']:.1f} |"
        )
    lines.append(
        f"| render {size} px (skia path, AA fill, read-back), µs/glyph | {d['render_us_per_glyph']:.1f} |"
    )
    if "render_calls_us_per_glyph" in d:
        lines.append(
            f"| the same, path built with one skia call per verb (before), µs/glyph | "
            f"{d['render_calls_us_per_glyph']:.1f} |"
        )
    if "render_64_us_per_glyph" in d:
        lines += [
            f"| render 64 px, µs/glyph (one call per verb: {d['render_64_calls_us_per_glyph']:.1f}) "
            f"| {d['render_64_us_per_glyph']:.1f} |",
            f"| glyphs/s on one core from the binary column, 64 px | {_n(d['glyphs_per_s_one_core_binary_64'])} |",
            f"| bytes per glyph, JSON / binary | {_n(d['json_bytes_per_glyph'])} / "
            f"{_n(d['binary_bytes_per_glyph'])} |",
        ]
    if build0 is not None:
        lines.append(f"| pre-raster cache build, {_n(g)} glyphs, in-process | {build0:.2f} s |")
    if build_w is not None:
        note = " (slower than in-process at this size)" if build0 and build_w > build0 else ""
        lines.append(f"| the same with `--pre-raster-workers {w}` | {build_w:.2f} s{note} |")

    def verdict(r: float) -> str:
        floor = "meets the floor" if r >= RASTER_FLOOR else "is below the floor"
        amb = "reaches the target" if r >= RASTER_AMBITION else "falls short of the target"
        return f"{floor} and {amb}"

    said = f"from JSON {verdict(rate)}"
    if rate_bin is not None:
        said = f"from the binary column {verdict(rate_bin)}; " + said
    lines += [
        "",
        f"The floor is {_n(RASTER_FLOOR)} glyphs/s per core and the target (issue 18) "
        f"{_n(RASTER_AMBITION)}: in this run the rasterizer {said}.",
        "",
    ]
    if "renders_identical_to_calls" in d:
        lines += [
            f"The bench checks that the serialized paths draw the first "
            f"{_n(d['renders_identical_to_calls'])} glyphs pixel for pixel as the call-by-call "
            "paths do (it stops otherwise). Databases made before the `outline` column get it "
            "with `python -m raster.ingest --db DB --add-outlines`.",
            "",
        ]
    return lines
