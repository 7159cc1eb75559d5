"""Flags that mean one thing are spelled one way across every command (README, "Flags every
command shares"); old spellings still parse but stay out of ``--help``."""

from __future__ import annotations

import argparse
import importlib

import pytest

from raster import cli
from raster.cli import DEFAULT_SEED, HelpFormatter
from raster.engine.device import DEFAULT_DEVICE

COMMANDS = [
    "corpus", "crossval", "dbstats", "demo", "embed", "eval_similarity", "identify", "index",
    "ingest", "rasterize", "release", "report", "review", "train", "visualize", "pdf.__main__", "batch",
    "debug.test_gradient_flow",
]  # fmt: skip

#: old spelling -> the one spelling of its meaning
OLD_SPELLINGS = {
    "--workers": "--num-workers",  # worker processes (the user's guide spells --num-workers)
    "--run-dir": "--out-dir",  # a folder the command writes
    "--neighbours": "--k",  # neighbours searched per glyph
    "--preraster-stable": "--pre-raster-stable",  # the --pre-raster-* family
}


def parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    """(name, parser) of every command and every subcommand."""
    out = []
    for name in COMMANDS:
        parser = importlib.import_module(f"raster.{name}").build_parser()
        out.append((name, parser))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                out += [(f"{name} {sub}", p) for sub, p in action.choices.items()]
    return out


PARSERS = parsers()


@pytest.mark.parametrize("name,parser", PARSERS, ids=[n for n, _ in PARSERS])
def test_one_spelling_per_meaning(name, parser):
    assert issubclass(parser.formatter_class, HelpFormatter), f"{name}: not raster.cli's help"
    shown = parser.format_help()
    for action in parser._actions:
        for old in OLD_SPELLINGS:
            if old in action.option_strings:
                assert OLD_SPELLINGS[old] in action.option_strings, f"{name}: {old} alone"
                assert old in getattr(action, "hidden_aliases", ()), f"{name}: {old} is shown"
        if "--device" in action.option_strings:
            assert action.default == DEFAULT_DEVICE, (
                f"{name}: --device defaults to {action.default}"
            )
        if "--seed" in action.option_strings:
            assert action.default == DEFAULT_SEED, f"{name}: --seed defaults to {action.default}"
    for old in OLD_SPELLINGS:
        assert f"{old} " not in shown and f"{old}," not in shown, f"{name} --help shows {old}"


def test_an_old_spelling_parses_into_the_same_setting():
    train = importlib.import_module("raster.train").build_parser()
    new = train.parse_args(["--db", "x", "--num-workers", "3", "--pre-raster-stable"])
    old = train.parse_args(["--db", "x", "--workers", "3", "--preraster-stable"])
    assert (
        (new.num_workers, new.preraster_stable)
        == (old.num_workers, old.preraster_stable)
        == (
            3,
            True,
        )
    )
    index = importlib.import_module("raster.index").build_parser()
    argv = ["build", "--db", "g.db"]
    assert (
        index.parse_args([*argv, "--out", "ref"]).out
        == index.parse_args([*argv, "--out-dir", "ref"]).out
    )
    report = importlib.import_module("raster.report").build_parser()
    assert report.parse_args(["run", "--neighbours", "5"]).neighbours == 5


def test_help_lists_only_the_one_spelling():
    train = importlib.import_module("raster.train").build_parser().format_help()
    assert "--num-workers" in train and "--workers" not in train
    assert "--pre-raster-stable" in train and "--preraster-stable" not in train


def _numeric(action: argparse.Action) -> bool:
    """A flag that takes a number: a numeric type, or a number as default."""
    if action.type in (int, float) or isinstance(action.type, cli.NumberRange):
        return True
    if isinstance(action.default, bool) or action.nargs == 0:
        return False  # store_true and friends
    return isinstance(action.default, int | float)


@pytest.mark.parametrize("name,parser", PARSERS, ids=[n for n, _ in PARSERS])
def test_every_numeric_flag_is_range_checked(name, parser):
    """A numeric flag added without one of raster.cli's range types fails here (issue 29:
    --batch-size 0, --jobs -3, --time-budget -3 were accepted and failed later, or never)."""
    for action in parser._actions:
        if _numeric(action):
            assert isinstance(action.type, cli.NumberRange), (
                f"{name} {action.option_strings}: numeric flag without a raster.cli range type"
            )


@pytest.mark.parametrize(
    "module,argv,flag",
    [
        ("train", ["--db", "x", "--batch-size", "0"], "--batch-size"),
        ("train", ["--db", "x", "--epochs", "0"], "--epochs"),
        ("train", ["--db", "x", "--val-frac", "1"], "--val-frac"),
        ("train", ["--db", "x", "--time-budget", "-3"], "--time-budget"),
        ("train", ["--db", "x", "--lr-head", "nan"], "--lr-head"),
        ("pdf.__main__", ["repair", "a.pdf", "--out-dir", "o", "--jobs", "-3"], "--jobs"),
        ("index", ["lists", "--index", "i", "--lists", "-5"], "--lists"),
        ("crossval", ["--db", "g.db", "--time-budget", "-3"], "--time-budget"),
        ("crossval", ["--db", "g.db", "--folds", "1"], "--folds"),
        ("crossval", ["--db", "g.db", "--folds", "0"], "--folds"),
        ("crossval", ["--db", "g.db", "--folds-to-run", "0,-1"], "--folds-to-run"),
        ("ingest", ["--num-workers", "0", "x.ttf"], "--num-workers"),
        ("identify", ["f.ttf", "--k", "0"], "--k"),
    ],
)
def test_an_out_of_range_number_is_one_argparse_line(module, argv, flag, capsys):
    parser = importlib.import_module(f"raster.{module}").build_parser()
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}" in err and "must be" in err and "Traceback" not in err, err


def test_a_config_value_out_of_range_is_refused(tmp_path):
    from raster import train
    from raster.errors import TrainInputError

    cfg = tmp_path / "run.yaml"
    cfg.write_text("batch_size: 0\n")
    with pytest.raises(TrainInputError, match=r"run.yaml: batch_size must be a positive integer"):
        train.parse_args(["--db", "x", "--config", str(cfg)])


def _shown_help(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """What ``--help`` prints for ``action`` (its help with the formatter's default added)."""
    text = parser._get_formatter()._get_help_string(action) or ""
    return text % {**vars(action), "prog": parser.prog}


@pytest.mark.parametrize("name,parser", PARSERS, ids=[n for n, _ in PARSERS])
def test_every_option_has_help_and_says_its_default_once(name, parser):
    assert "(default: None)" not in parser.format_help(), f"{name} --help shows (default: None)"
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) or action.help == argparse.SUPPRESS:
            continue
        flag = "/".join(action.option_strings) or action.dest
        assert action.help, f"{name} {flag}: no help"
        shown = _shown_help(parser, action)
        assert shown.lower().count("default") <= 1, f"{name} {flag}: default said twice: {shown}"


def test_the_method_help_says_what_the_shipped_model_does():
    # the shipped model carries its own index, so its default method is "both" (Predictor)
    identify = importlib.import_module("raster.identify").build_parser()
    (method,) = [a for a in identify._actions if "--method" in a.option_strings]
    assert "both when there is an index (the shipped model's own" in method.help
