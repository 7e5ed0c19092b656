"""Side-by-side runs: SeatAssignments against no-op resources, and the two front ends.

Every comparison here is measured in one run of the bench, variant beside variant:
each round runs every variant once, in reverse order every other round (A B C D, then
D C B A), each on a new stack, so that whatever running first or last in a round does to
a run (the machine is shared) falls on every variant alike; the figures are medians.

- :func:`run_up` (section 2): `pulumi up` of 100 resources of one user each: the dynamic
  SeatAssignment over 0 and 900 outsiders, the same through the provider plugin (a YAML
  program), and no-op dynamic resources carrying the same declared users.
- :func:`run_org` (section 3): a large organization, N SeatAssignments of U users each
  over many other holders: `up`, `refresh` and `destroy`, beside no-op resources with the
  same declared users.
"""

from __future__ import annotations

import json
import os
import statistics
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from datadog_seats_emulator.process import EmulatorProcess

from . import floors
from .runner import Bench, BenchStack, Measure, expect_holders, reset
from .text import fmt_calls, fmt_mb, progress, table

NOOP, SEATS, PLUGIN = "noop_many", "seats_many", "plugin_many"
COMMANDS = ("up", "refresh", "destroy")

V = TypeVar("V")


def alternate(variants: Sequence[V], runs: int) -> Iterator[tuple[int, V]]:
    """(round, variant): every variant once a round, in reverse order every other round."""
    for run in range(runs):
        for variant in variants if run % 2 == 0 else variants[::-1]:
            yield run, variant


@dataclass(frozen=True)
class CpuSplit:
    """Median CPU seconds of a command: the whole process tree and its parts.

    ``program``: the Python program process (None when no Python program ran: `refresh`,
    `destroy`, and YAML programs, which the YAML language host runs itself, so they
    count in ``engine``). ``provider``: the provider process (the dynamic provider or
    the plugin; None if one did not exit normally). ``engine``: the rest, the `pulumi`
    CLI with its language host. Each part is the median of its own runs, so the parts
    need not add up to the median total exactly.
    """

    total: float
    program: float | None
    provider: float | None
    engine: float | None

    @classmethod
    def of(cls, measures: Sequence[Measure]) -> CpuSplit:
        total = statistics.median(m.cpu_seconds for m in measures)
        providers = [m.provider_cpu_seconds for m in measures]
        programs = [m.program_cpu_seconds for m in measures]
        if any(p is None for p in providers):
            return cls(total, None, None, None)
        has_program = all(p is not None for p in programs)
        rest = [
            m.cpu_seconds - (m.program_cpu_seconds or 0.0) - (m.provider_cpu_seconds or 0.0)
            for m in measures
        ]
        return cls(
            total,
            statistics.median(p or 0.0 for p in programs) if has_program else None,
            statistics.median(p or 0.0 for p in providers),
            statistics.median(rest),
        )

    def __str__(self) -> str:
        if self.provider is None or self.engine is None:
            return f"{self.total:.1f}"
        program = "-" if self.program is None else f"{self.program:.1f}"
        return f"{self.total:.1f} = {program} + {self.provider:.1f} + {self.engine:.1f}"

    def minus(self, other: CpuSplit) -> str:
        """Where the CPU time beyond ``other`` goes, part by part."""
        out = f"CPU {self.total - other.total:+.1f} s"
        if None in (self.provider, self.engine, other.provider, other.engine):
            return out
        parts = []
        if self.program is not None or other.program is not None:
            parts.append(f"program {(self.program or 0.0) - (other.program or 0.0):+.1f}")
        parts.append(f"provider {(self.provider or 0.0) - (other.provider or 0.0):+.1f}")
        parts.append(f"engine {(self.engine or 0.0) - (other.engine or 0.0):+.1f}")
        return f"{out} ({', '.join(parts)})"


@dataclass
class Variant:
    """One of the things compared: a project, its declaration, the emulator's outsiders."""

    label: str
    project: str
    outsiders: int
    #: Measures of each command, one per round.
    runs: dict[str, list[Measure]] = field(default_factory=dict)
    #: The 1-minute load average when each round of this variant started.
    loads: list[float] = field(default_factory=list)
    #: `pulumi stack export` after the first `up`, in bytes.
    state_bytes: int = 0
    #: Bytes of each input and output property (compact JSON), summed over the resources.
    state_parts: Counter[str] = field(default_factory=Counter)

    @property
    def is_baseline(self) -> bool:
        return self.project == NOOP

    def add(self, measure: Measure) -> Measure:
        self.runs.setdefault(measure.command, []).append(measure)
        return measure

    def measures(self, command: str = "up") -> list[Measure]:
        return self.runs.get(command, [])

    def median(self, command: str = "up") -> float:
        return statistics.median(m.seconds for m in self.measures(command))

    def cpu(self, command: str = "up") -> CpuSplit:
        return CpuSplit.of(self.measures(command))

    def listing(self, command: str = "up") -> float:
        """Median seconds of the listings of holders (first GET to last answer; 0: none)."""
        return statistics.median(m.listing_seconds for m in self.measures(command))

    def beyond(self, base: Variant, command: str = "up") -> str:
        """Where this variant's time beyond ``base``'s goes, from the medians of this run."""
        wall = self.median(command) - base.median(command)
        out = f"wall {wall:+.1f} s"
        gets = self.measures(command)[0].calls["GET"]
        if gets and not base.measures(command)[0].calls["GET"]:
            plural = "s" if gets != 1 else ""
            listing = self.listing(command)
            out += f" (listing of holders, {gets} GET{plural}: {listing:.1f} s"
            if command == "refresh":
                # Every read waits for the listing and the engine for the reads: the rest
                # is what the refresh costs beyond the API's floor.
                rest = ratio(self.median(command) - listing, base.median(command))
                out += f"; without it {rest:.2f}x"
            out += ")"
        return f"{out}; {self.cpu(command).minus(base.cpu(command))}"

    def peak_mb(self, command: str = "up") -> float | None:
        peaks = [m.peak_mb for m in self.measures(command) if m.peak_mb is not None]
        return max(peaks) if peaks else None

    @property
    def state_mb(self) -> float:
        return self.state_bytes / 1e6

    def measure_round(self, stack: BenchStack, command: str) -> Measure:
        """Run ``command`` on ``stack``; the state is exported after the first `up`."""
        measure = self.add(stack.run(command))
        if command == "up" and not self.state_bytes:
            exported = stack.stack.export()
            self.state_bytes = len(exported.encode())
            self.state_parts = state_parts(exported)
        return measure


def state_parts(exported: str) -> Counter[str]:
    """Bytes of each property (``outputs.user_uuids``, ...) of the resources of a
    `pulumi stack export`, in compact JSON, summed over the resources."""
    parts: Counter[str] = Counter()
    for res in json.loads(exported)["deployment"].get("resources") or []:
        for section in ("inputs", "outputs"):
            for key, value in (res.get(section) or {}).items():
                parts[f"{section}.{key}"] += len(json.dumps(value, separators=(",", ":")))
    return parts


def ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


# -- section 2: `pulumi up` of 100 resources of one user -------------------------------


@dataclass
class UpComparison:
    resources: int
    runs: int
    outsiders: int
    variants: list[Variant]

    @property
    def baseline(self) -> Variant:
        return next(v for v in self.variants if v.is_baseline)

    def seats(self, outsiders: int) -> Variant:
        return next(v for v in self.variants if v.project == SEATS and v.outsiders == outsiders)

    @property
    def plugin(self) -> Variant:
        return next(v for v in self.variants if v.project == PLUGIN)


def run_up(
    bench: Bench,
    emulator: EmulatorProcess,
    resources: int,
    outsiders: int,
    runs: int,
    ids: list[str],
) -> UpComparison:
    """`pulumi up` of ``resources`` resources of one user: no-op, dynamic (0 and
    ``outsiders`` outsiders), plugin; alternating, ``runs`` rounds."""
    n = resources
    variants = [
        Variant(f"{n} no-op dynamic resources", NOOP, 0),
        Variant(f"{n} SeatAssignments (dynamic provider)", SEATS, 0),
        Variant(f"{n} SeatAssignments (dynamic provider), {outsiders} outsiders", SEATS, outsiders),
        Variant(f"{n} SeatAssignments (provider plugin, YAML)", PLUGIN, 0),
    ]
    declared = ids[:n]
    entries = [[u] for u in declared]
    for run, variant in alternate(variants, runs):
        progress(f"up of {n}: round {run + 1}/{runs}, {variant.label}")
        others = ids[len(ids) - variant.outsiders :] if variant.outsiders else []
        reset(emulator, others)
        with bench.stack(variant.project, emulator, entries, destroy=False) as s:
            variant.loads.append(os.getloadavg()[0])
            variant.measure_round(s, "up")
        if not variant.is_baseline:
            expect_holders(emulator, {*others, *declared}, variant.label)
    return UpComparison(n, runs, outsiders, variants)


def up_section(cmp: UpComparison, goals: dict[str, float]) -> list[str]:
    base, dynamic = cmp.baseline, cmp.seats(0)
    out = [
        f"## 2. `pulumi up` of {cmp.resources} resources of one user: wall time and state",
        "",
        f"The same `pulumi up` of the bench-noop, bench-seats and bench-plugin projects "
        f"(bench/projects), {cmp.runs} round(s), each variant once a round, alternating "
        f"(in reverse order every other round), each run on a new stack; the whole "
        f"command is timed. The baseline is {cmp.resources} no-op dynamic resources whose "
        f"provider returns its inputs as outputs: the same declared users (one each), no "
        f"API call. The plugin variant is a Pulumi YAML program of {cmp.resources} "
        f"`datadog-seats:index:SeatAssignment`s run by the YAML language host, its "
        f"provider the `pulumi-resource-datadog-seats` plugin. Goals: wall time at most "
        f"{goals['wall']:.2f}x the no-op resources, state at most {goals['state']:.2f}x "
        f"theirs, the plugin at most {goals['plugin']:.2f}x the dynamic provider.",
        "",
    ]
    headers = [
        "resources",
        "runs s",
        "load at start",
        "median s",
        "vs no-op",
        "CPU s = program + provider + engine",
        "CPU vs no-op",
        "calls of one run",
        "listing s",
        "state MB",
        "state vs no-op",
        "provider RSS MB",
    ]
    body = []
    for v in cmp.variants:
        body.append(
            [
                v.label,
                " ".join(f"{m.seconds:.1f}" for m in v.measures()),
                " ".join(f"{x:.1f}" for x in v.loads),
                f"{v.median():.1f}",
                f"{ratio(v.median(), base.median()):.2f}x",
                str(v.cpu()),
                f"{ratio(v.cpu().total, base.cpu().total):.2f}x",
                fmt_calls(v.measures()[0].calls),
                f"{v.listing():.1f}",
                f"{v.state_mb:.3f}",
                f"{ratio(v.state_bytes, base.state_bytes):.2f}x",
                fmt_mb(v.peak_mb()),
            ]
        )
    plugin = cmp.plugin
    wall = ratio(plugin.median(), dynamic.median())
    return [
        *out,
        *table(headers, body),
        "",
        f"Plugin against the dynamic provider: wall {wall:.2f}x, "
        f"CPU {ratio(plugin.cpu().total, dynamic.cpu().total):.2f}x "
        f"({plugin.beyond(dynamic)}).",
        "",
        "`CPU s` is the CPU time (user + system) of the command's whole process tree: other "
        "jobs on the machine inflate it much less than wall time. It is split (medians of "
        "each part) into the Python program process, the provider process (the dynamic "
        "provider, or the plugin), and the rest: the `pulumi` CLI, which is the engine, "
        "with the language host (for YAML, `-`: the language host runs the program "
        "itself, so it counts in the engine's part). `listing s` is the median time from "
        "the first GET of a run to the last answer: the one listing of the product's "
        "holders, for which every create waits. `state MB` is `pulumi stack export` after "
        "the first run.",
    ]


# -- section 3: a large organization ------------------------------------------------------


@dataclass
class OrgComparison:
    resources: int
    users: int
    outsiders: int
    runs: int
    seats: Variant
    noop: Variant

    @property
    def groups(self) -> list[int]:
        return [self.users] * self.resources

    def floor(self, command: str) -> Counter[str]:
        if command == "up":
            return floors.up(self.groups, self.outsiders)
        if command == "refresh":
            return floors.refresh(self.outsiders + sum(self.groups))
        return floors.destroy(self.groups)

    def at_floor(self, command: str) -> bool:
        floor = self.floor(command)
        return all(m.calls == floor for m in self.seats.measures(command))


def run_org(
    bench: Bench,
    emulator: EmulatorProcess,
    resources: int,
    users: int,
    outsiders: int,
    runs: int,
    ids: list[str],
) -> OrgComparison:
    """``resources`` SeatAssignments of ``users`` users each over ``outsiders`` other
    holders, and as many no-op resources of the same users: up, refresh, destroy."""
    if resources * users + outsiders > len(ids):
        raise ValueError(f"the emulator has {len(ids)} users: too few for this organization")
    declared = ids[: resources * users]
    others = ids[len(ids) - outsiders :] if outsiders else []
    entries = [declared[i * users : (i + 1) * users] for i in range(resources)]
    seats = Variant(f"{resources} SeatAssignments of {users} users", SEATS, outsiders)
    noop = Variant(f"{resources} no-op resources of {users} users", NOOP, outsiders)
    for run, variant in alternate([seats, noop], runs):
        progress(f"organization: round {run + 1}/{runs}, {variant.label}")
        reset(emulator, others)
        with bench.stack(variant.project, emulator, entries, destroy=False) as s:
            variant.loads.append(os.getloadavg()[0])
            for command in COMMANDS:
                variant.measure_round(s, command)
                if variant is seats:
                    held = set(others) if command == "destroy" else {*others, *declared}
                    expect_holders(emulator, held, f"{variant.label}, after {command}")
    return OrgComparison(resources, users, outsiders, runs, seats, noop)


def org_section(org: OrgComparison, goal: float) -> list[str]:
    out = [
        f"## 3. A large organization: {org.resources} SeatAssignments of {org.users} users, "
        f"{org.outsiders:,} other holders",
        "",
        f"`pulumi up`, `pulumi refresh` and `pulumi destroy` of {org.resources} "
        f"SeatAssignments of {org.users} users each ({org.resources * org.users:,} declared "
        f"users) while {org.outsiders:,} other users hold seats of the product, beside "
        f"{org.resources} no-op dynamic resources carrying the same declared users; "
        f"{org.runs} round(s), alternating, each round on a new stack (up, then refresh, "
        f"then destroy). Floors as in section 1 (bench/floors.py). Goal for up and "
        f"refresh: at most {goal:.2f}x the no-op resources, API calls at the floor.",
        "",
    ]
    headers = [
        "resources",
        "command",
        "calls of one run",
        "floor",
        "at floor (every run)",
        "runs s",
        "median s",
        "vs no-op",
        "listing s",
        "CPU s = program + provider + engine",
        "CPU vs no-op",
        "provider RSS MB",
    ]
    body = []
    for v in (org.seats, org.noop):
        for command in COMMANDS:
            ms = v.measures(command)
            base = org.noop
            at_floor = "yes" if org.at_floor(command) else "**NO**"
            body.append(
                [
                    v.label,
                    command,
                    fmt_calls(ms[0].calls),
                    fmt_calls(org.floor(command)) if v is org.seats else "-",
                    at_floor if v is org.seats else "-",
                    " ".join(f"{m.seconds:.1f}" for m in ms),
                    f"{v.median(command):.1f}",
                    f"{ratio(v.median(command), base.median(command)):.2f}x",
                    f"{v.listing(command):.1f}",
                    str(v.cpu(command)),
                    f"{ratio(v.cpu(command).total, base.cpu(command).total):.2f}x",
                    fmt_mb(v.peak_mb(command)),
                ]
            )
    loads = " ".join(f"{x:.1f}" for x in org.seats.loads)
    noop_loads = " ".join(f"{x:.1f}" for x in org.noop.loads)
    return [
        *out,
        *table(headers, body),
        "",
        f"State after `up` (`pulumi stack export`): SeatAssignments {org.seats.state_mb:.2f} "
        f"MB, no-op resources {org.noop.state_mb:.2f} MB "
        f"({ratio(org.seats.state_bytes, org.noop.state_bytes):.2f}x); the largest properties "
        f"(compact JSON, all resources): SeatAssignments {_largest(org.seats)}; no-op "
        f"{_largest(org.noop)}. Load average at the "
        f"start of each round: SeatAssignments {loads}; no-op {noop_loads}. `listing s` is "
        f"the median time from the first GET of a command to the last answer: the one "
        f"listing of the product's holders, `ceil(holders / 100)` GETs one after the other "
        f"(each page's cursor is in the page before), for which every create or read of "
        f"the product waits.",
    ]


def _largest(variant: Variant, count: int = 3) -> str:
    return ", ".join(
        f"`{name}` {size / 1e6:.2f} MB" for name, size in variant.state_parts.most_common(count)
    )
