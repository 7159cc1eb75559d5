"""Answers in seconds: ``raster.identify`` and ``raster.pdf repair`` from a fresh interpreter, on
one file and on several in one process, with the shipped model (or ``--checkpoint``).

Every run is its own process, timed from the parent, so interpreter start, imports and model +
index load are included; its peak RSS is the child's own (``os.wait4``). ``identify --timings``
says where each run's time went (start-up, model load, index load, then per font read, render,
forward, kNN + calibration, evidence, write). Each further file costs (median wall of one
process with N files - median wall with one file) / (N - 1). Issue 18's targets on the 2-core
VM: first font <= 3 s, each further font <= 1 s, peak memory <= 800 MB. PDFs are the
``tests/pdf/fixtures`` files with their ToUnicode maps stripped, so repair has work to do.

    python -m bench.bench_answers [--fonts 4] [--pdfs 3] [--repeats 3] [--json-out out.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import statistics
import sys
from importlib import metadata
from pathlib import Path

from bench.common import timed_run, write_json

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "pdf" / "fixtures"
TARGETS = {"first_s": 3.0, "extra_s": 1.0, "peak_rss_mb": 800.0}
#: bundled fonts in the order the bench takes them (the first is bench_identify's latency font)
FONT_ORDER = (
    "IBMPlexSansArabic-Regular.ttf",
    "Tajawal-Regular.ttf",
    "Almarai-Regular.ttf",
    "Amiri-Regular.ttf",
    "NotoKufiArabic[wght].ttf",
    "Cairo[slnt,wght].ttf",
)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.bench_answers",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--fonts", type=int, default=4, help="fonts in the several-font process")
    p.add_argument("--font-files", type=Path, nargs="+", default=None, help="instead of bundled")
    p.add_argument("--pdfs", type=int, default=3, help="PDFs in the folder (0: no repair runs)")
    p.add_argument("--repeats", type=int, default=3, help="processes per measurement")
    p.add_argument("--threads", type=int, default=0, help="OMP_NUM_THREADS (0: commands' own)")
    p.add_argument("--checkpoint", type=Path, default=None, help="default: the shipped model")
    p.add_argument("--index", type=Path, default=None, help="its reference index directory")
    p.add_argument("--work-dir", type=Path, default=ROOT / "artifacts" / "bench_answers")
    p.add_argument("--json-out", type=Path, default=None)
    return p


def machine() -> dict:
    """The machine line: CPU, cores (usable), load average, memory-free software versions."""
    cpu = platform.processor() or platform.machine()
    try:
        names = [ln for ln in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in ln]
        cpu = names[0].split(":", 1)[1].strip() if names else cpu
    except OSError:
        pass
    versions = {}
    for dist in ("torch", "timm", "numpy"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "load_avg_1m_at_start": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        **versions,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


#: the last ``phase 1.23 s (cpu 0.45)`` of a ``Phases.line`` (after the label's ": " or a ", ")
_LAST_PHASE = re.compile(r"(?:, |: )([a-z][a-z +\-]*) ([0-9.]+) s(?: \(cpu [0-9.]+\))?$")


def parse_timings(stderr: str) -> list[dict[str, float]]:
    """``{phase: seconds}`` per ``identify --timings`` line (one per font) in ``stderr``."""
    out = []
    for line in stderr.splitlines():
        if " | total " not in line or " | peak RSS " not in line:
            continue
        head, found = line.rsplit(" | total ", 1)[0], []
        while m := _LAST_PHASE.search(head):  # from the right: the label may hold anything
            found.append((m.group(1), float(m.group(2))))
            head = head[: m.start()]
        out.append(dict(reversed(found)))
    return out


def measure(cmd: list[str], env: dict, repeats: int, timings: bool = False) -> dict:
    """``repeats`` cold processes of ``cmd``: their runs, median and min wall, peak RSS."""
    runs = []
    for _ in range(repeats):
        r = timed_run(cmd, env)
        stderr = r.pop("stderr")
        if timings:
            r["phases"] = parse_timings(stderr)
        runs.append(r)
    secs = [r["seconds"] for r in runs]
    return {
        "runs": runs,
        "median_s": round(statistics.median(secs), 3),
        "min_s": min(secs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
    }


def per_extra(one: dict, many: dict, files: int) -> float | None:
    """Seconds each file after the first adds (medians), or None with a single file."""
    if files < 2:
        return None
    return round((many["median_s"] - one["median_s"]) / (files - 1), 3)


def median_phases(runs: list[dict], font: int = 0) -> dict[str, float]:
    """Median seconds per phase of font ``font`` over the runs that timed it."""
    rows = [r["phases"][font] for r in runs if len(r.get("phases", [])) > font]
    keys = list(rows[0]) if rows else []
    return {k: round(statistics.median(row.get(k, 0.0) for row in rows), 3) for k in keys}


def pick_fonts(args) -> list[Path]:
    if args.font_files:
        return list(args.font_files)
    from raster.data.bundled import bundled_font_paths

    by_name = {p.name: p for p in bundled_font_paths()}
    chosen = [by_name[n] for n in FONT_ORDER if n in by_name]
    chosen += [p for p in by_name.values() if p not in chosen]
    return chosen[: max(1, args.fonts)]


def stripped_pdfs(n: int, folder: Path) -> list[Path]:
    """``n`` fixture PDFs with their ToUnicode maps removed, in ``folder``."""
    from raster.pdf.samples import strip_tounicode

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    sources = sorted(FIXTURES.glob("*-Amiri-Regular.pdf")) + sorted(FIXTURES.glob("*.pdf"))
    unique = list(dict.fromkeys(sources))[:n]
    return [strip_tounicode(src, folder / src.name) for src in unique]


def model_flags(args) -> list[str]:
    flags = ["--checkpoint", str(args.checkpoint)] if args.checkpoint else []
    return flags + (["--index", str(args.index)] if args.index else [])


def bench_identify(args, env: dict, fonts: list[Path]) -> dict:
    """One font per process, then all ``fonts`` in one process."""
    base = [sys.executable, "-m", "raster.identify", "--quiet", "--timings", *model_flags(args)]
    one = measure([*base, str(fonts[0])], env, args.repeats, timings=True)
    res = {"one": {**one, "phases": median_phases(one["runs"])}}
    if len(fonts) > 1:
        many = measure([*base, *map(str, fonts)], env, args.repeats, timings=True)
        extra = [median_phases(many["runs"], i) for i in range(1, len(fonts))]
        res["many"] = {
            **many,
            "files": len(fonts),
            "per_extra_s": per_extra(one, many, len(fonts)),
            "extra_font_phases": extra,
            "font_glyphs": {f.name: glyph_count(f) for f in fonts},
        }
    return res


def glyph_count(font: Path) -> int | None:
    """Outlined glyphs ``identify`` reads from ``font`` (None when it cannot read it)."""
    from raster.errors import FontLoadError
    from raster.inference.font_glyphs import read_font_glyphs

    try:
        return len(read_font_glyphs(font))
    except FontLoadError:
        return None


def bench_repair(args, env: dict) -> dict:
    """One stripped PDF (IN OUT), then a folder of ``--pdfs`` of them (``--out-dir``)."""
    pdfs = stripped_pdfs(args.pdfs, args.work_dir / "pdfs")
    base = [sys.executable, "-m", "raster.pdf", "repair", *model_flags(args)]
    out_one = args.work_dir / "repaired_one.pdf"
    one = measure([*base, str(pdfs[0]), str(out_one)], env, args.repeats)
    res = {"pdfs": [p.name for p in pdfs], "one": one}
    if len(pdfs) > 1:
        out_dir = args.work_dir / "repaired"
        many = measure([*base, str(pdfs[0].parent), "--out-dir", str(out_dir)], env, args.repeats)
        res["many"] = {**many, "files": len(pdfs), "per_extra_s": per_extra(one, many, len(pdfs))}
    return res


def verdicts(res: dict) -> dict[str, bool]:
    """Each issue-18 target against this run's medians (first font, further font, memory)."""
    ident = res["identify"]
    out = {"first_font": ident["one"]["median_s"] <= TARGETS["first_s"]}
    if "many" in ident:
        out["extra_font"] = ident["many"]["per_extra_s"] <= TARGETS["extra_s"]
    peak = max(v["peak_rss_mb"] for v in ident.values())
    out["peak_memory"] = peak <= TARGETS["peak_rss_mb"]
    return out


def summary_lines(res: dict) -> list[str]:
    ident, lines = res["identify"], []
    one = ident["one"]
    lines.append(
        f"identify, first font: median {one['median_s']:.2f} s (min {one['min_s']:.2f}), "
        f"peak RSS {one['peak_rss_mb']:.0f} MB"
    )
    lines.append(
        "  where it goes: " + ", ".join(f"{k} {v:.2f} s" for k, v in one["phases"].items())
    )
    if "many" in ident:
        m = ident["many"]
        lines.append(
            f"identify, {m['files']} fonts in one process: median {m['median_s']:.2f} s, "
            f"{m['per_extra_s']:.2f} s per further font"
        )
    rep = res.get("repair")
    if rep:
        lines.append(
            f"pdf repair, one PDF: median {rep['one']['median_s']:.2f} s, "
            f"peak RSS {rep['one']['peak_rss_mb']:.0f} MB"
        )
        if "many" in rep:
            m = rep["many"]
            lines.append(
                f"pdf repair, folder of {m['files']}: median {m['median_s']:.2f} s, "
                f"{m['per_extra_s']:.2f} s per further PDF"
            )
    lines.append(
        "targets: "
        + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in res["verdicts"].items())
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if args.threads > 0:
        env["OMP_NUM_THREADS"] = str(args.threads)
    fonts = pick_fonts(args)
    res: dict = {
        "machine": machine(),
        "repeats": args.repeats,
        "threads": args.threads,
        "model": str(args.checkpoint) if args.checkpoint else "shipped",
        "fonts": [f.name for f in fonts],
        "targets": TARGETS,
    }
    res["identify"] = bench_identify(args, env, fonts)
    if args.pdfs > 0:
        res["repair"] = bench_repair(args, env)
    res["verdicts"] = verdicts(res)
    res["machine"]["load_avg_1m_at_end"] = round(os.getloadavg()[0], 2)
    m = res["machine"]
    print(
        f"machine: {m['cpu']}, {m['usable_cores']}/{m['cores']} cores usable, load average "
        f"{m['load_avg_1m_at_start']} -> {m['load_avg_1m_at_end']}, torch {m['torch']}"
    )
    print("\n".join(summary_lines(res)))
    write_json(args.json_out, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
