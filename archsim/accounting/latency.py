"""Latency accounting from the event schedule: stage spans and per-group busy time."""

from __future__ import annotations

import pandas as pd

from archsim.hardware.simulate import Simulation


def stage_latency(sim: Simulation) -> pd.DataFrame:
    """design, stage, latency_ns (stage spans as scheduled, plus the per-image total)."""
    rows = [(sim.design.name, st, sim.ledger.stage_latency_ns(st)) for st in sim.ledger.stage_spans]
    rows.append((sim.design.name, "total", sum(r[2] for r in rows)))
    return pd.DataFrame(rows, columns=["design", "stage", "latency_ns"])


def busy_ns(sim: Simulation, stage: str, components: set[str]) -> float:
    """Wall time during `stage` in which any unit of `components` was busy (union of intervals)."""
    spans = sorted((b.start_ns, b.end_ns) for b in sim.ledger.busy if b.stage == stage and b.component in components)
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
