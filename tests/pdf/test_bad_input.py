"""Bad input inside a PDF: one line per font or page, the rest repaired, the input untouched."""

from __future__ import annotations

import pikepdf
from oracle import oracle_identifier, truth_by_gid
from pdf_factory import hand_pdf, shaped_pdf, strip_tounicode

from raster.data.bundled import bundled_font_paths
from raster.pdf.repair import repair_pdf
from raster.pdf.text_accuracy import extract_text

TEXT = "سلام عليكم"


def _amiri():
    return next(p for p in bundled_font_paths() if p.stem == "Amiri-Regular")


def _type3_image_font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """A Type3 font whose one glyph paints an image XObject."""
    image = pdf.make_stream(
        b"\xff",
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=1,
        Height=1,
        ColorSpace=pikepdf.Name.DeviceGray,
        BitsPerComponent=8,
    )
    proc = pdf.make_stream(b"500 0 d0 q 500 0 0 700 0 0 cm /Im1 Do Q")
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type3,
            Name=pikepdf.Name("/Stamp"),
            FontBBox=[0, 0, 500, 700],
            FontMatrix=[0.001, 0, 0, 0.001, 0, 0],
            CharProcs=pikepdf.Dictionary(img=proc),
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im1=image)),
            Encoding=pikepdf.Dictionary(Differences=[65, pikepdf.Name("/img")]),
            FirstChar=65,
            LastChar=65,
            Widths=[500],
        )
    )


def test_every_bad_part_gets_one_line_and_the_rest_is_repaired(tmp_path):
    original = shaped_pdf(_amiri(), [TEXT], tmp_path / "o.pdf")
    truth = truth_by_gid(original)
    stripped = strip_tounicode(original, tmp_path / "s.pdf")
    bad = tmp_path / "bad.pdf"
    helvetica = hand_pdf(tmp_path / "h.pdf", "helvetica", b"A")
    with pikepdf.open(stripped) as pdf, pikepdf.open(helvetica) as other:
        page = pdf.pages[0]
        # page 1: unbalanced q/Q and BT/ET around the text; an unused font in its resources
        body = page.obj.Contents.read_bytes()
        page.obj.Contents = pdf.make_stream(b"Q q q " + body + b" BT")
        page.obj.Resources.Font.Unused = pdf.copy_foreign(other.pages[0].Resources.Font.F1)
        # page 2: a form XObject that draws itself
        form = pdf.make_stream(
            b"q /Fm1 Do Q",
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Form,
            BBox=[0, 0, 10, 10],
        )
        form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fm1=form))
        pdf.pages.append(
            pikepdf.Page(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Page,
                    MediaBox=[0, 0, 612, 792],
                    Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fm1=form)),
                    Contents=pdf.make_stream(b"/Fm1 Do"),
                )
            )
        )
        # page 3: text in a Type3 font whose glyph is an image
        pdf.pages.append(
            pikepdf.Page(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Page,
                    MediaBox=[0, 0, 612, 792],
                    Resources=pikepdf.Dictionary(
                        Font=pikepdf.Dictionary(T3=_type3_image_font(pdf))
                    ),
                    Contents=pdf.make_stream(b"BT /T3 12 Tf 72 700 Td (A) Tj ET"),
                )
            )
        )
        pdf.save(bad)
    with pikepdf.open(bad) as pdf:  # saving renumbers objects
        form_obj = pdf.pages[1].Resources.XObject.Fm1.objgen[0]
    before = bad.read_bytes()
    notes: list[str] = []
    reports, written = repair_pdf(bad, tmp_path / "f.pdf", oracle_identifier(truth), notes=notes)
    assert bad.read_bytes() == before
    assert written and (tmp_path / "f.pdf").read_bytes().startswith(before)
    by_type = {r.font.subtype: r for r in reports}
    assert by_type["Type0"].action == "repaired"
    assert by_type["Type3"].action == "skipped"
    assert by_type["Type3"].error == (
        "Type3 font: no glyph draws a path (glyph /img: paints an image (Do), not a path)"
    )
    assert by_type["Type3"].font.base_font == "Stamp"  # no /BaseFont: its /Name
    assert len(notes) == 4 and notes[0:2] == [
        "page 1: unbalanced q/Q (1 Q without q, 2 q not closed); read as a viewer would",
        "page 1: unbalanced BT/ET (0 misplaced, 1 not closed); read as a viewer would",
    ]
    assert notes[2] == (
        f"page 2: form XObject /Fm1 (obj {form_obj}) draws itself (a cycle); drawn once"
    )
    assert notes[3].startswith("font /Unused Helvetica (obj ")
    assert notes[3].endswith("listed by page 1 but used by no page; not mapped")
    assert TEXT in extract_text(tmp_path / "f.pdf")


def test_a_failed_file_leaves_no_output(tmp_path):
    from raster.pdf.batch import plan_outputs, repair_many

    good = strip_tounicode(shaped_pdf(_amiri(), [TEXT], tmp_path / "o.pdf"), tmp_path / "a.pdf")
    junk = tmp_path / "b.pdf"
    junk.write_bytes(b"%PDF-1.4\nnot really\n")
    out = tmp_path / "out"
    truth = truth_by_gid(tmp_path / "o.pdf")
    results = repair_many(plan_outputs([good, junk], out), oracle_identifier(truth), jobs=2)
    assert [r.written for r in results] == [True, False]
    assert results[1].error.startswith(f"{junk}: damaged or not a PDF")
    assert sorted(p.name for p in out.iterdir()) == ["a.pdf"]
    assert results[0].line() == f"{good} -> {out / 'a.pdf'}: repaired 1"
    assert results[1].line().startswith(f"{junk}: FAILED: damaged or not a PDF")
