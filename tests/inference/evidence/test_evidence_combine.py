"""Names, GSUB form links, ligatures and skeleton + dots on tiny fonts without a cmap, with
hand-set shape posteriors: exact labels, and a stripped font scoring exactly as shape only."""

from __future__ import annotations

import fontfactory
import numpy as np
import pytest
from fontTools.ttLib import TTFont

from raster.data.strip import strip_font
from raster.inference.evidence.combine import combine_evidence
from raster.inference.evidence.gsub_links import read_gsub_links
from raster.inference.font_glyphs import read_font_glyphs

FORM_LABELS = [
    *(f"1576_{f}" for f in ("isol", "init", "medi", "fina")),
    *(f"1578_{f}" for f in ("isol", "init", "medi", "fina")),
    "1575_isol",
    "1575_fina",
    *(f"1604_{f}" for f in ("isol", "init", "medi", "fina")),
    "65_isol",
]
# The true label of each glyph of the forms font (lam_alef: a ligature, not in the space).
TRUTH = {
    "beh": "1576_isol",
    "beh.init": "1576_init",
    "beh.medi": "1576_medi",
    "beh.fina": "1576_fina",
    "teh": "1578_isol",
    "teh.init": "1578_init",
    "alef": "1575_isol",
    "alef.fina": "1575_fina",
    "lam": "1604_isol",
    "lam.init": "1604_init",
}
NAMELESS = {name: f"g{i:02d}" for i, name in enumerate(fontfactory.FORMS_GLYPHS, 1)}


def posterior(names: list[str], labels: list[str], spec: dict[str, dict[str, float]]):
    """(N, L) rows: the given probabilities, the rest spread evenly over the other labels."""
    out = np.zeros((len(names), len(labels)))
    for i, name in enumerate(names):
        given = spec.get(name, {})
        rest = (1.0 - sum(given.values())) / (len(labels) - len(given))
        for j, lab in enumerate(labels):
            out[i, j] = given.get(lab, rest)
    return out


def top(ev, labels):
    return [ev.labels_out[i] or labels[int(np.argmax(ev.probs[i]))] for i in range(len(ev.probs))]


def forms_font(tmp_path, rename=None):
    return read_font_glyphs(
        fontfactory.build_boxes_font(
            tmp_path / "forms.ttf", fontfactory.FORMS_GLYPHS, fontfactory.FORMS_FEA, rename
        )
    )


ORIGINAL = list(fontfactory.FORMS_GLYPHS)  # row i of every forms font is this glyph


def test_gsub_links_are_read_without_a_cmap(tmp_path):
    glyphs = forms_font(tmp_path, NAMELESS)
    assert "cmap" not in glyphs.face.ttfont
    links = read_gsub_links(glyphs.face.ttfont)
    gid = {name: i for i, name in enumerate(ORIGINAL, 1)}
    assert sorted(links.form_edges) == sorted(
        [
            (gid["beh"], gid["beh.init"], "init"),
            (gid["teh"], gid["teh.init"], "init"),
            (gid["lam"], gid["lam.init"], "init"),
            (gid["beh"], gid["beh.medi"], "medi"),
            (gid["beh"], gid["beh.fina"], "fina"),
            (gid["alef"], gid["alef.fina"], "fina"),
        ]
    )
    assert links.ligatures == [((gid["lam.init"], gid["alef.fina"]), gid["lam_alef"])]
    assert links.warnings == []


def test_gsub_decides_each_link_group_jointly_with_forms_from_the_features(tmp_path):
    glyphs = forms_font(tmp_path, NAMELESS)  # names say nothing: g01, g02, ...
    shape = posterior(
        ORIGINAL,
        FORM_LABELS,
        {
            "beh": {"1576_isol": 0.7, "1578_isol": 0.2},
            "beh.init": {"1578_init": 0.5, "1576_init": 0.4},  # shape alone: teh
            "beh.medi": {"1576_medi": 0.6, "1578_medi": 0.3},
            "beh.fina": {"1576_medi": 0.5, "1576_fina": 0.3},  # shape alone: the wrong form
            "teh": {"1578_isol": 0.8},
            "teh.init": {"1576_init": 0.5, "1578_init": 0.45},  # shape alone: beh
            "alef": {"1575_isol": 0.9},
            "alef.fina": {"1575_fina": 0.5, "1604_fina": 0.4},
            "lam": {"1604_isol": 0.9},
            "lam.init": {"1604_init": 0.6},
            "lam_alef": {"65_isol": 0.6},
        },
    )
    alone = combine_evidence(glyphs, shape, FORM_LABELS, gsub=False)
    assert np.array_equal(alone.probs, shape)
    got = dict(zip(ORIGINAL, top(alone, FORM_LABELS), strict=True))
    assert (got["beh.init"], got["beh.fina"], got["teh.init"]) == (
        "1578_init",
        "1576_medi",
        "1576_init",
    )
    ev = combine_evidence(glyphs, shape, FORM_LABELS)
    got = dict(zip(ORIGINAL, top(ev, FORM_LABELS), strict=True))
    assert got == {**TRUTH, "lam_alef": "1604+1575_isol"}
    by = dict(zip(ORIGINAL, ev.decided_by, strict=True))
    assert by["beh.init"] == by["beh.fina"] == by["teh.init"] == by["lam_alef"] == "gsub"
    assert by["beh"] == "shape" and "gsub" in ev.sources[ORIGINAL.index("beh")]
    assert ev.notes[ORIGINAL.index("lam_alef")] == "ligature U+0644+U+0627"
    assert ev.forms[ORIGINAL.index("beh.fina")] == "fina"
    assert ev.name_reliability is None  # no name parsed


def _confused(true_p: float, wrong_p: float) -> dict:
    """Each glyph: ``true_p`` on its label, ``wrong_p`` on another character's same form."""
    other = {"1576": "1578", "1578": "1576", "1575": "1604", "1604": "1575"}
    spec = {}
    for name, lab in TRUTH.items():
        cp, form = lab.split("_")
        wrong = f"{other[cp]}_{form}"
        wrong = wrong if wrong in FORM_LABELS else "65_isol"
        spec[name] = {lab: true_p, wrong: wrong_p}
    return spec


def test_informative_names_fix_a_confused_shape(tmp_path):
    glyphs = forms_font(tmp_path)  # beh, beh.init, ...: the vendor scheme
    shape = posterior(ORIGINAL, FORM_LABELS, _confused(0.35, 0.45))
    ignored = combine_evidence(glyphs, shape, FORM_LABELS, names=False, gsub=False)
    assert all(
        lab != TRUTH[n]
        for n, lab in zip(ORIGINAL, top(ignored, FORM_LABELS), strict=False)
        if n in TRUTH
    )
    ev = combine_evidence(glyphs, shape, FORM_LABELS, gsub=False)
    got = dict(zip(ORIGINAL, top(ev, FORM_LABELS), strict=True))
    assert {n: got[n] for n in TRUTH} == TRUTH
    assert ev.name_reliability > 0.99
    assert all(ev.decided_by[ORIGINAL.index(n)] == "name" for n in TRUTH)
    assert ev.sources[ORIGINAL.index("lam_alef")] == ["shape"]  # its label is not in the space


def test_lying_names_do_not_change_a_confident_shape(tmp_path):
    letters = list(TRUTH)
    lies = dict(zip(letters, letters[3:] + letters[:3], strict=True))  # every name wrong
    glyphs = forms_font(tmp_path, lies)
    shape = posterior(ORIGINAL, FORM_LABELS, _confused(0.6, 0.1))
    ignored = combine_evidence(glyphs, shape, FORM_LABELS, names=False, gsub=False)
    ev = combine_evidence(glyphs, shape, FORM_LABELS, gsub=False)
    assert ev.name_reliability < 0.01
    assert top(ev, FORM_LABELS) == top(ignored, FORM_LABELS)
    assert {
        n: lab for n, lab in zip(ORIGINAL, top(ev, FORM_LABELS), strict=False) if n in TRUTH
    } == TRUTH


SKELETON_LABELS = [
    "1576_isol",
    "1576_init",
    "1578_isol",
    "1578_init",
    "1646_isol",
    "1646_init",
    "65_isol",
]
SKELETON_ORDER = list(fontfactory.SKELETON_GLYPHS)


def skeleton_font(tmp_path):
    rename = {name: f"g{i}" for i, name in enumerate(SKELETON_ORDER, 1)}  # GDEF + outlines only
    return fontfactory.build_boxes_font(
        tmp_path / "skeleton.ttf", fontfactory.SKELETON_GLYPHS, fontfactory.SKELETON_FEA, rename
    )


SKELETON_SHAPE = {
    "beh": {"1576_isol": 0.5, "1578_isol": 0.3},
    "teh": {"1576_isol": 0.45, "1578_isol": 0.4},  # shape alone: beh
    "behDotless": {"1576_isol": 0.6, "1646_isol": 0.3},  # the skeleton taken for a beh
    "behDotless.init": {"1576_init": 0.5, "1646_init": 0.4},
    "dotbelow": {"65_isol": 0.9},
    "twodotsabove": {"65_isol": 0.9},
}


def test_skeleton_and_dots_are_named_and_composed(tmp_path):
    glyphs = read_font_glyphs(skeleton_font(tmp_path))
    shape = posterior(SKELETON_ORDER, SKELETON_LABELS, SKELETON_SHAPE)
    ev = combine_evidence(glyphs, shape, SKELETON_LABELS)
    got = dict(zip(SKELETON_ORDER, top(ev, SKELETON_LABELS), strict=True))
    assert got == {
        "beh": "1576_isol",
        "teh": "1578_isol",
        "behDotless": "1646_isol",
        "behDotless.init": "1646_init",
        "dotbelow": "dots:1below",
        "twodotsabove": "dots:2above",
    }
    notes = dict(zip(SKELETON_ORDER, ev.notes, strict=True))
    assert notes["behDotless"] == notes["behDotless.init"] == "dotless beh skeleton"
    assert (notes["dotbelow"], notes["twodotsabove"]) == ("one dot below", "two dots above")
    by = dict(zip(SKELETON_ORDER, ev.decided_by, strict=True))
    assert by["teh"] == by["behDotless"] == by["dotbelow"] == "composed"
    assert "composed" in ev.sources[SKELETON_ORDER.index("beh")]
    plain = combine_evidence(glyphs, shape, SKELETON_LABELS, compose=False)
    assert top(plain, SKELETON_LABELS)[SKELETON_ORDER.index("behDotless")] == "1576_isol"


@pytest.mark.parametrize("which", ["forms", "skeleton"])
def test_a_stripped_font_scores_exactly_as_shape_only(tmp_path, which):
    if which == "forms":
        path = fontfactory.build_boxes_font(
            tmp_path / "f.ttf", fontfactory.FORMS_GLYPHS, fontfactory.FORMS_FEA
        )
        labels, shape = FORM_LABELS, posterior(ORIGINAL, FORM_LABELS, _confused(0.35, 0.45))
    else:
        path = skeleton_font(tmp_path)
        labels, shape = SKELETON_LABELS, posterior(SKELETON_ORDER, SKELETON_LABELS, SKELETON_SHAPE)
    stripped = read_font_glyphs(strip_font(path, tmp_path / "stripped.ttf"))
    assert stripped.contours == read_font_glyphs(path).contours
    ev = combine_evidence(stripped, shape, labels)
    assert np.array_equal(ev.probs, shape)
    assert set(ev.decided_by) == {"shape"} and all(s == ["shape"] for s in ev.sources)
    assert ev.labels_out == [None] * len(shape) and ev.warnings == []


def test_malformed_gsub_is_one_warning_and_skipped(tmp_path, caplog):
    """A lookup whose subtable offset points past the table (the table's headers are sound,
    so the font opens: identify needs only the outlines)."""
    path = fontfactory.build_boxes_font(
        tmp_path / "bad.ttf", fontfactory.FORMS_GLYPHS, fontfactory.FORMS_FEA, NAMELESS
    )
    start = TTFont(path).reader.tables["GSUB"].offset
    data = bytearray(path.read_bytes())
    lookup_list = start + int.from_bytes(data[start + 8 : start + 10], "big")
    for k in range(int.from_bytes(data[lookup_list : lookup_list + 2], "big")):
        at = lookup_list + 2 + 2 * k
        lookup = lookup_list + int.from_bytes(data[at : at + 2], "big")
        data[lookup + 6 : lookup + 8] = b"\xff\xf0"  # first subtable: far past the table
    path.write_bytes(bytes(data))
    glyphs = read_font_glyphs(path)
    shape = posterior(ORIGINAL, FORM_LABELS, _confused(0.35, 0.45))
    ev = combine_evidence(glyphs, shape, FORM_LABELS)
    assert np.array_equal(ev.probs, shape)
    assert ev.warnings and all(w.startswith("GSUB") and "skipped" in w for w in ev.warnings)
    assert "GSUB" in caplog.text and "Traceback" not in caplog.text


def test_lookup_cycle_is_warned_about_and_not_followed(tmp_path):
    fea = fontfactory.FORMS_FEA.replace(
        "feature medi { sub beh by beh.medi; } medi;",
        "lookup MEDI { sub beh by beh.medi; } MEDI;\nfeature medi { sub beh' lookup MEDI teh; } medi;",
    )
    path = fontfactory.build_boxes_font(tmp_path / "cycle.ttf", fontfactory.FORMS_GLYPHS, fea)
    font = TTFont(path)
    lookups = font["GSUB"].table.LookupList.Lookup
    chain = next(i for i, lk in enumerate(lookups) if lk.LookupType == 6)
    for st in lookups[chain].SubTable:  # the chain now calls itself
        for rule in st.ChainSubRuleSet[0].ChainSubRule if st.Format == 1 else []:
            rule.SubstLookupRecord[0].LookupListIndex = chain
        for rec in getattr(st, "SubstLookupRecord", None) or []:
            rec.LookupListIndex = chain
    font.save(path)
    glyphs = read_font_glyphs(path)
    links = read_gsub_links(glyphs.face.ttfont)
    assert any("lookup cycle" in w for w in links.warnings)
    assert (1, 3, "medi") not in links.form_edges  # beh -> beh.medi sat behind the cycle
    shape = posterior(ORIGINAL, FORM_LABELS, {})
    ev = combine_evidence(glyphs, shape, FORM_LABELS)  # no exception
    assert any("lookup cycle" in w for w in ev.warnings)


def test_garbage_names_are_ignored(tmp_path):
    rename = {"beh": "uniZZZZ", "beh.init": "u110000", "beh.medi": "uni", "teh": "a..b.init.init"}
    glyphs = forms_font(tmp_path, rename)
    shape = posterior(ORIGINAL, FORM_LABELS, _confused(0.6, 0.1))
    ev = combine_evidence(glyphs, shape, FORM_LABELS, gsub=False)
    for name in rename:
        assert ev.sources[ORIGINAL.index(name)] == ["shape"]
