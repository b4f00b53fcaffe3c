"""Mini-batch MCA weight update on one crossbar: χ += Δ for a dense increment Δ, then pulses.

Δ = −η × the optimizer's step for the batch (SGD: the batch gradient; momentum: the velocity),
computed in high precision by the digital unit. Every entry whose χ crossed a threshold is pulsed
through crossbar.update's per-weight rule (_pulse_window, fire: the same as the per-image kernel
chi_update), so χ + p·ε is conserved: MCA keeps the residual, DIRECT turns Δ into pulses at
once (stochastic or nearest rounding of Δ/ε) and drops the rest, ONE_DEVICE depresses with RESET
pulses credited with what the device did.
"""

from __future__ import annotations

from numba import njit

from archsim.functional.crossbar.update import MODE_DIRECT, _pulse_window, fire


@njit(cache=True)
def apply_increment(delta, chi, eps, eps_neg, beta, mode, stochastic_pulses, max_pulses, gp, gm, np_, nm, kind, P,
                    g_edges, dg_grid, set_cdf, reset_cdf, stats):
    """χ += delta, then pulse every weight past its threshold; returns the weight change credited to χ."""
    rows, cols = chi.shape
    lo, hi = _pulse_window(eps, eps_neg, mode, stochastic_pulses)
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
                moved += fire(row, i, j, lo, hi, eps, eps_neg, beta, mode, stochastic_pulses, max_pulses, gp, gm,
                              np_, nm, kind, P, g_edges, dg_grid, set_cdf, reset_cdf, stats)
        if mode == MODE_DIRECT:
            row[:] = 0.0
    return moved
