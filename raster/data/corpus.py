"""The development font corpus: where its files come from, and each family's key and design class.

The only fonts the project may use are the project's font list: the bundled ``fontpkg-*``
packages, the Debian packages of :data:`DEBIAN_PACKAGES` and the @fontsource npm packages of
:data:`FONTSOURCE_FAMILIES`. :data:`FAMILY_TABLE` is the one place that says which families are
relatives (one *family key*: a fold of the cross-validation never trains on a relative of what it
tests) and what design class each family is (naskh, kufi, sans, display, nastaliq, ruqaa, mono,
latin); docs/results.md shows the same table.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import sqlite3
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from raster.data.bundled import BUNDLED_PACKAGES, bundled_font_paths
from raster.paths import atomic_output, file_sha256

DEBIAN_PACKAGES = (
    "fonts-noto-core",
    "fonts-noto-ui-core",
    "fonts-noto-extra",
    "fonts-hosny-amiri",
    "fonts-sil-scheherazade",
    "fonts-sil-lateef",
    "fonts-sil-harmattan",
    "fonts-sil-alkalami",
    "fonts-sil-awami-nastaliq",
    "fonts-dejavu-core",
    "fonts-freefont-ttf",
    "fonts-paktype",
)
# The Noto packages hold every script; only their Arabic families are part of the corpus.
NOTO_PACKAGES = ("fonts-noto-core", "fonts-noto-ui-core", "fonts-noto-extra")
NOTO_ARABIC_FILE = re.compile(r"^Noto(Sans|Naskh|Kufi)Arabic|^NotoNastaliqUrdu")

FONTSOURCE_FAMILIES = (
    "alexandria",
    "almarai",
    "amiri",
    "amiri-quran",
    "baloo-bhaijaan-2",
    "cairo",
    "changa",
    "el-messiri",
    "handjet",
    "ibm-plex-sans-arabic",
    "lateef",
    "noto-kufi-arabic",
    "noto-naskh-arabic",
    "noto-nastaliq-urdu",
    "noto-sans-arabic",
    "readex-pro",
    "scheherazade-new",
    "tajawal",
    "zain",
    "badeen-display",
    "beiruti",
    "blaka",
    "cairo-play",
    "jomhuria",
    "katibeh",
    "kufam",
    "marhey",
    "mirza",
    "playpen-sans-arabic",
    "ruwudu",
    "vibes",
    "rubik",
    "estedad",
    "blaka-hollow",
)

DESIGN_CLASSES = ("naskh", "kufi", "sans", "display", "nastaliq", "ruqaa", "mono", "latin")

# (family-name pattern, family key, design class); the first full match wins. Family names are
# the fonts' typographic family names (name ID 16, else 1), as raster.ingest stores them.
FAMILY_TABLE: tuple[tuple[str, str, str], ...] = (
    (r"Amiri( Quran( Colored)?)?", "amiri", "naskh"),
    (r"Noto Naskh Arabic( UI)?", "noto-naskh-arabic", "naskh"),
    (r"Noto Sans Arabic( UI)?( (Semi|Extra)?Condensed)?", "noto-sans-arabic", "sans"),
    (r"Noto Kufi Arabic", "noto-kufi-arabic", "kufi"),
    (r"Noto Nastaliq Urdu", "noto-nastaliq-urdu", "nastaliq"),
    (r"Cairo( Play)?", "cairo", "sans"),
    (r"Scheherazade( New)?", "scheherazade", "naskh"),
    (r"Lateef", "lateef", "naskh"),
    (r"Harmattan", "harmattan", "naskh"),
    (r"Alkalami", "alkalami", "display"),
    (r"Ruwudu", "ruwudu", "display"),
    (r"Awami Nastaliq", "awami-nastaliq", "nastaliq"),
    (r"DejaVu Sans Mono", "dejavu", "mono"),
    (r"DejaVu Sans", "dejavu", "sans"),
    (r"DejaVu Serif", "dejavu", "latin"),
    (r"Free ?Mono", "freefont", "mono"),
    (r"Free ?Sans", "freefont", "sans"),
    (r"Free ?Serif", "freefont", "naskh"),
    (r"PakType Naskh Basic( (Farsi|SA|Sindhi|Urdu))?", "paktype-naskh", "naskh"),
    (r"PakType Tehreer", "paktype-tehreer", "naskh"),
    (r"PakType Naqsh", "paktype-naqsh", "display"),
    (r"PakType Ajrak", "paktype-ajrak", "display"),
    (r"Tajawal", "tajawal", "sans"),
    (r"Almarai", "almarai", "sans"),
    (r"IBM Plex Sans Arabic", "ibm-plex-sans-arabic", "sans"),
    (r"Alexandria", "alexandria", "sans"),
    (r"Readex Pro", "readex-pro", "sans"),
    (r"Zain", "zain", "sans"),
    (r"Beiruti", "beiruti", "sans"),
    (r"Rubik", "rubik", "sans"),
    (r"Estedad", "estedad", "sans"),
    (r"Changa", "changa", "kufi"),
    (r"Kufam", "kufam", "kufi"),
    (r"Baloo Bhaijaan 2", "baloo-bhaijaan-2", "display"),
    (r"El Messiri", "el-messiri", "display"),
    (r"Handjet", "handjet", "display"),
    (r"Badeen Display", "badeen-display", "display"),
    (r"Blaka( Hollow)?", "blaka", "display"),  # the hollow cut is the same design outlined
    (r"Jomhuria", "jomhuria", "display"),
    (r"Katibeh", "katibeh", "display"),
    (r"Marhey", "marhey", "display"),
    (r"Playpen Sans Arabic", "playpen-sans-arabic", "display"),
    (r"Mirza", "mirza", "naskh"),
    (r"Vibes", "vibes", "display"),
)
_STYLE_WORDS = re.compile(
    r"(\s+(Hairline|Thin|(Extra|Ultra|Semi|Demi)?\s?(Light|Bold)|Book|Regular|Medium|Black|"
    r"Heavy|(Extra|Ultra|Semi)?\s?(Condensed|Expanded)|Italic|Oblique|Slanted))+$",
    re.IGNORECASE,
)
_RULES = tuple((re.compile(p, re.IGNORECASE), key, cls) for p, key, cls in FAMILY_TABLE)


@dataclass(frozen=True)
class FamilyInfo:
    """A family's relatives group (``key``) and ``design_class``; ``known`` is False when no
    row of :data:`FAMILY_TABLE` matched (the key is then the family name itself)."""

    key: str
    design_class: str
    known: bool = True


def family_info(family: str | None) -> FamilyInfo:
    """Key and design class of a font family name (``fonts.family``)."""
    name = " ".join((family or "").split())
    # static fonts without typographic names put the weight in the family ("Almarai Light")
    for candidate in (name, _STYLE_WORDS.sub("", name).strip()):
        for rx, key, cls in _RULES:
            if rx.fullmatch(candidate):
                return FamilyInfo(key, cls)
    return FamilyInfo(
        re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unknown", "unknown", False
    )


@dataclass(frozen=True)
class SourceFile:
    """One font file of the corpus and the package it came from."""

    path: Path
    origin: str  # 'bundled' | 'debian' | 'npm'
    package: str
    version: str


def bundled_sources() -> list[SourceFile]:
    """The bundled ``fontpkg-*`` fonts with their package name and version."""
    out = []
    for module in BUNDLED_PACKAGES:
        dist = module.replace("_", "-")
        version = importlib.metadata.version(dist)
        out += [SourceFile(p, "bundled", dist, version) for p in bundled_font_paths((module,))]
    return out


def debian_package_version(package: str) -> str | None:
    """Installed version of a Debian package, None when it is not installed (or no dpkg)."""
    if shutil.which("dpkg-query") is None:
        return None
    proc = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}\t${Version}", package],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or "install ok installed" not in proc.stdout:
        return None
    return proc.stdout.split("\t", 1)[1]


def debian_sources(
    packages: tuple[str, ...] = DEBIAN_PACKAGES,
) -> tuple[list[SourceFile], list[str]]:
    """Font files of the installed Debian packages, and the packages that are not installed.

    Only .ttf/.otf/.ttc files (the packages' .woff copies would duplicate them); of the Noto
    packages, only the Arabic families (:data:`NOTO_ARABIC_FILE`). Symlinked duplicates are kept
    once.
    """
    out: list[SourceFile] = []
    missing: list[str] = []
    seen: set[Path] = set()
    for package in packages:
        version = debian_package_version(package)
        if version is None:
            missing.append(package)
            continue
        listing = subprocess.run(
            ["dpkg", "-L", package], capture_output=True, text=True, check=True
        ).stdout
        for line in sorted(listing.splitlines()):
            p = Path(line)
            if p.suffix.lower() not in (".ttf", ".otf", ".ttc") or not p.is_file():
                continue
            if package in NOTO_PACKAGES and not NOTO_ARABIC_FILE.match(p.name):
                continue
            if p.resolve() in seen:
                continue
            seen.add(p.resolve())
            out.append(SourceFile(p, "debian", package, version))
    return out, missing


def fontsource_sources(
    root: str | Path, families: tuple[str, ...] = FONTSOURCE_FAMILIES
) -> tuple[list[SourceFile], list[str]]:
    """The fetched @fontsource ``arabic`` subsets under ``root/<family>/`` (see
    scripts/fetch_fontsource_fonts.sh), and the families not fetched."""
    root = Path(root)
    out: list[SourceFile] = []
    missing: list[str] = []
    for fam in families:
        meta = root / fam / "package.json"
        files = sorted((root / fam).glob(f"{fam}-arabic-[0-9]*.woff2"))
        if not meta.is_file() or not files:
            missing.append(fam)
            continue
        info = json.loads(meta.read_text())
        package = info.get("name", f"@fontsource/{fam}")
        out += [SourceFile(p, "npm", package, str(info.get("version", "?"))) for p in files]
    return out, missing


def build_manifest(db_path: str | Path, sources: list[SourceFile]) -> dict:
    """The corpus manifest: one entry per face/instance stored in ``db_path``.

    Each entry: file, sha256 (of the file), face_hash (``fonts.file_hash``), instance, origin,
    package, version, family, style, family_key, design_class, glyphs (rows in the DB), letters
    (Arabic-letter rows). Faces whose file is not among ``sources`` are listed with origin
    'unknown' (a DB reused from elsewhere).
    """
    by_path = {str(s.path): s for s in sources}
    conn = sqlite3.connect(str(db_path))
    try:
        letters = dict(
            conn.execute(
                "SELECT f_id, COUNT(*) FROM glyphs WHERE char_class = 'arabic_letter' GROUP BY f_id"
            ).fetchall()
        )
        rows = conn.execute(
            "SELECT file_hash, path, instance, family, style, n_glyphs FROM fonts "
            "ORDER BY path, instance"
        ).fetchall()
    finally:
        conn.close()
    sha: dict[str, str] = {}
    entries = []
    for face_hash, path, instance, family, style, n_glyphs in rows:
        src = by_path.get(path)
        if path not in sha:
            sha[path] = file_sha256(path) if path and Path(path).is_file() else ""
        info = family_info(family)
        entries.append(
            {
                "file": path,
                "sha256": sha[path],
                "face_hash": face_hash,
                "instance": instance,
                "origin": src.origin if src else "unknown",
                "package": src.package if src else None,
                "version": src.version if src else None,
                "family": family,
                "style": style,
                "family_key": info.key,
                "design_class": info.design_class,
                "glyphs": n_glyphs,
                "letters": letters.get(face_hash, 0),
            }
        )
    return {"db": str(db_path), "fonts": entries, "summary": summarize_manifest(entries)}


def summarize_manifest(entries: list[dict]) -> dict:
    """Counts of a manifest's entries: fonts, glyphs, families, keys, and per design class."""
    per_class: dict[str, dict] = {}
    for cls in sorted({e["design_class"] for e in entries}):
        sub = [e for e in entries if e["design_class"] == cls]
        per_class[cls] = {
            "fonts": len(sub),
            "glyphs": sum(e["glyphs"] or 0 for e in sub),
            "families": len({e["family"] for e in sub}),
            "family_keys": len({e["family_key"] for e in sub}),
        }
    return {
        "fonts": len(entries),
        "files": len({e["file"] for e in entries}),
        "glyphs": sum(e["glyphs"] or 0 for e in entries),
        "families": len({e["family"] for e in entries}),
        "family_keys": len({e["family_key"] for e in entries}),
        "per_origin": dict(Counter(e["origin"] for e in entries)),
        "per_design_class": per_class,
        "unknown_families": sorted(
            {e["family"] or "" for e in entries if e["design_class"] == "unknown"}
        ),
    }


def write_manifest(manifest: dict, out: str | Path) -> Path:
    """Write the manifest JSON to ``out`` atomically (a temporary file moved into place)."""
    out = Path(out)
    with atomic_output(out) as tmp:
        tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return out


def format_manifest_summary(summary: dict, out: str | Path) -> str:
    """The lines ``raster.corpus`` prints of a manifest's ``summary`` written to ``out``."""
    s = summary
    lines = [
        f"manifest: {out}: {s['fonts']} fonts from {s['files']} files, {s['glyphs']} glyphs, "
        f"{s['families']} families in {s['family_keys']} family keys"
    ]
    for cls, c in s["per_design_class"].items():
        lines.append(
            f"  {cls}: {c['fonts']} fonts, {c['glyphs']} glyphs, {c['families']} families, "
            f"{c['family_keys']} keys"
        )
    if s["unknown_families"]:
        lines.append("families missing from FAMILY_TABLE: " + ", ".join(s["unknown_families"]))
    return "\n".join(lines)
