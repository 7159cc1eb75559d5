"""The sections of docs/benchmarks.md, one module per bench: each owns its jobs and its
Markdown under its ``HEADING``. ``plan(quick, root, scratch) -> Plan``: full settings, or tiny
ones with ``quick`` (``root``: the repository; ``scratch``: a directory for a quick run's
files); ``markdown(result) -> lines``: the section's body from the JSON its bench wrote
(called when at least one job gave its JSON).
:mod:`bench.run_all` runs the plans and joins the Markdown. The jobs and the shared number
formats live here.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

DB = "dataset/glyphs.db"  # the demo's database, which most benches read


def shipped_model_missing(root) -> str | None:
    """Why a section that needs the shipped model is skipped (no release in the repository
    ``root``'s ``raster/weights/``), or None."""
    if any((root / "raster" / "weights").glob("*.json")):
        return None
    return "no shipped model in `raster/weights/`"


@dataclass
class Job:
    """One bench process: ``python -m MODULE ARGS --json-out DIR/KEY.json``."""

    key: str
    module: str
    args: list[str]

    def command(self) -> str:
        """The command as the doc shows it (without the runner's ``--json-out``)."""
        return shlex.join(["python", "-m", self.module, *self.args])


@dataclass
class Plan:
    """What one section runs, or why it is skipped (``skip``, Markdown)."""

    name: str
    jobs: list[Job] = field(default_factory=list)
    skip: str | None = None


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "es" if word.endswith("s") else "s")


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def one_job(name: str, module: str, args: list[str], skip: str | None = None) -> Plan:
    """A section run by one process of ``module`` whose JSON is keyed by the section's name
    (none when ``skip`` says why not)."""
    return Plan(name, skip=skip) if skip else Plan(name, [Job(name, module, args)])
