"""Shared fixtures: tiny fonts built once per session (see tests/fontfactory.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # makes tests/fontfactory.py importable

import fontfactory  # noqa: E402


@pytest.fixture(scope="session")
def tiny_fonts(tmp_path_factory) -> dict[str, Path]:
    """Paths of the tiny fonts: truetype, cff, arabic, presentation, no_cmap, variable."""
    d = tmp_path_factory.mktemp("tiny_fonts")
    return {
        "truetype": fontfactory.build_truetype_font(d / "tiny_tt.ttf"),
        "cff": fontfactory.build_cff_font(d / "tiny_cff.otf"),
        "arabic": fontfactory.build_arabic_font(d / "tiny_arabic.ttf"),
        "presentation": fontfactory.build_presentation_font(d / "tiny_presentation.ttf"),
        "no_cmap": fontfactory.build_no_cmap_font(d / "tiny_no_cmap.ttf"),
        "variable": fontfactory.build_variable_font(d / "tiny_variable.ttf"),
    }
