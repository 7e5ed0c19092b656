"""Answer: a successful answer of the API, and the checks of its JSON shape.

Each API area reads its entries through these checks, so that a body of the wrong shape
(an entry that is not an object, an ``id`` that is not a user UUID, ...) ends in an
``UnexpectedAnswerError`` naming what was wrong and where (``data[3].id``),
never in a traceback or a guess. Nothing is concluded from such an answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import TransportError, no_clear_answer, unexpected_answer, value_kind
from ..redaction import parse_user_uuid
from ..settings import Settings
from .advice import ApiAdvice


@dataclass(frozen=True)
class Answer:
    """A successful answer: its status and JSON body (None when empty), and the checks
    that turn a body of the wrong shape into an ``UnexpectedAnswerError``
    naming what was wrong (``where``: ``data[3].id`` and the like).

    After an earlier attempt without a clear answer (:attr:`may_land_again`), such an
    error is a plain ``TransportError`` that says so: the answer was not
    understood, and the earlier attempt may still be carried out.
    """

    status: int
    body: Any
    method: str
    path: str
    advice: ApiAdvice
    #: The settings of the request: the keys to scrub and the URL that messages name.
    settings: Settings
    size: int = 0  # bytes of the (decoded) body
    #: How an earlier attempt of this write that got no clear answer ended (see
    #: :func:`~.retry.unclear_attempt`), or None: always None for a read, and for a write
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
        settings = self.settings
        error = unexpected_answer(
            self.method,
            self.path,
            self.status,
            what,
            todo=todo
            or (
                f"Check that {settings.spelling.api_url} (or DD_HOST / DD_SITE; now "
                f"{settings.api_url}) is the Datadog API URL of your site, not a proxy or "
                "another service"
            ),
            retry_note=self.advice.retry_note,
            keys=(settings.api_key, settings.app_key),
        )
        if self.earlier_attempt is None:
            return error
        return no_clear_answer(error, self.method, self.earlier_attempt)

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


def text(value: Any) -> str | None:
    """An optional display attribute of an entry: the value if a string, else None."""
    return value if isinstance(value, str) else None


def _json_kind(value: object) -> str:
    """What a JSON value is, for messages (never the value: it may echo a key)."""
    return value_kind(value, null="missing or null")
