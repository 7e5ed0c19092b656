"""What each HTTP answer of an API area means: the error it raises and the advice it gives.

Each API area (seats, users, teams) has its :class:`ApiAdvice`; :func:`error_from_response`
turns an error (or redirect) answer into the exception of :mod:`..errors` for its status,
its advice naming config keys and properties as the front end's users write them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    RedirectError,
    SeatsApiError,
    ServerError,
    UnprocessableError,
)
from ..spelling import PYTHON, Spelling


@dataclass(frozen=True)
class ApiAdvice:
    """What to tell the user about failures of one API area (seats, users, teams).

    ``hints`` replaces the class hint of a 4xx or 5xx answer by status (500 stands for
    every 5xx; redirects and 429 keep their own); ``retry_note`` ends the message of a
    request that got no usable answer; ``api_name`` names the API in messages about
    answers that are not its own.
    """

    hints: Mapping[int, str] = field(default_factory=dict)
    retry_note: str = "running the command again is safe."
    api_name: str = "Datadog API"

    def hint_for(self, status: int) -> str | None:
        """The area's advice for an answer of this status, if it has its own."""
        if status in self.hints:
            return self.hints[status]
        return self.hints.get(500) if status >= 500 else None


_READ_AGAIN = "Reading changes nothing in Datadog, so running the command again is safe."
_KEYS_OF_THIS_SITE = (
    "Check {api_key}/DD_API_KEY and {app_key}/DD_APP_KEY belong to this site's "
    "organization, and that the application key's user or service account has the "
)
#: The advice of no area in particular: the class hints, which are written for the seats.
GENERAL_ADVICE = ApiAdvice()


def read_advice(
    api_name: str, permission: str, purpose: str, hints: Mapping[int, str]
) -> ApiAdvice:
    """The advice of an API area that only reads: a 403 names ``permission`` (needed
    ``purpose``, such as "to read teams"), a 5xx and a failed request are safe to run
    again; ``hints`` adds the area's own advice by status."""
    return ApiAdvice(
        hints={
            403: f"{_KEYS_OF_THIS_SITE}{permission} permission ({purpose}).",
            500: f"Datadog had a server error and the retries ran out. {_READ_AGAIN}",
            **hints,
        },
        retry_note=_READ_AGAIN[0].lower() + _READ_AGAIN[1:],
        api_name=api_name,
    )


_BY_STATUS: dict[int, type[SeatsApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: UnprocessableError,
}


def parse_errors(body: bytes) -> list[str]:
    """Datadog's ``errors`` list from an error body, or ``[]`` when there is none."""
    try:
        payload = json.loads(body)
    except ValueError:
        return []
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if not isinstance(errors, list):
        return []
    return [e if isinstance(e, str) else json.dumps(e) for e in errors]


def error_from_response(
    status: int,
    method: str,
    path: str,
    body: bytes,
    rate_limit_reset: str | None = None,
    location: str | None = None,
    *,
    advice: ApiAdvice = GENERAL_ADVICE,
    spelling: Spelling = PYTHON,
) -> SeatsApiError:
    """The exception that describes an error (or redirect) answer of an API area; its
    advice names config keys and properties as ``spelling`` writes them."""
    errors = parse_errors(body)
    if 300 <= status < 400:
        return RedirectError(status, method, path, errors, location or "", spelling=spelling)
    if status == 429:
        reset = _seconds(rate_limit_reset)
        return RateLimitedError(status, method, path, errors, reset, spelling=spelling)
    hint = advice.hint_for(status)
    if status >= 500:
        return ServerError(status, method, path, errors, hint=hint, spelling=spelling)
    error_class = _BY_STATUS.get(status, SeatsApiError)
    return error_class(status, method, path, errors, hint=hint, spelling=spelling)


def _seconds(header: str | None) -> str:
    """``X-RateLimit-Reset`` as a message quotes it: a number, or "unknown" for anything else."""
    text = (header or "").strip()
    try:
        ok = len(text) <= 20 and math.isfinite(float(text))
    except ValueError:
        ok = False
    return text if ok else "unknown"
