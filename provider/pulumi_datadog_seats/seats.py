"""The seat logic: validation, diffing and reconciliation, free of ``pulumi.dynamic``.

Given the declared users, the previously declared ones and the live seat
holders, these functions decide what to assign and unassign, carry it out
through a :class:`~pulumi_datadog_seats.client.SeatsClient`, and decide what
to report. Nothing here knows about Pulumi's engine, so it is tested directly
and could serve a multi-language provider plugin unchanged.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from .client import SeatsClient
from .errors import BadRequestError, SeatAssignmentError, SeatsError, UnprocessableError

PRODUCT_CODE = "product_code"
USER_UUIDS = "user_uuids"
ASSIGNED_IDS = "assigned_ids"


@dataclass
class CheckOutcome:
    """Normalised inputs, and the ``(property, reason)`` of each failure."""

    inputs: dict[str, Any]
    failures: list[tuple[str, str]] = field(default_factory=list)


def normalize_uuid(value: Any) -> str | None:
    """The lower-case canonical form of a UUID string, or None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None


def _never_unknown(_value: Any) -> bool:
    return False


def check_inputs(
    product_code: Any, user_uuids: Any, is_unknown: Callable[[Any], bool] = _never_unknown
) -> CheckOutcome:
    """Validate and normalise the inputs, leaving values for which ``is_unknown`` holds untouched.

    ``product_code`` must be a non-empty string; ``user_uuids`` a non-empty
    list of UUID strings, returned in canonical lower-case form, sorted, with
    duplicates removed. Unknown elements (during preview) are kept in place.
    """
    failures: list[tuple[str, str]] = []
    if not is_unknown(product_code):
        if not isinstance(product_code, str) or not product_code.strip():
            failures.append(
                (
                    PRODUCT_CODE,
                    f"product_code must be a non-empty string such as 'incident_response' or "
                    f"'on_call', got {product_code!r}",
                )
            )
        else:
            product_code = product_code.strip()
    if is_unknown(user_uuids):
        return CheckOutcome({PRODUCT_CODE: product_code, USER_UUIDS: user_uuids}, failures)
    if not isinstance(user_uuids, (list, tuple)) or not user_uuids:
        failures.append(
            (
                USER_UUIDS,
                "user_uuids must be a non-empty list of Datadog user UUIDs, got "
                f"{user_uuids!r}; to give back every seat, delete the resource instead",
            )
        )
        return CheckOutcome({PRODUCT_CODE: product_code, USER_UUIDS: user_uuids}, failures)
    known: set[str] = set()
    pending: list[Any] = []
    invalid: list[Any] = []
    for value in user_uuids:
        if is_unknown(value):
            pending.append(value)
            continue
        canonical = normalize_uuid(value)
        if canonical is None:
            invalid.append(value)
        else:
            known.add(canonical)
    if invalid:
        failures.append(
            (
                USER_UUIDS,
                "user_uuids must hold Datadog user UUIDs (like "
                f"'3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c'); not UUIDs: "
                f"{', '.join(repr(v) for v in invalid)}",
            )
        )
    return CheckOutcome({PRODUCT_CODE: product_code, USER_UUIDS: sorted(known) + pending}, failures)


def declared_set(user_uuids: Iterable[Any]) -> set[str]:
    """The canonical UUIDs of a (possibly non-normalised) list; non-UUIDs are dropped."""
    return {u for u in (normalize_uuid(v) for v in user_uuids) if u is not None}


@dataclass(frozen=True)
class Plan:
    """What one operation will do to seats."""

    to_assign: list[str]
    to_unassign: list[str]


def plan(
    declared: AbstractSet[str], previously_declared: AbstractSet[str], holders: AbstractSet[str]
) -> Plan:
    """Assign every declared user without a seat; unassign users no longer declared.

    Users who were never declared are never touched, even if they hold a seat.
    """
    return Plan(
        to_assign=sorted(declared - holders),
        to_unassign=sorted((previously_declared - declared) & holders),
    )


def converge(
    client: SeatsClient,
    product_code: str,
    declared: AbstractSet[str],
    previously_declared: AbstractSet[str] = frozenset(),
) -> list[str]:
    """Make exactly the declared users hold seats, touching only declared users.

    Reads the holders first (so a failure never takes away a seat someone
    held before), unassigns the users no longer declared, assigns what is
    missing, and returns the sorted declared users that hold a seat. If any
    declared user ends up without a seat, the seats this call assigned are
    given back and :class:`SeatAssignmentError` says who and why.

    Unassigning comes first, so that swapping users works when every seat is
    taken and a failure never leaves a seat Pulumi does not track; if the
    assignments then fail, the users just unassigned get their seats back.
    """
    holders = client.list_seat_holders(product_code)
    steps = plan(declared, previously_declared, holders)
    release(client, product_code, steps.to_unassign)
    try:
        assign_or_roll_back(client, product_code, steps.to_assign)
    except SeatAssignmentError as exc:
        raise SeatAssignmentError(
            f"{exc}{_restore(client, product_code, steps.to_unassign)}"
        ) from exc.__cause__
    return sorted(declared)


def assign_or_roll_back(client: SeatsClient, product_code: str, users: Sequence[str]) -> None:
    """Assign seats to ``users`` (none of whom held one); all of them, or none.

    The API reference leaves open whether ``assigned_ids`` lists every
    requested holder or only the newly seated ones, and whether unknown users
    are skipped or rejected. A user absent from every answer is therefore
    checked by reading the holders back, once, and only when needed.
    """
    attempted: list[str] = []
    confirmed: set[str] = set()
    try:
        for batch in client.batches(users):
            attempted.extend(batch)
            confirmed.update(set(client.assign_batch(product_code, batch)) & set(batch))
    except SeatsError as exc:
        undone = _roll_back(
            client, product_code, attempted, holders=_holders_or_none(client, product_code)
        )
        raise SeatAssignmentError(
            f"Assigning seats of {product_code!r} to {len(users)} user(s) failed: {exc}{undone}"
        ) from exc
    unsettled = set(users) - confirmed
    if not unsettled:
        return
    holders = client.list_seat_holders(product_code)
    missing = sorted(unsettled - holders)
    if not missing:
        return
    undone = _roll_back(client, product_code, attempted, holders=holders)
    raise SeatAssignmentError(
        f"Datadog did not give a seat of {product_code!r} to {len(missing)} declared user(s): "
        f"{', '.join(missing)}. Either these UUIDs are not active users of this organization "
        f"(check them in Organization Settings > Users), or no free {product_code!r} seats "
        f"are left (free some or buy more, then run again).{undone}"
    )


def release(client: SeatsClient, product_code: str, users: Sequence[str]) -> None:
    """Unassign seats from ``users``; users who already hold none are fine.

    Whether unassigning a non-holder is an error is not settled by the API
    reference: if Datadog rejects the request, the holders are read and only
    those among ``users`` are unassigned.
    """
    if not users:
        return
    try:
        client.unassign(product_code, users)
    except (BadRequestError, UnprocessableError):
        still_holding = sorted(set(users) & client.list_seat_holders(product_code))
        if still_holding:
            client.unassign(product_code, still_holding)


def _roll_back(
    client: SeatsClient, product_code: str, attempted: Sequence[str], holders: set[str] | None
) -> str:
    """Give back the seats of ``attempted`` (who held none before); say what happened."""
    targets = sorted(set(attempted) & holders) if holders is not None else sorted(attempted)
    if not targets:
        return " No seat was assigned, so nothing changed."
    try:
        release(client, product_code, targets)
    except SeatsError as exc:
        return (
            f" Giving back the {len(targets)} seat(s) this run assigned also failed ({exc}); "
            f"these users may still hold a seat Pulumi does not track: {', '.join(targets)}. "
            "Run the command again, or unassign them in Datadog."
        )
    return f" The {len(targets)} seat(s) this run had assigned were given back: nothing changed."


def _restore(client: SeatsClient, product_code: str, released: Sequence[str]) -> str:
    """Assign seats back to ``released`` after a failed update; say what happened."""
    if not released:
        return ""
    try:
        client.assign(product_code, released)
    except SeatsError as exc:
        return (
            f" Assigning back the {len(released)} seat(s) this run had given back also failed "
            f"({exc}); these users are now without a seat: {', '.join(released)}. Run the "
            "command again once the cause is fixed."
        )
    return f" The {len(released)} seat(s) this run had given back were assigned again."


def _holders_or_none(client: SeatsClient, product_code: str) -> set[str] | None:
    """The holders, or None when they cannot be read either (then roll back blindly)."""
    try:
        return client.list_seat_holders(product_code)
    except SeatsError:
        return None
