"""Figures, data gathering and the HTML page of ``python -m raster.report``; ``raster.visualize``'s figures."""
