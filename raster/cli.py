"""What every ``python -m raster.X`` command shares: logging, progress, model flags, exit codes.

A command is ``build_parser()`` plus ``main(argv=None) -> int`` decorated with
:func:`command`, which turns a :class:`~raster.errors.RasterError` (or an unusable file or
database) into one line on stderr and its exit code, and Ctrl-C into one line and 130. Exit
codes (README, "Exit codes") are the ``EXIT_*`` constants of :mod:`raster.errors`.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import logging
import math
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from raster.errors import (
    EXIT_DIVERGED,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OUT_OF_SYNC,
    EXIT_PARTIAL,
    InputError,
    RasterError,
)
from raster.progress import set_progress

__all__ = [
    "EXIT_DIVERGED",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_OUT_OF_SYNC",
    "EXIT_PARTIAL",
    "DEFAULT_SEED",
    "HelpFormatter",
    "add_flag",
    "add_subcommand",
    "new_parser",
    "add_checkpoint_arg",
    "add_choice",
    "add_device_arg",
    "add_model_args",
    "add_seed_arg",
    "add_workers_arg",
    "add_progress_arg",
    "add_threads_arg",
    "apply_threads",
    "NumberRange",
    "fold_list",
    "fraction",
    "int_at_least",
    "non_negative_float",
    "non_negative_int",
    "positive_float",
    "positive_int",
    "probability",
    "seed_int",
    "set_ranges",
    "command",
    "error_line",
    "input_errors",
    "parse_args",
    "parse_with_config",
    "setup_logging",
]

#: libraries that narrate at INFO (faiss's loader probes CPU features, fontTools' instancer
#: each table, matplotlib its font cache, pikepdf its "logger bridge"): kept to warnings and errors
QUIET_LOGGERS = ("faiss", "faiss.loader", "fontTools", "matplotlib", "PIL", "numexpr", "pikepdf")


#: the one default of every ``--seed`` (the user's own system uses 42)
DEFAULT_SEED = 42


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Every command's ``--help``: defaults shown once; old flag spellings (:func:`add_flag`'s
    ``aliases``) still parse but are not listed.

    ``(default: X)`` is added only where it tells something: not for a default of None (a
    required option, or one whose default the help explains), not for an on/off flag that is
    off, and not when the help text already says its default.
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (
            action.default is None
            or action.default is argparse.SUPPRESS
            or (action.nargs == 0 and action.default is False and action.const is True)
            or "default" in text.lower()
        ):
            return text
        return super()._get_help_string(action)

    def _format_action_invocation(self, action: argparse.Action) -> str:
        hidden = getattr(action, "hidden_aliases", ())
        if hidden:
            action = copy.copy(action)
            action.option_strings = [s for s in action.option_strings if s not in hidden]
        return super()._format_action_invocation(action)


def new_parser(name: str, doc: str | None, **kwargs) -> argparse.ArgumentParser:
    """The parser of ``python -m <name>``: its help text is the first line of ``doc`` (the
    module docstring), defaults are shown and old flag spellings hidden (:class:`HelpFormatter`)."""
    description = doc.splitlines()[0] if doc else None
    return argparse.ArgumentParser(
        prog=f"python -m {name}", description=description, formatter_class=HelpFormatter, **kwargs
    )


def add_subcommand(subparsers, name: str, help: str) -> argparse.ArgumentParser:
    """One subcommand (``pdf check``, ``index build``) with the same help formatting."""
    return subparsers.add_parser(name, help=help, formatter_class=HelpFormatter)


def add_choice(group, flag: str, choices, help: str) -> argparse.Action:
    """A flag that takes one of ``choices``; the first is the default."""
    choices = list(choices)
    return group.add_argument(flag, choices=choices, default=choices[0], help=help)


def add_flag(group, *names: str, aliases: tuple[str, ...] = (), **kwargs) -> argparse.Action:
    """``add_argument`` with old spellings (``aliases``) that keep working, hidden from
    ``--help`` by :class:`HelpFormatter`. Pass ``dest`` to keep the old attribute name."""
    action = group.add_argument(*names, *aliases, **kwargs)
    action.hidden_aliases = tuple(aliases)
    return action


class NumberRange:
    """An argparse ``type`` for a number flag: parses it and checks its range at parse time, so
    ``--batch-size 0`` or ``--jobs -3`` is one argparse error line (exit 2), not a traceback
    later. Every numeric flag of every command uses one of these (``tests/test_flags.py``).

    Args:
        kind: ``int`` or ``float`` (a float must be finite).
        low, high: the bounds (None = unbounded); ``low_open``/``high_open`` leave them out.
        words: what the value must be, for the error (``a positive integer``).
    """

    def __init__(
        self, kind: type, low: float | None, high: float | None = None, *, words: str,
        low_open: bool = False, high_open: bool = False,
    ) -> None:  # fmt: skip
        self.kind, self.low, self.high, self.words = kind, low, high, words
        self.low_open, self.high_open = low_open, high_open
        self.__name__ = kind.__name__  # argparse's "invalid int value" names the kind

    def __repr__(self) -> str:
        return f"NumberRange({self.words})"

    def check(self, value: float) -> float:
        """``value`` when it lies in the range, else ``argparse.ArgumentTypeError``."""
        ok = math.isfinite(value)
        if ok and self.low is not None:
            ok = value > self.low if self.low_open else value >= self.low
        if ok and self.high is not None:
            ok = value < self.high if self.high_open else value <= self.high
        if not ok:
            raise argparse.ArgumentTypeError(f"must be {self.words}, got {value}")
        return value

    def __call__(self, text: str) -> float:
        try:
            value = self.kind(text)
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"must be {self.words}, got {text!r}") from None
        return self.check(value)


class _NumberList(NumberRange):
    """A comma-separated list of numbers, each in the range (``--folds-to-run 0,2``)."""

    def __call__(self, text: str) -> list:
        return [super(_NumberList, self).__call__(x.strip()) for x in text.split(",") if x.strip()]


def int_at_least(low: int, words: str | None = None) -> NumberRange:
    """An integer flag of at least ``low`` (``crossval --folds``: 2)."""
    return NumberRange(int, low, words=words or f"an integer of at least {low}")


positive_int = int_at_least(1, "a positive integer")
non_negative_int = int_at_least(0, "an integer >= 0")
#: numpy's seeds are unsigned 32-bit integers
seed_int = NumberRange(int, 0, 2**32 - 1, words="an integer in [0, 2**32 - 1]")
positive_float = NumberRange(float, 0.0, low_open=True, words="a positive number")
non_negative_float = NumberRange(float, 0.0, words="a number >= 0")
fraction = NumberRange(float, 0.0, 1.0, high_open=True, words="a fraction in [0, 1)")
probability = NumberRange(float, 0.0, 1.0, words="a number in [0, 1]")
fold_list = _NumberList(int, 0, words="comma-separated integers >= 0")


def set_ranges(parser: argparse.ArgumentParser, **types: NumberRange) -> None:
    """Give flags added by a library (``raster.data.pipeline.add_data_args``, which may not
    import this module) their range types, by destination: ``set_ranges(p, val_frac=fraction)``."""
    actions = {a.dest: a for a in parser._actions}
    for dest, kind in types.items():
        actions[dest].type = kind


class _Formatter(logging.Formatter):
    """``raster.train: message``; warnings and errors say so: ``raster.x: error: message``."""

    def format(self, record: logging.LogRecord) -> str:
        if record.levelno >= logging.WARNING:
            record = logging.makeLogRecord(record.__dict__)
            record.msg = f"{record.levelname.lower()}: {record.msg}"
        return super().format(record)


def setup_logging(level: int = logging.INFO, *, timestamps: bool = False, stream=None) -> None:
    """Configure logging once for a command (timm's ``setup_default_logging``).

    One format for all commands (``[HH:MM:SS ]name: [warning: ]message`` on stderr); faiss,
    fontTools, matplotlib and PIL only report warnings. Does nothing to handlers that already
    exist (pytest's caplog, an embedding application), as ``logging.basicConfig``.

    Args:
        level: the root level (``logging.WARNING`` for quiet commands and non-zero ranks).
        timestamps: prefix each line with the wall-clock time (long runs: train, benches).
    """
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(stream or sys.stderr)
        fmt = "%(asctime)s %(name)s: %(message)s" if timestamps else "%(name)s: %(message)s"
        handler.setFormatter(_Formatter(fmt, datefmt="%H:%M:%S"))
        root.addHandler(handler)
        root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def error_line(exc: BaseException) -> str:
    """The one line a command prints for an expected error: the file (if any) and the reason."""
    if isinstance(exc, OSError) and exc.strerror:
        where = exc.filename if exc.filename is not None else ""
        return f"{where}: {exc.strerror}" if where != "" else exc.strerror
    if isinstance(exc, sqlite3.Error):
        return f"database error: {exc}"
    return str(exc) or type(exc).__name__


def _fail(log: logging.Logger, exc: BaseException) -> None:
    setup_logging()  # a no-op once the command has set logging up (it may fail before)
    log.error("%s", error_line(exc))


def command(name: str) -> Callable[[Callable[..., int]], Callable[..., int]]:
    """Decorate a command's ``main(argv=None) -> int`` with the shared failure handling.

    ``RasterError`` → its ``exit_code`` (2 = bad input, 3 = diverged); ``OSError`` (missing,
    unreadable or full disk) and ``sqlite3.Error`` → 2; Ctrl-C → 130. Each prints one line
    through the ``name`` logger, never a traceback. Anything else is a bug and keeps its
    traceback. argparse's own exit (2 on a bad flag, 0 on ``--help``) passes through.

    Args:
        name: the logger name, ``raster.X`` (not ``__name__``, which is ``__main__`` under -m).
    """

    def wrap(main: Callable[..., int]) -> Callable[..., int]:
        @functools.wraps(main)
        def run(argv: list[str] | None = None) -> int:
            log = logging.getLogger(name)
            try:
                return main(argv)
            except RasterError as exc:
                _fail(log, exc)
                return exc.exit_code
            except BrokenPipeError:
                # stdout closed early (``| head``): not an error of ours; silence the flush
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                return EXIT_PARTIAL
            except (OSError, sqlite3.Error) as exc:
                _fail(log, exc)
                return EXIT_INPUT
            except KeyboardInterrupt:
                setup_logging()  # a no-op once the command has set logging up
                log.warning("interrupted")
                return EXIT_INTERRUPTED

        run.command_name = name  # type: ignore[attr-defined]
        return run

    return wrap


@contextlib.contextmanager
def input_errors(where: str = ""):
    """Inside a command: a plain ``ValueError`` from the library (a bad value in an input file
    or flag) becomes an :class:`~raster.errors.InputError`, so :func:`command` prints one line
    (prefixed ``where: `` when given) and exits 2. Raster's own errors and ``OSError`` pass
    through to :func:`command` unchanged."""
    try:
        yield
    except RasterError:
        raise
    except ValueError as exc:
        raise InputError(f"{where}: {exc}" if where else str(exc)) from exc


def add_render_args(group, normalizations: tuple[str, ...]) -> None:
    """``--img-size`` and ``--normalization`` of the commands that draw glyphs without a model
    (``rasterize``, ``visualize``); ``normalizations`` are ``raster.data.render``'s."""
    group.add_argument(
        "--img-size", type=positive_int, default=128, help="image side, a multiple of 16"
    )
    group.add_argument(
        "--normalization",
        choices=normalizations,
        default="em",
        help="em: one fixed scale (1.5 em across); fit: per-glyph fit",
    )


def add_progress_arg(group) -> None:
    """``--progress/--no-progress``; default: a bar only when stderr is a terminal."""
    group.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bars on stderr (default: only when stderr is a terminal)",
    )


def apply_progress(args: argparse.Namespace) -> None:
    """Set the process-wide progress switch from ``--progress/--no-progress``."""
    set_progress(getattr(args, "progress", None))


def add_threads_arg(group, default: int = 0) -> None:
    """``--threads N``: torch CPU threads (0 = the CPUs this process may use)."""
    from raster.engine.threads import THREADS_HELP

    group.add_argument("--threads", type=non_negative_int, default=default, help=THREADS_HELP)


def apply_threads(threads: int) -> int:
    """Apply ``--threads``: N > 0 as given; 0 = OMP_NUM_THREADS when set, else the CPUs this
    process may use (affinity mask, cgroup quota), not torch's count of the machine's cores.
    Returns the threads chosen (torch's, once torch is imported; see
    :func:`~raster.engine.threads.apply_threads`)."""
    from raster.engine.threads import apply_threads as apply

    return apply(threads)


def add_device_arg(group, default: str = "auto") -> None:
    """``--device``: auto (CUDA when there is one, else CPU), cpu, cuda or cuda:N."""
    group.add_argument("--device", default=default, help="auto|cpu|cuda|cuda:N")


def add_workers_arg(
    group, default: int = 1, help: str = "worker processes", dest: str = "workers"
) -> None:
    """``--num-workers``: worker processes (the user's guide's spelling; ``--workers`` still
    parses)."""
    add_flag(
        group, "--num-workers", aliases=("--workers",), dest=dest, type=positive_int, default=default,
        help=help,
    )  # fmt: skip


def add_seed_arg(group, help: str = "random seed") -> None:
    """``--seed``, default :data:`DEFAULT_SEED` everywhere."""
    group.add_argument("--seed", type=seed_int, default=DEFAULT_SEED, help=help)


def add_checkpoint_arg(group, default: Path | None = None) -> None:
    """``--checkpoint``: a trained checkpoint; None = the model shipped in the package."""
    group.add_argument(
        "--checkpoint",
        type=Path,
        default=default,
        help="trained checkpoint (.pt); default: the model shipped in the package "
        "(raster/weights, docs/model.md)",
    )


def add_model_args(
    group,
    *,
    checkpoint_default: Path | None = None,
    method_help: str = "classifier, knn (the index's neighbours' vote) or both (their mean); "
    "default: both when there is an index (the shipped model's own, or --index), else "
    "classifier",
    no_label_prob_help: str = "a glyph stays unlabelled unless a label beats this probability",
    charset_help: str = "only labels of this language's characters (ar, fa, ur; all = no "
    "restriction)",
    charset_default: str = "all",
    device: str = "auto",
) -> None:
    """The model flags of every command that labels glyphs (identify, pdf, the benches).

    ``--checkpoint`` (default: ``checkpoint_default``, else None = the model shipped in the
    package, which the loaders resolve and announce in one log line), ``--index``, ``--method``,
    ``--no-label-prob``, ``--charset``, ``--prior``, ``--device``.
    """
    from raster.inference.assign import NO_LABEL_PROB  # lazily: torch only for model commands
    from raster.inference.charsets import CHARSETS
    from raster.inference.predict import DEFAULT_PRIOR, METHODS

    add_checkpoint_arg(group, default=checkpoint_default)
    group.add_argument(
        "--index",
        type=Path,
        default=None,
        help="reference index directory (index build); default: the shipped model's own, "
        "none with --checkpoint",
    )
    group.add_argument("--method", choices=METHODS, default=None, help=method_help)
    group.add_argument(
        "--no-label-prob", type=probability, default=NO_LABEL_PROB, help=no_label_prob_help
    )
    group.add_argument(
        "--charset", choices=sorted(CHARSETS), default=charset_default, help=charset_help
    )
    group.add_argument(
        "--prior",
        type=non_negative_float,
        default=DEFAULT_PRIOR,
        metavar="S",
        help="label prior strength: probabilities times (the index's share of glyphs per "
        "label) ** S, so that a rare sign needs more evidence than a common letter (0 = none)",
    )
    add_device_arg(group, default=device)


def parse_args(
    parser: argparse.ArgumentParser, argv: list[str] | None, level: int = logging.INFO
) -> argparse.Namespace:
    """A command's start: parse ``argv``, set logging up (:func:`setup_logging` at ``level``)
    and the progress switch (``--progress/--no-progress`` where the command has it)."""
    args = parser.parse_args(argv)
    setup_logging(level)
    apply_progress(args)
    return args


def parse_with_config(
    parser: argparse.ArgumentParser,
    argv: list[str] | None,
    *,
    error: type[RasterError] = RasterError,
) -> argparse.Namespace:
    """Parse ``argv``; a ``--config run.yaml`` (timm's trick) only sets defaults, so explicit
    flags win. The YAML maps flag destinations (``batch_size``) to values.

    Raises:
        error: the config cannot be read, is not YAML, is not a mapping, or has unknown keys.
    """
    import yaml  # lazily: only commands with --config need it

    pre, _ = parser.parse_known_args(argv)
    cfg = getattr(pre, "config", None)
    if cfg is not None:
        try:
            with open(cfg) as fh:
                values = yaml.safe_load(fh) or {}
        except OSError as exc:
            raise error(f"{cfg}: cannot read the config ({exc.strerror or exc})") from exc
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" at line {mark.line + 1}" if mark is not None else ""
            why = getattr(exc, "problem", None) or type(exc).__name__
            raise error(f"{cfg}: not valid YAML{at} ({why})") from exc
        if not isinstance(values, dict):
            raise error(f"{cfg}: must map flag names to values, not a {type(values).__name__}")
        actions = {a.dest: a for a in parser._actions}
        unknown = set(values) - set(actions)
        if unknown:
            raise error(f"{cfg}: unknown keys {sorted(unknown)}")
        for key, value in values.items():  # a default skips argparse's type: check the range
            kind = actions[key].type
            if isinstance(kind, NumberRange) and isinstance(value, int | float):
                try:
                    kind.check(value)
                except argparse.ArgumentTypeError as exc:
                    raise error(f"{cfg}: {key} {exc}") from exc
        parser.set_defaults(**values)
    return parser.parse_args(argv)
