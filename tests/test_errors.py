"""raster.errors: one base class; the old import paths still give the same classes."""

import importlib

import pytest

from raster import errors

OLD_HOMES = {
    "raster.data.contours": ["MalformedContours"],
    "raster.data.fonts": ["FontLoadError"],
    "raster.data.holdout": ["HoldoutError"],
    "raster.data.schema": ["SchemaError"],
    "raster.inference.font_glyphs": ["NoOutlinesError"],
    "raster.inference.checkpoint_loader": ["CheckpointError"],
    "raster.inference.index": ["IndexMismatchError"],
    "raster.engine.loop": ["NonFiniteLossError"],
    "raster.reporting.data": ["ReportInputError"],
    "raster.pdf.document": ["PdfInputError", "PdfFontError"],
    "raster.paths": ["OutputPathError"],
    "raster.ingest": ["IngestAborted"],
    "raster.engine.run_dir": ["RunFolderError"],
    "raster.train": ["TrainInputError"],
    "raster.reviewing.answers": ["AnswersError"],
}


@pytest.mark.parametrize("module", sorted(OLD_HOMES))
def test_old_import_paths_give_the_one_class(module):
    mod = importlib.import_module(module)
    for name in OLD_HOMES[module]:
        cls = getattr(mod, name)
        assert cls is getattr(errors, name)
        assert issubclass(cls, errors.RasterError)


def test_builtin_bases_kept_for_old_except_clauses():
    assert issubclass(errors.CheckpointError, ValueError)
    assert issubclass(errors.SchemaError, RuntimeError)
    assert issubclass(errors.NoOutlinesError, errors.FontLoadError)
    assert str(errors.MalformedContours(7, "odd")) == "glyph_id 7: malformed contours: odd"


def test_exit_codes():
    assert errors.RasterError("x").exit_code == errors.EXIT_INPUT == 2
    assert errors.NonFiniteLossError("nan").exit_code == errors.EXIT_DIVERGED == 3
    assert errors.EXIT_INTERRUPTED == 130
    every = [v for k, v in vars(errors).items() if k.startswith("EXIT_")]
    assert len(every) == len(set(every)) == 6
