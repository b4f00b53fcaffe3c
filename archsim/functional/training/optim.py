"""Learning-rate schedules and SGD with momentum: the optimizer of every trainer.

The same rule serves software weights (w ← w − η·v) and MCA (χ ← χ − η·v, then pulses): the
velocity v ← μ·v + g (+ λ·w for decayed software weights) is kept in high precision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from archsim.functional.layers.base import Param


@dataclass(frozen=True)
class Schedule:
    """η of 0-based epoch: exponential (η·decay^epoch), step (×gamma every step_epochs), cosine (to 0
    at `epochs`) or constant."""

    lr: float
    kind: str = "exponential"
    decay: float = 1.0
    step_epochs: int = 10
    gamma: float = 0.1
    epochs: int = 1

    def at(self, epoch: int) -> float:
        if self.kind == "exponential":
            return self.lr * self.decay ** epoch
        if self.kind == "constant":
            return self.lr
        if self.kind == "step":
            return self.lr * self.gamma ** (epoch // self.step_epochs)
        if self.kind == "cosine":
            return 0.5 * self.lr * (1 + math.cos(math.pi * epoch / self.epochs))
        raise ValueError(f"unknown schedule {self.kind!r}; allowed: exponential, constant, step, cosine")


class SGD:
    """v ← μ·v + (g + λ·w); w ← w − lr·v (weight decay λ only on params marked `decay`)."""

    def __init__(self, params: list[Param], momentum: float = 0.9, weight_decay: float = 0.0):
        self.params = params
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity = {p.name: np.zeros_like(p.value) for p in params}

    def step(self, lr: float) -> None:
        for p in self.params:
            wd = self.weight_decay if p.decay else 0.0
            sgd_step(p.value.reshape(-1), p.grad.reshape(-1), self.velocity[p.name].reshape(-1), lr,
                     self.momentum, wd)


@njit(cache=True)
def sgd_step(w, g, v, lr, momentum, weight_decay):
    """One pass over flat arrays: g' = g + λ·w; v ← μ·v + g' (if μ); w ← w − lr·(v or g')."""
    for i in range(w.size):
        gi = g[i] + weight_decay * w[i] if weight_decay else g[i]
        if momentum:
            v[i] = momentum * v[i] + gi
            gi = v[i]
        w[i] -= lr * gi
