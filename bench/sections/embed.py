"""Section ``embed`` of docs/benchmarks.md, owned by ``bench/bench_embed.py``: its jobs
(:func:`plan`) and the Markdown of their JSON (:func:`markdown`)."""

from __future__ import annotations

from pathlib import Path

from bench.sections import Plan, _n, _plural, one_job

HEADING = "Embedding throughput"


def plan(quick: bool, root: Path, scratch: Path | None = None) -> Plan:
    """Time the embedding forward at each image size."""
    name = "embed"
    sizes = "--img-size 128 64 --batch-size 256 --n 2048 --repeats 3".split()
    if quick:
        sizes = "--img-size 64 --batch-size 32 --n 64 --repeats 1".split()
    return one_job(name, "bench.bench_embed", sizes)


def markdown(res: dict) -> list[str]:
    d = res["data"]["embed"]
    sizes = d["sizes"]
    dim = sizes[0]["embed_dim"] if sizes else "?"
    n = sizes[0]["images"] if sizes else 0
    lines = [
        f"(`{d['backbone']}` with random weights, eval mode, through "
        f"`raster.inference.embedding.forward_images`: uint8 renders in, {_n(d['num_classes'])} "
        f"classifier logits and {dim}-D unit embeddings out; batch {d['batch_size']}, "
        f"{_plural(d['threads'], 'thread')}, best of {_plural(d['repeats'], 'pass')} over "
        f"{_plural(n, 'image')})",
        "",
        "| img px | images/s | ms/image |",
        "|---:|---:|---:|",
    ]
    for r in sizes:
        lines.append(f"| {r['img_size']} | {r['images_per_s']:,.1f} | {r['ms_per_image']:.2f} |")
    lines.append("")
    return lines
