"""Counts from programming a network onto PCM, handed to the estimator for the one-off cost."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class ProgrammingStats:
    """One weighted layer: devices programmed by program-and-verify (one per weight) and RESET
    (the partner device of each pair); iterations = programming pulses per programmed device,
    each followed by one verify read; converged = final verify read within tolerance."""

    devices_programmed: int
    devices_reset: int
    mean_iterations: float
    max_iterations: int
    converged_fraction: float

    @classmethod
    def from_arrays(cls, iterations: np.ndarray, converged: np.ndarray) -> "ProgrammingStats":
        return cls(int(iterations.size), int(iterations.size), float(iterations.mean()),
                   int(iterations.max()), float(converged.mean()))

    def as_dict(self) -> dict:
        return asdict(self)
