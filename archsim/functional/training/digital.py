"""Functional models of the digital designs, selected by the design (functional/design_models.py):

- fixed point (a DigitalDesign with `update: dense_sgd`, e.g. digital32): every stored value is a signed
  fixed-point number Q(I).(F) of its word, F = bits − 1 − I (I = functional.fixed_int_bits): weights in
  `weight_bits`, activations and errors in `act_bits`, MVM sums in `mac_array.acc_bits`. A MAC sum is
  formed exactly and rounded once (to nearest, ties to even) and saturated to
  [−2^(bits−1), 2^(bits−1) − 1]·2^−F; sigmoid and softmax are evaluated exactly and their outputs
  rounded (a look-up table of that resolution). The update is dense SGD in the weight format:
  w ← sat(round(w − η·x·δ)).
- χ digital (a DigitalDesign with `update: chi_threshold`, e.g. digital_mp): weights are signed
  `weight_bits` integers q ∈ [−qmax, qmax], qmax = 2^(bits−1) − 1, with W = ε·q (the LSB is the χ
  threshold ε, so one threshold crossing moves a weight by one LSB). Initial q = clip(rint(w0/ε)),
  w0 ~ N(0, σ0²), σ0 = β·√2·init_g_std_us (the spread of MCA's initial pairs). Activations and errors
  have `act_bits` with one power-of-two scale per vector (crossbar.quantize.pow2_quantise, nearest);
  MVM sums are exact (integer MACs). The update is the MCA kernel crossbar.update.chi_update itself,
  in one-device mode on the built-in ideal device re-scaled to one code per pulse with the range
  ±qmax and a reference of 0: χ += −η·x·δ (x, δ quantised to the design's update_quant_bits),
  p = trunc(χ/ε) LSBs, χ −= p·ε, exact weights that saturate at ±qmax, no noise, no drift.

Both run dense stacks at batch size 1 in one numba loop per chunk of images (the case of the MCA
reference experiment); other networks raise UnsupportedNetwork (run.py reports them as such).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np
from numba import njit

from archsim.functional.activations import activate as _activate
from archsim.functional.activations import derivative_at as _grad
from archsim.functional.activations import softmax_xent_error
from archsim.functional.crossbar.quantize import pow2_quantise
from archsim.functional.crossbar.update import MODE_ONE_DEVICE, S_D_NZ, S_NZ_UPDATES, S_SET, S_X_NZ, chi_update
from archsim.functional.devices import kernels as K
from archsim.functional.devices.model import DeviceModel
from archsim.functional.training.fused_dense import make_buffers, seed_numba
from archsim.functional.training.progress import chunked
from archsim.functional.training.strategy import (PURPOSE_INIT, PURPOSE_TEST, PURPOSE_TRAIN, Strategy, TrainSettings,
                                                  derived_seed)

MODEL_FIXED, MODEL_CHI = 0, 1
MODEL_NAMES = {"fixed_point": MODEL_FIXED, "chi_digital": MODEL_CHI}
(I_MODEL, I_W_BITS, I_W_FRAC, I_A_BITS, I_A_FRAC, I_ACC_BITS, I_ACC_FRAC, I_UPDATE_BITS, I_MAX_PULSES,
 I_ROUND_X, I_ROUND_D, I_ROUND_D_OUT, I_SHIFT_X, I_SHIFT_D, I_SHIFT_D_OUT) = range(15)


class UnsupportedNetwork(ValueError):
    """The digital functional models cover dense stacks trained at batch size 1 with plain SGD, and
    fixed-point words that hold the sign and the integer bits; run.py reports other cases per design."""


@dataclass(frozen=True)
class DigitalSettings:
    """Number formats and update of one digital design's functional model (from the design)."""

    model: str                       # fixed_point | chi_digital
    weight_bits: int
    act_bits: int
    acc_bits: int
    int_bits: int = 7                # fixed point: integer bits I of Q(I).(bits − 1 − I)
    update_bits: int = 0             # chi_digital: bits of x and δ in the χ update (0 = exact)
    # chi_digital: rounding codes (crossbar/quantize.ROUNDING_CODES) and scale offsets of x, hidden-layer δ
    # and output-layer δ in that quantisation: MCA's (functional.update_rounding*, update_scale_shift*)
    rounding: tuple[int, int, int] = (1, 1, 1)
    shifts: tuple[int, int, int] = (0, 0, 0)
    epsilon: tuple[float, ...] = (0.096,)  # chi_digital: per layer, the χ threshold = the weight LSB
    init_std: tuple[float, ...] = (0.146,)  # chi_digital: per layer, σ0 of the initial weights

    def frac(self, bits: int) -> int:
        return bits - 1 - self.int_bits

    @property
    def qmax(self) -> int:
        return 2 ** (self.weight_bits - 1) - 1

    def describe(self) -> str:
        if self.model == "fixed_point":
            q = lambda b: f"Q{self.int_bits}.{self.frac(b)}"  # noqa: E731
            return (f"fixed point: W {q(self.weight_bits)}, act/err {q(self.act_bits)}, "
                    f"acc {q(self.acc_bits)}, round-nearest, saturating")
        upd = f"{self.update_bits}-bit" if self.update_bits else "exact"
        return (f"{self.weight_bits}-bit W (±{self.qmax} × ε), {self.act_bits}-bit act/err (pow2 scale), "
                f"χ update ({upd} x, δ), no noise/drift")


# ---------------------------------------------------------------- quantisers (numba)
@njit(cache=True, inline="always")
def _round_sat(v, s, m):
    return min(max(np.rint(v * s), -m), m - 1.0) / s


@njit(cache=True)
def fixed_round(v, bits, frac):
    """v rounded to the nearest multiple of 2^−frac (ties to even) and saturated to bits signed bits."""
    return _round_sat(v, 2.0 ** frac, 2.0 ** (bits - 1))


@njit(cache=True)
def fixed_quantise(x, bits, frac, out):
    """out = fixed_round(x) element-wise (out may be x)."""
    s, m = 2.0 ** frac, 2.0 ** (bits - 1)
    for i in range(x.size):
        out[i] = _round_sat(x[i], s, m)


@njit(cache=True)
def quantise_vec(v, model, bits, frac, tmp):
    """In place: fixed point (MODEL_FIXED) or `bits` bits with one power-of-two scale; bits <= 0: exact."""
    if bits <= 0:
        return
    if model == MODEL_FIXED:
        fixed_quantise(v, bits, frac, v)
        return
    q = tmp[: v.size]
    s = pow2_quantise(v, bits, False, q)
    for i in range(v.size):
        v[i] = s * q[i]


def weight_codes(w0: np.ndarray, eps: float, bits: int) -> np.ndarray:
    """The few-bit state quantiser: q = clip(rint(w/ε), ±(2^(bits−1) − 1)), as float64 codes."""
    qmax = 2.0 ** (bits - 1) - 1
    return np.clip(np.rint(w0 / eps), -qmax, qmax)


def code_device(ideal: DeviceModel, bits: int) -> DeviceModel:
    """The built-in ideal device re-scaled for integer weight codes: one step = one code, range ±qmax,
    no read noise, no drift (what chi_update pulses for the χ-digital model)."""
    p = ideal.params.copy()
    qmax = 2.0 ** (bits - 1) - 1
    p[[K.P_G_MIN, K.P_G_MAX, K.P_STEP_US, K.P_G_RESET, K.P_G_RESET_STD, K.P_NOISE_SLOPE, K.P_NOISE_OFFSET_US,
       K.P_NU_MEAN, K.P_NU_STD]] = (-qmax, qmax, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    return dataclasses.replace(ideal, name=f"{bits}-bit weight codes", params=p)


# ---------------------------------------------------------------- the fused loop (numba)
@njit(cache=True)
def _buffers(ws):
    """The fused MCA loop's per-layer scratch vectors (make_buffers) and one vector of the widest layer."""
    ins, xq, zs, _, ds, dq, es, nzx, nzd = make_buffers(ws)
    n = 1
    for l in range(len(ws)):
        n = max(n, ws[l].shape[0], ws[l].shape[1])
    return ins, es, zs, ds, xq, dq, nzx, nzd, np.zeros(n)


@njit(cache=True)
def forward(x, ws, gains, acts, has_bias, ip, ins, zs, probs, tmp):
    """Quantised forward pass of one image: fills ins[l] (layer inputs incl. bias) and probs."""
    L = len(ws)
    model = ip[I_MODEL]
    ins[0][: x.size] = x
    if has_bias[0]:
        ins[0][x.size] = 1.0
    quantise_vec(ins[0], model, ip[I_A_BITS], ip[I_A_FRAC], tmp)
    for l in range(L):
        w, a, z = ws[l], ins[l], zs[l]
        z[:] = 0.0
        for i in range(a.size):
            ai = a[i]
            if ai != 0.0:
                row = w[i]
                for j in range(z.size):
                    z[j] += ai * row[j]
        g = gains[l]
        for j in range(z.size):
            z[j] *= g
        if model == MODEL_FIXED:
            quantise_vec(z, model, ip[I_ACC_BITS], ip[I_ACC_FRAC], tmp)
        if l < L - 1:
            _activate(z, acts[l], ins[l + 1])
            if has_bias[l + 1]:
                ins[l + 1][z.size] = 1.0
            quantise_vec(ins[l + 1], model, ip[I_A_BITS], ip[I_A_FRAC], tmp)
        else:
            _activate(z, acts[l], probs)


@njit(cache=True)
def train_chunk(X, Y, order, start, stop, ws, refs, nps, nms, chis, gains, acts, has_bias, kind, P, g_edges,
                dg_grid, set_cdf, reset_cdf, lr, ip, stats):
    """Train on images order[start:stop] (batch size 1); returns (online-correct count, summed loss)."""
    L = len(ws)
    model = ip[I_MODEL]
    ins, es, zs, ds, xq, dq, nzx, nzd, tmp = _buffers(ws)
    probs = np.zeros(ws[L - 1].shape[1])
    correct = 0
    loss = 0.0
    for k in range(start, stop):
        n = order[k]
        forward(X[n].astype(np.float64), ws, gains, acts, has_bias, ip, ins, zs, probs, tmp)
        label = Y[n]
        if np.argmax(zs[L - 1]) == label:
            correct += 1
        loss += softmax_xent_error(probs, label, ds[L - 1])
        quantise_vec(ds[L - 1], model, ip[I_A_BITS], ip[I_A_FRAC], tmp)
        for l in range(L - 1, 0, -1):
            w, d, e = ws[l], ds[l], es[l]
            for i in range(e.size):
                s = 0.0
                row = w[i]
                for j in range(d.size):
                    s += row[j] * d[j]
                e[i] = gains[l] * s
            if model == MODEL_FIXED:
                quantise_vec(e, model, ip[I_ACC_BITS], ip[I_ACC_FRAC], tmp)
            prev, a = ds[l - 1], ins[l]
            for i in range(prev.size):
                prev[i] = e[i] * _grad(a[i], acts[l - 1])
            quantise_vec(prev, model, ip[I_A_BITS], ip[I_A_FRAC], tmp)
        for l in range(L):
            if model == MODEL_CHI:
                chi_step(ins[l], ds[l], lr, ip, gains[l], ws[l], refs[l], nps[l], nms[l], chis[l], kind, P, g_edges,
                         dg_grid, set_cdf, reset_cdf, xq[l], dq[l], nzx[l], nzd[l], stats[l], l == L - 1)
            else:
                fixed_sgd(ins[l], ds[l], lr, ws[l], ip[I_W_BITS], ip[I_W_FRAC], stats[l])
    return correct, loss


@njit(cache=True)
def chi_step(x, d, lr, ip, eps, w, ref, np_, nm, chi, kind, P, g_edges, dg_grid, set_cdf, reset_cdf, xq, dq, nzx,
             nzd, stats, out=False):
    """The χ-digital update of one layer for one image: MCA's chi_update (χ += −η·x·δᵀ with x, δ in
    ip[I_UPDATE_BITS] bits; p = trunc(χ/ε) pulses) in one-device mode on the integer codes `w` (the
    code_device pack: one pulse = ±1 code, saturating at ±qmax; `ref` = 0)."""
    round_d, shift_d = (ip[I_ROUND_D_OUT], ip[I_SHIFT_D_OUT]) if out else (ip[I_ROUND_D], ip[I_SHIFT_D])
    chi_update(x, d, -lr, ip[I_UPDATE_BITS], ip[I_ROUND_X], round_d, ip[I_SHIFT_X], shift_d, eps, eps, 1.0,
               MODE_ONE_DEVICE, False,
               ip[I_MAX_PULSES], w, ref, np_, nm, chi, kind, P, g_edges, dg_grid, set_cdf, reset_cdf, xq, dq, nzx,
               nzd, stats)


@njit(cache=True)
def fixed_sgd(x, d, lr, w, bits, frac, stats):
    """w ← sat(round(w − lr·x·δᵀ)) in the weight format (rows with x_i = 0 are unchanged exactly)."""
    s, m = 2.0 ** frac, 2.0 ** (bits - 1)
    nx = 0
    nd = 0
    for j in range(d.size):
        nd += d[j] != 0.0
    for i in range(x.size):
        xi = x[i]
        if xi == 0.0:
            continue
        nx += 1
        c = lr * xi
        row = w[i]
        for j in range(d.size):
            row[j] = _round_sat(row[j] - c * d[j], s, m)
    stats[S_X_NZ] += nx
    stats[S_D_NZ] += nd
    stats[S_NZ_UPDATES] += nx * nd
    stats[S_SET] += w.size  # dense SGD: every weight is read and written once per image


@njit(cache=True)
def evaluate(X, Y, ws, gains, acts, has_bias, ip):
    """Correct predictions with quantised forward passes."""
    L = len(ws)
    ins, es, zs, ds, xq, dq, nzx, nzd, tmp = _buffers(ws)
    probs = np.zeros(ws[L - 1].shape[1])
    correct = 0
    for n in range(X.shape[0]):
        forward(X[n].astype(np.float64), ws, gains, acts, has_bias, ip, ins, zs, probs, tmp)
        if np.argmax(zs[L - 1]) == Y[n]:
            correct += 1
    return correct


# ---------------------------------------------------------------- the strategy
def dense_activations(network) -> list[int]:
    """Activation codes of a dense stack (the last one the softmax of the loss); UnsupportedNetwork else."""
    acts = network.dense_activation_codes()
    if acts is None:
        raise UnsupportedNetwork("the digital functional models cover dense layers with element-wise activations")
    return acts


class DigitalTrainer(Strategy):
    """Trains a dense FunctionalNetwork with a digital design's number formats (DigitalSettings)."""

    def __init__(self, network, settings: TrainSettings, digital: DigitalSettings, device: DeviceModel | None,
                 algorithm: str):
        super().__init__(network, settings)
        if settings.batch_size != 1 or settings.momentum or settings.weight_decay or not network.softmax_in_loss:
            raise UnsupportedNetwork("the digital functional models train at batch size 1 with plain SGD and a "
                                     "softmax output")
        self.algorithm, self.digital = algorithm, digital
        self.model = MODEL_NAMES[digital.model]
        self.acts = np.array(dense_activations(network), dtype=np.int64)
        self.has_bias = np.array([layer.bias for layer in self.layers], dtype=np.bool_)
        n = len(self.layers)
        per = lambda v: tuple(v) * n if len(v) == 1 else tuple(v)  # noqa: E731
        chi = self.model == MODEL_CHI
        self.gains = np.array(per(digital.epsilon) if chi else (1.0,) * n, dtype=np.float64)
        self.init_std = per(digital.init_std)
        if chi and device is None:
            raise ValueError("the χ-digital model needs the ideal device pack (code_device)")
        self.device = code_device(device, digital.weight_bits) if chi else None
        d = digital
        self.ip = np.zeros(15, dtype=np.int64)
        self.ip[:] = (self.model, d.weight_bits, d.frac(d.weight_bits), d.act_bits, d.frac(d.act_bits), d.acc_bits,
                      d.frac(d.acc_bits), d.update_bits, 2 * d.qmax, *d.rounding, *d.shifts)
        if self.model == MODEL_FIXED and min(d.frac(b) for b in (d.weight_bits, d.act_bits, d.acc_bits)) < 0:
            raise UnsupportedNetwork(f"fixed point: sign + {d.int_bits} integer bits (functional.fixed_int_bits) do "
                                     f"not fit in {min(d.weight_bits, d.act_bits, d.acc_bits)}-bit words")
        self.ws: list[np.ndarray] = []

    def init(self, seed: int) -> None:
        rng = np.random.default_rng([seed, PURPOSE_INIT])
        d = self.digital
        if self.model == MODEL_FIXED:
            self.ws = [np.ascontiguousarray(layer.W, dtype=np.float64) for layer in self.layers]
            for w in self.ws:
                fixed_quantise(w.reshape(-1), d.weight_bits, d.frac(d.weight_bits), w.reshape(-1))
        else:
            self.ws = [weight_codes(rng.normal(0.0, s, layer.W.shape), e, d.weight_bits)
                       for layer, s, e in zip(self.layers, self.init_std, self.gains)]
        shapes = [w.shape for w in self.ws]
        self.refs = [np.zeros(s) for s in shapes]
        self.chis = [np.zeros(s) for s in shapes]
        self.nps = [np.zeros(s, np.int32) for s in shapes]
        self.nms = [np.zeros(s, np.int32) for s in shapes]

    def weights(self) -> list[np.ndarray]:
        """The weights in weight units (codes × ε for the χ-digital model)."""
        return [w * g for w, g in zip(self.ws, self.gains)]

    def state(self) -> dict[str, np.ndarray]:
        out = {f"w{i}": w for i, w in enumerate(self.ws)}
        out.update({f"chi{i}": c for i, c in enumerate(self.chis)})
        return out

    def load_state(self, arrays: dict[str, np.ndarray]) -> None:
        for i, w in enumerate(self.ws):
            w[...] = arrays[f"w{i}"]
            self.chis[i][...] = arrays[f"chi{i}"]

    def _dev(self) -> tuple:
        if self.device is not None:
            return self.device.arrays
        z1, z2 = np.zeros(2), np.zeros((1, 2))
        return K.KIND_IDEAL, np.zeros(K.N_PARAMS), z1, z1, z2, z2

    def train_epoch(self, x, y, order, seed: int, epoch: int, progress: bool = True):
        self.stats[:] = 0.0
        seed_numba(derived_seed(seed, epoch, PURPOSE_TRAIN))
        lr = self.settings.schedule.at(epoch)
        correct, loss = 0, 0.0
        t0 = time.perf_counter()
        for start, stop, bar in chunked(len(order), f"{self.algorithm} epoch {epoch + 1}", progress):
            c, l_ = train_chunk(x, y, order, start, stop, tuple(self.ws), tuple(self.refs), tuple(self.nps),
                                tuple(self.nms), tuple(self.chis), self.gains, self.acts, self.has_bias,
                                *self._dev(), lr, self.ip, self.stats)
            correct, loss = correct + c, loss + l_
            if bar is not None:
                bar.set_postfix(acc=f"{correct / stop:.4f}")
        return correct, loss / len(order), len(order) / (time.perf_counter() - t0)

    def test_correct(self, x, y, seed: int, epoch: int, purpose: int = PURPOSE_TEST) -> int:
        return evaluate(x, y, tuple(self.ws), self.gains, self.acts, self.has_bias, self.ip)


def initial_spread(epsilon: tuple[float, ...], epsilon_g_us: float, init_g_std_us: float) -> tuple[float, ...]:
    """σ0 per layer: the weight spread of MCA's initial pairs, β·√2·σ_G (β = ε/ΔG)."""
    return tuple(e / epsilon_g_us * math.sqrt(2.0) * init_g_std_us for e in epsilon)
