"""Batches of files on a Dask cluster (``python -m raster.batch``): inputs and outputs through
fsspec, the model loaded once per worker process, a results manifest that makes reruns resume."""
