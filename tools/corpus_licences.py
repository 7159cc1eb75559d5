"""The training fonts of a corpus manifest as a Markdown table: package, families, design class,
faces, glyphs, licence (the model card's table).

Licences come from where each package was installed: ``License-Expression`` of a bundled
``fontpkg-*`` distribution, the ``license`` field of an @fontsource ``package.json``, and the
``License:`` lines of a Debian package's ``/usr/share/doc/PKG/copyright`` that cover font files.

    python -m tools.corpus_licences dataset/corpus_manifest.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from importlib import metadata
from pathlib import Path


def licence(origin: str, package: str, first_file: str) -> str:
    """The licence of one package ('?' when it cannot be read)."""
    if origin == "bundled":
        try:
            meta = metadata.metadata(package)
        except metadata.PackageNotFoundError:
            return "?"
        return meta.get("License-Expression") or meta.get("License") or "?"
    if origin == "npm":
        for parent in Path(first_file).parents:
            pj = parent / "package.json"
            if pj.is_file():
                return str(json.loads(pj.read_text()).get("license", "?"))
        return "?"
    copyright_file = Path("/usr/share/doc") / package / "copyright"
    try:
        text = copyright_file.read_text(errors="replace")
    except OSError:
        return "?"
    found = []
    for stanza in text.split("\n\n"):
        files = re.search(r"^Files:(.*)$", stanza, re.M)
        lic = re.search(r"^License:\s*(\S+)", stanza, re.M)
        if files and lic and not files.group(1).strip().startswith("debian"):
            if lic.group(1) not in found:
                found.append(lic.group(1))
    return ", ".join(found) or "?"


def table(manifest: dict) -> str:
    groups: dict[tuple[str, str], dict] = defaultdict(
        lambda: {"families": set(), "classes": set(), "faces": 0, "glyphs": 0, "file": ""}
    )
    for f in manifest["fonts"]:
        g = groups[(f["origin"], f["package"])]
        g["families"].add(f["family_key"])
        g["classes"].add(f["design_class"])
        g["faces"] += 1
        g["glyphs"] += int(f["glyphs"])
        g["file"] = g["file"] or f["file"]
    lines = [
        "| source | package | family keys | design class | faces | glyphs | licence |",
        "|---|---|---|---|---:|---:|---|",
    ]
    for (origin, package), g in sorted(groups.items()):
        lines.append(
            f"| {origin} | {package} | {', '.join(sorted(g['families']))} | "
            f"{', '.join(sorted(g['classes']))} | {g['faces']} | {g['glyphs']:,} | "
            f"{licence(origin, package, g['file'])} |"
        )
    faces = sum(g["faces"] for g in groups.values())
    glyphs = sum(g["glyphs"] for g in groups.values())
    keys = len({f["family_key"] for f in manifest["fonts"]})
    lines.append(
        f"| **all** | {len(groups)} packages | {keys} family keys | | {faces} | {glyphs:,} | |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.corpus_licences", description=__doc__)
    p.add_argument("manifest", type=Path)
    args = p.parse_args(argv)
    try:
        manifest = json.loads(args.manifest.read_text())
    except (OSError, ValueError) as exc:
        print(f"{args.manifest}: {exc}", file=sys.stderr)
        return 2
    print(table(manifest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
