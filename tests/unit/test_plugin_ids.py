"""Import IDs: `PRODUCT_CODE` or `PRODUCT_CODE:UUID,UUID,...`; resource IDs are product codes."""

from __future__ import annotations

import pytest

from pulumi_datadog_seats.errors import ImportIdError
from pulumi_datadog_seats.plugin.ids import (
    ImportId,
    parse_import_id,
    product_of,
    resource_id,
)
from tests.unit.conftest import uid

A, B = uid(0xA), uid(0xB)


def test_a_product_code_alone_adopts_every_holder():
    assert parse_import_id("incident_response") == ImportId("incident_response", None)
    assert parse_import_id("  on_call ") == ImportId("on_call", None)


def test_users_after_the_colon_come_back_canonical_sorted_and_unique():
    parsed = parse_import_id(f"on_call: {B.upper()} ,{A},{B},")
    assert parsed == ImportId("on_call", (A, B))


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("", "no product code"),
        (f":{A}", "no product code"),
        ("on_call:", "no user UUIDs"),
        ("on_call: , ", "no user UUIDs"),
        (f"on_call:{A},bob", "'bob'"),
    ],
)
def test_malformed_import_ids_say_what_is_wrong_and_how_to_write_it(raw, says):
    with pytest.raises(ImportIdError) as info:
        parse_import_id(raw)
    assert says in str(info.value)
    assert "PRODUCT_CODE:UUID,UUID" in str(info.value)


def test_the_resource_id_is_the_product_code():
    assert resource_id("on_call") == "on_call"
    assert product_of("on_call") == "on_call"
    assert product_of(f"on_call:{A}") == "on_call"
