"""Every bound archsim puts on its inputs and outputs, in one place (README: "Limits").

Inputs beyond these are errors that name the file, the key and the limit, never a hang, a memory
blow-up or a traceback. The numbers are far above anything a real workload, design, tech, device
or sweep file needs; each says why it is what it is.
"""

from __future__ import annotations

import math

# --- YAML files (archsim.config.loader.read_yaml: every YAML archsim reads goes through it) ---
#: bytes in one YAML file; the largest shipped file is ~10 kB and PyYAML needs ~100 B of memory per byte
YAML_MAX_BYTES = 2 * 1024 * 1024
#: nodes of a YAML document after alias expansion (anchors/aliases counted as often as they are used):
#: stops "billion laughs" bombs; a ResNet-32 workload has ~1,500
YAML_MAX_NODES = 200_000
#: nesting depth of mappings and sequences (a residual inside a residual adds 3 levels)
YAML_MAX_DEPTH = 100

# --- error messages (archsim.config.errors: one truncation rule for every message) ---
#: characters of one key path or one message line
MESSAGE_MAX_CHARS = 300
#: characters of a user value quoted in a message (a repr, cut with an ellipsis)
VALUE_MAX_CHARS = 80
#: problems listed per file; the rest are counted in one last line
PROBLEMS_SHOWN = 10

# --- sweep expressions (archsim.sweep.expressions) ---
#: characters of one iso/derived expression
EXPRESSION_MAX_CHARS = 500
#: magnitude of any intermediate value: beyond a double's range an expression is an error
EXPRESSION_MAX_ABS = 2.0 ** 1023

# --- sweep size (archsim.sweep.points; `archsim sweep --max-points N` raises it) ---
#: points of one sweep, counted from the axes before any point is built (~5 ms each analytically)
SWEEP_MAX_POINTS = 100_000

# --- physical plausibility of an estimate (archsim.config.limits.check_estimate) ---
#: energy of one image on one design (1 kJ; the estimator gives VGG-16 at 224×224 ~36 J per training
#: image on the 32-bit design, so this leaves a factor ~30 for larger networks)
MAX_ENERGY_PJ_PER_IMAGE = 1e15
#: latency of one image on one design (1,000 s; VGG-16 training on the mixed-precision design: ~1.5 s)
MAX_LATENCY_NS_PER_IMAGE = 1e12


def implausible(label: str, value: float, upper: float, unit: str) -> str | None:
    """Why `value` is not a physical per-image quantity (non-finite, negative or above `upper`), or None."""
    if not math.isfinite(value):
        return f"{label} is {value} {unit}: not a finite number"
    if value < 0:
        return f"{label} is {value:.6g} {unit}: negative"
    if value > upper:
        return f"{label} is {value:.3g} {unit}, above the plausible maximum of {upper:.0e} {unit} per image"
    return None


def estimate_problems(energy_rows, latency_rows) -> list[str]:
    """What is not physical in an estimate: `energy_rows` are (design, stage, component, energy_pj),
    `latency_rows` (design, stage, latency_ns); every value finite and >= 0, per-image totals bounded."""
    problems, totals = [], {}
    for design, stage, component, pj in energy_rows:
        msg = implausible(f"{design} {stage} {component} energy", float(pj), math.inf, "pJ")
        if msg:
            problems.append(msg)
        totals[design] = totals.get(design, 0.0) + float(pj)
    for design, pj in totals.items():
        msg = implausible(f"{design} energy per image", pj, MAX_ENERGY_PJ_PER_IMAGE, "pJ")
        if msg and math.isfinite(pj):
            problems.append(msg)
    for design, stage, ns in latency_rows:
        msg = implausible(f"{design} {stage} latency", float(ns), MAX_LATENCY_NS_PER_IMAGE, "ns")
        if msg:
            problems.append(msg)
    return problems
