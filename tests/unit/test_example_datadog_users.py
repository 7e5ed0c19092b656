"""examples/datadog-users wired with the real pulumi_datadog package, under set_mocks.

The example cannot run offline (pulumi-datadog's provider plugin is not installable
here), so this checks its wiring only: the users and team memberships that
pulumi-datadog creates feed `user_uuids`, and each SeatAssignment waits for them.
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime
import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "datadog-users" / "__main__.py"
SEATS_TYPE = "pulumi-python:dynamic/datadog-seats:SeatAssignment"


class DatadogMocks(pulumi.runtime.Mocks):
    """Gives each datadog:index:User a UUID-like id and echoes inputs as outputs."""

    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        outputs = dict(args.inputs)
        if args.typ == SEATS_TYPE:
            outputs["assigned_ids"] = sorted(args.inputs["user_uuids"])
        return f"id-of-{args.typ.rsplit(':', 1)[-1]}-{args.name}", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


@pytest.fixture
def mocks() -> DatadogMocks:
    recording = DatadogMocks()
    pulumi.runtime.set_mocks(recording, project="seats-datadog-users", stack="unit", preview=False)
    return recording


def test_datadog_users_and_team_memberships_feed_the_seats(mocks: DatadogMocks) -> None:
    @pulumi.runtime.test
    def program():  # untyped: pulumi.runtime.test is an untyped decorator
        runpy.run_path(str(EXAMPLE), run_name="__main__")

    program()
    by_type: dict[str, dict[str, pulumi.runtime.MockResourceArgs]] = {}
    for args in mocks.resources:
        by_type.setdefault(args.typ, {})[args.name] = args
    assert set(by_type["datadog:index/user:User"]) == {"alice", "bob", "carol"}
    assert set(by_type["datadog:index/team:Team"]) == {"responders"}
    memberships = by_type["datadog:index/teamMembership:TeamMembership"]
    assert set(memberships) == {"responders-alice", "responders-bob"}
    for name, args in memberships.items():
        assert args.inputs["userId"] == f"id-of-User-{name.removeprefix('responders-')}"
        assert args.inputs["teamId"] == "id-of-Team-responders"

    seats = by_type[SEATS_TYPE]
    assert set(seats) == {"responders", "on-call"}
    # The team members' ids (from the memberships' outputs), and every user's id.
    assert sorted(seats["responders"].inputs["user_uuids"]) == [
        "id-of-User-alice",
        "id-of-User-bob",
    ]
    assert seats["responders"].inputs["product_code"] == "incident_response"
    assert sorted(seats["on-call"].inputs["user_uuids"]) == [
        "id-of-User-alice",
        "id-of-User-bob",
        "id-of-User-carol",
    ]
