"""Refresh of saturated differential pairs: RESET both devices, re-program the difference onto one.

A pair is saturated when a (noisy) read of either device exceeds the threshold. Re-programming is
program-and-verify with SET pulses until the target device reads within `tol_us` below the
target (G_reset + |G⁺ − G⁻|), at most `max_pulses` pulses.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from archsim.functional.crossbar.update import S_REFRESH_READS, S_REFRESH_SET, S_REFRESHES, S_RESET
from archsim.functional.devices.kernels import P_G_RESET, full_reset, read_noise_std, set_pulse


@njit(cache=True)
def _read(g, P):
    return g + read_noise_std(g, P) * np.random.standard_normal()


@njit(cache=True)
def refresh_pairs(gp, gm, np_, nm, threshold_us, tol_us, max_pulses, kind, P, g_edges, dg_grid, set_cdf,
                  reset_cdf, stats):
    """Refresh every saturated pair of one layer; counts reads, RESETs and SET pulses in stats."""
    rows, cols = gp.shape
    stats[S_REFRESH_READS] += 2 * rows * cols
    skip_below = threshold_us - 5.0 * read_noise_std(threshold_us, P)
    for i in range(rows):
        for j in range(cols):
            if gp[i, j] <= skip_below and gm[i, j] <= skip_below:
                continue  # cannot read above threshold (5 σ margin); skip drawing noise
            rp = _read(gp[i, j], P)
            rm = _read(gm[i, j], P)
            if rp <= threshold_us and rm <= threshold_us:
                continue
            diff = rp - rm
            gp[i, j] = full_reset(kind, P, gp[i, j])
            gm[i, j] = full_reset(kind, P, gm[i, j])
            np_[i, j] = 0
            nm[i, j] = 0
            stats[S_RESET] += 2
            stats[S_REFRESHES] += 1
            target = P[P_G_RESET] + abs(diff)
            for _ in range(max_pulses):
                if diff >= 0:
                    current = _read(gp[i, j], P)
                else:
                    current = _read(gm[i, j], P)
                stats[S_REFRESH_READS] += 1
                if current >= target - tol_us:
                    break
                if diff >= 0:
                    gp[i, j] = set_pulse(kind, P, g_edges, dg_grid, set_cdf, gp[i, j], np_[i, j])
                    np_[i, j] += 1
                else:
                    gm[i, j] = set_pulse(kind, P, g_edges, dg_grid, set_cdf, gm[i, j], nm[i, j])
                    nm[i, j] += 1
                stats[S_REFRESH_SET] += 1
