"""Ctrl-C during a parallel ingest (a real SIGINT), the training DB's fingerprint check of
``index build``, and the help of every ``--no-X`` flag."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import assert_no_traceback
from identify_helpers import tiny_run

from raster.data.schema import db_fingerprint
from raster.engine.checkpoint import load_checkpoint, save_checkpoint
from raster.inference.checkpoint_loader import load_model
from raster.inference.index import warn_if_other_db

ROOT = Path(__file__).resolve().parents[2]


def test_ctrl_c_during_parallel_ingest_is_one_line_130_and_whole_fonts(tmp_path):
    db = tmp_path / "g.db"
    cmd = [sys.executable, "-m", "raster.ingest", "--db", str(db), "--bundled"]
    proc = subprocess.Popen(
        [*cmd, "--workers", "2", "--no-progress"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a terminal's Ctrl-C: SIGINT to the whole process group
    )
    deadline = time.monotonic() + 240
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.5)
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
            stored = conn.execute("SELECT COUNT(*) FROM fonts").fetchone()[0]
            conn.close()
        except sqlite3.Error:
            continue
        if stored >= 2:
            break
    assert proc.poll() is None, "ingest ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert_no_traceback(err)
    assert [line for line in err.splitlines() if line.strip()] == [
        "raster.ingest: warning: interrupted"
    ]
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT f.file_hash, f.n_glyphs, COUNT(g.glyph_id) FROM fonts f "
        "LEFT JOIN glyphs g ON g.f_id = f.file_hash GROUP BY f.file_hash"
    ).fetchall()
    conn.close()
    assert len(rows) >= 2
    assert all(n == count for _, n, count in rows)  # every stored font is whole


def test_train_records_its_db_and_index_build_warns_on_another(tmp_path, caplog):
    run = tiny_run()
    ckpt = load_checkpoint(run["ckpt"])
    crafted = save_checkpoint(
        tmp_path / "fp.pt", {**ckpt, "db_fingerprint": db_fingerprint(run["db"])}
    )
    loaded = load_model(crafted)
    with caplog.at_level(logging.WARNING):
        assert warn_if_other_db(loaded, run["db"]) is False
        assert not caplog.records
        other = tmp_path / "other.db"
        src = sqlite3.connect(run["db"])
        dst = sqlite3.connect(other)
        src.backup(dst)
        dst.execute("DELETE FROM glyphs WHERE glyph_id = (SELECT MAX(glyph_id) FROM glyphs)")
        dst.commit()
        src.close()
        dst.close()
        assert warn_if_other_db(loaded, other) is True
    (msg,) = [r.getMessage() for r in caplog.records]
    assert msg == (
        f"{other} is not the database {crafted} trained on ({ckpt['args']['db']}; fingerprints "
        "differ): its validation split may hold glyphs the model trained on, so the calibration "
        "may be over-confident"
    )


COMMANDS = [
    "raster.dbstats", "raster.demo", "raster.embed", "raster.eval_similarity", "raster.identify",
    "raster.index", "raster.ingest", "raster.rasterize", "raster.report", "raster.train",
    "raster.visualize", "raster.pdf.__main__", "raster.debug.test_gradient_flow",
]  # fmt: skip


def _parsers(parser: argparse.ArgumentParser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


@pytest.mark.parametrize("module", COMMANDS)
def test_no_flag_help_says_default_true(module):
    """A ``--no-X`` flag stored as False showed "(default: True)" under
    ArgumentDefaultsHelpFormatter; such switches are ``--X/--no-X`` pairs instead."""
    parser = importlib.import_module(module).build_parser()
    for p in _parsers(parser):
        formatter = p._get_formatter()
        for action in p._actions:
            if isinstance(action, argparse._StoreFalseAction):
                shown = formatter._get_help_string(action) % {"default": action.default}
                assert "default: True" not in shown, (module, action.option_strings, shown)
