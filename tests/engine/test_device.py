"""raster.engine.device: which precision a run trains in, and the autocast it uses."""

from __future__ import annotations

import pytest
import torch

from raster.engine import device as device_mod
from raster.engine.device import autocast, bf16_autocast_supported, precision_line

CPU = torch.device("cpu")


def _cpu_probes(monkeypatch, *, avx512_bf16: bool, amx: bool) -> None:
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx, raising=False)


@pytest.mark.parametrize(
    ("avx512_bf16", "amx", "expected"),
    [(False, False, False), (True, False, True), (False, True, True), (True, True, True)],
)
def test_cpu_bf16_follows_the_instruction_set(monkeypatch, avx512_bf16, amx, expected):
    _cpu_probes(monkeypatch, avx512_bf16=avx512_bf16, amx=amx)
    assert bf16_autocast_supported(CPU) is expected


def test_a_torch_without_the_probes_trains_in_fp32(monkeypatch):
    monkeypatch.delattr(torch.cpu, "_is_avx512_bf16_supported", raising=False)
    monkeypatch.delattr(torch.cpu, "_is_amx_tile_supported", raising=False)
    assert bf16_autocast_supported(CPU) is False


def test_cuda_always_counts_as_bf16_capable():
    assert bf16_autocast_supported(torch.device("cuda")) is True
    assert bf16_autocast_supported(torch.device("meta")) is False


def test_autocast_runs_a_linear_layer_in_bf16_only_where_supported(monkeypatch):
    layer = torch.nn.Linear(4, 3)
    x = torch.randn(2, 4)
    _cpu_probes(monkeypatch, avx512_bf16=True, amx=False)
    with autocast(CPU, enabled=True):
        assert layer(x).dtype == torch.bfloat16
    with autocast(CPU, enabled=False):
        assert layer(x).dtype == torch.float32
    _cpu_probes(monkeypatch, avx512_bf16=False, amx=False)
    with autocast(CPU, enabled=True):
        assert layer(x).dtype == torch.float32
    assert layer.weight.dtype == torch.float32  # master weights stay fp32


def test_the_log_line_says_the_precision_and_why(monkeypatch):
    _cpu_probes(monkeypatch, avx512_bf16=True, amx=False)
    assert precision_line(CPU).startswith("bf16 autocast (this CPU has AVX512-BF16/AMX")
    assert precision_line(CPU, enabled=False) == "fp32 (--no-amp)"
    _cpu_probes(monkeypatch, avx512_bf16=False, amx=False)
    assert precision_line(CPU).startswith("fp32 (cpu: no native bf16 math")
    assert device_mod.precision_line(torch.device("cuda")).startswith("bf16 autocast (CUDA")
