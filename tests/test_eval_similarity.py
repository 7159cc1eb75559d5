"""eval_similarity CLI against a hand-made case with known answers."""

import json

import numpy as np

from raster import eval_similarity


def _write(tmp_path, emb, meta):
    np.save(tmp_path / "e.npy", np.asarray(emb, dtype=np.float32))
    (tmp_path / "m.jsonl").write_text("".join(json.dumps(m) + "\n" for m in meta))


def _io_args(tmp_path, out):
    """The flags reading :func:`_write`'s files and writing the result to ``out``."""
    return [
        "--embeds",
        str(tmp_path / "e.npy"),
        "--meta",
        str(tmp_path / "m.jsonl"),
        "--json-out",
        str(out),
    ]


def test_known_case_and_by_font(tmp_path, capsys):
    # Two labels, two fonts; same label points sit close together within a font.
    angles = np.array([0.0, 0.05, 1.5, 1.55])
    emb = np.stack([np.cos(angles), np.sin(angles)], 1)
    meta = [
        {"glyph_id": i, "f_id": f, "label": lab}
        for i, (f, lab) in enumerate([("A", "x"), ("B", "x"), ("A", "y"), ("B", "y")])
    ]
    _write(tmp_path, emb, meta)
    out = tmp_path / "r.json"
    assert eval_similarity.main([*_io_args(tmp_path, out), "--k", "1"]) == 0
    res = json.loads(out.read_text())
    assert res["top_k_retrieval"] == 1.0 and res["precision_at_1"] == 1.0 and res["rows"] == 4
    # By font: each query may only see the other font; its nearest there is still its label.
    assert eval_similarity.main([*_io_args(tmp_path, out), "--k", "1", "--by-font"]) == 0
    assert json.loads(out.read_text())["top_k_retrieval"] == 1.0
    capsys.readouterr()


def test_min_cluster_and_regex_and_errors(tmp_path, caplog):
    emb = np.eye(5)
    meta = [
        {"glyph_id": i, "f_id": "A", "label": lab}
        for i, lab in enumerate(["a", "a", "b", "c", "c"])
    ]
    _write(tmp_path, emb, meta)
    args = _io_args(tmp_path, tmp_path / "r.json")
    assert eval_similarity.main(args + ["--label-regex", "^[ab]$"]) == 0
    assert json.loads((tmp_path / "r.json").read_text())["rows"] == 2  # 'b' alone is dropped
    (tmp_path / "m.jsonl").write_text('{"glyph_id": 1}\n')
    assert eval_similarity.main(args) == 2
    assert "m.jsonl:1" in caplog.text
