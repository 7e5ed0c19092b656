"""Answers the client cannot understand, unit tier: shapes, listing bounds, messages, logs.

Over real HTTP (stalls, huge bodies, redirects, retries) the same behaviours are proved in
tests/emulator/test_hostile_answers.py; here `responses` mocks and a scripted transport
pin the rules themselves, including the real listing bounds, which would take minutes
to reach over HTTP.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import responses

from pulumi_datadog_seats.api import transport as transport_module
from pulumi_datadog_seats.api.advice import error_from_response
from pulumi_datadog_seats.api.answers import Answer
from pulumi_datadog_seats.api.paging import (
    MAX_ENTRIES,
    MAX_PAGES,
    iter_cursor_pages,
    iter_numbered_pages,
)
from pulumi_datadog_seats.api.retry import MAX_ERROR_BODY_BYTES
from pulumi_datadog_seats.api.seats import SEATS_ADVICE, SeatsClient
from pulumi_datadog_seats.api.teams import TeamsClient
from pulumi_datadog_seats.api.transport import MAX_BODY_BYTES, Transport
from pulumi_datadog_seats.api.users import USERS_ADVICE, UsersClient
from pulumi_datadog_seats.errors import (
    RateLimitedError,
    RedirectError,
    SeatsError,
    ServerError,
    TransportError,
    UnexpectedAnswerError,
    describe_location,
)
from pulumi_datadog_seats.settings import Settings
from tests.unit.conftest import CANARY_API_KEY, CANARY_APP_KEY, uid

BASE = "https://api.datadoghq.com"
SEATS_URL = BASE + "/api/v2/seats/users"
USERS_URL = BASE + "/api/v2/users"
TEAM = "e6723c40-edb1-11ed-b816-da7ad0900002"
TEAM_URL = f"{BASE}/api/v2/team/{TEAM}/memberships"
KEYS = (CANARY_API_KEY, CANARY_APP_KEY)


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "api_key": CANARY_API_KEY,
        "app_key": CANARY_APP_KEY,
        "api_url": BASE,
        "backoff_seconds": 0,
        "max_retries": 0,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def holder(i: int, **extra: Any) -> dict[str, Any]:
    return {"id": uid(i), "type": "seat-users", "attributes": {"email": f"u{i}@x.io"}, **extra}


def assert_no_key(exc: BaseException) -> None:
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        for key in KEYS:
            assert key not in str(current) and key not in repr(current)
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)


# -- the shape of a seats listing ------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ([holder(1)], "the body is a list, not an object"),
        ({"data": {"id": uid(1)}}, "data is an object, not a list"),
        ({"data": None}, "data is missing or null, not a list"),
        ({"meta": {"next_cursor": ""}}, "data is missing"),
        ({"data": ["x"]}, "data[0] is a string, not an object"),
        ({"data": [{"type": "seat-users"}]}, "data[0].id is missing or null, not a user UUID"),
        ({"data": [holder(1), {"id": 7}]}, "data[1].id is a number, not a user UUID"),
        ({"data": [{"id": "alice"}]}, "data[0].id is a string that is not a user UUID"),
        ({"data": [{"id": uid(1), "attributes": []}]}, "data[0].attributes is a list"),
        ({"data": [], "meta": [1]}, "meta is a list, not an object"),
        ({"data": [holder(1)], "meta": {"next_cursor": 2}}, "meta.next_cursor is a number"),
        ({"data": [holder(1)], "meta": {"next_cursor": {"a": 1}}}, "next_cursor is an object"),
        ({"data": [holder(1)], "meta": {"next_cursor": True}}, "next_cursor is a boolean"),
        (None, "the body is missing or null, not an object"),
    ],
)
def test_a_listing_of_the_wrong_shape_names_what_is_wrong(rsps, body, problem):
    rsps.add(responses.GET, SEATS_URL, body=json.dumps(body), status=200)
    with pytest.raises(UnexpectedAnswerError) as info:
        SeatsClient(make_settings()).list_seat_holders("on_call")
    message = str(info.value)
    assert problem in message
    assert message.startswith("GET /api/v2/seats/users answered 200 with a body that is not ")
    assert "Seats API's JSON shape" in message
    assert "datadog:apiUrl" in message and BASE in message
    assert (info.value.status, info.value.method) == (200, "GET")
    assert isinstance(info.value, TransportError)  # callers that catch it keep working


def test_an_empty_listing_body_is_an_error_not_an_empty_listing(rsps):
    # An empty set of holders would make a refresh forget every SeatAssignment.
    rsps.add(responses.GET, SEATS_URL, body=b"", status=200)
    with pytest.raises(UnexpectedAnswerError, match="an empty body where the Seats API sends"):
        SeatsClient(make_settings()).list_seat_holders("on_call")


def test_ids_are_canonical_uuids_and_display_attributes_of_another_type_are_dropped(rsps):
    odd = {"id": "{" + uid(2).upper() + "}", "attributes": {"email": 5, "name": None}}
    rsps.add(responses.GET, SEATS_URL, json={"data": [holder(1), odd]})
    users = list(SeatsClient(make_settings()).iter_seat_users("on_call"))
    assert [u.id for u in users] == [uid(1), uid(2)]
    assert (users[1].email, users[1].name) == (None, None)


def test_valid_json_under_another_content_type_is_accepted(rsps):
    rsps.add(
        responses.GET,
        SEATS_URL,
        body=json.dumps({"data": [holder(1)]}),
        content_type="text/html; charset=utf-8",
    )
    assert SeatsClient(make_settings()).list_seat_holders("on_call") == {uid(1)}


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"<html>login " + CANARY_API_KEY.encode() + b"</html>", "not JSON (text/html"),
        (b'{"data": [{"id": "3f2a', "not JSON (text/html"),
        (b"\xff\xfe\x00\x01garbage", "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_a_body_that_is_not_json_is_an_error_without_the_body(rsps, body, says):
    rsps.add(responses.GET, SEATS_URL, body=body, status=200, content_type="text/html")
    with pytest.raises(UnexpectedAnswerError) as info:
        SeatsClient(make_settings()).list_seat_holders("on_call")
    assert says in str(info.value)
    assert "<html" not in str(info.value)
    assert info.value.__context__ is None and info.value.__cause__ is None
    assert_no_key(info.value)


# -- the shape of an assign answer -------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"data": {"attributes": {"assigned_ids": uid(1)}}}, "assigned_ids is a string, not"),
        ({"data": {"attributes": {"assigned_ids": 3}}}, "assigned_ids is a number, not a list"),
        ({"data": {"attributes": {"assigned_ids": {uid(1): 1}}}}, "is an object, not a list"),
        ({"data": {"attributes": {"assigned_ids": [7]}}}, "assigned_ids[0] is a number"),
        ({"data": {"attributes": {"assigned_ids": ["bob"]}}}, "that is not a user UUID"),
        ({"data": {"attributes": []}}, "data.attributes is a list, not an object"),
        ({"data": [uid(1)]}, "data is a list, not an object"),
        ([uid(1)], "the body is a list, not an object"),
    ],
)
def test_an_assign_answer_of_the_wrong_shape_is_an_error(rsps, answer, problem):
    rsps.add(responses.POST, SEATS_URL, json=answer, status=201)
    with pytest.raises(UnexpectedAnswerError) as info:
        SeatsClient(make_settings()).assign_batch("on_call", [uid(1)])
    assert problem in str(info.value)
    assert str(info.value).startswith("POST /api/v2/seats/users answered 201 with a body")
    assert "idempotent" in str(info.value)


def test_assigned_ids_are_canonical(rsps):
    answer = {"data": {"attributes": {"assigned_ids": [uid(1).upper(), f"{{{uid(2)}}}"]}}}
    rsps.add(responses.POST, SEATS_URL, json=answer, status=201)
    result = SeatsClient(make_settings()).assign_batch("on_call", [uid(1), uid(2)])
    assert result.assigned_ids == (uid(1), uid(2))


def test_an_answer_id_in_the_shape_of_a_key_is_no_user_uuid(rsps):
    # One UUID reading everywhere (redaction.parse_user_uuid): 32 hex digits without hyphens
    # are an API key's shape, refused in answers as in declarations, and never echoed.
    key_shaped = uid(2).replace("-", "")
    answer = {"data": {"attributes": {"assigned_ids": [uid(1), key_shaped]}}}
    rsps.add(responses.POST, SEATS_URL, json=answer, status=201)
    with pytest.raises(UnexpectedAnswerError) as info:
        SeatsClient(make_settings()).assign_batch("on_call", [uid(1), uid(2)])
    assert "assigned_ids[1] is a string that is not a user UUID" in str(info.value)
    assert key_shaped not in str(info.value)


# -- users and team memberships ----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"data": {"id": uid(1)}}, "data is an object, not a list"),
        ({"data": [{"id": 12}]}, "data[0].id is a number, not a user UUID"),
        ({"data": [{"id": uid(1), "attributes": "x"}]}, "data[0].attributes is a string"),
        ({"data": [], "meta": "x"}, None),  # totals only end early: another meta is ignored
    ],
)
def test_users_answers_of_the_wrong_shape(rsps, body, problem):
    rsps.add(responses.GET, USERS_URL, json=body)
    client = UsersClient(make_settings())
    if problem is None:
        assert client.list_users() == []
        return
    with pytest.raises(UnexpectedAnswerError) as info:
        client.list_users()
    assert problem in str(info.value) and "Users API's JSON shape" in str(info.value)
    assert "reading changes nothing" in str(info.value)


def membership(user_id: Any) -> dict[str, Any]:
    return {"type": "team_memberships", "relationships": {"user": {"data": {"id": user_id}}}}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"data": [membership(5)]}, "data[0].relationships.user.data.id is a number"),
        ({"data": [membership("bob")]}, "is a string that is not a user UUID"),
        ({"data": [{"relationships": []}]}, "data[0].relationships is a list"),
        ({"data": [], "included": {"a": 1}}, "included is an object, not a list"),
        ({"data": [], "included": ["x"]}, "included[0] is a string, not an object"),
        ({"data": [membership(uid(1))], "meta": {"pagination": []}}, None),
    ],
)
def test_team_answers_of_the_wrong_shape(rsps, body, problem):
    rsps.add(responses.GET, TEAM_URL, json=body)
    client = TeamsClient(make_settings())
    if problem is None:
        assert client.member_uuids(TEAM) == [uid(1)]
        return
    with pytest.raises(UnexpectedAnswerError) as info:
        client.member_uuids(TEAM)
    assert problem in str(info.value) and "Teams API's JSON shape" in str(info.value)


def test_a_membership_without_a_user_is_still_skipped(rsps):
    rsps.add(responses.GET, TEAM_URL, json={"data": [{"relationships": {}}, membership(uid(2))]})
    assert TeamsClient(make_settings()).member_uuids(TEAM) == [uid(2)]


# -- listings end: circles and bounds ------------------------------------------------------


class ScriptedTransport(Transport):
    """A transport whose answers come from ``pages`` (a function of the query), not HTTP.

    It gives up after a few more pages than any bound, so that a missing bound fails the
    test instead of running forever.
    """

    def __init__(self, pages: Any) -> None:
        super().__init__(make_settings())
        self.pages = pages
        self.calls = 0

    def request_answer(self, method: str, path: str, **kwargs: Any) -> Answer:
        self.calls += 1
        if self.calls > MAX_PAGES + 10:
            raise RuntimeError("still paging: the listing has no bound")
        body = self.pages(kwargs["params"])
        return Answer(200, body, method, path, kwargs["advice"], self.settings, size=1)


def next_of(query: dict[str, str]) -> str:
    """A cursor never given before: c1, c2, ..."""
    return f"c{int(query.get('page[cursor]', 'c0')[1:]) + 1}"


def test_the_cursor_listing_stops_at_max_pages_with_a_clear_error():
    assert MAX_PAGES == 10_000  # the documented bound
    transport = ScriptedTransport(lambda q: {"data": [], "meta": {"next_cursor": next_of(q)}})
    pages = iter_cursor_pages(transport, "/api/v2/seats/users", {}, advice=SEATS_ADVICE)
    with pytest.raises(UnexpectedAnswerError) as info:
        for _ in pages:
            pass
    assert transport.calls == MAX_PAGES
    assert "page 10,000" in str(info.value) and "10,000 pages" in str(info.value)


def test_the_cursor_listing_stops_past_max_entries_before_handing_them_out():
    assert MAX_ENTRIES == 1_000_000
    big = [holder(1)] * 100_000
    transport = ScriptedTransport(lambda q: {"data": big, "meta": {"next_cursor": next_of(q)}})
    seen = 0
    pages = iter_cursor_pages(transport, "/api/v2/seats/users", {}, advice=SEATS_ADVICE)
    with pytest.raises(UnexpectedAnswerError) as info:
        for page in pages:
            seen += len(page.data)
    assert seen == MAX_ENTRIES  # ten pages handed out, the eleventh refused
    assert transport.calls == 11
    assert "1,100,000 entries" in str(info.value) and "1,000,000 entries" in str(info.value)


def test_the_numbered_listing_stops_at_max_pages_with_a_clear_error():
    transport = ScriptedTransport(
        lambda q: {"data": [{"n": q["page[number]"]}], "meta": {"page": {}}}
    )
    pages = iter_numbered_pages(
        transport, "/api/v2/users", {}, page_size=1, advice=USERS_ADVICE, is_last=None
    )
    with pytest.raises(UnexpectedAnswerError, match="10,000 pages"):
        for _ in pages:
            pass
    assert transport.calls == MAX_PAGES


def test_a_page_of_100000_holders_is_read_whole():
    big = [{"id": uid(i)} for i in range(100_000)]
    transport = ScriptedTransport(lambda q: {"data": big})
    client = SeatsClient(make_settings(), transport=transport)
    assert len(client.list_seat_holders("on_call")) == 100_000


# -- bodies: size ------------------------------------------------------------------------


def test_a_body_that_says_it_is_larger_than_the_cap_is_not_read(rsps):
    rsps.add(
        responses.GET,
        SEATS_URL,
        body=b"{}",
        headers={"Content-Length": str(MAX_BODY_BYTES + 1)},
        auto_calculate_content_length=False,
    )
    with pytest.raises(UnexpectedAnswerError, match="larger than 32 MiB"):
        SeatsClient(make_settings()).list_seat_holders("on_call")


def test_a_body_larger_than_the_cap_is_cut_off(rsps, monkeypatch):
    monkeypatch.setattr(transport_module, "MAX_BODY_BYTES", 1000)
    rsps.add(responses.GET, SEATS_URL, body=json.dumps({"data": [holder(1)] * 100}))
    with pytest.raises(UnexpectedAnswerError, match="larger than 1,000 bytes"):
        SeatsClient(make_settings()).list_seat_holders("on_call")


# -- messages: what a hostile server sends is cut, scrubbed, or left out ---------------


def test_error_texts_are_scrubbed_then_cut(rsps):
    # A key that straddles the cut would leave half of itself behind if cut first.
    long = "x" * 290 + CANARY_API_KEY + "y" * 2_000
    rsps.add(responses.POST, SEATS_URL, status=400, json={"errors": [long] * 20})
    with pytest.raises(SeatsError) as info:
        SeatsClient(make_settings()).assign_batch("on_call", [uid(1)])
    errors = info.value.errors  # type: ignore[attr-defined]
    assert len(errors) == 10
    assert all(len(e) <= 300 for e in errors)
    assert CANARY_API_KEY[:8] not in str(info.value)
    assert len(str(info.value)) < 5000


def test_an_error_body_past_its_bound_is_not_read_but_the_status_is_kept(rsps):
    huge = {"errors": ["z" * (MAX_ERROR_BODY_BYTES + 1)]}
    rsps.add(responses.POST, SEATS_URL, status=422, json=huge)
    with pytest.raises(SeatsError) as info:
        SeatsClient(make_settings()).assign_batch("on_call", [uid(1)])
    assert "Datadog answered 422 to POST /api/v2/seats/users: no error details" in str(info.value)
    assert "zzz" not in str(info.value)


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        ("https://evil.example/steal?k=secret#x", "https://evil.example/steal"),
        ("https://user:pw@evil.example:8443/a", "https://evil.example:8443/a"),
        ("/login?next=/x", "/login on the same host"),
        ("http://[::1]:9/p", "http://[::1]:9/p"),
        ("http://bad[host/", "a URL that cannot be parsed"),
        ("", ""),
    ],
)
def test_a_redirect_names_the_host_but_never_the_query_or_user_info(location, shown):
    assert describe_location(location) == shown
    error = error_from_response(302, "GET", "/api/v2/seats/users", b"", None, location)
    assert isinstance(error, RedirectError)
    for secret in ("secret", "pw", "next="):
        assert secret not in str(error)
    assert (shown or "another URL") in str(error)


@pytest.mark.parametrize(
    ("reset", "shown"), [("17", "17"), ("2.5", "2.5"), ("x" * 500, "unknown"), ("nan", "unknown")]
)
def test_a_rate_limit_reset_that_is_not_a_number_is_not_quoted(reset, shown):
    error = error_from_response(429, "GET", "/api/v2/seats/users", b"", reset)
    assert isinstance(error, RateLimitedError)
    assert error.reset_seconds == shown
    assert len(str(error)) < 600


def test_an_html_error_page_gives_its_status_not_its_html(rsps):
    page = b"<html><body>502 Bad Gateway " + CANARY_APP_KEY.encode() + b"</body></html>"
    rsps.add(responses.GET, SEATS_URL, status=502, body=page, content_type="text/html")
    with pytest.raises(ServerError) as info:
        SeatsClient(make_settings()).list_seat_holders("on_call")
    assert "502" in str(info.value) and "<html" not in str(info.value)
    assert_no_key(info.value)


# -- logs: the keys of every transport are scrubbed from requests' and urllib3's records --


def test_records_of_urllib3_that_quote_a_key_are_scrubbed(rsps, caplog):
    caplog.set_level(logging.DEBUG)
    rsps.add(responses.GET, SEATS_URL, json={"data": []})
    SeatsClient(make_settings()).list_seat_holders("on_call")  # builds the session
    pool = logging.getLogger("urllib3.connectionpool")
    try:
        raise ValueError(f"BadStatusLine('{CANARY_API_KEY}')")
    except ValueError:
        pool.warning("Retrying after connection broken by %r", CANARY_APP_KEY, exc_info=True)
    logging.getLogger("urllib3.util.retry").debug("retry %s", CANARY_API_KEY)
    records = [r for r in caplog.records if r.name.startswith("urllib3")]
    assert len(records) >= 2
    for record in records:
        for key in KEYS:
            assert key not in record.getMessage()
            assert key not in (record.exc_text or "")
    for key in KEYS:
        assert key not in caplog.text
    assert "***" in caplog.text
