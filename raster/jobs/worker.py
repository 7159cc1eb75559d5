"""What every Dask worker of a batch sets up (imports Dask: only with the ``[dask]`` extra)."""

from __future__ import annotations

import logging

from distributed import WorkerPlugin


class QuietLogs(WorkerPlugin):
    """pdfminer's and fontTools' warnings on odd fonts off in each worker, those that join or
    restart later too (the manifest rows say what went wrong with a file)."""

    name = "raster-quiet-logs"

    def setup(self, worker) -> None:
        for name in ("pdfminer", "fontTools"):
            logging.getLogger(name).setLevel(logging.ERROR)
