"""Batch normalisation over channels (digital unit) with running statistics and re-estimation.

Re-estimation (for PCM drift): `start_reestimation()`, run calibration batches forward with
`train=False`, then `finish_reestimation()` replaces the running statistics by the exact mean and
variance of this layer's input over the whole calibration set (normalising with batch statistics
meanwhile, like training mode).
"""

from __future__ import annotations

import numpy as np

from archsim.functional.layers.base import Layer, Param


class BatchNorm(Layer):
    """y = γ·(x − μ)/√(σ² + eps) + β per channel; (N, C, H, W) or (N, C) inputs."""

    def __init__(self, name: str, channels: int, momentum: float = 0.1, eps: float = 1e-5):
        self.name, self.momentum, self.eps = name, momentum, eps
        self.gamma = np.ones(channels, dtype=np.float32)
        self.beta = np.zeros(channels, dtype=np.float32)
        self.dgamma = np.zeros_like(self.gamma)
        self.dbeta = np.zeros_like(self.beta)
        self.running_mean = np.zeros(channels, dtype=np.float32)
        self.running_var = np.ones(channels, dtype=np.float32)
        self._cache = None
        self._reest: list | None = None

    def params(self):
        return [Param(f"{self.name}.gamma", self.gamma, self.dgamma, decay=False),
                Param(f"{self.name}.beta", self.beta, self.dbeta, decay=False)]

    def buffers(self):
        return {f"{self.name}.running_mean": self.running_mean, f"{self.name}.running_var": self.running_var}

    @staticmethod
    def _view(x, v):
        return v.reshape(1, -1, 1, 1) if x.ndim == 4 else v.reshape(1, -1)

    def forward(self, x, train):
        axes = (0, 2, 3) if x.ndim == 4 else (0,)
        if train or self._reest is not None:
            mean = x.mean(axis=axes)
            var = x.var(axis=axes)
            count = x.size // x.shape[1]
            if train:
                m = self.momentum
                self.running_mean[:] = (1 - m) * self.running_mean + m * mean
                self.running_var[:] = (1 - m) * self.running_var + m * var * count / max(count - 1, 1)
            else:
                self._reest.append((count, mean.astype(np.float64), var.astype(np.float64)))
        else:  # inference: one fused affine per channel
            scale = self.gamma / np.sqrt(self.running_var + self.eps)
            shift = self.beta - self.running_mean * scale
            return x * self._view(x, scale.astype(x.dtype)) + self._view(x, shift.astype(x.dtype))
        inv = (1.0 / np.sqrt(var + self.eps)).astype(x.dtype, copy=False)
        xhat = (x - self._view(x, mean)) * self._view(x, inv)
        if train:
            self._cache = (xhat, inv, axes)
        return xhat * self._view(x, self.gamma) + self._view(x, self.beta)

    def backward(self, grad):
        xhat, inv, axes = self._cache
        m = grad.size // grad.shape[1]
        self.dgamma[:] = (grad * xhat).sum(axis=axes)
        self.dbeta[:] = grad.sum(axis=axes)
        gx = grad * self._view(grad, self.gamma)
        return (self._view(grad, inv) / m) * (
            m * gx - self._view(grad, gx.sum(axis=axes)) - xhat * self._view(grad, (gx * xhat).sum(axis=axes)))

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
