"""The corpus library: family keys/classes, source discovery, the manifest."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from raster import corpus as corpus_cmd
from raster.data import ingest
from raster.data.corpus import (
    DESIGN_CLASSES,
    FAMILY_TABLE,
    FONTSOURCE_FAMILIES,
    SourceFile,
    build_manifest,
    family_info,
    fontsource_sources,
)


@pytest.mark.parametrize(
    "family, key, cls",
    [
        ("Amiri", "amiri", "naskh"),
        ("Amiri Quran", "amiri", "naskh"),
        ("Amiri Quran Colored", "amiri", "naskh"),
        ("Noto Naskh Arabic", "noto-naskh-arabic", "naskh"),
        ("Noto Naskh Arabic UI", "noto-naskh-arabic", "naskh"),
        ("Noto Sans Arabic UI", "noto-sans-arabic", "sans"),
        ("Noto Sans Arabic ExtraCondensed", "noto-sans-arabic", "sans"),
        ("Cairo", "cairo", "sans"),
        ("Cairo Play", "cairo", "sans"),
        ("Scheherazade New", "scheherazade", "naskh"),
        ("DejaVu Sans Mono", "dejavu", "mono"),
        ("DejaVu  Sans", "dejavu", "sans"),  # runs of spaces are one space
        ("Noto Nastaliq Urdu", "noto-nastaliq-urdu", "nastaliq"),
        ("Noto Kufi Arabic", "noto-kufi-arabic", "kufi"),
    ],
)
def test_family_info_groups_relatives(family, key, cls):
    info = family_info(family)
    assert (info.key, info.design_class, info.known) == (key, cls, True)


def test_family_info_unknown_family_is_its_own_key():
    info = family_info("Some New Font!")
    assert (info.key, info.design_class, info.known) == ("some-new-font", "unknown", False)
    assert family_info(None).key == "unknown"
    # a prefix alone does not match: "Cairo Playful" is not Cairo Play
    assert not family_info("Cairo Playful").known


def test_family_table_uses_known_classes_and_one_class_per_key():
    assert {cls for _, _, cls in FAMILY_TABLE} <= set(DESIGN_CLASSES)
    keys = [k for _, k, _ in FAMILY_TABLE]
    assert len(FONTSOURCE_FAMILIES) == len(set(FONTSOURCE_FAMILIES))
    assert "amiri" in keys and "cairo" in keys


def test_fontsource_sources_takes_arabic_subset_and_version(tmp_path):
    fam = tmp_path / "noto-kufi-arabic"
    fam.mkdir()
    (fam / "package.json").write_text(
        json.dumps({"name": "@fontsource/noto-kufi-arabic", "version": "5.2.8"})
    )
    for name in (
        "noto-kufi-arabic-arabic-400-normal.woff2",
        "noto-kufi-arabic-arabic-700-normal.woff2",
        "noto-kufi-arabic-latin-400-normal.woff2",  # not the arabic subset
        "noto-kufi-arabic-arabic-400-normal.woff",  # the .woff twin
    ):
        (fam / name).write_bytes(b"x")
    (tmp_path / "cairo").mkdir()  # no package.json: not fetched
    found, missing = fontsource_sources(tmp_path, ("noto-kufi-arabic", "cairo", "zain"))
    assert [s.path.name for s in found] == [
        "noto-kufi-arabic-arabic-400-normal.woff2",
        "noto-kufi-arabic-arabic-700-normal.woff2",
    ]
    assert {(s.origin, s.package, s.version) for s in found} == {
        ("npm", "@fontsource/noto-kufi-arabic", "5.2.8")
    }
    assert missing == ["cairo", "zain"]


def test_manifest_lists_each_face_with_hash_source_and_counts(tmp_path, tiny_fonts):
    font = tmp_path / "tiny_arabic.ttf"
    shutil.copy(tiny_fonts["arabic"], font)
    db = tmp_path / "c.db"
    ingest.ingest(db, [font], progress=False)
    manifest = build_manifest(db, [SourceFile(font, "debian", "fonts-tiny", "1.0-1")])
    (entry,) = manifest["fonts"]
    assert entry["file"] == str(font)
    assert entry["sha256"] == hashlib.sha256(font.read_bytes()).hexdigest()
    assert (entry["origin"], entry["package"], entry["version"]) == (
        "debian",
        "fonts-tiny",
        "1.0-1",
    )
    assert entry["family"] == "Tiny Arabic"
    assert (entry["family_key"], entry["design_class"]) == ("tiny-arabic", "unknown")
    import sqlite3

    conn = sqlite3.connect(db)
    n, letters = conn.execute(
        "SELECT COUNT(*), SUM(char_class = 'arabic_letter') FROM glyphs"
    ).fetchone()
    conn.close()
    assert (entry["glyphs"], entry["letters"]) == (n, letters)
    summary = manifest["summary"]
    assert (summary["fonts"], summary["glyphs"], summary["family_keys"]) == (1, n, 1)
    assert summary["per_design_class"]["unknown"]["fonts"] == 1
    assert summary["unknown_families"] == ["Tiny Arabic"]


def test_corpus_command_lists_packages(capsys):
    assert corpus_cmd.main(["--list", "fontsource"]) == 0
    assert capsys.readouterr().out.split() == list(FONTSOURCE_FAMILIES)
