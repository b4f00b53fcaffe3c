"""Jump tables: per conductance bin, the CDF of ΔG for one SET and one RESET pulse.

The jump-table concept (Burr et al., IEEE TED 2015; Sidler et al., ESSDERC 2016, "Large-scale neural
networks implemented with non-volatile memory as the synaptic weight element: impact of conductance
response") describes a device by the full cumulative distribution of its conductance change at each
conductance, for potentiation (SET) and depression (RESET). Tables are sampled by inverse CDF
(kernels.sample_table). They come from a user's CSV/NPZ file (load_table, strictly checked) or from
the synthetic responses of Sidler et al.'s study (synthetic_table), on a normalised conductance
u = (G − g_min)/(g_max − g_min):

- linear: SET step constant;
- asymmetric: SET and RESET linear, RESET `reset_asymmetry` times steeper (or shallower) than SET;
- partly_nonlinear: an *initial* non-linear SET region over u < 1 − linear_fraction (low conductance)
  where the step falls geometrically from its maximum at g_min to min_max_ratio × maximum, then a
  linear region at that (minimum) step up to g_max;
- nonlinear: fully non-linear SET, the step falls geometrically from its maximum at g_min to
  min_max_ratio × maximum at g_max.

In the non-linearity studies RESET stays linear. `step_us` is the *mean* SET step per pulse over a
full sweep g_min → g_max (range / number of pulses), so every shape has the same number of SET
pulses across the range and the same nominal step ε_G; the RESET step is reset_asymmetry × step_us.
Each bin's ΔG is Gaussian with std = step_std_fraction × |mean|. The ΔG grid is the union of every
row's own ±6σ quantile points, so no table is truncated whatever its step ratio.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import erf, sqrt
from pathlib import Path

import numpy as np
import pandas as pd

from archsim.config.errors import ConfigError

SHAPES = ("linear", "asymmetric", "partly_nonlinear", "nonlinear")
CSV_COLUMNS = ("pulse", "g_lo_us", "g_hi_us", "dg_us", "cdf")
NPZ_ARRAYS = ("g_edges_us", "dg_grid_us", "set_cdf", "reset_cdf")
_Z = np.linspace(-6.0, 6.0, 25)  # per-row grid points, in standard deviations around the row mean


@dataclass(frozen=True)
class JumpTable:
    """g_edges_us (nb+1,), dg_grid_us (nd,), set_cdf and reset_cdf (nb, nd), rows non-decreasing to 1."""

    g_edges_us: np.ndarray
    dg_grid_us: np.ndarray
    set_cdf: np.ndarray
    reset_cdf: np.ndarray


def relative_set_step(u: np.ndarray, linear_fraction: float, min_max_ratio: float) -> np.ndarray:
    """SET step / its maximum at normalised conductance u ∈ [0, 1].

    The non-linear region is initial: u < 1 − linear_fraction, where the step falls geometrically
    from 1 to min_max_ratio; above it the response is linear at min_max_ratio (linear_fraction = 1:
    linear device; 0: fully non-linear, falling over the whole range).
    """
    u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
    nonlinear = 1.0 - linear_fraction
    if nonlinear <= 0.0 or min_max_ratio == 1.0:
        return np.ones_like(u)
    return min_max_ratio ** np.minimum(u / nonlinear, 1.0)


def mean_step_us(g_us: np.ndarray, g_min: float, g_max: float, step_us: float, linear_fraction: float,
                 min_max_ratio: float) -> np.ndarray:
    """Mean SET step (µS) vs conductance, scaled so that a full sweep g_min → g_max takes
    (g_max − g_min)/step_us pulses (step_us = the mean step per pulse over the range)."""
    u_fine = (np.arange(4000) + 0.5) / 4000
    pulses_per_range = np.mean(1.0 / relative_set_step(u_fine, linear_fraction, min_max_ratio))
    u = (np.asarray(g_us, dtype=float) - g_min) / (g_max - g_min)
    return step_us * pulses_per_range * relative_set_step(u, linear_fraction, min_max_ratio)


def _gauss_cdf(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    z = (x[None, :] - mean[:, None]) / (std[:, None] * sqrt(2.0))
    return 0.5 * (1.0 + np.vectorize(erf)(z))


def _grid(means: np.ndarray, stds: np.ndarray) -> np.ndarray:
    """Sorted union of every row's mean + z·std points (and 0), duplicates closer than 1e-9 µS merged."""
    pts = np.concatenate([(means[:, None] + stds[:, None] * _Z[None, :]).ravel(), [0.0]])
    pts = np.sort(pts)
    return pts[np.concatenate([[True], np.diff(pts) > 1e-9])]


def synthetic_table(g_min_us: float, g_max_us: float, *, n_bins: int, step_us: float, step_std_fraction: float,
                    linear_fraction: float = 1.0, min_max_ratio: float = 1.0,
                    reset_asymmetry: float = 1.0) -> JumpTable:
    """Gaussian ΔG per bin: SET follows mean_step_us, RESET is linear with mean −reset_asymmetry·step_us."""
    if not (g_max_us > g_min_us and n_bins >= 1 and step_us > 0 and step_std_fraction >= 0
            and 0 <= linear_fraction <= 1 and 0 < min_max_ratio <= 1 and reset_asymmetry > 0):
        raise ValueError("synthetic jump table: need g_max > g_min, n_bins ≥ 1, step_us > 0, step_std_fraction ≥ 0, "
                         "0 ≤ linear_fraction ≤ 1, 0 < min_max_ratio ≤ 1, reset_asymmetry > 0")
    edges = np.linspace(g_min_us, g_max_us, n_bins + 1)
    centres = 0.5 * (edges[:-1] + edges[1:])
    set_mean = mean_step_us(centres, g_min_us, g_max_us, step_us, linear_fraction, min_max_ratio)
    reset_mean = np.full(n_bins, -reset_asymmetry * step_us)
    floor = 1e-6 * step_us  # a zero spread would make a step CDF; keep it numerically smooth
    set_std = np.maximum(np.abs(set_mean) * step_std_fraction, floor)
    reset_std = np.maximum(np.abs(reset_mean) * step_std_fraction, floor)
    grid = _grid(np.concatenate([set_mean, reset_mean]), np.concatenate([set_std, reset_std]))
    set_cdf = _gauss_cdf(grid, set_mean, set_std)
    reset_cdf = _gauss_cdf(grid, reset_mean, reset_std)
    return JumpTable(edges, grid, _normalise(set_cdf), _normalise(reset_cdf))


def _normalise(cdf: np.ndarray) -> np.ndarray:
    cdf = np.maximum.accumulate(np.clip(cdf, 0.0, 1.0), axis=1)
    cdf[:, -1] = 1.0
    return np.ascontiguousarray(cdf)


def _bad(path: Path, what: str) -> ConfigError:
    return ConfigError(path, f"jump table: {what}")


def _check(table: JumpTable, path: Path) -> JumpTable:
    """One clear message naming the file and what is wrong, else the table as float64 arrays."""
    problems = []
    for name, arr in (("g_edges_us", table.g_edges_us), ("dg_grid_us", table.dg_grid_us), ("set_cdf", table.set_cdf),
                      ("reset_cdf", table.reset_cdf)):
        arr = np.asarray(arr)
        if arr.size == 0:
            problems.append(f"{name} is empty")
        elif not np.issubdtype(arr.dtype, np.number):
            problems.append(f"{name} is not numeric (dtype {arr.dtype})")
        elif not np.all(np.isfinite(arr)):
            problems.append(f"{name} has {int(np.sum(~np.isfinite(arr)))} NaN/inf values")
    if problems:
        raise _bad(path, "; ".join(problems))
    edges, grid = np.asarray(table.g_edges_us, float), np.asarray(table.dg_grid_us, float)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        problems.append("conductance bin edges g_edges_us must be ≥ 2 strictly increasing values")
    if grid.ndim != 1 or grid.size < 2 or np.any(np.diff(grid) <= 0):
        problems.append("ΔG grid dg_grid_us must be ≥ 2 strictly increasing values")
    if problems:
        raise _bad(path, "; ".join(problems))
    nb, nd = edges.size - 1, grid.size
    cdfs = {}
    for name in ("set_cdf", "reset_cdf"):
        cdf = np.asarray(getattr(table, name), float)
        if cdf.shape != (nb, nd):
            problems.append(f"{name} has shape {cdf.shape}, expected (bins={nb}, ΔG points={nd}) from g_edges_us "
                            f"and dg_grid_us")
            continue
        bad_rows = np.flatnonzero(np.any(np.diff(cdf, axis=1) < -1e-9, axis=1))
        if bad_rows.size:
            problems.append(f"{name}: CDF decreases along ΔG in bin(s) {bad_rows[:5].tolist()} (rows must be "
                            "non-decreasing)")
        out = np.flatnonzero((cdf.min(axis=1) < -1e-9) | (cdf.max(axis=1) > 1 + 1e-9))
        if out.size:
            problems.append(f"{name}: values outside [0, 1] in bin(s) {out[:5].tolist()}")
        end = np.flatnonzero(np.abs(cdf[:, -1] - 1.0) > 1e-3)
        if end.size:
            problems.append(f"{name}: CDF must reach 1 at the largest ΔG; bin(s) {end[:5].tolist()} end at "
                            f"{cdf[end[:3], -1].round(4).tolist()}")
        cdfs[name] = cdf
    if problems:
        raise _bad(path, "; ".join(problems))
    return JumpTable(edges, grid, _normalise(cdfs["set_cdf"]), _normalise(cdfs["reset_cdf"]))


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise _bad(path, "the file is empty")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _bad(path, f"not UTF-8 text (byte 0x{raw[err.start]:02x} at offset {err.start}); save the CSV as "
                         "UTF-8") from None


def _table_from_csv(path: Path) -> JumpTable:
    from io import StringIO

    try:
        df = pd.read_csv(StringIO(_read_text(path)))
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise _bad(path, f"cannot parse CSV: {err}") from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in CSV_COLUMNS if c not in df.columns]
    if missing:
        raise _bad(path, f"CSV needs columns {list(CSV_COLUMNS)}; missing {missing}, got {list(df.columns)}")
    if df.empty:
        raise _bad(path, "the CSV has a header but no rows")
    pulse = df["pulse"].map(lambda v: str(v).strip().lower())   # any cell (NaN, numbers) as its text
    bad = sorted(set(pulse) - {"set", "reset"})
    if bad:
        raise _bad(path, f"column 'pulse': allowed values set, reset; got {bad}")
    problems = []
    for col in CSV_COLUMNS[1:]:
        num = pd.to_numeric(df[col], errors="coerce")
        rows = np.flatnonzero(~np.isfinite(num.to_numpy(float)))
        if rows.size:
            problems.append(f"column '{col}' has non-numeric, NaN or inf values in data row(s) "
                            f"{(rows[:5] + 1).tolist()}")
        df[col] = num
    if problems:
        raise _bad(path, "; ".join(problems))
    df["pulse"] = pulse
    if np.any(df["g_hi_us"] <= df["g_lo_us"]):
        raise _bad(path, "every row needs g_hi_us > g_lo_us")
    bins = {p: sorted(set(zip(g["g_lo_us"], g["g_hi_us"]))) for p, g in df.groupby("pulse")}
    for p in ("set", "reset"):
        if p not in bins:
            raise _bad(path, f"no rows for pulse '{p}' (both set and reset tables are needed)")
    if bins["set"] != bins["reset"]:
        raise _bad(path, f"set and reset tables have different conductance bins ({len(bins['set'])} vs "
                         f"{len(bins['reset'])} bins)")
    b = bins["set"]
    if any(hi != lo for (_, hi), (lo, _) in zip(b[:-1], b[1:])):
        raise _bad(path, "conductance bins must be contiguous and non-overlapping (each g_hi_us equals the "
                         "next bin's g_lo_us)")
    edges = np.array([lo for lo, _ in b] + [b[-1][1]])
    grid = np.unique(df["dg_us"].to_numpy(float))
    cdfs = {}
    for p in ("set", "reset"):
        sub = df[df["pulse"] == p]
        counts = sub.groupby(["g_lo_us", "dg_us"]).size()
        if counts.max() > 1:
            (lo, dg) = counts.idxmax()
            raise _bad(path, f"{p} table: duplicate rows for bin g_lo_us={lo}, dg_us={dg}")
        per_bin = sub.groupby("g_lo_us").size()
        short = per_bin[per_bin != grid.size]
        if not short.empty:
            raise _bad(path, f"{p} table: bin(s) starting at g_lo_us {short.index[:3].tolist()} have "
                             f"{short.iloc[:3].tolist()} ΔG points, expected {grid.size} (every bin needs the same "
                             "dg_us values)")
        wide = sub.pivot(index="g_lo_us", columns="dg_us", values="cdf").reindex(index=edges[:-1], columns=grid)
        cdfs[p] = wide.to_numpy(float)
    return JumpTable(edges, grid, cdfs["set"], cdfs["reset"])


def _table_from_npz(path: Path) -> JumpTable:
    import zipfile

    if path.stat().st_size == 0:
        raise _bad(path, "the file is empty")
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = [k for k in NPZ_ARRAYS if k not in z.files]
            if missing:
                raise _bad(path, f"missing arrays {missing}; needed: {', '.join(NPZ_ARRAYS)}")
            arrays = {}
            for k in NPZ_ARRAYS:
                try:
                    arrays[k] = z[k]
                except ValueError as err:
                    if "allow_pickle" in str(err):
                        raise _bad(path, f"array {k} holds Python objects; numeric float arrays needed") from None
                    raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as err:
        raise _bad(path, f"not a readable NPZ archive ({err})") from None
    return JumpTable(*(arrays[k] for k in NPZ_ARRAYS))


def load_table(path: str | Path) -> JumpTable:
    """Read a user table.

    NPZ: arrays g_edges_us (bins+1), dg_grid_us (points), set_cdf and reset_cdf (bins × points).
    CSV (UTF-8): long format with columns pulse (set|reset), g_lo_us, g_hi_us, dg_us, cdf; every bin of
    both tables on the same dg_us points.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(path, "jump-table file not found")
    readers = {".npz": _table_from_npz, ".csv": _table_from_csv}
    if path.suffix.lower() not in readers:
        raise ConfigError(path, "jump-table file must be .csv or .npz")
    return _check(readers[path.suffix.lower()](path), path)
