"""The review page's HTML and data, built without a model (fixed predictions over a tiny font)."""

from __future__ import annotations

import json
import re

import numpy as np

from raster.inference.font_glyphs import read_font_glyphs
from raster.inference.pipeline import prediction_rows
from raster.reviewing.items import _word_index, font_review, split_words
from raster.reviewing.page import write_page

LABELS = ["1576_isol", "1575_isol", "1578_init", "1604+1575_fina"]


def _data(font):
    glyphs = read_font_glyphs(font)
    n = len(glyphs)
    probs = np.zeros((n, len(LABELS)))
    for i in range(n):  # glyph i: label i % 4 at a confidence falling with i
        p = 0.95 - 0.05 * i
        probs[i] = (1 - p) / (len(LABELS) - 1)
        probs[i, i % len(LABELS)] = p
    rows = prediction_rows(glyphs, probs, LABELS, None, 4)
    return glyphs, font_review(font, glyphs, probs, LABELS, rows, threshold=0.6)


def _page_json(path):
    text = path.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="review-data">(.*?)</script>', text, re.S)
    return text, json.loads(m.group(1))


def test_items_sorted_with_candidates_and_unsure_threshold(tiny_fonts, tmp_path):
    glyphs, data = _data(tiny_fonts["arabic"])
    text, page = _page_json(write_page(data, tmp_path / "r.html"))
    items = page["items"]
    n = len(glyphs)
    assert [it["g"] for it in items] == [int(g) for g in glyphs.gids[::-1]]  # lowest p first
    assert [it["p"] for it in items] == sorted(round(0.95 - 0.05 * i, 4) for i in range(n))
    first = items[-1]  # glyph 0: BEH at 0.95, the others share the rest
    assert first["l"] == "1576_isol" and first["t"] == "\u0628"
    assert [c[0] for c in first["cands"]] == LABELS  # ties kept in label order
    lig = next(it for it in items if it["l"] == "1604+1575_fina")
    assert lig["t"] == "\u0644\u0627"  # a ligature's text: its two characters
    assert page["threshold"] == 0.6 and page["kind"] == "font"
    assert "only unsure (&lt; 0.6)" in text


def test_names_cannot_break_out_of_the_data_block(tiny_fonts, tmp_path):
    _, data = _data(tiny_fonts["arabic"])
    evil = "</script><script>alert(1)</script><!--"
    data.items[0].name = evil
    text, page = _page_json(write_page(data, tmp_path / "r.html"))
    assert evil not in text and text.count("</script>") == 2
    assert any(it["n"] == evil for it in page["items"])


def test_words_split_at_blanks_and_indexed_per_code():
    words = split_words([[1, 2, 0, 3, 1], [0, 0, 2]], blank={0})
    assert words == [[1, 2], [3, 1], [2]]
    distinct, per_code = _word_index(words + [[1, 2]])
    assert distinct == [[1, 2], [3, 1], [2]]
    assert per_code == {1: [0, 1], 2: [0, 2], 3: [1]}
