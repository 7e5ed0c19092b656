"""UsersClient, TeamsClient, the page-number paginator and the shared Transport, against
``responses`` mocks: query parameters, where paging stops, answer parsing, error advice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from responses import matchers

from pulumi_datadog_seats.api.advice import ApiAdvice
from pulumi_datadog_seats.api.paging import iter_numbered_pages
from pulumi_datadog_seats.api.seats import SEATS_ADVICE, SeatsClient
from pulumi_datadog_seats.api.teams import TeamsClient, memberships_path, team_advice
from pulumi_datadog_seats.api.transport import Transport
from pulumi_datadog_seats.api.users import USERS_ADVICE, DatadogUser, UsersClient
from pulumi_datadog_seats.errors import (
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    SeatsError,
    ServerError,
    TransportError,
    UnexpectedAnswerError,
)
from tests.unit.conftest import CANARY_API_KEY, CANARY_APP_KEY, make_settings, uid

BASE = "https://api.datadoghq.com"
USERS_URL = BASE + "/api/v2/users"
TEAM = "e6723c40-edb1-11ed-b816-da7ad0900002"
TEAM_URL = f"{BASE}/api/v2/team/{TEAM}/memberships"


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def query_of(call: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def user_item(i: int, status: str = "Active", **attributes: Any) -> dict[str, Any]:
    return {
        "type": "users",
        "id": uid(i).upper(),
        "attributes": {
            "email": f"user{i}@example.com",
            "handle": f"user{i}@example.com",
            "name": f"User {i}",
            "status": status,
            "disabled": status == "Disabled",
            **attributes,
        },
    }


def users_page(items: list[dict[str, Any]], total: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"data": items}
    if total is not None:
        body["meta"] = {"page": {"total_count": 1000, "total_filtered_count": total}}
    return body


def page_query(number: int, size: int, **extra: str) -> Any:
    return matchers.query_param_matcher(
        {"page[size]": str(size), "page[number]": str(number), **extra}
    )


def membership_page(
    ids: list[int], number: int, last_number: int | None, total: int | None, next_link: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "data": [
            {
                "type": "team_memberships",
                "id": f"TeamMembership-{TEAM}-{i}",
                "attributes": {"role": "admin" if i == 1 else None},
                "relationships": {"user": {"data": {"type": "users", "id": uid(i).upper()}}},
            }
            for i in ids
        ],
        "included": [
            {"type": "users", "id": uid(i), "attributes": {"email": f"u{i}@x.io", "name": None}}
            for i in ids
        ],
        "links": {"next": next_link},
    }
    if last_number is not None or total is not None:
        pagination: dict[str, Any] = {"number": number, "type": "number_size"}
        if last_number is not None:
            pagination["last_number"] = last_number
        if total is not None:
            pagination["total"] = total
        body["meta"] = {"pagination": pagination}
    return body


# -- UsersClient ---------------------------------------------------------------


def test_users_pages_by_number_until_a_short_page(rsps):
    rsps.add(
        responses.GET,
        USERS_URL,
        json=users_page([user_item(1), user_item(2)]),
        match=[page_query(0, 2)],
    )
    rsps.add(
        responses.GET,
        USERS_URL,
        json=users_page([user_item(3), user_item(4)]),
        match=[page_query(1, 2)],
    )
    rsps.add(responses.GET, USERS_URL, json=users_page([user_item(5)]), match=[page_query(2, 2)])
    users = UsersClient(make_settings(page_size=2)).list_users()
    assert [u.id for u in users] == [uid(i) for i in range(1, 6)]
    assert len(rsps.calls) == 3


def test_users_stop_when_the_filtered_count_is_reached_on_a_full_page(rsps):
    rsps.add(
        responses.GET,
        USERS_URL,
        json=users_page([user_item(1), user_item(2)], total=4),
        match=[page_query(0, 2)],
    )
    rsps.add(
        responses.GET,
        USERS_URL,
        json=users_page([user_item(3), user_item(4)], total=4),
        match=[page_query(1, 2)],
    )
    assert len(UsersClient(make_settings(page_size=2)).list_users()) == 4
    assert len(rsps.calls) == 2  # no third request for an empty page


def test_users_a_server_that_ignores_page_number_does_not_loop(rsps):
    def same_page(request: Any) -> tuple[int, dict[str, str], str]:
        # Bounded, so that a missing guard fails the test instead of hanging it.
        if len(rsps.calls) > 5:
            raise requests.ConnectionError("still paging")
        return 200, {}, json.dumps(users_page([user_item(1), user_item(2)]))

    rsps.add_callback(responses.GET, USERS_URL, callback=same_page)
    # Not a quiet first page: the users past it would look like users that do not exist.
    with pytest.raises(UnexpectedAnswerError) as info:
        UsersClient(make_settings(page_size=2, max_retries=0)).list_users()
    assert "ignores page[number]" in str(info.value)
    assert len(rsps.calls) == 2


def test_users_page_size_is_capped_at_100_and_filters_are_sent(rsps):
    rsps.add(responses.GET, USERS_URL, json=users_page([]))
    UsersClient(make_settings(page_size=500)).list_users(
        filter="bob", statuses=["Active", "Pending"]
    )
    (call,) = rsps.calls
    assert query_of(call) == {
        "filter": ["bob"],
        "filter[status]": ["Active,Pending"],
        "page[size]": ["100"],
        "page[number]": ["0"],
    }


def test_users_small_page_size_setting_is_kept(rsps):
    rsps.add(responses.GET, USERS_URL, json=users_page([]))
    UsersClient(make_settings(page_size=7)).list_users()
    assert query_of(rsps.calls[0])["page[size]"] == ["7"]


def test_user_attributes_are_parsed(rsps):
    item = user_item(1, status="Pending", service_account=True)
    rsps.add(responses.GET, USERS_URL, json=users_page([item, {"id": uid(2), "type": "users"}]))
    first, second = UsersClient(make_settings()).list_users()
    assert first == DatadogUser(
        id=uid(1),
        email="user1@example.com",
        name="User 1",
        handle="user1@example.com",
        status="Pending",
        disabled=False,
        service_account=True,
    )
    assert second == DatadogUser(id=uid(2))


@pytest.mark.parametrize(
    ("status", "disabled", "active"),
    [
        ("Active", False, True),
        ("active", False, True),
        ("Active", True, False),
        ("Pending", False, False),
        ("Disabled", True, False),
        (None, False, False),
    ],
)
def test_only_active_and_not_disabled_users_are_active(status, disabled, active):
    assert DatadogUser(id="x", status=status, disabled=disabled).active is active


def test_find_by_email_keeps_only_exact_case_insensitive_matches(rsps):
    items = [
        user_item(1, email="xbob@example.com"),
        user_item(2, email="Bob@Example.com", status="Disabled"),
        user_item(3, email="bob@example.com.au"),
        user_item(4, email="BOB@EXAMPLE.COM"),
    ]
    rsps.add(
        responses.GET,
        USERS_URL,
        json=users_page(items, total=4),
        match=[matchers.query_param_matcher({"filter": "bob@example.com"}, strict_match=False)],
    )
    found = UsersClient(make_settings()).find_by_email("  Bob@example.COM ")
    assert [u.id for u in found] == [uid(2), uid(4)]


def test_users_403_names_user_access_read(rsps):
    rsps.add(responses.GET, USERS_URL, status=403, json={"errors": ["Forbidden"]})
    with pytest.raises(PermissionDeniedError) as info:
        UsersClient(make_settings()).list_users()
    message = str(info.value)
    assert "user_access_read" in message
    assert "billing_edit" not in message
    assert "GET /api/v2/users" in message


def test_users_5xx_is_retried_then_says_reading_is_safe(rsps):
    rsps.add(responses.GET, USERS_URL, status=503, json={"errors": ["down"]})
    with pytest.raises(ServerError) as info:
        UsersClient(make_settings(max_retries=2)).list_users()
    assert len(rsps.calls) == 3
    assert "Reading changes nothing" in str(info.value)
    assert "Assigning" not in str(info.value)


def test_users_429_outlasting_the_budget_is_rate_limited(rsps):
    rsps.add(responses.GET, USERS_URL, status=429, headers={"X-RateLimit-Reset": "3600"})
    with pytest.raises(RateLimitedError):
        UsersClient(make_settings()).list_users()
    assert len(rsps.calls) == 1


def test_users_connection_error_message_fits_a_read(rsps):
    rsps.add(responses.GET, USERS_URL, body=requests.ConnectionError("refused"))
    with pytest.raises(TransportError) as info:
        UsersClient(make_settings(max_retries=0)).list_users()
    message = str(info.value)
    assert f"GET {USERS_URL}" in message
    assert "reading changes nothing" in message
    assert "assigning" not in message


# -- TeamsClient ---------------------------------------------------------------


def test_members_follow_pages_and_stop_at_last_number_despite_a_next_link(rsps):
    # The real service keeps links.next on its last page; last_number must end the listing.
    rsps.add(
        responses.GET,
        TEAM_URL,
        json=membership_page([1, 2], 0, 2, None, "n1"),
        match=[page_query(0, 2)],
    )
    rsps.add(
        responses.GET,
        TEAM_URL,
        json=membership_page([3, 4], 1, 2, None, "n2"),
        match=[page_query(1, 2)],
    )
    rsps.add(
        responses.GET,
        TEAM_URL,
        json=membership_page([5, 6], 2, 2, None, "n3"),
        match=[page_query(2, 2)],
    )
    members = TeamsClient(make_settings(page_size=2)).member_uuids(TEAM)
    assert members == [uid(i) for i in range(1, 7)]
    assert len(rsps.calls) == 3


def test_members_stop_at_the_total(rsps):
    rsps.add(
        responses.GET,
        TEAM_URL,
        json=membership_page([1, 2], 0, None, 4, "n1"),
        match=[page_query(0, 2)],
    )
    rsps.add(
        responses.GET,
        TEAM_URL,
        json=membership_page([3, 4], 1, None, 4, "n2"),
        match=[page_query(1, 2)],
    )
    assert len(TeamsClient(make_settings(page_size=2)).member_uuids(TEAM)) == 4
    assert len(rsps.calls) == 2


def test_members_stop_at_a_null_next_link(rsps):
    rsps.add(
        responses.GET,
        TEAM_URL,
        json=membership_page([1, 2], 0, None, None, "n1"),
        match=[page_query(0, 2)],
    )
    rsps.add(
        responses.GET,
        TEAM_URL,
        json=membership_page([3, 4], 1, None, None, None),
        match=[page_query(1, 2)],
    )
    assert len(TeamsClient(make_settings(page_size=2)).member_uuids(TEAM)) == 4
    assert len(rsps.calls) == 2


def test_members_are_parsed_deduplicated_and_lower_cased(rsps):
    body = membership_page([1, 2, 1], 0, 0, 3, None)
    body["data"].append({"type": "team_memberships", "id": "orphan", "relationships": {}})
    rsps.add(responses.GET, TEAM_URL, json=body)
    client = TeamsClient(make_settings())
    members = list(client.iter_members(TEAM))
    assert [m.user_id for m in members] == [uid(1), uid(2), uid(1)]
    assert (members[0].email, members[0].role) == ("u1@x.io", "admin")
    assert client.member_uuids(TEAM) == [uid(1), uid(2)]


def test_team_page_size_is_capped_at_100(rsps):
    rsps.add(responses.GET, TEAM_URL, json={"data": []})
    TeamsClient(make_settings(page_size=500)).member_uuids(TEAM)
    assert query_of(rsps.calls[0]) == {"page[size]": ["100"], "page[number]": ["0"]}


def test_team_ids_are_quoted_as_one_path_segment(rsps):
    assert memberships_path("a/b c") == "/api/v2/team/a%2Fb%20c/memberships"
    rsps.add(responses.GET, BASE + "/api/v2/team/a%2Fb/memberships", json={"data": []})
    assert TeamsClient(make_settings()).member_uuids("a/b") == []
    assert len(rsps.calls) == 1


def test_unknown_team_404_says_the_team_id_is_unknown(rsps):
    rsps.add(responses.GET, TEAM_URL, status=404, json={"errors": ["Not Found"]})
    with pytest.raises(NotFoundError) as info:
        TeamsClient(make_settings()).member_uuids(TEAM)
    message = str(info.value)
    assert f"No team has the id '{TEAM}'" in message
    assert info.value.path == f"/api/v2/team/{TEAM}/memberships"
    assert len(rsps.calls) == 1


def test_team_403_names_teams_read(rsps):
    rsps.add(responses.GET, TEAM_URL, status=403, json={"errors": ["Forbidden"]})
    with pytest.raises(PermissionDeniedError) as info:
        TeamsClient(make_settings()).member_uuids(TEAM)
    assert "teams_read" in str(info.value)
    assert "billing_edit" not in str(info.value)


# -- keys never leak, one transport shared ------------------------------------------


def test_keys_never_reach_user_or_team_error_messages(rsps):
    leaky = f"bad key {CANARY_API_KEY} {CANARY_APP_KEY}"
    raised: list[SeatsError] = []
    rsps.add(responses.GET, USERS_URL)
    rsps.add(responses.GET, TEAM_URL)
    for status in (400, 403, 404, 503):
        rsps.replace(responses.GET, USERS_URL, status=status, json={"errors": [leaky]})
        rsps.replace(responses.GET, TEAM_URL, status=status, json={"errors": [leaky]})
        for call in (
            lambda: UsersClient(make_settings(max_retries=0)).list_users(),
            lambda: TeamsClient(make_settings(max_retries=0)).member_uuids(TEAM),
        ):
            with pytest.raises(SeatsError) as info:
                call()
            raised.append(info.value)
    rsps.replace(responses.GET, USERS_URL, body=requests.ConnectionError(leaky))
    with pytest.raises(TransportError) as transport_info:
        UsersClient(make_settings(max_retries=0)).list_users()
    raised.append(transport_info.value)
    assert len(raised) == 9
    for exc in raised:
        text = f"{exc} {exc!r} {getattr(exc, 'errors', '')}"
        assert CANARY_API_KEY not in text
        assert CANARY_APP_KEY not in text


def test_areas_can_share_one_transport_and_session(rsps):
    rsps.add(responses.GET, USERS_URL, json=users_page([]))
    rsps.add(responses.GET, TEAM_URL, json={"data": []})
    rsps.add(responses.GET, BASE + "/api/v2/seats/users", json={"data": []})
    settings = make_settings()
    transport = Transport(settings)
    users = UsersClient(settings, transport=transport)
    teams = TeamsClient(settings, transport=transport)
    seats = SeatsClient(settings, transport=transport)
    users.list_users()
    session = transport._session
    teams.member_uuids(TEAM)
    seats.list_seat_holders("on_call")
    assert session is not None and transport._session is session
    for call in rsps.calls:
        assert call.request.headers["DD-API-KEY"] == CANARY_API_KEY
        assert call.request.headers["User-Agent"].startswith("pulumi-datadog-seats/")
        assert call.request.req_kwargs["timeout"] is not None
    transport.close()
    assert transport._session is None


def test_a_redirect_on_users_is_not_followed(rsps):
    rsps.add(responses.GET, USERS_URL, status=302, headers={"Location": "https://evil.example/"})
    rsps.add(responses.GET, "https://evil.example/", json={"data": []})
    with pytest.raises(SeatsError):
        UsersClient(make_settings()).list_users()
    assert len(rsps.calls) == 1


# -- the paginator and the advice on their own ----------------------------------------


def test_numbered_pages_ask_is_last_with_number_and_count(rsps):
    for number in range(3):
        rsps.add(
            responses.GET,
            USERS_URL,
            json={"data": [{"n": number, "i": i} for i in range(2)]},
            match=[page_query(number, 2)],
        )
    seen: list[tuple[int, int]] = []

    def is_last(body: Any, number: int, entries: int) -> bool:
        seen.append((number, entries))
        return number == 1

    pages = list(
        iter_numbered_pages(
            Transport(make_settings()),
            "/api/v2/users",
            {},
            page_size=2,
            advice=USERS_ADVICE,
            is_last=is_last,
        )
    )
    assert len(pages) == 2
    assert seen == [(0, 2), (1, 4)]


def test_advice_picks_a_hint_by_status_and_500_for_every_5xx():
    advice = ApiAdvice(hints={403: "perm", 500: "server"})
    assert advice.hint_for(403) == "perm"
    assert advice.hint_for(503) == "server"
    assert advice.hint_for(404) is None
    assert SEATS_ADVICE.hint_for(403) is None  # the class hints are the seats texts
    assert "teams_read" in (team_advice(TEAM).hint_for(403) or "")
    assert TEAM in (team_advice(TEAM).hint_for(404) or "")


def test_bodies_sent_by_seats_are_unchanged_by_the_transport(rsps):
    rsps.add(responses.POST, BASE + "/api/v2/seats/users", json={"data": None}, status=201)
    SeatsClient(make_settings()).assign_batch("on_call", [uid(1)])
    body = json.loads(rsps.calls[0].request.body)
    assert body["data"]["attributes"] == {"product_code": "on_call", "user_uuids": [uid(1)]}
