"""Fused weight update on one crossbar: χ += coef·δ·xᵀ over non-zero entries, then pulses.

For every non-zero (x_i, δ_j) pair: χ_ij += coef·x_i·δ_j (coef = −η); p = trunc(χ_ij/ε) pulses go to
G⁺ (p > 0) or G⁻ (p < 0) through the device model; χ_ij −= p·ε (so χ + p·ε is conserved). Modes:

- MCA (Nandakumar et al., ISCAS 2018 / Front. Neurosci. 2020): χ keeps the residual.
- DIRECT, the ablation without χ: each image's ΔW_ij = coef·x_i·δ_j is turned into pulses at once and
  nothing is kept. `pulse_rounding` stochastic (default): p = floor(|ΔW|/ε + U[0,1)) with ΔW's sign,
  so E[p·ε] = ΔW (stochastic rounding, Gupta et al. 2015, the rule under which a χ-less update is still
  unbiased SGD); nearest: p = rint(ΔW/ε), which drops every |ΔW| < ε/2.
  Rows whose every |ΔW| < ε draw their Bernoulli pulses by exact thinning (_direct_thinned), one draw
  per candidate instead of one per entry (about 20× fewer draws on the reference MLP).
- ONE_DEVICE: G⁻ is a fixed reference; SET potentiates G⁺ (threshold ε, credited ε per pulse) and
  RESET depresses it (threshold ε_reset). χ is credited with what the device did: a device whose
  RESET is abrupt (gradual-SET PCM: any RESET lands at g_reset) gets one RESET per update, credited
  β·(G_read − g_reset) from one read of G⁺ before the pulse (a second RESET would not move it); if
  that read shows the device already within ε_reset/2 of g_reset, no pulse is fired and χ saturates
  at −ε_reset (the weight is at its lower bound). Gradually depressing devices (jump table, ideal)
  get one RESET per ε_reset, each credited ε_reset (nominal, like SET).
- XBAR: the crossbar-compatible coincidence update (crossbar_compatible.py); it keeps no χ.

The 3-bit update (bits > 0): x and δ are quantised separately to signed `bits`-bit integers with
one shared power-of-two scale per vector (quantize.pow2_quantise: rounding per vector, optional
saturation headroom); only non-zero entries of the outer product touch χ, and the increment is the
integer product xq_i·dq_j times coef·2^(ex+ed), i.e. a small multiply and a bit shift in hardware
(exactly representable here in float64).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from archsim.functional.crossbar.quantize import pow2_quantise
from archsim.functional.devices.kernels import (KIND_GRADUAL_SET, P_G_RESET, read_noise_std, reset_pulse,
                                                set_pulse)

MODE_MCA, MODE_DIRECT, MODE_ONE_DEVICE, MODE_XBAR = 0, 1, 2, 3

# per-layer statistics columns (summed over images)
(S_X_NZ, S_D_NZ, S_NZ_UPDATES, S_SET, S_RESET, S_REFRESH_READS, S_REFRESH_SET, S_REFRESHES,
 S_CHI_READS, S_CHI_WRITES, S_REFRESH_CLIPPED, S_UPDATE_READS) = range(12)
N_STATS = 12
STAT_NAMES = ("x_nonzero", "d_nonzero", "nonzero_updates", "set_pulses", "reset_pulses", "refresh_reads",
              "refresh_set_pulses", "refreshes", "chi_reads", "chi_writes", "refresh_clipped", "update_reads")


@njit(cache=True, inline="always")
def _pulses(c, eps, eps_neg, mode, stochastic_pulses):
    """Signed pulse count for accumulated value c."""
    if mode == MODE_DIRECT:
        if stochastic_pulses:
            n = math.floor(abs(c) / eps + np.random.random())
            return n if c > 0 else -n
        return np.rint(c / eps)
    if c >= eps:
        return np.trunc(c / eps)
    if c <= -eps_neg:
        return -np.trunc(-c / eps_neg)
    return 0.0


@njit(cache=True, inline="always")
def _pulse_window(eps, eps_neg, mode, stochastic_pulses):
    """(lo, hi): an accumulated value c may fire only if c ≥ hi or c ≤ lo (else _pulses is 0)."""
    if mode == MODE_DIRECT:  # every non-zero entry may fire (stochastic) or fires from ε/2 (nearest)
        return (0.0, 0.0) if stochastic_pulses else (-0.5 * eps, 0.5 * eps)
    return -eps_neg, eps


@njit(cache=True)
def _apply(row, i, j, p, eps, eps_neg, beta, mode, max_pulses, gp, gm, np_, nm, kind, P, g_edges, dg_grid,
           set_cdf, reset_cdf, stats):
    """Fire signed pulse count p (≠ 0) at weight (i, j); leaves the residual of row[j]; returns the
    weight change credited to χ (±n·ε, or the read-based RESET credit)."""
    c = row[j]
    n = int(min(abs(p), max_pulses))
    if p > 0:
        for _ in range(n):
            gp[i, j] = set_pulse(kind, P, g_edges, dg_grid, set_cdf, gp[i, j], np_[i, j])
            np_[i, j] += 1
        stats[S_SET] += n
        row[j] = c - n * eps
        return n * eps
    if mode == MODE_ONE_DEVICE:
        if kind == KIND_GRADUAL_SET:  # abrupt RESET: one pulse, credited with the read change
            g_read = gp[i, j] + read_noise_std(gp[i, j], P) * np.random.standard_normal()
            stats[S_UPDATE_READS] += 1
            if beta * (g_read - P[P_G_RESET]) < 0.5 * eps_neg:
                # already (nearly) RESET: a pulse would not move it; the request cannot be served,
                # so χ saturates at −ε_reset instead of growing without bound
                row[j] = -eps_neg
                return 0.0
            gp[i, j] = reset_pulse(kind, P, g_edges, dg_grid, reset_cdf, gp[i, j])
            np_[i, j] = 0
            stats[S_RESET] += 1
            credit = beta * (g_read - P[P_G_RESET])
            row[j] = c + credit
            return -credit
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


@njit(cache=True, inline="always")
def fire(row, i, j, lo, hi, eps, eps_neg, beta, mode, stochastic_pulses, max_pulses, gp, gm, np_, nm, kind, P,
         g_edges, dg_grid, set_cdf, reset_cdf, stats):
    """Pulse weight (i, j) if its accumulated row[j] lies outside the window (lo, hi) and rounds to a
    non-zero pulse count; returns the weight change credited to χ (0 when nothing fires). The one
    per-weight step of the per-image (chi_update) and mini-batch (batch_update) kernels."""
    c = row[j]
    if (c < hi and c > lo) or c == 0.0:
        return 0.0
    p = _pulses(c, eps, eps_neg, mode, stochastic_pulses)
    if p == 0.0:
        return 0.0
    return _apply(row, i, j, p, eps, eps_neg, beta, mode, max_pulses, gp, gm, np_, nm, kind, P, g_edges, dg_grid,
                  set_cdf, reset_cdf, stats)


@njit(cache=True)
def _direct_thinned(row, i, ci, q, d_max, dq, nzd, nd, dense, eps, beta, max_pulses, gp, gm, np_, nm, kind, P,
                    g_edges, dg_grid, set_cdf, reset_cdf, stats):
    """Direct update of row i when every entry has |ΔW_j| = |ci·dq_j| < ε, so each fires one pulse with
    probability p_j = |ΔW_j|/ε (stochastic rounding) or none. Exact thinning: candidates are drawn at the
    row's largest rate q = |ci|·max|dq|/ε by geometric skips and each is kept with probability
    p_j/q = |dq_j|/max|dq|; every entry still fires independently with probability p_j, at a cost
    proportional to the candidates (≈ pulses) instead of one uniform draw per entry."""
    if q <= 0.0:
        return 0.0
    log_miss = math.log1p(-q)
    moved = 0.0
    b = -1
    while True:
        skip = math.log(1.0 - np.random.random()) / log_miss   # failures before the next candidate
        if b + 1 + skip >= nd:
            return moved
        b += 1 + int(skip)
        j = b if dense else nzd[b]
        v = dq[j]
        if np.random.random() * d_max < abs(v):
            row[j] = ci * v
            moved += _apply(row, i, j, 1.0 if row[j] > 0 else -1.0, eps, eps, beta, MODE_DIRECT, max_pulses, gp, gm,
                            np_, nm, kind, P, g_edges, dg_grid, set_cdf, reset_cdf, stats)
            row[j] = 0.0


@njit(cache=True)
def chi_update(x, d, coef, bits, round_x, round_d, shift_x, shift_d, eps, eps_neg, beta, mode, stochastic_pulses,
               max_pulses, gp, gm, np_, nm, chi, kind, P, g_edges, dg_grid, set_cdf, reset_cdf, xq, dq, nzx, nzd,
               stats):
    """Apply one image's update to one layer; returns the weight change credited to χ (bookkeeping tests).

    x (rows,), d (cols,): layer input and error; coef = −η (so χ accumulates −η·δ·x).
    bits: signed quantisation of x and δ (shared power-of-two scales), 0 = full precision;
    round_x, round_d: rounding codes (quantize.ROUNDING_CODES) of x and of δ; shift_x, shift_d:
    scale exponent offsets (quantize.pow2_scale: > 0 finer, the largest entries saturate; < 0 coarser).
    eps, eps_neg: pulse thresholds (weight units); beta: weight per µS; stochastic_pulses: DIRECT's
    rounding. xq, dq, nzx, nzd: scratch buffers. stats: this layer's row of the statistics array.
    """
    sx = pow2_quantise(x, bits, round_x, xq, shift_x)
    sd = pow2_quantise(d, bits, round_d, dq, shift_d)
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
    if mode != MODE_DIRECT:
        stats[S_CHI_READS] += nx * nd
        stats[S_CHI_WRITES] += nx * nd
    # pass 1 accumulates χ (vectorisable); pass 2 pulses only the entries that crossed a threshold
    lo, hi = _pulse_window(eps, eps_neg, mode, stochastic_pulses)
    dense = nd == dq.size
    moved = 0.0
    thin = mode == MODE_DIRECT and stochastic_pulses
    d_max = 0.0
    if thin:
        for b in range(nd):
            d_max = max(d_max, abs(dq[b if dense else nzd[b]]))
    for a in range(nx):
        i = nzx[a]
        ci = c0 * xq[i]
        row = chi[i]
        if thin and abs(ci) * d_max < eps:
            moved += _direct_thinned(row, i, ci, abs(ci) * d_max / eps, d_max, dq, nzd, nd, dense, eps, beta,
                                     max_pulses, gp, gm, np_, nm, kind, P, g_edges, dg_grid, set_cdf, reset_cdf,
                                     stats)
            continue
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
                moved += fire(row, i, b if dense else nzd[b], lo, hi, eps, eps_neg, beta, mode, stochastic_pulses,
                              max_pulses, gp, gm, np_, nm, kind, P, g_edges, dg_grid, set_cdf, reset_cdf, stats)
        if mode == MODE_DIRECT:
            for b in range(nd):
                row[b if dense else nzd[b]] = 0.0
    return moved
