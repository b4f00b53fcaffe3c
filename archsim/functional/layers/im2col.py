"""im2col / col2im: unroll k×k×C_in input patches into crossbar rows (conv as one matrix product).

Patch columns are ordered (c, kh, kw), i.e. row index (c·k + a)·k + b of the crossbar matrix.
Output rows are ordered (n, i, j) so that a (N·Ho·Wo, C_out) product reshapes to (N, Ho, Wo, C_out).
"""

from __future__ import annotations

import numpy as np
from numba import njit


def conv_out_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Output length of a convolution / pooling window along one axis."""
    return (size + 2 * padding - kernel) // stride + 1


def im2col(x: np.ndarray, kernel: int, stride: int = 1, padding: int = 0) -> np.ndarray:
    """(N, C, H, W) → (N·Ho·Wo, C·k·k): one row per output pixel, one column per crossbar row."""
    n, c, h, w = x.shape
    if padding:
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    ho, wo = conv_out_size(h, kernel, stride, padding), conv_out_size(w, kernel, stride, padding)
    win = np.lib.stride_tricks.sliding_window_view(x, (kernel, kernel), axis=(2, 3))
    win = win[:, :, : (ho - 1) * stride + 1 : stride, : (wo - 1) * stride + 1 : stride]
    return np.ascontiguousarray(win.transpose(0, 2, 3, 1, 4, 5)).reshape(n * ho * wo, c * kernel * kernel)


@njit(cache=True)
def _col2im(cols, n, c, h, w, kernel, stride, padding, ho, wo):
    out = np.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=cols.dtype)
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                row = (b * ho + i) * wo + j
                for ch in range(c):
                    for a in range(kernel):
                        for q in range(kernel):
                            out[b, ch, i * stride + a, j * stride + q] += cols[row, (ch * kernel + a) * kernel + q]
    return out


def col2im(cols: np.ndarray, x_shape: tuple[int, int, int, int], kernel: int, stride: int = 1,
           padding: int = 0) -> np.ndarray:
    """Adjoint of im2col: scatter-add patch gradients back to an (N, C, H, W) input gradient."""
    n, c, h, w = x_shape
    ho, wo = conv_out_size(h, kernel, stride, padding), conv_out_size(w, kernel, stride, padding)
    out = _col2im(np.ascontiguousarray(cols), n, c, h, w, kernel, stride, padding, ho, wo)
    return out[:, :, padding:padding + h, padding:padding + w]


@njit(cache=True)
def conv2d_direct(x, w, bias, stride, padding):
    """Reference convolution by explicit loops (for tests): x (N,C,H,W), w (C_out,C,k,k), bias (C_out,)."""
    n, c, h, wd = x.shape
    c_out, _, k, _ = w.shape
    ho = (h + 2 * padding - k) // stride + 1
    wo = (wd + 2 * padding - k) // stride + 1
    out = np.zeros((n, c_out, ho, wo), dtype=np.float64)
    for b in range(n):
        for o in range(c_out):
            for i in range(ho):
                for j in range(wo):
                    acc = bias[o]
                    for ch in range(c):
                        for a in range(k):
                            for q in range(k):
                                y = i * stride + a - padding
                                xx = j * stride + q - padding
                                if 0 <= y < h and 0 <= xx < wd:
                                    acc += x[b, ch, y, xx] * w[o, ch, a, q]
                    out[b, o, i, j] = acc
    return out
