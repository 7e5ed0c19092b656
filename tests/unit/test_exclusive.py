"""exclusive: at most one exclusive declaration per product, whatever the threads."""

from __future__ import annotations

import pytest

from pulumi_datadog_seats.errors import (
    ExclusiveClaimError,
)
from pulumi_datadog_seats.exclusive import ExclusiveClaims
from tests.unit.conftest import uid

PRODUCT = "incident_response"


# -- exclusive claims ------------------------------------------------------------------------


def test_one_exclusive_declaration_per_product_whatever_its_users():
    claims = ExclusiveClaims()
    claims.claim(PRODUCT, claimant="a", users={uid(1), uid(2)})
    claims.claim(PRODUCT, claimant="a", users={uid(3)})  # the same resource, new users
    claims.claim("on_call", claimant="b", users={uid(3)})  # another product
    with pytest.raises(ExclusiveClaimError) as info:
        claims.claim(PRODUCT, claimant="b", users={uid(3)})  # the same users: refused too
    message = str(info.value)
    assert PRODUCT in message and "'a'" in message and "'b'" in message
    # From then on the first claimant is refused too: neither of the two writes.
    with pytest.raises(ExclusiveClaimError):
        claims.claim(PRODUCT, claimant="a")


def test_without_a_claimant_the_declared_users_stand_for_the_resource():
    # The dynamic provider is told no resource name: one resource is checked, then created,
    # with the same users; another declaration of the product is another resource.
    claims = ExclusiveClaims()
    claims.claim(PRODUCT, users={uid(1), uid(2)})
    claims.claim(PRODUCT, users={uid(2), uid(1)})
    with pytest.raises(ExclusiveClaimError) as info:
        claims.claim(PRODUCT, users={uid(1)})
    assert "2 user(s)" in str(info.value) and "1 user(s)" in str(info.value)


def test_a_claim_recorded_now_is_checked_later_against_every_other():
    # A program records every claim when it constructs its resources and checks each when
    # it registers: both of two claims of one product are then refused.
    claims = ExclusiveClaims()
    first = claims.record(PRODUCT, claimant="a")
    second = claims.record(PRODUCT, claimant="b")
    for claim in (first, second):
        with pytest.raises(ExclusiveClaimError):
            claims.check(claim)


def test_exclusive_claims_from_many_threads_have_one_winner():
    import threading
    from concurrent.futures import ThreadPoolExecutor

    claims = ExclusiveClaims()
    start = threading.Barrier(16)

    def claim(i: int) -> bool:
        start.wait()
        try:
            claims.claim(PRODUCT, claimant=f"r{i}")
        except ExclusiveClaimError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert sum(pool.map(claim, range(16))) == 1
