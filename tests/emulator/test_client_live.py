"""SeatsClient and SeatAssignmentProvider against the emulator over real HTTP, faults included."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from datadog_seats_emulator import SeatsEmulator, seed_users
from datadog_seats_emulator.control import EmulatorAdmin
from pulumi_datadog_seats.api.seats import SeatsClient
from pulumi_datadog_seats.errors import (
    PermissionDeniedError,
    RateLimitedError,
    SeatAssignmentError,
    ServerError,
    TransportError,
    UnprocessableError,
)
from pulumi_datadog_seats.settings import Settings

from .conftest import API_KEY, APP_KEY, USER_COUNT, provider_for

IR = "incident_response"
USERS = [u["id"] for u in seed_users(USER_COUNT)]


def client_for(emulator: SeatsEmulator, **overrides: Any) -> SeatsClient:
    settings: dict[str, Any] = {
        "api_key": API_KEY,
        "app_key": APP_KEY,
        "api_url": emulator.url,
        "backoff_seconds": 0.0,
        **overrides,
    }
    return SeatsClient(Settings(**settings))


def test_listing_follows_every_page(emulator: SeatsEmulator, admin: EmulatorAdmin) -> None:
    admin.set_holders(IR, USERS[:45])
    client = client_for(emulator, page_size=10)
    assert client.list_seat_holders(IR) == set(USERS[:45])
    pages = [r for r in admin.requests() if r["method"] == "GET"]
    assert len(pages) == 5
    assert all(r["query"]["page[limit]"] == "10" for r in pages)


def test_empty_listing_is_one_call(emulator: SeatsEmulator, admin: EmulatorAdmin) -> None:
    assert client_for(emulator).list_seat_holders(IR) == set()
    assert len(admin.requests()) == 1


def test_assign_and_unassign_one_request_each(
    emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    client = client_for(emulator)
    assigned = client.assign_batch(IR, USERS[:10]).assigned_ids
    assert sorted(assigned) == sorted(USERS[:10])
    assert admin.holders(IR) == sorted(USERS[:10])
    client.unassign_batch(IR, USERS[:6])
    assert admin.holders(IR) == sorted(USERS[6:10])
    methods = [r["method"] for r in admin.requests()]
    assert methods == ["POST", "DELETE"]


def test_rate_limit_waits_x_ratelimit_reset(emulator: SeatsEmulator, admin: EmulatorAdmin) -> None:
    admin.add_fault(kind="rate_limit", nth=1, reset_seconds=2)
    client = client_for(emulator)
    client.assign_batch(IR, USERS[:1])
    first, second = admin.requests()
    assert (first["status"], second["status"]) == (429, 201)
    # The retry came after the X-RateLimit-Reset the 429 announced, not before.
    assert second["time"] - first["time"] >= 2.0
    assert admin.holders(IR) == USERS[:1]


def test_server_errors_are_retried(emulator: SeatsEmulator, admin: EmulatorAdmin) -> None:
    admin.add_fault(kind="status", status=503, every=1, times=2)
    assert client_for(emulator).list_seat_holders(IR) == set()
    assert [r["status"] for r in admin.requests()] == [503, 503, 200]


def test_dropped_connections_are_retried(emulator: SeatsEmulator, admin: EmulatorAdmin) -> None:
    admin.add_fault(kind="drop", nth=1)
    client_for(emulator).assign_batch(IR, USERS[:2])
    assert [r["status"] for r in admin.requests()] == ["dropped", 201]
    assert admin.holders(IR) == sorted(USERS[:2])


def test_exhausted_retries_give_a_clear_error(
    emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    admin.add_fault(kind="status", status=502, every=1)
    with pytest.raises(ServerError) as failure:
        client_for(emulator, max_retries=3).assign_batch(IR, USERS[:1])
    assert failure.value.status == 502
    assert "POST /api/v2/seats/users" in str(failure.value)
    assert "safe" in str(failure.value)  # says running again is safe
    assert len(admin.requests()) == 4  # the first try and three retries


def test_retry_budget_bounds_rate_limit_waits(
    emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    admin.add_fault(kind="rate_limit", every=1, reset_seconds=30)
    with pytest.raises(RateLimitedError) as failure:
        client_for(emulator, retry_budget_seconds=5).assign_batch(IR, USERS[:1])
    assert "30" in str(failure.value) and "retryBudgetSeconds" in str(failure.value)
    # Waiting 30 s would exceed the 5 s budget: no retry was sent at all.
    assert len(admin.requests()) == 1


def test_timeouts_become_transport_errors(emulator: SeatsEmulator, admin: EmulatorAdmin) -> None:
    admin.add_fault(kind="delay", every=1, delay_seconds=1.0)
    with pytest.raises(TransportError) as failure:
        client_for(emulator, timeout_seconds=0.2, max_retries=1).list_seat_holders(IR)
    assert "timed out" in str(failure.value)


def test_forbidden_names_the_permissions(emulator: SeatsEmulator, admin: EmulatorAdmin) -> None:
    with pytest.raises(PermissionDeniedError) as failure:
        client_for(emulator, app_key="not-the-key").assign_batch(IR, USERS[:1])
    message = str(failure.value)
    for permission in ("billing_edit", "incident_write", "on_call_write"):
        assert permission in message
    assert admin.holders(IR) == []


def test_unknown_product_is_a_clear_422(emulator: SeatsEmulator, admin: EmulatorAdmin) -> None:
    with pytest.raises(UnprocessableError) as failure:
        client_for(emulator).list_seat_holders("no_such_product")
    assert "no_such_product" in str(failure.value)


def test_no_key_in_any_message_or_log(
    emulator: SeatsEmulator, admin: EmulatorAdmin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    messages: list[str] = []
    admin.add_fault(kind="status", status=500, every=2)
    client = client_for(emulator, max_retries=1)
    wrong = client_for(emulator, api_key="canary-wrong-api-key", app_key="canary-wrong-app")
    for call in (
        lambda: client.assign_batch(IR, USERS[:3]),
        lambda: client.assign_batch(IR, ["not-a-uuid"]),
        lambda: wrong.list_seat_holders(IR),
        lambda: client.list_seat_holders("bogus"),
    ):
        try:
            call()
        except Exception as exc:
            messages.append(str(exc))
    assert len(messages) >= 3
    everything = "\n".join([*messages, caplog.text])
    for key in (API_KEY, APP_KEY, "canary-wrong-api-key", "canary-wrong-app"):
        assert key not in everything


@pytest.mark.parametrize("assigned_ids", ["all", "new"])
def test_create_adopts_existing_holders(
    assigned_ids: str, emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    admin.configure(assigned_ids=assigned_ids)
    admin.set_holders(IR, [USERS[0]])
    result = provider_for(emulator).create({"product_code": IR, "user_uuids": USERS[:3]})
    assert result.outs is not None
    assert result.outs["assigned_ids"] == sorted(USERS[:3])
    posts = [r for r in admin.requests() if r["method"] == "POST"]
    # Only the users without a seat were asked for one.
    assert [p["body"]["data"]["attributes"]["user_uuids"] for p in posts] == [sorted(USERS[1:3])]


def test_failed_create_in_a_later_batch_gives_back_earlier_batches(
    emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    admin.add_fault(kind="status", status=500, nth=2, methods=["POST"])
    admin.set_holders(IR, [USERS[9]])
    provider = provider_for(emulator, batchSize="2", maxRetries="0")
    with pytest.raises(SeatAssignmentError) as failure:
        provider.create({"product_code": IR, "user_uuids": [*USERS[:4], USERS[9]]})
    assert "500" in str(failure.value) and "given back" in str(failure.value)
    assert admin.holders(IR) == [USERS[9]]


def test_concurrent_operations_share_one_provider(
    emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    provider = provider_for(emulator)
    groups = [USERS[i : i + 5] for i in range(0, 40, 5)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(
                lambda users: provider.create({"product_code": IR, "user_uuids": users}), groups
            )
        )
    assert admin.holders(IR) == sorted(USERS[:40])
    assert [r.outs["assigned_ids"] for r in results if r.outs] == [sorted(g) for g in groups]


def test_swapping_users_works_when_every_seat_is_taken(
    emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    admin.configure(capacity={IR: 3})
    provider = provider_for(emulator)
    before = {"product_code": IR, "user_uuids": USERS[:3]}
    provider.create(before)
    after = {"product_code": IR, "user_uuids": [USERS[0], USERS[1], USERS[3]]}
    result = provider.update("id", before, after)
    assert result.outs is not None and result.outs["assigned_ids"] == sorted(after["user_uuids"])
    assert admin.holders(IR) == sorted(after["user_uuids"])
