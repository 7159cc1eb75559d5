"""PDF text-layer repair: find the embedded fonts, identify the glyphs they draw, write ToUnicode.

Pipeline: :mod:`~raster.pdf.document` (open, list fonts and the codes each page shows) ->
:mod:`~raster.pdf.codes` (code -> glyph index) -> :mod:`~raster.pdf.font_program` (embedded
program -> glyph outlines) -> :mod:`~raster.pdf.glyph_text` (identify glyphs -> text) ->
:mod:`~raster.pdf.tounicode` (CMap text) -> :mod:`~raster.pdf.surgery` (incremental update).
Text out: :mod:`~raster.pdf.text` reads each font as that repair would leave it, in the order
of :mod:`~raster.pdf.reading_order`. The CLI is ``python -m raster.pdf check|repair|text``.
"""
