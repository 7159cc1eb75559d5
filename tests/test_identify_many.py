"""raster.identify over several fonts: one model load, per-font results as single runs."""

import json
import shutil

import fontfactory
import identify_helpers
import pytest

from raster import identify


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("many")
    run = identify_helpers.tiny_run()
    ref = identify_helpers.build_reference(d / "ref")
    (d / "fonts").mkdir()
    second = fontfactory.build_presentation_font(d / "fonts" / "second.ttf")
    first = d / "fonts" / "first.ttf"
    shutil.copyfile(run["font"], first)
    return {"fonts": [first, second], "ckpt": run["ckpt"], "ref": ref}


def _model(setup):
    return ["--checkpoint", str(setup["ckpt"]), "--index", str(setup["ref"]), "--quiet"]


def test_several_fonts_load_the_model_once_and_match_single_runs(
    setup, tmp_path, monkeypatch, capsys
):
    calls = []
    load = identify.load_predictor

    def counting(*args, **kwargs):
        calls.append(args)
        return load(*args, **kwargs)

    monkeypatch.setattr(identify, "load_predictor", counting)
    fonts = [str(f) for f in setup["fonts"]]
    out, report = tmp_path / "out", tmp_path / "eval.json"
    argv = [*fonts, *_model(setup), "--evaluate", "--out-dir", str(out), "--json-out", str(report)]
    assert identify.main(argv) == 0
    assert len(calls) == 1
    stdout = capsys.readouterr().out
    assert [line for line in stdout.splitlines() if line.startswith("==>")] == [
        f"==> {f} <==" for f in fonts
    ]
    many = json.loads(report.read_text())["fonts"]
    assert [r["font"] for r in many] == fonts
    for font, many_report in zip(setup["fonts"], many, strict=True):
        single_out, single_report = tmp_path / "one.json", tmp_path / "one_eval.json"
        argv = [str(font), *_model(setup), "--evaluate", "--json-out", str(single_report)]
        assert identify.main([*argv, "--out", str(single_out)]) == 0
        assert json.loads((out / f"{font.stem}.json").read_text()) == json.loads(
            single_out.read_text()
        )
        assert many_report == json.loads(single_report.read_text())
    assert len(calls) == 3


def test_an_unreadable_font_is_one_line_and_the_others_run(setup, tmp_path, caplog, capsys):
    bad = tmp_path / "bad.ttf"
    bad.write_bytes(b"\x00\x01\x00\x00garbage")
    out = tmp_path / "out"
    argv = [str(bad), str(setup["fonts"][1]), *_model(setup), "--out-dir", str(out)]
    assert identify.main(argv) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].startswith(f"{bad}: not a readable font")
    assert (out / "second.json").is_file() and not (out / "bad.json").exists()
    assert f"==> {setup['fonts'][1]} <==" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra, says",
    [
        (["--write-cmap", "fixed.ttf"], "--write-cmap take one FONT; got 2 fonts"),
        (["--review", "r.html", "--answers", "a.json"], "--review and --answers take one FONT"),
        (["--out", "r.json"], "--out take one FONT; got 2 fonts (--out-dir DIR writes"),
    ],
)
def test_one_font_flags_are_refused_for_several(setup, tmp_path, caplog, extra, says):
    extra = [str(tmp_path / e) if "." in e else e for e in extra]
    fonts = [str(f) for f in setup["fonts"]]
    assert identify.main([*fonts, *_model(setup), *extra]) == 2
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and says in errors[0]


def test_same_file_names_would_collide_in_the_out_folder(setup, tmp_path, caplog):
    twin = tmp_path / "elsewhere" / "first.ttf"
    twin.parent.mkdir()
    shutil.copyfile(setup["fonts"][0], twin)
    argv = [str(setup["fonts"][0]), str(twin), *_model(setup), "--out-dir", str(tmp_path / "o")]
    assert identify.main(argv) == 2
    assert "would both write first.json" in caplog.text
