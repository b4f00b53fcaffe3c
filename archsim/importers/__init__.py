"""Bring your own model: ONNX → workload YAML (`network:` section) + trained weights (.npz).

    from archsim.importers import import_onnx, write_workload
    imported = import_onnx("resnet.onnx")             # Imported(network, weights, notes)
    write_workload(imported, "workloads/resnet.yaml", weights="workloads/resnet.npz")

The command line does the same: `archsim import MODEL.onnx -o workloads/NAME.yaml [--weights NAME.npz]`.
Supported operators: archsim.importers.onnx_reader.SUPPORTED_OPS. Anything else, a dynamic shape or
an attribute the layer schema cannot express is a ConfigError listing the offending nodes.
"""

from __future__ import annotations

import re
from pathlib import Path

from archsim.config.errors import ConfigError
from archsim.importers.onnx_network import Imported, onnx_to_network
from archsim.importers.onnx_reader import SUPPORTED_OPS, read_onnx
from archsim.importers.workload import write_workload


def import_onnx(path: str | Path, name: str | None = None) -> Imported:
    """Read an ONNX model and convert it to an archsim network + weights (ConfigError on any problem)."""
    path = Path(path)
    graph = read_onnx(path)
    try:
        imported = onnx_to_network(graph, name or slug(path.stem))
    except (KeyError, IndexError, ValueError, TypeError, AttributeError) as exc:  # a structure no check foresaw
        raise ConfigError(path, f"cannot import this graph ({type(exc).__name__}: {exc})") from None
    imported.notes.insert(0, f"imported from {path.name} (ONNX opset {graph.opset}"
                             f"{', ' + graph.producer if graph.producer else ''}; {len(graph.nodes)} nodes)")
    return imported


def slug(text: str) -> str:
    """A name archsim accepts for workloads and networks ([A-Za-z0-9_.-])."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._-") or "imported"


__all__ = ["Imported", "SUPPORTED_OPS", "import_onnx", "slug", "write_workload"]
