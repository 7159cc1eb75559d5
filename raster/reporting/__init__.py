"""Figures, data gathering and the HTML page of ``python -m raster.report``, and the figures
of ``raster.visualize``.
"""
