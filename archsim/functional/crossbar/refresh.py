"""Refresh of saturated differential pairs: lower both devices, re-program the difference onto one.

Detection (every refresh interval): both devices of every pair are read (with noise). A pair is
saturated when one read exceeds `threshold_us` *and* the other exceeds `lower_us`: both devices are
high, so the pair has lost dynamic range while its weight is not at the edge of the range. A pair
with one device high and the other near RESET already holds a maximal weight; rewriting it would
give back the same state and refresh it again at every interval (the trap this rule removes; the
same two-threshold test as aihwkit's OneSidedUnitCell, refresh_upper_thres / refresh_lower_thres).

Re-programming keeps the read difference |G⁺ − G⁻| but clips it to `threshold_us − g_reset −
2·tol_us`, so the refreshed device ends at least one tolerance below the threshold and the pair
leaves the saturated state; the excess weight is lost (counted in S_REFRESH_CLIPPED). Two ways to
lower the devices (`pulsed`):

- full RESET (default, SPEC): both devices RESET (abrupt, to g_reset ± spread), then program-and-
  verify with SET pulses until the target device reads within `tol_us` below g_reset + difference.
- RESET pulses (bidirectional jump-table devices): the lower device gets RESET pulses through the
  device's RESET table until it reads ≤ g_reset + tol_us; the other is program-and-verified to
  read(lower) + difference with RESET pulses while above and SET pulses while below (± tol_us).

Every step is capped at `max_pulses` pulses; every verify read is counted.

Detection reads every pair once. The difference to re-program and every verify read are single noisy
reads, σ = slope·G + offset, unless `reads` > 1: each is then the mean of `reads` reads (σ/√reads),
each counted. A single-read verify
cannot resolve a tolerance below the read noise (at 9 µS σ ≈ 0.4 µS): it stops on a lucky read and
re-writes the weight with about the read noise as error.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from archsim.functional.crossbar.update import (S_REFRESH_CLIPPED, S_REFRESH_READS, S_REFRESH_SET, S_REFRESHES,
                                                S_RESET)
from archsim.functional.devices.kernels import P_G_RESET, full_reset, read_noise_std, reset_pulse, set_pulse


@njit(cache=True)
def _read(g, P, reads, stats):
    """Mean of `reads` noisy reads of a device at g (each counted in stats)."""
    stats[S_REFRESH_READS] += reads
    return g + read_noise_std(g, P) / np.sqrt(reads) * np.random.standard_normal()


@njit(cache=True)
def refresh_target_cap_us(threshold_us, tol_us, P):
    """Largest difference a refresh re-programs: the refreshed device stays a tolerance below threshold."""
    return max(threshold_us - P[P_G_RESET] - 2.0 * tol_us, 0.0)


@njit(cache=True)
def _program_verify(g, n, target, tol_us, max_pulses, reads, pulsed, kind, P, g_edges, dg_grid, set_cdf,
                    reset_cdf, stats):
    """Program-and-verify one device towards `target`; returns (g, pulses since RESET).

    SET-only (pulsed False): SET until the read is within tol below the target. Bidirectional: SET
    while the read is below target − tol, RESET while above target + tol.
    """
    for _ in range(max_pulses):
        current = _read(g, P, reads, stats)
        if current >= target - tol_us and (not pulsed or current <= target + tol_us):
            break
        if current < target - tol_us:
            g = set_pulse(kind, P, g_edges, dg_grid, set_cdf, g, n)
            n += 1
            stats[S_REFRESH_SET] += 1
        else:
            g = reset_pulse(kind, P, g_edges, dg_grid, reset_cdf, g)
            n = 0
            stats[S_RESET] += 1
    return g, n


@njit(cache=True)
def _depress(g, tol_us, max_pulses, reads, kind, P, g_edges, dg_grid, reset_cdf, stats):
    """RESET pulses until the device reads ≤ g_reset + tol (at most max_pulses); returns the last read."""
    current = _read(g, P, reads, stats)
    for _ in range(max_pulses):
        if current <= P[P_G_RESET] + tol_us:
            break
        g = reset_pulse(kind, P, g_edges, dg_grid, reset_cdf, g)
        stats[S_RESET] += 1
        current = _read(g, P, reads, stats)
    return g, current


@njit(cache=True)
def refresh_pairs(gp, gm, np_, nm, threshold_us, lower_us, tol_us, max_pulses, reads, pulsed, kind, P, g_edges,
                  dg_grid, set_cdf, reset_cdf, stats):
    """Refresh every saturated pair of one layer (difference and verify reads the mean of `reads` reads);
    counts reads, RESETs, SET pulses and clipped pairs."""
    rows, cols = gp.shape
    stats[S_REFRESH_READS] += 2 * rows * cols
    skip_below = threshold_us - 5.0 * read_noise_std(threshold_us, P)
    cap = refresh_target_cap_us(threshold_us, tol_us, P)
    for i in range(rows):
        for j in range(cols):
            if gp[i, j] <= skip_below and gm[i, j] <= skip_below:
                continue  # cannot read above threshold (5 σ margin); skip drawing noise
            rp = gp[i, j] + read_noise_std(gp[i, j], P) * np.random.standard_normal()
            rm = gm[i, j] + read_noise_std(gm[i, j], P) * np.random.standard_normal()
            if max(rp, rm) <= threshold_us or min(rp, rm) <= lower_us:
                continue
            if reads > 1:  # the difference to re-program: averaged reads of both devices
                rp = _read(gp[i, j], P, reads, stats)
                rm = _read(gm[i, j], P, reads, stats)
            diff = rp - rm
            mag = abs(diff)
            if mag > cap:
                mag = cap
                stats[S_REFRESH_CLIPPED] += 1
            stats[S_REFRESHES] += 1
            if pulsed:
                # the lower device goes down to RESET by pulses; the other follows it at `mag` above
                if diff >= 0:
                    gm[i, j], low = _depress(gm[i, j], tol_us, max_pulses, reads, kind, P, g_edges, dg_grid, reset_cdf,
                                             stats)
                    nm[i, j] = 0
                    gp[i, j], np_[i, j] = _program_verify(gp[i, j], np_[i, j], low + mag, tol_us, max_pulses, reads, True,
                                                          kind, P, g_edges, dg_grid, set_cdf, reset_cdf, stats)
                else:
                    gp[i, j], low = _depress(gp[i, j], tol_us, max_pulses, reads, kind, P, g_edges, dg_grid, reset_cdf,
                                             stats)
                    np_[i, j] = 0
                    gm[i, j], nm[i, j] = _program_verify(gm[i, j], nm[i, j], low + mag, tol_us, max_pulses, reads, True,
                                                         kind, P, g_edges, dg_grid, set_cdf, reset_cdf, stats)
                continue
            gp[i, j] = full_reset(kind, P, gp[i, j])
            gm[i, j] = full_reset(kind, P, gm[i, j])
            np_[i, j] = 0
            nm[i, j] = 0
            stats[S_RESET] += 2
            target = P[P_G_RESET] + mag
            if diff >= 0:
                gp[i, j], np_[i, j] = _program_verify(gp[i, j], 0, target, tol_us, max_pulses, reads, False, kind, P,
                                                      g_edges, dg_grid, set_cdf, reset_cdf, stats)
            else:
                gm[i, j], nm[i, j] = _program_verify(gm[i, j], 0, target, tol_us, max_pulses, reads, False, kind, P,
                                                     g_edges, dg_grid, set_cdf, reset_cdf, stats)
