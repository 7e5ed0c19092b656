"""`pulumi up` and `pulumi destroy` killed half way, then recovered as the runbook says.

The runbook: docs/interrupted-runs.md.

The emulator holds the 2nd write of a batched create, update or destroy open (a `delay`
fault); once it has arrived, SIGKILL goes to one of:

- ``cli``: the `pulumi` process alone (the same as SIGKILL to its process group: the
  engine starts its plugins in process groups of their own). The orphaned language host
  and dynamic provider live on, and the provider finishes the operation; the state keeps
  a lock and a pending operation.
- ``provider``: the dynamic provider process (`python -u -m pulumi.dynamic`). The CLI
  reports the failure and exits; the operation stopped half way, the state never heard
  of the seats it assigned.
- ``everything``: the CLI and every process it started, as when the machine goes away:
  half way, and a lock and a pending operation.

Then the recovery of docs/interrupted-runs.md (see `recover`), and the promise: the holders are the
declaration plus the users Pulumi never declared, untouched; the state declares exactly
the users who hold a seat; no pending operation is left.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.waiting import wait_until

from .conftest import assert_no_key_shown, connect_and_declare, declare
from .harness import (
    DYNAMIC_PROVIDER_COMMAND,
    EmulatorProcess,
    Engine,
    Result,
    RunningCommand,
    Stack,
    stack_removed_after,
)

IR = "incident_response"
SEATS_TYPE = "pulumi-python:dynamic/datadog-seats:SeatAssignment"
#: How long the emulator holds the write the kill lands in; it then completes it anyway.
DELAY_SECONDS = 3.0
LOCKED = "the stack is currently locked"
PENDING = {"create": "creating", "update": "updating", "destroy": "deleting"}


def recover(stack: Stack, command: str) -> tuple[bool, list[Result]]:
    """docs/interrupted-runs.md, "When a run is interrupted", step by step, as a user types it.

    1. `pulumi refresh --yes --clear-pending-creates`; if it answers that the stack is
       locked (the killed CLI's lock: no other pulumi runs), `pulumi cancel --yes` and
       step 1 again.
    2. The interrupted command again (`pulumi up` or `pulumi destroy`), same declaration.

    Returns whether the stack was locked, and the results of the steps.
    """
    results = [stack.refresh("--clear-pending-creates", check=False)]
    locked = results[0].returncode != 0
    if locked:
        assert LOCKED in results[0].text and "pulumi cancel" in results[0].text, results[0].text
        results.append(stack.pulumi("cancel", "--yes", "--stack", stack.name, "--non-interactive"))
        results.append(stack.refresh("--clear-pending-creates"))
    results.append(stack.destroy() if command == "destroy" else stack.up())
    return locked, results


def writes(emulator: EmulatorProcess) -> list[tuple[str, set[str]]]:
    """The seat writes that took effect, in order: (method, user_uuids)."""
    return [
        (r["method"], set(r["body"]["data"]["attributes"]["user_uuids"]))
        for r in emulator.admin.requests()
        if r["method"] in ("POST", "DELETE") and r["status"] in (201, 204)
    ]


def holders(emulator: EmulatorProcess) -> set[str]:
    return set(emulator.admin.holders(IR))


def declared_in_state(state: dict[str, Any]) -> set[str]:
    """The users the state's SeatAssignments declare (their `user_uuids` outputs)."""
    return {
        user
        for resource in state.get("resources") or []
        if resource["type"] == SEATS_TYPE
        for user in resource["outputs"]["user_uuids"]
    }


def pending(state: dict[str, Any]) -> list[str]:
    return [op["type"] for op in state.get("pending_operations") or []]


def kill(run: RunningCommand, target: str) -> None:
    if target == "cli":
        run.kill()
    elif target == "provider":
        run.kill_provider()
    else:
        run.kill_everything()


#: Each operation under a killed CLI and a killed provider; the create, whose recovery
#: needs the most (a lock, a pending create, seats the state never heard of), also when
#: everything dies at once.
SCENARIOS = [
    ("create", "cli"),
    ("create", "provider"),
    ("create", "everything"),
    ("update", "cli"),
    ("update", "provider"),
    ("destroy", "cli"),
    ("destroy", "provider"),
]


@pytest.mark.parametrize(("operation", "target"), SCENARIOS)
def test_killed_half_way_then_recovered(
    operation: str,
    target: str,
    engine: Engine,
    emulator: EmulatorProcess,
    users: list[str],
    seats_project: Path,
) -> None:
    outsider = users[20]  # holds a seat outside Pulumi: never touched
    emulator.admin.set_holders(IR, [outsider])
    # Batches of 2: the create and the update write 3 batches, the destroy 3 as well.
    before, goal = {
        "create": (set(), set(users[0:6])),
        "update": (set(users[0:4]), set(users[2:10])),
        "destroy": (set(users[0:6]), set()),
    }[operation]
    command = "destroy" if operation == "destroy" else "up"
    method = "DELETE" if operation == "destroy" else "POST"

    with stack_removed_after(engine, seats_project) as stack:
        connect_and_declare(stack, emulator, IR, sorted(before or goal), batchSize=2)
        if before:
            stack.up()
            assert holders(emulator) == before | {outsider}
            if goal:
                declare(stack, IR, sorted(goal))
        emulator.admin.clear_requests()
        emulator.admin.add_fault(kind="delay", delay_seconds=DELAY_SECONDS, nth=2, methods=[method])

        with stack.start(command, "--yes", "--skip-preview") as run:
            # The fault counts a request when it arrives; the log records it once answered.
            wait_until(
                lambda: emulator.admin.faults()[0]["fired"] == 1,
                60,
                f"the 2nd {method} arrived",
            )
            kill(run, target)
            killed = run.wait()
            assert killed.returncode != 0, killed.text
            # The write held open lands all the same: the kill did not reach the API.
            wait_until(
                lambda: sum(m == method for m, _ in writes(emulator)) >= 2,
                DELAY_SECONDS + 30,
                f"the held {method} was answered",
            )
            if target == "cli":
                # The orphaned provider finishes the whole operation; nobody waits for it.
                assert DYNAMIC_PROVIDER_COMMAND in " ".join(run.orphans().values())
                wait_until(
                    lambda: holders(emulator) == goal | {outsider},
                    60,
                    "the orphaned provider finished the operation",
                )
            else:
                # Half way: more than nothing done, less than everything.
                assert not any(DYNAMIC_PROVIDER_COMMAND in c for c in run.orphans().values())
                now = holders(emulator)
                assert now not in (before | {outsider}, goal | {outsider})
                assert now == apply_writes(before | {outsider}, writes(emulator))

        state = stack.state()
        expect_pending = [] if target == "provider" else [PENDING[operation]]
        assert pending(state) == expect_pending
        if target == "provider":
            assert "error reading from server: EOF" in killed.text

        assert all(outsider not in written for _, written in writes(emulator))
        emulator.admin.clear_faults()
        emulator.admin.clear_requests()
        interrupted_at = holders(emulator)
        locked, steps = recover(stack, command)
        # The lock is left by a killed CLI only, and recovery never needs more than it says.
        assert locked == (target != "provider")

        # The promise: holders are the declaration plus the outsider, the state declares
        # exactly the users who hold a seat, nothing is pending.
        assert holders(emulator) == goal | {outsider}
        exported = stack.export()
        state = json.loads(exported)["deployment"]
        assert pending(state) == []
        assert declared_in_state(state) == goal
        assert holders(emulator) - {outsider} == declared_in_state(state)
        # Recovery wrote only what was missing, and only to declared users.
        for written_method, written in writes(emulator):
            assert written <= (goal if written_method == "POST" else interrupted_at - goal)
            assert outsider not in written
        assert_no_key_shown(*stack.output, exported, *(s.text for s in steps))


def apply_writes(start: set[str], done: list[tuple[str, set[str]]]) -> set[str]:
    """The holders after ``done`` (the request log's writes) applied to ``start``."""
    result = set(start)
    for method, users in done:
        result = result | users if method == "POST" else result - users
    return result
