"""What a failed write may still do, and how a message says so.

A write whose request got no clear answer (a timeout, a dropped connection, a 500, 502
or 504: :func:`~.api.retry.outcome_unknown`) may still be carried out by Datadog later,
after the run has moved on or undone it. The seat logic never says "nothing changed" of
such users: it names them, with what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet

from .api.retry import outcome_unknown
from .errors import SeatsError, UnexpectedAnswerError


def undecided(
    exc: SeatsError, in_flight: Sequence[str], holders: AbstractSet[str] | None = None
) -> list[str]:
    """The users of the request that failed whose seat Datadog may still change.

    After an answer the client could not understand (:class:`UnexpectedAnswerError`),
    Datadog answered the one attempt it got: the users of ``holders`` are settled. After
    any other failure without a clear answer, all of them, seated or not: the request may
    have been sent more than once (retried), and one attempt that landed says nothing of
    the others.
    """
    if not outcome_unknown(exc):
        return []
    if isinstance(exc, UnexpectedAnswerError) and holders is not None:
        return sorted(u for u in in_flight if u not in holders)
    return sorted(in_flight)


def may_still_assign(users: Sequence[str], *, earlier: bool = False) -> str:
    """What to say of ``users`` whose assign request (or, with ``earlier``, an earlier
    attempt of it) got no clear answer and whom the run leaves without a seat."""
    if not users:
        return ""
    names = ", ".join(users)
    request = (
        f"An earlier attempt of the request that assigned {names}"
        if earlier
        else f"The request for {names}"
    )
    return (
        f" {request} got no clear answer, so Datadog may still carry it out and give them "
        "a seat Pulumi does not track: run `pulumi up` again (it adopts them), or unassign "
        "them in Datadog if you no longer declare them."
    )


def may_still_unassign(users: Sequence[str], *, earlier: bool = False) -> str:
    """What to say of ``users`` whose unassign request (or, with ``earlier``, an earlier
    attempt of it) got no clear answer and to whom the run gives their seat back."""
    if not users:
        return ""
    names = ", ".join(users)
    request = (
        f"An earlier attempt of the request that unassigned {names}"
        if earlier
        else f"The request to unassign {names}"
    )
    return (
        f" {request} got no clear answer, so Datadog may still carry it out and take their "
        "seat away: run the command again."
    )
