"""The guide's gradient-flow checks pass on our model and fail on a broken one."""

from raster.debug import test_gradient_flow as gf
from raster.metrics.knn import l2_normalize
from raster.models.glyph_net import GlyphNet


def test_all_checks_pass_and_cli_exit_code(capsys):
    assert gf.main(["--img-size", "32"]) == 0
    out = capsys.readouterr().out
    assert "\u2705 PASS: Embedding loss updates embedding head" in out
    assert "\u2705 PASS: Embedding loss updates backbone" in out
    assert "\u2705 ALL TESTS PASSED" in out


def test_checks_fail_when_embedding_head_is_cut_from_backbone(monkeypatch, capsys):
    # The user's bug #4: the embedding head reads features the backbone gets no gradient from.
    def broken_forward(self, images):
        feats = self.features(images)
        return {
            "logits": self.classifier(feats),
            "embedding": l2_normalize(self.embed_head(feats.detach())),
            "features": feats,
        }

    monkeypatch.setattr(GlyphNet, "forward", broken_forward)
    results = dict(gf.run_checks(img_size=32))
    assert results["Embedding loss updates embedding head"]
    assert not results["Embedding loss updates backbone"]
    assert gf.main(["--img-size", "32"]) == 1
    assert "FAIL: Embedding loss updates backbone" in capsys.readouterr().out


def test_ce_check_fails_when_embedding_feeds_classifier(monkeypatch):
    def leaky_forward(self, images):
        feats = self.features(images)
        emb = l2_normalize(self.embed_head(feats))
        logits = self.classifier(feats)
        return {"logits": logits + emb[:, : logits.shape[1]], "embedding": emb, "features": feats}

    monkeypatch.setattr(GlyphNet, "forward", leaky_forward)
    results = dict(gf.run_checks(img_size=32))
    assert not results["Classification loss alone leaves the embedding head without gradient"]
