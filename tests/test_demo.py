"""The demo's summary table weighs fonts by their glyph counts."""

from raster.demo import _summary


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
