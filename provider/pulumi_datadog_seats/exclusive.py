"""At most one exclusive declaration per product, per provider process."""

from __future__ import annotations

import threading
from collections.abc import Set as AbstractSet

from .declaration import PYTHON, Spelling
from .errors import ExclusiveClaimError


class ExclusiveClaims:
    """The exclusive declarations one process has seen, at most one per product.

    The dynamic provider cannot tell which resource a call is for, so a claim
    is the declared set itself: two exclusive declarations of one product that
    name different users contradict each other; the same set twice (one
    resource checked, then created) agrees with itself. Thread-safe.
    """

    def __init__(self) -> None:
        """No claim yet."""
        self._lock = threading.Lock()
        self._claims: dict[str, frozenset[str]] = {}

    def claim(
        self, product_code: str, declared: AbstractSet[str], spelling: Spelling = PYTHON
    ) -> None:
        """Record that ``declared`` is the complete set of holders of ``product_code``.

        Raises :class:`ExclusiveClaimError`, before anything is written, if
        another exclusive declaration of the product was seen (its message writes
        ``exclusive`` as ``spelling`` does).
        """
        wanted = frozenset(declared)
        with self._lock:
            held = self._claims.setdefault(product_code, wanted)
        if held != wanted:
            raise ExclusiveClaimError(
                f"Two SeatAssignments with {spelling.exclusive_on} declare the holders of "
                f"{product_code!r}: one declares {_describe(held)}, the other "
                f"{_describe(wanted)}. Each would unassign the users of the other. Keep "
                f"{spelling.exclusive_on} on one SeatAssignment per product (declare every "
                f"holder there) and set {spelling.exclusive_off} on the others. Nothing was "
                "changed by this resource."
            )


def _describe(users: AbstractSet[str], shown: int = 3) -> str:
    names = sorted(users)
    listed = ", ".join(names[:shown])
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return f"{len(names)} user(s) ({listed}{more})"
