"""The demo's table of the held-out family: outline only and as shipped, fonts weighed by their
glyph counts."""

from pathlib import Path

from raster.evaluation.holdout_run import (
    OUTLINE_ONLY_FLAGS,
    comparison_table,
    holdout_training_argv,
)


def _report(name, n, label, char, per_form):
    return {
        "font": f"/x/{name}.ttf",
        "plain": {
            "glyphs": n,
            "top1_label": label,
            "top1_char": char,
            "per_form": {f: {"n": k, "top1_label": v} for f, (k, v) in per_form.items()},
        },
    }


def test_both_columns_weigh_fonts_by_their_glyphs():
    outline = [
        _report("A", 100, 0.5, 0.6, {"isol": (60, 0.5), "init": (40, 0.5)}),
        _report("B", 300, 0.9, 1.0, {"isol": (300, 0.9)}),
    ]
    shipped = [_report("A", 100, 0.7, 0.8, {}), _report("B", 300, 1.0, 1.0, {})]
    lines = comparison_table(outline, shipped).splitlines()
    assert lines[0] == (
        "| font | glyphs | label top-1, outline only | label top-1, as shipped "
        "| char top-1, outline only | char top-1, as shipped |"
    )
    assert lines[2] == "| A.ttf | 100 | 50.0% | 70.0% | 60.0% | 80.0% |"
    assert lines[3] == "| B.ttf | 300 | 90.0% | 100.0% | 100.0% | 100.0% |"
    # all, outline only: label (50 + 270) / 400 = 80%, char (60 + 300) / 400 = 90%;
    # as shipped: label (70 + 300) / 400 = 92.5%, char (80 + 300) / 400 = 95%
    assert lines[4] == "| **all** | 400 | 80.0% | 92.5% | 90.0% | 95.0% |"
    assert len(lines) == 5  # no letters line without letters reports


def test_the_letters_line_says_both():
    a, b = _report("A", 10, 0.5, 0.5, {}), _report("B", 10, 0.5, 0.5, {})
    a["letters"] = {"glyphs": 30, "top1_label": 0.9, "top1_char": 1.0}
    b["letters"] = {"glyphs": 10, "top1_label": 0.5, "top1_char": 0.6}
    shipped = [{**a, "letters": {"glyphs": 30, "top1_label": 1.0, "top1_char": 1.0}}, b]
    last = comparison_table([a, b], shipped).splitlines()[-1]
    assert last == (
        "Arabic letters only (40 glyphs): outline only label top-1 80.0%, char top-1 90.0%; "
        "as shipped label top-1 87.5%, char top-1 90.0%"
    )


def test_the_demo_identifies_each_font_twice_and_says_which_is_which(tmp_path, monkeypatch):
    import json

    from raster import demo

    calls = []

    def fake_identify(argv):
        calls.append(argv)
        out = Path(argv[argv.index("--json-out") + 1])
        out.parent.mkdir(parents=True, exist_ok=True)
        outline = "--names" in argv
        out.write_text(json.dumps(_report("Amiri", 10, 0.5 if outline else 0.9, 0.6, {})))
        return 0

    monkeypatch.setattr(demo.identify, "main", fake_identify)
    ckpt, ref = tmp_path / "best.pt", tmp_path / "ref"
    outline = demo._identify_heldout(["/f/Amiri.ttf"], tmp_path, ckpt, ref, OUTLINE_ONLY_FLAGS)
    shipped = demo._identify_heldout(["/f/Amiri.ttf"], tmp_path, ckpt, ref)
    names = calls[0].index("--names")
    assert tuple(calls[0][names : names + 4]) == OUTLINE_ONLY_FLAGS == (
        "--names", "ignore", "--gsub", "ignore",
    )  # fmt: skip
    assert "--names" not in calls[1] and "--gsub" not in calls[1]
    assert (tmp_path / "identify_outline" / "Amiri.json").is_file()
    assert (tmp_path / "identify" / "Amiri.json").is_file()  # what the run report reads
    table = comparison_table(outline, shipped)
    assert "| Amiri.ttf | 10 | 50.0% | 90.0% |" in table
    heading = demo.heldout_heading("Amiri")
    assert (
        "outline only: from the glyph outlines alone (identify --names ignore --gsub ignore)"
        in heading
    )
    assert "as shipped:" in heading and "predictions from outlines only" not in heading


def test_demo_runs_what_train_recommends():
    from raster import demo, train

    d = demo.build_parser().parse_args([])
    argv = holdout_training_argv(
        d.db, d.run_dir, epochs=d.epochs, img_size=d.img_size, time_budget=d.time_budget
    )
    pairs = {  # the flags with values
        a: b
        for a, b in zip(argv, argv[1:], strict=False)
        if a.startswith("--") and not b.startswith("--")
    }
    for flag in ("--img-size", "--epochs", "--time-budget", "--val-frac"):
        assert f"{flag} {pairs[flag].removesuffix('.0')}" in train.RECOMMENDED
    for flag in ("--pre-rasterize", "--font-disjoint"):
        assert flag in argv and flag in train.RECOMMENDED
