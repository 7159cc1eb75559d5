"""The model shipped inside the package (``raster/weights/``): find it, check it, load it.

A release is four files whose names carry its version (:data:`RELEASE`)::

    glyph-raster-r2.pt          the checkpoint (raster's format), float tensors stored as fp16;
                                read with ``weights_only=True`` and run in fp32
    glyph-raster-r2.onnx        the same network exported to ONNX (fp16-stored weights), run by
                                onnxruntime without importing torch (:mod:`.onnx_model`)
    glyph-raster-r2.index.npz   the reference index: int8 embeddings (N, D) with one fp32 scale
                                per dimension, int32 codes into the label names and font keys,
                                glyph ids, and the inverted lists of its approximate search
                                (:mod:`.reference`; no pickles)
    glyph-raster-r2.json        the sidecar: sha256 and size of each file, the label set, the
                                raster config, the index calibration, the recipe and the
                                corpus manifest's sha256

``identify``, ``pdf repair`` and the API run the ONNX file when the device is the CPU and
onnxruntime is installed (:func:`load_shipped_model`); a release without one (or
``--device cuda``) runs the checkpoint through torch.

Loading checks each file's sha256 against the sidecar first; a missing or altered file is a
one-line :class:`ShippedModelError`. :mod:`~raster.inference.release_packing` writes a release
from a trained checkpoint and its index (``python -m raster.release pack``).
"""

from __future__ import annotations

import json
import logging
import time
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from raster.errors import ShippedModelError  # noqa: F401  (re-exported)
from raster.paths import file_sha256

log = logging.getLogger(__name__)

RELEASE = "glyph-raster-r2"
SIDECAR_FORMAT = 1
INDEX_PACKAGE = "raster.weights"


@dataclass(frozen=True)
class ReleaseFiles:
    """The files of a release (they need not exist)."""

    model: Path
    index: Path
    sidecar: Path
    onnx: Path

    @classmethod
    def at(cls, folder: str | Path, release: str = RELEASE) -> ReleaseFiles:
        folder = Path(folder)
        return cls(
            folder / f"{release}.pt",
            folder / f"{release}.index.npz",
            folder / f"{release}.json",
            folder / f"{release}.onnx",
        )


def weights_dir() -> Path:
    """The installed ``raster/weights`` folder (package data, via ``importlib.resources``)."""
    return Path(str(resources.files(INDEX_PACKAGE)))


def shipped_files(folder: str | Path | None = None, release: str = RELEASE) -> ReleaseFiles:
    """The release's files in ``folder`` (default: the package's ``raster/weights``)."""
    return ReleaseFiles.at(folder if folder is not None else weights_dir(), release)


def read_sidecar(files: ReleaseFiles | None = None) -> dict:
    """The release's sidecar JSON.

    Raises:
        ShippedModelError: missing or unreadable sidecar.
    """
    files = files or shipped_files()
    try:
        info = json.loads(files.sidecar.read_text())
    except FileNotFoundError:
        raise ShippedModelError(
            f"{files.sidecar}: the shipped model is not installed (no sidecar); reinstall "
            "glyph-raster or pass --checkpoint"
        ) from None
    except (OSError, ValueError) as exc:
        raise ShippedModelError(f"{files.sidecar}: unreadable sidecar ({exc})") from exc
    if info.get("format") != SIDECAR_FORMAT or "files" not in info:
        raise ShippedModelError(f"{files.sidecar}: not a release sidecar (format {SIDECAR_FORMAT})")
    return info


def verify_file(path: Path, info: dict) -> str:
    """Check one release file against the sidecar; return its sha256.

    Raises:
        ShippedModelError: the file is missing or its sha256 differs from the sidecar's.
    """
    entry = info["files"].get(path.name)
    if entry is None:
        raise ShippedModelError(f"{path}: not listed in the release sidecar")
    if not path.exists():
        raise ShippedModelError(
            f"{path}: missing file of the shipped model; reinstall glyph-raster"
        )
    digest = file_sha256(path)
    if digest != entry["sha256"]:
        raise ShippedModelError(
            f"{path}: sha256 {digest[:12]}… differs from the sidecar's {entry['sha256'][:12]}… "
            "(damaged or replaced file; reinstall glyph-raster)"
        )
    return digest


def describe(info: dict) -> str:
    """One line naming a release: version, backbone, image size, labels, index rows."""
    mc = info.get("model_config", {})
    return (
        f"{info.get('release')} ({mc.get('backbone', '?')}, {info['raster_config']['img_size']} px, "
        f"{len(info.get('labels', []))} labels, index of {info.get('index', {}).get('n', '?')} glyphs)"
    )


def has_onnx(info: dict, files: ReleaseFiles) -> bool:
    """Whether the release lists an ONNX export of its network (releases before it did not)."""
    return files.onnx.name in info.get("files", {})


def load_shipped_model(
    device: str = "auto", files: ReleaseFiles | None = None, threads: int = 0, *, onnx: bool = True
):
    """The shipped network, after checking its files' sha256: the ONNX export on the CPU (no
    torch import) when ``onnx``, the release has one, onnxruntime is installed and ``device``
    is ``auto`` or ``cpu``; otherwise the checkpoint through torch on ``device`` (fp32).

    Returns:
        An :class:`~raster.inference.onnx_model.OnnxModel` or a
        :class:`~raster.inference.checkpoint_loader.LoadedModel`; both give ``raster``,
        ``index_to_label``, ``path`` (the checkpoint) and ``run_images``.
    """
    from raster.inference.onnx_model import load_onnx_model, onnxruntime_available

    files = files or shipped_files()
    info = read_sidecar(files)
    verify_file(files.model, info)  # its sha256 names the model in indexes built with it
    if onnx and device in ("auto", "cpu") and has_onnx(info, files) and onnxruntime_available():
        from raster.data.render import RasterConfig

        verify_file(files.onnx, info)
        raster = RasterConfig.from_dict(info["raster_config"])
        return load_onnx_model(files.onnx, files.model, raster, info["labels"], threads)
    from raster.inference.checkpoint_loader import load_model  # imports torch

    return load_model(files.model, device)


def load_shipped_index(files: ReleaseFiles | None = None):
    """The shipped reference index as a :class:`~raster.inference.index.ReferenceIndex`
    (embeddings dequantized to fp32 and re-normalized), after checking its sha256."""
    files = files or shipped_files()
    info = read_sidecar(files)
    verify_file(files.index, info)
    return read_packed_index(files.index, info)


class _PackedMeta(Sequence):
    """The ``meta`` rows of a packed index, made on access (N dicts cost a second to build)."""

    def __init__(self, gids: list[int], fkeys: list[str], fcodes: np.ndarray, labels, codes):
        self._g, self._fk, self._fc, self._labels, self._codes = gids, fkeys, fcodes, labels, codes

    def __len__(self) -> int:
        return len(self._g)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return {
            "glyph_id": int(self._g[i]),
            "f_id": self._fk[int(self._fc[i])],
            "label": self._labels[int(self._codes[i])],
        }


@dataclass(frozen=True)
class ReleaseCheck:
    """What :func:`verify_release` found: the sidecar, the files' size, the load times.

    Attributes:
        info: the sidecar.
        total_bytes: every listed file (checkpoint, ONNX export, index).
        sha_seconds, model_seconds, index_seconds: wall time (s) of the sha256 checks and loads.
        labels: labels of the model; rows: reference rows of the index.
        runtime: what runs the model (``OnnxModel`` or ``LoadedModel``, torch).
    """

    info: dict
    total_bytes: int
    sha_seconds: float
    model_seconds: float
    index_seconds: float
    labels: int
    rows: int
    runtime: str


def verify_release(folder: str | Path | None = None, release: str = RELEASE) -> ReleaseCheck:
    """Check a release's files against its sidecar's sha256s, then load its model and index.

    Raises:
        ShippedModelError: a file is missing or differs from the sidecar.
    """
    files = shipped_files(folder, release)
    t0 = time.perf_counter()
    info = read_sidecar(files)
    listed = [files.model, files.index] + ([files.onnx] if has_onnx(info, files) else [])
    for path in listed:
        verify_file(path, info)
    t1 = time.perf_counter()
    loaded = load_shipped_model("cpu", files)
    t2 = time.perf_counter()
    ref = load_shipped_index(files)
    t3 = time.perf_counter()
    return ReleaseCheck(
        info,
        sum(p.stat().st_size for p in listed),
        t1 - t0,
        t2 - t1,
        t3 - t2,
        len(loaded.index_to_label),
        len(ref),
        type(loaded).__name__,
    )


def read_packed_index(path: Path, info: dict):
    """A :class:`~raster.inference.reference.ReferenceIndex` from a packed ``.index.npz``
    (with its inverted lists, when packed with them: approximate search)."""
    from raster.inference.reference import (
        DEFAULT_NPROBE,
        InvertedLists,
        ReferenceIndex,
        first_non_finite,
    )

    try:
        with np.load(path, allow_pickle=False) as z:
            q, scale = z["embeddings_q"], z["scale"]
            codes, names = z["label_codes"].astype(np.int64), z["label_names"].tolist()
            gids, fkeys, fcodes = z["glyph_ids"], z["font_keys"].tolist(), z["font_codes"]
            ivf = (z["ivf_centroids"], z["ivf_lists"]) if "ivf_lists" in z.files else None
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise ShippedModelError(f"{path}: not a packed reference index ({exc})") from exc
    for name, values in (("scale", scale), ("ivf_centroids", ivf[0] if ivf else scale[:0])):
        bad = first_non_finite(values)
        if bad is not None:
            raise ShippedModelError(
                f"{path}: non-finite value in its {name}, row {bad}; reinstall glyph-raster"
            )
    inverted = None
    if ivf is not None:
        nprobe = int(info.get("index", {}).get("inverted_lists", {}).get("nprobe", DEFAULT_NPROBE))
        inverted = InvertedLists(ivf[0], ivf[1], nprobe)
    meta = _PackedMeta(gids, fkeys, fcodes, names, codes)
    index_info = {**info.get("index", {}), "path": str(path)}
    return ReferenceIndex.from_codes(
        path, index_info, q, scale, meta, [str(n) for n in names], codes, inverted
    )


def load_shipped_predictor(
    device: str = "cpu",
    method: str | None = None,
    k: int | None = None,
    files: ReleaseFiles | None = None,
):
    """The shipped model and its index as a :class:`~raster.inference.predict.Predictor`."""
    from raster.inference.predict import Predictor

    files = files or shipped_files()
    loaded = load_shipped_model(device, files)
    ref = load_shipped_index(files)
    return Predictor(loaded, ref, k=k)


def model_or_shipped(checkpoint: str | Path | None, device: str = "cpu"):
    """``load_model(checkpoint)``, or the shipped model when ``checkpoint`` is None (said in
    one log line)."""
    from raster.inference.checkpoint_loader import load_model

    if checkpoint is not None:
        return load_model(checkpoint, device)
    files = shipped_files()
    log_shipped(read_sidecar(files))
    return load_shipped_model(device, files, onnx=False)


def log_shipped(info: dict) -> None:
    """The one log line saying a command runs the shipped model (no ``--checkpoint``)."""
    log.info("no --checkpoint: using the shipped model %s", describe(info))


def model_name(checkpoint: str | Path | None) -> str:
    """The model's name for pages and reports: the checkpoint's file name, or the shipped
    release's when there is no ``--checkpoint``."""
    return Path(checkpoint).name if checkpoint is not None else f"{RELEASE} (shipped)"
