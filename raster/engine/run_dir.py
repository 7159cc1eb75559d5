"""The run folder of ``raster.train``: one run per folder, never replaced without being asked.

A folder holds a run when it has a checkpoint (``last.pt``, ``best.pt``, ``epoch_N.pt``) or a
training log. A fresh run refuses such a folder; ``--resume`` continues the run in it and
``--overwrite`` deletes the old run's files first (after every check passed, so a refused or
failed start leaves the old run as it was). A training claims its folder first
(:func:`claim_run_folder`: a lock file holding its pid), so two runs started at once into one
folder cannot both pass that check.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from raster.errors import RunFolderError  # noqa: F401  (re-exported)

log = logging.getLogger("raster.train")

#: the lock file of a run folder while a training writes it (holds the trainer's pid)
LOCK_NAME = ".train.lock"

#: files a run writes (``epoch_N.pt`` too, see :func:`run_files`)
RUN_FILES = (
    "last.pt",
    "best.pt",
    "train_log.jsonl",
    "args.yaml",
    "label_to_index.json",
)


def run_files(out_dir: str | Path, log_file: str | Path | None = None) -> list[Path]:
    """The files of a run present in ``out_dir`` (and ``log_file`` when it lies elsewhere)."""
    out_dir = Path(out_dir)
    found = [out_dir / name for name in RUN_FILES if (out_dir / name).is_file()]
    if out_dir.is_dir():
        found += sorted(out_dir.glob("epoch_*.pt"))
    if log_file is not None and Path(log_file).is_file() and Path(log_file) not in found:
        found.append(Path(log_file))
    return found


def check_run_folder(
    out_dir: str | Path,
    *,
    resume: str | Path | None,
    overwrite: bool,
    log_file: str | Path | None = None,
) -> list[Path]:
    """Decide whether a run may start in ``out_dir``; nothing is changed here.

    Args:
        out_dir: ``--out-dir``.
        resume: ``--resume`` (a run continued in its folder is fine).
        overwrite: ``--overwrite``.
        log_file: ``--log-file`` when given.

    Returns:
        The old run's files that :func:`clear_run` deletes before a ``--overwrite`` start
        (empty when there is nothing to delete or when resuming).

    Raises:
        RunFolderError: ``out_dir`` is a file, or holds a run and neither flag was given.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise RunFolderError(f"{out_dir}: --out-dir names a file; give a folder")
    files = run_files(out_dir, log_file)
    found = [p for p in files if p.name not in ("args.yaml", "label_to_index.json")]
    if not found or resume is not None:
        return []
    if overwrite:
        return files
    names = ", ".join(p.name for p in found[:4]) + (" ..." if len(found) > 4 else "")
    raise RunFolderError(
        f"{out_dir}: holds a run ({names}); continue it with --resume {out_dir / 'last.pt'}, "
        "replace it with --overwrite, or give another --out-dir"
    )


def clear_run(files: list[Path]) -> None:
    """Delete an old run's files (what :func:`check_run_folder` returned for --overwrite)."""
    for p in files:
        p.unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: is there such a process (nothing is sent)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _lock_pid(lock: Path) -> int | None:
    """The pid a lock file holds; None when unreadable or not a number (a torn write)."""
    try:
        return int(lock.read_text().strip())
    except (OSError, ValueError):
        return None


def _create_lock(lock: Path) -> bool:
    """Create ``lock`` holding this process's pid, atomically (O_EXCL); False if it exists."""
    try:
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as fh:
        fh.write(f"{os.getpid()}\n")
    return True


@contextlib.contextmanager
def claim_run_folder(
    out_dir: str | Path, *, take_over: bool, enabled: bool = True
) -> Iterator[None]:
    """Hold ``out_dir`` for this training: ``out_dir/.train.lock`` is created with O_EXCL
    and holds the pid; it is removed when the block ends (also on an error or Ctrl-C), and a
    folder this claim created is removed again when the run left it empty (a refused start).

    Args:
        out_dir: ``--out-dir`` (created when missing).
        take_over: ``--resume`` or ``--overwrite`` was given: a lock left by a process that
            no longer runs (a killed run) is taken over, with a warning.
        enabled: False on the ranks of a distributed run other than rank 0 (rank 0 claims).

    Raises:
        RunFolderError: another training holds the folder, or a dead one's lock is in the way
            and neither flag was given.
    """
    if not enabled:
        yield
        return
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise RunFolderError(f"{out_dir}: --out-dir names a file; give a folder")
    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = out_dir / LOCK_NAME
    held = False
    try:
        if not _create_lock(lock):
            _take_over(out_dir, lock, take_over)
        held = True
        yield
    finally:
        if held and _lock_pid(lock) == os.getpid():  # never another's (a thread's) lock
            lock.unlink(missing_ok=True)
        if created:
            with contextlib.suppress(OSError):  # not empty: the run's files stay
                out_dir.rmdir()


def _take_over(out_dir: Path, lock: Path, take_over: bool) -> None:
    """The lock exists: refuse a live holder; take a dead one's over when allowed."""
    pid = _lock_pid(lock)
    if pid is None or pid == os.getpid() or _pid_alive(pid):
        who = f"pid {pid}" if pid is not None else "another process"
        raise RunFolderError(
            f"{out_dir}: another training ({who}) is writing this folder ({lock.name}); wait "
            "for it to end or give another --out-dir"
        )
    if not take_over:
        raise RunFolderError(
            f"{lock}: left by pid {pid}, which no longer runs (a killed or crashed run); "
            f"continue its run with --resume {out_dir / 'last.pt'}, or start anew with "
            "--overwrite"
        )
    lock.unlink(missing_ok=True)
    if not _create_lock(lock):  # another start took it over in between
        raise RunFolderError(
            f"{out_dir}: another training took this folder over just now; give another --out-dir"
        )
    log.warning("%s: the lock of pid %d, which no longer runs, is taken over", lock, pid)
