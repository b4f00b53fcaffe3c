"""Programming a trained network onto PCM differential pairs and reading it back at time t.

Per weighted layer: G_T = |W|·G_max/W_max (W_max = max|W| of the layer); the device on the side
of W's sign is programmed by program-and-verify, its partner is RESET (target 0 µS). After the
verify loop the cell relaxes: the programmed conductance at t0 spreads around G_T with the
measured σ_prog(G_T) (Joshi et al. 2020); the verify residual (≈ uniform within ±tol, variance
tol²/3) is part of that spread, so only the remainder is added as relaxation noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archsim.config.inference import ProgramVerifyConfig
from archsim.functional.devices.inference_pcm import InferencePCM
from archsim.functional.inference.program_verify import program_and_verify
from archsim.functional.inference.stats import ProgrammingStats


def target_conductances(W: np.ndarray, g_max_us: float) -> tuple[np.ndarray, float]:
    """Linear mapping: |W|·G_max/W_max per device (µS) and the layer's W_max."""
    w_max = float(np.abs(W).max()) or 1.0
    return np.abs(W).astype(np.float64) * (g_max_us / w_max), w_max


@dataclass
class ProgrammedLayer:
    """One layer's devices at t0: programmed and RESET conductances with their drift exponents."""

    sign: np.ndarray         # +1 where G+ is the programmed device, −1 where G− is
    g_prog_us: np.ndarray    # programmed device conductance at t0
    g_reset_us: np.ndarray   # RESET partner conductance at t0
    nu_prog: np.ndarray
    nu_reset: np.ndarray
    w_per_us: float          # W_max / G_max
    iterations: np.ndarray
    converged: np.ndarray

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(G⁺, G⁻, ν⁺, ν⁻) at t0: the programmed device on the side of the weight's sign."""
        pos = self.sign > 0
        return (np.where(pos, self.g_prog_us, self.g_reset_us), np.where(pos, self.g_reset_us, self.g_prog_us),
                np.where(pos, self.nu_prog, self.nu_reset), np.where(pos, self.nu_reset, self.nu_prog))

    def weights_at(self, pcm: InferencePCM, t_s: float, rng: np.random.Generator) -> np.ndarray:
        """Weight matrix β·(G⁺(t) − G⁻(t)) at t_s with drift and 1/f noise (no converters)."""
        gp, gm, nup, num = self.pairs()
        return ((pcm.conductance_at(gp, nup, t_s, rng) - pcm.conductance_at(gm, num, t_s, rng))
                * self.w_per_us).astype(np.float32)

    def stats(self) -> ProgrammingStats:
        return ProgrammingStats.from_arrays(self.iterations, self.converged)


def relaxation_std_us(pcm: InferencePCM, g_target_us: np.ndarray, tolerance_us: float) -> np.ndarray:
    """Spread added after verify so the total at t0 matches σ_prog(G_T)."""
    return np.sqrt(np.maximum(pcm.prog_noise_std_us(g_target_us) ** 2 - tolerance_us ** 2 / 3.0, 0.0))


def program_layer(W: np.ndarray, pcm: InferencePCM, g_max_us: float, pv: ProgramVerifyConfig,
                  rng: np.random.Generator) -> ProgrammedLayer:
    """Program one weight matrix onto PCM pairs (all random draws from `rng`)."""
    g_t, w_max = target_conductances(W, g_max_us)
    result = program_and_verify(g_t, pcm, pv, seed=int(rng.integers(2**31)))
    g_prog = np.maximum(result.g_us + relaxation_std_us(pcm, g_t, pv.tolerance_us) * rng.standard_normal(g_t.shape), 0.0)
    zeros = np.zeros_like(g_t)
    g_reset = np.maximum(pcm.prog_noise_std_us(zeros) * rng.standard_normal(g_t.shape), 0.0)
    return ProgrammedLayer(
        sign=np.where(W >= 0, 1.0, -1.0), g_prog_us=g_prog, g_reset_us=g_reset,
        nu_prog=pcm.drift_exponents(g_t, rng), nu_reset=pcm.drift_exponents(zeros, rng),
        w_per_us=w_max / g_max_us, iterations=result.iterations, converged=result.converged)
