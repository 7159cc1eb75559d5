"""raster.pdf.surgery: the incremental update keeps the input's bytes and fails safe."""

from __future__ import annotations

import fontfactory
import pikepdf
import pytest
from pdf_factory import shaped_pdf, strip_tounicode

from raster.pdf import surgery
from raster.pdf.document import PdfInputError, open_pdf, scan_fonts
from raster.pdf.tounicode import build_tounicode


@pytest.fixture()
def stripped(tmp_path):
    font = fontfactory.build_arabic_font(tmp_path / "ar.ttf")
    return strip_tounicode(shaped_pdf(font, ["ببب"], tmp_path / "a.pdf"), tmp_path / "s.pdf")


def test_update_appends_and_reads_back(tmp_path, stripped):
    with open_pdf(stripped) as pdf:
        (font,) = scan_fonts(pdf)
    cmap = build_tounicode({1: "\u0628", 2: "\u0628", 3: "\u0628"}, 2)
    before = stripped.read_bytes()
    out = surgery.write_tounicode(stripped, tmp_path / "out.pdf", {font.objgen: cmap})
    after = out.read_bytes()
    assert stripped.read_bytes() == before  # input untouched
    assert after.startswith(before) and len(after) > len(before)
    assert after[len(before) :].count(b"%%EOF") == 1  # one update section
    with pikepdf.open(out, attempt_recovery=False) as pdf:
        got = pdf.get_object(*font.objgen).ToUnicode.read_bytes()
    assert got == cmap


def test_refuses_to_overwrite_input(stripped):
    with pytest.raises(PdfInputError, match="must not overwrite"):
        surgery.write_tounicode(stripped, stripped, {(5, 0): b""})


def test_failed_check_leaves_no_file(tmp_path, stripped, monkeypatch):
    with open_pdf(stripped) as pdf:
        (font,) = scan_fonts(pdf)

    def fail(*args):
        raise PdfInputError("simulated read-back failure")

    monkeypatch.setattr(surgery, "_verify", fail)
    out = tmp_path / "out" / "x.pdf"
    with pytest.raises(PdfInputError, match="simulated"):
        surgery.write_tounicode(stripped, out, {font.objgen: build_tounicode({1: "a"}, 2)})
    assert list(out.parent.iterdir()) == []  # neither the output nor its .part file
