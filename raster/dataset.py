"""Compatibility: ``from raster.dataset import ...`` as the user's guide and their code do.

A thin re-export of :mod:`raster.data.pipeline` (the data pipeline); add nothing here.
"""

from raster.data.pipeline import (
    AUGMENT_MODES,
    DEFAULT_AUGMENT_MODE,
    CacheReader,
    DataBundle,
    DataConfig,
    GlyphDataset,
    GlyphTable,
    RasterConfig,
    add_data_args,
    augment_batch,
    build_datasets,
    default_mmap_path,
    render_contours,
    write_label_map,
)

__all__ = [
    "AUGMENT_MODES",
    "DEFAULT_AUGMENT_MODE",
    "CacheReader",
    "DataBundle",
    "DataConfig",
    "GlyphDataset",
    "GlyphTable",
    "RasterConfig",
    "add_data_args",
    "augment_batch",
    "build_datasets",
    "default_mmap_path",
    "render_contours",
    "write_label_map",
]
