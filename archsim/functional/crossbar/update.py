"""Fused MCA weight update on one crossbar: χ += coef·δ·xᵀ over non-zero entries, then pulses.

For every non-zero (x_i, δ_j) pair: χ_ij += coef·x_i·δ_j; p = trunc(χ_ij/ε) pulses go to G⁺ (p > 0)
or G⁻ (p < 0) through the device model; χ_ij −= p·ε (so χ + p·ε is conserved). Modes:
MCA (χ kept), DIRECT (ablation: p = rint(ΔW/ε), residual dropped), ONE_DEVICE (G⁻ is a fixed
reference; SET potentiates with threshold ε, RESET depresses with threshold ε_reset).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from archsim.functional.crossbar.quantize import pow2_quantise
from archsim.functional.devices.kernels import reset_pulse, set_pulse

MODE_MCA, MODE_DIRECT, MODE_ONE_DEVICE = 0, 1, 2

# per-layer statistics columns (summed over images)
(S_X_NZ, S_D_NZ, S_NZ_UPDATES, S_SET, S_RESET, S_REFRESH_READS, S_REFRESH_SET, S_REFRESHES,
 S_CHI_READS, S_CHI_WRITES) = range(10)
N_STATS = 10
STAT_NAMES = ("x_nonzero", "d_nonzero", "nonzero_updates", "set_pulses", "reset_pulses", "refresh_reads",
              "refresh_set_pulses", "refreshes", "chi_reads", "chi_writes")


@njit(cache=True)
def _pulses(c, eps, eps_neg, mode):
    """Signed pulse count for accumulated value c."""
    if mode == MODE_DIRECT:
        return np.rint(c / eps)
    if c >= eps:
        return np.trunc(c / eps)
    if c <= -eps_neg:
        return -np.trunc(-c / eps_neg)
    return 0.0


@njit(cache=True)
def _apply(row, i, j, eps, eps_neg, mode, max_pulses, gp, gm, np_, nm, kind, P, g_edges, dg_grid, set_cdf,
           reset_cdf, stats):
    """Pulse weight (i, j) for its accumulated value row[j]; leaves the residual in row[j]; returns ±n·ε."""
    c = row[j]
    p = _pulses(c, eps, eps_neg, mode)
    if p == 0.0:
        return 0.0
    n = int(min(abs(p), max_pulses))
    if p > 0:
        for _ in range(n):
            gp[i, j] = set_pulse(kind, P, g_edges, dg_grid, set_cdf, gp[i, j], np_[i, j])
            np_[i, j] += 1
        stats[S_SET] += n
        row[j] = c - n * eps
        return n * eps
    if mode == MODE_ONE_DEVICE:
        for _ in range(n):
            gp[i, j] = reset_pulse(kind, P, g_edges, dg_grid, reset_cdf, gp[i, j])
            np_[i, j] = 0
        stats[S_RESET] += n
        row[j] = c + n * eps_neg
        return -n * eps_neg
    for _ in range(n):
        gm[i, j] = set_pulse(kind, P, g_edges, dg_grid, set_cdf, gm[i, j], nm[i, j])
        nm[i, j] += 1
    stats[S_SET] += n
    row[j] = c + n * eps
    return -n * eps


@njit(cache=True)
def chi_update(x, d, coef, bits, stochastic, eps, eps_neg, mode, max_pulses, gp, gm, np_, nm, chi,
               kind, P, g_edges, dg_grid, set_cdf, reset_cdf, xq, dq, nzx, nzd, stats):
    """Apply one image's update to one layer; returns signed pulses·ε applied (for bookkeeping tests).

    x (rows,), d (cols,): layer input and error; coef = −η (so χ accumulates −η·δ·x).
    bits: signed quantisation of x and δ (shared power-of-two scales), 0 = full precision;
    stochastic: unbiased stochastic rounding instead of round-to-nearest.
    xq, dq, nzx, nzd: scratch buffers. stats: this layer's row of the statistics array.
    """
    sx = pow2_quantise(x, bits, stochastic, xq)
    sd = pow2_quantise(d, bits, stochastic, dq)
    c0 = coef * sx * sd
    nx = 0
    for i in range(xq.size):
        if xq[i] != 0.0:
            nzx[nx] = i
            nx += 1
    nd = 0
    for j in range(dq.size):
        if dq[j] != 0.0:
            nzd[nd] = j
            nd += 1
    stats[S_X_NZ] += nx
    stats[S_D_NZ] += nd
    stats[S_NZ_UPDATES] += nx * nd
    stats[S_CHI_READS] += nx * nd
    stats[S_CHI_WRITES] += nx * nd
    # pass 1 accumulates χ (vectorisable); pass 2 pulses only the entries that crossed a threshold
    lo = -0.5 * eps if mode == MODE_DIRECT else -eps_neg
    hi = 0.5 * eps if mode == MODE_DIRECT else eps
    dense = nd == dq.size
    moved = 0.0
    for a in range(nx):
        i = nzx[a]
        ci = c0 * xq[i]
        row = chi[i]
        hit = False
        if dense:
            for j in range(nd):
                row[j] += ci * dq[j]
            for j in range(nd):
                hit |= (row[j] >= hi) | (row[j] <= lo)
        else:
            for b in range(nd):
                j = nzd[b]
                row[j] += ci * dq[j]
                hit |= (row[j] >= hi) | (row[j] <= lo)
        if hit:
            for b in range(nd):
                j = b if dense else nzd[b]
                if row[j] < hi and row[j] > lo:
                    continue
                moved += _apply(row, i, j, eps, eps_neg, mode, max_pulses, gp, gm, np_, nm, kind, P, g_edges,
                                dg_grid, set_cdf, reset_cdf, stats)
        if mode == MODE_DIRECT:
            for b in range(nd):
                row[b if dense else nzd[b]] = 0.0
    return moved
