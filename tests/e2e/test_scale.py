"""API calls of whole engine operations over many SeatAssignments, through the real CLI.

One provider process serves every SeatAssignment of a `pulumi up`, `refresh` or
`destroy`; it lists each product's holders once for all of them. These tests count the
requests in the emulator's log and assert them exactly: one listing per product per
operation (`ceil(holders / pageSize)` GETs, taken before anything is assigned) plus the
writes, and no listing at all for `destroy`. The project is bench/projects/seats_many,
which `make bench` measures too: one SeatAssignment per entry of a JSON file.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from .conftest import CANARY_API_KEY, CANARY_APP_KEY, connect
from .harness import ROOT, EmulatorProcess, Engine, Stack, copy_project, stack_in

IR, ON_CALL = "incident_response", "on_call"
ORG_USERS = 1000
BENCH_PROJECTS = ROOT / "bench" / "projects"


@pytest.fixture(scope="module")
def big_org() -> Iterator[EmulatorProcess]:
    """An emulator whose organization has 1,000 users (the session's has 30)."""
    process = EmulatorProcess(CANARY_API_KEY, CANARY_APP_KEY, ["--users", str(ORG_USERS)])
    process.start()
    yield process
    process.stop()


@pytest.fixture
def org(big_org: EmulatorProcess) -> EmulatorProcess:
    """The 1,000-user emulator, back to its startup state."""
    big_org.admin.reset()
    return big_org


@pytest.fixture
def org_users(org: EmulatorProcess) -> list[str]:
    return [u["id"] for u in org.admin.users()]


@pytest.fixture
def many_seats(tmp_path: Path) -> Path:
    """A private copy of bench/projects/seats_many."""
    return copy_project(BENCH_PROJECTS / "seats_many", tmp_path)


def declare(stack: Stack, entries: Sequence[Any]) -> None:
    """Write the program's declaration: one SeatAssignment per entry."""
    users_file = stack.project_dir / "users.json"
    users_file.write_text(json.dumps(list(entries)))
    stack.config({"productCode": IR, "usersFile": str(users_file)})


def product_of(request: dict[str, Any]) -> str:
    if request["method"] == "GET":
        return str(request["query"]["product_code"])
    return str(request["body"]["data"]["attributes"]["product_code"])


def users_of(request: dict[str, Any]) -> list[str]:
    return list(request["body"]["data"]["attributes"]["user_uuids"])


def calls(requests: list[dict[str, Any]]) -> Counter[str]:
    """Requests per method, retries included."""
    return Counter(r["method"] for r in requests)


def answered(requests: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    """Successful requests per (method, product): the calls without their failed attempts."""
    return Counter(
        (r["method"], product_of(r))
        for r in requests
        if isinstance(r["status"], int) and 200 <= r["status"] < 300
    )


def run(org: EmulatorProcess, command: Any) -> list[dict[str, Any]]:
    """Run one pulumi command; return the API requests it made."""
    org.admin.clear_requests()
    command()
    return org.admin.requests()


def test_one_listing_per_operation_for_100_resources_over_900_outsiders(
    engine: Engine, org: EmulatorProcess, org_users: list[str], many_seats: Path
) -> None:
    declared, outsiders = org_users[:100], org_users[100:]
    org.admin.set_holders(IR, outsiders)
    with stack_in(engine, many_seats) as stack:
        connect(stack, org)
        declare(stack, [[u] for u in declared])

        # up: the holders are listed once, before anything is assigned (900 holders:
        # 9 pages of 100), then one POST per resource.
        requests = run(org, stack.up)
        assert calls(requests) == {"GET": 9, "POST": 100}
        assert all(r["status"] in (200, 201) for r in requests)
        assert all(r["query"]["page[limit]"] == "100" for r in requests if r["method"] == "GET")
        posted = [users_of(r) for r in requests if r["method"] == "POST"]
        assert sorted(u for batch in posted for u in batch) == sorted(declared)
        assert sorted(org.admin.holders(IR)) == sorted(org_users)

        # refresh: one listing of the 1,000 holders for the 100 reads, nothing else.
        requests = run(org, stack.refresh)
        assert calls(requests) == {"GET": 10}

        # destroy: one DELETE per resource; unassigning needs no listing.
        requests = run(org, stack.destroy)
        assert calls(requests) == {"DELETE": 100}
        assert sorted(org.admin.holders(IR)) == sorted(outsiders)


def test_one_listing_per_product_with_faults(
    engine: Engine, org: EmulatorProcess, org_users: list[str], many_seats: Path
) -> None:
    """Two products, a resource of several batches, and a 503 on every 7th request."""
    ir_single, on_call_single = org_users[0:10], org_users[10:20]
    ir_big = org_users[20:270]
    ir_outsiders, on_call_outsiders = org_users[700:], org_users[550:700]
    org.admin.set_holders(IR, ir_outsiders)
    org.admin.set_holders(ON_CALL, on_call_outsiders)
    org.admin.add_fault(kind="status", status=503, every=7)
    entries: list[Any] = [[u] for u in ir_single]
    entries += [{"product_code": ON_CALL, "user_uuids": [u]} for u in on_call_single]
    entries.append(ir_big)

    def fired() -> int:
        return int(org.admin.faults()[0]["fired"])

    def check_failures_are_the_faults(requests: list[dict[str, Any]], before: int) -> None:
        failed = [r for r in requests if r["status"] not in (200, 201, 204)]
        assert all(r["status"] == 503 for r in failed)
        assert len(failed) == fired() - before

    with stack_in(engine, many_seats) as stack:
        connect(stack, org)
        declare(stack, entries)

        before = fired()
        requests = run(org, stack.up)
        assert sorted(org.admin.holders(IR)) == sorted([*ir_single, *ir_big, *ir_outsiders])
        assert sorted(org.admin.holders(ON_CALL)) == sorted([*on_call_single, *on_call_outsiders])
        # One listing per product (300 and 150 holders), one POST per resource and batch of
        # 100: exactly, once the failed attempts are set aside; every extra GET is a retry.
        assert answered(requests) == {
            ("GET", IR): 3,
            ("GET", ON_CALL): 2,
            ("POST", IR): 10 + 3,
            ("POST", ON_CALL): 10,
        }
        check_failures_are_the_faults(requests, before)
        assert calls(requests)["GET"] <= 3 + 2 + (fired() - before)

        before = fired()
        requests = run(org, stack.refresh)
        assert answered(requests) == {("GET", IR): 6, ("GET", ON_CALL): 2}  # 560 and 160
        check_failures_are_the_faults(requests, before)

        before = fired()
        requests = run(org, stack.destroy)
        assert answered(requests) == {("DELETE", IR): 10 + 3, ("DELETE", ON_CALL): 10}
        assert calls(requests)["GET"] == 0
        check_failures_are_the_faults(requests, before)
        assert sorted(org.admin.holders(IR)) == sorted(ir_outsiders)
        assert sorted(org.admin.holders(ON_CALL)) == sorted(on_call_outsiders)
        assert fired() > 0
