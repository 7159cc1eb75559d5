"""The model the user's guide calls ``raster/model.py``: see :mod:`raster.models.glyph_net`."""

from raster.models.glyph_net import GlyphNet, ModelConfig, build_model, create_backbone

__all__ = ["GlyphNet", "ModelConfig", "build_model", "create_backbone"]
