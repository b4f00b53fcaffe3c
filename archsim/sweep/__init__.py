"""Design-point sweeps (`kind: sweep`): config (schema, load_sweep) → points (expansion, keys) →
execute (local / Dask, resume) → evaluate (one point) → store (points.jsonl) → report, pareto, plots."""
