"""Giving seats back, batch by batch, and assigning them again when a run fails.

:func:`release` unassigns a list of users; :func:`release_or_restore` does it all or
nothing (a failure assigns back what it had given back, and says who was left where);
:func:`restore` assigns back the seats a failed run had given back.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from .errors import BadRequestError, SeatAssignmentError, SeatsError, UnprocessableError
from .outcomes import may_still_unassign, undecided
from .seat_api import SeatsApi, batches


@dataclass
class Unassigning:
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
    progress = Unassigning()
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
    return release_or_restore_progress(api, product_code, users).released


def release_or_restore_progress(
    api: SeatsApi, product_code: str, users: Sequence[str]
) -> Unassigning:
    """:func:`release_or_restore`, returning how far it got (all the way, unless it raised):
    who lost a seat, and whose request may land again."""
    progress = Unassigning()
    try:
        _release_into(api, product_code, users, progress)
    except SeatsError as exc:
        pending = undecided(exc, progress.in_flight)
        restored = restore(
            api, product_code, [*progress.released, *pending], progress.may_land_again
        )
        if not restored:
            restored = " No seat was given back."
        raise SeatAssignmentError(
            f"Unassigning seats of {product_code!r} from {len(users)} user(s) failed: "
            f"{exc}{restored}{may_still_unassign(pending)}"
        ) from exc
    return progress


def _release_into(
    api: SeatsApi, product_code: str, users: Sequence[str], progress: Unassigning
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


def restore(
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
    late = may_still_unassign(sorted((set(released) & relanding) - set(lost)), earlier=True)
    if lost:
        return (
            f" Assigning back the {len(released)} seat(s) this run had given back also failed "
            f"for {len(lost)}: Datadog gave no seat to {', '.join(lost)}, who are now without "
            f"one (are {product_code!r} seats all taken?). Free a seat, then run the command "
            f"again.{late}"
        )
    return f" The {len(released)} seat(s) this run had given back were assigned again.{late}"
