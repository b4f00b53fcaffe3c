"""archsim: accuracy, energy and latency of deep learning on PCM computational memory.

Pipeline: config (YAML schemas) → functional (PCM devices, crossbar kernels, training)
→ trace (what each unit must do per step) → hardware (SimPy discrete-event model)
→ accounting (energy = Σ counts × per-action energy) → reports / CLI.

Python API (archsim.api): `load_workload`, `estimate` → `Result` (DataFrames, `to_report`), `sweep`;
`import_onnx` (archsim.importers) brings a network and its trained weights from ONNX.
"""

import sys
import types

__version__ = "0.1.0"

_API = {"load_workload": "archsim.api", "sweep": "archsim.api", "Result": "archsim.api",
        "import_onnx": "archsim.importers"}

__all__ = ["__version__", "estimate", *_API]


class _EstimateModule(types.ModuleType):
    """archsim.estimate is both the estimator's module and, called, the API function archsim.api.estimate."""

    def __call__(self, workload):
        from archsim.api import estimate

        return estimate(workload)


class _Package(types.ModuleType):
    def __setattr__(self, name, value):
        if name == "estimate" and isinstance(value, types.ModuleType):   # set by the import of archsim/estimate.py
            value.__class__ = _EstimateModule
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str):
    """Import the API on first use, so `archsim --version` and `import archsim` stay light."""
    import importlib

    if name == "estimate":
        return importlib.import_module("archsim.estimate")
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'archsim' has no attribute {name!r}")
