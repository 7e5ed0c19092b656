"""A stack moves from the dynamic SeatAssignment to the plugin's with no seat touched, by
the commands of docs/migrating-to-the-plugin.md.

The project (tests/e2e/projects/migrate) declares two SeatAssignments of the dynamic
resource, one of them exclusive, in a virtualenv that also has the SDK and the plugin (the
guide's "Before you start"). The guide's two blocks of commands run by bash as they are
written, with the one edit of the program between them. Assertions read the emulator's
request log and holders, and the state.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ..toolchains import python_sdk_venv
from .conftest import connect
from .harness import PROJECTS, ROOT, EmulatorProcess, Engine, Stack, copy_project, stack_in
from .plugin_fixtures import IR, ON_CALL, holders, run_readme_commands, set_config, writes

pytestmark = pytest.mark.e2e

GUIDE = ROOT / "docs" / "migrating-to-the-plugin.md"
DYNAMIC = "pulumi-python:dynamic/datadog-seats:SeatAssignment"
PLUGIN = "datadog-seats:index:SeatAssignment"
EXCL = "exclusive"
#: The edit of the program the guide shows (its section "Change the program").
BEFORE = "from pulumi_datadog_seats import SeatAssignment"
AFTER = "from pulumi_datadog_seats_sdk import SeatAssignment"


@pytest.fixture
def migrate_project(tmp_path: Path) -> Path:
    """A copy of tests/e2e/projects/migrate whose `venv` has the product and the SDK."""
    project = copy_project(PROJECTS / "migrate", tmp_path)
    (project / "venv").symlink_to(python_sdk_venv(), target_is_directory=True)
    return project


def run_block(stack: Stack, block: str) -> str:
    """One block of the guide's commands, in the project's directory, its stack selected."""
    env = {**stack.engine.env(), **stack.extra_env}
    proc = run_readme_commands(GUIDE, stack.project_dir, env, block)
    printed = proc.stdout + proc.stderr
    stack.output.append(printed)
    assert proc.returncode == 0, printed
    return printed


def test_a_stack_moves_to_the_plugin_with_no_seat_touched(
    engine: Engine, emulator: EmulatorProcess, users: list[str], migrate_project: Path
) -> None:
    outsider = users[20]  # holds a seat outside Pulumi: never touched
    emulator.admin.set_holders(IR, [outsider])
    with stack_in(engine, migrate_project) as stack:
        connect(stack, emulator)  # datadog:apiKey, ... as the dynamic resource reads them
        set_config(stack, responders=users[0:3], onCall=users[3:5])
        stack.up()
        before = {IR: holders(emulator, IR), ON_CALL: holders(emulator, ON_CALL)}
        assert before == {IR: sorted([*users[0:3], outsider]), ON_CALL: sorted(users[3:5])}
        emulator.admin.clear_requests()

        # 1. Forget the dynamic resources, and their provider: nothing else uses it.
        printed = run_block(stack, "migration:forget")
        left = {r["type"] for r in stack.state()["resources"]}
        assert left == {"pulumi:pulumi:Stack"}, left

        # 2. The one edit of the program.
        program = migrate_project / "__main__.py"
        assert program.read_text().count(BEFORE) == 1
        program.write_text(program.read_text().replace(BEFORE, AFTER))

        # 3. Adopt the same seats; the preview before the up shows `exclusive` only.
        printed += run_block(stack, "migration:adopt")
        assert "exclusive: false => true" in printed

        # Reads only, from the first command to the last; the holders as they were.
        methods = Counter(r["method"] for r in emulator.admin.requests())
        assert set(methods) == {"GET"}, methods
        assert {IR: holders(emulator, IR), ON_CALL: holders(emulator, ON_CALL)} == before
        assert emulator.api_key not in printed and emulator.app_key not in printed
        resources = stack.state()["resources"]
        adopted = {
            r["urn"].split("::")[-1]: (r["id"], r["outputs"]["userUuids"], r["outputs"][EXCL])
            for r in resources
            if r["type"] == PLUGIN
        }
        assert adopted == {
            "responders": (IR, sorted(users[0:3]), False),
            "on-call": (ON_CALL, sorted(users[3:5]), True),
        }
        assert not [r for r in resources if r["type"] == DYNAMIC]

        # From now on the plugin manages them: a user dropped is one unassign, and destroy
        # gives back the declared seats only.
        set_config(stack, responders=users[0:2], onCall=users[3:5])
        emulator.admin.clear_requests()
        stack.up()
        assert writes(emulator) == {("DELETE", (users[2],))}
        stack.destroy()
        assert holders(emulator, IR) == [outsider]
        assert holders(emulator, ON_CALL) == []
