"""Figures and data gathering for ``python -m raster.report``."""
