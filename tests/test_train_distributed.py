"""torchrun with 2 CPU processes (gloo): same result as one process, in sync, no hang on a death."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent / "data"))

from glyphdb import make_db  # noqa: E402

from raster import train  # noqa: E402
from raster.engine.checkpoint import load_checkpoint  # noqa: E402

pytestmark = pytest.mark.slow

# A backbone without BatchNorm: per-rank batch statistics would otherwise differ from the
# single-process ones on CPU, where SyncBatchNorm is unavailable.
COMMON = [
    "--limit",
    "0",
    "--img-size",
    "32",
    "--backbone",
    "vit_tiny_patch16_224",
    "--emb-dropout",
    "0",
    "--val-frac",
    "0.2",
    "--pre-rasterize",
    "--seed",
    "5",
    "--lr-backbone",
    "0.001",
    "--lr-head",
    "0.002",
    "--log-interval",
    "1000",
    "--no-amp",  # fp32: the ranks' sums then match one process's to float rounding
]


def _train_argv(db: Path, out: Path, epochs: int, batch_size: int, *flags: str) -> list[str]:
    """``raster.train`` flags: the database, :data:`COMMON`, the schedule, ``flags``, ``out``."""
    return [
        "--db",
        str(db),
        *COMMON,
        "--epochs",
        str(epochs),
        "--batch-size",
        str(batch_size),
        *flags,
        "--out-dir",
        str(out),
    ]


def _worst_diff(a: dict, b: dict) -> float:
    """Largest absolute difference between two checkpoints' model weights."""
    return max(
        (a["model"][k].float() - b["model"][k].float()).abs().max().item() for k in a["model"]
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _torchrun_cmd(argv: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node=2",
        "--nnodes=1",
        "--master_addr=127.0.0.1",
        f"--master_port={_free_port()}",
        "-m",
        "raster.train",
        *argv,
    ]


def _env() -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    return env


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return make_db(tmp_path_factory.mktemp("ddp") / "g.db", n_labels=8, per_label=24, n_fonts=3)


def test_two_ranks_equal_one_process_with_the_same_global_batch(db, tmp_path):
    ddp_out, single_out = tmp_path / "ddp", tmp_path / "single"
    proc = subprocess.run(
        _torchrun_cmd(_train_argv(db, ddp_out, 2, 16, "--save-every", "1")),
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "model replicas identical on all 2 ranks" in proc.stderr
    assert "batch 16 per rank = 32 global" in proc.stderr
    torch.set_num_threads(1)
    assert train.main(_train_argv(db, single_out, 2, 32)) == 0
    a = load_checkpoint(ddp_out / "last.pt")
    b = load_checkpoint(single_out / "last.pt")
    worst = _worst_diff(a, b)
    # Same batches, same augmentation, gradients equal up to float summation order.
    assert worst < 1e-3, worst
    assert a["metrics"]["train_loss"] == pytest.approx(b["metrics"]["train_loss"], rel=1e-3)
    assert a["metrics"]["val_top1"] == pytest.approx(b["metrics"]["val_top1"], abs=1e-9)
    # --resume works for any world size: one process continues the 2-rank run's epoch 0.
    resumed = tmp_path / "resumed"
    assert train.main(_train_argv(db, resumed, 2, 32, "--resume", str(ddp_out / "epoch_0.pt"))) == 0
    c = load_checkpoint(resumed / "last.pt")
    worst = _worst_diff(a, c)
    assert worst < 1e-3, worst


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out += [int(t) for t in text]
    return out


def test_killing_one_rank_ends_the_run_with_an_error(db, tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        _torchrun_cmd(_train_argv(db, out, 200, 16)),
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        while not (out / "last.pt").exists():  # training is under way
            assert proc.poll() is None and time.monotonic() < deadline, "training never started"
            time.sleep(0.5)
        workers = _children(proc.pid)
        assert len(workers) == 2
        os.kill(workers[1], signal.SIGKILL)
        start = time.monotonic()
        output, _ = proc.communicate(timeout=180)
        assert time.monotonic() - start < 180
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    assert "SIGKILL" in output or "Signal 9" in output or "failed" in output.lower()
    load_checkpoint(out / "last.pt")  # the last checkpoint is still whole
