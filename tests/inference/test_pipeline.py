"""raster.inference.pipeline: what a person reads in identify's table."""

from raster.inference.pipeline import format_table, runners_for_people


def test_runners_up_read_as_characters_and_forms():
    runners = ["1576_init:0.120", "1604+1575_fina:0.050", "dots:2above:0.010"]
    assert runners_for_people(runners) == "ب init 0.120, لا fina 0.050, 2 dots above 0.010"
    assert runners_for_people([]) == ""


def test_the_table_shows_people_labels_and_the_rows_keep_machine_ones():
    row = {
        "gid": 7, "glyph_name": "uni0628.init", "char": "ب", "codepoint": 0x628, "form": "init",
        "confidence": 0.9, "evidence": "shape", "runners_up": ["1578_init:0.050"], "note": "",
    }  # fmt: skip
    table = format_table([row])
    assert table.splitlines()[2].endswith("shape     ت init 0.050")
    assert "1578_init" not in table and row["runners_up"] == ["1578_init:0.050"]
