"""Per-image update statistics of one layer: the link between the functional simulator and the trace.

The analytical trace generator fills these from stated sparsity assumptions; a functional run
(archsim.functional) measures them. Either way the discrete-event model executes the same trace.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class LayerUpdateStats:
    """Average per training image, for one weighted layer (rows × cols weight matrix).

    This is the interface with the functional engine: every field is a per-image average (a batch
    of B images does B times this work; its pulses are issued once per batch).

    x_nonzero: non-zero entries of the (quantised) layer input per position (≤ rows).
    d_nonzero: non-zero entries of the (quantised) layer error per position (≤ cols).
    nonzero_updates: non-zero outer-product entries δ·xᵀ of the image, summed over its conv
        positions; each is one χ accumulation (read, add, compare, write).
    set_pulses: SET pulses applied to devices by the weight update.
    reset_pulses: RESET pulses (refresh of saturated pairs; depression in one-device mode).
    refresh_reads: device conductance reads spent detecting saturated pairs (amortised).
    refresh_set_pulses: SET pulses re-programming refreshed pairs (amortised).
    """

    x_nonzero: float
    d_nonzero: float
    nonzero_updates: float
    set_pulses: float
    reset_pulses: float = 0.0
    refresh_reads: float = 0.0
    refresh_set_pulses: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return asdict(self)
