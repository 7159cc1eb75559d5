"""The README's Quickstart runs as written on the files of ``examples/`` (the shipped model's
ONNX path), and prints what the README quotes."""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def quickstart() -> str:
    """The README's "Out of the box" section."""
    text = README.read_text(encoding="utf-8")
    start = text.index("### Out of the box")
    return text[start : text.index("\n### ", start + 1)]


def blocks(section: str, lang: str) -> list[str]:
    """The bodies of the section's fenced blocks of ``lang`` ("" = no language)."""
    found = re.findall(r"^```(\w*)\n(.*?)^```", section, flags=re.S | re.M)
    return [body for tag, body in found if tag == lang]


def run(line: str) -> int:
    """One README command line (``.venv/bin/python -m raster.X ARGS``) through its ``main``."""
    words = shlex.split(line)
    assert words[:2] == [".venv/bin/python", "-m"], line
    module = importlib.import_module(words[2])
    if not hasattr(module, "main"):  # a package: python -m runs its __main__
        module = importlib.import_module(f"{words[2]}.__main__")
    return module.main(words[3:])


@pytest.fixture
def in_a_fresh_folder(tmp_path, monkeypatch):
    """The README's relative paths, from a folder that holds ``examples/`` and nothing else."""
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_example_files_exist_and_are_small():
    for line in blocks(quickstart(), "bash")[0].splitlines():
        for word in shlex.split(line):
            if word.startswith("examples/"):
                assert (ROOT / word).stat().st_size < 300_000, word
    for licence in ("OFL-Amiri.txt", "OFL-Tajawal.txt"):
        assert "SIL Open Font License" in (ROOT / "examples" / licence).read_text()


def test_the_quickstart_commands_run_as_written(in_a_fresh_folder, capsys):
    from raster.pdf.text_accuracy import char_accuracy, extract_text

    section = quickstart()
    repair, ident = blocks(section, "bash")[0].strip().splitlines()
    assert run(repair) == 0
    quoted = [ln for ln in blocks(section, "")[0].splitlines() if not ln.startswith("raster.")]
    assert capsys.readouterr().out.splitlines() == quoted  # the README's output block, exactly
    truth = (ROOT / "examples" / "broken.txt").read_text(encoding="utf-8")
    accuracy = char_accuracy(extract_text(in_a_fresh_folder / "fixed.pdf"), truth)
    said = float(re.search(r"after the repair, ([\d.]+) %", section).group(1))
    assert accuracy * 100 >= said - 0.05, (accuracy, said)
    assert run(ident) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].split()[:4] == ["gid", "glyph", "name", "char"] and len(rows) > 300


def test_the_quickstart_api_snippet_runs(in_a_fresh_folder):
    (snippet,) = blocks(quickstart(), "python")
    scope: dict = {}
    exec(snippet, scope)  # noqa: S102 - the README's own code
    assert len(scope["rows"]) > 300
    assert (in_a_fresh_folder / "fixed.pdf").stat().st_size > 0
