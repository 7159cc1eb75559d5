"""From a trained checkpoint to answers: embed, reference index, identify an unknown font.

One concern per module: ``checkpoint_loader`` (checkpoint -> model + raster config),
``shipped`` (the release in ``raster/weights``: find, check, load) and ``release_packing``
(write one), ``onnx_model`` (the release's ONNX export, run without torch), ``font_glyphs``
(every outlined glyph of a font, ignoring its cmap, with its advance), ``embedding`` (model
inputs -> logits/embeddings), ``calibration`` (temperature scaling, kNN vote), ``index`` and
``reference`` (the reference index: exact torch kNN, or faiss inverted lists when packed),
``predict`` (per-glyph label probabilities), ``assign`` (one-to-one labels over a font),
``evidence/`` (glyph names, GSUB, composition, bare dots), ``pipeline`` (identify a font),
``cmap_writer`` (a repaired cmap, verified with HarfBuzz), ``evaluate`` (accuracy against the
ingest code's truth labels). Model inputs are built by :mod:`raster.data.model_input`.
"""
