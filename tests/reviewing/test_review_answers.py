"""Answers files: loading (hash, format, one-line errors) and applying them to a font, a PDF
and a database; the review command's page for the tiny font and PDF (no browser here)."""

from __future__ import annotations

import io
import json
import logging
import re
import sqlite3

import pytest
from fontTools.ttLib import TTFont
from identify_helpers import tiny_run
from PIL import Image

from raster import identify, ingest, review
from raster.data.schema import ANCHOR_QUERY
from raster.paths import file_sha256
from raster.pdf.document import open_pdf, scan_fonts
from raster.pdf.repair import repair_pdf
from raster.pdf.samples import shaped_pdf, strip_tounicode
from raster.pdf.text_accuracy import extract_text, logical_order
from raster.pdf.tounicode import parse_tounicode
from raster.reviewing.answers import AnswersError, load_answers

TEXT = "ءببتاب"
USER_SCHEMA = """
CREATE TABLE fonts (file_hash TEXT PRIMARY KEY, upem INTEGER, ascent INTEGER, descent INTEGER,
    typo_ascent INTEGER, typo_descent INTEGER, x_height INTEGER, cap_height INTEGER,
    line_gap INTEGER);
CREATE TABLE glyphs (glyph_id INTEGER PRIMARY KEY, f_id TEXT, label TEXT, contours TEXT,
    joining_group TEXT, char_class TEXT);
"""
JEEM = "\u062c"


def page_json(html) -> dict:
    text = html.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="review-data">(.*?)</script>', text, re.S)
    return json.loads(m.group(1))


def answers_file(path, data: dict, answers: list[dict]) -> str:
    doc = {
        "format": "glyph-raster-answers",
        "version": 1,
        "kind": data["kind"],
        "file": data["file"],
        "sha256": data["sha256"],
        "face_index": data["face_index"],
        "answers": answers,
    }
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def font_page(tmp_path_factory):
    d = tmp_path_factory.mktemp("review_font")
    run = tiny_run()
    html = d / "review.html"
    assert (
        review.main([str(run["font"]), "--checkpoint", str(run["ckpt"]), "--out", str(html)]) == 0
    )
    return {"html": html, "data": page_json(html), "dir": d, **run}


def test_font_page_lists_every_glyph_lowest_confidence_first(font_page):
    data, html = font_page["data"], font_page["html"].read_text(encoding="utf-8")
    items = data["items"]
    assert data["kind"] == "font" and data["sha256"] == file_sha256(font_page["font"])
    assert sorted(it["g"] for it in items) == list(range(1, 16))  # every outlined glyph
    assert [it["p"] for it in items] == sorted(it["p"] for it in items)
    by_name = {it["n"]: it for it in items}
    assert (by_name["beh.medi"]["l"], by_name["beh.medi"]["t"]) == ("1576_medi", "\u0628")
    for it in items:
        assert it["cands"][0][0] == it["l"] and 1 <= len(it["cands"]) <= 6
        img = Image.open(io.BytesIO(__import__("base64").b64decode(it["img"])))
        assert img.size == (64, 64) and img.mode == "L"
    # self-contained: no URL the browser would fetch
    assert not re.search(r"(src|href)=\"(https?:|//)", html) and "http://" not in html
    assert html.count("<script") == 2  # the data block and one script


def test_identify_applies_font_answers(font_page, tmp_path, caplog):
    data = font_page["data"]
    hamza = next(it for it in data["items"] if it["n"] == "hamza")
    path = answers_file(
        tmp_path / "a.json",
        data,
        [
            {
                "gid": hamza["g"],
                "glyph_name": "hamza",
                "label": "1580_isol",
                "text": JEEM,
                "decision": "typed",
                "original": {"label": hamza["l"], "text": hamza["t"], "confidence": hamza["p"]},
            }
        ],
    )
    base = [str(font_page["font"]), "--checkpoint", str(font_page["ckpt"]), "--quiet"]
    fixed, plain = tmp_path / "fixed.ttf", tmp_path / "plain.ttf"
    assert (
        identify.main([*base, "--write-cmap", str(plain), "--review", str(tmp_path / "i.html")])
        == 0
    )
    assert page_json(tmp_path / "i.html")["items"] == data["items"]  # as raster.review's
    assert identify.main([*base, "--write-cmap", str(fixed), "--answers", path]) == 0
    before, after = TTFont(plain).getBestCmap(), TTFont(fixed).getBestCmap()
    assert before[0x621] == "hamza" and 0x62C not in before
    assert after[0x62C] == "hamza" and 0x621 not in after
    assert {k: v for k, v in after.items() if k != 0x62C} == {
        k: v for k, v in before.items() if k != 0x621
    }
    # the answer as a user-labelled row of that font
    db = tmp_path / "u.db"
    assert ingest.main(["--db", str(db), "--answers", path, str(font_page["font"])]) == 0
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT f_id, label, gid, label_source FROM glyphs").fetchall()
    assert rows == [(file_sha256(font_page["font"]), "1580_isol", hamza["g"], "user")]
    # answers made for another file: one line, exit 2, nothing written
    other = tmp_path / "other.ttf"
    other.write_bytes(font_page["font"].read_bytes() + b"\0")
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        rc = identify.main(
            [str(other), *base[1:], "--write-cmap", str(tmp_path / "x.ttf"), "--answers", path]
        )
    assert rc == 2 and not (tmp_path / "x.ttf").exists()
    (msg,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert "\n" not in msg and "not for other.ttf" in msg and "tiny_arabic.ttf" in msg


@pytest.mark.parametrize(
    "doc, reason",
    [
        ("not json", "not a JSON answers file"),
        ({"format": "x"}, "not a glyph-raster-answers file"),
        ({"format": "glyph-raster-answers", "version": 1, "kind": "pdf"}, "answers for a pdf"),
        (
            {"format": "glyph-raster-answers", "version": 1, "kind": "font", "answers": []},
            "made for",
        ),
    ],
)
def test_bad_answers_files_are_one_line_errors(tmp_path, doc, reason):
    font = tmp_path / "f.ttf"
    font.write_bytes(b"font bytes")
    path = tmp_path / "a.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    with pytest.raises(AnswersError, match=re.escape(reason)) as exc:
        load_answers(path, "font", font)
    assert "\n" not in str(exc.value) and str(path) in str(exc.value)


def test_bad_answer_entry_names_its_row(tmp_path):
    font = tmp_path / "f.ttf"
    font.write_bytes(b"font bytes")
    doc = {
        "format": "glyph-raster-answers",
        "version": 1,
        "kind": "font",
        "sha256": file_sha256(font),
        "answers": [{"gid": 3, "label": "1576_init", "text": "\u0628"}, {"gid": -1, "label": ""}],
    }
    (tmp_path / "a.json").write_text(json.dumps(doc))
    with pytest.raises(AnswersError, match=r"answer 2: gid must be a non-negative integer"):
        load_answers(tmp_path / "a.json", "font", font)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    d = tmp_path_factory.mktemp("review_pdf")
    orig = shaped_pdf(tiny_run()["font"], [TEXT], d / "orig.pdf")
    return {"orig": orig, "broken": strip_tounicode(orig, d / "broken.pdf"), "dir": d}


def _guess_identifier(glyphs):
    """Every glyph: BEH isol at 0.9, ALEF at 0.1 (so the text is known without a model)."""
    return [[("1576_isol", 0.9), ("1575_isol", 0.1)] for _ in glyphs.gids]


def test_repair_answers_override_exactly_their_codes(pdfs, tmp_path):
    with open_pdf(pdfs["broken"]) as pdf:
        (font,) = scan_fonts(pdf)
        (run,) = font.sequences
        objgen = font.objgen
    code = run[0]
    out = tmp_path / "fixed.pdf"
    reports, written = repair_pdf(
        pdfs["broken"], out, _guess_identifier, context=False, answers={objgen: {code: JEEM}}
    )
    assert written and reports[0].answered == 1
    want = [JEEM if c == code else "\u0628" for c in run]
    assert extract_text(out) == logical_order([want])
    # a font whose own map is kept: the answers go over the declared map
    with open_pdf(pdfs["orig"]) as pdf:
        (font,) = scan_fonts(pdf)
        (run,) = font.sequences
        declared = parse_tounicode(font.obj.ToUnicode.read_bytes())
        objgen = font.objgen
    reports, written = repair_pdf(
        pdfs["orig"], tmp_path / "kept.pdf", _guess_identifier, answers={objgen: {code: JEEM}}
    )
    assert written and reports[0].action == "repaired"
    assert logical_order([[declared[c] for c in run]]) == TEXT
    want = [JEEM if c == code else declared[c] for c in run]
    assert extract_text(tmp_path / "kept.pdf") == logical_order([want]) != TEXT


def test_pdf_page_and_ingest_answers_as_user_rows(pdfs, tmp_path):
    run = tiny_run()
    html = tmp_path / "r.html"
    assert (
        review.main([str(pdfs["broken"]), "--checkpoint", str(run["ckpt"]), "--out", str(html)])
        == 0
    )
    data = page_json(html)
    assert data["kind"] == "pdf" and len(data["fonts"]) == 1
    with open_pdf(pdfs["broken"]) as pdf:
        (font,) = scan_fonts(pdf)
    assert {it["c"] for it in data["items"]} == set(font.codes)
    assert all(it["w"] for it in data["items"])  # every code shows the word it is in
    item = data["items"][0]
    path = answers_file(
        tmp_path / "a.json",
        data,
        [
            {"font": data["fonts"][0]["key"], "code": item["c"], "gid": item["g"],
             "label": "1580_init", "text": JEEM, "decision": "typed", "original": {}},
            {"font": data["fonts"][0]["key"], "code": data["items"][1]["c"], "label": "",
             "text": "", "decision": "typed", "original": {}},
        ],
    )  # fmt: skip
    # the user's own database: the anchor query's columns only, no label_source
    db = tmp_path / "user.db"
    conn = sqlite3.connect(db)
    conn.executescript(USER_SCHEMA)
    conn.close()
    for _ in range(2):  # answering again replaces the rows
        assert ingest.main(["--db", str(db), "--answers", path, str(pdfs["broken"])]) == 0
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT label, label_source, contours, joining_group FROM glyphs"
    ).fetchall()
    assert [(r[0], r[1], r[3]) for r in rows] == [("1580_init", "user", "HAH")]
    assert json.loads(rows[0][2])  # the glyph's outline
    (anchor,) = conn.execute(ANCHOR_QUERY, (10,)).fetchall()
    assert anchor[2] == "1580_init" and anchor[6] is not None  # joined to its fonts row (upem)
    # the wrong PDF: one line, nothing written
    assert ingest.main(["--db", str(db), "--answers", path, str(pdfs["orig"])]) == 2
