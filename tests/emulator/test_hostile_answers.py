"""Hostile answers (issue 11, item 3), over real HTTP: the client, and the seat logic above it.

Each server behaviour below must end in a clear :class:`~pulumi_datadog_seats.errors.SeatsError`
within the retry budget: never a traceback (a ``KeyError`` or ``JSONDecodeError`` out of
the client), never a key in the message, its cause chain or any log record, and never a
write (POST or DELETE) after a read the client could not understand.

What the emulator cannot produce (garbage bodies, stalls, loops, redirects elsewhere) comes
from :class:`RawServer`: a threaded TCP server on ``127.0.0.1:0`` that writes exactly the
bytes a test wants, stops by itself after ``lifetime`` seconds, and logs every request.
Its hostile answers echo the keys they received (in bodies, cursors, Location headers,
status lines), so that "no key anywhere" is a claim a leak would break.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from datadog_seats_emulator import SeatsEmulator, seed_users
from datadog_seats_emulator.control import EmulatorAdmin
from pulumi_datadog_seats.api import paging
from pulumi_datadog_seats.api.seats import SeatsClient
from pulumi_datadog_seats.errors import (
    RedirectError,
    SeatAssignmentError,
    SeatsError,
    ServerError,
    TransportError,
    UnexpectedAnswerError,
)
from pulumi_datadog_seats.provider import SeatAssignmentProvider
from pulumi_datadog_seats.settings import Settings
from tests.waiting import wait_until

from .conftest import API_KEY as EMULATOR_API_KEY
from .conftest import APP_KEY as EMULATOR_APP_KEY

# -- the raw server ----------------------------------------------------------------------


@dataclass
class Request:
    """One request as the raw server read it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    time: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        """The JSON body."""
        return json.loads(self.body)


class Conn:
    """What an answer function may do with the connection of one request."""

    def __init__(self, sock: socket.socket, server: RawServer) -> None:
        self._sock = sock
        self._server = server
        self.closed = False

    def send(self, data: bytes) -> None:
        """Write ``data`` (in pieces, so that a huge body never blocks past a stop)."""
        view = memoryview(data)
        while view and not self.closed:
            if self._server.stopping():
                self.close()
                return
            try:
                sent = self._sock.send(view[: 1 << 20])
            except TimeoutError:
                continue
            except OSError:
                self.close()
                return
            view = view[sent:]

    def wait(self, seconds: float) -> None:
        """Sleep, but no longer than the server lives."""
        self._server.wait(seconds)

    def hang(self) -> None:
        """Say nothing more until the server stops."""
        self._server.wait(self._server.lifetime)

    def close(self) -> None:
        """Close the connection (the client sees the end of the stream)."""
        if not self.closed:
            self.closed = True
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)


Reply = Callable[[Request, Conn], None]


class RawServer:
    """A loopback HTTP/1.1 server whose answers are whatever ``answer`` writes.

    Keep-alive is honoured (the client's pool reuses connections); an answer closes
    the connection with ``conn.close()``. Everything stops after ``lifetime`` seconds
    at the latest, so a broken client cannot hang the test run on this server.
    """

    def __init__(self, answer: Reply, lifetime: float = 20.0) -> None:
        self.answer = answer
        self.lifetime = lifetime
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._deadline = time.monotonic() + lifetime
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stopping(self) -> bool:
        """Whether the server is stopping (asked to, or past its lifetime)."""
        return self._stop.is_set() or time.monotonic() > self._deadline

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` or until the server stops, whichever comes first."""
        self._stop.wait(max(0.0, min(seconds, self._deadline - time.monotonic())))

    def stop(self) -> None:
        """Stop serving, close every connection and join the threads (bounded)."""
        self._stop.set()
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()

    def methods(self) -> list[str]:
        """The methods of the requests received, in order."""
        with self._lock:
            return [r.method for r in self.requests]

    def writes(self) -> list[Request]:
        """The POST and DELETE requests received."""
        with self._lock:
            return [r for r in self.requests if r.method in ("POST", "DELETE")]

    # -- plumbing -------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self.stopping():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            with self._lock:
                self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(0.05)
        conn = Conn(sock, self)
        buffer = b""
        try:
            while not conn.closed and not self.stopping():
                request, buffer = self._read_request(sock, buffer)
                if request is None:
                    return
                with self._lock:
                    self.requests.append(request)
                self.answer(request, conn)
        finally:
            conn.close()
            sock.close()

    def _read_request(self, sock: socket.socket, buffer: bytes) -> tuple[Request | None, bytes]:
        while b"\r\n\r\n" not in buffer:
            chunk = self._recv(sock)
            if not chunk:
                return None, b""
            buffer += chunk
        head, _, buffer = buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        while len(buffer) < length:
            chunk = self._recv(sock)
            if not chunk:
                return None, b""
            buffer += chunk
        body, buffer = buffer[:length], buffer[length:]
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        return Request(method, parts.path, query, headers, body), buffer

    def _recv(self, sock: socket.socket) -> bytes:
        while not self.stopping():
            try:
                return sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return b""
        return b""


def http(
    status: int,
    body: bytes = b"",
    *,
    reason: str = "Whatever",
    content_type: str | None = "application/json",
    headers: Mapping[str, str] | None = None,
    length: int | None = None,
) -> bytes:
    """An answer's bytes: status line, headers, body. ``length`` overrides Content-Length
    (a promise the body may not keep); ``length=-1`` sends none."""
    lines = [f"HTTP/1.1 {status} {reason}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    if length != -1:
        lines.append(f"Content-Length: {len(body) if length is None else length}")
    lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def json_answer(status: int, payload: Any, **kwargs: Any) -> bytes:
    """An answer with ``payload`` as its JSON body."""
    return http(status, json.dumps(payload).encode(), **kwargs)


def iter_chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception reachable through ``__cause__`` and ``__context__``."""
    todo, seen = [exc], set()
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)


# -- what every hostile answer must end in ------------------------------------------------

API_KEY = "canaryHostileApiKey-7c1e9a40"
APP_KEY = "canaryHostileAppKey-2b8f4d17"
KEYS = (API_KEY, APP_KEY)
IR = "incident_response"
USERS = [f"3f2a6b1c-0d4e-4f5a-9b8c-{i:012x}" for i in range(1, 41)]

#: Fast knobs: each hostile answer must end well within a few seconds.
TIMEOUT, BUDGET, BACKOFF, RETRIES = 0.5, 2.0, 0.01, 3


def settings_for(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "api_key": API_KEY,
        "app_key": APP_KEY,
        "api_url": url,
        "timeout_seconds": TIMEOUT,
        "retry_budget_seconds": BUDGET,
        "backoff_seconds": BACKOFF,
        "max_retries": RETRIES,
    }
    values.update(overrides)
    return Settings(**values)


def client_for(url: str, **overrides: Any) -> SeatsClient:
    return SeatsClient(settings_for(url, **overrides))


def provider_for(url: str, **knobs: str) -> SeatAssignmentProvider:
    """A provider configured as the engine configures one (a fresh process)."""
    config = {
        "datadog:apiUrl": url,
        "datadog:apiKey": API_KEY,
        "datadog:appKey": APP_KEY,
        "datadog-seats:timeoutSeconds": str(TIMEOUT),
        "datadog-seats:retryBudgetSeconds": str(BUDGET),
        "datadog-seats:backoffSeconds": str(BACKOFF),
        "datadog-seats:maxRetries": str(RETRIES),
        **{f"datadog-seats:{k}": v for k, v in knobs.items()},
    }
    provider = SeatAssignmentProvider()
    provider.configure(ConfigureRequest(Config(config, "test")))
    return provider


@pytest.fixture(autouse=True)
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record, urllib3's DEBUG ones included: none may carry a key."""
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_clear(exc: BaseException, caplog: pytest.LogCaptureFixture) -> str:
    """``exc`` is one of ours, and no key is in it, its chain or any log record."""
    assert isinstance(exc, SeatsError), f"{type(exc).__name__}: {exc}"
    for link in iter_chain(exc):
        for text in (str(link), repr(link)):
            for key in KEYS:
                assert key not in text, f"key in {type(link).__name__}: {text}"
    message = str(exc)
    assert "Traceback" not in message and "<html" not in message.lower()
    assert caplog.records, "the client logs at DEBUG: a check of no records means nothing"
    for record in caplog.records:
        for key in KEYS:
            assert key not in record.getMessage(), record.getMessage()
            assert key not in (record.exc_text or "")
    for key in KEYS:
        assert key not in caplog.text
    return message


def fail(call: Callable[[], Any]) -> tuple[SeatsError, float]:
    """The error ``call`` raises (any other exception fails the test) and how long it took."""
    started = time.monotonic()
    with pytest.raises(SeatsError) as info:
        call()
    return info.value, time.monotonic() - started


# -- hostile answers: each echoes the keys it received, wherever it can ----------------------


def keys_of(request: Request) -> str:
    return f"{request.headers.get('dd-api-key')} {request.headers.get('dd-application-key')}"


def page(ids: list[str], next_cursor: Any = "") -> dict[str, Any]:
    data = [{"id": i, "type": "seat-users", "attributes": {"email": f"{i[-4:]}@x.io"}} for i in ids]
    return {"data": data, "meta": {"limit": 100, "next_cursor": next_cursor}}


def text_garbage(request: Request, conn: Conn) -> None:
    conn.send(http(200, f"OK {keys_of(request)}".encode(), content_type="text/plain"))


def truncated_json(request: Request, conn: Conn) -> None:
    conn.send(http(200, json.dumps(page(USERS[:3])).encode()[:40]))


def cut_off(request: Request, conn: Conn) -> None:
    body = json.dumps(page(USERS[:3])).encode()
    conn.send(http(200, body[:40], length=len(body)))
    conn.close()


def html_502(request: Request, conn: Conn) -> None:
    html = f"<html><body><h1>502 Bad Gateway</h1><!-- {keys_of(request)} --></body></html>"
    conn.send(http(502, html.encode(), reason="Bad Gateway", content_type="text/html"))


def shaped(payload: Any, status: int = 200) -> Reply:
    def answer(request: Request, conn: Conn) -> None:
        conn.send(json_answer(status, payload))

    return answer


def same_cursor(request: Request, conn: Conn) -> None:
    conn.send(json_answer(200, page(USERS[:1], f"again-{keys_of(request)}")))


def cursor_cycle(request: Request, conn: Conn) -> None:
    nxt = {"": "A", "A": "B", "B": "A"}[request.query.get("page[cursor]", "")]
    at = {"": 0, "A": 1, "B": 2}[request.query.get("page[cursor]", "")]
    conn.send(json_answer(200, page(USERS[at : at + 1], nxt)))


def endless_cursors(request: Request, conn: Conn) -> None:
    n = int(request.query.get("page[cursor]", "c0")[1:])
    conn.send(json_answer(200, page(USERS[n % 40 : n % 40 + 1], f"c{n + 1}")))


def empty_200(request: Request, conn: Conn) -> None:
    conn.send(http(200, b""))


def stalled_body(request: Request, conn: Conn) -> None:
    conn.send(http(200, b'{"data": [', length=4096))
    conn.hang()


def trickled_body(request: Request, conn: Conn) -> None:
    conn.send(http(200, b"", length=100_000))
    for _ in range(100_000):
        if conn.closed:
            return
        conn.send(b" ")
        conn.wait(TIMEOUT / 5)


def silent(request: Request, conn: Conn) -> None:
    conn.hang()


def redirect_to(status: int, target: str) -> Reply:
    def answer(request: Request, conn: Conn) -> None:
        location = f"{target}/steal?k={request.headers.get('dd-api-key')}"
        conn.send(http(status, b"", reason="Moved", headers={"Location": location}))

    return answer


def status_line_with_keys(request: Request, conn: Conn) -> None:
    conn.send(f"SSH-2.0-OpenSSH {keys_of(request)}\r\n\r\n".encode())
    conn.close()


def wrong_content_type(request: Request, conn: Conn) -> None:
    conn.send(http(200, json.dumps(page(USERS[:2])).encode(), content_type="text/html"))


# -- the client: every hostile listing ends in a clear error, within the budget --------------


@dataclass(frozen=True)
class Case:
    """A hostile answer, the error it must end in, and the bounds it must end within."""

    answer: Reply  # what the server writes for each request
    error: type[SeatsError]
    says: tuple[str, ...]
    requests: int  # the first try and its retries
    seconds: float


SHAPE = "answered 200 with a body that is not the Seats API's JSON shape"
ALL_TRIES = 1 + RETRIES
TRIES_SECONDS = ALL_TRIES * TIMEOUT + BUDGET + 1.0

LISTINGS: dict[str, Case] = {
    "200 text/plain garbage": Case(
        text_garbage,
        UnexpectedAnswerError,
        ("GET /api/v2/seats/users answered 200 with a body that is not JSON (text/plain",),
        1,
        1.0,
    ),
    "200 truncated JSON": Case(truncated_json, UnexpectedAnswerError, ("not JSON",), 1, 1.0),
    "200 body cut off": Case(
        cut_off, UnexpectedAnswerError, ("the body broke off after 40 bytes",), 1, 1.0
    ),
    "502 HTML page": Case(
        html_502,
        ServerError,
        ("Datadog answered 502 to GET /api/v2/seats/users", "retries ran out"),
        ALL_TRIES,
        BUDGET + 1.0,
    ),
    "data not a list": Case(
        shaped({"data": {"id": USERS[0]}}),
        UnexpectedAnswerError,
        (f"{SHAPE} (data is an object, not a list)", "datadog:apiUrl"),
        1,
        1.0,
    ),
    "item without id": Case(
        shaped({"data": [{"type": "seat-users"}]}),
        UnexpectedAnswerError,
        (f"{SHAPE} (data[0].id is missing or null, not a user UUID)",),
        1,
        1.0,
    ),
    "id a number": Case(
        shaped({"data": [{"id": 1234}]}),
        UnexpectedAnswerError,
        ("(data[0].id is a number, not a user UUID)",),
        1,
        1.0,
    ),
    "id not a UUID": Case(
        shaped({"data": [{"id": "alice@example.com"}]}),
        UnexpectedAnswerError,
        ("(data[0].id is a string that is not a user UUID)",),
        1,
        1.0,
    ),
    "next_cursor a number": Case(
        shaped(page(USERS[:1], 2)),
        UnexpectedAnswerError,
        ("(meta.next_cursor is a number, not a string)",),
        1,
        1.0,
    ),
    "next_cursor an object": Case(
        shaped(page(USERS[:1], {"after": "x"})),
        UnexpectedAnswerError,
        ("(meta.next_cursor is an object, not a string)",),
        1,
        1.0,
    ),
    "same cursor forever": Case(
        same_cursor,
        UnexpectedAnswerError,
        ("on page 2 with a meta.next_cursor that page 1 already gave", "circle"),
        2,
        1.0,
    ),
    "cursor cycle A-B-A": Case(
        cursor_cycle,
        UnexpectedAnswerError,
        ("on page 3 with a meta.next_cursor that page 1 already gave",),
        3,
        1.0,
    ),
    "200 empty body": Case(
        empty_200,
        UnexpectedAnswerError,
        ("answered 200 with an empty body where the Seats API sends a JSON object",),
        1,
        1.0,
    ),
    "body stalls after the headers": Case(
        stalled_body,
        UnexpectedAnswerError,
        ("its body stopped arriving", "timeoutSeconds (0.5s) after 10 bytes"),
        1,
        TIMEOUT + 1.0,
    ),
    "body trickles in forever": Case(
        trickled_body,
        UnexpectedAnswerError,
        ("its body was still arriving after datadog-seats:timeoutSeconds (0.5s)",),
        1,
        2 * TIMEOUT + 1.0,
    ),
    "accepts, never answers": Case(
        silent,
        TransportError,
        ("timed out (datadog-seats:timeoutSeconds is 0.5s)", "Check the network"),
        ALL_TRIES,
        TRIES_SECONDS,
    ),
    "status line of another protocol": Case(
        status_line_with_keys, TransportError, ("BadStatusLine",), ALL_TRIES, TRIES_SECONDS
    ),
}


@pytest.mark.parametrize("name", list(LISTINGS))
def test_a_hostile_listing_ends_in_a_clear_error(name, all_logs):
    case = LISTINGS[name]
    with RawServer(case.answer) as server:
        exc, seconds = fail(lambda: client_for(server.url).list_seat_holders(IR))
    assert isinstance(exc, case.error), f"{type(exc).__name__}: {exc}"
    message = assert_clear(exc, all_logs)
    for fragment in case.says:
        assert fragment in message
    assert len(server.requests) == case.requests
    assert seconds <= case.seconds
    assert server.writes() == []


def test_valid_json_under_the_wrong_content_type_is_accepted(all_logs):
    with RawServer(wrong_content_type) as server:
        assert client_for(server.url).list_seat_holders(IR) == set(USERS[:2])


@pytest.mark.parametrize(
    ("assigned_ids", "says"),
    [
        (USERS[0], "data.attributes.assigned_ids is a string, not a list"),
        (7, "data.attributes.assigned_ids is a number, not a list"),
        ({USERS[0]: True}, "data.attributes.assigned_ids is an object, not a list"),
        ([API_KEY], "data.attributes.assigned_ids[0] is a string that is not a user UUID"),
    ],
)
def test_an_assign_answer_of_the_wrong_shape_is_a_clear_error(assigned_ids, says, all_logs):
    answer = {"data": {"type": "seat-assignments", "attributes": {"assigned_ids": assigned_ids}}}
    with RawServer(shaped(answer, 201)) as server:
        exc, _ = fail(lambda: client_for(server.url).assign_batch(IR, USERS[:1]))
    assert isinstance(exc, UnexpectedAnswerError)
    message = assert_clear(exc, all_logs)
    assert (
        "POST /api/v2/seats/users answered 201 with a body that is not the Seats API's JSON "
        in (message)
    )
    assert says in message
    assert server.methods() == ["POST"]  # one write, not retried: its answer came


# -- bounded listings and bodies -----------------------------------------------------------


def test_a_page_of_100000_holders_is_read_whole(all_logs):
    many = [f"3f2a6b1c-0d4e-4f5a-9b8c-{i:012x}" for i in range(100_000)]
    body = json.dumps(page(many)).encode()

    with RawServer(lambda request, conn: conn.send(http(200, body))) as server:
        started = time.monotonic()
        holders = client_for(server.url, timeout_seconds=10.0).list_seat_holders(IR)
    assert len(holders) == 100_000
    assert time.monotonic() - started < 10.0
    assert len(server.requests) == 1


def test_never_ending_distinct_cursors_stop_at_the_page_bound(monkeypatch, all_logs):
    # The real bound (10,000 pages) is pinned in the unit tier; over HTTP a small one.
    monkeypatch.setattr(paging, "MAX_PAGES", 25)
    with RawServer(endless_cursors, lifetime=5.0) as server:
        exc, seconds = fail(lambda: client_for(server.url).list_seat_holders(IR))
    message = assert_clear(exc, all_logs)
    assert isinstance(exc, UnexpectedAnswerError)
    assert "on page 25 (25 entries so far) with yet more to read" in message
    assert "read past 25 pages or 1,000,000 entries" in message
    assert len(server.requests) == 25
    assert seconds < 5


def test_a_listing_past_the_entry_bound_stops(monkeypatch, all_logs):
    monkeypatch.setattr(paging, "MAX_ENTRIES", 60)

    def pages_of_25(request: Request, conn: Conn) -> None:
        n = int(request.query.get("page[cursor]", "c0")[1:])
        conn.send(json_answer(200, page(USERS[:25], f"c{n + 1}")))

    with RawServer(pages_of_25, lifetime=5.0) as server:
        exc, _ = fail(lambda: client_for(server.url).list_seat_holders(IR))
    assert "on page 3 (75 entries so far)" in assert_clear(exc, all_logs)
    assert len(server.requests) == 3


def traced_peak(call: Callable[[], Any]) -> tuple[BaseException | None, int]:
    """What ``call`` raised (None if nothing) and the peak of memory it allocated, in bytes."""
    tracemalloc.start()
    try:
        call()
        raised: BaseException | None = None
    except Exception as exc:
        raised = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return raised, peak


MIB = 1024 * 1024
HUGE = 40 * MIB


def test_a_huge_body_that_says_so_is_refused_unread(all_logs):
    answer = http(200, b" " * HUGE)  # built before tracing: the server shares the process
    with RawServer(lambda request, conn: conn.send(answer)) as server:
        exc, peak = traced_peak(lambda: client_for(server.url).list_seat_holders(IR))
    assert isinstance(exc, UnexpectedAnswerError)
    assert "with a body larger than 32 MiB" in assert_clear(exc, all_logs)
    assert peak < 4 * MIB


def test_a_huge_body_without_a_length_is_cut_at_the_bound(all_logs):
    answer = http(200, b'{"data": [' + b" " * HUGE, length=-1)

    def endless(request: Request, conn: Conn) -> None:
        conn.send(answer)
        conn.close()

    with RawServer(endless) as server:
        exc, peak = traced_peak(lambda: client_for(server.url).list_seat_holders(IR))
    assert isinstance(exc, UnexpectedAnswerError)
    assert "larger than 32 MiB" in assert_clear(exc, all_logs)
    assert peak < 34 * MIB  # the bound, not the body (nor twice the body)


def test_a_compression_bomb_is_cut_at_the_bound(all_logs):
    bomb = gzip.compress(b" " * (64 * MIB), compresslevel=9)
    assert len(bomb) < MIB

    answer = http(200, bomb, headers={"Content-Encoding": "gzip"})
    with RawServer(lambda request, conn: conn.send(answer)) as server:
        exc, peak = traced_peak(lambda: client_for(server.url).list_seat_holders(IR))
    assert isinstance(exc, UnexpectedAnswerError)
    assert "larger than 32 MiB" in assert_clear(exc, all_logs)
    assert peak < 34 * MIB


def test_an_endless_error_page_is_dropped_not_drained_between_retries(all_logs):
    # urllib3 reads a retried answer to its end before retrying; this one has no end.
    chunk = b" " * 65536

    def endless_503(request: Request, conn: Conn) -> None:
        conn.send(http(503, b"<html>", content_type="text/html", length=-1))
        while not conn.closed:
            conn.send(chunk)

    with RawServer(endless_503, lifetime=8.0) as server:
        started = time.monotonic()
        exc, peak = traced_peak(lambda: client_for(server.url).list_seat_holders(IR))
        seconds = time.monotonic() - started
    assert isinstance(exc, ServerError) and exc.status == 503
    assert_clear(exc, all_logs)
    assert len(server.requests) == ALL_TRIES
    assert seconds < 2 * TIMEOUT + 1.0
    assert peak < 4 * MIB


# -- redirects -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_a_redirect_elsewhere_is_never_followed(status, method, all_logs):
    with (
        RawServer(shaped(page([]))) as elsewhere,
        RawServer(redirect_to(status, elsewhere.url)) as server,
    ):
        client = client_for(server.url)
        calls = {
            "GET": lambda: client.list_seat_holders(IR),
            "POST": lambda: client.assign_batch(IR, USERS[:1]),
            "DELETE": lambda: client.unassign_batch(IR, USERS[:1]),
        }
        exc, _ = fail(calls[method])
        assert elsewhere.requests == []  # the keys went nowhere else
    assert isinstance(exc, RedirectError) and exc.status == status
    message = assert_clear(exc, all_logs)
    assert f"Datadog answered {status} to {method} /api/v2/seats/users" in message
    assert f"redirects to {elsewhere.url}/steal;" in message  # the host, never the query
    assert "never followed" in message and "datadog:apiUrl" in message
    assert server.methods() == [method]


# -- one level up: the seat logic through a configured provider ------------------------------


class FakeSeats:
    """A well-behaved Seats API of one product; ``hostile[method]`` replaces its answers
    to that method (``hostile_times[method]`` of them, then it behaves again)."""

    def __init__(self, holders: Iterable[str] = ()) -> None:
        self.holders = set(holders)
        self.hostile: dict[str, Reply] = {}
        self.hostile_times: dict[str, int] = {}
        self.lock = threading.Lock()

    def __call__(self, request: Request, conn: Conn) -> None:
        with self.lock:
            answer = self.hostile.get(request.method)
            left = self.hostile_times.get(request.method)
            if answer is not None and left is not None:
                self.hostile_times[request.method] = left - 1
                if left <= 0:
                    answer = None
        if answer is not None:
            answer(request, conn)
            return
        with self.lock:
            if request.method == "GET":
                conn.send(json_answer(200, page(sorted(self.holders))))
                return
            users = request.json()["data"]["attributes"]["user_uuids"]
            if request.method == "POST":
                self.holders.update(users)
                attributes = {"attributes": {"product_code": IR, "assigned_ids": users}}
                conn.send(json_answer(201, {"data": {"type": "seat-assignments", **attributes}}))
            else:
                self.holders.difference_update(users)
                conn.send(http(204, b"", content_type=None))


HOSTILE_LISTINGS: dict[str, Reply] = {
    "200 text/plain garbage": text_garbage,
    "200 truncated JSON": truncated_json,
    "200 body cut off": cut_off,
    "502 HTML page": html_502,
    "data not a list": shaped({"data": {"id": USERS[0]}}),
    "id a number": shaped({"data": [{"id": 1234}]}),
    "next_cursor a number": shaped(page(USERS[:1], 2)),
    "same cursor forever": same_cursor,
    "cursor cycle A-B-A": cursor_cycle,
    "200 empty body": empty_200,
    "body stalls after the headers": stalled_body,
    "accepts, never answers": silent,
    "302 to another host": redirect_to(302, "https://collector.example"),
}


@pytest.mark.parametrize("name", list(HOSTILE_LISTINGS))
def test_a_create_whose_listing_cannot_be_understood_writes_nothing(name, all_logs):
    # Exclusive: a listing taken at face value would unassign the holders it leaves out
    # and assign the declared users it leaves out.
    seats = FakeSeats(USERS[30:33])
    seats.hostile["GET"] = HOSTILE_LISTINGS[name]
    with RawServer(seats) as server:
        provider = provider_for(server.url)
        declared = {"product_code": IR, "user_uuids": USERS[:3], "exclusive": True}
        exc, seconds = fail(lambda: provider.create(declared))
    assert_clear(exc, all_logs)
    assert server.writes() == []
    assert seats.holders == set(USERS[30:33])
    assert seconds <= TRIES_SECONDS


@pytest.mark.parametrize("name", ["200 empty body", "same cursor forever", "id a number"])
def test_a_refresh_whose_listing_cannot_be_understood_fails_instead_of_forgetting(name, all_logs):
    # Taken as "nobody holds a seat", the refresh would drop the resource from the state.
    seats = FakeSeats(USERS[:3])
    seats.hostile["GET"] = HOSTILE_LISTINGS[name]
    with RawServer(seats) as server:
        provider = provider_for(server.url)
        outputs = {"product_code": IR, "user_uuids": USERS[:3], "assigned_ids": USERS[:3]}
        exc, _ = fail(lambda: provider.read("id-1", outputs))
    assert isinstance(exc, UnexpectedAnswerError)
    assert_clear(exc, all_logs)
    assert server.writes() == []


def test_an_update_whose_listing_loops_neither_unassigns_nor_assigns(all_logs):
    seats = FakeSeats(USERS[:5])
    seats.hostile["GET"] = cursor_cycle
    with RawServer(seats) as server:
        provider = provider_for(server.url)
        olds = {"product_code": IR, "user_uuids": USERS[:2], "exclusive": False}
        news = {"product_code": IR, "user_uuids": [USERS[0], USERS[9]], "exclusive": True}
        exc, _ = fail(lambda: provider.update("id-1", olds, news))
    assert "circle" in assert_clear(exc, all_logs)
    assert server.methods() == ["GET"] * 3
    assert seats.holders == set(USERS[:5])


def test_a_listing_without_end_fails_the_create_before_any_write(monkeypatch, all_logs):
    monkeypatch.setattr(paging, "MAX_PAGES", 20)
    seats = FakeSeats()
    seats.hostile["GET"] = endless_cursors
    with RawServer(seats, lifetime=5.0) as server:
        exc, _ = fail(
            lambda: provider_for(server.url).create({"product_code": IR, "user_uuids": USERS[:2]})
        )
    assert "read past 20 pages" in assert_clear(exc, all_logs)
    assert server.methods() == ["GET"] * 20


@pytest.mark.parametrize("assigned_ids", [7, USERS[0], {"ids": USERS[:1]}])
def test_an_assign_answer_not_understood_is_rolled_back_after_an_understood_read(
    assigned_ids, all_logs
):
    # The POST took effect, but its answer is not the API's: the seat logic reads the
    # holders (an answer it understands) and gives the seat back. Before the fix, a number
    # here was a TypeError that left the seat assigned and untracked.
    seats = FakeSeats(USERS[30:31])

    def applied_then_garbled(request: Request, conn: Conn) -> None:
        with seats.lock:
            seats.holders.update(request.json()["data"]["attributes"]["user_uuids"])
        body = {"data": {"type": "seat-assignments", "attributes": {"assigned_ids": assigned_ids}}}
        conn.send(json_answer(201, body))

    seats.hostile["POST"] = applied_then_garbled
    with RawServer(seats) as server:
        exc, _ = fail(
            lambda: provider_for(server.url).create({"product_code": IR, "user_uuids": USERS[:1]})
        )
    assert isinstance(exc, SeatAssignmentError)
    message = assert_clear(exc, all_logs)
    assert "POST /api/v2/seats/users answered 201 with a body that is not the Seats API's" in (
        message
    )
    assert "data.attributes.assigned_ids" in message
    assert "given back: nothing changed" in message
    assert server.methods() == ["GET", "POST", "GET", "DELETE"]
    assert seats.holders == {USERS[30]}


@pytest.mark.parametrize("name", ["200 text/plain garbage", "same cursor forever", "502 HTML page"])
def test_a_delete_refused_then_a_listing_not_understood_sends_no_second_delete(name, all_logs):
    # A refused unassign makes the seat logic read who still holds a seat; a listing it
    # cannot understand must not choose what to unassign next.
    seats = FakeSeats(USERS[:3])
    seats.hostile["DELETE"] = shaped({"errors": ["user holds no seat"]}, 422)
    seats.hostile_times["DELETE"] = 1
    seats.hostile["GET"] = HOSTILE_LISTINGS[name]
    with RawServer(seats) as server:
        provider = provider_for(server.url)
        exc, _ = fail(
            lambda: provider.delete("id-1", {"product_code": IR, "user_uuids": USERS[:3]})
        )
    assert_clear(exc, all_logs)
    assert [r.method for r in server.writes()] == ["DELETE"]
    assert seats.holders == set(USERS[:3])


def test_an_emulator_that_answers_too_late_fails_the_create_before_any_write(
    emulator: SeatsEmulator, admin: EmulatorAdmin, all_logs: pytest.LogCaptureFixture
) -> None:
    # The emulator's own fault: every listing answers after 1 s, twice the timeout.
    admin.add_fault(kind="delay", every=1, delay_seconds=1.0, methods=["GET"])
    config = {
        "datadog:apiUrl": emulator.url,
        "datadog:apiKey": EMULATOR_API_KEY,
        "datadog:appKey": EMULATOR_APP_KEY,
        "datadog-seats:timeoutSeconds": str(TIMEOUT),
        "datadog-seats:backoffSeconds": str(BACKOFF),
        "datadog-seats:maxRetries": "1",
    }
    provider = SeatAssignmentProvider()
    provider.configure(ConfigureRequest(Config(config, "test")))
    users = [u["id"] for u in seed_users(3)]
    exc, seconds = fail(lambda: provider.create({"product_code": IR, "user_uuids": users}))
    assert isinstance(exc, TransportError)
    message = str(exc)
    assert "timed out" in message and "GET" in message
    for key in (EMULATOR_API_KEY, EMULATOR_APP_KEY):
        assert key not in message and key not in all_logs.text
    assert seconds < 2 * TIMEOUT + BUDGET + 1.0
    # The emulator logs a delayed request when it has answered it, after the client gave
    # up; wait for both (nothing may still be in flight when the next test resets it).
    wait_until(lambda: len(admin.requests()) >= 2, 5.0, "the emulator logged both requests")
    assert [r["method"] for r in admin.requests()] == ["GET", "GET"]  # a try and one retry
    assert admin.holders(IR) == []
