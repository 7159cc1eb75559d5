"""The figures the README, the model card and architecture.md quote are found in the files
they cite (docs/results.md, docs/benchmarks.md, the shipped model's sidecar), so a newer
measurement cannot leave an old figure behind."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SIDECAR = ROOT / "raster" / "weights" / "glyph-raster-r2.json"

#: (the document that quotes, the quote, the file it cites[, the figure as that file writes it])
QUOTES = [
    ("docs/model.md", "**68.1 ± 7.0 %**", "docs/results.md"),  # unseen designs, stripped
    ("docs/model.md", "73.2 ± 6.8 %", "docs/results.md"),
    ("docs/model.md", "81.0 ± 7.1 %", "docs/results.md"),  # --charset ar
    ("docs/model.md", "89.0 ± 5.7 %", "docs/results.md"),
    ("docs/model.md", "96.2 ± 1.7 %", "docs/results.md"),  # as shipped
    ("docs/model.md", "The 5-fold yardstick rerun on one quiet VM", "docs/results.md"),
    ("docs/model.md", "takes 0.40 s", "docs/benchmarks.md", "| 0.40 (0.40) |"),  # loading
    ("docs/model.md", "0.40 s and 223 MB", "docs/benchmarks.md", "peak RSS 223 MB"),
    ("docs/model.md", "a first font in 2.06 s", "docs/benchmarks.md", "first font | 2.06 s |"),
    ("docs/model.md", "in one process in 1.98 s", "docs/benchmarks.md", "| 1.98 s |"),
    ("docs/architecture.md", "What the fast path costs", "docs/model.md"),
]


def _text(rel: str) -> str:
    # a figure may be wrapped across lines: compare with runs of whitespace as one space
    return re.sub(r"\s+", " ", (ROOT / rel).read_text(encoding="utf-8"))


@pytest.mark.parametrize("quote", QUOTES, ids=[f"{q[0]}:{q[1]}" for q in QUOTES])
def test_a_quoted_figure_is_in_the_file_it_cites(quote):
    doc, quoted, source = quote[:3]
    assert quoted in _text(doc), f"{doc} no longer quotes {quoted!r}: update QUOTES"
    bare = quote[3] if len(quote) > 3 else quoted.strip("*")
    assert bare in _text(source), f"{doc} quotes {bare!r}, which {source} does not hold"


def _sidecar() -> dict:
    return json.loads(SIDECAR.read_text(encoding="utf-8"))


def test_the_model_card_names_the_sidecars_corpus_manifest():
    sha = _sidecar()["corpus_manifest"]["sha256"]
    quoted = re.findall(r"manifest\s+`dataset/corpus_manifest.json`, sha256 `([0-9a-f]+)…`",
                        (ROOT / "docs/model.md").read_text(encoding="utf-8"))  # fmt: skip
    assert quoted, "docs/model.md quotes no manifest sha256"
    assert all(sha.startswith(q) for q in quoted), (quoted, sha)


def test_label_and_row_counts_are_the_sidecars():
    side = _sidecar()
    labels, rows = len(side["labels"]), side["index"]["n"]
    ivf = side["index"]["inverted_lists"]
    readme, card = _text("README.md"), _text("docs/model.md")
    assert f"{labels} labels, index of {rows} glyphs" in readme  # the quoted log line
    assert f"the {labels:,} labels" in card
    assert f"{labels:,} labels (and 8 ligature labels" in _text("docs/benchmarks.md")
    assert f"{rows:,}" in card
    arch = _text("docs/architecture.md")
    assert f"its {ivf['nprobe']} nearest lists of {ivf['lists']:,}" in arch
