"""raster.index: build, load, search; an index from another checkpoint is refused."""

import json

import identify_helpers
import numpy as np
import pytest

from raster import index as index_cli
from raster.index import IndexMismatchError, load_index
from raster.paths import file_sha256


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    return identify_helpers.build_reference(tmp_path_factory.mktemp("ref") / "ref")


def test_index_contents_and_fingerprint(ref):
    run = identify_helpers.tiny_run()
    info = json.loads((ref / "index.json").read_text())
    assert info["fingerprint"] == file_sha256(run["ckpt"])
    assert info["n"] == 14 and info["img_size"] == identify_helpers.IMG
    assert info["calibration"]["knn_k"] == 3
    idx = load_index(ref, run["ckpt"])
    assert len(idx) == 14 and idx.vectors.shape == (14, 128)
    np.testing.assert_allclose(np.linalg.norm(idx.vectors, axis=1), 1.0, atol=1e-5)
    assert sorted(set(idx.label_names)) == idx.label_names
    # Search equals the naive reference: argsort of dot products.
    q = idx.vectors[[0, 5]]
    got, sims = idx.search(q, 3)
    naive = np.argsort(-(q @ idx.vectors.T), axis=1, kind="stable")[:, :3]
    np.testing.assert_array_equal(got, naive)
    np.testing.assert_allclose(sims[:, 0], 1.0, atol=1e-5)


def test_vectors_are_memory_mapped_and_older_indexes_read_through_faiss(ref, tmp_path, monkeypatch):
    import shutil

    from raster.inference import index as index_lib

    run = identify_helpers.tiny_run()
    mapped = load_index(ref, run["ckpt"])
    assert isinstance(mapped.vectors, np.memmap)
    old = tmp_path / "old"
    shutil.copytree(ref, old)
    (old / "vectors.npy").unlink()  # as written before the file existed
    via_faiss = load_index(old, run["ckpt"])
    assert not isinstance(via_faiss.vectors, np.memmap)
    np.testing.assert_array_equal(np.asarray(mapped.vectors), via_faiss.vectors)
    q = via_faiss.vectors[:4]
    monkeypatch.setattr(index_lib, "SEARCH_BLOCK", 20)  # one query per block: same answer
    np.testing.assert_array_equal(mapped.search(q, 3)[0], via_faiss.search(q, 3)[0])
    np.save(old / "vectors.npy", np.zeros((3, 2), np.float64))
    with pytest.raises(IndexMismatchError, match="not a float32"):
        load_index(old, run["ckpt"])


def test_index_of_another_checkpoint_is_refused(ref, tmp_path):
    other = identify_helpers.other_checkpoint(64)
    with pytest.raises(IndexMismatchError, match=r"\(32 px, sha256 .*rebuild"):
        load_index(ref, other)
    with pytest.raises(IndexMismatchError, match="not a reference index"):
        load_index(tmp_path)


def test_build_errors_are_one_line(tmp_path, caplog):
    rc = index_cli.main(
        [
            "build",
            "--db",
            str(tmp_path / "no.db"),
            "--checkpoint",
            str(identify_helpers.tiny_run()["ckpt"]),
            "--out",
            str(tmp_path / "r"),
        ]
    )
    assert rc == 2 and "no such glyph database" in caplog.text
