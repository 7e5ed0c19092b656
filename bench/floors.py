"""The fewest API calls each operation can make, and what other designs would make.

A *listing* of a product reads its holders page by page: ``ceil(holders / pageSize)``
GETs, and one GET when nobody holds a seat (the emulator, like Datadog, ends a listing
with an empty ``next_cursor``, so a full last page costs no extra request).

Floors of one engine operation over SeatAssignments of one product:

- ``pulumi up`` (create): one listing, taken before anything is assigned, plus the
  writes. Each resource is its own create call, so writes cannot be merged across
  resources: ``sum(ceil(users_i / batchSize))`` POSTs.
- ``pulumi refresh`` (read): one listing of the holders at that time; nothing else.
- ``pulumi destroy`` (delete): ``sum(ceil(users_i / batchSize))`` DELETEs and no listing,
  because unassigning a user is idempotent: the seat logic only lists when Datadog
  refuses a batch.

When every write takes ``latency`` seconds and the engine runs ``parallel`` resource
operations at once, ``W`` writes of one write per resource need at least
``ceil(W / parallel)`` rounds of the latency beyond the same command without it.

Under a rate limit of ``limit`` requests per ``period`` seconds, a window that opens at
the first request lets ``limit`` requests through at once and the next window opens
``period`` seconds later, so ``R`` requests need at least
``floor((R - 1) / limit) * period`` seconds from the first request to the last.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

PAGE_SIZE = 100
BATCH_SIZE = 100


def listing(holders: int, page_size: int = PAGE_SIZE) -> int:
    """GETs of one listing of a product with ``holders`` seat holders."""
    return max(1, math.ceil(holders / page_size))


def writes(groups: Sequence[int], batch_size: int = BATCH_SIZE) -> int:
    """POSTs (or DELETEs) that give seats to (or take them from) each resource's users."""
    return sum(math.ceil(users / batch_size) for users in groups)


def up(
    groups: Sequence[int],
    holders_before: int,
    page_size: int = PAGE_SIZE,
    batch_size: int = BATCH_SIZE,
) -> Counter[str]:
    """Floor of a `pulumi up` that creates one SeatAssignment per entry of ``groups``."""
    return Counter(GET=listing(holders_before, page_size), POST=writes(groups, batch_size))


def refresh(holders: int, page_size: int = PAGE_SIZE) -> Counter[str]:
    """Floor of a `pulumi refresh` of SeatAssignments of one product."""
    return Counter(GET=listing(holders, page_size))


def destroy(groups: Sequence[int], batch_size: int = BATCH_SIZE) -> Counter[str]:
    """Floor of a `pulumi destroy` of one SeatAssignment per entry of ``groups``."""
    return Counter(DELETE=writes(groups, batch_size))


def per_user(groups: Sequence[int]) -> int:
    """Calls of the one-request-per-user model (a loop over users, one POST or DELETE each)."""
    return sum(groups)


def listing_per_resource(
    groups: Sequence[int],
    holders_before: int,
    page_size: int = PAGE_SIZE,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Calls of a `pulumi up` that lists the holders once per resource (before the view).

    Resources created one after another: each listing sees the seats the earlier
    ones assigned.
    """
    total, holders = 0, holders_before
    for users in groups:
        total += listing(holders, page_size) + math.ceil(users / batch_size)
        holders += users
    return total


def latency_floor(base_seconds: float, writes: int, parallel: int, latency: float) -> float:
    """The least wall time of a command whose ``writes`` writes each take ``latency`` seconds
    while the engine runs ``parallel`` resource operations at once: the same command without
    the latency (``base_seconds``) plus ``ceil(writes / parallel)`` rounds of it."""
    return base_seconds + math.ceil(writes / parallel) * latency


def rate_limited_seconds(requests: int, limit: int, period: float) -> float:
    """The least time from first to last of ``requests`` under ``limit`` per ``period``."""
    if requests <= 0:
        return 0.0
    return ((requests - 1) // limit) * period


def paced_rate_limited_seconds(
    free_starts: Sequence[float], free_last_duration: float, limit: int, period: float
) -> float:
    """The least span under the limit for a client that otherwise keeps the pace of a free run.

    ``free_starts`` are the request times of the same operation without a limit. Each
    request follows the previous one by the same gap as in the free run, except that
    the ``limit + 1``-th request of a window waits for the next window, which opens
    ``period`` seconds after the current one (and not before that request).
    """
    starts = sorted(free_starts)
    if not starts:
        return 0.0
    now = window = 0.0
    used = 0
    for previous, current in zip([starts[0], *starts], starts, strict=False):
        now += current - previous
        if now - window >= period:
            window, used = now, 0
        if used == limit:
            now = window = window + period
            used = 0
        used += 1
    return now + free_last_duration
