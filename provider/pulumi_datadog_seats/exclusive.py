"""At most one exclusive SeatAssignment per product: the one rule, for every front end.

Two exclusive declarations of one product are refused, whatever users they name, before
anything is written. Even two that agree today would not for long: each would unassign
the users the other gains, and deleting either would take seats the other declares.

Which resource a claim comes from is its *claimant*: the plugin knows each resource's
URN, and a Python program its resource names. The dynamic provider is told neither, so
there the declared set stands in for the claimant (the same resource is checked, then
created, with the same users); its programs are checked by name when they register
their resources (:mod:`.resource`), so they meet the same rule.
"""

from __future__ import annotations

import threading
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from .errors import ExclusiveClaimError
from .spelling import PYTHON, Spelling


@dataclass(frozen=True)
class Claim:
    """One exclusive declaration of a product: its claimant, or (when that is not known)
    the users it declares."""

    product_code: str
    claimant: str | None = None
    users: frozenset[str] | None = None


class ExclusiveClaims:
    """The exclusive declarations one process has seen, at most one per product.

    Thread-safe.
    """

    def __init__(self) -> None:
        """No claim yet."""
        self._lock = threading.Lock()
        self._claims: dict[str, list[Claim]] = {}

    def claim(
        self,
        product_code: str,
        *,
        claimant: str | None = None,
        users: AbstractSet[str] | None = None,
        spelling: Spelling = PYTHON,
    ) -> None:
        """Record that ``claimant`` (or, when it is not known, the declaration of
        ``users``) is the exclusive SeatAssignment of ``product_code``, and
        :meth:`check` it at once. A refused claim stays recorded: the first claimant is
        refused too from then on, so that neither of two writes (the engine may check
        both before it creates either)."""
        self.check(self.record(product_code, claimant=claimant, users=users), spelling)

    def record(
        self,
        product_code: str,
        *,
        claimant: str | None = None,
        users: AbstractSet[str] | None = None,
    ) -> Claim:
        """Record a claim (replacing an earlier one of the same resource); no check yet."""
        claim = Claim(product_code, claimant, frozenset(users) if users is not None else None)
        with self._lock:
            claims = self._claims.setdefault(product_code, [])
            claims[:] = [c for c in claims if not _same_resource(c, claim)] + [claim]
        return claim

    def check(self, claim: Claim, spelling: Spelling = PYTHON) -> None:
        """Raise :class:`ExclusiveClaimError`, before anything is written, if another
        resource claims the product of ``claim`` too (its message writes names as
        ``spelling`` does)."""
        with self._lock:
            held = list(self._claims.get(claim.product_code, []))
        others = [c for c in held if c != claim and not _same_resource(c, claim)]
        if others:
            raise ExclusiveClaimError(_conflict(claim.product_code, others[0], claim, spelling))


def _same_resource(held: Claim, wanted: Claim) -> bool:
    if held.claimant is not None and wanted.claimant is not None:
        return held.claimant == wanted.claimant
    return held.users is not None and held.users == wanted.users


def _conflict(product_code: str, held: Claim, wanted: Claim, spelling: Spelling) -> str:
    on, off = spelling.exclusive_on, spelling.exclusive_off
    return (
        f"Two SeatAssignments set {on} for product {product_code!r}: {_describe(held)} "
        f"and {_describe(wanted)}. Each would unassign the users the other gains, and "
        f"deleting either would take seats the other declares, so nothing was written for "
        f"this one. Keep {on} on one SeatAssignment per product (declare every holder "
        f"there) and set {off} on the others."
    )


def _describe(claim: Claim, shown: int = 3) -> str:
    # A claimant is a resource name, or a URN (whose name comes last).
    who = repr(claim.claimant.rsplit("::", 1)[-1]) if claim.claimant is not None else "one"
    if claim.users is None:
        return who
    names = sorted(claim.users)
    listed = ", ".join(names[:shown])
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return f"{who} declaring {len(names)} user(s) ({listed}{more})"
