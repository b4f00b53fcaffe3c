"""Softmax cross-entropy on logits (the network's final softmax is folded in here)."""

from __future__ import annotations

import numpy as np

from archsim.functional.layers.activations import softmax


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean loss over the batch and its gradient with respect to the logits."""
    p = softmax(logits.astype(np.float64))
    n = logits.shape[0]
    loss = float(-np.log(np.maximum(p[np.arange(n), labels], 1e-12)).mean())
    p[np.arange(n), labels] -= 1.0
    return loss, (p / n).astype(logits.dtype)
