"""Unicode lookups: joining types/groups from the generated table, char classes, forms."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from raster.data import unicode_tables as ut

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("cp", "jt", "group", "forms", "cls"),
    [
        (0x0628, "D", "BEH", ("isol", "init", "medi", "fina"), "arabic_letter"),  # BEH
        (0x0627, "R", "ALEF", ("isol", "fina"), "arabic_letter"),  # ALEF
        (0x0629, "R", "TEH_MARBUTA", ("isol", "fina"), "arabic_letter"),  # group with a space
        (0x062C, "D", "HAH", ("isol", "init", "medi", "fina"), "arabic_letter"),  # JEEM
        (0x0621, "U", "NO_JOIN", ("isol",), "arabic_letter"),  # HAMZA: listed, no group
        (0x0640, "C", "NO_JOIN", ("isol",), "arabic_letter"),  # TATWEEL, script Common+Arab
        (0x064E, "T", "NO_JOIN", ("isol",), "diacritic"),  # FATHA: Mn, not listed -> T
        (0x0661, "U", "NO_JOIN", ("isol",), "arabic_digit"),
        (0x06F1, "U", "NO_JOIN", ("isol",), "arabic_digit"),  # extended Arabic-Indic
        (0x0031, "U", "NO_JOIN", ("isol",), "digit"),
        (0x0041, "U", "NO_JOIN", ("isol",), "latin"),
        (0x0021, "U", "NO_JOIN", ("isol",), "punctuation"),
        (0x060C, "U", "NO_JOIN", ("isol",), "punctuation"),  # ARABIC COMMA
        (0x0024, "U", "NO_JOIN", ("isol",), "symbol"),
        (0x06E9, "U", "NO_JOIN", ("isol",), "symbol"),  # ARABIC PLACE OF SAJDAH
        (0x0600, "U", "NO_JOIN", ("isol",), "other"),  # ARABIC NUMBER SIGN (Cf, listed U)
        (0x200D, "C", "NO_JOIN", ("isol",), "other"),  # ZWJ
        (0x08A0, "D", "BEH", ("isol", "init", "medi", "fina"), "arabic_letter"),
        (0x0710, "R", "ALAPH", ("isol", "fina"), "other"),  # Syriac: in the table, not Arabic
    ],
)
def test_lookups(cp, jt, group, forms, cls):
    assert ut.joining_type(cp) == jt
    assert ut.joining_group(cp) == group
    assert ut.allowed_forms(cp) == forms
    assert ut.char_class(cp) == cls
    assert cls in ut.CHAR_CLASSES


def test_presentation_forms_map_to_base_codepoints():
    table = ut.presentation_forms()
    assert table[(0x0628, "isol")] == (0xFE8F,)
    assert table[(0x0628, "init")] == (0xFE91,)
    assert table[(0x0628, "medi")] == (0xFE92,)
    assert table[(0x0628, "fina")] == (0xFE90,)
    assert table[(0x0627, "fina")] == (0xFE8E,)
    assert (0x0627, "init") not in table
    # No key is itself a presentation form; ligatures (LAM-ALEF U+FEFB) are left out.
    assert not any(ut.is_presentation_form(cp) for cp, _ in table)
    assert 0xFEFB not in {p for v in table.values() for p in v}


def test_is_presentation_form_bounds():
    assert [
        ut.is_presentation_form(cp)
        for cp in (0xFB4F, 0xFB50, 0xFDFF, 0xFE00, 0xFE6F, 0xFE70, 0xFEFF, 0xFF00)
    ] == [
        False,
        True,
        True,
        False,
        False,
        True,
        True,
        False,
    ]


def _generator():
    spec = importlib.util.spec_from_file_location(
        "gen_unicode_tables", ROOT / "tools" / "gen_unicode_tables.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_generator_parses_and_compacts():
    gen = _generator()
    text = (
        "# ArabicShaping-15.0.0.txt\n"
        "0620; DOTLESS YEH WITH SEPARATE RING BELOW; D; YEH\n"
        "0621; HAMZA; U; No_Joining_Group\n"
        "0622; MADDA ON ALEF; R; ALEF\n"
        "0623; HAMZA ON ALEF; R; ALEF\n"
        "0629; TEH MARBUTA; R; TEH MARBUTA\n"
    )
    version, entries = gen.parse_arabic_shaping(text)
    assert version == "15.0.0"
    assert entries[1] == (0x621, "U", None)
    assert entries[4] == (0x629, "R", "TEH_MARBUTA")
    assert gen.compact_ranges(entries) == [
        [0x620, 0x620, "D", "YEH"],
        [0x621, 0x621, "U", None],
        [0x622, 0x623, "R", "ALEF"],
        [0x629, 0x629, "R", "TEH_MARBUTA"],
    ]
    with pytest.raises(ValueError, match="line 2"):
        gen.parse_arabic_shaping("# x\n0620; BAD LINE\n")


@pytest.mark.skipif(
    not Path("/usr/share/unicode/ArabicShaping.txt").exists(),
    reason="Debian unicode-data not installed",
)
def test_committed_table_matches_generator(tmp_path):
    gen = _generator()
    out = tmp_path / "t.json"
    assert gen.main(["--out", str(out)]) == 0
    assert json.loads(out.read_text()) == json.loads(ut.TABLE_PATH.read_text())
