"""The shipped model as an ONNX graph run by onnxruntime: inference without importing PyTorch.

Importing torch costs ~2 s and ~650 MB of resident memory before a single glyph is read, more
than the rest of ``identify`` on a typical font. A release therefore also ships its network
exported to ONNX (``glyph-raster-rN.onnx``); ``identify``, ``pdf repair`` and the Python API run
it on the CPU with onnxruntime when no ``--checkpoint`` is given. It computes what
:func:`~raster.inference.embedding.forward_batches` computes (the logits ``class_logits`` gives
in evaluation and the unit-norm embedding) from the same network.

Weights are stored in the file as fp16 initializers, each followed by a ``Cast`` to float32:
onnxruntime folds the casts once when it builds the session, and the graph runs in fp32.
torch remains the path for ``--checkpoint`` runs, ``--device cuda``, training and indexing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from raster.data.render import RasterConfig
from raster.errors import CheckpointError
from raster.paths import atomic_output

INPUT_NAME = "images"
OUTPUT_NAMES = ("logits", "embedding")
OPSET = 17
FP16_MIN_ELEMENTS = 1024  # smaller initializers (biases, scales) stay fp32
# Images per session run, whatever the caller's batch size: onnxruntime keeps the activation
# memory of its largest batch for the session's life (~190 MB at 256 images of 64 px), and 64
# ran ~7 % faster than 256 on one core (IBM Plex Sans Arabic, 1,701 glyphs).
ONNX_BATCH = 64


@dataclass
class OnnxModel:
    """An exported release network with what inference needs next to it (the torch-free
    counterpart of :class:`~raster.inference.checkpoint_loader.LoadedModel`).

    Attributes:
        session: the onnxruntime session (CPU).
        raster: the raster config training used.
        index_to_label: label string per classifier output.
        path: the release's checkpoint file the graph was exported from (indexes built with
            the shipped model name its sha256).
        onnx_path: the ``.onnx`` file.
        threads: intra-op threads of the session.
    """

    session: object
    raster: RasterConfig
    index_to_label: list[str]
    path: Path
    onnx_path: Path
    threads: int
    device: str = "cpu"

    @property
    def img_size(self) -> int:
        return self.raster.img_size

    def run_images(
        self, images: np.ndarray, batch_size: int = 256, progress: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Logits float32 (N, C) and unit-norm embeddings float32 (N, D) of uint8 (N, S, S)
        renders (ink = 255)."""
        from raster.progress import progress_bar

        s = self.img_size
        if images.ndim != 3 or images.shape[1:] != (s, s):
            raise ValueError(f"images must be (N, {s}, {s}); got {images.shape}")
        logits, embs = [], []
        bar = progress_bar(total=len(images), desc="identify", unit="glyph", enabled=progress)
        step = max(1, min(batch_size, ONNX_BATCH))
        for start in range(0, len(images), step):
            chunk = images[start : start + step].astype(np.float32)
            chunk *= np.float32(1.0 / 255.0)
            lo, em = self.session.run(list(OUTPUT_NAMES), {INPUT_NAME: chunk[:, None]})
            logits.append(lo)
            embs.append(em)
            bar.update(len(chunk))
        bar.close()
        if not logits:
            n_out = self.session.get_outputs()
            return (
                np.zeros((0, len(self.index_to_label)), np.float32),
                np.zeros((0, int(n_out[1].shape[1])), np.float32),
            )
        return np.concatenate(logits), np.concatenate(embs)


def onnxruntime_available() -> bool:
    """Whether onnxruntime can be imported (an optional dependency of the fast path)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def load_onnx_model(
    onnx_path: str | Path,
    checkpoint_path: str | Path,
    raster: RasterConfig,
    labels: list[str],
    threads: int = 0,
) -> OnnxModel:
    """Open an exported graph in an onnxruntime CPU session.

    Args:
        onnx_path: the ``.onnx`` file (:func:`export_onnx`).
        checkpoint_path: the checkpoint it was exported from (kept as :attr:`OnnxModel.path`).
        raster: the raster config of that checkpoint; labels: its classifier's labels.
        threads: intra-op threads (0 = :func:`~raster.engine.threads.default_threads`).

    Raises:
        CheckpointError: onnxruntime cannot read the file, or its outputs do not match the
            labels.
    """
    import onnxruntime as ort

    from raster.engine.threads import default_threads

    onnx_path = Path(onnx_path)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = default_threads(threads)
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3  # errors only: no warnings about the folded casts
    try:
        session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own (non-builtin) exception types
        reason = " ".join(str(exc).split())  # one line
        raise CheckpointError(f"{onnx_path}: onnxruntime cannot load it ({reason})") from exc
    outputs = {o.name: o.shape for o in session.get_outputs()}
    if list(outputs) != list(OUTPUT_NAMES) or outputs["logits"][1] != len(labels):
        raise CheckpointError(
            f"{onnx_path}: outputs {outputs} do not match {len(labels)} labels and an embedding"
        )
    return OnnxModel(
        session, raster, list(labels), Path(checkpoint_path), onnx_path, opts.intra_op_num_threads
    )


def export_onnx(checkpoint: str | Path, out: str | Path) -> Path:
    """Write a checkpoint's network as an ONNX graph: float32 (N, 1, S, S) images in [0, 1] ->
    ``logits`` (N, C) and ``embedding`` (N, D), N dynamic; weights stored as fp16.

    The graph is the inference model :func:`~raster.inference.checkpoint_loader.load_model`
    builds (LeViT with its BatchNorms folded into the linear layers: onnxruntime runs the
    unfolded training graph ~30 % slower); the folded weights are rounded to fp16 for the
    file, so the two paths agree to ~1e-2 in the logits (``bench/bench_release_precision.py``
    measures what it changes in the answers).

    Args:
        checkpoint: a glyph-raster checkpoint (the release's fp16 one).
        out: the ``.onnx`` file to write (replaced atomically).
    """
    import io
    import warnings

    import onnx
    import torch

    from raster.engine.loop import class_logits
    from raster.inference.checkpoint_loader import load_model
    from raster.metrics.knn import l2_normalize

    loaded = load_model(checkpoint, "cpu")

    class _Outputs(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, images):
            out = self.model(images)
            logits = class_logits(self.model, out, None, loaded.loss_cfg)
            return logits, l2_normalize(out["embedding"])

    wrapper = _Outputs(loaded.model).eval()
    s = loaded.img_size
    buf = io.BytesIO()
    dynamic = {name: {0: "n"} for name in (INPUT_NAME, *OUTPUT_NAMES)}
    with torch.no_grad(), warnings.catch_warnings():
        # The TorchScript exporter (dynamo=False; it warns that it is the legacy one): the
        # dynamo one needs onnxscript, a dependency this project does not otherwise have.
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            wrapper,
            (torch.zeros(2, 1, s, s),),
            buf,
            input_names=[INPUT_NAME],
            output_names=list(OUTPUT_NAMES),
            dynamic_axes=dynamic,
            opset_version=OPSET,
            dynamo=False,
        )
    graph = onnx.load_from_string(buf.getvalue())
    _store_weights_fp16(graph)
    onnx.checker.check_model(graph)
    out = Path(out)
    with atomic_output(out) as tmp:
        tmp.write_bytes(graph.SerializeToString())
    return out


def _store_weights_fp16(model) -> None:
    """Turn each large float32 initializer into fp16 plus a ``Cast`` back to float32 under its
    old name: the file is half the size and the graph still computes in fp32."""
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    casts = []
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT:
            continue
        arr = numpy_helper.to_array(init)
        if arr.size < FP16_MIN_ELEMENTS:
            continue
        name = init.name
        half = numpy_helper.from_array(arr.astype(np.float16), name + "__fp16")
        init.CopyFrom(half)
        casts.append(helper.make_node("Cast", [name + "__fp16"], [name], to=TensorProto.FLOAT))
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts + nodes)
