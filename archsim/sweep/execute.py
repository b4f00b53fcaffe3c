"""Run a sweep's points: in this process, on a local Dask cluster (all cores) or on a running
dask.distributed scheduler. Points go out in chunks; records are appended to points.jsonl as each
chunk finishes; finished points are skipped on the next run; failures are recorded, not raised."""

from __future__ import annotations

import logging
import math
import os
import shutil
import time
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from tqdm import tqdm

from archsim.config.errors import ConfigError, Problem
from archsim.sweep.config import SweepPlan
from archsim.sweep.evaluate import POINTS_DIR, STATUS_INVALID, STATUS_OK, evaluate_chunk, failed_record
from archsim.sweep.store import ResultStore

#: statuses kept on resume; 'failed' points (unexpected errors, lost tasks) are tried again
FINISHED = {STATUS_OK, STATUS_INVALID}
MAX_CHUNK = 64
CHUNKS_PER_WORKER = 4

ChunkFn = Callable[[object, list], list]


@dataclass
class SweepRun:
    """Outcome of run_sweep: the plan's records (key → record) and how they were obtained."""

    records: dict[str, dict]
    evaluated: int
    skipped: int
    seconds: float
    where: str


def local_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def chunk_size(plan: SweepPlan, n_points: int, workers: int) -> int:
    """Points per task: the sweep's chunk_size, else 1 for functional points (long), else enough
    chunks for ~4 per worker (load balance) but at most MAX_CHUNK points each."""
    if plan.sweep.chunk_size:
        return plan.sweep.chunk_size
    if plan.sweep.functional is not None:
        return 1
    return max(1, min(MAX_CHUNK, math.ceil(n_points / (workers * CHUNKS_PER_WORKER))))


def run_sweep(plan: SweepPlan, out_dir: str | Path, *, workers: int | None = None, scheduler: str | None = None,
              client=None, fresh: bool = False, progress: bool = True,
              chunk_fn: ChunkFn = evaluate_chunk) -> SweepRun:
    """Evaluate the plan's unfinished points; `client` (a dask Client) wins over `scheduler`, which
    wins over `workers` (None = all local cores, 1 = this process)."""
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    store = ResultStore(out_dir / "points.jsonl")
    if fresh:  # forget the finished points and the functional runs they left (a fresh output folder)
        store.clear()
        shutil.rmtree(out_dir / POINTS_DIR, ignore_errors=True)
    done = {k for k, r in store.read().items() if r.get("status") in FINISHED}
    todo = [p for p in plan.todo if p.key not in done]
    ctx = replace(plan.context, out_dir=str(out_dir.resolve()), resume=not fresh)
    workers = workers or local_cores()
    with ExitStack() as stack, tqdm(total=len(plan.todo), initial=len(plan.todo) - len(todo), unit="point",
                                    desc=plan.sweep.name, disable=not progress, smoothing=0.1) as bar:
        def sink(records: list[dict]) -> None:
            store.append(records)
            bar.update(len(records))

        if not todo:
            where = "nothing left to evaluate"
        elif client is None and scheduler is None and workers == 1:
            where = "this process"
            _run_here(ctx, _chunks(todo, chunk_size(plan, len(todo), 1)), chunk_fn, sink)
        else:
            if client is None:
                client = stack.enter_context(_connect(scheduler, workers))
            n = max(1, sum(client.nthreads().values()))      # worker threads: one point-chunk each
            where = f"dask scheduler {scheduler} ({n} worker threads)" if scheduler else \
                f"dask cluster ({n} worker threads)"
            _run_dask(client, ctx, _chunks(todo, chunk_size(plan, len(todo), n)), chunk_fn, sink)
    keys = {p.key for p in plan.points}
    records = {k: r for k, r in store.read().items() if k in keys}
    return SweepRun(records, len(todo), len(plan.todo) - len(todo), time.perf_counter() - t0, where)


def _chunks(points: list, size: int) -> list[list]:
    return [points[i:i + size] for i in range(0, len(points), size)]


def _run_here(ctx, chunks: list[list], chunk_fn: ChunkFn, sink) -> None:
    """Sequential: the same chunk function and the same failure handling as the Dask path."""
    for chunk in chunks:
        try:
            sink(chunk_fn(ctx, chunk))
        except Exception as exc:  # noqa: BLE001 - a chunk-level failure: retry its points one by one
            if len(chunk) == 1:
                sink([failed_record(chunk[0], exc)])
            else:
                _run_here(ctx, [[p] for p in chunk], chunk_fn, sink)


def sweep_context(ctx):
    """The sweep context as the result of a task. Unlike scattered data, a task result has a recipe
    (this call with the context in its spec, kept by the scheduler): when every worker holding it
    dies, the scheduler computes it again instead of failing the points that need it."""
    return ctx


def _run_dask(client, ctx, chunks: list[list], chunk_fn: ChunkFn, sink) -> None:
    """Submit every chunk; the scheduler re-runs tasks of lost workers (and recomputes the context if
    it was lost with them). A task that still fails is split into one-point tasks, so only the point
    that fails is marked failed."""
    from distributed import as_completed

    ctx_future = client.submit(sweep_context, ctx, key=f"sweep-context-{uuid.uuid4().hex}", pure=False)
    pending = {}

    def submit(chunk: list):
        fut = client.submit(chunk_fn, ctx_future, chunk, pure=False)
        pending[fut] = chunk
        return fut

    queue = as_completed([submit(c) for c in chunks])
    for fut in queue:
        chunk = pending.pop(fut)
        try:
            records = fut.result()
        except Exception as exc:  # noqa: BLE001 - includes KilledWorker after the scheduler's retries
            if len(chunk) == 1:
                records = [failed_record(chunk[0], exc)]
            else:
                for p in chunk:
                    queue.add(submit([p]))
                continue
        finally:
            fut.release()
        sink(records)


@contextmanager
def _connect(scheduler: str | None, workers: int):
    """A Client of the given scheduler, or of a new local cluster with `workers` processes."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            problem = Problem("--scheduler", f"cannot connect to '{scheduler}': {exc}")
            raise ConfigError("command line", [problem]) from None
        with client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client
