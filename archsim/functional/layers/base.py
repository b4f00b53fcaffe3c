"""Common interface of functional layers: forward/backward on batches and named parameters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Param:
    """A trainable array with its gradient; `decay` marks weights that get weight decay."""

    name: str
    value: np.ndarray
    grad: np.ndarray
    decay: bool = True


class Layer:
    """A layer maps a batch forward and its output gradient backward (caching what it needs)."""

    name: str = ""

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def params(self) -> list[Param]:
        return []

    def buffers(self) -> dict[str, np.ndarray]:
        """Non-trainable state saved with the weights (e.g. batch-norm running statistics)."""
        return {}

    def children(self) -> list["Layer"]:
        return []
