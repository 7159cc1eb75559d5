"""Section ``ingest`` of docs/benchmarks.md, owned by ``bench/bench_ingest.py``: its jobs
(:func:`plan`) and the Markdown of their JSON (:func:`markdown`)."""

from __future__ import annotations

from pathlib import Path

from bench.sections import Plan, _code, _n, _plural, one_job

HEADING = "Ingest: fonts → glyph database"
SHAPING_WORDS = {"single": "single-glyph", "composed": "composed"}


def plan(quick: bool, root: Path, scratch: Path | None = None) -> Plan:
    """Ingest the bundled fonts (quick: two files, one worker)."""
    name = "ingest"
    args = ["--no-corpus", "--max-files", "2", "--num-workers", "1"] if quick else []
    return one_job(name, "bench.bench_ingest", args)


def markdown(res: dict) -> list[str]:
    d = res["data"]["ingest"]
    counts = d["corpus_counts"]
    if not counts:
        corpus = "bundled fonts only, `--no-corpus`"
    elif sum(counts.values()) == 0:
        corpus = "no Debian corpus on this machine (`make fonts` installs it)"
    else:
        corpus = (
            f"the Debian corpus is what `scripts/install_corpus_fonts.sh` installs, "
            f"Arabic-capable Noto files only: {_n(sum(counts.values()))} files"
        )
    first = "all bundled fonts"
    if d.get("max_files"):
        first = f"the first {_plural(d['max_files'], 'bundled file')}"
    lines = [
        f"(`--num-workers {d['workers']} --instances {d['instances']}`, default repertoire, "
        f"{first}; {corpus})",
        "",
        "| set | files | fonts added | glyphs | s | fonts/s | glyphs/s | DB MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in d["cases"]:
        s = c["seconds"]
        lines.append(
            f"| {c['name']} | {_n(c['files'])} | {_n(c['fonts_added'])} | {_n(c['glyphs'])} | "
            f"{s:.1f} | {c['fonts_added'] / s:.2f} | {_n(c['glyphs'] / s)} | "
            f"{c['db_bytes'] / 2**20:.1f} |"
        )
    lines.append("")
    for c in d["cases"]:
        if c["failed"] or c["no_glyphs"]:
            lines.append(
                f"{c['name']}: {c['failed']} files failed, {c['no_glyphs']} had no glyphs"
                + "".join(f"; {_code(f'{a}: {b}')}" for a, b in c["failures"])
                + "."
            )
            lines.append("")
    parts = []
    for c in d["cases"]:
        s = c["summary"]
        forms = ", ".join(f"{f} {_n(v['labels'])}" for f, v in s["per_form"].items())
        single = s["single_glyph_labels"]
        single_txt = (
            "no label with a single glyph"
            if single == 0
            else f"{_n(single)} label{'s' if single != 1 else ''} with a single glyph"
        )
        shaping = " and ".join(
            f"{_n(v)} {SHAPING_WORDS.get(k, k)}" for k, v in s["per_shaping"].items()
        )
        parts.append(
            f"{c['name']} {_n(s['labels'])} distinct ({forms}), {s['joining_groups']} joining "
            f"groups, {single_txt}" + (f", {shaping} rows" if shaping else "")
        )
    lines += ["Labels: " + "; ".join(parts) + ".", ""]
    return lines
