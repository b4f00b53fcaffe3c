"""Fault injection for sweep tests: chunk functions that fail or kill their worker on given points
(module-level so Dask can ship them to worker processes)."""

from __future__ import annotations

import os
from pathlib import Path

from archsim.sweep.evaluate import evaluate_chunk


class FailOn:
    """Raise for any task containing a point whose values include `value` at `target`."""

    def __init__(self, target: str, value):
        self.target, self.value = target, value

    def __call__(self, ctx, points):
        if any(p.values.get(self.target) == self.value for p in points):
            raise RuntimeError(f"injected failure at {self.target}={self.value}")
        return evaluate_chunk(ctx, points)


class KillWorkerOnce:
    """The first task holding the marked point kills its worker process (as if the machine died);
    `marker` records that it happened, so the scheduler's retry on another worker succeeds."""

    def __init__(self, target: str, value, marker: Path):
        self.target, self.value, self.marker = target, value, str(marker)

    def __call__(self, ctx, points):
        if any(p.values.get(self.target) == self.value for p in points) and not os.path.exists(self.marker):
            Path(self.marker).write_text(str(os.getpid()))
            os._exit(1)
        return evaluate_chunk(ctx, points)


class Counting:
    """Count evaluated points in a file (one line per point), then evaluate normally."""

    def __init__(self, log: Path):
        self.log = str(log)

    def __call__(self, ctx, points):
        with open(self.log, "a") as fh:
            fh.write("".join(f"{p.key}\n" for p in points))
        return evaluate_chunk(ctx, points)
