"""The one tiling rule: how a rows × cols weight matrix sits on crossbar arrays of a design's geometry.

Shared by the functional simulator (which computes partial MVMs per row tile and adds them
digitally) and the hardware model (which counts arrays, conversions and partial-sum traffic), so
the functional and the estimated mapping always agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class TileGrid:
    """How a rows × cols matrix is laid out on arrays of `array_rows` × `array_cols`: row tiles × column tiles."""

    rows: int
    cols: int
    array_rows: int
    array_cols: int

    @property
    def row_tiles(self) -> int:
        return math.ceil(self.rows / self.array_rows)

    @property
    def col_tiles(self) -> int:
        return math.ceil(self.cols / self.array_cols)

    @property
    def tiles(self) -> int:
        return self.row_tiles * self.col_tiles

    def row_slices(self) -> list[slice]:
        """Row ranges of the matrix held by each row tile (partial sums over these are added digitally)."""
        return [slice(r, min(r + self.array_rows, self.rows)) for r in range(0, self.rows, self.array_rows)]

    def col_slices(self) -> list[slice]:
        """Column ranges of the matrix held by each column tile (disjoint outputs)."""
        return [slice(c, min(c + self.array_cols, self.cols)) for c in range(0, self.cols, self.array_cols)]
