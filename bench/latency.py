"""Section 6: `pulumi up` while every write takes 200 ms, through each front end, beside its
floor.

`pulumi up` of N SeatAssignments of one user each, on a new stack each time, while the
emulator holds every write (POST and DELETE) for :data:`LATENCY` seconds, as a distant
Datadog site does (the fault rule ``{"kind": "delay", "delay_seconds": 0.2, "methods":
["POST", "DELETE"]}``), through each front end (:data:`FRONT_ENDS`): the dynamic resource,
and the provider plugin from the Python SDK, Pulumi YAML and the TypeScript SDK; at
``--parallel`` 8 (the engine's default) and 32.

A front end's floor (:func:`bench.floors.latency_floor`) is its own `up` without the
latency at the same ``--parallel``, plus ``ceil(N / parallel)`` rounds of the latency:
nothing can do better than the engine's rounds of writes. Beside it, the floor as
issue 23 defined it: the no-op dynamic resources' `up` (bench-noop) plus the same rounds.
Variants alternate as in bench/compare.py (every variant once a round, in reverse order
every other round); figures are medians.
"""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass

from datadog_seats_emulator.process import EmulatorProcess

from . import floors
from .compare import NOOP, PLUGIN, SEATS, Variant, alternate, ratio
from .runner import SDK_PROJECT, TS_PROJECT, Bench, BenchFailure, expect_holders, reset
from .text import progress, table, verdict

#: Seconds the emulator holds every write.
LATENCY = 0.2
#: `pulumi up --parallel`: the engine's default, and a wider one.
PARALLELS = (8, 32)
#: Every plugin front end's `up` at most this many times its floor.
GOAL = 1.10
#: Calls Pulumi's dynamic-provider host serves at once:
#: `grpc.server(futures.ThreadPoolExecutor(max_workers=4))` in pulumi/dynamic/__main__.py.
DYNAMIC_HOST_WORKERS = 4


@dataclass(frozen=True)
class FrontEnd:
    """A way to declare SeatAssignments: its label, its bench project, whether it is the
    provider plugin (the goal applies to those)."""

    label: str
    project: str
    plugin: bool


FRONT_ENDS = (
    FrontEnd("dynamic resource (Python)", SEATS, False),
    FrontEnd("plugin, Python SDK", SDK_PROJECT, True),
    FrontEnd("plugin, YAML", PLUGIN, True),
    FrontEnd("plugin, TypeScript SDK", TS_PROJECT, True),
)
NOOP_LABEL = "no-op dynamic resources"


@dataclass
class LatencyVariant(Variant):
    """A project's `up` at one ``--parallel``, with or without the latency."""

    parallel: int = 8
    latency: float = 0.0


@dataclass(frozen=True)
class LatencyRow:
    """One front end at one ``--parallel``: its times, its floors and the most writes it
    had in flight at once."""

    front_end: FrontEnd
    parallel: int
    no_latency: float
    with_latency: float
    runs: tuple[float, ...]
    floor: float
    noop_floor: float
    at_once: int
    writes: int
    latency: float
    #: Median seconds from the first write to the last answer, with the latency.
    writes_seconds: float

    @property
    def ratio(self) -> float:
        return ratio(self.with_latency, self.floor)

    @property
    def noop_ratio(self) -> float:
        return ratio(self.with_latency, self.noop_floor)

    @property
    def met(self) -> bool | None:
        """Whether the goal is met (None: no goal, the dynamic resource is reported)."""
        return self.ratio <= GOAL if self.front_end.plugin else None

    @property
    def writes_floor(self) -> float:
        """The least time from the first write to the last: the engine's rounds of writes."""
        return floors.latency_floor(0.0, self.writes, self.parallel, self.latency)

    @property
    def host_writes_floor(self) -> float:
        """The least time from the first write to the last with DYNAMIC_HOST_WORKERS at once."""
        workers = min(self.parallel, DYNAMIC_HOST_WORKERS)
        return floors.latency_floor(0.0, self.writes, workers, self.latency)


@dataclass
class LatencyComparison:
    resources: int
    latency: float
    runs: int
    variants: list[LatencyVariant]

    def variant(self, project: str, parallel: int, latency: float) -> LatencyVariant:
        return next(
            v
            for v in self.variants
            if (v.project, v.parallel, v.latency) == (project, parallel, latency)
        )

    def noop(self, parallel: int) -> float:
        return self.variant(NOOP, parallel, 0.0).median()

    def rows(self) -> list[LatencyRow]:
        out = []
        for parallel in PARALLELS:
            rounds = floors.latency_floor(0.0, self.resources, parallel, self.latency)
            for front in FRONT_ENDS:
                base = self.variant(front.project, parallel, 0.0)
                slow = self.variant(front.project, parallel, self.latency)
                out.append(
                    LatencyRow(
                        front,
                        parallel,
                        base.median(),
                        slow.median(),
                        tuple(m.seconds for m in slow.measures()),
                        base.median() + rounds,
                        self.noop(parallel) + rounds,
                        max(m.most_at_once() for m in slow.measures()),
                        self.resources,
                        self.latency,
                        statistics.median(m.writes_seconds for m in slow.measures()),
                    )
                )
        return out


def latency_variants(latency: float) -> list[LatencyVariant]:
    """The no-op resources, and every front end without and with the latency, at each
    ``--parallel``."""
    variants = []
    for parallel in PARALLELS:
        variants.append(LatencyVariant(NOOP_LABEL, NOOP, 0, parallel=parallel))
        for front in FRONT_ENDS:
            for delay in (0.0, latency):
                variants.append(
                    LatencyVariant(front.label, front.project, 0, parallel=parallel, latency=delay)
                )
    return variants


def run_latency(
    bench: Bench, emulator: EmulatorProcess, resources: int, runs: int, ids: list[str]
) -> LatencyComparison:
    """`pulumi up --parallel P` of ``resources`` resources of one user for every variant,
    alternating, ``runs`` rounds."""
    variants = latency_variants(LATENCY)
    declared = ids[:resources]
    entries = [[u] for u in declared]
    for run, v in alternate(variants, runs):
        delay = f", writes {v.latency * 1000:.0f} ms" if v.latency else ""
        progress(f"latency: round {run + 1}/{runs}, {v.label}, --parallel {v.parallel}{delay}")
        reset(emulator, [])
        if v.latency:
            emulator.admin.add_fault(
                kind="delay", delay_seconds=v.latency, methods=["POST", "DELETE"]
            )
        with bench.stack(v.project, emulator, entries, destroy=False) as s:
            v.loads.append(os.getloadavg()[0])
            v.add(s.run("up", "--parallel", str(v.parallel)))
            if v.latency:
                fired = sum(f["fired"] for f in emulator.admin.faults())
                if fired != resources:
                    raise BenchFailure(f"{v.label}: {fired} writes held, not {resources}")
        if not v.is_baseline:
            expect_holders(emulator, set(declared), v.label)
    return LatencyComparison(resources, LATENCY, runs, variants)


def latency_section(cmp: LatencyComparison) -> list[str]:
    ms = f"{cmp.latency * 1000:.0f} ms"
    out = [
        f"## 6. Latency: `pulumi up` of {cmp.resources} SeatAssignments of one user, every "
        f"write taking {ms}",
        "",
        f"The emulator holds every POST and DELETE for {ms} (a `delay` fault rule), as a "
        f"distant Datadog site does. Each front end runs `pulumi up --parallel P` of "
        f"{cmp.resources} SeatAssignments of one user on a new stack, with and without the "
        f"latency, beside {cmp.resources} no-op dynamic resources; {cmp.runs} round(s), "
        f"every variant once a round, alternating; medians. Its floor is its own `up` "
        f"without the latency plus `ceil({cmp.resources} / P) x {ms}` (the engine's rounds "
        f"of writes); the no-op floor, as issue 23 defined it, is the no-op resources' `up` "
        f"plus the same rounds. From the emulator's log: `writes s`, the median time from "
        f"the first write to the last answer, beside its floor `ceil({cmp.resources} / P) x "
        f"{ms}`, and `writes at once`, the most writes in flight at one moment; they show "
        f"where a front end waits even when other jobs on the machine blur the whole "
        f"command's time. Goal: every plugin front end's `up` at most {GOAL:.2f}x its floor.",
        "",
    ]
    headers = [
        "front end",
        "--parallel",
        "no latency s",
        "floor s",
        f"{ms} writes: runs s",
        "median s",
        "vs floor",
        "vs no-op floor",
        "writes s",
        "writes floor s",
        "writes at once",
        "goal",
    ]
    body = []
    rows = cmp.rows()
    for parallel in PARALLELS:
        noop = cmp.variant(NOOP, parallel, 0.0)
        body.append(
            [
                NOOP_LABEL,
                parallel,
                f"{noop.median():.2f}",
                *["-"] * 9,
            ]
        )
        for r in rows:
            if r.parallel != parallel:
                continue
            goal = "reported" if r.met is None else verdict(r.met)
            body.append(
                [
                    r.front_end.label,
                    parallel,
                    f"{r.no_latency:.2f}",
                    f"{r.floor:.2f}",
                    " ".join(f"{s:.2f}" for s in r.runs),
                    f"{r.with_latency:.2f}",
                    f"{r.ratio:.2f}x",
                    f"{r.noop_ratio:.2f}x",
                    f"{r.writes_seconds:.2f}",
                    f"{r.writes_floor:.2f}",
                    r.at_once,
                    goal,
                ]
            )
    out += table(headers, body)
    dynamic = [r for r in rows if not r.front_end.plugin]
    out += [
        "",
        f"The dynamic resource never has more than {max(r.at_once for r in dynamic)} writes "
        f"in flight: Pulumi's dynamic-provider host serves {DYNAMIC_HOST_WORKERS} calls at "
        f"once (`grpc.server(futures.ThreadPoolExecutor(max_workers="
        f"{DYNAMIC_HOST_WORKERS}))` in `pulumi/dynamic/__main__.py`), whatever `--parallel` "
        f"says, so its writes take at least `ceil({cmp.resources} / {DYNAMIC_HOST_WORKERS}) "
        f"x {ms}` from first to last: "
        + "; ".join(
            f"at --parallel {r.parallel}, {r.writes_seconds:.2f} s against "
            f"{r.host_writes_floor:.2f} s for {DYNAMIC_HOST_WORKERS} at a time and "
            f"{r.writes_floor:.2f} s for the engine's rounds"
            for r in dynamic
        )
        + ". The plugin's asyncio server takes every call the engine sends. Load average "
        "(1 min) at the start of each run: "
        + "; ".join(
            f"{v.label}{' (latency)' if v.latency else ''} --parallel {v.parallel}: "
            + " ".join(f"{x:.1f}" for x in v.loads)
            for v in cmp.variants
            if v.latency or v.is_baseline
        )
        + ".",
    ]
    return out
