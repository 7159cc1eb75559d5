"""raster.batch on Dask distributed: the same bytes as a serial run on every fixture, reruns do
the work once, a damaged file is one manifest row, a killed worker loses nothing."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import fsspec
import pytest

from raster.batch import main
from raster.jobs import batch
from raster.jobs.batch import JobSpec, model_release, read_manifest, run_batch

distributed = pytest.importorskip("distributed")

FIXTURES = Path(__file__).parent / "pdf" / "fixtures"
PDFS = sorted(FIXTURES.glob("*.pdf"))


@pytest.fixture
def memory_inputs():
    """Every fixture under a fresh ``memory://`` folder, and that folder's URL."""
    fs = fsspec.filesystem("memory")
    root = f"/raster-test-{os.getpid()}-{id(object())}"
    for pdf in PDFS:
        fs.pipe_file(f"{root}/in/{pdf.name}", pdf.read_bytes())
    yield f"memory://{root}"
    fs.rm(root, recursive=True)


def _outputs(url: str) -> dict[str, bytes]:
    fs, path = fsspec.core.url_to_fs(url)
    return {
        p.rsplit("/", 1)[1]: fs.cat_file(p) for p in fs.find(path) if not p.endswith(batch.MANIFEST)
    }


def _spec(kind: str, out: str, **kw) -> JobSpec:
    return JobSpec(kind=kind, out=out, release=model_release(None), **kw)


def test_two_workers_write_the_bytes_of_a_serial_run_and_a_rerun_does_nothing(memory_inputs):
    serial = run_batch([f"{memory_inputs}/in"], _spec("repair", f"{memory_inputs}/serial"))
    assert [r["status"] for r in serial.rows] == ["ok"] * len(PDFS)
    loads = batch.LOADS
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        spec = _spec("repair", f"{memory_inputs}/cluster")
        first = run_batch([f"{memory_inputs}/in"], spec, client)
        again = run_batch([f"{memory_inputs}/in"], spec, client)
    assert batch.LOADS == loads  # the workers share this process: its model, loaded once
    assert _outputs(f"{memory_inputs}/cluster") == _outputs(f"{memory_inputs}/serial")
    assert len(_outputs(f"{memory_inputs}/cluster")) == len(PDFS)
    assert {r["input"] for r in first.rows} == {f"{memory_inputs}/in/{p.name}" for p in PDFS}
    assert again.rows == [] and len(again.skipped) == len(PDFS)  # the work is done once
    assert len(read_manifest(f"{memory_inputs}/cluster/manifest.jsonl")) == len(PDFS)


def test_a_damaged_file_is_one_row_and_reruns_skip_what_is_done(memory_inputs, capsys):
    fs = fsspec.filesystem("memory")
    root = memory_inputs.removeprefix("memory://")
    fs.pipe_file(f"{root}/few/a.pdf", PDFS[0].read_bytes())
    fs.pipe_file(f"{root}/few/damaged.pdf", b"%PDF-1.4\nnot a pdf\n")
    out = f"{memory_inputs}/text"
    argv = ["text", f"{memory_inputs}/few/*.pdf", "--out", out, "--format", "txt"]
    assert main(argv) == 1
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[1]
        == f"{memory_inputs}/few/damaged.pdf: FAILED: damaged or not a PDF ("
        + (lines[1].split("damaged or not a PDF (", 1)[1])
    )
    rows = read_manifest(f"{out}/manifest.jsonl")
    assert [(r["status"], r["input"].rsplit("/", 1)[1]) for r in rows] == [
        ("ok", "a.pdf"),
        ("failed", "damaged.pdf"),
    ]
    assert rows[0]["release"] == model_release(None) and rows[0]["fonts_repaired"]
    assert "\n" not in rows[1]["error"] and rows[1]["output"] is None
    assert fs.cat_file(f"{root}/text/a.txt").decode().strip()
    assert main(argv) == 0  # nothing left to do: the damaged file is done too (same release)
    assert "0 file(s) done, 0 failed, 2 skipped" in capsys.readouterr().out
    assert len(read_manifest(f"{out}/manifest.jsonl")) == 2


def test_a_worker_killed_mid_batch_loses_nothing(tmp_path):
    inputs = [str(p) for p in PDFS if p.stem.endswith("Amiri-Regular")]
    spec = _spec("text", str(tmp_path / "out"))
    killed: list[int] = []
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids = client.run(os.getpid)

        def kill_the_other(row: dict) -> None:
            if not killed:  # the worker that did not finish first is busy with a file
                victim = next(p for p in pids.values() if p != row["pid"])
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        result = run_batch(inputs, spec, client, on_row=kill_the_other)
    assert killed
    assert sorted(r["input"] for r in result.rows) == sorted(inputs)
    assert all(r["status"] == "ok" for r in result.rows)
    rows = read_manifest(str(tmp_path / "out" / batch.MANIFEST))
    assert sorted(r["input"] for r in rows) == sorted(inputs)  # once each
    for src in inputs:
        text = (tmp_path / "out" / f"{Path(src).stem}.jsonl").read_text(encoding="utf-8")
        assert json.loads(text)["file"] == src
    assert not list((tmp_path / "out").glob("*.part"))


def test_identify_writes_each_fonts_labels(tiny_fonts, memory_inputs):
    fs = fsspec.filesystem("memory")
    root = memory_inputs.removeprefix("memory://")
    fs.pipe_file(f"{root}/fonts/tiny.ttf", tiny_fonts["arabic"].read_bytes())
    result = run_batch([f"{memory_inputs}/fonts"], _spec("identify", f"{memory_inputs}/labels"))
    (row,) = result.rows
    assert row["status"] == "ok" and row["glyphs"] > 0
    data = json.loads(fs.cat_file(f"{root}/labels/tiny.json"))
    assert data["file"] == f"{memory_inputs}/fonts/tiny.ttf"
    assert len(data["glyphs"]) == row["glyphs"] and {"gid", "label"} <= set(data["glyphs"][0])


def test_a_file_that_breaks_the_code_or_its_workers_is_one_failed_row(memory_inputs, monkeypatch):
    real_run = batch.run_file

    def work(local, workdir, src, spec, row):
        if "chromium" in src:
            raise RuntimeError("a bug")
        return b"out"

    def run(src, dst, spec):
        if "libreoffice" in src:
            raise OSError("the worker died on it")  # as the scheduler's KilledWorker reaches us
        return real_run(src, dst, spec)

    monkeypatch.setattr(batch, "_work", work)
    monkeypatch.setattr(batch, "run_file", run)
    inputs = [f"{memory_inputs}/in/{p.name}" for p in PDFS if p.stem.endswith("Amiri-Regular")]
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        result = run_batch(inputs, _spec("text", f"{memory_inputs}/out"), client)
    errors = {r["input"].rsplit("/", 1)[1]: r.get("error") for r in result.rows}
    assert errors == {
        "cairo-Amiri-Regular.pdf": None,
        "chromium-Amiri-Regular.pdf": "unexpected RuntimeError: a bug",
        "libreoffice-Amiri-Regular.pdf": "OSError: the worker died on it",
    }
    monkeypatch.undo()  # the code fixed, the workers well
    again = run_batch(inputs, _spec("text", f"{memory_inputs}/out"))
    assert sorted(r["input"].rsplit("/", 1)[1] for r in again.rows) == [
        "chromium-Amiri-Regular.pdf",
        "libreoffice-Amiri-Regular.pdf",
    ]  # what went wrong unexpectedly is run again; the file done is not


def test_the_command_joins_a_running_scheduler(memory_inputs, capsys):
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        argv = ["text", f"{memory_inputs}/in/cairo-Amiri-Regular.pdf", "--out"]
        argv += [f"{memory_inputs}/joined", "--scheduler", cluster.scheduler_address]
        assert main(argv) == 0
        with distributed.Client(cluster) as client:  # the command left the cluster running
            assert "raster-quiet-logs" in next(iter(client.run(lambda dask_worker: list(
                dask_worker.plugins)).values()))  # fmt: skip
    assert "1 file(s) done, 0 failed, 0 skipped" in capsys.readouterr().out
    rows = read_manifest(f"{memory_inputs}/joined/manifest.jsonl")
    assert [r["status"] for r in rows] == ["ok"]


def test_inputs_from_lists_and_a_results_manifest(memory_inputs):
    fs = fsspec.filesystem("memory")
    root = memory_inputs.removeprefix("memory://")
    a, b = (f"{memory_inputs}/in/{p.name}" for p in PDFS[:2])
    fs.pipe_file(f"{root}/list.txt", f"{a}\n\n{b}\n".encode())
    rows = [{"input": a, "status": "ok"}, {"input": b}, {"input": a}]
    fs.pipe_file(f"{root}/old.jsonl", "".join(json.dumps(r) + "\n" for r in rows).encode())
    assert batch.list_inputs([f"{memory_inputs}/list.txt"], "text") == [a, b]
    assert batch.list_inputs([f"{memory_inputs}/old.jsonl"], "repair") == [a, b]
    assert batch.list_inputs([f"{memory_inputs}/in/cairo-*-Regular.pdf"], "text") == [
        f"{memory_inputs}/in/cairo-Amiri-Regular.pdf",
        f"{memory_inputs}/in/cairo-NotoSansArabic-Regular.pdf",
    ]
    fs.pipe_file(f"{root}/bad.jsonl", b"[1, 2]\n")
    with pytest.raises(batch.PdfInputError, match="bad.jsonl: a line is not"):
        batch.list_inputs([f"{memory_inputs}/bad.jsonl"], "text")
    with pytest.raises(batch.PdfInputError, match="no such file or folder"):
        batch.list_inputs([f"{memory_inputs}/missing.pdf"], "text")
