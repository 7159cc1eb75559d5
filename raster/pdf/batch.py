"""Repair many PDFs with one loaded model: files or folders in, one output folder, a line each.

Inputs are PDF files or folders (their ``*.pdf`` files, sorted, not recursive). Each output is
``OUT_DIR/<input name>``; an input whose output would overwrite it, two inputs with the
same name, or an output that exists and is not an earlier repair of its input (unless
``force``) are refused before any work. Files run in ``jobs`` threads (the model is shared:
torch and pdf parsing release the interpreter lock for most of their work). A file that fails
gets its one-line reason; the others are still repaired.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from raster.pdf.document import PdfInputError
from raster.pdf.repair import FontReport, repair_pdf
from raster.pdf.surgery import is_earlier_output


@dataclass
class FileResult:
    """What happened to one input: its reports, whether an output was written, or why not."""

    src: Path
    dst: Path
    reports: list[FontReport] = field(default_factory=list)
    written: bool = False
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One line for the console: ``IN -> OUT: repaired 2 fonts, kept 1, skipped 1 (...)``."""
        if self.error:
            return f"{self.src}: FAILED: {self.error.removeprefix(f'{self.src}: ')}"
        actions = [r.action for r in self.reports]
        counts = ", ".join(
            f"{name} {actions.count(name)}"
            for name in ("repaired", "kept", "skipped")
            if actions.count(name)
        )
        failed = [r for r in self.reports if r.error]
        why = f" ({len(failed)} font(s) not readable: {failed[0].error})" if failed else ""
        more = f"; {len(self.notes)} note(s): {self.notes[0]}" if self.notes else ""
        if not self.written:
            return f"{self.src}: nothing written ({counts or 'no fonts'}){why}{more}"
        return f"{self.src} -> {self.dst}: {counts}{why}{more}"


def collect_inputs(paths: list[Path]) -> list[Path]:
    """The PDF files named or inside the folders named (sorted per folder).

    Raises:
        PdfInputError: a path that does not exist, or a folder without PDFs.
    """
    out = []
    for p in paths:
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.suffix.lower() == ".pdf" and q.is_file())
            if not found:
                raise PdfInputError(f"{p}: folder holds no .pdf file")
            out += found
        elif p.exists():
            out.append(p)
        else:
            raise PdfInputError(f"{p}: no such file or folder")
    return out


def plan_outputs(inputs: list[Path], out_dir: Path, force: bool = False) -> list[tuple[Path, Path]]:
    """(input, output) pairs.

    Raises:
        PdfInputError: two inputs share a name, an output would overwrite an input, or (unless
            ``force``) an output exists and is not an earlier repair of its input.
    """
    pairs, seen = [], {}
    for src in inputs:
        dst = out_dir / src.name
        if dst.name in seen:
            raise PdfInputError(f"{src} and {seen[dst.name]} would both be written as {dst}")
        if dst.resolve() == src.resolve():
            raise PdfInputError(f"{src}: the output would overwrite it; pick another --out-dir")
        if not force:
            refuse_foreign_output(src, dst)
        seen[dst.name] = src
        pairs.append((src, dst))
    return pairs


def refuse_foreign_output(src: Path, dst: Path) -> None:
    """Refuse an existing ``dst`` that is not an earlier repair of ``src`` (``--force``
    overwrites it).

    Raises:
        PdfInputError: one line naming ``dst``.
    """
    if (dst.exists() or dst.is_symlink()) and not is_earlier_output(src, dst):
        raise PdfInputError(
            f"{dst}: exists and is not an earlier repair of {src}; refusing to overwrite it "
            "(to repair several PDFs give --out-dir DIR; --force overwrites)"
        )


def repair_many(
    pairs: list[tuple[Path, Path]],
    identifier,
    *,
    jobs: int = 1,
    on_done: Callable[[FileResult], None] | None = None,
    **options,
) -> list[FileResult]:
    """Repair each (input, output) pair (``options``: see :func:`raster.pdf.repair.repair_pdf`);
    ``on_done`` is called as each file finishes. Results in input order."""

    def one(pair: tuple[Path, Path]) -> FileResult:
        res = FileResult(*pair)
        try:
            res.reports, res.written = repair_pdf(
                pair[0], pair[1], identifier, notes=res.notes, **options
            )
        except (PdfInputError, OSError) as exc:
            res.error = str(exc)
        if on_done is not None:
            on_done(res)
        return res

    if jobs <= 1:
        return [one(p) for p in pairs]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, pairs))
