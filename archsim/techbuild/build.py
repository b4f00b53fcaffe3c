"""Evaluate a spec with the component models and write the generated tech file (format: archsim.techbuild)."""

from __future__ import annotations

import hashlib
import math
import platform
import sys
from pathlib import Path
from typing import Any, Callable

import yaml

from archsim import __version__
from archsim.config.errors import ConfigError, Problem
from archsim.io import atomic_write_text
from archsim.techbuild.models import (
    J_TO_PJ,
    M2_TO_UM2,
    MODELS,
    PLUGIN,
    S_TO_NS,
    W_TO_MW,
    Model,
    make_plugin,
    plugin_distribution,
    version_of,
)
from archsim.techbuild.spec import TechSpec, grid_points, load_spec

KIND = "tech_components"
DISTRIBUTIONS = ("hwcomponents", "hwcomponents-cacti", "hwcomponents-adc", "hwcomponents-neurosim",
                 "hwcomponents-library")
SIGNIFICANT = 6


def sig(x: float) -> float:
    """`x` rounded to 6 significant digits (what the generated file stores)."""
    return float(f"{x:.{SIGNIFICANT}g}")


class Row(list):
    """A grid row: written as one flow-style YAML line."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(Row, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))


def _cost(inst, actions: tuple[str, ...] | list[str], latency: bool) -> dict[str, dict[str, float]]:
    out = {}
    for a in actions:
        c = getattr(inst, a)()
        entry = {"energy_pj": c.energy * J_TO_PJ}
        if latency:
            entry["latency_ns"] = c.latency * S_TO_NS
        out[a] = entry
    return out


def _check_finite(file: Path, where: str, values: dict[str, Any]) -> None:
    for k, v in values.items():
        if isinstance(v, dict):
            _check_finite(file, f"{where}.{k}", v)
        elif isinstance(v, float) and (not math.isfinite(v) or v < 0):
            raise ConfigError(file, [Problem(f"{where}.{k}", f"the model returned {v!r}; a cost must be finite and "
                                                             "≥ 0")])


def _round(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _round(v) if isinstance(v, dict) else sig(v) if isinstance(v, float) else v for k, v in values.items()}


class Evaluator:
    """Evaluates named models (and plug-ins) in archsim units; one instance per build."""

    def __init__(self, spec: TechSpec, file: Path):
        self.spec, self.file = spec, file
        self.ctx = {"cells": spec.cells}

    def node(self, p) -> float:
        return getattr(p, "tech_node_nm", None) or self.spec.node_nm

    def model_values(self, model: Model, p, node_nm: float) -> dict[str, Any]:
        inst = model.make(p, node_nm, self.ctx)
        out: dict[str, Any] = {"actions": _cost(inst, model.actions, model.latency)}
        if model.extra is not None:
            for a in out["actions"].values():
                a.update(model.extra(inst, p))
        out["leakage_mw"] = inst.leak_power * W_TO_MW
        out["area_um2"] = inst.area * M2_TO_UM2
        return out

    def node_scaling(self, model: Model, p, values: dict[str, Any]) -> dict[str, Any] | str:
        """How the value at the spec's node relates to the model's own evaluation (measured, not assumed)."""
        node = self.node(p)
        if not model.node_param:
            return "not applicable (no technology node in this model)"
        lo, hi = model.native_nodes_nm or (0.0, math.inf)
        if lo <= node <= hi:
            return f"none: evaluated at {node:g} nm by the model itself"
        native = min(max(node, lo), hi)
        base = self.model_values(model, p, native)
        first = next(iter(values["actions"]))

        def ratio(a: float, b: float) -> float | None:
            return sig(a / b) if b > 0 else None

        return {"model_evaluated_at_nm": native, "to_nm": node,
                "energy_factor": ratio(values["actions"][first]["energy_pj"], base["actions"][first]["energy_pj"]),
                "leakage_factor": ratio(values["leakage_mw"], base["leakage_mw"]),
                "area_factor": ratio(values["area_um2"], base["area_um2"]),
                "measured_on": f"{first} energy, leakage and area, model at {node:g} nm / at {native:g} nm"}

    def evaluate(self, where: str, model_name: str, p, plugin_class: str | None = None,
                 actions: list[str] | None = None) -> dict[str, Any]:
        """One entry of the generated file: model, package, parameters, node scaling and values."""
        node = self.node(p)
        try:
            if model_name == PLUGIN:
                entry = self._plugin(p, plugin_class, actions, node)
                _check_finite(self.file, where, entry)
                return entry
            model = MODELS[model_name]
            values = self.model_values(model, p, node)
            scaling = self.node_scaling(model, p, values)
        except ConfigError:
            raise
        except Exception as exc:  # a model's own failure: one line naming the entry and its parameters
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(self.file, [Problem(where, f"{model_name} failed at {_params_text(p)}: "
                                                         f"{type(exc).__name__}: {msg}")]) from None
        _check_finite(self.file, where, values)
        values = _round(values)
        params = p.model_dump(exclude_none=True)
        if model.node_param:
            params["tech_node_nm"] = node
        return {"model": model_name, "package": f"{model.distribution}=={version_of(model.distribution)}",
                "params": params, "node_scaling": scaling, **values}

    def _plugin(self, p, path: str, actions: list[str], node: float) -> dict[str, Any]:
        cls, inst = make_plugin(path, dict(p.model_extra or {}), node)
        missing = [a for a in actions if a not in cls.get_action_names()]
        if missing:
            raise ValueError(f"{path} has no action {', '.join(missing)}; its actions: "
                             f"{', '.join(cls.get_action_names())}")
        values = {"actions": _cost(inst, actions, True), "leakage_mw": float(inst.leak_power * W_TO_MW),
                  "area_um2": float(inst.area * M2_TO_UM2)}
        scaled = [m for m in inst.get_log_messages() if m.startswith("Scaled ")]
        dist = plugin_distribution(cls)
        return {"model": PLUGIN, "plugin_class": path,
                "package": f"{dist}=={version_of(dist)}" if "(" not in dist else dist,
                "params": {**(p.model_extra or {}), "tech_node_nm": node},
                "node_scaling": scaled or "as implemented by the plug-in (it logged no scaling)", **_round(values)}


def _params_text(p) -> str:
    d = p.model_dump(exclude_none=True) if hasattr(p, "model_dump") else dict(p)
    return "{" + ", ".join(f"{k}: {v}" for k, v in d.items()) + "}"


def _flatten(values: dict[str, Any]) -> dict[str, float]:
    """Grid columns: action.quantity for each action, then leakage and area."""
    out = {}
    for action, q in values["actions"].items():
        for k, v in q.items():
            out[f"{action}.{k}"] = v
    out["leakage_mw"] = values["leakage_mw"]
    out["area_um2"] = values["area_um2"]
    return out


def build(spec_path: str | Path, progress: bool = True,
          say: Callable[[str], None] = lambda m: print(m, file=sys.stderr)) -> dict[str, Any]:
    """Validate and evaluate a spec; return the generated tech file as a dict (nothing written)."""
    from tqdm import tqdm

    from archsim.techbuild import require_components
    from archsim.techbuild.binaries import ensure_binaries

    spec_path = Path(spec_path)
    require_components()
    spec, checked = load_spec(spec_path)
    ensure_binaries(say)
    ev = Evaluator(spec, spec_path)
    total = len(spec.primitives) + sum(len(grid_points(g)) for g in spec.grids.values())
    bar = tqdm(total=total, desc=f"tech build {spec.name}", unit="eval", disable=not progress, file=sys.stderr)
    used: set[str] = set()
    primitives = {}
    for name, prim in spec.primitives.items():
        entry = ev.evaluate(f"primitives.{name}", prim.model, checked[name], prim.plugin_class,
                            prim.actions)
        primitives[name] = {"description": prim.description, **entry}
        used.add(prim.model)
        bar.update()
    grids = {}
    for name, grid in spec.grids.items():
        rows, columns, first = [], None, None
        for i, point in enumerate(grid_points(grid)):
            p = checked[f"grid:{name}:{i}"]
            entry = ev.evaluate(f"grids.{name}", grid.model, p)
            first = first or entry
            flat = _flatten(entry)
            columns = columns or list(grid.axes) + list(flat)
            rows.append(Row([point[a] for a in grid.axes] + list(flat.values())))
            bar.update()
        used.add(grid.model)
        fixed = {k: v for k, v in first["params"].items() if k not in grid.axes}
        grids[name] = {"description": grid.description, "model": grid.model, "package": first["package"],
                       "params": fixed, "axes": {k: Row(v) for k, v in grid.axes.items()},
                       "node_scaling": first["node_scaling"], "columns": columns, "rows": rows}
    bar.close()
    models = {}
    for name in sorted(used - {PLUGIN}):
        m = MODELS[name]
        models[name] = {"class": m.cls.replace(":", "."), "package": m.distribution,
                        "version": version_of(m.distribution), "cites": m.cites,
                        "node_scaling_rule": m.scaling_rule, "area_is": m.area_is,
                        **({"notes": m.notes} if m.notes else {})}
    return {
        "kind": KIND,
        "version": 1,
        "name": spec.name,
        "node_nm": spec.node_nm,
        "description": spec.description,
        "generated_by": {"command": f"archsim tech build {spec_path.as_posix()}", "spec": spec_path.as_posix(),
                         "spec_sha256": hashlib.sha256(spec_path.read_bytes()).hexdigest(),
                         "archsim": __version__, "python": platform.python_version()},
        "packages": {d: version_of(d) for d in DISTRIBUTIONS},
        "models": models,
        "cells": {k: c.model_dump() for k, c in spec.cells.items()},
        "primitives": primitives,
        "grids": grids,
    }


HEADER = """\
# GENERATED by `archsim tech build` from the spec named under generated_by: do not edit; edit the spec and
# rebuild. Format (kind: tech_components, documented in archsim/techbuild/__init__.py):
#   primitives.<name>: model, package==version, params (archsim units), node_scaling (measured factors when
#     the package scaled the model to node_nm, else how it was evaluated), actions.<action>.energy_pj
#     [latency_ns], leakage_mw, area_um2 (per instance unless models.<model>.area_is says otherwise).
#   grids.<name>: the same quantities for every combination of `axes` (row-major, last axis fastest), one
#     row per point: the axis values, then `columns` in order.
"""


def dump(doc: dict[str, Any]) -> str:
    return HEADER + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


def build_to_file(spec_path: str | Path, out: str | Path, progress: bool = True) -> dict[str, Any]:
    """Build and write atomically (the output appears whole or not at all)."""
    doc = build(spec_path, progress=progress)
    atomic_write_text(out, dump(doc))
    return doc
