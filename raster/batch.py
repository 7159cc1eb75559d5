"""Run text, repair or identify over many files on a Dask cluster, or on this machine.

``python -m raster.batch text|repair|identify INPUTS --out URL [--scheduler ADDRESS | --local N]``:
INPUTS are files, folders, globs or lists of inputs (``.txt``; ``.jsonl`` with ``input``), as
paths or fsspec URLs (``s3://bucket/in/``); outputs and ``manifest.jsonl`` (a row per file:
status, fonts repaired, seconds, the model release, the error in one line) go under ``--out``. A rerun skips the files
already done with the same release and settings. ``--scheduler`` joins a running cluster
(``dask scheduler`` / ``dask worker`` on other machines), ``--local N`` starts N worker
processes here, neither runs the files one by one in this process (without Dask). Dask comes
with the ``[dask]`` extra.
"""

from __future__ import annotations

import argparse
import logging
import sys

from raster import cli
from raster.errors import InputError
from raster.jobs.batch import KINDS, JobSpec, model_release, run_batch
from raster.pdf.text import FORMATS, TextOptions

log = logging.getLogger("raster.batch")


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser("raster.batch", __doc__)
    parser.add_argument("kind", choices=KINDS, help="what to do with each file")
    parser.add_argument("inputs", nargs="+", help="files, folders, globs, .txt/.jsonl lists (URLs)")
    parser.add_argument("--out", required=True, help="output folder URL (manifest.jsonl too)")
    g = parser.add_mutually_exclusive_group()
    g.add_argument("--scheduler", default=None, metavar="ADDRESS", help="tcp://host:8786")
    g.add_argument(
        "--local",
        type=cli.non_negative_int,
        default=0,
        metavar="N",
        help="N local worker processes",
    )
    parser.add_argument(
        "--threads-per-worker",
        type=cli.positive_int,
        default=1,
        help="tasks at once per local worker",
    )
    parser.add_argument("--format", choices=FORMATS, default="jsonl", help="text's output format")
    g = parser.add_argument_group("model")
    cli.add_checkpoint_arg(g)
    g.add_argument("--index", default=None, help="reference index directory")
    g.add_argument("--charset", choices=("ar", "fa", "ur", "all"), default="ar",
                   help="the documents' language (as raster.pdf's --charset)")  # fmt: skip
    keep = g.add_mutually_exclusive_group()
    keep.add_argument(
        "--keep-declared", action="store_true", help="as raster.pdf repair --keep-declared"
    )
    # the older spelling of what is now the default: accepted, hidden
    keep.add_argument("--replace-suspect", action="store_true", help=argparse.SUPPRESS)
    return parser


def _client(args):
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise InputError(
            "--scheduler/--local need Dask distributed: pip install 'glyph-raster[dask]'"
        ) from exc
    for name in list(logging.root.manager.loggerDict):  # dask set them: a line per event
        if name.split(".")[0] in ("distributed", "dask"):
            logging.getLogger(name).setLevel(logging.WARNING)
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(
            n_workers=args.local, threads_per_worker=args.threads_per_worker, processes=True
        )
        client = Client(cluster)
    from raster.jobs.worker import QuietLogs

    client.register_plugin(QuietLogs())
    return client


@cli.command("raster.batch")
def main(argv: list[str] | None = None) -> int:
    from raster.pdf.language import decoding_language

    args = cli.parse_args(build_parser(), argv)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # layout: warns on odd descriptors
    checkpoint = str(args.checkpoint) if args.checkpoint else None
    spec = JobSpec(
        kind=args.kind,
        out=args.out,
        release=model_release(checkpoint),
        checkpoint=checkpoint,
        index=args.index,
        charset=args.charset,
        fmt=args.format,
        options=TextOptions(
            keep_declared=args.keep_declared,
            language=decoding_language("auto", args.charset),
        ),
    )
    client = _client(args) if args.scheduler or args.local else None
    try:
        result = run_batch(
            args.inputs,
            spec,
            client,
            on_row=lambda r: print(_line(r), flush=True),
        )
    finally:
        if client is not None:
            cluster = client.cluster
            client.close()
            if cluster is not None and not args.scheduler:
                cluster.close()
    print(
        f"{len(result.rows)} file(s) done, {len(result.failed)} failed, "
        f"{len(result.skipped)} skipped (done before with {spec.release}); "
        f"manifest: {args.out.rstrip('/')}/manifest.jsonl"
    )
    return cli.EXIT_PARTIAL if result.failed else cli.EXIT_OK


def _line(row: dict) -> str:
    if row["status"] == "failed":
        return f"{row['input']}: FAILED: {row['error']}"
    where = f" -> {row['output']}" if row["output"] else ": nothing written"
    return f"{row['input']}{where} ({row['seconds']:.2f} s)"


if __name__ == "__main__":
    sys.exit(main())
