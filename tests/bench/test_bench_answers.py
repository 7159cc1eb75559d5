"""bench.bench_answers without running the commands: timings parsed from the real
``identify --timings`` line, medians and per-extra-file figures, and its run_all section."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # bench/ is not an installed package

from bench import bench_answers, run_all  # noqa: E402
from raster.inference.timing import Phases  # noqa: E402


def timings_line(label: str, seconds: dict[str, float]) -> str:
    phases = Phases()
    phases.add(seconds, {k: v / 2 for k, v in seconds.items()})
    return phases.line(label)


def test_parse_timings_reads_identify_lines():
    first = {"start-up": 1.5, "model load": 0.25, "index load": 0.5, "knn+calibration": 0.75}
    stderr = "\n".join(
        [
            "raster.identify: 436 glyphs identified with both",
            timings_line("/fonts/A: b.ttf", first),
            timings_line("/fonts/B.ttf", {"read": 0.12, "forward": 0.5}),
        ]
    )
    assert bench_answers.parse_timings(stderr) == [first, {"read": 0.12, "forward": 0.5}]


def fake_run(cmd: list[str], env: dict) -> dict:
    """identify: 4 s + 1 s per further font; repair: 6 s + 2 s per further PDF."""
    if "raster.identify" in cmd:
        fonts = [c for c in cmd if c.endswith(".ttf")]
        lines = [timings_line(fonts[0], {"start-up": 2.0, "forward": 1.0, "knn+calibration": 1.0})]
        lines += [timings_line(f, {"forward": 0.5, "knn+calibration": 0.5}) for f in fonts[1:]]
        return {"seconds": 3.0 + len(fonts), "peak_rss_mb": 700.0, "stderr": "\n".join(lines)}
    n = 3 if "--out-dir" in cmd else 1
    return {"seconds": 4.0 + 2 * n, "peak_rss_mb": 900.0, "stderr": ""}


def test_main_reports_medians_and_per_extra_files(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bench_answers, "timed_run", fake_run)
    pdfs = [tmp_path / f"{i}.pdf" for i in range(3)]
    monkeypatch.setattr(bench_answers, "stripped_pdfs", lambda n, folder: pdfs[:n])
    fonts = [str(tmp_path / f"f{i}.ttf") for i in range(3)]
    out = tmp_path / "answers.json"
    argv = ["--font-files", *fonts, "--pdfs", "3", "--repeats", "2", "--work-dir", str(tmp_path)]
    assert bench_answers.main([*argv, "--json-out", str(out)]) == 0
    d = json.loads(out.read_text())
    ident, rep = d["identify"], d["repair"]
    assert ident["one"]["median_s"] == 4.0 and len(ident["one"]["runs"]) == 2
    assert ident["one"]["phases"] == {"start-up": 2.0, "forward": 1.0, "knn+calibration": 1.0}
    assert ident["many"]["files"] == 3 and ident["many"]["per_extra_s"] == 1.0
    assert ident["many"]["extra_font_phases"][1] == {"forward": 0.5, "knn+calibration": 0.5}
    assert rep["one"]["median_s"] == 6.0 and rep["many"]["per_extra_s"] == 2.0
    assert d["verdicts"] == {"first_font": False, "extra_font": True, "peak_memory": True}
    assert "load_avg_1m_at_end" in d["machine"]
    printed = capsys.readouterr().out
    assert printed.startswith("machine: ") and "1.00 s per further font" in printed
    assert "targets: first_font NOT met, extra_font met, peak_memory met" in printed
    # the run_all section renders the same JSON
    res = {"answers": run_all.run_plan(run_all.Plan("answers"), tmp_path, 1.0)}
    res["answers"].update(status="ok", data={"answers": d}, commands=["python -m x"])
    md = run_all.render(res, {**MACHINE}).splitlines()
    assert "| `identify`, first font | 4.00 s | 700 MB | ≤ 3 s: **not met** |" in md
    assert (
        "| `identify`, each further font (3 in one process) | 1.00 s | 700 MB | ≤ 1 s: met |" in md
    )
    assert "| `pdf repair`, each further PDF (a folder of 3) | 2.00 s | 900 MB | |" in md


def test_run_all_plans_the_answers_bench(tmp_path):
    assert run_all.plan("answers", quick=True, root=tmp_path).skip.startswith("no shipped model")
    job = run_all.plan("answers", quick=True).jobs[0]
    assert job.command() == "python -m bench.bench_answers --repeats 1 --fonts 2 --pdfs 2"


MACHINE = {
    "cpu": "AMD EPYC", "arch": "x86_64", "cores": 2, "usable_cores": 2, "memory_gib": 23.5,
    "gpu": "none", "os": "Linux", "python": "3.11.7", "torch": "2.14.1", "skia": "144.1",
    "numpy": "2.4.6", "omp_num_threads": None, "date": "2026-12-02 10:00 UTC", "commit": "abc",
}  # fmt: skip
