"""The run folder of ``raster.train``: one run per folder, never replaced without being asked.

A folder holds a run when it has a checkpoint (``last.pt``, ``best.pt``, ``epoch_N.pt``) or a
training log. A fresh run refuses such a folder; ``--resume`` continues the run in it and
``--overwrite`` deletes the old run's files first (after every check passed, so a refused or
failed start leaves the old run as it was).
"""

from __future__ import annotations

from pathlib import Path

from raster.errors import RunFolderError  # noqa: F401  (re-exported)

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
