"""Selection: seeded sample, label filters, malformed rows, upem inference, splits, groups."""

import json
import logging
import sqlite3
from collections import Counter

import numpy as np
import pytest
from glyphdb import make_db, rect

from raster.data import schema
from raster.data.selection import (
    SelectionConfig,
    is_shaped_label,
    label_groups,
    seeded_sample,
    select_glyphs,
    split_train_val,
)


def test_seeded_sample_is_deterministic_and_seed_dependent():
    ids = np.arange(1, 10001, dtype=np.int64)
    a = seeded_sample(ids, 500, 42)
    assert np.array_equal(a, seeded_sample(ids[::-1].copy(), 500, 42))  # input order irrelevant
    assert len(a) == 500 and np.all(np.diff(a) > 0)
    assert not np.array_equal(a, seeded_sample(ids, 500, 43))
    assert np.array_equal(seeded_sample(ids, 0, 1), ids)
    # adding rows keeps most of the sample: only new winners displace old ones
    more = seeded_sample(np.arange(1, 10101, dtype=np.int64), 500, 42)
    assert len(np.intersect1d(a, more)) >= 480


def test_same_seed_and_limit_select_same_glyphs(tmp_path):
    db = make_db(tmp_path / "g.db", n_labels=10, per_label=10)
    cfg = SelectionConfig(db=db, limit=37, seed=5)
    t1, _ = select_glyphs(cfg)
    t2, _ = select_glyphs(cfg)
    assert np.array_equal(t1.glyph_ids, t2.glyph_ids) and len(t1) == 37
    t3, _ = select_glyphs(SelectionConfig(db=db, limit=37, seed=6))
    assert not np.array_equal(t1.glyph_ids, t3.glyph_ids)


def test_malformed_rows_dropped_and_named(tmp_path, caplog):
    bad = [
        (900, "font0", "1600_isol", "not json"),
        (901, "font0", "1600_isol", '[[["moveTo",[0,0]],["lineTo",[NaN,1]]]]'),
        (902, "font0", "1600_isol", "[]"),
        (903, "font0", "1600_isol", '[[["moveTo",[0,0]],["spline",[1,1]]]]'),
    ]
    db = make_db(tmp_path / "g.db", extra_rows=bad)
    with caplog.at_level(logging.WARNING):
        table, info = select_glyphs(SelectionConfig(db=db, limit=0))
    assert info["dropped_malformed"] == 4
    assert not set(table.glyph_ids.tolist()) & {900, 901, 902, 903}
    assert len(table) == 30
    msg = caplog.text
    assert "4 malformed" in msg and "900" in msg and "903" in msg and "unknown command" in msg


def test_label_filters(tmp_path):
    extra = [
        (800, "font0", "1593_shaped", json.dumps([rect(0, 0, 10, 10)])),
        (801, "font0", "65227_init", json.dumps([rect(0, 0, 10, 10)])),
        (802, "font1", "64336_isol", json.dumps([rect(0, 0, 10, 10)])),  # U+FB50
        (803, "font1", "1999_isol", json.dumps([rect(0, 0, 10, 10)])),  # singleton
    ]
    db = make_db(tmp_path / "g.db", n_labels=4, per_label=3, extra_rows=extra)
    t, info = select_glyphs(SelectionConfig(db=db, limit=0, exclude_shaped=True))
    assert info["excluded_shaped"] == 3
    assert {800, 801, 802}.isdisjoint(t.glyph_ids.tolist()) and 803 in t.glyph_ids
    t, info = select_glyphs(SelectionConfig(db=db, limit=0, drop_singletons=True))
    assert Counter(t.labels).most_common()[-1][1] >= 2 and 803 not in t.glyph_ids
    assert info["dropped_label_count"] == 4
    t, _ = select_glyphs(SelectionConfig(db=db, limit=0, min_label_count=4))
    assert len(t) == 0
    t, _ = select_glyphs(SelectionConfig(db=db, limit=0, label_regex=r"^157[01]_"))
    assert set(t.labels) == {"1570_isol", "1571_isol"}
    assert is_shaped_label("1593_isol", codepoint=0xFECB)
    assert not is_shaped_label("1593_isol", codepoint=1593)


def test_skip_composed(tmp_path):
    db = make_db(tmp_path / "g.db", n_labels=2, per_label=3)
    conn = schema.connect(db, create=True)
    conn.execute("UPDATE glyphs SET shaping='composed' WHERE glyph_id IN (1, 2)")
    conn.commit()
    conn.close()
    t, info = select_glyphs(SelectionConfig(db=db, limit=0, skip_composed=True))
    assert info["excluded_composed"] == 2 and 1 not in t.glyph_ids


def test_extra_columns_loaded(tmp_path):
    db = make_db(tmp_path / "g.db", n_labels=2, per_label=2)
    t, _ = select_glyphs(SelectionConfig(db=db, limit=0))
    assert t.extras["family"][0].startswith("Family")
    assert t.extras["form"][0] == "isol" and t.extras["codepoint"][0] == 1570


def test_null_upem_inferred_once_per_font(tmp_path, caplog):
    db = make_db(tmp_path / "g.db", n_labels=2, per_label=2, upem=None)
    conn = schema.connect(db, create=True)
    # font0: half its glyphs are 2048 units tall, so the 95th percentile of heights is 2048
    for k in range(40):
        h = 2048 if k % 2 else 600 + 20 * k
        conn.execute(
            "INSERT INTO glyphs(glyph_id, f_id, label, contours, joining_group, char_class)"
            " VALUES (?,?,?,?,?,?)",
            (500 + k, "font0", "1600_isol", json.dumps([rect(0, 0, 300, h)]), "NO_JOIN", "x"),
        )
    conn.commit()
    conn.close()
    with caplog.at_level(logging.INFO):
        t, info = select_glyphs(SelectionConfig(db=db, limit=0))
    assert info["fonts_upem_inferred"] == 3 and t.upem_inferred.all()
    ups = dict(zip(t.font_hashes, t.upems, strict=True))
    assert ups["font0"] == 2048
    assert sum("font0" in r.message and "no upem" in r.message for r in caplog.records) == 1


def test_stratified_split(tmp_path):
    db = make_db(
        tmp_path / "g.db",
        n_labels=20,
        per_label=10,
        extra_rows=[
            (700, "font0", "1999_isol", json.dumps([rect(0, 0, 10, 10)])),
        ],
    )
    t, _ = select_glyphs(SelectionConfig(db=db, limit=0))
    tr, va, info = split_train_val(t, 0.2, seed=3)
    assert len(np.intersect1d(tr, va)) == 0 and len(tr) + len(va) == len(t)
    assert 30 <= len(va) <= 50
    assert info["labels_train_only"] == 1
    assert 700 in t.glyph_ids[tr]
    labels_tr = {t.labels[i] for i in tr}
    assert all(t.labels[i] in labels_tr for i in va)  # every val label is also trained on
    tr2, va2, _ = split_train_val(t, 0.2, seed=3)
    assert np.array_equal(va, va2)
    _, va3, _ = split_train_val(t, 0.2, seed=4)
    assert not np.array_equal(va, va3)


def test_font_disjoint_split(tmp_path):
    db = make_db(tmp_path / "g.db", n_labels=10, per_label=10, n_fonts=5)
    t, _ = select_glyphs(SelectionConfig(db=db, limit=0))
    tr, va, info = split_train_val(t, 0.2, seed=1, font_disjoint=True)
    f_tr = {t.font_hashes[i] for i in tr}
    f_va = {t.font_hashes[i] for i in va}
    assert f_tr and f_va and not f_tr & f_va
    assert info["val_fonts"] == 1


def test_label_groups(tmp_path):
    db = make_db(tmp_path / "g.db", n_labels=3, per_label=2)
    t, _ = select_glyphs(SelectionConfig(db=db, limit=0))
    idx, names = label_groups(t, ["1570_isol", "1571_isol", "1572_isol", "9999_isol"])
    assert names == ["BEH", "cc_arabic_letter", "cc_unknown"]
    assert [names[i] for i in idx] == ["cc_arabic_letter", "BEH", "cc_arabic_letter", "cc_unknown"]


def test_val_frac_bounds(tmp_path):
    db = make_db(tmp_path / "g.db", n_labels=2, per_label=2)
    t, _ = select_glyphs(SelectionConfig(db=db, limit=0))
    with pytest.raises(ValueError):
        split_train_val(t, 1.0, 0)
    tr, va, _ = split_train_val(t, 0.0, 0)
    assert len(va) == 0 and len(tr) == 4


def test_binary_outline_read_when_present_json_otherwise(tmp_path):
    from raster.data.contours import parse_contours

    db = make_db(tmp_path / "g.db", n_labels=2, per_label=3)
    conn = sqlite3.connect(db)
    texts = dict(conn.execute("SELECT glyph_id, contours FROM glyphs"))
    # Row 1 gets a blob that differs from its JSON, to show which one is read; row 2 a broken
    # blob (falls back to its JSON); the rest none.
    other = parse_contours([rect(0, 0, 10, 10)])
    conn.execute("UPDATE glyphs SET outline = ? WHERE glyph_id = 1", (other.to_bytes(),))
    conn.execute("UPDATE glyphs SET outline = ? WHERE glyph_id = 2", (b"GRO1junk",))
    conn.commit()
    conn.close()
    t, _ = select_glyphs(SelectionConfig(db=db, limit=0))
    by_id = dict(zip(t.glyph_ids.tolist(), t.outlines, strict=True))
    assert by_id[1] == other
    for gid in by_id.keys() - {1}:
        assert by_id[gid] == parse_contours(texts[gid])
