"""The release format: fp16 checkpoint + int8 packed index + sha256 sidecar, on the tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from identify_helpers import tiny_run

from raster import index as index_cli
from raster import release
from raster.inference.font_glyphs import read_font_glyphs
from raster.inference.index import load_index
from raster.inference.pipeline import identify_font
from raster.inference.predict import load_predictor
from raster.inference.release_packing import half_checkpoint, pack_release, quantize_int8
from raster.inference.shipped import (
    ShippedModelError,
    load_shipped_predictor,
    read_sidecar,
    shipped_files,
)
from raster.paths import file_sha256


@pytest.fixture(scope="module")
def tiny_release(tmp_path_factory) -> dict[str, Path]:
    run = tiny_run()
    d = tmp_path_factory.mktemp("release")
    half = half_checkpoint(run["ckpt"], d / "half.pt")
    assert (
        index_cli.main(
            ["build", "--db", str(run["db"]), "--checkpoint", str(half), "--out", str(d / "ref")]
        )
        == 0
    )
    recipe = {"script": "tiny", "epochs_done": 0}
    pack_release(half, d / "ref", d / "weights", recipe=recipe, corpus_manifest=run["db"])
    return {"half": half, "ref": d / "ref", "weights": d / "weights", "dir": d}


def test_quantize_int8_error_is_half_a_step():
    x = np.random.default_rng(0).normal(size=(500, 16)).astype(np.float32)
    q, scale = quantize_int8(x)
    assert q.dtype == np.int8 and scale.shape == (16,)
    assert np.abs(q).max() == 127
    assert np.all(np.abs(x - q * scale) <= scale / 2 + 1e-7)


def test_half_checkpoint_is_fp16_and_loads_as_fp32(tiny_release):
    import torch

    ckpt = torch.load(tiny_release["half"], weights_only=True)
    floats = [v for v in ckpt["model"].values() if torch.is_floating_point(v)]
    assert floats and all(v.dtype == torch.float16 for v in floats)
    assert "optimizer" not in ckpt
    pred = load_predictor(tiny_release["half"])
    assert next(pred.loaded.model.parameters()).dtype == torch.float32


def test_sidecar_lists_files_labels_and_recipe(tiny_release):
    files = shipped_files(tiny_release["weights"])
    info = read_sidecar(files)
    assert set(info["files"]) == {files.model.name, files.onnx.name, files.index.name}
    for path in (files.model, files.onnx, files.index):
        assert info["files"][path.name]["sha256"] == file_sha256(path)
        assert info["files"][path.name]["bytes"] == path.stat().st_size
    import torch

    l2i = torch.load(tiny_run()["ckpt"], weights_only=True)["label_to_index"]
    assert info["labels"] == sorted(l2i, key=l2i.get)
    assert info["raster_config"]["img_size"] == 32
    assert info["recipe"] == {"script": "tiny", "epochs_done": 0}
    assert info["corpus_manifest"]["sha256"] == file_sha256(tiny_run()["db"])
    assert info["index"]["fingerprint"] == file_sha256(tiny_release["half"])
    assert info["index"]["inverted_lists"] == {"lists": 1, "nprobe": 32}  # 1 list: < 384 rows


def test_shipped_predictor_runs_the_onnx_export(tiny_release):
    from raster.inference.onnx_model import OnnxModel

    pred = load_shipped_predictor(files=shipped_files(tiny_release["weights"]))
    assert isinstance(pred.loaded, OnnxModel)
    assert pred.loaded.path == shipped_files(tiny_release["weights"]).model
    assert pred.index.inverted is not None


def test_a_release_without_onnx_runs_the_checkpoint_through_torch(tiny_release, tmp_path):
    import shutil

    from raster.inference.checkpoint_loader import LoadedModel

    shutil.copytree(tiny_release["weights"], tmp_path / "w")
    files = shipped_files(tmp_path / "w")
    info = read_sidecar(files)
    del info["files"][files.onnx.name]  # as the r1 and first r2 sidecars were
    files.sidecar.write_text(json.dumps(info))
    files.onnx.unlink()
    assert isinstance(load_shipped_predictor(files=files).loaded, LoadedModel)


def test_packed_index_matches_the_directory(tiny_release):
    ref = load_index(tiny_release["ref"])
    packed = load_shipped_predictor(files=shipped_files(tiny_release["weights"])).index
    assert len(packed) == len(ref)
    assert packed.label_names == ref.label_names
    assert np.array_equal(packed.label_codes, ref.label_codes)
    assert [packed.meta[i] for i in range(len(ref))] == ref.meta
    assert packed.calibration == ref.calibration
    cos = (packed.vectors * ref.vectors).sum(1)
    assert cos.min() > 0.999
    assert np.allclose(np.linalg.norm(packed.vectors, axis=1), 1.0, atol=1e-5)


def test_shipped_predictions_equal_the_unpacked_ones(tiny_release):
    font = tiny_run()["font"]
    glyphs = read_font_glyphs(font)
    a = identify_font(
        font, load_predictor(tiny_release["half"], tiny_release["ref"]), glyphs=glyphs
    )
    b = identify_font(
        font, load_shipped_predictor(files=shipped_files(tiny_release["weights"])), glyphs=glyphs
    )
    assert [r["label"] for r in a.rows] == [r["label"] for r in b.rows]
    assert np.abs(a.probs - b.probs).max() < 0.02


def test_a_changed_file_is_a_one_line_error(tiny_release, tmp_path):
    import shutil

    shutil.copytree(tiny_release["weights"], tmp_path / "w")
    files = shipped_files(tmp_path / "w")
    data = bytearray(files.index.read_bytes())
    data[-10] ^= 0xFF
    files.index.write_bytes(bytes(data))
    with pytest.raises(ShippedModelError, match=r"sha256 .* differs from the sidecar's") as exc:
        load_shipped_predictor(files=files)
    assert "\n" not in str(exc.value) and files.index.name in str(exc.value)
    files.model.unlink()
    with pytest.raises(ShippedModelError, match="missing file"):
        load_shipped_predictor(files=files)
    files.sidecar.unlink()
    with pytest.raises(ShippedModelError, match="not installed"):
        read_sidecar(files)


def test_release_verify_command(tiny_release, tmp_path, capsys):
    assert release.main(["verify", "--dir", str(tiny_release["weights"])]) == 0
    assert "files match the sidecar" in capsys.readouterr().out
    assert release.main(["verify", "--dir", str(tmp_path)]) == 2


def test_pack_refuses_an_index_of_another_checkpoint(tiny_release, tmp_path):
    run = tiny_run()
    assert release.main(
        ["pack", "--checkpoint", str(run["ckpt"]), "--index", str(tiny_release["ref"]),
         "--out", str(tmp_path / "w")]
    ) == 2  # fmt: skip
    assert not (tmp_path / "w" / "glyph-raster-r2.json").exists()
    json.dumps(read_sidecar(shipped_files(tiny_release["weights"])))


def test_model_name_without_a_checkpoint_is_the_shipped_release(tmp_path):
    from raster.inference.shipped import RELEASE, model_name

    assert model_name(None) == f"{RELEASE} (shipped)"
    assert model_name(tmp_path / "runs" / "best.pt") == "best.pt"
