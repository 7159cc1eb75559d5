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


def test_lists_subcommand_gives_the_exact_answers_when_every_list_is_visited(ref, tmp_path, capsys):
    import shutil

    d = tmp_path / "ref"
    shutil.copytree(ref, d)
    exact = load_index(d)
    assert exact.inverted is None
    queries = np.ascontiguousarray(exact.vectors[::3])
    want = exact.search(queries, 3)
    assert index_cli.main(["lists", "--index", str(d), "--lists", "4", "--nprobe", "4"]) == 0
    assert "in 4 lists" in capsys.readouterr().out
    approx = load_index(d)
    assert approx.inverted is not None and approx.inverted.nprobe == 4
    got = approx.search(queries, 3)
    assert np.array_equal(np.sort(got[0], 1), np.sort(want[0], 1))
    assert np.allclose(np.sort(got[1], 1), np.sort(want[1], 1), atol=1e-5)


def test_lists_of_another_build_are_ignored(ref, tmp_path, caplog):
    import shutil

    from raster.inference.index import LISTS_FILE

    d = tmp_path / "ref"
    shutil.copytree(ref, d)
    assert index_cli.main(["lists", "--index", str(d), "--lists", "2"]) == 0
    with np.load(d / LISTS_FILE) as z:
        parts = dict(z)
    parts["rows"] = np.int64(parts["rows"] + 1)
    np.savez(d / LISTS_FILE, **parts)
    assert load_index(d).inverted is None
    assert "made for another build" in caplog.text
