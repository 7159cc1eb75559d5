"""Section ``shipped`` of docs/benchmarks.md, owned by ``bench/bench_shipped.py``: its jobs
(:func:`plan`) and the Markdown of their JSON (:func:`markdown`)."""

from __future__ import annotations

from pathlib import Path

from bench.sections import Plan, _n, _plural, one_job, shipped_model_missing

HEADING = "Loading the shipped model"


def plan(quick: bool, root: Path, scratch: Path | None = None) -> Plan:
    """Load the shipped model and its index."""
    name = "shipped"
    repeats = ["--repeats", "1" if quick else "3"]
    return one_job(name, "bench.bench_shipped", repeats, shipped_model_missing(root))


def _label_count(d: dict) -> str:
    """The shipped model's labels as the model card counts them: the classifier's, and the
    ligature labels only its index holds."""
    cls = d.get("classifier_labels")
    if not cls or cls == d["labels"]:
        return f"{_n(d['labels'])} labels"
    return f"{_n(cls)} labels (and {d['labels'] - cls} ligature labels that only its index holds)"


def markdown(res: dict) -> list[str]:
    d = res["data"]["shipped"]
    med, low = d["median"], d["min"]
    files = ", ".join(f"`{n}` {mb:.1f} MB" for n, mb in d["files_mb"].items())
    lines = [
        f"(the release `{d['release']}`: {files}, {d['total_mb']:.1f} MB in all; "
        f"{_label_count(d)}, an index of {_n(d['rows'])} glyphs; each of "
        f"{_plural(d['repeats'], 'repeat')} a fresh interpreter, median (min))",
        "",
        "| stage | seconds |",
        "|---|---:|",
    ]
    onnx = d.get("runtime") == "OnnxModel"
    stages = (
        ("import_raster", "`import raster`"),
        ("import_runtime", "`import onnxruntime, faiss`"),
        ("sha256", "sha256 of the files"),
        ("model", "model: the ONNX export in an onnxruntime session"),
        ("index", "index: int8 → fp32, re-normalized, with its inverted lists"),
        ("files", "**the shipped files (sha256 + model + index)**"),
        ("api_load_model", "`raster.load_model()` once more, all of it"),
        ("import_torch", "(not needed) `import torch` after all of it"),
    )
    if not onnx:  # a run before the ONNX path, or without onnxruntime
        stages = tuple(
            (k, lab.replace("the ONNX export in an onnxruntime session", "fp16 checkpoint → fp32"))
            for k, lab in stages
        )
    for key, label in stages:
        if key in med:
            lines.append(f"| {label} | {med[key]:.2f} ({low[key]:.2f}) |")
    met = "met" if med["files"] < d["target_s"] else "not met"
    torch_note = (
        "torch was not imported before the last row"
        if not d.get("torch_imported", True)
        else "torch was imported on the way"
    )
    lines += [
        "",
        f"Target: the shipped files load in under {d['target_s']:.0f} s: {met} in this run "
        f"(process CPU time {med['cpu_s']:.1f} s, peak RSS {_n(med['peak_rss_mb'])} MB before "
        f"`import torch`; {torch_note}).",
        "",
    ]
    return lines
