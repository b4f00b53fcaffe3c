"""Run one trainer for all epochs: shuffling, test evaluation, per-epoch statistics, checkpoints.

After every epoch the checkpoint (functional/checkpoint.py) holds the trainer's full state and the
history so far; resuming loads it and continues with the next epoch. Epoch orders and random draws
derive from (seed, epoch), so resumed runs are bit-identical to uninterrupted ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archsim.functional.checkpoint import Checkpoint
from archsim.functional.crossbar.update import STAT_NAMES
from archsim.functional.training.strategy import Strategy, epoch_order


@dataclass
class RunResult:
    """History of one (algorithm, seed): per-epoch rows and per-epoch-per-layer rows."""

    algorithm: str
    seed: int
    epochs: list[dict] = field(default_factory=list)
    layers: list[dict] = field(default_factory=list)


def epoch_row(algorithm: str, seed: int, epoch: int, correct: int, images: int, test_acc: float, totals,
              images_per_s: float, lr: float, loss: float) -> dict:
    """accuracy.csv row of one epoch (device_pulses = SET + RESET + refresh SET pulses)."""
    stats = {name: float(totals[k]) for k, name in enumerate(STAT_NAMES)}
    return {"algorithm": algorithm, "seed": seed, "epoch": epoch + 1, "train_acc": correct / images,
            "test_acc": test_acc,
            "device_pulses": stats["set_pulses"] + stats["reset_pulses"] + stats["refresh_set_pulses"],
            "images": images, "images_per_s": images_per_s,
            **{k: v for k, v in stats.items() if k != "set_pulses"}, "set_pulses": stats["set_pulses"],
            "lr": lr, "train_loss": loss}


def run_training(trainer: Strategy, data, *, seed: int, epochs: int, checkpoint: Checkpoint | None = None,
                 resume: bool = False, progress: bool = True) -> RunResult:
    """Train `epochs` epochs (continuing from `checkpoint` when resume and it exists)."""
    result = RunResult(trainer.algorithm, seed)
    trainer.init(seed)
    if resume and checkpoint is not None and checkpoint.exists():
        arrays, meta = checkpoint.load()
        trainer.load_state(arrays)
        result.epochs, result.layers = meta["epochs"], meta["layers"]
    x_tr, y_tr, x_te, y_te = data
    names = list(trainer.network.weighted)
    for epoch in range(len(result.epochs), epochs):
        order = epoch_order(seed, epoch, len(x_tr))
        correct, loss, ips = trainer.train_epoch(x_tr, y_tr, order, seed, epoch, progress)
        test_acc = trainer.test_correct(x_te, y_te, seed, epoch) / len(x_te)
        stats = trainer.stats
        result.epochs.append(epoch_row(trainer.algorithm, seed, epoch, correct, len(order), test_acc,
                                       stats.sum(axis=0), ips, trainer.settings.schedule.at(epoch), loss))
        facts = trainer.layer_facts()
        for k, name in enumerate(names):
            result.layers.append({"algorithm": trainer.algorithm, "seed": seed, "epoch": epoch + 1, "layer": name,
                                  "images": len(order),
                                  **{s: float(stats[k, j]) for j, s in enumerate(STAT_NAMES)}, **facts[k]})
        if checkpoint is not None:
            checkpoint.save(trainer.state(), {"epochs": result.epochs, "layers": result.layers})
    return result
