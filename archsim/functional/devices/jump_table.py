"""Jump tables: per conductance bin, the CDF of ΔG for one SET and one RESET pulse.

Tables are sampled by inverse CDF (kernels.sample_table). They come from a user's CSV/NPZ file or
from synthetic step-size laws: linear, asymmetric SET/RESET, partly non-linear (linear over a
fraction of the range, then geometric decay) or fully non-linear (geometric decay of the step from
max to min·max across the range).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import erf, sqrt
from pathlib import Path

import numpy as np
import pandas as pd

from archsim.config.errors import ConfigError


@dataclass(frozen=True)
class JumpTable:
    """g_edges_us (nb+1,), dg_grid_us (nd,), set_cdf and reset_cdf (nb, nd), rows non-decreasing to 1."""

    g_edges_us: np.ndarray
    dg_grid_us: np.ndarray
    set_cdf: np.ndarray
    reset_cdf: np.ndarray


def mean_step_us(g_us: np.ndarray, g_min: float, g_max: float, step_us: float,
                 linear_fraction: float, min_max_ratio: float) -> np.ndarray:
    """Mean SET step vs conductance: constant over `linear_fraction` of the range, then decaying
    geometrically to `min_max_ratio`·step at g_max (linear_fraction=1 → linear device)."""
    u = np.clip((g_us - g_min) / (g_max - g_min), 0.0, 1.0)
    if linear_fraction >= 1.0:
        return np.full_like(u, step_us)
    v = np.clip((u - linear_fraction) / (1.0 - linear_fraction), 0.0, 1.0)
    return step_us * min_max_ratio ** v


def _gauss_cdf(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    z = (x[None, :] - mean[:, None]) / (std[:, None] * sqrt(2.0))
    return 0.5 * (1.0 + np.vectorize(erf)(z))


def synthetic_table(g_min_us: float, g_max_us: float, *, n_bins: int, n_grid: int, step_us: float,
                    step_std_fraction: float, linear_fraction: float = 1.0, min_max_ratio: float = 1.0,
                    reset_asymmetry: float = 1.0) -> JumpTable:
    """Gaussian ΔG per bin with the mean-step law above; RESET mirrors SET (decay from g_min
    upward reversed) with its mean scaled by `reset_asymmetry` (1 = symmetric)."""
    edges = np.linspace(g_min_us, g_max_us, n_bins + 1)
    centres = 0.5 * (edges[:-1] + edges[1:])
    set_mean = mean_step_us(centres, g_min_us, g_max_us, step_us, linear_fraction, min_max_ratio)
    mirrored = g_min_us + g_max_us - centres
    reset_mean = -reset_asymmetry * mean_step_us(mirrored, g_min_us, g_max_us, step_us, linear_fraction,
                                                 min_max_ratio)
    reach = 6.0 * step_std_fraction * step_us + step_us * max(1.0, reset_asymmetry)
    grid = np.linspace(-reach, reach, n_grid)
    set_cdf = _gauss_cdf(grid, set_mean, np.abs(set_mean) * step_std_fraction + 1e-9)
    reset_cdf = _gauss_cdf(grid, reset_mean, np.abs(reset_mean) * step_std_fraction + 1e-9)
    return JumpTable(edges, grid, _normalise(set_cdf), _normalise(reset_cdf))


def _normalise(cdf: np.ndarray) -> np.ndarray:
    cdf = np.maximum.accumulate(np.clip(cdf, 0.0, 1.0), axis=1)
    cdf[:, -1] = 1.0
    return np.ascontiguousarray(cdf)


def _check(table: JumpTable, path: Path) -> JumpTable:
    problems = []
    if table.g_edges_us.ndim != 1 or np.any(np.diff(table.g_edges_us) <= 0):
        problems.append("g_edges_us must be strictly increasing")
    if np.any(np.diff(table.dg_grid_us) <= 0):
        problems.append("dg_grid_us must be strictly increasing")
    nb, nd = table.g_edges_us.size - 1, table.dg_grid_us.size
    for name in ("set_cdf", "reset_cdf"):
        cdf = getattr(table, name)
        if cdf.shape != (nb, nd):
            problems.append(f"{name} must have shape (bins={nb}, grid={nd}), got {cdf.shape}")
        elif np.any(np.diff(cdf, axis=1) < -1e-12) or np.any(np.abs(cdf[:, -1] - 1.0) > 1e-3):
            problems.append(f"{name}: each row must be non-decreasing and end at 1")
    if problems:
        raise ConfigError(path, "; ".join(problems))
    return JumpTable(table.g_edges_us.astype(np.float64), table.dg_grid_us.astype(np.float64),
                     _normalise(table.set_cdf.astype(np.float64)), _normalise(table.reset_cdf.astype(np.float64)))


def load_table(path: str | Path) -> JumpTable:
    """Read a user table.

    NPZ: arrays g_edges_us, dg_grid_us, set_cdf, reset_cdf.
    CSV: long format with columns pulse (set|reset), g_lo_us, g_hi_us, dg_us, cdf.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(path, "jump-table file not found")
    if path.suffix == ".npz":
        with np.load(path) as z:
            missing = {"g_edges_us", "dg_grid_us", "set_cdf", "reset_cdf"} - set(z.files)
            if missing:
                raise ConfigError(path, f"missing arrays {sorted(missing)}; needed: g_edges_us, dg_grid_us, "
                                        "set_cdf, reset_cdf")
            return _check(JumpTable(z["g_edges_us"], z["dg_grid_us"], z["set_cdf"], z["reset_cdf"]), path)
    if path.suffix == ".csv":
        df = pd.read_csv(path)
        needed = {"pulse", "g_lo_us", "g_hi_us", "dg_us", "cdf"}
        if not needed <= set(df.columns):
            raise ConfigError(path, f"CSV needs columns {sorted(needed)}, got {list(df.columns)}")
        bad = set(df["pulse"]) - {"set", "reset"}
        if bad:
            raise ConfigError(path, [f"column 'pulse': allowed values set, reset; got {sorted(bad)}"])
        edges = np.unique(np.concatenate([df["g_lo_us"], df["g_hi_us"]]))
        grid = np.unique(df["dg_us"].to_numpy(float))
        cdfs = {}
        for pulse in ("set", "reset"):
            wide = (df[df["pulse"] == pulse].pivot_table(index="g_lo_us", columns="dg_us", values="cdf")
                    .reindex(index=edges[:-1], columns=grid))
            cdfs[pulse] = wide.ffill(axis=1).fillna(0.0).to_numpy()
        return _check(JumpTable(edges, grid, cdfs["set"], cdfs["reset"]), path)
    raise ConfigError(path, "jump-table file must be .csv or .npz")
