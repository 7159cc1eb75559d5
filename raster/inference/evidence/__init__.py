"""Evidence about a glyph besides its outline: its name, the GSUB's links, skeleton + dots."""

from raster.inference.evidence.combine import NAME_WEIGHT, SOURCES, Evidence, combine_evidence
from raster.inference.evidence.composition import compose_label
from raster.inference.evidence.names import glyph_name_prior, parse_glyph_name

__all__ = [
    "NAME_WEIGHT",
    "SOURCES",
    "Evidence",
    "combine_evidence",
    "compose_label",
    "glyph_name_prior",
    "parse_glyph_name",
]
