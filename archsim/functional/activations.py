"""The one activation module: element-wise functions of the digital unit, in NumPy and numba twins.

Names and integer codes (numba kernels take codes): none 0, sigmoid 1, relu 2, tanh 3, softmax 4.
Derivatives are expressed through the activation's output a (sigmoid a(1−a), relu 1[a>0],
tanh 1−a²), which is what a training pass keeps. Softmax is only used with the cross-entropy
loss, whose combined gradient is p − onehot. tests/functional/test_activations.py checks that the
twins agree.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

CODES = {"none": 0, "sigmoid": 1, "relu": 2, "tanh": 3, "softmax": 4}
NAMES = tuple(CODES)


# ---------------------------------------------------------------- NumPy (batched arrays)
def softmax(z: np.ndarray) -> np.ndarray:
    """Numerically stable softmax over the last axis."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def apply(z: np.ndarray, name: str) -> np.ndarray:
    """f(z) element-wise (softmax over the last axis); a new array."""
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "relu":
        return np.maximum(z, 0)
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        return softmax(z)
    if name == "none":
        return z.copy()
    raise ValueError(f"unknown activation {name!r}; allowed: {', '.join(NAMES)}")


def derivative(a: np.ndarray, name: str) -> np.ndarray:
    """f'(z) through the output a = f(z) (softmax: 1, its Jacobian is folded into the loss)."""
    if name == "sigmoid":
        return a * (1 - a)
    if name == "relu":
        return (a > 0).astype(a.dtype)
    if name == "tanh":
        return 1 - a * a
    return np.ones_like(a)


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy over the batch and its gradient with respect to the logits, (p − onehot)/N."""
    p = softmax(logits.astype(np.float64))
    n = logits.shape[0]
    loss = float(-np.log(np.maximum(p[np.arange(n), labels], 1e-12)).mean())
    p[np.arange(n), labels] -= 1.0
    return loss, (p / n).astype(logits.dtype)


# ---------------------------------------------------------------- numba (one vector, in kernels)
@njit(cache=True)
def activate(z, code, out):
    """out[:z.size] = f(z) for one vector (the numba twin of `apply`)."""
    if code == 1:
        for j in range(z.size):
            out[j] = 1.0 / (1.0 + math.exp(-z[j]))
    elif code == 2:
        for j in range(z.size):
            out[j] = max(z[j], 0.0)
    elif code == 3:
        for j in range(z.size):
            out[j] = math.tanh(z[j])
    elif code == 4:
        m = z.max()
        tot = 0.0
        for j in range(z.size):
            out[j] = math.exp(z[j] - m)
            tot += out[j]
        for j in range(z.size):
            out[j] /= tot
    else:
        out[: z.size] = z


@njit(cache=True)
def derivative_at(a, code):
    """f'(z) through one output value a (the numba twin of `derivative`)."""
    if code == 1:
        return a * (1.0 - a)
    if code == 2:
        return 1.0 if a > 0.0 else 0.0
    if code == 3:
        return 1.0 - a * a
    return 1.0


@njit(cache=True, inline="always")
def softmax_xent_error(probs, label, out):
    """Output error of softmax + cross-entropy for one image: out = probs − onehot(label); returns the
    image's loss −ln p[label] (p floored at 1e-12). Shared by the fused numba training loops."""
    for j in range(probs.size):
        out[j] = probs[j] - (1.0 if j == label else 0.0)
    return -math.log(max(probs[label], 1e-12))
