"""The review page in a real browser (headless Debian Chromium through Playwright): a person
clicks a runner-up, types an answer and confirms a guess, exports the answers, and
``pdf repair --answers`` changes the extracted text exactly at those codes.

Skipped when no Chromium is installed, unless ``RASTER_REQUIRE_BROWSER=1`` (CI sets it, after
``scripts/install_chromium.sh``), which makes a missing browser a failure.
"""

from __future__ import annotations

import json
import os

import pytest
from identify_helpers import tiny_run

from raster import review
from raster.pdf.__main__ import main as pdf_main
from raster.pdf.document import open_pdf, scan_fonts
from raster.pdf.samples import shaped_pdf, strip_tounicode
from raster.pdf.text_accuracy import extract_text, logical_order
from raster.reviewing.browser import BrowserMissing, chromium, chromium_path, open_page

TEXT = "ءببتاب"

pytestmark = pytest.mark.slow


def _browser_or_skip():
    try:
        chromium_path()
        import playwright  # noqa: F401
    except (BrowserMissing, ImportError) as exc:
        if os.environ.get("RASTER_REQUIRE_BROWSER") == "1":
            pytest.fail(f"RASTER_REQUIRE_BROWSER=1 but {exc}")
        pytest.skip(str(exc))


def _page_data(page) -> dict:
    return json.loads(page.locator("#review-data").text_content())


def test_person_corrects_a_pdf_in_the_browser(tmp_path):
    _browser_or_skip()
    ckpt = str(tiny_run()["ckpt"])
    broken = strip_tounicode(
        shaped_pdf(tiny_run()["font"], [TEXT], tmp_path / "orig.pdf"), tmp_path / "broken.pdf"
    )
    html = tmp_path / "review.html"
    assert review.main([str(broken), "--checkpoint", ckpt, "--out", str(html)]) == 0
    model_only = tmp_path / "model.pdf"
    repair = ["repair", str(broken), "--checkpoint", ckpt, "--min-confidence", "0"]
    assert (
        pdf_main([*repair[:2], str(model_only), *repair[2:], "--review", str(tmp_path / "r.html")])
        == 0
    )
    assert (tmp_path / "r.html").stat().st_size > 0  # repair --review writes the same kind of page

    with chromium() as browser:
        page, errors, _ = open_page(browser, html)
        data = _page_data(page)
        items = data["items"]
        assert [it["p"] for it in items] == sorted(it["p"] for it in items)  # lowest first
        clicked, typed, confirmed = items[0], items[1], items[2]
        # 1. click the first runner-up of the least confident code
        runner = [c for c in clicked["cands"] if c[0] != clicked["l"]][0]
        page.locator(f'.item[data-key="{clicked["k"]}"] .runners button[data-n="1"]').click()
        # 2. type an answer into the second one's field (Enter submits it)
        field = page.locator(f'.item[data-key="{typed["k"]}"] input')
        field.click()
        field.type("\u062c")  # JEEM: not in the tiny font at all
        field.press("Enter")
        # 3. keyboard: the cursor moved on to the third item; Enter accepts its guess
        page.locator("body").press("Enter")
        assert (
            page.locator(f'.item[data-key="{confirmed["k"]}"] .meta')
            .inner_text()
            .endswith("confirmed")
        )
        # the words of the page read the new guesses
        assert runner[1] in page.locator(f'.item[data-key="{clicked["k"]}"] .words').inner_text()
        with page.expect_download() as dl:
            page.locator("#export-btn").click()
        answers = tmp_path / "answers.json"
        dl.value.save_as(answers)
        copyable = page.locator("#export-text").input_value()
        assert errors == []

    exported = json.loads(answers.read_text(encoding="utf-8"))
    assert json.loads(copyable)["answers"] == exported["answers"]
    got = {a["code"]: a for a in exported["answers"]}
    assert set(got) == {clicked["c"], typed["c"], confirmed["c"]}
    assert (got[clicked["c"]]["text"], got[clicked["c"]]["decision"]) == (runner[1], "runner-up")
    assert got[clicked["c"]]["original"] == {
        "label": clicked["l"],
        "text": clicked["t"],
        "confidence": clicked["p"],
    }
    assert (got[typed["c"]]["text"], got[typed["c"]]["decision"]) == ("\u062c", "typed")
    assert got[confirmed["c"]]["text"] == confirmed["t"]

    fixed = tmp_path / "fixed.pdf"
    assert pdf_main([*repair[:2], str(fixed), *repair[2:], "--answers", str(answers)]) == 0
    with open_pdf(broken) as pdf:
        (font,) = scan_fonts(pdf)
        (run,) = font.sequences
    model_text = {it["c"]: it["t"] for it in items}
    answer_text = model_text | {c: a["text"] for c, a in got.items()}
    assert extract_text(model_only) == logical_order([[model_text[c] for c in run]])
    assert extract_text(fixed) == logical_order([[answer_text[c] for c in run]])
    changed = {clicked["c"], typed["c"]}
    before, after = extract_text(model_only), extract_text(fixed)
    diff = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    # logical position of each shown code: the run reversed (right to left)
    where = [i for i, c in enumerate(run[::-1]) if c in changed and model_text[c] != answer_text[c]]
    assert diff == where
