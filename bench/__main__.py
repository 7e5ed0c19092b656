"""`make bench` (python -m bench): SeatAssignment through the real `pulumi` CLI.

Every figure comes from `pulumi up`, `pulumi refresh` and `pulumi destroy` run as a
user runs them (the e2e harness: the engine `scripts/ensure-pulumi` builds, a local
backend, a copy of a project under bench/projects/) against a Seats API emulator
process. API calls are the requests in the emulator's log; wall time is the whole
command; peak RSS is the dynamic-provider process's (see bench/rss.py). Floors, and
the models the provider is compared with, are in bench/floors.py.

Sections:

1. API calls of up/refresh/destroy of 1, 10 and 100 SeatAssignments (one user each),
   with 0 and 900 other users holding seats of the product ("outsiders").
2. Wall time of `pulumi up` of 100 SeatAssignments against 100 no-op dynamic
   resources, alternating, median of a few runs each.
3. One SeatAssignment of 10,000 users: calls, wall time, peak RSS.
4. Under the emulator's rate limit (60 requests per 10 s, real 429s): failures, and
   the time from first to last request against the least the limit allows.

`--quick` runs a small subset (about 3 minutes) and writes nothing unless `--write`.
The full run writes bench/RESULTS.md and bench/calls.png.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path
from typing import Any

from datadog_seats_emulator.process import EmulatorProcess

from . import floors
from .runner import PRODUCT, Bench, Measure, user_ids

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
CHART = HERE / "calls.png"
RATE_LIMIT, RATE_PERIOD = 60, 10
WALL_GOAL, RSS_GOAL_MB, RATE_GOAL = 1.10, 150.0, 1.2
#: Measured before the holders view (issue 9): `pulumi up` of 100 SeatAssignments of one
#: user each over 900 outsiders.
BEFORE_VIEW_GETS, BEFORE_VIEW_POSTS = 998, 100


@dataclass(frozen=True)
class Plan:
    """How much to run."""

    sizes: tuple[int, ...]
    outsiders: tuple[int, ...]
    timing_resources: int
    timing_runs: int
    big_users: int
    rate_resources: int | None
    rate_users: int
    emulator_users: int


FULL = Plan((1, 10, 100), (0, 900), 100, 5, 10_000, 100, 1_000, 10_000)
QUICK = Plan((1, 10), (0, 900), 20, 1, 1_000, None, 1_000, 1_000)


class BenchFailure(RuntimeError):
    """The seats are not what the run declared: the figures would mean nothing."""


# -- helpers -----------------------------------------------------------------------------


def fmt_calls(calls: Counter[str]) -> str:
    parts = [f"{m}={calls[m]}" for m in ("GET", "POST", "DELETE") if calls[m]]
    return " ".join(parts) or "none"


def fmt_mb(value: float | None) -> str:
    return f"{value:.0f}" if value is not None else "-"


def verdict(met: bool) -> str:
    return "met" if met else "**NOT MET**"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A Markdown table whose columns line up in a terminal too."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    return [line(cells[0]), line(["-" * w for w in widths]), *[line(r) for r in cells[1:]]]


def reset(emulator: EmulatorProcess, outsiders: Sequence[str]) -> None:
    admin = emulator.admin
    admin.reset()
    admin.set_holders(PRODUCT, list(outsiders))


def expect_holders(emulator: EmulatorProcess, expected: set[str], what: str) -> None:
    held = set(emulator.admin.holders(PRODUCT))
    if held != expected:
        raise BenchFailure(
            f"{what}: {len(held)} holders, expected {len(expected)} "
            f"({len(held - expected)} extra, {len(expected - held)} missing)"
        )


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- 1. API calls ------------------------------------------------------------------------


@dataclass
class CallRow:
    resources: int
    outsiders: int
    measure: Measure
    floor: Counter[str]
    before_view: int | None
    per_user: int | None

    @property
    def at_floor(self) -> bool:
        return self.measure.calls == self.floor


def run_calls(bench: Bench, emulator: EmulatorProcess, plan: Plan, ids: list[str]) -> list[CallRow]:
    rows: list[CallRow] = []
    for n in plan.sizes:
        for o in plan.outsiders:
            progress(f"calls: {n} resource(s), {o} outsiders")
            outsiders, declared = ids[len(ids) - o :] if o else [], ids[:n]
            reset(emulator, outsiders)
            groups = [1] * n
            with bench.stack("seats_many", emulator, [[u] for u in declared]) as s:
                up = s.run("up")
                expect_holders(emulator, {*outsiders, *declared}, "after up")
                refresh = s.run("refresh")
                destroy = s.run("destroy")
                expect_holders(emulator, set(outsiders), "after destroy")
            rows += [
                CallRow(
                    n,
                    o,
                    up,
                    floors.up(groups, o),
                    floors.listing_per_resource(groups, o),
                    floors.per_user(groups),
                ),
                CallRow(n, o, refresh, floors.refresh(o + n), n * floors.listing(o + n), None),
                CallRow(n, o, destroy, floors.destroy(groups), None, floors.per_user(groups)),
            ]
    return rows


# -- 2. wall time ------------------------------------------------------------------------


@dataclass
class Variant:
    label: str
    project: str
    outsiders: int
    #: bench-noop only: UUIDs in one more output of each resource.
    padding: int = 0
    runs: list[Measure] = field(default_factory=list)
    #: The 1-minute load average when each run started (the machine is shared).
    loads: list[float] = field(default_factory=list)
    state_bytes: int = 0

    @property
    def median(self) -> float:
        return statistics.median(m.seconds for m in self.runs)

    @property
    def cpu_median(self) -> float:
        return statistics.median(m.cpu_seconds for m in self.runs)

    def cpu_parts(self) -> str:
        """Median CPU seconds: the whole tree = program + provider + the rest (the engine)."""
        program = [m.program_cpu_seconds for m in self.runs]
        provider = [m.provider_cpu_seconds for m in self.runs]
        if any(p is None for p in [*program, *provider]):
            return f"{self.cpu_median:.1f}"
        rest = [
            m.cpu_seconds - (m.program_cpu_seconds or 0.0) - (m.provider_cpu_seconds or 0.0)
            for m in self.runs
        ]
        parts = [statistics.median(p for p in xs if p is not None) for xs in (program, provider)]
        return (
            f"{self.cpu_median:.1f} = {parts[0]:.1f} + {parts[1]:.1f} + "
            f"{statistics.median(rest):.1f}"
        )


def run_timing(
    bench: Bench, emulator: EmulatorProcess, plan: Plan, ids: list[str]
) -> list[Variant]:
    n = plan.timing_resources
    # A SeatAssignment's unmanaged_ids lists every other holder: 900 outsiders plus, on
    # average, half of the resources created before it.
    padding = 900 + n // 2
    variants = [
        Variant(f"{n} SeatAssignments", "seats_many", 0),
        Variant(f"{n} no-op dynamic resources", "noop_many", 0),
        Variant(f"{n} SeatAssignments, 900 outsiders", "seats_many", 900),
        Variant(f"{n} no-op resources + {padding} UUIDs of output each", "noop_many", 0, padding),
    ]
    declared = ids[:n]
    for run in range(plan.timing_runs):
        # A, B, C, D, then D, C, B, A: whatever running first or last in a round does to
        # a run (the machine is shared) falls on every variant alike.
        for variant in variants if run % 2 == 0 else variants[::-1]:
            progress(f"wall time: run {run + 1}/{plan.timing_runs}, {variant.label}")
            outsiders = ids[len(ids) - variant.outsiders :] if variant.outsiders else []
            reset(emulator, outsiders)
            entries = [[u] for u in declared]
            with bench.stack(variant.project, emulator, entries, destroy=False) as s:
                if variant.padding:
                    s.stack.config({"paddingUuids": str(variant.padding)})
                variant.loads.append(os.getloadavg()[0])
                variant.runs.append(s.run("up"))
                if not variant.state_bytes:
                    variant.state_bytes = len(s.stack.export().encode())
            if variant.project == "seats_many":
                expect_holders(emulator, {*outsiders, *declared}, variant.label)
    return variants


# -- 3. one resource of many users -------------------------------------------------------


@dataclass
class BigRow:
    measure: Measure
    floor: Counter[str]


def run_big(bench: Bench, emulator: EmulatorProcess, plan: Plan, ids: list[str]) -> list[BigRow]:
    users = plan.big_users
    progress(f"one SeatAssignment of {users} users")
    declared = ids[:users]
    reset(emulator, [])
    with bench.stack("seats_many", emulator, [declared]) as s:
        up = s.run("up")
        expect_holders(emulator, set(declared), "after up")
        refresh = s.run("refresh")
        destroy = s.run("destroy")
        expect_holders(emulator, set(), "after destroy")
    return [
        BigRow(up, floors.up([users], 0)),
        BigRow(refresh, floors.refresh(users)),
        BigRow(destroy, floors.destroy([users])),
    ]


# -- 4. under a rate limit ---------------------------------------------------------------


@dataclass
class RateRow:
    label: str
    free: Measure
    limited: Measure
    per_user_requests: int
    #: Whether the seats were exactly the declared ones after the limited run.
    seats_right: bool
    #: Users of the scenario's only resource with default knobs (a point of the chart).
    single_resource_users: int | None = None

    @property
    def requests(self) -> int:
        """Requests the operation needs (the answered ones, without 429s)."""
        return sum(1 for r in self.limited.requests if r["status"] != 429)

    @property
    def rejected(self) -> int:
        return sum(1 for r in self.limited.requests if r["status"] == 429)

    @property
    def floor(self) -> float:
        return floors.rate_limited_seconds(self.requests, RATE_LIMIT, RATE_PERIOD)

    @property
    def paced_floor(self) -> float:
        starts = [float(r["time"]) for r in self.free.requests]
        last = max(self.free.requests, key=lambda r: float(r["time"]))
        return floors.paced_rate_limited_seconds(
            starts, float(last.get("duration") or 0.0), RATE_LIMIT, RATE_PERIOD
        )

    @property
    def error_answers(self) -> int:
        """Answers other than a success or a 429."""
        return sum(1 for r in self.limited.requests if r["status"] not in (200, 201, 204, 429))

    @property
    def failures(self) -> int:
        """A failed command, seats other than declared, and error answers other than 429."""
        return int(not self.limited.ok) + int(not self.seats_right) + self.error_answers

    @property
    def met(self) -> bool:
        if self.failures:
            return False
        if self.floor == 0:
            return self.rejected == 0
        return self.limited.span <= RATE_GOAL * self.paced_floor


def run_rate_limit(
    bench: Bench, free_emulator: EmulatorProcess, plan: Plan, ids: list[str]
) -> list[RateRow]:
    scenarios: list[tuple[str, list[list[str]], dict[str, Any]]] = [
        (f"1 SeatAssignment of {plan.rate_users} users", [ids[: plan.rate_users]], {}),
        (
            f"1 SeatAssignment of {plan.rate_users} users, batchSize 10",
            [ids[: plan.rate_users]],
            {"batchSize": 10},
        ),
    ]
    if plan.rate_resources:
        n = plan.rate_resources
        scenarios.append((f"{n} SeatAssignments of 1 user", [[u] for u in ids[:n]], {}))
    limited_emulator = bench.emulator(
        plan.rate_users, "--rate-limit", str(RATE_LIMIT), "--rate-period", str(RATE_PERIOD)
    )
    rows = []
    try:
        for label, entries, knobs in scenarios:
            declared = {u for e in entries for u in e}
            progress(f"rate limit: {label} (free run, then limited)")
            reset(free_emulator, [])
            with bench.stack("seats_many", free_emulator, entries, False, **knobs) as s:
                free = s.run("up")
            expect_holders(free_emulator, declared, f"{label}, free")
            reset(limited_emulator, [])
            quiet_since = time.time()  # a reset opens a new window
            with bench.stack("seats_many", limited_emulator, entries, False, **knobs) as s:
                # The first request must open a window of its own: wait out the current one.
                time.sleep(max(0.0, quiet_since + RATE_PERIOD + 0.5 - time.time()))
                limited = s.run("up", check=False)
            right = set(limited_emulator.admin.holders(PRODUCT)) == declared
            single = len(declared) if len(entries) == 1 and not knobs else None
            rows.append(RateRow(label, free, limited, len(declared), right, single))
    finally:
        limited_emulator.stop()
    return rows


# -- the report --------------------------------------------------------------------------


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    described = f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores"
    return f"{described} ({model})" if model else described


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=HERE.parent, capture_output=True, check=True)


def working_tree() -> str:
    """What the run measures by default: the working tree, as the venv imports it."""
    head = _git("rev-parse", "--short=10", "HEAD").stdout.decode().strip()
    dirty = _git("status", "--porcelain", "--", "provider").stdout.strip()
    return f"the working tree at {head}" + (
        " with uncommitted changes in provider/" if dirty else ""
    )


def pin_provider(rev: str, workdir: Path) -> str:
    """Measure provider/ as committed at ``rev``: every process the run starts imports it.

    The package is installed in editable mode; a PYTHONPATH entry comes before it, and
    the engine hands the environment down to the program and the provider process.
    """
    commit = _git("rev-parse", "--verify", f"{rev}^{{commit}}").stdout.decode().strip()
    archive = _git("archive", commit, "provider").stdout
    target = workdir / "source"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    path = str(target / "provider")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [path, os.environ.get("PYTHONPATH")]))
    return f"provider/ as committed at {commit[:10]} ({rev})"


def engine_version(bench: Bench) -> str:
    out = subprocess.run(
        [str(bench.engine.bin_dir / "pulumi"), "version"],
        capture_output=True,
        text=True,
        check=False,
        env=bench.engine.env(),
    )
    return out.stdout.strip() or "?"


@dataclass
class Results:
    plan: Plan
    command: str
    started: datetime
    seconds: float
    load: tuple[float, float, float]
    load_end: tuple[float, float, float]
    engine: str
    source: str
    calls: list[CallRow]
    timing: list[Variant]
    big: list[BigRow]
    rate: list[RateRow]


def calls_section(rows: list[CallRow]) -> list[str]:
    out = [
        "## 1. API calls per operation",
        "",
        "One `pulumi up`, `pulumi refresh` and `pulumi destroy` of N SeatAssignments of one "
        "product, one user each, while `outsiders` other users hold seats of that product. "
        "Calls are every request in the emulator's log (retries included). Floors "
        "(bench/floors.py): up = one listing of the product (`ceil(holders / 100)` GETs, "
        "at least 1) + one POST per resource and batch; refresh = one listing; destroy = "
        "one DELETE per resource and batch and no listing (unassigning is idempotent, so "
        "nothing needs reading first). `one listing per resource` is the design before the "
        "holders view (each create and read lists the product itself); `one request per "
        "user` is a loop over users.",
        "",
    ]
    headers = [
        "N",
        "outsiders",
        "command",
        "calls",
        "total",
        "floor",
        "at floor",
        "one listing per resource",
        "one request per user",
        "wall s",
        "provider RSS MB",
    ]
    body = [
        [
            r.resources,
            r.outsiders,
            r.measure.command,
            fmt_calls(r.measure.calls),
            r.measure.total,
            f"{sum(r.floor.values())} ({fmt_calls(r.floor)})",
            "yes" if r.at_floor else "**NO**",
            r.before_view if r.before_view is not None else "-",
            r.per_user if r.per_user is not None else "-",
            f"{r.measure.seconds:.1f}",
            fmt_mb(r.measure.peak_mb),
        ]
        for r in rows
    ]
    out += table(headers, body)
    out += [
        "",
        f"Before the holders view, the same `pulumi up` of 100 over 900 outsiders sent "
        f"{BEFORE_VIEW_GETS} GETs and {BEFORE_VIEW_POSTS} POSTs (issue 9).",
    ]
    return out


def timing_section(variants: list[Variant], runs: int) -> list[str]:
    base = next(v for v in variants if v.project == "noop_many")
    out = [
        "## 2. Wall time of `pulumi up`",
        "",
        f"The same engine run of the bench-seats and bench-noop projects (bench/projects), "
        f"{runs} run(s) each, alternating (in reverse order every other round), each on a "
        f"new stack; the whole `pulumi up` command "
        f"is timed. Goal: SeatAssignments at most {WALL_GOAL:.2f}x the no-op resources.",
        "",
    ]
    headers = [
        "resources",
        "runs s",
        "load at start",
        "median s",
        "vs no-op",
        "goal",
        "CPU s = program + provider + engine",
        "CPU vs no-op",
        "calls of one run",
        "state MB",
    ]
    body = []
    for v in variants:
        ratio = v.median / base.median
        if v.project == "noop_many":
            goal = "- (baseline)" if v is base else "- (control)"
        else:
            goal = f"{verdict(ratio <= WALL_GOAL)} (<= {WALL_GOAL:.2f}x)"
        body.append(
            [
                v.label,
                " ".join(f"{m.seconds:.1f}" for m in v.runs),
                " ".join(f"{x:.1f}" for x in v.loads),
                f"{v.median:.1f}",
                f"{ratio:.2f}x",
                goal,
                v.cpu_parts(),
                f"{v.cpu_median / base.cpu_median:.2f}x",
                fmt_calls(v.runs[0].calls),
                f"{v.state_bytes / 1e6:.2f}",
            ]
        )
    return [
        *out,
        *table(headers, body),
        "",
        "`CPU s` is the CPU time (user + system) of the command's whole process tree: other "
        "jobs on the machine inflate it much less than wall time. It is split (medians of "
        "each part) into the program process, the dynamic-provider process, and the rest: "
        "the `pulumi` CLI, which is the engine, with the language host. `state MB` is "
        "`pulumi stack export` after the run. The control is the no-op resources with one "
        "more output as long as a SeatAssignment's `unmanaged_ids` over 900 outsiders (every "
        "holder it does not declare), so its state is as large without any API call: what "
        "the SeatAssignments pay beyond it is the provider's own cost.",
    ]


def big_section(rows: list[BigRow], users: int) -> list[str]:
    out = [
        f"## 3. One SeatAssignment of {users:,} users",
        "",
        f"Peak RSS is the dynamic-provider process (`python -m pulumi.dynamic`), read from "
        f"/proc while it runs. Goal: < {RSS_GOAL_MB:.0f} MB.",
        "",
    ]
    headers = ["command", "calls", "floor", "at floor", "wall s", "provider RSS MB", "goal"]
    body = [
        [
            r.measure.command,
            fmt_calls(r.measure.calls),
            fmt_calls(r.floor),
            "yes" if r.measure.calls == r.floor else "**NO**",
            f"{r.measure.seconds:.1f}",
            fmt_mb(r.measure.peak_mb),
            verdict(r.measure.peak_mb is not None and r.measure.peak_mb < RSS_GOAL_MB),
        ]
        for r in rows
    ]
    return out + table(headers, body)


def rate_section(rows: list[RateRow]) -> list[str]:
    out = [
        f"## 4. Under a rate limit of {RATE_LIMIT} requests per {RATE_PERIOD} s",
        "",
        "`pulumi up` against an emulator started with "
        f"`--rate-limit {RATE_LIMIT} --rate-period {RATE_PERIOD}` (429 with "
        "X-RateLimit-Reset past the limit), each run starting in a fresh window, next to "
        "the same run without a limit. `limit floor` is the least time from the first "
        f"request to the last that the limit allows for that many requests "
        f"(`floor((R - 1) / {RATE_LIMIT}) * {RATE_PERIOD}` s); `paced floor` adds the "
        "engine's own pace: the free run's requests, delayed only where the limit forces. "
        "`failures` counts a failed command, seats other than the declared ones after the "
        "run, and error answers other than 429. "
        f"Goal: 0 failures and first-to-last request time <= {RATE_GOAL}x the paced floor "
        "(when the limit is reached at all). `one request per user` is the limit floor of "
        "a loop over users.",
        "",
    ]
    headers = [
        "scenario",
        "requests",
        "429s",
        "failures",
        "limit floor s",
        "paced floor s",
        "first-to-last s",
        "ratio",
        "wall s (free)",
        "one request per user",
        "goal",
    ]
    body = []
    for r in rows:
        reached = r.floor > 0
        ratio = f"{r.limited.span / r.paced_floor:.2f}x" if reached else "limit not reached"
        per_user = floors.rate_limited_seconds(r.per_user_requests, RATE_LIMIT, RATE_PERIOD)
        body.append(
            [
                r.label,
                r.requests,
                r.rejected,
                r.failures,
                f"{r.floor:.0f}",
                f"{r.paced_floor:.1f}",
                f"{r.limited.span:.1f}",
                ratio,
                f"{r.limited.seconds:.1f} ({r.free.seconds:.1f})",
                f"{r.per_user_requests} requests, {per_user:.0f} s",
                verdict(r.met),
            ]
        )
    return out + table(headers, body)


def goals(res: Results) -> list[str]:
    calls_met = all(r.at_floor for r in res.calls) and all(
        r.measure.calls == r.floor for r in res.big
    )
    off = [r for r in res.calls if not r.at_floor]
    base = next(v for v in res.timing if v.project == "noop_many")
    lines = [
        "## Goals",
        "",
        f"- API calls equal to the floor in every scenario: {verdict(calls_met)}"
        + (
            "; off: " + ", ".join(f"{r.resources}/{r.outsiders} {r.measure.command}" for r in off)
            if off
            else ""
        ),
    ]
    control = next((v for v in res.timing if v.padding), None)
    for v in res.timing:
        if v.project == "noop_many":
            continue
        ratio = v.median / base.median
        against_control = (
            f"; {v.median / control.median:.2f}x the no-op resources with as large a state"
            if v.outsiders and control
            else ""
        )
        lines.append(
            f"- wall time, {v.label}: {ratio:.2f}x the no-op resources "
            f"(goal <= {WALL_GOAL:.2f}x): {verdict(ratio <= WALL_GOAL)}{against_control} "
            f"(CPU time {v.cpu_median / base.cpu_median:.2f}x)"
        )
    peak = max((r.measure.peak_mb or 0.0) for r in res.big)
    lines.append(
        f"- peak RSS of the provider, {res.plan.big_users:,} users: {peak:.0f} MB "
        f"(goal < {RSS_GOAL_MB:.0f} MB): {verdict(peak < RSS_GOAL_MB)}"
    )
    for r in res.rate:
        lines.append(f"- rate limit, {r.label}: {verdict(r.met)}")
    return lines


def render(res: Results) -> str:
    lines = [
        "# Bench results",
        "",
        f"`{res.command}`, {res.started:%Y-%m-%d %H:%M} UTC, {res.seconds / 60:.1f} minutes.",
        f"Machine: {machine()}, shared with other jobs (load average "
        f"{' '.join(f'{x:.2f}' for x in res.load)} at the start, "
        f"{' '.join(f'{x:.2f}' for x in res.load_end)} at the end). Engine: pulumi "
        f"{res.engine}; Python {platform.python_version()}, pulumi SDK {version('pulumi')}. "
        f"Code measured: {res.source}. "
        "Emulator: `python -m datadog_seats_emulator` in its own process, "
        "pageSize and batchSize at their defaults (100).",
        "",
        *goals(res),
        "",
        *calls_section(res.calls),
        "",
        *timing_section(res.timing, res.plan.timing_runs),
        "",
        *big_section(res.big, res.plan.big_users),
        "",
        *rate_section(res.rate),
        "",
        "![API calls against declared users](calls.png)",
        "",
    ]
    return "\n".join(lines)


def chart_points(res: Results) -> dict[str, dict[int, int]]:
    """Measured `pulumi up` calls for the chart, by series."""
    one = {
        c.resources: c.measure.total
        for c in res.calls
        if c.measure.command == "up" and c.resources == 1 and c.outsiders == 0
    }
    one.update({r.single_resource_users: r.free.total for r in res.rate if r.single_resource_users})
    one[res.plan.big_users] = res.big[0].measure.total
    many = {
        c.resources: c.measure.total
        for c in res.calls
        if c.measure.command == "up" and c.outsiders == 900
    }
    return {"one": one, "many": many}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="a small subset, about 3 minutes")
    parser.add_argument(
        "--write",
        action="store_true",
        help="write bench/RESULTS.md and bench/calls.png (the default without --quick)",
    )
    parser.add_argument(
        "--at",
        metavar="REV",
        help="measure provider/ as committed at REV (e.g. HEAD), not the working tree",
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    write = args.write or not args.quick
    command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    now = datetime.now(timezone.utc)  # noqa: UP017 - datetime.UTC is 3.11+
    started, clock, load = now, time.perf_counter(), os.getloadavg()
    ids = user_ids(plan.emulator_users)

    with Bench.create() as bench:
        source = pin_provider(args.at, bench.workdir) if args.at else working_tree()
        emulator = bench.emulator(plan.emulator_users)
        try:
            calls = run_calls(bench, emulator, plan, ids)
            timing = run_timing(bench, emulator, plan, ids)
            big = run_big(bench, emulator, plan, ids)
            rate = run_rate_limit(bench, emulator, plan, ids)
            engine = engine_version(bench)
        finally:
            emulator.stop()

    res = Results(
        plan,
        command,
        started,
        time.perf_counter() - clock,
        load,
        os.getloadavg(),
        engine,
        source,
        calls,
        timing,
        big,
        rate,
    )
    report = render(res)
    print(report)
    if write:
        RESULTS.write_text(report)
        from .chart import draw

        draw(CHART, chart_points(res), plan.big_users)
        progress(f"wrote {RESULTS} and {CHART}")


if __name__ == "__main__":
    main()
