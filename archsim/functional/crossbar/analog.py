"""One weighted layer on PCM crossbar tiles: batched forward and transposed reads with DAC, read
noise, output noise and ADC.

A weight's unit cell holds N devices per sign (multi-device synapse, Boybat et al., Nat. Commun. 9,
2514 (2018)): gp and gm are (N, rows, cols) stacks whose currents add on the read, so the read matrices
are Σ_k (G⁺_k − G⁻_k) and Σ_k (σ(G⁺_k)² + σ(G⁻_k)²); N = 1 is the plain differential pair.

The layer's matrix W = β·Σ_k (G⁺_k − G⁻_k) sits on tiles of the design's geometry (archsim.config.tiling):
a forward read (rows → columns) of an input row x is
    s = max|x|;  x̂ = DAC(x / s);  per row tile t: p_t = ADC(x̂_t·(G⁺ − G⁻)_t + noise_t);  y = β·s·Σ_t p_t
(the transposed read sums over column tiles instead). The noise of one tile's output is exactly
Gaussian: every device read gets independent N(0, σ(G)²) (σ from the device model), so the output
variance is Σ_i x̂_i²·(σ(G⁺_ij)² + σ(G⁻_ij)²), computed as a second product with x̂²; output noise
(the converter's, as aihwkit's `out_noise`) adds its variance. One normal per output is drawn from
the array's NoiseStream (crossbar/normal.py) inside the ADC kernel. Inputs and outputs are in the network's dtype; conductances stay
float64 in the trainer's state and are converted once per change (`mark_changed`).

`bound_management` = aihwkit's iterative bound management: rows whose output hits the ADC range
are read again with the input halved (up to 10 times), trading resolution for range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, uint64

from archsim.config.tiling import TileGrid
from archsim.functional.crossbar.normal import ZIG_RATIO, ZIG_X, NoiseStream, fill_normal

BOUND_MANAGEMENT_STEPS = 10


@dataclass(frozen=True)
class ReadIO:
    """Converters and output noise of one read direction (conductance units: µS × normalised input)."""

    dac_bits: int = 8            # 0 = ideal DAC (scaled to [−1, 1], not rounded)
    adc_bits: int = 8            # 0 = ideal ADC (no rounding, no clipping)
    adc_range_us: float = 100.0  # ADC full scale of one tile's partial sum, ±
    out_noise_us: float = 0.0    # std of Gaussian noise at every ADC input
    bound_management: bool = False


@njit(cache=True)
def dac_rows(x, bits, factor, out, sq, scale):
    """Per row: scale = max|x|·factor (1 for a zero row), out = x/scale rounded to 2^(bits−1)−1 levels
    (bits > 0; factor ≥ 1 leaves part of the DAC range unused); sq = out² when it has rows. float64:
    the fused kernel's arithmetic (crossbar/quantize.dac_normalise); float32: multiplications by the
    reciprocal in float32. x, out, sq are C-contiguous: flat indexing, no per-row views (conv rows are
    short), through unsigned indices (no wrap-around test for negative ones, so the loops vectorise);
    the max runs in x's dtype (exact), over 16 lanes for long rows."""
    rows, n = x.shape
    want_sq = sq.shape[0] == rows
    levels = 2.0 ** (bits - 1) - 1.0
    wide = n // 16 * 16 if n >= 64 else 0
    lanes = np.zeros(16, dtype=x.dtype)
    xf, of, qf = x.ravel(), out.ravel(), sq.ravel()
    for r in range(rows):
        b = r * n
        mx = abs(xf[b])
        if wide:
            lanes[:] = 0.0
            for i in range(0, wide, 16):
                for k in range(16):
                    lanes[k] = max(lanes[k], abs(xf[uint64(b + i + k)]))
            mx = lanes.max()
        for i in range(wide, n):
            mx = max(mx, abs(xf[uint64(b + i)]))
        m = np.float64(mx)
        if m == 0.0:
            scale[r] = 1.0
            for i in range(n):
                of[uint64(b + i)] = 0.0
            if want_sq:
                for i in range(n):
                    qf[uint64(b + i)] = 0.0
            continue
        s = m * factor[r]
        scale[r] = s
        if x.itemsize == 8:
            for i in range(n):
                v = xf[uint64(b + i)] / s
                of[uint64(b + i)] = np.rint(v * levels) / levels if bits > 0 else v
            if want_sq:
                for i in range(n):
                    qf[uint64(b + i)] = of[uint64(b + i)] * of[uint64(b + i)]
        elif bits > 0:
            inv = np.float32(levels / s)
            step = np.float32(1.0 / levels)
            if want_sq:
                for i in range(n):
                    v = np.rint(xf[uint64(b + i)] * inv) * step
                    of[uint64(b + i)] = v
                    qf[uint64(b + i)] = v * v
            else:
                for i in range(n):
                    of[uint64(b + i)] = np.rint(xf[uint64(b + i)] * inv) * step
        else:
            inv = np.float32(1.0 / s)
            for i in range(n):
                v = xf[uint64(b + i)] * inv
                of[uint64(b + i)] = v
                if want_sq:
                    qf[uint64(b + i)] = v * v


@njit(cache=True)
def adc_accumulate(y, var, noise_state, bits, range_, acc, first, saturated, X, RT):
    """acc (=, if first, else +=) ADC(y + √var·z), z standard normal drawn here (var: 0-row dummy = no
    noise); saturated[r] is set where a row's pre-ADC value reaches the range. The normals of a block of
    rows (≈ 2,000 outputs) are drawn first (crossbar/normal.fill_normal: the generator's state in
    registers), then converted in branch-free passes that vectorise; draws stay in row-major output
    order."""
    rows, cols = y.shape
    noisy = var.shape[0] == rows
    levels = 2.0 ** (bits - 1) - 1.0
    lsb = range_ / levels
    per = max(1, 2048 // max(cols, 1))
    z = np.zeros(per * cols)
    v = np.empty(cols)
    for r0 in range(0, rows, per):
        r1 = min(rows, r0 + per)
        if noisy:
            fill_normal(noise_state, z[: (r1 - r0) * cols], X, RT)
        for r in range(r0, r1):
            o = (r - r0) * cols
            if noisy:
                for j in range(cols):
                    v[j] = y[r, j] + math.sqrt(max(var[r, j], 0.0)) * z[o + j]
            else:
                for j in range(cols):
                    v[j] = y[r, j]
            if bits > 0:
                hits = 0
                for j in range(cols):
                    hits += abs(v[j]) >= range_
                    v[j] = min(max(np.rint(v[j] / lsb), -levels), levels) * lsb
                if hits:
                    saturated[r] = True
            if first:
                for j in range(cols):
                    acc[r, j] = v[j]
            else:
                for j in range(cols):
                    acc[r, j] += v[j]


@njit(cache=True)
def scale_rows(acc, scale, gain):
    rows, cols = acc.shape
    for r in range(rows):
        f = scale[r] * gain
        for j in range(cols):
            acc[r, j] *= f


class AnalogArray:
    """Conductances of one layer (rows incl. bias row × cols) and how they are read."""

    def __init__(self, gp: np.ndarray, gm: np.ndarray, beta: float, device, forward_io: ReadIO,
                 backward_io: ReadIO, read_noise: bool, noise: NoiseStream, *, fan_in: int,
                 tile_rows: int | None = None, tile_cols: int | None = None, dtype=np.float32):
        self.gp, self.gm = gp, gm  # (rows, cols) or (N, rows, cols): the caller's buffers
        self.beta = float(beta)
        self.device = device
        self.fwd, self.bwd = forward_io, backward_io
        self.read_noise = bool(read_noise)
        self.noise = noise  # the stream of read-noise draws (re-seeded by the trainer / study)
        self.fan_in = fan_in
        self.dtype = np.dtype(dtype)
        rows, cols = gp.shape[-2:]
        grid = TileGrid(rows, cols, tile_rows or rows, tile_cols or cols)
        self.row_slices, self.col_slices = grid.row_slices(), grid.col_slices()
        self.output_scale = 1.0  # digital factor of global drift compensation
        self._w = self._s = None

    def mark_changed(self) -> None:
        """Conductances changed (pulses, refresh, drift): re-derive the read matrices before the next read."""
        self._w = self._s = None

    @property
    def rows(self) -> int:
        """Word lines of the layer's matrix (fan-in + bias row)."""
        return self.gp.shape[-2]

    def _stacks(self) -> tuple[np.ndarray, np.ndarray]:
        """G⁺ and G⁻ as (N, rows, cols) stacks (views)."""
        return tuple(g if g.ndim == 3 else g[None] for g in (self.gp, self.gm))

    def _matrices(self):
        if self._w is None:
            gp, gm = self._stacks()
            self._w = (gp - gm).sum(axis=0).astype(self.dtype)
            if self.read_noise:
                sp, sm = self.device.read_noise_std_us(gp), self.device.read_noise_std_us(gm)
                self._s = (sp * sp + sm * sm).sum(axis=0).astype(self.dtype)
        return self._w, self._s

    def weights(self) -> np.ndarray:
        """Noise-free weights β·Σ_k (G⁺_k − G⁻_k)."""
        gp, gm = self._stacks()
        return self.beta * (gp - gm).sum(axis=0)

    @property
    def wants_squares(self) -> bool:
        """Whether reads need x̂² (for the read-noise variance)."""
        return self.read_noise

    def forward(self, x1: np.ndarray, dac=None) -> np.ndarray:
        """(batch, rows) inputs (bias column included) → (batch, cols) outputs. `dac` = (x̂, x̂², scale) when
        the caller already normalised the rows (conv layers do it while unrolling; not with bound
        management, which re-reads)."""
        w, s = self._matrices()
        if dac is not None and not self.fwd.bound_management:
            out, _ = self._read_once(x1, None, w, s, self.fwd, self.row_slices, dac)
            return out
        return self._read(x1, w, s, self.fwd, self.row_slices)

    def backward(self, g: np.ndarray) -> np.ndarray:
        """(batch, cols) errors → (batch, fan_in): transposed read of the non-bias rows, partial sums
        over column tiles."""
        w, s = self._matrices()
        return self._read(g, w[: self.fan_in].T, s[: self.fan_in].T if s is not None else None, self.bwd,
                          self.col_slices)

    def _read(self, x, w, s, io: ReadIO, slices) -> np.ndarray:
        """Read every row of x through matrix w (tiles = row slices of w), with bound management."""
        x = np.ascontiguousarray(x, dtype=self.dtype)
        factor = np.ones(x.shape[0])
        out, saturated = self._read_once(x, factor, w, s, io, slices)
        rows = np.arange(x.shape[0])
        for _ in range(BOUND_MANAGEMENT_STEPS if io.bound_management else 0):
            if not saturated.any():
                break
            rows = rows[saturated]
            factor[rows] *= 2.0
            out[rows], saturated = self._read_once(x[rows], factor[rows], w, s, io, slices)
        return out

    def _read_once(self, x, factor, w, s, io: ReadIO, slices, dac=None):
        n = x.shape[0]
        if dac is None:
            xn = np.empty_like(x)
            sq = np.empty_like(x) if s is not None else np.empty((0, 0), dtype=self.dtype)
            scale = np.empty(n)
            dac_rows(x, io.dac_bits, factor, xn, sq, scale)
        else:
            xn, sq, scale = dac
        acc = np.empty((n, w.shape[1]), dtype=self.dtype)
        saturated = np.zeros(n, dtype=np.bool_)
        noise2 = self.dtype.type(io.out_noise_us ** 2)
        for k, sl in enumerate(slices):
            y = xn[:, sl] @ w[sl]
            if s is not None or noise2 > 0:
                var = sq[:, sl] @ s[sl] if s is not None else np.zeros_like(y)
                if noise2 > 0:
                    var += noise2
            else:
                var = np.empty((0, 0), dtype=self.dtype)
            adc_accumulate(y, var, self.noise.state, io.adc_bits, io.adc_range_us, acc, k == 0, saturated, ZIG_X,
                           ZIG_RATIO)
        scale_rows(acc, scale, self.beta * self.output_scale)
        return acc, saturated
