"""The MCA: PCM crossbar tiles for both MVM directions, digital unit, χ update, write heads.

Forward: x → input drivers on the rows of every array of the layer, columns integrate, ADCs digitise
Wx; row tiles' partial sums travel over the bus and are added in the digital unit. Backward: δ →
drivers on the columns of the same arrays, rows integrate, ADCs digitise Wᵀδ; column tiles give the
partial sums. PWM inputs take one read of 2^dac_bits steps; bit-serial inputs take dac_bits reads,
each converted and shift-added. Update: per image, the χ pass; per batch, once every group has
accumulated a layer, its SET pulses, then its refresh slice (row checks on its arrays, RESET and
re-program on the write heads) in the background. Update pulses, refresh and reprogramming share
the write heads.
"""

from __future__ import annotations

import math

from archsim.config.errors import ConfigError, Problem
from archsim.config.tiling import TileGrid
from archsim.hardware.components.crossbar import AdcBank, CrossbarArrays, device_power
from archsim.hardware.components.digital import WriteHeads
from archsim.hardware.designs.chi_update import ChiAccumulation, chi_components
from archsim.hardware.designs.machine import MAX_GROUPS, Machine, Work, split
from archsim.hardware.ledger import OpContext
from archsim.hardware.mapping import ArrayMapping, map_crossbars
from archsim.hardware.memory import plan_memory
from archsim.hardware.units import resource
from archsim.trace.ops import MvmOp, ProgramOp, Trace, UpdateOp


def _duties(trace: Trace) -> dict[str, tuple[float, float]]:
    """Layer → (forward, backward) mean input duty of its MVMs (the other direction's where one is missing)."""
    seen: dict[str, dict[str, float]] = {}
    for step in trace.steps:
        for op in step.ops:
            if isinstance(op, MvmOp):
                seen.setdefault(op.layer, {}).setdefault(op.direction, op.input_duty)
    out = {}
    for layer, d in seen.items():
        f = d.get("forward", d.get("backward", 1.0))
        out[layer] = (f, d.get("backward", f))
    return out


def _check_mapping(design, trace: Trace, maps: dict[str, ArrayMapping]) -> None:
    if not any(m.reprogram for m in maps.values()):
        return
    tiles = sum(m.arrays for m in maps.values())
    if trace.mode == "train":
        raise ConfigError(None, [Problem("crossbar.shared_arrays", (
            f"design '{design.name}': training keeps the weights in the arrays, so every layer must stay resident: "
            f"the network needs {tiles} arrays of {design.crossbar.rows}x{design.crossbar.cols}; set shared_arrays "
            f">= {tiles} or mapping: per_layer"))])
    if not design.dram.enabled:
        raise ConfigError(None, [Problem("crossbar.shared_arrays", (
            f"design '{design.name}': {design.crossbar.shared_arrays} shared arrays cannot hold the {tiles} tiles, so "
            "they are reprogrammed from DRAM every batch; enable dram or raise shared_arrays"))])


def _verify_read(tech, design, trace: Trace, maps: dict[str, ArrayMapping], adc: AdcBank):
    """One program-verify / refresh-check read of one device: the device conducting over the verify window
    at the network's mean conductance (weighted by weights) plus one conversion of the tile's ADC."""
    weights = {k: m.grid.rows * m.grid.cols for k, m in maps.items()}
    g = sum(trace.conductance_us[k] * w for k, w in weights.items()) / max(sum(weights.values()), 1)
    p = device_power(tech, g, f"a verify read at {g:g} uS")
    ns = design.programming.verify_read_ns
    return type(p)(p.model * ns, p.factor, p.factors) + adc.origin["convert"]


class McaMachine(Machine):
    """Computational memory: see the module docstring."""

    def __init__(self, env, ledger, design, tech, trace):
        super().__init__(env, ledger, design, tech, trace)
        self.maps = map_crossbars(trace.weighted(), design.crossbar)
        self.pool = None if design.crossbar.dedicated else resource(env)
        self.chi = ChiAccumulation(self) if self.training else None

    @classmethod
    def components(cls, design, tech, trace, memory=None):
        memory = memory if memory is not None else plan_memory(design, trace)
        out = super().components(design, tech, trace, memory)
        maps = map_crossbars(trace.weighted(), design.crossbar)
        _check_mapping(design, trace, maps)
        t, x = design.tile, design.crossbar
        acc_bits = t.adc_bits + t.dac_bits
        bit_serial = t.input_encoding == "bit_serial"
        duties = _duties(trace)
        for layer in maps:
            out[f"tile[{layer}]"] = CrossbarArrays(tech, trace.conductance_us[layer], x.rows, x.cols,
                                                   x.devices_per_weight, bit_serial, *duties.get(layer, (1.0, 1.0)))
        if x.dedicated:
            for layer, mp in maps.items():
                out[f"adc[{layer}]"] = AdcBank(tech, t.adc_bits, t.adcs_per_array * mp.arrays, t.adc_conversion_ns,
                                               acc_bits, t.adc_power_gating)
        else:
            out["adc[pool]"] = AdcBank(tech, t.adc_bits, t.adcs_per_array * x.shared_arrays, t.adc_conversion_ns,
                                       acc_bits, t.adc_power_gating)
        adc = next(c for n, c in out.items() if n.startswith("adc["))
        out["write_heads"] = WriteHeads(tech, _verify_read(tech, design, trace, maps, adc))
        if trace.mode == "train":
            out.update(chi_components(design, tech, memory))
        return out

    def groups(self) -> list[int]:
        b = self.trace.batch_size
        return split(b, MAX_GROUPS) if self.design.crossbar.dedicated else [b]

    def _tile(self, layer: str):
        return self.unit(f"tile[{layer}]", self.pool)

    def _adc(self, layer: str):
        return self.unit(f"adc[{layer}]" if self.design.crossbar.dedicated else "adc[pool]")

    def _mapping(self, op) -> ArrayMapping:
        mp = self.maps[op.layer]
        if (op.rows, op.cols) == (mp.grid.rows, mp.grid.cols):
            return mp
        x = self.design.crossbar  # a partial read (calibration columns) of the layer's arrays
        return ArrayMapping(TileGrid(op.rows, op.cols, x.rows, x.cols), mp.passes)

    # -- MVM -------------------------------------------------------------------------------------
    def mvm(self, ctx: OpContext, op: MvmOp, images: int):
        d, t = self.design, self.design.tile
        mp = self._mapping(op)
        if mp.reprogram and op.direction == "forward":
            yield from self.reprogram(ctx, op)
        tile, adc = self._tile(op.layer), self._adc(op.layer)
        reads, window = t.reads_per_mvm, t.read_window_ns
        lines_in, lines_out, partial_tiles = mp.lines(op.direction, d.crossbar.devices_per_weight)
        devices = op.rows * op.cols * d.crossbar.devices_per_weight
        rounds = math.ceil(mp.lines_out_per_array(op.direction) / t.adcs_per_array)
        bit_serial = t.input_encoding == "bit_serial"
        out_bits = t.adc_bits + (t.dac_bits if bit_serial else 0)
        drive = op.input_duty if bit_serial else 1.0  # bit-serial lines pulse only for 1 bits
        drive_action = "drive_row" if op.direction == "forward" else "drive_col"
        total = op.mvms * images
        dram_r, dram_w = self.map_dram_bits(ctx, op, images)

        def chunk(n: int):
            share = n / total
            feed = (self.act_works(ctx, op.in_len * n, 0, n) + self.bus_works(ctx, op.in_len * n * t.dac_bits, n)
                    + self.dram_works(ctx, dram_r * share, dram_w * share, n))
            read = [Work(tile, window * reads * n * mp.passes, {
                "conduct": devices * reads * op.input_duty * window * n,
                drive_action: lines_in * reads * drive * n, "mac": op.rows * op.cols * n}, n)]
            conversions = lines_out * reads * n
            convert = [Work(adc, rounds * adc.component.conversion_ns * reads * n * mp.passes,
                            {"convert": conversions, **({"shift_add": conversions} if bit_serial else {})}, n)]
            tail = self.bus_works(ctx, lines_out * n * out_bits, n)
            if partial_tiles > 1:
                tail += self.vector_works(ctx, "partial_sum", (partial_tiles - 1) * op.out_len * n, n)
            tail += self.elementwise_works(ctx, op.post, op.out_len * n, n)
            yield from self.pipeline(ctx, [feed, read, convert, tail])

        yield from self.parallel(*(chunk(n) for n in self.chunks(total)))

    # -- programming -----------------------------------------------------------------------------
    def _heads_ns(self, sets: float = 0.0, resets: float = 0.0, reads: float = 0.0) -> float:
        p = self.design.programming
        return (sets * p.set_pulse_ns + resets * p.reset_pulse_ns + reads * p.verify_read_ns) / p.write_heads

    def program(self, ctx: OpContext, op: ProgramOp):
        """Process: iterative program-and-verify (pulse + verify read per iteration) of one device per
        weight and a RESET of its partner, spread over the write heads."""
        n = op.devices_programmed * op.mean_iterations
        yield from self.unit("write_heads").work(
            ctx, self._heads_ns(sets=n, resets=op.devices_reset, reads=n),
            {"set_pulse": n, "verify_read": n, "reset_pulse": op.devices_reset})

    def reprogram(self, ctx: OpContext, op: MvmOp):
        """Process: shared mapping, layer not resident: fetch its target weights from DRAM and
        program-and-verify one device per weight (RESET of the cell's other devices) before the batch's MVMs."""
        d = self.design
        weights = op.rows * op.cols
        n = weights * self.trace.program_iterations
        resets = weights * (d.crossbar.devices_per_weight - 1)  # the cell's other devices
        heads = Work(self.unit("write_heads"), self._heads_ns(sets=n, resets=resets, reads=n),
                     {"reprogram_set": n, "reprogram_verify": n, "reprogram_reset": resets}, category="reprogramming")
        yield from self.go(ctx, [heads, *self.dram_works(ctx, weights * d.crossbar.program_target_bits, 0)])

    # -- update ----------------------------------------------------------------------------------
    def update(self, ctx: OpContext, op: UpdateOp, images: int):
        yield from self.chi.accumulate(ctx, op, images)
        if self.layer_done(ctx):
            work = self.program_layer(ctx, op)
            if self.design.programming.overlap_with_digital:
                self.background[ctx.batch].append(self.env.process(work))
            else:
                yield from work

    def program_layer(self, ctx: OpContext, op: UpdateOp):
        """Process: once per batch and layer: (momentum pass), the batch's SET pulses, then its refresh."""
        if self.trace.optimizer == "momentum":
            yield from self.chi.momentum(ctx, op)
        pulses = op.stats.set_pulses * self.trace.batch_size
        yield from self.unit("write_heads").work(ctx, self._heads_ns(sets=pulses), {"set_pulse": pulses})
        s = op.stats
        if s.refresh_reads or s.reset_pulses or s.refresh_set_pulses:
            self.background[ctx.batch].append(self.env.process(self.refresh(ctx, op)))

    def refresh(self, ctx: OpContext, op: UpdateOp):
        """Process: the batch's refresh slice of one layer: saturation checks row by row on its arrays
        (all arrays of a row tile in parallel, 1-bit sense per device), then RESET both devices of
        saturated pairs and re-program their difference on the write heads."""
        s, d, b = op.stats, self.design, self.trace.batch_size
        mp = self.maps[op.layer]
        checks = s.refresh_reads * b
        rows = checks / (op.cols * d.crossbar.devices_per_weight) / mp.grid.row_tiles
        t_read = d.programming.verify_read_ns
        yield from self._tile(op.layer).work(ctx, rows * t_read, {"check_conduct": checks * t_read,
                                                                  "check_sense": checks}, category="refresh")
        resets, sets = s.reset_pulses * b, s.refresh_set_pulses * b
        yield from self.unit("write_heads").work(ctx, self._heads_ns(sets=sets, resets=resets),
                                                 {"refresh_reset": resets, "refresh_set": sets}, category="refresh")

    # -- facts -----------------------------------------------------------------------------------
    def facts(self) -> dict:
        out = super().facts()
        x = self.design.crossbar
        physical = sum(m.arrays for m in self.maps.values()) if x.dedicated else x.shared_arrays
        banks = [c for n, c in self.catalog.items() if n.startswith("adc[")]
        out.update({"arrays": physical, "arrays_by_layer": {k: m.arrays for k, m in self.maps.items()},
                    "utilisation_by_layer": {k: m.utilisation for k, m in self.maps.items()},
                    "devices": sum(m.grid.rows * m.grid.cols for m in self.maps.values()) * x.devices_per_weight,
                    "adcs": sum(c.adcs for c in banks), "adc_area_mm2": sum(c.area_um2 for c in banks) / 1e6,
                    "reprogrammed_layers": sorted(k for k, m in self.maps.items() if m.reprogram)})
        return out
