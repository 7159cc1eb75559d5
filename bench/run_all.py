"""Run every bench that fits ~20 minutes on 2 cores and rewrite docs/benchmarks.md from them.

Each bench runs as its own process with ``--json-out``; the Markdown is rendered from those
JSON files only, with the machine's description at the top. ``make bench`` runs this module.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from importlib import import_module, metadata
from pathlib import Path

from bench.sections import Job, Plan, _code
from raster.cli import HelpFormatter

ROOT = Path(__file__).resolve().parents[1]
NAMES = (
    "ingest", "rasterize", "cache", "train", "embed", "identify", "review", "shipped", "answers",
    "scale", "batch",
)  # fmt: skip
SECTION_MODULES = {name: import_module(f"bench.sections.{name}") for name in NAMES}


def plan(name: str, quick: bool, root: Path = ROOT, scratch: Path | None = None) -> Plan:
    """The jobs of bench ``name`` (its section module's :func:`plan`): full settings, or tiny
    ones with ``quick``.

    Args:
        name: one of :data:`NAMES`.
        quick: smoke-test sizes (seconds per bench).
        root: the repository (where ``dataset/`` and ``artifacts/`` are looked for).
        scratch: a directory for the quick training run's cache (default: the bench's own).
    """
    if name not in SECTION_MODULES:
        raise ValueError(f"unknown bench {name!r}; choose from {', '.join(NAMES)}")
    return SECTION_MODULES[name].plan(quick, root, scratch)


def last_line(text: str) -> str:
    """The last non-empty line of ``text`` (an exception's message ends a traceback)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def run_job(job: Job, json_dir: Path, timeout: float) -> dict:
    """Run one bench process; ``{"data": ..., "seconds": ...}`` or ``{"error": ..., ...}``."""
    out = json_dir / f"{job.key}.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", job.module, *job.args, "--json-out", str(out)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s", "seconds": time.perf_counter() - t0}
    seconds = time.perf_counter() - t0
    (json_dir / f"{job.key}.log").write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
    if proc.returncode != 0:
        error = last_line(proc.stderr) or last_line(proc.stdout)
        return {"error": error or f"exit code {proc.returncode}", "seconds": seconds}
    if not out.is_file():
        return {"error": f"exit code 0 but no {out.name} written", "seconds": seconds}
    return {"data": json.loads(out.read_text()), "seconds": seconds}


def run_plan(p: Plan, json_dir: Path, timeout: float) -> dict:
    """Run a section's jobs; the section's result as :func:`render` reads it."""
    res: dict = {"commands": [j.command() for j in p.jobs], "data": {}, "errors": {}}
    if p.skip:
        return {**res, "status": "skipped", "reason": p.skip, "seconds": 0.0}
    seconds = 0.0
    for job in p.jobs:
        print(f"[bench] {job.command()}", file=sys.stderr, flush=True)
        r = run_job(job, json_dir, timeout)
        seconds += r["seconds"]
        if "error" in r:
            res["errors"][job.key] = r["error"]
            print(f"[bench]   FAILED after {r['seconds']:.0f} s: {r['error']}", file=sys.stderr)
        else:
            res["data"][job.key] = r["data"]
            print(f"[bench]   ok, {r['seconds']:.1f} s", file=sys.stderr, flush=True)
    return {**res, "status": "failed" if res["errors"] else "ok", "seconds": seconds}


def _cpuinfo_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _mem_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return None


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return (head or "unknown") + (" with uncommitted changes" if dirty else "")


def machine_info() -> dict:
    """CPU, cores, memory, GPU, library versions, date and commit of this run."""
    import torch  # here, not at module import: the tests render without it

    gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    mem = _mem_gib()
    return {
        "cpu": _cpuinfo_model(),
        "arch": platform.machine(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gib": None if mem is None else round(mem, 1),
        "gpu": ", ".join(gpus) if gpus else "none",
        "os": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "skia": _version("skia-python"),
        "numpy": _version("numpy"),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git_commit(),
    }


# ---------------------------------------------------------------- rendering (pure functions)


def _command_lines(res: dict) -> list[str]:
    cmds = res["commands"]
    if len(cmds) == 1:
        return [_code(cmds[0])]
    return ["```bash", *cmds, "```"]


def _status_lines(res: dict) -> list[str]:
    if res["status"] == "skipped":
        return [f"**Skipped**: {res['reason']}.", ""]
    return [f"**Failed** ({key}): {_code(err)}" for key, err in res["errors"].items()] + (
        [""] if res["errors"] else []
    )


SECTIONS = {name: (m.HEADING, m.markdown) for name, m in SECTION_MODULES.items()}


def _machine_lines(m: dict) -> list[str]:
    cores = f"{m['cores']} cores"
    if m.get("usable_cores") and m["usable_cores"] != m["cores"]:
        cores += f" ({m['usable_cores']} usable)"
    mem = "unknown" if m.get("memory_gib") is None else f"{m['memory_gib']:.1f} GiB"
    lines = [
        "| machine | |",
        "|---|---|",
        f"| CPU | {m['cpu']} ({m['arch']}), {cores} |",
        f"| memory | {mem} |",
        f"| GPU | {m['gpu']} |",
        f"| OS | {m['os']} |",
        f"| software | Python {m['python']}, torch {m['torch']}, skia-python {m['skia']}, "
        f"numpy {m['numpy']} |",
    ]
    if m.get("omp_num_threads"):
        lines.append(f"| `OMP_NUM_THREADS` | {m['omp_num_threads']} |")
    lines += [f"| measured | {m['date']}, commit {m['commit']} |", ""]
    return lines


def render(results: dict[str, dict], machine: dict, quick: bool = False) -> str:
    """docs/benchmarks.md from the sections' results (see :func:`run_plan`) and machine info.

    Args:
        results: ``{name: result}`` in :data:`NAMES` order; names left out are not rendered.
        machine: :func:`machine_info`'s dict.
        quick: mark the file as a smoke run whose figures mean nothing.
    """
    lines = ["# Benchmarks (speed and memory)", ""]
    if quick:
        lines += [
            "> **Quick smoke run** (`python -m bench.run_all --quick`): tiny sizes that only check "
            "that every bench runs. These figures are not benchmarks; `make bench` writes the "
            "real ones.",
            "",
        ]
    lines += [
        (
            "Written by `python -m bench.run_all --quick`."
            if quick
            else "Written by `make bench` (`python -m bench.run_all`)."
        )
        + " Each figure comes from the command above its table "
        "(the runner adds `--json-out` to collect it); rerun that command to check one figure, "
        "or `make bench` to refresh the file.",
        "",
        *_machine_lines(machine),
    ]
    ran = [n for n in NAMES if n in results]
    if len(ran) < len(NAMES):
        lines += [f"Only these benches ran (`--only`): {', '.join(ran)}.", ""]
    timing = ", ".join(
        f"{n} {results[n]['seconds']:.0f} s" for n in ran if results[n]["status"] != "skipped"
    )
    total = sum(results[n]["seconds"] for n in ran) / 60
    lines += [f"Run time: {timing}; {total:.1f} min in all.", ""]
    skipped = [n for n in ran if results[n]["status"] == "skipped"]
    lines += [
        f"Not measured this time: {SECTIONS[n][0]} ({results[n]['reason']})." for n in skipped
    ] + ([""] if skipped else [])
    for name in (n for n in ran if n not in skipped):
        heading, body = SECTIONS[name]
        res = results[name]
        lines += [f"## {heading}", ""]
        if res["commands"]:
            lines += _command_lines(res)  # the prose under it continues the same paragraph
        if res["status"] != "ok":
            lines += ([""] if res["commands"] else []) + _status_lines(res)
        if res["data"]:
            lines += body(res)
        if lines[-1] != "":
            lines.append("")
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=HelpFormatter
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="Markdown to write (default: docs/benchmarks.md; with --quick "
        "artifacts/bench_quick.md, so a smoke run never replaces the measured file)",
    )
    parser.add_argument(
        "--only", default=None, help=f"comma-separated benches to run, of: {','.join(NAMES)}"
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes: a smoke test, the file says so"
    )
    parser.add_argument(
        "--json-dir",
        type=Path,
        default=None,
        help="keep each bench's JSON and log here (default: a temporary directory)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds per bench process (default 900, quick 300)",
    )
    return parser


def splice_sections(old: str, new: str, machine: dict) -> str:
    """``old`` (a full benchmarks file) with each ``## `` section of ``new`` (an ``--only``
    run's) put in place of the section of the same heading, or appended; each such section
    says which run measured it, since the machine line at the top is the full run's."""

    def sections(text: str) -> list[str]:
        return re.split(r"(?m)^(?=## )", text)

    parts = sections(old)
    heads = [p.split("\n", 1)[0] for p in parts]
    stamp = (
        f"(Refreshed alone by `python -m bench.run_all --only`, {machine.get('date', '?')}, "
        f"commit {machine.get('commit', '?')}, {machine.get('cpu', '?')}.)"
    )
    for part in sections(new)[1:]:
        head, body = part.split("\n", 1)
        part = f"{head}\n\n{stamp}\n{body}".rstrip("\n") + "\n\n"
        if head in heads:
            parts[heads.index(head)] = part
        else:
            parts.append(part)
            heads.append(head)
    return "".join(parts).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    names = list(NAMES)
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in NAMES]
        if unknown:
            parser.error(f"unknown bench {', '.join(unknown)}; choose from {', '.join(NAMES)}")
        names = [n for n in NAMES if n in wanted]
    timeout = args.timeout or (300.0 if args.quick else 900.0)
    with tempfile.TemporaryDirectory(prefix="bench_run_") as tmp:
        json_dir = args.json_dir or Path(tmp)
        json_dir.mkdir(parents=True, exist_ok=True)
        machine = machine_info()
        results = {}
        for name in names:
            p = plan(name, args.quick, scratch=json_dir)
            if p.skip:
                print(f"[bench] {name}: skipped: {p.skip}", file=sys.stderr)
            results[name] = run_plan(p, json_dir, timeout)
    out = args.out or ROOT / ("artifacts/bench_quick.md" if args.quick else "docs/benchmarks.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    text = render(results, machine, quick=args.quick)
    if args.only and out.exists():  # a partial run refreshes its sections, keeps the rest
        text = splice_sections(out.read_text(encoding="utf-8"), text, machine)
    out.write_text(text)
    failed = [n for n, r in results.items() if r["status"] == "failed"]
    print(f"[bench] wrote {out}" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
