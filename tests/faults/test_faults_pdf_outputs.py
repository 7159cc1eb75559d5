"""Issue 29 items 1 and 12: `raster.pdf repair` never replaces a user's own PDF, and a ToUnicode
stream that maps nothing is a missing map."""

from __future__ import annotations

import pikepdf
import pytest
from helpers import sha256
from identify_helpers import tiny_run

from raster.pdf.__main__ import main as pdf_main
from raster.pdf.samples import shaped_pdf, strip_tounicode

TEXT = "ءببتاب"


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    d = tmp_path_factory.mktemp("fault_outputs")
    original = shaped_pdf(tiny_run()["font"], [TEXT], d / "orig.pdf")
    return {"original": original, "stripped": strip_tounicode(original, d / "stripped.pdf")}


def _ckpt():
    return str(tiny_run()["ckpt"])


def _errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]


@pytest.mark.parametrize("jobs", [[], ["--jobs", "2"]])
def test_two_pdfs_without_out_dir_do_not_overwrite_the_second(pdfs, tmp_path, caplog, jobs):
    report = tmp_path / "report.pdf"
    report.write_bytes(pdfs["stripped"].read_bytes())
    thesis = tmp_path / "thesis.pdf"
    thesis.write_bytes(pdfs["original"].read_bytes())  # the user's own PDF
    before = sha256(thesis)
    assert pdf_main(["repair", str(report), str(thesis), *jobs, "--checkpoint", _ckpt()]) == 2
    (msg,) = _errors(caplog)
    if jobs:
        assert msg == ("--jobs repairs many PDFs into --out-dir DIR; IN.pdf OUT.pdf is one repair")
    else:
        assert msg == (
            f"{thesis}: exists and is not an earlier repair of {report}; refusing to overwrite "
            "it (to repair several PDFs give --out-dir DIR; --force overwrites)"
        )
    assert sha256(thesis) == before


def test_an_earlier_output_is_replaced_and_force_overwrites(pdfs, tmp_path, caplog):
    src = pdfs["stripped"]
    out = tmp_path / "fixed.pdf"
    assert pdf_main(["repair", str(src), str(out), "--checkpoint", _ckpt()]) == 0
    first = out.read_bytes()
    assert first.startswith(src.read_bytes())
    # the same command again: OUT is its own earlier output
    assert pdf_main(["repair", str(src), str(out), "--checkpoint", _ckpt()]) == 0
    assert out.read_bytes() == first and _errors(caplog) == []
    other = tmp_path / "other.pdf"
    other.write_bytes(b"%PDF-1.4 not yours to lose")
    assert pdf_main(["repair", str(src), str(other), "--checkpoint", _ckpt()]) == 2
    assert pdf_main(["repair", str(src), str(other), "--force", "--checkpoint", _ckpt()]) == 0
    assert other.read_bytes() == first


def test_out_dir_refuses_an_existing_file_that_is_not_an_earlier_repair(pdfs, tmp_path, caplog):
    out_dir = tmp_path / "fixed"
    out_dir.mkdir()
    (out_dir / "stripped.pdf").write_bytes(b"the user's own file")
    args = ["repair", str(pdfs["stripped"]), "--out-dir", str(out_dir), "--checkpoint", _ckpt()]
    assert pdf_main(args) == 2
    (msg,) = _errors(caplog)
    assert msg.startswith(f"{out_dir / 'stripped.pdf'}: exists and is not an earlier repair of ")
    assert (out_dir / "stripped.pdf").read_bytes() == b"the user's own file"
    assert pdf_main([*args, "--force"]) == 0
    assert (out_dir / "stripped.pdf").read_bytes().startswith(pdfs["stripped"].read_bytes())
    assert pdf_main(args) == 0  # now an earlier repair: replaced without --force


def test_garbage_tounicode_is_a_missing_map(pdfs, tmp_path, capsys):
    garbage = tmp_path / "garbage.pdf"
    with pikepdf.open(pdfs["stripped"]) as pdf:
        for _, font in pdf.pages[0].Resources.Font.items():
            font.ToUnicode = pdf.make_stream(b"%!garbage\nnot { a cmap ] at all >> 12 beginbfchar")
        pdf.save(garbage)
    assert pdf_main(["check", str(garbage), "--checkpoint", _ckpt()]) == 0
    table = capsys.readouterr().out
    row = next(line for line in table.splitlines() if "MISSING" in line)
    assert "its ToUnicode maps none of the codes shown" in row and "0/0" not in row
    out = tmp_path / "fixed.pdf"
    assert pdf_main(["repair", str(garbage), str(out), "--checkpoint", _ckpt()]) == 0
    said = capsys.readouterr().out
    assert "repaired" in said and f"wrote {out}" in said
    with pikepdf.open(out) as pdf:
        (font,) = (f for _, f in pdf.pages[0].Resources.Font.items())
        assert b"beginbfchar" in font.ToUnicode.read_bytes()
        assert b"garbage" not in font.ToUnicode.read_bytes()
