"""Write an imported model as a workload YAML (validated first) and its weights as .npz, atomically."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from archsim.config.loader import validate
from archsim.config.workload import Workload
from archsim.importers.onnx_network import Imported
from archsim.io import atomic_write_text, write_npz


def workload_dict(imported: Imported, name: str, *, mode: str = "infer", weights_ref: str | None = None,
                  inference: bool = False) -> dict:
    """The workload: the imported network on the built-in designs and technology (no `tech:` = 14lpp)."""
    data = {"kind": "workload", "version": 1, "name": name,
            "description": f"{imported.notes[0] if imported.notes else 'imported network'}",
            "network": imported.network, "mode": mode, "batch_size": 1,
            "designs": ["mca", "digital32", "digital_mp"]}
    if inference:
        data["inference"] = {"weights": weights_ref}
    return data


def write_workload(imported: Imported, path: str | Path, *, weights: str | Path | None = None,
                   name: str | None = None, mode: str = "infer", inference: bool = False) -> list[Path]:
    """Write `path` (workload YAML) and, if asked, `weights` (.npz); returns the files written.

    `inference=True` adds an `inference:` section that programs these weights onto PCM (needs `weights`)."""
    from archsim.importers import slug

    path = Path(path)
    if inference and weights is None:
        raise ValueError("inference=True needs a weights file")
    ref = None
    if weights is not None:
        ref = Path(os.path.relpath(Path(weights).resolve(), path.resolve().parent)).as_posix()
    data = workload_dict(imported, name or slug(path.stem), mode=mode, weights_ref=ref, inference=inference)
    validate(Workload, data, path)
    header = [f"# {note}" for note in imported.notes]
    header.append("# written by `archsim import`; no `tech:` key = the built-in 14lpp technology")
    if weights is not None and not inference:
        header.append(f"# trained weights: {ref} (add `inference: {{weights: {ref}}}` to program them onto PCM)")
    text = "\n".join(header) + "\n" + yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=110)
    files = []
    if weights is not None:
        write_npz(weights, imported.weights)
        files.append(Path(weights))
    atomic_write_text(path, text)
    return files + [path]
