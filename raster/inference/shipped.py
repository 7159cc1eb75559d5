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
onnxruntime is installed (:func:`load_inference_model`); a release without one (or
``--device cuda``) runs the checkpoint through torch.

Loading checks each file's sha256 against the sidecar first; a missing or altered file is a
one-line :class:`ShippedModelError`. :func:`pack_release` writes a release from a trained
checkpoint and its index (``python -m raster.release``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from raster.errors import CheckpointError
from raster.paths import atomic_output, file_sha256

log = logging.getLogger(__name__)

RELEASE = "glyph-raster-r2"
SIDECAR_FORMAT = 1
INDEX_PACKAGE = "raster.weights"


class ShippedModelError(CheckpointError):
    """The shipped model is missing or does not match its sidecar; one-line reason."""


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


def load_shipped_model(device: str = "cpu", files: ReleaseFiles | None = None):
    """The shipped checkpoint as a :class:`~raster.inference.checkpoint_loader.LoadedModel` (fp32 on
    ``device``), after checking its sha256."""
    from raster.inference.checkpoint_loader import load_model

    files = files or shipped_files()
    info = read_sidecar(files)
    verify_file(files.model, info)
    return load_model(files.model, device)


def has_onnx(info: dict, files: ReleaseFiles) -> bool:
    """Whether the release lists an ONNX export of its network (releases before it did not)."""
    return files.onnx.name in info.get("files", {})


def load_inference_model(device: str = "auto", files: ReleaseFiles | None = None, threads: int = 0):
    """The shipped network for answering: the ONNX export on the CPU (no torch import) when
    the release has one, onnxruntime is installed and ``device`` is ``auto`` or ``cpu``;
    otherwise the checkpoint through torch on ``device``. Checks the files' sha256 first.

    Returns:
        An :class:`~raster.inference.onnx_model.OnnxModel` or a
        :class:`~raster.inference.checkpoint_loader.LoadedModel`; both give ``raster``,
        ``index_to_label``, ``path`` (the checkpoint) and ``run_images``.
    """
    from raster.inference.onnx_model import load_onnx_model, onnxruntime_available

    files = files or shipped_files()
    info = read_sidecar(files)
    if device in ("auto", "cpu") and has_onnx(info, files) and onnxruntime_available():
        from raster.data.render import RasterConfig

        verify_file(files.model, info)  # its sha256 names the model in indexes built with it
        verify_file(files.onnx, info)
        raster = RasterConfig.from_dict(info["raster_config"])
        return load_onnx_model(files.onnx, files.model, raster, info["labels"], threads)
    return load_shipped_model(device, files)


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
    """

    info: dict
    total_bytes: int
    sha_seconds: float
    model_seconds: float
    index_seconds: float
    labels: int
    rows: int


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
    loaded = load_inference_model("cpu", files)
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
    )


def read_packed_index(path: Path, info: dict):
    """A :class:`~raster.inference.reference.ReferenceIndex` from a packed ``.index.npz``
    (with its inverted lists, when packed with them: approximate search)."""
    from raster.inference.reference import DEFAULT_NPROBE, InvertedLists, ReferenceIndex

    try:
        with np.load(path, allow_pickle=False) as z:
            q, scale = z["embeddings_q"], z["scale"]
            codes, names = z["label_codes"].astype(np.int64), z["label_names"].tolist()
            gids, fkeys, fcodes = z["glyph_ids"], z["font_keys"].tolist(), z["font_codes"]
            ivf = (z["ivf_centroids"], z["ivf_lists"]) if "ivf_lists" in z.files else None
    except (OSError, KeyError, ValueError) as exc:
        raise ShippedModelError(f"{path}: not a packed reference index ({exc})") from exc
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
    loaded = load_inference_model(device, files)
    ref = load_shipped_index(files)
    return Predictor(loaded, ref, k=k)


# ----------------------------------------------------------------------------- packing


def half_checkpoint(src: str | Path, dst: str | Path) -> Path:
    """Write ``dst``: the inference part of checkpoint ``src`` with float tensors in fp16.

    Keeps the model, its configs, label map, args, epoch and metrics; drops optimizer and
    RNG states. :func:`~raster.inference.checkpoint_loader.load_model` reads it (weights back to fp32).
    """
    import torch

    from raster.engine.checkpoint import load_checkpoint, save_checkpoint

    ckpt = load_checkpoint(src)
    state = {k: (v.half() if torch.is_floating_point(v) else v) for k, v in ckpt["model"].items()}
    keep = ("epoch", "args", "model_config", "raster_config", "label_to_index", "metrics", "best")
    payload = {k: ckpt[k] for k in keep if k in ckpt}
    payload.update(model=state, weights_only=True, weights_dtype="float16")
    payload.pop("format", None)
    return save_checkpoint(dst, payload)


def quantize_int8(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-dimension int8: ``(q int8 (N, D), scale float32 (D,))``, x ≈ q * scale."""
    x = np.asarray(vectors, np.float32)
    scale = np.abs(x).max(axis=0) / 127.0 if len(x) else np.ones(x.shape[1], np.float32)
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    q = np.clip(np.rint(x / scale[None, :]), -127, 127).astype(np.int8)
    return q, scale


def pack_index(index_dir: str | Path, out: str | Path) -> dict:
    """Write a reference index directory (``index build``) as a packed ``.index.npz``, with
    the inverted lists of its approximate search (k-means of the rows as they load back).

    Returns:
        The index part of the sidecar: row count, dims, labels, calibration, inverted lists,
        source info.
    """
    from raster.inference.index import load_index
    from raster.inference.reference import (
        DEFAULT_NPROBE,
        dequantize,
        inverted_list_count,
        train_inverted_lists,
    )

    ref = load_index(index_dir)
    q, scale = quantize_int8(ref.vectors)
    n_lists = inverted_list_count(len(ref))
    inverted = train_inverted_lists(dequantize(q, scale), n_lists, DEFAULT_NPROBE)
    font_keys, font_codes = np.unique(
        np.asarray([str(m["f_id"]) for m in ref.meta]), return_inverse=True
    )
    out = Path(out)
    with atomic_output(out, suffix=".npz") as tmp:  # savez adds .npz to a name without it
        np.savez_compressed(
            tmp,
            embeddings_q=q,
            scale=scale,
            label_codes=ref.label_codes.astype(np.int32),
            label_names=np.asarray(ref.label_names),
            glyph_ids=np.asarray([int(m["glyph_id"]) for m in ref.meta], np.int64),
            font_keys=font_keys,
            font_codes=font_codes.astype(np.int32),
            ivf_centroids=inverted.centroids,
            ivf_lists=inverted.lists,
        )
    info = dict(ref.info)
    keep = ("fingerprint", "embed_dim", "n", "n_val", "labels", "ligatures", "calibration")
    return {
        **{k: info[k] for k in keep if k in info},
        "quantization": "int8, symmetric, one fp32 scale per dimension; rows re-normalized",
        "inverted_lists": {"lists": len(inverted.centroids), "nprobe": inverted.nprobe},
        "source_db": info.get("db"),
    }


def pack_release(
    checkpoint: str | Path,
    index_dir: str | Path,
    out_dir: str | Path,
    *,
    release: str = RELEASE,
    recipe: dict | None = None,
    corpus_manifest: str | Path | None = None,
    extra: dict | None = None,
) -> dict:
    """Write the release's files into ``out_dir`` (checkpoint, its ONNX export, packed index,
    sidecar) and return the sidecar.

    Args:
        checkpoint: the fp16 checkpoint (:func:`half_checkpoint`) the index was built with.
        index_dir: its reference index directory (its fingerprint must be the checkpoint's).
        recipe: how the model was trained (command, flags, time, machine), stored as given.
        corpus_manifest: the corpus manifest JSON; its sha256 (and its font list's families)
            go into the sidecar.
    """
    import shutil

    from raster.engine.checkpoint import load_checkpoint
    from raster.inference.index import load_index

    files = ReleaseFiles.at(out_dir, release)
    files.model.parent.mkdir(parents=True, exist_ok=True)
    load_index(index_dir, checkpoint)  # refuses an index of another checkpoint
    if Path(checkpoint).resolve() != files.model.resolve():
        shutil.copyfile(checkpoint, files.model)
    index_info = pack_index(index_dir, files.index)
    from raster.inference.onnx_model import export_onnx

    export_onnx(files.model, files.onnx)
    ckpt = load_checkpoint(files.model)
    l2i = ckpt["label_to_index"]
    labels = sorted(l2i, key=lambda lab: int(l2i[lab]))
    manifest = None
    if corpus_manifest is not None:
        manifest = {"path": str(corpus_manifest), "sha256": file_sha256(corpus_manifest)}
    info = {
        "format": SIDECAR_FORMAT,
        "release": release,
        "files": {
            p.name: {"sha256": file_sha256(p), "bytes": p.stat().st_size}
            for p in (files.model, files.onnx, files.index)
        },
        "model_config": ckpt["model_config"],
        "raster_config": ckpt["raster_config"],
        "weights_dtype": ckpt.get("weights_dtype", "float32"),
        "labels": labels,
        "index": index_info,
        "recipe": recipe or {},
        "corpus_manifest": manifest,
        "training": {
            "epoch": ckpt.get("epoch"),
            "best": ckpt.get("best"),
            "metrics": ckpt.get("metrics"),
        },
        **(extra or {}),
    }
    files.sidecar.write_text(json.dumps(info, indent=1, ensure_ascii=False) + "\n")
    return info


def model_or_shipped(checkpoint: str | Path | None, device: str = "cpu"):
    """``load_model(checkpoint)``, or the shipped model when ``checkpoint`` is None (said in
    one log line)."""
    from raster.inference.checkpoint_loader import load_model

    if checkpoint is not None:
        return load_model(checkpoint, device)
    files = shipped_files()
    log_shipped(read_sidecar(files))
    return load_shipped_model(device, files)


def log_shipped(info: dict) -> None:
    """The one log line saying a command runs the shipped model (no ``--checkpoint``)."""
    log.info("no --checkpoint: using the shipped model %s", describe(info))


def model_name(checkpoint: str | Path | None) -> str:
    """The model's name for pages and reports: the checkpoint's file name, or the shipped
    release's when there is no ``--checkpoint``."""
    return Path(checkpoint).name if checkpoint is not None else f"{RELEASE} (shipped)"
