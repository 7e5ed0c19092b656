"""UsersClient: Datadog's ``GET /api/v2/users`` ("List all users"), paged by ``page[number]``.

``filter`` is free text that matches parts of emails and names, so finding the user of
an exact email takes a client-side comparison (:meth:`UsersClient.find_by_email`).
The list holds every user, disabled and pending ones included, unless
``filter[status]`` narrows it. Needs the ``user_access_read`` permission.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import USERS_READ_PERMISSION
from ..settings import Settings
from .advice import read_advice
from .answers import Answer, text
from .paging import iter_numbered_pages
from .transport import Transport

__all__ = ["MAX_PAGE_SIZE", "USERS_ADVICE", "USERS_PATH", "DatadogUser", "UsersClient"]

USERS_PATH = "/api/v2/users"
MAX_PAGE_SIZE = 100  # Datadog's maximum page[size] for users

#: GET /api/v2/users.
USERS_ADVICE = read_advice(
    "Users API",
    USERS_READ_PERMISSION,
    "to look up users",
    {400: "Datadog refused the user query: check that each email is a plain email address."},
)


@dataclass(frozen=True)
class DatadogUser:
    """One user as ``GET /api/v2/users`` lists it."""

    id: str
    email: str | None = None
    name: str | None = None
    handle: str | None = None
    status: str | None = None
    disabled: bool = False
    service_account: bool = False

    @property
    def active(self) -> bool:
        """Whether the user is Active (neither Pending nor Disabled)."""
        return (self.status or "").lower() == "active" and not self.disabled


class UsersClient:
    """The Users API. Thread-safe; shares a :class:`~.transport.Transport` when given one."""

    def __init__(self, settings: Settings, *, transport: Transport | None = None) -> None:
        self.settings = settings
        self.transport = transport or Transport(settings)

    def iter_users(
        self, *, filter: str | None = None, statuses: Sequence[str] | None = None
    ) -> Iterator[DatadogUser]:
        """Every user matching ``filter`` (free text) and ``statuses``, page by page."""
        params: dict[str, str] = {}
        if filter:
            params["filter"] = filter
        if statuses:
            params["filter[status]"] = ",".join(statuses)
        pages = iter_numbered_pages(
            self.transport,
            USERS_PATH,
            params,
            page_size=min(self.settings.page_size, MAX_PAGE_SIZE),
            advice=USERS_ADVICE,
            is_last=_counted_all,
        )
        for page in pages:
            for n, item in enumerate(page.data):
                yield _user(page.answer, item, f"data[{n}]")

    def list_users(
        self, *, filter: str | None = None, statuses: Sequence[str] | None = None
    ) -> list[DatadogUser]:
        """:meth:`iter_users` as a list."""
        return list(self.iter_users(filter=filter, statuses=statuses))

    def find_by_email(self, email: str) -> list[DatadogUser]:
        """Every user, of any status, whose email is ``email`` (compared case-insensitively).

        One query with ``filter=email``; the free-text matches that are not this email
        (``xbob@example.com`` for ``bob@example.com``) are left out here.
        """
        wanted = email.strip().lower()
        return [
            user
            for user in self.iter_users(filter=wanted)
            if (user.email or "").strip().lower() == wanted
        ]


def _counted_all(body: Any, number: int, entries: int) -> bool:
    # Totals only end the listing early: a meta of another shape is ignored (short pages
    # and the paginator's bounds still end it).
    meta = body.get("meta")
    page = meta.get("page") if isinstance(meta, dict) else None
    total = page.get("total_filtered_count") if isinstance(page, dict) else None
    return isinstance(total, int) and not isinstance(total, bool) and entries >= total


def _user(answer: Answer, entry: Any, where: str) -> DatadogUser:
    item = answer.object(entry, where)
    attributes = answer.optional_object(item.get("attributes"), f"{where}.attributes")
    return DatadogUser(
        id=answer.user_uuid(item.get("id"), f"{where}.id"),
        email=text(attributes.get("email")),
        name=text(attributes.get("name")),
        handle=text(attributes.get("handle")),
        status=text(attributes.get("status")),
        # Any truthy value counts as disabled: a doubtful user is not treated as active.
        disabled=bool(attributes.get("disabled")),
        service_account=bool(attributes.get("service_account")),
    )
