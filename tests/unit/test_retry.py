"""BudgetedRetry: X-RateLimit-Reset, exponential backoff and the total wait budget.

`responses` (test_client.py) drives ``Retry.increment()`` for status codes but
never calls ``sleep()`` and cannot fail below the adapter, so the waits and
connection-error retries are tested here: directly against ``BudgetedRetry``
with hand-made urllib3 responses, and end to end through real urllib3 against
a throwaway loopback HTTP server. ``time.sleep`` is always replaced by a
recorder, so nothing here waits.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from urllib3 import HTTPResponse
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
)
from urllib3.util.retry import RequestHistory

from pulumi_datadog_seats.api.retry import (
    BudgetedRetry,
    outcome_unknown,
    unclear_attempt,
    unclear_status,
)
from pulumi_datadog_seats.api.seats import SEATS_ADVICE, SeatsClient, WriteResult
from pulumi_datadog_seats.errors import (
    ServerError,
    TransportError,
    UnexpectedAnswerError,
    UnprocessableError,
)
from pulumi_datadog_seats.settings import Settings
from tests.unit.conftest import CANARY_API_KEY, CANARY_APP_KEY

URL = "/api/v2/seats/users"


def answer(status: int, **headers: str) -> HTTPResponse:
    return HTTPResponse(body=b"", headers=headers, status=status, preload_content=False)


def retry(**kwargs: Any) -> BudgetedRetry:
    values: dict[str, Any] = {
        "total": 10,
        "status_forcelist": {429, 500, 502, 503, 504},
        "allowed_methods": frozenset({"GET", "POST", "DELETE"}),
        "backoff_factor": 1.0,
        "backoff_jitter": 0.0,
        "raise_on_status": False,
        "budget_seconds": 60.0,
    }
    values.update(kwargs)
    return BudgetedRetry(**values)


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every time.sleep() the client makes, recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    return waits


@pytest.fixture
def attempts_take(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Make every attempt between two sleeps take the given seconds (the clock the budget
    charges attempts by moves only when the test says so)."""
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])

    def take(seconds: float) -> None:
        now[0] += seconds

    return take


# -- get_retry_after ------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (answer(429, **{"X-RateLimit-Reset": "7"}), 7.0),
        (answer(429, **{"X-RateLimit-Reset": "0"}), 0.0),
        (answer(429, **{"X-RateLimit-Reset": "2.5"}), 2.5),
        (answer(429, **{"X-RateLimit-Reset": "-3"}), 0.0),
        (answer(429, **{"x-ratelimit-reset": "4"}), 4.0),
        (answer(429, **{"X-RateLimit-Reset": "soon"}), None),
        (answer(429), None),
        (answer(429, **{"Retry-After": "30"}), None),
        (answer(503, **{"X-RateLimit-Reset": "7"}), None),
        (answer(500, **{"X-RateLimit-Reset": "7"}), None),
        (answer(200, **{"X-RateLimit-Reset": "7"}), None),
    ],
)
def test_get_retry_after_reads_x_ratelimit_reset_of_429_only(response, expected):
    assert retry().get_retry_after(response) == expected


# -- increment / sleep ------------------------------------------------------------


def test_429_waits_the_reset_seconds_and_charges_the_budget(slept):
    r = retry().increment("POST", URL, response=answer(429, **{"X-RateLimit-Reset": "7"}))
    assert r.planned_wait == 7.0
    assert r.spent_seconds == 7.0
    r.sleep(answer(429, **{"X-RateLimit-Reset": "7"}))
    assert slept == [7.0]


def test_retry_after_is_ignored_in_favour_of_x_ratelimit_reset(slept):
    response = answer(429, **{"X-RateLimit-Reset": "2", "Retry-After": "100"})
    r = retry().increment("GET", URL, response=response)
    r.sleep(response)
    assert slept == [2.0]


def test_x_ratelimit_reset_on_a_5xx_is_not_a_wait(slept):
    # The first retry of a run of errors has no backoff in urllib3's formula.
    response = answer(503, **{"X-RateLimit-Reset": "30"})
    r = retry().increment("GET", URL, response=response)
    r.sleep(response)
    assert r.planned_wait == 0.0
    assert slept == []


def test_5xx_backs_off_exponentially(slept, attempts_take):
    # urllib3's documented backoff: factor * 2 ** (n - 1) for the n-th consecutive
    # error, nothing for the first.
    r = retry(backoff_factor=1.0)
    planned = []
    for _ in range(4):
        r = r.increment("POST", URL, response=answer(503))
        planned.append(r.planned_wait)
        r.sleep(answer(503))
    assert planned == [0.0, 2.0, 4.0, 8.0]
    assert slept == [2.0, 4.0, 8.0]
    assert r.spent_seconds == 14.0


def test_jitter_stays_within_its_bound(slept):
    r = retry(backoff_factor=1.0, backoff_jitter=0.5)
    r = r.increment("GET", URL, response=answer(500))
    r = r.increment("GET", URL, response=answer(500))
    assert 2.0 <= r.planned_wait <= 2.5
    r.sleep()
    assert slept == [r.planned_wait]
    assert r.spent_seconds == r.planned_wait


def test_planned_wait_is_exactly_what_sleep_waits_every_time(slept, attempts_take):
    r = retry(backoff_factor=0.3, backoff_jitter=0.2)
    planned = []
    for response in (
        answer(429, **{"X-RateLimit-Reset": "1"}),
        answer(503),
        answer(502),
        answer(429, **{"X-RateLimit-Reset": "3"}),
    ):
        r = r.increment("GET", URL, response=response)
        planned.append(r.planned_wait)
        r.sleep(response)
    assert slept == [w for w in planned if w > 0]
    assert r.spent_seconds == pytest.approx(sum(planned))


def test_every_attempt_after_the_first_is_charged_to_the_budget(slept, attempts_take):
    r = retry(backoff_factor=1.0, budget_seconds=10.0)
    attempts_take(7.0)  # the first attempt: urllib3 does not say when it began
    r = r.increment("GET", URL, response=answer(503))
    r.sleep()
    assert r.spent_seconds == 0.0
    attempts_take(3.0)  # the second: charged, with the 2 s wait it is followed by
    r = r.increment("GET", URL, response=answer(503))
    assert r.spent_seconds == 5.0
    r.sleep()
    attempts_take(2.0)  # the third: 5 + 2 + a 4 s wait would pass the 10 s budget
    with pytest.raises(MaxRetryError):
        r.increment("GET", URL, response=answer(503))
    assert slept == [2.0]


def test_budget_exhaustion_raises_max_retry_error(slept):
    r = retry(budget_seconds=10.0)
    r = r.increment("POST", URL, response=answer(429, **{"X-RateLimit-Reset": "6"}))
    assert r.spent_seconds == 6.0
    with pytest.raises(MaxRetryError):
        r.increment("POST", URL, response=answer(429, **{"X-RateLimit-Reset": "6"}))
    assert slept == []


def test_a_wait_that_exactly_fills_the_budget_is_allowed():
    r = retry(budget_seconds=10.0)
    r = r.increment("POST", URL, response=answer(429, **{"X-RateLimit-Reset": "4"}))
    r = r.increment("POST", URL, response=answer(429, **{"X-RateLimit-Reset": "6"}))
    assert r.spent_seconds == 10.0


def test_a_single_reset_longer_than_the_budget_stops_at_once():
    with pytest.raises(MaxRetryError):
        retry(budget_seconds=5.0).increment(
            "GET", URL, response=answer(429, **{"X-RateLimit-Reset": "6"})
        )


def test_zero_budget_allows_only_retries_that_need_no_wait():
    r = retry(budget_seconds=0.0)
    r = r.increment("GET", URL, response=answer(429, **{"X-RateLimit-Reset": "0"}))
    r = r.increment("GET", URL, response=answer(429, **{"X-RateLimit-Reset": "0"}))
    assert r.spent_seconds == 0.0
    with pytest.raises(MaxRetryError):  # third consecutive error: a 4 s backoff
        r.increment("GET", URL, response=answer(503))


def test_budget_and_spending_survive_new():
    r = retry(budget_seconds=42.0)
    r = r.increment("GET", URL, response=answer(429, **{"X-RateLimit-Reset": "5"}))
    copy = r.new()
    assert (copy.budget_seconds, copy.spent_seconds) == (42.0, 5.0)


def test_incrementing_does_not_touch_the_original():
    # The adapter keeps one Retry for every request: each request must start afresh.
    original = retry(budget_seconds=42.0)
    original.increment("GET", URL, response=answer(429, **{"X-RateLimit-Reset": "5"}))
    assert original.spent_seconds == 0.0
    assert original.planned_wait == 0.0


def test_connection_errors_back_off_and_respect_the_budget():
    error = NewConnectionError(None, "refused")  # type: ignore[arg-type]
    r = retry(connect=5, budget_seconds=5.0)
    r = r.increment("POST", URL, error=error)
    assert r.planned_wait == 0.0
    r = r.increment("POST", URL, error=error)
    assert r.planned_wait == 2.0
    with pytest.raises(MaxRetryError):
        r.increment("POST", URL, error=error)  # 4 more seconds would exceed 5


def test_retry_count_is_still_bounded():
    r = retry(total=2, budget_seconds=1000.0, backoff_factor=0.0)
    r = r.increment("GET", URL, response=answer(503))
    r = r.increment("GET", URL, response=answer(503))
    with pytest.raises(MaxRetryError):
        r.increment("GET", URL, response=answer(503))


# -- end to end through urllib3 against a loopback server ---------------------------


Answer = tuple[int, dict[str, str], bytes]
#: A scripted status: read the request, then close the connection without an answer.
DROP = 0
#: A scripted header: wait this many seconds before answering (past the client's timeout).
STALL = "X-Test-Stall-Seconds"


class Script:
    """Answers a loopback server gives, in order (the last one repeats)."""

    def __init__(self) -> None:
        self.answers: list[Answer] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()

    def next_answer(
        self, method: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.requests.append((method, headers))
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            status, headers, body = script.next_answer(self.command, dict(self.headers))
            if status == DROP:
                self.close_connection = True  # the request was read whole: hang up
                return
            if STALL in headers:
                # Past the client's read timeout; not time.sleep, which `slept` replaces.
                threading.Event().wait(float(headers[STALL]))
                headers = {k: v for k, v in headers.items() if k != STALL}
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # a stalled answer: the client has hung up

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", script
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def loopback_client(api_url: str, **overrides: Any) -> SeatsClient:
    values: dict[str, Any] = {
        "api_key": CANARY_API_KEY,
        "app_key": CANARY_APP_KEY,
        "api_url": api_url,
        "backoff_seconds": 1.0,
        "timeout_seconds": 10.0,
    }
    values.update(overrides)
    return SeatsClient(Settings(**values))


SEATED = "3f2a6b1c-0d4e-4f5a-9b8c-00000000000a"
ASSIGNED = json.dumps(
    {"data": {"type": "seat-assignments", "attributes": {"assigned_ids": [SEATED]}}}
).encode()


def test_real_retries_wait_reset_then_backoff(server, slept):
    url, script = server
    script.answers = [
        (429, {"X-RateLimit-Reset": "3", "Retry-After": "50"}, b'{"errors": ["slow down"]}'),
        (503, {}, b""),
        (503, {}, b""),
        (201, {}, ASSIGNED),
    ]
    assert loopback_client(url).assign_batch("on_call", [SEATED]).assigned_ids == (SEATED,)
    assert len(script.requests) == 4
    # 429: the reset; then the 2nd and 3rd consecutive errors: 2 and 4 seconds plus
    # up to backoff_seconds of jitter.
    assert slept[0] == 3.0
    assert 2.0 <= slept[1] <= 3.0
    assert 4.0 <= slept[2] <= 5.0
    assert len(slept) == 3


def test_real_retries_stop_when_the_budget_is_spent(server, slept):
    url, script = server
    script.answers = [(503, {}, b'{"errors": ["down"]}')]
    client = loopback_client(url, max_retries=10, retry_budget_seconds=5.0)
    with pytest.raises(ServerError) as info:
        client.unassign_batch("on_call", ["a"])
    assert info.value.status == 503
    # waits 0, 2+j; the next (4+j) would pass 5 seconds.
    assert len(script.requests) == 3
    assert len(slept) == 1
    assert sum(slept) <= 5.0


def test_every_request_gets_a_whole_budget(server, slept):
    url, script = server
    script.answers = [(503, {}, b"")]
    client = loopback_client(url, max_retries=10, retry_budget_seconds=3.0)
    for _ in range(2):
        with pytest.raises(ServerError):
            client.list_seat_holders("on_call")
    assert len(script.requests) == 6
    assert len(slept) == 2


def test_real_connection_errors_are_retried_then_a_transport_error(slept, caplog):
    caplog.set_level(logging.DEBUG, logger="pulumi_datadog_seats")
    caplog.set_level(logging.DEBUG, logger="urllib3")
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = loopback_client(f"http://127.0.0.1:{port}", max_retries=3)
    with pytest.raises(TransportError) as info:
        client.assign_batch("on_call", ["a"])
    # Three retries: waits 0, 2+j, 4+j.
    assert len(slept) == 2
    assert 2.0 <= slept[0] <= 3.0
    assert 4.0 <= slept[1] <= 5.0
    message = str(info.value)
    assert f"127.0.0.1:{port}" in message
    assert CANARY_API_KEY not in message
    assert CANARY_APP_KEY not in message
    assert any("Retry" in r.getMessage() for r in caplog.records)
    assert CANARY_API_KEY not in caplog.text
    assert CANARY_APP_KEY not in caplog.text


def test_real_requests_carry_keys_only_in_headers_and_logs_stay_clean(server, caplog):
    caplog.set_level(logging.DEBUG, logger="pulumi_datadog_seats")
    caplog.set_level(logging.DEBUG, logger="urllib3")
    url, script = server
    script.answers = [(403, {}, json.dumps({"errors": [f"bad key {CANARY_APP_KEY}"]}).encode())]
    with pytest.raises(Exception) as info:
        loopback_client(url).list_seat_holders("on_call")
    method, headers = script.requests[0]
    assert method == "GET"
    assert headers["DD-API-KEY"] == CANARY_API_KEY
    assert headers["DD-APPLICATION-KEY"] == CANARY_APP_KEY
    assert CANARY_APP_KEY not in str(info.value)
    assert caplog.records
    assert CANARY_API_KEY not in caplog.text
    assert CANARY_APP_KEY not in caplog.text


@pytest.fixture
def refused_url() -> str:
    """A loopback URL where nobody listens: every connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A loopback URL that accepts connections (backlog) but never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(32)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


CAUSES = {"refused": "Connection refused", "silent": "timed out"}


@pytest.mark.parametrize("kind", sorted(CAUSES))
def test_connection_errors_that_use_up_the_retry_count_name_the_cause(request, slept, kind):
    url = request.getfixturevalue(f"{kind}_url")
    client = loopback_client(url, max_retries=2, retry_budget_seconds=60.0, timeout_seconds=0.1)
    with pytest.raises(TransportError) as info:
        client.list_seat_holders("on_call")
    assert CAUSES[kind] in str(info.value)


@pytest.mark.parametrize("kind", sorted(CAUSES))
def test_connection_errors_that_use_up_the_retry_budget_name_the_cause(request, slept, kind):
    url = request.getfixturevalue(f"{kind}_url")
    # waits 0, then 2 + jitter (up to 1), charged with the second attempt (up to 0.1 s
    # silent); the next (4 + jitter) would pass the 3.5 s budget.
    client = loopback_client(url, max_retries=10, retry_budget_seconds=3.5, timeout_seconds=0.1)
    with pytest.raises(TransportError) as info:
        client.list_seat_holders("on_call")
    assert len(slept) == 1  # the budget, not the count, ended the retries
    assert CAUSES[kind] in str(info.value)


def test_a_server_that_never_answers_spends_the_budget_not_every_retry(silent_url, caplog):
    # Every attempt after the first is charged: with a 0.3 s timeout and a 0.5 s budget the
    # second retry leaves 0.3 s charged and the third would start past it (were attempts
    # free, as before, all 10 retries would run: 3.3 s instead of at most 0.9 s).
    client = loopback_client(
        silent_url,
        max_retries=10,
        retry_budget_seconds=0.5,
        timeout_seconds=0.3,
        backoff_seconds=0.0,
    )
    with caplog.at_level(logging.WARNING, logger="urllib3"), pytest.raises(TransportError) as info:
        client.list_seat_holders("on_call")
    retries = [r for r in caplog.records if r.getMessage().startswith("Retrying")]
    assert 1 <= len(retries) <= 2  # 2 on a quiet machine; 1 if an attempt ran long
    assert "timed out" in str(info.value)


# -- may_land_again: did an earlier attempt of a write get no clear answer? ---------------
#
# urllib3 keeps one RequestHistory per retried attempt in Retry.history, and the final
# response carries that Retry (response.raw.retries); the answered attempt is not in it.


def history_of(*attempts: BaseException | HTTPResponse) -> tuple[RequestHistory, ...]:
    """The history a real BudgetedRetry records for these failed attempts of a POST."""
    r = retry(backoff_factor=0.0)
    for attempt in attempts:
        if isinstance(attempt, HTTPResponse):
            r = r.increment("POST", URL, response=attempt)
        else:
            r = r.increment("POST", URL, error=attempt)  # type: ignore[arg-type]
    return r.history


def refused() -> NewConnectionError:
    return NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]


UNCLEAR_ATTEMPTS: dict[str, tuple[Any, str]] = {
    "read timeout": (
        lambda: ReadTimeoutError(None, URL, "Read timed out."),  # type: ignore[arg-type]
        "timed out waiting for the answer",
    ),
    "dropped connection": (
        lambda: ProtocolError("Connection aborted.", ConnectionResetError()),
        "lost its connection before the answer",
    ),
    "500": (lambda: answer(500), "was answered 500"),
    "502": (lambda: answer(502), "was answered 502"),
    "504": (lambda: answer(504), "was answered 504"),
}
CLEAR_ATTEMPTS: dict[str, Any] = {
    "connection refused": refused,
    "connect timeout": lambda: ConnectTimeoutError(None, "timed out connecting"),
    "no such host": lambda: NameResolutionError("api.invalid", None, socket.gaierror()),  # type: ignore[arg-type]
    "refused by a proxy": lambda: ProxyError("Unable to connect to proxy", refused()),
    "503": lambda: answer(503),
    "429": lambda: answer(429, **{"X-RateLimit-Reset": "0"}),
}


@pytest.mark.parametrize("kind", sorted(UNCLEAR_ATTEMPTS))
def test_an_attempt_that_may_have_reached_the_server_is_unclear(kind):
    make, said = UNCLEAR_ATTEMPTS[kind]
    assert unclear_attempt(history_of(make())) == said
    # Wherever it stands among attempts that were refused.
    assert unclear_attempt(history_of(answer(503), make(), refused())) == said


@pytest.mark.parametrize("kind", sorted(CLEAR_ATTEMPTS))
def test_an_attempt_that_sent_nothing_or_was_refused_is_clear(kind):
    assert unclear_attempt(history_of(CLEAR_ATTEMPTS[kind]())) is None
    assert unclear_attempt(history_of(*(make() for make in CLEAR_ATTEMPTS.values()))) is None


def test_no_earlier_attempt_is_clear():
    assert unclear_attempt(()) is None


@pytest.mark.parametrize(
    ("status", "unclear"), [(500, True), (501, True), (502, True), (503, False), (504, True)]
)
def test_unclear_statuses_agree_with_the_seat_logic(status, unclear):
    assert unclear_status(status) is unclear
    assert outcome_unknown(ServerError(status, "POST", URL, [])) is unclear


STALLED = (201, {STALL: "0.5"}, ASSIGNED)  # answered after the client gave up


@pytest.mark.parametrize(
    ("first", "relands"),
    [
        (STALLED, True),
        ((DROP, {}, b""), True),
        ((500, {}, b""), True),
        ((502, {}, b""), True),
        ((504, {}, b""), True),
        ((503, {}, b""), False),
        ((429, {"X-RateLimit-Reset": "0"}, b""), False),
    ],
    ids=["read timeout", "dropped", "500", "502", "504", "503", "429"],
)
def test_an_assign_answered_after_an_unclear_attempt_may_land_again(server, slept, first, relands):
    url, script = server
    script.answers = [first, (201, {}, ASSIGNED)]
    result = loopback_client(url, timeout_seconds=0.2).assign_batch("on_call", [SEATED])
    assert result == WriteResult((SEATED,), may_land_again=relands)
    assert len(script.requests) == 2


def test_an_unassign_answered_after_a_timeout_may_land_again(server, slept):
    url, script = server
    script.answers = [(204, {STALL: "0.5"}, b""), (204, {}, b"")]
    result = loopback_client(url, timeout_seconds=0.2).unassign_batch("on_call", [SEATED])
    assert result.may_land_again


def test_a_write_answered_at_its_first_attempt_does_not_land_again(server):
    url, script = server
    script.answers = [(201, {}, ASSIGNED)]
    assert not loopback_client(url).assign_batch("on_call", [SEATED]).may_land_again


def test_a_read_never_lands_again(server, slept):
    url, script = server
    script.answers = [(200, {STALL: "3"}, b'{"data": []}'), (200, {}, b'{"data": []}')]
    client = loopback_client(url, timeout_seconds=1.0)  # roomy: a loaded machine answers late
    answer = client.transport.request_answer("GET", URL, advice=SEATS_ADVICE)
    assert len(script.requests) == 2
    assert not answer.may_land_again


@pytest.mark.parametrize(
    "refusal",
    [
        (503, {}, b'{"errors": ["unavailable"]}'),
        (422, {}, b'{"errors": ["no seat left"]}'),
        (429, {"X-RateLimit-Reset": "0"}, b'{"errors": ["slow down"]}'),
    ],
    ids=["503", "422", "429"],
)
def test_a_refusal_after_an_unclear_attempt_is_no_clear_answer(server, slept, refusal):
    """The refusal answers the retry only: the first attempt may still land, so the write
    failed without a clear answer (a TransportError), not with a refusal."""
    url, script = server
    script.answers = [STALLED, refusal]
    client = loopback_client(url, timeout_seconds=0.2, max_retries=1)
    with pytest.raises(TransportError) as info:
        client.assign_batch("on_call", [SEATED])
    message = str(info.value)
    assert f"Datadog answered {refusal[0]} to POST" in message
    assert "An earlier attempt of this POST timed out waiting for the answer" in message
    assert "no clear answer" in message
    assert CANARY_API_KEY not in message and CANARY_APP_KEY not in message


def test_a_refusal_after_refusals_stays_a_refusal(server, slept):
    url, script = server
    script.answers = [(503, {}, b""), (422, {}, b'{"errors": ["no seat left"]}')]
    with pytest.raises(UnprocessableError):
        loopback_client(url, max_retries=1).assign_batch("on_call", [SEATED])


def test_a_server_error_after_an_unclear_attempt_stays_a_server_error(server, slept):
    # A 500 is no clear answer already: the seat logic treats it as one.
    url, script = server
    script.answers = [STALLED, (500, {}, b"")]
    with pytest.raises(ServerError) as info:
        loopback_client(url, timeout_seconds=0.2, max_retries=1).assign_batch("on_call", [SEATED])
    assert info.value.status == 500


@pytest.mark.parametrize(
    "garbled",
    [b"<html>not JSON</html>", b'{"data": {"attributes": {"assigned_ids": 7}}}'],
    ids=["not JSON", "wrong shape"],
)
def test_an_answer_not_understood_after_an_unclear_attempt_is_no_clear_answer(
    server, slept, garbled
):
    url, script = server
    script.answers = [STALLED, (201, {}, garbled)]
    with pytest.raises(TransportError) as info:
        loopback_client(url, timeout_seconds=0.2).assign_batch("on_call", [SEATED])
    assert not isinstance(info.value, UnexpectedAnswerError)
    assert "POST /api/v2/seats/users answered 201 with a body" in str(info.value)
    assert "got no clear answer: Datadog may still carry that attempt out" in str(info.value)


def test_an_answer_not_understood_at_the_first_attempt_stays_unexpected(server):
    url, script = server
    script.answers = [(201, {}, b"<html>not JSON</html>")]
    with pytest.raises(UnexpectedAnswerError):
        loopback_client(url).assign_batch("on_call", [SEATED])
