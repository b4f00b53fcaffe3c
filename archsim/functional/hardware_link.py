"""What the functional crossbars take from the workload's design: tile geometry (through the one
tiling rule, archsim.config.tiling) and DAC/ADC bits, so that accuracy and energy see the same
hardware."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archsim.config.design import Design, build_design
from archsim.config.errors import ConfigError, Problem
from archsim.config.workload import DesignRef


@dataclass(frozen=True)
class CrossbarLink:
    """Tile size (None: one array per layer, when the workload has no MCA design), converter bits and the
    devices per sign of a weight (design devices_per_weight 2N → N; 1 and 2 → 1)."""

    design: str | None
    tile_rows: int | None
    tile_cols: int | None
    dac_bits: int
    adc_bits: int
    devices_per_sign: int = 1


def _ref_name(ref) -> str:
    return ref if isinstance(ref, str) else ref.name


def crossbar_link(workload, workload_path: Path, requested: str | None, designs: list[Design] | None = None,
                  key: str = "functional.design") -> CrossbarLink:
    """The design named `requested` (or the workload's first design of type mca) as a CrossbarLink."""
    names = [_ref_name(r) for r in workload.designs]
    if requested is not None and requested not in names:
        raise ConfigError(workload_path, [Problem(key, f"'{requested}' is not one of the workload's designs "
                                                       f"({', '.join(names)})")])
    if designs is None:
        designs = []
        for i, ref in enumerate(workload.designs):
            if requested is not None and _ref_name(ref) != requested:
                continue
            if isinstance(ref, DesignRef):
                designs.append(build_design(ref.base, ref.name, ref.overrides, workload_path, key=f"designs.{i}"))
            else:
                designs.append(build_design(ref, workload_file=workload_path, key=f"designs.{i}"))
    by_name = {d.name: d for d in designs}
    chosen = by_name.get(requested) if requested else next((d for d in designs if d.type == "mca"), None)
    if chosen is None:
        return CrossbarLink(None, None, None, 8, 8)
    # every mapping tiles a layer's matrix onto rows × cols arrays (config/design.py Crossbar)
    return CrossbarLink(chosen.name, chosen.crossbar.rows, chosen.crossbar.cols, chosen.tile.dac_bits,
                        chosen.tile.adc_bits, max(1, chosen.crossbar.devices_per_weight // 2))
