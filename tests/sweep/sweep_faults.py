"""Fault injection for sweep tests: chunk functions that fail or kill their worker on given points
(module-level so Dask can ship them to worker processes)."""

from __future__ import annotations

import os
import signal
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


class KillContextHolders:
    """The first task (anywhere: a marker file is created atomically) SIGKILLs every worker that holds
    the sweep context, its own worker last, so that no copy of the context survives: the remaining
    points can only finish if the scheduler can rebuild the context."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __call__(self, ctx, points):
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return evaluate_chunk(ctx, points)
        from distributed import get_client, get_worker

        worker = get_worker()
        task = worker.state.tasks[worker.get_current_task()]
        keys = [dep.key for dep in task.dependencies]           # the context is this task's one dependency

        def holders(dask_scheduler, keys=keys):
            return sorted({ws.address for k in keys if k in dask_scheduler.tasks
                           for ws in dask_scheduler.tasks[k].who_has})

        client = get_client()
        others = [a for a in client.run_on_scheduler(holders) if a != worker.address]
        pids = client.run(os.getpid, workers=others) if others else {}
        Path(self.marker).write_text(f"context {keys} on {sorted(pids)} and {worker.address}\n")
        for pid in pids.values():
            os.kill(pid, signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)
