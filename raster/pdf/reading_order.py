"""The order a reader reads a page's lines in: recursive XY-cut, ruling lines first.

A page's text lines (boxes) are split recursively (Nagy & Seth's XY-cut, as qalam and most
layout readers do): a region is cut along a ruling line that crosses all of it (the rows of a
ruled table), else along its widest empty band, across (a gap between blocks, read top to
bottom) or down (a gutter between columns, read right to left on a right-to-left page, left to
right otherwise); a region no band cuts is read top to bottom. So two columns read one after
the other, and a ruled table row by row, cell by cell in the page's direction.
"""

from __future__ import annotations

from dataclasses import dataclass

#: a band narrower than this share of the region's median line height is no gap (touching
#: boxes, a mark's ink over the next line)
MIN_GAP = 0.1
#: an empty band across a region wider than this many line heights (a title's or a block's
#: margin, wider than line spacing) is cut before any gutter: a title over two columns
BLOCK_GAP = 1.5
#: a ruling line counts as crossing a region when it covers all but this share of its width
RULE_SLACK = 0.02


@dataclass(frozen=True)
class Box:
    """A line's box in PDF units (y up)."""

    x0: float
    y0: float
    x1: float
    y1: float


def reading_order(
    boxes: list[Box], rules: list[tuple[float, float, float, float]] = (), rtl: bool = False
) -> list[int]:
    """Indices of ``boxes`` in reading order.

    Args:
        boxes: the page's text lines.
        rules: ruling segments ``(x0, y0, x1, y1)``; horizontal ones cut a region they cross.
        rtl: the page reads right to left (its columns and cells from the right).
    """
    return _order(list(range(len(boxes))), boxes, merged_rules(rules), rtl)


def merged_rules(
    rules: list[tuple[float, float, float, float]], tolerance: float = 1.0
) -> list[tuple[float, float, float]]:
    """The horizontal rules as ``(y, x0, x1)``, segments on one height (within ``tolerance``)
    that touch joined: a table drawn cell by cell has its row borders in pieces."""
    flat = sorted(
        ((r[1] + r[3]) / 2, min(r[0], r[2]), max(r[0], r[2]))
        for r in rules
        if abs(r[3] - r[1]) <= tolerance and abs(r[2] - r[0]) > tolerance
    )
    out: list[list[float]] = []
    for y, a, b in sorted(flat, key=lambda r: (round(r[0] / tolerance), r[1])):
        last = out[-1] if out else None
        if last and abs(last[0] - y) <= tolerance and a <= last[2] + tolerance:
            last[2] = max(last[2], b)
        else:
            out.append([y, a, b])
    return [(y, a, b) for y, a, b in out]


def _order(idx: list[int], boxes: list[Box], rules: list, rtl: bool) -> list[int]:
    if len(idx) <= 1:
        return idx
    parts = _rule_cut(idx, boxes, rules) or _gap_cut(idx, boxes, rtl)
    if parts is None:  # nothing cuts it: top to bottom, then in the page's direction
        return sorted(idx, key=lambda i: (-boxes[i].y1, -boxes[i].x1 if rtl else boxes[i].x0))
    return [i for part in parts for i in _order(part, boxes, rules, rtl)]


def _rule_cut(idx: list[int], boxes: list[Box], rules: list) -> list[list[int]] | None:
    """The region's lines split at every horizontal rule that crosses it and no line, top to
    bottom; None when no such rule splits it."""
    x0 = min(boxes[i].x0 for i in idx)
    x1 = max(boxes[i].x1 for i in idx)
    slack = RULE_SLACK * (x1 - x0)
    cuts = sorted(
        (
            y
            for y, r0, r1 in rules
            if r0 <= x0 + slack
            and r1 >= x1 - slack
            and not any(boxes[i].y0 < y < boxes[i].y1 for i in idx)
        ),
        reverse=True,
    )
    parts: list[list[int]] = []
    for band_top, band_bottom in zip([float("inf"), *cuts], [*cuts, float("-inf")], strict=True):
        part = [i for i in idx if band_bottom <= _mid_y(boxes[i]) < band_top]
        if part:
            parts.append(part)
    return parts if len(parts) > 1 else None


def _mid_y(b: Box) -> float:
    return (b.y0 + b.y1) / 2


def _gaps(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The empty bands between the intervals ``spans``, as (start, end)."""
    out = []
    spans = sorted(spans)
    reach = spans[0][1]
    for a, b in spans[1:]:
        if a > reach:
            out.append((reach, a))
        reach = max(reach, b)
    return out


def _gap_cut(idx: list[int], boxes: list[Box], rtl: bool) -> list[list[int]] | None:
    """The region's lines split at its widest empty band across that is wider than
    :data:`BLOCK_GAP` line heights, else at its widest band either way, in reading order; None
    when it has none wider than :data:`MIN_GAP` line heights."""
    heights = sorted(boxes[i].y1 - boxes[i].y0 for i in idx)
    line = heights[len(heights) // 2]
    across = [
        (b - a, "across", (a + b) / 2) for a, b in _gaps([(boxes[i].y0, boxes[i].y1) for i in idx])
    ]
    down = [
        (b - a, "down", (a + b) / 2) for a, b in _gaps([(boxes[i].x0, boxes[i].x1) for i in idx])
    ]
    blocks = [g for g in across if g[0] > BLOCK_GAP * line]
    best = max(blocks or across + down, default=None)
    floor = MIN_GAP * line
    if best is None or best[0] <= floor:
        return None
    _, way, at = best
    if way == "across":
        upper = [i for i in idx if boxes[i].y0 >= at]
        return [upper, [i for i in idx if boxes[i].y0 < at]]
    left = [i for i in idx if boxes[i].x1 <= at]
    right = [i for i in idx if boxes[i].x1 > at]
    return [right, left] if rtl else [left, right]
