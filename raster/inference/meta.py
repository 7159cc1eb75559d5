"""The embedding meta format: one ``{glyph_id, f_id, label}`` JSON line per embedding row.

``raster.embed`` and ``raster.index build`` write it beside their vectors;
``raster.eval_similarity`` and :func:`raster.inference.index.load_index` read it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for the annotation; keeps this module free of torch
    from raster.data.dataset import GlyphDataset


def dataset_meta(ds: GlyphDataset, index_to_label: Sequence[str]) -> list[dict]:
    """One ``{glyph_id, f_id, label}`` per item of ``ds``, in dataset order."""
    labels = ds.label_names(index_to_label)
    return [
        {"glyph_id": int(g), "f_id": f, "label": lab}
        for g, f, lab in zip(ds.glyph_ids.tolist(), ds.table.font_hashes, labels, strict=True)
    ]


def write_meta(path: str | Path, rows: Iterable[dict]) -> Path:
    """Write meta rows as JSONL (UTF-8 labels kept as they are); returns ``path``."""
    path = Path(path)
    with open(path, "w") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def load_meta(path: str | Path) -> list[dict]:
    """Rows of a meta JSONL; a bad line raises ValueError naming the file and line."""
    rows = []
    with open(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                row["label"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{lineno}: not a meta row with a label ({exc})") from exc
            rows.append(row)
    return rows
