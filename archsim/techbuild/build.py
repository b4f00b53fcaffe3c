"""Evaluate a spec with the component models and write the generated tech file (format: archsim.config.tech).

`reuse`: values of an earlier generated file are taken over for every entry whose model, parameters and
package version are unchanged, so changing a calibration factor or adding one grid point re-evaluates
only what changed (a full build of tech/14lpp.spec.yaml runs CACTI and NeuroSim for minutes).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
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
from archsim.techbuild.spec import TechSpec, calibration_path, grid_points, load_calibration, load_spec

KIND = "tech"
VERSION = 2
DISTRIBUTIONS = ("hwcomponents", "hwcomponents-cacti", "hwcomponents-adc", "hwcomponents-neurosim",
                 "hwcomponents-library")
SIGNIFICANT = 6


def sig(x: float) -> float:
    """`x` rounded to 6 significant digits (what the generated file stores)."""
    return float(f"{x:.{SIGNIFICANT}g}")


class Row(list):
    """A grid row: written as one flow-style YAML line."""


class _Flow(dict):
    """A small mapping written on one line."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(Row, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
_Dumper.add_representer(_Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True))


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


def _key(model: str, params: dict[str, Any], cells: dict[str, Any], plugin_class: str | None = None) -> str:
    """Identity of one evaluation: model, parameters, and the definition of the cell it names (if any)."""
    cell = cells.get(params.get("cell")) if isinstance(params.get("cell"), str) else None
    if cell is not None and hasattr(cell, "model_dump"):
        cell = cell.model_dump()
    return json.dumps([model, plugin_class, _num(params), _num(cell)], sort_keys=True, default=str)


def _num(v):
    """Numbers as floats (YAML writes 1 and 1.0 alike back as either), recursively."""
    if isinstance(v, dict):
        return {k: _num(x) for k, x in v.items()}
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    return v


class Reuse:
    """Entries of an earlier generated file, by (model, parameters), where its package versions match."""

    def __init__(self, doc: dict[str, Any] | None):
        self.entries: dict[str, dict[str, Any]] = {}
        self.rows: dict[str, dict[str, float]] = {}
        self.hits = 0
        if not doc:
            return
        cells = doc.get("cells") or {}
        for e in (doc.get("primitives") or {}).values():
            if self._current(e.get("package", "")):
                self.entries[_key(e["model"], e["params"], cells, e.get("plugin_class"))] = e
        for g in (doc.get("grids") or {}).values():
            if not self._current(g.get("package", "")):
                continue
            axes = list(g["axes"])
            for r in g["rows"]:
                params = {**g["params"], **dict(zip(axes, r[: len(axes)]))}
                self.rows[_key(g["model"], params, cells)] = dict(zip(g["columns"][len(axes):], r[len(axes):]))

    @staticmethod
    def _current(package: str) -> bool:
        dist, _, version = package.partition("==")
        return bool(version) and version_of(dist) == version

    def entry(self, key: str) -> dict[str, Any] | None:
        e = self.entries.get(key)
        self.hits += e is not None
        return e

    def row(self, key: str) -> dict[str, float] | None:
        r = self.rows.get(key)
        self.hits += r is not None
        return r


class Evaluator:
    """Evaluates named models (and plug-ins) in archsim units; one instance per build."""

    def __init__(self, spec: TechSpec, file: Path, reuse: Reuse | None = None):
        self.spec, self.file = spec, file
        self.ctx = {"cells": spec.cells}
        self.reuse = reuse or Reuse(None)

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
        if model_name != PLUGIN:
            params = p.model_dump(exclude_none=True)
            if MODELS[model_name].node_param:
                params["tech_node_nm"] = node
            old = self.reuse.entry(_key(model_name, params, self.spec.cells))
            if old is not None:
                return {k: old[k] for k in ("model", "package", "params", "node_scaling", "actions", "leakage_mw",
                                            "area_um2")}
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


def _grid_row(ev: Evaluator, name: str, grid, p, point: dict[str, Any]) -> tuple[dict[str, Any], dict[str, float]]:
    """(entry metadata, flat values) of one grid point, reused from an earlier build where possible."""
    model = MODELS[grid.model]
    params = p.model_dump(exclude_none=True)
    if model.node_param:
        params["tech_node_nm"] = ev.node(p)
    old = ev.reuse.row(_key(grid.model, params, ev.spec.cells))
    if old is not None:
        return None, old
    entry = ev.evaluate(f"grids.{name}", grid.model, p)
    return entry, _flatten(entry)


def build(spec_path: str | Path, progress: bool = True,
          say: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
          reuse: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validate and evaluate a spec; return the generated tech file as a dict (nothing written).

    `reuse`: an earlier generated file (as a dict) whose unchanged entries are copied instead of evaluated."""
    from tqdm import tqdm

    from archsim.techbuild import require_components
    from archsim.techbuild.binaries import ensure_binaries

    spec_path = Path(spec_path)
    require_components()
    spec, checked = load_spec(spec_path)
    calibration = load_calibration(spec, spec_path)
    ensure_binaries(say)
    ev = Evaluator(spec, spec_path, Reuse(reuse))
    total = len(spec.primitives) + sum(len(grid_points(g)) for g in spec.grids.values())
    bar = tqdm(total=total, desc=f"tech build {spec.name}", unit="eval", disable=not progress, file=sys.stderr)
    used: set[str] = set()
    primitives = {}
    for name, prim in spec.primitives.items():
        entry = ev.evaluate(f"primitives.{name}", prim.model, checked[name], prim.plugin_class,
                            prim.actions)
        primitives[name] = {"description": prim.description, **entry}
        if prim.source:
            primitives[name] = {"description": prim.description, "model": entry["model"], "package": entry["package"],
                                **({"plugin_class": entry["plugin_class"]} if "plugin_class" in entry else {}),
                                "source": prim.source,
                                **{k: v for k, v in entry.items() if k not in ("model", "package", "plugin_class")}}
        used.add(prim.model)
        bar.update()
    grids = {}
    for name, grid in spec.grids.items():
        rows, columns, first, flats = [], None, None, []
        for i, point in enumerate(grid_points(grid)):
            p = checked[f"grid:{name}:{i}"]
            entry, flat = _grid_row(ev, name, grid, p, point)
            first = first or entry
            columns = columns or list(grid.axes) + list(flat)
            flats.append((point, flat))
            bar.update()
        if first is None:  # every point reused: evaluate the first once more for the metadata
            first = ev.evaluate(f"grids.{name}", grid.model, checked[f"grid:{name}:0"])
        for point, flat in flats:
            rows.append(Row([point[a] for a in grid.axes] + [flat[c] for c in columns[len(grid.axes):]]))
        used.add(grid.model)
        fixed = {k: v for k, v in first["params"].items() if k not in grid.axes}
        interp = {"axes": {a: grid.interpolation.axes.get(a, "log") for a in grid.axes},
                  "values": grid.interpolation.values}
        grids[name] = {"description": grid.description, "model": grid.model, "package": first["package"],
                       "params": fixed, "axes": {k: Row(v) for k, v in grid.axes.items()},
                       "interpolation": {"axes": _Flow(interp["axes"]), "values": interp["values"]},
                       "node_scaling": first["node_scaling"], "columns": columns, "rows": rows}
    bar.close()
    models = {}
    for name in sorted(used - {PLUGIN}):
        m = MODELS[name]
        models[name] = {"class": m.cls.replace(":", "."), "package": m.distribution,
                        "version": version_of(m.distribution), "cites": m.cites,
                        "node_scaling_rule": m.scaling_rule, "area_is": m.area_is,
                        **({"notes": m.notes} if m.notes else {})}
    generated_by = {"command": f"archsim tech build {spec_path.as_posix()}", "spec": spec_path.as_posix(),
                    "spec_sha256": hashlib.sha256(spec_path.read_bytes()).hexdigest()}
    cal_path = calibration_path(spec, spec_path)
    if cal_path is not None:
        generated_by.update({"calibration": cal_path.as_posix(),
                             "calibration_sha256": hashlib.sha256(cal_path.read_bytes()).hexdigest(),
                             "fitted_by": calibration.fitted_by})
    generated_by.update({"archsim": __version__, "python": platform.python_version()})
    if ev.reuse.hits:
        say(f"archsim: reused {ev.reuse.hits} unchanged evaluations from the earlier file")
    return {
        "kind": KIND,
        "version": VERSION,
        "name": spec.name,
        "node_nm": spec.node_nm,
        "description": spec.description,
        "generated_by": generated_by,
        "packages": {d: version_of(d) for d in DISTRIBUTIONS},
        "models": models,
        "cells": {k: c.model_dump() for k, c in spec.cells.items()},
        "calibration": {k: f.model_dump() for k, f in (calibration.factors if calibration else {}).items()},
        "primitives": primitives,
        "grids": grids,
    }


HEADER = """\
# GENERATED by `archsim tech build` from the spec (and calibration file) named under generated_by: do not
# edit; edit those and rebuild. Format (kind: tech, version 2; documented in archsim/config/tech.py):
#   calibration.<factor>: value, applies_to [<model>.<energy|leakage>], fitted_to (the reference cell),
#     explains (what the model leaves out). The estimator uses model value x factor for those quantities.
#   primitives.<name>: model, package==version, params (archsim units), node_scaling (measured factors when
#     the package scaled the model to node_nm, else how it was evaluated), actions.<action>.energy_pj
#     [latency_ns], leakage_mw, area_um2 (per instance unless models.<model>.area_is says otherwise).
#   grids.<name>: the same quantities for every combination of `axes` (row-major, last axis fastest), one
#     row per point: the axis values, then `columns` in order; `interpolation` says how the estimator
#     reads between points (log or linear per axis and for the values); outside the axes it is an error.
"""


def dump(doc: dict[str, Any]) -> str:
    return HEADER + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


def build_to_file(spec_path: str | Path, out: str | Path, progress: bool = True,
                  reuse: str | Path | None = None) -> dict[str, Any]:
    """Build and write atomically (the output appears whole or not at all); `reuse`: an earlier generated
    file whose unchanged evaluations are copied."""
    old = None
    if reuse is not None and Path(reuse).is_file():
        old = yaml.load(Path(reuse).read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    doc = build(spec_path, progress=progress, reuse=old)
    atomic_write_text(out, dump(doc))
    return doc


def _restyle(doc: dict[str, Any]) -> dict[str, Any]:
    """A generated file read back from YAML, with its one-line rows and axes marked for dumping again."""
    for g in (doc.get("grids") or {}).values():
        g["axes"] = {k: Row(v) for k, v in g["axes"].items()}
        g["rows"] = [Row(r) for r in g["rows"]]
        if "interpolation" in g:
            g["interpolation"]["axes"] = _Flow(g["interpolation"]["axes"])
    return doc


def apply_calibration(tech_path: str | Path, calibration: str | Path | None = None) -> dict[str, Any]:
    """Copy a calibration file's factors into a generated tech file without re-evaluating any model (so it
    runs on any interpreter): what `archsim tech build --reuse` would produce for a changed calibration
    only. `calibration` defaults to the file named in the tech file's generated_by."""
    from archsim.config.loader import load
    from archsim.config.tech import CalibrationFile, load_tech_file

    tech_path = Path(tech_path)
    load_tech_file(tech_path)  # a valid tech file to begin with
    doc = yaml.load(tech_path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    gen = doc["generated_by"]
    cal_path = Path(calibration) if calibration is not None else Path(gen.get("calibration", ""))
    if calibration is None and not cal_path.is_file():  # named relative to where the build ran
        cal_path = tech_path.parent / cal_path.name
    if not cal_path.is_file():
        raise ConfigError(tech_path, [Problem("generated_by.calibration", f"calibration file not found: {cal_path}")])
    cal = load(CalibrationFile, cal_path)
    doc["calibration"] = {k: f.model_dump() for k, f in cal.factors.items()}
    rel = Path(os.path.relpath(cal_path))   # as the build names it: relative to where it runs
    shown = (rel if not rel.as_posix().startswith("..") else cal_path.resolve()).as_posix()
    gen.update({"calibration": shown,
                "calibration_sha256": hashlib.sha256(cal_path.read_bytes()).hexdigest(), "fitted_by": cal.fitted_by})
    atomic_write_text(tech_path, dump(_restyle(doc)))
    return doc
