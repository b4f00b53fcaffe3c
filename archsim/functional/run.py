"""Entry point of a functional run: train every requested algorithm × seed on MNIST, study drift,
write accuracy.csv / updates.csv / drift.csv + plots (accuracy, updates per epoch, drift), and return the per-image update statistics
that drive the discrete-event estimator."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from archsim.config.errors import ConfigError
from archsim.config.workload import resolve
from archsim.functional.datasets import load_mnist
from archsim.functional.datasets.transforms import centre_crop
from archsim.functional.devices import load_device
from archsim.functional.drift import drift_study
from archsim.io import checkpoint_dir, write_csv
from archsim.functional.networks import mlp_from_network
from archsim.functional.plots import plot_accuracy, plot_drift, plot_updates
from archsim.functional.training.fp import FpTrainer
from archsim.functional.training.mca import MODES, CrossbarTrainer
from archsim.functional.training.runner import run_one
from archsim.trace.stats import LayerUpdateStats

ACCURACY_COLUMNS = ["algorithm", "seed", "epoch", "train_acc", "test_acc", "device_pulses", "nonzero_updates",
                    "chi_reads", "chi_writes", "refreshes", "images_per_s"]
STATS_FIELDS = ("x_nonzero", "d_nonzero", "nonzero_updates", "set_pulses", "reset_pulses", "refresh_reads",
                "refresh_set_pulses")


@dataclass
class FunctionalSummary:
    """Results of run_functional (also written to out_dir)."""

    accuracy: pd.DataFrame
    updates: pd.DataFrame
    drift: pd.DataFrame
    update_stats: dict[str, LayerUpdateStats]
    final_test_acc: dict[str, float]
    out_dir: Path


def _check_ranges(cfg, n_layers: int, workload_path: Path) -> None:
    for key in ("adc_range_forward_us", "adc_range_backward_us"):
        value = getattr(cfg, key)
        if isinstance(value, list) and len(value) != n_layers:
            raise ConfigError(workload_path, f"functional.{key}: give one value or {n_layers} (one per weighted "
                                             f"layer), got {len(value)}")


def layer_update_stats(updates: pd.DataFrame, algorithm: str, seed: int) -> dict[str, LayerUpdateStats]:
    """Per-training-image averages over the whole run of one (algorithm, seed), per layer."""
    df = updates[(updates["algorithm"] == algorithm) & (updates["seed"] == seed)]
    out = {}
    for layer, g in df.groupby("layer", sort=False):
        images = g["images"].sum()
        out[layer] = LayerUpdateStats(**{f: float(g[f].sum() / images) for f in STATS_FIELDS})
    return out


def run_functional(workload, workload_path: Path, out_dir: Path, *, resume: bool = False,
                   data_dir: Path | None = None, progress: bool = True) -> FunctionalSummary:
    """Train, evaluate and study drift for workload.functional; write results atomically into out_dir."""
    workload_path, out_dir = Path(workload_path), Path(out_dir)
    cfg = workload.functional
    if cfg is None:
        raise ConfigError(workload_path, "functional: section missing (needed for trace source 'functional')")
    spec = mlp_from_network(workload.network, workload_path)
    n_pixels = 784 if cfg.input_crop is None else cfg.input_crop[0] * cfg.input_crop[1]
    if spec.n_inputs != n_pixels:
        image = "28×28" if cfg.input_crop is None else "cropped to {}×{}".format(*cfg.input_crop)
        raise ConfigError(workload_path, f"network.input_shape: MNIST ({image}) needs {n_pixels} inputs, got "
                                         f"{spec.n_inputs}")
    _check_ranges(cfg, len(spec.shapes), workload_path)
    if data_dir is None and cfg.data_dir is not None:
        data_dir = resolve(workload_path, cfg.data_dir)
    mnist = load_mnist(data_dir)
    crop = (lambda x: x) if cfg.input_crop is None else (lambda x: centre_crop(x, 28, 28, *cfg.input_crop))  # noqa: E731
    data = (crop(mnist.x_train[: cfg.train_images]), mnist.y_train[: cfg.train_images],
            crop(mnist.x_test[: cfg.test_images]), mnist.y_test[: cfg.test_images])
    crossbar = [a for a in cfg.algorithms if a in MODES]
    device = load_device(cfg.device, workload_path) if crossbar else None
    epochs, layers, drift = [], [], []
    for algorithm in cfg.algorithms:
        for seed in cfg.seeds:
            if algorithm in MODES:
                trainer = CrossbarTrainer(spec, cfg, device, algorithm)
            else:
                trainer = FpTrainer(spec, cfg, algorithm)
            ckpt = checkpoint_dir(out_dir) / f"{algorithm}_seed{seed}.npz" if cfg.checkpoint else None
            result = run_one(trainer, data, seed=seed, epochs=cfg.epochs, layer_names=spec.names,
                             checkpoint=ckpt, resume=resume, progress=progress)
            epochs += result.epochs
            layers += result.layers
            if algorithm in MODES:
                drift += drift_study(trainer, result.state, data[2], data[3], seed, cfg.drift_times_s,
                                     cfg.drift_compensation)
            _write(out_dir, epochs, layers, drift)
    accuracy, updates, drift_df = _write(out_dir, epochs, layers, drift)
    if not drift_df.empty:
        plot_drift(drift_df, out_dir / "drift.png")
    plot_updates(updates, out_dir / "updates_per_epoch.png")
    plot_accuracy(accuracy, out_dir / "accuracy.png")
    stats_alg = next((a for a in ("mca", *crossbar) if a in cfg.algorithms), None)
    update_stats = layer_update_stats(updates, stats_alg, cfg.seeds[0]) if stats_alg else {}
    last = accuracy[accuracy["epoch"] == cfg.epochs]
    final = {a: float(g["test_acc"].mean()) for a, g in last.groupby("algorithm", sort=False)}
    return FunctionalSummary(accuracy, updates, drift_df, update_stats, final, out_dir)


def _write(out_dir: Path, epochs: list[dict], layers: list[dict], drift: list[dict]):
    accuracy = pd.DataFrame(epochs)
    accuracy = accuracy[ACCURACY_COLUMNS + [c for c in accuracy.columns if c not in ACCURACY_COLUMNS]]
    updates = pd.DataFrame(layers)
    drift_df = pd.DataFrame(drift, columns=["algorithm", "seed", "t_s", "compensated", "test_acc"])
    write_csv(accuracy, out_dir / "accuracy.csv")
    write_csv(updates, out_dir / "updates.csv")
    write_csv(drift_df, out_dir / "drift.csv")
    return accuracy, updates, drift_df
