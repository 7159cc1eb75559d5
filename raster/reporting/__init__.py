"""Figures and data gathering for ``python -m raster.report`` and ``raster.visualize``."""
