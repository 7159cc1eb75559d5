"""raster.embed: unit-norm, deterministic embeddings of exactly the training renders."""

import json

import identify_helpers
import numpy as np
import torch

from raster import embed
from raster.data.render import RasterConfig, render_contours
from raster.data.selection import SelectionConfig, select_glyphs
from raster.engine.checkpoint import load_trained_model


def _run(tmp_path, name, extra=()):
    run = identify_helpers.tiny_run()
    e, m = tmp_path / f"{name}.npy", tmp_path / f"{name}.jsonl"
    assert (
        embed.main(
            [
                "--db",
                str(run["db"]),
                "--checkpoint",
                str(run["ckpt"]),
                "--out-embeds",
                str(e),
                "--out-meta",
                str(m),
                "--batch-size",
                "5",
                *extra,
            ]
        )
        == 0
    )
    return np.load(e), [json.loads(line) for line in m.read_text().splitlines()]


def test_embeddings_are_unit_norm_deterministic_and_match_direct_renders(tmp_path):
    emb, meta = _run(tmp_path, "a")
    emb2, meta2 = _run(tmp_path, "b")
    assert emb.dtype == np.float32 and emb.shape == (14, 128)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(emb, emb2)
    assert meta == meta2
    table, _ = select_glyphs(SelectionConfig(db=identify_helpers.tiny_run()["db"], limit=0))
    assert [m["glyph_id"] for m in meta] == table.glyph_ids.tolist()
    assert [m["label"] for m in meta] == table.labels
    assert [m["f_id"] for m in meta] == table.font_hashes
    # Row i is the model's embedding of the training render of glyph i.
    model, _ = load_trained_model(identify_helpers.tiny_run()["ckpt"])
    cfg = RasterConfig(img_size=identify_helpers.IMG)
    imgs = np.stack(
        [render_contours(o, u, cfg) for o, u in zip(table.outlines, table.upems, strict=True)]
    )
    with torch.no_grad():
        direct = model(torch.from_numpy(imgs).float().div(255).unsqueeze(1))["embedding"]
    np.testing.assert_allclose(emb, direct.numpy(), atol=1e-5)


def test_limit_and_errors(tmp_path, caplog):
    emb, meta = _run(tmp_path, "c", ["--limit", "5"])
    assert emb.shape == (5, 128) and len(meta) == 5
    run = identify_helpers.tiny_run()
    rc = embed.main(
        [
            "--db",
            str(run["db"]),
            "--checkpoint",
            str(tmp_path / "missing.pt"),
            "--out-embeds",
            str(tmp_path / "x.npy"),
            "--out-meta",
            str(tmp_path / "x.jsonl"),
        ]
    )
    assert rc == 2 and "missing.pt: no such checkpoint" in caplog.text
