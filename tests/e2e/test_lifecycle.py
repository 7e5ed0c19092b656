"""SeatAssignment's whole lifecycle through the real `pulumi` CLI against the emulator.

Each test runs `pulumi` in a copy of tests/e2e/projects/seats, whose declaration comes
from stack config: a test edits it with `pulumi config set` between runs. Assertions read
the emulator's seat holders and request log, not the program's output.
The whole lifecycle and the unknown users run under both readings of each question the
API reference leaves open (assigned_ids lists every holder or only new ones; unknown users
skipped or rejected; unassigning a non-holder accepted or refused), the second with the
emulator injecting 429s and 503s every few requests; the other scenarios under one
reading each, taking turns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import connect, declare
from .harness import EmulatorProcess, Engine, Stack, stack_in

IR, ON_CALL = "incident_response", "on_call"
SEATS_TYPE = "pulumi-python:dynamic/datadog-seats:SeatAssignment"

#: Two runs cover each reading of each open question once (all four combinations, with
#: and without faults, run in the emulator tier: tests/emulator/test_invariants.py draws
#: them at random, and tests/unit/test_reconcile.py runs each).
MODES: dict[str, dict[str, Any]] = {
    "all-holders/skip-unknown": {"assigned_ids": "all", "unknown_users": "skip"},
    "new-only/reject-unknown/faults": {
        "assigned_ids": "new",
        "unknown_users": "reject",
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
    mode: str, engine: Engine, emulator: EmulatorProcess, users: list[str], seats_project: Path
) -> None:
    apply_mode(emulator, mode)
    outsider = users[20]  # holds a seat outside Pulumi: must never be touched
    emulator.admin.set_holders(IR, [outsider])

    with stack_in(engine, seats_project) as stack:
        connect(stack, emulator)
        declare(stack, IR, users[0:3])

        # 1. up assigns exactly the declared users; outputs match.
        stack.up()
        assert holders(emulator, IR) == sorted([*users[0:3], outsider])
        outputs = stack.outputs()
        assert outputs["assigned_ids"] == sorted(users[0:3])
        assert outputs["user_uuids"] == sorted(users[0:3])
        assert stack.may_hold_resources()  # the harness reads the local backend's file

        # 2. preview right after: no changes, and not one request to the API.
        emulator.admin.clear_requests()
        stack.preview("--expect-no-changes")
        assert emulator.admin.requests() == []

        # 3. Reordered, upper-cased, duplicated: still no change, no write.
        declare(stack, IR, [users[2].upper(), users[0], users[1], users[0]])
        stack.preview("--expect-no-changes")
        assert emulator.admin.requests() == []
        assert stack.up().changes == {"same": 2}
        assert writes(emulator) == set()

        # 4. Adding one user assigns that one only; removing one unassigns that one only.
        declare(stack, IR, users[0:4])
        emulator.admin.clear_requests()
        stack.up()
        assert writes(emulator) == {("POST", (users[3],))}
        assert holders(emulator, IR) == sorted([*users[0:4], outsider])

        declare(stack, IR, users[1:4])
        emulator.admin.clear_requests()
        stack.up()
        assert writes(emulator) == {("DELETE", (users[0],))}
        assert holders(emulator, IR) == sorted([*users[1:4], outsider])

        # 5. A new product code replaces: the seats move, the outsider stays.
        declare(stack, ON_CALL, users[1:4])
        assert stack.up().changes == {"same": 1, "replace": 1}
        assert holders(emulator, ON_CALL) == sorted(users[1:4])
        assert holders(emulator, IR) == [outsider]

        # 6. A seat removed outside Pulumi: refresh notices, preview shows it, up restores it.
        emulator.admin.set_holders(ON_CALL, users[2:4])
        stack.refresh()
        assert stack.preview().changes == {"same": 1, "update": 1}
        stack.up()
        assert holders(emulator, ON_CALL) == sorted(users[1:4])
        stack.preview("--expect-no-changes")

        # 9. destroy gives every declared seat back, and only those.
        stack.destroy()
        assert not stack.may_hold_resources()
        assert holders(emulator, ON_CALL) == []
        assert holders(emulator, IR) == [outsider]
        assert_faults_fired(emulator, mode)


@pytest.mark.parametrize("mode", ["new-only/reject-unknown/faults"])
def test_refresh_when_every_seat_was_removed_outside_pulumi(
    mode: str, engine: Engine, emulator: EmulatorProcess, users: list[str], seats_project: Path
) -> None:
    apply_mode(emulator, mode)
    with stack_in(engine, seats_project) as stack:
        connect(stack, emulator)
        declare(stack, IR, users[0:2])
        stack.up()
        emulator.admin.set_holders(IR, [])
        stack.refresh()
        # The resource is gone from the state, so the next up creates it again.
        assert stack.preview().changes == {"same": 1, "create": 1}
        stack.up()
        assert holders(emulator, IR) == sorted(users[0:2])


def failing_up(stack: Stack) -> str:
    """Run an up that must fail; return what it printed."""
    result = stack.up(check=False)
    assert result.returncode != 0, result.text
    return result.text


@pytest.mark.parametrize("mode", list(MODES))
def test_unknown_users_fail_cleanly(
    mode: str, engine: Engine, emulator: EmulatorProcess, users: list[str], seats_project: Path
) -> None:
    apply_mode(emulator, mode)
    emulator.admin.set_holders(IR, [users[5]])
    stranger = "0b7d3a52-6f21-4c4e-9a8e-2f0d1c3b4a59"
    with stack_in(engine, seats_project) as stack:
        connect(stack, emulator)
        declare(stack, IR, [users[0], users[5], stranger])
        message = failing_up(stack)
        assert stranger in message
        # Nothing left behind, and the seat held before Pulumi came is still held.
        assert holders(emulator, IR) == [users[5]]

        # A failed update also leaves the seats as they were: users[1], unassigned first
        # to make room, gets the seat back.
        declare(stack, IR, [users[0], users[1]])
        stack.up()
        declare(stack, IR, [users[0], users[2], stranger])
        message = failing_up(stack)
        assert stranger in message
        assert holders(emulator, IR) == sorted([users[0], users[1], users[5]])
        # Once the declaration is fixed, the next up converges.
        declare(stack, IR, [users[0], users[2]])
        stack.up()
        assert holders(emulator, IR) == sorted([users[0], users[2], users[5]])


@pytest.mark.parametrize(
    ("mode", "over_capacity"),
    [("all-holders/skip-unknown", "reject"), ("new-only/reject-unknown/faults", "partial")],
)
def test_over_capacity_fails_cleanly(
    mode: str,
    over_capacity: str,
    engine: Engine,
    emulator: EmulatorProcess,
    users: list[str],
    seats_project: Path,
) -> None:
    apply_mode(emulator, mode)
    emulator.admin.configure(capacity={IR: 3}, over_capacity=over_capacity)
    emulator.admin.set_holders(IR, [users[9]])
    with stack_in(engine, seats_project) as stack:
        # Small batches, so a partial assignment spans several requests.
        connect(stack, emulator, batchSize=2)
        declare(stack, IR, users[0:4])
        message = failing_up(stack)
        assert "not enough seats" in message or "no free" in message
        assert holders(emulator, IR) == [users[9]]


def test_unknown_product_code_fails_before_any_write(
    engine: Engine, emulator: EmulatorProcess, users: list[str], seats_project: Path
) -> None:
    with stack_in(engine, seats_project) as stack:
        connect(stack, emulator)
        declare(stack, "no_such_product", users[:2])
        message = failing_up(stack)
        assert "unknown product_code: no_such_product" in message
        assert "product code" in message  # the hint says what to check
        assert writes(emulator) == set()


def test_rate_limited_past_the_budget_says_when_to_retry(
    engine: Engine, emulator: EmulatorProcess, users: list[str], seats_project: Path
) -> None:
    emulator.admin.add_fault(kind="rate_limit", every=1, reset_seconds=120)
    with stack_in(engine, seats_project) as stack:
        connect(stack, emulator, retryBudgetSeconds=5)
        declare(stack, IR, users[:2])
        message = failing_up(stack)
        assert "429" in message and "120" in message and "retryBudgetSeconds" in message
        assert holders(emulator, IR) == []


def test_forced_replacement_keeps_the_seats(
    engine: Engine, emulator: EmulatorProcess, users: list[str], seats_project: Path
) -> None:
    """`pulumi up --replace` creates first: the new resource adopts the seats, and the old
    one's delete leaves alone the seats the new one declares."""
    with stack_in(engine, seats_project) as stack:
        connect(stack, emulator)
        declare(stack, IR, users[:3])
        stack.up()
        urn = f"urn:pulumi:{stack.name}::seats-e2e::{SEATS_TYPE}::seats"
        assert stack.up("--replace", urn).changes == {"same": 1, "replace": 1}
        assert holders(emulator, IR) == sorted(users[:3])
