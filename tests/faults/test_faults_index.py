"""Fault battery, round 2 (issue 29, items 3, 8, 18): damaged reference indexes, shipped or the
user's, are one line naming the file (and the row), never a traceback or silent garbage."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from faults.helpers import assert_no_traceback
from identify_helpers import build_reference, tiny_run

from raster import identify
from raster import index as index_cli
from raster.errors import IndexMismatchError, ShippedModelError
from raster.inference.index import load_index
from raster.inference.release_packing import half_checkpoint, pack_release
from raster.inference.shipped import load_shipped_index, shipped_files
from raster.paths import file_sha256


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    return build_reference(tmp_path_factory.mktemp("faults_index") / "ref")


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory, reference) -> Path:
    d = tmp_path_factory.mktemp("faults_release")
    half = half_checkpoint(tiny_run()["ckpt"], d / "half.pt")
    assert index_cli.main(
        ["build", "--db", str(tiny_run()["db"]), "--checkpoint", str(half), "--out", str(d / "ref")]
    ) == 0  # fmt: skip
    pack_release(half, d / "ref", d / "weights")
    return d / "weights"


def _copy_release(release_dir: Path, tmp_path: Path):
    shutil.copytree(release_dir, tmp_path / "w")
    return shipped_files(tmp_path / "w")


def _resign(files, path: Path) -> None:
    """Update the sidecar's sha256 of ``path`` as a careless repacker would."""
    info = json.loads(files.sidecar.read_text())
    info["files"][path.name]["sha256"] = file_sha256(path)
    files.sidecar.write_text(json.dumps(info))


def _copy_index(reference: Path, tmp_path: Path) -> Path:
    out = tmp_path / "ref"
    shutil.copytree(reference, out)
    return out


def _said(capsys, caplog) -> str:
    out = capsys.readouterr()
    text = out.out + out.err + caplog.text
    caplog.clear()
    return text


def _identify(ref: Path, capsys, caplog) -> tuple[int, str]:
    run = tiny_run()
    argv = [str(run["font"]), "--checkpoint", str(run["ckpt"]), "--index", str(ref), "--quiet"]
    code = identify.main(argv)
    return code, _said(capsys, caplog)


def test_truncated_shipped_index_with_a_matching_sidecar_is_one_line(release_dir, tmp_path):
    # item 3: zipfile.BadZipFile escaped
    files = _copy_release(release_dir, tmp_path)
    data = files.index.read_bytes()
    files.index.write_bytes(data[: len(data) // 2])
    _resign(files, files.index)
    with pytest.raises(ShippedModelError, match="not a packed reference index") as exc:
        load_shipped_index(files)
    assert str(files.index) in str(exc.value) and "\n" not in str(exc.value)


def test_nan_in_the_shipped_index_scale_is_refused_naming_the_row(release_dir, tmp_path):
    # item 8: a NaN in the scale changed the answers silently
    files = _copy_release(release_dir, tmp_path)
    with np.load(files.index) as z:
        arrays = dict(z)
    arrays["scale"][3] = np.nan
    with open(files.index, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    _resign(files, files.index)
    with pytest.raises(ShippedModelError, match=r"non-finite .*scale.*\b3\b") as exc:
        load_shipped_index(files)
    assert str(files.index) in str(exc.value)


def test_nan_row_in_a_users_vectors_is_refused_naming_the_row(reference, tmp_path, capsys, caplog):
    # item 8: one NaN row made every answer garbage at ~0.004 confidence, exit 0
    ref = _copy_index(reference, tmp_path)
    vectors = np.load(ref / "vectors.npy")
    vectors[1, 0] = np.nan
    np.save(ref / "vectors.npy", vectors)
    with pytest.raises(IndexMismatchError, match=r"vectors.npy: non-finite value in row 1\b"):
        load_index(ref)
    code, text = _identify(ref, capsys, caplog)
    assert code == 2 and "row 1" in text
    assert_no_traceback(text)


def test_random_bytes_vectors_is_said_to_be_no_vectors_array(reference, tmp_path, capsys, caplog):
    # item 18: numpy's allow_pickle advice was the answer
    ref = _copy_index(reference, tmp_path)
    (ref / "vectors.npy").write_bytes(np.random.default_rng(0).bytes(4096))
    for code, text in (
        _identify(ref, capsys, caplog),
        (index_cli.main(["lists", "--index", str(ref)]), _said(capsys, caplog)),
    ):
        assert code == 2
        assert "vectors.npy: not a vectors array" in text, text
        assert "allow_pickle" not in text and "pickle" not in text
        assert_no_traceback(text)
