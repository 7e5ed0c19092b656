"""Reconciliation: make Datadog's holders match a declaration, all of it or nothing.

Given the declared users, the previously declared ones and the seat holders, these
functions decide what to assign and unassign, carry it out batch by batch through a
:class:`SeatsApi` (in production a :class:`~.holders.HoldersView` over the Seats API
client), and, when a batch fails, undo what the operation did and say who was left
where. A write whose earlier attempt got no clear answer may still land later
(:attr:`~.api.seats.WriteResult.may_land_again`, :mod:`.outcomes`): a roll back never
says "nothing changed" of its users, it names them. Giving seats back is
:mod:`.release`.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from .errors import SeatAssignmentError, SeatsError
from .outcomes import may_still_assign, undecided
from .release import release, release_or_restore_progress, restore
from .seat_api import SeatsApi, batches


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
    unassigned = release_or_restore_progress(api, product_code, steps.to_unassign)
    try:
        # The seats given back are assigned again on failure; if a DELETE of theirs may
        # land again, that is said then, and "nothing changed" must not be said before.
        assign_or_roll_back(
            api, product_code, steps.to_assign, settled=not unassigned.may_land_again
        )
    except SeatAssignmentError as exc:
        restored = restore(api, product_code, unassigned.released, unassigned.may_land_again)
        raise SeatAssignmentError(f"{exc}{restored}") from exc.__cause__
    return sorted(declared)


def assign_or_roll_back(
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
        pending = undecided(exc, in_flight, holders)
        undone = _roll_back(
            api, product_code, attempted, holders, relanding, settled=settled and not pending
        )
        raise SeatAssignmentError(
            f"Assigning seats of {product_code!r} to {len(users)} user(s) failed: {exc}{undone}"
            f"{may_still_assign(pending)}"
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
        return f" No seat was assigned{said}.{may_still_assign(late, earlier=True)}"
    try:
        release(api, product_code, targets)
    except SeatsError as exc:
        # A late assign of a user named here as still holding a seat changes nothing.
        late = [u for u in late if u not in targets]
        return (
            f" Giving back the {len(targets)} seat(s) this run assigned also failed ({exc}); "
            f"these users may still hold a seat Pulumi does not track: {', '.join(targets)}. "
            "Run the command again, or unassign them in Datadog."
            f"{may_still_assign(late, earlier=True)}"
        )
    said = ": nothing changed" if unchanged else ""
    return (
        f" The {len(targets)} seat(s) this run had assigned were given back{said}."
        f"{may_still_assign(late, earlier=True)}"
    )


def _holders_or_none(api: SeatsApi, product_code: str) -> set[str] | None:
    """The holders read from the API, or None when they cannot be read (then roll back blindly)."""
    try:
        return api.read_holders(product_code)
    except SeatsError:
        return None
