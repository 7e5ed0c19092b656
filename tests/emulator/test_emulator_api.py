"""The emulated Seats API over real HTTP: auth, validation, listing, assign, unassign, switches."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import datetime, timedelta

import pytest
import requests

from datadog_seats_emulator import USER_NAMESPACE, seed_users

SEATS_PATH = "/api/v2/seats/users"
UNKNOWN = "00000000-0000-4000-8000-00000000abcd"
RATE_HEADERS = (
    "X-RateLimit-Limit",
    "X-RateLimit-Period",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-RateLimit-Name",
)


def errors(response: requests.Response) -> list[str]:
    body = response.json()
    assert set(body) == {"errors"}, body
    return list(body["errors"])


# ----- seeded users ---------------------------------------------------------------------


def test_seeded_users_are_deterministic_uuid5(emulator_api, admin):
    users = admin.users()
    assert len(users) == 50
    assert users[0] == {
        "id": str(uuid.uuid5(USER_NAMESPACE, "user-1")),
        "email": "user1@example.com",
        "name": "User 1",
    }
    assert users == seed_users(50)
    assert all(uuid.UUID(u["id"]).version == 5 and u["id"] == u["id"].lower() for u in users)


# ----- auth -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"DD-API-KEY": "test-api-key"},
        {"DD-APPLICATION-KEY": "test-app-key"},
        {"DD-API-KEY": "wrong", "DD-APPLICATION-KEY": "test-app-key"},
        {"DD-API-KEY": "test-api-key", "DD-APPLICATION-KEY": "wrong"},
        {"DD-API-KEY": "test-app-key", "DD-APPLICATION-KEY": "test-api-key"},
    ],
    ids=["none", "api-only", "app-only", "wrong-api", "wrong-app", "swapped"],
)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_missing_or_wrong_keys_are_403(emulator_api, admin, headers, method):
    body = emulator_api.body("on_call", emulator_api.user_ids[:1])
    response = requests.request(
        method,
        emulator_api.url,
        params={"product_code": "on_call"},
        json=None if method == "GET" else body,
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 403
    assert errors(response) == ["Forbidden"]
    assert all(name in response.headers for name in RATE_HEADERS)
    assert admin.holders("on_call") == []


def test_correct_keys_are_accepted(emulator_api):
    response = emulator_api.get("on_call")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"


# ----- paths and methods ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v2/seats", "/api/v2/seats/users/extra", "/api/v1/users"])
def test_unknown_api_path_is_404(emulator_api, path):
    response = emulator_api.session.get(emulator_api.base_url + path, timeout=30)
    assert response.status_code == 404
    assert errors(response) == ["Not found"]
    assert response.headers["X-RateLimit-Name"] == "seats"


def test_unknown_path_outside_api_is_404(emulator_api):
    response = requests.get(emulator_api.base_url + "/nothing/here", timeout=30)
    assert response.status_code == 404
    assert errors(response) == ["Not found"]


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_unsupported_method_is_405(emulator_api, method):
    response = emulator_api.session.request(method, emulator_api.url, json={}, timeout=30)
    assert response.status_code == 405
    assert errors(response) == ["Method not allowed"]
    assert response.headers["Allow"] == "GET, POST, DELETE"


# ----- GET: listing ---------------------------------------------------------------------


def test_no_holders_is_exactly_data_empty_without_meta(emulator_api):
    response = emulator_api.get("on_call")
    assert response.status_code == 200
    assert response.json() == {"data": []}


def test_no_holders_ignores_paging_parameters(emulator_api):
    response = emulator_api.get("incident_response", limit=5)
    assert response.json() == {"data": []}


@pytest.mark.parametrize("params", [{}, {"product_code": ""}])
def test_get_without_product_code_is_400(emulator_api, params):
    response = emulator_api.session.get(emulator_api.url, params=params, timeout=30)
    assert response.status_code == 400
    assert errors(response) == ["product_code is required"]


def test_listing_shape(emulator_api, admin):
    user = emulator_api.users[0]
    assert emulator_api.assign([user["id"]]).status_code == 201
    response = emulator_api.get("on_call")
    assert response.status_code == 200
    body = response.json()
    assert body["meta"] == {"cursor": "", "limit": 100, "next_cursor": ""}
    (item,) = body["data"]
    assert item["id"] == user["id"]
    assert item["type"] == "seat-users"
    attributes = item["attributes"]
    assert set(attributes) == {"assigned_at", "email", "name"}
    assert attributes["email"] == user["email"]
    assert attributes["name"] == user["name"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", attributes["assigned_at"])
    # RFC 3339 with Z, as Datadog writes it (fromisoformat reads "Z" only from Python 3.11).
    assigned_at = attributes["assigned_at"].replace("Z", "+00:00")
    assert datetime.fromisoformat(assigned_at).utcoffset() == timedelta(0)


def test_listing_is_per_product(emulator_api):
    ids = emulator_api.user_ids
    emulator_api.assign(ids[:2], "on_call")
    emulator_api.assign(ids[2:5], "incident_response")
    assert {i["id"] for i in emulator_api.list_all("on_call")} == set(ids[:2])
    assert {i["id"] for i in emulator_api.list_all("incident_response")} == set(ids[2:5])


def test_listing_orders_by_assigned_at_then_id(emulator_api):
    ids = emulator_api.user_ids
    first_batch, second_batch = ids[10:15], ids[0:5]
    assert emulator_api.assign(first_batch).status_code == 201
    assert emulator_api.assign(second_batch).status_code == 201
    listed = [item["id"] for item in emulator_api.list_all("on_call")]
    assert listed == sorted(first_batch) + sorted(second_batch)
    stamps = [item["attributes"]["assigned_at"] for item in emulator_api.list_all("on_call")]
    assert stamps == sorted(stamps)


def test_many_pages_list_every_holder_once(emulator_api, admin):
    ids = emulator_api.user_ids[:45]
    assert emulator_api.assign(ids).status_code == 201
    pages = []
    cursor = ""
    while True:
        response = emulator_api.get("on_call", limit=10, cursor=cursor)
        assert response.status_code == 200
        page = response.json()
        assert page["meta"]["limit"] == 10
        assert page["meta"]["cursor"] == cursor
        pages.append(page)
        cursor = page["meta"]["next_cursor"]
        if not cursor:
            break
        assert cursor not in {p["meta"]["cursor"] for p in pages}
        # opaque: not the plain offset, and not a user id
        assert not cursor.isdigit()
        assert cursor not in ids
    assert [len(p["data"]) for p in pages] == [10, 10, 10, 10, 5]
    listed = [item["id"] for page in pages for item in page["data"]]
    assert len(listed) == 45
    assert set(listed) == set(ids)


def test_exactly_full_last_page_has_no_next_cursor(emulator_api):
    emulator_api.assign(emulator_api.user_ids[:20])
    second = emulator_api.get(
        "on_call", limit=10, cursor=emulator_api.get(limit=10).json()["meta"]["next_cursor"]
    )
    assert len(second.json()["data"]) == 10
    assert second.json()["meta"]["next_cursor"] == ""


def test_default_page_limit_is_configurable(emulator_api, admin):
    admin.configure(default_page_limit=7)
    emulator_api.assign(emulator_api.user_ids[:10])
    page = emulator_api.get("on_call").json()
    assert page["meta"]["limit"] == 7
    assert len(page["data"]) == 7
    assert page["meta"]["next_cursor"]


@pytest.mark.parametrize(("asked", "capped"), [("100", 100), ("101", 100), ("5000", 100)])
def test_large_page_limit_is_silently_capped(emulator_api, asked, capped):
    emulator_api.assign(emulator_api.user_ids)
    response = emulator_api.get("on_call", limit=asked)
    assert response.status_code == 200
    assert response.json()["meta"]["limit"] == capped


def test_max_page_limit_is_configurable(emulator_api, admin):
    admin.configure(max_page_limit=20)
    emulator_api.assign(emulator_api.user_ids)
    page = emulator_api.get("on_call", limit=50).json()
    assert page["meta"]["limit"] == 20
    assert len(page["data"]) == 20
    assert len(emulator_api.list_all("on_call", limit=50)) == 50


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "1.5", " 3"])
def test_invalid_page_limit_is_400(emulator_api, limit):
    emulator_api.assign(emulator_api.user_ids[:3])
    response = emulator_api.get("on_call", limit=limit)
    assert response.status_code == 400
    (message,) = errors(response)
    assert "page[limit]" in message


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "cursor", ["garbage!", "10", _b64("offset:x"), _b64("offset:-1"), _b64("something:3"), "%%%"]
)
def test_invalid_cursor_is_400(emulator_api, cursor):
    emulator_api.assign(emulator_api.user_ids[:3])
    response = emulator_api.get("on_call", cursor=cursor)
    assert response.status_code == 400
    (message,) = errors(response)
    assert message.startswith("invalid page[cursor]")


def test_get_unknown_product_is_422(emulator_api):
    response = emulator_api.get("no_such_product")
    assert response.status_code == 422
    assert errors(response) == ["unknown product_code: no_such_product"]


# ----- POST: validation -----------------------------------------------------------------


def _post_raw(api, data: bytes):
    return api.session.post(
        api.url, data=data, headers={"Content-Type": "application/json"}, timeout=30
    )


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[1, 2", b"\xff\xfe"])
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_malformed_json_is_400(emulator_api, admin, raw, method):
    response = emulator_api.session.request(
        method, emulator_api.url, data=raw, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert response.status_code == 400
    assert errors(response) == ["malformed JSON body"]


WRONG_SHAPES = [
    [],
    "text",
    {},
    {"data": []},
    {"data": {"attributes": {"product_code": "on_call", "user_uuids": [UNKNOWN]}}},
    {
        "data": {
            "type": "seat-users",
            "attributes": {"product_code": "on_call", "user_uuids": [UNKNOWN]},
        }
    },
    {"data": {"type": "seat-assignments", "id": 5, "attributes": {"product_code": "on_call"}}},
    {"data": {"type": "seat-assignments", "attributes": []}},
    {
        "data": {
            "type": "seat-assignments",
            "attributes": {"product_code": 3, "user_uuids": [UNKNOWN]},
        }
    },
    {
        "data": {
            "type": "seat-assignments",
            "attributes": {"product_code": "on_call", "user_uuids": "x"},
        }
    },
]


@pytest.mark.parametrize("body", WRONG_SHAPES)
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_wrong_shape_or_type_is_400(emulator_api, admin, body, method):
    response = emulator_api.session.request(method, emulator_api.url, json=body, timeout=30)
    assert response.status_code == 400, response.text
    assert len(errors(response)) == 1


@pytest.mark.parametrize("product_code", [None, ""])
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_missing_product_code_is_422(emulator_api, product_code, method):
    body = emulator_api.body(product_code, emulator_api.user_ids[:1])
    response = emulator_api.session.request(method, emulator_api.url, json=body, timeout=30)
    assert response.status_code == 422
    assert errors(response) == ["product_code is required"]


def test_missing_attributes_is_422_product_code(emulator_api):
    body = {"data": {"type": "seat-assignments"}}
    response = emulator_api.session.post(emulator_api.url, json=body, timeout=30)
    assert response.status_code == 422
    assert errors(response) == ["product_code is required"]


@pytest.mark.parametrize("user_uuids", [None, []])
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_missing_or_empty_user_uuids_is_422(emulator_api, user_uuids, method):
    body = emulator_api.body("on_call", user_uuids)
    response = emulator_api.session.request(method, emulator_api.url, json=body, timeout=30)
    assert response.status_code == 422
    assert errors(response) == ["user_uuids is required and must not be empty"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("not-a-uuid", "not-a-uuid"),
        ("12345678123456781234567812345678", "12345678123456781234567812345678"),
        ("{12345678-1234-5678-1234-567812345678}", "{12345678-1234-5678-1234-567812345678}"),
        (42, "42"),
        (None, "null"),
    ],
)
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_invalid_user_uuid_is_400(emulator_api, admin, value, shown, method):
    body = emulator_api.body("on_call", [emulator_api.user_ids[0], value])
    response = emulator_api.session.request(method, emulator_api.url, json=body, timeout=30)
    assert response.status_code == 400
    assert errors(response) == [f"invalid user uuid: {shown}"]
    assert admin.holders("on_call") == []


def test_too_many_user_uuids_is_400(emulator_api, admin):
    admin.configure(max_batch=3)
    response = emulator_api.assign(emulator_api.user_ids[:4])
    assert response.status_code == 400
    assert errors(response) == ["too many user_uuids: 4 (max 3)"]
    assert admin.holders("on_call") == []
    assert emulator_api.assign(emulator_api.user_ids[:3]).status_code == 201


def test_default_max_batch_is_1000(emulator_api):
    too_many = [str(uuid.uuid4()) for _ in range(1001)]
    response = emulator_api.assign(too_many)
    assert response.status_code == 400
    assert errors(response) == ["too many user_uuids: 1001 (max 1000)"]
    assert emulator_api.assign(too_many[:1000]).status_code == 201


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_unknown_product_is_rejected_by_default(emulator_api, admin, method):
    body = emulator_api.body("no_such_product", emulator_api.user_ids[:1])
    response = emulator_api.session.request(method, emulator_api.url, json=body, timeout=30)
    assert response.status_code == 422
    assert errors(response) == ["unknown product_code: no_such_product"]
    assert admin.holders("no_such_product") == []


def test_unknown_product_accept_switch(emulator_api, admin):
    admin.configure(unknown_product="accept")
    ids = emulator_api.user_ids[:2]
    response = emulator_api.assign(ids, "brand_new")
    assert response.status_code == 201
    assert response.json()["data"]["attributes"]["assigned_ids"] == ids
    assert admin.holders("brand_new") == sorted(ids)
    assert emulator_api.get("brand_new").status_code == 200
    assert emulator_api.get("other_new").json() == {"data": []}
    assert emulator_api.unassign(ids, "brand_new").status_code == 204


def test_known_products_are_configurable(emulator_api, admin):
    admin.configure(known_products=["audit_trail"])
    assert emulator_api.assign(emulator_api.user_ids[:1], "audit_trail").status_code == 201
    assert emulator_api.assign(emulator_api.user_ids[:1], "on_call").status_code == 422


# ----- POST: assigning ------------------------------------------------------------------


def test_assign_returns_201_with_request_id(emulator_api, admin):
    ids = emulator_api.user_ids[:3]
    body = emulator_api.body("on_call", ids, request_id="my-request-1")
    response = emulator_api.session.post(emulator_api.url, json=body, timeout=30)
    assert response.status_code == 201
    assert response.json() == {
        "data": {
            "type": "seat-assignments",
            "id": "my-request-1",
            "attributes": {"product_code": "on_call", "assigned_ids": ids},
        }
    }
    assert admin.holders("on_call") == sorted(ids)


def test_assign_without_id_generates_a_uuid(emulator_api):
    first = emulator_api.assign(emulator_api.user_ids[:1]).json()["data"]["id"]
    second = emulator_api.assign(emulator_api.user_ids[:1]).json()["data"]["id"]
    assert uuid.UUID(first) and uuid.UUID(second)
    assert first != second


def test_assigned_ids_all_lists_previous_holders_too(emulator_api, admin):
    ids = emulator_api.user_ids
    assert emulator_api.assign(ids[:2]).status_code == 201
    response = emulator_api.assign(ids[:4])
    assert response.status_code == 201
    assert response.json()["data"]["attributes"]["assigned_ids"] == ids[:4]


def test_assigned_ids_new_lists_only_new_holders(emulator_api, admin):
    admin.configure(assigned_ids="new")
    ids = emulator_api.user_ids
    assert emulator_api.assign(ids[:2]).json()["data"]["attributes"]["assigned_ids"] == ids[:2]
    response = emulator_api.assign(ids[:4])
    assert response.status_code == 201
    assert response.json()["data"]["attributes"]["assigned_ids"] == ids[2:4]
    again = emulator_api.assign(ids[:4])
    assert again.status_code == 201
    assert again.json()["data"]["attributes"]["assigned_ids"] == []
    assert admin.holders("on_call") == sorted(ids[:4])


def test_assign_is_idempotent_and_keeps_assigned_at(emulator_api, admin):
    user = emulator_api.user_ids[0]
    emulator_api.assign([user])
    before = emulator_api.get().json()["data"][0]["attributes"]["assigned_at"]
    response = emulator_api.assign([user])
    assert response.status_code == 201
    assert response.json()["data"]["attributes"]["assigned_ids"] == [user]
    after = emulator_api.get().json()["data"]
    assert len(after) == 1
    assert after[0]["attributes"]["assigned_at"] == before


def test_uuids_compare_case_insensitively(emulator_api, admin):
    user = emulator_api.user_ids[0]
    response = emulator_api.assign([user.upper(), user])
    assert response.status_code == 201
    assert response.json()["data"]["attributes"]["assigned_ids"] == [user]
    assert admin.holders("on_call") == [user]
    assert emulator_api.unassign([user.upper()]).status_code == 204
    assert admin.holders("on_call") == []


def test_unknown_users_are_skipped_by_default(emulator_api, admin):
    known = emulator_api.user_ids[0]
    response = emulator_api.assign([UNKNOWN, known])
    assert response.status_code == 201
    assert response.json()["data"]["attributes"]["assigned_ids"] == [known]
    assert admin.holders("on_call") == [known]


def test_unknown_users_reject_switch(emulator_api, admin):
    admin.configure(unknown_users="reject")
    other = "00000000-0000-4000-8000-0000000000ef"
    known = emulator_api.user_ids[0]
    response = emulator_api.assign([UNKNOWN, known, other.upper()])
    assert response.status_code == 422
    assert errors(response) == [f"unknown user uuids: {UNKNOWN}, {other}"]
    assert admin.holders("on_call") == []
    assert emulator_api.assign([known]).status_code == 201


def test_set_users_changes_who_is_known(emulator_api, admin):
    newcomer = {"id": UNKNOWN.upper(), "email": "new@example.com", "name": "New"}
    users = admin.set_users([newcomer])
    assert users == [{"id": UNKNOWN, "email": "new@example.com", "name": "New"}]
    response = emulator_api.assign([UNKNOWN, emulator_api.user_ids[0]])
    assert response.json()["data"]["attributes"]["assigned_ids"] == [UNKNOWN]
    item = emulator_api.get().json()["data"][0]
    assert item["attributes"]["email"] == "new@example.com"


def test_holders_that_are_not_known_users_list_null_email_and_name(emulator_api, admin):
    admin.set_holders("on_call", [UNKNOWN])
    (item,) = emulator_api.get().json()["data"]
    assert item["id"] == UNKNOWN
    assert item["attributes"]["email"] is None
    assert item["attributes"]["name"] is None


# ----- capacity -------------------------------------------------------------------------


def test_over_capacity_is_rejected_by_default(emulator_api, admin):
    admin.configure(capacity={"on_call": 3})
    ids = emulator_api.user_ids
    assert emulator_api.assign(ids[:2]).status_code == 201
    response = emulator_api.assign(ids[:5])
    assert response.status_code == 422
    assert errors(response) == ["not enough seats for product on_call: 3 requested, 1 available"]
    assert admin.holders("on_call") == sorted(ids[:2])
    # re-assigning current holders needs no free seat
    assert emulator_api.assign(ids[:3]).status_code == 201
    assert emulator_api.assign(ids[3:4]).status_code == 422


def test_capacity_is_per_product(emulator_api, admin):
    admin.configure(capacity={"on_call": 1})
    ids = emulator_api.user_ids
    assert emulator_api.assign(ids[:5], "incident_response").status_code == 201
    assert emulator_api.assign(ids[:2], "on_call").status_code == 422


def test_default_capacity_applies_to_unlisted_products(emulator_api, admin):
    admin.configure(default_capacity=2, capacity={"on_call": None})
    ids = emulator_api.user_ids
    response = emulator_api.assign(ids[:3], "incident_response")
    assert response.status_code == 422
    assert errors(response) == [
        "not enough seats for product incident_response: 3 requested, 2 available"
    ]
    assert emulator_api.assign(ids[:10], "on_call").status_code == 201


def test_over_capacity_partial_switch(emulator_api, admin):
    admin.configure(capacity={"on_call": 3}, over_capacity="partial")
    ids = emulator_api.user_ids
    assert emulator_api.assign([ids[9]]).status_code == 201
    response = emulator_api.assign([ids[5], ids[9], ids[1], ids[7], ids[3]])
    assert response.status_code == 201
    assert response.json()["data"]["attributes"]["assigned_ids"] == [ids[5], ids[9], ids[1]]
    assert admin.holders("on_call") == sorted([ids[9], ids[5], ids[1]])


def test_over_capacity_partial_with_assigned_ids_new(emulator_api, admin):
    admin.configure(capacity={"on_call": 2}, over_capacity="partial", assigned_ids="new")
    ids = emulator_api.user_ids
    emulator_api.assign(ids[:1])
    response = emulator_api.assign(ids[:4])
    assert response.json()["data"]["attributes"]["assigned_ids"] == [ids[1]]
    full = emulator_api.assign(ids[4:6])
    assert full.status_code == 201
    assert full.json()["data"]["attributes"]["assigned_ids"] == []


def test_out_of_band_holders_beyond_capacity_leave_zero_available(emulator_api, admin):
    ids = emulator_api.user_ids
    admin.set_holders("on_call", ids[:5])
    admin.configure(capacity={"on_call": 3})
    response = emulator_api.assign(ids[5:6])
    assert errors(response) == ["not enough seats for product on_call: 1 requested, 0 available"]


# ----- DELETE ---------------------------------------------------------------------------


def test_unassign_returns_204_with_empty_body(emulator_api, admin):
    ids = emulator_api.user_ids
    emulator_api.assign(ids[:3])
    response = emulator_api.unassign(ids[:2])
    assert response.status_code == 204
    assert response.content == b""
    assert admin.holders("on_call") == [ids[2]]
    assert all(name in response.headers for name in RATE_HEADERS)


def test_unassign_only_touches_the_given_product(emulator_api, admin):
    ids = emulator_api.user_ids
    emulator_api.assign(ids[:2], "on_call")
    emulator_api.assign(ids[:2], "incident_response")
    emulator_api.unassign(ids[:2], "on_call")
    assert admin.holders("on_call") == []
    assert admin.holders("incident_response") == sorted(ids[:2])


def test_unassign_missing_ok_by_default(emulator_api, admin):
    ids = emulator_api.user_ids
    emulator_api.assign(ids[:1])
    response = emulator_api.unassign(ids[:3])
    assert response.status_code == 204
    assert admin.holders("on_call") == []
    assert emulator_api.unassign(ids[:3]).status_code == 204


def test_unassign_missing_reject_switch(emulator_api, admin):
    admin.configure(unassign_missing="reject")
    ids = emulator_api.user_ids
    emulator_api.assign(ids[:2])
    response = emulator_api.unassign([ids[0], ids[5], ids[6]])
    assert response.status_code == 422
    assert errors(response) == [f"user uuids do not hold a seat of on_call: {ids[5]}, {ids[6]}"]
    assert admin.holders("on_call") == sorted(ids[:2])
    assert emulator_api.unassign(ids[:2]).status_code == 204
    assert admin.holders("on_call") == []


def test_unassign_unknown_users_follow_unknown_users_switch(emulator_api, admin):
    admin.set_holders("on_call", [UNKNOWN])
    admin.configure(unknown_users="reject")
    response = emulator_api.unassign([UNKNOWN])
    assert response.status_code == 422
    assert errors(response) == [f"unknown user uuids: {UNKNOWN}"]
    assert admin.holders("on_call") == [UNKNOWN]
    admin.configure(unknown_users="skip")
    assert emulator_api.unassign([UNKNOWN]).status_code == 204
    assert admin.holders("on_call") == []


def test_unassign_then_list_is_empty_shape_again(emulator_api):
    ids = emulator_api.user_ids[:2]
    emulator_api.assign(ids)
    emulator_api.unassign(ids)
    assert emulator_api.get().json() == {"data": []}


def test_keep_alive_session_serves_many_requests_on_one_connection(emulator_api):
    for _ in range(30):
        assert emulator_api.get().status_code == 200
    assert emulator_api.assign(emulator_api.user_ids[:1]).status_code == 201
    assert emulator_api.unassign(emulator_api.user_ids[:1]).status_code == 204
    assert emulator_api.get().json() == {"data": []}
