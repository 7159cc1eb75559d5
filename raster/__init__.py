"""glyph-raster: tell which character (and Arabic form) a glyph is, from its outline alone.

The Python API (:mod:`raster.api`), loaded on first use so that ``import raster`` stays light::

    import raster
    predictions = raster.identify_font("Font.ttf")        # the model shipped in the package
    raster.repair_pdf("broken.pdf", "fixed.pdf")
    print(raster.extract_text("broken.pdf").text)         # its text, read as repair reads it
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "GlyphPrediction",
    "Model",
    "PdfFontCheck",
    "RepairResult",
    "check_pdf",
    "extract_text",
    "identify_font",
    "identify_outline",
    "identify_outlines",
    "load_model",
    "repair_pdf",
]

if TYPE_CHECKING:  # pragma: no cover
    from raster.api import *  # noqa: F403  (what type checkers see; at run time: __getattr__)


def __getattr__(name: str) -> Any:
    if name in __all__:
        from raster import api

        return getattr(api, name)
    raise AttributeError(f"module 'raster' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
