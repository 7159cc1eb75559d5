"""Thread defaults follow the CPUs a process may use, not the machine's count."""

import os

import pytest

from raster.engine import threads


def test_affinity_mask_bounds_the_default(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: {3})
    monkeypatch.setattr(threads, "cgroup_cpu_limit", lambda: None)
    assert threads.available_cpus() == 1
    assert threads.default_threads() == 1
    assert threads.default_threads(4) == 4  # an explicit request wins


def test_quota_and_env(monkeypatch, tmp_path):
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert threads.cgroup_cpu_limit(tmp_path) == pytest.approx(1.5)
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert threads.cgroup_cpu_limit(tmp_path) is None
    assert threads.cgroup_cpu_limit(tmp_path / "missing") is None
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: set(range(8)))
    monkeypatch.setattr(threads, "cgroup_cpu_limit", lambda: 1.5)
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert threads.default_threads() == 2
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert threads.default_threads() == 3


def test_set_torch_threads_uses_the_process_cpus(monkeypatch):
    import torch

    before = torch.get_num_threads()
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    try:
        assert threads.set_torch_threads() == min(
            len(os.sched_getaffinity(0)), threads.available_cpus()
        )
    finally:
        torch.set_num_threads(before)


def test_apply_threads_before_torch_sets_the_environment():
    """Without torch imported (the shipped model's ONNX path), the count goes to
    OMP_NUM_THREADS, so onnxruntime, faiss and a later torch import all start with it."""
    import subprocess
    import sys

    code = (
        "import os, sys\n"
        "from raster.engine.threads import apply_threads\n"
        "n = apply_threads(1)\n"
        "print(n, os.environ['OMP_NUM_THREADS'], 'torch' in sys.modules)\n"
        "import torch\n"
        "print(torch.get_num_threads())\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout.split()
    assert out == ["1", "1", "False", "1"]  # torch caps the count at the cores it sees
