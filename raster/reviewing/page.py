"""Write the review page: one self-contained HTML file (no server, no network).

The data (glyph images as base64 PNG, guesses, runners-up, words) sits in one
``<script type="application/json">`` block; ``review.js`` (one small script, inlined) builds the
list from it, and ``review.css`` is inlined too, so the file works from ``file://`` anywhere.
"""

from __future__ import annotations

import base64
import html
import json
from importlib import resources
from pathlib import Path

from raster.reviewing.items import ReviewData

_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>Review: {file}</title>
<style>{css}</style></head>
<body>
<header>
 <h1>Review</h1><span class="file">{file} · {what} · model {model}</span>
 <label>show <select id="filter">
  <option value="all">all</option><option value="unsure">only unsure (&lt; {threshold})</option>
  <option value="changed">only changed</option><option value="open">not answered yet</option>
 </select></label>
 <label>font <select id="font"><option value="all">all fonts</option></select></label>
 <button id="export-btn" type="button">Export answers</button>
 <span id="counts"></span>
 <div id="keys"><kbd>j</kbd>/<kbd>&darr;</kbd> next · <kbd>k</kbd>/<kbd>&uarr;</kbd> previous ·
  <kbd>1</kbd>–<kbd>5</kbd> pick a runner-up · <kbd>Enter</kbd> accept the guess ·
  <kbd>e</kbd> type an answer (a character or U+0628; Enter) · <kbd>0</kbd> no character ·
  <kbd>Backspace</kbd> undo · lowest confidence first</div>
</header>
<main id="list"></main>
<section id="export" hidden>
 <div><b>Answers</b> (downloaded as <a id="download">a file</a>; or copy them):
  <button id="copy" type="button">Copy</button> <button id="close" type="button">Close</button></div>
 <textarea id="export-text" readonly></textarea>
 <div>Apply: <code>{apply}</code></div>
</section>
<script type="application/json" id="review-data">{data}</script>
<script>{js}</script>
</body></html>
"""


def page_data(data: ReviewData) -> dict:
    """The JSON the script reads; items sorted by confidence, lowest first."""
    order = sorted(
        range(len(data.items)),
        key=lambda i: (data.items[i].confidence, data.items[i].font, data.items[i].code or 0),
    )
    items = []
    for i in order:
        it = data.items[i]
        items.append(
            {
                "k": it.key,
                "f": it.font,
                "g": it.gid,
                "c": it.code,
                "n": it.name,
                "img": base64.b64encode(it.png).decode("ascii"),
                "l": it.label,
                "t": it.text,
                "p": round(it.confidence, 4),
                "cands": [[lab, text, round(p, 4)] for lab, text, p in it.candidates],
                "d": it.declared,
                "w": it.words,
            }
        )
    return {
        "kind": data.kind,
        "file": data.file,
        "sha256": data.sha256,
        "face_index": data.face_index,
        "threshold": data.threshold,
        "model": data.model,
        "created": data.created,
        "fonts": [
            {
                "key": f.key,
                "name": f.name,
                "texts": {str(c): t for c, t in f.texts.items()},
                "words": f.words,
            }
            for f in data.fonts
        ],
        "items": items,
    }


def render_page(data: ReviewData) -> str:
    """The page's HTML text."""
    pkg = resources.files("raster.reviewing")
    payload = json.dumps(page_data(data), ensure_ascii=False, separators=(",", ":"))
    payload = payload.replace("<", "\\u003c")  # '<' only occurs in strings: no </script>, <!--
    if data.kind == "pdf":
        what = f"{len(data.items)} codes in {len(data.fonts)} font(s)"
        apply = (
            f"python -m raster.pdf repair {data.file} fixed.pdf --answers ANSWERS.json "
            "--checkpoint ..."
        )
    else:
        what = f"{len(data.items)} glyphs"
        apply = (
            f"python -m raster.identify {data.file} --answers ANSWERS.json "
            "--write-cmap fixed.ttf --checkpoint ..."
        )
    return _HTML.format(
        file=html.escape(data.file),
        what=what,
        model=html.escape(data.model or "?"),
        threshold=data.threshold,
        apply=html.escape(apply),
        css=(pkg / "review.css").read_text(encoding="utf-8"),
        js=(pkg / "review.js").read_text(encoding="utf-8"),
        data=payload,
    )


def write_page(data: ReviewData, out: str | Path) -> Path:
    """Write the page to ``out`` (parents created); returns ``out``."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_page(data), encoding="utf-8")
    return out
