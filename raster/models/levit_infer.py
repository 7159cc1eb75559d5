"""LeViT forward for inference in plain torch, from a trained GlyphNet's state dict.

Why by hand: ``identify``, ``raster.pdf`` and the API only run a trained model, yet importing
timm to build it costs ~4 s per process on the 2-core VM (timm pulls torchvision and
torch._dynamo), as much as the rest of a one-font answer. This module rebuilds timm's
``levit_*`` inference graph (timm 1.0, ``Levit`` with ``use_conv=False``, subsample
downsampling, ``global_pool='avg'``) from the state dict alone, with every BatchNorm folded into
the convolution or linear layer before it, as timm's own ``fuse()`` helpers do. Training still
builds timm's model (:mod:`raster.models.glyph_net`); ``tests/models/test_levit_infer.py`` holds
the two to the same outputs.

Shapes: images (B, 1, S, S) in [0, 1] -> ``logits`` (B, C), ``embedding`` (B, D) unit norm,
``features`` (B, F), as :class:`~raster.models.glyph_net.GlyphNet`.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from raster.models.glyph_net import GlyphNet

# timm's levit model_cfgs of the s16-stem, hard-swish variants (the others fall back to timm).
LEVIT_CONFIGS = {
    "levit_128s": {
        "embed_dim": (128, 256, 384),
        "key_dim": 16,
        "heads": (4, 6, 8),
        "depth": (2, 3, 4),
    },
    "levit_128": {
        "embed_dim": (128, 256, 384),
        "key_dim": 16,
        "heads": (4, 8, 12),
        "depth": (4, 4, 4),
    },
    "levit_192": {
        "embed_dim": (192, 288, 384),
        "key_dim": 32,
        "heads": (3, 5, 6),
        "depth": (4, 4, 4),
    },
    "levit_256": {
        "embed_dim": (256, 384, 512),
        "key_dim": 32,
        "heads": (4, 6, 8),
        "depth": (4, 4, 4),
    },
}
ATTN_RATIO = 2.0  # blocks
DOWN_ATTN_RATIO = 4.0  # attention downsampling between stages
BN_EPS = 1e-5  # torch's BatchNorm default, which timm's LeViT keeps


def supports(backbone: str) -> bool:
    """Whether :class:`FusedGlyphNet` can run ``backbone`` without timm."""
    return backbone in LEVIT_CONFIGS


def _fold(sd: dict, prefix: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(weight, bias) of ``prefix``'s conv/linear followed by its eval-mode BatchNorm."""
    w = sd[f"{prefix}.linear.weight"].float()
    scale = sd[f"{prefix}.bn.weight"].float() / torch.sqrt(
        sd[f"{prefix}.bn.running_var"].float() + BN_EPS
    )
    bias = sd[f"{prefix}.bn.bias"].float() - sd[f"{prefix}.bn.running_mean"].float() * scale
    return w * scale.view(-1, *([1] * (w.dim() - 1))), bias


def _grid(side: int, step: int = 1) -> torch.Tensor:
    """(2, n) row/column of the points of a side x side grid taken every ``step``."""
    r = torch.arange(0, side, step)
    rows, cols = torch.meshgrid(r, r, indexing="ij")
    return torch.stack([rows.flatten(), cols.flatten()])


def _bias_index(side: int, stride: int) -> torch.Tensor:
    """(Nq, Nk) index into the per-head attention biases: |dy| * side + |dx| between each
    query point (the grid every ``stride``) and key point (the full grid)."""
    q, k = _grid(side, stride), _grid(side)
    rel = (q[:, :, None] - k[:, None, :]).abs()
    return rel[0] * side + rel[1]


class _Attention(nn.Module):
    """A LeViT attention block (``stride`` 1) or attention downsampling (``stride`` 2)."""

    def __init__(
        self, sd: dict, prefix: str, heads: int, key_dim: int, ratio: float, side: int, stride: int
    ):
        super().__init__()
        self.heads, self.key_dim, self.stride, self.side = heads, key_dim, stride, side
        self.val_dim = int(ratio * key_dim)
        self.scale = key_dim**-0.5
        if stride == 1:
            self.qkv_w, self.qkv_b = (nn.Parameter(t, False) for t in _fold(sd, f"{prefix}.qkv"))
        else:
            self.kv_w, self.kv_b = (nn.Parameter(t, False) for t in _fold(sd, f"{prefix}.kv"))
            self.q_w, self.q_b = (nn.Parameter(t, False) for t in _fold(sd, f"{prefix}.q.ln"))
        self.proj_w, self.proj_b = (nn.Parameter(t, False) for t in _fold(sd, f"{prefix}.proj.ln"))
        biases = sd[f"{prefix}.attention_biases"].float()
        self.register_buffer("bias", biases[:, _bias_index(side, stride)], persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        h, kd, vd = self.heads, self.key_dim, self.val_dim
        if self.stride == 1:
            q, k, v = F.linear(x, self.qkv_w, self.qkv_b).view(b, n, h, -1).split([kd, kd, vd], 3)
            q = q.permute(0, 2, 1, 3)
        else:
            k, v = F.linear(x, self.kv_w, self.kv_b).view(b, n, h, -1).split([kd, vd], 3)
            sub = x.view(b, self.side, self.side, c)[:, :: self.stride, :: self.stride]
            q = F.linear(sub.reshape(b, -1, c), self.q_w, self.q_b)
            q = q.view(b, -1, h, kd).permute(0, 2, 1, 3)
        attn = (q @ k.permute(0, 2, 3, 1)) * self.scale + self.bias
        out = (attn.softmax(-1) @ v.permute(0, 2, 1, 3)).transpose(1, 2).reshape(b, -1, h * vd)
        return F.linear(F.hardswish(out), self.proj_w, self.proj_b)


class _Mlp(nn.Module):
    def __init__(self, sd: dict, prefix: str):
        super().__init__()
        self.w1, self.b1 = (nn.Parameter(t, False) for t in _fold(sd, f"{prefix}.ln1"))
        self.w2, self.b2 = (nn.Parameter(t, False) for t in _fold(sd, f"{prefix}.ln2"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(F.hardswish(F.linear(x, self.w1, self.b1)), self.w2, self.b2)


class FusedLevit(nn.Module):
    """timm's LeViT backbone in eval mode, BatchNorms folded: (B, 1, S, S) in [-1, 1] ->
    pooled features (B, F)."""

    def __init__(self, sd: dict, backbone: str, img_size: int, prefix: str = "backbone"):
        super().__init__()
        cfg = LEVIT_CONFIGS[backbone]
        self.stem = nn.ParameterList()
        for i in range(1, 5):
            self.stem.extend(nn.Parameter(t, False) for t in _fold(sd, f"{prefix}.stem.conv{i}"))
        side, kd = img_size // 16, cfg["key_dim"]
        self.layers = nn.ModuleList()  # (attention, residual?) then mlp, in order
        for s, (heads, depth) in enumerate(zip(cfg["heads"], cfg["depth"], strict=True)):
            p = f"{prefix}.stages.{s}"
            if s > 0:
                in_dim = cfg["embed_dim"][s - 1]
                down = f"{p}.downsample"
                self.layers.append(
                    _Attention(
                        sd, f"{down}.attn_downsample", in_dim // kd, kd, DOWN_ATTN_RATIO, side, 2
                    )
                )
                self.layers.append(_Mlp(sd, f"{down}.mlp"))
                side = (side - 1) // 2 + 1
            for j in range(depth):
                self.layers.append(
                    _Attention(sd, f"{p}.blocks.{j}.attn", heads, kd, ATTN_RATIO, side, 1)
                )
                self.layers.append(_Mlp(sd, f"{p}.blocks.{j}.mlp"))
        self.num_features = cfg["embed_dim"][-1]

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, S, S) in [-1, 1] -> tokens (B, T, F), as timm's ``forward_features``."""
        w = list(self.stem)
        for i in range(4):
            x = F.conv2d(x, w[2 * i], w[2 * i + 1], stride=2, padding=1)
            if i < 3:
                x = F.hardswish(x)
        x = x.flatten(2).transpose(1, 2)
        for layer in self.layers:
            # attention downsampling changes the token count and width: no residual around it
            down = isinstance(layer, _Attention) and layer.stride > 1
            x = layer(x) if down else x + layer(x)
        return x

    def forward_head(self, x: torch.Tensor, pre_logits: bool = True) -> torch.Tensor:
        """Tokens (B, T, F) -> pooled features (B, F) (timm's average pool; no classifier)."""
        return x.mean(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))


class FusedGlyphNet(GlyphNet):
    """A trained GlyphNet for inference without timm: the same model definition (heads,
    forward, inference head) with :class:`FusedLevit` as its backbone; eval mode, no
    gradients."""

    def __init__(self, config, state_dict: dict):
        super().__init__(config, FusedLevit(state_dict, config.backbone, config.img_size))
        heads = {
            k: v.float()
            for k, v in state_dict.items()
            if k.startswith(("classifier.", "embed_head."))
        }
        self.load_state_dict(heads, strict=False)
        missing = {k for k in self.state_dict() if k.startswith(("classifier.", "embed_head."))}
        if missing - set(heads):
            raise KeyError(f"checkpoint lacks {sorted(missing - set(heads))}")
        self.requires_grad_(False)
        self.eval()
