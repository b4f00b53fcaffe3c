"""What the discrete-event run recorded: action counts with their energies, and busy intervals."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ActionRecord:
    """`count` actions of one kind on one unit during one stage, at `energy_pj_each`."""

    stage: str
    component: str  # energy-breakdown category, e.g. "ADC", "χ SRAM"
    unit: str       # unit instance, e.g. "adc_bank[dense1]"
    action: str
    count: float
    energy_pj_each: float
    layer: str = ""

    @property
    def energy_pj(self) -> float:
        return self.count * self.energy_pj_each


@dataclass(frozen=True)
class BusyRecord:
    """A unit held from start_ns to end_ns during `stage` (for timelines and group latencies)."""

    stage: str
    unit: str
    component: str
    start_ns: float
    end_ns: float


@dataclass(frozen=True)
class OpSpan:
    """One trace op (of `layer`) from its start to its end in the schedule."""

    stage: str
    layer: str
    op: str
    start_ns: float
    end_ns: float


@dataclass
class Ledger:
    """Accumulates ActionRecords and BusyRecords; stage spans are set by the stage processes."""

    actions: list[ActionRecord] = field(default_factory=list)
    busy: list[BusyRecord] = field(default_factory=list)
    stage_spans: dict[str, tuple[float, float]] = field(default_factory=dict)
    leakage_mw: dict[str, float] = field(default_factory=dict)  # component → static power
    op_spans: list[OpSpan] = field(default_factory=list)
    current_layer: str = ""  # layer of the op being issued; stamped on its actions

    def act(self, stage: str, component: str, unit: str, action: str, count: float, energy_pj_each: float,
            layer: str | None = None):
        if count > 0:
            self.actions.append(ActionRecord(stage, component, unit, action, float(count), float(energy_pj_each),
                                             self.current_layer if layer is None else layer))

    def hold(self, stage: str, unit: str, component: str, start_ns: float, end_ns: float):
        if end_ns > start_ns:
            self.busy.append(BusyRecord(stage, unit, component, start_ns, end_ns))

    def stage_latency_ns(self, stage: str) -> float:
        start, end = self.stage_spans.get(stage, (0.0, 0.0))
        return end - start
