"""Diff of a SeatAssignment: which users a preview shows as added and removed.

The engine renders a detailed diff by looking each path up in the old
*outputs* (for DELETE) and the new *inputs* (for ADD) and printing the value it
finds, so every user added or removed gets a path of its own with its index in
the list it is found in: ``userUuids[3]`` ADD is the fourth UUID of the new
(checked, so sorted) inputs, ``userUuids[1]`` DELETE the second UUID of the
old outputs. The CLI then prints ``+ [3]: "<uuid>"`` and ``- [1]: "<uuid>"``.

Order, case and duplicates are no change: users are compared as sets of
canonical UUIDs. A new product code is a replacement (deleted before the new
one is created, as the dynamic provider does: created first, the new resource
would adopt the seats and the old one's delete would take them away).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.provider.experimental.provider import DiffResponse, PropertyDiff, PropertyDiffKind

from .. import seats
from ..redaction import parse_user_uuid
from .schema import EXCLUSIVE, PRODUCT_CODE, UNMANAGED_IDS, USER_UUIDS
from .values import is_unknown


def diff_seat_assignment(olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffResponse:
    """The diff between the old outputs and the new checked inputs (plain values).

    Unknown values (preview) count as changes: a new product code that is not
    known yet may replace, users not known yet are shown as added.
    """
    detailed: dict[str, PropertyDiff] = {}

    new_product = news.get(PRODUCT_CODE)
    if is_unknown(new_product) or new_product != olds.get(PRODUCT_CODE):
        detailed[PRODUCT_CODE] = PropertyDiff(PropertyDiffKind.UPDATE_REPLACE, input_diff=False)

    detailed.update(_user_diffs(olds.get(USER_UUIDS), news.get(USER_UUIDS)))

    new_exclusive = news.get(EXCLUSIVE)
    if is_unknown(new_exclusive) or bool(new_exclusive) != bool(olds.get(EXCLUSIVE)):
        detailed[EXCLUSIVE] = PropertyDiff(PropertyDiffKind.UPDATE, input_diff=False)
    if new_exclusive is True:
        # Holders found outside the declaration lose their seat on `pulumi up`: name them.
        for index, _user in enumerate(_list(olds.get(UNMANAGED_IDS))):
            detailed[f"{UNMANAGED_IDS}[{index}]"] = PropertyDiff(
                PropertyDiffKind.DELETE, input_diff=False
            )

    replaces = [PRODUCT_CODE] if PRODUCT_CODE in detailed else []
    return DiffResponse(
        changes=bool(detailed),
        replaces=replaces,
        delete_before_replace=True,
        diffs=sorted({path.split("[", 1)[0] for path in detailed}),
        detailed_diff=detailed,
    )


def _user_diffs(old_users: Any, new_users: Any) -> dict[str, PropertyDiff]:
    if is_unknown(new_users) or not isinstance(new_users, list):
        return {USER_UUIDS: PropertyDiff(PropertyDiffKind.UPDATE, input_diff=False)}
    olds = _list(old_users)
    old_set = seats.declared_set(u for u in olds if not is_unknown(u))
    new_set = seats.declared_set(u for u in new_users if not is_unknown(u))
    diffs: dict[str, PropertyDiff] = {}
    for index, user in enumerate(olds):
        if parse_user_uuid(user) not in new_set:
            diffs[f"{USER_UUIDS}[{index}]"] = PropertyDiff(
                PropertyDiffKind.DELETE, input_diff=False
            )
    for index, user in enumerate(new_users):
        if is_unknown(user) or parse_user_uuid(user) not in old_set:
            diffs[f"{USER_UUIDS}[{index}]"] = _merge(
                diffs.get(f"{USER_UUIDS}[{index}]"), PropertyDiffKind.ADD
            )
    return diffs


def _merge(existing: PropertyDiff | None, kind: PropertyDiffKind) -> PropertyDiff:
    """One path can be both a removal (old list) and an addition (new list): an update."""
    if existing is None:
        return PropertyDiff(kind, input_diff=False)
    return PropertyDiff(PropertyDiffKind.UPDATE, input_diff=False)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
