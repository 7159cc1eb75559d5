"""Finding and opening fonts: suffixes, collections, WOFF2, variable instances, hashing."""

from __future__ import annotations

import hashlib

import pytest
from fontTools.ttLib import TTCollection, TTFont

from raster.data.fonts import (
    FontLoadError,
    face_hash,
    find_font_files,
    font_metrics,
    font_names,
    format_location,
    iter_faces,
)


def test_find_font_files(tmp_path, tiny_fonts):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    a = tmp_path / "sub" / "deeper" / "b.TTF"
    a.write_bytes(tiny_fonts["truetype"].read_bytes())
    b = tmp_path / "a.woff2"
    b.write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("not a font")
    txt = tmp_path / "notes.txt"
    fonts, problems = find_font_files([tmp_path, a, txt, tmp_path / "missing.ttf"])
    assert fonts == [b, a]  # folder sorted, upper-case suffix accepted, duplicate dropped
    assert problems == [
        (txt, "unsupported file type .txt"),
        (tmp_path / "missing.ttf", "no such file or folder"),
    ]


def test_face_hash():
    data = b"font bytes"
    assert face_hash(data) == hashlib.sha256(data).hexdigest()  # plain file hash for face 0
    hashes = {
        face_hash(data),
        face_hash(data, 1),
        face_hash(data, 0, {"wght": 700}),
        face_hash(data, 0, {"wght": 400}),
    }
    assert len(hashes) == 4
    assert format_location({"wght": 700.0, "wdth": 87.5}) == "wdth=87.5,wght=700"
    assert format_location(None) is None


def test_collection_yields_every_face(tmp_path, tiny_fonts):
    ttc = TTCollection()
    ttc.fonts = [TTFont(tiny_fonts["truetype"]), TTFont(tiny_fonts["arabic"])]
    path = tmp_path / "pair.ttc"
    ttc.save(path)
    faces = list(iter_faces(path))
    assert [f.face_index for f in faces] == [0, 1]
    assert [f.hb_index for f in faces] == [0, 1]
    assert [font_names(f.ttfont)[0] for f in faces] == ["Tiny TrueType", "Tiny Arabic"]
    data = path.read_bytes()
    assert [f.file_hash for f in faces] == [face_hash(data, 0), face_hash(data, 1)]


def test_woff2_is_decoded_for_harfbuzz(tmp_path, tiny_fonts):
    font = TTFont(tiny_fonts["arabic"])
    font.flavor = "woff2"
    path = tmp_path / "a.woff2"
    font.save(path)
    (face,) = list(iter_faces(path))
    assert face.hb_data[:4] == b"\x00\x01\x00\x00"  # plain sfnt, not wOF2
    assert face.file_hash == hashlib.sha256(path.read_bytes()).hexdigest()


def test_variable_named_instances(tiny_fonts):
    path = tiny_fonts["variable"]
    default = list(iter_faces(path, "default"))
    assert [f.location for f in default] == [None]
    named = list(iter_faces(path, "named"))
    # The Regular instance sits at the default location and is not repeated.
    assert [(f.location, f.instance, f.instance_name) for f in named] == [
        (None, None, None),
        ({"wght": 700}, "wght=700", "Bold"),
    ]
    assert named[1].file_hash == face_hash(path.read_bytes(), 0, {"wght": 700})
    assert "fvar" not in named[1].ttfont  # instantiated into a static font
    skipped = list(iter_faces(path, "named", skip_hashes={named[1].file_hash}))
    assert skipped[1] == (named[1].file_hash, f"{path}@wght=700")


def test_metrics_and_names(tiny_fonts):
    import fontfactory

    font = TTFont(tiny_fonts["cff"])
    assert font_metrics(font) == fontfactory.METRICS
    assert font_names(font) == ("Tiny CFF", "Regular")


@pytest.mark.parametrize(
    "content", [b"", b"garbage that is not a font", b"\x00\x01\x00\x00" + b"\x00" * 40]
)
def test_corrupt_files_raise_one_line_error(tmp_path, content):
    path = tmp_path / "bad.ttf"
    path.write_bytes(content)
    with pytest.raises(FontLoadError) as info:
        list(iter_faces(path))
    assert str(info.value).startswith("not a readable font")
    assert "\n" not in str(info.value)
