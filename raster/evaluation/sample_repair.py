"""The demo's last step: typeset Arabic in a bundled font, strip the text map, repair it with
the shipped model, and compare the extracted text before and after."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from raster.pdf.samples import shaped_pdf, strip_tounicode
from raster.pdf.text_accuracy import char_accuracy, extract_text

SAMPLE_LINES = ["كتب الطالب درسه في المكتبة", "صِف خَلقَ خَودِ كَمِثلِ الشَمسِ إِذ بَزَغَت"]


@dataclass(frozen=True)
class SampleRepair:
    """Paths and extracted texts of one sample repair; accuracies vs the typeset text (0..1)."""

    broken: Path
    fixed: Path
    source: str
    before: str
    after: str
    accuracy_before: float
    accuracy_after: float


def repair_sample(font: str | Path, folder: str | Path, model=None) -> SampleRepair:
    """Write ``folder``/sample.pdf, broken.pdf (map stripped) and fixed.pdf (repaired with
    ``model``, default the shipped one; Arabic charset) and extract the text of each."""
    from raster.api import repair_pdf

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sample = shaped_pdf(Path(font), SAMPLE_LINES, folder / "sample.pdf")
    broken = strip_tounicode(sample, folder / "broken.pdf")
    fixed = folder / "fixed.pdf"
    repair_pdf(broken, fixed, model=model)
    source = " ".join(SAMPLE_LINES)
    before, after = extract_text(broken), extract_text(fixed)
    return SampleRepair(
        broken,
        fixed,
        source,
        before,
        after,
        char_accuracy(before, source),
        char_accuracy(after, source),
    )
