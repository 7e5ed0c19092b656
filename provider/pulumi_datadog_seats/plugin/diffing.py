"""The detailed diff a preview shows of a SeatAssignment: which users are added and removed.

What changed is the core's decision (:meth:`~pulumi_datadog_seats.lifecycle.SeatLifecycle.diff`);
this module only words it for the engine. The engine renders a detailed diff by looking each
path up in the old *outputs* (for DELETE) and the new *inputs* (for ADD) and printing the
value it finds, so every user added or removed gets a path of its own with its index in
the list it is found in: ``userUuids[3]`` ADD is the fourth UUID of the new (checked, so
sorted) inputs, ``userUuids[1]`` DELETE the second UUID of the old outputs. The CLI then
prints ``+ [3]: "<uuid>"`` and ``- [1]: "<uuid>"``.
"""

from __future__ import annotations

from pulumi.provider.experimental.provider import DiffResponse, PropertyDiff, PropertyDiffKind

from ..changes import Diff
from ..declaration import EXCLUSIVE, PRODUCT_CODE, UNMANAGED_IDS, USER_UUIDS
from ..spelling import SCHEMA_NAMES as SCHEMA


def detailed_diff(diff: Diff) -> DiffResponse:
    """The engine's form of ``diff``: one path per user added or removed, and per holder an
    exclusive declaration removes; a new product code replaces, creating first (a new
    product Datadog refuses then takes no seat away)."""
    users, unmanaged = SCHEMA[USER_UUIDS], SCHEMA[UNMANAGED_IDS]
    detailed: dict[str, PropertyDiff] = {}
    if PRODUCT_CODE in diff.changed:
        detailed[SCHEMA[PRODUCT_CODE]] = _kind(PropertyDiffKind.UPDATE_REPLACE)
    if diff.users_unknown:
        detailed[users] = _kind(PropertyDiffKind.UPDATE)
    for index in diff.removed_users:
        detailed[f"{users}[{index}]"] = _kind(PropertyDiffKind.DELETE)
    for index in diff.added_users:
        path = f"{users}[{index}]"
        # One path can be both a removal (old list) and an addition (new list): an update.
        kind = PropertyDiffKind.UPDATE if path in detailed else PropertyDiffKind.ADD
        detailed[path] = _kind(kind)
    if EXCLUSIVE in diff.changed:
        detailed[SCHEMA[EXCLUSIVE]] = _kind(PropertyDiffKind.UPDATE)
    for index in diff.unmanaged:
        detailed[f"{unmanaged}[{index}]"] = _kind(PropertyDiffKind.DELETE)
    return DiffResponse(
        changes=diff.has_changes,
        replaces=[SCHEMA[name] for name in diff.replaces],
        delete_before_replace=False,
        diffs=sorted({path.split("[", 1)[0] for path in detailed}),
        detailed_diff=detailed,
    )


def _kind(kind: PropertyDiffKind) -> PropertyDiff:
    return PropertyDiff(kind, input_diff=False)
