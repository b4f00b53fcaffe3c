"""numba kernels of the layer stack on channels-last (N, H, W, C) feature maps.

im2col / col2im unroll k×k×C patches into crossbar rows ordered (kh, kw, c) — contiguous copies of
channels-last maps — optionally with a trailing bias column fixed at 1 (saved `<layer>.W` arrays use
the (c, kh, kw) order; layers/conv.py converts). Pooling, batch normalisation and the ReLU gradient are single
passes over the data. Every kernel works for float32 and float64 (numba compiles one version per
dtype).
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64



@njit(cache=True)
def im2col(x, k, stride, pad, bias, out, nnz):
    """x (N, H, W, C) → out (N·Ho·Wo, k·k·C [+1]): one row per output pixel, ordered (n, i, j), columns
    ordered (kh, kw, c) so that each kernel row is one contiguous run of the input. nnz[r] (if it has
    rows) counts the row's non-zero entries, bias included. x and out are C-contiguous."""
    n, h, w, c = x.shape
    ho = (h + 2 * pad - k) // stride + 1
    wo = (w + 2 * pad - k) // stride + 1
    kc = k * c
    cols = out.shape[1]
    xf = x.ravel()
    of = out.ravel()
    count = nnz.shape[0] == out.shape[0]
    if pad == 0:  # no border: one copy loop per kernel row, through unsigned indices (no wrap-around test
        r = 0     # on negative indices, so the copies vectorise)
        for b in range(n):
            for i in range(ho):
                for j in range(wo):
                    o = r * cols
                    for a in range(k):
                        src = ((b * h + i * stride + a) * w + j * stride) * c
                        d = o + a * kc
                        for e in range(kc):
                            of[uint64(d + e)] = xf[uint64(src + e)]
                    if bias:
                        of[o + k * kc] = 1.0
                    if count:
                        m = 0
                        for e in range(cols):
                            m += of[uint64(o + e)] != 0.0
                        nnz[r] = m
                    r += 1
        return
    r = 0
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                o = r * cols
                x0 = j * stride - pad
                lo = max(0, -x0) * c
                hi = max(min(k, w - x0) * c, lo)
                for a in range(k):
                    y = i * stride + a - pad
                    base = o + a * kc
                    if y < 0 or y >= h:
                        for e in range(kc):
                            of[base + e] = 0.0
                        continue
                    src = ((b * h + y) * w + x0) * c
                    for e in range(lo):
                        of[base + e] = 0.0
                    of[base + lo: base + hi] = xf[src + lo: src + hi]  # a slice copy: faster than the loop
                    for e in range(hi, kc):
                        of[base + e] = 0.0
                if bias:
                    of[o + k * kc] = 1.0
                if count:
                    m = 0
                    for e in range(cols):
                        m += of[o + e] != 0.0
                    nnz[r] = m
                r += 1


@njit(cache=True)
def col2im(cols, k, stride, pad, out):
    """Adjoint of im2col: scatter-add patch gradients (N·Ho·Wo, ≥k·k·C) into out (N, H, W, C), zeroed here."""
    n, h, w, c = out.shape
    ho = (h + 2 * pad - k) // stride + 1
    wo = (w + 2 * pad - k) // stride + 1
    kc = k * c
    width = cols.shape[1]
    cf = cols.ravel()
    of = out.ravel()
    of[:] = 0.0
    r = 0
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                o = r * width
                x0 = j * stride - pad
                lo = max(0, -x0) * c
                hi = max(min(k, w - x0) * c, lo)
                for a in range(k):
                    y = i * stride + a - pad
                    if y < 0 or y >= h:
                        continue
                    dst = ((b * h + y) * w + x0) * c
                    base = o + a * kc
                    run = of[dst + lo: dst + hi]  # an in-place add of views vectorises; the indexed loop did not
                    run += cf[base + lo: base + hi]
                r += 1


@njit(cache=True)
def row_nonzeros(x2d, out):
    """out[r] = non-zero entries of row r."""
    for r in range(x2d.shape[0]):
        m = 0
        for v in x2d[r]:
            m += v != 0.0
        out[r] = m


@njit(cache=True)
def maxpool_forward(x, k, stride, out, arg, relu):
    """Max over k×k windows; arg (N, Ho, Wo, C) int32 keeps the winning window offset a·k + q (the first
    maximum). relu: out = max(out, 0), which equals max pooling of relu(x) (max is monotone)."""
    n, ho, wo, c = out.shape
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                o = out[b, i, j]
                g = arg[b, i, j]
                src = x[b, i * stride, j * stride]
                for ch in range(c):
                    o[ch] = src[ch]
                    g[ch] = 0
                for a in range(k):
                    for q in range(k):
                        if a == 0 and q == 0:
                            continue
                        src = x[b, i * stride + a, j * stride + q]
                        for ch in range(c):
                            if src[ch] > o[ch]:
                                o[ch] = src[ch]
                                g[ch] = a * k + q
                if relu:
                    for ch in range(c):
                        o[ch] = max(o[ch], 0.0)


@njit(cache=True)
def maxpool_backward(grad, arg, k, stride, pooled, relu, out):
    """Route each output gradient to its window's maximum (relu: only where the pooled output `pooled`
    is > 0, the ReLU's gradient); out (N, H, W, C) is filled here. Non-overlapping windows (stride = k)
    write every input position once; otherwise out is zeroed and gradients are added."""
    n, ho, wo, c = grad.shape
    h, w = out.shape[1], out.shape[2]
    if stride == k:
        for b in range(n):
            for i in range(ho):
                for j in range(wo):
                    gr = grad[b, i, j]
                    ar = arg[b, i, j]
                    pr = pooled[b, i, j]
                    for a in range(k):
                        for q in range(k):
                            dst = out[b, i * k + a, j * k + q]
                            t = a * k + q
                            for ch in range(c):
                                hit = ar[ch] == t and (not relu or pr[ch] > 0)
                                dst[ch] = gr[ch] if hit else 0.0
            for y in range(ho * k, h):  # rows and columns past the last window get no gradient
                out[b, y] = 0.0
            for y in range(ho * k):
                out[b, y, wo * k:] = 0.0
        return
    out[:] = 0.0
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                for ch in range(c):
                    if relu and not pooled[b, i, j, ch] > 0:
                        continue
                    a = arg[b, i, j, ch] // k
                    q = arg[b, i, j, ch] - a * k
                    out[b, i * stride + a, j * stride + q, ch] += grad[b, i, j, ch]


@njit(cache=True)
def avgpool_forward(x, k, stride, out):
    n, ho, wo, c = out.shape
    inv = 1.0 / (k * k)
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                o = out[b, i, j]
                o[:] = 0.0
                for a in range(k):
                    for q in range(k):
                        src = x[b, i * stride + a, j * stride + q]
                        for ch in range(c):
                            o[ch] += src[ch]
                for ch in range(c):
                    o[ch] *= inv


@njit(cache=True)
def avgpool_backward(grad, k, stride, out):
    n, ho, wo, c = grad.shape
    inv = 1.0 / (k * k)
    out[:] = 0.0
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                g = grad[b, i, j]
                for a in range(k):
                    for q in range(k):
                        dst = out[b, i * stride + a, j * stride + q]
                        for ch in range(c):
                            dst[ch] += g[ch] * inv


@njit(cache=True)
def channel_moments(x2d):
    """Per-column mean and (biased) variance of an (M, C) matrix, accumulated in float64."""
    m, c = x2d.shape
    s = np.zeros(c)
    ss = np.zeros(c)
    for r in range(m):
        row = x2d[r]
        for ch in range(c):
            v = np.float64(row[ch])
            s[ch] += v
            ss[ch] += v * v
    mean = s / m
    var = np.maximum(ss / m - mean * mean, 0.0)
    return mean, var


@njit(cache=True)
def batchnorm_apply(x2d, mean, inv, gamma, beta, xhat, out):
    """xhat = (x − mean)·inv and out = γ·xhat + β per column (xhat may be a 0-row dummy: not stored)."""
    m, c = x2d.shape
    keep = xhat.shape[0] == m
    for r in range(m):
        row = x2d[r]
        o = out[r]
        for ch in range(c):
            v = (row[ch] - mean[ch]) * inv[ch]
            if keep:
                xhat[r, ch] = v
            o[ch] = v * gamma[ch] + beta[ch]


@njit(cache=True)
def batchnorm_backward(g2d, xhat, inv, gamma, dgamma, dbeta, out):
    """dx of batch normalisation (training statistics); fills dγ, dβ."""
    m, c = g2d.shape
    sg = np.zeros(c)
    sgx = np.zeros(c)
    for r in range(m):
        g = g2d[r]
        xh = xhat[r]
        for ch in range(c):
            sg[ch] += g[ch]
            sgx[ch] += g[ch] * xh[ch]
    for ch in range(c):
        dgamma[ch] = sgx[ch]
        dbeta[ch] = sg[ch]
    for ch in range(c):
        sg[ch] /= m
        sgx[ch] /= m
    for r in range(m):
        g = g2d[r]
        xh = xhat[r]
        o = out[r]
        for ch in range(c):
            o[ch] = gamma[ch] * inv[ch] * (g[ch] - sg[ch] - xh[ch] * sgx[ch])


@njit(cache=True)
def relu_backward(grad, a, out):
    """out = grad · 1[a > 0] over flat arrays."""
    g = grad.ravel()
    av = a.ravel()
    o = out.ravel()
    for i in range(g.size):
        o[i] = g[i] if av[i] > 0 else 0.0


@njit(cache=True)
def outer(x, g, out):
    """out = x ⊗ g (the gradient of one image at one position)."""
    for i in range(x.size):
        xi = x[i]
        o = out[i]
        for j in range(g.size):
            o[j] = xi * g[j]
