"""From a trained checkpoint to answers: embed, reference index, identify an unknown font.

One concern per module: ``checkpoint_loader`` (checkpoint -> model + raster config),
``font_glyphs`` (every outlined glyph of a font, ignoring its cmap), ``embedding`` (images ->
logits/embeddings), ``calibration`` (temperature scaling, kNN vote), ``index`` (the faiss
reference index), ``predict`` (per-glyph label probabilities), ``assign`` (one-to-one labels
over a font), ``cmap_writer`` (a repaired cmap, verified with HarfBuzz), ``evaluate`` (accuracy
against the ingest code's truth labels).
"""
