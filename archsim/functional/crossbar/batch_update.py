"""Mini-batch MCA weight update on one crossbar: χ += Δ for a dense increment Δ, then pulses.

Δ = −η × the optimizer's step for the batch (SGD: the batch gradient; momentum: the velocity),
computed in high precision by the digital unit. Every entry whose χ crossed a threshold is pulsed
through crossbar.update._apply (the same per-weight pulse rule as the per-image kernel chi_update),
so χ + p·ε is conserved: MCA keeps the residual, DIRECT fires rint(Δ/ε) pulses and drops it,
ONE_DEVICE depresses with RESET pulses.
"""

from __future__ import annotations

from numba import njit

from archsim.functional.crossbar.update import MODE_DIRECT, _apply


@njit(cache=True)
def apply_increment(delta, chi, eps, eps_neg, mode, max_pulses, gp, gm, np_, nm, kind, P, g_edges, dg_grid,
                    set_cdf, reset_cdf, stats):
    """χ += delta, then pulse every weight past ±ε; returns the signed pulses·ε applied."""
    rows, cols = chi.shape
    lo = -0.5 * eps if mode == MODE_DIRECT else -eps_neg
    hi = 0.5 * eps if mode == MODE_DIRECT else eps
    moved = 0.0
    for i in range(rows):
        row = chi[i]
        d = delta[i]
        hit = False
        for j in range(cols):
            row[j] += d[j]
            hit |= (row[j] >= hi) | (row[j] <= lo)
        if hit:
            for j in range(cols):
                if row[j] < hi and row[j] > lo:
                    continue
                moved += _apply(row, i, j, eps, eps_neg, mode, max_pulses, gp, gm, np_, nm, kind, P, g_edges,
                                dg_grid, set_cdf, reset_cdf, stats)
        if mode == MODE_DIRECT:
            row[:] = 0.0
    return moved
