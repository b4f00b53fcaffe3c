"""The results table of a run: one row per design, its functional test accuracy beside its energy and
latency per image (per stage and in total), images/s, power and device updates per image, with the
trace whose statistics priced it. A design trained with its own functional model is priced with that
same run's update statistics (archsim.estimate `design_stats`), so a row's accuracy and energy agree."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from archsim.reports.tables import STAGE_ORDER, stage_table, totals

if TYPE_CHECKING:
    from archsim.estimate import Estimate


def device_updates_per_image(trace) -> float:
    """Device programming pulses per training image (update SET/RESET + refresh SET) over all layers."""
    step = trace.step("update")
    if step is None:
        return 0.0
    return float(sum(op.stats.set_pulses + op.stats.reset_pulses + op.stats.refresh_set_pulses
                     for op in step.ops if getattr(op, "stats", None) is not None))


def results_table(est: "Estimate", accuracy: dict[str, dict] | None = None) -> pd.DataFrame:
    """One row per design. `accuracy`: design → {model, test_acc_mean, test_acc_std, seeds, source, note}
    (archsim.functional.run.design_results plus the trace source the runner named)."""
    st = stage_table(est)
    tot = totals(est).set_index("design")
    stages = [s for s in STAGE_ORDER if s != "total" and s in set(st.stage)]
    traces = est.extras.get("traces", {})
    rows = []
    for d, sim in est.sims.items():
        a = (accuracy or {}).get(d) or {}
        by = st[st.design == d].set_index("stage")
        row = {"design": d, "functional_model": a.get("model", "none"),
               "test_acc_mean": a.get("test_acc_mean", math.nan), "test_acc_std": a.get("test_acc_std", math.nan),
               "seeds": a.get("seeds", 0)}
        row.update({f"{s}_energy_nJ": by.loc[s, "energy_nJ"] for s in stages})
        row["total_energy_nJ"] = tot.loc[d, "energy_nJ"]
        row.update({f"{s}_latency_us": by.loc[s, "latency_us"] for s in stages})
        row["total_latency_us"] = tot.loc[d, "latency_us"]
        row["images_per_s"] = tot.loc[d, "images_per_s"]
        row["power_mW"] = tot.loc[d, "power_mW"]
        has_devices = sim.design.type == "mca"
        row["device_updates_per_image"] = (device_updates_per_image(traces.get(d, est.trace))
                                           if has_devices and est.workload.mode == "train" else math.nan)
        row["trace"] = a.get("source") or est.trace.source
        row["note"] = a.get("note", "")
        rows.append(row)
    return pd.DataFrame(rows)


def _acc(r) -> str:
    if r.seeds == 0 or math.isnan(r.test_acc_mean):
        return "—"
    return f"{r.test_acc_mean:.4f} ± {r.test_acc_std:.4f} ({r.seeds})"


def _num(v, fmt=".4g") -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, fmt)


def results_markdown(df: pd.DataFrame) -> str:
    """The table for the top of summary.md."""
    stages = [c[: -len("_energy_nJ")] for c in df.columns if c.endswith("_energy_nJ") and not c.startswith("total")]
    head = (["design", "test acc (mean ± std, seeds)"] + [f"{s} nJ" for s in stages] + ["total nJ"]
            + [f"{s} µs" for s in stages] + ["total µs", "images/s", "power mW", "device updates/image",
                                              "functional model", "trace"])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in df.itertuples(index=False):
        cells = ([r.design, _acc(r)] + [_num(getattr(r, f"{s}_energy_nJ")) for s in stages]
                 + [_num(r.total_energy_nJ)] + [_num(getattr(r, f"{s}_latency_us")) for s in stages]
                 + [_num(r.total_latency_us), _num(r.images_per_s), _num(r.power_mW),
                    _num(r.device_updates_per_image), r.functional_model + (f" ({r.note})" if r.note else ""),
                    r.trace])
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def results_text(df: pd.DataFrame) -> list[str]:
    """Fixed-width lines for the terminal: the table, then each design's functional model and trace."""
    stages = [c[: -len("_energy_nJ")] for c in df.columns if c.endswith("_energy_nJ") and not c.startswith("total")]
    cols = [("test acc", 24, _acc)]
    cols += [(f"{s[:3]} nJ", 10, lambda r, s=s: _num(getattr(r, f"{s}_energy_nJ"))) for s in stages]
    cols += [("total nJ", 10, lambda r: _num(r.total_energy_nJ))]
    cols += [(f"{s[:3]} µs", 9, lambda r, s=s: _num(getattr(r, f"{s}_latency_us"))) for s in stages]
    cols += [("total µs", 9, lambda r: _num(r.total_latency_us)), ("images/s", 10, lambda r: _num(r.images_per_s)),
             ("mW", 8, lambda r: _num(r.power_mW)), ("dev upd/img", 12, lambda r: _num(r.device_updates_per_image))]
    width = max(14, *(len(d) + 1 for d in df.design))
    head = f"{'design':<{width}}" + "".join(f"{name:>{w}}" for name, w, _ in cols)
    lines = [head, "-" * len(head)]
    for r in df.itertuples(index=False):
        lines.append(f"{r.design:<{width}}" + "".join(f"{f(r):>{w}}" for _, w, f in cols))
    for r in df.itertuples(index=False):
        note = f"; {r.note}" if r.note else ""
        lines.append(f"  {r.design}: {r.functional_model}{note}; trace: {r.trace}")
    return lines
