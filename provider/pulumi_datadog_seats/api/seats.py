"""SeatsClient: the three Seats API endpoints, over the shared :class:`~.transport.Transport`.

``POST /api/v2/seats/users`` assigns, ``DELETE`` unassigns (one batch of users per
request, both idempotent so retrying is safe; :mod:`..reconcile` slices) and ``GET``
lists seat holders page by page following ``meta.next_cursor``. One batch's write
answers a :class:`WriteResult`: what Datadog answered, and whether an earlier attempt
of the request may still be carried out later (retrying is safe, but a retried write
can land twice, the second time after the caller has undone the first).

Session, retries (:mod:`.retry`), headers, timeouts, error mapping and key scrubbing
belong to the transport; this module only builds the seats paths and bodies.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..errors import READ_PERMISSIONS, USERS_READ_PERMISSION
from ..settings import Settings
from .advice import ApiAdvice
from .answers import text
from .paging import iter_cursor_pages
from .transport import Transport

__all__ = ["SEATS_ADVICE", "SEATS_PATH", "SeatHolder", "SeatsClient", "WriteResult"]

SEATS_PATH = "/api/v2/seats/users"

#: The seats endpoints: the class hints of the errors are written for them.
SEATS_ADVICE = ApiAdvice(
    retry_note="assigning and unassigning are idempotent, so running the command again is safe.",
    api_name="Seats API",
)
#: The listing: a 403 names the read permissions. Datadog's published API spec asks for one
#: of them; a later revision of its reference page also asks for ``user_access_read``.
SEATS_LISTING_ADVICE = replace(
    SEATS_ADVICE,
    hints={
        403: (
            "Check {api_key}/DD_API_KEY and {app_key}/DD_APP_KEY belong to this site's "
            f"organization, and that the application key's user or service account has one "
            f"of the permissions {', '.join(READ_PERMISSIONS)} (to list seat holders); a "
            f"later revision of Datadog's API reference also asks for {USERS_READ_PERMISSION} "
            "for this listing."
        )
    },
)


@dataclass(frozen=True)
class SeatHolder:
    """A user holding a seat of a product, as ``GET /api/v2/seats/users`` lists it.

    ``id`` is the lower-case user UUID; ``assigned_at`` is the RFC 3339 time Datadog
    gives. To export holders, export plain values, e.g.
    ``holders.apply(lambda hs: [h.email for h in hs])``.
    """

    id: str
    email: str | None = None
    name: str | None = None
    assigned_at: str | None = None


@dataclass(frozen=True)
class WriteResult:
    """What one assign (``POST``) or unassign (``DELETE``) request of a batch answered.

    ``assigned_ids``: the lower-case user UUIDs of the ``POST`` answer's
    ``assigned_ids`` (always empty for a ``DELETE``). ``may_land_again``: an earlier
    attempt of the request got no clear answer (a timeout, a dropped connection, a 500,
    502 or 504) before a retry was answered, so Datadog may still carry that attempt
    out later, after anything the caller does next (such as undoing this write).
    """

    assigned_ids: tuple[str, ...] = ()
    may_land_again: bool = False


class SeatsClient:
    """The Seats API. Thread-safe.

    Builds its own :class:`~.transport.Transport` from ``settings`` (one HTTP session
    per client, built on first use) unless given one to share with other API areas.
    """

    def __init__(self, settings: Settings, *, transport: Transport | None = None) -> None:
        self.settings = settings
        self.transport = transport or Transport(settings)

    # -- endpoints ---------------------------------------------------------

    def assign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        """One ``POST``: assign seats to at most a batch of users."""
        answer = self.transport.request_answer(
            "POST", SEATS_PATH, json=_assignment_body(product_code, user_uuids), advice=SEATS_ADVICE
        )
        if answer.body is None:
            # No assigned_ids at all: the seat logic reads the holders back.
            return WriteResult(may_land_again=answer.may_land_again)
        body = answer.object(answer.body, "the body")
        data = answer.optional_object(body.get("data"), "data")
        attributes = answer.optional_object(data.get("attributes"), "data.attributes")
        where = "data.attributes.assigned_ids"
        ids = answer.optional_array(attributes.get("assigned_ids"), where)
        assigned = tuple(answer.user_uuid(i, f"{where}[{n}]") for n, i in enumerate(ids))
        return WriteResult(assigned, answer.may_land_again)

    def unassign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        """One ``DELETE``: unassign seats from at most a batch of users."""
        answer = self.transport.request_answer(
            "DELETE",
            SEATS_PATH,
            json=_assignment_body(product_code, user_uuids),
            advice=SEATS_ADVICE,
        )
        return WriteResult(may_land_again=answer.may_land_again)

    def iter_seat_users(self, product_code: str) -> Iterator[SeatHolder]:
        """Every holder of a seat of ``product_code``, following the cursor page by page.

        Raises ``UnexpectedAnswerError`` for a page of the wrong shape (an
        entry that is not an object, an ``id`` that is not a user UUID, ...) and for a
        listing that goes in a circle or does not end (see :func:`iter_cursor_pages`).
        """
        params = {"product_code": product_code, "page[limit]": str(self.settings.page_size)}
        pages = iter_cursor_pages(self.transport, SEATS_PATH, params, advice=SEATS_LISTING_ADVICE)
        for page in pages:
            answer = page.answer
            for n, entry in enumerate(page.data):
                item = answer.object(entry, f"data[{n}]")
                attributes = answer.optional_object(item.get("attributes"), f"data[{n}].attributes")
                yield SeatHolder(
                    id=answer.user_uuid(item.get("id"), f"data[{n}].id"),
                    email=text(attributes.get("email")),
                    name=text(attributes.get("name")),
                    assigned_at=text(attributes.get("assigned_at")),
                )

    def list_seat_holders(self, product_code: str) -> set[str]:
        """The lower-case UUIDs of every holder of a seat of ``product_code``."""
        return {user.id for user in self.iter_seat_users(product_code)}


def _assignment_body(product_code: str, user_uuids: Sequence[str]) -> dict[str, Any]:
    return {
        "data": {
            "type": "seat-assignments",
            "id": str(uuid.uuid4()),
            "attributes": {"product_code": product_code, "user_uuids": list(user_uuids)},
        }
    }
