"""Model factory: a timm backbone plus classifier and embedding heads."""

from raster.models.glyph_net import GlyphNet, ModelConfig, build_model, create_backbone

__all__ = ["GlyphNet", "ModelConfig", "build_model", "create_backbone"]
