"""Write a release (``python -m raster.release pack``): the fp16 checkpoint, its ONNX export,
the int8 packed reference index and the sha256 sidecar that :mod:`~raster.inference.shipped`
checks and loads.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from raster.inference.shipped import RELEASE, SIDECAR_FORMAT, ReleaseFiles
from raster.paths import atomic_output, file_sha256


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
