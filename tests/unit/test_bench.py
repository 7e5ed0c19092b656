"""The bench's own logic, without the CLI: the order of side-by-side runs, the CPU split,
the YAML program's shape, the goals it reports, and the profiler hook.

`make bench` runs for minutes; these tests keep the code it runs honest in seconds
(tests/e2e/test_scale.py runs the bench-seats project through the CLI).
"""

from __future__ import annotations

import json
import pstats
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench import floors, rss
from bench.__main__ import FULL, GOALS, QUICK, BigRow, Results, render, side_by_side_goals
from bench.compare import (
    NOOP,
    PLUGIN,
    SEATS,
    CpuSplit,
    OrgComparison,
    UpComparison,
    Variant,
    alternate,
    state_parts,
)
from bench.latency import (
    FRONT_ENDS,
    LATENCY,
    PARALLELS,
    LatencyComparison,
    latency_section,
    latency_variants,
)
from bench.runner import CONFIG_DECLARED, PLUGIN_PROJECTS, PROJECTS, Measure, program_resources
from tests.e2e.harness import Result

SEATS_TYPE = "datadog-seats:index:SeatAssignment"


def measure(
    command: str,
    seconds: float,
    cpu: float,
    program: float | None = 0.5,
    provider: float | None = 0.5,
    requests: list[dict[str, Any]] | None = None,
) -> Measure:
    result = Result([command], 0, "", "")
    return Measure(command, seconds, requests or [], 60.0, result, cpu, provider, program)


def calls(**counts: int) -> list[dict[str, Any]]:
    """Requests of the emulator's log, ``counts`` per method, 10 ms apart."""
    methods = [m for m, n in counts.items() for _ in range(n)]
    return [
        {"method": m, "status": 200, "time": i / 100, "duration": 0.005}
        for i, m in enumerate(methods)
    ]


def test_rounds_alternate_so_that_no_variant_always_runs_first():
    order = [v for _, v in alternate("ABC", 3)]
    assert order == list("ABCCBAABC")


def test_cpu_split_takes_the_median_of_each_part_and_puts_a_yaml_program_in_the_engine():
    runs = [measure("up", 5, cpu, provider=p) for cpu, p in ((4.0, 1.0), (5.0, 1.2), (9.0, 3.0))]
    split = CpuSplit.of(runs)
    assert (split.total, split.program, split.provider, split.engine) == (5.0, 0.5, 1.2, 3.3)
    assert str(split) == "5.0 = 0.5 + 1.2 + 3.3"
    yaml_runs = [measure("up", 5, 4.0, program=None, provider=1.0)]
    assert str(CpuSplit.of(yaml_runs)) == "4.0 = - + 1.0 + 3.0"
    assert (
        CpuSplit.of(yaml_runs).minus(split)
        == "CPU -1.0 s (program -0.5, provider -0.2, engine -0.3)"
    )
    # A provider that did not exit normally: no split at all, rather than a wrong one.
    assert str(CpuSplit.of([measure("up", 5, 4.0, provider=None)])) == "4.0"


def test_the_yaml_program_declares_one_seat_assignment_per_entry_of_its_users_config():
    program = PROJECTS / "plugin_many" / "Pulumi.yaml"
    loaded = yaml.safe_load(program.read_text())
    resources = loaded["resources"]
    assert program_resources(program) == len(resources) == FULL.up_resources == QUICK.up_resources
    for i in range(len(resources)):
        assert resources[f"seats-{i}"] == {
            "type": SEATS_TYPE,
            "properties": {"productCode": "${productCode}", "userUuids": f"${{users[{i}]}}"},
        }
    assert "plugins" not in loaded  # the bench adds its own to its copy


def up_comparison(noop: float, dynamic: float, outsiders: float, plugin: float) -> UpComparison:
    variants = [
        Variant("no-op", NOOP, 0),
        Variant("dynamic", SEATS, 0),
        Variant("dynamic, 900", SEATS, 900),
        Variant("plugin", PLUGIN, 0),
    ]
    timings = (noop, dynamic, outsiders, plugin)
    for v, seconds, state in zip(variants, timings, (100, 110, 110, 99), strict=True):
        for offset in (-0.5, 0.0, 2.0):
            program = None if v.project == PLUGIN else 0.5
            requests = None if v.is_baseline else calls(GET=1, POST=100)
            v.add(measure("up", seconds + offset, seconds, program, requests=requests))
        v.state_bytes = state * 1000
    return UpComparison(100, 3, 900, variants)


def org_comparison(up: float, refresh: float, at_floor: bool = True) -> OrgComparison:
    seats, noop = Variant("seats", SEATS, 5000), Variant("noop", NOOP, 5000)
    gets = 50 if at_floor else 51
    for command, seconds, requests in (
        ("up", up, calls(GET=gets, POST=50)),
        ("refresh", refresh, calls(GET=100)),
        ("destroy", 1.0, calls(DELETE=50)),
    ):
        seats.add(measure(command, seconds, seconds, requests=requests))
        noop.add(measure(command, 1.0, 1.0))
    seats.state_bytes, noop.state_bytes = 1200, 800
    return OrgComparison(50, 100, 5000, 1, seats, noop)


def test_goals_are_ratios_of_medians_measured_side_by_side():
    up = up_comparison(noop=4.0, dynamic=4.2, outsiders=4.8, plugin=4.5)
    goals = {g.short: g for g in side_by_side_goals(up, org_comparison(up=1.1, refresh=1.5))}
    assert goals["state, 900 outsiders"].ratio == 1.1 and goals["state, 900 outsiders"].met
    assert goals["up, 0 outsiders"].ratio == 4.2 / 4.0 and goals["up, 0 outsiders"].met
    assert goals["up, 900 outsiders"].ratio == 4.8 / 4.0
    assert not goals["up, 900 outsiders"].met
    assert goals["plugin up / dynamic up"].ratio == 4.5 / 4.2
    assert goals["organization up"].met and not goals["organization refresh"].met
    # Where the difference goes: wall, the listing of holders, the CPU split.
    assert goals["organization refresh"].detail == (
        "wall +0.5 s (listing of holders, 100 GETs: 1.0 s; without it 0.51x); "
        "CPU +0.5 s (program +0.0, provider +0.0, engine +0.5)"
    )
    assert {g.limit for g in goals.values()} == set(GOALS.values())


def test_the_organization_goal_needs_the_calls_at_the_floor_too():
    org = org_comparison(up=1.0, refresh=1.0, at_floor=False)
    assert org.floor("up") == Counter(GET=50, POST=50)
    assert not org.at_floor("up") and org.at_floor("refresh") and org.at_floor("destroy")
    up = up_comparison(4.0, 4.0, 4.0, 4.0)
    goals = {g.short: g for g in side_by_side_goals(up, org)}
    assert goals["organization up"].ratio == 1.0
    assert not goals["organization up"].met and goals["organization refresh"].met


def writes_in_flight(*spans: tuple[float, float]) -> list[dict[str, Any]]:
    """POSTs of the emulator's log, one per (arrival, duration), and a GET beside each."""
    return [
        {"method": method, "status": 201, "time": start, "duration": duration}
        for start, duration in spans
        for method in ("POST", "GET")
    ]


def test_the_floor_under_latency_is_the_engines_rounds_of_writes():
    assert floors.latency_floor(3.0, 100, 8, 0.2) == pytest.approx(3.0 + 13 * 0.2)
    assert floors.latency_floor(3.0, 100, 32, 0.2) == pytest.approx(3.0 + 4 * 0.2)
    assert floors.latency_floor(3.0, 100, 4, 0.2) == pytest.approx(3.0 + 25 * 0.2)
    assert floors.latency_floor(3.0, 96, 32, 0.2) == pytest.approx(3.0 + 3 * 0.2)


def test_writes_at_once_count_overlapping_writes_only():
    # Three overlap between 0.15 and 0.2; one ends exactly when another starts; GETs and
    # their overlaps do not count.
    requests = writes_in_flight((0.0, 0.2), (0.1, 0.2), (0.15, 0.2), (0.3, 0.2), (0.5, 0.2))
    assert measure("up", 1.0, 1.0, requests=requests).most_at_once() == 3
    assert measure("up", 1.0, 1.0, requests=requests).most_at_once(["GET"]) == 3
    assert measure("up", 1.0, 1.0, requests=writes_in_flight((0.0, 0.2), (0.2, 0.2))) \
        .most_at_once() == 1  # fmt: skip
    assert measure("up", 1.0, 1.0).most_at_once() == 0


def latency_comparison(seconds: dict[tuple[str, int, float], float]) -> LatencyComparison:
    """A section 6 whose variants took ``seconds[(project, parallel, latency)]`` (3 runs
    around it: the median is that), every write of a variant in flight at once up to its
    ``--parallel`` (the dynamic resource's up to 4)."""
    variants = latency_variants(LATENCY)
    for v in variants:
        at_once = 4 if v.project == SEATS else v.parallel
        # Quarter seconds: the ends and starts of consecutive batches are equal floats.
        requests = writes_in_flight(*[(i // at_once * 0.25, 0.25) for i in range(100)])
        base = seconds[(v.project, v.parallel, v.latency)]
        for offset in (-0.3, 0.0, 1.0):
            v.add(measure("up", base + offset, 1.0, requests=requests))
        v.loads.append(1.5)
    return LatencyComparison(100, LATENCY, 3, variants)


#: Made-up medians: no-op 3.0 s; each front end 3.5 s without latency; with it, the
#: dynamic resource held to 4 writes at a time, the plugin at its floor but for YAML at
#: --parallel 8, 12% over.
SECTION_6 = {
    **{("noop_many", p, 0.0): 3.0 for p in PARALLELS},
    **{(f.project, p, 0.0): 3.5 for f in FRONT_ENDS for p in PARALLELS},
    **{("seats_many", p, LATENCY): 3.5 + 25 * 0.2 for p in PARALLELS},
    **{(f.project, 8, LATENCY): 3.5 + 13 * 0.2 for f in FRONT_ENDS[1:]},
    **{(f.project, 32, LATENCY): 3.5 + 4 * 0.2 for f in FRONT_ENDS[1:]},
    ("plugin_many", 8, LATENCY): (3.5 + 13 * 0.2) * 1.12,
}


def test_each_front_end_is_set_beside_its_own_floor_and_the_no_op_floor():
    rows = {(r.front_end.project, r.parallel): r for r in latency_comparison(SECTION_6).rows()}
    assert len(rows) == len(FRONT_ENDS) * len(PARALLELS)
    sdk = rows[("sdk_many", 8)]
    assert sdk.floor == pytest.approx(3.5 + 13 * 0.2) and sdk.noop_floor == pytest.approx(5.6)
    assert sdk.ratio == pytest.approx(1.0) and sdk.met
    assert sdk.noop_ratio == pytest.approx(6.1 / 5.6)
    assert sdk.at_once == 8 and rows[("ts_many", 32)].at_once == 32
    yaml_8 = rows[("plugin_many", 8)]
    assert yaml_8.ratio == pytest.approx(1.12) and yaml_8.met is False
    # The dynamic resource has no goal: it is reported, with the floor of 4 writes at a time.
    dynamic = rows[("seats_many", 32)]
    assert dynamic.met is None and dynamic.at_once == 4
    assert dynamic.ratio == pytest.approx(8.5 / (3.5 + 4 * 0.2))
    # From the first write to the last: 25 rounds of 4 (each 0.25 s in the made-up log),
    # against 4 rounds of the engine's 32 and 25 of the host's 4 (0.2 s each).
    assert dynamic.writes_seconds == pytest.approx(25 * 0.25)
    assert dynamic.writes_floor == pytest.approx(4 * 0.2)
    assert dynamic.host_writes_floor == pytest.approx(25 * 0.2)
    assert rows[("ts_many", 8)].writes_seconds == pytest.approx(13 * 0.25)


def test_section_6_reports_each_row_and_the_cause_of_the_dynamic_rows():
    text = "\n".join(latency_section(latency_comparison(SECTION_6)))
    rows = [line.split("|") for line in text.splitlines() if line.startswith("| ")]
    by_key = {(cells[1].strip(), cells[2].strip()): cells for cells in rows[2:]}
    assert by_key[("plugin, YAML", "8")][-2].strip() == "**NOT MET**"
    assert by_key[("plugin, YAML", "32")][-2].strip() == "met"
    assert by_key[("dynamic resource (Python)", "8")][-2].strip() == "reported"
    assert by_key[("no-op dynamic resources", "32")][3].strip() == "3.00"
    assert "never has more than 4 writes in flight" in text
    assert "at --parallel 8, 6.25 s against 5.00 s for 4 at a time and 2.60 s for the " in text


def test_every_project_of_a_front_end_is_there_and_the_plugin_ones_say_so():
    for front in FRONT_ENDS:
        assert (PROJECTS / front.project / "Pulumi.yaml").is_file(), front
        assert front.plugin == (front.project in PLUGIN_PROJECTS), front
    assert CONFIG_DECLARED <= PLUGIN_PROJECTS
    sdk_program = (PROJECTS / "sdk_many" / "__main__.py").read_text()
    assert "from pulumi_datadog_seats_sdk import SeatAssignment" in sdk_program


def test_the_report_marks_each_goal_with_its_verdict():
    up = up_comparison(noop=4.0, dynamic=4.2, outsiders=4.8, plugin=4.5)
    res = Results(
        QUICK,
        "python -m bench --quick",
        time.gmtime(0),
        60.0,
        (1.0, 1.0, 1.0),
        (2.0, 2.0, 2.0),
        "v3.259.0",
        "the working tree",
        [],
        up,
        org_comparison(up=1.1, refresh=1.5),
        [BigRow(measure("up", 2.0, 2.0, requests=calls(GET=1, POST=10)), floors.up([1000], 0))],
        [],
        latency_comparison(SECTION_6),
    )
    text = render(res)
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ")}
    wall_900 = rows["wall of `pulumi up`, 100 x 1 user, 900 outsiders"]
    assert "1.20x (4.8 s / 4.0 s" in wall_900 and "**NOT MET**" in wall_900
    assert "| met " in rows["state of 100 x 1 user, 900 outsiders"]
    assert "| met " in rows["plugin (YAML) `pulumi up` of 100 x 1 user"]
    refresh = rows["large organization (50 x 100 users, 5,000 outsiders): `refresh`"]
    assert "1.50x" in refresh and "calls at floor" in refresh and "**NOT MET**" in refresh
    assert re.search(r"## 3\. A large organization: 50 SeatAssignments of 100 users", text)
    latency_8 = "latency: `pulumi up --parallel 8` of 100 x 1 user, writes 200 ms, plugin"
    assert "| met " in rows[f"{latency_8}, Python SDK"]
    assert "1.12x" in rows[f"{latency_8}, YAML"] and "**NOT MET**" in rows[f"{latency_8}, YAML"]
    # The dynamic resource is reported in section 6, not a goal.
    assert not [row for row in rows if row.startswith("latency:") and "dynamic" in row]
    assert "## 6. Latency: `pulumi up` of 100 SeatAssignments of one user" in text
    assert "`python -m bench --quick`, 1970-01-01 00:00 UTC, 1.0 minutes." in text


def test_the_profiler_hook_records_every_thread(tmp_path: Path):
    script = tmp_path / "work.py"
    script.write_text(
        "import threading\n"
        "def in_a_thread():\n"
        "    return sum(range(1000))\n"
        "t = threading.Thread(target=in_a_thread)\n"
        "t.start(); t.join()\n"
        "print('done')\n"
    )
    out = tmp_path / "work.prof"
    proc = subprocess.run(
        [sys.executable, "-u", rss.__file__, rss.PROFILED, str(out), "-u", str(script)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout == "done\n"
    names = {name for (_file, _line, name) in pstats.Stats(str(out)).stats}  # type: ignore[attr-defined]
    assert "in_a_thread" in names


def test_state_parts_sum_each_property_over_the_resources():
    exported = json.dumps(
        {
            "deployment": {
                "resources": [
                    {"type": "pulumi:pulumi:Stack", "outputs": {}},
                    {"inputs": {"user_uuids": ["a", "b"]}, "outputs": {"assigned_ids": ["a"]}},
                    {"inputs": {"user_uuids": ["c"]}, "outputs": {"assigned_ids": []}},
                ]
            }
        }
    )
    assert state_parts(exported) == {"inputs.user_uuids": 9 + 5, "outputs.assigned_ids": 5 + 2}
