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
2. `pulumi up` of 100 resources of one user, side by side (bench/compare.py): no-op
   dynamic resources carrying the same declared users, SeatAssignments of the dynamic
   provider over 0 and 900 outsiders, and SeatAssignments of the provider plugin from a
   YAML program; wall time (alternating, medians), CPU split, state size.
3. A large organization: 50 SeatAssignments of 100 users over 5,000 other holders, up,
   refresh and destroy beside no-op resources of the same users: calls against the
   floor, wall time, CPU split, state size, provider peak RSS.
4. One SeatAssignment of 10,000 users: calls, wall time, peak RSS.
5. Under the emulator's rate limit (60 requests per 10 s, real 429s): failures, and
   the time from first to last request against the least the limit allows.
6. Latency (bench/latency.py): `pulumi up` of 100 resources of one user while every
   write takes 200 ms, through each front end (the dynamic resource; the plugin from the
   Python SDK, YAML and the TypeScript SDK) at --parallel 8 and 32, beside its floor.

`--quick` runs a smaller subset (about 3 minutes: one round of each comparison, a
smaller organization) and writes nothing unless `--write`. `--latency` runs section 6
alone (about 10 minutes; `--quick --latency` one round) and writes nothing. The full run
writes bench/RESULTS.md and bench/calls.png.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import subprocess
import sys
import tarfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from datadog_seats_emulator.process import EmulatorProcess

from . import floors
from .compare import OrgComparison, UpComparison, org_section, ratio, run_org, run_up, up_section
from .latency import GOAL as LATENCY_GOAL
from .latency import LatencyComparison, latency_section, run_latency
from .runner import PRODUCT, Bench, Measure, expect_holders, reset, user_ids
from .text import fmt_calls, fmt_mb, progress, table, verdict

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
CHART = HERE / "calls.png"
RATE_LIMIT, RATE_PERIOD = 60, 10
RSS_GOAL_MB, RATE_GOAL = 150.0, 1.2
#: Goals of issue 16, each a ratio of two variants measured side by side in one run:
#: `pulumi up` wall time and state of SeatAssignments against no-op resources carrying
#: the same declared users; the large organization's up and refresh against theirs; the
#: plugin's `pulumi up` against the dynamic provider's.
GOALS = {"wall": 1.10, "state": 1.2, "org": 1.15, "plugin": 1.15}
#: Measured before the holders view (issue 9): `pulumi up` of 100 SeatAssignments of one
#: user each over 900 outsiders.
BEFORE_VIEW_GETS, BEFORE_VIEW_POSTS = 998, 100


@dataclass(frozen=True)
class Plan:
    """How much to run."""

    sizes: tuple[int, ...]
    outsiders: tuple[int, ...]
    #: Section 2: resources of one user each (the YAML program declares exactly 100),
    #: the outsiders of its second dynamic variant, rounds.
    up_resources: int
    up_outsiders: int
    up_runs: int
    #: Section 3: resources, users each, other holders, rounds.
    org_resources: int
    org_users: int
    org_outsiders: int
    org_runs: int
    big_users: int
    rate_resources: int | None
    rate_users: int
    emulator_users: int
    #: Section 6: resources of one user each, rounds.
    latency_resources: int
    latency_runs: int


FULL = Plan(
    (1, 10, 100), (0, 900), 100, 900, 5, 50, 100, 5_000, 5, 10_000, 100, 1_000, 10_000, 100, 3
)
QUICK = Plan((1, 10), (0, 900), 100, 900, 1, 10, 100, 1_000, 1, 1_000, None, 1_000, 2_000, 100, 1)


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


# -- 4. one resource of many users -------------------------------------------------------


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


# -- 5. under a rate limit ---------------------------------------------------------------


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
    try:
        head = _git("rev-parse", "--short=10", "HEAD").stdout.decode().strip()
    except (OSError, subprocess.CalledProcessError):
        return f"the files in {HERE.parent} (not a git checkout)"
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
        if hasattr(tarfile, "data_filter"):
            tar.extractall(target, filter="data")
        else:  # Python 3.10 before 3.10.12: our own archive of our own commit
            tar.extractall(target)
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
    #: When the run started, in UTC (time.gmtime: no datetime.UTC, which is 3.11+).
    started: time.struct_time
    seconds: float
    load: tuple[float, float, float]
    load_end: tuple[float, float, float]
    engine: str
    source: str
    calls: list[CallRow]
    up: UpComparison
    org: OrgComparison
    big: list[BigRow]
    rate: list[RateRow]
    latency: LatencyComparison


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


def big_section(rows: list[BigRow], users: int) -> list[str]:
    out = [
        f"## 4. One SeatAssignment of {users:,} users",
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
        f"## 5. Under a rate limit of {RATE_LIMIT} requests per {RATE_PERIOD} s",
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


@dataclass(frozen=True)
class Goal:
    """One goal: what was measured, its target, whether it is met, and why not."""

    measure: str
    measured: str
    target: str
    met: bool
    #: Where a difference goes (the CPU split of the two variants), from this run.
    detail: str = ""
    #: For a goal on a ratio: a short name, the ratio measured, the most it may be.
    short: str = ""
    ratio: float | None = None
    limit: float | None = None


def side_by_side_goals(up: UpComparison, org: OrgComparison) -> list[Goal]:
    """The goals of issue 16: ratios of variants measured side by side in this run."""
    base, out = up.baseline, up.outsiders
    seats = up.seats(out)
    state = ratio(seats.state_bytes, base.state_bytes)
    goals = [
        Goal(
            f"state of {up.resources} x 1 user, {out} outsiders",
            f"{state:.2f}x ({seats.state_mb:.3f} MB / {base.state_mb:.3f} MB)",
            f"<= {GOALS['state']:.2f}x the no-op resources",
            state <= GOALS["state"],
            short=f"state, {out} outsiders",
            ratio=state,
            limit=GOALS["state"],
        )
    ]
    for outsiders in (0, out):
        v = up.seats(outsiders)
        wall = ratio(v.median(), base.median())
        goals.append(
            Goal(
                f"wall of `pulumi up`, {up.resources} x 1 user, {outsiders} outsiders",
                f"{wall:.2f}x ({v.median():.1f} s / {base.median():.1f} s; CPU "
                f"{ratio(v.cpu().total, base.cpu().total):.2f}x)",
                f"<= {GOALS['wall']:.2f}x no-op",
                wall <= GOALS["wall"],
                v.beyond(base),
                f"up, {outsiders} outsiders",
                wall,
                GOALS["wall"],
            )
        )
    for command in ("up", "refresh"):
        wall = ratio(org.seats.median(command), org.noop.median(command))
        at_floor = org.at_floor(command)
        goals.append(
            Goal(
                f"large organization ({org.resources} x {org.users} users, "
                f"{org.outsiders:,} outsiders): `{command}`",
                f"{wall:.2f}x ({org.seats.median(command):.1f} s / "
                f"{org.noop.median(command):.1f} s; CPU "
                f"{ratio(org.seats.cpu(command).total, org.noop.cpu(command).total):.2f}x); "
                f"calls {'at' if at_floor else '**not** at'} floor",
                f"<= {GOALS['org']:.2f}x no-op; calls at floor",
                wall <= GOALS["org"] and at_floor,
                org.seats.beyond(org.noop, command),
                f"organization {command}",
                wall,
                GOALS["org"],
            )
        )
    plugin, dynamic = up.plugin, up.seats(0)
    wall = ratio(plugin.median(), dynamic.median())
    goals.append(
        Goal(
            f"plugin (YAML) `pulumi up` of {up.resources} x 1 user",
            f"{wall:.2f}x ({plugin.median():.1f} s / {dynamic.median():.1f} s; CPU "
            f"{ratio(plugin.cpu().total, dynamic.cpu().total):.2f}x)",
            f"<= {GOALS['plugin']:.2f}x the dynamic provider",
            wall <= GOALS["plugin"],
            plugin.beyond(dynamic),
            "plugin up / dynamic up",
            wall,
            GOALS["plugin"],
        )
    )
    return goals


def latency_goals(cmp: LatencyComparison) -> list[Goal]:
    """Section 6: each plugin front end's `up` under latency against its floor."""
    return [
        Goal(
            f"latency: `pulumi up --parallel {r.parallel}` of {cmp.resources} x 1 user, "
            f"writes {cmp.latency * 1000:.0f} ms, {r.front_end.label}",
            f"{r.ratio:.2f}x ({r.with_latency:.2f} s / {r.floor:.2f} s)",
            f"<= {LATENCY_GOAL:.2f}x its floor",
            bool(r.met),
            f"{r.at_once} writes at once at most",
        )
        for r in cmp.rows()
        if r.met is not None
    ]


def goals(res: Results) -> list[str]:
    calls_met = (
        all(r.at_floor for r in res.calls)
        and all(r.measure.calls == r.floor for r in res.big)
        and all(res.org.at_floor(c) for c in ("up", "refresh", "destroy"))
    )
    off = [f"{r.resources}/{r.outsiders} {r.measure.command}" for r in res.calls if not r.at_floor]
    off += [f"organization {c}" for c in ("up", "refresh", "destroy") if not res.org.at_floor(c)]
    rows = [
        Goal(
            "API calls equal to the floor in every scenario",
            "off: " + ", ".join(off) if off else "all at floor",
            "floor (bench/floors.py)",
            calls_met,
        ),
        *side_by_side_goals(res.up, res.org),
    ]
    peak = max((r.measure.peak_mb or 0.0) for r in res.big)
    rows.append(
        Goal(
            f"peak RSS of the provider, {res.plan.big_users:,} users",
            f"{peak:.0f} MB",
            f"< {RSS_GOAL_MB:.0f} MB",
            peak < RSS_GOAL_MB,
        )
    )
    for r in res.rate:
        rows.append(
            Goal(
                f"rate limit, {r.label}",
                f"{r.failures} failures, {r.limited.span:.1f} s first to last",
                f"0 failures, <= {RATE_GOAL}x the paced floor",
                r.met,
            )
        )
    rows += latency_goals(res.latency)
    body = [[g.measure, g.measured, g.target, verdict(g.met), g.detail or "-"] for g in rows]
    return [
        "## Goals",
        "",
        "Each ratio is of two variants measured side by side in this run (medians of "
        "alternating runs). The last column says where the time beyond the baseline's "
        "goes, from the same medians: the wall time (and the listing of the product's "
        "holders, which every create or read waits for), and the CPU time of the whole "
        "command split into the Python program, the provider process and the engine "
        "(sections 2 and 3).",
        "",
        *table(["goal", "measured", "target", "verdict", "where the difference goes"], body),
    ]


def render(res: Results) -> str:
    lines = [
        "# Bench results",
        "",
        f"`{res.command}`, {time.strftime('%Y-%m-%d %H:%M', res.started)} UTC, "
        f"{res.seconds / 60:.1f} minutes.",
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
        *up_section(res.up, GOALS),
        "",
        *org_section(res.org, GOALS["org"]),
        "",
        *big_section(res.big, res.plan.big_users),
        "",
        *rate_section(res.rate),
        "",
        *latency_section(res.latency),
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


def chart_ratios(res: Results) -> list[tuple[str, float, float]]:
    """(label, measured ratio, goal) of each side-by-side goal, for the chart's third panel."""
    return [
        (g.short, g.ratio, g.limit)
        for g in side_by_side_goals(res.up, res.org)
        if g.ratio is not None and g.limit is not None
    ]


def latency_only(
    plan: Plan, ids: list[str], at: str | None, command: str, load: tuple[float, float, float]
) -> list[str]:
    """`--latency`: section 6 alone, with what was measured and the machine's load."""
    with Bench.create() as bench:
        source = pin_provider(at, bench.workdir) if at else working_tree()
        emulator = bench.emulator(plan.emulator_users)
        try:
            latency = run_latency(bench, emulator, plan.latency_resources, plan.latency_runs, ids)
            engine = engine_version(bench)
        finally:
            emulator.stop()
    loads = " ".join(f"{x:.2f}" for x in (*load, *os.getloadavg()))
    return [
        f"`{command}`: {machine()}, load average {loads} (start, then end); pulumi {engine}; "
        f"code measured: {source}.",
        "",
        *latency_section(latency),
    ]


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
    parser.add_argument(
        "--latency",
        action="store_true",
        help="section 6 alone (front ends under 200 ms writes); prints it, writes nothing",
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    write = args.write or not args.quick
    command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    started = time.gmtime()
    clock, load = time.perf_counter(), os.getloadavg()
    ids = user_ids(plan.emulator_users)
    if args.latency:
        print("\n".join(latency_only(plan, ids, args.at, command, load)))
        return

    with Bench.create() as bench:
        source = pin_provider(args.at, bench.workdir) if args.at else working_tree()
        emulator = bench.emulator(plan.emulator_users)
        try:
            calls = run_calls(bench, emulator, plan, ids)
            up = run_up(bench, emulator, plan.up_resources, plan.up_outsiders, plan.up_runs, ids)
            org = run_org(
                bench,
                emulator,
                plan.org_resources,
                plan.org_users,
                plan.org_outsiders,
                plan.org_runs,
                ids,
            )
            big = run_big(bench, emulator, plan, ids)
            rate = run_rate_limit(bench, emulator, plan, ids)
            latency = run_latency(bench, emulator, plan.latency_resources, plan.latency_runs, ids)
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
        up,
        org,
        big,
        rate,
        latency,
    )
    report = render(res)
    print(report)
    if write:
        RESULTS.write_text(report)
        from .chart import draw

        draw(CHART, chart_points(res), plan.big_users, chart_ratios(res))
        progress(f"wrote {RESULTS} and {CHART}")


if __name__ == "__main__":
    main()
