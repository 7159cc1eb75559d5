"""The ONNX export of a checkpoint: same outputs as the torch path, and the shipped model
answers without importing torch."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from identify_helpers import tiny_run

from raster.errors import CheckpointError
from raster.inference.checkpoint_loader import load_model
from raster.inference.font_glyphs import read_font_glyphs
from raster.inference.onnx_model import export_onnx, load_onnx_model


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    run = tiny_run()
    out = export_onnx(run["ckpt"], tmp_path_factory.mktemp("onnx") / "tiny.onnx")
    loaded = load_model(run["ckpt"])
    return loaded, load_onnx_model(out, run["ckpt"], loaded.raster, loaded.index_to_label, 1)


def test_onnx_outputs_match_the_torch_model(exported):
    loaded, onnx_model = exported
    images = read_font_glyphs(tiny_run()["font"]).render(loaded.raster)
    logits_t, emb_t = loaded.run_images(images, batch_size=7)
    logits_o, emb_o = onnx_model.run_images(images, batch_size=5)  # batches need not match
    assert logits_o.shape == logits_t.shape and emb_o.shape == emb_t.shape
    assert np.array_equal(logits_o.argmax(1), logits_t.argmax(1))
    assert np.abs(logits_o - logits_t).max() < 0.05  # fp16-stored folded weights
    assert np.allclose(np.linalg.norm(emb_o, axis=1), 1.0, atol=1e-5)
    assert (emb_o * emb_t).sum(1).min() > 0.999


def test_onnx_model_checks_its_inputs(exported):
    _, onnx_model = exported
    s = onnx_model.img_size
    with pytest.raises(ValueError, match=rf"\(N, {s}, {s}\)"):
        onnx_model.run_images(np.zeros((2, s + 16, s), np.uint8))
    logits, emb = onnx_model.run_images(np.zeros((0, s, s), np.uint8))
    assert logits.shape == (0, len(onnx_model.index_to_label)) and emb.shape[0] == 0


def test_a_graph_of_other_labels_is_refused(exported, tmp_path):
    loaded, onnx_model = exported
    with pytest.raises(CheckpointError, match="do not match"):
        load_onnx_model(onnx_model.onnx_path, loaded.path, loaded.raster, ["a", "b"])
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a graph")
    with pytest.raises(CheckpointError, match="onnxruntime cannot load it") as exc:
        load_onnx_model(bad, loaded.path, loaded.raster, loaded.index_to_label)
    assert "\n" not in str(exc.value) and str(bad) in str(exc.value)


def test_the_shipped_model_answers_without_importing_torch():
    """identify's whole path with the shipped release, in a fresh interpreter."""
    font = tiny_run()["font"]
    code = (
        "import sys, json\n"
        "from raster.inference.predict import load_predictor\n"
        "from raster.inference.pipeline import identify_font\n"
        f"ident = identify_font({str(font)!r}, load_predictor())\n"
        "print(json.dumps([len(ident.rows), type(ident.rows[0]['label']).__name__,"
        " 'torch' in sys.modules, 'timm' in sys.modules]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    n, label_type, torch_loaded, timm_loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert n == len(read_font_glyphs(font).gids) and label_type == "str"
    assert not torch_loaded and not timm_loaded
