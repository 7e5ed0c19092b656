"""The Seats API as the seat logic uses it, and how a list of users becomes requests.

:class:`SeatWrites` is what every layer writes with (the client, the holders view, the
seat logic); :class:`SeatsApi` adds the holders, as a per-process view or read now. In
production the seat logic's :class:`SeatsApi` is a :class:`~.holders.HoldersView` over
the :class:`~.api.seats.SeatsClient`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from typing import Protocol

from .api.seats import WriteResult


class SeatWrites(Protocol):
    """One assign or unassign request of a batch of users.

    Each answers a :class:`~.api.seats.WriteResult`: whether the request may land again
    later, after a retry got its answer, is what lets a roll back say whom Datadog may
    still change.
    """

    def assign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        """One POST; the ``assigned_ids`` of the answer, and whether it may land again."""
        ...

    def unassign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        """One DELETE; whether it may land again."""
        ...


class SeatsApi(SeatWrites, Protocol):
    """The Seats API calls the seat logic makes.

    ``holders`` may answer from a per-process view; ``read_holders`` always
    asks the API. Writes carry at most ``batch_size`` users.
    """

    @property
    def batch_size(self) -> int:
        """The most users one assign or unassign request may carry."""
        ...

    def holders(self, product_code: str) -> AbstractSet[str]:
        """The holders of the product, possibly as a view kept by this process."""
        ...

    def read_holders(self, product_code: str) -> set[str]:
        """The holders of the product, read from the API now."""
        ...


def batches(users: Sequence[str], size: int) -> Iterator[list[str]]:
    """``users`` in slices of at most ``size``."""
    items = list(users)
    for start in range(0, len(items), size):
        yield items[start : start + size]
