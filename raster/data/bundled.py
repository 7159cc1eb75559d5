"""Locate the font files of the bundled ``fontpkg-*`` packages (installed with the project)."""

from __future__ import annotations

import importlib
from pathlib import Path

from raster.data.fonts import FONT_SUFFIXES

# The pip packages pinned in pyproject.toml; each exposes ``ROOT`` with its files in ROOT/files.
BUNDLED_PACKAGES = (
    "fontpkg_amiri",
    "fontpkg_cairo",
    "fontpkg_tajawal",
    "fontpkg_noto_sans_arabic",
    "fontpkg_ibm_plex_sans_arabic",
    "fontpkg_almarai",
    "fontpkg_noto_kufi_arabic",
)


def bundled_font_paths(packages: tuple[str, ...] = BUNDLED_PACKAGES) -> list[Path]:
    """Font files of the bundled font packages, sorted per package.

    Args:
        packages: module names of fontpkg packages.

    Returns:
        Paths of their .ttf/.otf/... files.

    Raises:
        ModuleNotFoundError: a package is not installed (message names it).
    """
    paths: list[Path] = []
    for name in packages:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            raise ModuleNotFoundError(
                f"bundled font package {name} is not installed; run `make venv`"
            ) from exc
        root = Path(getattr(module, "ROOT", Path(module.__file__).parent))
        paths.extend(
            sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in FONT_SUFFIXES)
        )
    return paths
