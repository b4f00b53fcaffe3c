"""The one drift-and-compensation path: accuracy over time of a network whose weighted layers are
read from PCM crossbars (trained by MCA, or programmed for inference).

Every device drifts as G(t) = G(t₀)·(t/t₀)^−ν with its own ν from the device model (PCMDevice
.conductance_at, which also adds the inference model's 1/f read noise); the crossbar reads keep
their DAC/ADC, per-read noise and output noise. Compensations:
- none;
- global drift compensation (GDC): one digital scale per layer, reference readout / readout now;
- bn_reestimate: GDC, then batch-norm statistics re-measured on calibration images.
Readouts (the calibration read of a layer; both go through the layer's converters):
- all_ones: one MVM with every row driven at full input, mean |column output|; the reference is
  read at t₀ from the devices as they are then (archsim's default: what the estimator prices as
  one calibration MVM per layer);
- one_hot: aihwkit's GlobalDriftCompensation (aihwkit ≥ 0.8: `get_readout_tensor` = eye(in_size),
  `readout` = mean |output|): one MVM per row, the reference read from the programmed conductances
  before any drift or time-dependent noise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

COMPENSATIONS = ("none", "global", "bn_reestimate")
READOUTS = ("all_ones", "one_hot")


@dataclass
class DriftingLayer:
    """One layer's devices right after training/programming, and their drift exponents."""

    array: object            # the AnalogArray read during evaluation (its gp/gm buffers are overwritten)
    g_plus: np.ndarray
    g_minus: np.ndarray
    nu_plus: np.ndarray
    nu_minus: np.ndarray


def drifting_layers(arrays: dict, device, rng: np.random.Generator, fixed_minus: bool = False) -> dict[str, DriftingLayer]:
    """Snapshot each array's conductances and draw its drift exponents (G⁻ fixed: a non-drifting reference)."""
    out = {}
    for name, a in arrays.items():
        gp, gm = a.gp.copy(), a.gm.copy()
        nu_m = np.zeros_like(gm) if fixed_minus else device.drift_exponents(gm, rng)
        out[name] = DriftingLayer(a, gp, gm, device.drift_exponents(gp, rng), nu_m)
    return out


def readout(array, kind: str) -> float:
    """Calibration read of one array in µS (mean |output|), without its drift-compensation scale."""
    if kind not in READOUTS:
        raise ValueError(f"unknown readout {kind!r}; allowed: {', '.join(READOUTS)}")
    rows = array.rows
    x = np.ones((1, rows)) if kind == "all_ones" else np.eye(rows)
    saved, array.output_scale = array.output_scale, 1.0
    try:
        y = array.forward(x.astype(array.dtype))
    finally:
        array.output_scale = saved
    return max(float(np.abs(y).mean()) / array.beta, 1e-12)


def _set(layer: DriftingLayer, gp: np.ndarray, gm: np.ndarray) -> None:
    layer.array.gp[...] = gp
    layer.array.gm[...] = gm
    layer.array.mark_changed()


def reference_readouts(layers: dict[str, DriftingLayer], device, kind: str, rng) -> dict[str, float]:
    """Each layer's reference readout (see the module docstring for when and from what it is read)."""
    refs = {}
    for name, layer in layers.items():
        if kind == "one_hot":
            _set(layer, layer.g_plus, layer.g_minus)
        else:
            _set(layer, device.conductance_at(layer.g_plus, layer.nu_plus, device.t0_s, rng),
                 device.conductance_at(layer.g_minus, layer.nu_minus, device.t0_s, rng))
        refs[name] = readout(layer.array, kind)
    return refs


def accuracy_over_time(layers: dict[str, DriftingLayer], device, times_s: list[float], compensations: list[str],
                       readout_kind: str, evaluate: Callable[[int], float], rng: np.random.Generator,
                       recalibrate_bn: Callable[[], object] | None = None) -> list[dict]:
    """Rows (t_s, compensation, test_acc, gdc_scale) for every time and compensation.

    evaluate(k) returns the test accuracy of the network as it is now, k = index of the time point
    (to seed its reads); recalibrate_bn() re-estimates batch-norm statistics and returns an undo
    function. The arrays' conductances are restored afterwards.
    """
    refs = reference_readouts(layers, device, readout_kind, rng) if set(compensations) - {"none"} else {}
    rows = []
    try:
        for k, t in enumerate(times_s):
            for layer in layers.values():
                _set(layer, device.conductance_at(layer.g_plus, layer.nu_plus, t, rng),
                     device.conductance_at(layer.g_minus, layer.nu_minus, t, rng))
            scales = {name: refs[name] / readout(layer.array, readout_kind) for name, layer in layers.items()} \
                if refs else {}
            for comp in compensations:
                for name, layer in layers.items():
                    layer.array.output_scale = 1.0 if comp == "none" else scales[name]
                undo = recalibrate_bn() if comp == "bn_reestimate" and recalibrate_bn is not None else None
                acc = evaluate(k)
                if undo is not None:
                    undo()
                mean_scale = float(np.mean(list(scales.values()))) if comp != "none" and scales else 1.0
                rows.append({"t_s": t, "compensation": comp, "test_acc": acc, "gdc_scale_mean": mean_scale})
    finally:
        for layer in layers.values():
            _set(layer, layer.g_plus, layer.g_minus)
            layer.array.output_scale = 1.0
    return rows


def reestimate_batchnorm(model, x_calibration: np.ndarray, batch_size: int = 500) -> Callable[[], None]:
    """Replace every BN layer's running statistics by those measured on `x_calibration` with the
    network as it is now (e.g. drifted weights); returns a function restoring the previous ones."""
    bns = model.batchnorms
    saved = [(bn.running_mean.copy(), bn.running_var.copy()) for bn in bns]
    for bn in bns:
        bn.start_reestimation()
    for i in range(0, len(x_calibration), batch_size):
        model.forward(x_calibration[i:i + batch_size])
    for bn in bns:
        bn.finish_reestimation()

    def undo() -> None:
        for bn, (mean, var) in zip(bns, saved):
            bn.running_mean[:] = mean
            bn.running_var[:] = var
    return undo
