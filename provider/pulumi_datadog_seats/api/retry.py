"""The retry policy, and the one rule of which outcomes leave a write unclear.

:class:`BudgetedRetry` is mounted on the session's adapter: a 429 waits
``X-RateLimit-Reset`` seconds, 5xx and connection errors back off exponentially with
jitter, and the time one request spends retrying (the waits, and every attempt after the
first) is bounded by ``Settings.retry_budget_seconds``.

The rule "may land again": an attempt got no clear answer when it may have reached
Datadog and may still be carried out, now or later. That is a read timeout, a connection
dropped after it was made, or an answer of 500, 502 or 504 (the server, or the one behind
a gateway, may have made the change). A connection that could not be made, a 503, a 429
and any 4xx are refusals. :func:`unclear_attempt` applies the rule to the attempts a
request retried, :func:`outcome_unknown` to the error a request ended with.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable
from types import TracebackType
from typing import Any

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
    SSLError,
)
from urllib3.util.retry import RequestHistory, Retry

from ..errors import SeatsError, ServerError, TransportError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Methods that change nothing: whatever became of an earlier attempt, nothing lands late.
READ_METHODS = frozenset({"GET", "HEAD"})
RATE_LIMIT_RESET_HEADER = "X-RateLimit-Reset"
#: The most bytes of an error answer (3xx, 4xx, 5xx) read for its ``errors``. A retried
#: one (5xx, 429) is read, to reuse its connection, only when it says it is at most this
#: long; any other is dropped with its connection, unread (urllib3 would read it to its
#: end, and a hostile one has none).
MAX_ERROR_BODY_BYTES = 64 * 1024
#: How urllib3 says a proxy answered a CONNECT with an error status.
_TUNNEL_REFUSED = "Tunnel connection failed:"


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
        # Whether every attempt so far, this one included, was refused before it was sent:
        # told to the transport on the MaxRetryError that ends the request (sent_nothing).
        nothing_sent = (
            response is None
            and error is not None
            and _sent_nothing(error)
            and all(a.error is not None and _sent_nothing(a.error) for a in self.history)
        )
        try:
            new = super().increment(method, url, response, error, _pool, _stacktrace)
        except MaxRetryError as exc:
            exc.nothing_sent = nothing_sent  # type: ignore[attr-defined]
            raise
        if self.attempt_started is not None:
            new.spent_seconds += time.monotonic() - self.attempt_started
        wait = new.get_retry_after(response) if response is not None else None
        if wait is None:
            wait = new.get_backoff_time()
        if new.spent_seconds + wait > new.budget_seconds:
            # As urllib3 does when the count runs out; the connection error, if any, stays
            # the reason so that the message says what failed.
            reason = error or ResponseError("retry budget exhausted")
            exhausted = MaxRetryError(_pool, url, reason)  # type: ignore[arg-type]
            exhausted.nothing_sent = nothing_sent  # type: ignore[attr-defined]
            raise exhausted
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


def content_length(header: str | None) -> int | None:
    """The byte count a ``Content-Length`` header states, or None when it states none."""
    text = (header or "").strip()
    return int(text) if text.isdigit() else None


def _short(response: BaseHTTPResponse) -> bool:
    """Whether an answer says it is at most :data:`MAX_ERROR_BODY_BYTES` long."""
    length = content_length(response.headers.get("Content-Length"))
    return length is not None and length <= MAX_ERROR_BODY_BYTES


# -- the one rule: which outcomes leave a write unclear --------------------------------


def unclear_status(status: int) -> bool:
    """Whether an answer of this status leaves open what became of a write: every 5xx
    but 503 (service unavailable, a refusal)."""
    return status >= 500 and status != 503


def outcome_unknown(exc: SeatsError) -> bool:
    """Whether Datadog may have carried out, or may still carry out, the request that failed.

    No answer (a timeout, a dropped connection), an answer that is not the API's, or a
    server error of an :func:`unclear_status` (500, 502, 504): the write may have been
    made, now or later. A 503 (service unavailable) and a 4xx are refusals, and so is a
    request that no attempt sent (``TransportError.sent_nothing``: no connection, a
    certificate or a proxy refused); the transport raises a refusal of a retry whose
    earlier attempt got no clear answer as a ``TransportError``.
    """
    if isinstance(exc, ServerError):
        return unclear_status(exc.status)
    return isinstance(exc, TransportError) and not exc.sent_nothing


def sent_nothing(exc: BaseException) -> bool:
    """Whether the request that raised ``exc`` (requests' or urllib3's exception) was sent
    by no attempt, as :class:`BudgetedRetry` marks the ``MaxRetryError`` that ended it."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, MaxRetryError):
            return bool(getattr(current, "nothing_sent", False))
        current = current.__cause__ or current.__context__
    return False


def unclear_attempt(history: Iterable[RequestHistory]) -> str | None:
    """How the first attempt in ``history`` that got no clear answer ended, or None.

    ``history`` is urllib3's record of the attempts of one request that were retried
    (``Retry.history``; the last attempt, whose answer the caller has, is not in it).
    An attempt got no clear answer when it may have reached the server: it failed after
    the connection was made (a read timeout, a connection dropped or reset: the request
    may have been sent whole) or was answered with an :func:`unclear_status`. A
    connection that could not be made (refused, no route, DNS, connect timeout) sent
    nothing, and a 503 or 429 is a refusal.
    """
    for attempt in history:
        if attempt.error is not None:
            if not _sent_nothing(attempt.error):
                return _attempt_failure(attempt.error)
        elif attempt.status is not None and unclear_status(attempt.status):
            return f"was answered {attempt.status}"
    return None


def earlier_attempt(method: str, retries: object) -> str | None:
    """:func:`unclear_attempt` of the retries behind an answer (urllib3's
    ``response.raw.retries``); None for a read, and where no urllib3 pool answered."""
    if method.upper() in READ_METHODS:
        return None
    return unclear_attempt(retries.history) if isinstance(retries, Retry) else None


def _sent_nothing(error: Exception) -> bool:
    """Whether an attempt failed before anything was sent: no connection was made, the
    server's certificate was refused in the handshake, or a proxy would not open a
    tunnel (it answered the CONNECT with an error status)."""
    if isinstance(error, ProxyError):
        error = error.original_error
        if _TUNNEL_REFUSED in str(error) and not isinstance(error, ssl.SSLError):
            return True
    if isinstance(error, SSLError):
        inner = error.args[0] if error.args else None
        return isinstance(inner, ssl.SSLCertVerificationError)
    return isinstance(error, (NewConnectionError, ConnectTimeoutError))


def _attempt_failure(error: Exception) -> str:
    """How an attempt that failed after connecting ended, for messages (never its text)."""
    if isinstance(error, ReadTimeoutError):
        return "timed out waiting for the answer"
    if isinstance(error, ProtocolError):
        return "lost its connection before the answer"
    return f"failed ({type(error).__name__})"
