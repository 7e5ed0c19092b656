"""The plugin's functions: the lookups every language calls, served by the core's :class:`Queries`.

- ``datadog-seats:index:getSeatHolders(productCode)``: ``productCode``, ``userUuids``,
  ``holders`` (each a ``SeatHolder``);
- ``datadog-seats:index:lookupUserUuids(emails)``: ``userUuids``;
- ``datadog-seats:index:getTeamMemberUuids(teamId)``: ``userUuids``.

They are the Python package's ``get_seat_holders``, ``lookup_user_uuids`` and
``get_team_member_uuids``, with the same rules and messages (:mod:`~.queries`). A wrong
argument is a check failure of the call, naming the argument; a result is secret when an
argument was.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from pulumi.provider.experimental.provider import CheckFailure, InvokeRequest, InvokeResponse

from ..declaration import EMAILS, PRODUCT_CODE, TEAM_ID, USER_UUIDS
from ..descriptions import HOLDERS
from ..errors import LookupInputError, PluginError
from ..queries import Queries
from ..spelling import SCHEMA_NAMES
from .schema import GET_SEAT_HOLDERS, GET_TEAM_MEMBER_UUIDS, LOOKUP_USER_UUIDS, seat_holder_field
from .values import is_secret, plain, wrap

#: Runs blocking work off the event loop, our errors as plugin errors (the provider's).
Call = Callable[[Callable[[], InvokeResponse]], Awaitable[InvokeResponse]]

#: Each function's argument (by the core's name).
ARGUMENT = {
    GET_SEAT_HOLDERS: PRODUCT_CODE,
    LOOKUP_USER_UUIDS: EMAILS,
    GET_TEAM_MEMBER_UUIDS: TEAM_ID,
}


async def invoke(
    request: InvokeRequest, queries: Callable[[], Queries], call: Call
) -> InvokeResponse:
    """Answer a call of one of the functions; ``queries`` of the configured provider."""
    argument = ARGUMENT.get(request.tok)
    if argument is None:
        raise PluginError(
            f"Unknown function {request.tok!r}: the datadog-seats provider has "
            f"{', '.join(sorted(ARGUMENT))}."
        )
    name = SCHEMA_NAMES[argument]
    value = request.args.get(name)
    return await call(lambda: _answer(request.tok, name, queries(), value))


def _answer(token: str, name: str, queries: Queries, value: Any) -> InvokeResponse:
    """The function's answer (blocking: it calls the API); a wrong argument is a failure."""
    try:
        result = _results(token, queries, plain(value))
    except LookupInputError as exc:
        return InvokeResponse(failures=[CheckFailure(name, str(exc))])
    secret = is_secret(value)
    return InvokeResponse(
        return_value={key: wrap(item, secret=secret) for key, item in result.items()}
    )


def _results(token: str, queries: Queries, value: Any) -> dict[str, Any]:
    """The function's result, by the schema's names (blocking: it calls the API)."""
    users = SCHEMA_NAMES[USER_UUIDS]
    if token == LOOKUP_USER_UUIDS:
        return {users: queries.user_uuids(value)}
    if token == GET_TEAM_MEMBER_UUIDS:
        return {users: queries.team_member_uuids(value)}
    holders = queries.seat_holders(value)
    return {
        SCHEMA_NAMES[PRODUCT_CODE]: str(value).strip(),
        users: [holder.id for holder in holders],
        HOLDERS: [
            {
                seat_holder_field(field): item
                for field, item in asdict(holder).items()
                if item is not None
            }
            for holder in holders
        ],
    }
