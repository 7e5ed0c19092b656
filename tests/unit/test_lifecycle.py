"""lifecycle: the steps of a SeatAssignment, free of Pulumi, against the in-memory fake."""

from __future__ import annotations

from pulumi_datadog_seats.declaration import Declaration, SeatOutputs
from tests.unit.conftest import uid

PRODUCT = "incident_response"


def test_unmanaged_lists_the_undeclared_holders_sorted():
    assert SeatOutputs.of(
        Declaration(PRODUCT, frozenset({uid(2), uid(5)})), {uid(3), uid(1), uid(2)}
    ).unmanaged_ids == (uid(1), uid(3))
