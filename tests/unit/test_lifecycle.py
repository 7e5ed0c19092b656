"""lifecycle: the steps of a SeatAssignment, free of Pulumi, against the in-memory fake."""

from __future__ import annotations

from pulumi_datadog_seats.declaration import Declaration, SeatOutputs
from tests.unit.conftest import uid

PRODUCT = "incident_response"


def test_only_an_exclusive_declaration_records_the_holders_it_does_not_name():
    holders = {uid(3), uid(1), uid(2)}
    exclusive = Declaration(PRODUCT, frozenset({uid(2), uid(5)}), exclusive=True)
    assert SeatOutputs.of(exclusive, holders).unmanaged_ids == (uid(1), uid(3))
    plain = Declaration(PRODUCT, frozenset({uid(2), uid(5)}))
    outputs = SeatOutputs.of(plain, holders)
    assert outputs.unmanaged_ids == ()
    assert outputs.assigned_ids == (uid(2),) and outputs.user_uuids == (uid(2), uid(5))
