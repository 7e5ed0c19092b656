"""Transport: the one HTTP session below every Datadog API area, and the two paginators.

Each API area (seats in :mod:`.client`, users in :mod:`.users`, teams in :mod:`.teams`)
builds its own paths and bodies and calls :meth:`Transport.request`, which applies what
every call needs: the keys and User-Agent headers, a timeout, retries, no redirects,
the mapping of error answers to :mod:`.errors` and the scrubbing of keys from messages.

Retries live in :class:`BudgetedRetry`, mounted on the session's adapter: 429 waits
``X-RateLimit-Reset`` seconds, 5xx and connection errors back off exponentially with
jitter, and the total waiting of one request is bounded by
``Settings.retry_budget_seconds``.

Two paginators sit beside each other: :func:`iter_cursor_pages` follows
``meta.next_cursor`` (seat holders), :func:`iter_numbered_pages` counts ``page[number]``
from 0 (users, team memberships).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Any, Self

import requests
from requests.adapters import HTTPAdapter
from urllib3 import BaseHTTPResponse
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from .errors import ApiAdvice, SeatsApiError, TransportError, error_from_response
from .settings import Settings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RATE_LIMIT_RESET_HEADER = "X-RateLimit-Reset"

log = logging.getLogger(__name__)


def _package_version() -> str:
    try:
        return version("pulumi-datadog-seats")
    except PackageNotFoundError:
        return "0+unknown"


USER_AGENT = f"pulumi-datadog-seats/{_package_version()} python-requests/{requests.__version__}"


class BudgetedRetry(Retry):
    """urllib3 ``Retry`` that honours ``X-RateLimit-Reset`` and a total wait budget.

    A 429 waits ``X-RateLimit-Reset`` seconds (Datadog's header, not
    ``Retry-After``); every other retry backs off exponentially with jitter.
    When the next wait would take the request past ``budget_seconds`` of
    waiting in total, retrying stops: the last answer is returned (and mapped
    to an error by the transport) or, for a connection error, raised.
    """

    def __init__(
        self, *args: Any, budget_seconds: float = 60.0, spent_seconds: float = 0.0, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.budget_seconds = budget_seconds
        self.spent_seconds = spent_seconds
        self.planned_wait = 0.0

    def new(self, **kw: Any) -> Self:
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
    ) -> Self:
        new = super().increment(method, url, response, error, _pool, _stacktrace)
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
        return new

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        """Wait exactly the time :meth:`increment` planned and charged to the budget."""
        if self.planned_wait > 0:
            time.sleep(self.planned_wait)


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
        session = self._session_for_process()
        url = self.settings.api_url + path
        try:
            response = session.request(
                method,
                url,
                params=params,
                json=json,
                timeout=(min(10.0, self.settings.timeout_seconds), self.settings.timeout_seconds),
                # Never re-send the key headers to wherever a Location header points.
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise TransportError(self._transport_message(method, path, exc, advice)) from None
        log.debug("%s %s -> %s", method, path, response.status_code)
        if response.status_code >= 300:
            raise self._scrubbed(
                error_from_response(
                    response.status_code,
                    method,
                    path,
                    response.content,
                    response.headers.get(RATE_LIMIT_RESET_HEADER),
                    response.headers.get("Location"),
                    advice=advice,
                )
            )
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise TransportError(
                f"{method} {path} answered {response.status_code} with a body that is not "
                f"JSON. Check that {self.settings.api_url} is the Datadog API URL of your site."
            ) from None

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

    def _transport_message(
        self, method: str, path: str, exc: requests.RequestException, advice: ApiAdvice
    ) -> str:
        kind = "timed out" if isinstance(exc, requests.Timeout) else "failed"
        reason = self._scrub(_root_cause(exc))
        return (
            f"{method} {self.settings.api_url}{path} {kind} after "
            f"{self.settings.max_retries} retries or "
            f"{self.settings.retry_budget_seconds:g}s of retry budget: {reason}. Check the "
            f"network and datadog:apiUrl; {advice.retry_note}"
        )

    def _scrub(self, text: str) -> str:
        """Defense in depth: no key ever reaches a message, whatever a library put in it."""
        for secret in (self.settings.api_key, self.settings.app_key):
            if secret:
                text = text.replace(secret, "***")
        return text

    def _scrubbed(self, error: SeatsApiError) -> SeatsApiError:
        error.errors = [self._scrub(e) for e in error.errors]
        error.args = (self._scrub(str(error)),)
        return error


def iter_cursor_pages(
    transport: Transport,
    path: str,
    params: Mapping[str, str],
    *,
    advice: ApiAdvice,
) -> Iterator[Any]:
    """Every page (JSON body) of a cursor listing, following ``meta.next_cursor``.

    ``params`` are sent with every page, ``page[cursor]`` added from the second on. A
    page without meta or with an empty ``next_cursor`` is the last; so is one whose
    cursor was seen before, which would otherwise loop forever.
    """
    cursor = ""
    seen = {cursor}
    while True:
        query = dict(params)
        if cursor:
            query["page[cursor]"] = cursor
        body = transport.request("GET", path, params=query, advice=advice) or {}
        yield body
        # The real API answers an empty list with {"data": []}: no meta means last page.
        next_cursor = (body.get("meta") or {}).get("next_cursor") or ""
        if next_cursor in seen:
            return
        seen.add(next_cursor)
        cursor = next_cursor


def iter_numbered_pages(
    transport: Transport,
    path: str,
    params: Mapping[str, str],
    *,
    page_size: int,
    advice: ApiAdvice,
    is_last: Callable[[Any, int, int], bool] | None = None,
) -> Iterator[Any]:
    """Every page (JSON body) of a page-number listing: ``page[size]``, ``page[number]`` from 0.

    A page with fewer than ``page_size`` entries in ``data`` is the last, and so is any
    page for which ``is_last(body, number, entries_so_far)`` says so (each API area
    reads its own totals). A page identical to the one before also ends the listing: a
    server that ignores ``page[number]`` would otherwise be read forever.
    """
    number = 0
    entries = 0
    previous: Any = None
    while True:
        query = {**params, "page[size]": str(page_size), "page[number]": str(number)}
        body = transport.request("GET", path, params=query, advice=advice) or {}
        data = body.get("data") or []
        if data and data == previous:
            return
        yield body
        entries += len(data)
        if len(data) < page_size or (is_last is not None and is_last(body, number, entries)):
            return
        previous = data
        number += 1


def _root_cause(exc: BaseException) -> str:
    """The innermost reason of a requests/urllib3 exception, without the retry noise."""
    seen: BaseException = exc
    while True:
        nxt = getattr(seen, "reason", None) or seen.__cause__ or seen.__context__
        if not isinstance(nxt, BaseException) or nxt is seen:
            break
        seen = nxt
    return f"{type(seen).__name__}: {seen}"
