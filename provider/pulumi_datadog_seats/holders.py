"""HoldersView: one provider process's view of who holds a seat of each product.

Listing the holders of a product costs one request per page (100 holders), and
every create, update and refresh of a SeatAssignment needs them. The provider
process serves every resource of one engine operation, so it keeps one view
per product instead of listing again for each resource:

- read on first use, by one thread at a time per product, the others waiting
  for that listing (double-checked under a lock, as pulumi's dynamic-provider
  host guards its provider cache);
- kept current by every assign and unassign this process makes (write-through),
  including those made while a listing is under way;
- forgotten, so that the next use reads again, whenever an answer contradicts
  it: a write that fails, an unassign Datadog refuses, an assign answer that
  names someone not asked for or leaves out someone who was.

A write whose earlier attempt may land again (``WriteResult.may_land_again``)
changes the view like any other: that attempt, if it lands, repeats the write.
The seat logic, which may undo the write, is told so by the result it returns.

:meth:`HoldersView.read_holders` always asks the API; the seat logic uses it
where a stale answer would do harm (confirming an ambiguous assign answer,
choosing what to roll back).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .api.seats import WriteResult
from .seat_api import SeatWrites


class SeatsEndpoints(SeatWrites, Protocol):
    """The Seats API calls the view makes; :class:`~.api.seats.SeatsClient` provides them."""

    def list_seat_holders(self, product_code: str) -> set[str]:
        """Every holder of a seat of the product, read from the API."""
        ...


@dataclass
class _Listing:
    """A listing under way: the writes made while it ran, to apply to what it read."""

    writes: list[tuple[bool, frozenset[str]]] = field(default_factory=list)
    stale: bool = False


class HoldersView:
    """The Seats API for the seat logic, with one cached view of each product's holders.

    Thread-safe. Satisfies :class:`pulumi_datadog_seats.seat_api.SeatsApi`.
    """

    def __init__(self, client: SeatsEndpoints, batch_size: int) -> None:
        """Wrap ``client``; ``batch_size`` is the most users one request may carry."""
        self._client = client
        self.batch_size = batch_size
        self._lock = threading.Lock()  # guards the three dicts below
        self._known: dict[str, set[str]] = {}
        self._fetch_locks: dict[str, threading.Lock] = {}
        self._listings: dict[str, list[_Listing]] = {}

    # -- reading -----------------------------------------------------------

    def holders(self, product_code: str) -> frozenset[str]:
        """The holders of ``product_code`` as this process knows them; listed on first use."""
        known = self._cached(product_code)
        if known is not None:
            return known
        with self._fetch_lock(product_code):
            # Another thread may have listed while this one waited for the lock.
            known = self._cached(product_code)
            if known is not None:
                return known
            return frozenset(self._list(product_code))

    def read_holders(self, product_code: str) -> set[str]:
        """The holders of ``product_code`` read from the API now; the view takes them too."""
        return self._list(product_code)

    def forget(self, product_code: str) -> None:
        """Drop the view of ``product_code`` (and of listings under way): the next use reads."""
        with self._lock:
            self._known.pop(product_code, None)
            for listing in self._listings.get(product_code, ()):
                listing.stale = True

    # -- writing (through to the view) -----------------------------------

    def assign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        """One POST; the users the answer names now hold a seat in the view too."""
        try:
            result = self._client.assign_batch(product_code, user_uuids)
        except Exception:
            # The batch may or may not have taken effect.
            self.forget(product_code)
            raise
        requested, named = set(user_uuids), set(result.assigned_ids)
        self._record(product_code, held=True, users=named & requested)
        if named != requested:
            # A stranger named, or a requested user left out (already seated, unknown, no
            # seat left): the view cannot tell which. The seat logic reads back if it matters.
            self.forget(product_code)
        return result

    def unassign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        """One DELETE; the users lose their seat in the view too."""
        try:
            result = self._client.unassign_batch(product_code, user_uuids)
        except Exception:
            # A refusal may mean the view named someone who holds no seat; anything else
            # leaves the batch half-known.
            self.forget(product_code)
            raise
        self._record(product_code, held=False, users=set(user_uuids))
        return result

    # -- plumbing ----------------------------------------------------------

    def _cached(self, product_code: str) -> frozenset[str] | None:
        with self._lock:
            known = self._known.get(product_code)
            return frozenset(known) if known is not None else None

    def _fetch_lock(self, product_code: str) -> threading.Lock:
        with self._lock:
            return self._fetch_locks.setdefault(product_code, threading.Lock())

    def _list(self, product_code: str) -> set[str]:
        """List from the API; store the result with the writes made meanwhile applied."""
        listing = _Listing()
        with self._lock:
            self._listings.setdefault(product_code, []).append(listing)
        try:
            listed = self._client.list_seat_holders(product_code)
        except BaseException:
            with self._lock:
                self._listings[product_code].remove(listing)
            raise
        with self._lock:
            self._listings[product_code].remove(listing)
            # A write made while the pages were read may or may not show in them; it
            # succeeded, so its effect holds either way.
            fresh = set(listed)
            for held, users in listing.writes:
                if held:
                    fresh |= users
                else:
                    fresh -= users
            if not listing.stale:
                self._known[product_code] = set(fresh)
            return fresh

    def _record(self, product_code: str, *, held: bool, users: set[str]) -> None:
        if not users:
            return
        frozen = frozenset(users)
        with self._lock:
            known = self._known.get(product_code)
            if known is not None:
                if held:
                    known |= frozen
                else:
                    known -= frozen
            for listing in self._listings.get(product_code, ()):
                listing.writes.append((held, frozen))
