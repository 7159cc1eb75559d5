"""The per-epoch JSONL log of a training run and the one line per epoch the console shows."""

from __future__ import annotations

import json
from pathlib import Path


def append_record(path: Path, record: dict) -> None:
    """Append one epoch's record (JSON-able values) as a line of ``path``."""
    with open(path, "a") as fh:
        fh.write(json.dumps(record) + "\n")


def trim_log(path: Path, last_epoch: int) -> None:
    """On resume, drop the lines of epochs after ``last_epoch`` (they will be redone)."""
    if not path.exists():
        return
    keep = [
        line
        for line in path.read_text().splitlines()
        if line.strip() and json.loads(line).get("epoch", -1) <= last_epoch
    ]
    path.write_text("".join(line + "\n" for line in keep))


def format_epoch(rec: dict) -> str:
    """One console line of an epoch record: losses, accuracy, retrieval (when measured), speed."""
    parts = [
        f"epoch {rec['epoch']:3d}",
        f"progress {rec.get('progress', 0.0):6.1%}",
        f"loss {rec['train_loss']:.4f}",
        f"(ce {rec['ce_loss']:.4f} emb {rec['emb_loss']:.4f} x{rec['emb_weight']:.2f})",
        f"acc {rec['train_acc']:.3f}",
    ]
    if "val_loss" in rec:  # a run without validation glyphs has none
        parts += [
            f"val_loss {rec['val_loss']:.4f}",
            f"val_top1 {rec['val_top1']:.4f}",
            f"val_top5 {rec['val_top5']:.4f}",
        ]
    if "top10" in rec:
        parts += [
            f"top10 {rec['top10']:.4f}",
            f"mrr {rec['mrr']:.4f}",
            f"effect {rec['effect_size']:.3f}",
        ]
    parts += [
        f"pos {rec['pos_anchor_frac']:.2f}",
        f"{rec['epoch_seconds']:.0f}s",
        f"{rec['samples_per_s']:.0f}/s",
    ]
    return " ".join(parts)
