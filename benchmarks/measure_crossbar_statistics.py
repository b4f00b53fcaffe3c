"""Measure the crossbar read statistics of the reference MCA training run: mean device conductance and
mean PWM input duty per layer, which set the PCM read energy (V²·G·t) of the reference table's MCA.

Trains the reference MLP with the MCA algorithm and the gradual-SET PCM model exactly as
workloads/mlp_mnist_mca.yaml states (seed 0, full-precision update), and after every epoch records:
- the mean conductance of all devices of each layer (both devices of a pair conduct in an MVM);
- the mean input duty of each layer's forward MVMs: with PWM inputs and per-vector max-abs scaling (the
  functional DAC), a row is driven for |x_i| / max|x| of the window, and the bias row for the whole
  window (input 1); averaged over the training images with the network of that epoch;
- the same for the backward MVM of the output layer (its inputs are the output errors δ = y − t).
Averages over the epochs (each epoch equally) are what a workload states as trace.crossbar.

    ARCHSIM_DATA=../shared/data/mnist python benchmarks/measure_crossbar_statistics.py [--epochs 30]

Writes reports/validation/crossbar_statistics.csv and prints the device-weighted means.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from archsim.estimate import load_workload
from archsim.functional.datasets import load_mnist
from archsim.functional.devices import load_device
from archsim.functional.networks import mlp_from_network
from archsim.functional.training.mca import CrossbarTrainer
from archsim.functional.training.runner import epoch_order
from archsim.io import write_csv

ROOT = Path(__file__).resolve().parents[1]
WORKLOAD = ROOT / "workloads" / "mlp_mnist_mca.yaml"


def _duty(x: np.ndarray, bias: bool) -> np.ndarray:
    """Per-vector PWM duty: mean over rows of |x_i| / max|x| (the bias row driven fully)."""
    a = np.abs(x)
    scale = np.maximum(a.max(axis=1), 1.0 if bias else 1e-12)
    rows = a.shape[1] + int(bias)
    return (a.sum(axis=1) + (scale if bias else 0.0)) / scale / rows


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=None, help="default: the workload's (30)")
    ap.add_argument("--sample", type=int, default=10000, help="training images the duties are measured on")
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "validation" / "crossbar_statistics.csv")
    args = ap.parse_args()

    w = load_workload(WORKLOAD)
    cfg = w.functional
    spec = mlp_from_network(w.network, WORKLOAD)
    device = load_device(cfg.device, WORKLOAD)
    mnist = load_mnist(None)
    x, y = mnist.x_train, mnist.y_train
    trainer = CrossbarTrainer(spec, cfg, device, "mca")
    state = trainer.init_state(0)
    rng = np.random.default_rng(0)
    sample = rng.choice(len(x), size=min(args.sample, len(x)), replace=False)
    epochs = args.epochs or cfg.epochs
    rows = []
    t0 = time.perf_counter()
    for epoch in range(epochs):
        order = epoch_order(0, epoch, len(x))
        trainer.train_epoch(state, x, y, order, 0, epoch, progress=False)
        ws = trainer.weights(state)
        a = x[sample].astype(np.float64)
        for i, (name, wmat) in enumerate(zip(spec.names, ws)):
            bias = spec.has_bias[i]
            g = np.concatenate([state.gp[i].ravel(), state.gm[i].ravel()])
            rows.append({"epoch": epoch + 1, "layer": name, "direction": "forward", "devices": g.size,
                         "mean_conductance_us": float(g.mean()), "input_duty": float(_duty(a, bias).mean())})
            z = (np.hstack([a, np.ones((len(a), 1))]) if bias else a) @ wmat
            a = 1.0 / (1.0 + np.exp(-z)) if spec.activations[i] == "sigmoid" else _softmax(z)
        delta = a - np.eye(a.shape[1])[y[sample]]
        rows.append({"epoch": epoch + 1, "layer": spec.names[-1], "direction": "backward",
                     "devices": int(np.prod(spec.shapes[-1])) * 2, "mean_conductance_us": rows[-1]["mean_conductance_us"],
                     "input_duty": float(_duty(delta, False).mean())})
        print(f"epoch {epoch + 1}/{epochs}: " + ", ".join(
            f"{r['layer']} {r['direction']} G {r['mean_conductance_us']:.3f} uS duty {r['input_duty']:.3f}"
            for r in rows[-len(spec.names) - 1:]) + f" ({time.perf_counter() - t0:.0f} s)", flush=True)
    df = pd.DataFrame(rows)
    write_csv(df, args.out, float_format="%.6g")
    mean = df.groupby(["layer", "direction"], sort=False)[["devices", "mean_conductance_us", "input_duty"]].mean()
    fwd = mean.xs("forward", level="direction")
    g = float((fwd.mean_conductance_us * fwd.devices).sum() / fwd.devices.sum())
    duty = float((fwd.input_duty * fwd.devices).sum() / fwd.devices.sum())
    print(mean.to_string())
    print(f"device-weighted over the run (forward MVMs): mean_conductance_us {g:.4g}, input_duty {duty:.4g}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
