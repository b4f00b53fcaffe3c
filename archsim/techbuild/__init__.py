"""Component-model tooling: `archsim tech build SPEC.yaml -o OUT.yaml` prices primitives with the field's models.

It sits beside config/ (it reads a spec and writes YAML; the estimator imports only the models' parameter
schemas, archsim.techbuild.models, to validate tech files), and it is the only part of archsim that uses
the optional `archsim[components]` extra (hwcomponents, -cacti, -adc, -neurosim, -library; Python ≥ 3.12).
The default `archsim run` never needs it.

Input: a spec (`kind: tech_spec`, archsim.techbuild.spec): for each primitive a model name from
archsim.techbuild.models.MODELS (or `plugin` + `plugin_class: package.module:Class`) with parameters in
archsim units, and grids of parameters.

Output: a generated tech file, `kind: tech`, `version: 2`, the tech schema the estimator reads
(documented in archsim/config/tech.py): models, cells, the spec's calibration factors, every primitive
(model, package==version, parameters in archsim units, node scaling, per-action energy/latency, leakage,
area) and every grid (axes, interpolation, one row per point). Every number is rounded to 6 significant
digits; all are finite and ≥ 0 (a model returning anything else is an error naming the entry).
`archsim tech build --reuse OLD` copies OLD's values for unchanged entries; `archsim tech calibrate
TECH` copies a changed calibration file into TECH without evaluating any model.
"""

from __future__ import annotations

import platform
import sys

MIN_PYTHON = (3, 12)
EXTRA_HINT = ("pip install 'archsim[components]' (hwcomponents, hwcomponents-cacti, -adc, -neurosim, -library) "
              "on Python >= 3.12")


class ComponentsUnavailable(Exception):
    """The component models cannot run here (extra missing, old Python, programs that cannot be built).

    The CLI prints it as one line and exits 2.
    """


def require_components() -> None:
    """Raise ComponentsUnavailable (one clear line) when the component models cannot be imported here."""
    if sys.version_info < MIN_PYTHON:
        raise ComponentsUnavailable(f"archsim tech build needs the component models, which need Python >= 3.12 "
                                    f"(this is Python {platform.python_version()}): {EXTRA_HINT}")
    missing = []
    for module in ("hwcomponents", "hwcomponents_cacti", "hwcomponents_adc", "hwcomponents_neurosim",
                   "hwcomponents_library"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module.replace("_", "-"))
    if missing:
        raise ComponentsUnavailable(f"archsim tech build needs {', '.join(missing)}: {EXTRA_HINT}")
