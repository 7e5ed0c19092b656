"""Rate limiting, injected faults and the request log."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from datadog_seats_emulator.control import EmulatorAdminError
from tests.waiting import wait_until

RATE_HEADERS = (
    "X-RateLimit-Limit",
    "X-RateLimit-Period",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-RateLimit-Name",
)


def statuses(api, count: int, call=None) -> list[int | str]:
    """Status of `count` calls (GET by default); "dropped" on a connection error."""
    result: list[int | str] = []
    for _ in range(count):
        try:
            response = call() if call else api.get()
            result.append(response.status_code)
        except requests.ConnectionError:
            result.append("dropped")
    return result


# ----- rate limit -----------------------------------------------------------------------


def test_rate_limit_headers_on_every_answer(emulator_api, admin):
    ok = emulator_api.get()
    bad = emulator_api.get(product_code=None)
    forbidden = requests.get(emulator_api.url, params={"product_code": "on_call"}, timeout=30)
    for response in (ok, bad, forbidden):
        assert all(name in response.headers for name in RATE_HEADERS), response.headers
        assert response.headers["X-RateLimit-Name"] == "seats"
        assert response.headers["X-RateLimit-Limit"] == "10000"
        assert response.headers["X-RateLimit-Period"] == "60"
        assert 1 <= int(response.headers["X-RateLimit-Reset"]) <= 60
    remaining = [int(r.headers["X-RateLimit-Remaining"]) for r in (ok, bad, forbidden)]
    assert remaining == [9999, 9998, 9997]


def test_control_endpoints_do_not_use_the_rate_limit(emulator_api, admin):
    admin.state()
    admin.requests()
    assert emulator_api.get().headers["X-RateLimit-Remaining"] == "9999"


def test_real_429_past_the_limit(emulator_api, admin):
    admin.configure(rate_limit=3, rate_period=60)
    answers = [emulator_api.get() for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0", "0"]
    limited = answers[3]
    assert limited.json() == {"errors": ["Too many requests"]}
    assert limited.headers["X-RateLimit-Limit"] == "3"
    assert limited.headers["X-RateLimit-Period"] == "60"
    assert 1 <= int(limited.headers["X-RateLimit-Reset"]) <= 60


def test_rate_limited_post_changes_nothing(emulator_api, admin):
    admin.configure(rate_limit=1)
    assert emulator_api.get().status_code == 200
    response = emulator_api.assign(emulator_api.user_ids[:2])
    assert response.status_code == 429
    assert admin.holders("on_call") == []


def test_rate_limit_window_resets_after_the_period(emulator_api, admin):
    admin.configure(rate_limit=2, rate_period=1)
    assert [r.status_code for r in (emulator_api.get(), emulator_api.get())] == [200, 200]
    limited = emulator_api.get()
    assert limited.status_code == 429
    reset = int(limited.headers["X-RateLimit-Reset"])
    assert reset == 1
    time.sleep(reset + 0.05)
    again = emulator_api.get()
    assert again.status_code == 200
    assert again.headers["X-RateLimit-Remaining"] == "1"


def test_reset_restores_the_rate_limit_window(emulator_api, admin):
    admin.configure(rate_limit=1)
    emulator_api.get()
    assert emulator_api.get().status_code == 429
    admin.reset()
    response = emulator_api.get()
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "10000"


# ----- faults: status -------------------------------------------------------------------


def test_status_fault_on_nth_request_fires_once(emulator_api, admin):
    admin.add_fault(kind="status", status=503, nth=2)
    assert statuses(emulator_api, 5) == [200, 503, 200, 200, 200]


def test_status_fault_body_and_headers(emulator_api, admin):
    admin.add_fault(kind="status", status=502)
    response = emulator_api.get()
    assert response.status_code == 502
    assert response.json() == {"errors": ["Injected fault"]}
    assert all(name in response.headers for name in RATE_HEADERS)


def test_status_fault_every_nth_request(emulator_api, admin):
    admin.add_fault(kind="status", status=500, every=3)
    assert statuses(emulator_api, 7) == [200, 200, 500, 200, 200, 500, 200]


def test_status_fault_every_with_times(emulator_api, admin):
    admin.add_fault(kind="status", status=500, every=2, times=2)
    assert statuses(emulator_api, 8) == [200, 500, 200, 500, 200, 200, 200, 200]


def test_status_fault_without_nth_or_every_fires_every_time(emulator_api, admin):
    admin.add_fault(kind="status", status=503)
    assert statuses(emulator_api, 3) == [503, 503, 503]
    admin.clear_faults()
    assert statuses(emulator_api, 1) == [200]


def test_status_fault_with_times_only(emulator_api, admin):
    admin.add_fault(kind="status", status=503, times=2)
    assert statuses(emulator_api, 4) == [503, 503, 200, 200]


def test_status_fault_nth_with_times_fires_once(emulator_api, admin):
    admin.add_fault(kind="status", status=503, nth=1, times=3)
    assert statuses(emulator_api, 3) == [503, 200, 200]


def test_fault_counts_from_when_it_was_added(emulator_api, admin):
    statuses(emulator_api, 3)
    admin.add_fault(kind="status", status=500, nth=1)
    assert statuses(emulator_api, 2) == [500, 200]


def test_fault_methods_filter(emulator_api, admin):
    admin.add_fault(kind="status", status=503, nth=1, methods=["post"])
    ids = emulator_api.user_ids
    assert emulator_api.get().status_code == 200
    assert emulator_api.assign(ids[:1]).status_code == 503
    assert emulator_api.assign(ids[:1]).status_code == 201
    (fault,) = admin.faults()
    assert fault["methods"] == ["POST"]
    assert fault["matched"] == 2
    assert fault["fired"] == 1


def test_first_firing_rule_wins(emulator_api, admin):
    admin.add_fault(kind="status", status=502, nth=1)
    admin.add_fault(kind="status", status=503, every=1)
    assert statuses(emulator_api, 3) == [502, 503, 503]


def test_status_fault_applies_before_auth(emulator_api, admin):
    admin.add_fault(kind="status", status=500, nth=1)
    response = requests.get(emulator_api.url, params={"product_code": "on_call"}, timeout=30)
    assert response.status_code == 500


def test_faulted_requests_do_not_change_state(emulator_api, admin):
    ids = emulator_api.user_ids
    emulator_api.assign(ids[:2])
    admin.add_fault(kind="status", status=500, methods=["POST", "DELETE"])
    assert emulator_api.assign(ids[2:4]).status_code == 500
    assert emulator_api.unassign(ids[:2]).status_code == 500
    assert admin.holders("on_call") == sorted(ids[:2])
    admin.clear_faults()
    admin.add_fault(kind="drop", methods=["POST", "DELETE"])
    with pytest.raises(requests.ConnectionError):
        emulator_api.assign(ids[2:4])
    with pytest.raises(requests.ConnectionError):
        emulator_api.unassign(ids[:2])
    admin.clear_faults()
    admin.add_fault(kind="rate_limit", reset_seconds=2)
    assert emulator_api.assign(ids[2:4]).status_code == 429
    assert admin.holders("on_call") == sorted(ids[:2])


def test_faulted_requests_do_not_use_the_rate_limit_window(emulator_api, admin):
    admin.add_fault(kind="status", status=500, times=2)
    first, second, third = (emulator_api.get() for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [500, 500, 200]
    assert third.headers["X-RateLimit-Remaining"] == "9999"


# ----- faults: delay, drop, rate_limit --------------------------------------------------


def test_delay_fault_answers_normally_after_the_delay(emulator_api, admin):
    admin.add_fault(kind="delay", delay_seconds=0.3, nth=1)
    ids = emulator_api.user_ids
    delayed = emulator_api.assign(ids[:1])
    follow_up = emulator_api.get()
    assert delayed.status_code == 201
    assert follow_up.status_code == 200
    assert admin.holders("on_call") == ids[:1]
    first, second = admin.requests()
    assert first["status"] == 201
    assert first["duration"] >= 0.3
    assert second["time"] - first["time"] >= 0.3


def test_a_request_held_across_a_reset_changes_nothing_after_it(emulator_api, admin):
    # A test that leaves a delayed request behind must not write into, or show in the
    # log of, the next test's emulator: the held request is refused, unlogged.
    admin.add_fault(kind="delay", delay_seconds=0.5, nth=1)
    ids = emulator_api.user_ids
    with ThreadPoolExecutor(max_workers=1) as pool:
        held = pool.submit(emulator_api.assign, ids[:1])
        wait_until(lambda: admin.faults()[0]["fired"], 5, "the delay fault holds the request")
        admin.reset()
        answer = held.result()
    assert answer.status_code == 503
    assert "reset" in answer.json()["errors"][0]
    assert admin.holders("on_call") == []
    assert admin.requests() == []


def test_drop_fault_closes_the_connection_without_an_answer(emulator_api, admin):
    admin.add_fault(kind="drop", nth=1)
    with pytest.raises(requests.ConnectionError):
        emulator_api.get()
    assert emulator_api.get().status_code == 200
    dropped, answered = admin.requests()
    assert dropped["status"] == "dropped"
    assert answered["status"] == 200


def test_rate_limit_fault_sends_429_with_its_reset(emulator_api, admin):
    admin.add_fault(kind="rate_limit", reset_seconds=7, nth=1)
    response = emulator_api.get()
    assert response.status_code == 429
    assert response.json() == {"errors": ["Too many requests"]}
    assert response.headers["X-RateLimit-Reset"] == "7"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.headers["X-RateLimit-Name"] == "seats"
    following = emulator_api.get()
    assert following.status_code == 200
    assert following.headers["X-RateLimit-Remaining"] != "0"


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "explode"},
        {"kind": "status", "status": 42},
        {"kind": "status", "nth": 1, "every": 2},
        {"kind": "status", "nth": 0},
        {"kind": "delay", "delay_seconds": -1},
        {"kind": "status", "colour": "red"},
        {"kind": "status", "methods": "POST"},
        {"status": 500},
    ],
)
def test_invalid_fault_rules_are_refused(admin, rule):
    with pytest.raises(EmulatorAdminError) as caught:
        admin.add_fault(**rule)
    assert caught.value.status == 400
    assert admin.faults() == []


def test_add_fault_returns_the_stored_rule(admin):
    stored = admin.add_fault(kind="status", status=503, nth=2, methods=["get"])
    assert stored == {
        "kind": "status",
        "status": 503,
        "nth": 2,
        "every": None,
        "times": None,
        "delay_seconds": 0.0,
        "reset_seconds": 1,
        "methods": ["GET"],
    }


# ----- request log ----------------------------------------------------------------------


def test_request_log_records_api_requests_without_keys(emulator_api, admin):
    ids = emulator_api.user_ids
    before = time.time()
    emulator_api.get("on_call", limit=5)
    emulator_api.assign(ids[:1])
    emulator_api.session.post(emulator_api.url, data=b"{oops", timeout=30)
    requests.get(emulator_api.url, params={"product_code": "on_call"}, timeout=30)
    admin.state()
    log = admin.requests()
    assert [(e["method"], e["status"]) for e in log] == [
        ("GET", 200),
        ("POST", 201),
        ("POST", 400),
        ("GET", 403),
    ]
    get, post, malformed, _ = log
    assert get["path"] == "/api/v2/seats/users"
    assert get["query"] == {"product_code": "on_call", "page[limit]": "5"}
    assert get["body"] is None
    assert post["query"] == {}
    assert post["body"] == emulator_api.body("on_call", ids[:1])
    assert malformed["body"] is None
    assert all(before - 1 <= e["time"] for e in log)
    assert [e["time"] for e in log] == sorted(e["time"] for e in log)
    text = repr(log).lower()
    assert "test-api-key" not in text
    assert "test-app-key" not in text
    assert "dd-api-key" not in text


def test_request_log_records_faulted_requests(emulator_api, admin):
    admin.add_fault(kind="status", status=503, nth=1)
    admin.add_fault(kind="rate_limit", nth=2)
    emulator_api.get()
    emulator_api.get()
    emulator_api.get()
    assert [e["status"] for e in admin.requests()] == [503, 429, 200]


def test_clear_requests(emulator_api, admin):
    emulator_api.get()
    assert len(admin.requests()) == 1
    admin.clear_requests()
    assert admin.requests() == []
    emulator_api.get()
    assert len(admin.requests()) == 1
