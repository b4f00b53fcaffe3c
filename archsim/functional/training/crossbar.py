"""Crossbar trainers (MCA, direct-update ablation, one device + reference, crossbar-compatible
coincidence update) over the layer stack.

Every weighted layer is an AnalogArray of differential pairs W = β·(G⁺ − G⁻), β = ε/ΔG(ε), or of N
devices per sign W = β·Σ_k (G⁺_k − G⁻_k) (`devices_per_sign`, multi-device synapse of Boybat et al.,
Nat. Commun. 2018: one global counter picks the device pair k that receives every pulse of an update and
advances after each update, so each device sees 1/N of the pulses): forward and backward MVMs are noisy
crossbar reads through DAC/ADC; everything else (activations, pooling,
batch norm and its parameters) is the digital unit. The weight update of a batch:
- the digital unit forms the batch gradient g = Σ_images Σ_positions x·δᵀ (x and δ optionally
  quantised to `update_bits` with shared power-of-two scales per vector);
- the optimizer step in high precision: v ← μ·v + g (μ = momentum; v = g for plain SGD);
- χ += −η·v, and every weight with |χ| ≥ ε gets p = trunc(χ/ε) pulses, χ −= p·ε
  (crossbar/batch_update.py, the per-weight rule of crossbar/update.py); pulses once per batch;
- refresh of saturated pairs every `refresh_interval_images` images (crossbar/refresh.py).
At batch size 1 with plain SGD the update is the per-image kernel chi_update (crossbar/update.py:
3-bit quantised x and δ, direct-update and one-device pulse rules) or, for `crossbar_compatible`,
xbar_update (crossbar/crossbar_compatible.py, batch size 1 and dense layers only); for networks of
dense layers the whole epoch runs in the fused numba loop (training/fused_dense.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numba import njit

from archsim.functional.crossbar.analog import AnalogArray, ReadIO
from archsim.functional.crossbar.batch_update import apply_increment
from archsim.functional.crossbar.crossbar_compatible import xbar_update
from archsim.functional.crossbar.normal import NoiseStream
from archsim.functional.crossbar.quantize import pow2_quantise
from archsim.functional.crossbar.refresh import refresh_pairs
from archsim.functional.crossbar.update import (MODE_DIRECT, MODE_MCA, MODE_ONE_DEVICE, MODE_XBAR, S_CHI_READS,
                                                S_CHI_WRITES, chi_update)
from archsim.functional.devices.model import DeviceModel
from archsim.functional.training import fused_dense as FK
from archsim.functional.training.optim import SGD
from archsim.functional.training.progress import chunked
from archsim.functional.training.strategy import (PURPOSE_INIT, PURPOSE_NOISE, PURPOSE_TEST, PURPOSE_TRAIN, Strategy,
                                                  TrainSettings, count_nonzero_products, derived_seed)

MODES = {"mca": MODE_MCA, "direct": MODE_DIRECT, "mca_one_device": MODE_ONE_DEVICE, "crossbar_compatible": MODE_XBAR}


@dataclass(frozen=True)
class CrossbarSettings:
    """Device programming, converters and tiles of the crossbar trainers (from the functional config)."""

    epsilon: tuple[float, ...] = (0.096,)   # per weighted layer: weight change of one mean SET pulse
    epsilon_g_us: float = 0.77              # the mean ΔG of that pulse; β = ε / ΔG per layer
    epsilon_reset: tuple[float, ...] | None = None
    reference_g_us: float = 6.0
    init_g_mean_us: float = 1.6
    init_g_std_us: float = 0.83
    init_pulse_count: int = 3
    max_pulses_per_update: int = 10
    refresh_interval_images: int = 100
    refresh_threshold_us: float = 9.0
    refresh_tolerance_us: float = 0.385
    refresh_max_pulses: int = 20
    refresh_read_averages: int = 1          # reads averaged per refresh difference / verify read
    refresh_lower_threshold_us: float = 2.0  # refresh only pairs whose other device also reads above this
    refresh_pulsed: bool = False            # lower devices by RESET pulses (jump table) instead of a full RESET
    update_bits: int = 0
    round_x: int = 1                        # quantize.ROUNDING_CODES of x, hidden-layer δ, output-layer δ
    round_d: int = 1
    round_d_out: int = 1
    shift_x: int = 0                        # scale offsets of the shared power-of-two scales (quantize.pow2_scale)
    shift_d: int = 0
    shift_d_out: int = 0
    direct_stochastic: bool = True          # direct update: stochastic (else nearest) rounding of ΔW/ε
    xbar_slots: int = 32                    # crossbar_compatible: max pulse-train slots per update
    xbar_reset_fraction: float = 1.0        # crossbar_compatible: RESET-column firing probability / SET column
    read_noise: bool = True
    forward_io: tuple[ReadIO, ...] = ()     # one per weighted layer
    backward_io: tuple[ReadIO, ...] = ()
    tile_rows: int | None = None            # None: one array per layer (per_layer mapping)
    tile_cols: int | None = None
    devices_per_sign: int = 1               # N devices per sign of a weight (design: devices_per_weight = 2N)
    fused: bool = True                      # allow the fused dense fast path


@dataclass
class CrossbarState:
    """Device conductances (µS) and pulse counts since RESET as (N, rows, cols) stacks per layer, χ per
    weight, and counter = [images seen, weight updates applied] (the multi-device arbitration counter)."""

    gp: list[np.ndarray]
    gm: list[np.ndarray]
    np_: list[np.ndarray]
    nm: list[np.ndarray]
    chi: list[np.ndarray]
    counter: np.ndarray

    def arrays(self) -> dict[str, np.ndarray]:
        out = {"counter": self.counter}
        for name in ("gp", "gm", "np_", "nm", "chi"):
            for i, a in enumerate(getattr(self, name)):
                out[f"{name}{i}"] = a
        return out

    def load(self, d: dict[str, np.ndarray]) -> None:
        """Copy saved arrays in place (the layers' AnalogArrays keep referring to these buffers)."""
        for name in ("gp", "gm", "np_", "nm", "chi"):
            for i, a in enumerate(getattr(self, name)):
                a[...] = d[f"{name}{i}"]  # a one-device (rows, cols) array of older checkpoints broadcasts
        saved = d["counter"]
        self.counter[: saved.size] = saved


@njit(cache=True)
def quantise_rows(x2d, bits, rounding, shift, out):
    """pow2_quantise every row (one vector per image and conv position); out = scale·q (dequantised)."""
    q = np.empty(x2d.shape[1])
    for r in range(x2d.shape[0]):
        s = pow2_quantise(x2d[r].astype(np.float64), bits, rounding, q, shift)
        for i in range(q.size):
            out[r, i] = s * q[i]


class CrossbarTrainer(Strategy):
    """Trains a FunctionalNetwork on PCM crossbars with one of MODES."""

    def __init__(self, network, settings: TrainSettings, algorithm: str, cb: CrossbarSettings,
                 device: DeviceModel):
        super().__init__(network, settings)
        if algorithm not in MODES:
            raise ValueError(f"unknown crossbar algorithm {algorithm!r}; allowed: {', '.join(MODES)}")
        self.algorithm, self.mode, self.cb, self.device = algorithm, MODES[algorithm], cb, device
        if self.mode == MODE_XBAR and (settings.batch_size != 1 or settings.momentum):
            raise ValueError("crossbar_compatible updates image by image: batch size 1, no momentum")
        if cb.devices_per_sign < 1 or (cb.devices_per_sign > 1 and self.mode not in (MODE_MCA, MODE_DIRECT)):
            raise ValueError(f"{algorithm} programs one device pair per weight (devices_per_sign 1); got "
                             f"{cb.devices_per_sign}")
        n = len(self.layers)
        self.eps = list(cb.epsilon) * n if len(cb.epsilon) == 1 else list(cb.epsilon)
        self.betas = [e / cb.epsilon_g_us for e in self.eps]
        reset = cb.epsilon_reset if (self.mode == MODE_ONE_DEVICE and cb.epsilon_reset) else None
        self.eps_neg = self.eps if reset is None else (list(reset) * n if len(reset) == 1 else list(reset))
        analog = {id(layer.W) for layer in self.layers}
        self.opt = SGD([p for p in network.all_params() if id(p.value) not in analog], settings.momentum,
                       settings.weight_decay)
        self.velocity = [np.zeros(layer.W.shape) for layer in self.layers] if settings.momentum else []
        self.state_ = None
        self.noise = NoiseStream(0)
        self.fused = self._fused_plan()

    # ------------------------------------------------------------------ set-up
    def init(self, seed: int) -> None:
        """Devices start at N(init mean, init std) clipped to the device range; χ = 0."""
        rng = np.random.default_rng([seed, PURPOSE_INIT])
        d, cb = self.device, self.cb
        shapes = [(cb.devices_per_sign, *layer.W.shape) for layer in self.layers]
        lo, hi = d.p(0), d.p(1)
        draw = lambda shape: np.clip(rng.normal(cb.init_g_mean_us, cb.init_g_std_us, shape), lo, hi)  # noqa: E731
        gp = [draw(s) for s in shapes]
        if self.mode == MODE_ONE_DEVICE:
            gp = [g + cb.reference_g_us - cb.init_g_mean_us for g in gp]
            gm = [np.full(s, cb.reference_g_us) for s in shapes]
        else:
            gm = [draw(s) for s in shapes]
        counts = lambda: [np.full(s, cb.init_pulse_count, dtype=np.int32) for s in shapes]  # noqa: E731
        self.state_ = CrossbarState(gp, gm, counts(), counts(), [np.zeros(s[1:]) for s in shapes],
                                    np.zeros(2, dtype=np.int64))
        for k, layer in enumerate(self.layers):
            layer.array = AnalogArray(
                gp[k], gm[k], self.betas[k], self.device, cb.forward_io[k], cb.backward_io[k], cb.read_noise,
                self.noise, fan_in=layer.fan_in, tile_rows=cb.tile_rows, tile_cols=cb.tile_cols,
                dtype=layer.dtype)
            layer.compute_grad = cb.update_bits == 0
        for v in self.velocity:
            v[:] = 0.0

    def state(self) -> dict[str, np.ndarray]:
        out = self.state_.arrays()
        out.update({f"net/{k}": v for k, v in self.network.state().items()})
        out.update({f"opt/{k}": v for k, v in self.opt.velocity.items()})
        out.update({f"velocity{k}": v for k, v in enumerate(self.velocity)})
        return out

    def load_state(self, arrays: dict[str, np.ndarray]) -> None:
        self.state_.load(arrays)
        net = {k[4:]: v for k, v in arrays.items() if k.startswith("net/")}
        self.network.load_state({**self.network.state(), **net})
        for k, v in self.opt.velocity.items():
            v[...] = arrays[f"opt/{k}"]
        for k, v in enumerate(self.velocity):
            v[...] = arrays[f"velocity{k}"]
        self._changed()

    def layer_facts(self) -> list[dict]:
        """Mean conductance of the layer's devices (µS): what its crossbar reads draw current through."""
        return [{"mean_g_us": float((gp.mean() + gm.mean()) / 2)} for gp, gm in zip(self.state_.gp, self.state_.gm)]

    def weights(self) -> list[np.ndarray]:
        """Noise-free weights β·Σ_k (G⁺_k − G⁻_k) per layer."""
        return [layer.array.weights() for layer in self.layers]

    def _changed(self) -> None:
        for layer in self.layers:
            layer.array.mark_changed()

    def _set_noise(self, *seed: int) -> None:
        self.noise = NoiseStream(list(seed))
        for layer in self.layers:
            layer.array.noise = self.noise

    # ------------------------------------------------------------------ epochs
    def begin_epoch(self, seed: int, epoch: int) -> None:
        FK.seed_numba(derived_seed(seed, epoch, PURPOSE_TRAIN))
        self._set_noise(seed, epoch, PURPOSE_NOISE)

    def begin_test(self, seed: int, epoch: int, purpose: int = PURPOSE_TEST) -> None:
        FK.seed_numba(derived_seed(seed, epoch, purpose))
        self._set_noise(seed, epoch, purpose)

    def train_epoch(self, x, y, order, seed: int, epoch: int, progress: bool = True):
        if self.fused is None:
            return super().train_epoch(x, y, order, seed, epoch, progress)
        self.stats[:] = 0.0
        self.begin_epoch(seed, epoch)
        hp = self._hp(self.settings.schedule.at(epoch))
        st, (acts, has_bias, ip, adc_fwd, adc_bwd) = self.state_, self.fused
        correct, loss = 0, 0.0
        t0 = time.perf_counter()
        for start, stop, bar in chunked(len(order), f"{self.algorithm} epoch {epoch + 1}", progress):
            c, l_ = FK.train_chunk(x, y, order, start, stop, *self._pairs(0), tuple(st.chi), acts, has_bias,
                                   *self.device.arrays, hp, ip, adc_fwd, adc_bwd, st.counter, self.stats)
            correct, loss = correct + c, loss + l_
            if bar is not None:
                bar.set_postfix(acc=f"{correct / stop:.4f}")
        self._changed()
        return correct, loss / len(order), len(order) / (time.perf_counter() - t0)

    def test_correct(self, x, y, seed: int, epoch: int, purpose: int = PURPOSE_TEST) -> int:
        if self.fused is None:
            return super().test_correct(x, y, seed, epoch, purpose)
        FK.seed_numba(derived_seed(seed, epoch, purpose))
        acts, has_bias, ip, adc_fwd, _ = self.fused
        scale = np.array([layer.array.output_scale for layer in self.layers])
        return FK.evaluate(x, y, *self._pairs(0)[:2], acts, has_bias, self.device.params,
                           self._hp(0.0), ip, adc_fwd, scale)

    # ------------------------------------------------------------------ the update
    def _pairs(self, k: int) -> tuple[tuple[np.ndarray, ...], ...]:
        """(G⁺, G⁻, n⁺, n⁻) of device pair k of every layer (2-D views into the stacks)."""
        st = self.state_
        return tuple(tuple(a[k] for a in arrays) for arrays in (st.gp, st.gm, st.np_, st.nm))

    def apply_update(self, lr: float, batch: int) -> None:
        st, cb, dev = self.state_, self.cb, self.device.arrays
        self.opt.step(lr)
        # the global counter picks the device pair of this update (always 0 for one pair per sign)
        gps, gms, nps, nms = self._pairs(int(st.counter[1]) % cb.devices_per_sign)
        plain = batch == 1 and not self.settings.momentum
        for k, layer in enumerate(self.layers):
            stats = self.stats[k]
            if plain and layer.x2d.shape[0] == 1:   # one image, one position: the per-image kernel
                x = np.ascontiguousarray(layer.x2d[0], dtype=np.float64)
                d = np.ascontiguousarray(layer.g2d[0], dtype=np.float64)
                nzx, nzd = np.zeros(x.size, np.int64), np.zeros(d.size, np.int64)
                if self.mode == MODE_XBAR:
                    xbar_update(x, d, lr, cb.xbar_slots, cb.xbar_reset_fraction, self.eps[k], gps[k], gms[k],
                                nps[k], nms[k], *dev, nzx, nzd, stats)
                    continue
                out = k == len(self.layers) - 1
                chi_update(x, d, -lr, cb.update_bits, cb.round_x, cb.round_d_out if out else cb.round_d, cb.shift_x,
                           cb.shift_d_out if out else cb.shift_d, self.eps[k], self.eps_neg[k], self.betas[k],
                           self.mode, cb.direct_stochastic, cb.max_pulses_per_update, gps[k], gms[k], nps[k],
                           nms[k], st.chi[k], *dev, np.zeros(x.size), np.zeros(d.size), nzx, nzd, stats)
                continue
            if self.mode == MODE_XBAR:
                raise ValueError("crossbar_compatible updates dense layers image by image (one position per image)")
            grad = self._gradient(layer, stats, k == len(self.layers) - 1)
            if self.settings.momentum:
                v = self.velocity[k]
                v *= self.settings.momentum
                v += grad
                step = v
            else:
                step = grad
            delta = -lr * step
            # χ accesses: momentum updates every χ from the dense velocity; SGD only the gradient's non-zeros
            touched = delta.size if self.settings.momentum else int(np.count_nonzero(delta))
            stats[S_CHI_READS] += touched
            stats[S_CHI_WRITES] += touched
            apply_increment(delta, st.chi[k], self.eps[k], self.eps_neg[k], self.betas[k], self.mode,
                            cb.direct_stochastic, cb.max_pulses_per_update, gps[k], gms[k], nps[k], nms[k],
                            *dev, stats)
        before = int(st.counter[0])
        st.counter[0] += batch
        st.counter[1] += 1
        interval = cb.refresh_interval_images
        if self.mode != MODE_ONE_DEVICE and interval > 0 and st.counter[0] // interval > before // interval:
            for k in range(len(self.layers)):
                for pair in range(cb.devices_per_sign):
                    refresh_pairs(st.gp[k][pair], st.gm[k][pair], st.np_[k][pair], st.nm[k][pair],
                                  cb.refresh_threshold_us, cb.refresh_lower_threshold_us, cb.refresh_tolerance_us,
                                  cb.refresh_max_pulses, cb.refresh_read_averages, cb.refresh_pulsed, *dev,
                                  self.stats[k])
        self._changed()

    def _gradient(self, layer, stats, output_layer: bool) -> np.ndarray:
        """The batch gradient Σ x·δᵀ in float64 (quantised x and δ when update_bits > 0), with counts."""
        x2d, g2d, cb = layer.x2d, layer.g2d, self.cb
        if cb.update_bits:
            xq, dq = np.empty(x2d.shape, np.float64), np.empty(g2d.shape, np.float64)
            quantise_rows(x2d, cb.update_bits, cb.round_x, cb.shift_x, xq)
            quantise_rows(g2d, cb.update_bits, cb.round_d_out if output_layer else cb.round_d,
                          cb.shift_d_out if output_layer else cb.shift_d, dq)
            x2d, g2d = xq, dq
            grad = x2d.T @ g2d
        else:
            grad = layer.dW.astype(np.float64)
        count_nonzero_products(x2d, g2d, stats)
        return grad

    # ------------------------------------------------------------------ the fused dense fast path
    def _fused_plan(self):
        """Arguments of the fused kernel when it computes this training exactly, else None."""
        cb, s, net = self.cb, self.settings, self.network
        one_tile = all(layer.rows <= (cb.tile_rows or layer.rows) and layer.cols <= (cb.tile_cols or layer.cols)
                       for layer in self.layers)
        if not (cb.fused and cb.devices_per_sign == 1 and s.batch_size == 1 and not s.momentum and not s.weight_decay
                and net.dense_stack() and net.softmax_in_loss and one_tile):
            return None
        if len(set(self.eps)) > 1 or len(set(self.eps_neg)) > 1:
            return None
        if any(io.out_noise_us or io.bound_management for io in cb.forward_io + cb.backward_io):
            return None
        acts = net.dense_activation_codes()
        if acts is None:
            return None
        if any(io.dac_bits != cb.forward_io[0].dac_bits for io in cb.forward_io + cb.backward_io) or \
                any(io.adc_bits != cb.forward_io[0].adc_bits for io in cb.forward_io + cb.backward_io):
            return None
        ip = np.zeros(FK.N_IP, dtype=np.int64)
        ip[[FK.I_DAC_BITS, FK.I_ADC_BITS, FK.I_UPDATE_BITS, FK.I_NOISY, FK.I_MODE, FK.I_REFRESH_INTERVAL,
            FK.I_MAX_PULSES, FK.I_REFRESH_MAX, FK.I_ROUND_X, FK.I_ROUND_D, FK.I_ROUND_D_OUT, FK.I_SHIFT_X,
            FK.I_SHIFT_D, FK.I_SHIFT_D_OUT, FK.I_DIRECT_STOCHASTIC, FK.I_REFRESH_PULSED, FK.I_XBAR_BL, FK.I_REFRESH_READS]] = (
            cb.forward_io[0].dac_bits, cb.forward_io[0].adc_bits, cb.update_bits, int(cb.read_noise), self.mode,
            cb.refresh_interval_images, cb.max_pulses_per_update, cb.refresh_max_pulses, cb.round_x, cb.round_d,
            cb.round_d_out, cb.shift_x, cb.shift_d, cb.shift_d_out, int(cb.direct_stochastic),
            int(cb.refresh_pulsed), cb.xbar_slots, cb.refresh_read_averages)
        has_bias = np.array([layer.bias for layer in self.layers], dtype=np.bool_)
        adc_fwd = np.array([io.adc_range_us for io in cb.forward_io], dtype=np.float64)
        adc_bwd = np.array([io.adc_range_us for io in cb.backward_io], dtype=np.float64)
        return np.array(acts, dtype=np.int64), has_bias, ip, adc_fwd, adc_bwd

    def _hp(self, lr: float) -> np.ndarray:
        cb = self.cb
        hp = np.zeros(FK.N_HP)
        hp[[FK.H_LR, FK.H_BETA, FK.H_EPS, FK.H_EPS_NEG, FK.H_REFRESH_THR_US, FK.H_REFRESH_TOL_US,
            FK.H_REFRESH_LOWER_US, FK.H_XBAR_RESET_FRACTION]] = (
            lr, self.betas[0], self.eps[0], self.eps_neg[0], cb.refresh_threshold_us, cb.refresh_tolerance_us,
            cb.refresh_lower_threshold_us, cb.xbar_reset_fraction)
        return hp
