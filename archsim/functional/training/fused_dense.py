"""The engine's fast path for dense stacks at batch size 1: one numba loop per chunk of images doing
noisy forward MVMs, backward MVMs, the fused χ update (crossbar.update.chi_update) and refresh.

It computes what the generic layer-by-layer path computes for a network of dense layers trained
image by image with plain SGD (tests/functional/test_engine.py checks that both give the same
conductances with read noise off); the crossbar strategy picks it when it applies. One call trains
a chunk of images (so Python can update a progress bar between chunks). Random numbers come from
numba's generator, seeded explicitly (seed_numba) by the caller.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from archsim.functional.activations import activate as _activate
from archsim.functional.activations import derivative_at as _grad
from archsim.functional.activations import softmax_xent_error
from archsim.functional.crossbar.mvm import backward_mvm, forward_mvm
from archsim.functional.crossbar.quantize import adc_quantise, dac_normalise
from archsim.functional.crossbar.refresh import refresh_pairs
from archsim.functional.crossbar.crossbar_compatible import xbar_update
from archsim.functional.crossbar.update import MODE_ONE_DEVICE, MODE_XBAR, chi_update
from archsim.functional.devices.kernels import P_NOISE_OFFSET_US, P_NOISE_SLOPE

# float hyper-parameters (hp) and integer settings (ip) index constants
(H_LR, H_BETA, H_EPS, H_EPS_NEG, H_REFRESH_THR_US, H_REFRESH_TOL_US, H_REFRESH_LOWER_US,
 H_XBAR_RESET_FRACTION) = range(8)
N_HP = 8
(I_DAC_BITS, I_ADC_BITS, I_UPDATE_BITS, I_NOISY, I_MODE, I_REFRESH_INTERVAL, I_MAX_PULSES, I_REFRESH_MAX,
 I_ROUND_X, I_ROUND_D, I_ROUND_D_OUT, I_SHIFT_X, I_SHIFT_D, I_SHIFT_D_OUT, I_DIRECT_STOCHASTIC,
 I_REFRESH_PULSED, I_XBAR_BL, I_REFRESH_READS) = range(18)
N_IP = 18


@njit(cache=True)
def seed_numba(seed):
    """Seed numba's internal generator (separate from NumPy's) for reproducible kernels."""
    np.random.seed(seed)


@njit(cache=True)
def make_buffers(gps):
    """Per-layer scratch vectors: inputs (rows), normalised inputs (rows), z (cols), var (cols),
    deltas (cols), normalised deltas (cols), e (rows), index buffers."""
    L = len(gps)
    ins = [np.zeros(gps[l].shape[0]) for l in range(L)]
    xns = [np.zeros(gps[l].shape[0]) for l in range(L)]
    es = [np.zeros(gps[l].shape[0]) for l in range(L)]
    zs = [np.zeros(gps[l].shape[1]) for l in range(L)]
    vs = [np.zeros(gps[l].shape[1]) for l in range(L)]
    ds = [np.zeros(gps[l].shape[1]) for l in range(L)]
    dns = [np.zeros(gps[l].shape[1]) for l in range(L)]
    nzx = [np.zeros(gps[l].shape[0], np.int64) for l in range(L)]
    nzd = [np.zeros(gps[l].shape[1], np.int64) for l in range(L)]
    return ins, xns, zs, vs, ds, dns, es, nzx, nzd


@njit(cache=True)
def forward(x, gps, gms, acts, has_bias, P, hp, ip, adc_fwd, out_scale, ins, xns, zs, vs, probs):
    """Noisy crossbar forward pass of one image; fills ins[l] (layer inputs incl. bias) and probs."""
    L = len(gps)
    slope, off = P[P_NOISE_SLOPE], P[P_NOISE_OFFSET_US]
    ins[0][: x.size] = x
    if has_bias[0]:
        ins[0][x.size] = 1.0
    for l in range(L):
        s = dac_normalise(ins[l], ip[I_DAC_BITS], xns[l])
        forward_mvm(xns[l], gps[l], gms[l], slope, off, ip[I_NOISY] != 0, zs[l], vs[l])
        adc_quantise(zs[l], ip[I_ADC_BITS], adc_fwd[l])
        g = hp[H_BETA] * s * out_scale[l]
        z = zs[l]
        for j in range(z.size):
            z[j] *= g
        if l < L - 1:
            _activate(z, acts[l], ins[l + 1])
            if has_bias[l + 1]:
                ins[l + 1][z.size] = 1.0
        else:
            _activate(z, acts[l], probs)


@njit(cache=True)
def train_chunk(X, Y, order, start, stop, gps, gms, nps, nms, chis, acts, has_bias,
                kind, P, g_edges, dg_grid, set_cdf, reset_cdf, hp, ip, adc_fwd, adc_bwd, counter, stats):
    """Train on images order[start:stop]; returns (online-correct count, summed cross-entropy loss).
    counter[0] = images seen (drives refresh timing); stats (L, N_STATS) accumulates per-layer update
    statistics."""
    L = len(gps)
    ins, xns, zs, vs, ds, dns, es, nzx, nzd = make_buffers(gps)
    ones = np.ones(L)
    probs = np.zeros(gps[L - 1].shape[1])
    slope, off = P[P_NOISE_SLOPE], P[P_NOISE_OFFSET_US]
    noisy = ip[I_NOISY] != 0
    correct = 0
    loss = 0.0
    for k in range(start, stop):
        n = order[k]
        forward(X[n].astype(np.float64), gps, gms, acts, has_bias, P, hp, ip, adc_fwd, ones, ins, xns, zs, vs,
                probs)
        label = Y[n]
        if np.argmax(zs[L - 1]) == label:
            correct += 1
        loss += softmax_xent_error(probs, label, ds[L - 1])
        for l in range(L - 1, 0, -1):
            s = dac_normalise(ds[l], ip[I_DAC_BITS], dns[l])
            backward_mvm(dns[l], gps[l], gms[l], slope, off, noisy, es[l])
            adc_quantise(es[l], ip[I_ADC_BITS], adc_bwd[l])
            g = hp[H_BETA] * s
            prev = ds[l - 1]
            a = ins[l]
            for i in range(prev.size):
                prev[i] = g * es[l][i] * _grad(a[i], acts[l - 1])
        for l in range(L):
            if ip[I_MODE] == MODE_XBAR:
                xbar_update(ins[l], ds[l], hp[H_LR], ip[I_XBAR_BL], hp[H_XBAR_RESET_FRACTION], hp[H_EPS], gps[l],
                            gms[l], nps[l], nms[l], kind, P, g_edges, dg_grid, set_cdf, reset_cdf, nzx[l], nzd[l],
                            stats[l])
            else:
                out = l == L - 1
                chi_update(ins[l], ds[l], -hp[H_LR], ip[I_UPDATE_BITS], ip[I_ROUND_X],
                           ip[I_ROUND_D_OUT] if out else ip[I_ROUND_D],
                           ip[I_SHIFT_X], ip[I_SHIFT_D_OUT] if out else ip[I_SHIFT_D], hp[H_EPS], hp[H_EPS_NEG], hp[H_BETA], ip[I_MODE],
                           ip[I_DIRECT_STOCHASTIC] != 0, ip[I_MAX_PULSES], gps[l], gms[l], nps[l], nms[l], chis[l],
                           kind, P, g_edges, dg_grid, set_cdf, reset_cdf, xns[l], dns[l], nzx[l], nzd[l], stats[l])
        counter[0] += 1
        if ip[I_MODE] != MODE_ONE_DEVICE and ip[I_REFRESH_INTERVAL] > 0 and counter[0] % ip[I_REFRESH_INTERVAL] == 0:
            for l in range(L):
                refresh_pairs(gps[l], gms[l], nps[l], nms[l], hp[H_REFRESH_THR_US], hp[H_REFRESH_LOWER_US],
                              hp[H_REFRESH_TOL_US], ip[I_REFRESH_MAX], ip[I_REFRESH_READS], ip[I_REFRESH_PULSED] != 0, kind, P, g_edges,
                              dg_grid, set_cdf, reset_cdf, stats[l])
    return correct, loss


@njit(cache=True)
def evaluate(X, Y, gps, gms, acts, has_bias, P, hp, ip, adc_fwd, out_scale):
    """Test accuracy count with noisy crossbar forward passes (one independent read per MVM)."""
    L = len(gps)
    ins, xns, zs, vs, ds, dns, es, nzx, nzd = make_buffers(gps)
    probs = np.zeros(gps[L - 1].shape[1])
    correct = 0
    for n in range(X.shape[0]):
        forward(X[n].astype(np.float64), gps, gms, acts, has_bias, P, hp, ip, adc_fwd, out_scale, ins, xns, zs,
                vs, probs)
        if np.argmax(zs[L - 1]) == Y[n]:
            correct += 1
    return correct
