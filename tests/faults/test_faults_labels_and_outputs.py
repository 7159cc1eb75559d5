"""Issue 29, round 2: labels that name no character (answers, ingest, cmaps), long OUT names,
symlink loops, PDF answers that name nothing shown, review of what is not a font, the API's
errors and rasterize's silent runs. Each asserts the exact outcome."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from helpers import assert_no_traceback, sha256
from identify_helpers import tiny_run

from raster import identify, ingest
from raster.engine.checkpoint import load_checkpoint, save_checkpoint
from raster.errors import AnswersError, LabelError
from raster.paths import file_sha256, temp_path
from raster.pdf.__main__ import main as pdf_main
from raster.pdf.samples import shaped_pdf, strip_tounicode
from raster.pdf.tounicode import build_tounicode
from raster.reviewing.answers import load_answers

TEXT = "ءببتاب"


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    d = tmp_path_factory.mktemp("fault_pdfs_r2")
    original = shaped_pdf(tiny_run()["font"], [TEXT], d / "orig.pdf")
    stripped = strip_tounicode(original, d / "stripped.pdf")
    return {"dir": d, "original": original, "stripped": stripped}


def _ckpt() -> str:
    return str(tiny_run()["ckpt"])


def _messages(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelname in ("ERROR", "WARNING")]


def _font_answers(path, font, answers: list[dict]):
    """A font answers file, one key per line (``indent=1``), as the review page exports it."""
    doc = {
        "format": "glyph-raster-answers",
        "version": 1,
        "kind": "font",
        "file": font.name,
        "sha256": file_sha256(font),
        "face_index": 0,
        "answers": answers,
    }
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return path


GOOD = {"gid": 3, "label": "1576_init", "text": "\u0628"}


# -- 4, 21: answers naming no character are refused at the file, with the line -----------------


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"gid": 4, "label": "55296_isol"}, "label '55296_isol': U+D800 is a surrogate"),
        ({"gid": 4, "label": "", "text": "\ud800"}, "text '\\ud800': U+D800 is a surrogate"),
        ({"gid": 4, "label": "0_isol"}, "label '0_isol': U+0000 is the null character"),
        ({"gid": 4, "label": "", "text": "\uffff"}, "text '\\uffff': U+FFFF is a noncharacter"),
        ({"gid": 4, "label": "", "text": "a\x00"}, "U+0000 is the null character"),
        ({"gid": 4, "label": "65007_isol"}, "label '65007_isol': U+FDEF is a noncharacter"),
    ],
)
def test_answers_naming_no_character_are_refused_with_the_line(tmp_path, bad, reason):
    font = tmp_path / "f.ttf"
    font.write_bytes(b"font bytes")
    path = _font_answers(tmp_path / "a.json", font, [GOOD, bad])
    with pytest.raises(AnswersError) as exc:
        load_answers(path, "font", font)
    starts = [i + 1 for i, text in enumerate(path.read_text().splitlines()) if text == "  {"]
    line = starts[1]  # the second entry's opening brace
    assert str(exc.value).startswith(f"{path}: line {line}: answer 2: ")
    assert reason in str(exc.value) and "\n" not in str(exc.value)


def test_identify_with_a_surrogate_answer_is_one_line(tmp_path, capsys, caplog):
    font = tmp_path / "font.ttf"
    shutil.copy(tiny_run()["font"], font)
    path = _font_answers(tmp_path / "a.json", font, [{"gid": 3, "label": "", "text": "\ud800"}])
    out = tmp_path / "x.json"
    argv = [str(font), "--checkpoint", _ckpt(), "--quiet", "--out", str(out), "--answers"]
    assert identify.main([*argv, str(path)]) == 2
    assert_no_traceback(capsys.readouterr().err)
    (msg,) = _messages(caplog)
    assert msg.startswith(f"{path}: line 9: answer 1: text '\\ud800': U+D800 is a surrogate")
    assert not out.exists()


# -- 10: ingest refuses such a label; so does every cmap writer ---------------------------------


def test_ingest_answers_refuses_a_surrogate_label(tmp_path, capsys):
    font = tmp_path / "font.ttf"
    shutil.copy(tiny_run()["font"], font)
    path = _font_answers(tmp_path / "a.json", font, [{"gid": 3, "label": "55296_isol"}])
    db = tmp_path / "u.db"
    assert ingest.main(["--db", str(db), "--answers", str(path), str(font)]) == 2
    err = capsys.readouterr().err
    assert_no_traceback(err)
    assert err.strip() == (
        f"error: {path}: line 9: answer 1: label '55296_isol': U+D800 is a surrogate, not a "
        "character"
    )
    if db.exists():
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT COUNT(*) FROM glyphs").fetchone() == (0,)


def test_identify_refuses_a_surrogate_label_in_the_cmap(tmp_path, caplog):
    ckpt = load_checkpoint(tiny_run()["ckpt"])
    l2i = dict(ckpt["label_to_index"])
    l2i["55296_isol"] = l2i.pop("1576_isol")  # beh's label, now a surrogate (a bad DB row)
    crafted = save_checkpoint(tmp_path / "odd.pt", {**ckpt, "label_to_index": l2i})
    out = tmp_path / "fixed.ttf"
    argv = [str(tiny_run()["font"]), "--checkpoint", str(crafted), "--quiet"]
    assert identify.main([*argv, "--write-cmap", str(out), "--min-confidence", "0"]) == 2
    (msg,) = _messages(caplog)
    assert msg.endswith(
        "label '55296_isol': U+D800 is a surrogate, not a character; not written into a cmap"
    )
    assert msg.startswith("glyph ") and not out.exists()


def test_tounicode_refuses_text_naming_no_character():
    assert build_tounicode({5: "\u0628"}, 1)
    with pytest.raises(LabelError, match=r"^code 5: text '\\ud800': U\+D800 is a surrogate"):
        build_tounicode({4: "\u0628", 5: "\ud800"}, 1)


# -- 16: temporary names fit beside any legal OUT name ------------------------------------------


def test_temp_name_is_short_whatever_the_output_name(tmp_path):
    out = tmp_path / ("\u0628" * 125)  # 250 bytes in UTF-8
    tmp = temp_path(out)
    assert tmp.parent == tmp_path and tmp.name.startswith(".") and tmp.name.endswith(".part")
    assert len(tmp.name.encode()) <= 64 + 16 and tmp.exists()


def test_a_250_byte_out_name_is_written(pdfs, tmp_path):
    out = tmp_path / ("a" * 246 + ".pdf")
    assert pdf_main(["repair", str(pdfs["stripped"]), str(out), "--checkpoint", _ckpt()]) == 0
    assert out.is_file() and sha256(out) != sha256(pdfs["stripped"])
    fixed = tmp_path / ("b" * 246 + ".ttf")
    argv = [str(tiny_run()["font"]), "--checkpoint", _ckpt(), "--quiet", "--min-confidence", "0"]
    assert identify.main([*argv, "--write-cmap", str(fixed)]) == 0
    assert fixed.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, fixed.name])


# -- 5: OUT a symlink loop -----------------------------------------------------------------------


def test_out_a_symlink_loop_is_one_line(pdfs, tmp_path, caplog):
    loop = tmp_path / "loop.pdf"
    loop.symlink_to(loop)
    assert pdf_main(["repair", str(pdfs["stripped"]), str(loop), "--checkpoint", _ckpt()]) == 2
    assert _messages(caplog) == [
        f"{loop}: cannot write OUT (a symbolic link loop: it points back to itself)"
    ]
    assert loop.is_symlink()


# -- 9: PDF answers naming an absent font or a code never shown ---------------------------------


def test_pdf_answers_for_nothing_shown_are_said_and_not_written(pdfs, tmp_path, capsys):
    from raster.pdf.document import open_pdf, scan_fonts
    from raster.pdf.tounicode import parse_tounicode

    with open_pdf(pdfs["stripped"]) as pdf:
        (font,) = scan_fonts(pdf)
        shown = {c for run in font.sequences for c in run}
        obj, gen = font.objgen
        label = font.label
    unseen = next(c for c in range(1, 256) if c not in shown)
    doc = {
        "format": "glyph-raster-answers",
        "version": 1,
        "kind": "pdf",
        "file": pdfs["stripped"].name,
        "sha256": file_sha256(pdfs["stripped"]),
        "answers": [
            {"font": f"{obj} {gen}", "code": unseen, "label": "1580_isol"},
            {"font": "999 0", "code": min(shown), "label": "1580_isol"},
        ],
    }
    path = tmp_path / "a.json"
    path.write_text(json.dumps(doc))
    out = tmp_path / "fixed.pdf"
    argv = ["repair", str(pdfs["stripped"]), str(out), "--checkpoint", _ckpt()]
    assert pdf_main([*argv, "--answers", str(path)]) == 0
    captured = capsys.readouterr()
    assert (
        f"answers name font object 999 0 R, which {pdfs['stripped']} does not have; not used"
        in captured.err.splitlines()
    )
    assert (
        f"font {label}: answers for code(s) {unseen}, which the PDF never shows; not written"
        in captured.err.splitlines()
    )
    assert "from answers" not in captured.out  # nothing counted as answered
    with open_pdf(out) as pdf:
        (fixed,) = scan_fonts(pdf)
        mapped = parse_tounicode(fixed.obj.ToUnicode.read_bytes())
    assert unseen not in mapped and "\u062c" not in mapped.values()


# -- 15: review of what is no font or PDF says what it is ---------------------------------------


def test_review_says_what_the_file_is(tmp_path, caplog):
    from PIL import Image

    from raster import review

    text = tmp_path / "notes.pdf"
    text.write_text("hello\n")
    jpeg = tmp_path / "scan.pdf"
    Image.new("RGB", (4, 4)).save(jpeg, format="JPEG")
    folder = tmp_path / "fonts"
    folder.mkdir()
    cases = {
        text: f"{text}: neither a PDF (no %PDF header) nor a font: it is text",
        jpeg: f"{jpeg}: neither a PDF (no %PDF header) nor a font: it is a JPEG image",
        folder: f"{folder}: is a folder; give a font file or a PDF",
        tmp_path / "gone.ttf": f"{tmp_path / 'gone.ttf'}: no such file",
    }
    for source, want in cases.items():
        caplog.clear()
        argv = [str(source), "--checkpoint", _ckpt(), "--out", str(tmp_path / "r.html")]
        assert review.main(argv) == 2
        assert _messages(caplog) == [want]
    assert not (tmp_path / "r.html").exists()


# -- 20: every API error is a raster.errors class naming the file --------------------------------


def test_api_errors_are_raster_errors_naming_the_file(pdfs, tmp_path):
    import raster
    from raster.errors import FontLoadError, OutputPathError, PdfInputError, RasterError

    model = raster.load_model(tiny_run()["ckpt"])
    loop = tmp_path / "loop.pdf"
    loop.symlink_to(loop)
    src = pdfs["stripped"]
    cases = [
        (
            lambda: raster.identify_font(tmp_path / "gone.ttf", model=model),
            FontLoadError,
            f"{tmp_path / 'gone.ttf'}: cannot read file (No such file or directory)",
        ),
        (lambda: raster.identify_font(src, model=model), FontLoadError, f"{src}: not a readable"),
        (
            lambda: raster.check_pdf(tmp_path / "gone.pdf", model=model),
            PdfInputError,
            f"{tmp_path / 'gone.pdf'}: no such file",
        ),
        (
            lambda: raster.repair_pdf(src, tmp_path, model=model),
            OutputPathError,
            f"{tmp_path}: dst names a folder; give a file name",
        ),
        (
            lambda: raster.repair_pdf(src, loop, model=model),
            OutputPathError,
            f"{loop}: cannot write dst (a symbolic link loop: it points back to itself)",
        ),
    ]
    for call, cls, message in cases:
        with pytest.raises(cls) as exc:
            call()
        assert isinstance(exc.value, RasterError) and str(exc.value).startswith(message)


def test_api_repair_into_a_read_only_folder_names_it(pdfs, tmp_path):
    from helpers import read_only_folder

    import raster
    from raster.errors import OutputPathError

    model = raster.load_model(tiny_run()["ckpt"])
    folder = tmp_path / "ro"
    folder.mkdir()
    with read_only_folder(folder) as ro:
        if ro is None:
            pytest.skip("no read-only folder can be made here")
        with pytest.raises(OutputPathError) as exc:
            raster.repair_pdf(pdfs["stripped"], ro / "o.pdf", model=model)
        assert str(exc.value) == f"{ro / 'o.pdf'}: cannot write dst (folder {ro} is not writable)"
        assert list(ro.iterdir()) == []


# -- 21: rasterize that writes nothing says so and exits 1 ---------------------------------------


def test_rasterize_writing_no_png_is_exit_1_with_a_line(tmp_path, caplog):
    from helpers import anchor_db

    from raster import rasterize

    db = anchor_db(tmp_path / "g.db")
    out = tmp_path / "png"
    argv = ["--db", str(db), "--out-dir", str(out)]
    assert rasterize.main([*argv, "--label-regex", "^9999_"]) == 1
    assert _messages(caplog) == [f"{db}: no glyph selected (see the filters above): 0 PNGs written"]
    assert not out.exists() or list(out.iterdir()) == []
    caplog.clear()
    assert rasterize.main(argv) == 0  # the same DB without the filter: both rows
    assert sorted(p.name for p in out.iterdir()) == ["4242_65_isol.png", "7_1576_init.png"]
