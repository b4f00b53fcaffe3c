"""The MCA: PCM crossbar tiles for both MVM directions, digital unit, χ update, programming, refresh."""

from __future__ import annotations

import math
from dataclasses import dataclass

from archsim.hardware.components.programming import ProgrammingUnit
from archsim.hardware.components.tile import AdcBank, CrossbarTile
from archsim.hardware.designs.chi_update import ChiUpdate
from archsim.hardware.designs.machine import Machine
from archsim.trace.ops import MvmOp, ProgramOp, UpdateOp


@dataclass(frozen=True)
class Mapping:
    """How one weight matrix sits on arrays: tiles, and lines per array on each side."""

    row_tiles: int
    col_tiles: int
    rows_per_array: int   # physical rows used per array
    cols_per_array: int   # weight columns (pairs) per array

    @property
    def arrays(self) -> int:
        return self.row_tiles * self.col_tiles


class McaMachine(Machine):
    """Forward: x → DACs on rows, columns integrate, ADCs digitise Wx. Backward: δ → DACs on the
    columns of the same arrays, rows integrate, ADCs digitise Wᵀδ. Row-tiled layers add partial
    sums in the digital unit. Update: χ pass overlapped with SET pulses; then each layer's
    refresh slice (saturation check by row reads, RESET + re-program) runs on its own tiles.
    """

    def __init__(self, env, ledger, design, tech, trace):
        super().__init__(env, ledger, design, tech, trace)
        d = design
        self.maps: dict[str, Mapping] = {}
        self.tiles: dict[str, CrossbarTile] = {}
        self.adcs: dict[str, AdcBank] = {}
        for step in trace.steps:
            for op in step.ops:
                if isinstance(op, (MvmOp, UpdateOp, ProgramOp)) and op.layer not in self.maps:
                    self.maps[op.layer] = self._map(op.rows, op.cols)
                    self.tiles[op.layer] = CrossbarTile(env, ledger, f"tile[{op.layer}]", tech, d.tile.dac_bits)
                    self.adcs[op.layer] = AdcBank(env, ledger, f"adc[{op.layer}]", tech, d.tile.adc_bits,
                                                  d.tile.adcs_per_array, d.tile.adc_conversion_ns)
        self.chi = ChiUpdate(self, trace) if self.training else None
        self.programmer = ProgrammingUnit(env, ledger, "programming", tech, d.programming)
        self.refresher = ProgrammingUnit(env, ledger, "refresh", tech, d.programming, component="refresh")

    def _map(self, rows: int, cols: int) -> Mapping:
        x, dpw = self.design.crossbar, self.design.crossbar.devices_per_weight
        if x.mapping == "per_layer":
            return Mapping(1, 1, rows, cols)
        pairs_per_array = max(1, x.cols // dpw)
        return Mapping(math.ceil(rows / x.rows), math.ceil(cols / pairs_per_array), min(rows, x.rows),
                       min(cols, pairs_per_array))

    # -- MVM -------------------------------------------------------------------------------
    def mvm(self, stage: str, op: MvmOp):
        d, m = self.design, self.maps[op.layer]
        tile, adc = self.tiles[op.layer], self.adcs[op.layer]
        dpw = d.crossbar.devices_per_weight
        devices = op.rows * op.cols * dpw
        if op.direction == "forward":
            lines_in, lines_out, partial_tiles, per_array = op.rows, op.cols, m.row_tiles, m.cols_per_array
        else:
            lines_in, lines_out, partial_tiles, per_array = op.cols * dpw, op.rows, m.col_tiles, m.rows_per_array
        conversions = partial_tiles * lines_out

        def chunk(n: int):
            yield from self.parallel(
                self.act_io(stage, op.in_len * n, 0, d.act_bits),
                self.bus.work(stage, self.bus.ns(op.in_len * n * d.tile.dac_bits), {"transfer": op.in_len * n * d.tile.dac_bits}),
            )
            yield from tile.work(stage, d.tile.integration_ns * n, {"read_device": devices * n, "drive_line": lines_in * n})
            yield from adc.work(stage, adc.convert_ns(per_array, n), {"convert": conversions * n})
            out_bits = lines_out * n * d.tile.adc_bits
            tail = [self.bus.work(stage, self.bus.ns(out_bits), {"transfer": out_bits})]
            if partial_tiles > 1:
                adds = (partial_tiles - 1) * lines_out * n
                tail.append(self.digital.work(stage, self.digital.ns("partial_sum", adds), {"partial_sum": adds}))
            tail.append(self.elementwise(stage, op.post, op.out_len * n))
            yield from self.parallel(*tail)

        yield from self.parallel(*(chunk(n) for n in self.chunks(op.mvms)))

    # -- update ----------------------------------------------------------------------------
    def update(self, stage: str, op: UpdateOp):
        s = op.stats
        pulses = self.programmer.work(stage, self.programmer.ns(set_pulses=s.set_pulses), {"set_pulse": s.set_pulses})
        if self.design.programming.overlap_with_digital:
            yield from self.parallel(self.chi.accumulate(stage, op), pulses)
        else:
            yield from self.chi.accumulate(stage, op)
            yield from pulses
        if s.refresh_reads or s.reset_pulses or s.refresh_set_pulses:
            self.background.append(self.env.process(self.refresh(stage, op)))

    def program(self, stage: str, op: ProgramOp):
        """Process: iterative program-and-verify (pulse + verify read per iteration) of one device per
        weight and a RESET of its partner, spread over the write heads."""
        n = op.devices_programmed * op.mean_iterations
        yield from self.programmer.work(
            stage, self.programmer.ns(set_pulses=n, reset_pulses=op.devices_reset, reads=n),
            {"set_pulse": n, "verify_read": n, "reset_pulse": op.devices_reset})

    def refresh(self, stage: str, op: UpdateOp):
        """Process: this image's refresh slice on the layer's tiles (row reads with 1-bit sense),
        then RESET both devices of saturated pairs and re-program their difference."""
        s, d, m = op.stats, self.design, self.maps[op.layer]
        tile = self.tiles[op.layer]
        devices_per_row = op.cols * d.crossbar.devices_per_weight
        row_reads = s.refresh_reads / devices_per_row / max(1, m.col_tiles if d.crossbar.mapping == "tiled" else 1)
        with tile.resource.request() as req:
            yield req
            start = self.env.now
            yield self.env.timeout(row_reads * d.programming.verify_read_ns)
            self.ledger.hold(stage, tile.name, "refresh", start, self.env.now)
        e_read = self.tech["crossbar_read_device"].energy_pj
        e_cmp = self.tech["comparator"].energy_pj / self.tech["comparator"].bits
        self.ledger.act(stage, "refresh", tile.name, "read_device", s.refresh_reads, e_read)
        self.ledger.act(stage, "refresh", tile.name, "compare_1b", s.refresh_reads, e_cmp)
        yield from self.refresher.work(
            stage, self.refresher.ns(set_pulses=s.refresh_set_pulses, reset_pulses=s.reset_pulses),
            {"reset_pulse": s.reset_pulses, "set_pulse": s.refresh_set_pulses})

    def summary(self) -> dict[str, float]:
        out = {"arrays": sum(m.arrays for m in self.maps.values()),
               "arrays_by_layer": {k: m.arrays for k, m in self.maps.items()}}
        out["devices"] = sum(op.rows * op.cols * self.design.crossbar.devices_per_weight
                             for step in self.trace.steps for op in step.ops
                             if isinstance(op, MvmOp) and op.direction == "forward")
        if self.chi is not None:
            out["chi_sram_kb"] = self.chi.capacity_kb
        return out
