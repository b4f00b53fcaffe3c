"""Pareto front: the points no other point beats in every objective (and strictly in one)."""

from __future__ import annotations

import numpy as np
import pandas as pd

BLOCK = 512  # rows compared at once: memory O(BLOCK · n · objectives)


def pareto_mask(values: np.ndarray, maximize: list[bool]) -> np.ndarray:
    """Boolean mask of non-dominated rows of `values` (n × k); NaN rows are never on the front."""
    v = np.asarray(values, dtype=float).copy()
    v[:, np.asarray(maximize, dtype=bool)] *= -1.0          # everything minimised from here on
    valid = ~np.isnan(v).any(axis=1)
    w = v[valid]
    dominated = np.zeros(len(w), dtype=bool)
    for start in range(0, len(w), BLOCK):
        blk = w[start:start + BLOCK]                          # candidates i
        le = (w[:, None, :] <= blk[None, :, :]).all(axis=2)   # j no worse than i everywhere
        lt = (w[:, None, :] < blk[None, :, :]).any(axis=2)    # j strictly better somewhere
        dominated[start:start + BLOCK] = (le & lt).any(axis=0)
    mask = np.zeros(len(v), dtype=bool)
    mask[np.flatnonzero(valid)[~dominated]] = True
    return mask


def pareto_front(df: pd.DataFrame, metrics: list[str], maximize: list[bool], group: str | None = None) -> pd.Series:
    """Mask (aligned with df) of rows on the front of `metrics`, computed within each `group` value."""
    mask = pd.Series(False, index=df.index)
    groups = df.groupby(group, sort=False, dropna=False) if group else [(None, df)]
    for _, sub in groups:
        mask.loc[sub.index] = pareto_mask(sub[metrics].to_numpy(dtype=float), maximize)
    return mask
