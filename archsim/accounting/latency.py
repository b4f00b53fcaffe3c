"""Latency and throughput from the event schedule: stage spans, batch spans, busy time, the stream."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from archsim.hardware.simulate import Simulation


def stage_spans(sim: Simulation, batch: int = 0, group: int = 0) -> dict[str, tuple[float, float]]:
    """Stage → (start, end) of one image group (default: the first image of the first batch)."""
    return {s.name: (s.start_ns, s.end_ns) for s in sim.ledger.spans_of("stage")
            if s.ctx.batch == batch and s.ctx.group == group}


def stage_latency(sim: Simulation) -> pd.DataFrame:
    """design, stage, latency_ns: the first image's stages as scheduled, then its total."""
    spans = stage_spans(sim)
    rows = [(sim.design.name, st, e - s) for st, (s, e) in spans.items()]
    rows.append((sim.design.name, "total", sum(r[2] for r in rows)))
    return pd.DataFrame(rows, columns=["design", "stage", "latency_ns"])


def batch_latency_ns(sim: Simulation, batch: int = 0) -> float:
    s = next(s for s in sim.ledger.spans_of("batch") if s.ctx.batch == batch)
    return s.end_ns - s.start_ns


def busiest_unit(stream: Simulation) -> tuple[str, float]:
    """The unit busy longest over the stream, and its busy time per image (ns)."""
    busy: dict[str, float] = defaultdict(float)
    for b in stream.ledger.busy:
        busy[b.unit] += b.end_ns - b.start_ns
    if not busy:
        return "", 0.0
    unit, ns = max(busy.items(), key=lambda kv: kv[1])
    return unit, ns / (stream.batches * stream.trace.batch_size)


def images_per_s(stream: Simulation) -> float:
    """Steady-state throughput measured from the simulated stream.

    The completions of the stream's second half give images per time once the pipeline is full; a
    short stream that was offered faster than it is served completes in a burst, so the busiest
    unit's busy time per image (no unit serves two images at once) bounds it. With fewer than three
    batches: batch size / batch latency."""
    done, b = sorted(stream.batch_done_ns), stream.trace.batch_size
    first = (len(done) - 1) // 2
    if len(done) >= 3 and done[-1] > done[first]:
        measured = b * (len(done) - 1 - first) / (done[-1] - done[first]) * 1e9
    else:
        measured = b / batch_latency_ns(stream) * 1e9
    _, per_image = busiest_unit(stream)
    return min(measured, 1e9 / per_image) if per_image > 0 else measured


def stream_table(single: Simulation, stream: Simulation) -> pd.DataFrame:
    """design, batch_size, batches, image_latency_ns, batch_latency_ns, interval_ns, images_per_s,
    bottleneck (the busiest unit of the stream)."""
    lat = stage_latency(single).set_index("stage").latency_ns["total"]
    ips = images_per_s(stream)
    return pd.DataFrame([(single.design.name, stream.trace.batch_size, stream.batches, lat,
                          batch_latency_ns(single), 1e9 / ips, ips, busiest_unit(stream)[0])],
                        columns=["design", "batch_size", "batches", "image_latency_ns", "batch_latency_ns",
                                 "interval_ns", "images_per_s", "bottleneck"])


def busy_ns(sim: Simulation, stage: str, categories: set[str], batch: int = 0) -> float:
    """Wall time during `stage` (of `batch`) in which any unit booked to `categories` was busy."""
    spans = sorted((b.start_ns, b.end_ns) for b in sim.ledger.busy
                   if b.ctx.stage == stage and b.ctx.batch == batch and b.category in categories)
    total, cur_s, cur_e = 0.0, None, None
    for s, e in spans:
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s
    return total
