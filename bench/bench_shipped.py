"""Loading the model shipped in the package: file sizes, and seconds from a fresh interpreter to
a ready predictor (``raster.load_model()``), stage by stage.

Each repeat is its own process, so imports and file reads are cold for Python (the OS page
cache stays warm after the first). Stages: ``import raster`` (the light package), ``import
onnxruntime, faiss`` (what the shipped model needs on the CPU), sha256 of the listed files, the
model (the ONNX export in an onnxruntime session), the index (int8 -> fp32, re-normalized), the
API's whole path once more; then, in the same process, ``import torch`` (what a
``--checkpoint`` run or ``--device cuda`` adds, and what the shipped path no longer pays). The
target is < 3 s for the shipped files (sha256 + model + index) on the 2-core VM.

    python -m bench.bench_shipped [--repeats 3] [--json-out out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from bench.common import write_json

TARGET_S = 3.0

_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import raster
t1 = time.perf_counter()
import faiss, onnxruntime  # noqa: F401
t2 = time.perf_counter()
from raster.inference.shipped import (has_onnx, load_inference_model, load_shipped_index,
                                      read_sidecar, shipped_files, verify_file)
files = shipped_files()
info = read_sidecar(files)
for path in [files.model, files.index] + ([files.onnx] if has_onnx(info, files) else []):
    verify_file(path, info)
t3 = time.perf_counter()
model = load_inference_model("cpu", files)
t4 = time.perf_counter()
index = load_shipped_index(files)
t5 = time.perf_counter()
m = raster.load_model()  # the API's whole path (checks and loads again)
t6 = time.perf_counter()
ru = resource.getrusage(resource.RUSAGE_SELF)
rss = ru.ru_maxrss / 1024
torch_before = "torch" in sys.modules
import torch  # noqa: F401
t7 = time.perf_counter()
print(json.dumps({"import_raster": t1 - t0, "import_runtime": t2 - t1, "sha256": t3 - t2,
                  "model": t4 - t3, "index": t5 - t4, "api_load_model": t6 - t5,
                  "files": t5 - t2, "import_torch": t7 - t6, "rows": len(index),
                  "labels": len(m.labels), "classifier_labels": len(model.index_to_label),
                  "runtime": type(model).__name__,
                  "torch_imported": torch_before,
                  "cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mb": rss}))
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.bench_shipped", description=__doc__)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json-out", type=Path, default=None)
    args = p.parse_args(argv)
    from raster.inference.shipped import read_sidecar, shipped_files

    files = shipped_files()
    info = read_sidecar(files)
    runs = []
    for _ in range(args.repeats):
        t = subprocess.run(
            [sys.executable, "-c", _CHILD], capture_output=True, text=True, check=True
        )
        runs.append(json.loads(t.stdout.strip().splitlines()[-1]))
    keys = [
        k
        for k in runs[0]
        if k not in ("rows", "labels", "classifier_labels", "runtime", "torch_imported")
    ]
    med = {k: statistics.median(r[k] for r in runs) for k in keys}
    out = {
        "release": info["release"],
        "files_mb": {name: f["bytes"] / 2**20 for name, f in info["files"].items()},
        "total_mb": sum(f["bytes"] for f in info["files"].values()) / 2**20,
        "rows": runs[0]["rows"],
        "labels": runs[0]["labels"],
        "classifier_labels": runs[0].get("classifier_labels"),
        "runtime": runs[0]["runtime"],
        "torch_imported": any(r["torch_imported"] for r in runs),
        "repeats": args.repeats,
        "median": med,
        "min": {k: min(r[k] for r in runs) for k in keys},
        "target_s": TARGET_S,
        "runs": runs,
    }
    for k in keys:
        print(f"{k:>18}: median {med[k]:.3f} (min {out['min'][k]:.3f})")
    print(
        f"shipped files {out['total_mb']:.1f} MB; loading them (sha256 + model + index) "
        f"median {med['files']:.2f} s against the {TARGET_S:.0f} s target"
    )
    write_json(args.json_out, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
