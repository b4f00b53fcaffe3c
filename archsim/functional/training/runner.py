"""Run one algorithm with one seed for all epochs: shuffling, test evaluation, per-epoch checkpoints.

A checkpoint (npz) holds the model state and the history so far; resuming loads it and continues
with the next epoch. Epoch orders and kernel seeds derive from (seed, epoch), so resumed runs are
bit-identical to uninterrupted ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from archsim.functional.crossbar.update import STAT_NAMES
from archsim.io import write_npz
from archsim.functional.training.fp import FpTrainer
from archsim.functional.training.mca import CrossbarState, CrossbarTrainer

PURPOSE_SHUFFLE = 3


@dataclass
class RunResult:
    """History of one (algorithm, seed): per-epoch rows, per-epoch-per-layer rows, final state."""

    algorithm: str
    seed: int
    epochs: list[dict] = field(default_factory=list)
    layers: list[dict] = field(default_factory=list)
    state: object = None


def epoch_order(seed: int, epoch: int, n: int) -> np.ndarray:
    """Training-image order of one epoch, a function of (seed, epoch) only."""
    return np.random.default_rng([seed, epoch, PURPOSE_SHUFFLE]).permutation(n)


def _state_arrays(trainer, state) -> dict[str, np.ndarray]:
    if isinstance(trainer, CrossbarTrainer):
        return state.arrays()
    return {f"w{i}": w for i, w in enumerate(state)}


def _load_state(trainer, arrays, n_layers):
    if isinstance(trainer, CrossbarTrainer):
        return CrossbarState.from_arrays(arrays, n_layers)
    return [np.ascontiguousarray(arrays[f"w{i}"]) for i in range(n_layers)]


def save_checkpoint(path: Path, trainer, result: RunResult) -> None:
    arrays = _state_arrays(trainer, result.state)
    arrays["history"] = np.array(json.dumps({"epochs": result.epochs, "layers": result.layers}))
    write_npz(path, arrays)


def load_checkpoint(path: Path, trainer, algorithm: str, seed: int, n_layers: int) -> RunResult:
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    history = json.loads(str(arrays.pop("history")))
    return RunResult(algorithm, seed, history["epochs"], history["layers"], _load_state(trainer, arrays, n_layers))


def run_one(trainer: FpTrainer | CrossbarTrainer, data, *, seed: int, epochs: int, layer_names: tuple[str, ...],
            checkpoint: Path | None = None, resume: bool = False, progress: bool = True) -> RunResult:
    """Train `epochs` epochs (continuing from `checkpoint` if resume and it exists)."""
    algorithm = trainer.algorithm
    n_layers = len(layer_names)
    if resume and checkpoint is not None and checkpoint.is_file():
        result = load_checkpoint(checkpoint, trainer, algorithm, seed, n_layers)
    else:
        result = RunResult(algorithm, seed, state=trainer.init_state(seed))
    x_tr, y_tr, x_te, y_te = data
    for epoch in range(len(result.epochs), epochs):
        order = epoch_order(seed, epoch, len(x_tr))
        correct, stats, ips = trainer.train_epoch(result.state, x_tr, y_tr, order, seed, epoch, progress)
        test_acc = trainer.test_correct(result.state, x_te, y_te, seed, epoch) / len(x_te)
        totals = stats.sum(axis=0)
        result.epochs.append({
            "algorithm": algorithm, "seed": seed, "epoch": epoch + 1, "train_acc": correct / len(order),
            "test_acc": test_acc, "device_pulses": float(totals[3] + totals[4] + totals[6]),
            "images": len(order), "images_per_s": ips,
            **{name: float(totals[k]) for k, name in enumerate(STAT_NAMES) if name not in ("set_pulses",)},
            "set_pulses": float(totals[3])})
        for layer, name in enumerate(layer_names):
            result.layers.append({"algorithm": algorithm, "seed": seed, "epoch": epoch + 1, "layer": name,
                                  "images": len(order),
                                  **{s: float(stats[layer, k]) for k, s in enumerate(STAT_NAMES)}})
        if checkpoint is not None:
            save_checkpoint(checkpoint, trainer, result)
    return result
