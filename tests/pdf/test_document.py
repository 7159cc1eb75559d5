"""raster.pdf.document: opening PDFs strictly, listing fonts and the codes the pages show."""

from __future__ import annotations

import fontfactory
import pikepdf
import pytest
from pdf_factory import hand_pdf, shaped_pdf

from raster.pdf.document import PdfInputError, open_pdf, scan_fonts
from raster.pdf.tounicode import parse_tounicode


@pytest.fixture(scope="module")
def arabic_pdf(tmp_path_factory):
    d = tmp_path_factory.mktemp("doc")
    font = fontfactory.build_arabic_font(d / "ar.ttf")
    return shaped_pdf(font, ["ءببتاب", "بب"], d / "ar.pdf")


def test_fpdf2_font_is_described(arabic_pdf):
    with open_pdf(arabic_pdf) as pdf:
        (font,) = scan_fonts(pdf)
        declared = parse_tounicode(font.obj.ToUnicode.read_bytes())
    assert (font.subtype, font.descendant_subtype) == ("Type0", "CIDFontType2")
    assert font.encoding == "Identity-H" and font.program == "FontFile2"
    assert font.subset and font.has_tounicode and font.resource_names == {"/F1"}
    assert font.pages == {1} and font.code_bytes == 2
    # fpdf2 gives each shown glyph its own code and maps exactly those (plus 0 and space)
    assert set(font.codes) == set(declared) - {0, 32}
    assert sum(font.codes.values()) == 6 + 2  # one code per glyph shown


def _page_pdf(path, content: bytes, form_content: bytes | None = None):
    pdf = pikepdf.new()

    def font(name):
        return pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name(name)
            )
        )

    res = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font("/One"), F2=font("/Two")))
    if form_content is not None:
        form = pdf.make_stream(form_content)
        form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
        form.BBox = [0, 0, 100, 100]
        form.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F9=font("/Nine")))
        res.XObject = pikepdf.Dictionary(X1=form)
    pdf.pages.append(
        pikepdf.Page(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Page,
                MediaBox=[0, 0, 200, 200],
                Resources=res,
                Contents=pdf.make_stream(content),
            )
        )
    )
    pdf.save(path)
    return path


def test_text_state_q_Q_TJ_and_forms(tmp_path):
    content = (
        b"BT /F1 10 Tf (AB) Tj ET q BT /F2 10 Tf [(C) -20 (DD)] TJ ET Q BT (E) Tj ET /X1 Do /X1 Do"
    )
    path = _page_pdf(tmp_path / "state.pdf", content, b"BT /F9 5 Tf (Z) ' ET")
    with open_pdf(path) as pdf:
        fonts = {f.base_font: f for f in scan_fonts(pdf)}
    # after Q the font is /F1 again, so E counts for One; the form is walked once
    assert dict(fonts["One"].codes) == {ord("A"): 1, ord("B"): 1, ord("E"): 1}
    assert dict(fonts["Two"].codes) == {ord("C"): 1, ord("D"): 2}
    assert dict(fonts["Nine"].codes) == {ord("Z"): 1}
    # runs kept as context: one per Tj, one per TJ array (kerning numbers skipped)
    assert fonts["One"].sequences == [[ord("A"), ord("B")], [ord("E")]]
    assert fonts["Two"].sequences == [[ord("C"), ord("D"), ord("D")]]
    assert not fonts["One"].subset and fonts["One"].program is None


def test_hand_made_kinds_are_described(tmp_path, tiny_fonts):
    path = hand_pdf(tmp_path / "cid.pdf", "cid-cff", b"\x00\x01\x00\x02", tiny_fonts["cff"])
    with open_pdf(path) as pdf:
        (font,) = scan_fonts(pdf)
    assert font.program == "FontFile3/CIDFontType0C" and dict(font.codes) == {1: 1, 2: 1}
    path = hand_pdf(tmp_path / "t3.pdf", "type3", b"AA")
    with open_pdf(path) as pdf:
        (font,) = scan_fonts(pdf)
    assert font.subtype == "Type3" and dict(font.codes) == {65: 2}


def test_encrypted_pdf_is_refused(tmp_path, arabic_pdf):
    enc = tmp_path / "enc.pdf"
    with pikepdf.open(arabic_pdf) as pdf:
        pdf.save(enc, encryption=pikepdf.Encryption(owner="o", user=""))
    with pytest.raises(PdfInputError, match="encrypted"):
        open_pdf(enc)
    locked = tmp_path / "locked.pdf"
    with pikepdf.open(arabic_pdf) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(owner="o", user="u"))
    with pytest.raises(PdfInputError, match="password"):
        open_pdf(locked)


def test_damaged_and_non_pdf_inputs_are_refused(tmp_path, arabic_pdf):
    data = arabic_pdf.read_bytes()
    cut = data.rindex(b"startxref")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(data[:cut] + b"startxref\n99999999\n%%EOF\n")
    with pytest.raises(PdfInputError, match="damaged"):
        open_pdf(broken)
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"this is not a pdf at all")
    with pytest.raises(PdfInputError, match="junk.pdf"):
        open_pdf(junk)
    with pytest.raises(PdfInputError, match="no such file"):
        open_pdf(tmp_path / "missing.pdf")
