"""The Python API with the model shipped in the package, on bundled fonts (which it saw)."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest
from fontTools.pens.recordingPen import DecomposingRecordingPen

import raster
from raster.data.bundled import bundled_font_paths
from raster.inference.evaluate import arabic_letters, truth_labels
from raster.inference.font_glyphs import read_font_glyphs
from raster.pdf.samples import scramble_tounicode, shaped_pdf, strip_tounicode
from raster.pdf.text_accuracy import char_accuracy, extract_text

FONT = "Tajawal-Regular"
LINES = ["كتب الطالب درسه في المكتبة", "صغير جميل ذو ظل خفيف"]
SOURCE = " ".join(LINES)


def _bundled(stem: str):
    return next(p for p in bundled_font_paths() if p.stem == stem)


@pytest.fixture(scope="module")
def predictions():
    return raster.identify_font(_bundled(FONT), top_k=3)


def test_import_raster_stays_light():
    code = "import sys, raster; print(sorted({'torch', 'numpy', 'raster.api'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert callable(raster.identify_font) and "identify_font" in dir(raster)


def test_identify_font_labels_a_bundled_font(predictions):
    glyphs = read_font_glyphs(_bundled(FONT))
    assert [p.gid for p in predictions] == [int(g) for g in glyphs.gids]
    assert [p.glyph_name for p in predictions] == glyphs.names
    for p in predictions:
        assert len(p.alternatives) == 2 and 0.0 <= p.confidence <= 1.0
        assert p.confidence >= max(q for _, q in p.alternatives)
        if p.codepoint is not None and "+" not in p.label:
            assert p.char == chr(p.codepoint) and p.label.startswith(f"{p.codepoint}_")
    truth = arabic_letters(truth_labels(glyphs.face))
    by_gid = {p.gid: p.label for p in predictions}
    right = sum(by_gid[g] in t.labels for g, t in truth.items())
    assert len(truth) > 100
    assert right / len(truth) >= 0.9  # a font the shipped model was trained on


def test_identify_outline_agrees_with_identify_font(predictions):
    from fontTools.ttLib import TTFont

    font = TTFont(_bundled(FONT))
    cmap, glyph_set = font.getBestCmap(), font.getGlyphSet()
    upem = font["head"].unitsPerEm
    by_name = {p.glyph_name: p for p in predictions}
    names = [cmap[cp] for cp in (0x0639, 0x0628, 0x0647, 0x0644, 0x0031)]
    for name in names:
        want = by_name[name]
        got = raster.identify_outline(glyph_set[name], upem, top_k=3)
        assert got.label == want.label  # identify_font also weighs names/GSUB: same answer
        assert got.gid is None and got.glyph_name == ""
        pen = DecomposingRecordingPen(glyph_set)
        glyph_set[name].draw(pen)
        assert raster.identify_outline(pen.value, upem, top_k=3).label == want.label
    many = raster.identify_outlines([glyph_set[n] for n in names], upem)
    assert [p.label for p in many] == [by_name[n].label for n in names]


def test_identify_outline_bad_input_is_one_line():
    with pytest.raises(ValueError, match="not an outline operator"):
        raster.identify_outline([("addComponent", ("alef", (1, 0, 0, 1, 0, 0)))], 1000)
    with pytest.raises(ValueError, match="units_per_em must be positive"):
        raster.identify_outline([("moveTo", ((0, 0),)), ("closePath", ())], 0)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    d = tmp_path_factory.mktemp("api_pdf")
    original = shaped_pdf(_bundled(FONT), LINES, d / "orig.pdf")
    return {
        "original": original,
        "stripped": strip_tounicode(original, d / "stripped.pdf"),
        "scrambled": scramble_tounicode(original, d / "scrambled.pdf"),
        "dir": d,
    }


def test_repair_pdf_restores_the_text(pdfs):
    assert char_accuracy(extract_text(pdfs["stripped"]), SOURCE) < 0.2
    out = pdfs["dir"] / "fixed.pdf"
    result = raster.repair_pdf(pdfs["stripped"], out)
    assert result.written and [f.action for f in result.fonts] == ["repaired"]
    font = result.fonts[0]
    assert not font.has_tounicode and font.codes_shown == len(font.identified)
    assert char_accuracy(extract_text(out), SOURCE) >= 0.95


def test_check_pdf_flags_only_the_scrambled_map(pdfs):
    [ok] = raster.check_pdf(pdfs["original"])
    [bad] = raster.check_pdf(pdfs["scrambled"])
    assert ok.has_tounicode and ok.compared > 10 and not ok.suspect
    assert bad.suspect and bad.agreements < bad.compared / 4
    assert ok.action == "" and ok.error is None


def test_commands_use_the_shipped_model_without_flags(pdfs, caplog, capsys):
    from raster import identify
    from raster.pdf.__main__ import main as pdf_main

    caplog.set_level(logging.INFO)
    assert identify.main([str(_bundled(FONT)), "--quiet"]) == 0
    assert pdf_main(["repair", str(pdfs["stripped"]), str(pdfs["dir"] / "cli.pdf")]) == 0
    said = [r.getMessage() for r in caplog.records if "shipped model" in r.getMessage()]
    assert len(said) == 2 and said[0].startswith("no --checkpoint: using the shipped model")
    assert char_accuracy(extract_text(pdfs["dir"] / "cli.pdf"), SOURCE) >= 0.95
    capsys.readouterr()


def test_demo_sample_repair(tmp_path):
    from raster.evaluation.sample_repair import repair_sample

    res = repair_sample(_bundled("Amiri-Regular"), tmp_path)
    assert res.broken.exists() and res.fixed.exists()
    assert res.accuracy_before < 0.2 and res.accuracy_after >= 0.9
