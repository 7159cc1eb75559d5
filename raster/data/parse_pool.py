"""Parse font files into glyph rows, in worker processes that may die (the OOM killer).

No database access here: :mod:`raster.data.ingest` is the one writer.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import CancelledError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from raster.data.fonts import FontLoadError, iter_faces
from raster.data.glyph_rows import ParsedFont, face_rows

log = logging.getLogger(__name__)

WORKER_DIED = "the process parsing it died (killed, or out of memory); font skipped"


@dataclass
class Outcome:
    """What parsing one face gave: ``kind`` is 'font', 'present', 'empty' or 'error'."""

    kind: str
    label: str
    parsed: ParsedFont | None = None
    file_hash: str | None = None
    reason: str | None = None


# Worker state, set once per process by _init_worker (avoids pickling it with every task).
_WORKER: dict = {}


#: prctl(2) option: the signal this process gets when its parent dies (linux/prctl.h)
PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int, poll_s: float = 1.0) -> None:
    """End this (worker) process when ``parent_pid`` dies, even by SIGKILL, which leaves the
    parent no chance to stop its workers (they would go on for minutes, holding files open).
    Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``; elsewhere a daemon thread that watches the
    parent. A parent that died before this call ends the process at once."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != parent_pid:  # it died between the fork and the prctl
                os._exit(1)
            return

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(poll_s)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _init_worker(
    parent_pid: int,
    instances: str,
    codepoints: list[int],
    skip_composed: bool,
    known: frozenset[str],
) -> None:
    die_with_parent(parent_pid)
    # Ctrl-C reaches the whole process group: the parent stops the run (and says so once);
    # a worker that took it too would print its own traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER.update(
        instances=instances, codepoints=codepoints, skip_composed=skip_composed, known=known
    )


def parse_font_file(
    path: Path,
    instances: str,
    codepoints: Sequence[int],
    skip_composed: bool = False,
    known: frozenset[str] | set[str] = frozenset(),
) -> list[Outcome]:
    """Parse every face/instance of one file into rows (no database access).

    Args:
        path: the font file.
        instances: 'default' or 'named' (see :func:`raster.data.fonts.iter_faces`).
        codepoints: base codepoints to label.
        skip_composed: drop forms that shape to several glyphs.
        known: hashes already in the database; those faces are not parsed.

    Returns:
        One :class:`Outcome` per face/instance; a file that cannot be read gives one 'error'.
    """
    out: list[Outcome] = []
    try:
        for item in iter_faces(path, instances, known):
            if isinstance(item, tuple):
                out.append(Outcome("present", item[1], file_hash=item[0]))
                continue
            parsed = face_rows(item, codepoints, skip_composed)
            kind = "font" if parsed.rows else "empty"
            out.append(Outcome(kind, parsed.label, parsed, parsed.font["file_hash"], parsed.note))
    except FontLoadError as exc:
        out.append(Outcome("error", str(path), reason=str(exc)))
    except Exception as exc:  # one bad font must not stop the run; the reason is reported
        out.append(Outcome("error", str(path), reason=f"{type(exc).__name__}: {exc}"))
    return out


def _parse_in_worker(path: Path) -> list[Outcome]:
    return parse_font_file(
        path,
        _WORKER["instances"],
        _WORKER["codepoints"],
        _WORKER["skip_composed"],
        _WORKER["known"],
    )


def parse_in_workers(
    files: Sequence[Path], workers: int, initargs: tuple
) -> Iterator[list[Outcome]]:
    """Parse ``files`` in ``workers`` processes; yield each file's outcomes in order.

    A worker that dies (SIGKILL, the OOM killer) breaks the whole pool
    (``BrokenProcessPool``); the files then in flight are parsed again one at a time, each in
    a fresh single-process pool, so the one that kills its worker is named (an 'error'
    outcome) and the run goes on with a new pool.
    """
    ctx = multiprocessing.get_context("fork")  # workers inherit imports; they never touch conn
    todo = deque(files)
    while todo:
        inflight: deque[tuple[Path, object]] = deque()
        pool = ProcessPoolExecutor(workers, ctx, _init_worker, (os.getpid(), *initargs))
        try:
            broken = False
            while (todo or inflight) and not broken:
                while todo and len(inflight) < 2 * workers:
                    path = todo.popleft()
                    inflight.append((path, pool.submit(_parse_in_worker, path)))
                path, fut = inflight[0]
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    broken = True
                    break
                inflight.popleft()
                yield result
        finally:  # also when the caller stops early (Ctrl-C, a database error)
            pool.shutdown(wait=True, cancel_futures=True)
        for path, fut in inflight:  # after a break: the finished keep their result
            try:
                yield fut.result()
            except (BrokenProcessPool, CancelledError):
                yield _parse_alone(path, ctx, initargs)


def _parse_alone(path: Path, ctx, initargs: tuple) -> list[Outcome]:
    with ProcessPoolExecutor(1, ctx, _init_worker, (os.getpid(), *initargs)) as pool:
        try:
            return pool.submit(_parse_in_worker, path).result()
        except BrokenProcessPool:
            log.debug("%s: worker died", path)
            return [Outcome("error", str(path), reason=WORKER_DIED)]
