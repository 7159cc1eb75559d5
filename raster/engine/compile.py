"""``--compile``: the training forward through ``torch.compile``, compiled before the first epoch.

The compiled module wraps the model; checkpoints keep saving the plain model's ``state_dict``
(no ``_orig_mod.`` prefixes). A failed compile (no C compiler for inductor on a CPU, an
unsupported backbone) falls back to the eager forward with one warning line.
"""

from __future__ import annotations

import logging
import os
import shutil
import time

import torch

log = logging.getLogger(__name__)


def c_compiler() -> str | None:
    """The C++ compiler inductor would call on a CPU (``$CXX``, ``g++``, ``clang++``), or None."""
    for name in (os.environ.get("CXX"), "g++", "clang++", "c++"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def warm_up(module: torch.nn.Module, model: torch.nn.Module, example: torch.Tensor) -> None:
    """One forward and backward of ``module`` on ``example`` that leaves no trace.

    torch.compile compiles on the first call; doing it here keeps compilation out of the
    first epoch's time. The RNG (dropout, drop-path), BatchNorm buffers and gradients of
    ``model`` are restored, so training proceeds exactly as if this call had not happened.

    Args:
        module: the compiled module to call.
        model: the plain model it wraps (whose buffers and gradients are restored).
        example: a (B, 1, S, S) batch of the training shape and device.
    """
    buffers = {name: buf.detach().clone() for name, buf in model.named_buffers()}
    devices = [example.device] if example.device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=devices):
            out = module(example)
            sum(v.float().sum() for v in out.values()).backward()
    finally:
        with torch.no_grad():
            for name, buf in model.named_buffers():
                buf.copy_(buffers[name])
        for p in model.parameters():
            p.grad = None


def compile_forward(
    forward_model: torch.nn.Module, model: torch.nn.Module, example: torch.Tensor
) -> tuple[torch.nn.Module, float | None]:
    """``torch.compile(forward_model)``, compiled now on ``example`` (see :func:`warm_up`).

    Args:
        forward_model: the module the training step calls (the model or its DDP wrapper).
        model: the plain model (restored after the warm-up; what checkpoints save).
        example: a (B, 1, S, S) batch of the training shape, on the training device.

    Returns:
        ``(module to call, compile seconds)``; ``(forward_model, None)`` when compiling failed
        (logged as one warning line; training continues eagerly).
    """
    if example.device.type == "cpu" and c_compiler() is None:
        log.warning("--compile: no C++ compiler (g++/clang++) for inductor; training eagerly")
        return forward_model, None
    start = time.perf_counter()
    try:
        compiled = torch.compile(forward_model)
        warm_up(compiled, model, example)
    except Exception as exc:  # noqa: BLE001  (inductor raises many kinds; eager still works)
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        log.warning("--compile failed (%s: %s); training eagerly", type(exc).__name__, first)
        return forward_model, None
    seconds = time.perf_counter() - start
    log.info("torch.compile: %.1f s before the first epoch (not in any epoch's time)", seconds)
    return compiled, seconds
