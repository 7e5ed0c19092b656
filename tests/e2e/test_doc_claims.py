"""Claims of the guides that no other test runs, each through the commands the guide states.

Every test here is named by a `<!-- tested: ... -->` comment after the claims it checks,
in docs/known-limits.md, docs/api-calls.md, docs/two-stacks.md, docs/seats-as-a-budget.md
and the SeatAssignment page (tests/unit/test_docs.py keeps the names honest). The plugin's
warnings, under the resource, are checked in tests/e2e/test_installed_pulumi.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import (
    CANARY_API_KEY,
    CANARY_APP_KEY,
    SEEDED_USERS,
    connect_and_declare,
)
from .harness import PROJECTS, EmulatorProcess, Engine, Result, copy_project, stack_in

IR, ON_CALL = "incident_response", "on_call"


def listings(emulator: EmulatorProcess, product: str = IR) -> int:
    """The seat listings (GET, every page) of a product in the request log."""
    return sum(
        1
        for r in emulator.admin.requests()
        if r["method"] == "GET" and r["query"].get("product_code") == product
    )


def writes(emulator: EmulatorProcess) -> list[tuple[str, list[str]]]:
    """The seat writes that took effect: (method, user_uuids)."""
    return [
        (r["method"], sorted(r["body"]["data"]["attributes"]["user_uuids"]))
        for r in emulator.admin.requests()
        if r["method"] in ("POST", "DELETE") and r["status"] in (201, 204)
    ]


def holders(emulator: EmulatorProcess, product: str = IR) -> list[str]:
    return sorted(emulator.admin.holders(product))


def warnings(result: Result) -> list[str]:
    """The warnings a command printed: warning diagnostics, and the lines a provider wrote
    to its stderr as "warning: ..." (the dynamic provider's: the engine shows them too)."""
    return [message for _, message in result.warnings]


@pytest.fixture
def second_org() -> Iterator[EmulatorProcess]:
    """Another emulator (another Datadog site, say) with the same users and keys."""
    process = EmulatorProcess(CANARY_API_KEY, CANARY_APP_KEY, ["--users", str(SEEDED_USERS)])
    process.start()
    yield process
    process.stop()


def test_refresh_and_destroy_use_the_configuration_the_last_up_recorded(
    engine: Engine,
    emulator: EmulatorProcess,
    second_org: EmulatorProcess,
    users: list[str],
    seats_project: Path,
) -> None:
    """docs/known-limits.md: a refresh or destroy talks to the API URL (with the keys) of
    the last `pulumi up`; `pulumi up` and `pulumi refresh --run-program` record the
    current one."""
    first, second = emulator, second_org
    second.admin.set_holders(IR, users[0:2])  # the same seats at the other URL

    def asked() -> tuple[int, int]:
        """How many requests each emulator got since the last call."""
        counts = (len(first.admin.requests()), len(second.admin.requests()))
        first.admin.clear_requests()
        second.admin.clear_requests()
        return counts

    with stack_in(engine, seats_project) as stack:
        connect_and_declare(stack, first, IR, users[0:2])
        stack.up()
        asked()

        stack.config({"datadog:apiUrl": second.url})
        stack.refresh()
        assert asked() == (1, 0)  # the URL the last up recorded
        stack.preview("--refresh")
        assert asked() == (1, 0)
        assert stack.up("--refresh").changes == {"same": 2}
        assert asked() == (1, 0)  # its refresh too; the up itself changes no seat...
        stack.refresh()
        assert asked() == (0, 1)  # ...and records the new URL

        stack.config({"datadog:apiUrl": first.url})
        stack.refresh("--run-program")
        assert asked() == (1, 0)  # it runs the program: the current URL, recorded
        stack.config({"datadog:apiUrl": second.url})
        stack.destroy()
        assert holders(first) == [] and holders(second) == sorted(users[0:2])
        assert [method for method, _ in writes(first)] == ["DELETE"]
        assert second.admin.requests() == []


def test_api_calls_of_previews_and_refreshes_and_an_exclusive_stack_between_ups(
    engine: Engine, emulator: EmulatorProcess, users: list[str], seats_project: Path
) -> None:
    """docs/api-calls.md: what a preview, and a refresh with its preview, read; and
    docs/seats-as-a-budget.md: an exclusive SeatAssignment between ups, without refresh."""
    outsider, newcomer = users[5], users[6]
    emulator.admin.set_holders(IR, [outsider])
    with stack_in(engine, seats_project) as stack:
        connect_and_declare(stack, emulator, IR, users[0:2])
        emulator.admin.clear_requests()
        assert stack.preview().changes == {"create": 2}
        assert emulator.admin.requests() == []  # a create's preview reads nothing
        stack.up()

        # A plain refresh (with its preview) lists the product twice.
        emulator.admin.clear_requests()
        stack.pulumi("refresh", "--yes", "--stack", stack.name, "--non-interactive")
        assert listings(emulator) == 2 and writes(emulator) == []

        # A user removed: the preview names them and reads nothing.
        stack.config({"userUuids": json.dumps(users[0:1])})
        emulator.admin.clear_requests()
        preview = stack.preview()
        assert emulator.admin.requests() == []
        assert any(users[1] in m and "`pulumi up` unassigns" in m for m in warnings(preview))
        stack.config({"userUuids": json.dumps(users[0:2])})

        # Exclusive turned on: the preview lists the product once and names the outsider,
        # in a warning under the stack (the dynamic provider names no resource).
        stack.config({"exclusive": "true"})
        emulator.admin.clear_requests()
        preview = stack.preview()
        assert listings(emulator) == 1 and writes(emulator) == []
        (warning,) = [m for m in warnings(preview) if outsider in m]
        assert "`pulumi up` unassigns the 'incident_response' seat of 1 user(s)" in warning
        assert preview.shown_under(outsider).startswith("pulumi:pulumi:Stack (")
        stack.up()
        assert holders(emulator) == sorted(users[0:2])

        # Someone is given a seat since: with the declaration unchanged, a plain preview
        # and up compare with the state, read nothing and change no seat.
        emulator.admin.set_holders(IR, [*users[0:2], newcomer])
        emulator.admin.clear_requests()
        assert stack.preview().changes == {"same": 2}
        assert stack.up().changes == {"same": 2}
        assert emulator.admin.requests() == []
        assert newcomer in holders(emulator)

        # A replacement's preview lists the new product once (and names the old users).
        stack.config({"productCode": ON_CALL, "exclusive": "false"})
        emulator.admin.clear_requests()
        preview = stack.preview()
        assert preview.changes.get("replace") == 1
        assert (listings(emulator, ON_CALL), listings(emulator, IR)) == (1, 0)
        assert any(users[0] in m and users[1] in m for m in warnings(preview))
        assert writes(emulator) == []

        # destroy, with its preview, lists nothing.
        emulator.admin.clear_requests()
        stack.pulumi("destroy", "--yes", "--stack", stack.name, "--non-interactive")
        assert listings(emulator) == 0
        assert writes(emulator) == [("DELETE", sorted(users[0:2]))]


def test_seats_through_renames_shared_users_and_full_products(
    engine: Engine, emulator: EmulatorProcess, users: list[str], tmp_path: Path
) -> None:
    """docs/known-limits.md, docs/two-stacks.md and the SeatAssignment page: renames,
    updates, two resources declaring one user, `pulumi up --refresh`."""
    u = users
    project = copy_project(PROJECTS / "raw_inputs", tmp_path)

    def rows(**declared: list[str]) -> dict[str, Any]:
        return {
            "rows": {name: {"product_code": IR, "user_uuids": us} for name, us in declared.items()}
        }

    with stack_in(engine, project) as stack:
        stack.config({"datadog:apiUrl": emulator.url, **rows(a=u[0:2])})
        stack.config({"datadog:apiKey": emulator.api_key, "datadog:appKey": emulator.app_key}, True)
        stack.up()

        # A rename without aliases: created anew and deleted in one up; no seat changes.
        stack.config(rows(b=u[0:2]))
        emulator.admin.clear_requests()
        assert stack.up().changes == {"same": 1, "create": 1, "delete": 1}
        assert writes(emulator) == [] and holders(emulator) == sorted(u[0:2])

        # An update gives a seat back to a declared user who lost it outside Pulumi.
        emulator.admin.set_holders(IR, [u[0]])
        stack.config(rows(b=[*u[0:2], u[2]]))
        stack.up()
        assert holders(emulator) == sorted(u[0:3])

        # Swapping users when every seat is taken: the removed one goes first.
        emulator.admin.configure(capacity={IR: 3})
        stack.config(rows(b=[*u[0:2], u[3]]))
        stack.up()
        assert holders(emulator) == sorted([*u[0:2], u[3]])
        emulator.admin.configure(capacity={})

        # Two resources of one product declaring one user: the one that stops declaring
        # it gives the seat back, though the other still declares it.
        stack.config(rows(b=[*u[0:2], u[3]], c=[u[0]]))
        stack.up()
        stack.config(rows(b=[*u[0:2], u[3]], c=[u[4]]))
        stack.up()
        assert u[0] not in holders(emulator)

        # `pulumi up --refresh`: the refresh records the loss, the up assigns it again.
        up = stack.up("--refresh")
        assert any(u[0] in m and "no longer hold a seat" in m for m in warnings(up))
        assert holders(emulator) == sorted([*u[0:2], u[3], u[4]])
