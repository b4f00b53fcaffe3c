"""Component-model tooling: `archsim tech build SPEC.yaml -o OUT.yaml` prices primitives with the field's models.

It sits beside config/ (it reads a spec and writes YAML; nothing in the estimator imports it), and it is
the only part of archsim that uses the optional `archsim[components]` extra (hwcomponents, -cacti, -adc,
-neurosim, -library; Python ≥ 3.12). The default `archsim run` never needs it.

Input: a spec (`kind: tech_spec`, archsim.techbuild.spec): for each primitive a model name from
archsim.techbuild.models.MODELS (or `plugin` + `plugin_class: package.module:Class`) with parameters in
archsim units, and grids of parameters.

Output: a generated tech file, `kind: tech_components`, `version: 1`:

    kind, version, name, node_nm, description
    generated_by: {command, spec, spec_sha256, archsim, python}
    packages: {hwcomponents: X.Y.Z, hwcomponents-cacti: ..., ...}        # versions used
    models.<model>: {class, package, version, cites, node_scaling_rule, area_is, [notes]}
    cells.<cell>: the NeuroSim cells of the spec, as given
    primitives.<name>:
      description: what one action is and which design uses it
      model: <model>             package: <distribution>==<version>
      params: {... archsim units, tech_node_nm filled in where the model takes a node}
      node_scaling: "none: evaluated at 14 nm by the model itself"
                  | {model_evaluated_at_nm, to_nm, energy_factor, leakage_factor, area_factor, measured_on}
                    (the package's own scaling, measured by evaluating the model at its nearest native node)
      actions.<action>: {energy_pj, [latency_ns], [energy_pj_per_bit]}   # per action
      leakage_mw, area_um2       # static power and area (see models.<model>.area_is)
    grids.<name>:
      description, model, package, params (the fixed ones), node_scaling (measured at the first point)
      axes: {<param>: [values...], ...}                 # in order
      columns: [<axis params...>, <action>.energy_pj, <action>.latency_ns, ..., leakage_mw, area_um2]
      rows: one flow list per point, product of the axes in row-major order (last axis fastest), so
            numpy.array(rows)[:, len(axes):].reshape(*map(len, axes.values()), -1) is the value grid.

Every number is rounded to 6 significant digits; all are finite and ≥ 0 (a model returning anything else
is an error naming the entry). The format is meant to become the tech schema: part 2 of issue 9 maps
primitives onto the estimator's actions and interpolates the grids.
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
