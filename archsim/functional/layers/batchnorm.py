"""Batch normalisation over channels (digital unit) with running statistics and re-estimation.

Inputs are (N, C) or channels-last (N, H, W, C). Re-estimation (for PCM drift):
`start_reestimation()`, run calibration batches forward with `train=False`, then
`finish_reestimation()` replaces the running statistics by the exact mean and variance of this
layer's input over the whole calibration set (normalising with batch statistics meanwhile, like
training mode).
"""

from __future__ import annotations

import numpy as np

from archsim.functional.layers.base import Layer, Param
from archsim.functional.layers.kernels import batchnorm_apply, batchnorm_backward, channel_moments


class BatchNorm(Layer):
    """y = γ·(x − μ)/√(σ² + eps) + β per channel (the last axis)."""

    def __init__(self, name: str, channels: int, momentum: float = 0.1, eps: float = 1e-5, dtype=np.float32):
        self.name, self.momentum, self.eps = name, momentum, eps
        self.gamma = np.ones(channels, dtype=dtype)
        self.beta = np.zeros(channels, dtype=dtype)
        self.dgamma = np.zeros_like(self.gamma)
        self.dbeta = np.zeros_like(self.beta)
        self.running_mean = np.zeros(channels, dtype=dtype)
        self.running_var = np.ones(channels, dtype=dtype)
        self._cache = None
        self._reest: list | None = None

    def params(self):
        return [Param(f"{self.name}.gamma", self.gamma, self.dgamma, decay=False),
                Param(f"{self.name}.beta", self.beta, self.dbeta, decay=False)]

    def buffers(self):
        return {f"{self.name}.running_mean": self.running_mean, f"{self.name}.running_var": self.running_var}

    def forward(self, x, train):
        shape = x.shape
        x2d = np.ascontiguousarray(x).reshape(-1, shape[-1])
        out = np.empty_like(x2d)
        if train or self._reest is not None:
            mean, var = channel_moments(x2d)
            count = x2d.shape[0]
            if train:
                m = self.momentum
                self.running_mean[:] = (1 - m) * self.running_mean + m * mean
                self.running_var[:] = (1 - m) * self.running_var + m * var * count / max(count - 1, 1)
            else:
                self._reest.append((count, mean, var))
            inv = 1.0 / np.sqrt(var + self.eps)
            xhat = np.empty_like(x2d) if train else np.empty((0, 0), dtype=x2d.dtype)
            batchnorm_apply(x2d, mean.astype(x2d.dtype), inv.astype(x2d.dtype), self.gamma, self.beta, xhat, out)
            if train:
                self._cache = (xhat, inv.astype(x2d.dtype))
        else:  # inference: one fused affine per channel
            inv = 1.0 / np.sqrt(self.running_var.astype(np.float64) + self.eps)
            batchnorm_apply(x2d, self.running_mean.astype(x2d.dtype), inv.astype(x2d.dtype), self.gamma,
                            self.beta, np.empty((0, 0), dtype=x2d.dtype), out)
        return out.reshape(shape)

    def backward(self, grad):
        xhat, inv = self._cache
        shape = grad.shape
        g2d = np.ascontiguousarray(grad).reshape(-1, shape[-1])
        out = np.empty_like(g2d)
        batchnorm_backward(g2d, xhat, inv, self.gamma, self.dgamma, self.dbeta, out)
        return out.reshape(shape)

    def start_reestimation(self) -> None:
        self._reest = []

    def finish_reestimation(self) -> None:
        """Running stats ← exact population mean/variance over all calibration batches seen."""
        counts = np.array([c for c, _, _ in self._reest], dtype=np.float64)
        means = np.stack([m for _, m, _ in self._reest])
        second = np.stack([v + m * m for _, m, v in self._reest])
        w = counts[:, None] / counts.sum()
        mean = (w * means).sum(axis=0)
        self.running_mean[:] = mean
        self.running_var[:] = (w * second).sum(axis=0) - mean * mean
        self._reest = None
