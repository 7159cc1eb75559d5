"""Check that each loss reaches the parameters it should (the guide's verification Test 1).

Each check is real: parameters must *change* after one optimizer step on that loss alone, and
the embedding head must get no gradient from the classification loss alone.
Exit status 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import copy
import sys

import torch
import torch.nn.functional as F

from raster import cli
from raster.losses import supervised_contrastive_loss
from raster.models.glyph_net import GlyphNet, ModelConfig, build_model

PASS = "\u2705 PASS"
FAIL = "\u274c FAIL"


def _changed(before: list[torch.Tensor], module: torch.nn.Module) -> bool:
    return any(
        not torch.equal(b, p.detach()) for b, p in zip(before, module.parameters(), strict=True)
    )


def _step_on(model: GlyphNet, loss_fn, images, labels, lr: float) -> GlyphNet:
    """A copy of ``model`` after one SGD step on ``loss_fn(model_output, labels)`` alone."""
    trial = copy.deepcopy(model)
    trial.train()
    opt = torch.optim.SGD(trial.parameters(), lr=lr)
    opt.zero_grad(set_to_none=True)
    loss_fn(trial(images), labels).backward()
    opt.step()
    return trial


def run_checks(
    backbone: str = "levit_128s", img_size: int = 64, seed: int = 0
) -> list[tuple[str, bool]]:
    """Run every check on a small random batch; returns ``[(description, passed), ...]``."""
    torch.manual_seed(seed)
    num_classes, batch = 10, 16
    model = build_model(
        ModelConfig(
            num_classes=num_classes, backbone=backbone, img_size=img_size, embed_dropout=0.0
        )
    )
    images = torch.rand(batch, 1, img_size, img_size)
    labels = torch.arange(batch) % (batch // 2)  # every anchor has one positive

    def emb_loss(out, y):
        return supervised_contrastive_loss(out["embedding"], y, temperature=0.07)

    def ce_loss(out, y):
        return F.cross_entropy(out["logits"], y % num_classes)

    results = []
    before_head = [p.detach().clone() for p in model.embed_head.parameters()]
    before_backbone = [p.detach().clone() for p in model.backbone.parameters()]
    before_cls = [p.detach().clone() for p in model.classifier.parameters()]

    trial = _step_on(model, emb_loss, images, labels, lr=0.1)
    results.append(
        ("Embedding loss updates embedding head", _changed(before_head, trial.embed_head))
    )
    results.append(("Embedding loss updates backbone", _changed(before_backbone, trial.backbone)))

    trial = _step_on(model, ce_loss, images, labels, lr=0.1)
    results.append(
        ("Classification loss updates classifier", _changed(before_cls, trial.classifier))
    )
    results.append(
        ("Classification loss updates backbone", _changed(before_backbone, trial.backbone))
    )
    no_grad = all(p.grad is None or not p.grad.any() for p in trial.embed_head.parameters())
    results.append(
        ("Classification loss alone leaves the embedding head without gradient", no_grad)
    )

    with torch.no_grad():
        norms = model.eval()(images)["embedding"].norm(dim=1)
    results.append(
        (
            "Embeddings are L2-normalized",
            bool(torch.allclose(norms, torch.ones_like(norms), atol=1e-5)),
        )
    )
    return results


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser("raster.debug.test_gradient_flow", __doc__)
    parser.add_argument("--backbone", default="levit_128s", help="any timm model name")
    parser.add_argument(
        "--img-size", type=cli.positive_int, default=64, help="image side, a multiple of 16"
    )
    cli.add_seed_arg(parser)
    return parser


@cli.command("raster.debug.test_gradient_flow")
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    results = run_checks(args.backbone, args.img_size, args.seed)
    for name, ok in results:
        print(f"{PASS if ok else FAIL}: {name}")
    if all(ok for _, ok in results):
        print("\u2705 ALL TESTS PASSED")
        return cli.EXIT_OK
    print(f"{FAIL}: {sum(not ok for _, ok in results)} of {len(results)} checks failed")
    return cli.EXIT_PARTIAL


if __name__ == "__main__":
    sys.exit(main())
