"""Benchmark ``raster.ingest`` on the bundled fonts plus the Debian corpus; prints Markdown.

Run ``bash scripts/install_corpus_fonts.sh`` first for the corpus (missing packages are
reported and skipped). ``--json-out`` writes the figures ``bench.run_all`` renders into
``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont

from bench.common import write_json
from raster.cli import HelpFormatter, add_workers_arg, setup_logging
from raster.data import ingest
from raster.data.bundled import bundled_font_paths
from raster.data.fonts import FONT_SUFFIXES
from raster.data.stats import summarize

log = logging.getLogger(__name__)

# Debian packages of the corpus (see scripts/install_corpus_fonts.sh).
CORPUS_PACKAGES = (
    "fonts-noto-core",
    "fonts-hosny-amiri",
    "fonts-sil-scheherazade",
    "fonts-sil-lateef",
    "fonts-sil-harmattan",
    "fonts-sil-alkalami",
    "fonts-dejavu-core",
    "fonts-freefont-ttf",
    "fonts-paktype",
)
# fonts-noto-core has ~270 fonts for every script; only its Arabic-capable ones are used.
NOTO_ARABIC_NAME = re.compile(r"Arabic|Naskh|Kufi|Nastaliq|Urdu")


def package_fonts(package: str) -> list[Path]:
    """Font files a Debian package installed (``dpkg -L``); empty when it is not installed."""
    if shutil.which("dpkg") is None:
        return []
    proc = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return []
    return sorted(
        Path(line)
        for line in proc.stdout.splitlines()
        if Path(line).suffix.lower() in FONT_SUFFIXES and Path(line).is_file()
    )


def covers_beh(path: Path) -> bool:
    """True when any face of ``path`` maps U+0628 ARABIC LETTER BEH in its cmap."""
    try:
        if path.suffix.lower() in (".ttc", ".otc"):
            fonts = TTCollection(str(path), lazy=True).fonts
        else:
            fonts = [TTFont(str(path), lazy=True)]
        return any(0x0628 in (f.getBestCmap() or {}) for f in fonts)
    except Exception:  # unreadable: leave it to the ingest to report
        return True


def corpus_paths() -> tuple[list[Path], dict[str, int]]:
    """Debian corpus files (Arabic-capable Noto only) and the file count per package."""
    paths: list[Path] = []
    counts: dict[str, int] = {}
    seen: set[Path] = set()
    for pkg in CORPUS_PACKAGES:
        files = []
        for p in package_fonts(pkg):  # packages list compatibility symlinks too: keep one
            if p.resolve() not in seen:
                seen.add(p.resolve())
                files.append(p)
        if pkg == "fonts-noto-core":
            files = [p for p in files if NOTO_ARABIC_NAME.search(p.name) or covers_beh(p)]
        counts[pkg] = len(files)
        paths.extend(files)
    return paths, counts


def run_case(name: str, paths: list[Path], db: Path, instances: str, workers: int) -> dict:
    """Ingest ``paths`` into a fresh ``db``; returns timings and the DB's statistics."""
    if db.exists():
        db.unlink()
    t0 = time.perf_counter()
    stats = ingest.ingest(db, paths, instances=instances, workers=workers, progress=False)
    seconds = time.perf_counter() - t0
    summary = summarize(db)
    return {
        "name": name,
        "files": len(paths),
        "stats": stats,
        "seconds": seconds,
        "db_bytes": db.stat().st_size,
        "summary": summary,
    }


def result_json(
    results: list[dict], corpus_counts: dict[str, int], workers: int, instances: str
) -> dict:
    """The figures of :func:`markdown` as a JSON-serializable dict (what ``--json-out`` writes)."""
    cases = []
    for r in results:
        st, s = r["stats"], r["summary"]
        cases.append(
            {
                "name": r["name"],
                "files": r["files"],
                "fonts_added": st.added,
                "no_glyphs": st.empty,
                "failed": st.failed,
                "failures": [list(f) for f in st.failures],
                "glyphs": st.glyphs,
                "seconds": round(r["seconds"], 3),
                "db_bytes": r["db_bytes"],
                "summary": {
                    "fonts": s["fonts"],
                    "glyphs": s["glyphs"],
                    "labels": s["labels"],
                    "per_form": s["per_form"],
                    "per_shaping": s["per_shaping"],
                    "joining_groups": len(s["per_joining_group"]),
                    "single_glyph_labels": len(s["single_glyph_labels"]),
                },
            }
        )
    return {
        "workers": workers,
        "instances": instances,
        "corpus_counts": corpus_counts,
        "cases": cases,
        "cpu_count": os.cpu_count(),
    }


def markdown(
    results: list[dict], corpus_counts: dict[str, int], workers: int, instances: str
) -> str:
    """The Markdown block for docs/benchmarks.md."""
    lines = [
        f"### Ingest (`python -m bench.bench_ingest`, {time.strftime('%Y-%m-%d')})",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"`--workers {workers}`, `--instances {instances}`, default repertoire.",
        "",
        "| set | files | fonts added | no glyphs | failed | glyphs | s | fonts/s | glyphs/s | DB MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        st = r["stats"]
        lines.append(
            f"| {r['name']} | {r['files']} | {st.added} | {st.empty} | {st.failed} | {st.glyphs} | {r['seconds']:.1f} | "
            f"{st.added / r['seconds']:.2f} | {st.glyphs / r['seconds']:.0f} | {r['db_bytes'] / 2**20:.1f} |"
        )
    lines += [
        "",
        "Corpus files per Debian package: "
        + ", ".join(f"{k} {v}" for k, v in corpus_counts.items()),
        "",
    ]
    for r in results:
        s = r["summary"]
        forms = ", ".join(
            f"{f} {v['glyphs']} glyphs / {v['labels']} labels" for f, v in s["per_form"].items()
        )
        classes = ", ".join(f"{k} {v}" for k, v in s["per_char_class"].items())
        lines += [
            f"**{r['name']}**: {s['fonts']} fonts, {s['glyphs']} glyphs, {s['labels']} distinct labels, "
            f"{len(s['per_joining_group'])} joining groups, {len(s['single_glyph_labels'])} labels with a single glyph.",
            f"- per form: {forms}",
            "- shaping: "
            + ", ".join(f"{k} {v}" for k, v in s["per_shaping"].items())
            + f"; same_as_isol {s['same_as_isol']}",
            f"- char classes: {classes}",
        ]
        for label, reason in r["stats"].failures:
            lines.append(f"- failed: `{label}`: {reason}")
        lines.append("")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=HelpFormatter
    )
    run = parser.add_argument_group("run")
    add_workers_arg(run, default=2, help="parsing processes")
    run.add_argument(
        "--instances", choices=("default", "named"), default="named", help="variable-font instances"
    )
    run.add_argument("--no-corpus", action="store_true", help="bundled fonts only")
    run.add_argument(
        "--max-files", type=int, default=0, help="first N bundled files only (0 = all; smoke runs)"
    )
    run.add_argument("--keep-db", type=Path, default=None, help="copy the combined DB here")
    run.add_argument("--json-out", type=Path, default=None, help="also write the figures as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(logging.WARNING)
    bundled = bundled_font_paths()
    if args.max_files > 0:
        bundled = bundled[: args.max_files]
    corpus, counts = ([], {}) if args.no_corpus else corpus_paths()
    if not args.no_corpus and not corpus:
        print(
            "no Debian corpus found; run `bash scripts/install_corpus_fonts.sh` (continuing with bundled fonts)",
            file=sys.stderr,
        )
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(
            run_case("bundled", bundled, Path(tmp) / "bundled.db", args.instances, args.workers)
        )
        if corpus:
            results.append(
                run_case(
                    "Debian corpus", corpus, Path(tmp) / "corpus.db", args.instances, args.workers
                )
            )
            results.append(
                run_case(
                    "bundled + corpus",
                    bundled + corpus,
                    Path(tmp) / "all.db",
                    args.instances,
                    args.workers,
                )
            )
        if args.keep_db:
            shutil.copy(Path(tmp) / ("all.db" if corpus else "bundled.db"), args.keep_db)
    print(markdown(results, counts, args.workers, args.instances))
    if args.json_out:
        res = result_json(results, counts, args.workers, args.instances)
        res["max_files"] = args.max_files
        write_json(args.json_out, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
