"""What ``raster.pdf check``/``repair`` print and write of their font reports: the font
table, the disagreements, the repair lines and the JSON report.
"""

from __future__ import annotations

import json
from pathlib import Path

from raster.pdf.repair import FontReport


def font_table(reports: list[FontReport], share: float) -> str:
    """The fixed-width table of every font: type, subset, program, codes shown, ToUnicode,
    agreements with the glyphs, and a note (error, suspect map, what repair did).

    Args:
        share: ``--suspect-share`` (see :meth:`FontReport.suspect`).
    """
    head = (
        f"{'font':<34} {'type':<18} {'subset':<6} {'program':<22} {'codes':>5} "
        f"{'ToUnicode':<9} {'agree':>9}  note"
    )
    lines = [head, "-" * len(head)]
    for r in reports:
        f = r.font
        kind = f.subtype + (f"/{f.descendant_subtype}" if f.descendant_subtype else "")
        agree = (
            f"{r.agreements}/{r.compared}"
            if r.declared is not None and r.guesses is not None
            else "-"
        )
        note = r.error or ("SUSPECT map" if r.suspect(share) else "")
        if note == "SUSPECT map" and not r.action:  # check: say what repair will do
            note = "SUSPECT map: `repair` replaces it (--keep-declared keeps it)"
        if r.action and not r.error:
            note = (note + " " + r.action).strip()
        elif not note and r.map_missing and f.codes:
            note = "text extracts as (cid:N) or guesses: `repair` maps it"
        if r.empty_map:
            note = f"its ToUnicode maps none of the codes shown; {note}".strip("; ")
        if r.clusters and not r.error:
            note = note + f"; {r.clusters} letters drawn as skeleton + dots (need /ActualText)"
            note = note.lstrip("; ")
        lines.append(
            f"{(','.join(sorted(f.resource_names)) + ' ' + f.base_font)[:34]:<34} {kind[:18]:<18} "
            f"{'yes' if f.subset else 'no':<6} {(f.program or 'not embedded')[:22]:<22} "
            f"{len(f.codes):>5} {'MISSING' if r.map_missing else 'yes':<9} {agree:>9}  {note}"
        )
    return "\n".join(lines)


def _codepoints(text: str) -> str:
    return " ".join(f"U+{ord(c):04X}" for c in text)


def disagreement_table(reports: list[FontReport], limit: int = 40) -> str:
    """The codes whose declared text disagrees with a confident identification, most
    confident first (at most ``limit``)."""
    rows = [(r.font, d) for r in reports for d in r.disagreements]
    if not rows:
        return "no declared text disagrees with a confident identification"
    rows.sort(key=lambda fd: -fd[1]["confidence"])
    lines = [
        f"{'font':<24} {'code':>6} {'gid':>5}  {'declared':<14} {'identified':<14} "
        f"{'label':<16} conf"
    ]
    for font, d in rows[:limit]:
        lines.append(
            f"{font.base_font[:24]:<24} {d['code']:>6} {d['gid']:>5}  "
            f"{_codepoints(d['declared']):<14} {_codepoints(d['identified']):<14} "
            f"{d['label']:<16} {d['confidence']:.3f}"
        )
    if len(rows) > limit:
        lines.append(f"... and {len(rows) - limit} more (see --json-out)")
    return "\n".join(lines)


def json_report(reports: list[FontReport], extra: dict) -> dict:
    """``--json-out``'s report: ``extra`` plus one entry per font (its object, type, map, guesses,
    disagreements, error and action)."""
    fonts = []
    for r in reports:
        f = r.font
        fonts.append(
            {
                "object": list(f.objgen),
                "resource_names": sorted(f.resource_names),
                "base_font": f.base_font,
                "subtype": f.subtype,
                "descendant_subtype": f.descendant_subtype,
                "encoding": f.encoding,
                "subset": f.subset,
                "program": f.program,
                "has_tounicode": f.has_tounicode,
                "tounicode_maps_nothing": r.empty_map,
                "codes_shown": len(f.codes),
                "pages": sorted(f.pages),
                "error": r.error,
                "action": r.action,
                "replaced_because": r.replaced or None,
                "compared": r.compared,
                "expected_agreement": round(r.expected_agreement, 2),
                "disagreements": r.disagreements,
                "unmapped_codes": r.unmapped,
                "skeleton_dots_letters": r.clusters,
                "actual_text_spans": r.spans,
                "guesses": [
                    {
                        "code": g.code,
                        "gid": g.gid,
                        "text": g.text,
                        "label": g.label,
                        "confidence": round(g.confidence, 4),
                        "changed_by_context": g.changed_by_context,
                    }
                    for g in r.guesses or []
                ],
            }
        )
    return {**extra, "fonts": fonts}


def repair_lines(reports: list[FontReport]) -> list[str]:
    """One line per repaired font: codes mapped, from answers, those left unmapped, and why
    a declared map was replaced."""
    return [
        f"{r.font.label}: mapped {len(r.guesses) - len(r.unmapped)} of "
        f"{len(r.guesses)} codes"
        + (f" ({r.answered} from answers)" if r.answered else "")
        + "; unmapped (below --min-confidence or unknown): "
        + (" ".join(str(c) for c in r.unmapped) or "none")
        + (f"; {r.spans} skeleton + dots letters written as /ActualText" if r.spans else "")
        + (f"; replaced the declared map: {r.replaced}" if r.replaced else "")
        for r in reports
        if r.action == "repaired"
    ]


def write_json_report(path: str | Path, reports: list[FontReport], extra: dict) -> Path:
    """Write :func:`json_report` to ``path`` (UTF-8, its folder made)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(json_report(reports, extra), indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return path
