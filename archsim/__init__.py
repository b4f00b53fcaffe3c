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

_API = {"load_workload": "archsim.api", "Result": "archsim.api", "import_onnx": "archsim.importers"}
#: API functions that share their name with a module (archsim/estimate.py, archsim/sweep/): the module
#: object is made callable, so `archsim.estimate(w)` is archsim.api.estimate(w) while
#: `archsim.estimate.load_tech` and `from archsim.sweep.config import ...` keep working.
_CALLABLE_MODULES = ("estimate", "sweep")

__all__ = ["__version__", *_CALLABLE_MODULES, *_API]


class _CallableModule(types.ModuleType):
    """A module that, called, runs the API function of the same name (archsim.api.<name>)."""

    def __call__(self, *args, **kwargs):
        from archsim import api

        return getattr(api, self.__name__.rsplit(".", 1)[1])(*args, **kwargs)


class _Package(types.ModuleType):
    def __setattr__(self, name, value):
        if name in _CALLABLE_MODULES and isinstance(value, types.ModuleType):   # set when the module is imported
            value.__class__ = _CallableModule
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str):
    """Import the API on first use, so `archsim --version` and `import archsim` stay light."""
    import importlib

    if name in _CALLABLE_MODULES:
        return importlib.import_module(f"archsim.{name}")
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'archsim' has no attribute {name!r}")
