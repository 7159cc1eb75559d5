"""Training faults: a folder that holds a run, Ctrl-C mid-epoch, and every bad input train met
with a traceback (bad DB, empty selection, bad --img-size, bad --resume files, too few labels
for the m-per-class sampler, bad --config). Nothing may be written before the checks pass."""

from __future__ import annotations

import importlib
import logging
import os
import signal
import sys
from pathlib import Path

import pytest
import torch
from helpers import assert_no_traceback, sha256, tiny_train_args, tree_digest

sys.path.insert(0, str(Path(__file__).parents[1] / "data"))

from glyphdb import make_db  # noqa: E402

from raster import train  # noqa: E402
from raster.data.schema import db_fingerprint  # noqa: E402
from raster.engine.checkpoint import load_checkpoint  # noqa: E402

FIT = importlib.import_module("raster.engine.fit")  # the training run; looks train_one_epoch up


@pytest.fixture(autouse=True)
def one_thread(monkeypatch):
    """One torch thread: these runs are tiny, and on busy shared cores two threads spin."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return make_db(tmp_path_factory.mktemp("db") / "g.db", n_labels=8, per_label=12, n_fonts=3)


_args = tiny_train_args


def _errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def _run_files(out: Path) -> dict[str, str]:
    return {n: sha256(out / n) for n in ("last.pt", "best.pt", "train_log.jsonl")}


def test_a_folder_that_holds_a_run_is_refused(db, tmp_path, caplog):
    out = tmp_path / "run"
    assert train.main(_args(db, out, 1, "--save-every", "1")) == 0
    before = tree_digest(out)
    caplog.clear()
    assert train.main(_args(db, out, 1)) == 2
    assert _errors(caplog) == [
        f"{out}: holds a run (last.pt, best.pt, train_log.jsonl, epoch_0.pt); continue it with "
        f"--resume {out / 'last.pt'}, replace it with --overwrite, or give another --out-dir"
    ]
    assert tree_digest(out) == before
    assert train.main(_args(db, out, 1, "--overwrite")) == 0
    assert not (out / "epoch_0.pt").exists()  # the old run's files are gone, not mixed in
    ckpt = load_checkpoint(out / "last.pt")
    assert ckpt["epoch"] == 0
    assert ckpt["db_fingerprint"] == db_fingerprint(db)  # index build compares it


def test_ctrl_c_keeps_the_clean_checkpoint_and_resume_is_exact(db, tmp_path, monkeypatch):
    straight = tmp_path / "straight"
    assert train.main(_args(db, straight, 2)) == 0
    seen = {}
    real = FIT.train_one_epoch

    def interrupted(*args, epoch, **kwargs):
        if epoch == 1:
            seen["last"] = sha256(tmp_path / "int" / "last.pt")  # written at the end of epoch 0
            seen["log"] = sha256(tmp_path / "int" / "train_log.jsonl")
            calls = {"n": 0}
            inner_should_stop = kwargs.get("should_stop")

            def stop_midway():
                calls["n"] += 1
                if calls["n"] == 2:  # the second step of epoch 1: a real SIGINT, as Ctrl-C
                    os.kill(os.getpid(), signal.SIGINT)
                return inner_should_stop() if inner_should_stop else False

            kwargs["should_stop"] = stop_midway
        return real(*args, epoch=epoch, **kwargs)

    monkeypatch.setattr(FIT, "train_one_epoch", interrupted)
    out = tmp_path / "int"
    assert train.main(_args(db, out, 2)) == 130
    assert sha256(out / "last.pt") == seen["last"]  # the clean end-of-epoch-0 checkpoint
    assert sha256(out / "train_log.jsonl") == seen["log"]
    assert load_checkpoint(out / "last.pt")["epoch"] == 0
    monkeypatch.setattr(FIT, "train_one_epoch", real)
    assert train.main(_args(db, out, 2, "--resume", str(out / "last.pt"))) == 0
    a = load_checkpoint(straight / "last.pt")["model"]
    b = load_checkpoint(out / "last.pt")["model"]
    for key in a:
        assert torch.equal(a[key], b[key]), key


def _bad_config(tmp_path, text, name="bad.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_bad_inputs_give_one_line_and_write_nothing(db, tmp_path, caplog, capsys):
    ok = tmp_path / "ok"
    assert train.main(_args(db, ok, 1)) == 0
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n" * 10)
    evil = tmp_path / "evil.pt"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / 'pwned'}",))

    torch.save({"format": 1, "model": Payload()}, evil)
    cases = {
        "bad db": (["--db", str(notes)], f"{notes}: not a SQLite database"),
        "missing db": (["--db", str(tmp_path / "nope.db")], f"{tmp_path / 'nope.db'}: no such"),
        "empty selection": (["--label-regex", "^nothing$"], "no glyph selected"),
        "img size": (["--img-size", "30"], "img_size must be a positive multiple of 16, got 30"),
        "resume missing": (["--resume", str(tmp_path / "gone.pt")], f"{tmp_path / 'gone.pt'}"),
        "resume not ckpt": (["--resume", str(notes)], f"{notes}: not a readable checkpoint"),
        "resume weights": (
            ["--resume", str(ok / "best.pt")],
            f"{ok / 'best.pt'} holds weights only",
        ),
        "resume pickle": (["--resume", str(evil)], f"{evil}: not a glyph-raster checkpoint"),
        "m-per-class": (["--batch-size", "64"], "--sampler random"),
        "config yaml": (["--config", _bad_config(tmp_path, "epochs: [1,\n")], "bad.yaml"),
        "config list": (["--config", _bad_config(tmp_path, "- 1\n- 2\n", "l.yaml")], "l.yaml"),
        "config key": (["--config", _bad_config(tmp_path, "nonsense: 1\n", "k.yaml")], "nonsense"),
        "config gone": (["--config", str(tmp_path / "gone.yaml")], "gone.yaml"),
    }
    for name, (extra, want) in cases.items():
        out = tmp_path / f"run_{name.replace(' ', '_')}"
        caplog.clear()
        argv = _args(db, out, 1)
        for flag, value in zip(extra[::2], extra[1::2], strict=True):
            if flag in argv:
                argv[argv.index(flag) + 1] = value
            else:
                argv += [flag, value]
        try:
            code = train.main(argv)
        except SystemExit as exc:  # argparse's own one-line error
            code = exc.code
        captured = capsys.readouterr()
        assert code == 2, (name, code)
        assert_no_traceback(captured.err)
        said = _errors(caplog) + [line for line in captured.err.splitlines() if line.strip()]
        assert len(said) == 1 and want in said[0], (name, said)
        assert not out.exists(), name  # nothing written before validation passed
    assert not (tmp_path / "pwned").exists()
