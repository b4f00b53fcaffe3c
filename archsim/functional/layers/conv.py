"""Convolution on a crossbar: im2col unrolls k×k×C_in patches into rows; an Ho×Wo output takes
Ho·Wo MVMs (one per output pixel), each a row of the im2col matrix times the weight matrix."""

from __future__ import annotations

import numpy as np

from archsim.functional.layers.im2col import col2im, conv_out_size, im2col
from archsim.functional.layers.weighted import WeightedLayer


class Conv2d(WeightedLayer):
    """2-D convolution with padding and stride; weights stored as a (k·k·C_in (+1), C_out) matrix."""

    def __init__(self, name, in_channels, out_channels, kernel, stride, padding, bias, rng, array_rows=None):
        super().__init__(name, in_channels * kernel * kernel, out_channels, bias, rng, array_rows)
        self.kernel, self.stride, self.padding = kernel, stride, padding
        self._in_shape = None

    def kernels(self) -> np.ndarray:
        """The weights as (C_out, C_in, k, k) filters (crossbar rows are ordered c, kh, kw)."""
        c_in = self.fan_in // (self.kernel * self.kernel)
        return self.W[: self.fan_in].T.reshape(self.cols, c_in, self.kernel, self.kernel)

    def forward(self, x, train):
        n, _, h, w = x.shape
        ho = conv_out_size(h, self.kernel, self.stride, self.padding)
        wo = conv_out_size(w, self.kernel, self.stride, self.padding)
        if train:
            self._in_shape = x.shape
        y = self.matmul(im2col(x, self.kernel, self.stride, self.padding), train)
        # an (N, C, H, W) view of channels-last memory: element-wise layers keep that layout, no copy
        return y.reshape(n, ho, wo, self.cols).transpose(0, 3, 1, 2)

    def backward(self, grad):
        g2d = grad.transpose(0, 2, 3, 1).reshape(-1, self.cols)
        dcols = self.matmul_backward(g2d)
        if dcols is None:
            return None
        return col2im(dcols, self._in_shape, self.kernel, self.stride, self.padding)
