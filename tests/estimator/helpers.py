"""Small workload builders for estimator tests."""

from __future__ import annotations

from pathlib import Path

import yaml

from archsim.config.design import build_design, deep_merge
from archsim.config.workload import Workload
from archsim.estimate import estimate, load_workload

ROOT = Path(__file__).resolve().parents[2]
TECH = ROOT / "tech" / "14lpp.yaml"

#: A small CNN: conv positions, pooling, a dense head.
CNN_LAYERS = [
    {"type": "conv2d", "name": "conv1", "out_channels": 8, "kernel": 3, "padding": 1, "activation": "relu"},
    {"type": "maxpool", "name": "pool1", "kernel": 2},
    {"type": "conv2d", "name": "conv2", "out_channels": 16, "kernel": 3, "padding": 1, "activation": "relu"},
    {"type": "flatten"},
    {"type": "dense", "name": "fc", "out": 10, "activation": "softmax"},
]


def write_workload(tmp_path: Path, layers, *, mode="infer", designs=("mca",), name="t", extra=None,
                   input_shape=None) -> Path:
    """A workload YAML. `layers`: ints (an MLP: inputs, then outputs of each dense layer) or layer dicts."""
    if all(isinstance(n, int) for n in layers):
        shape, spec = [layers[0]], [{"type": "dense", "out": n, "activation": "none"} for n in layers[1:]]
    else:
        shape, spec = input_shape, list(layers)
    data = {
        "kind": "workload", "version": 1, "name": name, "tech": str(TECH),
        "network": {"name": "n", "input_shape": shape, "layers": spec},
        "mode": mode, "designs": list(designs),
    }
    data.update(extra or {})
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def run(path, designs=None, **workload_changes):
    """Estimate of the workload at `path`, optionally with (dotted) workload fields changed."""
    w = load_workload(path)
    if workload_changes:
        w = Workload.model_validate(deep_merge(w.model_dump(), workload_changes))
    return estimate(w, path, designs=designs)


def design(base: str, overrides: dict | None = None, name: str = "x"):
    return build_design(base, name, overrides or {})
