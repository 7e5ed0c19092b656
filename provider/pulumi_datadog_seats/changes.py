"""What changed between a SeatAssignment's previous outputs and its new inputs.

A pure comparison, with no API call: :func:`compare` is what the engine's diff step
asks of both front ends. The lifecycle core adds the preview's words for who ``pulumi
up`` unassigns (:mod:`.forecast`); each front end then words the result for its engine
protocol (the plugin names each user added and removed in a detailed diff).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .declaration import EXCLUSIVE, PRODUCT_CODE, REPLACING_INPUTS, UNMANAGED_IDS, USER_UUIDS
from .redaction import parse_user_uuid, user_uuid_set
from .validation import IsUnknown, never_unknown


@dataclass(frozen=True)
class Diff:
    """What changed between the previous outputs and the new checked inputs.

    ``removed_users`` are positions in the old ``user_uuids``, ``added_users`` in the new
    one (a user not known yet counts as added); ``users_unknown`` means the whole new
    list is not known yet. ``unmanaged`` are positions in the old ``unmanaged_ids`` of
    the holders an exclusive declaration removes on ``pulumi up``.
    """

    replaces: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed_users: tuple[int, ...] = ()
    added_users: tuple[int, ...] = ()
    users_unknown: bool = False
    unmanaged: tuple[int, ...] = ()
    #: The preview's words for everyone ``pulumi up`` unassigns (:mod:`.forecast`), or None.
    warning: str | None = None

    @property
    def has_changes(self) -> bool:
        """Whether ``pulumi up`` has anything to do."""
        return bool(self.changed)


def compare(
    olds: Mapping[str, Any], news: Mapping[str, Any], is_unknown: IsUnknown = never_unknown
) -> Diff:
    """Compare the previous outputs with the new checked inputs (by property name).

    Users compare as sets of canonical UUIDs (order, case and duplicates are no change);
    a new product code replaces; anything else updates. Unknown values count as changes.
    With ``exclusive`` on, the holders the last create, update or refresh found outside
    the declaration (``unmanaged_ids``) are a change too: ``pulumi up`` unassigns them.
    """
    changed: list[str] = []
    new_product = news.get(PRODUCT_CODE)
    if is_unknown(new_product) or new_product != olds.get(PRODUCT_CODE):
        changed.append(PRODUCT_CODE)
    old_users = _list(olds.get(USER_UUIDS))
    new_users = news.get(USER_UUIDS)
    users_unknown = is_unknown(new_users) or not isinstance(new_users, list)
    removed: list[int] = []
    added: list[int] = []
    if isinstance(new_users, list) and not users_unknown:
        old_set = user_uuid_set(u for u in old_users if not is_unknown(u))
        new_set = user_uuid_set(u for u in new_users if not is_unknown(u))
        removed = [n for n, u in enumerate(old_users) if parse_user_uuid(u) not in new_set]
        added = [
            n for n, u in enumerate(new_users) if is_unknown(u) or parse_user_uuid(u) not in old_set
        ]
    if users_unknown or removed or added:
        changed.append(USER_UUIDS)
    new_exclusive = news.get(EXCLUSIVE)
    if is_unknown(new_exclusive) or bool(new_exclusive) != bool(olds.get(EXCLUSIVE)):
        changed.append(EXCLUSIVE)
    unmanaged: list[int] = []
    if new_exclusive is True:
        unmanaged = list(range(len(_list(olds.get(UNMANAGED_IDS)))))
        if unmanaged:
            changed.append(UNMANAGED_IDS)
    return Diff(
        replaces=tuple(p for p in changed if p in REPLACING_INPUTS),
        changed=tuple(changed),
        removed_users=tuple(removed),
        added_users=tuple(added),
        users_unknown=users_unknown,
        unmanaged=tuple(unmanaged),
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
