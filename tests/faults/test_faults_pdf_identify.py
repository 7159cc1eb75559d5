"""PDF, identify and checkpoint faults: damaged PDFs, outputs over inputs, empty or collection
cmaps, labels outside Unicode, crafted checkpoints. Each asserts the exact outcome."""

from __future__ import annotations

import json
import os
import re
import shutil

import pikepdf
import pytest
import torch
from fontTools.ttLib import TTCollection, TTFont
from helpers import assert_no_traceback, error_lines, sha256, tree_digest
from identify_helpers import tiny_run

from raster import identify
from raster.engine.checkpoint import load_checkpoint, save_checkpoint
from raster.pdf.__main__ import main as pdf_main
from raster.pdf.samples import shaped_pdf, strip_tounicode

TEXT = "ءببتاب"


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    d = tmp_path_factory.mktemp("fault_pdfs")
    original = shaped_pdf(tiny_run()["font"], [TEXT], d / "orig.pdf")
    stripped = strip_tounicode(original, d / "stripped.pdf")
    return {"dir": d, "original": original, "stripped": stripped}


def _ckpt():
    return str(tiny_run()["ckpt"])


def _messages(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelname in ("ERROR", "WARNING")]


def test_undecodable_content_stream_is_damage_not_nothing_to_repair(pdfs, tmp_path, caplog):
    bad = tmp_path / "bad_content.pdf"
    with pikepdf.open(pdfs["stripped"]) as pdf:
        pdf.pages[0].obj.Contents.write(b"\x00not zlib\xff" * 10, filter=pikepdf.Name.FlateDecode)
        pdf.save(bad)
    before = sha256(bad)
    out = tmp_path / "out.pdf"
    assert pdf_main(["repair", str(bad), str(out), "--checkpoint", _ckpt()]) == 2
    (msg,) = _messages(caplog)
    assert msg.startswith(f"{bad}: damaged: page 1: its content stream does not decode (")
    assert msg.endswith("; rebuild it first (e.g. `qpdf IN.pdf rebuilt.pdf`)")
    assert not out.exists() and sha256(bad) == before
    caplog.clear()
    assert pdf_main(["check", str(bad), "--checkpoint", _ckpt()]) == 2
    assert _messages(caplog) == [msg]


def test_blanked_object_is_damage_not_not_embedded(pdfs, tmp_path, caplog):
    data = bytearray(pdfs["stripped"].read_bytes())
    with pikepdf.open(pdfs["stripped"]) as pdf:
        (num,) = [
            o.objgen[0]
            for o in pdf.objects
            if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/FontDescriptor"
        ]
    start = re.search(rb"\n%d 0 obj" % num, data).start() + 1
    end = data.index(b"endobj", start) + len(b"endobj")
    data[start:end] = b" " * (end - start)  # the xref still points here
    bad = tmp_path / "blanked.pdf"
    bad.write_bytes(bytes(data))
    out = tmp_path / "out.pdf"
    assert pdf_main(["repair", str(bad), str(out), "--checkpoint", _ckpt()]) == 2
    (msg,) = _messages(caplog)
    assert msg.startswith(f"{bad}: damaged: {bad} (object {num} 0, offset ")
    assert f"): expected {num} 0 obj; rebuild it first" in msg
    assert not out.exists()


def test_undecodable_tounicode_is_named(pdfs, tmp_path, capsys):
    bad = tmp_path / "bad_tounicode.pdf"
    with pikepdf.open(pdfs["original"]) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and "/ToUnicode" in obj:
                obj.ToUnicode.write(b"\x01\x02garbage" * 5, filter=pikepdf.Name.FlateDecode)
        pdf.save(bad)
    for argv in (["check", str(bad)], ["repair", str(bad), str(tmp_path / "o.pdf")]):
        assert pdf_main([*argv, "--checkpoint", _ckpt()]) == 1
        out, err = capsys.readouterr()
        assert_no_traceback(err)
        (line,) = error_lines(err)
        assert re.fullmatch(
            r"font /F\S+ \S+ \(obj \d+\): its ToUnicode map does not decode \(.*inflate.*\)", line
        ), line
    assert not (tmp_path / "o.pdf").exists()


@pytest.mark.parametrize("mode", [0o644, 0o640])
def test_repaired_pdf_keeps_the_input_mode(pdfs, tmp_path, mode):
    src = tmp_path / "in.pdf"
    shutil.copy(pdfs["stripped"], src)
    src.chmod(mode)
    out = tmp_path / "fixed.pdf"
    assert pdf_main(["repair", str(src), str(out), "--checkpoint", _ckpt()]) == 0
    assert out.stat().st_mode & 0o777 == mode


def test_empty_password_pdf_is_checked_but_not_repaired(pdfs, tmp_path, capsys, caplog):
    enc = tmp_path / "enc.pdf"
    with pikepdf.open(pdfs["stripped"]) as pdf:
        pdf.save(enc, encryption=pikepdf.Encryption(owner="o", user=""))
    assert pdf_main(["check", str(enc), "--checkpoint", _ckpt()]) == 0
    assert "MISSING" in capsys.readouterr().out
    out = tmp_path / "o.pdf"
    assert pdf_main(["repair", str(enc), str(out), "--checkpoint", _ckpt()]) == 2
    assert any("encrypted" in m for m in _messages(caplog)) and not out.exists()


def test_pdf_outputs_never_overwrite_the_input(pdfs, tmp_path, caplog):
    src = tmp_path / "in.pdf"
    shutil.copy(pdfs["stripped"], src)
    link = tmp_path / "link.pdf"
    link.symlink_to(src)
    before = sha256(src)
    cases = [
        (["repair", str(src), str(tmp_path / "o.pdf"), "--json-out", str(src)], "--json-out"),
        (["repair", str(src), str(link)], "OUT"),
        (["check", str(src), "--json-out", str(link)], "--json-out"),
    ]
    for argv, flag in cases:
        caplog.clear()
        assert pdf_main([*argv, "--checkpoint", _ckpt()]) == 2
        (msg,) = _messages(caplog)
        named = argv[argv.index("--json-out") + 1] if flag == "--json-out" else argv[2]
        assert (
            msg
            == f"{named}: {flag} names the input {src}; refusing to overwrite it, give another path"
        )
        assert sha256(src) == before
    assert not (tmp_path / "o.pdf").exists()


def test_identify_outputs_never_overwrite_the_font(tmp_path, caplog):
    font = tmp_path / "font.ttf"
    shutil.copy(tiny_run()["font"], font)
    before = tree_digest(tmp_path)
    for flag in ("--write-cmap", "--out", "--json-out"):
        caplog.clear()
        argv = [str(font), "--checkpoint", _ckpt(), "--quiet", "--evaluate", flag, str(font)]
        assert identify.main(argv) == 2
        assert _messages(caplog) == [
            f"{font}: {flag} names the input {font}; refusing to overwrite it, give another path"
        ]
    assert tree_digest(tmp_path) == before


def test_identify_unwritable_or_folder_outputs(tmp_path, caplog):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    cases = {
        str(tmp_path): f"{tmp_path}: --out names a folder; give a file name",
        str(
            blocker / "r.json"
        ): f"{blocker / 'r.json'}: cannot write --out ({blocker} is not a folder)",
    }
    for target, want in cases.items():
        caplog.clear()
        argv = [str(tiny_run()["font"]), "--checkpoint", _ckpt(), "--quiet", "--out", target]
        assert identify.main(argv) == 2
        assert _messages(caplog) == [want]


def test_write_cmap_refuses_an_empty_cmap(tmp_path, caplog):
    out = tmp_path / "fixed.ttf"
    argv = [str(tiny_run()["font"]), "--checkpoint", _ckpt(), "--quiet", "--write-cmap", str(out)]
    # --min-confidence is a probability (at most 1); the shape alone never reaches 1
    assert (
        identify.main([*argv, "--names", "ignore", "--gsub", "ignore", "--min-confidence", "1"])
        == 1
    )
    assert _messages(caplog) == [
        f"{out}: no prediction reaches --min-confidence 1: a font with an empty cmap would "
        "map no text, not written (lower --min-confidence)"
    ]
    assert not out.exists()


def test_write_cmap_on_a_collection_writes_a_collection(tmp_path, tiny_fonts):
    ttc = tmp_path / "pair.ttc"
    coll = TTCollection()
    coll.fonts = [TTFont(tiny_fonts["truetype"]), TTFont(tiny_run()["font"])]
    coll.save(ttc)
    out = tmp_path / "fixed.ttc"
    argv = [str(ttc), "--face-index", "1", "--checkpoint", _ckpt(), "--quiet"]
    assert identify.main([*argv, "--write-cmap", str(out), "--min-confidence", "0"]) == 0
    assert out.read_bytes()[:4] == b"ttcf"
    fixed = TTCollection(out)
    assert len(fixed.fonts) == 2
    assert (
        fixed.fonts[0]["cmap"].getBestCmap() == TTFont(tiny_fonts["truetype"])["cmap"].getBestCmap()
    )
    cmap = fixed.fonts[1]["cmap"].getBestCmap()
    assert cmap and cmap.get(0x0628) == "beh"  # the tiny model knows the tiny font's beh


def test_label_outside_unicode_does_not_crash_identify(tmp_path, capsys):
    ckpt = load_checkpoint(tiny_run()["ckpt"])
    l2i = dict(ckpt["label_to_index"])
    l2i["99999999_isol"] = l2i.pop("1576_isol")  # beh's label, now beyond U+10FFFF
    crafted = save_checkpoint(tmp_path / "odd.pt", {**ckpt, "label_to_index": l2i})
    out = tmp_path / "r.json"
    argv = [str(tiny_run()["font"]), "--checkpoint", str(crafted), "--out", str(out)]
    assert identify.main(argv) == 0
    assert_no_traceback(capsys.readouterr().err)
    (beh,) = [r for r in json.loads(out.read_text())["glyphs"] if r["glyph_name"] == "beh"]
    assert (beh["label"], beh["codepoint"], beh["char"], beh["form"]) == (
        "99999999_isol",
        None,
        "",
        "",
    )


def test_crafted_pickle_checkpoint_is_refused_without_unsafe_advice(tmp_path, caplog):
    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / 'pwned'}",))

    evil = tmp_path / "evil.pt"
    torch.save({"format": 1, "model": Payload()}, evil)
    argv = [str(tiny_run()["font"]), "--checkpoint", str(evil), "--quiet"]
    assert identify.main(argv) == 2
    assert _messages(caplog) == [
        f"{evil}: not a glyph-raster checkpoint (it refers to posix.system, not just tensors and "
        "plain data; refused without running it)"
    ]
    assert not (tmp_path / "pwned").exists()
    assert "weights_only" not in caplog.text
