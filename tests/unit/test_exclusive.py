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


def test_one_exclusive_declaration_per_product():
    claims = ExclusiveClaims()
    claims.claim(PRODUCT, {uid(1), uid(2)})
    claims.claim(PRODUCT, {uid(2), uid(1)})  # the same declaration again
    claims.claim("on_call", {uid(3)})  # another product
    with pytest.raises(ExclusiveClaimError) as info:
        claims.claim(PRODUCT, {uid(1)})
    message = str(info.value)
    assert PRODUCT in message and "2 user(s)" in message and "1 user(s)" in message
    # The first claim stays.
    claims.claim(PRODUCT, {uid(1), uid(2)})


def test_exclusive_claims_from_many_threads_have_one_winner():
    import threading
    from concurrent.futures import ThreadPoolExecutor

    claims = ExclusiveClaims()
    start = threading.Barrier(16)

    def claim(i: int) -> bool:
        start.wait()
        try:
            claims.claim(PRODUCT, {uid(i)})
        except ExclusiveClaimError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert sum(pool.map(claim, range(16))) == 1
