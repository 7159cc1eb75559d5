"""Compatibility: ``from raster.dataset import ...`` as the user's guide and their code do.

A thin re-export of :mod:`raster.data.pipeline` (the data pipeline); add nothing here.
"""

from raster.data.pipeline import *  # noqa: F403  (the pipeline's public names, as they are)
from raster.data.pipeline import __all__  # noqa: F401
