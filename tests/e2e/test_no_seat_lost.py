"""No seat lost or taken unannounced, through the CLI, in both front ends.

One story per front end (a Python stack on the dynamic resource, a YAML stack on the
plugin), each step a change of the declaration as a user makes it. Before every `up`,
`pulumi preview` and `pulumi preview --diff` must name every user the `up` then
unassigns (read from the emulator's request log): an exclusive create, users removed,
exclusive turned on, a holder no program declares under an exclusive declaration, and a
replacement. A replacement to a product Datadog refuses, or whose seats it will not
give, fails with every seat of the old product in place.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import assert_no_key_shown, connect_and_declare
from .harness import PROJECTS, EmulatorProcess, Engine, Result, Stack, copy_project
from .plugin_fixtures import connect_plugin, env_with_plugin_on_path, holders, set_config

pytestmark = pytest.mark.e2e

IR, ON_CALL, REFUSED = "incident_response", "on_call", "billing_seats"


@dataclass
class Front:
    """One front end's stack, and how its users change the declaration."""

    stack: Stack
    declare: Callable[[str, list[str], bool], None]
    #: The name of the SeatAssignment in its program.
    resource: str


def python_front(engine: Engine, emulator: EmulatorProcess, tmp_path: Path) -> Front:
    stack = Stack(engine, copy_project(PROJECTS / "seats", tmp_path)).init()
    connect_and_declare(stack, emulator, IR, [])

    def declare(product: str, users: list[str], exclusive: bool) -> None:
        stack.config(
            {"productCode": product, "userUuids": json.dumps(users), "exclusive": exclusive}
        )

    return Front(stack, declare, "seats")


def yaml_front(engine: Engine, emulator: EmulatorProcess, tmp_path: Path) -> Front:
    project = copy_project(PROJECTS / "plugin-seats", tmp_path)
    stack = Stack(engine, project, env_with_plugin_on_path(engine)).init()
    connect_plugin(stack, emulator)

    def declare(product: str, users: list[str], exclusive: bool) -> None:
        set_config(stack, productCode=product, userUuids=users, exclusive=exclusive)

    return Front(stack, declare, "team")


@pytest.fixture(params=["python", "yaml"])
def front(
    request: pytest.FixtureRequest, engine: Engine, emulator: EmulatorProcess, tmp_path: Path
) -> Iterator[Front]:
    make = python_front if request.param == "python" else yaml_front
    front = make(engine, emulator, tmp_path)
    try:
        yield front
    finally:
        front.stack.destroy(check=False)
        front.stack.remove()


def announced(result: Result, users: list[str]) -> set[str]:
    """The users a command's warnings say `pulumi up` unassigns."""
    lines = [line for line in result.text.splitlines() if "`pulumi up`" in line]
    return {u for u in users if any(u in line for line in lines)}


def unassigned(emulator: EmulatorProcess) -> set[str]:
    """The users whose seat a DELETE took since the request log was last cleared."""
    return {
        u
        for r in emulator.admin.requests()
        if r["method"] == "DELETE" and r["status"] == 204
        for u in r["body"]["data"]["attributes"]["user_uuids"]
    }


def writes(emulator: EmulatorProcess) -> list[tuple[str, str]]:
    """The seat writes that took effect, in order: (method, product)."""
    return [
        (r["method"], r["body"]["data"]["attributes"]["product_code"])
        for r in emulator.admin.requests()
        if r["method"] in ("POST", "DELETE") and r["status"] in (201, 204)
    ]


def previewed_then_done(front: Front, emulator: EmulatorProcess, users: list[str]) -> set[str]:
    """Both previews name exactly whom the `up` that follows unassigns; returns them."""
    plain = announced(front.stack.preview(), users)
    with_diff = announced(front.stack.preview("--diff"), users)
    emulator.admin.clear_requests()
    up = front.stack.up()
    taken = unassigned(emulator)
    assert plain == with_diff == taken, (plain, with_diff, taken)
    # The up's own output says it again.
    assert announced(up, users) == taken
    return taken


def test_every_seat_an_up_takes_is_named_first_and_a_refused_replacement_takes_none(
    front: Front, emulator: EmulatorProcess, users: list[str]
) -> None:
    u = users
    emulator.admin.set_holders(IR, [u[8]])

    # An exclusive create takes the seat of every holder it does not declare.
    front.declare(IR, u[:3], True)
    assert previewed_then_done(front, emulator, u) == {u[8]}
    assert holders(emulator, IR) == sorted(u[:3])

    # Users removed from the declaration.
    front.declare(IR, u[:2], False)
    assert previewed_then_done(front, emulator, u) == {u[2]}

    # Exclusive turned on over holders nobody declares (they got seats in Datadog).
    emulator.admin.set_holders(IR, [*u[:2], u[5], u[6]])
    front.declare(IR, u[:2], True)
    assert previewed_then_done(front, emulator, u) == {u[5], u[6]}

    # A holder no program declares, under an exclusive declaration that changes.
    emulator.admin.set_holders(IR, [*u[:2], u[7]])
    front.declare(IR, [*u[:2], u[3]], True)
    assert previewed_then_done(front, emulator, u) == {u[7]}
    declared = sorted([*u[:2], u[3]])
    assert holders(emulator, IR) == declared

    # A new product Datadog refuses: the preview says so, the up fails, no seat moves.
    front.declare(REFUSED, declared, False)
    emulator.admin.clear_requests()
    for result in (front.stack.preview(check=False), front.stack.up(check=False)):
        assert result.returncode != 0
        assert "422" in result.text and REFUSED in result.text
    assert writes(emulator) == []
    assert holders(emulator, IR) == declared

    # A new product whose seats Datadog will not give (none left): the same.
    emulator.admin.configure(capacity={ON_CALL: 1})
    front.declare(ON_CALL, declared, False)
    failed = front.stack.up(check=False)
    assert failed.returncode != 0 and "No seat was assigned" in failed.text
    assert holders(emulator, IR) == declared and holders(emulator, ON_CALL) == []
    assert [method for method, _ in writes(emulator)] == []

    # With seats to give, the replacement assigns the new product first, then gives
    # back the old one's: and the previews named those users.
    emulator.admin.configure(capacity={})
    assert previewed_then_done(front, emulator, u) == set(declared)
    assert writes(emulator) == [("POST", ON_CALL), ("DELETE", IR)]
    assert holders(emulator, IR) == [] and holders(emulator, ON_CALL) == declared

    # `pulumi up --replace` of the same product keeps every seat: nothing is unassigned.
    urn = next(
        r["urn"]
        for r in front.stack.state()["resources"]
        if r["urn"].endswith(f"::{front.resource}") and "SeatAssignment" in r["urn"]
    )
    emulator.admin.clear_requests()
    replaced = front.stack.up("--replace", urn)
    assert replaced.changes.get("replace") == 1, replaced.changes
    assert [method for method, _ in writes(emulator)] == []
    assert holders(emulator, ON_CALL) == declared
    front.stack.preview("--expect-no-changes")
    assert_no_key_shown(*front.stack.output)
