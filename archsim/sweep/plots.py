"""Sweep figures: a metric-vs-metric scatter coloured by a swept variable with its Pareto front, and
the energy breakdown (by component) of selected points. Each function returns the figure's caption."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from archsim.reports.plots import component_colors  # noqa: E402 - same component colours as `archsim run`
from archsim.sweep.config import SweepPlan  # noqa: E402
from archsim.sweep.evaluate import STATUS_OK  # noqa: E402
from archsim.sweep.pareto import pareto_front  # noqa: E402
from archsim.sweep.report import GROUP, objective_goals  # noqa: E402

MAX_DISCRETE_COLOURS = 10
LOG_SPAN = 20.0   # use a log axis when max/min exceeds this


def _short(target: str) -> str:
    return target.rsplit(".", 1)[-1]


def _label(plan: SweepPlan, row) -> str:
    return f"#{int(row['point'])}: " + ", ".join(f"{_short(t)}={row[t]:g}" if isinstance(row[t], (int, float))
                                                 else f"{_short(t)}={row[t]}" for t in plan.sweep.targets)


def _log_if_wide(ax, axis: str, values: pd.Series) -> None:
    v = values[values > 0]
    if len(v) and v.max() / v.min() > LOG_SPAN:
        (ax.set_xscale if axis == "x" else ax.set_yscale)("log")


def pareto_plot(plan: SweepPlan, results: pd.DataFrame, pareto: pd.DataFrame, path: Path) -> str:
    """Scatter of report.y vs report.x for the ok points, coloured by report.color_by; points of the
    Pareto front of all objectives (pareto.csv) ringed in black; the front of the two plotted metrics
    (within each iso group) as a black step line."""
    s = plan.sweep
    x, y = s.report.x, s.report.y
    color_by = s.report.color_by or s.targets[0]
    ok = results[results.status == STATUS_OK].copy()
    goals = objective_goals(plan, [x, y])
    ok["_front"] = pareto_front(ok, [x, y], goals, GROUP if GROUP in ok else None)
    fig, ax = plt.subplots(figsize=(7.5, 5.2))
    levels = sorted(ok[color_by].dropna().unique(), key=lambda v: (isinstance(v, str), v))
    if len(levels) <= MAX_DISCRETE_COLOURS:
        cmap = plt.get_cmap("viridis", max(len(levels), 2))
        for i, level in enumerate(levels):
            sub = ok[ok[color_by] == level]
            ax.scatter(sub[x], sub[y], s=22, color=cmap(i), label=f"{level}", alpha=0.85, zorder=2)
    else:
        sc = ax.scatter(ok[x], ok[y], c=ok[color_by].astype(float), s=22, cmap="viridis", alpha=0.85, zorder=2)
        fig.colorbar(sc, ax=ax, label=_short(color_by))
    groups = ok.groupby(GROUP, sort=False) if GROUP in ok else [(None, ok)]
    for i, (_, sub) in enumerate(groups):
        front = sub[sub._front].sort_values(x)
        ax.plot(front[x], front[y], color="black", lw=1.0, drawstyle="steps-post", zorder=1,
                label=f"front of {_short(x)}, {_short(y)}" if i == 0 else None)
    full = ok[ok.point.isin(pareto.point)]
    ax.scatter(full[x], full[y], s=70, facecolors="none", edgecolors="black", linewidths=1.2, zorder=3,
               label="Pareto front, all objectives")
    discrete = len(levels) <= MAX_DISCRETE_COLOURS
    ax.legend(title=_short(color_by) if discrete else None, fontsize=8, title_fontsize=8, loc="best")
    _log_if_wide(ax, "x", ok[x])
    _log_if_wide(ax, "y", ok[y])
    ax.set_xlabel(f"{x} ({'higher' if goals[0] else 'lower'} is better)")
    ax.set_ylabel(f"{y} ({'higher' if goals[1] else 'lower'} is better)")
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    ax.set_title(f"{s.name}: {len(ok)} points, coloured by {_short(color_by)}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    per = " within each iso group" if GROUP in ok else ""
    objectives = ", ".join(o.metric for o in s.objectives)
    return (f"{y} against {x} for the {len(ok)} evaluated points, coloured by `{color_by}`. Black rings: the "
            f"{len(full)} points of pareto.csv (front of all objectives: {objectives}{per}); black step line: "
            f"the {int(ok._front.sum())} points on the front of just the two plotted metrics{per}.")


def select_points(plan: SweepPlan, results: pd.DataFrame, pareto: pd.DataFrame, best: pd.DataFrame) -> list[int]:
    """Best point per objective, front points evenly spread along the first objective, and last, for
    contrast, the worst ok point of the first objective."""
    chosen = list(dict.fromkeys(int(p) for p in best["point"])) if not best.empty else []
    n = plan.sweep.report.breakdown_points
    front = list(pareto["point"].astype(int))
    for i in np.linspace(0, len(front) - 1, min(len(front), n)).round().astype(int) if front else []:
        if len(chosen) >= n - 1:
            break
        if front[i] not in chosen:
            chosen.append(front[i])
    first = plan.sweep.objectives[0]
    ok = results[results.status == STATUS_OK].dropna(subset=[first.metric])
    worst = ok.loc[ok[first.metric].idxmin() if first.goal == "max" else ok[first.metric].idxmax(), "point"]
    return chosen[:n - 1] + ([int(worst)] if int(worst) not in chosen else [])


def breakdown_plot(plan: SweepPlan, results: pd.DataFrame, pareto: pd.DataFrame, best: pd.DataFrame,
                   records: dict[str, dict], path: Path) -> str:
    """Horizontal stacked bars: energy per image by component (all stages) of the selected points."""
    chosen = select_points(plan, results, pareto, best)
    rows = results.set_index("point").loc[chosen].reset_index()
    data = {}
    for _, row in rows.iterrows():
        per_comp: dict[str, float] = {}
        for comps in records[row["key"]]["breakdown"].values():
            for comp, pj in comps.items():
                per_comp[comp] = per_comp.get(comp, 0.0) + pj / 1e3
        data[_label(plan, row)] = per_comp
    df = pd.DataFrame(data).T.fillna(0.0)
    colors = component_colors(df.columns)
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(df) + 2.2))
    left = np.zeros(len(df))
    for comp in sorted(df.columns):
        ax.barh(df.index, df[comp], left=left, color=colors[comp], label=comp)
        left += df[comp].to_numpy()
    for yi, total in enumerate(left):
        ax.annotate(f" {total:.3g} nJ", (total, yi), va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, left.max() * 1.15)
    ax.set_xlabel("energy per image (nJ), all stages")
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=5, frameon=False)
    ax.set_title(f"{plan.sweep.name}: energy by component of selected points", fontsize=10, pad=38)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    first = plan.sweep.objectives[0].metric
    return (f"Energy per image by component (summed over stages) of {len(df)} points: the best point of each "
            f"objective, Pareto-front points spread along {first}, and last the worst point in {first}.")
