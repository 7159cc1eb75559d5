"""PDF text-layer repair: find the embedded fonts, identify the glyphs they draw, write ToUnicode.

Pipeline: :mod:`~raster.pdf.document` (open, list fonts and the codes each page shows) ->
:mod:`~raster.pdf.codes` (code -> glyph index) -> :mod:`~raster.pdf.font_program` (embedded
program of any font type, Type3 through :mod:`~raster.pdf.type3` -> an sfnt with outlines and
advances) -> :mod:`~raster.pdf.glyph_text` (identify glyphs -> text) ->
:mod:`~raster.pdf.context` / :mod:`~raster.pdf.page_context` / :mod:`~raster.pdf.language` /
:mod:`~raster.pdf.decode` (re-rank by the neighbouring codes, the page's lines and the
language) -> :mod:`~raster.pdf.tounicode` (CMap text), :mod:`~raster.pdf.clusters`
(``/ActualText``) -> :mod:`~raster.pdf.surgery` (incremental update); :mod:`~raster.pdf.repair`
runs it per document, :mod:`~raster.pdf.batch` over many. Text out: :mod:`~raster.pdf.text`
reads each font as that repair would leave it, in the order of :mod:`~raster.pdf.reading_order`.
The CLI is ``python -m raster.pdf check|repair|text``.
"""
