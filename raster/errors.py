"""Every error raster raises on bad input, under one base class (as pikepdf's ``exceptions``).

A command catches :class:`RasterError` once (``raster.cli.command``), prints ``str(exc)`` as one
line on stderr and exits with ``exc.exit_code``. ``str()`` of each error names the file or row
and the reason. Each class also derives from the builtin it replaced (``ValueError``, ...), so
older ``except ValueError`` code still catches it. The modules that first defined them
re-export them (``from raster.data.fonts import FontLoadError`` keeps working).
"""

from __future__ import annotations

#: exit codes of every ``python -m raster.X`` command (README, "Exit codes")
EXIT_OK = 0
EXIT_PARTIAL = 1  # ran to the end, but some inputs failed (listed on stderr) or a check failed
EXIT_INPUT = 2  # bad flags or unusable input (file, database, checkpoint, index): one line
EXIT_DIVERGED = 3  # training stopped: the loss became NaN or infinite
EXIT_OUT_OF_SYNC = 4  # distributed training: model replicas differ at the end
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), after saving what can be saved


class RasterError(Exception):
    """Base of raster's errors; ``str()`` is the one-line reason a command prints."""

    exit_code = EXIT_INPUT


class InputError(RasterError, ValueError):
    """A value in an input file or flag cannot be used (raised by ``raster.cli.input_errors``
    for a plain ``ValueError`` of a library call); ``str()`` is the one-line reason."""


class DeviceError(RasterError):
    """The requested device (``--device cuda``) is not available on this machine."""


class FontLoadError(RasterError):
    """A font file cannot be read or is not supported; ``str()`` is the one-line reason."""


class NoOutlinesError(FontLoadError):
    """The font has no glyph with an outline (besides ``.notdef``)."""


class SchemaError(RasterError, RuntimeError):
    """The database is missing a table or column the anchor query needs, or is not ours."""


class MalformedContours(RasterError, ValueError):
    """A row's ``contours`` cannot be drawn; the message names the glyph_id and the reason."""

    def __init__(self, glyph_id: int | None, reason: str):
        self.glyph_id = glyph_id
        self.reason = reason
        super().__init__(f"glyph_id {glyph_id}: malformed contours: {reason}")


class IngestAborted(RasterError, RuntimeError):
    """The database cannot be written (disk full, read-only, I/O error): the run stops."""


class HoldoutError(RasterError, ValueError):
    """The family is not in the database."""


class CheckpointError(RasterError, ValueError):
    """A checkpoint cannot be used for inference; ``str()`` is the one-line reason."""


class IndexMismatchError(RasterError, ValueError):
    """The index was made by another checkpoint (or is not an index); one-line reason."""


class NonFiniteLossError(RasterError, RuntimeError):
    """The loss became NaN or infinite; the run stops and keeps its last good checkpoint."""

    exit_code = EXIT_DIVERGED


class ReportInputError(RasterError, ValueError):
    """A run directory or one of its files cannot be read; ``str()`` is the one-line reason."""


class OutputPathError(RasterError, ValueError):
    """An output path would overwrite an input, is a folder, or cannot be written."""


class RunFolderError(RasterError, ValueError):
    """``raster.train --out-dir`` holds another run (or is a file); the message says what to do."""


class TrainInputError(RasterError, ValueError):
    """A flag or input file of ``raster.train`` is unusable; one line naming it."""


class PdfInputError(RasterError):
    """The PDF as a whole cannot be worked on (not a PDF, encrypted, damaged cross-references)."""


class PdfFontError(RasterError):
    """One font cannot be worked on; the message says why (other fonts are unaffected)."""


class AnswersError(RasterError, ValueError):
    """A review answers file is unreadable, malformed, or made for another file (one line)."""


class LabelError(RasterError, ValueError):
    """A label or text names no character a map can hold (a surrogate, U+0000, a
    noncharacter); the message names the label and the reason."""
