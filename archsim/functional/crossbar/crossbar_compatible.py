"""Crossbar-compatible stochastic weight update: coincidences of pulses from upstream and downstream neurons.

The rule of Burr et al. (IEEE TED 62(11), 2015, "Experimental demonstration and tolerancing of a
large-scale neural network (165 000 synapses) using phase-change memory as the synaptic weight
element"), used by Sidler et al. (ESSDERC 2016) for the jump-table study: every upstream neuron i
fires pulses in a window of BL time slots with a probability proportional to |x_i|, every
downstream neuron j with a probability proportional to |δ_j|; a device is programmed once for
every slot in which a pulse from its row and one from its column coincide, so the expected number
of programming events is ∝ |x_i·δ_j| without computing the outer product anywhere. The same
scheme, with stochastic bit trains and the per-image scaling below, is aihwkit's pulsed update
(PulseType.STOCHASTIC_COMPRESSED with update_management and update_bl_management,
rpu_pulsed_meta_parameter.cpp: BL = min(ceil(η·x_max·d_max/Δw), BL_max), both scales sqrt(η/(Δw·BL)),
then balanced by sqrt(x_max/d_max) so that the largest x and δ fire with the same probability). Details of Burr's pulse trains (deterministic
counts vs Bernoulli slots) were not available here; Bernoulli slots are used: each slot of
neuron i fires with probability p_i = A·|x_i|, each slot of column j with q_j = B·|δ_j|
(both clipped at 1), independently, so E[coincidences] = BL·p_i·q_j = η·|x_i·δ_j|/Δw exactly
while no probability saturates.

Bidirectional pairs (Sidler et al.): SET potentiates and RESET depresses, each through its jump
table. Each downstream neuron drives its two columns: the SET column (its G⁺ devices when the
weight must increase, G⁻ when it must decrease) and the RESET column (the partner devices). One
coincidence therefore moves the weight twice, by one SET step on one device and one RESET step
on the other: Δw per coincidence = 2ε for a symmetric device with mean step ε (weight units).
The "fewer RESET pulses" compensation for asymmetric devices (RESET steeper than SET): the
downstream neuron, which knows the sign of δ, fires its RESET column with probability
`reset_fraction`·q_j (its own independent train) instead of q_j.

A pulse train of BL ≤ 64 slots is one uint64; coincidences are popcount(x_bits & d_bits).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, uint64

from archsim.functional.crossbar.update import S_D_NZ, S_NZ_UPDATES, S_RESET, S_SET, S_X_NZ
from archsim.functional.devices.kernels import reset_pulses, set_pulses

MAX_SLOTS = 64

_M1 = uint64(0x5555555555555555)
_M2 = uint64(0x3333333333333333)
_M4 = uint64(0x0F0F0F0F0F0F0F0F)
_H01 = uint64(0x0101010101010101)


@njit(cache=True, inline="always")
def popcount64(v):
    """Number of set bits of a uint64 (SWAR; LLVM lowers it to one popcnt where available)."""
    v = v - ((v >> uint64(1)) & _M1)
    v = (v & _M2) + ((v >> uint64(2)) & _M2)
    v = (v + (v >> uint64(4))) & _M4
    return int((v * _H01) >> uint64(56))


@njit(cache=True)
def pulse_train(p, slots):
    """A train of `slots` Bernoulli(p) slots as the bits of one uint64 (p ≥ 1 fires every slot)."""
    bits = uint64(0)
    if p <= 0.0:
        return bits
    for k in range(slots):
        if p >= 1.0 or np.random.random() < p:
            bits |= uint64(1) << uint64(k)
    return bits


@njit(cache=True)
def train_scales(lr, x_max, d_max, dw, max_slots):
    """(BL, A, B): slots and probability scales of x (A) and δ (B) with A·B·BL·dw = lr, balanced so
    that A·x_max = B·d_max = sqrt(lr·x_max·d_max/(dw·BL)) ≤ 1 unless BL hits max_slots (aihwkit
    update_bl_management + update_management)."""
    bl = int(math.ceil(lr * x_max * d_max / dw))
    bl = min(max(bl, 1), max_slots)
    a = math.sqrt(lr / (dw * bl))
    return bl, a * math.sqrt(d_max / x_max), a * math.sqrt(x_max / d_max)


@njit(cache=True)
def xbar_update(x, d, lr, max_slots, reset_fraction, eps, gp, gm, np_, nm, kind, P, g_edges, dg_grid, set_cdf,
                reset_cdf, nzx, nzd, stats):
    """Apply one image's coincidence update to one layer (ΔW = −lr·x·δᵀ in expectation).

    x (rows,), d (cols,): layer input and error; eps: mean SET step in weight units (one coincidence
    moves the weight by 2·eps on a symmetric device); max_slots: BL_max ≤ 64; reset_fraction: RESET
    column firing probability relative to the SET column. At most max_slots pulses per device per
    image (one per slot). Returns the number of programming pulses.
    """
    rows, cols = gp.shape
    x_max, d_max = 0.0, 0.0
    for i in range(rows):
        x_max = max(x_max, abs(x[i]))
    for j in range(cols):
        d_max = max(d_max, abs(d[j]))
    if x_max == 0.0 or d_max == 0.0 or lr <= 0.0:
        return 0
    bl, a, b = train_scales(lr, x_max, d_max, 2.0 * eps, max_slots)
    xb = np.zeros(rows, np.uint64)
    nx = 0
    for i in range(rows):
        xb[i] = pulse_train(a * abs(x[i]), bl)
        if xb[i] != uint64(0):
            nzx[nx] = i
            nx += 1
    ds = np.zeros(cols, np.uint64)
    dr = np.zeros(cols, np.uint64)
    nd = 0
    for j in range(cols):
        q = b * abs(d[j])
        ds[j] = pulse_train(q, bl)
        dr[j] = pulse_train(q * reset_fraction, bl)
        if ds[j] != uint64(0) or dr[j] != uint64(0):
            nzd[nd] = j
            nd += 1
    stats[S_X_NZ] += nx
    stats[S_D_NZ] += nd
    total = 0
    for a_ in range(nx):
        i = nzx[a_]
        xi = xb[i]
        xpos = x[i] > 0.0
        for b_ in range(nd):
            j = nzd[b_]
            n_set = popcount64(xi & ds[j])
            n_reset = popcount64(xi & dr[j])
            if n_set + n_reset == 0:
                continue
            stats[S_NZ_UPDATES] += 1
            total += n_set + n_reset
            up = xpos != (d[j] > 0.0)  # ΔW = −lr·x·δ > 0: SET G⁺, RESET G⁻; else SET G⁻, RESET G⁺
            g_set, n_of_set = (gp, np_) if up else (gm, nm)
            g_reset, n_of_reset = (gm, nm) if up else (gp, np_)
            if n_set:
                g_set[i, j] = set_pulses(kind, P, g_edges, dg_grid, set_cdf, g_set[i, j], n_of_set[i, j], n_set)
                n_of_set[i, j] += n_set
            if n_reset:
                g_reset[i, j] = reset_pulses(kind, P, g_edges, dg_grid, reset_cdf, g_reset[i, j], n_reset)
                n_of_reset[i, j] = 0
            stats[S_SET] += n_set
            stats[S_RESET] += n_reset
    return total
