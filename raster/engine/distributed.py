"""Multi-process training on PyTorch's own engine (torchrun + DistributedDataParallel).

``torchrun --nproc_per_node=N -m raster.train ...`` sets RANK/WORLD_SIZE/LOCAL_RANK; without
them everything here is a no-op single process. Backend: nccl on CUDA, gloo on CPU.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
import torch.distributed.nn.functional as dist_fn


@dataclass(frozen=True)
class DistContext:
    """Where this process stands: ``rank`` of ``world_size``; ``is_main`` logs and saves."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def init_distributed(device: torch.device, timeout_s: float = 600.0) -> DistContext:
    """Join the process group torchrun describes in the environment (if any).

    Args:
        device: the device asked for; with CUDA each rank takes ``cuda:LOCAL_RANK``.
        timeout_s: collective timeout; a rank that dies makes the others fail after it
            instead of waiting forever (torchrun also stops the group when a worker dies).
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistContext(device=device)
    rank = int(os.environ["RANK"])
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    backend = "nccl" if device.type == "cuda" else "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend, timeout=datetime.timedelta(seconds=timeout_s))
    return DistContext(rank=rank, world_size=world, local_rank=local_rank, device=device)


def shutdown(ctx: DistContext) -> None:
    if ctx.enabled and dist.is_initialized():
        dist.destroy_process_group()


def barrier(ctx: DistContext) -> None:
    if ctx.enabled:
        dist.barrier()


def all_reduce_sum(ctx: DistContext, values: list[float]) -> list[float]:
    """Element-wise sum of ``values`` over ranks (float64)."""
    if not ctx.enabled:
        return list(values)
    t = torch.tensor(values, dtype=torch.float64)
    if ctx.device.type == "cuda":
        t = t.to(ctx.device)
    dist.all_reduce(t)
    return t.cpu().tolist()


def all_gather_cat(ctx: DistContext, tensor: torch.Tensor) -> torch.Tensor:
    """Concatenate a (n, ...) tensor of every rank along dim 0, in rank order (no gradient).

    Ranks may hold different ``n`` (the last validation shard): sizes are exchanged first.
    """
    if not ctx.enabled:
        return tensor
    size = torch.tensor([tensor.shape[0]], device=tensor.device)
    sizes = [torch.zeros_like(size) for _ in range(ctx.world_size)]
    dist.all_gather(sizes, size)
    sizes = [int(s) for s in sizes]
    padded = torch.zeros((max(sizes), *tensor.shape[1:]), dtype=tensor.dtype, device=tensor.device)
    padded[: tensor.shape[0]] = tensor
    parts = [torch.empty_like(padded) for _ in range(ctx.world_size)]
    dist.all_gather(parts, padded)
    return torch.cat([p[:n] for p, n in zip(parts, sizes, strict=True)])


def gather_for_contrastive(
    ctx: DistContext, embeddings: torch.Tensor, labels: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, slice]:
    """The global batch for the contrastive loss, and this rank's rows in it.

    Embeddings are gathered with autograd's all_gather, so each rank's loss sends gradient to
    every rank's embeddings (summed back to their owners), and with DDP's gradient averaging
    the update equals a single process on the global batch. Every rank must hold the same
    local batch size (the training loader drops the last partial batch).

    Returns:
        ``(global_embeddings (W*B, D), global_labels (W*B,), rows)`` with ``rows`` the slice
        of this rank's anchors: pass it as ``anchor_rows`` (memory O(B x W*B)).
    """
    if not ctx.enabled:
        return embeddings, labels, slice(None)
    b = embeddings.shape[0]
    all_emb = torch.cat(dist_fn.all_gather(embeddings))
    all_lab = [torch.empty_like(labels) for _ in range(ctx.world_size)]
    dist.all_gather(all_lab, labels.contiguous())
    return all_emb, torch.cat(all_lab), slice(ctx.rank * b, (ctx.rank + 1) * b)


def replicas_in_sync(ctx: DistContext, module: torch.nn.Module) -> bool:
    """True when every rank holds bit-identical parameters and buffers (one all-gather).

    Each rank reduces its state to a checksum vector (sum and position-weighted sum per
    tensor, float64); any desynchronisation (a rank that skipped a step, a buffer that
    drifted) shows up as a mismatch.
    """
    if not ctx.enabled:
        return True
    sums = []
    for tensor in [*module.parameters(), *module.buffers()]:
        flat = tensor.detach().double().flatten()
        weights = torch.arange(1, flat.numel() + 1, dtype=torch.float64, device=flat.device)
        sums += [flat.sum(), (flat * weights).sum()]
    local = torch.stack(sums)
    gathered = [torch.empty_like(local) for _ in range(ctx.world_size)]
    dist.all_gather(gathered, local)
    return all(torch.equal(gathered[0], g) for g in gathered[1:])
