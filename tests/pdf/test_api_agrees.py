"""The API and the CLI make one decision: ``raster.repair_pdf`` writes the same bytes as
``python -m raster.pdf repair`` with no flags, and ``raster.check_pdf`` reads the same maps."""

from __future__ import annotations

from pathlib import Path

import pytest

import raster
from raster.pdf.__main__ import main as pdf_main

FIXTURES = Path(__file__).parent / "fixtures"
REGULAR = sorted(FIXTURES.glob("*-Regular.pdf"))  # every producer, both designs


@pytest.fixture(scope="module")
def model():
    return raster.load_model()


@pytest.mark.parametrize("pdf", REGULAR, ids=[p.stem for p in REGULAR])
def test_api_and_cli_repair_write_the_same_bytes(pdf, model, tmp_path, capsys):
    api_out, cli_out = tmp_path / "api.pdf", tmp_path / "cli.pdf"
    result = raster.repair_pdf(pdf, api_out, model=model)
    assert pdf_main(["repair", str(pdf), str(cli_out)]) == 0
    assert result.written and api_out.read_bytes() == cli_out.read_bytes()


def test_api_check_reads_what_the_cli_decides(model, tmp_path, capsys):
    pdf = FIXTURES / "cairo-Amiri-Regular.pdf"
    checks = raster.check_pdf(pdf, model=model)
    raster.repair_pdf(pdf, tmp_path / "api.pdf", model=model)
    repaired = raster.check_pdf(tmp_path / "api.pdf", model=model)
    # the repaired file's own maps now say what the API identified in the stripped one
    for before, after in zip(checks, repaired, strict=True):
        assert not before.has_tounicode and after.has_tounicode
        assert after.agreements == after.compared
