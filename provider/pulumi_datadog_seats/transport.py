"""Transport: the one HTTP session below every Datadog API area, and the two paginators.

Each API area (seats in :mod:`.client`, users in :mod:`.users`, teams in :mod:`.teams`)
builds its own paths and bodies and calls :meth:`Transport.request`, which applies what
every call needs: the keys and User-Agent headers, a timeout, retries, no redirects,
the mapping of error answers to :mod:`.errors` and the scrubbing of keys from messages.

Retries live in :class:`BudgetedRetry`, mounted on the session's adapter: 429 waits
``X-RateLimit-Reset`` seconds, 5xx and connection errors back off exponentially with
jitter, and the time one request spends retrying (the waits, and every attempt after
the first) is bounded by ``Settings.retry_budget_seconds``. A write that succeeds after
a retry says, in :attr:`Answer.may_land_again`, whether an earlier attempt of it got no
clear answer (a read timeout, a dropped connection, a 500, 502 or 504): Datadog may still
carry that attempt out later, after whatever the caller does next. A write whose last attempt is
refused (4xx, 503), or answered in a way the client cannot understand, after such an
attempt is a plain :class:`~.errors.TransportError` that says so: its outcome is unknown.

Two paginators sit beside each other: :func:`iter_cursor_pages` follows
``meta.next_cursor`` (seat holders), :func:`iter_numbered_pages` counts ``page[number]``
from 0 (users, team memberships).

Hostile or broken answers end in a :class:`~.errors.SeatsError`, never in a traceback or
a guess: a 2xx body that is not JSON, not the API's shape (:class:`Answer` checks it),
empty where JSON is due, larger than :data:`MAX_BODY_BYTES`, cut off, or slower than
``timeoutSeconds`` to arrive is an :class:`~.errors.UnexpectedAnswerError`; so is a
listing that pages in a circle or past :data:`MAX_PAGES` pages or :data:`MAX_ENTRIES`
entries. Nothing is concluded from such an answer, so nothing is written after it. No
message, cause chain or log record carries a key: messages are scrubbed, raised without
the library exception that led to them, and the loggers of requests and urllib3 scrub
the keys of every transport (a hostile server may echo them anywhere).
"""

from __future__ import annotations

import json as jsonlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from http.client import HTTPException
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3 import BaseHTTPResponse
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.exceptions import HTTPError as Urllib3HTTPError
from urllib3.exceptions import TimeoutError as Urllib3TimeoutError
from urllib3.util.retry import RequestHistory, Retry

from .errors import (
    ApiAdvice,
    SeatsApiError,
    SeatsError,
    TransportError,
    UnexpectedAnswerError,
    error_from_response,
    quoted,
    value_kind,
)
from .redaction import parse_user_uuid, scrub_keys, scrub_logs_of
from .settings import Settings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Methods that change nothing: whatever became of an earlier attempt, nothing lands late.
READ_METHODS = frozenset({"GET", "HEAD"})
RATE_LIMIT_RESET_HEADER = "X-RateLimit-Reset"

#: The most (decoded) bytes of one answer the client reads. A page of 100 seat holders is
#: about 20 KB; 32 MiB still holds a page of 100,000 of them, and bounds the memory a
#: server that never stops sending (or a compression bomb) can take.
MAX_BODY_BYTES = 32 * 1024 * 1024
#: The most bytes of an error answer (3xx, 4xx, 5xx) read for its ``errors``. A retried
#: one (5xx, 429) is read, to reuse its connection, only when it says it is at most this
#: long; any other is dropped with its connection, unread (urllib3 would read it to its
#: end, and a hostile one has none).
MAX_ERROR_BODY_BYTES = 64 * 1024
#: A listing ends in an error past this many pages (a million holders at 100 a page) ...
MAX_PAGES = 10_000
#: ... or this many entries, whatever the page size: more than any organization has users.
MAX_ENTRIES = 1_000_000
_READ_CHUNK = 64 * 1024

log = logging.getLogger(__name__)


def _package_version() -> str:
    try:
        return version("pulumi-datadog-seats")
    except PackageNotFoundError:
        return "0+unknown"


USER_AGENT = f"pulumi-datadog-seats/{_package_version()} python-requests/{requests.__version__}"


class BudgetedRetry(Retry):
    """urllib3 ``Retry`` that honours ``X-RateLimit-Reset`` and a total time budget.

    A 429 waits ``X-RateLimit-Reset`` seconds (Datadog's header, not
    ``Retry-After``); every other retry backs off exponentially with jitter.
    The budget is charged with every wait and with the time of every attempt after
    the first (urllib3 does not say when the first began): a server that never
    answers costs the budget too, not only ``maxRetries`` x the timeout. When the
    next wait would take the request past ``budget_seconds``, retrying stops: the
    last answer is returned (and mapped to an error by the transport) or, for a
    connection error, raised.

    The body of an answer that is retried is read (so that its connection is reused)
    only when it says it is at most :data:`MAX_ERROR_BODY_BYTES` long; otherwise it is
    dropped unread with its connection, so that a huge error page costs no memory.
    """

    def __init__(
        self, *args: Any, budget_seconds: float = 60.0, spent_seconds: float = 0.0, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.budget_seconds = budget_seconds
        self.spent_seconds = spent_seconds
        self.planned_wait = 0.0
        #: When the attempt after :meth:`sleep` began (monotonic); None before the first.
        self.attempt_started: float | None = None

    def new(self, **kw: Any) -> BudgetedRetry:
        kw.setdefault("budget_seconds", self.budget_seconds)
        kw.setdefault("spent_seconds", self.spent_seconds)
        return super().new(**kw)

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        """Seconds to wait after a 429, from ``X-RateLimit-Reset``; None for other answers."""
        if response.status != 429:
            return None
        reset = response.headers.get(RATE_LIMIT_RESET_HEADER)
        try:
            return max(float(reset), 0.0) if reset is not None else None
        except ValueError:
            return None

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> BudgetedRetry:
        new = super().increment(method, url, response, error, _pool, _stacktrace)
        if self.attempt_started is not None:
            new.spent_seconds += time.monotonic() - self.attempt_started
        wait = new.get_retry_after(response) if response is not None else None
        if wait is None:
            wait = new.get_backoff_time()
        if new.spent_seconds + wait > new.budget_seconds:
            # As urllib3 does when the count runs out; the connection error, if any, stays
            # the reason so that the message says what failed.
            reason = error or ResponseError("retry budget exhausted")
            raise MaxRetryError(_pool, url, reason)  # type: ignore[arg-type]
        new.spent_seconds += wait
        new.planned_wait = wait
        if response is not None and not _short(response):
            # urllib3 drains a retried answer into memory, whatever its size: drop it.
            response.close()
        return new

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        """Wait exactly the time :meth:`increment` planned and charged to the budget;
        the attempt that follows starts its clock."""
        if self.planned_wait > 0:
            time.sleep(self.planned_wait)
        self.attempt_started = time.monotonic()


def _short(response: BaseHTTPResponse) -> bool:
    """Whether an answer says it is at most :data:`MAX_ERROR_BODY_BYTES` long."""
    length = _content_length(response.headers.get("Content-Length"))
    return length is not None and length <= MAX_ERROR_BODY_BYTES


def _size(count: int) -> str:
    mib = 1024 * 1024
    return f"{count // mib} MiB" if count % mib == 0 else f"{count:,} bytes"


def _json_kind(value: object) -> str:
    """What a JSON value is, for messages (never the value: it may echo a key)."""
    return value_kind(value, null="missing or null")


def _content_length(header: str | None) -> int | None:
    text = (header or "").strip()
    return int(text) if text.isdigit() else None


@dataclass(frozen=True)
class Answer:
    """A successful answer: its status and JSON body (None when empty), and the checks
    that turn a body of the wrong shape into an :class:`~.errors.UnexpectedAnswerError`
    naming what was wrong (``where``: ``data[3].id`` and the like).

    After an earlier attempt without a clear answer (:attr:`may_land_again`), such an
    error is a plain :class:`~.errors.TransportError` that says so: the answer was not
    understood, and the earlier attempt may still be carried out.
    """

    status: int
    body: Any
    method: str
    path: str
    advice: ApiAdvice
    transport: Transport
    size: int = 0  # bytes of the (decoded) body
    #: How an earlier attempt of this write that got no clear answer ended (see
    #: :func:`unclear_attempt`), or None: always None for a read, and for a write
    #: answered at its first attempt.
    earlier_attempt: str | None = None

    @property
    def may_land_again(self) -> bool:
        """An earlier attempt of this write got no clear answer before a retry got this one:
        Datadog may still carry that attempt out later, after this answer and whatever the
        caller does next (such as undoing the write)."""
        return self.earlier_attempt is not None

    def unexpected(self, what: str, todo: str | None = None) -> TransportError:
        """The error for this answer: ``{method} {path} answered {status} {what}``."""
        error = self.transport.unexpected(
            self.method, self.path, self.status, what, advice=self.advice, todo=todo
        )
        if self.earlier_attempt is None:
            return error
        return _no_clear_answer(error, self.method, self.earlier_attempt)

    def wrong_shape(self, problem: str) -> TransportError:
        """The error for a body that is JSON, but not the API's JSON shape."""
        return self.unexpected(
            f"with a body that is not the {self.advice.api_name}'s JSON shape ({problem})"
        )

    def object(self, value: Any, where: str) -> dict[str, Any]:
        """``value``, which must be a JSON object."""
        if not isinstance(value, dict):
            raise self.wrong_shape(f"{where} is {_json_kind(value)}, not an object")
        return value

    def optional_object(self, value: Any, where: str) -> dict[str, Any]:
        """``value`` if a JSON object, ``{}`` if missing or null."""
        return {} if value is None else self.object(value, where)

    def array(self, value: Any, where: str) -> list[Any]:
        """``value``, which must be a JSON list."""
        if not isinstance(value, list):
            raise self.wrong_shape(f"{where} is {_json_kind(value)}, not a list")
        return value

    def optional_array(self, value: Any, where: str) -> list[Any]:
        """``value`` if a JSON list, ``[]`` if missing or null."""
        return [] if value is None else self.array(value, where)

    def optional_string(self, value: Any, where: str) -> str | None:
        """``value`` if a string, None if missing or null."""
        if value is not None and not isinstance(value, str):
            raise self.wrong_shape(f"{where} is {_json_kind(value)}, not a string")
        return value

    def user_uuid(self, value: Any, where: str) -> str:
        """``value``, which must be a user UUID, in canonical lower-case form."""
        if not isinstance(value, str):
            raise self.wrong_shape(f"{where} is {_json_kind(value)}, not a user UUID")
        canonical = parse_user_uuid(value)
        if canonical is None:
            raise self.wrong_shape(f"{where} is a string that is not a user UUID")
        return canonical

    def page(self, where: str = "the body") -> tuple[dict[str, Any], list[Any]]:
        """A listing page's body (a JSON object) and its ``data`` list."""
        if self.body is None and not self.size:
            raise self.unexpected(
                f"with an empty body where the {self.advice.api_name} sends a JSON object"
            )
        body = self.object(self.body, where)
        if "data" not in body:
            raise self.wrong_shape("data is missing")
        return body, self.array(body["data"], "data")


def unclear_attempt(history: Iterable[RequestHistory]) -> str | None:
    """How the first attempt in ``history`` that got no clear answer ended, or None.

    ``history`` is urllib3's record of the attempts of one request that were retried
    (``Retry.history``; the last attempt, whose answer the caller has, is not in it).
    An attempt got no clear answer when it may have reached the server: it failed after
    the connection was made (a read timeout, a connection dropped or reset: the request
    may have been sent whole) or was answered 500, 502 or 504 (the server, or the one
    behind a gateway, may have made the change; as :func:`~.seats.outcome_unknown`
    reads a final answer). A connection that could not be made (refused, no route, DNS,
    connect timeout) sent nothing, and a 503 or 429 is a refusal.
    """
    for attempt in history:
        if attempt.error is not None:
            if not _sent_nothing(attempt.error):
                return _attempt_failure(attempt.error)
        elif attempt.status is not None and unclear_status(attempt.status):
            return f"was answered {attempt.status}"
    return None


def unclear_status(status: int) -> bool:
    """Whether an answer of this status leaves open what became of a write: every 5xx
    but 503 (service unavailable, a refusal)."""
    return status >= 500 and status != 503


def _sent_nothing(error: Exception) -> bool:
    """Whether a retried attempt failed before anything was sent: no connection was made."""
    if isinstance(error, ProxyError):
        error = error.original_error
    return isinstance(error, (NewConnectionError, ConnectTimeoutError))


def _attempt_failure(error: Exception) -> str:
    """How an attempt that failed after connecting ended, for messages (never its text)."""
    if isinstance(error, ReadTimeoutError):
        return "timed out waiting for the answer"
    if isinstance(error, ProtocolError):
        return "lost its connection before the answer"
    return f"failed ({type(error).__name__})"


def _no_clear_answer(error: SeatsError, method: str, earlier: str) -> TransportError:
    """``error``, which answered a retry, as what it means for the write: no clear answer,
    for an earlier attempt ended as ``earlier`` says and may still be carried out."""
    return TransportError(
        f"{error} An earlier attempt of this {method} {earlier}, so the request got no "
        "clear answer: Datadog may still carry that attempt out."
    )


def _earlier_attempt(method: str, response: requests.Response) -> str | None:
    """:func:`unclear_attempt` of the retries behind ``response``; None for a read."""
    if method.upper() in READ_METHODS:
        return None
    retries = getattr(response.raw, "retries", None)  # None where no urllib3 pool answered
    return unclear_attempt(retries.history) if isinstance(retries, Retry) else None


def text(value: Any) -> str | None:
    """An optional display attribute: the value if a string, else None."""
    return value if isinstance(value, str) else None


class Transport:
    """One retrying HTTP session to the Datadog API. Thread-safe; the session is built on
    first use (never at construction, so a transport costs nothing until it is used)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._session: requests.Session | None = None
        self._session_lock = threading.Lock()

    def request(
        self,
        method: str,
        path: str,
        *,
        advice: ApiAdvice,
        params: Mapping[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> Any:
        """Send one request (with retries) and return its JSON body (None when empty).

        ``path`` is the API path (``/api/v2/...``, already quoted); ``advice`` is the
        calling area's advice for its error messages. Raises a
        :class:`~.errors.SeatsApiError` for an error answer and a
        :class:`~.errors.TransportError` when no usable answer came.
        """
        return self.request_answer(method, path, advice=advice, params=params, json=json).body

    def request_answer(
        self,
        method: str,
        path: str,
        *,
        advice: ApiAdvice,
        params: Mapping[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> Answer:
        """:meth:`request`, returning the :class:`Answer` (status, body, shape checks)."""
        session = self._session_for_process()
        url = self.settings.api_url + path
        failure: SeatsError | None = None
        response: requests.Response | None = None
        try:
            response = session.request(
                method,
                url,
                params=params,
                json=json,
                timeout=(min(10.0, self.settings.timeout_seconds), self.settings.timeout_seconds),
                # Never re-send the key headers to wherever a Location header points.
                allow_redirects=False,
                # The body is read here, bounded in size and time (_read_body).
                stream=True,
            )
        except requests.RequestException as exc:
            failure = TransportError(self._transport_message(method, path, exc, advice))
        if response is None:
            # Raised outside the except block: the library's exception, whose text may
            # quote what a hostile server sent, is not chained to ours.
            raise failure or TransportError(f"{method} {path} got no answer")
        try:
            limit = MAX_BODY_BYTES if response.status_code < 300 else MAX_ERROR_BODY_BYTES
            content, problem = self._read_body(response, limit)
        finally:
            response.close()
        status = response.status_code
        earlier = _earlier_attempt(method, response)
        log.debug("%s %s -> %s", method, path, status)
        if status >= 300:
            error = self._scrubbed(
                error_from_response(
                    status,
                    method,
                    path,
                    content,
                    response.headers.get(RATE_LIMIT_RESET_HEADER),
                    response.headers.get("Location"),
                    advice=advice,
                )
            )
            if earlier is not None and not unclear_status(status):
                # The refusal answers the retry only: the earlier attempt may still land.
                raise _no_clear_answer(error, method, earlier)
            raise error
        answer = Answer(status, None, method, path, advice, self, earlier_attempt=earlier)
        if problem is not None:
            raise answer.unexpected(*problem)
        if not content:
            return answer
        try:
            body = jsonlib.loads(content)
        except ValueError:
            what = f"with a body that is not JSON ({self._describe(response, len(content))})"
            failure = answer.unexpected(what)
        except RecursionError:
            failure = answer.unexpected(
                "with JSON nested too deeply to read, as no answer of the API is"
            )
        if failure is not None:
            raise failure
        return replace(answer, body=body, size=len(content))

    def unexpected(
        self,
        method: str,
        path: str,
        status: int,
        what: str,
        *,
        advice: ApiAdvice,
        todo: str | None = None,
    ) -> UnexpectedAnswerError:
        """The error for an answer the client cannot understand, scrubbed of the keys."""
        todo = todo or (
            f"Check that datadog:apiUrl (or DD_HOST / DD_SITE; now {self.settings.api_url}) "
            "is the Datadog API URL of your site, not a proxy or another service"
        )
        message = (
            f"{method} {path} answered {status} {what}. Nothing is concluded from this "
            f"answer. {todo}; {advice.retry_note}"
        )
        return UnexpectedAnswerError(
            self._scrub(message), method=method, path=path, status=status, problem=what
        )

    def close(self) -> None:
        """Close the session, if one was built; the next request builds a new one."""
        with self._session_lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

    # -- plumbing ----------------------------------------------------------

    def _session_for_process(self) -> requests.Session:
        with self._session_lock:
            if self._session is None:
                self._session = self._build_session()
            return self._session

    def _build_session(self) -> requests.Session:
        s = self.settings
        scrub_logs_of(s.api_key, s.app_key)
        retry = BudgetedRetry(
            total=s.max_retries,
            connect=s.max_retries,
            read=s.max_retries,
            status=s.max_retries,
            other=0,
            redirect=0,
            allowed_methods=frozenset({"GET", "POST", "DELETE"}),
            status_forcelist=RETRY_STATUSES,
            backoff_factor=s.backoff_seconds,
            backoff_jitter=s.backoff_seconds,
            raise_on_status=False,
            respect_retry_after_header=True,
            budget_seconds=s.retry_budget_seconds,
        )
        session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=8)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.headers.update(
            {
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
                "DD-API-KEY": s.api_key,
                "DD-APPLICATION-KEY": s.app_key,
            }
        )
        return session

    def _read_body(
        self, response: requests.Response, limit: int
    ) -> tuple[bytes, tuple[str, str] | None]:
        """The decoded body, read within ``limit`` bytes and ``timeout_seconds``.

        Returns the bytes and, when the body could not be read whole, what went wrong and
        what to do about it. Each read returns what has arrived (``read1``), so that a
        body that trickles in cannot outlast the deadline by more than one read timeout.
        """
        timeout = self.settings.timeout_seconds
        network = (
            "Check the network and datadog:apiUrl (or DD_HOST / DD_SITE; now "
            f"{self.settings.api_url})"
        )
        too_big = (
            f"with a body larger than {_size(limit)}, far more than any answer of "
            "the API; the rest was not read"
        )
        declared = _content_length(response.headers.get("Content-Length"))
        if declared is not None and declared > limit:
            return b"", (too_big, "")
        deadline = time.monotonic() + timeout
        chunks: list[bytes] = []
        size = 0
        try:
            while chunk := response.raw.read1(_READ_CHUNK, decode_content=True):
                size += len(chunk)
                if size > limit:
                    return b"", (too_big, "")
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    return b"", (
                        f"but its body was still arriving after datadog-seats:timeoutSeconds "
                        f"({timeout:g}s), {size:,} bytes in; the rest was not read",
                        network,
                    )
        except (Urllib3TimeoutError, TimeoutError):
            return b"", (
                f"but its body stopped arriving: nothing came for datadog-seats:timeoutSeconds "
                f"({timeout:g}s) after {size:,} bytes",
                network,
            )
        except (Urllib3HTTPError, HTTPException, OSError) as exc:
            return b"", (
                f"but the body broke off after {size:,} bytes ({type(exc).__name__}: the "
                "connection closed or the encoding is broken)",
                network,
            )
        return b"".join(chunks), None

    def _describe(self, response: requests.Response, size: int) -> str:
        content_type = quoted(self._scrub(response.headers.get("Content-Type") or ""), 60)
        return f"{content_type or 'no Content-Type'}, {size:,} bytes"

    def _transport_message(
        self, method: str, path: str, exc: requests.RequestException, advice: ApiAdvice
    ) -> str:
        timed_out = _timed_out(exc)
        kind = "timed out" if timed_out else "failed"
        reason = quoted(self._scrub(_root_cause(exc)))
        waited = (
            f" (datadog-seats:timeoutSeconds is {self.settings.timeout_seconds:g}s)"
            if timed_out
            else ""
        )
        return (
            f"{method} {self.settings.api_url}{path} {kind}{waited} after "
            f"{self.settings.max_retries} retries or "
            f"{self.settings.retry_budget_seconds:g}s of retry budget: {reason}. Check the "
            f"network and datadog:apiUrl; {advice.retry_note}"
        )

    def _scrub(self, text: str) -> str:
        """Defense in depth: no key ever reaches a message, whatever a library put in it."""
        return scrub_keys(text, (self.settings.api_key, self.settings.app_key))

    def _scrubbed(self, error: SeatsApiError) -> SeatsApiError:
        # Scrub, then cut: a cut first could leave half a key behind.
        error.errors = [quoted(self._scrub(e)) for e in error.errors[:10]]
        error.args = (self._scrub(error._compose()),)
        return error


@dataclass(frozen=True)
class Page:
    """One page of a listing: its number (from 1), its body and ``data``, and its answer
    (whose checks the API area uses on the entries)."""

    number: int
    body: dict[str, Any]
    data: list[Any]
    answer: Answer


def iter_cursor_pages(
    transport: Transport,
    path: str,
    params: Mapping[str, str],
    *,
    advice: ApiAdvice,
) -> Iterator[Page]:
    """Every page of a cursor listing, following ``meta.next_cursor``.

    ``params`` are sent with every page, ``page[cursor]`` added from the second on. A
    page without meta or with an empty or null ``next_cursor`` is the last. A cursor
    seen before (the listing goes in a circle), a listing past :data:`MAX_PAGES` pages
    or :data:`MAX_ENTRIES` entries, and a page of the wrong shape raise an
    :class:`~.errors.UnexpectedAnswerError`: a listing is used whole or not at all.
    """
    cursor = ""
    followed: dict[str, int] = {}  # each cursor followed -> the page that gave it
    entries = 0
    number = 0
    while True:
        number += 1
        query = dict(params)
        if cursor:
            query["page[cursor]"] = cursor
        answer = transport.request_answer("GET", path, params=query, advice=advice)
        body, data = answer.page()
        meta = answer.optional_object(body.get("meta"), "meta")
        next_cursor = answer.optional_string(meta.get("next_cursor"), "meta.next_cursor") or ""
        entries += len(data)
        if entries > MAX_ENTRIES:
            raise answer.unexpected(_too_long(number, entries, advice))
        yield Page(number, body, data, answer)
        if not next_cursor:
            return
        if next_cursor in followed:
            raise answer.unexpected(
                f"on page {number:,} with a meta.next_cursor that page "
                f"{followed[next_cursor]:,} already gave: the listing goes in a circle and "
                "would never end"
            )
        if number >= MAX_PAGES:
            raise answer.unexpected(_too_long(number, entries, advice))
        followed[next_cursor] = number
        cursor = next_cursor


def iter_numbered_pages(
    transport: Transport,
    path: str,
    params: Mapping[str, str],
    *,
    page_size: int,
    advice: ApiAdvice,
    is_last: Callable[[Any, int, int], bool] | None = None,
) -> Iterator[Page]:
    """Every page of a page-number listing: ``page[size]``, ``page[number]`` from 0.

    A page with fewer than ``page_size`` entries in ``data`` is the last, and so is any
    page for which ``is_last(body, number, entries_so_far)`` says so (each API area
    reads its own totals). A page identical to the one before (a server that ignores
    ``page[number]``), a listing past :data:`MAX_PAGES` pages or :data:`MAX_ENTRIES`
    entries, and a page of the wrong shape raise an :class:`~.errors.UnexpectedAnswerError`.
    """
    number = 0
    entries = 0
    previous: Any = None
    while True:
        query = {**params, "page[size]": str(page_size), "page[number]": str(number)}
        answer = transport.request_answer("GET", path, params=query, advice=advice)
        body, data = answer.page()
        if data and data == previous:
            raise answer.unexpected(
                f"on page {number + 1:,} (page[number]={number}) with the same entries as "
                "the page before: the server ignores page[number], so the listing cannot "
                "be read to its end"
            )
        entries += len(data)
        if entries > MAX_ENTRIES:
            raise answer.unexpected(_too_long(number + 1, entries, advice))
        yield Page(number + 1, body, data, answer)
        if len(data) < page_size or (is_last is not None and is_last(body, number, entries)):
            return
        if number + 1 >= MAX_PAGES:
            raise answer.unexpected(_too_long(number + 1, entries, advice))
        previous = data
        number += 1


def _too_long(pages: int, entries: int, advice: ApiAdvice) -> str:
    return (
        f"on page {pages:,} ({entries:,} entries so far) with yet more to read: no listing "
        f"of the {advice.api_name} is read past {MAX_PAGES:,} pages or {MAX_ENTRIES:,} "
        "entries, more than any organization has"
    )


def _timed_out(exc: BaseException) -> bool:
    """Whether a timeout is anywhere among the reasons of a requests/urllib3 exception."""
    for reason in _reasons(exc):
        if isinstance(reason, (requests.Timeout, Urllib3TimeoutError, TimeoutError)):
            return True
    return False


def _reasons(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, then each reason (urllib3's ``reason``, else the cause or context) inward."""
    visited: set[int] = set()
    current: BaseException = exc
    while id(current) not in visited:
        visited.add(id(current))
        yield current
        nxt = getattr(current, "reason", None) or current.__cause__ or current.__context__
        if not isinstance(nxt, BaseException):
            return
        current = nxt


def _root_cause(exc: BaseException) -> str:
    """The innermost reason of a requests/urllib3 exception, without the retry noise."""
    *_, seen = _reasons(exc)
    return f"{type(seen).__name__}: {seen}"
