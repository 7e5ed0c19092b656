"""The emulated Users and team memberships endpoints over real HTTP.

Paging, filters, answer shapes, 404s, auth, faults, rate limit and the request log, and
the control endpoints that seed users' statuses and teams.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from datadog_seats_emulator import (
    EmulatorConfig,
    SeatsEmulator,
    seed_users,
    team_id_for,
)
from datadog_seats_emulator.control import EmulatorAdmin, EmulatorAdminError

from .conftest import API_KEY, APP_KEY, USER_COUNT

USERS_PATH = "/api/v2/users"
KEYS = {"DD-API-KEY": API_KEY, "DD-APPLICATION-KEY": APP_KEY}
UNKNOWN_TEAM = "00000000-0000-4000-8000-0000000000ff"
SEEDED = seed_users(USER_COUNT)


def get(url: str, headers: Any = None, **params: Any) -> requests.Response:
    """GET with the test keys (or `headers`); `params` are the query."""
    return requests.get(
        url, params=params, headers=KEYS if headers is None else headers, timeout=30
    )


def users_page(emulator: SeatsEmulator, **params: Any) -> dict[str, Any]:
    response = get(emulator.url + USERS_PATH, **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def memberships_url(emulator: SeatsEmulator, team_id: str) -> str:
    return f"{emulator.url}/api/v2/team/{team_id}/memberships"


def error_of(response: requests.Response) -> list[str]:
    body = response.json()
    assert set(body) == {"errors"}, body
    return list(body["errors"])


# ----- GET /api/v2/users: paging ----------------------------------------------------------


def test_users_default_page_is_the_first_ten_by_name(emulator, admin):
    body = users_page(emulator)
    by_name = sorted(SEEDED, key=lambda u: u["name"].lower())
    assert [u["id"] for u in body["data"]] == [u["id"] for u in by_name[:10]]
    assert body["meta"] == {"page": {"total_count": 50, "total_filtered_count": 50}}


def test_users_pages_by_zero_based_number_cover_everyone_once(emulator, admin):
    seen: list[str] = []
    for number in range(4):
        body = users_page(emulator, **{"page[size]": "15", "page[number]": str(number)})
        assert len(body["data"]) == (15 if number < 3 else 5)
        seen.extend(u["id"] for u in body["data"])
    assert sorted(seen) == sorted(u["id"] for u in SEEDED)
    assert len(seen) == len(set(seen))
    assert users_page(emulator, **{"page[size]": "15", "page[number]": "4"})["data"] == []


def test_users_page_size_100_is_allowed_and_101_is_not(emulator, admin):
    assert len(users_page(emulator, **{"page[size]": "100"})["data"]) == 50
    response = get(emulator.url + USERS_PATH, **{"page[size]": "101"})
    assert response.status_code == 400
    assert "page[size]" in error_of(response)[0]


@pytest.mark.parametrize(
    "params",
    [{"page[size]": "0"}, {"page[size]": "ten"}, {"page[number]": "-1"}, {"page[number]": "x"}],
)
def test_users_bad_paging_is_400(emulator, admin, params):
    response = get(emulator.url + USERS_PATH, **params)
    assert response.status_code == 400
    assert error_of(response)


def test_user_answer_shape(emulator, admin):
    admin.set_users(
        [
            {"id": SEEDED[0]["id"], "email": "a@x.io", "name": "A"},
            {"id": SEEDED[1]["id"], "email": "b@x.io", "name": "B", "status": "Disabled"},
            {"id": SEEDED[2]["id"], "email": "c@x.io", "name": "C", "status": "pending"},
        ]
    )
    data = users_page(emulator)["data"]
    assert [u["type"] for u in data] == ["users"] * 3
    attributes = {u["id"]: u["attributes"] for u in data}
    first = attributes[SEEDED[0]["id"]]
    assert first["email"] == "a@x.io"
    assert first["handle"] == "a@x.io"
    assert first["name"] == "A"
    assert (first["status"], first["disabled"], first["verified"]) == ("Active", False, True)
    second = attributes[SEEDED[1]["id"]]
    assert (second["status"], second["disabled"]) == ("Disabled", True)
    third = attributes[SEEDED[2]["id"]]
    assert (third["status"], third["disabled"], third["verified"]) == ("Pending", False, False)


# ----- GET /api/v2/users: filter, filter[status], sort --------------------------------------


def test_filter_matches_parts_of_emails_case_insensitively(emulator, admin):
    body = users_page(emulator, filter="USER1@EXAMPLE", **{"page[size]": "100"})
    assert [u["attributes"]["email"] for u in body["data"]] == ["user1@example.com"]
    assert body["meta"]["page"] == {"total_count": 50, "total_filtered_count": 1}
    body = users_page(emulator, filter="user1", **{"page[size]": "100"})
    assert len(body["data"]) == 11  # user1, user10..user19
    assert body["meta"]["page"]["total_filtered_count"] == 11


def test_filter_matches_parts_of_names(emulator, admin):
    body = users_page(emulator, filter="user 4", **{"page[size]": "100"})
    assert sorted(u["attributes"]["name"] for u in body["data"]) == sorted(
        ["User 4", *(f"User {i}" for i in range(40, 50))]
    )


def test_filter_pages_are_counted_after_filtering(emulator, admin):
    body = users_page(emulator, filter="user1", **{"page[size]": "5", "page[number]": "2"})
    assert len(body["data"]) == 1
    assert body["meta"]["page"]["total_filtered_count"] == 11


def test_filter_status_narrows_by_status(emulator, admin):
    ids = [u["id"] for u in SEEDED]
    admin.set_user_status(ids[:3], "Disabled")
    admin.set_user_status(ids[3:5], "Pending")
    params = {"page[size]": "100"}

    def statuses(value: str) -> list[str]:
        data = users_page(emulator, **params, **{"filter[status]": value})["data"]
        return sorted(u["attributes"]["status"] for u in data)

    assert statuses("Active") == ["Active"] * 45
    assert statuses("Disabled") == ["Disabled"] * 3
    assert statuses("Disabled,Pending") == ["Disabled"] * 3 + ["Pending"] * 2
    assert statuses("active, pending") == ["Active"] * 45 + ["Pending"] * 2
    assert len(users_page(emulator, **params)["data"]) == 50  # every user without the filter
    body = users_page(emulator, filter="user1@", **{"filter[status]": "Active"})
    assert body["data"] == []  # user1 is disabled


def test_unknown_filter_status_is_400(emulator, admin):
    response = get(emulator.url + USERS_PATH, **{"filter[status]": "Active,Gone"})
    assert response.status_code == 400
    assert "filter[status]" in error_of(response)[0]


def test_sort_orders_by_name_either_way(emulator, admin):
    names = [u["name"] for u in sorted(SEEDED, key=lambda u: u["name"].lower())]
    ascending = users_page(emulator, sort="name", **{"page[size]": "100"})["data"]
    assert [u["attributes"]["name"] for u in ascending] == names
    descending = users_page(emulator, sort="-name", **{"page[size]": "100"})["data"]
    assert [u["attributes"]["name"] for u in descending] == names[::-1]
    by_dir = users_page(emulator, sort="name", sort_dir="desc", **{"page[size]": "100"})["data"]
    assert by_dir == descending
    assert get(emulator.url + USERS_PATH, sort="shoe_size").status_code == 400


# ----- GET /api/v2/team/{team_id}/memberships -----------------------------------------------


def test_unknown_team_is_404_in_datadogs_error_shape(emulator, admin):
    response = get(memberships_url(emulator, UNKNOWN_TEAM))
    assert response.status_code == 404
    assert error_of(response) == ["Team not found"]


def test_memberships_answer_shape_and_links(emulator, admin):
    team = admin.add_team("sre", count=25)
    assert team["id"] == team_id_for("sre")
    url = memberships_url(emulator, team["id"])
    response = get(url, **{"page[size]": "10", "page[number]": "1"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "included", "links", "meta"}
    members = [u["id"] for u in SEEDED[:25]]
    assert [m["type"] for m in body["data"]] == ["team_memberships"] * 10
    assert [m["relationships"]["user"]["data"] for m in body["data"]] == [
        {"type": "users", "id": i} for i in members[10:20]
    ]
    assert len({m["id"] for m in body["data"]}) == 10
    assert [(u["type"], u["id"]) for u in body["included"]] == [
        ("users", i) for i in members[10:20]
    ]
    assert body["included"][0]["attributes"]["email"] == SEEDED[10]["email"]
    assert body["meta"]["pagination"] == {
        "type": "number_size",
        "number": 1,
        "size": 10,
        "total": 25,
        "first_number": 0,
        "prev_number": 0,
        "next_number": 2,
        "last_number": 2,
    }
    links = body["links"]
    assert links["next"] == f"{url}?page[number]=2&page[size]=10"
    assert links["prev"] == f"{url}?page[number]=0&page[size]=10"
    assert links["first"] == f"{url}?page[number]=0&page[size]=10"
    assert links["last"] == f"{url}?page[number]=2&page[size]=10"


def test_links_next_walks_every_member_and_is_null_on_the_last_page(emulator, admin):
    team = admin.add_team("sre", count=25)
    url: str | None = memberships_url(emulator, team["id"]) + "?page[size]=10"
    seen: list[str] = []
    pages = 0
    last: dict[str, Any] = {}
    while url:
        response = requests.get(url, headers=KEYS, timeout=30)
        assert response.status_code == 200, response.text
        last = response.json()
        seen.extend(m["relationships"]["user"]["data"]["id"] for m in last["data"])
        url = last["links"]["next"]
        pages += 1
    assert pages == 3
    assert seen == [u["id"] for u in SEEDED[:25]]
    assert last["links"]["next"] is None
    assert last["meta"]["pagination"]["number"] == last["meta"]["pagination"]["last_number"]


def test_a_team_of_250_pages_by_100(emulator, admin):
    admin.set_users(250)
    team = admin.add_team("everyone", count=250)
    url = memberships_url(emulator, team["id"])
    sizes = []
    seen: list[str] = []
    for number in range(3):
        body = get(url, **{"page[size]": "100", "page[number]": str(number)}).json()
        sizes.append(len(body["data"]))
        seen.extend(m["relationships"]["user"]["data"]["id"] for m in body["data"])
    assert sizes == [100, 100, 50]
    assert seen == [u["id"] for u in seed_users(250)]


def test_memberships_default_page_size_is_10_and_101_is_refused(emulator, admin):
    team = admin.add_team("sre", count=25)
    url = memberships_url(emulator, team["id"])
    assert len(get(url).json()["data"]) == 10
    response = get(url, **{"page[size]": "101"})
    assert response.status_code == 400
    assert "page[size]" in error_of(response)[0]


def test_an_empty_team_has_one_empty_page(emulator, admin):
    team = admin.add_team("nobody", members=[])
    body = get(memberships_url(emulator, team["id"])).json()
    assert body["data"] == [] and body["included"] == []
    assert body["links"]["next"] is None
    assert body["meta"]["pagination"]["total"] == 0


def test_memberships_filter_keyword_and_sort(emulator, admin):
    team = admin.add_team("sre", count=25)
    url = memberships_url(emulator, team["id"])
    body = get(url, **{"filter[keyword]": "USER2", "page[size]": "100"}).json()
    ids = [m["relationships"]["user"]["data"]["id"] for m in body["data"]]
    assert ids == [SEEDED[1]["id"], *(u["id"] for u in SEEDED[19:25])]  # user2, user20..user25
    body = get(url, sort="-email", **{"page[size]": "100"}).json()
    emails = [u["attributes"]["email"] for u in body["included"]]
    assert emails == sorted(emails, reverse=True)
    assert get(url, sort="height").status_code == 400


def test_team_id_is_case_insensitive(emulator, admin):
    team = admin.add_team("sre", count=3)
    assert get(memberships_url(emulator, team["id"].upper())).status_code == 200


def test_disabled_members_show_as_disabled_in_included(emulator, admin):
    team = admin.add_team("sre", count=3)
    admin.set_user_status([SEEDED[1]["id"]], "Disabled")
    included = get(memberships_url(emulator, team["id"])).json()["included"]
    assert [u["attributes"]["disabled"] for u in included] == [False, True, False]


# ----- auth, methods, faults, rate limit, request log -----------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"DD-API-KEY": API_KEY},
        {"DD-APPLICATION-KEY": APP_KEY},
        {"DD-API-KEY": "wrong", "DD-APPLICATION-KEY": APP_KEY},
        {"DD-API-KEY": API_KEY, "DD-APPLICATION-KEY": "wrong"},
    ],
    ids=["none", "api-only", "app-only", "wrong-api", "wrong-app"],
)
@pytest.mark.parametrize("endpoint", ["users", "known-team", "unknown-team"])
def test_missing_or_wrong_keys_are_403(emulator, admin, headers, endpoint):
    team = admin.add_team("sre", count=3)
    url = {
        "users": emulator.url + USERS_PATH,
        "known-team": memberships_url(emulator, team["id"]),
        "unknown-team": memberships_url(emulator, UNKNOWN_TEAM),
    }[endpoint]
    response = get(url, headers=headers)
    assert response.status_code == 403
    assert error_of(response) == ["Forbidden"]
    assert "X-RateLimit-Remaining" in response.headers


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT", "PATCH"])
def test_only_get_is_served(emulator, admin, method):
    team = admin.add_team("sre", count=3)
    for url in (emulator.url + USERS_PATH, memberships_url(emulator, team["id"])):
        response = requests.request(method, url, headers=KEYS, json={}, timeout=30)
        assert response.status_code == 405
        assert response.headers["Allow"] == "GET"


def test_status_fault_then_recovery_on_users(emulator, admin):
    admin.add_fault(kind="status", status=503, nth=1)
    first = get(emulator.url + USERS_PATH)
    assert first.status_code == 503
    assert error_of(first) == ["Injected fault"]
    assert get(emulator.url + USERS_PATH).status_code == 200


def test_rate_limit_fault_on_memberships_answers_429_with_reset(emulator, admin):
    team = admin.add_team("sre", count=3)
    admin.add_fault(kind="rate_limit", reset_seconds=7, nth=1)
    response = get(memberships_url(emulator, team["id"]))
    assert response.status_code == 429
    assert response.headers["X-RateLimit-Reset"] == "7"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert get(memberships_url(emulator, team["id"])).status_code == 200


def test_dropped_connection_on_users(emulator, admin):
    admin.add_fault(kind="drop", nth=1)
    with pytest.raises(requests.ConnectionError):
        get(emulator.url + USERS_PATH)
    assert get(emulator.url + USERS_PATH).status_code == 200


def test_the_rate_limit_window_counts_every_endpoint(emulator, admin):
    team = admin.add_team("sre", count=3)
    admin.configure(rate_limit=2)
    assert get(emulator.url + USERS_PATH).status_code == 200
    assert get(memberships_url(emulator, team["id"])).status_code == 200
    limited = get(emulator.url + "/api/v2/seats/users", product_code="on_call")
    assert limited.status_code == 429
    assert get(emulator.url + USERS_PATH).status_code == 429


def test_requests_are_logged_with_path_query_and_status(emulator, admin):
    team = admin.add_team("sre", count=3)
    get(emulator.url + USERS_PATH, filter="user1@example.com", **{"page[size]": "100"})
    get(memberships_url(emulator, UNKNOWN_TEAM))
    get(memberships_url(emulator, team["id"]), **{"page[number]": "0"})
    log = admin.requests()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", USERS_PATH, 200),
        ("GET", f"/api/v2/team/{UNKNOWN_TEAM}/memberships", 404),
        ("GET", f"/api/v2/team/{team['id']}/memberships", 200),
    ]
    assert log[0]["query"] == {"filter": "user1@example.com", "page[size]": "100"}


# ----- control: user statuses and teams ------------------------------------------------------


def test_set_user_status_validates(admin):
    with pytest.raises(EmulatorAdminError) as caught:
        admin.set_user_status([SEEDED[0]["id"]], "Retired")
    assert caught.value.status == 400
    with pytest.raises(EmulatorAdminError) as caught:
        admin.set_user_status([UNKNOWN_TEAM], "Disabled")
    assert caught.value.status == 400
    users = admin.set_user_status([SEEDED[0]["id"].upper()], "disabled")
    assert users[0] == {**SEEDED[0], "status": "Disabled"}
    assert users[1] == SEEDED[1]  # Active users carry no status key


def test_invalid_user_status_in_a_users_list_is_refused(admin):
    with pytest.raises(EmulatorAdminError) as caught:
        admin.set_users([{"id": SEEDED[0]["id"], "status": "Gone"}])
    assert caught.value.status == 400
    assert len(admin.users()) == USER_COUNT


def test_teams_start_empty_and_can_be_replaced(admin):
    assert admin.teams() == []
    custom = "11111111-2222-4333-8444-555555555555"
    teams = admin.set_teams(
        [
            {"name": "SRE Team", "count": 2},
            {"name": "db", "id": custom.upper(), "handle": "dba", "members": [SEEDED[5]["id"]]},
        ]
    )
    assert teams == [
        {
            "id": team_id_for("SRE Team"),
            "name": "SRE Team",
            "handle": "sre-team",
            "members": [SEEDED[0]["id"], SEEDED[1]["id"]],
        },
        {"id": custom, "name": "db", "handle": "dba", "members": [SEEDED[5]["id"]]},
    ]
    assert admin.teams() == teams
    assert admin.set_teams([]) == []


@pytest.mark.parametrize(
    "team",
    [
        {"name": ""},
        {"name": "x", "members": [UNKNOWN_TEAM]},
        {"name": "x", "count": 51},
        {"name": "x", "count": 1, "members": []},
        {"name": "x", "id": "not-a-uuid"},
        {"name": "x", "colour": "blue"},
    ],
)
def test_invalid_teams_are_refused(admin, team):
    admin.add_team("kept", count=1)
    with pytest.raises(EmulatorAdminError) as caught:
        admin.set_teams([team])
    assert caught.value.status == 400
    assert [t["name"] for t in admin.teams()] == ["kept"]


def test_add_team_replaces_a_team_with_the_same_id(admin):
    admin.add_team("sre", count=3)
    admin.add_team("sre", count=1)
    (team,) = admin.teams()
    assert team["members"] == [SEEDED[0]["id"]]


def test_reset_restores_the_startup_teams_and_statuses():
    users = seed_users(5)
    users[4] = {**users[4], "status": "Disabled"}
    config = EmulatorConfig(
        api_key="k1", app_key="k2", users=users, teams=[{"name": "sre", "count": 3}]
    )
    with SeatsEmulator(config) as emulator:
        admin = EmulatorAdmin(emulator.url)
        startup = admin.teams()
        assert [t["members"] for t in startup] == [[u["id"] for u in users[:3]]]
        admin.add_team("other", count=1)
        admin.set_user_status([users[0]["id"]], "Pending")
        admin.reset()
        assert admin.teams() == startup
        assert admin.users() == users
        admin.close()


def test_startup_teams_with_unknown_members_are_refused():
    with pytest.raises(ValueError, match="unknown members"):
        EmulatorConfig(
            api_key="a",
            app_key="b",
            users=seed_users(1),
            teams=[{"name": "x", "members": [UNKNOWN_TEAM]}],
        )
