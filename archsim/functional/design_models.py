"""Which functional model trains each design: chosen by the design (its type and update rule), not by an
algorithm name, with the design's precisions.

- an McaDesign: the PCM crossbar model (training/crossbar.py, algorithm mca) with the design's tile
  geometry and DAC/ADC bits (hardware_link.py);
- a DigitalDesign with `update: dense_sgd` (digital32): fixed point in weight_bits / act_bits /
  mac_array.acc_bits (training/digital.py);
- a DigitalDesign with `update: chi_threshold` (digital_mp): weight_bits weights, act_bits activations
  and errors, MCA's χ update with update_quant_bits x and δ on exact weights.

A user design point (`base:` + `overrides:`) is validated into the same classes, so it inherits its
base's model, and every overridden precision changes its run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archsim.functional.hardware_link import CrossbarLink, crossbar_link
from archsim.functional.training.digital import DigitalSettings, initial_spread


@dataclass(frozen=True)
class DesignModel:
    """The functional model of one design: kind mca (with its crossbar link) or a digital model."""

    design: str
    kind: str                          # mca | fixed_point | chi_digital
    link: CrossbarLink | None = None
    digital: DigitalSettings | None = None

    def describe(self) -> str:
        if self.kind == "mca":
            return f"PCM crossbars (DAC {self.link.dac_bits} b, ADC {self.link.adc_bits} b)"
        return self.digital.describe()


def design_model(design, workload, workload_path: Path, epsilons: tuple[float, ...]) -> DesignModel:
    """The functional model of `design` (an McaDesign or DigitalDesign) for `workload`'s functional
    settings; `epsilons`: the χ threshold per weighted layer (functional.epsilon / epsilon_rule)."""
    cfg = workload.functional
    if design.type == "mca":
        return DesignModel(design.name, "mca", link=crossbar_link(workload, workload_path, None, [design]))
    acc = design.mac_array.acc_bits
    if design.update == "dense_sgd":
        return DesignModel(design.name, "fixed_point", digital=DigitalSettings(
            "fixed_point", design.weight_bits, design.act_bits, acc, int_bits=cfg.fixed_int_bits))
    from archsim.functional.run import update_rounding

    r = update_rounding(cfg)  # MCA's χ update: the same rounding codes and scale offsets
    return DesignModel(design.name, "chi_digital", digital=DigitalSettings(
        "chi_digital", design.weight_bits, design.act_bits, acc, update_bits=design.update_quant_bits,
        rounding=(r["round_x"], r["round_d"], r["round_d_out"]), shifts=(r["shift_x"], r["shift_d"], r["shift_d_out"]),
        epsilon=tuple(epsilons),
        init_std=initial_spread(tuple(epsilons), cfg.epsilon_g_us, cfg.init_g_std_us)))
