"""Compatibility alias: the user's guide names this file; the model is :mod:`raster.models.glyph_net`.

A thin re-export only (``from raster.model import GlyphNet`` keeps working); add nothing here.
"""

from raster.models.glyph_net import GlyphNet, ModelConfig, build_model, create_backbone

__all__ = ["GlyphNet", "ModelConfig", "build_model", "create_backbone"]
