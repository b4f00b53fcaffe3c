"""Crossbar trainers (MCA, direct-update ablation, one device + reference): state, epochs, evaluation.

The heavy work runs in mca_kernel (numba). Every epoch re-seeds numba's generator from
(seed, epoch, purpose) so a run resumed from an epoch checkpoint continues bit-identically.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from archsim.config.functional import FunctionalConfig
from archsim.functional.crossbar.quantize import ROUNDING_CODES
from archsim.functional.crossbar.update import MODE_DIRECT, MODE_MCA, MODE_ONE_DEVICE, MODE_XBAR, N_STATS
from archsim.functional.devices.model import DeviceModel
from archsim.functional.networks.mlp import MlpSpec
from archsim.functional.training import mca_kernel as MK
from archsim.functional.training.progress import chunked

MODES = {"mca": MODE_MCA, "direct": MODE_DIRECT, "mca_one_device": MODE_ONE_DEVICE, "crossbar_compatible": MODE_XBAR}
PURPOSE_TRAIN, PURPOSE_TEST = 1, 2


def derived_seed(*parts: int) -> int:
    """A 32-bit seed derived from (seed, epoch, purpose, ...) via SeedSequence."""
    return int(np.random.SeedSequence(list(parts)).generate_state(1)[0])


@dataclass
class CrossbarState:
    """Device conductances (µS), pulse counts since RESET, χ per weight, images seen."""

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

    @classmethod
    def from_arrays(cls, d: dict[str, np.ndarray], n_layers: int) -> "CrossbarState":
        pick = lambda name: [np.ascontiguousarray(d[f"{name}{i}"]) for i in range(n_layers)]  # noqa: E731
        return cls(pick("gp"), pick("gm"), pick("np_"), pick("nm"), pick("chi"), np.array(d["counter"]))


def _per_layer(value, n: int) -> np.ndarray:
    vals = value if isinstance(value, list) else [value] * n
    if len(vals) != n:
        raise ValueError(f"expected {n} per-layer values, got {len(vals)}")
    return np.asarray(vals, dtype=np.float64)


class CrossbarTrainer:
    """Trains an MlpSpec on differential (or one-device) PCM crossbars with one of MODES."""

    def __init__(self, spec: MlpSpec, cfg: FunctionalConfig, device: DeviceModel, algorithm: str):
        self.spec, self.cfg, self.device, self.algorithm = spec, cfg, device, algorithm
        self.mode = MODES[algorithm]
        self.beta = cfg.epsilon / cfg.epsilon_g_us
        self.acts = np.array([MK.ACT_CODES[a] for a in spec.activations], dtype=np.int64)
        self.has_bias = spec.bias_array()
        eps_neg = cfg.epsilon_reset if (self.mode == MODE_ONE_DEVICE and cfg.epsilon_reset) else cfg.epsilon
        self.hp = np.zeros(MK.N_HP)
        self.hp[[MK.H_BETA, MK.H_EPS, MK.H_EPS_NEG, MK.H_REFRESH_THR_US, MK.H_REFRESH_TOL_US, MK.H_REFRESH_LOWER_US,
                 MK.H_XBAR_RESET_FRACTION]] = (
            self.beta, cfg.epsilon, eps_neg, cfg.refresh_threshold_us, cfg.refresh_tolerance_us,
            cfg.refresh_lower_threshold_us, cfg.xbar_reset_fraction)
        rounding_d = cfg.update_rounding_error or cfg.update_rounding
        shift_d = cfg.update_scale_shift_error if cfg.update_scale_shift_error is not None else cfg.update_scale_shift
        self.ip = np.zeros(MK.N_IP, dtype=np.int64)
        self.ip[[MK.I_DAC_BITS, MK.I_ADC_BITS, MK.I_UPDATE_BITS, MK.I_NOISY, MK.I_MODE, MK.I_REFRESH_INTERVAL,
                 MK.I_MAX_PULSES, MK.I_REFRESH_MAX, MK.I_ROUND_X, MK.I_ROUND_D, MK.I_ROUND_D_OUT,
                 MK.I_SHIFT_X, MK.I_SHIFT_D, MK.I_SHIFT_D_OUT, MK.I_DIRECT_STOCHASTIC, MK.I_REFRESH_PULSED, MK.I_XBAR_BL]] = (
            cfg.dac_bits, cfg.adc_bits, cfg.update_bits, int(cfg.read_noise), self.mode,
            cfg.refresh_interval_images, cfg.max_pulses_per_update, cfg.refresh_max_pulses,
            ROUNDING_CODES[cfg.update_rounding], ROUNDING_CODES[rounding_d],
            ROUNDING_CODES[cfg.update_rounding_output_error or rounding_d], cfg.update_scale_shift,
            shift_d, cfg.update_scale_shift_output_error if cfg.update_scale_shift_output_error is not None else shift_d,
            int(cfg.direct_rounding == "stochastic"), int(cfg.refresh_reset == "pulses"), cfg.xbar_slots)
        n = len(spec.shapes)
        self.adc_fwd = _per_layer(cfg.adc_range_forward_us, n)
        self.adc_bwd = _per_layer(cfg.adc_range_backward_us, n)

    def init_state(self, seed: int) -> CrossbarState:
        """Devices start at N(init mean, init std) clipped to the device range; χ = 0."""
        rng = np.random.default_rng([seed, 0])
        d, cfg = self.device, self.cfg
        lo, hi = d.p(0), d.p(1)
        draw = lambda shape: np.clip(rng.normal(cfg.init_g_mean_us, cfg.init_g_std_us, shape), lo, hi)  # noqa: E731
        gp = [draw(s) for s in self.spec.shapes]
        if self.mode == MODE_ONE_DEVICE:
            gp = [g + cfg.reference_g_us - cfg.init_g_mean_us for g in gp]
            gm = [np.full(s, cfg.reference_g_us) for s in self.spec.shapes]
        else:
            gm = [draw(s) for s in self.spec.shapes]
        counts = lambda: [np.full(s, cfg.init_pulse_count, dtype=np.int32) for s in self.spec.shapes]  # noqa: E731
        return CrossbarState(gp, gm, counts(), counts(), [np.zeros(s) for s in self.spec.shapes],
                             np.zeros(1, dtype=np.int64))

    def weights(self, state: CrossbarState) -> list[np.ndarray]:
        """Noise-free weights β·(G⁺ − G⁻)."""
        return [self.beta * (a - b) for a, b in zip(state.gp, state.gm)]

    def train_epoch(self, state: CrossbarState, x: np.ndarray, y: np.ndarray, order: np.ndarray, seed: int,
                    epoch: int, progress: bool = True) -> tuple[int, np.ndarray, float]:
        """One pass over `order`; returns (online-correct count, per-layer stats (L, N_STATS), images/s)."""
        hp = self.hp.copy()
        hp[MK.H_LR] = self.cfg.learning_rate * self.cfg.lr_decay ** epoch
        stats = np.zeros((len(self.spec.shapes), N_STATS))
        MK.seed_numba(derived_seed(seed, epoch, PURPOSE_TRAIN))
        correct = 0
        t0 = time.perf_counter()
        dev = self.device.arrays
        for start, stop, bar in chunked(len(order), f"{self.algorithm} epoch {epoch + 1}", progress):
            correct += MK.train_chunk(x, y, order, start, stop, tuple(state.gp), tuple(state.gm), tuple(state.np_),
                                      tuple(state.nm), tuple(state.chi), self.acts, self.has_bias, *dev, hp,
                                      self.ip, self.adc_fwd, self.adc_bwd, state.counter, stats)
            if bar is not None:
                bar.set_postfix(acc=f"{correct / stop:.4f}")
        return correct, stats, len(order) / (time.perf_counter() - t0)

    def test_correct(self, state: CrossbarState, x: np.ndarray, y: np.ndarray, seed: int, epoch: int,
                     gp=None, gm=None, out_scale=None) -> int:
        """Correct test predictions with noisy reads (optionally of given, e.g. drifted, conductances)."""
        MK.seed_numba(derived_seed(seed, epoch, PURPOSE_TEST))
        scale = np.ones(len(self.spec.shapes)) if out_scale is None else np.asarray(out_scale, dtype=np.float64)
        return MK.evaluate(x, y, tuple(gp or state.gp), tuple(gm or state.gm), self.acts, self.has_bias,
                           self.device.params, self.hp, self.ip, self.adc_fwd, scale)
