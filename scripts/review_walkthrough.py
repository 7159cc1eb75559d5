"""Play the person on a review page: fix every wrong guess the way a person would, in the browser.

Usage: python scripts/review_walkthrough.py REVIEW.html TRUTH.pdf ANSWERS.json

For each code whose guess differs from TRUTH.pdf's own ToUnicode text (the PDF before its map
was removed), click the runner-up that has the right text, else type the text into the field;
then press "Export answers" and save the download as ANSWERS.json. What the README's figure
for the sample PDF used (then ``raster.pdf repair ... --answers ANSWERS.json``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from raster.pdf.document import open_pdf, scan_fonts  # noqa: E402
from raster.pdf.tounicode import parse_tounicode  # noqa: E402
from raster.reviewing.browser import chromium, open_page  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    html, truth_pdf, out = (Path(a) for a in argv)
    truth: dict[str, dict[int, str]] = {}
    with open_pdf(truth_pdf) as pdf:
        for font in scan_fonts(pdf):
            if font.has_tounicode:
                truth[font.base_font] = parse_tounicode(font.obj.ToUnicode.read_bytes())
    with chromium() as browser:
        page, errors, _ = open_page(browser, html)
        data = json.loads(page.locator("#review-data").text_content())
        picked = typed = 0
        for it in data["items"]:
            base = data["fonts"][it["f"]]["name"].split(" ")[1]  # "/F1 ABCDEF+Amiri (obj 8)"
            want = truth.get(base, {}).get(it["c"])
            if want is None or it["t"] == want:
                continue
            row = page.locator(f'.item[data-key="{it["k"]}"]')
            runners = [c for c in it["cands"] if c[0] != it["l"]][:5]
            n = next((i for i, c in enumerate(runners) if c[1] == want), None)
            if n is not None:
                row.locator(f'.runners button[data-n="{n + 1}"]').click()
                picked += 1
            else:
                field = row.locator("input")
                field.click()
                field.type(want)
                field.press("Enter")
                typed += 1
        with page.expect_download() as dl:
            page.locator("#export-btn").click()
        dl.value.save_as(out)
    if errors:
        print(f"error: the page reported {errors}", file=sys.stderr)
        return 1
    print(
        f"{len(data['items'])} codes: {picked} runners-up clicked, {typed} answers typed; "
        f"wrote {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
