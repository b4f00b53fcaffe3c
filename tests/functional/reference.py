"""Reference implementations the functional tests compare against."""

import numpy as np
from numba import njit


@njit
def conv2d_direct(x, w, bias, stride, padding):
    """Reference convolution by explicit loops: x (N,C,H,W), w (C_out,C,k,k), bias (C_out,) → (N,C_out,Ho,Wo)."""
    n, c, h, wd = x.shape
    c_out, _, k, _ = w.shape
    ho = (h + 2 * padding - k) // stride + 1
    wo = (wd + 2 * padding - k) // stride + 1
    out = np.zeros((n, c_out, ho, wo))
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


def nhwc(x):
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1))


def nhwc(x):
    """(N, C, H, W) → contiguous (N, H, W, C)."""
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1))
