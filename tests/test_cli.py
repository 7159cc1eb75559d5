"""raster.cli: one way to log, fail and exit for every command."""

import importlib
import io
import logging
import sqlite3
import subprocess
import sys

import pytest

from raster import cli, progress
from raster.errors import CheckpointError, NonFiniteLossError

COMMANDS = [
    "corpus",
    "crossval",
    "dbstats",
    "demo",
    "embed",
    "eval_similarity",
    "identify",
    "index",
    "ingest",
    "rasterize",
    "report",
    "train",
    "visualize",
    "pdf.__main__",
    "review",
    "debug.test_gradient_flow",
]


def _main_raising(exc):
    @cli.command("raster.fake")
    def main(argv=None):
        raise exc

    return main


def test_raster_error_is_one_line_and_its_code(caplog):
    caplog.set_level(logging.INFO)
    assert _main_raising(CheckpointError("a.pt: no such checkpoint"))([]) == 2
    assert _main_raising(NonFiniteLossError("loss nan at step 3"))([]) == 3
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in errors] == ["a.pt: no such checkpoint", "loss nan at step 3"]
    assert all(r.name == "raster.fake" and r.exc_info is None for r in errors)


def test_os_and_sqlite_errors_name_the_file(caplog, tmp_path):
    missing = tmp_path / "nope.csv"
    try:
        open(missing)
    except OSError as exc:
        err = exc
    assert _main_raising(err)([]) == 2
    assert caplog.records[-1].getMessage() == f"{missing}: No such file or directory"
    assert _main_raising(sqlite3.DatabaseError("file is not a database"))([]) == 2
    assert caplog.records[-1].getMessage() == "database error: file is not a database"


def test_ctrl_c_is_130_and_bugs_keep_their_traceback(caplog):
    assert _main_raising(KeyboardInterrupt())([]) == 130
    assert caplog.records[-1].getMessage() == "interrupted"
    with pytest.raises(ZeroDivisionError):
        _main_raising(ZeroDivisionError("bug"))([])
    with pytest.raises(SystemExit):  # argparse's own exit passes through
        _main_raising(SystemExit(2))([])


def test_setup_logging_one_format_and_quiet_libraries(monkeypatch):
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", logging.WARNING)
    stream = io.StringIO()
    cli.setup_logging(logging.INFO, stream=stream)
    logging.getLogger("raster.x").info("hello %d", 1)
    logging.getLogger("raster.x").error("bad.ttf: broken")
    logging.getLogger("faiss.loader").info("probing AVX2")
    logging.getLogger("fontTools.varLib").info("instancing")
    assert stream.getvalue() == "raster.x: hello 1\nraster.x: error: bad.ttf: broken\n"


def test_pikepdf_says_nothing_on_import():
    # pikepdf logs "pikepdf C++ to Python logger bridge initialized" at INFO on import
    code = "from raster.cli import setup_logging; setup_logging(); import pikepdf"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == ""


def test_timings_are_said_as_a_person_reads_them():
    from raster.inference.timing import format_seconds

    line = format_seconds({"read": 0.0, "render": 0.026, "forward": 0.498})
    assert line == "0.52 s (read 0.00 s, render 0.03 s, forward 0.50 s)"
    assert "{" not in line


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_goes_through_the_wrapper(name):
    mod = importlib.import_module(f"raster.{name}")
    assert mod.main.command_name.startswith("raster.")
    assert "__main__" not in mod.main.command_name
    if hasattr(mod, "log"):
        assert mod.log.name == mod.main.command_name


def test_progress_switch(monkeypatch):
    monkeypatch.setattr(progress, "_enabled", None)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert progress.progress_enabled() is False
    assert progress.progress_enabled(True) is True
    progress.set_progress(True)
    assert progress.progress_enabled() is True and progress.progress_enabled(False) is False
    assert progress.progress_bar(range(3), enabled=False).disable


def test_subprocess_bad_input_is_one_line_exit_2(tmp_path):
    missing = tmp_path / "none.db"
    proc = subprocess.run(
        [sys.executable, "-m", "raster.dbstats", "--db", str(missing)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"{missing}: no such glyph database"
