"""The one device-model interface of the functional engine.

Training devices (gradual SET, jump table, ideal: devices.model.DeviceModel) and the inference
PCM model (devices.inference_pcm.InferencePCM) both provide what crossbar reads and the drift
study need; the pulse kernels of training devices are numba functions over `DeviceModel.arrays`,
the programming of inference devices is program-and-verify (inference/program_verify.py).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class PCMDevice(Protocol):
    """What every PCM device model offers, conductances in µS."""

    name: str

    @property
    def t0_s(self) -> float:
        """Reference time of the drift law G(t) = G(t0)·(t/t0)^−ν."""

    def read_noise_std_us(self, g_us: np.ndarray) -> np.ndarray:
        """Std of the independent noise of every single read (one per device per MVM); 0 where the model
        draws its read noise with the conductance at each time instead (conductance_at)."""

    def drift_exponents(self, g_us: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One drift exponent ν per device at conductance g_us (programmed / trained state)."""

    def conductance_at(self, g_us: np.ndarray, nu: np.ndarray, t_s: float, rng: np.random.Generator) -> np.ndarray:
        """Conductance t_s seconds after the last programming pulse (drift, and time-dependent noise
        where the model has it)."""
