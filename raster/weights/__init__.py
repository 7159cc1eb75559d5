"""The shipped model's files (package data): see :mod:`raster.inference.shipped` and docs/model.md."""
