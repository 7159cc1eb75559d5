"""Pieces the bench scripts (and tools/) share: a child's time and peak memory, the JSON result.

Run the scripts as modules from the repository root (``python -m bench.bench_x``) so that
``bench`` is importable.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed_run(cmd: list[str], env: dict) -> dict:
    """Run ``cmd`` in the repository root to completion.

    Returns:
        ``seconds`` (wall), ``peak_rss_mb`` (the child's own peak RSS, MiB: ``wait4``'s
        rusage, not the maximum over all children) and ``stderr`` (text).

    Raises:
        subprocess.CalledProcessError: non-zero exit (stderr attached).
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)  # this child's rusage, not all children's max
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, cmd, stderr=stderr)
    return {
        "seconds": round(seconds, 3),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "stderr": stderr,
    }


def write_json(path: Path | None, data, indent: int = 1, **dumps_kw) -> None:
    """Write ``data`` as JSON (one trailing newline) to ``path``, making its folder; None: skip.

    ``dumps_kw`` goes to :func:`json.dumps` (e.g. ``ensure_ascii=False``).
    """
    if not path:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=indent, **dumps_kw) + "\n")
