"""How a layer's work sits on the hardware: crossbar arrays (MCA) and the MAC array's dataflow (digital).

Crossbars always use the design's geometry through the shared tiling rule (config/tiling.py,
the one the functional simulator uses). Digital layers are matrix products O[M, N] = W[M, K]·X[K, N]
(M outputs, K fan-in, N = positions × images) mapped on rows × cols PEs; the counts below are the
accesses each operand makes at the SRAM level for the design's dataflow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from archsim.config.tiling import TileGrid


# -- crossbars -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ArrayMapping:
    """One layer on crossbar arrays: its tile grid, and (shared mapping) how often it is reprogrammed."""

    grid: TileGrid
    passes: int = 1          # shared mapping: rounds of ≤ pool-size tiles the batch's MVMs take
    reprogram: bool = False  # tiles are programmed every batch (shared pool too small to keep them)

    @property
    def arrays(self) -> int:
        return self.grid.tiles

    @property
    def utilisation(self) -> float:
        """Share of the mapped arrays' cells holding a weight."""
        g = self.grid
        return g.rows * g.cols / (g.tiles * g.array_rows * g.array_cols)

    def lines(self, direction: str, devices_per_weight: int) -> tuple[int, int, int]:
        """(input lines driven, output lines converted, partial-sum tiles) of one read of the layer.

        Forward: each array drives its rows (shared by the devices of a unit cell) and converts its
        columns (a differential pair is subtracted before the ADC); row tiles give partial sums.
        Backward: each array drives the device lines of its columns and converts its rows; column
        tiles give partial sums.
        """
        g = self.grid
        if direction == "forward":
            return g.rows * g.col_tiles, g.cols * g.row_tiles, g.row_tiles
        return g.cols * devices_per_weight * g.row_tiles, g.rows * g.col_tiles, g.col_tiles

    def lines_out_per_array(self, direction: str) -> int:
        """Output lines of the fullest array (what its ADCs must convert per read)."""
        g = self.grid
        return min(g.cols, g.array_cols) if direction == "forward" else min(g.rows, g.array_rows)


def map_crossbars(layers: dict[str, tuple[int, int]], crossbar) -> dict[str, ArrayMapping]:
    """Array mapping of every weighted layer (name → (rows, cols)) for a design's `crossbar`."""
    grids = {n: TileGrid(r, c, crossbar.rows, crossbar.cols) for n, (r, c) in layers.items()}
    if crossbar.dedicated:
        return {n: ArrayMapping(g) for n, g in grids.items()}
    pool = crossbar.shared_arrays
    resident = sum(g.tiles for g in grids.values()) <= pool
    return {n: ArrayMapping(g, 1 if resident else math.ceil(g.tiles / pool), not resident)
            for n, g in grids.items()}


# -- digital MAC array -----------------------------------------------------------------------------
@dataclass(frozen=True)
class MatmulCounts:
    """Per-op counts of one matrix product on the MAC array (elements, not words)."""

    macs: float
    cycles: float
    pes_used: int
    weight_reads: float   # the W operand (weights; δ in a weight gradient)
    input_reads: float    # the X operand
    psum_reads: float     # partial sums re-read to accumulate (weight stationary, fan-in > rows)
    psum_writes: float
    output_writes: float


def _tile(first: int, second: int, rows: int, cols: int) -> tuple[int, int]:
    """The PE tile a layer occupies: up to `rows` of its first dimension × `cols` of its second."""
    return min(first, rows), min(second, cols)


def matmul(M: int, K: int, N: int, dataflow: str, rows: int, cols: int) -> MatmulCounts:
    """O[M, N] = W[M, K]·X[K, N] on a rows × cols PE array.

    output_stationary: p positions × m outputs accumulate in the PEs over the whole fan-in; each
      weight is read once per tile of p positions (broadcast down p rows), each input once per
      tile of m outputs (broadcast across m columns); outputs are written once.
    weight_stationary: k fan-in × m output weights stay in the PEs while all N positions and
      images stream through: each weight is read once per op, each input once per tile of m
      outputs, and outputs take ceil(K/k) partial sums, re-read and re-written in SRAM.
    A layer smaller than the array leaves PEs idle (a batch-1 dense layer uses one row).
    """
    macs = float(M) * K * N
    if dataflow == "output_stationary":
        p, m = _tile(N, M, rows, cols)
        n_tiles, m_tiles = math.ceil(N / p), math.ceil(M / m)
        return MatmulCounts(macs, float(n_tiles) * m_tiles * K, p * m, float(K) * M * n_tiles,
                            float(K) * N * m_tiles, 0.0, 0.0, float(M) * N)
    k, m = _tile(K, M, rows, cols)
    k_tiles, m_tiles = math.ceil(K / k), math.ceil(M / m)
    psums = float(k_tiles - 1) * M * N
    return MatmulCounts(macs, float(k_tiles) * m_tiles * N, k * m, float(K) * M, float(K) * N * m_tiles,
                        psums, psums, float(M) * N)


def weight_gradient(rows: int, cols: int, N: int, pe_rows: int, pe_cols: int) -> MatmulCounts:
    """ΔW[rows, cols] = Σ_n x[rows, n]·δ[cols, n] over N positions × images (dense SGD).

    A tile of p × m gradient entries accumulates in the PEs while the N samples stream through;
    per sample it reads the tile's p inputs and m errors. With a single sample (batch-1 dense
    layer) the m errors stay in the PEs across the row tiles. `weight_reads` counts δ,
    `input_reads` x, `output_writes` the gradient entries added into W.
    """
    p, m = _tile(rows, cols, pe_rows, pe_cols)
    r_tiles, c_tiles = math.ceil(rows / p), math.ceil(cols / m)
    d_reads = float(cols) * N * (r_tiles if N > 1 else 1)
    return MatmulCounts(float(rows) * cols * N, float(r_tiles) * c_tiles * N, p * m, d_reads,
                        float(rows) * N * c_tiles, 0.0, 0.0, float(rows) * cols)
