"""The glyph model: a timm backbone with a classifier head and a 128-D embedding head.

LeViT caveats (timm's ``levit_*``): the input size is fixed at construction (attention biases
are sized for ``img_size // 16`` tokens a side, so ``img_size`` must be a multiple of 16 and
every image must have that size), and timm builds a distillation head by default; we build
it with ``distilled=False`` and no timm classifier (``num_classes=0``), and add our own heads.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn

from raster.metrics.knn import l2_normalize


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild the model from a checkpoint.

    Attributes:
        num_classes: classifier outputs (fine labels).
        backbone: a timm registry name, e.g. ``levit_128s``.
        img_size: input side in pixels (a multiple of 16 for LeViT).
        embed_dim: size of the L2-normalized embedding.
        embed_hidden: hidden width of the embedding MLP.
        embed_dropout: dropout inside the embedding MLP.
        drop_path: stochastic depth rate of the backbone.
        cosine_scale: the inference head: 0 gives the linear classifier's logits, s > 0 the
            scaled cosines ``s * cos(features, class weight)`` (a run trained with an ArcFace
            margin; its checkpoints before this field name it in their ``args``).
    """

    num_classes: int
    backbone: str = "levit_128s"
    img_size: int = 128
    embed_dim: int = 128
    embed_hidden: int = 256
    embed_dropout: float = 0.1
    drop_path: float = 0.0
    # the inference head (0: linear), not a training setting
    cosine_scale: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def create_backbone(name: str, img_size: int, drop_path: float = 0.0) -> nn.Module:
    """A timm backbone for 1-channel images with no classifier of its own."""
    kwargs: dict = dict(
        pretrained=False, num_classes=0, in_chans=1, drop_path_rate=drop_path, img_size=img_size
    )
    if name.startswith("levit"):
        kwargs["distilled"] = False  # no distillation head (see module docstring)
    import timm  # here, not at the top: inference builds LeViT without it (models.levit_infer)

    try:
        return timm.create_model(name, **kwargs)
    except TypeError:
        # Backbones without img_size (most CNNs) take any input size.
        kwargs.pop("img_size")
        return timm.create_model(name, **kwargs)


class GlyphNet(nn.Module):
    """Backbone + classifier + embedding head, both heads on the same pooled features: the one
    model definition (training builds timm's backbone; inference passes the timm-free fused one,
    :class:`~raster.models.levit_infer.FusedGlyphNet`, and the ONNX export runs :meth:`infer`).

    Input: ``(B, 1, S, S)`` float images in [0, 1], ink = 1, as
    :func:`raster.data.model_input.unit_images` makes them.
    Output of ``forward``: a dict with
        ``logits``    (B, num_classes) plain linear classifier (the guide's Fix #3),
        ``embedding`` (B, embed_dim) L2-normalized,
        ``features``  (B, F) pooled backbone features (F = 384 for LeViT-128S).

    Args:
        config: the model's configuration.
        backbone: a built backbone with timm's ``forward_features``/``forward_head`` (default:
            :func:`create_backbone` of the config).
    """

    def __init__(self, config: ModelConfig, backbone: nn.Module | None = None):
        super().__init__()
        self.config = config
        if backbone is None:
            backbone = create_backbone(config.backbone, config.img_size, config.drop_path)
        self.backbone = backbone
        feat_dim = self.feature_dim  # what forward_head(pre_logits=True) returns
        # Fix #3: a plain Linear classifier (no BatchNorm), init as the guide says.
        self.classifier = nn.Linear(feat_dim, config.num_classes)
        nn.init.normal_(self.classifier.weight, std=0.02)
        nn.init.zeros_(self.classifier.bias)
        self.embed_head = nn.Sequential(
            nn.Linear(feat_dim, config.embed_hidden),
            nn.GELU(),
            nn.Dropout(config.embed_dropout),
            nn.Linear(config.embed_hidden, config.embed_dim),
        )

    @property
    def feature_dim(self) -> int:
        """F of :meth:`features`: timm's ``head_hidden_size`` where the head has a layer of its
        own (MobileNetV3: 576 -> 1024), else ``num_features``."""
        return getattr(self.backbone, "head_hidden_size", None) or self.backbone.num_features

    def head_parameters(self) -> list[nn.Parameter]:
        """Parameters of the classifier and embedding heads (the optimizer's 'head' group)."""
        return [*self.classifier.parameters(), *self.embed_head.parameters()]

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """Pooled backbone features, (B, F), from (B, 1, S, S) images in [0, 1]."""
        x = images * 2.0 - 1.0  # centre the input around 0, as the backbone's init expects
        return self.backbone.forward_head(self.backbone.forward_features(x), pre_logits=True)

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        feats = self.features(images)
        return {
            "logits": self.classifier(feats),
            "embedding": l2_normalize(self.embed_head(feats)),
            "features": feats,
        }

    def inference_logits(self, out: dict[str, torch.Tensor]) -> torch.Tensor:
        """(B, C) logits of the inference head from :meth:`forward`'s output: the linear
        classifier's, or ``cosine_scale`` times the cosines to the class weights (no margin:
        the margin is a training loss setting, not part of the model)."""
        scale = self.config.cosine_scale
        if scale <= 0:
            return out["logits"]
        feats, weight = out["features"], self.classifier.weight
        dtype = torch.float64 if feats.dtype == torch.float64 else torch.float32
        cos = l2_normalize(feats.to(dtype)) @ l2_normalize(weight.to(dtype)).t()
        return scale * cos.clamp(-1.0, 1.0)  # rounding can leave |cos| a hair above 1

    def infer(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """What inference answers with: ``(logits (B, C), unit embedding (B, D))`` (float32) of
        (B, 1, S, S) images in [0, 1]; the ONNX export is this function."""
        out = {k: v.float() for k, v in self(images).items()}
        return self.inference_logits(out), l2_normalize(out["embedding"])


def build_model(config: ModelConfig) -> GlyphNet:
    """The factory of a trainable model (timm's backbone): train and debug build through here;
    inference loads :class:`~raster.models.levit_infer.FusedGlyphNet` where it can."""
    return GlyphNet(config)
