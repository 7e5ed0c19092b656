"""The lookups against the emulator over real HTTP: emails to UUIDs, team members across
pages, seat holders, and the errors a user sees (one for every missing email, unknown
team, missing permission), through retries and faults."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pulumi
import pulumi.runtime
import pytest

from datadog_seats_emulator import SeatsEmulator, seed_users
from datadog_seats_emulator.control import EmulatorAdmin
from pulumi_datadog_seats import (
    SeatHolder,
    UserLookupError,
    fetch_seat_holders,
    fetch_team_member_uuids,
    fetch_user_uuids,
    get_team_member_uuids,
    lookup_user_uuids,
)
from pulumi_datadog_seats.errors import NotFoundError, PermissionDeniedError
from pulumi_datadog_seats.settings import Settings

from .conftest import API_KEY, APP_KEY, USER_COUNT

USERS = seed_users(USER_COUNT)
IDS = [u["id"] for u in USERS]
UNKNOWN_TEAM = "00000000-0000-4000-8000-0000000000ff"


@pytest.fixture
def settings(emulator: SeatsEmulator, admin: EmulatorAdmin) -> Settings:
    """Settings for the freshly reset session emulator, retrying without waiting."""
    return Settings(api_key=API_KEY, app_key=APP_KEY, api_url=emulator.url, backoff_seconds=0)


def api_requests(admin: EmulatorAdmin, path: str) -> list[dict[str, Any]]:
    return [r for r in admin.requests() if r["path"] == path]


# -- emails -------------------------------------------------------------------------------


def test_mixed_case_emails_resolve_in_input_order(settings, admin):
    emails = ["USER3@Example.com", "user1@example.com", "User10@EXAMPLE.COM"]
    assert fetch_user_uuids(emails, settings=settings) == [IDS[2], IDS[0], IDS[9]]
    sent = [r["query"]["filter"] for r in api_requests(admin, "/api/v2/users")]
    assert sent == ["user3@example.com", "user1@example.com", "user10@example.com"]


def test_a_free_text_neighbour_is_not_mistaken_for_the_email(settings, admin):
    # filter=user1@example.com is free text: it matches xuser1@example.com as well, and the
    # exact comparison keeps only user1.
    admin.set_users([*USERS[:2], {"id": IDS[2], "email": "xuser1@example.com", "name": "X"}])
    assert fetch_user_uuids(["user1@example.com"], settings=settings) == [IDS[0]]
    assert fetch_user_uuids(["xuser1@example.com"], settings=settings) == [IDS[2]]


def test_unknown_and_inactive_emails_are_one_error_naming_each(settings, admin):
    admin.set_user_status([IDS[4]], "Disabled")
    admin.set_user_status([IDS[5]], "Pending")
    emails = [
        "user1@example.com",
        "nobody@example.com",
        "USER5@example.com",
        "user6@example.com",
        "user2@example.com",
    ]
    with pytest.raises(UserLookupError) as info:
        fetch_user_uuids(emails, settings=settings)
    assert info.value.missing == {
        "nobody@example.com": "no Datadog user has this email",
        "USER5@example.com": "the user is Disabled, not Active",
        "user6@example.com": "the user is Pending, not Active",
    }
    message = str(info.value)
    assert message.startswith("3 of 5 emails")
    assert "user1@example.com" not in message and "user2@example.com" not in message
    assert API_KEY not in message and APP_KEY not in message


def test_a_deactivated_user_alone_is_named(settings, admin):
    assert fetch_user_uuids(["user7@example.com"], settings=settings) == [IDS[6]]
    admin.set_user_status([IDS[6]], "Disabled")
    with pytest.raises(UserLookupError, match=r"user7@example\.com \(the user is Disabled"):
        fetch_user_uuids(["user7@example.com"], settings=settings)


def test_lookups_ride_out_faults_and_rate_limits(settings, admin):
    admin.add_fault(kind="status", status=503, nth=1)
    admin.add_fault(kind="rate_limit", reset_seconds=0, nth=3)
    admin.add_fault(kind="drop", nth=5)
    emails = ["user1@example.com", "user2@example.com", "user3@example.com"]
    assert fetch_user_uuids(emails, settings=settings) == IDS[:3]
    statuses = [r["status"] for r in api_requests(admin, "/api/v2/users")]
    assert statuses == [503, 200, 429, 200, "dropped", 200]


def test_wrong_keys_say_which_permission_users_need(settings):
    bad = Settings(api_key="nope", app_key=APP_KEY, api_url=settings.api_url)
    with pytest.raises(PermissionDeniedError, match="user_access_read") as info:
        fetch_user_uuids(["user1@example.com"], settings=bad)
    assert "nope" not in str(info.value)


# -- teams --------------------------------------------------------------------------------


def test_a_team_of_250_members_resolves_across_pages(settings, admin):
    admin.set_users(250)
    team = admin.add_team("everyone", count=250)
    members = fetch_team_member_uuids(team["id"], settings=settings)
    assert members == [u["id"] for u in seed_users(250)]
    pages = [r["query"] for r in api_requests(admin, f"/api/v2/team/{team['id']}/memberships")]
    assert pages == [{"page[size]": "100", "page[number]": str(n)} for n in range(3)]


def test_small_pages_and_a_retried_page_still_give_every_member(settings, admin):
    admin.set_users(250)
    team = admin.add_team("everyone", count=250)
    admin.add_fault(kind="status", status=502, nth=4)
    small = dataclasses.replace(settings, page_size=7)
    assert fetch_team_member_uuids(team["id"], settings=small) == [u["id"] for u in seed_users(250)]
    path = f"/api/v2/team/{team['id']}/memberships"
    assert len(api_requests(admin, path)) == 36 + 1  # ceil(250 / 7) pages and one retry


def test_an_unknown_team_says_its_id_is_unknown(settings, admin):
    with pytest.raises(NotFoundError) as info:
        fetch_team_member_uuids(UNKNOWN_TEAM, settings=settings)
    message = str(info.value)
    assert f"No team has the id '{UNKNOWN_TEAM}'" in message
    assert "Team not found" in message


def test_wrong_keys_say_which_permission_teams_need(settings, admin):
    team = admin.add_team("sre", count=2)
    bad = Settings(api_key=API_KEY, app_key="nope", api_url=settings.api_url)
    with pytest.raises(PermissionDeniedError, match="teams_read"):
        fetch_team_member_uuids(team["id"], settings=bad)


# -- seat holders ---------------------------------------------------------------------------


def test_fetch_seat_holders_reads_the_seats_listing(settings, admin):
    admin.set_holders("on_call", IDS[:3])
    holders = fetch_seat_holders("on_call", settings=settings)
    assert sorted(h.id for h in holders) == sorted(IDS[:3])
    by_id = {h.id: h for h in holders}
    assert by_id[IDS[0]].email == "user1@example.com"
    assert by_id[IDS[0]].name == "User 1"
    assert by_id[IDS[0]].assigned_at
    assert all(isinstance(h, SeatHolder) for h in holders)
    assert fetch_seat_holders("incident_response", settings=settings) == []


# -- an Output form over real HTTP (mocked engine, real emulator) ------------------------------


class NoResources(pulumi.runtime.Mocks):
    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[Any, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture
def stack(emulator: SeatsEmulator, admin: EmulatorAdmin) -> Iterator[None]:
    pulumi.runtime.set_mocks(NoResources(), project="lookups", stack="live", preview=True)
    pulumi.runtime.set_all_config(
        {
            "datadog:apiKey": API_KEY,
            "datadog:appKey": APP_KEY,
            "datadog:apiUrl": emulator.url,
            "datadog-seats:backoffSeconds": "0",
        },
        secret_keys=["datadog:apiKey", "datadog:appKey"],
    )
    yield
    pulumi.runtime.set_all_config({}, secret_keys=[])


@pulumi.runtime.test
def test_program_lookups_call_the_api_during_preview(stack, admin):
    team = admin.add_team("sre", count=3)
    uuids = lookup_user_uuids(["User2@example.com", pulumi.Output.from_input("user1@example.com")])
    members = get_team_member_uuids(team["id"])

    def check(values: list[Any]) -> None:
        resolved, team_members = values
        assert resolved == [IDS[1], IDS[0]]
        assert team_members == IDS[:3]
        paths = {r["path"] for r in admin.requests()}
        assert paths == {"/api/v2/users", f"/api/v2/team/{team['id']}/memberships"}

    return pulumi.Output.all(uuids, members).apply(check)
