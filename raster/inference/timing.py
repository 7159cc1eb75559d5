"""Where an answer's time goes: wall seconds per phase, time since process start, peak memory.

``identify --timings`` (and the latency bench) print one line per font from :class:`Phases`:
start-up (interpreter + imports, measured from the process's own start time), model load,
index load, then per font read, render, forward, kNN + calibration, assignment, write.
"""

from __future__ import annotations

import os
import resource
import time
from contextlib import contextmanager


def since_process_start() -> float | None:
    """Wall seconds since this process started (Linux ``/proc``), or None where unknown."""
    try:
        with open("/proc/self/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 of stat(5); the 2 before ")" are split off
        with open("/proc/uptime") as fh:
            uptime = float(fh.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return None


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def cpu_seconds() -> float:
    """CPU time (user + system) this process has used since it started, all threads."""
    t = os.times()
    return t.user + t.system


def format_seconds(seconds: dict[str, float]) -> str:
    """``{"read": 0.01, "forward": 0.5}`` as a person reads it: ``0.51 s (read 0.01 s, forward
    0.50 s)``."""
    parts = ", ".join(f"{k} {v:.2f} s" for k, v in seconds.items())
    return f"{sum(seconds.values()):.2f} s ({parts})" if parts else "0.00 s"


class Phases:
    """Ordered ``{phase: wall seconds}`` and ``{phase: CPU seconds}``; :meth:`phase` times a
    ``with`` block. On a shared machine the wall time also counts other jobs' turns on the
    core; the CPU time is what the phase itself cost (summed over threads)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str):
        t0, c0 = time.perf_counter(), cpu_seconds()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0
            self.cpu[name] = self.cpu.get(name, 0.0) + cpu_seconds() - c0

    def add(self, seconds: dict[str, float], cpu: dict[str, float] | None = None) -> None:
        """Merge already measured phases (e.g. ``Identification.seconds`` and ``.cpu_seconds``)."""
        for k, v in seconds.items():
            self.seconds[k] = self.seconds.get(k, 0.0) + float(v)
        for k, v in (cpu or {}).items():
            self.cpu[k] = self.cpu.get(k, 0.0) + float(v)

    def line(self, label: str) -> str:
        """``label: phase 0.12 s (cpu 0.10), ... | total 1.23 s | peak RSS 456 MB``."""
        parts = ", ".join(
            f"{k} {v:.2f} s" + (f" (cpu {self.cpu[k]:.2f})" if k in self.cpu else "")
            for k, v in self.seconds.items()
        )
        total = sum(self.seconds.values())
        return f"{label}: {parts} | total {total:.2f} s | peak RSS {peak_rss_mb():.0f} MB"

    def as_dict(self) -> dict:
        """``{"seconds": {...}, "cpu_seconds": {...}, "peak_rss_mb": ...}`` (JSON-able)."""
        return {
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "cpu_seconds": {k: round(v, 3) for k, v in self.cpu.items()},
            "peak_rss_mb": round(peak_rss_mb()),
        }
