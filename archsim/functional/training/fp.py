"""Floating-point SGD baseline (FP64 or FP32), batch size 1, as a plain NumPy loop.

This loop is also the reference the MCA speed benchmark compares against.
"""

from __future__ import annotations

import time

import numpy as np

from archsim.config.functional import FunctionalConfig
from archsim.functional.crossbar.update import N_STATS, S_D_NZ, S_NZ_UPDATES, S_SET, S_X_NZ
from archsim.functional.networks.mlp import MlpSpec
from archsim.functional.training.progress import chunked


def _act(z: np.ndarray, name: str) -> np.ndarray:
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "relu":
        return np.maximum(z, 0)
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    return z


def _grad(a: np.ndarray, name: str) -> np.ndarray:
    """Activation derivative through its output a."""
    if name == "sigmoid":
        return a * (1 - a)
    if name == "relu":
        return (a > 0).astype(a.dtype)
    if name == "tanh":
        return 1 - a * a
    return np.ones_like(a)


class FpTrainer:
    """SGD on weight matrices (rows incl. bias row × cols) in `dtype`; state = list of weights."""

    def __init__(self, spec: MlpSpec, cfg: FunctionalConfig, algorithm: str):
        self.spec, self.cfg, self.algorithm = spec, cfg, algorithm
        self.dtype = np.float32 if algorithm == "fp32" else np.float64

    def init_state(self, seed: int) -> list[np.ndarray]:
        rng = np.random.default_rng([seed, 0])
        return [(rng.standard_normal(s) * (self.cfg.fp_init_scale / np.sqrt(s[0]))).astype(self.dtype)
                for s in self.spec.shapes]

    def forward(self, weights: list[np.ndarray], x: np.ndarray) -> list[np.ndarray]:
        """Layer inputs (with bias column) for a batch x; the last entry is the softmax output."""
        inputs = []
        a = x.astype(self.dtype, copy=False)
        for w, bias, act in zip(weights, self.spec.has_bias, self.spec.activations):
            if bias:
                a = np.concatenate([a, np.ones(a.shape[:-1] + (1,), self.dtype)], axis=-1)
            inputs.append(a)
            a = _act(a @ w, act)
        inputs.append(a)
        return inputs

    def train_epoch(self, weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, order: np.ndarray, seed: int,
                    epoch: int, progress: bool = True) -> tuple[int, np.ndarray, float]:
        """One SGD pass with batch size 1; stats count every weight as updated each image."""
        lr0 = self.cfg.fp_learning_rate or self.cfg.learning_rate
        lr = self.dtype(lr0 * self.cfg.lr_decay ** epoch)
        n_layers = len(weights)
        stats = np.zeros((n_layers, N_STATS))
        acts = self.spec.activations
        correct = 0
        # preallocated layer inputs (bias slot set to 1 once) and outer-product buffers
        inputs = [np.zeros(r, self.dtype) for r, _ in self.spec.shapes]
        for inp, bias in zip(inputs, self.spec.has_bias):
            if bias:
                inp[-1] = 1
        outer = [np.empty(s, self.dtype) for s in self.spec.shapes]
        t0 = time.perf_counter()
        for start, stop, bar in chunked(len(order), f"{self.algorithm} epoch {epoch + 1}", progress):
            for n in order[start:stop]:
                a = x[n]
                for layer in range(n_layers):
                    inputs[layer][: a.size] = a
                    a = _act(inputs[layer] @ weights[layer], acts[layer])
                correct += int(np.argmax(a) == y[n])
                delta = a
                delta[y[n]] -= 1
                for layer in range(n_layers - 1, -1, -1):
                    inp = inputs[layer]
                    nx, nd = np.count_nonzero(inp), np.count_nonzero(delta)
                    stats[layer, S_X_NZ] += nx
                    stats[layer, S_D_NZ] += nd
                    stats[layer, S_NZ_UPDATES] += nx * nd
                    back = None
                    if layer > 0:
                        rows_in = inp.size - int(self.spec.has_bias[layer])
                        back = (weights[layer][:rows_in] @ delta) * _grad(inp[:rows_in], acts[layer - 1])
                    np.outer(inp, lr * delta, out=outer[layer])
                    weights[layer] -= outer[layer]
                    if back is not None:
                        delta = back
            if bar is not None:
                bar.set_postfix(acc=f"{correct / stop:.4f}")
        for layer, (r, c) in enumerate(self.spec.shapes):
            stats[layer, S_SET] = r * c * len(order)  # every weight is written every image
        return correct, stats, len(order) / (time.perf_counter() - t0)

    def test_correct(self, weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, seed: int, epoch: int) -> int:
        return int(np.sum(np.argmax(self.forward(weights, x)[-1], axis=1) == y))
