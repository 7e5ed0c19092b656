"""Transport: the one HTTP session below every API area, and what each request needs.

Each API area (:mod:`.seats`, :mod:`.users`, :mod:`.teams`) builds its own paths and
bodies and calls :meth:`Transport.request_answer`, which applies what every call needs:
the keys and User-Agent headers, a timeout, retries (:mod:`.retry`), no redirects, a
body read within bounds of size and time, the mapping of error answers to
:mod:`~pulumi_datadog_seats.errors`, and the scrubbing of keys from messages.

One ``requests.Session`` per transport, built on first use and never pickled. Hostile or
broken answers end in a ``SeatsError``, never in a
traceback or a guess: a 2xx body that is not JSON, empty where JSON is due (see
:class:`~.answers.Answer`), larger than :data:`MAX_BODY_BYTES`, cut off, or slower than
``timeoutSeconds`` to arrive is an ``UnexpectedAnswerError``. No message, cause chain
or log record carries a key: messages are scrubbed, raised without the library exception
that led to them, and the loggers of requests and urllib3 scrub the keys of every
transport (a hostile server may echo them anywhere).
"""

from __future__ import annotations

import json as jsonlib
import logging
import os
import platform
import threading
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import replace
from http.client import HTTPException
from typing import Any, cast

import requests
from urllib3.exceptions import HTTPError as Urllib3HTTPError
from urllib3.exceptions import TimeoutError as Urllib3TimeoutError

from ..errors import SeatsApiError, SeatsError, TransportError, no_clear_answer, quoted
from ..redaction import scrub_keys, scrub_logs_of
from ..settings import Settings
from ..version import package_version
from .advice import ApiAdvice, error_from_response
from .answers import Answer
from .failures import no_answer_message, proxy_for, timed_out_error
from .retry import (
    MAX_ERROR_BODY_BYTES,
    RATE_LIMIT_RESET_HEADER,
    RETRY_STATUSES,
    BudgetedRetry,
    content_length,
    earlier_attempt,
    sent_nothing,
    unclear_status,
)
from .trust import Trust, VerifyingAdapter, ssl_context, trust_from

#: The most (decoded) bytes of one answer the client reads. A page of 100 seat holders is
#: about 20 KB; 32 MiB still holds a page of 100,000 of them, and bounds the memory a
#: server that never stops sending (or a compression bomb) can take.
MAX_BODY_BYTES = 32 * 1024 * 1024
#: The most requests one provider process makes at once, and so the connections its session
#: keeps open to the API: the plugin serves this many calls at once (plugin/server.py),
#: above the engine's default `--parallel` (4 x the CPUs) on machines of up to 16 CPUs.
MAX_CONCURRENT_REQUESTS = 64
_READ_CHUNK = 64 * 1024
#: Proxies of a request that must go direct: requests drops None entries once they have
#: hidden the environment's (its type hints allow strings only).
_NO_PROXIES = cast("MutableMapping[str, str]", {"http": None, "https": None, "all": None})

log = logging.getLogger(__name__)


#: As datadog-api-client-python's: the package, then the runtime (support asks which Python).
USER_AGENT = (
    f"pulumi-datadog-seats/{package_version()} (python {platform.python_version()}) "
    f"python-requests/{requests.__version__}"
)


class Transport:
    """One retrying HTTP session to the Datadog API. Thread-safe; the session is built on
    first use (never at construction, so a transport costs nothing until it is used)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._session: requests.Session | None = None
        self._session_lock = threading.Lock()
        #: What the session trusts (read from the environment when it is built).
        self._trust: Trust | None = None

    def request_answer(
        self,
        method: str,
        path: str,
        *,
        advice: ApiAdvice,
        params: Mapping[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> Answer:
        """Send one request (with retries) and return its :class:`~.answers.Answer`.

        ``path`` is the API path (``/api/v2/...``, already quoted); ``advice`` is the
        calling area's advice for its error messages. Raises a
        ``SeatsApiError`` for an error answer and a
        ``TransportError`` when no usable answer came.
        """
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
                # Plain http goes only to this machine (settings refuse it elsewhere):
                # never through a proxy, which would read the key headers in clear.
                proxies=_NO_PROXIES if url.startswith("http://") else None,
            )
        except (requests.RequestException, ValueError) as exc:
            # ValueError: requests' own, for a proxy URL it cannot parse.
            failure = TransportError(
                self._transport_message(method, path, exc, advice),
                sent_nothing=sent_nothing(exc),
            )
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
        earlier = earlier_attempt(method, getattr(response.raw, "retries", None))
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
                    spelling=self.settings.spelling,
                )
            )
            if earlier is not None and not unclear_status(status):
                # The refusal answers the retry only: the earlier attempt may still land.
                raise no_clear_answer(error, method, earlier)
            raise error
        answer = Answer(status, None, method, path, advice, self.settings, earlier_attempt=earlier)
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
        self._trust = trust_from(os.environ)
        adapter = VerifyingAdapter(
            ssl_context(self._trust),
            max_retries=retry,
            pool_connections=4,
            pool_maxsize=MAX_CONCURRENT_REQUESTS,
        )
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
            f"Check the network and {self.settings.spelling.api_url} (or DD_HOST / DD_SITE; now "
            f"{self.settings.api_url})"
        )
        too_big = (
            f"with a body larger than {_size(limit)}, far more than any answer of "
            "the API; the rest was not read"
        )
        declared = content_length(response.headers.get("Content-Length"))
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

    def _transport_message(self, method: str, path: str, exc: Exception, advice: ApiAdvice) -> str:
        settings = self.settings
        url = settings.api_url + path
        waited = (
            f" (datadog-seats:timeoutSeconds is {settings.timeout_seconds:g}s)"
            if timed_out_error(exc)
            else ""
        )
        message = no_answer_message(
            method,
            url,
            exc,
            trust=self._trust or trust_from(os.environ),
            proxy=proxy_for(url),
            attempts=f"{waited} after {settings.max_retries} retries or "
            f"{settings.retry_budget_seconds:g}s of retry budget",
            retry_note=advice.retry_note,
            keys=(settings.api_key, settings.app_key),
        )
        return settings.spelling.fill(message)  # its advice names {api_url}

    def _scrub(self, text: str) -> str:
        """Defense in depth: no key ever reaches a message, whatever a library put in it."""
        return scrub_keys(text, (self.settings.api_key, self.settings.app_key))

    def _scrubbed(self, error: SeatsApiError) -> SeatsApiError:
        # Scrub, then cut: a cut first could leave half a key behind.
        error.errors = [quoted(self._scrub(e)) for e in error.errors[:10]]
        error.args = (self._scrub(error._compose()),)
        return error


def _size(count: int) -> str:
    mib = 1024 * 1024
    return f"{count // mib} MiB" if count % mib == 0 else f"{count:,} bytes"
