"""Run one fuzz case through archsim's CLI in this process and classify the outcome.

Every input must end in one of two ways: accepted, with finite and physically possible values
(checked here by rules stated independently of archsim's schemas, and on the outputs written), or
a clean error: exit status 2 and at most a few `error: <file>: <what>` lines, no traceback.
Anything else is a traceback (an exception escaped, or a sweep point failed), a hang or a memory
blow-up (measured by benchmarks/fuzz.py) or accepted nonsense.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from tests.fuzz.generate import PWNED, Case

CLEAN, ACCEPTED, TRACEBACK, HANG, MEMORY, NONSENSE = ("clean error", "accepted", "traceback", "hang", "memory",
                                                     "accepted nonsense")
CATEGORIES = (CLEAN, ACCEPTED, TRACEBACK, HANG, MEMORY, NONSENSE)
# stated here, not imported, so that the oracle can judge other versions of archsim too
MAX_ERROR_LINES = 12                    # "at most a few lines": 10 problems + "... and N more" + slack
MAX_ENERGY_PJ_PER_IMAGE = 1e15          # archsim.config.limits: 1 kJ per image is not physical


@dataclass
class Outcome:
    category: str
    detail: str = ""
    seconds: float = 0.0
    peak_mb: float = 0.0
    step: str = ""


def _main(argv: list[str]) -> tuple[int | None, str, str]:
    """(exit status, stderr, traceback text) of archsim's CLI in this process."""
    from archsim.cli import main

    err, out = io.StringIO(), io.StringIO()
    tb = ""
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main(argv)
        except SystemExit as exc:            # argparse: usage errors exit 2
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException as exc:  # noqa: BLE001 - this is what the fuzz suite looks for
            if isinstance(exc, KeyboardInterrupt):
                raise
            code = None
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            tb = f"{type(exc).__name__}: {str(exc)[:200]} (at {Path(frame.filename).name}:{frame.lineno})"
    return code, err.getvalue(), tb


def _clean(err: str) -> str | None:
    """Why stderr is not a clean error (None if it is)."""
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith(("warning:", "note:"))]
    if "Traceback" in err:
        return "traceback printed"
    if not lines:
        return "exit 2 without a message"
    if len(lines) > MAX_ERROR_LINES and not lines[0].startswith("usage:"):
        return f"{len(lines)} error lines"
    if lines[0].startswith("usage:"):
        return None
    if any(len(ln) > 2000 for ln in lines):
        return "an error line longer than 2,000 characters"
    if not all(ln.startswith("error: ") and ": " in ln[7:] for ln in lines):
        return f"not of the form 'error: <file>: <what>': {lines[0][:120]!r}"
    return None


def run_case(case: Case, folder: Path) -> Outcome:
    """Write the case into `folder` (the current directory while it runs), run check (and run/sweep)."""
    case.write(folder)
    t0 = time.perf_counter()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        steps = [("check", ["check", case.main, *case.extra_check])]
        outcome = None
        for step, argv in steps:
            code, err, tb = _main(argv)
            outcome = _classify(case, folder, step, code, err, tb)
            if outcome.category != ACCEPTED:
                break
            if step == "check" and case.run:
                steps.append(("run", case.run))
        if (folder / PWNED).exists() or Path(cwd, PWNED).exists():
            outcome = Outcome(NONSENSE, "an input executed code (PWNED file created)")
    finally:
        os.chdir(cwd)
    outcome.seconds = time.perf_counter() - t0
    return outcome


def _classify(case: Case, folder: Path, step: str, code, err: str, tb: str) -> Outcome:
    if tb:
        return Outcome(TRACEBACK, tb, step=step)
    if code == 2:
        why = _clean(err)
        return Outcome(CLEAN, err.splitlines()[0][:300] if err else "", step=step) if why is None else \
            Outcome(TRACEBACK, f"unclean error ({why})", step=step)
    if code == 1 and step == "run" and case.kind == "sweep":
        return Outcome(TRACEBACK, "a sweep point failed: " + _failed_points(folder), step=step)
    if code != 0:
        return Outcome(TRACEBACK, f"exit status {code}: {err[:200]}", step=step)
    problems = impossible(case, folder) if step == "check" else output_problems(case, folder)
    if problems:
        return Outcome(NONSENSE, "; ".join(problems)[:300], step=step)
    return Outcome(ACCEPTED, step=step)


def _failed_points(folder: Path) -> str:
    import pandas as pd

    try:
        df = pd.read_csv(folder / "out" / "results.csv")
        return "; ".join(df[df.status == "failed"].error.astype(str).head(2))[:300]
    except Exception as exc:  # noqa: BLE001
        return f"(results.csv unreadable: {exc})"


# --- accepted outputs must be physical ------------------------------------------------------------
def output_problems(case: Case, folder: Path) -> list[str]:
    import pandas as pd

    out = folder / "out"
    problems = []
    if not out.is_dir():
        return ["exit 0 but no output folder"]
    if [p.name for p in folder.iterdir() if p.name.startswith(".out.")]:
        problems.append("staging folder or lock left beside the output")
    if case.run and case.run[0] == "run":
        energy, latency = pd.read_csv(out / "energy.csv"), pd.read_csv(out / "latency.csv")
        for name, col in (("energy_pj", energy.energy_pj), ("latency_ns", latency.latency_ns)):
            v = col.to_numpy(float)
            if not np.isfinite(v).all() or (v < 0).any():
                problems.append(f"{name} not finite or negative")
        total = energy.groupby("design").energy_pj.sum()
        if (total > MAX_ENERGY_PJ_PER_IMAGE).any():
            problems.append(f"energy per image {total.max():.3g} pJ")
        if not (out / "summary.md").is_file():
            problems.append("no summary.md")
    else:
        results = pd.read_csv(out / "results.csv")
        ok = results[results.status == "ok"]
        for col in ("total_energy_nJ", "total_latency_us"):
            v = ok[col].to_numpy(float)
            if not np.isfinite(v).all() or (v < 0).any():
                problems.append(f"{col} not finite or negative for an ok point")
        for f in ("summary.md", "pareto.csv"):
            if not (out / f).is_file():
                problems.append(f"no {f}")
    return problems


# --- accepted inputs must be physical: rules stated independently of the schemas ------------------
def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _leaves(node: Any, path: str = ""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, f"{path}.{i}")
    else:
        yield path, node


def _value(doc: Any, dotted: str, default: Any = None) -> Any:
    for part in dotted.split("."):
        if not isinstance(doc, dict) or part not in doc:
            return default
        doc = doc[part]
    return doc


def _sourced(doc: dict, key: str) -> Any:
    v = doc.get(key)
    return v.get("value") if isinstance(v, dict) else v


def _layer_rules(layers: Any, where: str, out: list[str]) -> None:
    for i, layer in enumerate(layers if isinstance(layers, list) else []):
        if not isinstance(layer, dict):
            continue
        for key, hi in (("out", 2 ** 20), ("out_channels", 2 ** 20), ("kernel", 1024), ("stride", 1024)):
            v = layer.get(key)
            if _num(v) and not 0 < v <= hi:
                out.append(f"{where}.{i}.{key} = {v}")
        for sub in ("body", "shortcut"):
            _layer_rules(layer.get(sub), f"{where}.{i}.{sub}", out)


def impossible(case: Case, folder: Path) -> list[str]:
    """Physical impossibilities in an input that `archsim check` accepted."""
    try:
        doc = yaml.safe_load((folder / case.main).read_bytes())
    except Exception as exc:  # noqa: BLE001 - accepted by archsim but not plain YAML: say so
        return [f"accepted a file PyYAML cannot read: {type(exc).__name__}"]
    out: list[str] = []
    if not isinstance(doc, dict):
        return ["accepted a non-mapping"]
    for path, v in _leaves(doc):
        if isinstance(v, float) and not math.isfinite(v):
            out.append(f"{path} = {v}")
    expected = 2 if case.kind == "tech" else 1   # generated tech files are format version 2
    if "version" in doc and (type(doc["version"]) is not int or doc["version"] != expected):
        out.append(f"version = {doc['version']!r}")
    kind = case.kind
    if kind == "workload":
        net = doc.get("network", {})
        _layer_rules(net.get("layers"), "network.layers", out)
        for d in net.get("input_shape", []) if isinstance(net.get("input_shape"), list) else []:
            if _num(d) and not 0 < d <= 2 ** 20:
                out.append(f"network.input_shape {d}")
        upd = _value(doc, "trace.update", {}) or {}
        for key in ("x_nonzero_fraction", "d_nonzero_fraction", "saturated_fraction_per_refresh"):
            v = upd.get(key)
            if _num(v) and not 0 <= v <= 1:
                out.append(f"trace.update.{key} = {v}")
        v = upd.get("set_pulses_per_image")
        if _num(v) and v < 0:
            out.append(f"set_pulses_per_image = {v}")
        for key, lo, hi in (("functional.learning_rate", 0, 1e3), ("functional.epsilon", 0, 1e6),
                            ("functional.lr_decay", 0, 1), ("inference.training.momentum", 0, 1),
                            ("inference.hwa.eta_tr", 0, 1), ("inference.g_max_us", 0, 1e4)):
            v = _value(doc, key)
            if _num(v) and not lo <= v <= hi:
                out.append(f"{key} = {v}")
    elif kind == "design":
        for path, v in _leaves(doc):
            last = path.rsplit(".", 1)[-1]
            if not _num(v):
                continue
            if last == "clock_ghz" and not 0 < v <= 100:
                out.append(f"{path} = {v}")
            if (last.endswith("_ns") or last.endswith("_kb")) and not v > 0:
                out.append(f"{path} = {v}")
            if last in ("rows", "cols", "banks", "lanes", "width_bits", "write_heads", "adcs_per_array") \
                    and not 1 <= v <= 2 ** 20:
                out.append(f"{path} = {v}")
            if last.endswith("_bits") and last != "width_bits" and not 1 <= v <= 64:
                out.append(f"{path} = {v}")
    elif kind == "tech":
        for path, v in _leaves(doc.get("primitives", {})):
            if _num(v) and v < 0:
                out.append(f"primitives.{path} = {v}")
        for name, factor in (doc.get("calibration", {}) or {}).items():
            v = factor.get("value") if isinstance(factor, dict) else None
            if _num(v) and not 0 < v <= 1e4:   # a calibration factor multiplies a model value: positive, bounded
                out.append(f"calibration.{name} = {v}")
    elif kind in ("pcm_device", "jump_table"):
        g = {k: _sourced(doc, k) for k in ("g_min_us", "g_max_us", "g_reset_us", "g_reset_std_us", "read_noise_slope",
                                           "read_noise_offset_us", "drift_t0_s", "drift_nu_mean", "drift_nu_std")}
        if all(_num(g[k]) for k in ("g_min_us", "g_max_us", "g_reset_us")):
            if not 0 <= g["g_min_us"] < g["g_max_us"]:
                out.append(f"g_min_us {g['g_min_us']} / g_max_us {g['g_max_us']}")
            if not g["g_min_us"] <= g["g_reset_us"] <= g["g_max_us"]:
                out.append(f"g_reset_us {g['g_reset_us']} outside [g_min, g_max]")
        for k in ("g_reset_std_us", "read_noise_slope", "read_noise_offset_us", "drift_nu_std"):
            if _num(g[k]) and g[k] < 0:
                out.append(f"{k} = {g[k]}")
        if _num(g["drift_nu_mean"]) and not 0 <= g["drift_nu_mean"] <= 1:
            out.append(f"drift_nu_mean = {g['drift_nu_mean']}")
        if _num(g["drift_t0_s"]) and not g["drift_t0_s"] > 0:
            out.append(f"drift_t0_s = {g['drift_t0_s']}")
        if kind == "jump_table" and isinstance(doc.get("table_file"), str):
            out += _table_problems(folder / doc["table_file"])
    elif kind == "pcm_inference":
        for k in ("g_ref_us", "t0_s", "t_read_s", "t_verify_s", "g_saturation_us"):
            v = _sourced(doc, k)
            if _num(v) and not v > 0:
                out.append(f"{k} = {v}")
        for k in ("read_q_coeff", "read_q_max", "pulse_write_noise_us", "pulse_threshold_spread_ua"):
            v = _sourced(doc, k)
            if _num(v) and v < 0:
                out.append(f"{k} = {v}")
        for fit in ("drift_mu", "drift_sigma"):
            lo, hi = _sourced(doc.get(fit, {}) or {}, "lo"), _sourced(doc.get(fit, {}) or {}, "hi")
            if _num(lo) and _num(hi) and not 0 <= lo <= hi:
                out.append(f"{fit}: lo {lo} > hi {hi}")
        poly = _sourced(doc, "prog_noise_poly_us")
        if not (isinstance(poly, list) and len(poly) == 3):
            out.append(f"prog_noise_poly_us = {poly!r}")
    return out


def _table_problems(path: Path) -> list[str]:
    """A jump table must be finite, with increasing edges/grid and CDF rows rising to 1."""
    import pandas as pd

    try:
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                edges, grid, cdfs = z["g_edges_us"], z["dg_grid_us"], [z["set_cdf"], z["reset_cdf"]]
        else:
            df = pd.read_csv(path)
            edges = np.unique(np.concatenate([df.g_lo_us.to_numpy(float), df.g_hi_us.to_numpy(float)]))
            grid = df.dg_us.to_numpy(float)
            cdfs = [df.cdf.to_numpy(float)]
            if not set(df.pulse) <= {"set", "reset"}:
                return [f"pulse values {sorted(set(map(str, df.pulse)))}"]
    except Exception as exc:  # noqa: BLE001
        return [f"accepted an unreadable table: {type(exc).__name__}"]
    problems = []
    for name, arr in (("g_edges_us", edges), ("dg_grid_us", grid), *(("cdf", c) for c in cdfs)):
        a = np.asarray(arr, dtype=float)
        if not np.isfinite(a).all():
            problems.append(f"{name} not finite")
    for c in cdfs:
        c = np.asarray(c, dtype=float)
        if c.size and ((c < -1e-9).any() or (c > 1 + 1e-9).any()):
            problems.append("cdf outside [0, 1]")
    return problems
