"""Every command, three faults: a missing input, an unwritable output, a non-SQLite database.

Each must end with a non-zero exit code and one line naming the file and the reason, never a
traceback, and write nothing. The commands run in-process through ``main(argv)`` (a traceback
there is an exception the test sees); a few run as ``python -m`` to check what reaches stderr.
"""

from __future__ import annotations

import importlib
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import assert_no_traceback, tree_digest
from identify_helpers import tiny_run

ROOT = Path(__file__).resolve().parents[2]

# command -> {fault: argv template}; {missing} {bad_db} {db} {ckpt} {font} {out} {blocked} are
# filled per test (``blocked`` is a path under a regular file: no folder can be made there).
COMMANDS: dict[str, dict[str, list[str]]] = {
    "raster.ingest": {
        "missing": ["--db", "{out}/g.db", "--no-progress", "{missing}.ttf"],
        "unwritable": ["--db", "{blocked}/g.db", "--no-progress", "{font}"],
        "bad_db": ["--db", "{bad_db}", "--no-progress", "{font}"],
    },
    "raster.dbstats": {
        "missing": ["--db", "{missing}.db"],
        "bad_db": ["--db", "{bad_db}"],
    },
    "raster.rasterize": {
        "missing": ["--db", "{missing}.db", "--out-dir", "{out}/png"],
        "unwritable": ["--db", "{db}", "--out-dir", "{blocked}/png"],
        "bad_db": ["--db", "{bad_db}", "--out-dir", "{out}/png"],
    },
    "raster.visualize": {
        "missing": ["--db", "{missing}.db", "--out", "{out}/grid.png"],
        "unwritable": ["--db", "{db}", "--out", "{blocked}/grid.png"],
        "bad_db": ["--db", "{bad_db}", "--out", "{out}/grid.png"],
    },
    "raster.train": {
        "missing": ["--db", "{missing}.db", "--out-dir", "{out}/run", "--epochs", "1"],
        "unwritable": ["--db", "{db}", "--out-dir", "{blocked}/run", "--epochs", "1"],
        "bad_db": ["--db", "{bad_db}", "--out-dir", "{out}/run", "--epochs", "1"],
    },
    "raster.embed": {
        "missing": ["--db", "{db}", "--checkpoint", "{missing}.pt"]
        + ["--out-embeds", "{out}/e.npy", "--out-meta", "{out}/m.jsonl"],
        "unwritable": ["--db", "{db}", "--checkpoint", "{ckpt}"]
        + ["--out-embeds", "{blocked}/e.npy", "--out-meta", "{out}/m.jsonl"],
        "bad_db": ["--db", "{bad_db}", "--checkpoint", "{ckpt}"]
        + ["--out-embeds", "{out}/e.npy", "--out-meta", "{out}/m.jsonl"],
    },
    "raster.eval_similarity": {
        "missing": ["--embeds", "{missing}.npy", "--meta", "{missing}.jsonl"],
        "unwritable": [
            "--embeds",
            "{bad_db}",
            "--meta",
            "{bad_db}",
            "--json-out",
            "{blocked}/r.json",
        ],
    },
    "raster.index": {
        "missing": ["build", "--db", "{db}", "--checkpoint", "{missing}.pt", "--out", "{out}/ref"],
        "unwritable": ["build", "--db", "{db}", "--checkpoint", "{ckpt}", "--out", "{blocked}/ref"],
        "bad_db": ["build", "--db", "{bad_db}", "--checkpoint", "{ckpt}", "--out", "{out}/ref"],
    },
    "raster.identify": {
        "missing": ["{missing}.ttf", "--checkpoint", "{ckpt}", "--quiet"],
        "unwritable": ["{font}", "--checkpoint", "{ckpt}", "--quiet", "--out", "{blocked}/r.json"],
    },
    "raster.report": {
        "missing": ["{missing}"],
    },
    "raster.pdf check": {
        "missing": ["check", "{missing}.pdf", "--checkpoint", "{ckpt}"],
    },
    "raster.pdf repair": {
        "missing": ["repair", "{missing}.pdf", "{out}/o.pdf", "--checkpoint", "{ckpt}"],
        "unwritable": ["repair", "{font}", "{blocked}/o.pdf", "--checkpoint", "{ckpt}"],
    },
    "raster.review": {
        "missing": ["{missing}.pdf", "--checkpoint", "{ckpt}", "--out", "{out}/r.html"],
        "unwritable": ["{font}", "--checkpoint", "{ckpt}", "--out", "{blocked}/r.html"],
    },
    "raster.demo": {
        "unwritable": ["--db", "{blocked}/g.db", "--run-dir", "{out}/demo", "--ingest-only"],
        "bad_db": ["--db", "{bad_db}", "--run-dir", "{out}/demo", "--ingest-only"],
    },
}
CASES = [(cmd, fault) for cmd, faults in COMMANDS.items() for fault in faults]


@pytest.fixture
def places(tmp_path):
    run = tiny_run()
    out = tmp_path / "out"
    out.mkdir()
    blocker = tmp_path / "a_file"
    blocker.write_text("a file, not a folder\n")
    bad_db = tmp_path / "notes.db"
    bad_db.write_text("these are notes, not a database\n" * 20)
    return {
        "missing": str(tmp_path / "does_not_exist"),
        "bad_db": str(bad_db),
        "db": str(run["db"]),
        "ckpt": str(run["ckpt"]),
        "font": str(run["font"]),
        "out": str(out),
        "blocked": str(blocker),
        "_root": tmp_path,
    }


def _main(command: str):
    module = command.split()[0]
    if module == "raster.pdf":
        module = "raster.pdf.__main__"
    return importlib.import_module(module).main


@pytest.mark.parametrize(("command", "fault"), CASES, ids=[f"{c}-{f}" for c, f in CASES])
def test_fault_gives_one_line_and_an_exit_code(command, fault, places, caplog, capsys):
    argv = [a.format(**places) for a in COMMANDS[command][fault]]
    run_inputs = tree_digest(Path(places["db"]).parent)
    before = tree_digest(places["_root"])
    with caplog.at_level(logging.INFO):
        code = _main(command)(argv)  # an exception here is the traceback a user would see
    out, err = capsys.readouterr()
    assert isinstance(code, int) and code != 0, (code, out, err)
    assert_no_traceback(err)
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    said += [line for line in err.splitlines() if line.strip()]
    named = {
        "missing": places["missing"],
        "unwritable": places["blocked"],
        "bad_db": places["bad_db"],
    }
    assert any(named[fault] in line for line in said), said  # the line names the file
    assert all("\n" not in m for m in said)
    assert tree_digest(places["_root"]) == before  # nothing written, no input changed
    assert tree_digest(Path(places["db"]).parent) == run_inputs


@pytest.mark.parametrize(
    "argv",
    [
        ["raster.rasterize", "--db", "{bad_db}", "--out-dir", "{out}/png"],
        ["raster.pdf", "check", "{missing}.pdf", "--checkpoint", "{ckpt}"],
    ],
    ids=["rasterize-bad-db", "pdf-check-missing"],
)
def test_python_m_stderr_is_one_line(argv, places):
    argv = [a.format(**places) for a in argv]
    proc = subprocess.run(
        [sys.executable, "-m", *argv], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 2, proc.stderr
    assert_no_traceback(proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and (places["bad_db"] in lines[0] or places["missing"] in lines[0])
