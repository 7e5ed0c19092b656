"""Reconciliation: make Datadog's holders match a declaration, all of it or nothing.

Given the declared users, the previously declared ones and the seat holders, these
functions decide what to assign and unassign, carry it out batch by batch through a
:class:`SeatsApi` (in production a :class:`~.holders.HoldersView` over the Seats API
client), and, when a batch fails, undo what the operation did and say who was left
where. A write whose earlier attempt got no clear answer may still land later
(:attr:`WriteResult.may_land_again`, :func:`outcome_unknown`): a roll back never says
"nothing changed" of its users, it names them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Protocol

from .api.retry import outcome_unknown
from .api.seats import WriteResult
from .errors import (
    BadRequestError,
    SeatAssignmentError,
    SeatsError,
    UnexpectedAnswerError,
    UnprocessableError,
)


class SeatsApi(Protocol):
    """The Seats API calls the seat logic makes.

    ``holders`` may answer from a per-process view; ``read_holders`` always
    asks the API. Writes carry at most ``batch_size`` users, and answer a
    :class:`~.client.WriteResult`: whether the request may land again later, after
    a retry got its answer, is what lets a roll back say whom Datadog may still change.
    """

    @property
    def batch_size(self) -> int:
        """The most users one assign or unassign request may carry."""
        ...

    def assign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        """One POST; the ``assigned_ids`` of the answer, and whether it may land again."""
        ...

    def unassign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        """One DELETE; whether it may land again."""
        ...

    def holders(self, product_code: str) -> AbstractSet[str]:
        """The holders of the product, possibly as a view kept by this process."""
        ...

    def read_holders(self, product_code: str) -> set[str]:
        """The holders of the product, read from the API now."""
        ...


@dataclass(frozen=True)
class Plan:
    """What one operation will do to seats."""

    to_assign: list[str]
    to_unassign: list[str]


def plan(
    declared: AbstractSet[str],
    previously_declared: AbstractSet[str],
    holders: AbstractSet[str],
    *,
    exclusive: bool = False,
) -> Plan:
    """Assign every declared user without a seat; unassign users no longer declared.

    Users who were never declared are never touched, even if they hold a seat,
    unless ``exclusive``: then every holder who is not declared is unassigned.
    """
    leaving = holders - declared if exclusive else (previously_declared - declared) & holders
    return Plan(to_assign=sorted(declared - holders), to_unassign=sorted(leaving))


def batches(users: Sequence[str], size: int) -> Iterator[list[str]]:
    """``users`` in slices of at most ``size``."""
    items = list(users)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def converge(
    api: SeatsApi,
    product_code: str,
    declared: AbstractSet[str],
    previously_declared: AbstractSet[str] = frozenset(),
    *,
    exclusive: bool = False,
) -> list[str]:
    """Make exactly the declared users hold seats; all of it, or nothing.

    Takes the holders from ``api.holders`` (so a failure never takes away a
    seat someone held before), unassigns the users no longer declared (with
    ``exclusive``, every holder not declared), assigns what is missing, and
    returns the sorted declared users, who all hold a seat. If anything
    fails, the seats this call assigned are given back, the seats it
    unassigned are assigned again, and :class:`SeatAssignmentError` says who
    and why (and whom a request that may still land late may change again).

    Unassigning comes first, so that swapping users works when every seat is
    taken and a failure never leaves a seat Pulumi does not track.
    """
    steps = plan(declared, previously_declared, api.holders(product_code), exclusive=exclusive)
    unassigned = _release_or_restore(api, product_code, steps.to_unassign)
    try:
        # The seats given back are assigned again on failure; if a DELETE of theirs may
        # land again, that is said then, and "nothing changed" must not be said before.
        _assign_or_roll_back(
            api, product_code, steps.to_assign, settled=not unassigned.may_land_again
        )
    except SeatAssignmentError as exc:
        restored = _restore(api, product_code, unassigned.released, unassigned.may_land_again)
        raise SeatAssignmentError(f"{exc}{restored}") from exc.__cause__
    return sorted(declared)


def assign_or_roll_back(api: SeatsApi, product_code: str, users: Sequence[str]) -> None:
    """Assign seats to ``users`` (none of whom held one); all of them, or none.

    The API reference leaves open whether ``assigned_ids`` lists every
    requested holder or only the newly seated ones, and whether unknown users
    are skipped or rejected. A user absent from every answer is therefore
    checked by reading the holders back from the API (never from a cached
    view: a stale answer would roll back the wrong seats), once, and only
    when needed. A roll back never says "nothing changed" of a batch whose
    request may still land late (:attr:`WriteResult.may_land_again`): it names
    its users, whom Datadog may still give a seat.
    """
    _assign_or_roll_back(api, product_code, users)


def _assign_or_roll_back(
    api: SeatsApi, product_code: str, users: Sequence[str], *, settled: bool = True
) -> None:
    """:func:`assign_or_roll_back`; ``settled``: nothing else this run did may still
    change (else a roll back never says "nothing changed")."""
    attempted: list[str] = []
    confirmed: set[str] = set()
    in_flight: list[str] = []
    relanding: set[str] = set()  # users of the batches that may land again
    try:
        for batch in batches(users, api.batch_size):
            attempted.extend(batch)
            in_flight = batch
            result = api.assign_batch(product_code, batch)
            confirmed.update(set(result.assigned_ids) & set(batch))
            if result.may_land_again:
                relanding.update(batch)
            in_flight = []
    except SeatsError as exc:
        holders = _holders_or_none(api, product_code)
        pending = _undecided(exc, in_flight, holders)
        undone = _roll_back(
            api, product_code, attempted, holders, relanding, settled=settled and not pending
        )
        raise SeatAssignmentError(
            f"Assigning seats of {product_code!r} to {len(users)} user(s) failed: {exc}{undone}"
            f"{_may_still_assign(pending)}"
        ) from exc
    unsettled = set(users) - confirmed
    if not unsettled:
        return
    try:
        holders = api.read_holders(product_code)
    except SeatsError as exc:
        # Who got a seat is unknown: give back every seat this run may have assigned.
        undone = _roll_back(api, product_code, attempted, None, relanding, settled=settled)
        raise SeatAssignmentError(
            f"Datadog's answers left out {len(unsettled)} of the {len(users)} user(s) this run "
            f"assigned a seat of {product_code!r}, and reading the holders back to check "
            f"failed: {exc}{undone}"
        ) from exc
    missing = sorted(unsettled - holders)
    if not missing:
        return
    undone = _roll_back(api, product_code, attempted, holders, relanding, settled=settled)
    raise SeatAssignmentError(
        f"Datadog did not give a seat of {product_code!r} to {len(missing)} declared user(s): "
        f"{', '.join(missing)}. Either these UUIDs are not active users of this organization "
        f"(check them in Organization Settings > Users), or no free {product_code!r} seats "
        f"are left (free some or buy more, then run again).{undone}"
    )


def _undecided(
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


def _may_still_assign(users: Sequence[str], *, earlier: bool = False) -> str:
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


def _may_still_unassign(users: Sequence[str], *, earlier: bool = False) -> str:
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


@dataclass
class _Unassigning:
    """How far unassigning a list of users got, batch by batch."""

    #: The users whose seat was given back.
    released: list[str] = field(default_factory=list)
    #: The users of the request under way (after a failure: of the request that failed).
    in_flight: list[str] = field(default_factory=list)
    #: The released users whose request may land again (:attr:`WriteResult.may_land_again`).
    may_land_again: set[str] = field(default_factory=set)


def release(api: SeatsApi, product_code: str, users: Sequence[str]) -> list[str]:
    """Unassign seats from ``users``, batch by batch; users who hold none are fine.

    Returns the users whose seat was given back. Whether unassigning a
    non-holder is an error is not settled by the API reference: if Datadog
    rejects a batch, the holders are read from the API (once) and only those
    among ``users`` are unassigned from then on. Any other error is raised.
    """
    progress = _Unassigning()
    _release_into(api, product_code, users, progress)
    return progress.released


def release_or_restore(api: SeatsApi, product_code: str, users: Sequence[str]) -> list[str]:
    """:func:`release`, all or nothing: on failure the seats taken are assigned again.

    Returns who lost a seat; raises :class:`SeatAssignmentError` if any batch failed.
    When the failed request got no clear answer (:func:`outcome_unknown`), its users are
    assigned again too (assigning is idempotent), and the message names them: Datadog may
    still carry the request out later. So does it name the users assigned again whose
    request may land again (:attr:`WriteResult.may_land_again`).
    """
    return _release_or_restore(api, product_code, users).released


def _release_or_restore(api: SeatsApi, product_code: str, users: Sequence[str]) -> _Unassigning:
    """:func:`release_or_restore`, returning how far it got (all the way, unless it raised)."""
    progress = _Unassigning()
    try:
        _release_into(api, product_code, users, progress)
    except SeatsError as exc:
        pending = _undecided(exc, progress.in_flight)
        restored = _restore(
            api, product_code, [*progress.released, *pending], progress.may_land_again
        )
        if not restored:
            restored = " No seat was given back."
        raise SeatAssignmentError(
            f"Unassigning seats of {product_code!r} from {len(users)} user(s) failed: "
            f"{exc}{restored}{_may_still_unassign(pending)}"
        ) from exc
    return progress


def _release_into(
    api: SeatsApi, product_code: str, users: Sequence[str], progress: _Unassigning
) -> None:
    """Unassign ``users`` batch by batch, recording each batch given back in ``progress``."""
    still_holding: set[str] | None = None  # read from the API after a refusal
    for batch in batches(users, api.batch_size):
        if still_holding is not None:
            batch = [u for u in batch if u in still_holding]
            if not batch:
                continue
        try:
            progress.in_flight = batch
            result = api.unassign_batch(product_code, batch)
        except (BadRequestError, UnprocessableError):
            if still_holding is not None:
                raise  # refused although every user in it holds a seat
            progress.in_flight = []
            still_holding = api.read_holders(product_code)
            batch = [u for u in batch if u in still_holding]
            if not batch:
                continue
            progress.in_flight = batch
            result = api.unassign_batch(product_code, batch)
        progress.in_flight = []
        progress.released.extend(batch)
        if result.may_land_again:
            progress.may_land_again.update(batch)


def _roll_back(
    api: SeatsApi,
    product_code: str,
    attempted: Sequence[str],
    holders: set[str] | None,
    relanding: AbstractSet[str] = frozenset(),
    *,
    settled: bool = True,
) -> str:
    """Give back the seats of ``attempted`` (who held none before); say what happened.

    ``relanding``: users whose assign request was answered but may land again (this roll
    back leaves them without a seat, so they are named). "Nothing changed" is said only
    when ``settled`` (no other request of the run may still be carried out, such as one
    that failed without a clear answer) and nobody is in ``relanding``.
    """
    targets = sorted(set(attempted) & holders) if holders is not None else sorted(attempted)
    late = sorted(relanding)
    unchanged = settled and not late
    if not targets:
        said = ", so nothing changed" if unchanged else ""
        return f" No seat was assigned{said}.{_may_still_assign(late, earlier=True)}"
    try:
        release(api, product_code, targets)
    except SeatsError as exc:
        # A late assign of a user named here as still holding a seat changes nothing.
        late = [u for u in late if u not in targets]
        return (
            f" Giving back the {len(targets)} seat(s) this run assigned also failed ({exc}); "
            f"these users may still hold a seat Pulumi does not track: {', '.join(targets)}. "
            "Run the command again, or unassign them in Datadog."
            f"{_may_still_assign(late, earlier=True)}"
        )
    said = ": nothing changed" if unchanged else ""
    return (
        f" The {len(targets)} seat(s) this run had assigned were given back{said}."
        f"{_may_still_assign(late, earlier=True)}"
    )


def _restore(
    api: SeatsApi,
    product_code: str,
    released: Sequence[str],
    relanding: AbstractSet[str] = frozenset(),
) -> str:
    """Assign seats back to ``released`` after a failed operation; say what happened.

    Datadog's answers are checked as for any assignment: a user they leave out is looked
    up in the holders, and one without a seat (no free seat any more, say) is reported.
    ``relanding``: users whose unassign request may land again; those who get their seat
    back are named, since a late unassign would take it away again.
    """
    if not released:
        return ""
    confirmed: set[str] = set()
    try:
        for batch in batches(released, api.batch_size):
            confirmed.update(set(api.assign_batch(product_code, batch).assigned_ids) & set(batch))
        unsettled = set(released) - confirmed
        lost = sorted(unsettled - api.read_holders(product_code)) if unsettled else []
    except SeatsError as exc:
        return (
            f" Assigning back the {len(released)} seat(s) this run had given back also failed "
            f"({exc}); these users are now without a seat: {', '.join(released)}. Run the "
            "command again once the cause is fixed."
        )
    late = _may_still_unassign(sorted((set(released) & relanding) - set(lost)), earlier=True)
    if lost:
        return (
            f" Assigning back the {len(released)} seat(s) this run had given back also failed "
            f"for {len(lost)}: Datadog gave no seat to {', '.join(lost)}, who are now without "
            f"one (are {product_code!r} seats all taken?). Free a seat, then run the command "
            f"again.{late}"
        )
    return f" The {len(released)} seat(s) this run had given back were assigned again.{late}"


def _holders_or_none(api: SeatsApi, product_code: str) -> set[str] | None:
    """The holders read from the API, or None when they cannot be read (then roll back blindly)."""
    try:
        return api.read_holders(product_code)
    except SeatsError:
        return None
