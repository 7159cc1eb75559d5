"""raster.labels: the one parser, formatter and validator of glyph labels."""

import pytest

from raster import labels as L
from raster.errors import LabelError, RasterError


def test_parse_every_format_in_use():
    assert L.parse_label("1588_init") == L.Label((1588,), "init")
    assert L.parse_label("1604+1575_fina") == L.Label((1604, 1575), "fina")
    assert L.parse_label("dots:2above") == L.Label((), "", (2, "above"))
    assert L.parse_label("dots:3below") == L.Label((), "", (3, "below"))
    assert L.parse_label("65000_shaped") == L.Label((65000,), "shaped")
    assert L.parse_label("1646") == L.Label((1646,), "")
    for other in (
        "blank",
        "",
        "_init",
        "x_isol",
        "1114112_isol",
        "١٢_isol",
        "dots:2",
        "dots:xabove",
    ):
        assert L.parse_label(other) == L.Label(())
    assert L.parse_label("1114112_isol", any_number=True) == L.Label((1114112,), "isol")


def test_codepoints_split_form_and_text():
    assert L.label_codepoints("1593_init") == (1593,)
    assert L.label_codepoints("1604+1575_isol") == (1604, 1575)
    assert L.label_codepoints("dots:2above") == ()
    assert L.label_codepoint("1593_init") == 1593
    assert L.label_codepoint("1604+1575_isol") is None
    assert L.label_codepoint("1114112_isol") is None  # beyond U+10FFFF
    assert L.split_label("1593_init") == (1593, "init")
    assert L.split_label("1593") == (1593, "")
    assert L.split_label("dots:2above") == (None, "")
    assert L.label_form("1604+1575_fina") == "fina"
    assert L.label_text("1593_init") == "\u0639"
    assert L.label_text("1604+1575_isol") == "\u0644\u0627"
    assert L.label_text("dots:1below") == ""


def test_format_for_machines_round_trips():
    assert L.make_label(1588, "init") == "1588_init"
    assert L.make_label((0x644, 0x627), "fina") == "1604+1575_fina"
    assert L.dots_label((2, "above")) == "dots:2above"
    for label in ("1588_init", "1604+1575_fina"):
        lab = L.parse_label(label)
        assert L.make_label(lab.codepoints, lab.form) == label
    assert L.dots_label(L.parse_label("dots:2above").dots) == "dots:2above"


def test_format_for_people():
    assert L.label_for_people("1588_init") == "\u0634 init"
    assert L.label_for_people("1604+1575_isol") == "\u0644\u0627 isol"
    assert L.label_for_people("dots:2above") == "2 dots above"
    assert L.label_for_people("32_isol") == "U+0020 isol"  # a space is shown by its number
    assert L.label_for_people("blank") == "blank"
    assert L.describe_label("1588_init") == "U+0634 ARABIC LETTER SHEEN init"
    assert L.describe_label("1604+1575_fina") == (
        "U+0644 ARABIC LETTER LAM + U+0627 ARABIC LETTER ALEF fina"
    )
    assert L.describe_label("dots:1below") == "1 dots below"


@pytest.mark.parametrize(
    ("cp", "why"),
    [
        (0xD800, "U+D800 is a surrogate, not a character"),
        (0xDFFF, "U+DFFF is a surrogate, not a character"),
        (0, "U+0000 is the null character"),
        (0xFFFE, "U+FFFE is a noncharacter"),
        (0xFFFF, "U+FFFF is a noncharacter"),
        (0xFDD0, "U+FDD0 is a noncharacter"),
        (0xFDEF, "U+FDEF is a noncharacter"),
        (0x1FFFF, "U+1FFFF is a noncharacter"),
        (0x10FFFF, "U+10FFFF is a noncharacter"),
        (0x110000, "1114112 is beyond U+10FFFF"),
    ],
)
def test_refused_codepoints(cp, why):
    assert L.codepoint_problem(cp) == why


@pytest.mark.parametrize("cp", [1, 0x20, 0x634, 0xFDCF, 0xFDF0, 0xFFFD, 0x10000, 0x10FFFD])
def test_accepted_codepoints(cp):
    assert L.codepoint_problem(cp) is None


def test_check_label_refuses_with_one_line():
    assert L.check_label("1588_init") == L.Label((1588,), "init")
    assert L.check_label("dots:2above").dots == (2, "above")
    with pytest.raises(LabelError, match=r"^label '55296_isol': U\+D800 is a surrogate"):
        L.check_label("55296_isol")
    with pytest.raises(LabelError, match=r"^label '1604\+65535_fina': U\+FFFF is a nonchar"):
        L.check_label("1604+65535_fina")
    assert issubclass(LabelError, RasterError) and issubclass(LabelError, ValueError)
    assert L.text_problem("\u0634\u0644") is None
    assert L.text_problem("a\ud800") == "U+D800 is a surrogate, not a character"
