"""Check a command's output paths before anything is written: never over an input, never a folder.

Every command calls :func:`check_outputs` once, after parsing its flags, with each output it may
write and each input it reads. Paths are compared resolved (symlinks followed) and, where both
exist, by device and inode (hard links), so ``--out FONT`` or a symlink to the input PDF is
refused before the input is touched.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from raster.errors import OutputPathError  # noqa: F401  (re-exported)


def _same(a: Path, b: Path) -> bool:
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except (OSError, RuntimeError):  # a symlink loop: not the same as anything we read
        return False


def _writable_folder(path: Path) -> str | None:
    """Why files cannot be created at ``path`` (to be made with its parents), or None."""
    p = path.absolute()
    while not p.exists():
        if p.is_symlink():  # dangling symlink in the way
            return f"{p} is a dangling symbolic link"
        p = p.parent
    if not p.is_dir():
        return f"{p} is not a folder"
    if not os.access(p, os.W_OK | os.X_OK):
        return f"folder {p} is not writable"
    return None


def check_outputs(
    outputs: Mapping[str, str | Path | None],
    inputs: Iterable[str | Path | None],
    folders: Mapping[str, str | Path | None] | None = None,
) -> None:
    """Refuse outputs that would destroy an input or cannot be written, before any work.

    Args:
        outputs: ``{flag: file}`` the command may write (None: not asked for).
        inputs: files or folders the command reads (None entries are ignored).
        folders: ``{flag: folder}`` outputs that are folders (created if missing).

    Raises:
        OutputPathError: one line naming the path, the flag and the reason.
    """
    ins = [Path(p) for p in inputs if p is not None]
    files = {flag: Path(p) for flag, p in outputs.items() if p is not None}
    dirs = {flag: Path(p) for flag, p in (folders or {}).items() if p is not None}
    for flag, out in {**files, **dirs}.items():
        try:
            out.resolve()
        except RuntimeError:  # Path.resolve's "Symlink loop"
            raise OutputPathError(
                f"{out}: cannot write {flag} (a symbolic link loop: it points back to itself)"
            ) from None
        for src in ins:
            if _same(out, src):
                raise OutputPathError(
                    f"{out}: {flag} names the input {src}; refusing to overwrite it, give "
                    "another path"
                )
    seen: dict[Path, str] = {}
    for flag, out in files.items():
        key = out.resolve()
        if key in seen:
            raise OutputPathError(f"{out}: given to both {seen[key]} and {flag}")
        seen[key] = flag
        if out.is_dir():
            raise OutputPathError(f"{out}: {flag} names a folder; give a file name")
        if out.exists() and not os.access(out, os.W_OK):
            raise OutputPathError(f"{out}: {flag} is not writable")
        why = _writable_folder(out.parent)
        if why:
            raise OutputPathError(f"{out}: cannot write {flag} ({why})")
    for flag, out in dirs.items():
        if out.exists() and not out.is_dir():
            raise OutputPathError(f"{out}: {flag} names a file; give a folder")
        why = _writable_folder(out)
        if why:
            raise OutputPathError(f"{out}: cannot write {flag} ({why})")


#: bytes of the output's name kept in its temporary name (a name may be 255 bytes in all)
TEMP_NAME_BYTES = 64


def temp_path(out: str | Path, suffix: str = ".part") -> Path:
    """A new empty file beside ``out`` to write it whole before :func:`os.replace`.

    Its name is short whatever ``out``'s is (a leading dot, at most :data:`TEMP_NAME_BYTES` of
    ``out``'s name, 8 random characters, ``suffix``), so any legal ``out`` name works.
    """
    out = Path(out)
    stem = os.fsencode(out.name)[:TEMP_NAME_BYTES].decode("utf-8", "ignore")
    fd, name = tempfile.mkstemp(prefix=f".{stem}.", suffix=suffix, dir=out.parent)
    os.close(fd)
    return Path(name)


def _new_file_mode() -> int:
    """The permission bits ``open(path, "w")`` gives a new file (0o666 less the umask)."""
    mask = os.umask(0o022)  # the only way to read the umask is to set it, then restore it
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_output(
    out: str | Path, mode_of: str | Path | None = None, suffix: str = ".part"
) -> Iterator[Path]:
    """Yield a temporary path (:func:`temp_path`) to write; moved onto ``out`` when the block
    ends without an error, removed otherwise: ``out`` is never seen half-written.

    Args:
        out: the file to make (its folder is created).
        mode_of: give the file this file's permission bits (default: what a new file gets
            under the umask; a temporary file starts as 0600).
        suffix: the temporary name's ending (``.npz`` for numpy's savez, which adds it).
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(out, suffix)
    try:
        tmp.chmod(stat.S_IMODE(Path(mode_of).stat().st_mode) if mode_of else _new_file_mode())
        yield tmp
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def file_sha256(path: str | Path) -> str:
    """sha256 (hex) of a file's bytes, what ``sha256sum`` prints; read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
