"""client.SeatsClient against `responses` mocks of https://api.datadoghq.com.

`responses` replaces ``HTTPAdapter.send`` but still drives the adapter's urllib3
``Retry`` for status codes (it calls ``increment()`` itself, without ``sleep()``),
so status retries (429, 5xx) are exercised here; connection-error retries and the
waits are exercised in test_retry.py.
"""

from __future__ import annotations

import contextlib
import json
import logging
import platform
from collections.abc import Iterator
from importlib.metadata import version
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from responses import matchers

from pulumi_datadog_seats.api.seats import SeatHolder, SeatsClient, WriteResult
from pulumi_datadog_seats.errors import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    SeatsError,
    ServerError,
    TransportError,
    UnexpectedAnswerError,
    UnprocessableError,
)
from tests.unit.conftest import CANARY_API_KEY, CANARY_APP_KEY, make_settings

BASE = "https://api.datadoghq.com"
URL = BASE + "/api/v2/seats/users"


def uid(i: int) -> str:
    return f"3f2a6b1c-0d4e-4f5a-9b8c-{i:012x}"


USERS = [uid(i) for i in range(1, 6)]


def make_client(**overrides: Any) -> SeatsClient:
    return SeatsClient(make_settings(**overrides))


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def body_of(call: Any) -> Any:
    return json.loads(call.request.body)


def echo_assigned(request: Any) -> tuple[int, dict[str, str], str]:
    """A POST answer that seats every requested user (upper-cased, as a server might)."""
    attributes = json.loads(request.body)["data"]["attributes"]
    answer = {
        "data": {
            "type": "seat-assignments",
            "id": "req",
            "attributes": {
                "product_code": attributes["product_code"],
                "assigned_ids": [u.upper() for u in attributes["user_uuids"]],
            },
        }
    }
    return 201, {}, json.dumps(answer)


def page(ids: list[str], next_cursor: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "data": [
            {
                "id": i,
                "type": "seat-users",
                "attributes": {
                    "assigned_at": "2024-01-02T03:04:05Z",
                    "email": f"{i[-4:]}@example.com",
                    "name": f"User {i[-4:]}",
                },
            }
            for i in ids
        ],
    }
    if next_cursor is not None:
        body["meta"] = {"cursor": "", "limit": 2, "next_cursor": next_cursor}
    return body


def listing_query(limit: str, **extra: str) -> Any:
    """Match exactly the query of a listing of on_call seats (page[cursor] in ``extra``)."""
    return matchers.query_param_matcher({"product_code": "on_call", "page[limit]": limit, **extra})


def query_of(call: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


# -- request shape -------------------------------------------------------------


def test_assign_sends_the_reference_body_and_headers(rsps):
    rsps.add_callback(responses.POST, URL, callback=echo_assigned)
    assigned = make_client().assign_batch("incident_response", [USERS[0], USERS[1]])

    assert sorted(assigned.assigned_ids) == [USERS[0], USERS[1]]
    (call,) = rsps.calls
    body = body_of(call)
    assert set(body) == {"data"}
    assert body["data"]["type"] == "seat-assignments"
    assert set(body["data"]) <= {"type", "id", "attributes"}
    assert body["data"]["attributes"] == {
        "product_code": "incident_response",
        "user_uuids": [USERS[0], USERS[1]],
    }
    headers = call.request.headers
    assert headers["DD-API-KEY"] == CANARY_API_KEY
    assert headers["DD-APPLICATION-KEY"] == CANARY_APP_KEY
    assert headers["Accept"] == "application/json"
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"].startswith("pulumi-datadog-seats/")
    assert headers["User-Agent"].startswith(
        f"pulumi-datadog-seats/{version('pulumi-datadog-seats')} "
        f"(python {platform.python_version()}) python-requests/"
    )


def test_every_call_has_a_timeout(rsps):
    rsps.add_callback(responses.POST, URL, callback=echo_assigned)
    rsps.add(responses.DELETE, URL, status=204)
    rsps.add(responses.GET, URL, json={"data": []})
    client = make_client(timeout_seconds=7.5)
    client.assign_batch("on_call", USERS[:1])
    client.unassign_batch("on_call", USERS[:1])
    client.list_seat_holders("on_call")
    assert len(rsps.calls) == 3
    for call in rsps.calls:
        timeout = call.request.req_kwargs["timeout"]
        assert timeout is not None
        read = timeout[1] if isinstance(timeout, tuple) else timeout
        assert read == 7.5


def test_api_url_with_a_path_prefix_is_kept(rsps):
    rsps.add(responses.GET, "https://proxy.example/datadog/api/v2/seats/users", json={"data": []})
    client = make_client(api_url="https://proxy.example/datadog")
    assert client.list_seat_holders("on_call") == set()
    assert len(rsps.calls) == 1


# -- one request per batch ----------------------------------------------------


def test_assign_answers_the_lower_case_ids_datadog_named(rsps):
    rsps.add_callback(responses.POST, URL, callback=echo_assigned)
    result = make_client().assign_batch("on_call", [u.upper() for u in USERS[:2]])
    assert result.assigned_ids == tuple(USERS[:2])


def test_assign_returns_only_what_datadog_answered(rsps):
    answer = {"data": {"type": "seat-assignments", "attributes": {"assigned_ids": [USERS[1]]}}}
    rsps.add(responses.POST, URL, json=answer, status=201)
    assert make_client().assign_batch("on_call", USERS[:3]).assigned_ids == (USERS[1],)


@pytest.mark.parametrize(
    "answer",
    [
        {"data": {"type": "seat-assignments", "attributes": {}}},
        {"data": {"type": "seat-assignments", "attributes": {"assigned_ids": None}}},
        {"data": None},
        {},
    ],
)
def test_assign_answer_without_assigned_ids_names_nobody(rsps, answer):
    rsps.add(responses.POST, URL, json=answer, status=201)
    assert make_client().assign_batch("on_call", USERS[:2]) == WriteResult()


def test_assign_with_an_empty_answer_body_names_nobody(rsps):
    rsps.add(responses.POST, URL, status=201, body=b"")
    assert make_client().assign_batch("on_call", USERS[:2]) == WriteResult()


def test_unassign_sends_the_reference_body_with_delete(rsps):
    rsps.add(responses.DELETE, URL, status=204)
    assert make_client().unassign_batch("on_call", USERS[:2]) == WriteResult()
    (call,) = rsps.calls
    assert call.request.method == "DELETE"
    body = body_of(call)
    assert body["data"]["type"] == "seat-assignments"
    assert body["data"]["attributes"] == {"product_code": "on_call", "user_uuids": USERS[:2]}


# -- listing -------------------------------------------------------------------


def test_iter_seat_users_follows_the_cursor_across_three_pages(rsps):
    def q(**extra: str) -> Any:
        return matchers.query_param_matcher(
            {"product_code": "on_call", "page[limit]": "2", **extra}
        )

    upper = [u.upper() for u in USERS]
    rsps.add(responses.GET, URL, json=page(upper[0:2], "c1"), match=[q()])
    rsps.add(responses.GET, URL, json=page(upper[2:4], "c2"), match=[q(**{"page[cursor]": "c1"})])
    rsps.add(responses.GET, URL, json=page(upper[4:5], ""), match=[q(**{"page[cursor]": "c2"})])

    users = list(make_client(page_size=2).iter_seat_users("on_call"))

    assert [u.id for u in users] == USERS
    assert len(rsps.calls) == 3
    assert users[0] == SeatHolder(
        id=USERS[0],
        email=f"{upper[0][-4:]}@example.com",
        name=f"User {upper[0][-4:]}",
        assigned_at="2024-01-02T03:04:05Z",
    )


def test_iter_seat_users_sends_page_limit_from_settings(rsps):
    rsps.add(responses.GET, URL, json=page([USERS[0]], ""))
    list(make_client(page_size=37).iter_seat_users("incident_response"))
    (call,) = rsps.calls
    assert query_of(call) == {"product_code": ["incident_response"], "page[limit]": ["37"]}


def test_a_page_without_meta_is_the_last(rsps):
    rsps.add(responses.GET, URL, json={"data": []})
    assert list(make_client().iter_seat_users("on_call")) == []
    assert len(rsps.calls) == 1


@pytest.mark.parametrize("meta", [{"next_cursor": ""}, {"next_cursor": None}, {}, None])
def test_missing_or_empty_next_cursor_is_the_last_page(rsps, meta):
    rsps.add(responses.GET, URL, json={"data": [{"id": USERS[0]}], "meta": meta})
    assert make_client().list_seat_holders("on_call") == {USERS[0]}
    assert len(rsps.calls) == 1


def test_a_cursor_that_does_not_move_is_an_error_not_a_short_listing(rsps):
    # Ending quietly would hand the seat logic a listing it cannot know is whole.
    rsps.add(responses.GET, URL, json=page([USERS[0]], "same"))
    with pytest.raises(UnexpectedAnswerError) as info:
        make_client().list_seat_holders("on_call")
    assert "page 2" in str(info.value) and "circle" in str(info.value)
    assert len(rsps.calls) == 2
    assert query_of(rsps.calls[1])["page[cursor]"] == ["same"]


def test_a_cursor_cycle_is_an_error_not_a_short_listing(rsps):
    def q(**extra: str) -> Any:
        return matchers.query_param_matcher(
            {"product_code": "on_call", "page[limit]": "100", **extra}
        )

    rsps.add(responses.GET, URL, json=page([USERS[0]], "A"), match=[q()])
    rsps.add(responses.GET, URL, json=page([USERS[1]], "B"), match=[q(**{"page[cursor]": "A"})])
    rsps.add(responses.GET, URL, json=page([USERS[2]], "A"), match=[q(**{"page[cursor]": "B"})])
    with pytest.raises(UnexpectedAnswerError) as info:
        make_client().list_seat_holders("on_call")
    assert "page 3" in str(info.value) and "page 1 already gave" in str(info.value)
    assert len(rsps.calls) == 3


def test_list_seat_holders_is_a_lower_case_set(rsps):
    rsps.add(responses.GET, URL, json=page([USERS[0].upper(), USERS[0], USERS[1].upper()], None))
    assert make_client().list_seat_holders("on_call") == {USERS[0], USERS[1]}


# -- errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (422, UnprocessableError),
    ],
)
def test_error_answers_raise_their_class_without_retrying(rsps, status, cls):
    rsps.add(responses.POST, URL, status=status, json={"errors": ["told you so"]})
    with pytest.raises(cls) as info:
        make_client().assign_batch("on_call", USERS[:1])
    assert info.value.status == status
    assert info.value.method == "POST"
    assert info.value.path == "/api/v2/seats/users"
    assert info.value.errors == ["told you so"]
    assert len(rsps.calls) == 1


def test_403_on_listing_names_the_read_permissions(rsps):
    rsps.add(responses.GET, URL, status=403, json={"errors": ["Forbidden"]})
    with pytest.raises(PermissionDeniedError) as info:
        make_client().list_seat_holders("on_call")
    message = str(info.value)
    assert "billing_read, incident_read, on_call_read" in message
    assert "user_access_read" in message  # which a later revision of the reference asks for
    assert "billing_edit" not in message  # a listing writes nothing
    assert info.value.method == "GET"


def test_403_on_a_write_names_the_write_permissions(rsps):
    rsps.add(responses.POST, URL, status=403, json={"errors": ["Forbidden"]})
    with pytest.raises(PermissionDeniedError) as info:
        make_client().assign_batch("on_call", USERS[:1])
    assert "billing_edit, incident_write, on_call_write" in str(info.value)


def test_non_json_success_body_is_a_transport_error(rsps):
    rsps.add(responses.GET, URL, body="<html>login</html>", status=200)
    with pytest.raises(TransportError) as info:
        make_client().list_seat_holders("on_call")
    assert BASE in str(info.value)


def test_connection_error_is_a_transport_error(rsps):
    rsps.add(responses.POST, URL, body=requests.ConnectionError("connection refused"))
    with pytest.raises(TransportError) as info:
        make_client().assign_batch("on_call", USERS[:1])
    message = str(info.value)
    assert "POST" in message
    assert "connection refused" in message
    assert "datadog:apiUrl" in message


def test_timeout_is_a_transport_error_that_says_so(rsps):
    rsps.add(responses.GET, URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(TransportError, match="timed out"):
        make_client().list_seat_holders("on_call")


# -- retries (status codes; see the module docstring) -----------------------------


def test_server_error_then_success_is_retried(rsps):
    rsps.add(responses.POST, URL, status=503, json={"errors": ["busy"]})
    rsps.add_callback(responses.POST, URL, callback=echo_assigned)
    assert make_client().assign_batch("on_call", USERS[:2]).assigned_ids == tuple(USERS[:2])
    assert len(rsps.calls) == 2
    assert body_of(rsps.calls[0]) == body_of(rsps.calls[1])


@pytest.mark.parametrize("status", [500, 502, 504])
def test_other_5xx_are_retried(rsps, status):
    rsps.add(responses.DELETE, URL, status=status)
    rsps.add(responses.DELETE, URL, status=204)
    make_client().unassign_batch("on_call", USERS[:1])
    assert len(rsps.calls) == 2


def test_429_with_rate_limit_reset_zero_is_retried(rsps):
    rsps.add(
        responses.GET,
        URL,
        status=429,
        json={"errors": ["Too many requests"]},
        headers={"X-RateLimit-Reset": "0"},
    )
    rsps.add(responses.GET, URL, json=page([USERS[0]]))
    assert make_client().list_seat_holders("on_call") == {USERS[0]}
    assert len(rsps.calls) == 2


def test_429_whose_reset_outlasts_the_budget_is_not_retried(rsps):
    rsps.add(
        responses.POST,
        URL,
        status=429,
        json={"errors": ["Too many requests"]},
        headers={"X-RateLimit-Reset": "3600"},
    )
    with pytest.raises(RateLimitedError) as info:
        make_client(retry_budget_seconds=60).assign_batch("on_call", USERS[:1])
    assert len(rsps.calls) == 1
    assert info.value.reset_seconds == "3600"
    assert "3600" in str(info.value)


def test_persistent_503_exhausts_retries_into_a_server_error(rsps):
    rsps.add(responses.POST, URL, status=503, json={"errors": ["down"]})
    with pytest.raises(ServerError) as info:
        make_client(max_retries=2).assign_batch("on_call", USERS[:1])
    assert info.value.status == 503
    assert info.value.errors == ["down"]
    assert len(rsps.calls) == 3  # the first try and two retries


def test_max_retries_zero_means_one_try(rsps):
    rsps.add(responses.GET, URL, status=500)
    with pytest.raises(ServerError):
        make_client(max_retries=0).list_seat_holders("on_call")
    assert len(rsps.calls) == 1


def test_persistent_429_becomes_rate_limited_error(rsps):
    rsps.add(responses.GET, URL, status=429, headers={"X-RateLimit-Reset": "0"})
    with pytest.raises(RateLimitedError) as info:
        make_client(max_retries=3).list_seat_holders("on_call")
    assert info.value.reset_seconds == "0"
    assert len(rsps.calls) == 4


# -- redirects -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "location"),
    [
        (302, "http://collector.example/seats"),
        (301, "https://collector.example/seats"),
        (307, "http://api.datadoghq.com/api/v2/seats/users"),
    ],
)
def test_a_redirect_never_carries_the_keys_elsewhere(rsps, status, location):
    rsps.add(responses.GET, URL, status=status, headers={"Location": location})
    rsps.add(responses.GET, location, json={"data": []})
    with contextlib.suppress(SeatsError):  # refusing to follow is fine too
        make_client().list_seat_holders("on_call")
    assert rsps.calls[0].request.url.startswith(URL)
    for call in rsps.calls[1:]:
        sent = " ".join(f"{k}: {v}" for k, v in call.request.headers.items())
        assert CANARY_API_KEY not in sent, call.request.url
        assert CANARY_APP_KEY not in sent, call.request.url


# -- keys never leak -------------------------------------------------------------


def test_keys_never_reach_messages_or_logs(rsps, caplog):
    caplog.set_level(logging.DEBUG, logger="pulumi_datadog_seats")
    caplog.set_level(logging.DEBUG, logger="urllib3")
    leaky = f"invalid key {CANARY_API_KEY} / {CANARY_APP_KEY}"
    raised: list[SeatsError] = []

    def attempt(call: Any) -> None:
        try:
            call()
        except SeatsError as exc:
            raised.append(exc)

    # Successful calls, retried calls, and errors whose bodies echo the keys.
    rsps.add_callback(responses.POST, URL, callback=echo_assigned)
    rsps.add(responses.DELETE, URL, status=503)
    rsps.add(responses.DELETE, URL, status=204)
    rsps.add(responses.GET, URL, json=page([USERS[0]]))
    client = make_client(max_retries=1)
    client.assign_batch("on_call", USERS[:2])
    client.unassign_batch("on_call", USERS[:2])
    client.list_seat_holders("on_call")

    for status in (400, 401, 403, 422, 429, 503):
        rsps.replace(responses.POST, URL, status=status, json={"errors": [leaky]})
        attempt(lambda: client.assign_batch("on_call", USERS[:1]))
    rsps.replace(responses.POST, URL, body=requests.ConnectionError(leaky))
    attempt(lambda: client.assign_batch("on_call", USERS[:1]))
    rsps.replace(responses.POST, URL, body="not json " + leaky, status=201)
    attempt(lambda: client.assign_batch("on_call", USERS[:1]))

    assert len(raised) == 8
    for exc in raised:
        for text in (str(exc), repr(exc), " ".join(map(str, exc.args))):
            assert CANARY_API_KEY not in text
            assert CANARY_APP_KEY not in text
        for error in getattr(exc, "errors", []):
            assert CANARY_API_KEY not in error
            assert CANARY_APP_KEY not in error
    assert caplog.records  # the client does log at DEBUG, so the check below means something
    for record in caplog.records:
        text = record.getMessage()
        assert CANARY_API_KEY not in text
        assert CANARY_APP_KEY not in text
    assert CANARY_API_KEY not in caplog.text
    assert CANARY_APP_KEY not in caplog.text
