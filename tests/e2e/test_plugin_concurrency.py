"""The plugin serves as many calls at once as the engine sends (`pulumi up --parallel`);
the dynamic resource, 4 (Pulumi's dynamic-provider host serves no more).

Each SeatAssignment's create is one write, and each write waits for the API: a plugin
serving fewer calls at once than the engine sends makes `pulumi up` wait in rounds of
its own (asyncio's default pool gave 6 threads on 2 CPUs; bench section 6 times it).
The emulator holds every assign for a few seconds (HOLD_SECONDS: the engine's calls
must all arrive while the first is held, and on a loaded CI machine 24 of them took more
than one second to); its request log says how many were in flight at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .conftest import connect_and_declare
from .harness import PROJECTS, EmulatorProcess, Engine, copy_project, stack_in
from .plugin_fixtures import (
    IR,
    connect_plugin,
    empty_yaml_project,
    env_with_plugin_on_path,
    holders,
    most_in_flight,
)

__all__ = ["empty_yaml_project"]  # the fixture used here

pytestmark = pytest.mark.e2e

#: Resources, and `--parallel`: more than asyncio's default pool on machines of up to 19 CPUs.
RESOURCES = 24
#: How long the emulator holds each assign.
HOLD_SECONDS = 5.0


def test_the_plugin_writes_as_many_seats_at_once_as_the_engine_asks(
    engine: Engine, emulator: EmulatorProcess, users: list[str], empty_yaml_project: Path
) -> None:
    declared = users[:RESOURCES]
    program = {
        "name": "adopt",
        "runtime": "yaml",
        "resources": {
            f"seats-{i}": {
                "type": "datadog-seats:index:SeatAssignment",
                "properties": {"productCode": IR, "userUuids": [user]},
            }
            for i, user in enumerate(declared)
        },
    }
    (empty_yaml_project / "Pulumi.yaml").write_text(yaml.safe_dump(program))
    emulator.admin.add_fault(kind="delay", delay_seconds=HOLD_SECONDS, methods=["POST"])
    with stack_in(engine, empty_yaml_project, env_with_plugin_on_path(engine)) as stack:
        connect_plugin(stack, emulator)
        stack.up("--parallel", str(RESOURCES))
        assert holders(emulator, IR) == sorted(declared)
        posts = [r for r in emulator.admin.requests() if r["method"] == "POST"]
        assert len(posts) == RESOURCES
        assert most_in_flight(posts) == RESOURCES


def test_the_dynamic_resource_writes_at_most_4_seats_at_once(
    engine: Engine, emulator: EmulatorProcess, users: list[str], tmp_path: Path
) -> None:
    # docs/known-limits.md: the dynamic-provider host serves 4 calls at once, whatever
    # --parallel asks; the Python SDK on the plugin is the way past it.
    declared = users[:12]
    project = copy_project(PROJECTS / "many", tmp_path)
    emulator.admin.add_fault(kind="delay", delay_seconds=HOLD_SECONDS, methods=["POST"])
    with stack_in(engine, project) as stack:
        connect_and_declare(stack, emulator, IR, declared)
        stack.up("--parallel", str(len(declared)))
        assert holders(emulator, IR) == sorted(declared)
        posts = [r for r in emulator.admin.requests() if r["method"] == "POST"]
        assert len(posts) == len(declared) and most_in_flight(posts) == 4
