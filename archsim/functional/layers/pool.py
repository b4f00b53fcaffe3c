"""Max / average pooling in the digital unit (windows via im2col; fast reshape path when tiling exactly)."""

from __future__ import annotations

import numpy as np

from archsim.functional.layers.base import Layer
from archsim.functional.layers.im2col import col2im, conv_out_size, im2col


class Pool(Layer):
    """`mode` 'max' or 'avg' over k×k windows with the given stride (no padding)."""

    def __init__(self, name: str, mode: str, kernel: int, stride: int | None = None):
        self.name, self.mode, self.kernel = name, mode, kernel
        self.stride = stride or kernel
        self._cache = None

    def _exact(self, x) -> bool:
        return self.stride == self.kernel and x.shape[2] % self.kernel == 0 and x.shape[3] % self.kernel == 0

    def forward(self, x, train):
        n, c, h, w = x.shape
        k, s = self.kernel, self.stride
        ho, wo = conv_out_size(h, k, s, 0), conv_out_size(w, k, s, 0)
        if self._exact(x) and not train:  # inference: reduce the window axes directly
            blocks = x.reshape(n, c, ho, k, wo, k)
            return blocks.max(axis=(3, 5)) if self.mode == "max" else blocks.mean(axis=(3, 5))
        if self._exact(x):
            win = x.reshape(n, c, ho, k, wo, k).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, ho, wo, k * k)
        else:
            win = im2col(x.reshape(n * c, 1, h, w), k, s, 0).reshape(n, c, ho, wo, k * k)
        if self.mode == "max":
            idx = win.argmax(axis=-1)
            out = np.take_along_axis(win, idx[..., None], axis=-1)[..., 0]
        else:
            idx = None
            out = win.mean(axis=-1)
        if train:
            self._cache = (x.shape, idx)
        return out

    def backward(self, grad):
        shape, idx = self._cache
        n, c, h, w = shape
        k, s = self.kernel, self.stride
        ho, wo = grad.shape[2], grad.shape[3]
        if self.mode == "max":
            win = np.zeros((n, c, ho, wo, k * k), dtype=grad.dtype)
            np.put_along_axis(win, idx[..., None], grad[..., None], axis=-1)
        else:
            win = np.broadcast_to(grad[..., None] / (k * k), (n, c, ho, wo, k * k))
        if self.stride == self.kernel and h % k == 0 and w % k == 0:
            return np.ascontiguousarray(
                win.reshape(n, c, ho, wo, k, k).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h, w))
        return col2im(win.reshape(n * c * ho * wo, k * k), (n * c, 1, h, w), k, s, 0).reshape(shape)
