"""Seats as a budget, through the real CLI: exclusive declarations and unmanaged holders."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import connect, declare, emails_of
from .harness import PROJECTS, ROOT, EmulatorProcess, Engine, copy_project, stack_in
from .plugin_fixtures import connect_plugin, env_with_plugin_on_path, set_config

IR, ON_CALL = "incident_response", "on_call"
STRANGER = "0b7d3a52-6f21-4c4e-9a8e-2f0d1c3b4a59"


def holders(emulator: EmulatorProcess, product: str) -> list[str]:
    return sorted(emulator.admin.holders(product))


def writes(emulator: EmulatorProcess) -> list[dict[str, object]]:
    return [r for r in emulator.admin.requests() if r["method"] in ("POST", "DELETE")]


def test_exclusive_declaration_is_the_whole_set_of_holders(
    engine: Engine, emulator: EmulatorProcess, users: list[str], seats_project: Path
) -> None:
    """With 503s and 429s every few requests, which the provider retries: every step
    still ends with exactly these holders."""
    outsiders = users[10:15]
    emulator.admin.set_holders(IR, [users[0], *outsiders])
    emulator.admin.set_holders(ON_CALL, [users[20]])  # another product: never touched
    emulator.admin.add_fault(kind="status", status=503, every=4)
    emulator.admin.add_fault(kind="rate_limit", every=6, reset_seconds=1)
    with stack_in(engine, seats_project) as stack:
        connect(stack, emulator, batchSize=2)
        declare(stack, IR, users[0:3])
        stack.config({"exclusive": "true"})

        # Create removes exactly the undeclared holders (in batches of 2), keeps users[0].
        stack.up()
        assert holders(emulator, IR) == sorted(users[0:3])
        assert holders(emulator, ON_CALL) == [users[20]]
        outputs = stack.outputs()
        assert outputs["assigned_ids"] == sorted(users[0:3])
        assert outputs["unmanaged_ids"] == []

        # A seat given outside Pulumi: `pulumi preview --refresh` names who would lose it;
        # refresh records it, the next preview shows an update, up takes the seat back.
        emulator.admin.set_holders(IR, [*users[0:3], users[25]])
        preview = stack.preview("--refresh", "--diff")
        assert preview.changes.get("update") == 1
        assert users[25] in preview.stdout
        stack.refresh()
        assert stack.resource_outputs("seats")["unmanaged_ids"] == [users[25]]
        assert stack.outputs()["unmanaged_ids"] == []  # stack outputs change when it runs
        assert stack.preview().changes == {"same": 1, "update": 1}
        stack.up()
        assert holders(emulator, IR) == sorted(users[0:3])
        assert stack.resource_outputs("seats")["unmanaged_ids"] == []
        stack.preview("--expect-no-changes")

        # Turning exclusive off is an update, not a replacement, and touches no seat.
        stack.config({"exclusive": "false"})
        emulator.admin.clear_requests()
        assert stack.up().changes == {"same": 1, "update": 1}
        assert writes(emulator) == []
        assert all(fault["fired"] > 0 for fault in emulator.admin.faults())


def test_other_holders_are_not_recorded_without_exclusive(
    engine: Engine, emulator: EmulatorProcess, users: list[str], seats_project: Path
) -> None:
    emulator.admin.set_holders(IR, [users[10]])
    with stack_in(engine, seats_project) as stack:
        connect(stack, emulator)
        declare(stack, IR, users[0:2])
        stack.up()
        assert stack.outputs()["unmanaged_ids"] == []

        emulator.admin.set_holders(IR, [*users[0:2], users[10], users[11]])
        stack.refresh()
        # The state holds the declaration only; others' seats are no diff, and up writes nothing.
        assert stack.resource_outputs("seats")["unmanaged_ids"] == []
        stack.preview("--expect-no-changes")
        emulator.admin.clear_requests()
        assert stack.up().changes == {"same": 2}
        assert writes(emulator) == []
        assert holders(emulator, IR) == sorted([*users[0:2], users[10], users[11]])


def test_who_holds_a_seat_no_program_declares_and_when_the_stack_output_says_so(
    engine: Engine, emulator: EmulatorProcess, users: list[str], tmp_path: Path
) -> None:
    """examples/teams exports `<product>_undeclared` from get_seat_holders. A refresh
    updates resource state, not stack outputs: those change when the program runs.
    With 503s and 429s every few requests, which the lookups and listings retry."""
    project = copy_project(ROOT / "examples" / "teams", tmp_path, venv="venv")
    emulator.admin.set_holders(IR, [users[10]])
    emulator.admin.add_fault(kind="status", status=503, every=3)
    emulator.admin.add_fault(kind="rate_limit", every=5, reset_seconds=1)
    with stack_in(engine, project) as stack:
        connect(stack, emulator)
        stack.config({"teams": {IR: emails_of(emulator, users[0:2])}})
        stack.up()
        assert stack.outputs()[f"{IR}_undeclared"] == [users[10]]
        assert stack.resource_outputs(IR)["unmanaged_ids"] == []

        # Someone is given a seat in Datadog. A refresh changes no stack output...
        emulator.admin.set_holders(IR, [*users[0:2], users[10], users[11]])
        stack.refresh()
        assert stack.outputs()[f"{IR}_undeclared"] == [users[10]]
        # ...a preview shows the current value, without recording it...
        preview = stack.preview("--diff")
        assert users[11] in preview.stdout and preview.changes.get("update", 0) == 0
        assert stack.outputs()[f"{IR}_undeclared"] == [users[10]]
        # ...and `pulumi refresh --run-program` (or `pulumi up`) records it.
        stack.refresh("--run-program")
        assert stack.outputs()[f"{IR}_undeclared"] == sorted(users[10:12])
        emulator.admin.set_holders(IR, [*users[0:2], users[11]])
        emulator.admin.clear_requests()
        stack.up()
        assert stack.outputs()[f"{IR}_undeclared"] == [users[11]]
        assert writes(emulator) == []
        assert all(fault["fired"] > 0 for fault in emulator.admin.faults())


@pytest.mark.parametrize("failure", ["unknown-user", "capacity"])
def test_a_failed_exclusive_run_leaves_every_seat_as_it_was(
    failure: str, engine: Engine, emulator: EmulatorProcess, users: list[str], seats_project: Path
) -> None:
    before = sorted([users[0], *users[10:14]])
    emulator.admin.set_holders(IR, before)
    declared = [users[0], users[1], users[2]]
    if failure == "unknown-user":
        emulator.admin.configure(unknown_users="reject")
        declared.append(STRANGER)
    else:
        # Room for the declaration only once the outsiders are gone... and then not even.
        emulator.admin.configure(capacity={IR: 5}, over_capacity="reject")
        declared = users[0:7]
    with stack_in(engine, seats_project) as stack:
        connect(stack, emulator, batchSize=2)
        declare(stack, IR, declared)
        stack.config({"exclusive": "true"})
        result = stack.up(check=False)
        assert result.returncode != 0
        # The outsiders unassigned first got their seats back: nothing changed.
        assert holders(emulator, IR) == before
        assert any(r["method"] == "DELETE" for r in writes(emulator))  # they were removed...
        if failure == "unknown-user":
            assert STRANGER in result.text

        # A failed update too: from a converged exclusive state, add a bad user.
        emulator.admin.configure(capacity={}, unknown_users="reject")
        declare(stack, IR, users[0:2])
        stack.up()
        emulator.admin.set_holders(IR, [*users[0:2], users[15]])
        declare(stack, IR, [*users[0:2], STRANGER])
        result = stack.up(check=False)
        assert result.returncode != 0 and STRANGER in result.text
        assert holders(emulator, IR) == sorted([*users[0:2], users[15]])


@pytest.mark.parametrize("front_end", ["python", "yaml"])
@pytest.mark.parametrize("same_users", [False, True], ids=["other users", "same users"])
def test_two_exclusive_assignments_of_one_product_fail_before_any_write(
    front_end: str,
    same_users: bool,
    engine: Engine,
    emulator: EmulatorProcess,
    users: list[str],
    tmp_path: Path,
) -> None:
    # One rule in every front end: at most one exclusive SeatAssignment per product, even
    # when two declare the same users.
    emulator.admin.set_holders(IR, [users[10]])
    second_users = users[0:2] if same_users else users[2:4]
    if front_end == "python":
        project = copy_project(PROJECTS / "pair", tmp_path)
        env: dict[str, str] = {}
    else:
        project = copy_project(PROJECTS / "plugin-pair", tmp_path)
        env = env_with_plugin_on_path(engine)
    with stack_in(engine, project, env) as stack:
        if front_end == "python":
            connect(stack, emulator)
            stack.config(
                {
                    "first": {"product": IR, "users": users[0:2], "exclusive": True},
                    "second": {"product": IR, "users": second_users, "exclusive": True},
                }
            )
        else:
            connect_plugin(stack, emulator)
            set_config(stack, productCode=IR, firstUsers=users[0:2], secondUsers=second_users)
        # `pulumi up` as users type it: the preview that comes first refuses them.
        up = stack.pulumi("up", "--yes", "--stack", stack.name, "--non-interactive", check=False)
        for result in (stack.preview(check=False), up):
            assert result.returncode != 0
            assert "exclusive" in result.text and "'first'" in result.text
            assert "'second'" in result.text
        assert writes(emulator) == []
        assert holders(emulator, IR) == [users[10]]
