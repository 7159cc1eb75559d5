"""raster.identify end to end on the tiny Arabic font with the tiny model trained on it."""

import csv
import json

import identify_helpers
import pytest
from fontTools.ttLib import TTFont

from raster import identify
from raster.inference.pipeline import ROW_FIELDS


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    ref = identify_helpers.build_reference(tmp_path_factory.mktemp("idref") / "ref")
    return {**identify_helpers.tiny_run(), "ref": ref}


def _args(setup, *extra):
    return [
        str(setup["font"]),
        "--checkpoint",
        str(setup["ckpt"]),
        "--index",
        str(setup["ref"]),
        "--quiet",
        *extra,
    ]


@pytest.mark.parametrize("method", ["classifier", "knn", "both"])
def test_identify_reproduces_the_fonts_labels(setup, tmp_path, method, capsys):
    report = tmp_path / "eval.json"
    assert (
        identify.main(_args(setup, "--method", method, "--evaluate", "--json-out", str(report)))
        == 0
    )
    r = json.loads(report.read_text())
    assert r["method"] == method
    assert r["plain"]["glyphs"] == 12
    assert r["plain"]["top1_label"] == 1.0 and r["plain"]["top1_char"] == 1.0
    assert set(r["plain"]["per_form"]) == {"isol", "init", "medi", "fina"}
    # beh x4, alef x2, teh x2, hamza; not fatha, the digit or A
    assert r["letters"]["glyphs"] == 9 and r["letters"]["top1_label"] == 1.0
    out = capsys.readouterr().out
    assert "label top-1 100.0%" in out and "[letters] 9 Arabic-letter glyphs" in out


def test_outputs_and_assignment(setup, tmp_path, capsys):
    out = tmp_path / "r.json"
    assert identify.main(_args(setup, "--assign", "--out", str(out))) == 0
    rows = json.loads(out.read_text())["glyphs"]
    assert [r["gid"] for r in rows] == list(range(1, 16))
    labels = [r["label"] for r in rows if r["label"]]
    assert len(labels) == len(set(labels))  # one glyph per label
    changed = sum(r["changed_by_assign"] for r in rows)
    assert f"assignment changed {changed} of 15 predictions" in capsys.readouterr().out
    by_name = {r["glyph_name"]: r for r in rows}
    assert by_name["beh.medi"]["label"] == "1576_medi" and by_name["beh.medi"]["char"] == "\u0628"
    assert by_name["beh.medi"]["codepoint"] == 0x628 and by_name["beh.medi"]["form"] == "medi"
    assert len(by_name["beh"]["runners_up"]) == 4
    csv_out = tmp_path / "r.csv"
    assert identify.main(_args(setup, "--out", str(csv_out), "--top-k", "3")) == 0
    table = list(csv.DictReader(csv_out.open(encoding="utf-8")))
    assert tuple(table[0]) == ROW_FIELDS
    assert len(table) == 15 and len(table[0]["runners_up"].split()) == 2


def test_rows_say_which_evidence_decided(setup, tmp_path):
    out = tmp_path / "r.json"
    assert identify.main(_args(setup, "--out", str(out))) == 0
    result = json.loads(out.read_text())
    assert (result["names"], result["gsub"]) == ("use", "use")
    assert result["name_reliability"] > 0.9  # the tiny font's names agree with its shapes
    by_name = {r["glyph_name"]: r for r in result["glyphs"]}
    dot = by_name["dotbelow"]  # named as a dot pattern; no label of the model's fits it
    assert (dot["label"], dot["note"], dot["evidence"]) == ("dots:1below", "one dot below", "name")
    assert dot["codepoint"] is None and dot["char"] == ""
    beh = by_name["beh.init"]
    assert beh["label"] == "1576_init" and beh["sources"] == "shape+name+gsub"
    assert {r["evidence"] for r in result["glyphs"]} <= {"shape", "name", "gsub", "composed"}
    plain = tmp_path / "p.json"
    assert (
        identify.main(_args(setup, "--out", str(plain), "--names", "ignore", "--gsub", "ignore"))
        == 0
    )
    rows = json.loads(plain.read_text())["glyphs"]
    assert {r["evidence"] for r in rows} == {"shape"} and {r["sources"] for r in rows} == {"shape"}
    # without names or GSUB the outline still tells the zero-advance dot (dot_glyphs)
    plain_dot = {r["glyph_name"]: r for r in rows}["dotbelow"]
    assert (plain_dot["label"], plain_dot["note"]) == ("dots:1below", "one dot below")


def test_write_cmap_round_trips_and_shapes(setup, tmp_path, capsys, caplog):
    out, fixed = tmp_path / "r.json", tmp_path / "fixed.ttf"
    assert (
        identify.main(
            _args(
                setup,
                "--method",
                "classifier",
                "--out",
                str(out),
                "--write-cmap",
                str(fixed),
                "--min-confidence",
                "0.9",
                "--names",  # the shape tie below is the point: names and GSUB would break it
                "ignore",
                "--gsub",
                "ignore",
                "--scripts",  # and so would the cmap's script of jeem (Arabic, not Latin)
                "ignore",
            )
        )
        == 0
    )
    rows = json.loads(out.read_text())["glyphs"]
    cmap = TTFont(fixed)["cmap"].getBestCmap()
    pres = {"isol": None, "init": 0xFE91, "medi": 0xFE92, "fina": 0xFE90}
    for r in rows:
        if r["confidence"] < 0.9 or r["codepoint"] != 0x628:
            continue
        cp = r["codepoint"] if r["form"] == "isol" else pres[r["form"]]
        assert cmap[cp] == r["glyph_name"]  # predicted codepoint -> predicted glyph
    assert cmap[0x628] == "beh" and cmap[0xFE91] == "beh.init" and cmap[0x627] == "alef"
    text = capsys.readouterr().out
    n = len(cmap)
    # 'jeem' renders exactly like 'A' (same box) and wins U+0041 on the tie; the font's ccmp
    # then decomposes it, which the HarfBuzz check must report: every other entry shapes right.
    assert cmap[0x41] == "jeem"
    assert f"{n} cmap entries; HarfBuzz shapes {n - 1}/{n} to the predicted glyph" in text
    assert (
        "1 cmap entries shape to other glyphs than predicted: U+0041 isol gid 9 -> [10, 11]"
        in caplog.text
    )


def test_errors_are_one_clear_line(setup, tmp_path, caplog, tiny_fonts):
    bad = tmp_path / "bad.ttf"
    bad.write_bytes(b"\x00\x01\x00\x00garbage")
    assert identify.main([str(bad), "--checkpoint", str(setup["ckpt"])]) == 2
    assert "bad.ttf: not a readable font" in caplog.text
    caplog.clear()
    other = identify_helpers.other_checkpoint(64)
    assert (
        identify.main(
            [str(setup["font"]), "--checkpoint", str(other), "--index", str(setup["ref"])]
        )
        == 2
    )
    assert "index built from checkpoint" in caplog.text and "(32 px" in caplog.text
    caplog.clear()
    assert (
        identify.main([str(setup["font"]), "--checkpoint", str(setup["ckpt"]), "--method", "knn"])
        == 2
    )
    assert "needs --index" in caplog.text


def test_a_font_without_arabic_is_not_given_arabic_letters(setup, tmp_path, caplog):
    # A Latin font with a Greek letter, drawn with the tiny Arabic font's shapes: the tiny
    # model (Arabic letters, a digit and A) would call them beh and alef. Its cmap says Latin
    # and Greek: the Greek glyph stays unlabelled (a script the model never learned), the
    # Latin ones take only Latin or common labels, and the scripts are said in one line.
    from fontfactory import BEH_BOXES, build_boxes_font

    latin = build_boxes_font(
        tmp_path / "latin.ttf",
        {"A": (0, 0, 500, 700), "ccedilla": BEH_BOXES["isol"], "alpha": BEH_BOXES["isol"],
         "I": (0, 0, 100, 700)},
        "",
        cmap={0x41: "A", 0xE7: "ccedilla", 0x3B1: "alpha", 0x49: "I"},
    )  # fmt: skip
    out = tmp_path / "r.json"
    args = ["--checkpoint", str(setup["ckpt"]), "--index", str(setup["ref"]), "--quiet"]
    with caplog.at_level("INFO"):
        assert identify.main([str(latin), *args, "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    rows = {r["glyph_name"]: r for r in doc["glyphs"]}
    assert rows["alpha"]["label"] == "" and rows["alpha"]["codepoint"] is None
    assert rows["alpha"]["evidence"] == "script"
    assert rows["alpha"]["note"] == "Greek: a script the model never learned"
    for name in ("A", "ccedilla", "I"):
        cp = rows[name]["codepoint"]
        assert cp is not None and not 0x600 <= cp <= 0x6FF, (name, rows[name]["label"])
    assert doc["scripts"] == {
        "source": "cmap", "glyphs": {"Greek": 1, "Latin": 3}, "unlabelled_unlearned_script": 1,
    }  # fmt: skip
    assert (
        "latin.ttf: scripts (from the cmap): Latin 3, Greek 1 glyphs; 1 glyphs of Greek stay "
        "unlabelled (the model learned Arabic, Latin)" in caplog.text
    )
    # the shape alone (--scripts ignore) gives the Latin font Arabic letters: what the cmap fixes
    assert identify.main([str(latin), *args, "--out", str(out), "--scripts", "ignore"]) == 0
    rows = {r["glyph_name"]: r for r in json.loads(out.read_text())["glyphs"]}
    assert 0x600 <= rows["alpha"]["codepoint"] <= 0x6FF
