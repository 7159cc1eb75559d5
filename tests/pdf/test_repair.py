"""raster.pdf.repair and the CLI: missing, scrambled and partial maps on real and tiny fonts."""

from __future__ import annotations

import json

import pikepdf
import pytest
from identify_helpers import tiny_run
from oracle import oracle_identifier, truth_by_gid
from pdf_factory import hand_pdf, scramble_tounicode, shaped_pdf, strip_tounicode

from raster.data.bundled import bundled_font_paths
from raster.pdf.__main__ import main
from raster.pdf.repair import analyse_fonts, repair_pdf
from raster.pdf.text_accuracy import char_accuracy, extract_text
from raster.pdf.tounicode import parse_tounicode

LINES = ["لا إله إلا الله", "قال الطالب: لأن السلام عليكم"]
SOURCE = " ".join(LINES)


def _bundled(stem: str):
    return next(p for p in bundled_font_paths() if p.stem == stem)


@pytest.fixture(scope="module", params=["Amiri-Regular", "Tajawal-Regular"])
def real_pdf(request, tmp_path_factory):
    """(original, stripped, scrambled) PDFs of LINES in a bundled font."""
    d = tmp_path_factory.mktemp(request.param)
    original = shaped_pdf(_bundled(request.param), LINES, d / "orig.pdf")
    return (
        original,
        strip_tounicode(original, d / "stripped.pdf"),
        scramble_tounicode(original, d / "scrambled.pdf"),
    )


def test_oracle_repair_restores_the_source_text(real_pdf, tmp_path):
    original, stripped, _ = real_pdf
    assert char_accuracy(extract_text(original), SOURCE) == 1.0
    assert char_accuracy(extract_text(stripped), SOURCE) < 0.25
    truth = truth_by_gid(original)
    reports, written = repair_pdf(stripped, tmp_path / "fixed.pdf", oracle_identifier(truth))
    assert written and [r.action for r in reports] == ["repaired"]
    assert reports[0].unmapped == []
    assert char_accuracy(extract_text(tmp_path / "fixed.pdf"), SOURCE) == 1.0


def test_lam_alef_ligature_maps_to_two_codepoints(tmp_path):
    original = shaped_pdf(_bundled("Tajawal-Regular"), ["لا"], tmp_path / "la.pdf")
    truth = truth_by_gid(original)
    assert "\u0644\u0627" in truth.values()  # Tajawal draws lam-alef as one glyph
    stripped = strip_tounicode(original, tmp_path / "s.pdf")
    repair_pdf(stripped, tmp_path / "f.pdf", oracle_identifier(truth))
    assert extract_text(tmp_path / "f.pdf").strip() == "\u0644\u0627"


def test_scrambled_map_is_flagged_and_replaced_unless_kept(real_pdf, tmp_path):
    original, _, scrambled = real_pdf
    truth = truth_by_gid(original)
    (rep,) = analyse_fonts(scrambled, oracle_identifier(truth), min_confidence=0.5)
    assert rep.compared > 0 and rep.suspect(0.5)
    # naive reference: codes whose (single-character) scrambled text is not the glyph's text
    moved = {
        g.code
        for g in rep.guesses
        if len(rep.declared.get(g.code, "")) == 1 and rep.declared[g.code] != truth[g.gid]
    }
    assert {d["code"] for d in rep.disagreements} == moved
    (rep,) = analyse_fonts(original, oracle_identifier(truth), min_confidence=0.5)
    assert rep.disagreements == [] and not rep.suspect(0.5)
    _, written = repair_pdf(
        scrambled, tmp_path / "kept.pdf", oracle_identifier(truth), keep_declared=True
    )
    assert not written and not (tmp_path / "kept.pdf").exists()
    reports, written = repair_pdf(scrambled, tmp_path / "fixed.pdf", oracle_identifier(truth))
    assert written and reports[0].action == "repaired"
    assert reports[0].replaced.startswith("its ToUnicode agrees with ")
    assert char_accuracy(extract_text(tmp_path / "fixed.pdf"), SOURCE) == 1.0


def test_unsure_glyphs_stay_unmapped(real_pdf, tmp_path):
    original, stripped, _ = real_pdf
    truth = truth_by_gid(original)
    unsure_gid = next(g for g, t in truth.items() if t == "\u0645")  # meem
    ident = oracle_identifier(truth, confidence={unsure_gid: 0.2})
    (rep,), _ = repair_pdf(stripped, tmp_path / "f.pdf", ident, min_confidence=0.5)
    with pikepdf.open(tmp_path / "f.pdf") as pdf:
        cmap = parse_tounicode(pdf.get_object(*rep.font.objgen).ToUnicode.read_bytes())
    unsure_codes = [g.code for g in rep.guesses if g.gid == unsure_gid]
    assert unsure_codes and set(rep.unmapped) == set(unsure_codes)
    assert not set(unsure_codes) & set(cmap)
    text = extract_text(tmp_path / "f.pdf")
    assert text.count("\ufffd") == sum(rep.font.codes[c] for c in unsure_codes) > 0


def test_a_bad_font_is_reported_and_the_others_repaired(tmp_path, tiny_fonts):
    original = shaped_pdf(_bundled("Amiri-Regular"), ["سلام"], tmp_path / "o.pdf")
    truth = truth_by_gid(original)
    stripped = strip_tounicode(original, tmp_path / "s.pdf")
    type3 = hand_pdf(tmp_path / "t3.pdf", "type3-image", b"A")
    both = tmp_path / "both.pdf"
    with pikepdf.open(stripped) as pdf, pikepdf.open(type3) as other:
        pdf.pages.extend(other.pages)
        pdf.save(both)
    reports, written = repair_pdf(both, tmp_path / "f.pdf", oracle_identifier(truth))
    by_type = {r.font.subtype: r for r in reports}
    assert by_type["Type0"].action == "repaired" and by_type["Type3"].action == "skipped"
    assert "no glyph draws a path" in by_type["Type3"].error and written


def test_type1_font_repaired_end_to_end(tmp_path):
    path = hand_pdf(tmp_path / "t1.pdf", "type1", b"BAB")
    reports, written = repair_pdf(path, tmp_path / "f.pdf", oracle_identifier({1: "A", 2: "B"}))
    assert written and reports[0].action == "repaired"
    # no /Widths: three zero-width glyphs at one point; pdfminer puts each on a line of its own,
    # page_lines joins them back (same baseline, touching) into one word, in drawing order
    assert extract_text(tmp_path / "f.pdf") == "BAB"
    with pikepdf.open(tmp_path / "f.pdf") as pdf:
        cmap = pdf.get_object(*reports[0].font.objgen).ToUnicode.read_bytes()
    assert parse_tounicode(cmap) == {65: "A", 66: "B"} and b"<00> <FF>" in cmap


# --- the CLI with the tiny trained model (it memorized the tiny Arabic font's glyphs) ---

TINY_TEXT = "ءببتاب"


@pytest.fixture(scope="module")
def tiny_pdfs(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny_cli")
    original = shaped_pdf(tiny_run()["font"], [TINY_TEXT], d / "orig.pdf")
    return {
        "original": original,
        "stripped": strip_tounicode(original, d / "stripped.pdf"),
        "scrambled": scramble_tounicode(original, d / "scrambled.pdf"),
        "dir": d,
    }


def test_cli_repair_with_the_model(tiny_pdfs, capsys):
    d, ckpt = tiny_pdfs["dir"], tiny_run()["ckpt"]
    out, report = d / "fixed.pdf", d / "report.json"
    argv = ["repair", str(tiny_pdfs["stripped"]), str(out), "--checkpoint", str(ckpt)]
    assert main([*argv, "--json-out", str(report)]) == 0
    assert "MISSING" in capsys.readouterr().out
    assert extract_text(out) == TINY_TEXT
    data = json.loads(report.read_text())
    assert data["written"] and data["fonts"][0]["action"] == "repaired"
    assert {g["label"] for g in data["fonts"][0]["guesses"]} >= {"1576_init", "1576_medi"}


def test_cli_repairs_a_folder_and_files_with_one_model_load(tiny_pdfs, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(tiny_pdfs["stripped"].read_bytes())
    (folder / "b.pdf").write_bytes(b"%PDF-1.4\nnot a pdf\n")
    argv = ["repair", str(folder), str(tiny_pdfs["original"]), "--out-dir", str(tmp_path / "out")]
    assert main([*argv, "--checkpoint", str(tiny_run()["ckpt"]), "--jobs", "2"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    (failed,) = [line for line in captured.err.splitlines() if "FAILED" in line]  # on stderr
    assert failed.startswith(f"{folder / 'b.pdf'}: FAILED: damaged or not a PDF (")
    assert sorted(lines[:2]) == sorted(
        [
            f"{folder / 'a.pdf'} -> {tmp_path / 'out' / 'a.pdf'}: repaired 1",
            f"{tiny_pdfs['original']}: nothing written (kept 1)",
        ]
    )
    assert lines[2] == "3 file(s): 1 written, 1 with errors"
    assert extract_text(tmp_path / "out" / "a.pdf") == TINY_TEXT
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.pdf"]


def test_cli_check_flags_the_scrambled_map(tiny_pdfs, capsys):
    ckpt = tiny_run()["ckpt"]
    assert main(["check", str(tiny_pdfs["scrambled"]), "--checkpoint", str(ckpt)]) == 0
    out = capsys.readouterr().out
    assert "SUSPECT" in out and "declared" in out
    assert main(["check", str(tiny_pdfs["original"]), "--checkpoint", str(ckpt)]) == 0
    out = capsys.readouterr().out
    assert "SUSPECT" not in out and "no declared text disagrees" in out


def test_cli_encrypted_input_gives_one_line_and_no_output(tiny_pdfs, tmp_path, caplog):
    enc = tmp_path / "enc.pdf"
    with pikepdf.open(tiny_pdfs["stripped"]) as pdf:
        pdf.save(enc, encryption=pikepdf.Encryption(owner="o", user=""))
    out = tmp_path / "out.pdf"
    argv = ["repair", str(enc), str(out), "--checkpoint", str(tiny_run()["ckpt"])]
    assert main(argv) == 2
    assert not out.exists()
    assert any("encrypted" in r.getMessage() for r in caplog.records)


def test_suspect_weighs_agreements_against_the_models_confidence():
    from raster.pdf.repair import FontReport

    rep = FontReport(font=None, compared=10, expected_agreement=6.0)
    rep.disagreements = [{}] * 8  # 2 agreements < 0.5 x 6
    assert rep.suspect(0.5)
    rep.disagreements = [{}] * 7  # 3 agreements: not fewer than 0.5 x 6
    assert not rep.suspect(0.5)
    assert not FontReport(font=None).suspect(0.5)  # nothing compared, nothing to suspect
