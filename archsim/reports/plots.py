"""Report figures: energy breakdown per design and stage, per-unit timelines, model vs paper."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from archsim.estimate import Estimate

STAGE_COLORS = {"forward": "#4C72B0", "backward": "#DD8452", "update": "#55A868"}
MAX_TIMELINE_ROWS = 24


def component_colors(components) -> dict[str, tuple]:
    cmap = plt.get_cmap("tab20")
    return {c: cmap(i % 20) for i, c in enumerate(sorted(components))}


def energy_breakdown(est: "Estimate", path: Path) -> None:
    """Stacked bars: energy per stage split by component, one panel per design (own scale)."""
    designs = list(est.sims)
    colors = component_colors(est.energy.component.unique())
    fig, axes = plt.subplots(1, len(designs), figsize=(4.2 * len(designs), 4.6), squeeze=False)
    for ax, design in zip(axes[0], designs):
        df = est.energy[est.energy.design == design]
        pv = df.pivot_table(index="stage", columns="component", values="energy_pj", aggfunc="sum", fill_value=0)
        pv = pv.reindex([s for s in STAGE_COLORS if s in pv.index]) / 1e3
        unit, scale = ("µJ", 1e-3) if pv.sum(axis=1).max() > 1e3 else ("nJ", 1.0)
        bottom = pd.Series(0.0, index=pv.index)
        for comp in pv.columns:
            vals = pv[comp] * scale
            ax.bar(pv.index, vals, bottom=bottom, color=colors[comp], label=comp)
            bottom += vals
        for x, total in zip(pv.index, bottom):
            ax.annotate(f"{total:.3g}", (x, total), ha="center", va="bottom", fontsize=8)
        ax.set_title(design)
        ax.set_ylabel(f"energy per image ({unit})")
    handles = {c: plt.Rectangle((0, 0), 1, 1, color=colors[c]) for c in sorted(colors)}
    fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=min(6, len(handles)), fontsize=8,
               frameon=False)
    fig.suptitle(f"{est.workload.name}: energy per image by stage and component")
    fig.tight_layout(rect=(0, 0.12, 1, 0.95))
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _merged(starts: np.ndarray, ends: np.ndarray, gap: float) -> list[tuple[float, float]]:
    """Intervals as (start, width), neighbours closer than `gap` merged (the figure cannot show them apart)."""
    order = np.argsort(starts)
    out: list[list[float]] = []
    for s, e in zip(starts[order], ends[order]):
        if out and s - out[-1][1] <= gap:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e - s) for s, e in out]


def timeline(est: "Estimate", design: str, path: Path) -> None:
    """Gantt chart of the simulated stream: when each unit is busy, coloured by stage, batches in
    alternating shades, a dotted line where each batch completes."""
    sim = est.streams[design]
    busy = pd.DataFrame([(b.ctx.stage, b.ctx.batch % 2, b.unit, b.category, b.start_ns, b.end_ns)
                         for b in sim.ledger.busy], columns=["stage", "odd", "unit", "component", "start", "end"])
    key = "unit" if busy.unit.nunique() <= MAX_TIMELINE_ROWS else "component"
    rows = list(dict.fromkeys(busy.sort_values("start")[key]))
    total_ns = max(sim.batch_done_ns, default=1.0)
    unit, scale = ("µs", 1e-3) if total_ns > 2000 else ("ns", 1.0)
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(rows) + 1.8))
    gap = total_ns / 4000
    for (stage, odd, row), sub in busy.groupby(["stage", "odd", key], sort=False):
        spans = [(s * scale, w * scale) for s, w in _merged(sub.start.to_numpy(), sub.end.to_numpy(), gap)]
        y = rows.index(row)
        ax.broken_barh(spans, (y - 0.35, 0.7), color=STAGE_COLORS.get(stage, "grey"), alpha=0.55 if odd else 1.0)
    for t in sim.batch_done_ns:
        ax.axvline(t * scale, color="grey", lw=0.6, ls=":")
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"time ({unit}); dotted: a batch of {sim.trace.batch_size} image(s) completes")
    ax.legend([plt.Rectangle((0, 0), 1, 1, color=c) for c in STAGE_COLORS.values()], list(STAGE_COLORS),
              loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=3, fontsize=8, frameon=False)
    ips = est.stream.set_index("design").images_per_s[design]
    rate = f"{ips:,.0f}" if ips >= 10 else f"{ips:.3g}"
    fig.suptitle(f"{est.workload.name} on {design}: {sim.batches} batches streamed, {rate} images/s",
                 x=0.01, ha="left", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def validation_scatter(table: pd.DataFrame, path: Path, title: str = "Validation") -> None:
    """Left: model vs reference for every cell (log-log, ±30 % band). Right: each cell's relative error by case
    (colour = label). Marker = label: ○ predicted, △ dependent, □ calibrated."""
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11.5, 5.4), gridspec_kw={"width_ratios": [1, 1.2]})
    markers = {"predicted": "o", "dependent": "^", "calibrated": "s"}
    colors = {"predicted": "C0", "dependent": "C1", "calibrated": "C2"}
    cases = list(dict.fromkeys(table.case))
    t = table[(table.reference > 0) & (table.model > 0)]
    for label, sub in t.groupby("label", sort=False):
        ax.scatter(sub.reference, sub.model, marker=markers.get(label, "o"), color=colors.get(label, "C3"),
                   alpha=0.8, label=f"{label} ({len(sub)})")
    lo = min(t.reference.min(), t.model.min()) * 0.7
    hi = max(t.reference.max(), t.model.max()) * 1.4
    ax.plot([lo, hi], [lo, hi], "k-", lw=0.8)
    ax.fill_between([lo, hi], [lo * 0.7, hi * 0.7], [lo * 1.3, hi * 1.3], color="grey", alpha=0.15, label="±30 %")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("reference (nJ, µs, pJ, W, images/s or ratio)")
    ax.set_ylabel("model")
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(title)
    for i, case in enumerate(cases):
        sub = table[table.case == case]
        jitter = (np.arange(len(sub)) % 7 - 3) * 0.06
        for label, g in sub.assign(x=i + jitter).groupby("label", sort=False):
            bx.scatter(g.x, g.rel_error.clip(-1, 3) * 100, marker=markers.get(label, "o"),
                       color=colors.get(label, "C3"), alpha=0.8)
    bx.axhspan(-30, 30, color="grey", alpha=0.15)
    bx.axhline(0, color="k", lw=0.8)
    bx.set_xticks(range(len(cases)), cases)
    bx.set_ylabel("model / reference − 1 (%)")
    bx.set_title("relative error per cell (±30 % shaded)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
