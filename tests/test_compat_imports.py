"""Old import paths the user's guide and user code use stay thin re-exports of the library."""

import raster.data.pipeline as pipeline
import raster.dataset as dataset_compat
import raster.model as model_compat
import raster.models.glyph_net as glyph_net


def test_raster_dataset_re_exports_the_pipeline():
    assert set(pipeline.__all__) <= set(dataset_compat.__all__)
    for name in dataset_compat.__all__:
        assert getattr(dataset_compat, name) is getattr(pipeline, name), name


def test_raster_model_re_exports_glyph_net():
    for name in model_compat.__all__:
        assert getattr(model_compat, name) is getattr(glyph_net, name), name
