"""The trace as a table (trace.csv): one row per op with its shape and update statistics."""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd

from archsim.trace.ops import Trace, UpdateOp




def trace_table(trace: Trace) -> pd.DataFrame:
    rows = []
    for step in trace.steps:
        for op in step.ops:
            row = {"stage": step.stage, "op": type(op).__name__}
            d = asdict(op)
            stats = d.pop("stats", None)
            row.update(d)
            if isinstance(op, UpdateOp) and stats:
                row.update(stats)
            rows.append(row)
    df = pd.DataFrame(rows)
    front = ["stage", "op", "layer"]
    return df[front + [c for c in df.columns if c not in front]]
