"""Two stacks that assign seats of one product, through the real `pulumi` CLI.

Two copies of tests/e2e/projects/seats (as two teams' repositories), two stacks in one
backend, one emulator (one Datadog organization). Disjoint declarations run `up` and
`destroy` at the same time, with faults on, and must not disturb each other. Two stacks
that declare the same user: what actually happens, step by step.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .conftest import assert_no_key_shown, connect_and_declare
from .harness import (
    PROJECTS,
    EmulatorProcess,
    Engine,
    Result,
    Stack,
    copy_project,
    stack_removed_after,
)

IR = "incident_response"
SEATS_TYPE = "pulumi-python:dynamic/datadog-seats:SeatAssignment"


def writes(emulator: EmulatorProcess) -> list[tuple[str, set[str]]]:
    """The seat writes that took effect: (method, user_uuids)."""
    return [
        (r["method"], set(r["body"]["data"]["attributes"]["user_uuids"]))
        for r in emulator.admin.requests()
        if r["method"] in ("POST", "DELETE") and r["status"] in (201, 204)
    ]


def holders(emulator: EmulatorProcess) -> set[str]:
    return set(emulator.admin.holders(IR))


def seat_outputs(stack: Stack) -> list[dict[str, Any]]:
    """The outputs of the stack's SeatAssignments, from `pulumi stack export`."""
    state = stack.state()
    assert not state.get("pending_operations")
    return [r["outputs"] for r in state.get("resources") or [] if r["type"] == SEATS_TYPE]


def declared_in_state(stack: Stack) -> set[str]:
    """The users the stack's SeatAssignments declare, as the state records them."""
    return {user for outputs in seat_outputs(stack) for user in outputs["user_uuids"]}


def concurrently(*calls: Callable[[], Result]) -> list[tuple[float, float]]:
    """Run the calls in threads started together; each one's (start, end) time."""
    spans: list[tuple[float, float]] = [(0.0, 0.0)] * len(calls)
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(calls))

    def run(index: int, call: Callable[[], Result]) -> None:
        barrier.wait()
        start = time.monotonic()
        try:
            call()
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)
        spans[index] = (start, time.monotonic())

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return spans


def overlap(spans: list[tuple[float, float]]) -> bool:
    (a_start, a_end), (b_start, b_end) = spans
    return a_start < b_end and b_start < a_end


def test_disjoint_stacks_up_and_destroy_at_once_with_faults(
    engine: Engine, emulator: EmulatorProcess, users: list[str], tmp_path: Path
) -> None:
    emulator.admin.add_fault(kind="status", status=503, every=5)
    emulator.admin.add_fault(kind="rate_limit", every=7, reset_seconds=1)
    outsider = users[20]
    emulator.admin.set_holders(IR, [outsider])
    team_a, team_b = set(users[0:5]), set(users[5:10])
    project_a = copy_project(PROJECTS / "seats", tmp_path / "a")
    project_b = copy_project(PROJECTS / "seats", tmp_path / "b")

    with stack_removed_after(engine, project_a) as a, stack_removed_after(engine, project_b) as b:
        connect_and_declare(a, emulator, IR, sorted(team_a), batchSize=2)
        connect_and_declare(b, emulator, IR, sorted(team_b), batchSize=2)

        ups = concurrently(a.up, b.up)
        assert overlap(ups), ups
        assert holders(emulator) == team_a | team_b | {outsider}
        assert declared_in_state(a) == team_a
        assert declared_in_state(b) == team_b

        destroys = concurrently(a.destroy, b.destroy)
        assert overlap(destroys), destroys
        assert holders(emulator) == {outsider}
        assert declared_in_state(a) == declared_in_state(b) == set()

        # Every write named the users of one stack only, and never the outsider.
        done = writes(emulator)
        assert done
        for _method, written in done:
            assert written <= team_a or written <= team_b, written
        assert {u for m, w in done if m == "POST" for u in w} == team_a | team_b
        assert {u for m, w in done if m == "DELETE" for u in w} == team_a | team_b
        # The runs really went through injected 503s and 429s.
        assert all(fault["fired"] > 0 for fault in emulator.admin.faults())
        assert_no_key_shown(*a.output, *b.output, a.export(), b.export())


@dataclass
class SharedUserStory:
    """Stacks A and B both declare `shared`; B is destroyed; what A sees afterwards."""

    a_users: set[str]
    b_users: set[str]
    shared: str
    outsider: str
    steps: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="module")
def shared_user_story(
    engine: Engine, emulator_process: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SharedUserStory]:
    """Run the story once through the CLI, recording what each step did; the tests below
    check what it shows. A command that fails fails the tests."""
    emulator = emulator_process
    emulator.admin.reset()
    users = [u["id"] for u in emulator.admin.state()["users"]]
    story = SharedUserStory(
        a_users=set(users[0:2]), b_users={users[2]}, shared=users[3], outsider=users[20]
    )
    steps = story.steps
    emulator.admin.set_holders(IR, [story.outsider])
    base = tmp_path_factory.mktemp("shared")
    project_a = copy_project(PROJECTS / "seats", base / "a")
    project_b = copy_project(PROJECTS / "seats", base / "b")

    with stack_removed_after(engine, project_a) as a, stack_removed_after(engine, project_b) as b:
        connect_and_declare(a, emulator, IR, sorted(story.a_users | {story.shared}))
        connect_and_declare(b, emulator, IR, sorted(story.b_users | {story.shared}))
        a.up()
        emulator.admin.clear_requests()
        b.up()
        steps["b up: writes"] = writes(emulator)
        steps["b up: holders"] = holders(emulator)

        emulator.admin.clear_requests()
        b.destroy()
        steps["b destroy: writes"] = writes(emulator)
        steps["b destroy: holders"] = holders(emulator)

        steps["a preview without refresh"] = a.preview(check=False)
        steps["a refresh"] = a.refresh("--diff")
        steps["a state after refresh"] = declared_in_state(a)
        steps["a outputs after refresh"] = seat_outputs(a)
        steps["a preview after refresh"] = a.preview()
        emulator.admin.clear_requests()
        a.up()
        steps["a up: writes"] = writes(emulator)
        steps["a up: holders"] = holders(emulator)
        steps["a preview at the end"] = a.preview("--expect-no-changes", check=False)
        steps["output"] = [*a.output, *b.output, a.export(), b.export()]
    emulator.admin.reset()  # the stacks are removed, not destroyed: leave no seat behind
    yield story


def test_two_stacks_sharing_a_user_destroy_takes_the_seat_until_refresh_and_up(
    shared_user_story: SharedUserStory,
) -> None:
    """What happens today, step by step, when two stacks declare the same user."""
    story, steps = shared_user_story, shared_user_story.steps
    both = story.a_users | {story.shared}

    # B's up adopts the seat A assigned: it writes for its own other users only.
    assert steps["b up: writes"] == [("POST", story.b_users)]
    assert steps["b up: holders"] == both | story.b_users | {story.outsider}

    # B's destroy gives back every seat B declares, the shared one included: A's
    # declared user loses it. A's other users and the outsider keep theirs.
    assert steps["b destroy: writes"] == [("DELETE", story.b_users | {story.shared})]
    assert steps["b destroy: holders"] == story.a_users | {story.outsider}

    # A's preview (no refresh, no API call) does not know: no change.
    assert steps["a preview without refresh"].returncode == 0
    assert steps["a preview without refresh"].changes == {"same": 2}

    # A's refresh records the loss: the state no longer declares the shared user...
    assert steps["a refresh"].changes == {"same": 1, "update": 1}
    assert steps["a state after refresh"] == story.a_users
    [outputs] = steps["a outputs after refresh"]
    assert outputs["assigned_ids"] == sorted(story.a_users)
    # ...so the next preview shows an update, and A's up gives the seat back.
    assert steps["a preview after refresh"].changes == {"same": 1, "update": 1}
    assert steps["a up: writes"] == [("POST", {story.shared})]
    assert steps["a up: holders"] == both | {story.outsider}
    assert steps["a preview at the end"].returncode == 0
    assert_no_key_shown(*steps["output"])


def refresh_warnings(result: Result) -> list[str]:
    """What a refresh printed as a warning (see Result.warnings)."""
    return [message for _, message in result.warnings]


def test_refresh_warns_when_declared_users_lost_their_seat(
    shared_user_story: SharedUserStory,
) -> None:
    warnings = refresh_warnings(shared_user_story.steps["a refresh"])
    (warning,) = [w for w in warnings if shared_user_story.shared in w]
    assert "no longer hold a seat" in warning and "pulumi up" in warning
