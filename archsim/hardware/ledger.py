"""What a discrete-event run recorded: action COUNTS with their op context, busy intervals and spans.

No energy is stored here: accounting prices the counts with the component models of a tech file.
Every count carries the context of the op that caused it (stage, layer, batch), which travels with
the SimPy process that did the work: a background process (refresh) books to the op that started it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class OpContext:
    """Which op a piece of work belongs to: its stage, layer, batch and image group in the stream."""

    stage: str
    layer: str = ""
    batch: int = 0
    group: int = 0

    def at(self, **changes) -> "OpContext":
        return replace(self, **changes)


@dataclass(frozen=True)
class Busy:
    """A unit held from start_ns to end_ns by the op of `ctx`, booked to energy-breakdown `category`."""

    ctx: OpContext
    unit: str
    category: str
    start_ns: float
    end_ns: float


@dataclass(frozen=True)
class Span:
    """When something ran: `kind` is 'op' (one trace op), 'stage' (one stage of one image group) or
    'batch' (a whole batch, its update included)."""

    kind: str
    ctx: OpContext
    name: str
    start_ns: float
    end_ns: float


@dataclass
class Ledger:
    """Counts keyed by (stage, layer, batch, unit, action); busy intervals; spans."""

    counts: dict[tuple[str, str, int, str, str], float] = field(default_factory=lambda: defaultdict(float))
    busy: list[Busy] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)

    def count(self, ctx: OpContext, unit: str, action: str, n: float) -> None:
        if n > 0:
            self.counts[(ctx.stage, ctx.layer, ctx.batch, unit, action)] += float(n)

    def hold(self, ctx: OpContext, unit: str, category: str, start_ns: float, end_ns: float) -> None:
        if end_ns > start_ns:
            self.busy.append(Busy(ctx, unit, category, start_ns, end_ns))

    def span(self, kind: str, ctx: OpContext, name: str, start_ns: float, end_ns: float) -> None:
        self.spans.append(Span(kind, ctx, name, start_ns, end_ns))

    def spans_of(self, kind: str) -> list[Span]:
        return [s for s in self.spans if s.kind == kind]
