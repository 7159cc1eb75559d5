"""The demo's summary table weighs fonts by their glyph counts."""

from raster.evaluation.holdout_run import holdout_training_argv
from raster.evaluation.holdout_run import summary_table as _summary


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


def test_summary_rows_and_weighted_total():
    table = _summary(
        [
            _report("A", 100, 0.5, 0.6, {"isol": (60, 0.5), "init": (40, 0.5)}),
            _report("B", 300, 0.9, 1.0, {"isol": (300, 0.9)}),
        ]
    )
    lines = table.splitlines()
    assert lines[2] == "| A.ttf | 100 | 50.0% | 60.0% | 50.0% | 50.0% | – | – |"
    assert lines[3] == "| B.ttf | 300 | 90.0% | 100.0% | 90.0% | – | – | – |"
    # all: label (50 + 270) / 400 = 80%, char (60 + 300) / 400 = 90%, isol (30 + 270) / 360.
    assert lines[4] == "| **all** | 400 | 80.0% | 90.0% | 83.3% | 50.0% | – | – |"
    assert len(lines) == 5  # no letters line without letters reports


def test_summary_letters_line_weighs_by_glyphs():
    a = _report("A", 10, 0.5, 0.5, {})
    b = _report("B", 10, 0.5, 0.5, {})
    a["letters"] = {"glyphs": 30, "top1_label": 0.9, "top1_char": 1.0}
    b["letters"] = {"glyphs": 10, "top1_label": 0.5, "top1_char": 0.6}
    last = _summary([a, b]).splitlines()[-1]
    assert last == "Arabic letters only (40 glyphs): label top-1 80.0%, char top-1 90.0%"


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
