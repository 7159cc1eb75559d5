"""The ``--device`` flag: ``auto`` (CUDA when there is one, else CPU) or a torch device name."""

from __future__ import annotations

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
