"""The exception tree, with the messages its errors carry (the HTTP statuses that raise
them are mapped in :mod:`.api.advice`).

Every message says what went wrong and what to do about it. No message ever
contains an API or application key: requests carry keys only in headers, and
headers are never formatted into a message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from .redaction import scrub_keys
from .spelling import PYTHON, Spelling


def value_kind(value: object, null: str = "null") -> str:
    """What kind of (JSON-like) value this is, for messages that must not show the value."""
    if value is None:
        return null
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


WRITE_PERMISSIONS = ("billing_edit", "incident_write", "on_call_write")
READ_PERMISSIONS = ("billing_read", "incident_read", "on_call_read")
USERS_READ_PERMISSION = "user_access_read"
TEAMS_READ_PERMISSION = "teams_read"


class SeatsError(Exception):
    """Base class of every error raised by pulumi-datadog-seats."""


class ConfigurationError(SeatsError):
    """A credential, URL or knob is missing or invalid.

    ``problems``: each problem as ``(config key, message)``, the key as the user sets it
    (``datadog-seats:batchSize``), or "" when no one key is at fault (a variable of the
    environment, say). One problem unless given: the message, about no key in particular.
    """

    def __init__(self, message: str, problems: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems) or [("", message)]


class SeatsApiError(SeatsError):
    """Datadog answered a request with an error status.

    Attributes mirror the answer: ``status``, ``method``, ``path``, and
    ``errors`` (Datadog's ``errors`` list, possibly empty).
    """

    hint = "Check the request and run the command again."

    def __init__(
        self,
        status: int,
        method: str,
        path: str,
        errors: Sequence[str],
        *,
        hint: str | None = None,
        spelling: Spelling = PYTHON,
    ) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.errors = list(errors)
        # An API area's own advice for this status replaces the class's (seats) default.
        self._hint_override = hint
        # The hints name config keys and properties as {api_key}, {user_uuids}, ...
        self.spelling = spelling
        super().__init__(self._compose())

    def _hint(self) -> str:
        return self._hint_override or self.hint

    def _compose(self) -> str:
        detail = "; ".join(self.errors) if self.errors else "no error details"
        hint = self.spelling.fill(self._hint())
        return f"Datadog answered {self.status} to {self.method} {self.path}: {detail}. {hint}"


class RedirectError(SeatsApiError):
    """3xx: the URL is not the API itself. Redirects are never followed with the keys.

    ``location`` is where the answer pointed, as :func:`describe_location` shows it
    (scheme, host, port and path; never a query, fragment or user name).
    """

    def __init__(
        self,
        status: int,
        method: str,
        path: str,
        errors: Sequence[str],
        location: str,
        *,
        spelling: Spelling = PYTHON,
    ) -> None:
        self.location = describe_location(location)
        super().__init__(status, method, path, errors, spelling=spelling)

    def _hint(self) -> str:
        where = self.location or "another URL (no Location header)"
        return (
            f"The answer redirects to {where}; redirects are never followed, so the keys were "
            "not sent there. Set {api_url} (or DD_HOST / DD_SITE) to the API URL of your "
            "Datadog site itself, for example https://api.datadoghq.eu."
        )


#: The longest piece of an answer (an error text, a Location) a message quotes.
MAX_QUOTED_CHARS = 300


def describe_location(location: str | None) -> str:
    """A redirect target as messages show it: ``scheme://host[:port]/path``, or the path of
    a relative one; never the query, fragment or user info (they may carry credentials)."""
    text = (location or "").strip()
    if not text:
        return ""
    try:
        parts = urlsplit(text)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "a URL that cannot be parsed"
    shown = parts.path or "/"
    if host:
        netloc = f"[{host}]" if ":" in host else host
        if port is not None:
            netloc = f"{netloc}:{port}"
        shown = f"{parts.scheme}://{netloc}{parts.path or '/'}"
    else:
        shown = f"{shown} on the same host"
    return quoted(shown)


def quoted(text: str, limit: int = MAX_QUOTED_CHARS) -> str:
    """``text`` cut to ``limit`` characters (an ellipsis marks the cut)."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


class BadRequestError(SeatsApiError):
    """400: Datadog rejected the request as malformed."""

    hint = (
        "The request was malformed: check that {product_code} is a product code and that "
        "{user_uuids} holds Datadog user UUIDs."
    )


class AuthenticationError(SeatsApiError):
    """401: the API key was not accepted."""

    hint = (
        "Set a valid API key for this site in {api_key} (or DD_API_KEY) and check that "
        "{api_url} (or DD_HOST / DD_SITE) points at your organization's site."
    )


class PermissionDeniedError(SeatsApiError):
    """403: the keys are wrong for this site, or the application key lacks a permission."""

    hint = (
        "Check {api_key}/DD_API_KEY and {app_key}/DD_APP_KEY belong to this site's "
        "organization, and that the application key's user or service account has one of the "
        f"permissions {', '.join(WRITE_PERMISSIONS)} (to assign and unassign) or "
        f"{', '.join(READ_PERMISSIONS)} (to list seat holders)."
    )


class NotFoundError(SeatsApiError):
    """404: the endpoint does not exist at the configured URL."""

    hint = (
        "Check that {api_url} (or DD_HOST / DD_SITE) is the API URL of your Datadog site, "
        "for example https://api.datadoghq.eu."
    )


class UnprocessableError(SeatsApiError):
    """422: Datadog understood the request but would not carry it out."""

    hint = (
        "Check that the product code is one your organization has seats of, that every user "
        "UUID belongs to an active user of this organization, and that free seats are left."
    )


class RateLimitedError(SeatsApiError):
    """429 that outlasted the retry budget."""

    def __init__(
        self,
        status: int,
        method: str,
        path: str,
        errors: Sequence[str],
        reset_seconds: str,
        *,
        spelling: Spelling = PYTHON,
    ) -> None:
        self.reset_seconds = reset_seconds
        super().__init__(status, method, path, errors, spelling=spelling)

    def _hint(self) -> str:
        return (
            f"Datadog is rate limiting these calls (X-RateLimit-Reset: {self.reset_seconds}s) "
            "and the retry budget ran out. Run the command again after the reset, or raise "
            "datadog-seats:retryBudgetSeconds."
        )


class ServerError(SeatsApiError):
    """5xx that outlasted the retries."""

    hint = (
        "Datadog had a server error and the retries ran out. Assigning and unassigning are "
        "idempotent, so running the command again is safe."
    )


class TransportError(SeatsError):
    """No usable answer came: connection refused or dropped, timeout, TLS, or an answer
    that is not the API's (:class:`UnexpectedAnswerError`).

    ``sent_nothing``: no attempt of the request left this machine (every one was refused
    before it: no connection, a certificate refused, a proxy that would not open a
    tunnel), so Datadog cannot carry it out later.
    """

    def __init__(self, message: str, *, sent_nothing: bool = False) -> None:
        self.sent_nothing = sent_nothing
        super().__init__(message)


class UnexpectedAnswerError(TransportError):
    """A successful answer the client cannot understand, so nothing is concluded from it.

    The body is not JSON, not the API's JSON shape, empty where JSON is due, larger than
    any answer of the API, cut off or never finished; or a listing pages in a circle or
    without end. ``status`` is the answer's (2xx) status, ``problem`` what was wrong.
    """

    def __init__(self, message: str, *, method: str, path: str, status: int, problem: str):
        self.method = method
        self.path = path
        self.status = status
        self.problem = problem
        super().__init__(message)


def unexpected_answer(
    method: str,
    path: str,
    status: int,
    what: str,
    *,
    todo: str,
    retry_note: str,
    keys: Iterable[str],
) -> UnexpectedAnswerError:
    """The error for an answer the client cannot understand: ``{method} {path} answered
    {status} {what}``, then what to do; scrubbed of ``keys``."""
    message = (
        f"{method} {path} answered {status} {what}. Nothing is concluded from this "
        f"answer. {todo}; {retry_note}"
    )
    return UnexpectedAnswerError(
        scrub_keys(message, keys), method=method, path=path, status=status, problem=what
    )


def no_clear_answer(error: SeatsError, method: str, earlier: str) -> TransportError:
    """``error``, which answered a retry, as what it means for the write: no clear answer,
    for an earlier attempt ended as ``earlier`` says and may still be carried out."""
    return TransportError(
        f"{error} An earlier attempt of this {method} {earlier}, so the request got no "
        "clear answer: Datadog may still carry that attempt out."
    )


class SeatAssignmentError(SeatsError):
    """Declared users ended up without a seat; the operation was rolled back."""


class ExclusiveClaimError(SeatsError):
    """Two exclusive SeatAssignments claim the holders of one product."""


class PluginError(SeatsError):
    """An error the provider plugin reports to the engine (bad resource type, function, ...)."""


class ImportIdError(PluginError):
    """An import ID that is not ``PRODUCT_CODE`` or ``PRODUCT_CODE:UUID,UUID,...``."""


class UserLookupError(SeatsError):
    """Emails that match no active Datadog user.

    ``missing`` maps each such email, as given, to why: no user has it, the user is
    not active (Pending or Disabled), or several active users share it.
    """

    def __init__(self, missing: Mapping[str, str], total: int) -> None:
        self.missing = dict(missing)
        listed = "; ".join(f"{email} ({reason})" for email, reason in self.missing.items())
        super().__init__(
            f"{len(self.missing)} of {total} emails do not resolve to one active Datadog user: "
            f"{listed}. Only active users can hold a seat: check the spelling, invite or "
            "reactivate the users in Organization Settings > Users, or leave them out."
        )


class LookupInputError(SeatsError, ValueError):
    """A lookup was given something other than what it reads: an email list that is not a
    list of email addresses, an empty product code or team id. Raised before any request.

    Also a ``ValueError``, as these mistakes were before they became :class:`SeatsError`
    (which a Pulumi program reports as a message, without a traceback).
    """
