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

from archsim.config.loader import load
from archsim.config.workload import Workload
from archsim.functional.data import load_run_data
from archsim.functional.devices import load_device
from archsim.functional.hardware_link import crossbar_link
from archsim.functional.run import crossbar_settings, make_trainer
from archsim.functional.training.strategy import epoch_order
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

    w = load(Workload, WORKLOAD)
    cfg = w.functional.model_copy(update={"update_bits": 0})  # full-precision update (the reference run)
    w = w.model_copy(update={"functional": cfg})
    data = load_run_data(cfg.dataset, cfg.data_dir, None, None, w.network, WORKLOAD)
    cb = crossbar_settings(cfg, crossbar_link(w, WORKLOAD, cfg.design), w.network, WORKLOAD)
    trainer = make_trainer(w, "mca", 0, cb, load_device(cfg.device, WORKLOAD))
    trainer.init(0)
    layers = [c for c in w.network.layers if c.type == "dense"]
    names = [c.name or f"dense{i + 1}" for i, c in enumerate(layers)]
    x, y = data.x_train, data.y_train
    rng = np.random.default_rng(0)
    sample = rng.choice(len(x), size=min(args.sample, len(x)), replace=False)
    epochs = args.epochs or cfg.epochs
    rows = []
    t0 = time.perf_counter()
    for epoch in range(epochs):
        trainer.train_epoch(x, y, epoch_order(0, epoch, len(x)), 0, epoch, progress=False)
        a = x[sample].astype(np.float64)
        for i, (name, cfg_l, wmat) in enumerate(zip(names, layers, trainer.weights())):
            bias = bool(cfg_l.bias)
            gp, gm = trainer.state_.gp[i], trainer.state_.gm[i]
            g = np.concatenate([gp.ravel(), gm.ravel()])
            rows.append({"epoch": epoch + 1, "layer": name, "direction": "forward", "devices": g.size,
                         "mean_conductance_us": float(g.mean()), "input_duty": float(_duty(a, bias).mean())})
            z = (np.hstack([a, np.ones((len(a), 1))]) if bias else a) @ wmat
            a = 1.0 / (1.0 + np.exp(-z)) if cfg_l.activation == "sigmoid" else _softmax(z)
        delta = a - np.eye(a.shape[1])[y[sample]]
        rows.append({"epoch": epoch + 1, "layer": names[-1], "direction": "backward",
                     "devices": rows[-1]["devices"], "mean_conductance_us": rows[-1]["mean_conductance_us"],
                     "input_duty": float(_duty(delta, False).mean())})
        print(f"epoch {epoch + 1}/{epochs}: " + ", ".join(
            f"{r['layer']} {r['direction']} G {r['mean_conductance_us']:.3f} uS duty {r['input_duty']:.3f}"
            for r in rows[-len(names) - 1:]) + f" ({time.perf_counter() - t0:.0f} s)", flush=True)
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
