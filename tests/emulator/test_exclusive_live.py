"""exclusive=True over real HTTP against the emulator: the declaration is every holder.

Every failure must leave every seat as it was, the outsiders' included.
"""

from __future__ import annotations

import pytest

from datadog_seats_emulator import SeatsEmulator, seed_users
from datadog_seats_emulator.control import EmulatorAdmin
from pulumi_datadog_seats.errors import ExclusiveClaimError, SeatAssignmentError

from .conftest import provider_for
from .test_holders_live import IR, answered, listings, props, seat_requests

USERS = [u["id"] for u in seed_users(50)]
#: Not a user of the organization; sorts last, so that earlier batches succeed first.
STRANGER = "ffffffff-ffff-4fff-bfff-ffffffffffff"


def unassigned_by_requests(admin: EmulatorAdmin) -> set[str]:
    return {
        u for r in answered(admin, "DELETE") for u in r["body"]["data"]["attributes"]["user_uuids"]
    }


def test_exclusive_create_removes_exactly_the_undeclared_holders(
    emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    users = [u["id"] for u in admin.set_users(1000)]
    outsiders, declared = users[:900], [*users[895:900], *users[900:905]]
    admin.set_holders(IR, outsiders)
    provider = provider_for(emulator)

    result = provider.create(props(declared, exclusive=True))

    assert admin.holders(IR) == sorted(declared)
    assert unassigned_by_requests(admin) == set(users[:895])
    assert len(answered(admin, "DELETE")) == 9  # batches of 100
    assert len(answered(admin, "POST")) == 1
    assert listings(admin, IR) == 1
    assert result.outs is not None
    assert result.outs["exclusive"] is True
    assert result.outs["unmanaged_ids"] == []
    assert result.outs["assigned_ids"] == sorted(declared)


@pytest.mark.parametrize(
    ("cause", "over_capacity"),
    [("unknown user", "reject"), ("no seats left", "reject"), ("no seats left", "partial")],
)
def test_failed_exclusive_create_leaves_every_seat_as_it_was(
    emulator: SeatsEmulator, admin: EmulatorAdmin, cause: str, over_capacity: str
) -> None:
    outsiders = USERS[:20]
    admin.set_holders(IR, outsiders)
    if cause == "unknown user":
        admin.configure(unknown_users="reject")
        declared = [*USERS[20:45], STRANGER]
    else:
        # Freeing the 20 outsiders' seats leaves 25: not enough for 30.
        admin.configure(capacity={IR: 25}, over_capacity=over_capacity)
        declared = USERS[20:50]
    provider = provider_for(emulator, batchSize="10")

    with pytest.raises(SeatAssignmentError) as failure:
        provider.create(props(declared, exclusive=True))

    assert admin.holders(IR) == sorted(outsiders)
    message = str(failure.value)
    assert "given back" in message and "assigned again" in message
    # Seats were really taken and given back in between.
    assert unassigned_by_requests(admin) >= set(outsiders)


@pytest.mark.parametrize("cause", ["unknown user", "no seats left"])
def test_failed_exclusive_update_leaves_every_seat_as_it_was(
    emulator: SeatsEmulator, admin: EmulatorAdmin, cause: str
) -> None:
    outsiders, previously = USERS[30:40], USERS[:5]
    admin.set_holders(IR, [*previously, *outsiders])
    if cause == "unknown user":
        admin.configure(unknown_users="reject")
        declared = [*USERS[3:12], STRANGER]
    else:
        admin.configure(capacity={IR: 15})
        declared = USERS[3:20]  # 17 declared, 15 seats
    before = admin.holders(IR)
    provider = provider_for(emulator, batchSize="4")
    olds = props(previously, assigned_ids=previously, exclusive=False, unmanaged_ids=outsiders)

    with pytest.raises(SeatAssignmentError):
        provider.update("id", olds, props(declared, exclusive=True))

    assert admin.holders(IR) == before


def test_two_exclusive_claims_of_a_product_fail_before_any_write(
    emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    admin.set_holders(IR, USERS[40:])
    provider = provider_for(emulator)
    first = props(USERS[:3], exclusive=True)
    second = props(USERS[3:6], exclusive=True)

    # Preview checks every resource before anything is created.
    assert provider.check({}, first).failures == []
    (failure,) = provider.check({}, second).failures
    assert failure.property == "exclusive"
    assert IR in failure.reason and "exclusive=True" in failure.reason
    with pytest.raises(ExclusiveClaimError):
        provider.create(second)

    assert seat_requests(admin, "POST") == seat_requests(admin, "DELETE") == []
    assert admin.holders(IR) == sorted(USERS[40:])


def test_a_second_exclusive_create_after_the_first_writes_nothing(
    emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    admin.set_holders(IR, USERS[40:])
    provider = provider_for(emulator)
    provider.create(props(USERS[:3], exclusive=True))
    writes = len(seat_requests(admin, "POST")) + len(seat_requests(admin, "DELETE"))

    with pytest.raises(ExclusiveClaimError):
        provider.create(props(USERS[3:6], exclusive=True))

    assert len(seat_requests(admin, "POST")) + len(seat_requests(admin, "DELETE")) == writes
    assert admin.holders(IR) == sorted(USERS[:3])


def test_refresh_finds_outsiders_and_the_next_up_removes_them(
    emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    declared = USERS[:4]
    created = provider_for(emulator).create(props(declared, exclusive=True))
    assert created.outs is not None and created.outs["unmanaged_ids"] == []
    admin.set_holders(IR, [*declared, USERS[10], USERS[11]])  # seated outside Pulumi

    # `pulumi refresh`: one process reads...
    refreshed = provider_for(emulator).read("id", created.outs)
    assert refreshed.outs is not None
    assert refreshed.outs["unmanaged_ids"] == sorted(USERS[10:12])
    # ...`pulumi up`: another diffs (the refreshed outputs are the olds) and updates.
    up = provider_for(emulator)
    news = props(declared, exclusive=True)
    assert up.diff("id", refreshed.outs, news).changes is True
    updated = up.update("id", refreshed.outs, news)
    assert admin.holders(IR) == sorted(declared)
    assert updated.outs is not None and updated.outs["unmanaged_ids"] == []
    assert up.diff("id", updated.outs, news).changes is False


def test_without_exclusive_outsiders_are_neither_recorded_nor_touched(
    emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    admin.set_holders(IR, USERS[10:20])
    provider = provider_for(emulator)
    result = provider.create(props(USERS[:2]))
    assert result.outs is not None and result.outs["unmanaged_ids"] == []
    assert seat_requests(admin, "DELETE") == []
    assert provider.diff("id", result.outs, props(USERS[:2], exclusive=False)).changes is False
