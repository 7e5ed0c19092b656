"""SeatAssignment's whole lifecycle through the real `pulumi` CLI against the emulator.

Assertions read the emulator's seat holders and request log, not the program's output.
Each scenario runs under both readings the API reference leaves open (assigned_ids lists
every holder or only new ones; unknown users skipped or rejected), and with the emulator
injecting 429s and 5xx answers every few requests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from .conftest import connect
from .harness import EmulatorProcess, Engine, StackRun, stack_run
from .programs import Declaration, seats_program

IR, ON_CALL = "incident_response", "on_call"
SEATS_TYPE = "pulumi-python:dynamic/datadog-seats:SeatAssignment"

MODES: dict[str, dict[str, Any]] = {
    "all-holders/skip-unknown": {"assigned_ids": "all", "unknown_users": "skip"},
    "new-only/reject-unknown": {
        "assigned_ids": "new",
        "unknown_users": "reject",
        "unassign_missing": "reject",
    },
    "all-holders/reject-unknown/faults": {"assigned_ids": "all", "unknown_users": "reject"},
    "new-only/skip-unknown/faults": {
        "assigned_ids": "new",
        "unknown_users": "skip",
        "unassign_missing": "reject",
    },
}


def apply_mode(emulator: EmulatorProcess, mode: str) -> None:
    admin = emulator.admin
    admin.configure(**MODES[mode])
    if mode.endswith("/faults"):
        admin.add_fault(kind="rate_limit", every=4, reset_seconds=1)
        admin.add_fault(kind="status", status=503, every=5)


def writes(emulator: EmulatorProcess) -> set[tuple[str, tuple[str, ...]]]:
    """The successful POSTs and DELETEs in the request log: (method, user_uuids)."""
    return {
        (r["method"], tuple(sorted(r["body"]["data"]["attributes"]["user_uuids"])))
        for r in emulator.admin.requests()
        if r["method"] in ("POST", "DELETE") and r["status"] in (201, 204)
    }


def assert_faults_fired(emulator: EmulatorProcess, mode: str) -> None:
    """In a faults mode, the run really went through injected 429s and 5xx answers."""
    if mode.endswith("/faults"):
        assert all(fault["fired"] > 0 for fault in emulator.admin.faults())


def holders(emulator: EmulatorProcess, product: str) -> list[str]:
    return sorted(emulator.admin.holders(product))


@pytest.mark.parametrize("mode", list(MODES))
def test_lifecycle(
    mode: str, engine: Engine, emulator: EmulatorProcess, users: list[str], project_dir: Path
) -> None:
    apply_mode(emulator, mode)
    outsider = users[20]  # holds a seat outside Pulumi: must never be touched
    emulator.admin.set_holders(IR, [outsider])
    declaration = Declaration(IR, users[0:3])

    with stack_run(engine, project_dir, seats_program(declaration)) as run:
        connect(run, emulator)

        # 1. up assigns exactly the declared users; outputs match.
        up = run.up()
        assert holders(emulator, IR) == sorted([*users[0:3], outsider])
        assert up.outputs["assigned_ids"].value == sorted(users[0:3])
        assert up.outputs["user_uuids"].value == sorted(users[0:3])

        # 2. preview right after: no changes, and not one request to the API.
        emulator.admin.clear_requests()
        run.preview(expect_no_changes=True)
        assert emulator.admin.requests() == []

        # 3. Reordered, upper-cased, duplicated: still no change, no write.
        declaration.user_uuids = [users[2].upper(), users[0], users[1], users[0]]
        run.preview(expect_no_changes=True)
        assert emulator.admin.requests() == []
        assert run.up().summary.resource_changes == {"same": 2}
        assert writes(emulator) == set()

        # 4. Adding one user assigns that one only; removing one unassigns that one only.
        declaration.user_uuids = users[0:4]
        emulator.admin.clear_requests()
        run.up()
        assert writes(emulator) == {("POST", (users[3],))}
        assert holders(emulator, IR) == sorted([*users[0:4], outsider])

        declaration.user_uuids = users[1:4]
        emulator.admin.clear_requests()
        run.up()
        assert writes(emulator) == {("DELETE", (users[0],))}
        assert holders(emulator, IR) == sorted([*users[1:4], outsider])

        # 5. A new product code replaces: the seats move, the outsider stays.
        declaration.product_code = ON_CALL
        up = run.up()
        assert up.summary.resource_changes == {"same": 1, "replace": 1}
        assert holders(emulator, ON_CALL) == sorted(users[1:4])
        assert holders(emulator, IR) == [outsider]

        # 6. A seat removed outside Pulumi: refresh notices, preview shows it, up restores it.
        emulator.admin.set_holders(ON_CALL, users[2:4])
        run.refresh()
        preview = run.preview()
        assert preview.change_summary.get(auto.OpType.UPDATE) == 1
        run.up()
        assert holders(emulator, ON_CALL) == sorted(users[1:4])
        run.preview(expect_no_changes=True)

        # 9. destroy gives every declared seat back, and only those.
        run.destroy()
        assert holders(emulator, ON_CALL) == []
        assert holders(emulator, IR) == [outsider]
        assert_faults_fired(emulator, mode)


@pytest.mark.parametrize("mode", list(MODES))
def test_refresh_when_every_seat_was_removed_outside_pulumi(
    mode: str, engine: Engine, emulator: EmulatorProcess, users: list[str], project_dir: Path
) -> None:
    apply_mode(emulator, mode)
    with stack_run(engine, project_dir, seats_program(Declaration(IR, users[0:2]))) as run:
        connect(run, emulator)
        run.up()
        emulator.admin.set_holders(IR, [])
        run.refresh()
        # The resource is gone from the state, so the next up creates it again.
        assert run.preview().change_summary.get(auto.OpType.CREATE) == 1
        run.up()
        assert holders(emulator, IR) == sorted(users[0:2])


def failing_up(run: StackRun) -> str:
    with pytest.raises(auto.CommandError) as failure:
        run.up()
    return str(failure.value)


@pytest.mark.parametrize("mode", list(MODES))
def test_unknown_users_fail_cleanly(
    mode: str, engine: Engine, emulator: EmulatorProcess, users: list[str], project_dir: Path
) -> None:
    apply_mode(emulator, mode)
    emulator.admin.set_holders(IR, [users[5]])
    stranger = "0b7d3a52-6f21-4c4e-9a8e-2f0d1c3b4a59"
    declaration = Declaration(IR, [users[0], users[5], stranger])
    with stack_run(engine, project_dir, seats_program(declaration)) as run:
        connect(run, emulator)
        message = failing_up(run)
        assert stranger in message
        # Nothing left behind, and the seat held before Pulumi came is still held.
        assert holders(emulator, IR) == [users[5]]

        # A failed update also leaves the seats as they were: users[1], unassigned first
        # to make room, gets the seat back.
        declaration.user_uuids = [users[0], users[1]]
        run.up()
        declaration.user_uuids = [users[0], users[2], stranger]
        message = failing_up(run)
        assert stranger in message
        assert holders(emulator, IR) == sorted([users[0], users[1], users[5]])
        # Once the declaration is fixed, the next up converges.
        declaration.user_uuids = [users[0], users[2]]
        run.up()
        assert holders(emulator, IR) == sorted([users[0], users[2], users[5]])


@pytest.mark.parametrize("over_capacity", ["reject", "partial"])
@pytest.mark.parametrize("mode", list(MODES))
def test_over_capacity_fails_cleanly(
    mode: str,
    over_capacity: str,
    engine: Engine,
    emulator: EmulatorProcess,
    users: list[str],
    project_dir: Path,
) -> None:
    apply_mode(emulator, mode)
    emulator.admin.configure(capacity={IR: 3}, over_capacity=over_capacity)
    emulator.admin.set_holders(IR, [users[9]])
    declaration = Declaration(IR, users[0:4])
    with stack_run(engine, project_dir, seats_program(declaration)) as run:
        # Small batches, so a partial assignment spans several requests.
        connect(run, emulator, batchSize="2")
        message = failing_up(run)
        assert "not enough seats" in message or "no free" in message
        assert holders(emulator, IR) == [users[9]]


def test_unknown_product_code_fails_before_any_write(
    engine: Engine, emulator: EmulatorProcess, users: list[str], project_dir: Path
) -> None:
    with stack_run(
        engine, project_dir, seats_program(Declaration("no_such_product", users[:2]))
    ) as run:
        connect(run, emulator)
        message = failing_up(run)
        assert "unknown product_code: no_such_product" in message
        assert "product code" in message  # the hint says what to check
        assert writes(emulator) == set()


def test_rate_limited_past_the_budget_says_when_to_retry(
    engine: Engine, emulator: EmulatorProcess, users: list[str], project_dir: Path
) -> None:
    emulator.admin.add_fault(kind="rate_limit", every=1, reset_seconds=120)
    with stack_run(engine, project_dir, seats_program(Declaration(IR, users[:2]))) as run:
        connect(run, emulator, retryBudgetSeconds="5")
        message = failing_up(run)
        assert "429" in message and "120" in message and "retryBudgetSeconds" in message
        assert holders(emulator, IR) == []


def test_forced_replacement_keeps_the_seats(
    engine: Engine, emulator: EmulatorProcess, users: list[str], project_dir: Path
) -> None:
    """`pulumi up --replace` deletes first: created first, the new resource would adopt the
    seats and the old one's delete would take them away."""
    with stack_run(engine, project_dir, seats_program(Declaration(IR, users[:3]))) as run:
        connect(run, emulator)
        run.up()
        urn = f"urn:pulumi:{run.stack_name}::seats-e2e::{SEATS_TYPE}::seats"
        up = run.up(replace=[urn])
        assert up.summary.resource_changes == {"same": 1, "replace": 1}
        assert holders(emulator, IR) == sorted(users[:3])
