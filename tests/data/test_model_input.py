"""The one input builder: metrics in em, deduplication on the whole input, and the identical
tensor on every path from a glyph to the network (training, identify, the API, PDF repair,
the ONNX export)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from fontTools.pens.recordingPen import DecomposingRecordingPen
from identify_helpers import tiny_run

import raster
from raster.api import Model
from raster.data.contours import parse_contours
from raster.data.model_input import (
    METRIC_NAMES,
    ModelInput,
    build_inputs,
    distinct_inputs,
    glyph_metrics,
    unit_images,
)
from raster.data.pipeline import DataConfig, build_datasets
from raster.data.render import RasterConfig
from raster.inference.checkpoint_loader import load_model
from raster.inference.font_glyphs import read_font_glyphs
from raster.inference.onnx_model import export_onnx, load_onnx_model
from raster.inference.pipeline import identify_font
from raster.inference.predict import Predictor
from raster.models.glyph_net import GlyphNet
from raster.pdf.document import open_pdf, scan_fonts
from raster.pdf.glyph_text import identify_codes, model_identifier
from raster.pdf.samples import shaped_pdf


def _box(x0, y0, x1, y1):
    text = f'[[["moveTo",[{x0},{y0}]],["lineTo",[{x0},{y1}]],["lineTo",[{x1},{y1}]],["lineTo",[{x1},{y0}]],["closePath",null]]]'
    return parse_contours(text, 1)


def test_metrics_are_in_em_and_unknown_advances_are_nan():
    m = glyph_metrics([_box(50, -100, 450, 700), _box(0, 0, 10, 10)], [1000, 2000], [500, np.nan])
    assert m.dtype == np.float32 and m.shape == (2, len(METRIC_NAMES))
    np.testing.assert_allclose(m[0], [0.5, 0.05, 0.05, -0.1, 0.7], rtol=1e-6)
    assert np.isnan(m[1, [0, 2]]).all() and np.allclose(m[1, [1, 3, 4]], [0, 0, 0.005])


def test_distinct_inputs_key_on_the_image_and_the_metrics():
    image = np.zeros((1, 8, 8), np.uint8)
    inputs = ModelInput(
        np.concatenate([image, image, image, image + 1]),
        np.array([[0.5] * 5, [0.6] * 5, [0.5] * 5, [0.5] * 5], np.float32),
    )
    first, inverse = distinct_inputs(inputs)
    assert first.tolist() == [0, 1, 3] and inverse.tolist() == [0, 1, 0, 2]
    # unknown metrics (NaN) are equal to each other: images alone dedupe as before
    first, inverse = distinct_inputs(inputs.images)
    assert first.tolist() == [0, 3] and inverse.tolist() == [0, 0, 0, 1]


def test_unit_images_are_the_same_bits_from_numpy_and_torch():
    images = np.arange(256, dtype=np.uint8).reshape(1, 16, 16)
    a = unit_images(images)
    b = unit_images(torch.from_numpy(images)).numpy()
    assert a.shape == (1, 1, 16, 16) and a.dtype == np.float32
    assert a.tobytes() == b.tobytes() and a.max() == 1.0 and a.min() == 0.0


@pytest.fixture(scope="module")
def fed(tmp_path_factory):
    """Row bytes of every float32 (1, S, S) tensor the network was given, per path."""
    run = tiny_run()
    tmp = tmp_path_factory.mktemp("model_input")
    loaded = load_model(run["ckpt"])
    seen: dict[str, set[bytes]] = {}
    path = {"now": None}
    real_infer = GlyphNet.infer

    def recording_infer(self, images):
        seen.setdefault(path["now"], set()).update(
            row.tobytes() for row in images.detach().cpu().numpy()
        )
        return real_infer(self, images)

    mp = pytest.MonkeyPatch()
    mp.setattr(GlyphNet, "infer", recording_infer)
    predictor = Predictor(loaded)
    # training: the un-augmented items of the run's own data (every DB row of the font)
    bundle = build_datasets(
        DataConfig(db=str(run["db"]), img_size=loaded.img_size, val_frac=0.0, augment_mode="none")
    )
    seen["training"] = {
        bundle.train[i]["image"].numpy().tobytes() for i in range(len(bundle.train))
    }
    path["now"] = "identify"
    identify_font(run["font"], predictor, "classifier")
    path["now"] = "api"
    glyphs = read_font_glyphs(run["font"])
    gs = glyphs.face.ttfont.getGlyphSet()
    outlines = []
    for name in glyphs.names:
        pen = DecomposingRecordingPen(gs)
        gs[name].draw(pen)
        outlines.append(pen.value)
    raster.identify_outlines(outlines, glyphs.upem, model=Model(predictor, str(run["ckpt"])))
    path["now"] = "pdf"
    pdf_path = shaped_pdf(run["font"], ["\u0628\u0628\u0628 \u062c"], tmp / "s.pdf")
    with open_pdf(pdf_path) as pdf:
        for font in scan_fonts(pdf):
            identify_codes(font, tmp, model_identifier(predictor, "classifier"))
    mp.undo()
    # the ONNX export: what its session is fed
    onnx = load_onnx_model(
        export_onnx(run["ckpt"], tmp / "m.onnx"),
        run["ckpt"],
        loaded.raster,
        loaded.index_to_label,
        1,
    )
    real_session = onnx.session

    class Recording:
        def run(self, names, feed):
            seen.setdefault("onnx", set()).update(
                row.tobytes() for row in next(iter(feed.values()))
            )
            return real_session.run(names, feed)

        def __getattr__(self, name):
            return getattr(real_session, name)

    onnx.session = Recording()
    identify_font(run["font"], Predictor(onnx), "classifier")
    return seen


def test_one_glyph_gives_the_identical_tensor_on_every_path(fed):
    assert set(fed) == {"training", "identify", "api", "pdf", "onnx"}
    assert fed["training"] and fed["training"] <= fed["identify"]  # every DB row, bit for bit
    assert fed["onnx"] == fed["identify"]
    assert fed["api"] == fed["identify"]
    assert fed["pdf"] and fed["pdf"] <= fed["identify"]


def test_font_glyphs_carry_their_advances_into_the_input():
    glyphs = read_font_glyphs(tiny_run()["font"])
    inputs = glyphs.model_input(RasterConfig(img_size=32))
    assert np.isfinite(glyphs.advances).all()
    hmtx = glyphs.face.ttfont["hmtx"]
    want = [hmtx[n][0] / glyphs.upem for n in glyphs.names]
    np.testing.assert_allclose(inputs.metrics[:, 0], want, rtol=1e-6)
    again = build_inputs(glyphs.outlines, glyphs.upem, RasterConfig(img_size=32), glyphs.advances)
    assert again.images.tobytes() == inputs.images.tobytes()
