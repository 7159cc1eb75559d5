"""Training faults of the second round (issue 29): two trainings into one folder, a run with no
validation glyphs, --epochs that leave nothing to train."""

from __future__ import annotations

import importlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import assert_no_traceback, tiny_train_args, tree_digest

sys.path.insert(0, str(Path(__file__).parents[1] / "data"))

from glyphdb import make_db  # noqa: E402

from raster import train  # noqa: E402
from raster.engine.checkpoint import load_checkpoint  # noqa: E402
from raster.engine.run_dir import LOCK_NAME  # noqa: E402

FIT = importlib.import_module("raster.engine.fit")
ROOT = Path(__file__).parents[2]


@pytest.fixture(autouse=True)
def one_thread(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return make_db(tmp_path_factory.mktemp("db") / "g.db", n_labels=8, per_label=12, n_fonts=3)


_args = tiny_train_args


def _errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_two_trainings_started_at_once_into_one_folder(db, tmp_path):
    """Both pass no check the other makes moot: one trains, the other is refused in one line,
    and the folder holds one run (its args.yaml names the seed of its checkpoints)."""
    out = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "raster.train", *_args(db, out, 2, "--seed", str(seed))],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for seed in (5, 6)
    ]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    loser = next(err for code, err in results if code == 2)
    assert_no_traceback(loser)
    said = [line for line in loser.splitlines() if "error:" in line]
    assert len(said) == 1, loser
    assert "another training (pid" in said[0] or "holds a run" in said[0], said
    seed = yaml.safe_load((out / "args.yaml").read_text())["seed"]
    assert load_checkpoint(out / "last.pt")["args"]["seed"] == seed
    epochs = [json.loads(line)["epoch"] for line in (out / "train_log.jsonl").open()]
    assert epochs == [0, 1]  # one run's log, not two interleaved
    assert not (out / LOCK_NAME).exists()


def test_a_live_lock_refuses_and_a_dead_ones_is_taken_over_with_a_flag(db, tmp_path, caplog):
    out = tmp_path / "run"
    assert train.main(_args(db, out, 1)) == 0
    assert not (out / LOCK_NAME).exists()  # let go at the end
    before = tree_digest(out)
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / LOCK_NAME).write_text(f"{holder.pid}\n")
        caplog.clear()
        assert train.main(_args(db, out, 2, "--resume", str(out / "last.pt"))) == 2
        assert _errors(caplog) == [
            f"{out}: another training (pid {holder.pid}) is writing this folder "
            f"({LOCK_NAME}); wait for it to end or give another --out-dir"
        ]
    finally:
        holder.kill()
        holder.wait()
    caplog.clear()
    assert train.main(_args(db, out, 2)) == 2  # a dead pid's lock: said so, flags named
    assert _errors(caplog) == [
        f"{out / LOCK_NAME}: left by pid {holder.pid}, which no longer runs (a killed or "
        f"crashed run); continue its run with --resume {out / 'last.pt'}, or start anew with "
        "--overwrite"
    ]
    (out / LOCK_NAME).unlink()
    assert tree_digest(out) == before  # refused starts changed nothing
    (out / LOCK_NAME).write_text(f"{holder.pid}\n")
    caplog.clear()
    assert train.main(_args(db, out, 2, "--resume", str(out / "last.pt"))) == 0
    assert any("is taken over" in r.getMessage() for r in caplog.records)
    assert load_checkpoint(out / "last.pt")["epoch"] == 1
    assert not (out / LOCK_NAME).exists()


def test_the_lock_is_let_go_on_ctrl_c_and_on_a_refused_start(db, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(FIT, "train_one_epoch", interrupted)
    out = tmp_path / "run"
    assert train.main(_args(db, out, 1)) == 130
    assert not (out / LOCK_NAME).exists()
    monkeypatch.undo()
    gone = tmp_path / "refused"
    assert train.main(_args(db, gone, 1, "--resume", str(tmp_path / "none.pt"))) == 2
    assert not gone.exists()  # the folder the claim made is gone with the lock


@pytest.mark.parametrize("why", ["--val-frac 0", "too few glyphs per label"])
def test_a_run_without_validation_glyphs_trains_and_says_so(why, db, tmp_path, caplog):
    """--val-frac 0 (or a selection whose labels are too small to give validation any) stopped
    with KeyError: 'top10'; now it trains, warns once, and best.pt is the last epoch."""
    out = tmp_path / "run"
    argv = _args(db, out, 2)
    if why == "--val-frac 0":
        argv[argv.index("--val-frac") + 1] = "0"
        argv.remove("--no-retrieval")  # the retrieval check met the empty validation
    else:
        small = make_db(tmp_path / "small.db", n_labels=8, per_label=1, n_fonts=1)
        argv[argv.index("--db") + 1] = str(small)
        argv[argv.index("--batch-size") + 1] = "4"
        argv += ["--sampler", "random"]
    assert train.main(argv) == 0
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sum("no validation glyphs" in m for m in warned) == 1, warned
    assert load_checkpoint(out / "best.pt")["epoch"] == 1  # the last epoch
    records = [json.loads(line) for line in (out / "train_log.jsonl").open()]
    assert [r["epoch"] for r in records] == [0, 1] and "val_top1" not in records[0]


def test_epochs_that_leave_nothing_to_train_are_said(db, tmp_path, caplog, capsys):
    """--epochs 0 exited 0 with no checkpoint and no message; --epochs at or below a resumed
    run's epochs did so too (now it says so, and the complete run stays as it was)."""
    with pytest.raises(SystemExit) as exc:
        train.main(_args(db, tmp_path / "zero", 0))
    assert exc.value.code == 2
    assert "argument --epochs: must be a positive integer, got 0" in capsys.readouterr().err
    assert not (tmp_path / "zero").exists()
    out = tmp_path / "run"
    assert train.main(_args(db, out, 2)) == 0
    before = tree_digest(out)
    caplog.clear()
    assert train.main(_args(db, out, 2, "--resume", str(out / "last.pt"))) == 0
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        f"{out / 'last.pt'}: its run already did 2 epochs, so --epochs 2 leaves nothing to "
        "train (give a larger --epochs to train on); nothing written"
    ]
    assert tree_digest(out) == before


def test_a_refused_claim_leaves_the_holders_lock(tmp_path):
    """Two claims in one process (threads of an application): the refused one must not
    remove the lock of the one that holds the folder."""
    from raster.engine.run_dir import RunFolderError, claim_run_folder

    out = tmp_path / "run"
    with claim_run_folder(out, take_over=False):
        with pytest.raises(RunFolderError, match="another training"):
            with claim_run_folder(out, take_over=True):
                pass
        assert (out / LOCK_NAME).read_text() == f"{os.getpid()}\n"
    assert not out.exists()  # made by the claim, left empty: gone with the lock
