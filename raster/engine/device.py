"""The ``--device`` flag: ``auto`` (CUDA when there is one, else CPU) or a torch device name."""

from __future__ import annotations

from contextlib import nullcontext

import torch

from raster.errors import DeviceError

#: what every command's ``--device`` defaults to
DEFAULT_DEVICE = "auto"


def resolve_device(name: str = DEFAULT_DEVICE) -> torch.device:
    """``auto`` → ``cuda`` when available, else ``cpu``; a named CUDA device must exist.

    Raises:
        DeviceError: CUDA was asked for and there is none (one line, exit code 2).
    """
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise DeviceError(f"--device {name}: not a device name (auto, cpu, cuda, cuda:N)") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise DeviceError(f"--device {name} asked for, but no CUDA device is available")
    return device


def bf16_autocast_supported(device: torch.device) -> bool:
    """True where bf16 autocast speeds training up: CUDA, and CPUs with native bf16 math.

    On a CPU without AVX512-BF16 or AMX, oneDNN emulates bf16 and autocast is slower than fp32.
    LeViT-128S at 64 px on one AVX512-BF16 core: 1.74x the fp32 loop's samples/s
    (``python -m bench.bench_train_throughput`` times both; docs/results.md, "bf16 training").
    """
    if device.type == "cuda":
        return True
    if device.type != "cpu":
        return False
    # torch's own cpuinfo probe (private, stable since torch 2.2); absent -> no claim of support
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in probes)


def autocast(device: torch.device, enabled: bool = True):
    """The training and evaluation forward's precision: bf16 autocast where
    :func:`bf16_autocast_supported` (fp32 master weights; bf16 needs no loss scaling), else a
    no-op (fp32)."""
    if enabled and bf16_autocast_supported(device):
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return nullcontext()


def precision_line(device: torch.device, enabled: bool = True) -> str:
    """The one log line that says in which precision a run trains, and why."""
    if not enabled:
        return "fp32 (--no-amp)"
    if bf16_autocast_supported(device):
        what = "CUDA" if device.type == "cuda" else "this CPU has AVX512-BF16/AMX"
        return f"bf16 autocast ({what}; fp32 master weights; --no-amp for fp32)"
    return f"fp32 ({device.type}: no native bf16 math, autocast would be slower)"
