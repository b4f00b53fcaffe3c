"""Post-training inference over time: test accuracy of trained crossbars after 1 s … 1 month of drift.

Every device drifts as G(t) = G·(t/t0)^(−ν) for t > t0 with its own ν ~ N(ν_mean, ν_std) (device
YAML); t counts from the end of training, i.e. from the devices' last pulses (training itself lasts
seconds at the design's image rate, so pulses are effectively simultaneous at this scale). Each
test image is read with fresh read noise at the drifted conductance. Optional global drift
compensation rescales every layer's output by Σ G(t_first) / Σ G(t), the ratio a calibration
read of all devices would measure. One-device mode: the reference conductance drifts only if
`reference_drifts` (a PCM reference device) and is otherwise fixed.
"""

from __future__ import annotations

import numpy as np

from archsim.functional.crossbar.update import MODE_ONE_DEVICE
from archsim.functional.devices.kernels import P_NU_MEAN, P_NU_STD, P_T0_S
from archsim.functional.training.mca import CrossbarState, CrossbarTrainer, derived_seed

PURPOSE_DRIFT = 4


def drift_factor(t_s: float, nu: np.ndarray, t0_s: float) -> np.ndarray:
    """(t/t0)^(−ν) for t > t0, 1 otherwise."""
    return (t_s / t0_s) ** (-nu) if t_s > t0_s else np.ones_like(nu)


def drift_study(trainer: CrossbarTrainer, state: CrossbarState, x_test: np.ndarray, y_test: np.ndarray,
                seed: int, times_s: list[float], compensation: bool) -> list[dict]:
    """Rows (algorithm, seed, t_s, compensated, test_acc) for every drift time."""
    p = trainer.device.params
    rng = np.random.default_rng([seed, PURPOSE_DRIFT])
    draw_nu = lambda g: np.maximum(rng.normal(p[P_NU_MEAN], p[P_NU_STD], g.shape), 0.0)  # noqa: E731
    nu_p = [draw_nu(g) for g in state.gp]
    fixed_ref = trainer.mode == MODE_ONE_DEVICE and not trainer.cfg.reference_drifts
    nu_m = [np.zeros_like(g) if fixed_ref else draw_nu(g) for g in state.gm]
    t0 = float(p[P_T0_S])
    rows, ref_sum = [], None
    for k, t in enumerate(times_s):
        gp = [g * drift_factor(t, nu, t0) for g, nu in zip(state.gp, nu_p)]
        gm = [g * drift_factor(t, nu, t0) for g, nu in zip(state.gm, nu_m)]
        sums = np.array([a.sum() + b.sum() for a, b in zip(gp, gm)])
        ref_sum = sums if ref_sum is None else ref_sum
        variants = [(False, None)] + ([(True, ref_sum / sums)] if compensation else [])
        for compensated, scale in variants:
            correct = trainer.test_correct(state, x_test, y_test, derived_seed(seed, k, PURPOSE_DRIFT), 0,
                                           gp=gp, gm=gm, out_scale=scale)
            rows.append({"algorithm": trainer.algorithm, "seed": seed, "t_s": t, "compensated": compensated,
                         "test_acc": correct / len(x_test)})
    return rows
