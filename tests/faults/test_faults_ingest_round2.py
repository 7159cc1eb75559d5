"""Ingest faults of the second round (issue 29): workers outlive a killed parent, a database in
a read-only folder, symlink loops called "dangling"."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import assert_no_traceback, error_lines, read_only_folder, sha256

from raster import ingest

ROOT = Path(__file__).parents[2]


def _run(db, *args):
    return ingest.main(["--db", str(db), "--no-progress", *map(str, args)])


def _children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is ``pid`` (read from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state != "Z":
            out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# The parent: ingest with two workers whose parsing takes a minute (as a huge font would).
SLOW_INGEST = """
import sys, time
sys.path.insert(0, {root!r})
from raster.data import parse_pool
real = parse_pool.parse_font_file
def slow(*args, **kwargs):
    time.sleep(60)
    return real(*args, **kwargs)
parse_pool.parse_font_file = slow  # the workers are forked: they inherit it
from raster import ingest
sys.exit(ingest.main(["--db", {db!r}, "--no-progress", "--num-workers", "2", *{fonts!r}]))
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_workers_die_with_a_killed_parent(tmp_path, tiny_fonts):
    """SIGKILL to the parent of ``ingest --num-workers 2`` left both workers parsing (and
    holding the database folder) for minutes; now they end within seconds."""
    fonts = [str(tiny_fonts[k]) for k in ("arabic", "cff", "truetype")]
    code = SLOW_INGEST.format(root=str(ROOT), db=str(tmp_path / "g.db"), fonts=fonts)
    workers: list[int] = []
    parent = subprocess.Popen(
        [sys.executable, "-c", code], env={**os.environ, "OMP_NUM_THREADS": "1"}
    )
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = _children(parent.pid)
        assert len(workers) >= 2, workers
        parent.kill()  # SIGKILL: no finally, no atexit in the parent
        parent.wait()
        deadline = time.monotonic() + 5
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)], "workers outlived their parent"
    finally:  # on a failure: end the workers left behind (reparented by then)
        for w in [*workers, *_children(parent.pid)]:
            if _alive(w):
                os.kill(w, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()


@pytest.mark.parametrize("which", ["new", "existing", "new in a missing subfolder"])
def test_database_in_a_read_only_folder_names_the_folder(which, tmp_path, tiny_fonts, caplog):
    """It said only "database error: unable to open database file"."""
    folder = tmp_path / "ro"
    folder.mkdir()
    assert _run(folder / "old.db", tiny_fonts["arabic"]) == 0
    db = {
        "new": folder / "new.db",
        "existing": folder / "old.db",
        "new in a missing subfolder": folder / "sub" / "new.db",
    }[which]
    before = sha256(folder / "old.db")
    with read_only_folder(folder) as ro:
        if ro is None:
            pytest.skip("cannot make a read-only folder here (root without mount)")
        caplog.clear()
        assert _run(db, tiny_fonts["cff"]) == 2
        errors = [r.getMessage() for r in caplog.records if r.levelno >= 40]
        what = "written" if which == "existing" else "created"
        assert len(errors) == 1 and errors[0].startswith(
            f"{db}: the database cannot be {what}: its folder {folder} cannot be written ("
        ), errors
        assert "read-only file system" in errors[0] or "no write permission" in errors[0]
    assert sha256(folder / "old.db") == before
    assert not (folder / "new.db").exists() and not (folder / "sub").exists()


def test_a_symlink_loop_is_called_a_loop(tmp_path, tiny_fonts, capsys):
    folder = tmp_path / "fonts"
    folder.mkdir()
    shutil.copy(tiny_fonts["cff"], folder / "a.otf")
    (folder / "self.ttf").symlink_to(folder / "self.ttf")
    (folder / "ping.ttf").symlink_to(folder / "pong.ttf")
    (folder / "pong.ttf").symlink_to(folder / "ping.ttf")
    (folder / "gone.ttf").symlink_to(tmp_path / "deleted.ttf")
    assert _run(tmp_path / "g.db", folder) == 0
    err = capsys.readouterr().err
    assert_no_traceback(err)
    assert error_lines(err) == [
        f"{folder / 'gone.ttf'}: dangling symbolic link (its target {tmp_path / 'deleted.ttf'} "
        "does not exist)",
        f"{folder / 'ping.ttf'}: symlink loop (following its target {folder / 'pong.ttf'} "
        "never reaches a file)",
        f"{folder / 'pong.ttf'}: symlink loop (following its target {folder / 'ping.ttf'} "
        "never reaches a file)",
        f"{folder / 'self.ttf'}: symlink loop (following its target {folder / 'self.ttf'} "
        "never reaches a file)",
    ]
    loop = tmp_path / "loop.ttf"
    loop.symlink_to(loop)
    assert _run(tmp_path / "g2.db", loop) == 1  # given directly: nothing could be ingested
    assert f"{loop}: symlink loop" in capsys.readouterr().err
