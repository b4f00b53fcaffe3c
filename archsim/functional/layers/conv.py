"""Convolution on a crossbar: im2col unrolls k×k×C_in patches into rows; an Ho×Wo output takes
Ho·Wo MVMs (one per output pixel), each a row of the im2col matrix times the weight matrix.
Feature maps are channels-last (N, H, W, C)."""

from __future__ import annotations

import numpy as np

from archsim.functional.layers.kernels import col2im, im2col
from archsim.functional.layers.weighted import WeightedLayer


def conv_out_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Output length of a convolution / pooling window along one axis."""
    return (size + 2 * padding - kernel) // stride + 1


class Conv2d(WeightedLayer):
    """2-D convolution with padding and stride; weights stored as a (k·k·C_in (+1), C_out) matrix whose
    rows are ordered (kh, kw, c) inside, and (c, kh, kw) in saved weights (`saved_rows`)."""

    def __init__(self, name, in_channels, out_channels, kernel, stride, padding, bias, rng, **kw):
        super().__init__(name, in_channels * kernel * kernel, out_channels, bias, rng, **kw)
        self.in_channels, self.kernel, self.stride, self.padding = in_channels, kernel, stride, padding
        self._in_shape = None
        self.count_nonzeros = False  # crossbar trainers need per-row input non-zeros (filled by unroll)
        self.x_nnz: np.ndarray | None = None
        k, c = kernel, in_channels
        a, q, ch = np.meshgrid(np.arange(k), np.arange(k), np.arange(c), indexing="ij")
        order = (ch * k * k + a * k + q).ravel()  # saved-row index of each stored row
        self.saved_rows = np.concatenate([order, [self.fan_in]]) if bias else order
        self.stored_rows = np.argsort(self.saved_rows)

    def kernels(self) -> np.ndarray:
        """The weights as (C_out, C_in, k, k) filters."""
        saved = self.W[self.stored_rows]
        return saved[: self.fan_in].T.reshape(self.cols, self.in_channels, self.kernel, self.kernel)

    def unroll(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        """The im2col matrix (N·Ho·Wo, rows) of an (N, H, W, C) input, bias column included. In training
        it is written into the layer's buffer (kept as x2d until the next training batch overwrites it)."""
        n, h, w, _ = x.shape
        ho = conv_out_size(h, self.kernel, self.stride, self.padding)
        wo = conv_out_size(w, self.kernel, self.stride, self.padding)
        shape = (n * ho * wo, self.rows)
        cols = self.buffer("cols", shape) if train else np.empty(shape, dtype=self.dtype)
        nnz = np.empty(cols.shape[0] if self.count_nonzeros else 0, dtype=np.int64)
        im2col(np.ascontiguousarray(x, dtype=self.dtype), self.kernel, self.stride, self.padding, self.bias, cols,
               nnz)
        self.x_nnz = nnz if self.count_nonzeros else None
        return cols

    def forward(self, x, train):
        n, h, w, _ = x.shape
        ho = conv_out_size(h, self.kernel, self.stride, self.padding)
        wo = conv_out_size(w, self.kernel, self.stride, self.padding)
        if train:
            self._in_shape = x.shape
        x2d = self.unroll(x, train)
        digital = train and self.array is None
        out = self.buffer("y", (x2d.shape[0], self.cols)) if digital else None
        return self.matmul(x2d, train, out).reshape(n, ho, wo, self.cols)

    def backward(self, grad):
        g2d = np.ascontiguousarray(grad).reshape(-1, self.cols)
        digital = self.array is None and not self.skip_input_grad
        dcols = self.matmul_backward(g2d, self.buffer("dcols", (g2d.shape[0], self.fan_in)) if digital else None)
        if dcols is None:
            return None
        out = np.empty(self._in_shape, dtype=dcols.dtype)
        col2im(np.ascontiguousarray(dcols), self.kernel, self.stride, self.padding, out)
        return out
