"""bench.bench_scale at tiny sizes: every step runs identify's kNN path and writes its JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # bench/ is not an installed package

from bench import bench_scale  # noqa: E402


def test_growth_is_judged_against_size():
    steps = [{"rows": 10, "c": 1.0}, {"rows": 100, "c": 9.0}, {"rows": 1000, "c": 200.0}]
    got = bench_scale.linear_until(steps, "rows", lambda s: s["c"])
    assert [g["cost_x"] for g in got["growth"]] == [9.0, pytest.approx(22.22)]
    assert got["superlinear_at"] == 1000  # 22x for 10x more rows: > 1.5 x linear


def test_tiny_run_writes_every_figure(tmp_path, capsys):
    out = tmp_path / "scale.json"
    argv = "--rows 300 1200 --fonts 1 2 --font-rows 300 --glyphs-per-font 20 --labels 30"
    argv += f" --hnsw-rows 300 --json-out {out}"
    assert bench_scale.main(argv.split()) == 0
    d = json.loads(out.read_text())
    assert [s["rows"] for s in d["by_rows"]] == [300, 1200]
    assert [(s["fonts"], s["queries"]) for s in d["by_fonts"]] == [(1, 20), (2, 40)]
    assert d["by_fonts"][0]["build"] is None  # the 300-row index of the rows axis is reused
    for s in d["by_rows"] + d["by_fonts"]:
        assert s["search"]["cpu_s"] >= 0 and s["load"]["peak_mb"] >= 0 and s["disk_mb"] > 0
    assert [f["index"] for f in d["faiss"]] == ["IVF-Flat", "HNSW-Flat"]
    assert all(0.0 <= f["recall_at_k"] <= 1.0 for f in d["faiss"])
    assert d["faiss"][1]["rows"] == 300
    assert "| rows | fonts |" in capsys.readouterr().out
