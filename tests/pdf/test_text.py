"""raster.pdf text: the text of every producer's fixture as repair + extraction gives it, the
producers' own text layers unchanged, reading order (columns, ruled tables, bidi runs), the
per-page verdict, the formats, the CLI and the API."""

from __future__ import annotations

import json
from pathlib import Path

import pikepdf
import pytest
from oracle import fixture_truth, fonts_oracle_identifier, oracle_identifier, truth_by_gid
from pdf_factory import scramble_tounicode, shaped_pdf, strip_tounicode

from raster.data.bundled import bundled_font_paths
from raster.pdf.__main__ import build_parser, main, text_options
from raster.pdf.document import open_pdf, scan_fonts
from raster.pdf.layout import Shown, logical_words
from raster.pdf.reading_order import Box, reading_order
from raster.pdf.repair import repair_pdf
from raster.pdf.samples import (
    ARABIC_LINES,
    COLUMN_TITLE,
    COLUMNS,
    TABLE,
    TABLE_CAPTION,
    ruled_table_pdf,
    two_column_pdf,
)
from raster.pdf.text import TextOptions, read_text
from raster.pdf.text_accuracy import extract_text, normalize
from raster.pdf.tounicode import build_tounicode

FIXTURES = Path(__file__).parent / "fixtures"
CASES = [
    pytest.param(p, id=p.stem, marks=() if p.stem.endswith("-Regular") else pytest.mark.slow)
    for p in sorted(FIXTURES.glob("*.pdf"))
]


def _bundled(stem: str) -> Path:
    return next(p for p in bundled_font_paths() if p.stem == stem)


def _flat(text: str) -> str:
    return normalize(text.replace("\f", " ").replace("\n", " "))


def _same_but_unknowns(mine: str, extracted: str) -> bool:
    """Equal texts, except that where ``mine`` says U+FFFD (a code the map lacks) an extractor
    may show the font encoding's guess (pdfminer: a simple font's standard encoding)."""
    return len(mine) == len(extracted) and all(
        a == b or a == "\ufffd" for a, b in zip(mine, extracted, strict=True)
    )


def no_labels(glyphs):
    """An identifier that knows nothing (a kept map must not need it)."""
    return [[] for _ in glyphs.gids]


@pytest.fixture(scope="module")
def noto_oracle():
    from oracle import outline_oracle_identifier

    font = next(p for p in bundled_font_paths() if p.name.startswith("NotoSansArabic"))
    return outline_oracle_identifier(font)


def _identifier(pdf: Path, info: dict, noto_oracle):
    if "NotoSansArabic" in pdf.name:
        return noto_oracle
    return fonts_oracle_identifier(fixture_truth(pdf, info["tounicode"]))


@pytest.mark.parametrize("pdf", CASES)
def test_stripped_fixture_reads_as_repair_then_extraction(pdf, noto_oracle, tmp_path):
    info = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
    ident = _identifier(pdf, info, noto_oracle)
    options = TextOptions()
    doc = read_text(pdf, ident, options)
    reports, written = repair_pdf(
        pdf,
        tmp_path / "fixed.pdf",
        ident,
        min_confidence=options.min_confidence,
        language=options.language,
    )
    assert written
    assert _same_but_unknowns(_flat(doc.text), normalize(extract_text(tmp_path / "fixed.pdf")))
    assert [f.action for f in doc.fonts] == [r.action for r in reports]
    assert doc.repaired and all(f.action == "repaired" for f in doc.fonts)
    (page,) = doc.pages
    assert page.direction == "rtl"
    # a code the producer's own map lacks stays unknown (its accuracy is under 1 there)
    assert page.verdict == ("degraded" if "\ufffd" in doc.text else "ok")
    assert any("read from its glyphs (it has no ToUnicode map)" in r for r in page.reasons)


def _restore_producer_maps(pdf: Path, info: dict, dst: Path) -> Path:
    """The fixture with the producer's own ToUnicode maps put back (its original text layer)."""
    with open_pdf(pdf) as doc:
        fonts = scan_fonts(doc)
        for font, saved in zip(fonts, info["tounicode"], strict=True):
            cmap = build_tounicode({int(c): t for c, t in saved["map"].items()}, font.code_bytes)
            font.obj.ToUnicode = doc.make_stream(cmap)
        doc.save(dst)
    return dst


@pytest.mark.parametrize("pdf", CASES)
def test_the_producers_own_text_layer_comes_out_unchanged(pdf, tmp_path):
    info = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
    original = _restore_producer_maps(pdf, info, tmp_path / "original.pdf")
    doc = read_text(original, no_labels)
    assert _flat(doc.text) == normalize(extract_text(original))
    assert doc.repaired == [] and {f.action for f in doc.fonts} == {"kept"}
    # a code the producer's own map lacks is unknown (its accuracy is under 1 there)
    assert [p.verdict for p in doc.pages] == ["degraded" if "\ufffd" in doc.text else "ok"]
    assert all(set(line.confidences) <= {0.0, 1.0} for line in doc.pages[0].lines)


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    d = tmp_path_factory.mktemp("text_samples")
    amiri = _bundled("Amiri-Regular")
    original = shaped_pdf(amiri, ARABIC_LINES[:2], d / "orig.pdf")
    return {
        "original": original,
        "stripped": strip_tounicode(original, d / "stripped.pdf"),
        "scrambled": scramble_tounicode(original, d / "scrambled.pdf"),
        "columns": two_column_pdf(amiri, d / "columns.pdf"),
        "table": ruled_table_pdf(amiri, d / "table.pdf"),
    }


def test_two_columns_read_right_column_first(samples):
    doc = read_text(samples["columns"], no_labels)
    assert [line.text for line in doc.pages[0].lines] == [COLUMN_TITLE, *COLUMNS[0], *COLUMNS[1]]
    assert all(line.direction == "rtl" for line in doc.pages[0].lines)


def test_ruled_table_reads_row_by_row_from_the_right(samples):
    doc = read_text(samples["table"], no_labels)
    assert [line.text for line in doc.pages[0].lines] == [
        TABLE_CAPTION,
        *(cell for row in TABLE for cell in row),
    ]


def test_the_table_without_its_rules_would_read_otherwise():
    """Rows and columns of equal gaps: the rules decide (the gaps alone give columns)."""
    boxes = [Box(x, y, x + 40, y + 10) for y in (100, 86, 72) for x in (200, 100, 0)]
    rules = [(0, y, 240, y) for y in (112, 98, 84, 70)]
    assert reading_order(boxes, rules, rtl=True) == list(range(9))
    assert reading_order(boxes, [], rtl=True) != list(range(9))


def _glyphs(texts: str, x: float = 0.0) -> list[Shown]:
    return [Shown(None, i, t, x + 10 * i, x + 10 * i + 8) for i, t in enumerate(texts)]


@pytest.mark.parametrize(
    ("visual", "logical"),
    [
        (["ءبت"], ["تبء"]),  # Arabic reversed
        (["2024", "ماع"], ["عام", "2024"]),  # a number keeps its digits left to right
        (["12.5", "يف"], ["في", "12.5"]),  # with its decimal separator
        # a Latin run keeps its words' order
        (["PDF", "files", "تافلم", "أرقا"], ["اقرأ", "ملفات", "PDF", "files"]),
        (["abc", "بت", "def"], ["abc", "تب", "def"]),  # a left-to-right line keeps its order
    ],
)
def test_lines_are_put_in_logical_order_by_the_bidi_rules(visual, logical):
    line = [_glyphs(word, 100 * i) for i, word in enumerate(visual)]
    (words,) = logical_words([line], lambda g: g.text)
    assert ["".join(g.text for g in w) for w in words] == logical


def test_a_scrambled_map_is_read_from_the_glyphs_unless_kept(samples):
    truth = oracle_identifier(truth_by_gid(samples["original"]))
    doc = read_text(samples["scrambled"], truth, TextOptions(keep_declared=True))
    (page,) = doc.pages
    assert page.verdict == "needs_ocr" and doc.fonts[0].suspect and doc.repaired == []
    assert any("kept by --keep-declared" in r for r in page.reasons)
    fixed = read_text(samples["scrambled"], truth)
    assert fixed.pages[0].text.split("\n") == ARABIC_LINES[:2]
    assert fixed.pages[0].verdict == "ok" and len(fixed.repaired) == 1


def test_unsure_glyphs_are_unknown_and_the_page_needs_ocr(samples):
    truth = truth_by_gid(samples["original"])
    unsure = oracle_identifier(truth, {g: 0.1 for g in truth})
    doc = read_text(samples["stripped"], unsure)
    (page,) = doc.pages
    assert page.verdict == "needs_ocr" and page.confidence == 0.0
    assert set(page.text) <= {"\ufffd", " ", "\n"}
    assert any("characters unknown (U+FFFD)" in r for r in page.reasons)


def test_jsonl_has_a_record_per_page_with_lines_boxes_and_confidences(samples):
    doc = read_text(samples["stripped"], oracle_identifier(truth_by_gid(samples["original"])))
    (record,) = [json.loads(x) for x in doc.render("jsonl").splitlines()]
    assert record["page"] == 1 and record["verdict"] == "ok" and record["direction"] == "rtl"
    assert [line["text"] for line in record["lines"]] == ARABIC_LINES[:2]
    for line in record["lines"]:
        assert len(line["confidences"]) == len(line["text"]) and len(line["bbox"]) == 4
        assert line["fonts"] and line["size"] > 0
    assert record["fonts"][0]["action"] == "repaired"
    md = doc.render("md")
    assert "| from its glyphs |" in md and "## Page 1: ok" in md and ARABIC_LINES[0] in md


def test_text_and_repair_share_their_defaults():
    parser = build_parser()
    for command in ("repair", "text"):
        argv = [command, "a.pdf", "b.pdf"] if command == "repair" else [command, "a.pdf"]
        args = parser.parse_args(argv)
        assert text_options(args) == TextOptions(), command


def test_cli_writes_each_format_and_a_damaged_file_is_one_line(samples, tmp_path, capsys):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\nnot a pdf\n")
    argv = ["text", str(samples["original"]), str(bad), "--out-dir", str(tmp_path / "out")]
    assert main([*argv, "--format", "jsonl"]) == 1
    err = capsys.readouterr().err
    assert f"{bad}: FAILED: damaged or not a PDF" in err
    assert "fonts read from their glyphs: none" in err
    (record,) = (tmp_path / "out" / "orig.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(record)["text"] == "\n".join(ARABIC_LINES[:2])
    assert main(["text", str(samples["original"])]) == 0
    assert capsys.readouterr().out == "\n".join(ARABIC_LINES[:2]) + "\n"


def test_cli_refuses_an_output_over_an_input(samples, tmp_path):
    src = tmp_path / "a.pdf"
    src.write_bytes(samples["original"].read_bytes())
    (tmp_path / "a.txt").write_bytes(b"")
    assert main(["text", str(src), str(tmp_path / "a.txt"), "--out-dir", str(tmp_path)]) == 2


def test_api_extract_text_reads_as_the_cli(samples, capsys):
    import raster

    doc = raster.extract_text(samples["stripped"])
    assert main(["text", str(samples["stripped"]), "--format", "jsonl"]) == 0
    assert capsys.readouterr().out == doc.render("jsonl")
    assert len(doc.repaired) == 1 and doc.pages[0].lines


def test_the_original_pdf_is_not_touched(samples):
    before = samples["stripped"].read_bytes()
    read_text(samples["stripped"], no_labels)
    assert samples["stripped"].read_bytes() == before
    with pikepdf.open(samples["stripped"]) as pdf:
        assert len(pdf.pages) == 1


def test_answers_override_the_model_for_their_codes(samples):
    with open_pdf(samples["stripped"]) as pdf:
        (font,) = scan_fonts(pdf)
        code, objgen = font.sequences[0][0], font.objgen
    truth = oracle_identifier(truth_by_gid(samples["original"]))
    plain = read_text(samples["stripped"], truth)
    told = read_text(samples["stripped"], truth, answers={objgen: {code: "\u06a4"}})
    assert "\u06a4" in told.text and "\u06a4" not in plain.text
    assert len(told.text) == len(plain.text)
    assert main(["text", str(samples["stripped"]), str(samples["original"]), "--answers",
                 str(samples["stripped"])]) == 2  # fmt: skip


def test_digits_and_latin_in_arabic_lines_read_left_to_right(tmp_path):
    lines = ["في عام 2024 قرأت 12.5 كتابا", "ملفات PDF كثيرة"]
    pdf = shaped_pdf(_bundled("Amiri-Regular"), lines, tmp_path / "mixed.pdf")
    doc = read_text(pdf, no_labels)
    assert doc.pages[0].text.split("\n") == lines
    assert [line.direction for line in doc.pages[0].lines] == ["rtl", "rtl"]


def test_actual_text_already_in_the_pdf_is_read_as_readers_read_it(noto_oracle, tmp_path):
    """A PDF with /ActualText spans (written by repair) and its maps stripped again: the
    spans' letters come out once each, whether the fonts are kept or read from their glyphs."""
    pdf = FIXTURES / "cairo-NotoSansArabic-Regular.pdf"
    source = (FIXTURES / "source.txt").read_text(encoding="utf-8")
    repair_pdf(pdf, tmp_path / "fixed.pdf", noto_oracle)
    with pikepdf.open(tmp_path / "fixed.pdf") as doc:  # rewritten whole (its update's xref
        doc.save(tmp_path / "whole.pdf")  # stream lacks its own entry: another issue's work)
    kept = read_text(tmp_path / "whole.pdf", no_labels)
    assert kept.repaired == [] and _flat(kept.text) == normalize(source)
    again = strip_tounicode(tmp_path / "whole.pdf", tmp_path / "again.pdf")
    reread = read_text(again, noto_oracle)
    assert reread.repaired and _flat(reread.text) == normalize(source)
