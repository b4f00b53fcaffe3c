"""Simulated iterative program-and-verify of PCM devices (numba).

Each pulse melts and re-crystallises the cell, so the conductance it leaves depends on the pulse
amplitude I through the device's own programming curve G = s·(I − I_th) (slope s and threshold
I_th vary from device to device) plus cycle-to-cycle write noise. After every pulse the cell is
read (with 1/f read noise); if |G_read − G_T| ≤ tolerance the device is done, otherwise the
amplitude is corrected by the error over the nominal slope, quantised to the amplitude step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from archsim.config.inference import ProgramVerifyConfig
from archsim.functional.devices.inference_pcm import InferencePCM


@njit(cache=True)
def _program_verify(g_target, seed, slope, slope_spread, i_th, i_th_spread, write_noise, g_sat,
                    read_sigma_rel_coeff, read_q_coeff, read_q_exp, read_q_max, g_ref,
                    tol, max_iter, step, i_min, i_max):
    np.random.seed(seed)
    n = g_target.size
    g_final = np.empty(n)
    iterations = np.empty(n, dtype=np.int32)
    converged = np.zeros(n, dtype=np.bool_)
    for d in range(n):
        gt = g_target[d]
        s_dev = slope * (1.0 + slope_spread * np.random.standard_normal())
        th_dev = i_th + i_th_spread * np.random.standard_normal()
        amp = min(max(np.round((i_th + gt / slope) / step) * step, i_min), i_max)
        g = 0.0
        it = 0
        while it < max_iter:
            it += 1
            g = min(max(s_dev * (amp - th_dev), 0.0), g_sat) + write_noise * np.random.standard_normal()
            g = max(g, 0.0)
            q = min(read_q_coeff / max(g / g_ref, 1e-3) ** read_q_exp, read_q_max)
            g_read = g + g * q * read_sigma_rel_coeff * np.random.standard_normal()
            err = gt - g_read
            if abs(err) <= tol:
                converged[d] = True
                break
            amp = min(max(np.round((amp + err / slope) / step) * step, i_min), i_max)
        g_final[d] = g
        iterations[d] = it
    return g_final, iterations, converged


@dataclass(frozen=True)
class ProgramResult:
    """Conductance left by the verify loop (µS), pulses used and convergence, per device."""

    g_us: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray


def program_and_verify(g_target_us: np.ndarray, pcm: InferencePCM, cfg: ProgramVerifyConfig,
                       seed: int) -> ProgramResult:
    """Program every target conductance by program-and-verify; deterministic for a given seed."""
    p = pcm.p
    flat = np.ascontiguousarray(np.asarray(g_target_us, dtype=np.float64).ravel())
    g, it, conv = _program_verify(
        flat, int(seed) % (2**31), p.pulse_slope_us_per_ua.value, p.pulse_slope_spread.value,
        p.pulse_threshold_ua.value, p.pulse_threshold_spread_ua.value, p.pulse_write_noise_us.value,
        p.g_saturation_us.value, pcm.read_noise_factor(p.t_verify_s.value), p.read_q_coeff.value,
        p.read_q_exponent.value, p.read_q_max.value, pcm.g_ref_us,
        cfg.tolerance_us, cfg.max_iterations, cfg.amplitude_step_ua, cfg.amplitude_min_ua, cfg.amplitude_max_ua)
    shape = np.shape(g_target_us)
    return ProgramResult(g.reshape(shape), it.reshape(shape), conv.reshape(shape))
