"""The wheel carries the shipped model (package data) and nothing of the working tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from raster.inference.shipped import read_sidecar, shipped_files

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_contains_the_shipped_files(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "dataset", "runs", "artifacts", "build", "*.egg-info", "__pycache__",
            ".pytest_cache", ".ruff_cache", "fonts_corpus", "tests", "docs", "bench",
        ),
    )  # fmt: skip
    out = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-q", "-w", str(out), str(src)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    [wheel] = out.glob("glyph_raster-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    files = shipped_files()
    info = read_sidecar(files)
    for path in (files.model, files.index, files.sidecar):
        assert f"raster/weights/{path.name}" in names
    with zipfile.ZipFile(wheel) as z:
        for name, entry in info["files"].items():
            assert z.getinfo(f"raster/weights/{name}").file_size == entry["bytes"]
    assert "raster/api.py" in names and "raster/data/arabic_shaping.json" in names
    assert not any(n.startswith(("tests/", "runs/", "dataset/")) for n in names)


def test_shipped_files_fit_the_budget():
    files = shipped_files()
    info = read_sidecar(files)
    total = sum(p.stat().st_size for p in (files.model, files.index, files.sidecar))
    assert total <= 40 * 2**20
    assert info["weights_dtype"] == "float16"
