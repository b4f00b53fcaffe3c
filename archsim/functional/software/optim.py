"""SGD with momentum and weight decay, and per-epoch learning-rate schedules."""

from __future__ import annotations

import math

import numpy as np

from archsim.functional.layers.base import Param


def learning_rate(epoch: int, epochs: int, lr: float, schedule: str, step_epochs: int = 10,
                  gamma: float = 0.1) -> float:
    """Learning rate of 0-based `epoch`: constant, step (×gamma every step_epochs) or cosine to 0."""
    if schedule == "constant":
        return lr
    if schedule == "step":
        return lr * gamma ** (epoch // step_epochs)
    if schedule == "cosine":
        return 0.5 * lr * (1 + math.cos(math.pi * epoch / epochs))
    raise ValueError(f"unknown schedule {schedule!r}; allowed: constant, step, cosine")


class SGD:
    """v ← μ·v + (g + λ·w); w ← w − lr·v (weight decay λ only on params marked `decay`)."""

    def __init__(self, params: list[Param], momentum: float = 0.9, weight_decay: float = 0.0):
        self.params = params
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity = {p.name: np.zeros_like(p.value) for p in params}

    def step(self, lr: float) -> None:
        for p in self.params:
            v = self.velocity[p.name]
            g = p.grad + self.weight_decay * p.value if (p.decay and self.weight_decay) else p.grad
            v *= self.momentum
            v += g
            p.value -= np.float32(lr) * v
