"""One holders listing per product per provider process, over real HTTP against the emulator.

A configured SeatAssignmentProvider stands for one provider process (`python -m
pulumi.dynamic`); a thread pool of four stands for the host serving four calls at once.
The emulator's request log counts what reached the API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from datadog_seats_emulator import SeatsEmulator, seed_users
from datadog_seats_emulator.control import EmulatorAdmin

from .conftest import SEATS_PATH, provider_for

IR = "incident_response"
T = TypeVar("T")
R = TypeVar("R")


def seat_requests(admin: EmulatorAdmin, method: str | None = None) -> list[dict[str, Any]]:
    """The logged Seats API requests (of one method), faults and retries included."""
    return [
        r
        for r in admin.requests()
        if r["path"] == SEATS_PATH and (method is None or r["method"] == method)
    ]


def listings(admin: EmulatorAdmin, product_code: str) -> int:
    """How many listings of the product began: answered first pages (no cursor)."""
    return sum(
        1
        for r in seat_requests(admin, "GET")
        if r["status"] == 200
        and r["query"].get("product_code") == product_code
        and not r["query"].get("page[cursor]")
    )


def answered(admin: EmulatorAdmin, method: str) -> list[dict[str, Any]]:
    """The requests of a method that Datadog carried out (2xx), without faults and retries."""
    return [r for r in seat_requests(admin, method) if r["status"] in (200, 201, 204)]


def in_parallel(call: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """As the dynamic-provider host does: four calls at once."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(call, items))


def props(users: list[str], **extra: Any) -> dict[str, Any]:
    return {"product_code": IR, "user_uuids": users, **extra}


def test_100_creates_over_900_holders_list_once_despite_faults(
    emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    users = [u["id"] for u in admin.set_users(1100)]
    outsiders, declared = users[:900], users[900:]
    admin.set_holders(IR, outsiders)
    admin.add_fault(kind="status", status=503, every=7)
    provider = provider_for(emulator)
    groups = [declared[i : i + 2] for i in range(0, 200, 2)]

    results = in_parallel(lambda g: provider.create(props(g)), groups)

    assert admin.holders(IR) == sorted(users)
    assert [r.outs["assigned_ids"] for r in results if r.outs] == [sorted(g) for g in groups]
    # One listing (9 pages of 100) and one POST per resource; the 503s were retried.
    assert listings(admin, IR) == 1
    assert len(answered(admin, "GET")) == 9
    assert len(answered(admin, "POST")) == 100
    assert seat_requests(admin, "DELETE") == []
    assert any(r["status"] == 503 for r in seat_requests(admin))
    # No resource records the 900 outsiders or the others' users: its state is its own.
    for result in results:
        assert result.outs is not None and result.outs["unmanaged_ids"] == []


def test_refresh_of_100_resources_is_one_listing(
    emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    users = [u["id"] for u in admin.set_users(1100)]
    admin.set_holders(IR, users)
    groups = [users[900 + i : 902 + i] for i in range(0, 200, 2)]
    outputs = [props(g, assigned_ids=g, exclusive=False, unmanaged_ids=[]) for g in groups]
    admin.set_holders(IR, [u for u in users if u != groups[5][0]])  # one seat lost outside
    admin.clear_requests()
    provider = provider_for(emulator)

    results = in_parallel(lambda outs: provider.read("id", outs), outputs)

    assert listings(admin, IR) == 1
    assert len(seat_requests(admin)) == 11  # 1099 holders, pages of 100
    assert results[5].inputs == props([groups[5][1]], exclusive=False)
    assert results[6].outs is not None and results[6].outs["unmanaged_ids"] == []


def test_one_process_keeps_its_view_true_through_creates_updates_and_deletes(
    emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    users = [u["id"] for u in admin.set_users(300)]
    admin.set_holders(IR, users[200:])  # 100 outsiders
    first = provider_for(emulator)
    kept = [users[i : i + 4] for i in range(0, 80, 4)]  # 20 resources
    in_parallel(lambda g: first.create(props(g)), kept)
    admin.clear_requests()

    # The next `pulumi up`: a new process deletes 5, updates 5 and creates 5, at once.
    provider = provider_for(emulator)
    deleted, updated, unchanged = kept[:5], kept[5:10], kept[10:]
    created = [users[i : i + 4] for i in range(80, 100, 4)]

    def operate(step: tuple[str, list[str]]) -> None:
        kind, group = step
        if kind == "delete":
            provider.delete("id", props(group))
        elif kind == "update":
            provider.update("id", props(group), props([group[0], users[100 + kept.index(group)]]))
        else:
            provider.create(props(group))

    steps = (
        [("delete", g) for g in deleted]
        + [("update", g) for g in updated]
        + [("create", g) for g in created]
    )
    in_parallel(operate, steps)

    # Reads in the same process answer from the view, and the view is the truth.
    # (Exclusive declarations, whose outputs show the holders outside them: reads claim nothing.)
    reads = in_parallel(
        lambda g: provider.read("id", props(g, exclusive=True)), unchanged + created
    )
    holders = set(admin.holders(IR))
    for result in reads:
        assert result.outs is not None
        assert sorted(holders - set(result.outs["user_uuids"])) == result.outs["unmanaged_ids"]
    assert holders.isdisjoint(u for g in deleted for u in g)
    assert listings(admin, IR) == 1


def test_an_assign_answer_that_leaves_someone_out_is_settled_by_reading_again(
    emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    users = [u["id"] for u in seed_users(50)]
    admin.configure(assigned_ids="new")
    admin.set_holders(IR, users[40:])
    provider = provider_for(emulator)
    provider.read("id", props(users[40:42]))  # the view is read here
    # users[0] gets a seat outside Pulumi: the view does not know it.
    admin.set_holders(IR, [users[0], *users[40:]])

    # Datadog answers "new only": users[0] is left out, so the view reads the API again.
    result = provider.create(props(users[:2]))
    assert result.outs is not None and result.outs["assigned_ids"] == sorted(users[:2])
    assert listings(admin, IR) == 2
    # The read-back refreshed the view: the next operation lists nothing.
    provider.create(props(users[2:4]))
    assert listings(admin, IR) == 2
    assert admin.holders(IR) == sorted([*users[:4], *users[40:]])


def test_an_unassign_refused_for_a_seat_lost_outside_reads_again(
    emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    users = [u["id"] for u in seed_users(50)]
    admin.configure(unassign_missing="reject")
    admin.set_holders(IR, users[:10])
    provider = provider_for(emulator)
    provider.read("id", props(users[:2]))  # the view: users[:10]
    admin.set_holders(IR, users[1:10])  # users[0] lost the seat outside Pulumi

    provider.delete("id", props(users[:2]))

    assert admin.holders(IR) == sorted(users[2:10])
    deletes = [r["status"] for r in seat_requests(admin, "DELETE")]
    assert deletes == [422, 204]
    assert listings(admin, IR) == 2
    result = provider.read("id", props(users[2:4], exclusive=True))
    assert result.outs is not None and result.outs["unmanaged_ids"] == sorted(users[4:10])
    assert listings(admin, IR) == 2
