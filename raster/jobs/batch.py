"""Run ``text``, ``repair`` or ``identify`` over many files, serially or on Dask distributed.

Inputs and outputs are fsspec URLs (local paths, ``memory://``, ``s3://`` ...). Each file is
one task (:func:`run_file`): it copies the input to a local temporary file, runs the same
function the command runs (:func:`raster.pdf.text.read_text`, :func:`raster.pdf.repair.repair_pdf`,
:func:`raster.api.identify_font`), writes its output under ``OUT`` (to a ``.part`` name, then
moved: a reader never sees half a file), and returns one manifest row. The model is loaded once
per process (:func:`loaded_model`: a Dask worker process keeps it for all its tasks). The client
appends each row to ``OUT/manifest.jsonl`` as it arrives; a rerun skips every input whose row
has the same kind, release and options, so a killed batch resumes where it stopped (a bad input
stays done; a row marked ``retry``, from an unexpected error or a task whose workers died, is
run again). A task on a
worker that dies is run again by the scheduler on another (its output is written whole or not
at all). Dask is an optional extra (``pip install 'glyph-raster[dask]'``); a serial run
(``client=None``) needs only fsspec.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

import fsspec

from raster.errors import PdfInputError, RasterError
from raster.pdf.text import TextOptions

log = logging.getLogger(__name__)

KINDS = ("text", "repair", "identify")
MANIFEST = "manifest.jsonl"
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc", ".woff", ".woff2")
LIST_SUFFIXES = (".txt", ".lst", ".jsonl")  # a file naming one input per line

_LOCK = threading.Lock()
_MODELS: dict[tuple, object] = {}
#: models this process has loaded (a test reads it: one per worker process)
LOADS = 0


@dataclass(frozen=True)
class JobSpec:
    """What every task of a batch does (sent to the workers with each task).

    Attributes:
        kind: ``text``, ``repair`` or ``identify``.
        out: the output folder's URL.
        release: the model's name in manifest rows (:func:`model_release`).
        checkpoint, index: the model (None: the shipped one).
        charset: the document's language (``repair``'s ``--charset``).
        fmt: ``text``'s output format.
        options: the decisions' settings (``repair``'s flags; defaults are its defaults).
    """

    kind: str
    out: str
    release: str
    checkpoint: str | None = None
    index: str | None = None
    charset: str = "ar"
    fmt: str = "jsonl"
    options: TextOptions = field(default_factory=TextOptions)

    def settings(self) -> dict:
        """What a manifest row must match to count as done: kind, format, options."""
        extra = {"format": self.fmt} if self.kind == "text" else {}
        return {"kind": self.kind, "charset": self.charset, **extra, **asdict(self.options)}


def model_release(checkpoint: str | Path | None) -> str:
    """The release of the shipped model, or a checkpoint's name and the start of its sha256."""
    from raster.inference.shipped import RELEASE
    from raster.paths import file_sha256

    if checkpoint is None:
        return RELEASE
    return f"{Path(checkpoint).name}@{file_sha256(checkpoint)[:12]}"


def loaded_model(checkpoint: str | None, index: str | None):
    """The model of this process, loaded on first use (a worker loads it once for all its
    tasks; threads share it)."""
    global LOADS
    from raster.api import load_model

    key = (checkpoint, index)
    with _LOCK:
        if key not in _MODELS:
            _MODELS[key] = load_model(checkpoint, index=index)
            LOADS += 1
        return _MODELS[key]


def _local(url: str) -> str | None:
    fs, path = fsspec.core.url_to_fs(url)
    return path if "file" in _protocols(fs) else None


def _protocols(fs) -> tuple[str, ...]:
    return (fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)


def _join(folder: str, name: str) -> str:
    return folder.rstrip("/") + "/" + name


def list_inputs(inputs: list[str], kind: str) -> list[str]:
    """The input files: each item a file, a folder (its files of the kind's type, sorted,
    recursively), a glob, or a list of inputs: ``.txt``/``.lst`` one per line, ``.jsonl`` one
    ``{"input": URL}`` per line (a results manifest: its rows' inputs).

    Raises:
        PdfInputError: an input that does not exist, or a folder or glob with no file.
    """
    suffixes = FONT_SUFFIXES if kind == "identify" else (".pdf",)
    out: list[str] = []
    for item in inputs:
        fs, path = fsspec.core.url_to_fs(item)

        def url(p: str, fs=fs, item=item) -> str:
            return p if "file" in _protocols(fs) else fs.unstrip_protocol(p)

        if any(ch in path for ch in "*?["):
            found = sorted(fs.glob(path))
            if not found:
                raise PdfInputError(f"{item}: no file matches")
            out += [url(p) for p in found]
        elif fs.isdir(path):
            found = sorted(p for p in fs.find(path) if p.lower().endswith(suffixes))
            if not found:
                raise PdfInputError(f"{item}: folder holds no {'/'.join(suffixes)} file")
            out += [url(p) for p in found]
        elif not fs.exists(path):
            raise PdfInputError(f"{item}: no such file or folder")
        elif path.lower().endswith(LIST_SUFFIXES):
            with fs.open(path, "rt", encoding="utf-8") as fh:
                named = [x.strip() for x in fh if x.strip()]
            if path.lower().endswith(".jsonl"):
                named = list(dict.fromkeys(_listed(x, item) for x in named))
            out += list_inputs(named, kind)
        else:
            out.append(url(path))
    return out


def _listed(line: str, where: str) -> str:
    try:
        value = json.loads(line)
        return value if isinstance(value, str) else str(value["input"])
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise PdfInputError(f'{where}: a line is not {{"input": URL}}: {line[:60]}') from exc


def output_name(src: str, spec: JobSpec) -> str:
    name = PurePosixPath(src.split("://", 1)[-1]).name
    stem = name.rsplit(".", 1)[0]
    return {"text": f"{stem}.{spec.fmt}", "repair": name, "identify": f"{stem}.json"}[spec.kind]


def plan(inputs: list[str], spec: JobSpec) -> dict[str, str]:
    """input -> output URL.

    Raises:
        PdfInputError: two inputs would write one output, or an output is an input.
    """
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for src in inputs:
        dst = _join(spec.out, output_name(src, spec))
        if dst in seen:
            raise PdfInputError(f"{src} and {seen[dst]} would both be written as {dst}")
        if dst == src or (
            _local(dst)
            and _local(src)
            and Path(_local(dst)).resolve() == Path(_local(src)).resolve()
        ):
            raise PdfInputError(f"{src}: the output would overwrite it; pick another --out")
        seen[dst] = src
        out[src] = dst
    return out


def _work(local: Path, workdir: Path, src: str, spec: JobSpec, row: dict) -> bytes | None:
    """The task's own work on a local copy: the output's bytes (None: nothing to write)."""
    from raster.api import identify_font, pdf_identifier

    model = loaded_model(spec.checkpoint, spec.index)
    if spec.kind == "identify":
        preds = identify_font(local, model=model, charset=spec.charset)
        row["glyphs"] = len(preds)
        data = [asdict(p) for p in preds]
        return (json.dumps({"file": src, "glyphs": data}, ensure_ascii=False) + "\n").encode()
    identifier = pdf_identifier(model, spec.charset)
    o = spec.options
    if spec.kind == "text":
        from raster.pdf.text import read_text

        doc = read_text(local, identifier, o)
        doc.path = src
        row["pages"] = len(doc.pages)
        row["verdicts"] = [p.verdict for p in doc.pages]
        row["fonts_repaired"] = doc.repaired
        return doc.render(spec.fmt).encode("utf-8")
    from raster.pdf.repair import repair_pdf

    dst = workdir / "out.pdf"
    reports, written = repair_pdf(
        local,
        dst,
        identifier,
        min_confidence=o.min_confidence,
        keep_declared=o.keep_declared,
        suspect_share=o.suspect_share,
        context=o.context,
        language=o.language,
        glyph_weight=o.glyph_weight,
        clusters=o.clusters,
    )
    row["fonts_repaired"] = [r.font.label for r in reports if r.action == "repaired"]
    row["font_errors"] = [f"font {r.font.label}: {r.error}" for r in reports if r.error]
    return dst.read_bytes() if written else None


def _put(url: str, data: bytes) -> None:
    """Write ``url`` whole: to ``url.part``, then moved over (a reader never sees half)."""
    fs, path = fsspec.core.url_to_fs(url)
    parent = path.rsplit("/", 1)[0]
    if parent:
        fs.makedirs(parent, exist_ok=True)
    fs.pipe_file(path + ".part", data)
    fs.mv(path + ".part", path)


def run_file(src: str, dst: str, spec: JobSpec) -> dict:
    """One file: its output written to ``dst`` and its manifest row (``status``: ``ok``,
    ``nothing`` (repair: no font needed a map) or ``failed`` with ``error`` in one line)."""
    start = time.perf_counter()
    row: dict = {"input": src, "output": None, "status": "ok", "release": spec.release}
    local = Path()
    try:
        with tempfile.TemporaryDirectory(prefix="raster-batch-") as tmp:
            local = Path(tmp) / PurePosixPath(src.split("://", 1)[-1]).name
            with fsspec.open(src, "rb") as fh:
                local.write_bytes(fh.read())
            data = _work(local, Path(tmp), src, spec, row)
        if data is None:
            row["status"] = "nothing"
        else:
            _put(dst, data)
            row["output"] = dst
    except (RasterError, OSError, ValueError) as exc:  # a bad input: its reason
        row["status"] = "failed"
        row["error"] = _one_line(exc, local, src)
    except Exception as exc:  # a bug on this file: its row says so, the batch goes on
        log.exception("%s: unexpected error", src)
        row["status"] = "failed"
        row["error"] = f"unexpected {type(exc).__name__}: {_one_line(exc, local, src)}"
        row["retry"] = True
    row["seconds"] = round(time.perf_counter() - start, 3)
    row["settings"] = spec.settings()
    row["pid"] = os.getpid()
    return row


def _one_line(exc: BaseException, local: Path, src: str) -> str:
    """The error's first line, naming the input rather than its local copy."""
    line = (str(exc).splitlines() or [type(exc).__name__])[0]
    return line.replace(str(local), src).removeprefix(f"{src}: ")


def read_manifest(url: str) -> list[dict]:
    """The manifest's rows (none when it does not exist; a line cut short by a kill is
    skipped)."""
    fs, path = fsspec.core.url_to_fs(url)
    if not fs.exists(path):
        return []
    rows = []
    with fs.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return rows


def _append(url: str, rows: list[dict]) -> None:
    fs, path = fsspec.core.url_to_fs(url)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if "file" in _protocols(fs) or "memory" in _protocols(fs):
        fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        with fs.open(path, "ab") as fh:
            fh.write(text.encode("utf-8"))
        return
    old = fs.cat_file(path) if fs.exists(path) else b""  # object stores cannot append
    _put(url, old + text.encode("utf-8"))


@dataclass
class BatchResult:
    """The rows of this run (input order), and the inputs skipped as already done."""

    rows: list[dict]
    skipped: list[str]

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.rows if r["status"] == "failed"]


def run_batch(
    inputs: list[str],
    spec: JobSpec,
    client=None,
    on_row: Callable[[dict], None] | None = None,
) -> BatchResult:
    """Every input not done yet with this release and these settings, serially or on the
    Dask ``client``'s workers; each row appended to ``OUT/manifest.jsonl`` as it arrives.

    Raises:
        PdfInputError: an input is missing, or two would write one output.
    """
    todo = plan(list_inputs(inputs, spec.kind), spec)
    manifest = _join(spec.out, MANIFEST)
    done = {
        r["input"]
        for r in read_manifest(manifest)
        if r.get("release") == spec.release
        and r.get("settings") == spec.settings()
        and not r.get("retry")
    }
    skipped = [s for s in todo if s in done]
    todo = {s: d for s, d in todo.items() if s not in done}
    rows: dict[str, dict] = {}

    def arrived(row: dict) -> None:
        _append(manifest, [row])
        rows[row["input"]] = row
        if on_row is not None:
            on_row(row)

    if client is None:
        for src, dst in todo.items():
            arrived(run_file(src, dst, spec))
    else:
        from dask.base import tokenize
        from distributed import as_completed

        futures = {
            client.submit(
                run_file, src, dst, spec, key=f"raster-{spec.kind}-{tokenize(src, spec)}"
            ): src
            for src, dst in todo.items()
        }
        for future in as_completed(futures):
            try:
                row = future.result()
            except Exception as exc:  # the task itself failed: its workers died on it
                src = futures[future]
                row = {"input": src, "output": None, "status": "failed", "release": spec.release,
                       "error": f"{type(exc).__name__}: {_one_line(exc, Path(), src)}",
                       "settings": spec.settings(), "retry": True}  # fmt: skip
            arrived(row)
    return BatchResult([rows[s] for s in todo], skipped)
