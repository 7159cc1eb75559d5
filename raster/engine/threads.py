"""How many CPU threads a process should use: the CPUs it may actually run on.

``os.cpu_count()`` counts the machine's CPUs, not the ones this process is allowed: under
``taskset``, a container CPU quota or beside another pinned job, that many threads fight over
fewer cores (an epoch ran ~5x slower with two threads on one shared core than with one).
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

THREADS_HELP = (
    "CPU threads (0 = the CPUs this process may use: its affinity mask, e.g. `taskset -c 0`, "
    "and a container's CPU quota; OMP_NUM_THREADS wins when set). Beside other work, pin "
    "each job to its own cores, e.g. `OMP_NUM_THREADS=1 taskset -c 1 python -m ...`, rather "
    "than letting both use every core"
)


def cgroup_cpu_limit(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """CPUs allowed by a cgroup v2 quota (``cpu.max``: quota period), or None when unlimited."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        return None
    if quota == "max":
        return None
    try:
        q, p = float(quota), float(period)
    except ValueError:
        return None
    return q / p if q > 0 and p > 0 else None


def available_cpus() -> int:
    """CPUs this process may use: its affinity mask, capped by a cgroup quota (rounded up)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        n = os.cpu_count() or 1
    limit = cgroup_cpu_limit()
    if limit is not None:
        n = min(n, max(1, math.ceil(limit)))
    return max(1, n)


def default_threads(requested: int = 0) -> int:
    """``requested`` when > 0, else OMP_NUM_THREADS / MKL_NUM_THREADS when set, else
    :func:`available_cpus`."""
    if requested > 0:
        return requested
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(var, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return available_cpus()


def set_torch_threads(requested: int = 0) -> int:
    """Set torch's intra-op threads to :func:`default_threads`; returns what torch uses."""
    import torch

    torch.set_num_threads(default_threads(requested))
    return torch.get_num_threads()


def apply_threads(requested: int = 0) -> int:
    """Make :func:`default_threads` the thread count of this process's numeric libraries.

    torch when it is imported already; otherwise ``OMP_NUM_THREADS`` is set, so that torch,
    onnxruntime and faiss, imported later or never (the shipped model's ONNX path does not
    import torch), all start with that many. Returns the count.
    """
    n = default_threads(requested)
    if "torch" in sys.modules:
        return set_torch_threads(n)
    os.environ["OMP_NUM_THREADS"] = str(n)
    return n
