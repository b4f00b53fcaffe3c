"""Small workload builders for estimator tests."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def write_workload(tmp_path: Path, layers, *, mode="infer", designs=("mca",), name="t", extra=None) -> Path:
    data = {
        "kind": "workload", "version": 1, "name": name, "tech": str(ROOT / "tech" / "14lpp.yaml"),
        "network": {"name": "n", "input_shape": [layers[0]], "layers": [
            {"type": "dense", "out": n, "activation": "none"} for n in layers[1:]]},
        "mode": mode, "designs": list(designs),
    }
    data.update(extra or {})
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
