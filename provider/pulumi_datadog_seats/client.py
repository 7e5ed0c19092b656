"""SeatsClient: the three Seats API endpoints over one retrying HTTP session.

``POST /api/v2/seats/users`` assigns, ``DELETE`` unassigns (both in batches of
``Settings.batch_size``, both idempotent so retrying is safe) and ``GET``
lists seat holders page by page following ``meta.next_cursor``.

Retries live in :class:`BudgetedRetry`, mounted on the session's adapter:
429 waits ``X-RateLimit-Reset`` seconds, 5xx and connection errors back off
exponentially with jitter, and the total waiting of one request is bounded by
``Settings.retry_budget_seconds``.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Any, Self

import requests
from requests.adapters import HTTPAdapter
from urllib3 import BaseHTTPResponse
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from .errors import SeatsApiError, TransportError, error_from_response
from .settings import Settings

SEATS_PATH = "/api/v2/seats/users"
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
    to an error by the client) or, for a connection error, raised.
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


@dataclass(frozen=True)
class SeatUser:
    """One seat holder as ``GET /api/v2/seats/users`` lists it."""

    id: str
    email: str | None = None
    name: str | None = None
    assigned_at: str | None = None


class SeatsClient:
    """The Seats API. Thread-safe; one HTTP session per client, built on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._session: requests.Session | None = None
        self._session_lock = threading.Lock()

    # -- endpoints ---------------------------------------------------------

    def assign(self, product_code: str, user_uuids: Sequence[str]) -> list[str]:
        """Assign seats of ``product_code`` to ``user_uuids``, one request per batch.

        Returns the union of the ``assigned_ids`` Datadog answered. What those
        mean is not settled by the API reference (all holders, or only the new
        ones), so callers confirm with :meth:`list_seat_holders` when it matters.
        """
        assigned: dict[str, None] = {}
        for batch in self.batches(user_uuids):
            assigned.update(dict.fromkeys(self.assign_batch(product_code, batch)))
        return list(assigned)

    def assign_batch(self, product_code: str, user_uuids: Sequence[str]) -> list[str]:
        """One ``POST``: assign seats to at most a batch of users."""
        body = self._request("POST", json=_assignment_body(product_code, user_uuids))
        attributes = ((body or {}).get("data") or {}).get("attributes") or {}
        ids = attributes.get("assigned_ids") or []
        return [str(i).lower() for i in ids]

    def unassign(self, product_code: str, user_uuids: Sequence[str]) -> None:
        """Unassign seats of ``product_code`` from ``user_uuids``, one request per batch."""
        for batch in self.batches(user_uuids):
            self.unassign_batch(product_code, batch)

    def unassign_batch(self, product_code: str, user_uuids: Sequence[str]) -> None:
        """One ``DELETE``: unassign seats from at most a batch of users."""
        self._request("DELETE", json=_assignment_body(product_code, user_uuids))

    def iter_seat_users(self, product_code: str) -> Iterator[SeatUser]:
        """Every holder of a seat of ``product_code``, following the cursor page by page."""
        cursor = ""
        seen = {cursor}
        while True:
            params = {"product_code": product_code, "page[limit]": str(self.settings.page_size)}
            if cursor:
                params["page[cursor]"] = cursor
            body = self._request("GET", params=params) or {}
            for item in body.get("data") or []:
                attributes = item.get("attributes") or {}
                yield SeatUser(
                    id=str(item["id"]).lower(),
                    email=attributes.get("email"),
                    name=attributes.get("name"),
                    assigned_at=attributes.get("assigned_at"),
                )
            # The real API answers an empty list with {"data": []}: no meta means last page.
            # A cursor seen before would loop forever: treat it as the end, like an empty one.
            next_cursor = (body.get("meta") or {}).get("next_cursor") or ""
            if next_cursor in seen:
                return
            seen.add(next_cursor)
            cursor = next_cursor

    def list_seat_holders(self, product_code: str) -> set[str]:
        """The lower-case UUIDs of every holder of a seat of ``product_code``."""
        return {user.id for user in self.iter_seat_users(product_code)}

    # -- plumbing ----------------------------------------------------------

    def batches(self, user_uuids: Sequence[str]) -> Iterator[list[str]]:
        """``user_uuids`` in request-sized slices of ``Settings.batch_size``."""
        size = self.settings.batch_size
        items = list(user_uuids)
        for start in range(0, len(items), size):
            yield items[start : start + size]

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

    def _request(
        self,
        method: str,
        *,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> Any:
        """Send one request (with retries) and return its JSON body, or raise a SeatsError."""
        session = self._session_for_process()
        url = self.settings.api_url + SEATS_PATH
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
            raise TransportError(self._transport_message(method, exc)) from None
        log.debug("%s %s -> %s", method, SEATS_PATH, response.status_code)
        if response.status_code >= 300:
            raise self._scrubbed(
                error_from_response(
                    response.status_code,
                    method,
                    SEATS_PATH,
                    response.content,
                    response.headers.get(RATE_LIMIT_RESET_HEADER),
                    response.headers.get("Location"),
                )
            )
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise TransportError(
                f"{method} {SEATS_PATH} answered {response.status_code} with a body that is not "
                f"JSON. Check that {self.settings.api_url} is the Datadog API URL of your site."
            ) from None

    def _transport_message(self, method: str, exc: requests.RequestException) -> str:
        kind = "timed out" if isinstance(exc, requests.Timeout) else "failed"
        reason = self._scrub(_root_cause(exc))
        return (
            f"{method} {self.settings.api_url}{SEATS_PATH} {kind} after "
            f"{self.settings.max_retries} retries or "
            f"{self.settings.retry_budget_seconds:g}s of retry budget: {reason}. Check the "
            "network and datadog:apiUrl; assigning and unassigning are idempotent, so running "
            "the command again is safe."
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


def _assignment_body(product_code: str, user_uuids: Sequence[str]) -> dict[str, Any]:
    return {
        "data": {
            "type": "seat-assignments",
            "id": str(uuid.uuid4()),
            "attributes": {"product_code": product_code, "user_uuids": list(user_uuids)},
        }
    }


def _root_cause(exc: BaseException) -> str:
    """The innermost reason of a requests/urllib3 exception, without the retry noise."""
    seen: BaseException = exc
    while True:
        nxt = getattr(seen, "reason", None) or seen.__cause__ or seen.__context__
        if not isinstance(nxt, BaseException) or nxt is seen:
            break
        seen = nxt
    return f"{type(seen).__name__}: {seen}"
